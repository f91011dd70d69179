//! Task ids: the internal row number other tables reference, and resolving the public id (or a
//! prefix of it) an operator types. Kept apart from `tasks` so that `contents` can resolve a
//! task id without depending on the task operations, which depend on `contents`.

use super::sql::{args, Sql};
use super::Conn;
use crate::domain::{TaskId, TaskIdPrefix};
use crate::error::{Error, Result};

/// A task's internal row number: stable, ordered by creation, never shown to operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Seq(pub i64);

/// Resolves a full id or a unique prefix. An ambiguous prefix is invalid input and names the
/// candidates.
pub fn resolve(conn: &Conn, input: &str) -> Result<(Seq, TaskId)> {
    let prefix: TaskIdPrefix = input.parse().map_err(|e| Error::invalid("task id", e))?;
    let (lo, hi) = prefix.range();
    // Ids are ordered as integers, so a prefix is a range of the unique index on `id`.
    let found: Vec<(Seq, TaskId)> = conn.rows(
        Sql::same("SELECT seq, id FROM tasks WHERE id BETWEEN ?1 AND ?2 ORDER BY id LIMIT 11"),
        args![lo, hi],
        |r| Ok((Seq(r.get(0)?), TaskId(r.get(1)?))),
    )?;
    match found.as_slice() {
        [] => Err(Error::NotFound {
            kind: "task",
            id: input.trim().to_string(),
        }),
        [one] => Ok(*one),
        many => {
            let names: Vec<String> = many.iter().take(10).map(|(_, id)| id.to_string()).collect();
            let more = if many.len() > 10 { ", …" } else { "" };
            Err(Error::invalid(
                "task id",
                format!(
                    "'{}' is ambiguous: it matches {}{more}; type more digits",
                    input.trim(),
                    names.join(", ")
                ),
            ))
        }
    }
}
