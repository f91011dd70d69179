//! Task operations shared by the command line and the HTTP API, so a request gets the same
//! validation and semantics whichever door it comes through.

use serde::{Deserialize, Serialize};

use crate::domain::task::SubmitPolicy;
use crate::domain::time::{now_ms, parse_duration, Millis};
use crate::domain::{NewTask, Status, SubmitRequest, Task, TaskId};
use crate::error::{Error, Result};
use crate::review::similarity::Topic;
use crate::store::tasks::{self, Filter, Outcome, RecentTopic, Seq, Submitted};
use crate::store::{accounts, counters, Conn, Store};

/// Validates and queues one task. A repeated idempotency key returns the first task.
pub fn submit(store: &mut Store, req: SubmitRequest, policy: &SubmitPolicy) -> Result<Submitted> {
    let task = NewTask::validate(req, policy)?;
    let now = now_ms();
    store.write(|tx| {
        let account = accounts::find(tx, &task.account)?;
        let s = tasks::insert(tx, &task, &account, now)?;
        if !s.existing {
            counters::add(tx, counters::TASKS_SUBMITTED, "", 1)?;
        }
        Ok(s)
    })
}

/// How far back a submitted topic is compared with the account's completed tasks (its
/// unfinished ones are always compared). A topic repeated within a week is most likely the
/// same request sent twice; repeating one later can be meant (a weekly series), and the
/// article itself is still compared with the account's articles of `similarity_window` when
/// the review rules run.
pub const TOPIC_WINDOW: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Of the account's tasks created within [`TOPIC_WINDOW`], at most this many are read per
/// prefix token of a submitted topic (`store::topic_tokens`), the newest.
pub const TOPIC_CANDIDATES: usize = 2_000;

/// Of those, at most this many, the ones sharing the most tokens with the topic, and at most
/// this many of the account's older unfinished tasks, are compared with it, so that a large
/// family of alike topics (or a large backlog) cannot make a submission slow (see
/// `store::tasks::topic_candidates`).
pub const TOPIC_COMPARED: usize = 250;

/// A pending or recent task whose topic is nearly identical to a submitted one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimilarTask {
    pub id: TaskId,
    pub topic: String,
    pub status: Status,
    /// [`crate::review::similarity::topic_similarity`], 0–1.
    pub score: f64,
}

impl SimilarTask {
    /// "nearly identical to task-… ('…', 93 % similar)".
    pub fn describe(&self) -> String {
        format!(
            "nearly identical to {} ('{}', {:.0} % similar)",
            self.id,
            self.topic,
            self.score * 100.0
        )
    }
}

/// An account's unfinished tasks and its tasks completed within [`TOPIC_WINDOW`], as a
/// submitted topic is compared with them ([`Topic::nearly_identical`]). Each look-up reads,
/// through the topic index (`store::topic_tokens`), only the tasks that share a prefix token
/// with the topic: no others can be nearly identical to it.
#[derive(Debug, Clone, Copy)]
pub struct RecentTopics {
    account_id: i64,
    since: Millis,
    /// Only tasks numbered at most this are compared.
    through: i64,
}

impl RecentTopics {
    /// The account's tasks as the transaction sees them at each look-up: a task inserted in it
    /// after this call is compared too.
    pub fn new(account_id: i64, now: Millis) -> RecentTopics {
        RecentTopics {
            account_id,
            since: now - TOPIC_WINDOW.as_millis() as Millis,
            through: i64::MAX,
        }
    }

    /// The account's tasks as they are now: tasks inserted after this call are not compared
    /// (`task submit --from-file` compares each row with the tasks that were there before the
    /// import, not with the file's other rows).
    pub fn as_of_now(conn: &Conn, account_id: i64, now: Millis) -> Result<RecentTopics> {
        Ok(RecentTopics {
            through: tasks::last_seq(conn)?,
            ..RecentTopics::new(account_id, now)
        })
    }

    /// The task whose topic is most similar to `topic`, among those nearly identical to it
    /// ([`Topic::nearly_identical`]); the newest of equally similar ones. A task with the same
    /// idempotency key is the same request, not a similar one.
    pub fn most_similar(
        &self,
        conn: &Conn,
        topic: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Option<SimilarTask>> {
        let new = Topic::new(topic);
        let candidates = tasks::topic_candidates(
            conn,
            self.account_id,
            &new.prefix_tokens(),
            self.since,
            self.through,
            (TOPIC_CANDIDATES, TOPIC_COMPARED),
        )?;
        let mut best: Option<(RecentTopic, f64)> = None;
        for t in candidates {
            if idempotency_key.is_some() && t.idempotency_key.as_deref() == idempotency_key {
                continue;
            }
            let prepared = Topic::new(&t.topic);
            if !new.nearly_identical(&prepared) {
                continue;
            }
            let score = new.similarity(&prepared);
            if best.as_ref().is_none_or(|(_, b)| score > *b) {
                best = Some((t, score));
            }
        }
        Ok(best.map(|(t, score)| SimilarTask {
            id: t.id,
            topic: t.topic,
            status: t.status,
            score,
        }))
    }
}

/// What [`submit_checked`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The task queued (or matched by its idempotency key); `None` when it was skipped.
    pub submitted: Option<Submitted>,
    /// The pending or recent task whose topic is nearly identical, if any.
    pub similar: Option<SimilarTask>,
}

/// [`submit`], comparing the topic with the account's pending and recent tasks first: a
/// nearly identical one is reported, and with `skip_similar` nothing is queued. One
/// transaction, so two submissions of one topic at once see each other.
pub fn submit_checked(
    store: &mut Store,
    req: SubmitRequest,
    policy: &SubmitPolicy,
    skip_similar: bool,
) -> Result<Checked> {
    let task = NewTask::validate(req, policy)?;
    let now = now_ms();
    store.write(|tx| {
        let account = accounts::find(tx, &task.account)?;
        let similar = RecentTopics::new(account.id, now).most_similar(
            tx,
            &task.topic,
            task.idempotency_key.as_deref(),
        )?;
        if similar.is_some() && skip_similar {
            return Ok(Checked {
                submitted: None,
                similar,
            });
        }
        let s = tasks::insert(tx, &task, &account, now)?;
        if !s.existing {
            counters::add(tx, counters::TASKS_SUBMITTED, "", 1)?;
        }
        // A request that matched its idempotency key queued nothing new: nothing to warn of.
        let similar = similar.filter(|_| !s.existing);
        Ok(Checked {
            submitted: Some(s),
            similar,
        })
    })
}

/// One line of `task stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusCount {
    pub status: Status,
    pub count: u64,
    /// Fraction of all tasks, 0..1.
    pub share: f64,
}

/// `task stats` (and `GET …/tasks/stats`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskStats {
    pub total: u64,
    pub active: u64,
    pub finished: u64,
    pub statuses: Vec<StatusCount>,
}

/// Counts per status, for every task or one account (id or name).
pub fn stats(store: &mut Store, account: Option<&str>) -> Result<TaskStats> {
    if account.is_none() {
        // One statement: it needs no transaction around it (on PostgreSQL, two round trips).
        return stats_of(store.conn(), None);
    }
    store.read(|tx| {
        let account_id = account
            .map(|r| accounts::find(tx, r).map(|a| a.id))
            .transpose()?;
        stats_of(tx, account_id)
    })
}

/// [`stats`] within a transaction the caller holds, by account id: what `task stats`, the
/// API's `tasks/stats` and the status page print.
pub fn stats_of(tx: &Conn, account_id: Option<i64>) -> Result<TaskStats> {
    let counts = tasks::status_counts(tx, account_id)?;
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    let active: u64 = counts
        .iter()
        .filter(|(s, _)| !s.is_terminal())
        .map(|(_, n)| n)
        .sum();
    let share = |n: u64| {
        if total == 0 {
            0.0
        } else {
            (n as f64 / total as f64 * 10_000.0).round() / 10_000.0
        }
    };
    Ok(TaskStats {
        total,
        active,
        finished: total - active,
        statuses: counts
            .iter()
            .map(|(status, count)| StatusCount {
                status: *status,
                count: *count,
                share: share(*count),
            })
            .collect(),
    })
}

impl TaskStats {
    /// The count of one status.
    pub fn count(&self, status: Status) -> u64 {
        self.statuses
            .iter()
            .find(|c| c.status == status)
            .map_or(0, |c| c.count)
    }
}

/// One page of tasks and how many match in all.
pub fn list_page(store: &mut Store, filter: &Filter, offset: u32) -> Result<(u64, Vec<Task>)> {
    store.read(|tx| {
        let total = tasks::count(tx, filter)?;
        let items = tasks::list_from(tx, filter, offset)?;
        Ok((total, items))
    })
}

/// Resolves every id (or unique prefix) first, so a typo changes nothing.
pub fn resolve_all(store: &Store, ids: &[String]) -> Result<Vec<(Seq, TaskId)>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let r = tasks::resolve(store.conn(), id)?;
        if !out.contains(&r) {
            out.push(r);
        }
    }
    Ok(out)
}

/// Cancels each task it can; the others are reported as refused.
pub fn cancel(store: &mut Store, targets: &[(Seq, TaskId)]) -> Result<Vec<(TaskId, Outcome)>> {
    let now = now_ms();
    store.write(|tx| {
        targets
            .iter()
            .map(|(seq, id)| Ok((*id, tasks::cancel(tx, *seq, *id, now)?)))
            .collect()
    })
}

/// Puts each task back in the queue where it may be; the others are reported as refused.
pub fn retry(
    store: &mut Store,
    targets: &[(Seq, TaskId)],
    force: bool,
) -> Result<Vec<(TaskId, Outcome)>> {
    let now = now_ms();
    store.write(|tx| {
        targets
            .iter()
            .map(|(seq, id)| Ok((*id, tasks::retry(tx, *seq, force, now)?)))
            .collect()
    })
}

/// The cutoff for `cleanup --older-than AGE`.
/// `field` names the parameter as the caller's user knows it.
pub fn cleanup_cutoff(field: &str, older_than: &str) -> Result<Millis> {
    let age = parse_duration(older_than).map_err(|e| Error::invalid(field, e))?;
    if age.is_zero() {
        return Err(Error::invalid(
            field,
            "must be greater than zero (e.g. 30d)",
        ));
    }
    Ok(now_ms().saturating_sub(i64::try_from(age.as_millis()).unwrap_or(i64::MAX)))
}

/// Deletes (or, with `dry_run`, counts) finished tasks last updated before `cutoff`.
pub fn cleanup(store: &mut Store, cutoff: Millis, dry_run: bool) -> Result<u64> {
    if dry_run {
        return tasks::cleanup(store.conn(), cutoff, true);
    }
    store.write(|tx| tasks::cleanup(tx, cutoff, false))
}

/// Why `task`, pending, is not started yet: its profile waits for a rate limit (when the task
/// is due), or a budget its request would pass refused it. `default` is the profile of tasks
/// that name none. What `task show` and the API's task view say as `waiting`.
pub fn waiting(
    conn: &crate::store::Conn,
    task: &Task,
    default: &str,
    now: Millis,
) -> Result<Option<String>> {
    if task.status != Status::Pending {
        return Ok(None);
    }
    let profile = task.generator.as_deref().unwrap_or(default);
    let mut reasons: Vec<String> = rate_wait(conn, task, default, now)?.into_iter().collect();
    reasons.extend(crate::store::budgets::refusals_for(
        conn,
        &task.account,
        profile,
        now,
    )?);
    Ok((!reasons.is_empty()).then(|| reasons.join("; ")))
}

/// Why `task`, pending and due, is not started yet: its profile is waiting for a rate limit.
/// `default` is the profile of tasks that name none.
pub fn rate_wait(
    conn: &crate::store::Conn,
    task: &Task,
    default: &str,
    now: Millis,
) -> Result<Option<String>> {
    if task.status != Status::Pending || task.next_attempt_at.0 > now {
        return Ok(None);
    }
    let profile = task.generator.as_deref().unwrap_or(default);
    Ok(crate::store::rates::waiting(conn, profile, now)?
        .map(|(kind, until)| crate::domain::rate::wait_reason(kind, profile, until, now)))
}
