//! Versioned upserts, for data that arrives from the seller's back-end systems.
//!
//! A record written this way carries two extra attributes: `source_versions`, the source's
//! version of each part it was built from (`#` for the record itself, `line#10` for an order
//! line, ...), and `revision`, a counter that grows with every write. Callers read the current
//! state ([`Store::read_current`]), decide what changes (ingest's merge rules), and write
//! ([`Store::write_changes`]) with each record conditional on the revision they read, in
//! transactions; a record someone else changed in between comes back as a conflict, to be read
//! and merged again. So concurrent writers never lose each other's changes, and a stale writer
//! never overwrites newer data.
//!
//! Children that arrive before their parent (order lines before the order's header, tracking
//! events before the shipment) wait in an "orphans" item under the parent's key (`#ORPHANS`),
//! which no read path serves; the write that creates the parent folds them in and deletes it.

mod limits;
mod record;
pub use limits::MAX_ITEM_BYTES;
use limits::{TRANSACTION_ACTIONS, TRANSACTION_BYTES, item_size, refusal};
pub use record::{ORPHANS, ORPHANS_WAIT, REVISION, SOURCE_VERSIONS, Written};
use record::{parse, partition};

use crate::error::dynamo;
use crate::items::{Item, from_item, s};
use crate::keys::{self, META, PK, SK};
use crate::{Store, StoreError};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use portal_domain::records::{Change, Current, RecordKey, Versioned, Versions};
use std::collections::{HashMap, HashSet};

const RETRIES: u32 = 8;
/// Transactions sent at once (as many as the demo's batched writes).
pub const IN_FLIGHT: usize = 8;

/// A change's transaction actions, their size, and the record's revision after them.
type Pending = (RecordKey, Vec<TransactWriteItem>, usize, Option<u64>);

fn versions_of(item: &Item) -> (Versions, u64) {
    let versions = item
        .get(SOURCE_VERSIONS)
        .and_then(|v| v.as_m().ok())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_s().ok().map(|v| (k.clone(), v.clone())))
                .collect()
        })
        .unwrap_or_default();
    let revision = item
        .get(REVISION)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    (versions, revision)
}

fn with_versions(mut item: Item, versions: &Versions, revision: u64) -> Item {
    item.insert(
        SOURCE_VERSIONS.to_owned(),
        AttributeValue::M(versions.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
    );
    item.insert(REVISION.to_owned(), AttributeValue::N(revision.to_string()));
    item
}

/// The condition that the item is still at `revision` (absent when `None`).
fn still_at(put_or_delete: Option<u64>) -> (String, Option<AttributeValue>) {
    match put_or_delete {
        None => ("attribute_not_exists(PK)".to_owned(), None),
        Some(0) => (
            "attribute_exists(PK) AND attribute_not_exists(revision)".to_owned(),
            None,
        ),
        Some(r) => (
            "revision = :revision".to_owned(),
            Some(AttributeValue::N(r.to_string())),
        ),
    }
}

impl Store {
    /// The current state of each key: the record with its versions and revision, and any
    /// orphans waiting for it. One `BatchGetItem` per 100 items.
    pub async fn read_current(
        &self,
        keys: &[RecordKey],
    ) -> Result<HashMap<RecordKey, Current>, StoreError> {
        let mut by_pk: HashMap<String, &RecordKey> = HashMap::new();
        for key in keys {
            by_pk.entry(partition(key)).or_insert(key);
        }
        let mut current: HashMap<RecordKey, Current> = keys
            .iter()
            .map(|k| (k.clone(), Current::default()))
            .collect();
        // The records first; orphans can only wait beside a record that does not exist (a
        // parent takes them in when it is written, and none are written beside it after), so
        // only those are looked for.
        let records = by_pk
            .keys()
            .map(|pk| (pk.clone(), META.to_owned()))
            .collect();
        for item in self.table.batch_get(records).await? {
            let Some(pk) = item.get(PK).and_then(|v| v.as_s().ok()).cloned() else {
                continue;
            };
            let Some(&key) = by_pk.get(&pk) else {
                continue;
            };
            let (versions, revision) = versions_of(&item);
            current.entry(key.clone()).or_default().record = Some(Versioned {
                value: parse(key, item)?,
                versions,
                revision,
            });
        }
        let orphans = by_pk
            .iter()
            .filter(|(_, key)| {
                key.has_orphans() && current.get(**key).is_none_or(|c| c.record.is_none())
            })
            .map(|(pk, _)| (pk.clone(), ORPHANS.to_owned()))
            .collect();
        for item in self.table.batch_get(orphans).await? {
            let Some(pk) = item.get(PK).and_then(|v| v.as_s().ok()).cloned() else {
                continue;
            };
            let Some(&key) = by_pk.get(&pk) else {
                continue;
            };
            let (versions, revision) = versions_of(&item);
            current.entry(key.clone()).or_default().orphans = Some(Versioned {
                value: from_item(item)?,
                versions,
                revision,
            });
        }
        Ok(current)
    }

    /// Writes changes in transactions, each record conditional on the revision it was read at,
    /// [`IN_FLIGHT`] transactions at a time (the changes are of different records). Changes whose
    /// record (or orphans) changed since are not written and come back in [`Written::conflicts`].
    ///
    /// With `outbox`, each order written leaves a lake-outbox marker in the same transaction
    /// (see [`crate::outbox`]): for writers that write the lake after the table and could stop in
    /// between.
    pub async fn write_changes(
        &self,
        changes: Vec<Change>,
        outbox: bool,
    ) -> Result<Written, StoreError> {
        let mut written = Written::default();
        // Each change's actions, kept together: they succeed or fail as one.
        let mut pending: Vec<Pending> = Vec::with_capacity(changes.len());
        for change in changes {
            let (mut actions, revision) = self.actions(&change)?;
            if let Some(reason) = refusal(&change.key, &actions) {
                written.refused.push((change.key, reason));
                continue;
            }
            if outbox && let (RecordKey::Order(id), Some(revision)) = (&change.key, revision) {
                actions.push(crate::outbox::marker(&self.table.name, id, revision));
            }
            let bytes = actions
                .iter()
                .filter_map(|a| a.put.as_ref().map(|p| item_size(p.item())))
                .sum();
            pending.push((change.key, actions, bytes, revision));
        }
        // Transactions of even size, so that the last ones sent do not run nearly alone.
        let total: usize = pending.iter().map(|(_, a, _, _)| a.len()).sum();
        let per_transaction = total
            .div_ceil(IN_FLIGHT * 2)
            .clamp(TRANSACTION_ACTIONS / 4, TRANSACTION_ACTIONS);
        let mut batches = Vec::new();
        let mut queue = pending.into_iter().peekable();
        while queue.peek().is_some() {
            let mut batch = Vec::new();
            let (mut actions, mut bytes) = (0, 0);
            while let Some((_, a, b, _)) = queue.peek() {
                if !batch.is_empty()
                    && (actions + a.len() > per_transaction || bytes + b > TRANSACTION_BYTES)
                {
                    break;
                }
                actions += a.len();
                bytes += b;
                batch.extend(queue.next());
            }
            batches.push(batch);
        }
        let mut tasks = tokio::task::JoinSet::new();
        let mut batches = batches.into_iter();
        loop {
            while tasks.len() < IN_FLIGHT {
                let Some(batch) = batches.next() else { break };
                let store = self.clone();
                tasks.spawn(async move { store.transact(batch).await });
            }
            let Some(done) = tasks.join_next().await else {
                break;
            };
            let done = done.map_err(|e| StoreError::Service {
                service: "DynamoDB",
                operation: "TransactWriteItems",
                code: None,
                message: format!("a write task stopped: {e}"),
            })??;
            written.revisions.extend(done.revisions);
            written.conflicts.extend(done.conflicts);
            written.refused.extend(done.refused);
        }
        written.conflicts.sort();
        written.refused.sort();
        Ok(written)
    }

    /// Whether the table would refuse `change` whatever is stored, and why: an item over the
    /// table's size limit, a key longer than it takes, more writes or bytes than one transaction
    /// holds. [`Store::write_changes`] does not send such a change; ingest asks before, row by
    /// row, to refuse only the rows that make a record too large.
    pub fn refusal(&self, change: &Change) -> Result<Option<String>, StoreError> {
        let (actions, _) = self.actions(change)?;
        Ok(refusal(&change.key, &actions))
    }

    /// Runs one transaction, retrying without the changes whose condition failed. When the
    /// service refuses the transaction as invalid, its changes go again in halves, so that only
    /// the change it refuses on its own is left out (in [`Written::refused`]).
    async fn transact(&self, batch: Vec<Pending>) -> Result<Written, StoreError> {
        let mut written = Written::default();
        let mut parts = vec![batch];
        while let Some(part) = parts.pop() {
            match self.transact_part(part).await? {
                Part::Done(done) => {
                    written.revisions.extend(done.revisions);
                    written.conflicts.extend(done.conflicts);
                    written.refused.extend(done.refused);
                }
                Part::Invalid(mut part, reason) => {
                    if part.len() == 1 {
                        let (key, ..) = part.remove(0);
                        written
                            .refused
                            .push((key, format!("the table refused it: {reason}")));
                    } else {
                        let half = part.split_off(part.len() / 2);
                        parts.push(half);
                        parts.push(part);
                    }
                }
            }
        }
        Ok(written)
    }

    /// Runs one transaction, retrying without the changes whose condition failed; a
    /// transaction the service refuses as invalid comes back whole, with the reason.
    async fn transact_part(&self, mut batch: Vec<Pending>) -> Result<Part, StoreError> {
        let mut written = Written::default();
        let mut attempt = 0;
        while !batch.is_empty() {
            let items: Vec<TransactWriteItem> =
                batch.iter().flat_map(|(_, a, _, _)| a.clone()).collect();
            let result = self
                .table
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await;
            let error = match result {
                Ok(_) => {
                    for (key, _, _, revision) in batch {
                        if let Some(r) = revision {
                            written.revisions.insert(key, r);
                        }
                    }
                    return Ok(Part::Done(written));
                }
                Err(e) => e,
            };
            if error.code() == Some("ValidationException") {
                let reason = error.message().unwrap_or("invalid request").to_owned();
                return Ok(Part::Invalid(batch, reason));
            }
            let cancelled = match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
                    Some(c.cancellation_reasons().to_vec())
                }
                _ => None,
            };
            let retryable = cancelled.is_some()
                || error.code().is_some_and(|c| {
                    c.contains("Throttl")
                        || c == "TransactionInProgressException"
                        || c == "ProvisionedThroughputExceededException"
                        || c == "RequestLimitExceeded"
                });
            if !retryable {
                return Err(dynamo("TransactWriteItems")(error));
            }
            // Which changes failed their condition: those are conflicts; which the service
            // found invalid: those are refused; the rest go again.
            let mut failed: HashSet<usize> = HashSet::new();
            let mut invalid: HashMap<usize, String> = HashMap::new();
            if let Some(reasons) = &cancelled {
                let mut index = 0;
                for (i, (_, actions, _, _)) in batch.iter().enumerate() {
                    for _ in actions {
                        let reason = reasons.get(index);
                        match reason.and_then(|r| r.code()) {
                            Some("ConditionalCheckFailed") => {
                                failed.insert(i);
                            }
                            Some("ValidationError") => {
                                let message =
                                    reason.and_then(|r| r.message()).unwrap_or("invalid item");
                                invalid.insert(i, format!("the table refused it: {message}"));
                            }
                            _ => {}
                        }
                        index += 1;
                    }
                }
            }
            if failed.is_empty() && invalid.is_empty() {
                attempt += 1;
                if attempt > RETRIES {
                    return Err(dynamo("TransactWriteItems")(error));
                }
                crate::items::backoff(attempt).await;
                continue;
            }
            let mut rest = Vec::with_capacity(batch.len());
            for (i, change) in batch.into_iter().enumerate() {
                if let Some(reason) = invalid.remove(&i) {
                    written.refused.push((change.0, reason));
                } else if failed.contains(&i) {
                    written.conflicts.push(change.0);
                } else {
                    rest.push(change);
                }
            }
            batch = rest;
        }
        Ok(Part::Done(written))
    }

    /// The transaction actions of one change, and the record's revision after it.
    fn actions(
        &self,
        change: &Change,
    ) -> Result<(Vec<TransactWriteItem>, Option<u64>), StoreError> {
        let table = &self.table.name;
        let mut actions = Vec::new();
        let pk = partition(&change.key);
        let mut revision = None;
        if let Some((record, versions)) = &change.record {
            let read = change.read.record.as_ref().map(|r| r.revision);
            let next = read.map_or(1, |r| r + 1);
            let mut items = crate::items_of(record)?;
            let new_keys: HashSet<(String, String)> = items.iter().map(key_of).collect();
            // Items the old record had and the new one has not (a renamed product's words).
            if let Some(old) = &change.read.record {
                for old_item in crate::items_of(&old.value)? {
                    let key = key_of(&old_item);
                    if key.1 != META && !new_keys.contains(&key) {
                        actions.push(delete(table, key, None));
                    }
                }
            }
            let (condition, value) = still_at(read);
            for item in items.drain(..) {
                let is_main = key_of(&item) == (pk.clone(), META.to_owned());
                let put = if is_main {
                    let mut put = Put::builder()
                        .table_name(table)
                        .set_item(Some(with_versions(item, versions, next)))
                        .condition_expression(&condition);
                    if let Some(v) = &value {
                        put = put.expression_attribute_values(":revision", v.clone());
                    }
                    put
                } else {
                    Put::builder().table_name(table).set_item(Some(item))
                };
                let put = put.build().map_err(builder_error)?;
                actions.push(TransactWriteItem::builder().put(put).build());
            }
            revision = Some(next);
        }
        let read_orphans = change.read.orphans.as_ref().map(|o| o.revision);
        match &change.orphans {
            Some((orphans, versions)) if !orphans.is_empty() => {
                let next = read_orphans.map_or(1, |r| r + 1);
                let mut item: Item =
                    serde_dynamo::aws_sdk_dynamodb_1::to_item(orphans).map_err(|source| {
                        StoreError::Serialise {
                            what: format!("orphans of {pk}"),
                            source,
                        }
                    })?;
                item.insert(PK.to_owned(), s(&pk));
                item.insert(SK.to_owned(), s(ORPHANS));
                item.insert(keys::ENTITY.to_owned(), s("orphans"));
                let expires = chrono::Utc::now().timestamp() + ORPHANS_WAIT.as_secs() as i64;
                item.insert(
                    "expires_at".to_owned(),
                    AttributeValue::N(expires.to_string()),
                );
                let (condition, value) = still_at(read_orphans);
                let mut put = Put::builder()
                    .table_name(table)
                    .set_item(Some(with_versions(item, versions, next)))
                    .condition_expression(condition);
                if let Some(v) = value {
                    put = put.expression_attribute_values(":revision", v);
                }
                actions.push(
                    TransactWriteItem::builder()
                        .put(put.build().map_err(builder_error)?)
                        .build(),
                );
            }
            _ => {
                if let Some(r) = read_orphans {
                    actions.push(delete(table, (pk.clone(), ORPHANS.to_owned()), Some(r)));
                } else if change.record.is_some()
                    && change.read.record.is_none()
                    && change.key.has_orphans()
                {
                    // A new parent read no orphans: none may have arrived since, or it would
                    // not take them in and they would wait forever. (Once the parent exists, no
                    // orphans are written: see the check below.)
                    let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
                        .table_name(table)
                        .key(PK, s(&pk))
                        .key(SK, s(ORPHANS))
                        .condition_expression("attribute_not_exists(PK)")
                        .build()
                        .map_err(builder_error)?;
                    actions.push(TransactWriteItem::builder().condition_check(check).build());
                }
            }
        }
        if change.record.is_none() && change.orphans.is_some() {
            // Only orphans change: the parent must still be missing, or they would be lost.
            let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
                .table_name(table)
                .key(PK, s(&pk))
                .key(SK, s(META))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(builder_error)?;
            actions.push(TransactWriteItem::builder().condition_check(check).build());
        }
        Ok((actions, revision))
    }
}

/// How one transaction went.
enum Part {
    /// Written, but for the changes in conflict.
    Done(Written),
    /// Refused as invalid by the service: nothing of it was written.
    Invalid(Vec<Pending>, String),
}

fn key_of(item: &Item) -> (String, String) {
    let get = |k: &str| {
        item.get(k)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    (get(PK), get(SK))
}

fn delete(table: &str, (pk, sk): (String, String), revision: Option<u64>) -> TransactWriteItem {
    let mut delete = Delete::builder()
        .table_name(table)
        .key(PK, s(pk))
        .key(SK, s(sk));
    if let Some(r) = revision {
        let (condition, value) = still_at(Some(r));
        delete = delete.condition_expression(condition);
        if let Some(v) = value {
            delete = delete.expression_attribute_values(":revision", v);
        }
    }
    TransactWriteItem::builder()
        .delete(delete.build().expect("table and key are set"))
        .build()
}

fn builder_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Service {
        service: "DynamoDB",
        operation: "TransactWriteItems",
        code: None,
        message: e.to_string(),
    }
}
