//! Bad input: every row is an invocation that must exit with the documented code, say which
//! field or value is wrong, and leave the store exactly as it was.

use crate::support::{Env, Fixture};

struct Case {
    args: Vec<String>,
    code: i32,
    /// Every one of these must appear on stderr.
    needles: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<String>,
}

fn case(code: i32, needles: &[&str], args: &[&str]) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        code,
        needles: needles.iter().map(|s| s.to_string()).collect(),
        env: Vec::new(),
        stdin: None,
    }
}

impl Case {
    fn env(mut self, key: &str, value: &str) -> Case {
        self.env.push((key.into(), value.into()));
        self
    }

    fn stdin(mut self, input: &str) -> Case {
        self.stdin = Some(input.into());
        self
    }
}

fn submit(code: i32, needles: &[&str], extra: &[&str]) -> Case {
    let mut args = vec!["task", "submit", "-a", "blog", "-t", "A valid topic"];
    args.extend(extra);
    case(code, needles, &args)
}

/// Writes the bulk and config files the table refers to and returns the rows, one per line.
#[rustfmt::skip]
fn cases(f: &Fixture) -> Vec<Case> {
    let env = &f.env;
    let path = |name: &str, text: &str| env.write(name, text).display().to_string();

    // Earlier lines of these files are valid: none of them may be inserted.
    let bad_csv = path(
        "bad-line.csv",
        "account,topic,priority\nblog,first valid,3\nblog,second valid,\nblog,third,abc\n",
    );
    let ragged_csv = path(
        "ragged.csv",
        "account,topic\nblog,fine\nblog,one,too many\n",
    );
    let unknown_column = path("unknown-column.csv", "account,topic,colour\nblog,x,red\n");
    let broken_jsonl = path(
        "broken.jsonl",
        "{\"account\":\"blog\",\"topic\":\"one\"}\n{\"account\":\"blog\",\"topic\":\"two\"}\n{\"account\":\"blog\",\n",
    );
    let invalid_jsonl = path(
        "invalid.jsonl",
        "{\"account\":\"blog\",\"topic\":\"one\"}\n\n{\"account\":\"blog\",\"topic\":\"two\",\"priority\":11}\n",
    );
    let unknown_field = path(
        "unknown-field.jsonl",
        "{\"account\":\"blog\",\"topic\":\"one\"}\n{\"account\":\"blog\",\"topic\":\"two\",\"colour\":\"red\"}\n",
    );
    // The account is only looked up inside the write transaction: the first two rows are
    // inserted before line 3 fails, and must be rolled back.
    let unknown_account = path(
        "unknown-account.jsonl",
        "{\"account\":\"blog\",\"topic\":\"one\"}\n{\"account\":\"news\",\"topic\":\"two\"}\n{\"account\":\"ghost\",\"topic\":\"three\"}\n",
    );
    let bad_keywords_jsonl = path(
        "bad-keywords.jsonl",
        "{\"account\":\"blog\",\"topic\":\"one\",\"keywords\":[\"a\",\"\"]}\n",
    );
    let control_jsonl = path(
        "control.jsonl",
        "{\"account\":\"blog\",\"topic\":\"fine\"}\n{\"account\":\"blog\",\"topic\":\"ring\\u0007\"}\n",
    );
    let control_keywords_jsonl = path(
        "control-keywords.jsonl",
        "{\"account\":\"blog\",\"topic\":\"one\",\"keywords\":[\"a\",\"b\\u0000\"]}\n",
    );
    let control_csv = path(
        "control.csv",
        "account,topic,requirements\nblog,fine,ok\nblog,also fine,\"carriage\rreturn\"\n",
    );
    let control_topics = path("control-topics.txt", "first\nsecond \u{1b}[31mred\n");
    let empty = path("empty.jsonl", "\n\n");
    let missing = env
        .path()
        .join("does-not-exist.jsonl")
        .display()
        .to_string();

    let bad_type = path("bad-type.toml", "[daemon]\n\nmax_concurrent = \"lots\"\n");
    let bad_value = path(
        "bad-value.toml",
        "[tasks]\n# a comment\ntimeout = \"soon\"\n",
    );
    let bad_syntax = path("bad-syntax.toml", "[tasks]\npriority = = 3\n");
    let unknown_key = path("unknown-key.toml", "[daemon]\nmax_concurent = 3\n");
    let bad_profile = path(
        "bad-profile.toml",
        "[store]\n\n[generators.gpt]\nkind = \"openai\"\nmodel = \"m\"\n",
    );
    let key_in_file = path(
        "key-in-file.toml",
        "[generators.gpt]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"\napi_key_env = \"sk-abc123\"\n",
    );
    let missing_config = env.path().join("missing.toml").display().to_string();

    let long_topic = "x".repeat(10 * 1024);
    let many_keywords: Vec<String> = (1..=21).map(|i| format!("k{i}")).collect();
    let many_keywords = many_keywords.join(",");
    let long_keyword = format!("ok,{}", "k".repeat(65));
    let long_requirements = "r".repeat(2001);
    let long_tone = "t".repeat(101);
    let (pending, completed, failed, cancelled) =
        (&f.pending, &f.completed, &f.failed, &f.cancelled);

    vec![
        // task submit: each flag's limits
        submit(2, &["priority", "0"], &["-p", "0"]),
        submit(2, &["priority", "11"], &["-p", "11"]),
        submit(2, &["--priority", "abc"], &["-p", "abc"]),
        submit(2, &["priority", "-3"], &["--priority", "-3"]),
        case(2, &["topic", "blank"], &["task", "submit", "-a", "blog", "-t", ""]),
        case(2, &["topic", "blank"], &["task", "submit", "-a", "blog", "-t", "  \t "]),
        case(2, &["topic", "10240 characters", "too long"], &["task", "submit", "-a", "blog", "-t", &long_topic]),
        case(2, &["--topic"], &["task", "submit", "-a", "blog"]),
        case(2, &["--account"], &["task", "submit", "-t", "no account"]),
        case(3, &["account not found", "ghost"], &["task", "submit", "-a", "ghost", "-t", "x"]),
        case(3, &["account not found", "99"], &["task", "submit", "-a", "99", "-t", "x"]),
        submit(2, &["keywords", "keyword 2 is empty"], &["-k", "a,,b"]),
        submit(2, &["keywords", "21 keywords", "too many"], &["-k", &many_keywords]),
        submit(2, &["keywords", "too long"], &["-k", &long_keyword]),
        submit(2, &["timeout", "greater than zero"], &["--timeout", "0"]),
        submit(2, &["timeout", "soon"], &["--timeout", "soon"]),
        submit(2, &["timeout", "30 days"], &["--timeout", "31d"]),
        submit(2, &["max_retries", "-1"], &["--max-retries", "-1"]),
        submit(2, &["max_retries", "101"], &["--max-retries", "101"]),
        submit(2, &["callback_url", "ftp://hooks.example.com/x"], &["--callback-url", "ftp://hooks.example.com/x"]),
        submit(2, &["callback_url", "hooks.example.com/x"], &["--callback-url", "hooks.example.com/x"]),
        submit(2, &["callback_url", "no host"], &["--callback-url", "https:///path"]),
        submit(2, &["generator", "gpt-9"], &["--generator", "gpt-9"]),
        submit(2, &["requirements", "too long"], &["-r", &long_requirements]),
        submit(2, &["tone", "too long"], &["--tone", &long_tone]),
        submit(2, &["idempotency_key", "blank"], &["--idempotency-key", "   "]),
        // control characters: none in topics and keywords, only tab and newline in requirements
        case(2, &["topic", "U+0007"], &["task", "submit", "-a", "blog", "-t", "ring\u{7}ring"]),
        case(2, &["topic", "U+000A"], &["task", "submit", "-a", "blog", "-t", "two\nlines"]),
        case(2, &["topic", "U+009B"], &["task", "submit", "-a", "blog", "-t", "c1 \u{9b}31m"]),
        submit(2, &["keywords", "U+001B"], &["-k", "a,\u{1b}[31m"]),
        submit(2, &["keywords", "U+0009"], &["-k", "a\tb"]),
        submit(2, &["requirements", "U+000D"], &["-r", "one\r\ntwo"]),
        submit(2, &["requirements", "U+007F"], &["-r", "del\u{7f}"]),
        case(2, &["control.jsonl line 2", "topic", "U+0007"], &["task", "submit", "--from-file", &control_jsonl]),
        case(2, &["control-keywords.jsonl line 1", "keywords", "U+0000"], &["task", "submit", "--from-file", &control_keywords_jsonl]),
        case(2, &["control.csv line 3", "requirements", "U+000D"], &["task", "submit", "--from-file", &control_csv]),
        case(2, &["topic", "U+0007"], &["scheduler", "add", "bell", "--cron", "0 8 * * *", "-a", "blog", "--topic", "ok", "--topic", "ring\u{7}"]),
        case(2, &["control-topics.txt line 2", "U+001B"], &["scheduler", "add", "red", "--cron", "0 8 * * *", "-a", "blog", "--topics-file", &control_topics]),
        case(2, &["keywords", "U+0008"], &["scheduler", "add", "bs", "--cron", "0 8 * * *", "-a", "blog", "--topic", "x", "--keywords", "a\u{8}"]),
        // task submit --from-file: the line is named and nothing is inserted
        case(2, &["bad-line.csv line 4", "priority", "abc"], &["task", "submit", "--from-file", &bad_csv]),
        case(2, &["ragged.csv line 3"], &["task", "submit", "--from-file", &ragged_csv]),
        case(2, &["unknown column 'colour'"], &["task", "submit", "--from-file", &unknown_column]),
        case(2, &["broken.jsonl line 3"], &["task", "submit", "--from-file", &broken_jsonl]),
        case(2, &["invalid.jsonl line 3", "priority", "11"], &["task", "submit", "--from-file", &invalid_jsonl]),
        case(2, &["unknown-field.jsonl line 2", "unknown field `colour`"], &["task", "submit", "--from-file", &unknown_field]),
        case(2, &["unknown-account.jsonl line 3", "ghost"], &["task", "submit", "--from-file", &unknown_account]),
        case(2, &["bad-keywords.jsonl line 1", "keywords"], &["task", "submit", "--from-file", &bad_keywords_jsonl]),
        case(2, &["- line 3", "priority"], &["task", "submit", "--from-file", "-"]).stdin("account,topic,priority\nblog,from stdin,4\nblog,also stdin,0\n"),
        case(2, &["does-not-exist.jsonl", "no such file"], &["task", "submit", "--from-file", &missing]),
        case(2, &["empty.jsonl", "no tasks"], &["task", "submit", "--from-file", &empty]),
        // task list / stats
        case(2, &["bogus", "--status"], &["task", "list", "--status", "bogus"]),
        case(2, &["done", "--status"], &["task", "list", "--status", "pending,done"]),
        case(2, &["since", "yesterday-ish"], &["task", "list", "--since", "yesterday-ish"]),
        case(2, &["until", "2026-13-45"], &["task", "list", "--until", "2026-13-45"]),
        case(2, &["-1"], &["task", "list", "--limit", "-1"]),
        case(2, &["--sort", "newest"], &["task", "list", "--sort", "newest"]),
        case(3, &["account not found", "ghost"], &["task", "list", "--account", "ghost"]),
        case(3, &["account not found", "ghost"], &["task", "stats", "--account", "ghost"]),
        case(2, &["--format", "yaml"], &["task", "list", "--format", "yaml"]),
        case(1, &["cannot connect to the store postgres://app:***@127.0.0.1:1/x"], &["--db", "postgres://app:pw@127.0.0.1:1/x", "task", "stats"]),
        case(2, &["db", "postgres://app:***@h/x?sslmode=sometimes"], &["--db", "postgres://app:pw@h/x?sslmode=sometimes", "task", "stats"]),
        // ids and prefixes
        case(2, &["ambiguous", "task-abcd00000001", "task-abcd00000002"], &["task", "show", "task-abcd"]),
        case(2, &["ambiguous", "task-abcd00000001"], &["task", "cancel", "abcd0000"]),
        case(2, &["task id", "task-abc"], &["task", "show", "task-abc"]),
        case(2, &["task id", "task-zzzz"], &["task", "log", "task-zzzz"]),
        case(3, &["task not found", "task-ffff00000000"], &["task", "show", "task-ffff00000000"]),
        case(3, &["task not found", "task-9999"], &["task", "log", "task-9999"]),
        // A typo among several ids changes nothing, not even the valid ones.
        case(3, &["task not found", "task-ffff"], &["task", "cancel", pending, "task-ffff"]),
        // refused by state
        case(4, &[completed, "completed"], &["task", "cancel", completed]),
        case(4, &[cancelled, "already cancelled"], &["task", "cancel", cancelled]),
        case(4, &[pending, "pending"], &["task", "retry", pending]),
        case(4, &[completed, "completed"], &["task", "retry", completed]),
        case(4, &[failed, "3 of 3 retries", "--force"], &["task", "retry", failed]),
        case(2, &["--all-failed"], &["task", "retry", "--all-failed", pending]),
        case(2, &["<IDS>"], &["task", "retry"]),
        // destructive commands without a terminal and without --yes
        case(2, &["--yes"], &["task", "cleanup", "--older-than", "1d"]),
        case(2, &["older-than", "greater than zero"], &["task", "cleanup", "--older-than", "0", "--yes"]),
        case(2, &["older-than", "soon"], &["task", "cleanup", "--older-than", "soon", "--yes"]),
        case(2, &["--yes"], &["account", "remove", "news"]),
        case(4, &["blog", "unfinished", "--force"], &["account", "remove", "blog", "--yes"]),
        case(3, &["account not found", "ghost"], &["account", "remove", "ghost", "--yes"]),
        // accounts
        case(2, &["name", "'2fast'"], &["account", "add", "2fast"]),
        case(2, &["name", "'a b'"], &["account", "add", "a b"]),
        case(2, &["name", "'blog' already exists"], &["account", "add", "blog"]),
        case(2, &["name", "'BLOG' already exists"], &["account", "add", "BLOG"]),
        case(2, &["language", "chinese"], &["account", "add", "other", "--language", "chinese"]),
        case(2, &["language", "zh-CHN1"], &["account", "add", "other", "--language", "zh-CHN1"]),
        case(2, &["min-words 900", "max-words 100"], &["account", "add", "other", "--min-words", "900", "--max-words", "100"]),
        case(2, &["min_words", "0"], &["account", "add", "other", "--min-words", "0"]),
        case(2, &["max_words", "lots"], &["account", "add", "other", "--max-words", "lots"]),
        case(2, &["platform", "we chat"], &["account", "add", "other", "--platform", "We Chat"]),
        case(2, &["forbidden_words", "entry 2 is empty"], &["account", "add", "other", "--forbidden-words", "a,,b"]),
        case(2, &["nothing to change"], &["account", "edit", "blog"]),
        case(2, &["min-words 2000", "max-words 1500"], &["account", "edit", "blog", "--min-words", "2000"]),
        case(2, &["name", "'news' already exists"], &["account", "edit", "blog", "--name", "news"]),
        case(3, &["account not found", "ghost"], &["account", "edit", "ghost", "--tone", "calm"]),
        case(3, &["account not found", "ghost"], &["account", "show", "ghost"]),
        // config and environment
        case(2, &["missing.toml", "does not exist"], &["--config", &missing_config, "task", "list"]),
        case(2, &["missing.toml", "CONTENTHUB_CONFIG"], &["task", "list"]).env("CONTENTHUB_CONFIG", &missing_config),
        case(2, &["bad-type.toml", "line 3", "daemon.max_concurrent"], &["--config", &bad_type, "task", "list"]),
        case(2, &["bad-value.toml", "line 3", "tasks.timeout", "soon"], &["task", "stats"]).env("CONTENTHUB_CONFIG", &bad_value),
        case(2, &["bad-syntax.toml", "line 2", "tasks.priority"], &["--config", &bad_syntax, "task", "list"]),
        case(2, &["unknown-key.toml", "line 2", "max_concurent"], &["--config", &unknown_key, "task", "list"]),
        case(2, &["bad-profile.toml", "line 3", "generators.gpt.base_url"], &["--config", &bad_profile, "task", "list"]),
        case(2, &["key-in-file.toml", "generators.gpt.api_key_env"], &["--config", &key_in_file, "task", "list"]),
        case(2, &["ASYNC_MAX_CONCURRENT_TASKS", "abc"], &["task", "list"]).env("ASYNC_MAX_CONCURRENT_TASKS", "abc"),
        case(2, &["ASYNC_MAX_CONCURRENT_TASKS", "0"], &["task", "list"]).env("ASYNC_MAX_CONCURRENT_TASKS", "0"),
        case(2, &["ASYNC_POLL_INTERVAL", "soon"], &["task", "list"]).env("ASYNC_POLL_INTERVAL", "soon"),
        case(2, &["ASYNC_TASK_TIMEOUT", "greater than zero"], &["task", "list"]).env("ASYNC_TASK_TIMEOUT", "0"),
        // A bad environment stops writes too, before anything is written.
        case(2, &["ASYNC_TASK_TIMEOUT"], &["task", "submit", "-a", "blog", "-t", "x"]).env("ASYNC_TASK_TIMEOUT", "-5"),
        case(2, &["tcsh"], &["completions", "tcsh"]),
        case(2, &["--color", "sometimes"], &["--color", "sometimes", "task", "list"]),
    ]
}

#[test]
pub(crate) fn every_bad_invocation_is_refused_and_changes_nothing() {
    let f = Fixture::new();
    let cases = cases(&f);
    assert!(cases.len() >= 40, "only {} rows", cases.len());
    let baseline = f.env.dump();
    assert!(
        baseline.contains("'Twin two'"),
        "the fixture is not in the dump:\n{baseline}"
    );
    let mut failures = Vec::new();
    for c in &cases {
        let before = f.env.dump();
        let mut cmd = f.env.cmd(&c.args);
        for (k, v) in &c.env {
            cmd = cmd.env(k, v);
        }
        if let Some(input) = &c.stdin {
            cmd = cmd.stdin(input.as_str());
        }
        let run = cmd.run();
        let shown: Vec<String> = c
            .args
            .iter()
            .map(|a| {
                if a.len() > 80 {
                    format!("<{} chars>", a.len())
                } else {
                    a.clone()
                }
            })
            .collect();
        let mut problems = Vec::new();
        if run.code != c.code {
            problems.push(format!("exit {} (want {})", run.code, c.code));
        }
        for n in &c.needles {
            if !run.stderr.contains(n.as_str()) {
                problems.push(format!("stderr lacks {n:?}"));
            }
        }
        if !run.stderr.starts_with("error: ") {
            problems.push("stderr does not start with 'error: '".into());
        }
        if !run.stdout.is_empty() {
            problems.push(format!("printed data on stdout: {:?}", run.stdout));
        }
        if f.env.dump() != before {
            problems.push("the store changed".into());
        }
        if !problems.is_empty() {
            let stderr: String = run.stderr.chars().take(600).collect();
            failures.push(format!(
                "{shown:?} {:?}: {}\n    stderr: {stderr}",
                c.env,
                problems.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_eq!(f.env.dump(), baseline);
}

/// The check above is only worth something if the dump sees a change: a valid command on
/// the same fixture must change it, and a bulk file that is valid is inserted whole.
#[test]
pub(crate) fn the_store_dump_sees_every_change() {
    let f = Fixture::new();
    let before = f.env.dump();
    f.env.ok(["task", "cancel", &f.pending]);
    let after_cancel = f.env.dump();
    assert_ne!(before, after_cancel);
    f.env.ok(["task", "retry", &f.timeout]);
    assert_ne!(after_cancel, f.env.dump());

    let env = Env::new();
    env.account("blog");
    let empty = env.dump();
    let file = env.write(
        "ok.jsonl",
        "{\"account\":\"blog\",\"topic\":\"one\"}\n{\"account\":\"blog\",\"topic\":\"two\"}\n",
    );
    env.ok(["task", "submit", "--from-file", file.to_str().unwrap()]);
    assert_ne!(empty, env.dump());
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 2);
}
