//! Committing a chunk: its changes written in conditional transactions, records that changed
//! meanwhile read, merged and written again, rows the store refuses quarantined.

use super::chunk::{Merged, Prepared};
use super::{IngestError, Target};
use crate::merge::Verdict;
use crate::read::SourceRow;
use portal_domain::records::{Change, Record, RecordKey, Versioned};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// Read-merge-write rounds for records that concurrent writers keep changing.
const MERGE_ATTEMPTS: usize = 10;

/// A written chunk: its rows with their verdicts, and its records as written (with revisions).
pub(super) struct Committed {
    pub(super) index: usize,
    pub(super) rows: Vec<SourceRow>,
    pub(super) verdicts: Vec<Verdict>,
    pub(super) records: HashMap<RecordKey, (Option<Record>, u64)>,
    /// The records this chunk wrote.
    pub(super) written: HashSet<RecordKey>,
}

impl Target {
    /// Merges a prepared chunk and writes it; records someone changed since they were read are
    /// read, merged and written again.
    ///
    /// `recent` are the records the chunk before wrote after this one was read: their merge is
    /// redone from a fresh read, so that a row found "already loaded" against the old state is
    /// judged against the new one.
    pub(super) async fn commit(
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
        let mut changes: Vec<Change> = changes
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
}
