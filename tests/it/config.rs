//! `config init/show/path`, precedence (flag > env > file > default) and secrets.

use std::os::unix::fs::PermissionsExt;

use crate::support::{ConfigEntry as Entry, Env};

fn show(cmd: crate::support::Cmd) -> Vec<Entry> {
    let out = cmd.ok();
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"))
}

fn entry<'a>(entries: &'a [Entry], key: &str) -> &'a Entry {
    entries
        .iter()
        .find(|e| e.key == key)
        .unwrap_or_else(|| panic!("no {key} in {entries:?}"))
}

#[test]
pub(crate) fn path_init_and_show() {
    let env = Env::new();
    let expected = env.config_home().join("contenthub").join("config.toml");
    assert_eq!(
        env.ok(["config", "path"]),
        format!("{}\n", expected.display())
    );
    assert!(!expected.exists(), "config path does not create the file");

    let run = env.run(["config", "init"]).success();
    run.stderr_has(&format!("wrote {}", expected.display()));
    let text = std::fs::read_to_string(&expected).unwrap();
    assert!(text.starts_with("# contenthub configuration."), "{text}");
    assert_eq!(
        std::fs::metadata(&expected).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // The commented default parses and changes nothing.
    let entries = show(env.cmd(["config", "show", "--format", "json"]));
    assert_eq!(
        entry(&entries, "config").value,
        expected.display().to_string()
    );
    assert_eq!(entry(&entries, "config").source, "default");
    assert_eq!(entry(&entries, "tasks.priority").value, "5");
    assert_eq!(entry(&entries, "tasks.priority").source, "default");
    assert_eq!(entry(&entries, "daemon.poll_interval").value, "30s");
    assert_eq!(entry(&entries, "store.path").source, "env CONTENTHUB_DB");

    // A second init is refused; --force overwrites.
    std::fs::write(&expected, "[tasks]\npriority = 9\n").unwrap();
    env.run(["config", "init"])
        .code(4)
        .stderr_has("already exists")
        .stderr_has("--force");
    assert_eq!(
        std::fs::read_to_string(&expected).unwrap(),
        "[tasks]\npriority = 9\n"
    );
    env.ok(["config", "init", "--force"]);
    assert!(std::fs::read_to_string(&expected)
        .unwrap()
        .starts_with("# contenthub"));

    // init and path work where an explicit config file does not exist yet; show does not.
    let custom = env.path().join("etc").join("custom.toml");
    let c = custom.to_str().unwrap();
    assert_eq!(env.ok(["--config", c, "config", "path"]), format!("{c}\n"));
    env.ok(["--config", c, "config", "init"]);
    assert!(custom.is_file());
    let entries = show(
        env.cmd(["config", "show", "--format", "json"])
            .env("CONTENTHUB_CONFIG", c),
    );
    assert_eq!(entry(&entries, "config").source, "env CONTENTHUB_CONFIG");
    env.run(["--config", "nowhere.toml", "config", "show"])
        .code(2)
        .stderr_has("nowhere.toml");
}

#[test]
pub(crate) fn show_without_a_file_says_so() {
    let env = Env::new();
    let run = env.run(["config", "show"]).success();
    run.stderr_has("no config file at");
    assert!(
        run.stdout.contains("tasks.timeout") && run.stdout.contains("default"),
        "{}",
        run.stdout
    );
}

#[test]
fn precedence_is_flag_then_env_then_file_then_default() {
    let env = Env::new();
    let db_in_file = env.path().join("from-file.db");
    let config = env.write(
        "config.toml",
        &format!(
            "[store]\npath = \"{}\"\n[tasks]\nmax_retries = 7\ntimeout = 600\n[daemon]\nmax_concurrent = 2\npoll_interval = \"10s\"\nretry_delays = [\"5s\", 60]\n",
            db_in_file.display()
        ),
    );
    let c = config.to_str().unwrap();
    let entries = show(
        env.cmd([
            "--config",
            c,
            "--db",
            "/tmp/from-flag.db",
            "config",
            "show",
            "--format",
            "json",
        ])
        .env("ASYNC_MAX_CONCURRENT_TASKS", "9")
        .env("ASYNC_POLL_INTERVAL", "45")
        .env("ASYNC_TASK_TIMEOUT", "2m"),
    );
    let got = |k: &str| {
        let e = entry(&entries, k);
        (e.value.as_str(), e.source.as_str())
    };
    assert_eq!(got("config"), (c, "flag"));
    assert_eq!(got("store.path"), ("/tmp/from-flag.db", "flag"));
    assert_eq!(got("tasks.priority"), ("5", "default"));
    assert_eq!(got("tasks.max_retries"), ("7", "file"));
    assert_eq!(got("tasks.timeout"), ("2m", "env ASYNC_TASK_TIMEOUT"));
    assert_eq!(
        got("daemon.max_concurrent"),
        ("9", "env ASYNC_MAX_CONCURRENT_TASKS")
    );
    assert_eq!(
        got("daemon.poll_interval"),
        ("45s", "env ASYNC_POLL_INTERVAL")
    );
    assert_eq!(got("daemon.retry_delays"), ("5s, 1m", "file"));
    assert_eq!(got("daemon.lease"), ("15s", "default"));

    // Without the flag, CONTENTHUB_DB beats the file; without both, the file decides.
    let entries = show(env.cmd(["--config", c, "config", "show", "--format", "json"]));
    assert_eq!(entry(&entries, "store.path").source, "env CONTENTHUB_DB");
    let entries = show(
        env.cmd(["--config", c, "config", "show", "--format", "json"])
            .env_remove("CONTENTHUB_DB"),
    );
    assert_eq!(
        entry(&entries, "store.path").value,
        db_in_file.display().to_string()
    );
    assert_eq!(entry(&entries, "store.path").source, "file");
    env.cmd(["--config", c, "account", "add", "blog"])
        .env_remove("CONTENTHUB_DB")
        .ok();
    assert!(
        db_in_file.is_file(),
        "the store follows the file's store.path"
    );
}

#[test]
pub(crate) fn show_never_prints_a_secret() {
    let env = Env::new();
    let config = env.write(
        "config.toml",
        "[generators.gpt]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:11434/v1\"\nmodel = \"qwen2.5\"\napi_key_env = \"X_KEY\"\n\n\
         [generators.other]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:11434/v1\"\nmodel = \"m\"\napi_key_env = \"UNSET_KEY\"\n",
    );
    for format in ["table", "json", "ndjson", "csv"] {
        let run = env
            .cmd([
                "--config",
                config.to_str().unwrap(),
                "config",
                "show",
                "--format",
                format,
            ])
            .env("X_KEY", "supersecret")
            .env_remove("UNSET_KEY")
            .run()
            .success();
        assert!(
            !run.stdout.contains("supersecret"),
            "{format}:\n{}",
            run.stdout
        );
        assert!(
            !run.stderr.contains("supersecret"),
            "{format}:\n{}",
            run.stderr
        );
        assert!(
            run.stdout.contains("X_KEY (set)"),
            "{format}: the variable's name and state are shown\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("UNSET_KEY (not set)"),
            "{format}:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("generators.gpt.model"),
            "{format}:\n{}",
            run.stdout
        );
    }
    // A profile name is selectable by --generator once configured.
    env.account("blog");
    env.cmd([
        "--config",
        config.to_str().unwrap(),
        "task",
        "submit",
        "-a",
        "blog",
        "-t",
        "x",
        "--generator",
        "gpt",
    ])
    .ok();
}

#[test]
pub(crate) fn a_key_written_where_its_variable_name_belongs_is_refused_without_echoing_it() {
    let env = Env::new();
    let config = env.write(
        "config.toml",
        "[generators.gpt]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"\napi_key_env = \"sk-live-abc123\"\n",
    );
    let run = env
        .run(["--config", config.to_str().unwrap(), "config", "show"])
        .code(2);
    run.stderr_has("generators.gpt.api_key_env");
    assert!(!run.stderr.contains("sk-live-abc123"), "{}", run.stderr);
}

#[test]
pub(crate) fn image_base_url_is_checked_and_shown() {
    let env = Env::new();
    let good = env.write(
        "good.toml",
        "[generators.cc]\nkind = \"content-creator\"\nbase_url = \"http://127.0.0.1:18100\"\nimage_base_url = \"https://user:pw@static.example.com/cc/\"\n",
    );
    let entries = show(env.cmd([
        "--config",
        good.to_str().unwrap(),
        "config",
        "show",
        "--format",
        "json",
    ]));
    let e = entry(&entries, "generators.cc.image_base_url");
    assert_eq!(
        (e.value.as_str(), e.source.as_str()),
        ("https://user:***@static.example.com/cc/", "file")
    );

    let bad = env.write(
        "bad.toml",
        "[generators.cc]\nkind = \"content-creator\"\nbase_url = \"http://127.0.0.1:18100\"\nimage_base_url = \"data/images\"\n",
    );
    env.run(["--config", bad.to_str().unwrap(), "config", "show"])
        .code(2)
        .stderr_has("generators.cc.image_base_url")
        .stderr_has("not an absolute http(s) URL");
}

#[test]
pub(crate) fn fallbacks_are_checked_and_shown() {
    let env = Env::new();
    let profiles = "[generators.gpt]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"gpt-4o\"\nfallback = [\"qwen\", \"template\"]\nfallback_after = \"10m\"\n\n[generators.qwen]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:2/v1\"\nmodel = \"qwen-plus\"\n";
    let good = env.write("good.toml", profiles);
    let entries = show(env.cmd([
        "--config",
        good.to_str().unwrap(),
        "config",
        "show",
        "--format",
        "json",
    ]));
    let e = entry(&entries, "generators.gpt.fallback");
    assert_eq!(
        (e.value.as_str(), e.source.as_str()),
        ("qwen, template", "file")
    );
    let e = entry(&entries, "generators.gpt.fallback_after");
    assert_eq!((e.value.as_str(), e.source.as_str()), ("10m", "file"));

    for (from, to, says) in [
        (
            "\"qwen\", \"template\"",
            "\"qwen\", \"claude\"",
            "no generator profile named 'claude'",
        ),
        (
            "\"qwen\", \"template\"",
            "\"gpt\"",
            "'gpt' is this profile itself",
        ),
        ("\"10m\"", "\"0s\"", "must be greater than zero"),
    ] {
        let bad = env.write("bad.toml", &profiles.replace(from, to));
        let key = if from == "\"10m\"" {
            "fallback_after"
        } else {
            "fallback"
        };
        let line = if key == "fallback" {
            "line 5"
        } else {
            "line 6"
        };
        env.run(["--config", bad.to_str().unwrap(), "config", "show"])
            .code(2)
            .stderr_has(&format!("{line}, key `generators.gpt.{key}`"))
            .stderr_has(says);
    }
}

#[test]
pub(crate) fn batch_profiles_are_checked_and_shown() {
    let env = Env::new();
    let profile = "[generators.bulk]\nkind = \"openai-batch\"\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"gpt-4o-mini\"\nbatch_wait = \"5m\"\n\n[generators.gpt]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:2/v1\"\nmodel = \"gpt-4o\"\n";
    let good = env.write("good.toml", profile);
    let entries = show(env.cmd([
        "--config",
        good.to_str().unwrap(),
        "config",
        "show",
        "--format",
        "json",
    ]));
    for (key, value, source) in [
        ("generators.bulk.kind", "openai-batch", "file"),
        ("generators.bulk.batch_size", "100", "default"),
        ("generators.bulk.batch_wait", "5m", "file"),
        ("generators.bulk.completion_window", "24h", "default"),
        ("generators.bulk.poll_interval", "1m", "default"),
        ("generators.bulk.price_factor", "0.5", "default"),
        ("generators.gpt.price_factor", "1", "default"),
    ] {
        let e = entry(&entries, key);
        assert_eq!(
            (e.value.as_str(), e.source.as_str()),
            (value, source),
            "{key}"
        );
    }
    for (bad, says) in [
        ("batch_wait = \"5m\"", "must be greater than zero"),
        (
            "batch_wait = \"5m\"\ncompletion_window = \"30m\"",
            "whole number of hours",
        ),
        ("batch_wait = \"5m\"\nbatch_size = 60000", "at most 50000"),
    ] {
        let text = profile.replacen("batch_wait = \"5m\"", bad, 1);
        let text = if says == "must be greater than zero" {
            text.replacen("\"5m\"", "\"0s\"", 1)
        } else {
            text
        };
        let file = env.write("bad.toml", &text);
        env.cmd(["--config", file.to_str().unwrap(), "config", "show"])
            .run()
            .code(2)
            .stderr_has(says);
    }
    let wrong = env.write(
        "wrong.toml",
        &profile.replace(
            "model = \"gpt-4o\"\n",
            "model = \"gpt-4o\"\nbatch_size = 5\n",
        ),
    );
    env.cmd(["--config", wrong.to_str().unwrap(), "config", "show"])
        .run()
        .code(2)
        .stderr_has("generators.gpt.batch_size");
}
