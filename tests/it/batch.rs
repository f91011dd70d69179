//! `kind = "openai-batch"` profiles against a mock Batch API in this process: a batch that
//! completes after a while with a mix of successes, a per-line error and a lost line; a
//! `kill -9` of the daemon between the upload and the batch's end, after which the next
//! daemon re-polls the batch instead of uploading its tasks again; an expired batch, whose
//! tasks go back to the queue with a retry counted and finish in a new one; and tasks whose
//! deadline is shorter than the batch window.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::mock::{prompt_of, Server, Traffic};
use crate::support::{raw_id, serial, wait_until, Env};

/// One batch the mock holds.
struct MockBatch {
    id: String,
    input: String,
    created: Instant,
    /// Its final status once it ended, with its output and error files.
    ended: Option<(&'static str, Option<String>, Option<String>)>,
}

/// How the mock Batch API behaves.
#[derive(Default)]
struct Api {
    /// How long a batch runs.
    delay: Duration,
    /// How many of the first batches expire instead of completing.
    expire: usize,
    /// Input files by id: their request lines.
    inputs: HashMap<String, Vec<Value>>,
    /// Output and error files by id.
    outputs: HashMap<String, String>,
    batches: Vec<MockBatch>,
    /// Tasks whose line a batch already lost once.
    lost: HashSet<String>,
}

type Shared = Arc<Mutex<Api>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, Api> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

struct BatchApi {
    server: Server,
    traffic: Arc<Traffic>,
    state: Shared,
}

impl BatchApi {
    fn start(delay: Duration, expire: usize) -> BatchApi {
        let state: Shared = Arc::new(Mutex::new(Api {
            delay,
            expire,
            ..Api::default()
        }));
        let app = Router::new()
            .route("/v1/files", post(upload))
            .route("/v1/files/{id}/content", get(content))
            .route("/v1/batches", post(create).get(list))
            .route("/v1/batches/{id}", get(batch))
            .route("/v1/batches/{id}/cancel", post(cancel))
            .with_state(state.clone());
        let traffic = Arc::new(Traffic::default());
        BatchApi {
            server: Server::start(app, traffic.clone()),
            traffic,
            state,
        }
    }

    fn base(&self) -> String {
        format!("{}/v1", self.server.url())
    }

    fn uploads(&self) -> usize {
        self.traffic.matching("POST", "/v1/files").len()
    }

    fn creates(&self) -> usize {
        self.traffic
            .seen()
            .iter()
            .filter(|s| s.method == "POST" && s.path.ends_with("/v1/batches"))
            .count()
    }

    /// The custom ids of each uploaded file, in upload order.
    fn uploaded(&self) -> Vec<Vec<String>> {
        let st = lock(&self.state);
        let mut files: Vec<(&String, &Vec<Value>)> = st.inputs.iter().collect();
        files.sort_by_key(|(id, _)| id[5..].parse::<u32>().unwrap_or(0));
        files
            .into_iter()
            .map(|(_, lines)| {
                lines
                    .iter()
                    .map(|l| l["custom_id"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .collect()
    }
}

async fn upload(State(st): State<Shared>, body: Bytes) -> Response {
    // The multipart body holds the JSONL file: its lines are the JSON lines in the body.
    let text = String::from_utf8_lossy(&body);
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
        .filter(|v| v["custom_id"].is_string())
        .collect();
    if lines.is_empty() {
        return (StatusCode::BAD_REQUEST, "no request lines").into_response();
    }
    let mut st = lock(&st);
    let id = format!("file-{}", st.inputs.len() + 1);
    st.inputs.insert(id.clone(), lines);
    Json(json!({"id": id, "object": "file", "purpose": "batch"})).into_response()
}

async fn content(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    match lock(&st).outputs.get(&id) {
        Some(text) => text.clone().into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

async fn create(State(st): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut st = lock(&st);
    let input = body["input_file_id"].as_str().unwrap_or("").to_string();
    if !st.inputs.contains_key(&input) {
        return (StatusCode::BAD_REQUEST, "no such input file").into_response();
    }
    assert_eq!(body["completion_window"], "24h");
    let id = format!("batch-{}", st.batches.len() + 1);
    st.batches.push(MockBatch {
        id: id.clone(),
        input: input.clone(),
        created: Instant::now(),
        ended: None,
    });
    Json(object(&st, st.batches.len() - 1)).into_response()
}

async fn list(State(st): State<Shared>) -> Response {
    let st = lock(&st);
    let data: Vec<Value> = (0..st.batches.len())
        .rev()
        .map(|i| object(&st, i))
        .collect();
    Json(json!({"object": "list", "data": data})).into_response()
}

async fn batch(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    let mut st = lock(&st);
    let Some(i) = st.batches.iter().position(|b| b.id == id) else {
        return (StatusCode::NOT_FOUND, "no such batch").into_response();
    };
    if st.batches[i].ended.is_none() && st.batches[i].created.elapsed() >= st.delay {
        end(&mut st, i);
    }
    Json(object(&st, i)).into_response()
}

async fn cancel(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    let mut st = lock(&st);
    let Some(i) = st.batches.iter().position(|b| b.id == id) else {
        return (StatusCode::NOT_FOUND, "no such batch").into_response();
    };
    st.batches[i].ended.get_or_insert(("cancelled", None, None));
    Json(object(&st, i)).into_response()
}

fn object(st: &Api, i: usize) -> Value {
    let b = &st.batches[i];
    let (status, output, error) = b.ended.clone().unwrap_or(("in_progress", None, None));
    json!({
        "id": b.id,
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "input_file_id": b.input,
        "completion_window": "24h",
        "status": status,
        "output_file_id": output,
        "error_file_id": error,
    })
}

/// Ends batch `i`: the first `expire` batches expire with every line unfinished; the others
/// complete, a topic with "Reject" failing with a 400, one with "Lost" losing its line the
/// first time, every other one answered.
fn end(st: &mut Api, i: usize) {
    let lines = st.inputs[&st.batches[i].input].clone();
    let (mut out, mut err) = (String::new(), String::new());
    let expired = i < st.expire;
    for l in &lines {
        let cid = l["custom_id"].as_str().unwrap_or("").to_string();
        let prompt = prompt_of(&l["body"]);
        let task = cid.split("-r").next().unwrap_or("").to_string();
        if expired {
            err.push_str(&json!({"custom_id": cid, "response": null, "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}}).to_string());
            err.push('\n');
        } else if prompt.contains("Reject") {
            err.push_str(&json!({"custom_id": cid, "response": {"status_code": 400, "body": {"error": {"message": "the request was refused by the content policy", "type": "invalid_request_error"}}}, "error": null}).to_string());
            err.push('\n');
        } else if prompt.contains("Lost") && st.lost.insert(task) {
        } else {
            out.push_str(&json!({"custom_id": cid, "response": {"status_code": 200, "body": {
                "id": format!("chatcmpl-{cid}"),
                "object": "chat.completion",
                "model": l["body"]["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": format!("# Article {cid}\n\nThe first paragraph says what the article is about.\n\n## Details\n\nMore text.")}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 400, "total_tokens": 500}
            }}, "error": null}).to_string());
            out.push('\n');
        }
    }
    let mut file = |text: String| {
        (!text.is_empty()).then(|| {
            let id = format!("file-out-{}", st.outputs.len() + 1);
            st.outputs.insert(id.clone(), text);
            id
        })
    };
    let (output, error) = (file(out), file(err));
    st.batches[i].ended = Some((if expired { "expired" } else { "completed" }, output, error));
}

fn config(env: &Env, base: &str, extra: &str) {
    write_config(env, base, 50, "300ms", extra);
    env.account("blog");
}

fn write_config(env: &Env, base: &str, size: u32, wait: &str, extra: &str) {
    env.config(&format!(
        r#"[daemon]
poll_interval = "100ms"
lease = "2s"
retry_delays = ["100ms", "200ms"]

[generators.batch]
kind = "openai-batch"
base_url = "{base}"
model = "gpt-mock"
batch_size = {size}
batch_wait = "{wait}"
poll_interval = "150ms"
{extra}
"#
    ));
}

fn retries(env: &Env, id: &str) -> i64 {
    env.count(&format!(
        "SELECT retry_count FROM tasks WHERE id = {}",
        raw_id(id)
    ))
}

/// A text column of a task.
fn text(env: &Env, id: &str, column: &str) -> String {
    env.value(
        &format!("SELECT {column} FROM tasks WHERE id = ?1"),
        &[&raw_id(id)],
    )
    .unwrap_or_default()
}

/// Submits `n` tasks to the batch profile, topics `"{prefix} 0"`, `"{prefix} 1"`, …
fn submit_numbered(env: &Env, n: usize, prefix: &str) -> Vec<String> {
    (0..n)
        .map(|i| env.submit("blog", &format!("{prefix} {i}"), &["--generator", "batch"]))
        .collect()
}

#[test]
pub(crate) fn a_batch_completes_with_successes_and_per_line_errors() {
    let _serial = serial();
    let api = BatchApi::start(Duration::from_millis(600), 0);
    let env = Env::new();
    config(&env, &api.base(), "");
    let ids = submit_numbered(&env, 4, "Good topic");
    let rejected = env.submit("blog", "Reject this topic", &["--generator", "batch"]);
    let lost = env.submit("blog", "Lost line topic", &["--generator", "batch"]);

    let mut daemon = env.spawn(&["daemon", "run", "--until-idle"], &[]);
    // 1: a task did not complete.
    assert_eq!(
        daemon.exit_code(Duration::from_secs(30)),
        1,
        "{}",
        daemon.log()
    );

    // One file held every task; the lost line went again, alone, in a second batch.
    let files = api.uploaded();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[0].len(), 6, "{files:?}");
    assert_eq!(files[1], vec![lost.clone()], "{files:?}");
    assert_eq!(api.creates(), 2);
    for id in ids.iter().chain([&lost]) {
        assert_eq!(
            env.status_of(id),
            "completed",
            "{id}: {}",
            env.ok(["task", "show", id])
        );
    }
    assert_eq!(env.status_of(&rejected), "failed");
    let message = text(&env, &rejected, "error_message");
    assert!(message.contains("content policy"), "{message}");
    // The lost line cost its task a retry; the others none.
    assert_eq!(retries(&env, &lost), 1);
    assert_eq!(retries(&env, &ids[0]), 0);
    // Each task points at its line of a recorded batch.
    let job = text(&env, &ids[0], "remote_job_id");
    assert_eq!(job, format!("file-1/{}", ids[0]));
    assert_eq!(
        env.count(
            "SELECT count(*) FROM batches WHERE state = 'completed' AND batch_id IS NOT NULL"
        ),
        2
    );
    assert_eq!(env.count("SELECT count(*) FROM contents"), 5);
    // One poller per batch, not one per task: the first batch ran 600 ms and was polled
    // every 150 ms ±20 % (at least 120 ms apart).
    let polls = api.traffic.matching("GET", "/v1/batches/batch-1").len();
    assert!((1..=8).contains(&polls), "{polls} polls of one batch");
}

#[test]
pub(crate) fn kill_9_between_upload_and_completion_neither_uploads_nor_creates_again() {
    let _serial = serial();
    let api = BatchApi::start(Duration::from_secs(3), 0);
    let env = Env::new();
    config(&env, &api.base(), "");
    let ids = submit_numbered(&env, 8, "Crash topic");

    let mut first = env.spawn(&["daemon", "run"], &[]);
    wait_until("the batch is created", Duration::from_secs(20), || {
        api.creates() == 1
            && env.count("SELECT count(*) FROM batches WHERE batch_id IS NOT NULL") == 1
    });
    assert!(first.exited().is_none(), "{}", first.log());
    first.kill9();
    assert_eq!(
        env.count(
            "SELECT count(*) FROM tasks WHERE status = 'processing' AND remote_job_id IS NOT NULL"
        ),
        8
    );

    let mut second = env.spawn(&["daemon", "run", "--until-idle"], &[]);
    assert_eq!(
        second.exit_code(Duration::from_secs(30)),
        0,
        "{}",
        second.log()
    );
    assert_eq!(api.uploads(), 1, "the tasks were uploaded again");
    assert_eq!(api.creates(), 1, "a second batch was created");
    for id in &ids {
        assert_eq!(env.status_of(id), "completed", "{id}");
    }
    assert_eq!(env.count("SELECT count(*) FROM contents"), 8);
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE retry_count > 0"),
        0
    );
}

#[test]
pub(crate) fn a_crash_between_upload_and_create_creates_the_recorded_file_once() {
    let _serial = serial();
    let api = BatchApi::start(Duration::from_millis(300), 0);
    let env = Env::new();
    config(&env, &api.base(), "");
    let ids = submit_numbered(&env, 3, "Recorded topic");
    let mut first = env.spawn(&["daemon", "run"], &[]);
    wait_until("the batch is created", Duration::from_secs(20), || {
        env.count("SELECT count(*) FROM batches WHERE batch_id IS NOT NULL") == 1
    });
    first.kill9();
    // As if the daemon had died after recording the file but before recording the batch:
    // the next one must find the batch the service made, not make another or upload again.
    env.exec("UPDATE batches SET batch_id = NULL, state = 'uploaded'");

    let mut second = env.spawn(&["daemon", "run", "--until-idle"], &[]);
    assert_eq!(
        second.exit_code(Duration::from_secs(30)),
        0,
        "{}",
        second.log()
    );
    assert_eq!(api.uploads(), 1);
    assert_eq!(api.creates(), 1);
    assert!(api
        .traffic
        .matching("GET", "/v1/batches")
        .iter()
        .any(|s| s.path == "/v1/batches"));
    for id in &ids {
        assert_eq!(env.status_of(id), "completed", "{id}");
    }
}

#[test]
pub(crate) fn an_expired_batch_returns_its_tasks_with_a_retry_counted() {
    let _serial = serial();
    let api = BatchApi::start(Duration::from_millis(400), 1);
    let env = Env::new();
    config(&env, &api.base(), "");
    let ids = submit_numbered(&env, 3, "Expiring topic");
    let mut daemon = env.spawn(&["daemon", "run", "--until-idle"], &[]);
    assert_eq!(
        daemon.exit_code(Duration::from_secs(30)),
        0,
        "{}",
        daemon.log()
    );

    let files = api.uploaded();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[0].len(), 3);
    assert_eq!(files[1].len(), 3);
    for id in &ids {
        assert_eq!(env.status_of(id), "completed", "{id}");
        assert_eq!(retries(&env, id), 1, "{id}");
    }
    let log = env.ok(["task", "log", &ids[0]]);
    assert!(log.contains("expired"), "{log}");
    let states: Vec<String> = env
        .rows(
            "SELECT state FROM batches ORDER BY created_at, input_file_id",
            &[],
        )
        .into_iter()
        .map(|r| r.string(0))
        .collect();
    assert_eq!(states, ["expired", "completed"]);
}

#[test]
pub(crate) fn a_deadline_shorter_than_the_window_fails_or_falls_back() {
    let _serial = serial();
    let api = BatchApi::start(Duration::from_millis(200), 0);
    let env = Env::new();
    config(
        &env,
        &api.base(),
        &format!(
            r#"
[generators.batched]
kind = "openai-batch"
base_url = "{}"
model = "gpt-mock"
batch_wait = "300ms"
fallback = ["template"]
"#,
            api.base()
        ),
    );
    let short = env.submit(
        "blog",
        "Urgent topic",
        &["--generator", "batch", "--timeout", "2h"],
    );
    let moved = env.submit(
        "blog",
        "Urgent too",
        &["--generator", "batched", "--timeout", "2h"],
    );
    let default = env.submit("blog", "Patient topic", &["--generator", "batch"]);
    // Without a timeout of its own, a task gets the window plus an hour.
    let timeout = |id: &str| {
        env.count(&format!(
            "SELECT timeout_s FROM tasks WHERE id = {}",
            raw_id(id)
        ))
    };
    assert_eq!(timeout(&default), 25 * 3600);
    assert_eq!(timeout(&short), 2 * 3600);

    let mut daemon = env.spawn(&["daemon", "run", "--until-idle"], &[]);
    // 1: a task did not complete.
    assert_eq!(
        daemon.exit_code(Duration::from_secs(30)),
        1,
        "{}",
        daemon.log()
    );
    assert_eq!(env.status_of(&short), "failed");
    let message = text(&env, &short, "error_message");
    assert!(
        message.contains("deadline shorter than the batch window"),
        "{message}"
    );
    assert_eq!(env.status_of(&moved), "completed");
    let generator = text(&env, &moved, "generator");
    assert_eq!(generator, "template");
    assert_eq!(env.status_of(&default), "completed");
    // Only the patient task went into a batch.
    assert_eq!(api.uploaded(), vec![vec![default.clone()]]);
}

#[test]
pub(crate) fn a_batch_is_cancelled_only_when_all_its_tasks_are() {
    let _serial = serial();
    let api = BatchApi::start(Duration::from_secs(60), 0);
    let env = Env::new();
    config(&env, &api.base(), "");
    let a = env.submit("blog", "Cancelled first", &["--generator", "batch"]);
    let b = env.submit("blog", "Cancelled second", &["--generator", "batch"]);
    let mut daemon = env.spawn(&["daemon", "run", "--until-idle"], &[]);
    wait_until("the batch is created", Duration::from_secs(20), || {
        env.count("SELECT count(*) FROM batches WHERE batch_id IS NOT NULL") == 1
    });
    let cancels = || api.traffic.matching("POST", "/cancel").len();
    env.ok(["task", "cancel", &a]);
    wait_until(
        "the daemon lets the task go",
        Duration::from_secs(10),
        || daemon.log().contains("cancelled by operator"),
    );
    // The other task still waits for the batch: it keeps running.
    assert_eq!(cancels(), 0);
    assert_eq!(env.status_of(&b), "processing");
    env.ok(["task", "cancel", &b]);
    wait_until("the batch is cancelled", Duration::from_secs(10), || {
        cancels() == 1
    });
    // 1: the tasks it worked on did not complete.
    assert_eq!(
        daemon.exit_code(Duration::from_secs(20)),
        1,
        "{}",
        daemon.log()
    );
    assert_eq!(env.status_of(&a), "cancelled");
    assert_eq!(env.status_of(&b), "cancelled");
    assert_eq!(api.uploads(), 1);
}

#[test]
pub(crate) fn a_shutdown_returns_collected_tasks_and_leaves_sent_ones_to_the_next_daemon() {
    let _serial = serial();
    let api = BatchApi::start(Duration::from_millis(500), 0);
    let env = Env::new();
    // A batch fills at two tasks; the third waits for more.
    write_config(&env, &api.base(), 2, "1h", "");
    env.account("blog");
    let ids = submit_numbered(&env, 3, "Shutdown topic");
    let mut daemon = env.spawn(&["daemon", "run"], &[]);
    wait_until("a batch of two is created", Duration::from_secs(20), || {
        env.count("SELECT count(*) FROM batches WHERE batch_id IS NOT NULL") == 1
    });
    let started = Instant::now();
    daemon.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(
        daemon.exit_code(Duration::from_secs(20)),
        0,
        "{}",
        daemon.log()
    );
    // Neither kind of task waited for the grace period.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM tasks WHERE status = 'processing' AND remote_job_id IS NOT NULL"
        ),
        2
    );
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE status = 'pending' AND remote_job_id IS NULL AND retry_count = 0"),
        1
    );

    // The next daemon polls the batch it finds and sends the third task in a batch of its own.
    write_config(&env, &api.base(), 2, "300ms", "");
    let mut next = env.spawn(&["daemon", "run", "--until-idle"], &[]);
    assert_eq!(next.exit_code(Duration::from_secs(30)), 0, "{}", next.log());
    assert_eq!(api.uploads(), 2);
    assert_eq!(api.creates(), 2);
    for id in &ids {
        assert_eq!(env.status_of(id), "completed", "{id}");
    }
}
