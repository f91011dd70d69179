//! `kill -9` the daemon again and again during a run of content-creator tasks: nothing is
//! lost, no task completes twice, and no idempotency key is posted twice (the service
//! destroys a job whose key is posted again). And `kill -9` it while `command` generator
//! programs run: they die with it, and the next daemon kills what they left behind before it
//! runs their tasks again, so each task costs one completed program run.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::daemon::submit_many;
use crate::mock::{between, ContentCreator};
use crate::support::{raw_id, serial, wait_until, Env};

/// Whether a process is gone: no such pid, or a zombie (dead, waiting to be reaped).
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

const TASKS: usize = 50;
const KILLS: usize = 6;

#[test]
pub(crate) fn kill_9_at_random_moments_loses_nothing_and_never_posts_a_key_twice() {
    let _serial = serial();
    let cc = ContentCreator::start(Duration::from_millis(300), Duration::from_millis(800));
    // Reply to a submit only a while after creating the job, so some kills land between the
    // service creating a job and the daemon recording its id: that job is abandoned and the
    // next attempt takes a new key.
    cc.set_submit_delay(Duration::from_millis(100));
    let env = Env::new();
    env.config(&format!(
        r#"[daemon]
max_concurrent = 10
poll_interval = "100ms"
lease = "1s"
retry_delays = ["100ms", "200ms"]

[generators.default]
kind = "content-creator"
base_url = "{}"
timeout = "5s"
mode = "async"
"#,
        cc.url()
    ));
    env.account("blog");
    let rows: Vec<Value> = (0..TASKS)
        .map(|i| json!({"account": "blog", "topic": format!("Crash test {i}"), "priority": i % 10 + 1}))
        .collect();
    let ids = submit_many(&env, &rows);

    let started = Instant::now();
    let mut daemon = env.spawn(&["daemon", "run"], &[]);
    for kill in 0..KILLS {
        if kill % 2 == 0 {
            // Right after the service created a job the daemon has not heard of yet.
            wait_until(
                "a submit is being answered",
                Duration::from_secs(10),
                || cc.submits_in_flight() > 0,
            );
        } else {
            std::thread::sleep(between(
                Duration::from_millis(150),
                Duration::from_millis(600),
            ));
        }
        assert!(
            daemon.exited().is_none(),
            "daemon {kill} did not keep running (a restart after kill -9 must take the lock at once):\n{}",
            daemon.log()
        );
        daemon.kill9();
        daemon = env.spawn(&["daemon", "run"], &[]);
    }
    // Let the last one run a moment, then drain with a daemon that exits when all is done.
    std::thread::sleep(Duration::from_millis(200));
    assert!(daemon.exited().is_none(), "{}", daemon.log());
    daemon.kill9();
    let mut last = env.spawn(&["daemon", "run", "--until-idle"], &[]);
    assert_eq!(last.exit_code(Duration::from_secs(40)), 0, "{}", last.log());
    let took = started.elapsed();

    // Every task completed, with exactly one content row each.
    let not_done = env.count("SELECT count(*) FROM tasks WHERE status <> 'completed'");
    assert_eq!(not_done, 0, "{}", env.ok(["task", "list", "--limit", "0"]));
    assert_eq!(env.count("SELECT count(*) FROM contents"), TASKS as i64);
    assert_eq!(
        env.count("SELECT count(DISTINCT task_id) FROM contents"),
        TASKS as i64
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM tasks t JOIN contents c ON c.id = t.content_id AND c.task_id = t.id"
        ),
        TASKS as i64
    );

    // No idempotency key was posted twice: the service destroys a job whose key comes again.
    // A submit interrupted by a kill is abandoned (paid for, not used) and the next attempt
    // takes the next key, `{task id}-r{n}`; the task's history says so.
    assert_eq!(cc.deduped(), 0, "a key was posted twice");
    let posts = cc.posts_per_key();
    assert!(posts.values().all(|n| *n == 1), "{posts:?}");
    let base = |key: &str| -> String {
        match key.rsplit_once("-r") {
            Some((b, n)) if n.parse::<u32>().is_ok() => b.to_string(),
            _ => key.to_string(),
        }
    };
    let want: HashSet<&String> = ids.iter().collect();
    let mut abandoning = 0;
    for id in &ids {
        // The keys a task posted: its id, then `-r1`, `-r2`, … (a key taken by an attempt
        // that was killed before its request left is never seen by the service).
        let keys: Vec<&String> = posts.keys().filter(|k| &base(k) == id).collect();
        assert!(!keys.is_empty(), "task {id} never reached the service");
        for k in &keys {
            assert!(
                *k == id
                    || k.strip_prefix(&format!("{id}-r"))
                        .is_some_and(|n| n.parse::<u32>().is_ok()),
                "task {id} posted key {k}"
            );
        }
        if keys.len() > 1 {
            abandoning += 1;
            let log = env.ok(["task", "log", id]);
            assert!(log.contains("abandoned"), "task {id}:\n{log}");
        }
    }
    assert!(
        posts.keys().all(|k| want.contains(&base(k))),
        "jobs keyed by anything but the task ids: {posts:?}"
    );
    assert!(abandoning >= 1, "no submit was interrupted by a kill");
    assert_eq!(cc.violations(), Vec::<String>::new());
    // Our 1..10 on its BullMQ 1..4, where 1 is the most urgent.
    let remote_priority = |p: i64| match p {
        9..=10 => 1,
        6..=8 => 2,
        3..=5 => 3,
        _ => 4,
    };
    for (row, id) in rows.iter().zip(&ids) {
        let job = cc.jobs().into_iter().find(|j| &base(&j.key) == id).unwrap();
        assert_eq!(
            job.priority,
            remote_priority(row["priority"].as_i64().unwrap())
        );
    }
    for id in &ids {
        let job: String = env
            .value(
                "SELECT remote_job_id FROM tasks WHERE id = ?1",
                &[&raw_id(id)],
            )
            .unwrap();
        let remote = cc.jobs().into_iter().find(|j| j.id == job).unwrap();
        assert_eq!(&base(&remote.key), id, "task {id} holds another task's job");
    }
    eprintln!("crash test: {KILLS} kills, {abandoning} tasks abandoned a job, {took:?}");
}

/// A `command` generator program that records each run in a log (its arguments: the log):
/// `start PID TASK` when it begins, `bg PID TASK` for a `sleep` it leaves in the background in
/// its process group (as real scripts do), then 3 s of work (a foreground `sleep`), then
/// `done PID TASK` and the article. A *completed run* is one that wrote its `done` line: it
/// did all its work and answered.
const RECORDING_PROGRAM: &str = r##"#!/bin/sh
log="$1"
task=$(sed -n 's/.*"task_id":"\([^"]*\)".*/\1/p')
echo "start $$ $task" >> "$log"
sleep 30 &
echo "bg $! $task" >> "$log"
sleep 3
echo "done $$ $task" >> "$log"
printf '{"body":"# %s\\n\\nWritten by the recording program."}' "$task"
"##;

/// The lines of the run log whose first word is `kind`: (pid, task id).
fn runs(log: &std::path::Path, kind: &str) -> Vec<(i32, String)> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next()? == kind).then_some(())?;
            Some((w.next()?.parse().ok()?, w.next()?.to_string()))
        })
        .collect()
}

#[test]
pub(crate) fn kill_9_takes_the_command_programs_with_it_and_each_task_costs_one_completed_run() {
    const N: usize = 10;
    let _serial = serial();
    let env = Env::new();
    let program = env.write("recording-program.sh", RECORDING_PROGRAM);
    let log = env.path().join("runs.log");
    env.config(&format!(
        r#"[daemon]
max_concurrent = 10

[generators.default]
kind = "command"
command = ["/bin/sh", "{}", "{}"]
timeout = "20s"
"#,
        program.display(),
        log.display()
    ));
    env.account("blog");
    let rows: Vec<Value> = (0..N)
        .map(|i| json!({"account": "blog", "topic": format!("Program run {i}")}))
        .collect();
    let ids = submit_many(&env, &rows);

    let mut first = env.spawn(&["daemon", "run"], &[]);
    wait_until(
        "every task's program runs and is recorded",
        Duration::from_secs(20),
        || {
            runs(&log, "bg").len() == N
                && env.count("SELECT count(*) FROM task_children") == N as i64
        },
    );
    let programs: Vec<i32> = runs(&log, "start").iter().map(|r| r.0).collect();
    let left_behind: Vec<i32> = runs(&log, "bg").iter().map(|r| r.0).collect();
    assert_eq!(programs.len(), N);
    assert!(programs.iter().chain(&left_behind).all(|p| !gone(*p)));

    first.kill9();
    let killed_at = Instant::now();
    // The programs die with the daemon (parent-death signal), without waiting for anyone.
    wait_until(
        "every program died with the daemon",
        Duration::from_secs(1),
        || programs.iter().all(|p| gone(*p)),
    );
    let died_within = killed_at.elapsed();
    // What they started themselves is still there, in their process groups, and recorded.
    assert!(
        left_behind.iter().all(|p| !gone(*p)),
        "the background processes were expected to outlive the programs"
    );
    assert_eq!(env.count("SELECT count(*) FROM task_children"), N as i64);

    let mut second = env.spawn(&["daemon", "run", "--until-idle"], &[]);
    assert_eq!(
        second.exit_code(Duration::from_secs(60)),
        0,
        "{}",
        second.log()
    );
    let second_log = second.log();
    // The new daemon killed the leftovers before it claimed anything.
    assert!(
        left_behind.iter().all(|p| gone(*p)),
        "leftovers survive the restart: {:?}",
        left_behind
            .iter()
            .filter(|p| !gone(**p))
            .collect::<Vec<_>>()
    );
    let killed = second_log
        .find("killed a generator program left running")
        .unwrap_or_else(|| panic!("no leftover was killed:\n{second_log}"));
    let claimed = second_log.find("claimed").unwrap_or(usize::MAX);
    assert!(killed < claimed, "{second_log}");
    assert_eq!(
        second_log
            .matches("killed a generator program left running")
            .count(),
        N,
        "{second_log}"
    );

    // 10 tasks, 10 completed runs: one per task; the killed runs never completed.
    let done = runs(&log, "done");
    let mut done_tasks: Vec<&str> = done.iter().map(|r| r.1.as_str()).collect();
    done_tasks.sort_unstable();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(done_tasks, want, "completed runs: {done:?}");
    assert_eq!(runs(&log, "start").len(), 2 * N);
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE status = 'completed'"),
        N as i64
    );
    assert_eq!(env.count("SELECT count(*) FROM contents"), N as i64);
    // Every record was cleared: by the new daemon for the leftovers, by each attempt for its own.
    assert_eq!(env.count("SELECT count(*) FROM task_children"), 0);
    assert!(runs(&log, "bg").iter().all(|r| gone(r.0)));
    eprintln!("programs died {died_within:?} after kill -9");
}
