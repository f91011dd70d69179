//! Several daemons on one PostgreSQL store, each a process of its own: they share the work
//! without doing any of it twice, survive `kill -9` and restarts, and a daemon paused past
//! its lease (`SIGSTOP`) writes nothing to the tasks another daemon took over meanwhile. And
//! eight processes submitting at once while three daemons drain the queue.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use serde_json::{json, Value};

use crate::daemon::submit_many;
use crate::mock::{between, ContentCreator};
use crate::support::{is_task_id, on_postgres, raw_id, serial, wait_until, Child, Env, Stats};

const DAEMONS: usize = 3;

/// The daemon message of a claim of a pending task, followed by the claimer's owner id.
const CLAIMED: &str = "claimed by ";
/// The daemon message of an adoption of a remote job whose lease expired.
const ADOPTED: &str = "lease expired; adopted";

/// A random index below `n`.
fn pick(n: usize) -> usize {
    (getrandom::u32().expect("random bytes") as usize) % n
}

/// The owner id (`host:pid:xxxx`) of the running daemon `d`, from its heartbeat row.
fn owner_of(env: &Env, d: &Child) -> String {
    let mut owner = None;
    wait_until(
        "the daemon writes its heartbeat row",
        Duration::from_secs(30),
        || {
            owner = env.value(
                "SELECT id FROM daemons WHERE pid = ?1 ORDER BY started_at DESC",
                &[&i64::from(d.pid())],
            );
            owner.is_some()
        },
    );
    owner.expect("an owner id")
}

/// One task's history as the store keeps it: (to_status, message, actor), oldest first.
type History = Vec<(String, Option<String>, Option<String>)>;

/// Every task's history, by task seq.
fn histories(env: &Env) -> BTreeMap<i64, History> {
    let mut out: BTreeMap<i64, History> = BTreeMap::new();
    for r in env.rows(
        "SELECT task_seq, to_status, message, actor FROM task_events ORDER BY task_seq, id",
        &[],
    ) {
        out.entry(r.int(0)).or_default().push((
            r.string(1),
            r.text(2).map(str::to_string),
            r.text(3).map(str::to_string),
        ));
    }
    out
}

/// The sessions of the test's database that are not idle, with what they wait on, to show
/// when a process is stuck.
fn activity(env: &Env) -> String {
    env.rows(
        "SELECT pid, state, wait_event_type, wait_event, pg_blocking_pids(pid)::text, left(query, 120)
         FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle'",
        &[],
    )
    .iter()
    .map(|r| format!("{:?}\n", r.0))
    .collect()
}

/// Asserts every daemon still runs and has started (a daemon stuck before it starts cannot
/// be stopped gracefully), then stops each with SIGTERM and asserts it exits 0.
fn stop_all(env: &Env, daemons: &mut [Child]) {
    for (i, d) in daemons.iter_mut().enumerate() {
        assert!(
            d.exited().is_none(),
            "daemon {i} stopped by itself:\n{}",
            d.log()
        );
        let end = Instant::now() + Duration::from_secs(30);
        while !d.log().contains("daemon started") {
            assert!(
                Instant::now() < end,
                "daemon {i} (pid {}) did not start:\n{}\nsessions:\n{}",
                d.pid(),
                d.log(),
                activity(env)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    for d in daemons.iter() {
        d.signal(Signal::SIGTERM);
    }
    for d in daemons.iter_mut() {
        assert_eq!(d.exit_code(Duration::from_secs(30)), 0, "{}", d.log());
    }
}

fn is_claim(message: &Option<String>) -> bool {
    message
        .as_deref()
        .is_some_and(|m| m.starts_with(CLAIMED) || m.starts_with(ADOPTED))
}

const TASKS: usize = 1000;
const KILLS: usize = 20;
/// The daemons' lease: a paused daemon's tasks are taken over this long after its last
/// renewal (plus a reap interval, a third of it).
const LEASE: Duration = Duration::from_secs(2);
/// How long the paused daemon stays stopped: past its lease, and past the server's limit on a
/// session idle in a transaction (10 s), which ends the transaction the daemon may have been
/// stopped in, with the row locks it held.
const PAUSE: Duration = Duration::from_secs(13);
/// The whole run, kills included, must end within this.
const RUN_DEADLINE: Duration = Duration::from_secs(240);

#[test]
#[ignore = "needs CONTENTHUB_TEST_PG_URL"]
fn three_daemons_share_a_store_through_kills_and_a_pause() {
    on_postgres(three_daemons_share_a_store_through_kills_and_a_pause_body)
}

fn three_daemons_share_a_store_through_kills_and_a_pause_body() {
    let _serial = serial();
    let cc = ContentCreator::start(Duration::from_millis(1000), Duration::from_millis(2500));
    // A slow reply to a submit that created a job: some kills land between the service
    // creating a job and the daemon recording its id (that job is abandoned, and the next
    // attempt takes a new key).
    cc.set_submit_delay(Duration::from_millis(100));
    let env = Env::new();
    env.config(&format!(
        r#"[daemon]
max_concurrent = 10
poll_interval = "300ms"
lease = "{}s"
retry_delays = ["100ms", "200ms"]

[generators.default]
kind = "content-creator"
base_url = "{}"
timeout = "10s"
mode = "async"
"#,
        LEASE.as_secs(),
        cc.url()
    ));
    env.account("blog");
    let rows: Vec<Value> = (0..TASKS)
        .map(|i| json!({"account": "blog", "topic": format!("Cluster test {i}"), "priority": i % 10 + 1}))
        .collect();
    let ids = submit_many(&env, &rows);

    let started = Instant::now();
    let spawn = || env.spawn(&["daemon", "run", "--allow-multiple"], &[]);
    let mut daemons: Vec<Child> = (0..DAEMONS).map(|_| spawn()).collect();
    let completed = || env.count("SELECT count(*) FROM tasks WHERE status = 'completed'");

    // The pause comes halfway through the kills, on a daemon that holds remote jobs.
    let mut paused: Option<(String, Vec<i64>, Duration)> = None;
    let mut kills = 0;
    while kills < KILLS {
        assert!(started.elapsed() < RUN_DEADLINE, "the run took too long");
        if kills == KILLS / 2 && paused.is_none() {
            paused = Some(pause_one(&env, &mut daemons));
            continue;
        }
        std::thread::sleep(between(
            Duration::from_millis(300),
            Duration::from_millis(1500),
        ));
        let i = pick(DAEMONS);
        assert!(
            daemons[i].exited().is_none(),
            "daemon {i} stopped by itself:\n{}",
            daemons[i].log()
        );
        daemons[i].kill9();
        daemons[i] = spawn();
        kills += 1;
    }
    let done_at_last_kill = completed();
    assert!(
        done_at_last_kill < TASKS as i64,
        "the work was done before the last kill: make it last longer"
    );
    wait_until(
        "every task is completed",
        RUN_DEADLINE.saturating_sub(started.elapsed()),
        || completed() == TASKS as i64,
    );
    let took = started.elapsed();
    stop_all(&env, &mut daemons);

    // Every task completed, with exactly one content row each, and nothing left claimed.
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE status <> 'completed'"),
        0
    );
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
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE lease_owner IS NOT NULL"),
        0
    );

    // One remote job per idempotency key: no key was posted twice (the service destroys a
    // job whose key comes again), and every job the service made belongs to a task, under
    // the task's id or the key of a later attempt (`{id}-r{n}`) after an abandoned submit.
    assert_eq!(cc.deduped(), 0, "a key was posted twice");
    let posts = cc.posts_per_key();
    assert!(posts.values().all(|n| *n == 1), "{posts:?}");
    assert!(cc.jobs_per_key().values().all(|n| *n == 1));
    let base = |key: &str| -> String {
        match key.rsplit_once("-r") {
            Some((b, n)) if n.parse::<u32>().is_ok() => b.to_string(),
            _ => key.to_string(),
        }
    };
    let want: HashSet<&String> = ids.iter().collect();
    assert!(
        posts.keys().all(|k| want.contains(&base(k))),
        "jobs keyed by anything but the task ids"
    );
    let mut keys_of: HashMap<String, Vec<&String>> = HashMap::new();
    for k in posts.keys() {
        keys_of.entry(base(k)).or_default().push(k);
    }
    let jobs: HashMap<String, String> = cc
        .jobs()
        .into_iter()
        .map(|j| (j.id.clone(), j.key))
        .collect();
    let mut abandoning = 0;
    for id in &ids {
        let keys = keys_of.get(id).map(Vec::as_slice).unwrap_or_default();
        assert!(!keys.is_empty(), "task {id} never reached the service");
        if keys.len() > 1 {
            abandoning += 1;
            let log = env.ok(["task", "log", id]);
            assert!(log.contains("abandoned"), "task {id}:\n{log}");
        }
        // The task holds a job of its own, one the service made.
        let job = env
            .value(
                "SELECT remote_job_id FROM tasks WHERE id = ?1",
                &[&raw_id(id)],
            )
            .unwrap_or_else(|| panic!("task {id} has no remote job"));
        let key = jobs
            .get(&job)
            .unwrap_or_else(|| panic!("task {id} holds job {job}, unknown to the service"));
        assert_eq!(&base(key), id, "task {id} holds another task's job");
    }
    assert!(abandoning >= 1, "no submit was interrupted by a kill");
    assert_eq!(cc.violations(), Vec::<String>::new());

    // Fencing: each task was completed once, by the daemon of its latest claim or adoption.
    let history = histories(&env);
    assert_eq!(history.len(), TASKS);
    let mut taken_over = 0;
    for (seq, events) in &history {
        let done: Vec<usize> = (0..events.len())
            .filter(|&i| events[i].0 == "completed")
            .collect();
        assert_eq!(
            done.len(),
            1,
            "task seq {seq} completed {} times",
            done.len()
        );
        let claim = events[..done[0]]
            .iter()
            .rev()
            .find(|e| is_claim(&e.1))
            .unwrap_or_else(|| panic!("task seq {seq} completed unclaimed: {events:?}"));
        assert!(claim.2.is_some(), "a claim names no daemon: {events:?}");
        assert_eq!(
            events[done[0]].2, claim.2,
            "task seq {seq} completed by a daemon that no longer held it: {events:?}"
        );
        let claimers: HashSet<&Option<String>> = events
            .iter()
            .filter(|e| is_claim(&e.1))
            .map(|e| &e.2)
            .collect();
        if claimers.len() > 1 {
            taken_over += 1;
        }
    }

    // The pause really went past the lease, and other daemons took over the paused one's
    // tasks: it held them, then another daemon claimed or adopted them.
    let (owner, held, stopped_for) = paused.expect("a daemon was paused");
    assert!(stopped_for > LEASE * 2, "paused for only {stopped_for:?}");
    let lost: Vec<i64> = held
        .iter()
        .copied()
        .filter(|seq| {
            let events = &history[seq];
            let mine = events
                .iter()
                .position(|e| is_claim(&e.1) && e.2.as_deref() == Some(owner.as_str()));
            mine.is_some_and(|m| {
                events[m..]
                    .iter()
                    .any(|e| is_claim(&e.1) && e.2.as_deref() != Some(owner.as_str()))
            })
        })
        .collect();
    assert!(
        !lost.is_empty(),
        "no task of the paused daemon {owner} was taken over: {held:?}"
    );
    assert!(
        lost.iter().all(|seq| history[seq]
            .iter()
            .any(|e| e.0 == "completed" && e.2.as_deref() != Some(owner.as_str()))),
        "the paused daemon completed a task it had lost"
    );
    eprintln!(
        "cluster test: {TASKS} tasks, {KILLS} kills, {taken_over} tasks changed hands, \
         {abandoning} abandoned a job, {} of the paused daemon's {} tasks taken over (paused \
         {stopped_for:?}), {done_at_last_kill} done at the last kill, {took:?}",
        lost.len(),
        held.len()
    );
}

/// Stops (`SIGSTOP`) a random daemon that holds remote jobs until other daemons have taken
/// some of them over, well past its lease, then lets it go on (`SIGCONT`) and waits until it
/// has tried to settle a task it lost and was refused. Returns its owner id, the tasks it
/// held when stopped, and how long it was stopped.
fn pause_one(env: &Env, daemons: &mut [Child]) -> (String, Vec<i64>, Duration) {
    let i = pick(daemons.len());
    let owner = owner_of(env, &daemons[i]);
    let held_remote = || -> Vec<i64> {
        env.rows(
            "SELECT seq FROM tasks WHERE lease_owner = ?1 AND remote_job_id IS NOT NULL
               AND status IN ('submitted','processing')",
            &[&owner],
        )
        .iter()
        .map(|r| r.int(0))
        .collect()
    };
    wait_until(
        "the daemon to pause holds remote jobs",
        Duration::from_secs(30),
        || held_remote().len() >= 3,
    );
    daemons[i].signal(Signal::SIGSTOP);
    let stopped = Instant::now();
    let held = held_remote();
    // Others adopt its jobs once its lease has expired.
    std::thread::sleep(PAUSE);
    wait_until(
        "another daemon takes over a task of the paused one",
        Duration::from_secs(30),
        || {
            env.count(&format!(
                "SELECT count(*) FROM tasks WHERE seq IN ({}) AND (lease_owner IS NULL OR lease_owner <> '{}' OR status = 'completed')",
                held.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
                owner.replace('\'', "''")
            )) > 0
        },
    );
    let stopped_for = stopped.elapsed();
    daemons[i].signal(Signal::SIGCONT);
    // Its workers poll their jobs again and report what they find, under a claim that no
    // longer holds: the result is dropped.
    wait_until(
        "the resumed daemon finds its results refused",
        Duration::from_secs(30),
        || daemons[i].log().contains("result dropped"),
    );
    assert!(daemons[i].exited().is_none(), "{}", daemons[i].log());
    (owner, held, stopped_for)
}

const WRITERS: usize = 8;
const TASKS_EACH: usize = 200;
/// Every submitter and the drain must end within this.
const WRITERS_DEADLINE: Duration = Duration::from_secs(240);

#[test]
#[ignore = "needs CONTENTHUB_TEST_PG_URL"]
fn eight_writers_while_three_daemons_drain() {
    on_postgres(eight_writers_while_three_daemons_drain_body)
}

fn eight_writers_while_three_daemons_drain_body() {
    let _serial = serial();
    let env = Env::new();
    env.config(
        r#"[daemon]
max_concurrent = 20
poll_interval = "100ms"
lease = "2s"
"#,
    );
    env.account("blog");
    let started = Instant::now();
    let mut daemons: Vec<Child> = (0..DAEMONS)
        .map(|_| env.spawn(&["daemon", "run", "--allow-multiple"], &[]))
        .collect();

    let problems: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let env = &env;
                s.spawn(move || {
                    let mut problems = Vec::new();
                    let mut ids = Vec::new();
                    for i in 0..TASKS_EACH {
                        if started.elapsed() > WRITERS_DEADLINE {
                            problems.push(format!("writer {w} passed the deadline at task {i}"));
                            break;
                        }
                        let topic = format!("writer {w} task {i}");
                        let run = env.run(["task", "submit", "-q", "-a", "blog", "-t", &topic]);
                        if run.code != 0 || !run.stderr.is_empty() {
                            problems.push(format!(
                                "writer {w} task {i}: exit {}: {}",
                                run.code,
                                run.stderr.trim()
                            ));
                        }
                        let id = run.stdout.trim().to_string();
                        if is_task_id(&id) {
                            ids.push(id);
                        } else {
                            problems.push(format!("writer {w} task {i}: stdout {:?}", run.stdout));
                        }
                    }
                    if ids.len() == TASKS_EACH
                        && ids.iter().collect::<HashSet<_>>().len() != TASKS_EACH
                    {
                        problems.push(format!("writer {w} was given an id twice"));
                    }
                    problems
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a writer thread panicked"))
            .collect()
    });
    let submitted_in = started.elapsed();
    assert!(
        problems.is_empty(),
        "{} problems, e.g.:\n{:#?}",
        problems.len(),
        &problems[..problems.len().min(10)]
    );

    let total = (WRITERS * TASKS_EACH) as i64;
    wait_until(
        "the daemons drain the queue",
        WRITERS_DEADLINE.saturating_sub(started.elapsed()),
        || env.count("SELECT count(*) FROM tasks WHERE status = 'completed'") == total,
    );
    let took = started.elapsed();
    stop_all(&env, &mut daemons);

    // Exact counts: every submission is one task, completed once, with one content row.
    assert_eq!(env.count("SELECT count(*) FROM tasks"), total);
    assert_eq!(env.count("SELECT count(DISTINCT id) FROM tasks"), total);
    assert_eq!(env.count("SELECT count(DISTINCT topic) FROM tasks"), total);
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE status = 'completed'"),
        total
    );
    assert_eq!(env.count("SELECT count(*) FROM contents"), total);
    assert_eq!(
        env.count("SELECT count(*) FROM task_events WHERE to_status = 'completed'"),
        total
    );
    assert_eq!(
        env.count("SELECT value FROM counters WHERE name = 'tasks_submitted_total'"),
        total
    );
    let stats: Stats = env.json(&["task", "stats"]);
    assert_eq!(
        (stats.total, stats.finished, stats.active),
        (total as u64, total as u64, 0)
    );
    let by_status: Vec<(String, u64)> = stats
        .statuses
        .iter()
        .filter(|s| s.count > 0)
        .map(|s| (s.status.as_str().to_string(), s.count))
        .collect();
    assert_eq!(by_status, [("completed".to_string(), total as u64)]);
    // The counts table agrees with the rows.
    let counted: Vec<(String, i64)> = env
        .rows(
            "SELECT status, sum(n) FROM task_counts GROUP BY status HAVING sum(n) <> 0 \
             ORDER BY status",
            &[],
        )
        .iter()
        .map(|r| (r.string(0), r.int(1)))
        .collect();
    let real: Vec<(String, i64)> = env
        .rows(
            "SELECT status, count(*) FROM tasks GROUP BY status ORDER BY status",
            &[],
        )
        .iter()
        .map(|r| (r.string(0), r.int(1)))
        .collect();
    assert_eq!(counted, real);

    // Each daemon did some of the work, and none logged an error.
    let actors =
        env.count("SELECT count(DISTINCT actor) FROM task_events WHERE to_status = 'completed'");
    assert_eq!(actors, DAEMONS as i64, "a daemon did none of the work");
    for (i, d) in daemons.iter().enumerate() {
        let log = d.log();
        let errors: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("panicked"))
            .collect();
        assert!(
            errors.is_empty(),
            "daemon {i} logged errors:\n{}",
            errors.join("\n")
        );
    }
    eprintln!(
        "eight writers: {total} tasks submitted in {submitted_in:?}, all completed by {actors} daemons in {took:?}"
    );
}

/// Daemons of one host started at the same moment on one store, without `--allow-multiple`:
/// one runs, every other one refuses (exit 4), however their starts interleave. A daemon
/// started later is refused too; with `--allow-multiple` it runs beside the first.
#[test]
#[ignore = "needs CONTENTHUB_TEST_PG_URL"]
fn daemons_started_at_once_on_one_host_leave_one_running() {
    on_postgres(|| {
        let env = Env::new();
        env.account("blog");
        let mut daemons: Vec<Child> = (0..4).map(|_| env.spawn(&["daemon", "run"], &[])).collect();
        let deadline = Instant::now() + Duration::from_secs(30);
        // Each either refuses or starts; wait until every one has done one or the other.
        let settled = |d: &mut Child| d.exited().is_some() || d.log().contains("daemon started");
        while !daemons.iter_mut().all(settled) {
            assert!(Instant::now() < deadline, "the daemons did not settle");
            std::thread::sleep(Duration::from_millis(20));
        }
        // One that started may still be refused by the check at its first heartbeat:
        // give every process a moment to exit, then count.
        std::thread::sleep(Duration::from_millis(500));
        let mut running = Vec::new();
        for (i, d) in daemons.iter_mut().enumerate() {
            match d.exited() {
                None => running.push(i),
                Some(st) => {
                    assert_eq!(st.code(), Some(4), "daemon {i}:\n{}", d.log());
                    assert!(
                        d.log().contains("already running on this store"),
                        "daemon {i}:\n{}",
                        d.log()
                    );
                }
            }
        }
        assert_eq!(running.len(), 1, "running: {running:?}");

        let mut late = env.spawn(&["daemon", "run"], &[]);
        assert_eq!(late.exit_code(Duration::from_secs(30)), 4, "{}", late.log());
        let mut beside = env.spawn(&["daemon", "run", "--allow-multiple"], &[]);
        let end = Instant::now() + Duration::from_secs(30);
        while !beside.log().contains("daemon started") {
            assert!(beside.exited().is_none(), "{}", beside.log());
            assert!(Instant::now() < end, "{}", beside.log());
            std::thread::sleep(Duration::from_millis(20));
        }
        for d in [&mut daemons[running[0]], &mut beside] {
            d.signal(Signal::SIGTERM);
            assert_eq!(d.exit_code(Duration::from_secs(30)), 0, "{}", d.log());
        }
    })
}

/// A worker's slot is free as soon as its result goes to the writer, and a daemon holds at
/// most twice `max_concurrent` tasks: with the writer held up by a lock on `contents`, a
/// daemon of `max_concurrent` 5 holds 10 tasks (5 results in the writer's transaction, 5 more
/// generated meanwhile) and claims no more; once the lock goes, every task completes once.
#[test]
#[ignore = "needs CONTENTHUB_TEST_PG_URL"]
fn results_waiting_for_the_writer_free_their_slots_up_to_max_concurrent() {
    on_postgres(|| {
        let env = Env::new();
        env.account("blog");
        let rows: Vec<Value> = (0..30)
            .map(|i| json!({"account": "blog", "topic": format!("Slot {i}")}))
            .collect();
        submit_many(&env, &rows);
        let contenthub::store::Location::Postgres(url) = env.location() else {
            panic!("a PostgreSQL store")
        };
        let mut locker = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        locker
            .batch_execute("BEGIN; LOCK TABLE contents IN EXCLUSIVE MODE")
            .expect("lock contents");

        let mut opts = crate::support::engine_options(&env, "");
        opts.max_concurrent = 5;
        opts.until_idle = true;
        opts.lease = Duration::from_secs(30);
        let daemon = crate::support::InProcess::start(opts);
        let held = || env.count("SELECT count(*) FROM tasks WHERE status <> 'pending'");
        wait_until(
            "ten tasks held: five results waiting and five more generated",
            Duration::from_secs(30),
            || held() == 10,
        );
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(held(), 10, "no more than twice max_concurrent tasks held");
        assert_eq!(env.count("SELECT count(*) FROM contents"), 0);

        locker.batch_execute("COMMIT").expect("unlock");
        let summary = daemon.join(Duration::from_secs(60));
        assert_eq!((summary.worked, summary.completed), (30, 30));
        assert_eq!(env.count("SELECT count(*) FROM contents"), 30);
        assert_eq!(
            env.count("SELECT count(DISTINCT task_id) FROM contents"),
            30,
            "one article per task"
        );
    })
}
