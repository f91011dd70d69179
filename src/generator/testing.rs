//! Test helpers the backends' tests share: a local server, a refused port, a profile and a spec.

use axum::Router;

use super::contract::{AccountSpec, Spec};
use super::profile::{GeneratorKind, GeneratorProfile};

/// Serves `app` on 127.0.0.1:0 and returns its root URL.
pub(crate) async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// A port nothing listens on (bound, then released).
pub(crate) async fn refused_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

pub(crate) fn profile(kind: GeneratorKind, base_url: &str) -> GeneratorProfile {
    GeneratorProfile {
        kind,
        base_url: Some(base_url.into()),
        model: Some("qwen2.5".into()),
        api_key_env: None,
        max_concurrent: None,
        timeout: None,
        command: None,
        temperature: None,
        max_tokens: None,
        target_audience: None,
        mode: None,
        remote_cancel: None,
        image_base_url: None,
        fallback: None,
        fallback_after: None,
        price_factor: None,
        rpm: None,
        tpm: None,
        rpd: None,
        tpd: None,
        rate_window: None,
        steps: None,
        step_profiles: None,
        batch_size: None,
        batch_wait: None,
        completion_window: None,
        poll_interval: None,
    }
}

pub(crate) fn spec() -> Spec {
    Spec {
        task_id: "task-000000000007".into(),
        attempt_key: "task-000000000007".into(),
        topic: "Rust 异步编程".into(),
        keywords: vec!["tokio".into(), "async".into()],
        category: Some("技术".into()),
        requirements: Some("多举例子".into()),
        tone: Some("专业".into()),
        priority: 5,
        feedback: Vec::new(),
        account: AccountSpec {
            name: "blog".into(),
            display_name: Some("Rust 周刊".into()),
            platform: "wechat".into(),
            language: "zh-CN".into(),
            persona: Some("一位资深 Rust 工程师".into()),
            min_words: Some(800),
            max_words: Some(1500),
            forbidden_words: vec!["震惊".into()],
            ..Default::default()
        },
        callback_url: None,
        children: Default::default(),
    }
}

/// The API key the OpenAI-shaped tests put in `TEST_OPENAI_KEY` (and check is never echoed).
pub(crate) const KEY: &str = "sk-test-SECRET-0123456789";

/// An environment with [`KEY`] in `TEST_OPENAI_KEY` and nothing else.
pub(crate) fn env_with_key() -> super::EnvLookup {
    std::sync::Arc::new(|name: &str| (name == "TEST_OPENAI_KEY").then(|| KEY.to_string()))
}
