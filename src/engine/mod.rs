//! The daemon's engine: one dispatcher that claims due tasks in priority order under a lease,
//! worker futures that run them, a writer that commits their results in batches, lease
//! renewal, a reaper for expired leases, deadline sweeps, a heartbeat, and graceful shutdown.
//!
//! [`crate::daemon::run`] runs it, with the HTTP API beside it. The files of this module
//! import one another in one direction only: `options` ← `fallback` ← `shared` ← `outcome` ← `writer` ←
//! `steps` ← `worker` ← `dispatch` ← this file, which only assembles them; `children` (the programs of
//! `command` generators) sits below `worker` and `dispatch`, and so does `batch` (the
//! collectors and followers of `openai-batch` profiles), above `outcome`.

mod batch;
pub mod budgets;
pub mod children;
pub mod db;
pub mod dispatch;
pub mod fallback;
pub mod options;
pub mod outbox;
pub mod outcome;
pub mod retry;
pub mod review;
pub mod shared;
pub mod steps;
pub mod worker;
pub mod writer;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::error::Result;
pub use crate::generator::process::host_name;
use dispatch::Dispatcher;
pub use options::{default_profile, is_remote, NotifyOptions, Options, Summary, TEMPLATE};
pub use shared::{owner_id, Shared};
use writer::Results;

/// A daemon that has opened its store and built its generators, ready to [`Engine::run`].
/// [`Engine::shared`] gives the HTTP API the same store handle and worker wake-ups.
pub struct Engine {
    opts: Options,
    shared: Arc<Shared>,
    results: Results,
    writer: tokio::task::JoinHandle<()>,
}

impl Engine {
    /// Opens the store and builds the generators. Must be called inside a tokio runtime.
    pub async fn new(opts: Options) -> Result<Engine> {
        // Opening the store blocks (on PostgreSQL it connects through the network).
        let o = opts.clone();
        let shared = tokio::task::spawn_blocking(move || Shared::open(&o))
            .await
            .map_err(|e| crate::error::Error::Store(format!("opening the store failed: {e}")))??;
        let shared = Arc::new(shared);
        let (results, pending) = writer::results();
        let writer = writer::spawn_writer(shared.clone(), pending);
        Ok(Engine {
            opts,
            shared,
            results,
            writer,
        })
    }

    /// The state the HTTP API shares with the engine.
    pub fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// Runs until `shutdown` is cancelled (or, with `until_idle`, until nothing is left to
    /// do). Leaves nothing claimed behind.
    pub async fn run(self, shutdown: CancellationToken) -> Result<Summary> {
        let Engine {
            opts,
            shared,
            results,
            writer,
        } = self;
        // The outbox sender runs until the dispatcher has finished (so events of tasks that
        // end during the grace period still go out), then drains briefly. The guard stops it
        // should this future be dropped.
        let stop_outbox = CancellationToken::new();
        let _stop_outbox_on_drop = stop_outbox.clone().drop_guard();
        let sender = tokio::spawn(outbox::run(
            shared.clone(),
            opts.notify.clone(),
            opts.env.clone(),
            stop_outbox.clone(),
        ));
        let signing = tokio::spawn(sign_old_contents(shared.clone(), shutdown.clone()));
        let result = async {
            Dispatcher::start(&opts, &shared, results.clone(), &shutdown)
                .await?
                .run(shutdown)
                .await
        }
        .await;
        // Every result handed to the writer is committed before the daemon says goodbye.
        let flushed = results.flush().await;
        stop_outbox.cancel();
        let _ = sender.await;
        writer.abort();
        // It stops after its current batch on shutdown; with --until-idle it finishes.
        let _ = signing.await;
        let summary = result?;
        flushed?;
        Ok(summary)
    }
}

/// Content rows stored without a near-duplicate signature (before the store had them, or
/// copied by `store copy`) are signed in batches at start, beside the dispatcher, each batch
/// one short write transaction. Until then such a row is not a candidate of the look-up.
async fn sign_old_contents(shared: Arc<shared::Shared>, shutdown: CancellationToken) {
    const BATCH: u32 = 200;
    let mut total = 0u64;
    while !shutdown.is_cancelled() {
        match shared
            .db
            .write(|c| crate::store::signatures::backfill(c, BATCH))
            .await
        {
            Ok(n) => {
                total += u64::from(n);
                if n < BATCH {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "signing stored content for near-duplicate checks failed");
                return;
            }
        }
    }
    if total > 0 {
        tracing::info!("signed {total} stored articles for near-duplicate checks");
    }
}
