//! The integration-api Lambda function: serves [`integration_api::router`] behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    portal_http::lambda::init_tracing();
    let state = portal_http::AppState::from_env().await?;
    if state.config.lake_bucket.is_none() {
        return Err("environment variable PORTAL_LAKE_BUCKET is not set".into());
    }
    portal_http::lambda::run(integration_api::router(state)).await
}
