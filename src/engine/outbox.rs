//! The outbox sender: delivers the `deliveries` rows (task callbacks today, alert
//! notifications later) as signed HTTP POSTs, with retries and backoff.
//!
//! The loop wakes when the engine says something may have been queued
//! ([`Shared::outbox`](super::shared::Shared)), when the next delivery falls due, and at least once a
//! second (for rows written by other processes). Each due row is claimed under a lease of the
//! request timeout plus a margin before it is sent: a daemon killed mid-send leaves the row to
//! be claimed and sent again once the lease lapses, so delivery is at-least-once. Receivers
//! should treat `X-ContentHub-Delivery` as an idempotency key.
//!
//! The sender knows nothing about particular events: it sends the stored body, byte for
//! byte, to the stored URL, with the stored event name in `X-ContentHub-Event`. A delivery
//! to a notification channel stores `channel:NAME` instead of a URL: the channel's URL and
//! secret are looked up when sending, and its service's signing scheme and reply format
//! apply (see [`crate::monitor::channels`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, CONTENT_TYPE};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::options::NotifyOptions;
use super::retry;
use super::shared::Shared;
use crate::domain::time::now_ms;
use crate::generator::EnvLookup;
use crate::monitor::channels::{self, Channel, ChannelKind, CHANNEL_PREFIX};
use crate::signature;
use crate::store::outbox::{self, Outgoing};
use crate::store::Conn;

/// How many deliveries are sent at once.
pub const CONCURRENCY: usize = 8;
/// The loop looks at the store at least this often (rows written by other processes).
const IDLE_WAKE: Duration = Duration::from_secs(1);
/// At shutdown, how long sends in flight (and a last pass over what is due) may take.
const DRAIN_MAX: Duration = Duration::from_secs(3);
/// The most of a receiver's reply kept in `last_error`.
const MAX_ERROR_TEXT: usize = 200;

/// What the sender needs, resolved once at start.
pub struct Sender {
    client: reqwest::Client,
    secret: Option<Arc<[u8]>>,
    opts: NotifyOptions,
    env: EnvLookup,
}

impl Sender {
    /// Builds the HTTP client and reads the signing secret.
    pub fn new(opts: NotifyOptions, env: EnvLookup) -> Result<Sender, String> {
        let secret = match &opts.secret_env {
            Some(name) => match env(name).filter(|v| !v.trim().is_empty()) {
                Some(v) => Some(Arc::<[u8]>::from(v.trim().as_bytes())),
                None => {
                    tracing::warn!(
                        variable = %name,
                        "notify.secret_env names a variable that is not set; outgoing events go unsigned"
                    );
                    None
                }
            },
            None => None,
        };
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout)
            // A webhook answers where it is asked; a redirect would turn the POST into a GET.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("contenthub/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Sender {
            client,
            secret,
            opts,
            env,
        })
    }

    fn env_value(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.trim().is_empty())
    }
}

/// What one attempt came to.
#[derive(Debug)]
enum Attempt {
    Sent(u16),
    Failed { code: Option<u16>, error: String },
}

/// Runs the sender until `stop` is cancelled, then drains: sends in flight and whatever is
/// due at that moment get a few seconds to finish. What is still unsent stays claimed until
/// its lease lapses, and the next daemon sends it.
pub async fn run(
    shared: Arc<Shared>,
    opts: NotifyOptions,
    env: EnvLookup,
    stop: CancellationToken,
) {
    let sender = match Sender::new(opts, env) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            tracing::error!(error = %e, "outgoing events are not sent");
            return;
        }
    };
    let lease_ms = sender.opts.lease().as_millis() as i64;
    let mut sending: JoinSet<()> = JoinSet::new();
    // The delivery each running send is for.
    let mut in_flight: HashMap<tokio::task::Id, i64> = HashMap::new();
    let mut drain_end: Option<Instant> = None;
    // Set after a store error, so a broken store is not hammered.
    let mut pause: Option<Instant> = None;

    loop {
        let stopping = drain_end.is_some();
        let free = CONCURRENCY.saturating_sub(sending.len());
        let mut wait = IDLE_WAKE;
        if free > 0 && pause.is_none_or(|p| Instant::now() >= p) {
            pause = None;
            // A read first: an idle daemon does not take the write lock every second.
            match shared.db.read(outbox::next_due).await {
                Ok(mut next) => {
                    if next.is_some_and(|at| at <= now_ms()) {
                        let claimed = claim(
                            &shared,
                            &sender,
                            &mut sending,
                            &mut in_flight,
                            lease_ms,
                            free,
                        )
                        .await;
                        if !claimed {
                            // The store refused the claim (a full disk, say): try again in a
                            // moment, not in a tight loop.
                            pause = Some(Instant::now() + IDLE_WAKE);
                            next = None;
                        } else {
                            next = shared.db.read(outbox::next_due).await.ok().flatten();
                        }
                    }
                    if let Some(at) = next.filter(|_| sending.len() < CONCURRENCY) {
                        let until = Duration::from_millis((at - now_ms()).max(0) as u64);
                        wait = wait.min(until);
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "outbox: cannot read the store; trying again shortly");
                    pause = Some(Instant::now() + IDLE_WAKE);
                }
            }
        }
        if stopping && sending.is_empty() {
            break;
        }
        let deadline = drain_end.unwrap_or_else(|| Instant::now() + wait);
        tokio::select! {
            Some(done) = sending.join_next_with_id(), if !sending.is_empty() => {
                // Take every send that has finished, so one claim refills all their slots.
                let mut next = Some(done);
                while let Some(done) = next {
                    let task = match done {
                        Ok((task, ())) => task,
                        Err(e) => {
                            // A send that panicked: its row stays claimed until the lease
                            // lapses, then it is sent again.
                            tracing::error!(error = %e, "outbox: a send crashed");
                            e.id()
                        }
                    };
                    in_flight.remove(&task);
                    next = sending.try_join_next_with_id();
                }
            }
            _ = shared.outbox.notified(), if !stopping => {}
            _ = stop.cancelled(), if !stopping => {
                drain_end = Some(Instant::now() + DRAIN_MAX.min(sender.opts.timeout + Duration::from_millis(500)));
            }
            _ = tokio::time::sleep_until(deadline) => {
                if stopping {
                    if !sending.is_empty() {
                        tracing::warn!(
                            in_flight = sending.len(),
                            "outbox: stopping with deliveries in flight; they are sent again after their lease"
                        );
                    }
                    sending.abort_all();
                    break;
                }
            }
        }
        // While draining, claim only once more (at the top of the next turn): what is due
        // at shutdown gets one attempt, retries wait for the next start.
        if stopping {
            pause = Some(Instant::now() + Duration::from_secs(3600));
        }
    }
    while sending.join_next().await.is_some() {}
}

/// Claims up to `free` due deliveries and starts sending them.
async fn claim(
    shared: &Arc<Shared>,
    sender: &Arc<Sender>,
    sending: &mut JoinSet<()>,
    in_flight: &mut HashMap<tokio::task::Id, i64>,
    lease_ms: i64,
    free: usize,
) -> bool {
    let claimed = shared
        .db
        .write(move |tx| outbox::claim_due(tx, now_ms(), lease_ms, free as u32))
        .await;
    let rows = match claimed {
        Ok(rows) => rows,
        Err(e) => {
            if !e.is_disk_full() {
                tracing::error!(error = %e, "outbox: cannot claim deliveries");
            }
            return false;
        }
    };
    for d in rows {
        // Our own send of it is still running (its lease lapsed while the outcome was being
        // recorded): let that one finish.
        if in_flight.values().any(|id| *id == d.id) {
            continue;
        }
        let id = d.id;
        let (sh, s) = (shared.clone(), sender.clone());
        let handle = sending.spawn(async move { deliver(&sh, &s, d).await });
        in_flight.insert(handle.id(), id);
    }
    true
}

/// Sends the due deliveries to notification channels once, from this process, and records
/// the outcomes (for `monitor alerts --notify` run by cron, when the daemon may be down).
/// Failed ones are left for the daemon's retries. Returns how many were sent.
pub fn send_channel_deliveries_now(
    store: &crate::store::Location,
    opts: &NotifyOptions,
    env: EnvLookup,
) -> crate::error::Result<usize> {
    /// At most this many per run: a cron job must not run into the next minute.
    const MOST: usize = 20;
    let mut store = crate::store::Store::open_at(store)?;
    let sender = Sender::new(opts.clone(), env).map_err(crate::error::Error::Store)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::error::Error::io("cannot start the runtime", e))?;
    let lease_ms = opts.lease().as_millis() as i64;
    let mut sent = 0;
    // One at a time, each recorded at once: a delivery is claimed for one request's time
    // only, so a daemon never finds a claim lapsed while this is still on it.
    for _ in 0..MOST {
        let Some(d) = store
            .write(|tx| outbox::claim_due_channels(tx, now_ms(), lease_ms, 1))?
            .pop()
        else {
            break;
        };
        let outcome = rt.block_on(send(&sender, &d));
        let now = now_ms();
        let settled = settle(&sender.opts, &d, outcome, now);
        if matches!(settled, Settled::Sent(_)) {
            sent += 1;
        }
        store.write(|tx| settled.record(tx, d.id, now))?;
    }
    Ok(sent)
}

/// Sends one delivery and records the outcome.
async fn deliver(shared: &Shared, sender: &Sender, d: Outgoing) {
    let outcome = send(sender, &d).await;
    let now = now_ms();
    let settled = settle(&sender.opts, &d, outcome, now);
    let id = d.id;
    let recorded = shared.db.write(move |tx| settled.record(tx, id, now)).await;
    if let Err(e) = recorded {
        tracing::error!(delivery = id, error = %e, "could not record a delivery attempt; it is sent again after its lease");
    }
}

/// How an attempt is recorded.
enum Settled {
    Sent(u16),
    Failed {
        code: Option<u16>,
        error: String,
        /// `None`: that was the last attempt.
        retry_at: Option<crate::domain::time::Millis>,
    },
}

/// Logs an attempt's outcome and decides when to try again.
fn settle(
    opts: &NotifyOptions,
    d: &Outgoing,
    outcome: Attempt,
    now: crate::domain::time::Millis,
) -> Settled {
    let (id, event, attempt) = (d.id, &d.event, d.attempts + 1);
    match outcome {
        Attempt::Sent(code) => {
            tracing::info!(delivery = id, event = %event, status = code, attempt, "delivered");
            Settled::Sent(code)
        }
        Attempt::Failed { code, error } => {
            let retry_in = opts.retry_delay(attempt, retry::jitter());
            match retry_in {
                Some(d) => tracing::warn!(
                    delivery = id, event = %event, attempt, error = %error,
                    retry_in_ms = d.as_millis() as u64, "delivery failed; will retry"
                ),
                None => tracing::error!(
                    delivery = id, event = %event, attempt, error = %error,
                    "delivery failed; giving up (see `contenthub deliveries retry`)"
                ),
            }
            Settled::Failed {
                code,
                error,
                retry_at: retry_in.map(|d| now + d.as_millis() as i64),
            }
        }
    }
}

impl Settled {
    fn record(
        &self,
        tx: &Conn,
        id: i64,
        now: crate::domain::time::Millis,
    ) -> crate::error::Result<()> {
        match self {
            Settled::Sent(code) => outbox::mark_sent(tx, id, *code, now),
            Settled::Failed {
                code,
                error,
                retry_at,
            } => outbox::mark_attempt_failed(tx, id, *code, error, *retry_at, now),
        }
    }
}

/// One attempt at a delivery: an HTTP POST of the stored body, or for a notification
/// channel, what that channel's service expects.
async fn send(sender: &Sender, d: &Outgoing) -> Attempt {
    match d.url.strip_prefix(CHANNEL_PREFIX) {
        Some(name) => send_to_channel(sender, d, name).await,
        None => {
            post(
                sender,
                d,
                &d.url,
                d.body.clone(),
                sender.secret.as_deref(),
                None,
            )
            .await
        }
    }
}

async fn send_to_channel(sender: &Sender, d: &Outgoing, name: &str) -> Attempt {
    let failed = |error: String| Attempt::Failed { code: None, error };
    let Some(channel) = sender.opts.channels.iter().find(|c| c.name == name) else {
        return failed(format!(
            "channel '{name}' is not in [[notify.channels]] any more"
        ));
    };
    if channel.kind == ChannelKind::Command {
        return run_command(channel, &d.body, sender.opts.timeout).await;
    }
    let url = match (&channel.url, &channel.url_env) {
        (Some(u), _) => u.clone(),
        (None, Some(var)) => match sender.env_value(var) {
            Some(u) => u.trim().to_string(),
            None => return failed(format!("channel '{name}': {var} (its url_env) is not set")),
        },
        (None, None) => return failed(format!("channel '{name}' has no URL")),
    };
    let secret: Option<Arc<[u8]>> = match &channel.secret_env {
        Some(var) => match sender.env_value(var) {
            Some(v) => Some(Arc::from(v.trim().as_bytes())),
            None => {
                return failed(format!(
                    "channel '{name}': {var} (its secret_env) is not set"
                ))
            }
        },
        // The generic webhook falls back to [notify] secret_env, like task callbacks.
        None if channel.kind == ChannelKind::Webhook => sender.secret.clone(),
        None => None,
    };
    let prepared = match channels::prepare(channel.kind, &url, secret.as_deref(), &d.body, now_ms())
    {
        Ok(p) => p,
        Err(e) => return failed(format!("channel '{name}': {e}")),
    };
    let sign_with = secret
        .as_deref()
        .filter(|_| channel.kind == ChannelKind::Webhook);
    post(
        sender,
        d,
        &prepared.url,
        prepared.body,
        sign_with,
        Some(channel.kind),
    )
    .await
}

/// Runs a `command` channel's program with the event on stdin.
async fn run_command(channel: &Channel, body: &str, timeout: Duration) -> Attempt {
    use tokio::io::AsyncWriteExt;
    let Some(argv) = channel.command.as_ref().filter(|c| !c.is_empty()) else {
        return Attempt::Failed {
            code: None,
            error: "no command".into(),
        };
    };
    let mut cmd = tokio::process::Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Attempt::Failed {
                code: None,
                error: format!("cannot run {}: {e}", argv[0]),
            }
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(body.as_bytes()).await;
    }
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(out)) if out.status.success() => Attempt::Sent(0),
        Ok(Ok(out)) => Attempt::Failed {
            code: None,
            error: one_line(
                &format!(
                    "{} exited with {}: {}",
                    argv[0],
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                ),
                MAX_ERROR_TEXT,
            ),
        },
        Ok(Err(e)) => Attempt::Failed {
            code: None,
            error: format!("{}: {e}", argv[0]),
        },
        Err(_) => Attempt::Failed {
            code: None,
            error: format!(
                "{} did not finish within {}",
                argv[0],
                humantime::format_duration(timeout)
            ),
        },
    }
}

/// Reads the start of a reply: a second at most, a few KiB at most.
async fn reply_start(resp: &mut reqwest::Response) -> String {
    let mut body: Vec<u8> = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while body.len() < 4096 {
            match resp.chunk().await {
                Ok(Some(c)) => body.extend_from_slice(&c),
                _ => break,
            }
        }
    })
    .await;
    String::from_utf8_lossy(&body).into_owned()
}

/// One HTTP POST. `secret` signs it with `X-ContentHub-Signature`; `kind` names a chat
/// service whose 2xx reply must still be read for its own error code.
async fn post(
    sender: &Sender,
    d: &Outgoing,
    url: &str,
    body: String,
    secret: Option<&[u8]>,
    kind: Option<ChannelKind>,
) -> Attempt {
    let timestamp = chrono::Utc::now().timestamp();
    let mut req = sender
        .client
        .post(url)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header("X-ContentHub-Delivery", d.id.to_string())
        .header("X-ContentHub-Timestamp", timestamp.to_string());
    req = match HeaderValue::from_str(&d.event) {
        Ok(v) => req.header("X-ContentHub-Event", v),
        Err(_) => {
            return Attempt::Failed {
                code: None,
                error: "the event name is not a valid header value".into(),
            }
        }
    };
    if let Some(secret) = secret {
        req = req.header(
            "X-ContentHub-Signature",
            signature::sign(secret, timestamp, body.as_bytes()),
        );
    }
    req = req.body(body.into_bytes());
    let mut resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            return Attempt::Failed {
                code: None,
                error: transport_error(&e, sender.opts.timeout),
            }
        }
    };
    let status = resp.status();
    let code = status.as_u16();
    if status.is_success() {
        if let Some(kind) = kind {
            let reply = reply_start(&mut resp).await;
            if let Err(error) = channels::accepted(kind, &reply) {
                return Attempt::Failed {
                    code: Some(code),
                    error: one_line(&error, MAX_ERROR_TEXT),
                };
            }
        }
        return Attempt::Sent(code);
    }
    let reason = status
        .canonical_reason()
        .map(|r| format!(" {r}"))
        .unwrap_or_default();
    let mut error = format!("HTTP {code}{reason}");
    if status.is_redirection() {
        error.push_str(" (redirects are not followed)");
    } else {
        // The start of the reply, for the operator.
        let text = one_line(&reply_start(&mut resp).await, MAX_ERROR_TEXT);
        if !text.is_empty() {
            error.push_str(": ");
            error.push_str(&text);
        }
    }
    Attempt::Failed {
        code: Some(code),
        error,
    }
}

/// A transport failure as a short message, without the URL (it may carry credentials).
fn transport_error(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("timed out after {}", humantime::format_duration(timeout));
    }
    let mut parts: Vec<String> = Vec::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        src = s.source();
    }
    let detail = match parts.last() {
        Some(innermost) => innermost.clone(),
        None => {
            let text = e.to_string();
            text.split(" for url (").next().unwrap_or(&text).to_string()
        }
    };
    let text = if e.is_connect() {
        format!("could not connect: {detail}")
    } else if e.is_builder() {
        format!("invalid request: {detail}")
    } else {
        detail
    };
    one_line(&text, MAX_ERROR_TEXT)
}

/// `text` on one line, at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= max {
        return joined;
    }
    let mut out: String = joined.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_gives_up() {
        let o = NotifyOptions::default();
        let mid = |a| o.retry_delay(a, 0.5).map(|d| d.as_secs());
        assert_eq!(mid(1), Some(5));
        assert_eq!(mid(2), Some(10));
        assert_eq!(mid(3), Some(20));
        assert_eq!(mid(11), Some(3600));
        assert_eq!(mid(12), None);
        let lo = o.retry_delay(1, 0.0).unwrap();
        let hi = o.retry_delay(1, 1.0).unwrap();
        assert_eq!((lo.as_millis(), hi.as_millis()), (4000, 6000));
        let one = NotifyOptions {
            max_attempts: 1,
            ..o.clone()
        };
        assert_eq!(one.retry_delay(1, 0.5), None);
    }

    #[test]
    fn lease_covers_the_request() {
        let mut o = NotifyOptions::default();
        assert_eq!(o.lease(), Duration::from_secs(15));
        o.timeout = Duration::from_millis(500);
        assert_eq!(o.lease(), Duration::from_millis(1500));
    }

    #[test]
    fn errors_are_one_short_line() {
        assert_eq!(one_line("a\n  b\tc", 10), "a b c");
        assert_eq!(one_line(&"x".repeat(300), 5), "xxxx…");
    }
}
