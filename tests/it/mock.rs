//! Mock generator services for the daemon tests: small axum apps bound to 127.0.0.1:0.
//!
//! Each server runs on a runtime of its own, so a synchronous `#[test]` can block (run the
//! binary, sleep, poll the store) while the server keeps answering. Every request is recorded
//! (method, path, headers, JSON body, arrival time) and requests in flight are counted, in
//! total and per first path segment, so tests can put several generator profiles on one
//! server by giving each a path prefix (`{url}/a/v1`, `{url}/b/v1`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// A uniformly random duration in `lo..=hi`.
pub fn between(lo: Duration, hi: Duration) -> Duration {
    let span = hi.saturating_sub(lo).as_micros() as u64;
    let r = getrandom::u64().expect("random bytes");
    lo + Duration::from_micros(if span == 0 { 0 } else { r % (span + 1) })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    /// The body as JSON, `Null` when it was not JSON.
    pub body: Value,
    pub at: Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

#[derive(Default)]
struct Flight {
    now: usize,
    max: usize,
}

/// Everything a server saw, and what it is serving right now.
#[derive(Default)]
pub struct Traffic {
    seen: Mutex<Vec<Seen>>,
    /// Keyed by the first path segment; "" counts every request.
    flight: Mutex<HashMap<String, Flight>>,
    /// When each request's handler finished, in order.
    ends: Mutex<Vec<Instant>>,
}

/// Leaves the in-flight count when the request ends, however it ends.
struct InFlight {
    traffic: Arc<Traffic>,
    label: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.traffic.ends).push(Instant::now());
        let mut f = lock(&self.traffic.flight);
        for key in ["", self.label.as_str()] {
            if let Some(e) = f.get_mut(key) {
                e.now -= 1;
            }
        }
    }
}

impl Traffic {
    fn enter(self: &Arc<Self>, label: &str) -> InFlight {
        let mut f = lock(&self.flight);
        for key in ["", label] {
            let e = f.entry(key.to_string()).or_default();
            e.now += 1;
            e.max = e.max.max(e.now);
        }
        InFlight {
            traffic: self.clone(),
            label: label.to_string(),
        }
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.seen).clone()
    }

    /// Requests whose method and path match.
    pub fn matching(&self, method: &str, path_part: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.method == method && s.path.contains(path_part))
            .collect()
    }

    /// When requests finished being served, in order.
    pub fn ends(&self) -> Vec<Instant> {
        lock(&self.ends).clone()
    }

    pub fn count(&self) -> usize {
        lock(&self.seen).len()
    }

    /// Requests being served now (`label` "" for all, else those under `/{label}/`).
    pub fn in_flight(&self, label: &str) -> usize {
        lock(&self.flight).get(label).map_or(0, |f| f.now)
    }

    /// The most requests ever served at once.
    pub fn max_in_flight(&self, label: &str) -> usize {
        lock(&self.flight).get(label).map_or(0, |f| f.max)
    }
}

async fn record(State(t): State<Arc<Traffic>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_string();
    let label = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .to_string();
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    lock(&t.seen).push(Seen {
        method: parts.method.to_string(),
        path,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        at: Instant::now(),
    });
    let _in_flight = t.enter(&label);
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// A running server, on a runtime of its own, whose requests `traffic` records; dropping it
/// stops it.
pub struct Server {
    url: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    pub fn start(app: Router, traffic: Arc<Traffic>) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for a mock server");
        let app = app.layer(middleware::from_fn_with_state(traffic, record));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("a local address");
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Server {
            url: format!("http://{addr}"),
            runtime: Some(runtime),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A URL where nothing listens (a port bound, then released).
pub fn refused_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = l.local_addr().expect("a local address");
    drop(l);
    format!("http://{addr}")
}

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible chat completions

/// What the OpenAI mock answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// 200 with a completion of `markdown` and usage tokens, after `delay`.
    Ok {
        delay: Duration,
        markdown: String,
        prompt_tokens: u32,
        completion_tokens: u32,
    },
    /// Any status with extra headers and a raw body, after `delay`.
    Raw {
        delay: Duration,
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
}

impl Reply {
    /// A quick success with a heading and a paragraph.
    pub fn article(title: &str) -> Reply {
        Reply::ok_after(Duration::ZERO, title)
    }

    /// A success after `delay`.
    pub fn ok_after(delay: Duration, title: &str) -> Reply {
        Reply::Ok {
            delay,
            markdown: format!(
                "# {title}\n\nThe first paragraph says what the article is about.\n\n## Details\n\nMore text."
            ),
            prompt_tokens: 120,
            completion_tokens: 480,
        }
    }

    /// An error status with an OpenAI-style error body.
    pub fn status(status: u16, message: &str) -> Reply {
        Reply::Raw {
            delay: Duration::ZERO,
            status,
            headers: vec![("content-type", "application/json".into())],
            body: json!({"error": {"message": message, "type": "server_error", "code": status}})
                .to_string(),
        }
    }

    /// 429 with `Retry-After: {secs}`.
    pub fn rate_limited(secs: u32) -> Reply {
        Reply::Raw {
            delay: Duration::ZERO,
            status: 429,
            headers: vec![
                ("content-type", "application/json".into()),
                ("retry-after", secs.to_string()),
            ],
            body:
                json!({"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}})
                    .to_string(),
        }
    }

    /// 200 with a body that is not JSON.
    pub fn garbage() -> Reply {
        Reply::Raw {
            delay: Duration::ZERO,
            status: 200,
            headers: vec![("content-type", "application/json".into())],
            body: "<html><body>502 Bad Gateway (proxy)</body></html>".into(),
        }
    }

    /// 200 with a completion whose content is empty.
    pub fn empty_content() -> Reply {
        Reply::Raw {
            delay: Duration::ZERO,
            status: 200,
            headers: vec![("content-type", "application/json".into())],
            body: json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": ""}, "finish_reason": "length"}]}).to_string(),
        }
    }
}

/// One chat request, as the script sees it.
pub struct Call<'a> {
    /// 0-based index of this request among all chat requests to this server.
    pub n: usize,
    pub path: &'a str,
    /// The request's JSON body (`Null` when it was not JSON).
    pub body: &'a Value,
}

pub fn prompt_of(body: &Value) -> String {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `[[tag]]` in a chat request's prompt.
pub fn tag_of(body: &Value) -> Option<String> {
    let p = prompt_of(body);
    let start = p.find("[[")? + 2;
    let len = p[start..].find("]]")?;
    Some(p[start..start + len].to_string())
}

type Script = dyn Fn(&Call<'_>) -> Reply + Send + Sync;

#[derive(Clone)]
struct OpenAiState {
    script: Arc<Script>,
    calls: Arc<Mutex<usize>>,
}

/// An OpenAI-compatible server: `POST …/chat/completions` under any prefix, answered by a
/// script.
pub struct OpenAi {
    server: Server,
    pub traffic: Arc<Traffic>,
}

impl OpenAi {
    pub fn start(script: impl Fn(&Call<'_>) -> Reply + Send + Sync + 'static) -> OpenAi {
        let traffic = Arc::new(Traffic::default());
        let state = OpenAiState {
            script: Arc::new(script),
            calls: Arc::default(),
        };
        let app = Router::new().fallback(chat).with_state(state);
        OpenAi {
            server: Server::start(app, traffic.clone()),
            traffic,
        }
    }

    /// A `base_url` for a profile whose requests land under `/{prefix}/v1`.
    pub fn base(&self, prefix: &str) -> String {
        format!("{}/{prefix}/v1", self.server.url)
    }

    /// Chat requests so far, in arrival order.
    pub fn calls(&self) -> Vec<Seen> {
        self.traffic.matching("POST", "/chat/completions")
    }

    /// Chat requests per `[[tag]]`.
    pub fn calls_per_tag(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for s in self.calls() {
            *out.entry(tag_of(&s.body).unwrap_or_default()).or_default() += 1;
        }
        out
    }
}

async fn chat(State(st): State<OpenAiState>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    if req.method() != axum::http::Method::POST || !path.ends_with("/chat/completions") {
        return (StatusCode::NOT_FOUND, "no such route").into_response();
    }
    let bytes = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let n = {
        let mut c = lock(&st.calls);
        *c += 1;
        *c - 1
    };
    let reply = (st.script)(&Call {
        n,
        path: &path,
        body: &body,
    });
    match reply {
        Reply::Ok {
            delay,
            markdown,
            prompt_tokens,
            completion_tokens,
        } => {
            tokio::time::sleep(delay).await;
            Json(json!({
                "id": format!("chatcmpl-{n}"),
                "object": "chat.completion",
                "model": body["model"].as_str().unwrap_or("mock"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": markdown}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens}
            }))
            .into_response()
        }
        Reply::Raw {
            delay,
            status,
            headers,
            body,
        } => {
            tokio::time::sleep(delay).await;
            let mut h = HeaderMap::new();
            for (k, v) in headers {
                h.insert(k, v.parse().expect("a header value"));
            }
            (
                StatusCode::from_u16(status).expect("a status code"),
                h,
                body,
            )
                .into_response()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// content-creator

/// One job the content-creator mock created.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub key: String,
    pub topic: String,
    pub priority: i64,
    pub created: Instant,
    /// How long it runs before it completes (or fails).
    pub duration: Duration,
    pub fails: bool,
    pub cancelled_at: Option<Instant>,
    pub first_status_at: Option<Instant>,
    /// When a status reply first said `failed`.
    pub failure_reported_at: Option<Instant>,
}

/// Called on the first `GET …/status` of each job, while the request is being served.
pub type StatusHook = Arc<dyn Fn(&Job) + Send + Sync>;

#[derive(Default)]
struct CcState {
    jobs: Vec<Job>,
    by_key: HashMap<String, usize>,
    posts_per_key: HashMap<String, usize>,
    deduped: usize,
    violations: Vec<String>,
    fail_first: HashSet<String>,
    duration: (Duration, Duration),
    submit_delay: Duration,
    /// Submits that created a job and are waiting out `submit_delay`.
    submits_in_flight: usize,
    on_first_status: Option<StatusHook>,
}

/// Leaves `submits_in_flight` however the reply ends (the client may hang up).
struct Submitting(Cc);

impl Drop for Submitting {
    fn drop(&mut self) {
        lock(&self.0).submits_in_flight -= 1;
    }
}

/// The content-creator service in `async` mode, with the quirks it was recorded with
/// (`tests/data/content-creator/README.md`): jobs named by their `idempotencyKey` go
/// pending → running → completed (or failed) after a set time; a repeated key destroys its
/// job; `/status` of a failed job gives no reason, `GET /api/tasks/{id}` does; `DELETE`
/// answers `cancelled` while generation goes on. What would crash the real service (a status
/// request for an unknown id, a `DELETE` of a finished job) or destroy a job (a repeated key)
/// is recorded as a violation, and so is a submit that breaks the contract.
pub struct ContentCreator {
    server: Server,
    pub traffic: Arc<Traffic>,
    state: Arc<Mutex<CcState>>,
}

type Cc = Arc<Mutex<CcState>>;

fn cc_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"success": false, "error": {"message": message, "code": code}})),
    )
        .into_response()
}

/// The contract of `POST /api/tasks` (DESIGN §5); returns every way `body` breaks it.
pub fn contract_violations(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn nulls(v: &Value, path: &str, out: &mut Vec<String>) {
        match v {
            Value::Null => out.push(format!("null at {path}")),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| nulls(x, &format!("{path}[{i}]"), out)),
            Value::Object(o) => o
                .iter()
                .for_each(|(k, x)| nulls(x, &format!("{path}.{k}"), out)),
            _ => {}
        }
    }
    if !body.is_object() {
        return vec![format!("body is not a JSON object: {body}")];
    }
    nulls(body, "$", &mut out);
    if body["mode"] != "async" {
        out.push(format!("mode is {} (want \"async\")", body["mode"]));
    }
    for key in ["topic", "requirements", "targetAudience", "idempotencyKey"] {
        if body[key].as_str().is_none_or(|s| s.trim().is_empty()) {
            out.push(format!(
                "{key} must be a non-empty string, got {}",
                body[key]
            ));
        }
    }
    match body["priority"].as_i64() {
        Some(1..=4) => {}
        _ => out.push(format!("priority must be 1..4, got {}", body["priority"])),
    }
    if let Some(k) = body.get("keywords") {
        if !k
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x.as_str().is_some_and(|s| !s.is_empty())))
        {
            out.push(format!("keywords must be an array of strings, got {k}"));
        }
    }
    if let Some(t) = body.get("tone") {
        if t.as_str().is_none_or(|s| s.trim().is_empty()) {
            out.push(format!(
                "tone must be a non-empty string when sent, got {t}"
            ));
        }
    }
    if let Some(h) = body.get("hardConstraints") {
        let ok = h.as_object().is_some_and(|o| {
            !o.is_empty()
                && o.iter().all(|(k, v)| match k.as_str() {
                    "minWords" | "maxWords" => v.as_u64().is_some_and(|n| n > 0),
                    "keywords" => v
                        .as_array()
                        .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string)),
                    _ => false,
                })
        });
        if !ok {
            out.push(format!(
                "hardConstraints must be {{minWords?, maxWords?, keywords?}} with something in it, got {h}"
            ));
        }
    }
    let known = [
        "hardConstraints",
        "mode",
        "topic",
        "requirements",
        "targetAudience",
        "keywords",
        "tone",
        "priority",
        "idempotencyKey",
        "callbackUrl",
        "callbackEnabled",
        "callbackEvents",
    ];
    for k in body.as_object().into_iter().flat_map(|o| o.keys()) {
        if !known.contains(&k.as_str()) {
            out.push(format!("unknown field {k}"));
        }
    }
    out
}

async fn cc_submit(State(st): State<Cc>, body: Bytes) -> Response {
    let body: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            lock(&st).violations.push(format!("body is not JSON: {e}"));
            return cc_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "invalid JSON");
        }
    };
    let problems = contract_violations(&body);
    if !problems.is_empty() {
        let msg = problems.join("; ");
        lock(&st).violations.push(msg.clone());
        return cc_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", &msg);
    }
    let key = body["idempotencyKey"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (id, status, created) = {
        let mut s = lock(&st);
        *s.posts_per_key.entry(key.clone()).or_default() += 1;
        if let Some(&i) = s.by_key.get(&key) {
            // As recorded (behaviour 6): a repeated key answers 202 and destroys the job it
            // names, even a completed one.
            s.deduped += 1;
            s.violations.push(format!(
                "key {key} posted twice: the service destroys its job"
            ));
            s.jobs[i].fails = true;
            s.jobs[i].duration = Duration::ZERO;
            let job = &s.jobs[i];
            (job.id.clone(), "pending", false)
        } else {
            let n = s.jobs.len() + 1;
            // The real service names a job by the idempotency key it was submitted under.
            let id = if key.is_empty() {
                format!("cc-{n}")
            } else {
                key.clone()
            };
            let fails = s.fail_first.contains(&key);
            let duration = between(s.duration.0, s.duration.1);
            s.jobs.push(Job {
                id: id.clone(),
                key: key.clone(),
                topic: body["topic"].as_str().unwrap_or_default().to_string(),
                priority: body["priority"].as_i64().unwrap_or(0),
                created: Instant::now(),
                duration,
                fails,
                cancelled_at: None,
                first_status_at: None,
                failure_reported_at: None,
            });
            s.by_key.insert(key, n - 1);
            s.submits_in_flight += 1;
            (id, "pending", true)
        }
    };
    if created {
        // A slow reply after the job exists: a daemon killed now has paid for a job it never
        // heard of, and must dedupe on resubmit.
        let _submitting = Submitting(st.clone());
        let delay = lock(&st).submit_delay;
        tokio::time::sleep(delay).await;
    }
    (
        StatusCode::ACCEPTED,
        Json(json!({"success": true, "data": {"taskId": id, "status": status}})),
    )
        .into_response()
}

/// (status, progress, step) of a job at `now`.
///
/// As recorded (behaviour 8), a `DELETE` answers `cancelled` but generation goes on: the job
/// still completes.
fn job_status(job: &Job, now: Instant) -> (&'static str, u64, &'static str) {
    let e = now.duration_since(job.created);
    if e < job.duration / 5 {
        ("pending", 0, "queued")
    } else if e < job.duration {
        let pct = (e.as_secs_f64() / job.duration.as_secs_f64() * 100.0) as u64;
        ("running", pct.clamp(1, 99), "writing")
    } else if job.fails {
        ("failed", 100, "failed")
    } else {
        ("completed", 100, "done")
    }
}

fn find(s: &CcState, id: &str) -> Option<usize> {
    s.jobs.iter().position(|j| j.id == id)
}

async fn cc_status(State(st): State<Cc>, Path(id): Path<String>) -> Response {
    let (job, hook, first) = {
        let mut s = lock(&st);
        let Some(i) = find(&s, &id) else {
            // As recorded (behaviour 2): the real service crashes on an unknown id.
            s.violations.push(format!(
                "status of unknown job {id}: the service would crash"
            ));
            return cc_error(StatusCode::NOT_FOUND, "NOT_FOUND", "task not found");
        };
        let first = s.jobs[i].first_status_at.is_none();
        if first {
            s.jobs[i].first_status_at = Some(Instant::now());
        }
        (s.jobs[i].clone(), s.on_first_status.clone(), first)
    };
    if first {
        if let Some(hook) = hook {
            hook(&job);
        }
    }
    let now = Instant::now();
    let (status, progress, step) = job_status(&job, now);
    let data = json!({"taskId": id, "status": status, "currentStep": step, "progress": progress});
    if status == "failed" {
        // As recorded (behaviour 4): `/status` gives no reason; the task detail does.
        let mut s = lock(&st);
        if let Some(i) = find(&s, &id) {
            s.jobs[i].failure_reported_at.get_or_insert(now);
        }
    }
    Json(json!({"success": true, "data": data})).into_response()
}

/// The article a completed job returns.
pub fn cc_article(job_id: &str, topic: &str) -> Value {
    json!({
        "content": format!("# {topic}\n\nAn article written by the mock service.\n\n## Part two\n\nMore."),
        "htmlContent": format!("<h1>{topic}</h1><p>An article written by the mock service.</p>"),
        "images": [
            {"url": format!("https://img.example.com/{job_id}/cover.png"), "prompt": "a cover", "width": 900, "height": 500},
            {"url": format!("https://img.example.com/{job_id}/inline.png")}
        ],
        "qualityScore": 8.5,
        "wordCount": 321
    })
}

async fn cc_result(State(st): State<Cc>, Path(id): Path<String>) -> Response {
    let job = {
        let s = lock(&st);
        match find(&s, &id) {
            Some(i) => s.jobs[i].clone(),
            None => return cc_error(StatusCode::NOT_FOUND, "NOT_FOUND", "task not found"),
        }
    };
    if job_status(&job, Instant::now()).0 != "completed" {
        return cc_error(StatusCode::NOT_FOUND, "NOT_READY", "result not available");
    }
    Json(json!({"success": true, "data": cc_article(&job.id, &job.topic)})).into_response()
}

/// `GET /api/tasks/{id}` (derived from the service's code): the job with its `errorMessage`.
async fn cc_detail(State(st): State<Cc>, Path(id): Path<String>) -> Response {
    let s = lock(&st);
    let Some(i) = find(&s, &id) else {
        return cc_error(StatusCode::NOT_FOUND, "NOT_FOUND", "task not found");
    };
    let job = &s.jobs[i];
    let (status, _, _) = job_status(job, Instant::now());
    let error = (status == "failed").then_some("model overloaded (mock failure)");
    Json(json!({"success": true, "data": {"id": job.id, "status": status, "errorMessage": error, "topic": job.topic}}))
        .into_response()
}

async fn cc_cancel(State(st): State<Cc>, Path(id): Path<String>) -> Response {
    let mut s = lock(&st);
    let Some(i) = find(&s, &id) else {
        return cc_error(StatusCode::NOT_FOUND, "NOT_FOUND", "task not found");
    };
    if matches!(
        job_status(&s.jobs[i], Instant::now()).0,
        "completed" | "failed"
    ) {
        // As recorded (behaviour 2): a DELETE of a finished job crashes the real service.
        s.violations.push(format!(
            "DELETE of finished job {id}: the service would crash"
        ));
    }
    s.jobs[i].cancelled_at.get_or_insert_with(Instant::now);
    Json(json!({"success": true, "data": {"taskId": id, "status": "cancelled"}})).into_response()
}

impl ContentCreator {
    /// A service whose jobs each run for a random time in `lo..=hi`.
    pub fn start(lo: Duration, hi: Duration) -> ContentCreator {
        let traffic = Arc::new(Traffic::default());
        let state: Cc = Arc::new(Mutex::new(CcState {
            duration: (lo, hi),
            ..CcState::default()
        }));
        let app = Router::new()
            .route("/api/tasks", post(cc_submit))
            .route("/api/tasks/{id}/status", get(cc_status))
            .route("/api/tasks/{id}/result", get(cc_result))
            .route(
                "/api/tasks/{id}",
                axum::routing::delete(cc_cancel).get(cc_detail),
            )
            .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
            .with_state(state.clone());
        ContentCreator {
            server: Server::start(app, traffic.clone()),
            traffic,
            state,
        }
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }

    /// Makes the first job submitted with idempotency key `key` (a task id) fail.
    pub fn fail_first_job_of(&self, key: &str) {
        lock(&self.state).fail_first.insert(key.to_string());
    }

    /// Submits that created a job and have not been answered yet.
    pub fn submits_in_flight(&self) -> usize {
        lock(&self.state).submits_in_flight
    }

    /// Delays the reply to a submit that created a job.
    pub fn set_submit_delay(&self, d: Duration) {
        lock(&self.state).submit_delay = d;
    }

    pub fn on_first_status(&self, hook: impl Fn(&Job) + Send + Sync + 'static) {
        lock(&self.state).on_first_status = Some(Arc::new(hook));
    }

    pub fn jobs(&self) -> Vec<Job> {
        lock(&self.state).jobs.clone()
    }

    /// Jobs created per idempotency key.
    pub fn jobs_per_key(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for j in &lock(&self.state).jobs {
            *out.entry(j.key.clone()).or_default() += 1;
        }
        out
    }

    /// Submits received per idempotency key (repeats included).
    pub fn posts_per_key(&self) -> HashMap<String, usize> {
        lock(&self.state).posts_per_key.clone()
    }

    /// Submits answered with an existing job because their key was known.
    pub fn deduped(&self) -> usize {
        lock(&self.state).deduped
    }

    /// Contract violations seen on submits.
    pub fn violations(&self) -> Vec<String> {
        lock(&self.state).violations.clone()
    }

    /// `DELETE /api/tasks/{id}` requests so far.
    pub fn deletes(&self) -> Vec<Seen> {
        self.traffic.matching("DELETE", "/api/tasks/")
    }

    /// Submits so far, in arrival order.
    pub fn submits(&self) -> Vec<Seen> {
        self.traffic
            .seen()
            .into_iter()
            .filter(|s| s.method == "POST" && s.path == "/api/tasks")
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// content-creator as recorded (tests/data/content-creator)

/// A recording from `tests/data/content-creator`.
pub fn recorded(name: &str) -> String {
    let path = format!(
        "{}/tests/data/content-creator/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The recorded reply to the first request of `async-session.jsonl` with this method and path.
pub fn recorded_reply(method: &str, path: &str) -> Value {
    recorded("async-session.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a recorded line"))
        .find(|l| l["method"] == method && l["path"] == path)
        .unwrap_or_else(|| panic!("no recorded {method} {path}"))["reply"]
        .clone()
}

/// The job of the recorded session whose `/result` the double returns.
pub const RECORDED_JOB: &str = "task-cae6b1e2c84e";

#[derive(Default)]
struct ReplayState {
    failing: HashSet<String>,
    detail_reads: Vec<String>,
}

type Replay = Arc<Mutex<ReplayState>>;

/// The service as recorded: a job's id is its idempotency key; `/status` answers `completed`
/// at once (or, for a job of a task marked failing, `failed` without a reason, as recorded);
/// `/result` is the recorded async result (draft `content`, Markdown `htmlContent`, images as
/// paths on the service's disk, no `qualityScore`); `GET /api/tasks/{id}` answers the derived
/// task detail, which carries the reason.
pub struct RecordedContentCreator {
    server: Server,
    pub traffic: Arc<Traffic>,
    state: Replay,
}

fn replace_job(v: &Value, from: &str, to: &str) -> Value {
    serde_json::from_str(&v.to_string().replace(from, to)).expect("JSON stays JSON")
}

async fn replay_submit(Json(body): Json<Value>) -> Response {
    let key = body["idempotencyKey"].as_str().unwrap_or_default();
    let reply = recorded_reply("POST", "/api/tasks");
    let first = reply["data"]["taskId"].as_str().unwrap().to_string();
    (StatusCode::ACCEPTED, Json(replace_job(&reply, &first, key))).into_response()
}

async fn replay_status(State(st): State<Replay>, Path(id): Path<String>) -> Response {
    let failing = lock(&st).failing.iter().any(|t| id.starts_with(t.as_str()));
    let (job, reply) = if failing {
        let failed = recorded("async-session.jsonl")
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|l| l["reply"]["data"]["status"] == "failed")
            .expect("a recorded failed status")["reply"]
            .clone();
        ("task-9b9a49ac0ed3", failed)
    } else {
        (
            RECORDED_JOB,
            recorded_reply("GET", &format!("/api/tasks/{RECORDED_JOB}/status")),
        )
    };
    Json(replace_job(&reply, job, &id)).into_response()
}

async fn replay_result() -> Response {
    Json(recorded_reply(
        "GET",
        &format!("/api/tasks/{RECORDED_JOB}/result"),
    ))
    .into_response()
}

async fn replay_detail(State(st): State<Replay>, Path(id): Path<String>) -> Response {
    lock(&st).detail_reads.push(id.clone());
    let detail: Value = serde_json::from_str(&recorded("derived-task-detail.json")).expect("JSON");
    Json(replace_job(&detail, "task-9b9a49ac0ed3", &id)).into_response()
}

impl RecordedContentCreator {
    pub fn start() -> RecordedContentCreator {
        let traffic = Arc::new(Traffic::default());
        let state: Replay = Arc::default();
        let app = Router::new()
            .route("/api/tasks", post(replay_submit))
            .route("/api/tasks/{id}/status", get(replay_status))
            .route("/api/tasks/{id}/result", get(replay_result))
            .route("/api/tasks/{id}", get(replay_detail))
            .route("/health", get(|| async { StatusCode::OK }))
            .with_state(state.clone());
        RecordedContentCreator {
            server: Server::start(app, traffic.clone()),
            traffic,
            state,
        }
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }

    /// Makes every job of the task `task_id` fail, as the recorded failed job did.
    pub fn fail_jobs_of(&self, task_id: &str) {
        lock(&self.state).failing.insert(task_id.to_string());
    }

    /// The job ids whose detail (`GET /api/tasks/{id}`) was read, in order.
    pub fn detail_reads(&self) -> Vec<String> {
        lock(&self.state).detail_reads.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Static files (images)

/// A server of fixed files by path; anything else is 404.
pub struct Files {
    server: Server,
    pub traffic: Arc<Traffic>,
}

impl Files {
    pub fn start(files: Vec<(&'static str, Vec<u8>)>) -> Files {
        let traffic = Arc::new(Traffic::default());
        let files: Arc<HashMap<String, Vec<u8>>> =
            Arc::new(files.into_iter().map(|(p, b)| (p.to_string(), b)).collect());
        let app = Router::new().fallback(move |uri: axum::http::Uri| {
            let files = files.clone();
            async move {
                match files.get(uri.path()) {
                    Some(b) => (StatusCode::OK, b.clone()).into_response(),
                    None => StatusCode::NOT_FOUND.into_response(),
                }
            }
        });
        Files {
            server: Server::start(app, traffic.clone()),
            traffic,
        }
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }
}
