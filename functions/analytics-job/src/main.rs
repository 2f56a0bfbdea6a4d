//! The analytics-job Lambda function: the steps of the Step Functions state machine (plan, one
//! shard, publish), one event each. See [`analytics_job::handle`].

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    portal_lambda::init_tracing();
    // Built once per cold start, for the life of the process.
    let job: &'static _ = Box::leak(Box::new(analytics_job::Job::from_env().await?));
    portal_lambda::run(move |step: analytics_job::Step| analytics_job::handle(job, step)).await
}
