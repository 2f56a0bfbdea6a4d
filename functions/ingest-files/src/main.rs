//! The ingest-files Lambda function: S3 object-created events of the ingest bucket (through
//! EventBridge, or direct bucket notifications). See [`ingest_files::Ingestor::handle`].

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    portal_lambda::init_tracing();
    // Built once per cold start, for the life of the process.
    let ingestor: &'static _ = Box::leak(Box::new(ingest_files::Ingestor::from_env().await?));
    portal_lambda::run(move |event: serde_json::Value| async move {
        let handled = ingestor.handle(&event).await?;
        Ok::<_, lambda_runtime::Error>(serde_json::to_value(handled)?)
    })
    .await
}
