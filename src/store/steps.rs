//! The `task_steps` table: each finished step of a stepped generation (outline, draft,
//! polish).
//!
//! A step is recorded under its task (`task_seq`) in the transaction that records it as done
//! (the engine composes it with the task's progress, under the worker's lease), so a task that
//! stops between steps finds what its finished steps wrote and resumes at the next one. When
//! the task completes, [`link`] hands its steps to the content in the completion's
//! transaction: from then on they belong to the content (and outlive `task cleanup` with it).

use super::sql::{args, Row, Sql};
use super::tasks::Seq;
use super::Conn;
use crate::domain::step::{Step, StepRecord};
use crate::domain::time::Timestamp;
use crate::error::{Error, Result};

const COLUMNS: &str = "step, attempt, profile, model, prompt_tokens, completion_tokens,
    started_at, finished_at, body";

fn from_row(r: &Row<'_>) -> Result<StepRecord> {
    let step: String = r.get(0)?;
    Ok(StepRecord {
        step: Step::parse(&step).ok_or_else(|| {
            Error::Store(format!("unknown generation step '{step}' in the store"))
        })?,
        attempt: r.get(1)?,
        profile: r.get(2)?,
        model: r.get(3)?,
        prompt_tokens: r.get(4)?,
        completion_tokens: r.get(5)?,
        started_at: Timestamp(r.get(6)?),
        finished_at: Timestamp(r.get(7)?),
        text: r.get(8)?,
    })
}

/// Records a finished step of task `seq`. Returns false when the task already has this step
/// (a step is recorded once per task).
pub fn insert(conn: &Conn, seq: Seq, s: &StepRecord) -> Result<bool> {
    let n = conn.exec(
        Sql::same(
            "INSERT INTO task_steps(task_seq, step, attempt, profile, model, prompt_tokens,
                 completion_tokens, started_at, finished_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (task_seq, step) DO NOTHING",
        ),
        args![
            seq.0,
            s.step.as_str(),
            s.attempt,
            s.profile,
            s.model,
            s.prompt_tokens,
            s.completion_tokens,
            s.started_at.0,
            s.finished_at.0,
            s.text,
        ],
    )?;
    Ok(n == 1)
}

/// The finished steps of task `seq` that have not gone to a content yet, in step order.
pub fn of_task(conn: &Conn, seq: Seq) -> Result<Vec<StepRecord>> {
    let mut steps = conn.rows(
        Sql::same(&format!(
            "SELECT {COLUMNS} FROM task_steps WHERE task_seq = ?1 ORDER BY id"
        )),
        args![seq.0],
        from_row,
    )?;
    steps.sort_by_key(|s| s.step);
    Ok(steps)
}

/// The steps the content `content_id` was written in, in step order.
pub fn of_content(conn: &Conn, content_id: i64) -> Result<Vec<StepRecord>> {
    let mut steps = conn.rows(
        Sql::same(&format!(
            "SELECT {COLUMNS} FROM task_steps WHERE content_id = ?1 ORDER BY id"
        )),
        args![content_id],
        from_row,
    )?;
    steps.sort_by_key(|s| s.step);
    Ok(steps)
}

/// Hands the steps of task `seq` to the content it completed with, in the completion's
/// transaction.
pub fn link(conn: &Conn, seq: Seq, content_id: i64) -> Result<usize> {
    conn.exec(
        Sql::same("UPDATE task_steps SET content_id = ?2, task_seq = NULL WHERE task_seq = ?1"),
        args![seq.0, content_id],
    )
}

/// Forgets the steps of task `seq` that no content has taken, so its next attempt starts
/// from the first step (for a regeneration that must write a new article).
pub fn discard(conn: &Conn, seq: Seq) -> Result<usize> {
    conn.exec(
        Sql::same("DELETE FROM task_steps WHERE task_seq = ?1"),
        args![seq.0],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::Millis;
    use crate::domain::Review;
    use crate::store::contents::{self, NewContent};
    use crate::store::tasks::tests::{account, new_task};
    use crate::store::testing::sqlite;
    use crate::store::{tasks, Store};

    fn record(step: Step, text: &str, at: Millis) -> StepRecord {
        StepRecord {
            step,
            attempt: 1,
            profile: "gpt".into(),
            model: Some("m".into()),
            prompt_tokens: Some(10),
            completion_tokens: Some(20),
            started_at: Timestamp(at - 5),
            finished_at: Timestamp(at),
            text: text.into(),
        }
    }

    /// Steps are recorded once per task, read in step order, linked to the content at
    /// completion (and then no longer the task's), and go with the content or the task.
    fn steps_of_tasks_and_contents(store: &mut Store) {
        let blog = account(store, "blog");
        let t = store
            .write(|c| tasks::insert(c, &new_task("t", 5, None), &blog, 1))
            .unwrap();
        let seq = t.seq;
        assert!(store
            .write(|c| insert(c, seq, &record(Step::Draft, "draft", 200)))
            .unwrap());
        assert!(store
            .write(|c| insert(c, seq, &record(Step::Outline, "outline", 100)))
            .unwrap());
        assert!(
            !store
                .write(|c| insert(c, seq, &record(Step::Outline, "again", 300)))
                .unwrap(),
            "a step is recorded once"
        );
        let got = store.read(|c| of_task(c, seq)).unwrap();
        assert_eq!(
            got,
            [
                record(Step::Outline, "outline", 100),
                record(Step::Draft, "draft", 200)
            ]
        );

        let content = NewContent {
            task_id: t.id,
            account_id: blog.id,
            topic: "t".into(),
            keywords: vec![],
            title: "T".into(),
            body: "# T".into(),
            html: None,
            summary: None,
            cover_image: None,
            images: vec![],
            word_count: 1,
            quality_score: None,
            generator: "gpt".into(),
            model: None,
            prompt_tokens: None,
            completion_tokens: None,
            review_status: Review::Approved,
            review_reason: None,
            review_record: None,
        };
        let cid = store
            .write(|c| {
                let id = contents::insert(c, &content, 400)?.expect("inserted");
                insert(c, seq, &record(Step::Polish, "polish", 300))?;
                assert_eq!(link(c, seq, id)?, 3);
                Ok(id)
            })
            .unwrap();
        assert!(store.read(|c| of_task(c, seq)).unwrap().is_empty());
        let linked = store.read(|c| of_content(c, cid)).unwrap();
        let order: Vec<Step> = linked.iter().map(|s| s.step).collect();
        assert_eq!(order, [Step::Outline, Step::Draft, Step::Polish]);

        // The linked steps outlive the task, and go with the content's account.
        store
            .write(|c| {
                tasks::cleanup(c, i64::MAX, false)?;
                Ok(())
            })
            .unwrap();
        assert_eq!(store.read(|c| of_content(c, cid)).unwrap().len(), 3);

        // Steps of a task without content go with the task.
        let t2 = store
            .write(|c| tasks::insert(c, &new_task("t2", 5, None), &blog, 1))
            .unwrap();
        store
            .write(|c| insert(c, t2.seq, &record(Step::Outline, "o", 1)))
            .unwrap();
        assert_eq!(store.write(|c| discard(c, t2.seq)).unwrap(), 1);
        store
            .write(|c| insert(c, t2.seq, &record(Step::Outline, "o", 1)))
            .unwrap();
        store
            .write(|c| crate::store::accounts::delete(c, blog.id))
            .unwrap();
        assert!(store.read(|c| of_content(c, cid)).unwrap().is_empty());
        assert!(store.read(|c| of_task(c, t2.seq)).unwrap().is_empty());
    }

    /// A task moved to its fallback profile starts over there: its steps are discarded.
    fn a_move_to_another_profile_discards_the_steps(store: &mut Store) {
        let blog = account(store, "blog");
        let t = store
            .write(|c| tasks::insert(c, &new_task("t", 5, None), &blog, 1))
            .unwrap();
        store
            .write(|c| insert(c, t.seq, &record(Step::Outline, "outline", 100)))
            .unwrap();
        let moved = store
            .write(|c| {
                crate::store::queue::move_pending(
                    c,
                    t.seq,
                    "unavailable",
                    "model not found",
                    "default",
                    "qwen",
                    "default",
                    200,
                )
            })
            .unwrap();
        assert!(moved);
        assert!(store.read(|c| of_task(c, t.seq)).unwrap().is_empty());
    }

    #[test]
    fn sqlite_steps_of_tasks_and_contents() {
        steps_of_tasks_and_contents(&mut sqlite().1);
    }

    #[test]
    fn sqlite_a_move_to_another_profile_discards_the_steps() {
        a_move_to_another_profile_discards_the_steps(&mut sqlite().1);
    }

    mod pg {
        use crate::store::testing::PgDb;

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn steps_of_tasks_and_contents() {
            super::steps_of_tasks_and_contents(&mut PgDb::new().store());
        }

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn a_move_to_another_profile_discards_the_steps() {
            super::a_move_to_another_profile_discards_the_steps(&mut PgDb::new().store());
        }
    }
}
