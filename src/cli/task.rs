//! `contenthub task`: submit (one or a bulk file), list, show, log, cancel, retry, stats,
//! cleanup.

use std::io::IsTerminal;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::bulk::Rows;
use super::ctx::Ctx;
use crate::domain::account::ReviewMode;
use crate::domain::task::DurationValue;
use crate::domain::time::{now_ms, parse_duration, parse_point};
use crate::domain::{Keywords, NewTask, Status, SubmitRequest, Task, TaskEvent};
use crate::error::{Error, ExitCode};
use crate::output::Record;
use crate::service::{self, StatusCount};
use crate::store::tasks::{self, Filter, Outcome, Sort};
use crate::store::{accounts, counters};

#[derive(Debug, Args)]
pub struct TaskCmd {
    #[command(subcommand)]
    cmd: TaskSub,
}

#[derive(Debug, Subcommand)]
enum TaskSub {
    /// Queue an article for generation (or many, from a JSONL/CSV file)
    #[command(after_help = SUBMIT_EXAMPLES)]
    Submit(Box<SubmitArgs>),
    /// List tasks, newest first
    #[command(
        after_help = "Examples:\n  contenthub task list --status failed --status timeout\n  contenthub task list --account tech-blog --since 24h --limit 100\n  contenthub task list --sort priority --format json | jq '.[].id'"
    )]
    List(ListArgs),
    /// Show every field of a task
    #[command(
        visible_alias = "status",
        after_help = "Examples:\n  contenthub task show task-3f9a\n  contenthub task status task-3f9a0c12d4e5 --format json"
    )]
    Show(IdArg),
    /// Show a task's history of status changes
    #[command(after_help = "Example:\n  contenthub task log task-3f9a")]
    Log(IdArg),
    /// Cancel pending, submitted or processing tasks
    #[command(after_help = "Example:\n  contenthub task cancel task-3f9a task-77c0")]
    Cancel(CancelArgs),
    /// Put failed, timed-out or cancelled tasks back in the queue
    #[command(
        after_help = "Examples:\n  contenthub task retry task-3f9a\n  contenthub task retry --all-failed\n  contenthub task retry task-3f9a --force   # past max_retries"
    )]
    Retry(RetryArgs),
    /// Count tasks per status
    #[command(
        after_help = "Examples:\n  contenthub task stats\n  contenthub task stats --account tech-blog --format json"
    )]
    Stats(StatsArgs),
    /// Wait until tasks finish; exits 0 only if every one completed
    #[command(
        after_help = "Examples:\n  contenthub task wait task-3f9a task-77c0\n  contenthub task wait --all --timeout 1h"
    )]
    Wait(WaitArgs),
    /// Delete finished tasks older than a given age (their content stays)
    #[command(
        after_help = "Examples:\n  contenthub task cleanup --older-than 30d --dry-run\n  contenthub task cleanup --older-than 30d --yes"
    )]
    Cleanup(CleanupArgs),
}

const SUBMIT_EXAMPLES: &str = "\
Examples:
  contenthub task submit -a tech-blog -t \"Rust 异步编程入门\" -k rust,tokio -p 8
  contenthub task submit -a tech-blog -t \"Weekly digest\" --idempotency-key digest-2026-48 -q
  contenthub task submit --from-file tasks.jsonl
  cat tasks.csv | contenthub task submit --from-file - -a tech-blog

A bulk file has one task per JSON line (or CSV row) with the snake_case names of these flags
as fields: account, topic, keywords, category, requirements, tone, priority, review, auto_approve,
max_retries, timeout, callback_url, generator, idempotency_key. Flags given alongside
--from-file fill the fields a row leaves out. The whole file is one transaction: if any row is
invalid, nothing is queued and the error names its line.";

#[derive(Debug, Args)]
struct SubmitArgs {
    /// Account id or name
    #[arg(short = 'a', long, required_unless_present = "from_file")]
    account: Option<String>,
    /// What to write about (1–500 characters)
    #[arg(short = 't', long, required_unless_present = "from_file")]
    topic: Option<String>,
    /// Keywords, comma-separated: rust,tokio
    #[arg(short = 'k', long)]
    keywords: Option<String>,
    /// Category (default: the account's)
    #[arg(short = 'c', long)]
    category: Option<String>,
    /// Extra requirements for the writer (up to 2,000 characters)
    #[arg(short = 'r', long)]
    requirements: Option<String>,
    /// Tone (default: the account's)
    #[arg(long)]
    tone: Option<String>,
    /// 1..10, higher runs sooner [default: 5]
    #[arg(short = 'p', long, allow_negative_numbers = true)]
    priority: Option<i64>,
    /// How the content is reviewed: auto, rules or manual [default: the account's setting]
    #[arg(long, value_name = "MODE", overrides_with_all = ["auto_approve", "no_auto_approve"])]
    review: Option<ReviewMode>,
    /// The same as --review auto
    #[arg(long, overrides_with_all = ["no_auto_approve", "review"])]
    auto_approve: bool,
    /// The same as --review manual
    #[arg(long, overrides_with_all = ["auto_approve", "review"])]
    no_auto_approve: bool,
    /// Retries allowed after a failure, 0..100 [default: 3]
    #[arg(long, allow_negative_numbers = true)]
    max_retries: Option<i64>,
    /// Overall deadline from submission, e.g. 30m, 2h [default: 30m]
    #[arg(long)]
    timeout: Option<String>,
    /// URL that receives task.completed / task.failed events
    #[arg(long)]
    callback_url: Option<String>,
    /// Generator profile from the config (or `template`)
    #[arg(long)]
    generator: Option<String>,
    /// Submitting the same key again returns the first task instead of a new one
    #[arg(long)]
    idempotency_key: Option<String>,
    /// Submit every task in a .jsonl or .csv file (`-` reads stdin)
    #[arg(long, value_name = "FILE")]
    from_file: Option<String>,
    /// Queue nothing when the topic is nearly identical to a pending or recent task of the
    /// account (without it, such a topic is queued with a warning)
    #[arg(long)]
    skip_similar: bool,
    /// Block until the task is finished (exit 0 only if it completed)
    #[arg(long)]
    wait: bool,
    /// With --wait: how long to wait at most
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30m",
        requires = "wait"
    )]
    wait_timeout: String,
}

impl SubmitArgs {
    fn request(&self) -> SubmitRequest {
        SubmitRequest {
            account: self.account.clone(),
            topic: self.topic.clone(),
            keywords: self.keywords.clone().map(Keywords::Joined),
            category: self.category.clone(),
            requirements: self.requirements.clone(),
            tone: self.tone.clone(),
            priority: self.priority,
            auto_approve: None,
            review: match (self.review, self.auto_approve, self.no_auto_approve) {
                (Some(m), _, _) => Some(m),
                (_, true, _) => Some(ReviewMode::Auto),
                (_, _, true) => Some(ReviewMode::Manual),
                _ => None,
            }
            .map(|m| m.as_str().to_string()),
            max_retries: self.max_retries,
            timeout: self.timeout.clone().map(DurationValue::Text),
            callback_url: self.callback_url.clone(),
            generator: self.generator.clone(),
            idempotency_key: self.idempotency_key.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortArg {
    /// Newest first
    Created,
    /// Most urgent first
    Priority,
    /// Most recently updated first
    Updated,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only these statuses (repeatable, or comma-separated)
    #[arg(short, long, value_delimiter = ',')]
    status: Vec<Status>,
    /// Only this account (id or name)
    #[arg(short, long)]
    account: Option<String>,
    /// Created at or after: RFC 3339, a date, or an age like 24h
    #[arg(long)]
    since: Option<String>,
    /// Created before: RFC 3339, a date, or an age like 1h
    #[arg(long)]
    until: Option<String>,
    /// At most this many (0 = all)
    #[arg(short = 'n', long, default_value_t = 20)]
    limit: u32,
    /// Order
    #[arg(long, value_enum, default_value_t = SortArg::Created)]
    sort: SortArg,
    /// Reverse the order
    #[arg(long)]
    reverse: bool,
}

#[derive(Debug, Args)]
struct IdArg {
    /// Task id, or a unique prefix of at least 4 hex digits (task-3f9a)
    id: String,
}

#[derive(Debug, Args)]
struct CancelArgs {
    /// Task ids or unique prefixes
    #[arg(required = true)]
    ids: Vec<String>,
}

#[derive(Debug, Args)]
struct RetryArgs {
    /// Task ids or unique prefixes
    #[arg(required_unless_present = "all_failed", conflicts_with = "all_failed")]
    ids: Vec<String>,
    /// Retry every failed and timed-out task
    #[arg(long)]
    all_failed: bool,
    /// Retry even past max_retries
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct WaitArgs {
    /// Task ids or unique prefixes
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    ids: Vec<String>,
    /// Wait for every task that is unfinished now
    #[arg(long)]
    all: bool,
    /// Stop waiting after this long (exit 1)
    #[arg(long, default_value = "10m", value_name = "DURATION")]
    timeout: String,
}

#[derive(Debug, Args)]
struct StatsArgs {
    /// Only this account (id or name)
    #[arg(short, long)]
    account: Option<String>,
}

#[derive(Debug, Args)]
struct CleanupArgs {
    /// Delete finished tasks last updated longer ago than this, e.g. 30d
    #[arg(long, value_name = "AGE")]
    older_than: String,
    /// Only count what would be deleted
    #[arg(long)]
    dry_run: bool,
}

impl Record for Task {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "status",
        "priority",
        "account",
        "topic",
        "retry_count",
        "created_at",
    ];
    fn key(&self) -> String {
        self.id.to_string()
    }
}

impl Record for TaskEvent {
    const COLUMNS: &'static [&'static str] =
        &["occurred_at", "from_status", "to_status", "by", "message"];
    fn key(&self) -> String {
        self.task_id.to_string()
    }
}

pub fn run(ctx: &mut Ctx, cmd: TaskCmd) -> Result<ExitCode> {
    match cmd.cmd {
        TaskSub::Submit(a) => submit(ctx, *a),
        TaskSub::List(a) => list(ctx, a),
        TaskSub::Show(a) => {
            let default = crate::engine::default_profile(&ctx.settings.generators).to_string();
            let store = ctx.store()?;
            let (seq, _) = tasks::resolve(store.conn(), &a.id)?;
            let mut task = tasks::get(store.conn(), seq)?;
            task.waiting = crate::service::waiting(store.conn(), &task, &default, now_ms())?;
            ctx.print(&ctx.printer.one(&task))?;
            Ok(ExitCode::Ok)
        }
        TaskSub::Log(a) => {
            let store = ctx.store()?;
            let (seq, _) = tasks::resolve(store.conn(), &a.id)?;
            let events = tasks::events(store.conn(), seq)?;
            ctx.print(&ctx.printer.list(&events))?;
            Ok(ExitCode::Ok)
        }
        TaskSub::Cancel(a) => cancel(ctx, a),
        TaskSub::Retry(a) => retry(ctx, a),
        TaskSub::Stats(a) => stats(ctx, a),
        TaskSub::Wait(a) => {
            let timeout = parse_duration(&a.timeout).map_err(|e| Error::invalid("timeout", e))?;
            let targets = if a.all {
                tasks::ids_with_status(ctx.store()?.conn(), &Status::ACTIVE)?
            } else {
                resolve_all(ctx, &a.ids)?
            };
            let (finals, timed_out) = super::wait::wait(ctx, &targets, timeout)?;
            ctx.print(&ctx.printer.list(&finals))?;
            Ok(super::wait::verdict(ctx, &finals, timed_out))
        }
        TaskSub::Cleanup(a) => cleanup(ctx, a),
    }
}

fn submit(ctx: &mut Ctx, args: SubmitArgs) -> Result<ExitCode> {
    let policy = ctx.settings.submit_policy();
    let wait_timeout = if args.wait {
        Some(parse_duration(&args.wait_timeout).map_err(|e| Error::invalid("wait-timeout", e))?)
    } else {
        None
    };
    if let Some(file) = &args.from_file {
        let targets = submit_bulk(ctx, file, &args.request(), &policy, args.skip_similar)?;
        return match wait_timeout {
            Some(t) => {
                let (finals, timed_out) = super::wait::wait(ctx, &targets, t)?;
                Ok(super::wait::verdict(ctx, &finals, timed_out))
            }
            None => Ok(ExitCode::Ok),
        };
    }
    let checked =
        service::submit_checked(ctx.store()?, args.request(), &policy, args.skip_similar)?;
    let Some(submitted) = checked.submitted else {
        if let Some(similar) = &checked.similar {
            ctx.warn(&format!(
                "skipped: the topic is {}; nothing was queued (--skip-similar)",
                similar.describe()
            ));
        }
        return Ok(ExitCode::Ok);
    };
    if let Some(similar) = &checked.similar {
        ctx.warn(&format!(
            "warning: the topic is {} (queued anyway; --skip-similar skips such a topic)",
            similar.describe()
        ));
    }
    if submitted.existing {
        ctx.note(&format!(
            "idempotency key matches {}: returning it, nothing new was queued",
            submitted.id
        ));
    }
    ctx.print(&format!("{}\n", submitted.id))?;
    if let Some(t) = wait_timeout {
        let (finals, timed_out) = super::wait::wait(ctx, &[(submitted.seq, submitted.id)], t)?;
        return Ok(super::wait::verdict(ctx, &finals, timed_out));
    }
    Ok(ExitCode::Ok)
}

/// Submits every row of a bulk file in one transaction, streaming it: each row is validated
/// and inserted as it is read, and the first bad row rolls everything back and names its line.
fn submit_bulk(
    ctx: &mut Ctx,
    file: &str,
    defaults: &SubmitRequest,
    policy: &crate::domain::task::SubmitPolicy,
    skip_similar: bool,
) -> Result<Vec<(tasks::Seq, crate::domain::TaskId)>> {
    let mut rows = Rows::open(file)?;
    let bar = if std::io::stderr().is_terminal() && !ctx.printer.quiet {
        let b = ProgressBar::with_draw_target(rows.size(), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} submitting {bar:30} {bytes}/{total_bytes} {msg} tasks",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let now = now_ms();
    // The rows are read as they are inserted, so the import cannot run twice: a transaction
    // that PostgreSQL ends for a conflict (a deadlock on the same idempotency keys) is
    // reported, with nothing imported, instead of run again over a consumed file.
    let mut began = false;
    let mut similar: Vec<(usize, service::SimilarTask)> = Vec::new();
    let (out, existing) = ctx.store()?.write(|tx| {
        if std::mem::replace(&mut began, true) {
            return Err(Error::Store(format!(
                "{file}: the import met a conflicting write and was rolled back; nothing was \
                 imported: run it again"
            )));
        }
        similar.clear();
        // Each row's topic is compared with the account's pending and recent tasks as they
        // were before the import (not with the file's other rows).
        let mut cache: Vec<(String, crate::domain::Account, service::RecentTopics)> = Vec::new();
        let mut out = Vec::new();
        let mut existing = 0usize;
        while let Some((line, req)) = rows.next_row()? {
            let task = NewTask::validate(req.or(defaults), policy)
                .map_err(|e| Error::Usage(format!("{file} line {line}: {e}")))?;
            let at = match cache.iter().position(|(k, _, _)| *k == task.account) {
                Some(at) => at,
                None => {
                    let a = accounts::find(tx, &task.account).map_err(|e| match e {
                        Error::NotFound { .. } => Error::Usage(format!("{file} line {line}: {e}")),
                        other => other,
                    })?;
                    let recent = service::RecentTopics::as_of_now(tx, a.id, now)?;
                    cache.push((task.account.clone(), a, recent));
                    cache.len() - 1
                }
            };
            let (_, account, recent) = &cache[at];
            let like = recent.most_similar(tx, &task.topic, task.idempotency_key.as_deref())?;
            let skip = like.is_some() && skip_similar;
            if let Some(like) = like {
                similar.push((line, like));
            }
            if skip {
                continue;
            }
            let s = tasks::insert(tx, &task, account, now)?;
            if s.existing {
                existing += 1;
            }
            out.push((s.seq, s.id));
            tasks::note_imported(tx, out.len())?;
            if out.len() % 1024 == 0 {
                bar.set_position(rows.bytes_read());
                bar.set_message(out.len().to_string());
            }
        }
        if out.is_empty() && similar.is_empty() {
            return Err(Error::Usage(format!("{file}: no tasks in it")));
        }
        counters::add(
            tx,
            counters::TASKS_SUBMITTED,
            "",
            (out.len() - existing) as i64,
        )?;
        tasks::compact_counts(tx)?;
        Ok((out, existing))
    })?;
    bar.finish_and_clear();
    let mut stdout = String::with_capacity(64 * 1024);
    for (_, id) in &out {
        stdout.push_str(&id.to_string());
        stdout.push('\n');
        if stdout.len() >= 60 * 1024 {
            ctx.print(&stdout)?;
            stdout.clear();
        }
    }
    ctx.print(&stdout)?;
    const SHOWN: usize = 10;
    for (line, like) in similar.iter().take(SHOWN) {
        let what = if skip_similar { "skipped" } else { "warning" };
        ctx.warn(&format!(
            "{what}: {file} line {line}: the topic is {}",
            like.describe()
        ));
    }
    if similar.len() > SHOWN {
        ctx.warn(&format!(
            "… and {} more rows with a nearly identical topic",
            similar.len() - SHOWN
        ));
    }
    let mut msg = format!("queued {} tasks", out.len() - existing);
    if skip_similar && !similar.is_empty() {
        msg.push_str(&format!(
            "; skipped {} with a topic nearly identical to a pending or recent task",
            similar.len()
        ));
    }
    if existing > 0 {
        msg.push_str(&format!(
            " ({existing} matched an existing idempotency key)"
        ));
    }
    ctx.note(&msg);
    Ok(out)
}

fn point(field: &str, v: &Option<String>, now: i64) -> Result<Option<i64>> {
    Ok(match v {
        None => None,
        Some(s) => Some(parse_point(s, now).map_err(|e| Error::invalid(field, e))?),
    })
}

fn list(ctx: &mut Ctx, a: ListArgs) -> Result<ExitCode> {
    let now = now_ms();
    let since = point("since", &a.since, now)?;
    let until = point("until", &a.until, now)?;
    let store = ctx.store()?;
    let account_id = match &a.account {
        Some(r) => Some(accounts::find(store.conn(), r)?.id),
        None => None,
    };
    let filter = Filter {
        statuses: a.status,
        account_id,
        since,
        until,
        limit: (a.limit > 0).then_some(a.limit),
        sort: match a.sort {
            SortArg::Created => Sort::Created,
            SortArg::Priority => Sort::Priority,
            SortArg::Updated => Sort::Updated,
        },
        reverse: a.reverse,
        ..Filter::default()
    };
    let rows = tasks::list(store.conn(), &filter)?;
    ctx.print(&ctx.printer.list(&rows))?;
    Ok(ExitCode::Ok)
}

/// Resolves every id first, so a typo changes nothing.
fn resolve_all(ctx: &mut Ctx, ids: &[String]) -> Result<Vec<(tasks::Seq, crate::domain::TaskId)>> {
    Ok(service::resolve_all(ctx.store()?, ids)?)
}

fn report_outcomes(
    ctx: &Ctx,
    verb: &str,
    results: Vec<(crate::domain::TaskId, Outcome)>,
) -> Result<ExitCode> {
    let mut code = ExitCode::Ok;
    let mut done = String::new();
    for (id, outcome) in results {
        match outcome {
            Outcome::Done { from } => {
                done.push_str(&format!("{id}\n"));
                ctx.note(&format!("{verb} {id} (was {from})"));
            }
            Outcome::Refused(why) => {
                eprintln!("error: {why}");
                code = code.worst(ExitCode::Refused);
            }
        }
    }
    if ctx.printer.quiet {
        ctx.print(&done)?;
    }
    Ok(code)
}

fn cancel(ctx: &mut Ctx, a: CancelArgs) -> Result<ExitCode> {
    let targets = resolve_all(ctx, &a.ids)?;
    let results = service::cancel(ctx.store()?, &targets)?;
    report_outcomes(ctx, "cancelled", results)
}

fn retry(ctx: &mut Ctx, a: RetryArgs) -> Result<ExitCode> {
    let targets = if a.all_failed {
        let store = ctx.store()?;
        tasks::ids_with_status(store.conn(), &[Status::Failed, Status::Timeout])?
    } else {
        resolve_all(ctx, &a.ids)?
    };
    if targets.is_empty() {
        ctx.note("no failed or timed-out tasks to retry");
        return Ok(ExitCode::Ok);
    }
    let results = service::retry(ctx.store()?, &targets, a.force)?;
    report_outcomes(ctx, "queued again", results)
}

impl Record for StatusCount {
    const COLUMNS: &'static [&'static str] = &["status", "count", "share"];
    fn key(&self) -> String {
        self.status.to_string()
    }
}

fn stats(ctx: &mut Ctx, a: StatsArgs) -> Result<ExitCode> {
    let report = service::stats(ctx.store()?, a.account.as_deref())?;
    if ctx.printer.quiet {
        ctx.print(&format!("{}\n", report.total))?;
        return Ok(ExitCode::Ok);
    }
    let share = if report.total == 0 { "0.0%" } else { "100.0%" };
    let footer = vec!["total".to_string(), report.total.to_string(), share.into()];
    ctx.print(&ctx.printer.report(&report, &report.statuses, Some(footer)))?;
    Ok(ExitCode::Ok)
}

fn cleanup(ctx: &mut Ctx, a: CleanupArgs) -> Result<ExitCode> {
    let cutoff = service::cleanup_cutoff("older-than", &a.older_than)?;
    if !a.dry_run {
        ctx.ensure_confirmable("task cleanup deletes tasks")?;
    }
    let matching = service::cleanup(ctx.store()?, cutoff, true)?;
    if a.dry_run {
        ctx.print(&format!("{matching}\n"))?;
        ctx.note(&format!(
            "{matching} finished tasks older than {} would be deleted (dry run)",
            a.older_than.trim()
        ));
        return Ok(ExitCode::Ok);
    }
    if matching == 0 {
        ctx.note("nothing to clean up");
        ctx.print("0\n")?;
        return Ok(ExitCode::Ok);
    }
    if !ctx.confirm(&format!(
        "delete {matching} finished tasks older than {} and their history?",
        a.older_than.trim()
    ))? {
        ctx.note("nothing deleted");
        return Ok(ExitCode::Ok);
    }
    let n = service::cleanup(ctx.store()?, cutoff, false)?;
    ctx.print(&format!("{n}\n"))?;
    ctx.note(&format!("deleted {n} finished tasks"));
    Ok(ExitCode::Ok)
}
