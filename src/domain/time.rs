//! Durations and points in time as operators write them.
//!
//! Durations accept `30s`, `30m`, `2h`, `7d`, `1h 30m` and bare seconds (`1800`), the form
//! the old system's `.env` files used. Points in time accept RFC 3339, a date (`2026-11-01`,
//! local midnight) or a duration meaning "that long ago" (`24h`).

use std::time::Duration;

use chrono::{DateTime, Local, NaiveDate, SecondsFormat, TimeZone, Utc};

/// Milliseconds since the Unix epoch, UTC: how the store keeps time.
pub type Millis = i64;

pub fn now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty duration (expected e.g. 30s, 30m, 2h, 7d)".into());
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = t
            .parse()
            .map_err(|_| format!("'{t}' is too large a number of seconds"))?;
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(t)
        .map_err(|e| format!("'{t}' is not a duration ({e}; expected e.g. 30s, 30m, 2h, 7d)"))
}

/// Formats a duration the way [`parse_duration`] reads it back (`30m`, `1h 30m`).
pub fn format_duration(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// A delay of `ms` milliseconds in seconds, as exact as it is: `1.834s`, `1.8s`, `30s`. For
/// messages such as a retry's backoff, which jitter makes a fraction of a second.
pub fn seconds_text(ms: Millis) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        return format!("{sign}{whole}s");
    }
    let frac = format!("{frac:03}");
    format!("{sign}{whole}.{}s", frac.trim_end_matches('0'))
}

/// A point in time: RFC 3339, a date (local midnight), or a duration ago from `now`.
pub fn parse_point(s: &str, now: Millis) -> Result<Millis, String> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.timestamp_millis());
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        return Local
            .from_local_datetime(&midnight)
            .earliest()
            .map(|dt| dt.timestamp_millis())
            .ok_or_else(|| format!("'{t}' has no local midnight"));
    }
    match parse_duration(t) {
        Ok(d) => Ok(now - d.as_millis() as i64),
        Err(_) => Err(format!(
            "'{t}' is not a time (expected RFC 3339 like 2026-11-01T08:00:00Z, a date like 2026-11-01, or a duration ago like 24h)"
        )),
    }
}

/// RFC 3339 in UTC with a `Z`, milliseconds only when present.
pub fn rfc3339(ms: Millis) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(dt) => dt.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        None => ms.to_string(),
    }
}

/// Local time for tables.
pub fn local_display(dt: DateTime<Utc>) -> String {
    dt.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1800").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_duration("7d").unwrap(),
            Duration::from_secs(7 * 86400)
        );
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("").is_err());
        assert_eq!(format_duration(Duration::from_secs(1800)), "30m");
    }

    #[test]
    fn seconds_keep_their_fraction() {
        assert_eq!(seconds_text(1800), "1.8s");
        assert_eq!(seconds_text(1834), "1.834s");
        assert_eq!(seconds_text(30_000), "30s");
        assert_eq!(seconds_text(50), "0.05s");
        assert_eq!(seconds_text(0), "0s");
    }

    #[test]
    fn points() {
        let now = 1_000_000_000_000;
        assert_eq!(parse_point("1h", now).unwrap(), now - 3_600_000);
        assert_eq!(
            parse_point("2026-11-01T08:00:00Z", now).unwrap(),
            1_793_520_000_000
        );
        assert!(parse_point("yesterday-ish", now).is_err());
        assert_eq!(rfc3339(1_793_520_000_000), "2026-11-01T08:00:00Z");
        assert_eq!(rfc3339(1_793_520_000_250), "2026-11-01T08:00:00.250Z");
    }
}

/// A point in time as the store keeps it (ms since the epoch, UTC), serialized as RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub Millis);

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|dt| Timestamp(dt.timestamp_millis()))
            .map_err(serde::de::Error::custom)
    }
}
