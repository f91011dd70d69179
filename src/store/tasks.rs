//! The `tasks` and `task_events` tables: submission, look-up, listing, the one guarded
//! transition function every status change goes through, and cleanup.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row};

pub use super::task_ids::{resolve, Seq};
use super::{contents, counters, json_list, outbox, parse_json_list, Conn};
use crate::domain::account::Account;
use crate::domain::time::{rfc3339, Millis, Timestamp};
use crate::domain::{CallbackDelivery, NewTask, Status, Task, TaskEvent, TaskId};
use crate::error::{Error, Result};

const SELECT: &str = "SELECT t.seq, t.id, (SELECT name FROM accounts WHERE id = t.account_id),
    t.account_id, t.topic, t.keywords, t.category, t.requirements, t.tone, t.priority,
    t.auto_approve, t.max_retries, t.retry_count, t.timeout_s, t.callback_url, t.generator,
    t.idempotency_key, t.plan_id, t.plan_run_id, t.status, t.remote_job_id, t.progress,
    t.current_step, t.lease_owner, t.lease_expires_at, t.next_attempt_at, t.deadline_at,
    t.error_kind, t.error_message, t.content_id,
    (SELECT count(*) FROM task_events e WHERE e.task_seq = t.seq),
    t.created_at, t.submitted_at, t.started_at, t.completed_at, t.updated_at,
    d.id, d.event, d.status, d.attempts, d.last_status_code, d.last_error, d.next_attempt_at,
    d.sent_at
    FROM tasks t
    LEFT JOIN deliveries d ON d.id = (SELECT max(id) FROM deliveries WHERE task_id = t.id)";

pub(super) fn status_of(v: String) -> rusqlite::Result<Status> {
    v.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Task> {
    Ok(Task {
        id: TaskId(r.get(1)?),
        account: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        account_id: r.get(3)?,
        topic: r.get(4)?,
        keywords: parse_json_list(r.get(5)?),
        category: r.get(6)?,
        requirements: r.get(7)?,
        tone: r.get(8)?,
        priority: r.get(9)?,
        auto_approve: r.get(10)?,
        max_retries: r.get(11)?,
        retry_count: r.get(12)?,
        timeout_seconds: r.get(13)?,
        callback_url: r.get(14)?,
        generator: r.get(15)?,
        idempotency_key: r.get(16)?,
        plan_id: r.get(17)?,
        plan_run_id: r.get(18)?,
        status: status_of(r.get(19)?)?,
        remote_job_id: r.get(20)?,
        progress: r.get(21)?,
        current_step: r.get(22)?,
        lease_owner: r.get(23)?,
        lease_expires_at: ts(r.get(24)?),
        next_attempt_at: Timestamp(r.get(25)?),
        deadline_at: Timestamp(r.get(26)?),
        error_kind: r.get(27)?,
        error_message: r.get(28)?,
        content_id: r.get(29)?,
        event_count: r.get(30)?,
        created_at: Timestamp(r.get(31)?),
        submitted_at: ts(r.get(32)?),
        started_at: ts(r.get(33)?),
        completed_at: ts(r.get(34)?),
        updated_at: Timestamp(r.get(35)?),
        callback_delivery: match r.get::<_, Option<i64>>(36)? {
            None => None,
            Some(id) => {
                let status: String = r.get(38)?;
                Some(CallbackDelivery {
                    id,
                    event: r.get(37)?,
                    next_attempt_at: ts(r.get(42)?).filter(|_| status == "pending"),
                    status,
                    attempts: r.get(39)?,
                    last_status_code: r.get(40)?,
                    last_error: r.get(41)?,
                    sent_at: ts(r.get(43)?),
                })
            }
        },
    })
}

/// The outcome of an insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    pub seq: Seq,
    pub id: TaskId,
    /// True when the idempotency key matched an existing task, which is returned instead.
    pub existing: bool,
}

/// Inserts a validated task for `account` with its first event. Must run inside a write
/// transaction. A repeated idempotency key returns the task that holds it; the unique index
/// on the key, not a look-up beforehand, decides.
pub fn insert(conn: &Conn, task: &NewTask, account: &Account, now: Millis) -> Result<Submitted> {
    let id = loop {
        let candidate = TaskId::random();
        let taken: bool = conn
            .sql()
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM tasks WHERE id = ?1)")?
            .query_row([candidate.0], |r| r.get(0))?;
        if !taken {
            break candidate;
        }
    };
    let keywords = (!task.keywords.is_empty()).then(|| json_list(&task.keywords));
    let timeout_s = task.timeout.as_secs() as i64;
    let inserted: Option<i64> = conn
        .sql()
        .prepare_cached(
            "INSERT INTO tasks(id, account_id, topic, keywords, category, requirements, tone, priority,
                               auto_approve, max_retries, timeout_s, deadline_at, callback_url, generator,
                               idempotency_key, status, next_attempt_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 'pending', ?16, ?16, ?16)
             ON CONFLICT(idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
             RETURNING seq",
        )?
        .query_row(
            params![
                id.0,
                account.id,
                task.topic,
                keywords,
                task.category.as_deref().or(account.category.as_deref()),
                task.requirements,
                task.tone.as_deref().or(account.tone.as_deref()),
                task.priority,
                task.auto_approve.unwrap_or(account.auto_approve),
                task.max_retries,
                timeout_s,
                now + timeout_s * 1000,
                task.callback_url,
                task.generator,
                task.idempotency_key,
                now,
            ],
            |r| r.get(0),
        )
        .optional()?;
    match inserted {
        Some(seq) => {
            record_event(
                conn,
                Seq(seq),
                now,
                None,
                Status::Pending,
                Some("submitted"),
            )?;
            Ok(Submitted {
                seq: Seq(seq),
                id,
                existing: false,
            })
        }
        None => {
            let key = task.idempotency_key.as_deref().unwrap_or_default();
            let (seq, id) = conn
                .sql()
                .prepare_cached("SELECT seq, id FROM tasks WHERE idempotency_key = ?1")?
                .query_row([key], |r| Ok((Seq(r.get(0)?), TaskId(r.get(1)?))))?;
            Ok(Submitted {
                seq,
                id,
                existing: true,
            })
        }
    }
}

pub fn record_event(
    conn: &Conn,
    seq: Seq,
    at: Millis,
    from: Option<Status>,
    to: Status,
    message: Option<&str>,
) -> Result<()> {
    conn.sql().prepare_cached(
        "INSERT INTO task_events(task_seq, at, from_status, to_status, message) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![seq.0, at, from.map(Status::as_str), to.as_str(), message])?;
    Ok(())
}

pub fn get(conn: &Conn, seq: Seq) -> Result<Task> {
    conn.sql()
        .prepare_cached(&format!("{SELECT} WHERE t.seq = ?1"))?
        .query_row([seq.0], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "task",
            id: format!("#{}", seq.0),
        })
}

pub fn current_status(conn: &Conn, seq: Seq) -> Result<Option<Status>> {
    conn.sql()
        .prepare_cached("SELECT status FROM tasks WHERE seq = ?1")?
        .query_row([seq.0], |r| status_of(r.get(0)?))
        .optional()
        .map_err(Into::into)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Newest first.
    #[default]
    Created,
    /// Most urgent first: priority desc, then oldest first.
    Priority,
    /// Most recently updated first.
    Updated,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub statuses: Vec<Status>,
    pub account_id: Option<i64>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    /// `None` lists everything.
    pub limit: Option<u32>,
    pub sort: Sort,
    pub reverse: bool,
}

/// The WHERE clause and its arguments for a filter.
fn filter_sql(f: &Filter) -> (String, Vec<Value>) {
    let mut args: Vec<Value> = Vec::new();
    let mut clauses: Vec<String> = Vec::new();
    if !f.statuses.is_empty() {
        let marks = vec!["?"; f.statuses.len()].join(",");
        clauses.push(format!("t.status IN ({marks})"));
        args.extend(f.statuses.iter().map(|s| Value::Text(s.as_str().into())));
    }
    if let Some(a) = f.account_id {
        clauses.push("t.account_id = ?".into());
        args.push(Value::Integer(a));
    }
    if let Some(s) = f.since {
        clauses.push("t.created_at >= ?".into());
        args.push(Value::Integer(s));
    }
    if let Some(u) = f.until {
        clauses.push("t.created_at < ?".into());
        args.push(Value::Integer(u));
    }
    if clauses.is_empty() {
        (String::new(), args)
    } else {
        (format!(" WHERE {}", clauses.join(" AND ")), args)
    }
}

pub fn list(conn: &Conn, f: &Filter) -> Result<Vec<Task>> {
    list_from(conn, f, 0)
}

/// Like [`list`], skipping the first `offset` matches.
pub fn list_from(conn: &Conn, f: &Filter, offset: u32) -> Result<Vec<Task>> {
    let (filter, args) = filter_sql(f);
    let mut sql = format!("{SELECT}{filter}");
    let (desc, asc) = if f.reverse {
        ("ASC", "DESC")
    } else {
        ("DESC", "ASC")
    };
    match f.sort {
        // With a time range, walk the created_at index instead of the whole table.
        Sort::Created if f.since.is_some() || f.until.is_some() => {
            sql.push_str(&format!(" ORDER BY t.created_at {desc}, t.seq {desc}"))
        }
        Sort::Created => sql.push_str(&format!(" ORDER BY t.seq {desc}")),
        Sort::Priority => sql.push_str(&format!(" ORDER BY t.priority {desc}, t.seq {asc}")),
        Sort::Updated => sql.push_str(&format!(" ORDER BY t.updated_at {desc}, t.seq {desc}")),
    }
    match (f.limit, offset) {
        (Some(limit), _) => sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}")),
        (None, 0) => {}
        (None, _) => sql.push_str(&format!(" LIMIT -1 OFFSET {offset}")),
    }
    let mut stmt = conn.sql().prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many tasks match the filter (ignoring its limit).
pub fn count(conn: &Conn, f: &Filter) -> Result<u64> {
    if f.statuses.is_empty() && f.account_id.is_none() && f.since.is_none() && f.until.is_none() {
        let n: i64 =
            conn.sql()
                .query_row("SELECT coalesce(sum(n), 0) FROM task_counts", [], |r| {
                    r.get(0)
                })?;
        return Ok(n.max(0) as u64);
    }
    let (filter, args) = filter_sql(f);
    let n: i64 = conn.sql().query_row(
        &format!("SELECT count(*) FROM tasks t{filter}"),
        params_from_iter(args),
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

pub fn events(conn: &Conn, seq: Seq) -> Result<Vec<TaskEvent>> {
    let mut stmt = conn.sql().prepare_cached(
        "SELECT t.id, e.at, e.from_status, e.to_status, e.message
         FROM task_events e JOIN tasks t ON t.seq = e.task_seq
         WHERE e.task_seq = ?1 ORDER BY e.id",
    )?;
    let rows = stmt.query_map([seq.0], |r| {
        Ok(TaskEvent {
            task_id: TaskId(r.get(0)?),
            occurred_at: Timestamp(r.get(1)?),
            from_status: r.get::<_, Option<String>>(2)?.map(status_of).transpose()?,
            to_status: status_of(r.get(3)?)?,
            message: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Fields a transition may set besides the status. `None` leaves a column alone;
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub retry_count: Option<u32>,
    pub next_attempt_at: Option<Millis>,
    pub deadline_at: Option<Millis>,
    pub lease_owner: Option<Option<String>>,
    pub lease_expires_at: Option<Option<Millis>>,
    pub remote_job_id: Option<Option<String>>,
    pub progress: Option<Option<u8>>,
    pub current_step: Option<Option<String>>,
    pub error_kind: Option<Option<String>>,
    pub error_message: Option<Option<String>>,
    pub content_id: Option<Option<i64>>,
    pub submitted_at: Option<Option<Millis>>,
    pub started_at: Option<Option<Millis>>,
    pub completed_at: Option<Option<Millis>>,
}

impl Changes {
    fn columns(&self) -> Vec<(&'static str, Value)> {
        fn int(v: Option<i64>) -> Value {
            v.map(Value::Integer).unwrap_or(Value::Null)
        }
        fn text(v: &Option<String>) -> Value {
            v.clone().map(Value::Text).unwrap_or(Value::Null)
        }
        let mut c = Vec::new();
        if let Some(v) = self.retry_count {
            c.push(("retry_count", Value::Integer(v.into())));
        }
        if let Some(v) = self.next_attempt_at {
            c.push(("next_attempt_at", Value::Integer(v)));
        }
        if let Some(v) = self.deadline_at {
            c.push(("deadline_at", Value::Integer(v)));
        }
        if let Some(v) = &self.lease_owner {
            c.push(("lease_owner", text(v)));
        }
        if let Some(v) = self.lease_expires_at {
            c.push(("lease_expires_at", int(v)));
        }
        if let Some(v) = &self.remote_job_id {
            c.push(("remote_job_id", text(v)));
        }
        if let Some(v) = self.progress {
            c.push(("progress", int(v.map(i64::from))));
        }
        if let Some(v) = &self.current_step {
            c.push(("current_step", text(v)));
        }
        if let Some(v) = &self.error_kind {
            c.push(("error_kind", text(v)));
        }
        if let Some(v) = &self.error_message {
            c.push(("error_message", text(v)));
        }
        if let Some(v) = self.content_id {
            c.push(("content_id", int(v)));
        }
        if let Some(v) = self.submitted_at {
            c.push(("submitted_at", int(v)));
        }
        if let Some(v) = self.started_at {
            c.push(("started_at", int(v)));
        }
        if let Some(v) = self.completed_at {
            c.push(("completed_at", int(v)));
        }
        c
    }
}

/// Moves a task from one of `from` to `to`, applies `changes` and appends a `task_events`
/// row, all in the caller's transaction. Returns the status it left, or `None` when the task
/// was no longer in any of `from` (a late or duplicate transition is a no-op, never a
/// resurrection).
pub fn transition(
    conn: &Conn,
    seq: Seq,
    from: &[Status],
    to: Status,
    changes: &Changes,
    message: Option<&str>,
    now: Millis,
) -> Result<Option<Status>> {
    let Some(current) = current_status(conn, seq)? else {
        return Ok(None);
    };
    if !from.contains(&current) {
        return Ok(None);
    }
    if !current.can_become(to) {
        return Err(Error::Refused(format!(
            "a task cannot go from {current} to {to}"
        )));
    }
    let cols = changes.columns();
    let mut sql = String::from("UPDATE tasks SET status = ?1, updated_at = ?2");
    for (i, (name, _)) in cols.iter().enumerate() {
        sql.push_str(&format!(", {name} = ?{}", i + 5));
    }
    sql.push_str(" WHERE seq = ?3 AND status = ?4");
    let mut args: Vec<Value> = vec![
        Value::Text(to.as_str().into()),
        Value::Integer(now),
        Value::Integer(seq.0),
        Value::Text(current.as_str().into()),
    ];
    args.extend(cols.into_iter().map(|(_, v)| v));
    let n = conn
        .sql()
        .prepare_cached(&sql)?
        .execute(params_from_iter(args))?;
    if n == 0 {
        return Ok(None);
    }
    record_event(conn, seq, now, Some(current), to, message)?;
    // The task's callback, if any, is queued in the same transaction as the change.
    enqueue_event(conn, seq, to, now)?;
    Ok(Some(current))
}

/// Queues `task.completed` / `task.failed` for a task that just reached `status`, when it
/// has a callback URL. Called by the transition itself, inside its transaction.
fn enqueue_event(conn: &Conn, seq: Seq, status: Status, now: Millis) -> Result<()> {
    let event = match status {
        Status::Completed => outbox::TASK_COMPLETED,
        Status::Failed | Status::Timeout => outbox::TASK_FAILED,
        _ => return Ok(()),
    };
    let url: Option<String> = conn
        .sql()
        .prepare_cached("SELECT callback_url FROM tasks WHERE seq = ?1")?
        .query_row([seq.0], |r| r.get(0))
        .optional()?
        .flatten();
    let Some(url) = url else {
        return Ok(());
    };
    let task = get(conn, seq)?;
    let content = match task.content_id {
        Some(id) => contents::get(conn, id).ok().map(|c| {
            serde_json::json!({
                "id": c.id,
                "title": c.title,
                "summary": c.summary,
                "word_count": c.word_count,
                "review_status": c.review_status,
                "cover_image": c.cover_image,
            })
        }),
        None => None,
    };
    // The task as `task show` has it, less its own callback's delivery status (this event
    // is that callback).
    let mut task_json =
        serde_json::to_value(&task).map_err(|e| Error::Store(format!("task event body: {e}")))?;
    if let Some(obj) = task_json.as_object_mut() {
        obj.remove("callback_delivery");
    }
    let body = serde_json::json!({
        "event": event,
        "occurred_at": rfc3339(now),
        "task": task_json,
        "content": content,
    });
    outbox::enqueue(conn, event, Some(task.id), &url, &body.to_string(), now)?;
    Ok(())
}

/// What happened to one task of a `task cancel` or `task retry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done { from: Status },
    Refused(String),
}

/// Cancels a pending, submitted or processing task.
pub fn cancel(conn: &Conn, seq: Seq, id: TaskId, now: Millis) -> Result<Outcome> {
    let changes = Changes {
        lease_owner: Some(None),
        lease_expires_at: Some(None),
        completed_at: Some(Some(now)),
        ..Changes::default()
    };
    match transition(
        conn,
        seq,
        &Status::ACTIVE,
        Status::Cancelled,
        &changes,
        Some("cancelled by operator"),
        now,
    )? {
        Some(from) => {
            counters::add(conn, counters::TASKS_CANCELLED, "", 1)?;
            // A submit under way is dropped with the task: its job, if any, is abandoned by
            // the operator, which the history already says; a later `task retry` takes a new
            // key without calling it interrupted.
            conn.sql()
                .prepare_cached(
                    "UPDATE tasks SET remote_submit_key = NULL WHERE seq = ?1 AND remote_submit_key IS NOT NULL",
                )?
                .execute([seq.0])?;
            Ok(Outcome::Done { from })
        }
        None => {
            let st = current_status(conn, seq)?
                .map(|s| s.to_string())
                .unwrap_or_else(|| "gone".into());
            Ok(Outcome::Refused(format!(
                "{id} is already {st}; only pending, submitted or processing tasks can be cancelled"
            )))
        }
    }
}

/// Puts a failed, timed-out or cancelled task back to pending. A manual retry counts against
/// `max_retries` and is refused past it unless `force`; it restarts the task's deadline.
pub fn retry(conn: &Conn, seq: Seq, force: bool, now: Millis) -> Result<Outcome> {
    let task = get(conn, seq)?;
    if !Status::RETRYABLE.contains(&task.status) {
        return Ok(Outcome::Refused(format!(
            "{} is {}; only failed, timeout or cancelled tasks can be retried",
            task.id, task.status
        )));
    }
    if task.retry_count >= task.max_retries && !force {
        return Ok(Outcome::Refused(format!(
            "{} has used {} of {} retries; use --force to retry it anyway",
            task.id, task.retry_count, task.max_retries
        )));
    }
    let changes = Changes {
        retry_count: Some(task.retry_count + 1),
        next_attempt_at: Some(now),
        deadline_at: Some(now + task.timeout_seconds as i64 * 1000),
        lease_owner: Some(None),
        lease_expires_at: Some(None),
        remote_job_id: Some(None),
        progress: Some(None),
        current_step: Some(None),
        completed_at: Some(None),
        ..Changes::default()
    };
    let message = if force && task.retry_count >= task.max_retries {
        "retried by operator (forced past max_retries)"
    } else {
        "retried by operator"
    };
    match transition(
        conn,
        seq,
        &Status::RETRYABLE,
        Status::Pending,
        &changes,
        Some(message),
        now,
    )? {
        Some(from) => {
            counters::add(conn, counters::TASKS_RETRIED, "", 1)?;
            Ok(Outcome::Done { from })
        }
        None => Ok(Outcome::Refused(format!(
            "{} changed while retrying it",
            task.id
        ))),
    }
}

/// Tasks in `statuses`, oldest first, up to `limit`: used by `task retry --all-failed`.
pub fn ids_with_status(conn: &Conn, statuses: &[Status]) -> Result<Vec<(Seq, TaskId)>> {
    let marks = vec!["?"; statuses.len()].join(",");
    let mut stmt = conn.sql().prepare(&format!(
        "SELECT seq, id FROM tasks WHERE status IN ({marks}) ORDER BY seq"
    ))?;
    let rows = stmt.query_map(params_from_iter(statuses.iter().map(|s| s.as_str())), |r| {
        Ok((Seq(r.get(0)?), TaskId(r.get(1)?)))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Tasks per status, for all tasks (from the trigger-kept totals) or one account.
pub fn status_counts(conn: &Conn, account_id: Option<i64>) -> Result<Vec<(Status, u64)>> {
    let mut out: Vec<(Status, u64)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    let mut put = |s: String, n: i64| -> rusqlite::Result<()> {
        let st = status_of(s)?;
        if let Some(slot) = out.iter_mut().find(|(x, _)| *x == st) {
            slot.1 = n.max(0) as u64;
        }
        Ok(())
    };
    match account_id {
        None => {
            let mut stmt = conn
                .sql()
                .prepare_cached("SELECT status, n FROM task_counts")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                put(r.get(0)?, r.get(1)?)?;
            }
        }
        Some(a) => {
            let mut stmt = conn.sql().prepare_cached(
                "SELECT status, count(*) FROM tasks WHERE account_id = ?1 GROUP BY status",
            )?;
            let mut rows = stmt.query([a])?;
            while let Some(r) = rows.next()? {
                put(r.get(0)?, r.get(1)?)?;
            }
        }
    }
    Ok(out)
}

/// Deletes terminal tasks last updated before `cutoff` (their events go with them; contents
/// stay). With `dry_run`, only counts them.
pub fn cleanup(conn: &Conn, cutoff: Millis, dry_run: bool) -> Result<u64> {
    let terminal = Status::TERMINAL.map(|s| format!("'{s}'")).join(",");
    let filter = format!("status IN ({terminal}) AND updated_at < ?1");
    let n = if dry_run {
        conn.sql().query_row(
            &format!("SELECT count(*) FROM tasks WHERE {filter}"),
            [cutoff],
            |r| r.get::<_, i64>(0),
        )? as u64
    } else {
        let n = conn
            .sql()
            .execute(&format!("DELETE FROM tasks WHERE {filter}"), [cutoff])?
            as u64;
        counters::add(conn, counters::TASKS_CLEANED, "", n as i64)?;
        n
    };
    Ok(n)
}
