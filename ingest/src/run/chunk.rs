//! Chunking and preparing: a file's rows handed over in chunks, each chunk's document files
//! read and its records read and merged, ready to write.

use super::{CHUNK_ROWS, DocumentFiles, IngestError, Target};
use crate::entity::{Entity, Update, Version};
use crate::merge::{Verdict, merge, merge_within};
use crate::read::SourceRow;
use portal_domain::DocumentId;
use portal_domain::records::{Change, Current, Record, RecordKey};
use portal_store::Store;
use std::collections::{BTreeMap, HashMap, HashSet};
use tokio::sync::mpsc;

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
pub(super) struct Prepared {
    pub(super) index: usize,
    pub(super) rows: Vec<SourceRow>,
    pub(super) verdicts: Vec<Option<Verdict>>,
    pub(super) updates: Vec<Option<(Update, Version)>>,
    pub(super) groups: BTreeMap<RecordKey, Vec<usize>>,
    pub(super) document_files: DocumentFileBytes,
    /// The changes merged from the records as read (while the chunk before was being written).
    pub(super) changes: Vec<Change>,
    pub(super) records: HashMap<RecordKey, (Option<Record>, u64)>,
}

/// A chunk's rows being merged into the records read for them.
pub(super) struct Merged<'a> {
    pub(super) groups: &'a BTreeMap<RecordKey, Vec<usize>>,
    pub(super) updates: &'a [Option<(Update, Version)>],
    pub(super) verdicts: &'a mut [Option<Verdict>],
    /// Each record as it will be after the write, with the revision it was read at.
    pub(super) records: &'a mut HashMap<RecordKey, (Option<Record>, u64)>,
    /// Records the store refused as merged: merged again asking it row by row (see
    /// [`merge_within`]), so that only the rows that make them unwritable are quarantined.
    pub(super) checked: &'a HashSet<RecordKey>,
    pub(super) store: &'a Store,
}

impl Merged<'_> {
    /// Merges the rows of `keys` into `current`: the changes to write; sets the rows' verdicts.
    pub(super) fn merge(
        &mut self,
        keys: &[RecordKey],
        current: &HashMap<RecordKey, Current>,
    ) -> Vec<Change> {
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
                let refusal = |change: &Change| {
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

impl Target {
    /// Groups a chunk's updates by record, reads the document files they name, and reads the
    /// records as they are now.
    pub(super) async fn prepare(
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
}
