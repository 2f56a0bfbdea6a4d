//! The catalog-api Lambda function: serves [`catalog_api::router`] behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    portal_http::lambda::init_tracing();
    let state = portal_http::AppState::from_env().await?;
    portal_http::lambda::run(catalog_api::router(state)).await
}
