//! Generator profiles (`[generators.NAME]`): which backend a task uses and how it reaches it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::rate::{RateLimits, DEFAULT_WINDOW_MS};
use crate::domain::setting::{is_env_name, positive, DurationSetting};
use crate::domain::step::{check_steps, Step};
use crate::domain::task::validate_http_url;

/// The kinds of generator a profile can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GeneratorKind {
    Openai,
    ContentCreator,
    Command,
    Template,
    /// The OpenAI Batch API (`POST /files`, `POST /batches`), which DashScope's compatible
    /// mode also speaks: tasks are collected into batches, answered within a window.
    OpenaiBatch,
}

impl GeneratorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GeneratorKind::Openai => "openai",
            GeneratorKind::ContentCreator => "content-creator",
            GeneratorKind::Command => "command",
            GeneratorKind::Template => "template",
            GeneratorKind::OpenaiBatch => "openai-batch",
        }
    }
}

/// How a `content-creator` profile submits: `sync` holds one request open until the article
/// is done (works on the unmodified service); `async` queues a job and polls it (needs a
/// service whose queue works; gives callbacks and frees the request while the job runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubmitMode {
    #[default]
    Sync,
    Async,
}

impl SubmitMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SubmitMode::Sync => "sync",
            SubmitMode::Async => "async",
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
    /// `content-creator`: `sync` (the default) or `async`.
    pub mode: Option<SubmitMode>,
    /// `content-creator`: send `DELETE` for a cancelled or timed-out job (off by default: the
    /// unmodified service keeps generating, or crashes on a finished job).
    pub remote_cancel: Option<bool>,
    /// Where the service's images are served from: an image the service gives only as a path
    /// on its disk is linked as this URL joined with that path.
    pub image_base_url: Option<String>,
    /// Profiles to move a task to, in order, when this profile is unavailable (HTTP 402, model
    /// not found, no access, quota exhausted). Each names a configured profile or the
    /// built-in `template`. A task follows the list of the profile it was submitted to.
    pub fallback: Option<Vec<String>>,
    /// How long a task may wait for this profile's rate limit or budget before it moves to
    /// its fallback instead.
    pub fallback_after: Option<DurationSetting>,
    /// Multiplies the `[prices]` of the profile's model for budgets (default 0.5 for
    /// `openai-batch`, 1 for the other kinds).
    pub price_factor: Option<f64>,
    /// Requests per `rate_window`, across every daemon on the store.
    pub rpm: Option<u64>,
    /// Tokens per `rate_window` (prompt plus completion allowance at admission, settled
    /// against the reply's usage).
    pub tpm: Option<u64>,
    /// Requests per rolling day.
    pub rpd: Option<u64>,
    /// Tokens per rolling day.
    pub tpd: Option<u64>,
    /// The window of `rpm` and `tpm` (default 60 s).
    pub rate_window: Option<DurationSetting>,
    /// `openai`: write each article in these steps (`outline`, `draft`, `polish`), one
    /// request each, every finished step recorded with the task.
    pub steps: Option<Vec<Step>>,
    /// `openai`: the profile a step runs on, where not this one (`polish = "qwen-max"`);
    /// each names another `openai` profile.
    pub step_profiles: Option<BTreeMap<Step, String>>,
    /// `openai-batch`: the most tasks one batch holds (default 100).
    #[serde(default, deserialize_with = "positive")]
    pub batch_size: Option<u32>,
    /// `openai-batch`: how long to collect tasks before a batch smaller than `batch_size` is
    /// sent (default 60 s).
    pub batch_wait: Option<DurationSetting>,
    /// `openai-batch`: the batch's completion window, in whole hours (default 24 h).
    pub completion_window: Option<DurationSetting>,
    /// `openai-batch`: how often an open batch is polled (default 60 s, with jitter).
    pub poll_interval: Option<DurationSetting>,
}

/// `batch_size` when a profile does not set it.
pub const DEFAULT_BATCH_SIZE: u32 = 100;
/// `batch_wait` when a profile does not set it.
pub const DEFAULT_BATCH_WAIT: Duration = Duration::from_secs(60);
/// `completion_window` when a profile does not set it.
pub const DEFAULT_COMPLETION_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// An `openai-batch` profile's `poll_interval` when it does not set one.
pub const DEFAULT_BATCH_POLL: Duration = Duration::from_secs(60);
/// The most requests one batch may hold (OpenAI's limit).
pub const MAX_BATCH_SIZE: u32 = 50_000;

impl GeneratorProfile {
    /// The submission mode of a `content-creator` profile.
    pub fn submit_mode(&self) -> SubmitMode {
        self.mode.unwrap_or_default()
    }

    /// What its model's `[prices]` are multiplied by for budgets: `price_factor`, else 0.5
    /// for `openai-batch` (the Batch API's discount) and 1 for the others.
    pub fn price_factor(&self) -> f64 {
        self.price_factor
            .unwrap_or(if self.kind == GeneratorKind::OpenaiBatch {
                0.5
            } else {
                1.0
            })
    }

    /// `batch_size`, or its default.
    pub fn batch_size(&self) -> u32 {
        self.batch_size.unwrap_or(DEFAULT_BATCH_SIZE)
    }

    /// `batch_wait`, or its default.
    pub fn batch_wait(&self) -> Duration {
        self.batch_wait.map_or(DEFAULT_BATCH_WAIT, |d| d.0)
    }

    /// `completion_window`, or its default.
    pub fn completion_window(&self) -> Duration {
        self.completion_window
            .map_or(DEFAULT_COMPLETION_WINDOW, |d| d.0)
    }

    /// `poll_interval` of an `openai-batch` profile, or its default.
    pub fn batch_poll_interval(&self) -> Duration {
        self.poll_interval.map_or(DEFAULT_BATCH_POLL, |d| d.0)
    }

    /// The timeout of a task on this profile that sets none, when the kind has its own: the
    /// batch window plus an hour for `openai-batch`.
    pub fn default_task_timeout(&self) -> Option<Duration> {
        (self.kind == GeneratorKind::OpenaiBatch)
            .then(|| self.completion_window() + Duration::from_secs(3600))
    }

    /// The profiles to move a task to when this one is unavailable, in order.
    pub fn fallbacks(&self) -> &[String] {
        self.fallback.as_deref().unwrap_or_default()
    }

    /// The steps this profile writes an article in, each with the profile it runs on
    /// (`self_name` where `step_profiles` names none); empty for a single request.
    pub fn step_plan(&self, self_name: &str) -> Vec<(Step, String)> {
        let others = self.step_profiles.as_ref();
        self.steps
            .iter()
            .flatten()
            .map(|s| {
                let on = others
                    .and_then(|m| m.get(s))
                    .cloned()
                    .unwrap_or_else(|| self_name.to_string());
                (*s, on)
            })
            .collect()
    }

    /// The profile's rate limits, when any is set.
    pub fn rate_limits(&self) -> Option<RateLimits> {
        let limits = RateLimits {
            rpm: self.rpm,
            tpm: self.tpm,
            rpd: self.rpd,
            tpd: self.tpd,
            window_ms: self
                .rate_window
                .as_ref()
                .map_or(DEFAULT_WINDOW_MS, |w| w.0.as_millis() as i64),
        };
        limits.any().then_some(limits)
    }

    /// Checks what the kind needs; returns the offending key and why.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
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
            GeneratorKind::Openai | GeneratorKind::OpenaiBatch => {
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
            validate_http_url("base_url", url).map_err(|e| ("base_url", e.to_string()))?;
        }
        if self.kind != GeneratorKind::ContentCreator {
            if self.mode.is_some() {
                return Err(("mode", "applies to kind = \"content-creator\" only".into()));
            }
            if self.remote_cancel.is_some() {
                return Err((
                    "remote_cancel",
                    "applies to kind = \"content-creator\" only".into(),
                ));
            }
        }
        if self.kind != GeneratorKind::Openai {
            if self.steps.is_some() {
                return Err(("steps", "applies to kind = \"openai\" only".into()));
            }
            if self.step_profiles.is_some() {
                return Err(("step_profiles", "applies to kind = \"openai\" only".into()));
            }
        }
        if let Some(steps) = &self.steps {
            check_steps(steps).map_err(|e| ("steps", e))?;
        }
        if let Some(map) = &self.step_profiles {
            let steps = self.steps.as_deref().unwrap_or_default();
            for (step, on) in map {
                if !steps.contains(step) {
                    return Err((
                        "step_profiles",
                        format!("names step \"{step}\", which `steps` does not list"),
                    ));
                }
                if on.trim().is_empty() {
                    return Err(("step_profiles", "a profile name must not be empty".into()));
                }
            }
        }
        if self.kind == GeneratorKind::OpenaiBatch {
            if let Some(n) = self.batch_size {
                if n > MAX_BATCH_SIZE {
                    return Err(("batch_size", format!("must be at most {MAX_BATCH_SIZE}")));
                }
            }
            if let Some(d) = self.batch_wait {
                if d.0.is_zero() {
                    return Err(("batch_wait", "must be greater than zero".into()));
                }
            }
            if let Some(d) = self.completion_window {
                let secs = d.0.as_secs();
                if secs == 0 || secs % 3600 != 0 || d.0.subsec_nanos() != 0 {
                    return Err((
                        "completion_window",
                        "must be a whole number of hours (e.g. \"24h\")".into(),
                    ));
                }
            }
            if let Some(d) = self.poll_interval {
                if d.0.as_millis() < 100 {
                    return Err(("poll_interval", "must be at least 100ms".into()));
                }
            }
        } else {
            for (key, set) in [
                ("batch_size", self.batch_size.is_some()),
                ("batch_wait", self.batch_wait.is_some()),
                ("completion_window", self.completion_window.is_some()),
                ("poll_interval", self.poll_interval.is_some()),
            ] {
                if set {
                    return Err((key, "applies to kind = \"openai-batch\" only".into()));
                }
            }
        }
        if let Some(url) = &self.image_base_url {
            validate_http_url("image_base_url", url)
                .map_err(|e| ("image_base_url", e.to_string()))?;
        }
        if let Some(list) = &self.fallback {
            if list.iter().any(|n| n.trim().is_empty()) {
                return Err(("fallback", "a profile name must not be empty".into()));
            }
            for (i, n) in list.iter().enumerate() {
                if list[..i].contains(n) {
                    return Err(("fallback", format!("names '{n}' twice")));
                }
            }
        }
        if let Some(d) = self.fallback_after {
            if d.0.is_zero() {
                return Err(("fallback_after", "must be greater than zero".into()));
            }
        }
        if let Some(f) = self.price_factor {
            if !f.is_finite() || f < 0.0 {
                return Err(("price_factor", "must be a non-negative number".into()));
            }
        }
        if let Some(t) = self.temperature {
            if !(0.0..=2.0).contains(&t) {
                return Err(("temperature", "must be from 0 to 2".into()));
            }
        }
        for (key, v) in [
            ("rpm", self.rpm),
            ("tpm", self.tpm),
            ("rpd", self.rpd),
            ("tpd", self.tpd),
        ] {
            if v == Some(0) {
                return Err((key, "must be a positive integer".into()));
            }
        }
        if let Some(w) = &self.rate_window {
            if w.0.as_millis() < 100 {
                return Err(("rate_window", "must be at least 100ms".into()));
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
