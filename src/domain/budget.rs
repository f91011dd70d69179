//! Cost budgets (`[[budgets]]`): their scope, their calendar periods in a time zone, their
//! caps, and the estimate a request reserves against them before it is sent.
//!
//! A budget's period is a calendar day or month in the budget's time zone. The store keeps
//! one row per budget and period (spent and reserved cost and tokens); this file decides
//! which period a moment falls in, which budgets a task's request counts against, and whether
//! a reservation still fits under a cap.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration as ChronoDuration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::price::Price;
use super::time::Millis;

/// Share of a cap at which `monitor health` warns.
pub const WARN_RATIO: f64 = 0.8;

/// A budget's calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Daily,
    Monthly,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Monthly => "monthly",
        }
    }
}

/// What a budget counts: the requests of one account, of one profile, or all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Account(String),
    Profile(String),
}

/// A budget as configured and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub name: String,
    pub scope: Scope,
    pub period: Period,
    pub tz: Tz,
    /// Most cost per period, in `currency` (the currency of `[prices]`).
    pub max_cost: Option<f64>,
    pub currency: Option<String>,
    /// Most tokens (prompt and completion) per period.
    pub max_tokens: Option<u64>,
}

/// One period of one budget: its key (`2026-12-05`, `2026-12`) and its bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub key: String,
    pub start: Millis,
    pub end: Millis,
}

/// Cost and tokens, spent or reserved.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Amount {
    pub cost: f64,
    pub tokens: i64,
}

/// The first instant of the local midnight starting `date` in `tz`; a midnight that a DST
/// change skips starts at the first local time that exists after it.
fn local_start(tz: Tz, date: NaiveDate) -> Millis {
    let midnight: NaiveDateTime = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    let mut t = midnight;
    // A gap is at most a few hours (a day at the very most: Samoa 2011).
    for _ in 0..(48 * 4) {
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt.timestamp_millis();
        }
        t += ChronoDuration::minutes(15);
    }
    tz.from_utc_datetime(&midnight).timestamp_millis()
}

impl Budget {
    /// The period `now` falls in.
    pub fn window(&self, now: Millis) -> Window {
        let local = self
            .tz
            .timestamp_millis_opt(now)
            .single()
            .expect("a UTC instant has one local time")
            .date_naive();
        let (key, first, next) = match self.period {
            Period::Daily => (
                local.format("%Y-%m-%d").to_string(),
                local,
                local.succ_opt().unwrap_or(local),
            ),
            Period::Monthly => {
                let first = local.with_day(1).expect("day 1 exists");
                let next = if first.month() == 12 {
                    NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
                }
                .unwrap_or(first);
                (local.format("%Y-%m").to_string(), first, next)
            }
        };
        Window {
            key,
            start: local_start(self.tz, first),
            end: local_start(self.tz, next),
        }
    }

    /// Whether a request of `account` on `profile` counts against this budget.
    pub fn applies(&self, account: &str, profile: &str) -> bool {
        match &self.scope {
            Scope::All => true,
            Scope::Account(a) => a == account,
            Scope::Profile(p) => p == profile,
        }
    }

    /// Whether `more` still fits once `used` (spent and reserved) is counted. A request
    /// always fits an empty period, so that a single request larger than a cap can run once
    /// per period rather than never.
    pub fn admits(&self, used: Amount, more: Amount) -> bool {
        if used.cost <= 0.0 && used.tokens <= 0 {
            return true;
        }
        let cost_ok = self
            .max_cost
            .is_none_or(|cap| used.cost + more.cost <= cap + 1e-12);
        let tokens_ok = self
            .max_tokens
            .is_none_or(|cap| used.tokens + more.tokens <= cap as i64);
        cost_ok && tokens_ok
    }

    /// The share of the cap `used` takes (the larger of cost and tokens).
    pub fn ratio(&self, used: Amount) -> f64 {
        let c = self.max_cost.filter(|c| *c > 0.0).map(|c| used.cost / c);
        let t = self
            .max_tokens
            .filter(|t| *t > 0)
            .map(|t| used.tokens as f64 / t as f64);
        c.into_iter().chain(t).fold(0.0, f64::max)
    }

    /// When a period ending at `end` ends, as the refusal names it: `00:00 Asia/Shanghai`,
    /// with the date when it is not the next day (`2027-01-01 00:00 UTC`).
    pub fn until_text(&self, end: Millis, now: Millis) -> String {
        let at = |ms: Millis| {
            self.tz
                .timestamp_millis_opt(ms)
                .single()
                .expect("a UTC instant has one local time")
        };
        let (e, n) = (at(end), at(now));
        if e.date_naive() == n.date_naive().succ_opt().unwrap_or(n.date_naive()) {
            format!("{} {}", e.format("%H:%M"), self.tz.name())
        } else {
            format!("{} {}", e.format("%Y-%m-%d %H:%M"), self.tz.name())
        }
    }

    /// The reason a refused task shows.
    pub fn refusal(&self, end: Millis, now: Millis) -> String {
        format!(
            "budget `{}` exhausted until {}",
            self.name,
            self.until_text(end, now)
        )
    }
}

/// What a profile's requests cost: its model's `[prices]` times its `price_factor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub prompt_per_million: f64,
    pub completion_per_million: f64,
}

impl Rate {
    pub fn of(price: &Price, factor: f64) -> Rate {
        Rate {
            prompt_per_million: price.prompt_per_million * factor,
            completion_per_million: price.completion_per_million * factor,
        }
    }

    pub fn cost(&self, prompt: i64, completion: i64) -> f64 {
        (prompt.max(0) as f64 * self.prompt_per_million
            + completion.max(0) as f64 * self.completion_per_million)
            / 1_000_000.0
    }
}

/// Completion tokens assumed when neither the profile's `max_tokens` nor the account's
/// `max_words` bounds a reply.
pub const DEFAULT_COMPLETION_TOKENS: i64 = 2048;

/// A request's tokens for budgets, `(prompt, completion)`, by the estimate rate limits use
/// ([`super::tokens`]): the prompt from the task's text plus a fixed allowance for the
/// instructions around it (the claim has the task, not the prompt the generator builds), the
/// completion from the profile's `max_tokens`, else the account's `max_words` as tokens.
pub fn budget_estimate_tokens(
    text: &str,
    max_tokens: Option<u32>,
    max_words: Option<u32>,
    language: &str,
) -> (i64, i64) {
    const INSTRUCTIONS: u64 = 200;
    let prompt = INSTRUCTIONS + super::tokens::prompt_tokens(text);
    let completion = super::tokens::completion_tokens(max_tokens, max_words, language);
    (prompt as i64, completion as i64)
}

/// What the claim needs to reserve against budgets: the budgets, and each profile's model,
/// rate (when its model has a price) and `max_tokens`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub budgets: Vec<Budget>,
    pub profiles: BTreeMap<String, ProfileCost>,
    /// Added to the clock the budgets' periods are read on (a test knob: the daemon reads
    /// `CONTENTHUB_TEST_BUDGET_CLOCK_SHIFT_MS`); 0 otherwise.
    pub clock_shift_ms: i64,
}

/// A profile as budgets see it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileCost {
    pub model: Option<String>,
    /// `None`: its model has no price; its requests count at cost 0 (tokens still count).
    pub rate: Option<Rate>,
    pub max_tokens: Option<u32>,
}

/// One reservation against one budget, as the claim records it on the task.
#[derive(Debug, Clone, PartialEq)]
pub struct Reservation {
    pub budget: String,
    pub window: Window,
    pub amount: Amount,
    pub rate: Option<Rate>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.budgets.is_empty()
    }

    pub fn budget(&self, name: &str) -> Option<&Budget> {
        self.budgets.iter().find(|b| b.name == name)
    }

    /// The reservations a request of `account` on `profile` with the estimated `tokens`
    /// makes at `now`, one per budget that applies.
    pub fn reservations(
        &self,
        account: &str,
        profile: &str,
        tokens: (i64, i64),
        now: Millis,
    ) -> Vec<Reservation> {
        let now = now + self.clock_shift_ms;
        let p = self.profiles.get(profile);
        let rate = p.and_then(|p| p.rate);
        let amount = Amount {
            cost: rate.map(|r| r.cost(tokens.0, tokens.1)).unwrap_or(0.0),
            tokens: tokens.0 + tokens.1,
        };
        self.budgets
            .iter()
            .filter(|b| b.applies(account, profile))
            .map(|b| Reservation {
                budget: b.name.clone(),
                window: b.window(now),
                amount,
                rate,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn ms(s: &str) -> Millis {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&Utc)
            .timestamp_millis()
    }

    fn budget(period: Period, tz: &str) -> Budget {
        Budget {
            name: "b".into(),
            scope: Scope::All,
            period,
            tz: tz.parse().unwrap(),
            max_cost: Some(1.0),
            currency: Some("USD".into()),
            max_tokens: Some(1000),
        }
    }

    #[test]
    fn daily_periods_follow_the_time_zone() {
        let b = budget(Period::Daily, "Asia/Shanghai");
        // 2026-12-05 17:00 UTC is 2026-12-06 01:00 in Shanghai.
        let w = b.window(ms("2026-12-05T17:00:00Z"));
        assert_eq!(w.key, "2026-12-06");
        assert_eq!(w.start, ms("2026-12-05T16:00:00Z"));
        assert_eq!(w.end, ms("2026-12-06T16:00:00Z"));
        let before = b.window(ms("2026-12-05T15:59:59.999Z"));
        assert_eq!(before.key, "2026-12-05");
        assert_eq!(before.end, w.start);
    }

    #[test]
    fn dst_days_are_23_or_25_hours_long() {
        let b = budget(Period::Daily, "Europe/Berlin");
        let spring = b.window(ms("2026-03-29T12:00:00Z"));
        assert_eq!(spring.end - spring.start, 23 * 3_600_000);
        let autumn = b.window(ms("2026-10-25T12:00:00Z"));
        assert_eq!(autumn.end - autumn.start, 25 * 3_600_000);
        // Where DST starts at midnight, the day starts at 01:00 local.
        let santiago = budget(Period::Daily, "America/Santiago");
        let w = santiago.window(ms("2026-09-06T12:00:00Z"));
        assert_eq!(w.key, "2026-09-06");
        assert_eq!(w.start, ms("2026-09-06T04:00:00Z"));
    }

    #[test]
    fn monthly_periods_span_the_calendar_month() {
        let b = budget(Period::Monthly, "UTC");
        let w = b.window(ms("2026-12-31T23:59:59Z"));
        assert_eq!(w.key, "2026-12");
        assert_eq!(w.start, ms("2026-12-01T00:00:00Z"));
        assert_eq!(w.end, ms("2027-01-01T00:00:00Z"));
        let feb = b.window(ms("2028-02-15T00:00:00Z"));
        assert_eq!(feb.end - feb.start, 29 * 86_400_000);
    }

    #[test]
    fn caps_admit_up_to_the_cap_and_one_request_into_an_empty_period() {
        let b = budget(Period::Daily, "UTC");
        let used = Amount {
            cost: 0.9,
            tokens: 100,
        };
        let fits = Amount {
            cost: 0.1,
            tokens: 10,
        };
        assert!(b.admits(used, fits));
        let too_costly = Amount {
            cost: 0.2,
            tokens: 10,
        };
        assert!(!b.admits(used, too_costly));
        let too_long = Amount {
            cost: 0.0,
            tokens: 901,
        };
        assert!(!b.admits(used, too_long));
        assert!(b.admits(Amount::default(), too_long));
        assert!((b.ratio(used) - 0.9).abs() < 1e-9);
    }

    #[test]
    fn reservations_price_the_estimate_with_the_factor() {
        let price = Price {
            prompt_per_million: 2.0,
            completion_per_million: 8.0,
            currency: "USD".into(),
        };
        let mut plan = Plan::default();
        plan.budgets.push(budget(Period::Daily, "UTC"));
        let mut acct = budget(Period::Monthly, "UTC");
        acct.name = "acct".into();
        acct.scope = Scope::Account("other".into());
        plan.budgets.push(acct);
        plan.profiles.insert(
            "gpt".into(),
            ProfileCost {
                model: Some("m".into()),
                rate: Some(Rate::of(&price, 0.5)),
                max_tokens: Some(1000),
            },
        );
        let r = plan.reservations("acme", "gpt", (1000, 1000), ms("2026-12-05T00:00:00Z"));
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].amount.tokens, 2000);
        assert!((r[0].amount.cost - 0.005).abs() < 1e-12);
        assert_eq!(r[0].window.key, "2026-12-05");
        let unpriced = plan.reservations("other", "template", (10, 10), 0);
        assert_eq!(unpriced.len(), 2);
        assert_eq!(unpriced[0].amount.cost, 0.0);
    }

    #[test]
    fn estimates_count_cjk_characters_as_tokens() {
        let (p, c) = budget_estimate_tokens("你好世界", Some(500), Some(800), "zh-CN");
        assert_eq!((p, c), (204, 500));
        // CJK word counts are characters, a token each; other words 1.3 tokens.
        let (p, c) = budget_estimate_tokens("abcdefgh", None, Some(800), "zh-CN");
        assert_eq!((p, c), (202, 800));
        let (_, c) = budget_estimate_tokens("abcdefgh", None, Some(800), "en");
        assert_eq!(c, 1040);
        assert_eq!(budget_estimate_tokens("", None, None, "en").1, 2048);
    }

    #[test]
    fn refusals_name_the_budget_and_the_end_of_its_period() {
        let mut b = budget(Period::Daily, "Asia/Shanghai");
        b.name = "daily-all".into();
        let now = ms("2026-12-05T10:00:00Z");
        let w = b.window(now);
        assert_eq!(
            b.refusal(w.end, now),
            "budget `daily-all` exhausted until 00:00 Asia/Shanghai"
        );
        let m = budget(Period::Monthly, "UTC");
        let w = m.window(now);
        assert_eq!(m.until_text(w.end, now), "2027-01-01 00:00 UTC");
    }
}
