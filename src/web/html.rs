//! Writing HTML safely: escaping every value, numbers in full with thousands separators,
//! times and ages as people read them, and the page frame (styles inline, no asset fetched
//! from anywhere).

use std::fmt::Write as _;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::domain::time::{rfc3339, Millis};
use crate::monitor::Unit;

/// `text` with the five characters that mean something in HTML (in text and in quoted
/// attribute values) replaced by their references.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` for a query-string value: everything but unreserved characters percent-encoded.
pub fn query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A whole number in full, with thousands separators: `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A signed whole number in full, with thousands separators.
pub fn signed(n: i64) -> String {
    if n < 0 {
        format!("-{}", count(n.unsigned_abs()))
    } else {
        count(n as u64)
    }
}

/// A ratio as a percentage (`12.5%`), or `-` without one.
pub fn pct(v: Option<f64>) -> String {
    Unit::Ratio.show_opt(v)
}

/// Seconds as people read them (`42s`, `1h 30m`), or `-`.
pub fn secs(v: Option<f64>) -> String {
    Unit::Seconds.show_opt(v)
}

/// How long ago `at` was, seen from `now`: `3m ago`.
pub fn ago(at: Millis, now: Millis) -> String {
    format!(
        "{} ago",
        Unit::Seconds.show((now - at).max(0) as f64 / 1000.0)
    )
}

/// A moment as a `<time>` element: RFC 3339 in UTC, its age as the title.
pub fn time(at: Millis, now: Millis) -> String {
    let when = rfc3339(at);
    let rel = if at <= now {
        ago(at, now)
    } else {
        format!("in {}", Unit::Seconds.show((at - now) as f64 / 1000.0))
    };
    format!(
        "<time datetime=\"{w}\" title=\"{w}\">{r}</time>",
        w = esc(&when),
        r = esc(&rel)
    )
}

/// A moment that may be missing.
pub fn time_opt(at: Option<Millis>, now: Millis) -> String {
    at.map_or_else(|| "-".to_string(), |a| time(a, now))
}

/// An optional text value, escaped, or `-`.
pub fn opt(v: Option<&str>) -> String {
    v.map_or_else(|| "-".to_string(), esc)
}

/// A link with escaped text; `href` must already be safe (built from [`query_value`]).
pub fn link(href: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", esc(href), esc(text))
}

/// The task list filtered by status and account, as a link target.
pub fn list_href(status: Option<&str>, account: Option<&str>) -> String {
    ListLink {
        status,
        account,
        ..ListLink::default()
    }
    .href()
}

/// What a task list link filters by: `/tasks?status=…&account=…&profile=…&finished=…`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListLink<'a> {
    pub status: Option<&'a str>,
    pub account: Option<&'a str>,
    /// A generator profile.
    pub profile: Option<&'a str>,
    /// Finished within this window (`24h`).
    pub finished: Option<&'a str>,
}

impl ListLink<'_> {
    pub fn href(&self) -> String {
        let parts: Vec<String> = [
            ("status", self.status),
            ("account", self.account),
            ("profile", self.profile),
            ("finished", self.finished),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", query_value(v))))
        .collect();
        if parts.is_empty() {
            "/tasks".into()
        } else {
            format!("/tasks?{}", parts.join("&"))
        }
    }
}

/// A count that links to the task list it counts. `key` names the figure in a
/// `data-figure` attribute (`status/failed`, `accounts/blog/failed`), for scripts and tests.
pub fn count_link(key: &str, n: u64, status: Option<&str>, account: Option<&str>) -> String {
    count_link_to(
        key,
        n,
        &ListLink {
            status,
            account,
            ..ListLink::default()
        },
    )
}

/// A count that links to the list `link` describes.
pub fn count_link_to(key: &str, n: u64, link: &ListLink<'_>) -> String {
    format!(
        "<a class=\"n\" data-figure=\"{}\" href=\"{}\">{}</a>",
        esc(key),
        esc(&link.href()),
        count(n)
    )
}

/// A count that links nowhere, named like [`count_link`]'s.
pub fn figure(key: &str, n: u64) -> String {
    format!(
        "<span class=\"n\" data-figure=\"{}\">{}</span>",
        esc(key),
        count(n)
    )
}

/// A table: the header cells (escaped here) and rows of cells (already HTML). Wide tables
/// scroll inside their box, never the page.
pub fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<div class=\"scroll\"><table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// Sections whose tables need the whole width of a wide screen.
const WIDE: [&str; 6] = [
    "in-flight",
    "failures",
    "accounts",
    "profiles",
    "limits",
    "deliveries",
];

/// A section with a heading; `body` is HTML.
pub fn section(id: &str, title: &str, body: &str) -> String {
    let class = if WIDE.contains(&id) {
        " class=\"wide\""
    } else {
        ""
    };
    format!(
        "<section id=\"{id}\"{class}><h2>{}</h2>{body}</section>",
        esc(title),
        id = esc(id)
    )
}

/// A paragraph saying there is nothing to show.
pub fn none(text: &str) -> String {
    format!("<p class=\"muted\">{}</p>", esc(text))
}

const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#5b6470;--line:#d5dae0;\
--card:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--link:#0969da}\
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;\
--line:#30363d;--card:#161b22;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--link:#58a6ff}}\
*{box-sizing:border-box}\
html{font-size:clamp(15px,0.55vw + 12px,22px)}\
body{margin:0;padding:0.75rem;font-family:system-ui,-apple-system,'Segoe UI',\
'Noto Sans','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;\
color:var(--fg);background:var(--bg);line-height:1.4;overflow-wrap:break-word}\
a{color:var(--link)}\
header{display:flex;flex-wrap:wrap;gap:0.5rem 1rem;align-items:baseline;\
border-bottom:1px solid var(--line);padding-bottom:0.5rem;margin-bottom:0.75rem}\
header h1{font-size:1.25rem;margin:0}\
header nav{display:flex;flex-wrap:wrap;gap:0.25rem 0.75rem}\
header form{margin:0}\
main{display:grid;gap:0.75rem;grid-auto-flow:row dense;grid-template-columns:repeat(auto-fit,minmax(min(100%,26rem),1fr))}\
section{background:var(--card);border:1px solid var(--line);border-radius:6px;\
padding:0.5rem 0.75rem;min-width:0}\
section.wide{grid-column:1/-1}\
h2{font-size:1.05rem;margin:0.25rem 0 0.5rem}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}\
th,td{text-align:left;padding:0.2rem 0.5rem 0.2rem 0;border-bottom:1px solid var(--line);\
vertical-align:top}\
th{font-weight:600;color:var(--muted);white-space:nowrap}\
td.num,th.num{text-align:right}\
.muted{color:var(--muted)}\
.ok{color:var(--ok);font-weight:600}.warn{color:var(--warn);font-weight:600}\
.bad{color:var(--bad);font-weight:600}\
.big{display:flex;flex-wrap:wrap;gap:0.5rem 1.25rem}\
.big div{min-width:6rem}.big b{display:block;font-size:1.6rem}\
.big a.n{text-decoration:none}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:0.15rem 0.75rem;margin:0}\
dt{color:var(--muted)}dd{margin:0;min-width:0}\
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg);\
border:1px solid var(--line);padding:0.5rem;border-radius:4px;font-size:0.85rem;max-width:100%}\
code{overflow-wrap:anywhere}\
input,button{font:inherit;padding:0.3rem 0.6rem;max-width:100%}\
.pager{display:flex;gap:1rem;margin-top:0.5rem}\
";

/// The whole document: title, navigation (with sign-out when signed in), the body, and,
/// when `refresh` is set, an inline script that reloads the page every that many seconds.
/// Without scripts, the page is reloaded by hand.
pub fn page(title: &str, signed_in: bool, refresh: Option<u32>, body: &str) -> String {
    let logout = if signed_in {
        "<form method=\"post\" action=\"/logout\"><button type=\"submit\">Sign out</button></form>"
    } else {
        ""
    };
    let script = match refresh {
        Some(s) => format!(
            "<script>setTimeout(function(){{location.reload();}},{});</script>",
            u64::from(s) * 1000
        ),
        None => String::new(),
    };
    let note = match refresh {
        Some(s) => format!(
            "<span class=\"muted\">refreshes every {s} s <noscript>(scripts are off: reload by hand)</noscript></span>"
        ),
        None => String::new(),
    };
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{t}</title><style>{STYLE}</style></head><body>\
<header><h1>{t}</h1><nav><a href=\"/\">Status</a><a href=\"/tasks\">Tasks</a>\
<a href=\"/api/v1/docs\">API reference</a><a href=\"\">Refresh</a></nav>{note}{logout}</header>\
{body}{script}</body></html>",
        t = esc(title),
    )
}

/// An HTML response with the headers every page carries: no caching, no framing, no
/// script or style from anywhere but the page itself.
pub fn html_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
             img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_counts_grouped() {
        assert_eq!(
            esc("<script>alert(\"x\")</script> & '标题'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;标题&#39;"
        );
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(signed(-12_345), "-12,345");
        assert_eq!(query_value("新闻 a&b"), "%E6%96%B0%E9%97%BB%20a%26b");
        assert_eq!(
            list_href(Some("failed"), Some("a b")),
            "/tasks?status=failed&account=a%20b"
        );
    }
}
