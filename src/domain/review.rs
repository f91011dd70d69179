//! Review modes: who reads an article before it is approved.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Who reads an article before it is approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ReviewMode {
    /// Approved as it arrives.
    #[default]
    Auto,
    /// The review rules approve it, hold it for a person or send it back for a new draft.
    Rules,
    /// Held for a person.
    Manual,
}

impl ReviewMode {
    pub const ALL: [ReviewMode; 3] = [ReviewMode::Auto, ReviewMode::Rules, ReviewMode::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewMode::Auto => "auto",
            ReviewMode::Rules => "rules",
            ReviewMode::Manual => "manual",
        }
    }

    /// The mode the old `auto_approve` flag stood for.
    pub fn from_auto_approve(auto_approve: bool) -> ReviewMode {
        if auto_approve {
            ReviewMode::Auto
        } else {
            ReviewMode::Manual
        }
    }
}

impl fmt::Display for ReviewMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReviewMode {
    type Err = String;

    fn from_str(s: &str) -> Result<ReviewMode, String> {
        ReviewMode::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| format!("unknown review mode '{s}' (auto, rules or manual)"))
    }
}
