//! The daemon's queries: claiming in priority order under a lease, renewing and reaping
//! leases, deadlines, remote job ids, progress, results, and the heartbeat row.
//!
//! Every function runs in the caller's transaction (see `engine::db`), so a claim of many
//! tasks or a batch of many results costs one commit.

use rusqlite::{params, OptionalExtension};

use super::accounts;
use super::contents::{self, NewContent};
use super::counters;
use super::tasks::{self, Changes, Seq};
use super::Conn;
use crate::domain::time::{seconds_text, Millis};
use crate::domain::{Account, Status, Task};
use crate::error::Result;

pub const TASKS_COMPLETED: &str = "tasks_completed_total";
pub const TASKS_FAILED: &str = "tasks_failed_total";
pub const TASKS_TIMEOUT: &str = "tasks_timeout_total";
pub const TASK_RETRIES: &str = "task_retries_total";
pub const TASK_SNOOZES: &str = "task_rate_limited_total";
pub const TOKENS: &str = "tokens_total";
/// Tokens per model, labelled `kind=prompt|completion,model=NAME` (for cost).
pub const MODEL_TOKENS: &str = "model_tokens_total";
/// Sums (milliseconds) and counts behind the `*_seconds` summaries of `monitor metrics`:
/// queue wait (creation to first start) of every finished task that started, generation
/// (first start to completion) of every completed one.
pub const QUEUE_WAIT_MS: &str = "queue_wait_ms_sum";
pub const QUEUE_WAIT_COUNT: &str = "queue_wait_count";
pub const GENERATION_MS: &str = "generation_ms_sum";
pub const GENERATION_COUNT: &str = "generation_count";

/// Requests to generators, labelled `generator=PROFILE,outcome=OUTCOME` (`ok`, the HTTP status
/// of a refusal, `error` when nothing usable came back, `rate_limited`, `refused`).
pub const GENERATOR_REQUESTS: &str = "generator_requests_total";

/// Adds requests counted in memory, by (profile, outcome), to their counters.
pub fn count_requests(conn: &Conn, requests: &[((String, String), i64)]) -> Result<()> {
    for ((profile, outcome), n) in requests {
        let labels = format!("generator={profile},outcome={outcome}");
        counters::add(conn, GENERATOR_REQUESTS, &labels, *n)?;
    }
    Ok(())
}

/// Adds a finished task's durations to the duration counters.
fn count_durations(conn: &Conn, seq: Seq, completed: bool, now: Millis) -> Result<()> {
    let times: Option<(Millis, Option<Millis>)> = conn
        .sql()
        .prepare_cached("SELECT created_at, started_at FROM tasks WHERE seq = ?1")?
        .query_row([seq.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((created, Some(started))) = times {
        counters::add(conn, QUEUE_WAIT_MS, "", (started - created).max(0))?;
        counters::add(conn, QUEUE_WAIT_COUNT, "", 1)?;
        if completed {
            counters::add(conn, GENERATION_MS, "", (now - started).max(0))?;
            counters::add(conn, GENERATION_COUNT, "", 1)?;
        }
    }
    Ok(())
}

/// A task the daemon now holds a lease on.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub seq: Seq,
    pub task: Task,
    pub account: Account,
    /// True when it was adopted from an expired lease with a remote job to re-poll.
    pub adopted: bool,
    /// Idempotency keys this task has taken for remote submits (`take_submit_key`).
    pub remote_attempts: u32,
}

/// Whether the dispatcher may start another task on this generator (`None`: the task names
/// none).
pub type CanTake<'a> = dyn FnMut(Option<&str>) -> bool + 'a;

fn lease_changes(owner: &str, until: Millis) -> Changes {
    Changes {
        lease_owner: Some(Some(owner.to_string())),
        lease_expires_at: Some(Some(until)),
        ..Changes::default()
    }
}

/// Claims up to `slots` tasks: first unfinished tasks with a remote job whose lease has
/// expired (adopted and re-polled, never re-submitted), then due pending tasks in priority
/// order. Pending tasks already past their deadline become `timeout` instead.
pub fn claim(
    conn: &Conn,
    owner: &str,
    now: Millis,
    lease_ms: i64,
    slots: usize,
    full: &Full,
    can_take: &mut CanTake<'_>,
) -> Result<Vec<Claimed>> {
    let mut out = Vec::new();
    if slots == 0 {
        return Ok(out);
    }
    let until = now + lease_ms;

    let adoptable: Vec<(i64, Option<String>)> = conn
        .sql()
        .prepare_cached(
            "SELECT seq, generator FROM tasks
             WHERE lease_expires_at <= ?1 AND status IN ('submitted','processing') AND remote_job_id IS NOT NULL
               AND NOT (generator IS NULL AND ?3)
               AND (generator IS NULL OR generator NOT IN (SELECT value FROM json_each(?4)))
             ORDER BY priority DESC, seq LIMIT ?2",
        )?
        .query_map(
            params![now, slots as i64 * 4, full.unnamed, full.names_json()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    for (seq, generator) in adoptable {
        if out.len() >= slots {
            break;
        }
        if !can_take(generator.as_deref()) {
            continue;
        }
        let n = conn
            .sql()
            .prepare_cached(
                "UPDATE tasks SET lease_owner = ?2, lease_expires_at = ?3
                 WHERE seq = ?1 AND lease_expires_at <= ?4 AND status IN ('submitted','processing')",
            )?
            .execute(params![seq, owner, until, now])?;
        if n == 1 {
            let status = tasks::current_status(conn, Seq(seq))?.unwrap_or(Status::Processing);
            tasks::record_event(
                conn,
                Seq(seq),
                now,
                Some(status),
                status,
                Some("lease expired; adopted to re-poll its remote job"),
            )?;
            out.push(load(conn, Seq(seq), true)?);
        }
    }

    let due = due_for_claim(conn, now, (slots * 4 + 64) as i64, full)?;
    for (seq, generator, deadline) in due {
        if out.len() >= slots {
            break;
        }
        if deadline <= now {
            time_out(
                conn,
                Seq(seq),
                now,
                "deadline passed before the task could start",
            )?;
            continue;
        }
        if !can_take(generator.as_deref()) {
            continue;
        }
        let mut changes = lease_changes(owner, until);
        changes.submitted_at = Some(Some(now));
        let moved = tasks::transition(
            conn,
            Seq(seq),
            &[Status::Pending],
            Status::Submitted,
            &changes,
            Some(&format!("claimed by {owner}")),
            now,
        )?;
        if moved.is_some() {
            conn.sql()
                .prepare_cached(
                    "UPDATE tasks SET started_at = coalesce(started_at, ?2) WHERE seq = ?1",
                )?
                .execute(params![seq, now])?;
            out.push(load(conn, Seq(seq), false)?);
        }
    }
    Ok(out)
}

/// Due pending tasks in claim order (priority, then age), at most `window` of them, passing
/// over the generators in `full`. With none full, one walk of the claim index; otherwise each
/// other generator's first tasks by seeks on its own index range, merged, so a full
/// generator's backlog is never read.
fn due_for_claim(
    conn: &Conn,
    now: Millis,
    window: i64,
    full: &Full,
) -> Result<Vec<(i64, Option<String>, Millis)>> {
    let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(i64, i64, Option<String>, Millis)> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    };
    let due: Vec<(i64, i64, Option<String>, Millis)> = if full.is_empty() {
        conn.sql()
            .prepare_cached(
                "SELECT priority, seq, generator, deadline_at FROM tasks INDEXED BY tasks_claim
                 WHERE status = 'pending' AND next_attempt_at <= ?1
                 ORDER BY priority DESC, seq LIMIT ?2",
            )?
            .query_map(params![now, window], row)?
            .collect::<rusqlite::Result<_>>()?
    } else {
        let mut stmt = conn.sql().prepare_cached(
            "SELECT priority, seq, generator, deadline_at FROM tasks INDEXED BY tasks_pending_generator
             WHERE status = 'pending' AND generator IS ?1 AND next_attempt_at <= ?2
             ORDER BY priority DESC, seq LIMIT ?3",
        )?;
        let mut due = Vec::new();
        for generator in claimable_generators(conn, full)? {
            for r in stmt.query_map(params![generator, now, window], row)? {
                due.push(r?);
            }
        }
        due.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        due.truncate(window as usize);
        due
    };
    Ok(due.into_iter().map(|(_, seq, g, d)| (seq, g, d)).collect())
}

/// The generator values of pending tasks (`None`: the default generator) that are not in
/// `full`, found by one index seek per distinct value.
fn claimable_generators(conn: &Conn, full: &Full) -> Result<Vec<Option<String>>> {
    let names: Vec<String> = conn
        .sql()
        .prepare_cached(
            "WITH RECURSIVE g(name) AS (
                 SELECT min(generator) FROM tasks INDEXED BY tasks_pending_generator
                 WHERE status = 'pending'
                 UNION ALL
                 SELECT (SELECT min(generator) FROM tasks INDEXED BY tasks_pending_generator
                         WHERE status = 'pending' AND generator > g.name)
                 FROM g WHERE g.name IS NOT NULL
             )
             SELECT name FROM g WHERE name IS NOT NULL",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out: Vec<Option<String>> = Vec::new();
    if !full.unnamed {
        out.push(None);
    }
    out.extend(
        names
            .into_iter()
            .filter(|n| !full.names.contains(n))
            .map(Some),
    );
    Ok(out)
}

/// The claimed view of a task (task, account, abandoned remote jobs), also for code that
/// finishes a task outside a worker: a callback builds its content from it.
pub fn load(conn: &Conn, seq: Seq, adopted: bool) -> Result<Claimed> {
    let task = tasks::get(conn, seq)?;
    let account = accounts::get_by_id(conn, task.account_id)?.ok_or_else(|| {
        crate::error::Error::NotFound {
            kind: "account",
            id: task.account_id.to_string(),
        }
    })?;
    let remote_attempts: u32 = conn
        .sql()
        .prepare_cached("SELECT remote_attempts FROM tasks WHERE seq = ?1")?
        .query_row([seq.0], |r| r.get(0))?;
    Ok(Claimed {
        seq,
        task,
        account,
        adopted,
        remote_attempts,
    })
}

fn time_out(conn: &Conn, seq: Seq, now: Millis, message: &str) -> Result<bool> {
    let changes = Changes {
        lease_owner: Some(None),
        lease_expires_at: Some(None),
        completed_at: Some(Some(now)),
        error_kind: Some(Some("timeout".into())),
        error_message: Some(Some(message.into())),
        ..Changes::default()
    };
    let moved = tasks::transition(
        conn,
        seq,
        &Status::ACTIVE,
        Status::Timeout,
        &changes,
        Some(message),
        now,
    )?;
    if moved.is_some() {
        counters::add(conn, TASKS_TIMEOUT, "", 1)?;
        count_durations(conn, seq, false, now)?;
    }
    Ok(moved.is_some())
}

/// Extends the leases `owner` holds on `seqs` (the tasks it is still working on).
pub fn renew(conn: &Conn, owner: &str, seqs: &[Seq], until: Millis) -> Result<usize> {
    if seqs.is_empty() {
        return Ok(0);
    }
    let list = seqs
        .iter()
        .map(|s| s.0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    Ok(conn
        .sql()
        .prepare(&format!(
            "UPDATE tasks SET lease_expires_at = ?2
             WHERE lease_owner = ?1 AND status IN ('submitted','processing') AND seq IN ({list})"
        ))?
        .execute(params![owner, until])?)
}

/// Lets every lease `owner` still holds expire now, so other daemons may take the tasks at
/// once: the last thing a daemon does.
pub fn release_all(conn: &Conn, owner: &str, now: Millis) -> Result<usize> {
    Ok(conn
        .sql()
        .prepare_cached(
            "UPDATE tasks SET lease_owner = NULL, lease_expires_at = ?2
             WHERE lease_owner = ?1 AND status IN ('submitted','processing')",
        )?
        .execute(params![owner, now])?)
}

/// Returns tasks without a remote job whose lease expired (or, with `foreign_too`, that any
/// other owner holds: the OS lock proves no other daemon is alive) to `pending`, without
/// using up a retry. With `foreign_too`, foreign leases on remote jobs are expired so they
/// are adopted at once. Returns how many were returned to the queue.
pub fn reap(conn: &Conn, owner: &str, now: Millis, foreign_too: bool) -> Result<usize> {
    if foreign_too {
        conn.sql()
            .prepare_cached(
                "UPDATE tasks SET lease_expires_at = ?2
             WHERE status IN ('submitted','processing') AND remote_job_id IS NOT NULL
               AND (lease_owner IS NULL OR lease_owner <> ?1)",
            )?
            .execute(params![owner, now])?;
    }
    let sql = if foreign_too {
        "SELECT seq, lease_owner FROM tasks WHERE status IN ('submitted','processing') AND remote_job_id IS NULL
           AND (lease_owner IS NULL OR lease_owner <> ?1 OR lease_expires_at <= ?2)"
    } else {
        "SELECT seq, lease_owner FROM tasks WHERE lease_expires_at <= ?2
           AND status IN ('submitted','processing') AND remote_job_id IS NULL AND ?1 IS NOT NULL"
    };
    let expired: Vec<(i64, Option<String>)> = conn
        .sql()
        .prepare_cached(sql)?
        .query_map(params![owner, now], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut n = 0;
    for (seq, holder) in expired {
        let changes = Changes {
            lease_owner: Some(None),
            lease_expires_at: Some(None),
            next_attempt_at: Some(now),
            progress: Some(None),
            current_step: Some(None),
            ..Changes::default()
        };
        let msg = format!(
            "lease of {} expired; returned to the queue without using a retry",
            holder.as_deref().unwrap_or("a daemon")
        );
        if tasks::transition(
            conn,
            Seq(seq),
            &[Status::Submitted, Status::Processing],
            Status::Pending,
            &changes,
            Some(&msg),
            now,
        )?
        .is_some()
        {
            n += 1;
        }
    }
    Ok(n)
}

/// Times out unfinished tasks whose deadline has passed and that nobody holds a live lease
/// on (held tasks are timed out by their worker). Returns how many.
pub fn sweep_deadlines(conn: &Conn, now: Millis) -> Result<usize> {
    let due: Vec<i64> = conn
        .sql()
        .prepare_cached(
            "SELECT seq FROM tasks INDEXED BY tasks_deadline
             WHERE deadline_at <= ?1 AND status IN ('pending','submitted','processing')
               AND (lease_expires_at IS NULL OR lease_expires_at <= ?1)",
        )?
        .query_map([now], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut n = 0;
    for seq in due {
        if time_out(conn, Seq(seq), now, "deadline passed")? {
            n += 1;
        }
    }
    Ok(n)
}

/// Records the remote job a generator started, moving the task to `processing`. Must be
/// committed before the job is polled: after a crash it is what prevents a second submit.
pub fn set_remote(conn: &Conn, seq: Seq, owner: &str, job_id: &str, now: Millis) -> Result<bool> {
    settle_submit_key(conn, seq)?;
    let changes = Changes {
        remote_job_id: Some(Some(job_id.to_string())),
        ..Changes::default()
    };
    let moved = tasks::transition(
        conn,
        seq,
        &[Status::Submitted],
        Status::Processing,
        &changes,
        Some(&format!("remote job {job_id} started")),
        now,
    )?;
    if moved.is_none() {
        // Already processing (adopted) or no longer ours: only record the id if we hold it.
        let n = conn
            .sql()
            .prepare_cached(
                "UPDATE tasks SET remote_job_id = ?3, updated_at = ?4 WHERE seq = ?1 AND lease_owner = ?2 AND status = 'processing'",
            )?
            .execute(params![seq.0, owner, job_id, now])?;
        return Ok(n == 1);
    }
    Ok(true)
}

/// Takes the idempotency key for a remote submit of the task this daemon holds, and records it
/// before the request leaves: `{task id}` for the first submit, `{task id}-r{n}` for the
/// n-th after it, so no key is ever posted twice. When an earlier submit's key is still
/// recorded, that submit was interrupted before its reply was recorded; the task's history
/// says its job is abandoned. `None` when the task is no longer ours.
pub fn take_submit_key(
    conn: &Conn,
    seq: Seq,
    owner: &str,
    task_id: &str,
    now: Millis,
) -> Result<Option<String>> {
    let row: Option<(u32, Option<String>, Status)> = conn
        .sql()
        .prepare_cached(
            "SELECT remote_attempts, remote_submit_key, status FROM tasks
             WHERE seq = ?1 AND lease_owner = ?2 AND status IN ('submitted','processing')",
        )?
        .query_row(params![seq.0, owner], |r| {
            Ok((r.get(0)?, r.get(1)?, tasks::status_of(r.get(2)?)?))
        })
        .optional()?;
    let Some((n, earlier, status)) = row else {
        return Ok(None);
    };
    let key = if n == 0 {
        task_id.to_string()
    } else {
        format!("{task_id}-r{n}")
    };
    if let Some(earlier) = earlier {
        note_abandoned(
            conn,
            seq,
            status,
            &earlier,
            &format!("its submit was interrupted before the reply was recorded (the daemon stopped or the reply was lost); the new attempt uses key {key}"),
            now,
        )?;
    }
    conn.sql()
        .prepare_cached(
            "UPDATE tasks SET remote_attempts = ?2, remote_submit_key = ?3, updated_at = ?4 WHERE seq = ?1",
        )?
        .execute(params![seq.0, n + 1, key, now])?;
    Ok(Some(key))
}

/// Notes in the history of a task in `status` that its remote job `key` was abandoned, and why.
fn note_abandoned(
    conn: &Conn,
    seq: Seq,
    status: Status,
    key: &str,
    why: &str,
    now: Millis,
) -> Result<()> {
    let message = format!("remote job {key} abandoned: {why}");
    tasks::record_event(conn, seq, now, Some(status), status, Some(&message))
}

/// Forgets the key of a submit whose reply is now recorded (or whose attempt ended); returns
/// it when it was still set.
fn settle_submit_key(conn: &Conn, seq: Seq) -> Result<Option<String>> {
    let key: Option<String> = conn
        .sql()
        .prepare_cached("SELECT remote_submit_key FROM tasks WHERE seq = ?1")?
        .query_row([seq.0], |r| r.get(0))
        .optional()?
        .flatten();
    if key.is_some() {
        conn.sql()
            .prepare_cached("UPDATE tasks SET remote_submit_key = NULL WHERE seq = ?1")?
            .execute([seq.0])?;
    }
    Ok(key)
}

/// Records progress reported by a generator; the first report moves `submitted` to
/// `processing`.
pub fn progress(
    conn: &Conn,
    seq: Seq,
    progress: Option<u8>,
    step: Option<&str>,
    now: Millis,
) -> Result<()> {
    let changes = Changes {
        progress: Some(progress),
        current_step: Some(step.map(str::to_string)),
        ..Changes::default()
    };
    if tasks::transition(
        conn,
        seq,
        &[Status::Submitted],
        Status::Processing,
        &changes,
        Some("generator reports work"),
        now,
    )?
    .is_none()
    {
        conn.sql().prepare_cached(
            "UPDATE tasks SET progress = coalesce(?2, progress), current_step = coalesce(?3, current_step), updated_at = ?4
             WHERE seq = ?1 AND status = 'processing'",
        )?
        .execute(params![seq.0, progress, step, now])?;
    }
    Ok(())
}

/// The end of one attempt, as the engine reports it.
#[derive(Debug, Clone)]
pub enum Finish {
    Completed(Box<NewContent>),
    /// Back to pending after `delay_ms`; `counts` is false for a rate-limit snooze.
    Retry {
        kind: String,
        message: String,
        delay_ms: i64,
        counts: bool,
    },
    Failed {
        kind: String,
        message: String,
    },
    TimedOut {
        message: String,
    },
    /// Shutdown or a lost lease: back to pending now, no retry used. Tasks with a remote job
    /// keep it and stay `processing` with an expired lease, so the next daemon adopts them.
    Released,
}

/// Applies one result. Returns the status the task ends in, or `None` when the task had
/// already left the states this result applies to (cancelled meanwhile, or a duplicate).
pub fn finish(conn: &Conn, seq: Seq, f: &Finish, now: Millis) -> Result<Option<Status>> {
    // The attempt is over: a submit still recorded as under way never got its reply.
    let running = [Status::Submitted, Status::Processing];
    if let Some(key) = settle_submit_key(conn, seq)? {
        let why = match f {
            Finish::Completed(_) => None,
            Finish::Released => Some("released at shutdown while its submit was under way".into()),
            Finish::Retry { message, .. }
            | Finish::Failed { message, .. }
            | Finish::TimedOut { message } => {
                Some(format!("its submit ended without a result ({message})"))
            }
        };
        let status = tasks::current_status(conn, seq)?.filter(|s| running.contains(s));
        if let (Some(why), Some(status)) = (why, status) {
            let why = format!("{why}; a new attempt takes a new key");
            note_abandoned(conn, seq, status, &key, &why, now)?;
        }
    }
    let cleared = || Changes {
        lease_owner: Some(None),
        lease_expires_at: Some(None),
        ..Changes::default()
    };
    match f {
        Finish::Completed(content) => {
            let Some(status) = tasks::current_status(conn, seq)? else {
                return Ok(None);
            };
            if !running.contains(&status) {
                return Ok(None);
            }
            let Some(content_id) = contents::insert(conn, content, now)? else {
                return Ok(None);
            };
            let mut c = cleared();
            c.content_id = Some(Some(content_id));
            c.completed_at = Some(Some(now));
            c.progress = Some(Some(100));
            c.error_kind = Some(None);
            c.error_message = Some(None);
            let msg = format!(
                "content {content_id} stored ({} words, {})",
                content.word_count,
                content.review_status.as_str()
            );
            tasks::transition(conn, seq, &running, Status::Completed, &c, Some(&msg), now)?;
            counters::add(conn, TASKS_COMPLETED, "", 1)?;
            count_durations(conn, seq, true, now)?;
            if let Some(model) = &content.model {
                for (kind, n) in [
                    ("prompt", content.prompt_tokens),
                    ("completion", content.completion_tokens),
                ] {
                    let labels = format!("kind={kind},model={model}");
                    counters::add(conn, MODEL_TOKENS, &labels, n.unwrap_or(0).into())?;
                }
            }
            counters::add(
                conn,
                TOKENS,
                "kind=prompt",
                content.prompt_tokens.unwrap_or(0).into(),
            )?;
            counters::add(
                conn,
                TOKENS,
                "kind=completion",
                content.completion_tokens.unwrap_or(0).into(),
            )?;
            Ok(Some(Status::Completed))
        }
        Finish::Retry {
            kind,
            message,
            delay_ms,
            counts,
        } => {
            let Some(task) = tasks::current_status(conn, seq)?
                .filter(|s| running.contains(s))
                .map(|_| tasks::get(conn, seq))
                .transpose()?
            else {
                return Ok(None);
            };
            let mut c = cleared();
            c.next_attempt_at = Some(now + delay_ms);
            c.remote_job_id = Some(None);
            c.progress = Some(None);
            c.current_step = Some(None);
            c.error_kind = Some(Some(kind.clone()));
            c.error_message = Some(Some(message.clone()));
            let msg = if *counts {
                c.retry_count = Some(task.retry_count + 1);
                format!(
                    "{kind} error, retry {} of {} in {}: {message}",
                    task.retry_count + 1,
                    task.max_retries,
                    seconds_text(*delay_ms)
                )
            } else {
                format!(
                    "rate limited, snoozed {} (no retry used): {message}",
                    seconds_text(*delay_ms)
                )
            };
            tasks::transition(conn, seq, &running, Status::Pending, &c, Some(&msg), now)?;
            counters::add(
                conn,
                if *counts { TASK_RETRIES } else { TASK_SNOOZES },
                "",
                1,
            )?;
            Ok(Some(Status::Pending))
        }
        Finish::Failed { kind, message } => {
            let mut c = cleared();
            c.completed_at = Some(Some(now));
            c.error_kind = Some(Some(kind.clone()));
            c.error_message = Some(Some(message.clone()));
            let moved = tasks::transition(
                conn,
                seq,
                &running,
                Status::Failed,
                &c,
                Some(&format!("{kind} error: {message}")),
                now,
            )?;
            if moved.is_some() {
                counters::add(conn, TASKS_FAILED, "", 1)?;
                count_durations(conn, seq, false, now)?;
            }
            Ok(moved.map(|_| Status::Failed))
        }
        Finish::TimedOut { message } => {
            Ok(time_out(conn, seq, now, message)?.then_some(Status::Timeout))
        }
        Finish::Released => {
            let has_remote: bool = conn
                .sql()
                .prepare_cached("SELECT remote_job_id IS NOT NULL FROM tasks WHERE seq = ?1")?
                .query_row([seq.0], |r| r.get(0))
                .optional()?
                .unwrap_or(false);
            if has_remote {
                conn.sql().prepare_cached(
                    "UPDATE tasks SET lease_owner = NULL, lease_expires_at = ?2 WHERE seq = ?1 AND status IN ('submitted','processing')",
                )?
                .execute(params![seq.0, now])?;
                return tasks::current_status(conn, seq);
            }
            let mut c = cleared();
            c.next_attempt_at = Some(now);
            c.progress = Some(None);
            c.current_step = Some(None);
            let moved = tasks::transition(
                conn,
                seq,
                &running,
                Status::Pending,
                &c,
                Some("released at shutdown; no retry used"),
                now,
            )?;
            Ok(moved.map(|_| Status::Pending))
        }
    }
}

/// Current statuses of the given tasks (those that still exist).
pub fn statuses(conn: &Conn, seqs: &[Seq]) -> Result<Vec<(Seq, Status)>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let list = seqs
        .iter()
        .map(|s| s.0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut stmt = conn.sql().prepare(&format!(
        "SELECT seq, status FROM tasks WHERE seq IN ({list})"
    ))?;
    let rows = stmt.query_map([], |r| {
        let st: String = r.get(1)?;
        Ok((
            Seq(r.get(0)?),
            st.parse::<Status>().unwrap_or(Status::Failed),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// When the earliest pending task that is not yet due becomes due (a snoozed or backed-off
/// task), if any.
pub fn next_snooze_end(conn: &Conn, now: Millis) -> Result<Option<Millis>> {
    Ok(conn
        .sql()
        .prepare_cached(
            "SELECT min(next_attempt_at) FROM tasks INDEXED BY tasks_due
             WHERE status = 'pending' AND next_attempt_at > ?1",
        )?
        .query_row([now], |r| r.get(0))?)
}

/// Whether a pending task is due at `now` that a claim could take, those of the generators in
/// `full` aside: the dispatcher's quick look, after another connection committed.
pub fn has_due_pending(conn: &Conn, now: Millis, full: &Full) -> Result<bool> {
    if full.is_empty() {
        return Ok(conn
            .sql()
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM tasks INDEXED BY tasks_due
                               WHERE status = 'pending' AND next_attempt_at <= ?1)",
            )?
            .query_row([now], |r| r.get(0))?);
    }
    let mut stmt = conn.sql().prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM tasks INDEXED BY tasks_pending_generator
                       WHERE status = 'pending' AND generator IS ?1 AND next_attempt_at <= ?2)",
    )?;
    for generator in claimable_generators(conn, full)? {
        if stmt.query_row(params![generator, now], |r| r.get::<_, bool>(0))? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The generators a claim passes over because they are at their `max_concurrent`: tasks
/// naming one of `names`, and with `unnamed`, tasks that name none (the default generator).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Full {
    pub names: Vec<String>,
    pub unnamed: bool,
}

impl Full {
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && !self.unnamed
    }

    fn names_json(&self) -> String {
        super::json_list(&self.names)
    }
}

/// Whether anything is left for a draining daemon: pending tasks, or unfinished remote jobs
/// that nobody holds a live lease on.
pub fn has_work(conn: &Conn, now: Millis) -> Result<bool> {
    Ok(conn
        .sql()
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM tasks WHERE status = 'pending')
                 OR EXISTS(SELECT 1 FROM tasks WHERE status IN ('submitted','processing') AND lease_expires_at <= ?1)",
        )?
        .query_row([now], |r| r.get(0))?)
}

/// A daemon's heartbeat row.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Heartbeat {
    pub id: String,
    pub pid: u32,
    pub host: String,
    pub version: String,
    pub started_at: Millis,
    pub last_beat_at: Millis,
    pub stopped_at: Option<Millis>,
    pub in_flight: u32,
    pub max_concurrent: u32,
    pub scheduler: bool,
    pub listen: Option<String>,
}

pub fn beat(conn: &Conn, hb: &Heartbeat) -> Result<()> {
    conn.sql().prepare_cached(
        "INSERT INTO daemons(id, pid, host, version, started_at, last_beat_at, stopped_at, in_flight, max_concurrent, scheduler, listen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(id) DO UPDATE SET last_beat_at = excluded.last_beat_at, stopped_at = excluded.stopped_at,
             in_flight = excluded.in_flight, max_concurrent = excluded.max_concurrent",
    )?
    .execute(params![
        hb.id, hb.pid, hb.host, hb.version, hb.started_at, hb.last_beat_at, hb.stopped_at,
        hb.in_flight, hb.max_concurrent, hb.scheduler, hb.listen
    ])?;
    // Keep the table small: forget daemons that stopped or went silent a week ago.
    conn.sql()
        .prepare_cached("DELETE FROM daemons WHERE last_beat_at < ?1")?
        .execute([hb.last_beat_at - 7 * 86_400_000])?;
    Ok(())
}

/// The most recently beating daemons, newest first.
pub fn heartbeats(conn: &Conn, limit: u32) -> Result<Vec<Heartbeat>> {
    let mut stmt = conn.sql().prepare_cached(
        "SELECT id, pid, host, version, started_at, last_beat_at, stopped_at, in_flight, max_concurrent, scheduler, listen
         FROM daemons ORDER BY last_beat_at DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(Heartbeat {
            id: r.get(0)?,
            pid: r.get(1)?,
            host: r.get(2)?,
            version: r.get(3)?,
            started_at: r.get(4)?,
            last_beat_at: r.get(5)?,
            stopped_at: r.get(6)?,
            in_flight: r.get(7)?,
            max_concurrent: r.get(8)?,
            scheduler: r.get(9)?,
            listen: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A local program a worker started for a task (a `command` generator's), recorded with the
/// task's lease so that the next daemon can kill what a crash left of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRecord {
    /// The program's process group (its pid).
    pub pgid: i32,
    /// Its start time in clock ticks since boot, which tells it from a later process that was
    /// given the same pid.
    pub start_ticks: u64,
    /// The boot the ticks count from.
    pub boot_id: String,
    /// The marker in its environment, inherited by what it starts.
    pub run_id: String,
}

/// A recorded program and the lease of its task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedChild {
    pub seq: Seq,
    /// The daemon that started it.
    pub owner: String,
    pub child: ChildRecord,
    /// Whether that daemon still holds a live lease on the task (it may be alive).
    pub lease_live: bool,
}

/// Records a program `owner` started for task `seq`.
pub fn record_child(
    conn: &Conn,
    seq: Seq,
    owner: &str,
    child: &ChildRecord,
    now: Millis,
) -> Result<()> {
    conn.sql()
        .prepare_cached(
            "INSERT OR REPLACE INTO task_children(task_seq, owner, pgid, start_ticks, boot_id, run_id, started_at)
             SELECT seq, ?2, ?3, ?4, ?5, ?6, ?7 FROM tasks WHERE seq = ?1",
        )?
        .execute(params![
            seq.0,
            owner,
            child.pgid,
            child.start_ticks as i64,
            child.boot_id,
            child.run_id,
            now
        ])?;
    Ok(())
}

/// Forgets a program once it is gone (its attempt ended, or a later daemon killed it).
pub fn clear_child(conn: &Conn, seq: Seq, owner: &str, pgid: i32) -> Result<()> {
    conn.sql()
        .prepare_cached(
            "DELETE FROM task_children WHERE task_seq = ?1 AND owner = ?2 AND pgid = ?3",
        )?
        .execute(params![seq.0, owner, pgid])?;
    Ok(())
}

/// Every recorded program, with whether its daemon still holds its task's lease at `now`.
pub fn recorded_children(conn: &Conn, now: Millis) -> Result<Vec<RecordedChild>> {
    let mut stmt = conn.sql().prepare_cached(
        "SELECT c.task_seq, c.owner, c.pgid, c.start_ticks, c.boot_id, c.run_id,
                coalesce(t.lease_owner = c.owner AND t.lease_expires_at > ?1
                         AND t.status IN ('submitted','processing'), 0)
         FROM task_children c LEFT JOIN tasks t ON t.seq = c.task_seq
         ORDER BY c.task_seq, c.pgid",
    )?;
    let rows = stmt.query_map([now], |r| {
        let ticks: i64 = r.get(3)?;
        Ok(RecordedChild {
            seq: Seq(r.get(0)?),
            owner: r.get(1)?,
            child: ChildRecord {
                pgid: r.get(2)?,
                start_ticks: ticks.max(0) as u64,
                boot_id: r.get(4)?,
                run_id: r.get(5)?,
            },
            lease_live: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
