//! The daemon's queries: claiming in priority order under a lease, renewing and reaping
//! leases, deadlines, remote job ids, progress, results, and the heartbeat row.
//!
//! Every function runs in the caller's transaction (see `engine::db`), so a claim of many
//! tasks or a batch of many results costs one commit.
//!
//! # Several daemons on one store
//!
//! On SQLite a write transaction holds the store's one write lock, so whatever a function
//! reads stays true until it commits. On PostgreSQL several daemons write at once, under
//! `READ COMMITTED`, and each step below says what keeps it safe there:
//!
//! - a claim locks the rows it takes with `FOR UPDATE SKIP LOCKED`, so two daemons claiming
//!   at once take disjoint tasks and neither waits for the other's candidates; a profile's
//!   `max_concurrent` is counted in the store under a per-profile advisory lock, so it holds
//!   across every daemon;
//! - every claim and adoption moves the task's `lease_epoch` on, and whatever a worker writes
//!   under its claim ([`finish`], [`progress`], [`set_remote`], [`take_submit_key`],
//!   [`renew`]) first locks the task's row on the condition that the claim (owner and epoch)
//!   still holds it: a daemon that was paused past its lease writes nothing to a task that
//!   another claim took over;
//! - the reaper and the deadline sweep lock the rows they select with `SKIP LOCKED`, so their
//!   condition (an expired lease) still holds when they change them, and every daemon may run
//!   them at once.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use super::accounts;
use super::budgets;
use super::contents::{self, NewContent};
use super::counters;
use super::rates;
use super::sql::{args, Sql};
use super::tasks::{self, Changes, Seq};
use super::Conn;
use crate::domain::rate::{Bucket, Kind, RateLimits};
use crate::domain::time::{seconds_text, Millis};
use crate::domain::{Account, Status, Task};
use crate::error::Result;

pub const TASKS_COMPLETED: &str = "tasks_completed_total";
pub const TASKS_FAILED: &str = "tasks_failed_total";
pub const TASKS_TIMEOUT: &str = "tasks_timeout_total";
pub const TASK_RETRIES: &str = "task_retries_total";
pub const TASK_SNOOZES: &str = "task_rate_limited_total";
/// Drafts the review rules sent back for a new one.
pub const TASK_REGENERATIONS: &str = "task_regenerations_total";
/// Tasks moved to a fallback profile, by `from` and `to` profile.
pub const TASK_FALLBACKS: &str = "task_fallbacks_total";
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
    let times: Option<(Millis, Option<Millis>)> = conn.row(
        Sql::same("SELECT created_at, started_at FROM tasks WHERE seq = ?1"),
        args![seq.0],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    match times {
        Some((created, started)) => count_durations_of(conn, created, started, completed, now),
        None => Ok(()),
    }
}

/// [`count_durations`] of a task created and started at the times given.
fn count_durations_of(
    conn: &Conn,
    created: Millis,
    started: Option<Millis>,
    completed: bool,
    now: Millis,
) -> Result<()> {
    if let Some(started) = started {
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
    /// The task's lease epoch under this claim: with the owner, the fencing token of
    /// everything written under it (see [`Fence`]).
    pub epoch: i64,
}

/// What entitles a write about a task that a worker or a generator reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fence<'a> {
    /// The claim a worker took the task under: the write applies only while `owner` still
    /// holds the task under the same `epoch`. A later claim, an adoption, the reaper or a
    /// release all end it.
    Lease { owner: &'a str, epoch: i64 },
    /// A generator's report about its remote job (a callback): it applies only while that
    /// job is the task's current one, whoever holds the task.
    Job(&'a str),
}

/// Whether `fence` still entitles a write to task `seq`. On PostgreSQL the task's row is
/// locked when it does, so that nobody else (another claim, the reaper, a callback) can
/// change it before this transaction commits; on SQLite the write transaction already
/// excludes every other writer.
fn holds(conn: &Conn, seq: Seq, fence: Fence<'_>) -> Result<bool> {
    let found = match fence {
        Fence::Lease { owner, epoch } => conn.row(
            Sql::each(
                "SELECT 1 FROM tasks WHERE seq = ?1 AND lease_owner = ?2 AND lease_epoch = ?3",
                "SELECT 1 FROM tasks WHERE seq = $1 AND lease_owner = $2 AND lease_epoch = $3
                 FOR UPDATE",
            ),
            args![seq.0, owner, epoch],
            |_| Ok(()),
        )?,
        Fence::Job(job) => conn.row(
            Sql::each(
                "SELECT 1 FROM tasks WHERE seq = ?1 AND remote_job_id = ?2",
                "SELECT 1 FROM tasks WHERE seq = $1 AND remote_job_id = $2 FOR UPDATE",
            ),
            args![seq.0, job],
            |_| Ok(()),
        )?,
    };
    Ok(found.is_some())
}

/// What [`finish`] needs to know of a task it may write, read with the fence in one statement.
struct Held {
    status: Status,
    submit_key: Option<String>,
    created_at: Millis,
    started_at: Option<Millis>,
    /// Whether the attempt reserved from its profile's rate limits, and from budgets: a
    /// result settles only what was reserved, without a look for what was not.
    rate_reserved: bool,
    budget_reserved: bool,
    /// Whether the task has recorded steps, which its content then links.
    has_steps: bool,
}

/// A task's row as [`prefetch`] read (and locked) it for a batch of results.
struct Prefetched {
    held: Held,
    owner: Option<String>,
    epoch: i64,
    job: Option<String>,
}

thread_local! {
    /// The rows [`prefetch`] read for the write transaction running on this thread; each is
    /// taken by the first [`held`] of its task, so a second result for the same task reads
    /// the row as the first one left it.
    static PREFETCHED: std::cell::RefCell<HashMap<i64, Prefetched>> =
        std::cell::RefCell::new(HashMap::new());
}

/// Forgets what [`prefetch`] read when dropped: at the end of the transaction's closure,
/// whether it commits, fails or is run again.
#[must_use = "the rows are forgotten when this is dropped"]
pub struct PrefetchGuard(());

impl Drop for PrefetchGuard {
    fn drop(&mut self) {
        PREFETCHED.with(|p| p.borrow_mut().clear());
    }
}

/// Reads and locks, in one statement, the rows of the tasks a batch of results is about to
/// finish, so that each [`finish`] needs no read of its own. On PostgreSQL only (where a
/// statement is a round trip; SQLite reads each row in microseconds); the rows are locked in
/// `seq` order, so two batches never wait on each other in a cycle. Keep the guard for the
/// rest of the transaction.
pub fn prefetch(conn: &Conn, seqs: &[Seq]) -> Result<PrefetchGuard> {
    PREFETCHED.with(|p| p.borrow_mut().clear());
    let guard = PrefetchGuard(());
    if !conn.is_pg() || seqs.len() < 2 {
        return Ok(guard);
    }
    let ids: Vec<i64> = seqs.iter().map(|s| s.0).collect();
    let rows = conn.rows(
        Sql::pg(
            "SELECT seq, status, remote_submit_key, created_at, started_at, lease_owner,
                    lease_epoch, remote_job_id, rate_profile,
                    EXISTS (SELECT 1 FROM budget_reservations b WHERE b.task_seq = tasks.seq),
                    EXISTS (SELECT 1 FROM task_steps s WHERE s.task_seq = tasks.seq)
             FROM tasks WHERE seq = ANY((SELECT $1::bigint[])::bigint[]) ORDER BY seq FOR UPDATE",
        ),
        args![ids],
        |r| {
            let rate_profile: Option<String> = r.get(8)?;
            Ok((
                r.get::<i64>(0)?,
                Prefetched {
                    held: Held {
                        status: tasks::status(r.get(1)?)?,
                        submit_key: r.get(2)?,
                        created_at: r.get(3)?,
                        started_at: r.get(4)?,
                        rate_reserved: rate_profile.is_some(),
                        budget_reserved: r.get(9)?,
                        has_steps: r.get(10)?,
                    },
                    owner: r.get(5)?,
                    epoch: r.get(6)?,
                    job: r.get(7)?,
                },
                rate_profile,
            ))
        },
    )?;
    // The rate buckets these results settle, locked now in profile order, as a claim locks
    // them: results of two profiles in the other order would otherwise wait on a claim of
    // this or another daemon that waits on them.
    let profiles: BTreeSet<String> = rows.iter().filter_map(|(_, _, p)| p.clone()).collect();
    if profiles.len() > 1 {
        for profile in &profiles {
            rates::locked(conn, profile)?;
        }
    }
    PREFETCHED.with(|p| {
        p.borrow_mut()
            .extend(rows.into_iter().map(|(seq, row, _)| (seq, row)))
    });
    Ok(guard)
}

/// [`holds`], also reading what [`finish`] needs: `None` when the fence no longer holds.
fn held(conn: &Conn, seq: Seq, fence: Fence<'_>) -> Result<Option<Held>> {
    if let Some(p) = PREFETCHED.with(|p| p.borrow_mut().remove(&seq.0)) {
        let holds = match fence {
            Fence::Lease { owner, epoch } => p.owner.as_deref() == Some(owner) && p.epoch == epoch,
            Fence::Job(job) => p.job.as_deref() == Some(job),
        };
        return Ok(holds.then_some(p.held));
    }
    let row = |r: &super::sql::Row<'_>| -> Result<Held> {
        Ok(Held {
            status: tasks::status(r.get(0)?)?,
            submit_key: r.get(1)?,
            created_at: r.get(2)?,
            started_at: r.get(3)?,
            rate_reserved: r.get(4)?,
            budget_reserved: r.get(5)?,
            has_steps: r.get(6)?,
        })
    };
    match fence {
        Fence::Lease { owner, epoch } => conn.row(
            Sql::each(
                "SELECT status, remote_submit_key, created_at, started_at, rate_profile IS NOT NULL,
                        EXISTS (SELECT 1 FROM budget_reservations b WHERE b.task_seq = tasks.seq),
                        EXISTS (SELECT 1 FROM task_steps s WHERE s.task_seq = tasks.seq)
                 FROM tasks
                 WHERE seq = ?1 AND lease_owner = ?2 AND lease_epoch = ?3",
                "SELECT status, remote_submit_key, created_at, started_at, rate_profile IS NOT NULL,
                        EXISTS (SELECT 1 FROM budget_reservations b WHERE b.task_seq = tasks.seq),
                        EXISTS (SELECT 1 FROM task_steps s WHERE s.task_seq = tasks.seq)
                 FROM tasks
                 WHERE seq = $1 AND lease_owner = $2 AND lease_epoch = $3
                 FOR UPDATE",
            ),
            args![seq.0, owner, epoch],
            row,
        ),
        Fence::Job(job) => conn.row(
            Sql::each(
                "SELECT status, remote_submit_key, created_at, started_at, rate_profile IS NOT NULL,
                        EXISTS (SELECT 1 FROM budget_reservations b WHERE b.task_seq = tasks.seq),
                        EXISTS (SELECT 1 FROM task_steps s WHERE s.task_seq = tasks.seq)
                 FROM tasks
                 WHERE seq = ?1 AND remote_job_id = ?2",
                "SELECT status, remote_submit_key, created_at, started_at, rate_profile IS NOT NULL,
                        EXISTS (SELECT 1 FROM budget_reservations b WHERE b.task_seq = tasks.seq),
                        EXISTS (SELECT 1 FROM task_steps s WHERE s.task_seq = tasks.seq)
                 FROM tasks
                 WHERE seq = $1 AND remote_job_id = $2 FOR UPDATE",
            ),
            args![seq.0, job],
            row,
        ),
    }
}

/// The generator profiles' `max_concurrent`, which a claim keeps to across every daemon on
/// the store: it counts the profile's tasks in flight (`submitted` or `processing`, whoever
/// holds them) in the store itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// Most tasks in flight at once, per profile (sorted: PostgreSQL's claim locks the
    /// profiles in this order).
    pub per_profile: BTreeMap<String, usize>,
    /// The profile of tasks that name no generator.
    pub default_profile: String,
    /// The cost budgets each claimed task reserves against (see `budgets::admit`).
    pub budgets: crate::domain::budget::Plan,
    /// The profiles' provider rate limits (sorted: PostgreSQL's claim locks their buckets in
    /// this order), which a claim reserves from before it takes a task.
    pub rates: BTreeMap<String, RateLimits>,
    /// The tokens a task's request is estimated to count against its profile's limits.
    pub estimate: Estimator,
}

/// How many tokens a task's request will count (prompt plus completion allowance), given the
/// task, its account and its profile: the engine's estimate, which knows the prompt.
#[derive(Clone, Default)]
pub struct Estimator(Option<Arc<EstimateFn>>);

type EstimateFn = dyn Fn(&Task, &Account, &str) -> u64 + Send + Sync;

impl Estimator {
    pub fn new(f: impl Fn(&Task, &Account, &str) -> u64 + Send + Sync + 'static) -> Self {
        Estimator(Some(Arc::new(f)))
    }

    fn tokens(&self, task: &Task, account: &Account, profile: &str) -> u64 {
        self.0.as_ref().map_or(0, |f| f(task, account, profile))
    }
}

impl std::fmt::Debug for Estimator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Estimator(set)"
        } else {
            "Estimator(none)"
        })
    }
}

// Estimators take no part in comparing limits.
impl PartialEq for Estimator {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Estimator {}

/// A profile a claim found waiting for its rate limits: which limit, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateWait {
    pub profile: String,
    pub kind: Kind,
    pub until: Millis,
}

impl Limits {
    /// The profile a task of `generator` runs on.
    fn profile_of<'a>(&'a self, generator: Option<&'a str>) -> &'a str {
        generator.unwrap_or(&self.default_profile)
    }
}

/// How many more tasks each limited profile may start now, counted in the store. On
/// PostgreSQL the profiles are first locked (in name order, so two claims never deadlock)
/// until the claim commits: a second daemon's claim waits here and then counts what this one
/// took, so together they never exceed a limit.
fn room_per_profile(conn: &Conn, limits: &Limits) -> Result<HashMap<String, i64>> {
    if limits.per_profile.is_empty() {
        return Ok(HashMap::new());
    }
    if conn.is_pg() {
        for profile in limits.per_profile.keys() {
            conn.exec(
                Sql::pg(
                    "SELECT pg_advisory_xact_lock(hashtext('contenthub:profile:' || $1::text))",
                ),
                args![profile],
            )?;
        }
    }
    // Tasks in flight are few (at most every daemon's `max_concurrent`, and the jobs of dead
    // daemons), found through the status index.
    let in_flight: Vec<(Option<String>, i64)> = conn.rows(
        Sql::same(
            "SELECT generator, count(*) FROM tasks WHERE status IN ('submitted','processing')
             GROUP BY generator",
        ),
        args![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut room: HashMap<String, i64> = limits
        .per_profile
        .iter()
        .map(|(p, n)| (p.clone(), *n as i64))
        .collect();
    for (generator, n) in in_flight {
        if let Some(left) = room.get_mut(limits.profile_of(generator.as_deref())) {
            *left -= n;
        }
    }
    Ok(room)
}

/// The limited profiles without room left, and those waiting for their rate limits, as the
/// generators a claim passes over.
fn full_of(room: &HashMap<String, i64>, waiting: &HashSet<String>, limits: &Limits) -> Full {
    let mut full = Full::default();
    let no_room = room.iter().filter(|(_, left)| **left <= 0).map(|(p, _)| p);
    for profile in no_room.chain(waiting.iter()) {
        if !full.names.contains(profile) {
            full.unnamed |= *profile == limits.default_profile;
            full.names.push(profile.clone());
        }
    }
    full.names.sort();
    full
}

/// Claims up to `slots` tasks for `owner` under a lease of `lease_ms`: first unfinished
/// tasks with a remote job whose lease has expired (adopted and re-polled, never
/// re-submitted), then due pending tasks in priority order, keeping each profile within its
/// limit across the store. Pending tasks already past their deadline become `timeout`
/// instead. Each claimed task's lease epoch moves on (see [`Claimed::epoch`]).
///
/// An adopted job is already counted against its profile (it never stopped running at the
/// generator), so adoption takes no room of the profile's limit, and is never held back by
/// it: otherwise the orphaned jobs of a dead daemon could fill a limit that only their
/// adoption can free.
pub fn claim(
    conn: &Conn,
    owner: &str,
    now: Millis,
    lease_ms: i64,
    slots: usize,
    limits: &Limits,
) -> Result<Vec<Claimed>> {
    Ok(claim_within_rates(conn, owner, now, lease_ms, slots, limits, true)?.0)
}

/// [`claim`], also reserving each task's request from its profile's rate limits
/// ([`Limits::rates`]) before it is taken. A task that does not fit is not claimed: it stays
/// pending, its retries untouched, and its profile is passed over for the rest of the claim.
/// Returns the claimed tasks and the profiles now waiting for their limits.
///
/// With `adopt`, the claim first takes over tasks whose lease expired while their remote job
/// runs (to re-poll it). A daemon claiming many times a second asks for that a few times a
/// second only: on a busy PostgreSQL store the look walks index entries of tasks finished
/// since the last vacuum, a cost each claim would pay for nothing.
pub fn claim_within_rates(
    conn: &Conn,
    owner: &str,
    now: Millis,
    lease_ms: i64,
    slots: usize,
    limits: &Limits,
    adopt: bool,
) -> Result<(Vec<Claimed>, Vec<RateWait>)> {
    let mut out = Vec::new();
    if slots == 0 {
        return Ok((out, Vec::new()));
    }
    let until = now + lease_ms;

    // On PostgreSQL the candidates are locked as they are read, skipping rows another
    // transaction holds (another daemon's claim, a finishing worker): each is then ours to
    // adopt until this transaction commits.
    let adoptable: Vec<i64> = if !adopt {
        Vec::new()
    } else {
        conn.rows(
        Sql::each(
            "SELECT seq FROM tasks
             WHERE lease_expires_at <= ?1 AND status IN ('submitted','processing') AND remote_job_id IS NOT NULL
             ORDER BY priority DESC, seq LIMIT ?2",
            "SELECT seq FROM tasks
             WHERE lease_expires_at <= $1 AND status IN ('submitted','processing') AND remote_job_id IS NOT NULL
             ORDER BY priority DESC, seq LIMIT $2
             FOR UPDATE SKIP LOCKED",
        ),
        args![now, slots],
        |r| r.get(0),
    )?
    };
    for seq in adoptable {
        let n = conn.exec(
            Sql::same(
                "UPDATE tasks SET lease_owner = ?2, lease_expires_at = ?3, lease_epoch = lease_epoch + 1
                 WHERE seq = ?1 AND lease_expires_at <= ?4 AND status IN ('submitted','processing')",
            ),
            args![seq, owner, until, now],
        )?;
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

    let mut room = room_per_profile(conn, limits)?;
    budgets::release_stale(conn, &limits.budgets)?;
    // The rate-limited profiles' buckets, locked on PostgreSQL (in name order) until the
    // claim commits. A budget admission would be a second check of the same shape, beside
    // the reservation below.
    let mut buckets: BTreeMap<String, (Bucket, Bucket)> = BTreeMap::new();
    for (profile, l) in &limits.rates {
        let b = rates::lock(conn, profile, *l, now)?;
        buckets.insert(profile.clone(), (b.clone(), b));
    }
    // A profile's stored wait is not trusted here: results may have given tokens back since
    // it was computed, so its first candidate is tried again (and the wait renewed).
    let mut waiting: HashSet<String> = HashSet::new();
    let mut accounts_seen: HashMap<i64, Account> = HashMap::new();
    // Each round takes, times out or passes over (its profile being full from then on) every
    // candidate it read, so the next one reads new ones; it ends when the slots are taken or
    // the candidates run out.
    while out.len() < slots {
        let want = slots - out.len();
        // On PostgreSQL exactly the tasks wanted are locked (a daemon beside this one claims
        // the next ones); SQLite reads ahead past tasks that turn out to be passed over.
        let window = if conn.is_pg() { want } else { want * 4 + 64 };
        let due = due_for_claim(conn, now, window as i64, &full_of(&room, &waiting, limits))?;
        let exhausted = due.len() < window;
        // Whether this round changed anything (a round that did not would read the same
        // candidates again).
        let mut moved_on = false;
        let mut chosen = Vec::new();
        let mut reserved: Vec<(i64, String, u64)> = Vec::new();
        for (seq, generator, deadline) in due {
            if out.len() + chosen.len() >= slots {
                break;
            }
            if deadline <= now {
                moved_on |= time_out(
                    conn,
                    Seq(seq),
                    now,
                    "deadline passed before the task could start",
                )?;
                continue;
            }
            let profile = limits.profile_of(generator.as_deref());
            if waiting.contains(profile) {
                // It started waiting in this claim: the next round passes it over.
                moved_on = true;
                continue;
            }
            if room.get(profile).is_some_and(|n| *n <= 0) {
                // The profile filled up in this claim: the next round passes it over.
                moved_on = true;
                continue;
            }
            // The rate limits first: their reservation is undone in memory if the budget
            // then refuses the task.
            let mut rate_tokens = None;
            if let Some((_, bucket)) = buckets.get_mut(profile) {
                let task = tasks::get(conn, Seq(seq))?;
                let account = match accounts_seen.get(&task.account_id) {
                    Some(a) => a,
                    None => {
                        let a = accounts::get_by_id(conn, task.account_id)?.ok_or_else(|| {
                            crate::error::Error::NotFound {
                                kind: "account",
                                id: task.account_id.to_string(),
                            }
                        })?;
                        accounts_seen.entry(task.account_id).or_insert(a)
                    }
                };
                let tokens = limits.estimate.tokens(&task, account, profile);
                if bucket.reserve(now, tokens).is_err() {
                    waiting.insert(profile.to_string());
                    moved_on = true;
                    continue;
                }
                rate_tokens = Some(tokens);
            }
            let admission = budgets::admit(conn, &limits.budgets, seq, profile, now)?;
            if admission != budgets::Admission::Admitted {
                if let (Some(tokens), Some((_, bucket))) = (rate_tokens, buckets.get_mut(profile)) {
                    bucket.unreserve(tokens);
                }
                // The task stays pending while its budget is exhausted.
                moved_on |= budgets::passes_over(conn, &mut room, profile, seq, &admission, now)?;
                continue;
            }
            if let Some(tokens) = rate_tokens {
                reserved.push((seq, profile.to_string(), tokens));
            }
            if let Some(n) = room.get_mut(profile) {
                *n -= 1;
            }
            chosen.push(seq);
        }
        let taken = take(conn, owner, &chosen, now, until)?;
        for (seq, profile, tokens) in reserved {
            if taken.iter().any(|c| c.seq.0 == seq) {
                rates::note_reservation(conn, Seq(seq), &profile, tokens)?;
            } else if let Some((_, bucket)) = buckets.get_mut(&profile) {
                bucket.unreserve(tokens);
            }
        }
        moved_on |= !taken.is_empty();
        out.extend(taken);
        if exhausted || !moved_on {
            break;
        }
    }
    let mut waits = Vec::new();
    for (profile, (before, after)) in &buckets {
        if after != before {
            rates::save(conn, profile, after)?;
        }
        if let Some((kind, until)) = after.waiting(now) {
            waits.push(RateWait {
                profile: profile.clone(),
                kind,
                until,
            });
        }
    }
    Ok((out, waits))
}

/// A claim on PostgreSQL: moves the tasks and records their events in one statement, and
/// returns them as the update wrote them, in the columns `tasks::from_row` reads, followed by
/// the remote attempts and the lease epoch. Built once.
///
/// The tasks are found by their numbers alone: the candidate read of the same transaction
/// locked each of them while it was `pending` (`FOR UPDATE` checks that again on the row as
/// last committed), so none has changed since. A `status = 'pending'` here would let the
/// planner read the tasks through one of the pending-only indexes, that is through the whole
/// backlog, filtering by number: it does so whenever the table's statistics were taken while
/// few tasks were pending (before an import, say), and every claim then cost time in
/// proportion to the backlog.
static CLAIM_PG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH moved AS (
             UPDATE tasks t SET status = 'submitted', updated_at = $2, lease_owner = $3,
                 lease_expires_at = $4, submitted_at = $2,
                 started_at = coalesce(t.started_at, $2), lease_epoch = t.lease_epoch + 1
             WHERE t.seq = ANY((SELECT $1::bigint[])::bigint[])
             RETURNING {}, t.remote_attempts, t.lease_epoch
         ), events AS (
             INSERT INTO task_events(task_seq, at, from_status, to_status, message, actor)
             SELECT seq, $2, 'pending', 'submitted', $5, $6 FROM moved
         )
         SELECT * FROM moved",
        tasks::claimed_returning()
    )
});

/// Moves the given pending tasks (read, and on PostgreSQL locked, by this claim) to
/// `submitted` under `owner`'s lease, recording each change, and returns them claimed, in the
/// order given. Each task's lease epoch moves on. On PostgreSQL one statement does it for
/// all of them.
fn take(
    conn: &Conn,
    owner: &str,
    seqs: &[i64],
    now: Millis,
    until: Millis,
) -> Result<Vec<Claimed>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let message = format!("claimed by {owner}");
    let actor = conn.actor();
    // (seq, remote attempts, lease epoch, the task as moved), in the order given.
    let moved: Vec<(i64, u32, i64, crate::domain::Task)> = if conn.is_pg() {
        let n = tasks::COLUMNS;
        let mut moved = conn.rows(
            Sql::pg(&CLAIM_PG),
            args![seqs.to_vec(), now, owner, until, message, actor],
            |r| {
                let task = tasks::from_row(r)?;
                Ok((r.get(0)?, r.get(n)?, r.get(n + 1)?, task))
            },
        )?;
        moved.sort_by_key(|(seq, ..)| seqs.iter().position(|s| s == seq));
        moved
    } else {
        let mut moved = Vec::with_capacity(seqs.len());
        for &seq in seqs {
            let row: Option<(i64, u32, i64)> = conn.row(
                Sql::same(
                    "UPDATE tasks SET status = 'submitted', updated_at = ?2, lease_owner = ?3,
                         lease_expires_at = ?4, submitted_at = ?2,
                         started_at = coalesce(started_at, ?2), lease_epoch = lease_epoch + 1
                     WHERE seq = ?1 AND status = 'pending'
                     RETURNING seq, remote_attempts, lease_epoch",
                ),
                args![seq, now, owner, until],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            if let Some(row) = row {
                tasks::record_event(
                    conn,
                    Seq(seq),
                    now,
                    Some(Status::Pending),
                    Status::Submitted,
                    Some(&message),
                )?;
                moved.push(row);
            }
        }
        let seqs: Vec<Seq> = moved.iter().map(|(seq, ..)| Seq(*seq)).collect();
        let found = tasks::get_claimed(conn, &seqs)?;
        if found.len() != seqs.len() {
            return Err(crate::error::Error::Store(
                "a task vanished while it was being claimed".into(),
            ));
        }
        moved
            .into_iter()
            .zip(found)
            .map(|((seq, attempts, epoch), task)| (seq, attempts, epoch, task))
            .collect()
    };
    let mut accounts: HashMap<i64, crate::domain::account::Account> = HashMap::new();
    let mut out = Vec::with_capacity(moved.len());
    for (seq, remote_attempts, epoch, task) in moved {
        let account = match accounts.get(&task.account_id) {
            Some(a) => a.clone(),
            None => {
                let a = accounts::get_by_id(conn, task.account_id)?.ok_or_else(|| {
                    crate::error::Error::NotFound {
                        kind: "account",
                        id: task.account_id.to_string(),
                    }
                })?;
                accounts.insert(task.account_id, a.clone());
                a
            }
        };
        out.push(Claimed {
            seq: Seq(seq),
            task,
            account,
            adopted: false,
            remote_attempts,
            epoch,
        });
    }
    Ok(out)
}

/// Due pending tasks in claim order (priority, then age), at most `window` of them, passing
/// over the generators in `full`. With none full, one walk of the claim index; otherwise each
/// other generator's first tasks by seeks on its own index range, merged, so a full
/// generator's backlog is never read. On PostgreSQL the tasks returned are locked, skipping
/// those another transaction holds, and the reads are the schema's `contenthub_due`
/// functions (version 17), which walk those indexes whatever the statistics say.
fn due_for_claim(
    conn: &Conn,
    now: Millis,
    window: i64,
    full: &Full,
) -> Result<Vec<(i64, Option<String>, Millis)>> {
    type Due = (i64, i64, Option<String>, Millis);
    let row = |r: &super::sql::Row<'_>| -> Result<Due> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    };
    let due: Vec<Due> = if full.is_empty() {
        conn.rows(
            Sql::each(
                "SELECT priority, seq, generator, deadline_at FROM tasks INDEXED BY tasks_claim
                 WHERE status = 'pending' AND next_attempt_at <= ?1
                 ORDER BY priority DESC, seq LIMIT ?2",
                "SELECT priority, seq, generator, deadline_at FROM contenthub_due($1, $2)",
            ),
            args![now, window],
            row,
        )?
    } else {
        // PostgreSQL locks each generator's first `window` tasks, and keeps the locks on
        // those the merge leaves out until the claim commits: at most `window` per
        // generator, which other daemons' claims skip meanwhile.
        let mut due = Vec::new();
        for generator in claimable_generators(conn, full)? {
            let rows = match (&generator, conn.is_pg()) {
                (Some(g), true) => conn.rows(
                    Sql::pg(
                        "SELECT priority, seq, generator, deadline_at
                         FROM contenthub_due_of($1, $2, $3)",
                    ),
                    args![g, now, window],
                    row,
                )?,
                (None, true) => conn.rows(
                    Sql::pg(
                        "SELECT priority, seq, generator, deadline_at
                         FROM contenthub_due_unnamed($1, $2)",
                    ),
                    args![now, window],
                    row,
                )?,
                (_, false) => conn.rows(
                    Sql::same(
                        "SELECT priority, seq, generator, deadline_at FROM tasks INDEXED BY tasks_pending_generator
                         WHERE status = 'pending' AND generator IS ?1 AND next_attempt_at <= ?2
                         ORDER BY priority DESC, seq LIMIT ?3",
                    ),
                    args![generator, now, window],
                    row,
                )?,
            };
            due.extend(rows);
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
    let names: Vec<String> = conn.rows(
        Sql::each(
            "WITH RECURSIVE g(name) AS (
                 SELECT min(generator) FROM tasks INDEXED BY tasks_pending_generator
                 WHERE status = 'pending'
                 UNION ALL
                 SELECT (SELECT min(generator) FROM tasks INDEXED BY tasks_pending_generator
                         WHERE status = 'pending' AND generator > g.name)
                 FROM g WHERE g.name IS NOT NULL
             )
             SELECT name FROM g WHERE name IS NOT NULL",
            "WITH RECURSIVE g(name) AS (
                 SELECT min(generator) FROM tasks WHERE status = 'pending'
                 UNION ALL
                 SELECT (SELECT min(generator) FROM tasks
                         WHERE status = 'pending' AND generator > g.name)
                 FROM g WHERE g.name IS NOT NULL
             )
             SELECT name FROM g WHERE name IS NOT NULL",
        ),
        args![],
        |r| r.get(0),
    )?;
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

/// The claimed view of a task (task, account, abandoned remote jobs, lease epoch), also for
/// code that finishes a task outside a worker: a callback builds its content from it.
pub fn load(conn: &Conn, seq: Seq, adopted: bool) -> Result<Claimed> {
    let task = tasks::get(conn, seq)?;
    let account = accounts::get_by_id(conn, task.account_id)?.ok_or_else(|| {
        crate::error::Error::NotFound {
            kind: "account",
            id: task.account_id.to_string(),
        }
    })?;
    let (remote_attempts, epoch) = conn.one(
        Sql::same("SELECT remote_attempts, lease_epoch FROM tasks WHERE seq = ?1"),
        args![seq.0],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Claimed {
        seq,
        task,
        account,
        adopted,
        remote_attempts,
        epoch,
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

/// Extends the leases `owner` holds on the tasks it is still working on, each given with
/// the epoch it was claimed under: a task another claim took over meanwhile is left alone.
/// Returns how many were extended.
pub fn renew(conn: &Conn, owner: &str, held: &[(Seq, i64)], until: Millis) -> Result<usize> {
    if held.is_empty() {
        return Ok(0);
    }
    if conn.is_pg() {
        let (seqs, epochs): (Vec<i64>, Vec<i64>) = held.iter().map(|(s, e)| (s.0, *e)).unzip();
        // The rows are locked in `seq` order first, as a batch of results locks them
        // (`prefetch`): the daemon's result writer, on a connection of its own, may be
        // finishing some of these tasks at this moment, and the two must not wait on each
        // other in a cycle.
        return conn.exec(
            Sql::pg(
                "WITH held AS (
                     SELECT t.seq FROM tasks t
                     JOIN unnest($3::bigint[], $4::bigint[]) AS h(seq, epoch)
                       ON t.seq = h.seq AND t.lease_epoch = h.epoch
                     WHERE t.lease_owner = $1 AND t.status IN ('submitted','processing')
                     ORDER BY t.seq FOR UPDATE OF t
                 )
                 UPDATE tasks t SET lease_expires_at = $2 FROM held
                 WHERE t.seq = held.seq AND t.lease_owner = $1
                   AND t.status IN ('submitted','processing')",
            ),
            args![owner, until, seqs, epochs],
        );
    }
    let pairs: Vec<[i64; 2]> = held.iter().map(|(s, e)| [s.0, *e]).collect();
    let pairs = serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into());
    conn.exec(
        Sql::same(
            "UPDATE tasks SET lease_expires_at = ?2
             WHERE lease_owner = ?1 AND status IN ('submitted','processing')
               AND (seq, lease_epoch) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')
                                          FROM json_each(?3))",
        ),
        args![owner, until, pairs],
    )
}

/// Lets every lease `owner` still holds expire now, so other daemons may take the tasks at
/// once: the last thing a daemon does.
pub fn release_all(conn: &Conn, owner: &str, now: Millis) -> Result<usize> {
    conn.exec(
        Sql::same(
            "UPDATE tasks SET lease_owner = NULL, lease_expires_at = ?2
             WHERE lease_owner = ?1 AND status IN ('submitted','processing')",
        ),
        args![owner, now],
    )
}

/// Returns tasks without a remote job whose lease expired (or, with `foreign_too`, that any
/// other owner holds: the OS lock proves no other daemon is alive) to `pending`, without
/// using up a retry. With `foreign_too`, foreign leases on remote jobs are expired so they
/// are adopted at once. Returns how many were returned to the queue.
///
/// On PostgreSQL the tasks are locked as they are selected, skipping those another
/// transaction holds: their lease cannot be renewed, nor the task claimed or finished, before
/// this transaction returns them, and daemons reaping at once return each task once.
pub fn reap(conn: &Conn, owner: &str, now: Millis, foreign_too: bool) -> Result<usize> {
    if foreign_too {
        conn.exec(
            Sql::same(
                "UPDATE tasks SET lease_expires_at = ?2
             WHERE status IN ('submitted','processing') AND remote_job_id IS NOT NULL
               AND (lease_owner IS NULL OR lease_owner <> ?1)",
            ),
            args![owner, now],
        )?;
    }
    let sql = if foreign_too {
        Sql::each(
            "SELECT seq, lease_owner FROM tasks WHERE status IN ('submitted','processing') AND remote_job_id IS NULL
               AND (lease_owner IS NULL OR lease_owner <> ?1 OR lease_expires_at <= ?2)",
            "SELECT seq, lease_owner FROM tasks WHERE status IN ('submitted','processing') AND remote_job_id IS NULL
               AND (lease_owner IS NULL OR lease_owner <> $1 OR lease_expires_at <= $2)
             FOR UPDATE SKIP LOCKED",
        )
    } else {
        Sql::each(
            "SELECT seq, lease_owner FROM tasks WHERE lease_expires_at <= ?2
               AND status IN ('submitted','processing') AND remote_job_id IS NULL AND ?1 IS NOT NULL",
            "SELECT seq, lease_owner FROM tasks WHERE lease_expires_at <= $2
               AND status IN ('submitted','processing') AND remote_job_id IS NULL AND $1::text IS NOT NULL
             FOR UPDATE SKIP LOCKED",
        )
    };
    let expired: Vec<(i64, Option<String>)> =
        conn.rows(sql, args![owner, now], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut n = 0;
    for (seq, holder) in expired {
        // The lease is let go only if it is still as selected, checked by the update itself
        // (on PostgreSQL the row lock already keeps it so; this keeps it so on any path).
        let let_go = conn.exec(
            Sql::same(
                "UPDATE tasks SET lease_owner = NULL, lease_expires_at = NULL
                 WHERE seq = ?1 AND status IN ('submitted','processing') AND remote_job_id IS NULL
                   AND (lease_expires_at <= ?2 OR (?3 AND (lease_owner IS NULL OR lease_owner <> ?4)))",
            ),
            args![seq, now, foreign_too, owner],
        )?;
        if let_go == 0 {
            continue;
        }
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
/// on (held tasks are timed out by their worker). Returns how many. On PostgreSQL the tasks
/// are locked as they are selected, skipping those another transaction holds, so a task
/// claimed or renewed meanwhile is not timed out under its holder, and daemons sweeping at
/// once time each task out once.
pub fn sweep_deadlines(conn: &Conn, now: Millis) -> Result<usize> {
    let due: Vec<i64> = conn.rows(
        Sql::each(
            "SELECT seq FROM tasks INDEXED BY tasks_deadline
             WHERE deadline_at <= ?1 AND status IN ('pending','submitted','processing')
               AND (lease_expires_at IS NULL OR lease_expires_at <= ?1)",
            "SELECT seq FROM tasks
             WHERE deadline_at <= $1 AND status IN ('pending','submitted','processing')
               AND (lease_expires_at IS NULL OR lease_expires_at <= $1)
             FOR UPDATE SKIP LOCKED",
        ),
        args![now],
        |r| r.get(0),
    )?;
    let mut n = 0;
    for seq in due {
        // Only while nobody holds a live lease on it, checked by the update itself.
        let unheld = conn.exec(
            Sql::same(
                "UPDATE tasks SET lease_owner = NULL, lease_expires_at = NULL
                 WHERE seq = ?1 AND deadline_at <= ?2 AND status IN ('pending','submitted','processing')
                   AND (lease_expires_at IS NULL OR lease_expires_at <= ?2)",
            ),
            args![seq, now],
        )?;
        if unheld == 1 && time_out(conn, Seq(seq), now, "deadline passed")? {
            n += 1;
        }
    }
    Ok(n)
}

/// Records the remote job a generator started, moving the task to `processing`. Must be
/// committed before the job is polled: after a crash it is what prevents a second submit.
/// Applies only while `owner` holds the task under `epoch`; returns whether it did.
pub fn set_remote(
    conn: &Conn,
    seq: Seq,
    owner: &str,
    epoch: i64,
    job_id: &str,
    now: Millis,
) -> Result<bool> {
    if !holds(conn, seq, Fence::Lease { owner, epoch })? {
        return Ok(false);
    }
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
        // Already processing (adopted): record the id while it is still running.
        let n = conn.exec(
            Sql::same(
                "UPDATE tasks SET remote_job_id = ?3, updated_at = ?4 WHERE seq = ?1 AND lease_owner = ?2 AND status = 'processing'",
            ),
            args![seq.0, owner, job_id, now],
        )?;
        return Ok(n == 1);
    }
    Ok(true)
}

/// Takes the idempotency key for a remote submit of the task this daemon holds, and records it
/// before the request leaves: `{task id}` for the first submit, `{task id}-r{n}` for the
/// n-th after it, so no key is ever posted twice. When an earlier submit's key is still
/// recorded, that submit was interrupted before its reply was recorded; the task's history
/// says its job is abandoned. `None` when the task is no longer ours (`owner` no longer holds
/// it under `epoch`).
pub fn take_submit_key(
    conn: &Conn,
    seq: Seq,
    owner: &str,
    epoch: i64,
    task_id: &str,
    now: Millis,
) -> Result<Option<String>> {
    // Locked on PostgreSQL: the count of keys taken is read, then written.
    let row: Option<(u32, Option<String>, String)> = conn.row(
        Sql::each(
            "SELECT remote_attempts, remote_submit_key, status FROM tasks
             WHERE seq = ?1 AND lease_owner = ?2 AND lease_epoch = ?3 AND status IN ('submitted','processing')",
            "SELECT remote_attempts, remote_submit_key, status FROM tasks
             WHERE seq = $1 AND lease_owner = $2 AND lease_epoch = $3 AND status IN ('submitted','processing')
             FOR UPDATE",
        ),
        args![seq.0, owner, epoch],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let Some((n, earlier, status)) = row else {
        return Ok(None);
    };
    let status = tasks::status(status)?;
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
    conn.exec(
        Sql::same(
            "UPDATE tasks SET remote_attempts = ?2, remote_submit_key = ?3, updated_at = ?4 WHERE seq = ?1",
        ),
        args![seq.0, n + 1, key, now],
    )?;
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
        .row(
            Sql::same("SELECT remote_submit_key FROM tasks WHERE seq = ?1"),
            args![seq.0],
            |r| r.get(0),
        )?
        .flatten();
    forget_submit_key(conn, seq, key)
}

/// [`settle_submit_key`] of a task whose key was read as `key`.
fn forget_submit_key(conn: &Conn, seq: Seq, key: Option<String>) -> Result<Option<String>> {
    if key.is_some() {
        conn.exec(
            Sql::same("UPDATE tasks SET remote_submit_key = NULL WHERE seq = ?1"),
            args![seq.0],
        )?;
    }
    Ok(key)
}

/// Records progress reported by a generator; the first report moves `submitted` to
/// `processing`. Applies only under `fence`; returns whether it did.
pub fn progress(
    conn: &Conn,
    seq: Seq,
    fence: Fence<'_>,
    progress: Option<u8>,
    step: Option<&str>,
    now: Millis,
) -> Result<bool> {
    if !holds(conn, seq, fence)? {
        return Ok(false);
    }
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
        let n = conn.exec(
            Sql::same(
                "UPDATE tasks SET progress = coalesce(?2, progress), current_step = coalesce(?3, current_step), updated_at = ?4
                 WHERE seq = ?1 AND status = 'processing'",
            ),
            args![seq.0, progress, step, now],
        )?;
        return Ok(n == 1);
    }
    Ok(true)
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
    /// The task's profile `from` is unavailable: back to pending at once on profile `to`,
    /// no retry used. `original` is the profile whose `fallback` list the task follows; it
    /// is recorded with the task.
    Moved {
        kind: String,
        message: String,
        from: String,
        to: String,
        original: String,
    },
    /// The review rules sent the draft back: back to pending now, no retry used, one more
    /// regeneration counted; `draft` (a JSON record of the draft and its findings) is added
    /// to the task's rejected drafts and `feedback` goes into the next attempt's prompt.
    /// The draft's tokens count as a completion's.
    Regenerate {
        message: String,
        draft: serde_json::Value,
        feedback: Vec<String>,
        prompt_tokens: Option<u32>,
        completion_tokens: Option<u32>,
    },
    /// Shutdown or a lost lease: back to pending now, no retry used. Tasks with a remote job
    /// keep it and stay `processing` with an expired lease, so the next daemon adopts them.
    Released,
}

impl Finish {
    /// The prompt and completion tokens a reply reported, for the ends that had a reply (an
    /// article, or a draft sent back): what settles the attempt's reservations.
    fn reply_tokens(&self) -> Option<(Option<u32>, Option<u32>)> {
        match self {
            Finish::Completed(c) => Some((c.prompt_tokens, c.completion_tokens)),
            Finish::Regenerate {
                prompt_tokens,
                completion_tokens,
                ..
            } => Some((*prompt_tokens, *completion_tokens)),
            _ => None,
        }
    }
}

/// How a result settles its task's budget reservations.
fn settlement(f: &Finish) -> budgets::Settlement {
    match (f, f.reply_tokens()) {
        (_, Some((prompt, completion))) => budgets::Settlement::Usage(budgets::Usage {
            prompt: prompt.unwrap_or(0).into(),
            completion: completion.unwrap_or(0).into(),
        }),
        (Finish::Released, _) => budgets::Settlement::Released,
        _ => budgets::Settlement::Release,
    }
}

/// Applies one result under `fence`. Returns the status the task ends in, or `None` when
/// nothing was applied: the task had already left the states this result applies to
/// (cancelled meanwhile, or a duplicate), or the fence no longer holds (another claim took
/// the task over, or the reported job is no longer its current one).
pub fn finish(
    conn: &Conn,
    seq: Seq,
    fence: Fence<'_>,
    f: &Finish,
    now: Millis,
) -> Result<Option<Status>> {
    // The row is read (and on PostgreSQL locked) under the fence: what it says holds until
    // this transaction ends.
    let Some(held) = held(conn, seq, fence)? else {
        return Ok(None);
    };
    // The rate bucket before the budgets, in the order a claim locks them.
    if held.rate_reserved {
        settle_reservation(conn, seq, f, now)?;
    }
    if held.budget_reserved {
        budgets::settle(conn, seq, settlement(f))?;
    }
    // The attempt is over: a submit still recorded as under way never got its reply.
    let running = [Status::Submitted, Status::Processing];
    if let Some(key) = forget_submit_key(conn, seq, held.submit_key)? {
        let why = match f {
            Finish::Completed(_) | Finish::Regenerate { .. } => None,
            Finish::Released => Some("released at shutdown while its submit was under way".into()),
            Finish::Retry { message, .. }
            | Finish::Failed { message, .. }
            | Finish::Moved { message, .. }
            | Finish::TimedOut { message } => {
                Some(format!("its submit ended without a result ({message})"))
            }
        };
        let status = Some(held.status).filter(|s| running.contains(s));
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
            if !running.contains(&held.status) {
                return Ok(None);
            }
            let Some(content_id) = contents::insert(conn, content, now)? else {
                return Ok(None);
            };
            if held.has_steps {
                super::steps::link(conn, seq, content_id)?;
            }
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
            count_durations_of(conn, held.created_at, held.started_at, true, now)?;
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
            if !running.contains(&held.status) {
                return Ok(None);
            }
            let task = tasks::get(conn, seq)?;
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
        Finish::Regenerate {
            message,
            draft,
            feedback,
            ..
        } => {
            if !running.contains(&held.status) {
                return Ok(None);
            }
            let task = tasks::get(conn, seq)?;
            // The next draft is written from the start: steps of this one are not reused.
            super::steps::discard(conn, seq)?;
            let mut drafts = tasks::review_drafts(conn, seq)?;
            drafts.push(draft.clone());
            let mut c = cleared();
            c.next_attempt_at = Some(now);
            c.remote_job_id = Some(None);
            c.progress = Some(None);
            c.current_step = Some(None);
            c.error_kind = Some(None);
            c.error_message = Some(None);
            c.regenerations = Some(task.regenerations + 1);
            c.review_feedback = Some(Some(
                serde_json::to_string(feedback).unwrap_or_else(|_| "[]".into()),
            ));
            c.review_drafts = Some(Some(
                serde_json::to_string(&drafts).unwrap_or_else(|_| "[]".into()),
            ));
            let msg = format!(
                "review: draft sent back for a new one (regeneration {}): {message}",
                task.regenerations + 1
            );
            tasks::transition(conn, seq, &running, Status::Pending, &c, Some(&msg), now)?;
            counters::add(conn, TASK_REGENERATIONS, "", 1)?;
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
                count_durations_of(conn, held.created_at, held.started_at, false, now)?;
            }
            Ok(moved.map(|_| Status::Failed))
        }
        Finish::TimedOut { message } => {
            Ok(time_out(conn, seq, now, message)?.then_some(Status::Timeout))
        }
        Finish::Moved {
            kind,
            message,
            from,
            to,
            original,
        } => {
            if !running.contains(&held.status) {
                return Ok(None);
            }
            let mut c = cleared();
            c.remote_job_id = Some(None);
            let moved = move_profile(
                conn, seq, &running, &mut c, kind, message, from, to, original, now,
            )?;
            if moved.is_some() {
                // The next profile writes the article its own way, from the start.
                super::steps::discard(conn, seq)?;
            }
            Ok(moved.map(|_| Status::Pending))
        }
        Finish::Released => {
            let has_remote: bool = conn
                .row(
                    Sql::same("SELECT remote_job_id IS NOT NULL FROM tasks WHERE seq = ?1"),
                    args![seq.0],
                    |r| r.get(0),
                )?
                .unwrap_or(false);
            if has_remote {
                conn.exec(
                    Sql::same(
                        "UPDATE tasks SET lease_owner = NULL, lease_expires_at = ?2 WHERE seq = ?1 AND status IN ('submitted','processing')",
                    ),
                    args![seq.0, now],
                )?;
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

/// The transition of a move to another profile: from one of `from` to `pending` on `to`,
/// due now, with `changes` besides and the move in the task's history.
#[allow(clippy::too_many_arguments)]
fn move_profile(
    conn: &Conn,
    seq: Seq,
    from: &[Status],
    c: &mut Changes,
    kind: &str,
    message: &str,
    from_profile: &str,
    to: &str,
    original: &str,
    now: Millis,
) -> Result<Option<Status>> {
    c.next_attempt_at = Some(now);
    c.progress = Some(None);
    c.current_step = Some(None);
    c.error_kind = Some(Some(kind.to_string()));
    c.error_message = Some(Some(message.to_string()));
    c.generator = Some(Some(to.to_string()));
    c.original_generator = Some(Some(original.to_string()));
    let event = format!("profile {from_profile} unavailable ({message}): moved to {to}");
    let moved = tasks::transition(conn, seq, from, Status::Pending, c, Some(&event), now)?;
    if moved.is_some() {
        counters::add(
            conn,
            TASK_FALLBACKS,
            &format!("from={from_profile},to={to}"),
            1,
        )?;
    }
    Ok(moved)
}

/// Moves a `pending` task that is still on profile `from` to profile `to`, due now, and
/// records why (`message`) in its history: for a task whose profile cannot take it soon
/// enough, such as a wait for a rate limit or a budget longer than the profile's
/// `fallback_after`, decided at claim time. Returns whether it moved (`false`: the task has
/// left `pending` or `from` meanwhile).
#[allow(clippy::too_many_arguments)]
pub fn move_pending(
    conn: &Conn,
    seq: Seq,
    kind: &str,
    message: &str,
    from: &str,
    to: &str,
    original: &str,
    now: Millis,
) -> Result<bool> {
    // Locked on PostgreSQL: the profile is read, then changed.
    let on: Option<Option<String>> = conn.row(
        Sql::each(
            "SELECT generator FROM tasks WHERE seq = ?1 AND status = 'pending'",
            "SELECT generator FROM tasks WHERE seq = $1 AND status = 'pending' FOR UPDATE",
        ),
        args![seq.0],
        |r| r.get(0),
    )?;
    // A task without a profile runs on the default one, which the caller resolved as `from`.
    match on {
        Some(Some(p)) if p != from => return Ok(false),
        None => return Ok(false),
        _ => {}
    }
    let n = conn.exec(
        Sql::same(
            "UPDATE tasks SET updated_at = ?2, next_attempt_at = ?2, error_kind = ?3, error_message = ?4,
                 generator = ?5, original_generator = ?6
             WHERE seq = ?1 AND status = 'pending'",
        ),
        args![seq.0, now, kind, message, to, original],
    )?;
    if n == 0 {
        return Ok(false);
    }
    super::steps::discard(conn, seq)?;
    let event = format!("profile {from} unavailable ({message}): moved to {to}");
    tasks::record_event(
        conn,
        seq,
        now,
        Some(Status::Pending),
        Status::Pending,
        Some(&event),
    )?;
    counters::add(conn, TASK_FALLBACKS, &format!("from={from},to={to}"), 1)?;
    Ok(true)
}

/// Settles what the attempt reserved from its profile's rate limits: a completion by the
/// tokens its reply reports (the estimate stands when it reports none), any other end by
/// giving the tokens back. The request stays counted either way. On PostgreSQL the bucket's
/// row is locked until the transaction ends.
fn settle_reservation(conn: &Conn, seq: Seq, f: &Finish, now: Millis) -> Result<()> {
    let Some((profile, reserved)) = rates::take_reservation(conn, seq)? else {
        return Ok(());
    };
    let Some(mut bucket) = rates::locked(conn, &profile)? else {
        return Ok(());
    };
    let used = f.reply_tokens().map(|tokens| match tokens {
        (None, None) => reserved,
        (p, c) => u64::from(p.unwrap_or(0)) + u64::from(c.unwrap_or(0)),
    });
    bucket.settle(now, reserved, used);
    rates::save(conn, &profile, &bucket)
}

/// Current statuses of the given tasks (those that still exist).
pub fn statuses(conn: &Conn, seqs: &[Seq]) -> Result<Vec<(Seq, Status)>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<i64> = seqs.iter().map(|s| s.0).collect();
    conn.rows(
        Sql::each(
            "SELECT seq, status FROM tasks WHERE seq IN (SELECT value FROM json_each(?1))",
            "SELECT seq, status FROM tasks WHERE seq = ANY($1)",
        ),
        args![list],
        |r| {
            let st: String = r.get(1)?;
            Ok((
                Seq(r.get(0)?),
                st.parse::<Status>().unwrap_or(Status::Failed),
            ))
        },
    )
}

/// When the earliest pending task that is not yet due becomes due (a snoozed or backed-off
/// task), if any.
pub fn next_snooze_end(conn: &Conn, now: Millis) -> Result<Option<Millis>> {
    conn.one(
        Sql::each(
            "SELECT min(next_attempt_at) FROM tasks INDEXED BY tasks_due
             WHERE status = 'pending' AND next_attempt_at > ?1",
            "SELECT min(next_attempt_at) FROM tasks
             WHERE status = 'pending' AND next_attempt_at > $1",
        ),
        args![now],
        |r| r.get(0),
    )
}

/// Whether a pending task is due at `now` that a claim could take, those of the generators in
/// `full` aside: the dispatcher's quick look, after another connection committed.
pub fn has_due_pending(conn: &Conn, now: Millis, full: &Full) -> Result<bool> {
    if full.is_empty() {
        return conn.one(
            Sql::each(
                "SELECT EXISTS(SELECT 1 FROM tasks INDEXED BY tasks_due
                               WHERE status = 'pending' AND next_attempt_at <= ?1)",
                "SELECT EXISTS(SELECT 1 FROM tasks WHERE status = 'pending' AND next_attempt_at <= $1)",
            ),
            args![now],
            |r| r.get(0),
        );
    }
    for generator in claimable_generators(conn, full)? {
        let due: bool = match (&generator, conn.is_pg()) {
            (Some(g), true) => conn.one(
                Sql::pg("SELECT EXISTS(SELECT 1 FROM tasks
                                   WHERE status = 'pending' AND generator = $1 AND next_attempt_at <= $2)"),
                args![g, now],
                |r| r.get(0),
            )?,
            (None, true) => conn.one(
                Sql::pg("SELECT EXISTS(SELECT 1 FROM tasks
                                   WHERE status = 'pending' AND generator IS NULL AND next_attempt_at <= $1)"),
                args![now],
                |r| r.get(0),
            )?,
            (_, false) => conn.one(
                Sql::same(
                    "SELECT EXISTS(SELECT 1 FROM tasks INDEXED BY tasks_pending_generator
                                   WHERE status = 'pending' AND generator IS ?1 AND next_attempt_at <= ?2)",
                ),
                args![generator, now],
                |r| r.get(0),
            )?,
        };
        if due {
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
}

/// Whether anything is left for a draining daemon: pending tasks, or unfinished remote jobs
/// that nobody holds a live lease on.
pub fn has_work(conn: &Conn, now: Millis) -> Result<bool> {
    conn.one(
        Sql::same(
            "SELECT EXISTS(SELECT 1 FROM tasks WHERE status = 'pending')
                 OR EXISTS(SELECT 1 FROM tasks WHERE status IN ('submitted','processing') AND lease_expires_at <= ?1)",
        ),
        args![now],
        |r| r.get(0),
    )
}

/// Ends the leases of a daemon known to be dead (a daemon of this host whose process is
/// gone), so that the reaper and the claim take its tasks over now instead of when its leases
/// would have expired, and marks its heartbeat stopped. Returns how many leases it held.
pub fn expire_owner(conn: &Conn, owner: &str, now: Millis) -> Result<usize> {
    let n = conn.exec(
        Sql::same(
            "UPDATE tasks SET lease_expires_at = ?2
             WHERE lease_owner = ?1 AND lease_expires_at > ?2
               AND status IN ('submitted','processing')",
        ),
        args![owner, now],
    )?;
    conn.exec(
        Sql::same("UPDATE daemons SET stopped_at = ?2 WHERE id = ?1 AND stopped_at IS NULL"),
        args![owner, now],
    )?;
    Ok(n)
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

/// Writes the daemon's heartbeat row (one per daemon, inserted or updated in one statement,
/// so daemons beating at once never collide).
pub fn beat(conn: &Conn, hb: &Heartbeat) -> Result<()> {
    conn.exec(
        Sql::same(
            "INSERT INTO daemons(id, pid, host, version, started_at, last_beat_at, stopped_at, in_flight, max_concurrent, scheduler, listen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT(id) DO UPDATE SET last_beat_at = excluded.last_beat_at, stopped_at = excluded.stopped_at,
                 in_flight = excluded.in_flight, max_concurrent = excluded.max_concurrent",
        ),
        args![
            hb.id,
            hb.pid,
            hb.host,
            hb.version,
            hb.started_at,
            hb.last_beat_at,
            hb.stopped_at,
            hb.in_flight,
            hb.max_concurrent,
            hb.scheduler,
            hb.listen
        ],
    )?;
    // Keep the table small: forget daemons that stopped or went silent a week ago.
    conn.exec(
        Sql::same("DELETE FROM daemons WHERE last_beat_at < ?1"),
        args![hb.last_beat_at - 7 * 86_400_000],
    )?;
    Ok(())
}

/// Holds, until the transaction ends, the lock of daemons starting on `host` (PostgreSQL; on
/// SQLite the write transaction already excludes every other writer).
pub fn lock_host(conn: &Conn, host: &str) -> Result<()> {
    if conn.is_pg() {
        conn.exec(
            Sql::pg("SELECT pg_advisory_xact_lock(hashtext('contenthub:host:' || $1::text))"),
            args![host],
        )?;
    }
    Ok(())
}

/// The most recently beating daemons, newest first.
pub fn heartbeats(conn: &Conn, limit: u32) -> Result<Vec<Heartbeat>> {
    conn.rows(
        Sql::same(
            "SELECT id, pid, host, version, started_at, last_beat_at, stopped_at, in_flight, max_concurrent, scheduler, listen
             FROM daemons ORDER BY last_beat_at DESC LIMIT ?1",
        ),
        args![limit],
        |r| {
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
        },
    )
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
    conn.exec(
        Sql::each(
            "INSERT OR REPLACE INTO task_children(task_seq, owner, pgid, start_ticks, boot_id, run_id, started_at)
             SELECT seq, ?2, ?3, ?4, ?5, ?6, ?7 FROM tasks WHERE seq = ?1",
            "INSERT INTO task_children(task_seq, owner, pgid, start_ticks, boot_id, run_id, started_at)
             SELECT seq, $2, $3, $4, $5, $6, $7 FROM tasks WHERE seq = $1
             ON CONFLICT (task_seq, owner, pgid) DO UPDATE SET start_ticks = EXCLUDED.start_ticks,
                 boot_id = EXCLUDED.boot_id, run_id = EXCLUDED.run_id, started_at = EXCLUDED.started_at",
        ),
        args![
            seq.0,
            owner,
            child.pgid,
            child.start_ticks as i64,
            child.boot_id,
            child.run_id,
            now
        ],
    )?;
    Ok(())
}

/// Forgets a program once it is gone (its attempt ended, or a later daemon killed it).
pub fn clear_child(conn: &Conn, seq: Seq, owner: &str, pgid: i32) -> Result<()> {
    conn.exec(
        Sql::same("DELETE FROM task_children WHERE task_seq = ?1 AND owner = ?2 AND pgid = ?3"),
        args![seq.0, owner, pgid],
    )?;
    Ok(())
}

/// Every recorded program, with whether its daemon still holds its task's lease at `now`.
pub fn recorded_children(conn: &Conn, now: Millis) -> Result<Vec<RecordedChild>> {
    conn.rows(
        Sql::each(
            "SELECT c.task_seq, c.owner, c.pgid, c.start_ticks, c.boot_id, c.run_id,
                coalesce(t.lease_owner = c.owner AND t.lease_expires_at > ?1
                         AND t.status IN ('submitted','processing'), 0)
         FROM task_children c LEFT JOIN tasks t ON t.seq = c.task_seq
         ORDER BY c.task_seq, c.pgid",
            "SELECT c.task_seq, c.owner, c.pgid, c.start_ticks, c.boot_id, c.run_id,
                coalesce(t.lease_owner = c.owner AND t.lease_expires_at > $1
                         AND t.status IN ('submitted','processing'), false)
             FROM task_children c LEFT JOIN tasks t ON t.seq = c.task_seq
             ORDER BY c.task_seq, c.pgid, c.owner",
        ),
        args![now],
        |r| {
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
        },
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::account::NewAccount;
    use crate::domain::{NewTask, Review};
    use crate::store::testing::PgDb;
    use crate::store::Store;

    const T0: Millis = 1_700_000_000_000;
    const LEASE: i64 = 15_000;

    fn account(store: &mut Store) -> Account {
        store
            .write(|c| {
                accounts::insert(
                    c,
                    &NewAccount {
                        name: "blog".into(),
                        display_name: None,
                        platform: "wechat".into(),
                        language: "zh-CN".into(),
                        tone: None,
                        category: None,
                        persona: None,
                        min_words: None,
                        max_words: None,
                        forbidden_words: vec![],
                        review: crate::domain::account::ReviewMode::Auto,
                        review_rules: Default::default(),
                    },
                )
            })
            .unwrap()
    }

    /// Inserts a task at `at` (due at once, with a deadline `timeout_s` later).
    fn task(
        store: &mut Store,
        a: &Account,
        priority: u8,
        generator: Option<&str>,
        timeout_s: u64,
        at: Millis,
    ) -> Seq {
        let t = NewTask {
            account: a.name.clone(),
            topic: format!("topic {priority}"),
            keywords: vec![],
            category: None,
            requirements: None,
            tone: None,
            priority,
            review: None,
            max_retries: 3,
            timeout: Duration::from_secs(timeout_s),
            callback_url: None,
            generator: generator.map(str::to_string),
            idempotency_key: None,
        };
        store.write(|c| tasks::insert(c, &t, a, at)).unwrap().seq
    }

    fn claim_n(store: &mut Store, owner: &str, now: Millis, n: usize) -> Vec<Claimed> {
        store
            .write(|c| claim(c, owner, now, LEASE, n, &Limits::default()))
            .unwrap()
    }

    fn get(store: &mut Store, seq: Seq) -> Task {
        store.read(|c| tasks::get(c, seq)).unwrap()
    }

    fn lease(owner: &str, epoch: i64) -> Fence<'_> {
        Fence::Lease { owner, epoch }
    }

    fn content(t: &Task) -> NewContent {
        NewContent {
            task_id: t.id,
            account_id: t.account_id,
            topic: t.topic.clone(),
            keywords: vec![],
            title: "Title".into(),
            body: "Body text".into(),
            html: None,
            summary: None,
            cover_image: None,
            images: vec![],
            word_count: 2,
            quality_score: None,
            generator: "template".into(),
            model: Some("m1".into()),
            prompt_tokens: Some(10),
            completion_tokens: Some(20),
            review_status: Review::Approved,
            review_reason: None,
            review_record: None,
        }
    }

    fn finish_as(
        store: &mut Store,
        seq: Seq,
        fence: Fence<'_>,
        f: Finish,
        now: Millis,
    ) -> Option<Status> {
        store.write(|c| finish(c, seq, fence, &f, now)).unwrap()
    }

    /// A batch file is recorded with the members still held, each pointing at its line; the
    /// batch id comes after, once; a member that leaves stops counting as waiting.
    fn batch_members_are_recorded_with_their_file(store: &mut Store) {
        use crate::store::batches::{self, Member};
        let a = account(store);
        let seqs: Vec<Seq> = (0..3)
            .map(|i| task(store, &a, 5, None, 3600, T0 + i))
            .collect();
        let claimed = claim_n(store, "d1", T0 + 10, 3);
        assert_eq!(claimed.len(), 3);
        let mut members: Vec<Member> = claimed
            .iter()
            .map(|c| Member {
                seq: c.seq,
                epoch: c.epoch,
                custom_id: c.task.id.to_string(),
            })
            .collect();
        // A stale claim of the third is not recorded.
        members[2].epoch -= 1;
        let held = store
            .write(|c| batches::record(c, "bulk", "file-1", &members, "d1", T0 + 20))
            .unwrap();
        assert_eq!(held, [true, true, false]);
        let first = get(store, claimed[0].seq);
        assert_eq!(first.status, Status::Processing);
        assert_eq!(
            first.remote_job_id.as_deref(),
            Some(format!("file-1/{}", claimed[0].task.id).as_str())
        );
        assert_eq!(get(store, claimed[2].seq).remote_job_id, None);
        let b = store.read(|c| batches::get(c, "file-1")).unwrap().unwrap();
        assert_eq!((b.batch_id, b.state.as_str()), (None, "uploaded"));
        assert_eq!(b.custom_ids.len(), 3);
        // One daemon at a time creates the batch; a claim left by a dead one goes stale.
        fn claim(store: &mut Store, at: i64, stale_before: i64) -> bool {
            store
                .write(|c| batches::claim_create(c, "file-1", at, stale_before))
                .unwrap()
        }
        assert!(claim(store, T0 + 21, 0));
        assert!(!claim(store, T0 + 22, T0 + 21));
        assert!(claim(store, T0 + 23, T0 + 22));
        assert!(store
            .write(|c| batches::set_batch_id(c, "file-1", "batch-1", T0 + 30))
            .unwrap());
        assert!(!claim(store, T0 + 40, T0 + 40), "created: no claim");
        // Recorded once: a second create's id does not replace it.
        assert!(!store
            .write(|c| batches::set_batch_id(c, "file-1", "batch-2", T0 + 31))
            .unwrap());
        let b = store.read(|c| batches::get(c, "file-1")).unwrap().unwrap();
        assert_eq!(
            (b.batch_id.as_deref(), b.state.as_str()),
            (Some("batch-1"), "created")
        );
        assert_eq!(
            store
                .read(|c| batches::waiting_members(c, "file-1"))
                .unwrap(),
            2
        );
        // A file id that is a prefix of another names only its own members.
        assert_eq!(
            store
                .read(|c| batches::waiting_members(c, "file-"))
                .unwrap(),
            0
        );
        let done = finish_as(
            store,
            seqs[0],
            lease("d1", claimed[0].epoch),
            Finish::Failed {
                kind: "permanent".into(),
                message: "refused".into(),
            },
            T0 + 40,
        );
        assert_eq!(done, Some(Status::Failed));
        assert_eq!(
            store
                .read(|c| batches::waiting_members(c, "file-1"))
                .unwrap(),
            1
        );
        store
            .write(|c| batches::set_state(c, "file-1", "completed", T0 + 50))
            .unwrap();
        let all = store.read(batches::all).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].state, "completed");
    }

    /// Pending tasks are claimed by priority, then age, under a lease whose epoch moves on.
    fn claims_in_priority_order(store: &mut Store) {
        let a = account(store);
        let s1 = task(store, &a, 5, None, 600, T0);
        let s2 = task(store, &a, 9, None, 600, T0 + 1);
        let s3 = task(store, &a, 5, None, 600, T0 + 2);
        let s4 = task(store, &a, 1, None, 600, T0 + 3);
        let s5 = task(store, &a, 9, None, 600, T0 + 4);
        let now = T0 + 10;
        let first = claim_n(store, "d1", now, 3);
        let seqs: Vec<Seq> = first.iter().map(|c| c.seq).collect();
        assert_eq!(seqs, vec![s2, s5, s1]);
        for c in &first {
            assert_eq!(c.epoch, 1);
            assert!(!c.adopted);
            assert_eq!(c.task.status, Status::Submitted);
            assert_eq!(c.task.lease_owner.as_deref(), Some("d1"));
            assert_eq!(c.task.lease_expires_at.map(|t| t.0), Some(now + LEASE));
            assert_eq!(c.task.started_at.map(|t| t.0), Some(now));
            assert_eq!(c.account.id, a.id);
        }
        let rest: Vec<Seq> = claim_n(store, "d2", now, 10)
            .iter()
            .map(|c| c.seq)
            .collect();
        assert_eq!(rest, vec![s3, s4]);
        assert!(claim_n(store, "d2", now, 10).is_empty());
        assert!(claim_n(store, "d2", now, 0).is_empty());
        let st = store
            .read(|c| statuses(c, &[s1, s4, Seq(999_999)]))
            .unwrap();
        assert_eq!(st.len(), 2);
        assert!(st.iter().all(|(_, s)| *s == Status::Submitted));
    }

    /// A remote job whose lease expired is adopted by the next claim (re-polled under a new
    /// epoch), and the claim that lost it can no longer write anything to the task.
    fn adopts_expired_remote_jobs_and_fences_the_old_claim(store: &mut Store) {
        let a = account(store);
        let seq = task(store, &a, 5, None, 3600, T0);
        let c1 = claim_n(store, "d1", T0, 1).remove(0);
        let key = store
            .write(|c| take_submit_key(c, seq, "d1", c1.epoch, &c1.task.id.to_string(), T0))
            .unwrap();
        assert_eq!(key, Some(c1.task.id.to_string()));
        assert!(store
            .write(|c| set_remote(c, seq, "d1", c1.epoch, "job-1", T0 + 1))
            .unwrap());
        assert_eq!(get(store, seq).status, Status::Processing);
        // Still leased: nothing to adopt.
        assert!(claim_n(store, "d2", T0 + LEASE - 1, 5).is_empty());
        let later = T0 + LEASE;
        assert!(store.read(|c| has_work(c, later)).unwrap());
        let c2 = claim_n(store, "d2", later, 5);
        assert_eq!(c2.len(), 1);
        let c2 = &c2[0];
        assert!(c2.adopted);
        assert_eq!(c2.epoch, c1.epoch + 1);
        assert_eq!(c2.task.status, Status::Processing);
        assert_eq!(c2.task.remote_job_id.as_deref(), Some("job-1"));
        assert_eq!(c2.task.lease_owner.as_deref(), Some("d2"));
        assert_eq!(c2.remote_attempts, 1);

        // The old claim is fenced off: no progress, job, key, renewal or result.
        let old = lease("d1", c1.epoch);
        let p = store
            .write(|c| progress(c, seq, old, Some(50), Some("writing"), later))
            .unwrap();
        assert!(!p);
        assert!(!store
            .write(|c| set_remote(c, seq, "d1", c1.epoch, "job-x", later))
            .unwrap());
        assert_eq!(
            store
                .write(|c| take_submit_key(c, seq, "d1", c1.epoch, "x", later))
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .write(|c| renew(c, "d1", &[(seq, c1.epoch)], later + LEASE))
                .unwrap(),
            0
        );
        let t = get(store, seq).clone();
        for f in [
            Finish::Completed(Box::new(content(&t))),
            Finish::Failed {
                kind: "permanent".into(),
                message: "no".into(),
            },
            Finish::Retry {
                kind: "transient".into(),
                message: "again".into(),
                delay_ms: 1000,
                counts: true,
            },
            Finish::TimedOut {
                message: "late".into(),
            },
            Finish::Released,
        ] {
            assert_eq!(finish_as(store, seq, old, f, later), None);
        }
        // Nor can the new owner under a wrong epoch.
        assert_eq!(
            finish_as(store, seq, lease("d2", c1.epoch), Finish::Released, later),
            None
        );
        let t = get(store, seq);
        assert_eq!(t.status, Status::Processing);
        assert_eq!(t.remote_job_id.as_deref(), Some("job-1"));
        assert_eq!(t.progress, None);
        // The new claim writes.
        let new = lease("d2", c2.epoch);
        assert!(store
            .write(|c| progress(c, seq, new, Some(40), Some("drafting"), later))
            .unwrap());
        assert_eq!(get(store, seq).progress, Some(40));
        // A report about the task's current job applies; about another job, not.
        assert!(!store
            .write(|c| progress(c, seq, Fence::Job("job-0"), Some(60), None, later))
            .unwrap());
        assert!(store
            .write(|c| progress(c, seq, Fence::Job("job-1"), Some(70), None, later))
            .unwrap());
        assert_eq!(get(store, seq).progress, Some(70));
        let t = get(store, seq);
        let done = finish_as(
            store,
            seq,
            new,
            Finish::Completed(Box::new(content(&t))),
            later + 5,
        );
        assert_eq!(done, Some(Status::Completed));
        let t = get(store, seq);
        assert_eq!(t.lease_owner, None);
        assert!(t.content_id.is_some());
        assert_eq!(t.progress, Some(100));
        assert!(!store.read(|c| has_work(c, later + 10)).unwrap());
    }

    /// A task claimed again by the same daemon after its lease lapsed (reaped, then claimed)
    /// carries a new epoch: the first attempt's results no longer apply.
    fn a_reclaim_by_the_same_owner_fences_the_earlier_attempt(store: &mut Store) {
        let a = account(store);
        let seq = task(store, &a, 5, None, 3600, T0);
        let first = claim_n(store, "d1", T0, 1).remove(0);
        let later = T0 + LEASE;
        assert_eq!(store.write(|c| reap(c, "d1", later, false)).unwrap(), 1);
        let second = claim_n(store, "d1", later, 1).remove(0);
        assert_eq!(second.epoch, first.epoch + 1);
        let failed = Finish::Failed {
            kind: "permanent".into(),
            message: "stale".into(),
        };
        assert_eq!(
            finish_as(store, seq, lease("d1", first.epoch), failed.clone(), later),
            None
        );
        assert_eq!(
            finish_as(store, seq, lease("d1", second.epoch), failed, later),
            Some(Status::Failed)
        );
        let t = get(store, seq);
        assert_eq!(t.status, Status::Failed);
        assert_eq!(t.retry_count, 0, "the reaper used no retry");
    }

    /// Deadlines: a pending task past its deadline times out instead of being claimed; the
    /// sweep times out unheld tasks past their deadline and leaves held ones to their worker.
    fn deadlines_time_tasks_out(store: &mut Store) {
        let a = account(store);
        let late = task(store, &a, 9, None, 1, T0);
        let ok = task(store, &a, 1, None, 600, T0);
        let claimed = claim_n(store, "d1", T0 + 2_000, 5);
        assert_eq!(claimed.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![ok]);
        let t = get(store, late);
        assert_eq!(t.status, Status::Timeout);
        assert_eq!(t.error_kind.as_deref(), Some("timeout"));

        let held = task(store, &a, 5, None, 10, T0);
        let unheld = task(store, &a, 5, None, 10, T0);
        let pending = task(store, &a, 5, None, 10, T0);
        let now = T0 + 5_000;
        // `held` and `unheld` claimed; `unheld`'s lease lapses before the deadline.
        let c = store
            .write(|c| {
                let mut out = claim(c, "d2", T0, 1_000, 1, &Limits::default())?;
                out.extend(claim(c, "d3", now, 60_000, 1, &Limits::default())?);
                Ok(out)
            })
            .unwrap();
        assert_eq!(
            c.iter().map(|c| c.seq).collect::<Vec<_>>(),
            vec![held, unheld]
        );
        let _ = pending;
        let after = T0 + 11_000;
        let n = store.write(|c| sweep_deadlines(c, after)).unwrap();
        // `held` (d2's lease lapsed at T0 + 1 s) and `pending`; d3 still holds `unheld`.
        assert_eq!(n, 2);
        assert_eq!(get(store, held).status, Status::Timeout);
        assert_eq!(get(store, pending).status, Status::Timeout);
        assert_eq!(get(store, unheld).status, Status::Submitted);
        assert_eq!(store.write(|c| sweep_deadlines(c, after)).unwrap(), 0);
        // The worker times its own task out.
        let e = c[1].epoch;
        let timed = finish_as(
            store,
            unheld,
            lease("d3", e),
            Finish::TimedOut {
                message: "deadline of 10s passed while generating".into(),
            },
            after,
        );
        assert_eq!(timed, Some(Status::Timeout));
        assert_eq!(
            store.read(|c| counters::get(c, TASKS_TIMEOUT, "")).unwrap(),
            4
        );
    }

    /// Renewal extends only the leases still held under their epoch; a release lets them
    /// lapse at once: local work goes back to pending, remote work waits for adoption.
    fn renew_and_release(store: &mut Store) {
        let a = account(store);
        let local = task(store, &a, 5, None, 3600, T0);
        let remote = task(store, &a, 4, None, 3600, T0);
        let c = claim_n(store, "d1", T0, 2);
        let (el, er) = (c[0].epoch, c[1].epoch);
        assert!(store
            .write(|c| set_remote(c, remote, "d1", er, "job-r", T0))
            .unwrap());
        let n = store
            .write(|c| renew(c, "d1", &[(local, el), (remote, er + 7)], T0 + 99_000))
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            get(store, local).lease_expires_at.map(|t| t.0),
            Some(T0 + 99_000)
        );
        assert_eq!(
            get(store, remote).lease_expires_at.map(|t| t.0),
            Some(T0 + LEASE)
        );
        assert_eq!(store.write(|c| renew(c, "d1", &[], T0)).unwrap(), 0);
        assert_eq!(
            store.write(|c| renew(c, "d2", &[(local, el)], T0)).unwrap(),
            0
        );

        assert_eq!(
            finish_as(store, local, lease("d1", el), Finish::Released, T0 + 1),
            Some(Status::Pending)
        );
        let t = get(store, local);
        assert_eq!((t.lease_owner, t.retry_count), (None, 0));
        assert_eq!(
            finish_as(store, remote, lease("d1", er), Finish::Released, T0 + 1),
            Some(Status::Processing)
        );
        let t = get(store, remote);
        assert_eq!(t.lease_owner, None);
        assert_eq!(t.lease_expires_at.map(|t| t.0), Some(T0 + 1));
        // Adopted at once by the next claim, before the local task.
        let next = claim_n(store, "d2", T0 + 2, 1);
        assert_eq!(next[0].seq, remote);
        assert!(next[0].adopted);

        // release_all lets every lease of the owner lapse.
        let c = claim_n(store, "d2", T0 + 3, 1);
        assert_eq!(c[0].seq, local);
        assert_eq!(store.write(|c| release_all(c, "d2", T0 + 4)).unwrap(), 2);
        let t = get(store, local);
        assert_eq!(t.lease_owner, None);
        assert_eq!(t.lease_expires_at.map(|t| t.0), Some(T0 + 4));
    }

    /// The reaper returns expired local work to pending without using a retry and leaves
    /// remote jobs for adoption; with `foreign_too` it takes every other owner's work.
    fn reaps_expired_leases(store: &mut Store) {
        let a = account(store);
        let local = task(store, &a, 5, None, 3600, T0);
        let remote = task(store, &a, 5, None, 3600, T0);
        let c = claim_n(store, "d1", T0, 2);
        assert!(store
            .write(|x| set_remote(x, remote, "d1", c[1].epoch, "job-9", T0))
            .unwrap());
        assert_eq!(
            store
                .write(|c| reap(c, "d2", T0 + LEASE - 1, false))
                .unwrap(),
            0
        );
        assert_eq!(
            store.write(|c| reap(c, "d2", T0 + LEASE, false)).unwrap(),
            1
        );
        assert_eq!(
            store.write(|c| reap(c, "d2", T0 + LEASE, false)).unwrap(),
            0
        );
        let t = get(store, local);
        assert_eq!(t.status, Status::Pending);
        assert_eq!((t.retry_count, t.lease_owner), (0, None));
        assert_eq!(get(store, remote).status, Status::Processing);
        let events = store.read(|c| tasks::events(c, local)).unwrap();
        assert!(events
            .last()
            .and_then(|e| e.message.as_deref())
            .is_some_and(|m| m.contains("lease of d1 expired")));

        // foreign_too: live leases of other owners are taken as dead.
        let c = claim_n(store, "d1", T0 + LEASE, 2);
        assert_eq!(c.len(), 2);
        let now = T0 + LEASE + 1;
        assert_eq!(store.write(|c| reap(c, "d3", now, true)).unwrap(), 1);
        assert_eq!(get(store, local).status, Status::Pending);
        let t = get(store, remote);
        assert_eq!(t.lease_expires_at.map(|t| t.0), Some(now));
        let adopted = claim_n(store, "d3", now, 5);
        assert_eq!(adopted.len(), 2);
        assert!(adopted[0].adopted && adopted[0].seq == remote);
    }

    /// Each kind of result, applied under the claim.
    fn finishes_each_kind(store: &mut Store) {
        let a = account(store);
        let seqs: Vec<Seq> = (0..5)
            .map(|i| task(store, &a, 5, None, 3600, T0 + i))
            .collect();
        let c = claim_n(store, "d1", T0 + 10, 5);
        let e: Vec<i64> = c.iter().map(|c| c.epoch).collect();
        let now = T0 + 20;
        let t0 = get(store, seqs[0]);
        assert_eq!(
            finish_as(
                store,
                seqs[0],
                lease("d1", e[0]),
                Finish::Completed(Box::new(content(&t0))),
                now
            ),
            Some(Status::Completed)
        );
        // A duplicate result changes nothing.
        assert_eq!(
            finish_as(
                store,
                seqs[0],
                lease("d1", e[0]),
                Finish::Completed(Box::new(content(&t0))),
                now
            ),
            None
        );
        let retry = |counts| Finish::Retry {
            kind: "transient".into(),
            message: "503".into(),
            delay_ms: 30_000,
            counts,
        };
        assert_eq!(
            finish_as(store, seqs[1], lease("d1", e[1]), retry(true), now),
            Some(Status::Pending)
        );
        assert_eq!(
            finish_as(store, seqs[2], lease("d1", e[2]), retry(false), now),
            Some(Status::Pending)
        );
        let failed = Finish::Failed {
            kind: "permanent".into(),
            message: "refused".into(),
        };
        assert_eq!(
            finish_as(store, seqs[3], lease("d1", e[3]), failed, now),
            Some(Status::Failed)
        );
        let timed = Finish::TimedOut {
            message: "late".into(),
        };
        assert_eq!(
            finish_as(store, seqs[4], lease("d1", e[4]), timed, now),
            Some(Status::Timeout)
        );

        let t = get(store, seqs[0]);
        assert_eq!(t.status, Status::Completed);
        assert_eq!(t.completed_at.map(|t| t.0), Some(now));
        let body = store
            .read(|c| contents::get(c, t.content_id.unwrap()))
            .unwrap();
        assert_eq!(body.title, "Title");
        let t = get(store, seqs[1]);
        assert_eq!((t.status, t.retry_count), (Status::Pending, 1));
        assert_eq!(t.next_attempt_at.0, now + 30_000);
        assert_eq!(t.error_message.as_deref(), Some("503"));
        assert_eq!(get(store, seqs[2]).retry_count, 0, "a snooze uses no retry");
        let t = get(store, seqs[3]);
        assert_eq!(
            (t.status, t.error_kind.as_deref()),
            (Status::Failed, Some("permanent"))
        );
        assert_eq!(get(store, seqs[4]).status, Status::Timeout);

        let count = |store: &mut Store, name: &str, labels: &str| {
            store.read(|c| counters::get(c, name, labels)).unwrap()
        };
        assert_eq!(count(store, TASKS_COMPLETED, ""), 1);
        assert_eq!(count(store, TASK_RETRIES, ""), 1);
        assert_eq!(count(store, TASK_SNOOZES, ""), 1);
        assert_eq!(count(store, TASKS_FAILED, ""), 1);
        assert_eq!(count(store, TASKS_TIMEOUT, ""), 1);
        assert_eq!(count(store, TOKENS, "kind=completion"), 20);
        assert_eq!(count(store, MODEL_TOKENS, "kind=prompt,model=m1"), 10);
        // Waits of the finished tasks (not of those queued again): created at T0 + i,
        // started at T0 + 10.
        assert_eq!(count(store, QUEUE_WAIT_COUNT, ""), 3);
        assert_eq!(count(store, QUEUE_WAIT_MS, ""), 10 + 7 + 6);
        assert_eq!(count(store, GENERATION_COUNT, ""), 1);
        assert_eq!(count(store, GENERATION_MS, ""), 10);
        store
            .write(|c| count_requests(c, &[(("template".into(), "ok".into()), 3)]))
            .unwrap();
        assert_eq!(
            count(store, GENERATOR_REQUESTS, "generator=template,outcome=ok"),
            3
        );

        // The snoozed tasks: due later, found as the next wake-up.
        assert_eq!(
            store.read(|c| next_snooze_end(c, now)).unwrap(),
            Some(now + 30_000)
        );
        assert!(!store
            .read(|c| has_due_pending(c, now, &Full::default()))
            .unwrap());
        assert!(store
            .read(|c| has_due_pending(c, now + 30_000, &Full::default()))
            .unwrap());
        assert!(claim_n(store, "d1", now + 29_999, 5).is_empty());
        assert_eq!(claim_n(store, "d1", now + 30_000, 5).len(), 2);
        assert_eq!(store.read(|c| next_snooze_end(c, now)).unwrap(), None);
    }

    /// A submit's key is recorded before it leaves; a key still recorded at the next submit
    /// means the earlier one was interrupted, and a new key is taken.
    fn submit_keys(store: &mut Store) {
        let a = account(store);
        let seq = task(store, &a, 5, None, 3600, T0);
        let c = claim_n(store, "d1", T0, 1).remove(0);
        let id = c.task.id.to_string();
        let k1 = store
            .write(|x| take_submit_key(x, seq, "d1", c.epoch, &id, T0))
            .unwrap();
        let k2 = store
            .write(|x| take_submit_key(x, seq, "d1", c.epoch, &id, T0))
            .unwrap();
        assert_eq!(k1, Some(id.clone()));
        assert_eq!(k2, Some(format!("{id}-r1")));
        let events = store.read(|c| tasks::events(c, seq)).unwrap();
        assert!(events.iter().any(|e| e
            .message
            .as_deref()
            .is_some_and(|m| m.contains("abandoned"))));
        assert!(store
            .write(|x| set_remote(x, seq, "d1", c.epoch, "job-2", T0))
            .unwrap());
        assert_eq!(
            store.read(|x| load(x, seq, false)).unwrap().remote_attempts,
            2
        );
    }

    /// A profile's limit counts its tasks in flight in the store, whoever holds them; the
    /// default profile covers tasks that name no generator.
    fn profile_limits_hold_across_claims(store: &mut Store) {
        let a = account(store);
        for i in 0..4 {
            task(store, &a, 9, None, 3600, T0 + i);
            task(store, &a, 5, Some("slow"), 3600, T0 + i);
            task(store, &a, 1, Some("free"), 3600, T0 + i);
        }
        let limits = Limits {
            per_profile: [("default".to_string(), 2), ("slow".to_string(), 1)].into(),
            default_profile: "default".into(),
            ..Limits::default()
        };
        let by = |c: &[Claimed]| -> (usize, usize, usize) {
            let n = |g: Option<&str>| {
                c.iter()
                    .filter(|c| c.task.generator.as_deref() == g)
                    .count()
            };
            (n(None), n(Some("slow")), n(Some("free")))
        };
        let first = store
            .write(|c| claim(c, "d1", T0 + 10, LEASE, 4, &limits))
            .unwrap();
        assert_eq!(by(&first), (2, 1, 1));
        // Another daemon sees the limits already taken.
        let second = store
            .write(|c| claim(c, "d2", T0 + 10, LEASE, 10, &limits))
            .unwrap();
        assert_eq!(by(&second), (0, 0, 3));
        let full = Full {
            names: vec!["default".into(), "slow".into()],
            unnamed: true,
        };
        assert!(!store.read(|c| has_due_pending(c, T0 + 10, &full)).unwrap());
        assert!(store
            .read(|c| has_due_pending(c, T0 + 10, &Full::default()))
            .unwrap());
        // One ends: one more of its profile may start.
        let ended = first.iter().find(|c| c.task.generator.is_none()).unwrap();
        let fence = lease("d1", ended.epoch);
        let failed = Finish::Failed {
            kind: "permanent".into(),
            message: "x".into(),
        };
        assert_eq!(
            finish_as(store, ended.seq, fence, failed, T0 + 11),
            Some(Status::Failed)
        );
        let third = store
            .write(|c| claim(c, "d2", T0 + 12, LEASE, 10, &limits))
            .unwrap();
        assert_eq!(by(&third), (1, 0, 0));
        // Without limits everything due is claimed.
        let rest = claim_n(store, "d3", T0 + 12, 10);
        assert_eq!(by(&rest), (1, 3, 0));
    }

    /// Limits of `rpm` requests and `tpm` tokens per 10 s on profile "qwen", each task
    /// estimated at 300 tokens.
    fn rate_limits(rpm: u64, tpm: Option<u64>) -> Limits {
        Limits {
            default_profile: "template".into(),
            rates: [(
                "qwen".to_string(),
                RateLimits {
                    rpm: Some(rpm),
                    tpm,
                    window_ms: 10_000,
                    ..RateLimits::default()
                },
            )]
            .into(),
            estimate: Estimator::new(|_, _, _| 300),
            ..Limits::default()
        }
    }

    fn bucket_of(store: &mut Store) -> Bucket {
        let all = store.read(rates::all).unwrap();
        all.into_iter().find(|(p, _)| p == "qwen").unwrap().1
    }

    /// A claim reserves each task's request and tokens from its profile's bucket; a task that
    /// does not fit stays pending, untouched, and the profile waits until it would fit. The
    /// result settles the tokens against the reply's usage.
    fn rate_limits_reserve_in_the_claim(store: &mut Store) {
        let a = account(store);
        let mut seqs = Vec::new();
        for i in 0..5 {
            seqs.push(task(store, &a, 5, Some("qwen"), 3600, T0 + i));
        }
        let free = task(store, &a, 1, None, 3600, T0 + 9);
        let limits = rate_limits(3, Some(1_000));
        let (first, waits) = store
            .write(|c| claim_within_rates(c, "d1", T0 + 10, LEASE, 10, &limits, true))
            .unwrap();
        // Three fit (3 requests, 900 tokens); the unlimited profile is not held back.
        let got: Vec<Seq> = first.iter().map(|c| c.seq).collect();
        assert_eq!(got, vec![seqs[0], seqs[1], seqs[2], free]);
        // One request comes back every 10 s / 3; the 200 tokens missing in 2 s.
        assert_eq!(
            waits,
            vec![RateWait {
                profile: "qwen".into(),
                kind: Kind::Rpm,
                until: T0 + 10 + 3_334,
            }]
        );
        let waiting = get(store, seqs[3]);
        assert_eq!((waiting.status, waiting.retry_count), (Status::Pending, 0));
        let reason = store
            .read(|c| crate::service::rate_wait(c, &waiting, "template", T0 + 10))
            .unwrap();
        assert_eq!(
            reason.as_deref(),
            Some("waiting for rpm on profile qwen, ~4 s")
        );
        assert_eq!(
            store.read(|c| rates::next_free(c, T0 + 10)).unwrap(),
            Some(T0 + 3_344)
        );
        // Nothing more before the wait ends.
        let (none, _) = store
            .write(|c| claim_within_rates(c, "d2", T0 + 3_000, LEASE, 10, &limits, true))
            .unwrap();
        assert!(none.is_empty());
        // The reservation is on the task; its result settles it (30 tokens used of 300).
        let done = &first[0];
        let noted: (Option<String>, Option<i64>) = store
            .read(|c| {
                c.one(
                    Sql::same("SELECT rate_profile, rate_tokens FROM tasks WHERE seq = ?1"),
                    args![done.seq.0],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            })
            .unwrap();
        assert_eq!(noted, (Some("qwen".to_string()), Some(300)));
        let t = get(store, done.seq);
        let f = Finish::Completed(Box::new(content(&t)));
        assert_eq!(
            finish_as(store, done.seq, lease("d1", done.epoch), f, T0 + 3_000),
            Some(Status::Completed)
        );
        let b = bucket_of(store);
        // 100 left after the claim, 299 refilled in 2.99 s, 270 back.
        assert!((b.level[1] - 669.0).abs() < 1e-6, "{:?}", b.level);
        let (later, waits) = store
            .write(|c| claim_within_rates(c, "d2", T0 + 3_344, LEASE, 10, &limits, true))
            .unwrap();
        assert_eq!(later.len(), 1);
        assert_eq!(waits.len(), 1);
        // A failure without usage gives every token back and keeps the request counted.
        let failed = Finish::Failed {
            kind: "permanent".into(),
            message: "x".into(),
        };
        let before = bucket_of(store);
        finish_as(
            store,
            later[0].seq,
            lease("d2", later[0].epoch),
            failed,
            T0 + 3_344,
        );
        let after = bucket_of(store);
        assert!((after.level[1] - before.level[1] - 300.0).abs() < 1e-6);
        assert!((after.level[0] - before.level[0]).abs() < 1e-6);
    }

    /// Heartbeats: one row per daemon, updated in place, newest first.
    fn heartbeat_rows(store: &mut Store) {
        let hb = |id: &str, at: Millis| Heartbeat {
            id: id.into(),
            pid: 42,
            host: "h".into(),
            version: "1.0".into(),
            started_at: T0,
            last_beat_at: at,
            stopped_at: None,
            in_flight: 3,
            max_concurrent: 8,
            scheduler: true,
            listen: Some("127.0.0.1:1".into()),
        };
        store.write(|c| beat(c, &hb("a", T0))).unwrap();
        store.write(|c| beat(c, &hb("b", T0 + 5))).unwrap();
        let mut a2 = hb("a", T0 + 10);
        a2.stopped_at = Some(T0 + 10);
        a2.in_flight = 0;
        store.write(|c| beat(c, &a2)).unwrap();
        let rows = store.read(|c| heartbeats(c, 10)).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], a2);
        assert_eq!(rows[1], hb("b", T0 + 5));
        assert_eq!(store.read(|c| heartbeats(c, 1)).unwrap().len(), 1);
        // A beat a week later forgets the silent ones.
        store
            .write(|c| beat(c, &hb("c", T0 + 8 * 86_400_000)))
            .unwrap();
        let rows = store.read(|c| heartbeats(c, 10)).unwrap();
        assert_eq!(
            rows.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
            vec!["c"]
        );
    }

    /// Programs recorded with their task's lease.
    fn child_records(store: &mut Store) {
        let a = account(store);
        let seq = task(store, &a, 5, None, 3600, T0);
        claim_n(store, "d1", T0, 1);
        let r = ChildRecord {
            pgid: 4242,
            start_ticks: 99,
            boot_id: "boot".into(),
            run_id: "run".into(),
        };
        store.write(|c| record_child(c, seq, "d1", &r, T0)).unwrap();
        let mut r2 = r.clone();
        r2.start_ticks = 100;
        store
            .write(|c| record_child(c, seq, "d1", &r2, T0))
            .unwrap();
        store.write(|c| record_child(c, seq, "d0", &r, T0)).unwrap();
        let found = store.read(|c| recorded_children(c, T0 + 1)).unwrap();
        assert_eq!(found.len(), 2);
        let mine = found.iter().find(|f| f.owner == "d1").unwrap();
        assert_eq!(mine.child, r2);
        assert!(mine.lease_live);
        assert!(!found.iter().find(|f| f.owner == "d0").unwrap().lease_live);
        let expired = store.read(|c| recorded_children(c, T0 + LEASE)).unwrap();
        assert!(expired.iter().all(|f| !f.lease_live));
        store.write(|c| clear_child(c, seq, "d1", 4242)).unwrap();
        store.write(|c| clear_child(c, seq, "d0", 4242)).unwrap();
        assert!(store.read(|c| recorded_children(c, T0)).unwrap().is_empty());
    }

    /// A move to another profile: back to pending at once on the new profile, no retry used,
    /// the original profile kept, the move in the history; the next remote submit takes a
    /// fresh key. A pending task moves the same way (the claim-time hook).
    fn moves_to_another_profile(store: &mut Store) {
        let a = account(store);
        let seq = task(store, &a, 5, Some("gpt"), 600, T0);
        let c1 = claim_n(store, "d1", T0 + 1, 1).remove(0);
        let id = c1.task.id.to_string();
        let key = store
            .write(|c| take_submit_key(c, seq, "d1", c1.epoch, &id, T0 + 2))
            .unwrap();
        assert_eq!(key.as_deref(), Some(id.as_str()));
        let moved = |original: &str, from: &str, to: &str| Finish::Moved {
            kind: "unavailable".into(),
            message: "HTTP 402 Payment Required".into(),
            from: from.into(),
            to: to.into(),
            original: original.into(),
        };
        let now = T0 + 5;
        assert_eq!(
            finish_as(
                store,
                seq,
                lease("d1", c1.epoch),
                moved("gpt", "gpt", "qwen"),
                now
            ),
            Some(Status::Pending)
        );
        let t = get(store, seq);
        assert_eq!(t.status, Status::Pending);
        assert_eq!(t.generator.as_deref(), Some("qwen"));
        assert_eq!(t.original_generator.as_deref(), Some("gpt"));
        assert_eq!(t.retry_count, 0);
        assert_eq!(t.next_attempt_at.0, now);
        assert_eq!(t.lease_owner, None);
        assert_eq!(t.error_kind.as_deref(), Some("unavailable"));
        let events = store.read(|c| tasks::events(c, seq)).unwrap();
        let last = events.last().unwrap();
        assert_eq!(
            last.message.as_deref(),
            Some("profile gpt unavailable (HTTP 402 Payment Required): moved to qwen")
        );
        assert_eq!(
            (last.from_status, last.to_status),
            (Some(Status::Submitted), Status::Pending)
        );
        // The same report again (a stale claim) changes nothing.
        assert_eq!(
            finish_as(
                store,
                seq,
                lease("d1", c1.epoch),
                moved("gpt", "gpt", "qwen"),
                now
            ),
            None
        );
        // The next attempt takes a new key.
        let c2 = claim_n(store, "d1", now, 1).remove(0);
        assert_eq!(c2.task.generator.as_deref(), Some("qwen"));
        let key = store
            .write(|c| take_submit_key(c, seq, "d1", c2.epoch, &id, now + 1))
            .unwrap();
        assert_eq!(key, Some(format!("{id}-r1")));
        store
            .write(|c| finish(c, seq, lease("d1", c2.epoch), &Finish::Released, now + 2))
            .unwrap();

        // A pending task moves at claim time, only while it is still on `from`.
        let why = "waiting for tpm on profile qwen, ~900 s";
        let go = |store: &mut Store, from: &str, to: &str| {
            store
                .write(|c| move_pending(c, seq, "unavailable", why, from, to, "gpt", now + 3))
                .unwrap()
        };
        assert!(
            !go(store, "gpt", "template"),
            "the task is no longer on gpt"
        );
        assert!(go(store, "qwen", "template"));
        let t = get(store, seq);
        assert_eq!(
            (
                t.status,
                t.generator.as_deref(),
                t.original_generator.as_deref()
            ),
            (Status::Pending, Some("template"), Some("gpt"))
        );
        assert_eq!(t.next_attempt_at.0, now + 3);
        let events = store.read(|c| tasks::events(c, seq)).unwrap();
        assert_eq!(
            events.last().unwrap().message.as_deref(),
            Some(format!("profile qwen unavailable ({why}): moved to template").as_str())
        );
        // Not pending: nothing moves.
        let c3 = claim_n(store, "d1", now + 4, 1).remove(0);
        assert!(!go(store, "template", "other"));
        assert_eq!(get(store, seq).generator.as_deref(), Some("template"));
        let count = |store: &mut Store, labels: &str| {
            store
                .read(|c| counters::get(c, TASK_FALLBACKS, labels))
                .unwrap()
        };
        assert_eq!(count(store, "from=gpt,to=qwen"), 1);
        assert_eq!(count(store, "from=qwen,to=template"), 1);
        assert_eq!(c3.task.generator.as_deref(), Some("template"));
    }

    macro_rules! sqlite_tests {
        ($($name:ident),* $(,)?) => {
            mod sqlite {
                $(
                    #[test]
                    fn $name() {
                        let (_dir, mut store) = crate::store::testing::sqlite();
                        super::$name(&mut store);
                    }
                )*
            }
        };
    }

    macro_rules! pg_tests {
        ($($name:ident),* $(,)?) => {
            $(
                #[test]
                #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
                fn $name() {
                    let db = PgDb::new();
                    let mut store = db.store();
                    super::$name(&mut store);
                }
            )*
        };
    }

    sqlite_tests!(
        claims_in_priority_order,
        adopts_expired_remote_jobs_and_fences_the_old_claim,
        a_reclaim_by_the_same_owner_fences_the_earlier_attempt,
        deadlines_time_tasks_out,
        renew_and_release,
        reaps_expired_leases,
        finishes_each_kind,
        submit_keys,
        profile_limits_hold_across_claims,
        rate_limits_reserve_in_the_claim,
        heartbeat_rows,
        child_records,
        moves_to_another_profile,
        batch_members_are_recorded_with_their_file,
    );

    mod pg {
        use super::*;

        pg_tests!(
            claims_in_priority_order,
            adopts_expired_remote_jobs_and_fences_the_old_claim,
            a_reclaim_by_the_same_owner_fences_the_earlier_attempt,
            deadlines_time_tasks_out,
            renew_and_release,
            reaps_expired_leases,
            finishes_each_kind,
            submit_keys,
            profile_limits_hold_across_claims,
            rate_limits_reserve_in_the_claim,
            heartbeat_rows,
            child_records,
            moves_to_another_profile,
            batch_members_are_recorded_with_their_file,
        );

        /// The claim's update finds its tasks through the primary key, whatever the table's
        /// statistics say: in a store never analyzed, with a backlog, PostgreSQL read the
        /// tasks of the claim through a pending-only index (the whole backlog) when the
        /// update also asked for `status = 'pending'`.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn a_claim_reaches_its_tasks_by_number() {
            let db = PgDb::new();
            let mut store = db.store_without_autovacuum();
            let a = account(&mut store);
            let seqs: Vec<i64> = (0..3000)
                .map(|i| task(&mut store, &a, 5, None, 3600, T0 + i).0)
                .collect();
            let plan: Vec<String> = store
                .write(|c| {
                    c.rows(
                        Sql::pg(&format!("EXPLAIN {}", *CLAIM_PG)),
                        args![seqs[1000..1005].to_vec(), T0, "d1", T0 + LEASE, "m", "d1"],
                        |r| r.get(0),
                    )
                })
                .unwrap();
            let plan = plan.join("\n");
            assert!(plan.contains("tasks_pkey"), "{plan}");
            let others =
                plan.matches(" on tasks_").count() - plan.matches(" on tasks_pkey").count();
            assert_eq!(others, 0, "{plan}");
        }

        /// A claim walks the pending tasks' index in claim order whatever the statistics
        /// say. Taken while no task was pending (a backlog then arrived without an import),
        /// they made the planner read every pending task and sort them; taken by an import
        /// (every task pending) and kept while the backlog was worked off, walk the index of
        /// all tasks by priority, past every finished one. Counted by the index entries the
        /// claims read (without the adoption of remote jobs, whose read is another one).
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn a_claim_reads_few_index_entries_whatever_the_statistics() {
            let db = PgDb::new();
            let mut store = db.store_without_autovacuum();
            let a = account(&mut store);
            let sql = |store: &mut Store, text: &str| {
                store.write(|c| c.batch(Sql::pg(text))).unwrap();
            };
            // Outside a transaction; keeps the statistics, and leaves no entry of a finished
            // task in the pending tasks' index.
            let vacuum = || {
                crate::store::pg::Session::open(db.url())
                    .and_then(|s| s.batch(Sql::pg("VACUUM tasks")))
                    .unwrap();
            };
            // Entries of tasks' indexes other than the primary key read since the last call.
            let mut before = 0i64;
            let mut read = |store: &mut Store| -> (i64, Vec<(String, i64)>) {
                store
                    .write(|c| c.batch(Sql::pg("SELECT pg_stat_force_next_flush()")))
                    .unwrap();
                let per: Vec<(String, i64)> = store
                    .read(|c| {
                        c.rows(
                            Sql::pg(
                                "SELECT indexrelname::text, idx_tup_read FROM pg_stat_user_indexes
                                 WHERE relname = 'tasks' AND indexrelname <> 'tasks_pkey'
                                   AND idx_tup_read > 0",
                            ),
                            args![],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                    })
                    .unwrap();
                let total: i64 = per.iter().map(|(_, n)| n).sum();
                let n = total - before;
                before = total;
                (n, per)
            };
            let claim4 = |store: &mut Store, owner: &str, now: Millis| {
                let (got, _) = store
                    .write(|c| {
                        claim_within_rates(c, owner, now, LEASE, 4, &Limits::default(), false)
                    })
                    .unwrap();
                assert_eq!(got.len(), 4);
            };
            // Statistics with none pending, then a backlog.
            for i in 0..200 {
                task(&mut store, &a, 5, None, 3600, T0 + i);
            }
            sql(
                &mut store,
                "UPDATE tasks SET status = 'completed', completed_at = created_at",
            );
            vacuum();
            sql(&mut store, "ANALYZE tasks");
            for i in 0..2000 {
                task(&mut store, &a, 5, None, 3600, T0 + 1_000 + i);
            }
            read(&mut store);
            claim4(&mut store, "d1", T0 + 10_000);
            let (n, per) = read(&mut store);
            assert!(n < 100, "the first claim read {n} index entries: {per:?}");
            // Statistics with every task pending, as an import of that size takes them, then
            // most of the backlog done.
            store
                .write(|c| tasks::note_imported(c, tasks::IMPORT_STATISTICS_FROM))
                .unwrap();
            sql(
                &mut store,
                "UPDATE tasks SET status = 'completed', completed_at = created_at
                 WHERE status = 'pending' AND seq < (SELECT max(seq) - 100 FROM tasks)",
            );
            vacuum();
            read(&mut store);
            claim4(&mut store, "d2", T0 + 20_000);
            let (n, per) = read(&mut store);
            assert!(n < 100, "the second claim read {n} index entries: {per:?}");
        }

        /// Results finished from the rows one `prefetch` read: each under its own fence, a
        /// stale claim's result ignored, and a second result for a task already finished in
        /// the same transaction reads the row as the first left it.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn a_batch_finishes_from_prefetched_rows() {
            let db = PgDb::new();
            let mut store = db.store();
            let a = account(&mut store);
            let seqs: Vec<Seq> = (0..3)
                .map(|i| task(&mut store, &a, 5, None, 3600, T0 + i))
                .collect();
            let c = claim_n(&mut store, "d1", T0 + 10, 3);
            let tasks: Vec<Task> = seqs.iter().map(|s| get(&mut store, *s)).collect();
            let done = |t: &Task| Finish::Completed(Box::new(content(t)));
            let got = store
                .write(|tx| {
                    let _rows = prefetch(tx, &seqs)?;
                    Ok(vec![
                        finish(
                            tx,
                            seqs[0],
                            lease("d1", c[0].epoch),
                            &done(&tasks[0]),
                            T0 + 20,
                        )?,
                        // Its result again, in the same batch.
                        finish(
                            tx,
                            seqs[0],
                            lease("d1", c[0].epoch),
                            &done(&tasks[0]),
                            T0 + 20,
                        )?,
                        // Under an epoch that is not the task's.
                        finish(
                            tx,
                            seqs[1],
                            lease("d1", c[1].epoch + 1),
                            &done(&tasks[1]),
                            T0 + 20,
                        )?,
                        // Under another owner.
                        finish(
                            tx,
                            seqs[2],
                            lease("d2", c[2].epoch),
                            &done(&tasks[2]),
                            T0 + 20,
                        )?,
                    ])
                })
                .unwrap();
            assert_eq!(got, [Some(Status::Completed), None, None, None]);
            assert_eq!(get(&mut store, seqs[0]).status, Status::Completed);
            assert_eq!(get(&mut store, seqs[1]).status, Status::Submitted);
            assert_eq!(get(&mut store, seqs[2]).status, Status::Submitted);
            // Nothing read for that transaction is left for the next one.
            let later = store
                .write(|tx| {
                    finish(
                        tx,
                        seqs[1],
                        lease("d1", c[1].epoch),
                        &done(&tasks[1]),
                        T0 + 30,
                    )
                })
                .unwrap();
            assert_eq!(later, Some(Status::Completed));
        }

        /// Each notification names what changed, and a claim or a start of work notifies no one.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn notifications_name_what_changed() {
            let db = PgDb::new();
            let mut store = db.store();
            let a = account(&mut store);
            let url = db.url();
            let listener = crate::store::pg::Session::listen(url).unwrap();
            // What arrives within 300 ms of the last notification (each is delivered on its
            // own, so one wait may return before the next one is in).
            let heard = || {
                let mut all = Vec::new();
                loop {
                    let got = listener.wait(Duration::from_millis(300)).unwrap();
                    if got.is_empty() {
                        return all;
                    }
                    all.extend(got);
                }
            };

            let first = task(&mut store, &a, 5, None, 3600, T0);
            let second = task(&mut store, &a, 5, None, 3600, T0 + 1);
            // One notification per transaction (each insert is one here).
            assert_eq!(heard(), ["due", "due"]);
            let c = claim_n(&mut store, "d1", T0 + 10, 1).remove(0);
            assert_eq!(c.seq, first);
            store
                .write(|tx| progress(tx, first, lease("d1", c.epoch), Some(10), None, T0 + 11))
                .unwrap();
            assert!(heard().is_empty(), "a claim and a start notify no one");
            store
                .write(|tx| {
                    let failed = Finish::Failed {
                        kind: "content".into(),
                        message: "no".into(),
                    };
                    finish(tx, first, lease("d1", c.epoch), &failed, T0 + 12)
                })
                .unwrap();
            assert_eq!(heard(), ["freed"]);
            let id = get(&mut store, second).id;
            store
                .write(|tx| tasks::cancel(tx, second, id, T0 + 13))
                .unwrap();
            assert_eq!(heard(), ["cancelled"]);
        }

        /// Two daemons, each with its own connection, claiming at once from 200 pending tasks
        /// take disjoint sets that together cover them all.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn concurrent_claims_take_disjoint_tasks() {
            let db = PgDb::new();
            let mut store = db.store();
            let a = account(&mut store);
            let all: Vec<Seq> = (0..200)
                .map(|i| task(&mut store, &a, (i % 10 + 1) as u8, None, 3600, T0 + i))
                .collect();
            let barrier = std::sync::Barrier::new(2);
            let taken: Vec<Vec<Seq>> = std::thread::scope(|s| {
                let claimers: Vec<_> = ["d1", "d2"]
                    .into_iter()
                    .map(|owner| {
                        let (db, barrier) = (&db, &barrier);
                        s.spawn(move || {
                            let mut store = db.store();
                            barrier.wait();
                            let mut mine = Vec::new();
                            loop {
                                let got = claim_n(&mut store, owner, T0 + 1_000, 7);
                                if got.is_empty() {
                                    break mine;
                                }
                                mine.extend(got.into_iter().map(|c| c.seq));
                            }
                        })
                    })
                    .collect();
                claimers.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let (one, two) = (&taken[0], &taken[1]);
            assert!(
                !one.is_empty() && !two.is_empty(),
                "both claimed: {} and {}",
                one.len(),
                two.len()
            );
            let mut union: Vec<Seq> = one.iter().chain(two).copied().collect();
            union.sort();
            let n = union.len();
            union.dedup();
            assert_eq!(n, union.len(), "a task was claimed twice");
            assert_eq!(union, all);
            let owners: Vec<Option<String>> = store
                .read(|c| {
                    c.rows(
                        Sql::same(
                            "SELECT lease_owner FROM tasks WHERE lease_epoch = 1 ORDER BY seq",
                        ),
                        args![],
                        |r| r.get(0),
                    )
                })
                .unwrap();
            assert_eq!(owners.len(), 200);
            for (seq, owner) in all.iter().zip(&owners) {
                let expected = if one.contains(seq) { "d1" } else { "d2" };
                assert_eq!(owner.as_deref(), Some(expected));
            }
        }

        /// A claim passes over the tasks another transaction holds locked (another daemon's
        /// claim in progress), without waiting for its commit. (Claims that both change
        /// statuses still queue briefly on the `task_counts` rows their triggers update.)
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn claims_never_wait_for_anothers_candidates() {
            let db = PgDb::new();
            let mut store = db.store();
            let a = account(&mut store);
            let all: Vec<Seq> = (0..10)
                .map(|i| task(&mut store, &a, 5, None, 3600, T0 + i))
                .collect();
            let (held, claimed) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
            let (first, second) = std::thread::scope(|s| {
                let one = s.spawn(|| {
                    let mut store = db.store();
                    store
                        .write(|c| {
                            // The first claim's step that locks its candidates.
                            let got: Vec<Seq> = c.rows(
                                Sql::same(
                                    "SELECT seq FROM tasks WHERE status = 'pending'
                                     ORDER BY priority DESC, seq LIMIT 4 FOR UPDATE SKIP LOCKED",
                                ),
                                args![],
                                |r| Ok(Seq(r.get(0)?)),
                            )?;
                            held.wait();
                            // Still locked while the other daemon claims.
                            claimed.wait();
                            Ok(got)
                        })
                        .unwrap()
                });
                let two = s.spawn(|| {
                    let mut store = db.store();
                    held.wait();
                    let got = store.write(|c| {
                        // Waiting for a row lock fails the test instead of hanging it.
                        c.batch(Sql::same("SET LOCAL lock_timeout = '2s'"))?;
                        claim(c, "d2", T0 + 100, LEASE, 4, &Limits::default())
                    });
                    claimed.wait();
                    got.unwrap()
                });
                (one.join().unwrap(), two.join().unwrap())
            });
            assert_eq!(first, all[..4].to_vec());
            let second: Vec<Seq> = second.iter().map(|c| c.seq).collect();
            assert_eq!(second, all[4..8].to_vec());
        }

        /// Every daemon runs the reaper and the deadline sweep: run at once, they return or
        /// time out each task once.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn concurrent_reaps_and_sweeps_act_once() {
            let db = PgDb::new();
            let mut store = db.store();
            let a = account(&mut store);
            for i in 0..60 {
                task(&mut store, &a, 5, None, 3600, T0 + i);
            }
            for i in 0..60 {
                task(&mut store, &a, 5, None, 1, T0 + i);
            }
            // The long ones claimed (their leases lapse); the short ones left past their deadline.
            store
                .write(|c| claim(c, "dead", T0 + 100, 1_000, 60, &Limits::default()))
                .unwrap();
            let later = T0 + 100_000;
            let barrier = std::sync::Barrier::new(3);
            let counts: Vec<(usize, usize)> = std::thread::scope(|s| {
                let hs: Vec<_> = ["d1", "d2", "d3"]
                    .into_iter()
                    .map(|owner| {
                        let (db, barrier) = (&db, &barrier);
                        s.spawn(move || {
                            let mut store = db.store();
                            barrier.wait();
                            let mut total = (0, 0);
                            for _ in 0..5 {
                                let (r, w) = store
                                    .write(|c| {
                                        Ok((
                                            reap(c, owner, later, false)?,
                                            sweep_deadlines(c, later)?,
                                        ))
                                    })
                                    .unwrap();
                                total = (total.0 + r, total.1 + w);
                            }
                            total
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let reaped: usize = counts.iter().map(|c| c.0).sum();
            let swept: usize = counts.iter().map(|c| c.1).sum();
            assert_eq!((reaped, swept), (60, 60), "{counts:?}");
            let events: i64 = store
                .read(|c| {
                    c.one(
                        Sql::same(
                            "SELECT count(*) FROM task_events WHERE to_status IN ('pending','timeout')
                             AND from_status IS NOT NULL",
                        ),
                        args![],
                        |r| r.get(0),
                    )
                })
                .unwrap();
            assert_eq!(events, 120);
            assert_eq!(
                store.read(|c| counters::get(c, TASKS_TIMEOUT, "")).unwrap(),
                60
            );
        }

        /// A profile limit of 3, two daemons claiming and finishing at once: never more than 3
        /// of its tasks in flight in the store.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn a_profile_limit_holds_across_concurrent_claimers() {
            let db = PgDb::new();
            let mut store = db.store();
            let a = account(&mut store);
            for i in 0..60 {
                task(&mut store, &a, 5, Some("slow"), 3600, T0 + i);
            }
            let limits = Limits {
                per_profile: [("slow".to_string(), 3)].into(),
                default_profile: "template".into(),
                ..Limits::default()
            };
            let in_flight = |c: &Conn| -> Result<i64> {
                c.one(
                    Sql::same(
                        "SELECT count(*) FROM tasks WHERE generator = 'slow'
                         AND status IN ('submitted','processing')",
                    ),
                    args![],
                    |r| r.get(0),
                )
            };
            let barrier = std::sync::Barrier::new(2);
            let done: Vec<(usize, i64)> = std::thread::scope(|s| {
                let claimers: Vec<_> = ["d1", "d2"]
                    .into_iter()
                    .map(|owner| {
                        let (db, barrier, limits) = (&db, &barrier, &limits);
                        s.spawn(move || {
                            let mut store = db.store();
                            barrier.wait();
                            let (mut finished, mut most) = (0, 0);
                            let mut idle = 0;
                            while idle < 50 {
                                let got = store
                                    .write(|c| {
                                        let got = claim(c, owner, T0 + 1_000, LEASE, 5, limits)?;
                                        // Under the claim's lock: what this claim sees is
                                        // all there is.
                                        Ok((got, in_flight(c)?))
                                    })
                                    .unwrap();
                                most = most.max(got.1);
                                if got.0.is_empty() {
                                    idle += 1;
                                    std::thread::sleep(std::time::Duration::from_millis(2));
                                    continue;
                                }
                                idle = 0;
                                std::thread::sleep(std::time::Duration::from_millis(3));
                                for c in got.0 {
                                    let f = Finish::Failed {
                                        kind: "permanent".into(),
                                        message: "done".into(),
                                    };
                                    let fence = lease(owner, c.epoch);
                                    let st = store
                                        .write(|x| finish(x, c.seq, fence, &f, T0 + 2_000))
                                        .unwrap();
                                    assert_eq!(st, Some(Status::Failed));
                                    finished += 1;
                                }
                            }
                            (finished, most)
                        })
                    })
                    .collect();
                claimers.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let total: usize = done.iter().map(|d| d.0).sum();
            assert_eq!(total, 60);
            assert!(
                done.iter().all(|d| d.1 <= 3),
                "in flight at most 3: {done:?}"
            );
            assert!(done.iter().all(|d| d.0 > 0), "both claimed some: {done:?}");
            assert_eq!(store.read(|c| in_flight(c)).unwrap(), 0);
        }

        /// Two daemons claiming at once from one rate limit take no more than it together.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn a_rate_limit_holds_across_concurrent_claimers() {
            let db = PgDb::new();
            let mut store = db.store();
            let a = account(&mut store);
            for i in 0..40 {
                task(&mut store, &a, 5, Some("qwen"), 3600, T0 + i);
            }
            let limits = rate_limits(10, None);
            let barrier = std::sync::Barrier::new(2);
            let taken: Vec<usize> = std::thread::scope(|s| {
                let claimers: Vec<_> = ["d1", "d2"]
                    .into_iter()
                    .map(|owner| {
                        let (db, barrier, limits) = (&db, &barrier, &limits);
                        s.spawn(move || {
                            let mut store = db.store();
                            barrier.wait();
                            let mut n = 0;
                            for _ in 0..20 {
                                // One instant: nothing refills between the claims.
                                let got = store
                                    .write(|c| claim(c, owner, T0 + 1_000, LEASE, 2, limits))
                                    .unwrap();
                                n += got.len();
                                for c in got {
                                    let f = Finish::Failed {
                                        kind: "permanent".into(),
                                        message: "done".into(),
                                    };
                                    store
                                        .write(|x| {
                                            finish(x, c.seq, lease(owner, c.epoch), &f, T0 + 1_000)
                                        })
                                        .unwrap();
                                }
                            }
                            n
                        })
                    })
                    .collect();
                claimers.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert_eq!(taken.iter().sum::<usize>(), 10, "{taken:?}");
        }
    }
}
