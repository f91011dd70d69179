//! Scheduled plans: cron evaluation in a time zone, firing due slots exactly once, and topic
//! rotation.
//!
//! Each fired slot is a `plan_runs` row unique on (plan, scheduled_for), inserted in the same
//! transaction as the slot's tasks, so cron-driven `scheduler run`, the daemon's own tick and
//! overlapping runs can never fire a slot twice. A plan fires at most one slot per run: after
//! downtime, `latest` fires the most recent missed slot and `skip` fires nothing late.

mod cron;
#[cfg(test)]
mod reference_tests;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::task::{SubmitPolicy, SubmitRequest};
use crate::domain::time::{rfc3339, Millis, Timestamp};
use crate::domain::{Keywords, NewTask};
use crate::error::{Error, Result};
use crate::service::RecentTopics;
use crate::store::plans::{self, PlanRow};
use crate::store::{accounts, counters, tasks, Conn, Store};

pub use cron::Cron;

/// A slot later than this is missed, not merely late: `skip` does not fire it.
pub const ON_TIME: Duration = Duration::from_secs(10 * 60);

/// Parses a 5-field cron expression or an alias (`@daily`, `@hourly`, …), refusing one that
/// never fires.
pub fn parse_cron(expr: &str) -> Result<Cron> {
    Cron::parse(expr)
}

/// Parses an IANA time zone name (`Asia/Shanghai`, `UTC`).
pub fn parse_tz(name: &str) -> Result<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        Error::invalid(
            "tz",
            format!(
                "'{}' is not an IANA time zone (e.g. Asia/Shanghai, Europe/Berlin, UTC)",
                name.trim()
            ),
        )
    })
}

/// The machine's time zone, or UTC when it cannot be named.
pub fn local_tz_name() -> String {
    iana_time_zone::get_timezone()
        .ok()
        .filter(|n| n.parse::<Tz>().is_ok())
        .unwrap_or_else(|| "UTC".into())
}

/// The longest stretch of wall-clock time a transition can skip (Samoa skipped a whole day).
const MAX_GAP_MINUTES: i64 = 48 * 60;

/// A plan's schedule: a cron expression in a time zone.
///
/// The expression is matched against wall-clock minutes in the zone, and each matching
/// minute (a slot) fires at the first instant the zone's clock reads that time or later:
/// - a time that occurs once fires then;
/// - a time that occurs twice (a fall-back overlap) fires once, at its first occurrence;
/// - a time that does not occur (a spring-forward gap) fires at the first instant after the
///   gap, so every slot of a gap and the slot at its end fire once, together.
///
/// That instant only grows with the slot, so the slots can be walked in wall-clock order:
/// every slot at or before the wall-clock time of an instant fires at or before it.
pub struct Schedule {
    cron: Cron,
    tz: Tz,
}

impl Schedule {
    pub fn new(cron: &str, tz: &str) -> Result<Schedule> {
        Ok(Schedule {
            cron: parse_cron(cron)?,
            tz: parse_tz(tz)?,
        })
    }

    /// The wall-clock time in the zone at `ms`.
    fn wall(&self, ms: Millis) -> NaiveDateTime {
        let utc = DateTime::from_timestamp_millis(ms).unwrap_or_default();
        utc.with_timezone(&self.tz).naive_local()
    }

    /// When the wall-clock `slot` fires: the first instant the zone's clock reads `slot` or
    /// later.
    fn fire_at(&self, slot: NaiveDateTime) -> Option<Millis> {
        match self.tz.from_local_datetime(&slot) {
            LocalResult::Single(t) => Some(t.timestamp_millis()),
            LocalResult::Ambiguous(a, b) => Some(a.timestamp_millis().min(b.timestamp_millis())),
            LocalResult::None => self.gap_end(slot),
        }
    }

    /// The instant a gap that skips the wall-clock time `slot` ends.
    fn gap_end(&self, slot: NaiveDateTime) -> Option<Millis> {
        // The first wall-clock minute after the slot that exists: the gap ends at or before
        // its instant `hi`, and `lo`, as far before `hi` as that minute is after the slot,
        // still reads earlier than the slot.
        let (after, hi) = (1..=MAX_GAP_MINUTES).find_map(|n| {
            let t = slot + chrono::Duration::minutes(n);
            let at = self.tz.from_local_datetime(&t).earliest()?;
            Some((t, at.timestamp_millis()))
        })?;
        let (mut lo, mut hi) = (hi - (after - slot).num_milliseconds(), hi);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.wall(mid) >= slot {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(hi)
    }

    /// The first fire strictly after `after`. Slots in a DST gap fire once, just after it; a
    /// slot in an overlap fires once, at its first occurrence.
    pub fn next_after(&self, after: Millis) -> Option<Millis> {
        // Slots at or before the wall-clock minute of `after` fire at or before it. In the
        // second pass of an overlap a few slots after it do too: they fired in the first.
        let mut from = minute_of(self.wall(after)) + chrono::Duration::minutes(1);
        loop {
            let slot = self.cron.next_match(from)?;
            let at = self.fire_at(slot)?;
            if at > after {
                return Some(at);
            }
            from = slot + chrono::Duration::minutes(1);
        }
    }

    /// The latest fire at or before `at`.
    pub fn latest_at_or_before(&self, at: Millis) -> Option<Millis> {
        let slot = self.cron.prev_match(minute_of(self.wall(at)))?;
        let mut latest = self.fire_at(slot)?;
        // In the second pass of an overlap, slots later than the wall-clock time of `at`
        // (02:15, 02:30, 02:45 CEST when `at` is 02:05 CET) fired earlier still.
        while let Some(next) = self.next_after(latest).filter(|n| *n <= at) {
            latest = next;
        }
        Some(latest)
    }

    /// The next `n` fires after `after`.
    pub fn upcoming(&self, after: Millis, n: usize) -> Vec<Millis> {
        let mut out = Vec::with_capacity(n);
        let mut t = after;
        while out.len() < n {
            match self.next_after(t) {
                Some(next) => {
                    out.push(next);
                    t = next;
                }
                None => break,
            }
        }
        out
    }
}

/// `t` without its seconds.
fn minute_of(t: NaiveDateTime) -> NaiveDateTime {
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

/// A plan as `scheduler list/show` present it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub id: i64,
    pub name: String,
    pub cron: String,
    pub tz: String,
    pub accounts: Vec<String>,
    pub count: u32,
    pub topics: Vec<String>,
    pub topics_file: Option<String>,
    /// Where topics come from: list, file, or account (category and date).
    pub topic_source: String,
    pub category: Option<String>,
    pub keywords: Vec<String>,
    pub priority: Option<u8>,
    pub auto_approve: Option<bool>,
    pub catch_up: String,
    pub enabled: bool,
    /// Whether a topic nearly identical to a pending or recent task of the account is skipped.
    pub skip_similar: bool,
    pub last_slot_at: Option<Timestamp>,
    pub next_fire_at: Option<Timestamp>,
    /// The next five fire times.
    pub next_fires: Vec<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The anchor slots count from: the last slot dealt with, else the plan's creation.
fn anchor(p: &PlanRow) -> Millis {
    p.last_slot_at.unwrap_or(p.created_at)
}

pub fn view(conn: &Conn, p: &PlanRow, now: Millis) -> Result<Plan> {
    let names = p
        .account_ids
        .iter()
        .map(|id| {
            accounts::get_by_id(conn, *id).map(|a| {
                a.map(|a| a.name)
                    .unwrap_or_else(|| format!("#{id} (removed)"))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let next: Vec<Timestamp> = match Schedule::new(&p.cron, &p.tz) {
        Ok(s) if p.enabled => s
            .upcoming(now.max(anchor(p)), 5)
            .into_iter()
            .map(Timestamp)
            .collect(),
        _ => Vec::new(),
    };
    let topic_source = if p.topics.is_some() {
        "list"
    } else if p.topics_file.is_some() {
        "file"
    } else {
        "account"
    };
    Ok(Plan {
        id: p.id,
        name: p.name.clone(),
        cron: p.cron.clone(),
        tz: p.tz.clone(),
        accounts: names,
        count: p.count,
        topics: p.topics.clone().unwrap_or_default(),
        topics_file: p.topics_file.clone(),
        topic_source: topic_source.into(),
        category: p.category.clone(),
        keywords: p.keywords.clone(),
        priority: p.priority,
        auto_approve: p.auto_approve,
        catch_up: p.catch_up.clone(),
        enabled: p.enabled,
        skip_similar: p.skip_similar,
        last_slot_at: p.last_slot_at.map(Timestamp),
        next_fire_at: next.first().copied(),
        next_fires: next,
        created_at: Timestamp(p.created_at),
        updated_at: Timestamp(p.updated_at),
    })
}

/// Reads a topics file: one topic per line; blank lines and `#` comments are skipped.
pub fn read_topics_file(path: &str) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::invalid("topics_file", format!("cannot read {path}: {e}")))?;
    let mut topics: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        topics.push(crate::domain::task::validate_topic(
            &format!("topics_file {path} line {}", i + 1),
            l,
        )?);
    }
    if topics.is_empty() {
        return Err(Error::invalid(
            "topics_file",
            format!("{path} has no topics (one per line)"),
        ));
    }
    Ok(topics)
}

/// What happened to a plan in one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fired {
    pub plan: String,
    pub slot: Millis,
    pub tasks: u32,
    /// Set when the plan failed to fire this slot.
    pub error: Option<String>,
    /// A dry run or a slot another process fired first.
    pub skipped: bool,
}

/// Fires every plan's due slot (following its catch-up policy) as of `now`. Returns what was
/// fired (or failed). With `dry_run`, writes nothing.
pub fn fire_due(
    store: &mut Store,
    now: Millis,
    policy: &SubmitPolicy,
    dry_run: bool,
) -> Result<Vec<Fired>> {
    let plans = plans::list(store.conn(), true)?;
    let mut out = Vec::new();
    for p in plans {
        let sched = match Schedule::new(&p.cron, &p.tz) {
            Ok(s) => s,
            Err(e) => {
                out.push(Fired {
                    plan: p.name.clone(),
                    slot: now,
                    tasks: 0,
                    error: Some(e.to_string()),
                    skipped: false,
                });
                continue;
            }
        };
        let Some(first) = sched.next_after(anchor(&p)) else {
            continue;
        };
        if first > now {
            continue;
        }
        let Some(latest) = sched.latest_at_or_before(now).map(|l| l.max(first)) else {
            continue;
        };
        let late = Duration::from_millis((now - latest).max(0) as u64);
        if p.catch_up == "skip" && late > ON_TIME {
            if !dry_run {
                store.write(|tx| plans::advance(tx, p.id, latest))?;
            }
            continue;
        }
        if dry_run {
            let n = (p.account_ids.len() as u32) * p.count;
            out.push(Fired {
                plan: p.name.clone(),
                slot: latest,
                tasks: n,
                error: None,
                skipped: true,
            });
            continue;
        }
        out.push(fire(store, &p, latest, false, now, policy)?);
    }
    if !dry_run {
        store.write(|tx| plans::set_meta(tx, "scheduler_last_run_at", &now.to_string()))?;
    }
    Ok(out)
}

/// Fires `slot` of plan `p` now: one transaction for the run row, its tasks and the topic
/// cursor. A failure is recorded as a failed run (and reported), never half-written.
pub fn fire(
    store: &mut Store,
    p: &PlanRow,
    slot: Millis,
    manual: bool,
    now: Millis,
    policy: &SubmitPolicy,
) -> Result<Fired> {
    let attempt = store.write(|tx| {
        // Re-read the plan under the write lock: since `p` was read, another process may have
        // fired a slot (moving the topic cursor) or removed the plan.
        let p = match plans::get_for_update(tx, p.id) {
            Ok(p) => p,
            Err(Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(run_id) = plans::claim_slot(tx, p.id, slot, manual, now)? else {
            return Ok(None);
        };
        let list = match (&p.topics, &p.topics_file) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(f)) => Some(read_topics_file(f)?),
            (None, None) => None,
        };
        let mut cursor: BTreeMap<String, u64> = p.cursor.clone();
        let mut n = 0u32;
        // Topics nearly identical to a pending or recent task of the account: noted on the
        // run, or skipped with `skip_similar`. A dated title (no topic list) is not compared:
        // it differs from yesterday's by its date alone, by design.
        let mut notes: Vec<String> = Vec::new();
        let mut skipped = 0u32;
        for account_id in &p.account_ids {
            let account = accounts::get_by_id(tx, *account_id)?.ok_or_else(|| Error::NotFound {
                kind: "account of the plan",
                id: format!("#{account_id} (removed since the plan was made)"),
            })?;
            // Tasks queued earlier in this run are compared too: the look-up reads the
            // transaction's own inserts.
            let recent = list.as_ref().map(|_| RecentTopics::new(account.id, now));
            for _ in 0..p.count {
                let (topic, requirements) = match &list {
                    Some(topics) => {
                        let used = cursor.entry(account_id.to_string()).or_insert(0);
                        let topic = topics[(*used % topics.len() as u64) as usize].clone();
                        *used += 1;
                        (topic, None)
                    }
                    None => {
                        let date = Utc.timestamp_millis_opt(slot).single().map(|d| {
                            d.with_timezone(&parse_tz(&p.tz).unwrap_or(chrono_tz::UTC)).format("%Y-%m-%d").to_string()
                        });
                        let subject = p
                            .category
                            .clone()
                            .or_else(|| account.category.clone())
                            .or_else(|| account.display_name.clone())
                            .unwrap_or_else(|| account.name.clone());
                        (
                            format!("{subject} · {}", date.unwrap_or_default()),
                            Some(format!(
                                "Plan '{}' has no topic list: write a timely article for the category '{subject}'.",
                                p.name
                            )),
                        )
                    }
                };
                let like = match &recent {
                    Some(r) => r.most_similar(tx, &topic, None)?,
                    None => None,
                };
                if let Some(like) = like {
                    let said = format!("'{topic}' for {}: {}", account.name, like.describe());
                    if p.skip_similar {
                        notes.push(format!("skipped {said}"));
                        skipped += 1;
                        continue;
                    }
                    notes.push(said);
                }
                let req = SubmitRequest {
                    account: Some(account.id.to_string()),
                    topic: Some(topic.clone()),
                    keywords: (!p.keywords.is_empty()).then(|| Keywords::List(p.keywords.clone())),
                    category: p.category.clone(),
                    requirements,
                    priority: p.priority.map(i64::from),
                    auto_approve: p.auto_approve,
                    ..SubmitRequest::default()
                };
                let task = NewTask::validate(req, policy)?;
                let s = tasks::insert(tx, &task, &account, now)?;
                plans::tag_task(tx, s.seq, p.id, run_id)?;
                n += 1;
            }
        }
        counters::add(tx, counters::TASKS_SUBMITTED, "", n.into())?;
        plans::set_cursor(tx, p.id, &cursor)?;
        let message = (!notes.is_empty()).then(|| {
            let head = if skipped > 0 {
                format!("{skipped} topics skipped as nearly identical to a pending or recent task")
            } else {
                "topics nearly identical to a pending or recent task".to_string()
            };
            format!("{head}: {}", notes.join("; "))
        });
        plans::finish_run(tx, run_id, n, message.as_deref())?;
        if !manual {
            plans::advance(tx, p.id, slot)?;
        }
        Ok(Some(n))
    });
    match attempt {
        Ok(Some(n)) => Ok(Fired {
            plan: p.name.clone(),
            slot,
            tasks: n,
            error: None,
            skipped: false,
        }),
        Ok(None) => Ok(Fired {
            plan: p.name.clone(),
            slot,
            tasks: 0,
            error: None,
            skipped: true,
        }),
        Err(e @ (Error::Database(_) | Error::Io { .. } | Error::Store(_))) => Err(e),
        Err(e) => {
            let message = e.to_string();
            store.write(|tx| {
                plans::record_failure(tx, p.id, slot, manual, &message, now)?;
                if !manual {
                    plans::advance(tx, p.id, slot)?;
                }
                Ok(())
            })?;
            Ok(Fired {
                plan: p.name.clone(),
                slot,
                tasks: 0,
                error: Some(message),
                skipped: false,
            })
        }
    }
}

/// The lag of the most overdue enabled plan: how long ago its earliest unfired slot was due.
pub fn worst_lag(conn: &Conn, now: Millis) -> Result<Option<(String, Millis)>> {
    let mut worst: Option<(String, Millis)> = None;
    for p in plans::list(conn, true)? {
        let Ok(s) = Schedule::new(&p.cron, &p.tz) else {
            continue;
        };
        if let Some(first) = s.next_after(anchor(&p)).filter(|f| *f <= now) {
            let lag = now - first;
            if worst.as_ref().is_none_or(|(_, w)| lag > *w) {
                worst = Some((p.name.clone(), lag));
            }
        }
    }
    Ok(worst)
}

/// RFC 3339 for messages.
pub fn when(ms: Millis) -> String {
    rfc3339(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> Millis {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn rejects_bad_expressions_and_zones() {
        assert!(parse_cron("0 8 * * *").is_ok());
        assert!(parse_cron("@daily").is_ok());
        assert!(parse_cron("0 0 8 * * *").is_err());
        assert!(parse_cron("61 * * * *").is_err());
        assert!(parse_tz("Asia/Shanghai").is_ok());
        assert!(parse_tz("Mars/Olympus").is_err());
    }

    #[test]
    fn berlin_gap_fires_once_after_the_gap() {
        let s = Schedule::new("30 2 * * *", "Europe/Berlin").unwrap();
        let slots = s.upcoming(ms("2026-03-28T12:00:00Z"), 2);
        assert_eq!(
            slots,
            vec![ms("2026-03-29T01:00:00Z"), ms("2026-03-30T00:30:00Z")]
        );
    }

    #[test]
    fn berlin_overlap_fires_once() {
        let s = Schedule::new("0 * * * *", "Europe/Berlin").unwrap();
        let slots = s.upcoming(ms("2026-10-24T22:30:00Z"), 4);
        // 01:00 CEST, 02:00 CEST, (02:00 CET is the same wall-clock slot), 03:00 CET, 04:00 CET
        assert_eq!(
            slots,
            vec![
                ms("2026-10-24T23:00:00Z"),
                ms("2026-10-25T00:00:00Z"),
                ms("2026-10-25T02:00:00Z"),
                ms("2026-10-25T03:00:00Z")
            ]
        );
        assert_eq!(
            s.latest_at_or_before(ms("2026-10-25T01:30:00Z")),
            Some(ms("2026-10-25T00:00:00Z"))
        );
    }

    #[test]
    fn quarter_hours_through_the_berlin_overlap() {
        let s = Schedule::new("*/15 * * * *", "Europe/Berlin").unwrap();
        // 02:00–02:45 CEST fire; their repeats 02:00–02:45 CET do not; 03:00 CET does.
        let slots = s.upcoming(ms("2026-10-24T23:50:00Z"), 6);
        assert_eq!(
            slots,
            vec![
                ms("2026-10-25T00:00:00Z"),
                ms("2026-10-25T00:15:00Z"),
                ms("2026-10-25T00:30:00Z"),
                ms("2026-10-25T00:45:00Z"),
                ms("2026-10-25T02:00:00Z"),
                ms("2026-10-25T02:15:00Z")
            ]
        );
        // At 02:05 CET the latest slot is 02:45 CEST, not 02:00 CEST.
        assert_eq!(
            s.latest_at_or_before(ms("2026-10-25T01:05:00Z")),
            Some(ms("2026-10-25T00:45:00Z"))
        );
        let every_minute = Schedule::new("* * * * *", "Europe/Berlin").unwrap();
        assert_eq!(
            every_minute.next_after(ms("2026-10-25T00:59:00Z")),
            Some(ms("2026-10-25T02:00:00Z"))
        );
        assert_eq!(
            every_minute.latest_at_or_before(ms("2026-10-25T01:30:00Z")),
            Some(ms("2026-10-25T00:59:00Z"))
        );
    }

    #[test]
    fn gap_slots_of_lists_ranges_and_steps_fire_just_after_the_gap() {
        // 2027-03-14: 02:00 EST becomes 03:00 EDT at 07:00Z; 02:00 and 02:30 do not exist.
        let list = Schedule::new("0,30 1,2 * * *", "America/New_York").unwrap();
        assert_eq!(
            list.upcoming(ms("2027-03-14T05:00:00Z"), 4),
            vec![
                ms("2027-03-14T06:00:00Z"),
                ms("2027-03-14T06:30:00Z"),
                ms("2027-03-14T07:00:00Z"),
                ms("2027-03-15T05:00:00Z")
            ]
        );
        let range = Schedule::new("15 1-3 * * *", "America/New_York").unwrap();
        assert_eq!(
            range.upcoming(ms("2027-03-14T06:00:00Z"), 3),
            vec![
                ms("2027-03-14T06:15:00Z"),
                ms("2027-03-14T07:00:00Z"),
                ms("2027-03-14T07:15:00Z")
            ]
        );
        let step = Schedule::new("0 */2 * * *", "America/New_York").unwrap();
        assert_eq!(
            step.upcoming(ms("2027-03-14T04:00:00Z"), 3),
            vec![
                ms("2027-03-14T05:00:00Z"),
                ms("2027-03-14T07:00:00Z"),
                ms("2027-03-14T08:00:00Z")
            ]
        );
        // The firing path agrees.
        assert_eq!(
            step.latest_at_or_before(ms("2027-03-14T07:59:00Z")),
            Some(ms("2027-03-14T07:00:00Z"))
        );
        assert_eq!(
            list.latest_at_or_before(ms("2027-03-14T07:00:00Z")),
            Some(ms("2027-03-14T07:00:00Z"))
        );
    }

    #[test]
    fn lord_howe_half_hour_shifts() {
        // 2026-10-04 02:00 LHST (+10:30) becomes 02:30 LHDT (+11) at 15:30Z the day before.
        let hourly = Schedule::new("0 * * * *", "Australia/Lord_Howe").unwrap();
        assert_eq!(
            hourly.upcoming(ms("2026-10-03T14:00:00Z"), 3),
            vec![
                ms("2026-10-03T14:30:00Z"),
                ms("2026-10-03T15:30:00Z"),
                ms("2026-10-03T16:00:00Z")
            ]
        );
        assert_eq!(
            hourly.latest_at_or_before(ms("2026-10-03T15:59:00Z")),
            Some(ms("2026-10-03T15:30:00Z"))
        );
        // 2027-04-04 02:00 LHDT becomes 01:30 LHST at 15:00Z the day before: 01:30–01:59
        // happen twice and fire in their first pass only.
        let half = Schedule::new("0,30 * * * *", "Australia/Lord_Howe").unwrap();
        assert_eq!(
            half.upcoming(ms("2027-04-03T13:50:00Z"), 4),
            vec![
                ms("2027-04-03T14:00:00Z"),
                ms("2027-04-03T14:30:00Z"),
                ms("2027-04-03T15:30:00Z"),
                ms("2027-04-03T16:00:00Z")
            ]
        );
        assert_eq!(
            half.latest_at_or_before(ms("2027-04-03T15:10:00Z")),
            Some(ms("2027-04-03T14:30:00Z"))
        );
    }

    #[test]
    fn midnight_gaps_fire_at_one_oclock() {
        // Santiago, 2026-09-06: 00:00 (-04) becomes 01:00 (-03) at 04:00Z.
        let daily = Schedule::new("@daily", "America/Santiago").unwrap();
        assert_eq!(
            daily.next_after(ms("2026-09-05T12:00:00Z")),
            Some(ms("2026-09-06T04:00:00Z"))
        );
        // Havana, 2027-03-14: 00:00 (-05) becomes 01:00 (-04) at 05:00Z; 00:00, 00:30 and
        // 01:00 are one fire.
        let s = Schedule::new("0,30 0-1 14 3 *", "America/Havana").unwrap();
        assert_eq!(
            s.upcoming(ms("2027-03-13T12:00:00Z"), 2),
            vec![ms("2027-03-14T05:00:00Z"), ms("2027-03-14T05:30:00Z")]
        );
    }

    #[test]
    fn odd_day_mondays_as_crontab_reads_them() {
        let s = Schedule::new("0 6 */2 * 1", "UTC").unwrap();
        assert_eq!(
            s.upcoming(ms("2027-01-01T00:00:00Z"), 4),
            vec![
                ms("2027-01-11T06:00:00Z"),
                ms("2027-01-25T06:00:00Z"),
                ms("2027-02-01T06:00:00Z"),
                ms("2027-02-15T06:00:00Z")
            ]
        );
    }

    #[test]
    fn expressions_that_never_fire_or_have_an_empty_item_are_refused() {
        for (expr, needle) in [
            ("0 0 31 2 *", "never fires"),
            ("0 0 30 2 *", "never fires"),
            ("1,2,3,,4 * * * *", "item 4 of the list is empty"),
        ] {
            let e = parse_cron(expr).unwrap_err();
            assert!(matches!(e, Error::Invalid { .. }), "{expr}: {e:?}");
            assert!(e.to_string().contains(needle), "{expr}: {e}");
            assert!(Schedule::new(expr, "UTC").is_err());
        }
    }

    #[test]
    fn new_york_transitions() {
        let s = Schedule::new("30 2 * * *", "America/New_York").unwrap();
        // 2026-03-08 02:30 does not exist (02:00 → 03:00 EDT): fires at 03:00 EDT = 07:00Z.
        assert_eq!(
            s.next_after(ms("2026-03-07T12:00:00Z")),
            Some(ms("2026-03-08T07:00:00Z"))
        );
        // 2026-11-01 01:30 happens twice; a 01:30 plan fires once.
        let s = Schedule::new("30 1 * * *", "America/New_York").unwrap();
        let slots = s.upcoming(ms("2026-10-31T12:00:00Z"), 2);
        assert_eq!(
            slots,
            vec![ms("2026-11-01T05:30:00Z"), ms("2026-11-02T06:30:00Z")]
        );
    }
}
