//! A job's shards: one shard computed from the pinned input and left in the lake as a part,
//! and the run finished from the parts.

use crate::{Job, JobError, blocking};
use analytics::pipeline::{Params, RunResult, Shard, ShardResult, finish, run_shard};
use portal_store::lake::{job_prefix, shard_key};

impl Job {
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

    /// Finishes a job's run from its shard parts.
    pub async fn finish(&self, job_id: &str) -> Result<RunResult, JobError> {
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
}
