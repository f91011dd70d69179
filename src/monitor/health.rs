//! `monitor health`: checks with warning and critical thresholds, reported as one line in the
//! monitoring-plugin form (`CONTENTHUB WARNING - reasons | perfdata`) with exit codes
//! 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
//!
//! Levels follow the Monitoring Plugins Development Guidelines: a level `N` is the range
//! `0..N`, and a check alerts when its value lies *outside* it, that is strictly above `N`.
//! The state is decided on the numbers exactly as the perfdata prints them, and a check whose
//! state does not come from its levels (a daemon that is not running, a rate not judged yet,
//! a daemon that is not expected) prints the ranges that give a consumer the same state, so
//! any consumer of the perfdata reaches the state the plugin reports.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{heartbeat_limit, Observed, Unit};
use crate::domain::time::format_duration;
use crate::error::ExitCode;

/// A check's (or the whole report's) state, in the order used to combine them (the
/// monitoring plugins' `max_state_alt`: CRITICAL > WARNING > UNKNOWN > OK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Ok,
    Unknown,
    Warning,
    Critical,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Warning => "warning",
            State::Critical => "critical",
            State::Unknown => "unknown",
        }
    }

    /// The monitoring-plugin exit code: 0, 1, 2, 3.
    pub fn exit_code(self) -> ExitCode {
        match self {
            State::Ok => ExitCode::Ok,
            State::Warning => ExitCode::Failure,
            State::Critical => ExitCode::Invalid,
            State::Unknown => ExitCode::NotFound,
        }
    }
}

/// The checks that take thresholds, their unit and default warning/critical levels.
pub const CHECKS: &[(&str, Unit, Option<f64>, Option<f64>)] = &[
    ("heartbeat", Unit::Seconds, None, None),
    ("failure_rate", Unit::Ratio, Some(0.10), Some(0.20)),
    ("timeout_rate", Unit::Ratio, Some(0.10), None),
    ("backlog", Unit::Count, Some(50.0), Some(200.0)),
    ("oldest_pending", Unit::Seconds, Some(1800.0), Some(7200.0)),
    ("expired_leases", Unit::Count, Some(0.0), None),
    ("scheduler_lag", Unit::Seconds, Some(600.0), Some(3600.0)),
];

fn unit_of(check: &str) -> Option<Unit> {
    CHECKS.iter().find(|c| c.0 == check).map(|c| c.1)
}

/// A threshold of `check` as operators write it (`30%`, `1h`, `50`).
pub fn show_level(check: &str, v: f64) -> String {
    unit_of(check).unwrap_or(Unit::Count).show(v)
}

/// Parses `CHECK=VALUE` (a `-w`/`-c` argument or a config entry) into the check name and the
/// value in the check's unit.
pub fn parse_override(arg: &str) -> Result<(String, f64), String> {
    let Some((name, value)) = arg.split_once('=') else {
        return Err(format!(
            "'{arg}' is not CHECK=VALUE (e.g. backlog=100, failure_rate=5%, oldest_pending=1h)"
        ));
    };
    let name = name.trim();
    let unit = unit_of(name).ok_or_else(|| {
        format!(
            "unknown check '{name}' (one of: {})",
            CHECKS.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
        )
    })?;
    let v = unit.parse(value).map_err(|e| format!("{name}: {e}"))?;
    Ok((name.to_string(), v))
}

/// What the checks compare against.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthOptions {
    pub window: Duration,
    /// Rates do not warn until this many tasks finished in the window.
    pub min_finished: u64,
    /// Whether a missing daemon is CRITICAL (false for cron-only setups).
    pub expect_daemon: bool,
    /// How old a daemon's heartbeat may be, and how long a stale one is warned about.
    pub live: super::Liveness,
    /// Threshold overrides by check name.
    pub warning: BTreeMap<String, f64>,
    pub critical: BTreeMap<String, f64>,
}

impl HealthOptions {
    fn levels(&self, check: &str) -> (Option<f64>, Option<f64>) {
        let (mut w, mut c) = CHECKS
            .iter()
            .find(|x| x.0 == check)
            .map(|x| (x.2, x.3))
            .unwrap_or((None, None));
        if check == "heartbeat" {
            c = Some(heartbeat_limit(self.live.lease).as_secs_f64());
        }
        if let Some(v) = self.warning.get(check) {
            w = Some(*v);
        }
        if let Some(v) = self.critical.get(check) {
            c = Some(*v);
        }
        (w, c)
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub name: String,
    pub status: State,
    /// In `unit`: a ratio (0..1), seconds, or a count. `null` when it could not be measured.
    pub value: Option<f64>,
    pub unit: Unit,
    pub warning: Option<f64>,
    pub critical: Option<f64>,
    pub message: String,
    /// The state when it was set by something other than the levels.
    #[serde(skip)]
    decided: Option<State>,
}

/// A number as perfdata prints it (without its unit): a ratio as a percentage with two
/// decimals, seconds and counts with three.
fn perf_number(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Ratio => super::trim_float(v * 100.0, 2),
        _ => super::trim_float(v, 3),
    }
}

/// [`perf_number`] read back: what a consumer of the perfdata compares.
fn as_printed(unit: Unit, v: f64) -> f64 {
    perf_number(unit, v).parse().unwrap_or(v)
}

/// The state the levels give `value`: outside `0..level` as printed, that is strictly above
/// the level.
fn by_levels(unit: Unit, value: Option<f64>, levels: (Option<f64>, Option<f64>)) -> State {
    let above = |v: f64, level: Option<f64>| {
        level.is_some_and(|l| as_printed(unit, v) > as_printed(unit, l))
    };
    match value {
        Some(v) if above(v, levels.1) => State::Critical,
        Some(v) if above(v, levels.0) => State::Warning,
        _ => State::Ok,
    }
}

impl Check {
    pub(super) fn new(
        name: &str,
        unit: Unit,
        value: Option<f64>,
        levels: (Option<f64>, Option<f64>),
    ) -> Check {
        let status = by_levels(unit, value, levels);
        Check {
            name: name.to_string(),
            status,
            value,
            unit,
            warning: levels.0,
            critical: levels.1,
            message: String::new(),
            decided: None,
        }
    }

    /// Sets the state regardless of the levels (the perfdata then says so too).
    pub(super) fn decide(&mut self, status: State) {
        self.status = status;
        self.decided = Some(status);
    }

    pub(super) fn with(mut self, message: String) -> Check {
        self.message = message;
        self
    }

    /// A check whose state is known without thresholds (store, probes).
    pub fn plain(name: &str, status: State, message: String) -> Check {
        Check {
            name: name.to_string(),
            status,
            value: None,
            unit: Unit::Count,
            warning: None,
            critical: None,
            message,
            decided: Some(status),
        }
    }

    /// What the line says about a check that is not OK: its message and the level it crossed.
    fn reason(&self) -> String {
        let level = match self.status {
            // The message says why (no daemon, or how old its beat is).
            _ if self.value.is_none() || self.name == "heartbeat" => None,
            State::Critical => self
                .critical
                .map(|c| format!(" (critical above {})", self.unit.show(c))),
            State::Warning => self
                .warning
                .map(|w| format!(" (warning above {})", self.unit.show(w))),
            _ => None,
        };
        format!("{}{}", self.message, level.unwrap_or_default())
    }

    /// `label=value[UOM];warn;crit;min;max`; rates are percentages. `warn` and `crit` are
    /// the guidelines' ranges: `50` alerts above 50. A state set without the levels prints
    /// no levels when it is OK and the range `@0:` (any value alerts) when it is not.
    fn perfdata(&self) -> Option<String> {
        let label = match self.name.as_str() {
            "backlog" => "pending",
            "store" | "usage" => return None,
            n if n.starts_with("probe") => return None,
            n => n,
        };
        let num = |v: f64| perf_number(self.unit, v);
        let value = match self.value {
            Some(v) => self.unit.perf(v),
            None => "U".into(),
        };
        let (min, max) = match self.unit {
            Unit::Ratio => ("0", "100"),
            _ => ("0", ""),
        };
        const ALWAYS: &str = "@0:";
        let levels_agree = self
            .decided
            .is_none_or(|d| d == by_levels(self.unit, self.value, (self.warning, self.critical)));
        let (w, c) = match self.decided {
            _ if levels_agree => (
                self.warning.map(num).unwrap_or_default(),
                self.critical.map(num).unwrap_or_default(),
            ),
            None | Some(State::Ok) => (String::new(), String::new()),
            Some(State::Warning) => (ALWAYS.into(), String::new()),
            Some(State::Critical) | Some(State::Unknown) => (String::new(), ALWAYS.into()),
        };
        Some(format!("{label}={value};{w};{c};{min};{max}"))
    }
}

/// Every check against one [`Observed`].
pub fn evaluate(o: &Observed, opts: &HealthOptions) -> Vec<Check> {
    let mut checks = Vec::new();
    let window = super::window_label(opts.window);

    // The daemon.
    let age = o.daemon.heartbeat_age(o.now);
    let levels = opts.levels("heartbeat");
    let mut hb = Check::new("heartbeat", Unit::Seconds, age, levels);
    let ago = |a: f64| format_duration(Duration::from_secs_f64(a));
    hb.message = match (o.daemon.state, age) {
        ("running", Some(a)) => format!("daemon running (beat {} ago)", ago(a)),
        ("stale", Some(a)) => format!("daemon stale: its last heartbeat is {} old", ago(a)),
        ("stale", None) => "daemon stale: it has never beaten".into(),
        (_, Some(a)) => format!("no daemon running (last heartbeat {} ago)", ago(a)),
        _ => "no daemon running".into(),
    };
    if !o.daemon.running() {
        hb.decide(State::Critical);
    } else if let Some(stale) = o.daemon.stale().next() {
        // Another daemon on the shared store stopped beating: its leases are taken over
        // when they expire, but someone should look at its host.
        let n = o.daemon.stale().count();
        hb.message.push_str(&format!(
            "; {n} daemon{} stopped beating: {} pid {} ({} ago)",
            if n == 1 { "" } else { "s" },
            stale.host,
            stale.pid,
            ago((o.now - stale.last_beat_at).max(0) as f64 / 1000.0)
        ));
        hb.decide(State::Warning);
    }
    if !opts.expect_daemon {
        hb.decide(State::Ok);
        hb.message
            .push_str(" (not expected: [monitor] expect_daemon = false)");
    }
    if let Some(free) = o.disk_free.filter(|f| *f < super::DISK_FULL_BELOW) {
        // The daemon cannot write its heartbeat there: say why it goes stale.
        hb.message.push_str(&format!(
            "; disk full: {:.1} % free on the store's file system",
            free * 100.0
        ));
        hb.decide(State::Critical);
    }
    checks.push(hb);

    // Outcomes over the window.
    let decided = o.finished.decided();
    let judged = decided >= opts.min_finished.max(1);
    for (name, rate, what) in [
        ("failure_rate", o.finished.failure_rate(), "failed"),
        ("timeout_rate", o.finished.timeout_rate(), "timed out"),
    ] {
        let mut c = Check::new(name, Unit::Ratio, rate, opts.levels(name));
        c.message = match rate {
            Some(r) => format!(
                "{} {what} of {decided} finished in {window}",
                Unit::Ratio.show(r)
            ),
            None => format!("no tasks finished in {window}"),
        };
        if !judged {
            c.decide(State::Ok);
            if rate.is_some() {
                c.message.push_str(&format!(
                    " (not judged below {} finished)",
                    opts.min_finished
                ));
            }
        }
        checks.push(c);
    }

    // The queue.
    let pending = o.pending();
    checks.push(
        Check::new(
            "backlog",
            Unit::Count,
            Some(pending as f64),
            opts.levels("backlog"),
        )
        .with(format!("{pending} pending, {} in flight", o.in_flight())),
    );
    let oldest = o.oldest_pending_age();
    checks.push(
        Check::new(
            "oldest_pending",
            Unit::Seconds,
            Some(oldest.unwrap_or(0.0)),
            opts.levels("oldest_pending"),
        )
        .with(match oldest {
            Some(a) => format!("oldest due task waiting {} to be picked up", ago(a)),
            None => "no task waiting".into(),
        }),
    );
    checks.push(
        Check::new(
            "expired_leases",
            Unit::Count,
            Some(o.expired_leases as f64),
            opts.levels("expired_leases"),
        )
        .with(match o.expired_leases {
            0 => "no expired leases".into(),
            n => format!("{n} running tasks with an expired lease (their daemon died; a daemon start takes them back)"),
        }),
    );
    let lag = o.scheduler_lag.as_ref().map(|(_, ms)| *ms as f64 / 1000.0);
    checks.push(
        Check::new(
            "scheduler_lag",
            Unit::Seconds,
            Some(lag.unwrap_or(0.0)),
            opts.levels("scheduler_lag"),
        )
        .with(match &o.scheduler_lag {
            Some((plan, ms)) => format!("plan '{plan}' is {} behind", ago(*ms as f64 / 1000.0)),
            None => "no plan is behind".into(),
        }),
    );
    checks
}

/// The report: the worst state of its checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    pub status: State,
    /// The line's text between the state and the perfdata.
    pub summary: String,
    /// The window of the rates, e.g. `1h`.
    pub window: String,
    pub checks: Vec<Check>,
}

impl Health {
    pub fn new(window: Duration, checks: Vec<Check>) -> Health {
        let status = checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(State::Unknown);
        let summary = summarize(status, &checks);
        Health {
            status,
            summary,
            window: super::window_label(window),
            checks,
        }
    }

    /// `CONTENTHUB STATE - summary | perfdata`
    pub fn line(&self) -> String {
        let perf: Vec<String> = self.checks.iter().filter_map(Check::perfdata).collect();
        let mut line = format!("CONTENTHUB {} - {}", self.status.label(), self.summary);
        if !perf.is_empty() {
            line.push_str(" | ");
            line.push_str(&perf.join(" "));
        }
        line
    }
}

fn summarize(status: State, checks: &[Check]) -> String {
    if status == State::Ok {
        // The gist: the daemon, the queue and the rates.
        let pick = |n: &str| {
            checks
                .iter()
                .find(|c| c.name == n)
                .map(|c| c.message.clone())
        };
        return ["heartbeat", "backlog", "failure_rate"]
            .iter()
            .filter_map(|n| pick(n))
            .collect::<Vec<_>>()
            .join("; ");
    }
    // The worst first, then the rest that are not OK.
    let mut bad: Vec<&Check> = checks.iter().filter(|c| c.status != State::Ok).collect();
    bad.sort_by_key(|c| std::cmp::Reverse(c.status));
    bad.iter()
        .map(|c| c.reason())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse_per_unit() {
        assert_eq!(parse_override("backlog=100"), Ok(("backlog".into(), 100.0)));
        assert_eq!(
            parse_override("failure_rate=5%"),
            Ok(("failure_rate".into(), 0.05))
        );
        assert_eq!(
            parse_override("oldest_pending=1h"),
            Ok(("oldest_pending".into(), 3600.0))
        );
        assert!(parse_override("backlog")
            .unwrap_err()
            .contains("CHECK=VALUE"));
        assert!(parse_override("nope=1")
            .unwrap_err()
            .contains("unknown check"));
        assert!(parse_override("failure_rate=300%").is_err());
    }

    #[test]
    fn levels_alert_strictly_above() {
        let state =
            |v: f64| Check::new("backlog", Unit::Count, Some(v), (Some(50.0), Some(200.0))).status;
        assert_eq!(state(50.0), State::Ok);
        assert_eq!(state(51.0), State::Warning);
        assert_eq!(state(200.0), State::Warning);
        assert_eq!(state(201.0), State::Critical);
        // Decided on the printed numbers: 10.004 % prints as 10 %, which is not above 10 %.
        let rate = |v: f64| Check::new("failure_rate", Unit::Ratio, Some(v), (Some(0.1), None));
        assert_eq!(rate(0.100_04).status, State::Ok);
        assert_eq!(rate(0.100_06).status, State::Warning);
    }

    /// A consumer of the perfdata, written from the Monitoring Plugins Development
    /// Guidelines: does `range` alert for `v`? `10` is outside 0..10, `10:` below 10, `~:10`
    /// above 10, `10:20` outside 10..20, `@10:20` inside it; empty means no threshold.
    fn range_alerts(range: &str, v: f64) -> bool {
        if range.is_empty() {
            return false;
        }
        let (inside, r) = match range.strip_prefix('@') {
            Some(r) => (true, r),
            None => (false, range),
        };
        let (lo, hi) = match r.split_once(':') {
            Some((lo, hi)) => (lo, hi),
            None => ("0", r),
        };
        let lo = match lo {
            "~" => f64::NEG_INFINITY,
            "" => 0.0,
            n => n
                .parse()
                .unwrap_or_else(|_| panic!("bad range start {range:?}")),
        };
        let hi = match hi {
            "" => f64::INFINITY,
            n => n
                .parse()
                .unwrap_or_else(|_| panic!("bad range end {range:?}")),
        };
        assert!(lo <= hi, "range {range:?} ends before it starts");
        let within = lo <= v && v <= hi;
        if inside {
            within
        } else {
            !within
        }
    }

    /// The state a consumer derives from one perf item; `None` for a value of `U`.
    fn consumer_state(item: &str) -> Option<State> {
        let (_, data) = item.split_once('=').expect("label=data");
        let fields: Vec<&str> = data.split(';').collect();
        assert_eq!(fields.len(), 5, "{item}");
        if fields[0] == "U" {
            return None;
        }
        let number = fields[0].trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%');
        let v: f64 = number.parse().unwrap_or_else(|_| panic!("value of {item}"));
        Some(if range_alerts(fields[2], v) {
            State::Critical
        } else if range_alerts(fields[1], v) {
            State::Warning
        } else {
            State::Ok
        })
    }

    #[test]
    fn the_guidelines_parser_reads_ranges_as_documented() {
        assert!(range_alerts("10", 10.5) && range_alerts("10", -1.0) && !range_alerts("10", 10.0));
        assert!(range_alerts("10:", 9.9) && !range_alerts("10:", 1e9));
        assert!(range_alerts("~:10", 11.0) && !range_alerts("~:10", -1e9));
        assert!(range_alerts("10:20", 21.0) && !range_alerts("10:20", 15.0));
        assert!(range_alerts("@10:20", 15.0) && !range_alerts("@10:20", 9.0));
        assert!(range_alerts("@0:", 0.0) && range_alerts("@0:", 1e12));
        assert!(!range_alerts("", 1e12));
    }

    fn observed(daemon: &'static str, age_ms: Option<i64>) -> Observed {
        let now = 1_800_000_000_000;
        Observed {
            now,
            window: Duration::from_secs(3600),
            finished: crate::monitor::Outcomes::default(),
            counts: Vec::new(),
            oldest_pending_at: None,
            expired_leases: 0,
            scheduler_lag: None,
            disk_free: None,
            daemon: {
                let heartbeat = age_ms.map(|a| crate::store::queue::Heartbeat {
                    id: "d".into(),
                    pid: 1,
                    host: "h".into(),
                    version: "v".into(),
                    started_at: now - 3_600_000,
                    last_beat_at: now - a,
                    stopped_at: None,
                    in_flight: 0,
                    max_concurrent: 5,
                    scheduler: false,
                    listen: None,
                });
                crate::monitor::DaemonView {
                    state: daemon,
                    daemons: heartbeat.iter().map(|h| (daemon, h.clone())).collect(),
                    heartbeat,
                }
            },
            deliveries_failed: 0,
        }
    }

    fn options(expect_daemon: bool) -> HealthOptions {
        HealthOptions {
            window: Duration::from_secs(3600),
            min_finished: 5,
            expect_daemon,
            live: crate::monitor::Liveness::new(Duration::from_secs(15)),
            warning: BTreeMap::new(),
            critical: BTreeMap::new(),
        }
    }

    /// Every check's perfdata, read by a consumer of the guidelines' ranges, gives the state
    /// the plugin reports, for values on, just below and just above every level, with the
    /// default levels and with overrides that do not fall on a printed digit.
    #[test]
    fn perfdata_gives_a_consumer_the_plugins_state() {
        let mut cases: Vec<(Observed, HealthOptions)> = Vec::new();
        let mut odd = options(true);
        odd.warning.insert("failure_rate".into(), 0.123_456);
        odd.critical.insert("failure_rate".into(), 0.2);
        odd.warning.insert("backlog".into(), 10.5);
        odd.warning.insert("heartbeat".into(), 10.0);
        odd.warning.insert("oldest_pending".into(), 0.0005);
        odd.critical.insert("scheduler_lag".into(), 59.9999);
        let all_options = [options(true), options(false), odd];
        // The daemon: every state, ages around the 20 s limit, none at all.
        for state in ["running", "stale", "stopped"] {
            for age in [
                None,
                Some(0),
                Some(9_999),
                Some(10_001),
                Some(19_999),
                Some(20_000),
                Some(20_001),
                Some(90_000),
            ] {
                for opts in &all_options {
                    cases.push((observed(state, age), opts.clone()));
                }
            }
        }
        // Outcomes: rates around 10 % and 20 %, decided counts on both sides of min_finished.
        for decided in [4u64, 5, 10, 1000] {
            for failed in [0, 1, 2, 3, 99, 100, 101, 123, 124, 199, 200, 201, 1000] {
                if failed > decided {
                    continue;
                }
                for timeout in [0, 1, 100, 101] {
                    if failed + timeout > decided {
                        continue;
                    }
                    let mut o = observed("running", Some(1_000));
                    o.finished = crate::monitor::Outcomes {
                        completed: decided - failed - timeout,
                        failed,
                        timeout,
                        cancelled: 3,
                    };
                    for opts in &all_options {
                        cases.push((o.clone(), opts.clone()));
                    }
                }
            }
        }
        // The queue and the scheduler, around every level in their units.
        for n in [0u64, 1, 2, 10, 11, 49, 50, 51, 199, 200, 201] {
            let mut o = observed("running", Some(1_000));
            o.counts = vec![
                (crate::domain::Status::Pending, n),
                (crate::domain::Status::Processing, 2),
            ];
            o.expired_leases = n;
            for opts in &all_options {
                cases.push((o.clone(), opts.clone()));
            }
        }
        for secs in [0i64, 1, 60, 600, 1800, 3600, 7200] {
            for delta in [-1i64, 0, 1] {
                let ms = (secs * 1000 + delta).max(0);
                let mut o = observed("running", Some(1_000));
                o.oldest_pending_at = Some(o.now - ms);
                o.scheduler_lag = Some(("plan".into(), ms));
                for opts in &all_options {
                    cases.push((o.clone(), opts.clone()));
                }
            }
        }

        let mut compared = 0;
        let mut states = std::collections::BTreeSet::new();
        for (o, opts) in &cases {
            let health = Health::new(opts.window, evaluate(o, opts));
            for c in &health.checks {
                let Some(item) = c.perfdata() else { continue };
                states.insert((c.name.clone(), c.status));
                match consumer_state(&item) {
                    Some(s) => {
                        assert_eq!(s, c.status, "{item} for {} ({})", c.name, c.message);
                        compared += 1;
                    }
                    None => assert!(c.value.is_none(), "{item}"),
                }
                // The line carries the same item.
                assert!(health.line().contains(&item), "{}", health.line());
            }
        }
        assert!(compared > 2000, "only {compared} items compared");
        // Every check was seen in every state its levels allow.
        for (name, both) in [
            ("heartbeat", true),
            ("failure_rate", true),
            ("timeout_rate", false),
            ("backlog", true),
            ("oldest_pending", true),
            ("expired_leases", false),
            ("scheduler_lag", true),
        ] {
            for s in [State::Ok, State::Warning, State::Critical] {
                if s == State::Critical && !both && name != "heartbeat" {
                    continue;
                }
                if s == State::Warning && name == "heartbeat" {
                    continue;
                }
                assert!(
                    states.contains(&(name.to_string(), s)),
                    "{name} never {s:?}"
                );
            }
        }
    }

    #[test]
    fn a_stale_daemon_beside_a_running_one_is_a_warning() {
        let mut o = observed("running", Some(1_000));
        let mut stale = o.daemon.heartbeat.clone().unwrap();
        stale.id = "other:7:beef".into();
        stale.host = "other".into();
        stale.pid = 7;
        stale.last_beat_at = o.now - 120_000;
        o.daemon.daemons.push(("stale", stale));
        let checks = evaluate(&o, &options(true));
        assert_eq!(checks[0].status, State::Warning);
        assert!(
            checks[0]
                .message
                .contains("1 daemon stopped beating: other pid 7 (2m ago)"),
            "{}",
            checks[0].message
        );
        // Gone from the warning once it counts as gone.
        o.daemon.daemons[1].0 = "gone";
        assert_eq!(evaluate(&o, &options(true))[0].status, State::Ok);
    }

    #[test]
    fn states_not_set_by_levels_print_matching_ranges() {
        // No daemon expected: an old heartbeat is OK, so no level is printed.
        let checks = evaluate(&observed("stopped", Some(25_000)), &options(false));
        assert_eq!(checks[0].status, State::Ok);
        assert_eq!(checks[0].perfdata().unwrap(), "heartbeat=25s;;;0;");
        // A daemon that stopped 5 s ago is CRITICAL whatever the age.
        let checks = evaluate(&observed("stopped", Some(5_000)), &options(true));
        assert_eq!(checks[0].status, State::Critical);
        assert_eq!(checks[0].perfdata().unwrap(), "heartbeat=5s;;@0:;0;");
        // A stale one is past its level anyway: the level stays.
        let checks = evaluate(&observed("stale", Some(25_000)), &options(true));
        assert_eq!(checks[0].perfdata().unwrap(), "heartbeat=25s;;20;0;");
        // A rate not judged yet prints no levels.
        let mut o = observed("running", Some(1_000));
        o.finished.failed = 4;
        let checks = evaluate(&o, &options(true));
        let rate = checks.iter().find(|c| c.name == "failure_rate").unwrap();
        assert_eq!(rate.status, State::Ok);
        assert_eq!(rate.perfdata().unwrap(), "failure_rate=100%;;;0;100");
    }

    #[test]
    fn perfdata_follows_the_plugin_format() {
        let c = Check::new(
            "failure_rate",
            Unit::Ratio,
            Some(0.125),
            (Some(0.1), Some(0.2)),
        );
        assert_eq!(c.perfdata().unwrap(), "failure_rate=12.5%;10;20;0;100");
        let c = Check::new(
            "backlog",
            Unit::Count,
            Some(12.0),
            (Some(50.0), Some(200.0)),
        );
        assert_eq!(c.perfdata().unwrap(), "pending=12;50;200;0;");
        let c = Check::new("timeout_rate", Unit::Ratio, None, (Some(0.1), None));
        assert_eq!(c.perfdata().unwrap(), "timeout_rate=U;10;;0;100");
    }

    #[test]
    fn states_combine_worst_first() {
        assert!(State::Warning > State::Unknown);
        assert!(State::Critical > State::Warning);
        assert!(State::Unknown > State::Ok);
        assert_eq!(State::Unknown.exit_code().code(), 3);
        assert_eq!(State::Critical.exit_code().code(), 2);
    }
}
