//! Shared helpers: a private environment per test, a builder that runs the real binary in it,
//! and a dump of the store that does not need the `sqlite3` command-line tool.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use contenthub::domain::Status;
use contenthub::generator::GeneratorProfile;
use contenthub::{daemon, engine};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

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

/// A private home for one test: its own `HOME`, `XDG_*` directories and store.
pub struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::Builder::new()
            .prefix("contenthub-it-")
            .tempdir()
            .expect("create a temporary directory");
        Env { dir }
    }

    /// The temporary directory everything of this test lives in.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The store, in a directory that does not exist until the binary creates it.
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
            .env("CONTENTHUB_DB", self.db())
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

    /// A connection to the store, for setting up states no command can reach yet (there is
    /// no daemon) and for checking what was written.
    pub fn conn(&self) -> Connection {
        open_existing(&self.db())
    }

    /// Runs `sql` against the store.
    pub fn exec(&self, sql: &str) {
        self.conn()
            .execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Sets columns of the task `id` with an SQL `SET` list, e.g. `status = 'failed'`.
    pub fn update_task(&self, id: &str, set: &str) {
        let n = self
            .conn()
            .execute(
                &format!("UPDATE tasks SET {set} WHERE id = ?1"),
                [raw_id(id)],
            )
            .unwrap_or_else(|e| panic!("UPDATE tasks SET {set}: {e}"));
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
        self.conn()
            .query_row(sql, [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// A task's status as stored.
    pub fn status_of(&self, id: &str) -> String {
        self.conn()
            .query_row(
                "SELECT status FROM tasks WHERE id = ?1",
                [raw_id(id)],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("status of {id}: {e}"))
    }

    /// The whole store as text (see [`dump`]).
    pub fn dump(&self) -> String {
        dump(&self.db())
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
    let mut opts = engine::Options::new(&contenthub::store::Location::File(env.db()));
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
