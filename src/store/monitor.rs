//! Monitoring queries: what finished in a window, the state of the queue, token usage, and
//! the alert rules' remembered state. Windowed queries walk the `tasks_finished` and
//! `contents_usage` indexes and never read a task or content row.

use rusqlite::{params, OptionalExtension};

use super::Conn;
use crate::domain::time::Millis;
use crate::domain::Status;
use crate::error::Result;

/// One task that finished (completed, failed, timed out or was cancelled) in a window.
#[derive(Debug, Clone, PartialEq)]
pub struct FinishedTask {
    pub finished_at: Millis,
    pub status: Status,
    pub account_id: i64,
    /// The profile the task named; `None` for the default one.
    pub generator: Option<String>,
    pub created_at: Millis,
    /// First start; `None` for a task that never started (cancelled or timed out while pending).
    pub started_at: Option<Millis>,
    pub retries: u32,
}

/// Tasks that finished in `[since, until)`, oldest first.
pub fn finished_between(conn: &Conn, since: Millis, until: Millis) -> Result<Vec<FinishedTask>> {
    let mut stmt = conn.sql().prepare_cached(
        "SELECT completed_at, status, account_id, generator, created_at, started_at, retry_count
         FROM tasks INDEXED BY tasks_finished
         WHERE completed_at IS NOT NULL AND completed_at >= ?1 AND completed_at < ?2
         ORDER BY completed_at",
    )?;
    let rows = stmt.query_map(params![since, until], |r| {
        let status: String = r.get(1)?;
        Ok(FinishedTask {
            finished_at: r.get(0)?,
            status: super::tasks::status_of(status)?,
            account_id: r.get(2)?,
            generator: r.get(3)?,
            created_at: r.get(4)?,
            started_at: r.get(5)?,
            retries: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Counts of tasks finished in `[since, until)` per final status.
pub fn finished_counts(conn: &Conn, since: Millis, until: Millis) -> Result<Vec<(Status, u64)>> {
    let mut stmt = conn.sql().prepare_cached(
        "SELECT status, count(*) FROM tasks INDEXED BY tasks_finished
         WHERE completed_at IS NOT NULL AND completed_at >= ?1 AND completed_at < ?2
         GROUP BY status",
    )?;
    let rows = stmt.query_map(params![since, until], |r| {
        let status: String = r.get(0)?;
        Ok((
            super::tasks::status_of(status)?,
            r.get::<_, i64>(1)?.max(0) as u64,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Per final status of the tasks that finished in `[since, until)`: how many, and the sum
/// of first start to finish (ms) over those that started.
pub fn finished_summary(
    conn: &Conn,
    since: Millis,
    until: Millis,
) -> Result<Vec<(Status, u64, i64)>> {
    let mut stmt = conn.sql().prepare_cached(
        "SELECT status, count(*), coalesce(sum(completed_at - started_at), 0)
         FROM tasks INDEXED BY tasks_finished
         WHERE completed_at IS NOT NULL AND completed_at >= ?1 AND completed_at < ?2
         GROUP BY status",
    )?;
    let rows = stmt.query_map(params![since, until], |r| {
        let status: String = r.get(0)?;
        Ok((
            super::tasks::status_of(status)?,
            r.get::<_, i64>(1)?.max(0) as u64,
            r.get::<_, i64>(2)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Since when the longest-waiting due task has been due: the earliest `next_attempt_at` of
/// a pending task, when it is not in the future. A task snoozed for a retry or a rate limit
/// is not waiting yet; a task retried by an operator waits from the retry, not from its
/// creation.
pub fn oldest_due(conn: &Conn, now: Millis) -> Result<Option<Millis>> {
    let first: Option<Millis> = conn
        .sql()
        .prepare_cached(
            "SELECT next_attempt_at FROM tasks INDEXED BY tasks_due
             WHERE status = 'pending' ORDER BY next_attempt_at LIMIT 1",
        )?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(first.filter(|at| *at <= now))
}

/// Unfinished tasks whose lease has run out: their daemon died and nobody has taken them back.
pub fn expired_leases(conn: &Conn, now: Millis) -> Result<u64> {
    let n: i64 = conn
        .sql()
        .prepare_cached(
            "SELECT count(*) FROM tasks INDEXED BY tasks_lease
             WHERE lease_expires_at IS NOT NULL AND lease_expires_at < ?1
               AND status IN ('submitted','processing')",
        )?
        .query_row([now], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// Tokens of content written in `[since, until)`, per model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub model: Option<String>,
    pub prompt: u64,
    pub completion: u64,
}

pub fn usage_between(conn: &Conn, since: Millis, until: Millis) -> Result<Vec<Usage>> {
    let mut stmt = conn.sql().prepare_cached(
        "SELECT model, coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0)
         FROM contents INDEXED BY contents_usage
         WHERE created_at >= ?1 AND created_at < ?2
         GROUP BY model ORDER BY model",
    )?;
    let rows = stmt.query_map(params![since, until], |r| {
        Ok(Usage {
            model: r.get(0)?,
            prompt: r.get::<_, i64>(1)?.max(0) as u64,
            completion: r.get::<_, i64>(2)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Counters whose name is `name`, with their label strings (`model=…,kind=…`).
pub fn counters_named(conn: &Conn, name: &str) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn
        .sql()
        .prepare_cached("SELECT labels, value FROM counters WHERE name = ?1 ORDER BY labels")?;
    let rows = stmt.query_map([name], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deliveries given up on.
pub fn failed_deliveries(conn: &Conn) -> Result<u64> {
    let n: i64 = conn
        .sql()
        .prepare_cached("SELECT count(*) FROM deliveries WHERE status = 'failed'")?
        .query_row([], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// Account names by id.
pub fn account_names(conn: &Conn) -> Result<std::collections::HashMap<i64, String>> {
    let mut stmt = conn.sql().prepare_cached("SELECT id, name FROM accounts")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A task being worked on, for `monitor watch`.
#[derive(Debug, Clone, PartialEq)]
pub struct Running {
    pub id: crate::domain::TaskId,
    pub account: String,
    pub topic: String,
    pub status: Status,
    pub generator: Option<String>,
    pub progress: Option<u8>,
    pub step: Option<String>,
    pub started_at: Option<Millis>,
}

/// Tasks submitted or processing, oldest start first (at most `limit`).
pub fn running(conn: &Conn, limit: u32) -> Result<Vec<Running>> {
    let mut stmt = conn.sql().prepare_cached(
        "SELECT t.id, a.name, t.topic, t.status, t.generator, t.progress, t.current_step, t.started_at
         FROM tasks t JOIN accounts a ON a.id = t.account_id
         WHERE t.status IN ('submitted','processing')
         ORDER BY t.started_at, t.seq LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        let status: String = r.get(3)?;
        Ok(Running {
            id: crate::domain::TaskId(r.get(0)?),
            account: r.get(1)?,
            topic: r.get(2)?,
            status: super::tasks::status_of(status)?,
            generator: r.get(4)?,
            progress: r.get::<_, Option<i64>>(5)?.map(|p| p.clamp(0, 100) as u8),
            step: r.get(6)?,
            started_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A task that finished recently, for `monitor watch`.
#[derive(Debug, Clone, PartialEq)]
pub struct Recent {
    pub id: crate::domain::TaskId,
    pub account: String,
    pub topic: String,
    pub status: Status,
    pub finished_at: Millis,
    pub started_at: Option<Millis>,
    pub error: Option<String>,
}

/// The `limit` tasks that finished last, newest first.
pub fn recent(conn: &Conn, limit: u32) -> Result<Vec<Recent>> {
    let mut stmt = conn.sql().prepare_cached(
        "SELECT t.id, a.name, t.topic, t.status, t.completed_at, t.started_at, t.error_message
         FROM tasks t INDEXED BY tasks_finished JOIN accounts a ON a.id = t.account_id
         WHERE t.completed_at IS NOT NULL
         ORDER BY t.completed_at DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        let status: String = r.get(3)?;
        Ok(Recent {
            id: crate::domain::TaskId(r.get(0)?),
            account: r.get(1)?,
            topic: r.get(2)?,
            status: super::tasks::status_of(status)?,
            finished_at: r.get(4)?,
            started_at: r.get(5)?,
            error: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An alert rule's remembered state.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub name: String,
    /// ok, pending (held down) or firing
    pub state: String,
    pub value: Option<f64>,
    pub since: Millis,
    pub notified_at: Option<Millis>,
    pub evaluated_at: Millis,
}

pub fn alert_rows(conn: &Conn) -> Result<Vec<AlertRow>> {
    let mut stmt = conn.sql().prepare_cached(
        "SELECT name, state, value, since, notified_at, evaluated_at FROM alerts ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(AlertRow {
            name: r.get(0)?,
            state: r.get(1)?,
            value: r.get(2)?,
            since: r.get(3)?,
            notified_at: r.get(4)?,
            evaluated_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn put_alert(conn: &Conn, a: &AlertRow) -> Result<()> {
    conn.sql().prepare_cached(
        "INSERT INTO alerts(name, state, value, since, notified_at, evaluated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(name) DO UPDATE SET state = excluded.state, value = excluded.value,
           since = excluded.since, notified_at = excluded.notified_at, evaluated_at = excluded.evaluated_at",
    )?
    .execute(params![a.name, a.state, a.value, a.since, a.notified_at, a.evaluated_at])?;
    Ok(())
}
