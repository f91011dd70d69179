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

/// Whether `args` (without the program name) invoke `monitor health`, whose usage errors
/// exit 3 (UNKNOWN) like any monitoring plugin's, not 2.
pub fn is_health_check<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> bool {
    // Values of global options that take one, so `--db monitor health` is not mistaken.
    const TAKES_VALUE: &[&str] = &["--db", "--config", "--format", "--color"];
    let mut words = Vec::new();
    let mut skip = false;
    for a in args {
        let a = a.as_ref().to_string_lossy();
        if skip {
            skip = false;
            continue;
        }
        if TAKES_VALUE.contains(&a.as_ref()) {
            skip = true;
            continue;
        }
        if a.starts_with('-') {
            continue;
        }
        words.push(a.into_owned());
        if words.len() == 2 {
            break;
        }
    }
    words == ["monitor", "health"]
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
