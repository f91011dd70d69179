//! The task life cycle from the operator's side: list, show, log, cancel, retry, stats and
//! cleanup.

use crate::support::{ids, Env, Fixture, Stats, DAY_MS};
use contenthub::domain::{Status, Task, TaskEvent};

fn listed(env: &Env, args: &[&str]) -> Vec<String> {
    let mut all = vec!["task", "list"];
    all.extend(args);
    let tasks: Vec<Task> = env.json(&all);
    tasks.into_iter().map(|t| t.id.to_string()).collect()
}

fn show(env: &Env, id: &str) -> Task {
    env.json(&["task", "show", id])
}

#[test]
pub(crate) fn list_filters_by_status_account_and_time() {
    let f = Fixture::new();
    let env = &f.env;
    let news = env.submit("news", "News item", &["-p", "9"]);
    let all = listed(env, &["--limit", "0"]);
    assert_eq!(all.len(), 8);
    assert_eq!(all[0], news, "newest first");
    assert_eq!(all[7], f.pending);

    assert_eq!(listed(env, &["--status", "failed"]), [f.failed.as_str()]);
    let mut several = listed(
        env,
        &[
            "--status",
            "failed",
            "--status",
            "timeout",
            "-s",
            "completed",
        ],
    );
    several.sort();
    assert_eq!(
        several,
        [f.completed.as_str(), f.failed.as_str(), f.timeout.as_str()]
    );
    let mut comma = listed(env, &["--status", "failed,timeout,completed"]);
    comma.sort();
    assert_eq!(comma, several);
    assert!(listed(env, &["--status", "submitted"]).is_empty());

    assert_eq!(listed(env, &["--account", "news"]), [news.as_str()]);
    assert_eq!(
        listed(env, &["--account", "2"]),
        [news.as_str()],
        "an account by id"
    );
    assert_eq!(listed(env, &["--account", "blog"]).len(), 7);
    assert_eq!(
        listed(env, &["--account", "blog", "--status", "pending"]).len(),
        2
    );

    // Two tasks were created a week and three days ago.
    let now = chrono::Utc::now().timestamp_millis();
    env.update_task(&f.failed, &format!("created_at = {}", now - 7 * DAY_MS));
    env.update_task(&f.timeout, &format!("created_at = {}", now - 3 * DAY_MS));
    let recent = listed(env, &["--since", "1d", "--limit", "0"]);
    assert_eq!(recent.len(), 6);
    assert!(!recent.contains(&f.failed) && !recent.contains(&f.timeout));
    let old = listed(env, &["--until", "1d"]);
    assert_eq!(old, [f.timeout.as_str(), f.failed.as_str()]);
    assert_eq!(
        listed(env, &["--since", "5d", "--until", "2d"]),
        [f.timeout.as_str()]
    );
    let rfc = chrono::DateTime::from_timestamp_millis(now - 4 * DAY_MS)
        .unwrap()
        .to_rfc3339();
    assert_eq!(listed(env, &["--until", &rfc]), [f.failed.as_str()]);
    let date = chrono::DateTime::from_timestamp_millis(now - 5 * DAY_MS)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        listed(env, &["--since", &date, "--until", "2d"]),
        [f.timeout.as_str()]
    );
}

#[test]
pub(crate) fn list_limits_and_sorts() {
    let env = Env::new();
    env.account("blog");
    let mut ids = Vec::new();
    for (i, p) in [3, 9, 5, 9, 1].iter().enumerate() {
        ids.push(env.submit("blog", &format!("Task {i}"), &["-p", &p.to_string()]));
    }
    assert_eq!(listed(&env, &[]).len(), 5);
    assert_eq!(
        listed(&env, &["--limit", "2"]),
        [ids[4].as_str(), ids[3].as_str()]
    );
    assert_eq!(listed(&env, &["-n", "1", "--reverse"]), [ids[0].as_str()]);

    // Most urgent first; equal priorities oldest first.
    let by_priority = listed(&env, &["--sort", "priority"]);
    assert_eq!(
        by_priority,
        [&ids[1], &ids[3], &ids[2], &ids[0], &ids[4]].map(String::clone)
    );
    let reversed = listed(&env, &["--sort", "priority", "--reverse"]);
    let mut expected = by_priority.clone();
    expected.reverse();
    assert_eq!(reversed, expected);
    assert_eq!(
        listed(&env, &["--sort", "priority", "--limit", "2"]),
        [ids[1].as_str(), ids[3].as_str()]
    );

    // Most recently updated first.
    env.ok(["task", "cancel", &ids[0]]);
    assert_eq!(
        listed(&env, &["--sort", "updated", "--limit", "1"]),
        [ids[0].as_str()]
    );
    assert_eq!(
        listed(&env, &["--sort", "updated", "--reverse", "--limit", "1"]),
        [ids[1].as_str()]
    );

    // -q prints ids only, in the same order.
    let quiet = env.ok(["task", "list", "-q", "--sort", "priority"]);
    assert_eq!(crate::support::ids(&quiet), by_priority);
}

#[test]
pub(crate) fn show_accepts_the_full_id_a_prefix_and_the_status_alias() {
    let f = Fixture::new();
    let env = &f.env;
    for input in [
        "task-eeee00000001",
        "task-eeee",
        "eeee0000",
        "EEEE",
        "  task-eeee0  ",
    ] {
        assert_eq!(show(env, input).id.to_string(), f.timeout, "{input}");
    }
    let status: Task = env.json(&["task", "status", "task-cccc"]);
    assert_eq!(status.id.to_string(), f.failed);
    assert_eq!(status.error_kind.as_deref(), Some("permanent"));
    assert_eq!(status.error_message.as_deref(), Some("generator said 400"));
    assert_eq!(status.retry_count, 3);
    // The twins differ only in their last digit.
    assert_eq!(show(env, "task-abcd00000002").id.to_string(), f.twins[1]);

    // The table shows every field, one per row, including the last error and event count.
    let table = env.ok(["task", "show", "task-cccc"]);
    for field in [
        "id",
        "topic",
        "keywords",
        "error_message",
        "event_count",
        "deadline_at",
        "updated_at",
    ] {
        assert!(
            table.lines().any(|l| l.contains(&format!(" {field} "))),
            "no {field}:\n{table}"
        );
    }
    assert!(
        table.contains("generator said 400") && table.contains("rust, sqlite"),
        "{table}"
    );
}

#[test]
pub(crate) fn cancel_then_retry_counts_against_max_retries() {
    let env = Env::new();
    env.account("blog");
    let id = env.submit("blog", "Retry me", &["--max-retries", "1"]);
    let short = &id[..9];

    let run = env.run(["task", "cancel", short]).success();
    run.stderr_has(&format!("cancelled {id} (was pending)"));
    assert_eq!(run.stdout, "");
    let t = show(&env, &id);
    assert_eq!(t.status, Status::Cancelled);
    assert!(t.completed_at.is_some());

    let run = env.run(["task", "retry", &id]).success();
    run.stderr_has(&format!("queued again {id} (was cancelled)"));
    let t = show(&env, &id);
    assert_eq!((t.status, t.retry_count), (Status::Pending, 1));
    assert!(t.completed_at.is_none(), "a retried task is not completed");
    assert!(
        t.deadline_at.0 >= t.updated_at.0 + 1_800_000,
        "the deadline restarts"
    );

    // One retry allowed, one used: the next is refused unless forced.
    env.ok(["task", "cancel", &id]);
    env.run(["task", "retry", &id])
        .code(4)
        .stderr_has("1 of 1 retries")
        .stderr_has("--force");
    assert_eq!(show(&env, &id).status, Status::Cancelled);
    let run = env.run(["task", "retry", &id, "--force", "-q"]).success();
    assert_eq!(
        run.stdout,
        format!("{id}\n"),
        "-q prints the ids that were retried"
    );
    let t = show(&env, &id);
    assert_eq!((t.status, t.retry_count), (Status::Pending, 2));

    let log: Vec<TaskEvent> = env.json(&["task", "log", &id]);
    let steps: Vec<(Option<Status>, Status)> =
        log.iter().map(|e| (e.from_status, e.to_status)).collect();
    use Status::*;
    assert_eq!(
        steps,
        [
            (None, Pending),
            (Some(Pending), Cancelled),
            (Some(Cancelled), Pending),
            (Some(Pending), Cancelled),
            (Some(Cancelled), Pending)
        ]
    );
    assert!(log.iter().all(|e| e.task_id.to_string() == id));
    assert!(log.windows(2).all(|w| w[0].occurred_at <= w[1].occurred_at));
    assert_eq!(log[0].message.as_deref(), Some("submitted"));
    assert_eq!(log[1].message.as_deref(), Some("cancelled by operator"));
    assert!(
        log[4].message.as_deref().unwrap_or("").contains("forced"),
        "{:?}",
        log[4]
    );
    assert_eq!(show(&env, &id).event_count, 5);

    let table = env.ok(["task", "log", &id]);
    assert_eq!(table.matches("cancelled by operator").count(), 2, "{table}");
    assert!(
        table.contains("occurred_at") && table.contains("from_status"),
        "{table}"
    );
}

#[test]
pub(crate) fn cancel_and_retry_several_report_each_and_the_worst_code() {
    let f = Fixture::new();
    let env = &f.env;
    // A pending and a processing task are cancelled; the completed one is refused: exit 4.
    let run = env
        .run(["task", "cancel", &f.pending, &f.twins[1], &f.completed])
        .code(4);
    run.stderr_has(&format!("{} is already completed", f.completed));
    assert_eq!(env.status_of(&f.pending), "cancelled");
    assert_eq!(env.status_of(&f.twins[1]), "cancelled");
    assert_eq!(env.status_of(&f.completed), "completed");
    // The same id twice is handled once.
    let run = env
        .run(["task", "retry", &f.timeout, "task-eeee"])
        .success();
    assert_eq!(
        run.stderr.matches("queued again").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
pub(crate) fn retry_all_failed_takes_failed_and_timed_out_tasks_only() {
    let f = Fixture::new();
    let env = &f.env;
    let other = env.submit("blog", "Another failure", &[]);
    env.set_status(&other, "failed");
    // The fixture's failed task has used all its retries: the others are retried, it is
    // reported, and the exit code says something was refused.
    let run = env.run(["task", "retry", "--all-failed"]).code(4);
    run.stderr_has(&format!("{} has used 3 of 3 retries", f.failed));
    assert_eq!(env.status_of(&other), "pending");
    assert_eq!(env.status_of(&f.timeout), "pending");
    assert_eq!(env.status_of(&f.failed), "failed");
    assert_eq!(
        env.status_of(&f.cancelled),
        "cancelled",
        "--all-failed leaves cancelled tasks alone"
    );

    let run = env
        .run(["task", "retry", "--all-failed", "--force"])
        .success();
    run.stderr_has(&format!("queued again {} (was failed)", f.failed));
    assert_eq!(show(env, &f.failed).retry_count, 4);
    let run = env.run(["task", "retry", "--all-failed"]).success();
    run.stderr_has("no failed or timed-out tasks");
    assert_eq!(
        env.count("SELECT value FROM counters WHERE name = 'tasks_retried_total'"),
        3
    );
}

#[test]
pub(crate) fn stats_count_every_status() {
    let f = Fixture::new();
    let env = &f.env;
    env.submit("news", "News", &[]);
    let s: Stats = env.json(&["task", "stats"]);
    assert_eq!((s.total, s.active, s.finished), (8, 4, 4));
    let by: Vec<(Status, u64)> = s.statuses.iter().map(|c| (c.status, c.count)).collect();
    use Status::*;
    assert_eq!(
        by,
        [
            (Pending, 3),
            (Submitted, 0),
            (Processing, 1),
            (Completed, 1),
            (Failed, 1),
            (Timeout, 1),
            (Cancelled, 1)
        ]
    );
    let pending = &s.statuses[0];
    assert!((pending.share - 0.375).abs() < 1e-9, "{pending:?}");
    let sum: f64 = s.statuses.iter().map(|c| c.share).sum();
    assert!((sum - 1.0).abs() < 1e-3, "{sum}");

    let news: Stats = env.json(&["task", "stats", "--account", "news"]);
    assert_eq!((news.total, news.active), (1, 1));
    assert_eq!(news.statuses[0].share, 1.0);
    assert_eq!(env.ok(["task", "stats", "-q"]), "8\n");

    // Counts follow every change, including deletes.
    env.ok(["task", "cancel", &f.pending]);
    env.ok(["task", "cleanup", "--older-than", "1d", "--yes"]);
    let s: Stats = env.json(&["task", "stats"]);
    let by: Vec<u64> = s.statuses.iter().map(|c| c.count).collect();
    assert_eq!(by, [2, 0, 1, 0, 1, 1, 1]);
    assert_eq!(s.total, 6);

    let empty = Env::new();
    let s: Stats = empty.json(&["task", "stats"]);
    assert_eq!(s.total, 0);
    assert!(s.statuses.iter().all(|c| c.count == 0 && c.share == 0.0));
}

#[test]
pub(crate) fn cleanup_deletes_old_terminal_tasks_only() {
    let f = Fixture::new();
    let env = &f.env;
    // Make every task old, unfinished ones included: those must survive regardless.
    let old = chrono::Utc::now().timestamp_millis() - 60 * DAY_MS;
    env.exec(&format!(
        "UPDATE tasks SET updated_at = {old}, created_at = {old}"
    ));
    env.update_task(&f.timeout, &format!("updated_at = {}", old + 55 * DAY_MS));

    let before = env.dump();
    let run = env
        .run(["task", "cleanup", "--older-than", "30d", "--dry-run"])
        .success();
    assert_eq!(run.stdout, "3\n");
    run.stderr_has("3 finished tasks older than 30d would be deleted (dry run)");
    assert_eq!(env.dump(), before, "a dry run changes nothing");

    let run = env
        .run(["task", "cleanup", "--older-than", "30d", "--yes"])
        .success();
    assert_eq!(run.stdout, "3\n");
    let mut left = listed(env, &["--limit", "0"]);
    left.sort();
    let mut want = vec![
        f.pending.as_str(),
        f.timeout.as_str(),
        f.twins[0].as_str(),
        f.twins[1].as_str(),
    ];
    want.sort();
    assert_eq!(left, want, "pending, processing and recent tasks stay");
    assert_eq!(
        env.count("SELECT count(*) FROM task_events WHERE task_seq NOT IN (SELECT seq FROM tasks)"),
        0
    );
    assert_eq!(
        env.count("SELECT value FROM counters WHERE name = 'tasks_cleaned_total'"),
        3
    );

    // Nothing is left to clean at that age; a shorter age takes the timed-out task.
    assert_eq!(
        env.ok(["task", "cleanup", "--older-than", "30d", "--yes"]),
        "0\n"
    );
    assert_eq!(
        env.ok(["task", "cleanup", "--older-than", "1d", "-y"]),
        "1\n"
    );
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 3);
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE status IN ('pending', 'processing')"),
        3
    );
}

#[test]
pub(crate) fn ids_of_a_bulk_submit_can_be_listed_back() {
    let env = Env::new();
    env.account("blog");
    let file = env.write("t.csv", "account,topic\nblog,a\nblog,b\nblog,c\n");
    let submitted = ids(&env.ok(["task", "submit", "--from-file", file.to_str().unwrap()]));
    let mut back = listed(&env, &["--reverse"]);
    back.truncate(3);
    assert_eq!(back, submitted);
}
