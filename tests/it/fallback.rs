//! Profile fallbacks end to end: the real daemon against a mock OpenAI-compatible service
//! whose profiles answer "model not found", "payment required" or "insufficient quota", and
//! what the task's history, the task and its content say afterwards.

use std::time::Duration;

use serde_json::{json, Value};

use crate::generators::FAST;
use crate::mock::{OpenAi, Reply};
use crate::support::Env;

/// An OpenAI-compatible profile `name` on `base_url` with `model`, and more keys.
fn profile(name: &str, base_url: &str, model: &str, extra: &str) -> String {
    format!(
        "\n[generators.{name}]\nkind = \"openai\"\nbase_url = \"{base_url}\"\nmodel = \"{model}\"\ntimeout = \"5s\"\n{extra}\n"
    )
}

/// A reply with `status` and an OpenAI-shaped error body.
fn error(status: u16, code: &str, kind: &str, message: &str) -> Reply {
    Reply::Raw {
        delay: Duration::ZERO,
        status,
        headers: vec![("content-type", "application/json".into())],
        body: json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
            .to_string(),
    }
}

fn model_not_found() -> Reply {
    error(
        404,
        "model_not_found",
        "invalid_request_error",
        "The model `gpt-gone` does not exist or you do not have access to it.",
    )
}

fn payment_required() -> Reply {
    error(402, "payment_required", "billing_error", "Payment required")
}

fn insufficient_quota() -> Reply {
    error(
        429,
        "insufficient_quota",
        "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details.",
    )
}

/// `daemon run --until-idle`; returns (exit code, stderr).
fn drain(env: &Env) -> (i32, String) {
    let run = env.cmd(["daemon", "run", "--until-idle"]).run();
    (run.code, run.stderr)
}

/// The messages of a task's history, from `task log --format json`.
fn log_messages(env: &Env, id: &str) -> Vec<String> {
    let events: Vec<Value> = env.json(&["task", "log", id]);
    events
        .iter()
        .filter_map(|e| e["message"].as_str().map(str::to_string))
        .collect()
}

/// The prefixes (profiles) the mock's chat requests went to, in order.
fn profiles_called(mock: &OpenAi) -> Vec<String> {
    mock.calls()
        .iter()
        .map(|c| c.path.split('/').nth(1).unwrap_or_default().to_string())
        .collect()
}

#[test]
pub(crate) fn an_unavailable_profile_moves_the_task_to_its_fallback() {
    let mock = OpenAi::start(|c| match c.path.split('/').nth(1) {
        Some("gone") => model_not_found(),
        Some("broke") => insufficient_quota(),
        _ => Reply::article("Written by the fallback"),
    });
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}{}{}",
        profile(
            "gone",
            &mock.base("gone"),
            "gpt-gone",
            "fallback = [\"qwen\", \"template\"]"
        ),
        profile(
            "broke",
            &mock.base("broke"),
            "gpt-broke",
            "fallback = [\"qwen\"]"
        ),
        profile("qwen", &mock.base("qwen"), "qwen-plus", ""),
    ));
    env.account("blog");
    let id = env.submit("blog", "Moving on", &["--generator", "gone"]);

    let (code, stderr) = drain(&env);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(profiles_called(&mock), ["gone", "qwen"]);

    let t: Value = env.json(&["task", "show", &id]);
    assert_eq!(t["status"], "completed", "{t}");
    assert_eq!(t["generator"], "qwen", "{t}");
    assert_eq!(t["original_generator"], "gone", "{t}");
    assert_eq!(t["retry_count"], 0, "a move must not use a retry: {t}");
    let shown = env.ok(["task", "show", &id]);
    assert!(
        shown.contains("original_generator") && shown.contains("gone"),
        "{shown}"
    );

    let log = log_messages(&env, &id);
    let moved = log
        .iter()
        .find(|m| m.contains("moved to qwen"))
        .unwrap_or_else(|| panic!("no move in the log: {log:?}"));
    assert!(
        moved.starts_with("profile gone unavailable (")
            && moved.contains("HTTP 404")
            && moved.contains("model_not_found"),
        "{moved}"
    );

    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["generator"], "qwen", "{c}");
    assert_eq!(c["model"], "qwen-plus", "{c}");
    assert_eq!(c["review_status"], "approved", "{c}");
    assert_eq!(c["title"], "Written by the fallback");

    // A 429 with insufficient_quota is a quota error: no snooze, a move at once.
    let id = env.submit("blog", "Out of quota", &["--generator", "broke"]);
    let (code, stderr) = drain(&env);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(profiles_called(&mock)[2..], ["broke", "qwen"]);
    let t: Value = env.json(&["task", "show", &id]);
    assert_eq!(
        (&t["status"], &t["generator"], &t["original_generator"]),
        (&json!("completed"), &json!("qwen"), &json!("broke")),
        "{t}"
    );
    let log = log_messages(&env, &id).join("\n");
    assert!(
        log.contains("profile broke unavailable") && log.contains("insufficient_quota"),
        "{log}"
    );
    assert!(
        !log.contains("rate limited"),
        "a quota error snoozed: {log}"
    );
    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(
        (&c["generator"], &c["model"]),
        (&json!("qwen"), &json!("qwen-plus"))
    );
}

#[test]
pub(crate) fn falling_back_to_the_template_holds_the_content_for_review() {
    let mock = OpenAi::start(|_| payment_required());
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}",
        profile(
            "paid",
            &mock.base("paid"),
            "gpt-paid",
            "fallback = [\"template\"]"
        ),
    ));
    env.account("blog");
    let id = env.submit(
        "blog",
        "Offline draft",
        &["--generator", "paid", "--auto-approve"],
    );

    let (code, stderr) = drain(&env);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(profiles_called(&mock), ["paid"]);
    let t: Value = env.json(&["task", "show", &id]);
    assert_eq!(t["status"], "completed", "{t}");
    assert_eq!(t["review"], "auto", "{t}");
    assert_eq!(t["generator"], "template", "{t}");
    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["generator"], "template", "{c}");
    assert_eq!(
        c["review_status"], "pending",
        "a template fallback must be reviewed: {c}"
    );
    let log = log_messages(&env, &id).join("\n");
    assert!(
        log.contains("profile paid unavailable (")
            && log.contains("HTTP 402")
            && log.contains("moved to template"),
        "{log}"
    );

    // The template as a task's own profile keeps auto_approve.
    let id = env.submit("blog", "Plain template", &["--generator", "template"]);
    let (code, stderr) = drain(&env);
    assert_eq!(code, 0, "{stderr}");
    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["review_status"], "approved", "{c}");
}

#[test]
pub(crate) fn an_exhausted_fallback_list_fails_the_task() {
    let mock = OpenAi::start(|c| match c.path.split('/').nth(1) {
        Some("first") => payment_required(),
        _ => model_not_found(),
    });
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}{}",
        profile(
            "first",
            &mock.base("first"),
            "gpt-a",
            "fallback = [\"second\"]"
        ),
        profile(
            "second",
            &mock.base("second"),
            "gpt-b",
            "fallback = [\"first\"]"
        ),
    ));
    env.account("blog");
    let id = env.submit("blog", "Nowhere to go", &["--generator", "first"]);

    let (code, stderr) = drain(&env);
    assert_eq!(code, 1, "a failed task must fail --until-idle:\n{stderr}");
    // The task follows first's list only: second's own list does not send it back.
    assert_eq!(profiles_called(&mock), ["first", "second"]);
    let t: Value = env.json(&["task", "show", &id]);
    assert_eq!(t["status"], "failed", "{t}");
    assert_eq!(t["error_kind"], "unavailable", "{t}");
    assert_eq!(t["retry_count"], 0, "{t}");
    assert_eq!(
        (&t["generator"], &t["original_generator"]),
        (&json!("second"), &json!("first"))
    );
    let msg = t["error_message"].as_str().unwrap();
    assert!(
        msg.contains("HTTP 404") && msg.contains("fallback list of profile first is exhausted"),
        "{msg}"
    );
    let log = log_messages(&env, &id);
    assert_eq!(
        log.iter().filter(|m| m.contains("moved to")).count(),
        1,
        "{log:?}"
    );
    // A retry starts again on the profile the task was submitted to.
    env.ok(["task", "retry", &id]);
    let t: Value = env.json(&["task", "show", &id]);
    assert_eq!(
        (&t["status"], &t["generator"]),
        (&json!("pending"), &json!("first"))
    );
    assert!(t.get("original_generator").is_none(), "{t}");
    assert!(
        log_messages(&env, &id)
            .last()
            .is_some_and(|m| m.contains("back on its original profile first")),
        "{:?}",
        log_messages(&env, &id)
    );
    env.ok(["task", "cancel", &id]);

    // A profile without a list fails as a permanent error does.
    let id = env.submit("blog", "No list", &["--generator", "second"]);
    env.config(&format!(
        "{FAST}{}",
        profile("second", &mock.base("second"), "gpt-b", ""),
    ));
    let (code, _) = drain(&env);
    assert_eq!(code, 1);
    let t: Value = env.json(&["task", "show", &id]);
    assert_eq!(
        (&t["status"], &t["error_kind"]),
        (&json!("failed"), &json!("unavailable"))
    );
    assert!(t.get("original_generator").is_none(), "{t}");
    assert!(!log_messages(&env, &id)
        .iter()
        .any(|m| m.contains("moved to")));
}

#[test]
pub(crate) fn a_plain_bad_request_fails_without_a_move() {
    let mock = OpenAi::start(|c| match c.path.split('/').nth(1) {
        Some("strict") => error(
            400,
            "invalid_value",
            "invalid_request_error",
            "'temperature' must be at most 2",
        ),
        _ => Reply::article("Never written"),
    });
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}{}",
        profile(
            "strict",
            &mock.base("strict"),
            "gpt-a",
            "fallback = [\"spare\"]"
        ),
        profile("spare", &mock.base("spare"), "gpt-b", ""),
    ));
    env.account("blog");
    let id = env.submit("blog", "Bad request", &["--generator", "strict"]);

    let (code, stderr) = drain(&env);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(profiles_called(&mock), ["strict"]);
    let t: Value = env.json(&["task", "show", &id]);
    assert_eq!(t["status"], "failed", "{t}");
    assert_eq!(t["error_kind"], "permanent", "{t}");
    assert_eq!(t["generator"], "strict", "{t}");
    assert!(t.get("original_generator").is_none(), "{t}");
    assert!(!log_messages(&env, &id)
        .iter()
        .any(|m| m.contains("moved to")));
}

#[test]
pub(crate) fn a_rate_limit_wait_longer_than_fallback_after_moves_the_task() {
    let mock = OpenAi::start(|_| Reply::article("Daily quota"));
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}",
        profile(
            "daily",
            &mock.base("daily"),
            "gpt-daily",
            "rpd = 1\nfallback = [\"template\"]\nfallback_after = \"1s\""
        ),
    ));
    env.account("blog");
    let ids: Vec<String> = (0..3)
        .map(|i| env.submit("blog", &format!("Quota {i}"), &["--generator", "daily"]))
        .collect();

    let (code, stderr) = drain(&env);
    assert_eq!(code, 0, "{stderr}");
    // One request a day: the first task takes it, the others would wait about a day, far
    // past fallback_after, and move to the template instead.
    assert_eq!(profiles_called(&mock), ["daily"]);
    let mut on_template = 0;
    for id in &ids {
        let t: Value = env.json(&["task", "show", id]);
        assert_eq!(t["status"], "completed", "{t}");
        if t["generator"] == "template" {
            on_template += 1;
            assert_eq!(t["original_generator"], "daily", "{t}");
            let log = log_messages(&env, id).join("\n");
            assert!(
                log.contains("waiting for rpd on profile daily")
                    && log.contains("longer than fallback_after (1s)")
                    && log.contains("moved to template"),
                "{log}"
            );
            let c: Value = env.json(&["content", "show", id]);
            assert_eq!(c["generator"], "template", "{c}");
        }
    }
    assert_eq!(on_template, 2);
}
