//! The daemon on a full disk: results it paid for wait in memory until there is room, it
//! says so on `/healthz` and in `monitor health`, and nothing is generated twice.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::generators::FAST;
use crate::mock::{OpenAi, Reply};
use crate::sockets::request;
use crate::support::{serial, wait_until, Child, Env};

const TASKS: usize = 6;
const SOON: Duration = Duration::from_secs(20);

/// An article of about `kib` KiB, after `delay`: saving it needs new pages however the file
/// is packed.
fn long_article(kib: usize, delay: Duration) -> Reply {
    Reply::Ok {
        delay,
        markdown: format!(
            "# Paid for once\n\n## One\n\n{}\n\n## Two\n\nThe end.",
            "A sentence that fills the page. ".repeat(kib * 32)
        ),
        prompt_tokens: 120,
        completion_tokens: 6000,
    }
}

fn config(env: &Env, mock: &OpenAi) {
    env.config(&format!(
        "{FAST}\n[generators.default]\nkind = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\n",
        mock.base("v")
    ));
}

/// `daemon run --listen 127.0.0.1:0 --max-concurrent TASKS` plus `extra`, and the address it
/// bound.
fn start(env: &Env, extra: &[&str], envs: &[(&str, &str)]) -> (Child, SocketAddr) {
    let tasks = TASKS.to_string();
    let mut args = vec![
        "daemon",
        "run",
        "--listen",
        "127.0.0.1:0",
        "--max-concurrent",
        &tasks,
    ];
    args.extend_from_slice(extra);
    let mut d = env.spawn(&args, envs);
    let addr = d.listening(SOON);
    (d, addr)
}

fn healthz(addr: SocketAddr) -> (u16, String) {
    request(addr, "GET", "/healthz", None, Duration::from_secs(5))
}

fn completed(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT count(*) FROM tasks WHERE status = 'completed'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// While the disk is full: every task was generated once, none completed, the daemon runs,
/// `/healthz` says why it is unavailable, and the log says so once, not once per attempt.
fn check_held(db: &Path, mock: &OpenAi, d: &mut Child, addr: SocketAddr) {
    wait_until("every task was generated", SOON, || {
        mock.calls().len() >= TASKS
    });
    wait_until("/healthz reports the full disk", SOON, || {
        assert_eq!(completed(db), 0, "a result was saved:\n{}", d.log());
        let (code, body) = healthz(addr);
        code == 503 && body.contains("store cannot be written: disk full")
    });
    // Several commit attempts happen meanwhile (250 ms, doubling).
    std::thread::sleep(Duration::from_secs(3));
    assert!(d.exited().is_none(), "the daemon gave up:\n{}", d.log());
    assert_eq!(completed(db), 0, "nothing can be saved yet");
    let logged = d
        .log()
        .matches("store cannot be written: disk full")
        .count();
    assert_eq!(
        logged,
        1,
        "logged once a minute, not per attempt:\n{}",
        d.log()
    );
}

/// Room again: every held result is saved, nothing is generated again.
fn check_saved(db: &Path, mock: &OpenAi, d: &mut Child, addr: SocketAddr) {
    wait_until("every held result is saved", SOON, || {
        completed(db) == TASKS as i64
    });
    assert_eq!(mock.calls().len(), TASKS, "a result was generated twice");
    wait_until("/healthz is ok again", SOON, || healthz(addr).0 == 200);
    d.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(d.exit_code(SOON), 0, "{}", d.log());
}

/// `CONTENTHUB_TEST_STORE_MAX_PAGES` caps the daemon's store a few pages above where it stands: room to
/// claim, none for a 24 KiB article, so saving one fails with SQLite's "database or disk is
/// full". Deleting rows from another connection makes room inside the file.
#[test]
fn results_wait_in_memory_while_the_store_is_full_and_are_saved_once_there_is_room() {
    let mock = OpenAi::start(|_| long_article(24, Duration::ZERO));
    let env = Env::new();
    config(&env, &mock);
    env.account("blog");
    for i in 0..TASKS {
        env.submit("blog", &format!("Held {i}"), &[]);
    }
    // Ballast that fills the file; VACUUM leaves no free page behind.
    let pages: i64 = {
        let conn = env.conn();
        conn.execute_batch(
            "CREATE TABLE ballast(b BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
             INSERT INTO ballast SELECT zeroblob(3000) FROM n;",
        )
        .unwrap();
        conn.execute_batch("VACUUM").unwrap();
        conn.query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap()
    };
    let db = env.db();
    let max_pages = (pages + 3).to_string();
    let (mut d, addr) = start(
        &env,
        &[],
        &[("CONTENTHUB_TEST_STORE_MAX_PAGES", &max_pages)],
    );
    check_held(&db, &mock, &mut d, addr);
    env.exec("DELETE FROM ballast");
    check_saved(&db, &mock, &mut d, addr);
}

/// A tmpfs that unmounts itself.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "cannot mount a tmpfs (this test needs root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Writes zeros to `path` until the file system refuses more.
fn fill(path: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 64 * 1024];
    loop {
        if f.write_all(&block).is_err() {
            break;
        }
    }
    let _ = f.sync_all();
}

/// The whole daemon on a real full disk: a small tmpfs filled to the brim. Mounting needs
/// root; `.ci/run` runs it as root.
#[test]
#[ignore = "mounts a tmpfs, so it needs root: .ci/run runs it with --ignored"]
fn a_daemon_on_a_filled_tmpfs_keeps_its_results_and_saves_them_when_space_returns() {
    let _serial = serial();
    // Slow enough to fill the disk while every task is being generated.
    let mock = OpenAi::start(|_| long_article(256, Duration::from_secs(3)));
    let env = Env::new();
    config(&env, &mock);
    let disk = Tmpfs::mount(&env.path().join("small-disk"), "8m");
    let db = disk.0.join("contenthub.db");
    let db_arg = db.to_str().unwrap().to_string();
    env.ok(["--db", &db_arg, "account", "add", "blog"]);
    for i in 0..TASKS {
        env.ok([
            "--db",
            &db_arg,
            "task",
            "submit",
            "-a",
            "blog",
            "-t",
            &format!("Held {i}"),
        ]);
    }
    let (mut d, addr) = start(&env, &[], &[("CONTENTHUB_DB", &db_arg)]);
    wait_until("every task is being generated", SOON, || {
        mock.traffic.in_flight("") == TASKS
    });
    let ballast = disk.0.join("ballast");
    fill(&ballast);
    check_held(&db, &mock, &mut d, addr);
    // `monitor health` cannot read the daemon's state from a store it cannot write; it
    // reads the file system.
    let started = Instant::now();
    let health = env.run(["--db", &db_arg, "monitor", "health"]);
    assert_eq!(health.code, 2, "{}{}", health.stdout, health.stderr);
    assert!(health.stdout.contains("disk full"), "{}", health.stdout);
    assert!(started.elapsed() < SOON);
    std::fs::remove_file(&ballast).unwrap();
    check_saved(&db, &mock, &mut d, addr);
}
