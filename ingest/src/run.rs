//! Ingesting one file (or one pushed batch): rows in chunks, each chunk merged into the store
//! with conditional writes, the touched orders' lines written to the lake, every row counted.
//!
//! A chunk is read from the store, merged, and written; records someone else changed meanwhile
//! are read and merged again. Chunks are written in file order, so a file's later rows see its
//! earlier ones (the next chunk is read while one is written; what that one changes is read
//! again). Nothing is kept between chunks but the counts (quarantined rows go to a file), so memory stays
//! bounded however large the file. A crash leaves every chunk either written or not; running the
//! file again finishes the job (rows already written count as unchanged).

use crate::entity::{Entity, Update, Version};
use crate::merge::{Verdict, merge, merge_within};
use crate::read::SourceRow;
use crate::report::{Counts, FileReport, Quarantine, QuarantinedRow};
use portal_domain::model::Order;
use portal_domain::{DocumentId, Sku};
use portal_lake::{LakeLine, month_of};
use portal_store::lake::ingested_lines_key;
use portal_store::outbox::Pending;
use portal_store::{Lake, Record, RecordKey, Store, StoreError, Versioned};
use rust_decimal::prelude::ToPrimitive;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;
use tokio::sync::mpsc;

/// Rows per chunk: one read and one write round per chunk.
pub const CHUNK_ROWS: usize = 10_000;
/// Read-merge-write rounds for records that concurrent writers keep changing.
const MERGE_ATTEMPTS: usize = 10;

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

/// Rows per chunk of a documents export: each row brings its file into memory.
pub const DOCUMENT_CHUNK_ROWS: usize = 50;

/// Reads `rows` of `entity` on a blocking thread and hands them over in chunks.
pub fn chunked<I>(entity: Entity, rows: I) -> mpsc::Receiver<Vec<SourceRow>>
where
    I: Iterator<Item = SourceRow> + Send + 'static,
{
    let size = if entity == Entity::Documents {
        DOCUMENT_CHUNK_ROWS
    } else {
        CHUNK_ROWS
    };
    let (tx, rx) = mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let mut chunk = Vec::with_capacity(size);
        for row in rows {
            let broken = row.broken;
            chunk.push(row);
            if broken {
                // The rest cannot be read: what came so far, then no end mark.
                let _ = tx.blocking_send(chunk);
                return;
            }
            if chunk.len() == size {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(size));
                if tx.blocking_send(full).is_err() {
                    return;
                }
            }
        }
        if !chunk.is_empty() && tx.blocking_send(chunk).is_err() {
            return;
        }
        // The end mark: an empty chunk. A reader that stops without it (it panicked) fails
        // the ingest instead of passing for the end of the file.
        let _ = tx.blocking_send(Vec::new());
    });
    rx
}

/// The files a chunk's documents rows name, by document and file name.
type DocumentFileBytes = HashMap<(DocumentId, String), Vec<u8>>;

/// A file's content digest: the first 32 hex digits of its SHA-256 (the start of the revision
/// that names its object, see `merge`).
fn content_digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A chunk ready to merge and write.
struct Prepared {
    index: usize,
    rows: Vec<SourceRow>,
    verdicts: Vec<Option<Verdict>>,
    updates: Vec<Option<(Update, Version)>>,
    groups: BTreeMap<RecordKey, Vec<usize>>,
    document_files: DocumentFileBytes,
    /// The changes merged from the records as read (while the chunk before was being written).
    changes: Vec<portal_store::Change>,
    records: HashMap<RecordKey, (Option<Record>, u64)>,
}

/// A chunk's rows being merged into the records read for them.
struct Merged<'a> {
    groups: &'a BTreeMap<RecordKey, Vec<usize>>,
    updates: &'a [Option<(Update, Version)>],
    verdicts: &'a mut [Option<Verdict>],
    /// Each record as it will be after the write, with the revision it was read at.
    records: &'a mut HashMap<RecordKey, (Option<Record>, u64)>,
    /// Records the store refused as merged: merged again asking it row by row (see
    /// [`merge_within`]), so that only the rows that make them unwritable are quarantined.
    checked: &'a HashSet<RecordKey>,
    store: &'a Store,
}

impl Merged<'_> {
    /// Merges the rows of `keys` into `current`: the changes to write; sets the rows' verdicts.
    fn merge(
        &mut self,
        keys: &[RecordKey],
        current: &HashMap<RecordKey, portal_store::Current>,
    ) -> Vec<portal_store::Change> {
        let mut changes = Vec::new();
        for key in keys {
            let indexes = &self.groups[key];
            let rows_of_key: Vec<(Update, Version)> = indexes
                .iter()
                .filter_map(|&i| self.updates[i].clone())
                .collect();
            let now = current.get(key).cloned().unwrap_or_default();
            let (change, key_verdicts) = if self.checked.contains(key) {
                let store = self.store;
                let refusal = |change: &portal_store::Change| {
                    store
                        .refusal(change)
                        .unwrap_or_else(|e| Some(e.to_string()))
                };
                merge_within(key, &now, &rows_of_key, Some(&refusal))
            } else {
                merge(key, &now, &rows_of_key)
            };
            for (&i, verdict) in indexes
                .iter()
                .filter(|&&i| self.updates[i].is_some())
                .zip(key_verdicts)
            {
                self.verdicts[i] = Some(verdict);
            }
            let revision = now.record.as_ref().map_or(0, |r| r.revision);
            let record = match &change {
                Some(c) => c
                    .record
                    .as_ref()
                    .map(|(r, _)| r.clone())
                    .or_else(|| now.record.as_ref().map(|r| r.value.clone())),
                None => now.record.as_ref().map(|r| r.value.clone()),
            };
            self.records.insert(key.clone(), (record, revision));
            changes.extend(change);
        }
        changes
    }
}

/// A written chunk: its rows with their verdicts, and its records as written (with revisions).
struct Committed {
    index: usize,
    rows: Vec<SourceRow>,
    verdicts: Vec<Verdict>,
    records: HashMap<RecordKey, (Option<Record>, u64)>,
    /// The records this chunk wrote.
    written: HashSet<RecordKey>,
}

fn tally(
    committed: &Committed,
    counts: &mut Counts,
    quarantined: &mut Quarantine,
) -> Result<(), IngestError> {
    for (row, verdict) in committed.rows.iter().zip(&committed.verdicts) {
        counts.count(verdict);
        if let Verdict::Quarantined(reason) = verdict {
            quarantined
                .push(QuarantinedRow {
                    row: row.row,
                    line: row.line,
                    reason: reason.clone(),
                    record: row.raw.clone(),
                })
                .map_err(|e| IngestError::Unreadable(format!("the quarantine file: {e}")))?;
        }
    }
    Ok(())
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

    /// Writes the current lines of every order the lake outbox names to the lake, then clears
    /// those markers ([`portal_store::outbox`]): what a push that stopped between the table and
    /// the lake left. The analytics job does this before it reads the lake. Returns the orders
    /// written.
    pub async fn drain_lake_outbox(&self) -> Result<usize, IngestError> {
        let pending = self.store.lake_outbox().await?;
        for part in pending.chunks(CHUNK_ROWS) {
            let keys: Vec<RecordKey> = part
                .iter()
                .map(|p| RecordKey::Order(p.order.clone()))
                .collect();
            let current = self.store.read_current(&keys).await?;
            let records: HashMap<RecordKey, (Option<Record>, u64)> = current
                .into_iter()
                .filter_map(|(key, c)| c.record.map(|r| (key, (Some(r.value), r.revision))))
                .collect();
            let digest = {
                use sha2::Digest;
                let mut hasher = sha2::Sha256::new();
                for p in part {
                    hasher.update(format!("{}@{}\n", p.order, p.revision));
                }
                hasher
                    .finalize()
                    .iter()
                    .take(12)
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            };
            let info = FileInfo {
                source: "outbox".into(),
                entity: Entity::Orders,
                name: "lake outbox".into(),
                file_id: digest,
            };
            self.write_lake(&info, 0, &records, &PackSizes::default())
                .await?;
            self.store.clear_lake_outbox(part).await?;
        }
        Ok(pending.len())
    }

    /// Groups a chunk's updates by record, reads the document files they name, and reads the
    /// records as they are now.
    async fn prepare(
        &self,
        index: usize,
        rows: Vec<SourceRow>,
        files: &impl DocumentFiles,
    ) -> Result<Prepared, IngestError> {
        let mut verdicts: Vec<Option<Verdict>> = vec![None; rows.len()];
        let mut updates: Vec<Option<(Update, Version)>> = Vec::with_capacity(rows.len());
        let mut groups: BTreeMap<RecordKey, Vec<usize>> = BTreeMap::new();
        let mut document_files: DocumentFileBytes = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            match &row.parsed {
                Err(e) => {
                    verdicts[i] = Some(Verdict::Quarantined(e.0.clone()));
                    updates.push(None);
                }
                Ok((update, version)) => {
                    let mut update = update.clone();
                    if let Update::Document(d) = &mut update {
                        match files.read(&d.file).await? {
                            None => {
                                verdicts[i] = Some(Verdict::Quarantined(format!(
                                    "file: {:?} was not found next to the data",
                                    d.file
                                )));
                                updates.push(None);
                                continue;
                            }
                            Some(bytes) => {
                                d.size_bytes = bytes.len() as u64;
                                d.revision = content_digest(&bytes);
                                document_files.insert((d.id.clone(), d.file.clone()), bytes);
                            }
                        }
                    }
                    groups.entry(update.key()).or_default().push(i);
                    updates.push(Some((update, *version)));
                }
            }
        }
        let keys: Vec<RecordKey> = groups.keys().cloned().collect();
        let current = self.store.read_current(&keys).await?;
        let mut records = HashMap::new();
        let changes = Merged {
            groups: &groups,
            updates: &updates,
            verdicts: &mut verdicts,
            records: &mut records,
            checked: &HashSet::new(),
            store: &self.store,
        }
        .merge(&keys, &current);
        Ok(Prepared {
            index,
            rows,
            verdicts,
            updates,
            groups,
            document_files,
            changes,
            records,
        })
    }

    /// Merges a prepared chunk and writes it; records someone changed since they were read are
    /// read, merged and written again.
    ///
    /// `recent` are the records the chunk before wrote after this one was read: their merge is
    /// redone from a fresh read, so that a row found "already loaded" against the old state is
    /// judged against the new one.
    async fn commit(
        &self,
        prepared: Prepared,
        recent: &HashSet<RecordKey>,
    ) -> Result<Committed, IngestError> {
        let Prepared {
            index,
            rows,
            mut verdicts,
            updates,
            groups,
            document_files,
            changes,
            mut records,
        } = prepared;
        let mut todo: Vec<RecordKey> = groups.keys().cloned().collect();
        let stale: Vec<RecordKey> = todo
            .iter()
            .filter(|k| recent.contains(*k))
            .cloned()
            .collect();
        let mut changes: Vec<portal_store::Change> = changes
            .into_iter()
            .filter(|c| !recent.contains(&c.key))
            .collect();
        let mut checked = HashSet::new();
        if !stale.is_empty() {
            let current = self.store.read_current(&stale).await?;
            changes.extend(
                Merged {
                    groups: &groups,
                    updates: &updates,
                    verdicts: &mut verdicts,
                    records: &mut records,
                    checked: &checked,
                    store: &self.store,
                }
                .merge(&stale, &current),
            );
        }
        let mut first = Some(changes);
        let mut written_keys = HashSet::new();
        let mut attempt = 0;
        while !todo.is_empty() {
            attempt += 1;
            if attempt > MERGE_ATTEMPTS {
                return Err(IngestError::Contended(MERGE_ATTEMPTS));
            }
            let clock = Instant::now();
            let changes = match first.take() {
                Some(changes) => changes,
                None => {
                    let current = self.store.read_current(&todo).await?;
                    let mut merged = Merged {
                        groups: &groups,
                        updates: &updates,
                        verdicts: &mut verdicts,
                        records: &mut records,
                        checked: &checked,
                        store: &self.store,
                    };
                    merged.merge(&todo, &current)
                }
            };
            let read = clock.elapsed();
            // A document's file is stored before its item, and the file it replaces removed
            // once the item names the new one.
            let mut replaced = Vec::new();
            for change in &changes {
                let Some((Record::Document(d), _)) = &change.record else {
                    continue;
                };
                if let Some(bytes) = document_files.get(&(d.id.clone(), d.file_name.clone())) {
                    self.store.put_document_file(d, bytes.clone()).await?;
                }
                if let Some(Versioned {
                    value: Record::Document(old),
                    ..
                }) = &change.read.record
                    && old.file_revision != d.file_revision
                {
                    replaced.push((change.key.clone(), old.clone()));
                }
            }
            let count = changes.len();
            let written = self.store.write_changes(changes, self.lake_outbox).await?;
            for (key, old) in replaced {
                if written.revisions.contains_key(&key) {
                    // Left behind if this fails: taking up space, never served.
                    if let Err(e) = self.store.delete_document_file(&old).await {
                        tracing::warn!(document = %old.id, error = %e, "a replaced file stays");
                    }
                }
            }
            tracing::debug!(
                read_and_merge_ms = read.as_millis() as u64,
                write_ms = (clock.elapsed() - read).as_millis() as u64,
                changes = count,
                "ingest round"
            );
            for (key, revision) in written.revisions {
                if let Some(slot) = records.get_mut(&key) {
                    slot.1 = revision;
                }
                written_keys.insert(key);
            }
            // A record the store refuses as merged (an item over the size limit, ...) is
            // merged again, row by row, leaving out the rows that make it so; refused even then,
            // it keeps what it has: the rows that changed it are quarantined, the lake not told.
            let mut again = Vec::new();
            for (key, reason) in written.refused {
                if checked.insert(key.clone()) {
                    again.push(key);
                    continue;
                }
                records.remove(&key);
                for &i in &groups[&key] {
                    if matches!(verdicts[i], Some(Verdict::Loaded { .. })) {
                        verdicts[i] = Some(Verdict::Quarantined(reason.clone()));
                    }
                }
            }
            todo = written.conflicts;
            todo.extend(again);
        }
        Ok(Committed {
            index,
            rows,
            verdicts: verdicts
                .into_iter()
                .map(|v| v.unwrap_or_else(|| Verdict::Quarantined("not processed".into())))
                .collect(),
            records,
            written: written_keys,
        })
    }

    /// Writes the current lines of the orders a chunk touched, one object per month, with the
    /// pack sizes of their products (looked up once per file, in `known`).
    async fn write_lake(
        &self,
        info: &FileInfo,
        chunk: usize,
        results: &HashMap<RecordKey, (Option<Record>, u64)>,
        known: &PackSizes,
    ) -> Result<usize, IngestError> {
        let orders: Vec<(&Order, u64)> = results
            .values()
            .filter_map(|(record, revision)| match record {
                Some(Record::Order(order)) => Some((order, *revision)),
                _ => None,
            })
            .collect();
        let packs = {
            let mut known = known.lock().await;
            let mut missing: Vec<Sku> = orders
                .iter()
                .flat_map(|(o, _)| o.lines.iter().map(|l| &l.sku))
                .filter(|sku| !known.contains_key(*sku))
                .cloned()
                .collect();
            missing.sort();
            missing.dedup();
            if !missing.is_empty() {
                let found = self.store.pack_sizes(&missing).await?;
                for sku in missing {
                    let pack = found.get(&sku).and_then(|p| p.to_f64());
                    known.insert(sku, pack);
                }
            }
            known.clone()
        };
        let mut by_month: BTreeMap<String, Vec<LakeLine>> = BTreeMap::new();
        for (order, revision) in orders {
            for mut line in portal_lake::order_lines(order, revision) {
                line.pack_size = Sku::parse(&line.sku)
                    .ok()
                    .and_then(|sku| packs.get(&sku).copied().flatten());
                by_month.entry(month_of(&line)).or_default().push(line);
            }
        }
        let objects = by_month.len();
        for (month, mut lines) in by_month {
            lines.sort_by(|a, b| (&a.order_id, a.line_no).cmp(&(&b.order_id, b.line_no)));
            let bytes = (self.format.encode)(&lines).map_err(IngestError::Lake)?;
            let key = ingested_lines_key(
                &month,
                &info.source,
                &info.file_id,
                chunk,
                self.format.extension,
            );
            self.lake.put(&key, self.format.content_type, bytes).await?;
        }
        Ok(objects)
    }
}

/// Pack sizes by SKU, as far as looked up (`None`: no such product).
type PackSizes = std::sync::Arc<tokio::sync::Mutex<HashMap<Sku, Option<f64>>>>;

/// Writes a file's report, and its quarantine file when rows were rejected, to the ingest
/// bucket (see [`crate::layout`]): under the file's name for the latest file of that name, and
/// under its name and contents' id, so that a later file of the same name replaces neither.
/// The report names the quarantine file of its own contents.
pub async fn store_report(
    inbox: &portal_store::Bucket,
    info: &FileInfo,
    outcome: &mut Outcome,
) -> Result<(), IngestError> {
    use crate::layout::{file_quarantine_key, file_report_key, quarantine_key, report_key};
    let (source, entity, name) = (&info.source, info.entity, &info.name);
    if let Some(path) = &outcome.quarantine_csv {
        let kept = file_quarantine_key(source, entity, name, &info.file_id);
        for key in [&kept, &quarantine_key(source, entity, name)] {
            inbox.put_file(key, "text/csv; charset=utf-8", path).await?;
        }
        outcome.report.quarantine_file = Some(kept);
    }
    let report = serde_json::to_vec_pretty(&outcome.report)
        .map_err(|e| IngestError::Lake(format!("the report: {e}")))?;
    for key in [
        file_report_key(source, entity, name, &info.file_id),
        report_key(source, entity, name),
    ] {
        inbox.put(&key, "application/json", report.clone()).await?;
    }
    Ok(())
}
