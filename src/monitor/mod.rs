//! Monitoring: what `monitor health`, `monitor metrics`, `monitor stats`, `monitor watch`,
//! the alert rules and the daemon's `/metrics` compute from the store.
//!
//! [`observe`] reads everything the health checks and alert rules look at in one read
//! transaction: outcomes over one window (from the `tasks_finished` index), the queue, the
//! daemon's heartbeat and the scheduler's lag. Rates are always stated with their window and
//! computed over tasks that *finished* in it, never all-time failures over today's tasks.

pub mod alerts;
pub mod budgets;
pub mod channels;
pub mod health;
pub mod metrics;
pub mod stats;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::time::{format_duration, parse_duration, Millis};
use crate::domain::Status;
use crate::error::{Error, Result};
use crate::store::lock;
use crate::store::queue::{self, Heartbeat};
use crate::store::{monitor as q, Conn, Location};

/// What a value measures, for parsing thresholds and printing values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 0..1, written `20%` or `0.2`
    Ratio,
    /// Seconds, written `30m`, `90s` or a bare number of seconds
    Seconds,
    /// A whole count
    Count,
}

impl Unit {
    /// Reads a threshold as an operator writes it: `20%` or `0.2` for ratios, `30m` or `1800`
    /// for seconds, a number for counts.
    pub fn parse(self, text: &str) -> std::result::Result<f64, String> {
        let t = text.trim();
        match self {
            Unit::Ratio => {
                let v = match t.strip_suffix('%') {
                    Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
                    None => t.parse::<f64>(),
                }
                .map_err(|_| format!("'{t}' is not a rate (expected e.g. 20% or 0.2)"))?;
                if !(0.0..=1.0).contains(&v) {
                    return Err(format!("'{t}' is not a rate between 0% and 100%"));
                }
                Ok(v)
            }
            Unit::Seconds => {
                let v = match t.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => v,
                    _ => parse_duration(t)?.as_secs_f64(),
                };
                if v > MAX_WINDOW.as_secs_f64() {
                    return Err(format!("'{t}' is longer than 10 years"));
                }
                Ok(v)
            }
            Unit::Count => t
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("'{t}' is not a count (expected a number such as 50)")),
        }
    }

    /// A value for people: `12.5%`, `30m`, `42`.
    pub fn show(self, v: f64) -> String {
        match self {
            Unit::Ratio => format!("{}%", trim_float(v * 100.0, 1)),
            Unit::Seconds if v < 1.0 && v > 0.0 => format!("{}ms", (v * 1000.0).round()),
            Unit::Seconds if v < 60.0 => format!("{}s", trim_float(v, 1)),
            Unit::Seconds => match Duration::try_from_secs_f64(v.max(0.0)) {
                Ok(d) => format_duration(d),
                Err(_) => format!("{}s", trim_float(v, 0)),
            },
            Unit::Count => trim_float(v, 2),
        }
    }

    /// [`Unit::show`] of a value that may be missing: `-` then.
    pub fn show_opt(self, v: Option<f64>) -> String {
        v.map(|v| self.show(v)).unwrap_or_else(|| "-".into())
    }

    /// A value for perfdata: `12.5%`, `1800s`, `42`.
    pub fn perf(self, v: f64) -> String {
        match self {
            Unit::Ratio => format!("{}%", trim_float(v * 100.0, 2)),
            Unit::Seconds => format!("{}s", trim_float(v, 3)),
            Unit::Count => trim_float(v, 3),
        }
    }
}

/// The longest window any figure may cover: ten years.
pub const MAX_WINDOW: Duration = Duration::from_secs(10 * 366 * 86_400);

/// A window given on the command line as `flag`: a positive duration of at most 10 years.
pub fn parse_window(flag: &str, text: &str) -> Result<Duration> {
    let d = parse_duration(text).map_err(|e| Error::invalid(flag, e))?;
    check_window(d).map_err(|e| Error::invalid(flag, e))
}

/// Checks a window: longer than zero, at most [`MAX_WINDOW`].
pub fn check_window(d: Duration) -> std::result::Result<Duration, String> {
    if d.is_zero() {
        return Err("must be longer than zero".into());
    }
    if d > MAX_WINDOW {
        return Err("must be at most 10 years".into());
    }
    Ok(d)
}

/// The half-open millisecond range `[since, until)` of a window ending at `now`: tasks that
/// finished in `(now - window, now]`.
pub fn window_range(now: Millis, window: Duration) -> (Millis, Millis) {
    let ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    (
        now.saturating_sub(ms).saturating_add(1),
        now.saturating_add(1),
    )
}

/// A window as operators write it: `24h`, `15m`, `7d`.
pub fn window_label(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => format!("{}ms", d.as_millis()),
        s if s % 86_400 == 0 && s > 2 * 86_400 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// `v` with at most `places` decimals and no trailing zeros.
pub fn trim_float(v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// How tasks ended within a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    pub completed: u64,
    pub failed: u64,
    pub timeout: u64,
    pub cancelled: u64,
}

impl Outcomes {
    pub fn add(&mut self, status: Status, n: u64) {
        match status {
            Status::Completed => self.completed += n,
            Status::Failed => self.failed += n,
            Status::Timeout => self.timeout += n,
            Status::Cancelled => self.cancelled += n,
            _ => {}
        }
    }

    /// Tasks that ran to an outcome: completed, failed or timed out (cancelled ones are the
    /// operator's decision, not the pipeline's result).
    pub fn decided(&self) -> u64 {
        self.completed + self.failed + self.timeout
    }

    fn ratio(&self, n: u64) -> Option<f64> {
        let d = self.decided();
        (d > 0).then(|| n as f64 / d as f64)
    }

    /// completed / (completed + failed + timeout)
    pub fn success_rate(&self) -> Option<f64> {
        self.ratio(self.completed)
    }

    /// failed / (completed + failed + timeout); timeouts are counted on their own.
    pub fn failure_rate(&self) -> Option<f64> {
        self.ratio(self.failed)
    }

    /// timeout / (completed + failed + timeout)
    pub fn timeout_rate(&self) -> Option<f64> {
        self.ratio(self.timeout)
    }
}

/// The daemons as seen from the store. `state` sums them up: `running` when at least one
/// runs, else `stale` when one stopped beating without saying goodbye, else `stopped`.
///
/// On an SQLite store the daemon holds a lock beside the file: without the lock none runs,
/// whatever the heartbeats say. On PostgreSQL there is no lock and the heartbeat rows decide
/// alone: a daemon is `running` while its heartbeat is fresh ([`heartbeat_limit`]), `stale`
/// for [`Liveness::stale_window`] after that, then `gone`; one that said goodbye is
/// `stopped`.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonView {
    pub state: &'static str,
    /// The latest heartbeat of a daemon that has not said goodbye, else the latest of all.
    pub heartbeat: Option<Heartbeat>,
    /// Every daemon with a heartbeat row, newest beat first, each with its state.
    pub daemons: Vec<(&'static str, Heartbeat)>,
}

/// How old a daemon's heartbeat may grow: the lease sets when it is stale, the window how
/// long it is warned about before it counts as gone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Liveness {
    pub lease: Duration,
    pub stale_window: Duration,
}

impl Liveness {
    /// The default stale window (`[monitor] stale_daemon_window`).
    pub const STALE_WINDOW: Duration = Duration::from_secs(600);

    pub fn new(lease: Duration) -> Liveness {
        Liveness {
            lease,
            stale_window: Liveness::STALE_WINDOW,
        }
    }
}

/// How many heartbeat rows are read for the view: the daemons a store has seen lately.
const DAEMONS_SHOWN: u32 = 50;

impl DaemonView {
    pub fn running(&self) -> bool {
        self.state == "running"
    }

    /// The daemons that stopped beating without saying goodbye and are still warned about.
    pub fn stale(&self) -> impl Iterator<Item = &Heartbeat> {
        self.daemons
            .iter()
            .filter(|(s, _)| *s == "stale")
            .map(|(_, h)| h)
    }

    /// Seconds since the last heartbeat of a daemon that has not said goodbye.
    pub fn heartbeat_age(&self, now: Millis) -> Option<f64> {
        self.heartbeat
            .as_ref()
            .filter(|h| h.stopped_at.is_none())
            .map(|h| (now - h.last_beat_at).max(0) as f64 / 1000.0)
    }
}

/// How old a heartbeat may be before the daemon counts as stale: three missed beats plus a
/// margin. The daemon beats every lease/3 (at least every second).
pub fn heartbeat_limit(lease: Duration) -> Duration {
    let beat = (lease / 3).max(Duration::from_secs(1));
    beat * 3 + Duration::from_secs(5)
}

/// Reads the daemons' states: the lock beside an SQLite store, and the heartbeat rows.
pub fn daemon_view(
    store: &Location,
    conn: &Conn,
    live: Liveness,
    now: Millis,
) -> Result<DaemonView> {
    let beats = queue::heartbeats(conn, DAEMONS_SHOWN)?;
    let limit = heartbeat_limit(live.lease).as_millis() as i64;
    let gone_after = limit + live.stale_window.as_millis() as i64;
    let of_row = |h: &Heartbeat| match (h.stopped_at, now - h.last_beat_at) {
        (Some(_), _) => "stopped",
        (None, age) if age <= limit => "running",
        (None, age) if age <= gone_after => "stale",
        (None, _) => "gone",
    };
    let (state, daemons) = match store.file() {
        Some(path) => {
            // One lock: its holder is the daemon of the latest heartbeat, and no other runs.
            let held = lock::is_held(path);
            let fresh = beats.first().is_some_and(|h| of_row(h) == "running");
            let state = match (held, fresh) {
                (true, true) => "running",
                (true, false) => "stale",
                (false, _) => "stopped",
            };
            let daemons = beats
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    let s = match (i, held) {
                        (0, true) => state,
                        (_, _) if h.stopped_at.is_some() => "stopped",
                        _ => "gone",
                    };
                    (s, h.clone())
                })
                .collect();
            (state, daemons)
        }
        None => {
            let daemons: Vec<(&'static str, Heartbeat)> =
                beats.iter().map(|h| (of_row(h), h.clone())).collect();
            let any = |s: &str| daemons.iter().any(|(x, _)| *x == s);
            let state = if any("running") {
                "running"
            } else if any("stale") {
                "stale"
            } else {
                "stopped"
            };
            (state, daemons)
        }
    };
    let heartbeat = daemons
        .iter()
        .find(|(s, _)| *s == "running" || *s == "stale")
        .map(|(_, h)| h.clone())
        .or_else(|| beats.first().cloned());
    Ok(DaemonView {
        state,
        heartbeat,
        daemons,
    })
}

/// Everything the health checks and the alert rules look at, read in one snapshot.
#[derive(Debug, Clone)]
pub struct Observed {
    pub now: Millis,
    pub window: Duration,
    /// Outcomes of tasks that finished in `(now - window, now]`.
    pub finished: Outcomes,
    pub counts: Vec<(Status, u64)>,
    /// Since when the longest-waiting due pending task has been due.
    pub oldest_pending_at: Option<Millis>,
    pub expired_leases: u64,
    /// The most overdue plan and how late it is.
    pub scheduler_lag: Option<(String, Millis)>,
    pub daemon: DaemonView,
    pub deliveries_failed: u64,
    /// The share (0..1) of the store's file system still free for it, when known.
    pub disk_free: Option<f64>,
}

/// Below this share of free space, the store's disk counts as full.
pub const DISK_FULL_BELOW: f64 = 0.01;

/// The share of the file system holding an SQLite store that is free to an unprivileged
/// writer (`statvfs`: available blocks over all blocks). Unknown for PostgreSQL, whose server
/// reports a full disk as an error of its own.
pub fn disk_free(store: &Location) -> Option<f64> {
    let dir = store
        .file()?
        .parent()
        .filter(|p| !p.as_os_str().is_empty())?;
    let st = nix::sys::statvfs::statvfs(dir).ok()?;
    let total = st.blocks() as f64;
    (total > 0.0).then(|| st.blocks_available() as f64 / total)
}

impl Observed {
    pub fn count(&self, status: Status) -> u64 {
        self.counts
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    pub fn pending(&self) -> u64 {
        self.count(Status::Pending)
    }

    pub fn in_flight(&self) -> u64 {
        self.count(Status::Submitted) + self.count(Status::Processing)
    }

    pub fn oldest_pending_age(&self) -> Option<f64> {
        self.oldest_pending_at
            .map(|at| (self.now - at).max(0) as f64 / 1000.0)
    }
}

/// Outcomes of tasks that finished in `[since, until)`.
pub fn outcomes(conn: &Conn, since: Millis, until: Millis) -> Result<Outcomes> {
    let mut o = Outcomes::default();
    for (status, n) in q::finished_counts(conn, since, until)? {
        o.add(status, n);
    }
    Ok(o)
}

/// Reads an [`Observed`] for a window ending now. `conn` should be in a read transaction so
/// that every figure comes from the same snapshot.
pub fn observe(
    conn: &Conn,
    store: &Location,
    live: Liveness,
    window: Duration,
    now: Millis,
) -> Result<Observed> {
    let (since, until) = window_range(now, window);
    let queue = q::queue_figures(conn, since, until, now)?;
    let mut finished = Outcomes::default();
    for (status, n) in queue.finished {
        finished.add(status, n);
    }
    Ok(Observed {
        now,
        window,
        finished,
        counts: queue.counts,
        oldest_pending_at: queue.oldest_due,
        expired_leases: queue.expired_leases,
        scheduler_lag: crate::schedule::worst_lag(conn, now)?,
        daemon: daemon_view(store, conn, live, now)?,
        deliveries_failed: queue.failed_deliveries,
        disk_free: disk_free(store),
    })
}

/// The value at quantile `p` (0..1) of sorted `values`, nearest-rank.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a shared store each daemon's state comes from its heartbeat alone: running while
    /// fresh, stale for the window after that, then gone; stopped once it said goodbye.
    #[test]
    fn shared_store_daemons_are_running_stale_gone_or_stopped() {
        use crate::store::testing::sqlite;
        let (_dir, mut store) = sqlite();
        let now = 1_800_000_000_000;
        let beat = |id: &str, age_ms: i64, stopped: bool| Heartbeat {
            id: id.into(),
            pid: 1,
            host: "h".into(),
            version: "v".into(),
            started_at: now - 3_600_000,
            last_beat_at: now - age_ms,
            stopped_at: stopped.then_some(now - age_ms),
            in_flight: 0,
            max_concurrent: 5,
            scheduler: false,
            listen: None,
        };
        let live = Liveness {
            lease: Duration::from_secs(15),
            stale_window: Duration::from_secs(600),
        };
        // The limit is 3 beats of 5 s plus 5 s: 20 s.
        for hb in [
            beat("a", 1_000, false),
            beat("b", 60_000, false),
            beat("c", 900_000, false),
            beat("d", 2_000, true),
        ] {
            store.write(|c| queue::beat(c, &hb)).unwrap();
        }
        let shared = Location::Postgres("postgres://h/db".into());
        let view = store.read(|c| daemon_view(&shared, c, live, now)).unwrap();
        let states: Vec<(&str, &str)> = view
            .daemons
            .iter()
            .map(|(s, h)| (h.id.as_str(), *s))
            .collect();
        assert_eq!(
            states,
            vec![
                ("a", "running"),
                ("d", "stopped"),
                ("b", "stale"),
                ("c", "gone")
            ]
        );
        assert_eq!(view.state, "running");
        assert_eq!(view.stale().count(), 1);
        // With only the stale one and the gone one left, the store's daemon is stale.
        store.write(|c| queue::expire_owner(c, "a", now)).unwrap();
        let view = store.read(|c| daemon_view(&shared, c, live, now)).unwrap();
        assert_eq!(view.state, "stale");
    }

    #[test]
    fn thresholds_parse_in_their_unit() {
        assert_eq!(Unit::Ratio.parse("20%"), Ok(0.2));
        assert_eq!(Unit::Ratio.parse("0.05"), Ok(0.05));
        assert!(Unit::Ratio.parse("120%").is_err());
        assert!(Unit::Ratio.parse("abc").is_err());
        assert_eq!(Unit::Seconds.parse("30m"), Ok(1800.0));
        assert_eq!(Unit::Seconds.parse("90"), Ok(90.0));
        assert!(Unit::Seconds.parse("soon").is_err());
        assert!(Unit::Seconds.parse("1e300").is_err());
        // Beyond what a Duration holds: printed, not a panic.
        assert!(Unit::Seconds.show(1e300).ends_with('s'));
        assert_eq!(Unit::Seconds.show_opt(None), "-");
        assert_eq!(Unit::Count.parse("50"), Ok(50.0));
        assert!(Unit::Count.parse("-1").is_err());
    }

    #[test]
    fn values_print_in_their_unit() {
        assert_eq!(Unit::Ratio.show(0.125), "12.5%");
        assert_eq!(Unit::Ratio.perf(0.1), "10%");
        assert_eq!(Unit::Seconds.show(5400.0), "1h 30m");
        assert_eq!(Unit::Seconds.perf(12.0), "12s");
        assert_eq!(Unit::Count.show(3.0), "3");
        assert_eq!(Unit::Seconds.show(0.0031), "3ms");
        assert_eq!(Unit::Seconds.show(12.25), "12.2s");
        assert_eq!(window_label(Duration::from_secs(86_400)), "24h");
        assert_eq!(window_label(Duration::from_secs(7 * 86_400)), "7d");
        assert_eq!(window_label(Duration::from_secs(900)), "15m");
    }

    #[test]
    fn rates_divide_by_decided_tasks() {
        let o = Outcomes {
            completed: 6,
            failed: 3,
            timeout: 1,
            cancelled: 10,
        };
        assert_eq!(o.decided(), 10);
        assert_eq!(o.success_rate(), Some(0.6));
        assert_eq!(o.failure_rate(), Some(0.3));
        assert_eq!(o.timeout_rate(), Some(0.1));
        assert_eq!(Outcomes::default().failure_rate(), None);
    }

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), Some(50.0));
        assert_eq!(quantile(&v, 0.95), Some(95.0));
        assert_eq!(quantile(&[7.0], 0.95), Some(7.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
