//! The analytics-job Lambda function: the steps of the Step Functions state machine (plan, one
//! shard, publish), one event each. See [`analytics_job::handle`].

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
    let job = analytics_job::Job::from_env().await?;
    let job = &job;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let step = serde_json::from_value(event.payload)?;
            let answer = analytics_job::handle(job, step).await?;
            Ok::<_, lambda_runtime::Error>(answer)
        },
    ))
    .await
}
