//! The tasks of `openai-batch` profiles: collected into batches of the Batch API, which the
//! daemon then polls.
//!
//! Each such profile has a [`Lane`]. A worker whose task is on one does not submit it alone:
//! it checks that the task's deadline leaves room for the batch window, then
//! [joins](Lane::join) the lane's collector and waits. The collector sends a batch when it
//! holds `batch_size` tasks or its oldest has waited `batch_wait`: it uploads one input file,
//! records the file and each member's remote job (`{input_file_id}/{custom_id}`, see
//! `store::batches`) in one transaction, creates the batch over the file and records the
//! batch id. One follower per open batch then polls it every `poll_interval` (with jitter)
//! and, once it is over, reads its output and error files; every member's worker takes its
//! own line from it and reports it through the normal outcome path, so a line's error
//! retries or fails that task alone.
//!
//! A batch is a remote job shared by its members: they stay `processing` with their leases
//! renewed while their daemon lives, and after a crash the next daemon adopts them as it
//! adopts any remote job. Their remote job names the recorded file, whose batch the new
//! follower polls, creating it first if the crash came between the upload and the create
//! (after looking for it among the recent batches, in case the create went through). A
//! member is never uploaded twice.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{oneshot, watch, Notify};
use tokio::time::Instant;

use super::outcome::Report;
use super::retry;
use super::shared::Shared;
use crate::domain::time::now_ms;
use crate::generator::openai_batch::{BatchClient, BatchId, BatchRequest, BatchStatus, LineResult};
use crate::generator::{EnvLookup, ErrorKind, GenError, GeneratorProfile, Spec};
use crate::store::batches::{self, Member};
use crate::store::queue::Claimed;
use crate::store::tasks::Seq;

/// Where a worker of a batch task is, in [`Signals::batch`](super::worker::Signals): the
/// collector and a shutting-down dispatcher agree through it on who has the task. It starts
/// at 0: not in a collector (yet).
pub mod stage {
    /// Waiting in a collector: the dispatcher may release it at once.
    pub const WAITING: u8 = 1;
    /// Taken into a batch being sent: it is released only once its remote job is recorded.
    pub const SENDING: u8 = 2;
    /// Released by the dispatcher before the collector took it.
    pub const RELEASED: u8 = 3;
}

/// How many recent batches are searched for one whose creation was not recorded.
const FIND_LIMIT: u32 = 100;
/// How long a daemon's claim to create a batch holds before another daemon may take it over
/// (its creator died between the claim and recording the id).
const CREATE_CLAIM: Duration = Duration::from_secs(5 * 60);
/// The longest a follower waits on one `Retry-After`.
const MAX_SNOOZE: Duration = Duration::from_secs(3600);

/// How long a finished batch's results are kept for members adopted late.
const KEEP_RESULTS: Duration = Duration::from_secs(600);

/// The collector and followers of one `openai-batch` profile.
pub struct Lane {
    name: String,
    client: BatchClient,
    size: usize,
    wait: Duration,
    window: Duration,
    poll: Duration,
    queue: Mutex<Vec<Waiting>>,
    arrived: Notify,
    started: AtomicBool,
    followers: Mutex<HashMap<String, watch::Receiver<Option<Arc<Outcome>>>>>,
}

/// A task waiting in a collector.
struct Waiting {
    spec: Spec,
    seq: Seq,
    epoch: i64,
    since: Instant,
    stage: Arc<AtomicU8>,
    reply: oneshot::Sender<Result<String, GenError>>,
}

/// What became of a batch, for its members.
enum Outcome {
    /// Each custom id's line.
    Lines(HashMap<String, LineResult>),
    /// The same for every member.
    All(GenError),
}

impl Lane {
    /// The lane of `openai-batch` profile `name`.
    pub fn new(
        name: &str,
        p: &GeneratorProfile,
        timeout: Duration,
        env: EnvLookup,
    ) -> Result<Lane, GenError> {
        Ok(Lane {
            name: name.to_string(),
            client: BatchClient::new(name, p, timeout, env)?,
            size: p.batch_size() as usize,
            wait: p.batch_wait(),
            window: p.completion_window(),
            poll: p.batch_poll_interval(),
            queue: Mutex::new(Vec::new()),
            arrived: Notify::new(),
            started: AtomicBool::new(false),
            followers: Mutex::new(HashMap::new()),
        })
    }

    fn jittered(&self) -> Duration {
        self.poll.mul_f64(0.8 + 0.4 * retry::jitter())
    }

    /// Runs one attempt of a claimed task on this lane to its report: into a batch (unless
    /// it already has one, adopted), then its line of the batch's results.
    pub(super) async fn attempt(
        self: &Arc<Lane>,
        shared: &Arc<Shared>,
        claimed: &Claimed,
        spec: Spec,
        remote: &Mutex<Option<String>>,
        stage: &Arc<AtomicU8>,
    ) -> Report {
        let existing = remote.lock().ok().and_then(|g| g.clone());
        let job = match existing {
            Some(job) => job,
            None => {
                let window_ms = self.window.as_millis() as i64;
                if claimed.task.deadline_at.0 < now_ms() + window_ms {
                    return Report::Failed(GenError::unavailable(
                        "deadline shorter than the batch window",
                    ));
                }
                match self.join(shared, claimed, spec, stage).await {
                    Ok(job) => {
                        if let Ok(mut g) = remote.lock() {
                            *g = Some(job.clone());
                        }
                        job
                    }
                    Err(e) => return Report::Failed(e),
                }
            }
        };
        self.line(shared, &job).await
    }

    /// Adds the task to the collector and waits until its batch is recorded: returns its
    /// remote job.
    async fn join(
        self: &Arc<Lane>,
        shared: &Arc<Shared>,
        claimed: &Claimed,
        spec: Spec,
        stage: &Arc<AtomicU8>,
    ) -> Result<String, GenError> {
        if !self.started.swap(true, Ordering::SeqCst) {
            tokio::spawn(collect(shared.clone(), self.clone()));
        }
        let (tx, rx) = oneshot::channel();
        stage.store(stage::WAITING, Ordering::SeqCst);
        if let Ok(mut q) = self.queue.lock() {
            q.push(Waiting {
                spec,
                seq: claimed.seq,
                epoch: claimed.epoch,
                since: Instant::now(),
                stage: stage.clone(),
                reply: tx,
            });
        }
        self.arrived.notify_one();
        rx.await.unwrap_or_else(|_| {
            Err(GenError::transient(format!(
                "openai-batch generator '{}': the batch collector stopped",
                self.name
            )))
        })
    }

    /// The report of the member whose remote job is `job`, once its batch is over.
    async fn line(self: &Arc<Lane>, shared: &Arc<Shared>, job: &str) -> Report {
        let Some((file, custom_id)) = batches::parse_job(job) else {
            return Report::Failed(GenError::permanent(format!(
                "openai-batch generator '{}': '{job}' names no batch",
                self.name
            )));
        };
        let mut rx = self.follow(shared, file);
        let outcome = loop {
            if let Some(o) = rx.borrow_and_update().clone() {
                break o;
            }
            if rx.changed().await.is_err() {
                return Report::Failed(GenError::transient(format!(
                    "openai-batch generator '{}': the batch follower stopped",
                    self.name
                )));
            }
        };
        match &*outcome {
            Outcome::All(e) => Report::Failed(e.clone()),
            Outcome::Lines(lines) => match lines.get(custom_id) {
                Some(LineResult::Done(out)) => Report::Completed(Some(out.clone())),
                Some(LineResult::Failed(e)) => Report::Failed(e.clone()),
                None => Report::Failed(GenError::transient(format!(
                    "openai-batch generator '{}': the batch over {file} has no line for {custom_id}",
                    self.name
                ))),
            },
        }
    }

    /// The outcome of the batch over `file`, followed by one task of this process.
    fn follow(
        self: &Arc<Lane>,
        shared: &Arc<Shared>,
        file: &str,
    ) -> watch::Receiver<Option<Arc<Outcome>>> {
        let mut map = self.followers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(rx) = map.get(file) {
            return rx.clone();
        }
        let (tx, rx) = watch::channel(None);
        map.insert(file.to_string(), rx.clone());
        let (shared, lane, file) = (shared.clone(), self.clone(), file.to_string());
        tokio::spawn(async move {
            let outcome = follow(&shared, &lane, &file).await;
            let _ = tx.send(Some(Arc::new(outcome)));
            tokio::time::sleep(KEEP_RESULTS).await;
            if let Ok(mut map) = lane.followers.lock() {
                map.remove(&file);
            }
        });
        rx
    }

    /// A member was cancelled or timed out: the batch is cancelled only when none of its
    /// members waits for it any more.
    pub(super) async fn abandoned(&self, shared: &Arc<Shared>, job: &str) {
        let Some((file, _)) = batches::parse_job(job) else {
            return;
        };
        let f = file.to_string();
        let found = shared
            .db
            .read(move |tx| {
                let waiting = batches::waiting_members(tx, &f)?;
                Ok((waiting, batches::get(tx, &f)?))
            })
            .await;
        let (waiting, batch) = match found {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(batch_file = file, error = %e, "could not read the batch");
                return;
            }
        };
        let Some(id) = batch.and_then(|b| b.batch_id) else {
            return;
        };
        if waiting > 0 {
            tracing::info!(batch = %id, waiting, "a member left the batch; the others still wait for it");
            return;
        }
        let cancelled = self.client.cancel(&BatchId(id.clone())).await;
        shared.count_request(&self.name, &cancelled);
        match cancelled {
            Ok(_) => {
                tracing::info!(batch = %id, "no member waits for the batch any more: cancelled it")
            }
            Err(e) => tracing::warn!(batch = %id, error = %e, "could not cancel the batch"),
        }
    }
}

/// The lanes of the `openai-batch` profiles among `opts`' generators.
pub(super) fn lanes(
    opts: &super::options::Options,
) -> crate::error::Result<HashMap<String, Arc<Lane>>> {
    let mut lanes = HashMap::new();
    for (name, p) in &opts.generators {
        if p.kind != crate::generator::GeneratorKind::OpenaiBatch {
            continue;
        }
        let timeout = p
            .timeout
            .map_or(crate::generator::DEFAULT_REQUEST_TIMEOUT, |t| t.0);
        let lane = Lane::new(name, p, timeout, opts.env.clone())
            .map_err(|e| crate::error::Error::Usage(format!("generator profile '{name}': {e}")))?;
        lanes.insert(name.clone(), Arc::new(lane));
    }
    Ok(lanes)
}

/// The collector of a lane: sends a batch whenever `batch_size` tasks wait or the oldest
/// has waited `batch_wait`.
async fn collect(shared: Arc<Shared>, lane: Arc<Lane>) {
    loop {
        let oldest = lane
            .queue
            .lock()
            .ok()
            .and_then(|q| q.iter().map(|w| w.since).min().map(|s| (s, q.len())));
        let Some((oldest, n)) = oldest else {
            lane.arrived.notified().await;
            continue;
        };
        if n < lane.size && Instant::now() < oldest + lane.wait {
            tokio::select! {
                _ = lane.arrived.notified() => {}
                _ = tokio::time::sleep_until(oldest + lane.wait) => {}
            }
            continue;
        }
        let members: Vec<Waiting> = match lane.queue.lock() {
            Ok(mut q) => {
                q.retain(|w| !w.reply.is_closed());
                let take = q.len().min(lane.size);
                q.drain(..take)
                    .filter(|w| {
                        w.stage
                            .compare_exchange(
                                stage::WAITING,
                                stage::SENDING,
                                Ordering::SeqCst,
                                Ordering::SeqCst,
                            )
                            .is_ok()
                    })
                    .collect()
            }
            Err(_) => Vec::new(),
        };
        if !members.is_empty() {
            send(&shared, &lane, members).await;
        }
    }
}

/// Uploads one batch, records it, and creates it.
async fn send(shared: &Arc<Shared>, lane: &Arc<Lane>, members: Vec<Waiting>) {
    // A task claimed again while its earlier claim still waited here (a lost lease) is sent
    // once, under its newest claim: two lines with one custom id would spoil the whole file.
    let mut members = members;
    members.sort_by_key(|m| (m.seq, std::cmp::Reverse(m.epoch)));
    let mut unique: Vec<Waiting> = Vec::with_capacity(members.len());
    for m in members {
        if unique.last().is_some_and(|u| u.seq == m.seq) {
            let _ = m
                .reply
                .send(Err(GenError::transient("the task was claimed again")));
        } else {
            unique.push(m);
        }
    }
    let members = unique;
    let requests: Vec<BatchRequest> = members
        .iter()
        .map(|m| BatchRequest {
            custom_id: m.spec.attempt_key.clone(),
            spec: m.spec.clone(),
        })
        .collect();
    let uploaded = lane.client.upload(&requests).await;
    shared.count_request(&lane.name, &uploaded);
    let file = match uploaded {
        Ok(file) => file,
        Err(e) => {
            tracing::warn!(profile = %lane.name, tasks = members.len(), error = %e, "could not upload a batch");
            for m in members {
                let _ = m.reply.send(Err(e.clone()));
            }
            return;
        }
    };
    let recorded: Vec<Member> = members
        .iter()
        .map(|m| Member {
            seq: m.seq,
            epoch: m.epoch,
            custom_id: m.spec.attempt_key.clone(),
        })
        .collect();
    let (owner, profile, f) = (shared.owner.clone(), lane.name.clone(), file.clone());
    let held = shared
        .db
        .write(move |tx| batches::record(tx, &profile, &f, &recorded, &owner, now_ms()))
        .await;
    let held = match held {
        Ok(held) => held,
        Err(e) => {
            tracing::error!(profile = %lane.name, batch_file = %file, error = %e, "could not record an uploaded batch file; its tasks go back to the queue");
            for m in members {
                let _ = m.reply.send(Err(GenError::rate_limited(
                    format!("could not record the batch: {e}"),
                    Duration::from_secs(5),
                )));
            }
            return;
        }
    };
    tracing::info!(profile = %lane.name, batch_file = %file, tasks = members.len(), "uploaded a batch");
    if !held.iter().any(|h| *h) {
        // Every member was taken from this daemon meanwhile: nobody would read the batch.
        tracing::warn!(profile = %lane.name, batch_file = %file, "no task of the batch is held any more; it is not created");
        record_state(shared, &file, "failed").await;
        for m in members {
            let _ = m
                .reply
                .send(Err(GenError::transient("the task was no longer held")));
        }
        return;
    }
    // Created now, in the collector, so the next batch is not uploaded before this one
    // exists; a failure is left to the follower, which tries again.
    if let Err(e) = create(shared, lane, &file, false).await {
        tracing::warn!(profile = %lane.name, batch_file = %file, error = %e, "could not create the batch yet");
    }
    for (m, held) in members.into_iter().zip(held) {
        let reply = if held {
            Ok(batches::job(&file, &m.spec.attempt_key))
        } else {
            Err(GenError::transient("the task was no longer held"))
        };
        let _ = m.reply.send(reply);
    }
}

/// Creates the batch over a recorded file and records its id. With `look_first` (the file
/// was uploaded by an earlier try, which may have created it) a batch created before is
/// looked for among the recent ones, and taken instead.
async fn create(
    shared: &Arc<Shared>,
    lane: &Lane,
    file: &str,
    look_first: bool,
) -> Result<BatchId, GenError> {
    // One daemon creates it; another that follows the same file waits for its id.
    let f = file.to_string();
    let now = now_ms();
    let won = shared
        .db
        .write(move |tx| batches::claim_create(tx, &f, now, now - CREATE_CLAIM.as_millis() as i64))
        .await
        .map_err(|e| GenError::transient(format!("could not claim the batch's creation: {e}")))?;
    if !won {
        return Err(GenError::transient(
            "another daemon is creating this batch; its id is awaited",
        ));
    }
    let found = if look_first {
        let found = lane.client.find(file, FIND_LIMIT).await;
        shared.count_request(&lane.name, &found);
        found?
    } else {
        None
    };
    let id = match found {
        Some(state) => state.id,
        None => {
            let created = lane.client.create(file, lane.window, None).await;
            shared.count_request(&lane.name, &created);
            created?
        }
    };
    let (f, i) = (file.to_string(), id.0.clone());
    let recorded = shared
        .db
        .write(move |tx| {
            let set = batches::set_batch_id(tx, &f, &i, now_ms())?;
            Ok((set, batches::get(tx, &f)?.and_then(|b| b.batch_id)))
        })
        .await
        .map_err(|e| GenError::transient(format!("could not record the batch id: {e}")))?;
    match recorded {
        (true, _) => {
            tracing::info!(profile = %lane.name, batch = %id, batch_file = file, "batch created");
            Ok(id)
        }
        // Another daemon's batch over the same file was recorded first (its claim had gone
        // stale): that one is followed, and this one cancelled.
        (false, Some(other)) => {
            tracing::warn!(profile = %lane.name, batch = %id, other = %other, batch_file = file, "a second batch over one file; cancelling it");
            if other != id.0 {
                let cancelled = lane.client.cancel(&id).await;
                shared.count_request(&lane.name, &cancelled);
            }
            Ok(BatchId(other))
        }
        (false, None) => Err(GenError::permanent(format!(
            "no batch is recorded for file {file}"
        ))),
    }
}

/// Follows the batch over `file` to its end.
async fn follow(shared: &Arc<Shared>, lane: &Lane, file: &str) -> Outcome {
    let mut wait = Duration::ZERO;
    // The batch id, creating the batch if the collector could not.
    let (id, custom_ids) = loop {
        tokio::time::sleep(wait).await;
        wait = lane.jittered();
        let f = file.to_string();
        let batch = match shared.db.read(move |tx| batches::get(tx, &f)).await {
            Ok(Some(b)) => b,
            Ok(None) => {
                return Outcome::All(GenError::permanent(format!(
                    "openai-batch generator '{}': no batch is recorded for file {file}",
                    lane.name
                )))
            }
            Err(e) => {
                tracing::warn!(batch_file = file, error = %e, "could not read the batch");
                continue;
            }
        };
        let id = match batch.batch_id {
            Some(id) => BatchId(id),
            None => match create(shared, lane, file, true).await {
                Ok(id) => id,
                Err(e) if retried(&e, &mut wait) => {
                    tracing::warn!(batch_file = file, error = %e, "could not create the batch; will try again");
                    continue;
                }
                Err(e) => {
                    record_state(shared, file, "failed").await;
                    return Outcome::All(e);
                }
            },
        };
        break (id, batch.custom_ids);
    };
    // Polled until it is over.
    let state = loop {
        let got = lane.client.get(&id).await;
        shared.count_request(&lane.name, &got);
        match got {
            Ok(state) if state.status.is_final() => break state,
            Ok(state) => {
                tracing::debug!(batch = %id, status = state.status.as_str(), done = state.counts.completed, "batch still running");
            }
            Err(e) if retried(&e, &mut wait) => {
                tracing::warn!(batch = %id, error = %e, "could not poll the batch; will poll again");
            }
            Err(e) => return Outcome::All(e),
        }
        tokio::time::sleep(wait).await;
        wait = lane.jittered();
    };
    let results = loop {
        let r = lane
            .client
            .results(
                state.output_file_id.as_deref(),
                state.error_file_id.as_deref(),
                &custom_ids,
            )
            .await;
        shared.count_request(&lane.name, &r);
        match r {
            Ok(r) => break r,
            Err(e) if retried(&e, &mut wait) => {
                tracing::warn!(batch = %id, error = %e, "could not read the batch's results; will try again");
                tokio::time::sleep(wait).await;
                wait = lane.jittered();
            }
            Err(e) => return Outcome::All(e),
        }
    };
    for p in &results.problems {
        tracing::warn!(batch = %id, problem = %p, "batch results");
    }
    record_state(shared, file, state.status.as_str()).await;
    tracing::info!(batch = %id, status = state.status.as_str(), lines = results.lines.len(), "batch over");
    match state.status {
        BatchStatus::Completed => Outcome::Lines(results.lines.into_iter().collect()),
        BatchStatus::Expired | BatchStatus::Cancelled => {
            // What the batch finished counts; the rest goes back to the queue, a retry spent.
            let why = format!(
                "batch {id} {} before this request finished",
                state.status.as_str()
            );
            Outcome::Lines(
                results
                    .lines
                    .into_iter()
                    .map(|(cid, r)| match r {
                        LineResult::Done(out) => (cid, LineResult::Done(out)),
                        LineResult::Failed(_) => {
                            (cid, LineResult::Failed(GenError::transient(why.clone())))
                        }
                    })
                    .collect(),
            )
        }
        _ => {
            let why = if state.errors.is_empty() {
                "no reason given".to_string()
            } else {
                state.errors.join("; ")
            };
            Outcome::All(GenError::permanent(format!(
                "openai-batch generator '{}': batch {id} failed: {why}",
                lane.name
            )))
        }
    }
}

/// Whether a failed request to the Batch API is tried again; sets the wait before it.
fn retried(e: &GenError, wait: &mut Duration) -> bool {
    match e.kind {
        ErrorKind::RateLimited => {
            *wait = e
                .retry_after
                .unwrap_or(retry::DEFAULT_SNOOZE)
                .min(MAX_SNOOZE);
            true
        }
        ErrorKind::Transient => true,
        _ => false,
    }
}

async fn record_state(shared: &Arc<Shared>, file: &str, state: &str) {
    let (f, s) = (file.to_string(), state.to_string());
    if let Err(e) = shared
        .db
        .write(move |tx| batches::set_state(tx, &f, &s, now_ms()))
        .await
    {
        tracing::warn!(batch_file = file, error = %e, "could not record the batch's state");
    }
}
