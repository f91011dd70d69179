//! The daemon's handle on the store: blocking SQLite calls moved off the async threads, and a
//! result writer that commits many results in one transaction.

use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use crate::domain::time::now_ms;
use crate::domain::Status;
use crate::error::{Error, Result};
use crate::store::queue::{self, Finish};
use crate::store::tasks::Seq;
use crate::store::{Conn, Store};

/// Shared access to one write connection.
#[derive(Clone)]
pub struct Db {
    store: Arc<Mutex<Store>>,
}

impl Db {
    pub fn open(path: &Path) -> Result<Db> {
        Ok(Db {
            store: Arc::new(Mutex::new(Store::open(path)?)),
        })
    }

    /// Runs `f` in a write transaction on a blocking thread.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Conn) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.blocking(move |store| store.write(f)).await
    }

    /// Runs `f` in a read transaction on a blocking thread.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Conn) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.blocking(move |store| store.read(f)).await
    }

    /// Runs `f` with the store itself, for code that manages its own transactions.
    pub async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.blocking(f).await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store
                .lock()
                .map_err(|_| Error::Store("store mutex poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| Error::Store(format!("store task failed: {e}")))?
    }
}

type Ack = oneshot::Sender<Result<Option<Status>, String>>;

/// What the writer receives: a result to commit, or a request to confirm that everything
/// sent before it is committed.
enum Item {
    Result(Seq, Finish, Ack),
    Flush(oneshot::Sender<()>),
}

/// Sends results to the writer; each call resolves once its result is committed.
#[derive(Clone)]
pub struct Results {
    tx: mpsc::UnboundedSender<Item>,
}

impl Results {
    pub async fn send(&self, seq: Seq, finish: Finish) -> Result<Option<Status>> {
        let (ack, rx) = oneshot::channel();
        self.tx
            .send(Item::Result(seq, finish, ack))
            .map_err(|_| Error::Store("result writer stopped".into()))?;
        rx.await
            .map_err(|_| Error::Store("result writer stopped".into()))?
            .map_err(Error::Store)
    }
}

impl Results {
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

/// Starts the writer task: it drains whatever results are waiting and commits them together.
pub fn spawn_writer(db: Db) -> (Results, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Item>();
    let handle = tokio::spawn(async move {
        let mut batch: Vec<(Seq, Finish, Ack)> = Vec::with_capacity(BATCH);
        let mut flushes: Vec<oneshot::Sender<()>> = Vec::new();
        while let Some(first) = rx.recv().await {
            let mut next = Some(first);
            while let Some(item) = next {
                match item {
                    Item::Result(seq, finish, ack) => batch.push((seq, finish, ack)),
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
            let items: Vec<(Seq, Finish)> = batch.iter().map(|(s, f, _)| (*s, f.clone())).collect();
            let mut outcome = Err(Error::Store("not attempted".into()));
            // A failed commit is retried a few times before the results are given up: the
            // workers then log it, and the tasks' leases lapse so they run again.
            for attempt in 0..WRITE_ATTEMPTS {
                let items = items.clone();
                outcome = db
                    .write(move |tx| {
                        let now = now_ms();
                        items
                            .iter()
                            .map(|(seq, f)| queue::finish(tx, *seq, f, now))
                            .collect::<Result<Vec<_>>>()
                    })
                    .await;
                match &outcome {
                    Ok(_) => break,
                    Err(e) => {
                        tracing::error!(error = %e, attempt = attempt + 1, "could not commit results");
                        tokio::time::sleep(std::time::Duration::from_millis(500 << attempt)).await;
                    }
                }
            }
            match outcome {
                Ok(statuses) => {
                    for ((_, _, ack), st) in batch.drain(..).zip(statuses) {
                        let _ = ack.send(Ok(st));
                    }
                }
                Err(e) => {
                    let msg = e.to_string();
                    for (_, _, ack) in batch.drain(..) {
                        let _ = ack.send(Err(msg.clone()));
                    }
                }
            }
            for done in flushes.drain(..) {
                let _ = done.send(());
            }
        }
    });
    (Results { tx }, handle)
}
