//! The daemon's handle on the store: blocking store calls moved off the async threads.

use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::store::{Conn, Location, Store};

/// Shared access to one write connection.
#[derive(Clone)]
pub struct Db {
    store: Arc<Mutex<Store>>,
}

impl Db {
    pub fn open(location: &Location) -> Result<Db> {
        Db::open_limited(location, None, None)
    }

    /// [`Db::open`], with the database capped at `max_pages` pages when given (see
    /// [`Store::limit_pages`]).
    /// The task events it writes name `actor` (the daemon's owner id), when given.
    pub fn open_limited(
        location: &Location,
        max_pages: Option<u64>,
        actor: Option<&str>,
    ) -> Result<Db> {
        let mut store = Store::open_at(location)?;
        if let Some(actor) = actor {
            store.set_actor(actor);
        }
        if let Some(pages) = max_pages {
            store.limit_pages(pages)?;
        }
        Ok(Db {
            store: Arc::new(Mutex::new(store)),
        })
    }

    /// Runs `f` in a write transaction on a blocking thread (more than once on PostgreSQL
    /// after a deadlock: see [`Store::write`]).
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnMut(&Conn) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.blocking(move |store| store.write(f)).await
    }

    /// Runs `f` in a read transaction on a blocking thread (twice on PostgreSQL after a lost
    /// connection: see [`Store::read`]).
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnMut(&Conn) -> Result<T> + Send + 'static,
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
