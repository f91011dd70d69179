//! Budget overshoot (issue 15, "Benchmarks"): a budget reached during a burst of
//! `CONTENTHUB_BENCH_TASKS` (200) tasks at `max_concurrent` `CONTENTHUB_BENCH_CONCURRENCY`
//! (20) against a mock OpenAI-compatible server that answers after
//! `CONTENTHUB_BENCH_LATENCY_MS` (200 ms).
//!
//! Two runs, each on a fresh SQLite store, with one daily budget of everything whose
//! `max_cost` pays for `CONTENTHUB_BENCH_PAID` (50) requests at their actual cost:
//!
//! 1. **usage within the estimate**: the replies use 150 prompt and 80 completion tokens; the
//!    reservation is the prompt estimate plus `max_tokens` (500), so it covers each request;
//! 2. **usage above the estimate**: the replies use 1,500 prompt tokens (ten times what the
//!    text suggests, as with a long system prompt the estimate does not see) and 500
//!    completion tokens, so each request costs more than it reserved.
//!
//! The daemon (`daemon::run`, in this process) runs until nothing is in flight and the
//! store has been still for a second. Reported: the requests the mock answered, the spend,
//! the cap, the overshoot in cost (spend − cap, when positive) and in requests (requests
//! answered − the requests the cap pays for at their actual cost, when positive), next to
//! the bound: the requests in flight when the cap was reached (at most `max_concurrent`).

#[path = "support/mock.rs"]
mod mock;
#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use contenthub::daemon;
use contenthub::domain::budget::{Budget, Period, Plan, ProfileCost, Rate, Scope};
use contenthub::domain::price::Price;
use contenthub::domain::time::now_ms;
use contenthub::domain::{NewAccount, NewTask, Status};
use contenthub::engine::Options;
use contenthub::generator::{GeneratorKind, GeneratorProfile};
use contenthub::store::{accounts, budgets, tasks, Store};
use support::env_usize;
use tokio_util::sync::CancellationToken;

const PROMPT_PRICE: f64 = 2.0;
const COMPLETION_PRICE: f64 = 8.0;
const MAX_TOKENS: u32 = 500;

struct Run {
    name: &'static str,
    prompt: u64,
    completion: u64,
}

fn main() {
    let n = env_usize("CONTENTHUB_BENCH_TASKS", 200);
    let conc = env_usize("CONTENTHUB_BENCH_CONCURRENCY", 20);
    let latency = Duration::from_millis(env_usize("CONTENTHUB_BENCH_LATENCY_MS", 200) as u64);
    let paid = env_usize("CONTENTHUB_BENCH_PAID", 50);
    let dir = tempfile::Builder::new()
        .prefix("contenthub-budget-")
        .tempdir()
        .expect("create a temporary directory");
    println!(
        "contenthub budget benchmark: {n} tasks, max_concurrent {conc}, latency {} ms, a cap that pays for {paid} requests",
        latency.as_millis()
    );
    for run in [
        Run {
            name: "usage within the estimate",
            prompt: 150,
            completion: 80,
        },
        Run {
            name: "usage above the estimate",
            prompt: 1500,
            completion: 500,
        },
    ] {
        one(dir.path(), &run, n, conc, latency, paid);
    }
}

fn one(root: &Path, run: &Run, n: usize, conc: usize, latency: Duration, paid: usize) {
    let db = root.join(run.name.replace(' ', "-")).join("contenthub.db");
    let mock = mock::Mock::start_with_usage(latency, run.prompt, run.completion);
    let rate = Rate::of(
        &Price {
            prompt_per_million: PROMPT_PRICE,
            completion_per_million: COMPLETION_PRICE,
            currency: "USD".into(),
        },
        1.0,
    );
    let actual = rate.cost(run.prompt as i64, run.completion as i64);
    let cap = actual * paid as f64;

    let mut store = Store::open(&db).expect("open a bench store");
    let topic = |i: usize| format!("预算基准文章 BUDGET-{i:06}");
    let estimate = {
        let (p, c) = contenthub::domain::budget::budget_estimate_tokens(
            &format!("{}\n[\"预算\",\"基准\"]", topic(0)),
            Some(MAX_TOKENS),
            None,
            "zh-CN",
        );
        rate.cost(p, c)
    };
    store
        .write(|tx| {
            let account = accounts::insert(
                tx,
                &NewAccount {
                    name: "bench".into(),
                    display_name: None,
                    platform: "wechat".into(),
                    language: "zh-CN".into(),
                    tone: None,
                    category: None,
                    persona: None,
                    min_words: None,
                    max_words: None,
                    forbidden_words: vec![],
                    review: contenthub::domain::account::ReviewMode::Auto,
                    review_rules: Default::default(),
                },
            )?;
            let now = now_ms();
            for i in 0..n {
                let t = NewTask {
                    account: "bench".into(),
                    topic: topic(i),
                    keywords: vec!["预算".into(), "基准".into()],
                    category: None,
                    requirements: None,
                    tone: None,
                    priority: 5,
                    review: None,
                    max_retries: 3,
                    timeout: Duration::from_secs(3600),
                    callback_url: None,
                    generator: None,
                    idempotency_key: None,
                };
                tasks::insert(tx, &t, &account, now)?;
            }
            Ok(())
        })
        .expect("submit the bench tasks");

    let profile = GeneratorProfile {
        kind: GeneratorKind::Openai,
        base_url: Some(mock.base_url.clone()),
        model: Some("bench-model".into()),
        api_key_env: None,
        max_concurrent: None,
        timeout: Some(contenthub::domain::setting::DurationSetting(
            Duration::from_secs(30),
        )),
        command: None,
        temperature: None,
        max_tokens: Some(MAX_TOKENS),
        target_audience: None,
        mode: None,
        remote_cancel: None,
        image_base_url: None,
        fallback: None,
        fallback_after: None,
        price_factor: None,
        rpm: None,
        tpm: None,
        rpd: None,
        tpd: None,
        rate_window: None,
        steps: None,
        step_profiles: None,
        batch_size: None,
        batch_wait: None,
        completion_window: None,
        poll_interval: None,
    };
    let mut o = Options::new(&contenthub::store::Location::File(db.clone()));
    o.max_concurrent = conc;
    o.reap_interval = (o.lease / 3).clamp(Duration::from_millis(100), Duration::from_secs(2));
    o.exclusive = true;
    o.grace = Duration::from_secs(5);
    o.generators = BTreeMap::from([("default".to_string(), profile)]);
    o.budgets = Plan {
        budgets: vec![Budget {
            name: "bench".into(),
            scope: Scope::All,
            period: Period::Daily,
            tz: chrono_tz::UTC,
            max_cost: Some(cap),
            currency: Some("USD".into()),
            max_tokens: None,
        }],
        profiles: BTreeMap::from([(
            "default".to_string(),
            ProfileCost {
                model: Some("bench-model".into()),
                rate: Some(rate),
                max_tokens: Some(MAX_TOKENS),
            },
        )]),
        clock_shift_ms: 0,
    };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("engine runtime");
    let shutdown = CancellationToken::new();
    let started = Instant::now();
    let handle = rt.spawn(daemon::run(daemon::Config::new(o), shutdown.clone()));

    // Until nothing is in flight and nothing has changed for a second (or 120 s at most).
    let mut last = (u64::MAX, u64::MAX);
    let mut still_since = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let counts = store
            .read(|c| tasks::status_counts(c, None))
            .expect("read the counts");
        let get = |s: Status| {
            counts
                .iter()
                .find(|(st, _)| *st == s)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        let now = (
            get(Status::Completed),
            get(Status::Submitted) + get(Status::Processing),
        );
        if now != last {
            last = now;
            still_since = Instant::now();
        } else if now.1 == 0 && still_since.elapsed() >= Duration::from_secs(1) {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            println!("  (stopped after 120 s)");
            break;
        }
    }
    shutdown.cancel();
    rt.block_on(handle)
        .expect("daemon task")
        .expect("daemon::run");
    rt.shutdown_timeout(Duration::from_secs(1));

    let period = store
        .read(|c| budgets::current(c, now_ms()))
        .expect("read the budget")
        .into_iter()
        .next()
        .expect("the budget's period");
    let requests = mock.stats.requests.load(Ordering::Relaxed) as usize;
    let max_in_flight = mock.stats.max_in_flight.load(Ordering::Relaxed);
    let over_cost = (period.spent.cost - cap).max(0.0);
    let over_requests = requests.saturating_sub(paid);
    println!();
    println!("{}:", run.name);
    println!(
        "  per request: reserved {estimate:.5} USD, actual {actual:.5} USD; cap {cap:.4} USD (pays for {paid})"
    );
    println!(
        "  requests answered {requests} of {n}; completed {}; pending {}; dispatch stopped {} times",
        last.0,
        n as u64 - last.0,
        period.refusals
    );
    println!(
        "  spent {:.5} USD = {:.1} % of the cap; still reserved {:.5} USD",
        period.spent.cost,
        100.0 * period.spent.cost / cap,
        period.reserved.cost
    );
    println!(
        "  overshoot: {over_requests} requests, {over_cost:.5} USD ({:.1} % of the cap); bound: {max_in_flight} in flight (max_concurrent {conc}) -> {}",
        100.0 * over_cost / cap,
        support::verdict(over_requests as i64 <= max_in_flight)
    );
}
