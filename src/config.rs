//! Paths, the config file, env aliases and their precedence: flag > env > file > default.
//!
//! [`Settings::resolve`] is the only place that reads the environment or the config file;
//! everything below receives the resolved [`Settings`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::task::SubmitPolicy;
use crate::domain::time::{format_duration, parse_duration};
use crate::error::{Error, Result};

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

#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Sourced<T> {
    fn default(value: T) -> Self {
        Sourced {
            value,
            source: Source::Default,
        }
    }

    /// Replaces the value when `v` is present.
    fn layer(&mut self, v: Option<T>, source: Source) {
        if let Some(v) = v {
            self.value = v;
            self.source = source;
        }
    }
}

/// A duration in the config file: `"30s"`, `"2m"` or bare seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationSetting(pub Duration);

impl<'de> Deserialize<'de> for DurationSetting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Secs(s) => Ok(DurationSetting(Duration::from_secs(s))),
            Raw::Text(t) => parse_duration(&t)
                .map(DurationSetting)
                .map_err(serde::de::Error::custom),
        }
    }
}

impl Serialize for DurationSetting {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(&format_duration(self.0))
    }
}

fn positive<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u32>, D::Error> {
    let v = Option::<u32>::deserialize(d)?;
    if v == Some(0) {
        return Err(serde::de::Error::custom("must be at least 1"));
    }
    Ok(v)
}

fn priority<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u8>, D::Error> {
    let v = Option::<u8>::deserialize(d)?;
    if let Some(p) = v {
        if !(1..=10).contains(&p) {
            return Err(serde::de::Error::custom("must be from 1 to 10"));
        }
    }
    Ok(v)
}

fn retries<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u32>, D::Error> {
    let v = Option::<u32>::deserialize(d)?;
    if v.is_some_and(|r| r > 100) {
        return Err(serde::de::Error::custom("must be from 0 to 100"));
    }
    Ok(v)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    store: StoreSection,
    #[serde(default)]
    tasks: TasksSection,
    #[serde(default)]
    daemon: DaemonSection,
    #[serde(default)]
    generators: BTreeMap<String, GeneratorProfile>,
    #[serde(default)]
    api: ApiSection,
    #[serde(default)]
    webhook: WebhookSection,
    #[serde(default)]
    notify: NotifySection,
    #[serde(default)]
    monitor: MonitorSection,
    #[serde(default)]
    prices: BTreeMap<String, Price>,
    alerts: Option<Vec<AlertSection>>,
}

/// A threshold as written: a number, or text such as `"20%"` or `"30m"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Threshold {
    Number(f64),
    Text(String),
}

impl Threshold {
    fn text(&self) -> String {
        match self {
            // Debug keeps `1e300` short where Display would spell out every digit.
            Threshold::Number(n) => format!("{n:?}"),
            Threshold::Text(t) => t.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MonitorSection {
    expect_daemon: Option<bool>,
    window: Option<DurationSetting>,
    min_finished: Option<u32>,
    alert_interval: Option<DurationSetting>,
    renotify: Option<DurationSetting>,
    #[serde(default)]
    warning: BTreeMap<String, Threshold>,
    #[serde(default)]
    critical: BTreeMap<String, Threshold>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertSection {
    name: String,
    metric: crate::monitor::alerts::Metric,
    op: crate::monitor::alerts::Op,
    threshold: Threshold,
    window: Option<DurationSetting>,
    severity: Option<crate::monitor::alerts::Severity>,
    channels: Option<Vec<String>>,
    #[serde(rename = "for")]
    hold: Option<DurationSetting>,
    renotify: Option<DurationSetting>,
}

/// What a model costs, per million tokens (`[prices."MODEL"]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub prompt_per_million: f64,
    pub completion_per_million: f64,
    #[serde(default = "default_currency")]
    pub currency: String,
}

fn default_currency() -> String {
    "USD".into()
}

impl Price {
    pub fn cost(&self, prompt: u64, completion: u64) -> f64 {
        (prompt as f64 * self.prompt_per_million + completion as f64 * self.completion_per_million)
            / 1_000_000.0
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiSection {
    listen: Option<String>,
    token_env: Option<String>,
    rate_limit: Option<u32>,
    rate_burst: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookSection {
    secret_env: Option<String>,
    public_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifySection {
    secret_env: Option<String>,
    retry_initial: Option<DurationSetting>,
    retry_max: Option<DurationSetting>,
    #[serde(default, deserialize_with = "positive")]
    max_attempts: Option<u32>,
    timeout: Option<DurationSetting>,
    #[serde(default)]
    channels: Vec<crate::monitor::channels::Channel>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreSection {
    path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TasksSection {
    #[serde(default, deserialize_with = "priority")]
    priority: Option<u8>,
    timeout: Option<DurationSetting>,
    #[serde(default, deserialize_with = "retries")]
    max_retries: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DaemonSection {
    #[serde(default, deserialize_with = "positive")]
    max_concurrent: Option<u32>,
    poll_interval: Option<DurationSetting>,
    lease: Option<DurationSetting>,
    retry_delays: Option<Vec<DurationSetting>>,
}

/// The kinds of generator a profile can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GeneratorKind {
    Openai,
    ContentCreator,
    Command,
    Template,
}

impl GeneratorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GeneratorKind::Openai => "openai",
            GeneratorKind::ContentCreator => "content-creator",
            GeneratorKind::Command => "command",
            GeneratorKind::Template => "template",
        }
    }
}

/// A named generator profile (`[generators.NAME]`). Holds the *name* of the env var with the
/// API key, never the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratorProfile {
    pub kind: GeneratorKind,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key_env: Option<String>,
    #[serde(default, deserialize_with = "positive")]
    pub max_concurrent: Option<u32>,
    pub timeout: Option<DurationSetting>,
    pub command: Option<Vec<String>>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    pub target_audience: Option<String>,
}

impl GeneratorProfile {
    fn check(&self) -> std::result::Result<(), (&'static str, String)> {
        let needs = |key: &'static str, present: bool| {
            if present {
                Ok(())
            } else {
                Err((
                    key,
                    format!("is required for kind = \"{}\"", self.kind.as_str()),
                ))
            }
        };
        match self.kind {
            GeneratorKind::Openai => {
                needs("base_url", self.base_url.is_some())?;
                needs("model", self.model.is_some())?;
            }
            GeneratorKind::ContentCreator => needs("base_url", self.base_url.is_some())?,
            GeneratorKind::Command => needs(
                "command",
                self.command
                    .as_ref()
                    .is_some_and(|c| !c.is_empty() && !c[0].trim().is_empty()),
            )?,
            GeneratorKind::Template => {}
        }
        if let Some(url) = &self.base_url {
            crate::domain::task::validate_http_url("base_url", url)
                .map_err(|e| ("base_url", e.to_string()))?;
        }
        if let Some(t) = self.temperature {
            if !(0.0..=2.0).contains(&t) {
                return Err(("temperature", "must be from 0 to 2".into()));
            }
        }
        if let Some(name) = &self.api_key_env {
            if !is_env_name(name) {
                return Err((
                    "api_key_env",
                    "must name an environment variable (e.g. OPENAI_API_KEY), not hold the key"
                        .into(),
                ));
            }
        }
        Ok(())
    }
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
    pub channels: Vec<crate::monitor::channels::Channel>,
}

/// `[monitor]`, `[[alerts]]` and `[prices]`.
#[derive(Debug, Clone)]
pub struct MonitorSettings {
    /// Whether `monitor health` and the `daemon_down` alert expect a daemon.
    pub expect_daemon: Sourced<bool>,
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
    pub alerts: Vec<crate::monitor::alerts::Rule>,
    /// True when the rules come from the file.
    pub alerts_configured: bool,
    /// Prices per model, for cost.
    pub prices: BTreeMap<String, Price>,
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
    pub db_path: Sourced<PathBuf>,
    pub state_dir: PathBuf,
    pub tasks: TaskSettings,
    pub daemon: DaemonSettings,
    pub generators: BTreeMap<String, GeneratorProfile>,
    pub api: ApiSettings,
    pub webhook: WebhookSettings,
    pub notify: NotifySettings,
    pub monitor: MonitorSettings,
    /// `NO_COLOR` is set.
    pub no_color: bool,
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "contenthub")
}

/// The old system's env names take bare seconds; durations like `30s` work too.
fn env_duration(name: &str, raw: &str) -> Result<Duration> {
    let d = parse_duration(raw)
        .map_err(|e| Error::invalid(format!("environment variable {name}"), e))?;
    if d.is_zero() {
        return Err(Error::invalid(
            format!("environment variable {name}"),
            "must be greater than zero",
        ));
    }
    Ok(d)
}

impl Settings {
    /// Resolves settings from the command line, the environment (`env`) and the config file.
    /// With `require_config` false, a missing explicit config file is not an error (for
    /// `config init` and `config path`).
    pub fn resolve(
        over: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
        require_config: bool,
    ) -> Result<Settings> {
        let dirs = project_dirs();
        let env_nonempty = |name: &str| env(name).filter(|v| !v.trim().is_empty());

        let mut config_path = Sourced::default(
            dirs.as_ref()
                .map(|d| d.config_dir().join("config.toml"))
                .unwrap_or_else(|| PathBuf::from("config.toml")),
        );
        config_path.layer(
            env_nonempty("CONTENTHUB_CONFIG").map(PathBuf::from),
            Source::Env("CONTENTHUB_CONFIG".into()),
        );
        config_path.layer(over.config.clone(), Source::Flag);

        let (file, config_loaded) = match std::fs::read_to_string(&config_path.value) {
            Ok(text) => (parse_file(&config_path.value, &text)?, true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if config_path.source != Source::Default && require_config {
                    return Err(Error::Usage(format!(
                        "config file {} does not exist (given by {}); create it with `contenthub config init`",
                        config_path.value.display(),
                        config_path.source
                    )));
                }
                (FileConfig::default(), false)
            }
            Err(e) => {
                return Err(Error::io(
                    format!("cannot read config file {}", config_path.value.display()),
                    e,
                ))
            }
        };

        let data_dir = dirs
            .as_ref()
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from("."));
        let state_dir = dirs
            .as_ref()
            .and_then(|d| d.state_dir().map(Path::to_path_buf))
            .unwrap_or_else(|| data_dir.clone());

        let mut db_path = Sourced::default(data_dir.join("contenthub.db"));
        db_path.layer(file.store.path.clone(), Source::File);
        db_path.layer(
            env_nonempty("CONTENTHUB_DB").map(PathBuf::from),
            Source::Env("CONTENTHUB_DB".into()),
        );
        db_path.layer(over.db.clone(), Source::Flag);

        let mut priority = Sourced::default(5u8);
        priority.layer(file.tasks.priority, Source::File);
        let mut timeout = Sourced::default(Duration::from_secs(30 * 60));
        timeout.layer(file.tasks.timeout.map(|d| d.0), Source::File);
        if let Some(raw) = env_nonempty("ASYNC_TASK_TIMEOUT") {
            timeout.layer(
                Some(env_duration("ASYNC_TASK_TIMEOUT", &raw)?),
                Source::Env("ASYNC_TASK_TIMEOUT".into()),
            );
        }
        let mut max_retries = Sourced::default(3u32);
        max_retries.layer(file.tasks.max_retries, Source::File);

        let mut max_concurrent = Sourced::default(5u32);
        max_concurrent.layer(file.daemon.max_concurrent, Source::File);
        if let Some(raw) = env_nonempty("ASYNC_MAX_CONCURRENT_TASKS") {
            let n: u32 = raw.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                Error::invalid(
                    "environment variable ASYNC_MAX_CONCURRENT_TASKS",
                    format!("'{raw}' is not a positive whole number"),
                )
            })?;
            max_concurrent.layer(Some(n), Source::Env("ASYNC_MAX_CONCURRENT_TASKS".into()));
        }
        let mut poll_interval = Sourced::default(Duration::from_secs(30));
        poll_interval.layer(file.daemon.poll_interval.map(|d| d.0), Source::File);
        if let Some(raw) = env_nonempty("ASYNC_POLL_INTERVAL") {
            poll_interval.layer(
                Some(env_duration("ASYNC_POLL_INTERVAL", &raw)?),
                Source::Env("ASYNC_POLL_INTERVAL".into()),
            );
        }
        let mut lease = Sourced::default(Duration::from_secs(15));
        lease.layer(file.daemon.lease.map(|d| d.0), Source::File);
        let mut retry_delays = Sourced::default(vec![
            Duration::from_secs(30),
            Duration::from_secs(60),
            Duration::from_secs(120),
        ]);
        retry_delays.layer(
            file.daemon
                .retry_delays
                .map(|v| v.into_iter().map(|d| d.0).collect()),
            Source::File,
        );

        let api = ApiSettings {
            listen: file.api.listen.clone().map(|v| Sourced {
                value: v,
                source: Source::File,
            }),
            token_env: file.api.token_env.clone(),
            rate_limit: {
                let mut v = Sourced::default(20u32);
                v.layer(file.api.rate_limit, Source::File);
                v
            },
            rate_burst: {
                let mut v = Sourced::default(50u32);
                v.layer(file.api.rate_burst, Source::File);
                v
            },
        };
        let webhook = WebhookSettings {
            secret_env: file.webhook.secret_env.clone(),
            public_url: file.webhook.public_url.clone(),
        };
        let dur = |default: u64, v: Option<DurationSetting>| {
            let mut s = Sourced::default(Duration::from_secs(default));
            s.layer(v.map(|d| d.0), Source::File);
            s
        };
        let notify = NotifySettings {
            secret_env: file.notify.secret_env.clone(),
            retry_initial: dur(5, file.notify.retry_initial),
            retry_max: dur(3600, file.notify.retry_max),
            max_attempts: {
                let mut v = Sourced::default(12u32);
                v.layer(file.notify.max_attempts, Source::File);
                v
            },
            timeout: dur(10, file.notify.timeout),
            channels: file.notify.channels.clone(),
        };
        let monitor = MonitorSettings {
            expect_daemon: {
                let mut v = Sourced::default(true);
                v.layer(file.monitor.expect_daemon, Source::File);
                v
            },
            window: dur(3600, file.monitor.window),
            min_finished: {
                let mut v = Sourced::default(5u32);
                v.layer(file.monitor.min_finished, Source::File);
                v
            },
            alert_interval: dur(60, file.monitor.alert_interval),
            renotify: file.monitor.renotify.map(|d| d.0).filter(|d| !d.is_zero()),
            warning: thresholds(&file.monitor.warning),
            critical: thresholds(&file.monitor.critical),
            alerts_configured: file.alerts.is_some(),
            alerts: match &file.alerts {
                Some(rules) => rules.iter().filter_map(|r| rule_of(r).ok()).collect(),
                None => crate::monitor::alerts::default_rules(
                    file.monitor.expect_daemon.unwrap_or(true),
                ),
            },
            prices: file.prices.clone(),
        };

        Ok(Settings {
            config_path,
            config_loaded,
            db_path,
            state_dir,
            tasks: TaskSettings {
                priority,
                timeout,
                max_retries,
            },
            daemon: DaemonSettings {
                max_concurrent,
                poll_interval,
                lease,
                retry_delays,
            },
            generators: file.generators,
            api,
            webhook,
            notify,
            monitor,
            no_color: env("NO_COLOR").is_some_and(|v| !v.is_empty()),
        })
    }

    /// Resolves against the real process environment.
    pub fn from_env(over: &Overrides, require_config: bool) -> Result<Settings> {
        Settings::resolve(over, &|k| std::env::var(k).ok(), require_config)
    }

    /// What a submission may default to and choose from.
    pub fn submit_policy(&self) -> SubmitPolicy {
        SubmitPolicy {
            default_priority: self.tasks.priority.value,
            default_timeout: self.tasks.timeout.value,
            default_max_retries: self.tasks.max_retries.value,
            generators: self.generators.keys().cloned().collect(),
        }
    }

    /// Every resolved setting as (key, value, source), for `config show`. Never a secret: a
    /// generator's API key is shown by the name of its env var and whether that is set.
    pub fn entries(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        let mut push = |k: &str, v: String, s: &Source| out.push((k.to_string(), v, s.to_string()));
        // A secret is shown by the name of its variable and whether that is set, never its value.
        let secret_ref = |v: &str| {
            let state = if env(v).is_some_and(|k| !k.is_empty()) {
                "set"
            } else {
                "not set"
            };
            format!("{v} ({state})")
        };
        let dur = |d: &Duration| format_duration(*d);
        push(
            "config",
            self.config_path.value.display().to_string(),
            &self.config_path.source,
        );
        push(
            "store.path",
            self.db_path.value.display().to_string(),
            &self.db_path.source,
        );
        push(
            "tasks.priority",
            self.tasks.priority.value.to_string(),
            &self.tasks.priority.source,
        );
        push(
            "tasks.timeout",
            dur(&self.tasks.timeout.value),
            &self.tasks.timeout.source,
        );
        push(
            "tasks.max_retries",
            self.tasks.max_retries.value.to_string(),
            &self.tasks.max_retries.source,
        );
        push(
            "daemon.max_concurrent",
            self.daemon.max_concurrent.value.to_string(),
            &self.daemon.max_concurrent.source,
        );
        push(
            "daemon.poll_interval",
            dur(&self.daemon.poll_interval.value),
            &self.daemon.poll_interval.source,
        );
        push(
            "daemon.lease",
            dur(&self.daemon.lease.value),
            &self.daemon.lease.source,
        );
        push(
            "daemon.retry_delays",
            self.daemon
                .retry_delays
                .value
                .iter()
                .map(dur)
                .collect::<Vec<_>>()
                .join(", "),
            &self.daemon.retry_delays.source,
        );
        if let Some(l) = &self.api.listen {
            push("api.listen", l.value.clone(), &l.source);
        }
        if let Some(v) = &self.api.token_env {
            push("api.token_env", secret_ref(v), &Source::File);
        }
        push(
            "api.rate_limit",
            self.api.rate_limit.value.to_string(),
            &self.api.rate_limit.source,
        );
        push(
            "api.rate_burst",
            self.api.rate_burst.value.to_string(),
            &self.api.rate_burst.source,
        );
        if let Some(v) = &self.webhook.secret_env {
            push("webhook.secret_env", secret_ref(v), &Source::File);
        }
        if let Some(v) = &self.webhook.public_url {
            push("webhook.public_url", redact_url(v), &Source::File);
        }
        if let Some(v) = &self.notify.secret_env {
            push("notify.secret_env", secret_ref(v), &Source::File);
        }
        push(
            "notify.retry_initial",
            dur(&self.notify.retry_initial.value),
            &self.notify.retry_initial.source,
        );
        push(
            "notify.retry_max",
            dur(&self.notify.retry_max.value),
            &self.notify.retry_max.source,
        );
        push(
            "notify.max_attempts",
            self.notify.max_attempts.value.to_string(),
            &self.notify.max_attempts.source,
        );
        push(
            "notify.timeout",
            dur(&self.notify.timeout.value),
            &self.notify.timeout.source,
        );
        for c in &self.notify.channels {
            let key = |k: &str| format!("notify.channels.{}.{k}", c.name);
            push(&key("kind"), c.kind.as_str().into(), &Source::File);
            if let Some(v) = &c.url {
                push(&key("url"), redact_url(v), &Source::File);
            }
            if let Some(v) = &c.url_env {
                push(&key("url_env"), secret_ref(v), &Source::File);
            }
            if let Some(v) = &c.secret_env {
                push(&key("secret_env"), secret_ref(v), &Source::File);
            }
            if let Some(v) = &c.command {
                push(&key("command"), v.join(" "), &Source::File);
            }
        }
        let m = &self.monitor;
        push(
            "monitor.expect_daemon",
            m.expect_daemon.value.to_string(),
            &m.expect_daemon.source,
        );
        push("monitor.window", dur(&m.window.value), &m.window.source);
        push(
            "monitor.min_finished",
            m.min_finished.value.to_string(),
            &m.min_finished.source,
        );
        push(
            "monitor.alert_interval",
            dur(&m.alert_interval.value),
            &m.alert_interval.source,
        );
        if let Some(v) = &m.renotify {
            push("monitor.renotify", dur(v), &Source::File);
        }
        for (level, map) in [("warning", &m.warning), ("critical", &m.critical)] {
            for (k, v) in map {
                push(
                    &format!("monitor.{level}.{k}"),
                    v.to_string(),
                    &Source::File,
                );
            }
        }
        for (model, p) in &m.prices {
            push(
                &format!("prices.{model}"),
                format!(
                    "{} / {} {} per million prompt / completion tokens",
                    p.prompt_per_million, p.completion_per_million, p.currency
                ),
                &Source::File,
            );
        }
        let rules_source = if m.alerts_configured {
            Source::File
        } else {
            Source::Default
        };
        for r in &m.alerts {
            push(
                &format!("alerts.{}", r.name),
                format!("{} ({})", r.condition(), r.severity.as_str()),
                &rules_source,
            );
        }
        for (name, p) in &self.generators {
            let key = |k: &str| format!("generators.{name}.{k}");
            push(&key("kind"), p.kind.as_str().into(), &Source::File);
            if let Some(v) = &p.base_url {
                push(&key("base_url"), redact_url(v), &Source::File);
            }
            if let Some(v) = &p.model {
                push(&key("model"), v.clone(), &Source::File);
            }
            if let Some(v) = &p.api_key_env {
                push(&key("api_key_env"), secret_ref(v), &Source::File);
            }
            if let Some(v) = p.max_concurrent {
                push(&key("max_concurrent"), v.to_string(), &Source::File);
            }
            if let Some(v) = &p.timeout {
                push(&key("timeout"), dur(&v.0), &Source::File);
            }
            if let Some(v) = &p.command {
                push(&key("command"), v.join(" "), &Source::File);
            }
            if let Some(v) = p.temperature {
                push(&key("temperature"), v.to_string(), &Source::File);
            }
            if let Some(v) = p.max_tokens {
                push(&key("max_tokens"), v.to_string(), &Source::File);
            }
            if let Some(v) = &p.target_audience {
                push(&key("target_audience"), v.clone(), &Source::File);
            }
        }
        out
    }
}

/// Hides a password in a URL's user info (`http://user:secret@host` → `http://user:***@host`).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        None => url.to_string(),
    }
}

/// `OPENAI_API_KEY`: letters, digits and `_`, not starting with a digit.
pub fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

/// The 1-based line of byte `offset` in `text`.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// The dotted key written on `line` (1-based), with the table header above it.
fn key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let this = lines.get(line.checked_sub(1)?)?.trim();
    let header = |l: &str| {
        let l = l.trim();
        (l.starts_with('[') && l.ends_with(']'))
            .then(|| l.trim_matches(['[', ']']).trim().to_string())
    };
    if let Some(h) = header(this) {
        return Some(h);
    }
    let key = this.split('=').next()?.trim().trim_matches('"').to_string();
    if key.is_empty() {
        return None;
    }
    let section = lines[..line - 1].iter().rev().find_map(|l| header(l));
    Some(match section {
        Some(s) => format!("{s}.{key}"),
        None => key,
    })
}

/// `[monitor.warning]` / `[monitor.critical]` entries, already checked by [`parse_file`].
fn thresholds(map: &BTreeMap<String, Threshold>) -> BTreeMap<String, f64> {
    map.iter()
        .filter_map(|(k, v)| {
            crate::monitor::health::parse_override(&format!("{k}={}", v.text())).ok()
        })
        .collect()
}

/// An `[[alerts]]` entry as a rule; the error names the key at fault.
fn rule_of(
    a: &AlertSection,
) -> std::result::Result<crate::monitor::alerts::Rule, (&'static str, String)> {
    let threshold = a
        .metric
        .unit()
        .parse(&a.threshold.text())
        .map_err(|e| ("threshold", e))?;
    if a.name.trim().is_empty() {
        return Err(("name", "must not be empty".into()));
    }
    if let Some(w) = a.window {
        crate::monitor::check_window(w.0).map_err(|e| ("window", e))?;
    }
    Ok(crate::monitor::alerts::Rule {
        name: a.name.trim().to_string(),
        metric: a.metric,
        op: a.op,
        threshold,
        window: a.window.map(|d| d.0).unwrap_or(Duration::from_secs(3600)),
        severity: a
            .severity
            .unwrap_or(crate::monitor::alerts::Severity::Warning),
        channels: a.channels.clone(),
        hold: a.hold.map(|d| d.0).unwrap_or_default(),
        renotify: a.renotify.map(|d| d.0).filter(|d| !d.is_zero()),
    })
}

/// The 1-based line of the `n`-th (0-based) `[[name]]` header.
fn line_of_item(text: &str, name: &str, n: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim();
            l.starts_with("[[") && l.trim_matches(['[', ']']).trim() == name
        })
        .nth(n)
        .map(|(i, _)| i + 1)
}

fn line_of_section(text: &str, section: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim();
            l.starts_with('[') && l.trim_matches(['[', ']']).trim() == section
        })
        .map(|i| i + 1)
}

fn parse_file(path: &Path, text: &str) -> Result<FileConfig> {
    let file: FileConfig = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_string();
        match e.span() {
            Some(span) => {
                let line = line_at(text, span.start);
                let key = key_at(text, line)
                    .map(|k| format!(", key `{k}`"))
                    .unwrap_or_default();
                Error::Usage(format!(
                    "invalid config {}: line {line}{key}: {message}",
                    path.display()
                ))
            }
            None => Error::Usage(format!("invalid config {}: {message}", path.display())),
        }
    })?;
    for (name, profile) in &file.generators {
        let section = format!("generators.{name}");
        let bad_name = name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if bad_name {
            let line = line_of_section(text, &section).unwrap_or(1);
            return Err(Error::Usage(format!(
                "invalid config {}: line {line}, key `{section}`: a profile name uses letters, digits, '_' and '-'",
                path.display()
            )));
        }
        if let Err((key, message)) = profile.check() {
            let line = line_of_section(text, &section).unwrap_or(1);
            return Err(Error::Usage(format!(
                "invalid config {}: line {line}, key `{section}.{key}`: {message}",
                path.display()
            )));
        }
    }
    let env_names = [
        ("api", "token_env", &file.api.token_env),
        ("webhook", "secret_env", &file.webhook.secret_env),
        ("notify", "secret_env", &file.notify.secret_env),
    ];
    for (section, key, value) in env_names {
        if let Some(name) = value {
            if !is_env_name(name) {
                let line = line_of_section(text, section).unwrap_or(1);
                return Err(Error::Usage(format!(
                    "invalid config {}: line {line}, key `{section}.{key}`: must name an environment variable, not hold the secret",
                    path.display()
                )));
            }
        }
    }
    if let Some(url) = &file.webhook.public_url {
        if let Err(e) = crate::domain::task::validate_http_url("public_url", url) {
            let line = line_of_section(text, "webhook").unwrap_or(1);
            return Err(Error::Usage(format!(
                "invalid config {}: line {line}, key `webhook.public_url`: {e}",
                path.display()
            )));
        }
    }
    if let Some(listen) = &file.api.listen {
        if listen.parse::<std::net::SocketAddr>().is_err() {
            let line = line_of_section(text, "api").unwrap_or(1);
            return Err(Error::Usage(format!(
                "invalid config {}: line {line}, key `api.listen`: '{listen}' is not an address like 127.0.0.1:18010",
                path.display()
            )));
        }
    }
    let invalid = |line: usize, key: &str, message: &str| {
        Error::Usage(format!(
            "invalid config {}: line {line}, key `{key}`: {message}",
            path.display()
        ))
    };
    for (section, map) in [
        ("warning", &file.monitor.warning),
        ("critical", &file.monitor.critical),
    ] {
        for (k, v) in map {
            if let Err(e) = crate::monitor::health::parse_override(&format!("{k}={}", v.text())) {
                let line = line_of_section(text, &format!("monitor.{section}"))
                    .or_else(|| line_of_section(text, "monitor"))
                    .unwrap_or(1);
                return Err(invalid(line, &format!("monitor.{section}.{k}"), &e));
            }
        }
    }
    if let Some(Err(e)) = file
        .monitor
        .window
        .map(|d| crate::monitor::check_window(d.0))
    {
        let line = line_of_section(text, "monitor").unwrap_or(1);
        return Err(invalid(line, "monitor.window", &e));
    }
    if file
        .monitor
        .alert_interval
        .is_some_and(|d| d.0 < Duration::from_secs(1))
    {
        let line = line_of_section(text, "monitor").unwrap_or(1);
        return Err(invalid(
            line,
            "monitor.alert_interval",
            "must be at least 1s",
        ));
    }
    for (model, price) in &file.prices {
        let bad = [price.prompt_per_million, price.completion_per_million]
            .iter()
            .any(|p| !p.is_finite() || *p < 0.0);
        if bad || price.currency.trim().is_empty() {
            let line = line_of_section(text, &format!("prices.{model}"))
                .or_else(|| line_of_section(text, &format!("prices.\"{model}\"")))
                .unwrap_or(1);
            return Err(invalid(
                line,
                &format!("prices.{model}"),
                "prices are non-negative numbers per million tokens, with a currency",
            ));
        }
    }
    for (i, c) in file.notify.channels.iter().enumerate() {
        if let Err((key, message)) = c.check() {
            let line = line_of_item(text, "notify.channels", i).unwrap_or(1);
            return Err(invalid(line, &format!("notify.channels.{key}"), &message));
        }
    }
    let mut rules = Vec::new();
    for (i, a) in file.alerts.iter().flatten().enumerate() {
        match rule_of(a) {
            Ok(r) => rules.push(r),
            Err((key, message)) => {
                let line = line_of_item(text, "alerts", i).unwrap_or(1);
                return Err(invalid(line, &format!("alerts.{key}"), &message));
            }
        }
    }
    if let Err(message) = crate::monitor::alerts::check_rules(&rules, &file.notify.channels) {
        let line = line_of_item(text, "alerts", 0)
            .or_else(|| line_of_item(text, "notify.channels", 0))
            .unwrap_or(1);
        return Err(Error::Usage(format!(
            "invalid config {}: line {line}: {message}",
            path.display()
        )));
    }
    if let Some(delays) = &file.daemon.retry_delays {
        if delays.is_empty() {
            let line = line_of_section(text, "daemon").unwrap_or(1);
            return Err(Error::Usage(format!(
                "invalid config {}: line {line}, key `daemon.retry_delays`: needs at least one delay",
                path.display()
            )));
        }
    }
    Ok(file)
}

/// The commented default written by `config init`.
pub const DEFAULT_CONFIG: &str = r#"# contenthub configuration.
# Precedence: command-line flag > environment variable > this file > built-in default.
# Durations are written "30s", "5m", "2h", "7d" (or as bare seconds).

[store]
# Where the SQLite store lives. Env: CONTENTHUB_DB. Flag: --db.
# path = "/var/lib/contenthub/contenthub.db"

[tasks]
# Defaults for `task submit` when a flag is not given.
# priority = 5          # 1..10, higher runs sooner
# timeout = "30m"       # overall deadline from submission. Env: ASYNC_TASK_TIMEOUT
# max_retries = 3       # 0..100

[daemon]
# max_concurrent = 5    # tasks generating at once. Env: ASYNC_MAX_CONCURRENT_TASKS
# poll_interval = "30s" # how often remote jobs are polled. Env: ASYNC_POLL_INTERVAL
# lease = "15s"         # how long a claim lasts without renewal
# retry_delays = ["30s", "60s", "120s"]

# Generator profiles. A task without --generator uses the profile named "default" when
# there is one, else the built-in offline template generator.
#
# [generators.default]
# kind = "openai"                      # openai | content-creator | command | template
# base_url = "http://127.0.0.1:11434/v1"
# model = "qwen2.5"
# api_key_env = "OPENAI_API_KEY"       # the NAME of the variable holding the key
# max_concurrent = 5
# timeout = "120s"
#
# [generators.creator]
# kind = "content-creator"
# base_url = "http://127.0.0.1:18100"
#
# [generators.local]
# kind = "command"
# command = ["/usr/local/bin/my-generator", "--json"]

[api]
# The HTTP API served by `daemon run --listen ADDR` (or this key).
# listen = "127.0.0.1:18010"
# token_env = "CONTENTHUB_API_TOKEN"   # bearer token; required when not on loopback
# rate_limit = 20                      # submits per second per client (0 = off)
# rate_burst = 50

[webhook]
# Callbacks from content-creator (POST /api/v1/content/callback/{task_id}).
# secret_env = "CONTENT_CREATOR_WEBHOOK_SECRET"  # HMAC secret; without it only loopback may call
# public_url = "http://10.0.0.5:18010"           # our root URL as content-creator sees it

[notify]
# Outgoing events (task callbacks, alerts), signed with X-ContentHub-Signature.
# secret_env = "CONTENTHUB_NOTIFY_SECRET"
# retry_initial = "5s"                 # first retry; doubles up to retry_max
# retry_max = "1h"
# max_attempts = 12
# timeout = "10s"
#
# Where alert notifications go. kind: webhook | dingtalk | feishu | wecom | slack | command.
# A URL that embeds a key belongs in an environment variable named by url_env.
# [[notify.channels]]
# name = "ops"
# kind = "webhook"                     # the JSON event, signed like task callbacks
# url = "https://hooks.example.com/contenthub"
#
# [[notify.channels]]
# name = "dingtalk"
# kind = "dingtalk"
# url_env = "DINGTALK_WEBHOOK_URL"     # https://oapi.dingtalk.com/robot/send?access_token=…
# secret_env = "DINGTALK_SECRET"       # the robot's signing secret (SEC…), if it has one

[monitor]
# expect_daemon = true                 # false for cron-only setups: no daemon is not an error
# window = "1h"                        # window of `monitor health`'s rates
# min_finished = 5                     # finished tasks a window needs before rates can warn
# alert_interval = "60s"               # how often the daemon evaluates [[alerts]]
# renotify = "4h"                      # repeat a firing alert this often (default: never)
#
# [monitor.warning]                    # `monitor health` thresholds (-w/-c override them)
# backlog = 100
# [monitor.critical]
# failure_rate = "30%"

# Prices per million tokens, for cost in `monitor metrics`.
# [prices."deepseek-chat"]
# prompt_per_million = 0.27
# completion_per_million = 1.10
# currency = "USD"

# Alert rules. Without any, the defaults are: failure_rate > 20% over 1h (critical),
# timeout_rate > 10% over 1h, backlog > 50, daemon_down > 0 (critical).
# [[alerts]]
# name = "failure_rate"
# metric = "failure_rate"              # see `contenthub monitor alerts --help`
# op = ">"                             # > >= < <= == !=
# threshold = "20%"                    # a number, "20%" or "30m"
# window = "1h"
# severity = "critical"                # warning | critical
# channels = ["ops"]                   # default: every channel
# for = "5m"                           # must hold this long before firing (default 0)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(text: &str, env: &[(&str, &str)]) -> Result<Settings> {
        let dir = std::env::temp_dir().join(format!("contenthub-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.toml", text.len()));
        std::fs::write(&path, text).unwrap();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let over = Overrides {
            db: None,
            config: Some(path),
        };
        Settings::resolve(
            &over,
            &|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
            true,
        )
    }

    #[test]
    fn urls_lose_their_passwords() {
        assert_eq!(
            redact_url("https://u:p@h.example/v1"),
            "https://u:***@h.example/v1"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:11434/v1"),
            "http://127.0.0.1:11434/v1"
        );
    }

    #[test]
    fn default_config_parses() {
        let s = resolve(DEFAULT_CONFIG, &[]).unwrap();
        assert_eq!(s.daemon.max_concurrent.value, 5);
        assert_eq!(s.tasks.timeout.value, Duration::from_secs(1800));
    }

    #[test]
    fn precedence_env_over_file() {
        let s = resolve(
            "[daemon]\nmax_concurrent = 7\npoll_interval = \"10s\"\n",
            &[("ASYNC_MAX_CONCURRENT_TASKS", "9")],
        )
        .unwrap();
        assert_eq!(s.daemon.max_concurrent.value, 9);
        assert_eq!(
            s.daemon.max_concurrent.source,
            Source::Env("ASYNC_MAX_CONCURRENT_TASKS".into())
        );
        assert_eq!(s.daemon.poll_interval.value, Duration::from_secs(10));
        assert_eq!(s.daemon.poll_interval.source, Source::File);
        let s = resolve("", &[("ASYNC_TASK_TIMEOUT", "600")]).unwrap();
        assert_eq!(s.tasks.timeout.value, Duration::from_secs(600));
    }

    #[test]
    fn errors_name_line_and_key() {
        let e = resolve("[daemon]\n\nmax_concurrent = 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3") && e.contains("daemon.max_concurrent"),
            "{e}"
        );
        let e = resolve("[daemon]\npoll_interval = \"soon\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2") && e.contains("daemon.poll_interval"),
            "{e}"
        );
        let e = resolve("[daemon]\nmax_concurent = 3\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_concurent"), "{e}");
        let e = resolve("[generators.x]\nkind = \"openai\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("generators.x.base_url"), "{e}");
    }
}
