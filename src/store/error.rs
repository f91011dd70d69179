//! The database's failures, as the rest of the code sees them. A leaf of its own, so that the
//! library's error type can wrap it without importing the store.

use std::fmt;

/// A failure of the database underneath the store. The rest of the code only shows it; its
/// message is the database's own, said once.
///
/// It has no `source`: SQLite's message already says what its error code means, and a source
/// would make `{:#}` repeat it ("X: X: Error code 8: …").
#[derive(Debug)]
pub struct DbError(pub(super) rusqlite::Error);

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DbError {}

impl DbError {
    /// Whether the database could not be written for want of room: its disk is full, its
    /// page limit reached, or a write, sync or shared-memory extension failed (SQLite reports
    /// only ENOSPC as "full"; a quota, for one, comes back as a write error).
    pub fn is_full(&self) -> bool {
        const IOERR_WRITE: i32 = 10 | (3 << 8);
        const IOERR_FSYNC: i32 = 10 | (4 << 8);
        const IOERR_SHMSIZE: i32 = 10 | (19 << 8);
        matches!(
            &self.0,
            rusqlite::Error::SqliteFailure(e, _)
                if e.code == rusqlite::ErrorCode::DiskFull
                    || [IOERR_WRITE, IOERR_FSYNC, IOERR_SHMSIZE].contains(&e.extended_code)
        )
    }

    /// Whether another connection held the lock for longer than the busy timeout.
    pub fn is_busy(&self) -> bool {
        matches!(
            &self.0,
            rusqlite::Error::SqliteFailure(e, _)
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}
