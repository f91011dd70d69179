//! `contenthub deliveries`: the outbox of outgoing events (task callbacks, notifications) —
//! list what was sent, what is waiting and what was given up, and send failed ones again.

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};

use super::ctx::Ctx;
use crate::domain::time::now_ms;
use crate::error::{Error, ExitCode};
use crate::output::Record;
use crate::store::outbox::{self, Delivery, Filter};
use crate::store::tasks;

#[derive(Debug, Args)]
pub struct DeliveriesCmd {
    #[command(subcommand)]
    cmd: DeliveriesSub,
}

#[derive(Debug, Subcommand)]
enum DeliveriesSub {
    /// List deliveries, newest first
    #[command(
        after_help = "Examples:\n  contenthub deliveries list --status failed\n  contenthub deliveries list --task task-3f9a --format json"
    )]
    List(ListArgs),
    /// Send failed deliveries again (a running daemon picks them up within a second)
    #[command(
        after_help = "Examples:\n  contenthub deliveries retry 17 18\n  contenthub deliveries retry --all-failed\n\nThe attempt count starts again from zero. Exit 3 for an unknown id, 4 for one already sent."
    )]
    Retry(RetryArgs),
}

/// A delivery's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DeliveryStatus {
    /// Waiting for its first or next attempt
    Pending,
    /// Accepted by the receiver (2xx)
    Sent,
    /// Given up after the last attempt
    Failed,
}

impl DeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only these statuses (repeatable, or comma-separated)
    #[arg(short, long, value_enum, value_delimiter = ',')]
    status: Vec<DeliveryStatus>,
    /// Only the deliveries of this task (id or unique prefix)
    #[arg(long, value_name = "ID")]
    task: Option<String>,
    /// At most this many (0 = all)
    #[arg(short = 'n', long, default_value_t = 20)]
    limit: u32,
}

#[derive(Debug, Args)]
struct RetryArgs {
    /// Delivery ids (the `id` column of `deliveries list`)
    #[arg(required_unless_present = "all_failed", conflicts_with = "all_failed")]
    ids: Vec<String>,
    /// Send every failed delivery again
    #[arg(long)]
    all_failed: bool,
}

impl Record for Delivery {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "event",
        "task_id",
        "url",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ];
    fn key(&self) -> String {
        self.id.to_string()
    }
}

pub fn run(ctx: &mut Ctx, cmd: DeliveriesCmd) -> Result<ExitCode> {
    match cmd.cmd {
        DeliveriesSub::List(a) => list(ctx, a),
        DeliveriesSub::Retry(a) => retry(ctx, a),
    }
}

fn list(ctx: &mut Ctx, a: ListArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    let task_id = match &a.task {
        Some(t) => Some(tasks::resolve(store.conn(), t)?.1),
        None => None,
    };
    let mut statuses: Vec<String> = Vec::new();
    for s in &a.status {
        if !statuses.iter().any(|x| x == s.as_str()) {
            statuses.push(s.as_str().to_string());
        }
    }
    let filter = Filter {
        statuses,
        task_id,
        limit: (a.limit > 0).then_some(a.limit),
    };
    let rows = outbox::list(store.conn(), &filter)?;
    ctx.print(&ctx.printer.list(&rows))?;
    Ok(ExitCode::Ok)
}

fn parse_id(raw: &str) -> Result<i64, Error> {
    raw.trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            Error::invalid(
                "id",
                format!("'{raw}' is not a delivery id (a whole number, see `deliveries list`)"),
            )
        })
}

fn retry(ctx: &mut Ctx, a: RetryArgs) -> Result<ExitCode> {
    let ids: Vec<i64> = if a.all_failed {
        outbox::failed_ids(ctx.store()?.conn())?
    } else {
        let mut ids = Vec::new();
        for raw in &a.ids {
            let id = parse_id(raw)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    };
    if ids.is_empty() {
        ctx.note("no failed deliveries to retry");
        return Ok(ExitCode::Ok);
    }
    // Every id must exist before anything changes (exit 3, nothing written); one already
    // sent is refused (exit 4) while the others are queued again.
    let now = now_ms();
    let results: Vec<(i64, bool)> = ctx.store()?.write(|tx| {
        for id in &ids {
            outbox::get(tx, *id)?;
        }
        ids.iter()
            .map(|id| Ok((*id, outbox::retry(tx, *id, now)?)))
            .collect()
    })?;
    let mut code = ExitCode::Ok;
    let mut done = String::new();
    for (id, queued) in results {
        if queued {
            done.push_str(&format!("{id}\n"));
            ctx.note(&format!("delivery {id} queued again"));
        } else {
            eprintln!("error: delivery {id} was already sent; nothing to retry");
            code = code.worst(ExitCode::Refused);
        }
    }
    if ctx.printer.quiet {
        ctx.print(&done)?;
    }
    Ok(code)
}
