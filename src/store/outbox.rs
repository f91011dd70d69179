//! The `deliveries` table: the outbox of events (task callbacks, alert notifications) that
//! must leave the machine. A delivery is written in the same transaction as the change it
//! reports, then sent by the daemon with retries; a crash between the two only delays it.

use serde::{Deserialize, Serialize};

use super::sql::{args, Row, Sql, Value};
use super::Conn;
use crate::domain::time::{Millis, Timestamp};
use crate::domain::TaskId;
use crate::error::{Error, Result};

pub const TASK_COMPLETED: &str = "task.completed";
pub const TASK_FAILED: &str = "task.failed";

/// A delivery, as `deliveries list` shows it. The body is not shown (it can be large).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    pub id: i64,
    pub event: String,
    pub task_id: Option<TaskId>,
    pub url: String,
    /// pending, sent or failed
    pub status: String,
    pub attempts: u32,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

/// A delivery about to be sent: what goes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub id: i64,
    pub event: String,
    pub url: String,
    pub body: String,
    pub attempts: u32,
}

const COLUMNS: &str = "id, event, task_id, url, status, attempts, last_status_code, last_error, \
                       next_attempt_at, created_at, sent_at, updated_at";

fn from_row(r: &Row<'_>) -> Result<Delivery> {
    let status: String = r.get(4)?;
    Ok(Delivery {
        id: r.get(0)?,
        event: r.get(1)?,
        task_id: r.get::<Option<i64>>(2)?.map(TaskId),
        url: r.get(3)?,
        next_attempt_at: (status == "pending")
            .then(|| r.get::<i64>(8).map(Timestamp))
            .transpose()?,
        status,
        attempts: r.get(5)?,
        last_status_code: r.get(6)?,
        last_error: r.get(7)?,
        created_at: Timestamp(r.get(9)?),
        sent_at: r.get::<Option<i64>>(10)?.map(Timestamp),
        updated_at: Timestamp(r.get(11)?),
    })
}

/// Queues an event for `url`.
pub fn enqueue(
    conn: &Conn,
    event: &str,
    task_id: Option<TaskId>,
    url: &str,
    body: &str,
    now: Millis,
) -> Result<i64> {
    conn.one(
        Sql::same(
            "INSERT INTO deliveries(event, task_id, url, body, status, next_attempt_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5, ?5) RETURNING id",
        ),
        args![event, task_id.map(|t| t.0), url, body, now],
        |r| r.get(0),
    )
}

/// Takes up to `limit` due deliveries for sending: each is pushed `lease_ms` into the future
/// first, so a daemon that dies mid-send leaves it to be sent again after that.
pub fn claim_due(conn: &Conn, now: Millis, lease_ms: i64, limit: u32) -> Result<Vec<Outgoing>> {
    claim(conn, now, lease_ms, limit, false)
}

/// Like [`claim_due`], for deliveries to notification channels only.
pub fn claim_due_channels(
    conn: &Conn,
    now: Millis,
    lease_ms: i64,
    limit: u32,
) -> Result<Vec<Outgoing>> {
    claim(conn, now, lease_ms, limit, true)
}

fn outgoing(r: &Row<'_>) -> Result<Outgoing> {
    Ok(Outgoing {
        id: r.get(0)?,
        event: r.get(1)?,
        url: r.get(2)?,
        body: r.get(3)?,
        attempts: r.get(4)?,
    })
}

/// PostgreSQL's claim: one statement that picks the due deliveries, locks them and moves
/// them under the lease. `SKIP LOCKED` passes over the rows another daemon is claiming at
/// the same moment, so several daemons take disjoint deliveries and never wait on each
/// other; once that daemon commits, those rows are no longer due. `attempts` is returned as
/// it was before this claim, as on SQLite.
const PG_CLAIM: &str = "WITH due AS (
         SELECT id, next_attempt_at, attempts FROM deliveries
         WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at, id LIMIT $2
         FOR UPDATE SKIP LOCKED
     ), claimed AS (
         UPDATE deliveries d SET next_attempt_at = $3, attempts = d.attempts + 1, updated_at = $1
         FROM due WHERE d.id = due.id
         RETURNING d.id, d.event, d.url, d.body, due.attempts, due.next_attempt_at AS was_due
     )
     SELECT id, event, url, body, attempts FROM claimed ORDER BY was_due, id";

/// [`PG_CLAIM`] for notification channels only.
const PG_CLAIM_CHANNELS: &str = "WITH due AS (
         SELECT id, next_attempt_at, attempts FROM deliveries
         WHERE status = 'pending' AND next_attempt_at <= $1 AND url LIKE 'channel:%'
         ORDER BY next_attempt_at, id LIMIT $2
         FOR UPDATE SKIP LOCKED
     ), claimed AS (
         UPDATE deliveries d SET next_attempt_at = $3, attempts = d.attempts + 1, updated_at = $1
         FROM due WHERE d.id = due.id
         RETURNING d.id, d.event, d.url, d.body, due.attempts, due.next_attempt_at AS was_due
     )
     SELECT id, event, url, body, attempts FROM claimed ORDER BY was_due, id";

fn claim(
    conn: &Conn,
    now: Millis,
    lease_ms: i64,
    limit: u32,
    channels_only: bool,
) -> Result<Vec<Outgoing>> {
    if conn.is_pg() {
        let sql = if channels_only {
            PG_CLAIM_CHANNELS
        } else {
            PG_CLAIM
        };
        // Reached on PostgreSQL only.
        return conn.rows(
            Sql::each(sql, sql),
            args![now, limit, now + lease_ms],
            outgoing,
        );
    }
    // SQLite: the write transaction holds the only write lock, so reading the due rows and
    // then moving them is safe.
    let sql = if channels_only {
        "SELECT id, event, url, body, attempts FROM deliveries
         WHERE status = 'pending' AND next_attempt_at <= ?1 AND url LIKE 'channel:%'
         ORDER BY next_attempt_at, id LIMIT ?2"
    } else {
        "SELECT id, event, url, body, attempts FROM deliveries
         WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2"
    };
    let rows = conn.rows(Sql::same(sql), args![now, limit], outgoing)?;
    for d in &rows {
        conn.exec(
            Sql::same(
                "UPDATE deliveries SET next_attempt_at = ?2, attempts = attempts + 1, updated_at = ?3 WHERE id = ?1",
            ),
            args![d.id, now + lease_ms, now],
        )?;
    }
    Ok(rows)
}

/// Records a successful send.
pub fn mark_sent(conn: &Conn, id: i64, code: u16, now: Millis) -> Result<()> {
    conn.exec(
        Sql::same(
            "UPDATE deliveries SET status = 'sent', sent_at = ?3, last_status_code = ?2, last_error = NULL, updated_at = ?3
         WHERE id = ?1",
        ),
        args![id, code, now],
    )?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up (`failed`) when `None`.
pub fn mark_attempt_failed(
    conn: &Conn,
    id: i64,
    code: Option<u16>,
    error: &str,
    retry_at: Option<Millis>,
    now: Millis,
) -> Result<()> {
    let (status, next) = match retry_at {
        Some(at) => ("pending", at),
        None => ("failed", now),
    };
    conn.exec(
        Sql::same(
            "UPDATE deliveries SET status = ?2, next_attempt_at = ?3, last_status_code = ?4, last_error = ?5, updated_at = ?6
         WHERE id = ?1",
        ),
        args![id, status, next, code, error, now],
    )?;
    Ok(())
}

/// When the next pending delivery is due.
pub fn next_due(conn: &Conn) -> Result<Option<Millis>> {
    conn.one(
        Sql::same("SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'"),
        args![],
        |r| r.get(0),
    )
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub statuses: Vec<String>,
    pub task_id: Option<TaskId>,
    pub limit: Option<u32>,
}

/// Deliveries, newest first.
pub fn list(conn: &Conn, f: &Filter) -> Result<Vec<Delivery>> {
    let mut sql = format!("SELECT {COLUMNS} FROM deliveries");
    let mut clauses = Vec::new();
    let mut args: Vec<Value<'_>> = Vec::new();
    if !f.statuses.is_empty() {
        clauses.push(format!(
            "status IN ({})",
            vec!["?"; f.statuses.len()].join(",")
        ));
        args.extend(f.statuses.iter().map(|s| Value::Text(s)));
    }
    if let Some(t) = f.task_id {
        clauses.push("task_id = ?".into());
        args.push(Value::Int(t.0));
    }
    if !clauses.is_empty() {
        sql.push_str(&format!(" WHERE {}", clauses.join(" AND ")));
    }
    sql.push_str(" ORDER BY id DESC");
    if let Some(l) = f.limit {
        sql.push_str(&format!(" LIMIT {l}"));
    }
    conn.rows(Sql::same(&sql), &args, from_row)
}

pub fn get(conn: &Conn, id: i64) -> Result<Delivery> {
    conn.row(
        Sql::same(&format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?1")),
        args![id],
        from_row,
    )?
    .ok_or_else(|| Error::NotFound {
        kind: "delivery",
        id: id.to_string(),
    })
}

/// Sends a failed (or pending) delivery again now, with a fresh count of attempts. Returns
/// false for one already sent. A guarded update: on PostgreSQL, one that waited for a
/// daemon's `mark_sent` sees the row sent and changes nothing.
pub fn retry(conn: &Conn, id: i64, now: Millis) -> Result<bool> {
    let n = conn.exec(
        Sql::same(
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?2, updated_at = ?2
             WHERE id = ?1 AND status <> 'sent'",
        ),
        args![id, now],
    )?;
    Ok(n == 1)
}

/// Ids of every failed delivery.
pub fn failed_ids(conn: &Conn) -> Result<Vec<i64>> {
    conn.rows(
        Sql::same("SELECT id FROM deliveries WHERE status = 'failed' ORDER BY id"),
        args![],
        |r| r.get(0),
    )
}

/// The newest callback delivery of a task, for `task show`.
pub fn latest_for_task(conn: &Conn, task_id: TaskId) -> Result<Option<Delivery>> {
    conn.row(
        Sql::same(&format!(
            "SELECT {COLUMNS} FROM deliveries WHERE task_id = ?1 ORDER BY id DESC LIMIT 1"
        )),
        args![task_id.0],
        from_row,
    )
}

/// Remembers a callback signature; false when it was seen before (a replay). Forgets those
/// older than `window_ms`.
///
/// The insert is the check: `ON CONFLICT DO NOTHING` and the count of rows it wrote. On
/// PostgreSQL, a second API server inserting the same signature before the first commits
/// waits for it, then writes nothing (a replay) or, if the first rolled back, the row.
pub fn remember_signature(
    conn: &Conn,
    signature: &str,
    now: Millis,
    window_ms: i64,
) -> Result<bool> {
    conn.exec(
        Sql::same("DELETE FROM webhook_receipts WHERE received_at < ?1"),
        args![now - window_ms],
    )?;
    let n = conn.exec(
        Sql::same(
            "INSERT INTO webhook_receipts(signature, received_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        ),
        args![signature, now],
    )?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::store::testing::{sqlite, PgDb};
    use crate::store::Store;

    /// The ids `list` gives for `f`.
    fn all(store: &Store, f: Filter) -> Vec<i64> {
        list(store.conn(), &f)
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect()
    }

    fn ids(rows: &[Outgoing]) -> Vec<i64> {
        rows.iter().map(|d| d.id).collect()
    }

    /// Every function of the module, with the same outcomes on both engines.
    fn deliveries(store: &mut Store) {
        let t = TaskId(0xabc);
        let (d1, d2, d3) = store
            .write(|c| {
                Ok((
                    enqueue(c, TASK_COMPLETED, Some(t), "http://a/cb", "{\"n\":1}", 100)?,
                    enqueue(c, "alert.firing", None, "channel:ops", "{\"n\":2}", 50)?,
                    enqueue(c, TASK_FAILED, Some(t), "http://a/cb", "{\"n\":3}", 200)?,
                ))
            })
            .unwrap();
        assert!(d1 < d2 && d2 < d3);
        assert_eq!(store.read(next_due).unwrap(), Some(50));

        let d = store.read(|c| get(c, d1)).unwrap();
        assert_eq!(
            d,
            Delivery {
                id: d1,
                event: TASK_COMPLETED.into(),
                task_id: Some(t),
                url: "http://a/cb".into(),
                status: "pending".into(),
                attempts: 0,
                last_status_code: None,
                last_error: None,
                next_attempt_at: Some(Timestamp(100)),
                created_at: Timestamp(100),
                sent_at: None,
                updated_at: Timestamp(100),
            }
        );
        assert!(matches!(
            store.read(|c| get(c, 999)),
            Err(Error::NotFound { .. })
        ));

        // Lists, newest first.
        assert_eq!(all(store, Filter::default()), vec![d3, d2, d1]);
        let of_task = Filter {
            task_id: Some(t),
            ..Filter::default()
        };
        assert_eq!(all(store, of_task), vec![d3, d1]);
        let limited = Filter {
            limit: Some(1),
            ..Filter::default()
        };
        assert_eq!(all(store, limited), vec![d3]);
        assert_eq!(
            store.read(|c| latest_for_task(c, t)).unwrap().map(|d| d.id),
            Some(d3)
        );
        assert_eq!(store.read(|c| latest_for_task(c, TaskId(1))).unwrap(), None);

        // Claims: due ones in order, each under a lease, with its attempts before the claim.
        let claimed = store.write(|c| claim_due(c, 150, 1_000, 5)).unwrap();
        assert_eq!(ids(&claimed), vec![d2, d1]);
        assert_eq!(claimed[0].body, "{\"n\":2}");
        assert_eq!(claimed[0].url, "channel:ops");
        assert_eq!(claimed[0].event, "alert.firing");
        assert!(claimed.iter().all(|d| d.attempts == 0));
        let d = store.read(|c| get(c, d1)).unwrap();
        assert_eq!(
            (d.attempts, d.next_attempt_at, d.updated_at),
            (1, Some(Timestamp(1_150)), Timestamp(150))
        );
        let claimed = store.write(|c| claim_due(c, 300, 1_000, 5)).unwrap();
        assert_eq!(ids(&claimed), vec![d3]);
        assert_eq!(
            store.write(|c| claim_due(c, 300, 1_000, 5)).unwrap(),
            vec![]
        );
        // After the lease, again; limited; channels only.
        // (d1 and d2 fell due together: by id.)
        let claimed = store.write(|c| claim_due(c, 1_200, 1_000, 1)).unwrap();
        assert_eq!(ids(&claimed), vec![d1]);
        assert_eq!(claimed[0].attempts, 1);
        let claimed = store
            .write(|c| claim_due_channels(c, 5_000, 1_000, 5))
            .unwrap();
        assert_eq!(ids(&claimed), vec![d2]);
        assert_eq!(claimed[0].attempts, 1);
        assert_eq!(store.read(|c| get(c, d2)).unwrap().attempts, 2);

        // Outcomes.
        store.write(|c| mark_sent(c, d1, 204, 5_100)).unwrap();
        let d = store.read(|c| get(c, d1)).unwrap();
        assert_eq!(d.status, "sent");
        assert_eq!(
            (d.last_status_code, d.sent_at, d.next_attempt_at),
            (Some(204), Some(Timestamp(5_100)), None)
        );
        store
            .write(|c| mark_attempt_failed(c, d3, Some(503), "busy", Some(9_000), 5_200))
            .unwrap();
        let d = store.read(|c| get(c, d3)).unwrap();
        assert_eq!(d.status, "pending");
        assert_eq!(
            (
                d.last_status_code,
                d.last_error.as_deref(),
                d.next_attempt_at
            ),
            (Some(503), Some("busy"), Some(Timestamp(9_000)))
        );
        store
            .write(|c| mark_attempt_failed(c, d2, None, "refused", None, 5_300))
            .unwrap();
        let d = store.read(|c| get(c, d2)).unwrap();
        assert_eq!((d.status.as_str(), d.last_status_code), ("failed", None));
        assert_eq!(store.read(failed_ids).unwrap(), vec![d2]);
        let failed = Filter {
            statuses: vec!["failed".into(), "sent".into()],
            ..Filter::default()
        };
        assert_eq!(all(store, failed), vec![d2, d1]);
        assert_eq!(store.read(next_due).unwrap(), Some(9_000));

        // Retries: not of a sent one.
        assert!(!store.write(|c| retry(c, d1, 6_000)).unwrap());
        assert!(store.write(|c| retry(c, d2, 6_000)).unwrap());
        let d = store.read(|c| get(c, d2)).unwrap();
        assert_eq!(
            (d.status.as_str(), d.attempts, d.next_attempt_at),
            ("pending", 0, Some(Timestamp(6_000)))
        );
        assert_eq!(store.read(failed_ids).unwrap(), Vec::<i64>::new());
        assert_eq!(store.read(next_due).unwrap(), Some(6_000));

        // The replay window.
        let seen = |store: &mut Store, sig: &str, now: Millis| {
            store
                .write(|c| remember_signature(c, sig, now, 1_000))
                .unwrap()
        };
        assert!(seen(store, "sig-a", 10_000));
        assert!(!seen(store, "sig-a", 10_500));
        assert!(seen(store, "sig-b", 10_600));
        // Past the window the first is forgotten (and accepted again); the second is not.
        assert!(seen(store, "sig-a", 11_050));
        assert!(!seen(store, "sig-b", 11_100));
    }

    #[test]
    fn sqlite_deliveries() {
        let (_dir, mut store) = sqlite();
        deliveries(&mut store);
    }

    mod pg {
        use super::*;

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn deliveries() {
            let db = PgDb::new();
            super::deliveries(&mut db.store());
        }

        /// While one daemon holds its claim open, another claims the rest at once: disjoint
        /// deliveries, no waiting.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn daemons_claim_disjoint_deliveries_without_waiting() {
            let db = PgDb::new();
            let (mut a, mut b) = (db.store(), db.store());
            a.write(|c| {
                for i in 0..6 {
                    enqueue(c, TASK_COMPLETED, None, "http://x/", "{}", i)?;
                }
                Ok(())
            })
            .unwrap();
            let (claimed_tx, claimed_rx) = mpsc::channel();
            let (first, (second, waited)) = std::thread::scope(|s| {
                let ta = s.spawn(|| {
                    a.write(|c| {
                        let rows = claim_due(c, 100, 60_000, 3)?;
                        let _ = claimed_tx.send(());
                        std::thread::sleep(Duration::from_millis(600));
                        Ok(rows)
                    })
                    .unwrap()
                });
                claimed_rx.recv().unwrap();
                let tb = s.spawn(|| {
                    let t = Instant::now();
                    let rows = b.write(|c| claim_due(c, 100, 60_000, 10)).unwrap();
                    (rows, t.elapsed())
                });
                (ta.join().unwrap(), tb.join().unwrap())
            });
            assert_eq!(first.len(), 3);
            assert_eq!(second.len(), 3);
            assert!(waited < Duration::from_millis(400), "waited {waited:?}");
            let mut every: Vec<i64> = ids(&first).into_iter().chain(ids(&second)).collect();
            every.sort();
            every.dedup();
            assert_eq!(every.len(), 6, "disjoint");
            // Both claims are in force: nothing is due until the leases end.
            assert_eq!(a.write(|c| claim_due(c, 100, 60_000, 10)).unwrap(), vec![]);
            assert!(a
                .read(|c| list(c, &Filter::default()))
                .unwrap()
                .iter()
                .all(|d| d.attempts == 1));
        }

        /// Two API servers accept the same signature at once: one accepts it, the other
        /// sees a replay.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn a_signature_is_accepted_once_by_concurrent_servers() {
            let db = PgDb::new();
            let (mut a, mut b) = (db.store(), db.store());
            let (inserted_tx, inserted_rx) = mpsc::channel();
            let (first, second) = std::thread::scope(|s| {
                let ta = s.spawn(|| {
                    a.write(|c| {
                        let fresh = remember_signature(c, "sig", 1_000, 60_000)?;
                        let _ = inserted_tx.send(());
                        std::thread::sleep(Duration::from_millis(300));
                        Ok(fresh)
                    })
                    .unwrap()
                });
                inserted_rx.recv().unwrap();
                let tb = s.spawn(|| {
                    b.write(|c| remember_signature(c, "sig", 1_001, 60_000))
                        .unwrap()
                });
                (ta.join().unwrap(), tb.join().unwrap())
            });
            assert!(first);
            assert!(!second, "the second server sees a replay");
        }
    }
}
