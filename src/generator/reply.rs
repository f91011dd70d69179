//! Reading the loosely typed JSON that services and programs reply with: error texts, numbers
//! that may arrive as strings, images given as a URL or an object.

use serde_json::Value;

use crate::domain::content::is_absolute_url;
use crate::domain::Image;

/// `"message (code X)"` from an error value that is a string or `{message, code, type}`.
pub(crate) fn error_text(e: &Value) -> Option<String> {
    if let Some(s) = scalar(e) {
        return Some(s);
    }
    let msg = e.get("message").and_then(scalar);
    let code = e
        .get("code")
        .and_then(scalar)
        .or_else(|| e.get("type").and_then(scalar));
    match (msg, code) {
        (Some(m), Some(c)) => Some(format!("{m} (code {c})")),
        (Some(m), None) => Some(m),
        (None, Some(c)) => Some(format!("code {c}")),
        (None, None) => None,
    }
}

/// A non-empty string or number as text.
pub(crate) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An image given as a URL string or as `{url, localPath?, prompt?, width?, height?, format?,
/// …}`. A `url` that is not an absolute http(s) URL is a path on the service's disk; an image
/// with no URL is marked unresolved (a profile's base address may resolve it later).
pub(crate) fn image_of(v: &Value) -> Option<Image> {
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let given = match v.as_str() {
        Some(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        None => ["url", "src", "imageUrl"].iter().find_map(|k| text(k)),
    };
    let (url, remote_path) = match given {
        Some(u) if is_absolute_url(&u) => (Some(u), None),
        other => (None, other),
    };
    let path = text("localPath").or(remote_path);
    if url.is_none() && path.is_none() {
        return None;
    }
    Some(Image {
        unresolved: url.is_none(),
        url,
        path,
        prompt: text("prompt").or_else(|| text("alt")),
        width: v.get("width").and_then(u32_of),
        height: v.get("height").and_then(u32_of),
        format: text("format"),
    })
}

/// A non-negative number (or numeric string) as u32.
pub(crate) fn u32_of(v: &Value) -> Option<u32> {
    let n = f64_of(v)?;
    (n >= 0.0 && n <= u32::MAX as f64).then(|| n.round() as u32)
}

/// A finite number (or numeric string).
pub(crate) fn f64_of(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        .filter(|n: &f64| n.is_finite())
}
