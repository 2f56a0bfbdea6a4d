//! The analytics job over the lake: the same stages as the file-to-file run, reading order lines
//! from the lake bucket and publishing runs for the API.
//!
//! In AWS a Step Functions state machine (on an EventBridge schedule) drives three steps, each
//! one invocation of this function: [`Step::Plan`] compacts the lake's order lines, pins and
//! reads them, leaves the run's globals and each shard's own lines in the lake ([`Job::plan`])
//! and names the job and its shards, [`Step::Shard`] (fanned out by a Distributed Map) computes
//! one shard from its plan and leaves its part in the lake, and [`Step::Publish`] finishes the run from the parts and publishes the run. Locally,
//! `portal analytics run` calls [`Job::run`], which takes the same steps in one process.
//!
//! Publishing is crash safe: reports go to `analytics/runs/{run_id}/`, the run's items to keys
//! holding its id, and only then does the pointer flip to it ([`Job::stage`], then
//! [`Job::flip`]). Until the flip, the API serves the previous run, untouched. After the flip,
//! the table items of runs no one serves any more are removed (`Store::retire_runs`: all but
//! the served run, the one before it and any staged in the last day); their reports stay in
//! the lake as the record of what was predicted.
//!
//! One concern per module: `files` is the file-to-file command line (`portal analytics run`,
//! and this binary outside Lambda), `step` is the state machine's events ([`handle`]), `input` pins and
//! reads the lake's order lines, `compact` rewrites a month's objects as one, `shard` writes the
//! plan's globals and shards' lines, computes a shard's part from them and finishes the run from
//! the parts, `publish` stages and flips a run, and `items` turns a run into the
//! items the API serves.

mod compact;
pub mod files;
mod input;
mod items;
mod publish;
mod shard;
mod step;

pub use analytics::lake::LakeLine;
pub use compact::{COMPACT_AT, Compacted};
pub use input::{IN_FLIGHT, JobInput};
pub use items::run_items;
pub use publish::Published;
pub use step::{AS_OF_SLACK_DAYS, Plan, Step, check_as_of, handle};

use analytics::input::InputError;
use analytics::pipeline::MergeError;
use analytics::report::ReportError;
use chrono::NaiveDate;
use portal_store::{Clients, Lake, Store, StoreConfig, StoreError};
use std::time::Duration;

/// Why a step failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("missing setting {0}")]
    Config(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("{what}: {message}")]
    Data { what: String, message: String },
    #[error("the computation stopped: {0}")]
    Join(String),
    /// A step's parameters are refused; nothing was done.
    #[error("{0}")]
    Params(String),
    /// The run was published (reports and items written) but the API serves a run of a later
    /// as-of, so it is not served. The execution fails, so that its alarm fires: a run dated in
    /// the future would otherwise refuse every nightly run while each succeeds.
    #[error(
        "run {run_id} (as of {as_of}) was published but is not served: the API serves run \
         {served_run} as of {served_as_of}, a later date{hint}"
    )]
    NotServed {
        run_id: String,
        as_of: NaiveDate,
        served_run: String,
        served_as_of: NaiveDate,
        hint: &'static str,
    },
}

/// The environment the job's function reads.
pub const VARIABLES: [&str; 3] = [
    "PORTAL_TABLE",
    "PORTAL_LAKE_BUCKET",
    "PORTAL_RUN_RETENTION_DAYS",
];

/// How long a run's reports are kept after it was staged, unless `PORTAL_RUN_RETENTION_DAYS`
/// says otherwise (the served run's stay whatever their age).
pub const RUN_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(14);

/// The job: the table it publishes to and the lake it reads.
#[derive(Debug, Clone)]
pub struct Job {
    pub store: Store,
    pub lake: Lake,
    /// How long a run's reports are kept after it was staged.
    pub retention: chrono::TimeDelta,
}

impl Job {
    /// The job from `PORTAL_TABLE`, `PORTAL_LAKE_BUCKET` and the default AWS credential chain.
    pub async fn from_env() -> Result<Job, JobError> {
        let var = |name: &'static str| std::env::var(name).map_err(|_| JobError::Config(name));
        let (table, bucket) = (var("PORTAL_TABLE")?, var("PORTAL_LAKE_BUCKET")?);
        let mut job = Job::new(&Clients::from_env().await, &table, &bucket);
        if let Ok(days) = std::env::var("PORTAL_RUN_RETENTION_DAYS") {
            let days: i64 = days
                .parse()
                .ok()
                .filter(|d| *d >= 1)
                .ok_or(JobError::Config("PORTAL_RUN_RETENTION_DAYS"))?;
            job.retention = chrono::TimeDelta::days(days);
        }
        Ok(job)
    }

    pub fn new(clients: &Clients, table: &str, lake_bucket: &str) -> Job {
        let store = clients.store(StoreConfig {
            table: table.to_owned(),
            // The job reads and writes no documents.
            documents_bucket: String::new(),
            download_ttl: Duration::from_secs(0),
        });
        Job {
            store,
            lake: clients.lake(lake_bucket),
            retention: RUN_RETENTION,
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, JobError> + Send + 'static,
) -> Result<T, JobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| JobError::Join(e.to_string()))?
}
