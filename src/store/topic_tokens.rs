//! The `topic_tokens` table: the index that finds, for a submitted topic, the account's tasks
//! whose topics may be nearly identical to it, without reading the account's other tasks.
//!
//! - Each task's prefix tokens ([`Topic::prefix_tokens`]) are stored as rows
//!   `(account_id, token, seq)` by [`put`], which [`tasks::insert`](super::tasks::insert) calls
//!   for every task it inserts, in the same transaction. Two nearly identical topics always
//!   share a prefix token (an exact prefix filter), so a task that shares none with the new
//!   topic cannot be nearly identical to it.
//! - [`candidates`] reads, per token of the new topic, the account's tasks that hold it within
//!   a range of seqs (the submit-time window): an index range each. Tasks of stores older than
//!   this table get their tokens when the store is migrated (for the tasks that can still be
//!   candidates: unfinished, or created within the submit-time window).
//! - Rows go with their task ([`delete_tasks`], from `task cleanup`) and with their account
//!   ([`delete_account`]). `store copy` copies them as they are: they depend on the topic only.

use super::sql::{args, Sql};
use super::Conn;
use crate::error::Result;
use crate::review::similarity::Topic;

/// Stores the prefix tokens of `topic` for task `seq` of account `account_id`. A second call
/// for the same task changes nothing.
pub fn put(conn: &Conn, account_id: i64, seq: i64, topic: &str) -> Result<()> {
    let tokens = Topic::new(topic).prefix_tokens();
    conn.exec(
        Sql::each(
            "INSERT OR IGNORE INTO topic_tokens(account_id, token, seq)
             SELECT ?1, value, ?2 FROM json_each(?3)",
            "INSERT INTO topic_tokens(account_id, token, seq)
             SELECT $1, t, $2 FROM unnest($3::bigint[]) AS t ON CONFLICT DO NOTHING",
        ),
        args![account_id, seq, tokens],
    )?;
    Ok(())
}

/// The seqs of the account's tasks that hold any of `tokens` and are numbered from `from` to
/// `through`: those holding the most of the tokens first, the newest first among equals, at
/// most `keep` of them. Each token is read as one index range from its newest task down, at
/// most `per_token` rows, so a look-up reads at most `tokens × per_token` index entries
/// however many tasks share a token. A nearly identical topic holds most of the new topic's
/// prefix tokens (their prefixes are taken from nearly the same bigrams in one order), while a
/// topic that merely shares a common word holds one or two: ranking by the count keeps the
/// first within `keep` when a common token is held by thousands.
pub fn candidates(
    conn: &Conn,
    account_id: i64,
    tokens: &[i64],
    (from, through): (i64, i64),
    (per_token, keep): (usize, usize),
) -> Result<Vec<i64>> {
    let seqs: Vec<i64> = if conn.is_pg() {
        // One statement for all the tokens (a round trip each would add up: a bulk import
        // looks up every row), each still one index range.
        conn.rows(
            Sql::pg(
                "SELECT x.seq FROM unnest($2::bigint[]) AS tok(t)
                 CROSS JOIN LATERAL (
                     SELECT seq FROM topic_tokens
                     WHERE account_id = $1 AND token = tok.t AND seq >= $3 AND seq <= $4
                     ORDER BY seq DESC LIMIT $5
                 ) x",
            ),
            args![account_id, tokens.to_vec(), from, through, per_token as i64],
            |r| r.get::<i64>(0),
        )?
    } else {
        let mut seqs = Vec::new();
        for token in tokens {
            seqs.extend(conn.rows(
                Sql::same(
                    "SELECT seq FROM topic_tokens
                     WHERE account_id = ?1 AND token = ?2 AND seq >= ?3 AND seq <= ?4
                     ORDER BY seq DESC LIMIT ?5",
                ),
                args![account_id, *token, from, through, per_token as i64],
                |r| r.get::<i64>(0),
            )?);
        }
        seqs
    };
    // How many of the tokens each task holds.
    let mut held: std::collections::HashMap<i64, u32> = std::collections::HashMap::new();
    for seq in seqs {
        *held.entry(seq).or_default() += 1;
    }
    let mut ranked: Vec<(i64, u32)> = held.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    ranked.truncate(keep);
    Ok(ranked.into_iter().map(|(seq, _)| seq).collect())
}

/// Deletes the tokens of the given tasks, each as (account id, seq, topic): what `task
/// cleanup` removes.
pub fn delete_tasks(conn: &Conn, tasks: &[(i64, i64, String)]) -> Result<()> {
    for (account_id, seq, topic) in tasks {
        conn.exec(
            Sql::each(
                "DELETE FROM topic_tokens WHERE account_id = ?1 AND seq = ?2
                   AND token IN (SELECT value FROM json_each(?3))",
                "DELETE FROM topic_tokens WHERE account_id = $1 AND seq = $2
                   AND token = ANY($3::bigint[])",
            ),
            args![*account_id, *seq, Topic::new(topic).prefix_tokens()],
        )?;
    }
    Ok(())
}

/// Deletes every token of the account's tasks (with the account).
pub fn delete_account(conn: &Conn, account_id: i64) -> Result<()> {
    conn.exec(
        Sql::same("DELETE FROM topic_tokens WHERE account_id = ?1"),
        args![account_id],
    )?;
    Ok(())
}

/// Rows of the table (for tests and `store info`-like checks).
pub fn count(conn: &Conn) -> Result<i64> {
    conn.one(
        Sql::same("SELECT count(*) FROM topic_tokens"),
        args![],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{now_ms, Millis};
    use crate::domain::Status;
    use crate::store::tasks::tests::{account, new_task};
    use crate::store::tasks::{self, RecentTopic};
    use crate::store::testing::{sqlite, PgDb};
    use crate::store::Store;

    const DAY: Millis = 24 * 3600 * 1000;

    fn tokens(topic: &str) -> Vec<i64> {
        Topic::new(topic).prefix_tokens()
    }

    fn found(
        store: &mut Store,
        account_id: i64,
        topic: &str,
        since: Millis,
        through: i64,
        limit: usize,
    ) -> Vec<String> {
        store
            .read(|c| {
                tasks::topic_candidates(
                    c,
                    account_id,
                    &tokens(topic),
                    since,
                    through,
                    (limit, limit),
                )
            })
            .unwrap()
            .into_iter()
            .map(|t: RecentTopic| t.topic)
            .collect()
    }

    fn set(store: &mut Store, seq: i64, status: Status, created_at: Millis) {
        store
            .write(|c| {
                c.exec(
                    Sql::same(
                        "UPDATE tasks SET status = ?1, created_at = ?2, updated_at = ?2 WHERE seq = ?3",
                    ),
                    args![status.as_str(), created_at, seq],
                )
            })
            .unwrap();
    }

    /// `tasks::insert` writes the tokens; the look-up finds the account's tasks that share one,
    /// within the window, up to `through`, the newest `limit`; cleanup and account deletion
    /// remove them.
    fn index_and_look_up(store: &mut Store) {
        let a = account(store, "a");
        let b = account(store, "b");
        let now = now_ms();
        let insert = |store: &mut Store, account: &crate::domain::Account, topic: &str| {
            store
                .write(|c| tasks::insert(c, &new_task(topic, 5, None), account, now))
                .unwrap()
                .seq
                .0
        };
        let sleep = insert(store, &a, "如何提高睡眠质量");
        let english = insert(store, &a, "How to improve sleep quality");
        insert(store, &a, "第 5 篇");
        insert(store, &b, "如何提高睡眠质量");
        let expected: usize = [
            "如何提高睡眠质量",
            "How to improve sleep quality",
            "第 5 篇",
        ]
        .iter()
        .map(|t| tokens(t).len())
        .sum::<usize>()
            + tokens("如何提高睡眠质量").len();
        assert_eq!(store.read(count).unwrap(), expected as i64);
        let since = now - 7 * DAY;
        assert_eq!(
            found(store, a.id, "如何提高睡眠质量？", since, i64::MAX, 100),
            ["如何提高睡眠质量"]
        );
        assert_eq!(
            found(
                store,
                a.id,
                "how to improve your sleep quality",
                since,
                i64::MAX,
                100
            ),
            ["How to improve sleep quality"]
        );
        // Another number shares no token.
        assert!(found(store, a.id, "第 6 篇", since, i64::MAX, 100).is_empty());
        // Tasks numbered above `through` are left out.
        assert!(found(store, a.id, "如何提高睡眠质量", since, sleep - 1, 100).is_empty());
        // A completed task counts within the window only; an unfinished one always; a failed
        // one never.
        set(store, sleep, Status::Completed, now - 8 * DAY);
        assert!(found(store, a.id, "如何提高睡眠质量", since, i64::MAX, 100).is_empty());
        set(store, sleep, Status::Completed, now - DAY);
        assert_eq!(
            found(store, a.id, "如何提高睡眠质量", since, i64::MAX, 100).len(),
            1
        );
        set(store, sleep, Status::Pending, now - 30 * DAY);
        assert_eq!(
            found(store, a.id, "如何提高睡眠质量", since, i64::MAX, 100).len(),
            1
        );
        set(store, sleep, Status::Failed, now - DAY);
        assert!(found(store, a.id, "如何提高睡眠质量", since, i64::MAX, 100).is_empty());
        // The `keep` tasks that share the most tokens, the newest first among equals.
        let seqs: Vec<i64> = (0..5)
            .map(|i| {
                insert(
                    store,
                    &a,
                    &format!("How to improve sleep quality{}", "!".repeat(i)),
                )
            })
            .collect();
        let newest = store
            .read(|c| {
                candidates(
                    c,
                    a.id,
                    &tokens("How to improve sleep quality"),
                    (0, i64::MAX),
                    (2, 2),
                )
            })
            .unwrap();
        assert_eq!(newest, [seqs[4], seqs[3]]);
        assert_eq!(
            found(
                store,
                a.id,
                "How to improve sleep quality",
                since,
                i64::MAX,
                100
            )
            .len(),
            6
        );
        // Cleanup takes the tokens of the tasks it deletes.
        set(store, english, Status::Completed, now - 40 * DAY);
        let before = store.read(count).unwrap();
        let gone = store
            .write(|c| tasks::cleanup(c, now - 30 * DAY, false))
            .unwrap();
        assert_eq!(gone, 1);
        assert_eq!(
            store.read(count).unwrap(),
            before - tokens("How to improve sleep quality").len() as i64
        );
        // Deleting an account takes its tokens.
        store
            .write(|c| crate::store::accounts::delete(c, a.id))
            .unwrap();
        assert_eq!(
            store.read(count).unwrap(),
            tokens("如何提高睡眠质量").len() as i64
        );
        assert_eq!(
            found(store, b.id, "如何提高睡眠质量", since, i64::MAX, 100),
            ["如何提高睡眠质量"]
        );
    }

    /// A store migrated to the version that creates the table gets the tokens of its tasks that
    /// can still be compared: unfinished, or created within the window.
    fn migration_fills(store: &mut Store, reopen: &dyn Fn(&mut Store) -> Store) {
        let a = account(store, "a");
        let now = now_ms();
        let mut seqs = Vec::new();
        for (i, topic) in ["recent one", "old pending", "old completed", "old failed"]
            .iter()
            .enumerate()
        {
            let seq = store
                .write(|c| tasks::insert(c, &new_task(topic, 5, None), &a, now))
                .unwrap()
                .seq
                .0;
            seqs.push((i, seq));
        }
        set(store, seqs[1].1, Status::Pending, now - 30 * DAY);
        set(store, seqs[2].1, Status::Completed, now - 30 * DAY);
        set(store, seqs[3].1, Status::Failed, now - 30 * DAY);
        let mut store = reopen(store);
        let expected = tokens("recent one").len() + tokens("old pending").len();
        assert_eq!(store.read(count).unwrap(), expected as i64);
        assert_eq!(
            found(
                &mut store,
                a.id,
                "Old pending!",
                now - 7 * DAY,
                i64::MAX,
                100
            ),
            ["old pending"]
        );
    }

    #[test]
    fn sqlite_index_and_look_up() {
        let (_dir, mut store) = sqlite();
        index_and_look_up(&mut store);
    }

    #[test]
    fn sqlite_migration_fills() {
        let (dir, mut store) = sqlite();
        let path = dir.path().join("store.db");
        migration_fills(&mut store, &|store: &mut Store| {
            store
                .write(|c| {
                    c.batch(Sql::same(
                        "DROP TABLE topic_tokens; PRAGMA user_version = 14;",
                    ))
                })
                .unwrap();
            Store::open(&path).unwrap()
        });
    }

    mod pg {
        use super::*;

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn index_and_look_up() {
            let db = PgDb::new();
            super::index_and_look_up(&mut db.store());
        }

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn migration_fills() {
            let db = PgDb::new();
            super::migration_fills(&mut db.store(), &|store: &mut Store| {
                store
                    .write(|c| {
                        c.batch(Sql::pg(
                            "DROP TABLE topic_tokens; UPDATE contenthub_schema SET version = 14;",
                        ))
                    })
                    .unwrap();
                db.store()
            });
        }
    }
}
