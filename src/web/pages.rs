//! The status page (`/`), the task lists (`/tasks?status=…&account=…`) and a task's page
//! (`/tasks/{id}`): what they read, in one read transaction each, and their HTML.
//!
//! The numbers come from the functions the commands print: counts by status from
//! [`service::stats_of`] (`task stats`), the last 24 h per account and per profile from
//! [`metrics::collect`] (`monitor metrics --since 24h`), the daemons from
//! [`monitor::daemon_view`] (`daemon status`), plans from [`schedule::view`] and
//! [`plans::runs`] (`scheduler list/history`), failing deliveries from [`outbox::list`]
//! (`deliveries list --status failed`), alerts from [`alerts::evaluate`] (`monitor alerts`).

use std::fmt::Write as _;
use std::time::Duration;

use super::html::{
    self, ago, count, count_link, count_link_to, esc, list_href, none, opt, pct, secs, section,
    table, time, time_opt, ListLink,
};
use crate::domain::time::{parse_duration, Millis};
use crate::domain::Status;
use crate::error::{Error, Result};
use crate::monitor::alerts::{self, AlertOptions};
use crate::monitor::metrics::{self, Metrics, MetricsOptions};
use crate::monitor::{self, DaemonView};
use crate::schedule;
use crate::service::{self, TaskStats};
use crate::store::tasks::{self as store_tasks, Filter};
use crate::store::{accounts, contents, monitor as q, outbox, plans, Conn, Location};

/// Tasks on one page of a list.
pub const PAGE_SIZE: u32 = 50;
/// Tasks in flight shown on the status page.
pub const IN_FLIGHT_SHOWN: u32 = 50;
/// Failure groups shown.
pub const FAILURE_GROUPS: u32 = 20;
/// Failing deliveries shown.
pub const DELIVERIES_SHOWN: u32 = 20;
/// The status page reloads itself this often (with scripts on).
pub const REFRESH_SECS: u32 = 30;
/// The window of the per-account and per-profile figures and of the failures.
pub const WINDOW: Duration = Duration::from_secs(24 * 3600);
/// [`WINDOW`] as a list link writes it.
const WINDOW_TEXT: &str = "24h";
/// The longest `finished` window a list takes.
const MAX_FINISHED: Duration = Duration::from_secs(366 * 24 * 3600);

/// What the pages are computed with besides the store.
#[derive(Debug, Clone)]
pub struct PageOptions {
    pub location: Location,
    /// As for `monitor metrics` (its window is replaced by 24 h).
    pub metrics: MetricsOptions,
    /// The alert rules, as the daemon evaluates them; `None` when not known.
    pub alerts: Option<AlertOptions>,
}

/// Everything the status page shows, read in one snapshot.
#[derive(Debug, Clone)]
pub struct Overview {
    pub now: Millis,
    pub stats: TaskStats,
    pub metrics: Metrics,
    pub daemons: DaemonView,
    pub in_flight: Vec<q::Running>,
    pub failures: Vec<q::FailureGroup>,
    pub plans: Vec<(schedule::Plan, Option<plans::PlanRun>)>,
    pub deliveries_failed: u64,
    pub deliveries: Vec<outbox::Delivery>,
    /// The firing rules, when rules are known.
    pub alerts: Option<Vec<alerts::AlertStatus>>,
    /// Display names by account name.
    pub display_names: std::collections::HashMap<String, String>,
}

/// Reads the status page's figures. `tx` should be a read transaction.
pub fn overview(tx: &Conn, opts: &PageOptions, now: Millis) -> Result<Overview> {
    let mut mopts = opts.metrics.clone();
    mopts.window = WINDOW;
    let (since, until) = monitor::window_range(now, WINDOW);
    let mut plan_rows = Vec::new();
    for row in plans::list(tx, false)? {
        let last = plans::runs(tx, Some(row.id), 1)?.into_iter().next();
        plan_rows.push((schedule::view(tx, &row, now)?, last));
    }
    let alerts = match &opts.alerts {
        Some(a) => Some(
            alerts::evaluate(tx, &opts.location, a, now, false)?
                .statuses
                .into_iter()
                .filter(|s| s.firing)
                .collect(),
        ),
        None => None,
    };
    Ok(Overview {
        now,
        stats: service::stats_of(tx, None)?,
        metrics: metrics::collect(tx, &opts.location, &mopts, now)?,
        daemons: monitor::daemon_view(&opts.location, tx, mopts.live, now)?,
        in_flight: q::running(tx, IN_FLIGHT_SHOWN)?,
        failures: q::failure_groups(tx, since, until, FAILURE_GROUPS)?,
        plans: plan_rows,
        deliveries_failed: q::failed_deliveries(tx)?,
        deliveries: outbox::list(
            tx,
            &outbox::Filter {
                statuses: vec!["failed".into()],
                task_id: None,
                limit: Some(DELIVERIES_SHOWN),
            },
        )?,
        alerts,
        display_names: accounts::list(tx)?
            .into_iter()
            .filter_map(|a| a.display_name.map(|d| (a.name, d)))
            .collect(),
    })
}

fn state_class(state: &str) -> &'static str {
    match state {
        "running" | "ok" => "ok",
        "stale" | "pending" => "warn",
        _ => "bad",
    }
}

/// The status page's HTML.
pub fn render_overview(o: &Overview, signed_in: bool) -> String {
    let now = o.now;
    let m = &o.metrics;
    let mut body = String::from("<main>");

    // Is it running?
    let mut d = format!(
        "<p>Daemon: <span class=\"{}\" id=\"daemon-state\">{}</span></p>",
        state_class(o.daemons.state),
        esc(o.daemons.state)
    );
    if o.daemons.daemons.is_empty() {
        d.push_str(&none("No daemon has run on this store yet."));
    } else {
        let rows: Vec<Vec<String>> = o
            .daemons
            .daemons
            .iter()
            .map(|(state, h)| {
                vec![
                    format!(
                        "<span class=\"{}\">{}</span>",
                        state_class(state),
                        esc(state)
                    ),
                    esc(&h.host),
                    h.pid.to_string(),
                    time(h.last_beat_at, now),
                    format!(
                        "{} / {}",
                        count(h.in_flight as u64),
                        count(u64::from(h.max_concurrent))
                    ),
                    opt(h.listen.as_deref()),
                    esc(&h.version),
                ]
            })
            .collect();
        d.push_str(&table(
            &[
                "state",
                "host",
                "pid",
                "heartbeat",
                "in flight",
                "listen",
                "version",
            ],
            &rows,
        ));
    }
    body.push_str(&section("daemons", "Daemons", &d));

    // Counts by status (task stats).
    let mut c = String::from("<div class=\"big\" id=\"status-counts\">");
    for s in Status::ALL {
        let n = o.stats.count(s);
        let _ = write!(
            c,
            "<div data-status=\"{s}\"><span class=\"muted\">{s}</span><b>{}</b></div>",
            count_link(&format!("status/{s}"), n, Some(s.as_str()), None),
            s = esc(s.as_str())
        );
    }
    let _ = write!(
        c,
        "<div data-status=\"total\"><span class=\"muted\">total</span><b>{}</b></div></div>",
        count_link("status/total", o.stats.total, None, None)
    );
    match m.oldest_pending_age_seconds {
        Some(age) => {
            let _ = write!(
                c,
                "<p>The oldest due pending task has waited <b id=\"oldest-pending\">{}</b>.</p>",
                secs(Some(age))
            );
        }
        None => c.push_str("<p id=\"oldest-pending\">No pending task is due.</p>"),
    }
    body.push_str(&section("counts", "Tasks by status", &c));

    // In flight.
    let f = if o.in_flight.is_empty() {
        none("Nothing in flight.")
    } else {
        let rows: Vec<Vec<String>> = o
            .in_flight
            .iter()
            .map(|r| {
                vec![
                    html::link(&format!("/tasks/{}", r.id), &r.id.to_string()),
                    esc(&r.account),
                    esc(&r.topic),
                    esc(r.status.as_str()),
                    format!(
                        "{}{}",
                        r.progress.map_or_else(|| "-".into(), |p| format!("{p}%")),
                        r.step
                            .as_deref()
                            .map(|s| format!(" <span class=\"muted\">{}</span>", esc(s)))
                            .unwrap_or_default()
                    ),
                    r.started_at.map_or_else(|| "-".into(), |s| ago(s, now)),
                    opt(r.remote_job.as_deref()),
                ]
            })
            .collect();
        table(
            &[
                "task",
                "account",
                "topic",
                "status",
                "progress",
                "age",
                "remote job",
            ],
            &rows,
        )
    };
    body.push_str(&section(
        "in-flight",
        &format!("In flight ({})", count(m.in_flight)),
        &f,
    ));

    // Failures of the last 24 h.
    let f = if o.failures.is_empty() {
        none("No task failed or timed out in the last 24 h.")
    } else {
        let rows: Vec<Vec<String>> = o
            .failures
            .iter()
            .map(|g| {
                vec![
                    html::figure("failures/group", g.count),
                    opt(g.error_kind.as_deref()),
                    opt(g.error_message.as_deref()),
                    format!(
                        "{} {}",
                        html::link(&format!("/tasks/{}", g.latest_id), &g.latest_id.to_string()),
                        time(g.latest_at, now)
                    ),
                ]
            })
            .collect();
        table(&["tasks", "kind", "message", "latest"], &rows)
    };
    let failed_24h = m.finished.failed + m.finished.timeout;
    body.push_str(&section(
        "failures",
        &format!("Failures, last 24 h ({})", count(failed_24h)),
        &f,
    ));

    // Per account and per profile (monitor metrics --since 24h).
    let breakdown = |rows: &[metrics::Breakdown], accounts: bool| -> String {
        if rows.is_empty() {
            return none("Nothing finished in the last 24 h.");
        }
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|b| {
                let acc = accounts.then_some(b.name.as_str());
                let group = if accounts { "accounts" } else { "generators" };
                let key = |s: &str| format!("{group}/{}/{s}", b.name);
                let name = if accounts {
                    let shown = match o.display_names.get(&b.name) {
                        Some(d) => {
                            format!("{} <span class=\"muted\">{}</span>", esc(&b.name), esc(d))
                        }
                        None => esc(&b.name),
                    };
                    format!("<a href=\"{}\">{shown}</a>", esc(&list_href(None, acc)))
                } else {
                    esc(&b.name)
                };
                // Each count links to the tasks it counts: of this account or profile,
                // finished with that status within the window.
                let link = |status: &'static str| ListLink {
                    status: Some(status),
                    account: acc,
                    profile: (!accounts).then_some(b.name.as_str()),
                    finished: Some(WINDOW_TEXT),
                };
                vec![
                    name,
                    count_link_to(&key("completed"), b.completed, &link("completed")),
                    count_link_to(&key("failed"), b.failed, &link("failed")),
                    count_link_to(&key("timeout"), b.timeout, &link("timeout")),
                    count_link_to(&key("cancelled"), b.cancelled, &link("cancelled")),
                    pct(b.success_rate),
                    secs(b.generation_p95),
                ]
            })
            .collect();
        table(
            &[
                if accounts { "account" } else { "profile" },
                "completed",
                "failed",
                "timeout",
                "cancelled",
                "success",
                "p95 generation",
            ],
            &cells,
        )
    };
    body.push_str(&section(
        "accounts",
        "Per account, last 24 h",
        &breakdown(&m.accounts, true),
    ));
    body.push_str(&section(
        "profiles",
        "Per profile, last 24 h",
        &breakdown(&m.generators, false),
    ));

    // Per profile: requests, 429s, rate-limit headroom; budgets.
    let mut p = String::new();
    let mut profiles: Vec<&str> = m
        .totals
        .generator_requests
        .iter()
        .map(|r| r.generator.as_str())
        .collect();
    profiles.extend(m.rate_limits.iter().map(|r| r.profile.as_str()));
    profiles.sort_unstable();
    profiles.dedup();
    if profiles.is_empty() {
        p.push_str(&none("No request sent to a generator yet."));
    } else {
        let rows: Vec<Vec<String>> = profiles
            .iter()
            .map(|name| {
                let of = |pred: &dyn Fn(&str) -> bool| -> u64 {
                    m.totals
                        .generator_requests
                        .iter()
                        .filter(|r| r.generator == *name && pred(&r.outcome))
                        .map(|r| r.count)
                        .sum()
                };
                let limit = m.rate_limits.iter().find(|r| r.profile == *name);
                let headroom = |used: Option<u64>, cap: Option<u64>| match (used, cap) {
                    (Some(u), Some(c)) => {
                        format!("{} of {} left", count(c.saturating_sub(u)), count(c))
                    }
                    _ => "-".into(),
                };
                vec![
                    esc(name),
                    html::figure(&format!("requests/{name}/all"), of(&|_| true)),
                    html::figure(&format!("requests/{name}/429"), of(&|o| o == "429")),
                    limit.map_or_else(
                        || "-".into(),
                        |l| headroom(l.requests_used, l.requests_limit),
                    ),
                    limit.map_or_else(|| "-".into(), |l| headroom(l.tokens_used, l.tokens_limit)),
                    limit.and_then(|l| l.waiting_for.as_deref()).map_or_else(
                        || "-".into(),
                        |w| {
                            format!(
                                "{} ({} tasks)",
                                esc(w),
                                count(limit.map_or(0, |l| l.waiting_tasks))
                            )
                        },
                    ),
                ]
            })
            .collect();
        p.push_str(&table(
            &[
                "profile",
                "requests",
                "429s",
                "requests per window",
                "tokens per window",
                "waiting for",
            ],
            &rows,
        ));
    }
    if !m.budgets.is_empty() {
        let rows: Vec<Vec<String>> = m
            .budgets
            .iter()
            .map(|b| {
                let cost = match (b.max_cost, &b.currency) {
                    (Some(max), cur) => format!(
                        "{:.2} of {:.2} {}",
                        b.spent_cost + b.reserved_cost,
                        max,
                        esc(cur.as_deref().unwrap_or(""))
                    ),
                    (None, _) => "-".into(),
                };
                let tokens = match b.max_tokens {
                    Some(max) => format!(
                        "{} of {}",
                        html::signed(b.spent_tokens + b.reserved_tokens),
                        count(max)
                    ),
                    None => "-".into(),
                };
                let class = if b.used_ratio >= 1.0 {
                    "bad"
                } else if b.used_ratio >= 0.8 {
                    "warn"
                } else {
                    "ok"
                };
                vec![
                    esc(&b.budget),
                    format!("{} {}", esc(&b.kind), esc(&b.period)),
                    format!("<span class=\"{class}\">{}</span>", pct(Some(b.used_ratio))),
                    cost,
                    tokens,
                ]
            })
            .collect();
        p.push_str(&table(
            &["budget", "period", "used", "cost", "tokens"],
            &rows,
        ));
    }
    body.push_str(&section("limits", "Requests, rate limits and budgets", &p));

    // Plans.
    let pl = if o.plans.is_empty() {
        none("No plans.")
    } else {
        let rows: Vec<Vec<String>> = o
            .plans
            .iter()
            .map(|(p, last)| {
                vec![
                    esc(&p.name),
                    format!("<code>{}</code> {}", esc(&p.cron), esc(&p.tz)),
                    if p.enabled {
                        time_opt(p.next_fire_at.map(|t| t.0), now)
                    } else {
                        "<span class=\"muted\">disabled</span>".into()
                    },
                    match last {
                        Some(r) => format!(
                            "<span class=\"{}\">{}</span> {} tasks {}{}",
                            if r.status == "failed" { "bad" } else { "ok" },
                            esc(&r.status),
                            count(u64::from(r.tasks)),
                            time(r.fired_at.0, now),
                            r.message
                                .as_deref()
                                .map(|m| format!(" <span class=\"muted\">{}</span>", esc(m)))
                                .unwrap_or_default()
                        ),
                        None => "-".into(),
                    },
                ]
            })
            .collect();
        table(&["plan", "schedule", "next fire", "last result"], &rows)
    };
    body.push_str(&section("plans", "Plans", &pl));

    // Deliveries that are failing.
    let dl = if o.deliveries.is_empty() {
        none("No delivery has failed.")
    } else {
        let rows: Vec<Vec<String>> = o
            .deliveries
            .iter()
            .map(|d| {
                vec![
                    count(d.id as u64),
                    esc(&d.event),
                    d.task_id.map_or_else(
                        || "-".into(),
                        |t| html::link(&format!("/tasks/{t}"), &t.to_string()),
                    ),
                    esc(&d.url),
                    count(u64::from(d.attempts)),
                    format!(
                        "{} {}",
                        d.last_status_code
                            .map_or_else(|| "-".into(), |c| c.to_string()),
                        opt(d.last_error.as_deref())
                    ),
                    time(d.updated_at.0, now),
                ]
            })
            .collect();
        table(
            &[
                "id",
                "event",
                "task",
                "url",
                "attempts",
                "last error",
                "updated",
            ],
            &rows,
        )
    };
    body.push_str(&section(
        "deliveries",
        &format!("Failing deliveries ({})", count(o.deliveries_failed)),
        &dl,
    ));

    // Alerts firing.
    let al = match &o.alerts {
        None => none("The alert rules are not known to this process."),
        Some(a) if a.is_empty() => "<p class=\"ok\">No alert is firing.</p>".to_string(),
        Some(a) => {
            let rows: Vec<Vec<String>> = a
                .iter()
                .map(|s| {
                    vec![
                        format!("<span class=\"bad\">{}</span>", esc(&s.name)),
                        esc(&s.severity),
                        esc(&s.condition),
                        opt(s.shown.as_deref()),
                        time_opt(s.since.map(|t| t.0), now),
                    ]
                })
                .collect();
            table(&["rule", "severity", "condition", "value", "since"], &rows)
        }
    };
    body.push_str(&section("alerts", "Alerts firing", &al));

    let _ = write!(
        body,
        "</main><p class=\"muted\">As of {} (UTC).</p>",
        esc(&crate::domain::time::rfc3339(now))
    );
    html::page("contenthub status", signed_in, Some(REFRESH_SECS), &body)
}

/// A task list's query: statuses (comma-separated or repeated), an account (id or name), a
/// generator profile, a window the tasks finished in (`24h`) and a page number from 1.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub statuses: Vec<Status>,
    pub account: Option<String>,
    pub profile: Option<String>,
    /// The text as given (for links) and its length.
    pub finished: Option<(String, Duration)>,
    pub page: u32,
}

impl ListQuery {
    /// Reads `status`, `account` and `page` from a query string's pairs; anything else is
    /// refused, as is a status or page that does not parse.
    pub fn parse(pairs: &[(String, String)]) -> Result<ListQuery> {
        let mut q = ListQuery {
            page: 1,
            ..ListQuery::default()
        };
        for (k, v) in pairs {
            match k.as_str() {
                "status" => {
                    for s in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        let st = Status::parse_exact(s).map_err(|e| Error::invalid("status", e))?;
                        if !q.statuses.contains(&st) {
                            q.statuses.push(st);
                        }
                    }
                }
                "account" if !v.trim().is_empty() => q.account = Some(v.trim().to_string()),
                "account" => {}
                "profile" if !v.trim().is_empty() => q.profile = Some(v.trim().to_string()),
                "profile" => {}
                "finished" if !v.trim().is_empty() => {
                    let d = parse_duration(v.trim())
                        .ok()
                        .filter(|d| !d.is_zero() && *d <= MAX_FINISHED)
                        .ok_or_else(|| {
                            Error::invalid("finished", "expected a window such as 24h or 7d")
                        })?;
                    q.finished = Some((v.trim().to_string(), d));
                }
                "finished" => {}
                "page" => {
                    q.page = v
                        .trim()
                        .parse::<u32>()
                        .ok()
                        .filter(|p| (1..=1_000_000).contains(p))
                        .ok_or_else(|| Error::invalid("page", "expected a page number from 1"))?
                }
                other => {
                    return Err(Error::invalid(
                        other,
                        "unknown parameter (expected status, account, profile, finished or page)",
                    ))
                }
            }
        }
        Ok(q)
    }

    fn href(&self, page: u32) -> String {
        let status = self
            .statuses
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let base = ListLink {
            status: (!status.is_empty()).then_some(status.as_str()),
            account: self.account.as_deref(),
            profile: self.profile.as_deref(),
            finished: self.finished.as_ref().map(|(t, _)| t.as_str()),
        }
        .href();
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}page={page}")
    }
}

/// One page of a task list and how many match.
#[derive(Debug, Clone)]
pub struct TaskList {
    pub now: Millis,
    pub query: ListQuery,
    pub account: Option<crate::domain::Account>,
    pub total: u64,
    pub tasks: Vec<crate::domain::Task>,
}

/// Reads one page of tasks, newest first, as `task list` and the API's `tasks` do. A task
/// that names no profile is the `default_profile`'s.
pub fn task_list(
    tx: &Conn,
    query: ListQuery,
    default_profile: &str,
    now: Millis,
) -> Result<TaskList> {
    let account = query
        .account
        .as_deref()
        .map(|a| accounts::find(tx, a))
        .transpose()?;
    let filter = Filter {
        statuses: query.statuses.clone(),
        account_id: account.as_ref().map(|a| a.id),
        finished_since: query
            .finished
            .as_ref()
            .map(|(_, d)| now - d.as_millis() as i64),
        generator: query
            .profile
            .as_ref()
            .map(|p| (p.clone(), p == default_profile)),
        limit: Some(PAGE_SIZE),
        ..Filter::default()
    };
    let offset = (query.page - 1).saturating_mul(PAGE_SIZE);
    Ok(TaskList {
        now,
        total: store_tasks::count(tx, &filter)?,
        tasks: store_tasks::list_from(tx, &filter, offset)?,
        account,
        query,
    })
}

pub fn render_list(l: &TaskList, signed_in: bool) -> String {
    let now = l.now;
    let what = {
        let mut w = Vec::new();
        if !l.query.statuses.is_empty() {
            w.push(
                l.query
                    .statuses
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        if let Some(a) = &l.account {
            w.push(format!("account {}", a.name));
        }
        if let Some(p) = &l.query.profile {
            w.push(format!("profile {p}"));
        }
        if let Some((t, _)) = &l.query.finished {
            w.push(format!("finished within {t}"));
        }
        if w.is_empty() {
            "all tasks".to_string()
        } else {
            w.join(", ")
        }
    };
    let pages = l.total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    let mut body = format!(
        "<p><b id=\"list-total\">{}</b> tasks: {}{}. Page {} of {}, newest first.</p>",
        count(l.total),
        esc(&what),
        l.account
            .as_ref()
            .and_then(|a| a.display_name.as_deref())
            .map(|d| format!(" ({})", esc(d)))
            .unwrap_or_default(),
        count(u64::from(l.query.page)),
        count(pages)
    );
    if l.tasks.is_empty() {
        body.push_str(&none("No task on this page."));
    } else {
        let rows: Vec<Vec<String>> = l
            .tasks
            .iter()
            .map(|t| {
                vec![
                    html::link(&format!("/tasks/{}", t.id), &t.id.to_string()),
                    esc(t.status.as_str()),
                    esc(&t.account),
                    esc(&t.topic),
                    time(t.created_at.0, now),
                    t.completed_at
                        .map(|c| time(c.0, now))
                        .unwrap_or_else(|| "-".into()),
                    opt(t.error_message.as_deref()),
                ]
            })
            .collect();
        body.push_str(&table(
            &[
                "task", "status", "account", "topic", "created", "finished", "error",
            ],
            &rows,
        ));
    }
    body.push_str("<nav class=\"pager\">");
    if l.query.page > 1 {
        body.push_str(&html::link(&l.query.href(l.query.page - 1), "← newer"));
    }
    if u64::from(l.query.page) < pages {
        body.push_str(&html::link(&l.query.href(l.query.page + 1), "older →"));
    }
    body.push_str("</nav>");
    html::page(
        &format!("Tasks: {what}"),
        signed_in,
        None,
        &format!("<main><section class=\"wide\">{body}</section></main>"),
    )
}

/// A task with its history, content and last callback delivery.
#[derive(Debug, Clone)]
pub struct TaskPage {
    pub now: Millis,
    pub task: crate::domain::Task,
    pub events: Vec<crate::domain::task::TaskEvent>,
    pub content: Option<crate::domain::Content>,
    pub delivery: Option<outbox::Delivery>,
}

/// Reads a task's page (`id` as `task show` takes it: a full id or a unique prefix).
pub fn task_page(tx: &Conn, id: &str, now: Millis) -> Result<TaskPage> {
    let (seq, task_id) = store_tasks::resolve(tx, id)?;
    let task = store_tasks::get(tx, seq)?;
    let content = match task.content_id {
        Some(c) => Some(contents::get(tx, c)?),
        None => None,
    };
    Ok(TaskPage {
        now,
        events: store_tasks::events(tx, seq)?,
        delivery: outbox::latest_for_task(tx, task_id)?,
        content,
        task,
    })
}

pub fn render_task(p: &TaskPage, signed_in: bool) -> String {
    let now = p.now;
    let t = &p.task;
    let mut f = String::from("<dl id=\"task-fields\">");
    let mut field = |name: &str, value: String| {
        let _ = write!(f, "<dt>{}</dt><dd>{value}</dd>", esc(name));
    };
    field("id", esc(&t.id.to_string()));
    field(
        "status",
        format!(
            "<span class=\"{}\">{}</span>",
            match t.status {
                Status::Completed => "ok",
                Status::Failed | Status::Timeout => "bad",
                _ => "warn",
            },
            esc(t.status.as_str())
        ),
    );
    field(
        "account",
        format!(
            "<a href=\"{}\">{}</a>",
            esc(&list_href(None, Some(&t.account))),
            esc(&t.account)
        ),
    );
    field("topic", esc(&t.topic));
    field(
        "keywords",
        if t.keywords.is_empty() {
            "-".into()
        } else {
            esc(&t.keywords.join(", "))
        },
    );
    field("category", opt(t.category.as_deref()));
    field("tone", opt(t.tone.as_deref()));
    field("requirements", opt(t.requirements.as_deref()));
    field("priority", count(u64::from(t.priority)));
    field("profile", opt(t.generator.as_deref()));
    field(
        "retries",
        format!(
            "{} of {}",
            count(u64::from(t.retry_count)),
            count(u64::from(t.max_retries))
        ),
    );
    field(
        "progress",
        t.progress.map_or_else(|| "-".into(), |p| format!("{p}%")),
    );
    field("step", opt(t.current_step.as_deref()));
    field("remote job", opt(t.remote_job_id.as_deref()));
    field("error kind", opt(t.error_kind.as_deref()));
    field("error", opt(t.error_message.as_deref()));
    field("created", time(t.created_at.0, now));
    field("started", time_opt(t.started_at.map(|s| s.0), now));
    field("finished", time_opt(t.completed_at.map(|s| s.0), now));
    field("next attempt", time(t.next_attempt_at.0, now));
    field("deadline", time(t.deadline_at.0, now));
    field("callback URL", opt(t.callback_url.as_deref()));
    field(
        "plan",
        t.plan_id.map_or_else(|| "-".into(), |p| format!("#{p}")),
    );
    f.push_str("</dl>");
    let mut body = section("fields", "Task", &f);

    let rows: Vec<Vec<String>> = p
        .events
        .iter()
        .map(|e| {
            vec![
                time(e.occurred_at.0, now),
                format!(
                    "{} → {}",
                    e.from_status.map_or("-", |s| s.as_str()),
                    e.to_status.as_str()
                ),
                opt(e.message.as_deref()),
                opt(e.actor.as_deref()),
            ]
        })
        .collect();
    let events = if rows.is_empty() {
        none("No events.")
    } else {
        table(&["at", "change", "message", "by"], &rows)
    };
    body.push_str(&section("events", "Event log", &events));

    let content = match &p.content {
        None => none("No content yet."),
        Some(c) => {
            let mut d = String::from("<dl>");
            let mut field = |name: &str, value: String| {
                let _ = write!(d, "<dt>{}</dt><dd>{value}</dd>", esc(name));
            };
            field("content", format!("#{}", c.id));
            field("title", esc(&c.title));
            field("summary", opt(c.summary.as_deref()));
            field("words", count(u64::from(c.word_count)));
            field("profile", esc(&c.generator));
            field("model", opt(c.model.as_deref()));
            field(
                "tokens",
                format!(
                    "{} prompt, {} completion",
                    c.prompt_tokens
                        .map_or_else(|| "-".into(), |n| count(n.into())),
                    c.completion_tokens
                        .map_or_else(|| "-".into(), |n| count(n.into()))
                ),
            );
            field(
                "quality",
                c.quality_score
                    .map_or_else(|| "-".into(), |q| format!("{q:.2}")),
            );
            field("created", time(c.created_at.0, now));
            d.push_str("</dl>");
            let mut r = String::from("<dl id=\"review\">");
            let _ = write!(
                r,
                "<dt>review</dt><dd>{}</dd><dt>reason</dt><dd>{}</dd><dt>reviewed</dt><dd>{}</dd></dl>",
                esc(c.review_status.as_str()),
                opt(c.review_reason.as_deref()),
                time_opt(c.reviewed_at.map(|t| t.0), now)
            );
            let excerpt: String = c.body.chars().take(600).collect();
            let more = if c.body.chars().count() > 600 {
                "…"
            } else {
                ""
            };
            format!(
                "{d}<h3>Review</h3>{r}<h3>Beginning</h3><pre>{}{more}</pre>",
                esc(&excerpt)
            )
        }
    };
    body.push_str(&section("content", "Content", &content));

    let delivery = match &p.delivery {
        None => none("No callback queued."),
        Some(d) => format!(
            "<dl><dt>event</dt><dd>{}</dd><dt>status</dt><dd>{}</dd><dt>attempts</dt><dd>{}</dd>\
<dt>last error</dt><dd>{}</dd><dt>updated</dt><dd>{}</dd></dl>",
            esc(&d.event),
            esc(&d.status),
            count(u64::from(d.attempts)),
            opt(d.last_error.as_deref()),
            time(d.updated_at.0, now)
        ),
    };
    body.push_str(&section("delivery", "Callback delivery", &delivery));
    html::page(
        &format!("Task {}", t.id),
        signed_in,
        None,
        &format!("<main>{body}</main>"),
    )
}
