//! A job's shards: the plan's globals and each shard's own lines, left in the lake by the plan;
//! one shard computed from them and left in the lake as a part; the run finished from the
//! parts.

use crate::{Job, JobError, blocking};
use analytics::input::OrderLines;
use analytics::pipeline::{
    GLOBALS_FILE, Globals, Params, RunResult, Shard, ShardResult, encode_lines, finish, lines_file,
    run_part,
};
use portal_store::lake::{job_plan_key, shard_key, shard_parts_prefix};
use std::sync::Arc;

impl Job {
    /// Computes the run's globals from `orders` (the pinned input) and leaves them, and each of
    /// `count` shards' own lines, in the lake: a shard then reads about 2/count of the input,
    /// not all of it. A lake with no order lines before as-of is refused.
    pub(crate) async fn write_plan(
        &self,
        job_id: &str,
        orders: OrderLines,
        params: Params,
        count: u32,
    ) -> Result<(), JobError> {
        if !orders.lines.iter().any(|l| l.date < params.as_of) {
            return Err(JobError::Data {
                what: format!("the order-line lake ({})", self.lake.bucket()),
                message: format!("no order lines before {}: nothing to analyse", params.as_of),
            });
        }
        let orders = Arc::new(orders);
        let globals = {
            let orders = orders.clone();
            Arc::new(blocking(move || Ok(Globals::of(&orders, params))).await?)
        };
        // One shard's lines at a time: the plan holds the input once, not twice.
        for index in 1..=count {
            let shard = Shard { index, count };
            let key = job_plan_key(job_id, &lines_file(shard));
            let (orders, globals, what) = (orders.clone(), globals.clone(), key.clone());
            let bytes = blocking(move || {
                encode_lines(&globals.shard_lines(&orders, shard)).map_err(|e| JobError::Data {
                    what,
                    message: e.to_string(),
                })
            })
            .await?;
            self.lake
                .put(&key, analytics::lake::PARQUET.content_type, bytes)
                .await?;
        }
        let key = job_plan_key(job_id, GLOBALS_FILE);
        let bytes = serde_json::to_vec(&*globals).map_err(|e| JobError::Data {
            what: key.clone(),
            message: e.to_string(),
        })?;
        self.lake.put(&key, "application/json", bytes).await?;
        Ok(())
    }

    /// Computes one shard from its plan (the globals and its own lines) and leaves its part in
    /// the lake.
    pub async fn run_shard(
        &self,
        job_id: &str,
        params: Params,
        shard: Shard,
    ) -> Result<String, JobError> {
        let started = std::time::Instant::now();
        let key = job_plan_key(job_id, GLOBALS_FILE);
        let Some(bytes) = self.lake.get_if_exists(&key).await? else {
            return Err(JobError::Data {
                what: key,
                message: format!("job {job_id} was not planned, or has published already"),
            });
        };
        let globals: Globals = serde_json::from_slice(&bytes).map_err(|e| JobError::Data {
            what: key.clone(),
            message: format!("not a plan's globals: {e}"),
        })?;
        if globals.params != params {
            return Err(JobError::Params(format!(
                "shard {shard} of job {job_id} was given other parameters than its plan: \
                 plan a new job"
            )));
        }
        let key = job_plan_key(job_id, &lines_file(shard));
        let Some(bytes) = self.lake.get_if_exists(&key).await? else {
            return Err(JobError::Data {
                what: key,
                message: format!("job {job_id} was not planned with {} shards", shard.count),
            });
        };
        let part = blocking(move || {
            let orders = globals.shard_orders(&bytes).map_err(|e| JobError::Data {
                what: key,
                message: e.to_string(),
            })?;
            let read_ms = started.elapsed().as_secs_f64() * 1e3;
            let mut part = run_part(&orders, &globals, shard);
            *part.timings_ms.entry("read".into()).or_default() += read_ms;
            Ok(part)
        })
        .await?;
        let key = shard_key(job_id, shard.index, shard.count);
        let bytes = serde_json::to_vec(&part).map_err(|e| JobError::Data {
            what: key.clone(),
            message: e.to_string(),
        })?;
        self.lake.put(&key, "application/json", bytes).await?;
        Ok(key)
    }

    /// Finishes a job's run from its shard parts.
    pub async fn finish(&self, job_id: &str) -> Result<RunResult, JobError> {
        let mut parts: Vec<ShardResult> = Vec::new();
        for key in self.lake.list(&shard_parts_prefix(job_id)).await? {
            let bytes = self.lake.get(&key).await?;
            parts.push(serde_json::from_slice(&bytes).map_err(|e| JobError::Data {
                what: key.clone(),
                message: format!("not a shard part: {e}"),
            })?);
        }
        blocking(move || Ok(finish(parts)?)).await
    }
}
