//! The PostgreSQL backend, for stores shared by daemons and operators on several hosts:
//! connecting to a `postgres://` URL and bringing the schema up to date.
//!
//! The synchronous `postgres` crate fits the store's blocking calls: the daemon already runs
//! every store call on tokio's blocking pool, and the crate's `Client::notifications` gives
//! `LISTEN/NOTIFY` without a second runtime. Migrations are numbered for this backend alone
//! ([`schema::MIGRATIONS`]) and applied in one transaction under an advisory lock, so two
//! processes that start together migrate once; a schema newer than this build is refused.

mod schema;
mod tls;

use std::cell::RefCell;
use std::collections::HashMap;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};
use postgres::{Client, Row, Statement};

use super::error::{DbError, Engine};
use super::sql::{pg_placeholders, Sql, Value};
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

/// A connection to a PostgreSQL store: the client, its prepared statements, and what it
/// needs to connect again after the server closed it.
pub struct Session {
    url: String,
    /// Always `Some` but while being dropped (see `Drop`).
    client: RefCell<Option<Client>>,
    /// Each statement text this session has sent: prepared from its second use on (`None`
    /// after the first).
    statements: RefCell<HashMap<String, Option<Statement>>>,
    /// Whether this session listens for changes (and must listen again after reconnecting).
    listening: bool,
}

/// The channel on which every change of a task is announced (see the schema's
/// `tasks_notify` trigger).
pub(crate) const CHANNEL: &str = "contenthub_tasks";

/// How many times a write transaction that ended in a deadlock or serialization failure is
/// run again.
const WRITE_ATTEMPTS: u32 = 12;

/// How long a session may stay idle inside a transaction before the server ends it (see
/// `connect`).
const IDLE_IN_TRANSACTION: &str = "-c idle_in_transaction_session_timeout=10s";

/// A connection being made before anything asked for it (see [`preconnect`]): its URL, and
/// where the thread making it hands it over (as soon as it is made, not when the thread has
/// ended).
type EarlyConnection = (String, std::sync::mpsc::Receiver<Result<Client>>);

static EARLY: std::sync::Mutex<Option<EarlyConnection>> = std::sync::Mutex::new(None);

/// Starts connecting to `url` on a thread of its own; the first [`connect`] to the same URL
/// takes the connection (or the error) over instead of connecting again.
pub(crate) fn preconnect(url: &str) {
    let owned = url.to_string();
    let (made, handed) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("connect".into())
        .spawn(move || {
            // Nobody waiting any more (the process is ending): the connection closes here.
            let _ = made.send(connect_now(&owned));
        });
    if spawned.is_ok() {
        *EARLY.lock().unwrap_or_else(|e| e.into_inner()) = Some((url.to_string(), handed));
        // The new thread may wait for this one's processor, and then it would start only
        // once this one blocks on it, with nothing overlapped: give it the processor until
        // it has sent its request and waits on the server (a fraction of a millisecond).
        std::thread::yield_now();
    }
}

/// How long [`finish_early`] waits for a server to answer: one that has not by then (an
/// unreachable host) is left to its timeouts, and the process goes on to exit.
const EARLY_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// Waits, at most [`EARLY_WAIT`], for a connection [`preconnect`] started and nothing took
/// over, and closes it: a process that exits in the middle of the handshake leaves the
/// server a line in its log ("incomplete startup packet").
pub(crate) fn finish_early() {
    let early = EARLY.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some((_, handed)) = early {
        drop(handed.recv_timeout(EARLY_WAIT));
    }
}

/// A connection to `url`: the one [`preconnect`] started, if it was for this URL, else a new
/// one.
fn connect(url: &str) -> Result<Client> {
    let early = {
        let mut slot = EARLY.lock().unwrap_or_else(|e| e.into_inner());
        match slot.take() {
            Some((u, handed)) if u == url => Some(handed),
            other => {
                *slot = other;
                None
            }
        }
    };
    match early.map(|handed| handed.recv()) {
        Some(Ok(made)) => made,
        // The thread ended without handing anything over (it panicked): connect here, where
        // the panic's cause shows.
        Some(Err(_)) | None => connect_now(url),
    }
}

fn connect_now(url: &str) -> Result<Client> {
    let tls::Prepared { url: parsed, tls } = tls::prepare(url)?;
    let mut config: postgres::Config = parsed.parse().map_err(|e: postgres::Error| {
        Error::invalid(
            "db",
            format!(
                "{} is not a PostgreSQL connection URL: {}",
                masked(url),
                DbError(Engine::Postgres(e))
            ),
        )
    })?;
    // The server's notices ("relation … already exists, skipping") are not the operator's
    // business; its warnings and errors still come through.
    // A transaction that waits on its client (a process stopped, or hung, between two
    // statements) holds its row locks, the `task_counts` rows among them, and with them every
    // other process's status change: the server ends such a session after a while. Every
    // transaction of ours runs statement after statement, without waiting on anything else.
    // The URL's options come after, so they may set another limit.
    let options = match config.get_options() {
        Some(o) => format!("{IDLE_IN_TRANSACTION} {o} -c client_min_messages=warning"),
        None => format!("{IDLE_IN_TRANSACTION} -c client_min_messages=warning"),
    };
    config.options(&options);
    // A connection that a firewall or a NAT dropped while idle (a daemon's result writer
    // waits on its own connection between batches) is found within minutes rather than the
    // system's default of hours: keepalive probes after a minute idle, and a send that goes
    // unacknowledged for two minutes ends the connection. Values in the URL win.
    if config.get_keepalives_idle() == std::time::Duration::from_secs(2 * 60 * 60) {
        config.keepalives_idle(std::time::Duration::from_secs(60));
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(std::time::Duration::from_secs(120));
    }
    // Name the program in pg_stat_activity, unless the URL does.
    if config.get_application_name().is_none() {
        config.application_name("contenthub");
    }
    config.connect(tls).map_err(|e| {
        Error::Store(format!(
            "cannot connect to the store {}: {}",
            masked(url),
            DbError(Engine::Postgres(e))
        ))
    })
}

impl Session {
    /// Connects to `url` and migrates the schema, refusing one newer than this build.
    pub(crate) fn open(url: &str) -> Result<Session> {
        let mut client = connect(url)?;
        migrate(&mut client, url)?;
        Ok(Session::with(url, client, false))
    }

    /// Connects to an existing store without changing it; its schema version (0 when it has
    /// none yet).
    pub(crate) fn connect_existing(url: &str) -> Result<(Session, i64)> {
        let mut client = connect(url)?;
        let version = schema_version(&mut client)?;
        Ok((Session::with(url, client, false), version))
    }

    /// Connects and listens for changes of tasks.
    pub(crate) fn listen(url: &str) -> Result<Session> {
        let mut client = connect(url)?;
        client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
        Ok(Session::with(url, client, true))
    }

    fn with(url: &str, client: Client, listening: bool) -> Session {
        Session {
            url: url.to_string(),
            client: RefCell::new(Some(client)),
            statements: RefCell::new(HashMap::new()),
            listening,
        }
    }

    /// The client, for one statement at a time.
    fn client(&self) -> std::cell::RefMut<'_, Client> {
        std::cell::RefMut::map(self.client.borrow_mut(), |c| {
            c.as_mut()
                .expect("a session's client is present until it is dropped")
        })
    }

    /// Connects again when the server closed the connection (a restart, a failover); a
    /// transaction then starts on the new one.
    fn ensure_open(&self) -> Result<()> {
        if !self.client().is_closed() {
            return Ok(());
        }
        let mut client = connect(&self.url)?;
        if self.listening {
            client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
        }
        *self.client() = client;
        self.statements.borrow_mut().clear();
        Ok(())
    }

    /// How to send `sql` this time. Its first use in a session goes out in one round trip,
    /// parsed, bound and run at once (a CLI command sends most statements once); from its
    /// second use on it is a prepared statement, parsed and described once per session.
    fn statement(&self, sql: Sql<'_>) -> Result<Sending> {
        let text = match sql.pg {
            Some(t) => std::borrow::Cow::Borrowed(t),
            None => std::borrow::Cow::Owned(pg_placeholders(sql.lite)),
        };
        let seen = self.statements.borrow().get(text.as_ref()).cloned();
        match seen {
            Some(Some(st)) => return Ok(Sending::Prepared(st)),
            Some(None) => {}
            None => {
                self.statements.borrow_mut().insert(text.to_string(), None);
                return Ok(Sending::Once(text.into_owned()));
            }
        }
        let st = self.client().prepare(&text)?;
        self.statements
            .borrow_mut()
            .insert(text.into_owned(), Some(st.clone()));
        Ok(Sending::Prepared(st))
    }

    pub(crate) fn exec(&self, sql: Sql<'_>, args: &[Value<'_>]) -> Result<usize> {
        let n = match self.statement(sql)? {
            Sending::Prepared(st) => self.client().execute(&st, &params(args))?,
            Sending::Once(text) => self.client().execute_typed(&text, &untyped(args))?,
        };
        Ok(n as usize)
    }

    pub(crate) fn batch(&self, sql: Sql<'_>) -> Result<()> {
        Ok(self.client().batch_execute(sql.pg.unwrap_or(sql.lite))?)
    }

    pub(crate) fn query(&self, sql: Sql<'_>, args: &[Value<'_>]) -> Result<Vec<Row>> {
        Ok(match self.statement(sql)? {
            Sending::Prepared(st) => self.client().query(&st, &params(args))?,
            Sending::Once(text) => self.client().query_typed(&text, &untyped(args))?,
        })
    }

    /// Streams the rows of a query to `f`.
    pub(crate) fn each(
        &self,
        sql: Sql<'_>,
        args: &[Value<'_>],
        mut f: impl FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        let sending = self.statement(sql)?;
        let mut client = self.client();
        let mut rows = match &sending {
            Sending::Prepared(st) => client.query_raw(st, args.iter())?,
            Sending::Once(text) => client.query_typed_raw(text, untyped(args))?,
        };
        while let Some(r) = rows.next()? {
            f(&r)?;
        }
        Ok(())
    }

    /// Runs `f` in a `READ COMMITTED` transaction, again after a deadlock or a serialization
    /// failure, and on a new connection when the server ended the session before `COMMIT`
    /// was sent (e.g. this process was stopped past the idle-in-transaction limit): the
    /// transaction was then rolled back, and nothing of it was written.
    pub(crate) fn write<T>(&self, mut f: impl FnMut() -> Result<T>) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.ensure_open()?;
            self.client().batch_execute("BEGIN")?;
            let (e, committing) = match f() {
                Ok(v) => match self.client().batch_execute("COMMIT") {
                    Ok(()) => return Ok(v),
                    Err(e) => (Error::from(e), true),
                },
                Err(e) => (e, false),
            };
            let _ = self.client().batch_execute("ROLLBACK");
            // A connection lost while committing leaves the outcome unknown: that is never
            // run again.
            let lost = !committing && self.client().is_closed();
            let again = lost || matches!(&e, Error::Database(d) if d.is_conflict());
            if !again || attempt >= WRITE_ATTEMPTS {
                return Err(e);
            }
            // Apart a little, so that the two sides of a deadlock do not meet again.
            // (Random: the two sides may be connections of one process.)
            let jitter =
                u64::from(getrandom::u32().unwrap_or(std::process::id()) % 7) + u64::from(attempt);
            std::thread::sleep(std::time::Duration::from_millis(2 * jitter));
        }
    }

    /// Runs `f` in a read-only `REPEATABLE READ` transaction: one snapshot for all its reads.
    /// A read whose connection was lost runs once more on a new one.
    pub(crate) fn read<T>(&self, mut f: impl FnMut() -> Result<T>) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.ensure_open()?;
            self.client()
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
            let out = f().and_then(|v| {
                self.client().batch_execute("COMMIT")?;
                Ok(v)
            });
            match out {
                Ok(v) => return Ok(v),
                Err(e) => {
                    let _ = self.client().batch_execute("ROLLBACK");
                    if attempt >= 2 || !self.client().is_closed() {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// Waits up to `limit` for change notifications: their payloads (none: the time ran out).
    /// An error means the connection is lost.
    pub(crate) fn wait(&self, limit: std::time::Duration) -> Result<Vec<String>> {
        let mut client = self.client();
        let mut heard = Vec::new();
        {
            let mut notes = client.notifications();
            let first = notes.timeout_iter(limit).next()?;
            if let Some(first) = first {
                heard.push(first.payload().to_string());
                // Take what else has arrived, without waiting again.
                let mut rest = notes.iter();
                while let Some(n) = rest.next()? {
                    heard.push(n.payload().to_string());
                }
            }
        }
        if client.is_closed() {
            return Err(Error::Store("the listening connection was closed".into()));
        }
        Ok(heard)
    }

    /// The schema version the store holds.
    pub(crate) fn version(&self) -> Result<i64> {
        schema_version(&mut self.client())
    }
}

impl Drop for Session {
    /// Closing the client blocks on its own runtime, which panics on an async thread (a
    /// daemon's store dropped as it stops): there, it is closed on a thread of its own.
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let _ = std::thread::Builder::new()
                    .name("contenthub-close".into())
                    .spawn(move || drop(client));
            }
        }
    }
}

fn params<'a>(args: &'a [Value<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    args.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// A statement as it goes out: prepared, or its text for one round trip.
enum Sending {
    Prepared(Statement),
    Once(String),
}

/// The arguments of a statement sent without preparing it: of no stated type, each in text
/// form, so the server gives each parameter the type it infers from the statement, as it does
/// when preparing (see `Value`'s `ToSql`).
fn untyped<'a>(args: &'a [Value<'a>]) -> Vec<(&'a (dyn ToSql + Sync), Type)> {
    args.iter()
        .map(|v| (v as &(dyn ToSql + Sync), Type::UNKNOWN))
        .collect()
}

/// The version in `contenthub_schema`; 0 when the table does not exist yet. One round trip
/// (the simple protocol needs no statement prepared first): every command starts here.
fn schema_version(client: &mut Client) -> Result<i64> {
    let messages = match client.simple_query("SELECT version FROM contenthub_schema") {
        Ok(m) => m,
        Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    for m in messages {
        if let postgres::SimpleQueryMessage::Row(row) = m {
            let text = row.get(0).unwrap_or("0");
            return text.parse().map_err(|_| {
                Error::Store(format!(
                    "the store's schema version is not a number: {text}"
                ))
            });
        }
    }
    Ok(0)
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
    // Nearly always the schema is current: one read says so, without the transaction and its
    // lock (every CLI command opens the store).
    if schema_version(client).is_ok_and(|v| v == SCHEMA_VERSION) {
        return Ok(());
    }
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
        let failed = |e| {
            Error::Store(format!(
                "migrating {} to schema version {}: {}",
                masked(url),
                i + 1,
                DbError(Engine::Postgres(e))
            ))
        };
        tx.batch_execute(sql).map_err(failed)?;
        if i + 1 == schema::TOPIC_TOKENS_VERSION {
            fill_topic_tokens(&mut tx).map_err(failed)?;
        }
    }
    tx.execute(
        "INSERT INTO contenthub_schema (one, version) VALUES (TRUE, $1)
         ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
        &[&SCHEMA_VERSION],
    )?;
    tx.commit()?;
    Ok(())
}

/// Writes the topic tokens of the tasks a submitted topic can still be compared with, in the
/// migration's transaction: the unfinished ones and those created within the last 8 days (the
/// submit-time window and a day more), a batch of rows per statement.
fn fill_topic_tokens(
    tx: &mut postgres::Transaction<'_>,
) -> std::result::Result<(), postgres::Error> {
    let since = crate::domain::time::now_ms() - super::migrations::TOPIC_TOKENS_BACKFILL_MS;
    let rows = tx.query(
        "SELECT seq, account_id, topic FROM tasks WHERE status IN ('pending', 'submitted', 'processing')
         UNION
         SELECT seq, account_id, topic FROM tasks WHERE created_at >= $1",
        &[&since],
    )?;
    let (mut accounts, mut tokens, mut seqs) = (Vec::new(), Vec::new(), Vec::new());
    for (i, r) in rows.iter().enumerate() {
        let (seq, account_id, topic): (i64, i64, String) = (r.get(0), r.get(1), r.get(2));
        for token in crate::review::similarity::Topic::new(&topic).prefix_tokens() {
            accounts.push(account_id);
            tokens.push(token);
            seqs.push(seq);
        }
        if accounts.len() >= 50_000 || i + 1 == rows.len() {
            tx.execute(
                "INSERT INTO topic_tokens(account_id, token, seq)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
                 ON CONFLICT DO NOTHING",
                &[&accounts, &tokens, &seqs],
            )?;
            accounts.clear();
            tokens.clear();
            seqs.clear();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::masked;

    /// The early connection is one slot for the whole process: its tests take turns.
    static EARLY_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// A process whose early connection a server never answers still exits at once.
    #[test]
    fn an_unanswered_early_connection_does_not_hold_the_exit() {
        use super::{finish_early, preconnect, EARLY_WAIT};
        let _turn = EARLY_TESTS.lock().unwrap_or_else(|e| e.into_inner());
        // Accepts, and never says a word.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = silent.local_addr().unwrap().port();
        preconnect(&format!("postgres://nobody@127.0.0.1:{port}/none"));
        let (_held, _) = silent.accept().unwrap();
        let t = std::time::Instant::now();
        finish_early();
        let waited = t.elapsed();
        assert!(waited >= EARLY_WAIT, "{waited:?}");
        assert!(waited < EARLY_WAIT * 4, "{waited:?}");
        assert!(super::EARLY.lock().unwrap().is_none());
    }

    mod pg {
        use super::super::Session;
        use crate::store::sql::{args, Sql};
        use crate::store::testing::PgDb;

        /// `url` with one more query parameter.
        fn with(url: &str, param: &str) -> String {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}{param}")
        }

        /// The connection started early is the one the first session to its URL uses;
        /// a session to another URL connects by itself and leaves it; a failed early
        /// connection is reported as the failure of the session that takes it.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn a_session_takes_over_the_early_connection_to_its_url() {
            use super::super::{preconnect, EARLY};
            let _turn = super::EARLY_TESTS.lock().unwrap_or_else(|e| e.into_inner());
            let db = PgDb::new();
            let url = db.url();
            let pid = |s: &Session| -> i32 {
                s.query(Sql::same("SELECT pg_backend_pid()"), args![])
                    .unwrap()[0]
                    .get(0)
            };
            let waiting = || EARLY.lock().unwrap().as_ref().map(|(u, _)| u.clone());
            preconnect(url);
            let other = Session::open(&with(url, "application_name=other")).unwrap();
            assert_eq!(waiting().as_deref(), Some(url));
            let early = Session::open(url).unwrap();
            assert_eq!(waiting(), None);
            assert_ne!(pid(&early), pid(&other));
            // Only one connection was made for it: the server sees exactly two clients.
            let ours: i64 = early
                .query(
                    Sql::same(
                        "SELECT count(*) FROM pg_stat_activity
                         WHERE datname = current_database() AND backend_type = 'client backend'",
                    ),
                    args![],
                )
                .unwrap()[0]
                .get(0);
            assert_eq!(ours, 2);
            let bad = "postgres://nobody@127.0.0.1:1/none?connect_timeout=2";
            preconnect(bad);
            let e = Session::open(bad).err().expect("nothing listens on port 1");
            assert!(e.to_string().contains("cannot connect"), "{e}");
            assert_eq!(waiting(), None);
        }

        /// `sslmode=require` encrypts the session when the server offers TLS (its
        /// certificate unchecked, as libpq does), and fails when it does not.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn require_encrypts_the_session() {
            let db = PgDb::new();
            let url = db.url();
            let plain = Session::open(&with(url, "sslmode=disable")).unwrap();
            let offered = plain
                .query(Sql::same("SHOW ssl"), args![])
                .unwrap()
                .first()
                .map(|r| r.get::<_, String>(0))
                .unwrap();
            let encrypted = |s: &Session| -> bool {
                s.query(
                    Sql::same("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"),
                    args![],
                )
                .unwrap()
                .first()
                .map(|r| r.get::<_, bool>(0))
                .unwrap()
            };
            assert!(!encrypted(&plain));
            // Without `sslmode` (that is, `prefer`), a loopback server is reached in plain
            // TCP, any other with TLS when it offers it.
            let default = Session::open(url).unwrap();
            let local = super::super::tls::is_loopback_url(url);
            assert_eq!(encrypted(&default), offered == "on" && !local, "{url}");
            match Session::open(&with(url, "sslmode=require")) {
                Ok(s) => {
                    assert_eq!(offered, "on");
                    assert!(encrypted(&s));
                }
                Err(e) => {
                    assert_eq!(offered, "off", "{e}");
                }
            }
        }

        /// A session stopped inside a transaction holds its row locks only until the
        /// server's idle-in-transaction limit ends it; the write then runs again on a new
        /// connection, and only that run is written.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn a_write_whose_session_the_server_ended_runs_again_on_a_new_one() {
            let db = PgDb::new();
            let url = db.url();
            let s = Session::open(url).unwrap();
            let limit = s
                .query(
                    Sql::same("SHOW idle_in_transaction_session_timeout"),
                    args![],
                )
                .unwrap()
                .first()
                .map(|r| r.get::<_, String>(0))
                .unwrap();
            assert_eq!(limit, "10s");
            // The URL's options come after the default, so a test can shorten it.
            let short = with(
                url,
                "options=-c%20idle_in_transaction_session_timeout%3D300",
            );
            let s = Session::open(&short).unwrap();
            s.batch(Sql::same(
                "CREATE TABLE t (n BIGINT); CREATE TABLE c (k INT PRIMARY KEY, n BIGINT);
                 INSERT INTO c VALUES (1, 0)",
            ))
            .unwrap();
            let other = Session::open(url).unwrap();
            let mut runs = 0;
            let out = s.write(|| {
                runs += 1;
                s.exec(Sql::same("INSERT INTO t VALUES (?1)"), args![runs])?;
                s.exec(Sql::same("UPDATE c SET n = n + 1 WHERE k = 1"), args![])?;
                if runs == 1 {
                    // Stopped past the limit while holding the row: another session may
                    // change it once the server has ended this one.
                    std::thread::sleep(std::time::Duration::from_millis(1500));
                    let started = std::time::Instant::now();
                    other
                        .write(|| {
                            other.exec(Sql::same("UPDATE c SET n = n + 10 WHERE k = 1"), args![])
                        })
                        .unwrap();
                    assert!(started.elapsed() < std::time::Duration::from_secs(1));
                }
                s.exec(Sql::same("INSERT INTO t VALUES (?1)"), args![runs + 10])?;
                Ok(runs)
            });
            assert_eq!(out.unwrap(), 2);
            let rows = |sql| -> Vec<i64> {
                other
                    .query(Sql::same(sql), args![])
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect()
            };
            assert_eq!(rows("SELECT n FROM t ORDER BY n"), [2, 12]);
            assert_eq!(rows("SELECT n FROM c"), [11]);
        }
    }

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
