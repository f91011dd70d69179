//! The `contents` table: generated articles and their review state.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row};

use super::{json_list, parse_json_list, Conn};
use crate::domain::time::{Millis, Timestamp};
use crate::domain::{Content, Image, Review, TaskId};
use crate::error::{Error, Result};

/// A content row to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContent {
    pub task_id: TaskId,
    pub account_id: i64,
    pub topic: String,
    pub keywords: Vec<String>,
    pub title: String,
    pub body: String,
    pub html: Option<String>,
    pub summary: Option<String>,
    pub cover_image: Option<String>,
    pub images: Vec<Image>,
    pub word_count: u32,
    pub quality_score: Option<f64>,
    pub generator: String,
    pub model: Option<String>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub review_status: Review,
}

const SELECT: &str = "SELECT c.id, c.task_id, (SELECT name FROM accounts WHERE id = c.account_id),
    c.account_id, c.topic, c.keywords, c.title, c.summary, c.body, c.html, c.cover_image, c.images,
    c.word_count, c.quality_score, c.generator, c.model, c.prompt_tokens, c.completion_tokens,
    c.review_status, c.review_reason, c.reviewed_at, c.created_at, c.updated_at
    FROM contents c";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Content> {
    let images: String = r.get(11)?;
    let review: String = r.get(18)?;
    Ok(Content {
        id: r.get(0)?,
        task_id: r.get::<_, Option<i64>>(1)?.map(TaskId),
        account: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        account_id: r.get(3)?,
        topic: r.get(4)?,
        keywords: parse_json_list(r.get(5)?),
        title: r.get(6)?,
        summary: r.get(7)?,
        body: r.get(8)?,
        html: r.get(9)?,
        cover_image: r.get(10)?,
        images: serde_json::from_str(&images).unwrap_or_default(),
        word_count: r.get(12)?,
        quality_score: r.get(13)?,
        generator: r.get(14)?,
        model: r.get(15)?,
        prompt_tokens: r.get(16)?,
        completion_tokens: r.get(17)?,
        review_status: Review::parse(&review).unwrap_or(Review::Pending),
        review_reason: r.get(19)?,
        reviewed_at: r.get::<_, Option<i64>>(20)?.map(Timestamp),
        created_at: Timestamp(r.get(21)?),
        updated_at: Timestamp(r.get(22)?),
    })
}

/// Inserts the content for a task. Returns its id, or `None` when the task already has
/// content (a second result for the same task changes nothing).
pub fn insert(conn: &Conn, c: &NewContent, now: Millis) -> Result<Option<i64>> {
    let reviewed_at = (c.review_status != Review::Pending).then_some(now);
    Ok(conn
        .sql()
        .prepare_cached(
            "INSERT INTO contents(task_id, account_id, topic, keywords, title, body, html, summary,
                cover_image, images, word_count, quality_score, generator, model, prompt_tokens,
                completion_tokens, review_status, reviewed_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19)
             ON CONFLICT(task_id) DO NOTHING RETURNING id",
        )?
        .query_row(
            params![
                c.task_id.0,
                c.account_id,
                c.topic,
                json_list(&c.keywords),
                c.title,
                c.body,
                c.html,
                c.summary,
                c.cover_image,
                serde_json::to_string(&c.images).unwrap_or_else(|_| "[]".into()),
                c.word_count,
                c.quality_score,
                c.generator,
                c.model,
                c.prompt_tokens,
                c.completion_tokens,
                c.review_status.as_str(),
                reviewed_at,
                now,
            ],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn get(conn: &Conn, id: i64) -> Result<Content> {
    conn.sql()
        .prepare_cached(&format!("{SELECT} WHERE c.id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "content",
            id: id.to_string(),
        })
}

/// Finds content by its id or by the id (or unique prefix) of the task that produced it.
pub fn find(conn: &Conn, reference: &str) -> Result<Content> {
    let r = reference.trim();
    if let Ok(id) = r.parse::<i64>() {
        return get(conn, id);
    }
    if r.starts_with(crate::domain::task::TASK_ID_PREFIX) {
        let (_, task_id) = super::task_ids::resolve(conn, r)?;
        let id: Option<i64> = conn
            .sql()
            .prepare_cached("SELECT id FROM contents WHERE task_id = ?1")?
            .query_row([task_id.0], |r| r.get(0))
            .optional()?;
        return match id {
            Some(id) => get(conn, id),
            None => Err(Error::NotFound {
                kind: "content for task",
                id: task_id.to_string(),
            }),
        };
    }
    Err(Error::invalid(
        "content id",
        format!("'{r}' is neither a content id (a number) nor a task id (task-…)"),
    ))
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub account_id: Option<i64>,
    pub review: Vec<Review>,
    pub since: Option<Millis>,
    pub limit: Option<u32>,
}

/// Content newest first.
pub fn list(conn: &Conn, f: &Filter) -> Result<Vec<Content>> {
    let mut sql = String::from(SELECT);
    let mut clauses = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(a) = f.account_id {
        clauses.push("c.account_id = ?".to_string());
        args.push(Value::Integer(a));
    }
    if !f.review.is_empty() {
        clauses.push(format!(
            "c.review_status IN ({})",
            vec!["?"; f.review.len()].join(",")
        ));
        args.extend(f.review.iter().map(|r| Value::Text(r.as_str().into())));
    }
    if let Some(s) = f.since {
        clauses.push("c.created_at >= ?".into());
        args.push(Value::Integer(s));
    }
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    sql.push_str(" ORDER BY c.id DESC");
    if let Some(l) = f.limit {
        sql.push_str(&format!(" LIMIT {l}"));
    }
    let mut stmt = conn.sql().prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sets the review state. Returns the previous state.
pub fn review(
    conn: &Conn,
    id: i64,
    to: Review,
    reason: Option<&str>,
    now: Millis,
) -> Result<Review> {
    let cur = get(conn, id)?;
    conn.sql().prepare_cached(
        "UPDATE contents SET review_status = ?2, review_reason = ?3, reviewed_at = ?4, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id, to.as_str(), reason, now])?;
    Ok(cur.review_status)
}
