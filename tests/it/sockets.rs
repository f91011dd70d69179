//! The API under idle and slow connections (`[api] header_timeout`, `idle_timeout`,
//! `max_connections`): the real daemon with an open-file limit of 1,024, soft and hard,
//! flooded with 1,100 idle sockets, still answers `/healthz` and completes generation; a
//! connection that sends its headers slowly, or stays idle, is closed after its timeout.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::resource::{getrlimit, setrlimit, Resource};
use serde_json::{json, Value};

use crate::generators::FAST;
use crate::mock::{OpenAi, Reply};
use crate::support::{is_task_id, serial, wait_until, Env};

const DEADLINE: Duration = Duration::from_secs(30);

/// A daemon started by [`start_daemon`]; dropping it kills it.
struct Daemon {
    child: std::process::Child,
    log: PathBuf,
    addr: SocketAddr,
}

impl Daemon {
    fn log(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `daemon run --listen 127.0.0.1:0`, with the (soft, hard) open-file limits
/// `nofile` when given, and waits until it listens.
fn start_daemon(env: &Env, nofile: Option<(u64, u64)>) -> Daemon {
    let log = env.path().join("daemon.log");
    let file = std::fs::File::create(&log).expect("create the daemon's log");
    let mut cmd = env.std_cmd(["daemon", "run", "--listen", "127.0.0.1:0"]);
    cmd.stdin(Stdio::null())
        .stdout(file.try_clone().expect("clone the log handle"))
        .stderr(file);
    if let Some((soft, hard)) = nofile {
        use std::os::unix::process::CommandExt;
        #[allow(unsafe_code)]
        // SAFETY: between fork and exec the child only calls setrlimit, a plain system call
        // that neither allocates nor takes locks.
        unsafe {
            cmd.pre_exec(move || {
                setrlimit(Resource::RLIMIT_NOFILE, soft, hard).map_err(std::io::Error::from)
            });
        }
    }
    let child = cmd.spawn().expect("start the daemon");
    let mut daemon = Daemon {
        child,
        log,
        addr: "127.0.0.1:0".parse().unwrap(),
    };
    wait_until("the daemon says where it listens", DEADLINE, || {
        let log = daemon.log();
        match log.lines().find_map(|l| l.split("listening on ").nth(1)) {
            Some(a) => {
                daemon.addr = a.trim().parse().expect("an address");
                true
            }
            None => {
                assert!(
                    daemon.child.try_wait().expect("poll the daemon").is_none(),
                    "the daemon exited\n{log}"
                );
                false
            }
        }
    });
    daemon
}

/// One request on a connection of its own (`Connection: close`), read to the end; fails the
/// test if it takes longer than `limit`. Returns the status and the body.
pub(crate) fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
    limit: Duration,
) -> (u16, String) {
    let start = Instant::now();
    let mut s = TcpStream::connect_timeout(&addr, limit)
        .unwrap_or_else(|e| panic!("{method} {path}: cannot connect within {limit:?}: {e}"));
    let body = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(format!("{head}{body}").as_bytes())
        .unwrap_or_else(|e| panic!("{method} {path}: cannot send: {e}"));
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = limit
            .checked_sub(start.elapsed())
            .filter(|d| !d.is_zero())
            .unwrap_or_else(|| panic!("{method} {path}: no full answer within {limit:?}"));
        s.set_read_timeout(Some(left)).expect("set a read timeout");
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("{method} {path}: {e} after {:?}", start.elapsed()),
        }
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: not an HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

/// Raises this process's soft open-file limit to its hard limit, so it can hold the flood.
fn raise_own_limit() -> u64 {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).expect("raise the soft open-file limit");
    }
    hard
}

/// The limits of `pid` as `/proc/PID/limits` shows its open files: (soft, hard).
fn open_file_limits(pid: u32) -> (String, String) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("read the limits");
    let line = text
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("a Max open files line");
    let mut f = line["Max open files".len()..].split_whitespace();
    (f.next().unwrap().into(), f.next().unwrap().into())
}

#[test]
pub(crate) fn a_thousand_idle_sockets_leave_healthz_and_generation_working_at_1024_descriptors() {
    let _serial = serial();
    const FLOOD: usize = 1100;
    assert!(
        raise_own_limit() >= FLOOD as u64 + 200,
        "this test needs a hard open-file limit above {} to hold its sockets",
        FLOOD + 200
    );
    let mock = OpenAi::start(|_| Reply::ok_after(Duration::from_millis(200), "Through the flood"));
    let env = Env::new();
    // Timeouts far beyond the test: only the cap and shedding can keep the API answering.
    env.config(&format!(
        "{FAST}\n[api]\nheader_timeout = \"10m\"\nidle_timeout = \"10m\"\n\n\
         [generators.default]\nkind = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\ntimeout = \"10s\"\n",
        mock.base("v")
    ));
    env.account("blog");
    let daemon = start_daemon(&env, Some((1024, 1024)));
    assert_eq!(
        open_file_limits(daemon.child.id()),
        ("1024".to_string(), "1024".to_string()),
        "the daemon runs with 1,024 descriptors, soft and hard"
    );

    let flood_started = Instant::now();
    let mut idle = Vec::with_capacity(FLOOD);
    for i in 0..FLOOD {
        let s = TcpStream::connect_timeout(&daemon.addr, Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("idle connection {i}: {e}\n{}", daemon.log()));
        idle.push(s);
    }
    let flood_took = flood_started.elapsed();

    let asked = Instant::now();
    let (code, body) = request(
        daemon.addr,
        "GET",
        "/healthz",
        None,
        Duration::from_secs(15),
    );
    let answered_in = asked.elapsed();
    assert_eq!(code, 200, "{body}");
    assert!(answered_in < Duration::from_secs(15));

    let mut ids = Vec::new();
    for i in 0..10 {
        let (code, body) = request(
            daemon.addr,
            "POST",
            "/api/v1/content/generate/async",
            Some(&json!({"account_id": "blog", "topic": format!("During the flood {i}")})),
            Duration::from_secs(15),
        );
        assert_eq!(code, 202, "{body}");
        let reply: Value = serde_json::from_str(&body).expect("a JSON reply");
        let id = reply["task_id"].as_str().expect("a task id").to_string();
        assert!(is_task_id(&id), "{reply}");
        ids.push(id);
    }
    wait_until(
        "every task submitted during the flood finishes",
        Duration::from_secs(60),
        || {
            ids.iter().all(|id| {
                matches!(
                    env.status_of(id).as_str(),
                    "completed" | "failed" | "timeout" | "cancelled"
                )
            })
        },
    );
    let statuses: Vec<String> = ids.iter().map(|id| env.status_of(id)).collect();
    assert!(
        statuses.iter().all(|s| s == "completed"),
        "{statuses:?}\n{}",
        daemon.log()
    );
    assert_eq!(mock.calls().len(), 10, "each task generated once");

    // The daemon kept at most half its descriptors for connections: it shed the oldest idle
    // ones to take new ones, and the rest of the flood is still open.
    let mut closed = 0;
    for s in &idle {
        s.set_nonblocking(true).expect("a non-blocking socket");
        let mut b = [0u8; 1];
        match (&*s).read(&mut b) {
            Ok(0) => closed += 1,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => closed += 1,
            Ok(_) => panic!("an idle connection got bytes it never asked for"),
        }
    }
    let still_open = FLOOD - closed;
    assert!(
        still_open <= 512 && still_open > 0,
        "{still_open} of the {FLOOD} idle connections are still open (cap 512)"
    );
    let log = daemon.log();
    assert!(!log.contains("Too many open files"), "{log}");
    assert!(
        log.contains("API connections: at most 512 open at once"),
        "the daemon says what cap it applies\n{log}"
    );
    eprintln!(
        "flood of {FLOOD} connections in {flood_took:?}; /healthz answered in {answered_in:?}; {still_open} left open"
    );
}

#[test]
pub(crate) fn the_daemon_raises_its_soft_open_file_limit_and_caps_connections_at_half_of_it() {
    assert!(
        raise_own_limit() >= 4096,
        "this test needs a hard open-file limit of 4,096"
    );
    let env = Env::new();
    env.config("[api]\nmax_connections = 5000\n");
    let daemon = start_daemon(&env, Some((1024, 4096)));
    assert_eq!(
        open_file_limits(daemon.child.id()),
        ("4096".to_string(), "4096".to_string()),
        "the soft limit is raised to the hard one"
    );
    wait_until("the daemon logs the cap in effect", DEADLINE, || {
        daemon
            .log()
            .contains("API connections: at most 2048 open at once ([api] max_connections 5000")
    });
}

/// Reads from `s` until the server closes it or `limit` passes; returns when it closed and
/// whatever it sent. Writes `drip` (if any) every 200 ms meanwhile, ignoring write errors
/// (the server may already be gone).
fn until_closed(
    s: &mut TcpStream,
    drip: Option<&[u8]>,
    limit: Duration,
) -> (Option<Duration>, Vec<u8>) {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("set a read timeout");
    while start.elapsed() < limit {
        if let Some(bytes) = drip {
            let _ = s.write_all(bytes);
        }
        match s.read(&mut buf) {
            Ok(0) => return (Some(start.elapsed()), got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return (Some(start.elapsed()), got),
        }
    }
    (None, got)
}

/// Sends one keep-alive request for `/healthz` and reads its whole answer.
fn keep_alive_healthz(s: &mut TcpStream, addr: SocketAddr) {
    s.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .expect("send a request");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a read timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = s.read(&mut buf).expect("read the answer");
        assert!(n > 0, "the connection closed before the answer");
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            assert!(head.starts_with("HTTP/1.1 200"), "{text}");
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().expect("a length"))
                })
                .expect("a content-length");
            if body.len() >= len {
                return;
            }
        }
    }
}

#[test]
pub(crate) fn slow_headers_and_idle_connections_are_closed_after_their_timeouts() {
    let _serial = serial();
    let env = Env::new();
    env.config("[api]\nheader_timeout = \"1s\"\nidle_timeout = \"4s\"\n");
    let daemon = start_daemon(&env, None);
    let addr = daemon.addr;

    // Nothing sent at all: closed after the header timeout.
    let mut silent = TcpStream::connect(addr).expect("connect");
    let (closed, got) = until_closed(&mut silent, None, Duration::from_secs(10));
    let closed = closed.expect("a silent connection is closed");
    assert!(got.is_empty(), "{got:?}");
    assert!(
        closed >= Duration::from_millis(900) && closed < Duration::from_millis(3500),
        "silent connection closed after {closed:?} (header_timeout 1s)"
    );

    // Headers that keep coming, a line every 200 ms, but never end: closed after the header
    // timeout although bytes still arrive.
    let mut slow = TcpStream::connect(addr).expect("connect");
    slow.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n").as_bytes())
        .expect("send the request line");
    let (closed, got) = until_closed(&mut slow, Some(b"X-Slow: 1\r\n"), Duration::from_secs(10));
    let closed = closed.expect("a connection sending headers slowly is closed");
    assert!(
        closed >= Duration::from_millis(900) && closed < Duration::from_millis(3500),
        "slow headers closed after {closed:?} (header_timeout 1s)"
    );
    assert!(
        !String::from_utf8_lossy(&got).contains("200 OK"),
        "the slow request was not served: {}",
        String::from_utf8_lossy(&got)
    );

    // A kept-alive connection outlives the header timeout between requests...
    let mut kept = TcpStream::connect(addr).expect("connect");
    keep_alive_healthz(&mut kept, addr);
    std::thread::sleep(Duration::from_secs(2));
    keep_alive_healthz(&mut kept, addr);
    // ...and is closed once idle for the idle timeout.
    let (closed, got) = until_closed(&mut kept, None, Duration::from_secs(15));
    let closed = closed.expect("an idle kept-alive connection is closed");
    assert!(got.is_empty(), "{got:?}");
    assert!(
        closed >= Duration::from_millis(3500) && closed < Duration::from_secs(8),
        "idle connection closed after {closed:?} (idle_timeout 4s)"
    );
    drop(daemon);
}

#[test]
pub(crate) fn sigterm_closes_idle_connections_at_once_and_lets_a_request_in_flight_finish() {
    let env = Env::new();
    env.account("blog");
    let mut daemon = start_daemon(&env, None);
    let addr = daemon.addr;

    let mut idle = TcpStream::connect(addr).expect("connect");
    keep_alive_healthz(&mut idle, addr);
    // A submit whose body is still arriving when the daemon is told to stop.
    let body = json!({"account_id": "blog", "topic": "Sent during shutdown"}).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut slow = TcpStream::connect(addr).expect("connect");
    slow.write_all(
        format!(
            "POST /api/v1/content/generate/async HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
            body.len()
        )
        .as_bytes(),
    )
    .expect("send the head and half the body");
    // Time for the daemon to read the head and hand the request to its handler.
    std::thread::sleep(Duration::from_millis(500));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon.child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("send SIGTERM");

    let (closed, _) = until_closed(&mut idle, None, Duration::from_secs(5));
    let closed = closed.expect("the idle connection is closed at shutdown");
    assert!(closed < Duration::from_secs(2), "closed after {closed:?}");

    slow.write_all(rest.as_bytes())
        .expect("send the rest of the body");
    let (_, answer) = until_closed(&mut slow, None, Duration::from_secs(10));
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(
        answer.starts_with("HTTP/1.1 202"),
        "{answer}\n{}",
        daemon.log()
    );
    let reply: Value = serde_json::from_str(answer.split_once("\r\n\r\n").expect("a body").1)
        .expect("a JSON body");
    let id = reply["task_id"].as_str().expect("a task id");
    assert_eq!(env.status_of(id), "pending");

    let end = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(st) = daemon.child.try_wait().expect("poll the daemon") {
            break st;
        }
        assert!(
            Instant::now() < end,
            "the daemon still runs\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
}
