//! The daemon as one library function: [`run`] takes resolved settings ([`Config`]) and a
//! shutdown signal and runs everything — the engine (dispatcher, workers, result writer,
//! leases, scheduler tick, alert passes, outbox sender) and, when asked, the HTTP API — until
//! the signal or, with `until_idle`, until the queue is drained.
//!
//! `daemon run` builds the [`Config`] from the settings and its flags with
//! [`Config::from_settings`] and adds what belongs to a process: the store lock, logging,
//! signal handling and the runtime. Tests and benchmarks build a [`Config`] and call [`run`]
//! (or [`Daemon::new`] when they need the running daemon's [`Shared`] state) the same way.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::api::{self, ApiConfig, AppState};
use crate::config::Settings;
use crate::engine::{self, Engine, Shared, Summary};
use crate::error::{Error, Result};
use crate::monitor::alerts::AlertOptions;
use crate::monitor::metrics::MetricsOptions;

/// Everything the daemon runs with, resolved and checked.
pub struct Config {
    pub engine: engine::Options,
    /// The HTTP API to serve, on a listener bound beforehand (so a taken port fails the
    /// start, not a later request).
    pub api: Option<ApiServe>,
    /// Run the engine. `false` serves the API over the store and nothing else: no task is
    /// claimed, no event sent (for measuring or testing the API on its own).
    pub work: bool,
}

/// The API half of a [`Config`].
pub struct ApiServe {
    pub listener: std::net::TcpListener,
    pub config: ApiConfig,
}

impl ApiServe {
    /// Binds `addr` now, with a queue of 1,024 connections not yet accepted (the standard
    /// library's 128 overflows in a burst of new connections, and the clients it turns away
    /// wait a second or more before they try again).
    pub fn bind(addr: SocketAddr, config: ApiConfig) -> Result<ApiServe> {
        use nix::sys::socket::{listen, Backlog};
        let listener = std::net::TcpListener::bind(addr)
            .and_then(|l| {
                // Listening again on a listening socket only changes its queue's length.
                let backlog = Backlog::new(1024).unwrap_or(Backlog::MAXCONN);
                listen(&l, backlog).map_err(std::io::Error::from)?;
                l.set_nonblocking(true).map(|_| l)
            })
            .map_err(|e| Error::io(format!("cannot listen on {addr}"), e))?;
        Ok(ApiServe { listener, config })
    }
}

/// What `daemon run` asks for on its command line.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub until_idle: bool,
    /// Overrides `[daemon] max_concurrent`.
    pub max_concurrent: Option<u32>,
    pub grace: Duration,
    /// Leave scheduled plans to `scheduler run`.
    pub no_scheduler: bool,
    /// Overrides `[api] listen`.
    pub listen: Option<String>,
    /// This process holds the store's daemon lock, so leases held by others are dead.
    pub exclusive: bool,
    /// See [`engine::Options::sole_on_host`].
    pub sole_on_host: bool,
    /// See [`engine::Options::store_max_pages`].
    pub store_max_pages: Option<u64>,
}

impl Config {
    /// A daemon that runs the engine with `engine` and serves no API.
    pub fn new(engine: engine::Options) -> Config {
        Config {
            engine,
            api: None,
            work: true,
        }
    }

    /// Resolves the daemon's configuration from the settings and the command line. A value
    /// that does not parse, a configured secret whose variable is unset, or a non-loopback
    /// address without a token is a usage error, reported before anything starts. Binds the
    /// API's address when there is one.
    pub fn from_settings(s: &Settings, flags: &Flags) -> Result<Config> {
        let mut engine = engine_options(s, flags)?;
        let api = match api_address(s, flags)? {
            Some(addr) => {
                let config = api_config(s, addr)?;
                // The receiver checks the callback URL's token with the secret it was made with.
                engine.callback_secret = config.webhook_secret.clone();
                Some(ApiServe::bind(addr, config)?)
            }
            None => None,
        };
        Ok(Config {
            engine,
            api,
            work: true,
        })
    }

    /// Checks what [`Config::from_settings`] checks, without binding anything (for `daemon
    /// start`, which checks before it forks).
    pub fn check(s: &Settings, flags: &Flags) -> Result<()> {
        engine_options(s, flags)?;
        if let Some(addr) = api_address(s, flags)? {
            api_config(s, addr)?;
        }
        Ok(())
    }
}

fn engine_options(s: &Settings, flags: &Flags) -> Result<engine::Options> {
    let max_concurrent = match flags.max_concurrent {
        Some(0) => return Err(Error::invalid("max-concurrent", "must be at least 1")),
        Some(n) => n,
        None => s.daemon.max_concurrent.value,
    };
    let lease = s.daemon.lease.value;
    let mut opts = engine::Options::new(&s.db.value);
    opts.max_concurrent = max_concurrent as usize;
    opts.lease = lease;
    opts.poll_interval = s.daemon.poll_interval.value;
    opts.retry_delays = s.daemon.retry_delays.value.clone();
    opts.reap_interval = (lease / 3).clamp(Duration::from_millis(100), Duration::from_secs(2));
    opts.grace = flags.grace;
    opts.until_idle = flags.until_idle;
    opts.exclusive = flags.exclusive;
    opts.sole_on_host = flags.sole_on_host;
    opts.store_max_pages = flags.store_max_pages;
    opts.generators = s.generators.clone();
    opts.budgets = budget_plan(s);
    opts.review = s.review.clone();
    // A test knob: moves the budgets' clock, so a test reaches the next period without
    // waiting for it.
    opts.budgets.clock_shift_ms = std::env::var("CONTENTHUB_TEST_BUDGET_CLOCK_SHIFT_MS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    opts.env = Arc::new(|k| std::env::var(k).ok());
    opts.notify = (&s.notify).into();
    // Configured signing without its secret would send unsigned events that receivers
    // reject; refuse to start instead.
    secret_from_env("notify.secret_env", s.notify.secret_env.as_deref())?;
    opts.scheduler = (!flags.no_scheduler).then(|| s.submit_policy());
    opts.public_url = s.webhook.public_url.clone();
    // A daemon that drains the queue and exits is not the one to watch the pipeline.
    if !flags.until_idle {
        opts.alerts = Some((alert_options(s), s.monitor.alert_interval.value));
    }
    Ok(opts)
}

/// Reads a secret from the environment variable named by `key` in the config, if any. A
/// name whose variable is unset is an error: silently running without the secret the
/// operator configured would be worse.
fn secret_from_env(key: &str, name: Option<&str>) -> Result<Option<String>> {
    let Some(name) = name else { return Ok(None) };
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(Some(v.trim().to_string())),
        _ => Err(Error::Usage(format!(
            "{key} names the environment variable {name}, which is not set; set it or remove {key} from the config"
        ))),
    }
}

/// The address to serve the API on, when `--listen` or `[api] listen` asks for one.
fn api_address(s: &Settings, flags: &Flags) -> Result<Option<SocketAddr>> {
    let listen = match (&flags.listen, &s.api.listen) {
        (Some(flag), _) => flag.trim().to_string(),
        (None, Some(file)) => file.value.trim().to_string(),
        (None, None) => return Ok(None),
    };
    listen.parse().map(Some).map_err(|_| {
        Error::invalid(
            "listen",
            format!("'{listen}' is not an address like 127.0.0.1:18010"),
        )
    })
}

fn api_config(s: &Settings, addr: SocketAddr) -> Result<ApiConfig> {
    let token = secret_from_env("api.token_env", s.api.token_env.as_deref())?;
    if token.is_none() && !api::auth::is_loopback(addr.ip()) {
        return Err(Error::Usage(format!(
            "refusing to serve the API on {addr} without a token: anyone who can reach it could queue work. \
             Set [api] token_env to the name of an environment variable holding a bearer token, \
             or listen on 127.0.0.1"
        )));
    }
    let secret = secret_from_env("webhook.secret_env", s.webhook.secret_env.as_deref())?;
    let mut config = ApiConfig::new(s.db.value.clone(), s.submit_policy());
    config.token = token;
    config.webhook_secret = secret.map(String::into_bytes);
    config.rate_limit = s.api.rate_limit.value;
    config.rate_burst = s.api.rate_burst.value;
    config.metrics = metrics_options(s, Duration::from_secs(24 * 3600));
    config.alerts = Some(alert_options(s));
    config.connections = api::conn::Limits {
        header_timeout: s.api.header_timeout.value,
        idle_timeout: s.api.idle_timeout.value,
        max_connections: s.api.max_connections.value,
    };
    Ok(config)
}

/// The alert rules and channels as configured, for the daemon's passes and `monitor alerts`.
pub fn alert_options(s: &Settings) -> AlertOptions {
    let m = &s.monitor;
    AlertOptions {
        rules: m.alerts.clone(),
        channels: s.notify.channels.clone(),
        min_finished: u64::from(m.min_finished.value),
        live: s.liveness(),
        renotify: m.renotify,
        host: crate::generator::process::host_name(),
        budgets: s.monitor.budgets.clone(),
    }
}

/// The budgets as the claim reserves against them: each profile's model, its rate
/// (`[prices]` of its model times its `price_factor`) and its `max_tokens`.
pub fn budget_plan(s: &Settings) -> crate::domain::budget::Plan {
    use crate::domain::budget::{Plan, ProfileCost, Rate};
    let mut plan = Plan {
        budgets: s.monitor.budgets.clone(),
        ..Plan::default()
    };
    for (name, p) in &s.generators {
        let rate = p
            .model
            .as_ref()
            .and_then(|m| s.monitor.prices.get(m))
            .map(|price| Rate::of(price, p.price_factor()));
        plan.profiles.insert(
            name.clone(),
            ProfileCost {
                model: p.model.clone(),
                rate,
                max_tokens: p.max_tokens,
            },
        );
    }
    plan
}

/// What metrics are computed with, for `/metrics`, `monitor metrics` and `monitor watch`.
pub fn metrics_options(s: &Settings, window: Duration) -> MetricsOptions {
    MetricsOptions {
        window,
        default_generator: engine::default_profile(&s.generators).to_string(),
        prices: s.monitor.prices.clone(),
        live: s.liveness(),
        budgets: s.monitor.budgets.clone(),
    }
}

/// A daemon that has opened its store, built its generators and prepared its API, ready to
/// [`Daemon::run`].
pub struct Daemon {
    engine: Engine,
    api: Option<(std::net::TcpListener, AppState, api::conn::Limits)>,
    work: bool,
}

impl Daemon {
    /// Must be called inside a tokio runtime.
    pub async fn new(config: Config) -> Result<Daemon> {
        if config.engine.public_url.is_some() && config.api.is_none() {
            tracing::warn!("[webhook] public_url is set but this daemon serves no API (--listen): callbacks to it will fail; polling still works");
        }
        let engine = Engine::new(config.engine).await?;
        let api = match config.api {
            Some(serve) => {
                let limits = serve.config.connections;
                // Opening the API's first store connection blocks.
                let (config, shared) = (serve.config, engine.shared());
                let state = tokio::task::spawn_blocking(move || AppState::new(config, shared))
                    .await
                    .map_err(|e| Error::Store(format!("opening the API's store failed: {e}")))??;
                Some((serve.listener, state, limits))
            }
            None => None,
        };
        Ok(Daemon {
            engine,
            api,
            work: config.work,
        })
    }

    /// The state the engine shares with its workers and the API.
    pub fn shared(&self) -> Arc<Shared> {
        self.engine.shared()
    }

    /// Runs until `shutdown` is cancelled (or, with `until_idle`, until nothing is left to
    /// do); the API stops with the engine. Leaves nothing claimed behind.
    pub async fn run(self, shutdown: CancellationToken) -> Result<Summary> {
        let stop = shutdown.child_token();
        let server = match self.api {
            Some((listener, state, limits)) => {
                let listener = tokio::net::TcpListener::from_std(listener)
                    .map_err(|e| Error::io("cannot serve the API", e))?;
                let bound = listener
                    .local_addr()
                    .map_err(|e| Error::io("cannot serve the API", e))?;
                tracing::info!("listening on {bound}");
                let stop = stop.clone();
                Some(tokio::spawn(async move {
                    if let Err(e) = api::serve(listener, state, limits, stop).await {
                        tracing::error!(error = %e, "the API server failed");
                    }
                }))
            }
            None => None,
        };
        let summary = if self.work {
            self.engine.run(stop.clone()).await
        } else {
            stop.cancelled().await;
            Ok(Summary::default())
        };
        // The engine is done (shut down, drained with --until-idle, or failed): so is the API.
        stop.cancel();
        if let Some(server) = server {
            if tokio::time::timeout(Duration::from_secs(5), server)
                .await
                .is_err()
            {
                tracing::warn!("the API server did not finish its requests within 5 s");
            }
        }
        summary
    }
}

/// Runs the daemon described by `config` until `shutdown` is cancelled (or, with
/// `until_idle`, until nothing is left to do). Leaves nothing claimed behind.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<Summary> {
    Daemon::new(config).await?.run(shutdown).await
}
