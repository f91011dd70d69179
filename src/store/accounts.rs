//! The `accounts` table.

use super::sql::{args, Row, Sql};
use super::{json_list, parse_json_list, Conn};
use std::collections::BTreeMap;

use crate::domain::account::{check_word_range, Account, AccountPatch, NewAccount, ReviewMode};
use crate::domain::time::{now_ms, Timestamp};
use crate::domain::Status;
use crate::error::{Error, Result};

const COLUMNS: &str = "id, name, display_name, platform, language, tone, category, persona, \
                       min_words, max_words, forbidden_words, review, review_rules, created_at, updated_at";

fn from_row(r: &Row<'_>) -> Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        name: r.get(1)?,
        display_name: r.get(2)?,
        platform: r.get(3)?,
        language: r.get(4)?,
        tone: r.get(5)?,
        category: r.get(6)?,
        persona: r.get(7)?,
        min_words: r.get(8)?,
        max_words: r.get(9)?,
        forbidden_words: parse_json_list(r.get(10)?),
        review: review_mode(r.get(11)?)?,
        review_rules: serde_json::from_str(&r.get::<String>(12)?).unwrap_or_default(),
        created_at: Timestamp(r.get(13)?),
        updated_at: Timestamp(r.get(14)?),
    })
}

/// Reads a review mode column.
pub(super) fn review_mode(v: String) -> Result<ReviewMode> {
    v.parse()
        .map_err(|e: String| Error::Store(format!("a row holds an unknown review mode: {e}")))
}

fn rules_text(rules: &BTreeMap<String, String>) -> String {
    serde_json::to_string(rules).unwrap_or_else(|_| "{}".into())
}

fn duplicate(name: &str) -> Error {
    Error::invalid("name", format!("an account named '{name}' already exists"))
}

fn is_unique_violation(e: &Error) -> bool {
    matches!(e, Error::Database(d) if d.is_unique_violation())
}

pub fn insert(conn: &Conn, a: &NewAccount) -> Result<Account> {
    let now = now_ms();
    let id: i64 = conn
        .one(
            Sql::same(
                "INSERT INTO accounts(name, display_name, platform, language, tone, category, persona,
                                      min_words, max_words, forbidden_words, auto_approve, review, review_rules,
                                      created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14) RETURNING id",
            ),
            args![
                a.name,
                a.display_name,
                a.platform,
                a.language,
                a.tone,
                a.category,
                a.persona,
                a.min_words,
                a.max_words,
                json_list(&a.forbidden_words),
                a.review == ReviewMode::Auto,
                a.review.as_str(),
                rules_text(&a.review_rules),
                now
            ],
            |r| r.get(0),
        )
        .map_err(|e| {
            if is_unique_violation(&e) {
                duplicate(&a.name)
            } else {
                e
            }
        })?;
    get_by_id(conn, id)?.ok_or_else(|| Error::Store("account vanished after insert".into()))
}

pub fn get_by_id(conn: &Conn, id: i64) -> Result<Option<Account>> {
    conn.row(
        Sql::same(&format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1")),
        args![id],
        from_row,
    )
}

/// Finds an account by id (all digits) or by name (case-insensitive).
pub fn find(conn: &Conn, reference: &str) -> Result<Account> {
    let r = reference.trim();
    let found = if !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()) {
        match r.parse::<i64>() {
            Ok(id) => get_by_id(conn, id)?,
            Err(_) => None,
        }
    } else {
        conn.row(
            Sql::each(
                &format!("SELECT {COLUMNS} FROM accounts WHERE name = ?1"),
                &format!("SELECT {COLUMNS} FROM accounts WHERE lower(name) = lower($1)"),
            ),
            args![r],
            from_row,
        )?
    };
    found.ok_or_else(|| Error::NotFound {
        kind: "account",
        id: r.to_string(),
    })
}

pub fn list(conn: &Conn) -> Result<Vec<Account>> {
    conn.rows(
        Sql::same(&format!("SELECT {COLUMNS} FROM accounts ORDER BY id")),
        args![],
        from_row,
    )
}

/// Applies `patch` to the account and returns it as stored.
pub fn update(conn: &Conn, id: i64, patch: &AccountPatch) -> Result<Account> {
    let cur = get_by_id(conn, id)?.ok_or(Error::NotFound {
        kind: "account",
        id: id.to_string(),
    })?;
    let min_words = patch.min_words.unwrap_or(cur.min_words);
    let max_words = patch.max_words.unwrap_or(cur.max_words);
    check_word_range(min_words, max_words)?;
    let name = patch.name.clone().unwrap_or(cur.name);
    let review = patch.review.unwrap_or(cur.review);
    let mut rules = cur.review_rules;
    for (key, value) in &patch.review_rules {
        match value {
            Some(v) => rules.insert(key.clone(), v.clone()),
            None => rules.remove(key),
        };
    }
    conn.exec(
        Sql::same(
            "UPDATE accounts SET name = ?2, display_name = ?3, platform = ?4, language = ?5, tone = ?6,
                    category = ?7, persona = ?8, min_words = ?9, max_words = ?10, forbidden_words = ?11,
                    auto_approve = ?12, updated_at = ?13, review = ?14, review_rules = ?15
             WHERE id = ?1",
        ),
        args![
        id,
        name,
        patch.display_name.clone().unwrap_or(cur.display_name),
        patch.platform.clone().unwrap_or(cur.platform),
        patch.language.clone().unwrap_or(cur.language),
        patch.tone.clone().unwrap_or(cur.tone),
        patch.category.clone().unwrap_or(cur.category),
        patch.persona.clone().unwrap_or(cur.persona),
        min_words,
        max_words,
        json_list(
            patch
                .forbidden_words
                .as_ref()
                .unwrap_or(&cur.forbidden_words)
        ),
        review == ReviewMode::Auto,
            now_ms(),
            review.as_str(),
            rules_text(&rules),
        ],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            duplicate(&name)
        } else {
            e
        }
    })?;
    get_by_id(conn, id)?.ok_or_else(|| Error::Store("account vanished after update".into()))
}

/// How many of the account's tasks are not finished, and how many it has in all.
pub fn task_counts(conn: &Conn, id: i64) -> Result<(u64, u64)> {
    let active = Status::ACTIVE.map(|s| format!("'{s}'")).join(",");
    conn.one(
        Sql::same(&format!(
            "SELECT count(*) FILTER (WHERE status IN ({active})), count(*)
             FROM tasks WHERE account_id = ?1"
        )),
        args![id],
        |r| Ok((r.get::<i64>(0)? as u64, r.get::<i64>(1)? as u64)),
    )
}

/// Deletes the account with its tasks and contents.
pub fn delete(conn: &Conn, id: i64) -> Result<()> {
    super::signatures::delete_account(conn, id)?;
    super::topic_tokens::delete_account(conn, id)?;
    for table in ["contents", "tasks"] {
        conn.exec(
            Sql::same(&format!("DELETE FROM {table} WHERE account_id = ?1")),
            args![id],
        )?;
    }
    conn.exec(Sql::same("DELETE FROM accounts WHERE id = ?1"), args![id])?;
    Ok(())
}
