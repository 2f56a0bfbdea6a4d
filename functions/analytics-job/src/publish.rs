//! Publishing a run, crash safe: its reports and items are staged under its id, then the
//! pointer flips to it, then runs no one serves any more are retired.

use crate::items::run_items;
use crate::{Job, JobError};
use analytics::pipeline::RunResult;
use analytics::report::{self, RunReport};
use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::insights::AnalyticsRun;
use portal_store::lake::{RUNS_PREFIX, job_input_key, job_prefix, job_published_key, run_file_key};
use portal_store::{Flip, ServedRun};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

impl Job {
    /// Writes a run's reports and items without serving it yet.
    pub async fn stage(&self, run: &RunResult) -> Result<AnalyticsRun, JobError> {
        for (name, bytes) in report::files(run)? {
            let content_type = if name.ends_with(".json") {
                "application/json"
            } else if name.ends_with(".csv") {
                "text/csv"
            } else {
                analytics::lake::PARQUET.content_type
            };
            self.lake
                .put(&run_file_key(&run.run_id, name), content_type, bytes)
                .await?;
        }
        let published = AnalyticsRun {
            run_id: run.run_id.clone(),
            as_of: run.params.as_of,
            published_at: Utc::now(),
            report: serde_json::to_value(RunReport::of(run)).map_err(|e| JobError::Data {
                what: "run.json".into(),
                message: e.to_string(),
            })?,
        };
        self.store.put_run(&published, &run_items(run)?).await?;
        Ok(published)
    }

    /// Serves a staged run, unless a run of a later as-of date is served already; a run of the
    /// same as-of date replaces the served one (see `Store::flip_current_run`).
    pub async fn flip(&self, run: &AnalyticsRun) -> Result<Flip, JobError> {
        Ok(self.store.flip_current_run(run).await?)
    }

    /// Merges, stages and flips, and retires the runs no longer needed; then records what it
    /// did and removes the job's shard parts. A retry after that answers the recorded result.
    pub async fn publish(&self, job_id: &str) -> Result<Published, JobError> {
        let record = job_published_key(job_id);
        if let Some(bytes) = self.lake.get_if_exists(&record).await? {
            return serde_json::from_slice(&bytes).map_err(|e| JobError::Data {
                what: record,
                message: e.to_string(),
            });
        }
        let run = self.finish(job_id).await?;
        let staged = self.stage(&run).await?;
        let flip = self.flip(&staged).await?;
        let replaced_run = match &flip {
            Flip::Served {
                replaced: Some(replaced),
            } => {
                if replaced.as_of == staged.as_of {
                    tracing::warn!(
                        run_id = %staged.run_id,
                        replaced = %replaced.run_id,
                        as_of = %staged.as_of,
                        "a run of the same as-of date replaced the served run"
                    );
                }
                Some(replaced.clone())
            }
            _ => None,
        };
        // Before the record, so that a retirement that fails is retried with the publish.
        let retired_runs = self.store.retire_runs(Utc::now()).await?;
        let removed_reports = self.retire_reports(Utc::now()).await?;
        let published = Published {
            retired_runs,
            removed_reports,
            replaced_run,
            ..Published::of(&run, flip.served())
        };
        let bytes = serde_json::to_vec(&published).map_err(|e| JobError::Data {
            what: record.clone(),
            message: e.to_string(),
        })?;
        self.lake.put(&record, "application/json", bytes).await?;
        self.lake.delete_prefix(&job_prefix(job_id)).await?;
        self.lake.delete(&job_input_key(job_id)).await?;
        Ok(published)
    }
}

impl Job {
    /// Removes the reports of every run staged more than [`Job::retention`] before `now`
    /// (its newest file's time), but the served run's. Answers the runs whose reports went.
    pub async fn retire_reports(&self, now: DateTime<Utc>) -> Result<Vec<String>, JobError> {
        let served = self.store.served_run().await?.map(|s| s.run_id);
        let mut staged: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
        for (key, at) in self.lake.list_modified(RUNS_PREFIX).await? {
            let Some((run, _)) = key
                .strip_prefix(RUNS_PREFIX)
                .and_then(|rest| rest.split_once('/'))
            else {
                continue;
            };
            let newest = staged.entry(run.to_owned()).or_insert(at);
            *newest = (*newest).max(at);
        }
        let mut removed = Vec::new();
        for (run, at) in staged {
            if Some(&run) == served.as_ref() || at + self.retention > now {
                continue;
            }
            self.lake
                .delete_prefix(&format!("{RUNS_PREFIX}{run}/"))
                .await?;
            removed.push(run);
        }
        Ok(removed)
    }
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub run_id: String,
    pub as_of: NaiveDate,
    /// Whether the API now serves this run (a later run may be served already).
    pub served: bool,
    pub reorder_predictions: usize,
    pub forecast_rows: usize,
    pub lines_used: usize,
    /// The runs whose items this publish removed (see `Store::retire_runs`).
    #[serde(default)]
    pub retired_runs: Vec<String>,
    /// The runs whose reports this publish removed, older than the retention (see
    /// `Job::retire_reports`).
    #[serde(default)]
    pub removed_reports: Vec<String>,
    /// The run the API served before this one, when this one replaced it; of the same as-of
    /// date when the job ran again for a day already served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_run: Option<ServedRun>,
}

impl Published {
    fn of(run: &RunResult, served: bool) -> Published {
        Published {
            run_id: run.run_id.clone(),
            as_of: run.params.as_of,
            served,
            reorder_predictions: run.reorders.len(),
            forecast_rows: run.forecasts.len(),
            lines_used: run.input.lines_used,
            retired_runs: Vec::new(),
            removed_reports: Vec::new(),
            replaced_run: None,
        }
    }
}
