//! Stores written by other versions.
//!
//! `tests/data/v1.db` is a store written by contenthub at schema version 1 (two accounts,
//! eight tasks in every status but `submitted`, their events and counters), saved with
//! `VACUUM INTO` so it is one file without a `-wal`. It is the fixture future schema
//! migrations are tested against: never regenerate it with a newer binary; when the schema
//! changes again, add the next version's fixture beside it and keep this one. `v2.db` is the
//! version-2 fixture (see `tests/data/make-v2.sh`).

use crate::support::{Env, Stats};
use contenthub::domain::account::ReviewMode;
use contenthub::domain::{Account, Status, Task, TaskEvent};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v1.db");

/// An environment whose store is a copy of the v1 fixture.
fn v1_store() -> Env {
    let env = Env::new();
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    std::fs::copy(FIXTURE, env.db()).expect("copy tests/data/v1.db");
    env
}

#[test]
fn the_fixture_is_a_single_file_at_version_1() {
    let env = v1_store();
    assert!(
        !std::path::Path::new(&format!("{FIXTURE}-wal")).exists(),
        "commit the fixture without a -wal"
    );
    assert_eq!(env.count("PRAGMA user_version"), 1);
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 8);
}

#[test]
fn a_v1_store_opens_migrates_and_keeps_its_data() {
    let env = v1_store();
    let tables = [
        "accounts",
        "tasks",
        "task_events",
        "counters",
        "task_counts",
    ];
    let rows = |env: &Env| -> Vec<i64> {
        tables
            .iter()
            .map(|t| env.count(&format!("SELECT count(*) FROM {t}")))
            .collect()
    };
    let before = rows(&env);

    let tasks: Vec<Task> = env.json(&["task", "list", "--limit", "0"]);
    assert_eq!(
        env.count("PRAGMA user_version"),
        contenthub::store::SCHEMA_VERSION,
        "migrated on open"
    );
    let ids: Vec<String> = tasks.iter().map(|t| t.id.to_string()).collect();
    let want: Vec<String> = (1..=8)
        .rev()
        .map(|d| format!("task-{d}{d}{d}{d}00000001"))
        .collect();
    assert_eq!(ids, want);
    let statuses: Vec<Status> = tasks.iter().map(|t| t.status).collect();
    use Status::*;
    assert_eq!(
        statuses,
        [Pending, Processing, Pending, Timeout, Cancelled, Failed, Completed, Pending]
    );

    let full: Task = env.json(&["task", "show", "task-1111"]);
    assert_eq!(full.topic, "Pending with everything");
    assert_eq!(full.keywords, ["rust", "sqlite"]);
    assert_eq!(
        (full.priority, full.max_retries, full.timeout_seconds),
        (8, 5, 7200)
    );
    assert_eq!(full.requirements.as_deref(), Some("Be_concrete"));
    assert_eq!(full.tone.as_deref(), Some("friendly"));
    assert_eq!(full.category.as_deref(), Some("tech"));
    assert_eq!(
        full.callback_url.as_deref(),
        Some("https://hooks.example.com/x")
    );
    assert_eq!(full.generator.as_deref(), Some("template"));
    assert_eq!(full.idempotency_key.as_deref(), Some("fixture-1"));
    let failed: Task = env.json(&["task", "show", "task-3333"]);
    assert_eq!(failed.error_message.as_deref(), Some("generator said 400"));
    assert_eq!(failed.retry_count, 3);
    let processing: Task = env.json(&["task", "status", "task-7777"]);
    assert_eq!(
        (processing.progress, processing.current_step.as_deref()),
        (Some(40), Some("writing"))
    );
    let retried: Task = env.json(&["task", "show", "task-6666"]);
    assert_eq!(
        (retried.status, retried.retry_count, retried.event_count),
        (Pending, 1, 3)
    );
    let log: Vec<TaskEvent> = env.json(&["task", "log", "task-6666"]);
    assert_eq!(
        log.iter().map(|e| e.to_status).collect::<Vec<_>>(),
        [Pending, Cancelled, Pending]
    );

    let stats: Stats = env.json(&["task", "stats"]);
    assert_eq!((stats.total, stats.active, stats.finished), (8, 4, 4));
    let counts: Vec<u64> = stats.statuses.iter().map(|s| s.count).collect();
    assert_eq!(counts, [3, 0, 1, 1, 1, 1, 1]);
    assert_eq!(env.ok(["task", "stats", "-q"]), "8\n");

    let accounts: Vec<Account> = env.json(&["account", "list"]);
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0].forbidden_words, ["shocking", "absolutely"]);
    assert_eq!(
        (accounts[0].min_words, accounts[0].max_words),
        (Some(500), Some(1500))
    );
    assert_eq!(accounts[1].language, "en-US");
    assert_eq!(accounts[1].review, ReviewMode::Manual);
    assert_eq!(accounts[0].review, ReviewMode::Auto);
    // Tasks migrate the same way: auto_approve true is `auto`, false `manual`.
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE review <> CASE WHEN auto_approve = 0 THEN 'manual' ELSE 'auto' END"),
        0
    );
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE review = 'manual'"),
        1
    );

    // The tables still render, and every row of version 1 is still there after migrating.
    assert!(env.ok(["task", "list"]).contains("Pending with everything"));
    assert!(env.ok(["task", "stats"]).contains("processing"));
    assert_eq!(rows(&env), before, "rows of {tables:?} after migrating");

    // And it takes new writes.
    env.submit("news", "After the migration", &[]);
    env.ok(["task", "retry", "task-3333", "--force"]);
    env.ok(["task", "cancel", "task-7777"]);
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 9);
    assert_eq!(
        env.count("SELECT value FROM counters WHERE name = 'tasks_submitted_total'"),
        9
    );
}

#[test]
fn a_store_from_a_newer_version_is_refused() {
    let env = Env::new();
    env.account("blog");
    env.submit("blog", "Written by us", &[]);
    env.exec("PRAGMA user_version = 999");
    let before = env.dump();
    for args in [
        vec!["task", "list"],
        vec!["task", "submit", "-a", "blog", "-t", "x"],
        vec!["account", "list"],
    ] {
        let run = env.run(&args).code(1);
        run.stderr_has("schema version 999").stderr_has("newer");
        assert_eq!(run.stdout, "");
    }
    assert_eq!(env.dump(), before, "a newer store is left alone");
    assert_eq!(env.count("PRAGMA user_version"), 999);
}

/// `tests/data/v2.db`: a store at schema version 2, made by `tests/data/make-v2.sh` (tasks in
/// five statuses with their events and counters, content, a callback delivery, a plan).
const FIXTURE_V2: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v2.db");

#[test]
fn a_v2_store_migrates_and_its_history_is_monitored() {
    let env = Env::new();
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    std::fs::copy(FIXTURE_V2, env.db()).expect("copy tests/data/v2.db");
    assert_eq!(env.count("PRAGMA user_version"), 2);
    let before = env.count("SELECT count(*) FROM tasks");
    let claimed = env.count("SELECT count(*) FROM tasks WHERE submitted_at IS NOT NULL");
    let keys_before = env.count("SELECT coalesce(sum(remote_attempts), 0) FROM tasks");
    assert!(claimed > 0, "the fixture has claimed tasks");

    // Health reads without migrating, and says the schema is behind.
    let r = env.run(["monitor", "health"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("older"), "{}", r.stdout);
    assert_eq!(env.count("PRAGMA user_version"), 2);

    // Any other command migrates; the finished tasks of version 2 are in the new index.
    let m: serde_json::Value = env.json(&["monitor", "metrics", "--since", "3650d"]);
    assert_eq!(
        env.count("PRAGMA user_version"),
        contenthub::store::SCHEMA_VERSION
    );
    assert_eq!(
        env.count("SELECT count(*) FROM sqlite_master WHERE name IN ('tasks_finished', 'contents_usage', 'alerts')"),
        3
    );
    assert_eq!(env.count("SELECT count(*) FROM tasks"), before);
    // Schema 4 counts the idempotency keys taken: every task that was ever claimed may have
    // sent the key its old count named, so that key counts as taken and is never sent again.
    assert_eq!(
        env.count("SELECT coalesce(sum(remote_attempts), 0) FROM tasks"),
        keys_before + claimed
    );
    assert_eq!(
        m["finished"],
        serde_json::json!({"completed": 2, "failed": 1, "timeout": 0, "cancelled": 1})
    );
    assert_eq!(m["tasks"]["pending"], 2);
    assert_eq!(m["totals"]["completed"], 2, "counters carried over");
    assert_eq!(m["totals"]["generation_count"], 0, "kept from version 3 on");
    let accounts: Vec<&str> = m["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(accounts, ["blog", "news"]);
    let deliveries: Vec<serde_json::Value> = env.json(&["deliveries", "list"]);
    assert_eq!(deliveries.len(), 1);
    env.ok(["scheduler", "show", "daily"]);
    let r = env.run(["monitor", "alerts", "--notify"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_eq!(env.count("SELECT count(*) FROM alerts"), 4);
}
