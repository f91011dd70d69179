//! The old system's seven task endpoints under `/api/v1/content/`. Each calls the same
//! function as its CLI command (`task submit`, `show`, `list`, `cancel`, `retry`, `stats`,
//! `cleanup`), so validation and semantics cannot drift apart.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::ApiError;
use super::state::AppState;
use crate::domain::task::{whole, DurationValue, Keywords, Whole};
use crate::domain::{Status, SubmitRequest, Task};
use crate::service::{self, TaskStats};
use crate::store::tasks::{self as store_tasks, Filter, Outcome};
use crate::store::{accounts, Store};

/// Tasks a list returns when the request does not say.
pub const LIST_DEFAULT: u32 = 20;
/// Most tasks one page may hold.
pub const LIST_MAX: u32 = 500;

/// The body of `POST generate/async`: the old system's names, `account_id` (an account id or
/// name) for `account`. `timeout` and `generator` are accepted too, as `task submit` does.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitBody {
    account_id: Option<AccountRef>,
    topic: Option<String>,
    keywords: Option<Keywords>,
    category: Option<String>,
    requirements: Option<String>,
    tone: Option<String>,
    #[serde(default, deserialize_with = "whole")]
    priority: Option<i64>,
    auto_approve: Option<bool>,
    review: Option<String>,
    #[serde(default, deserialize_with = "whole")]
    max_retries: Option<i64>,
    timeout: Option<DurationValue>,
    callback_url: Option<String>,
    generator: Option<String>,
    idempotency_key: Option<String>,
    /// Not a field of the task: whether a nearly identical topic is skipped.
    skip_similar: Option<bool>,
}

/// An account given by id (a number) or by name.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AccountRef {
    Id(Whole),
    Name(String),
}

impl From<SubmitBody> for SubmitRequest {
    fn from(b: SubmitBody) -> SubmitRequest {
        SubmitRequest {
            account: b.account_id.map(|a| match a {
                AccountRef::Id(Whole(n)) => n.to_string(),
                AccountRef::Name(s) => s,
            }),
            topic: b.topic,
            keywords: b.keywords,
            category: b.category,
            requirements: b.requirements,
            tone: b.tone,
            priority: b.priority,
            auto_approve: b.auto_approve,
            review: b.review,
            max_retries: b.max_retries,
            timeout: b.timeout,
            callback_url: b.callback_url,
            generator: b.generator,
            idempotency_key: b.idempotency_key,
        }
    }
}

/// What a submit, cancel or retry answers.
#[derive(Debug, Serialize)]
pub struct TaskReply {
    pub task_id: String,
    pub status: Status,
    pub message: String,
}

/// `GET tasks`.
#[derive(Debug, Serialize)]
pub struct TaskPage {
    pub total: u64,
    pub items: Vec<Task>,
}

/// `DELETE tasks/cleanup`.
#[derive(Debug, Serialize)]
pub struct CleanupReply {
    /// Tasks deleted, or with `dry_run` the tasks that would be.
    pub deleted: u64,
    pub dry_run: bool,
}

type Reply<T> = Result<(StatusCode, Json<T>), ApiError>;

/// Parses a JSON object body into `T`, naming the field at fault: malformed JSON is a 400,
/// an unknown field or a value of the wrong type a 422.
fn parse_object<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // The fields `T` accepts, read from its derive, for naming an unknown one.
    let known = crate::output::field_names::<T>();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty (expected a JSON object)",
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
        ));
    };
    if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            unknown.clone(),
            format!(
                "unknown field '{unknown}' (expected one of: {})",
                known.join(", ")
            ),
        ));
    }
    let fields: Vec<(String, Value)> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    serde_json::from_value(Value::Object(map)).map_err(|e| {
        // serde names no path: find the field by trying each alone.
        let culprit = fields.into_iter().find(|(k, v)| {
            let mut one = Map::new();
            one.insert(k.clone(), v.clone());
            serde_json::from_value::<T>(Value::Object(one)).is_err()
        });
        match culprit {
            Some((k, v)) => ApiError::invalid(
                k.clone(),
                format!("invalid {k}: {} is not {}", short(&v), expected(&k)),
            ),
            None => ApiError::invalid("body", e.to_string()),
        }
    })
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

fn expected(field: &str) -> &'static str {
    match field {
        "account_id" => "an account id or name",
        "keywords" => "an array of strings or a comma-separated string",
        "priority" | "max_retries" => "a whole number",
        "auto_approve" => "true or false",
        "review" => "\"auto\", \"rules\" or \"manual\"",
        "timeout" => "a number of seconds or a duration like \"30m\"",
        _ => "a string",
    }
}

/// Requires a JSON body: a browser may post `text/plain` across origins without asking, but
/// not `application/json`, so this keeps web pages from queueing work on a loopback API
/// without a token.
fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim();
    if mime.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "expected Content-Type: application/json, got '{}'",
                if ct.is_empty() { "none" } else { ct }
            ),
        ))
    }
}

/// `POST generate/async`: validates and queues a task exactly as `task submit` does.
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply<TaskReply> {
    if let Some(limiter) = &state.inner.limiter {
        limiter
            .check(peer.ip().to_canonical())
            .map_err(ApiError::rate_limited)?;
    }
    require_json(&headers)?;
    let parsed: SubmitBody = parse_object(&body)?;
    let skip_similar = parsed.skip_similar.unwrap_or(false);
    let req = SubmitRequest::from(parsed);
    let policy = state.inner.policy.clone();
    let (checked, status) = state
        .inner
        .store
        .write(move |store| {
            let c = service::submit_checked(store, req, &policy, skip_similar)?;
            let status = match (&c.submitted, &c.similar) {
                (Some(s), _) => store_tasks::current_status(store.conn(), s.seq)?,
                (None, like) => like.as_ref().map(|l| l.status),
            };
            Ok((c, status.unwrap_or(Status::Pending)))
        })
        .await
        .map_err(|e| account_reference(ApiError::from(e)))?;
    let Some(submitted) = checked.submitted else {
        let like = checked.similar.ok_or_else(|| {
            ApiError::from(crate::error::Error::Store(
                "a skipped submission names no similar task".into(),
            ))
        })?;
        return Ok((
            StatusCode::OK,
            Json(TaskReply {
                task_id: like.id.to_string(),
                status,
                message: format!(
                    "skipped: the topic is {}; nothing new was queued",
                    like.describe()
                ),
            }),
        ));
    };
    let (code, message) = if submitted.existing {
        (
            StatusCode::OK,
            format!(
                "idempotency key matches {}: returning it, nothing new was queued",
                submitted.id
            ),
        )
    } else if let Some(like) = &checked.similar {
        (
            StatusCode::ACCEPTED,
            format!("queued; warning: the topic is {}", like.describe()),
        )
    } else {
        (StatusCode::ACCEPTED, "queued".to_string())
    };
    Ok((
        code,
        Json(TaskReply {
            task_id: submitted.id.to_string(),
            status,
            message,
        }),
    ))
}

/// An account named in a body or query that does not exist is a bad value (422 naming the
/// field), not a missing resource: the URL itself was fine. And the CLI's `account` is
/// `account_id` here.
fn account_reference(e: ApiError) -> ApiError {
    if e.status == StatusCode::NOT_FOUND && e.message.starts_with("account not found") {
        ApiError::invalid("account_id", e.message)
    } else if e.field.as_deref() == Some("account") {
        let message = e
            .message
            .replacen("invalid account:", "invalid account_id:", 1);
        ApiError::invalid("account_id", message)
    } else {
        e
    }
}

/// The task id of a path, as the OpenAPI document's pattern has it:
/// `^(task-)?[0-9a-fA-F]{4,12}$` (a full id or a unique prefix; nothing around it).
fn path_id(id: String) -> Result<String, ApiError> {
    // The grammar of a prefix typed in the CLI, without the white space it forgives.
    let bare = id.trim().len() == id.len();
    if bare && id.parse::<crate::domain::task::TaskIdPrefix>().is_ok() {
        Ok(id)
    } else {
        let shown: String = id.chars().take(40).collect();
        Err(ApiError::invalid(
            "task_id",
            format!(
                "invalid task_id: {shown:?} is not a task id (expected task- followed by 4–12 hex digits)"
            ),
        ))
    }
}

/// `GET tasks/{task_id}`: the task as `task show --format json` prints it (a unique prefix
/// of the id will do, as in the CLI).
pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> Reply<Task> {
    let id = path_id(id)?;
    let default = state.inner.engine.profile_of(None);
    let task = state
        .inner
        .store
        .read(move |store| {
            let (seq, _) = store_tasks::resolve(store.conn(), &id)?;
            let mut task = store_tasks::get(store.conn(), seq)?;
            task.waiting = crate::service::waiting(
                store.conn(),
                &task,
                &default,
                crate::domain::time::now_ms(),
            )?;
            Ok(task)
        })
        .await?;
    Ok((StatusCode::OK, Json(task)))
}

/// The query string as (name, value) pairs; names outside `known` are refused.
fn query_pairs(uri: &Uri, known: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
    let raw = uri.query().unwrap_or("");
    let bytes = raw.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return Err(ApiError::bad_request(
                "malformed query string: '%' must be followed by two hex digits",
            ));
        }
    }
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))?;
    if let Some((k, _)) = pairs.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            k.clone(),
            format!(
                "unknown query parameter '{k}' (expected: {})",
                known.join(", ")
            ),
        ));
    }
    Ok(pairs)
}

/// A parameter given with an empty value (`offset=`): refused, for every parameter.
fn empty(name: &str) -> ApiError {
    ApiError::invalid(
        name,
        format!("{name} is empty: give it a value or leave the parameter out"),
    )
}

/// The one value of a parameter; given twice is an error, and so is an empty value
/// (`offset=`). Values are taken as they are, not trimmed.
fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ApiError> {
    let mut values = pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiError::invalid(name, format!("{name} may be given once")));
    }
    match first {
        Some("") => Err(empty(name)),
        v => Ok(v),
    }
}

/// A whole number of at most `u32::MAX`, written in digits only.
fn number(pairs: &[(String, String)], name: &str) -> Result<Option<u32>, ApiError> {
    single(pairs, name)?
        .map(|v| {
            v.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| v.parse::<u32>().ok())
                .flatten()
                .ok_or_else(|| {
                    ApiError::invalid(
                        name,
                        format!(
                            "invalid {name}: '{v}' is not a whole number from 0 to {}",
                            u32::MAX
                        ),
                    )
                })
        })
        .transpose()
}

/// `true` or `false` (absent: false).
fn flag(pairs: &[(String, String)], name: &str) -> Result<bool, ApiError> {
    match single(pairs, name)? {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(v) => Err(ApiError::invalid(
            name,
            format!("invalid {name}: '{v}' is not true or false"),
        )),
    }
}

/// An age for `older_than`, as the OpenAPI document's pattern has it:
/// `^[1-9][0-9]{0,5}[smhdw]?$` (seconds without a unit).
fn age(name: &str, v: &str) -> Result<(), ApiError> {
    let digits = v.trim_end_matches(['s', 'm', 'h', 'd', 'w']);
    let unit = v.len() - digits.len();
    let ok = unit <= 1
        && (1..=6).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            name,
            format!(
                "invalid {name}: '{v}' is not an age (a whole number from 1 to 999999 and one of s, m, h, d, w, e.g. 30d)"
            ),
        ))
    }
}

/// `GET tasks?account_id&status&limit&offset`: newest first, like `task list`.
pub async fn list(State(state): State<AppState>, uri: Uri) -> Reply<TaskPage> {
    let pairs = query_pairs(&uri, &["account_id", "status", "limit", "offset"])?;
    let mut statuses: Vec<Status> = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| k == "status") {
        // Statuses separated by commas; an empty value is refused like any other.
        if v.is_empty() {
            return Err(empty("status"));
        }
        for s in v.split(',') {
            // Exactly as the document lists them: lower case, no spaces.
            let st = Status::parse_exact(s)
                .map_err(|e| ApiError::invalid("status", format!("invalid status: {e}")))?;
            if !statuses.contains(&st) {
                statuses.push(st);
            }
        }
    }
    let limit = number(&pairs, "limit")?.unwrap_or(LIST_DEFAULT);
    if !(1..=LIST_MAX).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("invalid limit: {limit} is out of range (1..{LIST_MAX})"),
        ));
    }
    let offset = number(&pairs, "offset")?.unwrap_or(0);
    let account = single(&pairs, "account_id")?.map(str::to_string);
    let (total, items) = state
        .inner
        .store
        .read(move |store| {
            let account_id = match &account {
                Some(r) => Some(accounts::find(store.conn(), r)?.id),
                None => None,
            };
            let filter = Filter {
                statuses,
                account_id,
                limit: Some(limit),
                ..Filter::default()
            };
            service::list_page(store, &filter, offset)
        })
        .await
        .map_err(|e| account_reference(e.into()))?;
    Ok((StatusCode::OK, Json(TaskPage { total, items })))
}

/// Runs `service::cancel` or `service::retry` on one task and renders its outcome: a refusal
/// (a finished task, retries used up) is a 409.
async fn act(
    state: &AppState,
    id: String,
    verb: &'static str,
    op: impl FnOnce(
            &mut Store,
            &[(store_tasks::Seq, crate::domain::TaskId)],
        ) -> crate::error::Result<Vec<(crate::domain::TaskId, Outcome)>>
        + Send
        + 'static,
) -> Reply<TaskReply> {
    let (task_id, outcome, status) = state
        .inner
        .store
        .write(move |store| {
            let targets = service::resolve_all(store, std::slice::from_ref(&id))?;
            let mut results = op(store, &targets)?;
            let (task_id, outcome) = results.pop().ok_or_else(|| crate::Error::NotFound {
                kind: "task",
                id: id.clone(),
            })?;
            let status = store_tasks::current_status(store.conn(), targets[0].0)?;
            Ok((task_id, outcome, status))
        })
        .await?;
    match outcome {
        Outcome::Done { from } => Ok((
            StatusCode::OK,
            Json(TaskReply {
                task_id: task_id.to_string(),
                status: status.unwrap_or(Status::Pending),
                message: format!("{verb} {task_id} (was {from})"),
            }),
        )),
        Outcome::Refused(why) => Err(ApiError::conflict("refused", why)),
    }
}

/// `POST tasks/{task_id}/cancel`.
pub async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> Reply<TaskReply> {
    let id = path_id(id)?;
    act(&state, id, "cancelled", service::cancel).await
}

/// `POST tasks/{task_id}/retry?force=true`.
pub async fn retry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
) -> Reply<TaskReply> {
    let id = path_id(id)?;
    let force = flag(&query_pairs(&uri, &["force"])?, "force")?;
    act(&state, id, "queued again", move |store, targets| {
        service::retry(store, targets, force)
    })
    .await
}

/// `GET tasks/stats?account_id=`: the numbers of `task stats --format json`.
pub async fn stats(State(state): State<AppState>, uri: Uri) -> Reply<TaskStats> {
    let pairs = query_pairs(&uri, &["account_id"])?;
    let account = single(&pairs, "account_id")?.map(str::to_string);
    let report = state
        .inner
        .store
        .read(move |store| service::stats(store, account.as_deref()))
        .await
        .map_err(|e| account_reference(e.into()))?;
    Ok((StatusCode::OK, Json(report)))
}

/// `DELETE tasks/cleanup?older_than=30d&dry_run=true`: deletes finished tasks last updated
/// longer ago than `older_than` (the request is the confirmation `task cleanup` asks for).
pub async fn cleanup(State(state): State<AppState>, uri: Uri) -> Reply<CleanupReply> {
    let pairs = query_pairs(&uri, &["older_than", "dry_run"])?;
    let dry_run = flag(&pairs, "dry_run")?;
    let older_than = single(&pairs, "older_than")?.ok_or_else(|| {
        ApiError::invalid("older_than", "older_than is required (e.g. older_than=30d)")
    })?;
    age("older_than", older_than)?;
    let cutoff = service::cleanup_cutoff("older_than", older_than)?;
    let run = move |store: &mut Store| service::cleanup(store, cutoff, dry_run);
    let deleted = if dry_run {
        state.inner.store.read(run).await?
    } else {
        state.inner.store.write(run).await?
    };
    Ok((StatusCode::OK, Json(CleanupReply { deleted, dry_run })))
}
