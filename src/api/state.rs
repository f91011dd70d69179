//! What every handler shares: the API's settings and connections, and the engine's state.

use std::sync::Arc;

use super::limits::RateLimiter;
use super::pool::Pool;
use crate::domain::task::SubmitPolicy;
use crate::engine::Shared;
use crate::error::Result;
use crate::store::Location;

/// Everything the API needs besides the engine, resolved by the caller (`daemon run`).
#[derive(Clone)]
pub struct ApiConfig {
    /// Where the store lives.
    pub location: Location,
    /// The bearer token every request but `/healthz` and the callback must carry.
    pub token: Option<String>,
    /// The HMAC secret content-creator signs callbacks with, or that made the token of their
    /// URL; without one only loopback clients may call back.
    pub webhook_secret: Option<Vec<u8>>,
    /// Submits per second per client address (0 = unlimited), and the burst allowed.
    pub rate_limit: u32,
    pub rate_burst: u32,
    pub policy: SubmitPolicy,
    /// What `/metrics` reports (the same as `monitor metrics`).
    pub metrics: crate::monitor::metrics::MetricsOptions,
    /// Timeouts and the cap of the connections the API serves.
    pub connections: super::conn::Limits,
    /// The alert rules, for the status page's firing alerts (`None`: not shown).
    pub alerts: Option<crate::monitor::alerts::AlertOptions>,
}

impl ApiConfig {
    /// Defaults for `location` and `policy`: no token, no secret, no rate limit.
    pub fn new(location: Location, policy: SubmitPolicy) -> ApiConfig {
        ApiConfig {
            location,
            token: None,
            webhook_secret: None,
            rate_limit: 0,
            rate_burst: 0,
            policy,
            metrics: crate::monitor::metrics::MetricsOptions {
                window: std::time::Duration::from_secs(24 * 3600),
                default_generator: crate::engine::TEMPLATE.into(),
                prices: Default::default(),
                live: crate::monitor::Liveness::new(std::time::Duration::from_secs(15)),
                budgets: Vec::new(),
            },
            connections: Default::default(),
            alerts: None,
        }
    }
}

/// The state every handler gets: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) token: Option<String>,
    pub(super) webhook_secret: Option<Vec<u8>>,
    pub(super) limiter: Option<RateLimiter>,
    pub(super) policy: SubmitPolicy,
    pub(super) store: Pool,
    pub(super) engine: Arc<Shared>,
    pub(super) location: Location,
    pub(super) metrics: crate::monitor::metrics::MetricsOptions,
    pub(super) alerts: Option<crate::monitor::alerts::AlertOptions>,
}

impl AppState {
    /// Opens the API's store connections. `engine` is the running daemon's shared state
    /// ([`crate::engine::Engine::shared`]): callbacks wake its workers, `/healthz` and
    /// `/metrics` read its loop.
    pub fn new(config: ApiConfig, engine: Arc<Shared>) -> Result<AppState> {
        Ok(AppState {
            inner: Arc::new(Inner {
                store: Pool::open(&config.location)?,
                token: config.token.filter(|t| !t.is_empty()),
                webhook_secret: config.webhook_secret.filter(|s| !s.is_empty()),
                limiter: RateLimiter::new(config.rate_limit, config.rate_burst),
                policy: config.policy,
                engine,
                location: config.location,
                metrics: config.metrics,
                alerts: config.alerts,
            }),
        })
    }

    /// The bearer token, when one is configured.
    pub fn token(&self) -> Option<&str> {
        self.inner.token.as_deref()
    }

    /// The API's store connections.
    pub fn pool(&self) -> &Pool {
        &self.inner.store
    }

    /// The generator profile of tasks that name none.
    pub fn default_profile(&self) -> &str {
        &self.inner.metrics.default_generator
    }

    /// What the status pages are computed with.
    pub fn page_options(&self) -> crate::web::pages::PageOptions {
        crate::web::pages::PageOptions {
            location: self.inner.location.clone(),
            metrics: self.inner.metrics.clone(),
            alerts: self.inner.alerts.clone(),
        }
    }
}
