//! The one path by which what a generator reports reaches the store.
//!
//! A task's attempt ends in a report: an article, a failure, or (for a remote job) progress
//! on the way. Reports come from three places: the worker that called the generator, the
//! worker's poll of a remote job, and content-creator's callback. All three hand it to
//! [`apply`], which decides what the report means for the task (content to store, a retry
//! with backoff, a failure) and commits it in the caller's transaction through the store's
//! guarded transitions, so a late or duplicate report changes nothing.
//!
//! The worker's final reports go through the result writer ([`super::writer`]), which calls
//! [`apply`] for a whole batch in one transaction; progress and callbacks call it directly.

use crate::domain::account::ReviewMode;
use crate::domain::content::{first_heading, summarize, word_count, ReviewRecord};
use crate::domain::rate::RateHeaders;
use crate::domain::time::{seconds_text, Millis, Timestamp};
use crate::domain::Task;
use crate::domain::{Review, Status};
use crate::error::Result;
use crate::generator::{ErrorKind, GenError, Generator, Output};
use crate::store::contents::NewContent;
use crate::store::queue::{self, Claimed, Fence, Finish};
use crate::store::rates;
use crate::store::tasks::{self, Seq};
use crate::store::Conn;

use super::retry;
use super::review;
use super::shared::Shared;

/// What a generator or a remote job reported.
#[derive(Debug, Clone)]
pub enum Report {
    /// The job is done, with its article; a callback may announce the end without it
    /// (`None`), and the worker then fetches it.
    Completed(Option<Output>),
    /// The attempt failed; the error's kind decides whether it is retried.
    Failed(GenError),
    /// A remote job is under way.
    Progress {
        progress: Option<u8>,
        step: Option<String>,
    },
}

impl Report {
    fn name(&self) -> &'static str {
        match self {
            Report::Completed(_) => "completed",
            Report::Failed(_) => "failed",
            Report::Progress { .. } => "progress",
        }
    }
}

/// Who reports, and so what is already known to be true.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// The worker holding the task's lease, with the task as it was claimed.
    Worker(&'a Claimed),
    /// content-creator's callback about its job `job` for the task `seq`. The task may have
    /// moved on since the job started; such a report is recorded in its history and ignored.
    Callback { seq: Seq, job: &'a str },
}

/// What a report did to its task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The article was stored and the task completed.
    Completed,
    /// The task failed for good.
    Failed,
    /// The task went back to the queue for another attempt.
    Retrying,
    /// Progress was recorded.
    Progress,
    /// A completion without its article: the worker fetches it on its next poll.
    Polling,
    /// The deadline passed.
    TimedOut,
    /// The task went back to the queue unfinished (shutdown, a crashed worker).
    Released,
    /// Nothing changed: the task had moved on, or the report came late or twice.
    Ignored,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Completed => "completed",
            Effect::Failed => "failed",
            Effect::Retrying => "retrying",
            Effect::Progress => "progress",
            Effect::Polling => "polling",
            Effect::TimedOut => "timeout",
            Effect::Released => "released",
            Effect::Ignored => "ignored",
        }
    }
}

/// The result of [`apply`].
#[derive(Debug, Clone)]
pub struct Applied {
    pub effect: Effect,
    /// The status the task ends in; `None` when it was not changed.
    pub status: Option<Status>,
    /// One line on what happened, for whoever reported.
    pub message: String,
    /// What the report was decided to mean, when it ended the attempt (for the worker's log).
    pub finish: Option<Finish>,
}

impl Applied {
    fn new(effect: Effect, status: Option<Status>, message: String) -> Applied {
        Applied {
            effect,
            status,
            message,
            finish: None,
        }
    }
}

/// Applies one report to its task, in the caller's write transaction.
pub fn apply(
    c: &Conn,
    shared: &Shared,
    from: Source<'_>,
    report: Report,
    now: Millis,
) -> Result<Applied> {
    match from {
        Source::Worker(claimed) => {
            let fence = Fence::Lease {
                owner: &shared.owner,
                epoch: claimed.epoch,
            };
            settle(c, shared, claimed, fence, report, now)
        }
        Source::Callback { seq, job } => from_callback(c, shared, seq, job, report, now),
    }
}

/// Commits an end of attempt that no generator reported: the deadline, a release, or a
/// profile that is not configured; under `fence`, the worker's claim.
pub fn end(c: &Conn, seq: Seq, fence: Fence<'_>, finish: &Finish, now: Millis) -> Result<Applied> {
    let status = queue::finish(c, seq, fence, finish, now)?;
    let (effect, message) = match (status, finish) {
        (None, _) => (
            Effect::Ignored,
            "the task was settled meanwhile".to_string(),
        ),
        (Some(_), Finish::TimedOut { message }) => (Effect::TimedOut, message.clone()),
        (Some(_), Finish::Failed { message, .. }) => (Effect::Failed, message.clone()),
        (Some(st), _) => (Effect::Released, format!("the task is {st}")),
    };
    Ok(Applied::new(effect, status, message))
}

/// Applies a report whose task is known to be running the job it is about, under `fence`
/// (the worker's claim, or the callback's job): a report that no longer holds is ignored.
fn settle(
    c: &Conn,
    shared: &Shared,
    claimed: &Claimed,
    fence: Fence<'_>,
    report: Report,
    now: Millis,
) -> Result<Applied> {
    let seq = claimed.seq;
    let rate = match &report {
        Report::Completed(Some(out)) => out.rate.as_deref().copied(),
        Report::Failed(e) => e.rate.as_deref().copied(),
        _ => None,
    };
    let finish = match report {
        Report::Progress { progress, step } => {
            if !queue::progress(c, seq, fence, progress, step.as_deref(), now)? {
                let why = "the task is no longer held by this report's claim or job";
                return Ok(Applied::new(Effect::Ignored, None, why.into()));
            }
            let pct = progress
                .map(|p| format!("{p}%"))
                .unwrap_or_else(|| "?".into());
            let applied = Applied::new(Effect::Progress, None, format!("progress {pct} recorded"));
            return Ok(applied);
        }
        Report::Completed(None) => {
            let applied = Applied::new(
                Effect::Polling,
                None,
                "the job reports completion without a result; the worker fetches it".into(),
            );
            return Ok(applied);
        }
        Report::Completed(Some(out)) => {
            let profile = shared.profile_of(claimed.task.generator.as_deref());
            // Content a task fell back to a template for is held for review.
            let hold =
                claimed.task.original_generator.is_some() && shared.fallbacks.is_template(&profile);
            let finish = match shared.generators.get(&profile) {
                Some(g) => match completion(claimed, g.as_ref(), &profile, out, hold, now) {
                    // The review rules read the draft before the task completes.
                    Finish::Completed(content)
                        if claimed.task.review == ReviewMode::Rules && !hold =>
                    {
                        review::draft(
                            c,
                            shared.review.as_ref(),
                            &claimed.account,
                            claimed.task.regenerations,
                            content,
                            now,
                        )?
                    }
                    other => other,
                },
                None => Finish::Failed {
                    kind: "permanent".into(),
                    message: format!("generator profile '{profile}' is not configured"),
                },
            };
            match finish {
                // The drafts the rules sent back go with the content that replaced them,
                // whoever decided on it.
                Finish::Completed(mut content) if claimed.task.regenerations > 0 => {
                    if let Some(record) = content.review_record.as_mut() {
                        record.drafts = tasks::review_drafts(c, claimed.seq)?;
                    }
                    Finish::Completed(content)
                }
                other => other,
            }
        }
        Report::Failed(e) => on_failure(shared, &claimed.task, &e),
    };
    let status = queue::finish(c, seq, fence, &finish, now)?;
    if let (Some(_), Some(headers)) = (status, rate) {
        observe(c, shared, claimed, &headers, now)?;
    }
    let (effect, message) = match (status, &finish) {
        (Some(Status::Completed), Finish::Completed(content)) => (
            Effect::Completed,
            format!("content stored ({} words)", content.word_count),
        ),
        (
            Some(Status::Pending),
            Finish::Retry {
                delay_ms, message, ..
            },
        ) => (
            Effect::Retrying,
            format!("queued again in {}: {message}", seconds_text(*delay_ms)),
        ),
        (Some(Status::Failed), Finish::Failed { message, .. }) => (Effect::Failed, message.clone()),
        (Some(Status::Pending), Finish::Moved { from, to, .. }) => (
            Effect::Retrying,
            format!("profile {from} unavailable: moved to {to}"),
        ),
        (Some(Status::Pending), Finish::Regenerate { message, .. }) => (
            Effect::Retrying,
            format!("the review rules asked for a new draft: {message}"),
        ),
        _ => (Effect::Ignored, "the task was settled meanwhile".into()),
    };
    Ok(Applied {
        finish: Some(finish),
        ..Applied::new(effect, status, message)
    })
}

/// What a failed attempt of `task` means: a move to the next profile of its original
/// profile's `fallback` list when its profile is unavailable and the list has one left,
/// else the retry policy's answer.
fn on_failure(shared: &Shared, task: &Task, e: &GenError) -> Finish {
    if e.kind == ErrorKind::Unavailable {
        let current = shared.profile_of(task.generator.as_deref());
        let original = task.original_generator.as_deref();
        let known = |p: &str| shared.generators.contains_key(p);
        if let Some(m) = shared.fallbacks.next(&current, original, known) {
            return Finish::Moved {
                kind: e.kind.as_str().into(),
                message: e.message.clone(),
                from: m.from,
                to: m.to,
                original: m.original,
            };
        }
        if let Some(original) = original {
            let e = GenError {
                message: format!(
                    "{} (the fallback list of profile {original} is exhausted)",
                    e.message
                ),
                ..e.clone()
            };
            return retry::on_error(&e, task.retry_count, task.max_retries, &shared.retry_delays);
        }
    }
    retry::on_error(e, task.retry_count, task.max_retries, &shared.retry_delays)
}

/// Moves a `pending` task to the next profile of its original profile's `fallback` list
/// without an attempt, because its profile cannot take it soon enough (`why`): the hook for
/// a claim that finds the task would wait longer than its profile's `fallback_after` for a
/// rate limit or a budget (see [`Shared::fallback_after`]). In the caller's write
/// transaction. Returns the profile it moved to; `None` when it has none left (it then keeps
/// waiting) or the task has left `pending` or its profile meanwhile.
pub fn fall_back_pending(
    c: &Conn,
    shared: &Shared,
    seq: Seq,
    task: &Task,
    why: &str,
    now: Millis,
) -> Result<Option<String>> {
    let current = shared.profile_of(task.generator.as_deref());
    let known = |p: &str| shared.generators.contains_key(p);
    let Some(m) = shared
        .fallbacks
        .next(&current, task.original_generator.as_deref(), known)
    else {
        return Ok(None);
    };
    let moved = queue::move_pending(
        c,
        seq,
        ErrorKind::Unavailable.as_str(),
        why,
        &m.from,
        &m.to,
        &m.original,
        now,
    )?;
    Ok(moved.then_some(m.to))
}

/// Lets the provider's rate-limit headers on a reply correct its profile's buckets, in the
/// result's transaction (after the task's row, as every writer of both locks them).
fn observe(
    c: &Conn,
    shared: &Shared,
    claimed: &Claimed,
    headers: &RateHeaders,
    now: Millis,
) -> Result<()> {
    let profile = shared.profile_of(claimed.task.generator.as_deref());
    if !shared.rates.contains_key(&profile) {
        return Ok(());
    }
    let Some(mut bucket) = rates::locked(c, &profile)? else {
        return Ok(());
    };
    let sent_at = claimed.task.submitted_at.map_or(now, |t| t.0);
    bucket.observe(now, sent_at, headers);
    rates::save(c, &profile, &bucket)
}

fn from_callback(
    c: &Conn,
    shared: &Shared,
    seq: Seq,
    job: &str,
    report: Report,
    now: Millis,
) -> Result<Applied> {
    let claimed = queue::load(c, seq, false)?;
    let task = &claimed.task;
    let what = report.name();
    let ignore = |why: String| {
        let message = format!("callback '{what}' for content-creator job {job} ignored: {why}");
        tasks::record_event(c, seq, now, Some(task.status), task.status, Some(&message))?;
        Ok(Applied::new(Effect::Ignored, None, message))
    };
    if task.status.is_terminal() {
        return ignore(format!("the task is already {}", task.status));
    }
    match task.remote_job_id.as_deref() {
        None => {
            return ignore(format!(
                "the task runs no remote job (it is {})",
                task.status
            ))
        }
        Some(current) if current != job => {
            return ignore(format!("the task's current job is {current}"))
        }
        Some(_) => {}
    }
    match &report {
        Report::Progress { .. } => {
            return settle(c, shared, &claimed, Fence::Job(job), report, now)
        }
        Report::Completed(None) => {
            let message = format!(
                "content-creator job {job} reports completion without a result; the worker fetches it"
            );
            tasks::record_event(c, seq, now, Some(task.status), task.status, Some(&message))?;
            return Ok(Applied::new(Effect::Polling, None, message));
        }
        Report::Completed(Some(_)) => {
            let profile = shared.profile_of(task.generator.as_deref());
            if !shared.generators.contains_key(&profile) {
                return ignore(format!(
                    "generator profile '{profile}' is not configured here"
                ));
            }
        }
        Report::Failed(_) => {}
    }
    let failure = match &report {
        Report::Failed(e) => e.message.clone(),
        _ => "the result was empty; the task failed".into(),
    };
    // Note in the history that the outcome came by callback; the transition that follows
    // says what it was.
    tasks::record_event(
        c,
        seq,
        now,
        Some(task.status),
        task.status,
        Some(&format!("content-creator callback: job {job} {what}")),
    )?;
    let mut applied = settle(c, shared, &claimed, Fence::Job(job), report, now)?;
    match applied.effect {
        Effect::Failed => applied.message = failure,
        Effect::Completed => {
            let content = tasks::get(c, seq)?.content_id;
            applied.message = format!(
                "content {} stored",
                content.map(|c| c.to_string()).unwrap_or_default()
            );
        }
        _ => {}
    }
    Ok(applied)
}

/// The result of an attempt that produced `out`: content to store, or a permanent failure
/// for empty content. The generator's [`Generator::finish`] completes the article first,
/// whichever way it arrived; the word count is the generator's own only when it gave one
/// (content-creator's never is: its counts are of the draft).
pub fn completion(
    claimed: &Claimed,
    generator: &dyn Generator,
    profile: &str,
    out: Output,
    hold_for_review: bool,
    now: Millis,
) -> Finish {
    let t = &claimed.task;
    let out = generator.finish(out);
    if out.body.trim().is_empty() {
        return Finish::Failed {
            kind: "permanent".into(),
            message: "the generator returned empty content".into(),
        };
    }
    let review_status = if t.review == ReviewMode::Auto && !hold_for_review {
        Review::Approved
    } else {
        Review::Pending
    };
    let title = Some(out.title.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| first_heading(&out.body))
        .unwrap_or_else(|| t.topic.clone());
    Finish::Completed(Box::new(NewContent {
        task_id: t.id,
        account_id: t.account_id,
        topic: t.topic.clone(),
        keywords: t.keywords.clone(),
        title,
        summary: out.summary.clone().or_else(|| summarize(&out.body, 120)),
        word_count: out.word_count.unwrap_or_else(|| word_count(&out.body)),
        cover_image: out.images.first().and_then(|i| i.url.clone()),
        images: out.images,
        html: out.html,
        quality_score: out.quality_score,
        generator: profile.to_string(),
        model: out.model.or_else(|| generator.model()),
        prompt_tokens: out.prompt_tokens,
        completion_tokens: out.completion_tokens,
        body: out.body,
        review_status,
        review_reason: hold_for_review.then(|| "written by the template fallback".to_string()),
        review_record: Some(ReviewRecord {
            mode: t.review.as_str().into(),
            checks: Vec::new(),
            decision: review_status,
            decider: None,
            at: Timestamp(now),
            regenerations: t.regenerations,
            note: hold_for_review.then(|| "written by the template fallback".to_string()),
            drafts: Vec::new(),
        }),
    }))
}
