//! Provider rate limits (`rpm`, `tpm`, `rpd`, `tpd` of a generator profile) as token buckets.
//!
//! Each limit is a bucket of capacity `limit` refilled continuously at `limit / window`
//! (`rate_window` for `rpm`/`tpm`, a day for `rpd`/`tpd`): a rolling limit, with no calendar
//! boundary where two bursts could meet. A request is admitted when every bucket holds what it
//! needs (one request; its estimated tokens), which is then taken out; when its reply comes,
//! the tokens are settled against what the reply reports it used.
//!
//! The store keeps one [`Bucket`] per profile, read and written in the claim transaction, so
//! every daemon on the store draws from the same buckets. Everything here is arithmetic on
//! injected times.

use serde::{Deserialize, Serialize};

use super::time::Millis;

/// A day, the window of `rpd` and `tpd`.
pub const DAY_MS: i64 = 86_400_000;
/// The default `rate_window`.
pub const DEFAULT_WINDOW_MS: i64 = 60_000;

/// What a profile's limits are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimits {
    /// Requests per `window_ms`.
    pub rpm: Option<u64>,
    /// Tokens per `window_ms`.
    pub tpm: Option<u64>,
    /// Requests per rolling day.
    pub rpd: Option<u64>,
    /// Tokens per rolling day.
    pub tpd: Option<u64>,
    /// The window of `rpm` and `tpm`.
    pub window_ms: i64,
}

impl RateLimits {
    /// Whether any limit is set.
    pub fn any(&self) -> bool {
        self.rpm.is_some() || self.tpm.is_some() || self.rpd.is_some() || self.tpd.is_some()
    }
}

/// One of the four limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Rpm,
    Tpm,
    Rpd,
    Tpd,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Rpm, Kind::Tpm, Kind::Rpd, Kind::Tpd];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Rpm => "rpm",
            Kind::Tpm => "tpm",
            Kind::Rpd => "rpd",
            Kind::Tpd => "tpd",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn index(self) -> usize {
        self as usize
    }

    fn tokens(self) -> bool {
        matches!(self, Kind::Tpm | Kind::Tpd)
    }
}

/// A profile's buckets at time `at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// The limits configured.
    pub limits: RateLimits,
    /// Lower request and token limits per window that the provider's headers announced.
    pub learned_rpm: Option<u64>,
    pub learned_tpm: Option<u64>,
    /// What each bucket holds (indexed by [`Kind`]); may be below zero after a settlement or
    /// a provider's remaining count.
    pub level: [f64; 4],
    /// When the levels were last brought up to date.
    pub at: Millis,
    /// Why and until when the profile's last refusal lasts.
    pub wait: Option<(Kind, Millis)>,
}

/// What a request would have needed and when it fits: a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub kind: Kind,
    pub until: Millis,
}

impl Bucket {
    /// Full buckets for `limits` at `now`.
    pub fn new(limits: RateLimits, now: Millis) -> Bucket {
        let mut b = Bucket {
            limits,
            learned_rpm: None,
            learned_tpm: None,
            level: [0.0; 4],
            at: now,
            wait: None,
        };
        for k in Kind::ALL {
            b.level[k.index()] = b.capacity(k).unwrap_or(0) as f64;
        }
        b
    }

    /// The capacity of `kind`'s bucket, when that limit is set.
    pub fn capacity(&self, kind: Kind) -> Option<u64> {
        let (configured, learned) = match kind {
            Kind::Rpm => (self.limits.rpm, self.learned_rpm),
            Kind::Tpm => (self.limits.tpm, self.learned_tpm),
            Kind::Rpd => (self.limits.rpd, None),
            Kind::Tpd => (self.limits.tpd, None),
        };
        let configured = configured?;
        Some(learned.map_or(configured, |l| l.min(configured)))
    }

    fn window(&self, kind: Kind) -> i64 {
        match kind {
            Kind::Rpm | Kind::Tpm => self.limits.window_ms.max(1),
            Kind::Rpd | Kind::Tpd => DAY_MS,
        }
    }

    /// Refill per millisecond.
    fn rate(&self, kind: Kind) -> Option<f64> {
        Some(self.capacity(kind)? as f64 / self.window(kind) as f64)
    }

    /// Applies new limits (a changed configuration), keeping the levels within them.
    pub fn reconfigure(&mut self, limits: RateLimits, now: Millis) {
        if self.limits == limits {
            return;
        }
        self.refill(now);
        let was = self.limits;
        self.limits = limits;
        for k in Kind::ALL {
            match (self.capacity(k), k) {
                (None, _) => self.level[k.index()] = 0.0,
                // A limit that was not set before starts full.
                (Some(cap), Kind::Rpm) if was.rpm.is_none() => self.level[0] = cap as f64,
                (Some(cap), Kind::Tpm) if was.tpm.is_none() => self.level[1] = cap as f64,
                (Some(cap), Kind::Rpd) if was.rpd.is_none() => self.level[2] = cap as f64,
                (Some(cap), Kind::Tpd) if was.tpd.is_none() => self.level[3] = cap as f64,
                (Some(cap), _) => self.level[k.index()] = self.level[k.index()].min(cap as f64),
            }
        }
    }

    /// Brings the levels up to `now` (never back in time: another daemon's clock may be a
    /// little ahead).
    pub fn refill(&mut self, now: Millis) {
        let dt = (now - self.at).max(0) as f64;
        for k in Kind::ALL {
            if let (Some(cap), Some(rate)) = (self.capacity(k), self.rate(k)) {
                let l = &mut self.level[k.index()];
                *l = (*l + rate * dt).min(cap as f64);
            }
        }
        self.at = self.at.max(now);
    }

    /// What a request of `tokens` needs from `kind`'s bucket. A request larger than the whole
    /// capacity needs a full bucket (it would otherwise never fit).
    fn need(&self, kind: Kind, tokens: u64) -> Option<f64> {
        let cap = self.capacity(kind)? as f64;
        let want = if kind.tokens() { tokens as f64 } else { 1.0 };
        Some(want.min(cap))
    }

    /// When a request of `tokens` would fit, if it does not now: the limit that binds longest.
    fn shortfall(&self, tokens: u64) -> Option<Refused> {
        let mut worst: Option<Refused> = None;
        for k in Kind::ALL {
            let (Some(need), Some(rate)) = (self.need(k, tokens), self.rate(k)) else {
                continue;
            };
            let have = self.level[k.index()];
            // A thousandth of a unit absorbs the rounding of the refill.
            if have + 1e-3 >= need {
                continue;
            }
            let wait = ((need - have) / rate).ceil() as i64;
            let until = self.at + wait.max(1);
            if worst.is_none_or(|w| until > w.until) {
                worst = Some(Refused { kind: k, until });
            }
        }
        worst
    }

    /// Reserves one request and `tokens` at `now`, or says which limit refuses it and when it
    /// would fit (remembered as the bucket's wait).
    pub fn reserve(&mut self, now: Millis, tokens: u64) -> Result<(), Refused> {
        self.refill(now);
        if let Some(r) = self.shortfall(tokens) {
            self.wait = Some((r.kind, r.until));
            return Err(r);
        }
        for k in Kind::ALL {
            if let Some(need) = self.need(k, tokens) {
                self.level[k.index()] -= need;
            }
        }
        self.wait = None;
        Ok(())
    }

    /// Gives back a reservation of one request and `tokens` that was never used (the task
    /// could not be taken after all).
    pub fn unreserve(&mut self, tokens: u64) {
        for k in Kind::ALL {
            if let (Some(need), Some(cap)) = (self.need(k, tokens), self.capacity(k)) {
                let l = &mut self.level[k.index()];
                *l = (*l + need).min(cap as f64);
            }
        }
    }

    /// Settles a request that reserved `reserved` tokens: with the reply's `used` tokens the
    /// difference goes back (or is taken, when it used more); with none (a failure that
    /// reported no usage) every reserved token goes back. The request stays counted.
    pub fn settle(&mut self, now: Millis, reserved: u64, used: Option<u64>) {
        self.refill(now);
        let back = reserved as f64 - used.unwrap_or(0) as f64;
        for k in [Kind::Tpm, Kind::Tpd] {
            if let Some(cap) = self.capacity(k) {
                let l = &mut self.level[k.index()];
                *l = (*l + back).min(cap as f64);
            }
        }
    }

    /// Follows what the provider's headers say, for a request sent at `h.sent_at` (else at
    /// `claimed_at`): a lower limit lowers the capacity (and the refill), a remaining count
    /// caps the level. The remaining count was the provider's at about the time the request
    /// left: what has refilled since is added to it, and so is the fraction of a unit its
    /// whole number leaves out.
    pub fn observe(&mut self, now: Millis, claimed_at: Millis, h: &RateHeaders) {
        self.refill(now);
        let sent_at = h.sent_at.unwrap_or(claimed_at).max(claimed_at);
        for (kind, limit, remaining) in [
            (Kind::Rpm, h.limit_requests, h.remaining_requests),
            (Kind::Tpm, h.limit_tokens, h.remaining_tokens),
        ] {
            let Some(configured) = (match kind {
                Kind::Rpm => self.limits.rpm,
                _ => self.limits.tpm,
            }) else {
                continue;
            };
            if let Some(limit) = limit {
                let learned = (limit < configured).then_some(limit);
                match kind {
                    Kind::Rpm => self.learned_rpm = learned,
                    _ => self.learned_tpm = learned,
                }
            }
            let (Some(cap), Some(rate)) = (self.capacity(kind), self.rate(kind)) else {
                continue;
            };
            let l = &mut self.level[kind.index()];
            *l = l.min(cap as f64);
            if let Some(remaining) = remaining {
                let since = (now - sent_at).max(0) as f64 * rate;
                *l = l.min(remaining as f64 + 0.99 + since);
            }
        }
    }

    /// What is in use now of `kind`'s limit: the capacity less what the bucket holds.
    pub fn used(&self, kind: Kind, now: Millis) -> Option<u64> {
        let mut b = self.clone();
        b.refill(now);
        let cap = b.capacity(kind)?;
        Some(
            (cap as f64 - b.level[kind.index()])
                .round()
                .clamp(0.0, f64::MAX) as u64,
        )
    }

    /// The wait that still lasts at `now`.
    pub fn waiting(&self, now: Millis) -> Option<(Kind, Millis)> {
        self.wait.filter(|(_, until)| *until > now)
    }
}

/// The wait reason `task show` gives: "waiting for tpm on profile qwen, ~12 s".
pub fn wait_reason(kind: Kind, profile: &str, until: Millis, now: Millis) -> String {
    let secs = ((until - now).max(0) as f64 / 1000.0).ceil() as i64;
    format!(
        "waiting for {} on profile {profile}, ~{secs} s",
        kind.as_str()
    )
}

/// The rate-limit headers of a provider's reply (`x-ratelimit-*`), sane values only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateHeaders {
    pub limit_requests: Option<u64>,
    pub limit_tokens: Option<u64>,
    pub remaining_requests: Option<u64>,
    pub remaining_tokens: Option<u64>,
    /// Until the provider's request and token limits are back to full, in milliseconds.
    pub reset_requests_ms: Option<i64>,
    pub reset_tokens_ms: Option<i64>,
    /// When the request left, by the generator's clock: the remaining counts are the
    /// provider's as of about then.
    #[serde(default)]
    pub sent_at: Option<Millis>,
}

impl RateHeaders {
    /// Reads the headers through `get` (a header's value by lower-case name). Negative or
    /// unparsable values and a limit of 0 are left out; a remaining count of 0 is kept.
    pub fn read<'a>(get: impl Fn(&str) -> Option<&'a str>) -> RateHeaders {
        let count = |name: &str| get(name).and_then(parse_count);
        RateHeaders {
            limit_requests: count("x-ratelimit-limit-requests").filter(|n| *n > 0),
            limit_tokens: count("x-ratelimit-limit-tokens").filter(|n| *n > 0),
            remaining_requests: count("x-ratelimit-remaining-requests"),
            remaining_tokens: count("x-ratelimit-remaining-tokens"),
            reset_requests_ms: get("x-ratelimit-reset-requests").and_then(parse_reset),
            reset_tokens_ms: get("x-ratelimit-reset-tokens").and_then(parse_reset),
            sent_at: None,
        }
    }

    /// The same, sent at `at`.
    pub fn sent(self, at: Millis) -> RateHeaders {
        RateHeaders {
            sent_at: Some(at),
            ..self
        }
    }

    /// Whether any header was read.
    pub fn any(&self) -> bool {
        *self != RateHeaders::default()
    }
}

fn parse_count(v: &str) -> Option<u64> {
    v.trim().parse::<u64>().ok()
}

/// A reset time: "1s", "6m0s", "20ms", "1h2m3.5s", or plain seconds ("12", "0.5").
pub fn parse_reset(v: &str) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).round() as i64);
    }
    let mut total = 0.0f64;
    let mut rest = v;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|e| *e > 0)?;
        let n: f64 = rest[..end].parse().ok()?;
        rest = &rest[end..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let ms = match &rest[..unit_len] {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return None,
        };
        total += n * ms;
        rest = &rest[unit_len..];
    }
    Some(total.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_000_000;

    fn limits(rpm: u64, tpm: Option<u64>, window_ms: i64) -> RateLimits {
        RateLimits {
            rpm: Some(rpm),
            tpm,
            window_ms,
            ..RateLimits::default()
        }
    }

    #[test]
    fn reserves_until_empty_then_says_when_it_fits() {
        let mut b = Bucket::new(limits(40, None, 10_000), T0);
        for _ in 0..40 {
            b.reserve(T0, 100).unwrap();
        }
        let r = b.reserve(T0, 100).unwrap_err();
        assert_eq!(r.kind, Kind::Rpm);
        // One request refills in 10 s / 40 = 250 ms.
        assert_eq!(r.until, T0 + 250);
        assert_eq!(b.waiting(T0), Some((Kind::Rpm, T0 + 250)));
        assert!(b.reserve(T0 + 249, 100).is_err());
        b.reserve(T0 + 250, 100).unwrap();
        assert_eq!(b.waiting(T0 + 250), None);
    }

    #[test]
    fn the_window_is_rolling() {
        // With rate_window 10 s and rpm 40, no 10 s span admits more than 40 once the burst
        // is spent: one request per 250 ms.
        let mut b = Bucket::new(limits(40, None, 10_000), T0);
        let mut admitted = Vec::new();
        let mut t = T0;
        while t < T0 + 60_000 {
            while b.reserve(t, 1).is_ok() {
                admitted.push(t);
            }
            t += 10;
        }
        // The first 40 at once, then one per 250 ms.
        assert!((279..=280).contains(&admitted.len()), "{}", admitted.len());
        for w in admitted[40..].windows(41) {
            assert!(w[40] - w[0] >= 10_000, "41 requests within one window");
        }
        // Refilling stops at the capacity.
        let mut idle = Bucket::new(limits(40, None, 10_000), T0);
        idle.refill(T0 + 1_000_000);
        assert_eq!(idle.level[0], 40.0);
    }

    #[test]
    fn tokens_bind_and_settle_against_usage() {
        let mut b = Bucket::new(limits(1000, Some(3_000), 60_000), T0);
        b.reserve(T0, 1_000).unwrap();
        b.reserve(T0, 1_000).unwrap();
        b.reserve(T0, 1_000).unwrap();
        let r = b.reserve(T0, 1_000).unwrap_err();
        assert_eq!(r.kind, Kind::Tpm);
        assert_eq!(r.until, T0 + 20_000);
        // The replies used 400 each: 600 back each.
        b.settle(T0, 1_000, Some(400));
        b.settle(T0, 1_000, Some(400));
        assert_eq!(b.level[1], 1_200.0);
        b.reserve(T0, 1_000).unwrap();
        // A failure without usage gives every token back, the request stays counted.
        let requests = b.level[0];
        b.settle(T0, 1_000, None);
        assert_eq!(b.level[1], 1_200.0);
        assert_eq!(b.level[0], requests);
        // Using more than reserved takes the rest, below zero if need be.
        b.settle(T0, 100, Some(2_000));
        assert_eq!(b.level[1], -700.0);
        // Never above the capacity.
        b.settle(T0 + 10_000_000, 5_000, Some(0));
        assert_eq!(b.level[1], 3_000.0);
    }

    #[test]
    fn a_request_larger_than_the_capacity_waits_for_a_full_bucket() {
        let mut b = Bucket::new(limits(10, Some(500), 1_000), T0);
        b.reserve(T0, 800).unwrap();
        assert!(b.reserve(T0 + 500, 800).is_err());
        b.reserve(T0 + 1_000, 800).unwrap();
    }

    #[test]
    fn daily_limits_use_a_rolling_day() {
        let mut b = Bucket::new(
            RateLimits {
                rpd: Some(2),
                window_ms: 60_000,
                ..RateLimits::default()
            },
            T0,
        );
        b.reserve(T0, 10).unwrap();
        b.reserve(T0, 10).unwrap();
        let r = b.reserve(T0, 10).unwrap_err();
        assert_eq!((r.kind, r.until), (Kind::Rpd, T0 + DAY_MS / 2));
    }

    #[test]
    fn headers_lower_the_limit_and_cap_the_level() {
        let mut b = Bucket::new(limits(40, Some(10_000), 10_000), T0);
        let h = RateHeaders {
            limit_requests: Some(20),
            remaining_requests: Some(5),
            ..RateHeaders::default()
        };
        b.observe(T0, T0, &h);
        assert_eq!(b.capacity(Kind::Rpm), Some(20));
        assert!(b.level[0] < 6.0 && b.level[0] > 5.0);
        // A higher limit than configured is not followed; the configured one holds again.
        let higher = RateHeaders {
            limit_requests: Some(100),
            ..RateHeaders::default()
        };
        b.observe(T0, T0, &higher);
        assert_eq!(b.capacity(Kind::Rpm), Some(40));
        // Remaining 0 is real: nothing fits until the bucket refills.
        let empty = RateHeaders {
            remaining_tokens: Some(0),
            ..RateHeaders::default()
        };
        b.observe(T0, T0, &empty);
        assert!(b.reserve(T0, 1).is_err());
        // The remaining count of a request sent a while ago allows for the refill since.
        let mut c = Bucket::new(limits(40, None, 10_000), T0);
        let stale = RateHeaders {
            remaining_requests: Some(0),
            ..RateHeaders::default()
        };
        c.observe(T0 + 1_000, T0, &stale);
        // 1 s at 4 per second.
        assert!(c.level[0] >= 4.0 && c.level[0] < 5.0);
    }

    #[test]
    fn nonsense_headers_are_ignored() {
        let headers = [
            ("x-ratelimit-limit-requests", "-5"),
            ("x-ratelimit-limit-tokens", "0"),
            ("x-ratelimit-remaining-requests", "lots"),
            ("x-ratelimit-remaining-tokens", "-1"),
            ("x-ratelimit-reset-requests", "soon"),
            ("x-ratelimit-reset-tokens", "-2s"),
        ];
        let h = RateHeaders::read(|n| headers.iter().find(|(k, _)| *k == n).map(|(_, v)| *v));
        assert_eq!(h, RateHeaders::default());
        assert!(!h.any());
        let mut b = Bucket::new(limits(40, Some(1_000), 10_000), T0);
        let before = b.clone();
        b.observe(T0, T0, &h);
        assert_eq!(b, before);
    }

    #[test]
    fn sane_headers_are_read() {
        let headers = [
            ("x-ratelimit-limit-requests", "60"),
            ("x-ratelimit-limit-tokens", "150000"),
            ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-remaining-tokens", "149500"),
            ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-reset-tokens", "6m0s"),
        ];
        let h = RateHeaders::read(|n| headers.iter().find(|(k, _)| *k == n).map(|(_, v)| *v));
        assert_eq!(h.limit_requests, Some(60));
        assert_eq!(h.limit_tokens, Some(150_000));
        assert_eq!(h.remaining_requests, Some(0));
        assert_eq!(h.remaining_tokens, Some(149_500));
        assert_eq!(h.reset_requests_ms, Some(1_000));
        assert_eq!(h.reset_tokens_ms, Some(360_000));
        assert_eq!(parse_reset("20ms"), Some(20));
        assert_eq!(parse_reset("1h2m3.5s"), Some(3_723_500));
        assert_eq!(parse_reset("0.5"), Some(500));
        assert_eq!(parse_reset("ms"), None);
        assert_eq!(parse_reset("3x"), None);
    }

    #[test]
    fn reconfiguring_keeps_levels_within_the_new_limits() {
        let mut b = Bucket::new(limits(40, None, 10_000), T0);
        b.reconfigure(limits(10, Some(500), 10_000), T0);
        assert_eq!(b.level[0], 10.0);
        assert_eq!(b.level[1], 500.0);
    }

    #[test]
    fn the_wait_reason_reads_well() {
        assert_eq!(
            wait_reason(Kind::Tpm, "qwen", T0 + 11_200, T0),
            "waiting for tpm on profile qwen, ~12 s"
        );
    }
}
