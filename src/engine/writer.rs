//! The result writer: workers hand it how their attempts ended, and it applies whatever has
//! queued up through [`outcome::apply`] in a single transaction, so a completed task's
//! content row, its transition and its counters commit together and one fsync serves many
//! tasks.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::outcome::{self, Applied, Report, Source};
use super::shared::{Shared, Writer};
use crate::domain::time::now_ms;
use crate::error::{Error, Result};
use crate::store::queue::{self, Claimed, Fence, Finish};
use crate::store::tasks::Seq;

type Ack = oneshot::Sender<Result<Applied, String>>;

/// How a worker's attempt ended, for the writer to commit.
#[derive(Debug, Clone)]
pub enum Settle {
    /// The generator reported, about the task as the worker claimed it.
    Report(Box<Claimed>, Report),
    /// An end no generator reported (the deadline, a release, a missing profile) of the
    /// task's attempt under the claim of the given lease epoch.
    End(Seq, i64, Finish),
}

/// What the writer receives: a result to commit, or a request to confirm that everything
/// sent before it is committed.
enum Item {
    Result(Settle, Ack),
    Flush(oneshot::Sender<()>),
}

/// Sends results to the writer; each call resolves once its result is committed.
#[derive(Clone)]
pub struct Results {
    tx: mpsc::UnboundedSender<Item>,
}

/// The receiving end of [`Results`], until [`spawn_writer`] takes it.
pub struct Pending(mpsc::UnboundedReceiver<Item>);

/// A channel for results, whose writer is started later with [`spawn_writer`].
pub fn results() -> (Results, Pending) {
    let (tx, rx) = mpsc::unbounded_channel::<Item>();
    (Results { tx }, Pending(rx))
}

impl Results {
    pub async fn send(&self, settle: Settle) -> Result<Applied> {
        let (ack, rx) = oneshot::channel();
        self.tx
            .send(Item::Result(settle, ack))
            .map_err(|_| Error::Store("result writer stopped".into()))?;
        rx.await
            .map_err(|_| Error::Store("result writer stopped".into()))?
            .map_err(Error::Store)
    }

    /// Resolves once every result sent before it has been committed (or given up).
    pub async fn flush(&self) -> Result<()> {
        let (done, rx) = oneshot::channel();
        self.tx
            .send(Item::Flush(done))
            .map_err(|_| Error::Store("result writer stopped".into()))?;
        rx.await
            .map_err(|_| Error::Store("result writer stopped".into()))
    }
}

/// How often a batch of results is tried before it is given up.
const WRITE_ATTEMPTS: u32 = 3;

/// Most results one transaction commits.
const BATCH: usize = 512;

/// The wait before the next try of a commit the full disk refused: 250 ms, doubling, at most
/// 10 s.
fn full_backoff(tries: u32) -> std::time::Duration {
    std::time::Duration::from_millis((250u64 << tries.min(6)).min(10_000))
}

/// Starts the writer task: it drains whatever results are waiting and applies them together,
/// through [`outcome::apply`], in one transaction.
pub fn spawn_writer(shared: Arc<Shared>, pending: Pending) -> tokio::task::JoinHandle<()> {
    let Pending(mut rx) = pending;
    tokio::spawn(async move {
        let mut batch: Vec<(Settle, Ack)> = Vec::with_capacity(BATCH);
        let mut flushes: Vec<oneshot::Sender<()>> = Vec::new();
        while let Some(first) = rx.recv().await {
            let mut next = Some(first);
            while let Some(item) = next {
                match item {
                    Item::Result(settle, ack) => batch.push((settle, ack)),
                    Item::Flush(done) => flushes.push(done),
                }
                next = if batch.len() < BATCH {
                    rx.try_recv().ok()
                } else {
                    None
                };
            }
            if batch.is_empty() {
                for done in flushes.drain(..) {
                    let _ = done.send(());
                }
                continue;
            }
            let (items, acks): (Vec<Settle>, Vec<Ack>) = batch.drain(..).unzip();
            // A batch with a generated result is never given up for a full disk or a store
            // locked by another process: it is kept and retried, with backoff, until it can
            // be saved, so no paid generation is lost. The workers wait meanwhile, and the
            // dispatcher holds at most twice `max_concurrent` tasks, so at most that many
            // results wait in memory (see `Dispatcher::free_slots`). Anything
            // else (and any other failure) is tried a few times and then given up: the
            // workers log it, and the tasks' leases lapse so they run again.
            let holds_results = items
                .iter()
                .any(|s| matches!(s, Settle::Report(_, Report::Completed(_))));
            let (items, held) = (Arc::new(items), acks.len());
            let mut outcome;
            let (mut attempt, mut waits) = (0, 0u32);
            loop {
                let (items, sh) = (items.clone(), shared.clone());
                outcome = shared
                    .results_db
                    .write(move |tx| {
                        let now = now_ms();
                        let seqs: Vec<Seq> = items
                            .iter()
                            .map(|s| match s {
                                Settle::Report(claimed, _) => claimed.seq,
                                Settle::End(seq, ..) => *seq,
                            })
                            .collect();
                        let _rows = queue::prefetch(tx, &seqs)?;
                        items
                            .iter()
                            .map(|s| match s {
                                Settle::Report(claimed, report) => outcome::apply(
                                    tx,
                                    &sh,
                                    Source::Worker(claimed),
                                    report.clone(),
                                    now,
                                ),
                                Settle::End(seq, epoch, finish) => {
                                    let fence = Fence::Lease {
                                        owner: &sh.owner,
                                        epoch: *epoch,
                                    };
                                    outcome::end(tx, *seq, fence, finish, now)
                                }
                            })
                            .collect::<Result<Vec<_>>>()
                    })
                    .await;
                match &outcome {
                    Ok(_) => {
                        shared.note_store_writable(Writer::Results);
                        break;
                    }
                    Err(e) if holds_results && (e.is_disk_full() || e.is_store_busy()) => {
                        if e.is_disk_full() {
                            shared.note_store_full(Writer::Results, e, held);
                        } else {
                            tracing::warn!(error = %e, results_held = held, "the store is locked by another process; results are kept and retried");
                        }
                        tokio::time::sleep(full_backoff(waits)).await;
                        waits += 1;
                    }
                    Err(e) => {
                        attempt += 1;
                        tracing::error!(error = %e, attempt, "could not commit results");
                        if attempt >= WRITE_ATTEMPTS {
                            // Whether the disk is full is the dispatcher's to find out now.
                            shared.forget_store_full(Writer::Results);
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(500 << attempt)).await;
                    }
                }
            }
            match outcome {
                Ok(applied) => {
                    for (ack, a) in acks.into_iter().zip(applied) {
                        let _ = ack.send(Ok(a));
                    }
                }
                Err(e) => {
                    let msg = e.to_string();
                    for ack in acks {
                        let _ = ack.send(Err(msg.clone()));
                    }
                }
            }
            for done in flushes.drain(..) {
                let _ = done.send(());
            }
        }
    })
}
