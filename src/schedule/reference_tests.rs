//! `Schedule` against a brute-force reference of the policy in docs/scheduling.md.
//!
//! The reference walks UTC minutes, reads each one's wall-clock time in the zone, and fires a
//! minute when its wall-clock time matches and was not already shown by an earlier minute (the
//! second pass of an overlap), or when it ends a gap that skipped a matching wall-clock time.
//! It jumps only over minutes that cannot fire: to the next local midnight on a day that does
//! not match, to the next local hour in an hour that does not match, never past a transition.
//! The expressions are random (lists, ranges, steps, names, aliases) and carry the sets they
//! stand for, built as they are written, so the reference does not use the parser under test.
//! Start points lie around every transition of 2026–2028 in zones with 60- and 30-minute
//! shifts and with gaps at midnight, and anywhere in those years in two zones without DST.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

use super::Schedule;

const MINUTE_MS: i64 = 60_000;
/// The next this many fires are compared.
const FIRES: usize = 10;
/// … as far as this many minutes after the start (two years).
const HORIZON_MIN: i64 = 2 * 366 * 1440;
const SEED: u64 = 0x5eed_c0de_2026_0314;
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// SplitMix64: small, seeded, and good enough to pick test cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    /// True with probability `p` percent.
    fn chance(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
}

/// What an expression stands for, built alongside its text.
#[derive(Clone)]
struct Sets {
    minute: [bool; 60],
    hour: [bool; 24],
    dom: [bool; 32],
    month: [bool; 13],
    /// 0–7; 7 is Sunday, like 0.
    dow: [bool; 8],
    dom_star: bool,
    dow_star: bool,
}

impl Sets {
    fn day(&self, d: NaiveDate) -> bool {
        let w = d.weekday().num_days_from_sunday() as usize;
        let dom = self.dom[d.day() as usize];
        let dow = self.dow[w] || (w == 0 && self.dow[7]);
        let day = if self.dom_star || self.dow_star {
            dom && dow
        } else {
            dom || dow
        };
        self.month[d.month() as usize] && day
    }

    fn matches(&self, t: NaiveDateTime) -> bool {
        self.day(t.date()) && self.hour[t.hour() as usize] && self.minute[t.minute() as usize]
    }
}

/// One random field over `min..=max`, as text and as a set (indexed by value).
fn field(rng: &mut Rng, min: i64, max: i64, names: &[&str], likely: &[i64]) -> (String, Vec<bool>) {
    let mut set = vec![false; max as usize + 1];
    let mut mark = |lo: i64, hi: i64, step: i64| {
        let mut v = lo;
        while v <= hi {
            set[v as usize] = true;
            v += step;
        }
    };
    let value = |rng: &mut Rng| {
        if !likely.is_empty() && rng.chance(50) {
            likely[rng.int(0, likely.len() as i64 - 1) as usize]
        } else {
            rng.int(min, max)
        }
    };
    let write = |rng: &mut Rng, v: i64| -> String {
        match names.get((v - min) as usize) {
            Some(name) if rng.chance(30) => {
                if rng.chance(50) {
                    name.to_uppercase()
                } else {
                    name.to_string()
                }
            }
            _ => v.to_string(),
        }
    };
    let text = match rng.int(0, 9) {
        0..=2 => {
            mark(min, max, 1);
            "*".to_string()
        }
        3 => {
            let step = rng.int(2, (max - min).max(2));
            mark(min, max, step);
            format!("*/{step}")
        }
        _ => {
            let mut items = Vec::new();
            for _ in 0..rng.int(1, 3) {
                let item = match rng.int(0, 4) {
                    0..=2 => {
                        let v = value(rng);
                        mark(v, v, 1);
                        write(rng, v)
                    }
                    _ => {
                        let (a, b) = (value(rng), value(rng));
                        let (a, b) = (a.min(b), a.max(b));
                        let text = format!("{}-{}", write(rng, a), write(rng, b));
                        if rng.chance(50) {
                            let step = rng.int(1, (b - a).max(1) + 1);
                            mark(a, b, step);
                            format!("{text}/{step}")
                        } else {
                            mark(a, b, 1);
                            text
                        }
                    }
                };
                items.push(item);
            }
            items.join(",")
        }
    };
    (text, set)
}

fn copy<const N: usize>(v: &[bool]) -> [bool; N] {
    let mut out = [false; N];
    out.copy_from_slice(&v[..N]);
    out
}

/// A random expression and what it stands for.
fn expression(rng: &mut Rng) -> (String, Sets) {
    if rng.chance(8) {
        // The aliases are definitions, not parsing: the reference takes their five fields
        // and builds its own sets from them.
        let aliases = super::cron::ALIASES;
        let (text, five) = aliases[rng.int(0, aliases.len() as i64 - 1) as usize];
        let f: Vec<&str> = five.split(' ').collect();
        let one = |t: &str, n: usize| {
            let mut v = vec![t == "*"; n];
            if let Ok(x) = t.parse::<usize>() {
                v[x] = true;
            }
            v
        };
        let mut dom = one(f[2], 32);
        let mut month = one(f[3], 13);
        dom[0] = false;
        month[0] = false;
        return (
            text.to_string(),
            Sets {
                minute: copy(&one(f[0], 60)),
                hour: copy(&one(f[1], 24)),
                dom: copy(&dom),
                month: copy(&month),
                dow: copy(&one(f[4], 8)),
                dom_star: f[2] == "*",
                dow_star: f[4] == "*",
            },
        );
    }
    // Values around the transitions come up often: 0–3 o'clock, and the half hour.
    let (minute, m) = field(rng, 0, 59, &[], &[0, 0, 30, 15, 45, 59]);
    let (hour, h) = field(rng, 0, 23, &[], &[0, 1, 2, 3, 23]);
    let (dom, d) = field(rng, 1, 31, &[], &[1, 2, 8, 13, 14, 29, 30, 31]);
    let (month, mo) = if rng.chance(60) {
        ("*".to_string(), vec![true; 13])
    } else {
        field(rng, 1, 12, &MONTHS, &[3, 4, 9, 10, 11])
    };
    let (dow, w) = field(rng, 0, 7, &WEEKDAYS, &[0, 7]);
    let text = format!("{minute} {hour} {dom} {month} {dow}");
    let sets = Sets {
        minute: copy(&m),
        hour: copy(&h),
        dom: copy(&d),
        month: copy(&mo),
        dow: copy(&w),
        dom_star: dom.starts_with('*'),
        dow_star: dow.starts_with('*'),
    };
    (text, sets)
}

/// A change of a zone's UTC offset: at UTC minute `at`, from `before` to `after` minutes.
struct Transition {
    at: i64,
    before: i64,
    after: i64,
}

struct Zone {
    tz: Tz,
    transitions: Vec<Transition>,
}

fn naive(minutes: i64) -> NaiveDateTime {
    DateTime::from_timestamp(minutes * 60, 0)
        .unwrap()
        .naive_utc()
}

fn minutes(year: i32) -> i64 {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
        / 60
}

impl Zone {
    /// The zone and its transitions from 2025 to 2031, found hour by hour, then to the minute.
    fn new(name: &str) -> Zone {
        let tz: Tz = name.parse().unwrap();
        let mut transitions = Vec::new();
        let mut u = minutes(2025);
        while u < minutes(2032) {
            let (before, after) = (offset(tz, u), offset(tz, u + 60));
            if before != after {
                let at = (u + 1..=u + 60).find(|&m| offset(tz, m) == after).unwrap();
                transitions.push(Transition { at, before, after });
            }
            u += 60;
        }
        Zone { tz, transitions }
    }

    /// Whether the wall-clock time of UTC minute `u` was already shown by an earlier minute.
    fn repeats(&self, u: i64) -> bool {
        (self.transitions.iter())
            .any(|t| t.after < t.before && t.at <= u && u < t.at + (t.before - t.after))
    }

    /// The next `n` fires of `sets` after `after` (ms), up to `end` (a UTC minute), in ms.
    fn reference(&self, sets: &Sets, after: i64, end: i64, n: usize) -> Vec<i64> {
        let mut out = Vec::new();
        let mut u = after.div_euclid(MINUTE_MS) + 1;
        while u <= end && out.len() < n {
            let wall = naive(u + offset(self.tz, u));
            let mut fires = sets.matches(wall) && !self.repeats(u);
            if let Some(t) = self.transitions.iter().find(|t| t.at == u) {
                // The end of a gap fires the slots it skipped.
                fires |= (t.before..t.after).any(|off| sets.matches(naive(u + off)));
            }
            if fires {
                out.push(u * MINUTE_MS);
                u += 1;
                continue;
            }
            let step = if !sets.day(wall.date()) {
                1440 - i64::from(wall.hour() * 60 + wall.minute())
            } else if !sets.hour[wall.hour() as usize] {
                60 - i64::from(wall.minute())
            } else {
                1
            };
            let next_transition = (self.transitions.iter().map(|t| t.at))
                .find(|&at| at > u)
                .unwrap_or(i64::MAX);
            u = (u + step).min(next_transition);
        }
        out
    }
}

/// The UTC offset of `tz` at UTC minute `u`, in minutes.
fn offset(tz: Tz, u: i64) -> i64 {
    let off = tz.offset_from_utc_datetime(&naive(u)).fix();
    i64::from(off.local_minus_utc()) / 60
}

/// A start point near `at` (a UTC minute): up to a day and a half before, six hours after, on
/// the minute or not.
fn near(rng: &mut Rng, at: i64) -> i64 {
    let minute = at + rng.int(-36 * 60, 6 * 60);
    match rng.int(0, 3) {
        0 => at * MINUTE_MS,
        1 => minute * MINUTE_MS,
        _ => minute * MINUTE_MS + rng.int(1, MINUTE_MS - 1),
    }
}

#[test]
fn next_fires_agree_with_a_minute_by_minute_reference_across_transitions() {
    let started = std::time::Instant::now();
    let mut rng = Rng(SEED);
    let zones = [
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "America/Santiago",
        "America/Havana",
        "UTC",
        "Asia/Shanghai",
    ]
    .map(Zone::new);
    let (mut checked, mut skipped, mut gaps, mut overlaps) = (0, 0, 0, 0);
    for zone in &zones {
        let around: Vec<i64> = (zone.transitions.iter())
            .map(|t| t.at)
            .filter(|&at| (minutes(2026)..minutes(2029)).contains(&at))
            .collect();
        let starts: Vec<i64> = if around.is_empty() {
            (0..400)
                .map(|_| rng.int(minutes(2026), minutes(2029) - 1) * MINUTE_MS + rng.int(0, 59_999))
                .collect()
        } else {
            assert!(
                around.len() >= 5,
                "{}: {} transitions",
                zone.tz,
                around.len()
            );
            (around.iter())
                .flat_map(|&at| (0..128).map(move |_| at))
                .map(|at| near(&mut rng, at))
                .collect()
        };
        for start in starts {
            let (expr, sets) = expression(&mut rng);
            let end = start.div_euclid(MINUTE_MS) + HORIZON_MIN;
            let want = zone.reference(&sets, start, end, FIRES);
            let case = format!("'{expr}' in {} after {}", zone.tz, super::when(start));
            let schedule = match Schedule::new(&expr, zone.tz.name()) {
                Ok(s) => s,
                Err(e) => {
                    assert!(e.to_string().contains("never fires"), "{case}: {e}");
                    assert!(want.is_empty(), "{case} was refused but fires: {want:?}");
                    skipped += 1;
                    continue;
                }
            };
            let got: Vec<i64> = (schedule.upcoming(start, FIRES).into_iter())
                .filter(|&t| t <= end * MINUTE_MS)
                .collect();
            let show = |v: &[i64]| v.iter().map(|&t| super::when(t)).collect::<Vec<_>>();
            assert_eq!(show(&got), show(&want), "{case}");
            if want.is_empty() {
                skipped += 1;
                continue;
            }
            // The firing path sees the same fires: the latest at or before any instant.
            for (i, &fire) in want.iter().enumerate() {
                assert_eq!(schedule.latest_at_or_before(fire), Some(fire), "{case}");
                let before = schedule.latest_at_or_before(fire - 1);
                match i {
                    0 => assert!(before.is_none_or(|b| b <= start), "{case}: {before:?}"),
                    _ => assert_eq!(before, Some(want[i - 1]), "{case}"),
                }
                if let Some(&next) = want.get(i + 1) {
                    let between = fire + rng.int(0, next - fire - 1);
                    assert_eq!(schedule.latest_at_or_before(between), Some(fire), "{case}");
                }
            }
            for t in &zone.transitions {
                let (at, shift) = (t.at * MINUTE_MS, (t.after - t.before) * MINUTE_MS);
                let skipped_slot = (t.before..t.after).any(|off| sets.matches(naive(t.at + off)));
                if shift > 0 && skipped_slot && want.contains(&at) {
                    gaps += 1;
                }
                if shift < 0 && want.iter().any(|w| (at + shift..at).contains(w)) {
                    overlaps += 1;
                }
            }
            checked += 1;
        }
    }
    let took = started.elapsed();
    println!(
        "{checked} cases checked, {skipped} without a fire in two years; {gaps} fired at the \
         end of a gap, {overlaps} in the first pass of an overlap; {took:.1?}"
    );
    assert!(checked >= 4_000, "only {checked} cases");
    assert!(
        gaps >= 120 && overlaps >= 100,
        "{gaps} gaps, {overlaps} overlaps"
    );
}
