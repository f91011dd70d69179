//! `cargo xtask dupes`: writes the labelled near-duplicate set,
//! `tests/data/near_duplicates.jsonl`, from the word lists in `words.rs` and a fixed seed
//! (`--check` fails when the file differs from what the generator writes).
//!
//! Each line is one pair of Markdown articles (a `#` title, `##` sections, 1,000–2,000
//! characters): `{"id", "lang", "kind", "duplicate", "split", "a", "b"}`. Per language there
//! are 120 pairs, 60 of them duplicates (`b` derived from `a`), 15 of each kind:
//!
//! - `edited`: 10–20 % of the sentences replaced by new ones on the same topic;
//! - `reordered`: the sections and the paragraphs within each section shuffled;
//! - `synonyms`: 15 % of the words swapped for synonyms (Chinese: 15 % of its two-character
//!   words, those of the word lists);
//! - `truncated`: cut to 70–85 % of its characters, at the end of a sentence where one is close.
//!
//! and 60 non-duplicates, 30 of each kind:
//!
//! - `same_topic`: another article on the same topic, with its own templates and words;
//! - `same_template`: the same sentence, heading and title templates in the same order, on
//!   another topic.
//!
//! `split` alternates between `tune` and `test` within each language and kind, so both
//! halves hold every kind.

mod words;

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;
use words::Lang;

const SEED: u64 = 16;
const PER_KIND_DUPLICATE: usize = 15;
const PER_KIND_DISTINCT: usize = 30;
pub const PATH: &str = "tests/data/near_duplicates.jsonl";

/// SplitMix64: small, seedable, and the same everywhere.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

struct Article {
    title: String,
    sections: Vec<(String, Vec<Vec<String>>)>,
}

impl Article {
    fn render(&self, lang: &Lang) -> String {
        let mut out = format!("# {}\n", self.title);
        for (heading, paragraphs) in &self.sections {
            out += &format!("\n## {heading}\n");
            for p in paragraphs {
                out += &format!("\n{}\n", p.join(lang.joiner));
            }
        }
        out
    }

    fn sentences(&self) -> usize {
        self.sections.iter().flat_map(|s| &s.1).map(Vec::len).sum()
    }
}

/// Fills one template's slots: `fill` draws the words, `topic` is the article's.
fn fill(lang: &Lang, template: &str, topic: usize, rng: &mut Rng, capital: bool) -> String {
    let (name, nouns) = lang.topics[topic];
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out += &rest[..i];
        let slot = &rest[i + 1..i + 2];
        let word = match slot {
            "t" => name.to_string(),
            "n" => rng.pick(nouns).to_string(),
            "g" => rng.pick(lang.general).to_string(),
            "a" => rng.pick(lang.adjectives).to_string(),
            "v" => rng.pick(lang.verbs).to_string(),
            _ => rng.range(10, 90).to_string(),
        };
        out += &if capital { title_case(&word) } else { word };
        rest = &rest[i + 3..];
    }
    out += rest;
    capitalize(&out)
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn title_case(s: &str) -> String {
    s.split(' ').map(capitalize).collect::<Vec<_>>().join(" ")
}

/// One article: `plan` draws the structure and the templates, `words` the slot fillers.
fn article(lang: &Lang, topic: usize, plan: &mut Rng, words: &mut Rng) -> Article {
    let target = plan.range(1_150, 1_650);
    let (lo, hi) = if lang.code == "zh" { (3, 5) } else { (2, 4) };
    let title = fill(
        lang,
        plan.pick(lang.titles),
        topic,
        words,
        lang.code == "en",
    );
    let mut article = Article {
        title,
        sections: Vec::new(),
    };
    let mut len = article.render(lang).chars().count();
    while len < target || article.sections.len() < 2 {
        let heading = fill(lang, plan.pick(lang.headings), topic, words, false);
        let mut paragraphs = Vec::new();
        for _ in 0..plan.range(2, 3) {
            let sentences: Vec<String> = (0..plan.range(lo, hi))
                .map(|_| fill(lang, plan.pick(lang.sentences), topic, words, false))
                .collect();
            len += sentences
                .iter()
                .map(|s| s.chars().count() + 1)
                .sum::<usize>()
                + 2;
            paragraphs.push(sentences);
            if len >= target {
                break;
            }
        }
        len += heading.chars().count() + 5;
        article.sections.push((heading, paragraphs));
    }
    article
}

fn edited(lang: &Lang, a: &Article, topic: usize, rng: &mut Rng) -> Article {
    let total = a.sentences();
    let share = 0.10 + 0.10 * rng.unit();
    let edits = ((total as f64 * share).round() as usize).max(1);
    let mut chosen: Vec<usize> = (0..total).collect();
    rng.shuffle(&mut chosen);
    chosen.truncate(edits);
    let mut i = 0;
    let sections = a
        .sections
        .iter()
        .map(|(heading, paragraphs)| {
            let paragraphs = paragraphs
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|s| {
                            i += 1;
                            if chosen.contains(&(i - 1)) {
                                let mut other = s.clone();
                                while &other == s {
                                    other = fill(lang, rng.pick(lang.sentences), topic, rng, false);
                                }
                                other
                            } else {
                                s.clone()
                            }
                        })
                        .collect()
                })
                .collect();
            (heading.clone(), paragraphs)
        })
        .collect();
    Article {
        title: a.title.clone(),
        sections,
    }
}

fn reordered(a: &Article, rng: &mut Rng) -> Article {
    let mut sections = a.sections.clone();
    let original = sections.clone();
    while sections == original {
        rng.shuffle(&mut sections);
        for (_, paragraphs) in &mut sections {
            rng.shuffle(paragraphs);
        }
    }
    Article {
        title: a.title.clone(),
        sections,
    }
}

/// Swaps 15 % of the words (Chinese: of the two-character words of the word lists) for
/// synonyms, chosen at random among those that have one.
fn synonyms(lang: &Lang, text: &str, rng: &mut Rng) -> String {
    let lookup = |w: &str| {
        lang.synonyms
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(w))
            .map(|(_, v)| *v)
    };
    // (byte start, byte end, synonym) of every swappable word, and the count of words.
    let mut spans = Vec::new();
    let mut words = 0;
    if lang.code == "zh" {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        while i + 1 < chars.len() {
            let start = chars[i].0;
            let end = chars.get(i + 2).map_or(text.len(), |c| c.0);
            if let Some(s) = lookup(&text[start..end]) {
                spans.push((start, end, s));
                words += 1;
                i += 2;
            } else {
                i += 1;
            }
        }
    } else {
        let mut start = None;
        for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
            match (start, c.is_alphabetic()) {
                (None, true) => start = Some(i),
                (Some(s), false) => {
                    words += 1;
                    if let Some(syn) = lookup(&text[s..i]) {
                        spans.push((s, i, syn));
                    }
                    start = None;
                }
                _ => {}
            }
        }
    }
    let swaps = ((words as f64 * 0.15).round() as usize).min(spans.len());
    rng.shuffle(&mut spans);
    spans.truncate(swaps);
    spans.sort_by_key(|s| s.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, syn) in spans {
        out += &text[at..start];
        let upper = text[start..].starts_with(|c: char| c.is_uppercase());
        out += &if upper {
            capitalize(syn)
        } else {
            syn.to_string()
        };
        at = end;
    }
    out += &text[at..];
    out
}

/// Cuts to 70–85 % of the characters, at the end of a sentence within the last 15 % if
/// there is one.
fn truncated(text: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = text.chars().collect();
    let share = 0.70 + 0.15 * rng.unit();
    let cut = (chars.len() as f64 * share) as usize;
    let floor = (chars.len() as f64 * 0.70) as usize;
    let end = (floor..cut)
        .rev()
        .find(|&i| matches!(chars[i], '.' | '。' | '\n'))
        .map_or(cut, |i| i + 1);
    let mut out: String = chars[..end].iter().collect();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn pairs(lang: &Lang, rng: &mut Rng) -> Vec<serde_json::Value> {
    let kinds = [
        ("edited", true, PER_KIND_DUPLICATE),
        ("reordered", true, PER_KIND_DUPLICATE),
        ("synonyms", true, PER_KIND_DUPLICATE),
        ("truncated", true, PER_KIND_DUPLICATE),
        ("same_topic", false, PER_KIND_DISTINCT),
        ("same_template", false, PER_KIND_DISTINCT),
    ];
    let mut out = Vec::new();
    for (kind, duplicate, count) in kinds {
        for j in 0..count {
            let topic = rng.below(lang.topics.len());
            let plan_seed = rng.next();
            let a = article(lang, topic, &mut Rng(plan_seed), &mut Rng(rng.next()));
            let b = match kind {
                "edited" => edited(lang, &a, topic, rng).render(lang),
                "reordered" => reordered(&a, rng).render(lang),
                "synonyms" => synonyms(lang, &a.render(lang), rng),
                "truncated" => truncated(&a.render(lang), rng),
                "same_topic" => {
                    article(lang, topic, &mut Rng(rng.next()), &mut Rng(rng.next())).render(lang)
                }
                _ => {
                    let other = (topic + 1 + rng.below(lang.topics.len() - 1)) % lang.topics.len();
                    article(lang, other, &mut Rng(plan_seed), &mut Rng(rng.next())).render(lang)
                }
            };
            out.push(json!({
                "id": format!("{}-{}-{:02}", lang.code, kind, j + 1),
                "lang": lang.code,
                "kind": kind,
                "duplicate": duplicate,
                "split": if j % 2 == 0 { "tune" } else { "test" },
                "a": a.render(lang),
                "b": b,
            }));
        }
    }
    out
}

/// The whole set, one JSON object per line.
pub fn generate() -> String {
    let mut rng = Rng(SEED);
    let mut out = String::new();
    for lang in [&words::ZH, &words::EN] {
        for pair in pairs(lang, &mut rng) {
            out += &pair.to_string();
            out.push('\n');
        }
    }
    out
}

/// Writes the set under `root`, or with `check` only compares it; false when it differed.
pub fn run(root: &Path, check: bool) -> Result<bool> {
    let path = root.join(PATH);
    let want = generate();
    let have = std::fs::read_to_string(&path).ok();
    if have.as_deref() == Some(want.as_str()) {
        println!("{PATH} is up to date ({} pairs)", want.lines().count());
        return Ok(true);
    }
    if check {
        eprintln!("{PATH} is stale (run `cargo xtask dupes`)");
        return Ok(false);
    }
    std::fs::write(&path, &want).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {PATH} ({} pairs)", want.lines().count());
    Ok(true)
}
