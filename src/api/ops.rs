//! The operational endpoints: `/healthz` (liveness), `/metrics` (Prometheus text), the
//! OpenAPI document, and the answers for unknown paths and methods.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::error::ApiError;
use super::AppState;
use crate::domain::time::now_ms;
use crate::store::queue;
use crate::store::{counters, tasks};

/// The dispatcher goes round its loop at least every tick; older than this, it is stuck.
pub const LOOP_STALE_MS: i64 = 5_000;
/// How long `/healthz` waits for the store.
const STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// `/healthz`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// Why it is unavailable; empty when ok.
    pub reasons: Vec<String>,
    pub version: &'static str,
    pub uptime_seconds: i64,
    /// Milliseconds since the dispatcher last went round its loop.
    pub dispatcher_loop_age_ms: i64,
    pub in_flight: usize,
    pub max_concurrent: usize,
}

/// Liveness: 200 when a store query works and the dispatcher's loop is fresh, else 503 with
/// the reasons. Needs no token. (Failure-rate warnings belong to `monitor health`.)
pub async fn healthz(State(state): State<AppState>) -> Response {
    let engine = state.inner.engine.clone();
    let mut reasons = Vec::new();
    let probe = state
        .inner
        .store
        .read(|store| store.read(|tx| tasks::status_counts(tx, None)));
    match tokio::time::timeout(STORE_TIMEOUT, probe).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => reasons.push(format!("store: {e}")),
        Err(_) => reasons.push(format!(
            "store: no answer within {} s",
            STORE_TIMEOUT.as_secs()
        )),
    }
    let now = now_ms();
    let age = now - engine.loop_beat.load(Ordering::Relaxed);
    if age >= LOOP_STALE_MS {
        reasons.push(format!(
            "dispatcher: its loop last ran {:.1} s ago",
            age as f64 / 1000.0
        ));
    }
    let health = Health {
        status: if reasons.is_empty() {
            "ok"
        } else {
            "unavailable"
        },
        reasons,
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: (now - engine.started_at).max(0) / 1000,
        dispatcher_loop_age_ms: age.max(0),
        in_flight: engine.in_flight.load(Ordering::Relaxed),
        max_concurrent: engine.max_concurrent,
    };
    let code = if health.reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(health)).into_response()
}

/// Counters that outlive task rows, as (metric, help, counter name, counter labels, our
/// labels).
const COUNTERS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "contenthub_tasks_submitted_total",
        "Tasks submitted.",
        counters::TASKS_SUBMITTED,
        "",
        "",
    ),
    (
        "contenthub_tasks_completed_total",
        "Tasks completed.",
        queue::TASKS_COMPLETED,
        "",
        "",
    ),
    (
        "contenthub_tasks_failed_total",
        "Tasks that failed.",
        queue::TASKS_FAILED,
        "",
        "",
    ),
    (
        "contenthub_tasks_timeout_total",
        "Tasks that timed out.",
        queue::TASKS_TIMEOUT,
        "",
        "",
    ),
    (
        "contenthub_tasks_cancelled_total",
        "Tasks cancelled by an operator.",
        counters::TASKS_CANCELLED,
        "",
        "",
    ),
    (
        "contenthub_tasks_retried_total",
        "Tasks retried by an operator.",
        counters::TASKS_RETRIED,
        "",
        "",
    ),
    (
        "contenthub_task_retries_total",
        "Automatic retries after transient errors.",
        queue::TASK_RETRIES,
        "",
        "",
    ),
    (
        "contenthub_task_rate_limited_total",
        "Attempts snoozed because a generator rate-limited them.",
        queue::TASK_SNOOZES,
        "",
        "",
    ),
    (
        "contenthub_tasks_cleaned_total",
        "Finished tasks deleted by cleanup.",
        counters::TASKS_CLEANED,
        "",
        "",
    ),
    (
        "contenthub_tokens_total",
        "Generator tokens used.",
        queue::TOKENS,
        "kind=prompt",
        "kind=\"prompt\"",
    ),
    (
        "contenthub_tokens_total",
        "Generator tokens used.",
        queue::TOKENS,
        "kind=completion",
        "kind=\"completion\"",
    ),
];

/// `/metrics`: Prometheus text exposition. Small for now; `monitor metrics` has the rest.
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (counts, values) = state
        .inner
        .store
        .read(|store| {
            store.read(|tx| {
                let counts = tasks::status_counts(tx, None)?;
                let values = COUNTERS
                    .iter()
                    .map(|(_, _, name, labels, _)| counters::get(tx, name, labels))
                    .collect::<crate::error::Result<Vec<i64>>>()?;
                Ok((counts, values))
            })
        })
        .await?;
    let engine = &state.inner.engine;
    let mut out = String::new();
    let help = |out: &mut String, name: &str, kind: &str, text: &str| {
        let _ = writeln!(out, "# HELP {name} {text}\n# TYPE {name} {kind}");
    };
    help(
        &mut out,
        "contenthub_tasks",
        "gauge",
        "Tasks in the store by status.",
    );
    for (status, n) in &counts {
        let _ = writeln!(out, "contenthub_tasks{{status=\"{status}\"}} {n}");
    }
    let mut last = "";
    for ((metric, text, _, _, labels), v) in COUNTERS.iter().zip(&values) {
        if *metric != last {
            help(&mut out, metric, "counter", text);
            last = metric;
        }
        if labels.is_empty() {
            let _ = writeln!(out, "{metric} {v}");
        } else {
            let _ = writeln!(out, "{metric}{{{labels}}} {v}");
        }
    }
    let gauges = [
        (
            "contenthub_in_flight",
            "Tasks this daemon is working on.",
            engine.in_flight.load(Ordering::Relaxed).to_string(),
        ),
        (
            "contenthub_max_concurrent",
            "Tasks this daemon works on at most.",
            engine.max_concurrent.to_string(),
        ),
        (
            "contenthub_daemon_heartbeat_timestamp_seconds",
            "When the dispatcher last went round its loop (Unix time).",
            seconds(engine.loop_beat.load(Ordering::Relaxed)),
        ),
        (
            "contenthub_daemon_start_time_seconds",
            "When this daemon started (Unix time).",
            seconds(engine.started_at),
        ),
    ];
    for (name, text, value) in gauges {
        help(&mut out, name, "gauge", text);
        let _ = writeln!(out, "{name} {value}");
    }
    let active: u64 = counts
        .iter()
        .filter(|(s, _)| !s.is_terminal())
        .map(|(_, n)| n)
        .sum();
    help(
        &mut out,
        "contenthub_tasks_active",
        "gauge",
        "Tasks pending, submitted or processing.",
    );
    let _ = writeln!(out, "contenthub_tasks_active {active}");
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

fn seconds(ms: i64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], super::OPENAPI).into_response()
}

pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!(
        "no such endpoint: {} (see /api/v1/openapi.json)",
        uri.path()
    ))
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not accept that method (see /api/v1/openapi.json)",
    )
}
