//! `store copy`: every durable row of one store written into another, on either engine
//! (SQLite → PostgreSQL to grow out of one machine, PostgreSQL → SQLite to come back, and
//! either to its own kind).
//!
//! Rows keep their ids (task seqs and public ids, account, content, plan, event and delivery
//! ids), so every reference between them stays valid. The source is read in one snapshot and
//! streamed table by table ([`Conn::each`]); the target is written in one transaction, a few
//! hundred rows per statement, so a copy holds one batch in memory whatever the store's size,
//! and a copy that fails leaves the target as it was.
//!
//! What is copied is [`COPIED`], column by column under the same names: the two schemas have
//! the same tables and columns by design. Before anything is written, the column lists are
//! compared with both stores' catalogs, so a column added to one schema and not to the copy
//! (or to the other schema) refuses to copy instead of losing data. [`NOT_COPIED`] lists the
//! tables left out, and why.

use super::sql::{args, Owned, Sql, Value};
use super::{maintenance, Conn, Location, Store};
use crate::error::{Error, Result};

/// A table the copy writes: its columns, in the order they are read and written, and its
/// identity column (PostgreSQL advances it past the copied ids afterwards).
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    /// The primary key, in the order rows are read.
    order: &'static str,
    identity: Option<&'static str>,
}

/// The tables copied, parents before the tables that refer to them.
pub const COPIED: &[Table] = &[
    Table {
        name: "accounts",
        columns: &[
            "id",
            "name",
            "display_name",
            "platform",
            "language",
            "tone",
            "category",
            "persona",
            "min_words",
            "max_words",
            "forbidden_words",
            "auto_approve",
            "created_at",
            "updated_at",
            "review",
            "review_rules",
        ],
        order: "id",
        identity: Some("id"),
    },
    Table {
        name: "tasks",
        columns: &[
            "seq",
            "id",
            "account_id",
            "topic",
            "keywords",
            "category",
            "requirements",
            "tone",
            "priority",
            "auto_approve",
            "max_retries",
            "retry_count",
            "timeout_s",
            "deadline_at",
            "callback_url",
            "generator",
            "idempotency_key",
            "plan_id",
            "plan_run_id",
            "status",
            "remote_job_id",
            "progress",
            "current_step",
            "lease_owner",
            "lease_expires_at",
            "next_attempt_at",
            "error_kind",
            "error_message",
            "content_id",
            "created_at",
            "submitted_at",
            "started_at",
            "completed_at",
            "updated_at",
            "remote_attempts",
            "remote_submit_key",
            "lease_epoch",
            "original_generator",
            "rate_profile",
            "rate_tokens",
            "review",
            "regenerations",
            "review_feedback",
            "review_drafts",
        ],
        order: "seq",
        identity: Some("seq"),
    },
    Table {
        name: "topic_tokens",
        columns: &["account_id", "token", "seq"],
        order: "account_id, token, seq",
        identity: None,
    },
    Table {
        name: "task_events",
        columns: &[
            "id",
            "task_seq",
            "at",
            "from_status",
            "to_status",
            "message",
            "actor",
        ],
        order: "id",
        identity: Some("id"),
    },
    Table {
        name: "contents",
        columns: &[
            "id",
            "task_id",
            "account_id",
            "title",
            "body",
            "html",
            "summary",
            "cover_image",
            "images",
            "word_count",
            "quality_score",
            "generator",
            "model",
            "prompt_tokens",
            "completion_tokens",
            "review_status",
            "review_reason",
            "reviewed_at",
            "created_at",
            "updated_at",
            "topic",
            "keywords",
            "review_record",
            "review_checks",
            "review_decider",
        ],
        order: "id",
        identity: Some("id"),
    },
    Table {
        name: "task_steps",
        columns: &[
            "id",
            "task_seq",
            "content_id",
            "step",
            "attempt",
            "profile",
            "model",
            "prompt_tokens",
            "completion_tokens",
            "started_at",
            "finished_at",
            "body",
        ],
        order: "id",
        identity: Some("id"),
    },
    Table {
        name: "plans",
        columns: &[
            "id",
            "name",
            "cron",
            "tz",
            "accounts",
            "count",
            "topics",
            "topics_file",
            "topic_cursor",
            "category",
            "keywords",
            "priority",
            "auto_approve",
            "catch_up",
            "enabled",
            "last_slot_at",
            "created_at",
            "updated_at",
            "skip_similar",
        ],
        order: "id",
        identity: Some("id"),
    },
    Table {
        name: "plan_runs",
        columns: &[
            "id",
            "plan_id",
            "scheduled_for",
            "fired_at",
            "manual",
            "tasks",
            "status",
            "message",
        ],
        order: "id",
        identity: Some("id"),
    },
    Table {
        name: "deliveries",
        columns: &[
            "id",
            "event",
            "task_id",
            "url",
            "body",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "sent_at",
            "updated_at",
        ],
        order: "id",
        identity: Some("id"),
    },
    Table {
        name: "counters",
        columns: &["name", "labels", "value"],
        order: "name, labels",
        identity: None,
    },
    Table {
        name: "meta",
        columns: &["key", "value"],
        order: "key",
        identity: None,
    },
    Table {
        name: "alerts",
        columns: &[
            "name",
            "state",
            "value",
            "since",
            "notified_at",
            "evaluated_at",
        ],
        order: "name",
        identity: None,
    },
    Table {
        name: "budget_periods",
        columns: &[
            "budget",
            "period",
            "starts_at",
            "ends_at",
            "spent_cost",
            "spent_tokens",
            "reserved_cost",
            "reserved_tokens",
            "requests",
            "refusals",
            "refused_at",
            "reason",
            "scope_account",
            "scope_profile",
        ],
        order: "budget, period",
        identity: None,
    },
    Table {
        name: "budget_reservations",
        columns: &[
            "task_seq",
            "budget",
            "period",
            "cost",
            "tokens",
            "prompt_rate",
            "completion_rate",
            "reserved_at",
        ],
        order: "task_seq, budget",
        identity: None,
    },
    Table {
        name: "batches",
        columns: &[
            "input_file_id",
            "profile",
            "batch_id",
            "state",
            "custom_ids",
            "created_at",
            "updated_at",
        ],
        order: "input_file_id",
        identity: None,
    },
];

/// The store's tables that are not copied, and why.
pub const NOT_COPIED: &[(&str, &str)] = &[
    (
        "task_counts",
        "kept by the target's own triggers as the tasks are inserted",
    ),
    (
        "daemons",
        "heartbeats of the daemons that ran on the source",
    ),
    (
        "task_children",
        "programs that daemons ran on the source's host",
    ),
    (
        "webhook_receipts",
        "signatures of recent callbacks, kept for the replay window only",
    ),
    (
        "rate_buckets",
        "the source's use of its providers' rate limits; the target's buckets start full",
    ),
    (
        "content_signatures",
        "computed from the copied contents: the target's daemon signs them at start",
    ),
    (
        "signature_bands",
        "the band keys of those signatures, written with them (SQLite; PostgreSQL keeps them \
         beside the signature)",
    ),
];

/// Tables a `--force` copy empties on the target besides [`COPIED`]: rows that would refer to
/// tasks that are gone, or callbacks of another store. Children before parents. The
/// signatures of the contents it removes go too (their daemon signs the copied ones).
const CLEARED_TOO: &[&str] = &["task_children", "webhook_receipts"];

/// At most this many values are bound to one statement (SQLite allows 32766, PostgreSQL
/// 65535), and at most [`MAX_ROWS`] rows go in one.
const MAX_VALUES: usize = 30_000;
const MAX_ROWS: usize = 1_000;

/// Rows of one table in the source and the target.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct TableCount {
    pub table: String,
    pub source: i64,
    pub target: i64,
}

/// Where a copy is, for a progress bar: rows copied so far of all `total`.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub table: &'a str,
    pub done: u64,
    pub total: u64,
}

/// The tables of a store's schema (not SQLite's own, nor the schema version's).
fn catalog_tables(conn: &Conn) -> Result<Vec<String>> {
    conn.rows(
        Sql::each(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
               AND c.relname <> 'contenthub_schema'
             ORDER BY c.relname",
        ),
        args![],
        |r| r.get(0),
    )
}

/// The columns of `table` in a store's catalog.
pub fn catalog_columns(conn: &Conn, table: &str) -> Result<Vec<String>> {
    conn.rows(
        Sql::each(
            "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
            "SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = to_regclass(quote_ident($1::text))
               AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
        ),
        args![table],
        |r| r.get(0),
    )
}

/// What differs between the copy's lists and a store's catalog: a column or table the copy
/// does not know of, or one it expects and the store lacks. Empty when they agree.
pub fn schema_differences(conn: &Conn) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for table in catalog_tables(conn)? {
        let known = COPIED.iter().any(|t| t.name == table)
            || NOT_COPIED.iter().any(|(name, _)| *name == table);
        if !known {
            out.push(format!("table {table} is not known to the copy"));
        }
    }
    for t in COPIED {
        let found = catalog_columns(conn, t.name)?;
        if found.is_empty() {
            out.push(format!("table {} is missing", t.name));
            continue;
        }
        for c in &found {
            if !t.columns.contains(&c.as_str()) {
                out.push(format!("column {}.{c} is not known to the copy", t.name));
            }
        }
        for c in t.columns {
            if !found.iter().any(|f| f == c) {
                out.push(format!("column {}.{c} is missing", t.name));
            }
        }
    }
    Ok(out)
}

/// Rows of each copied table.
pub fn counts(conn: &Conn) -> Result<Vec<(&'static str, i64)>> {
    COPIED
        .iter()
        .map(|t| {
            let sql = format!("SELECT count(*) FROM {}", t.name);
            Ok((t.name, conn.one(Sql::same(&sql), args![], |r| r.get(0))?))
        })
        .collect()
}

/// The copied tables that hold rows.
pub fn tables_with_rows(conn: &Conn) -> Result<Vec<&'static str>> {
    let mut out = Vec::new();
    for t in COPIED {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", t.name);
        if conn.one(Sql::same(&sql), args![], |r| r.get::<bool>(0))? {
            out.push(t.name);
        }
    }
    Ok(out)
}

/// Daemons whose heartbeat is at `fresh_since` or later and that have not said they stopped:
/// on PostgreSQL, where there is no lock file, the daemons running on the store.
pub fn running_daemons(conn: &Conn, fresh_since: i64) -> Result<Vec<String>> {
    conn.rows(
        Sql::same(
            "SELECT id || ' (pid ' || pid || ' on ' || host || ')' FROM daemons
             WHERE stopped_at IS NULL AND last_beat_at >= ?1 ORDER BY last_beat_at DESC",
        ),
        args![fresh_since],
        |r| r.get(0),
    )
}

/// Whether `a` and `b` are one store: the same file, or the same database and schema on
/// the same server (as far as the server tells: two servers reached through Unix sockets
/// with the same database name look alike, and are refused too).
pub fn same_store(a: &Store, b: &Store) -> Result<bool> {
    match (a.location(), b.location()) {
        (Location::File(x), Location::File(y)) => Ok(match (x.canonicalize(), y.canonicalize()) {
            (Ok(x), Ok(y)) => x == y,
            _ => x == y,
        }),
        (Location::Postgres(_), Location::Postgres(_)) => {
            let id = |s: &Store| {
                s.conn().one(
                    Sql::pg(
                        "SELECT current_database() || '/' || current_schema() || '@'
                                || coalesce(host(inet_server_addr()), 'local') || ':'
                                || coalesce(inet_server_port(), 0)",
                    ),
                    args![],
                    |r| r.get::<String>(0),
                )
            };
            Ok(id(a)? == id(b)?)
        }
        _ => Ok(false),
    }
}

/// Empties the target's tables for `--force`, in the copy's transaction.
fn clear(conn: &Conn) -> Result<()> {
    if conn.is_pg() {
        // TRUNCATE skips the row triggers, so the counts are reset with it; the identities
        // restart and are advanced past the copied ids afterwards.
        let tables: Vec<&str> = CLEARED_TOO
            .iter()
            .chain(super::signatures::tables(conn))
            .copied()
            .chain(COPIED.iter().map(|t| t.name))
            .collect();
        let sql = format!(
            "TRUNCATE {} RESTART IDENTITY; UPDATE task_counts SET n = 0;",
            tables.join(", ")
        );
        return conn.batch(Sql::pg(&sql));
    }
    // Children first, for the foreign keys; the delete trigger keeps `task_counts` right.
    for name in CLEARED_TOO
        .iter()
        .chain(super::signatures::tables(conn))
        .copied()
        .chain(COPIED.iter().rev().map(|t| t.name))
    {
        let sql = format!("DELETE FROM {name}");
        conn.exec(Sql::same(&sql), args![])?;
    }
    Ok(())
}

/// `INSERT INTO table (columns) VALUES (?1, ...), ...` for `rows` rows.
fn insert_sql(t: &Table, rows: usize) -> String {
    let n = t.columns.len();
    let mut sql = format!("INSERT INTO {} ({}) VALUES ", t.name, t.columns.join(", "));
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..n {
            if col > 0 {
                sql.push_str(", ");
            }
            sql.push('?');
            sql.push_str(&(row * n + col + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

fn insert(target: &Conn, t: &Table, batch: &[Owned], rows: usize) -> Result<()> {
    if rows == 0 {
        return Ok(());
    }
    let values: Vec<Value<'_>> = batch.iter().map(super::sql::ToValue::value).collect();
    target.exec(Sql::same(&insert_sql(t, rows)), &values)?;
    Ok(())
}

/// Copies one table from `source` to `target`, a batch per statement; the rows copied.
fn copy_table(source: &Conn, target: &Conn, t: &Table, mut copied: impl FnMut(u64)) -> Result<u64> {
    let n = t.columns.len();
    let per_statement = (MAX_VALUES / n).clamp(1, MAX_ROWS);
    let select = format!(
        "SELECT {} FROM {} ORDER BY {}",
        t.columns.join(", "),
        t.name,
        t.order
    );
    let mut batch: Vec<Owned> = Vec::with_capacity(per_statement * n);
    let mut rows = 0usize;
    let mut total = 0u64;
    // The source's connection streams; only the target's is written meanwhile.
    source.each(Sql::same(&select), args![], |r| {
        for i in 0..n {
            batch.push(r.get::<Owned>(i)?);
        }
        rows += 1;
        if rows == per_statement {
            insert(target, t, &batch, rows)?;
            total += rows as u64;
            copied(rows as u64);
            batch.clear();
            rows = 0;
        }
        Ok(())
    })?;
    insert(target, t, &batch, rows)?;
    total += rows as u64;
    copied(rows as u64);
    Ok(total)
}

/// After copying into PostgreSQL: each identity continues past the largest copied id, or the
/// next insert would take an id that exists.
fn advance_identities(target: &Conn) -> Result<()> {
    for t in COPIED {
        let Some(col) = t.identity else { continue };
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{0}', '{1}'), max({1})) FROM {0} HAVING max({1}) IS NOT NULL",
            t.name, col
        );
        target.rows(Sql::pg(&sql), args![], |_| Ok(()))?;
    }
    Ok(())
}

/// A serialization point for copies into one PostgreSQL store ("copy" in ASCII): two copies
/// into the same database at once would each find it empty under READ COMMITTED, then
/// collide on the ids. SQLite's write transaction serializes them already.
const COPY_LOCK: i64 = 0x636f_7079;

/// Copies every row of [`COPIED`] from `source` into `target` and returns the rows of each
/// table in both, counted afterwards. A target that holds rows is refused unless `force`,
/// which empties it first in the copy's transaction. The caller makes sure no daemon runs on
/// either store, and that they are not the same store.
pub fn copy(
    source: &mut Store,
    target: &mut Store,
    force: bool,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Vec<TableCount>> {
    for (which, store) in [("source", &*source), ("target", &*target)] {
        let differences = schema_differences(store.conn())?;
        if !differences.is_empty() {
            return Err(Error::Store(format!(
                "the {which} store {} does not have the tables and columns this contenthub \
                 copies ({}); nothing was copied",
                store.location(),
                differences.join("; ")
            )));
        }
    }
    let target_name = target.location().to_string();
    let source_counts = target.write(|t| {
        if t.is_pg() {
            t.rows(
                Sql::pg("SELECT pg_advisory_xact_lock($1)"),
                args![COPY_LOCK],
                |_| Ok(()),
            )?;
        }
        let holding = tables_with_rows(t)?;
        if !holding.is_empty() {
            if !force {
                return Err(Error::Refused(format!(
                    "the target store {target_name} already holds rows (in {}); pass --force \
                     to replace them",
                    holding.join(", ")
                )));
            }
            clear(t)?;
        }
        let counted = source.read(|s| {
            let counted = counts(s)?;
            let total: u64 = counted.iter().map(|(_, n)| *n as u64).sum();
            let mut done = 0u64;
            for table in COPIED {
                progress(Progress {
                    table: table.name,
                    done,
                    total,
                });
                copy_table(s, t, table, |n| {
                    done += n;
                    progress(Progress {
                        table: table.name,
                        done,
                        total,
                    });
                })?;
            }
            Ok(counted)
        })?;
        if t.is_pg() {
            advance_identities(t)?;
        }
        super::tasks::compact_counts(t)?;
        Ok(counted)
    })?;
    if target.conn().is_pg() {
        // Fresh statistics, so the target's first queries plan with their real sizes, and a
        // vacuum of the rows just written: it sets their hint bits and the visibility map
        // now (about a second for a million tasks), rather than leaving the first commands
        // to write every page back as they read it, and the windowed monitoring reads to
        // visit the table until autovacuum comes by.
        target.conn().batch(Sql::pg("VACUUM (ANALYZE)"))?;
    }
    let target_counts = target.read(counts)?;
    Ok(source_counts
        .iter()
        .zip(&target_counts)
        .map(|((table, source), (_, target))| TableCount {
            table: table.to_string(),
            source: *source,
            target: *target,
        })
        .collect())
}

/// The target's `task_counts` against its tasks after a copy: one line per difference.
pub fn task_count_problems(conn: &Conn) -> Result<Vec<String>> {
    Ok(maintenance::pg::task_count_problems(conn)?.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::NewAccount;
    use crate::store::testing::{sqlite, PgDb};
    use crate::store::{accounts, counters};

    fn account(name: &str) -> NewAccount {
        NewAccount {
            name: name.into(),
            display_name: Some("Shown, 中文".into()),
            platform: "blog".into(),
            language: "en".into(),
            tone: None,
            category: None,
            persona: None,
            min_words: Some(300),
            max_words: None,
            forbidden_words: vec!["x".into()],
            review: crate::domain::account::ReviewMode::Auto,
            review_rules: Default::default(),
        }
    }

    /// Fills `source`, copies it into the empty `target`, and checks what arrived; then that a
    /// second copy is refused, and forced through.
    fn copies(source: &mut Store, target: &mut Store) {
        assert_eq!(
            schema_differences(source.conn()).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            schema_differences(target.conn()).unwrap(),
            Vec::<String>::new()
        );
        let a = source
            .write(|c| accounts::insert(c, &account("one")))
            .unwrap();
        let b = source
            .write(|c| accounts::insert(c, &account("two")))
            .unwrap();
        source
            .write(|c| {
                accounts::delete(c, a.id)?;
                counters::add(c, "n", "k=v", 7)
            })
            .unwrap();
        assert!(!same_store(source, target).unwrap());
        let mut seen = Vec::new();
        let counts = copy(source, target, false, &mut |p| seen.push(p.done)).unwrap();
        assert!(counts.iter().all(|c| c.source == c.target), "{counts:?}");
        let accounts_row = counts.iter().find(|c| c.table == "accounts").unwrap();
        assert_eq!(accounts_row.target, 1);
        assert_eq!(seen.last(), Some(&2), "one account and one counter");
        let found = target.read(|c| accounts::find(c, "TWO")).unwrap();
        assert_eq!(found.id, b.id, "the same id");
        assert_eq!(found.display_name.as_deref(), Some("Shown, 中文"));
        assert_eq!(target.read(|c| counters::get(c, "n", "k=v")).unwrap(), 7);
        // New rows on the target take ids after the copied ones.
        let c = target
            .write(|c| accounts::insert(c, &account("three")))
            .unwrap();
        assert!(c.id > b.id);
        assert!(target.read(task_count_problems).unwrap().is_empty());
        assert_eq!(
            target.read(tables_with_rows).unwrap(),
            ["accounts", "counters"]
        );

        let refused = copy(source, target, false, &mut |_| {}).unwrap_err();
        assert!(
            refused.to_string().contains("already holds rows"),
            "{refused}"
        );
        copy(source, target, true, &mut |_| {}).unwrap();
        assert!(target.read(|c| accounts::find(c, "three")).is_err());
        assert_eq!(target.read(|c| accounts::find(c, "two")).unwrap().id, b.id);
        assert_eq!(target.read(|c| counters::get(c, "n", "k=v")).unwrap(), 7);
        assert!(target.read(|c| running_daemons(c, 0)).unwrap().is_empty());
    }

    #[test]
    fn sqlite_to_sqlite() {
        let (_a, mut source) = sqlite();
        let (_b, mut target) = sqlite();
        copies(&mut source, &mut target);
    }

    #[test]
    fn every_column_is_copied_or_the_copy_is_refused() {
        let (_dir, store) = sqlite();
        store
            .conn()
            .batch(Sql::same("ALTER TABLE tasks ADD COLUMN extra TEXT"))
            .unwrap();
        assert_eq!(
            schema_differences(store.conn()).unwrap(),
            ["column tasks.extra is not known to the copy"]
        );
    }

    #[test]
    fn statements_number_their_values_row_by_row() {
        let t = &COPIED.iter().find(|t| t.name == "meta").unwrap();
        assert_eq!(
            insert_sql(t, 2),
            "INSERT INTO meta (key, value) VALUES (?1, ?2), (?3, ?4)"
        );
    }

    mod pg {
        use super::*;

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn sqlite_to_postgres() {
            let (_a, mut source) = sqlite();
            let db = PgDb::new();
            copies(&mut source, &mut db.store());
        }

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn postgres_to_sqlite() {
            let db = PgDb::new();
            let (_b, mut target) = sqlite();
            copies(&mut db.store(), &mut target);
        }

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn postgres_to_postgres_and_not_into_itself() {
            let (one, two) = (PgDb::new(), PgDb::new());
            copies(&mut one.store(), &mut two.store());
            assert!(same_store(&one.store(), &one.store()).unwrap());
        }

        #[test]
        #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
        fn a_column_added_on_postgres_only_refuses_the_copy() {
            let db = PgDb::new();
            let store = db.store();
            store
                .conn()
                .batch(Sql::same("ALTER TABLE contents ADD COLUMN extra TEXT"))
                .unwrap();
            assert_eq!(
                schema_differences(store.conn()).unwrap(),
                ["column contents.extra is not known to the copy"]
            );
        }
    }
}
