//! The lake outbox: orders whose current lines the order-line lake may not have yet.
//!
//! The push API writes the lake after its transactions commit. A crash in between, or a lake
//! write that fails and is answered with an error its client never retries, would leave those
//! orders out of the analytics for good. So a write that asks for it ([`Store::write_changes`]
//! with `outbox`) puts a marker beside every order it writes, in the same transaction:
//! `OUTBOX#LAKE#<shard>` / `ORDER#<id>` holding the order's new revision. The writer removes
//! the markers once the lake has the lines ([`Store::clear_lake_outbox`]); whatever is left,
//! the analytics job's plan writes to the lake and removes before it reads the lake
//! ([`Store::lake_outbox`]). Markers are spread over [`SHARDS`] partitions so that a burst of
//! pushes does not write one partition only.

use crate::error::dynamo;
use crate::items::{Item, from_item, s};
use crate::keys::{self, PK, SK};
use crate::{Store, StoreError};
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use portal_domain::OrderId;

/// Partitions the markers are spread over.
pub const SHARDS: u64 = 16;
const REVISION: &str = "revision";
const ORDER_ID: &str = "order_id";

#[derive(serde::Deserialize)]
struct Marker {
    order_id: OrderId,
    revision: u64,
}

/// An order whose lines the lake may not have at `revision` yet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pending {
    pub order: OrderId,
    pub revision: u64,
}

fn partition(shard: u64) -> String {
    format!("OUTBOX#LAKE#{shard:02}")
}

/// The marker's key: its shard is a stable hash of the order id (FNV-1a).
fn key_of(order: &OrderId) -> (String, String) {
    let hash = order
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    (partition(hash % SHARDS), keys::order(order))
}

/// The put of an order's marker at `revision`, for the transaction that writes the order.
pub(crate) fn marker(table: &str, order: &OrderId, revision: u64) -> TransactWriteItem {
    let (pk, sk) = key_of(order);
    let item: Item = [
        (PK.to_owned(), s(pk)),
        (SK.to_owned(), s(sk)),
        (keys::ENTITY.to_owned(), s("lake-outbox")),
        (ORDER_ID.to_owned(), s(order.as_str())),
        (REVISION.to_owned(), AttributeValue::N(revision.to_string())),
    ]
    .into_iter()
    .collect();
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .build()
        .expect("table and item are set");
    TransactWriteItem::builder().put(put).build()
}

impl Store {
    /// Every order with a marker, at the revision its marker holds (one `Query` per shard).
    pub async fn lake_outbox(&self) -> Result<Vec<Pending>, StoreError> {
        let mut pending = Vec::new();
        for shard in 0..SHARDS {
            let mut start = None;
            loop {
                let out = self
                    .table
                    .client
                    .query()
                    .table_name(&self.table.name)
                    .key_condition_expression("PK = :pk")
                    .expression_attribute_values(":pk", s(partition(shard)))
                    .consistent_read(true)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(dynamo("Query"))?;
                for item in out.items.unwrap_or_default() {
                    let marker: Marker = from_item(item)?;
                    pending.push(Pending {
                        order: marker.order_id,
                        revision: marker.revision,
                    });
                }
                match out.last_evaluated_key {
                    Some(key) => start = Some(key),
                    None => break,
                }
            }
        }
        pending.sort();
        Ok(pending)
    }

    /// Removes the markers of orders whose lines the lake now has at (at least) these
    /// revisions; a marker a later write left (a newer revision) stays.
    pub async fn clear_lake_outbox(&self, done: &[Pending]) -> Result<(), StoreError> {
        for chunk in done.chunks(16) {
            let mut deletes = tokio::task::JoinSet::new();
            for pending in chunk {
                let (pk, sk) = key_of(&pending.order);
                let request = self
                    .table
                    .client
                    .delete_item()
                    .table_name(&self.table.name)
                    .key(PK, s(pk))
                    .key(SK, s(sk))
                    .condition_expression("attribute_exists(PK) AND #r <= :r")
                    .expression_attribute_names("#r", REVISION)
                    .expression_attribute_values(
                        ":r",
                        AttributeValue::N(pending.revision.to_string()),
                    );
                deletes.spawn(async move { request.send().await });
            }
            while let Some(done) = deletes.join_next().await {
                let result = done.map_err(|e| StoreError::Service {
                    service: "DynamoDB",
                    operation: "DeleteItem",
                    code: None,
                    message: format!("a delete task stopped: {e}"),
                })?;
                match result {
                    Ok(_) => {}
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                    Err(e) => return Err(dynamo("DeleteItem")(e)),
                }
            }
        }
        Ok(())
    }
}
