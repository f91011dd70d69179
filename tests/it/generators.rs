//! The generator backends end to end: the real daemon against mock OpenAI-compatible and
//! content-creator services on 127.0.0.1, checking what reaches the wire and what the store
//! keeps.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use contenthub::store::Location;
use serde_json::Value;

use crate::mock::{
    recorded_reply, refused_url, ContentCreator, Files, OpenAi, RecordedContentCreator, Reply,
    RECORDED_JOB,
};
use crate::support::{raw_id, serial, wait_until, Db, Env};

/// Daemon settings short enough that no test waits for long.
pub const FAST: &str = r#"[daemon]
poll_interval = "100ms"
lease = "2s"
retry_delays = ["100ms", "200ms"]
"#;

const KEY_VAR: &str = "CH_TEST_OPENAI_KEY";
const KEY: &str = "sk-test-8d1f0c7a-NEVER-STORE-ME";

fn openai_profile(name: &str, base_url: &str, extra: &str) -> String {
    format!(
        "\n[generators.{name}]\nkind = \"openai\"\nbase_url = \"{base_url}\"\nmodel = \"test-model\"\napi_key_env = \"{KEY_VAR}\"\ntimeout = \"5s\"\n{extra}\n"
    )
}

/// `daemon run --until-idle` with the API key set and every log level on (so a leak at any
/// level shows); returns (exit code, stderr).
fn drain(env: &Env) -> (i32, String) {
    let run = env
        .cmd(["daemon", "run", "--until-idle"])
        .env(KEY_VAR, KEY)
        .env("CONTENTHUB_LOG", "trace")
        .run();
    (run.code, run.stderr)
}

fn task(env: &Env, id: &str) -> Value {
    env.json(&["task", "show", id])
}

fn log_of(env: &Env, id: &str) -> String {
    env.ok(["task", "log", id])
}

fn gap(a: Instant, b: Instant) -> Duration {
    b.duration_since(a)
}

#[test]
pub(crate) fn openai_success_stores_title_body_and_tokens_and_never_leaks_the_key() {
    let mock = OpenAi::start(|_| {
        Reply::Ok {
        delay: Duration::from_millis(20),
        markdown: "# 深入理解 Rust 所有权\n\n所有权是 Rust 最独特的特性。\n\n## 借用\n\n引用不会取得所有权。".into(),
        prompt_tokens: 42,
        completion_tokens: 314,
    }
    });
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}",
        openai_profile("default", &mock.base("main"), "")
    ));
    env.account("blog");
    let id = env.submit("blog", "Rust ownership", &["-k", "borrowing,lifetimes"]);

    let (code, stderr) = drain(&env);
    assert_eq!(code, 0, "{stderr}");

    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["title"], "深入理解 Rust 所有权");
    assert!(
        c["body"]
            .as_str()
            .unwrap()
            .starts_with("# 深入理解 Rust 所有权\n"),
        "{c}"
    );
    assert!(c["body"].as_str().unwrap().contains("引用不会取得所有权"));
    assert_eq!(c["prompt_tokens"], 42);
    assert_eq!(c["completion_tokens"], 314);
    assert_eq!(c["generator"], "default");
    assert_eq!(c["model"], "test-model");
    assert_eq!(c["review_status"], "approved");
    assert_eq!(task(&env, &id)["status"], "completed");

    let calls = mock.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, "/main/v1/chat/completions");
    assert_eq!(
        calls[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(calls[0].body["model"], "test-model");
    let prompt = crate::mock::prompt_of(&calls[0].body);
    assert!(prompt.contains("Rust ownership") && prompt.contains("borrowing"));

    assert!(!env.dump().contains(KEY), "the API key is in the store");
    assert!(
        !stderr.contains(KEY),
        "the API key is in the log:\n{stderr}"
    );
    assert!(!stderr.is_empty(), "the daemon logged nothing");
}

#[test]
pub(crate) fn openai_429_waits_for_retry_after_without_using_a_retry() {
    let mock = OpenAi::start(|c| {
        if c.n == 0 {
            Reply::rate_limited(1)
        } else {
            Reply::article("After the wait")
        }
    });
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}",
        openai_profile("default", &mock.base("v"), "")
    ));
    env.account("blog");
    let id = env.submit("blog", "Rate limits", &[]);

    let (code, stderr) = drain(&env);
    assert_eq!(code, 0, "{stderr}");
    let calls = mock.calls();
    assert_eq!(calls.len(), 2);
    let waited = gap(calls[0].at, calls[1].at);
    assert!(
        waited >= Duration::from_secs(1),
        "retried after {waited:?}, before Retry-After: 1"
    );
    let t = task(&env, &id);
    assert_eq!(t["status"], "completed");
    assert_eq!(t["retry_count"], 0, "a 429 used up a retry: {t}");
    assert!(log_of(&env, &id).contains("rate limited"));
}

#[test]
pub(crate) fn openai_5xx_backs_off_then_fails_after_max_retries_with_the_error_shown() {
    let mock = OpenAi::start(|c| {
        if c.n % 2 == 0 {
            Reply::status(500, "internal boom")
        } else {
            Reply::status(503, "overloaded, try later")
        }
    });
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}",
        openai_profile("default", &mock.base("v"), "")
    ));
    env.account("blog");
    let id = env.submit("blog", "Server errors", &["--max-retries", "2"]);

    let (code, stderr) = drain(&env);
    assert_eq!(code, 1, "a failed task must fail --until-idle:\n{stderr}");
    let calls = mock.calls();
    assert_eq!(calls.len(), 3, "one attempt and two retries");
    // Backoff 100 ms then 200 ms, each with ±20 % jitter.
    let (g1, g2) = (gap(calls[0].at, calls[1].at), gap(calls[1].at, calls[2].at));
    assert!(g1 >= Duration::from_millis(80), "first backoff {g1:?}");
    assert!(g2 >= Duration::from_millis(160), "second backoff {g2:?}");

    let t = task(&env, &id);
    assert_eq!(t["status"], "failed");
    assert_eq!(t["retry_count"], 2);
    assert_eq!(t["error_kind"], "transient");
    let msg = t["error_message"].as_str().unwrap();
    assert!(
        msg.contains("HTTP 500") && msg.contains("internal boom") && msg.contains("2 retries"),
        "{msg}"
    );
    let shown = env.ok(["task", "show", &id]);
    assert!(shown.contains("internal boom"), "task show:\n{shown}");
    let log = log_of(&env, &id);
    assert!(log.contains("503") && log.contains("overloaded"), "{log}");
}

#[test]
pub(crate) fn openai_401_fails_at_once() {
    let mock = OpenAi::start(|_| Reply::status(401, "Incorrect API key provided"));
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}",
        openai_profile("default", &mock.base("v"), "")
    ));
    env.account("blog");
    let id = env.submit("blog", "Unauthorized", &[]);

    let (code, stderr) = drain(&env);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(mock.calls().len(), 1, "a 401 must not be retried");
    let t = task(&env, &id);
    assert_eq!(t["status"], "failed");
    assert_eq!(t["retry_count"], 0);
    assert_eq!(t["error_kind"], "permanent");
    let msg = t["error_message"].as_str().unwrap();
    assert!(
        msg.contains("401") && msg.contains("Incorrect API key"),
        "{msg}"
    );
}

#[test]
pub(crate) fn openai_garbage_empty_slow_and_refused_replies_are_classified() {
    let mock = OpenAi::start(|c| match c.path.split('/').nth(1) {
        Some("garbage") => Reply::garbage(),
        Some("empty") => Reply::empty_content(),
        Some("slow") => Reply::ok_after(Duration::from_millis(1500), "Too late"),
        _ => Reply::status(404, "no such profile"),
    });
    let env = Env::new();
    let refused = format!("{}/v1", refused_url());
    env.config(&format!(
        "{FAST}{}{}{}{}",
        openai_profile("garbage", &mock.base("garbage"), ""),
        openai_profile("empty", &mock.base("empty"), ""),
        openai_profile("slow", &mock.base("slow"), "")
            .replace("timeout = \"5s\"", "timeout = \"300ms\""),
        openai_profile("refused", &refused, ""),
    ));
    env.account("blog");
    let ids: Vec<(&str, String)> = ["garbage", "empty", "slow", "refused"]
        .into_iter()
        .map(|g| {
            (
                g,
                env.submit(
                    "blog",
                    &format!("Reply {g}"),
                    &["--generator", g, "--max-retries", "1"],
                ),
            )
        })
        .collect();

    let started = Instant::now();
    let (code, stderr) = drain(&env);
    assert_eq!(code, 1, "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(15));

    let per_path = |p: &str| {
        mock.calls()
            .iter()
            .filter(|s| s.path.starts_with(&format!("/{p}/")))
            .count()
    };
    for (g, id) in &ids {
        let t = task(&env, id);
        assert_eq!(t["status"], "failed", "{g}: {t}");
        let msg = t["error_message"].as_str().unwrap_or_default().to_string();
        match *g {
            "garbage" => {
                assert_eq!(per_path("garbage"), 2, "malformed replies are retried");
                assert_eq!(t["error_kind"], "transient");
                assert_eq!(t["retry_count"], 1);
                assert!(msg.contains("malformed"), "{msg}");
            }
            "empty" => {
                assert_eq!(per_path("empty"), 1, "empty content is permanent");
                assert_eq!(t["error_kind"], "permanent");
                assert_eq!(t["retry_count"], 0);
                assert!(msg.contains("empty content"), "{msg}");
            }
            "slow" => {
                assert_eq!(per_path("slow"), 2, "a timeout is retried");
                assert_eq!(t["error_kind"], "transient");
                assert_eq!(t["retry_count"], 1);
                assert!(msg.contains("timed out"), "{msg}");
            }
            _ => {
                assert_eq!(t["error_kind"], "transient");
                assert_eq!(t["retry_count"], 1, "a refused connection is retried");
                assert!(msg.contains("connect"), "{msg}");
            }
        }
    }
    assert!(!env.dump().contains(KEY));
    assert!(!stderr.contains(KEY));
}

// ---------------------------------------------------------------------------------------------
// content-creator

fn cc_config(url: &str, extra: &str) -> String {
    format!(
        "{FAST}\n[generators.default]\nkind = \"content-creator\"\nbase_url = \"{url}\"\ntimeout = \"5s\"\nmode = \"async\"\n{extra}\n"
    )
}

/// A read-only look at the store while the daemon runs.
fn remote_job_id(store: &Location, task_id: &str) -> Option<String> {
    Db::open(store).value(
        "SELECT remote_job_id FROM tasks WHERE id = ?1",
        &[&raw_id(task_id)],
    )
}

#[test]
pub(crate) fn content_creator_submit_stores_the_job_before_polling_then_maps_the_result() {
    let cc = ContentCreator::start(Duration::from_millis(1500), Duration::from_millis(1500));
    let env = Env::new();
    env.config(&cc_config(cc.url(), ""));
    env.ok([
        "account",
        "add",
        "blog",
        "--display-name",
        "Tech blog",
        "--tone",
        "friendly",
    ]);
    let full = env.submit(
        "blog",
        "Async Rust in practice",
        &[
            "-p",
            "9",
            "-k",
            "tokio,futures",
            "-r",
            "Use many examples",
            "--tone",
            "expert",
        ],
    );
    let bare = env.submit("blog", "Minimal task", &["-p", "1"]);

    // At each job's first status poll, what does the store say its remote job is?
    type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;
    let at_first_poll: Seen = Seen::default();
    let (seen, db) = (at_first_poll.clone(), env.location());
    cc.on_first_status(move |job| {
        // On a thread of its own: the mock's handler runs on an async thread, where
        // PostgreSQL's blocking client must not.
        let stored = std::thread::scope(|s| {
            s.spawn(|| remote_job_id(&db, &job.key))
                .join()
                .expect("read the remote job id")
        });
        seen.lock().unwrap().push((job.id.clone(), stored));
    });

    let mut daemon = env.spawn(&["daemon", "run", "--until-idle"], &[]);
    let mut saw_progress = None;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let t = task(&env, &full);
        if t["status"] == "processing" {
            if let Some(p) = t["progress"].as_u64().filter(|p| (1..100).contains(p)) {
                saw_progress.get_or_insert((p, t["current_step"].clone()));
            }
        }
        if t["status"] == "completed" {
            break;
        }
        assert!(Instant::now() < deadline, "never completed: {t}");
        std::thread::sleep(Duration::from_millis(40));
    }
    assert_eq!(
        daemon.exit_code(Duration::from_secs(20)),
        0,
        "{}",
        daemon.log()
    );
    let (p, step) = saw_progress.expect("progress was never visible while running");
    assert!((1..100).contains(&p));
    assert_eq!(step, "writing");

    // The remote id was committed before the first poll of every job.
    let firsts = at_first_poll.lock().unwrap().clone();
    let jobs = cc.jobs();
    assert_eq!(jobs.len(), 2, "one job per task");
    assert_eq!(firsts.len(), 2);
    for (job, stored) in &firsts {
        assert_eq!(stored.as_deref(), Some(job.as_str()), "at the first poll");
    }

    // The wire contract.
    assert_eq!(cc.violations(), Vec::<String>::new());
    let submits = cc.submits();
    assert_eq!(submits.len(), 2);
    let body_of = |id: &str| {
        submits
            .iter()
            .find(|s| s.body["idempotencyKey"] == id)
            .unwrap_or_else(|| panic!("no submit keyed {id}"))
            .body
            .clone()
    };
    let b = body_of(&full);
    assert_eq!(b["mode"], "async");
    assert_eq!(b["priority"], 1, "our 9 is its most urgent 1");
    assert_eq!(b["topic"], "Async Rust in practice");
    assert_eq!(b["requirements"], "Use many examples");
    assert_eq!(b["tone"], "expert");
    assert_eq!(b["keywords"], serde_json::json!(["tokio", "futures"]));
    assert!(b["targetAudience"].as_str().unwrap().contains("Tech blog"));
    let b = body_of(&bare);
    assert_eq!(b["priority"], 4, "our 1 is its least urgent 4");
    assert!(b["requirements"].as_str().unwrap().contains("Minimal task"));
    assert_eq!(b["tone"], "friendly", "the account's tone");

    // The result, mapped.
    let job = jobs.iter().find(|j| j.key == full).unwrap();
    let c: Value = env.json(&["content", "show", &full]);
    assert_eq!(c["title"], "Async Rust in practice");
    assert!(c["body"]
        .as_str()
        .unwrap()
        .contains("written by the mock service"));
    assert!(c["html"].as_str().unwrap().starts_with("<h1>"));
    let cover = format!("https://img.example.com/{}/cover.png", job.id);
    assert_eq!(c["cover_image"], cover.as_str());
    let images = c["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0]["url"], cover.as_str());
    assert_eq!(images[0]["prompt"], "a cover");
    assert_eq!(
        (images[0]["width"].as_u64(), images[0]["height"].as_u64()),
        (Some(900), Some(500))
    );
    assert_eq!(
        images[1]["url"],
        format!("https://img.example.com/{}/inline.png", job.id).as_str()
    );
    assert_eq!(c["quality_score"], 8.5);
    // Counted on the stored body ("Async Rust in practice" 4, the paragraph 7, "Part two" 2,
    // "More." 1), never the service's `wordCount` (321).
    assert_eq!(c["word_count"], 14);
    let t = task(&env, &full);
    assert_eq!(t["remote_job_id"], job.id.as_str());
    assert_eq!(t["progress"], 100);
}

#[test]
pub(crate) fn content_creator_cancel_and_timeout_send_no_delete_by_default() {
    let _serial = serial();
    let cc = ContentCreator::start(Duration::from_secs(60), Duration::from_secs(60));
    let env = Env::new();
    env.config(&cc_config(cc.url(), ""));
    env.account("blog");
    let cancelled = env.submit("blog", "To be cancelled", &[]);
    let timed_out = env.submit("blog", "To time out", &["--timeout", "2s"]);
    let mut daemon = env.spawn(&["daemon", "run"], &[]);
    wait_until(
        "both remote jobs are recorded",
        Duration::from_secs(10),
        || {
            remote_job_id(&env.location(), &cancelled).is_some()
                && remote_job_id(&env.location(), &timed_out).is_some()
        },
    );
    env.ok(["task", "cancel", &cancelled]);
    wait_until("the deadline passes", Duration::from_secs(10), || {
        env.status_of(&timed_out) == "timeout"
    });
    // Time for a DELETE to have been sent, were it to be.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(cc.deletes().is_empty(), "{:?}", cc.deletes());
    assert_eq!(env.status_of(&cancelled), "cancelled");
    assert_eq!(cc.violations(), Vec::<String>::new());
    daemon.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(
        daemon.wait_for(Duration::from_secs(10)).is_some(),
        "the daemon stops on SIGTERM"
    );
}

#[test]
pub(crate) fn content_creator_cancel_sends_delete_within_a_second() {
    let _serial = serial();
    let cc = ContentCreator::start(Duration::from_secs(60), Duration::from_secs(60));
    let env = Env::new();
    env.config(&cc_config(cc.url(), "remote_cancel = true"));
    env.account("blog");
    let id = env.submit("blog", "To be cancelled", &[]);
    let mut daemon = env.spawn(&["daemon", "run"], &[]);
    wait_until(
        "the remote job is recorded",
        Duration::from_secs(10),
        || remote_job_id(&env.location(), &id).is_some(),
    );
    let job = remote_job_id(&env.location(), &id).unwrap();

    let cancelled = Instant::now();
    env.ok(["task", "cancel", &id]);
    wait_until("the service gets a DELETE", Duration::from_secs(5), || {
        !cc.deletes().is_empty()
    });
    let deletes = cc.deletes();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].path, format!("/api/tasks/{job}"));
    let after = deletes[0].at.duration_since(cancelled);
    assert!(
        after < Duration::from_millis(1200),
        "DELETE after {after:?}"
    );
    assert!(cc.jobs()[0].cancelled_at.is_some());
    assert_eq!(cc.violations(), Vec::<String>::new());

    daemon.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(
        daemon.exit_code(Duration::from_secs(10)),
        0,
        "{}",
        daemon.log()
    );
    let t = task(&env, &id);
    assert_eq!(
        t["status"], "cancelled",
        "a cancelled task stays cancelled: {t}"
    );
    assert_eq!(env.count("SELECT count(*) FROM contents"), 0);
}

#[test]
pub(crate) fn content_creator_failed_job_is_retried_with_a_new_key_after_it_failed() {
    let cc = ContentCreator::start(Duration::from_millis(300), Duration::from_millis(400));
    let env = Env::new();
    env.config(&cc_config(cc.url(), ""));
    env.account("blog");
    let id = env.submit("blog", "Fails once", &[]);
    cc.fail_first_job_of(&id);

    let (code, stderr) = drain(&env);
    assert_eq!(code, 0, "{stderr}");

    let submits = cc.submits();
    let keys: Vec<&str> = submits
        .iter()
        .map(|s| s.body["idempotencyKey"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [id.clone(), format!("{id}-r1")]);
    let jobs = cc.jobs();
    assert_eq!(jobs.len(), 2);
    let failed_at = jobs[0]
        .failure_reported_at
        .expect("the first job reported its failure");
    assert!(
        submits[1].at > failed_at,
        "the retry was submitted before the old job was terminal"
    );
    assert!(cc.jobs_per_key().values().all(|n| *n == 1));
    assert_eq!(cc.violations(), Vec::<String>::new());

    let t = task(&env, &id);
    assert_eq!(t["status"], "completed");
    assert_eq!(t["retry_count"], 1);
    assert_eq!(t["remote_job_id"], jobs[1].id.as_str());
    let log = log_of(&env, &id);
    assert!(log.contains("model overloaded"), "{log}");
}

// ---------------------------------------------------------------------------------------------
// content-creator as recorded

/// The final article of the recorded async session, as `/result` gave it.
fn recorded_final_article() -> String {
    let reply = recorded_reply("GET", &format!("/api/tasks/{RECORDED_JOB}/result"));
    reply["data"]["htmlContent"]
        .as_str()
        .unwrap()
        .trim()
        .to_string()
}

const RECORDED_PATHS: [&str; 2] = [
    "data/images/task-cae6b1e2c84e_0_1796461632194.png",
    "data/images/task-cae6b1e2c84e_1_1796461632194.png",
];

#[test]
pub(crate) fn content_creator_recorded_async_result_is_stored_as_the_final_article() {
    let cc = RecordedContentCreator::start();
    let env = Env::new();
    env.config(&cc_config(cc.url(), ""));
    env.ok([
        "account",
        "add",
        "blog",
        "--min-words",
        "800",
        "--max-words",
        "1500",
    ]);
    let id = env.submit("blog", "Rust 异步编程入门", &["-k", "rust,tokio"]);
    let (code, stderr) = drain(&env);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(task(&env, &id)["status"], "completed");

    // What we sent: the constraints the service passes on to its prompts.
    let submits = cc.traffic.matching("POST", "/api/tasks");
    assert_eq!(submits.len(), 1);
    assert_eq!(
        submits[0].body["hardConstraints"],
        serde_json::json!({"minWords": 800, "maxWords": 1500, "keywords": ["rust", "tokio"]})
    );

    let c: Value = env.json(&["content", "show", &id]);
    let body = c["body"].as_str().unwrap();
    assert_eq!(body, recorded_final_article());
    assert!(!body.contains("image-placeholder"));
    assert_eq!(c["title"], "Rust 异步编程入门：实践指南");
    assert_eq!(
        c["html"],
        Value::Null,
        "the service's htmlContent is Markdown"
    );
    assert_eq!(c["quality_score"], Value::Null, "/result gives none");
    assert_eq!(c["cover_image"], Value::Null, "no image has a URL");
    assert_eq!(
        c["word_count"].as_u64(),
        Some(u64::from(contenthub::domain::content::word_count(body)))
    );
    assert_ne!(c["word_count"], 941, "the service's count is not taken");
    let images = c["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    for (img, path) in images.iter().zip(RECORDED_PATHS) {
        assert_eq!(img["path"], path);
        assert_eq!(img["unresolved"], true);
        assert!(img.get("url").is_none(), "{img}");
        assert_eq!(
            (img["width"].as_u64(), img["height"].as_u64()),
            (Some(1920), Some(1920))
        );
    }

    // Every way of showing it warns, once, naming the images.
    for args in [
        vec!["content", "show", id.as_str()],
        vec!["content", "show", id.as_str(), "--format", "json"],
        vec!["content", "show", id.as_str(), "--body"],
    ] {
        let run = env.run(&args).success();
        assert_eq!(run.stderr.matches("warning:").count(), 1, "{}", run.stderr);
        run.stderr_has("2 unresolved images")
            .stderr_has(RECORDED_PATHS[0])
            .stderr_has(RECORDED_PATHS[1])
            .stderr_has("image_base_url");
    }
    let out = env.path().join("out");
    let run = env
        .run([
            "content",
            "export",
            "--review",
            "all",
            "--dir",
            out.to_str().unwrap(),
        ])
        .success();
    assert_eq!(run.stderr.matches("warning:").count(), 1, "{}", run.stderr);
    run.stderr_has(RECORDED_PATHS[0]);
}

#[test]
pub(crate) fn content_creator_recorded_images_resolve_with_image_base_url_and_export_downloads_them(
) {
    let png = b"\x89PNG\r\n\x1a\n-the-first-image".to_vec();
    let files = Files::start(vec![(
        "/cc/data/images/task-cae6b1e2c84e_0_1796461632194.png",
        png.clone(),
    )]);
    let cc = RecordedContentCreator::start();
    let env = Env::new();
    let base = format!("{}/cc/", files.url());
    env.config(&cc_config(
        cc.url(),
        &format!("image_base_url = \"{base}\""),
    ));
    env.account("blog");
    let id = env.submit("blog", "Rust 异步编程入门", &[]);
    let (code, stderr) = drain(&env);
    assert_eq!(code, 0, "{stderr}");

    let urls: Vec<String> = RECORDED_PATHS
        .iter()
        .map(|p| format!("{}/cc/{p}", files.url()))
        .collect();
    let c: Value = env.json(&["content", "show", &id]);
    let mut expected = recorded_final_article();
    for (p, u) in RECORDED_PATHS.iter().zip(&urls) {
        expected = expected.replace(&format!("]({p})"), &format!("]({u})"));
    }
    assert_eq!(c["body"], expected.as_str());
    assert!(c["body"]
        .as_str()
        .unwrap()
        .contains(&format!("![示意图1]({})", urls[0])));
    assert_eq!(c["cover_image"], urls[0].as_str());
    for (img, (path, url)) in c["images"]
        .as_array()
        .unwrap()
        .iter()
        .zip(RECORDED_PATHS.iter().zip(&urls))
    {
        assert_eq!(
            (&img["url"], &img["path"]),
            (&Value::from(url.as_str()), &Value::from(*path))
        );
        assert!(img.get("unresolved").is_none(), "{img}");
    }
    let run = env.run(["content", "show", &id]).success();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);

    // Export with the images: the first is downloaded beside the file, the second (not served)
    // is reported and keeps its URL.
    let out = env.path().join("out");
    let export = |env: &Env| {
        env.run([
            "content",
            "export",
            "--review",
            "all",
            "--with-images",
            "--dir",
            out.to_str().unwrap(),
        ])
        .success()
    };
    let run = export(&env);
    run.stderr_has(&format!(
        "image {} could not be downloaded: HTTP 404",
        urls[1]
    ));
    let md_path = run.stdout.trim().to_string();
    assert!(md_path.ends_with(".md"), "{md_path}");
    let stem = std::path::Path::new(&md_path)
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(std::fs::read(out.join(&stem).join("1.png")).unwrap(), png);
    assert!(!out.join(&stem).join("2.png").exists());
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert!(md.contains(&format!("![示意图1]({stem}/1.png)")), "{md}");
    assert!(md.contains(&format!("![示意图2]({})", urls[1])), "{md}");
    let gets = || files.traffic.matching("GET", "task-cae6b1e2c84e_0").len();
    assert_eq!(gets(), 1);

    // Again: the local file is kept, not fetched again, and the article is unchanged.
    let run = export(&env);
    assert_eq!(gets(), 1);
    run.stderr_has("1 unchanged");
    assert_eq!(std::fs::read_to_string(&md_path).unwrap(), md);
}

#[test]
pub(crate) fn content_creator_failed_job_reason_is_read_from_the_task_detail() {
    let cc = RecordedContentCreator::start();
    let env = Env::new();
    env.config(&cc_config(cc.url(), ""));
    env.account("blog");
    let hook = refused_url();
    let id = env.submit(
        "blog",
        "失败测试：LLM 不可用",
        &[
            "--max-retries",
            "0",
            "--callback-url",
            &format!("{hook}/hook"),
        ],
    );
    cc.fail_jobs_of(&id);
    let (code, stderr) = drain(&env);
    assert_eq!(code, 1, "a task did not complete: {stderr}");

    const REASON: &str = "connect ECONNREFUSED 127.0.0.1:38205";
    let t = task(&env, &id);
    assert_eq!(t["status"], "failed");
    let message = t["error_message"].as_str().unwrap();
    assert!(
        message.contains(&format!("remote task {id} failed: {REASON}")),
        "{message}"
    );
    assert!(!message.contains("no reason given"), "{message}");
    assert_eq!(
        cc.detail_reads(),
        std::slice::from_ref(&id),
        "the detail is read once"
    );
    assert!(log_of(&env, &id).contains(REASON));
    assert!(env.ok(["task", "show", &id]).contains(REASON));

    // The task.failed event carries it too.
    let body: String = env
        .value(
            "SELECT body FROM deliveries WHERE event = 'task.failed'",
            &[],
        )
        .expect("a task.failed delivery");
    let event: Value = serde_json::from_str(&body).unwrap();
    assert!(event["task"]["error_message"]
        .as_str()
        .unwrap()
        .contains(REASON));
}
