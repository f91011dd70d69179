//! `POST /api/v1/content/callback/{task_id}`: content-creator reports a job's progress, result
//! or failure (DESIGN §5), so a task finishes without waiting for the next poll.
//!
//! Order matters. With a secret, the request is authenticated first, in constant time, before
//! the store is touched at all: either the HMAC over the raw body and the timestamp window
//! pass, or the `token` query parameter is the token of the callback URL we gave for this
//! task and for the job the body names (the content-creator service cannot sign). Without a
//! secret only loopback clients are heard. Then, in one transaction: a signature seen before
//! is a replay (409), the task is looked up (404), and the event is handed to
//! [`outcome::apply`], the path every report of a job takes, the worker's own included. A
//! token is not remembered: the service may send a callback again, and a repeated report
//! changes nothing. This module only authenticates, parses and maps the result to HTTP.
//! Polling stays on as the safety net.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::is_loopback;
use super::error::ApiError;
use super::state::AppState;
use crate::domain::time::{now_ms, Millis};
use crate::domain::TaskIdPrefix;
use crate::engine::outcome::{self, Effect, Report, Source};
use crate::engine::Shared;
use crate::error::Result;
use crate::generator::content_creator::{output_of, percent};
use crate::generator::{GenError, Output};
use crate::signature::{self, TOLERANCE_SECS};
use crate::store::tasks::{self, Seq};
use crate::store::{outbox, Conn};

pub const TIMESTAMP_HEADER: &str = "x-webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "x-webhook-signature";

/// How long a signature is remembered: a timestamp is accepted up to the tolerance on either
/// side of our clock, so a signature stays usable for twice that.
const REPLAY_WINDOW_MS: i64 = (2 * TOLERANCE_SECS + 60) * 1000;

/// What the receiver did, as it answers.
#[derive(Debug, Serialize)]
pub struct CallbackReply {
    /// `completed`, `failed`, `retrying`, `progress`, `polling` (a completion without a
    /// result: the worker fetches it) or `ignored`.
    pub status: &'static str,
    pub task_id: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Completed,
    Failed,
    Progress,
}

/// The payload, as content-creator sends it: camelCase, extra fields tolerated.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    event: Option<String>,
    task_id: Option<Value>,
    result: Option<Value>,
    error: Option<Value>,
    progress: Option<Value>,
    current_step: Option<Value>,
}

/// A parsed callback.
#[derive(Debug)]
struct Callback {
    event: Event,
    /// content-creator's job id.
    job: String,
    output: Option<Output>,
    failure: String,
    progress: Option<u8>,
    step: Option<String>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// content-creator's job id: a string that is not blank (trimmed), or a whole number from 0
/// to 2^64 - 1 (`7`, also written `7.0`).
fn job_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => match n.as_u64() {
            Some(u) => Some(u.to_string()),
            None => n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(f))
                .map(|f| (f as u64).to_string()),
        },
        _ => None,
    }
}

fn parse(body: &[u8]) -> std::result::Result<Callback, ApiError> {
    let p: Payload = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("the callback body is not a JSON object: {e}"))
    })?;
    // As the OpenAPI document lists them: `completed`, `failed`, `progress`, each also with
    // a `task.` prefix.
    let event = match p
        .event
        .as_deref()
        .map(|e| e.strip_prefix("task.").unwrap_or(e))
    {
        Some("completed") => Event::Completed,
        Some("failed") => Event::Failed,
        Some("progress") => Event::Progress,
        Some(other) => {
            return Err(ApiError::invalid(
                "event",
                format!("unknown event '{other}' (expected completed, failed or progress)"),
            ))
        }
        None => return Err(ApiError::invalid("event", "event is required")),
    };
    let job = match &p.task_id {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid(
                "taskId",
                "taskId (content-creator's job id) is required",
            ))
        }
        Some(v) => job_id(v).ok_or_else(|| {
            ApiError::invalid(
                "taskId",
                "taskId (content-creator's job id) must be a string with a character other than white space, or a whole number from 0",
            )
        })?,
    };
    let failure = match &p.error {
        Some(Value::Object(o)) => {
            let msg = o.get("message").and_then(text);
            let code = o.get("code").and_then(text);
            match (msg, code) {
                (Some(m), Some(c)) => format!("{m} ({c})"),
                (Some(m), None) => m,
                (None, Some(c)) => c,
                (None, None) => "no reason given".into(),
            }
        }
        Some(v) => text(v).unwrap_or_else(|| "no reason given".into()),
        None => "no reason given".into(),
    };
    Ok(Callback {
        event,
        output: p.result.as_ref().and_then(output_of),
        failure: format!("content-creator job {job} failed: {failure}"),
        progress: p.progress.as_ref().and_then(percent),
        step: p.current_step.as_ref().and_then(text),
        job,
    })
}

/// The `token` parameter of a query string. Tokens are hex, so nothing needs decoding.
fn token_of(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

/// Checks who sent the request, before anything is looked up: the signature, else the token
/// of the task in the path and the job the body names (`None` when the body names none).
/// Returns the signature to remember for replay detection.
fn authenticate(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: &[u8],
    task_ref: &str,
    token: Option<&str>,
    job: Option<&str>,
) -> std::result::Result<Option<String>, ApiError> {
    let Some(secret) = &state.inner.webhook_secret else {
        if is_loopback(peer.ip()) {
            return Ok(None);
        }
        return Err(ApiError::forbidden(
            "callbacks from other machines need a shared secret: set [webhook] secret_env",
        ));
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let sig = header(SIGNATURE_HEADER);
    let signed = signature::verify(
        secret,
        header(TIMESTAMP_HEADER),
        sig,
        body,
        now_ms().div_euclid(1000),
    );
    let refused =
        |r: signature::Rejection| ApiError::unauthorized(format!("callback refused: {r}"));
    match (signed, token) {
        (Ok(_), _) => Ok(sig.map(|s| s.trim().to_ascii_lowercase())),
        (Err(r), None) => Err(refused(r)),
        (Err(_), Some(token)) => {
            // The token names the task and the job: without both there is nothing it can match.
            let task = exact_id(task_ref).map(|id| id.to_string());
            let (Some(task), Some(job)) = (task, job) else {
                return Err(refused(signature::Rejection::TokenMismatch));
            };
            signature::verify_callback_token(secret, &task, job, Some(token)).map_err(refused)?;
            Ok(None)
        }
    }
}

/// The handler.
pub async fn receive(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(task_ref): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> std::result::Result<Json<CallbackReply>, ApiError> {
    // Parsed first (nothing is looked up) for the job a token must name; an unreadable body
    // is reported only to a sender that has authenticated.
    let parsed = parse(&body);
    let job = parsed.as_ref().ok().map(|cb| cb.job.as_str());
    let token = token_of(query.as_deref());
    let signature = authenticate(&state, peer, &headers, &body, &task_ref, token, job)?;
    let cb = parsed?;
    // Only a full id names a task here: content-creator calls the URL we gave it.
    if exact_id(&task_ref).is_none() {
        return Err(ApiError::not_found(format!(
            "task not found: {}",
            task_ref.trim()
        )));
    }
    let shared = state.inner.engine.clone();
    let event = cb.event;
    let answer = state
        .inner
        .store
        .write(move |store| {
            store.write(|tx| apply(tx, &shared, signature.as_deref(), &task_ref, &cb, now_ms()))
        })
        .await?;
    let Some(answer) = answer else {
        return Err(ApiError::conflict(
            "replayed",
            "this callback was already received (same signature)",
        ));
    };
    if answer.wake {
        state.inner.engine.wake(answer.seq);
    }
    tracing::info!(task = %answer.task_id, event = ?event, outcome = answer.status, "callback");
    Ok(Json(CallbackReply {
        status: answer.status,
        task_id: answer.task_id,
        message: answer.message,
    }))
}

fn exact_id(s: &str) -> Option<crate::domain::TaskId> {
    s.parse::<TaskIdPrefix>().ok()?.exact()
}

struct Answer {
    seq: Seq,
    status: &'static str,
    task_id: String,
    message: String,
    /// The worker of this task should look at it now.
    wake: bool,
}

/// In the caller's transaction: remembers the signature, looks the task up and hands the
/// event to the outcome path. `None` means the signature was seen before (a replay).
fn apply(
    c: &Conn,
    shared: &Arc<Shared>,
    signature: Option<&str>,
    task_ref: &str,
    cb: &Callback,
    now: Millis,
) -> Result<Option<Answer>> {
    if let Some(sig) = signature {
        if !outbox::remember_signature(c, sig, now, REPLAY_WINDOW_MS)? {
            return Ok(None);
        }
    }
    // An unknown task fails the transaction, so its signature is not remembered either.
    let (seq, id) = tasks::resolve(c, task_ref)?;
    let report = match cb.event {
        Event::Completed => Report::Completed(cb.output.clone()),
        Event::Failed => Report::Failed(GenError::transient(cb.failure.clone())),
        Event::Progress => Report::Progress {
            progress: cb.progress,
            step: cb.step.clone(),
        },
    };
    let source = Source::Callback { seq, job: &cb.job };
    let applied = outcome::apply(c, shared, source, report, now)?;
    Ok(Some(Answer {
        seq,
        status: applied.effect.as_str(),
        task_id: id.to_string(),
        message: applied.message,
        wake: !matches!(applied.effect, Effect::Progress | Effect::Ignored),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads() {
        let cb = parse(br##"{"event":"completed","taskId":"cc-1","result":{"content":"# T\n\nbody","wordCount":3,"qualityScore":9}}"##).unwrap();
        assert_eq!(cb.event, Event::Completed);
        assert_eq!(cb.job, "cc-1");
        let out = cb.output.unwrap();
        // The service's word count is the draft's: the engine counts the stored body.
        assert_eq!((out.title.as_str(), out.word_count), ("T", None));
        let cb =
            parse(br#"{"event":"failed","taskId":7,"error":{"message":"overloaded","code":"E1"}}"#)
                .unwrap();
        assert_eq!(cb.job, "7");
        assert!(cb.failure.ends_with("overloaded (E1)"), "{}", cb.failure);
        let cb = parse(br#"{"event":"progress","taskId":"cc-1","progress":"42.4","currentStep":"writing","extra":1}"#).unwrap();
        assert_eq!(
            (cb.progress, cb.step.as_deref()),
            (Some(42), Some("writing"))
        );
        assert_eq!(parse(b"{").unwrap_err().status.as_u16(), 400);
        let e = parse(br#"{"event":"exploded","taskId":"cc-1"}"#).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.field.as_deref()),
            (422, Some("event"))
        );
        let e = parse(br#"{"event":"completed"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("taskId"));
        // taskId: a string that is not blank, or a whole number.
        assert_eq!(
            parse(br#"{"event":"task.failed","taskId":7.0}"#)
                .unwrap()
                .job,
            "7"
        );
        for bad in [
            r#"{"event":"failed","taskId":7.5}"#,
            r#"{"event":"failed","taskId":-3}"#,
            r#"{"event":"failed","taskId":" "}"#,
            r#"{"event":"failed","taskId":true}"#,
            r#"{"event":"failed","taskId":null}"#,
            r#"{"event":"Failed","taskId":"cc-1"}"#,
        ] {
            let e = parse(bad.as_bytes()).unwrap_err();
            assert_eq!(e.status.as_u16(), 422, "{bad}");
        }
    }

    #[test]
    fn token_parameter() {
        assert_eq!(token_of(Some("token=ab12")), Some("ab12"));
        assert_eq!(token_of(Some("x=1&token=ab12&y=2")), Some("ab12"));
        assert_eq!(token_of(Some("token=")), Some(""));
        assert_eq!(token_of(Some("mytoken=ab12")), None);
        assert_eq!(token_of(Some("")), None);
        assert_eq!(token_of(None), None);
    }
}
