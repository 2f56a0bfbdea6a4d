//! Ingesting one file (or one pushed batch): rows in chunks, each chunk merged into the store
//! with conditional writes, the touched orders' lines written to the lake, every row counted.
//!
//! A chunk is read from the store, merged, and written; records someone else changed meanwhile
//! are read and merged again. Chunks are written in file order, so a file's later rows see its
//! earlier ones (the next chunk is read while one is written; what that one changes is read
//! again). Nothing is kept between chunks but the counts (quarantined rows go to a file), so memory stays
//! bounded however large the file. A crash leaves every chunk either written or not; running the
//! file again finishes the job (rows already written count as unchanged).
//!
//! `chunk` hands a file over in chunks and prepares each, `commit` writes them with the
//! conditional-write retry loop, `lake` writes the touched orders' lines, `report` counts rows
//! and writes a file's report.

mod chunk;
mod commit;
mod lake;
mod report;

pub use chunk::{DOCUMENT_CHUNK_ROWS, chunked};
pub use report::store_report;

use crate::entity::Entity;
use crate::merge::Verdict;
use crate::read::SourceRow;
use crate::report::{Counts, FileReport, Quarantine, QuarantinedRow};
use commit::Committed;
use lake::PackSizes;
use portal_domain::records::RecordKey;
use portal_store::outbox::Pending;
use portal_store::{Lake, Store, StoreError};
use report::tally;
use std::collections::HashSet;
use std::time::Instant;
use tokio::sync::mpsc;

/// Rows per chunk: one read and one write round per chunk.
pub const CHUNK_ROWS: usize = 10_000;

/// Why ingesting stopped.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file cannot be read at all: it is set aside with this reason, never retried.
    #[error("the file cannot be read: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the lake: {0}")]
    Lake(String),
    /// Reading the file failed part way (not its contents: the input): try again.
    #[error("reading the file failed: {0}")]
    Read(String),
    #[error("records kept changing under concurrent writers after {0} attempts")]
    Contended(usize),
}

/// Where the files that documents rows name are read from (dropped next to the data).
pub trait DocumentFiles: Sync {
    /// The file's bytes, or `None` when there is no such file.
    fn read(
        &self,
        name: &str,
    ) -> impl std::future::Future<Output = Result<Option<Vec<u8>>, IngestError>> + Send;
}

/// No document files (for entities that have none).
pub struct NoFiles;

impl DocumentFiles for NoFiles {
    async fn read(&self, _name: &str) -> Result<Option<Vec<u8>>, IngestError> {
        Ok(None)
    }
}

/// What is being ingested.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub source: String,
    pub entity: Entity,
    /// The file's name, for the report.
    pub name: String,
    /// The file's identity (content hash or ETag): it names the file's lake objects, so a re-run
    /// rewrites them.
    pub file_id: String,
}

/// A file's report and its quarantined rows.
#[derive(Debug)]
pub struct Outcome {
    pub report: FileReport,
    /// The first [`crate::report::KEPT`] quarantined rows.
    pub quarantined: Vec<QuarantinedRow>,
    /// Every quarantined row, as the quarantine CSV (removed when dropped).
    pub quarantine_csv: Option<tempfile::TempPath>,
}

/// The stores ingest writes to.
#[derive(Debug, Clone)]
pub struct Target {
    pub store: Store,
    pub lake: Lake,
    /// How lake objects are written: `analytics::lake::PARQUET` where polars may be linked,
    /// [`portal_lake::CSV`] where it may not (the push API).
    pub format: portal_lake::Encoding,
    /// Whether order writes leave lake-outbox markers until the lake has their lines
    /// ([`portal_store::outbox`]): for the push API, whose client may never retry a call that
    /// stopped between the table and the lake. (A file's invocation is retried whole.)
    pub lake_outbox: bool,
}

/// What a pushed batch did: each row's verdict, in the batch's order, and the counts.
#[derive(Debug)]
pub struct Batch {
    pub verdicts: Vec<Verdict>,
    pub counts: Counts,
    /// Lake objects written (order lines of the orders the batch touched).
    pub lake_objects: usize,
}

impl Target {
    /// Ingests a file's rows (from [`chunked`]) and reports on every row.
    ///
    /// Chunks are written in file order; while one chunk's transactions run, the next chunk's
    /// records are read, and the lake objects of the one before are written. A record the
    /// running chunk changes after the next one read it fails that one's condition and is read
    /// and merged again, so the overlap never reorders a file's rows.
    pub async fn ingest(
        &self,
        info: &FileInfo,
        mut chunks: mpsc::Receiver<Vec<SourceRow>>,
        files: &impl DocumentFiles,
        progress: &(dyn Fn(&Counts) + Sync),
    ) -> Result<Outcome, IngestError> {
        let started_at = chrono::Utc::now();
        let clock = Instant::now();
        let mut counts = Counts::default();
        let mut quarantined = Quarantine::default();
        let mut index = 0;
        let mut writing: Option<tokio::task::JoinHandle<Result<Committed, IngestError>>> = None;
        let packs = PackSizes::default();
        let mut lake = tokio::task::JoinSet::new();
        loop {
            let next = match chunks.recv().await {
                Some(rows) if rows.is_empty() => None,
                Some(rows) => {
                    if let Some(broken) = rows.iter().find(|r| r.broken) {
                        let reason = match &broken.parsed {
                            Err(e) => e.0.clone(),
                            Ok(_) => "the input failed".to_owned(),
                        };
                        return Err(IngestError::Read(format!("row {}: {reason}", broken.row)));
                    }
                    Some(self.prepare(index, rows, files).await?)
                }
                None => {
                    return Err(IngestError::Read(
                        "the reader stopped before the end of the file".into(),
                    ));
                }
            };
            let mut recent = HashSet::new();
            if let Some(running) = writing.take() {
                let mut committed = running
                    .await
                    .map_err(|e| IngestError::Lake(format!("a write task stopped: {e}")))??;
                recent = std::mem::take(&mut committed.written);
                tally(&committed, &mut counts, &mut quarantined)?;
                progress(&counts);
                if info.entity.changes_order_lines() {
                    let (target, info, packs) = (self.clone(), info.clone(), packs.clone());
                    lake.spawn(async move {
                        target
                            .write_lake(&info, committed.index, &committed.records, &packs)
                            .await
                    });
                }
            }
            let Some(prepared) = next else { break };
            let target = self.clone();
            writing = Some(tokio::spawn(async move {
                target.commit(prepared, &recent).await
            }));
            index += 1;
        }
        let (quarantined, quarantine_csv) = quarantined
            .finish()
            .map_err(|e| IngestError::Unreadable(format!("the quarantine file: {e}")))?;
        let mut lake_objects = 0;
        while let Some(done) = lake.join_next().await {
            lake_objects +=
                done.map_err(|e| IngestError::Lake(format!("a lake task stopped: {e}")))??;
        }
        Ok(Outcome {
            report: FileReport {
                source: info.source.clone(),
                entity: info.entity.name().to_owned(),
                file: info.name.clone(),
                file_id: info.file_id.clone(),
                counts,
                counts_add_up: counts.add_up(),
                quarantine_file: None,
                lake_objects,
                started_at: started_at.to_rfc3339(),
                seconds: clock.elapsed().as_secs_f64(),
            },
            quarantined,
            quarantine_csv,
        })
    }

    /// Ingests one pushed batch (at most a chunk of rows, without document files): the same
    /// merge and conditional writes as a file's chunk, answering every row's verdict.
    ///
    /// `info.file_id` names the batch's lake objects: the same batch pushed again rewrites them.
    pub async fn ingest_batch(
        &self,
        info: &FileInfo,
        rows: Vec<SourceRow>,
    ) -> Result<Batch, IngestError> {
        assert!(rows.len() <= CHUNK_ROWS, "a batch is at most one chunk");
        let prepared = self.prepare(0, rows, &NoFiles).await?;
        let committed = self.commit(prepared, &HashSet::new()).await?;
        let mut counts = Counts::default();
        for verdict in &committed.verdicts {
            counts.count(verdict);
        }
        let lake_objects = if info.entity.changes_order_lines() {
            self.write_lake(info, 0, &committed.records, &PackSizes::default())
                .await?
        } else {
            0
        };
        if self.lake_outbox {
            let done: Vec<Pending> = committed
                .written
                .iter()
                .filter_map(|key| match (key, committed.records.get(key)) {
                    (RecordKey::Order(order), Some((_, revision))) => Some(Pending {
                        order: order.clone(),
                        revision: *revision,
                    }),
                    _ => None,
                })
                .collect();
            self.store.clear_lake_outbox(&done).await?;
        }
        Ok(Batch {
            verdicts: committed.verdicts,
            counts,
            lake_objects,
        })
    }
}
