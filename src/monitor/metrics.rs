//! `monitor metrics` and the daemon's `/metrics`: one [`Metrics`] value, rendered as a table,
//! JSON or Prometheus text.
//!
//! Windowed figures (rates, throughput, durations, tokens, per account and per generator)
//! cover tasks that finished in `(now - window, now]`. Totals (`*_total`, and the `_sum` and
//! `_count` of the duration summaries) come from the counters table: they count since the
//! store was created and survive `task cleanup`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{daemon_view, quantile, Outcomes};
use crate::domain::price::Price;
use crate::domain::rate::Kind as RateKind;
use crate::domain::time::{Millis, Timestamp};
use crate::domain::Status;
use crate::error::Result;
use crate::store::{counters, monitor as q, queue, tasks, Conn, Location};

/// What a collection needs beyond the store.
#[derive(Debug, Clone)]
pub struct MetricsOptions {
    pub window: Duration,
    /// The profile of tasks that name none.
    pub default_generator: String,
    /// Prices per model.
    pub prices: BTreeMap<String, Price>,
    /// How old a daemon's heartbeat may be.
    pub live: super::Liveness,
    /// The cost budgets (`[[budgets]]`).
    pub budgets: Vec<crate::domain::budget::Budget>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowInfo {
    /// `24h`
    pub label: String,
    pub seconds: u64,
    pub since: Timestamp,
    pub until: Timestamp,
}

/// Tasks in the store now, by status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskCounts {
    pub pending: u64,
    pub submitted: u64,
    pub processing: u64,
    pub completed: u64,
    pub failed: u64,
    pub timeout: u64,
    pub cancelled: u64,
    pub total: u64,
}

/// Rates over the window: each outcome / (completed + failed + timeout). `null` when nothing
/// finished.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rates {
    pub success: Option<f64>,
    pub failure: Option<f64>,
    pub timeout: Option<f64>,
}

impl From<&Outcomes> for Rates {
    fn from(o: &Outcomes) -> Rates {
        Rates {
            success: o.success_rate(),
            failure: o.failure_rate(),
            timeout: o.timeout_rate(),
        }
    }
}

/// A duration distribution over the window, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Durations {
    pub count: u64,
    pub avg: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
}

impl Durations {
    fn of(mut v: Vec<f64>) -> Durations {
        v.sort_by(f64::total_cmp);
        Durations {
            count: v.len() as u64,
            avg: (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64),
            p50: quantile(&v, 0.5),
            p95: quantile(&v, 0.95),
        }
    }
}

/// Tokens and cost of one model over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelUsage {
    /// `null` for content whose generator named no model
    pub model: Option<String>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// `null` when no price is configured for the model
    pub cost: Option<f64>,
    pub currency: Option<String>,
}

/// An amount of money in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    pub currency: String,
    pub amount: f64,
}

/// Counts since the store was created; they survive `task cleanup`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    pub submitted: u64,
    pub completed: u64,
    pub failed: u64,
    pub timeout: u64,
    pub cancelled: u64,
    /// Automatic retries after transient errors.
    pub retries: u64,
    /// Tasks retried by an operator (`task retry`).
    pub retried_by_operator: u64,
    pub rate_limited: u64,
    pub cleaned: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub queue_wait_seconds_sum: f64,
    pub queue_wait_count: u64,
    pub generation_seconds_sum: f64,
    pub generation_count: u64,
    /// Per currency, for models with a price.
    pub cost: Vec<Cost>,
    /// Requests the daemon sent to generators, by profile and outcome.
    pub generator_requests: Vec<GeneratorRequests>,
}

/// Requests to one generator profile that ended one way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratorRequests {
    pub generator: String,
    /// `ok` for a request that succeeded; the HTTP status (`429`, `503`) for one the service
    /// refused; `error` when nothing usable came back; `rate_limited` or `refused` for other
    /// failures.
    pub outcome: String,
    pub count: u64,
}

/// A generator profile's provider rate limits now (profiles with `rpm`/`tpm`/`rpd`/`tpd`
/// that a daemon has claimed for).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitUse {
    pub profile: String,
    /// The profile's `rate_window`, which `rpm` and `tpm` apply per.
    pub window_seconds: f64,
    /// Requests and tokens in use of the limit over the current rolling window (reserved by
    /// requests in flight or not yet refilled), against the limit in force (a lower limit
    /// the provider's headers announced, else the configured one); `null` when not limited.
    pub requests_used: Option<u64>,
    pub requests_limit: Option<u64>,
    pub tokens_used: Option<u64>,
    pub tokens_limit: Option<u64>,
    /// Due pending tasks held back while the profile waits for a limit.
    pub waiting_tasks: u64,
    /// The limit it waits for (`rpm`, `tpm`, `rpd`, `tpd`), if it does.
    pub waiting_for: Option<String>,
    /// Replies with HTTP 429 from the profile's service, since the store was created.
    pub rate_limited_replies: u64,
}

/// The daemon, from its heartbeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonInfo {
    /// running, stale or stopped
    pub state: String,
    pub pid: Option<u32>,
    pub heartbeat_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub max_concurrent: Option<u32>,
}

/// Outcomes over the window for one account or one generator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Breakdown {
    pub name: String,
    pub completed: u64,
    pub failed: u64,
    pub timeout: u64,
    pub cancelled: u64,
    pub success_rate: Option<f64>,
    pub generation_p50: Option<f64>,
    pub generation_p95: Option<f64>,
}

/// Everything `monitor metrics` reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    pub generated_at: Timestamp,
    pub window: WindowInfo,
    /// Now, by status.
    pub tasks: TaskCounts,
    /// Finished within the window, by outcome.
    pub finished: Outcomes,
    pub rates: Rates,
    /// Tasks completed per hour, averaged over the window.
    pub throughput_per_hour: f64,
    /// Creation to first start, of tasks finished in the window that started.
    pub queue_wait_seconds: Durations,
    /// First start to completion (retries included), of tasks completed in the window.
    pub generation_seconds: Durations,
    /// Retries used by the tasks finished in the window.
    pub retries: u64,
    pub in_flight: u64,
    /// How long the longest-waiting due pending task has waited since it fell due (a task
    /// snoozed for a retry is not waiting yet).
    pub oldest_pending_age_seconds: Option<f64>,
    /// Tokens of content written in the window, per model, with cost where priced.
    pub models: Vec<ModelUsage>,
    pub totals: Totals,
    pub daemon: DaemonInfo,
    pub accounts: Vec<Breakdown>,
    pub generators: Vec<Breakdown>,
    /// Each budget's current period: spent, reserved and cap.
    #[serde(default)]
    pub budgets: Vec<super::budgets::BudgetUse>,
    /// Provider rate limits per profile.
    #[serde(default)]
    pub rate_limits: Vec<RateLimitUse>,
}

#[derive(Default)]
struct Group {
    outcomes: Outcomes,
    generation: Vec<f64>,
}

impl Group {
    fn breakdown(self, name: String) -> Breakdown {
        let d = Durations::of(self.generation);
        Breakdown {
            name,
            completed: self.outcomes.completed,
            failed: self.outcomes.failed,
            timeout: self.outcomes.timeout,
            cancelled: self.outcomes.cancelled,
            success_rate: self.outcomes.success_rate(),
            generation_p50: d.p50,
            generation_p95: d.p95,
        }
    }
}

fn secs(ms: Millis) -> f64 {
    ms.max(0) as f64 / 1000.0
}

/// Collects [`Metrics`] for the window ending at `now`. `conn` should be in a read
/// transaction, so that every figure comes from one snapshot.
pub fn collect(
    conn: &Conn,
    store: &Location,
    opts: &MetricsOptions,
    now: Millis,
) -> Result<Metrics> {
    let (from, until) = super::window_range(now, opts.window);
    let since = from - 1;

    let mut tasks_now = TaskCounts::default();
    for (status, n) in tasks::status_counts(conn, None)? {
        *match status {
            Status::Pending => &mut tasks_now.pending,
            Status::Submitted => &mut tasks_now.submitted,
            Status::Processing => &mut tasks_now.processing,
            Status::Completed => &mut tasks_now.completed,
            Status::Failed => &mut tasks_now.failed,
            Status::Timeout => &mut tasks_now.timeout,
            Status::Cancelled => &mut tasks_now.cancelled,
        } += n;
        tasks_now.total += n;
    }

    // One pass over the window's finished tasks, straight from the index.
    let names = q::account_names(conn)?;
    let mut finished = Outcomes::default();
    let mut waits = Vec::new();
    let mut generation = Vec::new();
    let mut retries = 0u64;
    let mut accounts: HashMap<i64, Group> = HashMap::new();
    let mut generators: HashMap<String, Group> = HashMap::new();
    for t in q::finished_between(conn, from, until)? {
        finished.add(t.status, 1);
        retries += u64::from(t.retries);
        let account = accounts.entry(t.account_id).or_default();
        account.outcomes.add(t.status, 1);
        let generator = generators
            .entry(
                t.generator
                    .clone()
                    .unwrap_or_else(|| opts.default_generator.clone()),
            )
            .or_default();
        generator.outcomes.add(t.status, 1);
        if let Some(started) = t.started_at {
            waits.push(secs(started - t.created_at));
            if t.status == Status::Completed {
                let g = secs(t.finished_at - started);
                generation.push(g);
                account.generation.push(g);
                generator.generation.push(g);
            }
        }
    }
    let mut accounts: Vec<Breakdown> = accounts
        .into_iter()
        .map(|(id, g)| {
            let name = names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
            g.breakdown(name)
        })
        .collect();
    accounts.sort_by(|a, b| a.name.cmp(&b.name));
    let mut generators: Vec<Breakdown> = generators
        .into_iter()
        .map(|(name, g)| g.breakdown(name))
        .collect();
    generators.sort_by(|a, b| a.name.cmp(&b.name));

    let price_of = |model: &Option<String>| model.as_ref().and_then(|m| opts.prices.get(m));
    let models: Vec<ModelUsage> = q::usage_between(conn, from, until)?
        .into_iter()
        .map(|u| {
            let price = price_of(&u.model);
            ModelUsage {
                cost: price.map(|p| p.cost(u.prompt, u.completion)),
                currency: price.map(|p| p.currency.clone()),
                model: u.model,
                prompt_tokens: u.prompt,
                completion_tokens: u.completion,
            }
        })
        .collect();

    let counter = |name: &str, labels: &str| -> Result<u64> {
        Ok(counters::get(conn, name, labels)?.max(0) as u64)
    };
    let mut cost: BTreeMap<String, f64> = BTreeMap::new();
    let mut by_model: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (labels, value) in q::counters_named(conn, queue::MODEL_TOKENS)? {
        let Some((kind, model)) = labels
            .strip_prefix("kind=")
            .and_then(|rest| rest.split_once(",model="))
        else {
            continue;
        };
        let slot = by_model.entry(model.to_string()).or_default();
        match kind {
            "prompt" => slot.0 += value.max(0) as u64,
            _ => slot.1 += value.max(0) as u64,
        }
    }
    for (model, (p, c)) in &by_model {
        if let Some(price) = opts.prices.get(model) {
            *cost.entry(price.currency.clone()).or_default() += price.cost(*p, *c);
        }
    }
    let totals = Totals {
        submitted: counter(counters::TASKS_SUBMITTED, "")?,
        completed: counter(queue::TASKS_COMPLETED, "")?,
        failed: counter(queue::TASKS_FAILED, "")?,
        timeout: counter(queue::TASKS_TIMEOUT, "")?,
        cancelled: counter(counters::TASKS_CANCELLED, "")?,
        retries: counter(queue::TASK_RETRIES, "")?,
        retried_by_operator: counter(counters::TASKS_RETRIED, "")?,
        rate_limited: counter(queue::TASK_SNOOZES, "")?,
        cleaned: counter(counters::TASKS_CLEANED, "")?,
        prompt_tokens: counter(queue::TOKENS, "kind=prompt")?,
        completion_tokens: counter(queue::TOKENS, "kind=completion")?,
        queue_wait_seconds_sum: secs(counter(queue::QUEUE_WAIT_MS, "")? as i64),
        queue_wait_count: counter(queue::QUEUE_WAIT_COUNT, "")?,
        generation_seconds_sum: secs(counter(queue::GENERATION_MS, "")? as i64),
        generation_count: counter(queue::GENERATION_COUNT, "")?,
        cost: cost
            .into_iter()
            .map(|(currency, amount)| Cost { currency, amount })
            .collect(),
        generator_requests: q::counters_named(conn, queue::GENERATOR_REQUESTS)?
            .into_iter()
            .filter_map(|(labels, n)| {
                let (g, o) = labels.strip_prefix("generator=")?.split_once(",outcome=")?;
                Some(GeneratorRequests {
                    generator: g.to_string(),
                    outcome: o.to_string(),
                    count: n.max(0) as u64,
                })
            })
            .collect(),
    };

    let mut rate_limits = Vec::new();
    for (profile, bucket) in crate::store::rates::all(conn)? {
        let wait = bucket.waiting(now);
        let waiting_tasks = match wait {
            Some(_) => {
                let default = profile == opts.default_generator;
                crate::store::rates::due_pending(conn, &profile, default, now)?.max(0) as u64
            }
            None => 0,
        };
        let rate_limited_replies = totals
            .generator_requests
            .iter()
            .filter(|r| r.generator == profile && r.outcome == "429")
            .map(|r| r.count)
            .sum();
        rate_limits.push(RateLimitUse {
            window_seconds: bucket.limits.window_ms as f64 / 1000.0,
            requests_used: bucket.used(RateKind::Rpm, now),
            requests_limit: bucket.capacity(RateKind::Rpm),
            tokens_used: bucket.used(RateKind::Tpm, now),
            tokens_limit: bucket.capacity(RateKind::Tpm),
            waiting_tasks,
            waiting_for: wait.map(|(k, _)| k.as_str().to_string()),
            rate_limited_replies,
            profile,
        });
    }

    let daemon = daemon_view(store, conn, opts.live, now)?;
    let hb = daemon.heartbeat.as_ref();
    let live = hb.filter(|h| h.stopped_at.is_none());
    let hours = opts.window.as_secs_f64() / 3600.0;
    Ok(Metrics {
        generated_at: Timestamp(now),
        window: WindowInfo {
            label: super::window_label(opts.window),
            seconds: opts.window.as_secs(),
            since: Timestamp(since),
            until: Timestamp(now),
        },
        in_flight: tasks_now.submitted + tasks_now.processing,
        tasks: tasks_now,
        rates: Rates::from(&finished),
        throughput_per_hour: if hours > 0.0 {
            finished.completed as f64 / hours
        } else {
            0.0
        },
        finished,
        queue_wait_seconds: Durations::of(waits),
        generation_seconds: Durations::of(generation),
        retries,
        oldest_pending_age_seconds: q::oldest_due(conn, now)?.map(|at| secs(now - at)),
        models,
        totals,
        daemon: DaemonInfo {
            state: daemon.state.to_string(),
            pid: live.map(|h| h.pid),
            heartbeat_at: hb.map(|h| Timestamp(h.last_beat_at)),
            started_at: live.map(|h| Timestamp(h.started_at)),
            max_concurrent: live.map(|h| h.max_concurrent),
        },
        accounts,
        generators,
        budgets: super::budgets::uses(conn, &opts.budgets, now)?,
        rate_limits,
    })
}

/// A label value, escaped for the text exposition format.
fn label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: Prometheus spells "no value" NaN.
fn num(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{}", v as i64)
            } else {
                format!("{v}")
            }
        }
        Some(v) if v.is_nan() => "NaN".into(),
        Some(v) if v > 0.0 => "+Inf".into(),
        Some(_) => "-Inf".into(),
        None => "NaN".into(),
    }
}

struct Exposition(String);

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], v: Option<f64>) {
        self.0.push_str(name);
        if !labels.is_empty() {
            let inner: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", label(v)))
                .collect();
            let _ = write!(self.0, "{{{}}}", inner.join(","));
        }
        let _ = writeln!(self.0, " {}", num(v));
    }

    fn one(&mut self, name: &str, kind: &str, help: &str, v: Option<f64>) {
        self.family(name, kind, help);
        self.sample(name, &[], v);
    }

    fn summary(&mut self, name: &str, help: &str, window: &Durations, sum: f64, count: u64) {
        self.family(name, "summary", help);
        self.sample(name, &[("quantile", "0.5")], window.p50);
        self.sample(name, &[("quantile", "0.95")], window.p95);
        self.sample(&format!("{name}_sum"), &[], Some(sum));
        self.sample(&format!("{name}_count"), &[], Some(count as f64));
    }

    fn breakdown(&mut self, name: &str, help: &str, key: &str, rows: &[Breakdown]) {
        self.family(name, "gauge", help);
        for b in rows {
            for (status, n) in [
                ("completed", b.completed),
                ("failed", b.failed),
                ("timeout", b.timeout),
                ("cancelled", b.cancelled),
            ] {
                self.sample(name, &[(key, &b.name), ("status", status)], Some(n as f64));
            }
        }
    }
}

/// The Prometheus text exposition (format 0.0.4) of `m`.
pub fn prometheus(m: &Metrics) -> String {
    let mut e = Exposition(String::with_capacity(4096));
    let t = &m.tasks;
    e.family("contenthub_tasks", "gauge", "Tasks in the store by status.");
    for (status, n) in [
        ("pending", t.pending),
        ("submitted", t.submitted),
        ("processing", t.processing),
        ("completed", t.completed),
        ("failed", t.failed),
        ("timeout", t.timeout),
        ("cancelled", t.cancelled),
    ] {
        e.sample("contenthub_tasks", &[("status", status)], Some(n as f64));
    }
    let tot = &m.totals;
    for (name, help, v) in [
        (
            "contenthub_tasks_submitted_total",
            "Tasks ever submitted.",
            tot.submitted,
        ),
        (
            "contenthub_tasks_completed_total",
            "Tasks ever completed.",
            tot.completed,
        ),
        (
            "contenthub_tasks_failed_total",
            "Tasks that ever failed.",
            tot.failed,
        ),
        (
            "contenthub_tasks_timeout_total",
            "Tasks that ever timed out.",
            tot.timeout,
        ),
        (
            "contenthub_tasks_cancelled_total",
            "Tasks ever cancelled.",
            tot.cancelled,
        ),
        (
            "contenthub_task_retries_total",
            "Automatic retries after transient errors.",
            tot.retries,
        ),
        (
            "contenthub_tasks_retried_total",
            "Tasks retried by an operator.",
            tot.retried_by_operator,
        ),
        (
            "contenthub_task_rate_limited_total",
            "Attempts snoozed by a generator's rate limit.",
            tot.rate_limited,
        ),
        (
            "contenthub_tasks_cleaned_total",
            "Finished tasks deleted by task cleanup.",
            tot.cleaned,
        ),
    ] {
        e.one(name, "counter", help, Some(v as f64));
    }
    e.family(
        "contenthub_tokens_total",
        "counter",
        "Generator tokens used.",
    );
    e.sample(
        "contenthub_tokens_total",
        &[("kind", "prompt")],
        Some(tot.prompt_tokens as f64),
    );
    e.sample(
        "contenthub_tokens_total",
        &[("kind", "completion")],
        Some(tot.completion_tokens as f64),
    );
    // The family is declared even before any priced model ran, so that every documented
    // name is always in the exposition.
    e.family(
        "contenthub_cost_total",
        "counter",
        "Cost of the tokens of priced models ([prices] in the config).",
    );
    for c in &tot.cost {
        e.sample(
            "contenthub_cost_total",
            &[("currency", &c.currency)],
            Some(c.amount),
        );
    }
    e.family(
        "contenthub_generator_requests_total",
        "counter",
        "Requests the daemon sent to generators, by profile and outcome (HTTP status, ok, error, rate_limited, refused).",
    );
    for r in &tot.generator_requests {
        e.sample(
            "contenthub_generator_requests_total",
            &[("generator", &r.generator), ("outcome", &r.outcome)],
            Some(r.count as f64),
        );
    }
    e.summary(
        "contenthub_generation_seconds",
        &format!(
            "First start to completion; quantiles over the last {}, sum and count since the store was created.",
            m.window.label
        ),
        &m.generation_seconds,
        tot.generation_seconds_sum,
        tot.generation_count,
    );
    e.summary(
        "contenthub_queue_wait_seconds",
        &format!(
            "Creation to first start; quantiles over the last {}, sum and count since the store was created.",
            m.window.label
        ),
        &m.queue_wait_seconds,
        tot.queue_wait_seconds_sum,
        tot.queue_wait_count,
    );
    e.one(
        "contenthub_in_flight",
        "gauge",
        "Tasks submitted or processing.",
        Some(m.in_flight as f64),
    );
    e.one(
        "contenthub_oldest_pending_age_seconds",
        "gauge",
        "How long the longest-waiting due pending task has waited since it fell due (0 when none).",
        Some(m.oldest_pending_age_seconds.unwrap_or(0.0)),
    );
    e.one(
        "contenthub_daemon_up",
        "gauge",
        "1 when a daemon holds the store and its heartbeat is fresh.",
        Some(if m.daemon.state == "running" {
            1.0
        } else {
            0.0
        }),
    );
    e.one(
        "contenthub_daemon_heartbeat_timestamp_seconds",
        "gauge",
        "When the daemon last wrote its heartbeat (Unix time; 0 when never).",
        Some(
            m.daemon
                .heartbeat_at
                .map(|t| t.0 as f64 / 1000.0)
                .unwrap_or(0.0),
        ),
    );
    // A daemon that holds the store (running or stale); a crashed one left its row behind.
    let holds = m.daemon.state != "stopped";
    e.one(
        "contenthub_daemon_start_time_seconds",
        "gauge",
        "When the daemon that holds the store started (Unix time; 0 when none does).",
        Some(
            m.daemon
                .started_at
                .filter(|_| holds)
                .map(|t| t.0 as f64 / 1000.0)
                .unwrap_or(0.0),
        ),
    );
    e.one(
        "contenthub_max_concurrent",
        "gauge",
        "How many tasks the daemon that holds the store generates at once ([daemon] max_concurrent; 0 when none does).",
        Some(
            m.daemon
                .max_concurrent
                .filter(|_| holds)
                .map(f64::from)
                .unwrap_or(0.0),
        ),
    );
    e.one(
        "contenthub_window_seconds",
        "gauge",
        "Length of the window of the contenthub_window_* figures.",
        Some(m.window.seconds as f64),
    );
    e.family(
        "contenthub_window_finished",
        "gauge",
        "Tasks that finished within the window, by outcome.",
    );
    for (status, n) in [
        ("completed", m.finished.completed),
        ("failed", m.finished.failed),
        ("timeout", m.finished.timeout),
        ("cancelled", m.finished.cancelled),
    ] {
        e.sample(
            "contenthub_window_finished",
            &[("status", status)],
            Some(n as f64),
        );
    }
    e.family(
        "contenthub_window_ratio",
        "gauge",
        "Outcome / (completed + failed + timeout) within the window (NaN when none finished).",
    );
    for (kind, v) in [
        ("success", m.rates.success),
        ("failure", m.rates.failure),
        ("timeout", m.rates.timeout),
    ] {
        e.sample("contenthub_window_ratio", &[("outcome", kind)], v);
    }
    e.one(
        "contenthub_window_completed_per_hour",
        "gauge",
        "Tasks completed per hour, averaged over the window.",
        Some(m.throughput_per_hour),
    );
    e.one(
        "contenthub_window_retries",
        "gauge",
        "Retries used by the tasks that finished within the window.",
        Some(m.retries as f64),
    );
    e.family(
        "contenthub_window_tokens",
        "gauge",
        "Tokens of content written within the window, by model.",
    );
    for u in &m.models {
        let model = u.model.as_deref().unwrap_or("");
        e.sample(
            "contenthub_window_tokens",
            &[("model", model), ("kind", "prompt")],
            Some(u.prompt_tokens as f64),
        );
        e.sample(
            "contenthub_window_tokens",
            &[("model", model), ("kind", "completion")],
            Some(u.completion_tokens as f64),
        );
    }
    e.breakdown(
        "contenthub_window_account_finished",
        "Tasks that finished within the window, by account and outcome.",
        "account",
        &m.accounts,
    );
    e.breakdown(
        "contenthub_window_generator_finished",
        "Tasks that finished within the window, by generator profile and outcome.",
        "generator",
        &m.generators,
    );
    budget_families(&mut e, &m.budgets);
    rate_families(&mut e, &m.rate_limits);
    e.0
}

/// Each budget's current period: cost and tokens spent, reserved and capped, the share used,
/// and the reservations it refused. The families are there without budgets too, empty.
fn budget_families(e: &mut Exposition, budgets: &[super::budgets::BudgetUse]) {
    e.family(
        "contenthub_budget_cost",
        "gauge",
        "Cost in the budget's current period: spent (settled from usage), reserved (requests in flight) and cap.",
    );
    for b in budgets {
        let currency = b.currency.as_deref().unwrap_or("");
        for (state, v) in [
            ("spent", Some(b.spent_cost)),
            ("reserved", Some(b.reserved_cost)),
            ("cap", b.max_cost),
        ] {
            if let Some(v) = v {
                e.sample(
                    "contenthub_budget_cost",
                    &[
                        ("budget", &b.budget),
                        ("period", &b.period),
                        ("currency", currency),
                        ("state", state),
                    ],
                    Some(v),
                );
            }
        }
    }
    e.family(
        "contenthub_budget_tokens",
        "gauge",
        "Tokens in the budget's current period: spent, reserved and cap.",
    );
    for b in budgets {
        for (state, v) in [
            ("spent", Some(b.spent_tokens as f64)),
            ("reserved", Some(b.reserved_tokens as f64)),
            ("cap", b.max_tokens.map(|t| t as f64)),
        ] {
            if let Some(v) = v {
                e.sample(
                    "contenthub_budget_tokens",
                    &[
                        ("budget", &b.budget),
                        ("period", &b.period),
                        ("state", state),
                    ],
                    Some(v),
                );
            }
        }
    }
    e.family(
        "contenthub_budget_used_ratio",
        "gauge",
        "Spent and reserved over the cap in the budget's current period (the larger of cost and tokens).",
    );
    for b in budgets {
        e.sample(
            "contenthub_budget_used_ratio",
            &[("budget", &b.budget), ("period", &b.period)],
            Some(b.used_ratio),
        );
    }
    e.family(
        "contenthub_budget_refusals",
        "gauge",
        "Times the budget stopped dispatch in its current period (it refused a reservation after the last one it admitted).",
    );
    for b in budgets {
        e.sample(
            "contenthub_budget_refusals",
            &[("budget", &b.budget), ("period", &b.period)],
            Some(b.refusals as f64),
        );
    }
}

/// The per-profile rate-limit gauges and the 429 counter.
fn rate_families(e: &mut Exposition, rows: &[RateLimitUse]) {
    if rows.is_empty() {
        return;
    }
    type Field = fn(&RateLimitUse) -> Option<f64>;
    let gauges: [(&str, &str, Field); 6] = [
        (
            "contenthub_rate_requests_used",
            "Requests in use of the profile's limit over its current rolling rate_window.",
            |r| r.requests_used.map(|v| v as f64),
        ),
        (
            "contenthub_rate_requests_limit",
            "Requests allowed per rate_window (a lower limit from the provider's headers, else rpm).",
            |r| r.requests_limit.map(|v| v as f64),
        ),
        (
            "contenthub_rate_tokens_used",
            "Tokens in use of the profile's limit over its current rolling rate_window.",
            |r| r.tokens_used.map(|v| v as f64),
        ),
        (
            "contenthub_rate_tokens_limit",
            "Tokens allowed per rate_window (a lower limit from the provider's headers, else tpm).",
            |r| r.tokens_limit.map(|v| v as f64),
        ),
        (
            "contenthub_rate_window_seconds",
            "The profile's rate_window.",
            |r| Some(r.window_seconds),
        ),
        (
            "contenthub_rate_waiting_tasks",
            "Due pending tasks held back while the profile waits for a rate limit.",
            |r| Some(r.waiting_tasks as f64),
        ),
    ];
    for (name, help, field) in gauges {
        let present: Vec<&RateLimitUse> = rows.iter().filter(|r| field(r).is_some()).collect();
        if present.is_empty() {
            continue;
        }
        e.family(name, "gauge", help);
        for r in present {
            e.sample(name, &[("generator", &r.profile)], field(r));
        }
    }
    e.family(
        "contenthub_rate_limited_replies_total",
        "counter",
        "Replies with HTTP 429 from the profile's service.",
    );
    for r in rows {
        e.sample(
            "contenthub_rate_limited_replies_total",
            &[("generator", &r.profile)],
            Some(r.rate_limited_replies as f64),
        );
    }
}

/// Writes `text` to `dir/contenthub.prom` atomically (a temporary file in the same directory,
/// synced, then renamed over it), creating `dir` if needed.
pub fn write_textfile(dir: &Path, text: &str) -> Result<std::path::PathBuf> {
    use std::io::Write;
    let io = |what: String| move |e: std::io::Error| crate::error::Error::io(what, e);
    std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    let target = dir.join("contenthub.prom");
    let tmp = dir.join(format!(".contenthub.prom.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(format!("cannot write {}", target.display()))(e));
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(label("技术博客"), "技术博客");
    }

    #[test]
    fn samples_spell_missing_values_nan() {
        assert_eq!(num(None), "NaN");
        assert_eq!(num(Some(3.0)), "3");
        assert_eq!(num(Some(0.25)), "0.25");
        assert_eq!(num(Some(f64::INFINITY)), "+Inf");
    }

    #[test]
    fn durations_summarise() {
        let d = Durations::of(vec![3.0, 1.0, 2.0, 4.0]);
        assert_eq!(d.count, 4);
        assert_eq!(d.avg, Some(2.5));
        assert_eq!(d.p50, Some(2.0));
        assert_eq!(d.p95, Some(4.0));
        assert_eq!(Durations::of(vec![]).avg, None);
    }
}
