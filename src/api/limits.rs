//! Request limits: the body size cap (checked before anything else) and the per-client token
//! bucket on submits.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The largest request body accepted: 1 MiB.
pub const BODY_LIMIT: usize = 1 << 20;

/// After refusing a body, this much of it is still read and thrown away (for at most
/// [`DRAIN_TIME`]) so the client, still sending, can read the 413 instead of a reset
/// connection. Beyond it the connection is simply closed.
const DRAIN_LIMIT: u64 = 4 * BODY_LIMIT as u64;
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Middleware: refuses bodies over [`BODY_LIMIT`] with 413 before any other check (auth,
/// routing, signatures) sees the request. A declared `Content-Length` is judged before a
/// byte is read; a streamed body is read up to the limit and no further.
pub async fn limit_body(req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let (parts, mut body) = req.into_parts();
    if let Some(n) = declared.filter(|n| *n > BODY_LIMIT as u64) {
        if n <= DRAIN_LIMIT {
            drain(&mut body, n).await;
        }
        return refuse();
    }
    let mut buf: Vec<u8> = Vec::new();
    loop {
        match next_data(&mut body).await {
            None => break,
            Some(Err(e)) => {
                return ApiError::bad_request(format!("cannot read the request body: {e}"))
                    .into_response()
            }
            Some(Ok(chunk)) => {
                if buf.len() + chunk.len() > BODY_LIMIT {
                    drain(&mut body, DRAIN_LIMIT).await;
                    return refuse();
                }
                buf.extend_from_slice(&chunk);
            }
        }
    }
    next.run(Request::from_parts(parts, Body::from(buf))).await
}

fn refuse() -> Response {
    let mut r = ApiError::too_large(BODY_LIMIT).into_response();
    r.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    r
}

/// The next data chunk of a body (trailers are skipped).
async fn next_data(body: &mut Body) -> Option<Result<Bytes, axum::Error>> {
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await?;
        match frame {
            Err(e) => return Some(Err(e)),
            Ok(f) => {
                if let Ok(data) = f.into_data() {
                    return Some(Ok(data));
                }
            }
        }
    }
}

/// Reads and discards up to `limit` bytes of `body`, for at most [`DRAIN_TIME`].
async fn drain(body: &mut Body, limit: u64) {
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        let mut seen = 0u64;
        while let Some(Ok(chunk)) = next_data(body).await {
            seen += chunk.len() as u64;
            if seen >= limit {
                break;
            }
        }
    })
    .await;
}

/// A token bucket per client address: `rate` requests a second on average, `burst` at once.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept before full (idle) ones are forgotten.
const MAX_CLIENTS: usize = 10_000;

impl RateLimiter {
    /// `None` when `rate` is 0 (no limit). A burst below 1 is taken as 1.
    pub fn new(rate: u32, burst: u32) -> Option<RateLimiter> {
        (rate > 0).then(|| RateLimiter {
            rate: f64::from(rate),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes a token for `client`, or says how long until one is available.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_CLIENTS && !map.contains_key(&client) {
            let (rate, burst) = (self.rate, self.burst);
            map.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
            if map.len() >= MAX_CLIENTS {
                // Every one of them is busy: forget them all rather than grow without bound
                // (they start again with a full bucket).
                map.clear();
            }
        }
        let b = map.entry(client).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_the_burst_then_the_rate() {
        let l = RateLimiter::new(2, 3).unwrap();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check_at(ip, t0).is_ok());
        }
        let wait = l.check_at(ip, t0).unwrap_err();
        assert!(
            wait <= Duration::from_millis(500) && wait > Duration::ZERO,
            "{wait:?}"
        );
        assert!(l.check_at(other, t0).is_ok(), "buckets are per client");
        assert!(l.check_at(ip, t0 + Duration::from_millis(500)).is_ok());
        assert!(l.check_at(ip, t0 + Duration::from_millis(500)).is_err());
        assert!(RateLimiter::new(0, 50).is_none());
    }
}
