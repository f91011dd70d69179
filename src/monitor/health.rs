//! `monitor health`: checks with warning and critical thresholds, reported as one line in the
//! monitoring-plugin form (`CONTENTHUB WARNING - reasons | perfdata`) with exit codes
//! 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

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
    ("expired_leases", Unit::Count, Some(1.0), None),
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
    /// The daemon's lease, which sets how old a heartbeat may be.
    pub lease: Duration,
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
            c = Some(heartbeat_limit(self.lease).as_secs_f64());
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
}

impl Check {
    fn new(
        name: &str,
        unit: Unit,
        value: Option<f64>,
        levels: (Option<f64>, Option<f64>),
    ) -> Check {
        let status = match value {
            Some(v) if levels.1.is_some_and(|c| v >= c) => State::Critical,
            Some(v) if levels.0.is_some_and(|w| v >= w) => State::Warning,
            _ => State::Ok,
        };
        Check {
            name: name.to_string(),
            status,
            value,
            unit,
            warning: levels.0,
            critical: levels.1,
            message: String::new(),
        }
    }

    fn with(mut self, message: String) -> Check {
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
        }
    }

    /// What the line says about a check that is not OK: its message and the level it crossed.
    fn reason(&self) -> String {
        let level = match self.status {
            // The message says why (no daemon, or how old its beat is).
            _ if self.value.is_none() || self.name == "heartbeat" => None,
            State::Critical => self
                .critical
                .map(|c| format!(" (critical at {})", self.unit.show(c))),
            State::Warning => self
                .warning
                .map(|w| format!(" (warning at {})", self.unit.show(w))),
            _ => None,
        };
        format!("{}{}", self.message, level.unwrap_or_default())
    }

    /// `label=value[UOM];warn;crit;min;max`; rates are percentages.
    fn perfdata(&self) -> Option<String> {
        let label = match self.name.as_str() {
            "backlog" => "pending",
            "store" | "usage" => return None,
            n if n.starts_with("probe") => return None,
            n => n,
        };
        let num = |v: f64| match self.unit {
            Unit::Ratio => super::trim_float(v * 100.0, 2),
            _ => super::trim_float(v, 3),
        };
        let value = match self.value {
            Some(v) => self.unit.perf(v),
            None => "U".into(),
        };
        let (min, max) = match self.unit {
            Unit::Ratio => ("0", "100"),
            _ => ("0", ""),
        };
        let w = self.warning.map(num).unwrap_or_default();
        let c = self.critical.map(num).unwrap_or_default();
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
        ("stale", Some(a)) => format!("daemon holds the store but its heartbeat is {} old", ago(a)),
        ("stale", None) => "daemon holds the store but has never beaten".into(),
        (_, Some(a)) => format!("no daemon running (last heartbeat {} ago)", ago(a)),
        _ => "no daemon running".into(),
    };
    if !o.daemon.running() {
        hb.status = State::Critical;
    }
    if !opts.expect_daemon {
        hb.status = State::Ok;
        hb.message
            .push_str(" (not expected: [monitor] expect_daemon = false)");
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
            c.status = State::Ok;
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
    fn levels_are_reached_not_exceeded() {
        let c = Check::new(
            "backlog",
            Unit::Count,
            Some(50.0),
            (Some(50.0), Some(200.0)),
        );
        assert_eq!(c.status, State::Warning);
        let c = Check::new(
            "backlog",
            Unit::Count,
            Some(49.0),
            (Some(50.0), Some(200.0)),
        );
        assert_eq!(c.status, State::Ok);
        let c = Check::new(
            "backlog",
            Unit::Count,
            Some(200.0),
            (Some(50.0), Some(200.0)),
        );
        assert_eq!(c.status, State::Critical);
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
