//! Events about orders placed in the portal, for the ERP and any other consumer: thin (ids,
//! status, total), each with a stable id to deduplicate on (delivery is at least once), the
//! order's version to order them by, and a correlation id tying it to the request that caused
//! it. They are written in the same transaction as the change they report (an outbox) and
//! published from there.

use crate::model::OrderStatus;
use crate::{AccountId, Currency, OrderId};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What happened to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderEventType {
    #[serde(rename = "Order.Submitted")]
    Submitted,
    #[serde(rename = "Order.Approved")]
    Approved,
    #[serde(rename = "Order.Rejected")]
    Rejected,
    #[serde(rename = "Order.Cancelled")]
    Cancelled,
}

impl OrderEventType {
    /// The name consumers see (EventBridge's `detail-type`).
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderEventType::Submitted => "Order.Submitted",
            OrderEventType::Approved => "Order.Approved",
            OrderEventType::Rejected => "Order.Rejected",
            OrderEventType::Cancelled => "Order.Cancelled",
        }
    }

    fn slug(self) -> &'static str {
        match self {
            OrderEventType::Submitted => "submitted",
            OrderEventType::Approved => "approved",
            OrderEventType::Rejected => "rejected",
            OrderEventType::Cancelled => "cancelled",
        }
    }
}

/// One event about one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// `<order>.<version>.<what>`: the same for every delivery of the event.
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: OrderEventType,
    pub order_id: OrderId,
    pub account_id: AccountId,
    pub order_version: u64,
    pub status: OrderStatus,
    pub total: Decimal,
    pub currency: Currency,
    /// The request that caused it (its idempotency key, for a placement).
    pub correlation_id: String,
    pub occurred_at: DateTime<Utc>,
}

impl OrderEvent {
    /// The event id of `event_type` happening to `order` at `version`.
    pub fn id_of(order: &OrderId, version: u64, event_type: OrderEventType) -> String {
        format!("{order}.{version}.{}", event_type.slug())
    }
}
