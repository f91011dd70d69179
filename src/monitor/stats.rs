//! `monitor stats`: tasks finished per calendar day (local time).

use chrono::{Days, Local, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

use crate::domain::time::Millis;
use crate::domain::Status;
use crate::error::Result;
use crate::output::Record;
use crate::store::{monitor as q, Conn};

/// One day's outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayStats {
    /// The local date, `2026-11-29`
    pub date: String,
    /// Tasks that finished that day: completed + failed + cancelled
    pub total: u64,
    pub completed: u64,
    /// Failed or timed out
    pub failed: u64,
    pub cancelled: u64,
    /// completed / (completed + failed); `null` when neither
    pub success_rate: Option<f64>,
    /// Average first start to completion of the day's completed tasks, in seconds
    pub avg_duration_seconds: Option<f64>,
}

impl Record for DayStats {
    const COLUMNS: &'static [&'static str] = &[
        "date",
        "total",
        "completed",
        "failed",
        "cancelled",
        "success_rate",
        "avg_duration_seconds",
    ];

    fn key(&self) -> String {
        self.date.clone()
    }
}

#[derive(Default)]
struct Acc {
    completed: u64,
    failed: u64,
    cancelled: u64,
    duration_sum: f64,
}

/// Local midnight of `date` (the first instant of the day, also across DST changes).
fn midnight(date: NaiveDate) -> Millis {
    let naive = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    match Local.from_local_datetime(&naive).earliest() {
        Some(t) => t.timestamp_millis(),
        // A day that starts in a DST gap: its first instant is an hour later at most.
        None => Local
            .from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(|| naive.and_utc().timestamp_millis()),
    }
}

/// The last `days` days up to `now`, oldest first.
pub fn daily(conn: &Conn, days: u32, now: Millis) -> Result<Vec<DayStats>> {
    let today = Local
        .timestamp_millis_opt(now)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default();
    let first = today
        .checked_sub_days(Days::new(u64::from(days.max(1)) - 1))
        .unwrap_or(today);
    let dates: Vec<NaiveDate> = first.iter_days().take(days.max(1) as usize).collect();
    let starts: Vec<Millis> = dates.iter().map(|d| midnight(*d)).collect();

    // One aggregate per day, computed by SQLite over the covering index.
    let mut ends: Vec<Millis> = starts[1..].to_vec();
    ends.push(now + 1);
    let mut acc = Vec::with_capacity(dates.len());
    for (start, end) in starts.iter().zip(&ends) {
        let mut a = Acc::default();
        for (status, n, duration_ms) in q::finished_summary(conn, *start, *end)? {
            match status {
                Status::Completed => {
                    a.completed += n;
                    a.duration_sum += duration_ms.max(0) as f64 / 1000.0;
                }
                Status::Failed | Status::Timeout => a.failed += n,
                Status::Cancelled => a.cancelled += n,
                _ => {}
            }
        }
        acc.push(a);
    }
    Ok(dates
        .iter()
        .zip(acc)
        .map(|(d, a)| DayStats {
            date: d.format("%Y-%m-%d").to_string(),
            total: a.completed + a.failed + a.cancelled,
            completed: a.completed,
            failed: a.failed,
            cancelled: a.cancelled,
            success_rate: (a.completed + a.failed > 0)
                .then(|| a.completed as f64 / (a.completed + a.failed) as f64),
            avg_duration_seconds: (a.completed > 0).then(|| a.duration_sum / a.completed as f64),
        })
        .collect())
}
