//! The carts-api Lambda function: serves [`carts_api::router`] behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    portal_http::lambda::init_tracing();
    let state = portal_http::AppState::from_env().await?;
    portal_http::lambda::run(carts_api::router(state)).await
}
