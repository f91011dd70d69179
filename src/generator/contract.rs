//! The contract every backend meets: the [`Generator`] trait, the [`Spec`] it works from, the
//! [`Output`] it returns, and the [`GenError`] whose [`ErrorKind`] decides the retry policy.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::rate::RateHeaders;
use crate::domain::step::Step;
use crate::domain::Image;

/// The account a task is written for, as a generator needs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountSpec {
    pub name: String,
    pub display_name: Option<String>,
    pub platform: String,
    pub language: String,
    pub tone: Option<String>,
    pub category: Option<String>,
    pub persona: Option<String>,
    pub min_words: Option<u32>,
    pub max_words: Option<u32>,
    pub forbidden_words: Vec<String>,
}

/// Everything a generator needs to write one article. Also the JSON a `command` generator
/// reads on stdin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    /// Our task id (`task-…`).
    pub task_id: String,
    /// Idempotency key for this attempt: the task id for its first submit, `{task id}-r{n}`
    /// for the n-th after it. For a generator that [takes keys](Generator::takes_idempotency_keys)
    /// the engine records it before the submit, so no key is ever sent twice.
    pub attempt_key: String,
    pub topic: String,
    pub keywords: Vec<String>,
    pub category: Option<String>,
    pub requirements: Option<String>,
    pub tone: Option<String>,
    /// 1..10, higher is more urgent.
    pub priority: u8,
    pub account: AccountSpec,
    /// What the review rules found wrong with the previous draft, when they sent it back:
    /// one instruction per line, for the next draft's prompt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<String>,
    /// Where content-creator should send callbacks for this task, when the daemon serves one.
    #[serde(skip)]
    pub callback_url: Option<String>,
    /// Told about each local program a generator starts for this spec, and when it is gone.
    #[serde(skip)]
    pub children: ChildHook,
}

/// A local program a generator started (the `command` backend), as the engine records it with
/// the task's lease, so that a daemon starting after a crash can find and kill what is left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    /// Its process group: the program leads its own, so this is also its pid.
    pub pgid: i32,
    /// When the program started, in clock ticks since boot (`/proc/PID/stat` field 22). With
    /// the pid it names one process: a reused pid has another start time.
    pub start_ticks: u64,
    /// The boot the ticks count from (`/proc/sys/kernel/random/boot_id`).
    pub boot_id: String,
    /// The value of `CONTENTHUB_RUN` in the program's environment, which what it starts
    /// inherits: it recognises the group's members once the program itself is gone.
    pub run_id: String,
}

/// What a [`ChildHook`] is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildEvent {
    /// The program is running.
    Started(Child),
    /// The program has exited or been killed, and its process group with it.
    Ended(Child),
}

/// A callback for [`ChildEvent`]s. Called synchronously (also from `Drop`), so it must not
/// block; the default does nothing. Hooks take no part in comparing or printing specs.
#[derive(Clone, Default)]
pub struct ChildHook(Option<Arc<dyn Fn(ChildEvent) + Send + Sync>>);

impl ChildHook {
    pub fn new(f: impl Fn(ChildEvent) + Send + Sync + 'static) -> Self {
        ChildHook(Some(Arc::new(f)))
    }

    pub fn notify(&self, event: ChildEvent) {
        if let Some(f) = &self.0 {
            f(event);
        }
    }
}

impl fmt::Debug for ChildHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "ChildHook(set)"
        } else {
            "ChildHook(none)"
        })
    }
}

impl PartialEq for ChildHook {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A finished article as a generator returns it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    /// Empty when the generator gave none; the engine then takes the first heading or topic.
    pub title: String,
    pub body: String,
    pub html: Option<String>,
    pub summary: Option<String>,
    pub images: Vec<Image>,
    pub word_count: Option<u32>,
    pub quality_score: Option<f64>,
    pub model: Option<String>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    /// The provider's rate-limit headers on the reply, when it sent any.
    pub rate: Option<Box<RateHeaders>>,
}

/// What `submit` achieved.
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    /// The article is ready.
    Done(Output),
    /// A remote job was started; poll it by this id.
    Remote(String),
}

/// The state of a remote job.
#[derive(Debug, Clone, PartialEq)]
pub enum Polled {
    Pending,
    Running {
        progress: Option<u8>,
        step: Option<String>,
    },
    Done(Output),
    /// The remote job ended without an article.
    Failed(GenError),
}

/// How the engine should react to an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Connect/timeout/408/409/5xx/malformed reply: retry with backoff.
    Transient,
    /// 429: snooze for the given time without using up a retry.
    RateLimited,
    /// Other 4xx, bad config, empty content: fail now.
    Permanent,
    /// The profile cannot serve this request at all (payment required, model not found,
    /// no permission, quota exhausted): the task moves to the next profile of its
    /// `fallback` list, or fails when there is none.
    Unavailable,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Transient => "transient",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Permanent => "permanent",
            ErrorKind::Unavailable => "unavailable",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenError {
    pub kind: ErrorKind,
    pub message: String,
    /// For [`ErrorKind::RateLimited`]: how long the server asked us to wait.
    pub retry_after: Option<Duration>,
    /// The HTTP status the service answered with, when it answered.
    pub status: Option<u16>,
    /// How the connection failed, when it did.
    pub transport: Option<Transport>,
    /// The provider's rate-limit headers on the reply, when it answered with any.
    pub rate: Option<Box<RateHeaders>>,
}

/// How a request failed below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Nobody accepted the connection.
    Refused,
    /// The connection was reset or closed before the reply was complete.
    Dropped,
    /// No reply within the request timeout.
    TimedOut,
}

impl GenError {
    pub fn transient(message: impl Into<String>) -> Self {
        GenError {
            kind: ErrorKind::Transient,
            message: message.into(),
            retry_after: None,
            status: None,
            transport: None,
            rate: None,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        GenError {
            kind: ErrorKind::Permanent,
            message: message.into(),
            retry_after: None,
            status: None,
            transport: None,
            rate: None,
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        GenError {
            kind: ErrorKind::Unavailable,
            message: message.into(),
            retry_after: None,
            status: None,
            transport: None,
            rate: None,
        }
    }

    pub fn rate_limited(message: impl Into<String>, retry_after: Duration) -> Self {
        GenError {
            kind: ErrorKind::RateLimited,
            message: message.into(),
            retry_after: Some(retry_after),
            status: None,
            transport: None,
            rate: None,
        }
    }

    /// Records how the connection failed.
    pub fn with_transport(mut self, t: Transport) -> Self {
        self.transport = Some(t);
        self
    }

    /// Records the provider's rate-limit headers.
    pub fn with_rate(mut self, rate: Option<Box<RateHeaders>>) -> Self {
        self.rate = rate;
        self
    }

    /// Records the HTTP status the service answered with.
    pub fn with_status(mut self, code: u16) -> Self {
        self.status = Some(code);
        self
    }

    /// How a failed request ended, for the `generator_requests_total` counter: the HTTP
    /// status when the service refused it, else the kind of failure.
    pub fn outcome(&self) -> String {
        match (self.status, self.kind) {
            (Some(code), _) => code.to_string(),
            (None, ErrorKind::RateLimited) => "rate_limited".into(),
            (None, ErrorKind::Transient) => "error".into(),
            (None, ErrorKind::Permanent) => "refused".into(),
            (None, ErrorKind::Unavailable) => "unavailable".into(),
        }
    }
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for GenError {}

/// What a successful [`Generator::probe`] found out, beyond "it answered".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probe {
    /// A short human note for `monitor health --probe`, e.g. which model was found or why
    /// nothing more than reachability was checked.
    pub note: Option<String>,
}

impl Probe {
    /// A success that says `note`.
    pub fn noting(note: impl Into<String>) -> Self {
        Probe {
            note: Some(note.into()),
        }
    }
}

/// A generator backend.
#[async_trait]
pub trait Generator: Send + Sync {
    /// Starts (or, for synchronous backends, performs) the generation.
    async fn submit(&self, spec: &Spec) -> Result<Submitted, GenError>;

    /// The state of a remote job started by `submit`.
    async fn poll(&self, job_id: &str) -> Result<Polled, GenError> {
        Err(GenError::permanent(format!(
            "this generator has no remote jobs (asked to poll {job_id})"
        )))
    }

    /// Whether each submit carries an idempotency key ([`Spec::attempt_key`]) that must never
    /// be sent twice. The engine then records the key before the request leaves, and every
    /// new attempt — after a failure, a crash, a lost reply or a shutdown — takes the next.
    fn takes_idempotency_keys(&self) -> bool {
        false
    }

    /// Whether [`Generator::cancel`] should be sent for a job this task abandons (cancelled
    /// or timed out). When not, the job is only marked locally and its late results ignored.
    fn cancels_remote(&self) -> bool {
        true
    }

    /// Cancels a remote job; a no-op where the backend cannot.
    async fn cancel(&self, _job_id: &str) -> Result<(), GenError> {
        Ok(())
    }

    /// A cheap request that shows the backend is reachable and, where the backend can tell,
    /// configured for something the service offers (`monitor health --probe`). It never asks
    /// about jobs the service may not know.
    async fn probe(&self) -> Result<Probe, GenError> {
        Ok(Probe::default())
    }

    /// Completes an article before it is stored, with what only the profile knows (such as
    /// where the service's images can be fetched). Every completion passes here, whether it
    /// came from `submit`, `poll` or a callback. The default keeps it as it is.
    fn finish(&self, out: Output) -> Output {
        out
    }

    /// The prompt a submit of `spec` sends, for the token estimate of rate limits; the
    /// default is the task's own text, for backends whose prompt is not known here.
    fn prompt_text(&self, spec: &Spec) -> String {
        let mut text = spec.topic.clone();
        for part in spec.keywords.iter().chain(spec.requirements.iter()) {
            text.push('\n');
            text.push_str(part);
        }
        text
    }

    /// The model or backend name recorded with the content.
    fn model(&self) -> Option<String> {
        None
    }

    /// Runs one step of a stepped generation (a profile with `steps`): `earlier` holds what
    /// the steps before it wrote, in order. The output's body is the step's text: the
    /// outline, the draft, or the polished article. One request, nothing kept: the engine
    /// records each step before it asks for the next. Backends without steps refuse.
    async fn step(
        &self,
        _spec: &Spec,
        step: Step,
        _earlier: &[(Step, String)],
    ) -> Result<Output, GenError> {
        Err(GenError::permanent(format!(
            "this generator does not run generation steps (asked for \"{step}\")"
        )))
    }
}

/// The env lookup generators use for API keys (injected so tests need not touch the process
/// environment).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;
