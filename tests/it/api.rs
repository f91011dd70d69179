//! The HTTP API (`daemon run --listen`): every endpoint on its happy and error paths, the
//! content-creator callback's rejections and idempotency, the limits, and the daemon's
//! refusal to serve a non-loopback address without a token.
//!
//! Most tests run `api::serve` and the engine inside the test process on 127.0.0.1:0 and talk
//! to them with a real HTTP client; two start the real binary.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use contenthub::api::ApiConfig;
use contenthub::daemon;
use contenthub::domain::task::SubmitPolicy;
use contenthub::domain::time::now_ms;
use contenthub::engine::Shared;
use contenthub::signature;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::mock::ContentCreator;
use super::support::{engine_options, wait_until, Env, Fixture};

const TOKEN: &str = "t0ken-for-tests";
const SECRET: &str = "webhook-secret";
const DEADLINE: Duration = Duration::from_secs(10);

/// How the API under test is set up.
#[derive(Default)]
struct Setup<'a> {
    /// Run the dispatcher too (otherwise only the API answers and the store stays still).
    run_engine: bool,
    token: Option<&'a str>,
    secret: Option<&'a str>,
    rate: (u32, u32),
    generators: String,
    poll_interval: Option<Duration>,
    /// Tell the engine the API's address as `[webhook] public_url`.
    public_url: bool,
    /// Listen on every interface instead of 127.0.0.1.
    all_interfaces: bool,
}

/// A response, read whole.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Asserts the error envelope: status, code and (for 422) the field.
    #[track_caller]
    fn error(&self, status: u16, code: &str, field: Option<&str>) -> &Resp {
        assert_eq!(self.status, status, "{}", self.body);
        let v = self.json();
        let e = &v["error"];
        assert_eq!(e["code"], code, "{}", self.body);
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}",
            self.body
        );
        match field {
            Some(f) => assert_eq!(e["field"], f, "{}", self.body),
            None => assert!(e.get("field").is_none(), "{}", self.body),
        }
        assert_eq!(
            v.as_object().map(|o| o.len()),
            Some(1),
            "only `error`: {}",
            self.body
        );
        self
    }

    #[track_caller]
    fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        self.json()
    }
}

/// One request.
#[derive(Clone)]
struct Req {
    method: reqwest::Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Req {
    fn new(method: &str, path: &str) -> Req {
        Req {
            method: method.parse().expect("a method"),
            path: path.to_string(),
            headers: Vec::new(),
            body: None,
        }
    }

    fn json(mut self, v: &Value) -> Req {
        self.body = Some(v.to_string().into_bytes());
        self.header("content-type", "application/json")
    }

    fn raw(mut self, body: impl Into<Vec<u8>>) -> Req {
        self.body = Some(body.into());
        self
    }

    fn header(mut self, k: &str, v: &str) -> Req {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }

    /// A content-creator callback signed with `secret` at `ts`.
    fn signed(self, secret: &str, ts: i64) -> Req {
        let body = self.body.clone().unwrap_or_default();
        let sig = signature::sign(secret.as_bytes(), ts, &body);
        self.header("x-webhook-timestamp", &ts.to_string())
            .header("x-webhook-signature", &sig)
    }
}

/// The API (and optionally the engine) in this process.
struct Api {
    rt: tokio::runtime::Runtime,
    base: String,
    shared: Arc<Shared>,
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    client: reqwest::Client,
    bearer: Option<String>,
}

impl Api {
    fn start(env: &Env, setup: Setup<'_>) -> Api {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("a runtime");
        let bind = if setup.all_interfaces {
            "0.0.0.0:0"
        } else {
            "127.0.0.1:0"
        };
        let listener = std::net::TcpListener::bind(bind).expect("bind");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let port = listener.local_addr().expect("local addr").port();
        let base = format!("http://127.0.0.1:{port}");
        let mut opts = engine_options(env, &setup.generators);
        if let Some(p) = setup.poll_interval {
            opts.poll_interval = p;
        }
        if setup.public_url {
            opts.public_url = Some(base.clone());
        }
        // As `daemon::Config::from_settings` does: the engine makes callback tokens with the
        // secret the receiver checks them with.
        opts.callback_secret = setup.secret.map(|s| s.as_bytes().to_vec());
        let policy = SubmitPolicy {
            default_priority: 5,
            default_timeout: Duration::from_secs(1800),
            default_max_retries: 3,
            generators: opts.generators.keys().cloned().collect(),
            profile_timeouts: Vec::new(),
        };
        let mut config = ApiConfig::new(env.location(), policy);
        config.token = setup.token.map(str::to_string);
        config.webhook_secret = setup.secret.map(|s| s.as_bytes().to_vec());
        config.rate_limit = setup.rate.0;
        config.rate_burst = setup.rate.1;
        let stop = CancellationToken::new();
        let config = daemon::Config {
            engine: opts,
            api: Some(daemon::ApiServe { listener, config }),
            work: setup.run_engine,
        };
        let daemon = rt
            .block_on(daemon::Daemon::new(config))
            .expect("the daemon opens");
        let shared = daemon.shared();
        let tasks = vec![rt.spawn({
            let stop = stop.clone();
            async move {
                daemon.run(stop).await.expect("the daemon runs");
            }
        })];
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(DEADLINE)
            .build()
            .expect("a client");
        Api {
            rt,
            base,
            shared,
            stop,
            tasks,
            client,
            bearer: setup.token.map(str::to_string),
        }
    }

    async fn send(client: reqwest::Client, base: String, bearer: Option<String>, r: Req) -> Resp {
        let mut b = client.request(r.method.clone(), format!("{base}{}", r.path));
        if let Some(t) = bearer {
            b = b.bearer_auth(t);
        }
        for (k, v) in &r.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        if let Some(body) = r.body {
            b = b.body(body);
        }
        let res = b
            .send()
            .await
            .unwrap_or_else(|e| panic!("{} {}: {e}", r.method, r.path));
        Resp {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: res.text().await.expect("a body"),
        }
    }

    /// Sends `r` with the configured bearer token.
    fn call(&self, r: Req) -> Resp {
        self.rt.block_on(Self::send(
            self.client.clone(),
            self.base.clone(),
            self.bearer.clone(),
            r,
        ))
    }

    /// Sends `r` without any token.
    fn anonymous(&self, r: Req) -> Resp {
        self.rt
            .block_on(Self::send(self.client.clone(), self.base.clone(), None, r))
    }

    /// Sends every request at once (without a token: for callbacks).
    fn concurrently(&self, reqs: Vec<Req>) -> Vec<Resp> {
        self.rt.block_on(async {
            let handles: Vec<_> = reqs
                .into_iter()
                .map(|r| tokio::spawn(Self::send(self.client.clone(), self.base.clone(), None, r)))
                .collect();
            let mut out = Vec::new();
            for h in handles {
                out.push(h.await.expect("a request task"));
            }
            out
        })
    }

    fn get(&self, path: &str) -> Resp {
        self.call(Req::new("GET", path))
    }

    fn post(&self, path: &str, body: &Value) -> Resp {
        self.call(Req::new("POST", path).json(body))
    }

    fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// Sends `r` (without a token) to the API's port on another address of this machine.
    fn call_via(&self, ip: std::net::IpAddr, r: Req) -> Resp {
        let port = self
            .addr()
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_string();
        self.rt.block_on(Self::send(
            self.client.clone(),
            format!("http://{ip}:{port}"),
            None,
            r,
        ))
    }
}

/// An address of this machine other than loopback (the source address of its default
/// route), if it has one.
fn non_loopback_address() -> Option<std::net::IpAddr> {
    ["192.0.2.1:9", "198.51.100.1:9", "10.255.255.1:9"]
        .iter()
        .find_map(|target| {
            let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
            s.connect(target).ok()?;
            let ip = s.local_addr().ok()?.ip();
            (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
        })
}

impl Drop for Api {
    fn drop(&mut self) {
        self.stop.cancel();
        let tasks = std::mem::take(&mut self.tasks);
        self.rt.block_on(async {
            for t in tasks {
                let _ = tokio::time::timeout(DEADLINE, t).await;
            }
        });
    }
}

const SUBMIT: &str = "/api/v1/content/generate/async";

fn task_path(id: &str) -> String {
    format!("/api/v1/content/tasks/{id}")
}

fn callback_path(id: &str) -> String {
    format!("/api/v1/content/callback/{id}")
}

/// The callback path with the token of job `job` of task `id` (under [`SECRET`]).
fn token_path(id: &str, job: &str) -> String {
    with_token(id, &signature::callback_token(SECRET.as_bytes(), id, job))
}

fn with_token(id: &str, token: &str) -> String {
    format!("{}?token={token}", callback_path(id))
}

fn cli_json(env: &Env, args: &[&str]) -> Value {
    env.json(args)
}

// ---------------------------------------------------------------------------------------------
// Endpoints

#[test]
pub(crate) fn endpoints_happy_paths_agree_with_the_cli() {
    let fx = Fixture::new();
    let env = &fx.env;
    let api = Api::start(
        env,
        Setup {
            token: Some(TOKEN),
            ..Setup::default()
        },
    );

    // Submit: 202, then the same idempotency key returns the first task with 200.
    let body = json!({
        "account_id": "blog", "topic": "  HTTP 入门 ", "keywords": ["axum", "tokio", "axum"],
        "category": "tech", "requirements": "Short.", "tone": "casual", "priority": 7,
        "auto_approve": false, "max_retries": 2, "timeout": "45m",
        "callback_url": "https://hooks.example.com/x", "idempotency_key": "api-k1"
    });
    let first = api.post(SUBMIT, &body).ok(202);
    assert_eq!(first["status"], "pending");
    assert_eq!(first["message"], "queued");
    let id = first["task_id"].as_str().unwrap().to_string();
    assert!(super::support::is_task_id(&id), "{id}");
    let again = api.post(SUBMIT, &body).ok(200);
    assert_eq!(again["task_id"], id.as_str());
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("idempotency key"),
        "{again}"
    );

    // Show: the same JSON as `task show --format json`, by full id or prefix.
    let shown = api.get(&task_path(&id)).ok(200);
    assert_eq!(shown, cli_json(env, &["task", "show", &id]));
    assert_eq!(shown["topic"], "HTTP 入门");
    assert_eq!(shown["keywords"], json!(["axum", "tokio"]));
    assert_eq!(
        (
            &shown["priority"],
            &shown["review"],
            &shown["max_retries"],
            &shown["timeout_seconds"]
        ),
        (&json!(7), &json!("manual"), &json!(2), &json!(2700))
    );
    let by_prefix = api.get(&task_path("aaaa")).ok(200);
    assert_eq!(by_prefix["id"], fx.pending.as_str());

    // Keywords as one comma-separated string; the account by numeric id.
    let second = api
        .post(
            SUBMIT,
            &json!({"account_id": 1, "topic": "Two", "keywords": "a, b，c"}),
        )
        .ok(202);
    let second_id = second["task_id"].as_str().unwrap().to_string();
    assert_eq!(
        api.get(&task_path(&second_id)).ok(200)["keywords"],
        json!(["a", "b", "c"])
    );

    // List: totals, filters (repeated or comma-separated statuses), paging, newest first.
    let all = api.get("/api/v1/content/tasks").ok(200);
    assert_eq!(all["total"], 9);
    let cli_ids: Vec<Value> = cli_json(env, &["task", "list", "-n", "3"])
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    let page = api.get("/api/v1/content/tasks?limit=3").ok(200);
    let api_ids: Vec<Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(api_ids, cli_ids);
    assert_eq!(
        page["items"][0],
        cli_json(env, &["task", "show", &second_id])
    );
    let next = api.get("/api/v1/content/tasks?limit=3&offset=1").ok(200);
    assert_eq!(next["items"][0]["id"], cli_ids[1]);
    for q in [
        "status=failed&status=timeout",
        "status=failed,timeout",
        "status=timeout,failed&status=failed",
    ] {
        let v = api.get(&format!("/api/v1/content/tasks?{q}")).ok(200);
        assert_eq!(v["total"], 2, "{q}");
        let mut got: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect();
        got.sort();
        let mut want = vec![fx.failed.as_str(), fx.timeout.as_str()];
        want.sort();
        assert_eq!(got, want, "{q}");
    }
    assert_eq!(
        api.get("/api/v1/content/tasks?account_id=news").ok(200),
        json!({"total": 0, "items": []})
    );
    assert_eq!(
        api.get("/api/v1/content/tasks?account_id=blog&status=pending")
            .ok(200)["total"],
        4
    );
    assert_eq!(
        api.get("/api/v1/content/tasks?offset=100").ok(200)["items"],
        json!([])
    );

    // Stats: the numbers of `task stats --format json`, for everything or one account.
    assert_eq!(
        api.get("/api/v1/content/tasks/stats").ok(200),
        cli_json(env, &["task", "stats"])
    );
    assert_eq!(
        api.get("/api/v1/content/tasks/stats?account_id=news")
            .ok(200),
        cli_json(env, &["task", "stats", "-a", "news"])
    );

    // Cancel and retry, as the CLI does them.
    let c = api
        .call(Req::new(
            "POST",
            &format!("{}/cancel", task_path(&fx.pending)),
        ))
        .ok(200);
    assert_eq!(c["status"], "cancelled");
    assert!(
        c["message"].as_str().unwrap().contains("was pending"),
        "{c}"
    );
    assert_eq!(env.status_of(&fx.pending), "cancelled");
    let r = api
        .call(Req::new(
            "POST",
            &format!("{}/retry", task_path(&fx.timeout)),
        ))
        .ok(200);
    assert_eq!(
        (&r["task_id"], &r["status"]),
        (&json!(fx.timeout), &json!("pending"))
    );
    assert_eq!(env.status_of(&fx.timeout), "pending");
    let forced = api
        .call(Req::new(
            "POST",
            &format!("{}/retry?force=true", task_path(&fx.failed)),
        ))
        .ok(200);
    assert_eq!(forced["status"], "pending");
    let shown = cli_json(env, &["task", "show", &fx.failed]);
    assert_eq!(shown["retry_count"], 4);

    // Cleanup: a dry run counts and changes nothing; the real one deletes.
    let before = env.dump();
    let dry = api
        .call(Req::new(
            "DELETE",
            "/api/v1/content/tasks/cleanup?older_than=30d&dry_run=true",
        ))
        .ok(200);
    assert_eq!(dry, json!({"deleted": 2, "dry_run": true}));
    assert_eq!(env.dump(), before, "a dry run changes nothing");
    let done = api
        .call(Req::new(
            "DELETE",
            "/api/v1/content/tasks/cleanup?older_than=30d",
        ))
        .ok(200);
    assert_eq!(done, json!({"deleted": 2, "dry_run": false}));
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 7);
    api.get(&task_path(&fx.completed))
        .error(404, "not_found", None);
    // `review` is the newer form of `auto_approve`; both may be given when they agree.
    let rules = api
        .post(
            SUBMIT,
            &json!({"account_id": "blog", "topic": "Rules", "review": "rules"}),
        )
        .ok(202);
    let rules = api
        .get(&task_path(rules["task_id"].as_str().unwrap()))
        .ok(200);
    assert_eq!(rules["review"], "rules");
    api.post(
        SUBMIT,
        &json!({"account_id": "blog", "topic": "Both", "review": "auto", "auto_approve": false}),
    )
    .ok(422);
}

#[test]
pub(crate) fn endpoints_error_paths_change_nothing() {
    let fx = Fixture::new();
    let env = &fx.env;
    let api = Api::start(env, Setup::default());
    let before = env.dump();
    let submit = |v: Value| api.post(SUBMIT, &v);

    // 400: unreadable bodies and query strings.
    api.call(
        Req::new("POST", SUBMIT)
            .header("content-type", "application/json")
            .raw("{\"topic\":"),
    )
    .error(400, "bad_request", None);
    api.call(
        Req::new("POST", SUBMIT)
            .header("content-type", "application/json")
            .raw("[1]"),
    )
    .error(400, "bad_request", None);
    api.call(Req::new("POST", SUBMIT).header("content-type", "application/json"))
        .error(400, "bad_request", None);
    api.get("/api/v1/content/tasks?limit=%zz")
        .error(400, "bad_request", None);

    // 415: not JSON.
    api.call(
        Req::new("POST", SUBMIT)
            .header("content-type", "text/plain")
            .raw("{}"),
    )
    .error(415, "unsupported_media_type", None);

    // 422: unknown fields, wrong types and values the CLI refuses too, each naming its field.
    let ok = json!({"account_id": "blog", "topic": "t"});
    let with = |k: &str, v: Value| {
        let mut o = ok.clone();
        o[k] = v;
        o
    };
    let cases: Vec<(Value, &str)> = vec![
        (with("account", json!("blog")), "account"),
        (with("priority", json!("high")), "priority"),
        (with("priority", json!(11)), "priority"),
        (with("priority", json!(0)), "priority"),
        (with("max_retries", json!(101)), "max_retries"),
        (with("keywords", json!(42)), "keywords"),
        (with("keywords", json!("a,,b")), "keywords"),
        (
            with(
                "keywords",
                json!((0..21).map(|i| format!("k{i}")).collect::<Vec<_>>()),
            ),
            "keywords",
        ),
        (with("topic", json!("   ")), "topic"),
        (with("topic", json!("字".repeat(501))), "topic"),
        (with("callback_url", json!("ftp://x")), "callback_url"),
        (with("auto_approve", json!("yes")), "auto_approve"),
        (with("timeout", json!("soon")), "timeout"),
        (with("generator", json!("nope")), "generator"),
        (with("idempotency_key", json!(" ")), "idempotency_key"),
        (with("account_id", json!("nobody")), "account_id"),
        (with("account_id", json!(true)), "account_id"),
        (json!({"topic": "t"}), "account_id"),
        (json!({"account_id": "blog"}), "topic"),
    ];
    for (body, field) in cases {
        let r = submit(body.clone());
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        r.error(422, "validation_failed", Some(field));
    }
    let r = submit(with("keywords", json!(42)));
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("keywords"));

    // 404: unknown tasks and endpoints.
    for path in [
        task_path("task-ffffffffffff"),
        format!("{}/cancel", task_path("ffff0000")),
        format!("{}/retry", task_path("ffff0000")),
    ] {
        let method = if path.ends_with("cancel") || path.ends_with("retry") {
            "POST"
        } else {
            "GET"
        };
        api.call(Req::new(method, &path))
            .error(404, "not_found", None);
    }
    api.get("/api/v1/nope").error(404, "not_found", None);

    // 422 for ids that are not ids, or match several tasks.
    api.get(&task_path("abcd"))
        .error(422, "validation_failed", Some("task_id"));
    api.get(&task_path("xyz!"))
        .error(422, "validation_failed", Some("task_id"));

    // 409: refused by state.
    let r = api.call(Req::new(
        "POST",
        &format!("{}/cancel", task_path(&fx.completed)),
    ));
    r.error(409, "refused", None);
    assert!(r.body.contains("already completed"), "{}", r.body);
    let r = api.call(Req::new(
        "POST",
        &format!("{}/retry", task_path(&fx.failed)),
    ));
    r.error(409, "refused", None);
    assert!(r.body.contains("3 of 3 retries"), "{}", r.body);
    api.call(Req::new(
        "POST",
        &format!("{}/retry", task_path(&fx.pending)),
    ))
    .error(409, "refused", None);

    // 422: query parameters.
    for (q, field) in [
        ("status=done", "status"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("account_id=nobody", "account_id"),
        ("sort=priority", "sort"),
        ("limit=1&limit=2", "limit"),
    ] {
        api.get(&format!("/api/v1/content/tasks?{q}"))
            .error(422, "validation_failed", Some(field));
    }
    api.get("/api/v1/content/tasks/stats?account_id=nobody")
        .error(422, "validation_failed", Some("account_id"));
    api.call(Req::new(
        "POST",
        &format!("{}/retry?force=maybe", task_path(&fx.failed)),
    ))
    .error(422, "validation_failed", Some("force"));
    for (q, field) in [
        ("", "older_than"),
        ("?older_than=soon", "older_than"),
        ("?older_than=0s", "older_than"),
        ("?older_than=30d&dry_run=perhaps", "dry_run"),
    ] {
        api.call(Req::new(
            "DELETE",
            &format!("/api/v1/content/tasks/cleanup{q}"),
        ))
        .error(422, "validation_failed", Some(field));
    }

    // 405 with the envelope.
    api.call(Req::new("PUT", &task_path(&fx.pending)))
        .error(405, "method_not_allowed", None);

    // 413: a body over 1 MiB, even a well-formed one.
    let big = json!({"account_id": "blog", "topic": "t", "requirements": "x".repeat(1 << 20)});
    api.post(SUBMIT, &big).error(413, "payload_too_large", None);

    assert_eq!(env.dump(), before, "no error path may change the store");
}

#[test]
pub(crate) fn bearer_token_guards_everything_but_health_and_callbacks() {
    let env = Env::new();
    env.account("blog");
    let api = Api::start(
        &env,
        Setup {
            token: Some(TOKEN),
            ..Setup::default()
        },
    );
    for path in [
        "/api/v1/content/tasks",
        "/metrics",
        "/api/v1/openapi.json",
        "/api/v1/content/tasks/stats",
    ] {
        let r = api.anonymous(Req::new("GET", path));
        r.error(401, "unauthorized", None);
        assert_eq!(r.headers["www-authenticate"], "Bearer");
        api.anonymous(Req::new("GET", path).header("authorization", "Bearer wrong"))
            .error(401, "unauthorized", None);
        api.anonymous(Req::new("GET", path).header("authorization", &format!("Basic {TOKEN}")))
            .error(401, "unauthorized", None);
        assert_eq!(api.get(path).status, 200, "{path} with the token");
    }
    api.anonymous(Req::new("POST", SUBMIT).json(&json!({"account_id": "blog", "topic": "t"})))
        .error(401, "unauthorized", None);
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 0);
    assert_eq!(api.anonymous(Req::new("GET", "/healthz")).status, 200);
    // The callback has its own rule (loopback here), not the bearer token.
    api.anonymous(
        Req::new("POST", &callback_path("task-ffffffffffff"))
            .json(&json!({"event": "progress", "taskId": "cc-1"})),
    )
    .error(404, "not_found", None);
    // The size check comes before the token check.
    let big = vec![b'x'; (1 << 20) + 1];
    api.anonymous(
        Req::new("POST", SUBMIT)
            .header("content-type", "application/json")
            .raw(big),
    )
    .error(413, "payload_too_large", None);
}

#[test]
pub(crate) fn body_limit_is_checked_before_the_body_is_read() {
    let env = Env::new();
    env.account("blog");
    let api = Api::start(
        &env,
        Setup {
            token: Some(TOKEN),
            ..Setup::default()
        },
    );
    // A declared length over the limit is refused without waiting for a byte of the body.
    let mut s = TcpStream::connect(api.addr()).expect("connect");
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        s,
        "POST {SUBMIT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
    )
    .unwrap();
    let started = Instant::now();
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("payload_too_large"), "{reply}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered at once"
    );

    // A streamed (chunked) body is cut off at the limit.
    let mut s = TcpStream::connect(api.addr()).expect("connect");
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let head = format!(
            "POST {SUBMIT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        let _ = w.write_all(head.as_bytes());
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..24 {
            let _ = write!(w, "{:x}\r\n", chunk.len());
            let _ = w.write_all(&chunk);
            let _ = w.write_all(b"\r\n");
        }
        let _ = w.write_all(b"0\r\n\r\n");
    });
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    writer.join().unwrap();
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 0);
}

#[test]
pub(crate) fn submits_are_rate_limited_per_client() {
    let env = Env::new();
    env.account("blog");
    let api = Api::start(
        &env,
        Setup {
            rate: (1, 2),
            ..Setup::default()
        },
    );
    let body = json!({"account_id": "blog", "topic": "t"});
    // Six at once against a burst of two (and one more token a second).
    let replies = api.concurrently(vec![Req::new("POST", SUBMIT).json(&body); 6]);
    let accepted = replies.iter().filter(|r| r.status == 202).count();
    let limited: Vec<&Resp> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(accepted + limited.len(), 6, "{replies:?}");
    assert!((2..=3).contains(&accepted), "{replies:?}");
    for r in &limited {
        r.error(429, "rate_limited", None);
        let after: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=2).contains(&after), "Retry-After: {after}");
    }
    assert_eq!(env.count("SELECT count(*) FROM tasks"), accepted as i64);
    // Reads are not limited.
    api.get("/api/v1/content/tasks").ok(200);
    std::thread::sleep(Duration::from_millis(1100));
    api.post(SUBMIT, &body).ok(202);
}

#[test]
pub(crate) fn health_metrics_and_openapi() {
    let fx = Fixture::new();
    let api = Api::start(
        &fx.env,
        Setup {
            token: Some(TOKEN),
            ..Setup::default()
        },
    );
    let h = api.anonymous(Req::new("GET", "/healthz")).ok(200);
    assert_eq!((&h["status"], &h["reasons"]), (&json!("ok"), &json!([])));
    assert_eq!(h["max_concurrent"], 5);

    // A dispatcher loop that stopped going round makes it unhealthy.
    api.shared
        .loop_beat
        .store(now_ms() - 8_000, Ordering::Relaxed);
    let h = api.anonymous(Req::new("GET", "/healthz"));
    assert_eq!(h.status, 503, "{}", h.body);
    let v = h.json();
    assert_eq!(v["status"], "unavailable");
    assert!(
        v["reasons"][0].as_str().unwrap().contains("dispatcher"),
        "{v}"
    );

    let m = api.get("/metrics");
    assert_eq!(m.status, 200);
    assert!(m.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    for line in [
        "contenthub_tasks{status=\"pending\"} 2",
        "contenthub_tasks{status=\"processing\"} 1",
        "contenthub_tasks{status=\"completed\"} 1",
        "contenthub_tasks_submitted_total 7",
        "contenthub_tasks_cancelled_total 1",
        "contenthub_tokens_total{kind=\"prompt\"} 0",
        // Submitted or processing, from the store: the same figure `monitor metrics` gives.
        "contenthub_in_flight 1",
        "# TYPE contenthub_tasks_completed_total counter",
    ] {
        assert!(
            m.body.lines().any(|l| l == line),
            "missing {line:?} in\n{}",
            m.body
        );
    }
    assert!(m
        .body
        .contains("contenthub_daemon_heartbeat_timestamp_seconds "));

    // The OpenAPI document describes exactly the served endpoints.
    let doc = api.get("/api/v1/openapi.json").ok(200);
    assert_eq!(doc["openapi"], "3.1.0");
    let mut paths: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{path}"
            );
            paths.push((method.to_uppercase(), path.clone()));
        }
    }
    paths.sort();
    let mut want: Vec<(String, String)> = [
        ("POST", "/api/v1/content/generate/async"),
        ("GET", "/api/v1/content/tasks"),
        ("GET", "/api/v1/content/tasks/{task_id}"),
        ("POST", "/api/v1/content/tasks/{task_id}/cancel"),
        ("POST", "/api/v1/content/tasks/{task_id}/retry"),
        ("GET", "/api/v1/content/tasks/stats"),
        ("DELETE", "/api/v1/content/tasks/cleanup"),
        ("POST", "/api/v1/content/callback/{task_id}"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/api/v1/openapi.json"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    want.sort();
    assert_eq!(paths, want);
    for (method, path) in &want {
        let path = path.replace("{task_id}", "task-ffffffffffff");
        let r = api.call(Req::new(method, &path).json(&json!({})));
        assert!(
            r.status != 405 && !r.body.contains("no such endpoint"),
            "{method} {path} is documented but not served: {} {}",
            r.status,
            r.body
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Callbacks

/// A task that content-creator job `job` is running, held by another daemon's live lease so
/// no engine touches it. Returns its id.
fn running_task(env: &Env, job: &str) -> String {
    let id = env.submit("blog", "Callback topic", &["-k", "a,b"]);
    hold_running(env, &id, job);
    id
}

/// Puts task `id` in `processing` on content-creator job `job`, under another daemon's live
/// lease.
fn hold_running(env: &Env, id: &str, job: &str) {
    let until = now_ms() + 3_600_000;
    env.update_task(
        id,
        &format!(
            "status = 'processing', remote_job_id = '{job}', lease_owner = 'elsewhere', lease_expires_at = {until}, submitted_at = {now}, started_at = {now}",
            now = now_ms()
        ),
    );
}

fn completed_event(job: &str) -> Value {
    json!({"event": "completed", "taskId": job, "result": super::mock::cc_article(job, "Callback topic")})
}

#[test]
pub(crate) fn webhook_rejections_change_nothing() {
    let env = Env::new();
    env.account("blog");
    let id = running_task(&env, "cc-7");
    let api = api_with_secret(&env);
    let now = now_ms() / 1000;
    let path = callback_path(&id);
    let event = completed_event("cc-7");
    let before = env.dump();
    let unchanged = |what: &str| assert_eq!(env.dump(), before, "{what} changed the store");

    api.anonymous(Req::new("POST", &path).json(&event))
        .error(401, "unauthorized", None);
    unchanged("unsigned");
    api.anonymous(
        Req::new("POST", &path)
            .json(&event)
            .header("x-webhook-timestamp", &now.to_string()),
    )
    .error(401, "unauthorized", None);
    unchanged("missing signature");
    api.anonymous(
        Req::new("POST", &path)
            .json(&event)
            .signed("not-the-secret", now),
    )
    .error(401, "unauthorized", None);
    unchanged("forged");
    // Signed over one body, sent with another.
    let mut tampered = Req::new("POST", &path).json(&event).signed(SECRET, now);
    tampered.body = Some(completed_event("cc-8").to_string().into_bytes());
    api.anonymous(tampered).error(401, "unauthorized", None);
    unchanged("tampered");
    for skew in [-400, 400] {
        let r = api.anonymous(
            Req::new("POST", &path)
                .json(&event)
                .signed(SECRET, now + skew),
        );
        r.error(401, "unauthorized", None);
        assert!(r.body.contains("timestamp"), "{}", r.body);
    }
    unchanged("stale");
    // An unknown task: 404 when signed, but 401 unsigned: the signature is checked first.
    let ghost = callback_path("task-ffffffffffff");
    api.anonymous(Req::new("POST", &ghost).json(&event).signed(SECRET, now))
        .error(404, "not_found", None);
    api.anonymous(Req::new("POST", &ghost).json(&event))
        .error(401, "unauthorized", None);
    api.anonymous(
        Req::new("POST", &callback_path("abcd"))
            .json(&event)
            .signed(SECRET, now),
    )
    .error(404, "not_found", None);
    unchanged("unknown task");
    // Oversized, even with a valid signature.
    let mut big = event.clone();
    big["result"]["content"] = json!("x".repeat(1 << 20));
    api.anonymous(Req::new("POST", &path).json(&big).signed(SECRET, now))
        .error(413, "payload_too_large", None);
    unchanged("oversized");
    // Signed but unreadable.
    api.anonymous(Req::new("POST", &path).raw("{nope").signed(SECRET, now))
        .error(400, "bad_request", None);
    api.anonymous(
        Req::new("POST", &path)
            .json(&json!({"event": "exploded", "taskId": "cc-7"}))
            .signed(SECRET, now + 1),
    )
    .error(422, "validation_failed", Some("event"));
    unchanged("malformed");

    // Replayed: the first delivery applies, the same signature again is refused.
    let progress = Req::new("POST", &path)
        .json(&json!({"event": "progress", "taskId": "cc-7", "progress": 40, "currentStep": "writing"}))
        .signed(SECRET, now);
    let first = api.anonymous(progress.clone()).ok(200);
    assert_eq!(first["status"], "progress");
    let after_first = env.dump();
    assert_ne!(after_first, before);
    api.anonymous(progress).error(409, "replayed", None);
    assert_eq!(env.dump(), after_first, "a replay changed the store");
    assert_eq!(env.status_of(&id), "processing");
    assert_eq!(env.count("SELECT count(*) FROM contents"), 0);
}

#[test]
pub(crate) fn webhook_without_a_secret_hears_loopback_and_settles_once() {
    let env = Env::new();
    env.account("blog");
    let id = running_task(&env, "cc-3");
    let api = Api::start(&env, Setup::default());
    let path = callback_path(&id);

    // Progress, then a callback about another job (recorded and ignored).
    let p = api
        .anonymous(Req::new("POST", &path).json(&json!({"event": "progress", "taskId": "cc-3", "progress": "55", "currentStep": "images"})))
        .ok(200);
    assert_eq!(p["status"], "progress");
    let t = cli_json(&env, &["task", "show", &id]);
    assert_eq!(
        (&t["progress"], &t["current_step"]),
        (&json!(55), &json!("images"))
    );
    let stale = api
        .anonymous(Req::new("POST", &path).json(&completed_event("cc-2")))
        .ok(200);
    assert_eq!(stale["status"], "ignored");
    assert_eq!(env.status_of(&id), "processing");
    let log = env.ok(["task", "log", &id]);
    assert!(log.contains("ignored") && log.contains("cc-2"), "{log}");

    // Five identical completions at once: one content row, one completion.
    let replies = api.concurrently(vec![
        Req::new("POST", &path).json(&completed_event("cc-3"));
        5
    ]);
    let mut statuses: Vec<String> = replies
        .iter()
        .map(|r| r.ok(200)["status"].as_str().unwrap().to_string())
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        ["completed", "ignored", "ignored", "ignored", "ignored"]
    );
    assert_eq!(env.status_of(&id), "completed");
    assert_eq!(env.count("SELECT count(*) FROM contents"), 1);
    assert_eq!(
        env.count("SELECT value FROM counters WHERE name = 'tasks_completed_total'"),
        1
    );
    let c = cli_json(&env, &["content", "list"]);
    let c = &c[0];
    assert_eq!(c["task_id"], id.as_str());
    // Our count of the stored body, not the service's `wordCount` (321, the draft's).
    assert_eq!(
        (&c["title"], &c["word_count"]),
        (&json!("Callback topic"), &json!(12))
    );
    // Late callbacks change nothing.
    let late = api
        .anonymous(
            Req::new("POST", &path)
                .json(&json!({"event": "failed", "taskId": "cc-3", "error": {"message": "late"}})),
        )
        .ok(200);
    assert_eq!(late["status"], "ignored");
    assert_eq!(env.status_of(&id), "completed");
}

#[test]
pub(crate) fn webhook_without_a_secret_refuses_other_machines() {
    // The machines this suite runs on (a developer's, CI's) have a network interface; a
    // machine with loopback alone cannot show what another machine's request gets.
    let ip = non_loopback_address()
        .expect("this test needs an address besides loopback to send a request from");
    let env = Env::new();
    env.account("blog");
    let id = running_task(&env, "cc-5");
    let api = Api::start(
        &env,
        Setup {
            all_interfaces: true,
            ..Setup::default()
        },
    );
    let before = env.dump();
    let r = api.call_via(
        ip,
        Req::new("POST", &callback_path(&id)).json(&completed_event("cc-5")),
    );
    r.error(403, "forbidden", None);
    assert!(r.body.contains("secret_env"), "{}", r.body);
    assert_eq!(env.dump(), before);
    // The same request from loopback is heard.
    let ok = api
        .anonymous(Req::new("POST", &callback_path(&id)).json(&completed_event("cc-5")))
        .ok(200);
    assert_eq!(ok["status"], "completed");
}

/// A content-creator mock whose jobs run for a minute, and a daemon that polls it only every
/// minute: anything that finishes sooner came by callback.
fn slow_creator() -> (ContentCreator, String) {
    let cc = ContentCreator::start(Duration::from_secs(60), Duration::from_secs(60));
    let toml = format!(
        "[generators.cc]\nkind = \"content-creator\"\nbase_url = \"{}\"\nmode = \"async\"\n",
        cc.url()
    );
    (cc, toml)
}

fn submit_and_wait_for_job(env: &Env, api: &Api) -> (String, String) {
    let r = api
        .post(
            SUBMIT,
            &json!({"account_id": "blog", "topic": "Callback topic", "generator": "cc"}),
        )
        .ok(202);
    let id = r["task_id"].as_str().unwrap().to_string();
    let mut job = String::new();
    wait_until("the worker starts a remote job", DEADLINE, || {
        let t = cli_json(env, &["task", "show", &id]);
        match t["remote_job_id"].as_str() {
            Some(j) if t["status"] == "processing" => {
                job = j.to_string();
                true
            }
            _ => false,
        }
    });
    (id, job)
}

/// The API alone on `env`, with the webhook secret set.
fn api_with_secret(env: &Env) -> Api {
    Api::start(
        env,
        Setup {
            secret: Some(SECRET),
            ..Setup::default()
        },
    )
}

/// The daemon and its API on `env`, a slow content-creator, a webhook secret, and callback
/// URLs pointing at the API: a job finishes sooner only by callback.
fn signed_callbacks(env: &Env) -> (ContentCreator, Api) {
    let (cc, toml) = slow_creator();
    let api = Api::start(
        env,
        Setup {
            run_engine: true,
            secret: Some(SECRET),
            generators: toml,
            poll_interval: Some(Duration::from_secs(60)),
            public_url: true,
            ..Setup::default()
        },
    );
    (cc, api)
}

#[test]
pub(crate) fn webhook_completion_frees_the_worker_at_once_even_sent_5_times() {
    let env = Env::new();
    env.account("blog");
    let (cc, api) = signed_callbacks(&env);
    let (id, job) = submit_and_wait_for_job(&env, &api);
    // The daemon told content-creator where to call back, with the token of this job.
    let submit = &cc.submits()[0];
    assert_eq!(
        submit.body["callbackUrl"],
        format!("{}{}", api.base, token_path(&id, &job))
    );
    assert_eq!(submit.body["callbackEnabled"], true);
    wait_until("the dispatcher counts the worker", DEADLINE, || {
        api.shared.in_flight.load(Ordering::Relaxed) == 1
    });

    // Five valid deliveries at once (each signed at its own second, so none is a replay).
    let now = now_ms() / 1000;
    let reqs: Vec<Req> = (0..5)
        .map(|i| {
            Req::new("POST", &callback_path(&id))
                .json(&completed_event(&job))
                .signed(SECRET, now - i)
        })
        .collect();
    let replies = api.concurrently(reqs);
    let completed = replies
        .iter()
        .filter(|r| r.ok(200)["status"] == "completed")
        .count();
    assert_eq!(completed, 1, "{replies:?}");
    assert_eq!(env.status_of(&id), "completed");
    assert_eq!(env.count("SELECT count(*) FROM contents"), 1);
    let started = Instant::now();
    wait_until("the worker's slot frees", Duration::from_secs(3), || {
        api.shared.in_flight.load(Ordering::Relaxed) == 0
    });
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(cc.deletes().is_empty(), "a completed job is not cancelled");

    // The same signed delivery five times at once: one is heard, four are replays.
    let (id2, job2) = submit_and_wait_for_job(&env, &api);
    let same = Req::new("POST", &callback_path(&id2))
        .json(&completed_event(&job2))
        .signed(SECRET, now);
    let replies = api.concurrently(vec![same; 5]);
    let mut codes: Vec<u16> = replies.iter().map(|r| r.status).collect();
    codes.sort();
    assert_eq!(codes, [200, 409, 409, 409, 409], "{replies:?}");
    assert_eq!(env.status_of(&id2), "completed");
    assert_eq!(env.count("SELECT count(*) FROM contents"), 2);
}

#[test]
pub(crate) fn webhook_failure_retries_with_a_new_remote_job() {
    let env = Env::new();
    env.account("blog");
    let (cc, toml) = slow_creator();
    let api = Api::start(
        &env,
        Setup {
            run_engine: true,
            generators: toml,
            poll_interval: Some(Duration::from_secs(60)),
            ..Setup::default()
        },
    );
    let (id, job) = submit_and_wait_for_job(&env, &api);
    let r = api
        .anonymous(Req::new("POST", &callback_path(&id)).json(&json!({
            "event": "failed", "taskId": job, "error": {"message": "model overloaded", "code": "E_MODEL"}
        })))
        .ok(200);
    assert_eq!(r["status"], "retrying", "{r}");
    // The retry (after 100 ms in tests) submits a second job under the next idempotency key.
    wait_until("a second remote job", DEADLINE, || cc.jobs().len() == 2);
    let keys: Vec<String> = cc.jobs().iter().map(|j| j.key.clone()).collect();
    assert_eq!(keys, [id.clone(), format!("{id}-r1")]);
    let t = cli_json(&env, &["task", "show", &id]);
    assert_eq!(t["retry_count"], 1);
    assert!(
        t["error_message"]
            .as_str()
            .unwrap()
            .contains("model overloaded (E_MODEL)"),
        "{t}"
    );
}

// ---------------------------------------------------------------------------------------------
// Callbacks that cannot be signed: the token in the callback URL

/// content-creator's callbacks as the real service sent them: unsigned, without a timestamp.
const RECORDED_CALLBACKS: &str = include_str!("../data/content-creator/callbacks.jsonl");

/// The first recorded callback of `event`, about job `job` instead: its body and the headers
/// the service sends with it.
fn recorded(event: &str, job: &str) -> (Value, Vec<(String, String)>) {
    let line = RECORDED_CALLBACKS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).expect("a recorded exchange"))
        .find(|l| l["body"]["event"] == event)
        .unwrap_or_else(|| panic!("no recorded '{event}' callback"));
    let mut body = line["body"].clone();
    body["taskId"] = json!(job);
    let headers = line["headers"]
        .as_object()
        .expect("recorded headers")
        .iter()
        .map(|(k, v)| {
            let v = if k.eq_ignore_ascii_case("x-task-id") {
                job.to_string()
            } else {
                v.as_str().expect("a header value").to_string()
            };
            (k.clone(), v)
        })
        .collect();
    (body, headers)
}

/// The recorded `event` callback about job `job`, posted to `path` as the service posts it.
fn replayed(path: &str, event: &str, job: &str) -> Req {
    let (body, headers) = recorded(event, job);
    headers
        .iter()
        .fold(Req::new("POST", path).raw(body.to_string()), |r, (k, v)| {
            r.header(k, v)
        })
}

/// A task in `processing` on its content-creator job of attempt `attempt` (`{id}` first,
/// then `{id}-r{n}`), held by another daemon. Returns the task id and the job.
fn running_attempt(env: &Env, attempt: u32, extra: &[&str]) -> (String, String) {
    let id = env.submit("blog", "Callback topic", extra);
    let job = match attempt {
        0 => id.clone(),
        n => format!("{id}-r{n}"),
    };
    hold_running(env, &id, &job);
    (id, job)
}

const RECORDED_TITLE: &str = "签名回调测试：实践指南";
const RECORDED_FAILURE: &str = "connect ECONNREFUSED 127.0.0.1:38205";

#[test]
pub(crate) fn an_unsigned_callback_with_its_token_settles_the_task() {
    let env = Env::new();
    env.account("blog");
    let (id, job) = running_attempt(&env, 0, &[]);
    let api = api_with_secret(&env);
    let r = api
        .anonymous(replayed(&token_path(&id, &job), "completed", &job))
        .ok(200);
    assert_eq!(r["status"], "completed", "{r}");
    assert_eq!(r["task_id"], id.as_str());
    assert_eq!(env.status_of(&id), "completed");
    let contents = cli_json(&env, &["content", "list"]);
    assert_eq!(contents.as_array().map(Vec::len), Some(1), "{contents}");
    assert_eq!(
        (&contents[0]["task_id"], &contents[0]["title"]),
        (&json!(id), &json!(RECORDED_TITLE))
    );
    // The service may send it again: a token is no one-time secret, so this is no replay to
    // refuse, and the repeated report changes nothing.
    let again = api
        .anonymous(replayed(&token_path(&id, &job), "completed", &job))
        .ok(200);
    assert_eq!(again["status"], "ignored", "{again}");
    assert_eq!(env.status_of(&id), "completed");
    assert_eq!(env.count("SELECT count(*) FROM contents"), 1);
}

#[test]
pub(crate) fn callback_token_refusals_change_nothing() {
    let env = Env::new();
    env.account("blog");
    // The task's third job is running: two were abandoned before it.
    let (id, job) = running_attempt(&env, 2, &[]);
    let abandoned = format!("{id}-r1");
    let (other, other_job) = running_attempt(&env, 0, &[]);
    let api = api_with_secret(&env);
    let counts = || {
        (
            env.status_of(&id),
            env.count("SELECT count(*) FROM task_events"),
            env.count("SELECT count(*) FROM contents"),
        )
    };
    let (counted, before) = (counts(), env.dump());
    let refused = |what: &str, r: Req| -> Resp {
        let resp = api.anonymous(r);
        resp.error(401, "unauthorized", None);
        assert_eq!(counts(), counted, "{what}");
        assert_eq!(env.dump(), before, "{what} changed the store");
        resp
    };

    let forged = signature::callback_token(b"not-the-secret", &id, &job);
    let r = refused(
        "a forged token",
        replayed(&with_token(&id, &forged), "completed", &job),
    );
    assert!(r.body.contains("token"), "{}", r.body);
    refused(
        "a token that is not hex",
        replayed(&with_token(&id, "zz"), "completed", &job),
    );
    refused(
        "an empty token",
        replayed(&with_token(&id, ""), "completed", &job),
    );
    let r = refused(
        "neither a signature nor a token",
        replayed(&callback_path(&id), "completed", &job),
    );
    assert!(r.body.contains("timestamp"), "{}", r.body);
    // The token of an abandoned job does not settle the current one.
    refused(
        "the -r1 token on the -r2 job",
        replayed(&token_path(&id, &abandoned), "completed", &job),
    );
    refused(
        "the first job's token on the -r2 job",
        replayed(&token_path(&id, &id), "completed", &job),
    );
    // A token names one job: the body must name the same.
    refused(
        "a body naming another job than the token",
        replayed(&token_path(&id, &job), "failed", &abandoned),
    );
    // Another task's token, with its job or with this task's.
    let others = signature::callback_token(SECRET.as_bytes(), &other, &other_job);
    refused(
        "another task's token",
        replayed(&with_token(&id, &others), "completed", &job),
    );
    refused(
        "another task's token and job",
        replayed(&with_token(&id, &others), "completed", &other_job),
    );
    // The token is checked before the body is read or the task looked up.
    refused(
        "an unreadable body",
        Req::new("POST", &token_path(&id, &job)).raw("{nope"),
    );
    refused(
        "a forged token for an unknown task",
        replayed(
            &with_token("task-ffffffffffff", &forged),
            "completed",
            "task-ffffffffffff",
        ),
    );
    api.anonymous(replayed(
        &token_path("task-ffffffffffff", "task-ffffffffffff"),
        "completed",
        "task-ffffffffffff",
    ))
    .error(404, "not_found", None);
    assert_eq!(env.dump(), before, "an unknown task changed the store");

    // The abandoned job's own callback is authentic: heard, recorded as ignored, and it
    // settles nothing.
    let late = api
        .anonymous(replayed(
            &token_path(&id, &abandoned),
            "completed",
            &abandoned,
        ))
        .ok(200);
    assert_eq!(late["status"], "ignored", "{late}");
    assert_eq!(env.status_of(&id), "processing");
    assert_eq!(env.count("SELECT count(*) FROM contents"), 0);
    let log = env.ok(["task", "log", &id]);
    assert!(log.contains("ignored") && log.contains(&abandoned), "{log}");

    // The current job's token settles it; the other task is untouched.
    let done = api
        .anonymous(replayed(&token_path(&id, &job), "completed", &job))
        .ok(200);
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(env.status_of(&id), "completed");
    assert_eq!(env.status_of(&other), "processing");
}

#[test]
pub(crate) fn the_callback_url_carries_the_token_of_each_attempt() {
    let env = Env::new();
    env.account("blog");
    let (cc, api) = signed_callbacks(&env);
    let (id, job) = submit_and_wait_for_job(&env, &api);
    assert_eq!(job, id, "the first job is named by the task id");
    let sent = |n: usize| -> String {
        let url = cc.submits()[n].body["callbackUrl"].clone();
        let url = url.as_str().expect("a callbackUrl");
        url.strip_prefix(api.base.as_str())
            .unwrap_or_else(|| panic!("{url} is not under {}", api.base))
            .to_string()
    };
    let first = sent(0);
    assert_eq!(first, token_path(&id, &id));

    // The service posts to that URL as it is, unsigned; its failure sends the task round again
    // with the reason on record.
    let r = api.anonymous(replayed(&first, "failed", &job)).ok(200);
    assert_eq!(r["status"], "retrying", "{r}");
    let t = cli_json(&env, &["task", "show", &id]);
    assert!(
        t["error_message"]
            .as_str()
            .is_some_and(|m| m.contains(RECORDED_FAILURE)),
        "{t}"
    );

    // The next attempt's URL carries the token of its own key.
    let second_job = format!("{id}-r1");
    wait_until("the second job is running", DEADLINE, || {
        let t = cli_json(&env, &["task", "show", &id]);
        t["status"] == "processing" && t["remote_job_id"] == second_job.as_str()
    });
    assert_eq!(cc.submits().len(), 2);
    let second = sent(1);
    assert_eq!(second, token_path(&id, &second_job));
    assert_ne!(second, first);

    // The first URL does not settle the second job; the second does. (The task and its
    // history, not the whole store: the running daemon renews leases and beats meanwhile.)
    let task_state = || {
        let mut task = cli_json(&env, &["task", "show", &id]);
        task.as_object_mut()
            .expect("a task object")
            .remove("lease_expires_at");
        (
            task,
            env.ok(["task", "log", &id, "--format", "json"]),
            env.count("SELECT count(*) FROM contents"),
        )
    };
    let before = task_state();
    api.anonymous(replayed(&first, "completed", &second_job))
        .error(401, "unauthorized", None);
    assert_eq!(
        task_state(),
        before,
        "the first job's token changed the task"
    );
    let r = api
        .anonymous(replayed(&second, "completed", &second_job))
        .ok(200);
    assert_eq!(r["status"], "completed", "{r}");
    assert_eq!(env.status_of(&id), "completed");
    assert_eq!(env.count("SELECT count(*) FROM contents"), 1);
}

#[test]
pub(crate) fn a_failed_callback_carries_its_reason_into_the_task() {
    let env = Env::new();
    env.account("blog");
    let (id, job) = running_attempt(&env, 0, &["--max-retries", "0"]);
    let api = api_with_secret(&env);
    let r = api
        .anonymous(replayed(&token_path(&id, &job), "failed", &job))
        .ok(200);
    assert_eq!(r["status"], "failed", "{r}");
    assert!(
        r["message"]
            .as_str()
            .is_some_and(|m| m.contains(RECORDED_FAILURE)),
        "{r}"
    );
    let t = cli_json(&env, &["task", "show", &id]);
    assert_eq!(t["status"], "failed");
    let message = t["error_message"].as_str().unwrap_or_default();
    assert!(
        message.contains(RECORDED_FAILURE) && message.contains(&job),
        "{t}"
    );
    assert_eq!(env.count("SELECT count(*) FROM contents"), 0);
}

#[test]
pub(crate) fn a_late_completion_after_a_cancel_changes_nothing() {
    let env = Env::new();
    env.account("blog");
    let (id, job) = running_attempt(&env, 0, &[]);
    let api = api_with_secret(&env);
    env.ok(["task", "cancel", &id]);
    assert_eq!(env.status_of(&id), "cancelled");
    // The service goes on after a cancel and still reports the job completed.
    let r = api
        .anonymous(replayed(&token_path(&id, &job), "completed", &job))
        .ok(200);
    assert_eq!(r["status"], "ignored", "{r}");
    assert_eq!(env.status_of(&id), "cancelled");
    assert_eq!(env.count("SELECT count(*) FROM contents"), 0);
    let t = cli_json(&env, &["task", "show", &id]);
    assert!(t["content_id"].is_null(), "{t}");
    let log = env.ok(["task", "log", &id]);
    assert!(
        log.contains("ignored") && log.contains("cancelled"),
        "{log}"
    );
}

// ---------------------------------------------------------------------------------------------
// The real binary

#[test]
pub(crate) fn daemon_run_listen_serves_until_sigterm() {
    let env = Env::new();
    env.account("blog");
    let mut child = env.spawn(&["daemon", "run", "--listen", "127.0.0.1:0"], &[]);
    let addr = child.listening(DEADLINE);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(DEADLINE)
        .build()
        .unwrap();
    let base = format!("http://{addr}");
    let (code, health) = rt.block_on(async {
        let r = client.get(format!("{base}/healthz")).send().await.unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    });
    assert_eq!((code, &health["status"]), (200, &json!("ok")), "{health}");
    let (code, reply) = rt.block_on(async {
        let r = client
            .post(format!("{base}{SUBMIT}"))
            .json(&json!({"account_id": "blog", "topic": "Over HTTP"}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    });
    assert_eq!(code, 202, "{reply}");
    let id = reply["task_id"].as_str().unwrap().to_string();
    wait_until("the daemon completes it", DEADLINE, || {
        env.status_of(&id) == "completed"
    });
    child.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(child.exit_code(DEADLINE), 0, "{}", child.log());
    let gone = rt.block_on(async { client.get(format!("{base}/healthz")).send().await });
    assert!(gone.is_err(), "the API stopped with the daemon");
}

#[test]
pub(crate) fn daemon_refuses_a_public_address_without_a_token() {
    let env = Env::new();
    let r = env
        .cmd(["daemon", "run", "--listen", "0.0.0.0:0"])
        .run()
        .code(2);
    r.stderr_has("without a token");
    r.stderr_has("token_env");
    env.cmd(["daemon", "run", "--listen", "localhost"])
        .run()
        .code(2)
        .stderr_has("not an address");
    env.config("[api]\ntoken_env = \"CH_TEST_TOKEN\"\n");
    env.cmd(["daemon", "run", "--listen", "0.0.0.0:0"])
        .env_remove("CH_TEST_TOKEN")
        .run()
        .code(2)
        .stderr_has("CH_TEST_TOKEN");
}

#[test]
pub(crate) fn daemon_run_gives_content_creator_a_url_with_the_configured_secrets_token() {
    let env = Env::new();
    env.account("blog");
    let cc = ContentCreator::start(Duration::from_secs(60), Duration::from_secs(60));
    env.config(&format!(
        "[webhook]\nsecret_env = \"CH_TEST_WEBHOOK_SECRET\"\npublic_url = \"http://callbacks.example.com/\"\n\n\
         [generators.cc]\nkind = \"content-creator\"\nbase_url = \"{}\"\nmode = \"async\"\n",
        cc.url()
    ));
    let id = env.submit("blog", "Callback topic", &["--generator", "cc"]);
    let mut child = env.spawn(
        &["daemon", "run", "--listen", "127.0.0.1:0"],
        &[("CH_TEST_WEBHOOK_SECRET", SECRET)],
    );
    let addr = child.listening(DEADLINE);
    wait_until("the daemon submits the job", DEADLINE, || {
        !cc.submits().is_empty()
    });
    let url = cc.submits()[0].body["callbackUrl"].clone();
    let url = url.as_str().expect("a callbackUrl");
    let path = url
        .strip_prefix("http://callbacks.example.com")
        .unwrap_or_else(|| panic!("{url} is not under the public URL"));
    assert_eq!(path, token_path(&id, &id));
    wait_until("the daemon records the job", DEADLINE, || {
        env.json::<Value>(&["task", "show", &id])["remote_job_id"] == id.as_str()
    });

    // The daemon's receiver checks that token with the same secret.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(DEADLINE)
        .build()
        .expect("a client");
    let (code, reply) = rt.block_on(async {
        let r = client
            .post(format!("http://{addr}{path}"))
            .header("content-type", "application/json")
            .body(recorded("completed", &id).0.to_string())
            .send()
            .await
            .expect("the callback is answered");
        (
            r.status().as_u16(),
            r.json::<Value>().await.expect("a JSON reply"),
        )
    });
    assert_eq!(
        (code, &reply["status"]),
        (200, &json!("completed")),
        "{reply}"
    );
    assert_eq!(env.status_of(&id), "completed");
    child.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(child.exit_code(DEADLINE), 0, "{}", child.log());
}

/// The OpenAPI document's rules, request by request: what it declares valid is accepted and
/// what it declares invalid is refused, naming the field. (CI also runs schemathesis against
/// the document: `.ci/schemathesis`.)
#[test]
pub(crate) fn the_server_enforces_what_the_openapi_document_states() {
    let fx = Fixture::new();
    let env = &fx.env;
    let api = Api::start(env, Setup::default());
    let doc = api.get("/api/v1/openapi.json").ok(200);

    // Task ids in paths: `^(task-)?[0-9a-fA-F]{4,12}$`, nothing around them.
    let get = &doc["paths"]["/api/v1/content/tasks/{task_id}"]["get"];
    assert_eq!(
        get["parameters"][0]["schema"]["pattern"],
        "^(task-)?[0-9a-fA-F]{4,12}$"
    );
    for bad in [
        "%20aaaa00000001",
        "aaaa00000001%20",
        "task-0123456789abc",
        "TASK-aaaa",
        "task-",
    ] {
        api.get(&task_path(bad))
            .error(422, "validation_failed", Some("task_id"));
        for verb in ["cancel", "retry"] {
            api.call(Req::new("POST", &format!("{}/{verb}", task_path(bad))))
                .error(422, "validation_failed", Some("task_id"));
        }
    }
    api.get(&task_path("AAAA00000001")).ok(200);
    api.get(&task_path("0000")).error(404, "not_found", None);

    // Submit bodies.
    let props = &doc["components"]["schemas"]["SubmitRequest"]["properties"];
    assert_eq!(props["topic"]["minLength"], 1);
    assert!(props["topic"]["pattern"].as_str().unwrap().contains("\\s"));
    let before = env.dump();
    for (body, field, needle) in [
        (
            json!({"account_id": "blog", "topic": "ring\u{7}"}),
            "topic",
            "U+0007",
        ),
        (
            json!({"account_id": "blog", "topic": "a\nb"}),
            "topic",
            "U+000A",
        ),
        (
            json!({"account_id": "blog", "topic": "\t"}),
            "topic",
            "blank",
        ),
        (
            json!({"account_id": "blog", "topic": "t", "keywords": ["a", "b\u{1b}"]}),
            "keywords",
            "U+001B",
        ),
        (
            json!({"account_id": "blog", "topic": "t", "keywords": "a,b\u{0}"}),
            "keywords",
            "U+0000",
        ),
        (
            json!({"account_id": "blog", "topic": "t", "keywords": [format!(" {}", "k".repeat(64))]}),
            "keywords",
            "too long",
        ),
        (
            json!({"account_id": "blog", "topic": "t", "requirements": "a\r\nb"}),
            "requirements",
            "U+000D",
        ),
        (
            json!({"account_id": "blog", "topic": format!("{} ", "x".repeat(500))}),
            "topic",
            "501",
        ),
        (
            json!({"account_id": "blog", "topic": "t", "priority": 4.5}),
            "priority",
            "4.5",
        ),
        (
            json!({"account_id": "blog", "topic": "t", "max_retries": 1.5}),
            "max_retries",
            "1.5",
        ),
        (
            json!({"account_id": "blog", "topic": "t", "timeout": 0}),
            "timeout",
            "greater than zero",
        ),
        (
            json!({"account_id": "blog", "topic": "t", "timeout": -5}),
            "timeout",
            "-5",
        ),
        (
            json!({"account_id": "ghost", "topic": "t"}),
            "account_id",
            "ghost",
        ),
        (json!({"account_id": 99, "topic": "t"}), "account_id", "99"),
    ] {
        let r = api.post(SUBMIT, &body);
        r.error(422, "validation_failed", Some(field));
        assert!(r.body.contains(needle), "{body}: {}", r.body);
    }
    assert_eq!(env.dump(), before, "a refused submit changes nothing");
    // JSON Schema's integers: 4.0 is the integer 4, for every integer field.
    let r = api
        .post(
            SUBMIT,
            &json!({"account_id": 1.0, "topic": "whole numbers", "priority": 4.0,
                    "max_retries": 2.0, "timeout": 600.0, "keywords": null, "tone": null,
                    "requirements": "line one\n\tline two"}),
        )
        .ok(202);
    let task = api.get(&task_path(r["task_id"].as_str().unwrap())).ok(200);
    assert_eq!(
        (
            &task["priority"],
            &task["max_retries"],
            &task["timeout_seconds"],
            &task["account"]
        ),
        (&json!(4), &json!(2), &json!(600), &json!("blog"))
    );
    assert_eq!(task["requirements"], "line one\n\tline two");

    // Query values: taken as written, and an empty one is refused like any other bad value.
    for (q, field) in [
        ("status=", "status"),
        ("offset=", "offset"),
        ("limit=", "limit"),
        ("account_id=", "account_id"),
        ("limit=%2010", "limit"),
        ("offset=+1", "offset"),
        ("offset=4294967296", "offset"),
        ("status=pending,", "status"),
        ("status=%20pending", "status"),
        ("status=PENDING", "status"),
    ] {
        api.get(&format!("/api/v1/content/tasks?{q}"))
            .error(422, "validation_failed", Some(field));
    }
    api.get("/api/v1/content/tasks/stats?account_id=").error(
        422,
        "validation_failed",
        Some("account_id"),
    );
    assert_eq!(
        api.get("/api/v1/content/tasks?status=pending,failed&offset=4294967295")
            .ok(200)["items"],
        json!([])
    );
    for (q, field) in [
        ("?older_than=", "older_than"),
        ("?older_than=1%20day", "older_than"),
        ("?older_than=0d", "older_than"),
        ("?older_than=030d", "older_than"),
        ("?older_than=1000000d", "older_than"),
        ("?older_than=30d&dry_run=1", "dry_run"),
        ("?older_than=30d&dry_run=TRUE", "dry_run"),
    ] {
        api.call(Req::new(
            "DELETE",
            &format!("/api/v1/content/tasks/cleanup{q}"),
        ))
        .error(422, "validation_failed", Some(field));
    }
    // The longest age the pattern allows does not overflow.
    let r = api
        .call(Req::new(
            "DELETE",
            "/api/v1/content/tasks/cleanup?older_than=999999w&dry_run=true",
        ))
        .ok(200);
    assert_eq!(r, json!({"deleted": 0, "dry_run": true}));
    api.call(Req::new(
        "DELETE",
        "/api/v1/content/tasks/cleanup?older_than=999999w&dry_run=",
    ))
    .error(422, "validation_failed", Some("dry_run"));
    api.call(Req::new(
        "POST",
        &format!("{}/retry?force=", task_path(&fx.failed)),
    ))
    .error(422, "validation_failed", Some("force"));

    // Callbacks: taskId is a string that is not blank or a whole number from 0; the event is
    // one of the six names as written.
    let path = callback_path("task-ffff00000000");
    for (body, field) in [
        (json!({"event": "failed", "taskId": 7.5}), "taskId"),
        (json!({"event": "failed", "taskId": -3}), "taskId"),
        (json!({"event": "failed", "taskId": "  "}), "taskId"),
        (json!({"event": "failed", "taskId": true}), "taskId"),
        (json!({"event": "Failed", "taskId": "cc-1"}), "event"),
        (json!({"event": " failed", "taskId": "cc-1"}), "event"),
    ] {
        api.post(&path, &body)
            .error(422, "validation_failed", Some(field));
    }
    for body in [
        json!({"event": "failed", "taskId": 7.0}),
        json!({"event": "task.failed", "taskId": 18446744073709551615u64}),
        json!({"event": "progress", "taskId": "cc-1", "progress": "half", "currentStep": 3}),
    ] {
        api.post(&path, &body).error(404, "not_found", None);
    }
}

/// A topic nearly identical to a pending task of the account is queued with a warning in the
/// message; with `skip_similar` nothing is queued and the other task is returned (200).
#[test]
pub(crate) fn submit_warns_of_a_similar_topic_and_skip_similar_returns_the_other_task() {
    let env = Env::new();
    env.account("blog");
    let api = Api::start(&env, Setup::default());
    let first = api
        .post(
            SUBMIT,
            &json!({"account_id": "blog", "topic": "如何提高睡眠质量"}),
        )
        .ok(202);
    let first_id = first["task_id"].as_str().unwrap().to_string();
    let warned = api
        .post(
            SUBMIT,
            &json!({"account_id": "blog", "topic": "如何提高睡眠质量？"}),
        )
        .ok(202);
    assert_ne!(warned["task_id"], first_id.as_str());
    let message = warned["message"].as_str().unwrap();
    assert!(
        message.starts_with("queued; warning:") && message.contains(&first_id),
        "{warned}"
    );
    let skipped = api
        .post(
            SUBMIT,
            &json!({"account_id": "blog", "topic": "如何 提高 睡眠质量", "skip_similar": true}),
        )
        .ok(200);
    let other = skipped["task_id"].as_str().unwrap();
    assert!(other == first_id || other == warned["task_id"], "{skipped}");
    assert_eq!(skipped["status"], "pending");
    assert!(
        skipped["message"].as_str().unwrap().starts_with("skipped:"),
        "{skipped}"
    );
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 2);
    // Another topic with the flag is queued as usual.
    let other = api
        .post(
            SUBMIT,
            &json!({"account_id": "blog", "topic": "如何提高学习效率", "skip_similar": true}),
        )
        .ok(202);
    assert_eq!(other["message"], "queued");
}
