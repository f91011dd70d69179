//! Profile fallbacks: where a task goes when its profile is unavailable.
//!
//! A profile's `fallback` list names, in order, the profiles to try when it cannot serve a
//! task at all (HTTP 402, model not found, no access, quota exhausted: a
//! [`ErrorKind::Unavailable`](crate::generator::ErrorKind::Unavailable) error). A task
//! follows the list of the profile it was submitted to, its *original* profile, whichever
//! profile of that list it runs on now; past the end of the list it fails. This file only
//! decides; `outcome` commits the move through the store's guarded transition.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::options::TEMPLATE;
use crate::generator::{GeneratorKind, GeneratorProfile};

/// What the daemon knows of its profiles' fallbacks.
#[derive(Debug, Clone, Default)]
pub struct Fallbacks {
    lists: HashMap<String, Vec<String>>,
    after: HashMap<String, Duration>,
    templates: HashSet<String>,
}

/// A move that [`Fallbacks::next`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// The profile the task runs on now.
    pub from: String,
    /// The profile it moves to.
    pub to: String,
    /// The profile whose list it follows.
    pub original: String,
}

impl Fallbacks {
    /// The fallbacks of the configured `profiles` (the built-in `template` has none).
    pub fn of<'a>(profiles: impl IntoIterator<Item = (&'a String, &'a GeneratorProfile)>) -> Self {
        let mut f = Fallbacks::default();
        f.templates.insert(TEMPLATE.to_string());
        for (name, p) in profiles {
            if !p.fallbacks().is_empty() {
                f.lists.insert(name.clone(), p.fallbacks().to_vec());
            }
            if let Some(d) = p.fallback_after {
                f.after.insert(name.clone(), d.0);
            }
            if p.kind == GeneratorKind::Template {
                f.templates.insert(name.clone());
            } else {
                f.templates.remove(name);
            }
        }
        f
    }

    /// Where a task on profile `current`, submitted to `original` (`None`: it has not moved),
    /// goes next: the entry of the original profile's list after `current`, skipping
    /// profiles that `known` does not have. `None` when the list is exhausted or there is
    /// none, or when `current` is not on the list (the configuration changed under the task).
    pub fn next(
        &self,
        current: &str,
        original: Option<&str>,
        known: impl Fn(&str) -> bool,
    ) -> Option<Move> {
        let original = original.unwrap_or(current);
        let list = self.lists.get(original)?;
        let start = if current == original {
            0
        } else {
            list.iter().position(|p| p == current)? + 1
        };
        list[start..]
            .iter()
            .find(|p| p.as_str() != original && known(p))
            .map(|to| Move {
                from: current.to_string(),
                to: to.clone(),
                original: original.to_string(),
            })
    }

    /// The longest a task on `profile` should wait for its rate limit or budget before it
    /// moves to its fallback (`fallback_after`), when set.
    pub fn after(&self, profile: &str) -> Option<Duration> {
        self.after.get(profile).copied()
    }

    /// Whether `profile` is of kind `template`: content that a task fell back to it for is
    /// held for review whatever its `auto_approve`.
    pub fn is_template(&self, profile: &str) -> bool {
        self.templates.contains(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn profiles(toml: &str) -> BTreeMap<String, GeneratorProfile> {
        toml::from_str(toml).unwrap()
    }

    #[test]
    fn follows_the_original_list_to_its_end() {
        let p = profiles(
            r#"
            [a]
            kind = "openai"
            base_url = "http://127.0.0.1:1/v1"
            model = "m"
            fallback = ["b", "c", "template"]
            fallback_after = "2m"
            [b]
            kind = "openai"
            base_url = "http://127.0.0.1:1/v1"
            model = "m"
            fallback = ["a"]
            [c]
            kind = "template"
            "#,
        );
        let f = Fallbacks::of(&p);
        let all = |_: &str| true;
        let step = |cur: &str, orig: Option<&str>| f.next(cur, orig, all).map(|m| m.to);
        assert_eq!(step("a", None).as_deref(), Some("b"));
        // b's own list is not followed for a task submitted to a.
        assert_eq!(step("b", Some("a")).as_deref(), Some("c"));
        assert_eq!(step("c", Some("a")).as_deref(), Some("template"));
        assert_eq!(step("template", Some("a")), None);
        // A task submitted to b follows b's list.
        assert_eq!(step("b", None).as_deref(), Some("a"));
        assert_eq!(step("a", Some("b")), None);
        // No list, or a profile the list does not name.
        assert_eq!(step("c", None), None);
        assert_eq!(step("x", Some("a")), None);
        // Profiles this daemon does not have are skipped.
        let m = f.next("a", None, |p| p != "b").unwrap();
        assert_eq!(
            m,
            Move {
                from: "a".into(),
                to: "c".into(),
                original: "a".into()
            }
        );
        assert_eq!(f.after("a"), Some(Duration::from_secs(120)));
        assert_eq!(f.after("b"), None);
        assert!(f.is_template("template") && f.is_template("c") && !f.is_template("a"));
    }
}
