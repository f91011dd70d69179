//! The command line: clap definitions and one module per command group.
//!
//! Handlers are thin: parse → call the store/domain → hand records to the [`Printer`]. They
//! receive a `Ctx` holding the resolved settings; nothing below reads the environment.

mod account;
mod bulk;
mod completions;
mod config;
mod content;
mod ctx;
mod daemon;
mod deliveries;
mod monitor;
mod scheduler;
mod store;
mod task;
mod wait;
mod watch;

use anyhow::Result;
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::config::{Overrides, Settings};
use crate::error::{Error, ExitCode};
use crate::output::{ColorChoice, Format, Printer, Style};

use ctx::Ctx;

/// Writes the completion script for `shell`.
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    completions::write(&mut command(), shell, out);
}

/// The version line: the crate version and the commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("CONTENTHUB_GIT_COMMIT"),
    ")"
);

const EXIT_CODES: &str = "\
Exit codes:
  0  ok
  1  operational failure (store, I/O, generator)
  2  invalid input (usage or validation); nothing was written
  3  not found
  4  refused by state (e.g. cancelling a completed task)

Environment:
  CONTENTHUB_DB       store path (like --db)
  CONTENTHUB_CONFIG   config file path (like --config)
  NO_COLOR            disables colour
  ASYNC_MAX_CONCURRENT_TASKS, ASYNC_POLL_INTERVAL, ASYNC_TASK_TIMEOUT
                      the old system's names, honoured as aliases (bare seconds or 30s/5m)";

/// Queue, generate, review, schedule and monitor articles for many accounts.
#[derive(Debug, Parser)]
#[command(name = "contenthub", version = VERSION, about, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<std::path::PathBuf>,

    /// Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<std::path::PathBuf>,

    /// Output format of read commands
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Print only ids
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// When to use colour (NO_COLOR is honoured)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Answer yes to confirmations (required for destructive commands without a terminal)
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Submit, inspect, cancel, retry and clean up generation tasks
    Task(task::TaskCmd),
    /// Manage the accounts content is written for
    Account(account::AccountCmd),
    /// Review and export generated content
    Content(content::ContentCmd),
    /// Cron-driven plans that queue tasks on a schedule
    Scheduler(scheduler::SchedulerCmd),
    /// Run the generation daemon, or control one running in the background
    Daemon(daemon::DaemonCmd),
    /// Health checks, metrics, daily stats, a live view and alerts
    Monitor(monitor::MonitorCmd),
    /// Outgoing callbacks and notifications (the outbox)
    Deliveries(deliveries::DeliveriesCmd),
    /// Inspect, check, back up, restore and copy the store
    Store(store::StoreCmd),
    /// Create and inspect the config file
    Config(config::ConfigCmd),
    /// Print a shell completion script
    Completions(completions::CompletionsArgs),
}

impl Command {
    /// Whether the command accepts `--format prometheus`.
    fn speaks_prometheus(&self) -> bool {
        matches!(self, Command::Monitor(m) if m.speaks_prometheus())
    }
}

/// What a command line says before clap parses it: its first two words (command and
/// subcommand), the value of `--db`, and whether it asks for help or the version.
#[derive(Default)]
struct Early {
    words: Vec<String>,
    db: Option<std::ffi::OsString>,
    help: bool,
}

impl Early {
    /// Reads `args` (without the program name).
    fn scan<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Early {
        // Values of global options that take one, so `--db monitor health` is not mistaken.
        const TAKES_VALUE: &[&str] = &["--db", "--config", "--format", "--color"];
        let mut early = Early::default();
        let mut args = args.iter().map(AsRef::as_ref);
        while let Some(raw) = args.next() {
            let a = raw.to_string_lossy();
            if a == "--" {
                break;
            }
            if let Some(v) = a.strip_prefix("--db=") {
                // A value that is not UTF-8 is a file's name: keep it unreadable as a URL.
                early.db = Some(match raw.to_str() {
                    Some(_) => v.into(),
                    None => raw.to_os_string(),
                });
            } else if TAKES_VALUE.contains(&a.as_ref()) {
                let value = args.next();
                if a == "--db" {
                    early.db = value.map(std::ffi::OsStr::to_os_string);
                }
            } else if matches!(a.as_ref(), "-h" | "--help" | "-V" | "--version") {
                early.help = true;
            } else if !a.starts_with('-') && early.words.len() < 2 {
                early.words.push(a.into_owned());
            }
        }
        early
    }
}

/// Whether `args` (without the program name) invoke `monitor health`, whose usage errors
/// exit 3 (UNKNOWN) like any monitoring plugin's, not 2.
pub fn is_health_check<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> bool {
    Early::scan(args).words == ["monitor", "health"]
}

/// Starts connecting to the PostgreSQL store that `args` (without the program name) name by
/// `--db` or that `CONTENTHUB_DB` names, when their command opens the store, before the rest
/// of the command line and the settings are read (see `store::preconnect`). A store named
/// only in the config file is connected to when it is opened, as before.
pub fn start_early<S: AsRef<std::ffi::OsStr>>(args: &[S]) {
    let env = std::env::var_os("CONTENTHUB_DB");
    if let Some(location) = early_store(args, env) {
        crate::store::preconnect(&location);
    }
}

/// The PostgreSQL store [`start_early`] connects to for `args`, given the value of
/// `CONTENTHUB_DB`.
fn early_store<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    env_db: Option<std::ffi::OsString>,
) -> Option<crate::store::Location> {
    const OPENS_STORE: &[&str] = &[
        "task",
        "account",
        "content",
        "scheduler",
        "monitor",
        "deliveries",
        "store",
        "daemon",
    ];
    let early = Early::scan(args);
    let opens = early
        .words
        .first()
        .is_some_and(|w| OPENS_STORE.contains(&w.as_str()))
        && early.words.get(1).is_none_or(|w| w != "help");
    // `daemon start` forks, which only a process with no other thread may do.
    let forks = early.words == ["daemon", "start"];
    if !opens || forks || early.help {
        return None;
    }
    let named = early
        .db
        .or_else(|| env_db.filter(|v| !v.to_string_lossy().trim().is_empty()))?;
    Some(crate::store::Location::parse(named)).filter(crate::store::Location::is_postgres)
}

/// The crate version alone, for generated files that must not change with every commit.
pub const PKG_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The clap definition, for completions and man pages: stable across commits.
pub fn command() -> clap::Command {
    Cli::command().version(PKG_VERSION)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let over = Overrides {
        db: cli.global.db.clone(),
        config: cli.global.config.clone(),
    };
    // `config init` and `config path` work before the config file exists.
    let require_config = !matches!(&cli.command, Command::Config(c) if c.tolerates_missing_file());
    let settings = Settings::from_env(&over, require_config)?;
    let printer = Printer {
        format: cli.global.format,
        style: Style::new(cli.global.color, settings.no_color),
        quiet: cli.global.quiet,
    };
    if cli.global.format == Format::Prometheus && !cli.command.speaks_prometheus() {
        return Err(Error::Usage(
            "--format prometheus is for `monitor metrics` only; use table, json, ndjson or csv"
                .into(),
        )
        .into());
    }
    let mut ctx = Ctx::new(settings, printer, cli.global.yes);
    match cli.command {
        Command::Task(c) => task::run(&mut ctx, c),
        Command::Account(c) => account::run(&mut ctx, c),
        Command::Content(c) => content::run(&mut ctx, c),
        Command::Scheduler(c) => scheduler::run(&mut ctx, c),
        Command::Daemon(c) => daemon::run(&mut ctx, c),
        Command::Monitor(c) => monitor::run(&mut ctx, c),
        Command::Deliveries(c) => deliveries::run(&mut ctx, c),
        Command::Store(c) => store::run(&mut ctx, c),
        Command::Config(c) => config::run(&mut ctx, c),
        Command::Completions(c) => completions::run(&ctx, c, command()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words before clap reads them: global options and their values are passed over
    /// wherever they stand; `--db` is read in both spellings.
    #[test]
    fn the_early_scan_finds_the_command_and_the_store() {
        let early = |line: &str| Early::scan(&line.split_whitespace().collect::<Vec<_>>());
        let e = early("--db monitor monitor health --format json");
        assert_eq!(
            (e.words, e.db, e.help),
            (
                vec!["monitor".to_string(), "health".into()],
                Some("monitor".into()),
                false
            )
        );
        let e = early("task --db=postgres://h/db list -q");
        assert_eq!(e.words, ["task", "list"]);
        assert_eq!(e.db, Some("postgres://h/db".into()));
        assert!(early("task submit --help").help);
        assert!(is_health_check(&["--color", "never", "monitor", "health"]));
        assert!(!is_health_check(&["--db", "monitor", "health"]));
    }

    /// Only a command that opens the store, and only a PostgreSQL store named on the command
    /// line or in the environment, is connected to before the command line is parsed.
    #[test]
    fn only_a_command_that_opens_a_postgres_store_connects_early() {
        let pg = "postgres://u@h/db";
        let store = |line: &str, env: Option<&str>| {
            let args: Vec<&str> = line.split_whitespace().collect();
            early_store(&args, env.map(Into::into))
        };
        let at = |url: &str| Some(crate::store::Location::Postgres(url.to_string()));
        assert_eq!(store("monitor health", Some(pg)), at(pg));
        assert_eq!(store("task submit -a a -t t", Some(pg)), at(pg));
        assert_eq!(
            store("--db postgresql://x/y task list", Some(pg)),
            at("postgresql://x/y")
        );
        // The flag wins, and names a file.
        assert_eq!(store("--db /tmp/x.db task list", Some(pg)), None);
        // A file, nothing named, a blank variable.
        assert_eq!(store("task list", Some("/tmp/x.db")), None);
        assert_eq!(store("task list", None), None);
        assert_eq!(store("task list", Some("  ")), None);
        // Commands that do not open the store, help, the version, and the one that forks.
        for line in [
            "config show",
            "completions bash",
            "--version",
            "task --help",
            "task help",
            "-h",
            "",
            "daemon start",
            "--db postgres://u@h/other daemon start",
            "daemon --format json start",
        ] {
            assert_eq!(store(line, Some(pg)), None, "{line}");
        }
    }
}
