//! Generation steps: an `openai` profile with `steps = ["outline", "draft", "polish"]` writes
//! an article in several requests, each step's output feeding the next. Each finished step is
//! recorded with the task ([`StepRecord`]), so a task that stops between steps resumes at the
//! next one, and `content show --steps` shows what each step wrote.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::time::Timestamp;

/// One step of a stepped generation, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// The article's title and section headings, with a note on each section.
    Outline,
    /// The article, written along the outline when there is one.
    Draft,
    /// The draft edited towards the account's targets: word range, keywords, forbidden words.
    Polish,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Outline, Step::Draft, Step::Polish];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Outline => "outline",
            Step::Draft => "draft",
            Step::Polish => "polish",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks a profile's `steps` list: no step twice, in the order outline, draft, polish, and
/// a draft among them (the draft is what the article is written in).
pub fn check_steps(steps: &[Step]) -> Result<(), String> {
    if steps.is_empty() {
        return Err("must name at least \"draft\" (or leave `steps` out)".into());
    }
    for w in steps.windows(2) {
        if w[0] == w[1] {
            return Err(format!("names \"{}\" twice", w[0]));
        }
        if w[0] > w[1] {
            return Err(format!(
                "\"{}\" must come before \"{}\" (the order is outline, draft, polish)",
                w[1], w[0]
            ));
        }
    }
    if !steps.contains(&Step::Draft) {
        return Err("must include \"draft\"".into());
    }
    Ok(())
}

/// A finished step of a task, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRecord {
    pub step: Step,
    /// The task's attempt the step ran in (its retry count then, plus one).
    pub attempt: u32,
    /// The generator profile the step ran on.
    pub profile: String,
    pub model: Option<String>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// What the step wrote: the outline, the draft, or the polished article.
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_run_in_order_and_need_a_draft() {
        use Step::*;
        assert!(check_steps(&[Outline, Draft, Polish]).is_ok());
        assert!(check_steps(&[Draft]).is_ok());
        assert!(check_steps(&[Draft, Polish]).is_ok());
        assert!(check_steps(&[Outline, Draft]).is_ok());
        assert!(check_steps(&[]).is_err());
        assert!(check_steps(&[Outline, Polish])
            .unwrap_err()
            .contains("draft"));
        assert!(check_steps(&[Draft, Outline])
            .unwrap_err()
            .contains("\"outline\" must come before \"draft\""));
        assert!(check_steps(&[Draft, Draft]).unwrap_err().contains("twice"));
        assert_eq!(Step::parse("polish"), Some(Polish));
        assert_eq!(Step::parse("edit"), None);
    }
}
