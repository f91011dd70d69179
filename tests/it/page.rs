//! The status page (`/`), the task lists and a task's page, served by the real daemon
//! (`daemon run --listen`): their numbers against `task stats --format json` and
//! `monitor metrics --since 24h --format json` on a seeded store, signing in with the API
//! token, the methods the pages refuse, the cookie's reach, and escaping.
//!
//! The browser tests (headless Chromium) are in [`browser`].

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use super::support::{Child, Env};

pub mod browser;

const TOKEN: &str = "page-t0ken";
const DEADLINE: Duration = Duration::from_secs(20);
const NOW_FUZZ_MS: i64 = 0;

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    }
}

/// A daemon serving the API and the pages, and a client that does not follow redirects.
pub struct Served {
    _child: Child,
    pub base: String,
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Served {
    /// Starts `daemon run --listen 127.0.0.1:0`, with the API token when `token` is set.
    pub fn start(env: &Env, token: bool) -> Served {
        if token {
            env.config("[api]\ntoken_env = \"CH_PAGE_TOKEN\"\n");
        }
        let envs: Vec<(&str, &str)> = if token {
            vec![("CH_PAGE_TOKEN", TOKEN)]
        } else {
            Vec::new()
        };
        let mut child = env.spawn(&["daemon", "run", "--listen", "127.0.0.1:0"], &envs);
        let addr = child.listening(DEADLINE);
        Served {
            _child: child,
            base: format!("http://{addr}"),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(DEADLINE)
                .build()
                .unwrap(),
        }
    }

    /// Sends `method path` with extra headers and a form body.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        form: Option<&str>,
    ) -> Resp {
        self.rt.block_on(async {
            let mut r = self
                .client
                .request(method.parse().unwrap(), format!("{}{path}", self.base));
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            if let Some(f) = form {
                r = r
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(f.to_string());
            }
            let resp = r
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
            Resp {
                status: resp.status().as_u16(),
                headers: resp.headers().clone(),
                body: resp.text().await.unwrap_or_default(),
            }
        })
    }

    pub fn get(&self, path: &str, cookie: Option<&str>) -> Resp {
        match cookie {
            Some(c) => self.send("GET", path, &[("cookie", c)], None),
            None => self.send("GET", path, &[], None),
        }
    }

    /// Signs in with the token; returns the `name=value` of the cookie set.
    pub fn sign_in(&self) -> String {
        let r = self.send("POST", "/login", &[], Some(&format!("token={TOKEN}")));
        assert_eq!(r.status, 303, "{}", r.body);
        let set = r.header("set-cookie");
        set.split(';').next().unwrap().trim().to_string()
    }
}

/// Where the figure named `key` on a page links to (entities decoded).
pub fn figure_href(html: &str, key: &str) -> Option<String> {
    let needle = format!("data-figure=\"{key}\" href=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&amp;", "&"))
}

/// `n` with thousands separators, as the pages print it.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The figure named `key` on a page (`data-figure="key"`), thousands separators removed.
pub fn figure(html: &str, key: &str) -> Option<u64> {
    let needle = format!("data-figure=\"{key}\"");
    let at = html.find(&needle)?;
    let rest = &html[at..];
    let text = &rest[rest.find('>')? + 1..];
    let text = &text[..text.find('<')?];
    Some(
        text.replace(',', "")
            .parse()
            .unwrap_or_else(|_| panic!("{key}: {text}")),
    )
}

const HOSTILE: &str = "<script>alert(\"x\")</script> '标题' & \"引号\"";

/// Seeds a store: two accounts (one with a hostile display name), 1,203 tasks finished in
/// the last hours in every way, one pending task not due for a day (so the daemon leaves
/// the store as it is), a failed delivery. Returns the ids of a failed task and of a
/// completed one.
pub fn seed(env: &Env) -> (String, String) {
    env.ok(["account", "add", "blog", "--display-name", HOSTILE]);
    env.account("news");
    let now = contenthub::domain::time::now_ms() - NOW_FUZZ_MS;
    let failed = env.submit("blog", HOSTILE, &[]);
    env.update_task(
        &failed,
        &format!(
            "status = 'failed', error_kind = 'generator', \
             error_message = 'upstream said <script>alert(1)</script> “限流”', \
             started_at = {}, completed_at = {}",
            now - 600_000,
            now - 300_000
        ),
    );
    let done = env.submit("blog", "Rust 入门", &[]);
    env.update_task(
        &done,
        &format!(
            "status = 'completed', started_at = {}, completed_at = {}",
            now - 500_000,
            now - 200_000
        ),
    );
    for (status, error) in [("timeout", "deadline passed"), ("cancelled", "")] {
        let id = env.submit("news", &format!("a {status} task"), &[]);
        env.update_task(
            &id,
            &format!(
                "status = '{status}', error_message = '{error}', started_at = {}, completed_at = {}",
                now - 400_000,
                now - 100_000
            ),
        );
    }
    let waiting = env.submit("news", "later", &[]);
    env.update_task(&waiting, &format!("next_attempt_at = {}", now + 86_400_000));
    // 1,199 more completed tasks of `news`, so that counts pass a thousand.
    env.exec(&format!(
        "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 1199)
         INSERT INTO tasks(id, account_id, topic, priority, auto_approve, max_retries, timeout_s,
                           deadline_at, status, next_attempt_at, created_at, started_at,
                           completed_at, updated_at)
         SELECT 200000000000 + n, a.id, 'bulk', 5, 1, 3, 60, {d}, 'completed', {c}, {c},
                {s}, {f} - n * 1000, {u}
         FROM k, accounts a WHERE a.name = 'news'",
        d = now + 3_600_000,
        c = now - 7_200_000,
        s = now - 7_000_000,
        f = now - 3_000_000,
        u = now
    ));
    env.exec(&format!(
        "INSERT INTO deliveries(event, task_id, url, body, status, attempts, next_attempt_at,
                                last_status_code, last_error, created_at, updated_at)
         VALUES ('task.failed', {id}, 'http://127.0.0.1:9/hook', '{{}}', 'failed', 5, {now},
                 500, 'refused <b>', {now}, {now})",
        id = super::support::raw_id(&failed)
    ));
    (failed, done)
}

fn stats_json(env: &Env) -> Value {
    env.json(&["task", "stats"])
}

fn metrics_json(env: &Env) -> Value {
    env.json(&["monitor", "metrics", "--since", "24h"])
}

#[test]
pub(crate) fn the_page_numbers_match_task_stats_and_monitor_metrics() {
    let env = Env::new();
    let (failed, done) = seed(&env);
    let served = Served::start(&env, true);
    let cookie = served.sign_in();
    let page = served.get("/", Some(&cookie));
    assert_eq!(page.status, 200, "{}", page.body);
    let stats = stats_json(&env);
    let metrics = metrics_json(&env);

    // Counts by status: task stats.
    let mut by_status = HashMap::new();
    for s in stats["statuses"].as_array().unwrap() {
        by_status.insert(
            s["status"].as_str().unwrap().to_string(),
            s["count"].as_u64().unwrap(),
        );
    }
    assert_eq!(by_status["completed"], 1_200);
    for (status, n) in &by_status {
        assert_eq!(
            figure(&page.body, &format!("status/{status}")),
            Some(*n),
            "{status}"
        );
    }
    assert_eq!(
        figure(&page.body, "status/total"),
        stats["total"].as_u64(),
        "total"
    );
    assert!(page.body.contains(">1,200</a>"), "thousands separators");
    assert!(
        page.body.contains(">1,204</a>"),
        "the total with separators"
    );

    // Per account and per profile over 24 h: monitor metrics.
    let mut checked = 0;
    for (group, rows) in [
        ("accounts", &metrics["accounts"]),
        ("generators", &metrics["generators"]),
    ] {
        for row in rows.as_array().unwrap() {
            let name = row["name"].as_str().unwrap();
            for status in ["completed", "failed", "timeout", "cancelled"] {
                let key = format!("{group}/{}/{status}", contenthub::web::html::esc(name));
                assert_eq!(figure(&page.body, &key), row[status].as_u64(), "{key}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 12, "{checked} figures checked");
    // Each of those counts links to the list of the tasks it counts.
    let mut followed = 0;
    for (group, rows) in [
        ("accounts", &metrics["accounts"]),
        ("generators", &metrics["generators"]),
    ] {
        for row in rows.as_array().unwrap() {
            let name = row["name"].as_str().unwrap();
            for status in ["completed", "failed", "timeout", "cancelled"] {
                let key = format!("{group}/{}/{status}", contenthub::web::html::esc(name));
                let href = figure_href(&page.body, &key).unwrap_or_else(|| panic!("{key}"));
                assert!(href.contains("finished=24h"), "{key}: {href}");
                let list = served.get(&href, Some(&cookie));
                assert_eq!(list.status, 200, "{href}: {}", list.body);
                let n = row[status].as_u64().unwrap();
                let total = format!("<b id=\"list-total\">{}</b>", thousands(n));
                assert!(list.body.contains(&total), "{key} → {href}: {n}");
                followed += 1;
            }
        }
    }
    assert_eq!(followed, checked);
    assert_eq!(figure(&page.body, "accounts/news/completed"), Some(1_199));

    // Failures of the last 24 h: grouped by kind and message, linked to the latest.
    assert_eq!(figure(&page.body, "failures/group"), Some(1));
    assert!(page.body.contains(&format!("href=\"/tasks/{failed}\"")));
    assert!(page.body.contains("deadline passed"));
    // The failing delivery.
    assert!(page.body.contains("Failing deliveries (1)"));
    // Every count links to its list.
    assert!(page
        .body
        .contains("href=\"/tasks?status=failed&amp;account=blog&amp;finished=24h\""));

    // The failed list: its total and its rows are `task list`'s.
    let list = served.get("/tasks?status=failed", Some(&cookie));
    assert_eq!(list.status, 200, "{}", list.body);
    let failed_n = by_status["failed"];
    assert!(
        list.body
            .contains(&format!("<b id=\"list-total\">{failed_n}</b>")),
        "{}",
        list.body
    );
    assert!(list.body.contains(&failed));
    let completed = served.get("/tasks?status=completed&account=news&page=2", Some(&cookie));
    assert!(
        completed.body.contains("<b id=\"list-total\">1,199</b>"),
        "{}",
        completed.body
    );
    assert!(completed.body.contains("Page 2 of 24"));
    assert_eq!(completed.body.matches("href=\"/tasks/task-").count(), 50);
    let bad = served.get("/tasks?status=done", Some(&cookie));
    assert_eq!(bad.status, 400);
    let unknown = served.get("/tasks?account=nobody", Some(&cookie));
    assert_eq!(unknown.status, 404);

    // A task page: its fields, events and the content summary.
    let task = served.get(&format!("/tasks/{done}"), Some(&cookie));
    assert_eq!(task.status, 200, "{}", task.body);
    assert!(task.body.contains("Rust 入门"));
    assert!(task.body.contains("Event log"));
    let shown: Value = env.json(&["task", "show", &done]);
    assert_eq!(shown["status"], "completed");
    assert_eq!(
        served.get("/tasks/task-ffffffffffff", Some(&cookie)).status,
        404
    );
}

#[test]
pub(crate) fn signing_in_takes_the_api_token_and_the_cookie_reaches_only_the_pages() {
    let env = Env::new();
    let (failed, _) = seed(&env);
    let served = Served::start(&env, true);

    // No cookie: the sign-in form.
    for path in [
        "/",
        "/tasks?status=failed",
        &format!("/tasks/{failed}"),
        "/api/v1/docs",
    ] {
        let r = served.get(path, None);
        assert_eq!(r.status, 303, "{path}");
        assert_eq!(r.header("location"), "/login", "{path}");
    }
    let form = served.get("/login", None);
    assert_eq!(form.status, 200);
    assert!(form
        .body
        .contains("<form method=\"post\" action=\"/login\">"));

    // A wrong token is refused, and a made-up cookie too.
    let wrong = served.send("POST", "/login", &[], Some("token=guess"));
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_empty());
    assert_eq!(served.get("/", Some("contenthub_session=00ff")).status, 303);

    // The right one sets the cookie: HttpOnly, SameSite=Strict, for the whole site.
    let r = served.send("POST", "/login", &[], Some(&format!("token={TOKEN}")));
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), "/");
    let set = r.header("set-cookie");
    let attrs: Vec<&str> = set.split(';').map(str::trim).collect();
    assert!(attrs.contains(&"HttpOnly"), "{set}");
    assert!(attrs.contains(&"SameSite=Strict"), "{set}");
    assert!(attrs.contains(&"Path=/"), "{set}");
    assert!(!set.contains(TOKEN), "the cookie holds no token: {set}");
    let cookie = attrs[0].to_string();
    assert_eq!(served.get("/", Some(&cookie)).status, 200);

    // No page route but login and logout takes a method that changes state.
    for path in ["/", "/tasks", &format!("/tasks/{failed}"), "/api/v1/docs"] {
        for method in ["PUT", "POST", "PATCH", "DELETE"] {
            let r = served.send(method, path, &[("cookie", &cookie)], Some("x=1"));
            assert_eq!(r.status, 405, "{method} {path}: {}", r.body);
        }
    }
    // The pages' content is not cached and fetches nothing from elsewhere.
    let page = served.get("/", Some(&cookie));
    assert_eq!(page.header("cache-control"), "no-store");
    assert!(page
        .header("content-security-policy")
        .contains("default-src 'none'"));
    assert!(!page.body.contains(" src=") && !page.body.contains("<link"));

    // The cookie never authorizes the JSON API; the bearer token does.
    for path in [
        "/api/v1/content/tasks",
        "/api/v1/content/tasks/stats",
        "/metrics",
        "/api/v1/openapi.json",
    ] {
        let r = served.get(path, Some(&cookie));
        assert_eq!(r.status, 401, "{path} with the cookie");
        let auth = format!("Bearer {TOKEN}");
        let r = served.send("GET", path, &[("authorization", &auth)], None);
        assert_eq!(r.status, 200, "{path} with the token");
    }
    // The reference takes either.
    assert_eq!(served.get("/api/v1/docs", Some(&cookie)).status, 200);
    let auth = format!("Bearer {TOKEN}");
    let docs = served.send("GET", "/api/v1/docs", &[("authorization", &auth)], None);
    assert_eq!(docs.status, 200);
    assert!(docs
        .body
        .contains("<code>POST /api/v1/content/generate/async</code>"));
    let bad = served.send(
        "GET",
        "/api/v1/docs",
        &[("authorization", "Bearer nope")],
        None,
    );
    assert_eq!(bad.status, 303);

    // Signing out clears the cookie.
    let out = served.send("POST", "/logout", &[("cookie", &cookie)], None);
    assert_eq!(out.status, 303);
    let cleared = out.header("set-cookie");
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("HttpOnly"),
        "{cleared}"
    );
}

#[test]
pub(crate) fn topics_errors_and_display_names_render_as_text() {
    let env = Env::new();
    let (failed, _) = seed(&env);
    let served = Served::start(&env, false);
    for path in [
        "/",
        "/tasks?status=failed",
        &format!("/tasks/{failed}"),
        "/tasks?account=blog",
    ] {
        let r = served.get(path, None);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        // The only script is the page's own reload.
        let scripts = r.body.matches("<script").count();
        assert!(scripts <= 1, "{path}: {scripts} scripts");
        assert!(!r.body.contains("<script>alert"), "{path}");
        assert!(!r.body.contains("refused <b>"), "{path}");
    }
    let task = served.get(&format!("/tasks/{failed}"), None);
    assert!(task.body.contains(
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#39;标题&#39; &amp; &quot;引号&quot;"
    ));
    assert!(task
        .body
        .contains("upstream said &lt;script&gt;alert(1)&lt;/script&gt; “限流”"));
    let list = served.get("/tasks?account=blog", None);
    assert!(list
        .body
        .contains("(&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    let home = served.get("/", None);
    assert!(home.body.contains("refused &lt;b&gt;"));
    assert!(home
        .body
        .contains("blog <span class=\"muted\">&lt;script&gt;"));
    // Without a token the pages are open, and the form says so.
    assert!(served.get("/login", None).body.contains("no token"));
}
