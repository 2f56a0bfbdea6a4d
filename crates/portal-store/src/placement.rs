//! Placing a cart: order numbers, and the one transaction that writes the orders, the cart's
//! change of state, the events for the ERP (the outbox) and the answer of the request's
//! idempotency key, so that no crash leaves an order without its answer or the reverse.

use crate::checkout::{PendingApproval, SpendChange};
use crate::error::dynamo;
use crate::items::{Item, s, to_item};
use crate::keys::{self, ItemKeys, META, PK, SK};
use crate::{Store, StoreError, WriteAction};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use portal_domain::carts::Cart;
use portal_domain::events::OrderEvent;
use portal_domain::model::Order;
use std::time::Duration;

/// How long an event waits in the outbox table for consumers that read it there (the stream
/// publishes it at once).
pub const EVENT_KEEP: Duration = Duration::from_secs(7 * 24 * 3600);

/// What one placement writes.
#[derive(Debug)]
pub struct Placement<'a> {
    /// The new orders (each is its own number's guard: written only if new).
    pub orders: &'a [Order],
    /// The cart as ordered, written only over the version it was read at.
    pub cart: &'a Cart,
    pub cart_read_version: u64,
    pub events: &'a [OrderEvent],
    /// Orders that wait for approval, into their account's queue.
    pub pending: &'a [PendingApproval],
    /// The buyer's spend this month, with what the released orders add (if any are released).
    pub spend: Option<SpendChange>,
    /// The idempotency key's answer ([`Store::answer_action`]).
    pub answer: WriteAction,
}

/// How a placement went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    Written,
    /// An order number was taken (a counter set back by hand): take new ones.
    NumberTaken,
    /// The cart changed since it was read.
    CartChanged,
    /// The buyer's spend changed since it was read: decide again.
    SpendChanged,
    /// The call no longer holds its idempotency key (its lease ran out and a retry took it).
    ClaimLost,
}

/// The put of a new event into the outbox.
pub(crate) fn event_action(
    table: &str,
    event: &OrderEvent,
) -> Result<TransactWriteItem, StoreError> {
    put(table, event_item(event)?, "attribute_not_exists(PK)", None)
}

fn event_item(event: &OrderEvent) -> Result<Item, StoreError> {
    #[derive(serde::Serialize)]
    struct Outboxed<'a> {
        #[serde(flatten)]
        event: &'a OrderEvent,
        expires_at: i64,
    }
    to_item(
        &Outboxed {
            event,
            expires_at: event.occurred_at.timestamp() + EVENT_KEEP.as_secs() as i64,
        },
        ItemKeys {
            entity: "order-event",
            pk: keys::order_event(&event.id),
            sk: META.to_owned(),
            gsi1: Some((
                keys::outbox_events(event.occurred_at.date_naive()),
                keys::outbox_event(&event.occurred_at, &event.id),
            )),
            gsi2: None,
        },
    )
}

fn put(
    table: &str,
    item: Item,
    condition: &str,
    value: Option<(&str, AttributeValue)>,
) -> Result<TransactWriteItem, StoreError> {
    let mut put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(condition);
    if let Some((name, value)) = value {
        put = put.expression_attribute_values(name, value);
    }
    let put = put.build().map_err(|e| StoreError::Service {
        service: "DynamoDB",
        operation: "TransactWriteItems",
        code: None,
        message: e.to_string(),
    })?;
    Ok(TransactWriteItem::builder().put(put).build())
}

impl Store {
    /// The next of the portal's order numbers of `year`: unique (one atomic counter per year),
    /// not gapless (a placement that fails after taking one leaves it unused).
    pub async fn next_order_number(&self, year: i32) -> Result<u64, StoreError> {
        let out = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .key(PK, s(keys::order_sequence(year)))
            .key(SK, s(META))
            .update_expression("ADD #n :one SET #entity = :entity")
            .expression_attribute_names("#n", "n")
            .expression_attribute_names("#entity", keys::ENTITY)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":entity", s("order-sequence"))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(dynamo("UpdateItem"))?;
        out.attributes
            .and_then(|a| a.get("n").and_then(|n| n.as_n().ok()).cloned())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| StoreError::Service {
                service: "DynamoDB",
                operation: "UpdateItem",
                code: None,
                message: "the order number counter answered no number".into(),
            })
    }

    /// Writes a placement in one transaction, retrying what the service retries (throttling,
    /// a conflicting transaction in flight); a condition that fails says what changed.
    pub async fn place(&self, placement: Placement<'_>) -> Result<Placed, StoreError> {
        let table = &self.table.name;
        let mut actions = Vec::with_capacity(placement.orders.len() * 2 + 2);
        for order in placement.orders {
            actions.push(put(
                table,
                crate::orders::order_item(order)?,
                "attribute_not_exists(PK)",
                None,
            )?);
        }
        let cart_at = actions.len();
        actions.push(put(
            table,
            crate::carts::cart_item(placement.cart)?,
            "version = :read",
            Some((
                ":read",
                AttributeValue::N(placement.cart_read_version.to_string()),
            )),
        )?);
        for event in placement.events {
            actions.push(event_action(table, event)?);
        }
        for pending in placement.pending {
            actions.push(put(
                table,
                crate::checkout::pending_item(pending)?,
                "attribute_not_exists(PK)",
                None,
            )?);
        }
        let spend_at = actions.len();
        if let Some(spend) = &placement.spend {
            actions.push(crate::checkout::spend_action(table, spend)?);
        }
        let answer_at = actions.len();
        actions.push(placement.answer.0);
        let mut attempt = 0;
        loop {
            let sent = self
                .table
                .client
                .transact_write_items()
                .set_transact_items(Some(actions.clone()))
                .send()
                .await;
            let error = match sent {
                Ok(_) => return Ok(Placed::Written),
                Err(e) => e,
            };
            if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                error.as_service_error()
            {
                let failed: Vec<usize> = cancelled
                    .cancellation_reasons()
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                    .map(|(i, _)| i)
                    .collect();
                if failed.contains(&answer_at) {
                    return Ok(Placed::ClaimLost);
                }
                if failed.contains(&cart_at) {
                    return Ok(Placed::CartChanged);
                }
                if placement.spend.is_some() && failed.contains(&spend_at) {
                    return Ok(Placed::SpendChanged);
                }
                if failed.iter().any(|i| *i < cart_at) {
                    return Ok(Placed::NumberTaken);
                }
            }
            let retryable = matches!(
                error.as_service_error(),
                Some(TransactWriteItemsError::TransactionCanceledException(_))
                    | Some(TransactWriteItemsError::TransactionInProgressException(_))
                    | Some(TransactWriteItemsError::ProvisionedThroughputExceededException(_))
                    | Some(TransactWriteItemsError::RequestLimitExceeded(_))
            ) || error
                .as_service_error()
                .and_then(|e| aws_sdk_dynamodb::error::ProvideErrorMetadata::code(e))
                .is_some_and(|c| c.contains("Throttl"));
            attempt += 1;
            if !retryable || attempt > 8 {
                return Err(dynamo("TransactWriteItems")(error));
            }
            crate::items::backoff(attempt).await;
        }
    }
}
