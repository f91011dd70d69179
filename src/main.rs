use clap::Parser;

use contenthub::cli::{self, Cli};
use contenthub::error::exit_code_of;

fn main() {
    let cli = Cli::parse();
    let code = match cli::run(cli) {
        Ok(code) => code.code(),
        Err(err) if is_broken_pipe(&err) => 0,
        Err(err) => {
            eprintln!("error: {err:#}");
            exit_code_of(&err).code()
        }
    };
    std::process::exit(code);
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
