//! The SQLite store: the only code that speaks SQL.
//!
//! Many processes share one file (CLI invocations, cron, one or more daemons), so every
//! connection uses WAL, a generous busy timeout and foreign keys, and every write runs in
//! `BEGIN IMMEDIATE`: a writer takes the lock up front and waits for it in the busy handler,
//! instead of failing half-way with "database is locked" when it upgrades a read.

pub mod accounts;
pub mod contents;
pub mod counters;
mod migrations;
pub mod monitor;
pub mod outbox;
pub mod plans;
pub mod queue;
pub mod tasks;

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{Error, Result};

pub use migrations::SCHEMA_VERSION;

/// The store as seen inside a transaction or a single read.
pub type Conn = Connection;

/// How long a connection waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the store at `path`, creating it (mode 0600) and its parent directories on first
    /// use, and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        }
        // Create the file ourselves so it is private from the first byte; SQLite gives the
        // -wal and -shm files the same mode. Only when it does not exist yet: closing any file
        // descriptor of the store drops every POSIX lock this process holds on it, which would
        // silently unlock another connection of this process (and let a second process delete
        // the WAL under it).
        if !path.exists() {
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
            {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(Error::io(
                        format!("cannot create store {}", path.display()),
                        e,
                    ))
                }
            }
        }

        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::Store(format!("cannot open store {}: {e}", path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        configure(&conn)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        migrations::migrate(&mut store.conn, path)?;
        Ok(store)
    }

    /// Opens an existing store for reading only: nothing is created or migrated (for
    /// `monitor health`, which may run as another user and must not change what it checks).
    /// Returns the store and its schema version.
    pub fn open_read_only(path: &Path) -> Result<(Store, i64)> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::Store(format!("cannot open store {}: {e}", path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| Error::Store(format!("cannot read store {}: {e}", path.display())))?;
        Ok((
            Store {
                conn,
                path: path.to_path_buf(),
            },
            version,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for reads.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction and commits it when `f` succeeds.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in a read transaction, so that several queries see one snapshot.
    pub fn read<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)?;
        let out = f(&tx)?;
        tx.finish()?;
        Ok(out)
    }
}

fn configure(conn: &Connection) -> Result<()> {
    // Switching to WAL needs a moment of exclusive access; several processes opening a new
    // store at once may race for it, so retry briefly. Once set, WAL is persistent.
    let mut attempt = 0;
    loop {
        let mode: std::result::Result<String, _> =
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0));
        match mode {
            Ok(m) if m.eq_ignore_ascii_case("wal") => break,
            Ok(m) => {
                return Err(Error::Store(format!(
                    "the store cannot use write-ahead logging (journal mode stays '{m}')"
                )))
            }
            Err(e) if is_busy(&e) && attempt < 200 => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e.into()),
        }
    }
    // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss, and an
    // acknowledged `task submit` must survive that. The cost is one fsync of the WAL per
    // commit, which is why bulk paths batch many rows into one transaction.
    // Do not checkpoint when a connection closes: every short-lived CLI process would
    // otherwise checkpoint, fsync and delete the WAL on exit, then the next one recreate it
    // (and fsync the directory). The WAL is checkpointed as it grows instead.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )?;
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA journal_size_limit = 67108864;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(())
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Renders a list of strings as the JSON array the store keeps.
pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// Reads a JSON array column; a NULL or damaged value reads as empty.
pub(crate) fn parse_json_list(s: Option<String>) -> Vec<String> {
    s.and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// Tells cheaply whether another connection has committed to the store, on a read-only
/// connection of its own (`PRAGMA data_version`, a few microseconds), and answers the
/// dispatcher's one question about such a change without taking the write connection.
pub struct ChangeWatch {
    conn: Connection,
    version: i64,
}

impl ChangeWatch {
    pub fn open(path: &Path) -> Result<ChangeWatch> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let mut watch = ChangeWatch { conn, version: 0 };
        watch.version = watch.data_version();
        Ok(watch)
    }

    fn data_version(&self) -> i64 {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .unwrap_or(0)
    }

    /// Whether another connection committed since the last call.
    pub fn changed(&mut self) -> bool {
        let v = self.data_version();
        let changed = v != self.version;
        self.version = v;
        changed
    }

    /// Whether a pending task is due at `now` (true when the store cannot say).
    pub fn has_due_pending(&self, now: crate::domain::time::Millis) -> bool {
        self.conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM tasks WHERE status = 'pending' AND next_attempt_at <= ?1)",
                [now],
                |r| r.get(0),
            )
            .unwrap_or(true)
    }
}
