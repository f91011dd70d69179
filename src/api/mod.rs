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

pub mod auth;
pub mod callback;
pub mod error;
pub mod limits;
pub mod ops;
pub mod pool;
pub mod tasks;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::middleware;
use axum::routing::{delete, get, post};
use axum::Router;
use tokio_util::sync::CancellationToken;

use crate::domain::task::SubmitPolicy;
use crate::engine::Shared;
use crate::error::Result;
pub use error::ApiError;
use limits::RateLimiter;
use pool::Pool;

/// The OpenAPI description served at `/api/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Everything the API needs besides the engine, resolved by the caller (`daemon run`).
#[derive(Clone)]
pub struct ApiConfig {
    pub db_path: PathBuf,
    /// The bearer token every request but `/healthz` and the callback must carry.
    pub token: Option<String>,
    /// The HMAC secret content-creator signs callbacks with; without one only loopback
    /// clients may call back.
    pub webhook_secret: Option<Vec<u8>>,
    /// Submits per second per client address (0 = unlimited), and the burst allowed.
    pub rate_limit: u32,
    pub rate_burst: u32,
    pub policy: SubmitPolicy,
    /// What `/metrics` reports (the same as `monitor metrics`).
    pub metrics: crate::monitor::metrics::MetricsOptions,
}

impl ApiConfig {
    /// Defaults for `db_path` and `policy`: no token, no secret, no rate limit.
    pub fn new(db_path: PathBuf, policy: SubmitPolicy) -> ApiConfig {
        ApiConfig {
            db_path,
            token: None,
            webhook_secret: None,
            rate_limit: 0,
            rate_burst: 0,
            policy,
            metrics: crate::monitor::metrics::MetricsOptions {
                window: std::time::Duration::from_secs(24 * 3600),
                default_generator: crate::engine::TEMPLATE.into(),
                prices: Default::default(),
                lease: std::time::Duration::from_secs(15),
            },
        }
    }
}

/// The state every handler gets: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    token: Option<String>,
    webhook_secret: Option<Vec<u8>>,
    limiter: Option<RateLimiter>,
    policy: SubmitPolicy,
    store: Pool,
    engine: Arc<Shared>,
    db_path: PathBuf,
    metrics: crate::monitor::metrics::MetricsOptions,
}

impl AppState {
    /// Opens the API's store connections. `engine` is the running daemon's shared state
    /// ([`crate::engine::Engine::shared`]): callbacks wake its workers, `/healthz` and
    /// `/metrics` read its loop.
    pub fn new(config: ApiConfig, engine: Arc<Shared>) -> Result<AppState> {
        Ok(AppState {
            inner: Arc::new(Inner {
                store: Pool::open(&config.db_path)?,
                token: config.token.filter(|t| !t.is_empty()),
                webhook_secret: config.webhook_secret.filter(|s| !s.is_empty()),
                limiter: RateLimiter::new(config.rate_limit, config.rate_burst),
                policy: config.policy,
                engine,
                db_path: config.db_path,
                metrics: config.metrics,
            }),
        })
    }
}

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
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(middleware::from_fn(limits::limit_body))
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` is cancelled, then lets requests in flight
/// finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}
