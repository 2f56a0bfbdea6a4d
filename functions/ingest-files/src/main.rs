//! The ingest-files Lambda function: S3 object-created events of the ingest bucket (through
//! EventBridge, or direct bucket notifications). See [`ingest_files::Ingestor::handle`].

use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .without_time()
        .init();
    let ingestor = ingest_files::Ingestor::from_env().await?;
    let ingestor = &ingestor;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let handled = ingestor.handle(&event.payload).await?;
            Ok::<_, lambda_runtime::Error>(serde_json::to_value(handled)?)
        },
    ))
    .await
}
