//! The status page for people: `/` (is it running, what is stuck, what failed, what runs
//! next, how much budget is left), the task lists `/tasks?status=…&account=…`, a task's page
//! `/tasks/{id}`, the sign-in form, and the API reference `/api/v1/docs` rendered from the
//! OpenAPI document.
//!
//! Server-rendered HTML with inline styles: nothing is fetched from elsewhere, and a page
//! works with scripts off (the status page's only script reloads it). Every value is
//! escaped ([`html::esc`]).
//!
//! **Who may look.** With an API token configured, a browser signs in once through
//! `GET/POST /login` with that token and gets an `HttpOnly`, `SameSite=Strict` cookie; it
//! signs out with `POST /logout`. The cookie holds an HMAC of the token, not the token, and
//! stops working when the token changes. It is accepted by these pages and by
//! `/api/v1/docs` only: the JSON API keeps its bearer token. Without a token (an API on
//! loopback), the pages are open as the API is. Page routes take `GET` (and `HEAD`) only;
//! other methods get 405.

pub mod docs;
pub mod html;
pub mod login;
pub mod pages;

use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use html::html_response;
use login::signed_in;

use crate::api::auth::same_secret;
use crate::api::state::AppState;
use crate::domain::time::now_ms;
use crate::error::Error;

/// The pages' routes, with their sign-in check; merged into the API's router.
pub fn router(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(overview))
        .route("/tasks", get(task_list))
        .route("/tasks/{task_id}", get(task))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_session,
        ));
    let docs = Router::new()
        .route("/api/v1/docs", get(docs::page))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_token_or_session,
        ));
    let sign_in = Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", axum::routing::post(login::logout));
    pages.merge(docs).merge(sign_in)
}

/// Middleware for the pages: with a token configured, a valid session cookie, else a
/// redirect to the sign-in form.
async fn require_session(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match state.token() {
        Some(token) if !signed_in(req.headers(), token) => Redirect::to("/login").into_response(),
        _ => next.run(req).await,
    }
}

/// Middleware for `/api/v1/docs`: the bearer token or the session cookie.
async fn require_token_or_session(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(token) = state.token() {
        if signed_in(req.headers(), token) {
            return next.run(req).await;
        }
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        if !bearer.is_some_and(|t| same_secret(t.as_bytes(), token.as_bytes())) {
            return Redirect::to("/login").into_response();
        }
    }
    next.run(req).await
}

/// An error as a page: not found 404, a bad value 400, anything else 500.
fn error_page(e: Error, signed_in: bool) -> Response {
    let status = match &e {
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::Invalid { .. } | Error::Usage(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let body = format!(
        "<main><section class=\"wide\"><p class=\"bad\">{}</p><p><a href=\"/\">Back to the status page</a></p></section></main>",
        html::esc(&e.to_string())
    );
    html_response(
        status,
        html::page(
            status.canonical_reason().unwrap_or("Error"),
            signed_in,
            None,
            &body,
        ),
    )
}

/// Whether the sign-out button belongs on the page.
fn shows_sign_out(state: &AppState) -> bool {
    state.token().is_some()
}

/// Runs `read` in one read transaction on one of the API's connections, and renders its
/// result with `render`.
async fn serve_page<T: Send + 'static>(
    state: &AppState,
    read: impl Fn(&crate::store::Conn) -> crate::error::Result<T> + Send + 'static,
    render: impl FnOnce(&T, bool) -> String,
) -> Response {
    let out = state.pool().read(move |store| store.read(&read)).await;
    let signed = shows_sign_out(state);
    match out {
        Ok(v) => html_response(StatusCode::OK, render(&v, signed)),
        Err(e) => error_page(e, signed),
    }
}

async fn overview(State(state): State<AppState>) -> Response {
    let opts = state.page_options();
    serve_page(
        &state,
        move |tx| pages::overview(tx, &opts, now_ms()),
        pages::render_overview,
    )
    .await
}

/// The query string as (name, value) pairs, percent-decoded (`+` is a space).
fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    let raw = uri.query().unwrap_or("");
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (login::form_decode(k), login::form_decode(v))
        })
        .collect()
}

async fn task_list(State(state): State<AppState>, uri: Uri) -> Response {
    let query = match pages::ListQuery::parse(&query_pairs(&uri)) {
        Ok(q) => q,
        Err(e) => return error_page(e, shows_sign_out(&state)),
    };
    let default_profile = state.default_profile().to_string();
    serve_page(
        &state,
        move |tx| pages::task_list(tx, query.clone(), &default_profile, now_ms()),
        pages::render_list,
    )
    .await
}

async fn task(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    serve_page(
        &state,
        move |tx| pages::task_page(tx, &id, now_ms()),
        pages::render_task,
    )
    .await
}
