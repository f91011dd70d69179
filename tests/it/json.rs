//! Machine-readable output: every read command's `--format json` and `--format ndjson` read
//! back into typed structs that refuse unknown fields, UTC timestamps, and CSV headers that
//! are the JSON keys.

use contenthub::domain::{Account, Status, Task, TaskEvent};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::support::{assert_utc_timestamps, ConfigEntry, Fixture, Stats};

/// Whether a command prints one object or a list of them.
enum Shape {
    One,
    List,
}

struct ReadCommand {
    args: Vec<String>,
    shape: Shape,
    /// Parses the JSON text into the typed structs and returns how many records it held.
    check: fn(&str) -> usize,
}

fn parse<T: DeserializeOwned>(text: &str) -> T {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

fn many<T: DeserializeOwned>(text: &str) -> usize {
    parse::<Vec<T>>(text).len()
}

fn one<T: DeserializeOwned>(text: &str) -> usize {
    parse::<T>(text);
    1
}

fn commands(f: &Fixture) -> Vec<ReadCommand> {
    let cmd = |args: &[&str], shape: Shape, check: fn(&str) -> usize| ReadCommand {
        args: args.iter().map(|s| s.to_string()).collect(),
        shape,
        check,
    };
    vec![
        cmd(&["task", "list", "--limit", "0"], Shape::List, many::<Task>),
        cmd(
            &["task", "list", "--status", "failed"],
            Shape::List,
            many::<Task>,
        ),
        cmd(&["task", "show", &f.failed], Shape::One, one::<Task>),
        cmd(&["task", "status", &f.completed], Shape::One, one::<Task>),
        cmd(
            &["task", "log", &f.cancelled],
            Shape::List,
            many::<TaskEvent>,
        ),
        cmd(&["task", "stats"], Shape::One, one::<Stats>),
        cmd(
            &["task", "stats", "--account", "blog"],
            Shape::One,
            one::<Stats>,
        ),
        cmd(&["account", "list"], Shape::List, many::<Account>),
        cmd(&["account", "show", "blog"], Shape::One, one::<Account>),
        cmd(&["config", "show"], Shape::List, many::<ConfigEntry>),
        cmd(
            &["monitor", "metrics"],
            Shape::One,
            one::<contenthub::monitor::metrics::Metrics>,
        ),
        cmd(
            &["monitor", "stats", "--days", "3"],
            Shape::List,
            many::<contenthub::monitor::stats::DayStats>,
        ),
    ]
}

/// Drops the fields that move with the clock between two runs.
fn without_clock(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for k in [
                "generated_at",
                "since",
                "until",
                "oldest_pending_age_seconds",
            ] {
                m.remove(k);
            }
            m.values_mut().for_each(without_clock);
        }
        Value::Array(a) => a.iter_mut().for_each(without_clock),
        _ => {}
    }
}

#[test]
pub(crate) fn every_read_command_round_trips_through_typed_structs() {
    let f = Fixture::new();
    for c in commands(&f) {
        let mut args = c.args.clone();
        args.extend(["--format".into(), "json".into()]);
        let json = f.env.ok(&args);
        let n = (c.check)(&json);
        assert!(n > 0, "{args:?} printed nothing:\n{json}");

        // NDJSON: one compact JSON value per line, each of the same type as a JSON element.
        let mut args = c.args.clone();
        args.extend(["--format".into(), "ndjson".into()]);
        let ndjson = f.env.ok(&args);
        let lines: Vec<&str> = ndjson.lines().collect();
        match c.shape {
            Shape::List => {
                assert_eq!(lines.len(), n, "{args:?}");
                let joined = format!("[{}]", lines.join(","));
                assert_eq!((c.check)(&joined), n, "{args:?}");
            }
            Shape::One => {
                assert_eq!(lines.len(), 1, "{args:?}:\n{ndjson}");
                (c.check)(lines[0]);
            }
        }
        let mut from_json: Value = parse(&json);
        let mut from_ndjson: Value = match c.shape {
            Shape::List => Value::Array(lines.iter().map(|l| parse(l)).collect()),
            Shape::One => parse(lines[0]),
        };
        // Two runs of `monitor metrics` a few milliseconds apart differ only in the clock.
        without_clock(&mut from_json);
        without_clock(&mut from_ndjson);
        assert_eq!(
            from_json, from_ndjson,
            "{:?}: json and ndjson disagree",
            c.args
        );
    }
}

#[test]
pub(crate) fn typed_fields_hold_the_right_values() {
    let f = Fixture::new();
    let failed: Task = f.env.json(&["task", "show", &f.failed]);
    assert_eq!(failed.status, Status::Failed);
    assert_eq!(failed.keywords, ["rust", "sqlite"]);
    assert_eq!(failed.account, "blog");
    let stats: Stats = f.env.json(&["task", "stats"]);
    assert_eq!(stats.total, 7);
    assert_eq!(stats.active + stats.finished, stats.total);
    assert_eq!(stats.statuses.len(), 7);
    assert!(stats
        .statuses
        .iter()
        .all(|s| (0.0..=1.0).contains(&s.share)));
    assert_eq!(
        stats.statuses.iter().map(|s| s.status).collect::<Vec<_>>(),
        Status::ALL
    );
    assert_eq!(stats.statuses.iter().map(|s| s.count).sum::<u64>(), 7);
    let config: Vec<ConfigEntry> = f.env.json(&["config", "show"]);
    assert!(config
        .iter()
        .any(|e| e.key == "tasks.priority" && e.value == "5" && e.source == "default"));
    let log: Vec<TaskEvent> = f.env.json(&["task", "log", &f.cancelled]);
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].to_status, Status::Cancelled);
}

#[test]
pub(crate) fn timestamps_are_utc_rfc3339_with_z() {
    let f = Fixture::new();
    for args in [
        vec!["task", "list", "--limit", "0"],
        vec!["task", "show", &f.completed],
        vec!["task", "log", &f.cancelled],
        vec!["account", "list"],
        vec!["account", "show", "news"],
    ] {
        let mut all = args.clone();
        all.extend(["--format", "json"]);
        let v: Value = parse(&f.env.ok(&all));
        assert_utc_timestamps(&v);
    }
    // Every timestamp of a task is one, set or not, and set ones are the stored instant.
    let v: Value = parse(&f.env.ok(["task", "show", &f.completed, "--format", "json"]));
    let obj = v.as_object().unwrap();
    for key in [
        "created_at",
        "updated_at",
        "completed_at",
        "next_attempt_at",
        "deadline_at",
    ] {
        assert!(obj[key].is_string(), "{key} is {}", obj[key]);
    }
    for key in ["submitted_at", "started_at", "lease_expires_at"] {
        assert!(obj[key].is_null(), "{key} is {}", obj[key]);
    }
    let stored = f.env.count(&format!(
        "SELECT created_at FROM tasks WHERE id = {}",
        crate::support::raw_id(&f.completed)
    ));
    let shown = chrono::DateTime::parse_from_rfc3339(obj["created_at"].as_str().unwrap()).unwrap();
    assert_eq!(shown.timestamp_millis(), stored);
    // No value relative to now.
    let text = v.to_string();
    assert!(!text.contains(" ago"), "{text}");
}

/// The CSV header of a list is the key order of the JSON objects, and every row has a cell
/// per key.
fn assert_csv_matches_json(f: &Fixture, args: &[&str], json_rows: impl Fn(Value) -> Vec<Value>) {
    let mut csv_args = args.to_vec();
    csv_args.extend(["--format", "csv"]);
    let csv_text = f.env.ok(&csv_args);
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let rows = json_rows(parse(&f.env.ok(&json_args)));
    assert!(!rows.is_empty(), "{args:?}");
    let keys: Vec<String> = rows[0]
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();

    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, keys, "{args:?}");
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("valid CSV");
    assert_eq!(records.len(), rows.len(), "{args:?}");
    for (record, row) in records.iter().zip(&rows) {
        assert_eq!(record.len(), keys.len());
        for (cell, key) in record.iter().zip(&keys) {
            match &row[key] {
                Value::Null => assert_eq!(cell, "", "{key}"),
                Value::String(s) => assert_eq!(cell, s, "{key}"),
                Value::Number(n) => assert_eq!(cell, n.to_string(), "{key}"),
                Value::Bool(b) => assert_eq!(cell, b.to_string(), "{key}"),
                Value::Array(items) => {
                    let joined: Vec<String> = items
                        .iter()
                        .map(|i| i.as_str().unwrap_or_default().to_string())
                        .collect();
                    assert_eq!(cell, joined.join(","), "{key}");
                }
                Value::Object(_) => panic!("{key}: no nested objects expected"),
            }
        }
    }
}

#[test]
pub(crate) fn csv_headers_are_the_json_keys() {
    let f = Fixture::new();
    let as_list = |v: Value| v.as_array().expect("an array").clone();
    let as_one = |v: Value| vec![v];
    assert_csv_matches_json(&f, &["task", "list", "--limit", "0"], as_list);
    assert_csv_matches_json(&f, &["task", "show", &f.failed], as_one);
    assert_csv_matches_json(&f, &["task", "log", &f.cancelled], as_list);
    assert_csv_matches_json(&f, &["account", "list"], as_list);
    assert_csv_matches_json(&f, &["account", "show", "blog"], as_one);
    assert_csv_matches_json(&f, &["config", "show"], as_list);
    // `task stats` is an object in JSON and its per-status rows in CSV.
    assert_csv_matches_json(&f, &["task", "stats"], |v| {
        v["statuses"].as_array().expect("statuses").clone()
    });
}

#[test]
pub(crate) fn json_lists_are_arrays_even_when_empty() {
    let env = crate::support::Env::new();
    for args in [["task", "list"], ["account", "list"]] {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let v: Value = parse(&env.ok(&all));
        assert_eq!(v, Value::Array(vec![]), "{args:?}");
        let mut all = args.to_vec();
        all.extend(["--format", "ndjson"]);
        assert_eq!(env.ok(&all), "", "{args:?}");
    }
}

/// The JSON keys are an interface scripts rely on: adding, renaming or dropping one must be
/// a deliberate change that updates this list (and the changelog).
#[test]
pub(crate) fn json_keys_are_stable_snake_case() {
    let f = Fixture::new();
    let keys = |args: &[&str]| -> Vec<String> {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let v: Value = parse(&f.env.ok(&all));
        let obj = if v.is_array() { v[0].clone() } else { v };
        obj.as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect()
    };
    let task = keys(&["task", "show", &f.failed]);
    assert_eq!(
        task,
        [
            "id",
            "account",
            "account_id",
            "topic",
            "keywords",
            "category",
            "requirements",
            "tone",
            "priority",
            "review",
            "regenerations",
            "max_retries",
            "retry_count",
            "timeout_seconds",
            "callback_url",
            "generator",
            "idempotency_key",
            "plan_id",
            "plan_run_id",
            "status",
            "remote_job_id",
            "progress",
            "current_step",
            "lease_owner",
            "lease_expires_at",
            "next_attempt_at",
            "deadline_at",
            "error_kind",
            "error_message",
            "content_id",
            "event_count",
            "created_at",
            "submitted_at",
            "started_at",
            "completed_at",
            "updated_at",
            "callback_delivery",
        ]
    );
    assert_eq!(
        keys(&["task", "list"]),
        task,
        "a list holds the same objects as show"
    );
    assert_eq!(
        keys(&["task", "log", &f.failed]),
        [
            "task_id",
            "occurred_at",
            "from_status",
            "to_status",
            "message",
            "by"
        ]
    );
    let account = keys(&["account", "show", "blog"]);
    assert_eq!(
        account,
        [
            "id",
            "name",
            "display_name",
            "platform",
            "language",
            "tone",
            "category",
            "persona",
            "min_words",
            "max_words",
            "forbidden_words",
            "review",
            "review_rules",
            "created_at",
            "updated_at",
        ]
    );
    assert_eq!(keys(&["account", "list"]), account);
    assert_eq!(
        keys(&["task", "stats"]),
        ["total", "active", "finished", "statuses"]
    );
    assert_eq!(keys(&["config", "show"]), ["key", "value", "source"]);
    for key in task.iter().chain(&account) {
        assert!(
            key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{key} is not snake_case"
        );
    }
}
