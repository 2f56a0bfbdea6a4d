//! Test support for the integration tests in `api/`: a small, hand-made world of two customer
//! accounts and the seller's staff, loaded through the real store code into the embedded
//! emulators (or moto, for the store tests), and a running app to call.

pub mod drift;
pub mod fixture;
pub mod grants;
pub mod inject;
pub mod openapi;

use portal_local::LocalApp;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// A running local stack with the fixture loaded, served on a free port.
pub struct TestApp {
    pub local: LocalApp,
    pub url: String,
    /// What each function asked of AWS; checked against the template's grants when the app is
    /// dropped (see [`grants`]).
    pub recorder: grants::Recorder,
    client: reqwest::Client,
    _data: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// A response: status, content type and body as JSON (`Null` when the body is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The `items` of a list response.
    pub fn items(&self) -> &Vec<Value> {
        static EMPTY: Vec<Value> = Vec::new();
        self.body["items"].as_array().unwrap_or(&EMPTY)
    }

    /// The ids (`id` field) of a list response's items.
    pub fn ids(&self) -> Vec<String> {
        self.items()
            .iter()
            .filter_map(|i| i["id"].as_str().map(str::to_owned))
            .collect()
    }

    /// Asserts a problem+json error with the given status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.content_type, "application/problem+json",
            "body: {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "a problem says what was wrong"
        );
    }
}

/// Starts the stack on port 0 over a fresh data folder and loads the fixture. `TEST_LOG=1` shows logs.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|store| async move { fixture::load(&store).await }).await
}

/// Starts the stack with the fixture, every function's DynamoDB calls going through `faults`.
pub async fn spawn_faulty_app(faults: &inject::Faults) -> TestApp {
    spawn(
        |store| async move { fixture::load(&store).await },
        Some(faults.clone()),
    )
    .await
}

/// Starts the stack on port 0 over a fresh data folder, loading it with `load`.
pub async fn spawn_app_with<F, Fut>(load: F) -> TestApp
where
    F: FnOnce(portal_store::Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    spawn(load, None).await
}

async fn spawn<F, Fut>(load: F, faults: Option<inject::Faults>) -> TestApp
where
    F: FnOnce(portal_store::Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    init_logs();
    let data = tempfile::tempdir().expect("temporary data folder");
    let local = LocalApp::open(data.path())
        .await
        .expect("local stack starts");
    load(local.state.store.clone()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("free port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let recorder = grants::Recorder::default();
    let router = {
        let (dynamodb, s3) = local_clients(&local);
        let (recorder, config) = (recorder.clone(), local.config.clone());
        portal_local::server::app_router_with(
            move |function| {
                // Faults first, so that the recorder sees each request before it is spoiled.
                let faulty = match &faults {
                    Some(faults) => faults.dynamodb(&dynamodb),
                    None => dynamodb.clone(),
                };
                portal_http::AppState::new(
                    &config,
                    &portal_store::Clients {
                        dynamodb: recorder.dynamodb(function, &faulty),
                        s3: recorder.s3(function, &s3),
                    },
                )
            },
            local.auth.clone(),
        )
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    TestApp {
        local,
        url,
        recorder,
        client: reqwest::Client::new(),
        _data: data,
        stop: Some(stop),
    }
}

fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        portal_http::lambda::init_tracing_for_tests();
    }
}

/// Fresh SDK clients for the emulators of `local`.
fn local_clients(local: &LocalApp) -> (aws_sdk_dynamodb::Client, aws_sdk_s3::Client) {
    (
        portal_local::clients::dynamodb(&local.emulators.dynamodb_endpoint),
        portal_local::clients::s3(&local.emulators.s3_endpoint),
    )
}

/// The table and buckets of the tests, with their logical ids in the template.
pub const RESOURCE_NAMES: [(&str, &str); 4] = [
    (portal_local::server::TABLE, "Table"),
    (portal_local::server::DOCUMENTS_BUCKET, "DocumentsBucket"),
    (portal_local::server::LAKE_BUCKET, "LakeBucket"),
    (portal_local::server::INGEST_BUCKET, "IngestBucket"),
];

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if !std::thread::panicking() {
            let template = drift::Template::parse(grants::TEMPLATE).expect("the template parses");
            let problems = grants::ungranted(&template, &self.recorder.calls(), &RESOURCE_NAMES);
            assert!(
                problems.is_empty(),
                "functions made AWS calls that the SAM template does not allow their roles \
                 (infra/template.yaml):\n{}",
                problems.join("\n")
            );
        }
    }
}

impl TestApp {
    /// The ingest function (what S3 events start in AWS), its AWS calls recorded.
    pub fn ingest_function(&self) -> ingest_files::Ingestor {
        let (dynamodb, s3) = local_clients(&self.local);
        ingest_files::Ingestor::new(
            &portal_store::Clients {
                dynamodb: self.recorder.dynamodb("ingest-files", &dynamodb),
                s3: self.recorder.s3("ingest-files", &s3),
            },
            portal_local::server::TABLE,
            portal_local::server::DOCUMENTS_BUCKET,
            portal_local::server::LAKE_BUCKET,
            portal_local::server::INGEST_BUCKET,
        )
    }

    /// The analytics job (what the state machine runs in AWS), its AWS calls recorded.
    pub fn job(&self) -> analytics_job::Job {
        let (dynamodb, s3) = local_clients(&self.local);
        analytics_job::Job::new(
            &portal_store::Clients {
                dynamodb: self.recorder.dynamodb("analytics-job", &dynamodb),
                s3: self.recorder.s3("analytics-job", &s3),
            },
            portal_local::server::TABLE,
            portal_local::server::LAKE_BUCKET,
        )
    }

    /// A dev token for `user`.
    pub fn token(&self, user: &str) -> String {
        self.local
            .auth
            .issue(user, Duration::from_secs(600))
            .expect("token")
    }

    /// GET `path_and_query` as `user` (no Authorization header when `None`).
    pub async fn get_as(&self, user: Option<&str>, path_and_query: &str) -> Reply {
        let mut request = self.client.get(format!("{}{path_and_query}", self.url));
        if let Some(user) = user {
            request = request.bearer_auth(self.token(user));
        }
        let response = request.send().await.expect("request reaches the app");
        Reply::read(response).await
    }

    /// GET as `user`.
    pub async fn get(&self, user: &str, path_and_query: &str) -> Reply {
        self.get_as(Some(user), path_and_query).await
    }

    /// GET with a raw Authorization header value.
    pub async fn get_with_authorization(&self, authorization: &str, path_and_query: &str) -> Reply {
        let response = self
            .client
            .get(format!("{}{path_and_query}", self.url))
            .header("authorization", authorization)
            .send()
            .await
            .expect("request reaches the app");
        Reply::read(response).await
    }

    /// POSTs the JSON `body` to `path` as `user` (no Authorization header when `None`), with
    /// an `Idempotency-Key` header when `key` is given.
    pub async fn post_as(
        &self,
        user: Option<&str>,
        path: &str,
        key: Option<&str>,
        body: &Value,
    ) -> Reply {
        let mut request = self
            .client
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(user) = user {
            request = request.bearer_auth(self.token(user));
        }
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let response = request.send().await.expect("request reaches the app");
        Reply::read(response).await
    }

    /// Sends `method` to `path` as `user` (no Authorization header when `None`) with `headers`
    /// and, if given, the JSON `body`.
    pub async fn send(
        &self,
        method: reqwest::Method,
        user: Option<&str>,
        path: &str,
        headers: &[(&str, String)],
        body: Option<&Value>,
    ) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        if let Some(user) = user {
            request = request.bearer_auth(self.token(user));
        }
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.expect("request reaches the app");
        Reply::read(response).await
    }

    /// POSTs the JSON `body` to `path` as `user` with the Idempotency-Key `key`.
    pub async fn post(&self, user: &str, path: &str, key: &str, body: &Value) -> Reply {
        self.post_as(Some(user), path, Some(key), body).await
    }

    /// Fetches an absolute URL (a presigned download link) without credentials.
    pub async fn fetch(&self, url: &str) -> (StatusCode, Vec<u8>) {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .expect("request reaches S3");
        let status = response.status();
        (status, response.bytes().await.expect("body").to_vec())
    }
}

impl Reply {
    async fn read(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            content_type,
            body,
            text,
            headers,
        }
    }
}
