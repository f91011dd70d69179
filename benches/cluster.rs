//! contenthub on PostgreSQL: several daemons on one store, and the CLI on a million tasks
//! (issue 14, "Benchmarks").
//!
//! `cargo bench --bench cluster` runs the release binary against databases of its own, made
//! through the admin URL `CONTENTHUB_BENCH_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and dropped at the end unless
//! `CONTENTHUB_BENCH_KEEP=1`. `CONTENTHUB_BENCH_PARTS=commit,throughput,latency,cli,pickup`
//! picks parts (default all):
//!
//! 1. **commit**: one client inserting single rows in autocommit into a scratch table, with the
//!    server's settings as they are, for `CONTENTHUB_BENCH_COMMIT_SECS` (default 2): rows/s,
//!    the reference for the throughput. Measured before and after the throughput part.
//! 2. **throughput**: `CONTENTHUB_BENCH_THROUGHPUT_TASKS` (default 10,000) tasks for the
//!    built-in template generator, imported with one `task submit --from-file`, drained by one
//!    `daemon run --until-idle`, then on a fresh database by three at once, first at the
//!    default `max_concurrent` (5), then at `CONTENTHUB_BENCH_THROUGHPUT_CONCURRENCY` (default
//!    50). Tasks/s from the first claim (`submitted_at`) to the last completion
//!    (`completed_at`), each as a ratio to the commit rate. Goal for three daemons ≥ 0.3.
//! 3. **latency**: three daemons with `max_concurrent = 20` drain
//!    `CONTENTHUB_BENCH_LATENCY_TASKS` (default 1,500) tasks against a mock OpenAI-compatible
//!    server that answers after `CONTENTHUB_BENCH_LATENCY_MS` (default 500). Efficiency =
//!    (tasks × latency ÷ 60) ÷ (first claim → last completion). Goal ≥ 0.9.
//! 4. **cli**: a SQLite store of `CONTENTHUB_BENCH_TASKS` (default 1,000,000) tasks from the
//!    shared filler, copied with `store copy --to`, then `VACUUM (ANALYZE)`; medians of
//!    `task submit`, `task list --limit 50`, `task stats` and `monitor health` on both stores,
//!    round-robin. Goal: PostgreSQL ÷ SQLite ≤ 2 for each. With
//!    `CONTENTHUB_BENCH_PG_POOLER=host:port` (a session-mode pooler such as pgbouncer in front
//!    of the same server), the same commands also run through it, in the same rounds.
//! 5. **pickup**: one idle `daemon run`; `CONTENTHUB_BENCH_PICKUP_SAMPLES` (default 200) tasks
//!    submitted one at a time through `task submit`, 50–100 ms apart, each once the previous
//!    one completed. Latency = `submitted_at` (the claim) − `created_at`. Goal p50 ≤ 50 ms.

#[path = "support/fill.rs"]
mod fill;
#[path = "support/mock.rs"]
mod mock;
#[path = "support/pg.rs"]
mod pg;
#[path = "support/mod.rs"]
mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use contenthub::domain::time::now_ms;
use pg::BenchDb;
use support::{args, bench_env, checkpoint, env_usize, run_once, settle, verdict, Summary};

fn main() {
    let parts = std::env::var("CONTENTHUB_BENCH_PARTS")
        .unwrap_or_else(|_| "commit,throughput,latency,cli,pickup".into());
    let want = |p: &str| parts.split(',').any(|x| x.trim() == p);
    let bench = Bench {
        bin: PathBuf::from(env!("CARGO_BIN_EXE_contenthub")),
        commit_secs: env_usize("CONTENTHUB_BENCH_COMMIT_SECS", 2).max(1) as f64,
    };
    let dir = tempfile::Builder::new()
        .prefix("contenthub-bench-cluster-")
        .tempdir()
        .expect("create a temporary directory");
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "contenthub cluster benchmark on PostgreSQL ({}), {cpus} CPUs, load average {}: {parts}",
        pg::admin_url(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut verdicts: Vec<(String, bool)> = Vec::new();

    let mut commit = None;
    if want("commit") || want("throughput") {
        let rate = bench.commit_rate();
        println!();
        println!(
            "[1] commit rate: {rate:.0} rows/s (one client, single-row INSERTs in autocommit, \
             {:.0} s)",
            bench.commit_secs
        );
        commit = Some(rate);
    }
    if want("throughput") {
        verdicts.extend(throughput(&bench, dir.path(), commit.unwrap_or(f64::NAN)));
    }
    if want("latency") {
        verdicts.extend(latency(&bench, dir.path()));
    }
    if want("cli") {
        verdicts.extend(cli(&bench, dir.path()));
    }
    if want("pickup") {
        verdicts.extend(pickup(&bench, dir.path()));
    }

    println!();
    println!("verdicts:");
    for (what, ok) in &verdicts {
        println!("  {}  {what}", verdict(*ok));
    }
    if pg::keep() {
        let kept = dir.keep();
        println!("kept {}", kept.display());
    }
}

struct Bench {
    bin: PathBuf,
    commit_secs: f64,
}

impl Bench {
    fn commit_rate(&self) -> f64 {
        let db = BenchDb::create("commit");
        let mut client = db.client();
        pg::commit_rate(&mut client, self.commit_secs)
    }
}

/// A PostgreSQL store of its own, with a private home (and config) in `parent/name`.
struct Site {
    root: PathBuf,
    db: BenchDb,
    env: Vec<(String, String)>,
}

impl Site {
    fn new(parent: &Path, name: &str, config: &str) -> Site {
        let root = parent.join(name);
        let db = BenchDb::create(name);
        let env = bench_env(&root, Path::new(&db.url));
        let config_dir = root.join("home/.config/contenthub");
        std::fs::create_dir_all(&config_dir).expect("create the config directory");
        std::fs::write(config_dir.join("config.toml"), config).expect("write the config");
        Site { root, db, env }
    }

    fn run(&self, bin: &Path, argv: &[&str]) -> (Duration, Output) {
        run_once(bin, &self.env, &args(argv), |o| o.status.success())
    }

    /// `daemon run ARGS` in the background, its output in `daemon-I.log`.
    fn daemon(&self, bin: &Path, i: usize, extra: &[&str]) -> Child {
        let log = std::fs::File::create(self.root.join(format!("daemon-{i}.log")))
            .expect("create the daemon log");
        Command::new(bin)
            .args(["daemon", "run"])
            .args(extra)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().expect("clone the log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start a daemon")
    }

    /// Adds account `blog` and imports `n` tasks for it with one `task submit --from-file`.
    fn submit_tasks(&self, bin: &Path, n: usize) -> Duration {
        self.run(bin, &["account", "add", "blog"]);
        let path = self.root.join("tasks.jsonl");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        for i in 0..n {
            writeln!(
                f,
                "{{\"account\":\"blog\",\"topic\":\"集群基准文章 第 {i} 篇\",\"keywords\":[\"postgres\",\"队列\"]}}"
            )
            .expect("write");
        }
        f.flush().expect("flush");
        drop(f);
        let file = path.display().to_string();
        self.run(bin, &["task", "submit", "-q", "--from-file", &file])
            .0
    }

    /// Runs `k` daemons with `--until-idle` at once; the wall time until the last exits.
    fn drain(&self, bin: &Path, k: usize) -> Duration {
        let t = Instant::now();
        // Several daemons of one host on one store are asked for.
        let argv: &[&str] = if k > 1 {
            &["--until-idle", "--allow-multiple"]
        } else {
            &["--until-idle"]
        };
        let mut daemons: Vec<Child> = (0..k).map(|i| self.daemon(bin, i, argv)).collect();
        for (i, d) in daemons.iter_mut().enumerate() {
            let status = d.wait().expect("wait for a daemon");
            if !status.success() {
                println!(
                    "    daemon {i} exited with {status}; see {}",
                    self.root.join(format!("daemon-{i}.log")).display()
                );
            }
        }
        t.elapsed()
    }

    /// From the store: (tasks completed, first claim, last completion), stamps in ms.
    fn span(&self) -> Span {
        let mut c = self.db.client();
        let row = c
            .query_one(
                "SELECT count(*) FILTER (WHERE status = 'completed'), count(*),
                        min(submitted_at), max(completed_at)
                   FROM tasks",
                &[],
            )
            .expect("read the span");
        Span {
            completed: row.get::<_, i64>(0) as usize,
            total: row.get::<_, i64>(1) as usize,
            first_claim: row.get::<_, Option<i64>>(2).unwrap_or(0),
            last_done: row.get::<_, Option<i64>>(3).unwrap_or(0),
        }
    }
}

struct Span {
    completed: usize,
    total: usize,
    first_claim: i64,
    last_done: i64,
}

impl Span {
    fn secs(&self) -> f64 {
        (self.last_done - self.first_claim) as f64 / 1000.0
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Throughput

fn throughput(bench: &Bench, parent: &Path, commit: f64) -> Vec<(String, bool)> {
    let n = env_usize("CONTENTHUB_BENCH_THROUGHPUT_TASKS", 10_000).max(1);
    let deep = env_usize("CONTENTHUB_BENCH_THROUGHPUT_CONCURRENCY", 50).max(1);
    println!();
    println!(
        "[2] throughput: {n} tasks, template generator, `daemon run --until-idle`, first claim \
         → last completion; at the default max_concurrent (5), then at {deep}"
    );
    println!(
        "    (the template generator answers at once: max_concurrent is then only how many \
         tasks one claim and one result commit carry)"
    );
    let mut out = Vec::new();
    let mut rates = Vec::new();
    for (label, config) in [
        ("max_concurrent 5".to_string(), String::new()),
        (
            format!("max_concurrent {deep}"),
            format!("[daemon]\nmax_concurrent = {deep}\n"),
        ),
    ] {
        for k in [1usize, 3] {
            let name = format!("throughput{k}c{}", rates.len());
            let site = Site::new(parent, &name, &config);
            let import = site.submit_tasks(&bench.bin, n);
            let wall = site.drain(&bench.bin, k);
            let span = site.span();
            let rate = span.completed as f64 / span.secs();
            let ratio = rate / commit;
            println!(
                "    {label}, {k} daemon{}: {} of {} completed; {:.2} s from first claim to last \
                 completion = {rate:.0} tasks/s = {ratio:.2} × the commit rate (wall {:.2} s; \
                 import {:.2} s)",
                if k == 1 { "" } else { "s" },
                span.completed,
                span.total,
                span.secs(),
                wall.as_secs_f64(),
                import.as_secs_f64()
            );
            rates.push(rate);
            if k == 3 {
                let ok = ratio >= 0.3 && span.completed == n;
                out.push((
                    format!(
                        "throughput, 3 daemons, {label}: {rate:.0} tasks/s = {ratio:.2} × \
                         commit rate (goal ≥ 0.30)"
                    ),
                    ok,
                ));
            }
        }
    }
    let after = bench.commit_rate();
    let mean = (commit + after) / 2.0;
    println!(
        "    commit rate again after the drains: {after:.0} rows/s (before {commit:.0}); \
         against the mean: at 5, 1 daemon {:.2}, 3 daemons {:.2}; at {deep}, 1 daemon {:.2}, \
         3 daemons {:.2}",
        rates[0] / mean,
        rates[1] / mean,
        rates[2] / mean,
        rates[3] / mean
    );
    out
}

// ---------------------------------------------------------------------------------------------
// 3. Latency-bound efficiency

fn latency(bench: &Bench, parent: &Path) -> Vec<(String, bool)> {
    let n = env_usize("CONTENTHUB_BENCH_LATENCY_TASKS", 1_500).max(1);
    let ms = env_usize("CONTENTHUB_BENCH_LATENCY_MS", 500) as u64;
    let (k, per) = (3usize, 20usize);
    let ideal = n as f64 * ms as f64 / 1000.0 / (k * per) as f64;
    println!();
    println!(
        "[3] latency-bound efficiency: {k} daemons × max_concurrent {per}, {n} tasks, mock \
         answering after {ms} ms; ideal {ideal:.2} s"
    );
    let mock = mock::Mock::start(Duration::from_millis(ms));
    // The profile sets no max_concurrent: the daemons' own limit is the one measured.
    let config = format!(
        "[daemon]\nmax_concurrent = {per}\n\n[generators.default]\nkind = \"openai\"\n\
         base_url = \"{}\"\nmodel = \"bench-model\"\n",
        mock.base_url
    );
    let site = Site::new(parent, "latency", &config);
    site.submit_tasks(&bench.bin, n);
    let wall = site.drain(&bench.bin, k);
    let span = site.span();
    let eff = ideal / span.secs();
    let st = &mock.stats;
    let first = st.first_us.load(std::sync::atomic::Ordering::Relaxed);
    let last = st.last_done_us.load(std::sync::atomic::Ordering::Relaxed);
    let busy = st.busy_us.load(std::sync::atomic::Ordering::Relaxed);
    let mock_span = (last - first) as f64 / 1e6;
    println!(
        "    {} of {} completed; first claim → last completion {:.2} s (wall {:.2} s): \
         efficiency {eff:.2}",
        span.completed,
        span.total,
        span.secs(),
        wall.as_secs_f64()
    );
    println!(
        "    mock: {} requests, first request → last answer {mock_span:.2} s, mean in flight \
         {:.1}, at most {}; first claim → first request {:.0} ms, last answer → last \
         completion {:.0} ms",
        st.requests.load(std::sync::atomic::Ordering::Relaxed),
        busy as f64 / 1e6 / mock_span,
        st.max_in_flight.load(std::sync::atomic::Ordering::Relaxed),
        first as f64 / 1e3 - span.first_claim as f64,
        span.last_done as f64 - last as f64 / 1e3
    );
    // Where slot time went: held by a task (claim → completion, of which the mock's delay
    // is the useful part) or between one task's completion and the slot's next claim.
    let row = site
        .db
        .client()
        .query_one(
            "SELECT sum(completed_at - submitted_at)::bigint,
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY completed_at - submitted_at),
                    percentile_cont(0.99) WITHIN GROUP (ORDER BY completed_at - submitted_at),
                    count(DISTINCT submitted_at)
               FROM tasks WHERE status = 'completed'",
            &[],
        )
        .expect("read the claim spans");
    let held_ms: i64 = row.get::<_, Option<i64>>(0).unwrap_or(0);
    let held = held_ms as f64 / 1000.0 / ((k * per) as f64 * span.secs());
    println!(
        "    slots held by a task (claim → completion) {:.0} % of the span; per task claim → \
         completion p50 {:.0} ms, p99 {:.0} ms (mock {ms} ms); {} distinct claim stamps \
         (≈ claim transactions); the rest is between a completion and the next claim",
        held * 100.0,
        row.get::<_, Option<f64>>(1).unwrap_or(f64::NAN),
        row.get::<_, Option<f64>>(2).unwrap_or(f64::NAN),
        row.get::<_, i64>(3)
    );
    vec![(
        format!("latency-bound efficiency: {eff:.2} (goal ≥ 0.90)"),
        eff >= 0.9 && span.completed == n,
    )]
}

// ---------------------------------------------------------------------------------------------
// 4. The CLI on a million tasks, SQLite and PostgreSQL

fn cli(bench: &Bench, parent: &Path) -> Vec<(String, bool)> {
    let n = env_usize("CONTENTHUB_BENCH_TASKS", 1_000_000).max(100);
    let runs = env_usize("CONTENTHUB_BENCH_RUNS", 11).max(1);
    let settle_secs = env_usize("CONTENTHUB_BENCH_SETTLE_SECS", 5) as u64;
    println!();
    println!("[4] CLI on {n} tasks: SQLite and a PostgreSQL copy of it, {runs} rounds");
    let root = parent.join("cli");
    let db = root.join("data/contenthub/contenthub.db");
    let t = Instant::now();
    let shape = fill::Shape {
        tasks: n,
        days: 60,
        active: (n / 100).max(10),
        contents: false,
    };
    let filled = fill::fill(&db, &shape, now_ms(), fill::SEED);
    let conn = rusqlite::Connection::open(&db).expect("open the filled store");
    checkpoint(&conn);
    drop(conn);
    println!(
        "    fill (SQLite): {} tasks, {} events in {:.1} s",
        filled.tasks,
        filled.events,
        t.elapsed().as_secs_f64()
    );
    let lite = bench_env(&root, &db);
    let pgdb = BenchDb::create("cli");
    let pg = bench_env(&root, Path::new(&pgdb.url));
    // The same database through a connection pooler on this host, when one is named: a
    // command then reuses a server session instead of starting one.
    let pooled: Option<Vec<(String, String)>> = std::env::var("CONTENTHUB_BENCH_PG_POOLER")
        .ok()
        .filter(|a| !a.trim().is_empty())
        .map(|authority| {
            let url = pooled_url(&pgdb.url, authority.trim());
            bench_env(&root, Path::new(&url))
        });
    let (copy, _) = run_once(
        &bench.bin,
        &lite,
        &args(&["store", "copy", "--to", &pgdb.url]),
        |o| o.status.success(),
    );
    let rate = n as f64 / copy.as_secs_f64();
    println!(
        "    store copy --to postgres://…: {:.1} s ({rate:.0} tasks/s with their events)",
        copy.as_secs_f64()
    );

    let account = filled.accounts[0].clone();
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "task submit",
            args(&[
                "task",
                "submit",
                "-a",
                &account,
                "-t",
                "集群基准：再提交一篇",
            ]),
        ),
        (
            "task list --limit 50",
            args(&["task", "list", "--limit", "50"]),
        ),
        ("task stats", args(&["task", "stats"])),
        ("monitor health", args(&["monitor", "health"])),
        // References, not goals: a process that opens no store, and one that opens the store
        // and looks up one task that does not exist (exit 3): the floor of every command.
        ("(ref) --version", args(&["--version"])),
        (
            "(ref) open + 1 look-up",
            args(&["task", "show", "task-000000000000"]),
        ),
    ];
    // `monitor health` finds no daemon: CRITICAL (exit 2) is the expected answer; the
    // look-up finds nothing (exit 3).
    let accept = |o: &Output| {
        let code = o.status.code().unwrap_or(-1);
        (code == 0 && !o.stdout.is_empty())
            || (code == 2 && o.stdout.starts_with(b"CONTENTHUB "))
            || (code == 3 && o.stderr.starts_with(b"error: "))
    };
    let round = |env: &[(String, String)]| -> Vec<Duration> {
        cases
            .iter()
            .map(|(_, argv)| run_once(&bench.bin, env, argv, accept).0)
            .collect()
    };

    // As copied: statistics are whatever autovacuum has gathered so far.
    let as_copied: Vec<Vec<Duration>> = (0..3).map(|_| round(&pg)).collect();
    let as_copied: Vec<Summary> = (0..cases.len())
        .map(|i| Summary::of(as_copied.iter().map(|r| r[i]).collect()))
        .collect();
    let analyze = !std::env::var("CONTENTHUB_BENCH_PG_ANALYZE").is_ok_and(|v| v == "0");
    if analyze {
        let t = Instant::now();
        pgdb.client()
            .batch_execute("VACUUM (ANALYZE)")
            .expect("VACUUM (ANALYZE)");
        println!(
            "    VACUUM (ANALYZE) after the copy: {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    settle(settle_secs);

    let mut lite_t: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    let mut pg_t: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    let mut pooled_t: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    // Round 0 warms up; each round runs every command once on each store.
    for r in 0..=runs {
        let a = round(&lite);
        let b = round(&pg);
        let c = pooled.as_ref().map(|env| round(env));
        if r > 0 {
            for i in 0..cases.len() {
                lite_t[i].push(a[i]);
                pg_t[i].push(b[i]);
                if let Some(c) = &c {
                    pooled_t[i].push(c[i]);
                }
            }
        }
    }
    println!();
    println!(
        "    {:<22}  {:>10}  {:>10}  {:>6}  {:>15}  result{}",
        "command",
        "SQLite ms",
        "PG ms",
        "PG/SQL",
        if analyze { "PG as copied ms" } else { "" },
        if pooled.is_some() {
            "  pooled ms  pooled/SQL  result"
        } else {
            ""
        }
    );
    let mut out = Vec::new();
    for (i, (label, _)) in cases.iter().enumerate() {
        let reference = label.starts_with("(ref)");
        let l = Summary::of(std::mem::take(&mut lite_t[i]));
        let p = Summary::of(std::mem::take(&mut pg_t[i]));
        let ratio = p.median / l.median;
        let pooled_ratio = (!pooled_t[i].is_empty()).then(|| {
            let q = Summary::of(std::mem::take(&mut pooled_t[i]));
            (q.median, q.median / l.median)
        });
        println!(
            "    {label:<22}  {:>10.2}  {:>10.2}  {ratio:>6.2}  {:>15}  {:<6}{}",
            l.median,
            p.median,
            if analyze {
                format!("{:.2}", as_copied[i].median)
            } else {
                String::new()
            },
            if reference {
                "-"
            } else {
                verdict(ratio <= 2.0)
            },
            match pooled_ratio {
                Some((ms, r)) => format!(
                    "  {ms:>9.2}  {r:>10.2}  {}",
                    if reference { "-" } else { verdict(r <= 2.0) }
                ),
                None => String::new(),
            }
        );
        if reference {
            continue;
        }
        if let Some((ms, r)) = pooled_ratio {
            out.push((
                format!(
                    "cli {label}, through the pooler: PostgreSQL {ms:.1} ms ÷ SQLite {:.1} ms = \
                     {r:.2} (goal ≤ 2)",
                    l.median
                ),
                r <= 2.0,
            ));
        }
        out.push((
            format!(
                "cli {label}: PostgreSQL {:.1} ms ÷ SQLite {:.1} ms = {ratio:.2} (goal ≤ 2)",
                p.median, l.median
            ),
            ratio <= 2.0,
        ));
    }
    out
}

/// `url` with its host and port replaced by `authority` (`host:port`).
fn pooled_url(url: &str, authority: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (userinfo, hostpath) = match rest.split_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), rest),
    };
    let path = hostpath.find(['/', '?']).map_or("", |i| &hostpath[i..]);
    format!("{scheme}://{userinfo}{authority}{path}")
}

// ---------------------------------------------------------------------------------------------
// 5. Pickup latency

fn pickup(bench: &Bench, parent: &Path) -> Vec<(String, bool)> {
    let n = env_usize("CONTENTHUB_BENCH_PICKUP_SAMPLES", 200).max(1);
    println!();
    println!(
        "[5] pickup latency: one idle `daemon run` (template generator), {n} tasks through \
         `task submit`, one at a time"
    );
    let site = Site::new(parent, "pickup", "");
    site.run(&bench.bin, &["account", "add", "blog"]);
    let mut daemon = site.daemon(&bench.bin, 0, &[]);
    std::thread::sleep(Duration::from_secs(2));
    let mut client = site.db.client();
    let look = client
        .prepare("SELECT created_at, submitted_at, status FROM tasks WHERE topic = $1")
        .expect("prepare the look-up");
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut lat = Vec::with_capacity(n);
    let mut lost = 0;
    for i in 0..n {
        let topic = format!("取件延迟 {i}");
        site.run(
            &bench.bin,
            &["task", "submit", "-q", "-a", "blog", "-t", &topic],
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let row = client
                .query_opt(&look, &[&topic])
                .expect("look up the task");
            if let Some(r) = row {
                let status: String = r.get(2);
                if status == "completed" {
                    let created: i64 = r.get(0);
                    let claimed: Option<i64> = r.get(1);
                    lat.push(claimed.map_or(f64::NAN, |c| (c - created) as f64));
                    break;
                }
            }
            if Instant::now() > deadline {
                lost += 1;
                println!("    task {i} did not complete within 10 s");
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_micros(50_000 + rng.next() % 50_000));
    }
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let status = daemon.wait().expect("wait for the daemon");
    lat.retain(|v| v.is_finite());
    lat.sort_by(f64::total_cmp);
    let rank = |q: f64| lat[((lat.len() as f64 * q).ceil() as usize).clamp(1, lat.len()) - 1];
    let (p50, p99, max) = (rank(0.5), rank(0.99), lat[lat.len() - 1]);
    println!(
        "    {} samples ({lost} lost): created_at → claim (submitted_at) p50 {p50:.0} ms, p99 \
         {p99:.0} ms, max {max:.0} ms (stamps in whole ms); the daemon exited with {status}",
        lat.len()
    );
    vec![
        (
            format!("pickup p50 {p50:.0} ms (goal ≤ 50 ms)"),
            p50 <= 50.0 && lost == 0,
        ),
        (
            format!("pickup p99 {p99:.0} ms (reported; ≤ 250 ms)"),
            p99 <= 250.0,
        ),
    ]
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
