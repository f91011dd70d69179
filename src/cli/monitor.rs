//! `contenthub monitor`: health (monitoring-plugin form), metrics (table, JSON, Prometheus),
//! daily stats, a live view, and alert rules.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::{Args, Subcommand};
use comfy_table::Cell;

use super::ctx::Ctx;
use super::watch::{self, WatchArgs};
use crate::daemon;
use crate::domain::time::{format_duration, local_display, now_ms};
use crate::error::{Error, ExitCode};
use crate::monitor::health::{self, Check, Health, HealthOptions, State};
use crate::monitor::metrics::{self, Metrics};
use crate::monitor::{alerts, observe, stats, Unit};
use crate::output::Format;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct MonitorCmd {
    #[command(subcommand)]
    pub(crate) cmd: MonitorSub,
}

#[derive(Debug, Subcommand)]
pub(crate) enum MonitorSub {
    /// Check the pipeline's health: one line and a monitoring-plugin exit code
    #[command(after_help = HEALTH_HELP)]
    Health(HealthArgs),
    /// Counts, rates, durations, tokens and cost over a window
    #[command(after_help = METRICS_HELP)]
    Metrics(MetricsArgs),
    /// Tasks finished per day: totals, success rate and average duration
    #[command(
        after_help = "Examples:\n  contenthub monitor stats\n  contenthub monitor stats --days 30 --format csv > daily.csv\n\nDays are calendar days in the local time zone (set TZ to change it); a task counts on the\nday it finished. \"failed\" includes timeouts; success % is completed / (completed + failed)."
    )]
    Stats(StatsArgs),
    /// A live view of tasks in flight, recent results and rates (q or Ctrl-C quits)
    #[command(
        after_help = "Examples:\n  contenthub monitor watch\n  contenthub monitor watch --interval 5s --window 15m\n  contenthub monitor watch | tee watch.log     # without a terminal: one plain line per interval\n  contenthub monitor watch --count 1           # one line and exit"
    )]
    Watch(WatchArgs),
    /// Evaluate the alert rules now and show which are firing
    #[command(after_help = ALERTS_HELP)]
    Alerts(AlertsArgs),
}

const HEALTH_HELP: &str = "\
Checks: the store and its schema, the daemon heartbeat, failure and timeout rates over the
window, the backlog of pending tasks, how long the oldest due task has waited, expired leases,
scheduler lag, and with --probe each configured generator.

Output is one line, `CONTENTHUB OK|WARNING|CRITICAL|UNKNOWN - reasons | perfdata`; the exit
code is 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for usage errors of this command).
Rates need at least 5 finished tasks in the window before they can warn.

Thresholds (a check warns or is critical when its value is above the threshold, as the
monitoring plugin guidelines read one; the perfdata carries the same ranges):
  failure_rate     warn 10%   crit 20%
  timeout_rate     warn 10%
  backlog          warn 50    crit 200     (pending tasks)
  oldest_pending   warn 30m   crit 2h
  expired_leases   warn 0     (any)
  scheduler_lag    warn 10m   crit 1h
  heartbeat        crit when missing or stale: three missed beats plus 5s, 20s with the default
                   lease (unless [monitor] expect_daemon = false)

Examples:
  contenthub monitor health
  contenthub monitor health --window 15m -w backlog=100 -c backlog=500
  contenthub monitor health -w failure_rate=5% -c failure_rate=10% --probe
  contenthub monitor health --format json | jq '.checks[] | select(.status != \"ok\")'";

const METRICS_HELP: &str = "\
Examples:
  contenthub monitor metrics
  contenthub monitor metrics --since 1h --format json
  contenthub monitor metrics --format prometheus
  contenthub monitor metrics --textfile /var/lib/node_exporter/textfile   # for cron

Rates and durations cover tasks that finished within the window; totals (*_total) count since
the store was created and survive `task cleanup`. Cost is shown for models with prices in
[prices.\"MODEL\"]. The daemon's /metrics serves the same Prometheus text.";

const ALERTS_HELP: &str = "\
Rules come from [[alerts]] in the config; without any, the defaults are:
  failure_rate > 20% over 1h (critical), timeout_rate > 10% over 1h (warning),
  backlog > 50 (warning), daemon_down > 0 (critical; not with [monitor] expect_daemon = false).

Metrics: failure_rate, timeout_rate, success_rate (over the rule's window), backlog, in_flight,
oldest_pending_age, expired_leases, scheduler_lag, heartbeat_age, daemon_down, finished,
failed (over the window), deliveries_failed.

The daemon evaluates the rules when it starts and then every [monitor] alert_interval (60s),
and notifies [[notify.channels]] when an alert fires and when it resolves. This command shows
the current values; with --notify it also records state changes and queues their
notifications (for cron, so that a daemon that is down is still reported).

Exit codes: 0 nothing firing, 1 at least one alert firing. With -q, only the names of the
rules that are firing are printed.

Examples:
  contenthub monitor alerts
  contenthub monitor alerts --format json | jq '.[] | select(.firing)'
  * * * * * contenthub monitor alerts --notify > /dev/null   # crontab: report a dead daemon";

#[derive(Debug, Args)]
pub(crate) struct HealthArgs {
    /// Window for failure and timeout rates [default: config monitor.window, else 1h]
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    /// Override a warning threshold, e.g. backlog=100 or failure_rate=5% (repeatable)
    #[arg(
        short = 'w',
        long = "warning",
        value_name = "CHECK=VALUE",
        value_delimiter = ','
    )]
    pub warning: Vec<String>,
    /// Override a critical threshold, e.g. backlog=500 or oldest_pending=4h (repeatable)
    #[arg(
        short = 'c',
        long = "critical",
        value_name = "CHECK=VALUE",
        value_delimiter = ','
    )]
    pub critical: Vec<String>,
    /// Also send a cheap request to each configured generator
    #[arg(long)]
    pub probe: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MetricsArgs {
    /// Window for rates, throughput, durations and per-account figures
    #[arg(long, default_value = "24h", value_name = "DURATION")]
    pub since: String,
    /// Write Prometheus text to DIR/contenthub.prom atomically (created if needed)
    #[arg(long, value_name = "DIR")]
    pub textfile: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    /// How many days, today included
    #[arg(long, default_value_t = 7, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,
}

#[derive(Debug, Args)]
pub(crate) struct AlertsArgs {
    /// Record state changes and queue notifications, as the daemon does
    #[arg(long)]
    pub notify: bool,
}

impl MonitorCmd {
    pub(crate) fn speaks_prometheus(&self) -> bool {
        matches!(self.cmd, MonitorSub::Metrics(_) | MonitorSub::Health(_))
    }
}

pub fn run(ctx: &mut Ctx, cmd: MonitorCmd) -> Result<ExitCode> {
    match cmd.cmd {
        MonitorSub::Health(a) => health(ctx, a),
        MonitorSub::Metrics(a) => metrics(ctx, a),
        MonitorSub::Stats(a) => daily(ctx, a),
        MonitorSub::Watch(a) => watch::run(ctx, a),
        MonitorSub::Alerts(a) => alerts(ctx, a),
    }
}

/// Prints a health report in the chosen format and returns its exit code.
fn report(ctx: &Ctx, h: &Health) -> Result<ExitCode> {
    match ctx.printer.format {
        Format::Json => ctx.print(&(serde_json::to_string_pretty(h)? + "\n"))?,
        Format::Ndjson => ctx.print(&(serde_json::to_string(h)? + "\n"))?,
        _ => ctx.print(&(h.line() + "\n"))?,
    }
    Ok(h.status.exit_code())
}

/// A report of a single check that decides everything (the store cannot be used).
fn only(ctx: &Ctx, window: Duration, check: Check) -> Result<ExitCode> {
    report(ctx, &Health::new(window, vec![check]))
}

fn health(ctx: &mut Ctx, a: HealthArgs) -> Result<ExitCode> {
    // Every problem is UNKNOWN (exit 3) here, usage errors included.
    let unknown = |ctx: &Ctx, msg: String| {
        let check = Check::plain("usage", State::Unknown, msg);
        let h = Health::new(ctx.settings.monitor.window.value, vec![check]);
        match ctx.printer.format {
            Format::Json => ctx.print(&(serde_json::to_string_pretty(&h)? + "\n"))?,
            _ => ctx.print(&(h.line() + "\n"))?,
        }
        Ok(ExitCode::NotFound)
    };
    if matches!(ctx.printer.format, Format::Csv | Format::Prometheus) {
        return unknown(
            ctx,
            "monitor health prints a line (--format table) or JSON (--format json)".into(),
        );
    }
    let m = &ctx.settings.monitor;
    let window = match &a.window {
        Some(w) => match crate::monitor::parse_window("--window", w) {
            Ok(d) => d,
            Err(e) => return unknown(ctx, format!("{e:#}")),
        },
        None => m.window.value,
    };
    let mut opts = HealthOptions {
        window,
        min_finished: u64::from(m.min_finished.value),
        expect_daemon: m.expect_daemon.value,
        live: ctx.settings.liveness(),
        warning: m.warning.clone(),
        critical: m.critical.clone(),
    };
    for (flag, args, map) in [
        ("-w", &a.warning, &mut opts.warning),
        ("-c", &a.critical, &mut opts.critical),
    ] {
        for arg in args {
            match health::parse_override(arg) {
                Ok((k, v)) => {
                    map.insert(k, v);
                }
                Err(e) => return unknown(ctx, format!("invalid {flag} {arg}: {e}")),
            }
        }
    }

    for (check, w) in &opts.warning {
        if let Some(c) = opts.critical.get(check).filter(|c| *c < w) {
            return unknown(
                ctx,
                format!(
                    "{check}: the critical level ({}) is below the warning level ({})",
                    health::show_level(check, *c),
                    health::show_level(check, *w)
                ),
            );
        }
    }

    let location = ctx.settings.db.value.clone();
    if let Some(path) = location.file().filter(|p| !p.exists()) {
        return only(
            ctx,
            window,
            Check::plain(
                "store",
                State::Critical,
                format!("store {} does not exist", path.display()),
            ),
        );
    }
    let (mut store, version) = match Store::open_read_only_at(&location) {
        Ok(s) => s,
        Err(e) => {
            return only(
                ctx,
                window,
                Check::plain("store", State::Unknown, e.to_string()),
            );
        }
    };
    if version > location.schema_version() {
        return only(
            ctx,
            window,
            Check::plain(
                "store",
                State::Critical,
                format!(
                    "store schema version {version} is newer than this contenthub understands ({})",
                    location.schema_version()
                ),
            ),
        );
    }
    if version < location.schema_version() {
        return only(
            ctx,
            window,
            Check::plain(
                "store",
                State::Warning,
                format!(
                    "store schema version {version} is older than {}; it is migrated by the next command that writes (restart the daemon after an upgrade)",
                    location.schema_version()
                ),
            ),
        );
    }
    let now = now_ms();
    let live = opts.live;
    let observed = match store.read(|tx| observe(tx, &location, live, window, now)) {
        Ok(o) => o,
        Err(e) => {
            return only(
                ctx,
                window,
                Check::plain(
                    "store",
                    State::Unknown,
                    format!("cannot read the store: {e}"),
                ),
            )
        }
    };
    let mut checks = vec![Check::plain(
        "store",
        State::Ok,
        format!("store readable (schema {version})"),
    )];
    checks.extend(health::evaluate(&observed, &opts));
    let budgets = &ctx.settings.monitor.budgets;
    // Without budgets there is nothing to read (on PostgreSQL a transaction is two round trips).
    let uses = if budgets.is_empty() {
        Ok(Vec::new())
    } else {
        store.read(|tx| crate::monitor::budgets::uses(tx, budgets, now))
    };
    match uses {
        Ok(uses) => checks.extend(crate::monitor::budgets::checks(&uses)),
        Err(e) => checks.push(Check::plain(
            "budgets",
            State::Unknown,
            format!("cannot read the budgets: {e}"),
        )),
    }
    if a.probe {
        checks.extend(probe(ctx)?);
    }
    report(ctx, &Health::new(window, checks))
}

/// One cheap request per configured generator, all at once, 10 s each at most.
fn probe(ctx: &Ctx) -> Result<Vec<Check>> {
    const LIMIT: Duration = Duration::from_secs(10);
    let env: crate::generator::EnvLookup = Arc::new(|k: &str| std::env::var(k).ok());
    let mut checks = Vec::new();
    let mut built = Vec::new();
    for (name, profile) in &ctx.settings.generators {
        match crate::generator::build(name, profile, env.clone()) {
            Ok(g) => built.push((name.clone(), g)),
            Err(e) => checks.push(Check::plain(
                &format!("probe:{name}"),
                State::Critical,
                format!("generator '{name}' cannot be set up: {e}"),
            )),
        }
    }
    if built.is_empty() {
        return Ok(checks);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let results = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for (name, g) in built {
            set.spawn(async move {
                let started = std::time::Instant::now();
                let r = tokio::time::timeout(LIMIT, g.probe()).await;
                (name, r, started.elapsed())
            });
        }
        let mut out = Vec::new();
        while let Some(Ok(r)) = set.join_next().await {
            out.push(r);
        }
        out
    });
    for (name, r, took) in results {
        let (state, msg) = match r {
            Ok(Ok(p)) => {
                let note = p.note.map(|n| format!(": {n}")).unwrap_or_default();
                (
                    State::Ok,
                    format!(
                        "generator '{name}' answered in {} ms{note}",
                        took.as_millis()
                    ),
                )
            }
            Ok(Err(e)) => (
                State::Critical,
                format!("generator '{name}' failed its probe: {e}"),
            ),
            Err(_) => (
                State::Critical,
                format!(
                    "generator '{name}' did not answer within {}",
                    format_duration(LIMIT)
                ),
            ),
        };
        checks.push(Check::plain(&format!("probe:{name}"), state, msg));
    }
    checks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(checks)
}

/// `monitor metrics`.
fn metrics(ctx: &mut Ctx, a: MetricsArgs) -> Result<ExitCode> {
    let window = crate::monitor::parse_window("--since", &a.since)?;
    if ctx.printer.format == Format::Csv {
        return Err(Error::Usage(
            "monitor metrics is nested; use --format table, json, ndjson or prometheus".into(),
        )
        .into());
    }
    let opts = daemon::metrics_options(&ctx.settings, window);
    let location = ctx.settings.db.value.clone();
    let m = ctx
        .store()?
        .read(|tx| metrics::collect(tx, &location, &opts, now_ms()))?;
    if let Some(dir) = &a.textfile {
        let written = metrics::write_textfile(dir, &metrics::prometheus(&m))?;
        ctx.note(&format!("wrote {}", written.display()));
        // Under cron, the file is the output; print only what was asked for explicitly.
        if ctx.printer.format == Format::Table {
            return Ok(ExitCode::Ok);
        }
    }
    let text = match ctx.printer.format {
        Format::Prometheus => metrics::prometheus(&m),
        Format::Json => serde_json::to_string_pretty(&m)? + "\n",
        Format::Ndjson => serde_json::to_string(&m)? + "\n",
        _ => metrics_table(ctx, &m),
    };
    ctx.print(&text)?;
    Ok(ExitCode::Ok)
}

fn metrics_table(ctx: &Ctx, m: &Metrics) -> String {
    let pct = |v: Option<f64>| Unit::Ratio.show_opt(v);
    let secs = |v: Option<f64>| Unit::Seconds.show_opt(v);
    let dist = |d: &metrics::Durations| {
        format!(
            "avg {} · p50 {} · p95 {} ({} tasks)",
            secs(d.avg),
            secs(d.p50),
            secs(d.p95),
            d.count
        )
    };
    let t = &m.tasks;
    let f = &m.finished;
    let local = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(local_display)
            .unwrap_or_default()
    };
    let since = local(m.window.since.0);
    let mut rows: Vec<(String, String)> = vec![
        ("window".into(), format!("last {} (since {since})", m.window.label)),
        (
            "tasks now".into(),
            format!(
                "{} pending · {} submitted · {} processing · {} completed · {} failed · {} timeout · {} cancelled",
                t.pending, t.submitted, t.processing, t.completed, t.failed, t.timeout, t.cancelled
            ),
        ),
        (
            "finished in window".into(),
            format!(
                "{} completed · {} failed · {} timeout · {} cancelled",
                f.completed, f.failed, f.timeout, f.cancelled
            ),
        ),
        (
            "rates".into(),
            format!(
                "success {} · failure {} · timeout {}",
                pct(m.rates.success),
                pct(m.rates.failure),
                pct(m.rates.timeout)
            ),
        ),
        (
            "throughput".into(),
            format!("{} completed per hour", crate::monitor::trim_float(m.throughput_per_hour, 1)),
        ),
        ("queue wait".into(), dist(&m.queue_wait_seconds)),
        ("generation".into(), dist(&m.generation_seconds)),
        (
            "retries".into(),
            format!("{} in window · {} total", m.retries, m.totals.retries),
        ),
        (
            "in flight".into(),
            format!(
                "{} · oldest pending {}",
                m.in_flight,
                secs(m.oldest_pending_age_seconds)
            ),
        ),
    ];
    let (wp, wc): (u64, u64) = m.models.iter().fold((0, 0), |(p, c), u| {
        (p + u.prompt_tokens, c + u.completion_tokens)
    });
    rows.push((
        "tokens".into(),
        format!(
            "{wp} prompt · {wc} completion in window · {} / {} total",
            m.totals.prompt_tokens, m.totals.completion_tokens
        ),
    ));
    let mut window_cost: std::collections::BTreeMap<&str, f64> = Default::default();
    for u in &m.models {
        if let (Some(c), Some(cur)) = (u.cost, &u.currency) {
            *window_cost.entry(cur).or_default() += c;
        }
    }
    if !window_cost.is_empty() || !m.totals.cost.is_empty() {
        let w: Vec<String> = window_cost
            .iter()
            .map(|(cur, v)| format!("{v:.4} {cur}"))
            .collect();
        let total: Vec<String> = m
            .totals
            .cost
            .iter()
            .map(|c| format!("{:.4} {}", c.amount, c.currency))
            .collect();
        rows.push((
            "cost".into(),
            format!("{} in window · {} total", w.join(" + "), total.join(" + ")),
        ));
    }
    let d = &m.daemon;
    rows.push((
        "daemon".into(),
        match (&d.pid, &d.heartbeat_at) {
            (Some(pid), Some(at)) => format!(
                "{} (pid {pid}, last beat {})",
                ctx.printer.style.status(&d.state),
                local(at.0)
            ),
            _ => ctx.printer.style.status(&d.state),
        },
    ));
    let mut out = crate::output::new_table(&ctx.printer.style);
    out.set_header(vec!["metric", "value"]);
    for (k, v) in rows {
        out.add_row(vec![Cell::new(k), Cell::new(v)]);
    }
    let mut text = out.to_string() + "\n";
    for (title, rows) in [("account", &m.accounts), ("generator", &m.generators)] {
        if rows.is_empty() {
            continue;
        }
        let mut t = crate::output::new_table(&ctx.printer.style);
        t.set_header(vec![
            title,
            "completed",
            "failed",
            "timeout",
            "cancelled",
            "success",
            "generation p50",
            "p95",
        ]);
        for b in rows.iter() {
            t.add_row(vec![
                b.name.clone(),
                b.completed.to_string(),
                b.failed.to_string(),
                b.timeout.to_string(),
                b.cancelled.to_string(),
                pct(b.success_rate),
                secs(b.generation_p50),
                secs(b.generation_p95),
            ]);
        }
        text.push_str(&(t.to_string() + "\n"));
    }
    if !m.budgets.is_empty() {
        let mut t = crate::output::new_table(&ctx.printer.style);
        t.set_header(vec![
            "budget",
            "period",
            "cost spent",
            "reserved",
            "cap",
            "tokens spent",
            "reserved",
            "cap",
            "used",
            "refused",
        ]);
        let money = |v: Option<f64>, c: &Option<String>| match v {
            Some(v) => format!("{v:.4} {}", c.as_deref().unwrap_or(""))
                .trim()
                .to_string(),
            None => "-".into(),
        };
        for b in &m.budgets {
            t.add_row(vec![
                b.budget.clone(),
                format!("{} ({})", b.period, b.timezone),
                money(Some(b.spent_cost), &b.currency),
                money(Some(b.reserved_cost), &b.currency),
                money(b.max_cost, &b.currency),
                b.spent_tokens.to_string(),
                b.reserved_tokens.to_string(),
                b.max_tokens
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into()),
                pct(Some(b.used_ratio)),
                b.refusals.to_string(),
            ]);
        }
        text.push_str(&(t.to_string() + "\n"));
    }
    if !m.rate_limits.is_empty() {
        let mut t = crate::output::new_table(&ctx.printer.style);
        t.set_header(vec![
            "rate limits",
            "window",
            "requests",
            "tokens",
            "waiting",
            "429s",
        ]);
        let of = |used: Option<u64>, limit: Option<u64>| match (used, limit) {
            (Some(u), Some(l)) => format!("{u} / {l}"),
            _ => "-".to_string(),
        };
        for r in &m.rate_limits {
            let waiting = match &r.waiting_for {
                Some(kind) => format!("{} tasks for {kind}", r.waiting_tasks),
                None => "-".into(),
            };
            t.add_row(vec![
                r.profile.clone(),
                format!("{}s", r.window_seconds),
                of(r.requests_used, r.requests_limit),
                of(r.tokens_used, r.tokens_limit),
                waiting,
                r.rate_limited_replies.to_string(),
            ]);
        }
        text.push_str(&(t.to_string() + "\n"));
    }
    text
}

fn daily(ctx: &mut Ctx, a: StatsArgs) -> Result<ExitCode> {
    let rows = ctx.store()?.read(|tx| stats::daily(tx, a.days, now_ms()))?;
    ctx.print(&ctx.printer.list(&rows))?;
    Ok(ExitCode::Ok)
}

/// `monitor alerts`.
fn alerts(ctx: &mut Ctx, a: AlertsArgs) -> Result<ExitCode> {
    let opts = daemon::alert_options(&ctx.settings);
    let location = ctx.settings.db.value.clone();
    let now = now_ms();
    let pass = if a.notify {
        ctx.store()?
            .write(|tx| alerts::evaluate(tx, &location, &opts, now, true))?
    } else {
        ctx.store()?
            .read(|tx| alerts::evaluate(tx, &location, &opts, now, false))?
    };
    if a.notify && pass.queued > 0 {
        let notify = crate::engine::NotifyOptions::from(&ctx.settings.notify);
        let sent = crate::engine::outbox::send_channel_deliveries_now(
            &location,
            &notify,
            Arc::new(|k: &str| std::env::var(k).ok()),
        )?;
        ctx.note(&format!(
            "{} notification(s) queued, {sent} sent now (the rest are retried by the daemon)",
            pass.queued
        ));
    }
    // With -q, only what needs attention: the names of the rules that are firing.
    let shown: Vec<alerts::AlertStatus> = if ctx.printer.quiet {
        pass.statuses.iter().filter(|s| s.firing).cloned().collect()
    } else {
        pass.statuses.clone()
    };
    ctx.print(&ctx.printer.list(&shown))?;
    Ok(if pass.statuses.iter().any(|s| s.firing) {
        ExitCode::Failure
    } else {
        ExitCode::Ok
    })
}
