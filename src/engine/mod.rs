//! The daemon: one dispatcher that claims due tasks in priority order under a lease, worker
//! futures that run them, a writer that commits their results in batches, lease renewal, a
//! reaper for expired leases, deadline sweeps, a heartbeat, and graceful shutdown.
//!
//! [`run`] is a library function so tests can run the daemon inside the test process; the
//! `daemon run` command wraps it with signal handling and logging.

pub mod db;
pub mod dispatch;
pub mod lock;
pub mod outbox;
pub mod outcome;
pub mod retry;
pub mod worker;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::{GeneratorKind, GeneratorProfile};
use crate::domain::time::{now_ms, Millis};
use crate::error::{Error, Result};
use crate::generator::{self, EnvLookup, Generator};
use crate::store::tasks::Seq;
use db::{Db, Results};
use dispatch::Dispatcher;

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
        let (results, pending) = db::results();
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
        let writer = db::spawn_writer(shared.clone(), pending);
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
        let result = async { Dispatcher::start(&opts, &shared).await?.run(shutdown).await }.await;
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
