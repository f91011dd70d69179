//! Every query the status pages run uses an index: the statements the pages send to an
//! SQLite store are recorded while they are computed, and each one's `EXPLAIN QUERY PLAN`
//! is checked. A full scan is allowed only of the small tables that hold one row per
//! status, account, plan, rule, budget or profile, or a walk of the tasks' primary key in
//! order that stops at its `LIMIT`.

use std::cell::RefCell;

use super::sql::args;
use super::sql::Sql;
use super::testing::{account, sqlite};
use super::{plans, Backend, Conn, Store};

thread_local! {
    static SEEN: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Records a statement while recording is on (this thread only).
pub(super) fn seen(sql: &str) {
    SEEN.with(|s| {
        if let Some(v) = s.borrow_mut().as_mut() {
            if !v.iter().any(|x| x == sql) {
                v.push(sql.to_string());
            }
        }
    });
}

/// Runs `f` and returns the distinct statements it sent.
fn recorded(f: impl FnOnce()) -> Vec<String> {
    SEEN.with(|s| *s.borrow_mut() = Some(Vec::new()));
    f();
    SEEN.with(|s| s.borrow_mut().take().unwrap_or_default())
}

/// Tables small by nature (a row per status, account, plan, daemon, rule, budget period,
/// profile or counter), which may be read whole.
const SMALL: [&str; 9] = [
    "task_counts",
    "accounts",
    "plans",
    "alerts",
    "rate_buckets",
    "budget_periods",
    "meta",
    "counters",
    "daemons",
];

/// The lines of a statement's plan.
fn plan(conn: &Conn, sql: &str) -> Vec<String> {
    let Backend::Lite(c) = &conn.0 else {
        panic!("an SQLite store")
    };
    let mut stmt = c
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    let n = stmt.parameter_count();
    let nulls: Vec<rusqlite::types::Value> = vec![rusqlite::types::Value::Null; n];
    let mut rows = stmt.query(rusqlite::params_from_iter(nulls)).unwrap();
    let mut out = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        out.push(r.get::<_, String>(3).unwrap());
    }
    out
}

/// Why a plan line reads a large table whole, if it does.
fn full_scan(sql: &str, line: &str, lines: &[String]) -> Option<String> {
    let rest = line.strip_prefix("SCAN ")?;
    if rest.contains("USING INDEX") || rest.contains("USING COVERING INDEX") {
        return None;
    }
    let table = rest.split_whitespace().next().unwrap_or("");
    let named = |t: &str| {
        sql.contains(&format!("FROM {t} {table}"))
            || sql.contains(&format!("JOIN {t} {table}"))
            || table == t
    };
    if SMALL.iter().any(|t| named(t)) {
        return None;
    }
    // The tasks newest first: the primary key walked backwards, stopped by the LIMIT.
    let in_order = !lines.iter().any(|l| l.contains("TEMP B-TREE FOR ORDER BY"));
    if named("tasks") && sql.contains("ORDER BY t.seq") && sql.contains(" LIMIT ") && in_order {
        return None;
    }
    Some(format!("{line}\n  in: {sql}"))
}

fn seed(store: &mut Store) -> String {
    store
        .write(|c| {
            let a = account(c, "blog")?;
            let now = 1_800_000_000_000i64;
            for (i, status) in [
                "pending",
                "submitted",
                "processing",
                "completed",
                "failed",
                "timeout",
                "cancelled",
            ]
            .iter()
            .enumerate()
            {
                let i = i as i64;
                let done = matches!(*status, "completed" | "failed" | "timeout" | "cancelled");
                c.exec(
                    Sql::same(
                        "INSERT INTO tasks(id, account_id, topic, priority, auto_approve, max_retries,
                                   timeout_s, deadline_at, status, next_attempt_at, error_kind,
                                   error_message, created_at, started_at, completed_at, updated_at,
                                   remote_job_id)
                 VALUES (?1, ?2, 'topic', 5, 1, 3, 60, ?3, ?4, ?3, ?5, ?6, ?3, ?3, ?7, ?3, 'job')",
                    ),
                    args![
                        0x1000_0000_0000i64 + i,
                        a,
                        now - 3_600_000 + i,
                        *status,
                        done.then_some("generator"),
                        done.then_some("boom"),
                        done.then_some(now - 60_000 + i)
                    ],
                )?;
            }
            let p = plans::insert(
                c,
                &plans::PlanFields {
                    name: "daily".into(),
                    cron: "0 9 * * *".into(),
                    tz: "UTC".into(),
                    account_ids: vec![a],
                    count: 1,
                    topics: Some(vec!["t".into()]),
                    topics_file: None,
                    category: None,
                    keywords: Vec::new(),
                    priority: None,
                    auto_approve: None,
                    catch_up: "latest".into(),
                    enabled: true,
                    skip_similar: false,
                },
                now - 86_400_000,
            )?;
            c.exec(
                Sql::same(
                    "INSERT INTO plan_runs(plan_id, scheduled_for, fired_at, tasks, status)
                     VALUES (?1, ?2, ?2, 1, 'fired')",
                ),
                args![p.id, now - 3_600_000],
            )?;
            c.exec(
                Sql::same(
                    "INSERT INTO deliveries(event, task_id, url, body, status, attempts,
                                            next_attempt_at, last_error, created_at, updated_at)
                     VALUES ('task.failed', ?1, 'http://127.0.0.1:9/hook', '{}', 'failed', 5, ?2,
                             'refused', ?2, ?2)",
                ),
                args![0x1000_0000_0004i64, now - 60_000],
            )?;
            Ok(())
        })
        .unwrap();
    "task-100000000004".to_string()
}

#[test]
fn every_query_of_the_status_pages_uses_an_index() {
    use crate::web::pages::{self, ListQuery, PageOptions};
    let (_dir, mut store) = sqlite();
    let failed = seed(&mut store);
    let location = store.location().clone();
    let metrics = crate::monitor::metrics::MetricsOptions {
        window: std::time::Duration::from_secs(86_400),
        default_generator: "template".into(),
        prices: Default::default(),
        live: crate::monitor::Liveness::new(std::time::Duration::from_secs(15)),
        budgets: Vec::new(),
    };
    let opts = PageOptions {
        location,
        metrics,
        alerts: Some(crate::monitor::alerts::AlertOptions {
            rules: crate::monitor::alerts::default_rules(true),
            channels: Vec::new(),
            min_finished: 1,
            live: crate::monitor::Liveness::new(std::time::Duration::from_secs(15)),
            renotify: None,
            host: "h".into(),
            budgets: Vec::new(),
        }),
    };
    let now = 1_800_000_000_000i64;
    let list = |s: &str, a: Option<&str>, page: u32| ListQuery {
        statuses: if s.is_empty() {
            Vec::new()
        } else {
            vec![s.parse().unwrap()]
        },
        account: a.map(str::to_string),
        page,
        ..ListQuery::default()
    };
    // The lists the per-account and per-profile counts link to.
    let finished = |s: &str, a: Option<&str>, p: Option<&str>| ListQuery {
        profile: p.map(str::to_string),
        finished: Some(("24h".into(), std::time::Duration::from_secs(86_400))),
        ..list(s, a, 1)
    };
    let statements = recorded(|| {
        store
            .read(|tx| {
                let o = pages::overview(tx, &opts, now)?;
                assert_eq!(o.stats.total, 7);
                assert_eq!(o.failures.len(), 1);
                assert_eq!(o.in_flight.len(), 2);
                assert_eq!(o.plans.len(), 1);
                assert_eq!(o.deliveries.len(), 1);
                for q in [
                    list("failed", None, 1),
                    list("failed", Some("blog"), 1),
                    list("", Some("blog"), 2),
                    list("", None, 1),
                    list("completed", None, 3),
                    finished("failed", Some("blog"), None),
                    finished("completed", None, Some("template")),
                    finished("timeout", None, Some("gpt")),
                ] {
                    pages::task_list(tx, q, "template", now)?;
                }
                let t = pages::task_page(tx, &failed, now)?;
                assert_eq!(t.task.error_message.as_deref(), Some("boom"));
                pages::task_page(tx, "10000000000", now)
                    .map(|_| ())
                    .or(Ok(()))
            })
            .unwrap_or_else(|e| panic!("{e}"));
    });
    assert!(
        statements.len() > 25,
        "{} statements: {statements:#?}",
        statements.len()
    );
    let mut offences = Vec::new();
    for sql in &statements {
        let lines = plan(store.conn(), sql);
        for line in &lines {
            if let Some(o) = full_scan(sql, line, &lines) {
                offences.push(o);
            }
        }
    }
    assert!(offences.is_empty(), "full scans:\n{}", offences.join("\n"));
}

#[test]
fn a_scan_of_a_large_table_is_caught() {
    let (_dir, store) = sqlite();
    let sql = "SELECT id FROM tasks t WHERE t.topic = ?1";
    let lines = plan(store.conn(), sql);
    assert!(
        lines.iter().any(|l| full_scan(sql, l, &lines).is_some()),
        "{lines:?}"
    );
    let sql = "SELECT id FROM tasks t WHERE t.status = ?1 ORDER BY t.seq DESC LIMIT 5";
    let lines = plan(store.conn(), sql);
    assert!(
        lines.iter().all(|l| full_scan(sql, l, &lines).is_none()),
        "{lines:?}"
    );
}
