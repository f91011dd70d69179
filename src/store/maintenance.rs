//! The operator's view of the store file itself, for `contenthub store`: what it holds and how
//! big it is (`info`), whether it is sound (`check`), an online copy (`backup`) and putting a
//! copy in its place (`restore`).
//!
//! Each function opens connections of its own, read-only wherever it can, and never migrates:
//! a store or a backup is looked at as it is. A copy is SQLite's `VACUUM INTO`, which reads one
//! snapshot in a read transaction, so it is consistent while other processes (the daemon)
//! write, and never blocks them. Every copy is checked before it is put where the operator
//! asked for it, and it reaches that name by a rename in the same directory, so a reader never
//! sees half a file.
//!
//! On PostgreSQL, `info` and `check` read the database through the store's seam
//! ([`pg::info`], [`pg::check`]): sizes from the server's own functions, row counts, the schema
//! version and the counts table. There is no file, log or checkpoint to report, and the
//! server checks its own pages, so the check is the connection, the schema version and the
//! counts. Copies of a PostgreSQL store are `pg_dump`'s business.
//!
//! "Last checkpoint" is read from the files, not recorded: an empty write-ahead log (0 bytes)
//! was truncated by a completed `wal_checkpoint(TRUNCATE)`, at its modification time, and has
//! had no commit since. A log that holds frames says how many, and its header's checkpoint
//! sequence number (how many times the log has been restarted); when that restart happened is
//! not kept anywhere, so it is reported as unknown rather than guessed.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::migrations::SCHEMA_VERSION;
use crate::domain::time::Timestamp;
use crate::domain::Status;
use crate::error::{Error, Result};

pub mod pg;

/// How long a connection of these commands waits for a writer: the store's own wait (this
/// module is below `store`'s, which takes its file paths from here).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// At most this many problems of `integrity_check` and `foreign_key_check` are listed.
const MAX_PROBLEMS: usize = 100;

/// `<path>-wal`, `<path>-shm` and the like.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Where `store restore` keeps the store it replaces.
pub fn before_restore_path(db: &Path) -> PathBuf {
    sibling(db, ".before-restore")
}

/// Tasks of one status.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusCount {
    pub status: Status,
    pub count: i64,
}

/// `store info`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Info {
    pub path: String,
    /// The database file.
    pub db_bytes: u64,
    /// The write-ahead log (`<path>-wal`); 0 when it is empty or absent.
    pub wal_bytes: u64,
    /// Frames (page images) in the write-ahead log.
    pub wal_frames: u64,
    pub page_size: i64,
    pub pages: i64,
    /// Pages that hold nothing (space a `VACUUM` would return).
    pub free_pages: i64,
    pub schema_version: i64,
    /// `current`, `older` (migrated by the next command that writes), `newer` or `unknown`.
    pub schema: String,
    /// Tasks per status, as `task_counts` keeps them.
    pub tasks: Vec<StatusCount>,
    pub tasks_total: i64,
    /// When the write-ahead log was last truncated by a completed checkpoint, if that is
    /// known (see the module's documentation).
    pub last_checkpoint_at: Option<Timestamp>,
    /// The checkpoint sequence number in the log's header: how many times it was restarted.
    pub wal_checkpoint_seq: Option<u32>,
    /// The log's state in words.
    pub last_checkpoint: String,
}

/// One check of `store check`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    pub check: String,
    pub ok: bool,
    pub details: Vec<String>,
}

/// `store check`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CheckReport {
    pub path: String,
    pub ok: bool,
    /// Null when the file could not be read at all.
    pub schema_version: Option<i64>,
    /// Tasks in the store, as its `task_counts` says; null when that cannot be read.
    pub tasks: Option<i64>,
    pub checks: Vec<Check>,
}

impl CheckReport {
    /// The failed checks in one line each, for an error message.
    pub fn problems(&self) -> String {
        self.checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| {
                let first = c.details.first().map(String::as_str).unwrap_or("failed");
                format!("{}: {first}", c.check)
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Whether the only problem is a schema newer than this build's.
    pub fn newer_schema(&self) -> bool {
        self.schema_version.is_some_and(|v| v > SCHEMA_VERSION)
    }
}

/// What a copy wrote (`store backup`, `store restore`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Copied {
    pub path: String,
    pub from: String,
    pub bytes: u64,
    pub tasks: i64,
    pub schema_version: i64,
    /// Where the replaced store was kept (`store restore`), if there was one.
    pub before_restore: Option<String>,
}

fn open_read_only(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(Error::NotFound {
            kind: "store",
            id: path.display().to_string(),
        });
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Error::Store(format!("cannot open store {}: {e}", path.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

fn schema_word(version: i64) -> &'static str {
    schema_word_of(version, SCHEMA_VERSION)
}

/// How `version` compares with `current`, this build's version on the store's engine.
fn schema_word_of(version: i64, current: i64) -> &'static str {
    match version {
        v if v == current => "current",
        v if (1..current).contains(&v) => "older",
        v if v > current => "newer",
        _ => "unknown",
    }
}

/// The `schema_version` check's verdict and words.
fn schema_check(version: i64, current: i64, engine: &str) -> Check {
    let word = schema_word_of(version, current);
    Check {
        check: "schema_version".into(),
        ok: word == "current" || word == "older",
        details: vec![match word {
            "current" => format!("{version} (current)"),
            "older" => format!(
                "{version} (older than this contenthub's {current}{engine}; migrated by the next command that writes)"
            ),
            "newer" => format!(
                "{version} (written by a newer contenthub; this one understands up to {current}{engine})"
            ),
            _ => format!("{version} (unknown: not a contenthub store, or damaged)"),
        }],
    }
}

pub(super) fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The write-ahead log's header: (page size, checkpoint sequence number), if it has a valid
/// one (<https://www.sqlite.org/fileformat.html#the_write_ahead_log>).
fn wal_header(wal: &Path) -> Option<(u32, u32)> {
    let mut head = [0u8; 32];
    File::open(wal).ok()?.read_exact(&mut head).ok()?;
    let word = |i: usize| u32::from_be_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    matches!(word(0), 0x377f_0682 | 0x377f_0683).then(|| (word(8), word(12)))
}

/// One line per difference between the `task_counts` rows and the tasks counted by status
/// (none when they agree), on either engine.
fn count_differences(kept: &[StatusCount], actual: &[(String, i64)]) -> Vec<String> {
    let mut details = Vec::new();
    for k in kept {
        let n = actual
            .iter()
            .find(|(s, _)| s == k.status.as_str())
            .map_or(0, |a| a.1);
        if n != k.count {
            details.push(format!(
                "{}: task_counts says {}, the tasks table holds {n}",
                k.status, k.count
            ));
        }
    }
    for (s, n) in actual {
        if !Status::ALL.iter().any(|k| k.as_str() == s) {
            details.push(format!("{n} tasks have the unknown status '{s}'"));
        }
    }
    details
}

fn task_counts(conn: &Connection) -> rusqlite::Result<Vec<StatusCount>> {
    let mut stmt = conn.prepare("SELECT status, n FROM task_counts")?;
    let rows: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Status::ALL
        .iter()
        .map(|s| StatusCount {
            status: *s,
            count: rows
                .iter()
                .find(|(name, _)| name == s.as_str())
                .map_or(0, |r| r.1),
        })
        .collect())
}

/// `store info`: reads the store at `path` without changing it.
pub fn info(path: &Path) -> Result<Info> {
    let conn = open_read_only(path)?;
    conn.execute_batch("BEGIN")?;
    let pragma = |name: &str| -> Result<i64> {
        Ok(conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?)
    };
    let schema_version = pragma("user_version")?;
    let page_size = pragma("page_size")?;
    let pages = pragma("page_count")?;
    let free_pages = pragma("freelist_count")?;
    let has_counts: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'task_counts'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false);
    let tasks = if has_counts {
        task_counts(&conn)?
    } else {
        Vec::new()
    };
    conn.execute_batch("COMMIT")?;

    let wal = sibling(path, "-wal");
    let wal_meta = std::fs::metadata(&wal).ok();
    let wal_bytes = wal_meta.as_ref().map_or(0, |m| m.len());
    let header = wal_header(&wal);
    let wal_frames = match header {
        Some((size, _)) if wal_bytes > 32 => (wal_bytes - 32) / (u64::from(size) + 24),
        _ => 0,
    };
    let (last_checkpoint_at, last_checkpoint) = match &wal_meta {
        None => (
            None,
            "no write-ahead log: every commit is in the database file".to_string(),
        ),
        Some(m) if m.len() == 0 => (
            m.modified()
                .ok()
                .map(|t| Timestamp(chrono::DateTime::<chrono::Utc>::from(t).timestamp_millis())),
            "the write-ahead log was truncated by a completed checkpoint then; no commit since"
                .to_string(),
        ),
        Some(_) => (
            None,
            format!(
                "not recorded: the write-ahead log holds {wal_frames} frames written since it \
                 last restarted"
            ),
        ),
    };
    Ok(Info {
        path: path.display().to_string(),
        db_bytes: file_len(path),
        wal_bytes,
        wal_frames,
        page_size,
        pages,
        free_pages,
        schema_version,
        schema: schema_word(schema_version).into(),
        tasks_total: tasks.iter().map(|t| t.count).sum(),
        tasks,
        last_checkpoint_at,
        wal_checkpoint_seq: header.map(|h| h.1),
        last_checkpoint,
    })
}

fn check_of(
    name: &str,
    result: rusqlite::Result<Vec<String>>,
    ok: impl Fn(&[String]) -> bool,
) -> Check {
    match result {
        Ok(details) => Check {
            check: name.into(),
            ok: ok(&details),
            details,
        },
        Err(e) => Check {
            check: name.into(),
            ok: false,
            details: vec![e.to_string()],
        },
    }
}

/// `store check`: whether the store (or backup) at `path` is sound, changing nothing. A file
/// that cannot be read as a database is a failed check, not an error.
pub fn check(path: &Path) -> Result<CheckReport> {
    let conn = open_read_only(path)?;
    let mut report = CheckReport {
        path: path.display().to_string(),
        ok: false,
        schema_version: None,
        tasks: None,
        checks: Vec::new(),
    };
    let version = conn
        .execute_batch("BEGIN")
        .and_then(|_| conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)));
    let version = match version {
        Ok(v) => v,
        Err(e) => {
            report.checks.push(Check {
                check: "open".into(),
                ok: false,
                details: vec![e.to_string()],
            });
            return Ok(report);
        }
    };
    report.schema_version = Some(version);
    report
        .checks
        .push(schema_check(version, SCHEMA_VERSION, ""));

    let integrity = (|| -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare(&format!("PRAGMA integrity_check({MAX_PROBLEMS})"))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect()
    })();
    report
        .checks
        .push(check_of("integrity_check", integrity, |d| {
            d.len() == 1 && d[0] == "ok"
        }));

    let foreign = (|| -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |r| {
            let table: String = r.get(0)?;
            let rowid: Option<i64> = r.get(1)?;
            let parent: String = r.get(2)?;
            Ok(format!(
                "{table} row {} refers to a missing row of {parent}",
                rowid.map_or("?".into(), |i| i.to_string())
            ))
        })?;
        rows.take(MAX_PROBLEMS).collect()
    })();
    report
        .checks
        .push(check_of("foreign_key_check", foreign, |d| d.is_empty()));

    let counts = (|| -> rusqlite::Result<(i64, Vec<String>)> {
        let kept = task_counts(&conn)?;
        let mut stmt = conn.prepare("SELECT status, count(*) FROM tasks GROUP BY status")?;
        let actual: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let details = count_differences(&kept, &actual);
        Ok((kept.iter().map(|k| k.count).sum::<i64>(), details))
    })();
    report.checks.push(match counts {
        Ok((total, details)) => {
            report.tasks = Some(total);
            Check {
                check: "task_counts".into(),
                ok: details.is_empty(),
                details,
            }
        }
        Err(e) => Check {
            check: "task_counts".into(),
            ok: false,
            details: vec![e.to_string()],
        },
    });
    let _ = conn.execute_batch("COMMIT");
    report.ok = report.checks.iter().all(|c| c.ok);
    Ok(report)
}

/// One table of a PostgreSQL store (`store info`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableSize {
    pub table: String,
    /// The table with its indexes and TOAST data (`pg_total_relation_size`).
    pub bytes: u64,
    /// Its rows, for the main tables; null for the others.
    pub rows: Option<i64>,
}

/// `store info` on PostgreSQL. The fields it shares with [`Info`] mean the same; the write-ahead
/// log, pages and checkpoint of an SQLite file have no counterpart here and are absent.
#[derive(Debug, Serialize, Deserialize)]
pub struct PgInfo {
    /// The connection URL with its password masked.
    pub path: String,
    /// The server's version (`server_version`).
    pub server_version: String,
    /// The whole database (`pg_database_size`).
    pub db_bytes: u64,
    /// Each table of the store's schema, by name.
    pub tables: Vec<TableSize>,
    /// PostgreSQL's schema numbering, not SQLite's.
    pub schema_version: i64,
    /// `current`, `older` (migrated by the next command that writes), `newer` or `unknown`.
    pub schema: String,
    /// Tasks per status, as `task_counts` keeps them.
    pub tasks: Vec<StatusCount>,
    pub tasks_total: i64,
}

/// A private, empty file beside `dest` for a copy to be written into.
fn temp_beside(dest: &Path, tag: &str) -> Result<PathBuf> {
    let dir = parent_dir(dest);
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "contenthub.db".into());
    let tmp = dir.join(format!(".{name}.{tag}-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| Error::io(format!("cannot create {}", tmp.display()), e))?;
    Ok(tmp)
}

/// Whether `a` and `b` name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sync_file(path: &Path) -> Result<()> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(format!("cannot sync {}", path.display()), e))
}

fn sync_dir(path: &Path) -> Result<()> {
    let dir = parent_dir(path);
    File::open(&dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(format!("cannot sync {}", dir.display()), e))
}

/// Copies the store at `src` into the empty file `tmp` (one consistent snapshot), makes it
/// durable and checks it. Removes `tmp` when anything fails.
fn copy_checked(src: &Path, tmp: &Path) -> Result<CheckReport> {
    let copied = (|| {
        let conn = open_read_only(src)?;
        conn.execute("VACUUM INTO ?1", [tmp.to_string_lossy()])
            .map_err(|e| Error::Store(format!("cannot copy {}: {e}", src.display())))?;
        drop(conn);
        sync_file(tmp)?;
        let report = check(tmp)?;
        if !report.ok {
            return Err(Error::Store(format!(
                "the copy of {} failed its check ({}); nothing was written",
                src.display(),
                report.problems()
            )));
        }
        Ok(report)
    })();
    if copied.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    copied
}

/// `store backup`: an online, consistent copy of the store at `src` in `dest`, checked before
/// it gets that name. Refused (exit 4) when `dest` exists, unless `force`; then it is
/// replaced atomically.
pub fn backup(src: &Path, dest: &Path, force: bool) -> Result<Copied> {
    let exists = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    if exists(dest) && !force {
        return Err(Error::Refused(format!(
            "{} already exists; pass --force to replace it",
            dest.display()
        )));
    }
    if !src.exists() {
        return Err(Error::NotFound {
            kind: "store",
            id: src.display().to_string(),
        });
    }
    // Replacing the store (or its log) under the processes that have it open would lose
    // whatever they write next.
    for own in [
        src.to_path_buf(),
        sibling(src, "-wal"),
        sibling(src, "-shm"),
    ] {
        if same_file(&own, dest) {
            return Err(Error::Usage(format!(
                "{} is the store's own file; back it up to another path",
                dest.display()
            )));
        }
    }
    let tmp = temp_beside(dest, "backup")?;
    let report = copy_checked(src, &tmp)?;
    let placed = (|| {
        if !force && exists(dest) {
            return Err(Error::Refused(format!(
                "{} appeared while the copy was written; pass --force to replace it",
                dest.display()
            )));
        }
        std::fs::rename(&tmp, dest)
            .map_err(|e| Error::io(format!("cannot rename the copy to {}", dest.display()), e))?;
        sync_dir(dest)
    })();
    if placed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    placed?;
    Ok(Copied {
        path: dest.display().to_string(),
        from: src.display().to_string(),
        bytes: file_len(dest),
        tasks: report.tasks.unwrap_or(0),
        schema_version: report.schema_version.unwrap_or(0),
        before_restore: None,
    })
}

/// `store restore`: puts a checked copy of `file` in place of the store at `db`, keeping the
/// current one as `<db>.before-restore` (with its write-ahead log, if that still holds
/// anything, as `<db>.before-restore-wal`). The caller makes sure no daemon runs and holds
/// the daemon lock meanwhile.
pub fn restore(file: &Path, db: &Path) -> Result<Copied> {
    let before = before_restore_path(db);
    if std::fs::symlink_metadata(&before).is_ok() {
        return Err(Error::Refused(format!(
            "{} exists from an earlier restore; move it away first",
            before.display()
        )));
    }
    if let Some(dir) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    let tmp = temp_beside(db, "restore")?;
    let report = copy_checked(file, &tmp)?;
    let kept = (|| {
        if !db.exists() {
            return Ok(None);
        }
        // Copy what the log holds into the database file first, so the kept store is one
        // file; should a reader hold that back, the log is kept beside it instead.
        if let Ok(conn) = Connection::open_with_flags(
            db,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ) {
            let _ = conn.busy_timeout(Duration::from_secs(5));
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            });
        }
        std::fs::rename(db, &before)
            .map_err(|e| Error::io(format!("cannot rename {}", db.display()), e))?;
        let wal = sibling(db, "-wal");
        match std::fs::metadata(&wal) {
            Ok(m) if m.len() == 0 => {
                let _ = std::fs::remove_file(&wal);
            }
            Ok(_) => std::fs::rename(&wal, sibling(&before, "-wal"))
                .map_err(|e| Error::io(format!("cannot rename {}", wal.display()), e))?,
            Err(_) => {}
        }
        // The shared-memory index belongs to the log just moved; SQLite rebuilds it.
        let _ = std::fs::remove_file(sibling(db, "-shm"));
        Ok(Some(before.display().to_string()))
    })();
    let kept = match kept {
        Ok(k) => k,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, db)
        .map_err(|e| Error::io(format!("cannot rename the copy to {}", db.display()), e))?;
    sync_dir(db)?;
    Ok(Copied {
        path: db.display().to_string(),
        from: file.display().to_string(),
        bytes: file_len(db),
        tasks: report.tasks.unwrap_or(0),
        schema_version: report.schema_version.unwrap_or(0),
        before_restore: kept,
    })
}
