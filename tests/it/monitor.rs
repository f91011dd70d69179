//! `monitor health`, `monitor metrics` and `monitor stats` against seeded stores.
//!
//! Stores are seeded through the binary (bulk submit) and then moved into the states a
//! daemon would leave them in with SQL: finished tasks with chosen `completed_at`, pending
//! tasks of a chosen age, expired leases, a heartbeat row with the daemon's lock held by
//! this test process, plans whose slots are overdue.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;

use crate::support::{wait_until, Env, Run};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// A store with the account `blog`; `config` is the config file (without the daemon
/// expectation unless it says so).
fn setup(config: &str) -> Env {
    let env = Env::new();
    env.config(config);
    env.account("blog");
    env
}

/// A store where only the check under test can be unhealthy: no daemon is expected.
fn quiet() -> Env {
    setup("[monitor]\nexpect_daemon = false\n")
}

/// Submits `n` tasks in one bulk submit.
fn submit_many(env: &Env, n: usize) {
    let lines: String = (0..n)
        .map(|i| format!("{{\"account\":\"blog\",\"topic\":\"topic {i}\"}}\n"))
        .collect();
    let file = env.write("bulk.jsonl", &lines);
    env.ok([
        "task",
        "submit",
        "-q",
        "--from-file",
        file.to_str().unwrap(),
    ]);
}

/// Adds `n` tasks that ended in `status` at `finished_at`, having started 2 s after creation
/// and run `run_ms`.
fn finished(env: &Env, status: &str, n: usize, finished_at: i64, run_ms: i64) {
    submit_many(env, n);
    let started = finished_at - run_ms;
    env.exec(&format!(
        "UPDATE tasks SET status = '{status}', created_at = {created}, started_at = {started},
                completed_at = {finished_at}
         WHERE seq IN (SELECT seq FROM tasks WHERE status = 'pending' ORDER BY seq DESC LIMIT {n})",
        created = started - 2_000,
    ));
}

/// `monitor health` with `args`: (exit code, stdout).
fn health(env: &Env, args: &[&str]) -> (i32, String) {
    let mut all = vec!["monitor", "health"];
    all.extend(args);
    let r: Run = env.run(&all);
    (r.code, r.stdout)
}

/// The JSON report's check `name`.
fn check(env: &Env, name: &str, args: &[&str]) -> Value {
    let mut all = vec!["monitor", "health", "--format", "json"];
    all.extend(args);
    let r = env.run(&all);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    // The report reads back into the typed struct, which refuses unknown fields.
    serde_json::from_str::<contenthub::monitor::health::Health>(&r.stdout).unwrap();
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no check {name} in {v}"))
}

fn state_of(env: &Env, name: &str, args: &[&str]) -> String {
    check(env, name, args)["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The line's parts: state, reasons, perfdata label → value.
fn parse_line(line: &str) -> (String, String, BTreeMap<String, String>) {
    let line = line.trim_end();
    assert_eq!(line.lines().count(), 1, "one line: {line:?}");
    let rest = line.strip_prefix("CONTENTHUB ").expect("the plugin prefix");
    let (state, rest) = rest.split_once(" - ").expect("STATE - reasons");
    let (reasons, perf) = rest.split_once(" | ").unwrap_or((rest, ""));
    let perf = perf
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (label, data) = p.split_once('=').expect("label=data");
            let fields: Vec<&str> = data.split(';').collect();
            assert_eq!(fields.len(), 5, "value;warn;crit;min;max in {p}");
            (label.to_string(), fields[0].to_string())
        })
        .collect();
    (state.to_string(), reasons.to_string(), perf)
}

/// Does the guidelines' range `range` alert for `v`? (`10`: outside 0..10, `10:`: below 10,
/// `~:10`: above 10, `10:20`: outside, `@10:20`: inside; empty: never.)
fn range_alerts(range: &str, v: f64) -> bool {
    if range.is_empty() {
        return false;
    }
    let (inside, r) = match range.strip_prefix('@') {
        Some(r) => (true, r),
        None => (false, range),
    };
    let (lo, hi) = r.split_once(':').unwrap_or(("0", r));
    let lo = match lo {
        "~" => f64::NEG_INFINITY,
        "" => 0.0,
        n => n.parse().unwrap(),
    };
    let hi = if hi.is_empty() {
        f64::INFINITY
    } else {
        hi.parse().unwrap()
    };
    (lo <= v && v <= hi) == inside
}

/// The state a perfdata consumer derives for each item of `line` (`None` for `U`).
fn perf_states(line: &str) -> BTreeMap<String, Option<&'static str>> {
    let perf = line.trim_end().split_once(" | ").map(|p| p.1).unwrap_or("");
    perf.split(' ')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (label, data) = p.split_once('=').unwrap();
            let f: Vec<&str> = data.split(';').collect();
            let state = (f[0] != "U").then(|| {
                let v: f64 = f[0].trim_end_matches(['s', '%']).parse().unwrap();
                if range_alerts(f[2], v) {
                    "critical"
                } else if range_alerts(f[1], v) {
                    "warning"
                } else {
                    "ok"
                }
            });
            (label.to_string(), state)
        })
        .collect()
}

/// Through the binary: levels on, below and above the measured values, the daemon missing
/// and not expected. A consumer of the perfdata reaches each check's state.
#[test]
pub(crate) fn perfdata_ranges_give_a_consumer_the_same_state() {
    for config in ["[monitor]\nexpect_daemon = false\n", ""] {
        let env = setup(config);
        finished(&env, "completed", 7, now_ms() - MINUTE, 1_000);
        finished(&env, "failed", 1, now_ms() - MINUTE, 1_000); // 12.5 %
        submit_many(&env, 12);
        // Counts and rates on, below and above what the store holds.
        for (count, rate) in [
            ("11", "12.49%"),
            ("12", "12.5%"),
            ("13", "12.51%"),
            ("0", "0%"),
        ] {
            for flag in ["-w", "-c"] {
                let args: Vec<String> = [
                    ("backlog", count),
                    ("expired_leases", count),
                    ("failure_rate", rate),
                    ("timeout_rate", rate),
                ]
                .iter()
                .flat_map(|(c, level)| [flag.to_string(), format!("{c}={level}")])
                .collect();
                let r = env.run(
                    ["monitor", "health", "--format", "json"]
                        .into_iter()
                        .map(String::from)
                        .chain(args.clone()),
                );
                let report: Value = serde_json::from_str(&r.stdout).unwrap();
                let line = env.run(
                    ["monitor", "health"]
                        .into_iter()
                        .map(String::from)
                        .chain(args.clone()),
                );
                let states = perf_states(&line.stdout);
                for c in report["checks"].as_array().unwrap() {
                    let label = match c["name"].as_str().unwrap() {
                        "backlog" => "pending",
                        n => n,
                    };
                    let Some(consumer) = states.get(label) else {
                        continue;
                    };
                    if let Some(consumer) = consumer {
                        assert_eq!(
                            Some(*consumer),
                            c["status"].as_str(),
                            "{label} with {args:?}: {}",
                            line.stdout
                        );
                    }
                }
                assert!(states.contains_key("heartbeat") && states.contains_key("pending"));
            }
        }
    }
}

#[test]
pub(crate) fn a_quiet_store_is_ok_with_perfdata() {
    let env = quiet();
    finished(&env, "completed", 6, now_ms() - MINUTE, 3_000);
    let (code, out) = health(&env, &[]);
    assert_eq!(code, 0, "{out}");
    let (state, reasons, perf) = parse_line(&out);
    assert_eq!(state, "OK");
    assert!(reasons.contains("0 pending"), "{reasons}");
    assert_eq!(perf["failure_rate"], "0%");
    assert_eq!(perf["pending"], "0");
    assert_eq!(perf["expired_leases"], "0");
    assert!(perf.contains_key("oldest_pending") && perf.contains_key("scheduler_lag"));
}

#[test]
pub(crate) fn failure_rate_warns_above_10_and_is_critical_above_20_percent() {
    let env = quiet();
    let at = now_ms() - MINUTE;
    finished(&env, "completed", 9, at, 1_000);
    assert_eq!(state_of(&env, "failure_rate", &[]), "ok");
    finished(&env, "failed", 1, at, 1_000); // 1 of 10: 10 %, not above
    assert_eq!(state_of(&env, "failure_rate", &[]), "ok");
    finished(&env, "failed", 1, at, 1_000); // 2 of 11: 18.2 %
    assert_eq!(state_of(&env, "failure_rate", &[]), "warning");
    let (code, out) = health(&env, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(
            "CONTENTHUB WARNING - 18.2% failed of 11 finished in 1h (warning above 10%)"
        ),
        "{out}"
    );
    finished(&env, "completed", 6, at, 1_000);
    finished(&env, "failed", 3, at, 1_000); // 5 of 20: 25 %
    assert_eq!(state_of(&env, "failure_rate", &[]), "critical");
    let (code, out) = health(&env, &[]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(parse_line(&out).2["failure_rate"], "25%");
    // Overrides move the levels.
    assert_eq!(
        state_of(
            &env,
            "failure_rate",
            &["-w", "failure_rate=25%", "-c", "failure_rate=0.5"]
        ),
        "ok"
    );
}

#[test]
pub(crate) fn rates_need_five_finished_tasks() {
    let env = quiet();
    finished(&env, "completed", 2, now_ms() - MINUTE, 1_000);
    finished(&env, "failed", 2, now_ms() - MINUTE, 1_000);
    let c = check(&env, "failure_rate", &[]);
    assert_eq!(c["status"], "ok", "{c}");
    assert_eq!(c["value"], 0.5);
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("not judged below 5"),
        "{c}"
    );
    finished(&env, "failed", 1, now_ms() - MINUTE, 1_000);
    assert_eq!(state_of(&env, "failure_rate", &[]), "critical");
}

#[test]
pub(crate) fn timeout_rate_warns_above_10_percent() {
    let env = quiet();
    let at = now_ms() - MINUTE;
    finished(&env, "completed", 8, at, 1_000);
    assert_eq!(state_of(&env, "timeout_rate", &[]), "ok");
    finished(&env, "timeout", 1, at, 1_000); // 1 of 9: 11.1 %
    assert_eq!(state_of(&env, "timeout_rate", &[]), "warning");
    // No critical level by default; one can be given.
    assert_eq!(
        state_of(&env, "timeout_rate", &["-c", "timeout_rate=10%"]),
        "critical"
    );
}

#[test]
pub(crate) fn rates_cover_exactly_the_stated_window() {
    let env = quiet();
    let now = now_ms();
    // Inside the last hour: 6 completed, 1 failed. Just outside it: 5 failed.
    finished(&env, "completed", 6, now - 59 * MINUTE, 1_000);
    finished(&env, "failed", 1, now - 30 * MINUTE, 1_000);
    finished(&env, "failed", 5, now - 61 * MINUTE, 1_000);
    // Cancelled tasks finish but are not outcomes of the pipeline.
    finished(&env, "cancelled", 3, now - 10 * MINUTE, 1_000);

    let c = check(&env, "failure_rate", &["--window", "1h"]);
    assert!(
        (c["value"].as_f64().unwrap() - 1.0 / 7.0).abs() < 1e-9,
        "{c}"
    );
    let c = check(&env, "failure_rate", &["--window", "2h"]);
    assert!(
        (c["value"].as_f64().unwrap() - 6.0 / 12.0).abs() < 1e-9,
        "{c}"
    );
    let c = check(&env, "failure_rate", &["--window", "20m"]);
    assert_eq!(c["value"], Value::Null, "nothing decided in 20m: {c}");

    let m: Value = env.json(&["monitor", "metrics", "--since", "1h"]);
    assert_eq!(m["window"]["seconds"], 3600);
    assert_eq!(m["window"]["label"], "1h");
    assert_eq!(
        m["finished"],
        serde_json::json!({"completed": 6, "failed": 1, "timeout": 0, "cancelled": 3})
    );
    assert!((m["rates"]["success"].as_f64().unwrap() - 6.0 / 7.0).abs() < 1e-9);
    assert_eq!(m["throughput_per_hour"], 6.0);
    let m: Value = env.json(&["monitor", "metrics", "--since", "2h"]);
    assert_eq!(m["finished"]["failed"], 6);
    assert_eq!(m["throughput_per_hour"], 3.0);
    // Totals do not depend on the window (they come from counters; these rows were moved
    // into place with SQL, so only the submits were counted).
    assert_eq!(m["totals"]["submitted"], 15);
}

#[test]
pub(crate) fn backlog_warns_above_50_and_is_critical_above_200() {
    let env = quiet();
    submit_many(&env, 50);
    assert_eq!(state_of(&env, "backlog", &[]), "ok");
    submit_many(&env, 1);
    assert_eq!(state_of(&env, "backlog", &[]), "warning");
    let (code, out) = health(&env, &[]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(parse_line(&out).2["pending"], "51");
    submit_many(&env, 149);
    assert_eq!(state_of(&env, "backlog", &[]), "warning");
    submit_many(&env, 1);
    assert_eq!(state_of(&env, "backlog", &[]), "critical");
    assert_eq!(health(&env, &[]).0, 2);
}

#[test]
pub(crate) fn oldest_pending_age_warns_at_30m_and_is_critical_at_2h() {
    let env = quiet();
    let id = env.submit("blog", "waiting", &[]);
    assert_eq!(state_of(&env, "oldest_pending", &[]), "ok");
    // Created long ago but snoozed until later (a retry's backoff): not waiting yet.
    env.update_task(
        &id,
        &format!(
            "created_at = {}, next_attempt_at = {}",
            now_ms() - 3 * HOUR,
            now_ms() + MINUTE
        ),
    );
    let c = check(&env, "oldest_pending", &[]);
    assert_eq!(
        (c["status"].as_str(), c["value"].as_f64()),
        (Some("ok"), Some(0.0)),
        "{c}"
    );
    // Due for 31 minutes and nobody picked it up.
    env.update_task(
        &id,
        &format!("next_attempt_at = {}", now_ms() - 31 * MINUTE),
    );
    let c = check(&env, "oldest_pending", &[]);
    assert_eq!(c["status"], "warning", "{c}");
    assert!(c["value"].as_f64().unwrap() >= 31.0 * 60.0);
    env.update_task(&id, &format!("next_attempt_at = {}", now_ms() - 3 * HOUR));
    assert_eq!(state_of(&env, "oldest_pending", &[]), "critical");
    assert_eq!(
        state_of(&env, "oldest_pending", &["-c", "oldest_pending=4h"]),
        "warning"
    );
}

#[test]
pub(crate) fn expired_leases_warn() {
    let env = quiet();
    let id = env.submit("blog", "claimed by a daemon that died", &[]);
    env.update_task(
        &id,
        &format!(
            "status = 'processing', lease_owner = 'gone:1', lease_expires_at = {}, started_at = {}",
            now_ms() + MINUTE,
            now_ms()
        ),
    );
    assert_eq!(state_of(&env, "expired_leases", &[]), "ok");
    env.update_task(&id, &format!("lease_expires_at = {}", now_ms() - 1_000));
    let c = check(&env, "expired_leases", &[]);
    assert_eq!(
        (c["status"].as_str(), c["value"].as_f64()),
        (Some("warning"), Some(1.0))
    );
    assert_eq!(
        state_of(&env, "expired_leases", &["-c", "expired_leases=0"]),
        "critical"
    );
    assert_eq!(
        state_of(&env, "expired_leases", &["-c", "expired_leases=1"]),
        "warning"
    );
}

#[test]
pub(crate) fn scheduler_lag_warns_at_10m_and_is_critical_at_1h() {
    let env = quiet();
    env.ok([
        "scheduler",
        "add",
        "hourly",
        "--cron",
        "0 * * * *",
        "--tz",
        "UTC",
        "-a",
        "blog",
    ]);
    // A plan counts its slots from its creation: move that back so slots were missed.
    let lag_of = |env: &Env, created: i64| {
        env.exec(&format!(
            "UPDATE plans SET created_at = {created}, last_slot_at = NULL"
        ));
        check(env, "scheduler_lag", &[])
    };
    // Right at the top of the hour a plan made a second ago is already due: wait that out.
    if now_ms().rem_euclid(HOUR) < 3_000 {
        std::thread::sleep(Duration::from_secs(4));
    }
    let now = now_ms();
    let top = now - now.rem_euclid(HOUR);
    // Created after the last full hour: nothing is due yet.
    let c = lag_of(&env, now - 1_000);
    assert_eq!(
        (c["status"].as_str(), c["value"].as_f64()),
        (Some("ok"), Some(0.0))
    );
    // Created 15 minutes before a slot that passed 15+ minutes ago.
    if now - top >= 15 * MINUTE {
        let c = lag_of(&env, top - MINUTE);
        assert_eq!(c["status"], "warning", "{c}");
    }
    let c = lag_of(&env, top - 2 * HOUR - MINUTE);
    assert_eq!(c["status"], "critical", "{c}");
    assert!(c["message"].as_str().unwrap().contains("'hourly'"), "{c}");
}

/// Holds the daemon's lock beside the store, as a running daemon does.
fn hold_lock(env: &Env) -> File {
    let path = env.db().with_extension("db.lock");
    let f = File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    f.try_lock().expect("take the lock");
    f
}

fn beat(env: &Env, at: i64) {
    env.exec_each(
        &format!(
            "INSERT OR REPLACE INTO daemons(id, pid, host, version, started_at, last_beat_at, in_flight, max_concurrent)
             VALUES ('test:1', 1, 'test', '0', {at}, {at}, 0, 5)"
        ),
        &format!(
            "INSERT INTO daemons(id, pid, host, version, started_at, last_beat_at, in_flight, max_concurrent)
             VALUES ('test:1', 1, 'test', '0', {at}, {at}, 0, 5)
             ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host,
                 version = excluded.version, started_at = excluded.started_at,
                 last_beat_at = excluded.last_beat_at, stopped_at = NULL,
                 in_flight = excluded.in_flight, max_concurrent = excluded.max_concurrent,
                 scheduler = 0, listen = NULL"
        ),
    );
}

#[test]
fn a_missing_or_stale_daemon_is_critical_unless_not_expected() {
    let env = setup("");
    let (code, out) = health(&env, &[]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.starts_with("CONTENTHUB CRITICAL - no daemon running |"),
        "{out}"
    );

    let _lock = hold_lock(&env);
    beat(&env, now_ms());
    let c = check(&env, "heartbeat", &[]);
    assert_eq!(c["status"], "ok", "{c}");
    assert!(c["message"].as_str().unwrap().starts_with("daemon running"));
    // A beat a few seconds old is still fresh, but past a given warning level.
    beat(&env, now_ms() - 5_000);
    assert_eq!(state_of(&env, "heartbeat", &[]), "ok");
    assert_eq!(
        state_of(&env, "heartbeat", &["-w", "heartbeat=3s"]),
        "warning"
    );
    // Older than the limit (three missed beats and a margin): the daemon is stuck.
    beat(&env, now_ms() - 60_000);
    let c = check(&env, "heartbeat", &[]);
    assert_eq!(c["status"], "critical", "{c}");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("heartbeat is 1m old"),
        "{c}"
    );

    env.config("[monitor]\nexpect_daemon = false\n");
    assert_eq!(state_of(&env, "heartbeat", &[]), "ok");
}

#[test]
fn store_problems_are_critical_or_unknown() {
    // Missing: nothing is set up here.
    let env = Env::new();
    let (code, out) = health(&env, &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("does not exist"), "{out}");
    assert!(!env.db().exists(), "health must not create the store");

    // Not a database: it cannot be read.
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    std::fs::write(env.db(), "this is not sqlite".repeat(100)).unwrap();
    let (code, out) = health(&env, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(out.starts_with("CONTENTHUB UNKNOWN - "), "{out}");
    let v: Value =
        serde_json::from_str(&env.run(["monitor", "health", "--format", "json"]).stdout).unwrap();
    assert_eq!(v["status"], "unknown");

    // Written by a newer contenthub.
    let env = quiet();
    env.exec("PRAGMA user_version = 99");
    let (code, out) = health(&env, &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("newer"), "{out}");

    // An older schema is migrated by the next write, not by a health check.
    let env = Env::new();
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v1.db"),
        env.db(),
    )
    .unwrap();
    let (code, out) = health(&env, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("older"), "{out}");
    assert_eq!(
        env.count("PRAGMA user_version"),
        1,
        "health must not migrate"
    );
}

#[test]
pub(crate) fn usage_errors_are_unknown() {
    let env = quiet();
    for args in [
        &["-w", "backlog"][..],
        &["-w", "bogus=1"],
        &["-c", "failure_rate=200%"],
        &["--window", "soon"],
        &["--window", "0s"],
        &["--window", "106751991168d"],
        &["-w", "backlog=100", "-c", "backlog=10"],
        &["--no-such-flag"],
        &["--format", "csv"],
    ] {
        let (code, out) = health(&env, args);
        assert_eq!(code, 3, "{args:?}: {out}");
        assert!(out.starts_with("CONTENTHUB UNKNOWN - "), "{args:?}: {out}");
    }
    // A usage error asked for as JSON is JSON too.
    let r = env.run(["monitor", "health", "-w", "bogus=1", "--format", "json"]);
    assert_eq!(r.code, 3);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["status"], "unknown");
    // A broken config file too.
    env.config("[monitor]\nexpect_daemon = \"maybe\"\n");
    let (code, out) = health(&env, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("expect_daemon"), "{out}");
    // Other commands keep exit 2 for usage errors.
    assert_eq!(env.run(["monitor", "metrics", "--since", "soon"]).code, 2);
    assert_eq!(
        env.run(["monitor", "metrics", "--since", "100000000d"])
            .code,
        2
    );
}

#[test]
pub(crate) fn probe_asks_each_generator() {
    use axum::routing::get;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let addr = rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let app = axum::Router::new().route(
            "/v1/models",
            get(|| async { axum::Json(serde_json::json!({"data": []})) }),
        );
        tokio::spawn(async move { axum::serve(l, app).await });
        addr
    });
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let env = setup(&format!(
        "[monitor]\nexpect_daemon = false\n\n\
         [generators.up]\nkind = \"openai\"\nbase_url = \"http://{addr}/v1\"\nmodel = \"m\"\n\n\
         [generators.down]\nkind = \"openai\"\nbase_url = \"http://{closed}/v1\"\nmodel = \"m\"\ntimeout = \"2s\"\n"
    ));
    assert_eq!(health(&env, &[]).0, 0, "no probe without --probe");
    let c = check(&env, "probe:up", &["--probe"]);
    assert_eq!(c["status"], "ok", "{c}");
    // An empty model list only shows the service is reachable, and the message says so.
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("lists no models; model 'm' not checked"),
        "{c}"
    );
    let c = check(&env, "probe:down", &["--probe"]);
    assert_eq!(c["status"], "critical", "{c}");
    let (code, out) = health(&env, &["--probe"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("generator 'down'"), "{out}");
}

#[test]
pub(crate) fn probe_fails_a_model_the_service_does_not_list() {
    use axum::routing::get;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let addr = rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let app = axum::Router::new().route(
            "/v1/models",
            get(|| async {
                axum::Json(serde_json::json!({
                    "object": "list",
                    "data": [{"id": "qwen-plus"}, {"id": "qwen-max"}]
                }))
            }),
        );
        tokio::spawn(async move { axum::serve(l, app).await });
        addr
    });
    let env = setup(&format!(
        "[monitor]\nexpect_daemon = false\n\n\
         [generators.good]\nkind = \"openai\"\nbase_url = \"http://{addr}/v1\"\nmodel = \"qwen-max\"\n\n\
         [generators.typo]\nkind = \"openai\"\nbase_url = \"http://{addr}/v1\"\nmodel = \"qwen-plusx\"\n"
    ));
    let (code, out) = health(&env, &["--probe"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.starts_with("CONTENTHUB CRITICAL - "), "{out}");
    assert!(
        out.contains("model 'qwen-plusx' is not served by profile 'typo'")
            && out.contains("qwen-plus, qwen-max"),
        "{out}"
    );
    assert!(!out.contains("generator 'good'"), "{out}");
    let c = check(&env, "probe:typo", &["--probe"]);
    assert_eq!(c["status"], "critical", "{c}");
    assert!(
        c["message"].as_str().unwrap().contains("'qwen-plusx'"),
        "{c}"
    );
    let c = check(&env, "probe:good", &["--probe"]);
    assert_eq!(c["status"], "ok", "{c}");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .ends_with(": model 'qwen-max' is listed"),
        "{c}"
    );
}

/// Parses Prometheus text with an exposition-format parser and checks its structure: every
/// sample belongs to a family declared once with HELP and TYPE, families are contiguous.
fn parse_prometheus(text: &str) -> prometheus_parse::Scrape {
    let mut declared: BTreeSet<String> = BTreeSet::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(
                ["counter", "gauge", "summary", "histogram", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(declared.insert(name.to_string()), "{name} declared twice");
            current = name.to_string();
        } else if line.starts_with("# HELP ") {
        } else {
            assert!(!line.trim().is_empty(), "blank line in the exposition");
            let name = line.split(['{', ' ']).next().unwrap();
            let family = ["_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s).filter(|f| *f == current))
                .unwrap_or(name);
            assert_eq!(family, current, "sample {line:?} outside its family");
        }
    }
    let lines = text.lines().map(|l| Ok(l.to_string()));
    prometheus_parse::Scrape::parse(lines).expect("valid Prometheus text")
}

fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let s = scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .unwrap_or_else(|| panic!("no sample {name}{labels:?}"));
    match s.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => v,
        ref other => panic!("{name}: {other:?}"),
    }
}

#[test]
pub(crate) fn prometheus_text_parses_and_says_what_the_store_holds() {
    let env = setup(
        "[monitor]\nexpect_daemon = false\n\n[prices.\"m-1\"]\nprompt_per_million = 1.0\ncompletion_per_million = 2.0\ncurrency = \"USD\"\n",
    );
    finished(&env, "completed", 4, now_ms() - MINUTE, 10_000);
    finished(&env, "failed", 1, now_ms() - MINUTE, 1_000);
    submit_many(&env, 2);
    env.exec(
        "INSERT INTO counters(name, labels, value) VALUES
           ('model_tokens_total', 'kind=prompt,model=m-1', 1000000),
           ('model_tokens_total', 'kind=completion,model=m-1', 500000)",
    );
    let text = env.ok(["monitor", "metrics", "--format", "prometheus"]);
    let scrape = parse_prometheus(&text);
    assert_eq!(
        sample(&scrape, "contenthub_tasks", &[("status", "pending")]),
        2.0
    );
    assert_eq!(
        sample(&scrape, "contenthub_tasks", &[("status", "completed")]),
        4.0
    );
    assert_eq!(
        sample(&scrape, "contenthub_tasks_submitted_total", &[]),
        7.0
    );
    assert_eq!(
        sample(
            &scrape,
            "contenthub_window_finished",
            &[("status", "failed")]
        ),
        1.0
    );
    assert_eq!(
        sample(
            &scrape,
            "contenthub_window_ratio",
            &[("outcome", "success")]
        ),
        0.8
    );
    assert_eq!(
        sample(
            &scrape,
            "contenthub_window_account_finished",
            &[("account", "blog"), ("status", "completed")]
        ),
        4.0
    );
    assert_eq!(
        sample(&scrape, "contenthub_cost_total", &[("currency", "USD")]),
        2.0
    );
    assert!(sample(&scrape, "contenthub_oldest_pending_age_seconds", &[]) >= 0.0);
    assert_eq!(
        sample(
            &scrape,
            "contenthub_daemon_heartbeat_timestamp_seconds",
            &[]
        ),
        0.0
    );
    for kind in ["prompt", "completion"] {
        sample(&scrape, "contenthub_tokens_total", &[("kind", kind)]);
    }
    // The generation summary: window quantiles of the 4 completed runs of 10 s.
    let q = scrape
        .samples
        .iter()
        .find(|s| s.metric == "contenthub_generation_seconds")
        .expect("contenthub_generation_seconds");
    match &q.value {
        prometheus_parse::Value::Summary(qs) => {
            assert!(
                qs.iter().any(|q| q.quantile == 0.5 && q.count == 10.0),
                "{qs:?}"
            );
        }
        other => panic!("a summary, not {other:?}"),
    }
    let types: BTreeMap<&str, &str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_once(' '))
        .collect();
    assert_eq!(types["contenthub_tasks_completed_total"], "counter");
    assert_eq!(types["contenthub_generation_seconds"], "summary");
    assert_eq!(types["contenthub_tasks"], "gauge");

    // Only `monitor metrics` speaks Prometheus.
    let r = env.run(["task", "list", "--format", "prometheus"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("monitor metrics"), "{}", r.stderr);
}

#[test]
pub(crate) fn textfile_is_written_atomically_whatever_the_format() {
    let env = quiet();
    finished(&env, "completed", 2, now_ms() - MINUTE, 1_000);
    let dir = env.path().join("node_exporter").join("textfile");
    let out = env.ok(["monitor", "metrics", "--textfile", dir.to_str().unwrap()]);
    assert_eq!(out, "", "cron gets no output");
    let text = std::fs::read_to_string(dir.join("contenthub.prom")).unwrap();
    let scrape = parse_prometheus(&text);
    assert_eq!(
        sample(&scrape, "contenthub_tasks", &[("status", "completed")]),
        2.0
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["contenthub.prom"], "no temporary files left");
    // With --format json the file is still Prometheus text, and stdout is JSON.
    let out = env.ok([
        "monitor",
        "metrics",
        "--textfile",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["tasks"]["completed"], 2);
    parse_prometheus(&std::fs::read_to_string(dir.join("contenthub.prom")).unwrap());
}

#[test]
pub(crate) fn metrics_durations_and_breakdowns() {
    let env = quiet();
    env.ok(["account", "add", "news"]);
    let at = now_ms() - MINUTE;
    for run in [1_000, 2_000, 3_000, 4_000] {
        finished(&env, "completed", 1, at, run);
    }
    finished(&env, "failed", 1, at, 500);
    env.exec("UPDATE tasks SET account_id = (SELECT id FROM accounts WHERE name = 'news'), generator = 'llm' WHERE status = 'failed'");
    let m: Value = env.json(&["monitor", "metrics"]);
    let g = &m["generation_seconds"];
    assert_eq!(
        (g["count"].as_u64(), g["avg"].as_f64()),
        (Some(4), Some(2.5))
    );
    assert_eq!(
        (g["p50"].as_f64(), g["p95"].as_f64()),
        (Some(2.0), Some(4.0))
    );
    let w = &m["queue_wait_seconds"];
    assert_eq!(
        (w["count"].as_u64(), w["p50"].as_f64()),
        (Some(5), Some(2.0))
    );
    let accounts: Vec<(String, u64, u64)> = m["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["completed"].as_u64().unwrap(),
                a["failed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(accounts, [("blog".into(), 4, 0), ("news".into(), 0, 1)]);
    let gens: Vec<&str> = m["generators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(gens, ["llm", "template"]);
    // The table names the window and every section.
    let table = env.ok(["monitor", "metrics"]);
    for part in [
        "last 24h",
        "success 80%",
        "generation",
        "blog",
        "news",
        "llm",
    ] {
        assert!(table.contains(part), "{part} in\n{table}");
    }
    // CSV cannot hold it.
    assert_eq!(env.run(["monitor", "metrics", "--format", "csv"]).code, 2);
}

#[test]
pub(crate) fn daily_stats_count_each_day_once() {
    let env = quiet();
    // Tasks are placed a few seconds after midnight: right after midnight, wait for those
    // seconds to pass.
    if now_ms().rem_euclid(24 * HOUR) < 5_000 {
        std::thread::sleep(Duration::from_secs(6));
    }
    let now = now_ms();
    let today0 = now - now.rem_euclid(24 * HOUR); // TZ=UTC in tests
    finished(&env, "completed", 3, today0 + 1_000, 4_000);
    finished(&env, "failed", 1, today0 + 2_000, 1_000);
    finished(&env, "timeout", 1, today0 - 1_000, 1_000); // yesterday, last second
    finished(&env, "completed", 1, today0 - 3 * 24 * HOUR, 2_000);
    finished(&env, "completed", 5, today0 - 9 * 24 * HOUR, 2_000); // outside 7 days
    let days: Vec<Value> = env.json(&["monitor", "stats", "--days", "7"]);
    assert_eq!(days.len(), 7);
    let today = &days[6];
    assert_eq!(
        (
            today["total"].as_u64(),
            today["completed"].as_u64(),
            today["failed"].as_u64()
        ),
        (Some(4), Some(3), Some(1))
    );
    assert_eq!(today["success_rate"], 0.75);
    assert_eq!(today["avg_duration_seconds"], 4.0);
    assert_eq!(
        days[5]["failed"], 1,
        "a timeout counts as failed, on its day"
    );
    assert_eq!(days[3]["completed"], 1);
    let total: u64 = days.iter().map(|d| d["total"].as_u64().unwrap()).sum();
    assert_eq!(total, 6);
    let csv = env.ok(["monitor", "stats", "--days", "2", "--format", "csv"]);
    assert!(
        csv.starts_with(
            "date,total,completed,failed,cancelled,success_rate,avg_duration_seconds\n"
        ),
        "{csv}"
    );
    assert_eq!(env.run(["monitor", "stats", "--days", "0"]).code, 2);
}

#[test]
pub(crate) fn daemon_metrics_serve_the_same_text() {
    let env = quiet();
    finished(&env, "completed", 3, now_ms() - MINUTE, 1_000);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let before = now_ms() as f64 / 1000.0;
    let _daemon = env.spawn(
        &["daemon", "run", "--listen", &addr, "--max-concurrent", "3"],
        &[],
    );
    let mut body = String::new();
    wait_until(
        "the daemon serves /metrics",
        Duration::from_secs(20),
        || match reqwest_get(&format!("http://{addr}/metrics")) {
            // Until its first heartbeat is written, the daemon reports itself down.
            Some(b) => {
                body = b;
                body.lines().any(|l| l == "contenthub_daemon_up 1")
            }
            None => false,
        },
    );
    let cli = env.ok(["monitor", "metrics", "--format", "prometheus"]);
    // Same families, same label sets; values that move with the clock aside.
    let shape = |t: &str| -> Vec<String> {
        t.lines()
            .map(|l| match l.starts_with('#') {
                true => l.to_string(),
                false => l.rsplit_once(' ').unwrap().0.to_string(),
            })
            .collect()
    };
    assert_eq!(shape(&body), shape(&cli));
    let scrape = parse_prometheus(&body);
    assert_eq!(sample(&scrape, "contenthub_daemon_up", &[]), 1.0);
    assert!(
        sample(
            &scrape,
            "contenthub_daemon_heartbeat_timestamp_seconds",
            &[]
        ) > 1.7e9
    );
    // The daemon's own figures: its concurrency and when it started.
    assert_eq!(sample(&scrape, "contenthub_max_concurrent", &[]), 3.0);
    let started = sample(&scrape, "contenthub_daemon_start_time_seconds", &[]);
    assert!(
        started >= before.floor() && started <= now_ms() as f64 / 1000.0,
        "started {started}, test began {before}"
    );
    documented_names_match(&body);
}

/// The metric names of the documentation: the first column of the table under "Prometheus
/// names" in docs/monitoring.md, and every name docs/api.md mentions.
fn documented_names() -> (BTreeSet<String>, BTreeSet<String>) {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let names = |text: &str| -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = text;
        while let Some(i) = rest.find("contenthub_") {
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            out.insert(tail[..end].to_string());
            rest = &tail[end..];
        }
        out
    };
    let monitoring = std::fs::read_to_string(docs.join("monitoring.md")).unwrap();
    let section = monitoring
        .split("### Prometheus names")
        .nth(1)
        .expect("the Prometheus names section");
    let table: String = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(1).map(str::to_string))
        .collect::<Vec<_>>()
        .join("\n");
    let api = std::fs::read_to_string(docs.join("api.md")).unwrap();
    (names(&table), names(&api))
}

/// Every metric the docs name is in `text`, and every family in `text` is in the table.
fn documented_names_match(text: &str) {
    let (table, api) = documented_names();
    assert!(table.len() >= 25, "the table names only {table:?}");
    let families: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    let missing: Vec<&String> = table
        .union(&api)
        .filter(|n| !families.contains(*n))
        .collect();
    assert!(missing.is_empty(), "documented but not served: {missing:?}");
    let undocumented: Vec<&String> = families.iter().filter(|n| !table.contains(*n)).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in docs/monitoring.md: {undocumented:?}"
    );
}

#[test]
pub(crate) fn every_documented_metric_is_emitted_and_every_emitted_one_documented() {
    // Without a daemon and without any priced model: the names are there all the same.
    let env = quiet();
    let text = env.ok(["monitor", "metrics", "--format", "prometheus"]);
    let scrape = parse_prometheus(&text);
    documented_names_match(&text);
    assert_eq!(sample(&scrape, "contenthub_max_concurrent", &[]), 0.0);
    assert_eq!(
        sample(&scrape, "contenthub_daemon_start_time_seconds", &[]),
        0.0
    );
}

/// A plain HTTP GET on loopback, for the daemon's endpoints.
fn reqwest_get(url: &str) -> Option<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    rt.block_on(async {
        let r = reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .ok()?;
        if !r.status().is_success() {
            return None;
        }
        r.text().await.ok()
    })
}

#[test]
pub(crate) fn generator_requests_are_counted_by_outcome() {
    use crate::mock::{OpenAi, Reply};
    // The first call fails with 503, the second is rate limited, then articles.
    let server = OpenAi::start(|c| match c.n {
        0 => Reply::status(503, "overloaded"),
        1 => Reply::rate_limited(0),
        _ => Reply::article("Counted"),
    });
    let env = setup(&format!(
        "[monitor]\nexpect_daemon = false\n\n[daemon]\nretry_delays = [\"0s\"]\n\n\
         [generators.default]\nkind = \"openai\"\nbase_url = \"{}\"\nmodel = \"m-1\"\n",
        server.base("a")
    ));
    env.submit("blog", "one", &[]);
    env.submit("blog", "two", &["--max-retries", "3"]);
    env.run(["daemon", "run", "--until-idle", "--max-concurrent", "1"])
        .success();
    let m: Value = env.json(&["monitor", "metrics"]);
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for r in m["totals"]["generator_requests"].as_array().unwrap() {
        assert_eq!(r["generator"], "default");
        counts.insert(
            r["outcome"].as_str().unwrap().into(),
            r["count"].as_u64().unwrap(),
        );
    }
    assert_eq!(counts.get("503"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("429"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("ok"), Some(&2), "{counts:?}");
    assert_eq!(server.calls().len(), 4);
    let text = env.ok(["monitor", "metrics", "--format", "prometheus"]);
    let scrape = parse_prometheus(&text);
    assert_eq!(
        sample(
            &scrape,
            "contenthub_generator_requests_total",
            &[("generator", "default"), ("outcome", "503")]
        ),
        1.0
    );
    // The model's tokens feed the per-model counters.
    assert!(
        m["models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["model"] == "m-1"),
        "{}",
        m["models"]
    );
}
