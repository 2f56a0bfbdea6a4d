//! Compaction of the lake: each month's many small order-line objects rewritten as one Parquet
//! object, each order at its latest revision.

use crate::input::{frames, is_lake_object, stack};
use crate::{Job, JobError, blocking};
use analytics::input::{Format, from_frame};
use analytics::lake::latest_orders;
use analytics::report;
use polars::prelude::SortMultipleOptions;
use portal_store::lake::ORDER_LINES_PREFIX;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;

impl Job {
    /// Merges each month's order-line objects into one Parquet object, so that a lake fed by
    /// many small pushes and files stays quick to read (every shard reads all of it).
    ///
    /// A month with at least [`COMPACT_AT`] objects is read, each order keeps only the lines of
    /// its latest revision (cancelled ones included, so that a cancellation still hides older
    /// lines of the order in other months), and the result is written as
    /// `compacted-<digest of the compacted objects>.parquet` before the compacted objects are
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
            let compacted = blocking(move || Ok(compact_month(objects))).await?;
            let (bytes, lines) = match compacted {
                Ok(compacted) => compacted,
                Err(reason) => {
                    tracing::warn!(month, %reason, "month left uncompacted");
                    continue;
                }
            };
            let key = format!("{month}/compacted-{}.parquet", digest(&sources));
            self.lake
                .put(&key, analytics::lake::PARQUET.content_type, bytes)
                .await?;
            // Delete only what was compacted: an object written again since it was listed (a
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
}

/// Objects a month needs before [`Job::compact`] rewrites them as one.
pub const COMPACT_AT: usize = 2;
/// How long a compaction starts new months for (the plan step's function runs up to 15
/// minutes); the rest wait for the next run.
const COMPACT_BUDGET: Duration = Duration::from_secs(300);

/// One month's objects as one Parquet object's bytes and its line count, or why not: the lines
/// that count must be valid order lines.
fn compact_month(objects: Vec<(String, Vec<u8>)>) -> Result<(Vec<u8>, usize), String> {
    let frames = frames(objects).map_err(|e| e.to_string())?;
    let all = stack(&frames)
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let mut month = analytics::lake::latest_revisions(all)
        .and_then(|frame| {
            frame.sort(
                ["order_id", "line_no"],
                SortMultipleOptions::default().with_maintain_order(true),
            )
        })
        .map_err(|e| e.to_string())?;
    // What the run will count must read as order lines (lines a later revision replaced need
    // not): otherwise the month stays as it is, for the run's error to name the object.
    let current = latest_orders(month.clone()).map_err(|e| e.to_string())?;
    from_frame(&current, "the compacted month", Format::Parquet).map_err(|e| e.to_string())?;
    let lines = month.height();
    let bytes = report::parquet_bytes(&mut month).map_err(|e| e.to_string())?;
    Ok((bytes, lines))
}

/// A short digest of the objects a compaction rewrote (keys and tags): the same objects always
/// compact to the same key, and other contents under the same keys to another.
fn digest(sources: &[(String, String)]) -> String {
    let text: Vec<String> = sources.iter().map(|(k, t)| format!("{k} {t}")).collect();
    let hash = Sha256::digest(text.join("\n").as_bytes());
    hash[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// What a compaction did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Compacted {
    /// Months compacted, the objects they held, and the lines written.
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
