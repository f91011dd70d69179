//! Monotonic counters that outlive the rows they count (`task cleanup` deletes tasks, not
//! the number of tasks ever completed).

use super::sql::{args, Sql};
use super::Conn;

use crate::error::Result;

pub const TASKS_SUBMITTED: &str = "tasks_submitted_total";
pub const TASKS_CANCELLED: &str = "tasks_cancelled_total";
pub const TASKS_RETRIED: &str = "tasks_retried_total";
pub const TASKS_CLEANED: &str = "tasks_cleaned_total";

/// Adds `by` to the counter `name{labels}`: at once outside a write transaction, at its
/// commit inside one (reads of counters in the transaction see it: they flush first).
pub fn add(conn: &Conn, name: &str, labels: &str, by: i64) -> Result<()> {
    if by == 0 {
        return Ok(());
    }
    if conn.2.add(name, labels, by) {
        return Ok(());
    }
    write_one(conn, name, labels, by)
}

/// Writes the additions pending in the transaction (before a read of counters in it).
pub(crate) fn flush(conn: &Conn) -> Result<()> {
    conn.flush_counters()
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
