use clap::Parser;

use contenthub::cli::{self, Cli};
use contenthub::error::exit_code_of;

/// `monitor health` answers like a monitoring plugin even when it cannot run: one
/// `CONTENTHUB UNKNOWN` line and exit 3, never clap's or our usual exit 2.
const UNKNOWN: i32 = 3;

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let health = cli::is_health_check(args.get(1..).unwrap_or_default());
    cli::start_early(args.get(1..).unwrap_or_default());
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) if health && e.use_stderr() => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            println!(
                "CONTENTHUB UNKNOWN - {}",
                first.strip_prefix("error: ").unwrap_or(first)
            );
            let _ = e.print();
            contenthub::store::finish_early();
            std::process::exit(UNKNOWN);
        }
        Err(e) => {
            contenthub::store::finish_early();
            e.exit()
        }
    };
    let code = match cli::run(cli) {
        Ok(code) => code.code(),
        Err(err) if is_broken_pipe(&err) => 0,
        Err(err) if health => {
            println!(
                "CONTENTHUB UNKNOWN - {}",
                format!("{err:#}").replace('\n', " ")
            );
            UNKNOWN
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            exit_code_of(&err).code()
        }
    };
    contenthub::store::finish_early();
    std::process::exit(code);
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
