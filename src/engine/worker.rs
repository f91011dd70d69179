//! One claimed task: call the generator, persist the remote job id before polling, poll with
//! jitter, honour the deadline and cancellation, and hand the result to the writer.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::batch::Lane;
use super::children::ChildLog;
use super::outcome::{self, Effect, Report, Source};
use super::retry;
use super::shared::Shared;
use super::writer::{Results, Settle};
use crate::domain::time::now_ms;
use crate::domain::{Account, Status, Task};
use crate::generator::{AccountSpec, Generator, Polled, Spec, Submitted};
use crate::store::queue::{self, Claimed, Finish};

/// Why a worker was stopped from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The operator cancelled the task.
    Cancelled,
    /// The daemon is shutting down: give the task back.
    Release,
}

/// The tokens a worker listens to.
#[derive(Clone, Default)]
pub struct Signals {
    pub cancel: CancellationToken,
    pub release: CancellationToken,
    /// The remote job this attempt adopted or started, once known. Shared with the
    /// dispatcher, which releases remote work at once on shutdown.
    pub remote: Arc<Mutex<Option<String>>>,
    /// The batch lane of the task's profile, when it is of kind `openai-batch`.
    pub lane: Option<Arc<Lane>>,
    /// Where the task is in its lane's collector (see [`super::batch::stage`]).
    pub batch: Arc<AtomicU8>,
    /// Set once the attempt is over and its result handed to the writer: the task no longer
    /// takes one of the daemon's `max_concurrent` slots, though it stays held (its lease
    /// renewed) until the result is committed.
    pub settling: Arc<AtomicBool>,
}

pub fn spec_of(c: &Claimed) -> Spec {
    spec_for(&c.task, &c.account, c.remote_attempts)
}

/// The spec of task `t` for account `a`, on its attempt after `remote_attempts` submits.
pub fn spec_for(t: &Task, a: &Account, remote_attempts: u32) -> Spec {
    let attempt_key = if remote_attempts == 0 {
        t.id.to_string()
    } else {
        format!("{}-r{}", t.id, remote_attempts)
    };
    Spec {
        task_id: t.id.to_string(),
        attempt_key,
        topic: t.topic.clone(),
        keywords: t.keywords.clone(),
        category: t.category.clone().or_else(|| a.category.clone()),
        requirements: t.requirements.clone(),
        tone: t.tone.clone().or_else(|| a.tone.clone()),
        priority: t.priority,
        account: AccountSpec {
            name: a.name.clone(),
            display_name: a.display_name.clone(),
            platform: a.platform.clone(),
            language: a.language.clone(),
            tone: a.tone.clone(),
            category: a.category.clone(),
            persona: a.persona.clone(),
            min_words: a.min_words,
            max_words: a.max_words,
            forbidden_words: a.forbidden_words.clone(),
        },
        feedback: t.feedback.clone(),
        callback_url: None,
        children: Default::default(),
    }
}

enum Ended {
    /// The generator reported.
    Report(Report),
    /// The attempt ended without a report (deadline, missing profile).
    Finish(Finish),
    Stopped(Stop),
    /// Someone else already recorded how this attempt ended (a callback), or the task is no
    /// longer this worker's.
    Settled,
}

/// Runs the task to the end of this attempt. Returns the status it was left in, or `None`
/// when nothing was written (cancelled, or the store refused a late result).
pub async fn run(
    shared: Arc<Shared>,
    results: Results,
    claimed: Claimed,
    signals: Signals,
) -> Option<Status> {
    let seq = claimed.seq;
    let id = claimed.task.id;
    let profile = shared.profile_of(claimed.task.generator.as_deref());
    let remote = signals.remote.clone();
    if let Ok(mut g) = remote.lock() {
        g.clone_from(&claimed.task.remote_job_id);
    }
    let deadline_in = Duration::from_millis((claimed.task.deadline_at.0 - now_ms()).max(0) as u64);
    let deadline = Instant::now() + deadline_in;
    let children = ChildLog::new(shared.db.clone(), seq, shared.owner.clone());

    let ended = match shared.generators.get(&profile) {
        None => Ended::Finish(Finish::Failed {
            kind: "permanent".into(),
            message: format!("generator profile '{profile}' is not configured"),
        }),
        Some(generator) => {
            let generator = generator.clone();
            tokio::select! {
                biased;
                _ = signals.cancel.cancelled() => Ended::Stopped(Stop::Cancelled),
                _ = signals.release.cancelled() => Ended::Stopped(Stop::Release),
                _ = tokio::time::sleep_until(deadline) => {
                    Ended::Finish(Finish::TimedOut { message: format!("deadline of {}s passed while generating", claimed.task.timeout_seconds) })
                }
                r = attempt(&shared, &claimed, generator.as_ref(), &profile, &signals, &children) => match r {
                    Some(r) => Ended::Report(r),
                    None => Ended::Settled,
                },
            }
        }
    };
    // The attempt's program, if it ran one, is gone now: its record goes before the result.
    children.finish().await;

    let job = remote.lock().ok().and_then(|g| g.clone());
    let mut abandon = None;
    let settle = match ended {
        Ended::Stopped(Stop::Cancelled) => {
            if let (Some(job), Some(lane)) = (&job, &signals.lane) {
                lane.abandoned(&shared, job).await;
            } else if let (Some(job), Some(g)) = (&job, shared.generators.get(&profile)) {
                cancel_remote(g.as_ref(), job).await;
            }
            tracing::info!(task = %id, "cancelled by operator");
            return None;
        }
        Ended::Stopped(Stop::Release) => Settle::End(seq, claimed.epoch, Finish::Released),
        Ended::Settled => {
            tracing::info!(task = %id, "settled elsewhere (a callback, or the task is no longer ours)");
            return None;
        }
        Ended::Finish(f) => {
            if let (Finish::TimedOut { .. }, Some(job), Some(_)) = (&f, &job, &signals.lane) {
                // The batch is looked at once the timeout is recorded, so that it counts
                // this task as gone.
                abandon = Some(job.clone());
            } else if let (Finish::TimedOut { .. }, Some(job), Some(g)) =
                (&f, &job, shared.generators.get(&profile))
            {
                cancel_remote(g.as_ref(), job).await;
            }
            Settle::End(seq, claimed.epoch, f)
        }
        Ended::Report(r) => Settle::Report(Box::new(claimed), r),
    };
    if let Settle::End(_, _, f) = &settle {
        log_finish(&id.to_string(), f);
    }
    // Nothing is generating for this task any more: its slot is free while the writer
    // saves the result.
    signals.settling.store(true, Ordering::Relaxed);
    shared.slot_freed.notify_one();
    let sent = results.send(settle).await;
    if let (Some(job), Some(lane)) = (&abandon, &signals.lane) {
        lane.abandoned(&shared, job).await;
    }
    match sent {
        Ok(applied) => {
            // A report's meaning is decided as it is committed; log it then.
            match &applied.finish {
                _ if applied.effect == Effect::Ignored => {
                    tracing::info!(task = %id, "result dropped: the task was settled meanwhile")
                }
                Some(f) => log_finish(&id.to_string(), f),
                None => {}
            }
            applied.status
        }
        Err(e) => {
            tracing::error!(task = %id, error = %e, "could not record the result; the lease will expire and the task be retried");
            None
        }
    }
}

fn log_finish(id: &str, f: &Finish) {
    match f {
        Finish::Completed(c) => tracing::info!(task = id, words = c.word_count, "completed"),
        Finish::Retry {
            kind,
            message,
            delay_ms,
            counts,
        } => {
            tracing::warn!(task = id, kind = %kind, delay_ms, counts_retry = counts, error = %message, "attempt failed; will retry")
        }
        Finish::Failed { kind, message } => {
            tracing::warn!(task = id, kind = %kind, error = %message, "failed")
        }
        Finish::TimedOut { message } => tracing::warn!(task = id, error = %message, "timed out"),
        Finish::Moved {
            message, from, to, ..
        } => {
            tracing::warn!(task = id, from = %from, to = %to, error = %message, "profile unavailable; moved to its fallback")
        }
        Finish::Regenerate { message, .. } => {
            tracing::info!(task = id, findings = %message, "review rules asked for a new draft")
        }
        Finish::Released => tracing::info!(task = id, "released at shutdown"),
    }
}

async fn cancel_remote(g: &dyn Generator, job: &str) {
    if !g.cancels_remote() {
        tracing::info!(
            job,
            "remote job left to finish on the service (remote_cancel is off); its results will be ignored"
        );
        return;
    }
    match tokio::time::timeout(Duration::from_secs(10), g.cancel(job)).await {
        Ok(Ok(())) => tracing::info!(job, "remote job cancelled"),
        Ok(Err(e)) => tracing::warn!(job, error = %e, "remote cancel failed"),
        Err(_) => tracing::warn!(job, "remote cancel timed out"),
    }
}

async fn attempt(
    shared: &Arc<Shared>,
    claimed: &Claimed,
    generator: &dyn Generator,
    profile: &str,
    signals: &Signals,
    children: &Arc<ChildLog>,
) -> Option<Report> {
    let remote = &*signals.remote;
    if let Some(lane) = &signals.lane {
        let spec = spec_of(claimed);
        return Some(
            lane.attempt(shared, claimed, spec, remote, &signals.batch)
                .await,
        );
    }
    let t = &claimed.task;
    if let Some(plan) = shared.steps.get(profile) {
        return super::steps::run(shared, claimed, plan, &spec_of(claimed)).await;
    }
    let existing = remote.lock().ok().and_then(|g| g.clone());
    let job = match existing {
        Some(job) => job,
        None => {
            let mut spec = spec_of(claimed);
            if generator.takes_idempotency_keys() {
                let (seq, owner, id) = (claimed.seq, shared.owner.clone(), t.id.to_string());
                let epoch = claimed.epoch;
                let key = shared
                    .db
                    .write(move |tx| queue::take_submit_key(tx, seq, &owner, epoch, &id, now_ms()))
                    .await;
                match key {
                    Ok(Some(key)) => spec.attempt_key = key,
                    // No longer ours (cancelled, or taken over): nothing to submit.
                    Ok(None) => return None,
                    Err(e) => {
                        // Without a recorded key a submit could repeat one: try again later,
                        // without spending a retry on a fault of our own store.
                        return Some(Report::Failed(crate::generator::GenError::rate_limited(
                            format!("could not record the submit's idempotency key: {e}"),
                            Duration::from_secs(5),
                        )));
                    }
                }
            }
            spec.callback_url = shared.callback_url(&spec.task_id, &spec.attempt_key);
            spec.children = children.hook();
            let submitted = generator.submit(&spec).await;
            shared.count_request(profile, &submitted);
            match submitted {
                Ok(Submitted::Done(out)) => return Some(Report::Completed(Some(out))),
                Ok(Submitted::Remote(job)) => {
                    let (seq, owner, j) = (claimed.seq, shared.owner.clone(), job.clone());
                    let epoch = claimed.epoch;
                    // Persist the job id before anything else: after a crash it is what makes
                    // the next daemon re-poll instead of paying for a second job.
                    let saved = shared
                        .db
                        .write(move |tx| queue::set_remote(tx, seq, &owner, epoch, &j, now_ms()))
                        .await;
                    if let Err(e) = saved {
                        tracing::error!(task = %t.id, job, error = %e, "could not record the remote job id");
                    }
                    if let Ok(mut g) = remote.lock() {
                        *g = Some(job.clone());
                    }
                    job
                }
                Err(e) => return Some(Report::Failed(e)),
            }
        }
    };
    poll_until_done(shared, claimed, generator, profile, &job).await
}

async fn poll_until_done(
    shared: &Arc<Shared>,
    claimed: &Claimed,
    generator: &dyn Generator,
    profile: &str,
    job: &str,
) -> Option<Report> {
    let mut last_progress: Option<(Option<u8>, Option<String>)> = None;
    let mut wait = shared.first_poll();
    let wake = shared.wake_of(claimed.seq);
    loop {
        let woken = tokio::select! {
            _ = tokio::time::sleep(wait) => false,
            _ = wake.notified() => true,
        };
        wait = shared.poll_wait();
        if woken {
            // A callback may have recorded the outcome already: then the slot is free at once.
            let seq = claimed.seq;
            let status = shared
                .db
                .read(move |tx| crate::store::tasks::current_status(tx, seq))
                .await;
            if let Ok(Some(st)) = status {
                if st != Status::Submitted && st != Status::Processing {
                    return None;
                }
            }
        }
        let polled = generator.poll(job).await;
        shared.count_request(profile, &polled);
        match polled {
            Ok(Polled::Pending) => {}
            Ok(Polled::Running { progress, step }) => {
                let now = (progress, step.clone());
                if last_progress.as_ref() != Some(&now) {
                    last_progress = Some(now);
                    report_progress(shared, claimed, Report::Progress { progress, step }).await;
                }
            }
            Ok(Polled::Done(out)) => return Some(Report::Completed(Some(out))),
            Ok(Polled::Failed(e)) => return Some(Report::Failed(e)),
            Err(e) if e.kind == crate::generator::ErrorKind::RateLimited => {
                wait = e.retry_after.unwrap_or(retry::DEFAULT_SNOOZE);
            }
            Err(e) if e.kind == crate::generator::ErrorKind::Transient => {
                // The remote job may well still be running: keep polling (resubmitting could
                // pay twice). The deadline bounds this.
                tracing::warn!(task = %claimed.task.id, job, error = %e, "poll failed; will poll again");
            }
            Err(e) => return Some(Report::Failed(e)),
        }
    }
}

/// Records a remote job's progress through the same path as every other report.
async fn report_progress(shared: &Arc<Shared>, claimed: &Claimed, report: Report) {
    let id = claimed.task.id;
    let (sh, claimed) = (shared.clone(), claimed.clone());
    let saved = shared
        .db
        .write(move |tx| {
            outcome::apply(tx, &sh, Source::Worker(&claimed), report.clone(), now_ms())
        })
        .await;
    if let Err(e) = saved {
        tracing::warn!(task = %id, error = %e, "could not record progress");
    }
}
