//! Provider rate limits against a limited mock (issue 15, "Benchmarks: Against a limited
//! mock").
//!
//! `cargo bench --bench rates` runs the release binary (`daemon run --until-idle`) on a
//! SQLite store of its own against a mock OpenAI-compatible server that answers after
//! `CONTENTHUB_BENCH_LATENCY_MS` (default 200) with 500 tokens in every reply's `usage`, and
//! enforces `rpm` and `tpm` per minute with a token bucket (capacity = limit, refilled
//! continuously), answering 429 with `Retry-After` beyond them. Three runs of
//! `CONTENTHUB_BENCH_TASKS` (default 1,000) tasks each:
//!
//! 1. `rpm = 600`, `tpm = 600000` on both sides: the request limit binds;
//! 2. the same mock, no limits configured in the profile (the 429 path);
//! 3. `rpm = 600`, `tpm = 150000`: the token limit binds (300 requests a minute).
//!
//! For each: requests per minute admitted by the mock once the initial burst of a full
//! bucket is spent (from the admission that emptied it to the last), ÷ the binding limit;
//! the share of 429s among all requests; and the wall time. `CONTENTHUB_BENCH_PARTS=1,3` picks runs;
//! `CONTENTHUB_BENCH_WINDOW_SECS` (default 60) shortens the window of both sides (limits stay
//! per window) for a quick run; `CONTENTHUB_BENCH_CONCURRENCY` (default 50) is the daemon's
//! `max_concurrent`.

#[path = "support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use tokio_util::sync::CancellationToken;

use support::{args, bench_env, env_usize, run_once};

/// Tokens in every reply's usage.
const USAGE: (u64, u64) = (150, 350);

struct Limiter {
    rpm: f64,
    tpm: f64,
    window: f64,
    level: [f64; 2],
    at: Instant,
    admitted: Vec<Instant>,
    refused: u64,
}

impl Limiter {
    fn admit(&mut self, tokens: f64) -> Result<[u64; 2], f64> {
        let now = Instant::now();
        let dt = now.duration_since(self.at).as_secs_f64();
        self.level[0] = (self.level[0] + self.rpm / self.window * dt).min(self.rpm);
        self.level[1] = (self.level[1] + self.tpm / self.window * dt).min(self.tpm);
        self.at = now;
        let short_r = 1.0 - self.level[0];
        let short_t = tokens - self.level[1];
        if short_r > 0.01 || short_t > 0.01 * tokens {
            self.refused += 1;
            let wait = (short_r.max(0.0) / (self.rpm / self.window))
                .max(short_t.max(0.0) / (self.tpm / self.window));
            return Err(wait.max(0.001));
        }
        self.level[0] -= 1.0;
        self.level[1] -= tokens;
        self.admitted.push(now);
        Ok([self.level[0] as u64, self.level[1] as u64])
    }
}

struct Shared {
    delay: Duration,
    limiter: Mutex<Limiter>,
    reply: String,
}

async fn answer(State(s): State<Arc<Shared>>, _body: axum::body::Bytes) -> Response {
    let admitted = s.limiter.lock().unwrap().admit((USAGE.0 + USAGE.1) as f64);
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    match admitted {
        Err(wait) => {
            h.insert(
                "retry-after",
                HeaderValue::from_str(&format!("{wait:.3}")).unwrap(),
            );
            (
                StatusCode::TOO_MANY_REQUESTS,
                h,
                "{\"error\":{\"message\":\"rate limited\"}}",
            )
                .into_response()
        }
        Ok([r, t]) => {
            let (rpm, tpm) = {
                let l = s.limiter.lock().unwrap();
                (l.rpm as u64, l.tpm as u64)
            };
            for (k, v) in [
                ("x-ratelimit-limit-requests", rpm),
                ("x-ratelimit-limit-tokens", tpm),
                ("x-ratelimit-remaining-requests", r),
                ("x-ratelimit-remaining-tokens", t),
            ] {
                h.insert(k, HeaderValue::from_str(&v.to_string()).unwrap());
            }
            tokio::time::sleep(s.delay).await;
            (StatusCode::OK, h, s.reply.clone()).into_response()
        }
    }
}

struct Mock {
    base_url: String,
    shared: Arc<Shared>,
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Mock {
    fn start(delay: Duration, rpm: u64, tpm: u64, window: f64) -> Mock {
        let reply = serde_json::json!({
            "model": "bench-model",
            "choices": [{"message": {"role": "assistant", "content": "# 限流基准\n\n一段文字。"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": USAGE.0, "completion_tokens": USAGE.1},
        })
        .to_string();
        let shared = Arc::new(Shared {
            delay,
            reply,
            limiter: Mutex::new(Limiter {
                rpm: rpm as f64,
                tpm: tpm as f64,
                window,
                level: [rpm as f64, tpm as f64],
                at: Instant::now(),
                admitted: Vec::new(),
                refused: 0,
            }),
        });
        let stop = CancellationToken::new();
        let (halt, state) = (stop.clone(), shared.clone());
        let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("mock runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind the mock");
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = Router::new()
                    .route("/v1/chat/completions", post(answer))
                    .with_state(state);
                tokio::select! {
                    r = axum::serve(listener, app) => r.expect("serve the mock"),
                    _ = halt.cancelled() => {}
                }
            });
        });
        let addr = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        Mock {
            base_url: format!("http://{addr}/v1"),
            shared,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Run {
    name: &'static str,
    /// The profile's limits; `None` configures none.
    profile: Option<(u64, u64)>,
    /// The mock's.
    mock: (u64, u64),
}

fn main() {
    let tasks = env_usize("CONTENTHUB_BENCH_TASKS", 1_000);
    let latency = Duration::from_millis(env_usize("CONTENTHUB_BENCH_LATENCY_MS", 200) as u64);
    let window = env_usize("CONTENTHUB_BENCH_WINDOW_SECS", 60).max(1) as f64;
    let concurrency = env_usize("CONTENTHUB_BENCH_CONCURRENCY", 50);
    let picked = std::env::var("CONTENTHUB_BENCH_PARTS").unwrap_or_else(|_| "1,2,3".into());
    let runs = [
        Run {
            name: "rpm 600, tpm 600000 (requests bind)",
            profile: Some((600, 600_000)),
            mock: (600, 600_000),
        },
        Run {
            name: "no limits configured (same mock)",
            profile: None,
            mock: (600, 600_000),
        },
        Run {
            name: "rpm 600, tpm 150000 (tokens bind)",
            profile: Some((600, 150_000)),
            mock: (600, 150_000),
        },
    ];
    println!(
        "rates: {tasks} tasks, mock latency {latency:?}, {} tokens a reply, window {window} s, max_concurrent {concurrency}",
        USAGE.0 + USAGE.1
    );
    let bin = Path::new(env!("CARGO_BIN_EXE_contenthub"));
    for (i, run) in runs.iter().enumerate() {
        if !picked.split(',').any(|p| p.trim() == (i + 1).to_string()) {
            continue;
        }
        let dir = tempfile::Builder::new()
            .prefix("contenthub-bench-rates-")
            .tempdir()
            .expect("a temporary directory");
        let db = dir.path().join("store.db");
        let env = bench_env(dir.path(), &db);
        let mock = Mock::start(latency, run.mock.0, run.mock.1, window);
        let limits = match run.profile {
            Some((rpm, tpm)) => {
                format!("rpm = {rpm}\ntpm = {tpm}\nrate_window = \"{window}s\"\n")
            }
            None => String::new(),
        };
        let config_dir = dir.path().join("home/.config/contenthub");
        std::fs::create_dir_all(&config_dir).unwrap();
        std::fs::write(
            config_dir.join("config.toml"),
            format!(
                "[daemon]\nmax_concurrent = {concurrency}\npoll_interval = \"1s\"\n\n\
                 [generators.default]\nkind = \"openai\"\nbase_url = \"{}\"\nmodel = \"bench-model\"\n\
                 timeout = \"30s\"\nmax_tokens = 400\n{limits}",
                mock.base_url
            ),
        )
        .unwrap();
        let ok = |o: &std::process::Output| o.status.success();
        run_once(bin, &env, &args(&["account", "add", "blog"]), ok);
        let lines: String = (0..tasks)
            .map(|i| format!("{{\"account\":\"blog\",\"topic\":\"限流基准 {i}\"}}\n"))
            .collect();
        let file = dir.path().join("tasks.jsonl");
        std::fs::write(&file, lines).unwrap();
        run_once(
            bin,
            &env,
            &args(&[
                "task",
                "submit",
                "-q",
                "--from-file",
                file.to_str().unwrap(),
            ]),
            ok,
        );
        let (took, _) = run_once(bin, &env, &args(&["daemon", "run", "--until-idle"]), ok);
        let (admitted, refused) = {
            let l = mock.shared.limiter.lock().unwrap();
            (l.admitted.clone(), l.refused)
        };
        let total = admitted.len() as u64 + refused;
        // The binding limit per minute.
        let per_request = (USAGE.0 + USAGE.1) as f64;
        let binding = (run.mock.0 as f64).min(run.mock.1 as f64 / per_request) * 60.0 / window;
        // The bucket's capacity in requests: the burst a full bucket admits at once. The
        // sustained rate is measured from the admission that spent it.
        let capacity = (run.mock.0 as f64).min(run.mock.1 as f64 / per_request) as usize;
        let after = admitted.get(capacity.saturating_sub(1)..).unwrap_or(&[]);
        let sustained = if after.len() > 10 {
            let span = after.last().unwrap().duration_since(after[0]).as_secs_f64();
            Some((after.len() - 1) as f64 / span * 60.0)
        } else {
            None
        };
        let overall = admitted.len() as f64
            / admitted
                .last()
                .unwrap()
                .duration_since(admitted[0])
                .as_secs_f64()
                .max(1e-3)
            * 60.0;
        println!("\n{}", run.name);
        println!("  wall time               {:.1} s", took.as_secs_f64());
        println!(
            "  requests                {total} ({} admitted, {refused} answered 429 = {:.2} %)",
            admitted.len(),
            refused as f64 * 100.0 / total as f64
        );
        match sustained {
            Some(s) => println!(
                "  after the burst         {s:.1} requests/min ÷ limit {binding:.0} = {:.3} ({} requests)",
                s / binding,
                after.len()
            ),
            None => println!("  after the burst         (too few requests after it)"),
        }
        println!(
            "  whole run               {overall:.1} requests/min ÷ limit {binding:.0} = {:.3} (the first window's burst included)",
            overall / binding
        );
    }
}
