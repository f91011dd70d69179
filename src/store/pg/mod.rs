//! The PostgreSQL backend, for stores shared by daemons and operators on several hosts:
//! connecting to a `postgres://` URL and bringing the schema up to date.
//!
//! The synchronous `postgres` crate fits the store's blocking calls: the daemon already runs
//! every store call on tokio's blocking pool, and the crate's `Client::notifications` gives
//! `LISTEN/NOTIFY` without a second runtime. Migrations are numbered for this backend alone
//! ([`schema::MIGRATIONS`]) and applied in one transaction under an advisory lock, so two
//! processes that start together migrate once; a schema newer than this build is refused.

mod schema;

use postgres::{Client, NoTls};

use super::error::{DbError, Engine};
use crate::error::{Error, Result};

/// The schema version this build writes on PostgreSQL.
pub const SCHEMA_VERSION: i64 = schema::MIGRATIONS.len() as i64;

/// The advisory lock that serializes migrations (any fixed number; "contenthub" in ASCII).
const MIGRATION_LOCK: i64 = 0x636f_6e74_656e_7468;

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        Error::Database(DbError(Engine::Postgres(e)))
    }
}

/// Whether `s` names a PostgreSQL store rather than a file.
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// `url` with its password, if any, replaced by `***`, for messages and `config show`.
pub fn masked(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// A connection to a PostgreSQL store whose schema is current.
pub struct PgStore {
    client: Client,
}

impl PgStore {
    /// Connects to `url` and migrates the schema, refusing one newer than this build.
    pub fn open(url: &str) -> Result<PgStore> {
        let mut client = Client::connect(url, NoTls).map_err(|e| {
            Error::Store(format!(
                "cannot connect to the store {}: {}",
                masked(url),
                DbError(Engine::Postgres(e))
            ))
        })?;
        migrate(&mut client, url)?;
        Ok(PgStore { client })
    }

    /// The schema version the store holds.
    pub fn version(&mut self) -> Result<i64> {
        Ok(self
            .client
            .query_one("SELECT version FROM contenthub_schema", &[])?
            .get(0))
    }
}

fn newer(url: &str, found: i64) -> Error {
    Error::Store(format!(
        "the store {} has schema version {found}, written by a newer contenthub; this version \
         ({}) understands up to {SCHEMA_VERSION} on PostgreSQL. Upgrade contenthub, or point \
         --db at another store.",
        masked(url),
        env!("CARGO_PKG_VERSION"),
    ))
}

/// Brings the schema to [`SCHEMA_VERSION`] in one transaction, under an advisory lock that a
/// second process starting at the same moment waits for (and then finds nothing to do).
fn migrate(client: &mut Client, url: &str) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS contenthub_schema (
             one     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
             version BIGINT NOT NULL
         )",
    )?;
    let found: i64 = tx
        .query_opt("SELECT version FROM contenthub_schema", &[])?
        .map_or(0, |r| r.get(0));
    if found > SCHEMA_VERSION {
        return Err(newer(url, found));
    }
    if found < 0 {
        return Err(Error::Store(format!(
            "the store {} has schema version {found}, which no contenthub writes; it is left \
             as it is.",
            masked(url)
        )));
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(sql).map_err(|e| {
            Error::Store(format!(
                "migrating {} to schema version {}: {}",
                masked(url),
                i + 1,
                DbError(Engine::Postgres(e))
            ))
        })?;
    }
    tx.execute(
        "INSERT INTO contenthub_schema (one, version) VALUES (TRUE, $1)
         ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
        &[&SCHEMA_VERSION],
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            masked("postgres://app:s3cret@db.example.com:5432/contenthub?sslmode=require"),
            "postgres://app:***@db.example.com:5432/contenthub?sslmode=require"
        );
        assert_eq!(
            masked("postgresql://app@db/contenthub"),
            "postgresql://app@db/contenthub"
        );
        assert_eq!(masked("postgres://db/x"), "postgres://db/x");
    }
}
