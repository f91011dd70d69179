//! HTTP plumbing shared by the `openai` and `content-creator` backends: one pooled rustls
//! client per backend, and the error classification of DESIGN §4.
//!
//! | what happened | kind |
//! |---|---|
//! | connect error, request timeout, other transport error | transient |
//! | 408, 409, 5xx, any other non-2xx outside 4xx | transient |
//! | 2xx with malformed or unexpected JSON | transient |
//! | 429 | rate limited, `Retry-After` / `retry-after-ms` (default 30 s) |
//! | any other 4xx | permanent |

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::contract::{GenError, Transport};
use super::reply::{error_text, scalar};

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
    let e = match code {
        429 => {
            let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
            let wait = parse_retry_after(header("retry-after"), header("retry-after-ms"))
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
}
