//! Cron expressions as crontab(5) reads them, matched against wall-clock minutes.
//!
//! Five fields — minute, hour, day of month, month, day of week — or an alias (`@hourly`,
//! `@daily`/`@midnight`, `@weekly`, `@monthly`, `@yearly`/`@annually`). A field is a list of
//! items; an item is `*`, a value or a range `a-b`, and `*` and ranges take a step (`*/15`,
//! `1-10/3`; as in crontab, a single value does not: `5/10` is refused). Months and days of
//! the week also take three-letter names (`jan`, `mon`, any case); day of week 0 and 7 are
//! both Sunday; a day field that is just `?` is `*`. Day of month and day of week combine as in Vixie and Debian cron: when either
//! field starts with `*` a day must match both, otherwise either. This module knows nothing of
//! time zones: it answers which wall-clock minutes match; `schedule` maps them to instants.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::error::{Error, Result};

/// Days in the Gregorian calendar's 400-year cycle: after it, dates fall on the same weekdays
/// again, so a day pattern that matches no date within one cycle never matches.
const CYCLE_DAYS: i64 = 146_097;

/// The aliases and the five fields each stands for.
pub(super) const ALIASES: &[(&str, &str)] = &[
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// One of the five fields: its name, its range, and the names its values may take (the
/// first name is `min`).
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
    },
    Field {
        name: "day-of-week",
        min: 0,
        max: 7,
        names: WEEKDAYS,
    },
];

/// A parsed cron expression: the set of each field as bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    /// Bits 0–59.
    minutes: u64,
    /// Bits 0–23.
    hours: u32,
    /// Bits 1–31.
    days: u32,
    /// Bits 1–12.
    months: u16,
    /// Bits 0–6, Sunday = 0.
    weekdays: u8,
    /// Day of month or day of week starts with `*`: a day must match both, not either.
    days_and_weekdays: bool,
}

impl Cron {
    /// Parses `expr`. An error names the field and, in a list, the item (counted from 1) that
    /// is wrong, and an expression that matches no date at all (`0 0 30 2 *`) is refused as one
    /// that never fires.
    pub fn parse(expr: &str) -> Result<Cron> {
        let e = expr.trim();
        let bad = |message: String| Error::invalid("cron", format!("'{e}': {message}"));
        let fields: Vec<&str> = e.split_whitespace().collect();
        let expanded: Vec<&str> =
            match fields.as_slice() {
                [alias] if alias.starts_with('@') => {
                    let lower = alias.to_ascii_lowercase();
                    match ALIASES.iter().find(|(name, _)| *name == lower) {
                        Some((_, five)) => five.split_whitespace().collect(),
                        None if lower == "@reboot" => return Err(bad(
                            "@reboot names no time; a plan needs a schedule (five fields or an \
                             alias like @daily)"
                                .into(),
                        )),
                        None => {
                            return Err(bad(format!(
                                "unknown alias {alias}; use one of {}",
                                ALIASES.iter().map(|a| a.0).collect::<Vec<_>>().join(", ")
                            )))
                        }
                    }
                }
                [first, ..] if first.starts_with('@') => {
                    return Err(bad(format!(
                        "an alias like {first} stands alone, without other fields"
                    )))
                }
                // `?` (no specific day, from Quartz) is `*` in the two day fields.
                five if five.len() == 5 => (five.iter().enumerate())
                    .map(|(n, f)| {
                        if matches!(n, 2 | 4) && *f == "?" {
                            "*"
                        } else {
                            f
                        }
                    })
                    .collect(),
                other => {
                    return Err(Error::invalid(
                        "cron",
                        format!(
                            "'{e}' has {} fields; write 5 (minute hour day-of-month month \
                         day-of-week) or an alias like @daily",
                            other.len()
                        ),
                    ))
                }
            };
        let mut bits = [0u64; 5];
        for (n, (text, field)) in expanded.iter().zip(&FIELDS).enumerate() {
            bits[n] = parse_field(text, field)
                .map_err(|m| bad(format!("{} field '{text}': {m}", field.name)))?;
        }
        // Sunday is 0 and 7.
        let weekdays = (bits[4] | (bits[4] >> 7)) & 0x7f;
        let cron = Cron {
            minutes: bits[0],
            hours: bits[1] as u32,
            days: bits[2] as u32,
            months: bits[3] as u16,
            weekdays: weekdays as u8,
            days_and_weekdays: expanded[2].starts_with('*') || expanded[4].starts_with('*'),
        };
        let start = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
        if cron.next_day(start, CYCLE_DAYS).is_none() {
            return Err(bad(format!(
                "never fires: no date has day-of-month '{}' in month '{}'{}",
                expanded[2],
                expanded[3],
                if cron.days_and_weekdays && expanded[4] != "*" {
                    format!(" on day-of-week '{}'", expanded[4])
                } else {
                    String::new()
                }
            )));
        }
        Ok(cron)
    }

    /// Whether the wall-clock minute `t` matches (its seconds are ignored); the tests check
    /// the field rules through it.
    #[cfg(test)]
    fn matches(&self, t: NaiveDateTime) -> bool {
        self.day_matches(t.date())
            && self.hours & (1 << t.hour()) != 0
            && self.minutes & (1 << t.minute()) != 0
    }

    fn day_matches(&self, d: NaiveDate) -> bool {
        if self.months & (1 << d.month()) == 0 {
            return false;
        }
        let day = self.days & (1 << d.day()) != 0;
        let weekday = self.weekdays & (1 << d.weekday().num_days_from_sunday()) != 0;
        if self.days_and_weekdays {
            day && weekday
        } else {
            day || weekday
        }
    }

    /// The first matching day from `d` on, looking at most `limit` days ahead.
    fn next_day(&self, mut d: NaiveDate, limit: i64) -> Option<NaiveDate> {
        let end = d.checked_add_signed(Duration::days(limit))?;
        while d <= end {
            if self.months & (1 << d.month()) == 0 {
                // The first day of the next month.
                let (y, m) = if d.month() == 12 {
                    (d.year() + 1, 1)
                } else {
                    (d.year(), d.month() + 1)
                };
                d = NaiveDate::from_ymd_opt(y, m, 1)?;
                continue;
            }
            if self.day_matches(d) {
                return Some(d);
            }
            d = d.succ_opt()?;
        }
        None
    }

    /// The last matching day from `d` back, looking at most `limit` days back.
    fn prev_day(&self, mut d: NaiveDate, limit: i64) -> Option<NaiveDate> {
        let end = d.checked_sub_signed(Duration::days(limit))?;
        while d >= end {
            if self.months & (1 << d.month()) == 0 {
                // The last day of the previous month.
                d = d.with_day(1)?.pred_opt()?;
                continue;
            }
            if self.day_matches(d) {
                return Some(d);
            }
            d = d.pred_opt()?;
        }
        None
    }

    /// The first matching time of day at or after `h:m`.
    fn time_from(&self, h: u32, m: u32) -> Option<NaiveTime> {
        let mut hours = self.hours & (u32::MAX << h);
        while hours != 0 {
            let hour = hours.trailing_zeros();
            let from = if hour == h { m } else { 0 };
            let minutes = self.minutes & (u64::MAX << from);
            if minutes != 0 {
                return NaiveTime::from_hms_opt(hour, minutes.trailing_zeros(), 0);
            }
            hours &= !(1 << hour);
        }
        None
    }

    /// The last matching time of day at or before `h:m`.
    fn time_until(&self, h: u32, m: u32) -> Option<NaiveTime> {
        let mut hours = self.hours & (u32::MAX >> (31 - h));
        while hours != 0 {
            let hour = 31 - hours.leading_zeros();
            let until = if hour == h { m } else { 59 };
            let minutes = self.minutes & (u64::MAX >> (63 - until));
            if minutes != 0 {
                return NaiveTime::from_hms_opt(hour, 63 - minutes.leading_zeros(), 0);
            }
            hours &= !(1 << hour);
        }
        None
    }

    /// The first matching wall-clock minute at or after `from` (a time with seconds counts
    /// from its next minute). Every expression `parse` accepts has one within 400 years.
    pub fn next_match(&self, from: NaiveDateTime) -> Option<NaiveDateTime> {
        let mut from = from.with_nanosecond(0)?;
        if from.second() != 0 {
            from = from.with_second(0)? + Duration::minutes(1);
        }
        let today = from.date();
        let mut d = self.next_day(today, CYCLE_DAYS)?;
        if d == today {
            if let Some(t) = self.time_from(from.hour(), from.minute()) {
                return Some(d.and_time(t));
            }
            d = self.next_day(d.succ_opt()?, CYCLE_DAYS)?;
        }
        Some(d.and_time(self.time_from(0, 0)?))
    }

    /// The last matching wall-clock minute at or before `until`.
    pub fn prev_match(&self, until: NaiveDateTime) -> Option<NaiveDateTime> {
        let today = until.date();
        let mut d = self.prev_day(today, CYCLE_DAYS)?;
        if d == today {
            if let Some(t) = self.time_until(until.hour(), until.minute()) {
                return Some(d.and_time(t));
            }
            d = self.prev_day(d.pred_opt()?, CYCLE_DAYS)?;
        }
        Some(d.and_time(self.time_until(23, 59)?))
    }
}

/// The set of one field's `text` as bits. The message of an error names the item.
fn parse_field(text: &str, field: &Field) -> std::result::Result<u64, String> {
    let mut bits = 0u64;
    let items: Vec<&str> = text.split(',').collect();
    for (n, item) in items.iter().enumerate() {
        // In a list, a message names its item; a field of one item is named already.
        let at = if items.len() > 1 {
            format!("item {} ('{item}'): ", n + 1)
        } else {
            String::new()
        };
        if item.is_empty() {
            return Err(format!("item {} of the list is empty", n + 1));
        }
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step = match step.parse::<u32>() {
                    Ok(s) if s > 0 => s,
                    _ => {
                        return Err(format!(
                            "{at}the step '{step}' is not a whole number from 1"
                        ))
                    }
                };
                (range, Some(step))
            }
            None => (*item, None),
        };
        let (low, high) = if range == "*" {
            (field.min, field.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (
                value(a, field).map_err(|m| format!("{at}{m}"))?,
                value(b, field).map_err(|m| format!("{at}{m}"))?,
            );
            if a > b {
                return Err(format!("{at}the range runs backwards ({a} > {b})"));
            }
            (a, b)
        } else if let Some(step) = step {
            return Err(format!(
                "{at}a step needs a range: write */{step} or {range}-{}/{step}",
                field.max
            ));
        } else {
            let v = value(range, field).map_err(|m| format!("{at}{m}"))?;
            (v, v)
        };
        for v in (low..=high).step_by(step.unwrap_or(1) as usize) {
            bits |= 1 << v;
        }
    }
    Ok(bits)
}

/// One value of a field: a number in its range, or a name.
fn value(text: &str, field: &Field) -> std::result::Result<u32, String> {
    if text.is_empty() {
        return Err("a value is missing".into());
    }
    if let Some(n) = (field.names.iter()).position(|name| name.eq_ignore_ascii_case(text)) {
        return Ok(field.min + n as u32);
    }
    let v: u32 = text.parse().map_err(|_| {
        if field.names.is_empty() {
            format!("'{text}' is not a number")
        } else {
            format!(
                "'{text}' is neither a number nor a name ({}–{})",
                field.names[0],
                field.names[field.names.len() - 1]
            )
        }
    })?;
    if v < field.min || v > field.max {
        return Err(format!("{v} is out of range ({}–{})", field.min, field.max));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn err(expr: &str) -> String {
        Cron::parse(expr).unwrap_err().to_string()
    }

    #[test]
    fn fields_lists_ranges_steps_and_names() {
        let c = Cron::parse("*/20 9-17/4 1,15 jan-MAR mon-fri").unwrap();
        assert_eq!(c.minutes, 1 | 1 << 20 | 1 << 40);
        assert_eq!(c.hours, 1 << 9 | 1 << 13 | 1 << 17);
        assert_eq!(c.days, 1 << 1 | 1 << 15);
        assert_eq!(c.months, 0b1110);
        assert_eq!(c.weekdays, 0b0111110);
        assert!(!c.days_and_weekdays);
        let c = Cron::parse("5-59/20 * * * 7").unwrap();
        assert_eq!(c.minutes, 1 << 5 | 1 << 25 | 1 << 45);
        assert_eq!(c.weekdays, 1);
        assert!(c.days_and_weekdays);
        assert_eq!(Cron::parse("0 0 * * 5-7").unwrap().weekdays, 0b1100001);
        assert_eq!(
            Cron::parse("0 8 ? * mon").unwrap(),
            Cron::parse("0 8 * * mon").unwrap()
        );
        assert_eq!(Cron::parse("0 0 * * */2").unwrap().weekdays, 0b1010101);
        assert_eq!(
            Cron::parse("@weekly").unwrap(),
            Cron::parse("0 0 * * 0").unwrap()
        );
        assert_eq!(
            Cron::parse(" @ANNUALLY ").unwrap(),
            Cron::parse("0 0 1 1 *").unwrap()
        );
    }

    #[test]
    fn errors_name_the_field_and_the_item() {
        let e = err("1,2,3,,4 * * * *");
        assert!(
            e.contains("minute field '1,2,3,,4': item 4 of the list is empty"),
            "{e}"
        );
        let e = err("0 0 * * mon,funday");
        assert!(
            e.contains("day-of-week field 'mon,funday': item 2 ('funday')"),
            "{e}"
        );
        let e = err("0 24 * * *");
        assert!(
            e.contains("hour field '24': 24 is out of range (0–23)"),
            "{e}"
        );
        let e = err("0 0 * 12-1 *");
        assert!(
            e.contains("month field '12-1'") && e.contains("backwards"),
            "{e}"
        );
        let e = err("5/20 * * * *");
        assert!(
            e.contains("a step needs a range: write */20 or 5-59/20"),
            "{e}"
        );
        let e = err("*/0 * * * *");
        assert!(
            e.contains("minute field '*/0'") && e.contains("step '0'"),
            "{e}"
        );
        assert!(err("0 8 * *").contains("has 4 fields"));
        assert!(err("@sometimes").contains("unknown alias @sometimes"));
        assert!(err("@daily 5").contains("stands alone"));
        assert!(err("@reboot").contains("@reboot names no time"));
        for bad in [
            "0 0 L * *",
            "? 0 * * *",
            "0 0 * * 1#2",
            "0 0 1W * *",
            ",0 * * * *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_expression_that_matches_no_date_never_fires() {
        for expr in [
            "0 0 31 2 *",
            "0 0 30 2 *",
            "0 0 31 4,6,9,11 *",
            "0 0 30-31 feb */2",
        ] {
            let e = err(expr);
            assert!(e.contains("never fires"), "{expr}: {e}");
        }
        // 29 February comes every four years, and on every weekday within 400 years.
        for expr in ["0 0 29 2 *", "0 0 29 2 */7", "0 0 31 2 1", "0 0 31 2,3 *"] {
            assert!(Cron::parse(expr).is_ok(), "{expr}");
        }
        let leap = Cron::parse("0 0 29 2 */7").unwrap();
        let first = leap.next_match(at("2026-01-01 00:00")).unwrap();
        assert_eq!(first, at("2032-02-29 00:00"));
        assert_eq!(first.weekday(), chrono::Weekday::Sun);
    }

    #[test]
    fn day_of_month_and_day_of_week_follow_vixie_cron() {
        // `*/2` starts with `*`: odd days that are Mondays.
        let c = Cron::parse("0 6 */2 * 1").unwrap();
        let mut t = at("2027-01-01 00:00");
        let mut days = Vec::new();
        for _ in 0..6 {
            t = c.next_match(t).unwrap();
            days.push(t.format("%m-%d %a").to_string());
            t += Duration::minutes(1);
        }
        assert_eq!(
            days,
            [
                "01-11 Mon",
                "01-25 Mon",
                "02-01 Mon",
                "02-15 Mon",
                "03-01 Mon",
                "03-15 Mon"
            ]
        );
        // Neither starts with `*`: the 1st and 15th, and every Monday.
        let c = Cron::parse("0 6 1,15 * 1").unwrap();
        assert!(c.matches(at("2027-01-04 06:00")));
        assert!(c.matches(at("2027-01-15 06:00")));
        assert!(!c.matches(at("2027-01-05 06:00")));
        // `*/7` is 0 and 7, Sunday: the first Sunday of each month.
        let c = Cron::parse("0 6 1-7 * */7").unwrap();
        assert_eq!(
            c.next_match(at("2027-02-01 00:00")),
            Some(at("2027-02-07 06:00"))
        );
        assert_eq!(
            c.next_match(at("2027-02-07 06:01")),
            Some(at("2027-03-07 06:00"))
        );
    }

    #[test]
    fn next_and_previous_matches() {
        let c = Cron::parse("15,45 8,20 * * *").unwrap();
        assert_eq!(
            c.next_match(at("2027-05-01 08:15")),
            Some(at("2027-05-01 08:15"))
        );
        assert_eq!(
            c.next_match(at("2027-05-01 08:46")),
            Some(at("2027-05-01 20:15"))
        );
        assert_eq!(
            c.next_match(at("2027-05-01 20:46")),
            Some(at("2027-05-02 08:15"))
        );
        let with_seconds = at("2027-05-01 08:15") + Duration::seconds(1);
        assert_eq!(c.next_match(with_seconds), Some(at("2027-05-01 08:45")));
        assert_eq!(
            c.prev_match(at("2027-05-01 08:14")),
            Some(at("2027-04-30 20:45"))
        );
        assert_eq!(
            c.prev_match(at("2027-05-01 20:15")),
            Some(at("2027-05-01 20:15"))
        );
        let yearly = Cron::parse("@yearly").unwrap();
        assert_eq!(
            yearly.prev_match(at("2027-12-31 23:59")),
            Some(at("2027-01-01 00:00"))
        );
        assert_eq!(
            yearly.next_match(at("2027-01-01 00:01")),
            Some(at("2028-01-01 00:00"))
        );
    }
}
