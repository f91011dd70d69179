//! Budgets in the store: one row per budget and period (spent, reserved, refusals) and each
//! claimed task's reservations.
//!
//! A claim reserves a task's estimated cost and tokens against every budget that applies
//! ([`admit`]), in the claim's transaction; the task's result settles them ([`settle`]), in
//! the result's. The caps and periods are the domain's ([`crate::domain::budget`]); this file
//! only counts. On PostgreSQL a reservation locks its budget's period rows (in budget name
//! order, so two claims never wait on each other in a cycle) until the claim commits: a
//! second daemon's claim then counts what the first reserved, and together they never pass
//! a cap by more than the requests in flight.

use super::sql::{args, Sql};
use super::tasks::Seq;
use super::Conn;
use crate::domain::budget::{budget_estimate_tokens, Amount, Plan, Reservation, Scope};
use crate::domain::time::Millis;
use crate::error::Result;

/// What [`admit`] decided for one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Reserved (or no budget applies).
    Admitted,
    /// A budget's cap would be passed: the task stays pending. `ends` is when the budget's
    /// period ends.
    Refused {
        budget: String,
        scope: Scope,
        ends: Millis,
    },
}

/// One budget period as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodRow {
    pub budget: String,
    pub period: String,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub spent: Amount,
    pub reserved: Amount,
    pub requests: i64,
    /// Times the budget started refusing reservations in the period (after a reservation
    /// that succeeded, or at its first).
    pub refusals: i64,
    /// When it started refusing, while no reservation has succeeded since.
    pub refused_at: Option<Millis>,
    pub reason: Option<String>,
    pub scope_account: Option<String>,
    pub scope_profile: Option<String>,
}

impl PeriodRow {
    /// Spent and reserved together.
    pub fn used(&self) -> Amount {
        Amount {
            cost: self.spent.cost + self.reserved.cost,
            tokens: self.spent.tokens + self.reserved.tokens,
        }
    }
}

const PERIOD_COLUMNS: &str = "budget, period, starts_at, ends_at, spent_cost, spent_tokens,
    reserved_cost, reserved_tokens, requests, refusals, refused_at, reason, scope_account,
    scope_profile";

fn period_row(r: &super::sql::Row<'_>) -> Result<PeriodRow> {
    Ok(PeriodRow {
        budget: r.get(0)?,
        period: r.get(1)?,
        starts_at: r.get(2)?,
        ends_at: r.get(3)?,
        spent: Amount {
            cost: r.get(4)?,
            tokens: r.get(5)?,
        },
        reserved: Amount {
            cost: r.get(6)?,
            tokens: r.get(7)?,
        },
        requests: r.get(8)?,
        refusals: r.get(9)?,
        refused_at: r.get(10)?,
        reason: r.get(11)?,
        scope_account: r.get(12)?,
        scope_profile: r.get(13)?,
    })
}

/// Reserves the estimated cost and tokens of task `seq` on `profile` against every budget of
/// `plan` that applies, or refuses it (reserving nothing) when one would pass its cap. A
/// refusal is recorded on the budget's period row, with its reason. A reservation the task
/// still holds from an earlier claim (its lease expired) is released first.
pub fn admit(conn: &Conn, plan: &Plan, seq: i64, profile: &str, now: Millis) -> Result<Admission> {
    if plan.is_empty() {
        return Ok(Admission::Admitted);
    }
    let Some((topic, keywords, requirements, account, max_words, language)) = conn.row(
        Sql::same(
            "SELECT t.topic, t.keywords, t.requirements, a.name, a.max_words, a.language
             FROM tasks t JOIN accounts a ON a.id = t.account_id WHERE t.seq = ?1",
        ),
        args![seq],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<Option<String>>(1)?,
                r.get::<Option<String>>(2)?,
                r.get::<String>(3)?,
                r.get::<Option<u32>>(4)?,
                r.get::<String>(5)?,
            ))
        },
    )?
    else {
        return Ok(Admission::Admitted);
    };
    let mut reservations = {
        let text = [Some(topic), keywords, requirements]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
        let max_tokens = plan.profiles.get(profile).and_then(|p| p.max_tokens);
        let tokens = budget_estimate_tokens(&text, max_tokens, max_words, &language);
        plan.reservations(&account, profile, tokens, now)
    };
    if reservations.is_empty() {
        return Ok(Admission::Admitted);
    }
    reservations.sort_by(|a, b| a.budget.cmp(&b.budget));
    release(conn, Seq(seq))?;
    for r in &reservations {
        let budget = plan
            .budget(&r.budget)
            .expect("a reservation names a planned budget");
        let (scope_account, scope_profile) = match &budget.scope {
            Scope::All => (None, None),
            Scope::Account(a) => (Some(a.as_str()), None),
            Scope::Profile(p) => (None, Some(p.as_str())),
        };
        conn.exec(
            Sql::same(
                "INSERT INTO budget_periods(budget, period, starts_at, ends_at, scope_account, scope_profile)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (budget, period) DO NOTHING",
            ),
            args![
                r.budget,
                r.window.key,
                r.window.start,
                r.window.end,
                scope_account,
                scope_profile
            ],
        )?;
        let row = conn.one(
            Sql::each(
                &format!("SELECT {PERIOD_COLUMNS} FROM budget_periods WHERE budget = ?1 AND period = ?2"),
                &format!("SELECT {PERIOD_COLUMNS} FROM budget_periods WHERE budget = $1 AND period = $2 FOR UPDATE"),
            ),
            args![r.budget, r.window.key],
            period_row,
        )?;
        if !budget.admits(row.used(), r.amount) {
            let reason = budget.refusal(r.window.end, now + plan.clock_shift_ms);
            // Recorded once until a reservation succeeds again: a claim that finds the
            // budget still exhausted writes nothing, so it wakes no daemon (a write would
            // read as news to every claimer, which would claim again at once).
            conn.exec(
                Sql::same(
                    "UPDATE budget_periods SET refusals = refusals + 1, refused_at = ?3, reason = ?4
                     WHERE budget = ?1 AND period = ?2 AND refused_at IS NULL",
                ),
                args![r.budget, r.window.key, now, reason],
            )?;
            return Ok(Admission::Refused {
                budget: r.budget.clone(),
                scope: budget.scope.clone(),
                ends: r.window.end - plan.clock_shift_ms,
            });
        }
    }
    for r in &reservations {
        reserve(conn, seq, r, now)?;
    }
    Ok(Admission::Admitted)
}

fn reserve(conn: &Conn, seq: i64, r: &Reservation, now: Millis) -> Result<()> {
    conn.exec(
        Sql::same(
            "UPDATE budget_periods SET reserved_cost = reserved_cost + ?3,
                 reserved_tokens = reserved_tokens + ?4, requests = requests + 1,
                 refused_at = NULL, reason = NULL
             WHERE budget = ?1 AND period = ?2",
        ),
        args![r.budget, r.window.key, r.amount.cost, r.amount.tokens],
    )?;
    conn.exec(
        Sql::same(
            "INSERT INTO budget_reservations(task_seq, budget, period, cost, tokens, prompt_rate,
                 completion_rate, reserved_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        ),
        args![
            seq,
            r.budget,
            r.window.key,
            r.amount.cost,
            r.amount.tokens,
            r.rate.map(|r| r.prompt_per_million),
            r.rate.map(|r| r.completion_per_million),
            now
        ],
    )?;
    Ok(())
}

/// The actual usage of a request: its prompt and completion tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub prompt: i64,
    pub completion: i64,
}

/// How a result settles its task's reservations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// A reply came back: replace the reservations by its usage.
    Usage(Usage),
    /// The attempt ended without a reply: release them.
    Release,
    /// Released at shutdown: keep them while a remote job runs on, else release them.
    Released,
}

/// Settles task `seq`'s reservations, in the result's transaction: a reply replaces each
/// reservation by its actual cost and tokens (its usage at the rate reserved); any other end
/// of the attempt releases them, but for a release that leaves a remote job running.
pub fn settle(conn: &Conn, seq: Seq, how: Settlement) -> Result<()> {
    let usage = match how {
        Settlement::Usage(u) => Some(u),
        Settlement::Release => None,
        Settlement::Released => {
            let remote: bool = conn
                .row(
                    Sql::same("SELECT remote_job_id IS NOT NULL FROM tasks WHERE seq = ?1"),
                    args![seq.0],
                    |r| r.get(0),
                )?
                .unwrap_or(false);
            if remote {
                return Ok(());
            }
            None
        }
    };
    settle_with(conn, seq, usage)
}

/// Replaces task `seq`'s reservations by `usage` (`None`: releases them).
pub fn settle_with(conn: &Conn, seq: Seq, usage: Option<Usage>) -> Result<()> {
    type Held = (String, String, f64, i64, Option<f64>, Option<f64>);
    let held: Vec<Held> = conn.rows(
        Sql::same(
            "SELECT budget, period, cost, tokens, prompt_rate, completion_rate
             FROM budget_reservations WHERE task_seq = ?1 ORDER BY budget",
        ),
        args![seq.0],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    if held.is_empty() {
        return Ok(());
    }
    for (budget, period, cost, tokens, prompt_rate, completion_rate) in held {
        let (spent_cost, spent_tokens) = match usage {
            Some(u) => (
                (u.prompt.max(0) as f64 * prompt_rate.unwrap_or(0.0)
                    + u.completion.max(0) as f64 * completion_rate.unwrap_or(0.0))
                    / 1_000_000.0,
                u.prompt.max(0) + u.completion.max(0),
            ),
            None => (0.0, 0),
        };
        conn.exec(
            Sql::same(
                "UPDATE budget_periods SET
                     reserved_cost = CASE WHEN reserved_cost - ?3 < 1e-12 THEN 0 ELSE reserved_cost - ?3 END,
                     reserved_tokens = CASE WHEN reserved_tokens - ?4 < 0 THEN 0 ELSE reserved_tokens - ?4 END,
                     spent_cost = spent_cost + ?5, spent_tokens = spent_tokens + ?6
                 WHERE budget = ?1 AND period = ?2",
            ),
            args![budget, period, cost, tokens, spent_cost, spent_tokens],
        )?;
    }
    conn.exec(
        Sql::same("DELETE FROM budget_reservations WHERE task_seq = ?1"),
        args![seq.0],
    )?;
    Ok(())
}

/// Releases the reservations of tasks no longer in flight whose result never settled them
/// (a lease that expired and was reaped, a task cancelled or timed out while its worker was
/// gone, a task deleted). Run by each claim before it reserves anything: the reservations are
/// few (at most the requests in flight), so this is one small read.
pub fn release_stale(conn: &Conn, plan: &Plan) -> Result<()> {
    if plan.is_empty() {
        return Ok(());
    }
    let stale: Vec<i64> = conn.rows(
        Sql::same(
            "SELECT DISTINCT r.task_seq FROM budget_reservations r
             LEFT JOIN tasks t ON t.seq = r.task_seq
             WHERE t.seq IS NULL OR t.status NOT IN ('submitted','processing')
             ORDER BY r.task_seq",
        ),
        args![],
        |r| r.get(0),
    )?;
    for seq in stale {
        release(conn, Seq(seq))?;
    }
    Ok(())
}

/// Releases whatever task `seq` still has reserved.
pub fn release(conn: &Conn, seq: Seq) -> Result<()> {
    settle_with(conn, seq, None)
}

/// The periods that have not ended at `now`, by budget.
pub fn current(conn: &Conn, now: Millis) -> Result<Vec<PeriodRow>> {
    conn.rows(
        Sql::same(&format!(
            "SELECT {PERIOD_COLUMNS} FROM budget_periods
             WHERE starts_at <= ?1 AND ends_at > ?1 ORDER BY budget, period"
        )),
        args![now],
        period_row,
    )
}

/// The periods not ended at `now` whose budget refused a reservation since its last
/// successful one: the budgets holding tasks back now.
pub fn refusing(conn: &Conn, now: Millis) -> Result<Vec<PeriodRow>> {
    conn.rows(
        Sql::same(&format!(
            "SELECT {PERIOD_COLUMNS} FROM budget_periods
             WHERE refused_at IS NOT NULL AND starts_at <= ?1 AND ends_at > ?1
             ORDER BY budget, period"
        )),
        args![now],
        period_row,
    )
}

/// Due pending tasks on a profile (`generator`; `default` also takes the tasks that name
/// none), of `account` when given, in claim order, at most `limit`.
pub fn pending_on(
    conn: &Conn,
    generator: &str,
    default: bool,
    account: Option<&str>,
    now: Millis,
    limit: i64,
) -> Result<Vec<i64>> {
    let unnamed = if default {
        " OR t.generator IS NULL"
    } else {
        ""
    };
    conn.rows(
        Sql::same(&format!(
            "SELECT t.seq FROM tasks t JOIN accounts a ON a.id = t.account_id
             WHERE t.status = 'pending' AND t.next_attempt_at <= ?1
               AND (t.generator = ?2{unnamed})
               AND (?3 = '' OR lower(a.name) = lower(?3))
             ORDER BY t.priority DESC, t.seq LIMIT ?4"
        )),
        args![now, generator, account.unwrap_or(""), limit],
        |r| r.get(0),
    )
}

/// The refusals of periods not ended at `now` whose scope covers a task of `account` on
/// `profile`: the reasons a pending task of theirs waits.
pub fn refusals_for(conn: &Conn, account: &str, profile: &str, now: Millis) -> Result<Vec<String>> {
    conn.rows(
        Sql::same(
            "SELECT reason FROM budget_periods
             WHERE refused_at IS NOT NULL AND reason IS NOT NULL AND starts_at <= ?1 AND ends_at > ?1
               AND (scope_account IS NULL OR lower(scope_account) = lower(?2))
               AND (scope_profile IS NULL OR scope_profile = ?3)
             ORDER BY budget",
        ),
        args![now, account, profile],
        |r| r.get(0),
    )
}

/// How long a task an account's budget refused is passed over before a claim tries it
/// again (at the latest when the budget's period ends).
pub const ACCOUNT_RETRY_MS: Millis = 30_000;

/// After `admit` refused task `seq` on `profile`, keeps the rest of the claim from reading the
/// tasks the same budget would refuse: a budget of the profile (or of everything) marks the
/// profile as without room in the claim's `room`, so the claim passes its tasks over; an
/// account's budget puts the task's next attempt off by [`ACCOUNT_RETRY_MS`] (no retry is
/// used), so that the account's held-back backlog never fills the claim's window ahead of
/// other accounts' tasks. Returns whether the claim's candidates changed.
pub fn passes_over(
    conn: &Conn,
    room: &mut std::collections::HashMap<String, i64>,
    profile: &str,
    seq: i64,
    refused: &Admission,
    now: Millis,
) -> Result<bool> {
    match refused {
        Admission::Admitted => Ok(false),
        Admission::Refused {
            scope: Scope::Account(_),
            ends,
            ..
        } => {
            let until = (now + ACCOUNT_RETRY_MS).min(*ends).max(now + 1);
            let n = conn.exec(
                Sql::same(
                    "UPDATE tasks SET next_attempt_at = ?2 WHERE seq = ?1 AND status = 'pending'",
                ),
                args![seq, until],
            )?;
            Ok(n > 0)
        }
        Admission::Refused { .. } => {
            room.insert(profile.to_string(), 0);
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::budget::{Budget, Period, ProfileCost, Rate};
    use crate::domain::{Account, NewTask, Review, Status};
    use crate::store::contents::NewContent;
    use crate::store::queue::{self, Claimed, Fence, Limits};
    use crate::store::{tasks, Store};

    /// 2023-11-14T22:13:20Z.
    const T0: Millis = 1_700_000_000_000;
    /// The next UTC midnight.
    const MIDNIGHT: Millis = 1_700_006_400_000;

    fn account(store: &mut Store) -> Account {
        account_named(store, "blog")
    }

    fn account_named(store: &mut Store, name: &str) -> Account {
        crate::store::tasks::tests::account(store, name)
    }

    fn task(store: &mut Store, a: &Account, at: Millis) -> Seq {
        let t = NewTask {
            account: a.name.clone(),
            topic: "topic 5".into(),
            keywords: vec![],
            category: None,
            requirements: None,
            tone: None,
            priority: 5,
            review: None,
            max_retries: 3,
            timeout: Duration::from_secs(86_400 * 3),
            callback_url: None,
            generator: Some("gpt".into()),
            idempotency_key: None,
        };
        store.write(|c| tasks::insert(c, &t, a, at)).unwrap().seq
    }

    /// One daily budget of everything, in UTC, with room for two estimated requests (302
    /// tokens each: 202 prompt, 100 completion).
    fn limits() -> Limits {
        let mut plan = Plan::default();
        plan.budgets.push(Budget {
            name: "daily-all".into(),
            scope: Scope::All,
            period: Period::Daily,
            tz: chrono_tz::UTC,
            max_cost: None,
            currency: None,
            max_tokens: Some(700),
        });
        plan.profiles.insert(
            "gpt".into(),
            ProfileCost {
                model: Some("m1".into()),
                rate: Some(Rate {
                    prompt_per_million: 1.0,
                    completion_per_million: 2.0,
                }),
                max_tokens: Some(100),
            },
        );
        Limits {
            budgets: plan,
            ..Limits::default()
        }
    }

    fn claim(store: &mut Store, now: Millis) -> Vec<Claimed> {
        let l = limits();
        store
            .write(|c| queue::claim(c, "d1", now, 15_000, 10, &l))
            .unwrap()
    }

    fn period(store: &mut Store, now: Millis) -> PeriodRow {
        store.read(|c| current(c, now)).unwrap().remove(0)
    }

    fn finish(store: &mut Store, c: &Claimed, f: queue::Finish, now: Millis) {
        let fence = Fence::Lease {
            owner: "d1",
            epoch: c.epoch,
        };
        store
            .write(|tx| queue::finish(tx, c.seq, fence, &f, now))
            .unwrap()
            .expect("the result applies");
    }

    fn completed(c: &Claimed) -> queue::Finish {
        queue::Finish::Completed(Box::new(NewContent {
            task_id: c.task.id,
            account_id: c.task.account_id,
            topic: c.task.topic.clone(),
            keywords: vec![],
            title: "Title".into(),
            body: "Body".into(),
            html: None,
            summary: None,
            cover_image: None,
            images: vec![],
            word_count: 1,
            quality_score: None,
            generator: "gpt".into(),
            model: Some("m1".into()),
            prompt_tokens: Some(10),
            completion_tokens: Some(20),
            review_status: Review::Approved,
            review_reason: None,
            review_record: None,
        }))
    }

    fn reserve_refuse_settle_release(store: &mut Store) {
        let a = account(store);
        let seqs: Vec<Seq> = (0..5).map(|i| task(store, &a, T0 - 10 + i)).collect();

        // Two fit under the cap; the third is refused and every task after it stays pending.
        let first = claim(store, T0);
        assert_eq!(first.len(), 2);
        let p = period(store, T0);
        assert_eq!(p.period, "2023-11-14");
        assert_eq!(p.reserved.tokens, 604);
        assert!(
            (p.reserved.cost - 804e-6).abs() < 1e-12,
            "{}",
            p.reserved.cost
        );
        assert_eq!(p.refused_at, Some(T0));
        assert_eq!(
            p.reason.as_deref(),
            Some("budget `daily-all` exhausted until 00:00 UTC")
        );
        let reasons = store.read(|c| refusals_for(c, "BLOG", "gpt", T0)).unwrap();
        assert_eq!(
            reasons,
            vec!["budget `daily-all` exhausted until 00:00 UTC"]
        );
        let st = store.read(|c| queue::statuses(c, &seqs)).unwrap();
        assert_eq!(
            st.iter().filter(|(_, s)| *s == Status::Pending).count(),
            3,
            "{st:?}"
        );
        let pending = store.read(|c| tasks::get(c, seqs[2])).unwrap();
        assert_eq!(pending.retry_count, 0);

        // A completion settles at its usage; a failure releases its reservation.
        finish(store, &first[0], completed(&first[0]), T0 + 1);
        let p = period(store, T0 + 1);
        assert_eq!((p.spent.tokens, p.reserved.tokens), (30, 302));
        assert!((p.spent.cost - 50e-6).abs() < 1e-12, "{}", p.spent.cost);
        let fail = queue::Finish::Failed {
            kind: "permanent".into(),
            message: "no".into(),
        };
        finish(store, &first[1], fail, T0 + 2);
        let p = period(store, T0 + 2);
        assert_eq!((p.spent.tokens, p.reserved.tokens), (30, 0));
        assert_eq!(p.reserved.cost, 0.0);

        // Room again for two (30 + 2 × 302 ≤ 700), and the refusal is cleared.
        let second = claim(store, T0 + 3);
        assert_eq!(second.len(), 2);
        let p = period(store, T0 + 3);
        assert_eq!(p.reserved.tokens, 604);
        assert_eq!(
            p.refused_at,
            Some(T0 + 3),
            "the last task was refused again"
        );
        assert!(claim(store, T0 + 4).is_empty());

        // The next period starts empty: the last task is claimed there.
        let third = claim(store, MIDNIGHT);
        assert_eq!(third.len(), 1);
        let p = period(store, MIDNIGHT);
        assert_eq!((p.period.as_str(), p.reserved.tokens), ("2023-11-15", 302));
        assert!(store
            .read(|c| refusals_for(c, "blog", "gpt", MIDNIGHT))
            .unwrap()
            .is_empty());

        // A result settles the reservation in the period it was made, after the rollover.
        finish(store, &second[0], completed(&second[0]), MIDNIGHT + 1);
        let old = store.read(|c| current(c, T0 + 5)).unwrap().remove(0);
        assert_eq!((old.spent.tokens, old.reserved.tokens), (60, 302));
        // A release at shutdown frees the reservation too.
        finish(store, &second[1], queue::Finish::Released, MIDNIGHT + 2);
        let old = store.read(|c| current(c, T0 + 5)).unwrap().remove(0);
        assert_eq!(old.reserved.tokens, 0);
        assert_eq!(old.requests, 4);

        // A task cancelled while its worker is gone never reports: the next claim releases
        // what it reserved.
        let c = &third[0];
        store
            .write(|tx| tasks::cancel(tx, c.seq, c.task.id, MIDNIGHT + 3))
            .unwrap();
        assert_eq!(period(store, MIDNIGHT + 3).reserved.tokens, 302);
        // (The task released at shutdown above is claimed again, in the new period.)
        let again = claim(store, MIDNIGHT + 4);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].seq, second[1].seq);
        let p = period(store, MIDNIGHT + 4);
        assert_eq!((p.reserved.tokens, p.requests), (302, 2));
    }

    /// An account's budget holds back that account's tasks only: the tasks behind them in
    /// claim order, of other accounts, are claimed, even one slot at a time.
    fn an_accounts_budget_lets_other_accounts_through(store: &mut Store) {
        let blog = account(store);
        let news = account_named(store, "news");
        let held: Vec<Seq> = (0..3).map(|i| task(store, &blog, T0 - 100 + i)).collect();
        let free: Vec<Seq> = (0..2).map(|i| task(store, &news, T0 - 50 + i)).collect();
        let mut l = limits();
        l.budgets.budgets[0].scope = Scope::Account("blog".into());
        l.budgets.budgets[0].name = "blog-daily".into();
        l.budgets.budgets[0].max_tokens = Some(400);
        let one = |store: &mut Store, now: Millis| {
            store
                .write(|c| queue::claim(c, "d1", now, 15_000, 1, &l))
                .unwrap()
        };
        assert_eq!(one(store, T0)[0].seq, held[0]);
        assert_eq!(one(store, T0 + 1)[0].seq, free[0]);
        assert_eq!(one(store, T0 + 2)[0].seq, free[1]);
        assert!(one(store, T0 + 3).is_empty());
        // The held-back tasks are put off, without a retry, and tried again later.
        let t = store.read(|c| tasks::get(c, held[1])).unwrap();
        assert_eq!(t.status, Status::Pending);
        assert_eq!(t.retry_count, 0);
        assert_eq!(t.next_attempt_at.0, T0 + 1 + ACCOUNT_RETRY_MS);
        let reasons = store
            .read(|c| refusals_for(c, "blog", "gpt", T0 + 3))
            .unwrap();
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(store
            .read(|c| refusals_for(c, "news", "gpt", T0 + 3))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn sqlite_an_accounts_budget_lets_other_accounts_through() {
        let (_dir, mut store) = crate::store::testing::sqlite();
        an_accounts_budget_lets_other_accounts_through(&mut store);
    }

    #[test]
    #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
    fn pg_an_accounts_budget_lets_other_accounts_through() {
        let db = crate::store::testing::PgDb::new();
        let mut store = db.store();
        an_accounts_budget_lets_other_accounts_through(&mut store);
    }

    #[test]
    fn sqlite_reserve_refuse_settle_release() {
        let (_dir, mut store) = crate::store::testing::sqlite();
        reserve_refuse_settle_release(&mut store);
    }

    #[test]
    #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
    fn pg_reserve_refuse_settle_release() {
        let db = crate::store::testing::PgDb::new();
        let mut store = db.store();
        reserve_refuse_settle_release(&mut store);
    }
}
