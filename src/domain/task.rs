//! Tasks: public ids, and the validation of a submission.
//!
//! A [`SubmitRequest`] is what an operator sends, from flags, a bulk file row or (later) an
//! HTTP body; [`NewTask::validate`] turns it into a task the store can insert, or says which
//! field is wrong. Every entry point calls this one function.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::review::ReviewMode;
use super::status::Status;
use super::time::{parse_duration, Timestamp};
use crate::error::Error;

/// The random part of a task id: 48 bits, shown as `task-` + 12 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub i64);

pub const TASK_ID_PREFIX: &str = "task-";
const TASK_ID_HEX: usize = 12;
const TASK_ID_MAX: i64 = (1 << 48) - 1;

impl TaskId {
    /// A fresh random id.
    pub fn random() -> TaskId {
        let n = getrandom::u64().unwrap_or_else(|_| {
            // No entropy source is unusual enough that a time-derived id is an acceptable
            // fallback: the store still refuses duplicates.
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
        });
        TaskId((n & TASK_ID_MAX as u64) as i64)
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{TASK_ID_PREFIX}{:012x}", self.0)
    }
}

impl Serialize for TaskId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TaskId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let p: TaskIdPrefix = s.parse().map_err(serde::de::Error::custom)?;
        p.exact()
            .ok_or_else(|| serde::de::Error::custom("not a full task id"))
    }
}

/// A task id or a unique prefix of one, as typed by an operator: `task-3f9a`, `3f9a0c…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskIdPrefix {
    value: i64,
    digits: usize,
}

impl TaskIdPrefix {
    pub const MIN_DIGITS: usize = 4;

    /// The inclusive range of ids this prefix covers.
    pub fn range(&self) -> (i64, i64) {
        let shift = 4 * (TASK_ID_HEX - self.digits) as u32;
        let lo = self.value << shift;
        let hi = lo | ((1i64 << shift) - 1);
        (lo, hi)
    }

    /// The id itself when the prefix is complete.
    pub fn exact(&self) -> Option<TaskId> {
        (self.digits == TASK_ID_HEX).then_some(TaskId(self.value))
    }
}

impl FromStr for TaskIdPrefix {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let hex = t
            .strip_prefix(TASK_ID_PREFIX)
            .unwrap_or(t)
            .to_ascii_lowercase();
        if hex.len() < Self::MIN_DIGITS || hex.len() > TASK_ID_HEX {
            return Err(format!(
                "'{t}' is not a task id (expected task- followed by {}–{TASK_ID_HEX} hex digits)",
                Self::MIN_DIGITS
            ));
        }
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "'{t}' is not a task id (only hex digits may follow task-)"
            ));
        }
        let value = i64::from_str_radix(&hex, 16).map_err(|e| format!("'{t}': {e}"))?;
        Ok(TaskIdPrefix {
            value,
            digits: hex.len(),
        })
    }
}

/// A stored task, as `task show` and `--format json` present it. List commands print an
/// array of these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: TaskId,
    pub account: String,
    pub account_id: i64,
    pub topic: String,
    pub keywords: Vec<String>,
    pub category: Option<String>,
    pub requirements: Option<String>,
    pub tone: Option<String>,
    pub priority: u8,
    /// How its article is reviewed.
    pub review: ReviewMode,
    /// How many times the review rules sent a draft back for a new one.
    #[serde(default)]
    pub regenerations: u32,
    /// What the review rules asked the next draft to fix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<String>,
    pub max_retries: u32,
    pub retry_count: u32,
    pub timeout_seconds: u64,
    pub callback_url: Option<String>,
    /// The profile the task runs on (`None`: the default profile).
    pub generator: Option<String>,
    /// The profile the task was submitted to, when it has moved down that profile's
    /// `fallback` list; shown only then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_generator: Option<String>,
    pub idempotency_key: Option<String>,
    pub plan_id: Option<i64>,
    pub plan_run_id: Option<i64>,
    pub status: Status,
    pub remote_job_id: Option<String>,
    pub progress: Option<u8>,
    pub current_step: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<Timestamp>,
    pub next_attempt_at: Timestamp,
    pub deadline_at: Timestamp,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub content_id: Option<i64>,
    pub event_count: u32,
    pub created_at: Timestamp,
    pub submitted_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// The newest event queued for `callback_url` and how its delivery went; null when none
    /// was queued (no callback URL, or the task has not finished).
    #[serde(default)]
    pub callback_delivery: Option<CallbackDelivery>,
    /// Why a due pending task is not started yet, when something holds it back: its
    /// profile waits for a rate limit ("waiting for tpm on profile qwen, ~12 s"), or a budget
    /// its request would pass ("budget `daily-all` exhausted until 00:00 Asia/Shanghai").
    /// Shown by `task show`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<String>,
}

/// Where a task's callback stands (`task show`): the newest `task.completed` / `task.failed`
/// delivery queued for its `callback_url`. `contenthub deliveries list --task ID` shows all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackDelivery {
    pub id: i64,
    pub event: String,
    /// pending, sent or failed
    pub status: String,
    pub attempts: u32,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<Timestamp>,
    pub sent_at: Option<Timestamp>,
}

/// One entry of a task's history (`task log`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskEvent {
    pub task_id: TaskId,
    pub occurred_at: Timestamp,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub message: Option<String>,
    /// Who made the change: the owner id of the daemon that made it, or `None` for an
    /// operator's command.
    #[serde(rename = "by")]
    pub actor: Option<String>,
}

/// Keywords as an array or as one comma-separated string.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Keywords {
    List(Vec<String>),
    Joined(String),
}

impl Keywords {
    fn items(&self) -> Vec<String> {
        match self {
            Keywords::List(v) => v.iter().map(|s| s.trim().to_string()).collect(),
            Keywords::Joined(s) if s.trim().is_empty() => Vec::new(),
            Keywords::Joined(s) => s.split([',', '，']).map(|s| s.trim().to_string()).collect(),
        }
    }
}

/// A whole number as JSON writes it: `4`, or `4.0` (JSON Schema calls both an integer). A
/// number with a fraction (`4.5`) or beyond ±2^53 written as a float is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole(pub i64);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Whole;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Whole, E> {
                Ok(Whole(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Whole, E> {
                i64::try_from(v)
                    .map(Whole)
                    .map_err(|_| E::custom(format!("{v} is too large")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Whole, E> {
                const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
                if v.is_finite() && v.fract() == 0.0 && v.abs() <= EXACT {
                    Ok(Whole(v as i64))
                } else {
                    Err(E::custom(format!("{v} is not a whole number")))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A duration as bare seconds or as text (`30m`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum DurationValue {
    Seconds(Whole),
    Text(String),
}

/// What an operator submits, before validation. Field names are the snake_case long names of
/// the `task submit` flags; a bulk file uses the same names.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    pub account: Option<String>,
    pub topic: Option<String>,
    pub keywords: Option<Keywords>,
    pub category: Option<String>,
    pub requirements: Option<String>,
    pub tone: Option<String>,
    #[serde(default, deserialize_with = "whole")]
    pub priority: Option<i64>,
    /// The old flag for `review`: true is `auto`, false `manual`.
    pub auto_approve: Option<bool>,
    pub review: Option<String>,
    #[serde(default, deserialize_with = "whole")]
    pub max_retries: Option<i64>,
    pub timeout: Option<DurationValue>,
    pub callback_url: Option<String>,
    pub generator: Option<String>,
    pub idempotency_key: Option<String>,
}

/// An optional [`Whole`], for `deserialize_with`.
pub fn whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<Whole>::deserialize(d)?.map(|w| w.0))
}

impl SubmitRequest {
    /// Fills every field this request leaves out from `defaults`.
    pub fn or(self, defaults: &SubmitRequest) -> SubmitRequest {
        let d = defaults.clone();
        SubmitRequest {
            account: self.account.or(d.account),
            topic: self.topic.or(d.topic),
            keywords: self.keywords.or(d.keywords),
            category: self.category.or(d.category),
            requirements: self.requirements.or(d.requirements),
            tone: self.tone.or(d.tone),
            priority: self.priority.or(d.priority),
            // `review` and its old flag are one setting: a request that gives either keeps
            // its own.
            auto_approve: if self.review.is_some() {
                self.auto_approve
            } else {
                self.auto_approve.or(d.auto_approve)
            },
            review: if self.auto_approve.is_some() {
                self.review
            } else {
                self.review.or(d.review)
            },
            max_retries: self.max_retries.or(d.max_retries),
            timeout: self.timeout.or(d.timeout),
            callback_url: self.callback_url.or(d.callback_url),
            generator: self.generator.or(d.generator),
            idempotency_key: self.idempotency_key.or(d.idempotency_key),
        }
    }
}

/// What a submission may default to and choose from; comes from the settings.
#[derive(Debug, Clone)]
pub struct SubmitPolicy {
    pub default_priority: u8,
    pub default_timeout: Duration,
    pub default_max_retries: u32,
    /// Configured generator profile names (`template` is always accepted).
    pub generators: Vec<String>,
    /// The default timeout of tasks on the profiles that have their own (`openai-batch`:
    /// its completion window plus an hour), instead of `default_timeout`.
    pub profile_timeouts: Vec<(String, Duration)>,
}

impl SubmitPolicy {
    /// The timeout of a task on `generator` (the default profile when `None`) that sets none.
    pub fn default_timeout_for(&self, generator: Option<&str>) -> Duration {
        let profile = generator.unwrap_or(if self.generators.iter().any(|g| g == "default") {
            "default"
        } else {
            "template"
        });
        self.profile_timeouts
            .iter()
            .find(|(p, _)| p == profile)
            .map_or(self.default_timeout, |(_, t)| *t)
    }
}

/// A validated submission.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    /// The account as given (id or name); the store resolves it.
    pub account: String,
    pub topic: String,
    pub keywords: Vec<String>,
    pub category: Option<String>,
    pub requirements: Option<String>,
    pub tone: Option<String>,
    pub priority: u8,
    /// `None`: use the account's default.
    pub review: Option<ReviewMode>,
    pub max_retries: u32,
    pub timeout: Duration,
    pub callback_url: Option<String>,
    pub generator: Option<String>,
    pub idempotency_key: Option<String>,
}

pub const TOPIC_MAX: usize = 500;
pub const REQUIREMENTS_MAX: usize = 2000;
pub const TONE_MAX: usize = 100;
pub const CATEGORY_MAX: usize = 100;
pub const KEYWORDS_MAX: usize = 20;
pub const KEYWORD_MAX: usize = 64;
pub const IDEMPOTENCY_KEY_MAX: usize = 200;
pub const MAX_RETRIES_MAX: i64 = 100;
pub const TIMEOUT_MAX: Duration = Duration::from_secs(30 * 86400);
pub const CALLBACK_URL_MAX: usize = 2048;

/// Refuses a control character (Unicode category Cc: U+0000–U+001F, U+007F–U+009F) in
/// `value`, except those in `allowed`, naming the field and the character. It looks at the
/// value as given, before surrounding whitespace is trimmed, so what is refused does not
/// depend on where in the text the character sits.
pub fn refuse_controls(field: &str, value: &str, allowed: &[char]) -> Result<(), Error> {
    match value
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !allowed.contains(c))
    {
        None => Ok(()),
        Some((i, c)) => Err(Error::invalid(
            field,
            format!(
                "contains the control character U+{:04X} at character {} (not allowed{})",
                c as u32,
                i + 1,
                if allowed.is_empty() {
                    ""
                } else {
                    "; only tab and newline are"
                }
            ),
        )),
    }
}

/// The control characters requirements may hold: tab and newline.
pub const REQUIREMENTS_CONTROLS: &[char] = &['\t', '\n'];

/// Validates a topic (a task's, or one of a plan's list): not blank, no control characters,
/// at most [`TOPIC_MAX`] characters as given. Returns it trimmed.
pub fn validate_topic(field: &str, topic: &str) -> Result<String, Error> {
    if topic.trim().is_empty() {
        return Err(Error::invalid(
            field,
            "a topic is required and may not be blank (-t/--topic)",
        ));
    }
    refuse_controls(field, topic, &[])?;
    // Lengths count the value as given, as the API's schema does.
    let n = topic.chars().count();
    let topic = topic.trim();
    if n > TOPIC_MAX {
        return Err(Error::invalid(
            field,
            format!("{n} characters is too long (at most {TOPIC_MAX})"),
        ));
    }
    Ok(topic.to_string())
}

fn optional_text(field: &str, v: Option<String>, max: usize) -> Result<Option<String>, Error> {
    let Some(v) = v else { return Ok(None) };
    let t = v.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let n = v.chars().count();
    if n > max {
        return Err(Error::invalid(
            field,
            format!("{n} characters is too long (at most {max})"),
        ));
    }
    Ok(Some(t.to_string()))
}

/// Validates an absolute http(s) URL with a host.
pub fn validate_http_url(field: &str, url: &str) -> Result<String, Error> {
    let u = url.trim();
    let rest = u
        .strip_prefix("http://")
        .or_else(|| u.strip_prefix("https://"))
        .ok_or_else(|| {
            Error::invalid(
                field,
                format!(
                    "'{u}' is not an absolute http(s) URL (expected e.g. https://example.com/hook)"
                ),
            )
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_only = host.rsplit('@').next().unwrap_or("");
    if host_only.is_empty() || host_only.starts_with(':') {
        return Err(Error::invalid(field, format!("'{u}' has no host")));
    }
    if u.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(field, format!("'{u}' contains whitespace")));
    }
    if u.len() > CALLBACK_URL_MAX {
        return Err(Error::invalid(
            field,
            format!("URL is too long (at most {CALLBACK_URL_MAX} bytes)"),
        ));
    }
    Ok(u.to_string())
}

impl NewTask {
    pub fn validate(req: SubmitRequest, policy: &SubmitPolicy) -> Result<NewTask, Error> {
        let account = req
            .account
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .ok_or_else(|| Error::invalid("account", "an account is required (-a/--account)"))?;

        let topic = validate_topic("topic", req.topic.as_deref().unwrap_or_default())?;

        let keywords = match &req.keywords {
            None => Vec::new(),
            Some(k) => {
                match k {
                    Keywords::List(v) => {
                        for kw in v {
                            refuse_controls("keywords", kw, &[])?;
                            if kw.chars().count() > KEYWORD_MAX {
                                return Err(Error::invalid(
                                    "keywords",
                                    format!(
                                        "keyword '{}' is too long (at most {KEYWORD_MAX} characters)",
                                        kw.trim()
                                    ),
                                ));
                            }
                        }
                    }
                    Keywords::Joined(s) => refuse_controls("keywords", s, &[])?,
                }
                let items = k.items();
                if items.len() > KEYWORDS_MAX {
                    return Err(Error::invalid(
                        "keywords",
                        format!(
                            "{} keywords is too many (at most {KEYWORDS_MAX})",
                            items.len()
                        ),
                    ));
                }
                let mut out: Vec<String> = Vec::with_capacity(items.len());
                for (i, kw) in items.into_iter().enumerate() {
                    if kw.is_empty() {
                        return Err(Error::invalid(
                            "keywords",
                            format!("keyword {} is empty (write them as a,b,c)", i + 1),
                        ));
                    }
                    if kw.chars().count() > KEYWORD_MAX {
                        return Err(Error::invalid(
                            "keywords",
                            format!(
                                "keyword '{kw}' is too long (at most {KEYWORD_MAX} characters)"
                            ),
                        ));
                    }
                    if !out.contains(&kw) {
                        out.push(kw);
                    }
                }
                out
            }
        };

        let priority = match req.priority {
            None => policy.default_priority,
            Some(p) if (1..=10).contains(&p) => p as u8,
            Some(p) => {
                return Err(Error::invalid(
                    "priority",
                    format!("{p} is out of range (1..10, higher runs sooner)"),
                ))
            }
        };

        let max_retries = match req.max_retries {
            None => policy.default_max_retries,
            Some(r) if (0..=MAX_RETRIES_MAX).contains(&r) => r as u32,
            Some(r) => {
                return Err(Error::invalid(
                    "max_retries",
                    format!("{r} is out of range (0..{MAX_RETRIES_MAX})"),
                ))
            }
        };

        let timeout = match req.timeout {
            None => policy.default_timeout_for(
                req.generator
                    .as_deref()
                    .map(str::trim)
                    .filter(|g| !g.is_empty()),
            ),
            Some(v) => {
                let d = match v {
                    DurationValue::Seconds(Whole(s)) if s < 0 => {
                        return Err(Error::invalid(
                            "timeout",
                            format!("{s} is negative (must be greater than zero, e.g. 30m)"),
                        ))
                    }
                    DurationValue::Seconds(Whole(s)) => Duration::from_secs(s as u64),
                    DurationValue::Text(t) => {
                        parse_duration(&t).map_err(|e| Error::invalid("timeout", e))?
                    }
                };
                if d.as_secs() == 0 {
                    return Err(Error::invalid(
                        "timeout",
                        "must be greater than zero (e.g. 30m)",
                    ));
                }
                if d > TIMEOUT_MAX {
                    return Err(Error::invalid("timeout", "must be at most 30 days"));
                }
                d
            }
        };

        let callback_url = match req.callback_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(u) => Some(validate_http_url("callback_url", u)?),
        };

        let generator = match req.generator.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(g) if g == "template" || policy.generators.iter().any(|p| p == g) => {
                Some(g.to_string())
            }
            Some(g) => {
                let mut known: Vec<&str> = policy.generators.iter().map(String::as_str).collect();
                if !known.contains(&"template") {
                    known.push("template");
                }
                return Err(Error::invalid(
                    "generator",
                    format!(
                        "no generator profile named '{g}' (configured: {})",
                        known.join(", ")
                    ),
                ));
            }
        };

        let idempotency_key = match req.idempotency_key {
            None => None,
            Some(k) => {
                let n = k.chars().count();
                let k = k.trim().to_string();
                if k.is_empty() {
                    return Err(Error::invalid("idempotency_key", "may not be blank"));
                }
                if n > IDEMPOTENCY_KEY_MAX {
                    return Err(Error::invalid(
                        "idempotency_key",
                        format!("too long (at most {IDEMPOTENCY_KEY_MAX} characters)"),
                    ));
                }
                Some(k)
            }
        };

        if let Some(r) = &req.requirements {
            refuse_controls("requirements", r, REQUIREMENTS_CONTROLS)?;
        }
        let old = req.auto_approve.map(ReviewMode::from_auto_approve);
        let review = match req.review.as_deref() {
            None => old,
            Some(text) => {
                let mode: ReviewMode = text.parse().map_err(|e| Error::invalid("review", e))?;
                if old.is_some_and(|o| o != mode) {
                    return Err(Error::invalid(
                        "review",
                        format!(
                            "review = {mode} contradicts auto_approve = {}",
                            req.auto_approve.unwrap_or_default()
                        ),
                    ));
                }
                Some(mode)
            }
        };

        Ok(NewTask {
            account,
            topic,
            keywords,
            category: optional_text("category", req.category, CATEGORY_MAX)?,
            requirements: optional_text("requirements", req.requirements, REQUIREMENTS_MAX)?,
            tone: optional_text("tone", req.tone, TONE_MAX)?,
            priority,
            review,
            max_retries,
            timeout,
            callback_url,
            generator,
            idempotency_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> SubmitPolicy {
        SubmitPolicy {
            default_priority: 5,
            default_timeout: Duration::from_secs(1800),
            default_max_retries: 3,
            generators: vec!["default".into()],
            profile_timeouts: Vec::new(),
        }
    }

    fn req(topic: &str) -> SubmitRequest {
        SubmitRequest {
            account: Some("blog".into()),
            topic: Some(topic.into()),
            ..Default::default()
        }
    }

    #[test]
    fn id_round_trip_and_prefix_range() {
        let id = TaskId(0x0123_4567_89ab);
        assert_eq!(id.to_string(), "task-0123456789ab");
        let p: TaskIdPrefix = "task-0123".parse().unwrap();
        assert_eq!(p.range(), (0x0123_0000_0000, 0x0123_ffff_ffff));
        let full: TaskIdPrefix = id.to_string().parse().unwrap();
        assert_eq!(full.exact(), Some(id));
        assert!("task-12".parse::<TaskIdPrefix>().is_err());
        assert!("task-xyz123".parse::<TaskIdPrefix>().is_err());
        assert!(TaskId::random().0 <= TASK_ID_MAX);
    }

    #[test]
    fn defaults_and_limits() {
        let t = NewTask::validate(req("  Rust 入门  "), &policy()).unwrap();
        assert_eq!(t.topic, "Rust 入门");
        assert_eq!(t.priority, 5);
        assert_eq!(t.max_retries, 3);
        let long = "字".repeat(501);
        let e = NewTask::validate(req(&long), &policy()).unwrap_err();
        assert!(e.to_string().contains("topic"), "{e}");
        assert!(NewTask::validate(req(&"字".repeat(500)), &policy()).is_ok());
    }

    #[test]
    fn keywords_accept_both_shapes() {
        let mut r = req("t");
        r.keywords = Some(Keywords::Joined("a, b，c,a".into()));
        assert_eq!(
            NewTask::validate(r.clone(), &policy()).unwrap().keywords,
            ["a", "b", "c"]
        );
        r.keywords = Some(Keywords::List(vec!["x".into(), "y".into()]));
        assert_eq!(
            NewTask::validate(r.clone(), &policy()).unwrap().keywords,
            ["x", "y"]
        );
        r.keywords = Some(Keywords::Joined("a,,b".into()));
        assert!(NewTask::validate(r, &policy()).is_err());
    }

    #[test]
    fn control_characters_are_refused_by_field() {
        let e = NewTask::validate(req("bell\u{7} here"), &policy()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("topic") && msg.contains("U+0007"), "{msg}");
        // Even where trimming would have removed it.
        let e = NewTask::validate(req("topic\n"), &policy()).unwrap_err();
        assert!(e.to_string().contains("U+000A"), "{e}");
        let e = NewTask::validate(req("c1 \u{85}"), &policy()).unwrap_err();
        assert!(e.to_string().contains("U+0085"), "{e}");

        let mut r = req("t");
        r.keywords = Some(Keywords::List(vec!["a".into(), "b\tc".into()]));
        let e = NewTask::validate(r.clone(), &policy()).unwrap_err();
        assert!(e.to_string().contains("keywords") && e.to_string().contains("U+0009"));
        r.keywords = Some(Keywords::Joined("a,\u{1b}[31m".into()));
        assert!(NewTask::validate(r, &policy()).is_err());

        let mut r = req("t");
        r.requirements = Some("line one\n\tindented\n".into());
        assert!(NewTask::validate(r.clone(), &policy()).is_ok());
        r.requirements = Some("windows\r\nline".into());
        let e = NewTask::validate(r.clone(), &policy()).unwrap_err();
        assert!(e.to_string().contains("requirements") && e.to_string().contains("U+000D"));
        r.requirements = Some("nul\0".into());
        assert!(NewTask::validate(r, &policy()).is_err());
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats() {
        let r: SubmitRequest = serde_json::from_str(
            r#"{"account":"blog","topic":"t","priority":4.0,"max_retries":2,"timeout":60.0}"#,
        )
        .unwrap();
        assert_eq!((r.priority, r.max_retries), (Some(4), Some(2)));
        assert_eq!(r.timeout, Some(DurationValue::Seconds(Whole(60))));
        for bad in [
            r#"{"priority":4.5}"#,
            r#"{"priority":"4"}"#,
            r#"{"max_retries":1e300}"#,
            r#"{"timeout":1.5}"#,
        ] {
            assert!(serde_json::from_str::<SubmitRequest>(bad).is_err(), "{bad}");
        }
        let mut r = req("t");
        r.timeout = Some(DurationValue::Seconds(Whole(-5)));
        assert!(NewTask::validate(r, &policy()).is_err());
    }

    #[test]
    fn urls_and_generators() {
        let mut r = req("t");
        r.callback_url = Some("ftp://x".into());
        assert!(NewTask::validate(r.clone(), &policy()).is_err());
        r.callback_url = Some("https://hooks.example.com/x?y=1".into());
        assert!(NewTask::validate(r.clone(), &policy()).is_ok());
        r.generator = Some("nope".into());
        let e = NewTask::validate(r.clone(), &policy()).unwrap_err();
        assert!(e.to_string().contains("nope"));
        r.generator = Some("template".into());
        assert!(NewTask::validate(r, &policy()).is_ok());
    }

    #[test]
    fn a_profile_with_its_own_default_timeout_gives_it_to_tasks_without_one() {
        let day = Duration::from_secs(25 * 3600);
        let mut p = policy();
        p.generators.push("fast".into());
        p.profile_timeouts = vec![("default".into(), day)];
        // No generator named: the `default` profile, as for the tasks of plans.
        let t = NewTask::validate(req("t"), &p).unwrap();
        assert_eq!(t.timeout, day);
        let mut r = req("t");
        r.generator = Some("fast".into());
        assert_eq!(
            NewTask::validate(r.clone(), &p).unwrap().timeout,
            p.default_timeout
        );
        r.generator = Some("default".into());
        r.timeout = Some(DurationValue::Text("2h".into()));
        assert_eq!(
            NewTask::validate(r, &p).unwrap().timeout,
            Duration::from_secs(7200)
        );
    }
}
