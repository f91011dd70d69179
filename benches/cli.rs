//! CLI latency on a store of a million tasks (DESIGN §7; issue 2, "Measure").
//!
//! `cargo bench --bench cli`:
//!
//! 1. fills a store in a temporary directory with `CONTENTHUB_BENCH_TASKS` tasks (default
//!    1,000,000) in one transaction, through the library: accounts via
//!    `store::accounts::insert`; each task as the row `tasks::insert` followed by its
//!    `tasks::transition`s would leave (the transitions carry the changes the daemon's
//!    `store::queue` and `tasks::cancel` pass), with its events via `tasks::record_event`.
//!    First, a small store is filled both ways (this fast path, and the real `tasks::insert`
//!    and `tasks::transition`) and compared row by row, so the fast path cannot drift from
//!    what the code writes;
//! 2. lets the machine settle (`sync`, then `CONTENTHUB_BENCH_SETTLE_SECS`, default 5 s: right
//!    after writing ~1 GB every fsync is several times slower) and probes the fsync latency;
//! 3. runs the release binary against the store (`CONTENTHUB_DB`, a private `HOME`/`XDG_*`,
//!    `NO_COLOR=1`, nothing else from the caller's environment but `PATH`, `TZ` and `LANG`)
//!    and reports whole-process wall time (spawn until exit, stdout and stderr drained through
//!    pipes): a warm-up round, then `CONTENTHUB_BENCH_RUNS` (default 11) measured rounds, each
//!    running every command once;
//! 4. prints the store size per task after `PRAGMA wal_checkpoint(TRUNCATE)`.
//!
//! The data is deterministic (a seeded xorshift generator) apart from its anchor in time: the
//! tasks span the 60 days before the run. `CONTENTHUB_BENCH_KEEP=1` keeps the directory.

#[path = "support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{args, bench_env, checkpoint, env_usize, fsync_probe, Summary};

use contenthub::domain::time::{now_ms, Millis};
use contenthub::domain::{Account, NewAccount, NewTask, Status};
use contenthub::store::tasks::{self, Changes, Seq};
use contenthub::store::{accounts, counters, Store};
use rusqlite::types::Value;
use rusqlite::{Connection, ToSql};

const DEFAULT_TASKS: usize = 1_000_000;
const DEFAULT_RUNS: usize = 11;
const SEED: u64 = 0x9E37_79B9_7F4A_7C15;
const DAY_MS: i64 = 86_400_000;
/// The daemon's default lease and retry delays.
const LEASE_MS: i64 = 15_000;
const RETRY_DELAYS_MS: [i64; 3] = [30_000, 60_000, 120_000];
/// Lease owners (`host:pid:nonce`): the daemon restarted now and then over the 60 days.
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

fn main() {
    let n = env_usize("CONTENTHUB_BENCH_TASKS", DEFAULT_TASKS).max(100);
    let runs = env_usize("CONTENTHUB_BENCH_RUNS", DEFAULT_RUNS).max(1);
    let settle_secs = env_usize("CONTENTHUB_BENCH_SETTLE_SECS", 5) as u64;
    let keep = std::env::var("CONTENTHUB_BENCH_KEEP").is_ok_and(|v| !v.is_empty() && v != "0");
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "contenthub CLI benchmark: {n} tasks, {runs} measured runs per command after 1 warm-up \
         (round-robin), {cpus} CPUs"
    );

    let dir = tempfile::Builder::new()
        .prefix("contenthub-bench-")
        .tempdir()
        .expect("create a temporary directory");
    let root = dir.path().to_path_buf();
    let db = root.join("data/contenthub/contenthub.db");
    let now = now_ms();

    verify_fast_path(&root.join("verify.db"), now);

    // 1. Fill.
    let t = Instant::now();
    let mut store = Store::open(&db).expect("open the bench store");
    // A large page cache for this connection only: the fill touches every index page many
    // times. It changes nothing that is stored.
    store
        .conn()
        .pragma_update(None, "cache_size", -1_048_576)
        .expect("set cache_size");
    let fill = fill(&mut store, n, now, SEED);
    let fill_time = t.elapsed();
    checkpoint(store.conn());
    let fill_total = t.elapsed();
    println!(
        "fill: {} tasks, {} events, {} accounts in {:.1} s ({:.0} tasks/s); checkpoint done at {:.1} s",
        fill.tasks,
        fill.events,
        fill.accounts.len(),
        fill_time.as_secs_f64(),
        fill.tasks as f64 / fill_time.as_secs_f64(),
        fill_total.as_secs_f64(),
    );
    print_statuses(store.conn());
    let prefix = pick_prefix(store.conn(), n);
    drop(store);

    // 2. Settle.
    settle(settle_secs);
    let fsync = fsync_probe(&root);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "fsync of a 4 KiB write in the store's directory: median {:.2} ms (min {:.2}, p90 {:.2}); \
         load average {}",
        fsync.median,
        fsync.min,
        fsync.p90,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    );

    // 3. Measure.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_contenthub"));
    let env = bench_env(&root, &db);
    let account = fill.accounts[0].clone();
    let mut submitted = 0usize;
    let cases: Vec<(String, Vec<String>, Option<f64>)> = vec![
        ("contenthub --version".into(), args(&["--version"]), None),
        (
            format!("task submit -a {account} -t <topic>"),
            args(&[
                "task",
                "submit",
                "-a",
                &account,
                "-t",
                "Rust 异步编程入门：从 Future 到 Tokio",
            ]),
            Some(10.0),
        ),
        (
            "task list --limit 50".into(),
            args(&["task", "list", "--limit", "50"]),
            Some(30.0),
        ),
        (
            "task list --status failed --limit 50".into(),
            args(&["task", "list", "--status", "failed", "--limit", "50"]),
            Some(30.0),
        ),
        ("task stats".into(), args(&["task", "stats"]), Some(100.0)),
        (
            format!("task show {prefix}"),
            args(&["task", "show", &prefix]),
            Some(10.0),
        ),
    ];
    // Round-robin: every round runs each command once, so a disturbance on the machine
    // spreads over all commands instead of spoiling one. Round 0 is the warm-up.
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); cases.len()];
    for round in 0..=runs {
        for (i, (_, argv, _)) in cases.iter().enumerate() {
            let t = run_once(&bin, &env, argv);
            if argv
                .iter()
                .map(String::as_str)
                .take(2)
                .eq(["task", "submit"])
            {
                submitted += 1;
            }
            if round > 0 {
                times[i].push(t);
            }
        }
    }
    let results: Vec<_> = cases
        .iter()
        .zip(times)
        .map(|((label, _, goal), t)| (label.clone(), Summary::of(t), *goal))
        .collect();
    print_table(&results);

    // 4. Size.
    let conn = Connection::open(&db).expect("reopen the bench store");
    checkpoint(&conn);
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM tasks", [], |r| r.get(0))
        .expect("count tasks");
    assert_eq!(rows as usize, n + submitted, "task count after the runs");
    let size = file_len(&db);
    let wal = file_len(&wal_path(&db));
    println!(
        "store: {} bytes (db {size} + wal {wal}) after wal_checkpoint(TRUNCATE), {rows} tasks ({n} filled + {submitted} submitted): {:.1} bytes/task",
        size + wal,
        (size + wal) as f64 / rows as f64,
    );
    drop(conn);

    if keep {
        let kept = dir.keep();
        println!("kept {} (store: {})", kept.display(), db.display());
    }
}

fn wal_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
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
                auto_approve,
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
}

/// Generates the tasks in creation order. Tasks span the 60 days before `now`; the newest
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
}

impl Generator {
    fn new(n: usize, now: Millis, seed: u64) -> Generator {
        let span = 60 * DAY_MS - 10 * 60_000;
        let specs = account_specs();
        let weights = specs.iter().map(|s| s.weight).collect();
        Generator {
            rng: Rng::new(seed),
            n,
            i: 0,
            now,
            start: now - 60 * DAY_MS,
            span,
            last_created: now - 60 * DAY_MS,
            active_from: n - (n / 100).max(10),
            ids: HashSet::with_capacity(n),
            specs,
            weights,
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
            auto_approve: match r.below(20) {
                0 => Some(true),
                1 => Some(false),
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
        let steps = self.steps(life, &task, created_at);
        self.i += 1;
        TaskSpec {
            id,
            account,
            created_at,
            task,
            steps,
        }
    }

    /// The transitions of a task's life, with the changes the daemon's result handling
    /// (`store::queue`: claim, set_remote, finish) and `tasks::cancel` pass to
    /// `tasks::transition`. The daemon's non-transition writes (`started_at` at the first
    /// claim, progress reports) are folded into the nearest transition: the final row is the
    /// same. Completed tasks keep `content_id` NULL, as this store holds no contents.
    fn steps(&mut self, life: Life, task: &NewTask, created: Millis) -> Vec<Step> {
        let owner = OWNERS[((created - self.start) / (7 * DAY_MS)) as usize % OWNERS.len()];
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
                let review = if task.auto_approve == Some(false) {
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
    /// Remote jobs dropped so far (schema 2: kept by the `tasks_remote_attempts` trigger).
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
            auto_approve: task.auto_approve.unwrap_or(account.auto_approve),
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
            // What the `tasks_remote_attempts` trigger counts.
            if v.is_none() && self.remote_job_id.is_some() {
                self.remote_attempts += 1;
            }
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
        let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
        RowInsert {
            sql: format!("INSERT INTO tasks({cols}) VALUES ({})", marks.join(", ")),
            remote_attempts,
        }
    }
}

/// Inserts the final row of `spec` and its events (one at submit, one per transition).
/// Returns the number of events.
fn insert_fast(conn: &Connection, ins: &RowInsert, spec: &TaskSpec, account: &Account) -> usize {
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
    conn.prepare_cached(&ins.sql)
        .expect("prepare the task insert")
        .execute(&*values)
        .expect("insert a task");
    let seq = Seq(conn.last_insert_rowid());
    tasks::record_event(
        conn,
        seq,
        spec.created_at,
        None,
        Status::Pending,
        Some("submitted"),
    )
    .expect("insert the submit event");
    for (s, from) in spec.steps.iter().zip(from) {
        tasks::record_event(conn, seq, s.at, Some(from), s.to, Some(&s.message))
            .expect("insert an event");
    }
    1 + spec.steps.len()
}

/// The same task through the code the binary runs: `tasks::insert`, then `tasks::transition`
/// for each step.
fn insert_real(conn: &Connection, spec: &TaskSpec, account: &Account) {
    let s = tasks::insert(conn, &spec.task, account, spec.created_at).expect("tasks::insert");
    let mut current = Status::Pending;
    for step in &spec.steps {
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
        current = step.to;
    }
}

struct Filled {
    tasks: usize,
    events: usize,
    accounts: Vec<String>,
}

fn fill(store: &mut Store, n: usize, now: Millis, seed: u64) -> Filled {
    store
        .write(|tx| {
            let mut gen = Generator::new(n, now, seed);
            let accounts: Vec<_> = gen
                .specs
                .iter()
                .map(|s| accounts::insert(tx, &s.account))
                .collect::<Result<_, _>>()?;
            let ins = RowInsert::for_schema(tx);
            let mut events = 0;
            let mut cancelled = 0;
            for _ in 0..n {
                let spec = gen.next_task();
                if spec
                    .steps
                    .last()
                    .is_some_and(|s| s.message == "cancelled by operator")
                {
                    cancelled += 1;
                }
                events += insert_fast(tx, &ins, &spec, &accounts[spec.account]);
            }
            // What `task submit` and `task cancel` count.
            counters::add(tx, counters::TASKS_SUBMITTED, "", n as i64)?;
            counters::add(tx, counters::TASKS_CANCELLED, "", cancelled)?;
            Ok(Filled {
                tasks: n,
                events,
                accounts: accounts.into_iter().map(|a| a.name).collect(),
            })
        })
        .expect("fill the store")
}

/// Fills two small stores from the same generator, one through the fast path and one through
/// `tasks::insert` + `tasks::transition`, and checks that they hold the same rows (apart from
/// the random ids `tasks::insert` picks itself).
fn verify_fast_path(path: &Path, now: Millis) {
    const N: usize = 3_000;
    let t = Instant::now();
    type Rows = Vec<Vec<Value>>;
    let dump = |fast: bool| -> (Rows, Rows, Rows) {
        let p = path.with_extension(if fast { "fast.db" } else { "real.db" });
        let mut store = Store::open(&p).expect("open a verification store");
        store
            .write(|tx| {
                let mut gen = Generator::new(N, now, SEED ^ 0x5555);
                let accounts: Vec<_> = gen
                    .specs
                    .iter()
                    .map(|s| accounts::insert(tx, &s.account))
                    .collect::<Result<_, _>>()?;
                let ins = RowInsert::for_schema(tx);
                for _ in 0..N {
                    let spec = gen.next_task();
                    if fast {
                        insert_fast(tx, &ins, &spec, &accounts[spec.account]);
                    } else {
                        insert_real(tx, &spec, &accounts[spec.account]);
                    }
                }
                Ok(())
            })
            .expect("fill a verification store");
        let conn = store.conn();
        let rows = |sql: &str| -> Rows {
            let mut stmt = conn.prepare(sql).expect("prepare a dump");
            let cols = stmt.column_count();
            stmt.query_map([], |r| (0..cols).map(|i| r.get::<_, Value>(i)).collect())
                .expect("dump")
                .collect::<Result<_, _>>()
                .expect("dump rows")
        };
        let columns: Vec<String> = {
            let stmt = conn.prepare("SELECT * FROM tasks").expect("columns");
            stmt.column_names()
                .into_iter()
                .filter(|c| *c != "id")
                .map(String::from)
                .collect()
        };
        let tasks = rows(&format!(
            "SELECT {} FROM tasks ORDER BY seq",
            columns.join(", ")
        ));
        let events = rows(
            "SELECT id, task_seq, at, from_status, to_status, message FROM task_events ORDER BY id",
        );
        let counts = rows("SELECT status, n FROM task_counts ORDER BY status");
        (tasks, events, counts)
    };
    let fast = dump(true);
    let real = dump(false);
    assert_eq!(fast.0.len(), N);
    for (i, (f, r)) in fast.0.iter().zip(&real.0).enumerate() {
        assert_eq!(
            f,
            r,
            "task row {} differs between the fast fill and tasks::insert/transition",
            i + 1
        );
    }
    assert_eq!(
        fast.1, real.1,
        "task_events differ between the fast fill and tasks::insert/transition"
    );
    assert_eq!(
        fast.2, real.2,
        "task_counts differ between the fast fill and tasks::insert/transition"
    );
    println!(
        "verified: the fast fill writes the same tasks, task_events and task_counts rows as tasks::insert + tasks::transition ({N} tasks, {} events, {:.1} s)",
        fast.1.len(),
        t.elapsed().as_secs_f64()
    );
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

fn print_statuses(conn: &Connection) {
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

/// A 6-hex-digit prefix that names exactly one task: the first completed task from the middle
/// of the store on whose prefix no other id falls.
fn pick_prefix(conn: &Connection, n: usize) -> String {
    let mut stmt = conn
        .prepare(
            "SELECT id FROM tasks WHERE seq >= ?1 AND status = 'completed' ORDER BY seq LIMIT 100",
        )
        .expect("prepare");
    let ids: Vec<i64> = stmt
        .query_map([n as i64 / 2], |r| r.get(0))
        .expect("ids")
        .collect::<Result<_, _>>()
        .expect("ids");
    for id in ids {
        let lo = id & !0xFF_FFFF;
        let hi = lo | 0xFF_FFFF;
        let matches: i64 = conn
            .query_row(
                "SELECT count(*) FROM tasks WHERE id BETWEEN ?1 AND ?2",
                [lo, hi],
                |r| r.get(0),
            )
            .expect("count prefix matches");
        if matches == 1 {
            let prefix = format!("task-{:06x}", id >> 24);
            let events: i64 = conn
                .query_row(
                    "SELECT count(*) FROM task_events WHERE task_seq = (SELECT seq FROM tasks WHERE id = ?1)",
                    [id],
                    |r| r.get(0),
                )
                .expect("count events");
            println!("task show uses {prefix}: unique prefix of task-{id:012x} (completed, {events} events)");
            return prefix;
        }
    }
    panic!("no unique 6-digit prefix among 100 tasks");
}

// ---------------------------------------------------------------------------------------------
// Measuring.

/// Runs the binary once and returns its wall time: spawn until exit, with stdout and stderr
/// drained through pipes.
fn run_once(bin: &Path, env: &[(String, String)], argv: &[String]) -> Duration {
    let t = Instant::now();
    let out = Command::new(bin)
        .args(argv)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run contenthub");
    let elapsed = t.elapsed();
    assert!(
        out.status.success() && !out.stdout.is_empty(),
        "contenthub {} failed ({}):\n{}",
        argv.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

/// Lets the machine absorb the fill: without this, the first second of measurements runs
/// while the kernel is still writing back and freeing what the fill left behind, and every
/// fsync (hence `task submit`) is several times slower than in normal use.
fn settle(secs: u64) {
    if secs == 0 {
        return;
    }
    let t = Instant::now();
    let synced = Command::new("sync").status().is_ok_and(|s| s.success());
    std::thread::sleep(Duration::from_secs(secs));
    println!(
        "settle: {}slept {secs} s ({:.1} s in all)",
        if synced { "sync(1), then " } else { "" },
        t.elapsed().as_secs_f64()
    );
}

fn print_table(results: &[(String, Summary, Option<f64>)]) {
    let w = results
        .iter()
        .map(|(l, _, _)| l.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    println!();
    println!(
        "{:<w$}  {:>9}  {:>7}  {:>7}  {:>7}  {:>11}  result",
        "command", "median ms", "min ms", "p90 ms", "goal ms", "goal/median"
    );
    for (label, s, goal) in results {
        let (g, ratio, verdict) = match goal {
            Some(g) => {
                let ratio = g / s.median;
                (
                    format!("{g:.0}"),
                    format!("{ratio:.2}"),
                    if ratio >= 1.0 { "PASS" } else { "MISS" },
                )
            }
            None => ("-".into(), "-".into(), "(spawn floor)"),
        };
        println!(
            "{label:<w$}  {:>9.2}  {:>7.2}  {:>7.2}  {g:>7}  {ratio:>11}  {verdict}",
            s.median, s.min, s.p90
        );
    }
    println!();
}
