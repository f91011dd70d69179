//! Whole-pipeline benchmarks (DESIGN §7; issue 3, "Measure").
//!
//! `cargo bench --bench pipeline` measures, each with its goal and PASS or MISS:
//!
//! 1. **Efficiency** = ideal / actual for `CONTENTHUB_BENCH_EFFICIENCY_TASKS` (default 2,000)
//!    tasks against a local mock OpenAI-compatible server that answers every request after
//!    `CONTENTHUB_BENCH_LATENCY_MS` (200 ms), with `max_concurrent` 100
//!    (`CONTENTHUB_BENCH_CONCURRENCY`). Ideal = tasks × latency / concurrency (4.0 s). The
//!    tasks are submitted in one transaction through the library, then `daemon::run` drains
//!    them in this process (`until_idle`) with a generator profile `default` of kind `openai`
//!    pointing at the mock; actual is the wall time of `daemon::run`. Goal ≥ 0.90.
//! 2. **Throughput** with the template generator (zero latency) over
//!    `CONTENTHUB_BENCH_THROUGHPUT_TASKS` (10,000) tasks, at the default `max_concurrent` (5)
//!    and at 50, next to the raw SQLite commit rate of a loop that inserts one small row per
//!    `BEGIN IMMEDIATE` transaction in a fresh store opened the same way (`Store::open`: WAL,
//!    `synchronous = FULL`) on the same file system, for `CONTENTHUB_BENCH_COMMIT_SECS` (2 s)
//!    before and again after the runs. Goal ≥ 0.30 × the commit rate.
//! 3. **Pickup latency**, submit → generator request, with an idle daemon: `daemon::run` runs
//!    (not `until_idle`) against the mock with no latency; after 1 s of idling,
//!    `CONTENTHUB_BENCH_PICKUP_SAMPLES` (200) tasks are submitted one at a time, each once the
//!    previous one has completed and 50–100 ms (random) have passed. First through the real
//!    binary (`task submit`), then in-process through the library (no process-spawn noise).
//!    Latency = the time the mock receives the request for that task (found by a marker in
//!    its topic) − the task's `created_at` in the store. Goals: p50 ≤ 50 ms, p99 ≤ 250 ms.
//! 4. **Daemon idle cost**: the real binary's `daemon run` on an empty store, as a child
//!    process; after 2 s to settle, `/proc/PID/stat` (utime + stime) and `/proc/PID/status`
//!    (VmRSS) are read at the start and after `CONTENTHUB_BENCH_IDLE_SECS` (60 s). The issue
//!    asks only to report these; the goals printed (CPU < 1 % of a core, RSS < 50 MiB) are
//!    this benchmark's own reading of DESIGN §4 "costs ~nothing when idle".
//!
//! `CONTENTHUB_BENCH_ONLY=efficiency,throughput,pickup,idle` runs a subset;
//! `CONTENTHUB_BENCH_KEEP=1` keeps the temporary directory; `CONTENTHUB_LOG=debug` (any
//! `EnvFilter`) writes the engine's tracing to `engine.log` in it.

#[path = "support/mod.rs"]
mod support;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use contenthub::daemon;
use contenthub::domain::time::now_ms;
use contenthub::domain::{NewAccount, NewTask};
use contenthub::engine::{Options, Summary};
use contenthub::generator::{GeneratorKind, GeneratorProfile};
use contenthub::store::{accounts, counters, plans, tasks, Store};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use support::{clock_ticks, proc_sample, verdict};
use tokio_util::sync::CancellationToken;

const MARKER: &str = "PIPEBENCH-";

fn main() {
    let cfg = Config::from_env();
    let cpus = cpus();
    let dir = tempfile::Builder::new()
        .prefix("contenthub-pipeline-")
        .tempdir()
        .expect("create a temporary directory");
    let root = dir.path().to_path_buf();
    let log_guard = init_logging(&root);
    println!(
        "contenthub pipeline benchmark: {cpus} CPUs, stores under {} ({})",
        root.display(),
        fs_type(&root)
    );
    println!();

    let mut verdicts: Vec<(String, bool)> = Vec::new();
    if cfg.runs("efficiency") {
        verdicts.extend(efficiency(&cfg, &root));
        println!();
    }
    if cfg.runs("throughput") {
        verdicts.extend(throughput(&cfg, &root));
        println!();
    }
    if cfg.runs("pickup") {
        verdicts.extend(pickup(&cfg, &root));
        println!();
    }
    if cfg.runs("idle") {
        verdicts.extend(idle(&cfg, &root));
        println!();
    }

    println!("summary:");
    for (what, ok) in &verdicts {
        println!("  {:<4}  {what}", if *ok { "PASS" } else { "MISS" });
    }
    let missed = verdicts.iter().filter(|(_, ok)| !ok).count();
    println!(
        "  {} of {} goals met",
        verdicts.len() - missed,
        verdicts.len()
    );

    drop(log_guard);
    if cfg.keep {
        let kept = dir.keep();
        println!("kept {}", kept.display());
    }
}

// ---------------------------------------------------------------------------------------------
// Settings

struct Config {
    efficiency_tasks: usize,
    latency: Duration,
    concurrency: usize,
    throughput_tasks: usize,
    commit_secs: f64,
    pickup_samples: usize,
    idle_secs: u64,
    only: Option<Vec<String>>,
    keep: bool,
}

impl Config {
    fn from_env() -> Config {
        Config {
            efficiency_tasks: env_usize("CONTENTHUB_BENCH_EFFICIENCY_TASKS", 2_000).max(1),
            latency: Duration::from_millis(env_usize("CONTENTHUB_BENCH_LATENCY_MS", 200) as u64),
            concurrency: env_usize("CONTENTHUB_BENCH_CONCURRENCY", 100).max(1),
            throughput_tasks: env_usize("CONTENTHUB_BENCH_THROUGHPUT_TASKS", 10_000).max(1),
            commit_secs: std::env::var("CONTENTHUB_BENCH_COMMIT_SECS")
                .ok()
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| *v > 0.0)
                .unwrap_or(2.0),
            pickup_samples: env_usize("CONTENTHUB_BENCH_PICKUP_SAMPLES", 200).max(1),
            idle_secs: env_usize("CONTENTHUB_BENCH_IDLE_SECS", 60).max(1) as u64,
            only: std::env::var("CONTENTHUB_BENCH_ONLY")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(|v| v.split(',').map(|s| s.trim().to_lowercase()).collect()),
            keep: std::env::var("CONTENTHUB_BENCH_KEEP").is_ok_and(|v| !v.is_empty() && v != "0"),
        }
    }

    fn runs(&self, section: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|s| s == section))
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .replace('_', "")
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
        Err(_) => default,
    }
}

/// With `CONTENTHUB_LOG` set, the engine's tracing goes to `engine.log` in the bench directory.
fn init_logging(root: &Path) -> Option<PathBuf> {
    let filter = std::env::var("CONTENTHUB_LOG").ok()?;
    let path = root.join("engine.log");
    let file = std::fs::File::create(&path).expect("create engine.log");
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_target(false)
        .init();
    println!("engine tracing → {}", path.display());
    Some(path)
}

fn fs_type(path: &Path) -> String {
    Command::new("stat")
        .args(["-f", "-c", "%T"])
        .arg(path)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown file system".into())
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

// ---------------------------------------------------------------------------------------------
// The mock OpenAI-compatible generator

/// Wall-clock microseconds since the epoch, comparable with the store's millisecond stamps.
fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

struct MockState {
    latency: Duration,
    reply: Bytes,
    requests: AtomicU64,
    in_flight: AtomicI64,
    max_in_flight: AtomicI64,
    /// Sum of the time requests spent in the handler (µs).
    busy_us: AtomicI64,
    first_us: AtomicI64,
    last_done_us: AtomicI64,
    /// Per marked task: (received, answered), µs since the epoch.
    hits: Mutex<HashMap<u64, (i64, i64)>>,
}

struct Mock {
    url: String,
    state: Arc<MockState>,
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Mock {
    /// Serves `POST /v1/chat/completions` on 127.0.0.1:0 from its own single-threaded runtime
    /// (like a separate process would), answering each request after `latency`.
    fn start(latency: Duration) -> Mock {
        let body = "# 基准测试文章\n\n这是一篇由本地模拟生成器返回的短文，用于测量流水线。\n\n\
                    ## 要点\n\n- 第一点：队列按优先级领取任务。\n- 第二点：结果批量提交。\n\n\
                    ## 结论\n\n模拟生成器在固定延迟后作答。\n";
        let reply = serde_json::json!({
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 0,
            "model": "bench-model",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": body},
                "finish_reason": "stop"
            }],
            "usage": {"prompt_tokens": 180, "completion_tokens": 96, "total_tokens": 276}
        });
        let state = Arc::new(MockState {
            latency,
            reply: Bytes::from(serde_json::to_vec(&reply).expect("serialise the mock reply")),
            requests: AtomicU64::new(0),
            in_flight: AtomicI64::new(0),
            max_in_flight: AtomicI64::new(0),
            busy_us: AtomicI64::new(0),
            first_us: AtomicI64::new(i64::MAX),
            last_done_us: AtomicI64::new(0),
            hits: Mutex::new(HashMap::new()),
        });
        let stop = CancellationToken::new();
        let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
        let (st, halt) = (state.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("mock-generator".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("mock runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind the mock generator");
                    tx.send(listener.local_addr().expect("mock address"))
                        .expect("report the mock address");
                    let app = Router::new()
                        .route("/v1/chat/completions", post(chat))
                        .with_state(st);
                    tokio::select! {
                        r = axum::serve(listener, app) => r.expect("mock generator"),
                        _ = halt.cancelled() => {}
                    }
                });
            })
            .expect("spawn the mock generator");
        let addr = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("mock generator address");
        Mock {
            url: format!("http://{addr}/v1"),
            state,
            stop,
            thread: Some(thread),
        }
    }

    fn profiles(&self) -> BTreeMap<String, GeneratorProfile> {
        let profile = GeneratorProfile {
            kind: GeneratorKind::Openai,
            base_url: Some(self.url.clone()),
            model: Some("bench-model".into()),
            api_key_env: None,
            max_concurrent: None,
            timeout: None,
            command: None,
            temperature: None,
            max_tokens: None,
            target_audience: None,
            mode: None,
            remote_cancel: None,
            image_base_url: None,
            fallback: None,
            fallback_after: None,
            price_factor: None,
            rpm: None,
            tpm: None,
            rpd: None,
            tpd: None,
            rate_window: None,
            steps: None,
            step_profiles: None,
            batch_size: None,
            batch_wait: None,
            completion_window: None,
            poll_interval: None,
        };
        BTreeMap::from([("default".to_string(), profile)])
    }

    fn hit(&self, marker: u64) -> Option<(i64, i64)> {
        self.state
            .hits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&marker)
            .copied()
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

async fn chat(State(m): State<Arc<MockState>>, body: Bytes) -> impl IntoResponse {
    let received = now_us();
    let t = Instant::now();
    m.requests.fetch_add(1, Ordering::Relaxed);
    m.first_us.fetch_min(received, Ordering::Relaxed);
    let now_in = m.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    m.max_in_flight.fetch_max(now_in, Ordering::Relaxed);
    let marker = find_marker(&body);
    if !m.latency.is_zero() {
        tokio::time::sleep(m.latency).await;
    }
    let done = now_us();
    if let Some(k) = marker {
        m.hits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(k, (received, done));
    }
    m.in_flight.fetch_sub(1, Ordering::Relaxed);
    m.busy_us
        .fetch_add(t.elapsed().as_micros() as i64, Ordering::Relaxed);
    m.last_done_us.fetch_max(done, Ordering::Relaxed);
    (
        [(header::CONTENT_TYPE, "application/json")],
        m.reply.clone(),
    )
}

/// The number after the first `PIPEBENCH-` in a request body (the task's topic carries it).
fn find_marker(body: &[u8]) -> Option<u64> {
    let pos = body
        .windows(MARKER.len())
        .position(|w| w == MARKER.as_bytes())?;
    let digits: String = body[pos + MARKER.len()..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .map(|b| *b as char)
        .collect();
    digits.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// Stores and the engine

fn bench_account() -> NewAccount {
    NewAccount {
        name: "bench".into(),
        display_name: Some("Pipeline Bench".into()),
        platform: "blog".into(),
        language: "zh-CN".into(),
        tone: Some("专业".into()),
        category: Some("技术".into()),
        persona: None,
        min_words: Some(800),
        max_words: Some(1500),
        forbidden_words: vec!["震惊".into()],
        review: contenthub::domain::account::ReviewMode::Auto,
        review_rules: Default::default(),
    }
}

fn bench_task(topic: String) -> NewTask {
    NewTask {
        account: "bench".into(),
        topic,
        keywords: vec!["队列".into(), "并发".into()],
        category: None,
        requirements: None,
        tone: None,
        priority: 5,
        review: None,
        max_retries: 3,
        timeout: Duration::from_secs(30 * 60),
        callback_url: None,
        generator: None,
        idempotency_key: None,
    }
}

fn topic(i: usize) -> String {
    format!("流水线基准文章 {MARKER}{i:06}")
}

/// A new store at `dir/name/contenthub.db` with the bench account and `n` pending tasks,
/// submitted in one transaction through the library.
fn prepare_store(root: &Path, name: &str, n: usize) -> PathBuf {
    let path = root.join(name).join("contenthub.db");
    let mut store = Store::open(&path).expect("open a bench store");
    store
        .write(|tx| {
            let account = accounts::insert(tx, &bench_account())?;
            let now = now_ms();
            for i in 0..n {
                tasks::insert(tx, &bench_task(topic(i)), &account, now)?;
            }
            counters::add(tx, counters::TASKS_SUBMITTED, "", n as i64)?;
            Ok(())
        })
        .expect("submit the bench tasks");
    path
}

fn engine_options(
    db: &Path,
    max_concurrent: usize,
    until_idle: bool,
    generators: BTreeMap<String, GeneratorProfile>,
) -> Options {
    // As `daemon run` resolves them with no config file (src/cli/daemon.rs), apart from the
    // concurrency and the generators.
    let mut o = Options::new(&contenthub::store::Location::File(db.to_path_buf()));
    o.max_concurrent = max_concurrent;
    o.reap_interval = (o.lease / 3).clamp(Duration::from_millis(100), Duration::from_secs(2));
    o.until_idle = until_idle;
    o.exclusive = true;
    o.generators = generators;
    o.grace = Duration::from_secs(5);
    o
}

/// The runtime `daemon run` builds.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("contenthub-worker")
        .build()
        .expect("engine runtime")
}

/// Drains the store with `daemon::run(until_idle)`; returns its summary, wall time and the
/// CPU time this process used meanwhile (the mock's included, where there is one).
fn drain(opts: Options) -> (Summary, Duration, f64) {
    let rt = runtime();
    let cpu = self_cpu_seconds();
    let t = Instant::now();
    let summary = rt
        .block_on(daemon::run(
            daemon::Config::new(opts),
            CancellationToken::new(),
        ))
        .expect("daemon::run");
    let elapsed = t.elapsed();
    let cpu = self_cpu_seconds() - cpu;
    rt.shutdown_timeout(Duration::from_secs(1));
    (summary, elapsed, cpu)
}

/// utime + stime of this process, in seconds.
fn self_cpu_seconds() -> f64 {
    let s = proc_sample(std::process::id());
    s.cpu_ticks as f64 / clock_ticks() as f64
}

fn read_only(path: &Path) -> Connection {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the store read-only");
    c.busy_timeout(Duration::from_secs(30))
        .expect("busy timeout");
    c
}

/// What the store says about a drained run.
struct Audit {
    completed: u64,
    other: Vec<(String, u64)>,
    contents: u64,
    /// Distinct claim and result timestamps: each claim transaction stamps its tasks with one
    /// `now`, and so does each result batch, so these approximate the transaction counts.
    claim_stamps: u64,
    result_stamps: u64,
    events: u64,
}

fn audit(path: &Path) -> Audit {
    let c = read_only(path);
    let mut completed = 0;
    let mut other = Vec::new();
    let mut stmt = c
        .prepare("SELECT status, count(*) FROM tasks GROUP BY status ORDER BY status")
        .expect("status query");
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .expect("status rows");
    for row in rows {
        let (s, n) = row.expect("status row");
        if s == "completed" {
            completed = n as u64;
        } else {
            other.push((s, n as u64));
        }
    }
    let one = |sql: &str| -> u64 {
        c.query_row(sql, [], |r| r.get::<_, i64>(0))
            .expect("count query") as u64
    };
    Audit {
        completed,
        other,
        contents: one("SELECT count(*) FROM contents"),
        claim_stamps: one("SELECT count(DISTINCT submitted_at) FROM tasks"),
        result_stamps: one("SELECT count(DISTINCT completed_at) FROM tasks"),
        events: one("SELECT count(*) FROM task_events"),
    }
}

impl Audit {
    fn print(&self, n: usize) -> bool {
        let ok = self.completed == n as u64 && self.contents == n as u64 && self.other.is_empty();
        let others: Vec<String> = self.other.iter().map(|(s, n)| format!("{s} {n}")).collect();
        println!(
            "    store: {} completed, {} contents{}{}; {} events; ~{} claim transactions \
             ({:.1} tasks each), ~{} result batches ({:.1} each)",
            self.completed,
            self.contents,
            if others.is_empty() { "" } else { ", " },
            others.join(", "),
            self.events,
            self.claim_stamps,
            n as f64 / self.claim_stamps.max(1) as f64,
            self.result_stamps,
            n as f64 / self.result_stamps.max(1) as f64,
        );
        if !ok {
            println!("    WARNING: not every task completed; the figures above are not valid");
        }
        ok
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Efficiency

fn efficiency(cfg: &Config, root: &Path) -> Vec<(String, bool)> {
    let n = cfg.efficiency_tasks;
    let conc = cfg.concurrency;
    let lat = cfg.latency;
    let ideal = n as f64 * lat.as_secs_f64() / conc as f64;
    println!(
        "[1] efficiency: {n} tasks, mock openai generator answering after {} ms, \
         max_concurrent {conc}",
        lat.as_millis()
    );
    let mock = Mock::start(lat);
    let db = prepare_store(root, "efficiency", n);
    let start_us = now_us();
    let (summary, elapsed, cpu) = drain(engine_options(&db, conc, true, mock.profiles()));
    let actual = elapsed.as_secs_f64();
    let eff = ideal / actual;
    let ok = eff >= 0.90;
    println!(
        "    ideal {ideal:.2} s ({n} × {:.3} s / {conc}), actual {actual:.2} s → efficiency \
         {eff:.3}   goal ≥ 0.90   {}",
        lat.as_secs_f64(),
        verdict(ok)
    );

    // Where the time went.
    let s = &mock.state;
    let requests = s.requests.load(Ordering::Relaxed);
    let busy = s.busy_us.load(Ordering::Relaxed) as f64 / 1e6;
    let first = (s.first_us.load(Ordering::Relaxed) - start_us) as f64 / 1e3;
    let tail = (start_us + elapsed.as_micros() as i64 - s.last_done_us.load(Ordering::Relaxed))
        as f64
        / 1e3;
    let slot_s = conc as f64 * actual;
    println!(
        "    mock: {requests} requests, max {} in flight, mean {:.1} in flight ({:.1} % of \
         {conc} slots busy); mean service {:.1} ms",
        s.max_in_flight.load(Ordering::Relaxed),
        busy / actual,
        100.0 * busy / slot_s,
        1e3 * busy / requests.max(1) as f64
    );
    println!(
        "    start → first request {first:.1} ms; last answer → daemon::run returned {tail:.1} ms; \
         idle slot time per task {:.1} ms (budget for 0.90: {:.1} ms)",
        1e3 * (slot_s - busy) / n as f64,
        1e3 * (ideal / 0.90 * conc as f64 - n as f64 * lat.as_secs_f64()) / n as f64,
    );
    println!(
        "    CPU {cpu:.2} s (engine and mock) = {:.0} µs per task, {:.0} % of the {} CPUs",
        1e6 * cpu / n as f64,
        100.0 * cpu / actual / cpus() as f64,
        cpus()
    );
    phases(&db, &mock, n);
    let valid = audit(&db).print(n) && summary.completed == n;
    vec![(
        format!(
            "efficiency {eff:.3} (goal ≥ 0.90, {n} tasks, {} ms, c={conc})",
            lat.as_millis()
        ),
        ok && valid,
    )]
}

/// Per-task phases from the store's stamps (ms) and the mock's (µs): claim → request, and
/// answer → result committed.
fn phases(db: &Path, mock: &Mock, n: usize) {
    let c = read_only(db);
    let mut stmt = c
        .prepare("SELECT topic, created_at, submitted_at, completed_at FROM tasks")
        .expect("phase query");
    let rows: Vec<(String, i64, i64, i64)> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                r.get::<_, Option<i64>>(3)?.unwrap_or(0),
            ))
        })
        .expect("phase rows")
        .collect::<rusqlite::Result<_>>()
        .expect("phase rows");
    let mut to_request = Vec::new();
    let mut to_commit = Vec::new();
    for (topic, _created, claimed, completed) in rows {
        let Some(k) = find_marker(topic.as_bytes()) else {
            continue;
        };
        if let Some((received, answered)) = mock.hit(k) {
            to_request.push((received - claimed * 1000) as f64 / 1e3);
            to_commit.push((completed * 1000 - answered) as f64 / 1e3);
        }
    }
    if to_request.len() < n {
        println!(
            "    ({} of {n} tasks matched to mock requests)",
            to_request.len()
        );
    }
    let p = Percentiles::of(&mut to_request);
    let q = Percentiles::of(&mut to_commit);
    println!(
        "    claim stamp → request received: mean {:.1} ms, p50 {:.1}, p99 {:.1}; answer sent → \
         result stamp: mean {:.1} ms, p50 {:.1}, p99 {:.1}",
        p.mean, p.p50, p.p99, q.mean, q.p50, q.p99
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Throughput

fn throughput(cfg: &Config, root: &Path) -> Vec<(String, bool)> {
    let n = cfg.throughput_tasks;
    println!("[2] throughput: {n} tasks, template generator (zero latency)");
    // Both stores first, then let the writeback of them (and of earlier sections) settle, so
    // the commit-rate loop and the runs see the same disk.
    let levels = [5usize, 50];
    let stores: Vec<PathBuf> = levels
        .iter()
        .map(|c| prepare_store(root, &format!("throughput-{c}"), n))
        .collect();
    settle();
    let before = commit_rate(root, "commit-rate-1", cfg.commit_secs);
    println!(
        "    raw commit rate (one-row BEGIN IMMEDIATE transactions, WAL, synchronous=FULL): \
         {before:.0}/s"
    );
    let mut runs = Vec::new();
    for (conc, db) in levels.into_iter().zip(stores) {
        let (summary, elapsed, cpu) = drain(engine_options(&db, conc, true, BTreeMap::new()));
        let rate = n as f64 / elapsed.as_secs_f64();
        let a = audit(&db);
        runs.push((conc, rate, elapsed, cpu, a, summary));
    }
    let after = commit_rate(root, "commit-rate-2", cfg.commit_secs);
    let reference = (before + after) / 2.0;
    println!(
        "    raw commit rate again after the runs: {after:.0}/s → reference {reference:.0}/s \
         (mean); goal ≥ 0.30 × {reference:.0} = {:.0} tasks/s",
        0.30 * reference
    );
    let (lo, hi) = (before.min(after), before.max(after));
    let mut out = Vec::new();
    for (conc, rate, elapsed, cpu, a, summary) in runs {
        let ratio = rate / reference;
        let ok = ratio >= 0.30;
        println!(
            "    max_concurrent {conc:>2}: {n} tasks in {:.2} s = {rate:.0} tasks/s = {ratio:.2} × \
             commit rate (range {:.2}–{:.2}; {:.2} commits' worth of time per task)   \
             goal ≥ 0.30   {}",
            elapsed.as_secs_f64(),
            rate / hi,
            rate / lo,
            1.0 / ratio,
            verdict(ok)
        );
        println!(
            "    CPU {cpu:.2} s = {:.0} µs per task, {:.0} % of the {} CPUs over the run",
            1e6 * cpu / n as f64,
            100.0 * cpu / elapsed.as_secs_f64() / cpus() as f64,
            cpus()
        );
        let valid = a.print(n) && summary.completed == n;
        out.push((
            format!(
                "throughput c={conc}: {rate:.0} tasks/s = {ratio:.2} × commit rate (goal ≥ 0.30)"
            ),
            ok && valid,
        ));
    }
    out
}

/// `sync`, then a second's pause: right after a bulk write, every fsync is slower for a while.
fn settle() {
    let _ = Command::new("sync").status();
    std::thread::sleep(Duration::from_secs(1));
}

/// Commits per second of a loop inserting one small row (a `meta` pair, `plans::set_meta`) per
/// `BEGIN IMMEDIATE` transaction, in a fresh store opened like every other (`Store::open`).
fn commit_rate(root: &Path, name: &str, secs: f64) -> f64 {
    let path = root.join(name).join("contenthub.db");
    let mut store = Store::open(&path).expect("open the commit-rate store");
    let insert = |store: &mut Store, key: String| {
        store
            .write(|tx| plans::set_meta(tx, &key, "one small row"))
            .expect("commit one row");
    };
    for i in 0..20 {
        insert(&mut store, format!("bench_commit warm-up {i}"));
    }
    let limit = Duration::from_secs_f64(secs);
    let t = Instant::now();
    let mut n = 0i64;
    while t.elapsed() < limit {
        insert(&mut store, format!("bench_commit {n}"));
        n += 1;
    }
    n as f64 / t.elapsed().as_secs_f64()
}

// ---------------------------------------------------------------------------------------------
// 3. Pickup latency

struct Sample {
    /// Submit (`created_at`) → the mock receives the request, ms.
    latency: f64,
    /// `created_at` → the claim's stamp (`submitted_at`), ms: how long the dispatcher slept.
    to_claim: f64,
    /// Submitter start → `created_at`, ms (process spawn for the CLI).
    lead: f64,
}

fn pickup(cfg: &Config, root: &Path) -> Vec<(String, bool)> {
    let n = cfg.pickup_samples;
    println!(
        "[3] pickup latency: submit → generator request with an idle daemon (daemon::run, \
         mock with no latency), {n} samples per series"
    );
    let mock = Mock::start(Duration::ZERO);
    let db = prepare_store(root, "pickup", 0);
    let opts = engine_options(&db, 5, false, mock.profiles());
    println!(
        "    daemon: tick {} ms, reap every {} ms, lease {} s",
        opts.tick.as_millis(),
        opts.reap_interval.as_millis(),
        opts.lease.as_secs()
    );
    let rt = runtime();
    let shutdown = CancellationToken::new();
    let daemon = rt.spawn(daemon::run(daemon::Config::new(opts), shutdown.clone()));
    let reader = read_only(&db);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_contenthub"));
    let env = cli_env(root, &db);
    let mut rng = XorShift::seeded();
    let mut out = Vec::new();

    // Through the real binary.
    std::thread::sleep(Duration::from_secs(1));
    let mut cli = Vec::with_capacity(n);
    for i in 0..n {
        let marker = 100_000 + i;
        let started = now_us();
        let output = Command::new(&bin)
            .args(["task", "submit", "-a", "bench", "-t", &topic(marker)])
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("run contenthub task submit");
        assert!(
            output.status.success(),
            "task submit failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let id = String::from_utf8_lossy(&output.stdout).trim().to_string();
        if let Some(s) = sample(&reader, &mock, &id, marker as u64, started) {
            cli.push(s);
        }
        gap(&mut rng);
    }
    out.extend(report_pickup("CLI (`task submit`)", true, &mut cli, n));

    // In-process, through the library.
    std::thread::sleep(Duration::from_secs(1));
    let mut store = Store::open(&db).expect("open the pickup store");
    let mut lib = Vec::with_capacity(n);
    for i in 0..n {
        let marker = 200_000 + i;
        let started = now_us();
        let task = bench_task(topic(marker));
        let submitted = store
            .write(|tx| {
                let account = accounts::find(tx, "bench")?;
                let s = tasks::insert(tx, &task, &account, now_ms())?;
                counters::add(tx, counters::TASKS_SUBMITTED, "", 1)?;
                Ok(s)
            })
            .expect("submit through the library");
        if let Some(s) = sample(
            &reader,
            &mock,
            &submitted.id.to_string(),
            marker as u64,
            started,
        ) {
            lib.push(s);
        }
        gap(&mut rng);
    }
    out.extend(report_pickup("library (tasks::insert)", false, &mut lib, n));

    shutdown.cancel();
    let summary = rt
        .block_on(daemon)
        .expect("daemon task")
        .expect("daemon::run");
    rt.shutdown_timeout(Duration::from_secs(1));
    println!(
        "    daemon worked on {} tasks, {} completed",
        summary.worked, summary.completed
    );
    out
}

/// Waits for the mock to see task `id` and for it to complete; `None` (and a note) if it
/// does not within 10 s.
fn sample(reader: &Connection, mock: &Mock, id: &str, marker: u64, started: i64) -> Option<Sample> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let received = loop {
        if let Some((received, _)) = mock.hit(marker) {
            break received;
        }
        if Instant::now() > deadline {
            println!("    no generator request for {id} within 10 s");
            return None;
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    let row = |reader: &Connection| -> Option<(i64, Option<i64>, String)> {
        reader
            .query_row(
                "SELECT t.created_at, t.submitted_at, t.status FROM tasks t WHERE t.topic = ?1",
                [topic(marker as usize)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .expect("look up the task")
    };
    loop {
        match row(reader) {
            Some((created, claimed, status)) if status == "completed" => {
                return Some(Sample {
                    latency: (received - created * 1000) as f64 / 1e3,
                    to_claim: claimed.map_or(f64::NAN, |c| (c - created) as f64),
                    lead: (created * 1000 - started) as f64 / 1e3,
                });
            }
            _ if Instant::now() > deadline => {
                println!("    {id} did not complete within 10 s");
                return None;
            }
            _ => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// 50–100 ms between submissions, so each finds the daemon idle at a random point of its tick.
fn gap(rng: &mut XorShift) {
    std::thread::sleep(Duration::from_micros(50_000 + rng.next() % 50_000));
}

fn report_pickup(
    what: &str,
    spawned: bool,
    samples: &mut [Sample],
    n: usize,
) -> Vec<(String, bool)> {
    let mut lat: Vec<f64> = samples.iter().map(|s| s.latency).collect();
    let mut claim: Vec<f64> = samples.iter().map(|s| s.to_claim).collect();
    let mut lead: Vec<f64> = samples.iter().map(|s| s.lead).collect();
    let l = Percentiles::of(&mut lat);
    let c = Percentiles::of(&mut claim);
    let d = Percentiles::of(&mut lead);
    let complete = samples.len() == n;
    let ok50 = l.p50 <= 50.0 && complete;
    let ok99 = l.p99 <= 250.0 && complete;
    println!(
        "    {what}: {} of {n} samples; submit → request p50 {:.1} ms ({:.2} × goal 50 ms) \
         {}, p99 {:.1} ms ({:.2} × goal 250 ms) {}; mean {:.1}, max {:.1}",
        samples.len(),
        l.p50,
        l.p50 / 50.0,
        verdict(ok50),
        l.p99,
        l.p99 / 250.0,
        verdict(ok99),
        l.mean,
        l.max
    );
    // The store's stamps are whole milliseconds, so a stamp-based interval reads up to 1 ms
    // long (0.5 ms on average) and the submitter's lead up to 1 ms short.
    let lead = if spawned {
        format!(
            "; process start → created_at p50 {:.1} ms (spawn and open, not counted)",
            d.p50
        )
    } else {
        String::new()
    };
    println!(
        "      of which submit → claim stamp p50 {:.0} ms, p99 {:.0} ms{lead}",
        c.p50, c.p99
    );
    vec![
        (
            format!("pickup via {what}: p50 {:.1} ms (goal ≤ 50 ms)", l.p50),
            ok50,
        ),
        (
            format!("pickup via {what}: p99 {:.1} ms (goal ≤ 250 ms)", l.p99),
            ok99,
        ),
    ]
}

fn cli_env(root: &Path, db: &Path) -> Vec<(String, String)> {
    let p = |s: &str| root.join(s).display().to_string();
    let mut env = vec![
        ("CONTENTHUB_DB".to_string(), db.display().to_string()),
        ("HOME".into(), p("home")),
        ("XDG_CONFIG_HOME".into(), p("home/.config")),
        ("XDG_DATA_HOME".into(), p("home/.local/share")),
        ("XDG_STATE_HOME".into(), p("home/.local/state")),
        ("XDG_CACHE_HOME".into(), p("home/.cache")),
        ("NO_COLOR".into(), "1".into()),
    ];
    for k in ["PATH", "TZ", "LANG"] {
        if let Ok(v) = std::env::var(k) {
            env.push((k.into(), v));
        }
    }
    env
}

// ---------------------------------------------------------------------------------------------
// 4. Idle daemon

fn idle(cfg: &Config, root: &Path) -> Vec<(String, bool)> {
    let secs = cfg.idle_secs;
    println!("[4] daemon idle cost: `contenthub daemon run` on an empty store, {secs} s");
    let db = root.join("idle").join("contenthub.db");
    let env = cli_env(&root.join("idle"), &db);
    let log = std::fs::File::create(root.join("idle-daemon.log")).expect("create the daemon log");
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_contenthub"))
        .args(["daemon", "run"])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start contenthub daemon run");
    let pid = child.id();
    std::thread::sleep(Duration::from_secs(2));
    if let Ok(Some(st)) = child.try_wait() {
        panic!(
            "the daemon exited early ({st}); see {}",
            root.join("idle-daemon.log").display()
        );
    }
    let wal = db.with_extension("db-wal");
    let wal_size = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let a = proc_sample(pid);
    let (wal_a, t) = (wal_size(), Instant::now());
    std::thread::sleep(Duration::from_secs(secs));
    let b = proc_sample(pid);
    let wall = t.elapsed().as_secs_f64();
    let wal_b = wal_size();

    let hz = clock_ticks() as f64;
    let cpu_s = (b.cpu_ticks - a.cpu_ticks) as f64 / hz;
    let cpu_pct = 100.0 * cpu_s / wall;
    let rss = b.rss_kib as f64 / 1024.0;
    let ok_cpu = cpu_pct < 1.0;
    let ok_rss = rss < 50.0;
    println!(
        "    CPU {cpu_s:.2} s over {wall:.1} s = {cpu_pct:.3} % of one core   goal < 1 % \
         (bench's own)   {}",
        verdict(ok_cpu)
    );
    println!(
        "    RSS {rss:.1} MiB at the end ({:.1} MiB at the start, peak {:.1} MiB)   goal < 50 MiB \
         (bench's own)   {}",
        a.rss_kib as f64 / 1024.0,
        b.hwm_kib as f64 / 1024.0,
        verdict(ok_rss)
    );
    println!(
        "    {} threads; {:.1} context switches/s; WAL grew {} KiB while idle",
        b.threads,
        (b.switches.saturating_sub(a.switches)) as f64 / wall,
        (wal_b.saturating_sub(wal_a)) / 1024
    );

    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            _ if Instant::now() > deadline => break None,
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    match status {
        Some(st) => println!("    SIGTERM → exited ({st})"),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            println!("    SIGTERM → still running after 10 s; killed");
        }
    }
    vec![
        (
            format!("idle CPU {cpu_pct:.3} % of a core over {wall:.0} s (bench goal < 1 %)"),
            ok_cpu,
        ),
        (
            format!("idle RSS {rss:.1} MiB (bench goal < 50 MiB)"),
            ok_rss,
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Small helpers

struct Percentiles {
    mean: f64,
    p50: f64,
    p99: f64,
    max: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles; NaN entries are ignored.
    fn of(v: &mut Vec<f64>) -> Percentiles {
        v.retain(|x| !x.is_nan());
        if v.is_empty() {
            return Percentiles {
                mean: f64::NAN,
                p50: f64::NAN,
                p99: f64::NAN,
                max: f64::NAN,
            };
        }
        v.sort_by(f64::total_cmp);
        let rank = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        Percentiles {
            mean: v.iter().sum::<f64>() / v.len() as f64,
            p50: rank(0.50),
            p99: rank(0.99),
            max: v[v.len() - 1],
        }
    }
}

struct XorShift(u64);

impl XorShift {
    fn seeded() -> XorShift {
        XorShift(now_us() as u64 | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}
