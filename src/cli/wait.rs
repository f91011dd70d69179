//! Waiting for tasks to finish: `task wait` and `task submit --wait`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::ctx::Ctx;
use crate::domain::{Status, Task, TaskId};
use crate::error::ExitCode;
use crate::store::tasks::{self, Seq};

/// Most tasks that get a bar of their own; beyond this one bar counts them all.
const MAX_BARS: usize = 12;
const POLL: Duration = Duration::from_millis(100);

/// Waits until every task is terminal or `timeout` passes. Returns the final tasks and
/// whether the wait timed out.
pub fn wait(
    ctx: &mut Ctx,
    targets: &[(Seq, TaskId)],
    timeout: Duration,
) -> Result<(Vec<Task>, bool)> {
    let tty = std::io::stderr().is_terminal() && !ctx.printer.quiet;
    let multi = MultiProgress::with_draw_target(if tty {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let per_task = targets.len() <= MAX_BARS;
    let style = ProgressStyle::with_template("{spinner} {prefix} {bar:25} {pos:>3}% {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    let mut bars: HashMap<Seq, ProgressBar> = HashMap::new();
    let overall = (!per_task).then(|| {
        let b = multi.add(ProgressBar::new(targets.len() as u64));
        b.set_style(
            ProgressStyle::with_template("{spinner} waiting {bar:30} {pos}/{len} finished {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    if per_task {
        for (seq, id) in targets {
            let b = multi.add(ProgressBar::new(100));
            b.set_style(style.clone());
            b.set_prefix(id.to_string());
            bars.insert(*seq, b);
        }
    }
    let deadline = Instant::now() + timeout;
    loop {
        let store = ctx.store()?;
        let current: Vec<Task> = targets
            .iter()
            .map(|(seq, _)| tasks::get(store.conn(), *seq))
            .collect::<crate::error::Result<_>>()?;
        let done = current.iter().filter(|t| t.status.is_terminal()).count();
        for t in &current {
            if let Some(seq) = targets.iter().find(|(_, id)| *id == t.id).map(|(s, _)| *s) {
                if let Some(b) = bars.get(&seq) {
                    let pct = if t.status == Status::Completed {
                        100
                    } else {
                        t.progress.unwrap_or(0) as u64
                    };
                    b.set_position(pct);
                    let step = t
                        .current_step
                        .as_deref()
                        .map(|s| format!(" · {s}"))
                        .unwrap_or_default();
                    b.set_message(format!("{}{step}", t.status));
                    b.tick();
                }
            }
        }
        if let Some(b) = &overall {
            b.set_position(done as u64);
            b.tick();
        }
        if done == current.len() {
            multi.clear().ok();
            return Ok((current, false));
        }
        if Instant::now() >= deadline {
            multi.clear().ok();
            return Ok((current, true));
        }
        std::thread::sleep(POLL);
    }
}

/// The exit code and a summary on stderr: 0 only if every task completed.
pub fn verdict(ctx: &Ctx, finals: &[Task], timed_out: bool) -> ExitCode {
    let completed = finals
        .iter()
        .filter(|t| t.status == Status::Completed)
        .count();
    if completed == finals.len() {
        ctx.note(&format!("all {} tasks completed", finals.len()));
        return ExitCode::Ok;
    }
    for t in finals.iter().filter(|t| t.status != Status::Completed) {
        let why = t
            .error_message
            .as_deref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        eprintln!("{} {}{why}", t.id, t.status);
    }
    let mut summary = format!("{completed} of {} tasks completed", finals.len());
    if timed_out {
        summary.push_str("; stopped waiting for the rest (timeout)");
    }
    eprintln!("{summary}");
    ExitCode::Failure
}
