//! `contenthub daemon`: run (foreground), start (detached), stop, status.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::ctx::Ctx;
use crate::daemon;
use crate::domain::time::{format_duration, now_ms, parse_duration, Timestamp};
use crate::error::{Error, ExitCode};
use crate::output::{Format, Record};
use crate::store::lock;
use crate::store::queue;

#[derive(Debug, Args)]
pub struct DaemonCmd {
    #[command(subcommand)]
    cmd: DaemonSub,
}

#[derive(Debug, Subcommand)]
enum DaemonSub {
    /// Run in the foreground (for systemd); logs go to stderr
    #[command(
        after_help = "Examples:\n  contenthub daemon run\n  contenthub daemon run --until-idle          # drain the queue, then exit (cron, CI)\n  contenthub daemon run --max-concurrent 20 --log-format json\n  contenthub daemon run --listen 127.0.0.1:18010   # also serve the HTTP API (docs/api.md)\n\nWith --until-idle the exit code is 0 only if every task this run worked on completed.\nOn an address other than loopback the API needs a bearer token: name its environment\nvariable in [api] token_env."
    )]
    Run(RunArgs),
    /// Start in the background; pid and log files go to the XDG state directory
    #[command(after_help = "Example:\n  contenthub daemon start && contenthub daemon status")]
    Start(RunArgs),
    /// Stop a running daemon (SIGTERM, then wait for it to finish in-flight work)
    #[command(after_help = "Example:\n  contenthub daemon stop --wait 60s")]
    Stop(StopArgs),
    /// Show whether a daemon is running, stale or stopped
    #[command(
        after_help = "Exit codes: 0 running, 1 stale (holding the lock but not beating), 3 stopped.\n\nExample:\n  contenthub daemon status --format json"
    )]
    Status,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Process what is due, then exit once nothing is pending or in flight
    #[arg(long)]
    until_idle: bool,
    /// Tasks generating at once [default: config daemon.max_concurrent, env ASYNC_MAX_CONCURRENT_TASKS, else 5]
    #[arg(long, value_name = "N")]
    max_concurrent: Option<u32>,
    /// How long in-flight work may finish after SIGINT/SIGTERM
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    grace: String,
    /// Log line format
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Run even when another daemon holds this store's lock (claims stay safe through leases)
    #[arg(long)]
    allow_multiple: bool,
    /// Do not fire scheduled plans (leave them to `scheduler run` from cron)
    #[arg(long)]
    no_scheduler: bool,
    /// Serve the HTTP API on ADDR, e.g. 127.0.0.1:18010 (port 0 picks a free one) [default: config api.listen]
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
}

/// A test knob, not a setting: caps the daemon's store at this many pages, so that writes
/// that grow it fail as on a full disk. Read here, at the edge, like the flags.
const STORE_MAX_PAGES_VAR: &str = "CONTENTHUB_TEST_STORE_MAX_PAGES";

fn store_max_pages() -> Result<Option<u64>> {
    match std::env::var(STORE_MAX_PAGES_VAR) {
        Err(_) => Ok(None),
        Ok(v) => v.trim().parse().map(Some).map_err(|_| {
            Error::invalid(STORE_MAX_PAGES_VAR, format!("'{v}' is not a page count")).into()
        }),
    }
}

#[derive(Debug, Args)]
struct StopArgs {
    /// How long to wait for the daemon to exit
    #[arg(long, default_value = "60s", value_name = "DURATION")]
    wait: String,
}

/// `daemon status` as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonStatus {
    /// running, stale or stopped
    pub state: String,
    pub pid: Option<u32>,
    pub host: Option<String>,
    pub version: Option<String>,
    pub started_at: Option<Timestamp>,
    pub last_beat_at: Option<Timestamp>,
    pub stopped_at: Option<Timestamp>,
    pub in_flight: Option<u32>,
    pub max_concurrent: Option<u32>,
    pub store: String,
    pub log_file: String,
    /// Every daemon the store has heard from lately, newest beat first: on PostgreSQL the
    /// daemons of every host, on SQLite this one and those before it.
    pub daemons: Vec<DaemonEntry>,
}

/// One daemon in `daemon status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonEntry {
    /// running, stale (stopped beating, still warned about), gone (stopped beating longer
    /// than `[monitor] stale_daemon_window`) or stopped (said goodbye)
    pub state: String,
    pub id: String,
    pub host: String,
    pub pid: u32,
    pub version: String,
    pub started_at: Timestamp,
    pub last_beat_at: Timestamp,
    pub stopped_at: Option<Timestamp>,
    pub in_flight: u32,
    pub max_concurrent: u32,
}

impl Record for DaemonStatus {
    const COLUMNS: &'static [&'static str] = &[
        "state",
        "pid",
        "in_flight",
        "max_concurrent",
        "last_beat_at",
    ];
    fn key(&self) -> String {
        self.state.clone()
    }
}

impl Record for DaemonEntry {
    const COLUMNS: &'static [&'static str] = &[
        "state",
        "host",
        "pid",
        "version",
        "in_flight",
        "max_concurrent",
        "last_beat_at",
    ];
    fn key(&self) -> String {
        self.id.clone()
    }
}

pub fn run(ctx: &mut Ctx, cmd: DaemonCmd) -> Result<ExitCode> {
    match cmd.cmd {
        DaemonSub::Run(a) => run_foreground(ctx, a, None),
        DaemonSub::Start(a) => start(ctx, a),
        DaemonSub::Stop(a) => stop(ctx, a),
        DaemonSub::Status => status(ctx),
    }
}

fn log_file(ctx: &Ctx) -> PathBuf {
    ctx.settings.state_dir.join("daemon.log")
}

fn pid_file(ctx: &Ctx) -> PathBuf {
    ctx.settings.state_dir.join("daemon.pid")
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONTENTHUB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The daemon's flags, with `--grace` parsed.
fn flags(a: &RunArgs, exclusive: bool, shared_store: bool) -> Result<daemon::Flags> {
    Ok(daemon::Flags {
        sole_on_host: shared_store && !a.allow_multiple,
        until_idle: a.until_idle,
        max_concurrent: a.max_concurrent,
        grace: parse_duration(&a.grace).map_err(|e| Error::invalid("grace", e))?,
        no_scheduler: a.no_scheduler,
        listen: a.listen.clone(),
        exclusive,
        store_max_pages: store_max_pages()?,
    })
}

/// Raises the soft limit on open files to the hard limit: the API's connections, the store
/// and generator requests all need descriptors, and the usual soft limit of 1,024 is far
/// below what the system allows. The API's connection cap is derived from the result.
fn raise_open_file_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return;
    };
    if soft >= hard {
        tracing::debug!(soft, hard, "open-file limit");
        return;
    }
    match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
        Ok(()) => tracing::debug!(from = soft, to = hard, "raised the open-file limit"),
        Err(e) => {
            tracing::debug!(soft, hard, error = %e, "cannot raise the open-file limit")
        }
    }
}

/// Runs the daemon in this process. `detached` carries the pid file to remove on exit.
fn run_foreground(ctx: &mut Ctx, a: RunArgs, detached: Option<PathBuf>) -> Result<ExitCode> {
    // Make sure the store exists and is current before taking the lock beside it. Daemons on
    // a PostgreSQL store take no lock: they share the queue through leases and heartbeats.
    ctx.store()?;
    if detached.is_none() {
        refuse_second_local(ctx, a.allow_multiple)?;
    }
    let held = match ctx.settings.db.value.file().map(lock::acquire) {
        None => None,
        Some(Ok(l)) => Some(l),
        Some(Err(e)) if a.allow_multiple => {
            eprintln!("note: {e}; running alongside it (--allow-multiple)");
            None
        }
        Some(Err(e)) => return Err(e.into()),
    };
    let exclusive = held.is_some() && !a.allow_multiple;
    let shared_store = ctx.settings.db.value.is_postgres();
    let config =
        daemon::Config::from_settings(&ctx.settings, &flags(&a, exclusive, shared_store)?)?;
    init_logging(a.log_format);
    raise_open_file_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("contenthub-worker")
        .build()
        .context("cannot start the async runtime")?;
    let summary = runtime.block_on(async move {
        let shutdown = CancellationToken::new();
        let signals = shutdown.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut term), Ok(mut int)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) else {
                return;
            };
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received"),
                _ = int.recv() => tracing::info!("SIGINT received"),
            }
            signals.cancel();
        });
        daemon::run(config, shutdown).await
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    if let Some(pid) = detached {
        let _ = std::fs::remove_file(pid);
    }
    drop(held);
    let summary = summary?;
    if a.until_idle && summary.not_completed > 0 {
        eprintln!(
            "{} of {} tasks this run worked on did not complete; see `contenthub task list --status failed --status timeout`",
            summary.not_completed, summary.worked
        );
        return Ok(ExitCode::Failure);
    }
    Ok(ExitCode::Ok)
}

fn start(ctx: &mut Ctx, a: RunArgs) -> Result<ExitCode> {
    if a.until_idle {
        return Err(Error::Usage(
            "--until-idle belongs to `daemon run`; `daemon start` runs until stopped".into(),
        )
        .into());
    }
    daemon::Config::check(&ctx.settings, &flags(&a, false, false)?)?;
    let location = ctx.settings.db.value.clone();
    ctx.store()?;
    if location.file().is_some_and(lock::is_held) && !a.allow_multiple {
        return Err(Error::Refused(format!(
            "a daemon is already running on {location} (see `contenthub daemon status`)"
        ))
        .into());
    }
    refuse_second_local(ctx, a.allow_multiple)?;
    let log = log_file(ctx);
    let pid = pid_file(ctx);
    std::fs::create_dir_all(&ctx.settings.state_dir)
        .with_context(|| format!("cannot create {}", ctx.settings.state_dir.display()))?;
    let log_handle = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .with_context(|| format!("cannot open log file {}", log.display()))?;
    // The store connection is not carried across fork.
    ctx.close_store();
    match detach(log_handle)? {
        Detached::Child => {
            std::fs::write(&pid, format!("{}\n", std::process::id())).ok();
            run_foreground(ctx, a, Some(pid))
        }
        Detached::Parent(child) => {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while std::time::Instant::now() < deadline {
                let up = match location.file() {
                    Some(db) => lock::is_held(db),
                    None => local_daemons(ctx)?.iter().any(|h| h.pid == child as u32),
                };
                if up {
                    ctx.note(&format!(
                        "daemon started (pid {child}); log: {}",
                        log.display()
                    ));
                    ctx.print(&format!("{child}\n"))?;
                    return Ok(ExitCode::Ok);
                }
                if let Ok(Some(_)) = reap_child(child) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(anyhow::anyhow!(
                "the daemon did not come up; see {}",
                log.display()
            ))
        }
    }
}

enum Detached {
    Parent(i32),
    Child,
}

/// Forks; the child starts a new session with stdin on /dev/null and stdout/stderr on the
/// log. Called before any runtime or thread exists.
#[allow(unsafe_code)]
fn detach(log: std::fs::File) -> Result<Detached> {
    use nix::unistd::{dup2_stderr, dup2_stdin, dup2_stdout, fork, setsid, ForkResult};
    // SAFETY: the process is single-threaded here (no runtime has been built and no threads
    // spawned: `cli::start_early` connects early on a thread of its own for every command
    // but this one), so the child may run arbitrary code after fork.
    match unsafe { fork() }.context("fork failed")? {
        ForkResult::Parent { child } => Ok(Detached::Parent(child.as_raw())),
        ForkResult::Child => {
            setsid().context("setsid failed")?;
            let null = std::fs::File::open("/dev/null").context("cannot open /dev/null")?;
            dup2_stdin(&null).context("cannot redirect stdin")?;
            dup2_stdout(&log).context("cannot redirect stdout")?;
            dup2_stderr(&log).context("cannot redirect stderr")?;
            let _ = std::env::set_current_dir("/");
            Ok(Detached::Child)
        }
    }
}

fn reap_child(pid: i32) -> Result<Option<i32>> {
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
    match waitpid(nix::unistd::Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG))? {
        WaitStatus::Exited(_, code) => Ok(Some(code)),
        WaitStatus::Signaled(..) => Ok(Some(1)),
        _ => Ok(None),
    }
}

fn lock_pid(db: &Path) -> Option<i32> {
    std::fs::read_to_string(lock::lock_path(db))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The daemons of this host that beat on the store and have not said goodbye.
fn local_daemons(ctx: &mut Ctx) -> Result<Vec<queue::Heartbeat>> {
    let host = crate::engine::host_name();
    let live = ctx.settings.liveness();
    let location = ctx.settings.db.value.clone();
    let view = ctx
        .store()?
        .read(|c| crate::monitor::daemon_view(&location, c, live, now_ms()))?;
    Ok(view
        .daemons
        .into_iter()
        .filter(|(s, h)| (*s == "running" || *s == "stale") && h.host == host)
        .map(|(_, h)| h)
        .collect())
}

/// On PostgreSQL, where daemons take no lock: refuses a second daemon on this host unless
/// `--allow-multiple`, as the lock beside an SQLite store does. Daemons on other hosts are the
/// point of a shared store and are never in the way.
fn refuse_second_local(ctx: &mut Ctx, allow_multiple: bool) -> Result<()> {
    if allow_multiple || !ctx.settings.db.value.is_postgres() {
        return Ok(());
    }
    let running = local_daemons(ctx)?
        .into_iter()
        .find(|h| crate::generator::process::daemon_alive(h.pid));
    match running {
        Some(h) => Err(Error::Refused(format!(
            "another daemon (pid {}) is already running on this store ({}) on this host; \
             stop it first (see `contenthub daemon status`), or pass --allow-multiple",
            h.pid, ctx.settings.db.value
        ))
        .into()),
        None => Ok(()),
    }
}

fn process_alive(pid: u32) -> bool {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None).is_ok()
}

/// `daemon stop` on a PostgreSQL store: stops this host's daemons, found by their heartbeats.
fn stop_local(ctx: &mut Ctx, wait: Duration) -> Result<ExitCode> {
    let pids: Vec<u32> = local_daemons(ctx)?
        .iter()
        .map(|h| h.pid)
        .filter(|p| process_alive(*p))
        .collect();
    if pids.is_empty() {
        ctx.note("no daemon of this host is running on this store");
        return Ok(ExitCode::Ok);
    }
    for pid in &pids {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(*pid as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .with_context(|| format!("cannot signal pid {pid}"))?;
    }
    let started = std::time::Instant::now();
    while started.elapsed() < wait {
        if !pids.iter().any(|p| process_alive(*p)) {
            let list: Vec<String> = pids.iter().map(u32::to_string).collect();
            ctx.note(&format!(
                "daemon (pid {}) stopped after {:.1}s",
                list.join(", "),
                started.elapsed().as_secs_f64()
            ));
            return Ok(ExitCode::Ok);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(anyhow::anyhow!(
        "a daemon of this host is still running after {}; it may be finishing in-flight work",
        format_duration(wait)
    ))
}

fn stop(ctx: &mut Ctx, a: StopArgs) -> Result<ExitCode> {
    let wait = parse_duration(&a.wait).map_err(|e| Error::invalid("wait", e))?;
    let Some(db) = ctx.settings.db.value.file().map(Path::to_path_buf) else {
        return stop_local(ctx, wait);
    };
    if !lock::is_held(&db) {
        ctx.note("no daemon is running on this store");
        return Ok(ExitCode::Ok);
    }
    let pid = lock_pid(&db)
        .or_else(|| {
            std::fs::read_to_string(pid_file(ctx))
                .ok()?
                .trim()
                .parse()
                .ok()
        })
        .ok_or_else(|| anyhow::anyhow!("a daemon holds the lock but its pid is unknown"))?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .with_context(|| format!("cannot signal pid {pid}"))?;
    let started = std::time::Instant::now();
    while started.elapsed() < wait {
        if !lock::is_held(&db) {
            ctx.note(&format!(
                "daemon (pid {pid}) stopped after {:.1}s",
                started.elapsed().as_secs_f64()
            ));
            return Ok(ExitCode::Ok);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(anyhow::anyhow!(
        "daemon (pid {pid}) is still running after {}; it may be finishing in-flight work",
        format_duration(wait)
    ))
}

fn status(ctx: &mut Ctx) -> Result<ExitCode> {
    let location = ctx.settings.db.value.clone();
    let log = log_file(ctx).display().to_string();
    let live = ctx.settings.liveness();
    let view = ctx
        .store()?
        .read(|c| crate::monitor::daemon_view(&location, c, live, now_ms()))?;
    let state = view.state;
    let code = match state {
        "running" => ExitCode::Ok,
        "stale" => ExitCode::Failure,
        _ => ExitCode::NotFound,
    };
    let held = state != "stopped";
    let live = view.heartbeat.clone().filter(|_| held);
    let st = DaemonStatus {
        state: state.into(),
        pid: live.as_ref().map(|h| h.pid).or_else(|| {
            let db = location.file().filter(|_| held)?;
            lock_pid(db).map(|p| p as u32)
        }),
        host: live.as_ref().map(|h| h.host.clone()),
        version: live.as_ref().map(|h| h.version.clone()),
        started_at: live.as_ref().map(|h| Timestamp(h.started_at)),
        last_beat_at: live.as_ref().map(|h| Timestamp(h.last_beat_at)),
        stopped_at: live.as_ref().and_then(|h| h.stopped_at.map(Timestamp)),
        in_flight: live.as_ref().map(|h| h.in_flight),
        max_concurrent: live.as_ref().map(|h| h.max_concurrent),
        store: location.to_string(),
        log_file: log,
        daemons: view
            .daemons
            .iter()
            // Those that said goodbye more than a day ago are history, not status.
            .filter(|(s, h)| *s != "stopped" || now_ms() - h.last_beat_at < 86_400_000)
            .map(|(s, h)| DaemonEntry {
                state: s.to_string(),
                id: h.id.clone(),
                host: h.host.clone(),
                pid: h.pid,
                version: h.version.clone(),
                started_at: Timestamp(h.started_at),
                last_beat_at: Timestamp(h.last_beat_at),
                stopped_at: h.stopped_at.map(Timestamp),
                in_flight: h.in_flight,
                max_concurrent: h.max_concurrent,
            })
            .collect(),
    };
    if ctx.printer.format == Format::Table && !ctx.printer.quiet {
        let mut out = format!("daemon: {}\n", ctx.printer.style.status(state));
        if let Some(h) = &live {
            let up = Duration::from_millis((now_ms() - h.started_at).max(0) as u64);
            out.push_str(&format!(
                "pid: {} on {}\nversion: {}\nuptime: {}\nin flight: {} of {}\n",
                h.pid,
                h.host,
                h.version,
                format_duration(up),
                h.in_flight,
                h.max_concurrent
            ));
        }
        out.push_str(&format!("store: {}\nlog: {}\n", st.store, st.log_file));
        if location.is_postgres() && !st.daemons.is_empty() {
            // Several hosts share the store: one line per daemon.
            out.push('\n');
            out.push_str(&ctx.printer.list(&st.daemons));
        }
        ctx.print(&out)?;
    } else {
        ctx.print(&ctx.printer.one(&st))?;
    }
    Ok(code)
}
