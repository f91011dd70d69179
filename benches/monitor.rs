//! Monitoring latency on a store of a million tasks spread over 30 days (issue 6, "Measure":
//! `monitor metrics` with its default 24 h window and `monitor health`, ≤ 150 ms each).
//!
//! `cargo bench --bench monitor`:
//!
//! 1. fills a store in a temporary directory with `CONTENTHUB_BENCH_TASKS` tasks (default
//!    1,000,000) created over the last 30 days, the tasks in one transaction, with the shared filler
//!    (`support/fill.rs`, as in the `cli` bench), in a steady state: only the newest 10 tasks
//!    are held back (5 in flight, 5 pending), and tasks "now" catches running stay running, so
//!    the last hour has its share of finished tasks. Every completed task also gets its article
//!    (a `contents` row of 1–3 KB of Markdown, as `contents::insert` writes it at the time the
//!    task completed, with model, tokens and review state) and points at it, and the counters
//!    the daemon keeps (outcomes, retries, queue-wait and generation sums, tokens in all and
//!    per model) hold the totals of the rows. First, a small store is filled both this way and
//!    through the daemon's own code (`tasks::insert`, `tasks::transition`, `queue::finish`,
//!    `tasks::cancel`) and compared row by row, counters included. A last transaction writes
//!    the daemon's heartbeat row (`queue::beat`) as of the end of the fill;
//! 2. lets the machine settle (`sync`, then `CONTENTHUB_BENCH_SETTLE_SECS`, default 5 s),
//!    probes the fsync latency, and counts what the last 24 hours hold;
//! 3. runs the release binary against the store (`CONTENTHUB_DB`, a private `HOME`/`XDG_*`
//!    with a config naming the data's generator profiles and the models' prices, `NO_COLOR=1`,
//!    nothing else from the caller's environment but `PATH`, `TZ` and `LANG`) and reports
//!    whole-process wall time: a warm-up round, then `CONTENTHUB_BENCH_RUNS`
//!    (default 11) measured rounds, each running every command once. No daemon holds the
//!    store's lock, so `monitor health` reports it down and exits 2 (CRITICAL): that is
//!    expected, and only its output is checked;
//! 4. prints the store size per task after `PRAGMA wal_checkpoint(TRUNCATE)`.
//!
//! `CONTENTHUB_BENCH_KEEP=1` keeps the directory.

#[path = "support/fill.rs"]
mod fill;
#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use contenthub::domain::time::{now_ms, Millis};
use contenthub::store::Store;
use fill::{Shape, DAY_MS, SEED};
use rusqlite::Connection;
use support::{
    args, bench_env, checkpoint, env_usize, file_len, fsync_probe, print_table, run_once, settle,
    wal_path, Goal, Summary,
};

const DEFAULT_TASKS: usize = 1_000_000;
const DEFAULT_RUNS: usize = 11;
/// The tasks span the 30 days before the run.
const DAYS: i64 = 30;
/// Issue 6: `monitor metrics` and `monitor health`.
const GOAL_MS: f64 = 150.0;
/// The operator's config (under the private `XDG_CONFIG_HOME`): the generator profiles the
/// data names (`default`, a content-creator job service; `deepseek`, OpenAI-compatible; and the
/// built-in `template`), and prices, so that `monitor metrics` computes costs.
const CONFIG: &str = r#"[generators.default]
kind = "content-creator"
base_url = "http://127.0.0.1:18100"

[generators.deepseek]
kind = "openai"
base_url = "https://api.deepseek.com"
model = "deepseek-chat"
api_key_env = "DEEPSEEK_API_KEY"

[prices."deepseek-chat"]
prompt_per_million = 0.27
completion_per_million = 1.10
currency = "USD"

[prices."qwen-plus"]
prompt_per_million = 0.8
completion_per_million = 2.0
currency = "CNY"

[prices."qwen-max"]
prompt_per_million = 2.4
completion_per_million = 9.6
currency = "CNY"

[prices."glm-4-plus"]
prompt_per_million = 5.0
completion_per_million = 5.0
currency = "CNY"
"#;

/// `n` tasks over 30 days with their articles, in a steady state: besides a small tail of the
/// newest (5 in flight, 5 pending), what is still running or waiting to retry at "now".
fn shape(n: usize) -> Shape {
    Shape {
        tasks: n,
        days: DAYS,
        active: 10,
        contents: true,
    }
}

fn main() {
    let n = env_usize("CONTENTHUB_BENCH_TASKS", DEFAULT_TASKS).max(100);
    let runs = env_usize("CONTENTHUB_BENCH_RUNS", DEFAULT_RUNS).max(1);
    let settle_secs = env_usize("CONTENTHUB_BENCH_SETTLE_SECS", 5) as u64;
    let keep = std::env::var("CONTENTHUB_BENCH_KEEP").is_ok_and(|v| !v.is_empty() && v != "0");
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "contenthub monitor benchmark: {n} tasks over {DAYS} days, {runs} measured runs per \
         command after 1 warm-up (round-robin), {cpus} CPUs"
    );

    let dir = tempfile::Builder::new()
        .prefix("contenthub-bench-")
        .tempdir()
        .expect("create a temporary directory");
    let root = dir.path().to_path_buf();
    let db = root.join("data/contenthub/contenthub.db");
    let now = now_ms();

    // One day, so that tasks still running at "now" are part of the check.
    let check = Shape {
        days: 1,
        ..shape(3_000)
    };
    fill::verify_fast_path(&root.join("verify.db"), now, &check);

    // 1. Fill.
    let t = Instant::now();
    let fill = fill::fill(&db, &shape(n), now, SEED);
    let mut store = Store::open(&db).expect("open the bench store");
    fill::beat(&mut store, fill.daemon, now);
    drop(store);
    let fill_time = t.elapsed();
    let conn = Connection::open(&db).expect("open the bench store");
    checkpoint(&conn);
    let fill_total = t.elapsed();
    println!(
        "fill: {} tasks, {} events, {} contents, {} accounts in {:.1} s ({:.0} tasks/s); checkpoint done at {:.1} s",
        fill.tasks,
        fill.events,
        fill.contents,
        fill.accounts.len(),
        fill_time.as_secs_f64(),
        fill.tasks as f64 / fill_time.as_secs_f64(),
        fill_total.as_secs_f64(),
    );
    fill::print_statuses(&conn);
    print_counters(&conn);
    println!(
        "heartbeat: daemon {} (started {:.1} days before the fill), last beat at the end of the fill",
        fill.daemon.0,
        (now - fill.daemon.1) as f64 / DAY_MS as f64
    );
    drop(conn);

    // 2. Settle.
    settle(settle_secs);
    let fsync = fsync_probe(&root);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "fsync of a 4 KiB write in the store's directory: median {:.2} ms (min {:.2}, p90 {:.2}); \
         load average {}",
        fsync.median,
        fsync.min,
        fsync.p90,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    );
    print_window(&db, now_ms());

    // 3. Measure.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_contenthub"));
    let env = bench_env(&root, &db);
    let config = root.join("home/.config/contenthub/config.toml");
    std::fs::create_dir_all(config.parent().expect("a parent")).expect("create the config dir");
    std::fs::write(&config, CONFIG).expect("write the config");
    let cases: Vec<Case> = vec![
        Case::new(&["--version"], Goal::SpawnFloor, Expect::Success),
        Case::new(&["monitor", "metrics"], Goal::Ms(GOAL_MS), Expect::Success),
        Case::new(
            &["monitor", "metrics", "--format", "json"],
            Goal::None,
            Expect::Json,
        ),
        Case::new(
            &["monitor", "metrics", "--format", "prometheus"],
            Goal::None,
            Expect::Success,
        ),
        Case::new(&["monitor", "health"], Goal::Ms(GOAL_MS), Expect::Health),
        Case::new(
            &["monitor", "health", "--format", "json"],
            Goal::None,
            Expect::HealthJson,
        ),
        Case::new(
            &["monitor", "stats", "--days", "7"],
            Goal::None,
            Expect::Success,
        ),
        Case::new(&["monitor", "alerts"], Goal::None, Expect::Alerts),
    ];
    // Round-robin: every round runs each command once, so a disturbance on the machine
    // spreads over all commands instead of spoiling one. Round 0 is the warm-up; what it
    // printed is shown once.
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); cases.len()];
    for round in 0..=runs {
        for (i, case) in cases.iter().enumerate() {
            let (t, out) = run_once(&bin, &env, &case.argv, |out| case.expect.accepts(out));
            if round == 0 {
                show(case, &out);
            }
            if round > 0 {
                times[i].push(t);
            }
        }
    }
    let results: Vec<_> = cases
        .iter()
        .zip(times)
        .map(|(case, t)| (case.label(), Summary::of(t), case.goal))
        .collect();
    print_table(&results);

    // 4. Size.
    let conn = Connection::open(&db).expect("reopen the bench store");
    checkpoint(&conn);
    let (rows, contents, body): (i64, i64, f64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM tasks), count(*), coalesce(avg(length(CAST(body AS BLOB))), 0)
             FROM contents",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("count tasks and contents");
    assert_eq!(rows as usize, n, "task count after the runs");
    let size = file_len(&db);
    let wal = file_len(&wal_path(&db));
    println!(
        "store: {} bytes (db {size} + wal {wal}) after wal_checkpoint(TRUNCATE), {rows} tasks, {contents} contents (body {body:.0} bytes on average): {:.1} bytes/task",
        size + wal,
        (size + wal) as f64 / rows as f64,
    );
    drop(conn);

    if keep {
        let kept = dir.keep();
        println!("kept {} (store: {})", kept.display(), db.display());
    }
}

fn print_counters(conn: &Connection) {
    let mut stmt = conn
        .prepare("SELECT name, labels, value FROM counters ORDER BY name, labels")
        .expect("prepare");
    let counters: Vec<String> = stmt
        .query_map([], |r| {
            let (name, labels, value): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            Ok(if labels.is_empty() {
                format!("{name} {value}")
            } else {
                format!("{name}{{{labels}}} {value}")
            })
        })
        .expect("counters")
        .collect::<Result<_, _>>()
        .expect("counters");
    println!("counters: {}", counters.join(", "));
}

/// What the default 24 h window of `monitor metrics` covers as of `now`.
fn print_window(db: &Path, now: Millis) {
    let conn = Connection::open(db).expect("open the bench store");
    let since = now - DAY_MS;
    let count = |sql: &str| -> i64 {
        conn.query_row(sql, [since], |r| r.get(0))
            .expect("count the window")
    };
    let created = count("SELECT count(*) FROM tasks WHERE created_at > ?1");
    let finished =
        count("SELECT count(*) FROM tasks WHERE completed_at IS NOT NULL AND completed_at > ?1");
    let completed = count(
        "SELECT count(*) FROM tasks WHERE completed_at IS NOT NULL AND completed_at > ?1
           AND status = 'completed'",
    );
    let contents = count("SELECT count(*) FROM contents WHERE created_at > ?1");
    println!(
        "last 24 h: {created} tasks created, {finished} finished ({completed} completed), {contents} contents written"
    );
}

/// What a run must leave for the benchmark to go on.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Exit 0 and some output.
    Success,
    /// Exit 0 and a JSON document.
    Json,
    /// The monitoring-plugin line (exit 0–3; 2 here, as no daemon runs).
    Health,
    /// A JSON document (exit 0–3).
    HealthJson,
    /// Exit 0 (nothing firing) or 1 (something firing), and some output.
    Alerts,
}

impl Expect {
    fn accepts(self, out: &Output) -> bool {
        let code = out.status.code();
        let json = || serde_json::from_slice::<serde_json::Value>(&out.stdout).is_ok();
        match self {
            Expect::Success => code == Some(0) && !out.stdout.is_empty(),
            Expect::Json => code == Some(0) && json(),
            Expect::Health => matches!(code, Some(0..=3)) && out.stdout.starts_with(b"CONTENTHUB "),
            Expect::HealthJson => matches!(code, Some(0..=3)) && json(),
            Expect::Alerts => matches!(code, Some(0 | 1)) && !out.stdout.is_empty(),
        }
    }
}

struct Case {
    argv: Vec<String>,
    goal: Goal,
    expect: Expect,
}

impl Case {
    fn new(argv: &[&str], goal: Goal, expect: Expect) -> Case {
        Case {
            argv: args(argv),
            goal,
            expect,
        }
    }

    fn label(&self) -> String {
        let argv = self.argv.join(" ");
        if argv.starts_with("--") {
            format!("contenthub {argv}")
        } else {
            argv
        }
    }
}

/// The exit status and first line of a command's output.
fn show(case: &Case, out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let first: String = stdout
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(150)
        .collect();
    println!(
        "{}: exit {}, {} lines: {first}",
        case.label(),
        out.status.code().map_or("-".into(), |c| c.to_string()),
        stdout.lines().count(),
    );
}
