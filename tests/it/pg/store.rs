//! `store info`, `store check` and `store copy` on PostgreSQL.

use super::PgDb;
use crate::store::{every_kind_of_row, sqlite_rows, views};
use crate::support::Env;

#[test]
#[ignore = "needs CONTENTHUB_TEST_PG_URL"]
fn info_and_check_on_a_fresh_store() {
    let db = PgDb::new();
    let env = Env::new();
    env.ok(["--db", &db.url, "account", "list"]);
    let info: serde_json::Value = env.json(&["--db", &db.url, "store", "info"]);
    assert_eq!(info["path"], db.url.as_str());
    assert_eq!(info["schema"], "current");
    assert_eq!(
        info["schema_version"].as_i64(),
        Some(contenthub::store::pg::SCHEMA_VERSION)
    );
    assert!(info["db_bytes"].as_u64().unwrap() > 0);
    assert!(info["server_version"]
        .as_str()
        .is_some_and(|v| !v.is_empty()));
    assert!(info.get("wal_bytes").is_none());
    let tables = info["tables"].as_array().unwrap();
    let tasks = tables.iter().find(|t| t["table"] == "tasks").unwrap();
    assert_eq!(tasks["rows"], 0);
    assert!(tasks["bytes"].as_u64().unwrap() > 0);
    let events = tables.iter().find(|t| t["table"] == "task_events").unwrap();
    assert!(events["rows"].is_null());
    assert_eq!(info["tasks"].as_array().unwrap().len(), 7);
    assert_eq!(info["tasks_total"], 0);

    let check: serde_json::Value = env.json(&["--db", &db.url, "store", "check"]);
    assert_eq!(check["ok"], true, "{check}");
    let names: Vec<&str> = check["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["connection", "schema_version", "task_counts"]);

    // Counts that disagree with the tasks fail the check (exit 1).
    let mut c = db.client();
    c.batch_execute("UPDATE task_counts SET n = 5 WHERE status = 'failed'")
        .unwrap();
    env.cmd(["--db", &db.url, "store", "check"])
        .run()
        .code(1)
        .stderr_has("task_counts");
    // A schema newer than this build fails too.
    c.batch_execute(
        "UPDATE task_counts SET n = 0; UPDATE contenthub_schema SET version = version + 1",
    )
    .unwrap();
    env.cmd(["--db", &db.url, "store", "check"])
        .run()
        .code(1)
        .stderr_has("newer contenthub");
}

#[test]
#[ignore = "needs CONTENTHUB_TEST_PG_URL"]
fn an_unreachable_server_fails_the_check() {
    let env = Env::new();
    env.cmd([
        "--db",
        "postgres://app:hunter2@127.0.0.1:1/contenthub",
        "store",
        "check",
    ])
    .run()
    .code(1)
    .stderr_has("connection");
}

/// Rows of each table on PostgreSQL, as [`sqlite_rows`] counts them.
fn pg_rows(db: &PgDb) -> Vec<(String, i64)> {
    let mut c = db.client();
    [
        "accounts",
        "tasks",
        "task_events",
        "contents",
        "plans",
        "plan_runs",
        "deliveries",
        "counters",
        "meta",
        "alerts",
        "task_counts",
        "task_steps",
    ]
    .iter()
    .map(|t| {
        let n: i64 = c
            .query_one(&format!("SELECT count(*) FROM {t}"), &[])
            .unwrap()
            .get(0);
        (t.to_string(), n)
    })
    .collect()
}

#[test]
#[ignore = "needs CONTENTHUB_TEST_PG_URL"]
fn copy_round_trip_sqlite_postgres_sqlite() {
    let f = every_kind_of_row();
    let env = &f.env;
    let db = PgDb::new();
    let report: serde_json::Value = env.json(&["store", "copy", "--to", &db.url]);
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(pg_rows(&db), sqlite_rows(&env.db()));
    let mut c = db.client();
    let per_status: Vec<(String, i64)> = c
        .query(
            "SELECT status, n FROM task_counts WHERE n <> 0 ORDER BY status",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let actual: Vec<(String, i64)> = c
        .query(
            "SELECT status, count(*) FROM tasks GROUP BY status ORDER BY status",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(per_status, actual, "task_counts counted each task once");
    // The identities continue after the copied ids.
    let next: i64 = c
        .query_one(
            "INSERT INTO accounts (name, platform, language, created_at, updated_at)
             VALUES ('later', 'blog', 'en', 0, 0) RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(next, 3);
    c.batch_execute("DELETE FROM accounts WHERE name = 'later'")
        .unwrap();
    env.ok(["--db", &db.url, "store", "check"]);

    // A second copy into the now full database is refused, and forced through.
    env.cmd(["store", "copy", "--to", &db.url])
        .run()
        .code(4)
        .stderr_has("already holds rows");
    env.ok(["store", "copy", "--to", &db.url, "--force"]);
    assert_eq!(pg_rows(&db), sqlite_rows(&env.db()));

    // And back into a file.
    let back = env.path().join("back.db");
    env.ok([
        "--db",
        &db.url,
        "store",
        "copy",
        "--to",
        back.to_str().unwrap(),
    ]);
    assert_eq!(sqlite_rows(&back), sqlite_rows(&env.db()));
    assert_eq!(views(env, &env.db()), views(env, &back));
}

#[test]
#[ignore = "needs CONTENTHUB_TEST_PG_URL"]
fn copy_is_refused_while_a_daemon_beats_on_the_postgres_source() {
    let db = PgDb::new();
    let env = Env::new();
    env.ok(["--db", &db.url, "account", "list"]);
    let now = chrono::Utc::now().timestamp_millis();
    db.client()
        .execute(
            "INSERT INTO daemons (id, pid, host, version, started_at, last_beat_at, max_concurrent)
             VALUES ('d-1', 42, 'host-a', '1', $1, $1, 4)",
            &[&now],
        )
        .unwrap();
    let target = env.path().join("copy.db");
    env.cmd([
        "--db",
        &db.url,
        "store",
        "copy",
        "--to",
        target.to_str().unwrap(),
    ])
    .run()
    .code(4)
    .stderr_has("a daemon is running on the source store");
    db.client()
        .execute("UPDATE daemons SET stopped_at = $1", &[&now])
        .unwrap();
    env.ok([
        "--db",
        &db.url,
        "store",
        "copy",
        "--to",
        target.to_str().unwrap(),
    ]);
}
