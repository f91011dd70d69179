//! The status page's render time on a store of a million tasks spread over 30 days (issue 17,
//! "Speed": p95 ≤ 100 ms for `/`, `/tasks?status=failed` and a task page, over 100 requests
//! each).
//!
//! `cargo bench --bench page`:
//!
//! 1. fills a store in a temporary directory with `CONTENTHUB_BENCH_TASKS` tasks (default
//!    1,000,000) over the last 30 days with their articles, with the shared filler
//!    (`support/fill.rs`, as the `monitor` bench does: in a steady state, the counters the
//!    daemon keeps, a heartbeat as of the end of the fill), then lets the machine settle
//!    (`CONTENTHUB_BENCH_SETTLE_SECS`, default 5 s);
//! 2. renders each page server-side, in this process, the way the daemon's handlers do: one
//!    read transaction on an open connection (as the API's pool keeps them), the page's
//!    queries, then its HTML. One warm-up request, then `CONTENTHUB_BENCH_REQUESTS`
//!    (default 100) measured ones per page, round-robin. The task pages are of different
//!    tasks, failed and completed ones (with their article) in turn;
//! 3. prints median, p95 and max per page, the goal (p95 ≤ 100 ms) and goal/p95 with PASS
//!    (≥ 1.0) or MISS, and the size of each page's HTML.
//!
//! `CONTENTHUB_BENCH_KEEP=1` keeps the directory.

#[path = "support/fill.rs"]
mod fill;
#[path = "support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use contenthub::domain::time::now_ms;
use contenthub::domain::Status;
use contenthub::monitor::metrics::MetricsOptions;
use contenthub::monitor::Liveness;
use contenthub::store::tasks::{self, Filter};
use contenthub::store::{Location, Store};
use contenthub::web::pages::{self, ListQuery, PageOptions};
use fill::{Shape, SEED};
use support::{env_usize, settle};

const DEFAULT_TASKS: usize = 1_000_000;
const DEFAULT_REQUESTS: usize = 100;
const DAYS: i64 = 30;
/// Issue 17: p95 of the server-side render time.
const GOAL_MS: f64 = 100.0;

fn main() {
    let n = env_usize("CONTENTHUB_BENCH_TASKS", DEFAULT_TASKS).max(100);
    let requests = env_usize("CONTENTHUB_BENCH_REQUESTS", DEFAULT_REQUESTS).max(1);
    let settle_secs = env_usize("CONTENTHUB_BENCH_SETTLE_SECS", 5) as u64;
    let keep = std::env::var("CONTENTHUB_BENCH_KEEP").is_ok_and(|v| !v.is_empty() && v != "0");
    println!(
        "contenthub page benchmark: {n} tasks over {DAYS} days, {requests} measured requests \
         per page after 1 warm-up (round-robin)"
    );
    let dir = tempfile::Builder::new()
        .prefix("contenthub-bench-")
        .tempdir()
        .expect("create a temporary directory");
    let db = dir.path().join("contenthub.db");
    let now = now_ms();

    // 1. Fill.
    let t = Instant::now();
    let shape = Shape {
        tasks: n,
        days: DAYS,
        active: 10,
        contents: true,
    };
    let filled = fill::fill(&db, &shape, now, SEED);
    let mut store = Store::open(&db).expect("open the bench store");
    fill::beat(&mut store, filled.daemon, now);
    println!(
        "fill: {} tasks, {} contents, {} accounts in {:.1} s",
        filled.tasks,
        filled.contents,
        filled.accounts.len(),
        t.elapsed().as_secs_f64()
    );
    settle(settle_secs);

    // Task pages to show: failed and completed tasks from across the store.
    let pick = |store: &mut Store, status: Status| -> Vec<String> {
        store
            .read(|tx| {
                tasks::list(
                    tx,
                    &Filter {
                        statuses: vec![status],
                        limit: Some(requests as u32 * 50),
                        ..Filter::default()
                    },
                )
            })
            .expect("list tasks")
            .into_iter()
            .step_by(50)
            .map(|t| t.id.to_string())
            .collect()
    };
    let mut ids = pick(&mut store, Status::Failed);
    let completed = pick(&mut store, Status::Completed);
    ids = ids
        .into_iter()
        .zip(completed)
        .flat_map(|(a, b)| [a, b])
        .collect();
    assert!(!ids.is_empty(), "no failed or completed task to show");

    // 2. Measure.
    let opts = PageOptions {
        location: Location::File(db.clone()),
        metrics: MetricsOptions {
            window: pages::WINDOW,
            default_generator: "default".into(),
            prices: Default::default(),
            live: Liveness::new(Duration::from_secs(15)),
            budgets: Vec::new(),
        },
        alerts: Some(contenthub::monitor::alerts::AlertOptions {
            rules: contenthub::monitor::alerts::default_rules(true),
            channels: Vec::new(),
            min_finished: 20,
            live: Liveness::new(Duration::from_secs(15)),
            renotify: None,
            host: "bench".into(),
            budgets: Vec::new(),
        }),
    };
    // The fourth is where a per-profile count of the status page links: the default profile's
    // tasks completed in the last 24 h.
    let labels = [
        "/",
        "/tasks?status=failed",
        "/tasks/{id}",
        "/tasks?status=completed&profile=default&finished=24h",
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); labels.len()];
    let mut sizes = vec![0usize; labels.len()];
    for round in 0..=requests {
        for (i, _) in labels.iter().enumerate() {
            let t = Instant::now();
            let html = match i {
                0 => {
                    let o = store
                        .read(|tx| pages::overview(tx, &opts, now_ms()))
                        .expect("the status page");
                    pages::render_overview(&o, true)
                }
                1 => {
                    let q = ListQuery {
                        statuses: vec![Status::Failed],
                        page: 1,
                        ..ListQuery::default()
                    };
                    let l = store
                        .read(|tx| pages::task_list(tx, q.clone(), "default", now_ms()))
                        .expect("the failed tasks");
                    pages::render_list(&l, true)
                }
                3 => {
                    let q = ListQuery {
                        statuses: vec![Status::Completed],
                        profile: Some("default".into()),
                        finished: Some(("24h".into(), pages::WINDOW)),
                        page: 1,
                        ..ListQuery::default()
                    };
                    let l = store
                        .read(|tx| pages::task_list(tx, q.clone(), "default", now_ms()))
                        .expect("a profile's completed tasks");
                    assert!(
                        l.total > 0,
                        "no completed task of the default profile in 24 h"
                    );
                    pages::render_list(&l, true)
                }
                _ => {
                    let id = &ids[round % ids.len()];
                    let p = store
                        .read(|tx| pages::task_page(tx, id, now_ms()))
                        .expect("a task page");
                    pages::render_task(&p, true)
                }
            };
            let elapsed = t.elapsed();
            if round > 0 {
                times[i].push(elapsed);
            }
            sizes[i] = html.len();
        }
    }

    // 3. Report.
    println!();
    println!(
        "{:<54}  {:>9}  {:>7}  {:>7}  {:>7}  {:>8}  {:>9}  result",
        "page", "median ms", "p95 ms", "max ms", "goal ms", "goal/p95", "HTML KiB"
    );
    let mut all_pass = true;
    for (i, label) in labels.iter().enumerate() {
        let mut ms: Vec<f64> = times[i].iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let at = |p: f64| ms[((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
        let p95 = at(0.95);
        let ratio = GOAL_MS / p95;
        all_pass &= ratio >= 1.0;
        println!(
            "{label:<54}  {:>9.1}  {p95:>7.1}  {:>7.1}  {GOAL_MS:>7.0}  {ratio:>8.2}  {:>9.1}  {}",
            at(0.5),
            ms[ms.len() - 1],
            sizes[i] as f64 / 1024.0,
            if ratio >= 1.0 { "PASS" } else { "MISS" }
        );
    }
    println!(
        "\n{}",
        if all_pass {
            "all pages within the goal"
        } else {
            "some page missed the goal"
        }
    );
    if keep {
        let kept = dir.keep();
        println!("kept {} (store: {})", kept.display(), db.display());
    }
}
