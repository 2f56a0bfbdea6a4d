//! The graphql-api Lambda function: serves [`graphql_api::router`] behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    portal_http::lambda::init_tracing();
    let state = portal_http::AppState::from_env().await?;
    portal_http::lambda::run(graphql_api::router(state)).await
}
