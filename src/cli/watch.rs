//! `contenthub monitor watch`: a live view of the pipeline.
//!
//! On a terminal (and with the default `--format table`) it is a full-screen view, redrawn
//! every `--interval`: a header with the daemon's state, the queue and the rates over
//! `--window`, the tasks in flight with a progress bar each, and the latest completions and
//! failures. `q`, `Esc` or Ctrl-C quits (so do SIGINT, SIGTERM and SIGHUP, and `--count`
//! after the last refresh has been shown for an interval); `r` refreshes at once. The terminal
//! is restored however the view ends, a panic included.
//!
//! Without a terminal it prints one line per interval, for logs and scripts:
//!
//! ```text
//! 2026-11-29T09:00:00Z daemon=running pending=3 in_flight=2 oldest_pending=12s finished=10 completed=9 failed=1 timeout=0 cancelled=0 success=90% failure=10% timeout_rate=0% per_hour=9.0 gen_p50=4.2s gen_p95=9s window=1h
//! ```
//!
//! The first word is the time (RFC 3339, UTC); every other word is `key=value`, `-` when there
//! is no value (no rate before something finished in the window). `finished` counts every task
//! that finished in the window, cancelled ones included; the rates divide by the completed,
//! failed and timed-out ones. With `--format json` or `ndjson` (on a terminal too) each line
//! is a JSON object with the same keys, `at` for the time, rates as fractions (0..1) and
//! durations in seconds. SIGINT or SIGTERM ends it with exit 0, as does the reader going away
//! (a closed pipe, noticed at the next line).

use std::io::Write as _;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::ctx::Ctx;
use crate::domain::time::{now_ms, rfc3339, Millis, Timestamp};
use crate::error::{Error, ExitCode};
use crate::monitor::metrics::{self, Metrics, MetricsOptions};
use crate::monitor::{window_label, Unit};
use crate::output::Format;
use crate::store::monitor::{self as q, Recent, Running};
use crate::store::{Location, Store};

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Time between refreshes (at least 100ms)
    #[arg(long, default_value = "2s", value_name = "DURATION")]
    pub interval: String,
    /// Window for the rates shown
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub window: String,
    /// Stop after this many refreshes (like vmstat's count)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub count: Option<u32>,
}

/// Most tasks in flight the live view reads (the header counts them all).
const RUNNING_LIMIT: u32 = 100;
/// Most recent results the live view reads.
const RECENT_LIMIT: u32 = 50;

pub fn run(ctx: &mut Ctx, args: WatchArgs) -> Result<ExitCode> {
    let interval = crate::monitor::parse_window("--interval", &args.interval)?;
    if interval < Duration::from_millis(100) {
        return Err(Error::invalid("--interval", "must be at least 100ms").into());
    }
    let window = crate::monitor::parse_window("--window", &args.window)?;
    let format = ctx.printer.format;
    if !matches!(format, Format::Table | Format::Json | Format::Ndjson) {
        return Err(Error::Usage(
            "monitor watch prints plain lines (--format table) or one JSON object per line (--format json or ndjson)".into(),
        )
        .into());
    }
    let live = format == Format::Table && ctx.printer.style.tty;
    let color = ctx.printer.style.color;
    let opts = crate::daemon::metrics_options(&ctx.settings, window);
    let location = ctx.settings.db.value.clone();
    let stop = Stop::listen(live)?;
    let store = ctx.store()?;
    let source = Source {
        location: &location,
        opts: &opts,
        window,
        detail: live,
    };
    if live {
        tui::run(store, &source, interval, args.count, &stop, color)
    } else {
        lines(store, &source, interval, args.count, &stop, format)
    }
}

// -------------------------------------------------------------------------------------------
// What one refresh reads

/// Where a refresh reads from and what it needs.
struct Source<'a> {
    location: &'a Location,
    opts: &'a MetricsOptions,
    window: Duration,
    /// Also read the tasks in flight and the recent results (the live view shows them).
    detail: bool,
}

/// One refresh: the summary and, for the live view, the tasks behind it.
#[derive(Debug, Clone)]
struct Snapshot {
    /// When it was read (ms, UTC).
    now: Millis,
    sample: Sample,
    running: Vec<Running>,
    recent: Vec<Recent>,
}

impl Source<'_> {
    /// Reads everything in one read transaction, so the figures agree with each other.
    fn read(&self, store: &mut Store) -> Result<Snapshot> {
        let now = now_ms();
        let snap = store.read(|tx| {
            let m = metrics::collect(tx, self.location, self.opts, now)?;
            let (running, recent) = if self.detail {
                (q::running(tx, RUNNING_LIMIT)?, q::recent(tx, RECENT_LIMIT)?)
            } else {
                (Vec::new(), Vec::new())
            };
            Ok(Snapshot {
                now,
                sample: Sample::of(&m, now, self.window),
                running,
                recent,
            })
        })?;
        Ok(snap)
    }
}

/// One line of the plain output, and one JSON object of `--format json`: the keys are the
/// same in both.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Sample {
    /// When it was taken, to the second.
    at: Timestamp,
    /// running, stale or stopped
    daemon: String,
    pending: u64,
    /// submitted + processing
    in_flight: u64,
    /// Age of the oldest pending task, seconds.
    oldest_pending: Option<f64>,
    /// Tasks that finished in the window, cancelled ones included.
    finished: u64,
    completed: u64,
    failed: u64,
    timeout: u64,
    cancelled: u64,
    /// completed / (completed + failed + timeout) in the window
    success: Option<f64>,
    /// failed / (completed + failed + timeout) in the window
    failure: Option<f64>,
    /// timeout / (completed + failed + timeout) in the window
    timeout_rate: Option<f64>,
    /// Tasks completed per hour, averaged over the window.
    per_hour: f64,
    /// Generation time (first start to completion) of tasks completed in the window, seconds.
    gen_p50: Option<f64>,
    gen_p95: Option<f64>,
    /// The window, as `--window` reads it (`1h`).
    window: String,
}

impl Sample {
    fn of(m: &Metrics, now: Millis, window: Duration) -> Sample {
        let f = &m.finished;
        Sample {
            at: Timestamp(now - now.rem_euclid(1000)),
            daemon: m.daemon.state.clone(),
            pending: m.tasks.pending,
            in_flight: m.in_flight,
            oldest_pending: m.oldest_pending_age_seconds,
            finished: f.completed + f.failed + f.timeout + f.cancelled,
            completed: f.completed,
            failed: f.failed,
            timeout: f.timeout,
            cancelled: f.cancelled,
            success: m.rates.success,
            failure: m.rates.failure,
            timeout_rate: m.rates.timeout,
            per_hour: m.throughput_per_hour,
            gen_p50: m.generation_seconds.p50,
            gen_p95: m.generation_seconds.p95,
            window: window_label(window),
        }
    }

    /// The plain line (without the newline): the time, then `key=value` words.
    fn line(&self) -> String {
        fn or_dash(v: Option<f64>, show: impl Fn(f64) -> String) -> String {
            v.map(show).unwrap_or_else(|| "-".into())
        }
        let ratio = |v: Option<f64>| Unit::Ratio.show_opt(v);
        let secs = |v: Option<f64>| or_dash(v, |x| Unit::Seconds.perf(x));
        format!(
            "{} daemon={} pending={} in_flight={} oldest_pending={} finished={} completed={} failed={} timeout={} cancelled={} success={} failure={} timeout_rate={} per_hour={:.1} gen_p50={} gen_p95={} window={}",
            rfc3339(self.at.0),
            self.daemon,
            self.pending,
            self.in_flight,
            or_dash(self.oldest_pending, |x| format!("{}s", x.round())),
            self.finished,
            self.completed,
            self.failed,
            self.timeout,
            self.cancelled,
            ratio(self.success),
            ratio(self.failure),
            ratio(self.timeout_rate),
            self.per_hour,
            secs(self.gen_p50),
            secs(self.gen_p95),
            self.window,
        )
    }
}

// -------------------------------------------------------------------------------------------
// Stopping on a signal

/// SIGINT and SIGTERM (and SIGHUP in the live view, which a closed terminal sends), turned into
/// a message the loops can wait on: the wait between two refreshes ends the moment one
/// arrives. A second signal ends the process at once, in case a refresh is stuck. SIGHUP is
/// left alone for plain lines, so `nohup contenthub monitor watch` keeps running.
struct Stop {
    rx: mpsc::Receiver<()>,
    hit: std::cell::Cell<bool>,
}

impl Stop {
    fn listen(live: bool) -> Result<Stop> {
        use tokio::signal::unix::{signal, SignalKind};
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // Registered here, before the first refresh, so that no signal is missed.
        let (mut int, mut term, mut hup) = {
            let _in = rt.enter();
            (
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
                if live {
                    Some(signal(SignalKind::hangup())?)
                } else {
                    None
                },
            )
        };
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("watch-signals".into())
            .spawn(move || {
                let mut next = || {
                    rt.block_on(async {
                        tokio::select! {
                            _ = int.recv() => {}
                            _ = term.recv() => {}
                            _ = async {
                                match hup.as_mut() {
                                    Some(h) => { h.recv().await; }
                                    None => std::future::pending::<()>().await,
                                }
                            } => {}
                        }
                    })
                };
                next();
                let _ = tx.send(());
                // The loop should end within a tick; a second signal does not wait for it.
                next();
                tui::restore();
                std::process::exit(130);
            })?;
        Ok(Stop {
            rx,
            hit: std::cell::Cell::new(false),
        })
    }

    /// Waits at most `d`; true when a stop signal arrived (now or before).
    fn wait(&self, d: Duration) -> bool {
        if self.hit.get() {
            return true;
        }
        match self.rx.recv_timeout(d) {
            Ok(()) => self.hit.set(true),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // The listener is gone (it cannot be): wait without it rather than spin.
            Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(d),
        }
        self.hit.get()
    }

    /// Whether a stop signal has arrived, without waiting.
    fn requested(&self) -> bool {
        if !self.hit.get() && self.rx.try_recv().is_ok() {
            self.hit.set(true);
        }
        self.hit.get()
    }
}

/// When the next refresh is due: one interval after the last was due, so refreshes keep
/// their rhythm; never in the past (after a slow refresh or a suspended process).
fn next_due(due: Instant, interval: Duration, now: Instant) -> Instant {
    let next = due + interval;
    if next <= now {
        now + interval
    } else {
        next
    }
}

// -------------------------------------------------------------------------------------------
// Without a terminal: one line per interval

fn lines(
    store: &mut Store,
    source: &Source<'_>,
    interval: Duration,
    count: Option<u32>,
    stop: &Stop,
    format: Format,
) -> Result<ExitCode> {
    let mut printed = 0u32;
    let mut due = Instant::now();
    loop {
        if stop.requested() {
            break;
        }
        match source.read(store) {
            Ok(snap) => {
                let text = match format {
                    Format::Json | Format::Ndjson => serde_json::to_string(&snap.sample)?,
                    _ => snap.sample.line(),
                };
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())?;
                out.write_all(b"\n")?;
                out.flush()?;
            }
            // The first read decides whether the store can be watched at all; later ones
            // may meet a busy or briefly unreadable store, which is no reason to stop.
            Err(e) if printed == 0 => return Err(e),
            Err(e) => eprintln!("warning: monitor watch: {e:#}"),
        }
        printed += 1;
        if count.is_some_and(|c| printed >= c) {
            break;
        }
        due = next_due(due, interval, Instant::now());
        if stop.wait(due.saturating_duration_since(Instant::now())) {
            break;
        }
    }
    Ok(ExitCode::Ok)
}

// -------------------------------------------------------------------------------------------
// Text helpers (shared by the live view and its tests)

/// The width `s` takes on a terminal (CJK characters take two columns).
fn width(s: &str) -> usize {
    ratatui::text::Span::raw(s).width()
}

/// `s` on one line, in at most `max` columns: control characters (newlines, escapes) become
/// spaces, and a cut is marked with `…`.
fn fit(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if width(&clean) <= max {
        return clean;
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for c in clean.chars() {
        let w = width(c.encode_utf8(&mut buf));
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A progress bar `width` cells wide and the percentage: `█████░░░░░  50%`; `-` when the
/// generator reports no progress.
fn progress_bar(progress: Option<u8>, width: usize) -> String {
    match progress {
        Some(p) => {
            let p = usize::from(p.min(100));
            let full = (p * width + 50) / 100;
            format!("{}{} {:>3}%", "█".repeat(full), "░".repeat(width - full), p)
        }
        None => format!("{}    -", "░".repeat(width)),
    }
}

/// How long, for people: `350ms`, `42s`, `3m 5s`, `1h 30m`; `-` when unknown.
fn took(ms: Option<Millis>) -> String {
    match ms {
        Some(ms) if ms >= 1000 => Unit::Seconds.show((ms / 1000) as f64),
        Some(ms) => Unit::Seconds.show(ms.max(0) as f64 / 1000.0),
        None => "-".into(),
    }
}

// -------------------------------------------------------------------------------------------
// On a terminal: the live view

mod tui {
    use std::io::Stdout;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use anyhow::Result;
    use ratatui::backend::CrosstermBackend;
    use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
    use ratatui::crossterm::{cursor, execute, terminal};
    use ratatui::layout::{Constraint, Layout, Rect};
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::text::{Line, Span};
    use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
    use ratatui::{Frame, Terminal};

    use super::{fit, next_due, progress_bar, took, width, Snapshot, Source, Stop};
    use crate::domain::time::Millis;
    use crate::domain::Status;
    use crate::error::ExitCode;
    use crate::monitor::Unit;
    use crate::store::monitor::Running;
    use crate::store::Store;

    /// How often the loop looks for a stop signal while it waits for keys.
    const TICK: Duration = Duration::from_millis(200);
    /// Cells of a progress bar, and on a narrow terminal.
    const BAR: usize = 12;
    const BAR_NARROW: usize = 6;

    /// Whether the terminal is in raw mode on the alternate screen (and must be restored).
    static ACTIVE: AtomicBool = AtomicBool::new(false);

    /// Puts the terminal back as it was; does nothing the second time.
    pub(super) fn restore() {
        if ACTIVE.swap(false, Ordering::SeqCst) {
            let _ = terminal::disable_raw_mode();
            let _ = execute!(
                std::io::stdout(),
                terminal::LeaveAlternateScreen,
                cursor::Show
            );
        }
    }

    /// Restores the terminal before a panic message is printed, so it can be read.
    fn install_panic_hook() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
    }

    /// The terminal in raw mode on the alternate screen; dropping it restores the terminal,
    /// whichever way the view ends (quit, error, or a panic unwinding through it).
    struct Screen {
        terminal: Terminal<CrosstermBackend<Stdout>>,
    }

    impl Drop for Screen {
        fn drop(&mut self) {
            restore();
        }
    }

    impl Screen {
        fn enter() -> Result<Screen> {
            install_panic_hook();
            terminal::enable_raw_mode()?;
            ACTIVE.store(true, Ordering::SeqCst);
            let setup = || -> Result<Terminal<CrosstermBackend<Stdout>>> {
                // Cleared with a plain escape: `Terminal::clear` would ask the terminal where
                // the cursor is, and not every terminal answers.
                execute!(
                    std::io::stdout(),
                    terminal::EnterAlternateScreen,
                    cursor::Hide,
                    terminal::Clear(terminal::ClearType::All)
                )?;
                Ok(Terminal::new(CrosstermBackend::new(std::io::stdout()))?)
            };
            match setup() {
                Ok(terminal) => Ok(Screen { terminal }),
                Err(e) => {
                    restore();
                    Err(e)
                }
            }
        }

        fn draw(&mut self, view: &View) -> Result<()> {
            self.terminal.draw(|f| draw(f, view))?;
            Ok(())
        }
    }

    /// Everything one frame shows.
    pub(super) struct View {
        pub snap: Snapshot,
        /// Why the last refresh failed, if it did (the figures are then the previous ones).
        pub error: Option<String>,
        pub interval: Duration,
        pub color: bool,
    }

    fn quits(k: &KeyEvent) -> bool {
        match k.code {
            KeyCode::Char('q') | KeyCode::Char('Q') | KeyCode::Esc => true,
            KeyCode::Char('c') => k.modifiers.contains(KeyModifiers::CONTROL),
            _ => false,
        }
    }

    pub(super) fn run(
        store: &mut Store,
        source: &Source<'_>,
        interval: Duration,
        count: Option<u32>,
        stop: &Stop,
        color: bool,
    ) -> Result<ExitCode> {
        // Read once before taking over the terminal: a store that cannot be read is reported
        // on the normal screen.
        let first = source.read(store)?;
        let mut screen = Screen::enter()?;
        let mut view = View {
            snap: first,
            error: None,
            interval,
            color,
        };
        let mut refreshes = 1u32;
        let mut due = Instant::now() + interval;
        screen.draw(&view)?;
        loop {
            let now = Instant::now();
            if now >= due {
                // With --count, the last refresh stays on screen for one interval.
                if count.is_some_and(|c| refreshes >= c) {
                    break;
                }
                match source.read(store) {
                    Ok(s) => {
                        view.snap = s;
                        view.error = None;
                    }
                    Err(e) => view.error = Some(format!("{e:#}")),
                }
                refreshes += 1;
                due = next_due(due, interval, Instant::now());
                screen.draw(&view)?;
                continue;
            }
            if stop.requested() {
                break;
            }
            if event::poll((due - now).min(TICK))? {
                match event::read()? {
                    Event::Key(k) if k.kind != KeyEventKind::Release => {
                        if quits(&k) {
                            break;
                        }
                        // Refresh now (unless that would be one refresh too many).
                        if matches!(k.code, KeyCode::Char('r') | KeyCode::Char(' '))
                            && count.is_none_or(|c| refreshes < c)
                        {
                            due = Instant::now();
                        }
                    }
                    Event::Resize(..) => {
                        screen.terminal.autoresize()?;
                        screen.draw(&view)?;
                    }
                    _ => {}
                }
            }
        }
        drop(screen);
        Ok(ExitCode::Ok)
    }

    fn status_color(s: Status) -> Color {
        match s {
            Status::Completed => Color::Green,
            Status::Failed | Status::Timeout => Color::Red,
            Status::Pending => Color::Yellow,
            Status::Submitted | Status::Processing => Color::Cyan,
            Status::Cancelled => Color::DarkGray,
        }
    }

    fn daemon_color(state: &str) -> Color {
        match state {
            "running" => Color::Green,
            "stale" => Color::Red,
            _ => Color::Yellow,
        }
    }

    /// Draws one frame.
    pub(super) fn draw(f: &mut Frame<'_>, view: &View) {
        let tint = |c: Color| {
            if view.color {
                Style::default().fg(c)
            } else {
                Style::default()
            }
        };
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let s = &view.snap.sample;
        let area = f.area();

        // Header: the daemon and the queue, then the window's rates, wrapped between items.
        let ratio = |v: Option<f64>| Unit::Ratio.show_opt(v);
        let secs = |v: Option<f64>| Unit::Seconds.show_opt(v);
        let item = |label: &str, value: String, style: Style| {
            vec![Span::raw(format!("{label} ")), Span::styled(value, style)]
        };
        let failure_style = if s.failure.unwrap_or(0.0) > 0.0 || s.timeout_rate.unwrap_or(0.0) > 0.0
        {
            tint(Color::Red)
        } else {
            Style::default()
        };
        let queue = vec![
            vec![Span::styled("contenthub", bold)],
            item(
                "daemon",
                s.daemon.clone(),
                tint(daemon_color(&s.daemon)).add_modifier(Modifier::BOLD),
            ),
            item("pending", s.pending.to_string(), bold),
            item("in flight", s.in_flight.to_string(), bold),
            item("oldest pending", secs(s.oldest_pending), bold),
        ];
        let rates = vec![
            item(
                &format!("last {}: finished", s.window),
                s.finished.to_string(),
                Style::default(),
            ),
            item("success", ratio(s.success), tint(Color::Green)),
            item("failure", ratio(s.failure), failure_style),
            item("timeout", ratio(s.timeout_rate), failure_style),
            item(
                "throughput",
                format!("{}/h", crate::monitor::trim_float(s.per_hour, 1)),
                Style::default(),
            ),
            item("generation p50", secs(s.gen_p50), Style::default()),
            item("p95", secs(s.gen_p95), Style::default()),
        ];
        let mut header_lines = pack(queue, area.width as usize);
        header_lines.extend(pack(rates, area.width as usize));
        header_lines.truncate(4);

        let in_flight_rows = view.snap.running.len().max(1) as u16;
        let [header, flight, recent, footer] = Layout::vertical([
            Constraint::Length(header_lines.len() as u16),
            Constraint::Length(
                (in_flight_rows + 3)
                    .min(area.height.saturating_sub(3) / 2)
                    .max(4),
            ),
            Constraint::Min(4),
            Constraint::Length(1),
        ])
        .areas(area);

        f.render_widget(Paragraph::new(header_lines), header);

        draw_in_flight(f, flight, view, &tint);
        draw_recent(f, recent, view, &tint);

        // Footer: keys, rhythm, and the last refresh's trouble if any.
        let at = clock(view.snap.now);
        let mut spans = vec![Span::styled(
            format!(
                "q quit · r refresh · every {} · updated {at}",
                Unit::Seconds.show(view.interval.as_secs_f64())
            ),
            tint(Color::DarkGray),
        )];
        if let Some(e) = &view.error {
            let room = (footer.width as usize).saturating_sub(width(&spans[0].content) + 2);
            spans.push(Span::raw("  "));
            spans.push(Span::styled(fit(e, room), tint(Color::Red)));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), footer);
    }

    /// `items` on as few lines of `width` columns as they fit, two spaces apart; an item is
    /// never split (one wider than a line is cut by the terminal's edge).
    fn pack(items: Vec<Vec<Span<'static>>>, width: usize) -> Vec<Line<'static>> {
        let mut lines: Vec<Vec<Span<'static>>> = Vec::new();
        let mut used = 0;
        for item in items {
            let w: usize = item.iter().map(Span::width).sum();
            match lines.last_mut() {
                Some(line) if used + 2 + w <= width => {
                    line.push(Span::raw("  "));
                    line.extend(item);
                    used += 2 + w;
                }
                _ => {
                    lines.push(item);
                    used = w;
                }
            }
        }
        lines.into_iter().map(Line::from).collect()
    }

    /// The widest of `cells`, between `min` and `max` columns.
    fn column(cells: impl Iterator<Item = usize>, min: usize, max: usize) -> usize {
        cells.max().unwrap_or(0).clamp(min, max)
    }

    /// Columns left for flexible ones in a bordered table of `area`, after `fixed` columns.
    fn room(area: Rect, fixed: &[usize]) -> usize {
        (area.width as usize)
            .saturating_sub(2 + fixed.len())
            .saturating_sub(fixed.iter().sum::<usize>())
    }

    fn len(n: usize) -> Constraint {
        Constraint::Length(n.min(u16::MAX as usize) as u16)
    }

    fn elapsed(now: Millis, since: Option<Millis>) -> String {
        took(since.map(|s| now - s))
    }

    /// One column of a table: its title, its width and a cell per row.
    struct Col<'a> {
        title: &'static str,
        width: usize,
        cells: Vec<Cell<'a>>,
    }

    impl<'a> Col<'a> {
        fn new(title: &'static str, width: usize, cells: impl Iterator<Item = Cell<'a>>) -> Self {
            Col {
                title,
                width,
                cells: cells.collect(),
            }
        }
    }

    /// A bordered table of `cols`.
    fn table<'a>(cols: Vec<Col<'a>>, block: Block<'a>) -> Table<'a> {
        let widths: Vec<Constraint> = cols.iter().map(|c| len(c.width)).collect();
        let header = Row::new(cols.iter().map(|c| c.title))
            .style(Style::default().add_modifier(Modifier::BOLD));
        let n = cols.first().map_or(0, |c| c.cells.len());
        let mut columns: Vec<_> = cols.into_iter().map(|c| c.cells.into_iter()).collect();
        let rows: Vec<Row> = (0..n)
            .map(|_| {
                Row::new(
                    columns
                        .iter_mut()
                        .filter_map(Iterator::next)
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .block(block)
    }

    /// The columns that say which task a row is: its id and account (each when given a
    /// width, i.e. when there is room) and its topic, cut to fit.
    fn task_cols<'a, T>(
        rows: &[T],
        part: impl Fn(&T) -> (crate::domain::TaskId, &str, &str),
        id_w: Option<usize>,
        account_w: Option<usize>,
        topic_w: usize,
    ) -> Vec<Col<'a>> {
        let mut cols = Vec::new();
        if let Some(w) = id_w {
            let ids = rows.iter().map(|r| Cell::from(part(r).0.to_string()));
            cols.push(Col::new("ID", w, ids));
        }
        if let Some(w) = account_w {
            let accounts = rows.iter().map(|r| Cell::from(fit(part(r).1, w)));
            cols.push(Col::new("ACCOUNT", w, accounts));
        }
        let topics = rows.iter().map(|r| Cell::from(fit(part(r).2, topic_w)));
        cols.push(Col::new("TOPIC", topic_w, topics));
        cols
    }

    /// Local wall-clock time of `ms`, `HH:MM:SS`.
    fn clock(ms: Millis) -> String {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%H:%M:%S")
                    .to_string()
            })
            .unwrap_or_default()
    }

    /// Topics get at least this many columns before other columns give way.
    const MIN_TOPIC: usize = 16;

    fn draw_in_flight(f: &mut Frame<'_>, area: Rect, view: &View, tint: &dyn Fn(Color) -> Style) {
        let running = &view.snap.running;
        let now = view.snap.now;
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" In flight ({}) ", view.snap.sample.in_flight));
        if running.is_empty() {
            f.render_widget(Paragraph::new("nothing in flight").block(block), area);
            return;
        }
        let id_w = 17;
        let account_w = column(running.iter().map(|r| width(&r.account)), 7, 16);
        let step = |r: &Running| r.step.clone().unwrap_or_else(|| r.status.to_string());
        let step_w = column(running.iter().map(|r| width(&step(r))), 4, 18);
        let elapsed_w = 7;
        // On a narrow terminal the bar gets shorter, then the account goes, then the id (as
        // in the table of recent results): the topic is what says which task it is.
        let (mut bar, mut with_account, mut with_id) = (BAR, true, true);
        let topic_w = loop {
            let mut fixed = vec![bar + 5, step_w, elapsed_w];
            if with_account {
                fixed.push(account_w);
            }
            if with_id {
                fixed.push(id_w);
            }
            let topic_w = room(area, &fixed);
            if topic_w >= MIN_TOPIC || (bar == BAR_NARROW && !with_account && !with_id) {
                // No wider than the longest topic, so the progress bars sit close by.
                break topic_w.min(column(
                    running.iter().map(|r| width(&r.topic)),
                    5,
                    usize::MAX,
                ));
            }
            if bar > BAR_NARROW {
                bar = BAR_NARROW;
            } else if with_account {
                with_account = false;
            } else {
                with_id = false;
            }
        };
        let mut cols = task_cols(
            running,
            |r| (r.id, &r.account, &r.topic),
            with_id.then_some(id_w),
            with_account.then_some(account_w),
            topic_w,
        );
        cols.extend([
            Col::new(
                "PROGRESS",
                bar + 5,
                running
                    .iter()
                    .map(|r| Cell::from(progress_bar(r.progress, bar)).style(tint(Color::Cyan))),
            ),
            Col::new(
                "STEP",
                step_w,
                running
                    .iter()
                    .map(|r| Cell::from(fit(&step(r), step_w)).style(tint(status_color(r.status)))),
            ),
            Col::new(
                "ELAPSED",
                elapsed_w,
                running
                    .iter()
                    .map(|r| Cell::from(elapsed(now, r.started_at))),
            ),
        ]);
        f.render_widget(table(cols, block), area);
    }

    fn draw_recent(f: &mut Frame<'_>, area: Rect, view: &View, tint: &dyn Fn(Color) -> Style) {
        let recent = &view.snap.recent;
        let block = Block::default()
            .borders(Borders::ALL)
            .title(" Recent completions and failures ");
        if recent.is_empty() {
            f.render_widget(Paragraph::new("nothing finished yet").block(block), area);
            return;
        }
        let finished_w = 8;
        let status_w = 9;
        let id_w = 17;
        let account_w = column(recent.iter().map(|r| width(&r.account)), 7, 16);
        let took_w = 7;
        let errors = recent.iter().any(|r| r.error.is_some());
        // On a narrow terminal the account goes first, then the id.
        let (mut with_account, mut with_id) = (true, true);
        let left = loop {
            let mut fixed = vec![finished_w, status_w, took_w];
            if with_id {
                fixed.push(id_w);
            }
            if with_account {
                fixed.push(account_w);
            }
            if errors {
                // The error column's spacing.
                fixed.push(0);
            }
            let left = room(area, &fixed);
            if left >= MIN_TOPIC + if errors { MIN_TOPIC } else { 0 } || !with_id {
                break left;
            }
            if with_account {
                with_account = false;
            } else {
                with_id = false;
            }
        };
        let longest_topic = column(recent.iter().map(|r| width(&r.topic)), 5, usize::MAX);
        let topic_w = if errors {
            longest_topic.min((left / 2).max(MIN_TOPIC)).min(left)
        } else {
            longest_topic.min(left)
        };
        let error_w = left.saturating_sub(topic_w);
        let mut cols = vec![
            Col::new(
                "FINISHED",
                finished_w,
                recent.iter().map(|r| Cell::from(clock(r.finished_at))),
            ),
            Col::new(
                "STATUS",
                status_w,
                recent
                    .iter()
                    .map(|r| Cell::from(r.status.as_str()).style(tint(status_color(r.status)))),
            ),
        ];
        cols.extend(task_cols(
            recent,
            |r| (r.id, &r.account, &r.topic),
            with_id.then_some(id_w),
            with_account.then_some(account_w),
            topic_w,
        ));
        cols.extend([Col::new(
            "TOOK",
            took_w,
            recent
                .iter()
                .map(|r| Cell::from(took(r.started_at.map(|s| r.finished_at - s)))),
        )]);
        if errors {
            cols.push(Col::new(
                "ERROR",
                error_w,
                recent.iter().map(|r| {
                    Cell::from(fit(r.error.as_deref().unwrap_or(""), error_w))
                        .style(tint(status_color(r.status)))
                }),
            ));
        }
        f.render_widget(table(cols, block), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Status;
    use crate::domain::TaskId;

    fn sample() -> Sample {
        Sample {
            at: Timestamp(1_795_942_800_000), // 2026-11-29T09:00:00Z
            daemon: "running".into(),
            pending: 3,
            in_flight: 2,
            oldest_pending: Some(12.4),
            finished: 10,
            completed: 9,
            failed: 1,
            timeout: 0,
            cancelled: 0,
            success: Some(0.9),
            failure: Some(0.1),
            timeout_rate: Some(0.0),
            per_hour: 9.0,
            gen_p50: Some(4.2),
            gen_p95: Some(9.0),
            window: "1h".into(),
        }
    }

    #[test]
    fn the_plain_line_is_the_time_then_key_value_words() {
        assert_eq!(
            sample().line(),
            "2026-11-29T09:00:00Z daemon=running pending=3 in_flight=2 oldest_pending=12s finished=10 completed=9 failed=1 timeout=0 cancelled=0 success=90% failure=10% timeout_rate=0% per_hour=9.0 gen_p50=4.2s gen_p95=9s window=1h"
        );
        let empty = Sample {
            oldest_pending: None,
            success: None,
            failure: None,
            timeout_rate: None,
            gen_p50: None,
            gen_p95: None,
            per_hour: 0.0,
            daemon: "stopped".into(),
            ..sample()
        };
        let line = empty.line();
        assert!(line.contains(" oldest_pending=- "), "{line}");
        assert!(
            line.contains(" success=- failure=- timeout_rate=- per_hour=0.0 "),
            "{line}"
        );
        assert!(line.contains(" gen_p50=- gen_p95=- "), "{line}");
        for word in line.split(' ').skip(1) {
            let (k, v) = word.split_once('=').expect("key=value");
            assert!(!k.is_empty() && !v.is_empty(), "{word}");
        }
    }

    #[test]
    fn json_has_the_same_keys_as_the_line() {
        let s = sample();
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["at"], "2026-11-29T09:00:00Z");
        assert_eq!(v["success"], 0.9);
        assert_eq!(v["oldest_pending"], 12.4);
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let line = s.line();
        let words: Vec<&str> = line
            .split(' ')
            .skip(1)
            .map(|w| w.split_once('=').unwrap().0)
            .collect();
        assert_eq!(keys[0], "at");
        assert_eq!(keys[1..], words[..]);
    }

    #[test]
    fn progress_bars_and_durations() {
        assert_eq!(progress_bar(Some(50), 10), "█████░░░░░  50%");
        assert_eq!(progress_bar(Some(0), 4), "░░░░   0%");
        assert_eq!(progress_bar(Some(100), 4), "████ 100%");
        assert_eq!(progress_bar(Some(200), 4), "████ 100%");
        assert_eq!(progress_bar(None, 4), "░░░░    -");
        assert_eq!(width(&progress_bar(Some(33), 12)), 12 + 5);
        assert_eq!(width(&progress_bar(None, 12)), 12 + 5);
        assert_eq!(took(Some(350)), "350ms");
        assert_eq!(took(Some(42_900)), "42s");
        assert_eq!(took(Some(5_400_000)), "1h 30m");
        assert_eq!(took(None), "-");
    }

    #[test]
    fn fitting_counts_columns_not_bytes() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("exactly10!", 10), "exactly10!");
        assert_eq!(fit("a longer topic", 8), "a longe…");
        // CJK characters take two columns: 4 of them fill 8, and a cut never splits one.
        assert_eq!(fit("写一篇关于Rust的文章", 8), "写一篇…");
        assert!(width(&fit("写一篇关于Rust的文章", 8)) <= 8);
        assert_eq!(width(&fit("写一篇关于Rust的文章", 9)), 9);
        // Nothing that could move the cursor reaches the terminal.
        assert_eq!(fit("line\none\x1b[2J", 40), "line one [2J");
        assert_eq!(fit("abc", 0), "");
    }

    fn snapshot() -> Snapshot {
        let now = 1_795_942_800_000;
        Snapshot {
            now,
            sample: sample(),
            running: vec![
                Running {
                    id: TaskId(0xabcd_0000_0001),
                    account: "blog".into(),
                    topic: "Rust async in practice".into(),
                    status: Status::Processing,
                    generator: None,
                    progress: Some(60),
                    step: Some("drafting".into()),
                    started_at: Some(now - 42_000),
                    remote_job: None,
                },
                Running {
                    id: TaskId(0xabcd_0000_0002),
                    account: "新闻".into(),
                    topic: "人工智能对内容创作行业的长期影响以及编辑团队应当如何调整工作流程的详细分析报告".into(),
                    status: Status::Submitted,
                    generator: None,
                    progress: None,
                    step: None,
                    started_at: Some(now - 3_000),
                    remote_job: None,
                },
            ],
            recent: vec![
                Recent {
                    id: TaskId(0xbbbb_0000_0001),
                    account: "blog".into(),
                    topic: "SQLite tips".into(),
                    status: Status::Completed,
                    finished_at: now - 10_000,
                    started_at: Some(now - 20_000),
                    error: None,
                },
                Recent {
                    id: TaskId(0xcccc_0000_0001),
                    account: "blog".into(),
                    topic: "Broken one".into(),
                    status: Status::Failed,
                    finished_at: now - 60_000,
                    started_at: Some(now - 65_000),
                    error: Some("generator said 400: bad request".into()),
                },
            ],
        }
    }

    fn render(w: u16, h: u16, view: &tui::View) -> Vec<String> {
        use ratatui::backend::TestBackend;
        let mut term = ratatui::Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| tui::draw(f, view)).unwrap();
        let buf = term.backend().buffer().clone();
        // What a terminal shows: a wide character covers the cell after it.
        (0..h)
            .map(|y| {
                let mut line = String::new();
                let mut x = 0;
                while x < w {
                    let symbol = buf[(x, y)].symbol();
                    line.push_str(symbol);
                    x += width(symbol).max(1) as u16;
                }
                line
            })
            .collect()
    }

    #[test]
    fn the_live_view_shows_the_header_tasks_in_flight_and_recent_results() {
        let view = tui::View {
            snap: snapshot(),
            error: None,
            interval: Duration::from_secs(2),
            color: true,
        };
        let screen = render(140, 20, &view);
        let all = screen.join("\n");
        assert!(screen[0].contains("daemon running"), "{all}");
        assert!(screen[0].contains("pending 3"), "{all}");
        assert!(screen[0].contains("in flight 2"), "{all}");
        assert!(screen[0].contains("oldest pending 12.4s"), "{all}");
        assert!(screen[1].contains("last 1h"), "{all}");
        assert!(screen[1].contains("success 90%"), "{all}");
        assert!(screen[1].contains("failure 10%"), "{all}");
        assert!(screen[1].contains("generation p50 4.2s  p95 9s"), "{all}");
        assert!(screen[1].contains("last 1h: finished 10"), "{all}");
        let row = screen
            .iter()
            .find(|l| l.contains("task-abcd00000001"))
            .unwrap_or_else(|| panic!("no in-flight row:\n{all}"));
        assert!(row.contains("Rust async in practice"), "{row}");
        assert!(row.contains("░  60%"), "{row}");
        assert!(row.contains("drafting"), "{row}");
        assert!(row.contains("42s"), "{row}");
        let failed = screen
            .iter()
            .find(|l| l.contains("task-cccc00000001"))
            .unwrap_or_else(|| panic!("no recent row:\n{all}"));
        assert!(failed.contains("failed"), "{failed}");
        assert!(failed.contains("generator said 400"), "{failed}");
        assert!(all.contains("q quit"), "{all}");
    }

    #[test]
    fn long_cjk_topics_keep_the_table_in_shape_at_any_width() {
        let view = tui::View {
            snap: snapshot(),
            error: Some("store: database is locked".into()),
            interval: Duration::from_secs(2),
            color: false,
        };
        for w in [40u16, 60, 80, 100, 200] {
            let screen = render(w, 16, &view);
            let all = screen.join("\n");
            // Found by its topic: on a narrow screen the id and account give way to it.
            let row = screen
                .iter()
                .find(|l| l.contains("人工智"))
                .unwrap_or_else(|| panic!("width {w}: no CJK row:\n{all}"));
            // The right border is still where it belongs.
            assert!(row.ends_with('│'), "width {w}: {row:?}\n{all}");
            assert_eq!(width(row), w as usize, "width {w}: {row:?}");
            if w >= 100 {
                assert!(row.contains("submitted"), "width {w}: {row:?}");
            }
            if w < 60 {
                assert!(
                    !row.contains("task-abcd"),
                    "width {w}: the id gave way: {row:?}"
                );
            }
            if w <= 100 {
                // Cut to fit, and marked.
                assert!(row.contains('…'), "width {w}: {row:?}");
            }
        }
    }
}
