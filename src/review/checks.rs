//! The review rules' checks on a generated article: word range, forbidden words, required
//! keywords, structure, leftover placeholders, language and quality score, each giving a
//! [`Finding`] with its reason id, the outcome its rule asks for, and what exactly was found.
//! Near-duplicates are found by [`super::similarity`]; their finding is made here from the
//! score, so that every finding has one shape.
//!
//! Everything here is a pure function of the article and the rules: the caller decides what
//! the combined outcome does to the task (see [`decide`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::domain::content::{is_cjk, word_count};

/// Why a check did not pass: the ids `[review.actions]` is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    WordRange,
    ForbiddenWord,
    RequiredKeyword,
    Structure,
    Placeholder,
    Language,
    QualityScore,
    NearDuplicate,
}

impl Reason {
    pub const ALL: [Reason; 8] = [
        Reason::WordRange,
        Reason::ForbiddenWord,
        Reason::RequiredKeyword,
        Reason::Structure,
        Reason::Placeholder,
        Reason::Language,
        Reason::QualityScore,
        Reason::NearDuplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::WordRange => "word_range",
            Reason::ForbiddenWord => "forbidden_word",
            Reason::RequiredKeyword => "required_keyword",
            Reason::Structure => "structure",
            Reason::Placeholder => "placeholder",
            Reason::Language => "language",
            Reason::QualityScore => "quality_score",
            Reason::NearDuplicate => "near_duplicate",
        }
    }

    /// What a failed check of this kind does unless `[review.actions]` says otherwise: what a
    /// new draft can fix is regenerated, what needs a person's judgement is held.
    pub fn default_action(self) -> Action {
        match self {
            Reason::WordRange
            | Reason::RequiredKeyword
            | Reason::Structure
            | Reason::Placeholder
            | Reason::Language => Action::Regenerate,
            Reason::ForbiddenWord | Reason::QualityScore | Reason::NearDuplicate => Action::Hold,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = String;

    fn from_str(s: &str) -> Result<Reason, String> {
        Reason::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown review check '{s}' (known: {})",
                    Reason::ALL.map(Reason::as_str).join(", ")
                )
            })
    }
}

/// What a failed check does to the article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Nothing: the finding is recorded only.
    Pass,
    /// The article goes to a person.
    Hold,
    /// The task runs again with the findings as feedback.
    Regenerate,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Pass => "pass",
            Action::Hold => "hold",
            Action::Regenerate => "regenerate",
        }
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(s: &str) -> Result<Action, String> {
        match s.trim() {
            "pass" => Ok(Action::Pass),
            "hold" => Ok(Action::Hold),
            "regenerate" => Ok(Action::Regenerate),
            other => Err(format!(
                "unknown review action '{other}' (pass, hold or regenerate)"
            )),
        }
    }
}

/// Whether every required keyword must appear, or one is enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keywords {
    #[default]
    All,
    Any,
}

/// The rules one article is checked against: the `[review]` defaults with the account's
/// overrides applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// The account's word range is widened by this share on both ends.
    pub word_tolerance: f64,
    /// Words no article may contain (the global list and the account's).
    pub forbidden_words: Vec<String>,
    pub keywords: Keywords,
    /// How often each required keyword must appear.
    pub keyword_min_count: u32,
    /// Fewest `##` sections.
    pub min_sections: u32,
    /// Least share of the article's letters in the account's script (CJK characters for a
    /// Chinese, Japanese or Korean account, Latin letters for the others).
    pub language_min_share: f64,
    /// Least quality score, when the generator gives one; `None`: not checked.
    pub min_quality_score: Option<f64>,
    /// Most similarity (0–1) to an earlier article of the account.
    pub max_similarity: f64,
    /// How many times a task may be regenerated before a failed check holds it instead.
    pub max_regenerations: u32,
    /// The outcome per reason; a reason not listed takes [`Reason::default_action`].
    pub actions: BTreeMap<Reason, Action>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            word_tolerance: 0.1,
            forbidden_words: Vec::new(),
            keywords: Keywords::All,
            keyword_min_count: 1,
            min_sections: 2,
            language_min_share: 0.5,
            min_quality_score: None,
            max_similarity: super::similarity::DEFAULT_MAX_SIMILARITY,
            max_regenerations: 1,
            actions: BTreeMap::new(),
        }
    }
}

impl Rules {
    /// The outcome a failed check of `reason` asks for.
    pub fn action(&self, reason: Reason) -> Action {
        self.actions
            .get(&reason)
            .copied()
            .unwrap_or_else(|| reason.default_action())
    }
}

/// What the article was asked to be.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target<'a> {
    pub min_words: Option<u32>,
    pub max_words: Option<u32>,
    /// The account's language code (`zh-CN`, `en`, …).
    pub language: &'a str,
    /// The task's keywords.
    pub keywords: &'a [String],
}

/// The article under review.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Article<'a> {
    /// The Markdown body, its `#` title included.
    pub body: &'a str,
    pub quality_score: Option<f64>,
}

/// One check that did not pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub reason: Reason,
    pub action: Action,
    /// What was found, for a person and for the next prompt ("412 words; asked for
    /// 800–1500").
    pub detail: String,
    /// The same, as data: counts, words and positions, the similar content and its score.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

impl Finding {
    fn new(rules: &Rules, reason: Reason, detail: String, data: serde_json::Value) -> Finding {
        Finding {
            reason,
            action: rules.action(reason),
            detail,
            data,
        }
    }
}

/// Every check but the near-duplicate one; an empty list means the article passes them.
pub fn check(article: Article<'_>, target: &Target<'_>, rules: &Rules) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(word_range(article.body, target, rules));
    out.extend(forbidden_words(article.body, rules));
    out.extend(required_keywords(article.body, target, rules));
    out.extend(structure(article.body, rules));
    out.extend(placeholders(article.body, rules));
    out.extend(language(article.body, target, rules));
    if let (Some(min), Some(score)) = (rules.min_quality_score, article.quality_score) {
        if score < min {
            out.push(Finding::new(
                rules,
                Reason::QualityScore,
                format!("quality score {score} is below {min}"),
                serde_json::json!({"score": score, "min": min}),
            ));
        }
    }
    out
}

/// The finding for the most similar earlier article, when it is too similar.
pub fn near_duplicate(similar: Option<(i64, f64)>, rules: &Rules) -> Option<Finding> {
    let (content_id, score) = similar?;
    (score > rules.max_similarity).then(|| {
        Finding::new(
            rules,
            Reason::NearDuplicate,
            format!(
                "{:.0} % similar to content {content_id} (most allowed: {:.0} %)",
                score * 100.0,
                rules.max_similarity * 100.0
            ),
            serde_json::json!({"content_id": content_id, "score": score}),
        )
    })
}

/// What the findings do to the task, given how often it has been regenerated already.
/// A regenerate finding wins while regenerations are left (the new draft is checked against
/// every rule again); past that, any finding that is not `pass` holds the article.
pub fn decide(findings: &[Finding], regenerations: u32, rules: &Rules) -> Action {
    let wants = |a: Action| findings.iter().any(|f| f.action == a);
    if wants(Action::Regenerate) && regenerations < rules.max_regenerations {
        Action::Regenerate
    } else if wants(Action::Regenerate) || wants(Action::Hold) {
        Action::Hold
    } else {
        Action::Pass
    }
}

/// The findings that ask for a new draft, as instructions for its prompt.
pub fn feedback(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.action == Action::Regenerate)
        .map(|f| match f.reason {
            Reason::WordRange => format!("the previous draft had {}", f.detail),
            _ => format!("the previous draft: {}", f.detail),
        })
        .collect()
}

fn word_range(body: &str, target: &Target<'_>, rules: &Rules) -> Option<Finding> {
    if target.min_words.is_none() && target.max_words.is_none() {
        return None;
    }
    let words = word_count(body);
    let tolerance = rules.word_tolerance.max(0.0);
    let low = target
        .min_words
        .map(|m| (f64::from(m) * (1.0 - tolerance)).floor().max(0.0) as u32);
    let high = target
        .max_words
        .map(|m| (f64::from(m) * (1.0 + tolerance)).ceil() as u32);
    let short = low.is_some_and(|l| words < l);
    let long = high.is_some_and(|h| words > h);
    if !short && !long {
        return None;
    }
    let asked = match (target.min_words, target.max_words) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => unreachable!("checked above"),
    };
    Some(Finding::new(
        rules,
        Reason::WordRange,
        format!("{words} words; write {asked}"),
        serde_json::json!({"words": words, "min": target.min_words, "max": target.max_words,
                           "tolerance": tolerance}),
    ))
}

/// Occurrences of `needle` in `haystack`, case-insensitively, as character offsets. A needle
/// that starts or ends with a letter or digit of a script that separates words with spaces
/// only matches whole words there ("ass" is not found in "class"); CJK text has no such
/// boundaries and matches anywhere.
fn occurrences(haystack: &[char], needle: &str) -> Vec<usize> {
    let needle: Vec<char> = needle.trim().chars().flat_map(char::to_lowercase).collect();
    if needle.is_empty() || needle.len() > haystack.len() {
        return Vec::new();
    }
    let word = |c: char| c.is_alphanumeric() && !is_cjk(c);
    let bound_start = needle.first().is_some_and(|c| word(*c));
    let bound_end = needle.last().is_some_and(|c| word(*c));
    let mut out = Vec::new();
    for i in 0..=haystack.len() - needle.len() {
        if haystack[i..i + needle.len()] != needle[..] {
            continue;
        }
        if bound_start && i > 0 && word(haystack[i - 1]) {
            continue;
        }
        let end = i + needle.len();
        if bound_end && end < haystack.len() && word(haystack[end]) {
            continue;
        }
        out.push(i);
    }
    out
}

fn lowered(body: &str) -> Vec<char> {
    // Lower-casing one character may give several; positions are then approximate for such
    // characters, which are rare in the scripts this handles.
    body.chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect()
}

/// The line (from 1) of character offset `at`.
fn line_of(text: &[char], at: usize) -> usize {
    1 + text[..at.min(text.len())]
        .iter()
        .filter(|c| **c == '\n')
        .count()
}

fn forbidden_words(body: &str, rules: &Rules) -> Option<Finding> {
    let text = lowered(body);
    let mut found = Vec::new();
    for w in &rules.forbidden_words {
        if let Some(&at) = occurrences(&text, w).first() {
            found.push((w.trim().to_string(), at, line_of(&text, at)));
        }
    }
    if found.is_empty() {
        return None;
    }
    found.sort_by_key(|(_, at, _)| *at);
    let detail = found
        .iter()
        .map(|(w, at, line)| format!("\"{w}\" at line {line} (character {at})"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(Finding::new(
        rules,
        Reason::ForbiddenWord,
        format!("forbidden words: {detail}"),
        serde_json::json!(found
            .iter()
            .map(|(w, at, line)| serde_json::json!({"word": w, "offset": at, "line": line}))
            .collect::<Vec<_>>()),
    ))
}

fn required_keywords(body: &str, target: &Target<'_>, rules: &Rules) -> Option<Finding> {
    let wanted: Vec<&String> = target
        .keywords
        .iter()
        .filter(|k| !k.trim().is_empty())
        .collect();
    if wanted.is_empty() {
        return None;
    }
    let text = lowered(body);
    let min = rules.keyword_min_count.max(1) as usize;
    let counts: Vec<(&str, usize)> = wanted
        .iter()
        .map(|k| (k.trim(), occurrences(&text, k).len()))
        .collect();
    let short: Vec<&(&str, usize)> = counts.iter().filter(|(_, n)| *n < min).collect();
    let fails = match rules.keywords {
        Keywords::All => !short.is_empty(),
        Keywords::Any => short.len() == counts.len(),
    };
    if !fails {
        return None;
    }
    let times = if min == 1 {
        String::new()
    } else {
        format!(" at least {min} times")
    };
    let list = short
        .iter()
        .map(|(k, n)| format!("\"{k}\" ({n})"))
        .collect::<Vec<_>>()
        .join(", ");
    let detail = match rules.keywords {
        Keywords::All => format!("keywords missing: {list}; use each{times}"),
        Keywords::Any => format!("none of the keywords appears{times}: {list}"),
    };
    Some(Finding::new(
        rules,
        Reason::RequiredKeyword,
        detail,
        serde_json::json!({
            "mode": rules.keywords,
            "min_count": min,
            "counts": counts.iter().map(|(k, n)| serde_json::json!({"keyword": k, "count": n})).collect::<Vec<_>>(),
        }),
    ))
}

/// A Markdown heading's level and text, for a line outside code fences.
fn heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start();
    let hashes = t.chars().take_while(|c| *c == '#').count();
    let rest = &t[hashes..];
    ((1..=6).contains(&hashes) && (rest.is_empty() || rest.starts_with(' ')))
        .then(|| (hashes, rest.trim()))
}

fn structure(body: &str, rules: &Rules) -> Option<Finding> {
    let mut problems = Vec::new();
    let (mut titles, mut sections) = (0u32, 0u32);
    let mut fence_open: Option<usize> = None;
    // The open `##` section: its heading's line and whether text followed it.
    let mut open_section: Option<(usize, String, bool)> = None;
    let mut empty = Vec::new();
    for (i, line) in body.lines().enumerate() {
        let n = i + 1;
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            fence_open = match fence_open {
                Some(_) => None,
                None => Some(n),
            };
            if let Some((_, _, had)) = open_section.as_mut() {
                *had = true;
            }
            continue;
        }
        if fence_open.is_some() {
            continue;
        }
        match heading(line) {
            Some((level, text)) => {
                if level == 1 {
                    titles += 1;
                }
                if level <= 2 {
                    if let Some((at, name, false)) = open_section.take() {
                        empty.push((at, name));
                    }
                }
                if level == 2 {
                    sections += 1;
                    open_section = Some((n, text.to_string(), false));
                }
            }
            None if !line.trim().is_empty() => {
                if let Some((_, _, had)) = open_section.as_mut() {
                    *had = true;
                }
            }
            None => {}
        }
    }
    if let Some((at, name, false)) = open_section {
        empty.push((at, name));
    }
    match titles {
        1 => {}
        0 => problems.push("no `#` title".to_string()),
        n => problems.push(format!("{n} `#` titles; write one")),
    }
    if sections < rules.min_sections {
        problems.push(format!(
            "{sections} `##` sections; write at least {}",
            rules.min_sections
        ));
    }
    for (at, name) in &empty {
        problems.push(format!("section \"{name}\" (line {at}) is empty"));
    }
    if let Some(at) = fence_open {
        problems.push(format!("the code block opened at line {at} is not closed"));
    }
    if problems.is_empty() {
        return None;
    }
    Some(Finding::new(
        rules,
        Reason::Structure,
        problems.join("; "),
        serde_json::json!({"titles": titles, "sections": sections,
                           "empty_sections": empty.iter().map(|(at, name)| serde_json::json!({"line": at, "heading": name})).collect::<Vec<_>>(),
                           "unclosed_fence_line": fence_open}),
    ))
}

/// Text a generator leaves where it meant to put something.
const PLACEHOLDERS: [&str; 3] = ["image-placeholder", "todo", "[insert"];

fn placeholders(body: &str, rules: &Rules) -> Option<Finding> {
    let text = lowered(body);
    let mut found: Vec<(String, usize)> = Vec::new();
    for p in PLACEHOLDERS {
        for at in occurrences(&text, p) {
            // `TODO` counts as a placeholder only in capitals, as generators leave it;
            // "todo" in running text ("a to-do list", "todos") is a word.
            if p == "todo" {
                let original: String = body.chars().skip(at).take(4).collect();
                if original != "TODO" {
                    continue;
                }
            }
            found.push((
                body.chars().skip(at).take(p.len()).collect(),
                line_of(&text, at),
            ));
        }
    }
    if found.is_empty() {
        return None;
    }
    found.sort_by_key(|(_, line)| *line);
    Some(Finding::new(
        rules,
        Reason::Placeholder,
        format!(
            "leftover placeholders: {}",
            found
                .iter()
                .map(|(p, line)| format!("\"{p}\" at line {line}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        serde_json::json!(found
            .iter()
            .map(|(p, line)| serde_json::json!({"text": p, "line": line}))
            .collect::<Vec<_>>()),
    ))
}

/// Whether a language code is written in CJK characters.
fn cjk_language(code: &str) -> bool {
    let primary = code
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(primary.as_str(), "zh" | "ja" | "ko")
}

fn language(body: &str, target: &Target<'_>, rules: &Rules) -> Option<Finding> {
    if target.language.trim().is_empty() {
        return None;
    }
    let (mut cjk, mut latin) = (0usize, 0usize);
    let mut in_fence = false;
    for line in body.lines() {
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        for c in line.chars() {
            if is_cjk(c) {
                cjk += 1;
            } else if c.is_alphabetic() {
                latin += 1;
            }
        }
    }
    let total = cjk + latin;
    if total == 0 {
        return None;
    }
    let wants_cjk = cjk_language(target.language);
    let share = if wants_cjk { cjk } else { latin } as f64 / total as f64;
    if share >= rules.language_min_share {
        return None;
    }
    let script = if wants_cjk {
        "CJK characters"
    } else {
        "Latin letters"
    };
    Some(Finding::new(
        rules,
        Reason::Language,
        format!(
            "{:.0} % of the letters are {script}; write in {} ({:.0} % at least)",
            share * 100.0,
            target.language,
            rules.language_min_share * 100.0
        ),
        serde_json::json!({"share": share, "min": rules.language_min_share, "language": target.language}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(body: &str) -> Article<'_> {
        Article {
            body,
            quality_score: None,
        }
    }

    const GOOD_ZH: &str = "# 春季护肤指南\n\n## 为什么要调整\n\n春天气温变化大，皮肤容易干燥。\n\n## 怎么做\n\n多喝水，注意防晒，保持好的作息。\n";

    fn zh_target(keywords: &[String]) -> Target<'_> {
        Target {
            min_words: Some(20),
            max_words: Some(60),
            language: "zh-CN",
            keywords,
        }
    }

    fn reasons(findings: &[Finding]) -> Vec<Reason> {
        findings.iter().map(|f| f.reason).collect()
    }

    #[test]
    fn a_good_article_passes_every_check() {
        let kw = vec!["防晒".to_string()];
        let f = check(article(GOOD_ZH), &zh_target(&kw), &Rules::default());
        assert!(f.is_empty(), "{f:#?}");
        assert_eq!(decide(&f, 0, &Rules::default()), Action::Pass);
    }

    #[test]
    fn word_range_counts_cjk_characters_with_the_tolerance() {
        let rules = Rules::default();
        let words = word_count(GOOD_ZH);
        // Just inside the widened range on each side, then just outside.
        let inside = Target {
            min_words: Some((f64::from(words) / 0.9).floor() as u32),
            max_words: Some((f64::from(words) / 1.1).ceil() as u32),
            language: "zh",
            keywords: &[],
        };
        assert!(word_range(GOOD_ZH, &inside, &rules).is_none());
        let short = Target {
            min_words: Some(words * 2),
            max_words: Some(words * 3),
            ..inside.clone()
        };
        let f = word_range(GOOD_ZH, &short, &rules).unwrap();
        assert_eq!(f.action, Action::Regenerate);
        assert_eq!(
            f.detail,
            format!("{words} words; write {}–{}", words * 2, words * 3)
        );
        assert_eq!(
            feedback(&[f])[0],
            format!(
                "the previous draft had {words} words; write {}–{}",
                words * 2,
                words * 3
            )
        );
        let long = Target {
            min_words: None,
            max_words: Some(words / 2),
            ..inside
        };
        assert!(word_range(GOOD_ZH, &long, &rules)
            .unwrap()
            .detail
            .ends_with(&format!("write at most {}", words / 2)));
    }

    #[test]
    fn forbidden_words_are_found_with_their_line_and_whole_english_words_only() {
        let rules = Rules {
            forbidden_words: vec!["最佳".into(), "ass".into(), "Guaranteed".into()],
            ..Rules::default()
        };
        let body =
            "# Title\n\n## One\n\nOur class is fine.\n\n## Two\n\n这是最佳选择, GUARANTEED.\n";
        let f = forbidden_words(body, &rules).unwrap();
        assert_eq!(f.action, Action::Hold);
        assert!(f.detail.contains("\"最佳\" at line 9"), "{}", f.detail);
        assert!(
            f.detail.contains("\"Guaranteed\" at line 9"),
            "{}",
            f.detail
        );
        assert!(
            !f.detail.contains("ass"),
            "matched inside 'class': {}",
            f.detail
        );
        assert_eq!(f.data.as_array().unwrap().len(), 2);
        assert!(forbidden_words("# T\n\nclassic\n", &rules).is_none());
    }

    #[test]
    fn keywords_all_any_and_min_count() {
        let kw = vec!["防晒".to_string(), "保湿".to_string()];
        let all = Rules::default();
        let f = required_keywords(GOOD_ZH, &zh_target(&kw), &all).unwrap();
        assert_eq!(f.action, Action::Regenerate);
        assert!(f.detail.contains("\"保湿\" (0)"), "{}", f.detail);
        assert!(!f.detail.contains("防晒"), "{}", f.detail);
        let any = Rules {
            keywords: Keywords::Any,
            ..Rules::default()
        };
        assert!(required_keywords(GOOD_ZH, &zh_target(&kw), &any).is_none());
        let twice = Rules {
            keywords: Keywords::Any,
            keyword_min_count: 2,
            ..Rules::default()
        };
        let f = required_keywords(GOOD_ZH, &zh_target(&kw), &twice).unwrap();
        assert!(f.detail.contains("at least 2 times"), "{}", f.detail);
        // English keywords are whole words, in any case.
        let en = ["Rust".to_string()];
        let t = Target {
            keywords: &en,
            language: "en",
            ..Target::default()
        };
        assert!(required_keywords("# T\n\nrust is fine", &t, &all).is_none());
        assert!(required_keywords("# T\n\nrusty nails", &t, &all).is_some());
    }

    #[test]
    fn structure_wants_one_title_enough_sections_none_empty_and_closed_fences() {
        let rules = Rules::default();
        assert!(structure(GOOD_ZH, &rules).is_none());
        let f = structure("no title\n\n## Only\n\ntext\n", &rules).unwrap();
        assert!(f.detail.contains("no `#` title"), "{}", f.detail);
        assert!(
            f.detail.contains("1 `##` sections; write at least 2"),
            "{}",
            f.detail
        );
        let f = structure("# A\n\n## One\n\n## Two\n\ntext\n# B\n", &rules).unwrap();
        assert!(f.detail.contains("2 `#` titles"), "{}", f.detail);
        assert!(
            f.detail.contains("section \"One\" (line 3) is empty"),
            "{}",
            f.detail
        );
        let f = structure(
            "# A\n\n## One\n\n```rust\nfn x() {}\n\n## Two\n\nt\n",
            &rules,
        )
        .unwrap();
        assert!(
            f.detail.contains("opened at line 5 is not closed"),
            "{}",
            f.detail
        );
        // A heading inside a closed fence is code, not a section.
        let fenced = "# A\n\n## One\n\n```\n## not a section\n```\n\n## Two\n\nt\n";
        assert!(structure(fenced, &rules).is_none());
        // The last section with nothing under it is empty too.
        let f = structure("# A\n\n## One\n\ntext\n\n## Two\n", &rules).unwrap();
        assert!(
            f.detail.contains("section \"Two\" (line 7) is empty"),
            "{}",
            f.detail
        );
    }

    #[test]
    fn placeholders_left_by_a_generator() {
        let rules = Rules::default();
        let body = "# A\n\n## One\n\n![](image-placeholder-1)\n\nTODO: finish\n\n## Two\n\n[Insert chart here]\n\nA to-do list, todos.\n";
        let f = placeholders(body, &rules).unwrap();
        assert_eq!(f.action, Action::Regenerate);
        assert_eq!(f.data.as_array().unwrap().len(), 3, "{}", f.detail);
        assert!(
            f.detail.contains("\"image-placeholder\" at line 5"),
            "{}",
            f.detail
        );
        assert!(f.detail.contains("\"TODO\" at line 7"), "{}", f.detail);
        assert!(f.detail.contains("\"[Insert\" at line 11"), "{}", f.detail);
        assert!(placeholders(GOOD_ZH, &rules).is_none());
    }

    #[test]
    fn language_share_by_the_account_s_script() {
        let rules = Rules::default();
        let zh = Target {
            language: "zh-CN",
            ..Target::default()
        };
        let en = Target {
            language: "en",
            ..Target::default()
        };
        assert!(language(GOOD_ZH, &zh, &rules).is_none());
        let f = language(GOOD_ZH, &en, &rules).unwrap();
        assert!(
            f.detail.starts_with("0 % of the letters are Latin letters"),
            "{}",
            f.detail
        );
        let english = "# Spring care\n\n## Why\n\nThe weather changes; skin dries out.\n";
        assert!(language(english, &en, &rules).is_none());
        assert!(language(english, &zh, &rules).is_some());
        // Code is not prose.
        let code = "# 标题\n\n## 代码\n\n```\nfn main() { println!(\"hello world, hello world\"); }\n```\n\n中文说明。\n";
        assert!(language(code, &zh, &rules).is_none());
    }

    #[test]
    fn quality_score_only_when_asked_and_given() {
        let rules = Rules {
            min_quality_score: Some(0.7),
            ..Rules::default()
        };
        let kw: Vec<String> = vec![];
        let t = zh_target(&kw);
        let low = Article {
            body: GOOD_ZH,
            quality_score: Some(0.5),
        };
        assert_eq!(reasons(&check(low, &t, &rules)), [Reason::QualityScore]);
        assert!(check(article(GOOD_ZH), &t, &rules).is_empty());
        assert!(check(low, &t, &Rules::default()).is_empty());
    }

    #[test]
    fn near_duplicates_above_the_limit_hold() {
        let rules = Rules::default();
        assert!(near_duplicate(None, &rules).is_none());
        assert!(near_duplicate(Some((7, 0.55)), &rules).is_none());
        let f = near_duplicate(Some((7, 0.93)), &rules).unwrap();
        assert_eq!(f.action, Action::Hold);
        assert_eq!(f.detail, "93 % similar to content 7 (most allowed: 55 %)");
    }

    #[test]
    fn regeneration_wins_while_allowed_then_holds() {
        let mut rules = Rules::default();
        let body = "# A\n\n## One\n\ntext TODO\n\n## Two\n\nguaranteed\n";
        rules.forbidden_words = vec!["guaranteed".into()];
        let f = check(article(body), &Target::default(), &rules);
        assert_eq!(reasons(&f), [Reason::ForbiddenWord, Reason::Placeholder]);
        assert_eq!(decide(&f, 0, &rules), Action::Regenerate);
        assert_eq!(decide(&f, 1, &rules), Action::Hold);
        // `[review.actions]` can make any check pass (recorded only) or hold.
        rules.actions.insert(Reason::Placeholder, Action::Pass);
        rules.actions.insert(Reason::ForbiddenWord, Action::Pass);
        let f = check(article(body), &Target::default(), &rules);
        assert_eq!(decide(&f, 0, &rules), Action::Pass);
        assert!(feedback(&f).is_empty());
    }

    #[test]
    fn reason_and_action_ids_round_trip() {
        for r in Reason::ALL {
            assert_eq!(r.as_str().parse::<Reason>().unwrap(), r);
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::json!(r.as_str())
            );
        }
        assert!("length".parse::<Reason>().is_err());
        for a in [Action::Pass, Action::Hold, Action::Regenerate] {
            assert_eq!(a.as_str().parse::<Action>().unwrap(), a);
        }
    }
}
