//! `POST /api/v1/content/callback/{task_id}`: content-creator reports a job's progress, result
//! or failure (DESIGN §5), so a task finishes without waiting for the next poll.
//!
//! Order matters. With a secret, the HMAC over the raw body and the timestamp window are
//! checked first, in constant time, before the store is touched at all; without one only
//! loopback clients are heard. Then, in one transaction: a signature seen before is a replay
//! (409), the task is looked up (404), and the event is applied through the same functions
//! the worker uses: [`worker::completion`] and [`queue::finish`] for a result,
//! [`retry::on_error`] for a failure, [`queue::progress`] for progress. A callback about a
//! job the task no longer runs, or about a finished or cancelled task, is recorded in the
//! task's history and ignored; the store's guarded transitions make duplicates harmless.
//! Polling stays on as the safety net.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::is_loopback;
use super::error::ApiError;
use super::AppState;
use crate::domain::time::{now_ms, Millis};
use crate::domain::{Status, TaskIdPrefix};
use crate::engine::{retry, worker, Shared};
use crate::error::Result;
use crate::generator::content_creator::{output_of, percent};
use crate::generator::{GenError, Output};
use crate::signature::{self, TOLERANCE_SECS};
use crate::store::outbox;
use crate::store::queue::{self, Finish};
use crate::store::tasks::{self, Seq};

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

fn parse(body: &[u8]) -> std::result::Result<Callback, ApiError> {
    let p: Payload = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("the callback body is not a JSON object: {e}"))
    })?;
    let event = match p
        .event
        .as_deref()
        .map(|e| e.trim().to_ascii_lowercase())
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
    let job = p.task_id.as_ref().and_then(text).ok_or_else(|| {
        ApiError::invalid("taskId", "taskId (content-creator's job id) is required")
    })?;
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

/// Checks who sent the request, before anything is looked up. Returns the signature to
/// remember for replay detection.
fn authenticate(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: &[u8],
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
    signature::verify(
        secret,
        header(TIMESTAMP_HEADER),
        sig,
        body,
        now_ms().div_euclid(1000),
    )
    .map_err(|r| ApiError::unauthorized(format!("callback refused: {r}")))?;
    Ok(sig.map(|s| s.trim().to_ascii_lowercase()))
}

/// The handler.
pub async fn receive(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(task_ref): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> std::result::Result<Json<CallbackReply>, ApiError> {
    let signature = authenticate(&state, peer, &headers, &body)?;
    let cb = parse(&body)?;
    // Only a full id names a task here: content-creator calls the URL we gave it.
    if exact_id(&task_ref).is_none() {
        return Err(ApiError::not_found(format!(
            "task not found: {}",
            task_ref.trim()
        )));
    }
    let shared = state.inner.engine.clone();
    let event = cb.event;
    let (seq, applied) = state
        .inner
        .store
        .write(move |store| {
            store.write(|tx| apply(tx, &shared, signature.as_deref(), &task_ref, &cb, now_ms()))
        })
        .await?;
    let Some(seq) = seq else {
        return Err(ApiError::conflict(
            "replayed",
            "this callback was already received (same signature)",
        ));
    };
    if applied.wake {
        state.inner.engine.wake(seq);
    }
    tracing::info!(task = %applied.task_id, event = ?event, outcome = applied.status, "callback");
    Ok(Json(CallbackReply {
        status: applied.status,
        task_id: applied.task_id,
        message: applied.message,
    }))
}

fn exact_id(s: &str) -> Option<crate::domain::TaskId> {
    s.parse::<TaskIdPrefix>().ok()?.exact()
}

struct Applied {
    status: &'static str,
    task_id: String,
    message: String,
    /// The worker of this task should look at it now.
    wake: bool,
}

/// Applies one authenticated callback in the caller's transaction. `None` for the sequence
/// means the signature was seen before.
fn apply(
    tx: &crate::store::Conn,
    shared: &Arc<Shared>,
    signature: Option<&str>,
    task_ref: &str,
    cb: &Callback,
    now: Millis,
) -> Result<(Option<Seq>, Applied)> {
    if let Some(sig) = signature {
        if !outbox::remember_signature(tx, sig, now, REPLAY_WINDOW_MS)? {
            return Ok((
                None,
                Applied {
                    status: "ignored",
                    task_id: String::new(),
                    message: String::new(),
                    wake: false,
                },
            ));
        }
    }
    // An unknown task fails the transaction, so its signature is not remembered either.
    let (seq, id) = tasks::resolve(tx, task_ref)?;
    let task = tasks::get(tx, seq)?;
    let done = |status: &'static str, message: String, wake: bool| {
        Ok((
            Some(seq),
            Applied {
                status,
                task_id: id.to_string(),
                message,
                wake,
            },
        ))
    };
    let what = match cb.event {
        Event::Completed => "completed",
        Event::Failed => "failed",
        Event::Progress => "progress",
    };
    let ignore = |why: String| {
        let message = format!(
            "callback '{what}' for content-creator job {} ignored: {why}",
            cb.job
        );
        tasks::record_event(tx, seq, now, Some(task.status), task.status, Some(&message))?;
        done("ignored", message, false)
    };
    if task.status.is_terminal() {
        return ignore(format!("the task is already {}", task.status));
    }
    match task.remote_job_id.as_deref() {
        None => {
            return ignore(format!(
                "the task runs no remote job (it is {})",
                task.status
            ))
        }
        Some(current) if current != cb.job => {
            return ignore(format!("the task's current job is {current}"))
        }
        Some(_) => {}
    }

    match cb.event {
        Event::Progress => {
            queue::progress(tx, seq, cb.progress, cb.step.as_deref(), now)?;
            let pct = cb
                .progress
                .map(|p| format!("{p}%"))
                .unwrap_or_else(|| "?".into());
            done("progress", format!("progress {pct} recorded"), false)
        }
        Event::Completed => {
            let Some(out) = cb.output.clone() else {
                let message = format!(
                    "content-creator job {} reports completion without a result; the worker fetches it",
                    cb.job
                );
                tasks::record_event(tx, seq, now, Some(task.status), task.status, Some(&message))?;
                return done("polling", message, true);
            };
            let profile = shared.profile_of(task.generator.as_deref());
            let Some(generator) = shared.generators.get(&profile) else {
                return ignore(format!(
                    "generator profile '{profile}' is not configured here"
                ));
            };
            let claimed = queue::load(tx, seq, false)?;
            let finish = worker::completion(&claimed, generator.as_ref(), &profile, out);
            record_callback(tx, seq, task.status, &cb.job, what, now)?;
            match queue::finish(tx, seq, &finish, now)? {
                Some(Status::Completed) => {
                    let content = tasks::get(tx, seq)?.content_id;
                    done(
                        "completed",
                        format!(
                            "content {} stored",
                            content.map(|c| c.to_string()).unwrap_or_default()
                        ),
                        true,
                    )
                }
                Some(Status::Failed) => done(
                    "failed",
                    "the result was empty; the task failed".into(),
                    true,
                ),
                _ => done("ignored", "the task was settled meanwhile".into(), false),
            }
        }
        Event::Failed => {
            let e = GenError::transient(cb.failure.clone());
            let finish =
                retry::on_error(&e, task.retry_count, task.max_retries, &shared.retry_delays);
            record_callback(tx, seq, task.status, &cb.job, what, now)?;
            match queue::finish(tx, seq, &finish, now)? {
                Some(Status::Pending) => done(
                    "retrying",
                    match &finish {
                        Finish::Retry { delay_ms, .. } => {
                            format!("queued again in {} s: {}", delay_ms / 1000, cb.failure)
                        }
                        _ => cb.failure.clone(),
                    },
                    true,
                ),
                Some(Status::Failed) => done("failed", cb.failure.clone(), true),
                _ => done("ignored", "the task was settled meanwhile".into(), false),
            }
        }
    }
}

/// Notes in the task's history that the outcome came by callback (the transition that
/// follows says what it was).
fn record_callback(
    tx: &crate::store::Conn,
    seq: Seq,
    status: Status,
    job: &str,
    event: &str,
    now: Millis,
) -> Result<()> {
    tasks::record_event(
        tx,
        seq,
        now,
        Some(status),
        status,
        Some(&format!("content-creator callback: job {job} {event}")),
    )
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
        assert_eq!((out.title.as_str(), out.word_count), ("T", Some(3)));
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
    }
}
