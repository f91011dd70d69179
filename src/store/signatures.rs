//! Stored article signatures for near-duplicate look-ups.
//!
//! This is the seam the review rules call: the lookup of the most similar earlier article of
//! an account, and the recording of a new article's signature. Until signatures are stored,
//! nothing is found and nothing is kept.

use chrono::{DateTime, Utc};

use super::Conn;
use crate::error::Result;
use crate::review::similarity::Signature;

/// The stored article of `account` since `since` most similar to `sig`: its content id and
/// the similarity (0–1).
pub fn most_similar(
    conn: &Conn,
    account: &str,
    sig: &Signature,
    since: DateTime<Utc>,
) -> Result<Option<(i64, f64)>> {
    let _ = (conn, account, sig, since);
    Ok(None)
}

/// Keeps the signature of content `content_id` of `account`.
pub fn put(
    conn: &Conn,
    content_id: i64,
    account: &str,
    sig: &Signature,
    at: DateTime<Utc>,
) -> Result<()> {
    let _ = (conn, content_id, account, sig, at);
    Ok(())
}
