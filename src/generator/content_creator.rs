//! The `content-creator` backend: the HTTP service the old system used (DESIGN §5), as it
//! was recorded behaving (`tests/data/content-creator/`). `base_url` is the service root.
//!
//! Two submission modes (the profile's `mode`):
//! - `sync` (the default): one `POST /api/tasks` with `mode:"sync"` that blocks until the
//!   article is done and answers with the whole result. It works on the unmodified service.
//! - `async`: `submit` queues a job (`mode:"async"`), the engine `poll`s its status and, once
//!   completed, this backend fetches the result. The unmodified service crashes on such a
//!   submit; a service whose queue works also calls back.
//!
//! `DELETE` is sent only with `remote_cancel = true`: the unmodified service keeps generating
//! after it, and crashes on a `DELETE` of a finished job.
//!
//! Wire contract, all camelCase, never a null field:
//! - `POST {root}/api/tasks` `{mode, topic, requirements, targetAudience, keywords[], tone?,
//!   priority 1..4, idempotencyKey, callbackUrl?, callbackEnabled?, callbackEvents?}` →
//!   `202 {success, data:{taskId, status}}`
//! - `GET {root}/api/tasks/{id}/status` → `{data:{status, currentStep, progress}}`
//! - `GET {root}/api/tasks/{id}/result` → `{data:{content, htmlContent, images[], wordCount}}`:
//!   `content` is the draft with `image-placeholder-N` links, `htmlContent` the final article
//!   (Markdown, despite its name) linking the images by their paths on the service's disk; no
//!   `qualityScore`. The sync reply and the `completed` callback add `images[].url`,
//!   `images[].localPath` and `qualityScore`.
//! - `GET {root}/api/tasks/{id}` → `{data:{id, status, errorMessage, …}}`: the only place the
//!   reason of a failed job is given (`/status` says `failed` without one)
//! - `DELETE {root}/api/tasks/{id}`; `GET {root}/health` for `probe`
//! - errors: `{success:false, error:{message, code}}`

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;

use super::contract::{GenError, Generator, Output, Polled, Probe, Spec, Submitted, Transport};
use super::http;
use super::profile::{GeneratorProfile, SubmitMode};
use super::reply::{error_text, f64_of, image_of, scalar};
use crate::domain::content::{first_heading, rewrite_images, summarize};
use crate::domain::Image;

/// The events we ask content-creator to call back for.
pub const CALLBACK_EVENTS: [&str; 3] = ["completed", "failed", "progress"];

#[derive(Debug)]
pub struct ContentCreator {
    label: String,
    root: String,
    model: Option<String>,
    target_audience: Option<String>,
    mode: SubmitMode,
    remote_cancel: bool,
    image_base_url: Option<String>,
    timeout: Duration,
    client: reqwest::Client,
    /// The service dropped the connection during a submit; a later refusal means it is gone.
    submit_dropped: AtomicBool,
}

/// The body of `POST /api/tasks`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRequest {
    pub mode: &'static str,
    pub topic: String,
    pub requirements: String,
    pub target_audience: String,
    pub keywords: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tone: Option<String>,
    /// The only constraints the service passes on to its prompts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hard_constraints: Option<HardConstraints>,
    pub priority: u8,
    pub idempotency_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_events: Option<[&'static str; 3]>,
}

/// `hardConstraints`: the account's word range and the task's keywords; what is absent is
/// left out.
#[derive(Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HardConstraints {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_words: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_words: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
}

/// Our priority (10 most urgent) on content-creator's BullMQ scale (1 most urgent, 1..4).
pub fn remote_priority(p: u8) -> u8 {
    match p {
        9.. => 1,
        6..=8 => 2,
        3..=5 => 3,
        _ => 4,
    }
}

fn nonempty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl ContentCreator {
    pub fn new(name: &str, p: &GeneratorProfile, timeout: Duration) -> Result<Self, GenError> {
        let label = format!("content-creator generator '{name}'");
        let root = p
            .base_url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty())
            .ok_or_else(|| GenError::permanent(format!("{label}: base_url is not set")))?;
        Ok(ContentCreator {
            client: http::client(&label, timeout)?,
            label,
            root,
            model: nonempty(p.model.as_deref()),
            target_audience: nonempty(p.target_audience.as_deref()),
            mode: p.submit_mode(),
            remote_cancel: p.remote_cancel.unwrap_or(false),
            image_base_url: nonempty(p.image_base_url.as_deref()),
            timeout,
            submit_dropped: AtomicBool::new(false),
        })
    }

    /// The request body for a spec (public for the engine's and tests' inspection).
    pub fn request_body(&self, spec: &Spec) -> TaskRequest {
        let a = &spec.account;
        let zh = a.language.trim().to_ascii_lowercase().starts_with("zh");
        let topic = spec.topic.trim().to_string();
        let requirements = nonempty(spec.requirements.as_deref()).unwrap_or_else(|| {
            if zh {
                format!("请围绕「{topic}」撰写一篇结构清晰、内容准确、观点明确的原创文章。")
            } else {
                format!("Write a well-structured, accurate and original article about \"{topic}\".")
            }
        });
        let target_audience = self.target_audience.clone().unwrap_or_else(|| {
            let who = nonempty(a.display_name.as_deref()).or_else(|| nonempty(Some(&a.name)));
            let platform = nonempty(Some(&a.platform));
            match (who, platform, zh) {
                (Some(w), Some(p), true) => format!("{p}账号「{w}」的读者"),
                (Some(w), None, true) => format!("「{w}」的读者"),
                (Some(w), Some(p), false) => format!("Readers of {w} on {p}"),
                (Some(w), None, false) => format!("Readers of {w}"),
                (None, _, _) => match (nonempty(a.persona.as_deref()), zh) {
                    (Some(persona), true) => format!("关注{persona}的读者"),
                    (Some(persona), false) => format!("Readers who follow {persona}"),
                    (None, true) => "对该主题感兴趣的普通读者".into(),
                    (None, false) => "General readers interested in the topic".into(),
                },
            }
        });
        // A sync request answers with the result itself: no callback to ask for.
        let callback_url =
            nonempty(spec.callback_url.as_deref()).filter(|_| self.mode == SubmitMode::Async);
        let has_callback = callback_url.is_some();
        let keywords: Vec<String> = spec
            .keywords
            .iter()
            .map(|k| k.trim())
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect();
        let constraints = HardConstraints {
            min_words: a.min_words.filter(|n| *n > 0),
            max_words: a.max_words.filter(|n| *n > 0),
            keywords: keywords.clone(),
        };
        TaskRequest {
            mode: self.mode.as_str(),
            topic,
            requirements,
            target_audience,
            keywords,
            tone: nonempty(spec.tone.as_deref()).or_else(|| nonempty(a.tone.as_deref())),
            hard_constraints: (constraints != HardConstraints::default()).then_some(constraints),
            priority: remote_priority(spec.priority),
            idempotency_key: nonempty(Some(&spec.attempt_key))
                .unwrap_or_else(|| spec.task_id.clone()),
            callback_url,
            callback_enabled: has_callback.then_some(true),
            callback_events: has_callback.then_some(CALLBACK_EVENTS),
        }
    }

    fn url(&self, job: Option<&str>, tail: &str) -> String {
        match job {
            Some(id) => format!("{}/api/tasks/{}{tail}", self.root, encode_segment(id)),
            None => format!("{}{tail}", self.root),
        }
    }

    async fn send(
        &self,
        what: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<http::Reply, GenError> {
        http::send(&self.label, what, self.timeout, req).await
    }

    /// The `data` of a 2xx envelope. `success:false` or a reply without data is unexpected
    /// (transient); a reply that is not wrapped in `{data}` is taken as the data itself.
    fn data(&self, reply: &http::Reply, what: &str) -> Result<Value, GenError> {
        let v: Value = reply.json(&self.label, what)?;
        if v.get("success") == Some(&Value::Bool(false)) {
            let why = v
                .get("error")
                .and_then(error_text)
                .unwrap_or_else(|| "no reason given".into());
            if let Some(unavailable) = v
                .get("error")
                .and_then(|e| http::ErrorFields::of(e).unavailable())
            {
                return Err(GenError::unavailable(format!(
                    "{}: {what}: the service reported failure: {why} [{unavailable}]",
                    self.label
                )));
            }
            return Err(GenError::transient(format!(
                "{}: {what}: the service reported failure: {why}",
                self.label
            )));
        }
        match v.get("data") {
            Some(d) if d.is_object() => Ok(d.clone()),
            _ if v.is_object() && v.get("data").is_none() => Ok(v),
            _ => Err(GenError::transient(format!(
                "{}: {what}: unexpected reply without data",
                self.label
            ))),
        }
    }

    /// Says in plain words what a failed submit means when the service dropped the
    /// connection during one and now refuses connections: it has most likely crashed, which
    /// `mode = "async"` does to the unmodified service.
    fn explain_submit_failure(&self, e: GenError) -> GenError {
        match e.transport {
            Some(Transport::Dropped) => {
                self.submit_dropped.store(true, Ordering::Relaxed);
                GenError {
                    message: format!(
                        "{}: the service closed the connection during submit ({})",
                        self.label, e.message
                    ),
                    ..e
                }
            }
            Some(Transport::Refused) if self.submit_dropped.load(Ordering::Relaxed) => GenError {
                message: format!(
                    "{}: the service closed the connection during submit and now refuses connections (it may have crashed); see `mode` in the guide ({})",
                    self.label, e.message
                ),
                ..e
            },
            _ => e,
        }
    }

    async fn result(&self, job: &str) -> Result<Output, GenError> {
        let what = format!("GET /api/tasks/{job}/result");
        let reply = self
            .send(&what, self.client.get(self.url(Some(job), "/result")))
            .await?;
        if reply.status == reqwest::StatusCode::NOT_FOUND {
            // Completed but no result yet (or a lagging replica): poll again rather than fail.
            return Err(GenError::transient(format!(
                "{}: {what}: HTTP 404: the result is not available yet",
                self.label
            )));
        }
        reply.check(&self.label, &what)?;
        let data = self.data(&reply, &what)?;
        output_of(&data).ok_or_else(|| GenError::permanent("the generator returned empty content"))
    }

    /// Why a failed job failed: `/status` does not say, `GET /api/tasks/{id}` does
    /// (`errorMessage`). Read once; "no reason given" only when the service gives none.
    async fn failure_reason(&self, job: &str) -> String {
        let what = format!("GET /api/tasks/{job}");
        let detail = async {
            let reply = self
                .send(&what, self.client.get(self.url(Some(job), "")))
                .await?;
            reply.check(&self.label, &what)?;
            self.data(&reply, &what)
        };
        match detail.await {
            Ok(data) => failure_of(&data).unwrap_or_else(|| "no reason given".into()),
            Err(e) => format!("no reason given with the status, and {e}"),
        }
    }
}

#[async_trait]
impl Generator for ContentCreator {
    async fn submit(&self, spec: &Spec) -> Result<Submitted, GenError> {
        let what = "POST /api/tasks";
        let body = self.request_body(spec);
        let sent = self
            .send(
                what,
                self.client.post(self.url(None, "/api/tasks")).json(&body),
            )
            .await;
        let reply = match sent {
            Ok(reply) => {
                self.submit_dropped.store(false, Ordering::Relaxed);
                reply
            }
            Err(e) => return Err(self.explain_submit_failure(e)),
        };
        if self.mode == SubmitMode::Sync {
            reply.check(&self.label, what)?;
            let data = self.data(&reply, what)?;
            return output_of(&data)
                .map(Submitted::Done)
                .ok_or_else(|| GenError::permanent("the generator returned empty content"));
        }
        // No key is ever posted twice, so a 409 is not a dedupe to adopt: it is an error like
        // any other (the next attempt takes a new key), and nothing is polled that the
        // service may not know.
        reply.check(&self.label, what)?;
        let data = self.data(&reply, what)?;
        task_id(&data).map(Submitted::Remote).ok_or_else(|| {
            GenError::transient(format!(
                "{}: {what}: unexpected reply: no taskId",
                self.label
            ))
        })
    }

    async fn poll(&self, job: &str) -> Result<Polled, GenError> {
        let what = format!("GET /api/tasks/{job}/status");
        let reply = self
            .send(&what, self.client.get(self.url(Some(job), "/status")))
            .await?;
        if reply.status == reqwest::StatusCode::NOT_FOUND {
            // The service no longer knows the job (restarted, expired): submit it again.
            return Ok(Polled::Failed(GenError::transient(format!(
                "{}: remote task {job} is unknown to the service (HTTP 404)",
                self.label
            ))));
        }
        reply.check(&self.label, &what)?;
        let data = self.data(&reply, &what)?;
        let status = data
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Ok(match status.as_str() {
            "pending" | "waiting" | "queued" | "delayed" | "paused" | "prioritized"
            | "waiting-children" => Polled::Pending,
            "running" | "active" | "processing" => Polled::Running {
                progress: data.get("progress").and_then(percent),
                step: data.get("currentStep").and_then(scalar),
            },
            "completed" => Polled::Done(self.result(job).await?),
            "failed" => {
                let why = match failure_of(&data) {
                    Some(why) => why,
                    None => self.failure_reason(job).await,
                };
                Polled::Failed(GenError::transient(format!(
                    "{}: remote task {job} failed: {why}",
                    self.label
                )))
            }
            "cancelled" | "canceled" => Polled::Failed(GenError::permanent(format!(
                "{}: remote task {job} was cancelled on the service",
                self.label
            ))),
            other => {
                return Err(GenError::transient(format!(
                    "{}: {what}: unknown status {other:?}",
                    self.label
                )))
            }
        })
    }

    fn cancels_remote(&self) -> bool {
        self.remote_cancel
    }

    /// Posting a key the service knows destroys its job, even a completed one.
    fn takes_idempotency_keys(&self) -> bool {
        true
    }

    /// `DELETE /api/tasks/{id}`; a 404 means it is already gone. Sent only when the profile
    /// sets `remote_cancel = true` (see [`Generator::cancels_remote`]).
    async fn cancel(&self, job: &str) -> Result<(), GenError> {
        let what = format!("DELETE /api/tasks/{job}");
        let reply = self
            .send(&what, self.client.delete(self.url(Some(job), "")))
            .await?;
        if reply.status == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        reply.check(&self.label, &what)
    }

    /// `GET {root}/health`: any 2xx is fine. Never a job's status: the service crashes on a
    /// question about a job it does not know.
    async fn probe(&self) -> Result<Probe, GenError> {
        let what = "GET /health";
        self.send(what, self.client.get(self.url(None, "/health")))
            .await?
            .check(&self.label, what)?;
        Ok(Probe::noting(format!(
            "service healthy (GET /health); submits in {} mode",
            self.mode.as_str()
        )))
    }

    /// Links the images the service gave only as paths on its disk to `image_base_url` +
    /// path, when the profile sets it.
    fn finish(&self, out: Output) -> Output {
        match &self.image_base_url {
            Some(base) => resolve_images(out, base),
            None => out,
        }
    }

    fn model(&self) -> Option<String> {
        self.model.clone()
    }
}

/// The reason a job's data gives for its failure, if any.
fn failure_of(data: &Value) -> Option<String> {
    ["errorMessage", "error", "failedReason", "message"]
        .iter()
        .find_map(|k| data.get(*k).and_then(error_text))
}

/// `base` joined with an image's path on the service's disk.
fn join_url(base: &str, path: &str) -> String {
    let path = path.trim().trim_start_matches("./").trim_start_matches('/');
    format!("{}/{path}", base.trim().trim_end_matches('/'))
}

/// Gives every image without a URL the address `base` + its path, and rewrites the body's
/// links to it.
pub fn resolve_images(mut out: Output, base: &str) -> Output {
    let mut moved: Vec<(String, String)> = Vec::new();
    for img in &mut out.images {
        if img.url.is_some() {
            continue;
        }
        if let Some(path) = &img.path {
            let url = join_url(base, path);
            moved.push((path.clone(), url.clone()));
            img.url = Some(url);
            img.unresolved = false;
        }
    }
    if !moved.is_empty() {
        out.body = rewrite_images(&out.body, |alt, target| {
            moved
                .iter()
                .find(|(path, _)| path == target)
                .map(|(_, url)| format!("![{alt}]({url})"))
        });
    }
    out
}

/// Whether a text is HTML rather than Markdown: it opens with a tag.
pub fn looks_like_html(text: &str) -> bool {
    let t = text.trim_start();
    let mut chars = t.chars();
    chars.next() == Some('<')
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '!')
        && (t.contains("</") || t.contains("/>"))
}

/// Points the body's image links at the images: `image-placeholder-N` at the N-th image, a
/// path on the service's disk at that image's URL when it has one. A placeholder with no
/// image to point at leaves only its alt text.
fn link_images(body: &str, images: &[crate::domain::Image]) -> String {
    rewrite_images(body, |alt, target| {
        if let Some(n) = target.strip_prefix(PLACEHOLDER) {
            let img = n
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| images.get(i));
            return Some(
                match img.and_then(|i| i.url.as_deref().or(i.path.as_deref())) {
                    Some(addr) => format!("![{alt}]({addr})"),
                    None => alt.to_string(),
                },
            );
        }
        let img = images.iter().find(|i| i.path.as_deref() == Some(target))?;
        let url = img.url.as_deref()?;
        Some(format!("![{alt}]({url})"))
    })
}

/// How the service's draft marks where an image goes.
const PLACEHOLDER: &str = "image-placeholder-";

/// `taskId` (or `id`) from a reply's `data` or the reply itself, as text.
fn task_id(v: &Value) -> Option<String> {
    let d = v.get("data").filter(|d| d.is_object()).unwrap_or(v);
    d.get("taskId").or_else(|| d.get("id")).and_then(scalar)
}

/// A progress number (0–100, or a numeric string) as a whole percent.
pub fn percent(v: &Value) -> Option<u8> {
    let n = v.as_f64().or_else(|| {
        v.as_str()
            .and_then(|s| s.trim().trim_end_matches('%').parse().ok())
    })?;
    n.is_finite().then(|| n.clamp(0.0, 100.0).round() as u8)
}

/// Maps a result's `data` (tolerating a nested `result`, missing optional fields and extra
/// ones) to an [`Output`]; `None` when there is no content. The same shape arrives from
/// `/result`, the sync reply and the `completed` callback.
///
/// The body is the final article: `htmlContent` when it is Markdown (as the service sends
/// it), else `content`, the draft. Its image links point at each image's URL when the service
/// gave one and at its path otherwise (unresolved until [`Generator::finish`] applies the
/// profile's `image_base_url`); no `image-placeholder-N` link is kept. `html` holds only real
/// HTML. The service's `wordCount` is not taken: the engine counts the final body.
pub fn output_of(data: &Value) -> Option<Output> {
    let d = match data.get("result") {
        Some(r) if r.is_object() && data.get("content").is_none() => r,
        _ => data,
    };
    let text = |k: &str| {
        d.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (final_markdown, html) = match text("htmlContent") {
        Some(h) if looks_like_html(&h) => (None, Some(h)),
        other => (other, None),
    };
    let body =
        final_markdown.or_else(|| ["content", "markdown", "body"].iter().find_map(|k| text(k)))?;
    let mut images: Vec<Image> = d
        .get("images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(image_of)
        .collect();
    // `image-placeholder-N` names the N-th of the service's images: link them before a
    // separate cover is put first.
    let body = link_images(&body, &images);
    let cover = ["coverImage", "coverImageUrl", "cover"]
        .iter()
        .find_map(|k| d.get(*k).and_then(image_of));
    if let Some(cover) = cover {
        if !images
            .iter()
            .any(|i| i.url == cover.url && i.path == cover.path)
        {
            images.insert(0, cover);
        }
    }
    Some(Output {
        title: first_heading(&body)
            .or_else(|| text("title"))
            .unwrap_or_default(),
        html,
        summary: text("summary").or_else(|| summarize(&body, 120)),
        images,
        word_count: None,
        quality_score: d.get("qualityScore").and_then(f64_of),
        model: text("model"),
        body,
        ..Output::default()
    })
}

/// Percent-encodes a job id for use as one path segment.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::extract::Path;
    use axum::http::{Method, StatusCode, Uri};
    use axum::response::IntoResponse;
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use serde_json::json;

    use super::*;
    use crate::domain::content::word_count;
    use crate::generator::contract::ErrorKind;
    use crate::generator::profile::GeneratorKind;
    use crate::generator::testing::{profile, refused_url, serve, spec};

    /// An `async` profile: most tests here exercise the job protocol.
    fn backend(root: &str) -> ContentCreator {
        with_mode(root, SubmitMode::Async)
    }

    fn with_mode(root: &str, mode: SubmitMode) -> ContentCreator {
        let mut p = profile(GeneratorKind::ContentCreator, &format!("{root}/"));
        p.mode = Some(mode);
        ContentCreator::new("cc", &p, Duration::from_secs(2)).unwrap()
    }

    /// The recorded reply of a sync submit on the unmodified service.
    const SYNC_REPLY: &str = include_str!("../../tests/data/content-creator/sync-response.json");

    #[tokio::test]
    async fn sync_submit_answers_with_the_article() {
        let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
        let s = seen.clone();
        let app = Router::new().route(
            "/api/tasks",
            post(move |Json(body): Json<Value>| async move {
                s.lock().unwrap().push(body);
                let reply: Value = serde_json::from_str(SYNC_REPLY).unwrap();
                (StatusCode::CREATED, Json(reply))
            }),
        );
        let g = with_mode(&serve(app).await, SubmitMode::Sync);
        let mut s = spec();
        s.callback_url = Some("http://127.0.0.1:9/api/v1/content/callback/task-1".into());
        let Submitted::Done(out) = g.submit(&s).await.unwrap() else {
            panic!("a sync submit answers with the article");
        };
        assert!(out.body.starts_with("# Rust 异步编程入门"), "{}", out.body);
        assert_eq!(out.quality_score, Some(8.6));
        let body = seen.lock().unwrap()[0].clone();
        assert_eq!(body["mode"], "sync");
        for k in ["callbackUrl", "callbackEnabled", "callbackEvents"] {
            assert!(body.get(k).is_none(), "{k} sent with a sync request");
        }
    }

    #[test]
    fn sync_is_the_default_and_delete_is_off() {
        let p = profile(GeneratorKind::ContentCreator, "http://127.0.0.1:9");
        let g = ContentCreator::new("cc", &p, Duration::from_secs(2)).unwrap();
        assert_eq!(g.request_body(&spec()).mode, "sync");
        assert!(!g.cancels_remote());
        let mut p = p;
        p.remote_cancel = Some(true);
        let g = ContentCreator::new("cc", &p, Duration::from_secs(2)).unwrap();
        assert!(g.cancels_remote());
    }

    /// As recorded in `async-submit-crash.jsonl`: the service drops the connection of the
    /// first submit and refuses every later one.
    #[tokio::test]
    async fn a_service_that_dies_during_submit_is_named() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let root = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            if let Ok((mut sock, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = sock.read(&mut buf).await;
            }
            // Socket and listener close here: the process is gone.
        });
        let g = backend(&root);
        let first = g.submit(&spec()).await.unwrap_err();
        assert_eq!(first.transport, Some(Transport::Dropped), "{first}");
        assert!(
            first
                .message
                .contains("closed the connection during submit"),
            "{first}"
        );
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let second = loop {
            let e = g.submit(&spec()).await.unwrap_err();
            if e.transport == Some(Transport::Refused) || std::time::Instant::now() > deadline {
                break e;
            }
        };
        assert!(
            second.message.contains(
                "the service closed the connection during submit and now refuses connections (it may have crashed); see `mode` in the guide"
            ),
            "{second}"
        );
        assert_eq!(second.kind, ErrorKind::Transient);
    }

    fn assert_no_nulls(v: &Value, path: &str) {
        match v {
            Value::Null => panic!("null at {path}"),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| assert_no_nulls(x, &format!("{path}[{i}]"))),
            Value::Object(o) => o
                .iter()
                .for_each(|(k, x)| assert_no_nulls(x, &format!("{path}.{k}"))),
            _ => {}
        }
    }

    /// A service that accepts every submit and records the bodies.
    async fn recording() -> (String, Arc<Mutex<Vec<Value>>>) {
        let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
        let s = seen.clone();
        let app = Router::new().route(
            "/api/tasks",
            post(move |Json(body): Json<Value>| async move {
                let n = {
                    let mut s = s.lock().unwrap();
                    s.push(body);
                    s.len()
                };
                (StatusCode::ACCEPTED, Json(json!({"success": true, "data": {"taskId": format!("cc-{n}"), "status": "pending"}})))
            }),
        );
        (serve(app).await, seen)
    }

    #[tokio::test]
    async fn submit_body_follows_the_contract() {
        let (root, seen) = recording().await;
        let g = backend(&root);
        let expected = [4, 4, 3, 3, 3, 2, 2, 2, 1, 1];
        for p in 1..=10u8 {
            let mut s = spec();
            s.priority = p;
            s.attempt_key = format!("task-000000000007-r{p}");
            assert_eq!(
                g.submit(&s).await.unwrap(),
                Submitted::Remote(format!("cc-{p}"))
            );
        }
        let first = seen.lock().unwrap().clone();
        for (i, body) in first.iter().enumerate() {
            assert_no_nulls(body, "$");
            assert_eq!(body["priority"], expected[i], "priority {}", i + 1);
            assert_eq!(body["mode"], "async");
            assert_eq!(body["topic"], "Rust 异步编程");
            assert_eq!(body["requirements"], "多举例子");
            assert_eq!(body["tone"], "专业");
            assert_eq!(body["keywords"], json!(["tokio", "async"]));
            assert_eq!(
                body["idempotencyKey"],
                format!("task-000000000007-r{}", i + 1)
            );
            assert!(!body["targetAudience"].as_str().unwrap().is_empty());
            for k in ["callbackUrl", "callbackEnabled", "callbackEvents"] {
                assert!(body.get(k).is_none(), "{k} sent without a callback url");
            }
        }

        // Defaults: no requirements, keywords, tone or display name; with a callback.
        let mut s = spec();
        s.requirements = None;
        s.keywords.clear();
        s.tone = None;
        s.account.display_name = None;
        s.callback_url =
            Some("http://127.0.0.1:9/api/v1/content/callback/task-000000000007".into());
        g.submit(&s).await.unwrap();
        s.account.language = "en-US".into();
        s.callback_url = None;
        g.submit(&s).await.unwrap();
        let seen = seen.lock().unwrap().clone();
        let (zh, en) = (&seen[10], &seen[11]);
        for body in [zh, en] {
            assert_no_nulls(body, "$");
            assert_eq!(body["keywords"], json!([]));
            assert!(body.get("tone").is_none());
            assert!(body["requirements"]
                .as_str()
                .unwrap()
                .contains("Rust 异步编程"));
            assert!(body["targetAudience"].as_str().unwrap().contains("blog"));
        }
        assert!(zh["requirements"].as_str().unwrap().contains("文章"));
        assert!(en["requirements"].as_str().unwrap().contains("article"));
        assert_eq!(
            zh["callbackUrl"],
            "http://127.0.0.1:9/api/v1/content/callback/task-000000000007"
        );
        assert_eq!(zh["callbackEnabled"], true);
        assert_eq!(
            zh["callbackEvents"],
            json!(["completed", "failed", "progress"])
        );
        assert!(en.get("callbackUrl").is_none());
    }

    #[test]
    fn target_audience_from_the_profile_wins() {
        let mut p = profile(GeneratorKind::ContentCreator, "http://127.0.0.1:1");
        p.target_audience = Some("后端工程师".into());
        let g = ContentCreator::new("cc", &p, Duration::from_secs(1)).unwrap();
        assert_eq!(g.request_body(&spec()).target_audience, "后端工程师");
        let mut p = profile(GeneratorKind::ContentCreator, "http://127.0.0.1:1");
        p.target_audience = None;
        let g = ContentCreator::new("cc", &p, Duration::from_secs(1)).unwrap();
        assert_eq!(
            g.request_body(&spec()).target_audience,
            "wechat账号「Rust 周刊」的读者"
        );
    }

    #[tokio::test]
    async fn poll_pending_running_completed() {
        let step = Arc::new(Mutex::new(0usize));
        let st = step.clone();
        let app = Router::new()
            .route(
                "/api/tasks/{id}/status",
                get(move |Path(id): Path<String>| async move {
                    assert_eq!(id, "cc-1");
                    let mut n = st.lock().unwrap();
                    *n += 1;
                    let data = match *n {
                        1 => json!({"status": "waiting", "progress": 0}),
                        2 => json!({"status": "pending"}),
                        3 => json!({"status": "running", "currentStep": "writing", "progress": 42.4, "extra": 1}),
                        _ => json!({"status": "completed", "progress": 100, "currentStep": null}),
                    };
                    Json(json!({"success": true, "data": data}))
                }),
            )
            .route(
                "/api/tasks/{id}/result",
                get(|| async {
                    Json(json!({"success": true, "data": {
                        "taskId": "cc-1",
                        "content": "# 深入 Rust 异步\n\n第一段。\n\n## 小节\n\n正文。",
                        "htmlContent": "<h1>深入 Rust 异步</h1>",
                        "images": [
                            {"url": "https://img.example/cover.png", "prompt": "a crab", "width": 1024, "height": 576, "seed": 7},
                            {"url": "https://img.example/2.png"},
                            {"prompt": "no url: skipped"}
                        ],
                        "qualityScore": 87.5,
                        "wordCount": 1234,
                        "metadata": {"anything": [1, 2]}
                    }}))
                }),
            );
        let root = serve(app).await;
        let g = backend(&root);
        assert_eq!(g.poll("cc-1").await.unwrap(), Polled::Pending);
        assert_eq!(g.poll("cc-1").await.unwrap(), Polled::Pending);
        assert_eq!(
            g.poll("cc-1").await.unwrap(),
            Polled::Running {
                progress: Some(42),
                step: Some("writing".into())
            }
        );
        let Polled::Done(out) = g.poll("cc-1").await.unwrap() else {
            panic!("not done")
        };
        assert_eq!(out.title, "深入 Rust 异步");
        assert!(out.body.starts_with("# 深入 Rust 异步"));
        assert_eq!(out.html.as_deref(), Some("<h1>深入 Rust 异步</h1>"));
        assert_eq!(out.images.len(), 2);
        // The engine takes the first image as the cover.
        assert_eq!(
            out.images[0].url.as_deref(),
            Some("https://img.example/cover.png")
        );
        assert_eq!(out.images[0].prompt.as_deref(), Some("a crab"));
        assert_eq!(
            (out.images[0].width, out.images[0].height),
            (Some(1024), Some(576))
        );
        assert_eq!(
            out.images[1],
            Image {
                url: Some("https://img.example/2.png".into()),
                ..Image::default()
            }
        );
        assert_eq!(out.quality_score, Some(87.5));
        // The service's count is not taken: the engine counts the final body.
        assert_eq!(out.word_count, None);
        assert_eq!(out.summary.as_deref(), Some("第一段。"));
    }

    #[test]
    fn result_mapping_is_tolerant() {
        let out = output_of(
            &json!({"content": "plain text", "title": "T", "coverImage": "https://x/c.png",
            "images": ["https://x/1.png"], "wordCount": "12", "qualityScore": null}),
        )
        .unwrap();
        assert_eq!(out.title, "T");
        let urls: Vec<_> = out.images.iter().map(|i| i.url.as_deref()).collect();
        assert_eq!(urls, [Some("https://x/c.png"), Some("https://x/1.png")]);
        assert_eq!(
            (out.word_count, out.quality_score, out.html),
            (None, None, None)
        );
        assert!(output_of(&json!({"content": "  "})).is_none());
        assert!(output_of(&json!({"result": {"content": "# nested"}})).is_some());
    }

    async fn status_server(data: Value) -> String {
        let app = Router::new()
            .route(
                "/api/tasks/{id}/status",
                get(move || async move { Json(json!({"success": true, "data": data})) }),
            )
            .route(
                "/api/tasks/{id}/result",
                get(|| async { Json(json!({"success": true, "data": {"content": ""}})) }),
            );
        serve(app).await
    }

    #[tokio::test]
    async fn failed_cancelled_and_unknown_jobs() {
        let root = status_server(json!({"status": "failed", "error": {"message": "model overloaded", "code": "E_MODEL"}})).await;
        let Polled::Failed(e) = backend(&root).poll("cc-1").await.unwrap() else {
            panic!()
        };
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(
            e.message.contains("model overloaded") && e.message.contains("E_MODEL"),
            "{}",
            e.message
        );

        let root = status_server(json!({"status": "cancelled"})).await;
        let Polled::Failed(e) = backend(&root).poll("cc-1").await.unwrap() else {
            panic!()
        };
        assert_eq!(e.kind, ErrorKind::Permanent);

        let root = status_server(json!({"status": "completed"})).await;
        let e = backend(&root).poll("cc-1").await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Permanent);
        assert!(e.message.contains("the generator returned empty content"));

        let root = status_server(json!({"status": "exploded"})).await;
        assert_eq!(
            backend(&root).poll("cc-1").await.unwrap_err().kind,
            ErrorKind::Transient
        );

        let root = serve(Router::new()).await;
        let Polled::Failed(e) = backend(&root).poll("cc-gone").await.unwrap() else {
            panic!()
        };
        assert_eq!(e.kind, ErrorKind::Transient);

        // Completed, but the result is not there (yet): keep polling, do not fail.
        let app = Router::new().route(
            "/api/tasks/{id}/status",
            get(|| async { Json(json!({"success": true, "data": {"status": "completed"}})) }),
        );
        let e = backend(&serve(app).await).poll("cc-1").await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
    }

    #[tokio::test]
    async fn cancel_sends_delete() {
        let seen: Arc<Mutex<Vec<(Method, String)>>> = Arc::default();
        let s = seen.clone();
        let app = Router::new().fallback(move |method: Method, uri: Uri| async move {
            s.lock().unwrap().push((method, uri.path().to_string()));
            if uri.path().ends_with("/gone") {
                (StatusCode::NOT_FOUND, Json(json!({"success": false, "error": {"message": "not found", "code": "NOT_FOUND"}})))
            } else {
                (StatusCode::OK, Json(json!({"success": true, "data": {"taskId": "cc-1", "status": "cancelled"}})))
            }
        });
        let root = serve(app).await;
        let g = backend(&root);
        g.cancel("cc-1").await.unwrap();
        g.cancel("gone").await.unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(
            *seen,
            [
                (Method::DELETE, "/api/tasks/cc-1".to_string()),
                (Method::DELETE, "/api/tasks/gone".to_string())
            ]
        );
    }

    #[tokio::test]
    async fn error_envelopes_are_classified() {
        async fn fixed(
            status: u16,
            headers: &'static [(&'static str, &'static str)],
            body: Value,
        ) -> String {
            let app = Router::new().route(
                "/api/tasks",
                post(move || async move {
                    let mut h = axum::http::HeaderMap::new();
                    for (k, v) in headers {
                        h.insert(*k, v.parse().unwrap());
                    }
                    (StatusCode::from_u16(status).unwrap(), h, Json(body)).into_response()
                }),
            );
            serve(app).await
        }
        let invalid = json!({"success": false, "error": {"message": "requirements is required", "code": "VALIDATION_ERROR"}});
        let e = backend(&fixed(422, &[], invalid).await)
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Permanent);
        assert!(
            e.message.contains("422")
                && e.message.contains("requirements is required")
                && e.message.contains("VALIDATION_ERROR")
        );

        let busy = json!({"success": false, "error": {"message": "queue down", "code": "REDIS"}});
        let e = backend(&fixed(503, &[], busy).await)
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);

        let e = backend(&fixed(429, &[("retry-after-ms", "1500")], json!({})).await)
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.retry_after),
            (ErrorKind::RateLimited, Some(Duration::from_millis(1500)))
        );

        // The service's model account is out of money or quota: the profile is unavailable,
        // in an error status or in a 2xx envelope that says `success: false`.
        let payment = json!({"success": false, "error": {"message": "payment required", "code": "PAYMENT_REQUIRED"}});
        let e = backend(&fixed(402, &[], payment).await)
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.status), (ErrorKind::Unavailable, Some(402)));
        let quota = json!({"success": false, "error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}});
        let e = backend(&fixed(200, &[], quota).await)
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable, "{}", e.message);

        // A 409 naming a job is not adopted: no key is posted twice, so it is not a dedupe,
        // and polling a job the service may not know would crash it.
        let dup = json!({"success": false, "error": {"message": "duplicate", "code": "DUPLICATE"}, "data": {"taskId": "cc-old"}});
        let e = backend(&fixed(409, &[], dup).await)
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.status), (ErrorKind::Transient, Some(409)));

        let e = backend(&fixed(202, &[], json!({"success": true, "data": {}})).await)
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);

        let e = backend(&refused_url().await)
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
    }

    #[tokio::test]
    async fn probe_hits_health() {
        let root = serve(Router::new().route("/health", get(|| async { "ok" }))).await;
        let p = backend(&root).probe().await.unwrap();
        assert_eq!(
            p.note.as_deref(),
            Some("service healthy (GET /health); submits in async mode")
        );
        let root = serve(Router::new()).await;
        assert_eq!(
            backend(&root).probe().await.unwrap_err().kind,
            ErrorKind::Unavailable
        );
    }

    // ---------------------------------------------------------------------------------
    // The recorded service (tests/data/content-creator).

    fn recorded(name: &str) -> String {
        let path = format!(
            "{}/tests/data/content-creator/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The recorded request/reply pairs of `file` whose method and path match.
    fn recorded_replies(file: &str, method: &str, path: &str) -> Vec<Value> {
        recorded(file)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["method"] == method && l["path"] == path)
            .collect()
    }

    fn async_result() -> Value {
        let pairs = recorded_replies(
            "async-session.jsonl",
            "GET",
            "/api/tasks/task-cae6b1e2c84e/result",
        );
        pairs[0]["reply"]["data"].clone()
    }

    fn cc_with_base(base: &str) -> ContentCreator {
        let mut p = profile(GeneratorKind::ContentCreator, "http://127.0.0.1:1");
        p.image_base_url = Some(base.into());
        ContentCreator::new("cc", &p, Duration::from_secs(1)).unwrap()
    }

    #[test]
    fn async_result_recording_is_the_final_article_with_unresolved_images() {
        let data = async_result();
        let final_md = data["htmlContent"].as_str().unwrap();
        assert!(data["content"]
            .as_str()
            .unwrap()
            .contains("](image-placeholder-1)"));
        let out = output_of(&data).unwrap();
        // The final article, images linked by their paths on the service's disk.
        assert_eq!(out.body, final_md.trim());
        assert!(!out.body.contains("image-placeholder"));
        assert!(out
            .body
            .contains("![示意图1](data/images/task-cae6b1e2c84e_0_1796461632194.png)"));
        assert_eq!(out.title, "Rust 异步编程入门：实践指南");
        assert_eq!(out.html, None, "htmlContent is Markdown, not HTML");
        assert_eq!(out.quality_score, None, "/result carries no qualityScore");
        assert_eq!(out.word_count, None, "the service's count is not taken");
        assert_eq!(out.images.len(), 2);
        assert_eq!(
            out.images[0],
            Image {
                url: None,
                path: Some("data/images/task-cae6b1e2c84e_0_1796461632194.png".into()),
                prompt: Some("Rust 异步编程入门 概念插画，简洁扁平风格".into()),
                width: Some(1920),
                height: Some(1920),
                format: None,
                unresolved: true,
            }
        );
        assert!(out.images.iter().all(|i| i.unresolved));

        // Without image_base_url, finishing changes nothing.
        let plain = backend("http://127.0.0.1:1");
        assert_eq!(plain.finish(out.clone()), out);

        // With it, every image gets base + path, and the body links to it.
        let done = cc_with_base("https://cdn.example.com/cc/").finish(out);
        let urls: Vec<_> = done.images.iter().map(|i| i.url.as_deref()).collect();
        assert_eq!(
            urls,
            [
                Some(
                    "https://cdn.example.com/cc/data/images/task-cae6b1e2c84e_0_1796461632194.png"
                ),
                Some(
                    "https://cdn.example.com/cc/data/images/task-cae6b1e2c84e_1_1796461632194.png"
                ),
            ]
        );
        assert!(done
            .images
            .iter()
            .all(|i| !i.unresolved && i.path.is_some()));
        assert!(done.body.contains(
            "![示意图1](https://cdn.example.com/cc/data/images/task-cae6b1e2c84e_0_1796461632194.png)"
        ));
        assert!(done.body.contains(
            "![示意图2](https://cdn.example.com/cc/data/images/task-cae6b1e2c84e_1_1796461632194.png)"
        ));
        assert!(!done.body.contains("](data/images/"));
        // Links are markup: our count of the final body is the article's words, however the
        // images are addressed.
        assert_eq!(word_count(&done.body), word_count(final_md));
    }

    /// What the sync reply and the `completed` callback give: the final article linking the
    /// images' absolute URLs, and a quality score.
    fn assert_complete_result(out: &Output, final_md: &str, urls: [&str; 2], paths: [&str; 2]) {
        assert!(!out.body.contains("image-placeholder"));
        assert!(!out.body.contains("](data/images/"), "{}", out.body);
        for (i, url) in urls.iter().enumerate() {
            assert!(
                out.body.contains(&format!("![示意图{}]({url})", i + 1)),
                "{}",
                out.body
            );
            assert_eq!(out.images[i].url.as_deref(), Some(*url));
            assert_eq!(out.images[i].path.as_deref(), Some(paths[i]));
            assert_eq!(out.images[i].format.as_deref(), Some("png"));
            assert!(!out.images[i].unresolved);
        }
        assert_eq!(out.images.len(), 2);
        assert_eq!(out.quality_score, Some(8.6));
        assert_eq!(out.html, None);
        assert_eq!(out.word_count, None);
        assert_eq!(word_count(&out.body), word_count(final_md));
        // The same body with the paths as they came: only the link targets differ.
        let mut back = out.body.clone();
        for (u, p) in urls.iter().zip(paths) {
            back = back.replace(u, p);
        }
        assert_eq!(back, final_md.trim());
    }

    #[test]
    fn sync_reply_recording_links_the_images_absolute_urls() {
        let v: Value = serde_json::from_str(&recorded("sync-response.json")).unwrap();
        let data = &v["data"];
        assert_eq!(data["wordCount"], 881);
        let out = output_of(data).unwrap();
        assert_complete_result(
            &out,
            data["htmlContent"].as_str().unwrap(),
            [
                "http://127.0.0.1:38205/img/d8452f907a15.png",
                "http://127.0.0.1:38205/img/003298707e95.png",
            ],
            [
                "data/images/task-curl-sync-1_0_1796461509189.png",
                "data/images/task-curl-sync-1_1_1796461509190.png",
            ],
        );
        assert_ne!(word_count(&out.body), 881, "our count, not the service's");
        // A base address does not override URLs the service gave.
        assert_eq!(
            cc_with_base("https://cdn.example.com").finish(out.clone()),
            out
        );
    }

    #[test]
    fn completed_callback_recording_links_the_images_absolute_urls() {
        let line = recorded("callbacks.jsonl")
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|l| l["body"]["event"] == "completed")
            .unwrap();
        let body = &line["body"];
        let out = output_of(body).unwrap();
        let final_md = body["result"]["htmlContent"].as_str().unwrap();
        assert_complete_result(
            &out,
            final_md,
            [
                "http://127.0.0.1:38205/img/5d3f3eed564c.png",
                "http://127.0.0.1:38205/img/ad0009e1b24c.png",
            ],
            [
                "data/images/task-b6a2b2570ed3_0_1796461733947.png",
                "data/images/task-b6a2b2570ed3_1_1796461733947.png",
            ],
        );
        // The callback's count is the draft's.
        assert_eq!(body["result"]["wordCount"], 791);
        assert_ne!(word_count(&out.body), 791);
    }

    #[test]
    fn the_draft_is_used_only_without_a_markdown_final_article() {
        let data = json!({
            "content": "# 标题\n\n正文。\n\n![图一](image-placeholder-1)\n\n![图二](image-placeholder-2)\n\n![](image-placeholder-x)",
            "htmlContent": "<h1>标题</h1><p>正文。</p>",
            "images": [{"url": "https://img.example/1.png"}]
        });
        let out = output_of(&data).unwrap();
        assert_eq!(out.html.as_deref(), Some("<h1>标题</h1><p>正文。</p>"));
        // The first placeholder gets its image; the others keep only their alt text.
        assert_eq!(
            out.body,
            "# 标题\n\n正文。\n\n![图一](https://img.example/1.png)\n\n图二\n\n"
        );
        assert!(looks_like_html("<!DOCTYPE html><html></html>"));
        assert!(!looks_like_html("# Title\n\n<br/>"));
        assert!(!looks_like_html("<not closed"));
    }

    #[tokio::test]
    async fn failed_job_reason_is_read_from_the_task_detail_once() {
        let status = recorded_replies(
            "async-session.jsonl",
            "GET",
            "/api/tasks/task-9b9a49ac0ed3/status",
        )
        .into_iter()
        .map(|l| l["reply"].clone())
        .find(|r| r["data"]["status"] == "failed")
        .unwrap();
        assert!(status["data"].get("errorMessage").is_none());
        let detail: Value = serde_json::from_str(&recorded("derived-task-detail.json")).unwrap();
        let details = Arc::new(Mutex::new(0usize));
        let n = details.clone();
        let app = Router::new()
            .route(
                "/api/tasks/{id}/status",
                get(move || async move { Json(status) }),
            )
            .route(
                "/api/tasks/{id}",
                get(move |Path(id): Path<String>| async move {
                    assert_eq!(id, "task-9b9a49ac0ed3");
                    *n.lock().unwrap() += 1;
                    Json(detail)
                }),
            );
        let g = backend(&serve(app).await);
        let Polled::Failed(e) = g.poll("task-9b9a49ac0ed3").await.unwrap() else {
            panic!("not failed")
        };
        assert!(
            e.message
                .ends_with("failed: connect ECONNREFUSED 127.0.0.1:38205"),
            "{}",
            e.message
        );
        assert_eq!(e.kind, ErrorKind::Transient);
        assert_eq!(*details.lock().unwrap(), 1);

        // A detail without a reason: truly none given.
        let app = Router::new()
            .route(
                "/api/tasks/{id}/status",
                get(|| async { Json(json!({"success": true, "data": {"status": "failed"}})) }),
            )
            .route(
                "/api/tasks/{id}",
                get(|| async {
                    Json(json!({"success": true, "data": {"id": "j", "status": "failed"}}))
                }),
            );
        let Polled::Failed(e) = backend(&serve(app).await).poll("j").await.unwrap() else {
            panic!("not failed")
        };
        assert!(
            e.message.ends_with("failed: no reason given"),
            "{}",
            e.message
        );

        // A detail that cannot be read says so.
        let app = Router::new().route(
            "/api/tasks/{id}/status",
            get(|| async { Json(json!({"success": true, "data": {"status": "failed"}})) }),
        );
        let Polled::Failed(e) = backend(&serve(app).await).poll("j").await.unwrap() else {
            panic!("not failed")
        };
        assert!(
            e.message.contains("no reason given with the status"),
            "{}",
            e.message
        );
        assert!(e.message.contains("GET /api/tasks/j"), "{}", e.message);
    }

    #[test]
    fn hard_constraints_carry_the_word_range_and_keywords() {
        let g = backend("http://127.0.0.1:1");
        let body = serde_json::to_value(g.request_body(&spec())).unwrap();
        assert_eq!(
            body["hardConstraints"],
            json!({"minWords": 800, "maxWords": 1500, "keywords": ["tokio", "async"]})
        );
        assert_eq!(body["keywords"], json!(["tokio", "async"]));
        assert_eq!(body["tone"], "专业");
        assert!(body["targetAudience"].is_string());

        let mut s = spec();
        s.account.min_words = None;
        s.keywords = vec![" ".into()];
        let body = serde_json::to_value(g.request_body(&s)).unwrap();
        assert_eq!(body["hardConstraints"], json!({"maxWords": 1500}));

        s.account.max_words = None;
        let body = serde_json::to_value(g.request_body(&s)).unwrap();
        assert!(body.get("hardConstraints").is_none());
    }
}
