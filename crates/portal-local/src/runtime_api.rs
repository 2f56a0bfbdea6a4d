//! A Lambda Runtime API on loopback, for running a built function binary as Lambda runs it:
//! the binary polls for events, answers them, and reports errors, over the same HTTP API.

use anyhow::Context;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc, oneshot};

type Answer = Result<Value, String>;

struct Shared {
    events: tokio::sync::Mutex<mpsc::Receiver<(String, Value)>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Answer>>>,
    first_poll: Mutex<Option<Instant>>,
    init_error: Mutex<Option<String>>,
    polled: Notify,
}

/// A running Runtime API. Dropping it stops the server.
pub struct RuntimeApi {
    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: SocketAddr,
    queue: mpsc::Sender<(String, Value)>,
    shared: Arc<Shared>,
    next_id: std::sync::atomic::AtomicU64,
    server: tokio::task::JoinHandle<()>,
}

impl RuntimeApi {
    /// Starts the API on a free loopback port.
    pub async fn start() -> anyhow::Result<Self> {
        let (queue, events) = mpsc::channel(16);
        let shared = Arc::new(Shared {
            events: tokio::sync::Mutex::new(events),
            waiting: Mutex::new(HashMap::new()),
            first_poll: Mutex::new(None),
            init_error: Mutex::new(None),
            polled: Notify::new(),
        });
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(respond),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self {
            address,
            queue,
            shared,
            next_id: 0.into(),
            server,
        })
    }

    /// When the runtime first asked for an event: the end of its cold start.
    pub async fn first_poll(&self, timeout: Duration) -> anyhow::Result<Instant> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.polled.notified();
            if let Some(at) = *lock(&self.shared.first_poll) {
                return Ok(at);
            }
            if let Some(error) = lock(&self.shared.init_error).clone() {
                anyhow::bail!("the function failed to start: {error}");
            }
            tokio::time::timeout_at(deadline, notified)
                .await
                .context("the function did not ask for an event in time")?;
        }
    }

    /// Hands `event` to the function and waits for its response.
    pub async fn invoke(&self, event: Value, timeout: Duration) -> anyhow::Result<Value> {
        let id = format!(
            "request-{}",
            self.next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let (tx, rx) = oneshot::channel();
        lock(&self.shared.waiting).insert(id.clone(), tx);
        self.queue
            .send((id, event))
            .await
            .context("the runtime API stopped")?;
        let answer = tokio::time::timeout(timeout, rx)
            .await
            .context("the function did not answer in time")?
            .context("the runtime API stopped")?;
        answer.map_err(|error| anyhow::anyhow!("the function reported an error: {error}"))
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    lock(&shared.first_poll).get_or_insert_with(Instant::now);
    shared.polled.notify_waiters();
    let Some((id, event)) = shared.events.lock().await.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let deadline = std::time::SystemTime::now() + Duration::from_secs(30);
    let deadline_ms = deadline
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", id);
    set("lambda-runtime-deadline-ms", deadline_ms.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:local".to_owned(),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0".to_owned(),
    );
    (headers, axum::Json(event)).into_response()
}

fn answer(shared: &Shared, id: &str, answer: Answer) -> StatusCode {
    match lock(&shared.waiting).remove(id) {
        Some(waiter) => {
            let _ = waiter.send(answer);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn respond(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: String,
) -> StatusCode {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    answer(&shared, &id, Ok(value))
}

async fn fail(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: String,
) -> StatusCode {
    answer(&shared, &id, Err(body))
}

async fn init_error(State(shared): State<Arc<Shared>>, body: String) -> StatusCode {
    *lock(&shared.init_error) = Some(body);
    shared.polled.notify_waiters();
    StatusCode::ACCEPTED
}

/// The environment Lambda gives a function, pointed at this API and at local stores.
pub fn lambda_environment(
    function: &str,
    runtime_api: SocketAddr,
    app: &crate::LocalApp,
) -> Vec<(String, String)> {
    let config = &app.config;
    [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", crate::emulators::ACCESS_KEY.to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY",
            crate::emulators::SECRET_KEY.to_owned(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        (
            "AWS_ENDPOINT_URL_DYNAMODB",
            app.emulators.dynamodb_endpoint.clone(),
        ),
        ("AWS_ENDPOINT_URL_S3", app.emulators.s3_endpoint.clone()),
        ("PORTAL_TABLE", config.table.clone()),
        ("PORTAL_DOCUMENTS_BUCKET", config.documents_bucket.clone()),
        (
            "PORTAL_CURSOR_SECRET",
            config.cursor_secret.clone().unwrap_or_default(),
        ),
        (
            "PORTAL_DOWNLOAD_TTL_SECONDS",
            config.download_ttl.as_secs().to_string(),
        ),
        (
            "PORTAL_PRINCIPAL_CACHE_SECONDS",
            config.principal_ttl.as_secs().to_string(),
        ),
        (
            "PORTAL_LAKE_BUCKET",
            config.lake_bucket.clone().unwrap_or_default(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
