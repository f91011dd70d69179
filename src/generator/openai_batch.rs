//! A client for the OpenAI Batch API, which DashScope's compatible mode also speaks: upload a
//! JSONL file of chat completion requests (`POST {base_url}/files`), start a batch over it
//! (`POST {base_url}/batches`), poll it (`GET {base_url}/batches/{id}`), read its output and
//! error files (`GET {base_url}/files/{id}/content`) and cancel it
//! (`POST {base_url}/batches/{id}/cancel`).
//!
//! Each request line carries the chat completion request the `openai` backend sends for the
//! same spec, and each result line is read into an [`Output`] as that backend reads a reply, or
//! into a [`GenError`] classified as that backend classifies a reply of the line's status.
//! Errors of the API calls themselves are classified by `http` like every other request.
//!
//! The API key is read through the injected [`EnvLookup`] for every call and never kept,
//! logged or echoed: error messages are scrubbed of it and [`BatchClient`]'s `Debug` names only
//! the variable.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::contract::{EnvLookup, GenError, Output, Spec};
use super::http;
use super::openai::{chat_request, output_of, scrub, ChatRequest, ChatResponse, Endpoint};
use super::profile::GeneratorProfile;
use super::reply::{error_text, scalar};

/// The endpoint every request line targets and every batch is created for.
pub const ENDPOINT: &str = "/v1/chat/completions";
/// The most requests one batch file may hold (OpenAI's limit).
pub const MAX_LINES: usize = 50_000;
/// The largest batch file we upload (OpenAI's limit is 200 MB).
pub const MAX_FILE_BYTES: usize = 200 * 1024 * 1024;

/// One task in a batch: `custom_id` names its line in the request and result files.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRequest {
    pub custom_id: String,
    pub spec: Spec,
}

/// A batch's id, as the service named it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BatchId(pub String);

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a batch is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchStatus {
    Validating,
    InProgress,
    Finalizing,
    Completed,
    Failed,
    Expired,
    Cancelling,
    Cancelled,
    /// A status this client does not know; treated as still running.
    Other(String),
}

impl BatchStatus {
    fn parse(s: &str) -> Self {
        match s.trim() {
            "validating" => BatchStatus::Validating,
            "in_progress" => BatchStatus::InProgress,
            "finalizing" => BatchStatus::Finalizing,
            "completed" => BatchStatus::Completed,
            "failed" => BatchStatus::Failed,
            "expired" => BatchStatus::Expired,
            "cancelling" => BatchStatus::Cancelling,
            "cancelled" => BatchStatus::Cancelled,
            other => BatchStatus::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            BatchStatus::Validating => "validating",
            BatchStatus::InProgress => "in_progress",
            BatchStatus::Finalizing => "finalizing",
            BatchStatus::Completed => "completed",
            BatchStatus::Failed => "failed",
            BatchStatus::Expired => "expired",
            BatchStatus::Cancelling => "cancelling",
            BatchStatus::Cancelled => "cancelled",
            BatchStatus::Other(s) => s,
        }
    }

    /// Whether the batch will not change any more. An expired or cancelled batch may still
    /// have output and error files for the requests it finished.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            BatchStatus::Completed
                | BatchStatus::Failed
                | BatchStatus::Expired
                | BatchStatus::Cancelled
        )
    }
}

/// How many of a batch's requests are done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct RequestCounts {
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub completed: u64,
    #[serde(default)]
    pub failed: u64,
}

/// A batch as `GET /batches/{id}` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchState {
    pub id: BatchId,
    pub status: BatchStatus,
    pub output_file_id: Option<String>,
    pub error_file_id: Option<String>,
    pub counts: RequestCounts,
    /// The batch's own errors (why it failed validation, for instance), as text.
    pub errors: Vec<String>,
}

/// What became of one request line.
#[derive(Debug, Clone, PartialEq)]
pub enum LineResult {
    Done(Output),
    Failed(GenError),
}

/// The results of a batch, one per request sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchResults {
    /// Every custom id sent, in the order given, with its result. An id that neither file
    /// answers (a lost or unreadable line) gets a transient failure.
    pub lines: Vec<(String, LineResult)>,
    /// What was wrong with the files, for the log: unreadable or truncated lines, unknown and
    /// repeated custom ids, sent ids without a line.
    pub problems: Vec<String>,
}

/// The Batch API client of one generator profile.
#[derive(Debug)]
pub struct BatchClient {
    ep: Endpoint,
}

/// A request line of the batch input file.
#[derive(Serialize)]
struct InputLine<'a> {
    custom_id: &'a str,
    method: &'static str,
    url: &'static str,
    body: ChatRequest,
}

#[derive(Serialize)]
struct CreateBatch<'a> {
    input_file_id: &'a str,
    endpoint: &'static str,
    completion_window: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct FileObject {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
struct BatchObject {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    input_file_id: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    output_file_id: Option<String>,
    #[serde(default)]
    error_file_id: Option<String>,
    #[serde(default)]
    request_counts: Option<RequestCounts>,
    #[serde(default)]
    errors: Option<Value>,
}

/// A line of an output or error file.
#[derive(Deserialize)]
struct ResultLine {
    #[serde(default)]
    custom_id: Option<String>,
    #[serde(default)]
    response: Option<LineResponse>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct LineResponse {
    #[serde(default)]
    status_code: Option<u16>,
    #[serde(default)]
    body: Option<Value>,
}

impl BatchClient {
    /// The client for profile `name`; `timeout` bounds each API call, as the `openai`
    /// backend's requests are bounded.
    pub fn new(
        name: &str,
        p: &GeneratorProfile,
        timeout: Duration,
        env: EnvLookup,
    ) -> Result<Self, GenError> {
        Ok(BatchClient {
            ep: Endpoint::of(format!("openai-batch generator '{name}'"), p, timeout, env)?,
        })
    }

    /// The JSONL line for one request (without its newline).
    pub fn line(&self, r: &BatchRequest) -> String {
        let line = InputLine {
            custom_id: &r.custom_id,
            method: "POST",
            url: ENDPOINT,
            body: chat_request(
                &self.ep.model,
                self.ep.temperature,
                self.ep.max_tokens,
                &r.spec,
            ),
        };
        // A struct of strings, numbers and options always serializes.
        serde_json::to_string(&line).unwrap_or_default()
    }

    /// The input file for `requests`: one line each. Empty lists, empty or repeated custom
    /// ids and files over the service's limits are refused before anything is sent.
    pub fn input_file(&self, requests: &[BatchRequest]) -> Result<Vec<u8>, GenError> {
        let label = &self.ep.label;
        if requests.is_empty() {
            return Err(GenError::permanent(format!(
                "{label}: a batch needs at least one request"
            )));
        }
        if requests.len() > MAX_LINES {
            return Err(GenError::permanent(format!(
                "{label}: a batch holds at most {MAX_LINES} requests, not {}",
                requests.len()
            )));
        }
        let mut seen = HashSet::new();
        let mut file = Vec::new();
        for r in requests {
            if r.custom_id.trim().is_empty() {
                return Err(GenError::permanent(format!(
                    "{label}: a batch request has an empty custom_id"
                )));
            }
            if !seen.insert(r.custom_id.as_str()) {
                return Err(GenError::permanent(format!(
                    "{label}: custom_id '{}' appears twice in one batch",
                    r.custom_id
                )));
            }
            file.extend_from_slice(self.line(r).as_bytes());
            file.push(b'\n');
        }
        if file.len() > MAX_FILE_BYTES {
            return Err(GenError::permanent(format!(
                "{label}: the batch file is {} bytes, over the limit of {MAX_FILE_BYTES}",
                file.len()
            )));
        }
        Ok(file)
    }

    /// Uploads the input file for `requests` (`purpose=batch`) and returns its file id.
    pub async fn upload(&self, requests: &[BatchRequest]) -> Result<String, GenError> {
        let file = self.input_file(requests)?;
        let key = self.ep.api_key()?;
        let key = key.as_deref();
        let what = "POST /files";
        let result = async {
            let part = reqwest::multipart::Part::bytes(file)
                .file_name("batch.jsonl")
                .mime_str("application/jsonl")
                .map_err(|e| GenError::permanent(format!("{}: {what}: {e}", self.ep.label)))?;
            let form = reqwest::multipart::Form::new()
                .text("purpose", "batch")
                .part("file", part);
            let req = self
                .ep
                .request(reqwest::Method::POST, "/files", key)
                .multipart(form);
            let reply = self.send(what, req).await?;
            let file: FileObject = reply.json(&self.ep.label, what)?;
            file.id
                .filter(|id| !id.trim().is_empty())
                .ok_or_else(|| self.unexpected(what, "the file object has no id"))
        };
        result.await.map_err(|e| scrub(e, key))
    }

    /// Starts a batch over an uploaded input file. `window` is the completion window, in
    /// whole hours; `metadata` is attached to the batch as given.
    pub async fn create(
        &self,
        input_file_id: &str,
        window: Duration,
        metadata: Option<&BTreeMap<String, String>>,
    ) -> Result<BatchId, GenError> {
        let completion_window = window_text(window).ok_or_else(|| {
            GenError::permanent(format!(
                "{}: the completion window must be a whole number of hours, not {}",
                self.ep.label,
                humantime::format_duration(window)
            ))
        })?;
        let key = self.ep.api_key()?;
        let key = key.as_deref();
        let what = "POST /batches";
        let body = CreateBatch {
            input_file_id,
            endpoint: ENDPOINT,
            completion_window,
            metadata,
        };
        let result = async {
            let req = self
                .ep
                .request(reqwest::Method::POST, "/batches", key)
                .json(&body);
            let reply = self.send(what, req).await?;
            let state = self.state(what, &reply)?;
            Ok(state.id)
        };
        result.await.map_err(|e| scrub(e, key))
    }

    /// The batch's current state.
    pub async fn get(&self, id: &BatchId) -> Result<BatchState, GenError> {
        let key = self.ep.api_key()?;
        let key = key.as_deref();
        let what = format!("GET /batches/{id}");
        let result = async {
            let req = self
                .ep
                .request(reqwest::Method::GET, &format!("/batches/{}", id.0), key);
            let reply = self.send(&what, req).await?;
            self.state(&what, &reply)
        };
        result.await.map_err(|e| scrub(e, key))
    }

    /// The most recent batch created over `input_file_id`, among the last `limit` batches
    /// (`GET /batches?limit=N`): how a daemon that crashed between creating a batch and
    /// recording its id finds it again instead of creating a second one.
    pub async fn find(
        &self,
        input_file_id: &str,
        limit: u32,
    ) -> Result<Option<BatchState>, GenError> {
        let key = self.ep.api_key()?;
        let key = key.as_deref();
        let what = format!("GET /batches?limit={limit}");
        let result = async {
            let req = self.ep.request(
                reqwest::Method::GET,
                &format!("/batches?limit={limit}"),
                key,
            );
            let reply = self.send(&what, req).await?;
            #[derive(Deserialize)]
            struct Page {
                #[serde(default)]
                data: Vec<Value>,
            }
            let page: Page = reply.json(&self.ep.label, &what)?;
            for v in page.data {
                let Ok(b) = serde_json::from_value::<BatchObject>(v) else {
                    continue;
                };
                if b.input_file_id.as_deref() == Some(input_file_id) {
                    return self.state_of(&what, b).map(Some);
                }
            }
            Ok(None)
        };
        result.await.map_err(|e| scrub(e, key))
    }

    /// Asks the service to cancel the batch; returns its state after the request (usually
    /// `cancelling`).
    pub async fn cancel(&self, id: &BatchId) -> Result<BatchState, GenError> {
        let key = self.ep.api_key()?;
        let key = key.as_deref();
        let what = format!("POST /batches/{id}/cancel");
        let result = async {
            let req = self.ep.request(
                reqwest::Method::POST,
                &format!("/batches/{}/cancel", id.0),
                key,
            );
            let reply = self.send(&what, req).await?;
            self.state(&what, &reply)
        };
        result.await.map_err(|e| scrub(e, key))
    }

    /// Reads the output and error files of a finished batch and maps every id of `sent` to its
    /// result. Either file may be absent: a batch whose every line failed has no output file.
    pub async fn results(
        &self,
        output_file_id: Option<&str>,
        error_file_id: Option<&str>,
        sent: &[String],
    ) -> Result<BatchResults, GenError> {
        let mut files = Vec::new();
        for (name, id) in [
            ("output file", output_file_id),
            ("error file", error_file_id),
        ] {
            if let Some(id) = id {
                files.push((name, self.content(id).await?));
            }
        }
        let files: Vec<(&str, &[u8])> = files.iter().map(|(n, f)| (*n, f.as_slice())).collect();
        let key = self.ep.api_key()?;
        Ok(read_results(
            &self.ep.label,
            &self.ep.model,
            &files,
            sent,
            key.as_deref(),
        ))
    }

    /// `GET /files/{id}/content`.
    async fn content(&self, file_id: &str) -> Result<Vec<u8>, GenError> {
        let key = self.ep.api_key()?;
        let key = key.as_deref();
        let what = format!("GET /files/{file_id}/content");
        let result = async {
            let req = self.ep.request(
                reqwest::Method::GET,
                &format!("/files/{file_id}/content"),
                key,
            );
            Ok(self.send(&what, req).await?.body)
        };
        result.await.map_err(|e| scrub(e, key))
    }

    /// Sends and checks: a non-2xx reply comes back classified.
    async fn send(
        &self,
        what: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<http::Reply, GenError> {
        let reply = http::send(&self.ep.label, what, self.ep.timeout, req).await?;
        reply.check(&self.ep.label, what)?;
        Ok(reply)
    }

    /// A batch object reply as a [`BatchState`].
    fn state(&self, what: &str, reply: &http::Reply) -> Result<BatchState, GenError> {
        let b: BatchObject = reply.json(&self.ep.label, what)?;
        self.state_of(what, b)
    }

    /// A batch object as a [`BatchState`].
    fn state_of(&self, what: &str, b: BatchObject) -> Result<BatchState, GenError> {
        let id =
            b.id.filter(|id| !id.trim().is_empty())
                .ok_or_else(|| self.unexpected(what, "the batch object has no id"))?;
        let status = b
            .status
            .ok_or_else(|| self.unexpected(what, "the batch object has no status"))?;
        let nonempty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        Ok(BatchState {
            id: BatchId(id),
            status: BatchStatus::parse(&status),
            output_file_id: nonempty(b.output_file_id),
            error_file_id: nonempty(b.error_file_id),
            counts: b.request_counts.unwrap_or_default(),
            errors: b.errors.as_ref().map(batch_errors).unwrap_or_default(),
        })
    }

    fn unexpected(&self, what: &str, why: &str) -> GenError {
        GenError::transient(format!(
            "{}: {what}: unexpected reply: {why}",
            self.ep.label
        ))
    }
}

/// `24h` for 24 hours: the form both OpenAI and DashScope accept.
fn window_text(window: Duration) -> Option<String> {
    let secs = window.as_secs();
    (secs > 0 && secs.is_multiple_of(3600) && window.subsec_nanos() == 0)
        .then(|| format!("{}h", secs / 3600))
}

/// A batch's `errors`: `{data: [{code, message, line?}]}` or a bare list, as texts.
fn batch_errors(v: &Value) -> Vec<String> {
    let list = match v {
        Value::Array(a) => a.as_slice(),
        Value::Object(o) => match o.get("data") {
            Some(Value::Array(a)) => a.as_slice(),
            _ => std::slice::from_ref(v),
        },
        Value::Null => &[],
        _ => std::slice::from_ref(v),
    };
    list.iter()
        .filter_map(|e| {
            let text = error_text(e)?;
            Some(match e.get("line").and_then(scalar) {
                Some(line) => format!("{text} (line {line})"),
                None => text,
            })
        })
        .map(|t| http::truncate(&t, 500))
        .collect()
}

/// Maps every id of `sent` to its result in `files` (the output file, then the error file,
/// each with its name). Blank lines are skipped; unreadable lines, unknown ids and repeated
/// ids are reported in [`BatchResults::problems`]. Of repeated lines, a success wins over a
/// failure, and otherwise the first line counts. `key` is removed from the files before
/// anything is read from them: a service may echo it back.
fn read_results(
    label: &str,
    model: &str,
    files: &[(&str, &[u8])],
    sent: &[String],
    key: Option<&str>,
) -> BatchResults {
    let mut found: HashMap<&str, LineResult> = HashMap::new();
    let wanted: HashSet<&str> = sent.iter().map(String::as_str).collect();
    let mut problems = Vec::new();
    for (name, file) in files {
        let mut text = String::from_utf8_lossy(file).into_owned();
        if let Some(k) = key.filter(|k| !k.is_empty()) {
            text = text.replace(k, "***");
        }
        for (n, raw) in text.split('\n').enumerate() {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let line: ResultLine = match serde_json::from_str(raw) {
                Ok(l) => l,
                Err(e) => {
                    problems.push(format!(
                        "{name} line {}: unreadable ({e}): {}",
                        n + 1,
                        http::truncate(raw, 80)
                    ));
                    continue;
                }
            };
            let Some(id) = line.custom_id.as_deref().and_then(|id| {
                let id = id.trim();
                wanted.get(id).copied()
            }) else {
                match line.custom_id.as_deref() {
                    Some(id) => problems.push(format!(
                        "{name} line {}: custom_id '{}' was not sent in this batch",
                        n + 1,
                        http::truncate(id, 80)
                    )),
                    None => problems.push(format!("{name} line {}: no custom_id", n + 1)),
                }
                continue;
            };
            let result = line_result(label, model, id, line);
            match found.get(id) {
                None => {
                    found.insert(id, result);
                }
                Some(earlier) => {
                    problems.push(format!("custom_id '{id}' has more than one result line"));
                    if matches!(earlier, LineResult::Failed(_))
                        && matches!(result, LineResult::Done(_))
                    {
                        found.insert(id, result);
                    }
                }
            }
        }
    }
    let mut lines = Vec::with_capacity(sent.len());
    let mut taken = HashSet::new();
    for id in sent {
        if !taken.insert(id.as_str()) {
            continue;
        }
        let result = found.remove(id.as_str()).unwrap_or_else(|| {
            problems.push(format!("custom_id '{id}' has no result line"));
            LineResult::Failed(GenError::transient(format!(
                "{label}: batch request {id}: the batch returned no result for it"
            )))
        });
        lines.push((id.clone(), result));
    }
    BatchResults { lines, problems }
}

/// One result line as the `openai` backend would read the reply it stands for.
fn line_result(label: &str, model: &str, id: &str, line: ResultLine) -> LineResult {
    let what = format!("batch request {id}");
    let response = line.response;
    let status = response.as_ref().and_then(|r| r.status_code);
    let error = line.error.filter(|e| !e.is_null());
    match (status, response.and_then(|r| r.body), error) {
        (Some(code), Some(body), None) if (200..300).contains(&code) => {
            let result = serde_json::from_value::<ChatResponse>(body)
                .map_err(|e| GenError::transient(format!("{label}: {what}: malformed reply: {e}")))
                .and_then(|resp| output_of(label, &what, model, resp));
            match result {
                Ok(out) => LineResult::Done(out),
                Err(e) => LineResult::Failed(e),
            }
        }
        (Some(code), body, _) if !(200..300).contains(&code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = body.map(|b| b.to_string()).unwrap_or_default();
            LineResult::Failed(http::status_error(
                label,
                &what,
                status,
                &HeaderMap::new(),
                body.as_bytes(),
            ))
        }
        (_, _, Some(error)) => LineResult::Failed(line_error(label, &what, &error)),
        _ => LineResult::Failed(GenError::transient(format!(
            "{label}: {what}: the result line has neither a reply nor an error"
        ))),
    }
}

/// A line's `error` object (`{code, message}`), which has no HTTP status: a request the batch
/// did not run (expired, cancelled) or that the service failed is retried, a rate limit
/// snoozes, and anything else (an invalid request, a quota) is permanent.
fn line_error(label: &str, what: &str, error: &Value) -> GenError {
    let text = error_text(error).unwrap_or_else(|| "unknown error".into());
    let message = format!("{label}: {what}: {}", http::truncate(&text, 500));
    let code = error
        .get("code")
        .and_then(scalar)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if code.contains("insufficient_quota") {
        GenError::permanent(message)
    } else if code.contains("rate_limit") {
        GenError::rate_limited(message, http::DEFAULT_RETRY_AFTER)
    } else if [
        "batch_expired",
        "batch_cancelled",
        "server_error",
        "internal_error",
        "timeout",
        "service_unavailable",
    ]
    .iter()
    .any(|c| code.contains(c))
    {
        GenError::transient(message)
    } else {
        GenError::permanent(message)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::body::Bytes;
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use serde_json::{json, Value};

    use super::*;
    use crate::generator::contract::{ErrorKind, Generator, Submitted};
    use crate::generator::openai::OpenAi;
    use crate::generator::profile::GeneratorKind;
    use crate::generator::testing::{env_with_key, profile, refused_url, serve, spec, KEY};

    fn test_profile(root: &str, kind: GeneratorKind) -> GeneratorProfile {
        let mut p = profile(kind, &format!("{root}/v1/"));
        p.api_key_env = Some("TEST_OPENAI_KEY".into());
        p.temperature = Some(0.7);
        p.max_tokens = Some(2048);
        p
    }

    fn client(root: &str, timeout: Duration) -> BatchClient {
        let p = test_profile(root, GeneratorKind::Openai);
        BatchClient::new("batchy", &p, timeout, env_with_key()).unwrap()
    }

    fn assert_no_key(e: &GenError) {
        assert!(!e.message.contains(KEY), "key leaked: {}", e.message);
        assert!(!format!("{e:?}").contains(KEY));
    }

    /// `n` requests with distinct topics; ids end in `-400` or `-500` where the mock should
    /// fail that line with that status.
    fn requests(ids: &[&str]) -> Vec<BatchRequest> {
        ids.iter()
            .enumerate()
            .map(|(i, id)| {
                let mut s = spec();
                s.topic = format!("主题 {i}");
                s.task_id = format!("task-{i:012}");
                BatchRequest {
                    custom_id: id.to_string(),
                    spec: s,
                }
            })
            .collect()
    }

    fn ids(reqs: &[BatchRequest]) -> Vec<String> {
        reqs.iter().map(|r| r.custom_id.clone()).collect()
    }

    /// How the mock's batches end.
    #[derive(Clone, Copy, PartialEq, Debug)]
    enum End {
        Completed,
        /// The first half of the lines finished, the rest expired.
        Expired,
        /// Validation failed: no files.
        Failed,
    }

    /// A part of a multipart upload as the mock saw it.
    #[derive(Debug, Clone)]
    struct FormPart {
        name: String,
        filename: Option<String>,
        content_type: Option<String>,
        data: Vec<u8>,
    }

    struct MockBatch {
        input_file_id: String,
        polls: u32,
        status: &'static str,
        output: Option<String>,
        error: Option<String>,
    }

    /// A Batch API in the test process: stores uploads, moves each batch `validating →
    /// in_progress → finalizing → final` one step per poll after `polls_to_start`, then writes
    /// an output file (a completion per line) and an error file (lines whose custom_id ends in
    /// `-400`, `-429` or `-500` get that status; `-gone` lines are left out).
    struct Mock {
        end: End,
        /// Polls spent in `validating`.
        polls_to_start: u32,
        /// Blank lines, a line for an unknown id, a repeated line and a truncated last line.
        damaged: bool,
        uploads: Vec<Vec<FormPart>>,
        files: HashMap<String, Vec<u8>>,
        batches: HashMap<String, MockBatch>,
        creates: Vec<Value>,
        /// Bodies of `POST /v1/chat/completions`, as the `openai` backend sends them.
        chats: Vec<Value>,
        auth: Vec<Option<String>>,
    }

    type Shared = Arc<Mutex<Mock>>;

    fn mock(end: End) -> Shared {
        Arc::new(Mutex::new(Mock {
            end,
            polls_to_start: 2,
            damaged: false,
            uploads: vec![],
            files: HashMap::new(),
            batches: HashMap::new(),
            creates: vec![],
            chats: vec![],
            auth: vec![],
        }))
    }

    fn record_auth(m: &Shared, headers: &HeaderMap) {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        m.lock().unwrap().auth.push(auth);
    }

    /// Parses a `multipart/form-data` body.
    fn form_parts(headers: &HeaderMap, body: &[u8]) -> Vec<FormPart> {
        let ct = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(ct.starts_with("multipart/form-data"), "content-type {ct}");
        let boundary = ct
            .split("boundary=")
            .nth(1)
            .expect("boundary")
            .trim_matches('"');
        let delim = format!("--{boundary}");
        let text = body.to_vec();
        let mut parts = vec![];
        let mut rest: &[u8] = &text;
        let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
        while let Some(at) = find(rest, delim.as_bytes()) {
            rest = &rest[at + delim.len()..];
            if rest.starts_with(b"--") {
                break;
            }
            let rest_after = &rest[2..]; // CRLF after the delimiter
            let head_end = find(rest_after, b"\r\n\r\n").expect("part headers");
            let head = String::from_utf8_lossy(&rest_after[..head_end]).to_string();
            let data_start = head_end + 4;
            let next = find(&rest_after[data_start..], delim.as_bytes()).expect("next delimiter");
            let data = rest_after[data_start..data_start + next - 2].to_vec(); // drop CRLF
            let disposition = head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
                .expect("content-disposition")
                .to_string();
            let field = |key: &str| {
                disposition
                    .split(';')
                    .map(str::trim)
                    .find_map(|kv| kv.strip_prefix(&format!("{key}=\"")))
                    .map(|v| v.trim_end_matches('"').to_string())
            };
            let content_type = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .starts_with("content-type:")
                    .then(|| l["content-type:".len()..].trim().to_string())
            });
            parts.push(FormPart {
                name: field("name").expect("part name"),
                filename: field("filename"),
                content_type,
                data,
            });
            rest = &rest_after[data_start + next..];
        }
        parts
    }

    fn completion(custom_id: &str, i: usize) -> Value {
        json!({
            "id": format!("chatcmpl-{i}"),
            "object": "chat.completion",
            "model": "qwen2.5-batch",
            "choices": [{"index": 0, "message": {"role": "assistant",
                "content": format!("# 文章 {custom_id}\n\n正文第一段。\n\n## 小节\n\n更多。")},
                "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100 + i, "completion_tokens": 500 + i, "total_tokens": 600 + 2 * i}
        })
    }

    /// The output and error files of a batch over `input` ending as `end`.
    fn finish(end: End, damaged: bool, input: &[u8]) -> (String, String) {
        let lines: Vec<Value> = String::from_utf8_lossy(input)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mut out = String::new();
        let mut err = String::new();
        for (i, line) in lines.iter().enumerate() {
            let id = line["custom_id"].as_str().unwrap();
            if id.ends_with("-gone") {
                continue;
            }
            if end == End::Expired && i >= lines.len() / 2 {
                err += &json!({"id": format!("batch_req_{i}"), "custom_id": id, "response": null,
                    "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}}).to_string();
                err.push('\n');
                continue;
            }
            let status = ["400", "429", "500"]
                .iter()
                .find(|s| id.ends_with(&format!("-{s}")))
                .map(|s| s.parse::<u16>().unwrap());
            match status {
                Some(code) => {
                    err += &json!({"id": format!("batch_req_{i}"), "custom_id": id,
                        "response": {"status_code": code, "request_id": format!("req-{i}"),
                            "body": {"error": {"message": format!("mock says {code}"), "type": "invalid_request_error", "code": format!("c{code}")}}},
                        "error": null}).to_string();
                    err.push('\n');
                }
                None => {
                    out += &json!({"id": format!("batch_req_{i}"), "custom_id": id,
                        "response": {"status_code": 200, "request_id": format!("req-{i}"), "body": completion(id, i)},
                        "error": null}).to_string();
                    out.push('\n');
                }
            }
        }
        if damaged {
            let first = out.lines().next().unwrap_or("{}").to_string();
            let unknown = first.replacen("\"custom_id\":\"", "\"custom_id\":\"stranger-", 1);
            out = format!("\n{first}\n\n{unknown}\n{out}");
            // A last line cut short.
            err += r#"{"id": "batch_req_x", "custom_id": "cut-sh"#;
        }
        (out, err)
    }

    fn batch_json(id: &str, b: &MockBatch, total: usize) -> Value {
        json!({
            "id": id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": b.input_file_id,
            "completion_window": "24h",
            "status": b.status,
            "output_file_id": b.output,
            "error_file_id": b.error,
            "errors": if b.status == "failed" {
                json!({"object": "list", "data": [{"code": "invalid_json_line", "message": "line 2 is not valid", "param": null, "line": 2}]})
            } else { Value::Null },
            "request_counts": {"total": total, "completed": if b.status == "completed" { total } else { 0 }, "failed": 0},
        })
    }

    async fn upload_file(State(m): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
        record_auth(&m, &headers);
        let parts = form_parts(&headers, &body);
        let mut m = m.lock().unwrap();
        let data = parts
            .iter()
            .find(|p| p.name == "file")
            .map(|p| p.data.clone())
            .unwrap_or_default();
        m.uploads.push(parts);
        let id = format!("file-in-{}", m.uploads.len());
        m.files.insert(id.clone(), data.clone());
        Json(json!({"id": id, "object": "file", "bytes": data.len(), "purpose": "batch", "filename": "batch.jsonl"})).into_response()
    }

    async fn create_batch(
        State(m): State<Shared>,
        headers: HeaderMap,
        Json(body): Json<Value>,
    ) -> Response {
        record_auth(&m, &headers);
        let mut m = m.lock().unwrap();
        let input = body["input_file_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !m.files.contains_key(&input) {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": {"message": "no such file", "code": "invalid_file"}})),
            )
                .into_response();
        }
        m.creates.push(body);
        let id = format!("batch_{}", m.batches.len() + 1);
        let b = MockBatch {
            input_file_id: input,
            polls: 0,
            status: "validating",
            output: None,
            error: None,
        };
        let v = batch_json(&id, &b, 0);
        m.batches.insert(id, b);
        Json(v).into_response()
    }

    async fn get_batch(
        State(m): State<Shared>,
        headers: HeaderMap,
        Path(id): Path<String>,
    ) -> Response {
        record_auth(&m, &headers);
        let mut guard = m.lock().unwrap();
        let m = &mut *guard;
        let (start, end) = (m.polls_to_start, m.end);
        let Some(b) = m.batches.get_mut(&id) else {
            return (
                StatusCode::NOT_FOUND,
                Json(json!({"error": {"message": "no such batch"}})),
            )
                .into_response();
        };
        b.polls += 1;
        let input = m.files[&b.input_file_id].clone();
        let total = String::from_utf8_lossy(&input).lines().count();
        let next = match b.status {
            "cancelling" => "cancelled",
            s @ ("completed" | "failed" | "expired" | "cancelled") => s,
            "validating" if b.polls <= start => "validating",
            "validating" if end == End::Failed => "failed",
            "validating" => "in_progress",
            "in_progress" => "finalizing",
            _ if end == End::Expired => "expired",
            _ => "completed",
        };
        let finishing = next != b.status && matches!(next, "completed" | "expired");
        b.status = next;
        if finishing {
            let (out, err) = finish(end, m.damaged, &input);
            let mut file = |text: String, kind: &str| {
                (!text.is_empty()).then(|| {
                    let file_id = format!("file-{kind}-{id}");
                    m.files.insert(file_id.clone(), text.into_bytes());
                    file_id
                })
            };
            let (o, e) = (file(out, "out"), file(err, "err"));
            let b = m.batches.get_mut(&id).unwrap();
            b.output = o;
            b.error = e;
        }
        let b = &m.batches[&id];
        Json(batch_json(&id, b, total)).into_response()
    }

    async fn cancel_batch(
        State(m): State<Shared>,
        headers: HeaderMap,
        Path(id): Path<String>,
    ) -> Response {
        record_auth(&m, &headers);
        let mut m = m.lock().unwrap();
        let Some(b) = m.batches.get_mut(&id) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        b.status = "cancelling";
        let v = batch_json(&id, b, 0);
        Json(v).into_response()
    }

    async fn file_content(
        State(m): State<Shared>,
        headers: HeaderMap,
        Path(id): Path<String>,
    ) -> Response {
        record_auth(&m, &headers);
        match m.lock().unwrap().files.get(&id) {
            Some(data) => data.clone().into_response(),
            None => (
                StatusCode::NOT_FOUND,
                Json(json!({"error": {"message": "no such file"}})),
            )
                .into_response(),
        }
    }

    async fn chat(State(m): State<Shared>, Json(body): Json<Value>) -> Response {
        m.lock().unwrap().chats.push(body);
        Json(completion("sync", 0)).into_response()
    }

    async fn serve_mock(m: Shared) -> String {
        let app = Router::new()
            .route("/v1/files", post(upload_file))
            .route("/v1/files/{id}/content", get(file_content))
            .route("/v1/batches", post(create_batch))
            .route("/v1/batches/{id}", get(get_batch))
            .route("/v1/batches/{id}/cancel", post(cancel_batch))
            .route("/v1/chat/completions", post(chat))
            .with_state(m);
        serve(app).await
    }

    /// Polls until the batch is final (at most 50 polls, 5 s).
    async fn until_final(c: &BatchClient, id: &BatchId) -> (BatchState, Vec<BatchStatus>) {
        let run = async {
            let mut seen = vec![];
            for _ in 0..50 {
                let s = c.get(id).await.unwrap();
                seen.push(s.status.clone());
                if s.status.is_final() {
                    return (s, seen);
                }
            }
            panic!("batch not final after 50 polls: {seen:?}");
        };
        tokio::time::timeout(Duration::from_secs(5), run)
            .await
            .expect("poll deadline")
    }

    fn done(r: &LineResult) -> &Output {
        match r {
            LineResult::Done(o) => o,
            LineResult::Failed(e) => panic!("failed: {e:?}"),
        }
    }

    fn failed(r: &LineResult) -> &GenError {
        match r {
            LineResult::Failed(e) => e,
            LineResult::Done(o) => panic!("done: {o:?}"),
        }
    }

    fn window() -> Duration {
        Duration::from_secs(24 * 3600)
    }

    #[tokio::test]
    async fn upload_sends_what_the_openai_backend_sends_per_task_as_multipart() {
        let m = mock(End::Completed);
        let root = serve_mock(m.clone()).await;
        let c = client(&root, Duration::from_secs(2));
        assert!(!format!("{c:?}").contains(KEY));
        let reqs = requests(&["task-1", "task-2", "task-3"]);

        let file_id = c.upload(&reqs).await.unwrap();
        assert_eq!(file_id, "file-in-1");
        let mut meta = BTreeMap::new();
        meta.insert("profile".to_string(), "batchy".to_string());
        let id = c.create(&file_id, window(), Some(&meta)).await.unwrap();
        assert_eq!(id, BatchId("batch_1".into()));

        // The same specs through the `openai` backend of the same profile.
        let p = test_profile(&root, GeneratorKind::Openai);
        let sync = OpenAi::new("batchy", &p, Duration::from_secs(2), env_with_key()).unwrap();
        for r in &reqs {
            assert!(matches!(
                sync.submit(&r.spec).await.unwrap(),
                Submitted::Done(_)
            ));
        }

        let m = m.lock().unwrap();
        assert_eq!(m.uploads.len(), 1);
        let parts = &m.uploads[0];
        let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["purpose", "file"]);
        assert_eq!(parts[0].data, b"batch");
        assert_eq!(parts[0].filename, None);
        assert_eq!(parts[1].filename.as_deref(), Some("batch.jsonl"));
        assert_eq!(parts[1].content_type.as_deref(), Some("application/jsonl"));
        let text = String::from_utf8(parts[1].data.clone()).unwrap();
        assert!(text.ends_with('\n'), "{text}");
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        for ((line, r), chat) in lines.iter().zip(&reqs).zip(&m.chats) {
            assert_eq!(
                line,
                &json!({"custom_id": r.custom_id, "method": "POST",
                    "url": "/v1/chat/completions", "body": chat})
            );
            assert_eq!(line["body"]["model"], "qwen2.5");
            assert_eq!(line["body"]["max_tokens"], 2048);
            assert_eq!(line["body"]["temperature"], 0.7);
        }
        assert_eq!(m.chats.len(), 3);
        assert_ne!(m.chats[0], m.chats[1], "each task has its own prompt");
        assert_eq!(
            m.creates,
            [
                json!({"input_file_id": "file-in-1", "endpoint": "/v1/chat/completions",
                "completion_window": "24h", "metadata": {"profile": "batchy"}})
            ]
        );
        let bearer = format!("Bearer {KEY}");
        assert!(m.auth.len() == 2 && m.auth.iter().all(|a| a.as_deref() == Some(&*bearer)));
    }

    #[tokio::test]
    async fn completed_batch_maps_every_line_back_with_its_own_outcome() {
        let m = mock(End::Completed);
        let root = serve_mock(m.clone()).await;
        let c = client(&root, Duration::from_secs(2));
        let reqs = requests(&["t-1", "t-2-400", "t-3", "t-4-500", "t-5-429", "t-6"]);
        let file = c.upload(&reqs).await.unwrap();
        let id = c.create(&file, window(), None).await.unwrap();
        assert!(m.lock().unwrap().creates[0].get("metadata").is_none());

        let (state, seen) = until_final(&c, &id).await;
        assert_eq!(
            seen,
            [
                BatchStatus::Validating,
                BatchStatus::Validating,
                BatchStatus::InProgress,
                BatchStatus::Finalizing,
                BatchStatus::Completed
            ]
        );
        assert_eq!(state.id, id);
        assert_eq!(state.counts.total, 6);
        assert!(state.errors.is_empty());
        let (out, err) = (
            state.output_file_id.as_deref(),
            state.error_file_id.as_deref(),
        );
        assert!(out.is_some() && err.is_some());

        let res = c.results(out, err, &ids(&reqs)).await.unwrap();
        assert!(res.problems.is_empty(), "{:?}", res.problems);
        let got: Vec<&str> = res.lines.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(got, ids(&reqs));
        for (i, n) in [(0, 0), (2, 2), (5, 5)] {
            let o = done(&res.lines[i].1);
            assert_eq!(o.title, format!("文章 {}", reqs[i].custom_id));
            assert!(o.body.starts_with("# 文章"));
            assert_eq!(o.summary.as_deref(), Some("正文第一段。"));
            assert_eq!(
                (o.prompt_tokens, o.completion_tokens),
                (Some(100 + n), Some(500 + n))
            );
            assert_eq!(o.model.as_deref(), Some("qwen2.5-batch"));
        }
        let e = failed(&res.lines[1].1);
        assert_eq!((e.kind, e.status), (ErrorKind::Permanent, Some(400)));
        assert!(
            e.message.contains("batch request t-2-400") && e.message.contains("mock says 400"),
            "{}",
            e.message
        );
        let e = failed(&res.lines[3].1);
        assert_eq!((e.kind, e.status), (ErrorKind::Transient, Some(500)));
        let e = failed(&res.lines[4].1);
        assert_eq!((e.kind, e.status), (ErrorKind::RateLimited, Some(429)));
        assert_eq!(e.retry_after, Some(http::DEFAULT_RETRY_AFTER));
    }

    #[tokio::test]
    async fn expired_batch_reports_its_state_and_unfinished_lines_are_transient() {
        let m = mock(End::Expired);
        let root = serve_mock(m).await;
        let c = client(&root, Duration::from_secs(2));
        let reqs = requests(&["e-1", "e-2", "e-3", "e-4"]);
        let id = c
            .create(&c.upload(&reqs).await.unwrap(), window(), None)
            .await
            .unwrap();
        let (state, _) = until_final(&c, &id).await;
        assert_eq!(state.status, BatchStatus::Expired);
        let res = c
            .results(
                state.output_file_id.as_deref(),
                state.error_file_id.as_deref(),
                &ids(&reqs),
            )
            .await
            .unwrap();
        assert!(res.problems.is_empty(), "{:?}", res.problems);
        done(&res.lines[0].1);
        done(&res.lines[1].1);
        for (id, r) in &res.lines[2..] {
            let e = failed(r);
            assert_eq!(e.kind, ErrorKind::Transient, "{id}");
            assert!(
                e.message.contains("completion window expired")
                    && e.message.contains("batch_expired"),
                "{}",
                e.message
            );
        }
    }

    #[tokio::test]
    async fn failed_batch_reports_its_errors_and_every_task_as_unanswered() {
        let m = mock(End::Failed);
        let root = serve_mock(m).await;
        let c = client(&root, Duration::from_secs(2));
        let reqs = requests(&["f-1", "f-2"]);
        let id = c
            .create(&c.upload(&reqs).await.unwrap(), window(), None)
            .await
            .unwrap();
        let (state, _) = until_final(&c, &id).await;
        assert_eq!(state.status, BatchStatus::Failed);
        assert_eq!(
            (
                state.output_file_id.as_deref(),
                state.error_file_id.as_deref()
            ),
            (None, None)
        );
        assert_eq!(
            state.errors,
            ["line 2 is not valid (code invalid_json_line) (line 2)"]
        );
        let res = c.results(None, None, &ids(&reqs)).await.unwrap();
        assert_eq!(res.lines.len(), 2);
        for (id, r) in &res.lines {
            let e = failed(r);
            assert_eq!(e.kind, ErrorKind::Transient);
            assert!(e.message.contains("no result"), "{id}: {}", e.message);
        }
        assert_eq!(res.problems.len(), 2, "{:?}", res.problems);
    }

    #[tokio::test]
    async fn all_lines_failed_leaves_no_output_file() {
        let m = mock(End::Completed);
        let root = serve_mock(m).await;
        let c = client(&root, Duration::from_secs(2));
        let reqs = requests(&["x-400", "y-500"]);
        let id = c
            .create(&c.upload(&reqs).await.unwrap(), window(), None)
            .await
            .unwrap();
        let (state, _) = until_final(&c, &id).await;
        assert_eq!(state.status, BatchStatus::Completed);
        assert_eq!(state.output_file_id, None);
        let res = c
            .results(None, state.error_file_id.as_deref(), &ids(&reqs))
            .await
            .unwrap();
        assert!(res.problems.is_empty(), "{:?}", res.problems);
        assert_eq!(failed(&res.lines[0].1).kind, ErrorKind::Permanent);
        assert_eq!(failed(&res.lines[1].1).kind, ErrorKind::Transient);
    }

    #[tokio::test]
    async fn damaged_result_files_are_reported_and_every_id_still_answered() {
        let m = mock(End::Completed);
        m.lock().unwrap().damaged = true;
        let root = serve_mock(m).await;
        let c = client(&root, Duration::from_secs(2));
        let reqs = requests(&["d-1", "d-2", "d-gone", "d-3-400"]);
        let id = c
            .create(&c.upload(&reqs).await.unwrap(), window(), None)
            .await
            .unwrap();
        let (state, _) = until_final(&c, &id).await;
        let res = c
            .results(
                state.output_file_id.as_deref(),
                state.error_file_id.as_deref(),
                &ids(&reqs),
            )
            .await
            .unwrap();
        let got: Vec<&str> = res.lines.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(got, ids(&reqs));
        assert_eq!(done(&res.lines[0].1).title, "文章 d-1");
        done(&res.lines[1].1);
        let e = failed(&res.lines[2].1);
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(e.message.contains("no result"), "{}", e.message);
        assert_eq!(failed(&res.lines[3].1).status, Some(400));
        let problems = res.problems.join("\n");
        for needle in [
            "custom_id 'stranger-d-1' was not sent",
            "custom_id 'd-1' has more than one result line",
            "unreadable",
            "custom_id 'd-gone' has no result line",
        ] {
            assert!(problems.contains(needle), "{needle} not in:\n{problems}");
        }
        assert_eq!(res.problems.len(), 4, "{problems}");
    }

    #[test]
    fn odd_lines_never_panic() {
        let sent = ids(&requests(&["a", "b", "c", "d", "e"]));
        let ok = |id: &str| {
            json!({"custom_id": id, "response": {"status_code": 200, "body": completion(id, 1)}})
                .to_string()
        };
        let mut out = Vec::new();
        out.extend_from_slice(b"\xff\xfe not utf-8\n[1]\n42\n\"text\"\n{}\n");
        out.extend_from_slice(br#"{"custom_id": 7}"#);
        out.push(b'\n');
        // A failure first and a success after it: the success counts.
        out.extend_from_slice(
            json!({"custom_id": "a", "error": {"code": "server_error", "message": "oops"}})
                .to_string()
                .as_bytes(),
        );
        out.extend_from_slice(format!("\n{}\r\n\r\n", ok("a")).as_bytes());
        // A 200 without a body, an empty choice list, empty content.
        out.extend_from_slice(
            json!({"custom_id": "b", "response": {"status_code": 200}})
                .to_string()
                .as_bytes(),
        );
        out.push(b'\n');
        out.extend_from_slice(
            json!({"custom_id": "c", "response": {"status_code": 200, "body": {"choices": []}}})
                .to_string()
                .as_bytes(),
        );
        out.push(b'\n');
        out.extend_from_slice(
            json!({"custom_id": "d", "response": {"status_code": 200, "body": {"choices": [{"message": {"content": " "}}]}}})
                .to_string()
                .as_bytes(),
        );
        out.push(b'\n');
        let errs =
            json!({"custom_id": "e", "error": {"code": "insufficient_quota", "message": "pay up"}})
                .to_string();
        let res = read_results(
            "L",
            "m",
            &[
                ("output file", &out),
                ("error file", errs.as_bytes()),
                ("x", b""),
            ],
            &sent,
            None,
        );
        assert_eq!(res.lines.len(), 5);
        assert_eq!(
            done(&res.lines[0].1).model.as_deref(),
            Some("qwen2.5-batch")
        );
        let kinds: Vec<ErrorKind> = res.lines[1..].iter().map(|(_, r)| failed(r).kind).collect();
        assert_eq!(
            kinds,
            [
                ErrorKind::Transient,
                ErrorKind::Transient,
                ErrorKind::Permanent,
                ErrorKind::Permanent
            ]
        );
        assert!(failed(&res.lines[4].1).message.contains("pay up"));
        let problems = res.problems.join("\n");
        assert!(problems.contains("no custom_id"), "{problems}");
        assert!(problems.contains("more than one result line"), "{problems}");
        assert_eq!(
            res.problems
                .iter()
                .filter(|p| p.contains("unreadable"))
                .count(),
            5,
            "{problems}"
        );

        // Nothing at all, and ids sent twice.
        let twice = vec!["a".to_string(), "a".to_string()];
        let res = read_results("L", "m", &[], &twice, None);
        assert_eq!(res.lines.len(), 1);
        assert_eq!(failed(&res.lines[0].1).kind, ErrorKind::Transient);
    }

    #[test]
    fn line_errors_without_a_status_are_classified_by_code() {
        let kind = |code: &str| line_error("L", "w", &json!({"code": code, "message": "m"})).kind;
        assert_eq!(kind("batch_expired"), ErrorKind::Transient);
        assert_eq!(kind("batch_cancelled"), ErrorKind::Transient);
        assert_eq!(kind("server_error"), ErrorKind::Transient);
        assert_eq!(kind("rate_limit_exceeded"), ErrorKind::RateLimited);
        assert_eq!(kind("insufficient_quota"), ErrorKind::Permanent);
        assert_eq!(kind("invalid_request"), ErrorKind::Permanent);
        assert_eq!(
            line_error("L", "w", &json!("plain")).kind,
            ErrorKind::Permanent
        );
    }

    #[tokio::test]
    async fn cancel_moves_the_batch_to_cancelled() {
        let m = mock(End::Completed);
        m.lock().unwrap().polls_to_start = 100;
        let root = serve_mock(m).await;
        let c = client(&root, Duration::from_secs(2));
        let reqs = requests(&["c-1"]);
        let id = c
            .create(&c.upload(&reqs).await.unwrap(), window(), None)
            .await
            .unwrap();
        assert_eq!(c.get(&id).await.unwrap().status, BatchStatus::Validating);
        assert_eq!(c.cancel(&id).await.unwrap().status, BatchStatus::Cancelling);
        let (state, _) = until_final(&c, &id).await;
        assert_eq!(state.status, BatchStatus::Cancelled);
        // A 404 is classified as every backend's is (a profile pointing at nothing); what a
        // lost batch means is the poller's to decide.
        let e = c.get(&BatchId("batch_404".into())).await.unwrap_err();
        assert_eq!((e.kind, e.status), (ErrorKind::Unavailable, Some(404)));
    }

    type Headers = &'static [(&'static str, &'static str)];

    /// A server that answers every request with `status`, `headers` and `body`.
    async fn fixed(status: u16, headers: Headers, body: String) -> String {
        let app = Router::new().fallback(move || async move {
            let mut h = HeaderMap::new();
            for (k, v) in headers {
                h.insert(*k, v.parse().unwrap());
            }
            (StatusCode::from_u16(status).unwrap(), h, body).into_response()
        });
        serve(app).await
    }

    /// Every API call, each one's error.
    async fn every_call(c: &BatchClient) -> Vec<(&'static str, GenError)> {
        let reqs = requests(&["k-1"]);
        let mut all = state_calls(c).await;
        all.push((
            "results",
            c.results(Some("file-2"), None, &ids(&reqs))
                .await
                .unwrap_err(),
        ));
        all
    }

    /// Every API call that reads a JSON reply, each one's error.
    async fn state_calls(c: &BatchClient) -> Vec<(&'static str, GenError)> {
        let reqs = requests(&["k-1"]);
        let id = BatchId("batch_1".into());
        vec![
            ("upload", c.upload(&reqs).await.unwrap_err()),
            (
                "create",
                c.create("file-1", window(), None).await.unwrap_err(),
            ),
            ("get", c.get(&id).await.unwrap_err()),
            ("cancel", c.cancel(&id).await.unwrap_err()),
        ]
    }

    #[tokio::test]
    async fn api_errors_are_classified_like_the_openai_backend() {
        let echo = format!(
            r#"{{"error":{{"message":"Incorrect API key provided: {KEY}","code":"invalid_api_key"}}}}"#
        );
        let cases: Vec<(u16, Headers, String, ErrorKind)> = vec![
            (
                429,
                &[("retry-after", "7")],
                r#"{"error":{"message":"slow down"}}"#.into(),
                ErrorKind::RateLimited,
            ),
            (
                500,
                &[],
                r#"{"error":{"message":"overloaded"}}"#.into(),
                ErrorKind::Transient,
            ),
            (503, &[], "busy".into(), ErrorKind::Transient),
            (408, &[], "".into(), ErrorKind::Transient),
            (401, &[], echo, ErrorKind::Permanent),
            (
                400,
                &[],
                r#"{"error":{"message":"bad"}}"#.into(),
                ErrorKind::Permanent,
            ),
            (404, &[], "nope".into(), ErrorKind::Unavailable),
        ];
        for (status, headers, body, kind) in cases {
            let root = fixed(status, headers, body).await;
            let p = test_profile(&root, GeneratorKind::Openai);
            let sync = OpenAi::new("batchy", &p, Duration::from_secs(2), env_with_key()).unwrap();
            let reference = sync.submit(&spec()).await.unwrap_err();
            assert_eq!(reference.kind, kind, "{status}");
            for (call, e) in every_call(&client(&root, Duration::from_secs(2))).await {
                assert_eq!(
                    (e.kind, e.status, e.retry_after),
                    (reference.kind, reference.status, reference.retry_after),
                    "{call} on {status}: {}",
                    e.message
                );
                assert!(e.message.contains(&status.to_string()), "{}", e.message);
                assert_no_key(&e);
            }
        }
        // A 2xx that is not the expected JSON.
        let root = fixed(200, &[], "<html>proxy</html>".into()).await;
        let c = client(&root, Duration::from_secs(2));
        for (call, e) in state_calls(&c).await {
            assert_eq!(e.kind, ErrorKind::Transient, "{call}: {}", e.message);
        }
        // A result file that is not JSONL leaves every task unanswered (and so retried).
        let res = c
            .results(Some("file-2"), None, &["k-1".to_string()])
            .await
            .unwrap();
        assert_eq!(failed(&res.lines[0].1).kind, ErrorKind::Transient);
        assert!(res.problems[0].contains("unreadable"), "{:?}", res.problems);
        let root = fixed(200, &[], r#"{"object":"batch"}"#.into()).await;
        let e = client(&root, Duration::from_secs(2))
            .get(&BatchId("b".into()))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(e.message.contains("no id"), "{}", e.message);
    }

    #[tokio::test]
    async fn timeouts_follow_the_profile_and_refusals_are_transient() {
        let app = Router::new().fallback(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        });
        let root = serve(app).await;
        let c = client(&root, Duration::from_millis(300));
        let started = std::time::Instant::now();
        for (call, e) in every_call(&c).await {
            assert_eq!(e.kind, ErrorKind::Transient, "{call}");
            assert!(
                e.message.contains("timed out after 300ms"),
                "{call}: {}",
                e.message
            );
        }
        assert!(started.elapsed() < Duration::from_secs(4));

        let root = refused_url().await;
        for (call, e) in every_call(&client(&root, Duration::from_secs(2))).await {
            assert_eq!(e.kind, ErrorKind::Transient, "{call}");
            assert!(e.message.contains("connect"), "{call}: {}", e.message);
            assert_no_key(&e);
        }
    }

    #[tokio::test]
    async fn bad_batches_are_refused_before_anything_is_sent() {
        let m = mock(End::Completed);
        let root = serve_mock(m.clone()).await;
        let c = client(&root, Duration::from_secs(2));
        for (reqs, why) in [
            (requests(&[]), "at least one request"),
            (requests(&["a", "b", "a"]), "custom_id 'a' appears twice"),
            (requests(&["a", " "]), "empty custom_id"),
        ] {
            let e = c.upload(&reqs).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Permanent);
            assert!(e.message.contains(why), "{}", e.message);
        }
        let e = c
            .create("file-1", Duration::from_secs(90 * 60), None)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Permanent);
        assert!(e.message.contains("whole number of hours"), "{}", e.message);
        let m = m.lock().unwrap();
        assert!(m.uploads.is_empty() && m.creates.is_empty() && m.auth.is_empty());
        assert_eq!(
            window_text(Duration::from_secs(336 * 3600)).as_deref(),
            Some("336h")
        );
        assert_eq!(window_text(Duration::ZERO), None);
    }

    #[tokio::test]
    async fn missing_key_variable_is_permanent_and_named() {
        let root = refused_url().await;
        let mut p = test_profile(&root, GeneratorKind::Openai);
        p.api_key_env = Some("NOT_SET_ANYWHERE".into());
        let c = BatchClient::new(
            "batchy",
            &p,
            Duration::from_secs(1),
            Arc::new(|_: &str| None),
        )
        .unwrap();
        for (call, e) in every_call(&c).await {
            assert_eq!(e.kind, ErrorKind::Permanent, "{call}");
            assert!(
                e.message.contains("NOT_SET_ANYWHERE"),
                "{call}: {}",
                e.message
            );
        }
        p.model = Some(" ".into());
        let e = BatchClient::new("batchy", &p, Duration::from_secs(1), env_with_key()).unwrap_err();
        assert!(e.message.contains("model is not set"), "{}", e.message);
    }

    #[tokio::test]
    async fn result_lines_that_echo_the_key_are_scrubbed() {
        let lines = [
            json!({"custom_id": "k-1", "response": {"status_code": 401,
                "body": {"error": {"message": format!("Incorrect API key provided: {KEY}")}}}}),
            json!({"custom_id": format!("{KEY}-stranger"), "error": {"code": "x"}}),
            json!({"custom_id": "k-2", "error": {"code": "invalid_request", "message": format!("bad key {KEY}")}}),
        ];
        let body = lines
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
            + &format!("\n{{\"custom_id\": \"{}{KEY}\"}}", "x".repeat(60))
            + &format!("\n{{\"custom_id\": \"{KEY}");
        let root = fixed(200, &[], body).await;
        let c = client(&root, Duration::from_secs(2));
        let res = c
            .results(
                Some("file-1"),
                Some("file-2"),
                &ids(&requests(&["k-1", "k-2"])),
            )
            .await
            .unwrap();
        for (_, r) in &res.lines {
            let e = failed(r);
            assert_eq!(e.kind, ErrorKind::Permanent);
            assert_no_key(e);
            assert!(e.message.contains("***"), "{}", e.message);
        }
        assert!(res.problems.len() >= 2, "{:?}", res.problems);
        assert!(res.problems.len() >= 3, "{:?}", res.problems);
        for p in &res.problems {
            assert!(!p.contains(&KEY[..5]), "key leaked: {p}");
        }
    }
}
