//! Budgets as monitoring sees them: each configured budget's current period (spent,
//! reserved, cap, share used, refusals), for `monitor health`, `monitor metrics`, `/metrics`
//! and the `budget_used_ratio` alert metric.

use serde::{Deserialize, Serialize};

use super::health::{Check, State};
use super::Unit;
use crate::domain::budget::{Amount, Budget, WARN_RATIO};
use crate::domain::time::Millis;
use crate::error::Result;
use crate::store::{budgets as q, Conn};

/// One budget's current period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetUse {
    pub budget: String,
    /// `daily` or `monthly`.
    pub kind: String,
    /// The period's key: `2026-12-05`, `2026-12`.
    pub period: String,
    pub timezone: String,
    pub spent_cost: f64,
    pub reserved_cost: f64,
    pub max_cost: Option<f64>,
    pub currency: Option<String>,
    pub spent_tokens: i64,
    pub reserved_tokens: i64,
    pub max_tokens: Option<u64>,
    /// Spent and reserved over the cap (the larger of cost and tokens), 0..1 and beyond.
    pub used_ratio: f64,
    /// Requests reserved in the period.
    pub requests: i64,
    /// Times the budget stopped dispatch in the period (it refused a reservation after the
    /// last one it admitted).
    pub refusals: i64,
    /// Why the last claim was refused, while no reservation has succeeded since.
    pub refused: Option<String>,
    /// When the period ends (ms since the epoch).
    pub ends_at: Millis,
}

/// The current period of each of `budgets` at `now` (zeros for one nothing was reserved in).
pub fn uses(conn: &Conn, budgets: &[Budget], now: Millis) -> Result<Vec<BudgetUse>> {
    if budgets.is_empty() {
        return Ok(Vec::new());
    }
    let rows = q::current(conn, now)?;
    Ok(budgets
        .iter()
        .map(|b| {
            let w = b.window(now);
            let row = rows
                .iter()
                .find(|r| r.budget == b.name && r.period == w.key);
            let (spent, reserved) = row
                .map(|r| (r.spent, r.reserved))
                .unwrap_or((Amount::default(), Amount::default()));
            let used = Amount {
                cost: spent.cost + reserved.cost,
                tokens: spent.tokens + reserved.tokens,
            };
            BudgetUse {
                budget: b.name.clone(),
                kind: b.period.as_str().into(),
                period: w.key.clone(),
                timezone: b.tz.name().into(),
                spent_cost: spent.cost,
                reserved_cost: reserved.cost,
                max_cost: b.max_cost,
                currency: b.currency.clone(),
                spent_tokens: spent.tokens,
                reserved_tokens: reserved.tokens,
                max_tokens: b.max_tokens,
                used_ratio: b.ratio(used),
                requests: row.map(|r| r.requests).unwrap_or(0),
                refusals: row.map(|r| r.refusals).unwrap_or(0),
                refused: row
                    .filter(|r| r.refused_at.is_some())
                    .and_then(|r| r.reason.clone()),
                ends_at: w.end,
            }
        })
        .collect())
}

/// One `monitor health` check per budget: WARNING above 80 % of its cap, CRITICAL while a
/// reservation it refused in the current period stops dispatch.
pub fn checks(uses: &[BudgetUse]) -> Vec<Check> {
    uses.iter()
        .map(|u| {
            let mut c = Check::new(
                &format!("budget_{}", u.budget),
                Unit::Ratio,
                Some(u.used_ratio),
                (Some(WARN_RATIO), None),
            );
            let pct = super::trim_float(u.used_ratio * 100.0, 1);
            let message = match &u.refused {
                Some(reason) => {
                    c.decide(State::Critical);
                    format!("{reason}: dispatch stopped ({pct}% used)")
                }
                None => format!("budget `{}` {pct}% used in {}", u.budget, u.period),
            };
            c.with(message)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn use_of(ratio: f64, refused: Option<&str>) -> BudgetUse {
        BudgetUse {
            budget: "daily-all".into(),
            kind: "daily".into(),
            period: "2026-12-05".into(),
            timezone: "UTC".into(),
            spent_cost: ratio,
            reserved_cost: 0.0,
            max_cost: Some(1.0),
            currency: Some("USD".into()),
            spent_tokens: 0,
            reserved_tokens: 0,
            max_tokens: None,
            used_ratio: ratio,
            requests: 1,
            refusals: 0,
            refused: refused.map(str::to_string),
            ends_at: 0,
        }
    }

    #[test]
    fn warns_above_80_percent_and_is_critical_once_refused() {
        let ok = checks(&[use_of(0.5, None)]).remove(0);
        assert_eq!(ok.status, State::Ok);
        let warn = checks(&[use_of(0.85, None)]).remove(0);
        assert_eq!(warn.status, State::Warning);
        assert_eq!(warn.name, "budget_daily-all");
        let crit = checks(&[use_of(
            0.9,
            Some("budget `daily-all` exhausted until 00:00 UTC"),
        )])
        .remove(0);
        assert_eq!(crit.status, State::Critical);
        assert!(
            crit.message.contains("dispatch stopped"),
            "{}",
            crit.message
        );
    }
}
