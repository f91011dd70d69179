//! The HTTP API served by `daemon run --listen ADDR`: the old system's seven task endpoints
//! under `/api/v1/content/`, the content-creator callback receiver, `/healthz`, `/metrics` and
//! `/api/v1/openapi.json` (see `docs/api.md`).
//!
//! Handlers are thin: they read the request, call the same functions the CLI calls
//! ([`crate::service`], the store's queue functions, the engine's completion and retry
//! policy) on connections of their own ([`pool`]), and render the result or an
//! [`ApiError`]. Layers, outermost first: the body size limit (before anything else), then the
//! bearer token (everything but `/healthz` and the callback, which has its own rule), then
//! the per-client rate limit on submits.
//!
//! The status pages for people (`/`, `/tasks`, `/login`, `/api/v1/docs`) are
//! [`crate::web`]'s, merged into this router.
//!
//! [`conn`] serves the router: it closes connections that send their headers too slowly or
//! stay idle too long, and caps how many are open at once.

pub mod auth;
pub mod callback;
pub mod conn;
pub mod error;
pub mod limits;
pub mod ops;
pub mod pool;
pub mod state;
pub mod tasks;

use axum::middleware;
use axum::routing::{delete, get, post};
use axum::Router;
use tokio_util::sync::CancellationToken;

pub use error::ApiError;
pub use ops::OPENAPI;
pub use state::{ApiConfig, AppState};

/// Every route, with its layers.
pub fn router(state: AppState) -> Router {
    let content = Router::new()
        .route("/generate/async", post(tasks::submit))
        .route("/tasks", get(tasks::list))
        .route("/tasks/stats", get(tasks::stats))
        .route("/tasks/cleanup", delete(tasks::cleanup))
        .route("/tasks/{task_id}", get(tasks::show))
        .route("/tasks/{task_id}/cancel", post(tasks::cancel))
        .route("/tasks/{task_id}/retry", post(tasks::retry));
    let guarded = Router::new()
        .nest("/api/v1/content", content)
        .route("/api/v1/openapi.json", get(ops::openapi))
        .route("/metrics", get(ops::metrics))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    let open = Router::new().route("/healthz", get(ops::healthz)).route(
        "/api/v1/content/callback/{task_id}",
        post(callback::receive),
    );
    guarded
        .merge(open)
        .merge(crate::web::router(state.clone()))
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(middleware::from_fn(limits::limit_body))
        .with_state(state)
}

/// Serves the API on `listener` within `limits` until `shutdown` is cancelled, then lets
/// requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    limits: conn::Limits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    conn::serve(listener, router(state), limits, shutdown).await
}
