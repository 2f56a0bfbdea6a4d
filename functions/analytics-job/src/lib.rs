//! The analytics job over the lake: the same stages as the file-to-file run, reading order lines
//! from the lake bucket and publishing runs for the API.
//!
//! In AWS a Step Functions state machine (on an EventBridge schedule) drives three steps, each
//! one invocation of this function: [`Step::Plan`] compacts the lake's order lines, pins the
//! objects the job's shards will read ([`Job::plan`]) and names the job and its shards,
//! [`Step::Shard`] (fanned out by a Distributed Map) computes one shard and leaves its part in
//! the lake, and [`Step::Publish`] merges the parts and publishes the run. Locally,
//! `portal analytics run` calls [`Job::run`], which takes the same steps in one process.
//!
//! Publishing is crash safe: reports go to `analytics/runs/{run_id}/`, the run's items to keys
//! holding its id, and only then does the pointer flip to it ([`Job::stage`], then
//! [`Job::flip`]). Until the flip, the API serves the previous run, untouched. After the flip,
//! the table items of runs no one serves any more are removed (`Store::retire_runs`: all but
//! the served run, the one before it and any staged in the last day); their reports stay in
//! the lake as the record of what was predicted.

use analytics::input::{Format, InputError, OrderLines, from_frame};
pub use analytics::lake::LakeLine;
use analytics::lake::{latest_orders, month_of};
use analytics::pipeline::{
    ForecastRow, MergeError, Params, ReorderRow, RunResult, Shard, ShardResult, finish, run_shard,
};
use analytics::report::{self, ReportError, RunReport};
use chrono::{NaiveDate, Utc};
use polars::prelude::{DataFrame, ParquetReader, SerReader, SortMultipleOptions};
use portal_domain::insights::{
    AccountOutlook, AccountSilence, AnalyticsRun, PeriodForecast, ReorderStatus, ReorderSuggestion,
    SkuForecast,
};
use portal_domain::{AccountId, DivisionId, Sku};
use portal_store::lake::{
    JOB_INPUT_SUFFIX, JOBS_PREFIX, ORDER_LINES_PREFIX, job_input_key, job_prefix,
    job_published_key, run_file_key, shard_key,
};
use portal_store::{Lake, RunItems, Store, StoreConfig, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Cursor;
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

/// The environment the job's function reads.
pub const VARIABLES: [&str; 2] = ["PORTAL_TABLE", "PORTAL_LAKE_BUCKET"];

/// The job: the table it publishes to and the lake it reads.
#[derive(Debug, Clone)]
pub struct Job {
    pub store: Store,
    pub lake: Lake,
}

impl Job {
    /// The job from `PORTAL_TABLE`, `PORTAL_LAKE_BUCKET` and the default AWS credential chain.
    pub async fn from_env() -> Result<Job, JobError> {
        let var = |name: &'static str| std::env::var(name).map_err(|_| JobError::Config(name));
        let (table, bucket) = (var("PORTAL_TABLE")?, var("PORTAL_LAKE_BUCKET")?);
        let aws = aws_config::load_from_env().await;
        let s3 = aws_sdk_s3::Client::new(&aws);
        Ok(Job::new(
            aws_sdk_dynamodb::Client::new(&aws),
            s3,
            &table,
            &bucket,
        ))
    }

    pub fn new(
        dynamodb: aws_sdk_dynamodb::Client,
        s3: aws_sdk_s3::Client,
        table: &str,
        lake_bucket: &str,
    ) -> Job {
        let store = Store::new(
            dynamodb,
            s3.clone(),
            StoreConfig {
                table: table.to_owned(),
                // The job reads and writes no documents.
                documents_bucket: String::new(),
                download_ttl: Duration::from_secs(0),
            },
        );
        Job {
            store,
            lake: Lake::new(s3, lake_bucket),
        }
    }

    /// Reads every order-line object the lake holds now as one table (a job's shards read what
    /// its plan pinned instead: [`Job::read_planned`]). When a row is bad, the error names the
    /// object and the row within it.
    pub async fn read_orders(&self) -> Result<OrderLines, JobError> {
        let keys = self.lake_objects().await?;
        self.read_keys(&keys, |gone| JobError::Data {
            what: gone,
            message: "listed and gone since (compacted or deleted): read again".into(),
        })
        .await
    }

    /// Reads the order-line objects `job_id`'s plan pinned ([`Job::plan`]), so that every shard
    /// of a job reads the same orders while pushes and files keep landing in the lake.
    pub async fn read_planned(&self, job_id: &str) -> Result<OrderLines, JobError> {
        let key = job_input_key(job_id);
        let Some(bytes) = self.lake.get_if_exists(&key).await? else {
            return Err(JobError::Data {
                what: key,
                message: format!("job {job_id} was not planned, or has published already"),
            });
        };
        let input: JobInput = serde_json::from_slice(&bytes).map_err(|e| JobError::Data {
            what: key.clone(),
            message: e.to_string(),
        })?;
        self.read_keys(&input.objects, |gone| JobError::Data {
            what: gone,
            message: format!(
                "listed by job {job_id}'s plan and gone since (compacted or deleted): plan a new job"
            ),
        })
        .await
    }

    /// The order-line objects in the lake now.
    async fn lake_objects(&self) -> Result<Vec<String>, JobError> {
        let keys = self.lake.list(ORDER_LINES_PREFIX).await?;
        Ok(keys.into_iter().filter(|k| is_lake_object(k)).collect())
    }

    /// `keys`' order lines as one table; an object that no longer exists is the error `gone`
    /// makes of its key.
    async fn read_keys(
        &self,
        keys: &[String],
        gone: impl FnOnce(String) -> JobError,
    ) -> Result<OrderLines, JobError> {
        let objects = self.fetch(keys.iter()).await?.map_err(gone)?;
        blocking(move || read_objects(objects)).await
    }

    /// Pins the lake for `job_id`: compacts it first unless another job is in flight (its
    /// shards read objects a compaction would merge away), then records the order-line objects
    /// the job's shards will read ([`Job::read_planned`]). Jobs that never published and were
    /// planned more than [`IN_FLIGHT`] ago are cleared away (input and shard parts).
    pub async fn plan(&self, job_id: &str) -> Result<Compacted, JobError> {
        let outbox_orders = self.drain_lake_outbox().await?;
        let in_flight = self.jobs_in_flight(job_id).await?;
        let mut compacted = if in_flight.is_empty() {
            self.compact_or_log().await
        } else {
            tracing::info!(?in_flight, "compaction waits for jobs in flight");
            Compacted {
                waited_for: in_flight,
                ..Compacted::default()
            }
        };
        compacted.outbox_orders = outbox_orders;
        let input = JobInput {
            planned_at: Utc::now(),
            objects: self.lake_objects().await?,
        };
        let bytes = serde_json::to_vec(&input).map_err(|e| JobError::Data {
            what: job_input_key(job_id),
            message: e.to_string(),
        })?;
        self.lake
            .put(&job_input_key(job_id), "application/json", bytes)
            .await?;
        Ok(compacted)
    }

    /// Writes to the lake the lines of the orders a push committed but may not have written
    /// there (it stopped in between; see [`portal_store::outbox`]), so that this job reads
    /// every order the table has. Returns how many orders the outbox held.
    pub async fn drain_lake_outbox(&self) -> Result<usize, JobError> {
        let target = ingest::Target {
            store: self.store.clone(),
            lake: self.lake.clone(),
            format: analytics::lake::PARQUET,
            lake_outbox: false,
        };
        target.drain_lake_outbox().await.map_err(|e| match e {
            ingest::IngestError::Store(e) => JobError::Store(e),
            other => JobError::Data {
                what: "the lake outbox".into(),
                message: other.to_string(),
            },
        })
    }

    /// Other jobs planned less than [`IN_FLIGHT`] ago that have not published; older inputs,
    /// and the shard parts of their jobs, are removed (those jobs failed for good).
    async fn jobs_in_flight(&self, job_id: &str) -> Result<Vec<String>, JobError> {
        let mut in_flight = Vec::new();
        for key in self.lake.list(JOBS_PREFIX).await? {
            let Some(other) = key
                .strip_prefix(JOBS_PREFIX)
                .and_then(|k| k.strip_suffix(JOB_INPUT_SUFFIX))
            else {
                continue;
            };
            if other == job_id {
                continue;
            }
            let Some(bytes) = self.lake.get_if_exists(&key).await? else {
                continue; // published meanwhile
            };
            let fresh = serde_json::from_slice::<JobInput>(&bytes)
                .is_ok_and(|input| Utc::now() - input.planned_at < IN_FLIGHT);
            if fresh {
                in_flight.push(other.to_owned());
            } else {
                // A job that failed for good: its input and any parts it left are garbage.
                self.lake.delete_prefix(&job_prefix(other)).await?;
                self.lake.delete(&key).await?;
            }
        }
        Ok(in_flight)
    }

    /// The objects' bytes, or the key of one that no longer exists.
    async fn fetch(
        &self,
        keys: impl Iterator<Item = &String>,
    ) -> Result<Result<Vec<(String, Vec<u8>)>, String>, JobError> {
        let mut objects = Vec::new();
        for key in keys {
            let Some(bytes) = self.lake.get_if_exists(key).await? else {
                return Ok(Err(key.clone()));
            };
            objects.push((key.clone(), bytes));
        }
        Ok(Ok(objects))
    }

    /// Merges each month's order-line objects into one Parquet object, so that a lake fed by
    /// many small pushes and files stays quick to read (every shard reads all of it).
    ///
    /// A month with at least [`COMPACT_AT`] objects is read, each order keeps only the lines of
    /// its latest revision (cancelled ones included, so that a cancellation still hides older
    /// lines of the order in other months), and the result is written as
    /// `compacted-<digest of the merged objects>.parquet` before the merged objects are
    /// deleted. A crash in between leaves lines twice, which readers count once (same order,
    /// revision and line). Objects arriving, or written again, meanwhile are left for the next
    /// compaction. A month whose current lines do not read as order lines is left as it is, for
    /// the run to report. Months are started for [`COMPACT_BUDGET`]; the rest wait.
    pub async fn compact(&self) -> Result<Compacted, JobError> {
        let started = std::time::Instant::now();
        // (key, tag): the tag changes whenever an object is written again.
        let listed = self.lake.list_tagged(ORDER_LINES_PREFIX).await?;
        let mut months: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
        for (key, tag) in listed.iter().filter(|(k, _)| is_lake_object(k)) {
            let month = key.rsplit_once('/').map_or("", |(month, _)| month);
            months
                .entry(month)
                .or_default()
                .push((key.clone(), tag.clone()));
        }
        let mut done = Compacted::default();
        for (month, sources) in months {
            if sources.len() < COMPACT_AT {
                continue;
            }
            if started.elapsed() > COMPACT_BUDGET {
                done.deferred += 1;
                continue;
            }
            let Ok(objects) = self.fetch(sources.iter().map(|(key, _)| key)).await? else {
                continue; // another compaction got there first
            };
            let merged = blocking(move || Ok(merge_month(objects))).await?;
            let (bytes, lines) = match merged {
                Ok(merged) => merged,
                Err(reason) => {
                    tracing::warn!(month, %reason, "month left uncompacted");
                    continue;
                }
            };
            let key = format!("{month}/compacted-{}.parquet", digest(&sources));
            self.lake
                .put(&key, analytics::lake::PARQUET.content_type, bytes)
                .await?;
            // Delete only what was merged: an object written again since it was listed (a
            // retried ingest) stays, for the next compaction.
            let now: BTreeMap<String, String> = self
                .lake
                .list_tagged(&format!("{month}/"))
                .await?
                .into_iter()
                .collect();
            for (source, tag) in sources.iter().filter(|(s, _)| *s != key) {
                // And only if still unchanged when deleted (S3's conditional delete): a
                // rewrite between this check and the delete is kept too.
                if now.get(source) == Some(tag) {
                    let etag = tag.split('|').next().unwrap_or_default();
                    self.lake.delete_if_match(source, etag).await?;
                }
            }
            done.months += 1;
            done.objects += sources.len();
            done.lines += lines;
        }
        Ok(done)
    }

    /// [`Job::compact`] as a step that cannot stop a run: a lake that could not be compacted is
    /// still read correctly, only more slowly.
    pub async fn compact_or_log(&self) -> Compacted {
        self.compact().await.unwrap_or_else(|error| {
            tracing::warn!(%error, "the lake was not compacted");
            Compacted::default()
        })
    }

    /// Computes one shard and leaves its part in the lake.
    pub async fn run_shard(
        &self,
        job_id: &str,
        params: Params,
        shard: Shard,
    ) -> Result<String, JobError> {
        let started = std::time::Instant::now();
        let orders = self.read_planned(job_id).await?;
        let read_ms = started.elapsed().as_secs_f64() * 1e3;
        if !orders.lines.iter().any(|l| l.date < params.as_of) {
            return Err(JobError::Data {
                what: format!("the order-line lake ({})", self.lake.bucket()),
                message: format!("no order lines before {}: nothing to analyse", params.as_of),
            });
        }
        let mut part = blocking(move || Ok(run_shard(&orders, params, shard))).await?;
        part.timings_ms.insert("read".into(), read_ms);
        let key = shard_key(job_id, shard.index, shard.count);
        let bytes = serde_json::to_vec(&part).map_err(|e| JobError::Data {
            what: key.clone(),
            message: e.to_string(),
        })?;
        self.lake.put(&key, "application/json", bytes).await?;
        Ok(key)
    }

    /// Merges a job's shard parts into a finished run.
    pub async fn merge(&self, job_id: &str) -> Result<RunResult, JobError> {
        let mut parts: Vec<ShardResult> = Vec::new();
        for key in self.lake.list(&job_prefix(job_id)).await? {
            let bytes = self.lake.get(&key).await?;
            parts.push(serde_json::from_slice(&bytes).map_err(|e| JobError::Data {
                what: key.clone(),
                message: format!("not a shard part: {e}"),
            })?);
        }
        blocking(move || Ok(finish(parts)?)).await
    }

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

    /// Serves a staged run. `false` when a run of a later as-of date is served already.
    pub async fn flip(&self, run: &AnalyticsRun) -> Result<bool, JobError> {
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
        let run = self.merge(job_id).await?;
        let staged = self.stage(&run).await?;
        let served = self.flip(&staged).await?;
        // Before the record, so that a retirement that fails is retried with the publish.
        let retired_runs = self.store.retire_runs(Utc::now()).await?;
        let published = Published {
            retired_runs,
            ..Published::of(&run, served)
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
        self.plan(job_id).await?;
        let count = shards.max(1);
        for index in 1..=count {
            self.run_shard(job_id, params, Shard { index, count })
                .await?;
        }
        self.publish(job_id).await
    }
}

impl Job {
    /// Replaces the lake's order lines with `lines`, one Parquet object per month.
    pub async fn replace_order_lines(&self, mut lines: Vec<LakeLine>) -> Result<usize, JobError> {
        self.lake.ensure().await?;
        self.lake.delete_prefix(ORDER_LINES_PREFIX).await?;
        lines.sort_by(|a, b| {
            (a.order_date, &a.order_id, &a.sku).cmp(&(b.order_date, &b.order_id, &b.sku))
        });
        let mut months = 0;
        for chunk in lines.chunk_by(|a, b| month_of(a) == month_of(b)) {
            let month = month_of(&chunk[0]);
            let bytes = analytics::lake::to_parquet(chunk)?;
            self.lake
                .put(
                    &portal_store::lake::order_lines_key(&month),
                    analytics::lake::PARQUET.content_type,
                    bytes,
                )
                .await?;
            months += 1;
        }
        Ok(months)
    }
}

/// The lake's ids must be the portal's, written as the portal writes them (SKUs upper case):
/// results are published under them, and two spellings of one SKU would collide.
fn check_ids(orders: &OrderLines) -> Result<(), JobError> {
    let bad = |kind: &str, name: &str, problem: String| JobError::Data {
        what: "the order-line lake".into(),
        message: format!("{kind} `{name}` {problem}"),
    };
    for name in &orders.accounts {
        let id = AccountId::parse(name).map_err(|e| bad("account_id", name, e.to_string()))?;
        if id.as_str() != name {
            return Err(bad("account_id", name, format!("must be written `{id}`")));
        }
    }
    for name in &orders.skus {
        let sku = Sku::parse(name).map_err(|e| bad("sku", name, e.to_string()))?;
        if sku.as_str() != name {
            return Err(bad("sku", name, format!("must be written `{sku}`")));
        }
    }
    for name in &orders.divisions {
        DivisionId::parse(name).map_err(|e| bad("division", name, e.to_string()))?;
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, JobError> + Send + 'static,
) -> Result<T, JobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| JobError::Join(e.to_string()))?
}

/// How long after its plan a job that has not published counts as running: compaction waits
/// for it. (A state machine execution takes minutes; one older than this has failed.)
pub const IN_FLIGHT: chrono::TimeDelta = chrono::TimeDelta::hours(2);
/// Objects a month needs before [`Job::compact`] merges them.
pub const COMPACT_AT: usize = 2;
/// How long a compaction starts new months for (the plan step's function runs up to 15
/// minutes); the rest wait for the next run.
const COMPACT_BUDGET: Duration = Duration::from_secs(300);

/// Whether a key under the order-line prefix holds order lines: Parquet, and CSV from the
/// push API (see `portal_lake`).
fn is_lake_object(key: &str) -> bool {
    Format::of(std::path::Path::new(key)) == Format::Parquet || key.ends_with(".csv")
}

/// The objects' order lines as one table, each order at its latest revision. When a row is
/// bad, the error names the object and the row within it.
fn read_objects(objects: Vec<(String, Vec<u8>)>) -> Result<OrderLines, JobError> {
    let frames = frames(objects)?;
    let Some(all) = stack(&frames)? else {
        return Ok(OrderLines::default());
    };
    let all = latest_orders(all).map_err(|e| JobError::Data {
        what: "the order-line lake".into(),
        message: e.to_string(),
    })?;
    match from_frame(&all, "the order-line lake", Format::Parquet) {
        Ok(orders) => {
            check_ids(&orders)?;
            Ok(orders)
        }
        // Rows are numbered across the whole lake there: find the object that fails on its
        // own, so the error names it and its own row.
        Err(whole) => {
            for (key, frame) in &frames {
                from_frame(frame, key, Format::Parquet)?;
            }
            Err(whole.into())
        }
    }
}

/// The order-line objects a job's plan pinned (`analytics/jobs/{job_id}.input.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobInput {
    pub planned_at: chrono::DateTime<Utc>,
    pub objects: Vec<String>,
}

/// The objects read as frames; an unreadable one is an error naming it.
fn frames(objects: Vec<(String, Vec<u8>)>) -> Result<Vec<(String, DataFrame)>, JobError> {
    objects
        .into_iter()
        .map(|(key, bytes)| {
            let frame = if key.ends_with(".csv") {
                analytics::lake::read_csv(bytes)
            } else {
                ParquetReader::new(Cursor::new(bytes)).finish()
            };
            frame
                .map(|frame| (key.clone(), frame))
                .map_err(|e| JobError::Data {
                    what: key,
                    message: e.to_string(),
                })
        })
        .collect()
}

/// The frames one under the other (`None` without any); a frame of other columns is an error
/// naming its object.
fn stack(frames: &[(String, DataFrame)]) -> Result<Option<DataFrame>, JobError> {
    let Some((_, first)) = frames.first() else {
        return Ok(None);
    };
    let mut all = first.clone();
    for (key, frame) in &frames[1..] {
        all.vstack_mut(frame).map_err(|e| JobError::Data {
            what: key.clone(),
            message: format!("does not match the other order-line files: {e}"),
        })?;
    }
    Ok(Some(all))
}

/// One month's objects as one Parquet object's bytes and its line count, or why not: the lines
/// that count must be valid order lines.
fn merge_month(objects: Vec<(String, Vec<u8>)>) -> Result<(Vec<u8>, usize), String> {
    let frames = frames(objects).map_err(|e| e.to_string())?;
    let all = stack(&frames)
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let mut merged = analytics::lake::latest_revisions(all)
        .and_then(|frame| {
            frame.sort(
                ["order_id", "line_no"],
                SortMultipleOptions::default().with_maintain_order(true),
            )
        })
        .map_err(|e| e.to_string())?;
    // What the run will count must read as order lines (lines a later revision replaced need
    // not): otherwise the month stays as it is, for the run's error to name the object.
    let current = latest_orders(merged.clone()).map_err(|e| e.to_string())?;
    from_frame(&current, "the merged month", Format::Parquet).map_err(|e| e.to_string())?;
    let lines = merged.height();
    let bytes = report::parquet_bytes(&mut merged).map_err(|e| e.to_string())?;
    Ok((bytes, lines))
}

/// A short digest of the objects a compaction merged (keys and tags): the same objects always
/// compact to the same key, and other contents under the same keys to another.
fn digest(sources: &[(String, String)]) -> String {
    let text: Vec<String> = sources.iter().map(|(k, t)| format!("{k} {t}")).collect();
    let hash = Sha256::digest(text.join("\n").as_bytes());
    hash[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// What a compaction did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Compacted {
    /// Months merged, the objects they held, and the lines written.
    pub months: usize,
    pub objects: usize,
    pub lines: usize,
    /// Months left for the next compaction: the time budget ran out.
    pub deferred: usize,
    /// Jobs in flight that compaction waited for (it did not run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waited_for: Vec<String>,
    /// Orders the lake outbox held (pushes that stopped between the table and the lake), whose
    /// lines were written to the lake before compaction ([`Job::drain_lake_outbox`]).
    #[serde(default)]
    pub outbox_orders: usize,
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
        }
    }
}

fn data_error(what: String) -> impl FnOnce(portal_domain::ParseError) -> JobError {
    move |e| JobError::Data {
        what,
        message: e.to_string(),
    }
}

/// A prediction as published: the product's own status and reason (what the account's users
/// see); the API adds the account's risk for the seller's staff
/// ([`AccountOutlook::staff_view`]), as the files have it.
fn suggestion(r: &ReorderRow) -> Result<ReorderSuggestion, JobError> {
    let what = || format!("reorder prediction {}/{}", r.account_id, r.sku);
    let (status, reason) = r
        .own
        .clone()
        .unwrap_or_else(|| (r.status, r.reason.clone()));
    Ok(ReorderSuggestion {
        account_id: AccountId::parse(&r.account_id).map_err(data_error(what()))?,
        sku: Sku::parse(&r.sku).map_err(data_error(what()))?,
        status,
        p_reorder: r.p_reorder,
        orders_seen: u32::try_from(r.orders_seen).unwrap_or(u32::MAX),
        last_order_date: r.last_order_date,
        expected_next_date: r.expected_next_date,
        expected_quantity: r.expected_quantity,
        suggested_quantity: r.suggested_quantity,
        reason,
    })
}

fn forecasts(rows: &[ForecastRow], bucket: &str) -> Result<Vec<SkuForecast>, JobError> {
    let mut out: Vec<SkuForecast> = Vec::new();
    for r in rows {
        let same = out.last().is_some_and(|f: &SkuForecast| {
            f.sku.as_str() == r.sku
                && f.division.as_ref().map(|d| d.as_str()) == r.division.as_deref()
        });
        if !same {
            let what = || format!("forecast {}", r.sku);
            out.push(SkuForecast {
                sku: Sku::parse(&r.sku).map_err(data_error(what()))?,
                division: r
                    .division
                    .as_deref()
                    .map(DivisionId::parse)
                    .transpose()
                    .map_err(data_error(what()))?,
                bucket: bucket.to_owned(),
                method: r.method.clone(),
                demand_class: serde_json::to_value(r.demand_class)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                periods: Vec::new(),
            });
        }
        if let Some(f) = out.last_mut() {
            f.periods.push(PeriodForecast {
                period_start: r.period_start,
                mean: r.mean,
                q50: r.q50,
                q90: r.q90,
                q95: r.q95,
            });
        }
    }
    Ok(out)
}

/// A finished run as the items the API serves.
pub fn run_items(run: &RunResult) -> Result<RunItems, JobError> {
    let suggestions: Vec<ReorderSuggestion> = run
        .reorders
        .iter()
        .map(suggestion)
        .collect::<Result<_, _>>()?;
    let silences: BTreeMap<&str, AccountSilence> = run
        .accounts
        .iter()
        .filter_map(|a| Some((a.account_id.as_str(), a.silence()?)))
        .collect();
    // Outlooks count the seller's view: every product of an account at risk as lapsing.
    let mut by_account: BTreeMap<&AccountId, Vec<ReorderStatus>> = BTreeMap::new();
    for (s, r) in suggestions.iter().zip(&run.reorders) {
        by_account.entry(&s.account_id).or_default().push(r.status);
    }
    let outlooks = by_account
        .into_iter()
        .map(|(account, statuses)| {
            let silence = silences.get(account.as_str()).copied();
            AccountOutlook::from_suggestions(account.clone(), statuses, silence)
        })
        .collect();
    let bucket = serde_json::to_value(run.params.bucket)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    Ok(RunItems {
        suggestions,
        outlooks,
        forecasts: forecasts(&run.forecasts, &bucket)?,
    })
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
            let compacted = job.plan(&job_id).await?;
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
