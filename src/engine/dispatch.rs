//! The dispatcher: one loop that claims due tasks, starts their workers and keeps the daemon's
//! duties on their timers. Each duty is one method of [`Dispatcher`]; [`Dispatcher::run`] is
//! the loop that calls them.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::{JoinError, JoinSet};
use tokio::time::{Instant, Interval};
use tokio_util::sync::CancellationToken;

use super::batch::{self, Lane};
use super::db::Db;
use super::options::{Options, Summary};
use super::shared::{Shared, Writer};
use super::worker::{self, Signals};
use super::writer::{Results, Settle};
use crate::domain::time::{now_ms, Millis};
use crate::domain::Status;
use crate::error::Result;
use crate::store::queue::{self, Finish, Heartbeat};
use crate::store::tasks::Seq;
use crate::store::{ChangeWatch, Versions};

/// A task being worked on.
struct InFlight {
    profile: String,
    /// The lease epoch of the claim it runs under.
    epoch: i64,
    signals: Signals,
    /// The worker's task, so a finished worker never removes a newer one for the same task.
    worker: tokio::task::Id,
    /// Whether the task has a callback URL, which its end queues a delivery for.
    callback: bool,
    /// Whether it is on an `openai-batch` profile: it then waits in a batch and takes no
    /// slot of the daemon's `max_concurrent`.
    batched: bool,
}

type Joined = std::result::Result<(tokio::task::Id, (Seq, Option<Status>)), JoinError>;

/// How often a daemon whose disk is full tries a write.
const FULL_PROBE: Duration = Duration::from_secs(1);

/// How often, at most, a claim looks for remote jobs whose lease expired (at the reap
/// interval when that is shorter): a lease expires after tens of seconds, and being taken
/// over half a second later changes nothing.
const ADOPT_EVERY: Duration = Duration::from_millis(500);

/// When each periodic duty is next due.
struct Timers {
    renew_every: Duration,
    next_renew: Instant,
    next_reap: Instant,
    next_schedule: Option<Instant>,
    next_alerts: Option<Instant>,
    /// When to look for due work even without a change: the earliest `next_attempt_at` of a
    /// snoozed task, at most one reap interval ahead.
    wake_at: Instant,
    /// Set at shutdown: when unfinished local work is released.
    grace_end: Option<Instant>,
    /// While the disk is full: when to try writing again.
    next_probe: Instant,
    /// When a claim next looks for expired leases of remote jobs to adopt.
    next_adopt: Instant,
}

/// The dispatcher's state between turns of its loop.
pub struct Dispatcher<'a> {
    opts: &'a Options,
    shared: &'a Arc<Shared>,
    /// Where workers hand their results.
    results: Results,
    db: Db,
    owner: String,
    started: Millis,
    lease_ms: i64,
    /// The generator profiles' limits, which each claim keeps to across the store.
    limits: Arc<queue::Limits>,
    /// Profiles waiting for their rate limits, as the last claim found them: until when.
    rate_waits: HashMap<String, Millis>,
    watch: ChangeWatch,
    /// The store's change counters when the dispatcher last looked.
    seen: Versions,
    inflight: HashMap<Seq, InFlight>,
    /// The batch lanes of the `openai-batch` profiles.
    lanes: HashMap<String, Arc<Lane>>,
    workers: JoinSet<(Seq, Option<Status>)>,
    task_ids: HashMap<tokio::task::Id, Seq>,
    /// Tasks this run worked on, in the order first claimed (for the summary).
    touched: Vec<Seq>,
    touched_set: HashSet<Seq>,
    /// Look for due work: another connection committed a due task, a slot freed up after a
    /// full claim, a plan fired, or a lease or deadline was swept.
    dirty: bool,
    /// The last claim filled every free slot, so more may be due.
    saturated: bool,
    stopping: bool,
    /// The store's disk was full at the last look.
    was_full: bool,
    timers: Timers,
}

impl<'a> Dispatcher<'a> {
    /// Announces the daemon and returns the tasks of a dead daemon to the queue.
    pub async fn start(
        opts: &'a Options,
        shared: &'a Arc<Shared>,
        results: Results,
        shutdown: &CancellationToken,
    ) -> Result<Dispatcher<'a>> {
        let watch = ChangeWatch::open_at(&opts.store)?;
        let now = Instant::now();
        let renew_every = (opts.lease / 3).max(Duration::from_millis(100));
        let mut d = Dispatcher {
            opts,
            shared,
            results,
            db: shared.db.clone(),
            owner: shared.owner.clone(),
            started: now_ms(),
            lease_ms: opts.lease.as_millis() as i64,
            limits: Arc::new(queue::Limits {
                per_profile: shared.limits.clone().into_iter().collect(),
                default_profile: shared.profile_of(None),
                budgets: opts.budgets.clone(),
                rates: shared.rates.clone(),
                estimate: estimator(shared),
            }),
            rate_waits: HashMap::new(),
            watch,
            seen: Versions::default(),
            inflight: HashMap::new(),
            lanes: super::batch::lanes(opts)?,
            workers: JoinSet::new(),
            task_ids: HashMap::new(),
            touched: Vec::new(),
            touched_set: HashSet::new(),
            dirty: true,
            saturated: false,
            stopping: false,
            was_full: false,
            timers: Timers {
                renew_every,
                next_renew: now + renew_every,
                next_reap: now + opts.reap_interval,
                next_schedule: opts.scheduler.as_ref().map(|_| now),
                next_alerts: opts.alerts.as_ref().map(|_| now),
                wake_at: now,
                grace_end: None,
                next_probe: now,
                next_adopt: now,
            },
        };
        // A full disk does not stop the daemon from starting: it waits for room, and says
        // so on `/healthz`, instead of exiting and being restarted into the same state.
        let reaped = loop {
            let hb = d.heartbeat(false);
            let (o, exclusive, sole) = (d.owner.clone(), opts.exclusive, opts.sole_on_host);
            let started = async {
                if !opts.exclusive {
                    let own = d.owner.clone();
                    d.db.write(move |tx| take_over_local_dead(tx, &own)).await?;
                }
                super::children::kill_leftovers(&d.db, &d.owner, opts.exclusive).await?;
                d.db.write(move |tx| {
                    if sole {
                        refuse_beside_local(tx, &o)?;
                    }
                    queue::beat(tx, &hb)?;
                    let n = queue::reap(tx, &o, now_ms(), exclusive)?;
                    queue::sweep_deadlines(tx, now_ms())?;
                    crate::store::tasks::compact_counts(tx)?;
                    Ok(n)
                })
                .await
            };
            match started.await {
                Ok(n) => break n,
                Err(e) if e.is_disk_full() && !shutdown.is_cancelled() => {
                    shared.note_store_full(Writer::Dispatcher, &e, 0);
                    tokio::select! {
                        _ = tokio::time::sleep(FULL_PROBE) => {}
                        _ = shutdown.cancelled() => {}
                    }
                }
                Err(e) => return Err(e),
            }
        };
        shared.note_store_writable(Writer::Dispatcher);
        if reaped > 0 {
            tracing::info!(
                count = reaped,
                "returned tasks of a previous daemon to the queue"
            );
        }
        // Changes from here on are other connections' (or this daemon's later ones).
        d.seen = d.watch.versions();
        tracing::info!(owner = %d.owner, max_concurrent = opts.max_concurrent, "daemon started");
        Ok(d)
    }

    /// Runs until `shutdown` is cancelled and every worker has ended (or, with `until_idle`,
    /// until nothing is left to do), then says goodbye.
    pub async fn run(mut self, shutdown: CancellationToken) -> Result<Summary> {
        let mut ticker = tokio::time::interval(self.opts.tick);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.shared.loop_beat.store(now_ms(), Ordering::Relaxed);
            self.shared
                .in_flight
                .store(self.inflight.len(), Ordering::Relaxed);
            if self.store_full_now().await? {
                // Nothing that writes runs while the disk is full (a reap could return the
                // tasks whose results wait in memory); the result writer finds out when
                // there is room again.
                if self.stopping && self.inflight.is_empty() {
                    break;
                }
                self.wait(&mut ticker, &shutdown).await?;
                continue;
            }
            let claimed = self.claim().await;
            self.tolerate(claimed)?;
            if self.inflight.is_empty() && (self.stopping || self.idle().await?) {
                break;
            }
            self.wait(&mut ticker, &shutdown).await?;
            if self.stopping {
                self.release_remote();
            }
            let now = Instant::now();
            if now >= self.timers.next_renew {
                self.timers.next_renew = now + self.timers.renew_every;
                let renewed = self.renew().await;
                self.tolerate(renewed)?;
            }
            if let Some(at) = self.timers.next_schedule.filter(|at| now >= *at) {
                // Plans fire on minute boundaries: tick a second after each one.
                let to_minute = 60_000 - now_ms().rem_euclid(60_000) + 1_000;
                self.timers.next_schedule =
                    Some(at.max(now) + Duration::from_millis(to_minute as u64));
                self.scheduler_tick().await;
            }
            if let (Some((_, every)), Some(at)) = (
                &self.opts.alerts,
                self.timers.next_alerts.filter(|at| now >= *at),
            ) {
                self.timers.next_alerts = Some(at.max(now) + *every);
                self.alert_tick().await;
            }
            if now >= self.timers.next_reap {
                self.timers.next_reap = now + self.opts.reap_interval;
                let reaped = self.reap().await;
                self.tolerate(reaped)?;
                let swept = self.sweep().await;
                self.tolerate(swept)?;
            }
        }
        self.shut_down().await
    }

    /// Claims due tasks for the free slots and starts their workers, when something may be
    /// due: the store changed, a slot freed up after a full claim, or a snooze ended.
    async fn claim(&mut self) -> Result<()> {
        let free = self.free_slots();
        let due = self.dirty || self.saturated || Instant::now() >= self.timers.wake_at;
        if self.stopping || free == 0 || !due {
            return Ok(());
        }
        self.dirty = false;
        // The claim counts each limited profile's tasks in flight in the store (this daemon's
        // and every other's), so the limits hold across daemons.
        let (o, lease_ms, limits) = (self.owner.clone(), self.lease_ms, self.limits.clone());
        let shared = self.shared.clone();
        let adopt = Instant::now() >= self.timers.next_adopt;
        if adopt {
            self.timers.next_adopt = Instant::now() + ADOPT_EVERY.min(self.opts.reap_interval);
        }
        let (claimed, waits) = self
            .db
            .write(move |tx| {
                if !limits.budgets.is_empty() {
                    super::budgets::fall_back_held(tx, &shared, now_ms())?;
                }
                if !limits.rates.is_empty() {
                    super::budgets::fall_back_rate_waits(tx, &shared, now_ms())?;
                }
                queue::claim_within_rates(tx, &o, now_ms(), lease_ms, free, &limits, adopt)
            })
            .await?;
        self.rate_waits = waits.into_iter().map(|w| (w.profile, w.until)).collect();
        self.saturated = claimed.len() == free;
        for c in claimed {
            self.start_worker(c);
        }
        if !self.saturated {
            // Every due task is now claimed or waits behind a generator at its limit (which a
            // finishing worker of that generator wakes, here or through the store's change).
            let next = self
                .db
                .read(|tx| queue::next_snooze_end(tx, now_ms()))
                .await?;
            // A profile waiting for its rate limits has capacity again at the end of its wait.
            let next = next
                .into_iter()
                .chain(self.rate_waits.values().copied())
                .min();
            let until = next
                .map(|ms| (ms - now_ms()).max(0) as u64)
                .unwrap_or(u64::MAX);
            self.timers.wake_at =
                Instant::now() + Duration::from_millis(until).min(self.opts.reap_interval);
        }
        Ok(())
    }

    /// How many tasks a claim may take now. A slot is taken by a task whose attempt runs;
    /// tasks waiting in batches take none (a batch is one remote job, bounded by its
    /// profile's `max_concurrent`, which counts its tasks, and `batch_size`), nor do tasks
    /// whose result waits for the writer's commit. The daemon holds at most twice
    /// `max_concurrent` tasks in all, so results waiting in memory stay bounded: while the
    /// writer commits one set of results, the next set can be generated.
    fn free_slots(&self) -> usize {
        let max = self.opts.max_concurrent;
        let (mut local, mut running) = (0, 0);
        for f in self.inflight.values().filter(|f| !f.batched) {
            local += 1;
            if !f.signals.settling.load(Ordering::Relaxed) {
                running += 1;
            }
        }
        max.saturating_sub(running)
            .min((2 * max).saturating_sub(local))
    }

    /// A write the full disk refused is not the end of the daemon: it waits for room, its
    /// results held by the writer. Any other failure is.
    /// Nor is a store another process keeps locked past the busy timeout (a long bulk
    /// import): the duty is tried again on its next turn.
    fn tolerate(&mut self, r: Result<()>) -> Result<()> {
        match r {
            Err(e) if e.is_disk_full() => {
                self.shared.note_store_full(Writer::Dispatcher, &e, 0);
                self.was_full = true;
                Ok(())
            }
            Err(e) if e.is_store_busy() => {
                tracing::warn!(error = %e, "the store is locked by another process; trying again");
                Ok(())
            }
            other => other,
        }
    }

    /// Whether the store's disk is full. When it has just got room again, the leases of the
    /// tasks in flight are renewed first, before any reap could take them for expired.
    /// While it is full, the lease renewal (a small write) tries it once a second.
    async fn store_full_now(&mut self) -> Result<bool> {
        if self.shared.store_full() {
            self.was_full = true;
            if Instant::now() < self.timers.next_probe {
                return Ok(true);
            }
            self.timers.next_probe = Instant::now() + FULL_PROBE;
        } else if !self.was_full {
            return Ok(false);
        }
        match self.renew().await {
            Ok(()) => {
                self.shared.note_store_writable(Writer::Dispatcher);
                // Other daemons on the store renew the leases they held through the outage
                // too: give them a lease's time before this one reaps anything.
                self.timers.next_reap = self.timers.next_reap.max(Instant::now() + self.opts.lease);
                if self.shared.store_full() {
                    // The result writer still holds results: claim nothing until it has
                    // saved them.
                    return Ok(true);
                }
                self.was_full = false;
                self.dirty = true;
                Ok(false)
            }
            Err(e) if e.is_disk_full() => {
                self.shared.note_store_full(Writer::Dispatcher, &e, 0);
                Ok(true)
            }
            Err(e) => Err(e),
        }
    }

    /// How many tasks each generator profile has in flight.
    fn per_profile(&self) -> HashMap<String, usize> {
        let mut per: HashMap<String, usize> = HashMap::new();
        for f in self.inflight.values() {
            *per.entry(f.profile.clone()).or_default() += 1;
        }
        per
    }

    /// The generator profiles at their `max_concurrent`, or waiting for their rate limits,
    /// whose waiting tasks no claim can take.
    fn full(&self, per: &HashMap<String, usize>) -> queue::Full {
        let default = self.shared.profile_of(None);
        let mut full = queue::Full::default();
        let now = now_ms();
        for (profile, until) in &self.rate_waits {
            if *until > now {
                full.unnamed |= *profile == default;
                full.names.push(profile.clone());
            }
        }
        for (profile, used) in per {
            if self
                .shared
                .limits
                .get(profile)
                .is_some_and(|limit| used >= limit)
            {
                full.unnamed |= *profile == default;
                full.names.push(profile.clone());
            }
        }
        full.names.sort();
        full.names.dedup();
        full
    }

    fn start_worker(&mut self, c: queue::Claimed) {
        let (seq, c_epoch, callback) = (c.seq, c.epoch, c.task.callback_url.is_some());
        let profile = self.shared.profile_of(c.task.generator.as_deref());
        tracing::info!(task = %c.task.id, priority = c.task.priority, generator = %profile, adopted = c.adopted, "claimed");
        let lane = self.lanes.get(&profile).cloned();
        let batched = lane.is_some();
        let signals = Signals {
            lane,
            ..Signals::default()
        };
        if self.touched_set.insert(seq) {
            self.touched.push(seq);
        }
        let (sh, results) = (self.shared.clone(), self.results.clone());
        let worker_signals = signals.clone();
        let handle = self
            .workers
            .spawn(async move { (seq, worker::run(sh, results, c, worker_signals).await) });
        self.task_ids.insert(handle.id(), seq);
        self.inflight.insert(
            seq,
            InFlight {
                profile,
                epoch: c_epoch,
                signals,
                worker: handle.id(),
                callback,
                batched,
            },
        );
    }

    /// With `until_idle` and no work in flight: whether nothing is left to do.
    async fn idle(&mut self) -> Result<bool> {
        if !self.opts.until_idle || self.dirty {
            return Ok(false);
        }
        let has = self.db.read(|tx| queue::has_work(tx, now_ms())).await?;
        Ok(!has)
    }

    /// Waits for the next thing to react to: a worker ending, a tick, the shutdown signal or
    /// the end of the grace period.
    async fn wait(&mut self, ticker: &mut Interval, shutdown: &CancellationToken) -> Result<()> {
        let grace_end = self.timers.grace_end;
        tokio::select! {
            Some(joined) = self.workers.join_next_with_id(), if !self.workers.is_empty() => {
                self.workers_done(joined).await;
            }
            // A worker's result went to the writer: its slot is free for the next claim.
            _ = self.shared.slot_freed.notified() => {}
            _ = ticker.tick() => self.on_store_change().await?,
            _ = shutdown.cancelled(), if !self.stopping => {
                self.stopping = true;
                self.timers.grace_end = Some(Instant::now() + self.opts.grace);
                tracing::info!(in_flight = self.inflight.len(), grace_s = self.opts.grace.as_secs(), "shutting down");
            }
            _ = tokio::time::sleep_until(grace_end.unwrap_or_else(Instant::now)), if grace_end.is_some() => {
                self.timers.grace_end = None;
                tracing::warn!(in_flight = self.inflight.len(), "grace period over; releasing unfinished tasks");
                for f in self.inflight.values() {
                    f.signals.release.cancel();
                }
            }
        }
        Ok(())
    }

    /// Takes every worker that has finished, so one claim refills all their slots.
    async fn workers_done(&mut self, first: Joined) {
        let full = self.full(&self.per_profile());
        let (mut freed_full, mut callbacks) = (false, false);
        let mut next = Some(first);
        while let Some(joined) = next {
            let (worker, seq) = match joined {
                Ok((id, (seq, _))) => {
                    self.task_ids.remove(&id);
                    (id, seq)
                }
                Err(e) => {
                    let seq = self.task_ids.remove(&e.id());
                    tracing::error!(error = %e, "a worker crashed; returning its task to the queue");
                    let held = seq.and_then(|s| Some((s, self.inflight.get(&s)?.epoch)));
                    if let Some((seq, epoch)) = held {
                        let _ = self
                            .results
                            .send(Settle::End(seq, epoch, Finish::Released))
                            .await;
                    }
                    (e.id(), seq.unwrap_or(Seq(-1)))
                }
            };
            if self.inflight.get(&seq).is_some_and(|f| f.worker == worker) {
                if let Some(f) = self.inflight.remove(&seq) {
                    // A finished task may leave room under a budget, and its result settles
                    // its rate reservation, which may end a wait.
                    freed_full |= full.names.contains(&f.profile)
                        || !self.limits.budgets.is_empty()
                        || self.rate_waits.contains_key(&f.profile);
                    callbacks |= f.callback;
                }
                self.shared.forget(seq);
            }
            next = self.workers.try_join_next_with_id();
        }
        // A worker returns once its result is committed, and that commit may have queued a
        // callback: wake the outbox sender.
        if callbacks {
            self.shared.outbox.notify_one();
        }
        // A slot freed up where tasks may be waiting for one.
        if self.saturated || freed_full {
            self.dirty = true;
        }
    }

    /// On each tick: when another connection has committed, look for due work and stop the
    /// workers of tasks the operator cancelled.
    async fn on_store_change(&mut self) -> Result<()> {
        let now = self.watch.versions();
        if now == self.seen {
            return Ok(());
        }
        let seen = std::mem::replace(&mut self.seen, now);
        // A task leaving flight makes room only under a profile's limit: without limits it is
        // no news to a claimer.
        let limited = !self.limits.per_profile.is_empty()
            || !self.limits.budgets.is_empty()
            || !self.limits.rates.is_empty();
        let due = now.due != seen.due || (now.freed != seen.freed && limited);
        if due {
            let full = self.full(&self.per_profile());
            self.dirty |= match self.watch.conn() {
                Some(conn) => queue::has_due_pending(conn, now_ms(), &full).unwrap_or(true),
                None => self
                    .db
                    .read(move |c| queue::has_due_pending(c, now_ms(), &full))
                    .await
                    .unwrap_or(true),
            };
        }
        if now.cancelled == seen.cancelled || self.inflight.is_empty() {
            return Ok(());
        }
        let seqs: Vec<Seq> = self.inflight.keys().copied().collect();
        let current = self.db.read(move |tx| queue::statuses(tx, &seqs)).await?;
        for (seq, st) in current {
            if st == Status::Cancelled {
                if let Some(f) = self.inflight.get(&seq) {
                    f.signals.cancel.cancel();
                }
            }
        }
        Ok(())
    }

    /// While stopping: remote jobs need no grace, the next daemon adopts and re-polls them.
    /// Checked on every turn, as a job may be recorded after the shutdown began.
    fn release_remote(&self) {
        for f in self.inflight.values() {
            let remote = f.signals.remote.lock().is_ok_and(|g| g.is_some());
            // A task still waiting in a batch collector has not been sent: it goes back
            // to the queue. One being sent is released once its batch is recorded.
            let unsent = f.batched
                && f.signals
                    .batch
                    .compare_exchange(
                        batch::stage::WAITING,
                        batch::stage::RELEASED,
                        Ordering::SeqCst,
                        Ordering::SeqCst,
                    )
                    .is_ok();
            if (remote || unsent) && !f.signals.release.is_cancelled() {
                f.signals.release.cancel();
            }
        }
    }

    /// Renews the leases of the tasks in flight, writes the heartbeat and the generator
    /// request counts.
    async fn renew(&mut self) -> Result<()> {
        let hb = self.heartbeat(false);
        let (o, lease_ms) = (self.owner.clone(), self.lease_ms);
        let mut held: Vec<(Seq, i64)> = self.inflight.iter().map(|(s, f)| (*s, f.epoch)).collect();
        held.sort_unstable_by_key(|(s, _)| s.0);
        let requests = self.shared.take_requests();
        self.db
            .write(move |tx| {
                // Timed from inside the transaction: a wait for the write lock must not
                // shorten the lease.
                queue::renew(tx, &o, &held, now_ms() + lease_ms)?;
                queue::count_requests(tx, &requests)?;
                queue::beat(tx, &hb)
            })
            .await
    }

    /// Fires the scheduled plans that are due.
    async fn scheduler_tick(&mut self) {
        let Some(policy) = self.opts.scheduler.clone() else {
            return;
        };
        let fired = self
            .db
            .with_store(move |store| crate::schedule::fire_due(store, now_ms(), &policy, false))
            .await;
        match fired {
            Ok(fired) => {
                for f in fired.iter().filter(|f| !f.skipped) {
                    match &f.error {
                        Some(e) => {
                            tracing::error!(plan = %f.plan, error = %e, "plan failed to fire")
                        }
                        None => tracing::info!(plan = %f.plan, tasks = f.tasks, "plan fired"),
                    }
                }
                if fired.iter().any(|f| f.tasks > 0) {
                    self.dirty = true;
                }
            }
            Err(e) => tracing::error!(error = %e, "scheduler tick failed"),
        }
    }

    /// One pass of the alert rules: state changes are recorded and their notifications
    /// queued in one transaction, then the outbox sender is woken.
    async fn alert_tick(&mut self) {
        let Some((rules, _)) = &self.opts.alerts else {
            return;
        };
        let (store, rules) = (self.opts.store.clone(), rules.clone());
        let pass = self
            .db
            .write(move |tx| crate::monitor::alerts::evaluate(tx, &store, &rules, now_ms(), true))
            .await;
        match pass {
            Ok(pass) => {
                for ev in &pass.events {
                    if ev.firing() {
                        tracing::warn!(alert = %ev.rule, severity = %ev.severity, summary = %ev.summary, "alert firing");
                    } else {
                        tracing::info!(alert = %ev.rule, summary = %ev.summary, "alert resolved");
                    }
                }
                if pass.queued > 0 {
                    self.shared.outbox.notify_one();
                }
            }
            Err(e) => tracing::error!(error = %e, "could not evaluate the alert rules"),
        }
    }

    /// Returns tasks whose lease expired to the queue.
    async fn reap(&mut self) -> Result<()> {
        let o = self.owner.clone();
        let reaped = self
            .db
            .write(move |tx| queue::reap(tx, &o, now_ms(), false))
            .await?;
        if reaped > 0 {
            tracing::info!(returned = reaped, "returned tasks with expired leases");
            self.dirty = true;
            if !self.opts.exclusive {
                // A daemon beside this one may have died with programs running.
                super::children::kill_leftovers(&self.db, &self.owner, false).await?;
            }
        }
        Ok(())
    }

    /// Times out tasks whose deadline passed while nobody held them.
    async fn sweep(&mut self) -> Result<()> {
        let swept = self
            .db
            .write(move |tx| {
                let swept = queue::sweep_deadlines(tx, now_ms())?;
                crate::store::tasks::compact_counts(tx)?;
                Ok(swept)
            })
            .await?;
        if swept > 0 {
            // Timed-out tasks may have queued `task.failed` callbacks.
            self.shared.outbox.notify_one();
            tracing::info!(timed_out = swept, "timed out tasks past their deadline");
            self.dirty = true;
        }
        Ok(())
    }

    /// Every worker has ended and recorded its result (a worker returns only after its result
    /// is committed): say goodbye, release anything left, and sum up the run.
    async fn shut_down(self) -> Result<Summary> {
        self.shared.flush_wakes();
        let hb = self.heartbeat(true);
        let o = self.owner.clone();
        let requests = self.shared.take_requests();
        let touched = self.touched;
        let said = self
            .db
            .write(move |tx| {
                queue::beat(tx, &hb)?;
                queue::count_requests(tx, &requests)?;
                // Belt and braces: nothing may stay claimed by this process.
                queue::release_all(tx, &o, now_ms())?;
                queue::statuses(tx, &touched)
            })
            .await;
        let statuses = match said {
            Ok(statuses) => statuses,
            // Nothing is held any more: the leases lapse by themselves.
            Err(e) if e.is_disk_full() || e.is_store_busy() => {
                tracing::warn!(error = %e, "could not record the shutdown in the store");
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let completed = statuses
            .iter()
            .filter(|(_, s)| *s == Status::Completed)
            .count();
        let not_completed = statuses
            .iter()
            .filter(|(_, s)| s.is_terminal() && *s != Status::Completed)
            .count();
        tracing::info!(worked = statuses.len(), completed, "daemon stopped");
        Ok(Summary {
            worked: statuses.len(),
            completed,
            not_completed,
        })
    }

    fn heartbeat(&self, stopped: bool) -> Heartbeat {
        Heartbeat {
            id: self.owner.clone(),
            pid: std::process::id(),
            host: super::shared::owner_host(&self.owner).to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            started_at: self.started,
            last_beat_at: now_ms(),
            stopped_at: stopped.then(now_ms),
            in_flight: self.inflight.len() as u32,
            max_concurrent: self.opts.max_concurrent as u32,
            scheduler: self.opts.scheduler.is_some(),
            listen: None,
        }
    }
}

/// Refuses to start beside a live daemon of this host (see [`Options::sole_on_host`]). The
/// per-host lock, held until the first heartbeat commits, makes a second daemon starting at
/// the same moment wait, and then see the first one's heartbeat.
fn refuse_beside_local(tx: &crate::store::Conn, own: &str) -> Result<()> {
    let host = crate::generator::process::host_name();
    queue::lock_host(tx, &host)?;
    let running = queue::heartbeats(tx, 50)?.into_iter().find(|hb| {
        hb.id != own
            && super::shared::owner_host(&hb.id) == host.as_str()
            && hb.stopped_at.is_none()
            && crate::generator::process::daemon_alive(hb.pid)
    });
    match running {
        Some(hb) => Err(crate::error::Error::Refused(format!(
            "another daemon (pid {}) is already running on this store on this host; stop it \
             first (see `contenthub daemon status`), or pass --allow-multiple",
            hb.pid
        ))),
        None => Ok(()),
    }
}

/// A daemon that shares its store with others (PostgreSQL, or SQLite with
/// `--allow-multiple`) cannot tell from a lock that the others are dead. But a daemon of this
/// very host that left no goodbye and whose process is gone is dead for sure (a `kill -9`, a
/// crash): its leases end now, so its remote jobs are adopted and its local tasks returned at
/// once, as a daemon holding an SQLite store's lock does, instead of after its leases run out.
fn take_over_local_dead(tx: &crate::store::Conn, own: &str) -> Result<usize> {
    let host = crate::generator::process::host_name();
    let mut taken = 0;
    for hb in queue::heartbeats(tx, 50)? {
        let local = super::shared::owner_host(&hb.id) == host.as_str();
        if hb.id == own || !local || hb.stopped_at.is_some() {
            continue;
        }
        if !crate::generator::process::daemon_alive(hb.pid) {
            let n = queue::expire_owner(tx, &hb.id, now_ms())?;
            tracing::info!(daemon = %hb.id, leases = n, "a daemon of this host died; taking its tasks over");
            taken += n;
        }
    }
    Ok(taken)
}

/// The claim's estimate of the tokens a task's request counts against its profile's limits:
/// the prompt its generator sends, plus the completion allowance.
fn estimator(shared: &Shared) -> queue::Estimator {
    let generators = shared.generators.clone();
    let max_tokens = shared.max_tokens.clone();
    queue::Estimator::new(move |task, account, profile| {
        let spec = worker::spec_for(task, account, 0);
        let prompt = generators
            .get(profile)
            .map(|g| g.prompt_text(&spec))
            .unwrap_or_else(|| spec.topic.clone());
        crate::domain::tokens::estimate(
            &prompt,
            max_tokens.get(profile).copied(),
            account.max_words,
            &account.language,
        )
    })
}
