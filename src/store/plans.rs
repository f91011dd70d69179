//! The `plans` and `plan_runs` tables: scheduled plans, and the slots they fired.

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

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
}

const COLUMNS: &str = "id, name, cron, tz, accounts, count, topics, topics_file, topic_cursor, category, \
                       keywords, priority, auto_approve, catch_up, enabled, last_slot_at, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<PlanRow> {
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
        last_slot_at: r.get(15)?,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
    })
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

pub fn insert(conn: &Conn, f: &PlanFields, now: Millis) -> Result<PlanRow> {
    let id: i64 = conn
        .sql()
        .prepare_cached(
            "INSERT INTO plans(name, cron, tz, accounts, count, topics, topics_file, category, keywords,
                               priority, auto_approve, catch_up, enabled, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14) RETURNING id",
        )?
        .query_row(
            params![
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
                now
            ],
            |r| r.get(0),
        )
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::invalid("name", format!("a plan named '{}' already exists", f.name))
            } else {
                e.into()
            }
        })?;
    get(conn, id)
}

pub fn get(conn: &Conn, id: i64) -> Result<PlanRow> {
    conn.sql()
        .prepare_cached(&format!("SELECT {COLUMNS} FROM plans WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "plan",
            id: id.to_string(),
        })
}

/// Finds a plan by id (digits) or name.
pub fn find(conn: &Conn, reference: &str) -> Result<PlanRow> {
    let r = reference.trim();
    if let Ok(id) = r.parse::<i64>() {
        return get(conn, id);
    }
    conn.sql()
        .prepare_cached(&format!("SELECT {COLUMNS} FROM plans WHERE name = ?1"))?
        .query_row([r], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "plan",
            id: r.to_string(),
        })
}

pub fn list(conn: &Conn, enabled_only: bool) -> Result<Vec<PlanRow>> {
    let sql = if enabled_only {
        format!("SELECT {COLUMNS} FROM plans WHERE enabled = 1 ORDER BY id")
    } else {
        format!("SELECT {COLUMNS} FROM plans ORDER BY id")
    };
    let mut stmt = conn.sql().prepare_cached(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn update(conn: &Conn, id: i64, f: &PlanFields, now: Millis) -> Result<PlanRow> {
    conn.sql().prepare_cached(
        "UPDATE plans SET name = ?2, cron = ?3, tz = ?4, accounts = ?5, count = ?6, topics = ?7, topics_file = ?8,
                category = ?9, keywords = ?10, priority = ?11, auto_approve = ?12, catch_up = ?13, enabled = ?14,
                updated_at = ?15
         WHERE id = ?1",
    )?
    .execute(params![
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
        now
    ])
    .map_err(|e| {
        if is_unique_violation(&e) {
            Error::invalid("name", format!("a plan named '{}' already exists", f.name))
        } else {
            Error::from(e)
        }
    })?;
    get(conn, id)
}

/// Enabling a plan restarts its slot count at `now`, so it does not catch up on the time it
/// was disabled.
pub fn set_enabled(conn: &Conn, id: i64, enabled: bool, now: Millis) -> Result<()> {
    conn.sql()
        .prepare_cached(
            "UPDATE plans SET enabled = ?2, updated_at = ?3,
             last_slot_at = CASE WHEN ?2 AND NOT enabled THEN ?3 ELSE last_slot_at END
         WHERE id = ?1",
        )?
        .execute(params![id, enabled, now])?;
    Ok(())
}

pub fn delete(conn: &Conn, id: i64) -> Result<()> {
    conn.sql()
        .execute("DELETE FROM plans WHERE id = ?1", [id])?;
    Ok(())
}

pub fn set_cursor(
    conn: &Conn,
    id: i64,
    cursor: &std::collections::BTreeMap<String, u64>,
) -> Result<()> {
    conn.sql()
        .prepare_cached("UPDATE plans SET topic_cursor = ?2 WHERE id = ?1")?
        .execute(params![
            id,
            serde_json::to_string(cursor).unwrap_or_else(|_| "{}".into())
        ])?;
    Ok(())
}

/// Marks every slot up to `slot` as dealt with.
pub fn advance(conn: &Conn, id: i64, slot: Millis) -> Result<()> {
    conn.sql()
        .prepare_cached(
            "UPDATE plans SET last_slot_at = max(coalesce(last_slot_at, 0), ?2) WHERE id = ?1",
        )?
        .execute(params![id, slot])?;
    Ok(())
}

/// Claims a slot: `None` when it was already fired (by another process).
pub fn claim_slot(
    conn: &Conn,
    plan_id: i64,
    slot: Millis,
    manual: bool,
    now: Millis,
) -> Result<Option<i64>> {
    Ok(conn
        .sql()
        .prepare_cached(
            "INSERT INTO plan_runs(plan_id, scheduled_for, fired_at, manual, status)
             VALUES (?1, ?2, ?3, ?4, 'fired')
             ON CONFLICT(plan_id, scheduled_for) DO NOTHING RETURNING id",
        )?
        .query_row(params![plan_id, slot, now, manual], |r| r.get(0))
        .optional()?)
}

pub fn finish_run(conn: &Conn, run_id: i64, tasks: u32, message: Option<&str>) -> Result<()> {
    conn.sql()
        .prepare_cached("UPDATE plan_runs SET tasks = ?2, message = ?3 WHERE id = ?1")?
        .execute(params![run_id, tasks, message])?;
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
    conn.sql()
        .prepare_cached(
            "INSERT INTO plan_runs(plan_id, scheduled_for, fired_at, manual, status, message)
         VALUES (?1, ?2, ?3, ?4, 'failed', ?5)
         ON CONFLICT(plan_id, scheduled_for) DO NOTHING",
        )?
        .execute(params![plan_id, slot, now, manual, message])?;
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
    let sql =
        "SELECT r.id, p.name, r.scheduled_for, r.fired_at, r.manual, r.status, r.tasks, r.message
               FROM plan_runs r JOIN plans p ON p.id = r.plan_id
               WHERE (?1 IS NULL OR r.plan_id = ?1) ORDER BY r.fired_at DESC, r.id DESC LIMIT ?2";
    let mut stmt = conn.sql().prepare_cached(sql)?;
    let rows = stmt.query_map(params![plan_id, limit], |r| {
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
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Attaches a task to the plan run that created it.
pub fn tag_task(conn: &Conn, seq: super::tasks::Seq, plan_id: i64, run_id: i64) -> Result<()> {
    conn.sql()
        .prepare_cached("UPDATE tasks SET plan_id = ?2, plan_run_id = ?3 WHERE seq = ?1")?
        .execute(params![seq.0, plan_id, run_id])?;
    Ok(())
}

pub fn set_meta(conn: &Conn, key: &str, value: &str) -> Result<()> {
    conn.sql().prepare_cached("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?
        .execute(params![key, value])?;
    Ok(())
}

pub fn get_meta(conn: &Conn, key: &str) -> Result<Option<String>> {
    Ok(conn
        .sql()
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}
