//! The retry policy: which errors retry, and how long to wait.

use std::time::Duration;

use crate::generator::{ErrorKind, GenError};
use crate::store::queue::Finish;

/// Longest backoff, however many retries have passed.
const MAX_DELAY: Duration = Duration::from_secs(3600);
/// Snooze when a 429 gave no `Retry-After`.
pub const DEFAULT_SNOOZE: Duration = Duration::from_secs(30);

/// Backoff before retry number `retry` (0-based): the configured delays in turn, then doubling
/// the last, capped; with ±20 % jitter so failed tasks do not return in a stampede.
pub fn backoff(delays: &[Duration], retry: u32, jitter: f64) -> Duration {
    let base = match delays.get(retry as usize) {
        Some(d) => *d,
        None => {
            let last = delays.last().copied().unwrap_or(Duration::from_secs(30));
            let extra = retry as usize + 1 - delays.len().max(1);
            last.saturating_mul(1u32 << extra.min(16)).min(MAX_DELAY)
        }
    };
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    base.mul_f64(factor)
}

/// A uniform number in [0, 1).
pub fn jitter() -> f64 {
    (getrandom::u32().unwrap_or(0) as f64) / (u32::MAX as f64 + 1.0)
}

/// What to do with a task whose attempt failed.
pub fn on_error(e: &GenError, retry_count: u32, max_retries: u32, delays: &[Duration]) -> Finish {
    match e.kind {
        ErrorKind::RateLimited => Finish::Retry {
            kind: e.kind.as_str().into(),
            message: e.message.clone(),
            delay_ms: e.retry_after.unwrap_or(DEFAULT_SNOOZE).as_millis() as i64,
            counts: false,
        },
        ErrorKind::Transient if retry_count < max_retries => Finish::Retry {
            kind: e.kind.as_str().into(),
            message: e.message.clone(),
            delay_ms: backoff(delays, retry_count, jitter()).as_millis() as i64,
            counts: true,
        },
        ErrorKind::Transient => Finish::Failed {
            kind: e.kind.as_str().into(),
            message: format!("{} (gave up after {max_retries} retries)", e.message),
        },
        // Moving to a fallback profile is decided before this (`fallback::on_unavailable`):
        // here the profile has none left.
        ErrorKind::Permanent | ErrorKind::Unavailable => Finish::Failed {
            kind: e.kind.as_str().into(),
            message: e.message.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_the_list_then_doubles() {
        let d = [30, 60, 120].map(Duration::from_secs);
        assert_eq!(backoff(&d, 0, 0.5), Duration::from_secs(30));
        assert_eq!(backoff(&d, 2, 0.5), Duration::from_secs(120));
        assert_eq!(backoff(&d, 3, 0.5), Duration::from_secs(240));
        assert_eq!(backoff(&d, 40, 0.5), MAX_DELAY);
        assert_eq!(backoff(&d, 0, 0.0), Duration::from_secs(24));
        assert_eq!(backoff(&d, 0, 1.0), Duration::from_secs(36));
    }

    #[test]
    fn classification() {
        let d = [Duration::from_secs(1)];
        let rl = GenError::rate_limited("slow down", Duration::from_secs(7));
        assert!(matches!(
            on_error(&rl, 3, 3, &d),
            Finish::Retry {
                counts: false,
                delay_ms: 7000,
                ..
            }
        ));
        let t = GenError::transient("503");
        assert!(matches!(
            on_error(&t, 0, 3, &d),
            Finish::Retry { counts: true, .. }
        ));
        assert!(matches!(on_error(&t, 3, 3, &d), Finish::Failed { .. }));
        assert!(matches!(
            on_error(&GenError::permanent("401"), 0, 3, &d),
            Finish::Failed { .. }
        ));
    }
}
