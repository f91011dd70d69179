//! The API's own connections to the store, so requests neither queue behind the dispatcher's
//! connection nor block the async threads.
//!
//! Reads run on up to [`CONNECTIONS`] connections at once. Writes also take the write gate
//! first: SQLite admits one writer at a time anyway, and waiting in this queue is fair and
//! prompt where waiting in SQLite's busy handler is neither.

use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use crate::store::{Location, Store};

/// Most connections the API holds open.
pub const CONNECTIONS: usize = 8;

#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    location: Location,
    idle: Mutex<Vec<Store>>,
    permits: Semaphore,
    write_gate: tokio::sync::Mutex<()>,
}

impl Pool {
    /// Opens the first connection now, so a store that cannot be opened stops the daemon at
    /// startup rather than failing its first request.
    pub fn open(location: &Location) -> Result<Pool> {
        let first = Store::open_at(location)?;
        Ok(Pool {
            inner: Arc::new(Inner {
                location: location.clone(),
                idle: Mutex::new(vec![first]),
                permits: Semaphore::new(CONNECTIONS),
                write_gate: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Runs `f` with a connection, for reads (or writes that need no ordering with others).
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|_| Error::Store("the connection pool is closed".into()))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let taken = inner.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let mut store = match taken {
                Some(s) => s,
                None => Store::open_at(&inner.location)?,
            };
            let out = f(&mut store);
            inner
                .idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(store);
            out
        })
        .await
        .map_err(|e| Error::Store(format!("store task failed: {e}")))?
    }

    /// Runs `f` with a connection once no other API write is running.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _gate = self.inner.write_gate.lock().await;
        self.read(f).await
    }
}
