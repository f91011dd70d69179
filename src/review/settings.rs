//! The review settings: `[review]` in the config file (global defaults; its presence turns
//! review on) and the per-account overrides set with `account add/edit --review-rule
//! KEY=VALUE`, which take the same keys. One parser, [`ReviewSettings::set`], reads every
//! key from text, so the file and the command line accept exactly the same things.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::checks::{Action, Keywords, Reason, Rules};
use crate::domain::time::{format_duration, parse_duration};

/// How far back near-duplicates are looked for, unless set.
pub const SIMILARITY_WINDOW: Duration = Duration::from_secs(90 * 24 * 3600);

/// Every key `[review]` and `--review-rule` take (`actions.REASON` besides).
pub const KEYS: [&str; 10] = [
    "word_tolerance",
    "forbidden_words",
    "keywords",
    "keyword_min_count",
    "min_sections",
    "language_min_share",
    "min_quality_score",
    "max_similarity",
    "similarity_window",
    "max_regenerations",
];

/// The rules of review, and how far back near-duplicates are looked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewSettings {
    pub rules: Rules,
    #[serde(with = "window")]
    pub similarity_window: Duration,
}

impl Default for ReviewSettings {
    fn default() -> ReviewSettings {
        ReviewSettings {
            rules: Rules::default(),
            similarity_window: SIMILARITY_WINDOW,
        }
    }
}

mod window {
    use super::*;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&window_text(*d))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

fn share(key: &str, value: &str) -> Result<f64, String> {
    let v: f64 = value
        .trim()
        .trim_end_matches('%')
        .trim()
        .parse()
        .map_err(|_| format!("{key}: '{value}' is not a number"))?;
    let v = if value.trim().ends_with('%') {
        v / 100.0
    } else {
        v
    };
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("{key}: must be from 0 to 1 (or 0% to 100%)"));
    }
    Ok(v)
}

fn count(key: &str, value: &str, max: u32) -> Result<u32, String> {
    let v: u32 = value
        .trim()
        .parse()
        .map_err(|_| format!("{key}: '{value}' is not a whole number"))?;
    if v > max {
        return Err(format!("{key}: must be from 0 to {max}"));
    }
    Ok(v)
}

impl ReviewSettings {
    /// Sets `key` to `value`, given as text (`0.2`, `20%`, `90d`, `a,b`, `hold`); an empty
    /// value for `min_quality_score` unsets it. The error names the key and what it takes.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let key = key.trim();
        let r = &mut self.rules;
        match key {
            "word_tolerance" => r.word_tolerance = share(key, value)?,
            "forbidden_words" => {
                r.forbidden_words = value
                    .split([',', '，'])
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect()
            }
            "keywords" => {
                r.keywords = match value.trim() {
                    "all" => Keywords::All,
                    "any" => Keywords::Any,
                    _ => return Err(format!("{key}: must be \"all\" or \"any\"")),
                }
            }
            "keyword_min_count" => {
                r.keyword_min_count = count(key, value, 100)?.max(1);
            }
            "min_sections" => r.min_sections = count(key, value, 50)?,
            "language_min_share" => r.language_min_share = share(key, value)?,
            "min_quality_score" => {
                r.min_quality_score = if value.trim().is_empty() || value.trim() == "none" {
                    None
                } else {
                    Some(
                        value
                            .trim()
                            .parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite())
                            .ok_or_else(|| format!("{key}: '{value}' is not a number"))?,
                    )
                }
            }
            "max_similarity" => {
                let v = share(key, value)?;
                if v == 0.0 {
                    return Err(format!("{key}: must be above 0"));
                }
                r.max_similarity = v;
            }
            "similarity_window" => {
                let d = parse_duration(value).map_err(|e| format!("{key}: {e}"))?;
                if d.is_zero() {
                    return Err(format!("{key}: must be longer than 0"));
                }
                self.similarity_window = d;
            }
            "max_regenerations" => r.max_regenerations = count(key, value, 10)?,
            other => match other.strip_prefix("actions.") {
                Some(reason) => {
                    let reason: Reason = reason.parse()?;
                    let action: Action = value.parse().map_err(|e| format!("{key}: {e}"))?;
                    r.actions.insert(reason, action);
                }
                None => {
                    return Err(format!(
                        "unknown review rule '{other}' (known: {}, actions.CHECK)",
                        KEYS.join(", ")
                    ))
                }
            },
        }
        Ok(())
    }

    /// Every key with the value in effect, as [`ReviewSettings::set`] reads it back.
    pub fn describe(&self) -> Vec<(String, String)> {
        let r = &self.rules;
        let mut out = vec![
            ("word_tolerance".to_string(), r.word_tolerance.to_string()),
            ("forbidden_words".into(), r.forbidden_words.join(",")),
            (
                "keywords".into(),
                match r.keywords {
                    Keywords::All => "all",
                    Keywords::Any => "any",
                }
                .into(),
            ),
            ("keyword_min_count".into(), r.keyword_min_count.to_string()),
            ("min_sections".into(), r.min_sections.to_string()),
            (
                "language_min_share".into(),
                r.language_min_share.to_string(),
            ),
            (
                "min_quality_score".into(),
                r.min_quality_score
                    .map_or_else(|| "none".to_string(), |v| v.to_string()),
            ),
            ("max_similarity".into(), r.max_similarity.to_string()),
            (
                "similarity_window".into(),
                window_text(self.similarity_window),
            ),
            ("max_regenerations".into(), r.max_regenerations.to_string()),
        ];
        for reason in Reason::ALL {
            out.push((
                format!("actions.{reason}"),
                r.action(reason).as_str().to_string(),
            ));
        }
        out
    }

    /// These settings with `overrides` (an account's `KEY=VALUE` pairs) applied on top.
    pub fn with(&self, overrides: &BTreeMap<String, String>) -> Result<ReviewSettings, String> {
        let mut s = self.clone();
        for (k, v) in overrides {
            s.set(k, v)?;
        }
        Ok(s)
    }
}

/// A window in whole days when it is one (`90d`), else as other durations are shown.
fn window_text(d: Duration) -> String {
    let secs = d.as_secs();
    if secs > 0 && secs.is_multiple_of(86_400) && d.subsec_nanos() == 0 {
        format!("{}d", secs / 86_400)
    } else {
        format_duration(d)
    }
}

/// Parses one `--review-rule` argument, `KEY=VALUE`, checking it against the keys.
pub fn parse_override(arg: &str) -> Result<(String, String), String> {
    let (k, v) = arg
        .split_once('=')
        .ok_or_else(|| format!("'{arg}' is not KEY=VALUE"))?;
    let (k, v) = (k.trim().to_string(), v.trim().to_string());
    ReviewSettings::default().set(&k, &v)?;
    Ok((k, v))
}

/// A `[review]` value as the file writes it, in the text [`ReviewSettings::set`] reads.
fn text_of(key: &str, value: &toml::Value) -> Result<String, String> {
    Ok(match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Array(items) => items
            .iter()
            .map(|i| match i {
                toml::Value::String(s) if !s.contains(',') => Ok(s.clone()),
                toml::Value::String(_) => Err(format!("{key}: a word may not contain a comma")),
                _ => Err(format!("{key}: a list of strings")),
            })
            .collect::<Result<Vec<_>, _>>()?
            .join(","),
        _ => return Err(format!("{key}: not a value this key takes")),
    })
}

/// The `[review]` table of the config file. The error is the key at fault (as the file
/// names it) and what is wrong.
pub fn from_table(table: &toml::Table) -> Result<ReviewSettings, (String, String)> {
    let mut s = ReviewSettings::default();
    for (key, value) in table {
        if key == "actions" {
            let toml::Value::Table(actions) = value else {
                return Err((
                    key.clone(),
                    "a table: CHECK = \"pass|hold|regenerate\"".into(),
                ));
            };
            for (reason, action) in actions {
                let name = format!("actions.{reason}");
                let text = text_of(&name, action).map_err(|e| (name.clone(), e))?;
                s.set(&name, &text).map_err(|e| (name.clone(), e))?;
            }
            continue;
        }
        if key == "forbidden_words" && !value.is_array() {
            return Err((key.clone(), "a list of words".into()));
        }
        let text = text_of(key, value).map_err(|e| (key.clone(), e))?;
        s.set(key, &text).map_err(|e| (key.clone(), e))?;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_and_the_command_line_take_the_same_keys() {
        let table: toml::Table = toml::from_str(
            r#"
            word_tolerance = 0.2
            forbidden_words = ["最佳", "guaranteed"]
            keywords = "any"
            keyword_min_count = 2
            min_sections = 3
            language_min_share = "60%"
            min_quality_score = 0.7
            max_similarity = 0.85
            similarity_window = "30d"
            max_regenerations = 2
            [actions]
            near_duplicate = "regenerate"
            "#,
        )
        .unwrap();
        let file = from_table(&table).unwrap();
        let mut cli = ReviewSettings::default();
        for (k, v) in [
            ("word_tolerance", "0.2"),
            ("forbidden_words", "最佳, guaranteed"),
            ("keywords", "any"),
            ("keyword_min_count", "2"),
            ("min_sections", "3"),
            ("language_min_share", "0.6"),
            ("min_quality_score", "0.7"),
            ("max_similarity", "85%"),
            ("similarity_window", "30d"),
            ("max_regenerations", "2"),
            ("actions.near_duplicate", "regenerate"),
        ] {
            cli.set(k, v).unwrap();
        }
        assert_eq!(file, cli);
        // What `describe` shows reads back as the same settings.
        let mut again = ReviewSettings::default();
        for (k, v) in file.describe() {
            again.set(&k, &v).unwrap();
        }
        assert_eq!(again.describe(), file.describe());
        assert_eq!(
            again.rules.action(Reason::NearDuplicate),
            Action::Regenerate
        );
        assert_eq!(file.similarity_window, Duration::from_secs(30 * 86_400));
        assert!(file
            .describe()
            .contains(&("similarity_window".into(), "30d".into())));
        assert_eq!(file.rules.action(Reason::NearDuplicate), Action::Regenerate);
        assert_eq!(file.rules.action(Reason::ForbiddenWord), Action::Hold);
    }

    #[test]
    fn bad_values_name_the_key() {
        let mut s = ReviewSettings::default();
        for (k, v, says) in [
            ("word_tolerance", "2", "word_tolerance: must be from 0 to 1"),
            ("keywords", "most", "keywords: must be \"all\" or \"any\""),
            ("max_similarity", "0", "max_similarity: must be above 0"),
            ("similarity_window", "soon", "similarity_window:"),
            (
                "min_sections",
                "-1",
                "min_sections: '-1' is not a whole number",
            ),
            ("actions.length", "hold", "unknown review check 'length'"),
            (
                "actions.structure",
                "ignore",
                "unknown review action 'ignore'",
            ),
            ("tolerance", "0.1", "unknown review rule 'tolerance'"),
        ] {
            let e = s.set(k, v).unwrap_err();
            assert!(e.contains(says), "{k}={v}: {e}");
        }
        assert_eq!(
            s,
            ReviewSettings::default(),
            "a refused value changes nothing"
        );
        let table: toml::Table = toml::from_str("forbidden_words = \"x\"").unwrap();
        assert_eq!(from_table(&table).unwrap_err().0, "forbidden_words");
        let table: toml::Table = toml::from_str("[actions]\nstructure = 3").unwrap();
        assert_eq!(from_table(&table).unwrap_err().0, "actions.structure");
    }

    #[test]
    fn account_overrides_apply_on_top() {
        let mut global = ReviewSettings::default();
        global.set("forbidden_words", "a,b").unwrap();
        let overrides: BTreeMap<String, String> = [
            ("min_sections".to_string(), "4".to_string()),
            ("min_quality_score".to_string(), "0.5".to_string()),
        ]
        .into();
        let s = global.with(&overrides).unwrap();
        assert_eq!(s.rules.min_sections, 4);
        assert_eq!(s.rules.min_quality_score, Some(0.5));
        assert_eq!(s.rules.forbidden_words, ["a", "b"]);
        assert_eq!(
            parse_override("max_regenerations=3").unwrap(),
            ("max_regenerations".into(), "3".into())
        );
        assert!(parse_override("max_regenerations").is_err());
        assert!(parse_override("max_regenerations=many").is_err());
    }
}
