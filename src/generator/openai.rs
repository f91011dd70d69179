//! The `openai` backend: one `POST {base_url}/chat/completions` per article against any
//! OpenAI-compatible server (OpenAI, DeepSeek, Qwen compatible mode, Ollama, vLLM, llama.cpp).
//!
//! The API key is read through the injected [`EnvLookup`] on every request and never kept,
//! logged or echoed: error messages are scrubbed of it and [`OpenAi`]'s `Debug` names only the
//! variable.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::contract::{EnvLookup, GenError, Generator, Output, Probe, Spec, Submitted};
use super::http;
use super::profile::GeneratorProfile;
use super::reply::error_text;
use super::step_prompt::step_prompt;
use crate::domain::content::{first_heading, summarize, word_count};
use crate::domain::rate::RateHeaders;
use crate::domain::step::Step;

pub struct OpenAi {
    /// The profile's name.
    name: String,
    ep: Endpoint,
}

// By hand: `env` is a closure, and nothing here may ever print a key (none is stored anyway).
impl fmt::Debug for OpenAi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAi")
            .field("name", &self.name)
            .field("endpoint", &self.ep)
            .finish()
    }
}

/// An OpenAI-compatible API as one profile reaches it: its address, model and key, the chat
/// settings, and the HTTP client. The `openai` backend and the Batch API client share it.
pub(crate) struct Endpoint {
    pub(crate) label: String,
    pub(crate) base_url: String,
    pub(crate) model: String,
    api_key_env: Option<String>,
    env: EnvLookup,
    pub(crate) temperature: Option<f64>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) timeout: Duration,
    pub(crate) client: reqwest::Client,
}

// By hand: `env` is a closure, and nothing here may ever print a key (none is stored anyway).
impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("label", &self.label)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key_env", &self.api_key_env)
            .field("temperature", &self.temperature)
            .field("max_tokens", &self.max_tokens)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// The endpoint of profile `p`, named `label` in messages; `base_url` and `model` are
    /// required.
    pub(crate) fn of(
        label: String,
        p: &GeneratorProfile,
        timeout: Duration,
        env: EnvLookup,
    ) -> Result<Endpoint, GenError> {
        let base_url = p
            .base_url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty())
            .ok_or_else(|| GenError::permanent(format!("{label}: base_url is not set")))?;
        let model = p
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .ok_or_else(|| GenError::permanent(format!("{label}: model is not set")))?
            .to_string();
        Ok(Endpoint {
            client: http::client(&label, timeout)?,
            label,
            base_url,
            model,
            api_key_env: p.api_key_env.clone().filter(|v| !v.trim().is_empty()),
            env,
            temperature: p.temperature,
            max_tokens: p.max_tokens,
            timeout,
        })
    }

    /// The key, when the profile names a variable. A named but unset variable is a config error.
    pub(crate) fn api_key(&self) -> Result<Option<String>, GenError> {
        api_key(&self.label, self.api_key_env.as_deref(), &self.env)
    }

    /// A request to `path` under the base URL, with the key as a bearer token when there is one.
    pub(crate) fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let req = self
            .client
            .request(method, format!("{}{path}", self.base_url));
        match key {
            Some(k) => req.bearer_auth(k),
            None => req,
        }
    }
}

impl OpenAi {
    pub fn new(
        name: &str,
        p: &GeneratorProfile,
        timeout: Duration,
        env: EnvLookup,
    ) -> Result<Self, GenError> {
        let ep = Endpoint::of(format!("openai generator '{name}'"), p, timeout, env)?;
        Ok(OpenAi {
            name: name.to_string(),
            ep,
        })
    }

    async fn complete(&self, body: ChatRequest, key: Option<&str>) -> Result<Output, GenError> {
        let what = "POST /chat/completions";
        let req = self
            .ep
            .request(reqwest::Method::POST, "/chat/completions", key)
            .json(&body);
        let sent_at = crate::domain::time::now_ms();
        let reply = http::send(&self.ep.label, what, self.ep.timeout, req).await?;
        let rate = Some(RateHeaders::read(|n| {
            reply.headers.get(n).and_then(|v| v.to_str().ok())
        }))
        .filter(RateHeaders::any)
        .map(|h| Box::new(h.sent(sent_at)));
        reply
            .check(&self.ep.label, what)
            .map_err(|e| e.with_rate(rate.clone()))?;
        let resp: ChatResponse = reply
            .json(&self.ep.label, what)
            .map_err(|e| e.with_rate(rate.clone()))?;
        match output_of(&self.ep.label, what, &self.ep.model, resp) {
            Ok(out) => Ok(Output { rate, ..out }),
            Err(e) => Err(e.with_rate(rate)),
        }
    }
}

/// The API key in variable `var`, when the profile names one. A named but unset variable is a
/// config error.
pub(crate) fn api_key(
    label: &str,
    var: Option<&str>,
    env: &EnvLookup,
) -> Result<Option<String>, GenError> {
    let Some(var) = var else {
        return Ok(None);
    };
    match env(var) {
        Some(k) if !k.trim().is_empty() => Ok(Some(k.trim().to_string())),
        _ => Err(GenError::permanent(format!(
            "{label}: the API key variable {var} is not set (api_key_env = \"{var}\")"
        ))),
    }
}

/// The chat completion request this backend sends for `spec`.
pub(crate) fn chat_request(
    model: &str,
    temperature: Option<f64>,
    max_tokens: Option<u32>,
    spec: &Spec,
) -> ChatRequest {
    chat_of(model, temperature, max_tokens, prompt(spec))
}

/// A chat completion request of a system and a user message.
fn chat_of(
    model: &str,
    temperature: Option<f64>,
    max_tokens: Option<u32>,
    (system, user): (String, String),
) -> ChatRequest {
    ChatRequest {
        model: model.to_string(),
        messages: [
            Message {
                role: "system",
                content: system,
            },
            Message {
                role: "user",
                content: user,
            },
        ],
        temperature,
        max_tokens,
    }
}

/// The article in a chat completion reply; `model` is recorded when the reply names none.
pub(crate) fn output_of(
    label: &str,
    what: &str,
    model: &str,
    resp: ChatResponse,
) -> Result<Output, GenError> {
    let Some(choice) = resp.choices.into_iter().next() else {
        let why = resp
            .error
            .as_ref()
            .and_then(error_text)
            .unwrap_or_else(|| "no choices".into());
        // A gateway may wrap "model not found" or "quota exhausted" in a 2xx.
        if let Some(unavailable) = resp
            .error
            .as_ref()
            .and_then(|e| http::ErrorFields::of(e).unavailable())
        {
            return Err(GenError::unavailable(format!(
                "{label}: {what}: {why} [{unavailable}]"
            )));
        }
        return Err(GenError::transient(format!(
            "{label}: {what}: unexpected reply: {why}"
        )));
    };
    let raw = choice.message.and_then(|m| m.content).unwrap_or_default();
    let body = clean_markdown(&raw);
    if body.is_empty() {
        let why = choice
            .finish_reason
            .map(|r| format!(" (finish_reason: {r})"))
            .unwrap_or_default();
        return Err(GenError::permanent(format!(
            "the generator returned empty content{why}"
        )));
    }
    let usage = resp.usage.unwrap_or_default();
    Ok(Output {
        title: first_heading(&body).unwrap_or_default(),
        summary: summarize(&body, 120),
        word_count: Some(word_count(&body)),
        model: resp
            .model
            .filter(|m| !m.trim().is_empty())
            .or_else(|| Some(model.to_string())),
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        body,
        ..Output::default()
    })
}

/// Removes every occurrence of `key` from an error message (a server may echo it back).
pub(crate) fn scrub(mut e: GenError, key: Option<&str>) -> GenError {
    if let Some(k) = key.filter(|k| !k.is_empty()) {
        e.message = e.message.replace(k, "***");
    }
    e
}

#[async_trait]
impl Generator for OpenAi {
    async fn submit(&self, spec: &Spec) -> Result<Submitted, GenError> {
        let key = self.ep.api_key()?;
        let key = key.as_deref();
        let body = chat_request(
            &self.ep.model,
            self.ep.temperature,
            self.ep.max_tokens,
            spec,
        );
        self.complete(body, key)
            .await
            .map(Submitted::Done)
            .map_err(|e| scrub(e, key))
    }

    /// One `POST /chat/completions` with the step's prompt (see `step_prompt`).
    async fn step(
        &self,
        spec: &Spec,
        step: Step,
        earlier: &[(Step, String)],
    ) -> Result<Output, GenError> {
        let key = self.ep.api_key()?;
        let key = key.as_deref();
        let messages = step_prompt(step, prompt(spec), spec, earlier);
        let body = chat_of(
            &self.ep.model,
            self.ep.temperature,
            self.ep.max_tokens,
            messages,
        );
        self.complete(body, key).await.map_err(|e| scrub(e, key))
    }

    /// `GET {base_url}/models`: a 2xx whose list, when it has one, names the profile's model.
    /// A service that lists nothing (or something unreadable) only shows it is reachable.
    async fn probe(&self) -> Result<Probe, GenError> {
        let key = self.ep.api_key()?;
        let key = key.as_deref();
        let what = "GET /models";
        let req = self.ep.request(reqwest::Method::GET, "/models", key);
        let result = async {
            let reply = http::send(&self.ep.label, what, self.ep.timeout, req).await?;
            reply.check(&self.ep.label, what)?;
            Ok(reply)
        };
        let reply = result.await.map_err(|e| scrub(e, key))?;
        let listed = serde_json::from_slice::<serde_json::Value>(&reply.body)
            .ok()
            .and_then(|v| model_ids(&v));
        judge(&self.name, &self.ep.model, listed).map_err(|e| scrub(e, key))
    }

    fn prompt_text(&self, spec: &Spec) -> String {
        let (system, user) = prompt(spec);
        format!("{system}\n{user}")
    }

    fn model(&self) -> Option<String> {
        Some(self.ep.model.clone())
    }
}

/// How many of a service's models a probe failure names.
const MODELS_SHOWN: usize = 5;

/// The model ids of a `GET /models` reply: OpenAI's `{"data": [...]}`, Ollama's
/// `{"models": [...]}` or a bare array, each entry a string or an object with `id` or `name`.
/// `None` when the reply is none of these.
fn model_ids(v: &serde_json::Value) -> Option<Vec<String>> {
    let list = match v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => o
            .get("data")
            .or_else(|| o.get("models"))
            .and_then(serde_json::Value::as_array)?,
        _ => return None,
    };
    let ids = list
        .iter()
        .filter_map(|m| match m {
            serde_json::Value::String(s) => Some(s.as_str()),
            _ => m
                .get("id")
                .or_else(|| m.get("name"))
                .and_then(serde_json::Value::as_str),
        })
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect::<Vec<_>>();
    // Entries that carry no id at all are not a model list we can judge.
    (ids.len() == list.len()).then_some(ids)
}

/// Whether the service serves `model` under the listed `id`: the same name, or the same
/// with Ollama's implied `:latest` tag or a `models/` prefix.
fn serves(id: &str, model: &str) -> bool {
    let id = id.strip_prefix("models/").unwrap_or(id);
    let model = model.strip_prefix("models/").unwrap_or(model);
    id == model
        || id.strip_suffix(":latest") == Some(model)
        || model.strip_suffix(":latest") == Some(id)
}

/// The probe's verdict on profile `name`'s `model` given the service's `listed` models.
fn judge(name: &str, model: &str, listed: Option<Vec<String>>) -> Result<Probe, GenError> {
    let ids = match listed {
        None => {
            return Ok(Probe::noting(format!(
                "GET /models gave no readable model list; model '{model}' not checked"
            )))
        }
        Some(ids) if ids.is_empty() => {
            return Ok(Probe::noting(format!(
                "GET /models lists no models; model '{model}' not checked"
            )))
        }
        Some(ids) => ids,
    };
    if ids.iter().any(|id| serves(id, model)) {
        return Ok(Probe::noting(format!("model '{model}' is listed")));
    }
    let n = ids.len();
    let mut shown = ids
        .iter()
        .take(MODELS_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if n > MODELS_SHOWN {
        shown.push_str(", …");
    }
    let models = if n == 1 { "model" } else { "models" };
    Err(GenError::permanent(format!(
        "model '{model}' is not served by profile '{name}' (it lists {n} {models}: {shown})"
    )))
}

#[derive(Serialize)]
pub(crate) struct ChatRequest {
    model: String,
    messages: [Message; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
}

#[derive(Serialize)]
struct Message {
    role: &'static str,
    content: String,
}

#[derive(Deserialize)]
pub(crate) struct ChatResponse {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<ChoiceMessage>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize, Default)]
struct Usage {
    #[serde(default)]
    prompt_tokens: Option<u32>,
    #[serde(default)]
    completion_tokens: Option<u32>,
}

/// Drops a leading `<think>…</think>` block (reasoning models) and a code fence wrapped around
/// the whole article, which some models add despite being asked not to.
fn clean_markdown(raw: &str) -> String {
    let mut s = raw.trim();
    if let Some(rest) = s.strip_prefix("<think>") {
        if let Some(end) = rest.find("</think>") {
            s = rest[end + "</think>".len()..].trim();
        }
    }
    if s.starts_with("```") && s.ends_with("```") && s.len() > 6 {
        if let Some(nl) = s.find('\n') {
            let inner = &s[nl + 1..s.len() - 3];
            if !inner.contains("```") {
                s = inner.trim();
            }
        }
    }
    s.to_string()
}

fn language_name(lang: &str) -> (bool, String) {
    let l = lang.trim().to_ascii_lowercase();
    if l.starts_with("zh") {
        let traditional = ["tw", "hk", "mo", "hant"].iter().any(|t| l.contains(t));
        return (
            true,
            if traditional {
                "繁體中文".into()
            } else {
                "简体中文".into()
            },
        );
    }
    let name = match l.split(['-', '_']).next().unwrap_or("") {
        "" | "en" => "English",
        "ja" => "Japanese",
        "ko" => "Korean",
        "fr" => "French",
        "de" => "German",
        "es" => "Spanish",
        "pt" => "Portuguese",
        "it" => "Italian",
        "ru" => "Russian",
        _ => return (false, format!("the language with code {}", lang.trim())),
    };
    (false, name.into())
}

/// The system and user messages for one article, in the account's language where it is Chinese
/// and in English (asking for the account's language) otherwise.
pub(crate) fn prompt(spec: &Spec) -> (String, String) {
    let a = &spec.account;
    let (zh, lang) = language_name(&a.language);
    let nonempty = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let persona = nonempty(&a.persona);
    let who = nonempty(&a.display_name)
        .or_else(|| Some(a.name.trim().to_string()).filter(|s| !s.is_empty()));
    let platform = Some(a.platform.trim().to_string()).filter(|s| !s.is_empty());
    let tone = nonempty(&spec.tone).or_else(|| nonempty(&a.tone));
    let category = nonempty(&spec.category).or_else(|| nonempty(&a.category));
    let keywords: Vec<&str> = spec
        .keywords
        .iter()
        .map(|k| k.trim())
        .filter(|k| !k.is_empty())
        .collect();
    let forbidden: Vec<&str> = a
        .forbidden_words
        .iter()
        .map(|k| k.trim())
        .filter(|k| !k.is_empty())
        .collect();

    let mut system = String::new();
    let mut user = String::new();
    if zh {
        system.push_str(&format!(
            "你是{}",
            persona.as_deref().unwrap_or("一位经验丰富的内容作者")
        ));
        match (&who, &platform) {
            (Some(w), Some(p)) => system.push_str(&format!("，为{p}上的账号「{w}」撰写文章")),
            (Some(w), None) => system.push_str(&format!("，为账号「{w}」撰写文章")),
            (None, Some(p)) => system.push_str(&format!("，为{p}撰写文章")),
            (None, None) => {}
        }
        system.push_str(&format!(
            "。请用{lang}写作，内容原创、准确、结构清晰。只输出文章本身，使用 Markdown 格式：第一行是唯一的一级标题（以「# 」开头），小节使用「## 」，不要把文章放进代码块，也不要附加任何解释。"
        ));
        user.push_str(&format!("请写一篇关于「{}」的文章。\n", spec.topic.trim()));
        if !keywords.is_empty() {
            user.push_str(&format!(
                "关键词（请自然地覆盖）：{}\n",
                keywords.join("、")
            ));
        }
        if let Some(c) = &category {
            user.push_str(&format!("分类：{c}\n"));
        }
        if let Some(t) = &tone {
            user.push_str(&format!("语气：{t}\n"));
        }
        match (a.min_words, a.max_words) {
            (Some(lo), Some(hi)) => user.push_str(&format!("篇幅：{lo}–{hi} 字\n")),
            (Some(lo), None) => user.push_str(&format!("篇幅：不少于 {lo} 字\n")),
            (None, Some(hi)) => user.push_str(&format!("篇幅：不超过 {hi} 字\n")),
            (None, None) => {}
        }
        if !forbidden.is_empty() {
            user.push_str(&format!("禁止使用这些词：{}\n", forbidden.join("、")));
        }
        if let Some(r) = nonempty(&spec.requirements) {
            user.push_str(&format!("其他要求：{r}\n"));
        }
        if !spec.feedback.is_empty() {
            user.push_str("上一稿未通过审核，请改正：\n");
            for f in &spec.feedback {
                user.push_str(&format!("- {f}\n"));
            }
        }
    } else {
        system.push_str(&format!(
            "You are {}",
            persona.as_deref().unwrap_or("an experienced writer")
        ));
        match (&who, &platform) {
            (Some(w), Some(p)) => {
                system.push_str(&format!(", writing for the account \"{w}\" on {p}"))
            }
            (Some(w), None) => system.push_str(&format!(", writing for the account \"{w}\"")),
            (None, Some(p)) => system.push_str(&format!(", writing for {p}")),
            (None, None) => {}
        }
        system.push_str(&format!(
            ". Write original, accurate, well-structured articles in {lang}. Reply with the article only, in Markdown: the first line is a single `# ` title heading, sections use `## `, do not wrap the article in a code block and add no commentary."
        ));
        user.push_str(&format!("Write an article about: {}\n", spec.topic.trim()));
        if !keywords.is_empty() {
            user.push_str(&format!(
                "Keywords to cover naturally: {}\n",
                keywords.join(", ")
            ));
        }
        if let Some(c) = &category {
            user.push_str(&format!("Category: {c}\n"));
        }
        if let Some(t) = &tone {
            user.push_str(&format!("Tone: {t}\n"));
        }
        match (a.min_words, a.max_words) {
            (Some(lo), Some(hi)) => user.push_str(&format!("Length: {lo}–{hi} words\n")),
            (Some(lo), None) => user.push_str(&format!("Length: at least {lo} words\n")),
            (None, Some(hi)) => user.push_str(&format!("Length: at most {hi} words\n")),
            (None, None) => {}
        }
        if !forbidden.is_empty() {
            user.push_str(&format!(
                "Never use these words: {}\n",
                forbidden.join(", ")
            ));
        }
        if let Some(r) = nonempty(&spec.requirements) {
            user.push_str(&format!("Further requirements: {r}\n"));
        }
        if !spec.feedback.is_empty() {
            user.push_str("The previous draft did not pass review; fix this:\n");
            for f in &spec.feedback {
                user.push_str(&format!("- {f}\n"));
            }
        }
    }
    (system, user.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use serde_json::{json, Value};

    use super::*;
    use crate::generator::contract::ErrorKind;
    use crate::generator::profile::GeneratorKind;
    use crate::generator::testing::{env_with_key, profile, refused_url, serve, spec, KEY};

    fn backend(root: &str, timeout: Duration) -> OpenAi {
        let mut p = profile(GeneratorKind::Openai, &format!("{root}/v1/"));
        p.api_key_env = Some("TEST_OPENAI_KEY".into());
        p.temperature = Some(0.7);
        OpenAi::new("default", &p, timeout, env_with_key()).unwrap()
    }

    fn completion(content: &str) -> Value {
        json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "qwen2.5:7b",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 42, "completion_tokens": 314, "total_tokens": 356}
        })
    }

    /// A server whose `/v1/chat/completions` always gives `status`, `headers` and `body`.
    async fn fixed(
        status: u16,
        headers: &'static [(&'static str, &'static str)],
        body: &'static str,
    ) -> String {
        let app = Router::new().route(
            "/v1/chat/completions",
            post(move || async move {
                let mut h = HeaderMap::new();
                for (k, v) in headers {
                    h.insert(*k, v.parse().unwrap());
                }
                (StatusCode::from_u16(status).unwrap(), h, body).into_response()
            }),
        );
        serve(app).await
    }

    /// A request as the mock saw it: the Authorization header and the JSON body.
    type Seen = (Option<String>, Value);

    fn assert_no_key(e: &GenError) {
        assert!(!e.message.contains(KEY), "key leaked: {}", e.message);
        assert!(!format!("{e:?}").contains(KEY));
    }

    #[tokio::test]
    async fn success_maps_title_body_and_tokens() {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let s = seen.clone();
        let app = Router::new().route(
            "/v1/chat/completions",
            post(
                move |headers: HeaderMap, Json(body): Json<Value>| async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    s.lock().unwrap().push((auth, body));
                    Json(completion(
                        "# 深入 Rust 异步\n\n第一段介绍 tokio 的运行时。\n\n## 小节\n\n更多内容。",
                    ))
                },
            ),
        );
        let root = serve(app).await;
        let g = backend(&root, Duration::from_secs(2));
        assert!(!format!("{g:?}").contains(KEY));
        let Submitted::Done(out) = g.submit(&spec()).await.unwrap() else {
            panic!("not done")
        };
        assert_eq!(out.title, "深入 Rust 异步");
        assert!(out.body.starts_with("# 深入 Rust 异步"));
        assert_eq!(out.summary.as_deref(), Some("第一段介绍 tokio 的运行时。"));
        assert_eq!(
            (out.prompt_tokens, out.completion_tokens),
            (Some(42), Some(314))
        );
        assert_eq!(out.model.as_deref(), Some("qwen2.5:7b"));

        let seen = seen.lock().unwrap();
        let (auth, body) = &seen[0];
        assert_eq!(auth.as_deref(), Some(format!("Bearer {KEY}").as_str()));
        assert_eq!(body["model"], "qwen2.5");
        assert_eq!(body["temperature"], 0.7);
        assert!(
            body.get("max_tokens").is_none(),
            "unset fields are not sent: {body}"
        );
        let msgs = body["messages"].as_array().unwrap();
        assert_eq!(
            (msgs[0]["role"].as_str(), msgs[1]["role"].as_str()),
            (Some("system"), Some("user"))
        );
        let all = format!("{}\n{}", msgs[0]["content"], msgs[1]["content"]);
        for needle in [
            "简体中文",
            "一位资深 Rust 工程师",
            "Rust 周刊",
            "wechat",
            "Rust 异步编程",
            "tokio",
            "技术",
            "专业",
            "800–1500",
            "震惊",
            "多举例子",
            "# ",
        ] {
            assert!(all.contains(needle), "prompt lacks {needle}: {all}");
        }
    }

    #[tokio::test]
    async fn missing_key_variable_is_permanent_and_named() {
        let root = refused_url().await;
        let mut p = profile(GeneratorKind::Openai, &format!("{root}/v1"));
        p.api_key_env = Some("NOT_SET_ANYWHERE".into());
        let g = OpenAi::new(
            "default",
            &p,
            Duration::from_secs(1),
            Arc::new(|_: &str| None),
        )
        .unwrap();
        let e = g.submit(&spec()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Permanent);
        assert!(e.message.contains("NOT_SET_ANYWHERE"), "{}", e.message);
    }

    #[tokio::test]
    async fn rate_limited_with_retry_after() {
        let root = fixed(
            429,
            &[("retry-after", "7")],
            r#"{"error":{"message":"slow down","code":"rate_limit"}}"#,
        )
        .await;
        let e = backend(&root, Duration::from_secs(2))
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
        assert!(e.message.contains("slow down"), "{}", e.message);
        assert_no_key(&e);

        let root = fixed(429, &[], "{}").await;
        let e = backend(&root, Duration::from_secs(2))
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.retry_after, Some(http::DEFAULT_RETRY_AFTER));
    }

    #[tokio::test]
    async fn server_errors_are_transient() {
        for status in [500, 503, 408, 409] {
            let root = fixed(status, &[], r#"{"error":{"message":"overloaded"}}"#).await;
            let e = backend(&root, Duration::from_secs(2))
                .submit(&spec())
                .await
                .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Transient, "{status}");
            assert!(
                e.message.contains(&status.to_string()) && e.message.contains("overloaded"),
                "{}",
                e.message
            );
        }
    }

    #[tokio::test]
    async fn unavailable_profiles_are_told_apart_from_rate_limits() {
        let cases = [
            (
                402,
                r#"{"error":{"message":"Payment required","type":"billing_error"}}"#,
                ErrorKind::Unavailable,
            ),
            (
                404,
                r#"{"error":{"message":"The model `qwen2.5` does not exist","type":"invalid_request_error","code":"model_not_found"}}"#,
                ErrorKind::Unavailable,
            ),
            (
                429,
                r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
                ErrorKind::Unavailable,
            ),
            (
                429,
                r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#,
                ErrorKind::RateLimited,
            ),
            (
                400,
                r#"{"error":{"message":"bad request","type":"invalid_request_error","code":null}}"#,
                ErrorKind::Permanent,
            ),
        ];
        for (status, body, kind) in cases {
            let root = fixed(status, &[], body).await;
            let e = backend(&root, Duration::from_secs(2))
                .submit(&spec())
                .await
                .unwrap_err();
            assert_eq!((e.kind, e.status), (kind, Some(status)), "{status} {body}");
        }
        // A gateway that wraps the error in a 200.
        let root = fixed(
            200,
            &[],
            r#"{"error":{"code":"model_not_found","message":"no such model"}}"#,
        )
        .await;
        let e = backend(&root, Duration::from_secs(2))
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable, "{}", e.message);
    }

    #[tokio::test]
    async fn unauthorized_is_permanent_and_never_shows_the_key() {
        // A server that echoes the key back must not get it into our message.
        let body = Box::leak(format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}","code":"invalid_api_key"}}}}"#).into_boxed_str());
        let root = fixed(401, &[], body).await;
        let e = backend(&root, Duration::from_secs(2))
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Permanent);
        assert!(
            e.message.contains("401") && e.message.contains("invalid_api_key"),
            "{}",
            e.message
        );
        assert_no_key(&e);
        for status in [400, 403, 422] {
            let root = fixed(status, &[], "nope").await;
            let e = backend(&root, Duration::from_secs(2))
                .submit(&spec())
                .await
                .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Permanent, "{status}");
        }
    }

    #[tokio::test]
    async fn garbage_body_is_transient() {
        let root = fixed(
            200,
            &[("content-type", "application/json")],
            "<html>proxy error</html>",
        )
        .await;
        let e = backend(&root, Duration::from_secs(2))
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(e.message.contains("malformed"), "{}", e.message);
        let root = fixed(200, &[], r#"{"unexpected":true}"#).await;
        let e = backend(&root, Duration::from_secs(2))
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
    }

    #[tokio::test]
    async fn empty_content_is_permanent() {
        for content in [json!(""), json!("  \n "), Value::Null] {
            let reply =
                json!({"choices": [{"message": {"role": "assistant", "content": content}}]});
            let app = Router::new().route(
                "/v1/chat/completions",
                post(move || async move { Json(reply) }),
            );
            let root = serve(app).await;
            let e = backend(&root, Duration::from_secs(2))
                .submit(&spec())
                .await
                .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Permanent);
            assert!(
                e.message.contains("the generator returned empty content"),
                "{}",
                e.message
            );
        }
    }

    #[tokio::test]
    async fn slow_reply_times_out_as_transient() {
        let app = Router::new().route(
            "/v1/chat/completions",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Json(completion("# late"))
            }),
        );
        let root = serve(app).await;
        let started = std::time::Instant::now();
        let e = backend(&root, Duration::from_millis(300))
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(e.message.contains("timed out"), "{}", e.message);
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn refused_connection_is_transient() {
        let root = refused_url().await;
        let e = backend(&root, Duration::from_secs(2))
            .submit(&spec())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(e.message.contains("connect"), "{}", e.message);
        assert_no_key(&e);
    }

    /// A server whose `/v1/models` answers `reply`.
    async fn listing(reply: Value) -> String {
        let app = Router::new().route("/v1/models", get(move || async move { Json(reply) }));
        serve(app).await
    }

    #[tokio::test]
    async fn probe_passes_when_the_model_is_listed() {
        for reply in [
            json!({"object": "list", "data": [{"id": "qwen-max"}, {"id": "qwen2.5"}]}),
            json!({"models": [{"name": "qwen2.5:latest"}]}),
            json!(["llama3", "qwen2.5"]),
        ] {
            let root = listing(reply.clone()).await;
            let p = backend(&root, Duration::from_secs(2))
                .probe()
                .await
                .unwrap_or_else(|e| panic!("{reply}: {e}"));
            assert_eq!(
                p.note.as_deref(),
                Some("model 'qwen2.5' is listed"),
                "{reply}"
            );
        }
    }

    #[tokio::test]
    async fn probe_fails_when_the_model_is_not_listed() {
        let ids: Vec<Value> = (1..=12).map(|i| json!({"id": format!("m{i}")})).collect();
        let root = listing(json!({ "data": ids })).await;
        let e = backend(&root, Duration::from_secs(2))
            .probe()
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Permanent);
        assert_eq!(
            e.message,
            "model 'qwen2.5' is not served by profile 'default' \
             (it lists 12 models: m1, m2, m3, m4, m5, …)"
        );
        assert_no_key(&e);

        let root = listing(json!({"data": [{"id": "qwen2.5-coder"}]})).await;
        let e = backend(&root, Duration::from_secs(2))
            .probe()
            .await
            .unwrap_err();
        assert_eq!(
            e.message,
            "model 'qwen2.5' is not served by profile 'default' (it lists 1 model: qwen2.5-coder)"
        );
    }

    #[tokio::test]
    async fn probe_only_checks_reachability_without_a_model_list() {
        for (reply, note) in [
            (json!({"data": []}), "GET /models lists no models"),
            (json!([]), "GET /models lists no models"),
            (json!({"object": "list"}), "no readable model list"),
            (
                json!({"data": [{"owned_by": "me"}]}),
                "no readable model list",
            ),
            (json!("ok"), "no readable model list"),
        ] {
            let root = listing(reply.clone()).await;
            let p = backend(&root, Duration::from_secs(2))
                .probe()
                .await
                .unwrap_or_else(|e| panic!("{reply}: {e}"));
            let got = p.note.unwrap_or_default();
            assert!(
                got.contains(note) && got.contains("model 'qwen2.5' not checked"),
                "{reply}: {got}"
            );
        }
        // Not JSON at all.
        let app = Router::new().route("/v1/models", get(|| async { "<html>hello</html>" }));
        let root = serve(app).await;
        let p = backend(&root, Duration::from_secs(2))
            .probe()
            .await
            .unwrap();
        assert!(p
            .note
            .unwrap_or_default()
            .contains("no readable model list"));
    }

    #[tokio::test]
    async fn probe_fails_when_unreachable_or_refused() {
        let root = refused_url().await;
        assert_eq!(
            backend(&root, Duration::from_secs(2))
                .probe()
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Transient
        );
        let root = serve(Router::new()).await;
        let e = backend(&root, Duration::from_secs(2))
            .probe()
            .await
            .unwrap_err();
        // A 404 says the service does not serve this: the profile is unavailable.
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(e.message.contains("404"), "{}", e.message);
    }

    #[test]
    fn served_names_tolerate_tags_and_prefixes() {
        assert!(serves("llama3:latest", "llama3"));
        assert!(serves("llama3", "llama3:latest"));
        assert!(serves("models/gemini-1.5-flash", "gemini-1.5-flash"));
        assert!(!serves("llama3:8b", "llama3"));
        assert!(!serves("qwen-plus", "qwen-plusx"));
    }

    #[test]
    fn english_prompt_and_cleanup() {
        let mut s = spec();
        s.account.language = "en-US".into();
        s.account.persona = None;
        let (system, user) = prompt(&s);
        assert!(system.contains("English") && system.contains("an experienced writer"));
        assert!(user.contains("800–1500 words") && user.contains("Never use these words: 震惊"));
        assert_eq!(
            clean_markdown("<think>hmm</think>\n```markdown\n# T\n\nbody\n```"),
            "# T\n\nbody"
        );
        assert_eq!(
            clean_markdown("# T\n\n```rs\nx\n```"),
            "# T\n\n```rs\nx\n```"
        );
    }
}
