//! The operational endpoints: `/healthz` (liveness), `/metrics` (Prometheus text), the
//! OpenAPI document, and the answers for unknown paths and methods.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::error::ApiError;
use super::state::AppState;
use crate::domain::time::now_ms;
use crate::store::tasks;

/// The OpenAPI description served at `/api/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

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

/// Liveness: 200 when a store query works, the store can be written and the dispatcher's
/// loop is fresh, else 503 with the reasons. Needs no token. (Failure-rate warnings belong to `monitor health`.)
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
    if engine.store_full() {
        reasons.push("store cannot be written: disk full".to_string());
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

/// `/metrics`: the Prometheus text of `monitor metrics`, from the same code.
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let inner = state.inner.clone();
    let text = state
        .inner
        .store
        .read(move |store| {
            store.read(|tx| {
                crate::monitor::metrics::collect(tx, &inner.location, &inner.metrics, now_ms())
                    .map(|m| crate::monitor::metrics::prometheus(&m))
            })
        })
        .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
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
