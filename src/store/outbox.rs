//! The `deliveries` table: the outbox of events (task callbacks, alert notifications) that
//! must leave the machine. A delivery is written in the same transaction as the change it
//! reports, then sent by the daemon with retries; a crash between the two only delays it.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::Conn;
use crate::domain::time::{Millis, Timestamp};
use crate::domain::TaskId;
use crate::error::{Error, Result};

pub const TASK_COMPLETED: &str = "task.completed";
pub const TASK_FAILED: &str = "task.failed";

/// A delivery, as `deliveries list` shows it. The body is not shown (it can be large).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    pub id: i64,
    pub event: String,
    pub task_id: Option<TaskId>,
    pub url: String,
    /// pending, sent or failed
    pub status: String,
    pub attempts: u32,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

/// A delivery about to be sent: what goes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub id: i64,
    pub event: String,
    pub url: String,
    pub body: String,
    pub attempts: u32,
}

const COLUMNS: &str = "id, event, task_id, url, status, attempts, last_status_code, last_error, \
                       next_attempt_at, created_at, sent_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Delivery> {
    let status: String = r.get(4)?;
    Ok(Delivery {
        id: r.get(0)?,
        event: r.get(1)?,
        task_id: r.get::<_, Option<i64>>(2)?.map(TaskId),
        url: r.get(3)?,
        next_attempt_at: (status == "pending")
            .then(|| r.get::<_, i64>(8).map(Timestamp))
            .transpose()?,
        status,
        attempts: r.get(5)?,
        last_status_code: r.get(6)?,
        last_error: r.get(7)?,
        created_at: Timestamp(r.get(9)?),
        sent_at: r.get::<_, Option<i64>>(10)?.map(Timestamp),
        updated_at: Timestamp(r.get(11)?),
    })
}

/// Queues an event for `url`.
pub fn enqueue(
    conn: &Conn,
    event: &str,
    task_id: Option<TaskId>,
    url: &str,
    body: &str,
    now: Millis,
) -> Result<i64> {
    Ok(conn
        .sql()
        .prepare_cached(
            "INSERT INTO deliveries(event, task_id, url, body, status, next_attempt_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5, ?5) RETURNING id",
        )?
        .query_row(params![event, task_id.map(|t| t.0), url, body, now], |r| r.get(0))?)
}

/// Takes up to `limit` due deliveries for sending: each is pushed `lease_ms` into the future
/// first, so a daemon that dies mid-send leaves it to be sent again after that.
pub fn claim_due(conn: &Conn, now: Millis, lease_ms: i64, limit: u32) -> Result<Vec<Outgoing>> {
    claim(conn, now, lease_ms, limit, false)
}

/// Like [`claim_due`], for deliveries to notification channels only.
pub fn claim_due_channels(
    conn: &Conn,
    now: Millis,
    lease_ms: i64,
    limit: u32,
) -> Result<Vec<Outgoing>> {
    claim(conn, now, lease_ms, limit, true)
}

fn claim(
    conn: &Conn,
    now: Millis,
    lease_ms: i64,
    limit: u32,
    channels_only: bool,
) -> Result<Vec<Outgoing>> {
    let sql = if channels_only {
        "SELECT id, event, url, body, attempts FROM deliveries
         WHERE status = 'pending' AND next_attempt_at <= ?1 AND url LIKE 'channel:%'
         ORDER BY next_attempt_at, id LIMIT ?2"
    } else {
        "SELECT id, event, url, body, attempts FROM deliveries
         WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2"
    };
    let rows: Vec<Outgoing> = conn
        .sql()
        .prepare_cached(sql)?
        .query_map(params![now, limit], |r| {
            Ok(Outgoing {
                id: r.get(0)?,
                event: r.get(1)?,
                url: r.get(2)?,
                body: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    for d in &rows {
        conn.sql().prepare_cached(
            "UPDATE deliveries SET next_attempt_at = ?2, attempts = attempts + 1, updated_at = ?3 WHERE id = ?1",
        )?
        .execute(params![d.id, now + lease_ms, now])?;
    }
    Ok(rows)
}

/// Records a successful send.
pub fn mark_sent(conn: &Conn, id: i64, code: u16, now: Millis) -> Result<()> {
    conn.sql().prepare_cached(
        "UPDATE deliveries SET status = 'sent', sent_at = ?3, last_status_code = ?2, last_error = NULL, updated_at = ?3
         WHERE id = ?1",
    )?
    .execute(params![id, code, now])?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up (`failed`) when `None`.
pub fn mark_attempt_failed(
    conn: &Conn,
    id: i64,
    code: Option<u16>,
    error: &str,
    retry_at: Option<Millis>,
    now: Millis,
) -> Result<()> {
    let (status, next) = match retry_at {
        Some(at) => ("pending", at),
        None => ("failed", now),
    };
    conn.sql().prepare_cached(
        "UPDATE deliveries SET status = ?2, next_attempt_at = ?3, last_status_code = ?4, last_error = ?5, updated_at = ?6
         WHERE id = ?1",
    )?
    .execute(params![id, status, next, code, error, now])?;
    Ok(())
}

/// When the next pending delivery is due.
pub fn next_due(conn: &Conn) -> Result<Option<Millis>> {
    Ok(conn
        .sql()
        .prepare_cached("SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'")?
        .query_row([], |r| r.get(0))?)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub statuses: Vec<String>,
    pub task_id: Option<TaskId>,
    pub limit: Option<u32>,
}

/// Deliveries, newest first.
pub fn list(conn: &Conn, f: &Filter) -> Result<Vec<Delivery>> {
    let mut sql = format!("SELECT {COLUMNS} FROM deliveries");
    let mut clauses = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if !f.statuses.is_empty() {
        clauses.push(format!(
            "status IN ({})",
            vec!["?"; f.statuses.len()].join(",")
        ));
        args.extend(f.statuses.iter().map(|s| Value::Text(s.clone())));
    }
    if let Some(t) = f.task_id {
        clauses.push("task_id = ?".into());
        args.push(Value::Integer(t.0));
    }
    if !clauses.is_empty() {
        sql.push_str(&format!(" WHERE {}", clauses.join(" AND ")));
    }
    sql.push_str(" ORDER BY id DESC");
    if let Some(l) = f.limit {
        sql.push_str(&format!(" LIMIT {l}"));
    }
    let mut stmt = conn.sql().prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Conn, id: i64) -> Result<Delivery> {
    conn.sql()
        .prepare_cached(&format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "delivery",
            id: id.to_string(),
        })
}

/// Sends a failed (or pending) delivery again now, with a fresh count of attempts. Returns
/// false for one already sent.
pub fn retry(conn: &Conn, id: i64, now: Millis) -> Result<bool> {
    let n = conn
        .sql()
        .prepare_cached(
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?2, updated_at = ?2
             WHERE id = ?1 AND status <> 'sent'",
        )?
        .execute(params![id, now])?;
    Ok(n == 1)
}

/// Ids of every failed delivery.
pub fn failed_ids(conn: &Conn) -> Result<Vec<i64>> {
    let mut stmt = conn
        .sql()
        .prepare_cached("SELECT id FROM deliveries WHERE status = 'failed' ORDER BY id")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest callback delivery of a task, for `task show`.
pub fn latest_for_task(conn: &Conn, task_id: TaskId) -> Result<Option<Delivery>> {
    Ok(conn
        .sql()
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM deliveries WHERE task_id = ?1 ORDER BY id DESC LIMIT 1"
        ))?
        .query_row([task_id.0], from_row)
        .optional()?)
}

/// Remembers a callback signature; false when it was seen before (a replay). Forgets those
/// older than `window_ms`.
pub fn remember_signature(
    conn: &Conn,
    signature: &str,
    now: Millis,
    window_ms: i64,
) -> Result<bool> {
    conn.sql()
        .prepare_cached("DELETE FROM webhook_receipts WHERE received_at < ?1")?
        .execute([now - window_ms])?;
    let n = conn
        .sql()
        .prepare_cached("INSERT INTO webhook_receipts(signature, received_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?
        .execute(params![signature, now])?;
    Ok(n == 1)
}
