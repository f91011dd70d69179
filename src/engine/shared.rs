//! The state the dispatcher, its workers, the outbox sender and the HTTP API share.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::db::Db;
use super::options::{default_profile, Options, TEMPLATE};
use super::retry;
use crate::domain::rate::RateLimits;
use crate::domain::step::Step;
use crate::domain::time::{now_ms, Millis};
use crate::error::{Error, Result};
use crate::generator::{self, Generator};
use crate::signature;
use crate::store::tasks::Seq;

/// State shared by the dispatcher and its workers.
pub struct Shared {
    pub db: Db,
    /// The result writer's connection: on PostgreSQL one of its own, so that its commits and
    /// the dispatcher's claims overlap; on SQLite, whose writers take turns on the file
    /// anyway, the same as `db`.
    pub(super) results_db: Db,
    pub owner: String,
    pub generators: HashMap<String, Arc<dyn Generator>>,
    /// Concurrency limit per profile, where one is set.
    pub(super) limits: HashMap<String, usize>,
    /// Each profile's `fallback` list and `fallback_after`, and which profiles are of kind
    /// `template` (the built-in one included).
    pub(super) fallbacks: super::fallback::Fallbacks,
    /// Provider rate limits per profile, where any is set, and each profile's `max_tokens`.
    pub(super) rates: BTreeMap<String, RateLimits>,
    pub(super) max_tokens: HashMap<String, u32>,
    /// The steps of each profile that writes in steps, each with the profile it runs on.
    pub(super) steps: HashMap<String, Vec<(Step, String)>>,
    /// `[review]`: the review rules' global defaults (`None`: not configured; tasks whose
    /// mode is `rules` then use the defaults of every key).
    pub(super) review: Option<crate::review::settings::ReviewSettings>,
    default_profile: String,
    pub retry_delays: Vec<Duration>,
    poll_interval: Duration,
    public_url: Option<String>,
    callback_secret: Option<Vec<u8>>,
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
    /// Wakes the dispatcher: a worker handed its result to the writer, freeing its slot.
    pub slot_freed: Notify,
    /// Generator requests by (profile, outcome) since the last heartbeat, which adds them to
    /// the `generator_requests_total` counters.
    requests: std::sync::Mutex<HashMap<(String, String), i64>>,
    /// Set while the store cannot be written because its disk is full, by whichever of the
    /// result writer and the dispatcher last failed to write: results wait in memory, nothing
    /// new is claimed, and `/healthz` says so. Each clears only its own.
    store_full: [AtomicBool; 2],
    /// When the full disk was last logged (once a minute, not once per attempt).
    store_full_logged: AtomicI64,
}

/// How often a store that stays full is logged again.
const FULL_LOG_EVERY_MS: i64 = 60_000;

/// Who found the store's disk full.
#[derive(Debug, Clone, Copy)]
pub enum Writer {
    /// The result writer, which then holds results until it can commit them.
    Results = 0,
    /// The dispatcher's own writes (claims, leases, heartbeats).
    Dispatcher = 1,
}

impl Shared {
    /// Whether the store's disk was full at the last write of either writer.
    pub fn store_full(&self) -> bool {
        self.store_full.iter().any(|f| f.load(Ordering::Relaxed))
    }

    /// A write failed because the disk is full: remember it, and log it at most once a
    /// minute.
    pub fn note_store_full(&self, who: Writer, e: &Error, held: usize) {
        self.store_full[who as usize].store(true, Ordering::Relaxed);
        let now = now_ms();
        let last = self.store_full_logged.load(Ordering::Relaxed);
        if now - last >= FULL_LOG_EVERY_MS
            && self
                .store_full_logged
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::error!(error = %e, results_held = held, "store cannot be written: disk full; results are kept in memory and retried, no new task is claimed");
        }
    }

    /// `who` no longer knows whether the disk is full (it gave up a write for another reason).
    pub fn forget_store_full(&self, who: Writer) {
        self.store_full[who as usize].store(false, Ordering::Relaxed);
    }

    /// A write of `who` succeeded.
    pub fn note_store_writable(&self, who: Writer) {
        let was = self.store_full();
        self.store_full[who as usize].store(false, Ordering::Relaxed);
        if was && !self.store_full() {
            self.store_full_logged.store(0, Ordering::Relaxed);
            tracing::info!("store can be written again; held results are saved");
        }
    }
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
    pub(super) fn take_requests(&self) -> Vec<((String, String), i64)> {
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

    /// How long a task on `profile` may wait for a rate limit or a budget before a claim
    /// moves it to its fallback instead (`fallback_after`; see
    /// [`super::outcome::fall_back_pending`]).
    pub fn fallback_after(&self, profile: &str) -> Option<Duration> {
        self.fallbacks.after(profile)
    }

    pub(super) fn poll_wait(&self) -> Duration {
        // ±20 % so remote jobs started together are not polled in lockstep.
        self.poll_interval.mul_f64(0.8 + 0.4 * retry::jitter())
    }

    pub(super) fn first_poll(&self) -> Duration {
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

    pub(super) fn flush_wakes(&self) {
        self.wakes.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    pub(super) fn forget(&self, seq: Seq) {
        self.wakes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&seq);
    }

    /// The URL content-creator calls back about job `job_key` (the idempotency key it was
    /// submitted under) of task `task_id`, when a public URL is configured. With a webhook
    /// secret it carries that job's token, so callbacks that cannot be signed are still heard.
    pub(super) fn callback_url(&self, task_id: &str, job_key: &str) -> Option<String> {
        let root = self.public_url.as_ref()?;
        let url = format!(
            "{}/api/v1/content/callback/{task_id}",
            root.trim_end_matches('/')
        );
        Some(match &self.callback_secret {
            Some(secret) => format!(
                "{url}?token={}",
                signature::callback_token(secret, task_id, job_key)
            ),
            None => url,
        })
    }
}

/// The host of a lease owner name made by [`owner_id`].
pub fn owner_host(owner: &str) -> &str {
    owner.split(':').next().unwrap_or_default()
}

/// A unique lease owner name for this process: `host:pid:random`.
pub fn owner_id() -> String {
    format!(
        "{}:{}:{:04x}",
        crate::generator::process::host_name(),
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
        // Tasks in batches take no slot of the daemon's: without a `max_concurrent` of its own,
        // a batch profile holds at most `BATCHES_IN_FLIGHT` full batches' worth of tasks.
        let cap = profile.max_concurrent.map(|n| n as usize).or_else(|| {
            (profile.kind == generator::GeneratorKind::OpenaiBatch)
                .then(|| BATCHES_IN_FLIGHT * profile.batch_size() as usize)
        });
        if let Some(n) = cap {
            limits.insert(name.clone(), n);
        }
    }
    Ok((gens, limits))
}

/// The full batches of tasks an `openai-batch` profile without a `max_concurrent` holds at once.
pub const BATCHES_IN_FLIGHT: usize = 10;

type Generators = HashMap<String, Arc<dyn Generator>>;
type Limits = HashMap<String, usize>;

impl Shared {
    /// Opens the store and builds the generators.
    pub fn open(opts: &Options) -> Result<Shared> {
        let owner = owner_id();
        let db = Db::open_limited(&opts.store, opts.store_max_pages, Some(&owner))?;
        let results_db = if opts.store.is_postgres() {
            Db::open_limited(&opts.store, None, Some(&owner))?
        } else {
            db.clone()
        };
        let (generators, limits) = build_generators(opts)?;
        let rates = opts
            .generators
            .iter()
            .filter_map(|(name, p)| Some((name.clone(), p.rate_limits()?)))
            .collect();
        let max_tokens = opts
            .generators
            .iter()
            .filter_map(|(name, p)| Some((name.clone(), p.max_tokens?)))
            .collect();
        let steps = opts
            .generators
            .iter()
            .map(|(name, p)| (name.clone(), p.step_plan(name)))
            .filter(|(_, plan)| !plan.is_empty())
            .collect();
        Ok(Shared {
            db,
            results_db,
            owner,
            generators,
            limits,
            fallbacks: super::fallback::Fallbacks::of(&opts.generators),
            rates,
            max_tokens,
            steps,
            review: opts.review.clone(),
            default_profile: default_profile(&opts.generators).to_string(),
            retry_delays: opts.retry_delays.clone(),
            poll_interval: opts.poll_interval,
            public_url: opts.public_url.clone(),
            callback_secret: opts.callback_secret.clone(),
            wakes: Mutex::new(HashMap::new()),
            started_at: now_ms(),
            max_concurrent: opts.max_concurrent,
            in_flight: AtomicUsize::new(0),
            loop_beat: AtomicI64::new(now_ms()),
            outbox: Notify::new(),
            slot_freed: Notify::new(),
            requests: Default::default(),
            store_full: [AtomicBool::new(false), AtomicBool::new(false)],
            store_full_logged: AtomicI64::new(0),
        })
    }
}
