//! `scheduler run` with 1,000 plans, 100 of them due (issue 5, "Measure"; goal ≤ 200 ms).
//!
//! `cargo bench --bench scheduler`:
//!
//! 1. builds a template store in a temporary directory through the library
//!    (`store::accounts::insert`, `store::plans::insert`, `store::plans::advance`,
//!    `store::plans::claim_slot` and `store::plans::finish_run` for past runs), in one
//!    transaction: 100 accounts and 1,000 enabled plans in a mix of cron expressions and time
//!    zones, each with a topic list and ten past runs. For every plan `last_slot_at` is the
//!    slot before the run time `T` (the top of the next hour + 30 s), computed with
//!    `schedule::Schedule`; for 100 hourly plans it is one slot earlier, so exactly those are
//!    due at `T`, each for one account with count 1;
//! 2. probes the fsync latency of the directory (every fired slot is one `BEGIN IMMEDIATE`
//!    transaction, committed with `synchronous = FULL`);
//! 3. runs the release binary (`CARGO_BIN_EXE_contenthub`) with `scheduler run --at T`, each
//!    time on a fresh copy of the template (the copy is not timed), so the same 100 plans are
//!    due every time, and checks that it exited 0, printed nothing and fired 100 slots with
//!    100 tasks. Each sample is the whole-process wall time, spawn to exit. For scale it also
//!    times `--version` (the spawn floor), `scheduler run --dry-run --at T` (evaluates every
//!    plan, writes nothing) and `scheduler run --at T` on a copy where the 100 have already
//!    fired (evaluates every plan, fires nothing). Rounds are round-robin after one warm-up;
//! 4. splits the time in-process: `Store::open`, `schedule::fire_due` as a dry run, and the
//!    real `fire_due`, on fresh copies.
//!
//! `CONTENTHUB_BENCH_RUNS` (default 11, at least 5) sets the measured rounds;
//! `CONTENTHUB_BENCH_KEEP=1` keeps the directory.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{args, bench_env, checkpoint, env_usize, fsync_probe, Summary};

use chrono::{DateTime, Utc};
use contenthub::domain::task::SubmitPolicy;
use contenthub::domain::time::{now_ms, Millis};
use contenthub::domain::NewAccount;
use contenthub::schedule::{self, Schedule};
use contenthub::store::plans::{self, PlanFields};
use contenthub::store::{accounts, Store};
use rusqlite::Connection;

const PLANS: usize = 1_000;
const DUE: usize = 100;
const ACCOUNTS: usize = 100;
const GOAL_MS: f64 = 200.0;
const HOUR: Millis = 3_600_000;

/// Schedules of the plans that are not due, round-robin.
const NOT_DUE: &[(&str, &str)] = &[
    ("0 8 * * *", "Asia/Shanghai"),
    ("30 7 * * 1-5", "Europe/Berlin"),
    ("0 */6 * * *", "America/New_York"),
    ("15 9 * * *", "UTC"),
    ("@daily", "Asia/Tokyo"),
    ("0 12 * * 0", "Australia/Sydney"),
    ("*/30 * * * *", "UTC"),
    ("45 18 1,15 * *", "America/Sao_Paulo"),
    ("0 9 * * mon", "Europe/London"),
    ("5 4 * * *", "Asia/Kolkata"),
];

/// Time zones of the due (hourly) plans: whole-hour offsets, so `0 * * * *` is due at `T`.
const DUE_TZ: &[&str] = &["UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York"];

fn main() {
    let runs = env_usize("CONTENTHUB_BENCH_RUNS", 11).max(5);
    let keep = std::env::var("CONTENTHUB_BENCH_KEEP").is_ok_and(|v| !v.is_empty() && v != "0");
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let dir = tempfile::Builder::new()
        .prefix("contenthub-bench-scheduler-")
        .tempdir()
        .expect("create a temporary directory");
    let root = dir.path().to_path_buf();
    let at = next_hour(now_ms()) + 30_000;
    let at_arg = rfc(at);
    println!(
        "contenthub scheduler benchmark: {PLANS} plans, {DUE} due at {at_arg}, {runs} measured \
         runs after 1 warm-up (round-robin), {cpus} CPUs"
    );

    // 1. The template store.
    let template = root.join("template.db");
    let t = Instant::now();
    build(&template, at);
    println!("template store built in {:.2} s", t.elapsed().as_secs_f64());

    // The same store after the 100 have fired: for the nothing-due case.
    let fired = root.join("fired.db");
    let work = root.join("work");
    std::fs::create_dir_all(&work).expect("create the work directory");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_contenthub"));
    let db = work.join("contenthub.db");
    let env = bench_env(&root, &db);
    let run_args = args(&["scheduler", "run", "--at", &at_arg]);
    fresh_copy(&template, &db);
    run_once(&bin, &env, &run_args, true);
    check_fired(&db);
    {
        let conn = Connection::open(&db).expect("open the fired store");
        checkpoint(&conn);
    }
    std::fs::copy(&db, &fired).expect("keep the fired store");

    // 2. fsync.
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
            .join(" ")
    );

    // 3. The binary.
    struct Case {
        label: String,
        argv: Vec<String>,
        source: Option<PathBuf>,
        goal: Option<f64>,
        fires: bool,
    }
    let cases = [
        Case {
            label: "contenthub --version".into(),
            argv: args(&["--version"]),
            source: None,
            goal: None,
            fires: false,
        },
        Case {
            label: format!("scheduler run --dry-run --at T ({DUE} due)"),
            argv: args(&["scheduler", "run", "--dry-run", "--at", &at_arg]),
            source: Some(template.clone()),
            goal: None,
            fires: false,
        },
        Case {
            label: "scheduler run --at T (nothing due)".into(),
            argv: run_args.clone(),
            source: Some(fired.clone()),
            goal: None,
            fires: false,
        },
        Case {
            label: format!("scheduler run --at T ({DUE} due)"),
            argv: run_args.clone(),
            source: Some(template.clone()),
            goal: Some(GOAL_MS),
            fires: true,
        },
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); cases.len()];
    for round in 0..=runs {
        for (i, c) in cases.iter().enumerate() {
            if let Some(src) = &c.source {
                fresh_copy(src, &db);
            }
            let t = run_once(&bin, &env, &c.argv, c.source.is_some());
            if c.fires {
                check_fired(&db);
            }
            if round > 0 {
                times[i].push(t);
            }
        }
    }
    println!();
    println!(
        "{:<40}  {:>9}  {:>7}  {:>7}  {:>7}  {:>11}  result",
        "command", "median ms", "min ms", "p90 ms", "goal ms", "goal/median"
    );
    let mut verdict = "";
    for (c, t) in cases.iter().zip(times) {
        let s = Summary::of(t);
        let (g, ratio, v) = match c.goal {
            Some(g) => {
                let ratio = g / s.median;
                let v = if ratio >= 1.0 { "PASS" } else { "MISS" };
                verdict = v;
                (format!("{g:.0}"), format!("{ratio:.2}"), v)
            }
            None => ("-".into(), "-".into(), ""),
        };
        println!(
            "{:<40}  {:>9.2}  {:>7.2}  {:>7.2}  {g:>7}  {ratio:>11}  {v}",
            c.label, s.median, s.min, s.p90
        );
    }
    println!();

    // 4. In process: where the time goes.
    let policy = SubmitPolicy {
        default_priority: 5,
        default_timeout: Duration::from_secs(1800),
        default_max_retries: 3,
        generators: Vec::new(),
        profile_timeouts: Vec::new(),
    };
    let (mut open, mut dry, mut real) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..=runs {
        fresh_copy(&template, &db);
        let t = Instant::now();
        let mut store = Store::open(&db).expect("open a copy");
        let o = t.elapsed();
        let t = Instant::now();
        let would = schedule::fire_due(&mut store, at, &policy, true).expect("dry run");
        let d = t.elapsed();
        assert_eq!(would.len(), DUE);
        let t = Instant::now();
        let fired = schedule::fire_due(&mut store, at, &policy, false).expect("fire");
        let r = t.elapsed();
        assert_eq!(fired.iter().filter(|f| !f.skipped).count(), DUE);
        drop(store);
        if round > 0 {
            open.push(o);
            dry.push(d);
            real.push(r);
        }
    }
    let (open, dry, real) = (Summary::of(open), Summary::of(dry), Summary::of(real));
    println!(
        "in process, medians: Store::open {:.2} ms; fire_due as a dry run (evaluates {PLANS} plans) \
         {:.2} ms; fire_due firing {DUE} {:.2} ms",
        open.median, dry.median, real.median
    );
    println!(
        "firing beyond evaluation: {:.2} ms for {} write transactions ({DUE} slots + the last-run \
         stamp), {:.2} ms each, against an fsync median of {:.2} ms",
        real.median - dry.median,
        DUE + 1,
        (real.median - dry.median) / (DUE + 1) as f64,
        fsync.median
    );
    println!("result: {verdict}");

    if keep {
        let kept = dir.keep();
        println!("kept {}", kept.display());
    }
}

/// Fills the template store: see the module comment.
fn build(path: &Path, at: Millis) {
    let mut store = Store::open(path).expect("create the template store");
    store
        .write(|tx| {
            let ids: Vec<i64> = (0..ACCOUNTS)
                .map(|i| {
                    accounts::insert(
                        tx,
                        &NewAccount {
                            name: format!("account-{i:03}"),
                            display_name: Some(format!("Account {i}")),
                            platform: "wechat".into(),
                            language: "zh-CN".into(),
                            tone: None,
                            category: Some(["科技", "财经", "生活"][i % 3].into()),
                            persona: None,
                            min_words: None,
                            max_words: None,
                            forbidden_words: Vec::new(),
                            review: contenthub::domain::account::ReviewMode::Auto,
                            review_rules: Default::default(),
                        },
                    )
                    .map(|a| a.id)
                })
                .collect::<Result<_, _>>()?;
            let created = at - 30 * 24 * HOUR;
            for i in 0..PLANS {
                let due = i % (PLANS / DUE) == 0;
                let (cron, tz) = if due {
                    ("0 * * * *", DUE_TZ[(i / (PLANS / DUE)) % DUE_TZ.len()])
                } else {
                    NOT_DUE[i % NOT_DUE.len()]
                };
                let accounts = if due {
                    vec![ids[(i / (PLANS / DUE)) % ACCOUNTS]]
                } else {
                    (0..1 + i % 3)
                        .map(|k| ids[(i + k * 7) % ACCOUNTS])
                        .collect()
                };
                let topics = (0..10)
                    .map(|k| format!("计划 {i} 的第 {k} 个选题"))
                    .collect();
                let f = PlanFields {
                    name: format!("plan-{i:04}"),
                    cron: cron.into(),
                    tz: tz.into(),
                    account_ids: accounts,
                    count: if due { 1 } else { 1 + (i % 3) as u32 },
                    topics: Some(topics),
                    topics_file: None,
                    category: None,
                    keywords: vec!["rust".into(), "sqlite".into()],
                    priority: None,
                    auto_approve: None,
                    catch_up: if i % 2 == 0 { "latest" } else { "skip" }.into(),
                    enabled: true,
                    skip_similar: false,
                };
                let p = plans::insert(tx, &f, created)?;
                let s = Schedule::new(cron, tz)?;
                let latest = s.latest_at_or_before(at).expect("a slot before T");
                let last = if due {
                    s.latest_at_or_before(latest - 1).expect("an earlier slot")
                } else {
                    latest
                };
                plans::advance(tx, p.id, last)?;
                // Ten past runs, an hour apart, ending at the last slot.
                for k in 0..10 {
                    let slot = last - k * HOUR;
                    let run = plans::claim_slot(tx, p.id, slot, false, slot)?
                        .expect("a slot not fired yet");
                    plans::finish_run(tx, run, 1, None)?;
                }
            }
            Ok(())
        })
        .expect("fill the template store");
    drop(store);
    checkpoint(&Connection::open(path).expect("open the template"));
    // Every plan counted, exactly DUE of them due.
    let mut store = Store::open(path).expect("reopen the template");
    let policy = SubmitPolicy {
        default_priority: 5,
        default_timeout: Duration::from_secs(1800),
        default_max_retries: 3,
        generators: Vec::new(),
        profile_timeouts: Vec::new(),
    };
    let would = schedule::fire_due(&mut store, at, &policy, true).expect("dry run");
    assert_eq!(would.len(), DUE, "due plans in the template");
    let n = plans::list(store.conn(), true).expect("list plans").len();
    assert_eq!(n, PLANS);
}

/// Replaces `db` (and its WAL and shared-memory files) with a copy of `src`.
fn fresh_copy(src: &Path, db: &Path) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(db, suffix));
    }
    std::fs::copy(src, db).expect("copy the template store");
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The run fired exactly the DUE slots, one task each.
fn check_fired(db: &Path) {
    let conn = Connection::open(db).expect("open the store after a run");
    let runs: i64 = conn
        .query_row(
            "SELECT count(*) FROM plan_runs WHERE status = 'fired' AND tasks = 1 AND fired_at = scheduled_for + 30000",
            [],
            |r| r.get(0),
        )
        .expect("count runs");
    let tasks: i64 = conn
        .query_row(
            "SELECT count(*) FROM tasks WHERE plan_run_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("count tasks");
    assert_eq!(
        (runs as usize, tasks as usize),
        (DUE, DUE),
        "fired slots and tasks"
    );
}

fn next_hour(t: Millis) -> Millis {
    t - t.rem_euclid(HOUR) + HOUR
}

fn rfc(ms: Millis) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .expect("a valid time")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Runs the binary once and returns its wall time: spawn until exit, with stdout and stderr
/// drained through pipes. `silent`: it must print nothing (as `scheduler run` does).
fn run_once(bin: &Path, env: &[(String, String)], argv: &[String], silent: bool) -> Duration {
    let t = Instant::now();
    let out = Command::new(bin)
        .args(argv)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run contenthub");
    let elapsed = t.elapsed();
    assert!(
        out.status.success() && (!silent || (out.stdout.is_empty() && out.stderr.is_empty())),
        "contenthub {} ({}):\n{}{}",
        argv.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}
