//! The outbox: task callbacks leave the machine signed, are retried with backoff while the
//! receiver is down or failing, are given up after `max_attempts` and sent again by
//! `deliveries retry`, and survive a `kill -9` of the daemon mid-send.
//!
//! Receivers are small axum apps on 127.0.0.1 inside the test; the daemon is the real binary.
//! Intervals are short (`[notify]` retries from 200 ms, capped at 1 s; 1 s request timeout),
//! so the whole module runs in a few seconds.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use contenthub::domain::Task;
use contenthub::store::outbox::Delivery;
use serde_json::Value;

use crate::support::{raw_id, wait_until, Child, Env};

const SECRET: &str = "outbox-test-secret";
const SECRET_VAR: &str = "CONTENTHUB_TEST_NOTIFY_SECRET";
/// Generous limit for anything that should take well under a second.
const SOON: Duration = Duration::from_secs(10);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// 200.
    Accept,
    /// This status.
    Fail(u16),
    /// Keeps the request open until the mode changes.
    Hold,
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Hit {
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Hit {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }

    /// Checks the signature as a receiver would: HMAC over "{timestamp}.{raw body}".
    fn verify(&self, secret: &str) {
        let now = chrono::Utc::now().timestamp();
        contenthub::signature::verify(
            secret.as_bytes(),
            self.header("x-contenthub-timestamp"),
            self.header("x-contenthub-signature"),
            &self.body,
            now,
        )
        .unwrap_or_else(|e| panic!("the signature does not verify: {e}\n{self:?}"));
    }
}

#[derive(Debug)]
struct Shared {
    mode: Mutex<Mode>,
    hits: Mutex<Vec<Hit>>,
    /// The status each hit was answered with, in order of answering.
    answers: Mutex<Vec<u16>>,
}

/// A webhook receiver. Its port is taken at once but nothing answers there (connection
/// refused) until [`Receiver::listen`].
struct Receiver {
    runtime: tokio::runtime::Runtime,
    socket: Option<tokio::net::TcpSocket>,
    addr: SocketAddr,
    shared: Arc<Shared>,
}

async fn hook(State(st): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let headers = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    lock(&st.hits).push(Hit {
        headers,
        body: body.to_vec(),
    });
    let end = tokio::time::Instant::now() + Duration::from_secs(20);
    let code = loop {
        match *lock(&st.mode) {
            Mode::Accept => break 200,
            Mode::Fail(code) => break code,
            Mode::Hold if tokio::time::Instant::now() < end => {}
            Mode::Hold => break 503,
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    lock(&st.answers).push(code);
    StatusCode::from_u16(code).expect("a status code")
}

impl Receiver {
    /// Takes a port; connections to it are refused until [`Receiver::listen`].
    fn reserve(mode: Mode) -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the receiver");
        let socket = runtime.block_on(async {
            let s = tokio::net::TcpSocket::new_v4().expect("a socket");
            s.bind("127.0.0.1:0".parse().unwrap())
                .expect("bind 127.0.0.1:0");
            s
        });
        let addr = socket.local_addr().expect("its address");
        Receiver {
            runtime,
            socket: Some(socket),
            addr,
            shared: Arc::new(Shared {
                mode: Mutex::new(mode),
                hits: Mutex::new(Vec::new()),
                answers: Mutex::new(Vec::new()),
            }),
        }
    }

    /// A receiver that answers at once.
    fn start(mode: Mode) -> Receiver {
        let mut r = Receiver::reserve(mode);
        r.listen();
        r
    }

    /// Starts answering on the reserved port.
    fn listen(&mut self) {
        let socket = self.socket.take().expect("listen once");
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(self.shared.clone());
        let _guard = self.runtime.enter();
        let listener = socket.listen(64).expect("listen");
        self.runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn set(&self, mode: Mode) {
        *lock(&self.shared.mode) = mode;
    }

    fn hits(&self) -> Vec<Hit> {
        lock(&self.shared.hits).clone()
    }

    fn answers(&self) -> Vec<u16> {
        lock(&self.shared.answers).clone()
    }
}

/// A store with the account `blog` and a config with short intervals; `extra` is appended
/// to the config.
fn setup(extra: &str) -> Env {
    let env = Env::new();
    env.config(&format!(
        "[daemon]\nlease = \"1s\"\npoll_interval = \"100ms\"\n\n\
         [notify]\nsecret_env = \"{SECRET_VAR}\"\nretry_initial = \"200ms\"\nretry_max = \"1s\"\ntimeout = \"1s\"\n{extra}"
    ));
    env.account("blog");
    env
}

fn daemon(env: &Env) -> Child {
    env.spawn(&["daemon", "run"], &[(SECRET_VAR, SECRET)])
}

/// Stops a daemon the way systemd would and checks it exits cleanly.
fn stop(mut d: Child) {
    d.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(d.exit_code(SOON), 0, "{}", d.log());
}

/// The newest delivery of `task`, read straight from the store.
fn delivery_of(env: &Env, task: &str) -> Option<Delivery> {
    if !env.store_exists() {
        return None;
    }
    // Read-only: nothing is created or migrated under the daemon, on every poll.
    let (store, _) =
        contenthub::store::Store::open_read_only_at(&env.location()).expect("open the store");
    contenthub::store::outbox::latest_for_task(
        store.conn(),
        contenthub::domain::TaskId(raw_id(task)),
    )
    .expect("read the outbox")
}

fn wait_for_delivery(
    env: &Env,
    task: &str,
    what: &str,
    d: &Child,
    ok: impl Fn(&Delivery) -> bool,
) -> Delivery {
    let mut last = None;
    let end = std::time::Instant::now() + SOON;
    loop {
        if let Some(x) = delivery_of(env, task) {
            if ok(&x) {
                return x;
            }
            last = Some(x);
        }
        assert!(
            std::time::Instant::now() < end,
            "timed out waiting until {what}; delivery: {last:?}\n--- daemon log\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The stored body of delivery `id`.
fn stored_body(env: &Env, id: i64) -> Vec<u8> {
    env.value("SELECT body FROM deliveries WHERE id = ?1", &[&id])
        .expect("the stored body")
        .into_bytes()
}

#[test]
pub(crate) fn completed_task_is_delivered_signed_with_the_task_and_a_content_summary() {
    let rx = Receiver::start(Mode::Accept);
    let env = setup("");
    let id = env.submit("blog", "Callbacks in Rust", &["--callback-url", &rx.url()]);
    let d = daemon(&env);
    let sent = wait_for_delivery(&env, &id, "the callback is sent", &d, |x| {
        x.status == "sent"
    });
    stop(d);

    let hits = rx.hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    let hit = &hits[0];
    hit.verify(SECRET);
    assert_eq!(hit.header("content-type"), Some("application/json"));
    assert_eq!(hit.header("x-contenthub-event"), Some("task.completed"));
    assert_eq!(
        hit.header("x-contenthub-delivery"),
        Some(sent.id.to_string().as_str())
    );
    let ua = hit.header("user-agent").unwrap_or_default();
    assert!(ua.starts_with("contenthub/"), "{ua}");
    let ts: i64 = hit
        .header("x-contenthub-timestamp")
        .unwrap()
        .parse()
        .unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    // The body on the wire is exactly the stored one (the signature covers those bytes).
    assert_eq!(hit.body, stored_body(&env, sent.id));

    let body = hit.json();
    assert_eq!(body["event"], "task.completed");
    let task: Task = serde_json::from_value(body["task"].clone()).expect("the task, typed");
    assert_eq!(task.id.to_string(), id);
    assert_eq!(task.status.as_str(), "completed");
    assert_eq!(task.callback_url.as_deref(), Some(rx.url().as_str()));
    let content = &body["content"];
    assert_eq!(content["id"].as_i64(), task.content_id);
    assert!(
        content["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{content}"
    );
    assert!(
        content["word_count"].as_u64().is_some_and(|n| n > 0),
        "{content}"
    );
    assert!(content.get("summary").is_some(), "{content}");

    assert_eq!(sent.attempts, 1);
    assert_eq!(sent.last_status_code, Some(200));
    assert!(sent.sent_at.is_some() && sent.last_error.is_none());

    // `task show` carries the callback's delivery status.
    let shown: Value = env.json(&["task", "show", &id]);
    let cb = &shown["callback_delivery"];
    assert_eq!(cb["id"], sent.id);
    assert_eq!(cb["status"], "sent");
    assert_eq!(cb["attempts"], 1);
    assert_eq!(cb["last_error"], Value::Null);
    // `deliveries list` reads back into the typed struct (unknown keys are refused).
    let listed: Vec<Delivery> = env.json(&["deliveries", "list", "--task", &id]);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, sent.id);
    assert_eq!(listed[0].status, "sent");
}

#[test]
pub(crate) fn receiver_down_then_failing_then_back_gets_the_event() {
    let mut rx = Receiver::reserve(Mode::Fail(500));
    let env = setup("");
    let id = env.submit("blog", "Patience", &["--callback-url", &rx.url()]);
    let d = daemon(&env);

    // Nobody listens: connection refused, retried.
    let refused = wait_for_delivery(&env, &id, "two refused attempts", &d, |x| x.attempts >= 2);
    assert_eq!(refused.status, "pending");
    assert_eq!(refused.last_status_code, None);
    let err = refused.last_error.clone().unwrap_or_default();
    assert!(err.contains("connect"), "{err}");
    assert!(
        !err.contains(&rx.url()),
        "the URL is not repeated in errors: {err}"
    );
    assert!(refused.next_attempt_at.is_some());

    // Listening, but answering 500.
    rx.listen();
    let failing = wait_for_delivery(&env, &id, "a 500 is recorded", &d, |x| {
        x.last_status_code == Some(500)
    });
    assert_eq!(failing.status, "pending");
    assert!(failing
        .last_error
        .as_deref()
        .unwrap_or_default()
        .contains("HTTP 500"));

    // Back to normal: delivered on the next attempt.
    rx.set(Mode::Accept);
    let sent = wait_for_delivery(&env, &id, "the event is delivered", &d, |x| {
        x.status == "sent"
    });
    stop(d);
    assert!(sent.attempts >= 3, "{sent:?}");
    assert_eq!(sent.last_status_code, Some(200));
    assert_eq!(sent.last_error, None);
    let answers = rx.answers();
    assert_eq!(
        answers.iter().filter(|c| **c == 200).count(),
        1,
        "{answers:?}"
    );
    let hits = rx.hits();
    let last = hits.last().expect("a hit");
    last.verify(SECRET);
    assert_eq!(last.header("x-contenthub-event"), Some("task.completed"));
    // Every attempt carried the same delivery id and body.
    for h in &hits {
        assert_eq!(
            h.header("x-contenthub-delivery"),
            Some(sent.id.to_string().as_str())
        );
        assert_eq!(h.body, last.body);
    }
}

#[test]
pub(crate) fn permanently_failing_receiver_gives_up_then_deliveries_retry_sends_it() {
    let rx = Receiver::start(Mode::Fail(503));
    let env = setup("max_attempts = 3\n");
    let id = env.submit("blog", "Doomed hook", &["--callback-url", &rx.url()]);
    let d = daemon(&env);
    let failed = wait_for_delivery(&env, &id, "the delivery is given up", &d, |x| {
        x.status == "failed"
    });
    assert_eq!(failed.attempts, 3);
    assert_eq!(rx.hits().len(), 3);
    assert_eq!(failed.last_status_code, Some(503));
    assert!(failed
        .last_error
        .as_deref()
        .unwrap_or_default()
        .starts_with("HTTP 503"));
    assert_eq!(failed.next_attempt_at, None);

    // Visible to operators, and it stays failed.
    let listed: Vec<Delivery> = env.json(&["deliveries", "list", "--status", "failed"]);
    assert_eq!(listed.iter().map(|x| x.id).collect::<Vec<_>>(), [failed.id]);
    let none: Vec<Delivery> = env.json(&["deliveries", "list", "--status", "pending,sent"]);
    assert!(none.is_empty(), "{none:?}");
    let shown: Value = env.json(&["task", "show", &id]);
    assert_eq!(shown["callback_delivery"]["status"], "failed");
    assert_eq!(shown["callback_delivery"]["attempts"], 3);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rx.hits().len(), 3, "no attempt after giving up");

    // The receiver is fixed; send it again.
    rx.set(Mode::Accept);
    let out = env.ok(["deliveries", "retry", "-q", &failed.id.to_string()]);
    assert_eq!(out.trim(), failed.id.to_string());
    let sent = wait_for_delivery(&env, &id, "the retried delivery is sent", &d, |x| {
        x.status == "sent"
    });
    assert_eq!(sent.attempts, 1, "retry starts the count again");
    rx.hits().last().expect("a hit").verify(SECRET);
    assert_eq!(rx.answers().iter().filter(|c| **c == 200).count(), 1);

    // Already sent: refused; unknown: not found; nothing failed: nothing to do.
    env.run(["deliveries", "retry", &sent.id.to_string()])
        .code(4)
        .stderr_has("already sent");
    env.run(["deliveries", "retry", "999"]).code(3);
    env.run(["deliveries", "retry", "not-a-number"]).code(2);
    env.run(["deliveries", "retry", "--all-failed"]).success();
    stop(d);
}

#[test]
pub(crate) fn delivery_in_flight_when_the_daemon_is_killed_is_sent_after_restart() {
    let rx = Receiver::start(Mode::Hold);
    let env = setup("");
    let id = env.submit("blog", "Crash course", &["--callback-url", &rx.url()]);
    let mut d = daemon(&env);
    wait_until("the receiver holds the first request", SOON, || {
        !rx.hits().is_empty()
    });
    d.kill9();
    let held = delivery_of(&env, &id).expect("a delivery");
    assert_eq!(held.status, "pending", "{held:?}");
    assert_eq!(held.attempts, 1);

    rx.set(Mode::Accept);
    let d = daemon(&env);
    let sent = wait_for_delivery(
        &env,
        &id,
        "the event is delivered after the restart",
        &d,
        |x| x.status == "sent",
    );
    stop(d);
    assert_eq!(sent.attempts, 2, "{sent:?}");
    let hits = rx.hits();
    assert_eq!(hits.len(), 2, "{hits:?}");
    // The same event again (at-least-once: receivers dedupe on X-ContentHub-Delivery).
    assert_eq!(
        hits[0].header("x-contenthub-delivery"),
        hits[1].header("x-contenthub-delivery")
    );
    assert_eq!(hits[0].body, hits[1].body);
    hits[1].verify(SECRET);
}

#[test]
pub(crate) fn failed_task_sends_task_failed_unsigned_without_a_secret() {
    let rx = Receiver::start(Mode::Accept);
    let env = Env::new();
    env.config(
        "[daemon]\nlease = \"1s\"\npoll_interval = \"100ms\"\n\n\
         [notify]\nretry_initial = \"200ms\"\nretry_max = \"1s\"\ntimeout = \"1s\"\n\n\
         [generators.broken]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"echo no words today >&2; exit 65\"]\n",
    );
    env.account("blog");
    let id = env.submit(
        "blog",
        "Never written",
        &["--generator", "broken", "--callback-url", &rx.url()],
    );
    let d = daemon(&env);
    let sent = wait_for_delivery(&env, &id, "task.failed is sent", &d, |x| x.status == "sent");
    stop(d);
    assert_eq!(env.status_of(&id), "failed");
    assert_eq!(sent.event, "task.failed");
    let hits = rx.hits();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.header("x-contenthub-event"), Some("task.failed"));
    assert!(hit.header("x-contenthub-timestamp").is_some());
    assert_eq!(
        hit.header("x-contenthub-signature"),
        None,
        "no secret, no signature"
    );
    let body = hit.json();
    assert_eq!(body["event"], "task.failed");
    assert_eq!(body["task"]["id"], id.as_str());
    assert_eq!(body["task"]["status"], "failed");
    let msg = body["task"]["error_message"].as_str().unwrap_or_default();
    assert!(msg.contains("no words today"), "{body}");
    assert_eq!(body["content"], Value::Null);
}

#[test]
pub(crate) fn deliveries_list_is_empty_json_and_task_show_has_a_null_callback() {
    let env = Env::new();
    env.account("blog");
    let id = env.submit("blog", "Quiet", &[]);
    let listed: Vec<Delivery> = env.json(&["deliveries", "list"]);
    assert!(listed.is_empty());
    assert_eq!(env.ok(["deliveries", "list", "--format", "ndjson"]), "");
    let shown: Value = env.json(&["task", "show", &id]);
    assert_eq!(shown["callback_delivery"], Value::Null);
    env.run(["deliveries", "list", "--task", "task-ffffffffffff"])
        .code(3);
    env.run(["deliveries", "list", "--status", "lost"]).code(2);
}

#[test]
pub(crate) fn daemon_refuses_to_start_when_the_signing_secret_is_missing() {
    let env = setup("");
    let mut d = env.spawn(&["daemon", "run"], &[]);
    assert_eq!(d.exit_code(SOON), 2, "{}", d.log());
    assert!(d.log().contains(SECRET_VAR), "{}", d.log());
}
