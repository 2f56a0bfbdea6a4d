//! What a job reads: the lake's order-line objects, pinned by the plan so that every shard of
//! a job reads the same orders, read and checked as one table; and the lake's replacement with
//! given lines (local runs).

use crate::compact::Compacted;
use crate::{Job, JobError, blocking};
use analytics::input::{Format, OrderLines, from_frame};
use analytics::lake::latest_orders;
use analytics::pipeline::Params;
use chrono::Utc;
use polars::prelude::{DataFrame, ParquetReader, SerReader};
use portal_domain::{AccountId, DivisionId, Sku};
use portal_store::lake::{
    JOB_INPUT_SUFFIX, JOBS_PREFIX, ORDER_LINES_PREFIX, job_input_key, job_prefix,
};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

impl Job {
    /// Reads every order-line object the lake holds now as one table (a job's plan reads the
    /// objects it pinned). When a row is bad, the error names the object and the row within it.
    pub async fn read_orders(&self) -> Result<OrderLines, JobError> {
        let keys = self.lake_objects().await?;
        self.read_keys(&keys, |gone| JobError::Data {
            what: gone,
            message: "listed and gone since (compacted or deleted): read again".into(),
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

    /// Plans job `job_id`: compacts the lake unless another job is in flight, pins the
    /// order-line objects it reads (`analytics/jobs/{job_id}.input.json`, which marks the job as
    /// in flight until it publishes), reads them, and leaves in the lake the run's globals and
    /// each of `shards` shards' own lines ([`Job::run_shard`] reads only those), so that pushes
    /// and files landing meanwhile wait for the next job. Jobs that never published and were
    /// planned more than [`IN_FLIGHT`] ago are cleared away (input, plan and parts).
    pub async fn plan(
        &self,
        job_id: &str,
        params: Params,
        shards: u32,
    ) -> Result<Compacted, JobError> {
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
        let orders = self
            .read_keys(&input.objects, |gone| JobError::Data {
                what: gone,
                message: "listed by the plan and gone since (compacted or deleted): plan again"
                    .into(),
            })
            .await?;
        self.write_plan(job_id, orders, params, shards.max(1))
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
    pub(crate) async fn fetch(
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

/// How long after its plan a job that has not published counts as running: compaction waits
/// for it. (A state machine execution takes minutes; one older than this has failed.)
pub const IN_FLIGHT: chrono::TimeDelta = chrono::TimeDelta::hours(2);

/// Whether a key under the order-line prefix holds order lines: Parquet, and CSV from the
/// push API (see `portal_lake`).
pub(crate) fn is_lake_object(key: &str) -> bool {
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
pub(crate) fn frames(
    objects: Vec<(String, Vec<u8>)>,
) -> Result<Vec<(String, DataFrame)>, JobError> {
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
pub(crate) fn stack(frames: &[(String, DataFrame)]) -> Result<Option<DataFrame>, JobError> {
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
