//! Monitoring queries: what finished in a window, the state of the queue, token usage, and
//! the alert rules' remembered state. Windowed queries walk the `tasks_finished` and
//! `contents_usage` indexes and never read a task or content row (on PostgreSQL, as
//! index-only scans once the table is vacuumed; it has no `INDEXED BY`, and its planner
//! picks those indexes for these ranges by itself).
//!
//! Lists are ordered as on SQLite: text by bytes (`COLLATE "C"`, whatever the database's
//! collation) and NULLs first.

use super::sql::{args, Row, Sql};
use super::Conn;
use crate::domain::time::Millis;
use crate::domain::Status;
use crate::error::Result;

/// The advisory lock that serializes alert passes on PostgreSQL ("ch_alert" in ASCII).
const ALERT_LOCK: i64 = 0x6368_5f61_6c65_7274;

fn status(r: &Row<'_>, i: usize) -> Result<Status> {
    super::tasks::status(r.get(i)?)
}

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
    conn.rows(
        Sql::each(
            "SELECT completed_at, status, account_id, generator, created_at, started_at, retry_count
         FROM tasks INDEXED BY tasks_finished
         WHERE completed_at IS NOT NULL AND completed_at >= ?1 AND completed_at < ?2
         ORDER BY completed_at",
            "SELECT completed_at, status, account_id, generator, created_at, started_at, retry_count
         FROM tasks
         WHERE completed_at IS NOT NULL AND completed_at >= $1 AND completed_at < $2
         ORDER BY completed_at",
        ),
        args![since, until],
        |r| {
            Ok(FinishedTask {
                finished_at: r.get(0)?,
                status: status(r, 1)?,
                account_id: r.get(2)?,
                generator: r.get(3)?,
                created_at: r.get(4)?,
                started_at: r.get(5)?,
                retries: r.get(6)?,
            })
        },
    )
}

/// Counts of tasks finished in `[since, until)` per final status.
pub fn finished_counts(conn: &Conn, since: Millis, until: Millis) -> Result<Vec<(Status, u64)>> {
    conn.rows(
        Sql::each(
            "SELECT status, count(*) FROM tasks INDEXED BY tasks_finished
         WHERE completed_at IS NOT NULL AND completed_at >= ?1 AND completed_at < ?2
         GROUP BY status",
            "SELECT status, count(*) FROM tasks
         WHERE completed_at IS NOT NULL AND completed_at >= $1 AND completed_at < $2
         GROUP BY status",
        ),
        args![since, until],
        |r| Ok((status(r, 0)?, r.get::<i64>(1)?.max(0) as u64)),
    )
}

/// Per final status of the tasks that finished in `[since, until)`: how many, and the sum
/// of first start to finish (ms) over those that started.
pub fn finished_summary(
    conn: &Conn,
    since: Millis,
    until: Millis,
) -> Result<Vec<(Status, u64, i64)>> {
    conn.rows(
        Sql::each(
            "SELECT status, count(*), coalesce(sum(completed_at - started_at), 0)
         FROM tasks INDEXED BY tasks_finished
         WHERE completed_at IS NOT NULL AND completed_at >= ?1 AND completed_at < ?2
         GROUP BY status",
            "SELECT status, count(*), coalesce(sum(completed_at - started_at), 0)::bigint
         FROM tasks
         WHERE completed_at IS NOT NULL AND completed_at >= $1 AND completed_at < $2
         GROUP BY status",
        ),
        args![since, until],
        |r| {
            Ok((
                status(r, 0)?,
                r.get::<i64>(1)?.max(0) as u64,
                r.get::<i64>(2)?,
            ))
        },
    )
}

/// Since when the longest-waiting due task has been due: the earliest `next_attempt_at` of
/// a pending task, when it is not in the future. A task snoozed for a retry or a rate limit
/// is not waiting yet; a task retried by an operator waits from the retry, not from its
/// creation.
pub fn oldest_due(conn: &Conn, now: Millis) -> Result<Option<Millis>> {
    let first: Option<Millis> = conn.row(
        Sql::each(
            "SELECT next_attempt_at FROM tasks INDEXED BY tasks_due
             WHERE status = 'pending' ORDER BY next_attempt_at LIMIT 1",
            "SELECT next_attempt_at FROM tasks
             WHERE status = 'pending' ORDER BY next_attempt_at LIMIT 1",
        ),
        args![],
        |r| r.get(0),
    )?;
    Ok(first.filter(|at| *at <= now))
}

/// Unfinished tasks whose lease has run out: their daemon died and nobody has taken them back.
pub fn expired_leases(conn: &Conn, now: Millis) -> Result<u64> {
    let n: i64 = conn.one(
        Sql::each(
            "SELECT count(*) FROM tasks INDEXED BY tasks_lease
             WHERE lease_expires_at IS NOT NULL AND lease_expires_at < ?1
               AND status IN ('submitted','processing')",
            "SELECT count(*) FROM tasks
             WHERE lease_expires_at IS NOT NULL AND lease_expires_at < $1
               AND status IN ('submitted','processing')",
        ),
        args![now],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// The state of the queue as the health checks and the alert rules read it, besides the
/// plans and the daemons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueFigures {
    /// [`finished_counts`] of the window.
    pub finished: Vec<(Status, u64)>,
    /// [`super::tasks::status_counts`] of all tasks: every status, in [`Status::ALL`] order.
    pub counts: Vec<(Status, u64)>,
    /// [`oldest_due`].
    pub oldest_due: Option<Millis>,
    /// [`expired_leases`].
    pub expired_leases: u64,
    /// [`failed_deliveries`].
    pub failed_deliveries: u64,
}

/// [`QueueFigures`] for the window `[since, until)` at `now`. On PostgreSQL the five reads go
/// out as one statement: a command on a new connection pays a round trip, and the server a
/// parse and a plan, per statement.
pub fn queue_figures(
    conn: &Conn,
    since: Millis,
    until: Millis,
    now: Millis,
) -> Result<QueueFigures> {
    if !conn.is_pg() {
        return Ok(QueueFigures {
            finished: finished_counts(conn, since, until)?,
            counts: super::tasks::status_counts(conn, None)?,
            oldest_due: oldest_due(conn, now)?,
            expired_leases: expired_leases(conn, now)?,
            failed_deliveries: failed_deliveries(conn)?,
        });
    }
    let rows: Vec<(String, Option<String>, Option<i64>)> = conn.rows(
        Sql::pg(
            "SELECT 'finished', status, count(*) FROM tasks
             WHERE completed_at IS NOT NULL AND completed_at >= $1 AND completed_at < $2
             GROUP BY status
             UNION ALL
             SELECT 'count', status, sum(n)::bigint FROM task_counts GROUP BY status
             UNION ALL
             SELECT 'oldest_due', NULL, (SELECT next_attempt_at FROM tasks
                                         WHERE status = 'pending'
                                         ORDER BY next_attempt_at LIMIT 1)
             UNION ALL
             SELECT 'expired_leases', NULL, (SELECT count(*) FROM tasks
                                             WHERE lease_expires_at IS NOT NULL
                                               AND lease_expires_at < $3
                                               AND status IN ('submitted','processing'))
             UNION ALL
             SELECT 'failed_deliveries', NULL, (SELECT count(*) FROM deliveries
                                                WHERE status = 'failed')",
        ),
        args![since, until, now],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let mut figures = QueueFigures {
        finished: Vec::new(),
        counts: Vec::new(),
        oldest_due: None,
        expired_leases: 0,
        failed_deliveries: 0,
    };
    let mut counts = Vec::new();
    for (kind, status, n) in rows {
        let count = n.unwrap_or(0).max(0) as u64;
        match (kind.as_str(), status) {
            ("finished", Some(s)) => figures.finished.push((super::tasks::status(s)?, count)),
            ("count", Some(s)) => counts.push((super::tasks::status(s)?, n.unwrap_or(0))),
            ("oldest_due", None) => figures.oldest_due = n.filter(|at| *at <= now),
            ("expired_leases", None) => figures.expired_leases = count,
            ("failed_deliveries", None) => figures.failed_deliveries = count,
            (other, s) => {
                return Err(crate::error::Error::Store(format!(
                    "unexpected row in the queue figures: {other} {s:?}"
                )))
            }
        }
    }
    figures.counts = super::tasks::every_status(counts);
    Ok(figures)
}

/// Tokens of content written in `[since, until)`, per model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub model: Option<String>,
    pub prompt: u64,
    pub completion: u64,
}

pub fn usage_between(conn: &Conn, since: Millis, until: Millis) -> Result<Vec<Usage>> {
    conn.rows(
        Sql::each(
            "SELECT model, coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0)
         FROM contents INDEXED BY contents_usage
         WHERE created_at >= ?1 AND created_at < ?2
         GROUP BY model ORDER BY model",
            "SELECT model, coalesce(sum(prompt_tokens), 0)::bigint,
                coalesce(sum(completion_tokens), 0)::bigint
         FROM contents
         WHERE created_at >= $1 AND created_at < $2
         GROUP BY model ORDER BY model COLLATE \"C\" NULLS FIRST",
        ),
        args![since, until],
        |r| {
            Ok(Usage {
                model: r.get(0)?,
                prompt: r.get::<i64>(1)?.max(0) as u64,
                completion: r.get::<i64>(2)?.max(0) as u64,
            })
        },
    )
}

/// Counters whose name is `name`, with their label strings (`model=…,kind=…`).
pub fn counters_named(conn: &Conn, name: &str) -> Result<Vec<(String, i64)>> {
    super::counters::flush(conn)?;
    conn.rows(
        Sql::each(
            "SELECT labels, value FROM counters WHERE name = ?1 ORDER BY labels",
            "SELECT labels, value FROM counters WHERE name = $1 ORDER BY labels COLLATE \"C\"",
        ),
        args![name],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Deliveries given up on.
pub fn failed_deliveries(conn: &Conn) -> Result<u64> {
    let n: i64 = conn.one(
        Sql::same("SELECT count(*) FROM deliveries WHERE status = 'failed'"),
        args![],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// Account names by id.
pub fn account_names(conn: &Conn) -> Result<std::collections::HashMap<i64, String>> {
    Ok(conn
        .rows(Sql::same("SELECT id, name FROM accounts"), args![], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .into_iter()
        .collect())
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
    /// The generator service's job id, once it has one.
    pub remote_job: Option<String>,
}

/// Tasks submitted or processing, oldest start first (at most `limit`).
pub fn running(conn: &Conn, limit: u32) -> Result<Vec<Running>> {
    conn.rows(
        Sql::each(
            "SELECT t.id, a.name, t.topic, t.status, t.generator, t.progress, t.current_step, t.started_at,
                t.remote_job_id
         FROM tasks t JOIN accounts a ON a.id = t.account_id
         WHERE t.status IN ('submitted','processing')
         ORDER BY t.started_at, t.seq LIMIT ?1",
            "SELECT t.id, a.name, t.topic, t.status, t.generator, t.progress, t.current_step, t.started_at,
                t.remote_job_id
         FROM tasks t JOIN accounts a ON a.id = t.account_id
         WHERE t.status IN ('submitted','processing')
         ORDER BY t.started_at NULLS FIRST, t.seq LIMIT $1",
        ),
        args![limit],
        |r| {
            Ok(Running {
                id: crate::domain::TaskId(r.get(0)?),
                account: r.get(1)?,
                topic: r.get(2)?,
                status: status(r, 3)?,
                generator: r.get(4)?,
                progress: r.get::<Option<i64>>(5)?.map(|p| p.clamp(0, 100) as u8),
                step: r.get(6)?,
                started_at: r.get(7)?,
                remote_job: r.get(8)?,
            })
        },
    )
}

/// Tasks that failed or timed out in a window with the same error kind and message.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureGroup {
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub count: u64,
    /// The latest of them: its id and when it finished.
    pub latest_id: crate::domain::TaskId,
    pub latest_at: Millis,
}

/// The tasks that failed or timed out in `[since, until)`, grouped by error kind and
/// message, the largest groups first (at most `limit` groups). Walks the `tasks_finished`
/// index over the range and reads only the rows whose status (in the index) is a failure.
pub fn failure_groups(
    conn: &Conn,
    since: Millis,
    until: Millis,
    limit: u32,
) -> Result<Vec<FailureGroup>> {
    conn.rows(
        Sql::each(
            // SQLite takes the bare `id` from the row that holds the max(completed_at).
            "SELECT error_kind, error_message, count(*), max(completed_at), id
         FROM tasks INDEXED BY tasks_finished
         WHERE completed_at IS NOT NULL AND completed_at >= ?1 AND completed_at < ?2
           AND status IN ('failed','timeout')
         GROUP BY error_kind, error_message
         ORDER BY count(*) DESC, max(completed_at) DESC LIMIT ?3",
            "SELECT error_kind, error_message, count(*), max(completed_at),
                (array_agg(id ORDER BY completed_at DESC, seq DESC))[1]
         FROM tasks
         WHERE completed_at IS NOT NULL AND completed_at >= $1 AND completed_at < $2
           AND status IN ('failed','timeout')
         GROUP BY error_kind, error_message
         ORDER BY count(*) DESC, max(completed_at) DESC LIMIT $3",
        ),
        args![since, until, limit],
        |r| {
            Ok(FailureGroup {
                error_kind: r.get(0)?,
                error_message: r.get(1)?,
                count: r.get::<i64>(2)?.max(0) as u64,
                latest_at: r.get(3)?,
                latest_id: crate::domain::TaskId(r.get(4)?),
            })
        },
    )
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
    conn.rows(
        Sql::each(
            "SELECT t.id, a.name, t.topic, t.status, t.completed_at, t.started_at, t.error_message
         FROM tasks t INDEXED BY tasks_finished JOIN accounts a ON a.id = t.account_id
         WHERE t.completed_at IS NOT NULL
         ORDER BY t.completed_at DESC LIMIT ?1",
            "SELECT t.id, a.name, t.topic, t.status, t.completed_at, t.started_at, t.error_message
         FROM tasks t JOIN accounts a ON a.id = t.account_id
         WHERE t.completed_at IS NOT NULL
         ORDER BY t.completed_at DESC LIMIT $1",
        ),
        args![limit],
        |r| {
            Ok(Recent {
                id: crate::domain::TaskId(r.get(0)?),
                account: r.get(1)?,
                topic: r.get(2)?,
                status: status(r, 3)?,
                finished_at: r.get(4)?,
                started_at: r.get(5)?,
                error: r.get(6)?,
            })
        },
    )
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

/// Starts an alert pass that records: the first statement of its write transaction.
///
/// A pass reads the rules' remembered state, decides from it which notifications to queue,
/// and writes it back. On SQLite the write transaction holds the only write lock, so passes
/// run one after another. On PostgreSQL (READ COMMITTED) two daemons' passes could both read
/// a rule as not yet firing and both notify; so the pass takes a transaction-scoped advisory
/// lock first. A second daemon's pass waits here until the first commits, then observes and
/// reads what the first wrote (a new snapshot per statement) and does not notify again. A
/// pass that only looks (`monitor alerts` without recording) does not call this and never
/// waits for a daemon.
pub fn begin_alert_pass(conn: &Conn) -> Result<()> {
    if conn.is_pg() {
        conn.exec(
            Sql::pg("SELECT pg_advisory_xact_lock($1)"),
            args![ALERT_LOCK],
        )?;
    }
    Ok(())
}

/// The alert rules' remembered state, by name.
pub fn alert_rows(conn: &Conn) -> Result<Vec<AlertRow>> {
    conn.rows(
        Sql::each(
            "SELECT name, state, value, since, notified_at, evaluated_at FROM alerts ORDER BY name",
            "SELECT name, state, value, since, notified_at, evaluated_at FROM alerts
             ORDER BY name COLLATE \"C\"",
        ),
        args![],
        |r| {
            Ok(AlertRow {
                name: r.get(0)?,
                state: r.get(1)?,
                value: r.get(2)?,
                since: r.get(3)?,
                notified_at: r.get(4)?,
                evaluated_at: r.get(5)?,
            })
        },
    )
}

pub fn put_alert(conn: &Conn, a: &AlertRow) -> Result<()> {
    conn.exec(
        Sql::same(
            "INSERT INTO alerts(name, state, value, since, notified_at, evaluated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(name) DO UPDATE SET state = excluded.state, value = excluded.value,
           since = excluded.since, notified_at = excluded.notified_at, evaluated_at = excluded.evaluated_at",
        ),
        args![a.name, a.state, a.value, a.since, a.notified_at, a.evaluated_at],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::domain::TaskId;
    use crate::store::testing::{account, sqlite, PgDb};
    use crate::store::{counters, outbox, Store};

    /// A task row as the queue leaves it, written directly (the task module has its own
    /// tests).
    #[derive(Default)]
    struct T {
        id: i64,
        account: i64,
        status: &'static str,
        generator: Option<&'static str>,
        created: i64,
        started: Option<i64>,
        completed: Option<i64>,
        retries: i64,
        due: i64,
        lease: Option<i64>,
        progress: Option<i64>,
        step: Option<&'static str>,
        error: Option<&'static str>,
    }

    fn task(c: &Conn, t: T) -> Result<()> {
        c.exec(
            Sql::same(
                "INSERT INTO tasks(id, account_id, topic, priority, auto_approve, max_retries, retry_count,
                                   timeout_s, deadline_at, generator, status, progress, current_step,
                                   lease_expires_at, next_attempt_at, error_message, created_at,
                                   started_at, completed_at, updated_at)
                 VALUES (?1, ?2, ?3, 5, 1, 3, ?4, 60, 0, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?12)",
            ),
            args![
                t.id,
                t.account,
                format!("topic {}", t.id),
                t.retries,
                t.generator,
                t.status,
                t.progress,
                t.step,
                t.lease,
                t.due,
                t.error,
                t.created,
                t.started,
                t.completed
            ],
        )?;
        Ok(())
    }

    fn content(
        c: &Conn,
        account: i64,
        model: Option<&str>,
        tokens: (i64, i64),
        at: i64,
    ) -> Result<()> {
        c.exec(
            Sql::same(
                "INSERT INTO contents(account_id, title, body, word_count, generator, model,
                                      prompt_tokens, completion_tokens, review_status, created_at, updated_at)
                 VALUES (?1, 't', 'b', 1, 'template', ?2, ?3, ?4, 'approved', ?5, ?5)",
            ),
            args![account, model, tokens.0, tokens.1, at],
        )?;
        Ok(())
    }

    fn alert(
        name: &str,
        state: &str,
        value: Option<f64>,
        since: i64,
        notified: Option<i64>,
    ) -> AlertRow {
        AlertRow {
            name: name.into(),
            state: state.into(),
            value,
            since,
            notified_at: notified,
            evaluated_at: since + 1,
        }
    }

    /// Every read of the module on the same rows, with the same outcomes on both engines.
    fn monitor_reads(store: &mut Store) {
        let (a, b) = store
            .write(|c| Ok((account(c, "alpha")?, account(c, "beta")?)))
            .unwrap();
        store
            .write(|c| {
                let done = |id, account, status, started, completed, retries| T {
                    id,
                    account,
                    status,
                    created: 100,
                    started,
                    completed: Some(completed),
                    retries,
                    ..T::default()
                };
                task(c, done(1, a, "completed", Some(1_000), 2_000, 0))?;
                task(
                    c,
                    T {
                        generator: Some("gpt"),
                        ..done(2, b, "completed", Some(1_500), 3_000, 1)
                    },
                )?;
                task(
                    c,
                    T {
                        error: Some("boom"),
                        ..done(3, a, "failed", Some(2_000), 2_500, 3)
                    },
                )?;
                task(c, done(4, b, "cancelled", None, 2_700, 0))?;
                // Outside the window [1_000, 4_000).
                task(c, done(5, a, "completed", Some(10), 500, 0))?;
                task(c, done(6, a, "completed", Some(4_000), 4_000, 0))?;
                // Waiting, snoozed, and worked on (one with a lapsed lease).
                task(
                    c,
                    T {
                        id: 7,
                        account: a,
                        status: "pending",
                        due: 800,
                        ..T::default()
                    },
                )?;
                task(
                    c,
                    T {
                        id: 8,
                        account: a,
                        status: "pending",
                        due: 9_000,
                        ..T::default()
                    },
                )?;
                task(
                    c,
                    T {
                        id: 9,
                        account: b,
                        status: "processing",
                        started: Some(3_500),
                        lease: Some(4_500),
                        progress: Some(140),
                        step: Some("writing"),
                        generator: Some("gpt"),
                        ..T::default()
                    },
                )?;
                task(
                    c,
                    T {
                        id: 10,
                        account: a,
                        status: "submitted",
                        lease: Some(6_000),
                        ..T::default()
                    },
                )?;
                // A finished task whose lease was left behind does not count as lapsed.
                task(
                    c,
                    T {
                        lease: Some(10),
                        ..done(11, a, "completed", Some(600), 700, 0)
                    },
                )?;
                content(c, a, Some("b-model"), (10, 20), 1_000)?;
                content(c, a, Some("b-model"), (5, 5), 1_500)?;
                content(c, b, Some("A-model"), (1, 2), 2_000)?;
                content(c, b, None, (7, 0), 3_999)?;
                content(c, b, Some("late"), (100, 100), 4_000)?;
                counters::add(c, "tokens_total", "model=b", 3)?;
                counters::add(c, "tokens_total", "model=A", 4)?;
                counters::add(c, "other", "", 1)?;
                let d = outbox::enqueue(c, "e", None, "http://x/", "{}", 0)?;
                outbox::enqueue(c, "e", None, "http://x/", "{}", 0)?;
                outbox::mark_attempt_failed(c, d, None, "gone", None, 1)
            })
            .unwrap();

        let finished = store.read(|c| finished_between(c, 1_000, 4_000)).unwrap();
        assert_eq!(
            finished,
            vec![
                FinishedTask {
                    finished_at: 2_000,
                    status: Status::Completed,
                    account_id: a,
                    generator: None,
                    created_at: 100,
                    started_at: Some(1_000),
                    retries: 0,
                },
                FinishedTask {
                    finished_at: 2_500,
                    status: Status::Failed,
                    account_id: a,
                    generator: None,
                    created_at: 100,
                    started_at: Some(2_000),
                    retries: 3,
                },
                FinishedTask {
                    finished_at: 2_700,
                    status: Status::Cancelled,
                    account_id: b,
                    generator: None,
                    created_at: 100,
                    started_at: None,
                    retries: 0,
                },
                FinishedTask {
                    finished_at: 3_000,
                    status: Status::Completed,
                    account_id: b,
                    generator: Some("gpt".into()),
                    created_at: 100,
                    started_at: Some(1_500),
                    retries: 1,
                },
            ]
        );
        let mut counts = store.read(|c| finished_counts(c, 1_000, 4_000)).unwrap();
        counts.sort_by_key(|(s, _)| s.to_string());
        assert_eq!(
            counts,
            vec![
                (Status::Cancelled, 1),
                (Status::Completed, 2),
                (Status::Failed, 1)
            ]
        );
        let mut summary = store.read(|c| finished_summary(c, 1_000, 4_000)).unwrap();
        summary.sort_by_key(|(s, _, _)| s.to_string());
        assert_eq!(
            summary,
            vec![
                (Status::Cancelled, 1, 0),
                (Status::Completed, 2, 1_000 + 1_500),
                (Status::Failed, 1, 500)
            ]
        );
        assert_eq!(store.read(|c| finished_counts(c, 0, 1)).unwrap(), vec![]);

        assert_eq!(store.read(|c| oldest_due(c, 5_000)).unwrap(), Some(800));
        assert_eq!(store.read(|c| oldest_due(c, 700)).unwrap(), None);
        assert_eq!(store.read(|c| expired_leases(c, 5_000)).unwrap(), 1);
        assert_eq!(store.read(|c| expired_leases(c, 7_000)).unwrap(), 2);
        assert_eq!(store.read(|c| expired_leases(c, 100)).unwrap(), 0);

        // Usage per model: bytewise, no model first.
        let usage = |m: Option<&str>, p, c| Usage {
            model: m.map(str::to_string),
            prompt: p,
            completion: c,
        };
        assert_eq!(
            store.read(|c| usage_between(c, 1_000, 4_000)).unwrap(),
            vec![
                usage(None, 7, 0),
                usage(Some("A-model"), 1, 2),
                usage(Some("b-model"), 15, 25),
            ]
        );
        assert_eq!(
            store.read(|c| counters_named(c, "tokens_total")).unwrap(),
            vec![("model=A".to_string(), 4), ("model=b".to_string(), 3)]
        );
        assert_eq!(store.read(failed_deliveries).unwrap(), 1);
        // The same figures read at once, as the health checks read them.
        for (since, until, now) in [(1_000, 4_000, 5_000), (1_000, 4_000, 700), (0, 1, 7_000)] {
            let mut figures = store.read(|c| queue_figures(c, since, until, now)).unwrap();
            figures.finished.sort_by_key(|(s, _)| s.to_string());
            let mut finished = store.read(|c| finished_counts(c, since, until)).unwrap();
            finished.sort_by_key(|(s, _)| s.to_string());
            let counts = store
                .read(|c| crate::store::tasks::status_counts(c, None))
                .unwrap();
            assert_eq!(
                figures,
                QueueFigures {
                    finished,
                    counts,
                    oldest_due: store.read(|c| oldest_due(c, now)).unwrap(),
                    expired_leases: store.read(|c| expired_leases(c, now)).unwrap(),
                    failed_deliveries: 1,
                },
                "window [{since}, {until}) at {now}"
            );
        }
        let figures = store
            .read(|c| queue_figures(c, 1_000, 4_000, 5_000))
            .unwrap();
        assert_eq!(figures.finished.len(), 3);
        assert_eq!(figures.oldest_due, Some(800));
        assert_eq!(figures.expired_leases, 1);
        let count = |s: Status| figures.counts.iter().find(|(x, _)| *x == s).unwrap().1;
        assert_eq!((count(Status::Pending), count(Status::Completed)), (2, 5));
        let names = store.read(account_names).unwrap();
        assert_eq!(names.len(), 2);
        assert_eq!((names[&a].as_str(), names[&b].as_str()), ("alpha", "beta"));

        // Worked on: not started first, then by start.
        let running = store.read(|c| running(c, 10)).unwrap();
        assert_eq!(
            running,
            vec![
                Running {
                    id: TaskId(10),
                    account: "alpha".into(),
                    topic: "topic 10".into(),
                    status: Status::Submitted,
                    generator: None,
                    progress: None,
                    step: None,
                    started_at: None,
                    remote_job: None,
                },
                Running {
                    id: TaskId(9),
                    account: "beta".into(),
                    topic: "topic 9".into(),
                    status: Status::Processing,
                    generator: Some("gpt".into()),
                    progress: Some(100),
                    step: Some("writing".into()),
                    started_at: Some(3_500),
                    remote_job: None,
                },
            ]
        );
        assert_eq!(store.read(|c| super::running(c, 1)).unwrap().len(), 1);
        let recent = store.read(|c| recent(c, 3)).unwrap();
        let seen: Vec<(i64, Status, Millis)> = recent
            .iter()
            .map(|r| (r.id.0, r.status, r.finished_at))
            .collect();
        assert_eq!(
            seen,
            vec![
                (6, Status::Completed, 4_000),
                (2, Status::Completed, 3_000),
                (4, Status::Cancelled, 2_700)
            ]
        );
        assert_eq!(recent[1].account, "beta");
        assert_eq!(recent[1].started_at, Some(1_500));
        let five = store.read(|c| super::recent(c, 5)).unwrap();
        assert_eq!(five[3].id, TaskId(3));
        assert_eq!(five[3].error.as_deref(), Some("boom"));

        // The alert rules' state.
        assert_eq!(store.read(alert_rows).unwrap(), vec![]);
        let x = alert("b_rule", "pending", Some(0.25), 10, None);
        let y = alert("A_rule", "firing", None, 20, Some(21));
        store
            .write(|c| {
                put_alert(c, &x)?;
                put_alert(c, &y)
            })
            .unwrap();
        assert_eq!(store.write(alert_rows).unwrap(), vec![y.clone(), x.clone()]);
        let x2 = alert("b_rule", "firing", Some(0.5), 30, Some(30));
        store.write(|c| put_alert(c, &x2)).unwrap();
        assert_eq!(store.read(alert_rows).unwrap(), vec![y, x2]);
    }

    /// Failures in a window grouped by kind and message: counts, the latest of each group,
    /// the largest groups first; completed tasks and failures outside the window left out.
    fn failure_reads(store: &mut Store) {
        store
            .write(|c| {
                let a = account(c, "alpha")?;
                let fail = |id, status, at, error| T {
                    id,
                    account: a,
                    status,
                    created: 100,
                    started: Some(200),
                    completed: Some(at),
                    error: Some(error),
                    ..T::default()
                };
                task(c, fail(1, "failed", 1_000, "boom"))?;
                task(c, fail(2, "failed", 3_000, "boom"))?;
                task(c, fail(3, "failed", 2_000, "boom"))?;
                task(c, fail(4, "timeout", 2_500, "late"))?;
                task(c, fail(5, "completed", 2_600, "kept from a retry"))?;
                task(c, fail(6, "failed", 9_000, "boom"))?;
                Ok(())
            })
            .unwrap();
        let groups = store.read(|c| failure_groups(c, 0, 5_000, 10)).unwrap();
        let seen: Vec<(Option<&str>, u64, i64, Millis)> = groups
            .iter()
            .map(|g| {
                (
                    g.error_message.as_deref(),
                    g.count,
                    g.latest_id.0,
                    g.latest_at,
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![(Some("boom"), 3, 2, 3_000), (Some("late"), 1, 4, 2_500)]
        );
        assert_eq!(
            store
                .read(|c| failure_groups(c, 0, 5_000, 1))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn sqlite_failure_reads() {
        let (_dir, mut store) = sqlite();
        failure_reads(&mut store);
    }

    #[test]
    fn sqlite_monitor_reads() {
        let (_dir, mut store) = sqlite();
        monitor_reads(&mut store);
    }

    mod pg {
        use super::*;

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn monitor_reads() {
            let db = PgDb::new();
            super::monitor_reads(&mut db.store());
        }

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn failure_reads() {
            let db = PgDb::new();
            super::failure_reads(&mut db.store());
        }

        /// Two daemons' alert passes at once: the second waits for the first and reads the
        /// state it wrote, so it does not notify again. A read-only look does not wait.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn alert_passes_take_turns() {
            let db = PgDb::new();
            let (mut a, mut b, mut c) = (db.store(), db.store(), db.store());
            let (read_tx, read_rx) = mpsc::channel();
            let (first, (second, waited), (looked, look_took)) = std::thread::scope(|s| {
                let ta = s.spawn(|| {
                    a.write(|conn| {
                        begin_alert_pass(conn)?;
                        let rows = alert_rows(conn)?;
                        let _ = read_tx.send(());
                        std::thread::sleep(Duration::from_millis(400));
                        put_alert(conn, &alert("r", "firing", Some(1.0), 5, Some(5)))?;
                        Ok(rows)
                    })
                    .unwrap()
                });
                read_rx.recv().unwrap();
                let tc = s.spawn(|| {
                    let t = Instant::now();
                    (c.read(alert_rows).unwrap(), t.elapsed())
                });
                let tb = s.spawn(|| {
                    let t = Instant::now();
                    let rows = b.write(|conn| {
                        begin_alert_pass(conn)?;
                        alert_rows(conn)
                    });
                    (rows.unwrap(), t.elapsed())
                });
                (ta.join().unwrap(), tb.join().unwrap(), tc.join().unwrap())
            });
            assert_eq!(first, vec![]);
            assert_eq!(second, vec![alert("r", "firing", Some(1.0), 5, Some(5))]);
            assert!(waited >= Duration::from_millis(200), "waited {waited:?}");
            assert_eq!(looked, vec![]);
            assert!(look_took < Duration::from_millis(200), "took {look_took:?}");
        }
    }
}
