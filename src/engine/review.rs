//! The review rules applied to an article: to a new draft in the transaction that would
//! complete its task (approve, hold, or send it back for a new draft), and to stored content
//! again by `content recheck`.
//!
//! The rules are the `[review]` keys of the config file (or every key's default) with the
//! account's `--review-rule` overrides on top; the forbidden words are the rules' list and
//! the account's own. Near-duplicates are looked up through [`signatures::most_similar`].

use crate::domain::account::Account;
use crate::domain::content::{CheckResult, ReviewRecord, DECIDER_RULES};
use crate::domain::time::{Millis, Timestamp};
use crate::domain::Review;
use crate::error::Result;
use crate::review::checks::{self, Action, Article, Finding, Reason, Target};
use crate::review::settings::ReviewSettings;
use crate::review::similarity::Signature;
use crate::store::contents::NewContent;
use crate::store::queue::Finish;
use crate::store::{signatures, Conn};

/// The settings an account's articles are reviewed with: `global` (or the defaults) with the
/// account's overrides applied. An override the store holds but this build cannot read is
/// left out, with a warning, rather than stopping the review.
pub fn settings_for(global: Option<&ReviewSettings>, account: &Account) -> ReviewSettings {
    let mut s = global.cloned().unwrap_or_default();
    for (key, value) in &account.review_rules {
        if let Err(e) = s.set(key, value) {
            tracing::warn!(account = %account.name, rule = %key, error = %e, "review rule override ignored");
        }
    }
    s
}

/// What the rules found on one article.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Every rule that ran, with its result.
    pub checks: Vec<CheckResult>,
    pub findings: Vec<Finding>,
    /// What the findings do, given the regenerations already made.
    pub action: Action,
}

impl Verdict {
    /// The findings in one line each, `reason: detail`.
    pub fn reasons(&self) -> String {
        self.findings
            .iter()
            .filter(|f| f.action != Action::Pass)
            .map(|f| format!("{}: {}", f.reason, f.detail))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The review record of this verdict, decided by the rules.
    pub fn record(&self, regenerations: u32, now: Millis) -> ReviewRecord {
        ReviewRecord {
            mode: "rules".into(),
            checks: self.checks.clone(),
            decision: match self.action {
                Action::Pass => Review::Approved,
                _ => Review::Pending,
            },
            decider: Some(DECIDER_RULES.into()),
            at: Timestamp(now),
            regenerations,
            note: None,
            drafts: Vec::new(),
        }
    }
}

/// The article under review and what it was asked to be.
pub struct Subject<'a> {
    pub account: &'a Account,
    pub keywords: &'a [String],
    pub body: &'a str,
    pub quality_score: Option<f64>,
    /// The content row itself and when it was stored, when it is stored already (a
    /// re-check): it is compared with the articles before it, not with itself.
    pub stored: Option<(i64, Millis)>,
    pub regenerations: u32,
}

/// Runs every rule on `subject`, near-duplicates included.
pub fn evaluate(
    c: &Conn,
    settings: &ReviewSettings,
    subject: &Subject<'_>,
    now: Millis,
) -> Result<Verdict> {
    let account = subject.account;
    let mut rules = settings.rules.clone();
    for w in &account.forbidden_words {
        if !rules.forbidden_words.contains(w) {
            rules.forbidden_words.push(w.clone());
        }
    }
    let target = Target {
        min_words: account.min_words,
        max_words: account.max_words,
        language: &account.language,
        keywords: subject.keywords,
    };
    let mut findings = checks::check(
        Article {
            body: subject.body,
            quality_score: subject.quality_score,
        },
        &target,
        &rules,
    );
    // A new draft is compared with the account's articles of the window before now; a
    // stored one (a recheck) with those of the window before it was written, not with itself
    // or later ones (of which it is the original).
    let window = settings.similarity_window.as_millis() as i64;
    let (since, until) = match subject.stored {
        Some((_, at)) => (at - window, at),
        None => (now - window, Millis::MAX),
    };
    let sig = Signature::of(subject.body);
    signatures::lock_account(c, account.id)?;
    let exclude = subject.stored.map(|(id, _)| id);
    let similar = signatures::most_similar(c, account.id, &sig, since, until, exclude)?;
    findings.extend(checks::near_duplicate(similar, &rules));

    let ran: Vec<Reason> = Reason::ALL
        .into_iter()
        .filter(|r| match r {
            Reason::WordRange => account.min_words.is_some() || account.max_words.is_some(),
            Reason::ForbiddenWord => !rules.forbidden_words.is_empty(),
            Reason::RequiredKeyword => !subject.keywords.is_empty(),
            Reason::QualityScore => {
                rules.min_quality_score.is_some() && subject.quality_score.is_some()
            }
            _ => true,
        })
        .collect();
    let mut results = Vec::new();
    for reason in ran {
        let found: Vec<&Finding> = findings.iter().filter(|f| f.reason == reason).collect();
        if found.is_empty() {
            results.push(CheckResult {
                check: reason.as_str().into(),
                result: Action::Pass.as_str().into(),
                detail: String::new(),
                data: serde_json::Value::Null,
            });
        }
        for f in found {
            results.push(CheckResult {
                check: reason.as_str().into(),
                result: f.action.as_str().into(),
                detail: f.detail.clone(),
                data: f.data.clone(),
            });
        }
    }
    let action = checks::decide(&findings, subject.regenerations, &rules);
    Ok(Verdict {
        checks: results,
        findings,
        action,
    })
}

/// Decides a new draft of a task reviewed by rules, whose account is `account`: the content
/// approved or held, with its record, or the draft sent back for a new one.
pub fn draft(
    c: &Conn,
    global: Option<&ReviewSettings>,
    account: &Account,
    regenerations: u32,
    mut content: Box<NewContent>,
    now: Millis,
) -> Result<Finish> {
    let settings = settings_for(global, account);
    let verdict = evaluate(
        c,
        &settings,
        &Subject {
            account,
            keywords: &content.keywords,
            body: &content.body,
            quality_score: content.quality_score,
            stored: None,
            regenerations,
        },
        now,
    )?;
    if verdict.action == Action::Regenerate {
        let draft = serde_json::json!({
            "at": Timestamp(now),
            "title": content.title,
            "word_count": content.word_count,
            "body": content.body,
            "checks": verdict.checks,
        });
        return Ok(Finish::Regenerate {
            message: verdict.reasons(),
            draft,
            feedback: checks::feedback(&verdict.findings),
            prompt_tokens: content.prompt_tokens,
            completion_tokens: content.completion_tokens,
        });
    }
    let record = verdict.record(regenerations, now);
    content.review_status = record.decision;
    content.review_reason = (record.decision == Review::Pending).then(|| verdict.reasons());
    content.review_record = Some(record);
    Ok(Finish::Completed(content))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::ReviewMode;

    fn account(rules: &[(&str, &str)]) -> Account {
        Account {
            id: 1,
            name: "blog".into(),
            display_name: None,
            platform: "wechat".into(),
            language: "en".into(),
            tone: None,
            category: None,
            persona: None,
            min_words: None,
            max_words: None,
            forbidden_words: vec!["shocking".into()],
            review: ReviewMode::Rules,
            review_rules: rules
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    #[test]
    fn an_accounts_overrides_apply_on_top_of_the_config_and_a_bad_one_is_skipped() {
        let mut global = ReviewSettings::default();
        global.set("min_sections", "3").unwrap();
        global.set("max_regenerations", "2").unwrap();
        let a = account(&[("max_regenerations", "0"), ("colour", "red")]);
        let s = settings_for(Some(&global), &a);
        assert_eq!(s.rules.min_sections, 3, "the config's value stays");
        assert_eq!(s.rules.max_regenerations, 0, "the account's wins");
        let s = settings_for(None, &account(&[]));
        assert_eq!(s, ReviewSettings::default());
    }
}
