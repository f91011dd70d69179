//! `kill -9` the daemon again and again during a run of content-creator tasks: nothing is
//! lost, no task completes twice, and no idempotency key is posted twice (the service
//! destroys a job whose key is posted again).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::daemon::submit_many;
use crate::mock::{between, ContentCreator};
use crate::support::{raw_id, serial, wait_until, Env};

const TASKS: usize = 50;
const KILLS: usize = 6;

#[test]
fn kill_9_at_random_moments_loses_nothing_and_never_posts_a_key_twice() {
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
            .conn()
            .query_row(
                "SELECT remote_job_id FROM tasks WHERE id = ?1",
                [raw_id(id)],
                |r| r.get(0),
            )
            .unwrap();
        let remote = cc.jobs().into_iter().find(|j| j.id == job).unwrap();
        assert_eq!(&base(&remote.key), id, "task {id} holds another task's job");
    }
    eprintln!("crash test: {KILLS} kills, {abandoning} tasks abandoned a job, {took:?}");
}
