//! Near-duplicate search against 100,000 stored signatures (issue 16, "Benchmarks": the
//! review of one 1,500-character article against 100,000 stored signatures, goal ≤ 50 ms; the
//! similarity part is measured here).
//!
//! `cargo bench --bench review`:
//!
//! 1. reads the labelled set (`tests/data/near_duplicates.jsonl`) and cuts its articles into a
//!    pool of sentences and headings per language;
//! 2. builds `CONTENTHUB_BENCH_SIGNATURES` (default 100,000) stored articles, half Chinese,
//!    half English, each a `#` title and three or four `##` sections of sentences drawn from
//!    the pool (a seeded xorshift, so every run stores the same articles) until it has about
//!    1,500 characters, and signs them; then inserts the signatures into an `Index`, along
//!    with the `a` article of every labelled pair. It prints the time to sign an article and
//!    the time to build the index;
//! 3. reviews every `b` article of the labelled set, `CONTENTHUB_BENCH_RUNS` times (default
//!    3): signs it (`Signature::of`) and searches the index (`Index::most_similar` at
//!    `DEFAULT_MAX_SIMILARITY`). It prints the median, p90 and maximum of each part and of
//!    both, and how many duplicates were found and how many others matched;
//! 4. the whole review in an SQLite store (unless `CONTENTHUB_BENCH_STORE=0`): stores the same
//!    signatures with `store::signatures::put` as one account's articles of the last 60 days
//!    (5,000 per transaction), with the `a` articles, in a temporary store; then, for every `b`
//!    article, in one write transaction as the result's would be: signs it, runs every check
//!    (`review::checks::check` with every rule on: forbidden words, keywords, word range,
//!    structure, placeholders, language, quality score) and `signatures::most_similar` over
//!    the 90-day window, and makes the near-duplicate finding. It prints the median, p90 and
//!    maximum, and the median's ratio to the 50 ms goal.

use std::time::{Duration, Instant};

use contenthub::domain::account::NewAccount;
use contenthub::review::checks::{self, Article, Rules, Target};
use contenthub::review::similarity::{Index, Signature, DEFAULT_MAX_SIMILARITY, SIGNATURE_BYTES};
use contenthub::store::{accounts, signatures, Store};

const GOAL_MS: f64 = 50.0;

struct Pair {
    duplicate: bool,
    a: String,
    b: String,
}

struct Pool {
    headings: Vec<String>,
    sentences: Vec<String>,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn pairs() -> Vec<Pair> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/near_duplicates.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("the labelled set");
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let text = |k: &str| v[k].as_str().expect("an article").to_string();
            Pair {
                duplicate: v["duplicate"].as_bool().expect("duplicate"),
                a: text("a"),
                b: text("b"),
            }
        })
        .collect()
}

/// The sentences and headings of every article in `lang` of the set.
fn pool(pairs: &[Pair], chinese: bool) -> Pool {
    let mut pool = Pool {
        headings: Vec::new(),
        sentences: Vec::new(),
    };
    let end = if chinese { '。' } else { '.' };
    for article in pairs.iter().flat_map(|p| [&p.a, &p.b]) {
        if article.chars().any(|c| c as u32 >= 0x4E00) != chinese {
            continue;
        }
        for line in article.lines() {
            if let Some(h) = line.strip_prefix("## ") {
                pool.headings.push(h.to_string());
            } else if !line.starts_with('#') {
                for s in line.split_inclusive(end) {
                    pool.sentences.push(s.trim().to_string());
                }
            }
        }
    }
    pool.sentences.retain(|s| !s.is_empty());
    pool.sentences.sort();
    pool.sentences.dedup();
    pool
}

fn article(pool: &Pool, chinese: bool, rng: &mut XorShift) -> String {
    let joiner = if chinese { "" } else { " " };
    let mut out = format!("# {}\n", pool.headings[rng.below(pool.headings.len())]);
    let sections = 3 + rng.below(2);
    for s in 0..sections {
        out += &format!("\n## {}\n\n", pool.headings[rng.below(pool.headings.len())]);
        let target = 1_500 * (s + 1) / sections;
        let mut sentences = Vec::new();
        while out.chars().count()
            + sentences
                .iter()
                .map(|x: &&String| x.chars().count())
                .sum::<usize>()
            < target
        {
            sentences.push(&pool.sentences[rng.below(pool.sentences.len())]);
        }
        out += &sentences
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(joiner);
        out.push('\n');
    }
    out
}

/// The process's resident set size, in MiB (Linux), or 0.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// (median, p90, max) in milliseconds.
fn summary(mut times: Vec<Duration>) -> (f64, f64, f64) {
    times.sort();
    let at = |q: f64| ms(times[((times.len() - 1) as f64 * q).round() as usize]);
    (at(0.5), at(0.9), at(1.0))
}

/// The whole review of every `b` article against `signatures` (and the `a` articles) stored
/// in an SQLite store: see the module documentation, step 4.
fn store_review(pairs: &[Pair], signatures: &[Signature], runs: usize) {
    const DAY: i64 = 24 * 3600 * 1000;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut store = Store::open(&dir.path().join("review.db")).expect("a store");
    let account = store
        .write(|c| {
            accounts::insert(
                c,
                &NewAccount {
                    name: "bench".into(),
                    display_name: None,
                    platform: "blog".into(),
                    language: "en".into(),
                    tone: None,
                    category: None,
                    persona: None,
                    min_words: Some(300),
                    max_words: Some(3000),
                    forbidden_words: vec![],
                    review: contenthub::domain::account::ReviewMode::Rules,
                    review_rules: Default::default(),
                },
            )
        })
        .expect("an account")
        .id;
    let now = contenthub::domain::time::now_ms();
    let started = Instant::now();
    let stored = signatures.len() as i64;
    for (chunk, part) in signatures.chunks(5_000).enumerate() {
        store
            .write(|c| {
                for (k, sig) in part.iter().enumerate() {
                    let i = (chunk * 5_000 + k) as i64;
                    // Spread over the last 60 days, oldest first.
                    let at = now - 60 * DAY + 60 * DAY * i / stored.max(1);
                    signatures::put(c, 1_000_000 + i, account, sig, at)?;
                }
                Ok(())
            })
            .expect("store the signatures");
    }
    store
        .write(|c| {
            for (i, p) in pairs.iter().enumerate() {
                signatures::put(c, i as i64, account, &Signature::of(&p.a), now - DAY)?;
            }
            Ok(())
        })
        .expect("store the labelled articles");
    let file = std::fs::metadata(dir.path().join("review.db")).map_or(0, |m| m.len());
    println!(
        "store: {} signatures stored in {:.1} s; the file has {:.0} MiB (its WAL aside)",
        signatures.len() + pairs.len(),
        started.elapsed().as_secs_f64(),
        file as f64 / (1024.0 * 1024.0)
    );

    let rules = Rules {
        forbidden_words: ["赌博", "诈骗", "casino", "lottery", "crypto scam"]
            .map(String::from)
            .to_vec(),
        min_quality_score: Some(0.6),
        ..Rules::default()
    };
    let keywords = [
        ["数据", "系统"].map(String::from),
        ["data", "system"].map(String::from),
    ];
    let since = now - 90 * DAY;
    let (mut times, mut held, mut findings) = (Vec::new(), 0, 0);
    for run in 0..runs {
        for p in pairs {
            let chinese = p.b.chars().any(|c| c as u32 >= 0x4E00);
            let target = Target {
                min_words: Some(if chinese { 800 } else { 200 }),
                max_words: Some(if chinese { 2_000 } else { 600 }),
                language: if chinese { "zh" } else { "en" },
                keywords: &keywords[usize::from(!chinese)],
            };
            let t0 = Instant::now();
            let (found, dup) = store
                .write(|c| {
                    let sig = Signature::of(&p.b);
                    let found = checks::check(
                        Article {
                            body: &p.b,
                            quality_score: Some(0.8),
                        },
                        &target,
                        &rules,
                    );
                    let similar =
                        signatures::most_similar(c, account, &sig, since, i64::MAX, None)?;
                    Ok((found, checks::near_duplicate(similar, &rules)))
                })
                .expect("a review");
            times.push(t0.elapsed());
            if run == 0 {
                findings += found.len();
                held += usize::from(dup.is_some());
            }
        }
    }
    let (median, p90, max) = summary(times);
    println!(
        "whole review in the store: {} reviews; {held} near-duplicates held, {findings} other \
         findings in the first round",
        runs * pairs.len()
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9}",
        "part", "median ms", "p90 ms", "max ms"
    );
    println!(
        "{:<28} {median:>9.3} {p90:>9.3} {max:>9.3}",
        "review (SQLite, all rules)"
    );
    let verdict = if median <= GOAL_MS { "PASS" } else { "MISS" };
    println!(
        "goal: ≤ {GOAL_MS} ms; median {median:.3} ms, {:.3} of the goal: {verdict}",
        median / GOAL_MS
    );
}

fn main() {
    let stored = env_usize("CONTENTHUB_BENCH_SIGNATURES", 100_000);
    let runs = env_usize("CONTENTHUB_BENCH_RUNS", 3).max(1);
    let pairs = pairs();
    let pools = [pool(&pairs, true), pool(&pairs, false)];
    println!(
        "pool: {} Chinese and {} English sentences; {} labelled pairs",
        pools[0].sentences.len(),
        pools[1].sentences.len(),
        pairs.len()
    );

    let mut rng = XorShift(0x5eed_0016);
    let started = Instant::now();
    let mut chars = 0;
    let signatures: Vec<Signature> = (0..stored)
        .map(|i| {
            let chinese = i % 2 == 0;
            let text = article(&pools[usize::from(!chinese)], chinese, &mut rng);
            chars += text.chars().count();
            Signature::of(&text)
        })
        .collect();
    let built = started.elapsed();
    println!(
        "stored: {stored} articles of {} characters on average, built and signed in {:.1} s \
         ({:.3} ms an article, text included)",
        chars / stored.max(1),
        built.as_secs_f64(),
        ms(built) / stored.max(1) as f64
    );

    let before = rss_mib();
    let started = Instant::now();
    let mut index = Index::with_capacity(stored + pairs.len());
    for (i, s) in signatures.iter().enumerate() {
        index.insert(1_000_000 + i as i64, s);
    }
    for (i, p) in pairs.iter().enumerate() {
        index.insert(i as i64, &Signature::of(&p.a));
    }
    println!(
        "index: {} signatures of {SIGNATURE_BYTES} bytes, inserted in {:.0} ms; resident \
         memory grew by {:.0} MiB",
        index.len(),
        ms(started.elapsed()),
        rss_mib() - before
    );

    let (mut sign, mut search, mut both) = (Vec::new(), Vec::new(), Vec::new());
    let (mut found, mut missed, mut false_hits) = (0, 0, 0);
    for run in 0..runs {
        for (i, p) in pairs.iter().enumerate() {
            let t0 = Instant::now();
            let signature = Signature::of(&p.b);
            let t1 = Instant::now();
            let hit = index.most_similar(&signature, DEFAULT_MAX_SIMILARITY);
            let t2 = Instant::now();
            sign.push(t1 - t0);
            search.push(t2 - t1);
            both.push(t2 - t0);
            if run == 0 {
                match (p.duplicate, hit) {
                    (true, Some((id, _))) if id == i as i64 => found += 1,
                    (true, _) => missed += 1,
                    (false, Some(_)) => false_hits += 1,
                    (false, None) => {}
                }
            }
        }
    }
    println!(
        "reviews: {} ({runs} rounds of the {} labelled `b` articles); duplicates found {found}, \
         missed {missed}; other articles matched {false_hits}",
        both.len(),
        pairs.len()
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9}",
        "part", "median ms", "p90 ms", "max ms"
    );
    for (name, times) in [
        ("Signature::of", sign),
        ("Index::most_similar", search),
        ("similarity part of a review", both),
    ] {
        let (median, p90, max) = summary(times);
        println!("{name:<28} {median:>9.3} {p90:>9.3} {max:>9.3}");
        if name.starts_with("similarity") {
            let verdict = if median <= GOAL_MS { "PASS" } else { "MISS" };
            println!("goal: the whole review ≤ {GOAL_MS} ms; the similarity part's median is {median:.3} ms: {verdict}");
        }
    }
    if env_usize("CONTENTHUB_BENCH_STORE", 1) != 0 {
        drop(index);
        store_review(&pairs, &signatures, runs);
    }
}
