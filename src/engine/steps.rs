//! Stepped generation: a profile with `steps` (outline → draft → polish) writes an article
//! in one request per step, each step's output feeding the next.
//!
//! The worker hands a claimed task of such a profile to [`run`], which reads the steps the
//! task has already finished (in an earlier attempt, or before a crash), runs the rest in
//! order on each step's profile, and records every finished step in one transaction with the
//! task's progress, under the worker's lease. A daemon killed between two steps therefore
//! loses at most the step in flight: the next claim resumes at the step after the last one
//! recorded, never from the beginning. The last step's text is the article, reported like any
//! other completion; its token usage is the sum of every step's.

use std::sync::Arc;
use std::time::Duration;

use super::outcome::Report;
use super::shared::Shared;
use crate::domain::content::{first_heading, summarize, word_count};
use crate::domain::rate::RateHeaders;
use crate::domain::step::{Step, StepRecord};
use crate::domain::time::{now_ms, Timestamp};
use crate::generator::{GenError, Output, Spec};
use crate::store::queue::{self, Claimed, Fence};
use crate::store::steps;

/// How long a task waits before it tries again when a step could not be recorded.
const RECORD_RETRY: Duration = Duration::from_secs(5);

/// Runs the steps of `plan` (each with the profile it runs on) that the task has not
/// finished yet. Returns the article as a completion, the failure of a step, or `None` when
/// the task is no longer this worker's.
pub async fn run(
    shared: &Arc<Shared>,
    claimed: &Claimed,
    plan: &[(Step, String)],
    spec: &Spec,
) -> Option<Report> {
    let seq = claimed.seq;
    let recorded = match shared.db.read(move |c| steps::of_task(c, seq)).await {
        Ok(r) => r,
        // Running the steps again without knowing what is done could pay twice: wait instead,
        // without spending a retry on a fault of our own store.
        Err(e) => return Some(not_recorded("could not read the task's finished steps", &e)),
    };
    // Steps written on other profiles than the plan names (the task was moved, or the
    // configuration changed) are not built on: the article is written again from the start.
    let foreign = recorded
        .iter()
        .any(|r| !plan.iter().any(|(s, on)| *s == r.step && *on == r.profile));
    let recorded = if foreign {
        tracing::info!(task = %claimed.task.id, "recorded steps ran on other profiles; starting over");
        match shared.db.write(move |c| steps::discard(c, seq)).await {
            Ok(_) => Vec::new(),
            Err(e) => {
                return Some(not_recorded(
                    "could not discard the task's earlier steps",
                    &e,
                ))
            }
        }
    } else {
        recorded
    };
    let attempt = claimed.task.retry_count + 1;
    let own = shared.profile_of(claimed.task.generator.as_deref());
    let mut done: Vec<StepRecord> = Vec::new();
    let mut earlier: Vec<(Step, String)> = Vec::new();
    let mut rate: Option<Box<RateHeaders>> = None;
    for (i, (step, on)) in plan.iter().enumerate() {
        let step = *step;
        if let Some(r) = recorded.iter().find(|r| r.step == step) {
            tracing::info!(task = %claimed.task.id, step = %step, "step already finished; resuming after it");
            earlier.push((step, r.text.clone()));
            done.push(r.clone());
            continue;
        }
        let Some(generator) = shared.generators.get(on) else {
            return Some(Report::Failed(GenError::permanent(format!(
                "step \"{step}\" runs on generator profile '{on}', which is not configured"
            ))));
        };
        let started_at = now_ms();
        let result = generator.step(spec, step, &earlier).await;
        shared.count_request(on, &result);
        let out = match result {
            Ok(out) => out,
            Err(e) => return Some(Report::Failed(e)),
        };
        let record = StepRecord {
            step,
            attempt,
            profile: on.clone(),
            model: out.model.clone().or_else(|| generator.model()),
            prompt_tokens: out.prompt_tokens,
            completion_tokens: out.completion_tokens,
            started_at: Timestamp(started_at),
            finished_at: Timestamp(now_ms()),
            text: out.body.clone(),
        };
        let progress = ((i + 1) * 100 / (plan.len() + 1)) as u8;
        let (owner, epoch, r) = (shared.owner.clone(), claimed.epoch, record.clone());
        let saved = shared
            .db
            .write(move |c| {
                let fence = Fence::Lease {
                    owner: &owner,
                    epoch,
                };
                let note = format!("{} done", r.step);
                if !queue::progress(c, seq, fence, Some(progress), Some(&note), r.finished_at.0)? {
                    return Ok(false);
                }
                steps::insert(c, seq, &r)?;
                Ok(true)
            })
            .await;
        match saved {
            Ok(true) => {}
            // Cancelled, or taken over: the step's text goes nowhere.
            Ok(false) => return None,
            Err(e) => {
                return Some(not_recorded(
                    &format!("could not record the {step} step"),
                    &e,
                ))
            }
        }
        tracing::info!(task = %claimed.task.id, step = %step, profile = %on, "step finished");
        earlier.push((step, out.body));
        // The reply's rate-limit headers correct the buckets of the task's profile, which the
        // claim reserved from: only a reply from that profile speaks for them.
        rate = out.rate.filter(|_| *on == own);
        done.push(record);
    }
    let last = done.last()?;
    Some(Report::Completed(Some(article(last, &done, rate))))
}

/// A wait for the store, which spends no retry.
fn not_recorded(what: &str, e: &crate::error::Error) -> Report {
    Report::Failed(GenError::rate_limited(format!("{what}: {e}"), RECORD_RETRY))
}

/// The article the last step wrote, with the token usage of every step.
fn article(last: &StepRecord, all: &[StepRecord], rate: Option<Box<RateHeaders>>) -> Output {
    let sum = |f: fn(&StepRecord) -> Option<u32>| {
        all.iter().filter_map(f).reduce(|a, b| a.saturating_add(b))
    };
    let body = last.text.clone();
    Output {
        title: first_heading(&body).unwrap_or_default(),
        summary: summarize(&body, 120),
        word_count: Some(word_count(&body)),
        model: last.model.clone(),
        prompt_tokens: sum(|s| s.prompt_tokens),
        completion_tokens: sum(|s| s.completion_tokens),
        rate,
        body,
        ..Output::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(step: Step, text: &str, p: Option<u32>, c: Option<u32>) -> StepRecord {
        StepRecord {
            step,
            attempt: 1,
            profile: "gpt".into(),
            model: Some(format!("model-{step}")),
            prompt_tokens: p,
            completion_tokens: c,
            started_at: Timestamp(0),
            finished_at: Timestamp(1),
            text: text.into(),
        }
    }

    #[test]
    fn the_article_is_the_last_step_with_every_step_s_tokens() {
        let all = [
            rec(Step::Outline, "# Plan", Some(10), Some(20)),
            rec(Step::Draft, "# Draft", Some(100), None),
            rec(Step::Polish, "# Final\n\nText here.", Some(300), Some(400)),
        ];
        let out = article(&all[2], &all, None);
        assert_eq!(out.title, "Final");
        assert_eq!(out.body, "# Final\n\nText here.");
        assert_eq!(out.model.as_deref(), Some("model-polish"));
        assert_eq!(
            (out.prompt_tokens, out.completion_tokens),
            (Some(410), Some(420))
        );
        let none = [rec(Step::Draft, "# D", None, None)];
        let out = article(&none[0], &none, None);
        assert_eq!((out.prompt_tokens, out.completion_tokens), (None, None));
    }
}
