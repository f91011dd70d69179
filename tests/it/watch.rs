//! `monitor watch` without a terminal: one plain `key=value` line (or one JSON object) per
//! interval, reflecting the store; `--count`, signals and a closed pipe end it with exit 0.
//! (The live view on a terminal is covered by the unit tests in `src/cli/watch.rs`.)

use std::collections::BTreeMap;
use std::io::BufRead;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::support::{wait_until, Env};

/// Every word after the time, as key → value; asserts the line's shape on the way.
fn pairs(line: &str) -> BTreeMap<String, String> {
    assert!(!line.contains('\n'), "one line: {line:?}");
    let mut words = line.split(' ');
    let at = words.next().expect("a time");
    assert!(at.ends_with('Z'), "{line}");
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{line}");
    words
        .map(|w| {
            let (k, v) = w
                .split_once('=')
                .unwrap_or_else(|| panic!("{w:?} is not key=value in {line}"));
            assert!(!v.is_empty(), "{w:?} in {line}");
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn assert_pairs(line: &str, want: &[(&str, &str)]) {
    let got = pairs(line);
    for (k, v) in want {
        assert_eq!(got.get(*k).map(String::as_str), Some(*v), "{k} in {line}");
    }
}

/// A store with the account `blog` and three pending tasks.
fn three_pending() -> Env {
    let env = Env::new();
    env.account("blog");
    for topic in ["One", "Two", "写一篇关于 Rust 的文章"] {
        env.submit("blog", topic, &[]);
    }
    env
}

#[test]
pub(crate) fn plain_lines_show_the_queue_then_the_outcomes() {
    let env = three_pending();
    let started = Instant::now();
    let out = env.ok(["monitor", "watch", "--count", "2", "--interval", "200ms"]);
    let took = started.elapsed();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        took >= Duration::from_millis(200),
        "two lines 200ms apart took {took:?}"
    );
    for line in &lines {
        assert_pairs(
            line,
            &[
                ("daemon", "stopped"),
                ("pending", "3"),
                ("in_flight", "0"),
                ("finished", "0"),
                ("completed", "0"),
                ("failed", "0"),
                ("timeout", "0"),
                ("success", "-"),
                ("failure", "-"),
                ("timeout_rate", "-"),
                ("per_hour", "0.0"),
                ("window", "1h"),
            ],
        );
        let age = pairs(line)["oldest_pending"].clone();
        assert!(age.ends_with('s'), "{line}");
    }

    env.run(["daemon", "run", "--until-idle"]).success();
    let out = env.ok([
        "monitor",
        "watch",
        "--count",
        "1",
        "--interval",
        "200ms",
        "--window",
        "15m",
    ]);
    assert_eq!(out.lines().count(), 1, "{out}");
    let line = out.trim_end();
    assert_pairs(
        line,
        &[
            ("daemon", "stopped"),
            ("pending", "0"),
            ("in_flight", "0"),
            ("oldest_pending", "-"),
            ("finished", "3"),
            ("completed", "3"),
            ("failed", "0"),
            ("success", "100%"),
            ("failure", "0%"),
            ("timeout_rate", "0%"),
            ("per_hour", "12.0"),
            ("window", "15m"),
        ],
    );
    assert!(pairs(line)["gen_p50"].ends_with('s'), "{out}");
}

#[test]
pub(crate) fn json_lines_have_the_same_fields() {
    let env = three_pending();
    let out = env.ok(["monitor", "watch", "--count", "1", "--format", "json"]);
    assert_eq!(out.lines().count(), 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let at = v["at"].as_str().expect("at is a string");
    assert!(
        at.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(at).is_ok(),
        "{v}"
    );
    assert_eq!(v["daemon"], "stopped");
    assert_eq!(v["pending"], 3);
    assert_eq!(v["in_flight"], 0);
    assert_eq!(v["finished"], 0);
    assert_eq!(v["success"], Value::Null);
    assert!(v["oldest_pending"].as_f64().is_some(), "{v}");
    assert_eq!(v["window"], "1h");

    // The same keys as the plain line, in the same order.
    let line = env.ok(["monitor", "watch", "--count", "1"]);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let words: Vec<&str> = line
        .trim_end()
        .split(' ')
        .skip(1)
        .map(|w| w.split_once('=').unwrap().0)
        .collect();
    assert_eq!(keys[0], "at");
    assert_eq!(keys[1..], words[..]);

    env.run(["daemon", "run", "--until-idle"]).success();
    let out = env.ok([
        "monitor",
        "watch",
        "--count",
        "2",
        "--interval",
        "100ms",
        "--format",
        "ndjson",
    ]);
    let objects: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(objects.len(), 2, "{out}");
    for v in objects {
        assert_eq!(v["completed"], 3);
        assert_eq!(v["pending"], 0);
        assert_eq!(v["success"], 1.0);
        assert_eq!(v["failure"], 0.0);
        assert_eq!(v["oldest_pending"], Value::Null);
    }
}

#[test]
pub(crate) fn bad_arguments_exit_2_with_a_clear_message() {
    let env = Env::new();
    env.run(["monitor", "watch", "--interval", "soon"])
        .code(2)
        .stderr_has("invalid --interval: 'soon' is not a duration");
    env.run(["monitor", "watch", "--interval", "0s"])
        .code(2)
        .stderr_has("invalid --interval: must be longer than zero");
    env.run(["monitor", "watch", "--interval", "10ms"])
        .code(2)
        .stderr_has("invalid --interval: must be at least 100ms");
    env.run(["monitor", "watch", "--window", "forever"])
        .code(2)
        .stderr_has("invalid --window");
    env.run(["monitor", "watch", "--count", "0"]).code(2);
    env.run(["monitor", "watch", "--format", "csv"])
        .code(2)
        .stderr_has("monitor watch prints");
    // Nothing was printed, and no store was created for it.
    let run = env.run(["monitor", "watch", "--interval", "soon"]);
    assert_eq!(run.stdout, "");
    assert!(!env.store_exists());
}

#[test]
pub(crate) fn signals_end_it_at_once_with_exit_0() {
    let env = three_pending();
    for signal in [Signal::SIGINT, Signal::SIGTERM] {
        // An hour between lines: only the signal can end it in time.
        let mut watch = env.spawn(&["monitor", "watch", "--interval", "1h"], &[]);
        wait_until("the first line is out", Duration::from_secs(20), || {
            watch.log().contains("pending=3")
        });
        let sent = Instant::now();
        watch.signal(signal);
        assert_eq!(watch.exit_code(Duration::from_secs(10)), 0, "{signal}");
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "{signal} took {:?}",
            sent.elapsed()
        );
        assert_eq!(watch.log().lines().count(), 1, "{}", watch.log());
    }
}

/// Kills the child if the test fails before it exits.
struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
pub(crate) fn a_closed_pipe_ends_it_quietly() {
    let env = three_pending();
    let mut cmd = env.std_cmd(["monitor", "watch", "--interval", "100ms"]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Reap(cmd.spawn().expect("start monitor watch"));
    let stdout = child.0.stdout.take().expect("piped stdout");
    // Read the first line on a thread of its own, so that waiting for it has a deadline; the
    // thread then drops the reading end, like `| head -1` exiting.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(stdout);
        let mut first = String::new();
        let _ = reader.read_line(&mut first);
        let _ = tx.send(first);
    });
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("a first line within 20 s");
    assert!(first.contains("pending=3"), "{first}");

    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = child.0.try_wait().expect("poll the child") {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "monitor watch still runs after its reader went away"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(0), "{status}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.0.stderr.as_mut().expect("piped stderr"), &mut stderr)
        .expect("read stderr");
    assert_eq!(stderr, "", "a closed pipe is no error");
}

/// `script` from util-linux, which runs a command on a pseudo-terminal; `None` where it is
/// missing.
fn pty_runner() -> Option<()> {
    let out = std::process::Command::new("script")
        .arg("--version")
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .contains("util-linux")
        .then_some(())
}

#[test]
pub(crate) fn on_a_terminal_the_live_view_quits_on_q_esc_and_ctrl_c_and_restores_the_terminal() {
    // util-linux `script` (Debian's bsdutils, an essential package; `.ci/run` makes sure of it)
    // runs the view on a pseudo-terminal.
    assert!(
        pty_runner().is_some(),
        "util-linux `script` is needed to run the live view on a terminal"
    );
    let env = Env::new();
    env.account("blog");
    let now = chrono::Utc::now().timestamp_millis();
    let busy = env.submit("blog", "Busy one", &[]);
    env.update_task(
        &busy,
        &format!(
            "status = 'processing', progress = 40, current_step = 'drafting', started_at = {}",
            now - 5_000
        ),
    );
    let broken = env.submit("blog", "Broken one", &[]);
    env.update_task(
        &broken,
        &format!(
            "status = 'failed', error_kind = 'permanent', error_message = 'generator said 400',
             started_at = {}, completed_at = {now}",
            now - 2_000
        ),
    );
    env.submit("blog", "写一篇关于 Rust 的文章", &[]);
    for key in ["q", "\x1b", "\x03"] {
        quits_on(&env, key);
    }
}

/// Runs the live view on a pseudo-terminal, presses `key` once it is drawn, and checks that
/// it ended with exit 0 and left the terminal as it found it.
fn quits_on(env: &Env, key: &str) {
    let shell = format!(
        "stty cols 100 rows 30; '{}' monitor watch --interval 1h; echo \"RC=$?\"; stty -a",
        env!("CARGO_BIN_EXE_contenthub")
    );
    let template = env.std_cmd(["unused"]);
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qfec", &shell, "/dev/null"])
        .current_dir(env.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = Reap(cmd.spawn().expect("start script"));
    let mut stdout = child.0.stdout.take().expect("piped stdout");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let sink = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = std::io::Read::read(&mut stdout, &mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let text = || String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    wait_until("the live view is drawn", Duration::from_secs(20), || {
        text().contains("Recent")
    });
    let screen = text();
    assert!(
        screen.contains("\x1b[?1049h"),
        "the alternate screen: {screen:?}"
    );
    // Words arrive between cursor moves, so look for them one by one.
    for word in [
        "pending",
        "flight",
        "drafting",
        "40%",
        "failed",
        "generator",
        "Broken",
    ] {
        assert!(screen.contains(word), "{word}: {screen:?}");
    }

    std::io::Write::write_all(child.0.stdin.as_mut().expect("piped stdin"), key.as_bytes())
        .expect("press the key");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.0.try_wait().expect("poll script").is_none() {
        assert!(
            Instant::now() < deadline,
            "{key:?} did not quit:\n{:?}",
            text()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    wait_until("script's output is read", Duration::from_secs(10), || {
        text().contains("speed")
    });
    let all = text();
    let after = &all[all.rfind("\x1b[?1049l").expect("left the alternate screen")..];
    assert!(after.contains("RC=0"), "{key:?}: {after:?}");
    // Raw mode is off again: the line discipline is back to canonical mode with echo.
    assert!(after.contains(" icanon"), "{after:?}");
    assert!(after.contains(" echo "), "{after:?}");
}

#[test]
pub(crate) fn each_line_reads_the_store_again() {
    let env = three_pending();
    let mut watch = env.spawn(
        &["monitor", "watch", "--count", "3", "--interval", "700ms"],
        &[],
    );
    let lines = |w: &crate::support::Child| -> Vec<String> {
        w.log()
            .lines()
            .filter(|l| l.contains(" pending="))
            .map(str::to_string)
            .collect()
    };
    wait_until("the first line", Duration::from_secs(10), || {
        !lines(&watch).is_empty()
    });
    env.submit("blog", "Four", &[]);
    assert_eq!(watch.exit_code(Duration::from_secs(10)), 0);
    let all = lines(&watch);
    assert_eq!(all.len(), 3, "{all:?}");
    assert_pairs(&all[0], &[("pending", "3")]);
    assert_pairs(&all[2], &[("pending", "4")]);
}

#[test]
pub(crate) fn plain_lines_keep_an_ignored_hangup_ignored() {
    // As under `nohup`: SIGHUP ignored by the parent stays ignored.
    let env = three_pending();
    let bin = env!("CARGO_BIN_EXE_contenthub");
    // The test environment (HOME, XDG dirs, store) of the binary, for the shell to pass on.
    let template = env.std_cmd(["--version"]);
    let mut sh = std::process::Command::new("/bin/sh");
    sh.arg("-c")
        .arg(format!(
            "trap '' HUP; exec '{bin}' monitor watch --interval 200ms"
        ))
        .envs(
            template
                .get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .current_dir(env.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut proc = sh.spawn().expect("start sh");
    let pid = nix::unistd::Pid::from_raw(proc.id() as i32);
    let mut out = std::io::BufReader::new(proc.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).expect("a first line");
    nix::sys::signal::kill(pid, Signal::SIGHUP).unwrap();
    line.clear();
    out.read_line(&mut line)
        .expect("still running after SIGHUP");
    assert!(line.contains(" pending=3"), "{line}");
    nix::sys::signal::kill(pid, Signal::SIGTERM).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = proc.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}
