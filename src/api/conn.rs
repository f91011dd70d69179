//! The API's connections: an accept loop over HTTP/1.1 that bounds what a client can hold.
//!
//! Every connection is in one phase, and each phase but the last has a deadline:
//!
//! - *fresh* (opened, nothing received) and *head* (part of a request's headers received): the
//!   headers must be complete within `[api] header_timeout`, counted from the opening or, on a
//!   kept-alive connection, from the first byte of the request;
//! - *idle* (a response finished, nothing of the next request received): the next request
//!   must begin within `[api] idle_timeout`;
//! - *busy* (a request is being served): no deadline of ours.
//!
//! A connection past its deadline is closed. At most [`Limits::cap`] connections are open at
//! once; at the cap, the next accepted connection takes the place of the one that has been
//! idle (or fresh) the longest, so a flood of idle sockets cannot lock out `/healthz`. When
//! every connection is busy or reading headers, the new one waits for the first to end,
//! which the header timeout bounds.
//!
//! hyper's own header-read timer is not used: it also runs while a kept-alive connection
//! waits for its next request, so it cannot tell the two timeouts apart. The phases are
//! observed instead, on the socket (bytes arriving) and around the router (a request handed
//! over, its response body finished or dropped).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::domain::time::format_duration;

/// What the server allows each client, from `[api]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a request's headers may take to arrive.
    pub header_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Connections open at once, before [`Limits::cap`] applies the descriptor limit.
    pub max_connections: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
        }
    }
}

impl Limits {
    /// The connection cap in effect: `max_connections`, but never more than half the
    /// process's open-file limit (`nofile`, the soft `RLIMIT_NOFILE`), so that the other half
    /// stays free for the store, generator requests, programs and event deliveries. At least 1.
    pub fn cap(&self, nofile: Option<u64>) -> usize {
        let share = nofile.map_or(usize::MAX, |n| usize::try_from(n / 2).unwrap_or(usize::MAX));
        (self.max_connections as usize).min(share).max(1)
    }
}

/// The soft `RLIMIT_NOFILE` of this process, `None` when unlimited or unknown.
pub fn open_file_limit() -> Option<u64> {
    use nix::sys::resource::{getrlimit, Resource, RLIM_INFINITY};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, _)) if soft != RLIM_INFINITY => Some(soft),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Opened at this instant; nothing received yet.
    Fresh(Instant),
    /// Headers of a request began to arrive at this instant (the opening, for a first request
    /// that came slowly).
    Head(Instant),
    /// The last response ended at this instant.
    Idle(Instant),
    /// Requests handed to the router and not yet answered in full.
    Busy(u32),
    /// Closed to make room for a new connection.
    Shed,
}

/// One connection's phase, shared by its socket, its service and its task.
struct Watch {
    phase: Mutex<Phase>,
    /// Wakes the connection's task when the phase changes.
    changed: Notify,
    registry: Arc<Registry>,
}

impl Watch {
    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, f: impl FnOnce(Phase) -> Phase) {
        {
            let mut p = self.phase();
            *p = f(*p);
        }
        self.changed.notify_one();
    }

    /// Bytes arrived on the socket.
    fn received(&self) {
        let now = Instant::now();
        let mut p = self.phase();
        match *p {
            Phase::Fresh(since) => *p = Phase::Head(since),
            Phase::Idle(_) => *p = Phase::Head(now),
            _ => return,
        }
        drop(p);
        self.changed.notify_one();
    }

    /// When the current phase ends the connection; `None` while it is busy.
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        match *self.phase() {
            Phase::Fresh(t) | Phase::Head(t) => Some(t + limits.header_timeout),
            Phase::Idle(t) => Some(t + limits.idle_timeout),
            Phase::Busy(_) => None,
            Phase::Shed => Some(Instant::now()),
        }
    }

    /// Since when the connection has waited for a request, if it is waiting with nothing
    /// received.
    fn idle_since(&self) -> Option<Instant> {
        match *self.phase() {
            Phase::Fresh(t) | Phase::Idle(t) => Some(t),
            _ => None,
        }
    }
}

/// A request in service: the connection is busy until this is dropped, with the response
/// body once that has been sent (or when the request is abandoned).
struct Busy(Arc<Watch>);

impl Busy {
    fn enter(watch: &Arc<Watch>) -> Busy {
        watch.set(|p| match p {
            Phase::Busy(n) => Phase::Busy(n + 1),
            Phase::Shed => Phase::Shed,
            _ => Phase::Busy(1),
        });
        Busy(watch.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.set(|p| match p {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            Phase::Busy(_) => Phase::Idle(Instant::now()),
            other => other,
        });
        // An idle connection can make room for a new one.
        self.0.registry.room.notify_one();
    }
}

/// The open connections.
#[derive(Default)]
struct Registry {
    open: Mutex<BTreeMap<u64, Arc<Watch>>>,
    next: AtomicU64,
    /// Sockets still open, counting shed connections until their socket is closed: a flood of
    /// new connections must not outrun the closing of the ones shed for it.
    sockets: AtomicUsize,
    /// Notified when a connection closes or turns idle.
    room: Notify,
}

impl Registry {
    fn open(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<Watch>>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn len(&self) -> usize {
        self.open().len()
    }

    fn sockets(&self) -> usize {
        self.sockets.load(Ordering::Acquire)
    }

    fn insert(self: &Arc<Self>) -> (u64, Arc<Watch>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let watch = Arc::new(Watch {
            phase: Mutex::new(Phase::Fresh(Instant::now())),
            changed: Notify::new(),
            registry: self.clone(),
        });
        self.open().insert(id, watch.clone());
        self.sockets.fetch_add(1, Ordering::AcqRel);
        (id, watch)
    }

    fn remove(&self, id: u64) {
        self.open().remove(&id);
        self.room.notify_one();
    }

    /// Closes the connection that has waited longest with nothing received; false when none
    /// is waiting.
    fn shed_oldest_idle(&self) -> bool {
        let mut open = self.open();
        let oldest = open
            .iter()
            .filter_map(|(id, w)| w.idle_since().map(|t| (t, *id)))
            .min();
        let Some((_, id)) = oldest else {
            return false;
        };
        if let Some(w) = open.remove(&id) {
            w.set(|_| Phase::Shed);
        }
        true
    }
}

/// The socket, reporting arriving bytes to its [`Watch`].
struct Watched {
    stream: TcpStream,
    watch: Arc<Watch>,
}

impl Drop for Watched {
    fn drop(&mut self) {
        let registry = &self.watch.registry;
        registry.sockets.fetch_sub(1, Ordering::AcqRel);
        registry.room.notify_one();
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watch.received();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A response body that keeps its connection busy until it is finished or dropped.
struct Tracked {
    body: Body,
    _busy: Busy,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The router as one connection's hyper service: gives handlers the peer's address
/// (`ConnectInfo<SocketAddr>`) and marks the connection busy while a request is served.
#[derive(Clone)]
struct Service {
    router: TowerToHyperService<Router>,
    peer: SocketAddr,
    watch: Arc<Watch>,
}

type Reply = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

impl hyper::service::Service<Request<Incoming>> for Service {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Reply;

    fn call(&self, mut req: Request<Incoming>) -> Reply {
        let busy = Busy::enter(&self.watch);
        req.extensions_mut().insert(ConnectInfo(self.peer));
        let reply = self.router.call(req);
        Box::pin(async move {
            let response = reply.await?;
            Ok(response.map(|body| Body::new(Tracked { body, _busy: busy })))
        })
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` is cancelled; then stops
/// accepting, lets the requests in flight finish and returns once every connection closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let nofile = open_file_limit();
    let cap = limits.cap(nofile);
    let nofile_text = nofile.map_or("unlimited".to_string(), |n| n.to_string());
    tracing::info!(
        "API connections: at most {cap} open at once ([api] max_connections {}, no more than half the open-file limit {nofile_text}); headers within {}, idle for at most {}",
        limits.max_connections,
        format_duration(limits.header_timeout),
        format_duration(limits.idle_timeout),
    );
    let registry = Arc::new(Registry::default());
    let router = TowerToHyperService::new(router);
    // Every connection's task holds a sender: when all are gone, every connection is closed.
    let (open_tx, mut all_closed) = mpsc::channel::<()>(1);
    let mut accept_errors = ErrorLog::default();
    'accept: loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    if !is_connection_error(&e) {
                        accept_errors.note(&e);
                        if is_out_of_descriptors(&e) {
                            registry.shed_oldest_idle();
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
        };
        while registry.sockets() >= cap {
            // A connection shed earlier still holds its descriptor until its task closes it:
            // wait for that rather than shed another.
            let closing = registry.sockets().saturating_sub(registry.len());
            if closing == 0 {
                // Sheds the oldest idle connection. When every one is busy or reading
                // headers, there is none, and the header timeout bounds the wait.
                registry.shed_oldest_idle();
            }
            tokio::select! {
                _ = registry.room.notified() => {}
                _ = shutdown.cancelled() => break 'accept,
            }
        }
        let (id, watch) = registry.insert();
        let service = Service {
            router: router.clone(),
            peer,
            watch: watch.clone(),
        };
        let io = TokioIo::new(Watched {
            stream,
            watch: watch.clone(),
        });
        let shutdown = shutdown.clone();
        let open = open_tx.clone();
        let registry = registry.clone();
        tokio::spawn(async move {
            connection(io, service, watch, limits, shutdown).await;
            registry.remove(id);
            drop(open);
        });
    }
    drop(listener);
    drop(open_tx);
    all_closed.recv().await;
    Ok(())
}

/// Serves one connection until the client closes it, a deadline passes, it is shed, or
/// `shutdown` comes (then at once, or once the request in service is answered).
async fn connection(
    io: TokioIo<Watched>,
    service: Service,
    watch: Arc<Watch>,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        let deadline = watch.deadline(&limits);
        let changed = watch.changed.notified();
        tokio::select! {
            served = conn.as_mut() => {
                if let Err(e) = served {
                    tracing::trace!(error = %e, "API connection ended");
                }
                return;
            }
            _ = changed => {}
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                if watch.deadline(&limits).is_some_and(|d| d <= Instant::now()) {
                    tracing::trace!(phase = ?*watch.phase(), "closing an API connection past its deadline");
                    return;
                }
            }
            _ = shutdown.cancelled(), if !draining => {
                // A connection with no request in service closes now; one serving a request
                // closes once its response is sent.
                if !matches!(*watch.phase(), Phase::Busy(_)) {
                    return;
                }
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Errors of one connection that `accept` reports; the listener is fine.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

fn is_out_of_descriptors(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(nix::libc::EMFILE) | Some(nix::libc::ENFILE)
    )
}

/// Logs accept errors at most once a minute, with how many were not logged.
#[derive(Default)]
struct ErrorLog {
    last: Option<Instant>,
    quiet: u64,
}

impl ErrorLog {
    fn note(&mut self, e: &io::Error) {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(60))
        {
            self.quiet += 1;
            return;
        }
        tracing::warn!(
            error = %e,
            "the API cannot accept connections ({} more such errors since the last report)",
            self.quiet
        );
        self.last = Some(now);
        self.quiet = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_half_the_descriptors_free() {
        let limits = Limits::default();
        assert_eq!(limits.cap(Some(1024)), 512);
        assert_eq!(limits.cap(Some(600)), 300);
        assert_eq!(limits.cap(Some(1_048_576)), 512);
        assert_eq!(limits.cap(None), 512);
        let many = Limits {
            max_connections: 5000,
            ..Limits::default()
        };
        assert_eq!(many.cap(Some(4096)), 2048);
        assert_eq!(many.cap(Some(1)), 1);
    }

    #[tokio::test]
    async fn shedding_takes_the_longest_idle_and_spares_busy_ones() {
        let registry = Arc::new(Registry::default());
        let (a, wa) = registry.insert();
        let (b, wb) = registry.insert();
        let (_c, wc) = registry.insert();
        let busy = Busy::enter(&wa);
        wc.received();
        assert!(registry.shed_oldest_idle());
        assert!(matches!(*wb.phase(), Phase::Shed));
        assert!(!registry.open().contains_key(&b));
        // a is busy and c is reading headers: nothing else to shed.
        assert!(!registry.shed_oldest_idle());
        drop(busy);
        assert!(matches!(*wa.phase(), Phase::Idle(_)));
        assert!(registry.shed_oldest_idle());
        assert!(!registry.open().contains_key(&a));
        assert_eq!(registry.len(), 1);
    }
}
