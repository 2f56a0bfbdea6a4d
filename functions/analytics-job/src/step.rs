//! The state machine's steps: each one invocation's event ([`Step`]), what the plan answers
//! ([`Plan`]), the as-of a plan accepts, and [`Job::run`], which takes every step in one process.

use crate::{Compacted, Job, JobError, Published};
use analytics::pipeline::{Params, Shard};
use chrono::{NaiveDate, Utc};
use portal_store::lake::{job_prefix, job_published_key};
use serde::{Deserialize, Serialize};

/// How many days after today (UTC) a plan's as-of may be: one, for a schedule that starts a run
/// shortly before midnight UTC for the day that has begun in its own time zone.
pub const AS_OF_SLACK_DAYS: i64 = 1;

/// Refuses an as-of later than [`AS_OF_SLACK_DAYS`] after `today`: a run uses only history before
/// its as-of, and once served, a run dated in the future keeps every nightly run (as of its own
/// day) from being served until that date.
pub fn check_as_of(as_of: NaiveDate, today: NaiveDate) -> Result<(), JobError> {
    let latest = today + chrono::Duration::days(AS_OF_SLACK_DAYS);
    if as_of > latest {
        return Err(JobError::Params(format!(
            "as_of {as_of} is in the future: it may be at most {latest} (today, {today} UTC, \
             plus {AS_OF_SLACK_DAYS} day); a run as of a later date would keep every nightly run \
             from being served until then"
        )));
    }
    Ok(())
}

impl Job {
    /// Every step in this process: plan (compacting the lake), `shards` shards one after the
    /// other, then publish.
    pub async fn run(
        &self,
        job_id: &str,
        params: Params,
        shards: u32,
    ) -> Result<Published, JobError> {
        // Each local run starts afresh, forgetting an earlier publish under the same job id.
        self.lake.delete_prefix(&job_prefix(job_id)).await?;
        self.lake.delete_prefix(&job_published_key(job_id)).await?;
        let count = shards.max(1);
        self.plan(job_id, params, count).await?;
        for index in 1..=count {
            self.run_shard(job_id, params, Shard { index, count })
                .await?;
        }
        self.publish(job_id).await
    }
}

/// One step of the state machine, as its event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Step {
    /// Names the job, pins the lake for its shards (compacting it first: [`Job::plan`]) and
    /// lists its shards (the Distributed Map's items).
    Plan {
        /// Default: today (UTC).
        #[serde(default)]
        as_of: Option<NaiveDate>,
        /// Default 4.
        #[serde(default)]
        shards: Option<u32>,
        #[serde(default)]
        horizon_days: Option<i64>,
        #[serde(default)]
        periods: Option<usize>,
    },
    Shard {
        job_id: String,
        params: Params,
        shard: Shard,
    },
    Publish {
        job_id: String,
    },
}

/// What [`Step::Plan`] answers: the Map iterates `shards`, and `publish` is the last step's event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub job_id: String,
    /// What the plan's compaction of the lake did, before it pinned the objects the shards read.
    #[serde(default)]
    pub compacted: Compacted,
    pub params: Params,
    pub shards: Vec<Step>,
    pub publish: Step,
}

/// Runs one step.
pub async fn handle(job: &Job, step: Step) -> Result<serde_json::Value, JobError> {
    match step {
        Step::Plan {
            as_of,
            shards,
            horizon_days,
            periods,
        } => {
            let today = Utc::now().date_naive();
            let as_of = as_of.unwrap_or(today);
            check_as_of(as_of, today)?;
            let mut params = Params::new(as_of);
            params.horizon_days = horizon_days.unwrap_or(params.horizon_days).clamp(1, 366);
            params.periods = periods.unwrap_or(params.periods).clamp(1, 520);
            let count = shards.unwrap_or(4).clamp(1, 1000);
            let job_id = format!(
                "{}-{}",
                params.as_of,
                Utc::now().format("%Y%m%dT%H%M%S%.3f")
            );
            let compacted = job.plan(&job_id, params, count).await?;
            let plan = Plan {
                job_id: job_id.clone(),
                compacted,
                params,
                shards: (1..=count)
                    .map(|index| Step::Shard {
                        job_id: job_id.clone(),
                        params,
                        shard: Shard { index, count },
                    })
                    .collect(),
                publish: Step::Publish { job_id },
            };
            to_json(&plan)
        }
        Step::Shard {
            job_id,
            params,
            shard,
        } => {
            let key = job.run_shard(&job_id, params, shard).await?;
            Ok(serde_json::json!({ "job_id": job_id, "shard": shard, "part": key }))
        }
        Step::Publish { job_id } => {
            let published = job.publish(&job_id).await?;
            if !published.served {
                return Err(not_served(job, published).await?);
            }
            to_json(&published)
        }
    }
}

/// The error of a publish that is not served, naming the run the API serves instead.
async fn not_served(job: &Job, published: Published) -> Result<JobError, JobError> {
    let served = job.store.served_run().await?;
    let (served_run, served_as_of) = served
        .map(|s| (s.run_id, s.as_of))
        .unwrap_or_else(|| ("(none)".into(), published.as_of));
    let hint = if served_as_of > Utc::now().date_naive() {
        "; that run is dated in the future: delete the pointer item (ANALYTICS, CURRENT) and run \
         the job again"
    } else {
        "; a run of an earlier date is published for its reports only"
    };
    Ok(JobError::NotServed {
        run_id: published.run_id,
        as_of: published.as_of,
        served_run,
        served_as_of,
        hint,
    })
}

fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value, JobError> {
    serde_json::to_value(value).map_err(|e| JobError::Data {
        what: "the step's answer".into(),
        message: e.to_string(),
    })
}
