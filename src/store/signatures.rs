//! The near-duplicate signatures: each content row's similarity signature ([`Signature`],
//! 520 bytes) in `content_signatures`, and its LSH band keys, which find the candidates of a
//! look-up without reading the account's whole history.
//!
//! - [`put`] stores a signature and its 64 band keys. [`contents::insert`](super::contents::insert)
//!   stores them with every content row it inserts, in the same transaction, so a row and its
//!   signature are committed together.
//! - The band keys: on SQLite rows of `signature_bands`, indexed by (account, key,
//!   created_at); on PostgreSQL one array per article beside its signature
//!   ([`account_keys`]), under a GIN index.
//! - [`most_similar`] finds the account's articles that share at least [`MIN_SHARED_BANDS`]
//!   band keys with the new one within the window (SQLite: one index range per key, from the
//!   window's start; PostgreSQL: the GIN index over the account's articles, then the window),
//!   and scores them with [`Signature::similarity`]. Above the threshold it finds what
//!   [`review::similarity::Index`](crate::review::similarity::Index) finds over the same
//!   signatures (which scores every candidate sharing one band).
//! - [`backfill`] signs the content rows stored before signatures existed (or copied by
//!   `store copy`, which leaves these derived tables out), and on PostgreSQL gives band keys
//!   to signatures stored without them: the daemon runs it at start and `store check`
//!   reports how many are missing. A row without a signature is not a candidate.
//!
//! Content rows are removed only with their account, and so are these ([`delete_account`]).

use super::sql::{args, Sql};
use super::Conn;
use crate::domain::time::Millis;
use crate::error::{Error, Result};
use crate::review::similarity::Signature;

/// A stored article is scored only when it shares at least this many LSH bands with the new
/// one. An article at the default `max_similarity` (an overlap of 0.55, a Jaccard index of
/// about 0.38) shares 9 of the 64 bands on average, and fewer than 2 with a probability of
/// about 0.0005 (binomial, 64 bands each shared with probability 0.38² = 0.14); the hardest
/// duplicates of the labelled set (synonym swaps, Jaccard ≥ 0.42) with about 0.00006. Most
/// unrelated candidates share one band by chance: leaving them out spares reading and scoring
/// their signatures, which is most of a look-up's time on a large account.
pub const MIN_SHARED_BANDS: i64 = 2;

/// The band keys of `sig`, sorted and without repeats (two bands may hash to one key).
fn keys(sig: &Signature) -> Vec<i64> {
    let mut keys: Vec<i64> = sig.band_keys().iter().map(|&k| i64::from(k)).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The band keys of `sig` as PostgreSQL stores them, in one array per article: each key with
/// the account in its upper half, so the array index finds one account's articles only.
/// Empty for an article without shingles.
pub(super) fn account_keys(account_id: i64, sig: &Signature) -> Vec<i64> {
    if sig.shingle_count() == 0 {
        return Vec::new();
    }
    keys(sig)
        .into_iter()
        .map(|k| (account_id << 32) | k)
        .collect()
}

/// Stores the signature of content `content_id` of account `account_id`, created `at`. A
/// second call for the same content changes nothing. An empty article (no shingles) is
/// stored without band keys: it is similar to nothing.
///
/// On SQLite the band keys are rows of `signature_bands`, one per key, in an index by
/// (account, key, time). On PostgreSQL they are an array beside the signature under a GIN
/// index ([`account_keys`]): one row per article instead of 65, whose index entries go to
/// the GIN's pending list, so storing a result costs a tenth of the 64 B-tree insertions.
pub fn put(
    conn: &Conn,
    content_id: i64,
    account_id: i64,
    sig: &Signature,
    at: Millis,
) -> Result<()> {
    if conn.is_pg() {
        conn.exec(
            Sql::pg(
                "INSERT INTO content_signatures(content_id, account_id, created_at, signature,
                                                band_keys)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT(content_id) DO NOTHING",
            ),
            args![
                content_id,
                account_id,
                at,
                sig.to_bytes(),
                account_keys(account_id, sig)
            ],
        )?;
        return Ok(());
    }
    let added = conn.exec(
        Sql::same(
            "INSERT INTO content_signatures(content_id, account_id, created_at, signature)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT(content_id) DO NOTHING",
        ),
        args![content_id, account_id, at, sig.to_bytes()],
    )?;
    if added == 0 || sig.shingle_count() == 0 {
        return Ok(());
    }
    conn.exec(
        Sql::same(
            "INSERT OR IGNORE INTO signature_bands(account_id, band_key, created_at, content_id)
             SELECT ?1, value, ?2, ?3 FROM json_each(?4)",
        ),
        args![account_id, at, content_id, keys(sig)],
    )?;
    Ok(())
}

/// The stored article of account `account_id`, created at or after `since`, most similar to
/// `sig`, as (content id, score 0–1), whatever its score; `None` when no article shares
/// [`MIN_SHARED_BANDS`] LSH bands with it (see [`crate::review::similarity::ROWS`]: in
/// practice a score below about 0.4). On equal scores the newest content wins.
pub fn most_similar(
    conn: &Conn,
    account_id: i64,
    sig: &Signature,
    since: Millis,
    until: Millis,
    exclude: Option<i64>,
) -> Result<Option<(i64, f64)>> {
    if sig.shingle_count() == 0 {
        return Ok(None);
    }
    let mut best: Option<(i64, f64)> = None;
    let mut bad = None;
    let (sql, keys) = if conn.is_pg() {
        (
            Sql::pg(
                "SELECT content_id, signature FROM content_signatures
                 WHERE band_keys && $2 AND account_id = $1 AND created_at >= $3
                   AND created_at < $5
                   AND (SELECT count(*) FROM unnest(band_keys) AS k WHERE k = ANY($2)) >= $4",
            ),
            account_keys(account_id, sig),
        )
    } else {
        (
            Sql::same(
                "SELECT s.content_id, s.signature FROM content_signatures s
                 JOIN (SELECT b.content_id FROM signature_bands b
                       WHERE b.account_id = ?1 AND b.band_key IN (SELECT value FROM json_each(?2))
                         AND b.created_at >= ?3 AND b.created_at < ?5
                       GROUP BY b.content_id HAVING count(*) >= ?4) c
                   ON c.content_id = s.content_id",
            ),
            keys(sig),
        )
    };
    conn.each(
        sql,
        args![account_id, keys, since, MIN_SHARED_BANDS, until],
        |r| {
            let id: i64 = r.get(0)?;
            if Some(id) == exclude {
                return Ok(());
            }
            let bytes: Vec<u8> = r.get(1)?;
            match Signature::from_bytes(&bytes) {
                Ok(other) => {
                    let score = sig.similarity(&other);
                    if best.is_none_or(|(b, s)| score > s || (score == s && id > b)) {
                        best = Some((id, score));
                    }
                }
                Err(e) => bad = Some((id, e)),
            }
            Ok(())
        },
    )?;
    if let Some((id, e)) = bad {
        return Err(Error::Store(format!(
            "the similarity signature of content {id} is damaged: {e}"
        )));
    }
    Ok(best)
}

/// Holds, until the transaction ends, the right to compare and store the articles of
/// `account_id` (PostgreSQL; on SQLite the write transaction already excludes every other
/// writer), so that two near-copies finishing at once on two daemons do not each miss the
/// other.
pub fn lock_account(conn: &Conn, account_id: i64) -> Result<()> {
    if conn.is_pg() {
        conn.exec(
            Sql::pg(
                "SELECT pg_advisory_xact_lock(hashtext('contenthub:signatures:' || $1::bigint::text))",
            ),
            args![account_id],
        )?;
    }
    Ok(())
}

/// How many content rows have no signature yet.
pub fn missing(conn: &Conn) -> Result<i64> {
    conn.one(
        Sql::same(
            "SELECT count(*) FROM contents c
             WHERE NOT EXISTS (SELECT 1 FROM content_signatures s WHERE s.content_id = c.id)",
        ),
        args![],
        |r| r.get(0),
    )
}

/// Signs up to `limit` content rows that have no signature yet, oldest first, and stores
/// their signatures. Returns how many it signed: fewer than `limit` when none are left. Run
/// it in a loop of write transactions, so that a store with many old rows is not locked for
/// the whole of it.
pub fn backfill(conn: &Conn, limit: u32) -> Result<u32> {
    let rows: Vec<(i64, i64, i64, String)> = conn.rows(
        Sql::same(
            "SELECT c.id, c.account_id, c.created_at, c.body FROM contents c
             WHERE NOT EXISTS (SELECT 1 FROM content_signatures s WHERE s.content_id = c.id)
             ORDER BY c.id LIMIT ?1",
        ),
        args![limit],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    for (id, account_id, at, body) in &rows {
        put(conn, *id, *account_id, &Signature::of(body), *at)?;
    }
    let keyed = if conn.is_pg() && rows.len() < limit as usize {
        fill_band_keys(conn, limit - rows.len() as u32)?
    } else {
        0
    };
    Ok(rows.len() as u32 + keyed)
}

/// PostgreSQL: gives up to `limit` signatures stored without their band keys (by a daemon of
/// a version before the schema's 14, while the store was upgraded) their keys, from the
/// signature itself. An article without shingles has none, and is left out.
fn fill_band_keys(conn: &Conn, limit: u32) -> Result<u32> {
    let rows: Vec<(i64, i64, Vec<u8>)> = conn.rows(
        Sql::pg(
            r"SELECT content_id, account_id, signature FROM content_signatures
              WHERE band_keys = '{}' AND substring(signature FROM 5 FOR 4) <> '\x00000000'::bytea
              ORDER BY content_id LIMIT $1",
        ),
        args![limit],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    for (id, account_id, bytes) in &rows {
        let sig = Signature::from_bytes(bytes).map_err(|e| {
            Error::Store(format!(
                "the similarity signature of content {id} is damaged: {e}"
            ))
        })?;
        conn.exec(
            Sql::pg("UPDATE content_signatures SET band_keys = $2 WHERE content_id = $1"),
            args![*id, account_keys(*account_id, &sig)],
        )?;
    }
    Ok(rows.len() as u32)
}

/// The tables of the signatures on this engine, the band keys' first.
pub(super) fn tables(conn: &Conn) -> &'static [&'static str] {
    if conn.is_pg() {
        &["content_signatures"]
    } else {
        &["signature_bands", "content_signatures"]
    }
}

/// Removes the signatures and band keys of an account's articles.
pub fn delete_account(conn: &Conn, account_id: i64) -> Result<()> {
    for table in tables(conn) {
        conn.exec(
            Sql::same(&format!("DELETE FROM {table} WHERE account_id = ?1")),
            args![account_id],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{account, sqlite, PgDb};
    use crate::store::Store;

    const DAY: Millis = 24 * 3600 * 1000;

    fn article(topic: &str, n: usize) -> String {
        let mut out = format!("# {topic}\n\n## One\n\n");
        for i in 0..n {
            out += &format!(
                "Sentence {i} about {topic} explains why the {i}th reason matters to readers. "
            );
        }
        out
    }

    /// Puts, finds within the window only, per account, and keeps the best of several.
    fn put_and_find(store: &mut Store) {
        let (a, b) = store
            .write(|c| Ok((account(c, "a")?, account(c, "b")?)))
            .unwrap();
        let garden = Signature::of(&article("gardening", 40));
        let chess = Signature::of(&article("chess openings", 40));
        let now = 100 * DAY;
        store
            .write(|c| {
                put(c, 1, a, &garden, now - 10 * DAY)?;
                put(c, 2, a, &chess, now - DAY)?;
                // A second put of the same content changes nothing.
                put(c, 2, a, &garden, now)?;
                put(c, 3, b, &garden, now)
            })
            .unwrap();
        let copy = Signature::of(&article("gardening", 35));
        let found = store
            .read(|c| most_similar(c, a, &copy, now - 30 * DAY, i64::MAX, None))
            .unwrap()
            .expect("the earlier article");
        assert_eq!(found.0, 1);
        assert!(found.1 > 0.9, "a truncated copy scores {}", found.1);
        // Outside the window: not a candidate.
        let late = store
            .read(|c| most_similar(c, a, &copy, now - 5 * DAY, i64::MAX, None))
            .unwrap();
        assert_ne!(late.map(|f| f.0), Some(1));
        // Only what was stored before `until`, and never the excluded row.
        let before = store
            .read(|c| most_similar(c, a, &copy, now - 30 * DAY, now - 10 * DAY, None))
            .unwrap();
        assert_eq!(before, None, "stored at `until`: not before it");
        let excluded = store
            .read(|c| most_similar(c, a, &copy, now - 30 * DAY, i64::MAX, Some(1)))
            .unwrap();
        assert_ne!(excluded.map(|f| f.0), Some(1));
        // Another account's copy is not this account's.
        let other = store
            .read(|c| most_similar(c, b, &copy, 0, i64::MAX, None))
            .unwrap()
            .expect("account b's article");
        assert_eq!(other.0, 3);
        // Unrelated text finds nothing above the threshold.
        let unrelated = Signature::of(
            "# Harbours\n\n## Boats\n\nFishing crews leave the harbour before dawn, check \
             their nets twice and sell the morning catch on the quay to restaurants that open \
             at noon. Winter storms keep the smaller boats tied up for weeks at a time.",
        );
        let hit = store
            .read(|c| most_similar(c, a, &unrelated, 0, i64::MAX, None))
            .unwrap();
        assert!(hit.is_none_or(|(_, s)| s < 0.2), "{hit:?}");
        // The stored bytes read back as the same signature.
        let chess_hit = store
            .read(|c| most_similar(c, a, &chess, 0, i64::MAX, None))
            .unwrap();
        assert_eq!(chess_hit, Some((2, 1.0)));
        // Account removal takes its bands.
        store.write(|c| delete_account(c, b)).unwrap();
        assert_eq!(
            store
                .read(|c| most_similar(c, b, &copy, 0, i64::MAX, None))
                .unwrap(),
            None
        );
    }

    /// Content inserted through `contents::insert` gets its signature; rows without one are
    /// signed by `backfill`.
    fn insert_signs_and_backfill_fills_in(store: &mut Store) {
        use crate::domain::{Review, TaskId};
        use crate::store::contents::{self, NewContent};
        let a = store.write(|c| account(c, "a")).unwrap();
        let body = article("tea ceremonies", 30);
        let new = |task: i64| NewContent {
            task_id: TaskId(task),
            account_id: a,
            topic: "tea".into(),
            keywords: vec![],
            title: "Tea".into(),
            body: body.clone(),
            html: None,
            summary: None,
            cover_image: None,
            images: vec![],
            word_count: 300,
            quality_score: None,
            generator: "template".into(),
            model: None,
            prompt_tokens: None,
            completion_tokens: None,
            review_status: Review::Approved,
            review_reason: None,
            review_record: None,
        };
        let first = store
            .write(|c| contents::insert(c, &new(1), 5 * DAY))
            .unwrap()
            .unwrap();
        let sig = Signature::of(&body);
        // The most similar signature of account `a` stored from `since` on.
        let similar = |store: &mut Store, since: i64| {
            store
                .read(|c| most_similar(c, a, &sig, since, i64::MAX, None))
                .unwrap()
        };
        assert_eq!(similar(store, 0), Some((first, 1.0)));
        // A row from before signatures existed.
        let second = store
            .write(|c| {
                let id = contents::insert(c, &new(2), 6 * DAY)?.unwrap();
                for table in tables(c) {
                    c.exec(
                        Sql::same(&format!("DELETE FROM {table} WHERE content_id = ?1")),
                        args![id],
                    )?;
                }
                Ok(id)
            })
            .unwrap();
        assert_eq!(store.read(missing).unwrap(), 1);
        assert_eq!(similar(store, 0), Some((first, 1.0)));
        assert_eq!(store.write(|c| backfill(c, 10)).unwrap(), 1);
        assert_eq!(store.write(|c| backfill(c, 10)).unwrap(), 0);
        assert_eq!(store.read(missing).unwrap(), 0);
        assert_eq!(
            similar(store, 0),
            Some((second, 1.0)),
            "equal scores: the newest"
        );
        // The backfilled signature keeps the content's own time.
        assert_eq!(similar(store, 6 * DAY), Some((second, 1.0)));
        assert_eq!(similar(store, 7 * DAY), None);
        if store.conn().is_pg() {
            // A signature stored without its band keys (by a daemon of the version before,
            // during an upgrade) is not a candidate until the backfill gives it its keys.
            store
                .write(|c| {
                    c.exec(
                        Sql::pg(
                            "UPDATE content_signatures SET band_keys = '{}' WHERE content_id = $1",
                        ),
                        args![second],
                    )
                })
                .unwrap();
            assert_eq!(similar(store, 0), Some((first, 1.0)));
            assert_eq!(store.write(|c| backfill(c, 10)).unwrap(), 1);
            assert_eq!(store.write(|c| backfill(c, 10)).unwrap(), 0);
            assert_eq!(similar(store, 0), Some((second, 1.0)));
        }
    }

    #[test]
    fn sqlite_put_and_find() {
        let (_dir, mut store) = sqlite();
        put_and_find(&mut store);
    }

    #[test]
    fn sqlite_insert_signs_and_backfill_fills_in() {
        let (_dir, mut store) = sqlite();
        insert_signs_and_backfill_fills_in(&mut store);
    }

    mod pg {
        use super::*;

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn put_and_find() {
            let db = PgDb::new();
            super::put_and_find(&mut db.store());
        }

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn insert_signs_and_backfill_fills_in() {
            let db = PgDb::new();
            super::insert_signs_and_backfill_fills_in(&mut db.store());
        }
    }
}
