//! Monotonic counters that outlive the rows they count (`task cleanup` deletes tasks, not
//! the number of tasks ever completed).

use super::sql::{args, Sql};
use super::Conn;

use crate::error::Result;

pub const TASKS_SUBMITTED: &str = "tasks_submitted_total";
pub const TASKS_CANCELLED: &str = "tasks_cancelled_total";
pub const TASKS_RETRIED: &str = "tasks_retried_total";
pub const TASKS_CLEANED: &str = "tasks_cleaned_total";

/// Counter additions made in a write transaction, written together when it commits: a batch
/// of results adds to the same few counters for every task, and on PostgreSQL each statement
/// is a round trip.
#[derive(Default)]
pub(crate) struct Pending {
    /// Whether a write transaction is open (outside one, additions are written at once).
    open: std::cell::Cell<bool>,
    adds: std::cell::RefCell<std::collections::BTreeMap<(String, String), i64>>,
}

impl Pending {
    pub(crate) fn begin(&self) {
        self.adds.borrow_mut().clear();
        self.open.set(true);
    }

    pub(crate) fn end(&self) {
        self.open.set(false);
        self.adds.borrow_mut().clear();
    }
}

/// Adds `by` to the counter `name{labels}`: at once outside a write transaction, at its
/// commit inside one (reads of counters in the transaction see it: they flush first).
pub fn add(conn: &Conn, name: &str, labels: &str, by: i64) -> Result<()> {
    if by == 0 {
        return Ok(());
    }
    let pending = &conn.2;
    if pending.open.get() {
        *pending
            .adds
            .borrow_mut()
            .entry((name.to_string(), labels.to_string()))
            .or_insert(0) += by;
        return Ok(());
    }
    write_one(conn, name, labels, by)
}

/// Writes the additions pending in the transaction.
pub(crate) fn flush(conn: &Conn) -> Result<()> {
    let adds = std::mem::take(&mut *conn.2.adds.borrow_mut());
    let adds: Vec<((String, String), i64)> = adds.into_iter().filter(|(_, by)| *by != 0).collect();
    if adds.is_empty() {
        return Ok(());
    }
    if conn.is_pg() {
        // One statement for them all (each (name, labels) once, as ON CONFLICT requires).
        let names: Vec<String> = adds.iter().map(|((n, _), _)| n.clone()).collect();
        let labels: Vec<String> = adds.iter().map(|((_, l), _)| l.clone()).collect();
        let values: Vec<i64> = adds.iter().map(|(_, by)| *by).collect();
        conn.exec(
            Sql::each(
                "",
                "INSERT INTO counters(name, labels, value)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
                 ON CONFLICT(name, labels) DO UPDATE SET value = counters.value + excluded.value",
            ),
            args![names, labels, values],
        )?;
    } else {
        for ((name, labels), by) in &adds {
            write_one(conn, name, labels, *by)?;
        }
    }
    Ok(())
}

fn write_one(conn: &Conn, name: &str, labels: &str, by: i64) -> Result<()> {
    conn.exec(
        Sql::each(
            "INSERT INTO counters(name, labels, value) VALUES (?1, ?2, ?3)
             ON CONFLICT(name, labels) DO UPDATE SET value = value + excluded.value",
            "INSERT INTO counters(name, labels, value) VALUES ($1, $2, $3)
             ON CONFLICT(name, labels) DO UPDATE SET value = counters.value + excluded.value",
        ),
        args![name, labels, by],
    )?;
    Ok(())
}

/// The counter's value, 0 when it was never written.
pub fn get(conn: &Conn, name: &str, labels: &str) -> Result<i64> {
    flush(conn)?;
    Ok(conn
        .row(
            Sql::same("SELECT value FROM counters WHERE name = ?1 AND labels = ?2"),
            args![name, labels],
            |r| r.get(0),
        )?
        .unwrap_or(0))
}
