//! Alert rules end to end: a rule fires once and resolves once, and each notification
//! reaches a local receiver in its channel's format (generic webhook, DingTalk, Feishu,
//! WeCom, Slack, a command), signed the way each service checks.
//!
//! State changes are driven with `monitor alerts --notify` (what cron runs) and by the
//! daemon's own evaluation loop; the failure rate is moved in and out of the window with SQL.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use base64::Engine as _;
use chrono::Utc;
use serde_json::Value;

use crate::support::{wait_until, Env};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const NOTIFY_SECRET: &str = "alerts-notify-secret";
const DING_SECRET: &str = "SECdingtalk-test";
const FEISHU_SECRET: &str = "feishu-test-secret";

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

#[derive(Debug, Clone)]
struct Hit {
    service: String,
    query: String,
    headers: HashMap<String, String>,
    body: String,
}

impl Hit {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

type Hits = Arc<Mutex<Vec<Hit>>>;

/// Answers like each service does on success.
async fn hook(
    State(hits): State<Hits>,
    Path(service): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> String {
    hits.lock().unwrap().push(Hit {
        service: service.clone(),
        query: query.unwrap_or_default(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    match service.as_str() {
        "dingtalk" | "wecom" => r#"{"errcode":0,"errmsg":"ok"}"#.into(),
        "feishu" => r#"{"code":0,"msg":"success","data":{}}"#.into(),
        "slack" => "ok".into(),
        _ => String::new(),
    }
}

struct Receiver {
    _rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    hits: Hits,
}

impl Receiver {
    fn start() -> Receiver {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let hits: Hits = Arc::default();
        let app = Router::new()
            .route("/{service}", post(hook))
            .with_state(hits.clone());
        let addr = rt.block_on(async {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(l, app).await });
            addr
        });
        Receiver {
            _rt: rt,
            addr,
            hits,
        }
    }

    fn hits(&self, service: &str) -> Vec<Hit> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.service == service)
            .cloned()
            .collect()
    }

    fn total(&self) -> usize {
        self.hits.lock().unwrap().len()
    }
}

/// A store whose config sends to every kind of channel on `rx`; `rules` are `[[alerts]]`.
fn setup(rx: &Receiver, rules: &str, extra: &str) -> Env {
    let env = Env::new();
    let out = env.path().join("command-channel.jsonl");
    let addr = rx.addr;
    env.config(&format!(
        r#"[daemon]
lease = "1s"

[monitor]
expect_daemon = false
min_finished = 1
{extra}

[notify]
secret_env = "CH_TEST_NOTIFY_SECRET"
retry_initial = "200ms"
retry_max = "1s"
timeout = "2s"

[[notify.channels]]
name = "hook"
kind = "webhook"
url = "http://{addr}/webhook"

[[notify.channels]]
name = "ding"
kind = "dingtalk"
url_env = "CH_TEST_DING_URL"
secret_env = "CH_TEST_DING_SECRET"

[[notify.channels]]
name = "lark"
kind = "feishu"
url = "http://{addr}/feishu"
secret_env = "CH_TEST_FEISHU_SECRET"

[[notify.channels]]
name = "wx"
kind = "wecom"
url_env = "CH_TEST_WECOM_URL"

[[notify.channels]]
name = "team"
kind = "slack"
url = "http://{addr}/slack"

[[notify.channels]]
name = "script"
kind = "command"
command = ["sh", "-c", "cat >> '{out}'; echo >> '{out}'"]

{rules}"#,
        out = out.display(),
    ));
    env.account("blog");
    env
}

const FAILURES: &str = r#"
[[alerts]]
name = "failures"
metric = "failure_rate"
op = ">"
threshold = "50%"
window = "1h"
severity = "critical"
"#;

fn envs(rx: &Receiver) -> Vec<(&'static str, String)> {
    vec![
        ("CH_TEST_NOTIFY_SECRET", NOTIFY_SECRET.into()),
        (
            "CH_TEST_DING_URL",
            format!("http://{}/dingtalk?access_token=tok", rx.addr),
        ),
        ("CH_TEST_DING_SECRET", DING_SECRET.into()),
        ("CH_TEST_FEISHU_SECRET", FEISHU_SECRET.into()),
        (
            "CH_TEST_WECOM_URL",
            format!("http://{}/wecom?key=robot-key", rx.addr),
        ),
    ]
}

/// `monitor alerts --notify`, as cron runs it: (exit code, JSON statuses).
fn notify(env: &Env, rx: &Receiver) -> (i32, Vec<Value>) {
    let mut cmd = env.cmd(["monitor", "alerts", "--notify", "--format", "json"]);
    for (k, v) in envs(rx) {
        cmd = cmd.env(k, v);
    }
    let r = cmd.run();
    let v: Vec<Value> = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr));
    serde_json::from_str::<Vec<contenthub::monitor::alerts::AlertStatus>>(&r.stdout).unwrap();
    (r.code, v)
}

/// Two failed tasks that finished `ago` ms ago.
fn failures(env: &Env, ago: i64) {
    for topic in ["a", "b"] {
        let id = env.submit("blog", topic, &[]);
        let at = now_ms() - ago;
        env.update_task(
            &id,
            &format!(
                "status = 'failed', started_at = {}, completed_at = {at}",
                at - 1000
            ),
        );
    }
}

fn age_failures(env: &Env, by: i64) {
    env.exec(&format!(
        "UPDATE tasks SET completed_at = completed_at - {by}, started_at = started_at - {by} WHERE status = 'failed'"
    ));
}

fn command_lines(env: &Env) -> Vec<Value> {
    std::fs::read_to_string(env.path().join("command-channel.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Checks one firing or resolved message in each channel's own format and signature.
fn check_formats(rx: &Receiver, env: &Env, i: usize, firing: bool) {
    let (word, event) = if firing {
        ("FIRING", "alert.firing")
    } else {
        ("RESOLVED", "alert.resolved")
    };

    let hook = &rx.hits("webhook")[i];
    assert_eq!(hook.headers["x-contenthub-event"], event);
    let ts: i64 = hook.headers["x-contenthub-timestamp"].parse().unwrap();
    assert_eq!(
        hook.headers["x-contenthub-signature"],
        contenthub::signature::sign(NOTIFY_SECRET.as_bytes(), ts, hook.body.as_bytes())
    );
    let v = hook.json();
    assert_eq!(v["event"], event);
    assert_eq!(v["alert"]["name"], "failures");
    assert_eq!(v["alert"]["severity"], "critical");
    assert_eq!(v["alert"]["threshold"], "50%");

    let ding = &rx.hits("dingtalk")[i];
    let q: HashMap<String, String> = url_query(&ding.query);
    assert_eq!(q["access_token"], "tok");
    let to_sign = format!("{}\n{DING_SECRET}", q["timestamp"]);
    let sign = base64::engine::general_purpose::STANDARD.encode(
        contenthub::signature::hmac_sha256(DING_SECRET.as_bytes(), to_sign.as_bytes()),
    );
    assert_eq!(q["sign"], sign, "DingTalk signature");
    let v = ding.json();
    assert_eq!(v["msgtype"], "markdown");
    assert!(v["markdown"]["title"].as_str().unwrap().contains(word));
    assert!(v["markdown"]["text"]
        .as_str()
        .unwrap()
        .contains("failure_rate"));

    let lark = rx.hits("feishu")[i].json();
    assert_eq!(lark["msg_type"], "text");
    assert!(lark["content"]["text"].as_str().unwrap().contains(word));
    let ts = lark["timestamp"].as_str().unwrap();
    let key = format!("{ts}\n{FEISHU_SECRET}");
    let sign = base64::engine::general_purpose::STANDARD
        .encode(contenthub::signature::hmac_sha256(key.as_bytes(), b""));
    assert_eq!(lark["sign"], sign, "Feishu signature");
    assert!((ts.parse::<i64>().unwrap() - now_ms() / 1000).abs() < 60);

    let wx = &rx.hits("wecom")[i];
    assert_eq!(url_query(&wx.query)["key"], "robot-key");
    let v = wx.json();
    assert_eq!(v["msgtype"], "markdown");
    assert!(v["markdown"]["content"].as_str().unwrap().contains(word));

    let team = rx.hits("slack")[i].json();
    assert!(team["text"].as_str().unwrap().contains(word), "{team}");

    let lines = command_lines(env);
    assert_eq!(lines[i]["event"], event);
    assert_eq!(lines[i]["alert"]["name"], "failures");
}

fn url_query(q: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{q}"))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

#[test]
pub(crate) fn an_alert_fires_once_and_resolves_once_on_every_channel() {
    let rx = Receiver::start();
    let env = setup(&rx, FAILURES, "");
    let (code, v) = notify(&env, &rx);
    assert_eq!((code, &v[0]["state"]), (0, &Value::from("ok")), "{v:?}");
    assert_eq!(rx.total(), 0);

    failures(&env, MINUTE);
    let (code, v) = notify(&env, &rx);
    assert_eq!(code, 1, "exit 1 while firing: {v:?}");
    assert_eq!(v[0]["state"], "firing");
    assert_eq!(v[0]["shown"], "100%");
    assert_eq!(
        v[0]["channels"],
        serde_json::json!(["hook", "ding", "lark", "wx", "team", "script"])
    );
    for service in ["webhook", "dingtalk", "feishu", "wecom", "slack"] {
        assert_eq!(rx.hits(service).len(), 1, "{service}");
    }
    assert_eq!(command_lines(&env).len(), 1);
    check_formats(&rx, &env, 0, true);

    // Still firing: nothing more is sent.
    let (code, _) = notify(&env, &rx);
    assert_eq!(code, 1);
    assert_eq!(rx.total(), 5);

    // The failures leave the window: resolved, once.
    age_failures(&env, 2 * HOUR);
    let (code, v) = notify(&env, &rx);
    assert_eq!((code, &v[0]["state"]), (0, &Value::from("ok")), "{v:?}");
    assert_eq!(rx.total(), 10);
    check_formats(&rx, &env, 1, false);
    let (code, _) = notify(&env, &rx);
    assert_eq!(code, 0);
    assert_eq!(rx.total(), 10);
    assert_eq!(command_lines(&env).len(), 2);

    // Every delivery is recorded as sent, by channel name: no URL (which may hold a key)
    // is stored.
    let list: Vec<Value> = env.json(&["deliveries", "list"]);
    assert_eq!(list.len(), 12);
    assert!(list.iter().all(|d| d["status"] == "sent"), "{list:?}");
    assert!(list
        .iter()
        .all(|d| d["url"].as_str().unwrap().starts_with("channel:")));
    assert!(
        !env.dump().contains("robot-key"),
        "a URL's key reached the store"
    );
}

#[test]
pub(crate) fn rules_name_their_channels_hold_down_and_renotify() {
    let rx = Receiver::start();
    let rules = r#"
[[alerts]]
name = "busy"
metric = "backlog"
op = ">="
threshold = 2
channels = ["hook"]
renotify = "1ms"

[[alerts]]
name = "slow"
metric = "backlog"
op = ">="
threshold = 2
for = "1h"
"#;
    let env = setup(&rx, rules, "");
    env.submit("blog", "one", &[]);
    env.submit("blog", "two", &[]);
    let (code, v) = notify(&env, &rx);
    assert_eq!(code, 1);
    assert_eq!(
        (&v[0]["state"], &v[1]["state"]),
        (&"firing".into(), &"pending".into())
    );
    assert_eq!(
        rx.total(),
        1,
        "only the named channel, and the held rule is quiet"
    );
    assert_eq!(rx.hits("webhook")[0].json()["alert"]["name"], "busy");
    // With a re-notify interval, a rule still firing is announced again.
    std::thread::sleep(Duration::from_millis(5));
    notify(&env, &rx);
    assert_eq!(rx.hits("webhook").len(), 2);
}

#[test]
pub(crate) fn without_rules_the_old_defaults_apply() {
    let env = Env::new();
    let r = env.run(["monitor", "alerts", "--format", "json"]);
    let v: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    let conds: Vec<&str> = v.iter().map(|r| r["condition"].as_str().unwrap()).collect();
    assert_eq!(
        conds,
        [
            "failure_rate > 20% over 1h",
            "timeout_rate > 10% over 1h",
            "backlog > 50",
            "daemon_down > 0"
        ]
    );
    // No daemon runs here: that one fires.
    let r = env.run(["monitor", "alerts"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("daemon_down"), "{}", r.stdout);
    // Evaluating without --notify records nothing.
    assert_eq!(env.count("SELECT count(*) FROM alerts"), 0);
}

#[test]
pub(crate) fn bad_rules_and_channels_are_refused_with_their_line() {
    let env = Env::new();
    for (toml, needle) in [
        ("[[alerts]]\nname = \"x\"\nmetric = \"nope\"\nop = \">\"\nthreshold = 1\n", "metric"),
        ("[[alerts]]\nname = \"x\"\nmetric = \"backlog\"\nop = \"=>\"\nthreshold = 1\n", "op"),
        ("[[alerts]]\nname = \"x\"\nmetric = \"failure_rate\"\nop = \">\"\nthreshold = \"150%\"\n", "threshold"),
        ("[[alerts]]\nname = \"x\"\nmetric = \"backlog\"\nop = \">\"\nthreshold = 1\nchannels = [\"ops\"]\n", "'ops'"),
        ("[[alerts]]\nname = \"x\"\nmetric = \"failed\"\nop = \">\"\nthreshold = 1\nwindow = \"106751991168d\"\n", "window"),
        ("[monitor]\nwindow = \"0s\"\n", "monitor.window"),
        ("[[notify.channels]]\nname = \"ops\"\nkind = \"slack\"\n", "url"),
        ("[[notify.channels]]\nname = \"ops\"\nkind = \"pager\"\nurl = \"http://x\"\n", "kind"),
        ("[[notify.channels]]\nname = \"ops\"\nkind = \"wecom\"\nurl = \"http://x\"\nsecret_env = \"S\"\n", "secret_env"),
    ] {
        env.config(toml);
        let r = env.run(["monitor", "alerts"]);
        assert_eq!(r.code, 2, "{toml}: {}", r.stderr);
        assert!(r.stderr.contains("line "), "{toml}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{toml}: {needle} in {}", r.stderr);
    }
}

#[test]
pub(crate) fn the_daemon_evaluates_rules_and_notifies_through_the_outbox() {
    let rx = Receiver::start();
    let env = setup(&rx, FAILURES, "alert_interval = \"1s\"\n");
    failures(&env, MINUTE);
    let envs = envs(&rx);
    let pairs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut daemon = env.spawn(&["daemon", "run"], &pairs);
    // Evaluated at start: one firing message per HTTP channel.
    wait_until("firing notifications", Duration::from_secs(20), || {
        rx.total() >= 5
    });
    age_failures(&env, 2 * HOUR);
    wait_until("resolved notifications", Duration::from_secs(20), || {
        rx.total() >= 10
    });
    // A few more evaluations go by without news.
    std::thread::sleep(Duration::from_millis(2_500));
    assert_eq!(rx.total(), 10, "{}", daemon.log());
    for service in ["webhook", "dingtalk", "feishu", "wecom", "slack"] {
        let events: Vec<String> = rx.hits(service).iter().map(|h| h.body.clone()).collect();
        assert_eq!(events.len(), 2, "{service}");
        assert!(
            events[0].contains("FIRING") || events[0].contains("alert.firing"),
            "{service}: {}",
            events[0]
        );
    }
    check_formats(&rx, &env, 0, true);
    check_formats(&rx, &env, 1, false);
    daemon.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(daemon.exit_code(Duration::from_secs(20)), 0);
    assert!(daemon.log().contains("alert firing"), "{}", daemon.log());
}
