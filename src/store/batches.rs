//! The batches of `openai-batch` profiles (`batches`): one row per uploaded input file, with
//! the custom ids of the requests it holds and, once created, the provider's batch id.
//!
//! A batch's member tasks point at it through their remote job, `{input_file_id}/{custom_id}`
//! ([`job`]). The file and its members are recorded in one transaction after the upload and
//! before the batch is created; the batch id right after the create. A daemon that finds a
//! recorded file without a batch id (a crash between the two) creates the batch for it, or
//! finds the one created before, and never uploads the members again.

use super::queue;
use super::sql::{args, Sql};
use super::tasks::Seq;
use super::Conn;
use crate::domain::time::Millis;
use crate::error::Result;

/// A recorded batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub input_file_id: String,
    pub profile: String,
    /// The provider's batch id, once the batch was created.
    pub batch_id: Option<String>,
    /// `uploaded`, `creating` (a daemon is creating it), `created`, or the provider's final
    /// status (`completed`, `failed`, `expired`, `cancelled`).
    pub state: String,
    /// The custom ids of the requests in the input file, in its order.
    pub custom_ids: Vec<String>,
}

/// A task going into a batch, under the claim its worker holds.
#[derive(Debug, Clone)]
pub struct Member {
    pub seq: Seq,
    pub epoch: i64,
    pub custom_id: String,
}

/// The remote job of a batch member.
pub fn job(input_file_id: &str, custom_id: &str) -> String {
    format!("{input_file_id}/{custom_id}")
}

/// The input file id and custom id a member's remote job names.
pub fn parse_job(job: &str) -> Option<(&str, &str)> {
    job.rsplit_once('/')
        .filter(|(f, c)| !f.is_empty() && !c.is_empty())
}

/// Records an uploaded input file of `profile` and points each member held by `owner` at it.
/// Returns, per member, whether it was still held and so recorded.
pub fn record(
    conn: &Conn,
    profile: &str,
    input_file_id: &str,
    members: &[Member],
    owner: &str,
    now: Millis,
) -> Result<Vec<bool>> {
    let ids: Vec<&str> = members.iter().map(|m| m.custom_id.as_str()).collect();
    conn.exec(
        Sql::same(
            "INSERT INTO batches(input_file_id, profile, batch_id, state, custom_ids, created_at, updated_at)
             VALUES (?1, ?2, NULL, 'uploaded', ?3, ?4, ?4)",
        ),
        args![input_file_id, profile, ids.join("\n"), now],
    )?;
    let mut held = Vec::with_capacity(members.len());
    for m in members {
        let j = job(input_file_id, &m.custom_id);
        held.push(queue::set_remote(conn, m.seq, owner, m.epoch, &j, now)?);
    }
    Ok(held)
}

/// Takes the right to create the batch over `input_file_id`: true for one caller only, until
/// the batch id is recorded or `stale_before` passes the claim (its creator died). Daemons
/// that adopt members of one file at once so create one batch, not one each.
pub fn claim_create(
    conn: &Conn,
    input_file_id: &str,
    now: Millis,
    stale_before: Millis,
) -> Result<bool> {
    let n = conn.exec(
        Sql::same(
            "UPDATE batches SET state = 'creating', updated_at = ?2
             WHERE input_file_id = ?1 AND batch_id IS NULL
               AND (state = 'uploaded' OR (state = 'creating' AND updated_at < ?3))",
        ),
        args![input_file_id, now, stale_before],
    )?;
    Ok(n == 1)
}

/// Records the provider's id of the batch created over `input_file_id`. False when a batch id
/// was recorded already (another daemon's): the caller's batch is then a second one.
pub fn set_batch_id(conn: &Conn, input_file_id: &str, batch_id: &str, now: Millis) -> Result<bool> {
    let n = conn.exec(
        Sql::same(
            "UPDATE batches SET batch_id = ?2, state = 'created', updated_at = ?3
             WHERE input_file_id = ?1 AND batch_id IS NULL",
        ),
        args![input_file_id, batch_id, now],
    )?;
    Ok(n == 1)
}

/// Records a batch's final status.
pub fn set_state(conn: &Conn, input_file_id: &str, state: &str, now: Millis) -> Result<()> {
    conn.exec(
        Sql::same("UPDATE batches SET state = ?2, updated_at = ?3 WHERE input_file_id = ?1"),
        args![input_file_id, state, now],
    )?;
    Ok(())
}

/// The batch recorded for `input_file_id`.
pub fn get(conn: &Conn, input_file_id: &str) -> Result<Option<Batch>> {
    conn.row(
        Sql::same(
            "SELECT input_file_id, profile, batch_id, state, custom_ids FROM batches
             WHERE input_file_id = ?1",
        ),
        args![input_file_id],
        |r| {
            let ids: String = r.get(4)?;
            Ok(Batch {
                input_file_id: r.get(0)?,
                profile: r.get(1)?,
                batch_id: r.get(2)?,
                state: r.get(3)?,
                custom_ids: ids
                    .split('\n')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            })
        },
    )
}

/// How many of the batch's member tasks still wait for it (`submitted` or `processing` with
/// a remote job in it).
pub fn waiting_members(conn: &Conn, input_file_id: &str) -> Result<i64> {
    let prefix = format!("{input_file_id}/");
    conn.one(
        Sql::each(
            "SELECT count(*) FROM tasks WHERE status IN ('submitted','processing')
               AND remote_job_id IS NOT NULL AND substr(remote_job_id, 1, ?2) = ?1",
            "SELECT count(*) FROM tasks WHERE status IN ('submitted','processing')
               AND remote_job_id IS NOT NULL AND substr(remote_job_id, 1, $2::int) = $1",
        ),
        args![prefix, prefix.chars().count() as i64],
        |r| r.get(0),
    )
}

/// Every batch recorded, oldest first (for `store copy` checks and tests).
pub fn all(conn: &Conn) -> Result<Vec<Batch>> {
    let files: Vec<String> = conn.rows(
        Sql::same("SELECT input_file_id FROM batches ORDER BY created_at, input_file_id"),
        args![],
        |r| r.get(0),
    )?;
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        out.extend(get(conn, &f)?);
    }
    Ok(out)
}
