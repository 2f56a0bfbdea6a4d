//! The bootstrap every Lambda function shares: JSON logs for CloudWatch, and, for the
//! functions whose events are not HTTP requests (the analytics job's steps, the ingest
//! function's S3 events), the runtime loop over typed events. The API functions run through
//! `portal_http::lambda`, which starts the same logs.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// Starts JSON logs (CloudWatch reads them), filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_target(false)
        .without_time()
        .init();
}

/// Runs a function whose events are `E` (parsed from each invocation's payload; one that does
/// not parse fails that invocation) and whose answers are `A`: what a non-HTTP function's `main`
/// calls after building its state once per cold start.
pub async fn run<E, A, Err, F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    E: DeserializeOwned + Send + 'static,
    A: Serialize + 'static,
    Err: Into<lambda_runtime::Error> + 'static,
    F: Fn(E) -> Fut,
    Fut: Future<Output = Result<A, Err>> + Send + 'static,
{
    // Each invocation's future is boxed: a function's work is a deep future, and naming its
    // type inside the runtime's would outgrow the compiler's limits for no gain.
    let handler = &handler;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<E>| -> Answer<A> {
            let work = handler(event.payload);
            Box::pin(async move { work.await.map_err(Into::into) })
        },
    ))
    .await
}

type Answer<A> = Pin<Box<dyn Future<Output = Result<A, lambda_runtime::Error>> + Send>>;
