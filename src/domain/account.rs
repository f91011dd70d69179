//! Accounts: who content is written for, and the rules for their fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::review::ReviewMode;

use super::time::Timestamp;
use crate::error::Error;

/// A stored account, as `account show` and `--format json` present it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub platform: String,
    pub language: String,
    pub tone: Option<String>,
    pub category: Option<String>,
    pub persona: Option<String>,
    pub min_words: Option<u32>,
    pub max_words: Option<u32>,
    pub forbidden_words: Vec<String>,
    /// How the account's articles are reviewed, unless a task says otherwise.
    pub review: ReviewMode,
    /// The account's overrides of the `[review]` keys, as `KEY=VALUE` text.
    #[serde(default, with = "rules_list")]
    pub review_rules: BTreeMap<String, String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Review rule overrides in JSON and CSV: a list of `KEY=VALUE`, like the flag takes them.
mod rules_list {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(m: &BTreeMap<String, String>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter().map(|(k, v)| format!("{k}={v}")))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, String>, D::Error> {
        let list = Vec::<String>::deserialize(d)?;
        Ok(list
            .into_iter()
            .filter_map(|e| {
                let (k, v) = e.split_once('=')?;
                Some((k.to_string(), v.to_string()))
            })
            .collect())
    }
}

/// A validated new account.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAccount {
    pub name: String,
    pub display_name: Option<String>,
    pub platform: String,
    pub language: String,
    pub tone: Option<String>,
    pub category: Option<String>,
    pub persona: Option<String>,
    pub min_words: Option<u32>,
    pub max_words: Option<u32>,
    pub forbidden_words: Vec<String>,
    pub review: ReviewMode,
    pub review_rules: BTreeMap<String, String>,
}

/// Changes to an account; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountPatch {
    pub name: Option<String>,
    pub display_name: Option<Option<String>>,
    pub platform: Option<String>,
    pub language: Option<String>,
    pub tone: Option<Option<String>>,
    pub category: Option<Option<String>>,
    pub persona: Option<Option<String>>,
    pub min_words: Option<Option<u32>>,
    pub max_words: Option<Option<u32>>,
    pub forbidden_words: Option<Vec<String>>,
    pub review: Option<ReviewMode>,
    /// Review rule overrides to set (`Some`) or remove (`None`), by key.
    pub review_rules: Vec<(String, Option<String>)>,
}

impl AccountPatch {
    pub fn is_empty(&self) -> bool {
        *self == AccountPatch::default()
    }
}

pub const DEFAULT_PLATFORM: &str = "wechat";
pub const DEFAULT_LANGUAGE: &str = "zh-CN";
const NAME_MAX: usize = 64;
const TEXT_MAX: usize = 200;
const PERSONA_MAX: usize = 2000;
const WORDS_MAX: u32 = 100_000;

/// `[A-Za-z][A-Za-z0-9_-]{0,63}`.
pub fn validate_name(name: &str) -> Result<String, Error> {
    let mut chars = name.chars();
    let ok = name.len() <= NAME_MAX
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(name.to_string())
    } else {
        Err(Error::invalid(
            "name",
            format!(
                "'{name}' is not a valid account name (a letter, then up to 63 letters, digits, '_' or '-')"
            ),
        ))
    }
}

/// A lowercase identifier such as `wechat`, `blog`, `newsletter`.
pub fn validate_platform(p: &str) -> Result<String, Error> {
    let p = p.trim().to_ascii_lowercase();
    let mut chars = p.chars();
    let ok = p.len() <= 32
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(p)
    } else {
        Err(Error::invalid(
            "platform",
            format!("'{p}' is not a platform name (e.g. wechat, blog, newsletter)"),
        ))
    }
}

/// An ISO 639 code of 2–3 letters with an optional script and region: `zh`, `zh-CN`,
/// `zh-Hans-CN`, `en-US`, `es-419`. Returned in canonical case.
pub fn validate_language(lang: &str) -> Result<String, Error> {
    let bad = || {
        Error::invalid(
            "language",
            format!("'{lang}' is not a language code (expected e.g. zh, zh-CN, en-US)"),
        )
    };
    let parts: Vec<&str> = lang.trim().split(['-', '_']).collect();
    let (first, rest) = parts.split_first().ok_or_else(bad)?;
    if !(2..=3).contains(&first.len()) || !first.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(bad());
    }
    let mut out = first.to_ascii_lowercase();
    let mut rest = rest.iter().peekable();
    if let Some(script) =
        rest.next_if(|s| s.len() == 4 && s.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        out.push('-');
        out.push_str(&script[..1].to_ascii_uppercase());
        out.push_str(&script[1..].to_ascii_lowercase());
    }
    if let Some(region) = rest.next() {
        let letters = region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic());
        let digits = region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit());
        if !(letters || digits) {
            return Err(bad());
        }
        out.push('-');
        out.push_str(&region.to_ascii_uppercase());
    }
    if rest.next().is_some() {
        return Err(bad());
    }
    Ok(out)
}

pub fn validate_text(field: &str, v: &str, max: usize) -> Result<Option<String>, Error> {
    let t = v.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let n = t.chars().count();
    if n > max {
        return Err(Error::invalid(
            field,
            format!("{n} characters is too long (at most {max})"),
        ));
    }
    Ok(Some(t.to_string()))
}

pub fn validate_words(field: &str, n: u32) -> Result<u32, Error> {
    if n == 0 || n > WORDS_MAX {
        return Err(Error::invalid(
            field,
            format!("{n} is out of range (1..{WORDS_MAX})"),
        ));
    }
    Ok(n)
}

pub fn check_word_range(min: Option<u32>, max: Option<u32>) -> Result<(), Error> {
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            return Err(Error::invalid(
                "min_words",
                format!("min-words {lo} is greater than max-words {hi}"),
            ));
        }
    }
    Ok(())
}

/// `a,b` (also the full-width comma) → trimmed, non-empty, deduplicated words.
pub fn parse_word_list(field: &str, s: &str) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    if s.trim().is_empty() {
        return Ok(out);
    }
    super::task::refuse_controls(field, s, &[])?;
    for (i, w) in s.split([',', '，']).enumerate() {
        let w = w.trim();
        if w.is_empty() {
            return Err(Error::invalid(
                field,
                format!("entry {} is empty (write them as a,b,c)", i + 1),
            ));
        }
        if w.chars().count() > 64 {
            return Err(Error::invalid(
                field,
                format!("'{w}' is too long (at most 64 characters)"),
            ));
        }
        if !out.iter().any(|x| x == w) {
            out.push(w.to_string());
        }
    }
    Ok(out)
}

/// Field limits shared by add and edit.
pub fn text_limit(field: &str) -> usize {
    match field {
        "persona" => PERSONA_MAX,
        _ => TEXT_MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name("tech-blog_2").is_ok());
        assert!(validate_name("2fast").is_err());
        assert!(validate_name("").is_err());
        assert!(validate_name("a b").is_err());
        assert!(validate_name(&"a".repeat(64)).is_ok());
        assert!(validate_name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn languages() {
        assert_eq!(validate_language("zh").unwrap(), "zh");
        assert_eq!(validate_language("zh-cn").unwrap(), "zh-CN");
        assert_eq!(validate_language("en_US").unwrap(), "en-US");
        assert_eq!(validate_language("zh-hans-cn").unwrap(), "zh-Hans-CN");
        assert_eq!(validate_language("es-419").unwrap(), "es-419");
        for bad in ["", "chinese", "z", "zh-", "zh-CHN1", "zh-CN-x"] {
            assert!(validate_language(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn word_ranges() {
        assert!(check_word_range(Some(800), Some(1200)).is_ok());
        assert!(check_word_range(Some(1200), Some(800)).is_err());
        assert!(validate_words("min_words", 0).is_err());
    }
}
