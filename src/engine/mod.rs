//! The daemon: one dispatcher that claims due tasks in priority order under a lease, worker
//! futures that run them, a writer that commits their results in batches, lease renewal, a
//! reaper for expired leases, deadline sweeps, a heartbeat, and graceful shutdown.
//!
//! [`run`] is a library function so tests can run the daemon inside the test process; the
//! `daemon run` command wraps it with signal handling and logging.

pub mod db;
pub mod lock;
pub mod outbox;
pub mod retry;
pub mod worker;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::{GeneratorKind, GeneratorProfile};
use crate::domain::time::{now_ms, Millis};
use crate::domain::Status;
use crate::error::{Error, Result};
use crate::generator::{self, EnvLookup, Generator};
use crate::store::queue::{self, Heartbeat};
use crate::store::tasks::Seq;
use db::{Db, Results};
use worker::Signals;

/// The name of the built-in generator, always available.
pub const TEMPLATE: &str = "template";

/// Everything the daemon needs, resolved by the caller.
#[derive(Clone)]
pub struct Options {
    pub db_path: PathBuf,
    pub max_concurrent: usize,
    pub lease: Duration,
    pub poll_interval: Duration,
    pub retry_delays: Vec<Duration>,
    /// How often the dispatcher looks for new work from other processes.
    pub tick: Duration,
    /// How often expired leases and deadlines are swept.
    pub reap_interval: Duration,
    pub grace: Duration,
    pub until_idle: bool,
    /// This process holds the store's daemon lock, so leases held by others are dead.
    pub exclusive: bool,
    pub generators: BTreeMap<String, GeneratorProfile>,
    pub env: EnvLookup,
    /// The daemon's public root URL for content-creator callbacks, if any.
    pub public_url: Option<String>,
    /// The outbox sender's knobs (`[notify]`).
    pub notify: outbox::NotifyOptions,
    /// Fire due scheduled plans every minute, with this submission policy (`None`: off).
    pub scheduler: Option<crate::domain::task::SubmitPolicy>,
    /// Evaluate the alert rules at start and then at this interval (`None`: off).
    pub alerts: Option<(crate::monitor::alerts::AlertOptions, Duration)>,
}

impl Options {
    /// Defaults for everything but the store path, generators and env.
    pub fn new(db_path: &Path) -> Options {
        Options {
            db_path: db_path.to_path_buf(),
            max_concurrent: 5,
            lease: Duration::from_secs(15),
            poll_interval: Duration::from_secs(30),
            retry_delays: vec![
                Duration::from_secs(30),
                Duration::from_secs(60),
                Duration::from_secs(120),
            ],
            tick: Duration::from_millis(25),
            reap_interval: Duration::from_secs(2),
            grace: Duration::from_secs(30),
            until_idle: false,
            exclusive: false,
            generators: BTreeMap::new(),
            env: Arc::new(|_| None),
            public_url: None,
            notify: outbox::NotifyOptions::default(),
            scheduler: None,
            alerts: None,
        }
    }
}

/// What a run did, for `--until-idle`'s exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Tasks this run worked on.
    pub worked: usize,
    pub completed: usize,
    /// Worked-on tasks that ended failed, timed out or cancelled.
    pub not_completed: usize,
}

/// State shared by the dispatcher and its workers.
pub struct Shared {
    pub db: Db,
    pub results: Results,
    pub owner: String,
    pub generators: HashMap<String, Arc<dyn Generator>>,
    /// Concurrency limit per profile, where one is set.
    limits: HashMap<String, usize>,
    default_profile: String,
    pub retry_delays: Vec<Duration>,
    poll_interval: Duration,
    public_url: Option<String>,
    /// Wakes a worker's poll loop early (a callback arrived).
    wakes: Mutex<HashMap<Seq, Arc<Notify>>>,
    pub started_at: Millis,
    pub max_concurrent: usize,
    /// Tasks being worked on now.
    pub in_flight: AtomicUsize,
    /// When the dispatcher last went round its loop (for `/healthz`).
    pub loop_beat: AtomicI64,
    /// Wakes the outbox sender: something may be due.
    pub outbox: Notify,
    /// Generator requests by (profile, outcome) since the last heartbeat, which adds them to
    /// the `generator_requests_total` counters.
    requests: std::sync::Mutex<HashMap<(String, String), i64>>,
}

impl Shared {
    /// Counts one request to a generator by how it ended.
    pub fn count_request<T>(
        &self,
        profile: &str,
        result: &std::result::Result<T, crate::generator::GenError>,
    ) {
        let outcome = match result {
            Ok(_) => "ok".to_string(),
            Err(e) => e.outcome(),
        };
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((profile.to_string(), outcome)).or_default() += 1;
        }
    }

    /// Takes the requests counted since the last call.
    fn take_requests(&self) -> Vec<((String, String), i64)> {
        self.requests
            .lock()
            .map(|mut m| m.drain().collect())
            .unwrap_or_default()
    }

    /// The profile a task runs on: its own, else `default` when configured, else the template.
    pub fn profile_of(&self, named: Option<&str>) -> String {
        named
            .map(str::to_string)
            .unwrap_or_else(|| self.default_profile.clone())
    }

    fn poll_wait(&self) -> Duration {
        // ±20 % so remote jobs started together are not polled in lockstep.
        self.poll_interval.mul_f64(0.8 + 0.4 * retry::jitter())
    }

    fn first_poll(&self) -> Duration {
        self.poll_wait().min(Duration::from_secs(1))
    }

    pub fn wake_of(&self, seq: Seq) -> Arc<Notify> {
        let mut map = self.wakes.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(seq).or_default().clone()
    }

    /// Wakes the worker of `seq`, if any, to poll now.
    pub fn wake(&self, seq: Seq) {
        if let Some(n) = self
            .wakes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&seq)
        {
            n.notify_one();
        }
    }

    fn flush_wakes(&self) {
        self.wakes.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn forget(&self, seq: Seq) {
        self.wakes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&seq);
    }

    fn callback_url(&self, task_id: &str) -> Option<String> {
        self.public_url.as_ref().map(|root| {
            format!(
                "{}/api/v1/content/callback/{task_id}",
                root.trim_end_matches('/')
            )
        })
    }
}

/// A unique lease owner name for this process.
pub fn owner_id() -> String {
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".into());
    format!(
        "{host}:{}:{:04x}",
        std::process::id(),
        getrandom::u32().unwrap_or(0) & 0xffff
    )
}

fn build_generators(opts: &Options) -> Result<(Generators, Limits)> {
    let mut gens: HashMap<String, Arc<dyn Generator>> = HashMap::new();
    let mut limits = HashMap::new();
    gens.insert(TEMPLATE.into(), Arc::new(generator::template::Template));
    for (name, profile) in &opts.generators {
        let g = generator::build(name, profile, opts.env.clone())
            .map_err(|e| Error::Usage(format!("generator profile '{name}': {e}")))?;
        gens.insert(name.clone(), g);
        if let Some(n) = profile.max_concurrent {
            limits.insert(name.clone(), n as usize);
        }
    }
    Ok((gens, limits))
}

type Generators = HashMap<String, Arc<dyn Generator>>;
type Limits = HashMap<String, usize>;

struct InFlight {
    profile: String,
    signals: Signals,
    /// The worker's task, so a finished worker never removes a newer one for the same task.
    worker: Option<tokio::task::Id>,
}

/// A daemon that has opened its store and built its generators, ready to [`Engine::run`].
/// [`Engine::shared`] gives the HTTP API the same store handle and worker wake-ups.
pub struct Engine {
    opts: Options,
    shared: Arc<Shared>,
    writer: tokio::task::JoinHandle<()>,
}

impl Engine {
    /// Opens the store and builds the generators. Must be called inside a tokio runtime.
    pub async fn new(opts: Options) -> Result<Engine> {
        let db = Db::open(&opts.db_path)?;
        let (generators, limits) = build_generators(&opts)?;
        let default_profile = default_profile(&opts.generators).to_string();
        let (results, writer) = db::spawn_writer(db.clone());
        let shared = Arc::new(Shared {
            db,
            results,
            owner: owner_id(),
            generators,
            limits,
            default_profile,
            retry_delays: opts.retry_delays.clone(),
            poll_interval: opts.poll_interval,
            public_url: opts.public_url.clone(),
            wakes: Mutex::new(HashMap::new()),
            started_at: now_ms(),
            max_concurrent: opts.max_concurrent,
            in_flight: AtomicUsize::new(0),
            loop_beat: AtomicI64::new(now_ms()),
            outbox: Notify::new(),
            requests: Default::default(),
        });
        Ok(Engine {
            opts,
            shared,
            writer,
        })
    }

    pub fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// Runs until `shutdown` is cancelled (or, with `until_idle`, until nothing is left to
    /// do). Leaves nothing claimed behind.
    pub async fn run(self, shutdown: CancellationToken) -> Result<Summary> {
        let Engine {
            opts,
            shared,
            writer,
        } = self;
        // The outbox sender runs until the dispatcher has finished (so events of tasks that
        // end during the grace period still go out), then drains briefly. The guard stops it
        // should this future be dropped.
        let stop_outbox = CancellationToken::new();
        let _stop_outbox_on_drop = stop_outbox.clone().drop_guard();
        let sender = tokio::spawn(outbox::run(
            shared.clone(),
            opts.notify.clone(),
            opts.env.clone(),
            stop_outbox.clone(),
        ));
        let result = dispatch(&opts, &shared, shutdown).await;
        // Every result handed to the writer is committed before the daemon says goodbye.
        let flushed = shared.results.flush().await;
        stop_outbox.cancel();
        let _ = sender.await;
        writer.abort();
        let summary = result?;
        flushed?;
        Ok(summary)
    }
}

/// Runs the daemon until `shutdown` is cancelled (or, with `until_idle`, until nothing is
/// left to do). Leaves nothing claimed behind.
pub async fn run(opts: Options, shutdown: CancellationToken) -> Result<Summary> {
    Engine::new(opts).await?.run(shutdown).await
}

async fn dispatch(
    opts: &Options,
    shared: &Arc<Shared>,
    shutdown: CancellationToken,
) -> Result<Summary> {
    let db = shared.db.clone();
    let owner = shared.owner.clone();
    let watch = crate::store::ChangeWatch::open(&opts.db_path)?;

    let started = now_ms();
    let lease_ms = opts.lease.as_millis() as i64;
    let beat = |in_flight: usize, stopped: bool| Heartbeat {
        id: owner.clone(),
        pid: std::process::id(),
        host: owner.split(':').next().unwrap_or("").to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        started_at: started,
        last_beat_at: now_ms(),
        stopped_at: stopped.then(now_ms),
        in_flight: in_flight as u32,
        max_concurrent: opts.max_concurrent as u32,
        scheduler: opts.scheduler.is_some(),
        listen: None,
    };
    {
        let hb = beat(0, false);
        let (o, exclusive) = (owner.clone(), opts.exclusive);
        let reaped = db
            .write(move |tx| {
                queue::beat(tx, &hb)?;
                let n = queue::reap(tx, &o, now_ms(), exclusive)?;
                queue::sweep_deadlines(tx, now_ms())?;
                Ok(n)
            })
            .await?;
        if reaped > 0 {
            tracing::info!(
                count = reaped,
                "returned tasks of a previous daemon to the queue"
            );
        }
    }
    tracing::info!(owner = %owner, max_concurrent = opts.max_concurrent, "daemon started");

    let mut inflight: HashMap<Seq, InFlight> = HashMap::new();
    let mut workers: JoinSet<(Seq, Option<Status>)> = JoinSet::new();
    let mut task_ids: HashMap<tokio::task::Id, Seq> = HashMap::new();
    let mut touched: Vec<Seq> = Vec::new();
    let mut touched_set: std::collections::HashSet<Seq> = std::collections::HashSet::new();
    let mut last_version = watch.version();
    let mut dirty = true;
    let mut saturated = false;
    let mut wake_at = Instant::now();
    let renew_every = (opts.lease / 3).max(Duration::from_millis(100));
    let mut next_renew = Instant::now() + renew_every;
    let mut next_reap = Instant::now() + opts.reap_interval;
    // Plans fire on minute boundaries: tick a second after each one.
    let until_minute =
        |now: Millis| Duration::from_millis((60_000 - now.rem_euclid(60_000) + 1_000) as u64);
    let mut next_schedule = opts.scheduler.as_ref().map(|_| Instant::now());
    let mut next_alerts = opts.alerts.as_ref().map(|_| Instant::now());
    let mut stopping = false;
    let mut grace_end: Option<Instant> = None;
    let mut ticker = tokio::time::interval(opts.tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        shared.loop_beat.store(now_ms(), Ordering::Relaxed);
        shared.in_flight.store(inflight.len(), Ordering::Relaxed);
        let now = Instant::now();
        let free = opts.max_concurrent.saturating_sub(inflight.len());
        if !stopping && free > 0 && (dirty || saturated || now >= wake_at) {
            dirty = false;
            let mut per: HashMap<String, usize> = HashMap::new();
            for f in inflight.values() {
                *per.entry(f.profile.clone()).or_default() += 1;
            }
            let (sh, o) = (shared.clone(), owner.clone());
            let claimed = db
                .write(move |tx| {
                    let mut can_take = |g: Option<&str>| {
                        let p = sh.profile_of(g);
                        let used = per.entry(p.clone()).or_default();
                        match sh.limits.get(&p) {
                            Some(limit) if *used >= *limit => false,
                            _ => {
                                *used += 1;
                                true
                            }
                        }
                    };
                    queue::claim(tx, &o, now_ms(), lease_ms, free, &mut can_take)
                })
                .await?;
            saturated = claimed.len() == free;
            for c in claimed {
                let seq = c.seq;
                let profile = shared.profile_of(c.task.generator.as_deref());
                tracing::info!(task = %c.task.id, priority = c.task.priority, generator = %profile, adopted = c.adopted, "claimed");
                let signals = Signals::default();
                inflight.insert(
                    seq,
                    InFlight {
                        profile,
                        signals: signals.clone(),
                        worker: None,
                    },
                );
                if touched_set.insert(seq) {
                    touched.push(seq);
                }
                let sh = shared.clone();
                let handle = workers.spawn(async move { (seq, worker::run(sh, c, signals).await) });
                task_ids.insert(handle.id(), seq);
                if let Some(f) = inflight.get_mut(&seq) {
                    f.worker = Some(handle.id());
                }
            }
            if !saturated {
                let next = db.read(queue::next_due).await?;
                let until = next
                    .map(|ms| (ms - now_ms()).max(0) as u64)
                    .unwrap_or(u64::MAX);
                wake_at = Instant::now() + Duration::from_millis(until).min(opts.reap_interval);
            }
        }

        if inflight.is_empty() {
            if stopping {
                break;
            }
            if opts.until_idle && !dirty {
                let has = db.read(|tx| queue::has_work(tx, now_ms())).await?;
                if !has {
                    break;
                }
            }
        }

        tokio::select! {
            Some(joined) = workers.join_next_with_id(), if !workers.is_empty() => {
                // Take every worker that has finished, so one claim refills all their slots.
                let mut next = Some(joined);
                while let Some(joined) = next {
                    let (worker, seq) = match joined {
                        Ok((id, (seq, _))) => {
                            task_ids.remove(&id);
                            (id, seq)
                        }
                        Err(e) => {
                            let seq = task_ids.remove(&e.id());
                            tracing::error!(error = %e, "a worker crashed; returning its task to the queue");
                            if let Some(seq) = seq {
                                let _ = shared.results.send(seq, queue::Finish::Released).await;
                            }
                            (e.id(), seq.unwrap_or(Seq(-1)))
                        }
                    };
                    if inflight.get(&seq).is_some_and(|f| f.worker == Some(worker)) {
                        inflight.remove(&seq);
                        shared.forget(seq);
                    }
                    next = workers.try_join_next_with_id();
                }
                // A worker returns once its result is committed, and that commit may have
                // queued a callback: wake the outbox sender.
                shared.outbox.notify_one();
                if saturated {
                    dirty = true;
                }
            }
            _ = ticker.tick() => {
                let v = watch.version();
                if v != last_version {
                    last_version = v;
                    let due = queue::has_due_pending(watch.conn(), now_ms()).unwrap_or(true);
                    dirty |= due;
                    if !inflight.is_empty() {
                        let seqs: Vec<Seq> = inflight.keys().copied().collect();
                        let current = db.read(move |tx| queue::statuses(tx, &seqs)).await?;
                        for (seq, st) in current {
                            if st == Status::Cancelled {
                                if let Some(f) = inflight.get(&seq) {
                                    f.signals.cancel.cancel();
                                }
                            }
                        }
                    }
                }
            }
            _ = shutdown.cancelled(), if !stopping => {
                stopping = true;
                grace_end = Some(Instant::now() + opts.grace);
                tracing::info!(in_flight = inflight.len(), grace_s = opts.grace.as_secs(), "shutting down");
            }
            _ = tokio::time::sleep_until(grace_end.unwrap_or_else(Instant::now)), if grace_end.is_some() => {
                grace_end = None;
                tracing::warn!(in_flight = inflight.len(), "grace period over; releasing unfinished tasks");
                for f in inflight.values() {
                    f.signals.release.cancel();
                }
            }
        }

        if stopping {
            // Remote jobs need no grace: the next daemon adopts and re-polls them. Checked on
            // every turn, as a job may be recorded after the shutdown began.
            for f in inflight.values() {
                let remote = f.signals.remote.lock().is_ok_and(|g| g.is_some());
                if remote && !f.signals.release.is_cancelled() {
                    f.signals.release.cancel();
                }
            }
        }

        let now = Instant::now();
        if now >= next_renew {
            next_renew = now + renew_every;
            let hb = beat(inflight.len(), false);
            let o = owner.clone();
            let held: Vec<Seq> = inflight.keys().copied().collect();
            let requests = shared.take_requests();
            db.write(move |tx| {
                queue::renew(tx, &o, &held, now_ms() + lease_ms)?;
                queue::count_requests(tx, &requests)?;
                queue::beat(tx, &hb)
            })
            .await?;
        }
        if let (Some(policy), Some(at)) = (&opts.scheduler, next_schedule.filter(|at| now >= *at)) {
            next_schedule = Some(at.max(now) + until_minute(now_ms()));
            let policy = policy.clone();
            match db
                .with_store(move |store| crate::schedule::fire_due(store, now_ms(), &policy, false))
                .await
            {
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
                        dirty = true;
                    }
                }
                Err(e) => tracing::error!(error = %e, "scheduler tick failed"),
            }
        }
        if let (Some((rules, every)), Some(at)) =
            (&opts.alerts, next_alerts.filter(|at| now >= *at))
        {
            next_alerts = Some(at.max(now) + *every);
            evaluate_alerts(shared, &opts.db_path, rules).await;
        }
        if now >= next_reap {
            next_reap = now + opts.reap_interval;
            let o = owner.clone();
            let (reaped, swept) = db
                .write(move |tx| {
                    Ok((
                        queue::reap(tx, &o, now_ms(), false)?,
                        queue::sweep_deadlines(tx, now_ms())?,
                    ))
                })
                .await?;
            if swept > 0 {
                // Timed-out tasks may have queued `task.failed` callbacks.
                shared.outbox.notify_one();
            }
            if reaped + swept > 0 {
                tracing::info!(
                    returned = reaped,
                    timed_out = swept,
                    "swept expired leases and deadlines"
                );
                dirty = true;
            }
        }
    }

    // Every worker has ended and recorded its result (a worker returns only after its
    // result is committed); say goodbye.
    shared.flush_wakes();
    let hb = beat(0, true);
    let o = owner.clone();
    let requests = shared.take_requests();
    let statuses = db
        .write(move |tx| {
            queue::beat(tx, &hb)?;
            queue::count_requests(tx, &requests)?;
            // Belt and braces: nothing may stay claimed by this process.
            queue::release_all(tx, &o, now_ms())?;
            queue::statuses(tx, &touched)
        })
        .await?;
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

/// One pass of the alert rules: state changes are recorded and their notifications queued in
/// one transaction, then the outbox sender is woken.
async fn evaluate_alerts(
    shared: &Arc<Shared>,
    db_path: &Path,
    rules: &crate::monitor::alerts::AlertOptions,
) {
    let (path, rules) = (db_path.to_path_buf(), rules.clone());
    let pass = shared
        .db
        .write(move |tx| crate::monitor::alerts::evaluate(tx, &path, &rules, now_ms(), true))
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
                shared.outbox.notify_one();
            }
        }
        Err(e) => tracing::error!(error = %e, "could not evaluate the alert rules"),
    }
}

/// The profile a task without `--generator` uses: the one named "default" when configured,
/// else the built-in template generator.
pub fn default_profile(generators: &BTreeMap<String, GeneratorProfile>) -> &'static str {
    if generators.contains_key("default") {
        "default"
    } else {
        TEMPLATE
    }
}

/// Whether a profile's kind talks to a remote job service.
pub fn is_remote(kind: GeneratorKind) -> bool {
    kind == GeneratorKind::ContentCreator
}
