//! HMAC-SHA256 signatures over `"{timestamp}.{raw body}"`, for the events the daemon sends
//! (`X-ContentHub-Signature`) and the callbacks it receives (`X-Webhook-Signature`).
//!
//! The signature covers the exact bytes on the wire, never a re-serialisation, and the
//! timestamp, so a captured request cannot be replayed later with a new body or time.
//!
//! A sender that cannot sign (the content-creator service today) proves itself instead with
//! the capability token in the callback URL we gave it: the hex HMAC-SHA256 of
//! `"{task id}.{job id}"` under the same secret ([`callback_token`], [`verify_callback_token`]).
//! It names one job of one task, so it settles nothing else.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How far a signed timestamp may be from our clock.
pub const TOLERANCE_SECS: i64 = 300;

/// The MAC of `"{a}.{b}"`.
fn dotted(secret: &[u8], a: &[u8], b: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(a);
    mac.update(b".");
    mac.update(b);
    mac
}

/// The MAC of `"{timestamp}.{body}"`.
fn mac_of(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    dotted(secret, timestamp.to_string().as_bytes(), body)
}

/// `sha256=<hex>` for `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac_of(secret, timestamp, body).finalize().into_bytes())
    )
}

/// The raw HMAC-SHA256 of `message` under `key`, for the chat services' own signing schemes
/// (DingTalk, Feishu).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The capability token for the callbacks about content-creator job `job` (the idempotency
/// key it was submitted under) of task `task_id`: hex HMAC-SHA256 of `"{task_id}.{job}"`.
pub fn callback_token(secret: &[u8], task_id: &str, job: &str) -> String {
    hex::encode(token_mac(secret, task_id, job).finalize().into_bytes())
}

fn token_mac(secret: &[u8], task_id: &str, job: &str) -> HmacSha256 {
    dotted(secret, task_id.as_bytes(), job.as_bytes())
}

/// Checks, in constant time, that `token` is the capability token of job `job` of task
/// `task_id`. Does not look anything up: call it before touching the store.
pub fn verify_callback_token(
    secret: &[u8],
    task_id: &str,
    job: &str,
    token: Option<&str>,
) -> Result<(), Rejection> {
    let token = token.ok_or(Rejection::Missing("token"))?;
    let given = hex::decode(token.trim()).map_err(|_| Rejection::TokenMismatch)?;
    token_mac(secret, task_id, job)
        .verify_slice(&given)
        .map_err(|_| Rejection::TokenMismatch)
}

/// Why a signed request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("missing {0} header")]
    Missing(&'static str),
    #[error("the timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the timestamp is {0} s from the server's clock (at most {TOLERANCE_SECS} s allowed)")]
    Stale(i64),
    #[error("the signature is not of the form sha256=<hex>")]
    Malformed,
    #[error("the signature does not match")]
    Mismatch,
    #[error("the token does not match this task and job")]
    TokenMismatch,
}

/// Checks a signature in constant time, and that `timestamp` is within the tolerance of
/// `now` (Unix seconds). Does not look anything up: call it before touching the store.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<i64, Rejection> {
    let ts_raw = timestamp.ok_or(Rejection::Missing("timestamp"))?;
    let sig = signature.ok_or(Rejection::Missing("signature"))?;
    let ts: i64 = ts_raw.trim().parse().map_err(|_| Rejection::BadTimestamp)?;
    let skew = now - ts;
    if skew.abs() > TOLERANCE_SECS {
        return Err(Rejection::Stale(skew));
    }
    let hex_sig = sig
        .trim()
        .strip_prefix("sha256=")
        .ok_or(Rejection::Malformed)?;
    let given = hex::decode(hex_sig).map_err(|_| Rejection::Malformed)?;
    mac_of(secret, ts, body)
        .verify_slice(&given)
        .map_err(|_| Rejection::Mismatch)?;
    Ok(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let body = br#"{"event":"completed"}"#;
        let sig = sign(b"s3cret", 1_700_000_000, body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert_eq!(
            verify(
                b"s3cret",
                Some("1700000000"),
                Some(&sig),
                body,
                1_700_000_100
            ),
            Ok(1_700_000_000)
        );
        assert_eq!(
            verify(
                b"other",
                Some("1700000000"),
                Some(&sig),
                body,
                1_700_000_000
            ),
            Err(Rejection::Mismatch)
        );
        assert_eq!(
            verify(
                b"s3cret",
                Some("1700000000"),
                Some(&sig),
                b"{}",
                1_700_000_000
            ),
            Err(Rejection::Mismatch)
        );
        assert_eq!(
            verify(
                b"s3cret",
                Some("1700000000"),
                Some(&sig),
                body,
                1_700_000_301
            ),
            Err(Rejection::Stale(301))
        );
        assert_eq!(
            verify(b"s3cret", None, Some(&sig), body, 0),
            Err(Rejection::Missing("timestamp"))
        );
        assert_eq!(
            verify(b"s3cret", Some("x"), Some(&sig), body, 0),
            Err(Rejection::BadTimestamp)
        );
        assert_eq!(
            verify(
                b"s3cret",
                Some("1700000000"),
                Some("md5=00"),
                body,
                1_700_000_000
            ),
            Err(Rejection::Malformed)
        );
    }

    #[test]
    fn callback_tokens() {
        let t = callback_token(b"s3cret", "task-0123456789ab", "task-0123456789ab-r1");
        assert_eq!(t.len(), 64);
        assert!(t
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        let ok = |secret: &[u8], task: &str, job: &str, token: Option<&str>| {
            verify_callback_token(secret, task, job, token)
        };
        assert_eq!(
            ok(
                b"s3cret",
                "task-0123456789ab",
                "task-0123456789ab-r1",
                Some(&t)
            ),
            Ok(())
        );
        // Surrounding space and upper-case hex are the same token.
        let loud = format!(" {} ", t.to_ascii_uppercase());
        assert_eq!(
            ok(
                b"s3cret",
                "task-0123456789ab",
                "task-0123456789ab-r1",
                Some(&loud)
            ),
            Ok(())
        );
        for (secret, task, job) in [
            (&b"other"[..], "task-0123456789ab", "task-0123456789ab-r1"),
            (b"s3cret", "task-0123456789ab", "task-0123456789ab-r2"),
            (b"s3cret", "task-0123456789ab", "task-0123456789ab"),
            (b"s3cret", "task-ffffffffffff", "task-0123456789ab-r1"),
        ] {
            assert_eq!(
                ok(secret, task, job, Some(&t)),
                Err(Rejection::TokenMismatch),
                "{task} {job}"
            );
        }
        assert_eq!(
            ok(b"s3cret", "task-0123456789ab", "task-0123456789ab-r1", None),
            Err(Rejection::Missing("token"))
        );
        for bad in ["", "zz", &t[..62]] {
            assert_eq!(
                ok(
                    b"s3cret",
                    "task-0123456789ab",
                    "task-0123456789ab-r1",
                    Some(bad)
                ),
                Err(Rejection::TokenMismatch),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn callback_token_known_vector() {
        // printf 'task-0123456789ab.task-0123456789ab' | openssl dgst -sha256 -hmac key
        assert_eq!(
            callback_token(b"key", "task-0123456789ab", "task-0123456789ab"),
            "b210d81143da9a4753efbfb97b43dcfd4a960e68aadf1ddb78289dc9ba0f4227"
        );
    }

    #[test]
    fn known_vector() {
        // printf '1.{}' | openssl dgst -sha256 -hmac key
        assert_eq!(
            sign(b"key", 1, b"{}"),
            "sha256=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }
}
