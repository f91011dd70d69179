//! Helpers shared by the benchmarks that time whole `contenthub` processes.
#![allow(dead_code)]

use std::path::Path;
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
