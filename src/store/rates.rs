//! The rate-limit buckets of generator profiles: one row per profile (`rate_buckets`), read
//! and written by the claim that reserves from it and by the result that settles it, in their
//! transactions. The arithmetic is `domain::rate`'s; this module only stores it.
//!
//! On PostgreSQL a claim locks the rows of the profiles it may reserve from (`FOR UPDATE`, in
//! name order, so two claims never deadlock on them): a second daemon's claim waits there and
//! then reads what the first reserved, so together they keep one limit.

use super::sql::{args, Row, Sql};
use super::tasks::Seq;
use super::Conn;
use crate::domain::rate::{Bucket, Kind, RateLimits};
use crate::domain::time::Millis;
use crate::error::Result;

const COLUMNS: &str = "rpm, tpm, rpd, tpd, window_ms, learned_rpm, learned_tpm,
    level_rpm, level_tpm, level_rpd, level_tpd, at, wait_kind, wait_until";

fn bucket(r: &Row<'_>, from: usize) -> Result<Bucket> {
    let count = |i: usize| -> Result<Option<u64>> {
        Ok(r.get::<Option<i64>>(from + i)?.map(|v| v.max(0) as u64))
    };
    let kind: Option<String> = r.get(from + 12)?;
    let until: Option<i64> = r.get(from + 13)?;
    Ok(Bucket {
        limits: RateLimits {
            rpm: count(0)?,
            tpm: count(1)?,
            rpd: count(2)?,
            tpd: count(3)?,
            window_ms: r.get(from + 4)?,
        },
        learned_rpm: count(5)?,
        learned_tpm: count(6)?,
        level: [
            r.get(from + 7)?,
            r.get(from + 8)?,
            r.get(from + 9)?,
            r.get(from + 10)?,
        ],
        at: r.get(from + 11)?,
        wait: kind.as_deref().and_then(Kind::parse).zip(until),
    })
}

fn int(v: Option<u64>) -> Option<i64> {
    v.map(|v| v.min(i64::MAX as u64) as i64)
}

/// The bucket of `profile`, created full for `limits` when it has none, and brought to
/// `limits` when they changed. On PostgreSQL its row stays locked until the transaction ends.
pub fn lock(conn: &Conn, profile: &str, limits: RateLimits, now: Millis) -> Result<Bucket> {
    let fresh = Bucket::new(limits, now);
    conn.exec(
        Sql::same(
            "INSERT INTO rate_buckets(profile, rpm, tpm, rpd, tpd, window_ms,
                 level_rpm, level_tpm, level_rpd, level_tpd, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (profile) DO NOTHING",
        ),
        args![
            profile,
            int(limits.rpm),
            int(limits.tpm),
            int(limits.rpd),
            int(limits.tpd),
            limits.window_ms,
            fresh.level[0],
            fresh.level[1],
            fresh.level[2],
            fresh.level[3],
            now
        ],
    )?;
    let mut b = conn.one(
        Sql::each(
            &format!("SELECT {COLUMNS} FROM rate_buckets WHERE profile = ?1"),
            &format!("SELECT {COLUMNS} FROM rate_buckets WHERE profile = $1 FOR UPDATE"),
        ),
        args![profile],
        |r| bucket(r, 0),
    )?;
    b.reconfigure(limits, now);
    Ok(b)
}

/// The bucket of `profile` as stored, if it has one (the limits it was last claimed with).
/// On PostgreSQL the row is locked until the transaction ends.
pub fn locked(conn: &Conn, profile: &str) -> Result<Option<Bucket>> {
    conn.row(
        Sql::each(
            &format!("SELECT {COLUMNS} FROM rate_buckets WHERE profile = ?1"),
            &format!("SELECT {COLUMNS} FROM rate_buckets WHERE profile = $1 FOR UPDATE"),
        ),
        args![profile],
        |r| bucket(r, 0),
    )
}

/// Writes `b` back as `profile`'s bucket.
pub fn save(conn: &Conn, profile: &str, b: &Bucket) -> Result<()> {
    conn.exec(
        Sql::same(
            "UPDATE rate_buckets SET rpm = ?2, tpm = ?3, rpd = ?4, tpd = ?5, window_ms = ?6,
                 learned_rpm = ?7, learned_tpm = ?8, level_rpm = ?9, level_tpm = ?10,
                 level_rpd = ?11, level_tpd = ?12, at = ?13, wait_kind = ?14, wait_until = ?15
             WHERE profile = ?1",
        ),
        args![
            profile,
            int(b.limits.rpm),
            int(b.limits.tpm),
            int(b.limits.rpd),
            int(b.limits.tpd),
            b.limits.window_ms,
            int(b.learned_rpm),
            int(b.learned_tpm),
            b.level[0],
            b.level[1],
            b.level[2],
            b.level[3],
            b.at,
            b.wait.map(|(k, _)| k.as_str()),
            b.wait.map(|(_, u)| u)
        ],
    )?;
    Ok(())
}

/// Every profile's bucket, by name (for the metrics).
pub fn all(conn: &Conn) -> Result<Vec<(String, Bucket)>> {
    conn.rows(
        Sql::same(&format!(
            "SELECT profile, {COLUMNS} FROM rate_buckets ORDER BY profile"
        )),
        args![],
        |r| Ok((r.get(0)?, bucket(r, 1)?)),
    )
}

/// The wait of `profile` that still lasts at `now`.
pub fn waiting(conn: &Conn, profile: &str, now: Millis) -> Result<Option<(Kind, Millis)>> {
    let row: Option<(Option<String>, Option<i64>)> = conn.row(
        Sql::same("SELECT wait_kind, wait_until FROM rate_buckets WHERE profile = ?1"),
        args![profile],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(row
        .and_then(|(k, u)| k.as_deref().and_then(Kind::parse).zip(u))
        .filter(|(_, until)| *until > now))
}

/// When the earliest wait of a profile ends, after `now`: the dispatcher looks for work then.
pub fn next_free(conn: &Conn, now: Millis) -> Result<Option<Millis>> {
    conn.one(
        Sql::same("SELECT min(wait_until) FROM rate_buckets WHERE wait_until > ?1"),
        args![now],
        |r| r.get(0),
    )
}

/// Due pending tasks of `profile` (`default` when it is the profile of tasks naming none).
pub fn due_pending(conn: &Conn, profile: &str, default: bool, now: Millis) -> Result<i64> {
    conn.one(
        Sql::same(
            "SELECT count(*) FROM tasks WHERE status = 'pending' AND next_attempt_at <= ?1
                 AND (generator = ?2 OR (?3 = 1 AND generator IS NULL))",
        ),
        args![now, profile, i64::from(default)],
        |r| r.get(0),
    )
}

/// Remembers on task `seq` what its claim reserved.
pub fn note_reservation(conn: &Conn, seq: Seq, profile: &str, tokens: u64) -> Result<()> {
    conn.exec(
        Sql::same("UPDATE tasks SET rate_profile = ?2, rate_tokens = ?3 WHERE seq = ?1"),
        args![seq.0, profile, tokens.min(i64::MAX as u64) as i64],
    )?;
    Ok(())
}

/// Takes task `seq`'s reservation off it: its profile and tokens, if it holds one.
pub fn take_reservation(conn: &Conn, seq: Seq) -> Result<Option<(String, u64)>> {
    let row: Option<(Option<String>, Option<i64>)> = conn.row(
        Sql::same("SELECT rate_profile, rate_tokens FROM tasks WHERE seq = ?1"),
        args![seq.0],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let Some((Some(profile), tokens)) = row else {
        return Ok(None);
    };
    conn.exec(
        Sql::same("UPDATE tasks SET rate_profile = NULL, rate_tokens = NULL WHERE seq = ?1"),
        args![seq.0],
    )?;
    Ok(Some((profile, tokens.unwrap_or(0).max(0) as u64)))
}
