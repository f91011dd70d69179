//! Review rules end to end: the real daemon against a mock OpenAI-compatible service (or a
//! `command` generator) that returns crafted articles, and what the task, its history, its
//! content and the content's review record say afterwards.

use serde_json::Value;

use crate::generators::FAST;
use crate::mock::{prompt_of, OpenAi, Reply};
use crate::support::Env;

/// An OpenAI-compatible default profile on `base_url`.
fn profile(base_url: &str) -> String {
    format!(
        "\n[generators.default]\nkind = \"openai\"\nbase_url = \"{base_url}\"\nmodel = \"gpt-test\"\ntimeout = \"5s\"\n"
    )
}

/// `n` filler words.
fn words(n: usize) -> String {
    const W: [&str; 8] = [
        "alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "lambda",
    ];
    (0..n).map(|i| W[i % W.len()]).collect::<Vec<_>>().join(" ")
}

/// A well-formed English article: a title, an intro with the keywords `rust` and `tokio`
/// and `extra`, and two sections of `per_section` words (about 30 + 2 × `per_section` words).
fn article(per_section: usize, extra: &str) -> String {
    format!(
        "# Working with rust\n\nThis intro is about rust and tokio {extra} {}.\n\n## First part\n\n{}\n\n## Second part\n\n{}\n",
        words(20),
        words(per_section),
        words(per_section)
    )
}

fn reply(markdown: String) -> Reply {
    Reply::Ok {
        delay: std::time::Duration::ZERO,
        markdown,
        prompt_tokens: 100,
        completion_tokens: 300,
    }
}

/// The config: the daemon's fast settings, `[review]` with `review` in it, and the profile.
fn config(env: &Env, mock: &OpenAi, review: &str) {
    env.config(&format!(
        "{FAST}\n[review]\nforbidden_words = [\"guaranteed\"]\n{review}\n{}",
        profile(&mock.base("main"))
    ));
}

/// An English account that writes 100–200 words, with its own forbidden word `shocking`.
fn account(env: &Env, extra: &[&str]) {
    let mut args = vec![
        "account",
        "add",
        "blog",
        "--language",
        "en",
        "--min-words",
        "100",
        "--max-words",
        "200",
        "--forbidden-words",
        "shocking",
    ];
    args.extend(extra);
    env.ok(&args);
}

fn drain(env: &Env) {
    let run = env.cmd(["daemon", "run", "--until-idle"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// The content's review record's result for `check`, and its detail.
fn result_of(c: &Value, check: &str) -> (String, String) {
    let checks = c["review_record"]["checks"].as_array().expect("checks");
    let r = checks
        .iter()
        .find(|r| r["check"] == check)
        .unwrap_or_else(|| panic!("no {check} in {c}"));
    (
        r["result"].as_str().unwrap_or_default().to_string(),
        r["detail"].as_str().unwrap_or_default().to_string(),
    )
}

fn log_messages(env: &Env, id: &str) -> String {
    let events: Vec<Value> = env.json(&["task", "log", id]);
    events
        .iter()
        .filter_map(|e| e["message"].as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
pub(crate) fn an_article_that_passes_every_rule_is_approved_by_the_rules() {
    let mock = OpenAi::start(|_| reply(article(50, "")));
    let env = Env::new();
    config(&env, &mock, "");
    account(&env, &[]);
    let a: Value = env.json(&["account", "show", "blog"]);
    assert_eq!(
        a["review"], "rules",
        "[review] makes rules the default: {a}"
    );
    let id = env.submit("blog", "Rust", &["-k", "rust,tokio"]);
    drain(&env);

    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["review_status"], "approved", "{c}");
    let r = &c["review_record"];
    assert_eq!(
        (&r["decider"], &r["decision"]),
        (&"rules".into(), &"approved".into())
    );
    let ran: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        ran,
        [
            "word_range",
            "forbidden_word",
            "required_keyword",
            "structure",
            "placeholder",
            "language",
            "near_duplicate"
        ]
    );
    assert!(
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["result"] == "pass"),
        "{r}"
    );
    assert_eq!(mock.calls().len(), 1);
    let human = env.ok(["content", "show", &id]);
    assert!(
        human.contains("rules → approved (decided by rules)"),
        "{human}"
    );
}

#[test]
pub(crate) fn a_forbidden_word_holds_the_article_with_the_word_and_its_line() {
    let mock = OpenAi::start(|_| reply(article(50, "shocking")));
    let env = Env::new();
    config(&env, &mock, "");
    account(&env, &[]);
    let id = env.submit("blog", "Rust", &["-k", "rust"]);
    drain(&env);

    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["review_status"], "pending", "{c}");
    let (result, detail) = result_of(&c, "forbidden_word");
    assert_eq!(result, "hold");
    assert!(detail.contains("\"shocking\" at line 3"), "{detail}");
    assert!(
        c["review_reason"]
            .as_str()
            .unwrap()
            .contains("forbidden_word"),
        "{c}"
    );
    assert_eq!(mock.calls().len(), 1, "a hold is not regenerated");
    let t: Value = env.json(&["task", "show", &id]);
    assert_eq!(
        (&t["status"], &t["regenerations"]),
        (&"completed".into(), &0.into())
    );

    // `content list` filters by the failed check.
    let held: Vec<Value> = env.json(&[
        "content",
        "list",
        "--review",
        "pending",
        "--reason",
        "forbidden_word",
    ]);
    assert_eq!(held.len(), 1);
    let none: Vec<Value> = env.json(&["content", "list", "--reason", "word_range"]);
    assert!(none.is_empty(), "{none:?}");
    env.cmd(["content", "list", "--reason", "spelling"])
        .run()
        .code(2)
        .stderr_has("unknown review check 'spelling'");
}

#[test]
pub(crate) fn a_short_draft_is_regenerated_with_feedback_in_the_next_prompt() {
    let mock = OpenAi::start(|c| {
        if c.n == 0 {
            reply(article(10, ""))
        } else {
            reply(article(50, ""))
        }
    });
    let env = Env::new();
    config(&env, &mock, "");
    account(&env, &[]);
    let id = env.submit("blog", "Rust", &["-k", "rust"]);
    drain(&env);

    let calls = mock.calls();
    assert_eq!(calls.len(), 2);
    let first = prompt_of(&calls[0].body);
    let second = prompt_of(&calls[1].body);
    assert!(!first.contains("previous draft"), "{first}");
    assert!(
        second.contains("The previous draft did not pass review")
            && second.contains("words; write 100–200"),
        "{second}"
    );

    let t: Value = env.json(&["task", "show", &id]);
    assert_eq!(t["status"], "completed");
    assert_eq!(t["regenerations"], 1);
    assert_eq!(t["retry_count"], 0, "a regeneration uses no retry");
    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["review_status"], "approved", "{c}");
    assert_eq!(c["review_record"]["regenerations"], 1);
    let log = log_messages(&env, &id);
    assert!(log.contains("review: draft sent back"), "{log}");
    // The rejected draft is kept with the task, not as content.
    let drafts = env
        .value("SELECT review_drafts FROM tasks", &[])
        .expect("drafts");
    let drafts: Value = serde_json::from_str(&drafts).unwrap();
    assert_eq!(drafts.as_array().unwrap().len(), 1);
    assert_eq!(drafts[0]["checks"][0]["check"], "word_range", "{drafts}");
    assert_eq!(env.count("SELECT count(*) FROM contents"), 1);
    // The content's review record carries it, and content show says so.
    let kept = c["review_record"]["drafts"].as_array().expect("drafts");
    assert_eq!(kept.len(), 1, "{c}");
    assert_eq!(kept[0]["body"], drafts[0]["body"]);
    let shown = env.ok(["--format", "table", "content", "show", &id]);
    assert!(shown.contains("draft 1 sent back"), "{shown}");
    assert!(shown.contains("word_range"), "{shown}");
}

#[test]
pub(crate) fn a_template_fallback_after_a_regeneration_keeps_the_sent_back_draft() {
    // The first draft is too short; the second request finds the model gone.
    let mock = OpenAi::start(|c| {
        if c.n == 0 {
            reply(article(10, ""))
        } else {
            Reply::Raw {
                delay: std::time::Duration::ZERO,
                status: 404,
                headers: Vec::new(),
                body: r#"{"error":{"message":"The model `gpt-test` does not exist","type":"invalid_request_error","code":"model_not_found"}}"#.into(),
            }
        }
    });
    let env = Env::new();
    env.config(&format!(
        "{FAST}\n[review]\n{}fallback = [\"template\"]\n",
        profile(&mock.base("main"))
    ));
    account(&env, &[]);
    let id = env.submit("blog", "Rust", &["-k", "rust"]);
    drain(&env);

    let t: Value = env.json(&["task", "show", &id]);
    assert_eq!(t["status"], "completed", "{t}");
    assert_eq!(t["regenerations"], 1);
    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["generator"], "template", "{c}");
    assert_eq!(
        c["review_status"], "pending",
        "a template's article is held: {c}"
    );
    let drafts = c["review_record"]["drafts"].as_array().expect("drafts");
    assert_eq!(drafts.len(), 1, "{c}");
    assert_eq!(drafts[0]["checks"][0]["check"], "word_range", "{c}");
}

#[test]
pub(crate) fn regenerations_stop_at_the_cap_and_the_article_is_held() {
    let mock = OpenAi::start(|_| reply(article(10, "")));
    let env = Env::new();
    config(&env, &mock, "max_regenerations = 1");
    account(&env, &[]);
    let id = env.submit("blog", "Rust", &[]);
    drain(&env);
    assert_eq!(mock.calls().len(), 2, "one draft and one regeneration");
    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["review_status"], "pending", "{c}");
    assert_eq!(result_of(&c, "word_range").0, "regenerate");

    // An account's override raises the cap for its articles.
    env.ok([
        "account",
        "edit",
        "blog",
        "--review-rule",
        "max_regenerations=2",
    ]);
    let a: Value = env.json(&["account", "show", "blog"]);
    assert_eq!(
        a["review_rules"],
        serde_json::json!(["max_regenerations=2"])
    );
    let id = env.submit("blog", "Rust again", &[]);
    drain(&env);
    assert_eq!(mock.calls().len(), 5, "one draft and two regenerations");
    let t: Value = env.json(&["task", "show", &id]);
    assert_eq!(t["regenerations"], 2);

    // KEY= removes the override; an unknown key is refused.
    env.ok([
        "account",
        "edit",
        "blog",
        "--review-rule",
        "max_regenerations=",
    ]);
    let a: Value = env.json(&["account", "show", "blog"]);
    assert_eq!(a["review_rules"], serde_json::json!([]));
    env.cmd(["account", "edit", "blog", "--review-rule", "colour=red"])
        .run()
        .code(2)
        .stderr_has("unknown review rule 'colour'");
}

#[test]
pub(crate) fn structure_placeholder_and_language_findings_are_recorded() {
    let structure =
        "# Working with rust\n\nrust and tokio\n\n## Only part\n\n".to_string() + &words(120);
    let placeholder = article(50, "[insert chart here]");
    let language = format!(
        "# 关于 rust\n\nrust tokio {}\n\n## 第一部分\n\n{}\n\n## 第二部分\n\n{}\n",
        "这是一篇中文文章的开头。".repeat(3),
        "中文内容测试用的句子。".repeat(5),
        "更多的中文内容写在这里。".repeat(5)
    );
    let bodies = [structure, placeholder, language];
    let script = bodies.clone();
    let mock = OpenAi::start(move |c| reply(script[c.n % 3].clone()));
    let env = Env::new();
    config(&env, &mock, "max_regenerations = 0");
    account(&env, &[]);
    let ids: Vec<String> = (0..3)
        .map(|i| {
            let id = env.submit("blog", &format!("Topic {i}"), &[]);
            // One at a time, so that the n-th request is the n-th task's.
            drain(&env);
            id
        })
        .collect();

    let c: Value = env.json(&["content", "show", &ids[0]]);
    let (result, detail) = result_of(&c, "structure");
    assert_eq!(result, "regenerate");
    assert!(
        detail.contains("1 `##` sections; write at least 2"),
        "{detail}"
    );
    assert_eq!(c["review_status"], "pending");

    let c: Value = env.json(&["content", "show", &ids[1]]);
    let (result, detail) = result_of(&c, "placeholder");
    assert_eq!(result, "regenerate");
    assert!(detail.contains("[insert"), "{detail}");

    let c: Value = env.json(&["content", "show", &ids[2]]);
    let (result, _) = result_of(&c, "language");
    assert_eq!(result, "regenerate", "{c}");
    assert_eq!(
        mock.calls().len(),
        3,
        "max_regenerations = 0 never regenerates"
    );
}

#[test]
pub(crate) fn a_command_generator_gets_the_feedback_and_a_low_quality_score_holds() {
    let env = Env::new();
    let log = env.path().join("specs.log");
    let first = env.write(
        "first.json",
        &serde_json::json!({"body": article(50, "TODO"), "quality_score": 0.9}).to_string(),
    );
    let second = env.write(
        "second.json",
        &serde_json::json!({"body": article(50, ""), "quality_score": 0.2}).to_string(),
    );
    let program = env.write(
        "gen.sh",
        &format!(
            "cat >> '{log}'; echo >> '{log}'\nif [ \"$(wc -l < '{log}')\" -le 1 ]; then cat '{first}'; else cat '{second}'; fi\n",
            log = log.display(),
            first = first.display(),
            second = second.display()
        ),
    );
    env.config(&format!(
        "{FAST}\n[review]\nmin_quality_score = 0.5\n\n[generators.default]\nkind = \"command\"\ncommand = [\"/bin/sh\", \"{}\"]\ntimeout = \"20s\"\n",
        program.display()
    ));
    account(&env, &[]);
    let id = env.submit("blog", "Rust", &[]);
    drain(&env);

    let specs: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(specs.len(), 2);
    assert!(specs[0].get("feedback").is_none(), "{}", specs[0]);
    let feedback = specs[1]["feedback"].as_array().expect("feedback");
    assert!(
        feedback
            .iter()
            .any(|f| f.as_str().unwrap().contains("todo") || f.as_str().unwrap().contains("TODO")),
        "{feedback:?}"
    );

    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["review_status"], "pending", "{c}");
    let (result, detail) = result_of(&c, "quality_score");
    assert_eq!(result, "hold");
    assert!(detail.contains("0.2 is below 0.5"), "{detail}");
}

#[test]
pub(crate) fn recheck_after_a_config_change_and_an_operator_overrides_the_rules() {
    let mock = OpenAi::start(|_| reply(article(50, "")));
    let env = Env::new();
    config(&env, &mock, "");
    account(&env, &[]);
    let id = env.submit("blog", "Rust", &[]);
    drain(&env);
    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["review_status"], "approved");
    let content_id = c["id"].to_string();

    // Nothing changed: the recheck agrees.
    let out: Vec<Value> = env.json(&["content", "recheck", &content_id]);
    assert_eq!(
        (&out[0]["from"], &out[0]["to"]),
        (&"approved".into(), &"approved".into())
    );

    // "omega" is now forbidden: the recheck holds the article.
    env.config(&format!(
        "{FAST}\n[review]\nforbidden_words = [\"omega\"]\n{}",
        profile(&mock.base("main"))
    ));
    let out: Vec<Value> = env.json(&["content", "recheck", &content_id]);
    assert_eq!(out[0]["to"], "pending", "{out:?}");
    assert!(out[0]["failed"][0]
        .as_str()
        .unwrap()
        .starts_with("forbidden_word: "));
    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["review_status"], "pending");
    assert_eq!(c["review_record"]["decider"], "rules");
    assert_eq!(result_of(&c, "forbidden_word").0, "hold");

    // An operator approves it: recorded as the operator's decision.
    env.ok(["content", "approve", &content_id]);
    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["review_status"], "approved");
    assert_eq!(c["review_record"]["decider"], "operator");
    assert_eq!(c["review_record"]["decision"], "approved");
    assert_eq!(
        result_of(&c, "forbidden_word").0,
        "hold",
        "the findings stay on record"
    );

    // --all-held picks only held content: none now.
    let out: Vec<Value> = env.json(&["content", "recheck", "--all-held"]);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
pub(crate) fn review_modes_and_their_old_flags() {
    let mock = OpenAi::start(|_| reply(article(10, "shocking")));
    let env = Env::new();
    env.config(&format!("{FAST}{}", profile(&mock.base("main"))));
    account(&env, &[]);
    let a: Value = env.json(&["account", "show", "blog"]);
    assert_eq!(
        a["review"], "auto",
        "without [review] the default stays auto"
    );

    let auto = env.submit("blog", "Auto", &[]);
    let manual = env.submit("blog", "Manual", &["--no-auto-approve"]);
    let rules = env.submit("blog", "Rules", &["--review", "rules"]);
    let t: Value = env.json(&["task", "show", &manual]);
    assert_eq!(t["review"], "manual");
    drain(&env);
    let status = |id: &str| -> Value {
        let c: Value = env.json(&["content", "show", id]);
        c["review_status"].clone()
    };
    assert_eq!(status(&auto), "approved", "auto approves without rules");
    assert_eq!(status(&manual), "pending");
    assert_eq!(
        status(&rules),
        "pending",
        "the rules hold the forbidden word"
    );
    let c: Value = env.json(&["content", "show", &rules]);
    assert_eq!(c["review_record"]["decider"], "rules");

    env.ok(["account", "edit", "blog", "--review", "manual"]);
    let a: Value = env.json(&["account", "show", "blog"]);
    assert_eq!(a["review"], "manual");
    env.ok(["account", "edit", "blog", "--auto-approve"]);
    let a: Value = env.json(&["account", "show", "blog"]);
    assert_eq!(a["review"], "auto");
}

#[test]
pub(crate) fn a_review_key_in_the_config_file_is_checked() {
    let env = Env::new();
    env.config("[review]\nword_tolerance = 2\n");
    env.cmd(["config", "show"])
        .run()
        .code(2)
        .stderr_has("key `review.word_tolerance`");
    env.config(
        "[review]\nmax_regenerations = 2\n[review.actions]\nnear_duplicate = \"regenerate\"\n",
    );
    let out = env.ok(["config", "show", "--format", "json"]);
    assert!(out.contains("review.max_regenerations"), "{out}");
    assert!(out.contains("review.actions.near_duplicate"), "{out}");
}
