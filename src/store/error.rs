//! The database's failures, as the rest of the code sees them. A leaf of its own, so that the
//! library's error type can wrap it without importing the store.

use std::fmt;

/// A failure of the database underneath the store, SQLite's or PostgreSQL's. The rest of the
/// code only shows it and asks what kind it is; its message is the database's own, said once.
///
/// It has no `source`: the database's message already says what its error code means, and a
/// source would make `{:#}` repeat it ("X: X: Error code 8: …").
#[derive(Debug)]
pub struct DbError(pub(super) Engine);

/// Which engine failed, with its error.
#[derive(Debug)]
pub(super) enum Engine {
    Sqlite(rusqlite::Error),
    Postgres(postgres::Error),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Engine::Sqlite(e) => e.fmt(f),
            // The server's own report (severity, code and message) when there is one; the
            // client's error otherwise (a refused connection, a closed one).
            Engine::Postgres(e) => match e.as_db_error() {
                Some(db) => write!(f, "{} ({})", db.message(), db.code().code()),
                // The client's own error says what it was doing; its source says why.
                None => match std::error::Error::source(e) {
                    Some(why) => write!(f, "{e}: {why}"),
                    None => e.fmt(f),
                },
            },
        }
    }
}

impl std::error::Error for DbError {}

/// Whether SQLite gave up waiting for another connection's lock.
pub(super) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl DbError {
    /// Whether the database could not be written for want of room: its disk is full, its
    /// page limit reached, or a write, sync or shared-memory extension failed (SQLite reports
    /// only ENOSPC as "full"; a quota, for one, comes back as a write error). On PostgreSQL:
    /// the server's `disk_full` (53100).
    pub fn is_full(&self) -> bool {
        use rusqlite::ffi::{SQLITE_IOERR_FSYNC, SQLITE_IOERR_SHMSIZE, SQLITE_IOERR_WRITE};
        match &self.0 {
            Engine::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::DiskFull
                    || [SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC, SQLITE_IOERR_SHMSIZE]
                        .contains(&e.extended_code)
            }
            Engine::Sqlite(_) => false,
            Engine::Postgres(e) => e
                .code()
                .is_some_and(|c| *c == postgres::error::SqlState::DISK_FULL),
        }
    }

    /// Whether a uniqueness constraint refused the row.
    pub fn is_unique_violation(&self) -> bool {
        match &self.0 {
            Engine::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            Engine::Sqlite(_) => false,
            Engine::Postgres(e) => e
                .code()
                .is_some_and(|c| *c == postgres::error::SqlState::UNIQUE_VIOLATION),
        }
    }

    /// Whether PostgreSQL ended the transaction for a deadlock (40P01) or a serialization
    /// failure (40001): running it again may succeed.
    pub fn is_conflict(&self) -> bool {
        match &self.0 {
            Engine::Sqlite(_) => false,
            Engine::Postgres(e) => e.code().is_some_and(|c| {
                *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
                    || *c == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
            }),
        }
    }

    /// Whether another connection held the lock for longer than the wait allows.
    pub fn is_busy(&self) -> bool {
        match &self.0 {
            Engine::Sqlite(e) => is_busy(e),
            Engine::Postgres(e) => e.code().is_some_and(|c| {
                *c == postgres::error::SqlState::LOCK_NOT_AVAILABLE
                    || *c == postgres::error::SqlState::QUERY_CANCELED
            }),
        }
    }
}
