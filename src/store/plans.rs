//! The `plans` and `plan_runs` tables: scheduled plans, and the slots they fired.

use serde::{Deserialize, Serialize};

use super::sql::{args, Row, Sql};
use super::{json_list, parse_json_list, Conn};
use crate::domain::time::{Millis, Timestamp};
use crate::error::{Error, Result};

/// A plan as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub id: i64,
    pub name: String,
    pub cron: String,
    pub tz: String,
    pub account_ids: Vec<i64>,
    pub count: u32,
    pub topics: Option<Vec<String>>,
    pub topics_file: Option<String>,
    /// Per account id: how many topics it has used (the rotation cursor).
    pub cursor: std::collections::BTreeMap<String, u64>,
    pub category: Option<String>,
    pub keywords: Vec<String>,
    pub priority: Option<u8>,
    pub auto_approve: Option<bool>,
    pub catch_up: String,
    pub enabled: bool,
    /// Skip a topic nearly identical to a pending or recent task of the account, instead of
    /// only noting it on the run.
    pub skip_similar: bool,
    pub last_slot_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// What `add` and `edit` write.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanFields {
    pub name: String,
    pub cron: String,
    pub tz: String,
    pub account_ids: Vec<i64>,
    pub count: u32,
    pub topics: Option<Vec<String>>,
    pub topics_file: Option<String>,
    pub category: Option<String>,
    pub keywords: Vec<String>,
    pub priority: Option<u8>,
    pub auto_approve: Option<bool>,
    pub catch_up: String,
    pub enabled: bool,
    pub skip_similar: bool,
}

const COLUMNS: &str = "id, name, cron, tz, accounts, count, topics, topics_file, topic_cursor, category, \
                       keywords, priority, auto_approve, catch_up, enabled, last_slot_at, created_at, updated_at, \
                       skip_similar";

fn from_row(r: &Row<'_>) -> Result<PlanRow> {
    let accounts: String = r.get(4)?;
    let topics: Option<String> = r.get(6)?;
    let cursor: String = r.get(8)?;
    Ok(PlanRow {
        id: r.get(0)?,
        name: r.get(1)?,
        cron: r.get(2)?,
        tz: r.get(3)?,
        account_ids: serde_json::from_str(&accounts).unwrap_or_default(),
        count: r.get(5)?,
        topics: topics.map(|t| serde_json::from_str(&t).unwrap_or_default()),
        topics_file: r.get(7)?,
        cursor: serde_json::from_str(&cursor).unwrap_or_default(),
        category: r.get(9)?,
        keywords: parse_json_list(r.get(10)?),
        priority: r.get(11)?,
        auto_approve: r.get(12)?,
        catch_up: r.get(13)?,
        enabled: r.get(14)?,
        skip_similar: r.get(18)?,
        last_slot_at: r.get(15)?,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
    })
}

/// A plan name already taken (names are unique, case-insensitively) becomes the user's
/// error; any other failure passes through.
fn name_taken(e: Error, name: &str) -> Error {
    match e {
        Error::Database(d) if d.is_unique_violation() => {
            Error::invalid("name", format!("a plan named '{name}' already exists"))
        }
        e => e,
    }
}

fn not_found(id: impl ToString) -> Error {
    Error::NotFound {
        kind: "plan",
        id: id.to_string(),
    }
}

pub fn insert(conn: &Conn, f: &PlanFields, now: Millis) -> Result<PlanRow> {
    let id: i64 = conn
        .one(
            Sql::same(
                "INSERT INTO plans(name, cron, tz, accounts, count, topics, topics_file, category, keywords,
                               priority, auto_approve, catch_up, enabled, created_at, updated_at, skip_similar)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15) RETURNING id",
            ),
            args![
                f.name,
                f.cron,
                f.tz,
                serde_json::to_string(&f.account_ids).unwrap_or_else(|_| "[]".into()),
                f.count,
                f.topics.as_ref().map(|t| json_list(t)),
                f.topics_file,
                f.category,
                json_list(&f.keywords),
                f.priority,
                f.auto_approve,
                f.catch_up,
                f.enabled,
                now,
                f.skip_similar
            ],
            |r| r.get(0),
        )
        .map_err(|e| name_taken(e, &f.name))?;
    get(conn, id)
}

pub fn get(conn: &Conn, id: i64) -> Result<PlanRow> {
    conn.row(
        Sql::same(&format!("SELECT {COLUMNS} FROM plans WHERE id = ?1")),
        args![id],
        from_row,
    )?
    .ok_or_else(|| not_found(id))
}

/// [`get`] in a write transaction that is about to fire a slot of the plan and write its
/// topic cursor back. On PostgreSQL the row is locked (`FOR UPDATE`) until the transaction
/// ends: two processes firing different slots of one plan at once (a manual trigger and the
/// schedule, or two hosts either side of a slot boundary) would otherwise both start from
/// the same cursor, and the later commit would undo the earlier one's rotation. The second
/// waits here and then reads the cursor the first committed. On SQLite the write
/// transaction already holds the only write lock.
pub fn get_for_update(conn: &Conn, id: i64) -> Result<PlanRow> {
    let sql = format!("SELECT {COLUMNS} FROM plans WHERE id = $1 FOR UPDATE");
    let lite = format!("SELECT {COLUMNS} FROM plans WHERE id = ?1");
    conn.row(Sql::each(&lite, &sql), args![id], from_row)?
        .ok_or_else(|| not_found(id))
}

/// Finds a plan by id (digits) or name.
pub fn find(conn: &Conn, reference: &str) -> Result<PlanRow> {
    let r = reference.trim();
    if let Ok(id) = r.parse::<i64>() {
        return get(conn, id);
    }
    conn.row(
        Sql::each(
            &format!("SELECT {COLUMNS} FROM plans WHERE name = ?1"),
            &format!("SELECT {COLUMNS} FROM plans WHERE lower(name) = lower($1)"),
        ),
        args![r],
        from_row,
    )?
    .ok_or_else(|| not_found(r))
}

pub fn list(conn: &Conn, enabled_only: bool) -> Result<Vec<PlanRow>> {
    let sql = if enabled_only {
        format!("SELECT {COLUMNS} FROM plans WHERE enabled = 1 ORDER BY id")
    } else {
        format!("SELECT {COLUMNS} FROM plans ORDER BY id")
    };
    conn.rows(Sql::same(&sql), args![], from_row)
}

pub fn update(conn: &Conn, id: i64, f: &PlanFields, now: Millis) -> Result<PlanRow> {
    conn.exec(
        Sql::same(
            "UPDATE plans SET name = ?2, cron = ?3, tz = ?4, accounts = ?5, count = ?6, topics = ?7, topics_file = ?8,
                category = ?9, keywords = ?10, priority = ?11, auto_approve = ?12, catch_up = ?13, enabled = ?14,
                updated_at = ?15, skip_similar = ?16
         WHERE id = ?1",
        ),
        args![
            id,
            f.name,
            f.cron,
            f.tz,
            serde_json::to_string(&f.account_ids).unwrap_or_else(|_| "[]".into()),
            f.count,
            f.topics.as_ref().map(|t| json_list(t)),
            f.topics_file,
            f.category,
            json_list(&f.keywords),
            f.priority,
            f.auto_approve,
            f.catch_up,
            f.enabled,
            now,
            f.skip_similar
        ],
    )
    .map_err(|e| name_taken(e, &f.name))?;
    get(conn, id)
}

/// Enabling a plan restarts its slot count at `now`, so it does not catch up on the time it
/// was disabled. One guarded statement: on PostgreSQL, a concurrent enable that waited for
/// the row lock sees the plan already enabled and leaves `last_slot_at` alone.
pub fn set_enabled(conn: &Conn, id: i64, enabled: bool, now: Millis) -> Result<()> {
    conn.exec(
        Sql::each(
            "UPDATE plans SET enabled = ?2, updated_at = ?3,
             last_slot_at = CASE WHEN ?2 AND NOT enabled THEN ?3 ELSE last_slot_at END
         WHERE id = ?1",
            // `enabled` is a 0/1 BIGINT, not a boolean.
            "UPDATE plans SET enabled = $2, updated_at = $3,
             last_slot_at = CASE WHEN $2::bigint = 1 AND enabled = 0 THEN $3 ELSE last_slot_at END
         WHERE id = $1",
        ),
        args![id, enabled, now],
    )?;
    Ok(())
}

pub fn delete(conn: &Conn, id: i64) -> Result<()> {
    conn.exec(Sql::same("DELETE FROM plans WHERE id = ?1"), args![id])?;
    Ok(())
}

pub fn set_cursor(
    conn: &Conn,
    id: i64,
    cursor: &std::collections::BTreeMap<String, u64>,
) -> Result<()> {
    conn.exec(
        Sql::same("UPDATE plans SET topic_cursor = ?2 WHERE id = ?1"),
        args![
            id,
            serde_json::to_string(cursor).unwrap_or_else(|_| "{}".into())
        ],
    )?;
    Ok(())
}

/// Marks every slot up to `slot` as dealt with. Never moves back: one statement, so a
/// process that advanced the plan to an earlier slot after another moved it further leaves
/// it where it is.
pub fn advance(conn: &Conn, id: i64, slot: Millis) -> Result<()> {
    conn.exec(
        Sql::each(
            "UPDATE plans SET last_slot_at = max(coalesce(last_slot_at, 0), ?2) WHERE id = ?1",
            "UPDATE plans SET last_slot_at = greatest(coalesce(last_slot_at, 0), $2) WHERE id = $1",
        ),
        args![id, slot],
    )?;
    Ok(())
}

/// Claims a slot: `None` when it was already fired (by another process).
///
/// The unique `(plan_id, scheduled_for)` key makes this exactly-once on either engine. On
/// PostgreSQL, a second process inserting the same slot while the first has not committed
/// waits for it: if the first commits, `DO NOTHING` returns no row and the second fires
/// nothing; if it rolls back, the second claims the slot.
pub fn claim_slot(
    conn: &Conn,
    plan_id: i64,
    slot: Millis,
    manual: bool,
    now: Millis,
) -> Result<Option<i64>> {
    conn.row(
        Sql::same(
            "INSERT INTO plan_runs(plan_id, scheduled_for, fired_at, manual, status)
             VALUES (?1, ?2, ?3, ?4, 'fired')
             ON CONFLICT(plan_id, scheduled_for) DO NOTHING RETURNING id",
        ),
        args![plan_id, slot, now, manual],
        |r| r.get(0),
    )
}

pub fn finish_run(conn: &Conn, run_id: i64, tasks: u32, message: Option<&str>) -> Result<()> {
    conn.exec(
        Sql::same("UPDATE plan_runs SET tasks = ?2, message = ?3 WHERE id = ?1"),
        args![run_id, tasks, message],
    )?;
    Ok(())
}

/// Records a slot that failed to fire (nothing else of it was written).
pub fn record_failure(
    conn: &Conn,
    plan_id: i64,
    slot: Millis,
    manual: bool,
    message: &str,
    now: Millis,
) -> Result<()> {
    conn.exec(
        Sql::same(
            "INSERT INTO plan_runs(plan_id, scheduled_for, fired_at, manual, status, message)
         VALUES (?1, ?2, ?3, ?4, 'failed', ?5)
         ON CONFLICT(plan_id, scheduled_for) DO NOTHING",
        ),
        args![plan_id, slot, now, manual, message],
    )?;
    Ok(())
}

/// A fired (or failed) slot, for `scheduler history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRun {
    pub id: i64,
    pub plan: String,
    pub scheduled_for_at: Timestamp,
    pub fired_at: Timestamp,
    pub manual: bool,
    pub status: String,
    pub tasks: u32,
    pub message: Option<String>,
}

pub fn runs(conn: &Conn, plan_id: Option<i64>, limit: u32) -> Result<Vec<PlanRun>> {
    conn.rows(
        Sql::each(
            "SELECT r.id, p.name, r.scheduled_for, r.fired_at, r.manual, r.status, r.tasks, r.message
               FROM plan_runs r JOIN plans p ON p.id = r.plan_id
               WHERE (?1 IS NULL OR r.plan_id = ?1) ORDER BY r.fired_at DESC, r.id DESC LIMIT ?2",
            // The cast gives the parameter a type where it is only tested for NULL.
            "SELECT r.id, p.name, r.scheduled_for, r.fired_at, r.manual, r.status, r.tasks, r.message
               FROM plan_runs r JOIN plans p ON p.id = r.plan_id
               WHERE ($1::bigint IS NULL OR r.plan_id = $1) ORDER BY r.fired_at DESC, r.id DESC LIMIT $2",
        ),
        args![plan_id, limit],
        |r| {
            Ok(PlanRun {
                id: r.get(0)?,
                plan: r.get(1)?,
                scheduled_for_at: Timestamp(r.get(2)?),
                fired_at: Timestamp(r.get(3)?),
                manual: r.get(4)?,
                status: r.get(5)?,
                tasks: r.get(6)?,
                message: r.get(7)?,
            })
        },
    )
}

/// Attaches a task to the plan run that created it.
pub fn tag_task(conn: &Conn, seq: super::tasks::Seq, plan_id: i64, run_id: i64) -> Result<()> {
    conn.exec(
        Sql::same("UPDATE tasks SET plan_id = ?2, plan_run_id = ?3 WHERE seq = ?1"),
        args![seq.0, plan_id, run_id],
    )?;
    Ok(())
}

pub fn set_meta(conn: &Conn, key: &str, value: &str) -> Result<()> {
    conn.exec(
        Sql::same(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        ),
        args![key, value],
    )?;
    Ok(())
}

pub fn get_meta(conn: &Conn, key: &str) -> Result<Option<String>> {
    conn.row(
        Sql::same("SELECT value FROM meta WHERE key = ?1"),
        args![key],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::{mpsc, Barrier};
    use std::time::Duration;

    use super::*;
    use crate::store::testing::{account, sqlite, PgDb};
    use crate::store::Store;

    /// A pending task of `account`, written directly (the task module has its own tests).
    fn task(c: &Conn, account: i64, id: i64) -> Result<super::super::tasks::Seq> {
        c.one(
            Sql::same(
                "INSERT INTO tasks(id, account_id, topic, priority, auto_approve, max_retries,
                                   timeout_s, deadline_at, status, next_attempt_at, created_at, updated_at)
                 VALUES (?1, ?2, 'topic', 5, 1, 3, 60, 0, 'pending', 0, 0, 0) RETURNING seq",
            ),
            args![id, account],
            |r| Ok(super::super::tasks::Seq(r.get(0)?)),
        )
    }

    fn fields(name: &str, accounts: Vec<i64>) -> PlanFields {
        PlanFields {
            name: name.into(),
            cron: "0 9 * * *".into(),
            tz: "Europe/Paris".into(),
            account_ids: accounts,
            count: 2,
            topics: Some(vec!["a".into(), "b".into()]),
            topics_file: None,
            category: Some("tech".into()),
            keywords: vec!["k1".into(), "k2".into()],
            priority: Some(7),
            auto_approve: Some(false),
            catch_up: "latest".into(),
            enabled: true,
            skip_similar: false,
        }
    }

    fn runs_of(c: &Conn, plan_id: i64, slot: Millis) -> Result<(i64, i64)> {
        c.one(
            Sql::same(
                "SELECT count(*), coalesce(max(tasks), 0) FROM plan_runs
                 WHERE plan_id = ?1 AND scheduled_for = ?2",
            ),
            args![plan_id, slot],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn tasks_of_run(c: &Conn, run_id: i64) -> Result<i64> {
        c.one(
            Sql::same("SELECT count(*) FROM tasks WHERE plan_run_id = ?1"),
            args![run_id],
            |r| r.get(0),
        )
    }

    /// A run as the history test compares it: plan, slot, manual, status, tasks, message.
    type Seen<'a> = (String, i64, bool, &'a str, u32, Option<&'a str>);

    /// Every function of the module, with the same outcomes on both engines.
    fn plans_and_runs(store: &mut Store) {
        let (a1, a2) = store
            .write(|c| Ok((account(c, "one")?, account(c, "two")?)))
            .unwrap();
        let p = store
            .write(|c| insert(c, &fields("Daily", vec![a1, a2]), 1_000))
            .unwrap();
        assert_eq!(p.name, "Daily");
        assert_eq!(p.account_ids, vec![a1, a2]);
        assert_eq!(p.count, 2);
        assert_eq!(p.topics, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(p.keywords, vec!["k1".to_string(), "k2".to_string()]);
        assert_eq!(p.priority, Some(7));
        assert_eq!(p.auto_approve, Some(false));
        assert!(p.enabled);
        assert!(p.cursor.is_empty());
        assert_eq!(p.last_slot_at, None);
        assert_eq!((p.created_at, p.updated_at), (1_000, 1_000));

        // Names are unique, case-insensitively, on insert and on update.
        let dup = store.write(|c| insert(c, &fields("DAILY", vec![a1]), 1_000));
        assert!(matches!(dup, Err(Error::Invalid { .. })), "{dup:?}");
        let mut other = fields("Weekly", vec![a2]);
        other.topics = None;
        other.priority = None;
        other.auto_approve = None;
        other.keywords = vec![];
        other.enabled = false;
        let q = store.write(|c| insert(c, &other, 2_000)).unwrap();
        assert_eq!(
            (q.topics.clone(), q.priority, q.auto_approve),
            (None, None, None)
        );
        let clash = store.write(|c| update(c, q.id, &fields("daily", vec![a2]), 3_000));
        assert!(matches!(clash, Err(Error::Invalid { .. })), "{clash:?}");

        // Look-ups.
        let conn = store.conn();
        assert_eq!(get(conn, p.id).unwrap(), p);
        assert_eq!(find(conn, "daily").unwrap(), p);
        assert_eq!(find(conn, &format!(" {} ", q.id)).unwrap(), q);
        assert!(matches!(find(conn, "nope"), Err(Error::NotFound { .. })));
        assert!(matches!(get(conn, 999), Err(Error::NotFound { .. })));
        let all: Vec<i64> = list(conn, false).unwrap().iter().map(|p| p.id).collect();
        assert_eq!(all, vec![p.id, q.id]);
        let enabled: Vec<i64> = list(conn, true).unwrap().iter().map(|p| p.id).collect();
        assert_eq!(enabled, vec![p.id]);
        assert_eq!(store.write(|c| get_for_update(c, p.id)).unwrap(), p);
        assert!(matches!(
            store.write(|c| get_for_update(c, 999)),
            Err(Error::NotFound { .. })
        ));

        // Edits.
        let mut edit = other.clone();
        edit.name = "Weekly2".into();
        edit.count = 3;
        edit.priority = Some(2);
        let q = store.write(|c| update(c, q.id, &edit, 4_000)).unwrap();
        assert_eq!(
            (q.name.as_str(), q.count, q.priority),
            ("Weekly2", 3, Some(2))
        );
        assert_eq!((q.created_at, q.updated_at), (2_000, 4_000));

        // Enabling restarts the slot count; enabling an enabled plan does not.
        store.write(|c| set_enabled(c, q.id, true, 5_000)).unwrap();
        let q = store.read(|c| get(c, q.id)).unwrap();
        assert!(q.enabled);
        assert_eq!(q.last_slot_at, Some(5_000));
        store.write(|c| set_enabled(c, q.id, true, 6_000)).unwrap();
        let q = store.read(|c| get(c, q.id)).unwrap();
        assert_eq!((q.last_slot_at, q.updated_at), (Some(5_000), 6_000));
        store.write(|c| set_enabled(c, q.id, false, 7_000)).unwrap();
        let q = store.read(|c| get(c, q.id)).unwrap();
        assert!(!q.enabled);
        assert_eq!(q.last_slot_at, Some(5_000));

        // The cursor and the slot mark; the mark never moves back.
        let cursor = [(a1.to_string(), 3u64), (a2.to_string(), 1)].into();
        store.write(|c| set_cursor(c, p.id, &cursor)).unwrap();
        store.write(|c| advance(c, p.id, 50_000)).unwrap();
        store.write(|c| advance(c, p.id, 40_000)).unwrap();
        let p2 = store.read(|c| get(c, p.id)).unwrap();
        assert_eq!(p2.cursor, cursor);
        assert_eq!(p2.last_slot_at, Some(50_000));
        store.write(|c| advance(c, p.id, 60_000)).unwrap();
        assert_eq!(
            store.read(|c| get(c, p.id)).unwrap().last_slot_at,
            Some(60_000)
        );

        // Slots fire once; failures are recorded only for slots not fired.
        let run = store
            .write(|c| claim_slot(c, p.id, 60_000, false, 61_000))
            .unwrap()
            .expect("a new slot");
        assert_eq!(
            store
                .write(|c| claim_slot(c, p.id, 60_000, true, 62_000))
                .unwrap(),
            None
        );
        let seqs = store
            .write(|c| {
                let s1 = task(c, a1, 0x11)?;
                let s2 = task(c, a2, 0x12)?;
                tag_task(c, s1, p.id, run)?;
                tag_task(c, s2, p.id, run)?;
                finish_run(c, run, 2, Some("ok"))?;
                Ok((s1, s2))
            })
            .unwrap();
        assert_eq!(store.read(|c| tasks_of_run(c, run)).unwrap(), 2);
        let plan_of: Option<i64> = store
            .conn()
            .one(
                Sql::same("SELECT plan_id FROM tasks WHERE seq = ?1"),
                args![seqs.0 .0],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(plan_of, Some(p.id));
        store
            .write(|c| record_failure(c, p.id, 60_000, false, "late", 63_000))
            .unwrap();
        store
            .write(|c| record_failure(c, p.id, 120_000, true, "no topics", 121_000))
            .unwrap();
        store
            .write(|c| claim_slot(c, q.id, 10_000, true, 64_000))
            .unwrap()
            .expect("another plan's slot");
        assert_eq!(store.read(|c| runs_of(c, p.id, 60_000)).unwrap(), (1, 2));

        let history = store.read(|c| runs(c, None, 10)).unwrap();
        let seen: Vec<Seen<'_>> = history
            .iter()
            .map(|r| {
                (
                    r.plan.clone(),
                    r.scheduled_for_at.0,
                    r.manual,
                    r.status.as_str(),
                    r.tasks,
                    r.message.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                (
                    "Daily".into(),
                    120_000,
                    true,
                    "failed",
                    0,
                    Some("no topics")
                ),
                ("Weekly2".into(), 10_000, true, "fired", 0, None),
                ("Daily".into(), 60_000, false, "fired", 2, Some("ok")),
            ]
        );
        assert_eq!(history[2].id, run);
        assert_eq!(history[2].fired_at.0, 61_000);
        let only_p = store.read(|c| runs(c, Some(p.id), 10)).unwrap();
        assert_eq!(only_p.len(), 2);
        assert!(only_p.iter().all(|r| r.plan == "Daily"));
        assert_eq!(store.read(|c| runs(c, Some(p.id), 1)).unwrap().len(), 1);

        // Key-value pairs.
        assert_eq!(store.read(|c| get_meta(c, "k")).unwrap(), None);
        store.write(|c| set_meta(c, "k", "v1")).unwrap();
        store.write(|c| set_meta(c, "k", "v2")).unwrap();
        assert_eq!(
            store.read(|c| get_meta(c, "k")).unwrap().as_deref(),
            Some("v2")
        );

        // Removing a plan removes its history.
        store.write(|c| delete(c, p.id)).unwrap();
        assert!(matches!(
            store.read(|c| get(c, p.id)),
            Err(Error::NotFound { .. })
        ));
        assert_eq!(store.read(|c| runs(c, None, 10)).unwrap().len(), 1);
    }

    /// What the scheduler does with a slot, in one transaction: claim it, then write its
    /// tasks (two) and finish the run; with `lock`, after reading the plan for update as the
    /// scheduler does (without, the slot's unique key alone keeps it exactly-once).
    fn fire(
        c: &Conn,
        plan_id: i64,
        account: i64,
        slot: Millis,
        ids: i64,
        lock: bool,
    ) -> Result<Option<i64>> {
        if lock {
            get_for_update(c, plan_id)?;
        }
        let Some(run) = claim_slot(c, plan_id, slot, false, slot)? else {
            return Ok(None);
        };
        for k in 0..2 {
            let seq = task(c, account, ids + k)?;
            tag_task(c, seq, plan_id, run)?;
        }
        finish_run(c, run, 2, None)?;
        Ok(Some(run))
    }

    /// Two processes (two stores) fire the same slots at the same moment: each slot gets one
    /// run and one set of tasks.
    fn racing_fires(mut a: Store, mut b: Store) {
        let (account, plan) = a
            .write(|c| {
                let account = account(c, "racer")?;
                Ok((account, insert(c, &fields("Race", vec![account]), 0)?.id))
            })
            .unwrap();
        const SLOTS: i64 = 20;
        let barrier = Barrier::new(2);
        let go = |store: &mut Store, side: i64| {
            let mut won = Vec::new();
            for slot in 0..SLOTS {
                barrier.wait();
                let ids = (side << 32) | (slot << 8);
                let run = store
                    .write(|c| fire(c, plan, account, slot * 60_000, ids, slot % 2 == 0))
                    .unwrap();
                won.push(run);
            }
            won
        };
        let fired = std::thread::scope(|s| {
            let ta = s.spawn(|| go(&mut a, 1));
            let tb = s.spawn(|| go(&mut b, 2));
            (ta.join().unwrap(), tb.join().unwrap())
        });
        for slot in 0..SLOTS as usize {
            let (x, y) = (fired.0[slot], fired.1[slot]);
            assert!(x.is_some() != y.is_some(), "slot {slot}: {x:?} {y:?}");
            let run = x.or(y).unwrap();
            assert_eq!(a.read(|c| tasks_of_run(c, run)).unwrap(), 2);
            assert_eq!(
                a.read(|c| runs_of(c, plan, slot as i64 * 60_000)).unwrap(),
                (1, 2)
            );
        }
        let total: i64 = a
            .conn()
            .one(Sql::same("SELECT count(*) FROM tasks"), args![], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(total, 2 * SLOTS);
    }

    #[test]
    fn sqlite_plans_and_runs() {
        let (_dir, mut store) = sqlite();
        plans_and_runs(&mut store);
    }

    #[test]
    fn sqlite_racing_fires() {
        let (dir, a) = sqlite();
        let b = Store::open(&dir.path().join("store.db")).unwrap();
        racing_fires(a, b);
    }

    mod pg {
        use super::*;

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn plans_and_runs() {
            let db = PgDb::new();
            super::plans_and_runs(&mut db.store());
        }

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn racing_fires() {
            let db = PgDb::new();
            super::racing_fires(db.store(), db.store());
        }

        /// A second process that fires a slot while the first has claimed it but not yet
        /// committed waits for the first, then finds the slot taken and writes nothing.
        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn a_slot_claimed_by_an_open_transaction_is_not_fired_again() {
            let db = PgDb::new();
            let (mut a, mut b) = (db.store(), db.store());
            let (account, plan) = a
                .write(|c| {
                    let account = account(c, "racer")?;
                    Ok((account, insert(c, &fields("Race", vec![account]), 0)?.id))
                })
                .unwrap();
            let (claimed_tx, claimed_rx) = mpsc::channel();
            let (first, second) = std::thread::scope(|s| {
                let ta = s.spawn(|| {
                    a.write(|c| {
                        let Some(run) = claim_slot(c, plan, 60_000, false, 1)? else {
                            return Ok(None);
                        };
                        let _ = claimed_tx.send(());
                        // Hold the claim open while the other process tries the slot.
                        std::thread::sleep(Duration::from_millis(300));
                        for k in 0..2 {
                            let seq = task(c, account, 0x100 + k)?;
                            tag_task(c, seq, plan, run)?;
                        }
                        finish_run(c, run, 2, None)?;
                        Ok(Some(run))
                    })
                    .unwrap()
                });
                claimed_rx.recv().unwrap();
                let tb = s.spawn(|| {
                    b.write(|c| fire(c, plan, account, 60_000, 0x200, false))
                        .unwrap()
                });
                (ta.join().unwrap(), tb.join().unwrap())
            });
            let run = first.expect("the first process fired the slot");
            assert_eq!(second, None);
            assert_eq!(a.read(|c| tasks_of_run(c, run)).unwrap(), 2);
            assert_eq!(a.read(|c| runs_of(c, plan, 60_000)).unwrap(), (1, 2));
        }
    }
}
