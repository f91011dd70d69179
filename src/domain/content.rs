//! Content: a generated article, and how its words are counted.

use serde::{Deserialize, Serialize};

use super::task::TaskId;
use super::time::Timestamp;

/// Review state of a content item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    Pending,
    Approved,
    Rejected,
}

impl Review {
    pub fn as_str(self) -> &'static str {
        match self {
            Review::Pending => "pending",
            Review::Approved => "approved",
            Review::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Review> {
        match s {
            "pending" => Some(Review::Pending),
            "approved" => Some(Review::Approved),
            "rejected" => Some(Review::Rejected),
            _ => None,
        }
    }
}

/// An image that belongs to an article.
///
/// `url` is where a reader fetches it (absolute http(s)); `path` is where the service that
/// made it keeps it on its own disk. An image with no URL that no configured base address
/// resolves is `unresolved`: the article links to a path a reader cannot open. Stored as JSON;
/// rows written before `path`, `format` and `unresolved` existed read with their defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unresolved: bool,
}

impl Image {
    /// How the image is named in messages: its path on the service, else its URL.
    pub fn name(&self) -> &str {
        self.path
            .as_deref()
            .or(self.url.as_deref())
            .unwrap_or("(no address)")
    }
}

/// Whether `s` is an absolute `http://` or `https://` URL.
pub fn is_absolute_url(s: &str) -> bool {
    let s = s.trim();
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    (lower.starts_with("http://") && s.len() > 7) || (lower.starts_with("https://") && s.len() > 8)
}

/// Calls `f(alt, target)` for every Markdown image `![alt](target)` in `text` and replaces
/// the whole image with what it returns (`None` keeps it as it is).
pub fn rewrite_images(text: &str, mut f: impl FnMut(&str, &str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("![") {
        let after = &rest[start + 2..];
        let parsed = after.find("](").and_then(|close| {
            let alt = &after[..close];
            if alt.contains('\n') {
                return None;
            }
            let tail = &after[close + 2..];
            let end = tail.find(')')?;
            let target = &tail[..end];
            (!target.contains('\n')).then_some((alt, target, 2 + close + 2 + end + 1))
        });
        match parsed {
            Some((alt, target, len)) => {
                out.push_str(&rest[..start]);
                let target_url = target.split_whitespace().next().unwrap_or("");
                match f(alt, target_url) {
                    Some(new) => out.push_str(&new),
                    None => out.push_str(&rest[start..start + len]),
                }
                rest = &rest[start + len..];
            }
            None => {
                out.push_str(&rest[..start + 2]);
                rest = &rest[start + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A stored content item, as `content show` and `--format json` present it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    pub id: i64,
    pub task_id: Option<TaskId>,
    pub account: String,
    pub account_id: i64,
    pub topic: Option<String>,
    pub keywords: Vec<String>,
    pub title: String,
    pub summary: Option<String>,
    pub body: String,
    pub html: Option<String>,
    pub cover_image: Option<String>,
    pub images: Vec<Image>,
    pub word_count: u32,
    pub quality_score: Option<f64>,
    pub generator: String,
    pub model: Option<String>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub review_status: Review,
    pub review_reason: Option<String>,
    pub reviewed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// How the article was reviewed: the rules that ran with their results, the decision
    /// and who made it. Absent on content stored before review records existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_record: Option<ReviewRecord>,
}

/// Who made a review decision.
pub const DECIDER_RULES: &str = "rules";
pub const DECIDER_OPERATOR: &str = "operator";

/// The review of one content row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRecord {
    /// The task's review mode: `auto`, `rules` or `manual`.
    pub mode: String,
    /// Every rule that ran, in order, with its result.
    #[serde(default)]
    pub checks: Vec<CheckResult>,
    /// The review state it decided.
    pub decision: Review,
    /// `rules` or `operator`; absent when nobody decided (approved by `auto`, held by
    /// `manual` or because a template wrote it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decider: Option<String>,
    pub at: Timestamp,
    /// Drafts the rules sent back before this one.
    #[serde(default)]
    pub regenerations: u32,
    /// Why, in words, when something besides the checks decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The drafts the rules sent back before this one, oldest first: each one's time, title,
    /// word count, body and checks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drafts: Vec<serde_json::Value>,
}

impl ReviewRecord {
    /// The checks that did not pass.
    pub fn failed(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.result != "pass")
    }
}

/// One rule's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The reason id (`word_range`, `forbidden_word`, …).
    pub check: String,
    /// `pass`, `hold` or `regenerate`.
    pub result: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // Extensions B–F, supplement
}

/// Words in `text`: every CJK character counts as one word; other text counts runs of letters
/// or digits separated by anything else. Markdown markup does not count, the target of a link
/// or an image (`](…)`) included.
pub fn word_count(text: &str) -> u32 {
    let mut n = 0u32;
    let mut in_word = false;
    let mut prev = '\0';
    let mut in_target = false;
    for c in text.chars() {
        if in_target {
            if c == ')' || c == '\n' {
                in_target = false;
            }
            prev = c;
            continue;
        }
        if c == '(' && prev == ']' {
            in_target = true;
            in_word = false;
        } else if is_cjk(c) {
            n += 1;
            in_word = false;
        } else if c.is_alphanumeric() || c == '\'' || c == '’' {
            if !in_word {
                n += 1;
                in_word = true;
            }
        } else {
            in_word = false;
        }
        prev = c;
    }
    n
}

/// The first Markdown heading's text, if any.
pub fn first_heading(markdown: &str) -> Option<String> {
    markdown.lines().find_map(|l| {
        let t = l.trim_start();
        let rest = t.trim_start_matches('#');
        (t.starts_with('#') && t.len() - rest.len() <= 6 && rest.starts_with(' '))
            .then(|| rest.trim().trim_end_matches('#').trim().to_string())
            .filter(|s| !s.is_empty())
    })
}

/// A plain-text summary: the first paragraph that is not a heading, cut to `max` characters.
pub fn summarize(markdown: &str, max: usize) -> Option<String> {
    let para = markdown.split("\n\n").map(str::trim).find(|p| {
        !p.is_empty() && !p.starts_with('#') && !p.starts_with('>') && !p.starts_with("```")
    })?;
    let flat: String = para.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = flat.replace(['*', '_', '`'], "");
    if flat.chars().count() <= max {
        return Some(flat);
    }
    let mut s: String = flat.chars().take(max).collect();
    s.push('…');
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cjk_per_character_and_latin_per_word() {
        assert_eq!(word_count("Rust 异步编程"), 5);
        assert_eq!(word_count("Hello, world! It's fine."), 4);
        assert_eq!(word_count("## 标题\n\n- 一\n- two three"), 5);
        assert_eq!(word_count(""), 0);
        // Link and image targets are markup.
        assert_eq!(
            word_count("看 ![示意图](https://img.example/a/b.png) 和 [docs](http://x.y/z) end"),
            7
        );
    }

    #[test]
    fn images_in_markdown_are_rewritten() {
        let md = "a ![一](image-placeholder-1) b ![](x.png \"t\") c ![not closed](y\nz)";
        let out = rewrite_images(md, |alt, target| match target {
            "image-placeholder-1" => Some(format!("![{alt}](https://h/1.png)")),
            "x.png" => Some(String::new()),
            _ => None,
        });
        assert_eq!(out, "a ![一](https://h/1.png) b  c ![not closed](y\nz)");
    }

    #[test]
    fn old_image_rows_still_read() {
        let old: Image =
            serde_json::from_str(r#"{"url":"https://x/1.png","prompt":"p","width":1}"#).unwrap();
        assert_eq!(old.url.as_deref(), Some("https://x/1.png"));
        assert!(!old.unresolved && old.path.is_none());
        let json = serde_json::to_string(&old).unwrap();
        assert_eq!(json, r#"{"url":"https://x/1.png","prompt":"p","width":1}"#);
        assert!(is_absolute_url("HTTPS://x/1.png") && !is_absolute_url("data/images/1.png"));
        assert!(!is_absolute_url("http://"));
    }

    #[test]
    fn headings_and_summaries() {
        assert_eq!(
            first_heading("intro\n# 标题 #\nbody").as_deref(),
            Some("标题")
        );
        assert_eq!(first_heading("#hashtag\nno heading"), None);
        assert_eq!(
            summarize("# T\n\nFirst *para*.\n\nSecond", 50).as_deref(),
            Some("First para.")
        );
        assert_eq!(
            summarize("# T\n\n一二三四五六", 3).as_deref(),
            Some("一二三…")
        );
    }
}
