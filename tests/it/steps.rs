//! Outline → draft → polish: an `openai` profile with `steps` writes each article in three
//! requests against a mock server, each step's text carried into the next request, the
//! polish on a profile of its own. Each step is recorded as it finishes, so a daemon killed
//! with `kill -9` after the outline resumes at the draft: one outline request in all.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use contenthub::domain::step::{Step, StepRecord};
use serde_json::Value;

use crate::mock::{prompt_of, OpenAi, Reply};
use crate::support::{wait_until, Env};

const OUTLINE: &str =
    "# Tide pools\n\n## What lives there\n- anemones OUTLINE-NOTE\n\n## Visiting\n- low tide";
const DRAFT: &str = "# Tide pools\n\n## What lives there\n\nAnemones and crabs DRAFT-TEXT.\n\n## Visiting\n\nCome at low tide.";
const POLISHED: &str = "# Tide Pools, Up Close\n\n## What lives there\n\nAnemones, crabs and snails POLISHED-TEXT.\n\n## Visiting\n\nCome at low tide, and tread lightly.";

/// Which step a chat request is for, by what its prompt asks.
fn step_of(prompt: &str) -> Step {
    if prompt.contains("Reply with its outline only") {
        Step::Outline
    } else if prompt.contains("Polish the draft below") {
        Step::Polish
    } else {
        Step::Draft
    }
}

fn reply(markdown: &str, prompt_tokens: u32, completion_tokens: u32, delay: Duration) -> Reply {
    Reply::Ok {
        delay,
        markdown: markdown.into(),
        prompt_tokens,
        completion_tokens,
    }
}

/// The steps of the chat requests the mock saw, in arrival order.
fn steps_seen(mock: &OpenAi) -> Vec<Step> {
    mock.calls()
        .iter()
        .map(|c| step_of(&prompt_of(&c.body)))
        .collect()
}

fn config(mock: &OpenAi) -> String {
    format!(
        r#"[daemon]
poll_interval = "100ms"
lease = "2s"
retry_delays = ["100ms", "200ms"]

[generators.default]
kind = "openai"
base_url = "{}"
model = "writer-model"
timeout = "30s"
steps = ["outline", "draft", "polish"]

[generators.default.step_profiles]
polish = "editor"

[generators.editor]
kind = "openai"
base_url = "{}"
model = "editor-model"
timeout = "30s"
"#,
        mock.base("writer"),
        mock.base("editor")
    )
}

fn account(env: &Env) {
    env.ok([
        "account",
        "add",
        "coast",
        "--language",
        "en",
        "--min-words",
        "300",
        "--max-words",
        "900",
        "--forbidden-words",
        "breathtaking",
    ]);
}

#[test]
pub(crate) fn three_steps_feed_each_other_and_content_show_steps_shows_them() {
    let mock = OpenAi::start(|c| match step_of(&prompt_of(c.body)) {
        Step::Outline => reply(OUTLINE, 50, 60, Duration::ZERO),
        Step::Draft => reply(DRAFT, 200, 400, Duration::ZERO),
        Step::Polish => reply(POLISHED, 500, 450, Duration::ZERO),
    });
    let env = Env::new();
    env.config(&config(&mock));
    account(&env);
    let id = env.submit("coast", "Tide pools", &["-k", "anemones,low tide"]);

    let run = env.cmd(["daemon", "run", "--until-idle"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);

    // One request per step, in order; the polish on its own profile.
    let calls = mock.calls();
    assert_eq!(
        steps_seen(&mock),
        [Step::Outline, Step::Draft, Step::Polish]
    );
    assert_eq!(calls[0].path, "/writer/v1/chat/completions");
    assert_eq!(calls[1].path, "/writer/v1/chat/completions");
    assert_eq!(calls[2].path, "/editor/v1/chat/completions");
    assert_eq!(calls[0].body["model"], "writer-model");
    assert_eq!(calls[2].body["model"], "editor-model");
    let outline_prompt = prompt_of(&calls[0].body);
    assert!(outline_prompt.contains("Tide pools"), "{outline_prompt}");
    // The outline is part of the draft's prompt; the draft and the targets of the polish's.
    let draft_prompt = prompt_of(&calls[1].body);
    assert!(draft_prompt.contains(OUTLINE), "{draft_prompt}");
    assert!(draft_prompt.contains("Tide pools"), "{draft_prompt}");
    let polish_prompt = prompt_of(&calls[2].body);
    for needle in [
        DRAFT,
        "Length: 300–900 words",
        "Keywords it must contain: anemones, low tide",
        "Never use these words: breathtaking",
    ] {
        assert!(polish_prompt.contains(needle), "{needle}: {polish_prompt}");
    }
    assert!(!polish_prompt.contains("OUTLINE-NOTE"), "{polish_prompt}");

    // The article is the polished text, with every step's tokens.
    let task: Value = env.json(&["task", "show", &id]);
    assert_eq!(task["status"], "completed", "{task}");
    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["title"], "Tide Pools, Up Close");
    assert_eq!(c["body"], POLISHED);
    assert_eq!(c["generator"], "default");
    assert_eq!(c["model"], "editor-model");
    assert_eq!(c["prompt_tokens"], 50 + 200 + 500);
    assert_eq!(c["completion_tokens"], 60 + 400 + 450);

    // Each step with its profile, model, tokens and text.
    let steps: Vec<StepRecord> = env.json(&["content", "show", &id, "--steps"]);
    let summary: Vec<String> = steps
        .iter()
        .map(|s| {
            format!(
                "{} {} {} {:?} {:?} {}",
                s.step,
                s.profile,
                s.model.as_deref().unwrap_or("-"),
                s.prompt_tokens,
                s.completion_tokens,
                s.attempt
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "outline default writer-model Some(50) Some(60) 1",
            "draft default writer-model Some(200) Some(400) 1",
            "polish editor editor-model Some(500) Some(450) 1",
        ]
    );
    let texts: Vec<&str> = steps.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, [OUTLINE, DRAFT, POLISHED]);
    assert!(steps
        .windows(2)
        .all(|w| w[0].finished_at <= w[1].started_at));

    let table = env.ok(["content", "show", &id, "--steps"]);
    for needle in [
        "== outline (attempt 1) · profile default · model writer-model · tokens 50 prompt + 60 completion",
        "== draft (attempt 1)",
        "== polish (attempt 1) · profile editor · model editor-model · tokens 500 prompt + 450 completion",
        "OUTLINE-NOTE",
        "DRAFT-TEXT",
        "POLISHED-TEXT",
    ] {
        assert!(table.contains(needle), "{needle}:\n{table}");
    }
    let quiet = env.ok(["-q", "content", "show", &id, "--steps"]);
    assert_eq!(quiet, "outline\ndraft\npolish\n");
    // The steps went to the content: the task holds none any more.
    assert_eq!(
        env.count("SELECT count(*) FROM task_steps WHERE task_seq IS NOT NULL"),
        0
    );
    assert_eq!(
        env.count("SELECT count(*) FROM task_steps WHERE content_id IS NOT NULL"),
        3
    );
}

#[test]
pub(crate) fn a_profile_without_steps_writes_in_one_request_and_shows_no_steps() {
    let mock = OpenAi::start(|_| reply(DRAFT, 10, 20, Duration::ZERO));
    let env = Env::new();
    env.config(&format!(
        "[generators.default]\nkind = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\n",
        mock.base("one")
    ));
    account(&env);
    let id = env.submit("coast", "Tide pools", &[]);
    let run = env.cmd(["daemon", "run", "--until-idle"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mock.calls().len(), 1);
    let steps: Vec<StepRecord> = env.json(&["content", "show", &id, "--steps"]);
    assert!(steps.is_empty());
    env.run(["content", "show", &id, "--steps"])
        .success()
        .stderr_has("written in one request");
}

#[test]
pub(crate) fn kill_9_after_the_outline_resumes_at_the_draft() {
    // The first draft request hangs (past the kill); every later request answers at once.
    let drafts = Arc::new(AtomicUsize::new(0));
    let d = drafts.clone();
    let mock = OpenAi::start(move |c| match step_of(&prompt_of(c.body)) {
        Step::Outline => reply(OUTLINE, 50, 60, Duration::ZERO),
        Step::Draft => {
            let hang = d.fetch_add(1, Ordering::SeqCst) == 0;
            let delay = if hang {
                Duration::from_secs(60)
            } else {
                Duration::ZERO
            };
            reply(DRAFT, 200, 400, delay)
        }
        Step::Polish => reply(POLISHED, 500, 450, Duration::ZERO),
    });
    let env = Env::new();
    env.config(&config(&mock));
    account(&env);
    let id = env.submit("coast", "Tide pools", &[]);

    let mut daemon = env.spawn(&["daemon", "run"], &[]);
    wait_until(
        "the outline is recorded and the draft requested",
        Duration::from_secs(20),
        || {
            env.count("SELECT count(*) FROM task_steps WHERE step = 'outline'") == 1
                && drafts.load(Ordering::SeqCst) == 1
        },
    );
    assert!(daemon.exited().is_none(), "{}", daemon.log());
    let task: Value = env.json(&["task", "show", &id]);
    assert_eq!(task["status"], "processing", "{task}");
    assert_eq!(task["current_step"], "outline done", "{task}");
    daemon.kill9();

    let mut second = env.spawn(&["daemon", "run", "--until-idle"], &[]);
    assert_eq!(
        second.exit_code(Duration::from_secs(30)),
        0,
        "{}",
        second.log()
    );
    assert!(
        second
            .log()
            .contains("step already finished; resuming after it"),
        "{}",
        second.log()
    );

    // One outline request in all; the draft asked again (its reply was lost with the
    // daemon), then the polish; the restarted draft still got the recorded outline.
    assert_eq!(
        steps_seen(&mock),
        [Step::Outline, Step::Draft, Step::Draft, Step::Polish]
    );
    let calls = mock.calls();
    assert!(prompt_of(&calls[2].body).contains(OUTLINE));
    let task: Value = env.json(&["task", "show", &id]);
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["retry_count"], 0, "a crash spends no retry: {task}");
    let steps: Vec<StepRecord> = env.json(&["content", "show", &id, "--steps"]);
    let order: Vec<Step> = steps.iter().map(|s| s.step).collect();
    assert_eq!(order, [Step::Outline, Step::Draft, Step::Polish]);
    assert_eq!(steps[0].text, OUTLINE);
    assert!(steps[0].finished_at < steps[1].started_at);
    let c: Value = env.json(&["content", "show", &id]);
    assert_eq!(c["body"], POLISHED);
    // Tokens of the outline (recorded before the crash) count with the rest.
    assert_eq!(c["prompt_tokens"], 50 + 200 + 500);
}

#[test]
pub(crate) fn steps_and_step_profiles_are_checked_and_shown() {
    let env = Env::new();
    let profiles = "[generators.gpt]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"gpt-4o\"\nsteps = [\"outline\", \"draft\", \"polish\"]\n\n[generators.gpt.step_profiles]\npolish = \"qwen\"\n\n[generators.qwen]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:2/v1\"\nmodel = \"qwen-max\"\n\n[generators.cc]\nkind = \"content-creator\"\nbase_url = \"http://127.0.0.1:3\"\n";
    let good = env.write("good.toml", profiles);
    let shown: Vec<crate::support::ConfigEntry> = serde_json::from_str(&env.ok([
        "--config",
        good.to_str().unwrap(),
        "--format",
        "json",
        "config",
        "show",
    ]))
    .expect("config show JSON");
    let value = |key: &str| {
        shown
            .iter()
            .find(|e| e.key == key)
            .map(|e| (e.value.clone(), e.source.clone()))
    };
    assert_eq!(
        value("generators.gpt.steps"),
        Some(("outline, draft, polish".into(), "file".into()))
    );
    assert_eq!(
        value("generators.gpt.step_profiles.polish"),
        Some(("qwen".into(), "file".into()))
    );

    for (from, to, key, says) in [
        (
            "polish = \"qwen\"",
            "polish = \"qwen-max\"",
            "line 8, key `generators.gpt.step_profiles.polish`",
            "names no generator profile 'qwen-max' (openai profiles: gpt, qwen)",
        ),
        (
            "polish = \"qwen\"",
            "polish = \"cc\"",
            "line 8, key `generators.gpt.step_profiles.polish`",
            "which is of kind \"content-creator\"",
        ),
        (
            "[\"outline\", \"draft\", \"polish\"]",
            "[\"outline\", \"polish\"]",
            "line 5, key `generators.gpt.steps`",
            "must include \"draft\"",
        ),
    ] {
        let bad = env.write("bad.toml", &profiles.replace(from, to));
        env.run(["--config", bad.to_str().unwrap(), "config", "show"])
            .code(2)
            .stderr_has(key)
            .stderr_has(says);
    }
}

#[test]
pub(crate) fn a_failed_step_is_retried_alone_on_the_steps_already_finished() {
    // The first polish fails with a 503; its retry reuses the outline and the draft.
    let polishes = Arc::new(AtomicUsize::new(0));
    let p = polishes.clone();
    let mock = OpenAi::start(move |c| match step_of(&prompt_of(c.body)) {
        Step::Outline => reply(OUTLINE, 50, 60, Duration::ZERO),
        Step::Draft => reply(DRAFT, 200, 400, Duration::ZERO),
        Step::Polish => {
            if p.fetch_add(1, Ordering::SeqCst) == 0 {
                Reply::status(503, "overloaded")
            } else {
                reply(POLISHED, 500, 450, Duration::ZERO)
            }
        }
    });
    let env = Env::new();
    env.config(&config(&mock));
    account(&env);
    let id = env.submit("coast", "Tide pools", &[]);
    let run = env.cmd(["daemon", "run", "--until-idle"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);

    assert_eq!(
        steps_seen(&mock),
        [Step::Outline, Step::Draft, Step::Polish, Step::Polish]
    );
    let task: Value = env.json(&["task", "show", &id]);
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["retry_count"], 1, "{task}");
    let steps: Vec<StepRecord> = env.json(&["content", "show", &id, "--steps"]);
    let attempts: Vec<(Step, u32)> = steps.iter().map(|s| (s.step, s.attempt)).collect();
    assert_eq!(
        attempts,
        [(Step::Outline, 1), (Step::Draft, 1), (Step::Polish, 2)]
    );
    let log = env.ok(["task", "log", &id]);
    assert!(log.contains("overloaded"), "{log}");
}
