//! Provider rate limits end to end: the real daemon (one, or two on one store) against a mock
//! OpenAI-compatible service that enforces `rpm`/`tpm` with the same rolling rule (a token
//! bucket of capacity `limit` refilled at `limit / window`), answers 429 with `Retry-After`
//! beyond them, and reports `usage` and `x-ratelimit-*` headers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::daemon::submit_many;
use crate::mock::{Server, Traffic};
use crate::support::{wait_until, Env};

/// The tokens every reply reports: 100 prompt, 400 completion.
const USAGE: (u64, u64) = (100, 400);
/// The mock's latency.
const LATENCY: Duration = Duration::from_millis(50);

/// What the mock's rate-limit headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Headers {
    /// The limits and remaining counts in force.
    Sane,
    /// Negative, unparsable and zero values.
    Nonsense,
}

struct Limiter {
    rpm: f64,
    tpm: f64,
    window: Duration,
    level: [f64; 2],
    at: Instant,
    headers: Headers,
    /// After this many admitted requests, the request limit drops to `lower.1`.
    lower: Option<(usize, f64)>,
    admitted: Vec<Instant>,
    refused: usize,
}

impl Limiter {
    fn refill(&mut self, now: Instant) {
        let dt = now.duration_since(self.at).as_secs_f64();
        let w = self.window.as_secs_f64();
        self.level[0] = (self.level[0] + self.rpm / w * dt).min(self.rpm);
        self.level[1] = (self.level[1] + self.tpm / w * dt).min(self.tpm);
        self.at = now;
    }

    /// Admits a request of `tokens` now, or says how long until it would fit.
    fn admit(&mut self, tokens: f64) -> Result<(), Duration> {
        let now = Instant::now();
        self.refill(now);
        if let Some((after, lower)) = self.lower {
            if self.admitted.len() >= after && self.rpm > lower {
                self.rpm = lower;
                self.level[0] = self.level[0].min(lower);
            }
        }
        // The same rule as the daemon's, with the rounding slack of a float clock.
        let slack = 0.01;
        let w = self.window.as_secs_f64();
        let short_r = 1.0 - self.level[0];
        let short_t = tokens - self.level[1];
        if short_r > slack || short_t > slack * tokens {
            self.refused += 1;
            let wait = (short_r.max(0.0) / (self.rpm / w)).max(short_t.max(0.0) / (self.tpm / w));
            return Err(Duration::from_secs_f64(wait.max(0.001)));
        }
        self.level[0] -= 1.0;
        self.level[1] -= tokens;
        self.admitted.push(now);
        Ok(())
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        match self.headers {
            Headers::Sane => vec![
                ("x-ratelimit-limit-requests", format!("{}", self.rpm as u64)),
                ("x-ratelimit-limit-tokens", format!("{}", self.tpm as u64)),
                (
                    "x-ratelimit-remaining-requests",
                    format!("{}", self.level[0].max(0.0).floor() as u64),
                ),
                (
                    "x-ratelimit-remaining-tokens",
                    format!("{}", self.level[1].max(0.0).floor() as u64),
                ),
                ("x-ratelimit-reset-requests", "1s".into()),
                ("x-ratelimit-reset-tokens", "6m0s".into()),
            ],
            Headers::Nonsense => vec![
                ("x-ratelimit-limit-requests", "-3".into()),
                ("x-ratelimit-limit-tokens", "0".into()),
                ("x-ratelimit-remaining-requests", "plenty".into()),
                ("x-ratelimit-remaining-tokens", "-1".into()),
                ("x-ratelimit-reset-requests", "soon".into()),
                ("x-ratelimit-reset-tokens", "-5s".into()),
            ],
        }
    }
}

/// A limited OpenAI-compatible mock.
struct Limited {
    server: Server,
    state: Arc<Mutex<Limiter>>,
}

async fn complete(State(state): State<Arc<Mutex<Limiter>>>, Json(_body): Json<Value>) -> Response {
    let total = (USAGE.0 + USAGE.1) as f64;
    let (admitted, headers) = {
        let mut l = state.lock().unwrap();
        let admitted = l.admit(total);
        (admitted, l.headers())
    };
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.insert(
            HeaderName::from_static(k),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    match admitted {
        Err(wait) => {
            map.insert(
                "retry-after",
                HeaderValue::from_str(&format!("{:.3}", wait.as_secs_f64())).unwrap(),
            );
            let body = json!({"error": {"message": "Rate limit reached", "type": "requests"}});
            (StatusCode::TOO_MANY_REQUESTS, map, Json(body)).into_response()
        }
        Ok(()) => {
            tokio::time::sleep(LATENCY).await;
            let body = json!({
                "model": "m",
                "choices": [{"message": {"content": "# Limited\n\nA paragraph of text."}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": USAGE.0, "completion_tokens": USAGE.1},
            });
            (StatusCode::OK, map, Json(body)).into_response()
        }
    }
}

impl Limited {
    fn start(rpm: u64, tpm: u64, window: Duration, headers: Headers) -> Limited {
        let state = Arc::new(Mutex::new(Limiter {
            rpm: rpm as f64,
            tpm: tpm as f64,
            window,
            level: [rpm as f64, tpm as f64],
            at: Instant::now(),
            headers,
            lower: None,
            admitted: Vec::new(),
            refused: 0,
        }));
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(state.clone());
        Limited {
            server: Server::start(app, Arc::new(Traffic::default())),
            state,
        }
    }

    /// (admitted request times, refused count).
    fn seen(&self) -> (Vec<Instant>, usize) {
        let l = self.state.lock().unwrap();
        (l.admitted.clone(), l.refused)
    }
}

fn config(env: &Env, url: &str, rpm: u64, tpm: u64, window: &str) {
    env.config(&format!(
        "[daemon]\npoll_interval = \"100ms\"\nlease = \"5s\"\nretry_delays = [\"100ms\"]\n\n\
         [generators.default]\nkind = \"openai\"\nbase_url = \"{url}/v1\"\nmodel = \"m\"\n\
         timeout = \"10s\"\nmax_tokens = 400\nrpm = {rpm}\ntpm = {tpm}\nrate_window = \"{window}\"\n"
    ));
}

fn submit(env: &Env, n: usize) -> Vec<String> {
    env.account("blog");
    let rows: Vec<Value> = (0..n)
        .map(|i| json!({"account": "blog", "topic": format!("Limited {i}")}))
        .collect();
    submit_many(env, &rows)
}

/// Runs `daemons` daemons with `--until-idle` (more than one with `--allow-multiple`) until
/// every task is done, at most `limit`.
fn drain(env: &Env, daemons: usize, limit: Duration) {
    let mut args = vec!["daemon", "run", "--until-idle"];
    if daemons > 1 {
        args.push("--allow-multiple");
    }
    let mut children: Vec<_> = (0..daemons).map(|_| env.spawn(&args, &[])).collect();
    for c in &mut children {
        let st = c.wait_for(limit);
        assert!(
            st.is_some_and(|s| s.success()),
            "a daemon did not finish in {limit:?}: {:?}\n{}",
            st,
            c.log()
        );
    }
    let done = env.count("SELECT count(*) FROM tasks WHERE status = 'completed'");
    let all = env.count("SELECT count(*) FROM tasks");
    assert_eq!(done, all, "every task completes");
}

/// Requests per second admitted after the first window (the burst of a full bucket spent).
fn sustained(admitted: &[Instant], window: Duration) -> f64 {
    let start = admitted[0] + window;
    let after: Vec<&Instant> = admitted.iter().filter(|t| **t >= start).collect();
    assert!(after.len() > 10, "too few requests after the first window");
    let span = after.last().unwrap().duration_since(start).as_secs_f64();
    (after.len() - 1) as f64 / span
}

/// Checks that at most 1 % of requests were refused and that the sustained rate is at least
/// 0.9 of `per_second`.
fn check_rate(mock: &Limited, window: Duration, per_second: f64) {
    let (admitted, refused) = mock.seen();
    let total = admitted.len() + refused;
    assert!(
        refused as f64 <= 0.01 * total as f64,
        "{refused} of {total} requests answered 429"
    );
    let rate = sustained(&admitted, window);
    assert!(
        rate >= 0.9 * per_second,
        "sustained {rate:.2}/s against a limit of {per_second:.2}/s"
    );
}

/// rpm 20 per 5 s (4 a second), 100 tasks: the burst of 20, then 80 at the limit (20 s,
/// three full windows and more).
#[test]
pub(crate) fn a_daemon_keeps_to_the_providers_rpm() {
    let window = Duration::from_secs(5);
    let mock = Limited::start(20, 1_000_000, window, Headers::Sane);
    let env = Env::new();
    config(&env, mock.server.url(), 20, 1_000_000, "5s");
    submit(&env, 100);
    drain(&env, 1, Duration::from_secs(40));
    check_rate(&mock, window, 4.0);
}

/// The same limit shared by two daemons on one store.
#[test]
pub(crate) fn two_daemons_keep_to_one_rpm_together() {
    let window = Duration::from_secs(5);
    let mock = Limited::start(20, 1_000_000, window, Headers::Sane);
    let env = Env::new();
    config(&env, mock.server.url(), 20, 1_000_000, "5s");
    submit(&env, 100);
    drain(&env, 2, Duration::from_secs(40));
    check_rate(&mock, window, 4.0);
    let claimers = env
        .count("SELECT count(DISTINCT message) FROM task_events WHERE message LIKE 'claimed by %'");
    assert_eq!(claimers, 2, "both daemons should have taken work");
}

/// tpm binds: 10,000 tokens per 5 s and 500 a request is 20 requests per window, with rpm
/// far above it.
#[test]
pub(crate) fn a_daemon_keeps_to_the_providers_tpm() {
    let window = Duration::from_secs(5);
    // The daemon reserves the prompt's estimate plus max_tokens (400) and settles to the
    // 500 reported; the mock counts 500 at admission.
    let mock = Limited::start(1_000, 10_000, window, Headers::Sane);
    let env = Env::new();
    config(&env, mock.server.url(), 1_000, 10_000, "5s");
    submit(&env, 70);
    drain(&env, 1, Duration::from_secs(40));
    let (admitted, refused) = mock.seen();
    let total = admitted.len() + refused;
    assert!(
        refused as f64 <= 0.01 * total as f64,
        "{refused} of {total} requests answered 429"
    );
    // Reservations are larger than the usage until settled: allow for the ones in flight.
    let rate = sustained(&admitted, window);
    assert!(rate >= 0.8 * 4.0, "sustained {rate:.2}/s against 4/s");
}

/// The provider lowers its limit mid-run and says so in its headers: the daemon follows
/// (a refusal or two while the news travels), then keeps to the lower limit.
#[test]
pub(crate) fn headers_that_lower_the_limit_are_followed() {
    let window = Duration::from_secs(5);
    let mock = Limited::start(20, 1_000_000, window, Headers::Sane);
    mock.state.lock().unwrap().lower = Some((30, 10.0));
    let env = Env::new();
    config(&env, mock.server.url(), 20, 1_000_000, "5s");
    submit(&env, 60);
    drain(&env, 1, Duration::from_secs(40));
    let (admitted, refused) = mock.seen();
    assert!(refused <= 3, "{refused} requests answered 429");
    // After the switch (the 30th request) and one window: 2 a second.
    let after = &admitted[30..];
    let rate = sustained(after, window);
    assert!(
        (1.8..=2.3).contains(&rate),
        "{rate:.2}/s after the limit fell to 2/s"
    );
    let m: Value = env.json(&["monitor", "metrics"]);
    let rates = &m["rate_limits"][0];
    assert_eq!(rates["profile"], "default", "{m}");
    assert_eq!(rates["requests_limit"], 10, "{rates}");
}

/// Nonsense headers change nothing. Without remaining counts to correct it, the daemon's
/// bucket can run ahead of the provider's by what refilled while its first requests were on
/// the way (the provider's bucket, full, gains nothing then): a 429 at most, within the 1 %
/// of 100 requests.
#[test]
pub(crate) fn nonsense_headers_are_ignored() {
    let window = Duration::from_secs(5);
    let mock = Limited::start(20, 1_000_000, window, Headers::Nonsense);
    let env = Env::new();
    config(&env, mock.server.url(), 20, 1_000_000, "5s");
    submit(&env, 100);
    drain(&env, 1, Duration::from_secs(40));
    check_rate(&mock, window, 4.0);
    let m: Value = env.json(&["monitor", "metrics"]);
    assert_eq!(m["rate_limits"][0]["requests_limit"], 20, "{m}");
}

/// `task show` says why a due task waits, and `monitor metrics` counts it.
#[test]
pub(crate) fn task_show_gives_the_wait_reason() {
    let window = Duration::from_secs(60);
    let mock = Limited::start(2, 1_000_000, window, Headers::Sane);
    let env = Env::new();
    config(&env, mock.server.url(), 2, 1_000_000, "60s");
    let ids = submit(&env, 4);
    let mut daemon = env.spawn(&["daemon", "run", "--listen", "127.0.0.1:0"], &[]);
    let addr = daemon.listening(Duration::from_secs(20));
    wait_until("two tasks complete", Duration::from_secs(20), || {
        env.count("SELECT count(*) FROM tasks WHERE status = 'completed'") == 2
    });
    let id = ids[2].clone();
    let mut reason = Value::Null;
    wait_until("the wait is recorded", Duration::from_secs(10), || {
        let t: Value = env.json(&["task", "show", &id]);
        reason = t["waiting"].clone();
        reason.is_string()
    });
    let text = reason.as_str().unwrap();
    assert!(
        text.starts_with("waiting for rpm on profile default, ~") && text.ends_with(" s"),
        "{text}"
    );
    let table = env.ok(["task", "show", &id]);
    assert!(
        table.contains("waiting for rpm on profile default"),
        "{table}"
    );
    // The API's task view says the same.
    let api: Value = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap()
                .get(format!("http://{addr}/api/v1/content/tasks/{id}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
    let via_api = api["waiting"].as_str().unwrap_or_else(|| panic!("{api}"));
    assert!(
        via_api.starts_with("waiting for rpm on profile default, ~"),
        "{api}"
    );
    let m: Value = env.json(&["monitor", "metrics"]);
    let r = &m["rate_limits"][0];
    assert_eq!(r["waiting_for"], "rpm", "{m}");
    assert_eq!(r["waiting_tasks"], 2, "{m}");
    assert_eq!(r["requests_used"], 2, "{m}");
    let prom = env.ok(["monitor", "metrics", "--format", "prometheus"]);
    assert!(
        prom.contains("contenthub_rate_waiting_tasks{generator=\"default\"} 2"),
        "{prom}"
    );
    daemon.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(daemon.wait_for(Duration::from_secs(10)).is_some());
    assert_eq!(mock.seen().1, 0);
}
