//! Paths, the config file, env aliases and their precedence: flag > env > file > default.
//!
//! [`Settings::resolve`] is the only place that reads the environment or the config file;
//! everything below receives the resolved [`Settings`]. This file holds the settings types;
//! `file` reads the config file's format, `resolve` layers the command line, the environment
//! and the file into [`Settings`], and [`show`] renders them for `config show`.

mod file;
mod resolve;
pub mod show;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::domain::task::SubmitPolicy;
use crate::monitor::alerts::Rule;
use crate::monitor::channels::Channel;

pub use crate::domain::price::Price;
pub use crate::generator::profile::{GeneratorKind, GeneratorProfile};
pub use file::DEFAULT_CONFIG;

/// Where a setting's value came from, for `config show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Default,
    File,
    Env(String),
    Flag,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File => f.write_str("file"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Flag => f.write_str("flag"),
        }
    }
}

/// A setting's value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// Defaults for new tasks.
#[derive(Debug, Clone)]
pub struct TaskSettings {
    pub priority: Sourced<u8>,
    pub timeout: Sourced<Duration>,
    pub max_retries: Sourced<u32>,
}

/// The daemon's knobs (used by `daemon run`).
#[derive(Debug, Clone)]
pub struct DaemonSettings {
    pub max_concurrent: Sourced<u32>,
    pub poll_interval: Sourced<Duration>,
    pub lease: Sourced<Duration>,
    pub retry_delays: Sourced<Vec<Duration>>,
}

/// The HTTP API served by `daemon run --listen`.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Address to listen on, if any (`[api] listen`; `--listen` overrides).
    pub listen: Option<Sourced<String>>,
    /// Name of the env var holding the bearer token.
    pub token_env: Option<String>,
    /// Submits per second per client (0 = unlimited).
    pub rate_limit: Sourced<u32>,
    pub rate_burst: Sourced<u32>,
    /// How long a request's headers may take to arrive.
    pub header_timeout: Sourced<Duration>,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Sourced<Duration>,
    /// Connections open at once (at most half the open-file limit applies at run time).
    pub max_connections: Sourced<u32>,
}

/// Incoming content-creator callbacks.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Name of the env var holding the HMAC secret.
    pub secret_env: Option<String>,
    /// The daemon's root URL as content-creator sees it.
    pub public_url: Option<String>,
}

/// Outgoing events (task callbacks, alert notifications).
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// Name of the env var holding the HMAC secret; unsigned without one.
    pub secret_env: Option<String>,
    pub retry_initial: Sourced<Duration>,
    pub retry_max: Sourced<Duration>,
    pub max_attempts: Sourced<u32>,
    /// Per-request timeout of a delivery.
    pub timeout: Sourced<Duration>,
    /// Where alert notifications go (`[[notify.channels]]`).
    pub channels: Vec<Channel>,
}

/// `[monitor]`, `[[alerts]]` and `[prices]`.
#[derive(Debug, Clone)]
pub struct MonitorSettings {
    /// Whether `monitor health` and the `daemon_down` alert expect a daemon.
    pub expect_daemon: Sourced<bool>,
    /// How long a daemon that stopped beating is warned about (as stale) before it counts as
    /// gone.
    pub stale_daemon_window: Sourced<Duration>,
    /// The window of `monitor health`'s rates.
    pub window: Sourced<Duration>,
    /// Finished tasks a window needs before its rates can warn or fire.
    pub min_finished: Sourced<u32>,
    /// How often the daemon evaluates the alert rules.
    pub alert_interval: Sourced<Duration>,
    /// Re-notify firing alerts this often (rules may set their own); `None`: never.
    pub renotify: Option<Duration>,
    /// `monitor health` threshold overrides by check.
    pub warning: BTreeMap<String, f64>,
    pub critical: BTreeMap<String, f64>,
    /// The alert rules: `[[alerts]]`, or the defaults when the file has none.
    pub alerts: Vec<Rule>,
    /// True when the rules come from the file.
    pub alerts_configured: bool,
    /// Prices per model, for cost.
    pub prices: BTreeMap<String, Price>,
    /// Cost budgets (`[[budgets]]`).
    pub budgets: Vec<crate::domain::budget::Budget>,
}

/// What the command line contributes before resolution.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub db: Option<PathBuf>,
    pub config: Option<PathBuf>,
}

/// Everything a command needs to know about its environment, resolved once.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config_path: Sourced<PathBuf>,
    /// Whether a config file was found and read.
    pub config_loaded: bool,
    /// Where the store lives: an SQLite file, or a PostgreSQL URL.
    pub db: Sourced<crate::store::Location>,
    pub state_dir: PathBuf,
    pub tasks: TaskSettings,
    pub daemon: DaemonSettings,
    pub generators: BTreeMap<String, GeneratorProfile>,
    pub api: ApiSettings,
    pub webhook: WebhookSettings,
    pub notify: NotifySettings,
    pub monitor: MonitorSettings,
    /// `[review]`: the review rules' global defaults, when configured.
    pub review: Option<crate::review::settings::ReviewSettings>,
    /// `NO_COLOR` is set.
    pub no_color: bool,
}

impl Settings {
    /// What a submission may default to and choose from.
    pub fn submit_policy(&self) -> SubmitPolicy {
        SubmitPolicy {
            default_priority: self.tasks.priority.value,
            default_timeout: self.tasks.timeout.value,
            default_max_retries: self.tasks.max_retries.value,
            generators: self.generators.keys().cloned().collect(),
            profile_timeouts: self
                .generators
                .iter()
                .filter_map(|(name, p)| Some((name.clone(), p.default_task_timeout()?)))
                .collect(),
        }
    }

    /// How old a daemon's heartbeat may grow before it is stale, then gone.
    pub fn liveness(&self) -> crate::monitor::Liveness {
        crate::monitor::Liveness {
            lease: self.daemon.lease.value,
            stale_window: self.monitor.stale_daemon_window.value,
        }
    }
}
