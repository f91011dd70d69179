//! A mock OpenAI-compatible generator for benchmarks that run the real binary: it answers
//! every `POST /v1/chat/completions` after a fixed delay, from a runtime on its own thread.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use tokio_util::sync::CancellationToken;

/// Microseconds since the epoch, comparable with the store's millisecond stamps.
pub fn epoch_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

#[derive(Default)]
pub struct Stats {
    pub requests: AtomicU64,
    in_flight: AtomicI64,
    pub max_in_flight: AtomicI64,
    /// Sum over requests of the time spent in the handler, µs: ÷ the span = mean in flight.
    pub busy_us: AtomicI64,
    pub first_us: AtomicI64,
    pub last_done_us: AtomicI64,
}

struct Shared {
    delay: Duration,
    reply: Bytes,
    stats: Arc<Stats>,
}

pub struct Mock {
    /// The `base_url` of a generator profile of kind `openai`.
    pub base_url: String,
    pub stats: Arc<Stats>,
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Mock {
    pub fn start(delay: Duration) -> Mock {
        Mock::start_with_usage(delay, 150, 80)
    }

    /// A mock whose replies report `prompt` and `completion` tokens in their `usage`.
    pub fn start_with_usage(delay: Duration, prompt: u64, completion: u64) -> Mock {
        let article = "# 集群基准测试\n\n本文由模拟生成器返回，用于测量多个守护进程共享一个 \
                       PostgreSQL 存储时的效率。\n\n## 要点\n\n- 领取使用 SKIP LOCKED。\n\
                       - 每个守护进程有自己的并发上限。\n\n## 结论\n\n生成器在固定延迟后作答。\n";
        let reply = serde_json::json!({
            "id": "chatcmpl-cluster-bench",
            "object": "chat.completion",
            "created": 0,
            "model": "bench-model",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": article},
                "finish_reason": "stop"
            }],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion
            }
        });
        let stats = Arc::new(Stats {
            first_us: AtomicI64::new(i64::MAX),
            ..Stats::default()
        });
        let shared = Arc::new(Shared {
            delay,
            reply: Bytes::from(serde_json::to_vec(&reply).expect("encode the reply")),
            stats: stats.clone(),
        });
        let stop = CancellationToken::new();
        let halt = stop.clone();
        let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
        let thread = std::thread::Builder::new()
            .name("mock-openai".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("mock runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind the mock");
                    tx.send(listener.local_addr().expect("mock address"))
                        .expect("send the mock address");
                    let app = Router::new()
                        .route("/v1/chat/completions", post(answer))
                        .with_state(shared);
                    tokio::select! {
                        r = axum::serve(listener, app) => r.expect("serve the mock"),
                        _ = halt.cancelled() => {}
                    }
                });
            })
            .expect("start the mock thread");
        let addr = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the mock's address");
        Mock {
            base_url: format!("http://{addr}/v1"),
            stats,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn answer(State(s): State<Arc<Shared>>, _body: Bytes) -> impl IntoResponse {
    let st = &s.stats;
    let received = epoch_us();
    st.requests.fetch_add(1, Ordering::Relaxed);
    st.first_us.fetch_min(received, Ordering::Relaxed);
    let now = st.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    st.max_in_flight.fetch_max(now, Ordering::Relaxed);
    tokio::time::sleep(s.delay).await;
    let done = epoch_us();
    st.in_flight.fetch_sub(1, Ordering::Relaxed);
    st.busy_us.fetch_add(done - received, Ordering::Relaxed);
    st.last_done_us.fetch_max(done, Ordering::Relaxed);
    (
        [(header::CONTENT_TYPE, "application/json")],
        s.reply.clone(),
    )
}
