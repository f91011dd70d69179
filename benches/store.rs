//! The store after a big write, and the daemon's cost behind a long backlog (issue 13, item 1).
//!
//! `cargo bench --bench store` runs four parts, each against the release binary in a private
//! temporary directory (`CONTENTHUB_BENCH_PARTS=import,after,wal,idle` picks some):
//!
//! 1. **import**: one `task submit --from-file` of `CONTENTHUB_BENCH_TASKS` tasks (default
//!    1,000,000, a JSONL file of about 100 bytes a row). Reports wall time, tasks/s (goal
//!    ≥ 30,000), the process's peak resident set read from `/proc/PID/status` `VmHWM` every
//!    5 ms (goal ≤ 64 MiB) and the write-ahead log it left behind (goal ≤ 64 MiB).
//! 2. **after**: on that store, with no manual step in between, `task stats`,
//!    `task list --limit 50` and `task submit` (`CONTENTHUB_BENCH_RUNS` rounds, default 11,
//!    round-robin); then `PRAGMA wal_checkpoint(TRUNCATE)` and the same rounds again. Reports
//!    each command's median as left, checkpointed, and their ratio (goal ≤ 1.5).
//! 3. **wal**: a `daemon run --until-idle` of `CONTENTHUB_BENCH_DAEMON_TASKS` tasks (default
//!    100,000; template generator, `max_concurrent = 20`) while another process runs
//!    `task stats` in a loop. Samples the write-ahead log's size every 2 ms and reports its
//!    maximum (goal ≤ 64 MiB plus one transaction).
//! 4. **idle**: a daemon whose only generator (a `command` that sleeps) is at its
//!    `max_concurrent = 2`, with `CONTENTHUB_BENCH_BACKLOG` tasks waiting (default 100,000),
//!    then with 5 waiting. Reports the daemon's CPU time over `CONTENTHUB_BENCH_IDLE_SECS`
//!    (default 60) as a share of one core (goal ≤ 2 %).

#[path = "support/mod.rs"]
mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use contenthub::domain::Status;
use contenthub::store::{tasks, Store};
use rusqlite::Connection;
use support::{
    args, bench_env, checkpoint, clock_ticks, env_usize, file_len, proc_sample, run_once, verdict,
    wal_path, Summary,
};

const MIB: f64 = 1024.0 * 1024.0;

struct Bench {
    bin: PathBuf,
    runs: usize,
}

/// A store of its own in `root`.
struct Site {
    root: PathBuf,
    db: PathBuf,
    env: Vec<(String, String)>,
}

impl Site {
    fn new(parent: &Path, name: &str, config: &str) -> Site {
        let root = parent.join(name);
        let db = root.join("store/contenthub.db");
        let env = bench_env(&root, &db);
        let config_dir = root.join("home/.config/contenthub");
        std::fs::create_dir_all(&config_dir).expect("create the config directory");
        std::fs::write(config_dir.join("config.toml"), config).expect("write the config");
        Site { root, db, env }
    }

    fn command(&self, bin: &Path, argv: &[&str]) -> Command {
        let mut c = Command::new(bin);
        c.args(argv)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        c
    }

    fn run(&self, bin: &Path, argv: &[&str]) -> Duration {
        run_once(bin, &self.env, &args(argv), |o| o.status.success()).0
    }

    /// Writes `n` tasks for account `blog` as JSON lines and returns the file.
    fn tasks_file(&self, n: usize) -> PathBuf {
        let path = self.root.join("tasks.jsonl");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        for i in 0..n {
            writeln!(
                f,
                "{{\"account\":\"blog\",\"topic\":\"Rust 异步编程入门 第 {i} 篇\",\"keywords\":[\"rust\",\"tokio\"],\"priority\":{}}}",
                1 + i % 10
            )
            .expect("write");
        }
        f.flush().expect("flush");
        path
    }

    /// Imports `file` with one `task submit --from-file`: wall time and peak RSS in KiB.
    fn import(&self, bin: &Path, file: &Path) -> (Duration, u64) {
        let t = Instant::now();
        let mut child = self
            .command(bin, &["task", "submit", "-q", "--from-file"])
            .arg(file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the import");
        let mut peak = 0u64;
        let status = loop {
            // Not reaped yet, so its /proc entry is there.
            peak = peak.max(proc_sample(child.id()).hwm_kib);
            if let Some(s) = child.try_wait().expect("wait") {
                break s;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        assert!(status.success(), "the import failed: {status}");
        (t.elapsed(), peak)
    }
}

fn main() {
    let parts =
        std::env::var("CONTENTHUB_BENCH_PARTS").unwrap_or_else(|_| "import,after,wal,idle".into());
    let want = |p: &str| parts.split(',').any(|x| x.trim() == p);
    let bench = Bench {
        bin: PathBuf::from(env!("CARGO_BIN_EXE_contenthub")),
        runs: env_usize("CONTENTHUB_BENCH_RUNS", 11).max(1),
    };
    let dir = tempfile::Builder::new()
        .prefix("contenthub-bench-store-")
        .tempdir()
        .expect("create a temporary directory");
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("contenthub store benchmark ({cpus} CPUs): {parts}");

    if want("import") || want("after") {
        let n = env_usize("CONTENTHUB_BENCH_TASKS", 1_000_000).max(1);
        let site = Site::new(dir.path(), "import", "");
        site.run(&bench.bin, &["account", "add", "blog"]);
        let file = site.tasks_file(n);
        let size = file_len(&file);
        let (took, peak_kib) = site.import(&bench.bin, &file);
        let rate = n as f64 / took.as_secs_f64();
        let wal = file_len(&wal_path(&site.db));
        println!();
        println!(
            "import: {n} tasks ({:.1} MB of JSONL) in {:.2} s = {rate:.0} tasks/s (goal >= 30000: {})",
            size as f64 / 1e6,
            took.as_secs_f64(),
            verdict(rate >= 30_000.0)
        );
        println!(
            "import: peak RSS {:.1} MiB (goal <= 64 MiB: {})",
            peak_kib as f64 / 1024.0,
            verdict(peak_kib <= 64 * 1024)
        );
        println!(
            "import: write-ahead log left behind {:.1} MiB (goal <= 64 MiB: {}); database {:.1} MiB",
            wal as f64 / MIB,
            verdict(wal as f64 <= 64.0 * MIB),
            file_len(&site.db) as f64 / MIB
        );
        if want("after") {
            after_import(&bench, &site);
        }
    }
    if want("wal") {
        wal_during_a_run(&bench, dir.path());
    }
    if want("idle") {
        idle_behind_a_full_generator(&bench, dir.path());
    }
}

const AFTER: [(&str, &[&str]); 3] = [
    ("task stats", &["task", "stats"]),
    ("task list --limit 50", &["task", "list", "--limit", "50"]),
    (
        "task submit",
        &["task", "submit", "-q", "-a", "blog", "-t", "One more"],
    ),
];

/// Medians of each command over `runs` round-robin rounds.
fn rounds(bench: &Bench, site: &Site) -> Vec<Summary> {
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); AFTER.len()];
    for _ in 0..bench.runs {
        for (i, (_, argv)) in AFTER.iter().enumerate() {
            times[i].push(site.run(&bench.bin, argv));
        }
    }
    times.into_iter().map(Summary::of).collect()
}

fn after_import(bench: &Bench, site: &Site) {
    let wal_before = file_len(&wal_path(&site.db));
    let first: Vec<Duration> = AFTER
        .iter()
        .map(|(_, argv)| site.run(&bench.bin, argv))
        .collect();
    let left = rounds(bench, site);
    let wal_left = file_len(&wal_path(&site.db));
    let conn = Connection::open(&site.db).expect("open the store");
    checkpoint(&conn);
    drop(conn);
    let clean = rounds(bench, site);
    println!();
    println!(
        "after the import (write-ahead log {:.1} MiB as left, {:.1} MiB after the rounds), \
         {} rounds each, then after an explicit TRUNCATE checkpoint:",
        wal_before as f64 / MIB,
        wal_left as f64 / MIB,
        bench.runs
    );
    println!(
        "{:<22}  {:>9}  {:>12}  {:>13}  {:>6}  result (goal <= 1.5)",
        "command", "first ms", "as left ms", "checkpointed", "ratio"
    );
    for (i, (label, _)) in AFTER.iter().enumerate() {
        let ratio = left[i].median / clean[i].median;
        println!(
            "{label:<22}  {:>9.2}  {:>12.2}  {:>13.2}  {ratio:>6.2}  {}",
            first[i].as_secs_f64() * 1000.0,
            left[i].median,
            clean[i].median,
            verdict(ratio <= 1.5)
        );
    }
}

/// The write-ahead log's largest size while a daemon works through a queue and another
/// process reads the store in a loop.
fn wal_during_a_run(bench: &Bench, parent: &Path) {
    let n = env_usize("CONTENTHUB_BENCH_DAEMON_TASKS", 100_000).max(1);
    let site = Site::new(parent, "wal", "[daemon]\nmax_concurrent = 20\n");
    site.run(&bench.bin, &["account", "add", "blog"]);
    let file = site.tasks_file(n);
    site.import(&bench.bin, &file);
    let wal = wal_path(&site.db);

    let stop = Arc::new(AtomicBool::new(false));
    let max_wal = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, max_wal, wal) = (stop.clone(), max_wal.clone(), wal.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                max_wal.fetch_max(file_len(&wal), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let reads = Arc::new(AtomicU64::new(0));
    let reader = {
        let (stop, reads) = (stop.clone(), reads.clone());
        let (bin, env) = (bench.bin.clone(), site.env.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                run_once(&bin, &env, &args(&["task", "stats"]), |o| {
                    o.status.success()
                });
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let t = Instant::now();
    let out = site
        .command(&bench.bin, &["daemon", "run", "--until-idle"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run the daemon");
    let took = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    sampler.join().expect("sampler");
    reader.join().expect("reader");
    assert!(out.success(), "the daemon run failed: {out}");
    let max = max_wal.load(Ordering::Relaxed) as f64 / MIB;
    println!();
    println!(
        "daemon run: {n} tasks in {:.1} s ({:.0} tasks/s) with {} `task stats` runs alongside",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        reads.load(Ordering::Relaxed)
    );
    println!(
        "daemon run: write-ahead log at most {max:.1} MiB, {:.1} MiB at the end (goal <= 64 MiB plus one transaction: {})",
        file_len(&wal) as f64 / MIB,
        verdict(max <= 65.0)
    );
}

/// Tasks submitted or processing, by the store's own counts.
fn in_flight(db: &Path) -> u64 {
    let Ok((mut store, _)) = Store::open_read_only(db) else {
        return 0;
    };
    store
        .read(|c| tasks::status_counts(c, None))
        .map(|counts| {
            counts
                .iter()
                .filter(|(s, _)| matches!(s, Status::Submitted | Status::Processing))
                .map(|(_, n)| n)
                .sum()
        })
        .unwrap_or(0)
}

/// The daemon's CPU share with its only generator full and `waiting` tasks behind it.
fn idle_share(bench: &Bench, parent: &Path, waiting: usize, secs: u64) -> f64 {
    let config = "[generators.default]\nkind = \"command\"\ncommand = [\"sleep\", \"3600\"]\n\
                  max_concurrent = 2\ntimeout = \"2h\"\n";
    let site = Site::new(parent, &format!("idle-{waiting}"), config);
    site.run(&bench.bin, &["account", "add", "blog"]);
    let file = site.tasks_file(waiting + 2);
    site.import(&bench.bin, &file);
    let mut daemon: Child = site
        .command(&bench.bin, &["daemon", "run"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the daemon");
    let deadline = Instant::now() + Duration::from_secs(60);
    while in_flight(&site.db) < 2 {
        assert!(
            Instant::now() < deadline,
            "the daemon never filled its generator"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(2));
    let (t, c) = (Instant::now(), proc_sample(daemon.id()).cpu_ticks);
    std::thread::sleep(Duration::from_secs(secs));
    let used = (proc_sample(daemon.id()).cpu_ticks - c) as f64 / clock_ticks() as f64;
    let share = used / t.elapsed().as_secs_f64();
    // Its programs die with it.
    daemon.kill().expect("stop the daemon");
    daemon.wait().expect("reap the daemon");
    share
}

fn idle_behind_a_full_generator(bench: &Bench, parent: &Path) {
    let backlog = env_usize("CONTENTHUB_BENCH_BACKLOG", 100_000);
    let secs = env_usize("CONTENTHUB_BENCH_IDLE_SECS", 60) as u64;
    let big = idle_share(bench, parent, backlog, secs);
    let small = idle_share(bench, parent, 5, secs);
    println!();
    println!("idle daemon, its only generator at max_concurrent 2, CPU over {secs} s:");
    println!(
        "  {backlog} tasks waiting: {:.2} % of a core (goal <= 2 %: {})",
        big * 100.0,
        verdict(big <= 0.02)
    );
    println!("  5 tasks waiting: {:.2} % of a core", small * 100.0);
}
