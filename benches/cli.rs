//! CLI latency on a store of a million tasks (DESIGN §7; issue 2, "Measure").
//!
//! `cargo bench --bench cli`:
//!
//! 1. fills a store in a temporary directory with `CONTENTHUB_BENCH_TASKS` tasks (default
//!    1,000,000) with the shared filler (`support/fill.rs`): accounts via
//!    `store::accounts::insert`; then, in one transaction, each task as the row `tasks::insert`
//!    followed by its `tasks::transition`s would leave (the transitions carry the changes the
//!    daemon's `store::queue` and `tasks::cancel` pass), with its events as
//!    `tasks::record_event` writes them.
//!    First, a small store is filled both ways (this fast path, and the real `tasks::insert`
//!    and `tasks::transition`) and compared row by row, so the fast path cannot drift from
//!    what the code writes;
//! 2. lets the machine settle (`sync`, then `CONTENTHUB_BENCH_SETTLE_SECS`, default 5 s: right
//!    after writing ~1 GB every fsync is several times slower) and probes the fsync latency;
//! 3. runs the release binary against the store (`CONTENTHUB_DB`, a private `HOME`/`XDG_*`,
//!    `NO_COLOR=1`, nothing else from the caller's environment but `PATH`, `TZ` and `LANG`)
//!    and reports whole-process wall time (spawn until exit, stdout and stderr drained through
//!    pipes): a warm-up round, then `CONTENTHUB_BENCH_RUNS` (default 11) measured rounds, each
//!    running every command once;
//! 4. prints the store size per task after `PRAGMA wal_checkpoint(TRUNCATE)`.
//!
//! The data is deterministic (a seeded xorshift generator) apart from its anchor in time: the
//! tasks span the 60 days before the run. `CONTENTHUB_BENCH_KEEP=1` keeps the directory.

#[path = "support/fill.rs"]
mod fill;
#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::{
    args, bench_env, checkpoint, env_usize, file_len, fsync_probe, print_table, run_once, settle,
    wal_path, Goal, Summary,
};

use contenthub::domain::time::now_ms;
use fill::{Shape, SEED};
use rusqlite::Connection;

const DEFAULT_TASKS: usize = 1_000_000;
const DEFAULT_RUNS: usize = 11;
/// The tasks span the 60 days before the run.
const DAYS: i64 = 60;

/// `n` tasks over 60 days without contents; the newest 1 % have not finished.
fn shape(n: usize) -> Shape {
    Shape {
        tasks: n,
        days: DAYS,
        active: (n / 100).max(10),
        contents: false,
    }
}

fn main() {
    let n = env_usize("CONTENTHUB_BENCH_TASKS", DEFAULT_TASKS).max(100);
    let runs = env_usize("CONTENTHUB_BENCH_RUNS", DEFAULT_RUNS).max(1);
    let settle_secs = env_usize("CONTENTHUB_BENCH_SETTLE_SECS", 5) as u64;
    let keep = std::env::var("CONTENTHUB_BENCH_KEEP").is_ok_and(|v| !v.is_empty() && v != "0");
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "contenthub CLI benchmark: {n} tasks, {runs} measured runs per command after 1 warm-up \
         (round-robin), {cpus} CPUs"
    );

    let dir = tempfile::Builder::new()
        .prefix("contenthub-bench-")
        .tempdir()
        .expect("create a temporary directory");
    let root = dir.path().to_path_buf();
    let db = root.join("data/contenthub/contenthub.db");
    let now = now_ms();

    fill::verify_fast_path(&root.join("verify.db"), now, &shape(3_000));

    // 1. Fill.
    let t = Instant::now();
    let fill = fill::fill(&db, &shape(n), now, SEED);
    let fill_time = t.elapsed();
    let conn = Connection::open(&db).expect("open the bench store");
    checkpoint(&conn);
    let fill_total = t.elapsed();
    println!(
        "fill: {} tasks, {} events, {} accounts in {:.1} s ({:.0} tasks/s); checkpoint done at {:.1} s",
        fill.tasks,
        fill.events,
        fill.accounts.len(),
        fill_time.as_secs_f64(),
        fill.tasks as f64 / fill_time.as_secs_f64(),
        fill_total.as_secs_f64(),
    );
    fill::print_statuses(&conn);
    let prefix = pick_prefix(&conn, n);
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

    // 3. Measure.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_contenthub"));
    let env = bench_env(&root, &db);
    let account = fill.accounts[0].clone();
    let mut submitted = 0usize;
    let cases: Vec<(String, Vec<String>, Goal)> = vec![
        (
            "contenthub --version".into(),
            args(&["--version"]),
            Goal::SpawnFloor,
        ),
        (
            format!("task submit -a {account} -t <topic>"),
            args(&[
                "task",
                "submit",
                "-a",
                &account,
                "-t",
                "Rust 异步编程入门：从 Future 到 Tokio",
            ]),
            Goal::Ms(10.0),
        ),
        (
            "task list --limit 50".into(),
            args(&["task", "list", "--limit", "50"]),
            Goal::Ms(30.0),
        ),
        (
            "task list --status failed --limit 50".into(),
            args(&["task", "list", "--status", "failed", "--limit", "50"]),
            Goal::Ms(30.0),
        ),
        (
            "task stats".into(),
            args(&["task", "stats"]),
            Goal::Ms(100.0),
        ),
        (
            format!("task show {prefix}"),
            args(&["task", "show", &prefix]),
            Goal::Ms(10.0),
        ),
    ];
    // Round-robin: every round runs each command once, so a disturbance on the machine
    // spreads over all commands instead of spoiling one. Round 0 is the warm-up.
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); cases.len()];
    for round in 0..=runs {
        for (i, (_, argv, _)) in cases.iter().enumerate() {
            let (t, _) = run_once(&bin, &env, argv, |out| {
                out.status.success() && !out.stdout.is_empty()
            });
            if argv
                .iter()
                .map(String::as_str)
                .take(2)
                .eq(["task", "submit"])
            {
                submitted += 1;
            }
            if round > 0 {
                times[i].push(t);
            }
        }
    }
    let results: Vec<_> = cases
        .iter()
        .zip(times)
        .map(|((label, _, goal), t)| (label.clone(), Summary::of(t), *goal))
        .collect();
    print_table(&results);

    // 4. Size.
    let conn = Connection::open(&db).expect("reopen the bench store");
    checkpoint(&conn);
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM tasks", [], |r| r.get(0))
        .expect("count tasks");
    assert_eq!(rows as usize, n + submitted, "task count after the runs");
    let size = file_len(&db);
    let wal = file_len(&wal_path(&db));
    println!(
        "store: {} bytes (db {size} + wal {wal}) after wal_checkpoint(TRUNCATE), {rows} tasks ({n} filled + {submitted} submitted): {:.1} bytes/task",
        size + wal,
        (size + wal) as f64 / rows as f64,
    );
    drop(conn);

    if keep {
        let kept = dir.keep();
        println!("kept {} (store: {})", kept.display(), db.display());
    }
}

/// A 6-hex-digit prefix that names exactly one task: the first completed task from the middle
/// of the store on whose prefix no other id falls.
fn pick_prefix(conn: &Connection, n: usize) -> String {
    let mut stmt = conn
        .prepare(
            "SELECT id FROM tasks WHERE seq >= ?1 AND status = 'completed' ORDER BY seq LIMIT 100",
        )
        .expect("prepare");
    let ids: Vec<i64> = stmt
        .query_map([n as i64 / 2], |r| r.get(0))
        .expect("ids")
        .collect::<Result<_, _>>()
        .expect("ids");
    for id in ids {
        let lo = id & !0xFF_FFFF;
        let hi = lo | 0xFF_FFFF;
        let matches: i64 = conn
            .query_row(
                "SELECT count(*) FROM tasks WHERE id BETWEEN ?1 AND ?2",
                [lo, hi],
                |r| r.get(0),
            )
            .expect("count prefix matches");
        if matches == 1 {
            let prefix = format!("task-{:06x}", id >> 24);
            let events: i64 = conn
                .query_row(
                    "SELECT count(*) FROM task_events WHERE task_seq = (SELECT seq FROM tasks WHERE id = ?1)",
                    [id],
                    |r| r.get(0),
                )
                .expect("count events");
            println!("task show uses {prefix}: unique prefix of task-{id:012x} (completed, {events} events)");
            return prefix;
        }
    }
    panic!("no unique 6-digit prefix among 100 tasks");
}
