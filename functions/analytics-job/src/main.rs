//! The analytics-job Lambda function: the steps of the Step Functions state machine (plan, one
//! shard, publish), one event each. See [`analytics_job::handle`]. Started with a command
//! (`analytics-job run --orders FILE ...`, see `--help`), it runs file to file instead: the
//! deployed build, checked on a file.

fn main() -> Result<std::process::ExitCode, lambda_runtime::Error> {
    if std::env::args_os().len() > 1 {
        return Ok(analytics_job::files::main());
    }
    lambda()?;
    Ok(std::process::ExitCode::SUCCESS)
}

#[tokio::main]
async fn lambda() -> Result<(), lambda_runtime::Error> {
    portal_lambda::init_tracing();
    // Built once per cold start, for the life of the process.
    let job: &'static _ = Box::leak(Box::new(analytics_job::Job::from_env().await?));
    portal_lambda::run(move |step: analytics_job::Step| analytics_job::handle(job, step)).await
}
