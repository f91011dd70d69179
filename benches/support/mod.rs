//! Helpers shared by the benchmarks that time whole `contenthub` processes.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;

pub fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a whole number")),
        Err(_) => default,
    }
}

pub fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

pub fn bench_env(root: &Path, db: &Path) -> Vec<(String, String)> {
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

/// The fsync latency of the store's file system: the floor under every acknowledged write.
pub fn fsync_probe(dir: &Path) -> Summary {
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path).expect("create the fsync probe");
    let mut times = Vec::new();
    for i in 0..21u64 {
        use std::io::{Seek, SeekFrom, Write};
        f.seek(SeekFrom::Start(i * 4096)).expect("seek");
        f.write_all(&[0x5a; 4096]).expect("write");
        let t = Instant::now();
        f.sync_all().expect("fsync");
        times.push(t.elapsed());
    }
    drop(f);
    let _ = std::fs::remove_file(&path);
    Summary::of(times)
}

pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub p90: f64,
}

impl Summary {
    pub fn of(mut times: Vec<Duration>) -> Summary {
        times.sort();
        let ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        let n = ms.len();
        let median = if n % 2 == 1 {
            ms[n / 2]
        } else {
            (ms[n / 2 - 1] + ms[n / 2]) / 2.0
        };
        // Nearest rank.
        let p90 = ms[(n * 9).div_ceil(10).max(1) - 1];
        Summary {
            median,
            min: ms[0],
            p90,
        }
    }
}

pub fn checkpoint(conn: &Connection) {
    let (busy, _, _): (i64, i64, i64) = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("checkpoint");
    assert_eq!(busy, 0, "wal_checkpoint(TRUNCATE) could not finish");
}

pub fn wal_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

pub fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// Runs the binary once and returns its wall time (spawn until exit, with stdout and stderr
/// drained through pipes) and what it left. Stops the benchmark when `accept` rejects that.
pub fn run_once(
    bin: &Path,
    env: &[(String, String)],
    argv: &[String],
    accept: impl Fn(&Output) -> bool,
) -> (Duration, Output) {
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
        accept(&out),
        "contenthub {} failed ({}):\n{}{}",
        argv.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (elapsed, out)
}

/// Lets the machine absorb a fill: without this, the first second of measurements runs
/// while the kernel is still writing back and freeing what the fill left behind, and every
/// fsync is several times slower than in normal use.
pub fn settle(secs: u64) {
    if secs == 0 {
        return;
    }
    let t = Instant::now();
    let synced = Command::new("sync").status().is_ok_and(|s| s.success());
    std::thread::sleep(Duration::from_secs(secs));
    println!(
        "settle: {}slept {secs} s ({:.1} s in all)",
        if synced { "sync(1), then " } else { "" },
        t.elapsed().as_secs_f64()
    );
}

/// What a timed command is held to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// The median must not exceed this many milliseconds.
    Ms(f64),
    /// `--version`: the cost of spawning the process, under every other figure.
    SpawnFloor,
    /// Timed for scale only.
    None,
}

/// One line per command: median, min and p90 in ms, and against its goal (if any) the ratio
/// goal/median with PASS (≥ 1.0) or MISS.
pub fn print_table(results: &[(String, Summary, Goal)]) {
    let w = results
        .iter()
        .map(|(l, _, _)| l.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    println!();
    println!(
        "{:<w$}  {:>9}  {:>7}  {:>7}  {:>7}  {:>11}  result",
        "command", "median ms", "min ms", "p90 ms", "goal ms", "goal/median"
    );
    for (label, s, goal) in results {
        let (g, ratio, verdict) = match goal {
            Goal::Ms(g) => {
                let ratio = g / s.median;
                (
                    format!("{g:.0}"),
                    format!("{ratio:.2}"),
                    if ratio >= 1.0 { "PASS" } else { "MISS" },
                )
            }
            Goal::SpawnFloor => ("-".into(), "-".into(), "(spawn floor)"),
            Goal::None => ("-".into(), "-".into(), ""),
        };
        let line = format!(
            "{label:<w$}  {:>9.2}  {:>7.2}  {:>7.2}  {g:>7}  {ratio:>11}  {verdict}",
            s.median, s.min, s.p90
        );
        println!("{}", line.trim_end());
    }
    println!();
}

/// PASS or MISS, for a goal met or not.
pub fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

/// What `/proc` says of a process at one moment.
pub struct ProcSample {
    pub cpu_ticks: u64,
    pub rss_kib: u64,
    pub hwm_kib: u64,
    pub threads: u64,
    pub switches: u64,
}

/// CPU time (user + system, in clock ticks), memory and wake-ups of process `pid`.
pub fn proc_sample(pid: u32) -> ProcSample {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/PID/stat");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f[i - 3].parse::<u64>().expect("stat field");
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    let kib = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    // Context switches summed over the threads: each is a wake-up.
    let mut switches = 0;
    if let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in dir.flatten() {
            if let Ok(s) = std::fs::read_to_string(t.path().join("status")) {
                for l in s.lines() {
                    if let Some(v) = l
                        .strip_prefix("voluntary_ctxt_switches:")
                        .or_else(|| l.strip_prefix("nonvoluntary_ctxt_switches:"))
                    {
                        switches += v.trim().parse::<u64>().unwrap_or(0);
                    }
                }
            }
        }
    }
    ProcSample {
        cpu_ticks: ticks(14) + ticks(15),
        rss_kib: kib("VmRSS:"),
        hwm_kib: kib("VmHWM:"),
        threads: kib("Threads:"),
        switches,
    }
}

/// Clock ticks per second (`getconf CLK_TCK`), the unit of [`ProcSample::cpu_ticks`].
pub fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}
