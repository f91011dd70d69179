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
    /// Whether the database could not grow: its disk is full (or its page limit reached).
    pub fn is_full(&self) -> bool {
        matches!(
            &self.0,
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::DiskFull
        )
    }
}
