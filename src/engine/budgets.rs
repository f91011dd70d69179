//! Long waits in the engine: a task held back by an exhausted budget, or by its profile's
//! rate limits, for longer than its profile's `fallback_after` moves to the profile's
//! fallback instead of waiting for the budget's next period or the limit's refill.

use std::time::Duration;

use super::outcome::fall_back_pending;
use super::shared::Shared;
use crate::domain::time::Millis;
use crate::error::Result;
use crate::store::budgets;
use crate::store::tasks::{self, Seq};
use crate::store::Conn;

/// Tasks moved per call at most (the next claim moves more).
const BATCH: i64 = 100;

/// Moves the due pending tasks that an exhausted budget holds back until after their
/// profile's `fallback_after` to the profile's fallback, in the caller's write transaction
/// (the claim's, just before it). Returns how many moved.
pub fn fall_back_held(c: &Conn, shared: &Shared, now: Millis) -> Result<usize> {
    let refusing = budgets::refusing(c, now)?;
    if refusing.is_empty() {
        return Ok(0);
    }
    let default = shared.profile_of(None);
    let mut moved = 0;
    let mut profiles: Vec<&String> = shared.generators.keys().collect();
    profiles.sort();
    for profile in profiles {
        let Some(after) = shared.fallback_after(profile) else {
            continue;
        };
        for row in &refusing {
            if row.scope_profile.as_ref().is_some_and(|p| p != profile) {
                continue;
            }
            let wait = Duration::from_millis((row.ends_at - now).max(0) as u64);
            if wait <= after {
                continue;
            }
            let why = format!(
                "{}; the wait is longer than fallback_after ({})",
                row.reason.as_deref().unwrap_or("budget exhausted"),
                crate::domain::time::format_duration(after)
            );
            let account = row.scope_account.as_deref();
            moved += move_due(c, shared, profile, *profile == default, account, &why, now)?;
        }
    }
    Ok(moved)
}

/// Moves the due pending tasks of each profile that waits for its rate limits until after its
/// `fallback_after` (a daily limit spent, say) to the profile's fallback, in the caller's
/// write transaction (the claim's, just before it). The wait is the one the last claim
/// stored with the profile's buckets. Returns how many moved.
pub fn fall_back_rate_waits(c: &Conn, shared: &Shared, now: Millis) -> Result<usize> {
    let default = shared.profile_of(None);
    let mut moved = 0;
    let mut profiles: Vec<&String> = shared.rates.keys().collect();
    profiles.sort();
    for profile in profiles {
        let Some(after) = shared.fallback_after(profile) else {
            continue;
        };
        let Some((kind, until)) = crate::store::rates::waiting(c, profile, now)? else {
            continue;
        };
        let wait = Duration::from_millis((until - now).max(0) as u64);
        if wait <= after {
            continue;
        }
        let why = format!(
            "{}; the wait is longer than fallback_after ({})",
            crate::domain::rate::wait_reason(kind, profile, until, now),
            crate::domain::time::format_duration(after)
        );
        moved += move_due(c, shared, profile, *profile == default, None, &why, now)?;
    }
    Ok(moved)
}

/// Moves up to [`BATCH`] due pending tasks of `profile` (of `account` only, when given) to
/// the profile's fallback, saying `why`. Returns how many moved.
fn move_due(
    c: &Conn,
    shared: &Shared,
    profile: &str,
    default: bool,
    account: Option<&str>,
    why: &str,
    now: Millis,
) -> Result<usize> {
    let mut moved = 0;
    for seq in budgets::pending_on(c, profile, default, account, now, BATCH)? {
        let task = tasks::get(c, Seq(seq))?;
        if fall_back_pending(c, shared, Seq(seq), &task, why, now)?.is_some() {
            moved += 1;
        }
    }
    Ok(moved)
}
