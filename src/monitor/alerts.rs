//! Alert rules (`[[alerts]]`): evaluated against the store, remembered in the `alerts` table,
//! and announced through the outbox to the notification channels when they fire and when
//! they resolve.
//!
//! A rule's state is `ok`, `pending` (its condition holds but has not held for `for` yet) or
//! `firing`. A rule notifies once when it starts firing and once when it resolves; while it
//! keeps firing it stays quiet, unless `renotify` is set. A metric without data (a rate with
//! fewer finished tasks than `[monitor] min_finished`) never fires.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::channels::{self, AlertEvent, Channel};
use super::{observe, outcomes, Observed, Outcomes, Unit};
use crate::domain::time::{Millis, Timestamp};
use crate::error::Result;
use crate::output::Record;
use crate::store::{monitor as q, outbox, Conn, Location};

/// What a rule measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    FailureRate,
    TimeoutRate,
    SuccessRate,
    Backlog,
    InFlight,
    OldestPendingAge,
    ExpiredLeases,
    SchedulerLag,
    HeartbeatAge,
    DaemonDown,
    Finished,
    Failed,
    DeliveriesFailed,
    BudgetUsedRatio,
}

impl Metric {
    pub const ALL: [Metric; 14] = [
        Metric::FailureRate,
        Metric::TimeoutRate,
        Metric::SuccessRate,
        Metric::Backlog,
        Metric::InFlight,
        Metric::OldestPendingAge,
        Metric::ExpiredLeases,
        Metric::SchedulerLag,
        Metric::HeartbeatAge,
        Metric::DaemonDown,
        Metric::Finished,
        Metric::Failed,
        Metric::DeliveriesFailed,
        Metric::BudgetUsedRatio,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::FailureRate => "failure_rate",
            Metric::TimeoutRate => "timeout_rate",
            Metric::SuccessRate => "success_rate",
            Metric::Backlog => "backlog",
            Metric::InFlight => "in_flight",
            Metric::OldestPendingAge => "oldest_pending_age",
            Metric::ExpiredLeases => "expired_leases",
            Metric::SchedulerLag => "scheduler_lag",
            Metric::HeartbeatAge => "heartbeat_age",
            Metric::DaemonDown => "daemon_down",
            Metric::Finished => "finished",
            Metric::Failed => "failed",
            Metric::DeliveriesFailed => "deliveries_failed",
            Metric::BudgetUsedRatio => "budget_used_ratio",
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Metric::FailureRate
            | Metric::TimeoutRate
            | Metric::SuccessRate
            | Metric::BudgetUsedRatio => Unit::Ratio,
            Metric::OldestPendingAge | Metric::SchedulerLag | Metric::HeartbeatAge => Unit::Seconds,
            _ => Unit::Count,
        }
    }

    /// Whether the rule's window applies.
    pub fn windowed(self) -> bool {
        matches!(
            self,
            Metric::FailureRate
                | Metric::TimeoutRate
                | Metric::SuccessRate
                | Metric::Finished
                | Metric::Failed
        )
    }

    /// The metric's value, `None` when there is nothing to judge. `finished` are the
    /// outcomes over the rule's window.
    pub fn value(self, o: &Observed, finished: &Outcomes, min_finished: u64) -> Option<f64> {
        let judged = finished.decided() >= min_finished.max(1);
        match self {
            Metric::FailureRate => finished.failure_rate().filter(|_| judged),
            Metric::TimeoutRate => finished.timeout_rate().filter(|_| judged),
            Metric::SuccessRate => finished.success_rate().filter(|_| judged),
            Metric::Backlog => Some(o.pending() as f64),
            Metric::InFlight => Some(o.in_flight() as f64),
            Metric::OldestPendingAge => Some(o.oldest_pending_age().unwrap_or(0.0)),
            Metric::ExpiredLeases => Some(o.expired_leases as f64),
            Metric::SchedulerLag => Some(
                o.scheduler_lag
                    .as_ref()
                    .map(|(_, ms)| *ms as f64 / 1000.0)
                    .unwrap_or(0.0),
            ),
            Metric::HeartbeatAge => o.daemon.heartbeat_age(o.now),
            Metric::DaemonDown => Some(if o.daemon.running() { 0.0 } else { 1.0 }),
            Metric::Finished => Some(finished.decided() as f64),
            Metric::Failed => Some((finished.failed + finished.timeout) as f64),
            Metric::DeliveriesFailed => Some(o.deliveries_failed as f64),
            // Measured per budget: see `Rule::budget`.
            Metric::BudgetUsedRatio => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Gt => value > threshold,
            Op::Ge => value >= threshold,
            Op::Lt => value < threshold,
            Op::Le => value <= threshold,
            Op::Eq => value == threshold,
            Op::Ne => value != threshold,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// A rule, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub metric: Metric,
    pub op: Op,
    /// In the metric's unit (a ratio, seconds or a count).
    pub threshold: f64,
    pub window: Duration,
    pub severity: Severity,
    /// Channel names; `None` means every channel.
    pub channels: Option<Vec<String>>,
    /// How long the condition must hold before the rule fires.
    pub hold: Duration,
    /// Notify again while still firing, this often; `None`: never.
    pub renotify: Option<Duration>,
    /// The budget a `budget_used_ratio` rule watches.
    pub budget: Option<String>,
}

impl Rule {
    fn simple(name: &str, metric: Metric, threshold: f64, severity: Severity) -> Rule {
        Rule {
            name: name.into(),
            metric,
            op: Op::Gt,
            threshold,
            window: Duration::from_secs(3600),
            severity,
            channels: None,
            hold: Duration::ZERO,
            renotify: None,
            budget: None,
        }
    }

    /// `failure_rate > 20% over 1h`
    pub fn condition(&self) -> String {
        let mut s = format!(
            "{} {} {}",
            self.metric.as_str(),
            self.op.as_str(),
            self.metric.unit().show(self.threshold)
        );
        if self.metric.windowed() {
            s.push_str(&format!(" over {}", super::window_label(self.window)));
        }
        if let Some(b) = &self.budget {
            s.push_str(&format!(" of budget {b}"));
        }
        s
    }
}

/// The old system's alerts: failure rate above 20 %, timeout rate above 10 %, more than 50
/// pending, and no daemon (unless none is expected: `[monitor] expect_daemon = false`).
pub fn default_rules(expect_daemon: bool) -> Vec<Rule> {
    let mut rules = vec![
        Rule::simple("failure_rate", Metric::FailureRate, 0.2, Severity::Critical),
        Rule::simple("timeout_rate", Metric::TimeoutRate, 0.1, Severity::Warning),
        Rule::simple("backlog", Metric::Backlog, 50.0, Severity::Warning),
    ];
    if expect_daemon {
        rules.push(Rule::simple(
            "daemon_down",
            Metric::DaemonDown,
            0.0,
            Severity::Critical,
        ));
    }
    rules
}

/// How rules are evaluated.
#[derive(Debug, Clone)]
pub struct AlertOptions {
    pub rules: Vec<Rule>,
    pub channels: Vec<Channel>,
    pub min_finished: u64,
    /// How old a daemon's heartbeat may be.
    pub live: super::Liveness,
    /// `renotify` of rules that do not set their own.
    pub renotify: Option<Duration>,
    /// Named in notifications.
    pub host: String,
    /// The budgets `budget_used_ratio` rules watch.
    pub budgets: Vec<crate::domain::budget::Budget>,
}

/// One rule's evaluation, as `monitor alerts` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertStatus {
    pub name: String,
    pub severity: String,
    /// `failure_rate > 20% over 1h`
    pub condition: String,
    /// The current value in the metric's unit; `null` without data.
    pub value: Option<f64>,
    /// The value as people read it (`35%`, `12m`, `7`).
    pub shown: Option<String>,
    /// ok, pending or firing
    pub state: String,
    pub firing: bool,
    /// When the rule entered its state (as recorded by the daemon or `--notify`).
    pub since: Option<Timestamp>,
    pub notified_at: Option<Timestamp>,
    /// Channels notified; empty when none is configured.
    pub channels: Vec<String>,
}

impl Record for AlertStatus {
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "severity",
        "state",
        "condition",
        "shown",
        "since",
        "channels",
    ];

    fn key(&self) -> String {
        self.name.clone()
    }
}

/// The result of a pass.
#[derive(Debug, Clone)]
pub struct Pass {
    pub statuses: Vec<AlertStatus>,
    /// Notifications queued (one per event and channel).
    pub queued: usize,
    /// Events (`alert.firing` / `alert.resolved`), for logs.
    pub events: Vec<AlertEvent>,
}

/// The channels a rule notifies.
fn channels_of<'a>(rule: &Rule, all: &'a [Channel]) -> Vec<&'a Channel> {
    all.iter()
        .filter(|c| {
            rule.channels
                .as_ref()
                .is_none_or(|names| names.contains(&c.name))
        })
        .collect()
}

/// Evaluates every rule against the store at `now`. With `record`, applies state changes to
/// the `alerts` table and queues notifications in the outbox (the caller commits); without,
/// only reports. `conn` must be in a transaction (a write transaction with `record`).
pub fn evaluate(
    conn: &Conn,
    store: &Location,
    opts: &AlertOptions,
    now: Millis,
    record: bool,
) -> Result<Pass> {
    if record {
        q::begin_alert_pass(conn)?;
    }
    let base = observe(conn, store, opts.live, Duration::from_secs(3600), now)?;
    let mut windows: BTreeMap<Duration, Outcomes> = BTreeMap::new();
    windows.insert(base.window, base.finished);
    for r in opts.rules.iter().filter(|r| r.metric.windowed()) {
        if let std::collections::btree_map::Entry::Vacant(e) = windows.entry(r.window) {
            let (since, until) = super::window_range(now, r.window);
            e.insert(outcomes(conn, since, until)?);
        }
    }
    let budget_uses = super::budgets::uses(conn, &opts.budgets, now)?;
    let mut rows: BTreeMap<String, q::AlertRow> = q::alert_rows(conn)?
        .into_iter()
        .map(|r| (r.name.clone(), r))
        .collect();

    let mut pass = Pass {
        statuses: Vec::new(),
        queued: 0,
        events: Vec::new(),
    };
    for rule in &opts.rules {
        let finished = windows.get(&rule.window).copied().unwrap_or_default();
        let value = match (&rule.metric, &rule.budget) {
            (Metric::BudgetUsedRatio, Some(b)) => budget_uses
                .iter()
                .find(|u| &u.budget == b)
                .map(|u| u.used_ratio),
            _ => rule.metric.value(&base, &finished, opts.min_finished),
        };
        let holds = value.is_some_and(|v| rule.op.holds(v, rule.threshold));
        let prev = rows.remove(&rule.name);
        let prev_state = prev.as_ref().map(|p| p.state.as_str()).unwrap_or("ok");
        let mut row = prev.clone().unwrap_or(q::AlertRow {
            name: rule.name.clone(),
            state: "ok".into(),
            value,
            since: now,
            notified_at: None,
            evaluated_at: now,
        });
        row.value = value;
        row.evaluated_at = now;
        let mut event: Option<&str> = None;
        match (holds, prev_state) {
            (true, "firing") => {
                let every = rule.renotify.or(opts.renotify);
                let last = row.notified_at.unwrap_or(row.since);
                if every.is_some_and(|e| now - last >= e.as_millis() as i64) {
                    event = Some("alert.firing");
                }
            }
            (true, "pending") if now - row.since >= rule.hold.as_millis() as i64 => {
                row.state = "firing".into();
                row.since = now;
                event = Some("alert.firing");
            }
            (true, "pending") => {}
            (true, _) if rule.hold.is_zero() => {
                row.state = "firing".into();
                row.since = now;
                event = Some("alert.firing");
            }
            (true, _) => {
                row.state = "pending".into();
                row.since = now;
            }
            (false, "firing") => {
                row.state = "ok".into();
                row.since = now;
                event = Some("alert.resolved");
            }
            (false, "pending") => {
                row.state = "ok".into();
                row.since = now;
            }
            (false, _) => {}
        }
        let targets = channels_of(rule, &opts.channels);
        if let (Some(name), true) = (event, record) {
            let unit = rule.metric.unit();
            let shown = value.map(|v| unit.show(v));
            let ev = AlertEvent {
                event: name.into(),
                rule: rule.name.clone(),
                metric: rule.metric.as_str().into(),
                op: rule.op.as_str().into(),
                threshold: unit.show(rule.threshold),
                value: shown.clone(),
                window: super::window_label(rule.window),
                severity: rule.severity.as_str().into(),
                summary: match name {
                    "alert.firing" => format!(
                        "{} is {} ({})",
                        rule.metric.as_str(),
                        shown.as_deref().unwrap_or("unknown"),
                        rule.condition()
                    ),
                    _ => format!(
                        "{} is back to {} (was {})",
                        rule.metric.as_str(),
                        shown.as_deref().unwrap_or("no data"),
                        rule.condition()
                    ),
                },
                since: row.since,
                at: now,
                host: opts.host.clone(),
            };
            for c in &targets {
                outbox::enqueue(
                    conn,
                    name,
                    None,
                    &c.target(),
                    &channels::body(c.kind, &ev),
                    now,
                )?;
                pass.queued += 1;
            }
            row.notified_at = Some(now);
            pass.events.push(ev);
        }
        if record {
            q::put_alert(conn, &row)?;
        }
        // Without recording, show what the condition says now, with the recorded state
        // (and its start) where one is kept.
        let (state, since, notified_at) = if record {
            (row.state.clone(), Some(row.since), row.notified_at)
        } else {
            let state = match (holds, prev_state) {
                (true, "firing") | (true, "pending") => prev_state.to_string(),
                (true, _) if rule.hold.is_zero() => "firing".into(),
                (true, _) => "pending".into(),
                (false, _) => "ok".into(),
            };
            let kept = prev.as_ref().filter(|p| p.state == state);
            (
                state,
                kept.map(|p| p.since),
                prev.as_ref().and_then(|p| p.notified_at),
            )
        };
        pass.statuses.push(AlertStatus {
            name: rule.name.clone(),
            severity: rule.severity.as_str().into(),
            condition: rule.condition(),
            value,
            shown: value.map(|v| rule.metric.unit().show(v)),
            firing: state == "firing",
            since: since.map(Timestamp),
            notified_at: notified_at.map(Timestamp),
            state,
            channels: targets.iter().map(|c| c.name.clone()).collect(),
        });
    }
    Ok(pass)
}

/// Checks rules against each other and the channels: unique names, known channels.
pub fn check_rules(rules: &[Rule], channels: &[Channel]) -> std::result::Result<(), String> {
    let mut seen = BTreeSet::new();
    for r in rules {
        if r.name.trim().is_empty() {
            return Err("an alert rule needs a name".into());
        }
        if !seen.insert(r.name.as_str()) {
            return Err(format!("two alert rules are named '{}'", r.name));
        }
        for name in r.channels.iter().flatten() {
            if !channels.iter().any(|c| &c.name == name) {
                return Err(format!(
                    "alert rule '{}' names channel '{name}', which is not in [[notify.channels]]",
                    r.name
                ));
            }
        }
    }
    let mut names = BTreeSet::new();
    for c in channels {
        if !names.insert(c.name.as_str()) {
            return Err(format!("two notification channels are named '{}'", c.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_compare() {
        assert!(Op::Gt.holds(0.3, 0.2));
        assert!(!Op::Gt.holds(0.2, 0.2));
        assert!(Op::Ge.holds(0.2, 0.2));
        assert!(Op::Lt.holds(1.0, 2.0));
        assert!(Op::Ne.holds(1.0, 0.0));
    }

    #[test]
    fn defaults_are_the_old_systems() {
        assert_eq!(default_rules(false).len(), 3);
        let d = default_rules(true);
        let conds: Vec<String> = d.iter().map(Rule::condition).collect();
        assert_eq!(
            conds,
            [
                "failure_rate > 20% over 1h",
                "timeout_rate > 10% over 1h",
                "backlog > 50",
                "daemon_down > 0"
            ]
        );
        assert!(check_rules(&d, &[]).is_ok());
    }

    #[test]
    fn rules_name_known_channels_once() {
        let mut d = default_rules(true);
        d[0].channels = Some(vec!["ops".into()]);
        assert!(check_rules(&d, &[]).unwrap_err().contains("'ops'"));
        let mut d = default_rules(true);
        d[1].name = "failure_rate".into();
        assert!(check_rules(&d, &[])
            .unwrap_err()
            .contains("two alert rules"));
    }
}
