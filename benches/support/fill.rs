//! The deterministic store filler shared by the benchmarks that need a large, realistic store
//! (`cli`, `monitor`).
//!
//! [`fill`] writes 6 accounts (via `store::accounts::insert`), then, in one transaction on a
//! connection of its own, N tasks spread over the `days` days before "now": each task as the
//! row `tasks::insert` followed by its `tasks::transition`s would leave (the transitions carry
//! the changes the daemon's `store::queue` and `tasks::cancel` pass), with its events as
//! `tasks::record_event` writes them. The newest [`Shape::active`] tasks are pending or in
//! flight; the others finished, unless they would finish after "now": those are left as they
//! are at "now". With [`Shape::contents`], every completed task also gets its article, the row
//! `contents::insert` writes in the daemon's result handling, and the task row points at it;
//! [`fill`] then also sets the counters the daemon keeps.
//!
//! [`verify_fast_path`] fills two small stores from the same generator, one this way and one
//! through the code the binary runs, and stops if their rows differ, so the fast path cannot
//! drift from what the code writes.
//!
//! The data is deterministic (a seeded xorshift generator) apart from its anchor in time.
// Each benchmark that includes this module uses part of it.
#![allow(dead_code)]

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use contenthub::domain::account::ReviewMode;
use contenthub::domain::content::{summarize, word_count};
use contenthub::domain::time::Millis;
use contenthub::domain::{Account, NewAccount, NewTask, Review, Status, TaskId};
use contenthub::review::similarity::Topic;
use contenthub::store::contents::NewContent;
use contenthub::store::queue::{self, Finish, Heartbeat};
use contenthub::store::tasks::{self, Changes};
use contenthub::store::{accounts, counters, Conn, Store};
use rusqlite::types::Value;
use rusqlite::{params, Connection, ToSql, TransactionBehavior};

pub const SEED: u64 = 0x9E37_79B9_7F4A_7C15;
pub const DAY_MS: i64 = 86_400_000;
/// The daemon's default lease and retry delays.
const LEASE_MS: i64 = 15_000;
const RETRY_DELAYS_MS: [i64; 3] = [30_000, 60_000, 120_000];
/// Lease owners (`host:pid:nonce`): the daemon restarts every week (see [`daemon_at`]).
const OWNERS: &[&str] = &[
    "cms-worker-01:41873:9c1e",
    "cms-worker-01:2291:04ab",
    "cms-worker-01:77310:e5d2",
    "cms-worker-01:913:5f70",
    "cms-worker-01:15524:a3c9",
    "cms-worker-01:30088:71b4",
    "cms-worker-01:64012:dd08",
    "cms-worker-01:1187:3e6a",
    "cms-worker-01:52905:c411",
];
const TASK_ID_MAX: u64 = (1 << 48) - 1;

/// What to fill.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub tasks: usize,
    /// The tasks are created over the `days` days before "now" (the newest about 10 minutes
    /// before it).
    pub days: i64,
    /// How many of the newest tasks have not finished: 5 in flight, the rest pending (at least
    /// 10). Older tasks finish, unless "now" catches them still running or waiting to retry.
    pub active: usize,
    /// Whether every completed task gets its article: a `contents` row written by
    /// `contents::insert`, as the daemon's result handling writes it, with the task's
    /// `content_id` and completion event naming it. Without it `content_id` stays NULL.
    pub contents: bool,
}

/// The daemon's heartbeat as of `now`, as `engine::run` writes it (`queue::beat`): the daemon
/// of the last week, holding the tasks in flight, with a `max_concurrent` of 128 (a million
/// tasks in 30 days that generate for minutes each keep about a hundred in flight).
pub fn beat(store: &mut Store, (owner, started_at): (&str, Millis), now: Millis) {
    store
        .write(|tx| {
            let in_flight = tasks::status_counts(tx, None)?
                .into_iter()
                .filter(|(s, _)| matches!(s, Status::Submitted | Status::Processing))
                .map(|(_, n)| n as u32)
                .sum();
            let mut parts = owner.split(':');
            let host = parts.next().unwrap_or_default().to_string();
            let pid = parts.next().and_then(|p| p.parse().ok()).unwrap_or(1);
            queue::beat(
                tx,
                &Heartbeat {
                    id: owner.to_string(),
                    pid,
                    host,
                    version: env!("CARGO_PKG_VERSION").to_string(),
                    started_at,
                    last_beat_at: now,
                    stopped_at: None,
                    in_flight,
                    max_concurrent: in_flight.max(128),
                    scheduler: true,
                    listen: None,
                },
            )
        })
        .expect("write the heartbeat");
}

/// The daemon that ran at `at` in data that starts at `start`: it restarts every week. Returns
/// its lease owner id (`host:pid:nonce`) and when it started.
pub fn daemon_at(start: Millis, at: Millis) -> (&'static str, Millis) {
    let week = (at - start).max(0) / (7 * DAY_MS);
    (
        OWNERS[week as usize % OWNERS.len()],
        start + week * 7 * DAY_MS,
    )
}

// ---------------------------------------------------------------------------------------------
// Deterministic data.

/// xorshift64*: small, fast, and good enough to spread test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() >> 32) * n) >> 32
    }

    /// Uniform in `lo..hi` milliseconds.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo) as u64) as i64
    }

    /// True `per_10k` times in 10,000.
    fn chance(&mut self, per_10k: u64) -> bool {
        self.below(10_000) < per_10k
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index into `weights`, chosen in proportion to them.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let mut r = self.below(weights.iter().sum());
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }

    fn hex(&mut self, digits: usize) -> String {
        let v = self.next();
        format!("{:016x}", v)[..digits].to_string()
    }
}

struct AccountSpec {
    name: &'static str,
    weight: u64,
    english: bool,
    account: NewAccount,
}

fn account_specs() -> Vec<AccountSpec> {
    #[allow(clippy::too_many_arguments)]
    fn acc(
        name: &'static str,
        weight: u64,
        display: &str,
        platform: &str,
        language: &str,
        tone: Option<&str>,
        category: Option<&str>,
        auto_approve: bool,
    ) -> AccountSpec {
        AccountSpec {
            name,
            weight,
            english: language.starts_with("en"),
            account: NewAccount {
                name: name.into(),
                display_name: Some(display.into()),
                platform: platform.into(),
                language: language.into(),
                tone: tone.map(Into::into),
                category: category.map(Into::into),
                persona: Some(format!("{display} 的编辑，写作简洁、有条理、重事实。")),
                min_words: Some(800),
                max_words: Some(2000),
                forbidden_words: vec!["最好".into(), "第一".into(), "绝对".into()],
                review: ReviewMode::from_auto_approve(auto_approve),
                review_rules: Default::default(),
            },
        }
    }
    vec![
        acc(
            "tech-blog",
            35,
            "技术博客",
            "wechat",
            "zh-CN",
            Some("专业"),
            Some("技术"),
            true,
        ),
        acc(
            "daily-news",
            25,
            "每日资讯",
            "wechat",
            "zh-CN",
            Some("客观"),
            Some("资讯"),
            true,
        ),
        acc(
            "finance-weekly",
            12,
            "财经周刊",
            "wechat",
            "zh-CN",
            Some("严谨"),
            Some("财经"),
            false,
        ),
        acc(
            "travel-notes",
            10,
            "旅行笔记",
            "blog",
            "zh-TW",
            Some("轻松"),
            None,
            true,
        ),
        acc(
            "eng-blog",
            12,
            "Engineering Blog",
            "blog",
            "en-US",
            Some("friendly"),
            Some("engineering"),
            true,
        ),
        acc(
            "product-updates",
            6,
            "Product Updates",
            "newsletter",
            "en",
            None,
            None,
            false,
        ),
    ]
}

const ZH_SUBJECTS: &[&str] = &[
    "Rust",
    "Kubernetes",
    "大模型",
    "向量数据库",
    "Python",
    "微服务",
    "边缘计算",
    "SQLite",
    "WebAssembly",
    "量子计算",
    "新能源汽车",
    "跨境电商",
    "数字人民币",
    "低空经济",
    "云原生",
    "半导体",
    "短视频营销",
    "私域流量",
    "AI 绘画",
    "智能家居",
];
const ZH_ANGLES: &[&str] = &[
    "入门指南",
    "最佳实践",
    "在生产环境中的踩坑记录",
    "性能优化实战",
    "2026 年发展趋势",
    "原理深度解析",
    "与传统方案的对比",
    "十个常见误区",
    "从零到一的落地经验",
    "行业观察",
];
const EN_SUBJECTS: &[&str] = &[
    "Rust async",
    "Postgres indexes",
    "SQLite in production",
    "LLM evaluation",
    "edge caching",
    "observability",
    "feature flags",
    "zero-downtime deploys",
    "WebAssembly",
    "release notes",
];
const EN_ANGLES: &[&str] = &[
    "a practical guide",
    "lessons learned",
    "what changed in 2026",
    "common pitfalls",
    "a deep dive",
    "benchmarks and trade-offs",
    "for beginners",
    "a checklist",
];
const KEYWORDS: &[&str] = &[
    "rust",
    "tokio",
    "async",
    "性能",
    "数据库",
    "索引",
    "大模型",
    "AI",
    "云计算",
    "安全",
    "运维",
    "kubernetes",
    "docker",
    "python",
    "教程",
    "实战",
    "趋势",
    "投资",
    "理财",
    "旅行",
    "攻略",
    "美食",
    "sqlite",
    "postgres",
    "observability",
    "latency",
    "产品",
    "发布",
    "增长",
    "营销",
];
const REQUIREMENTS: &[&str] = &[
    "面向初学者，包含可运行的代码示例，字数 1500 字左右。",
    "结构：背景、核心观点、案例、总结；每节配一个小标题。",
    "引用至少两个公开数据来源，并在文末列出。",
    "Keep it under 1,200 words, include one diagram description and a short FAQ.",
    "语气克制，避免营销化表达；结尾给出三条可执行建议。",
];
const CATEGORIES: &[&str] = &["技术", "资讯", "教程", "观点", "评测", "engineering"];
const TONES: &[&str] = &["幽默", "正式", "轻松", "formal", "casual"];
const TRANSIENT: &[&str] = &[
    "HTTP 503 Service Unavailable from https://cc.internal.example/api/tasks",
    "cannot connect to https://cc.internal.example: operation timed out",
    "malformed reply: expected value at line 1 column 1",
    "HTTP 502 Bad Gateway from https://api.deepseek.com/chat/completions",
];
const STEPS: &[&str] = &["outline", "drafting", "polishing", "images", "finalizing"];
const PERMANENT: &[&str] = &[
    "HTTP 400 Bad Request: content rejected by the provider's policy",
    "HTTP 403 Forbidden: quota exhausted",
    "the generator returned empty content",
];

/// How a task's life went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Life {
    Completed { retries: u32 },
    FailedPermanent,
    FailedExhausted,
    Timeout,
    CancelledPending,
    CancelledProcessing,
    Pending,
    PendingSnoozed,
    InFlightSubmitted,
    InFlightProcessing,
}

/// One status change, exactly as it is passed to `tasks::transition`.
struct Step {
    at: Millis,
    to: Status,
    changes: Changes,
    message: String,
}

/// One task: what `task submit` validated, and what happened to it afterwards.
struct TaskSpec {
    id: i64,
    account: usize,
    created_at: Millis,
    task: NewTask,
    steps: Vec<Step>,
    /// What a completed task produced, when the store holds contents.
    article: Option<Article>,
}

/// Generates the tasks in creation order. Tasks span the `days` days before `now`; the newest
/// 1 % are still active (a backlog of pending tasks, a few in flight), the rest finished:
/// about 95 % completed (5 % of those after a transient retry), 1.5 % failed, 0.8 % timed out,
/// 0.7 % cancelled.
struct Generator {
    rng: Rng,
    n: usize,
    i: usize,
    now: Millis,
    start: Millis,
    span: i64,
    last_created: Millis,
    active_from: usize,
    ids: HashSet<i64>,
    specs: Vec<AccountSpec>,
    weights: Vec<u64>,
    /// `Some` when completed tasks get their articles.
    articles: Option<Articles>,
}

impl Generator {
    fn new(shape: &Shape, now: Millis, seed: u64) -> Generator {
        let n = shape.tasks;
        let start = now - shape.days * DAY_MS;
        let span = shape.days * DAY_MS - 10 * 60_000;
        let specs = account_specs();
        let weights = specs.iter().map(|s| s.weight).collect();
        Generator {
            rng: Rng::new(seed),
            n,
            i: 0,
            now,
            start,
            span,
            last_created: start,
            active_from: n - shape.active.clamp(10, n),
            ids: HashSet::with_capacity(n),
            specs,
            weights,
            articles: shape.contents.then(|| Articles::new(seed)),
        }
    }

    fn topic(&mut self, english: bool) -> String {
        let r = &mut self.rng;
        let mut t = if english {
            let s = r.pick(EN_SUBJECTS);
            let a = r.pick(EN_ANGLES);
            format!("{}{}: {a}", s[..1].to_uppercase(), &s[1..])
        } else {
            format!("{}{}", r.pick(ZH_SUBJECTS), r.pick(ZH_ANGLES))
        };
        match r.below(10) {
            0 | 1 => t.push_str(&format!("（第 {} 期）", 1 + r.below(300))),
            2 => t.push_str(&format!(" #{}", 1 + r.below(5000))),
            _ => {}
        }
        t
    }

    fn life(&mut self) -> Life {
        let r = &mut self.rng;
        if self.i >= self.active_from {
            return match self.i - self.active_from {
                0..=1 => Life::InFlightSubmitted,
                2..=4 => Life::InFlightProcessing,
                _ if r.chance(300) => Life::PendingSnoozed,
                _ => Life::Pending,
            };
        }
        match r.below(10_000) {
            0..=34 => Life::CancelledPending,
            35..=69 => Life::CancelledProcessing,
            70..=149 => Life::Timeout,
            150..=239 => Life::FailedPermanent,
            240..=299 => Life::FailedExhausted,
            300..=349 => Life::Completed { retries: 2 },
            350..=849 => Life::Completed { retries: 1 },
            _ => Life::Completed { retries: 0 },
        }
    }

    fn next_task(&mut self) -> TaskSpec {
        let id = loop {
            let v = (self.rng.next() & TASK_ID_MAX) as i64;
            if self.ids.insert(v) {
                break v;
            }
        };
        let account = self.rng.weighted(&self.weights);
        let english = self.specs[account].english;
        let slot = self.span / self.n as i64;
        let created_at = if self.i > 0 && self.rng.chance(2500) {
            // A bulk file or a scheduler run: many tasks in the same few milliseconds.
            self.last_created + self.rng.below(3) as i64
        } else {
            (self.start
                + self.i as i64 * self.span / self.n as i64
                + self.rng.below(slot.max(1) as u64) as i64)
                .max(self.last_created)
        };
        self.last_created = created_at;

        let topic = self.topic(english);
        let r = &mut self.rng;
        let keywords: Vec<String> = {
            let k = r.weighted(&[20, 10, 25, 25, 12, 8]);
            let mut v: Vec<String> = Vec::new();
            while v.len() < k {
                let w = r.pick(KEYWORDS).to_string();
                if !v.contains(&w) {
                    v.push(w);
                }
            }
            v
        };
        let priority =
            [5u8, 1, 2, 3, 4, 6, 7, 8, 9, 10][r.weighted(&[55, 1, 2, 6, 6, 8, 8, 8, 4, 2])];
        let max_retries = [3u32, 5, 0][r.weighted(&[90, 5, 5])];
        let timeout_s = [1800u64, 3600, 600][r.weighted(&[85, 10, 5])];
        let idempotency_key = r.chance(1500).then(|| {
            format!(
                "sched-{}-{}-{}",
                self.specs[account].name,
                created_at / DAY_MS,
                self.i
            )
        });
        let task = NewTask {
            account: self.specs[account].name.to_string(),
            topic,
            keywords,
            category: r.chance(2000).then(|| r.pick(CATEGORIES).to_string()),
            requirements: r.chance(2500).then(|| r.pick(REQUIREMENTS).to_string()),
            tone: r.chance(1000).then(|| r.pick(TONES).to_string()),
            priority,
            review: match r.below(20) {
                0 => Some(ReviewMode::Auto),
                1 => Some(ReviewMode::Manual),
                _ => None,
            },
            max_retries,
            timeout: Duration::from_secs(timeout_s),
            callback_url: r.chance(1000).then(|| {
                format!(
                    "https://hooks.example.com/contenthub/{}",
                    self.specs[account].name
                )
            }),
            generator: [None, Some("template"), Some("deepseek")][r.weighted(&[80, 10, 10])]
                .map(String::from),
            idempotency_key,
        };
        let life = self.life();
        let mut steps = self.steps(life, &task, created_at);
        // The store as of `now`: a task that would finish later is still running, or waiting
        // to retry. The active tail is built around `now` already and keeps its steps.
        if !matches!(
            life,
            Life::Pending
                | Life::PendingSnoozed
                | Life::InFlightSubmitted
                | Life::InFlightProcessing
        ) {
            if let Some(cut) = steps.iter().position(|s| s.at > self.now) {
                steps.truncate(cut);
            }
        }
        let mut article = None;
        if let Some(done) = steps.last_mut().filter(|s| s.to == Status::Completed) {
            if let Some(articles) = &mut self.articles {
                let a = articles.write(&task, &self.specs[account]);
                // What `queue::finish` records.
                done.changes.content_id = Some(Some(a.id));
                done.message = format!(
                    "content {} stored ({} words, {})",
                    a.id,
                    a.word_count,
                    a.review.as_str()
                );
                article = Some(a);
            }
        }
        self.i += 1;
        TaskSpec {
            id,
            account,
            created_at,
            task,
            steps,
            article,
        }
    }

    /// The transitions of a task's life, with the changes the daemon's result handling
    /// (`store::queue`: claim, set_remote, finish) and `tasks::cancel` pass to
    /// `tasks::transition`. The daemon's non-transition writes (`started_at` at the first
    /// claim, progress reports) are folded into the nearest transition: the final row is the
    /// same. Completed tasks keep `content_id` NULL, and their event names an approximate
    /// content id, unless [`Generator::next_task`] gives them an article.
    fn steps(&mut self, life: Life, task: &NewTask, created: Millis) -> Vec<Step> {
        let (owner, _) = daemon_at(self.start, created);
        let r = &mut self.rng;
        let deadline = created + task.timeout.as_secs() as i64 * 1000;
        // The default profile talks to a remote job service most of the time; `template` and
        // `deepseek` (OpenAI-compatible) answer in the request.
        let remote = task.generator.is_none() && r.chance(7000);
        let mut steps: Vec<Step> = Vec::new();
        let mut t = created;
        let mut retry_count = 0u32;
        let mut first_claim = true;
        let content_base = self.i as i64 * 95 / 100 + 1;

        let cleared = || Changes {
            lease_owner: Some(None),
            lease_expires_at: Some(None),
            ..Changes::default()
        };
        // `queue::claim`: pending -> submitted under a lease.
        let mut claim = |steps: &mut Vec<Step>, at: Millis| {
            steps.push(Step {
                at,
                to: Status::Submitted,
                changes: Changes {
                    lease_owner: Some(Some(owner.into())),
                    lease_expires_at: Some(Some(at + LEASE_MS)),
                    submitted_at: Some(Some(at)),
                    started_at: first_claim.then_some(Some(at)),
                    ..Changes::default()
                },
                message: format!("claimed by {owner}"),
            });
            first_claim = false;
        };
        // One attempt up to where it ends: claimed, and for a remote job `queue::set_remote`
        // (submitted -> processing) with the last progress report. Returns when it ends.
        let mut attempt =
            |r: &mut Rng, steps: &mut Vec<Step>, from: Millis, long: bool| -> Millis {
                let claimed = from + r.between(20, 90_000);
                claim(steps, claimed);
                let mut at = claimed + r.between(300, 4_000);
                if remote {
                    let job = format!(
                        "{}-{}-{}-{}-{}",
                        r.hex(8),
                        r.hex(4),
                        r.hex(4),
                        r.hex(4),
                        r.hex(12)
                    );
                    steps.push(Step {
                        at,
                        to: Status::Processing,
                        changes: Changes {
                            remote_job_id: Some(Some(job.clone())),
                            progress: Some(Some([40u8, 60, 80, 95][r.below(4) as usize])),
                            current_step: Some(Some(r.pick(STEPS).to_string())),
                            ..Changes::default()
                        },
                        message: format!("remote job {job} started"),
                    });
                    at += r.between(5_000, 20_000);
                }
                at + if long {
                    r.between(20_000, 480_000)
                } else {
                    r.between(1_000, 60_000)
                }
            };
        // `queue::finish(Retry)` for a transient error with retries left.
        let retry = |r: &mut Rng, at: Millis, retry_count: u32, max: u32| -> Step {
            let delay = RETRY_DELAYS_MS[(retry_count as usize).min(RETRY_DELAYS_MS.len() - 1)];
            let delay = delay * (80 + r.below(41) as i64) / 100;
            let err = r.pick(TRANSIENT);
            let mut c = cleared();
            c.next_attempt_at = Some(at + delay);
            c.remote_job_id = Some(None);
            c.progress = Some(None);
            c.current_step = Some(None);
            c.error_kind = Some(Some("transient".into()));
            c.error_message = Some(Some(err.to_string()));
            c.retry_count = Some(retry_count + 1);
            Step {
                at,
                to: Status::Pending,
                changes: c,
                message: format!(
                    "transient error, retry {} of {max} in {}s: {err}",
                    retry_count + 1,
                    delay / 1000
                ),
            }
        };
        let failed = |at: Millis, kind: &str, message: String| -> Step {
            let mut c = cleared();
            c.completed_at = Some(Some(at));
            c.error_kind = Some(Some(kind.into()));
            c.error_message = Some(Some(message.clone()));
            Step {
                at,
                to: Status::Failed,
                changes: c,
                message: format!("{kind} error: {message}"),
            }
        };

        match life {
            Life::Completed { retries } => {
                for _ in 0..retries.min(task.max_retries) {
                    let at = attempt(r, &mut steps, t, false);
                    let step = retry(r, at, retry_count, task.max_retries);
                    retry_count += 1;
                    t = step.changes.next_attempt_at.unwrap_or(at);
                    steps.push(step);
                }
                let at = attempt(r, &mut steps, t, true);
                let mut c = cleared();
                c.completed_at = Some(Some(at));
                c.progress = Some(Some(100));
                c.error_kind = Some(None);
                c.error_message = Some(None);
                let words = 600 + r.below(2400);
                let review = if task.review == Some(ReviewMode::Manual) {
                    "pending"
                } else {
                    "approved"
                };
                steps.push(Step {
                    at,
                    to: Status::Completed,
                    changes: c,
                    message: format!("content {content_base} stored ({words} words, {review})"),
                });
            }
            Life::FailedPermanent => {
                let at = attempt(r, &mut steps, t, false);
                steps.push(failed(at, "permanent", r.pick(PERMANENT).to_string()));
            }
            Life::FailedExhausted => {
                for _ in 0..task.max_retries {
                    let at = attempt(r, &mut steps, t, false);
                    let step = retry(r, at, retry_count, task.max_retries);
                    retry_count += 1;
                    t = step.changes.next_attempt_at.unwrap_or(at);
                    steps.push(step);
                }
                let at = attempt(r, &mut steps, t, false);
                let msg = format!(
                    "{} (gave up after {} retries)",
                    r.pick(TRANSIENT),
                    task.max_retries
                );
                steps.push(failed(at, "transient", msg));
            }
            Life::Timeout => {
                let at = attempt(r, &mut steps, t, false).max(deadline);
                let msg = format!(
                    "deadline of {}s passed while generating",
                    task.timeout.as_secs()
                );
                let mut c = cleared();
                c.completed_at = Some(Some(at));
                c.error_kind = Some(Some("timeout".into()));
                c.error_message = Some(Some(msg.clone()));
                steps.push(Step {
                    at,
                    to: Status::Timeout,
                    changes: c,
                    message: msg,
                });
            }
            Life::CancelledPending | Life::CancelledProcessing => {
                let at = if life == Life::CancelledProcessing {
                    attempt(r, &mut steps, t, false)
                } else {
                    t + r.between(1_000, 120_000)
                };
                // Exactly what `tasks::cancel` passes.
                steps.push(Step {
                    at,
                    to: Status::Cancelled,
                    changes: Changes {
                        lease_owner: Some(None),
                        lease_expires_at: Some(None),
                        completed_at: Some(Some(at)),
                        ..Changes::default()
                    },
                    message: "cancelled by operator".into(),
                });
            }
            Life::Pending => {}
            Life::PendingSnoozed => {
                // Waiting out the back-off after a transient error (only with retries left).
                if task.max_retries > 0 {
                    let at = attempt(r, &mut steps, t, false);
                    let step = retry(r, at, 0, task.max_retries);
                    steps.push(step);
                }
            }
            Life::InFlightSubmitted | Life::InFlightProcessing => {
                // Claimed by the running daemon a moment ago.
                let from = self.now - 90_000;
                attempt(r, &mut steps, from, false);
                if life == Life::InFlightSubmitted {
                    steps.truncate(1);
                }
            }
        }
        steps
    }
}

// ---------------------------------------------------------------------------------------------
// Articles: what the daemon stores for a completed task.

/// Models per generator profile: `template` is the built-in generator, `deepseek` an
/// OpenAI-compatible profile, and `default` (tasks that name none) a remote job service that
/// reports whichever model it used.
const DEFAULT_MODELS: &[(&str, u64)] = &[
    ("qwen-plus", 55),
    ("deepseek-chat", 25),
    ("qwen-max", 12),
    ("glm-4-plus", 8),
];
const ZH_SENTENCES: &[&str] = &[
    "{}在过去一年里发展迅速，越来越多的团队开始在生产环境中使用它。",
    "从架构上看，{}的核心思想是把复杂度留在边界之内，让调用方只关心接口。",
    "很多人第一次接触{}时会觉得门槛很高，但理解了几个基本概念之后，其余内容就顺理成章了。",
    "在实际项目中，我们用 {} 重写了一个关键模块，P99 延迟从 120 ms 降到了 35 ms。",
    "需要注意的是，{}并不是银弹：它解决了一部分问题，也带来了新的运维成本。",
    "社区里关于{}的讨论一直很热烈，GitHub 上相关仓库的 star 数持续增长。",
    "如果团队规模不大，可以先从一个小的试点开始，逐步积累关于{}的经验。",
    "下面用一个简单的例子说明{}的典型用法，代码可以直接复制运行。",
    "据公开数据显示，超过 60% 的受访企业计划在未来两年内加大对{}的投入。",
    "和传统方案相比，{}在可观测性（observability）和成本控制上都有明显优势。",
    "上线之前，务必为{}准备好监控、告警和回滚方案，并在 staging 环境完整演练一遍。",
    "总的来说，{}值得关注，但落地之前一定要结合自身业务做充分评估。",
];
const EN_SENTENCES: &[&str] = &[
    "{} has matured quickly over the last year, and more teams now run it in production.",
    "The core idea behind {} is to keep complexity behind a small, stable interface.",
    "In our own migration, moving the hot path to {} cut p99 latency from 120 ms to 35 ms.",
    "{} is not a silver bullet: it solves some problems and brings new operational costs.",
    "Start with a small pilot, measure carefully, and only then roll {} out more widely.",
    "The example below shows a typical use of {}; you can copy it and run it as is.",
    "Survey data suggests that over 60% of companies plan to invest more in {} within two years.",
    "Compared with the usual approach, {} is easier to observe and cheaper to run.",
    "Before going live, give {} dashboards, alerts and a rollback plan, and rehearse them.",
    "Overall, {} deserves attention, but evaluate it against your own workload first.",
];
const ZH_HEADINGS: &[&str] = &[
    "背景",
    "核心概念",
    "实践案例",
    "常见问题",
    "性能与成本",
    "小结",
];
const EN_HEADINGS: &[&str] = &[
    "Background",
    "Key ideas",
    "A worked example",
    "Common pitfalls",
    "Cost and performance",
    "Wrap-up",
];

/// A completed task's article: what `worker::completion` makes of a generator's output (the
/// title from the first heading, the summary and word count from the body).
struct Article {
    /// Its `contents` id: articles are written in task order, ids count from 1.
    id: i64,
    title: String,
    body: String,
    summary: Option<String>,
    word_count: u32,
    /// The generator profile.
    generator: String,
    model: Option<String>,
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
    review: Review,
}

impl Article {
    /// The content `queue::finish` is handed for this article.
    fn content(&self, task_id: TaskId, task: &NewTask, account: &Account) -> NewContent {
        NewContent {
            task_id,
            account_id: account.id,
            topic: task.topic.clone(),
            keywords: task.keywords.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            html: None,
            summary: self.summary.clone(),
            cover_image: None,
            images: Vec::new(),
            word_count: self.word_count,
            quality_score: None,
            generator: self.generator.clone(),
            model: self.model.clone(),
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            review_status: self.review,
            review_reason: None,
            review_record: None,
        }
    }
}

/// Writes articles from a random stream of their own, so that turning them on leaves every
/// task exactly as it is without them.
struct Articles {
    rng: Rng,
    next_id: i64,
}

impl Articles {
    fn new(seed: u64) -> Articles {
        Articles {
            rng: Rng::new(seed ^ 0xA5A5_5A5A_C3C3_3C3C),
            next_id: 1,
        }
    }

    /// A Markdown article of 1–3 KB about `task.topic`, in the account's language (Chinese
    /// text with English terms, or English).
    fn write(&mut self, task: &NewTask, account: &AccountSpec) -> Article {
        let r = &mut self.rng;
        let english = account.english;
        let (subjects, sentences, headings) = if english {
            (EN_SUBJECTS, EN_SENTENCES, EN_HEADINGS)
        } else {
            (ZH_SUBJECTS, ZH_SENTENCES, ZH_HEADINGS)
        };
        let generator = task.generator.as_deref().unwrap_or("default").to_string();
        let model = match generator.as_str() {
            "template" => "template",
            "deepseek" => "deepseek-chat",
            _ => {
                let weights: Vec<u64> = DEFAULT_MODELS.iter().map(|(_, w)| *w).collect();
                DEFAULT_MODELS[r.weighted(&weights)].0
            }
        };
        let title = match r.below(3) {
            0 if english => format!("{}: a practical guide", task.topic),
            0 => format!("{}：一份实用指南", task.topic),
            _ => task.topic.clone(),
        };

        let target = r.between(1_000, 3_000) as usize;
        let mut body = format!("# {title}\n\n");
        body.push_str(&if english {
            format!(
                "This article looks at {} from a practitioner's point of view.",
                task.topic
            )
        } else {
            format!("本文围绕「{}」展开，从实践者的角度梳理要点。", task.topic)
        });
        body.push_str("\n\n");
        let mut section = 0;
        while body.len() < target {
            body.push_str(&format!("## {}\n\n", headings[section % headings.len()]));
            section += 1;
            for k in 0..3 + r.below(3) {
                if k > 0 && english {
                    body.push(' ');
                }
                let sentence = *r.pick(sentences);
                let subject = *r.pick(subjects);
                body.push_str(&sentence.replace("{}", subject));
            }
            body.push_str("\n\n");
        }
        let words = word_count(&body);
        let review = if task.review.unwrap_or(account.account.review) == ReviewMode::Auto {
            Review::Approved
        } else {
            Review::Pending
        };
        // The built-in template reports no usage.
        let (prompt_tokens, completion_tokens) = if generator == "template" {
            (None, None)
        } else {
            let prompt = 180 + r.below(420) as u32 + task.topic.chars().count() as u32;
            (Some(prompt), Some(words * (70 + r.below(60) as u32) / 100))
        };
        let id = self.next_id;
        self.next_id += 1;
        Article {
            id,
            summary: summarize(&body, 120),
            title,
            body,
            word_count: words,
            generator,
            model: Some(model.to_string()),
            prompt_tokens,
            completion_tokens,
            review,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The fast path: the row `tasks::insert` + `tasks::transition` would leave, inserted once.

/// A `tasks` row in the column order of the insert below.
#[derive(Debug, Clone)]
struct Row {
    id: i64,
    account_id: i64,
    topic: String,
    keywords: Option<String>,
    category: Option<String>,
    requirements: Option<String>,
    tone: Option<String>,
    priority: u8,
    auto_approve: bool,
    review: &'static str,
    max_retries: u32,
    retry_count: u32,
    timeout_s: i64,
    deadline_at: Millis,
    callback_url: Option<String>,
    generator: Option<String>,
    idempotency_key: Option<String>,
    status: Status,
    remote_job_id: Option<String>,
    progress: Option<i64>,
    current_step: Option<String>,
    lease_owner: Option<String>,
    lease_expires_at: Option<Millis>,
    next_attempt_at: Millis,
    error_kind: Option<String>,
    error_message: Option<String>,
    content_id: Option<i64>,
    /// Idempotency keys taken (always 0 here; see `apply`).
    remote_attempts: i64,
    created_at: Millis,
    submitted_at: Option<Millis>,
    started_at: Option<Millis>,
    completed_at: Option<Millis>,
    updated_at: Millis,
}

impl Row {
    /// What `tasks::insert` writes for `task` submitted at `now` (defaults from the account).
    fn inserted(id: i64, task: &NewTask, account: &Account, now: Millis) -> Row {
        let timeout_s = task.timeout.as_secs() as i64;
        Row {
            id,
            account_id: account.id,
            topic: task.topic.clone(),
            keywords: (!task.keywords.is_empty())
                .then(|| serde_json::to_string(&task.keywords).expect("keywords as JSON")),
            category: task.category.clone().or_else(|| account.category.clone()),
            requirements: task.requirements.clone(),
            tone: task.tone.clone().or_else(|| account.tone.clone()),
            priority: task.priority,
            auto_approve: task.review.unwrap_or(account.review) == ReviewMode::Auto,
            review: task.review.unwrap_or(account.review).as_str(),
            max_retries: task.max_retries,
            retry_count: 0,
            timeout_s,
            deadline_at: now + timeout_s * 1000,
            callback_url: task.callback_url.clone(),
            generator: task.generator.clone(),
            idempotency_key: task.idempotency_key.clone(),
            status: Status::Pending,
            remote_job_id: None,
            progress: None,
            current_step: None,
            lease_owner: None,
            lease_expires_at: None,
            next_attempt_at: now,
            error_kind: None,
            error_message: None,
            content_id: None,
            remote_attempts: 0,
            created_at: now,
            submitted_at: None,
            started_at: None,
            completed_at: None,
            updated_at: now,
        }
    }

    /// What `tasks::transition` does to the row (the guarded UPDATE).
    fn apply(&mut self, s: &Step) {
        assert!(self.status.can_become(s.to), "{} -> {}", self.status, s.to);
        let c = &s.changes;
        self.status = s.to;
        self.updated_at = s.at;
        if let Some(v) = c.retry_count {
            self.retry_count = v;
        }
        if let Some(v) = c.next_attempt_at {
            self.next_attempt_at = v;
        }
        if let Some(v) = c.deadline_at {
            self.deadline_at = v;
        }
        if let Some(v) = &c.lease_owner {
            self.lease_owner = v.clone();
        }
        if let Some(v) = c.lease_expires_at {
            self.lease_expires_at = v;
        }
        if let Some(v) = &c.remote_job_id {
            // `remote_attempts` counts the idempotency keys the daemon takes before a submit
            // (`queue::take_submit_key`, schema 4), which the fill does not model: a filled
            // task has taken none, as with `tasks::transition` alone.
            self.remote_job_id = v.clone();
        }
        if let Some(v) = c.progress {
            self.progress = v.map(i64::from);
        }
        if let Some(v) = &c.current_step {
            self.current_step = v.clone();
        }
        if let Some(v) = &c.error_kind {
            self.error_kind = v.clone();
        }
        if let Some(v) = &c.error_message {
            self.error_message = v.clone();
        }
        if let Some(v) = c.content_id {
            self.content_id = v;
        }
        if let Some(v) = c.submitted_at {
            self.submitted_at = v;
        }
        if let Some(v) = c.started_at {
            self.started_at = v;
        }
        if let Some(v) = c.completed_at {
            self.completed_at = v;
        }
    }
}

/// The INSERT of a final row. Columns that only a trigger writes are included when the
/// schema has them.
struct RowInsert {
    sql: String,
    remote_attempts: bool,
    review: bool,
    /// Whether the schema has `topic_tokens`, which `tasks::insert` writes each task's topic
    /// prefix tokens to.
    topic_tokens: bool,
}

impl RowInsert {
    fn for_schema(conn: &Connection) -> RowInsert {
        let remote_attempts: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM pragma_table_info('tasks') WHERE name = 'remote_attempts'",
                [],
                |r| r.get(0),
            )
            .expect("read the tasks columns");
        let mut cols = String::from(
            "id, account_id, topic, keywords, category, requirements, tone, priority, auto_approve,
             max_retries, retry_count, timeout_s, deadline_at, callback_url, generator,
             idempotency_key, status, remote_job_id, progress, current_step, lease_owner,
             lease_expires_at, next_attempt_at, error_kind, error_message, content_id, created_at,
             submitted_at, started_at, completed_at, updated_at",
        );
        let mut n = 31;
        if remote_attempts {
            cols.push_str(", remote_attempts");
            n += 1;
        }
        let review: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM pragma_table_info('tasks') WHERE name = 'review'",
                [],
                |r| r.get(0),
            )
            .expect("read the tasks columns");
        if review {
            cols.push_str(", review");
            n += 1;
        }
        let topic_tokens: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'topic_tokens'",
                [],
                |r| r.get(0),
            )
            .expect("read the tables");
        let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
        RowInsert {
            sql: format!("INSERT INTO tasks({cols}) VALUES ({})", marks.join(", ")),
            remote_attempts,
            review,
            topic_tokens,
        }
    }
}

/// The `contents` row `contents::insert` writes for `c` at `now` (the check in
/// [`verify_fast_path`] compares the two).
fn insert_content(conn: &Connection, c: &NewContent, now: Millis) -> i64 {
    let keywords = serde_json::to_string(&c.keywords).unwrap_or_else(|_| "[]".into());
    let images = serde_json::to_string(&c.images).unwrap_or_else(|_| "[]".into());
    let reviewed_at = (c.review_status != Review::Pending).then_some(now);
    conn.prepare_cached(
        "INSERT INTO contents(task_id, account_id, topic, keywords, title, body, html, summary,
            cover_image, images, word_count, quality_score, generator, model, prompt_tokens,
            completion_tokens, review_status, reviewed_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19)
         RETURNING id",
    )
    .expect("prepare the content insert")
    .query_row(
        params![
            c.task_id.0,
            c.account_id,
            c.topic,
            keywords,
            c.title,
            c.body,
            c.html,
            c.summary,
            c.cover_image,
            images,
            c.word_count,
            c.quality_score,
            c.generator,
            c.model,
            c.prompt_tokens,
            c.completion_tokens,
            c.review_status.as_str(),
            reviewed_at,
            now,
        ],
        |r| r.get(0),
    )
    .expect("insert a content")
}

/// The `task_events` row `tasks::record_event` writes.
fn insert_event(
    conn: &Connection,
    seq: i64,
    at: Millis,
    from: Option<Status>,
    to: Status,
    message: &str,
) {
    conn.prepare_cached(
        "INSERT INTO task_events(task_seq, at, from_status, to_status, message) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .expect("prepare the event insert")
    .execute(params![seq, at, from.map(Status::as_str), to.as_str(), message])
    .expect("insert an event");
}

/// What `counters::add` does: adds `by` to the counter `name{labels}`, writing nothing for 0.
fn add_counter(conn: &Connection, name: &str, labels: &str, by: i64) {
    if by == 0 {
        return;
    }
    conn.prepare_cached(
        "INSERT INTO counters(name, labels, value) VALUES (?1, ?2, ?3)
         ON CONFLICT(name, labels) DO UPDATE SET value = value + excluded.value",
    )
    .expect("prepare the counter update")
    .execute(params![name, labels, by])
    .expect("add to a counter");
}

/// Inserts the final row of `spec` and its events (one at submit, one per transition), after
/// its article, if any, as `contents::insert` writes it at the time the task completed (what
/// `queue::finish` does). Returns the number of events.
fn insert_fast(conn: &Connection, ins: &RowInsert, spec: &TaskSpec, account: &Account) -> usize {
    if let Some(a) = &spec.article {
        let at = spec.steps.last().expect("a completed task's steps").at;
        let content = a.content(TaskId(spec.id), &spec.task, account);
        let id = insert_content(conn, &content, at);
        assert_eq!(id, a.id, "content ids follow the task order");
    }
    let mut row = Row::inserted(spec.id, &spec.task, account, spec.created_at);
    let mut from = Vec::with_capacity(spec.steps.len());
    for s in &spec.steps {
        from.push(row.status);
        row.apply(s);
    }
    let r = &row;
    let status = r.status.as_str();
    let mut values: Vec<&dyn ToSql> = vec![
        &r.id,
        &r.account_id,
        &r.topic,
        &r.keywords,
        &r.category,
        &r.requirements,
        &r.tone,
        &r.priority,
        &r.auto_approve,
        &r.max_retries,
        &r.retry_count,
        &r.timeout_s,
        &r.deadline_at,
        &r.callback_url,
        &r.generator,
        &r.idempotency_key,
        &status,
        &r.remote_job_id,
        &r.progress,
        &r.current_step,
        &r.lease_owner,
        &r.lease_expires_at,
        &r.next_attempt_at,
        &r.error_kind,
        &r.error_message,
        &r.content_id,
        &r.created_at,
        &r.submitted_at,
        &r.started_at,
        &r.completed_at,
        &r.updated_at,
    ];
    if ins.remote_attempts {
        values.push(&r.remote_attempts);
    }
    if ins.review {
        values.push(&r.review);
    }
    conn.prepare_cached(&ins.sql)
        .expect("prepare the task insert")
        .execute(&*values)
        .expect("insert a task");
    let seq = conn.last_insert_rowid();
    insert_event(
        conn,
        seq,
        spec.created_at,
        None,
        Status::Pending,
        "submitted",
    );
    if ins.topic_tokens {
        // What `store::topic_tokens::put` writes for every task `tasks::insert` inserts.
        let mut put = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO topic_tokens(account_id, token, seq) VALUES (?1, ?2, ?3)",
            )
            .expect("prepare the topic token insert");
        for token in Topic::new(&r.topic).prefix_tokens() {
            put.execute(params![r.account_id, token, seq])
                .expect("insert a topic token");
        }
    }
    for (s, from) in spec.steps.iter().zip(from) {
        insert_event(conn, seq, s.at, Some(from), s.to, &s.message);
    }
    1 + spec.steps.len()
}

/// The code a reference store is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reference {
    /// `tasks::insert`, then `tasks::transition` for each step.
    Transitions,
    /// What the binary runs: `tasks::insert` with the count `task submit` adds;
    /// `tasks::transition` for claims and remote jobs (the daemon's claim picks its own
    /// tasks, so it cannot be pointed at one); `queue::finish` for retries, results, failures
    /// and timeouts, which also writes the article and the daemon's counters; `tasks::cancel`.
    Daemon,
}

impl Reference {
    fn name(self) -> &'static str {
        match self {
            Reference::Transitions => "tasks::insert + tasks::transition",
            Reference::Daemon => "the daemon's code",
        }
    }
}

/// The same task through the code the binary runs (see [`Reference`]).
fn insert_real(conn: &Conn, spec: &TaskSpec, account: &Account, how: Reference) {
    let s = tasks::insert(conn, &spec.task, account, spec.created_at).expect("tasks::insert");
    let daemon = how == Reference::Daemon;
    if daemon {
        counters::add(conn, counters::TASKS_SUBMITTED, "", 1).expect("count the submit");
    }
    let mut current = Status::Pending;
    for step in &spec.steps {
        let finish = daemon
            .then(|| finish_of(step, spec, s.id, account))
            .flatten();
        if let Some(finish) = finish {
            // The fill claims through `tasks::transition`, which leaves the epoch at 0.
            let holder = tasks::get(conn, s.seq)
                .expect("the task")
                .lease_owner
                .unwrap_or_default();
            let fence = queue::Fence::Lease {
                owner: &holder,
                epoch: 0,
            };
            let to = queue::finish(conn, s.seq, fence, &finish, step.at).expect("queue::finish");
            assert_eq!(to, Some(step.to), "queue::finish to {}", step.to);
        } else if daemon && step.to == Status::Cancelled {
            let done = tasks::cancel(conn, s.seq, s.id, step.at).expect("tasks::cancel");
            assert_eq!(done, tasks::Outcome::Done { from: current });
        } else {
            let left = tasks::transition(
                conn,
                s.seq,
                &[current],
                step.to,
                &step.changes,
                Some(&step.message),
                step.at,
            )
            .expect("tasks::transition");
            assert_eq!(left, Some(current), "transition to {}", step.to);
        }
        current = step.to;
    }
}

/// The result the daemon hands `queue::finish` for `step`, if the step ends an attempt
/// (a retry, a result, a failure or a timeout).
fn finish_of(step: &Step, spec: &TaskSpec, task_id: TaskId, account: &Account) -> Option<Finish> {
    let c = &step.changes;
    let kind = || c.error_kind.clone().flatten().expect("an error kind");
    let message = || c.error_message.clone().flatten().expect("an error message");
    Some(match step.to {
        Status::Completed => {
            let article = spec.article.as_ref().expect("the daemon stores an article");
            Finish::Completed(Box::new(article.content(task_id, &spec.task, account)))
        }
        // The generator only goes back to pending for a transient error.
        Status::Pending => Finish::Retry {
            kind: kind(),
            message: message(),
            delay_ms: c.next_attempt_at.expect("a retry's next attempt") - step.at,
            counts: true,
        },
        Status::Failed => Finish::Failed {
            kind: kind(),
            message: message(),
        },
        Status::Timeout => Finish::TimedOut { message: message() },
        _ => return None,
    })
}

/// What [`fill`] wrote.
pub struct Filled {
    pub tasks: usize,
    pub events: usize,
    pub contents: usize,
    pub accounts: Vec<String>,
    /// The daemon of the last week: its lease owner id and when it started (see [`daemon_at`]).
    pub daemon: (&'static str, Millis),
}

/// Fills the store at `path` (created if need be) with `shape`, through the fast path.
pub fn fill(path: &Path, shape: &Shape, now: Millis, seed: u64) -> Filled {
    write(path, shape, now, seed, None)
}

/// Writes the accounts and tasks of `shape` (and their articles) to the store at `path`: the
/// accounts through `accounts::insert`, then the tasks through the fast path, with the
/// counters the binary would have kept, or through the `reference` code. The tasks go in one
/// transaction.
fn write(
    path: &Path,
    shape: &Shape,
    now: Millis,
    seed: u64,
    reference: Option<Reference>,
) -> Filled {
    let mut gen = Generator::new(shape, now, seed);
    let mut store = Store::open(path).expect("open the store to fill");
    let accounts: Vec<Account> = store
        .write(|c| {
            gen.specs
                .iter()
                .map(|s| accounts::insert(c, &s.account))
                .collect()
        })
        .expect("accounts::insert");
    let (mut events, mut contents, mut cancelled) = (0, 0, 0);
    let mut next_task = || {
        let spec = gen.next_task();
        if spec.steps.last().is_some_and(|s| s.to == Status::Cancelled) {
            cancelled += 1;
        }
        contents += usize::from(spec.article.is_some());
        spec
    };
    match reference {
        Some(how) => store
            .write(|c| {
                for _ in 0..shape.tasks {
                    let spec = next_task();
                    insert_real(c, &spec, &accounts[spec.account], how);
                }
                Ok(())
            })
            .expect("fill through the store"),
        None => {
            drop(store);
            let mut conn = Connection::open(path).expect("open the store to fill");
            // A large page cache for this connection only: the fill touches every index page
            // many times. It changes nothing that is stored.
            conn.pragma_update(None, "cache_size", -1_048_576)
                .expect("set cache_size");
            conn.pragma_update(None, "foreign_keys", true)
                .expect("enable foreign keys");
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .expect("begin the fill");
            let ins = RowInsert::for_schema(&tx);
            for _ in 0..shape.tasks {
                let spec = next_task();
                events += insert_fast(&tx, &ins, &spec, &accounts[spec.account]);
            }
            // What `task submit` and `task cancel` count.
            add_counter(&tx, counters::TASKS_SUBMITTED, "", shape.tasks as i64);
            add_counter(&tx, counters::TASKS_CANCELLED, "", cancelled);
            if shape.contents {
                daemon_counters(&tx);
            }
            tx.commit().expect("commit the fill");
        }
    }
    Filled {
        tasks: shape.tasks,
        events,
        contents,
        accounts: accounts.into_iter().map(|a| a.name).collect(),
        daemon: daemon_at(gen.start, now),
    }
}

/// Sets the counters the daemon's result handling (`queue::finish`) keeps to the totals of
/// the rows: outcomes, retries, the sums and counts of queue wait (of finished tasks that
/// started) and generation time (of completed ones), and tokens in all and per model. Like
/// `counters::add`, it writes no counter whose total is 0.
fn daemon_counters(conn: &Connection) {
    let ran = "status IN ('completed','failed','timeout') AND started_at IS NOT NULL";
    let done = "status = 'completed' AND started_at IS NOT NULL";
    let t: [i64; 8] = conn
        .query_row(
            &format!(
                "SELECT coalesce(sum(status = 'completed'), 0), coalesce(sum(status = 'failed'), 0),
                        coalesce(sum(status = 'timeout'), 0), coalesce(sum(retry_count), 0),
                        coalesce(sum(CASE WHEN {ran} THEN max(started_at - created_at, 0) END), 0),
                        coalesce(sum({ran}), 0),
                        coalesce(sum(CASE WHEN {done} THEN max(completed_at - started_at, 0) END), 0),
                        coalesce(sum({done}), 0)
                 FROM tasks"
            ),
            [],
            |r| {
                let mut t = [0; 8];
                for (i, v) in t.iter_mut().enumerate() {
                    *v = r.get(i)?;
                }
                Ok(t)
            },
        )
        .expect("total the tasks");
    let mut totals: Vec<(&str, String, i64)> = [
        queue::TASKS_COMPLETED,
        queue::TASKS_FAILED,
        queue::TASKS_TIMEOUT,
        queue::TASK_RETRIES,
        queue::QUEUE_WAIT_MS,
        queue::QUEUE_WAIT_COUNT,
        queue::GENERATION_MS,
        queue::GENERATION_COUNT,
    ]
    .into_iter()
    .zip(t)
    .map(|(name, v)| (name, String::new(), v))
    .collect();
    let mut stmt = conn
        .prepare(
            "SELECT model, coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0)
             FROM contents GROUP BY model",
        )
        .expect("prepare the token totals");
    let per_model: Vec<(Option<String>, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(|rows| rows.collect())
        .expect("total the tokens");
    for kind in ["prompt", "completion"] {
        let of = |p: i64, c: i64| if kind == "prompt" { p } else { c };
        let all = per_model.iter().map(|(_, p, c)| of(*p, *c)).sum();
        totals.push((queue::TOKENS, format!("kind={kind}"), all));
        for (model, p, c) in &per_model {
            if let Some(model) = model {
                totals.push((
                    queue::MODEL_TOKENS,
                    format!("kind={kind},model={model}"),
                    of(*p, *c),
                ));
            }
        }
    }
    for (name, labels, value) in totals {
        add_counter(conn, name, &labels, value);
    }
}

/// Fills two small stores of `shape` from the same generator, one through the fast path and
/// one through the code the binary runs, and checks that they hold the same rows (apart from
/// the random ids `tasks::insert` picks itself). Without contents, the reference is
/// `tasks::insert` + `tasks::transition`, and `tasks`, `task_events` and `task_counts` are
/// compared; with contents, it is the daemon's code (see [`Reference::Daemon`]), and
/// `contents` and `counters` are compared too.
pub fn verify_fast_path(path: &Path, now: Millis, shape: &Shape) {
    let with_contents = shape.contents;
    let reference = if with_contents {
        Reference::Daemon
    } else {
        Reference::Transitions
    };
    let t = Instant::now();
    type Rows = Vec<Vec<Value>>;
    let dump = |fast: bool| -> Vec<(&'static str, Rows)> {
        let p = path.with_extension(if fast { "fast.db" } else { "real.db" });
        write(&p, shape, now, SEED ^ 0x5555, (!fast).then_some(reference));
        let conn = Connection::open(&p).expect("open a verification store");
        let rows = |sql: &str| -> Rows {
            let mut stmt = conn.prepare(sql).expect("prepare a dump");
            let cols = stmt.column_count();
            stmt.query_map([], |r| (0..cols).map(|i| r.get::<_, Value>(i)).collect())
                .expect("dump")
                .collect::<Result<_, _>>()
                .expect("dump rows")
        };
        // Every column but the random task id (and, in `contents`, the task id it names,
        // replaced by the task's seq).
        let columns = |table: &str, skip: &str, prefix: &str| -> String {
            let stmt = conn
                .prepare(&format!("SELECT * FROM {table}"))
                .expect("columns");
            stmt.column_names()
                .into_iter()
                .filter(|c| *c != skip)
                .map(|c| format!("{prefix}{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut tables = vec![
            (
                "tasks",
                rows(&format!(
                    "SELECT {} FROM tasks ORDER BY seq",
                    columns("tasks", "id", "")
                )),
            ),
            (
                "task_events",
                rows("SELECT id, task_seq, at, from_status, to_status, message FROM task_events ORDER BY id"),
            ),
            (
                "task_counts",
                rows("SELECT status, n FROM task_counts ORDER BY status"),
            ),
            (
                "topic_tokens",
                rows("SELECT account_id, token, seq FROM topic_tokens ORDER BY seq, token"),
            ),
        ];
        if with_contents {
            tables.push((
                "contents",
                rows(&format!(
                    "SELECT t.seq, {} FROM contents c LEFT JOIN tasks t ON t.id = c.task_id ORDER BY c.id",
                    columns("contents", "task_id", "c.")
                )),
            ));
            tables.push((
                "counters",
                rows("SELECT name, labels, value FROM counters ORDER BY name, labels"),
            ));
        }
        tables
    };
    let fast = dump(true);
    let real = dump(false);
    assert_eq!(fast[0].1.len(), shape.tasks);
    for ((table, f), (_, r)) in fast.iter().zip(&real) {
        if let Some(i) = (0..f.len().max(r.len())).find(|&i| f.get(i) != r.get(i)) {
            panic!(
                "{table} row {} differs between the fast fill and {}:\n fast: {:?}\n real: {:?}",
                i + 1,
                reference.name(),
                f.get(i),
                r.get(i)
            );
        }
    }
    let count = |table: &str| {
        fast.iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, r)| r.len())
    };
    if with_contents {
        println!(
            "verified: the fast fill writes the same tasks, task_events, task_counts, topic_tokens, contents and counters rows as the daemon's code (tasks::insert, tasks::transition, queue::finish, tasks::cancel) ({} tasks, {} events, {} contents, {:.1} s)",
            shape.tasks,
            count("task_events"),
            count("contents"),
            t.elapsed().as_secs_f64()
        );
    } else {
        println!(
            "verified: the fast fill writes the same tasks, task_events, task_counts and topic_tokens rows as tasks::insert + tasks::transition ({} tasks, {} events, {:.1} s)",
            shape.tasks,
            count("task_events"),
            t.elapsed().as_secs_f64()
        );
    }
}

fn pairs(conn: &Connection, sql: &str) -> Vec<(String, i64)> {
    let mut stmt = conn.prepare(sql).expect("prepare");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    rows
}

pub fn print_statuses(conn: &Connection) {
    let kept = pairs(conn, "SELECT status, n FROM task_counts ORDER BY n DESC");
    let counted = pairs(conn, "SELECT status, count(*) FROM tasks GROUP BY status");
    let total: i64 = kept.iter().map(|(_, n)| n).sum();
    let shares: Vec<String> = kept
        .iter()
        .map(|(s, n)| format!("{s} {n} ({:.2}%)", *n as f64 * 100.0 / total as f64))
        .collect();
    println!("statuses: {}", shares.join(", "));
    for (s, n) in &kept {
        let c = counted.iter().find(|(x, _)| x == s).map_or(0, |(_, c)| *c);
        assert_eq!(*n, c, "task_counts says {n} {s} tasks, count(*) says {c}");
    }
    println!("task_counts agrees with count(*) per status");
}
