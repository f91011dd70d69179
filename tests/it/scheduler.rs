//! Scheduled plans end to end: missed runs and catch-up policies, exactly-once firing under
//! concurrent `scheduler run`s, DST transitions, topic rotation, quiet output and exit codes,
//! the read commands, and the daemon's own minute tick.
//!
//! Time is injected with `scheduler run --at`. A plan counts its slots from `created_at`
//! (the real time of `scheduler add`), so tests either pick `--at` relative to the real now
//! or move `created_at` with SQL to just before the moment they replay.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use nix::sys::signal::Signal;
use serde_json::Value;

use crate::support::{assert_utc_timestamps, wait_until, Env, Run};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn ms(s: &str) -> i64 {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .timestamp_millis()
}

/// RFC 3339 UTC with seconds, as `--at` takes it and JSON prints it.
fn rfc(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .expect("a valid time")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Midnight UTC of `date`.
fn midnight(date: NaiveDate) -> i64 {
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap())
        .timestamp_millis()
}

/// The `n`-th Sunday of a month, or its last one for `n = 0`.
fn sunday(year: i32, month: u32, n: u8) -> NaiveDate {
    if n > 0 {
        return NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, n).unwrap();
    }
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, 5)
        .or_else(|| NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, 4))
        .unwrap()
}

/// DST transitions of next year, always after the real now (so after any `created_at`).
struct Transitions {
    /// Europe/Berlin: 02:00 CET becomes 03:00 CEST at 01:00Z (last Sunday of March).
    berlin_spring: NaiveDate,
    /// Europe/Berlin: 03:00 CEST becomes 02:00 CET at 01:00Z (last Sunday of October).
    berlin_fall: NaiveDate,
    /// America/New_York: 02:00 EST becomes 03:00 EDT at 07:00Z (second Sunday of March).
    new_york_spring: NaiveDate,
    /// America/New_York: 02:00 EDT becomes 01:00 EST at 06:00Z (first Sunday of November).
    new_york_fall: NaiveDate,
}

fn next_year() -> Transitions {
    let y = Utc::now().year() + 1;
    Transitions {
        berlin_spring: sunday(y, 3, 0),
        berlin_fall: sunday(y, 10, 0),
        new_york_spring: sunday(y, 3, 2),
        new_york_fall: sunday(y, 11, 1),
    }
}

/// `scheduler run --at <at>`, whatever it does.
fn run_at(env: &Env, at: i64) -> Run {
    env.run(["scheduler", "run", "--at", &rfc(at)])
}

/// `scheduler run --at <at>` that must succeed silently: exit 0, nothing on stdout or stderr.
fn quiet_run(env: &Env, at: i64) {
    let r = run_at(env, at).success();
    assert!(
        r.stdout.is_empty() && r.stderr.is_empty(),
        "scheduler run --at {} printed something:\n--- stdout\n{}--- stderr\n{}",
        rfc(at),
        r.stdout,
        r.stderr
    );
}

/// Runs `scheduler run --at` every `step` from `from` to `to` (inclusive).
fn replay(env: &Env, from: i64, to: i64, step: i64) {
    let mut at = from;
    while at <= to {
        quiet_run(env, at);
        at += step;
    }
}

/// A plan run as the store holds it.
#[derive(Debug, Clone, PartialEq)]
struct RunRow {
    id: i64,
    scheduled_for: i64,
    manual: bool,
    status: String,
    tasks: i64,
    message: Option<String>,
}

/// The runs of plan `name`, oldest slot first.
fn runs_of(env: &Env, name: &str) -> Vec<RunRow> {
    env.rows(
        "SELECT r.id, r.scheduled_for, r.manual, r.status, r.tasks, r.message
         FROM plan_runs r JOIN plans p ON p.id = r.plan_id
         WHERE p.name = ?1 ORDER BY r.scheduled_for, r.id",
        &[&name],
    )
    .iter()
    .map(|r| RunRow {
        id: r.int(0),
        scheduled_for: r.int(1),
        manual: r.flag(2),
        status: r.string(3),
        tasks: r.int(4),
        message: r.text(5).map(str::to_string),
    })
    .collect()
}

/// The slots plan `name` fired, as RFC 3339.
fn slots_of(env: &Env, name: &str) -> Vec<String> {
    runs_of(env, name)
        .iter()
        .map(|r| rfc(r.scheduled_for))
        .collect()
}

fn plan_id(env: &Env, name: &str) -> i64 {
    env.value("SELECT id FROM plans WHERE name = ?1", &[&name])
        .unwrap_or_else(|| panic!("no plan {name}"))
        .parse()
        .expect("an id")
}

/// Tasks plan `name` created.
fn tasks_of_plan(env: &Env, name: &str) -> i64 {
    env.count(&format!(
        "SELECT count(*) FROM tasks WHERE plan_id = {}",
        plan_id(env, name)
    ))
}

/// Moves plan `name`'s creation, which is where its slots start counting.
fn set_created(env: &Env, name: &str, at: i64) {
    let n = env.execute(
        "UPDATE plans SET created_at = ?2, updated_at = ?2 WHERE name = ?1",
        &[&name, &at],
    );
    assert_eq!(n, 1, "no plan {name}");
}

/// Topics of `account`'s tasks in the order they were queued.
fn topics_of(env: &Env, account: &str) -> Vec<String> {
    env.rows(
        "SELECT t.topic FROM tasks t JOIN accounts a ON a.id = t.account_id
         WHERE a.name = ?1 ORDER BY t.seq",
        &[&account],
    )
    .iter()
    .map(|r| r.string(0))
    .collect()
}

/// The start of the hour `n` hours after the one `t` is in.
fn hour_after(t: i64, n: i64) -> i64 {
    t - t.rem_euclid(HOUR) + n * HOUR
}

fn add_plan(env: &Env, name: &str, cron: &str, tz: &str, extra: &[&str]) {
    let mut args = vec!["scheduler", "add", name, "--cron", cron, "--tz", tz];
    args.extend(extra);
    env.ok(&args);
}

// ---------------------------------------------------------------------------------------------
// Missed runs

#[test]
pub(crate) fn after_three_days_down_latest_fires_once_and_skip_fires_nothing() {
    let env = Env::new();
    env.account("blog");
    env.account("news");
    let created = now_ms();
    // A daily slot twelve hours from now's hour: never within ON_TIME of `at` below.
    let hour = (Utc::now().hour() + 12) % 24;
    let cron = format!("0 {hour} * * *");
    for (name, policy) in [("daily-latest", "latest"), ("daily-skip", "skip")] {
        add_plan(
            &env,
            name,
            &cron,
            "UTC",
            &[
                "-a",
                "blog",
                "-a",
                "news",
                "--count",
                "2",
                "-t",
                "Down",
                "--catch-up",
                policy,
            ],
        );
    }
    let at = created + 3 * DAY + 3 * HOUR;
    let day = DateTime::<Utc>::from_timestamp_millis(at)
        .unwrap()
        .date_naive();
    let mut latest = midnight(day) + hour as i64 * HOUR;
    if latest > at {
        latest -= DAY;
    }
    assert!(at - latest > 10 * MINUTE && latest - created > 2 * DAY);

    quiet_run(&env, at);
    let runs = runs_of(&env, "daily-latest");
    assert_eq!(
        runs.len(),
        1,
        "latest fires once, not once per missed day: {runs:?}"
    );
    assert_eq!(
        rfc(runs[0].scheduled_for),
        rfc(latest),
        "the most recent missed slot"
    );
    assert_eq!((runs[0].status.as_str(), runs[0].tasks), ("fired", 4));
    assert!(!runs[0].manual);
    assert_eq!(tasks_of_plan(&env, "daily-latest"), 4, "count × accounts");
    assert_eq!(
        runs_of(&env, "daily-skip"),
        vec![],
        "skip fires nothing late"
    );
    assert_eq!(tasks_of_plan(&env, "daily-skip"), 0);
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 4);

    // Running again, or a minute later, fires nothing more.
    quiet_run(&env, at);
    quiet_run(&env, at + MINUTE);
    assert_eq!(runs_of(&env, "daily-latest").len(), 1);
    assert_eq!(runs_of(&env, "daily-skip").len(), 0);

    // The next slot, on time, fires for both: skip dropped the missed slots, not the plan.
    quiet_run(&env, latest + DAY + MINUTE);
    assert_eq!(
        slots_of(&env, "daily-skip"),
        vec![rfc(latest + DAY)],
        "skip fires a slot that is on time"
    );
    assert_eq!(
        slots_of(&env, "daily-latest"),
        vec![rfc(latest), rfc(latest + DAY)]
    );
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 12);
}

// ---------------------------------------------------------------------------------------------
// Concurrency

#[test]
pub(crate) fn ten_concurrent_runs_fire_a_slot_exactly_once() {
    let env = Env::new();
    env.account("blog");
    env.account("news");
    add_plan(
        &env,
        "hourly",
        "0 * * * *",
        "UTC",
        &["-a", "blog", "-a", "news", "--count", "3"],
    );
    let slot = hour_after(now_ms(), 1);
    let at = rfc(slot + MINUTE);
    let mut children: Vec<_> = (0..10)
        .map(|_| env.spawn(&["scheduler", "run", "--at", &at], &[]))
        .collect();
    for c in &mut children {
        let code = c.exit_code(Duration::from_secs(30));
        assert_eq!(code, 0, "a concurrent run failed:\n{}", c.log());
        assert_eq!(c.log(), "", "a concurrent run printed something");
    }
    let runs = runs_of(&env, "hourly");
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(rfc(runs[0].scheduled_for), rfc(slot));
    assert_eq!(runs[0].tasks, 6);
    assert_eq!(tasks_of_plan(&env, "hourly"), 6, "the slot's tasks, once");
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 6);
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM tasks WHERE plan_run_id = {}",
            runs[0].id
        )),
        6
    );
}

// ---------------------------------------------------------------------------------------------
// DST

/// `scheduler next NAME --count n` as RFC 3339 strings.
fn next_fires(env: &Env, name: &str, n: usize) -> Vec<String> {
    let out: Vec<Value> = env.json(&["scheduler", "next", name, "--count", &n.to_string()]);
    out.iter()
        .map(|v| {
            assert_eq!(v["plan"], name);
            v["fire_at"].as_str().unwrap().to_string()
        })
        .collect()
}

/// A store with one account and one plan `name` whose slots count from `created`.
fn plan_env(name: &str, cron: &str, tz: &str, created: i64) -> Env {
    let env = Env::new();
    env.account("blog");
    add_plan(&env, name, cron, tz, &["-a", "blog"]);
    set_created(&env, name, created);
    env
}

#[test]
pub(crate) fn a_slot_in_the_spring_forward_gap_fires_once_just_after_it() {
    let t = next_year();
    // 02:30 does not exist on these days.
    let berlin = midnight(t.berlin_spring);
    let b = plan_env("berlin", "30 2 * * *", "Europe/Berlin", berlin - 12 * HOUR);
    let new_york = midnight(t.new_york_spring);
    let ny = plan_env(
        "new-york",
        "30 2 * * *",
        "America/New_York",
        new_york - 12 * HOUR,
    );

    // 03:00 CEST (01:00Z), then 02:30 CEST the next day.
    assert_eq!(
        next_fires(&b, "berlin", 2),
        vec![rfc(berlin + HOUR), rfc(berlin + DAY + 30 * MINUTE)]
    );
    // 03:00 EDT (07:00Z), then 02:30 EDT (06:30Z) the next day.
    assert_eq!(
        next_fires(&ny, "new-york", 2),
        vec![
            rfc(new_york + 7 * HOUR),
            rfc(new_york + DAY + 6 * HOUR + 30 * MINUTE)
        ]
    );

    replay(&b, berlin, berlin + 3 * HOUR, 10 * MINUTE);
    assert_eq!(slots_of(&b, "berlin"), vec![rfc(berlin + HOUR)]);
    replay(&ny, new_york + 6 * HOUR, new_york + 9 * HOUR, 10 * MINUTE);
    assert_eq!(slots_of(&ny, "new-york"), vec![rfc(new_york + 7 * HOUR)]);
    // Fired as soon as the gap ended, not late.
    let fired_at: i64 = b.count("SELECT fired_at FROM plan_runs");
    assert_eq!(rfc(fired_at), rfc(berlin + HOUR));

    // The day after, the usual 02:30.
    quiet_run(&b, berlin + DAY + 35 * MINUTE);
    assert_eq!(
        slots_of(&b, "berlin"),
        vec![rfc(berlin + HOUR), rfc(berlin + DAY + 30 * MINUTE)]
    );
}

#[test]
pub(crate) fn a_slot_in_the_fall_back_overlap_fires_once() {
    let t = next_year();
    // 02:30 happens twice in Berlin, 01:30 twice in New York.
    let berlin = midnight(t.berlin_fall);
    let b = plan_env("berlin", "30 2 * * *", "Europe/Berlin", berlin - 12 * HOUR);
    let new_york = midnight(t.new_york_fall);
    let ny = plan_env(
        "new-york",
        "30 1 * * *",
        "America/New_York",
        new_york - 12 * HOUR,
    );

    // 02:30 CEST (00:30Z) once; the next day 02:30 CET (01:30Z).
    assert_eq!(
        next_fires(&b, "berlin", 2),
        vec![
            rfc(berlin + 30 * MINUTE),
            rfc(berlin + DAY + HOUR + 30 * MINUTE)
        ]
    );
    // 01:30 EDT (05:30Z) once; the next day 01:30 EST (06:30Z).
    assert_eq!(
        next_fires(&ny, "new-york", 2),
        vec![
            rfc(new_york + 5 * HOUR + 30 * MINUTE),
            rfc(new_york + DAY + 6 * HOUR + 30 * MINUTE)
        ]
    );

    replay(&b, berlin, berlin + 2 * HOUR + 30 * MINUTE, 10 * MINUTE);
    assert_eq!(slots_of(&b, "berlin"), vec![rfc(berlin + 30 * MINUTE)]);
    replay(
        &ny,
        new_york + 5 * HOUR,
        new_york + 7 * HOUR + 30 * MINUTE,
        10 * MINUTE,
    );
    assert_eq!(
        slots_of(&ny, "new-york"),
        vec![rfc(new_york + 5 * HOUR + 30 * MINUTE)]
    );
    for env in [&b, &ny] {
        assert_eq!(env.count("SELECT count(*) FROM tasks"), 1);
    }
}

/// The local wall-clock hours of plan `name`'s fired slots in `tz`.
fn local_hours(env: &Env, name: &str, tz: chrono_tz::Tz) -> Vec<u32> {
    runs_of(env, name)
        .iter()
        .map(|r| {
            DateTime::<Utc>::from_timestamp_millis(r.scheduled_for)
                .unwrap()
                .with_timezone(&tz)
                .hour()
        })
        .collect()
}

#[test]
pub(crate) fn an_hourly_plan_fires_each_wall_clock_hour_once_across_the_overlap() {
    let t = next_year();
    let berlin = midnight(t.berlin_fall);
    let b = plan_env("berlin", "0 * * * *", "Europe/Berlin", berlin - 90 * MINUTE);
    let new_york = midnight(t.new_york_fall);
    let ny = plan_env(
        "new-york",
        "0 * * * *",
        "America/New_York",
        new_york + 3 * HOUR + 30 * MINUTE,
    );

    // Berlin: 01:00 CEST, 02:00 CEST, (02:00 CET is the same wall-clock hour), 03:00 CET …
    replay(
        &b,
        berlin - 75 * MINUTE,
        berlin + 3 * HOUR + 30 * MINUTE,
        15 * MINUTE,
    );
    assert_eq!(
        slots_of(&b, "berlin"),
        vec![
            rfc(berlin - HOUR),
            rfc(berlin),
            rfc(berlin + 2 * HOUR),
            rfc(berlin + 3 * HOUR)
        ]
    );
    assert_eq!(
        local_hours(&b, "berlin", chrono_tz::Europe::Berlin),
        vec![1, 2, 3, 4]
    );

    // New York: 00:00 EDT, 01:00 EDT, (01:00 EST), 02:00 EST, 03:00 EST.
    replay(
        &ny,
        new_york + 3 * HOUR + 45 * MINUTE,
        new_york + 8 * HOUR + 30 * MINUTE,
        15 * MINUTE,
    );
    assert_eq!(
        slots_of(&ny, "new-york"),
        vec![
            rfc(new_york + 4 * HOUR),
            rfc(new_york + 5 * HOUR),
            rfc(new_york + 7 * HOUR),
            rfc(new_york + 8 * HOUR)
        ]
    );
    assert_eq!(
        local_hours(&ny, "new-york", chrono_tz::America::New_York),
        vec![0, 1, 2, 3]
    );
}

#[test]
pub(crate) fn a_quarter_hourly_plan_neither_stalls_in_the_overlap_nor_fires_before_it_existed() {
    let t = next_year();
    let berlin = midnight(t.berlin_fall);
    // Run all through the overlap: 02:00–02:45 CEST fire, their CET repeats do not, 03:00 CET
    // does, and the plan keeps going after the repeated hour.
    let env = plan_env("q", "*/15 * * * *", "Europe/Berlin", berlin - 20 * MINUTE);
    replay(
        &env,
        berlin - 10 * MINUTE,
        berlin + 2 * HOUR + 35 * MINUTE,
        5 * MINUTE,
    );
    let quarters = |from: i64, n: i64| (0..n).map(move |i| rfc(from + i * 15 * MINUTE));
    let want: Vec<String> = quarters(berlin - 15 * MINUTE, 5)
        .chain(quarters(berlin + 2 * HOUR, 3))
        .collect();
    assert_eq!(slots_of(&env, "q"), want);

    // Created at 02:10 CEST and first run at 02:05 CET: the latest missed slot is 02:45 CEST,
    // not 02:00 CEST (which is before the plan existed).
    let created = berlin + 10 * MINUTE;
    let env = plan_env("q", "*/15 * * * *", "Europe/Berlin", created);
    quiet_run(&env, berlin + HOUR + 5 * MINUTE);
    assert_eq!(slots_of(&env, "q"), vec![rfc(berlin + 45 * MINUTE)]);
    replay(
        &env,
        berlin + HOUR + 10 * MINUTE,
        berlin + 2 * HOUR + 20 * MINUTE,
        10 * MINUTE,
    );
    assert_eq!(
        slots_of(&env, "q"),
        vec![
            rfc(berlin + 45 * MINUTE),
            rfc(berlin + 2 * HOUR),
            rfc(berlin + 2 * HOUR + 15 * MINUTE)
        ]
    );
    assert!(runs_of(&env, "q").iter().all(|r| r.scheduled_for > created));
}

#[test]
pub(crate) fn gap_slots_of_lists_steps_and_half_hour_shifts_fire_just_after_the_gap() {
    let t = next_year();
    let y = t.new_york_spring.year();
    // New York: 02:00 EST becomes 03:00 EDT at 07:00Z; 01:00 and 01:30 EST are 06:00Z and
    // 06:30Z, and the missing 02:00 and 02:30 are one fire at 03:00 EDT.
    let ny = midnight(t.new_york_spring);
    let list = plan_env("list", "0,30 1,2 * * *", "America/New_York", ny);
    assert_eq!(
        next_fires(&list, "list", 4),
        vec![
            rfc(ny + 6 * HOUR),
            rfc(ny + 6 * HOUR + 30 * MINUTE),
            rfc(ny + 7 * HOUR),
            rfc(ny + DAY + 5 * HOUR)
        ]
    );
    // Every two hours: 00:00 EST (05:00Z), 02:00 → 03:00 EDT (07:00Z), 04:00 EDT (08:00Z).
    let step = plan_env("step", "0 */2 * * *", "America/New_York", ny + 4 * HOUR);
    assert_eq!(
        next_fires(&step, "step", 3),
        vec![rfc(ny + 5 * HOUR), rfc(ny + 7 * HOUR), rfc(ny + 8 * HOUR)]
    );
    // Lord Howe, first Sunday of October: 02:00 LHST (+10:30) becomes 02:30 LHDT (+11) at
    // 15:30Z the day before; the hourly 02:00 slot fires then, half an hour before 03:00.
    let gap = midnight(sunday(y, 10, 1)) - DAY + 15 * HOUR + 30 * MINUTE;
    let hourly = plan_env("hourly", "0 * * * *", "Australia/Lord_Howe", gap - 2 * HOUR);
    assert_eq!(
        next_fires(&hourly, "hourly", 3),
        vec![rfc(gap - HOUR), rfc(gap), rfc(gap + 30 * MINUTE)]
    );

    // Runs every ten minutes through the night fire exactly what `scheduler next` showed.
    replay(
        &list,
        ny + 5 * HOUR + 50 * MINUTE,
        ny + 7 * HOUR + 30 * MINUTE,
        10 * MINUTE,
    );
    assert_eq!(
        slots_of(&list, "list"),
        vec![
            rfc(ny + 6 * HOUR),
            rfc(ny + 6 * HOUR + 30 * MINUTE),
            rfc(ny + 7 * HOUR)
        ]
    );
    replay(
        &step,
        ny + 4 * HOUR + 50 * MINUTE,
        ny + 8 * HOUR,
        10 * MINUTE,
    );
    assert_eq!(
        slots_of(&step, "step"),
        vec![rfc(ny + 5 * HOUR), rfc(ny + 7 * HOUR), rfc(ny + 8 * HOUR)]
    );
    replay(&hourly, gap - 70 * MINUTE, gap + 40 * MINUTE, 10 * MINUTE);
    assert_eq!(
        slots_of(&hourly, "hourly"),
        vec![rfc(gap - HOUR), rfc(gap), rfc(gap + 30 * MINUTE)]
    );
}

#[test]
pub(crate) fn day_of_month_and_day_of_week_combine_as_in_crontab() {
    let y = next_year().new_york_spring.year();
    let start = midnight(NaiveDate::from_ymd_opt(y, 1, 1).unwrap());
    let env = plan_env("odd-mondays", "0 6 */2 * 1", "UTC", start);
    let got = next_fires(&env, "odd-mondays", 6);
    // `*/2` starts with `*`: both fields must match, so odd days that are Mondays.
    let want: Vec<String> = (0..)
        .map(|d| start + d * DAY + 6 * HOUR)
        .filter(|&t| {
            let date = DateTime::<Utc>::from_timestamp_millis(t).unwrap();
            date.weekday() == Weekday::Mon && date.day() % 2 == 1
        })
        .take(6)
        .map(rfc)
        .collect();
    assert_eq!(got, want);
    // Neither starts with `*`: either may match, so the 1st and 15th and every Monday.
    let either = plan_env("either", "0 6 1,15 * mon", "UTC", start);
    let got = next_fires(&either, "either", 8);
    let want: Vec<String> = (0..)
        .map(|d| start + d * DAY + 6 * HOUR)
        .filter(|&t| {
            let date = DateTime::<Utc>::from_timestamp_millis(t).unwrap();
            date.weekday() == Weekday::Mon || date.day() == 1 || date.day() == 15
        })
        .take(8)
        .map(rfc)
        .collect();
    assert_eq!(got, want);
}

// ---------------------------------------------------------------------------------------------
// Topics

#[test]
pub(crate) fn every_topic_is_used_before_any_repeats_per_account() {
    let env = Env::new();
    env.account("blog");
    env.account("news");
    add_plan(
        &env,
        "rotate",
        "0 * * * *",
        "UTC",
        &[
            "-a", "blog", "-a", "news", "--count", "2", "-t", "A", "-t", "B", "-t", "C",
        ],
    );
    let now = now_ms();
    for n in 1..=3 {
        quiet_run(&env, hour_after(now, n) + MINUTE);
    }
    assert_eq!(runs_of(&env, "rotate").len(), 3);
    for account in ["blog", "news"] {
        let topics = topics_of(&env, account);
        assert_eq!(topics, ["A", "B", "C", "A", "B", "C"], "{account}");
        for window in topics.windows(3) {
            let distinct: HashSet<&String> = window.iter().collect();
            assert_eq!(
                distinct.len(),
                3,
                "{account} repeated a topic early: {topics:?}"
            );
        }
    }
    // The cursor lives on the plan, per account.
    let cursor: String = env
        .value("SELECT topic_cursor FROM plans WHERE name = 'rotate'", &[])
        .unwrap();
    let cursor: BTreeMap<String, u64> = serde_json::from_str(&cursor).unwrap();
    assert_eq!(cursor.values().copied().collect::<Vec<_>>(), vec![6, 6]);
}

#[test]
pub(crate) fn a_topics_file_is_read_again_at_each_fire() {
    let env = Env::new();
    env.account("blog");
    let file = env.write("topics.txt", "X\nY\n");
    add_plan(
        &env,
        "from-file",
        "0 * * * *",
        "UTC",
        &["-a", "blog", "--topics-file", file.to_str().unwrap()],
    );
    let plan: Value = env.json(&["scheduler", "show", "from-file"]);
    assert_eq!(plan["topic_source"], "file");
    assert_eq!(
        plan["topics_file"],
        std::fs::canonicalize(&file).unwrap().to_str().unwrap()
    );
    let now = now_ms();
    quiet_run(&env, hour_after(now, 1) + MINUTE);
    env.write("topics.txt", "# the new list\nP\n\n  Q  \nR\n");
    quiet_run(&env, hour_after(now, 2) + MINUTE);
    quiet_run(&env, hour_after(now, 3) + MINUTE);
    // Cursor 0 → X from the old file; 1 → Q and 2 → R from the new one.
    assert_eq!(topics_of(&env, "blog"), ["X", "Q", "R"]);
}

#[test]
pub(crate) fn a_plan_without_topics_uses_the_category_and_a_dated_title_and_says_so() {
    let env = Env::new();
    env.ok(["account", "add", "blog", "--category", "Cloud"]);
    env.account("news");
    // 01:00 in Shanghai is 17:00Z the day before: the title carries the plan's local date.
    add_plan(
        &env,
        "dated",
        "0 1 * * *",
        "Asia/Shanghai",
        &["-a", "blog", "-a", "news"],
    );
    let show = env.run(["scheduler", "show", "dated"]).success();
    assert!(show.stderr.contains("no topic list"), "{}", show.stderr);
    assert!(show.stderr.contains("category"), "{}", show.stderr);
    let plan: Value = env.json(&["scheduler", "show", "dated"]);
    assert_eq!(plan["topic_source"], "account");
    assert_eq!(plan["topics"], serde_json::json!([]));
    assert_eq!(plan["next_fires"].as_array().unwrap().len(), 5);

    let first: Vec<String> = next_fires(&env, "dated", 1);
    let slot = ms(&first[0]);
    quiet_run(&env, slot + MINUTE);
    let local = DateTime::<Utc>::from_timestamp_millis(slot)
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    assert_ne!(
        local,
        DateTime::<Utc>::from_timestamp_millis(slot)
            .unwrap()
            .date_naive()
    );
    let date = local.format("%Y-%m-%d").to_string();
    assert_eq!(topics_of(&env, "blog"), [format!("Cloud · {date}")]);
    assert_eq!(topics_of(&env, "news"), [format!("news · {date}")]);
    let requirements: String = env
        .value(
            "SELECT requirements FROM tasks t JOIN accounts a ON a.id = t.account_id WHERE a.name = 'blog'",
            &[],
        )
        .unwrap();
    assert!(requirements.contains("no topic list"), "{requirements}");
}

// ---------------------------------------------------------------------------------------------
// Output and exit codes

#[test]
pub(crate) fn a_run_where_a_plan_failed_exits_non_zero_and_says_why() {
    let env = Env::new();
    env.account("blog");
    env.account("gone");
    let file = env.write("topics.txt", "One\nTwo\n");
    add_plan(
        &env,
        "filed",
        "0 * * * *",
        "UTC",
        &["-a", "blog", "--topics-file", file.to_str().unwrap()],
    );
    add_plan(
        &env,
        "orphan",
        "0 * * * *",
        "UTC",
        &["-a", "gone", "-t", "T"],
    );
    add_plan(
        &env,
        "fine",
        "0 * * * *",
        "UTC",
        &["-a", "blog", "-t", "Fine"],
    );
    let now = now_ms();

    std::fs::remove_file(&file).unwrap();
    env.ok(["account", "remove", "gone", "--yes"]);
    let slot = hour_after(now, 1);
    let r = run_at(&env, slot + MINUTE).code(1);
    assert_eq!(r.stdout, "");
    r.stderr_has("plan filed")
        .stderr_has("cannot read")
        .stderr_has("topics.txt")
        .stderr_has("plan orphan")
        .stderr_has("removed since the plan was made");
    assert!(!r.stderr.contains("plan fine"), "{}", r.stderr);

    // The healthy plan still fired; the failed ones wrote a failed run and no tasks.
    assert_eq!(tasks_of_plan(&env, "fine"), 1);
    for name in ["filed", "orphan"] {
        let runs = runs_of(&env, name);
        assert_eq!(runs.len(), 1, "{name}: {runs:?}");
        assert_eq!(runs[0].status, "failed");
        assert_eq!(runs[0].tasks, 0);
        assert!(runs[0].message.is_some());
        assert_eq!(tasks_of_plan(&env, name), 0);
    }
    let history: Vec<Value> = env.json(&["scheduler", "history", "filed"]);
    assert_eq!(history[0]["status"], "failed");
    assert!(history[0]["message"]
        .as_str()
        .unwrap()
        .contains("cannot read"));

    // Once the file is back, the next slot fires again.
    env.write("topics.txt", "One\nTwo\n");
    env.ok(["scheduler", "edit", "orphan", "-a", "blog"]);
    quiet_run(&env, slot + HOUR + MINUTE);
    assert_eq!(tasks_of_plan(&env, "filed"), 1);
    assert_eq!(tasks_of_plan(&env, "orphan"), 1);
}

#[test]
pub(crate) fn a_dry_run_says_what_would_fire_and_writes_nothing() {
    let env = Env::new();
    env.account("blog");
    add_plan(
        &env,
        "hourly",
        "0 * * * *",
        "UTC",
        &["-a", "blog", "--count", "2"],
    );
    let at = hour_after(now_ms(), 1) + MINUTE;
    let before = env.dump();
    let r = env
        .run(["scheduler", "run", "--dry-run", "-v", "--at", &rfc(at)])
        .success();
    assert_eq!(r.stdout, "");
    r.stderr_has("plan hourly would fire").stderr_has("2 tasks");
    assert_eq!(env.dump(), before, "a dry run changed the store");
    // The real run fires what the dry run announced.
    quiet_run(&env, at);
    assert_eq!(tasks_of_plan(&env, "hourly"), 2);
    let r = env
        .run(["scheduler", "run", "-v", "--at", &rfc(at)])
        .success();
    r.stderr_has("nothing due");
}

// ---------------------------------------------------------------------------------------------
// The other commands

#[test]
pub(crate) fn invalid_cron_and_time_zone_exit_2_with_the_reason() {
    let env = Env::new();
    env.account("blog");
    add_plan(&env, "ok", "0 8 * * *", "UTC", &["-a", "blog"]);
    let before = env.dump();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["scheduler", "add", "p", "--cron", "0 8 * *", "-a", "blog"],
            &["cron", "4 fields"],
        ),
        (
            &[
                "scheduler",
                "add",
                "p",
                "--cron",
                "0 0 8 * * *",
                "-a",
                "blog",
            ],
            &["cron", "6 fields"],
        ),
        (
            &[
                "scheduler",
                "add",
                "p",
                "--cron",
                "61 * * * *",
                "-a",
                "blog",
            ],
            &["cron", "61 * * * *"],
        ),
        (
            &[
                "scheduler",
                "add",
                "p",
                "--cron",
                "@sometimes",
                "-a",
                "blog",
            ],
            &["cron", "@sometimes"],
        ),
        (
            &[
                "scheduler",
                "add",
                "p",
                "--cron",
                "0 8 * * *",
                "--tz",
                "Mars/Olympus",
                "-a",
                "blog",
            ],
            &["Mars/Olympus", "IANA time zone"],
        ),
        (
            &["scheduler", "edit", "ok", "--cron", "every day"],
            &["cron", "every day"],
        ),
        (
            &["scheduler", "edit", "ok", "--tz", "CEST+2"],
            &["CEST+2", "IANA time zone"],
        ),
        (&["scheduler", "run", "--at", "tomorrow 8am"], &["RFC 3339"]),
    ];
    for (args, needles) in cases {
        let r = env.run(args.iter().copied()).code(2);
        for n in *needles {
            r.stderr_has(n);
        }
    }
    assert_eq!(env.dump(), before, "a refused command changed the store");
}

#[test]
pub(crate) fn expressions_that_never_fire_or_have_an_empty_item_exit_2() {
    let env = Env::new();
    env.account("blog");
    add_plan(&env, "ok", "0 8 * * *", "UTC", &["-a", "blog"]);
    let before = env.dump();
    let cases = [
        (
            "0 0 31 2 *",
            "never fires: no date has day-of-month '31' in month '2'",
        ),
        (
            "0 0 30 2 *",
            "never fires: no date has day-of-month '30' in month '2'",
        ),
        (
            "1,2,3,,4 * * * *",
            "minute field '1,2,3,,4': item 4 of the list is empty",
        ),
        ("7/10 * * * *", "a step needs a range"),
    ];
    for (cron, needle) in cases {
        let add = ["scheduler", "add", "p", "--cron", cron, "-a", "blog"];
        let edit = ["scheduler", "edit", "ok", "--cron", cron];
        for args in [&add[..], &edit[..]] {
            env.run(args.iter().copied())
                .code(2)
                .stderr_has("invalid cron")
                .stderr_has(cron)
                .stderr_has(needle);
        }
    }
    assert_eq!(env.dump(), before, "a refused command changed the store");
}

#[test]
pub(crate) fn trigger_records_a_manual_run_and_its_tasks_know_their_plan() {
    let env = Env::new();
    env.account("blog");
    add_plan(
        &env,
        "daily",
        "0 8 * * *",
        "UTC",
        &["-a", "blog", "--count", "2", "-t", "T"],
    );
    let r = env.run(["scheduler", "trigger", "daily"]).success();
    assert_eq!(r.stdout, "");
    r.stderr_has("fired manually").stderr_has("2 tasks");
    let history: Vec<Value> = env.json(&["scheduler", "history", "daily"]);
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["manual"], true);
    assert_eq!(history[0]["status"], "fired");
    assert_eq!(history[0]["tasks"], 2);
    assert_utc_timestamps(&Value::Array(history.clone()));
    let run_id = history[0]["id"].as_i64().unwrap();

    let ids: Vec<String> = env
        .ok(["task", "list", "-q"])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(ids.len(), 2);
    for id in &ids {
        let task: Value = env.json(&["task", "show", id]);
        assert_eq!(task["plan_id"], plan_id(&env, "daily"), "{task}");
        assert_eq!(task["plan_run_id"], run_id, "{task}");
    }

    // A manual fire does not use up the scheduled slot.
    let first = ms(&next_fires(&env, "daily", 1)[0]);
    quiet_run(&env, first + MINUTE);
    let runs = runs_of(&env, "daily");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs.iter().filter(|r| r.manual).count(), 1);
    assert_eq!(tasks_of_plan(&env, "daily"), 4);

    // A trigger that fails exits non-zero.
    env.account("temp");
    add_plan(&env, "doomed", "0 8 * * *", "UTC", &["-a", "temp"]);
    env.ok(["account", "remove", "temp", "--yes"]);
    env.run(["scheduler", "trigger", "doomed"])
        .code(1)
        .stderr_has("plan doomed failed");
}

#[test]
pub(crate) fn history_next_and_status() {
    let env = Env::new();
    env.account("blog");
    add_plan(&env, "hourly", "0 * * * *", "UTC", &["-a", "blog"]);
    add_plan(
        &env,
        "late",
        "30 * * * *",
        "UTC",
        &["-a", "blog", "--catch-up", "skip"],
    );
    let now = now_ms();

    // next --count: ascending, an hour apart, UTC, after now.
    let next = next_fires(&env, "hourly", 3);
    assert_eq!(next.len(), 3);
    assert!(next.iter().all(|t| t.ends_with(":00:00Z")), "{next:?}");
    assert!(ms(&next[0]) > now - MINUTE && ms(&next[0]) <= now + HOUR);
    assert_eq!(ms(&next[1]) - ms(&next[0]), HOUR);
    assert_eq!(ms(&next[2]) - ms(&next[1]), HOUR);
    let all: Vec<Value> = env.json(&["scheduler", "next", "--count", "2"]);
    assert_eq!(all.len(), 4, "two per enabled plan");
    assert_utc_timestamps(&Value::Array(all));

    // Status before anything ran: `late` was created hours ago and has not fired.
    set_created(&env, "late", now - 3 * HOUR);
    let st: Value = env.json(&["scheduler", "status"]);
    assert_utc_timestamps(&st);
    assert_eq!(st["plans"], 2);
    assert_eq!(st["enabled"], 2);
    assert_eq!(st["daemon_scheduler"], false);
    assert_eq!(st["last_run_at"], Value::Null);
    assert_eq!(st["most_overdue_plan"], "late");
    assert!(st["lag_seconds"].as_u64().unwrap() > 2 * 3600, "{st}");

    // A real run (no --at) deals with it; status then shows the run and no lag.
    let r = env.run(["scheduler", "run"]).success();
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""));
    let st: Value = env.json(&["scheduler", "status"]);
    assert_utc_timestamps(&st);
    assert_eq!(st["most_overdue_plan"], Value::Null);
    assert_eq!(st["lag_seconds"], 0);
    let last = ms(st["last_run_at"].as_str().unwrap());
    assert!((now..=now_ms()).contains(&last), "{st}");
    // The table form works too.
    let table = env.ok(["scheduler", "status"]);
    assert!(table.contains("lag_seconds"), "{table}");

    // history: newest first, --limit, per plan.
    let at = hour_after(now, 1);
    quiet_run(&env, at + MINUTE);
    quiet_run(&env, at + HOUR + MINUTE);
    let h: Vec<Value> = env.json(&["scheduler", "history", "hourly"]);
    // (A third, older row only if the real run above happened to cross the hour.)
    assert!(h.len() == 2 || h.len() == 3, "{h:?}");
    assert_eq!(h[0]["scheduled_for_at"], rfc(at + HOUR));
    assert_eq!(h[1]["scheduled_for_at"], rfc(at));
    assert_utc_timestamps(&Value::Array(h));
    let h: Vec<Value> = env.json(&["scheduler", "history", "--limit", "1"]);
    assert_eq!(h.len(), 1);
    let table = env.ok(["scheduler", "history"]);
    assert!(table.contains("hourly"), "{table}");
}

#[test]
pub(crate) fn enabling_after_a_long_disable_does_not_catch_up() {
    let env = Env::new();
    env.account("blog");
    // A daily slot twelve hours from now's hour, far from the real now below.
    let cron = format!("0 {} * * *", (Utc::now().hour() + 12) % 24);
    add_plan(&env, "paused", &cron, "UTC", &["-a", "blog"]);
    add_plan(&env, "control", &cron, "UTC", &["-a", "blog"]);
    let three_days_ago = now_ms() - 3 * DAY;
    set_created(&env, "paused", three_days_ago);
    set_created(&env, "control", three_days_ago);
    env.run(["scheduler", "disable", "paused"])
        .success()
        .stderr_has("disabled");
    let plan: Value = env.json(&["scheduler", "show", "paused"]);
    assert_eq!(plan["enabled"], false);
    assert_eq!(plan["next_fires"], serde_json::json!([]));
    env.run(["scheduler", "enable", "paused"])
        .success()
        .stderr_has("enabled");
    let r = env.run(["scheduler", "run"]).success();
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""));
    assert_eq!(
        runs_of(&env, "control").len(),
        1,
        "the control plan catches up once"
    );
    assert_eq!(
        runs_of(&env, "paused"),
        vec![],
        "nothing missed while disabled fires"
    );
}

#[test]
pub(crate) fn remove_requires_yes_without_a_terminal_and_keeps_the_tasks() {
    let env = Env::new();
    env.account("blog");
    add_plan(&env, "doomed", "0 8 * * *", "UTC", &["-a", "blog"]);
    env.ok(["scheduler", "trigger", "doomed"]);
    let before = env.dump();
    env.cmd(["scheduler", "remove", "doomed"])
        .stdin("y\n")
        .run()
        .code(2)
        .stderr_has("--yes");
    assert_eq!(env.dump(), before);
    env.run(["scheduler", "remove", "doomed", "--yes"])
        .success()
        .stderr_has("removed plan doomed");
    let list: Vec<Value> = env.json(&["scheduler", "list"]);
    assert!(list.is_empty(), "{list:?}");
    assert_eq!(env.count("SELECT count(*) FROM plan_runs"), 0);
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 1, "its tasks stay");
    env.run(["scheduler", "show", "doomed"]).code(3);
}

// ---------------------------------------------------------------------------------------------
// The daemon

/// Plan tasks by status.
fn plan_task_statuses(env: &Env) -> BTreeMap<String, i64> {
    env.rows(
        "SELECT status, count(*) FROM tasks WHERE plan_id IS NOT NULL GROUP BY status",
        &[],
    )
    .iter()
    .map(|r| (r.string(0), r.int(1)))
    .collect()
}

#[test]
pub(crate) fn the_daemon_fires_due_plans_and_no_scheduler_leaves_them() {
    let on = Env::new();
    let off = Env::new();
    for env in [&on, &off] {
        env.account("blog");
        add_plan(
            env,
            "minutely",
            "* * * * *",
            "UTC",
            &["-a", "blog", "--count", "2"],
        );
        set_created(env, "minutely", now_ms() - 5 * MINUTE);
    }
    let mut daemon = on.spawn(&["daemon", "run"], &[]);
    let mut quiet = off.spawn(&["daemon", "run", "--no-scheduler"], &[]);

    // The daemon ticks the scheduler at once: the current minute's slot fires, and its tasks
    // are generated (template generator).
    wait_until("the plan's tasks complete", Duration::from_secs(15), || {
        !runs_of(&on, "minutely").is_empty()
            && plan_task_statuses(&on).keys().all(|s| s == "completed")
    });
    let runs = runs_of(&on, "minutely");
    for r in &runs {
        assert!(r.status == "fired" && r.tasks == 2 && !r.manual, "{runs:?}");
        let n = on.count(&format!(
            "SELECT count(*) FROM tasks WHERE plan_run_id = {}",
            r.id
        ));
        assert_eq!(n, 2, "{r:?}");
    }
    let st: Value = on.json(&["scheduler", "status"]);
    assert_eq!(st["daemon_scheduler"], true, "{st}");
    assert_utc_timestamps(&st);

    // Without its scheduler the daemon works the queue but fires nothing.
    let id = off.submit("blog", "Plain task", &[]);
    wait_until("the plain task completes", Duration::from_secs(15), || {
        off.status_of(&id) == "completed"
    });
    assert_eq!(runs_of(&off, "minutely"), vec![]);
    assert_eq!(tasks_of_plan(&off, "minutely"), 0);
    let st: Value = off.json(&["scheduler", "status"]);
    assert_eq!(st["daemon_scheduler"], false, "{st}");
    assert_eq!(st["most_overdue_plan"], "minutely");

    for d in [&mut daemon, &mut quiet] {
        d.signal(Signal::SIGTERM);
        assert_eq!(d.exit_code(Duration::from_secs(15)), 0, "{}", d.log());
    }
}

/// A plan's topic nearly identical to a pending task of the account is queued and noted on
/// the run; with `skip_similar` (`--skip-similar`, shown by `scheduler show`) it is skipped,
/// and the run records it. Either way `scheduler run` stays quiet.
#[test]
pub(crate) fn a_plan_with_skip_similar_skips_a_topic_like_a_pending_task() {
    let env = Env::new();
    env.account("blog");
    let pending = env.submit("blog", "Rust async basics", &[]);
    add_plan(
        &env,
        "weekly",
        "0 * * * *",
        "UTC",
        &[
            "-a",
            "blog",
            "--count",
            "2",
            "-t",
            "Rust Async Basics",
            "-t",
            "Cooking pasta",
            "--skip-similar",
        ],
    );
    let shown: Value = env.json(&["scheduler", "show", "weekly"]);
    assert_eq!(shown["skip_similar"], true, "{shown}");
    let now = now_ms();
    quiet_run(&env, hour_after(now, 1) + MINUTE);
    assert_eq!(
        topics_of(&env, "blog"),
        ["Rust async basics", "Cooking pasta"]
    );
    let runs = runs_of(&env, "weekly");
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].status.as_str(), runs[0].tasks), ("fired", 1));
    let message = runs[0].message.clone().unwrap_or_default();
    assert!(
        message.contains("1 topics skipped") && message.contains(&pending),
        "{message}"
    );

    // Without it, the topics are queued and the run notes them.
    env.ok(["scheduler", "edit", "weekly", "--no-skip-similar"]);
    let shown: Value = env.json(&["scheduler", "show", "weekly"]);
    assert_eq!(shown["skip_similar"], false, "{shown}");
    quiet_run(&env, hour_after(now, 2) + MINUTE);
    assert_eq!(
        topics_of(&env, "blog"),
        [
            "Rust async basics",
            "Cooking pasta",
            "Rust Async Basics",
            "Cooking pasta"
        ]
    );
    let runs = runs_of(&env, "weekly");
    assert_eq!(runs[1].tasks, 2);
    let message = runs[1].message.clone().unwrap_or_default();
    assert!(
        message.contains("nearly identical")
            && message.contains(&pending)
            && !message.contains("skipped"),
        "{message}"
    );
}
