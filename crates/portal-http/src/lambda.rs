//! What a function's `main` calls.

use axum::Router;

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

/// Human-readable logs for tests (`TEST_LOG=1`); does nothing if logging is already set up.
pub fn init_tracing_for_tests() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,dynoxide=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// Serves `router` as a Lambda function behind API Gateway, answering unknown routes in our format.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(router.fallback(crate::not_found_fallback)).await
}
