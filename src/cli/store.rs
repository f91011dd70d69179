//! `contenthub store`: the store itself — what it holds (`info`), whether it is sound
//! (`check`), an online backup (`backup`), putting a backup back (`restore`), and copying it
//! into another store, SQLite or PostgreSQL (`copy`).

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueHint};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};

use super::ctx::Ctx;
use crate::domain::time::{local_display, now_ms};
use crate::error::{Error, ExitCode};
use crate::output::Record;
use crate::store::copy::{self, TableCount};
use crate::store::maintenance::{self, Check, CheckReport, Copied, Info, PgInfo, TableSize};
use crate::store::{lock, Location, Store};

#[derive(Debug, Args)]
pub struct StoreCmd {
    #[command(subcommand)]
    cmd: StoreSub,
}

#[derive(Debug, Subcommand)]
enum StoreSub {
    /// Show the store's path, sizes, write-ahead log, schema version and tasks per status
    #[command(
        after_help = "On PostgreSQL: the URL (password masked), the server's version, the database's size,\neach table's size with its indexes, the rows of the main tables, the schema version\n(PostgreSQL's numbering) and tasks per status. There is no write-ahead log or checkpoint\nto show.\n\nExamples:\n  contenthub store info\n  contenthub store info --format json | jq .wal_bytes\n  contenthub --db postgres://contenthub@db.example.com/contenthub store info"
    )]
    Info,
    /// Check the store (or a backup, with --db): integrity, foreign keys, task counts, schema
    #[command(
        after_help = "On PostgreSQL the checks are the connection, the schema version and the task counts\n(the server checks its own pages and foreign keys).\n\nExits 0 when every check passes, 1 when the store is damaged or unreachable.\n\nExamples:\n  contenthub store check\n  contenthub --db /var/backups/contenthub/contenthub-2026-11-29.db store check --format json"
    )]
    Check,
    /// Write a consistent copy of the store to FILE, safe while the daemon runs
    #[command(
        after_help = "The copy is checked like `store check` before it gets its name; FILE is never\nhalf-written. An existing FILE is refused (exit 4) unless --force.\n\nExamples:\n  contenthub store backup /var/backups/contenthub/contenthub-$(date +%F).db\n  contenthub store backup latest.db --force"
    )]
    Backup(BackupArgs),
    /// Replace the store with a backup (the daemon must be stopped)
    #[command(
        after_help = "Refused (exit 4) while a daemon holds the store. FILE is checked first; a damaged\nFILE, or one written by a newer contenthub, is refused (exit 2). The current store is\nkept as <store>.before-restore; one left by an earlier restore is refused (exit 4) until it\nis moved away. Asks for confirmation; without a terminal, pass --yes.\n\nExample:\n  contenthub store restore /var/backups/contenthub/contenthub-2026-11-29.db --yes"
    )]
    Restore(RestoreArgs),
    /// Copy every durable row of the store (--db) into another store, SQLite or PostgreSQL
    #[command(
        long_about = "Copy every durable row of the store (--db) into another store, SQLite or PostgreSQL.\n\nEither direction works: from an SQLite file into a PostgreSQL database (to share the\nstore between hosts), from PostgreSQL back into a file, and from a store of one kind into\nanother of the same kind. The target is created and brought to this contenthub's schema\nif needed; the source is brought to it too.",
        after_help = "Copied, with the same ids (so task ids, content ids and every reference stay valid):\naccounts, tasks with their events, contents, plans with their fired slots, deliveries\n(the outbox), counters, meta and alert states. Not copied: daemon heartbeats, running\nprograms of tasks (task_children), and callback signatures of the replay window; the\ntasks-per-status counts are rebuilt by the target.\n\nRefused (exit 4) while a daemon runs on the source or the target: stop them first. A\ntarget that already holds rows is refused (exit 4) unless --force. The target is written\nin one transaction: a copy that fails leaves it as it was. Afterwards the rows of every\ntable are counted on both sides; any difference fails (exit 1) naming the tables.\n\nExamples:\n  contenthub store copy --to postgres://contenthub:secret@db.example.com/contenthub\n  contenthub --db postgres://contenthub@db.example.com/contenthub store copy --to ./contenthub.db\n  contenthub store copy --to postgres://contenthub@db.example.com/contenthub --force"
    )]
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
struct CopyArgs {
    /// The target store: a postgres:// (or postgresql://) URL, or an SQLite file's path
    #[arg(long, value_name = "URL|PATH", value_hint = ValueHint::AnyPath)]
    to: PathBuf,
    /// Empty the target's tables first (in the copy's transaction) when it holds rows
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct BackupArgs {
    /// Where to write the copy
    file: std::path::PathBuf,
    /// Replace FILE if it exists (atomically)
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct RestoreArgs {
    /// The backup to put in place of the store
    file: std::path::PathBuf,
}

/// One line of a field/value table.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    field: String,
    value: String,
}

impl Record for Line {
    const COLUMNS: &'static [&'static str] = &["field", "value"];
    fn key(&self) -> String {
        self.value.clone()
    }
}

impl Record for Check {
    const COLUMNS: &'static [&'static str] = &["check", "ok", "details"];
    fn key(&self) -> String {
        self.check.clone()
    }
}

fn line(field: &str, value: impl Into<String>) -> Line {
    Line {
        field: field.into(),
        value: value.into(),
    }
}

/// `12.3 MiB (12893184 bytes)`.
fn size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB * KIB {
        format!("{:.1} GiB ({bytes} bytes)", b / (KIB * KIB * KIB))
    } else if b >= KIB * KIB {
        format!("{:.1} MiB ({bytes} bytes)", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.1} KiB ({bytes} bytes)", b / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

pub fn run(ctx: &mut Ctx, cmd: StoreCmd) -> Result<ExitCode> {
    match cmd.cmd {
        StoreSub::Info => info(ctx),
        StoreSub::Check => check(ctx),
        StoreSub::Backup(a) => backup(ctx, a),
        StoreSub::Restore(a) => restore(ctx, a),
        StoreSub::Copy(a) => copy_store(ctx, a),
    }
}

/// The file of an SQLite store; a PostgreSQL store is refused for `what`, pointing to the
/// server's own tool.
fn file_store(ctx: &Ctx, what: &str, tool: &str) -> Result<PathBuf> {
    match &ctx.settings.db.value {
        Location::File(p) => Ok(p.clone()),
        Location::Postgres(_) => Err(Error::Refused(format!(
            "`store {what}` copies an SQLite file; the store is a PostgreSQL database ({}): \
             use PostgreSQL's own `{tool}`",
            ctx.settings.db.value
        ))
        .into()),
    }
}

impl Record for TableSize {
    const COLUMNS: &'static [&'static str] = &["table", "bytes", "rows"];
    fn key(&self) -> String {
        self.table.clone()
    }
}

impl Record for TableCount {
    const COLUMNS: &'static [&'static str] = &["table", "source", "target"];
    fn key(&self) -> String {
        self.table.clone()
    }
}

fn pg_info(ctx: &mut Ctx) -> Result<ExitCode> {
    let i: PgInfo = maintenance::pg::info(&ctx.settings.db.value)?;
    let mut rows = vec![
        line("path", &i.path),
        line("server", format!("PostgreSQL {}", i.server_version)),
        line("database", size(i.db_bytes)),
    ];
    for t in &i.tables {
        let value = match t.rows {
            Some(n) => format!("{}, {n} rows", size(t.bytes)),
            None => size(t.bytes),
        };
        rows.push(line(&format!("table {}", t.table), value));
    }
    rows.push(line(
        "schema version",
        format!("{} ({}, PostgreSQL numbering)", i.schema_version, i.schema),
    ));
    for t in &i.tasks {
        rows.push(line(&format!("tasks {}", t.status), t.count.to_string()));
    }
    rows.push(line("tasks total", i.tasks_total.to_string()));
    ctx.print(&ctx.printer.report(&i, &rows, None))?;
    Ok(ExitCode::Ok)
}

fn info(ctx: &mut Ctx) -> Result<ExitCode> {
    if ctx.settings.db.value.is_postgres() {
        return pg_info(ctx);
    }
    let i: Info = maintenance::info(&file_store(ctx, "info", "psql")?)?;
    let mut rows = vec![
        line("path", &i.path),
        line("database", size(i.db_bytes)),
        line(
            "write-ahead log",
            format!("{} in {} frames", size(i.wal_bytes), i.wal_frames),
        ),
        line(
            "last checkpoint",
            match i.last_checkpoint_at {
                Some(at) => format!(
                    "{} — {}",
                    chrono::DateTime::from_timestamp_millis(at.0)
                        .map(local_display)
                        .unwrap_or_default(),
                    i.last_checkpoint
                ),
                None => i.last_checkpoint.clone(),
            },
        ),
        line(
            "pages",
            format!(
                "{} of {} bytes, {} free",
                i.pages, i.page_size, i.free_pages
            ),
        ),
        line(
            "schema version",
            format!("{} ({})", i.schema_version, i.schema),
        ),
    ];
    for t in &i.tasks {
        rows.push(line(&format!("tasks {}", t.status), t.count.to_string()));
    }
    rows.push(line("tasks total", i.tasks_total.to_string()));
    ctx.print(&ctx.printer.report(&i, &rows, None))?;
    Ok(ExitCode::Ok)
}

fn print_check(ctx: &Ctx, report: &CheckReport) -> Result<()> {
    ctx.print(&ctx.printer.report(report, &report.checks, None))
}

fn check(ctx: &mut Ctx) -> Result<ExitCode> {
    let report = match &ctx.settings.db.value {
        location @ Location::Postgres(_) => maintenance::pg::check(location)?,
        Location::File(path) => maintenance::check(path)?,
    };
    print_check(ctx, &report)?;
    if report.ok {
        Ok(ExitCode::Ok)
    } else {
        ctx.note(&format!(
            "{} is damaged: {}",
            report.path,
            report.problems()
        ));
        Ok(ExitCode::Failure)
    }
}

fn copied_rows(c: &Copied) -> Vec<Line> {
    let mut rows = vec![
        line("wrote", &c.path),
        line("from", &c.from),
        line("size", size(c.bytes)),
        line("tasks", c.tasks.to_string()),
        line("schema version", c.schema_version.to_string()),
    ];
    if let Some(b) = &c.before_restore {
        rows.push(line("previous store kept as", b));
    }
    rows
}

fn backup(ctx: &mut Ctx, a: BackupArgs) -> Result<ExitCode> {
    let db = file_store(ctx, "backup", "pg_dump")?;
    let copied = maintenance::backup(&db, &a.file, a.force)?;
    if ctx.printer.quiet {
        ctx.print(&format!("{}\n", copied.path))?;
    } else {
        ctx.print(&ctx.printer.report(&copied, &copied_rows(&copied), None))?;
    }
    Ok(ExitCode::Ok)
}

fn restore(ctx: &mut Ctx, a: RestoreArgs) -> Result<ExitCode> {
    let db = file_store(ctx, "restore", "pg_restore")?;
    let daemon_running = || {
        Error::Refused(format!(
            "a daemon is running on {} (see `contenthub daemon status`); stop it first",
            db.display()
        ))
    };
    if lock::is_held(&db) {
        return Err(daemon_running().into());
    }
    ctx.ensure_confirmable("store restore replaces the store")?;
    if !a.file.exists() {
        return Err(Error::NotFound {
            kind: "file",
            id: a.file.display().to_string(),
        }
        .into());
    }
    let report = maintenance::check(&a.file)?;
    if !report.ok {
        let why = if report.newer_schema() {
            "it was written by a newer contenthub"
        } else {
            "it is damaged"
        };
        print_check(ctx, &report)?;
        return Err(Error::Usage(format!(
            "{} cannot be restored: {why} ({}); nothing was changed",
            a.file.display(),
            report.problems()
        ))
        .into());
    }
    let before = maintenance::before_restore_path(&db);
    if before.exists() {
        return Err(Error::Refused(format!(
            "{} exists from an earlier restore; move it away first",
            before.display()
        ))
        .into());
    }
    let question = if db.exists() {
        format!(
            "replace the store {} with {} ({} tasks)? The current store is kept as {}",
            db.display(),
            a.file.display(),
            report.tasks.unwrap_or(0),
            before.display()
        )
    } else {
        format!(
            "restore {} ({} tasks) as the store {}?",
            a.file.display(),
            report.tasks.unwrap_or(0),
            db.display()
        )
    };
    if !ctx.confirm(&question)? {
        ctx.note("nothing changed");
        return Ok(ExitCode::Ok);
    }
    // Holding the daemon lock keeps a daemon from starting while the files move.
    let _held = lock::acquire(&db).map_err(|e| match e {
        Error::Refused(_) => daemon_running(),
        other => other,
    })?;
    let copied = maintenance::restore(&a.file, &db)?;
    // Opening it brings an older schema up to date and sets the journal mode.
    ctx.store()?;
    ctx.close_store();
    if ctx.printer.quiet {
        ctx.print(&format!("{}\n", copied.path))?;
    } else {
        ctx.print(&ctx.printer.report(&copied, &copied_rows(&copied), None))?;
    }
    Ok(ExitCode::Ok)
}

/// Refuses while a daemon runs on `store`. An SQLite store's daemon lock is taken and held
/// (returned) for the copy, so that none starts meanwhile; on PostgreSQL a daemon counts as
/// running while its heartbeat is fresh and it has not said it stopped (as `daemon status`
/// counts it).
fn no_daemon_on(ctx: &Ctx, store: &Store, role: &str) -> Result<Option<lock::DaemonLock>> {
    let running = |who: String| {
        Error::Refused(format!(
            "a daemon is running on the {role} store {}{who} (see `contenthub daemon status`); \
             stop it first",
            store.location()
        ))
    };
    match store.location() {
        Location::File(path) => Ok(Some(lock::acquire(path).map_err(|e| match e {
            Error::Refused(_) => running(String::new()),
            other => other,
        })?)),
        Location::Postgres(_) => {
            let limit = crate::monitor::heartbeat_limit(ctx.settings.liveness().lease);
            let since = now_ms() - limit.as_millis() as i64;
            let daemons = copy::running_daemons(store.conn(), since)?;
            if daemons.is_empty() {
                Ok(None)
            } else {
                Err(running(format!(": {}", daemons.join(", "))).into())
            }
        }
    }
}

/// `store copy`: what was copied, and whether the counts agree.
#[derive(Debug, Serialize, Deserialize)]
struct CopyReport {
    from: String,
    to: String,
    ok: bool,
    tables: Vec<TableCount>,
    /// Differences between the target's task_counts and its tasks (none after a good copy).
    task_counts: Vec<String>,
}

fn copy_store(ctx: &mut Ctx, a: CopyArgs) -> Result<ExitCode> {
    let from = ctx.settings.db.value.clone();
    let to = Location::parse(a.to);
    ctx.close_store();
    let mut source = Store::open_at(&from)?;
    let mut target = Store::open_at(&to)?;
    if copy::same_store(&source, &target)? {
        return Err(Error::Usage(format!(
            "{to} is the store itself (--db); copy it to another store"
        ))
        .into());
    }
    let _source_lock = no_daemon_on(ctx, &source, "source")?;
    let _target_lock = no_daemon_on(ctx, &target, "target")?;

    let bar = if std::io::stderr().is_terminal() && !ctx.printer.quiet {
        let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("{spinner} copying {bar:30} {pos}/{len} rows {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let copied = copy::copy(&mut source, &mut target, a.force, &mut |p| {
        bar.set_length(p.total);
        bar.set_position(p.done);
        bar.set_message(p.table.to_string());
    });
    bar.finish_and_clear();
    let tables = copied?;
    let task_counts = target.read(copy::task_count_problems)?;
    let differ: Vec<String> = tables
        .iter()
        .filter(|t| t.source != t.target)
        .map(|t| format!("{} (source {}, target {})", t.table, t.source, t.target))
        .collect();
    let report = CopyReport {
        from: from.to_string(),
        to: to.to_string(),
        ok: differ.is_empty() && task_counts.is_empty(),
        tables,
        task_counts,
    };
    ctx.print(&ctx.printer.report(&report, &report.tables, None))?;
    ctx.note(&format!("copied {} to {}", report.from, report.to));
    if !differ.is_empty() {
        return Err(Error::Store(format!(
            "the copy's row counts differ: {}",
            differ.join(", ")
        ))
        .into());
    }
    if !report.task_counts.is_empty() {
        return Err(Error::Store(format!(
            "the target's task counts are wrong after the copy: {}",
            report.task_counts.join("; ")
        ))
        .into());
    }
    Ok(ExitCode::Ok)
}
