//! The daemon: concurrency limits, priority order, graceful shutdown, the daemon lock,
//! `--until-idle`, waiting, `daemon start/status/stop`, and the content it produces.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use serde_json::{json, Value};

use crate::generators::FAST;
use crate::mock::{between, tag_of, ContentCreator, OpenAi, Reply};
use crate::support::{engine_options, ids, serial, wait_until, Env, InProcess};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Queues one task per JSON line in one `task submit --from-file` and returns their ids.
pub fn submit_many(env: &Env, rows: &[Value]) -> Vec<String> {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    let file = env.write("tasks.jsonl", &text);
    let out = env.ok([
        "task",
        "submit",
        "-q",
        "--from-file",
        file.to_str().unwrap(),
    ]);
    let ids = ids(&out);
    assert_eq!(ids.len(), rows.len());
    ids
}

fn openai(name: &str, base_url: &str, extra: &str) -> String {
    format!(
        "\n[generators.{name}]\nkind = \"openai\"\nbase_url = \"{base_url}\"\nmodel = \"m\"\ntimeout = \"10s\"\n{extra}\n"
    )
}

// ---------------------------------------------------------------------------------------------
// Concurrency and priority (in process)

/// What one run of 100 tasks at `max_concurrent` N looked like from the server.
struct Saturation {
    /// Share of samples (taken while tasks were still waiting to start) with N in flight.
    share: f64,
    mean: f64,
    samples: usize,
    /// How long a freed slot stayed empty, median: from the end of one request to the start
    /// of the one that took its place (the k-th start fills the slot of the (k-N)-th end).
    refill_p50: Duration,
}

fn hundred_tasks_at(n: usize) -> Saturation {
    const TASKS: usize = 100;
    let mock = OpenAi::start(|_| {
        Reply::ok_after(
            between(Duration::from_millis(100), Duration::from_millis(200)),
            "Concurrent",
        )
    });
    let env = Env::new();
    let gens = openai("default", &mock.base("v"), "");
    env.config(&gens);
    env.account("blog");
    let rows: Vec<Value> = (0..TASKS)
        .map(|i| json!({"account": "blog", "topic": format!("Concurrency [[c{i}]]")}))
        .collect();
    submit_many(&env, &rows);

    let mut opts = engine_options(&env, &gens);
    opts.max_concurrent = n;
    opts.until_idle = true;
    let daemon = InProcess::start(opts);
    let mut samples = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let started = mock.traffic.count();
        if started >= TASKS {
            break;
        }
        if started > 0 {
            samples.push(mock.traffic.in_flight(""));
        }
        assert!(Instant::now() < deadline, "only {started} requests started");
        std::thread::sleep(Duration::from_millis(3));
    }
    let summary = daemon.join(Duration::from_secs(30));
    assert_eq!((summary.worked, summary.completed), (TASKS, TASKS));

    assert_eq!(
        mock.traffic.max_in_flight(""),
        n,
        "never more than max_concurrent, and it got there"
    );
    let per_tag = mock.calls_per_tag();
    assert_eq!(per_tag.len(), TASKS);
    assert!(
        per_tag.values().all(|c| *c == 1),
        "a task was generated twice"
    );
    assert_eq!(env.count("SELECT count(*) FROM contents"), TASKS as i64);

    let starts: Vec<Instant> = mock.calls().iter().map(|s| s.at).collect();
    let ends = mock.traffic.ends();
    let mut gaps: Vec<Duration> = (n..TASKS)
        .map(|k| starts[k].saturating_duration_since(ends[k - n]))
        .collect();
    gaps.sort();
    Saturation {
        share: samples.iter().filter(|c| **c == n).count() as f64 / samples.len() as f64,
        mean: samples.iter().sum::<usize>() as f64 / samples.len() as f64,
        samples: samples.len(),
        refill_p50: gaps[gaps.len() / 2],
    }
}

#[test]
pub(crate) fn hundred_tasks_keep_exactly_max_concurrent_requests_in_flight() {
    const N: usize = 10;
    let _serial = serial();
    // A measurement of timing. On a quiet 2-core machine N are in flight ~80 % of the time
    // (mean ~9.8 of 10) and a freed slot is refilled within ~3 ms; a dispatcher that refilled
    // on a timer or in batches would fall far below. Other processes taking the CPU (the rest
    // of the suite, builds) starve the dispatcher too, so the bar is "most of the time" with
    // a mean of 90 %, and a low reading is measured again (up to five runs) before it fails.
    let mut runs = Vec::new();
    for attempt in 0..5 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500));
        }
        let s = hundred_tasks_at(N);
        eprintln!(
            "{N} in flight in {:.0} % of {} samples, mean {:.2}, refill gap p50 {:?}",
            s.share * 100.0,
            s.samples,
            s.mean,
            s.refill_p50
        );
        let good = s.share > 0.5 && s.mean >= 0.9 * N as f64;
        runs.push(s);
        if good {
            return;
        }
    }
    let seen: Vec<String> = runs
        .iter()
        .map(|s| {
            format!(
                "{:.0} % (mean {:.2}, refill p50 {:?})",
                s.share * 100.0,
                s.mean,
                s.refill_p50
            )
        })
        .collect();
    panic!("{N} in flight at most half the time in every run: {seen:?}");
}

#[test]
pub(crate) fn queued_tasks_reach_the_generator_in_priority_order() {
    let mock = OpenAi::start(|_| Reply::article("In order"));
    let env = Env::new();
    let gens = openai("default", &mock.base("v"), "");
    env.config(&gens);
    env.account("blog");
    // 30 tasks with scattered priorities, queued before the daemon starts.
    let priorities: Vec<u8> = (0..30u32).map(|i| ((i * 7 + 3) % 10 + 1) as u8).collect();
    let rows: Vec<Value> = priorities
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({"account": "blog", "topic": format!("Priority [[{p}:{i}]]"), "priority": p})
        })
        .collect();
    submit_many(&env, &rows);

    let mut opts = engine_options(&env, &gens);
    opts.max_concurrent = 1;
    opts.until_idle = true;
    let summary = InProcess::start(opts).join(Duration::from_secs(30));
    assert_eq!(summary.completed, 30);

    let order: Vec<(u8, usize)> = mock
        .calls()
        .iter()
        .map(|s| {
            let tag = tag_of(&s.body).expect("a tagged prompt");
            let (p, i) = tag.split_once(':').unwrap();
            (p.parse().unwrap(), i.parse().unwrap())
        })
        .collect();
    assert_eq!(order.len(), 30);
    for w in order.windows(2) {
        assert!(w[0].0 >= w[1].0, "priority rose: {order:?}");
        if w[0].0 == w[1].0 {
            assert!(w[0].1 < w[1].1, "not first come, first served: {order:?}");
        }
    }
}

#[test]
pub(crate) fn per_profile_max_concurrent_is_honoured_under_the_global_limit() {
    let mock = OpenAi::start(|_| {
        Reply::ok_after(
            between(Duration::from_millis(120), Duration::from_millis(180)),
            "Limited",
        )
    });
    let env = Env::new();
    let gens = format!(
        "{}{}",
        openai("narrow", &mock.base("narrow"), "max_concurrent = 2"),
        openai("wide", &mock.base("wide"), "")
    );
    env.config(&gens);
    env.account("blog");
    let rows: Vec<Value> = (0..24)
        .map(|i| {
            let g = if i < 12 { "narrow" } else { "wide" };
            json!({"account": "blog", "topic": format!("Profile {g} [[{g}{i}]]"), "generator": g})
        })
        .collect();
    submit_many(&env, &rows);

    let mut opts = engine_options(&env, &gens);
    opts.max_concurrent = 6;
    opts.until_idle = true;
    let summary = InProcess::start(opts).join(Duration::from_secs(30));
    assert_eq!(summary.completed, 24);
    let t = &mock.traffic;
    assert_eq!(t.max_in_flight("narrow"), 2, "the profile's own limit");
    assert_eq!(t.max_in_flight(""), 6, "the global limit");
    assert!(
        t.max_in_flight("wide") >= 4,
        "the narrow profile held back the other: {}",
        t.max_in_flight("wide")
    );
}

/// A generator at its own limit holds back only its own tasks: a low-priority task of another
/// generator, queued behind hundreds of them, is claimed at once.
#[test]
pub(crate) fn a_full_generator_s_backlog_does_not_hide_other_generators_tasks() {
    let mock = OpenAi::start(|_| Reply::ok_after(Duration::from_secs(3), "Slow"));
    let env = Env::new();
    let gens = openai("narrow", &mock.base("narrow"), "max_concurrent = 1");
    env.config(&gens);
    env.account("blog");
    let mut rows: Vec<Value> = (0..300)
        .map(|i| json!({"account": "blog", "topic": format!("Narrow {i}"), "generator": "narrow", "priority": 9}))
        .collect();
    rows.push(
        json!({"account": "blog", "topic": "Behind them", "generator": "template", "priority": 1}),
    );
    let ids = submit_many(&env, &rows);
    let behind = ids.last().unwrap().clone();

    let mut opts = engine_options(&env, &gens);
    opts.max_concurrent = 4;
    let daemon = InProcess::start(opts);
    wait_until(
        "the other generator's task completes",
        Duration::from_secs(10),
        || env.status_of(&behind) == "completed",
    );
    assert_eq!(mock.traffic.max_in_flight("narrow"), 1);
    drop(daemon);
}

/// The CPU time a process has used, from `/proc/PID/stat` (user + system, in clock ticks).
fn cpu_ticks(pid: i32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The command name may hold spaces; the fields after it are space-separated.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

/// With its only generator at `max_concurrent`, a daemon has nothing to do however many tasks
/// wait: it must not look through them again and again.
#[test]
pub(crate) fn a_backlog_behind_a_full_generator_costs_an_idle_daemon_nothing() {
    let _serial = serial();
    let mock = OpenAi::start(|_| Reply::ok_after(Duration::from_secs(60), "Never in time"));
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}",
        openai("narrow", &mock.base("narrow"), "max_concurrent = 2")
    ));
    env.account("blog");
    let rows: Vec<Value> = (0..20_000)
        .map(|i| json!({"account": "blog", "topic": format!("Waiting {i}"), "generator": "narrow"}))
        .collect();
    submit_many(&env, &rows);
    let mut daemon = env.spawn(&["daemon", "run", "--max-concurrent", "8"], &[]);
    wait_until("the generator is full", Duration::from_secs(20), || {
        mock.traffic.in_flight("narrow") == 2
    });
    std::thread::sleep(Duration::from_millis(500));
    let ticks_per_s = 100.0; // USER_HZ on Linux
    let (t0, c0) = (Instant::now(), cpu_ticks(daemon.pid()));
    std::thread::sleep(Duration::from_secs(4));
    let used = (cpu_ticks(daemon.pid()) - c0) as f64 / ticks_per_s;
    let share = used / t0.elapsed().as_secs_f64();
    daemon.kill9();
    assert!(
        share < 0.05,
        "an idle daemon used {:.1} % of a core with 20,000 tasks waiting",
        share * 100.0
    );
}

// ---------------------------------------------------------------------------------------------
// Shutdown

/// Leases that are still live: nothing may hold one after a daemon stopped.
fn live_leases(env: &Env) -> i64 {
    env.count(&format!(
        "SELECT count(*) FROM tasks WHERE lease_owner IS NOT NULL OR lease_expires_at > {}",
        now_ms()
    ))
}

#[test]
pub(crate) fn sigterm_lets_in_flight_work_finish_and_leaves_nothing_claimed() {
    let _serial = serial();
    let mock = OpenAi::start(|_| Reply::ok_after(Duration::from_secs(2), "Finished in grace"));
    let cc = ContentCreator::start(Duration::from_secs(60), Duration::from_secs(60));
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}\n[generators.remote]\nkind = \"content-creator\"\nbase_url = \"{}\"\nmode = \"async\"\n",
        openai("default", &mock.base("v"), ""),
        cc.url()
    ));
    env.account("blog");
    let remote = env.submit("blog", "Remote job", &["--generator", "remote", "-p", "9"]);
    let local: Vec<String> = (0..6)
        .map(|i| env.submit("blog", &format!("Local [[l{i}]]"), &[]))
        .collect();

    let mut daemon = env.spawn(
        &["daemon", "run", "--grace", "10s", "--max-concurrent", "4"],
        &[],
    );
    wait_until(
        "three local requests and the remote job are in flight",
        Duration::from_secs(10),
        || {
            mock.calls().len() == 3
            && env.count(&format!(
                "SELECT count(*) FROM tasks WHERE status = 'processing' AND remote_job_id IS NOT NULL AND id = {}",
                crate::support::raw_id(&remote)
            )) == 1
        },
    );
    let term = Instant::now();
    daemon.signal(Signal::SIGTERM);
    let code = daemon.exit_code(Duration::from_secs(12));
    let took = term.elapsed();
    assert_eq!(code, 0, "{}", daemon.log());
    // The local requests take 2 s; the remote job needs no grace (the next daemon adopts it).
    assert!(
        took < Duration::from_secs(6),
        "took {took:?} (grace 10s)\n{}",
        daemon.log()
    );
    assert_eq!(mock.calls().len(), 3, "nothing new started after SIGTERM");

    assert_eq!(live_leases(&env), 0, "{}", env.dump());
    let statuses: HashMap<String, String> = local
        .iter()
        .map(|id| (id.clone(), env.status_of(id)))
        .collect();
    let completed = statuses.values().filter(|s| *s == "completed").count();
    let pending = statuses.values().filter(|s| *s == "pending").count();
    assert_eq!((completed, pending), (3, 3), "{statuses:?}");
    // The remote job is left for the next daemon to adopt (never resubmitted).
    let row = env.rows(
        "SELECT status, remote_job_id, lease_expires_at FROM tasks WHERE id = ?1",
        &[&crate::support::raw_id(&remote)],
    );
    let (status, job, expires): (String, Option<String>, Option<i64>) = (
        row[0].string(0),
        row[0].text(1).map(str::to_string),
        row[0].opt_int(2),
    );
    assert_eq!(status, "processing");
    assert_eq!(job.as_deref(), Some(cc.jobs()[0].id.as_str()));
    assert!(expires.is_none_or(|e| e <= now_ms()));
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE status = 'submitted'"),
        0
    );
    assert!(
        cc.deletes().is_empty(),
        "shutdown must not cancel remote jobs"
    );

    // The next daemon adopts the remote job at once and re-polls it (no new submit).
    let mut next = env.spawn(&["daemon", "run"], &[]);
    wait_until(
        "the remote job is re-polled",
        Duration::from_secs(5),
        || cc.traffic.matching("GET", "/status").len() >= 2,
    );
    assert_eq!(cc.submits().len(), 1, "the remote job was submitted again");
    next.signal(Signal::SIGTERM);
    assert_eq!(next.exit_code(Duration::from_secs(10)), 0, "{}", next.log());
    assert_eq!(cc.violations(), Vec::<String>::new());
}

#[test]
pub(crate) fn sigterm_past_the_grace_period_returns_unfinished_tasks_to_pending() {
    let _serial = serial();
    let mock = OpenAi::start(|_| Reply::ok_after(Duration::from_secs(20), "Never"));
    let env = Env::new();
    env.config(&format!("{FAST}{}", openai("default", &mock.base("v"), "")));
    env.account("blog");
    let ids: Vec<String> = (0..2)
        .map(|i| env.submit("blog", &format!("Slow [[s{i}]]"), &[]))
        .collect();
    let mut daemon = env.spawn(&["daemon", "run", "--grace", "500ms"], &[]);
    wait_until(
        "both requests are in flight",
        Duration::from_secs(10),
        || mock.traffic.in_flight("") == 2,
    );
    let term = Instant::now();
    daemon.signal(Signal::SIGTERM);
    assert_eq!(
        daemon.exit_code(Duration::from_secs(5)),
        0,
        "{}",
        daemon.log()
    );
    let took = term.elapsed();
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(3),
        "exited after {took:?} with a 500ms grace"
    );
    assert_eq!(live_leases(&env), 0);
    for id in &ids {
        let t: Value = env.json(&["task", "show", id]);
        assert_eq!(t["status"], "pending", "{t}");
        assert_eq!(t["retry_count"], 0, "a shutdown used up a retry");
        assert!(t["lease_owner"].is_null());
    }
}

// ---------------------------------------------------------------------------------------------
// The daemon lock

#[test]
pub(crate) fn a_second_daemon_is_refused_unless_allow_multiple_and_then_nothing_runs_twice() {
    let mock = OpenAi::start(|_| {
        Reply::ok_after(
            between(Duration::from_millis(20), Duration::from_millis(80)),
            "Shared",
        )
    });
    let env = Env::new();
    env.config(&openai("default", &mock.base("v"), ""));
    env.account("blog");
    let mut first = env.spawn(&["daemon", "run", "--max-concurrent", "4"], &[]);
    wait_until("the first daemon runs", Duration::from_secs(10), || {
        env.run(["daemon", "status"]).code == 0
    });

    let second = env.run(["daemon", "run"]);
    assert_ne!(second.code, 0, "a second daemon was allowed to run");
    second.stderr_has("another daemon");

    let mut other = env.spawn(
        &["daemon", "run", "--allow-multiple", "--max-concurrent", "4"],
        &[],
    );
    wait_until("both daemons beat", Duration::from_secs(10), || {
        env.count("SELECT count(*) FROM daemons WHERE stopped_at IS NULL") == 2
    });
    let rows: Vec<Value> = (0..40)
        .map(|i| json!({"account": "blog", "topic": format!("Shared [[m{i}]]")}))
        .collect();
    let ids = submit_many(&env, &rows);
    wait_until("all 40 tasks completed", Duration::from_secs(30), || {
        env.count("SELECT count(*) FROM tasks WHERE status = 'completed'") == 40
    });

    let per_tag = mock.calls_per_tag();
    assert_eq!(per_tag.len(), 40);
    let twice: Vec<_> = per_tag.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "generated more than once: {twice:?}");
    assert_eq!(env.count("SELECT count(*) FROM contents"), 40);
    let claimers = env
        .count("SELECT count(DISTINCT message) FROM task_events WHERE message LIKE 'claimed by %'");
    assert_eq!(claimers, 2, "both daemons should have taken work");
    assert_eq!(ids.len(), 40);

    for d in [&mut first, &mut other] {
        d.signal(Signal::SIGTERM);
        assert_eq!(d.exit_code(Duration::from_secs(10)), 0, "{}", d.log());
    }
}

// ---------------------------------------------------------------------------------------------
// --until-idle, waiting, pickup, start/status/stop

#[test]
pub(crate) fn until_idle_exit_code_counts_only_the_tasks_it_worked_on() {
    let mock = OpenAi::start(|_| Reply::status(401, "bad key"));
    let env = Env::new();
    env.config(&format!("{FAST}{}", openai("broken", &mock.base("v"), "")));
    env.account("blog");
    env.submit("blog", "Fine one", &[]);
    env.submit("blog", "Fine two", &[]);
    env.run(["daemon", "run", "--until-idle"]).success();
    assert_eq!(
        env.count("SELECT count(*) FROM tasks WHERE status = 'completed'"),
        2
    );

    let bad = env.submit("blog", "Doomed", &["--generator", "broken"]);
    env.submit("blog", "Fine three", &[]);
    let run = env.run(["daemon", "run", "--until-idle"]).code(1);
    run.stderr_has("did not complete");
    assert_eq!(env.status_of(&bad), "failed");

    // The old failure is not this run's business.
    env.submit("blog", "Fine four", &[]);
    env.run(["daemon", "run", "--until-idle"]).success();
    // Nothing to do at all is success too.
    env.run(["daemon", "run", "--until-idle"]).success();
}

#[test]
pub(crate) fn waiting_commands_and_pickup_latency_with_a_running_daemon() {
    let _serial = serial();
    let mock = OpenAi::start(|c| {
        if c.path.starts_with("/broken/") {
            Reply::status(401, "bad key")
        } else {
            Reply::ok_after(Duration::from_millis(100), "Waited for")
        }
    });
    let env = Env::new();
    env.config(&format!(
        "{FAST}{}{}",
        openai("default", &mock.base("ok"), ""),
        openai("broken", &mock.base("broken"), "")
    ));
    env.account("blog");
    let mut daemon = env.spawn(&["daemon", "run"], &[]);
    wait_until("the daemon runs", Duration::from_secs(10), || {
        env.run(["daemon", "status"]).code == 0
    });

    // An idle daemon picks up a new task at once.
    let before = Instant::now();
    let first = env.submit("blog", "Picked up [[pickup]]", &[]);
    wait_until("the request arrives", Duration::from_secs(5), || {
        !mock.calls().is_empty()
    });
    let pickup = mock.calls()[0].at.duration_since(before);
    eprintln!("pickup (submit command start to generator request): {pickup:?}");
    assert!(pickup < Duration::from_secs(1), "pickup took {pickup:?}");

    let ok = env
        .run([
            "task",
            "submit",
            "-a",
            "blog",
            "-t",
            "Submit and wait",
            "--wait",
        ])
        .success();
    assert!(
        crate::support::is_task_id(ok.stdout.trim()),
        "{}",
        ok.stdout
    );
    let bad = env
        .run([
            "task",
            "submit",
            "-a",
            "blog",
            "-t",
            "Submit and fail",
            "--generator",
            "broken",
            "--wait",
        ])
        .code(1);
    bad.stderr_has("failed");
    let bad_id = bad.stdout.trim().to_string();

    env.run(["task", "wait", &first]).success();
    env.run(["task", "wait", &first, &bad_id])
        .code(1)
        .stderr_has("1 of 2 tasks completed");

    daemon.signal(Signal::SIGTERM);
    assert_eq!(
        daemon.exit_code(Duration::from_secs(10)),
        0,
        "{}",
        daemon.log()
    );
}

/// Kills a detached daemon if a test fails before stopping it.
struct Detached<'a>(&'a Env);

impl Drop for Detached<'_> {
    fn drop(&mut self) {
        let lock = format!("{}.lock", self.0.db().display());
        if let Some(pid) = std::fs::read_to_string(lock)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
        {
            if contenthub::store::lock::is_held(&self.0.db()) {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
    }
}

#[test]
pub(crate) fn daemon_start_status_and_stop() {
    let env = Env::new();
    env.config(FAST);
    env.account("blog");
    let st = env.run(["daemon", "status"]).code(3);
    assert!(st.stdout.contains("stopped"), "{}", st.stdout);

    let _guard = Detached(&env);
    let started = env.run(["daemon", "start"]).success();
    let pid: i32 = started
        .stdout
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("daemon start printed {:?}", started.stdout));
    wait_until("status says running", Duration::from_secs(10), || {
        env.run(["daemon", "status"]).code == 0
    });
    let st: Value = env.json(&["daemon", "status"]);
    assert_eq!(st["state"], "running");
    assert_eq!(st["pid"], pid);
    assert!(st["log_file"]
        .as_str()
        .unwrap()
        .starts_with(env.state_home().to_str().unwrap()));
    env.run(["daemon", "start"])
        .code(4)
        .stderr_has("already running");

    // The detached daemon does the work.
    let id = env.submit("blog", "Detached", &[]);
    env.run(["task", "wait", &id, "--timeout", "20s"]).success();

    env.run(["daemon", "stop"]).success();
    let st = env.run(["daemon", "status"]).code(3);
    assert!(st.stdout.contains("stopped"), "{}", st.stdout);
    assert!(!contenthub::store::lock::is_held(&env.db()));
    let log = std::fs::read_to_string(st_log(&env)).unwrap_or_default();
    assert!(log.contains("daemon started"), "log:\n{log}");
}

fn st_log(env: &Env) -> std::path::PathBuf {
    env.state_home().join("contenthub").join("daemon.log")
}

// ---------------------------------------------------------------------------------------------
// The template generator and the content group, end to end

#[test]
pub(crate) fn template_content_review_and_idempotent_export() {
    let env = Env::new();
    env.ok([
        "account",
        "add",
        "blog",
        "--display-name",
        "Tech blog",
        "--language",
        "en-US",
    ]);
    let a = env.submit("blog", "First article", &["-k", "rust,cli"]);
    let b = env.submit("blog", "Second article", &[]);
    let held = env.submit("blog", "Held article", &["--no-auto-approve"]);
    env.run(["daemon", "run", "--until-idle"]).success();

    let list: Vec<Value> = env.json(&["content", "list"]);
    assert_eq!(list.len(), 3);
    let pending: Vec<Value> = env.json(&["content", "list", "--review", "pending"]);
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["task_id"], held.as_str());

    let c: Value = env.json(&["content", "show", &a]);
    assert_eq!(c["title"], "First article");
    assert_eq!(c["generator"], "template");
    assert_eq!(c["review_status"], "approved");
    assert_eq!(c["keywords"], json!(["rust", "cli"]));
    let body = env.ok(["content", "show", &a, "--body"]);
    assert!(body.starts_with("# First article\n"), "{body}");
    assert!(body.contains("template"), "the template says what it is");
    assert_eq!(body.trim_end(), c["body"].as_str().unwrap().trim_end());

    env.ok(["content", "approve", &held]);
    env.ok(["content", "reject", &b, "--reason", "off-topic"]);
    let rejected: Value = env.json(&["content", "show", &b]);
    assert_eq!(rejected["review_status"], "rejected");
    assert_eq!(rejected["review_reason"], "off-topic");
    let approved: Vec<Value> = env.json(&["content", "list", "--review", "approved"]);
    assert_eq!(approved.len(), 2);

    let out = env.path().join("export");
    let dir = out.to_str().unwrap();
    let first = env.run(["content", "export", "--dir", dir]).success();
    let mut files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "one file per approved item: {files:?}");
    let text = std::fs::read_to_string(
        files
            .iter()
            .find(|p| {
                std::fs::read_to_string(p)
                    .unwrap()
                    .contains("First article")
            })
            .unwrap(),
    )
    .unwrap();
    assert!(text.starts_with("---\n"), "{text}");
    for field in [
        "title: \"First article\"",
        "account: \"blog\"",
        "keywords: [\"rust\",\"cli\"]",
        "word_count: ",
        "task_id: ",
    ] {
        assert!(text.contains(field), "front matter lacks {field}:\n{text}");
    }
    assert!(text.contains(&format!("task_id: \"{a}\"")), "{text}");
    assert!(first.stderr.contains("2 written"), "{}", first.stderr);

    let stamps: Vec<_> = files
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .collect();
    let again = env.run(["content", "export", "--dir", dir]).success();
    assert!(
        again.stderr.contains("0 written") && again.stderr.contains("2 unchanged"),
        "{}",
        again.stderr
    );
    assert_eq!(first.stdout, again.stdout, "the same files");
    let mut after: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    after.sort();
    assert_eq!(after, files, "no new files");
    let stamps_after: Vec<_> = files
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .collect();
    assert_eq!(stamps, stamps_after, "an unchanged file was rewritten");

    let json_dir = env.path().join("export-json");
    env.ok([
        "content",
        "export",
        "--dir",
        json_dir.to_str().unwrap(),
        "--as",
        "json",
        "--review",
        "all",
    ]);
    let n = std::fs::read_dir(&json_dir).unwrap().count();
    assert_eq!(n, 3);
}

/// Content gets its near-duplicate signature when it is stored; a row without one (stored
/// before signatures existed, or copied by `store copy`) is signed when a daemon starts.
#[test]
pub(crate) fn content_without_a_signature_is_signed_at_daemon_start() {
    let env = Env::new();
    env.account("blog");
    env.submit("blog", "Tea ceremonies", &[]);
    env.submit("blog", "Growing tomatoes on a balcony", &[]);
    env.run(["daemon", "run", "--until-idle"]).success();
    assert_eq!(env.count("SELECT count(*) FROM contents"), 2);
    assert_eq!(env.count("SELECT count(*) FROM content_signatures"), 2);
    // SQLite keeps a row per band key; PostgreSQL an array beside the signature.
    let bands_sql = if env.is_pg() {
        "SELECT sum(cardinality(band_keys))::bigint FROM content_signatures"
    } else {
        "SELECT count(*) FROM signature_bands"
    };
    let bands = env.count(bands_sql);
    assert!(
        bands > 2 * 32,
        "64 band keys an article, a few may coincide: {bands}"
    );
    env.exec("DELETE FROM content_signatures");
    if !env.is_pg() {
        env.exec("DELETE FROM signature_bands");
    }
    env.run(["daemon", "run", "--until-idle"]).success();
    assert_eq!(env.count("SELECT count(*) FROM content_signatures"), 2);
    assert_eq!(env.count(bands_sql), bands);
}
