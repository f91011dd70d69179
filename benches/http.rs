//! HTTP submit throughput and latency of the daemon's API (issue 4, "Measure").
//!
//! `cargo bench --bench http` starts the daemon (`daemon::run`) with its API in this process on
//! 127.0.0.1:0 against a fresh store, with the rate limit off, and sends
//! `CONTENTHUB_BENCH_HTTP_REQUESTS` (default 5,000) `POST /api/v1/content/generate/async`
//! requests from `CONTENTHUB_BENCH_HTTP_CLIENTS` (16) concurrent clients, each a loop over
//! one keep-alive connection, after 200 warm-up requests. It prints requests/s and the
//! p50/p90/p99/max latency of a request (send → full reply), twice:
//!
//! 1. **daemon**: the dispatcher runs too, generating every task with the built-in template
//!    generator (max_concurrent 5) while the submits arrive — what a live daemon sees;
//! 2. **api only**: the daemon serves the API but runs no engine (`work: false`), so only the
//!    submits write.
//!
//! Next to them it prints the raw SQLite commit rate of the same file system (one small row
//! per `BEGIN IMMEDIATE` transaction, `synchronous = FULL`), because every acknowledged submit
//! is one such commit: that rate is the ceiling.
//!
//! `CONTENTHUB_BENCH_KEEP=1` keeps the temporary directory.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use contenthub::api::ApiConfig;
use contenthub::daemon;
use contenthub::domain::task::Keywords;
use contenthub::domain::task::SubmitPolicy;
use contenthub::domain::{NewAccount, SubmitRequest};
use contenthub::engine::Options;
use contenthub::service;
use contenthub::store::{accounts, plans, Store};
use serde_json::json;
use tokio_util::sync::CancellationToken;

const WARMUP: usize = 200;

struct Config {
    requests: usize,
    clients: usize,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn main() {
    let cfg = Config {
        requests: env_usize("CONTENTHUB_BENCH_HTTP_REQUESTS", 5_000),
        clients: env_usize("CONTENTHUB_BENCH_HTTP_CLIENTS", 16),
    };
    let dir = tempfile::Builder::new()
        .prefix("contenthub-http-")
        .tempdir()
        .expect("create a temporary directory");
    let root = dir.path().to_path_buf();
    println!(
        "contenthub HTTP submit benchmark: {} CPUs, {} requests from {} clients, stores under {} ({})",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        cfg.requests,
        cfg.clients,
        root.display(),
        fs_type(&root)
    );
    let commits = commit_rate(&root, 2.0);
    println!("SQLite commit rate (one row per transaction): {commits:.0}/s");
    let direct = library_rate(&root.join("library"), 2.0);
    println!(
        "service::submit in a loop, no HTTP (one thread): {direct:.0}/s ({:.2} × the commit rate)",
        direct / commits
    );
    println!();
    for (label, run_engine) in [("daemon", true), ("api only", false)] {
        let r = run(&cfg, &root.join(label.replace(' ', "-")), run_engine);
        println!(
            "{label:>9}: {:>6.0} requests/s ({:.2} × the commit rate, {:.2} × service::submit)  latency p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  errors {}  tasks completed meanwhile {}",
            r.rate,
            r.rate / commits,
            r.rate / direct,
            ms(r.p50),
            ms(r.p90),
            ms(r.p99),
            ms(r.max),
            r.errors,
            r.completed
        );
    }
    if std::env::var("CONTENTHUB_BENCH_KEEP").is_ok_and(|v| v == "1") {
        println!("kept {}", dir.keep().display());
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Outcome {
    rate: f64,
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    errors: usize,
    completed: i64,
}

fn policy() -> SubmitPolicy {
    SubmitPolicy {
        default_priority: 5,
        default_timeout: Duration::from_secs(1800),
        default_max_retries: 3,
        generators: Vec::new(),
        profile_timeouts: Vec::new(),
    }
}

/// A fresh store with the account `bench`.
fn fresh_store(db: &Path) -> Store {
    let mut store = Store::open(db).expect("open the store");
    store
        .write(|tx| {
            accounts::insert(
                tx,
                &NewAccount {
                    name: "bench".into(),
                    display_name: None,
                    platform: "blog".into(),
                    language: "zh-CN".into(),
                    tone: None,
                    category: None,
                    persona: None,
                    min_words: None,
                    max_words: None,
                    forbidden_words: Vec::new(),
                    review: contenthub::domain::account::ReviewMode::Auto,
                    review_rules: Default::default(),
                },
            )
        })
        .expect("add the account");
    store
}

/// `service::submit` calls per second, one after another on one connection: the work behind
/// each HTTP submit, without HTTP.
fn library_rate(dir: &Path, secs: f64) -> f64 {
    let mut store = fresh_store(&dir.join("contenthub.db"));
    let policy = policy();
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed().as_secs_f64() < secs {
        let req = SubmitRequest {
            account: Some("bench".into()),
            topic: Some(format!("HTTP 基准 direct {n}")),
            keywords: Some(Keywords::List(vec!["bench".into(), "http".into()])),
            priority: Some(1 + (n % 10) as i64),
            ..SubmitRequest::default()
        };
        service::submit(&mut store, req, &policy).expect("submit");
        n += 1;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

fn run(cfg: &Config, dir: &Path, run_engine: bool) -> Outcome {
    let db = dir.join("contenthub.db");
    drop(fresh_store(&db));
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let mut opts = Options::new(&contenthub::store::Location::File(db.clone()));
    opts.grace = Duration::from_secs(5);
    let stop = CancellationToken::new();
    let config = daemon::Config {
        engine: opts,
        api: Some(daemon::ApiServe {
            listener,
            config: ApiConfig::new(contenthub::store::Location::File(db.clone()), policy()),
        }),
        work: run_engine,
    };
    let server = server_rt.spawn(daemon::run(config, stop.clone()));

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a client runtime");
    let (elapsed, mut latencies, errors) = client_rt.block_on(load(&base, cfg));
    stop.cancel();
    server_rt.block_on(async {
        let _ = server.await;
    });
    let conn = rusqlite::Connection::open(&db).expect("open the store");
    let tasks: i64 = conn
        .query_row("SELECT count(*) FROM tasks", [], |r| r.get(0))
        .expect("count");
    assert_eq!(
        tasks as usize,
        cfg.requests + WARMUP - errors,
        "every acknowledged submit is stored"
    );
    let completed: i64 = conn
        .query_row(
            "SELECT count(*) FROM tasks WHERE status = 'completed'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    latencies.sort();
    let at = |q: f64| {
        latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    Outcome {
        rate: cfg.requests as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: *latencies.last().expect("latencies"),
        errors,
        completed,
    }
}

/// Sends the warm-up, then the measured requests; returns (wall time, latencies, errors).
async fn load(base: &str, cfg: &Config) -> (Duration, Vec<Duration>, usize) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(cfg.clients)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let url = format!("{base}/api/v1/content/generate/async");
    let (_, _, warm_errors) = burst(&client, &url, WARMUP, cfg.clients, "warm").await;
    let started = Instant::now();
    let (_, latencies, errors) = burst(&client, &url, cfg.requests, cfg.clients, "bench").await;
    (started.elapsed(), latencies, errors + warm_errors)
}

async fn burst(
    client: &reqwest::Client,
    url: &str,
    total: usize,
    clients: usize,
    tag: &'static str,
) -> (Duration, Vec<Duration>, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..clients {
        let (client, url, next) = (client.clone(), url.to_string(), next.clone());
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let body = json!({
                    "account_id": "bench",
                    "topic": format!("HTTP 基准 {tag} {i}"),
                    "keywords": ["bench", "http"],
                    "priority": 1 + (i % 10) as i64,
                });
                let t = Instant::now();
                let ok = match client.post(&url).json(&body).send().await {
                    Ok(r) => {
                        let good = r.status().as_u16() == 202;
                        let _ = r.bytes().await;
                        good
                    }
                    Err(_) => false,
                };
                lat.push(t.elapsed());
                if !ok {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::with_capacity(total);
    let mut errors = 0;
    for h in handles {
        let (lat, e) = h.await.expect("a client task");
        all.extend(lat);
        errors += e;
    }
    (started.elapsed(), all, errors)
}

/// Small single-row commits per second on the file system of `root`: each inserts one `meta`
/// pair (`plans::set_meta`) in its own `BEGIN IMMEDIATE` transaction.
fn commit_rate(root: &Path, secs: f64) -> f64 {
    let path = root.join("commit-rate").join("contenthub.db");
    let mut store = Store::open(&path).expect("open the commit-rate store");
    let started = Instant::now();
    let mut n = 0i64;
    while started.elapsed().as_secs_f64() < secs {
        store
            .write(|tx| plans::set_meta(tx, &format!("bench_commit {n}"), "one small row"))
            .expect("commit");
        n += 1;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

fn fs_type(path: &Path) -> String {
    std::process::Command::new("stat")
        .args(["-f", "-c", "%T"])
        .arg(path)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown file system".into())
}
