//! Local programs (the `command` generator's) and the daemon's death. A program dies with its
//! daemon by a parent-death signal, but what it started itself does not: it lives on in the
//! program's process group. So each program is recorded with its task's lease while it runs
//! ([`ChildLog`]: group id, start time, boot, run marker), and a daemon that starts after a
//! crash kills what is left of the recorded groups before it runs their tasks again
//! ([`kill_leftovers`]). Process ids are reused, so nothing is killed on a pid alone: see
//! [`process::leftover`] for the checks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::db::Db;
use crate::domain::time::now_ms;
use crate::error::Result;
use crate::generator::process::{self, Leftover};
use crate::generator::{Child, ChildEvent, ChildHook};
use crate::store::queue::{self, ChildRecord};
use crate::store::tasks::Seq;

/// How long a starting daemon waits for killed leftovers to be gone.
const KILL_WAIT: Duration = Duration::from_secs(2);

fn record_of(c: &Child) -> ChildRecord {
    ChildRecord {
        pgid: c.pgid,
        start_ticks: c.start_ticks,
        boot_id: c.boot_id.clone(),
        run_id: c.run_id.clone(),
    }
}

/// Writes one attempt's program events to the store, in the order they happened. Started on
/// the first event, so attempts that run no program cost nothing.
pub struct ChildLog {
    db: Db,
    seq: Seq,
    owner: String,
    state: Mutex<LogState>,
}

#[derive(Default)]
struct LogState {
    events: Option<mpsc::UnboundedSender<ChildEvent>>,
    writer: Option<JoinHandle<()>>,
    /// Set by [`ChildLog::finish`]: events after it are not written.
    closed: bool,
}

impl ChildLog {
    pub fn new(db: Db, seq: Seq, owner: String) -> Arc<ChildLog> {
        Arc::new(ChildLog {
            db,
            seq,
            owner,
            state: Mutex::default(),
        })
    }

    /// The hook to put in the attempt's spec.
    pub fn hook(self: &Arc<Self>) -> ChildHook {
        let log = self.clone();
        ChildHook::new(move |event| log.send(event))
    }

    fn send(&self, event: ChildEvent) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        if st.closed {
            return;
        }
        if st.events.is_none() {
            let (tx, rx) = mpsc::unbounded_channel();
            st.writer = Some(tokio::spawn(write_events(
                self.db.clone(),
                self.seq,
                self.owner.clone(),
                rx,
            )));
            st.events = Some(tx);
        }
        if let Some(tx) = &st.events {
            let _ = tx.send(event);
        }
    }

    /// Waits until every event so far is written: called once the attempt has ended, when its
    /// program is gone, so the record is cleared before the attempt's result is.
    pub async fn finish(&self) {
        let writer = match self.state.lock() {
            Ok(mut st) => {
                st.closed = true;
                st.events = None;
                st.writer.take()
            }
            Err(_) => None,
        };
        if let Some(w) = writer {
            let _ = w.await;
        }
    }
}

async fn write_events(
    db: Db,
    seq: Seq,
    owner: String,
    mut events: mpsc::UnboundedReceiver<ChildEvent>,
) {
    let mut next = None;
    loop {
        let event = match next.take() {
            Some(e) => e,
            None => match events.recv().await {
                Some(e) => e,
                None => break,
            },
        };
        if let ChildEvent::Started(c) = &event {
            // A program that is already gone again needs no record (a quick one).
            match events.try_recv() {
                Ok(ChildEvent::Ended(e)) if e == *c => continue,
                Ok(other) => next = Some(other),
                Err(_) => {}
            }
        }
        let o = owner.clone();
        let (what, saved) = match event {
            ChildEvent::Started(c) => {
                let r = record_of(&c);
                let saved = db
                    .write(move |tx| queue::record_child(tx, seq, &o, &r, now_ms()))
                    .await;
                ("record", saved)
            }
            ChildEvent::Ended(c) => {
                let saved = db
                    .write(move |tx| queue::clear_child(tx, seq, &o, c.pgid))
                    .await;
                ("clear", saved)
            }
        };
        if let Err(e) = saved {
            tracing::warn!(error = %e, "could not {what} a generator program in the store");
        }
    }
}

/// Kills what is left of the programs recorded by daemons that are gone, then forgets their
/// records. The programs of `own` (this daemon) are never touched. With `exclusive` (this
/// daemon holds the store's lock) every other daemon is dead; without it, a program whose
/// daemon still holds a live lease on its task is left alone. Returns how many groups had
/// something killed.
pub async fn kill_leftovers(db: &Db, own: &str, exclusive: bool) -> Result<usize> {
    let recorded = db.read(|tx| queue::recorded_children(tx, now_ms())).await?;
    if recorded.is_empty() {
        return Ok(0);
    }
    let boot = process::boot_id();
    let procs = process::all();
    let mut killed = Vec::new();
    let mut groups = 0;
    let mut forget = Vec::new();
    let host = process::host_name();
    for r in recorded {
        if r.owner == own || (!exclusive && r.lease_live) {
            continue;
        }
        // On a store shared by several hosts, another host's programs are its own daemons'
        // to clean up: their pids mean nothing here.
        if super::shared::owner_host(&r.owner) != host.as_str() {
            continue;
        }
        let child = Child {
            pgid: r.child.pgid,
            start_ticks: r.child.start_ticks,
            boot_id: r.child.boot_id.clone(),
            run_id: r.child.run_id.clone(),
        };
        let left = process::leftover(&child, boot.as_deref(), &procs, |pid| {
            process::has_run_id(pid, &child.run_id)
        });
        let pids = match left {
            Leftover::Nothing => Vec::new(),
            Leftover::Group(pgid) => {
                let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
                procs
                    .iter()
                    .filter(|p| p.pgid == pgid)
                    .map(|p| p.pid)
                    .collect()
            }
            Leftover::Members(pids) => {
                for pid in &pids {
                    let _ = kill(Pid::from_raw(*pid), Signal::SIGKILL);
                }
                pids
            }
        };
        if !pids.is_empty() {
            groups += 1;
            tracing::warn!(
                task_seq = r.seq.0,
                pgid = child.pgid,
                processes = pids.len(),
                daemon = %r.owner,
                "killed a generator program left running by a daemon that died"
            );
        }
        killed.extend(pids);
        forget.push((r.seq, r.owner, child.pgid));
    }
    wait_gone(&killed).await;
    db.write(move |tx| {
        for (seq, owner, pgid) in &forget {
            queue::clear_child(tx, *seq, owner, *pgid)?;
        }
        Ok(())
    })
    .await?;
    Ok(groups)
}

/// Waits (a bounded while) until none of `pids` is alive; zombies count as gone.
async fn wait_gone(pids: &[i32]) {
    let deadline = tokio::time::Instant::now() + KILL_WAIT;
    while pids
        .iter()
        .any(|pid| process::stat(*pid).is_some_and(|s| !s.is_zombie()))
    {
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!("killed generator programs are still not gone");
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    use super::*;

    /// A daemon owner id of this host.
    fn owner(rest: &str) -> String {
        format!("{}:{rest}", crate::engine::host_name())
    }

    /// A `sleep` in its own process group, carrying the run marker `run_id`.
    fn sleeper(run_id: &str) -> std::process::Child {
        Command::new("sleep")
            .arg("30")
            .env(process::RUN_ENV, run_id)
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap()
    }

    fn alive(pid: i32) -> bool {
        process::stat(pid).is_some_and(|s| !s.is_zombie())
    }

    fn record(pid: i32, start_ticks: u64, run_id: &str) -> ChildRecord {
        ChildRecord {
            pgid: pid,
            start_ticks,
            boot_id: process::boot_id().unwrap(),
            run_id: run_id.into(),
        }
    }

    /// A store with one task; with `lease`, claimed by that owner.
    async fn store_with_task(dir: &std::path::Path, lease: Option<&str>) -> (Db, Seq) {
        use crate::domain::{NewAccount, NewTask};
        let db = Db::open(&crate::store::Location::File(dir.join("store.db"))).unwrap();
        let lease = lease.map(str::to_string);
        let seq = db
            .write(move |tx| {
                let account = crate::store::accounts::insert(
                    tx,
                    &NewAccount {
                        name: "blog".into(),
                        display_name: None,
                        platform: "wechat".into(),
                        language: "zh-CN".into(),
                        tone: None,
                        category: None,
                        persona: None,
                        min_words: None,
                        max_words: None,
                        forbidden_words: vec![],
                        review: crate::domain::account::ReviewMode::Auto,
                        review_rules: Default::default(),
                    },
                )?;
                let task = NewTask {
                    account: "blog".into(),
                    topic: "Leftovers".into(),
                    keywords: vec![],
                    category: None,
                    requirements: None,
                    tone: None,
                    priority: 5,
                    review: None,
                    max_retries: 3,
                    timeout: Duration::from_secs(600),
                    callback_url: None,
                    generator: None,
                    idempotency_key: None,
                };
                let seq = crate::store::tasks::insert(tx, &task, &account, now_ms())?.seq;
                if let Some(owner) = &lease {
                    let claimed =
                        queue::claim(tx, owner, now_ms(), 60_000, 1, &queue::Limits::default())?;
                    assert_eq!(claimed.len(), 1);
                }
                Ok(seq)
            })
            .await
            .unwrap();
        (db, seq)
    }

    #[tokio::test]
    async fn a_recorded_start_time_that_does_not_match_is_not_killed() {
        let dir = tempfile::tempdir().unwrap();
        let (db, seq) = store_with_task(dir.path(), None).await;
        let mut other = sleeper("r-other");
        let pid = other.id() as i32;
        let real = process::stat(pid).unwrap().start_ticks;
        // The record names this pid, but a process that started at another time: the pid was
        // reused, and the process is not ours.
        let r = record(pid, real + 1, "r-other");
        db.write(move |tx| queue::record_child(tx, seq, &owner("1:dead"), &r, now_ms()))
            .await
            .unwrap();
        assert_eq!(kill_leftovers(&db, &owner("3:me"), true).await.unwrap(), 0);
        assert!(alive(pid), "a process with another start time was killed");
        // The stale record is forgotten all the same.
        let left = db
            .read(|tx| queue::recorded_children(tx, now_ms()))
            .await
            .unwrap();
        assert_eq!(left, vec![]);
        other.kill().unwrap();
        other.wait().unwrap();
    }

    #[tokio::test]
    async fn another_hosts_program_is_left_to_its_daemons() {
        let dir = tempfile::tempdir().unwrap();
        let (db, seq) = store_with_task(dir.path(), None).await;
        let mut theirs = sleeper("r-theirs");
        let pid = theirs.id() as i32;
        let r = record(pid, process::stat(pid).unwrap().start_ticks, "r-theirs");
        let elsewhere = format!("not-{}:1:dead", crate::engine::host_name());
        db.write(move |tx| queue::record_child(tx, seq, &elsewhere, &r, now_ms()))
            .await
            .unwrap();
        assert_eq!(kill_leftovers(&db, &owner("3:me"), true).await.unwrap(), 0);
        assert!(theirs.try_wait().unwrap().is_none(), "still running");
        let kept = db
            .read(|tx| queue::recorded_children(tx, now_ms()))
            .await
            .unwrap();
        assert_eq!(kept.len(), 1, "its record is kept for its own host");
        theirs.kill().unwrap();
        theirs.wait().unwrap();
    }

    #[tokio::test]
    async fn a_matching_start_time_is_killed_with_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let (db, seq) = store_with_task(dir.path(), None).await;
        let mut ours = sleeper("r-ours");
        let pid = ours.id() as i32;
        let r = record(pid, process::stat(pid).unwrap().start_ticks, "r-ours");
        db.write(move |tx| queue::record_child(tx, seq, &owner("1:dead"), &r, now_ms()))
            .await
            .unwrap();
        assert_eq!(kill_leftovers(&db, &owner("3:me"), true).await.unwrap(), 1);
        // It is our child here, so it waits to be reaped: killed means a zombie.
        let status = ours.wait().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9)
        );
        assert_eq!(
            db.read(|tx| queue::recorded_children(tx, now_ms()))
                .await
                .unwrap(),
            vec![]
        );
    }

    #[tokio::test]
    async fn without_the_lock_a_live_lease_keeps_its_program_and_a_daemon_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let (db, seq) = store_with_task(dir.path(), Some(owner("2:live").as_str())).await;
        let mut ours = sleeper("r-live");
        let pid = ours.id() as i32;
        let r = record(pid, process::stat(pid).unwrap().start_ticks, "r-live");
        db.write(move |tx| queue::record_child(tx, seq, &owner("2:live"), &r, now_ms()))
            .await
            .unwrap();
        assert_eq!(kill_leftovers(&db, &owner("3:me"), false).await.unwrap(), 0);
        assert!(alive(pid));
        assert_eq!(
            db.read(|tx| queue::recorded_children(tx, now_ms()))
                .await
                .unwrap()
                .len(),
            1
        );
        // Its own programs are never a daemon's leftovers.
        assert_eq!(
            kill_leftovers(&db, &owner("2:live"), true).await.unwrap(),
            0
        );
        assert!(alive(pid));
        // With the lock, no other daemon is alive: the program is a leftover.
        assert_eq!(kill_leftovers(&db, &owner("3:me"), true).await.unwrap(), 1);
        ours.wait().unwrap();
    }
}
