//! `contenthub store`: info, check, backup and restore against real stores, damaged ones and a
//! running daemon; and the store's error messages and schema-version refusals.

use std::collections::HashSet;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use contenthub::store::SCHEMA_VERSION;
use rusqlite::{Connection, OpenFlags};
use serde::Deserialize;

use crate::support::{is_task_id, raw_id, serial, wait_until, Env, Fixture};

/// `store info --format json`, field by field: a change to its shape fails here.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Info {
    path: String,
    db_bytes: u64,
    wal_bytes: u64,
    wal_frames: u64,
    page_size: i64,
    pages: i64,
    free_pages: i64,
    schema_version: i64,
    schema: String,
    tasks: Vec<Count>,
    tasks_total: i64,
    last_checkpoint_at: Option<String>,
    wal_checkpoint_seq: Option<u32>,
    last_checkpoint: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Count {
    status: String,
    count: i64,
}

/// `store check --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    path: String,
    ok: bool,
    schema_version: Option<i64>,
    tasks: Option<i64>,
    checks: Vec<CheckRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRow {
    check: String,
    ok: bool,
    details: Vec<String>,
}

impl Report {
    fn check(&self, name: &str) -> &CheckRow {
        self.checks
            .iter()
            .find(|c| c.check == name)
            .unwrap_or_else(|| panic!("no check {name} in {self:?}"))
    }
}

/// `store backup` / `store restore --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Copied {
    path: String,
    from: String,
    bytes: u64,
    tasks: i64,
    schema_version: i64,
    before_restore: Option<String>,
}

fn wal_len(db: &Path) -> u64 {
    std::fs::metadata(format!("{}-wal", db.display()))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// `store check --format json` on `db`, with its exit code.
fn check(env: &Env, db: &Path) -> (i32, Report) {
    let run = env.run([
        "--db",
        db.to_str().unwrap(),
        "store",
        "check",
        "--format",
        "json",
    ]);
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}\n{}\n{}", run.stdout, run.stderr));
    (run.code, report)
}

fn open(db: &Path) -> Connection {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE).unwrap()
}

fn task_ids_in(db: &Path) -> HashSet<i64> {
    let conn = open(db);
    let mut stmt = conn.prepare("SELECT id FROM tasks").unwrap();
    let ids = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    ids
}

// ---------------------------------------------------------------------------------------------
// store info

#[test]
fn info_shows_sizes_schema_tasks_and_the_last_truncation() {
    let f = Fixture::new();
    let env = &f.env;
    // A command of our own leaves its write-ahead log in place.
    env.submit("blog", "One more", &[]);
    let db = env.db();
    let info: Info = env.json(&["store", "info"]);
    assert_eq!(info.path, db.display().to_string());
    assert_eq!(info.db_bytes, std::fs::metadata(&db).unwrap().len());
    assert!(info.wal_bytes > 0);
    assert_eq!(info.wal_bytes, wal_len(&db));
    assert_eq!(
        info.wal_frames,
        (info.wal_bytes - 32) / (info.page_size as u64 + 24)
    );
    assert!(info.pages > 0 && info.free_pages >= 0);
    assert_eq!(info.schema_version, SCHEMA_VERSION);
    assert_eq!(info.schema, "current");
    let counts: Vec<(&str, i64)> = info
        .tasks
        .iter()
        .map(|c| (c.status.as_str(), c.count))
        .collect();
    assert_eq!(
        counts,
        [
            ("pending", 3),
            ("submitted", 0),
            ("processing", 1),
            ("completed", 1),
            ("failed", 1),
            ("timeout", 1),
            ("cancelled", 1)
        ]
    );
    assert_eq!(info.tasks_total, 8);
    assert_eq!(
        info.last_checkpoint_at, None,
        "not known while the log holds frames"
    );
    assert!(info.wal_checkpoint_seq.is_some());
    assert!(info.last_checkpoint.contains("not recorded"), "{info:?}");

    // A completed truncating checkpoint (what a big write ends with) is dated by the log.
    let conn = open(&db);
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .unwrap();
    let busy: i64 = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
        .unwrap();
    assert_eq!(busy, 0);
    drop(conn);
    let info: Info = env.json(&["store", "info"]);
    assert_eq!(info.wal_bytes, 0);
    let at =
        chrono::DateTime::parse_from_rfc3339(info.last_checkpoint_at.as_deref().unwrap()).unwrap();
    let age = chrono::Utc::now().signed_duration_since(at);
    assert!(age.num_seconds().abs() < 60, "checkpoint dated {at}");

    let table = env.ok(["store", "info"]);
    for needle in [
        "write-ahead log",
        "last checkpoint",
        "tasks pending",
        "3",
        "(current)",
    ] {
        assert!(table.contains(needle), "{needle:?} missing:\n{table}");
    }
}

#[test]
fn info_and_check_of_a_missing_store_create_nothing() {
    let env = Env::new();
    env.run(["store", "info"])
        .code(3)
        .stderr_has("store not found");
    env.run(["store", "check"]).code(3);
    assert!(!env.db().exists());
}

// ---------------------------------------------------------------------------------------------
// store check

#[test]
fn check_passes_a_sound_store_with_every_check_in_json() {
    let f = Fixture::new();
    let (code, report) = check(&f.env, &f.env.db());
    assert_eq!(code, 0, "{report:?}");
    assert!(report.ok);
    assert_eq!(report.path, f.env.db().display().to_string());
    assert_eq!(report.schema_version, Some(SCHEMA_VERSION));
    assert_eq!(report.tasks, Some(7));
    let names: Vec<&str> = report.checks.iter().map(|c| c.check.as_str()).collect();
    assert_eq!(
        names,
        [
            "schema_version",
            "integrity_check",
            "foreign_key_check",
            "task_counts"
        ]
    );
    assert!(report.checks.iter().all(|c| c.ok));
    assert_eq!(report.check("integrity_check").details, ["ok"]);
    let table = f.env.ok(["store", "check"]);
    assert!(
        table.contains("task_counts") && table.contains("yes"),
        "{table}"
    );
}

#[test]
fn check_finds_a_task_count_that_disagrees_with_the_tasks() {
    let f = Fixture::new();
    f.env
        .exec("UPDATE task_counts SET n = n + 5 WHERE status = 'failed'");
    let (code, report) = check(&f.env, &f.env.db());
    assert_eq!(code, 1, "{report:?}");
    assert!(!report.ok);
    let counts = report.check("task_counts");
    assert!(!counts.ok);
    assert_eq!(
        counts.details,
        ["failed: task_counts says 6, the tasks table holds 1"]
    );
    assert!(report.check("integrity_check").ok);
    let run = f.env.run(["store", "check"]);
    run.stderr_has("is damaged: task_counts: failed: task_counts says 6");
}

#[test]
fn check_finds_a_dangling_foreign_key() {
    let f = Fixture::new();
    let conn = f.env.conn();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         UPDATE tasks SET account_id = 99 WHERE id = (SELECT min(id) FROM tasks);",
    )
    .unwrap();
    drop(conn);
    let (code, report) = check(&f.env, &f.env.db());
    assert_eq!(code, 1);
    let fk = report.check("foreign_key_check");
    assert!(!fk.ok);
    assert!(
        fk.details[0].starts_with("tasks row") && fk.details[0].ends_with("of accounts"),
        "{fk:?}"
    );
}

/// Overwrites the middle of the `tasks` table's root page with garbage.
fn damage_tasks_page(db: &Path) {
    let (root, page_size): (i64, i64) = {
        let conn = open(db);
        let root = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'tasks'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let size = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        (root, size)
    };
    let mut file = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    file.seek(SeekFrom::Start(((root - 1) * page_size) as u64))
        .unwrap();
    file.write_all(&[0xa5; 64]).unwrap();
    file.sync_all().unwrap();
}

#[test]
fn check_finds_a_damaged_page_and_restore_refuses_it() {
    let f = Fixture::new();
    let env = &f.env;
    let copy = env.path().join("damaged.db");
    env.ok(["store", "backup", copy.to_str().unwrap()]);
    damage_tasks_page(&copy);
    let (code, report) = check(env, &copy);
    assert_eq!(code, 1, "{report:?}");
    assert!(!report.ok);
    assert!(
        !report.check("integrity_check").ok,
        "integrity_check passed a damaged page: {report:?}"
    );

    let before = env.dump();
    let run = env.run(["store", "restore", copy.to_str().unwrap(), "--yes"]);
    run.code(2).stderr_has("it is damaged");
    assert_eq!(env.dump(), before, "a refused restore changed the store");
    assert!(!env
        .path()
        .join("store/contenthub.db.before-restore")
        .exists());
}

#[test]
fn unknown_schema_versions_fail_the_check_and_a_negative_one_is_never_rewritten() {
    let env = Env::new();
    env.account("blog");
    env.exec(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1));
    let (code, report) = check(&env, &env.db());
    assert_eq!(code, 1);
    let v = report.check("schema_version");
    assert!(!v.ok);
    assert!(v.details[0].contains("newer"), "{v:?}");

    env.exec("PRAGMA user_version = -1");
    let (code, report) = check(&env, &env.db());
    assert_eq!(code, 1);
    assert!(report.check("schema_version").details[0].contains("unknown"));
    // A command that opens the store for writing refuses it and leaves the version alone.
    env.run(["task", "list"])
        .code(1)
        .stderr_has("has schema version -1");
    assert_eq!(env.count("PRAGMA user_version"), -1);
}

// ---------------------------------------------------------------------------------------------
// store backup

#[test]
fn backup_writes_a_private_checked_copy_and_refuses_an_existing_file_unless_force() {
    let f = Fixture::new();
    let env = &f.env;
    let dir = env.path().join("backups");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("b.db");
    let out: Copied = env.json(&["store", "backup", file.to_str().unwrap()]);
    assert_eq!(out.path, file.display().to_string());
    assert_eq!(out.from, env.db().display().to_string());
    assert_eq!(out.tasks, 7);
    assert_eq!(out.schema_version, SCHEMA_VERSION);
    assert_eq!(out.bytes, std::fs::metadata(&file).unwrap().len());
    assert_eq!(out.before_restore, None);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(check(env, &file).0, 0);
    assert_eq!(task_ids_in(&file), task_ids_in(&env.db()));

    env.submit("blog", "After the first backup", &[]);
    let first = std::fs::read(&file).unwrap();
    env.run(["store", "backup", file.to_str().unwrap()])
        .code(4)
        .stderr_has("already exists; pass --force");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        first,
        "a refused backup wrote"
    );

    let table = env.ok(["store", "backup", file.to_str().unwrap(), "--force"]);
    assert!(table.contains("tasks") && table.contains('8'), "{table}");
    assert_eq!(task_ids_in(&file).len(), 8);
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["b.db"], "temporary files left behind");

    // Never over the store itself, whatever the path says.
    let db = env.db();
    let same = db.parent().unwrap().join("../store/contenthub.db");
    let before = env.dump();
    env.run(["store", "backup", same.to_str().unwrap(), "--force"])
        .code(2)
        .stderr_has("is the store's own file");
    assert_eq!(env.dump(), before);
}

/// Eight processes submit in loops and the daemon works while `store backup` runs: the copy
/// passes `store check` and holds every task acknowledged before the backup began.
#[test]
fn a_backup_taken_under_eight_writers_and_the_daemon_holds_every_acknowledged_task() {
    let _serial = serial();
    const WRITERS: usize = 8;
    const DEADLINE: Duration = Duration::from_secs(90);
    let env = Env::new();
    env.config("[daemon]\npoll_interval = \"100ms\"\nmax_concurrent = 8\n");
    env.account("blog");
    let mut daemon = env.spawn(&["daemon", "run"], &[]);
    wait_until("the daemon runs", Duration::from_secs(15), || {
        env.run(["daemon", "status"]).code == 0
    });

    let start = Instant::now();
    let stop = AtomicBool::new(false);
    // (when its submit returned, id) for every acknowledged task.
    let acked: Mutex<Vec<(Instant, String)>> = Mutex::new(Vec::new());
    let problems: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let copy = env.path().join("live.db");
    let backup_began = std::thread::scope(|s| {
        for w in 0..WRITERS {
            let (env, stop, acked, problems) = (&env, &stop, &acked, &problems);
            s.spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) && start.elapsed() < DEADLINE {
                    let topic = format!("writer {w} task {i}");
                    let run = env.run(["task", "submit", "-q", "-a", "blog", "-t", &topic]);
                    let id = run.stdout.trim().to_string();
                    if run.code == 0 && is_task_id(&id) {
                        acked.lock().unwrap().push((Instant::now(), id));
                    } else {
                        problems
                            .lock()
                            .unwrap()
                            .push(format!("writer {w}: exit {}: {}", run.code, run.stderr));
                    }
                    i += 1;
                }
            });
        }
        wait_until(
            "the writers have queued 80 tasks",
            Duration::from_secs(60),
            || acked.lock().unwrap().len() >= 80,
        );
        // The copy is to catch the daemon at work too.
        wait_until(
            "the daemon has taken a task",
            Duration::from_secs(30),
            || env.count("SELECT count(*) FROM tasks WHERE status <> 'pending'") > 0,
        );
        let began = Instant::now();
        env.ok(["store", "backup", copy.to_str().unwrap()]);
        // Keep writing a little after the copy, then stop.
        let after = acked.lock().unwrap().len();
        wait_until(
            "the writers go on after the backup",
            Duration::from_secs(60),
            || acked.lock().unwrap().len() >= after + 16,
        );
        stop.store(true, Ordering::Relaxed);
        began
    });
    daemon.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(
        daemon.exit_code(Duration::from_secs(30)),
        0,
        "{}",
        daemon.log()
    );
    let problems = problems.into_inner().unwrap();
    assert!(problems.is_empty(), "{problems:#?}");

    let (code, report) = check(&env, &copy);
    assert_eq!(code, 0, "{report:?}");
    let in_copy = task_ids_in(&copy);
    let acked = acked.into_inner().unwrap();
    let before: Vec<&String> = acked
        .iter()
        .filter(|(at, _)| *at < backup_began)
        .map(|(_, id)| id)
        .collect();
    assert!(before.len() >= 80);
    let missing: Vec<&&String> = before
        .iter()
        .filter(|id| !in_copy.contains(&raw_id(id)))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged tasks missing from the backup, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert_eq!(report.tasks, Some(in_copy.len() as i64));
    // The daemon was working meanwhile: the copy caught tasks past pending.
    let worked = open(&copy)
        .query_row(
            "SELECT count(*) FROM tasks WHERE status <> 'pending'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    assert!(worked > 0, "the daemon did nothing before the backup");
}

// ---------------------------------------------------------------------------------------------
// store restore

#[test]
fn restore_puts_a_backup_in_place_and_keeps_the_store_it_replaces() {
    let f = Fixture::new();
    let env = &f.env;
    let file = env.path().join("b.db");
    env.ok(["store", "backup", file.to_str().unwrap()]);
    let backed_up = task_ids_in(&file);
    let later = env.submit("blog", "Written after the backup", &[]);
    let current = env.dump();

    // No terminal and no --yes: refused before anything changes.
    env.run(["store", "restore", file.to_str().unwrap()])
        .code(2)
        .stderr_has("pass --yes");
    assert_eq!(env.dump(), current);

    let out: Copied = env.json(&["store", "restore", file.to_str().unwrap(), "--yes"]);
    let db = env.db();
    let kept = env.path().join("store/contenthub.db.before-restore");
    assert_eq!(out.path, db.display().to_string());
    assert_eq!(out.tasks, 7);
    assert_eq!(out.before_restore, Some(kept.display().to_string()));
    assert_eq!(task_ids_in(&db), backed_up);
    assert!(!task_ids_in(&db).contains(&raw_id(&later)));
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // The replaced store is whole on its own: its log was copied into it.
    assert_eq!(crate::support::dump(&kept), current);
    assert_eq!(check(env, &kept).0, 0);
    // The restored store works.
    env.submit("blog", "After the restore", &[]);
    assert_eq!(check(env, &db).0, 0);

    // A second restore would overwrite the kept store: refused.
    env.run(["store", "restore", file.to_str().unwrap(), "--yes"])
        .code(4)
        .stderr_has("before-restore exists");
}

#[test]
fn restore_refuses_a_backup_from_a_newer_schema() {
    let f = Fixture::new();
    let env = &f.env;
    let file = env.path().join("b.db");
    env.ok(["store", "backup", file.to_str().unwrap()]);
    open(&file)
        .execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
        .unwrap();
    let before = env.dump();
    env.run(["store", "restore", file.to_str().unwrap(), "--yes"])
        .code(2)
        .stderr_has("written by a newer contenthub");
    assert_eq!(env.dump(), before);
}

#[test]
fn restore_is_refused_while_a_daemon_holds_the_store() {
    let f = Fixture::new();
    let env = &f.env;
    let file = env.path().join("b.db");
    env.ok(["store", "backup", file.to_str().unwrap()]);
    let mut daemon = env.spawn(&["daemon", "run"], &[]);
    wait_until("the daemon runs", Duration::from_secs(15), || {
        env.run(["daemon", "status"]).code == 0
    });
    env.run(["store", "restore", file.to_str().unwrap(), "--yes"])
        .code(4)
        .stderr_has("a daemon is running");
    assert!(!env
        .path()
        .join("store/contenthub.db.before-restore")
        .exists());
    daemon.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(
        daemon.exit_code(Duration::from_secs(30)),
        0,
        "{}",
        daemon.log()
    );
    // Once it has stopped, the same restore goes through.
    env.ok(["store", "restore", file.to_str().unwrap(), "--yes"]);
}

// ---------------------------------------------------------------------------------------------
// Messages

#[test]
fn a_store_error_says_its_cause_once() {
    let env = Env::new();
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    std::fs::write(env.db(), "this is not a database; ".repeat(200)).unwrap();
    let run = env.run(["task", "list"]);
    let run = run.code(1);
    let message = run.stderr.trim().strip_prefix("error: ").unwrap();
    let parts: Vec<&str> = message.split(": ").collect();
    assert!(
        parts.windows(2).all(|w| w[0] != w[1]),
        "a repeated segment in {message:?}"
    );
    assert!(
        !message.contains("Error code"),
        "the code's description repeats the message: {message:?}"
    );
    assert_eq!(message, "store: file is not a database");
}

#[test]
pub(crate) fn task_log_shows_a_retry_delay_as_it_is() {
    let env = Env::new();
    // 1.5 s ± 20 %: between 1.2 and 1.8 s, never a whole number of seconds but 1.2 itself.
    env.config(
        "[daemon]\npoll_interval = \"100ms\"\nretry_delays = [\"1500ms\"]\n\n\
         [generators.flaky]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"echo try later >&2; exit 1\"]\n",
    );
    env.account("blog");
    let id = env.submit(
        "blog",
        "Retried",
        &["--generator", "flaky", "--max-retries", "1"],
    );
    env.run(["daemon", "run", "--until-idle"]);
    let log = env.ok(["task", "log", &id]);
    let line = log
        .lines()
        .find(|l| l.contains("retry 1 of 1 in "))
        .unwrap_or_else(|| panic!("no retry in the log:\n{log}"));
    let after = line.split("retry 1 of 1 in ").nth(1).unwrap();
    let secs: f64 = after
        .split('s')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|e| panic!("{e}: {line}"));
    assert!(
        (1.2..=1.8).contains(&secs),
        "a 1.5 s ± 20 % delay shown as {secs} s: {line}"
    );
}

// ---------------------------------------------------------------------------------------------
// store copy

/// A store with a row of every kind `store copy` carries: accounts, tasks in several statuses
/// with their events, content, a plan with a fired slot, deliveries, counters, meta and an
/// alert's state, and generation steps (one of the content's, one of a pending task).
pub fn every_kind_of_row() -> Fixture {
    let f = Fixture::new();
    let env = &f.env;
    env.ok([
        "scheduler",
        "add",
        "morning",
        "--cron",
        "0 8 * * *",
        "-a",
        "blog",
        "--topic",
        "Daily",
    ]);
    let completed = raw_id(&f.completed);
    let pending = raw_id(&f.pending);
    env.exec(&format!(
        "INSERT INTO contents (task_id, account_id, title, body, images, word_count, quality_score,
                               generator, model, prompt_tokens, completion_tokens, review_status,
                               created_at, updated_at, topic, keywords)
             SELECT {completed}, account_id, 'A title', 'The body, 中文 too', '[\"a.png\"]', 640,
                    0.875, 'template', 'm-1', 120, 640, 'approved', created_at, updated_at,
                    topic, keywords
             FROM tasks WHERE id = {completed};
         UPDATE tasks SET content_id = last_insert_rowid() WHERE id = {completed};
         INSERT INTO task_steps (task_seq, content_id, step, attempt, profile, model,
                                 prompt_tokens, completion_tokens, started_at, finished_at, body)
             SELECT NULL, content_id, 'outline', 1, 'writer', 'm-1', 10, 20, 1700000000000,
                    1700000000100, '# A title' FROM tasks WHERE id = {completed};
         INSERT INTO task_steps (task_seq, content_id, step, attempt, profile, model,
                                 prompt_tokens, completion_tokens, started_at, finished_at, body)
             SELECT seq, NULL, 'outline', 2, 'writer', NULL, NULL, NULL, 1700000000000,
                    1700000000100, '# Pending' FROM tasks WHERE id = {pending};
         INSERT INTO plan_runs (plan_id, scheduled_for, fired_at, manual, tasks, status, message)
             SELECT id, 1700000000000, 1700000000500, 1, 2, 'fired', NULL FROM plans;
         INSERT INTO deliveries (event, task_id, url, body, status, attempts, next_attempt_at,
                                 last_status_code, last_error, created_at, sent_at, updated_at)
             VALUES ('task.completed', {completed}, 'http://127.0.0.1:9/hook', '{{}}', 'sent', 1,
                     1700000000000, 200, NULL, 1700000000000, 1700000000100, 1700000000100),
                    ('task.failed', NULL, 'http://127.0.0.1:9/hook', '{{\"a\":1}}', 'failed', 5,
                     1700000000000, 500, 'server error', 1700000000000, NULL, 1700000000000);
         INSERT INTO counters (name, labels, value) VALUES ('tokens', 'model=m-1', 760);
         INSERT INTO meta (key, value) VALUES ('scheduler_last_run_at', '1700000000000');
         INSERT INTO alerts (name, state, value, since, notified_at, evaluated_at)
             VALUES ('queue_stuck', 'firing', 2.5, 1700000000000, 1700000000100, 1700000000200);
         INSERT INTO daemons (id, pid, host, version, started_at, last_beat_at, stopped_at,
                              in_flight, max_concurrent, scheduler)
             VALUES ('old-daemon', 1, 'elsewhere', '0.0.1', 1, 2, 3, 0, 4, 0);"
    ));
    f
}

/// What the commands show of a store, for comparing two stores.
pub fn views(env: &Env, db: &Path) -> Vec<(String, serde_json::Value)> {
    let db = db.to_str().unwrap();
    let lists: &[&[&str]] = &[
        &["task", "list", "--limit", "1000"],
        &["task", "stats"],
        &["content", "list"],
        &["scheduler", "list"],
        &["monitor", "stats"],
        &["deliveries", "list"],
        &["account", "list"],
    ];
    lists
        .iter()
        .map(|args| {
            let mut all = vec!["--db", db];
            all.extend(args.iter());
            let v: serde_json::Value = env.json(&all);
            (args.join(" "), v)
        })
        .collect()
}

/// Row counts of every table of an SQLite store but the transient ones.
pub fn sqlite_rows(db: &Path) -> Vec<(String, i64)> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
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
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap();
        (t.to_string(), n)
    })
    .collect()
}

#[test]
fn copy_sqlite_to_sqlite_shows_the_same_store() {
    let f = every_kind_of_row();
    let env = &f.env;
    let copy = env.path().join("copy").join("copy.db");
    let out = env.ok([
        "store",
        "copy",
        "--to",
        copy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    let tasks = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "tasks")
        .unwrap();
    assert_eq!(
        (tasks["source"].as_i64(), tasks["target"].as_i64()),
        (Some(7), Some(7))
    );
    assert_eq!(views(env, &env.db()), views(env, &copy));
    assert_eq!(sqlite_rows(&env.db()), sqlite_rows(&copy));
    // Transient rows stay behind.
    let conn = Connection::open(&copy).unwrap();
    let daemons: i64 = conn
        .query_row("SELECT count(*) FROM daemons", [], |r| r.get(0))
        .unwrap();
    assert_eq!(daemons, 0);
    // The events of a task, with their ids, and the copy goes on numbering after them.
    let log = |db: &Path| -> serde_json::Value {
        env.json(&["--db", db.to_str().unwrap(), "task", "log", &f.cancelled])
    };
    assert_eq!(log(&env.db()), log(&copy));
    drop(conn);
    env.ok(["--db", copy.to_str().unwrap(), "account", "add", "later"]);
    env.ok(["--db", copy.to_str().unwrap(), "store", "check"]);
}

#[test]
fn copy_refuses_a_target_that_holds_rows_unless_forced() {
    let f = every_kind_of_row();
    let env = &f.env;
    let other = Env::new();
    other.account("someone");
    other.submit("someone", "Their task", &[]);
    let target = other.db();
    let before = other.dump();
    env.run(["store", "copy", "--to", target.to_str().unwrap()])
        .code(4)
        .stderr_has("already holds rows");
    assert_eq!(other.dump(), before, "nothing changed");
    env.ok(["store", "copy", "--to", target.to_str().unwrap(), "--force"]);
    assert_eq!(views(env, &env.db()), views(env, &target));
    assert_eq!(sqlite_rows(&env.db()), sqlite_rows(&target));
    // The store itself is no target.
    env.run([
        "store",
        "copy",
        "--to",
        env.db().to_str().unwrap(),
        "--force",
    ])
    .code(2)
    .stderr_has("is the store itself");
}

#[test]
fn copy_is_refused_while_a_daemon_runs_on_the_source() {
    let f = Fixture::new();
    let env = &f.env;
    let target = env.path().join("copy.db");
    let mut daemon = env.spawn(&["daemon", "run"], &[]);
    wait_until("the daemon runs", Duration::from_secs(15), || {
        env.run(["daemon", "status"]).code == 0
    });
    env.run(["store", "copy", "--to", target.to_str().unwrap()])
        .code(4)
        .stderr_has("a daemon is running on the source store");
    daemon.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(
        daemon.exit_code(Duration::from_secs(30)),
        0,
        "{}",
        daemon.log()
    );
    env.ok(["store", "copy", "--to", target.to_str().unwrap()]);
}
