//! The README's first commands, run as a newcomer would run them: the main job end to end
//! with the built-in template generator, in a fresh HOME, and the test command CI runs.
//!
//! `cargo install --locked --path .` is not run again (that would be a second, release build
//! of what cargo has just built): the binary under test goes first on PATH instead. The test
//! insists the README still starts with exactly that install command, so a change to it fails
//! here rather than going untested.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use crate::support::Env;

/// The install command the main-job block must start with, and what replaces it.
const INSTALL: &str = "cargo install --locked --path . && ";

/// The README's own test command, which CI must run too.
const TEST_COMMAND: &str = "cargo test --locked";

/// The main job takes well under a second; this only keeps a hang from stalling the suite.
const DEADLINE: Duration = Duration::from_secs(60);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bodies of the ```sh blocks of the README, in order.
fn sh_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_end() == "```sh" => current = Some(Vec::new()),
            None => {}
            Some(body) if line.trim_end() == "```" => {
                blocks.push(body.join("\n"));
                current = None;
            }
            Some(body) => body.push(line),
        }
    }
    assert!(
        current.is_none(),
        "README.md has an unterminated ```sh block"
    );
    blocks
}

fn readme_blocks() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("README.md")).expect("read README.md");
    let blocks = sh_blocks(&text);
    assert!(
        blocks.len() >= 2,
        "README.md should start with two ```sh blocks (set-up, tests); found {}",
        blocks.len()
    );
    blocks
}

/// The topic the main job submits: the quoted value of `-t` or `--topic`.
fn topic_of(command: &str) -> String {
    for flag in ["-t \"", "--topic \""] {
        if let Some(start) = command.find(flag) {
            let rest = &command[start + flag.len()..];
            let end = rest.find('"').expect("a closing quote after the topic");
            return rest[..end].to_string();
        }
    }
    panic!("the main job submits no topic with -t \"…\" or --topic \"…\": {command}")
}

/// What the shell printed.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `script` with `sh -c` in `env`'s private home: its own HOME and XDG directories,
/// nothing inherited but PATH (after the binary's own directory), and a deadline.
fn run_sh(env: &Env, script: &str) -> Outcome {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_contenthub"));
    let bin_dir = bin.parent().expect("the binary's directory");
    let path = match std::env::var_os("PATH") {
        Some(p) => {
            let mut dirs = vec![bin_dir.to_path_buf()];
            dirs.extend(std::env::split_paths(&p));
            std::env::join_paths(dirs).expect("join PATH")
        }
        None => bin_dir.as_os_str().to_owned(),
    };
    let home = env.path();
    let out = home.join("readme.stdout");
    let err = home.join("readme.stderr");
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .current_dir(home)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", env.config_home())
        .env("XDG_DATA_HOME", env.data_home())
        .env("XDG_STATE_HOME", env.state_home())
        .env("XDG_CACHE_HOME", home.join("xdg-cache"))
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("create the stdout file"))
        .stderr(std::fs::File::create(&err).expect("create the stderr file"))
        // Its own process group, so that the deadline stops the daemon the script started
        // as well as the shell.
        .process_group(0)
        .spawn()
        .expect("start /bin/sh");
    let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll the shell") {
            break Some(status);
        }
        if start.elapsed() > DEADLINE {
            let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let outcome = Outcome {
        code: status.and_then(|s| s.code()),
        stdout: read(&out),
        stderr: read(&err),
    };
    assert!(
        status.is_some(),
        "the README's main job still ran after {DEADLINE:?}\n--- stdout\n{}\n--- stderr\n{}",
        outcome.stdout,
        outcome.stderr
    );
    outcome
}

#[test]
fn the_main_job_runs_end_to_end_as_written() {
    let blocks = readme_blocks();
    let main_job = blocks[0].trim();
    let rest = main_job.strip_prefix(INSTALL).unwrap_or_else(|| {
        panic!(
            "README.md's first ```sh block must start with `{INSTALL}` (this test replaces it \
             with the binary cargo built); it is:\n{main_job}"
        )
    });
    let topic = topic_of(rest);

    let env = Env::new();
    let run = run_sh(&env, rest);
    let shown = format!(
        "README main job exited {:?}\n--- command\n{rest}\n--- stdout\n{}\n--- stderr\n{}",
        run.code, run.stdout, run.stderr
    );
    assert_eq!(run.code, Some(0), "{shown}");

    // The article is on screen: its heading, a body about the topic, and the template's note
    // that it is an offline draft.
    assert!(
        run.stdout.lines().any(|l| l.trim() == format!("# {topic}")),
        "no `# {topic}` heading:\n{shown}"
    );
    assert!(
        run.stdout.matches(topic.as_str()).count() >= 3,
        "the body does not discuss the topic:\n{shown}"
    );
    assert!(run.stdout.contains("template"), "{shown}");
    assert!(
        run.stdout.lines().count() >= 8,
        "too short an article:\n{shown}"
    );
    assert!(!run.stderr.contains("error"), "{shown}");

    // The store is where a newcomer's store goes, and holds one completed task and its content.
    let db = env.data_home().join("contenthub").join("contenthub.db");
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("open {}: {e}\n{shown}", db.display()));
    let statuses: Vec<(String, i64)> = conn
        .prepare("SELECT status, count(*) FROM tasks GROUP BY status")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()
        })
        .expect("count tasks by status");
    assert_eq!(statuses, [("completed".to_string(), 1)], "{shown}");
    let (title, task_status): (String, String) = conn
        .query_row(
            "SELECT c.title, t.status FROM contents c JOIN tasks t ON t.id = c.task_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("one content row for the task");
    assert_eq!(title, topic);
    assert_eq!(task_status, "completed");
}

#[test]
fn the_test_command_is_what_ci_runs() {
    let blocks = readme_blocks();
    assert_eq!(
        blocks[1].trim(),
        TEST_COMMAND,
        "README.md's second ```sh block is the test command"
    );
    let ci = std::fs::read_to_string(repo().join(".ci/run")).expect("read .ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == TEST_COMMAND),
        ".ci/run does not run `{TEST_COMMAND}`:\n{ci}"
    );
}

/// The README sends readers to `contenthub COMMAND --help` for examples: every command has
/// at least one, in its own help text.
#[test]
fn every_command_has_an_example_in_its_help() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        let path = format!("{path} {}", cmd.get_name());
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .collect();
        if subs.is_empty() {
            let help = cmd
                .get_after_help()
                .or(cmd.get_after_long_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            if !help.contains("Example") || !help.contains("contenthub ") {
                missing.push(path.clone());
            }
        }
        for sub in subs {
            walk(sub, &path, missing);
        }
    }
    let mut missing = Vec::new();
    let root = contenthub::cli::command();
    for sub in root.get_subcommands().filter(|c| c.get_name() != "help") {
        walk(sub, "contenthub", &mut missing);
    }
    assert!(
        missing.is_empty(),
        "commands whose --help has no example (add an after_help with `Example:`): {missing:?}"
    );
}

#[test]
fn blocks_are_read_in_order() {
    let md = "# t\n\n```sh\na && b\n```\n\ntext\n\n```toml\nx = 1\n```\n\n```sh\nc\nd\n```\n";
    assert_eq!(sh_blocks(md), ["a && b", "c\nd"]);
    assert_eq!(topic_of(r#"x -t "主题 one" -k a"#), "主题 one");
    assert_eq!(topic_of(r#"x --topic "two""#), "two");
}
