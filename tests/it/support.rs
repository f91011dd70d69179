//! Shared helpers: a private environment per test, a builder that runs the real binary in it,
//! engine-neutral access to its store, and a dump of the store that does not need the
//! `sqlite3` command-line tool.
//!
//! An [`Env`] keeps its store in an SQLite file, unless the test runs under [`on_postgres`]:
//! then it creates a PostgreSQL database of its own (dropped with the `Env`) and every process
//! it starts gets that database's URL as `CONTENTHUB_DB`.

use std::cell::Cell;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use contenthub::domain::Status;
use contenthub::generator::GeneratorProfile;
use contenthub::store::Location;
use contenthub::{daemon, engine};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::pg::PgDb;

/// No single invocation may take longer than this: a command that waits for a prompt nobody
/// answers must fail the test, not hang it.
const PROCESS_DEADLINE: Duration = Duration::from_secs(60);

/// Variables from the developer's or CI's environment that would change what the binary does.
const LEAKY_VARS: &[&str] = &[
    "CONTENTHUB_CONFIG",
    "ASYNC_MAX_CONCURRENT_TASKS",
    "ASYNC_POLL_INTERVAL",
    "ASYNC_TASK_TIMEOUT",
    "COLUMNS",
    "LINES",
    "CLICOLOR_FORCE",
];

/// `task stats --format json`. Defined here rather than borrowed from the binary, so that a
/// change to its shape fails a test.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    pub total: u64,
    pub active: u64,
    pub finished: u64,
    pub statuses: Vec<StatusCount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusCount {
    pub status: Status,
    pub count: u64,
    /// Fraction of all tasks, 0..1.
    pub share: f64,
}

/// One line of `config show --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigEntry {
    pub key: String,
    pub value: String,
    pub source: String,
}

thread_local! {
    /// Set while a test runs under [`on_postgres`]: the `Env`s it creates use PostgreSQL.
    static ON_POSTGRES: Cell<bool> = const { Cell::new(false) };
}

/// Runs `test` with every [`Env`] it creates on the current thread keeping its store in a
/// PostgreSQL database of its own on the server `CONTENTHUB_TEST_PG_URL` names.
pub fn on_postgres(test: impl FnOnce()) {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            ON_POSTGRES.with(|on| on.set(self.0));
        }
    }
    let _reset = Reset(ON_POSTGRES.with(|on| on.replace(true)));
    test();
}

/// A private home for one test: its own `HOME`, `XDG_*` directories and store.
///
/// Fields drop in this order: the directory, the session to the test's database, then the
/// database itself. The `Env` is declared before (so dropped after) the children and
/// in-process daemons a test starts with it; a detached daemon (`daemon start`) is killed
/// in [`Drop`] before any field goes.
pub struct Env {
    dir: tempfile::TempDir,
    /// A session to the test's PostgreSQL database, opened on first use by the helpers.
    session: std::sync::Mutex<Option<postgres::Client>>,
    pg: Option<PgDb>,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::Builder::new()
            .prefix("contenthub-it-")
            .tempdir()
            .expect("create a temporary directory");
        let pg = ON_POSTGRES.with(Cell::get).then(PgDb::new);
        Env {
            dir,
            session: std::sync::Mutex::new(None),
            pg,
        }
    }

    /// Whether the store is a PostgreSQL database.
    pub fn is_pg(&self) -> bool {
        self.pg.is_some()
    }

    /// Where the store is, for in-process engines and servers.
    pub fn location(&self) -> Location {
        match &self.pg {
            Some(db) => Location::Postgres(db.url.clone()),
            None => Location::File(self.db()),
        }
    }

    /// What `CONTENTHUB_DB` says for every process this `Env` starts.
    pub fn db_arg(&self) -> OsString {
        match &self.pg {
            Some(db) => db.url.clone().into(),
            None => self.db().into(),
        }
    }

    /// Whether the store has been created (the file, or the schema in the database).
    pub fn store_exists(&self) -> bool {
        match self.pg {
            Some(_) => self.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") > 0,
            None => self.db().exists(),
        }
    }

    /// The temporary directory everything of this test lives in.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The SQLite store, in a directory that does not exist until the binary creates it.
    /// On PostgreSQL nothing is there: tests that need the file are SQLite-only.
    pub fn db(&self) -> PathBuf {
        self.path().join("store").join("contenthub.db")
    }

    /// `XDG_CONFIG_HOME`.
    pub fn config_home(&self) -> PathBuf {
        self.path().join("xdg-config")
    }

    /// `XDG_DATA_HOME`.
    pub fn data_home(&self) -> PathBuf {
        self.path().join("xdg-data")
    }

    /// A builder for one run of the binary with `args`.
    pub fn cmd<I, S>(&self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let mut inner = assert_cmd::Command::from_std(self.std_cmd(&args));
        inner.timeout(PROCESS_DEADLINE);
        Cmd { inner, args }
    }

    /// A plain `std::process::Command` for the binary with this environment, for runs that
    /// must go on in the background (a daemon).
    pub fn std_cmd<I, S>(&self, args: I) -> std::process::Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut inner = std::process::Command::new(env!("CARGO_BIN_EXE_contenthub"));
        let home = self.path();
        inner
            .current_dir(home)
            .env("HOME", home)
            .env("XDG_DATA_HOME", self.data_home())
            .env("XDG_CONFIG_HOME", self.config_home())
            .env("XDG_STATE_HOME", self.state_home())
            .env("XDG_CACHE_HOME", home.join("xdg-cache"))
            .env("CONTENTHUB_DB", self.db_arg())
            .env("NO_COLOR", "1")
            .env("TZ", "UTC");
        for var in LEAKY_VARS {
            inner.env_remove(var);
        }
        inner.args(args);
        inner
    }

    /// `XDG_STATE_HOME` (the detached daemon's pid and log files live below it).
    pub fn state_home(&self) -> PathBuf {
        self.path().join("xdg-state")
    }

    /// Writes the config file the binary reads by default and returns its path.
    pub fn config(&self, toml: &str) -> PathBuf {
        let dir = self.config_home().join("contenthub");
        std::fs::create_dir_all(&dir).expect("create the config directory");
        let path = dir.join("config.toml");
        std::fs::write(&path, toml).expect("write the config file");
        path
    }

    /// Starts `contenthub <args>` in the background (stdout and stderr go to a log file),
    /// with extra environment variables `envs`.
    pub fn spawn(&self, args: &[&str], envs: &[(&str, &str)]) -> Child {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log = self.path().join(format!("child-{n}.log"));
        let file = std::fs::File::create(&log).expect("create a child log");
        let mut cmd = self.std_cmd(args);
        cmd.envs(envs.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(file.try_clone().expect("clone the log handle"))
            .stderr(file);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start contenthub {args:?}: {e}"));
        Child {
            child,
            log,
            args: args.iter().map(|a| a.to_string()).collect(),
            status: None,
        }
    }

    /// Runs the binary with `args` and returns what happened, whatever the exit code.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.cmd(args).run()
    }

    /// Runs the binary, asserts it exited 0 and returns its stdout.
    pub fn ok<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.run(args).success().stdout
    }

    /// Runs a read command with `--format json` and parses its output as `T`.
    pub fn json<T: DeserializeOwned>(&self, args: &[&str]) -> T {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{all:?}: {e}\n{out}"))
    }

    /// Writes `contents` to `name` inside the temporary directory.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, contents).expect("write a test file");
        path
    }

    /// Adds an account with default settings.
    pub fn account(&self, name: &str) {
        self.ok(["account", "add", name]);
    }

    /// Submits a task and returns its id.
    pub fn submit(&self, account: &str, topic: &str, extra: &[&str]) -> String {
        let mut args = vec!["task", "submit", "-q", "-a", account, "-t", topic];
        args.extend(extra);
        let out = self.ok(&args);
        let id = out.trim().to_string();
        assert!(is_task_id(&id), "not a task id: {out:?}");
        id
    }

    /// A connection to the SQLite store, for tests that are SQLite-only by nature. The
    /// helpers below work on either engine.
    pub fn conn(&self) -> Connection {
        assert!(
            !self.is_pg(),
            "env.conn() is the SQLite file's; use the helpers"
        );
        open_existing(&self.db())
    }

    /// Runs `f` with a session to the store: for setting up states no command can reach yet
    /// and for checking what was written.
    fn with_db<T>(&self, f: impl FnOnce(&mut Db) -> T) -> T {
        match &self.pg {
            Some(pg) => {
                let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
                let client = session
                    .take()
                    .filter(|c| !c.is_closed())
                    .unwrap_or_else(|| pg.client());
                let mut db = Db::Pg(client);
                let out = f(&mut db);
                if let Db::Pg(client) = db {
                    *session = Some(client);
                }
                out
            }
            None => f(&mut Db::Lite(open_existing(&self.db()))),
        }
    }

    /// Runs `sql` (one or more statements both engines accept) against the store.
    pub fn exec(&self, sql: &str) {
        self.with_db(|db| db.batch(sql));
    }

    /// Runs `lite` on SQLite or `pg` on PostgreSQL, for statements whose dialects differ.
    pub fn exec_each(&self, lite: &str, pg: &str) {
        self.exec(if self.is_pg() { pg } else { lite });
    }

    /// Runs one statement with values bound to `?1`, `?2`…; returns the rows it changed.
    pub fn execute(&self, sql: &str, args: &[&dyn Literal]) -> u64 {
        let sql = bind(sql, args);
        self.with_db(|db| db.execute(&sql))
    }

    /// Sets columns of the task `id` with an SQL `SET` list, e.g. `status = 'failed'`.
    pub fn update_task(&self, id: &str, set: &str) {
        let n = self.execute(
            &format!("UPDATE tasks SET {set} WHERE id = ?1"),
            &[&raw_id(id)],
        );
        assert_eq!(n, 1, "no task {id}");
    }

    /// Puts the task `id` in `status` directly, as a daemon would have.
    pub fn set_status(&self, id: &str, status: &str) {
        self.update_task(id, &format!("status = '{status}'"));
    }

    /// Gives the task `id` the public id `task-{hex}` and returns it.
    pub fn set_id(&self, id: &str, hex: &str) -> String {
        let new = i64::from_str_radix(hex, 16).expect("hex");
        self.update_task(id, &format!("id = {new}"));
        format!("task-{hex}")
    }

    /// One integer from a query.
    pub fn count(&self, sql: &str) -> i64 {
        let rows = self.rows(sql, &[]);
        let row = rows.first().unwrap_or_else(|| panic!("{sql}: no row"));
        row.int(0)
    }

    /// Every row of a query with values bound to `?1`, `?2`…, each value as text.
    pub fn rows(&self, sql: &str, args: &[&dyn Literal]) -> Vec<Row> {
        let sql = bind(sql, args);
        self.with_db(|db| db.rows(&sql))
    }

    /// The first column of the first row, if there is a row and the value is not NULL.
    pub fn value(&self, sql: &str, args: &[&dyn Literal]) -> Option<String> {
        self.rows(sql, args)
            .into_iter()
            .next()
            .and_then(|r| r.text(0).map(str::to_string))
    }

    /// The schema version of the store, on its engine.
    pub fn schema_version(&self) -> i64 {
        if self.is_pg() {
            self.count("SELECT version FROM contenthub_schema")
        } else {
            self.count("PRAGMA user_version")
        }
    }

    /// A task's status as stored.
    pub fn status_of(&self, id: &str) -> String {
        self.value("SELECT status FROM tasks WHERE id = ?1", &[&raw_id(id)])
            .unwrap_or_else(|| panic!("no task {id}"))
    }

    /// The whole store as text (see [`dump`]; on PostgreSQL, [`Db::dump`]).
    pub fn dump(&self) -> String {
        match self.pg {
            Some(_) => self.with_db(Db::dump),
            None => dump(&self.db()),
        }
    }

    /// Kills a daemon started with `daemon start` that still runs, and waits until it is
    /// gone, so that nothing uses the store when it is removed.
    fn kill_detached(&self) {
        let file = self.state_home().join("contenthub").join("daemon.pid");
        let Some(pid) = std::fs::read_to_string(file)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
        else {
            return;
        };
        // Only a process of this binary: the pid may have been reused since.
        let ours = std::fs::read_link(format!("/proc/{pid}/exe"))
            .is_ok_and(|exe| exe == Path::new(env!("CARGO_BIN_EXE_contenthub")));
        if !ours {
            return;
        }
        let pid = nix::unistd::Pid::from_raw(pid);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        let end = std::time::Instant::now() + Duration::from_secs(5);
        while nix::sys::signal::kill(pid, None).is_ok() && std::time::Instant::now() < end {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.kill_detached();
    }
}

/// The store helpers reach the `Env`'s store, whichever engine holds it (also run on
/// PostgreSQL by `pg::conformance`).
#[test]
pub(crate) fn the_helpers_reach_the_store() {
    let env = Env::new();
    assert!(!env.store_exists());
    env.account("blog");
    assert!(env.store_exists());
    assert_eq!(env.schema_version(), env.location().schema_version());
    let before = env.dump();
    assert!(before.contains("'blog'"), "{before}");
    assert_eq!(env.dump(), before, "a dump is stable");

    env.exec("UPDATE accounts SET display_name = 'It''s a blog', min_words = 10");
    assert_ne!(env.dump(), before, "the dump sees a change");
    assert_eq!(
        env.execute(
            "UPDATE accounts SET max_words = ?2 WHERE name = ?1",
            &[&"blog", &20],
        ),
        1
    );
    assert_eq!(env.count("SELECT count(*) FROM accounts"), 1);
    assert_eq!(env.count("SELECT sum(min_words) FROM accounts"), 10);
    assert_eq!(env.count("SELECT min_words < max_words FROM accounts"), 1);
    let rows = env.rows(
        "SELECT name, display_name, tone, max_words, auto_approve FROM accounts WHERE name = ?1",
        &[&"blog"],
    );
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(
        (r.string(0), r.string(1), r.text(2), r.int(3), r.flag(4)),
        (
            "blog".to_string(),
            "It's a blog".to_string(),
            None,
            20,
            true
        )
    );
    assert_eq!(
        env.value(
            "SELECT display_name FROM accounts WHERE max_words = ?1",
            &[&20]
        ),
        Some("It's a blog".to_string())
    );
    assert_eq!(
        env.value("SELECT tone FROM accounts WHERE name = '?1'", &[]),
        None,
        "a ? in a quoted string is text"
    );
    assert_eq!(
        Db::open(&env.location()).value("SELECT count(*) FROM accounts", &[]),
        Some("1".to_string())
    );
    env.exec_each(
        "INSERT OR IGNORE INTO accounts (name, platform, language, created_at, updated_at)
         VALUES ('blog', 'x', 'en', 0, 0)",
        "INSERT INTO accounts (name, platform, language, created_at, updated_at)
         VALUES ('blog', 'x', 'en', 0, 0) ON CONFLICT DO NOTHING",
    );
    assert_eq!(env.count("SELECT count(*) FROM accounts"), 1);
}

/// A value for [`Env::rows`] and [`Env::execute`], written into the SQL as a literal.
pub trait Literal {
    fn literal(&self) -> String;
}

impl Literal for i64 {
    fn literal(&self) -> String {
        self.to_string()
    }
}

impl Literal for str {
    fn literal(&self) -> String {
        format!("'{}'", self.replace('\'', "''"))
    }
}

impl Literal for &str {
    fn literal(&self) -> String {
        (**self).literal()
    }
}

impl Literal for String {
    fn literal(&self) -> String {
        self.as_str().literal()
    }
}

/// `sql` with each `?N` outside a quoted string replaced by `args[N - 1]` as a literal, so the
/// same text runs on both engines.
fn bind(sql: &str, args: &[&dyn Literal]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c != '?' || quoted {
            out.push(c);
            continue;
        }
        let mut n = String::new();
        while let Some(d) = chars.next_if(char::is_ascii_digit) {
            n.push(d);
        }
        let i: usize = n.parse().unwrap_or_else(|_| panic!("a bare ? in {sql}"));
        let arg = args
            .get(i.wrapping_sub(1))
            .unwrap_or_else(|| panic!("?{i} has no value in {sql}"));
        out.push_str(&arg.literal());
    }
    out
}

/// One row of [`Env::rows`]: each value as text (SQLite's or PostgreSQL's text form), or
/// `None` for NULL.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Option<String>>);

impl Row {
    pub fn text(&self, i: usize) -> Option<&str> {
        self.0[i].as_deref()
    }

    pub fn string(&self, i: usize) -> String {
        self.text(i)
            .unwrap_or_else(|| panic!("column {i} is NULL in {self:?}"))
            .to_string()
    }

    pub fn opt_int(&self, i: usize) -> Option<i64> {
        self.text(i).map(|v| match v {
            "t" | "true" => 1,
            "f" | "false" => 0,
            _ => v
                .parse()
                .unwrap_or_else(|e| panic!("column {i} = {v:?} is not an integer: {e}")),
        })
    }

    pub fn int(&self, i: usize) -> i64 {
        self.opt_int(i)
            .unwrap_or_else(|| panic!("column {i} is NULL in {self:?}"))
    }

    /// A 0/1 flag.
    pub fn flag(&self, i: usize) -> bool {
        self.int(i) != 0
    }
}

/// A session to a test's store on either engine.
pub enum Db {
    Lite(Connection),
    Pg(postgres::Client),
}

impl Db {
    /// A session of its own to the store at `location`, for a look from another thread
    /// while the test runs (read-only on SQLite).
    pub fn open(location: &Location) -> Db {
        match location {
            Location::File(path) => {
                let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
                conn.busy_timeout(Duration::from_secs(5))
                    .expect("set a busy timeout");
                Db::Lite(conn)
            }
            Location::Postgres(url) => Db::Pg(
                postgres::Client::connect(url, postgres::NoTls)
                    .unwrap_or_else(|e| panic!("connect to the test database: {e}")),
            ),
        }
    }

    /// As [`Env::value`].
    pub fn value(&mut self, sql: &str, args: &[&dyn Literal]) -> Option<String> {
        self.rows(&bind(sql, args))
            .into_iter()
            .next()
            .and_then(|r| r.text(0).map(str::to_string))
    }

    fn batch(&mut self, sql: &str) {
        match self {
            Db::Lite(c) => c.execute_batch(sql).map_err(|e| e.to_string()),
            Db::Pg(c) => c.batch_execute(sql).map_err(|e| e.to_string()),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn execute(&mut self, sql: &str) -> u64 {
        match self {
            Db::Lite(c) => c
                .execute(sql, [])
                .map(|n| n as u64)
                .map_err(|e| e.to_string()),
            Db::Pg(c) => c.execute(sql, &[]).map_err(|e| e.to_string()),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    fn rows(&mut self, sql: &str) -> Vec<Row> {
        match self {
            Db::Lite(c) => {
                let read = || -> rusqlite::Result<Vec<Row>> {
                    let mut stmt = c.prepare(sql)?;
                    let n = stmt.column_count();
                    let mut rows = stmt.query([])?;
                    let mut out = Vec::new();
                    while let Some(r) = rows.next()? {
                        let values = (0..n)
                            .map(|i| r.get_ref(i).map(text))
                            .collect::<rusqlite::Result<_>>()?;
                        out.push(Row(values));
                    }
                    Ok(out)
                };
                read().unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            // The simple query protocol returns every value as text, whatever its type.
            Db::Pg(c) => c
                .simple_query(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .into_iter()
                .filter_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(r) => Some(Row((0..r.len())
                        .map(|i| r.get(i).map(str::to_string))
                        .collect())),
                    _ => None,
                })
                .collect(),
        }
    }

    /// The PostgreSQL store as text, like [`dump`]: the schema version, every table's columns
    /// and every index, then every row of every table in a stable order. Sequences are left
    /// out: they advance outside transactions, so a refused command may move them.
    fn dump(&mut self) -> String {
        let mut out = String::new();
        let version = self.rows("SELECT version FROM contenthub_schema");
        writeln!(
            out,
            "-- schema version {:?}",
            version.first().map(|r| r.int(0))
        )
        .unwrap();
        let columns = self.rows(
            "SELECT table_name, column_name, data_type, coalesce(collation_name, ''),
                    is_nullable, coalesce(column_default, '')
             FROM information_schema.columns WHERE table_schema = 'public'
             ORDER BY table_name, ordinal_position",
        );
        for c in &columns {
            writeln!(out, "-- column {:?}", c.0).unwrap();
        }
        for i in self.rows(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
             ORDER BY indexname",
        ) {
            writeln!(out, "{};", i.string(1)).unwrap();
        }
        let tables = self
            .rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
        for t in tables {
            let table = t.string(0);
            let kinds: Vec<String> = columns
                .iter()
                .filter(|c| c.text(0) == Some(table.as_str()))
                .map(|c| c.string(2))
                .collect();
            let quoted = format!("\"{}\"", table.replace('"', "\"\""));
            let order: Vec<String> = (1..=kinds.len()).map(|i| i.to_string()).collect();
            let sql = if order.is_empty() {
                format!("SELECT * FROM {quoted}")
            } else {
                format!("SELECT * FROM {quoted} ORDER BY {}", order.join(", "))
            };
            for row in self.rows(&sql) {
                let values: Vec<String> = row
                    .0
                    .iter()
                    .zip(&kinds)
                    .map(|(v, kind)| match v {
                        None => "NULL".to_string(),
                        Some(v) if is_number(kind) => v.clone(),
                        Some(v) => format!("'{}'", v.replace('\'', "''")),
                    })
                    .collect();
                writeln!(out, "INSERT INTO {quoted} VALUES({});", values.join(",")).unwrap();
            }
        }
        out
    }
}

fn is_number(kind: &str) -> bool {
    matches!(
        kind,
        "bigint" | "integer" | "smallint" | "double precision" | "real" | "numeric"
    )
}

/// An SQLite value as [`Row`] holds it.
fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}

/// The binary running in the background. Dropping it kills it (`kill -9`) if it still runs,
/// so a failed assertion never leaves a daemon behind.
pub struct Child {
    child: std::process::Child,
    log: PathBuf,
    args: Vec<String>,
    status: Option<std::process::ExitStatus>,
}

impl Child {
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Sends `signal` to the process.
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        if self.status.is_none() {
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), signal)
                .unwrap_or_else(|e| panic!("cannot send {signal} to {}: {e}", self.pid()));
        }
    }

    /// `kill -9`, and reaps the process so the kernel has released everything it held
    /// (its daemon lock included) when this returns.
    pub fn kill9(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            self.status = Some(self.child.wait().expect("reap a killed child"));
        }
    }

    /// Its exit status, if it has exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().expect("poll a child");
        }
        self.status
    }

    /// Waits at most `limit` for it to exit.
    pub fn wait_for(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let end = std::time::Instant::now() + limit;
        loop {
            if let Some(st) = self.exited() {
                return Some(st);
            }
            if std::time::Instant::now() >= end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits at most `limit` for it to exit and returns its exit code; fails the test (with
    /// the log) if it is still running or died from a signal.
    pub fn exit_code(&mut self, limit: Duration) -> i32 {
        match self.wait_for(limit) {
            Some(st) => st
                .code()
                .unwrap_or_else(|| panic!("contenthub {:?} died: {st}\n{}", self.args, self.log())),
            None => panic!(
                "contenthub {:?} still runs after {limit:?}\n{}",
                self.args,
                self.log()
            ),
        }
    }

    /// Everything it printed so far (stdout and stderr).
    /// The address a daemon started with `--listen 127.0.0.1:0` says it bound, waiting at
    /// most `limit`; fails the test if the daemon exits first.
    pub fn listening(&mut self, limit: Duration) -> std::net::SocketAddr {
        let mut addr = None;
        wait_until("the daemon says where it listens", limit, || {
            let log = self.log();
            assert!(self.exited().is_none(), "the daemon exited\n{log}");
            addr = log
                .lines()
                .find_map(|l| l.split("listening on ").nth(1))
                .map(|a| a.trim().parse().expect("an address"));
            addr.is_some()
        });
        addr.expect("an address")
    }

    pub fn log(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Tests that measure time (or load the machine heavily) hold this while they run, so they
/// do not measure one another.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Polls `check` every 10 ms until it returns true; fails the test after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let end = std::time::Instant::now() + limit;
    while !check() {
        assert!(
            std::time::Instant::now() < end,
            "timed out after {limit:?} waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A run of the binary being built.
pub struct Cmd {
    inner: assert_cmd::Command,
    args: Vec<OsString>,
}

impl Cmd {
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Cmd {
        self.inner.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Cmd {
        self.inner.env_remove(key);
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Cmd {
        self.inner.write_stdin(input.into());
        self
    }

    pub fn run(mut self) -> Run {
        let out = self
            .inner
            .output()
            .unwrap_or_else(|e| panic!("cannot run contenthub {:?}: {e}", self.args));
        Run {
            args: self
                .args
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            // A process killed by the deadline has no exit code.
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    pub fn ok(self) -> String {
        self.run().success().stdout
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing everything the run printed when it differs.
    pub fn code(self, want: i32) -> Run {
        assert_eq!(
            self.code, want,
            "contenthub {:?} exited {} (want {want})\n--- stdout\n{}--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn success(self) -> Run {
        self.code(0)
    }

    /// Asserts stderr contains `needle`.
    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "contenthub {:?}: stderr lacks {needle:?}:\n{}",
            self.args,
            self.stderr
        );
        self
    }
}

pub fn is_task_id(s: &str) -> bool {
    s.len() == 17
        && s.starts_with("task-")
        && s[5..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The integer the store keeps for `task-<12 hex>`.
pub fn raw_id(id: &str) -> i64 {
    let hex = id.strip_prefix("task-").unwrap_or(id);
    i64::from_str_radix(hex, 16).unwrap_or_else(|e| panic!("{id}: {e}"))
}

/// Lines of stdout that are task ids, in order.
pub fn ids(stdout: &str) -> Vec<String> {
    let ids: Vec<String> = stdout.lines().map(str::to_string).collect();
    for id in &ids {
        assert!(is_task_id(id), "not a task id: {id:?} in {stdout:?}");
    }
    ids
}

/// Opens a store that must already exist: looking at a store must never create one.
fn open_existing(db: &Path) -> Connection {
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap_or_else(|e| panic!("open {}: {e}", db.display()));
    conn.busy_timeout(Duration::from_secs(30))
        .expect("set a busy timeout");
    conn
}

fn literal(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => format!("{f:?}"),
        ValueRef::Text(t) => format!("'{}'", String::from_utf8_lossy(t).replace('\'', "''")),
        ValueRef::Blob(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            format!("X'{hex}'")
        }
    }
}

/// The store as text, like `sqlite3 .dump`: the schema version, every schema object, then
/// every row of every table (internal ones such as `sqlite_sequence` included) in a stable
/// order. Two dumps are equal exactly when the stores hold the same schema and data.
pub fn dump(db: &Path) -> String {
    let conn = open_existing(db);
    let mut out = String::new();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version");
    writeln!(out, "PRAGMA user_version = {version};").unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name",
        )
        .expect("read the schema");
    let objects: Vec<(String, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query the schema")
        .collect::<Result<_, _>>()
        .expect("read the schema");
    for (kind, name, table, sql) in &objects {
        writeln!(out, "-- {kind} {name} on {table}\n{sql};").unwrap();
    }
    for (kind, name, _, _) in &objects {
        if kind != "table" {
            continue;
        }
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        let columns: usize = conn
            .prepare(&format!("SELECT * FROM {quoted} LIMIT 0"))
            .expect("prepare a table scan")
            .column_count();
        let order: Vec<String> = (1..=columns).map(|i| i.to_string()).collect();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT * FROM {quoted} ORDER BY {}",
                order.join(", ")
            ))
            .expect("prepare a table scan");
        let mut rows = stmt.query([]).expect("scan a table");
        while let Some(row) = rows.next().expect("read a row") {
            let values: Vec<String> = (0..columns)
                .map(|i| literal(row.get_ref(i).expect("a value")))
                .collect();
            writeln!(out, "INSERT INTO {quoted} VALUES({});", values.join(",")).unwrap();
        }
    }
    out
}

/// Every key ending in `_at` anywhere in `v`, with its value, for timestamp checks.
pub fn timestamps(v: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if k.ends_with("_at") {
                        out.push((k.clone(), x.clone()));
                    }
                    walk(x, out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

/// Asserts every non-null `*_at` value in `v` is RFC 3339 UTC ending in `Z`, and that there
/// is at least one.
pub fn assert_utc_timestamps(v: &serde_json::Value) {
    let stamps = timestamps(v);
    assert!(!stamps.is_empty(), "no timestamps in {v}");
    for (key, value) in stamps {
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => {
                assert!(s.ends_with('Z'), "{key} = {s:?} does not end in Z");
                assert!(
                    chrono::DateTime::parse_from_rfc3339(&s).is_ok(),
                    "{key} = {s:?} is not RFC 3339"
                );
            }
            other => panic!("{key} = {other} is not a string"),
        }
    }
}

/// A store with two accounts and tasks in several states, each with a fixed id so tests can
/// name them and their prefixes:
///
/// | field | id | status |
/// |---|---|---|
/// | `pending` | task-aaaa00000001 | pending |
/// | `completed` | task-bbbb00000001 | completed, last updated 40 days ago |
/// | `failed` | task-cccc00000001 | failed, all 3 retries used |
/// | `cancelled` | task-dddd00000001 | cancelled (by `task cancel`), 40 days ago |
/// | `timeout` | task-eeee00000001 | timeout, no retry used |
/// | `twins` | task-abcd00000001, task-abcd00000002 | pending, processing |
///
/// `blog` owns every task and has a word range of 500..1500; `news` owns nothing.
pub struct Fixture {
    pub env: Env,
    pub pending: String,
    pub completed: String,
    pub failed: String,
    pub cancelled: String,
    pub timeout: String,
    pub twins: [String; 2],
}

pub const DAY_MS: i64 = 86_400_000;

impl Fixture {
    pub fn new() -> Fixture {
        let env = Env::new();
        env.ok([
            "account",
            "add",
            "blog",
            "--display-name",
            "Tech blog",
            "--min-words",
            "500",
            "--max-words",
            "1500",
        ]);
        env.ok([
            "account",
            "add",
            "news",
            "--platform",
            "newsletter",
            "--language",
            "en-US",
        ]);
        let topics = [
            "Pending topic",
            "Completed topic",
            "Failed topic",
            "Cancelled topic",
            "Timeout topic",
            "Twin one",
            "Twin two",
        ];
        let hexes = [
            "aaaa00000001",
            "bbbb00000001",
            "cccc00000001",
            "dddd00000001",
            "eeee00000001",
            "abcd00000001",
            "abcd00000002",
        ];
        let mut ids = Vec::new();
        for (topic, hex) in topics.iter().zip(hexes) {
            let id = env.submit("blog", topic, &["-k", "rust,sqlite"]);
            ids.push(env.set_id(&id, hex));
        }
        let old = chrono::Utc::now().timestamp_millis() - 40 * DAY_MS;
        env.update_task(
            &ids[1],
            &format!("status = 'completed', completed_at = {old}, updated_at = {old}"),
        );
        env.update_task(
            &ids[2],
            "status = 'failed', retry_count = 3, error_kind = 'permanent', error_message = 'generator said 400'",
        );
        env.ok(["task", "cancel", &ids[3]]);
        env.update_task(&ids[3], &format!("updated_at = {old}"));
        env.set_status(&ids[4], "timeout");
        env.set_status(&ids[6], "processing");
        let mut ids = ids.into_iter();
        let mut next = || ids.next().expect("seven tasks");
        Fixture {
            pending: next(),
            completed: next(),
            failed: next(),
            cancelled: next(),
            timeout: next(),
            twins: [next(), next()],
            env,
        }
    }
}

/// Generator profiles from the `[generators.NAME]` tables of a config file, for the
/// in-process daemon (write the same text with [`Env::config`] so `task submit --generator`
/// knows the names).
pub fn profiles(toml_text: &str) -> std::collections::BTreeMap<String, GeneratorProfile> {
    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        generators: std::collections::BTreeMap<String, GeneratorProfile>,
    }
    let file: File = toml::from_str(toml_text).unwrap_or_else(|e| panic!("{e}\n{toml_text}"));
    file.generators
}

/// Daemon options for in-process runs against `env`'s store, with intervals short enough
/// that no test waits for long: lease 2 s, poll 100 ms, retries after 100 ms and 200 ms.
pub fn engine_options(env: &Env, generators_toml: &str) -> engine::Options {
    let mut opts = engine::Options::new(&env.location());
    opts.lease = Duration::from_secs(2);
    opts.poll_interval = Duration::from_millis(100);
    opts.retry_delays = vec![Duration::from_millis(100), Duration::from_millis(200)];
    opts.reap_interval = Duration::from_millis(200);
    opts.grace = Duration::from_secs(5);
    opts.generators = profiles(generators_toml);
    opts
}

/// `contenthub::engine::run` on a runtime of its own, stopped by a cancellation token.
pub struct InProcess {
    runtime: tokio::runtime::Runtime,
    token: CancellationToken,
    handle: Option<tokio::task::JoinHandle<contenthub::error::Result<engine::Summary>>>,
}

impl InProcess {
    pub fn start(opts: engine::Options) -> InProcess {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the daemon");
        let token = CancellationToken::new();
        let handle = runtime.spawn(daemon::run(daemon::Config::new(opts), token.clone()));
        InProcess {
            runtime,
            token,
            handle: Some(handle),
        }
    }

    /// Waits at most `limit` for the run to end by itself (`until_idle`).
    pub fn join(mut self, limit: Duration) -> engine::Summary {
        let handle = self.handle.take().expect("joined once");
        let out = self
            .runtime
            .block_on(async { tokio::time::timeout(limit, handle).await });
        match out {
            Ok(joined) => joined
                .expect("the daemon task panicked")
                .unwrap_or_else(|e| panic!("the daemon failed: {e}")),
            Err(_) => {
                self.token.cancel();
                panic!("the in-process daemon did not finish within {limit:?}")
            }
        }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        self.token.cancel();
        if let Some(h) = self.handle.take() {
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(10), h).await });
        }
    }
}
