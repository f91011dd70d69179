//! `contenthub scheduler`: cron-driven plans that fire every slot exactly once.

use anyhow::Result;
use chrono::DateTime;
use clap::{Args, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};

use super::ctx::Ctx;
use crate::domain::account::parse_word_list;
use crate::domain::time::{now_ms, Timestamp};
use crate::error::{Error, ExitCode};
use crate::output::Record;
use crate::schedule::{self, Plan, Schedule};
use crate::store::plans::{self, PlanFields, PlanRun};
use crate::store::{accounts, queue};

#[derive(Debug, Args)]
pub struct SchedulerCmd {
    #[command(subcommand)]
    cmd: SchedulerSub,
}

const RUN_HELP: &str = "\
Fires every due slot once, following each plan's catch-up policy, and prints nothing on
success (cron mails any output). Exits 1 and says why if a plan failed.

Examples:
  * * * * *  contenthub scheduler run                  # crontab: every minute
  contenthub scheduler run --dry-run -v                # what would fire now
  contenthub scheduler run --at 2026-11-30T08:00:00Z   # as if it were that time";

#[derive(Debug, Subcommand)]
enum SchedulerSub {
    /// Add a plan: a cron schedule that queues tasks for one or more accounts
    #[command(
        after_help = "Examples:\n  contenthub scheduler add morning --cron \"0 8 * * *\" --tz Asia/Shanghai -a tech-blog --count 2 --topics-file topics.txt\n  contenthub scheduler add digest --cron @weekly -a newsletter -a blog --topic \"本周回顾\" --catch-up skip"
    )]
    Add(AddArgs),
    /// List plans
    #[command(
        after_help = "Examples:\n  contenthub scheduler list\n  contenthub scheduler list --format json | jq '.[] | select(.enabled) | .name'"
    )]
    List,
    /// Show a plan with its next five fire times
    #[command(
        after_help = "Examples:\n  contenthub scheduler show morning\n  contenthub scheduler show morning --format json | jq .next_fires"
    )]
    Show(PlanRef),
    /// Change a plan
    #[command(
        after_help = "Example:\n  contenthub scheduler edit morning --cron \"30 7 * * 1-5\" --count 3"
    )]
    Edit(EditArgs),
    /// Enable a plan (it counts slots from now; nothing missed while disabled fires)
    #[command(after_help = "Example:\n  contenthub scheduler enable morning")]
    Enable(PlanRef),
    /// Disable a plan
    #[command(
        after_help = "Example:\n  contenthub scheduler disable morning   # its tasks already queued still run"
    )]
    Disable(PlanRef),
    /// Remove a plan and its history (its tasks stay)
    #[command(
        after_help = "Example:\n  contenthub scheduler remove morning --yes   # --yes is required without a terminal"
    )]
    Remove(PlanRef),
    /// Fire a plan now, recorded as a manual run
    #[command(
        after_help = "Example:\n  contenthub scheduler trigger morning   # does not use up the next scheduled slot"
    )]
    Trigger(PlanRef),
    /// Fire what is due (for cron or a systemd timer)
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
    /// Show upcoming fire times
    #[command(after_help = "Example:\n  contenthub scheduler next morning --count 10")]
    Next(NextArgs),
    /// Show fired slots, newest first
    #[command(
        after_help = "Examples:\n  contenthub scheduler history morning --limit 5\n  contenthub scheduler history --format json | jq '.[] | select(.status == \"failed\")'"
    )]
    History(HistoryArgs),
    /// Show what drives the plans and how late the most overdue one is
    #[command(
        after_help = "Examples:\n  contenthub scheduler status\n  contenthub scheduler status --format json | jq .lag_seconds"
    )]
    Status,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum CatchUp {
    /// After downtime, fire nothing that is late
    Skip,
    /// After downtime, fire the most recent missed slot once
    Latest,
}

impl CatchUp {
    fn as_str(self) -> &'static str {
        match self {
            CatchUp::Skip => "skip",
            CatchUp::Latest => "latest",
        }
    }
}

#[derive(Debug, Args)]
struct PlanOptions {
    /// Cron expression, 5 fields ("0 8 * * *") or an alias (@daily, @hourly, @weekly)
    #[arg(long)]
    cron: Option<String>,
    /// IANA time zone [default: the machine's]
    #[arg(long)]
    tz: Option<String>,
    /// Account id or name (repeatable)
    #[arg(short = 'a', long = "account")]
    accounts: Vec<String>,
    /// Tasks per account per fire
    #[arg(long)]
    count: Option<u32>,
    /// A topic (repeatable); used round-robin per account, no repeats until all are used
    #[arg(short = 't', long = "topic", conflicts_with = "topics_file")]
    topics: Vec<String>,
    /// A file with one topic per line (read at each fire)
    #[arg(long, value_name = "FILE")]
    topics_file: Option<String>,
    /// Category of the tasks
    #[arg(short = 'c', long)]
    category: Option<String>,
    /// Keywords, comma-separated
    #[arg(short = 'k', long)]
    keywords: Option<String>,
    /// Priority of the tasks, 1..10
    #[arg(short = 'p', long)]
    priority: Option<i64>,
    /// Approve the content automatically
    #[arg(long, overrides_with = "no_auto_approve")]
    auto_approve: bool,
    /// Hold the content for review
    #[arg(long, overrides_with = "auto_approve")]
    no_auto_approve: bool,
    /// What to do with slots missed while nothing ran
    #[arg(long, value_enum)]
    catch_up: Option<CatchUp>,
    /// Skip a topic nearly identical to a pending or recent task of the account (the run
    /// records it) instead of only noting it
    #[arg(long, overrides_with = "no_skip_similar")]
    skip_similar: bool,
    /// Queue such a topic anyway, noting it on the run (the default)
    #[arg(long, overrides_with = "skip_similar")]
    no_skip_similar: bool,
}

#[derive(Debug, Args)]
struct AddArgs {
    /// Unique plan name
    name: String,
    #[command(flatten)]
    opts: PlanOptions,
    /// Create it disabled
    #[arg(long)]
    disabled: bool,
}

#[derive(Debug, Args)]
struct EditArgs {
    /// Plan id or name
    plan: String,
    /// Rename the plan
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    opts: PlanOptions,
    /// Drop the topic list or file: use the account's category and a dated title
    #[arg(long, conflicts_with_all = ["topics", "topics_file"])]
    no_topics: bool,
}

#[derive(Debug, Args)]
struct PlanRef {
    /// Plan id or name
    plan: String,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Say what would fire without writing anything
    #[arg(long)]
    dry_run: bool,
    /// Act as if it were this time (RFC 3339)
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// Print what fired
    #[arg(short, long)]
    verbose: bool,
}

#[derive(Debug, Args)]
struct NextArgs {
    /// Only this plan
    plan: Option<String>,
    /// How many fire times per plan
    #[arg(short = 'n', long, default_value_t = 5)]
    count: usize,
}

#[derive(Debug, Args)]
struct HistoryArgs {
    /// Only this plan
    plan: Option<String>,
    /// At most this many
    #[arg(short = 'n', long, default_value_t = 20)]
    limit: u32,
}

impl Record for Plan {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "cron",
        "tz",
        "accounts",
        "count",
        "catch_up",
        "enabled",
        "next_fire_at",
    ];
    fn key(&self) -> String {
        self.name.clone()
    }
}

impl Record for PlanRun {
    const COLUMNS: &'static [&'static str] = &[
        "plan",
        "scheduled_for_at",
        "fired_at",
        "manual",
        "status",
        "tasks",
        "message",
    ];
    fn key(&self) -> String {
        self.id.to_string()
    }
}

/// One upcoming fire time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextFire {
    pub plan: String,
    pub fire_at: Timestamp,
}

impl Record for NextFire {
    const COLUMNS: &'static [&'static str] = &["plan", "fire_at"];
    fn key(&self) -> String {
        self.plan.clone()
    }
}

/// `scheduler status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulerStatus {
    pub plans: u32,
    pub enabled: u32,
    /// A daemon with its scheduler on has beaten recently.
    pub daemon_scheduler: bool,
    pub daemon_last_beat_at: Option<Timestamp>,
    pub last_run_at: Option<Timestamp>,
    pub most_overdue_plan: Option<String>,
    pub lag_seconds: u64,
}

impl Record for SchedulerStatus {
    const COLUMNS: &'static [&'static str] = &[
        "plans",
        "enabled",
        "daemon_scheduler",
        "last_run_at",
        "most_overdue_plan",
        "lag_seconds",
    ];
    fn key(&self) -> String {
        self.lag_seconds.to_string()
    }
}

/// Applies options onto `f`, validating each.
fn apply(ctx: &mut Ctx, f: &mut PlanFields, o: &PlanOptions) -> Result<()> {
    if let Some(c) = &o.cron {
        schedule::parse_cron(c)?;
        f.cron = c.trim().to_string();
    }
    if let Some(tz) = &o.tz {
        schedule::parse_tz(tz)?;
        f.tz = tz.trim().to_string();
    }
    if !o.accounts.is_empty() {
        let store = ctx.store()?;
        let mut ids = Vec::new();
        for a in &o.accounts {
            let id = accounts::find(store.conn(), a)?.id;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        f.account_ids = ids;
    }
    if let Some(n) = o.count {
        if !(1..=100).contains(&n) {
            return Err(Error::invalid("count", format!("{n} is out of range (1..100)")).into());
        }
        f.count = n;
    }
    if !o.topics.is_empty() {
        let mut list = Vec::new();
        for t in &o.topics {
            list.push(crate::domain::task::validate_topic("topic", t)?);
        }
        f.topics = Some(list);
        f.topics_file = None;
    }
    if let Some(file) = &o.topics_file {
        let path = std::fs::canonicalize(file)
            .map_err(|e| Error::invalid("topics_file", format!("cannot read {file}: {e}")))?;
        let path = path.display().to_string();
        schedule::read_topics_file(&path)?;
        f.topics_file = Some(path);
        f.topics = None;
    }
    if let Some(c) = &o.category {
        f.category = Some(c.trim().to_string()).filter(|c| !c.is_empty());
    }
    if let Some(k) = &o.keywords {
        f.keywords = parse_word_list("keywords", k)?;
    }
    if let Some(p) = o.priority {
        if !(1..=10).contains(&p) {
            return Err(Error::invalid(
                "priority",
                format!("{p} is out of range (1..10, higher runs sooner)"),
            )
            .into());
        }
        f.priority = Some(p as u8);
    }
    if o.auto_approve {
        f.auto_approve = Some(true);
    }
    if o.no_auto_approve {
        f.auto_approve = Some(false);
    }
    if let Some(c) = o.catch_up {
        f.catch_up = c.as_str().into();
    }
    if o.skip_similar {
        f.skip_similar = true;
    }
    if o.no_skip_similar {
        f.skip_similar = false;
    }
    Ok(())
}

fn fields_of(p: &plans::PlanRow) -> PlanFields {
    PlanFields {
        name: p.name.clone(),
        cron: p.cron.clone(),
        tz: p.tz.clone(),
        account_ids: p.account_ids.clone(),
        count: p.count,
        topics: p.topics.clone(),
        topics_file: p.topics_file.clone(),
        category: p.category.clone(),
        keywords: p.keywords.clone(),
        priority: p.priority,
        auto_approve: p.auto_approve,
        catch_up: p.catch_up.clone(),
        enabled: p.enabled,
        skip_similar: p.skip_similar,
    }
}

fn validate_name(name: &str) -> Result<String> {
    Ok(crate::domain::account::validate_name(name.trim())
        .map_err(|_| Error::invalid("name", format!("'{}' is not a valid plan name (a letter, then up to 63 letters, digits, '_' or '-')", name.trim())))?)
}

fn show(ctx: &mut Ctx, row: &plans::PlanRow) -> Result<()> {
    let view = schedule::view(ctx.store()?.conn(), row, now_ms())?;
    if view.topic_source == "account" {
        ctx.note("this plan has no topic list: each task is titled from the account's category and the date");
    }
    ctx.print(&ctx.printer.one(&view))?;
    Ok(())
}

pub fn run(ctx: &mut Ctx, cmd: SchedulerCmd) -> Result<ExitCode> {
    let now = now_ms();
    match cmd.cmd {
        SchedulerSub::Add(a) => {
            let mut f = PlanFields {
                name: validate_name(&a.name)?,
                tz: schedule::local_tz_name(),
                count: 1,
                catch_up: "latest".into(),
                enabled: !a.disabled,
                ..PlanFields::default()
            };
            if a.opts.cron.is_none() {
                return Err(Error::invalid(
                    "cron",
                    "a cron expression is required (--cron \"0 8 * * *\")",
                )
                .into());
            }
            if a.opts.accounts.is_empty() {
                return Err(Error::invalid(
                    "account",
                    "at least one account is required (-a/--account)",
                )
                .into());
            }
            apply(ctx, &mut f, &a.opts)?;
            let row = ctx.store()?.write(|tx| plans::insert(tx, &f, now))?;
            show(ctx, &row)?;
        }
        SchedulerSub::List => {
            let store = ctx.store()?;
            let rows = plans::list(store.conn(), false)?;
            let views = rows
                .iter()
                .map(|p| schedule::view(store.conn(), p, now))
                .collect::<crate::error::Result<Vec<_>>>()?;
            ctx.print(&ctx.printer.list(&views))?;
        }
        SchedulerSub::Show(r) => {
            let row = plans::find(ctx.store()?.conn(), &r.plan)?;
            show(ctx, &row)?;
        }
        SchedulerSub::Edit(a) => {
            let row = plans::find(ctx.store()?.conn(), &a.plan)?;
            let mut f = fields_of(&row);
            if let Some(n) = &a.name {
                f.name = validate_name(n)?;
            }
            apply(ctx, &mut f, &a.opts)?;
            if a.no_topics {
                f.topics = None;
                f.topics_file = None;
            }
            if f == fields_of(&row) {
                return Err(Error::Usage("nothing to change: give at least one option (see `contenthub scheduler edit --help`)".into()).into());
            }
            let row = ctx
                .store()?
                .write(|tx| plans::update(tx, row.id, &f, now))?;
            show(ctx, &row)?;
        }
        SchedulerSub::Enable(r) => toggle(ctx, &r.plan, true, now)?,
        SchedulerSub::Disable(r) => toggle(ctx, &r.plan, false, now)?,
        SchedulerSub::Remove(r) => {
            ctx.ensure_confirmable("scheduler remove deletes the plan and its history")?;
            let row = plans::find(ctx.store()?.conn(), &r.plan)?;
            if !ctx.confirm(&format!(
                "remove plan {} and its history (its tasks stay)?",
                row.name
            ))? {
                ctx.note("nothing removed");
                return Ok(ExitCode::Ok);
            }
            ctx.store()?.write(|tx| plans::delete(tx, row.id))?;
            ctx.note(&format!("removed plan {}", row.name));
        }
        SchedulerSub::Trigger(r) => {
            let policy = ctx.settings.submit_policy();
            let row = plans::find(ctx.store()?.conn(), &r.plan)?;
            let fired = schedule::fire(ctx.store()?, &row, now, true, now, &policy)?;
            if let Some(e) = fired.error {
                return Err(anyhow::anyhow!("plan {} failed: {e}", row.name));
            }
            ctx.note(&format!(
                "plan {} fired manually: {} tasks queued",
                row.name, fired.tasks
            ));
        }
        SchedulerSub::Run(a) => return run_due(ctx, a),
        SchedulerSub::Next(a) => {
            let store = ctx.store()?;
            let rows = match &a.plan {
                Some(p) => vec![plans::find(store.conn(), p)?],
                None => plans::list(store.conn(), true)?,
            };
            let mut out = Vec::new();
            for p in rows {
                let s = Schedule::new(&p.cron, &p.tz)?;
                let from = now.max(p.last_slot_at.unwrap_or(p.created_at));
                out.extend(
                    s.upcoming(from, a.count.clamp(1, 1000))
                        .into_iter()
                        .map(|t| NextFire {
                            plan: p.name.clone(),
                            fire_at: Timestamp(t),
                        }),
                );
            }
            out.sort_by_key(|n| n.fire_at);
            ctx.print(&ctx.printer.list(&out))?;
        }
        SchedulerSub::History(a) => {
            let store = ctx.store()?;
            let plan_id = a
                .plan
                .as_deref()
                .map(|p| plans::find(store.conn(), p).map(|p| p.id))
                .transpose()?;
            let runs = plans::runs(store.conn(), plan_id, a.limit.max(1))?;
            ctx.print(&ctx.printer.list(&runs))?;
        }
        SchedulerSub::Status => {
            let store = ctx.store()?;
            let conn = store.conn();
            let all = plans::list(conn, false)?;
            let beat = queue::heartbeats(conn, 5)?
                .into_iter()
                .find(|h| h.scheduler && h.stopped_at.is_none() && now - h.last_beat_at < 60_000);
            let last_run =
                plans::get_meta(conn, "scheduler_last_run_at")?.and_then(|v| v.parse().ok());
            let lag = schedule::worst_lag(conn, now)?;
            let st = SchedulerStatus {
                plans: all.len() as u32,
                enabled: all.iter().filter(|p| p.enabled).count() as u32,
                daemon_scheduler: beat.is_some(),
                daemon_last_beat_at: beat.map(|b| Timestamp(b.last_beat_at)),
                last_run_at: last_run.map(Timestamp),
                most_overdue_plan: lag.as_ref().map(|(n, _)| n.clone()),
                lag_seconds: lag.map(|(_, l)| (l / 1000) as u64).unwrap_or(0),
            };
            ctx.print(&ctx.printer.one(&st))?;
        }
    }
    Ok(ExitCode::Ok)
}

fn toggle(ctx: &mut Ctx, plan: &str, enabled: bool, now: i64) -> Result<()> {
    let row = plans::find(ctx.store()?.conn(), plan)?;
    ctx.store()?
        .write(|tx| plans::set_enabled(tx, row.id, enabled, now))?;
    ctx.note(&format!(
        "plan {} {}",
        row.name,
        if enabled { "enabled" } else { "disabled" }
    ));
    Ok(())
}

fn run_due(ctx: &mut Ctx, a: RunArgs) -> Result<ExitCode> {
    let now = match &a.at {
        Some(s) => DateTime::parse_from_rfc3339(s.trim())
            .map_err(|e| {
                Error::invalid(
                    "at",
                    format!("'{}' is not an RFC 3339 time ({e})", s.trim()),
                )
            })?
            .timestamp_millis(),
        None => now_ms(),
    };
    let policy = ctx.settings.submit_policy();
    let fired = schedule::fire_due(ctx.store()?, now, &policy, a.dry_run)?;
    let mut code = ExitCode::Ok;
    for f in &fired {
        match &f.error {
            Some(e) => {
                eprintln!(
                    "error: plan {} (slot {}): {e}",
                    f.plan,
                    schedule::when(f.slot)
                );
                code = ExitCode::Failure;
            }
            None if a.verbose => {
                let what = if a.dry_run {
                    "would fire"
                } else if f.skipped {
                    "already fired"
                } else {
                    "fired"
                };
                eprintln!(
                    "plan {} {what} slot {}: {} tasks",
                    f.plan,
                    schedule::when(f.slot),
                    f.tasks
                );
            }
            None => {}
        }
    }
    if a.verbose && fired.is_empty() {
        eprintln!("nothing due");
    }
    Ok(code)
}
