//! Signing in with the API token (`GET/POST /login`) and out (`POST /logout`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use super::html::{self, esc, html_response};
use crate::api::auth::same_secret;
use crate::api::state::AppState;

/// The cookie's name.
pub const COOKIE: &str = "contenthub_session";
/// How long a sign-in lasts: a week.
pub const SESSION_SECS: u64 = 7 * 86_400;

/// The cookie value a browser signed in with `token` holds: an HMAC of the token.
pub fn session_value(token: &str) -> String {
    hex::encode(crate::signature::hmac_sha256(
        token.as_bytes(),
        b"contenthub status page session",
    ))
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Whether the request carries a valid session cookie for `token`.
pub(crate) fn signed_in(headers: &HeaderMap, token: &str) -> bool {
    cookie(headers, COOKIE)
        .is_some_and(|v| same_secret(v.as_bytes(), session_value(token).as_bytes()))
}

/// Decodes one `application/x-www-form-urlencoded` name or value: `+` is a space, `%XX` a
/// byte; a malformed escape is kept as it is.
pub fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn form_page(message: Option<&str>, open: bool) -> String {
    let note = match message {
        Some(m) => format!("<p class=\"bad\" id=\"login-error\">{}</p>", esc(m)),
        None => String::new(),
    };
    let body = if open {
        "<p>This API has no token: the pages are open. <a href=\"/\">Go to the status page</a>.</p>"
            .to_string()
    } else {
        format!(
            "{note}<form method=\"post\" action=\"/login\">\
<p><label for=\"token\">API token</label><br>\
<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required autofocus></p>\
<p><button type=\"submit\">Sign in</button></p></form>\
<p class=\"muted\">The token is the one the API's clients send as <code>Authorization: Bearer …</code> \
(<code>[api] token_env</code>). Signing in sets a cookie for these pages only.</p>"
        )
    };
    html::page(
        "Sign in to contenthub",
        false,
        None,
        &format!("<main><section class=\"wide\">{body}</section></main>"),
    )
}

/// `GET /login`: the form (or, signed in already, a link onwards).
pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match state.token() {
        Some(t) if signed_in(&headers, t) => see_other("/"),
        Some(_) => html_response(StatusCode::OK, form_page(None, false)),
        None => html_response(StatusCode::OK, form_page(None, true)),
    }
}

fn see_other(to: &'static str) -> Response {
    let mut r = html_response(
        StatusCode::SEE_OTHER,
        format!("<a href=\"{to}\">continue</a>"),
    );
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    r
}

/// The `Set-Cookie` value for a session (`value` empty and no age: signed out).
pub fn set_cookie(value: &str, max_age: u64) -> String {
    format!("{COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict")
}

/// `POST /login` with a form field `token`: the right token sets the session cookie and
/// goes to the status page; a wrong one gets the form again, with 401.
pub async fn submit(State(state): State<AppState>, body: Bytes) -> Response {
    let Some(token) = state.token() else {
        return see_other("/");
    };
    let text = String::from_utf8_lossy(&body);
    let given = text
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| form_decode(k) == "token")
        .map(|(_, v)| form_decode(v));
    match given {
        Some(g) if !g.is_empty() && same_secret(g.as_bytes(), token.as_bytes()) => {
            let mut r = see_other("/");
            if let Ok(v) = HeaderValue::from_str(&set_cookie(&session_value(token), SESSION_SECS)) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        _ => html_response(
            StatusCode::UNAUTHORIZED,
            form_page(Some("That is not the API token."), false),
        ),
    }
}

/// `POST /logout`: clears the cookie and goes to the form.
pub async fn logout() -> Response {
    let mut r = see_other("/login");
    if let Ok(v) = HeaderValue::from_str(&set_cookie("", 0)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_decode() {
        assert_eq!(form_decode("a+b%20c"), "a b c");
        assert_eq!(form_decode("%E6%96%B0"), "新");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz"), "%zz");
        assert_eq!(form_decode("%4"), "%4");
    }
}
