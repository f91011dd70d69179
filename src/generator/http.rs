//! HTTP plumbing shared by the `openai` and `content-creator` backends: one pooled rustls
//! client per backend, and the error classification of DESIGN §4.
//!
//! | what happened | kind |
//! |---|---|
//! | connect error, request timeout, other transport error | transient |
//! | 408, 409, 5xx, any other non-2xx outside 4xx | transient |
//! | 2xx with malformed or unexpected JSON | transient |
//! | 402; 404; `model_not_found` in any 4xx; 403 with an account or permission error; `insufficient_quota` (429 included) or DashScope's `Arrearage` | unavailable: the task moves to its profile's next `fallback` |
//! | 429 | rate limited, `Retry-After` / `retry-after-ms` (default 30 s) |
//! | any other 4xx | permanent |
//!
//! Error bodies are read as OpenAI and DashScope's compatible mode shape them,
//! `{"error": {"code", "type", "message"}}`, or as DashScope's native API does,
//! `{"code", "message"}` at the top level.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::contract::{GenError, Transport};
use super::reply::{error_text, scalar};
use crate::domain::rate::RateHeaders;

/// How long a 429 without `Retry-After` snoozes the task.
pub(crate) const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The most of a server's error text kept in a message.
const MAX_SERVER_TEXT: usize = 500;

pub(crate) fn client(label: &str, timeout: Duration) -> Result<reqwest::Client, GenError> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(30)))
        .user_agent(concat!("contenthub/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            GenError::permanent(format!(
                "{label}: cannot build the HTTP client: {}",
                chain(&e)
            ))
        })
}

/// A reply read to the end.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Sends `req` and reads the whole body; transport failures come back classified.
pub(crate) async fn send(
    label: &str,
    what: &str,
    timeout: Duration,
    req: reqwest::RequestBuilder,
) -> Result<Reply, GenError> {
    let resp = req
        .send()
        .await
        .map_err(|e| transport(label, what, timeout, &e))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .bytes()
        .await
        .map_err(|e| transport(label, what, timeout, &e))?
        .to_vec();
    Ok(Reply {
        status,
        headers,
        body,
    })
}

impl Reply {
    /// `Ok` for a 2xx, else the classified error.
    pub(crate) fn check(&self, label: &str, what: &str) -> Result<(), GenError> {
        if self.status.is_success() {
            Ok(())
        } else {
            Err(status_error(
                label,
                what,
                self.status,
                &self.headers,
                &self.body,
            ))
        }
    }

    /// The body as JSON; anything unparseable is a transient error.
    pub(crate) fn json<T: DeserializeOwned>(&self, label: &str, what: &str) -> Result<T, GenError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            GenError::transient(format!(
                "{label}: {what}: malformed reply (HTTP {}): {e}; body starts: {}",
                self.status.as_u16(),
                snippet(&self.body, 120)
            ))
        })
    }
}

/// Classifies a non-2xx reply.
pub(crate) fn status_error(
    label: &str,
    what: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> GenError {
    let code = status.as_u16();
    let reason = status
        .canonical_reason()
        .map(|r| format!(" {r}"))
        .unwrap_or_default();
    let server = server_message(body)
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    let message = format!("{label}: {what}: HTTP {code}{reason}{server}");
    if let Some(why) = unavailable(code, body) {
        return GenError::unavailable(format!("{message} [{why}]")).with_status(code);
    }
    let e = match code {
        429 => {
            let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
            let wait = parse_retry_after(header("retry-after"), header("retry-after-ms"))
                .or_else(|| reset_wait(headers))
                .unwrap_or(DEFAULT_RETRY_AFTER);
            GenError::rate_limited(
                format!("{message} (retry after {:.1}s)", wait.as_secs_f64()),
                wait,
            )
        }
        408 | 409 => GenError::transient(message),
        400..=499 => GenError::permanent(message),
        _ => GenError::transient(message),
    };
    e.with_status(code)
}

/// The longest reset time (`x-ratelimit-reset-*`) a 429 is snoozed for.
const MAX_RESET_WAIT: Duration = Duration::from_secs(24 * 3600);

/// For a 429 without `Retry-After`: when the limit the provider says is used up (its
/// `x-ratelimit-remaining-*` is 0) is whole again, by its `x-ratelimit-reset-*`; the later of
/// the two when both are. Nothing when no limit is used up or the reset is not sane.
fn reset_wait(headers: &HeaderMap) -> Option<Duration> {
    let h = RateHeaders::read(|n| headers.get(n).and_then(|v| v.to_str().ok()));
    [
        (h.remaining_requests, h.reset_requests_ms),
        (h.remaining_tokens, h.reset_tokens_ms),
    ]
    .into_iter()
    .filter_map(|(remaining, reset)| reset.filter(|_| remaining == Some(0)))
    .filter(|ms| *ms > 0)
    .max()
    .map(|ms| Duration::from_millis(ms as u64).min(MAX_RESET_WAIT))
}

/// The `code`, `type` and `message` of an error body, lower-cased (empty when absent):
/// `{"error": {...}}` (OpenAI, DashScope compatible mode, content-creator), `{"error": "…"}`,
/// or the top level (DashScope's native API).
#[derive(Debug, Default)]
pub(crate) struct ErrorFields {
    pub code: String,
    pub kind: String,
    pub message: String,
}

impl ErrorFields {
    /// Reads the fields of an error value or of a whole reply.
    pub(crate) fn of(v: &serde_json::Value) -> ErrorFields {
        let text = |v: Option<&serde_json::Value>| {
            v.and_then(scalar)
                .map(|s| s.to_ascii_lowercase())
                .unwrap_or_default()
        };
        let inner = v.get("error").unwrap_or(v);
        if let Some(s) = scalar(inner) {
            return ErrorFields {
                message: s.to_ascii_lowercase(),
                ..ErrorFields::default()
            };
        }
        let mut f = ErrorFields {
            code: text(inner.get("code")),
            kind: text(inner.get("type")),
            message: text(inner.get("message")),
        };
        if f.code.is_empty() && !std::ptr::eq(inner, v) {
            f.code = text(v.get("code"));
        }
        f
    }

    fn from_body(body: &[u8]) -> ErrorFields {
        serde_json::from_slice::<serde_json::Value>(body)
            .map(|v| ErrorFields::of(&v))
            .unwrap_or_else(|_| ErrorFields {
                message: snippet(body, MAX_SERVER_TEXT).to_ascii_lowercase(),
                ..ErrorFields::default()
            })
    }

    fn any(&self, words: &[&str]) -> bool {
        [&self.code, &self.kind, &self.message]
            .iter()
            .any(|f| words.iter().any(|w| f.contains(w)))
    }

    /// Why these fields say the profile cannot serve requests at all, whatever the status:
    /// its model does not exist, its quota is used up, or its account is in arrears.
    pub(crate) fn unavailable(&self) -> Option<&'static str> {
        if self.any(&["model_not_found", "modelnotfound", "model.notfound"]) {
            return Some("model not found");
        }
        if [&self.code, &self.kind]
            .iter()
            .any(|f| f.contains("insufficient_quota"))
        {
            return Some("quota exhausted");
        }
        if self.code == "arrearage" {
            return Some("account in arrears");
        }
        None
    }
}

/// Why a non-2xx reply means the profile is unavailable (so the task should move to its
/// fallback), or `None`. A 429 is a rate limit unless its error says `insufficient_quota`;
/// a 403 counts only when its error is about the account or permissions; a plain 400 is a
/// bad request, not an unavailable profile.
pub(crate) fn unavailable(code: u16, body: &[u8]) -> Option<&'static str> {
    if !(400..=499).contains(&code) {
        return None;
    }
    let f = ErrorFields::from_body(body);
    if let Some(why) = f.unavailable() {
        return Some(why);
    }
    match code {
        402 => Some("payment required"),
        404 => Some("not found"),
        403 if f.any(&[
            "permission",
            "access",
            "account",
            "not allowed",
            "unsupported_country",
            "request_forbidden",
            "unpurchased",
            "billing",
        ]) =>
        {
            Some("no access")
        }
        _ => None,
    }
}

/// Classifies a transport error. The URL is left out of the text: the base URL may carry
/// credentials in its userinfo.
pub(crate) fn transport(
    label: &str,
    what: &str,
    timeout: Duration,
    e: &reqwest::Error,
) -> GenError {
    if e.is_timeout() {
        return GenError::transient(format!(
            "{label}: {what}: timed out after {}",
            humantime::format_duration(timeout)
        ))
        .with_transport(Transport::TimedOut);
    }
    if e.is_builder() {
        return GenError::permanent(format!("{label}: {what}: invalid request: {}", chain(e)));
    }
    if e.is_connect() {
        return GenError::transient(format!("{label}: {what}: could not connect: {}", chain(e)))
            .with_transport(Transport::Refused);
    }
    let text = chain(e);
    let e = GenError::transient(format!("{label}: {what}: {text}"));
    let lower = text.to_ascii_lowercase();
    if [
        "reset",
        "closed",
        "incomplete",
        "broken pipe",
        "unexpected eof",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        e.with_transport(Transport::Dropped)
    } else {
        e
    }
}

/// The error and its sources, without the URL.
fn chain(e: &reqwest::Error) -> String {
    let mut parts = vec![];
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        src = s.source();
    }
    if parts.is_empty() {
        // Display of a reqwest error without sources; strip the "for url (…)" part.
        let text = e.to_string();
        return text.split(" for url (").next().unwrap_or(&text).to_string();
    }
    parts.join(": ")
}

/// A server's own error text: `{error:{message, code}}` (OpenAI, content-creator),
/// `{error:"…"}`, `{message}`, `{detail}`, else the start of the body.
pub(crate) fn server_message(body: &[u8]) -> Option<String> {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let found = v
            .get("error")
            .and_then(error_text)
            .or_else(|| v.get("message").and_then(scalar))
            .or_else(|| {
                v.get("detail")
                    .map(|d| scalar(d).unwrap_or_else(|| d.to_string()))
            });
        if let Some(m) = found {
            return Some(truncate(&m, MAX_SERVER_TEXT));
        }
    }
    let s = snippet(body, MAX_SERVER_TEXT);
    (!s.is_empty()).then_some(s)
}

/// The start of a body as one line of text.
fn snippet(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    truncate(&text.split_whitespace().collect::<Vec<_>>().join(" "), max)
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max).collect();
    t.push('…');
    t
}

/// Parses a `Retry-After` value (seconds or an HTTP date) or a `retry-after-ms` value.
pub fn parse_retry_after(seconds_or_date: Option<&str>, millis: Option<&str>) -> Option<Duration> {
    if let Some(ms) = millis.and_then(|v| v.trim().parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_millis(ms as u64));
        }
    }
    let v = seconds_or_date?.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_millis((secs * 1000.0) as u64));
        }
        return None;
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = at.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(delta.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(
            parse_retry_after(Some("2"), None),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            parse_retry_after(Some("0.5"), None),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after(Some("2"), Some("150")),
            Some(Duration::from_millis(150))
        );
        assert_eq!(parse_retry_after(Some("soon"), None), None);
        assert_eq!(parse_retry_after(None, None), None);
        let past = parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(past, Some(Duration::ZERO));
    }

    fn classify(code: u16, body: &str) -> GenError {
        status_error(
            "openai:a",
            "POST /chat/completions",
            StatusCode::from_u16(code).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
        )
    }

    use super::super::contract::ErrorKind;

    #[test]
    fn payment_required_is_unavailable() {
        let e = classify(
            402,
            r#"{"error":{"message":"Payment required","type":"billing_error"}}"#,
        );
        assert_eq!((e.kind, e.status), (ErrorKind::Unavailable, Some(402)));
        assert!(
            e.message.contains("HTTP 402") && e.message.contains("payment required"),
            "{}",
            e.message
        );
        assert_eq!(classify(402, "").kind, ErrorKind::Unavailable);
    }

    #[test]
    fn not_found_and_model_not_found_are_unavailable() {
        // OpenAI: 404 with code model_not_found.
        let openai = r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#;
        let e = classify(404, openai);
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(e.message.contains("model not found"), "{}", e.message);
        // A bare 404 (wrong path or model) too.
        assert_eq!(classify(404, "nope").kind, ErrorKind::Unavailable);
        // DashScope's compatible mode answers some unknown models with a 400.
        let dashscope = r#"{"error":{"code":"model_not_found","param":null,"message":"The model `qwen-nope` does not exist.","type":"invalid_request_error"},"id":"chatcmpl-1","request_id":"1"}"#;
        assert_eq!(classify(400, dashscope).kind, ErrorKind::Unavailable);
        // DashScope's native shape: the code at the top level.
        let native = r#"{"code":"ModelNotFound","message":"Model not exist.","request_id":"1"}"#;
        assert_eq!(classify(400, native).kind, ErrorKind::Unavailable);
    }

    #[test]
    fn forbidden_counts_only_for_account_or_permission_errors() {
        let perm = r#"{"error":{"message":"You do not have permission to access this model.","type":"invalid_request_error","code":"permission_denied"}}"#;
        assert_eq!(classify(403, perm).kind, ErrorKind::Unavailable);
        let region = r#"{"error":{"code":"unsupported_country_region_territory","message":"Country, region, or territory not supported","param":null,"type":"request_forbidden"}}"#;
        assert_eq!(classify(403, region).kind, ErrorKind::Unavailable);
        let dashscope =
            r#"{"code":"Model.AccessDenied","message":"Model access denied.","request_id":"1"}"#;
        assert_eq!(classify(403, dashscope).kind, ErrorKind::Unavailable);
        // A 403 that says nothing about the account stays a permanent failure.
        assert_eq!(classify(403, "nope").kind, ErrorKind::Permanent);
    }

    #[test]
    fn insufficient_quota_is_not_a_rate_limit() {
        let quota = r#"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#;
        let e = classify(429, quota);
        assert_eq!((e.kind, e.retry_after), (ErrorKind::Unavailable, None));
        assert!(e.message.contains("quota exhausted"), "{}", e.message);
        let rate = r#"{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#;
        let e = classify(429, rate);
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.retry_after, Some(DEFAULT_RETRY_AFTER));
        let dashscope = r#"{"error":{"message":"Requests rate limit exceeded","type":"limit_requests","code":"limit_requests"}}"#;
        assert_eq!(classify(429, dashscope).kind, ErrorKind::RateLimited);
        assert_eq!(classify(429, "").kind, ErrorKind::RateLimited);
    }

    #[test]
    fn a_429_without_retry_after_waits_for_the_used_up_limit_to_reset() {
        let with = |pairs: &[(&'static str, &str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, v.parse().unwrap());
            }
            status_error(
                "openai",
                "completion",
                StatusCode::TOO_MANY_REQUESTS,
                &h,
                b"",
            )
        };
        // Tokens are used up and whole again in 6 s; requests are not used up.
        let e = with(&[
            ("x-ratelimit-remaining-requests", "12"),
            ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-remaining-tokens", "0"),
            ("x-ratelimit-reset-tokens", "6s"),
        ]);
        assert_eq!(e.retry_after, Some(Duration::from_secs(6)));
        // Both used up: the later reset.
        let e = with(&[
            ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", "2m0s"),
            ("x-ratelimit-remaining-tokens", "0"),
            ("x-ratelimit-reset-tokens", "6s"),
        ]);
        assert_eq!(e.retry_after, Some(Duration::from_secs(120)));
        // Retry-After wins; nothing used up, or a nonsense reset, leaves the default.
        let e = with(&[
            ("retry-after", "3"),
            ("x-ratelimit-remaining-tokens", "0"),
            ("x-ratelimit-reset-tokens", "6s"),
        ]);
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
        for pairs in [
            &[
                ("x-ratelimit-remaining-tokens", "5"),
                ("x-ratelimit-reset-tokens", "6s"),
            ][..],
            &[
                ("x-ratelimit-remaining-tokens", "0"),
                ("x-ratelimit-reset-tokens", "soon"),
            ][..],
            &[("x-ratelimit-reset-tokens", "6s")][..],
        ] {
            assert_eq!(
                with(pairs).retry_after,
                Some(DEFAULT_RETRY_AFTER),
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn a_plain_bad_request_still_fails() {
        let bad = r#"{"error":{"message":"'messages' is a required property","type":"invalid_request_error","param":null,"code":null}}"#;
        assert_eq!(classify(400, bad).kind, ErrorKind::Permanent);
        assert_eq!(classify(400, "bad").kind, ErrorKind::Permanent);
        assert_eq!(
            classify(
                401,
                r#"{"error":{"code":"invalid_api_key","message":"Incorrect API key"}}"#
            )
            .kind,
            ErrorKind::Permanent
        );
        assert_eq!(
            classify(503, r#"{"error":{"code":"model_not_found"}}"#).kind,
            ErrorKind::Transient
        );
    }
}
