//! Cost budgets end to end: the real daemon against a mock OpenAI-compatible service, a daily
//! budget that stops dispatch within the requests in flight, the reason `task show` gives, the
//! health check's WARNING then CRITICAL, the metrics, and the next period (an injected
//! clock) resuming dispatch.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::mock::{OpenAi, Reply};
use crate::support::{wait_until, Env};

/// Every reply uses 600 tokens (120 prompt, 480 completion): 0.6 USD at 1000 USD per million.
/// A request reserves about 0.70 USD (its prompt estimate plus `max_tokens = 500`), so the cap
/// of 2.9 USD admits four requests at once and no fifth after they settle at 2.4 USD (83 %).
fn config(base_url: &str) -> String {
    format!(
        r#"[daemon]
poll_interval = "100ms"
lease = "2s"
retry_delays = ["100ms"]
max_concurrent = 4

[generators.default]
kind = "openai"
base_url = "{base_url}"
model = "gpt-test"
timeout = "5s"
max_tokens = 500

[prices."gpt-test"]
prompt_per_million = 1000.0
completion_per_million = 1000.0
currency = "USD"

[[budgets]]
name = "daily-all"
period = "daily"
timezone = "UTC"
max_cost = 2.9
currency = "USD"

[[alerts]]
name = "budget-high"
metric = "budget_used_ratio"
budget = "daily-all"
op = ">"
threshold = "80%"
"#
    )
}

fn health(env: &Env) -> Value {
    let run = env.run(["monitor", "health", "--format", "json"]);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn budget_check(h: &Value) -> Value {
    h["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "budget_daily-all"))
        .cloned()
        .unwrap_or_else(|| panic!("no budget check: {h}"))
}

fn count(env: &Env, status: &str) -> i64 {
    env.count(&format!(
        "SELECT count(*) FROM tasks WHERE status = '{status}'"
    ))
}

#[test]
pub(crate) fn a_daily_budget_stops_dispatch_and_resumes_in_the_next_period() {
    let mock = OpenAi::start(|_| Reply::ok_after(Duration::from_millis(300), "Spent"));
    let env = Env::new();
    env.config(&config(&mock.base("p")));
    env.account("blog");
    let shown = env.ok(["config", "show"]);
    assert!(shown.contains("budgets.daily-all"), "{shown}");

    let mut daemon = env.spawn(&["daemon", "run"], &[]);
    let first: Vec<String> = (0..4)
        .map(|i| env.submit("blog", &format!("Budget {i}"), &[]))
        .collect();
    wait_until("the first four complete", Duration::from_secs(30), || {
        count(&env, "completed") == 4
    });
    // 2.4 of 2.9 USD spent, nothing refused: a warning.
    let h = health(&env);
    let check = budget_check(&h);
    assert_eq!(check["status"], "warning", "{h}");
    let alerts = env.run(["monitor", "alerts", "--format", "json"]);
    assert_eq!(alerts.code, 1, "a firing rule: {}", alerts.stdout);
    let alerts: Value = serde_json::from_str(&alerts.stdout).unwrap();
    let rule = alerts
        .as_array()
        .and_then(|a| a.iter().find(|r| r["name"] == "budget-high"))
        .unwrap_or_else(|| panic!("{alerts}"));
    assert_eq!(rule["firing"], true, "{alerts}");

    // Six more: none fits, all stay pending with the budget's reason, without a retry.
    let more: Vec<String> = (4..10)
        .map(|i| env.submit("blog", &format!("Budget {i}"), &[]))
        .collect();
    let reason = "budget `daily-all` exhausted until 00:00 UTC";
    wait_until("the budget refuses", Duration::from_secs(15), || {
        let t: Value = env.json(&["task", "show", &more[0]]);
        t["waiting"].as_str() == Some(reason)
    });
    // Held back, the daemon idles: a claim that finds the budget still exhausted writes
    // nothing that would wake it again at once.
    let cpu = |pid: i32| -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu(daemon.pid());
    std::thread::sleep(Duration::from_secs(2));
    let ticks = cpu(daemon.pid()) - before;
    assert!(
        ticks < 40,
        "the daemon used {ticks} clock ticks in 2 s while held back"
    );
    assert_eq!(mock.calls().len(), 4, "no request past the cap");
    assert_eq!(count(&env, "pending"), 6);
    let t: Value = env.json(&["task", "show", &more[5]]);
    assert_eq!(t["status"], "pending", "{t}");
    assert_eq!(t["retry_count"], 0, "{t}");
    assert_eq!(t["waiting"], reason, "{t}");
    let done: Value = env.json(&["task", "show", &first[0]]);
    assert!(done.get("waiting").is_none(), "{done}");
    let table = env.ok(["task", "show", &more[5]]);
    assert!(table.contains("exhausted until 00:00 UTC"), "{table}");

    let h = health(&env);
    let check = budget_check(&h);
    assert_eq!(h["status"], "critical", "{h}");
    assert_eq!(check["status"], "critical", "{h}");
    assert!(
        check["message"]
            .as_str()
            .is_some_and(|m| m.contains("daily-all") && m.contains("dispatch stopped")),
        "{h}"
    );

    // Spend, reservations and cap in the metrics.
    let m: Value = env.json(&["monitor", "metrics"]);
    let b = &m["budgets"][0];
    assert_eq!(b["budget"], "daily-all", "{m}");
    assert!(
        (b["spent_cost"].as_f64().unwrap() - 2.4).abs() < 1e-9,
        "{m}"
    );
    assert_eq!(b["reserved_cost"].as_f64(), Some(0.0), "{m}");
    assert_eq!(b["max_cost"].as_f64(), Some(2.9), "{m}");
    assert!(b["refusals"].as_i64().unwrap() >= 1, "{m}");
    let prom = env.ok(["monitor", "metrics", "--format", "prometheus"]);
    assert!(
        prom.contains("contenthub_budget_cost{budget=\"daily-all\"")
            && prom.contains("state=\"cap\"} 2.9"),
        "{prom}"
    );
    assert!(
        prom.contains("# TYPE contenthub_budget_used_ratio gauge"),
        "{prom}"
    );

    daemon.signal(Signal::SIGTERM);
    assert_eq!(
        daemon.exit_code(Duration::from_secs(20)),
        0,
        "{}",
        daemon.log()
    );

    // The next day (the budget's clock moved past midnight UTC): four more fit.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let to_midnight = 86_400_000 - (now.as_millis() % 86_400_000) as i64 + 1_000;
    let shift = to_midnight.to_string();
    let mut next = env.spawn(
        &["daemon", "run"],
        &[("CONTENTHUB_TEST_BUDGET_CLOCK_SHIFT_MS", shift.as_str())],
    );
    wait_until("four more complete", Duration::from_secs(30), || {
        count(&env, "completed") == 8
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(count(&env, "pending"), 2);
    assert_eq!(mock.calls().len(), 8);
    let periods = env.count("SELECT count(DISTINCT period) FROM budget_periods");
    assert_eq!(periods, 2);
    next.signal(Signal::SIGTERM);
    assert_eq!(next.exit_code(Duration::from_secs(20)), 0, "{}", next.log());
}

#[test]
pub(crate) fn budgets_are_validated_with_their_line() {
    let env = Env::new();
    let bad = [
        (
            "[[budgets]]\nname = \"b\"\nperiod = \"daily\"\n",
            "budgets.max_cost",
        ),
        (
            "[[budgets]]\nname = \"b\"\nperiod = \"daily\"\nmax_tokens = 10\ntimezone = \"Mars/Base\"\n",
            "budgets.timezone",
        ),
        (
            "[prices.m]\nprompt_per_million = 1.0\ncompletion_per_million = 1.0\ncurrency = \"CNY\"\n\n[[budgets]]\nname = \"b\"\nperiod = \"monthly\"\nmax_cost = 10.0\ncurrency = \"USD\"\n",
            "budgets.currency",
        ),
        (
            "[generators.g]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"unpriced\"\n\n[[budgets]]\nname = \"b\"\nperiod = \"daily\"\nmax_cost = 1.0\ncurrency = \"USD\"\n",
            "budgets.max_cost",
        ),
        (
            "[[budgets]]\nname = \"b\"\nperiod = \"daily\"\nmax_tokens = 10\n\n[[budgets]]\nname = \"b\"\nperiod = \"monthly\"\nmax_tokens = 10\n",
            "budgets.name",
        ),
        (
            "[[alerts]]\nname = \"a\"\nmetric = \"budget_used_ratio\"\nbudget = \"nope\"\nop = \">\"\nthreshold = \"80%\"\n",
            "alerts.budget",
        ),
    ];
    for (toml, key) in bad {
        env.config(toml);
        let run = env.run(["config", "show"]);
        assert_eq!(run.code, 2, "{toml}\n{}", run.stderr);
        assert!(
            run.stderr.contains(&format!("key `{key}`")) && run.stderr.contains("line "),
            "{toml}\n{}",
            run.stderr
        );
    }
    // The second budget's line is named.
    env.config("[[budgets]]\nname = \"a\"\nperiod = \"daily\"\nmax_tokens = 10\n\n[[budgets]]\nname = \"b\"\nperiod = \"daily\"\n");
    let run = env.run(["config", "show"]);
    assert!(run.stderr.contains("line 6"), "{}", run.stderr);
}

#[test]
pub(crate) fn a_budget_wait_longer_than_fallback_after_moves_the_task() {
    let mock = OpenAi::start(|_| Reply::article("Paid"));
    let env = Env::new();
    env.config(&format!(
        r#"[daemon]
poll_interval = "100ms"
lease = "2s"
retry_delays = ["100ms"]

[generators.gpt]
kind = "openai"
base_url = "{}"
model = "gpt-test"
timeout = "5s"
max_tokens = 500
fallback = ["template"]
fallback_after = "1s"

[[budgets]]
name = "gpt-tokens"
profile = "gpt"
period = "daily"
timezone = "UTC"
max_tokens = 1000
"#,
        mock.base("p")
    ));
    env.account("blog");
    // The first request of the period is admitted (600 tokens used); the second would pass
    // the cap, and the budget's period ends later than `fallback_after`.
    let first = env.submit("blog", "First", &["--generator", "gpt"]);
    let mut daemon = env.spawn(&["daemon", "run"], &[]);
    wait_until("the first completes", Duration::from_secs(20), || {
        env.status_of(&first) == "completed"
    });
    let second = env.submit("blog", "Second", &["--generator", "gpt"]);
    wait_until("the second completes", Duration::from_secs(20), || {
        env.status_of(&second) == "completed"
    });
    daemon.signal(Signal::SIGTERM);
    assert_eq!(
        daemon.exit_code(Duration::from_secs(20)),
        0,
        "{}",
        daemon.log()
    );
    assert_eq!(mock.calls().len(), 1);
    let t: Value = env.json(&["task", "show", &second]);
    assert_eq!(t["generator"], "template", "{t}");
    assert_eq!(t["original_generator"], "gpt", "{t}");
    let log = env.ok(["task", "log", &second]);
    assert!(
        log.contains("budget `gpt-tokens` exhausted") && log.contains("moved to template"),
        "{log}"
    );
}
