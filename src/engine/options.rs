//! What the daemon runs with, resolved by the caller ([`crate::daemon::Config`]), and what a
//! run reports.

use std::collections::BTreeMap;

use crate::store::Location;
use std::sync::Arc;
use std::time::Duration;

use crate::config::NotifySettings;
use crate::generator::EnvLookup;
use crate::generator::{GeneratorKind, GeneratorProfile};
use crate::monitor::channels::Channel;

/// The name of the built-in generator, always available.
pub const TEMPLATE: &str = "template";

/// Everything the daemon needs, resolved by the caller.
#[derive(Clone)]
pub struct Options {
    /// Where the store lives.
    pub store: Location,
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
    /// On a shared store (PostgreSQL) without `--allow-multiple`: refuse to start beside a
    /// live daemon of this host, checked as the first heartbeat is written, under a lock per
    /// host, so that two daemons started at the same moment cannot both pass.
    pub sole_on_host: bool,
    pub generators: BTreeMap<String, GeneratorProfile>,
    pub env: EnvLookup,
    /// The daemon's public root URL for content-creator callbacks, if any.
    pub public_url: Option<String>,
    /// The webhook secret (`[webhook] secret_env`), when one is configured: the callback URL
    /// then carries a token made with it, for a service that cannot sign its callbacks.
    pub callback_secret: Option<Vec<u8>>,
    /// The outbox sender's knobs (`[notify]`).
    pub notify: NotifyOptions,
    /// Fire due scheduled plans every minute, with this submission policy (`None`: off).
    pub scheduler: Option<crate::domain::task::SubmitPolicy>,
    /// Evaluate the alert rules at start and then at this interval (`None`: off).
    pub alerts: Option<(crate::monitor::alerts::AlertOptions, Duration)>,
    /// Caps the daemon's store at this many pages, so writes that grow it fail as on a full
    /// disk (a test knob: `CONTENTHUB_TEST_STORE_MAX_PAGES` for `daemon run`).
    pub store_max_pages: Option<u64>,
    /// The cost budgets a claim reserves against (`[[budgets]]`).
    pub budgets: crate::domain::budget::Plan,
    /// `[review]`: the review rules' global defaults, when configured.
    pub review: Option<crate::review::settings::ReviewSettings>,
}

impl Options {
    /// Defaults for everything but the store path, generators and env.
    pub fn new(store: &Location) -> Options {
        Options {
            store: store.clone(),
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
            sole_on_host: false,
            generators: BTreeMap::new(),
            env: Arc::new(|_| None),
            public_url: None,
            callback_secret: None,
            notify: NotifyOptions::default(),
            scheduler: None,
            alerts: None,
            store_max_pages: None,
            budgets: Default::default(),
            review: None,
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

/// The sender's knobs: `[notify]` in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyOptions {
    /// The env var holding the HMAC secret; events go unsigned without one.
    pub secret_env: Option<String>,
    /// Wait before the first retry; doubles with each further attempt.
    pub retry_initial: Duration,
    /// Longest wait between attempts (before ±20 % jitter).
    pub retry_max: Duration,
    /// Attempts before a delivery is given up (`failed`).
    pub max_attempts: u32,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Notification channels (`[[notify.channels]]`).
    pub channels: Vec<Channel>,
}

impl Default for NotifyOptions {
    /// The config's defaults: 5 s, doubling to 1 h, 12 attempts, 10 s per request.
    fn default() -> Self {
        NotifyOptions {
            secret_env: None,
            retry_initial: Duration::from_secs(5),
            retry_max: Duration::from_secs(3600),
            max_attempts: 12,
            timeout: Duration::from_secs(10),
            channels: Vec::new(),
        }
    }
}

impl From<&NotifySettings> for NotifyOptions {
    fn from(s: &NotifySettings) -> Self {
        NotifyOptions {
            secret_env: s.secret_env.clone(),
            retry_initial: s.retry_initial.value,
            retry_max: s.retry_max.value,
            max_attempts: s.max_attempts.value.max(1),
            timeout: s.timeout.value,
            channels: s.channels.clone(),
        }
    }
}

impl NotifyOptions {
    /// How long a claimed delivery is kept from other senders: the request timeout plus a
    /// margin for recording the outcome (1–5 s, scaled with the timeout).
    pub fn lease(&self) -> Duration {
        self.timeout
            + self
                .timeout
                .clamp(Duration::from_secs(1), Duration::from_secs(5))
    }

    /// Wait after failed attempt number `attempt` (1-based) before the next one, or `None`
    /// when that was the last: `retry_initial` doubling, capped at `retry_max`, ±20 %.
    pub fn retry_delay(&self, attempt: u32, jitter: f64) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let doublings = attempt.saturating_sub(1).min(30);
        let base = self
            .retry_initial
            .saturating_mul(1u32 << doublings)
            .min(self.retry_max);
        Some(base.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0)))
    }
}
