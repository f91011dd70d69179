//! Many processes share one store: none of them may fail or tell the operator that the
//! database is locked or busy.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::support::{is_task_id, raw_id, Env};

const WRITERS: usize = 8;
const TASKS_EACH: usize = 200;
/// Generous for two cores (the run takes a few seconds); a lock-up fails instead of hanging.
const DEADLINE: Duration = Duration::from_secs(90);

/// What one writer saw: the ids it was given and any failed run.
#[derive(Default)]
struct Report {
    ids: Vec<String>,
    problems: Vec<String>,
}

#[test]
pub(crate) fn eight_writers_submit_two_hundred_tasks_each() {
    let env = Env::new();
    env.account("blog");
    let start = Instant::now();
    let reports: Vec<Report> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let env = &env;
                s.spawn(move || {
                    let mut r = Report::default();
                    for i in 0..TASKS_EACH {
                        if start.elapsed() > DEADLINE {
                            r.problems
                                .push(format!("writer {w} passed the deadline at task {i}"));
                            break;
                        }
                        let topic = format!("writer {w} task {i}");
                        let run = env.run(["task", "submit", "-q", "-a", "blog", "-t", &topic]);
                        let lower = run.stderr.to_lowercase();
                        if run.code != 0
                            || lower.contains("locked")
                            || lower.contains("busy")
                            || !run.stderr.is_empty()
                        {
                            r.problems.push(format!(
                                "writer {w} task {i}: exit {}: {}",
                                run.code,
                                run.stderr.trim()
                            ));
                        }
                        let id = run.stdout.trim().to_string();
                        if is_task_id(&id) {
                            r.ids.push(id);
                        } else {
                            r.problems
                                .push(format!("writer {w} task {i}: stdout {:?}", run.stdout));
                        }
                    }
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a writer thread panicked"))
            .collect()
    });

    let problems: Vec<&String> = reports.iter().flat_map(|r| &r.problems).collect();
    assert!(
        problems.is_empty(),
        "{} problems, e.g.:\n{:#?}",
        problems.len(),
        &problems[..problems.len().min(10)]
    );
    let printed: Vec<&String> = reports.iter().flat_map(|r| &r.ids).collect();
    assert_eq!(printed.len(), WRITERS * TASKS_EACH);
    let unique: HashSet<&String> = printed.iter().copied().collect();
    assert_eq!(
        unique.len(),
        WRITERS * TASKS_EACH,
        "an id was handed out twice"
    );

    let total = (WRITERS * TASKS_EACH) as i64;
    assert_eq!(env.count("SELECT count(*) FROM tasks"), total);
    assert_eq!(env.count("SELECT count(DISTINCT id) FROM tasks"), total);
    assert_eq!(
        env.count("SELECT count(DISTINCT topic) FROM tasks"),
        total,
        "every submission is its own row"
    );
    assert_eq!(env.count("SELECT count(*) FROM task_events"), total);
    assert_eq!(
        // A sum: on PostgreSQL the table holds change rows (schema 4).
        env.count("SELECT sum(n) FROM task_counts WHERE status = 'pending'"),
        total
    );
    assert_eq!(
        env.count("SELECT value FROM counters WHERE name = 'tasks_submitted_total'"),
        total
    );
    // Every printed id is a stored row.
    let stored: HashSet<i64> = env
        .rows("SELECT id FROM tasks", &[])
        .iter()
        .map(|r| r.int(0))
        .collect();
    assert!(printed.iter().all(|id| stored.contains(&raw_id(id))));
    // Each writer's tasks were stored in the order it submitted them.
    for w in 0..WRITERS {
        let topics: Vec<String> = env
            .rows(
                "SELECT topic FROM tasks WHERE topic LIKE ?1 ORDER BY seq",
                &[&format!("writer {w} task %")],
            )
            .iter()
            .map(|r| r.string(0))
            .collect();
        let want: Vec<String> = (0..TASKS_EACH)
            .map(|i| format!("writer {w} task {i}"))
            .collect();
        assert_eq!(topics, want);
    }
}

/// The first use of a store creates it, switches it to WAL and migrates it: several
/// processes doing that at once must all succeed and leave one consistent schema.
#[test]
pub(crate) fn processes_racing_to_create_a_store_all_succeed() {
    for round in 0..3 {
        let env = Env::new();
        let runs: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..WRITERS)
                .map(|i| {
                    let env = &env;
                    s.spawn(move || {
                        if i % 2 == 0 {
                            env.run(["account", "add", &format!("acct{i}")])
                        } else {
                            env.run(["task", "stats"])
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for run in &runs {
            assert_eq!(run.code, 0, "round {round}: {:?}: {}", run.args, run.stderr);
        }
        assert_eq!(
            env.count("SELECT count(*) FROM accounts"),
            (WRITERS / 2) as i64
        );
        assert_eq!(env.schema_version(), env.location().schema_version());
    }
}
