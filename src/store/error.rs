//! The database's failures, as the rest of the code sees them. A leaf of its own, so that the
//! library's error type can wrap it without importing the store.

/// A failure of the database underneath the store. The rest of the code only shows it; its
/// message is the database's own.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DbError(pub(super) rusqlite::Error);
