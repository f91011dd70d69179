//! `kill -9` the daemon again and again during a run of content-creator tasks: nothing is
//! lost, nothing is generated (or paid for) twice.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::daemon::submit_many;
use crate::mock::{between, ContentCreator};
use crate::support::{raw_id, serial, wait_until, Env};

const TASKS: usize = 50;
const KILLS: usize = 6;

#[test]
fn kill_9_at_random_moments_loses_nothing_and_bills_nothing_twice() {
    let _serial = serial();
    let cc = ContentCreator::start(Duration::from_millis(300), Duration::from_millis(800));
    // Reply to a submit only a while after creating the job, so some kills land between the
    // service creating a job and the daemon recording its id: the resubmit must dedupe.
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

    // One remote job per task, keyed by the task id (no failures, so no `-r` attempts); a
    // submit repeated after a crash carried the same key and was deduped.
    let jobs = cc.jobs_per_key();
    let keys: HashSet<&String> = jobs.keys().collect();
    let want: HashSet<&String> = ids.iter().collect();
    assert_eq!(keys, want, "jobs keyed by anything but the task ids");
    assert!(jobs.values().all(|n| *n == 1));
    assert_eq!(cc.jobs().len(), TASKS, "a task was billed twice");
    // Kills during a submit guarantee repeats; each carried the key of the job it repeated.
    let posts: usize = cc.posts_per_key().values().sum();
    assert!(cc.deduped() >= 1, "no submit was repeated after a kill");
    assert_eq!(posts - TASKS, cc.deduped());
    assert_eq!(cc.violations(), Vec::<String>::new());
    // Our 1..10 on its BullMQ 1..4, where 1 is the most urgent.
    let remote_priority = |p: i64| match p {
        9..=10 => 1,
        6..=8 => 2,
        3..=5 => 3,
        _ => 4,
    };
    for (row, id) in rows.iter().zip(&ids) {
        let job = cc.jobs().into_iter().find(|j| &j.key == id).unwrap();
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
        assert_eq!(&remote.key, id, "task {id} holds another task's job");
    }
    eprintln!(
        "crash test: {KILLS} kills, {} repeated submits deduped, {took:?}",
        cc.deduped()
    );
}
