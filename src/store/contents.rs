//! The `contents` table: generated articles and their review state.

use super::sql::{args, pg_placeholders, Row, Sql, ToValue, Value};
use super::{json_list, parse_json_list, Conn};
use crate::domain::content::{ReviewRecord, DECIDER_OPERATOR};
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
    /// Why it is held, when it is.
    pub review_reason: Option<String>,
    pub review_record: Option<ReviewRecord>,
}

const SELECT: &str = "SELECT c.id, c.task_id, (SELECT name FROM accounts WHERE id = c.account_id),
    c.account_id, c.topic, c.keywords, c.title, c.summary, c.body, c.html, c.cover_image, c.images,
    c.word_count, c.quality_score, c.generator, c.model, c.prompt_tokens, c.completion_tokens,
    c.review_status, c.review_reason, c.reviewed_at, c.created_at, c.updated_at, c.review_record
    FROM contents c";

/// The record's failed checks as stored for filtering: `,word_range,forbidden_word,`.
fn failed_checks(r: &ReviewRecord) -> String {
    let mut s = String::from(",");
    for c in r.failed() {
        s.push_str(&c.check);
        s.push(',');
    }
    s
}

fn record_text(r: &ReviewRecord) -> String {
    serde_json::to_string(r).unwrap_or_else(|_| "null".into())
}

fn from_row(r: &Row<'_>) -> Result<Content> {
    let images: String = r.get(11)?;
    let review: String = r.get(18)?;
    Ok(Content {
        id: r.get(0)?,
        task_id: r.get::<Option<i64>>(1)?.map(TaskId),
        account: r.get::<Option<String>>(2)?.unwrap_or_default(),
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
        reviewed_at: r.get::<Option<i64>>(20)?.map(Timestamp),
        created_at: Timestamp(r.get(21)?),
        updated_at: Timestamp(r.get(22)?),
        review_record: r
            .get::<Option<String>>(23)?
            .and_then(|t| serde_json::from_str(&t).ok()),
    })
}

/// Inserts the content for a task, with its near-duplicate signature
/// ([`super::signatures::put`]). Returns its id, or `None` when the task already has content
/// (a second result for the same task changes nothing).
pub fn insert(conn: &Conn, c: &NewContent, now: Millis) -> Result<Option<i64>> {
    let reviewed_at = (c.review_status != Review::Pending).then_some(now);
    let keywords = json_list(&c.keywords);
    let images = serde_json::to_string(&c.images).unwrap_or_else(|_| "[]".into());
    // The unique `task_id` decides, on both engines: a second result for the task (a
    // duplicate, or another daemon's at the same moment) inserts nothing.
    let sig = crate::review::similarity::Signature::of(&c.body);
    // On PostgreSQL the signature goes in the same statement, a round trip less per result.
    let sql = if conn.is_pg() {
        Sql::pg(
            "WITH c AS (
                 INSERT INTO contents(task_id, account_id, topic, keywords, title, body, html,
                     summary, cover_image, images, word_count, quality_score, generator, model,
                     prompt_tokens, completion_tokens, review_status, reviewed_at, created_at,
                     updated_at, review_reason, review_record, review_checks, review_decider)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                         $17, $18, $19, $19, $20, $21, $22, $23)
                 ON CONFLICT(task_id) DO NOTHING RETURNING id
             ), s AS (
                 INSERT INTO content_signatures(content_id, account_id, created_at, signature,
                                                band_keys)
                 SELECT id, $2, $19, $24, $25 FROM c ON CONFLICT(content_id) DO NOTHING
             )
             SELECT id FROM c",
        )
    } else {
        Sql::same(
            "INSERT INTO contents(task_id, account_id, topic, keywords, title, body, html, summary,
                cover_image, images, word_count, quality_score, generator, model, prompt_tokens,
                completion_tokens, review_status, reviewed_at, created_at, updated_at,
                review_reason, review_record, review_checks, review_decider)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19,
                     ?20, ?21, ?22, ?23)
             ON CONFLICT(task_id) DO NOTHING RETURNING id",
        )
    };
    let (record, checks) = (
        c.review_record.as_ref().map(record_text),
        c.review_record.as_ref().map(failed_checks),
    );
    let decider = c.review_record.as_ref().and_then(|r| r.decider.clone());
    let review_status = c.review_status.as_str();
    let mut values = args![
        c.task_id.0,
        c.account_id,
        c.topic,
        keywords,
        c.title,
        c.body,
        c.html,
        c.summary,
        c.cover_image,
        images,
        c.word_count,
        c.quality_score,
        c.generator,
        c.model,
        c.prompt_tokens,
        c.completion_tokens,
        review_status,
        reviewed_at,
        now,
        c.review_reason,
        record,
        checks,
        decider,
    ]
    .to_vec();
    let (bytes, keys) = (
        sig.to_bytes(),
        super::signatures::account_keys(c.account_id, &sig),
    );
    if conn.is_pg() {
        values.extend_from_slice(args![bytes, keys]);
    }
    let id: Option<i64> = conn.row(sql, &values, |r| r.get(0))?;
    if let (Some(id), false) = (id, conn.is_pg()) {
        super::signatures::put(conn, id, c.account_id, &sig, now)?;
    }
    Ok(id)
}

pub fn get(conn: &Conn, id: i64) -> Result<Content> {
    conn.row(
        Sql::same(&format!("{SELECT} WHERE c.id = ?1")),
        args![id],
        from_row,
    )?
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
        let id: Option<i64> = conn.row(
            Sql::same("SELECT id FROM contents WHERE task_id = ?1"),
            args![task_id.0],
            |r| r.get(0),
        )?;
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
    /// Only content whose review record has a failed check of each of these reason ids.
    pub reasons: Vec<String>,
    pub since: Option<Millis>,
    pub limit: Option<u32>,
}

/// Content newest first (by id, which is unique: the order is complete on both engines).
pub fn list(conn: &Conn, f: &Filter) -> Result<Vec<Content>> {
    let patterns: Vec<String> = f.reasons.iter().map(|r| format!("%,{r},%")).collect();
    let mut sql = String::from(SELECT);
    let mut clauses = Vec::new();
    let mut args: Vec<Value<'_>> = Vec::new();
    if let Some(a) = &f.account_id {
        clauses.push("c.account_id = ?".to_string());
        args.push(a.value());
    }
    if !f.review.is_empty() {
        clauses.push(format!(
            "c.review_status IN ({})",
            vec!["?"; f.review.len()].join(",")
        ));
        args.extend(f.review.iter().map(|r| Value::Text(r.as_str())));
    }
    for p in &patterns {
        clauses.push("c.review_checks LIKE ?".into());
        args.push(Value::Text(p));
    }
    if let Some(s) = &f.since {
        clauses.push("c.created_at >= ?".into());
        args.push(s.value());
    }
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    sql.push_str(" ORDER BY c.id DESC");
    // PostgreSQL takes the limit as a value, so that one statement is prepared for every
    // limit; SQLite's text stays as it was.
    let mut pg = sql.clone();
    if let Some(l) = &f.limit {
        sql.push_str(&format!(" LIMIT {l}"));
        pg.push_str(" LIMIT ?");
        if conn.is_pg() {
            args.push(l.value());
        }
    }
    conn.rows(Sql::each(&sql, &pg_placeholders(&pg)), &args, from_row)
}

/// Sets the review state. Returns the previous state.
pub fn review(
    conn: &Conn,
    id: i64,
    to: Review,
    reason: Option<&str>,
    now: Millis,
) -> Result<Review> {
    // On PostgreSQL the row is locked before it is read, so that the state returned is the
    // one this update replaced, not one another reviewer changed in between.
    let cur: String = conn
        .row(
            Sql::each(
                "SELECT review_status FROM contents WHERE id = ?1",
                "SELECT review_status FROM contents WHERE id = $1 FOR UPDATE",
            ),
            args![id],
            |r| r.get(0),
        )?
        .ok_or_else(|| Error::NotFound {
            kind: "content",
            id: id.to_string(),
        })?;
    let (record, mode): (Option<String>, Option<String>) = conn.one(
        Sql::same(
            "SELECT c.review_record, (SELECT t.review FROM tasks t WHERE t.id = c.task_id)
             FROM contents c WHERE c.id = ?1",
        ),
        args![id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let record = record
        .and_then(|t| serde_json::from_str::<ReviewRecord>(&t).ok())
        .map(|mut r| {
            r.decision = to;
            r.decider = Some(DECIDER_OPERATOR.into());
            r.at = Timestamp(now);
            r.note = reason.map(str::to_string);
            r
        })
        .unwrap_or_else(|| ReviewRecord {
            mode: mode.unwrap_or_else(|| "manual".into()),
            checks: Vec::new(),
            decision: to,
            decider: Some(DECIDER_OPERATOR.into()),
            at: Timestamp(now),
            regenerations: 0,
            note: reason.map(str::to_string),
            drafts: Vec::new(),
        });
    conn.exec(
        Sql::same(
            "UPDATE contents SET review_status = ?2, review_reason = ?3, reviewed_at = ?4, updated_at = ?4,
                    review_record = ?5, review_decider = ?6 WHERE id = ?1",
        ),
        args![
            id,
            to.as_str(),
            reason,
            now,
            record_text(&record),
            DECIDER_OPERATOR
        ],
    )?;
    Ok(Review::parse(&cur).unwrap_or(Review::Pending))
}

/// Replaces the review of content `id` with `record` (a re-run of the rules): its state,
/// the reason it is held (`None` clears it) and the record.
pub fn set_review(
    conn: &Conn,
    id: i64,
    record: &ReviewRecord,
    reason: Option<&str>,
    now: Millis,
) -> Result<()> {
    let reviewed_at = (record.decision != Review::Pending).then_some(now);
    conn.exec(
        Sql::same(
            "UPDATE contents SET review_status = ?2, review_reason = ?3, reviewed_at = ?4, updated_at = ?5,
                    review_record = ?6, review_checks = ?7, review_decider = ?8 WHERE id = ?1",
        ),
        args![
            id,
            record.decision.as_str(),
            reason,
            reviewed_at,
            now,
            record_text(record),
            failed_checks(record),
            record.decider.clone()
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tasks::tests::{account, new_task};
    use crate::store::testing::sqlite;
    use crate::store::{accounts, tasks, Store};

    fn new_content(task_id: TaskId, account_id: i64, review: Review) -> NewContent {
        NewContent {
            task_id,
            account_id,
            topic: "topic".into(),
            keywords: vec!["a".into(), "b".into()],
            title: "标题".into(),
            body: "# body".into(),
            html: Some("<h1>body</h1>".into()),
            summary: Some("summary".into()),
            cover_image: Some("https://example.com/c.png".into()),
            images: vec![Image {
                url: Some("https://example.com/1.png".into()),
                prompt: Some("a cat".into()),
                width: Some(640),
                ..Image::default()
            }],
            word_count: 1234,
            quality_score: Some(0.75),
            generator: "template".into(),
            model: Some("m1".into()),
            prompt_tokens: Some(100),
            completion_tokens: None,
            review_status: review,
            review_reason: None,
            review_record: None,
        }
    }

    fn ids(store: &mut Store, f: &Filter) -> Vec<i64> {
        store
            .read(|c| list(c, f))
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect()
    }

    /// Insert (once per task), get, find, list with filters, review, and removal with the
    /// account, the same on both engines.
    fn contents_of_tasks(store: &mut Store) {
        let blog = account(store, "blog");
        let news = account(store, "news");
        let task = |store: &mut Store, acct: &crate::domain::account::Account| {
            store
                .write(|c| tasks::insert(c, &new_task("t", 5, None), acct, 1))
                .unwrap()
        };
        let t1 = task(store, &blog);
        let t2 = task(store, &news);
        let t3 = task(store, &news);

        let first = store
            .write(|c| insert(c, &new_content(t1.id, blog.id, Review::Pending), 1_000))
            .unwrap()
            .expect("inserted");
        let again = store
            .write(|c| insert(c, &new_content(t1.id, blog.id, Review::Approved), 1_500))
            .unwrap();
        assert_eq!(again, None, "one content per task");
        let second = store
            .write(|c| insert(c, &new_content(t2.id, news.id, Review::Approved), 2_000))
            .unwrap()
            .expect("inserted");

        let c = store.read(|c| get(c, first)).unwrap();
        assert_eq!(c.task_id, Some(t1.id));
        assert_eq!((c.account.as_str(), c.account_id), ("blog", blog.id));
        assert_eq!(c.topic.as_deref(), Some("topic"));
        assert_eq!(c.keywords, ["a", "b"]);
        assert_eq!(c.title, "标题");
        assert_eq!(c.html.as_deref(), Some("<h1>body</h1>"));
        assert_eq!(c.images, new_content(t1.id, 0, Review::Pending).images);
        assert_eq!((c.word_count, c.quality_score), (1234, Some(0.75)));
        assert_eq!((c.prompt_tokens, c.completion_tokens), (Some(100), None));
        assert_eq!((c.review_status, c.reviewed_at), (Review::Pending, None));
        assert_eq!(
            (c.created_at, c.updated_at),
            (Timestamp(1_000), Timestamp(1_000))
        );
        let c2 = store.read(|c| get(c, second)).unwrap();
        assert_eq!(
            (c2.review_status, c2.reviewed_at),
            (Review::Approved, Some(Timestamp(2_000))),
            "reviewed when inserted approved"
        );
        assert!(matches!(
            store.read(|c| get(c, i64::MAX)),
            Err(Error::NotFound {
                kind: "content",
                ..
            })
        ));

        let conn = store.conn();
        assert_eq!(find(conn, &first.to_string()).unwrap().id, first);
        assert_eq!(find(conn, &t2.id.to_string()).unwrap().id, second);
        let prefix = &t2.id.to_string()[..15];
        assert_eq!(find(conn, prefix).unwrap().id, second, "a task id prefix");
        assert!(matches!(
            find(conn, &t3.id.to_string()),
            Err(Error::NotFound {
                kind: "content for task",
                ..
            })
        ));
        assert!(matches!(find(conn, "hello"), Err(Error::Invalid { .. })));

        assert_eq!(ids(store, &Filter::default()), [second, first]);
        let of_blog = Filter {
            account_id: Some(blog.id),
            ..Filter::default()
        };
        assert_eq!(ids(store, &of_blog), [first]);
        let approved = Filter {
            review: vec![Review::Approved],
            ..Filter::default()
        };
        assert_eq!(ids(store, &approved), [second]);
        let undecided = Filter {
            review: vec![Review::Pending, Review::Rejected],
            ..Filter::default()
        };
        assert_eq!(ids(store, &undecided), [first]);
        let recent = Filter {
            since: Some(1_500),
            ..Filter::default()
        };
        assert_eq!(ids(store, &recent), [second]);
        let newest = Filter {
            limit: Some(1),
            ..Filter::default()
        };
        assert_eq!(ids(store, &newest), [second]);

        let was = store
            .write(|c| review(c, first, Review::Approved, None, 3_000))
            .unwrap();
        assert_eq!(was, Review::Pending);
        let was = store
            .write(|c| review(c, first, Review::Rejected, Some("off topic"), 4_000))
            .unwrap();
        assert_eq!(was, Review::Approved);
        let c = store.read(|c| get(c, first)).unwrap();
        assert_eq!(c.review_status, Review::Rejected);
        assert_eq!(c.review_reason.as_deref(), Some("off topic"));
        assert_eq!(
            (c.reviewed_at, c.updated_at),
            (Some(Timestamp(4_000)), Timestamp(4_000))
        );
        assert!(matches!(
            store.write(|c| review(c, i64::MAX, Review::Approved, None, 5_000)),
            Err(Error::NotFound {
                kind: "content",
                ..
            })
        ));
        assert_eq!(ids(store, &approved), [second]);

        // Content outlives its task, and goes with its account.
        store
            .write(|c| {
                tasks::cancel(c, t2.seq, t2.id, 5_000)?;
                tasks::cleanup(c, i64::MAX, false)
            })
            .unwrap();
        assert_eq!(store.read(|c| get(c, second)).unwrap().task_id, Some(t2.id));
        store.write(|c| accounts::delete(c, blog.id)).unwrap();
        assert_eq!(ids(store, &Filter::default()), [second]);
    }

    #[test]
    fn sqlite_contents_of_tasks() {
        contents_of_tasks(&mut sqlite().1);
    }

    mod pg {
        use crate::store::testing::PgDb;

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn contents_of_tasks() {
            super::contents_of_tasks(&mut PgDb::new().store());
        }
    }
}
