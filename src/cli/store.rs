//! `contenthub store`: the store file itself — what it holds (`info`), whether it is sound
//! (`check`), an online backup (`backup`) and putting a backup back (`restore`).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};

use super::ctx::Ctx;
use crate::domain::time::local_display;
use crate::error::{Error, ExitCode};
use crate::output::Record;
use crate::store::maintenance::{self, Check, CheckReport, Copied, Info};
use crate::store::{lock, Location};

#[derive(Debug, Args)]
pub struct StoreCmd {
    #[command(subcommand)]
    cmd: StoreSub,
}

#[derive(Debug, Subcommand)]
enum StoreSub {
    /// Show the store's path, sizes, write-ahead log, schema version and tasks per status
    #[command(
        after_help = "Examples:\n  contenthub store info\n  contenthub store info --format json | jq .wal_bytes"
    )]
    Info,
    /// Check the store (or a backup, with --db): integrity, foreign keys, task counts, schema
    #[command(
        after_help = "Exits 0 when every check passes, 1 when the store is damaged.\n\nExamples:\n  contenthub store check\n  contenthub --db /var/backups/contenthub/contenthub-2026-11-29.db store check --format json"
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

fn info(ctx: &mut Ctx) -> Result<ExitCode> {
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
    let report = maintenance::check(&file_store(ctx, "check", "psql")?)?;
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
