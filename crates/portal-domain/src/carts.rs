//! Carts: lines a buyer (or staff, acting for the account) collects before ordering, priced
//! at every change, with the checkout details an order needs. A cart's `version` grows with
//! every change; a write names the version it read, so a stale write is refused, never lost.

use crate::pricing::PriceSource;
use crate::{AccountId, CartId, Currency, OrderId, PoNumber, Role, Sku, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The most lines one cart holds (the item stays far below the table's 400 KB).
pub const MAX_CART_LINES: usize = 500;

/// A cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cart {
    pub id: CartId,
    pub account_id: AccountId,
    /// Who made it; only they see it until it is shared.
    pub owner: UserId,
    #[serde(default)]
    pub name: String,
    /// Whether the account's other users see it (and those who may buy change it).
    pub shared: bool,
    pub version: u64,
    pub status: CartStatus,
    /// The account's currency: every line's.
    pub currency: Currency,
    pub lines: Vec<CartLine>,
    /// The lines' totals, exact.
    pub total: Decimal,
    #[serde(default)]
    pub checkout: Checkout,
    pub origin: CartOrigin,
    /// The seller's staff member who prepared it for the account, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepared_by: Option<ActingFor>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: UserId,
}

/// Whether a cart can still change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum CartStatus {
    Open,
    /// Placed as orders (one per division of its lines): kept for reference, never changed
    /// again.
    Ordered {
        orders: Vec<OrderId>,
    },
}

/// One line, priced when the cart last changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct CartLine {
    pub sku: Sku,
    /// The product's name when the line was priced.
    pub name: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub line_total: Decimal,
    pub source: PriceSource,
    /// Why the line is there, when the portal proposed it (a reorder suggestion's reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What an order needs besides its lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct Checkout {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_number: Option<PoNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_delivery: Option<NaiveDate>,
    /// One of the account's ship-to address ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where a cart came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum CartOrigin {
    /// Made empty or from a quick order.
    New,
    /// A past order again, at today's prices and rules.
    Reorder { order_id: OrderId },
    /// The account's due and overdue reorder suggestions of an analytics run.
    Replenishment { run_id: String, as_of: NaiveDate },
}

/// Staff acting for a customer: who, in which role, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct ActingFor {
    pub user: UserId,
    pub role: Role,
    pub at: DateTime<Utc>,
}

impl Cart {
    /// Whether `user` sees the cart (once the account is in the user's scope): its owner
    /// always, everyone else once it is shared.
    pub fn is_visible_to(&self, user: &UserId) -> bool {
        self.shared || &self.owner == user
    }

    pub fn is_open(&self) -> bool {
        self.status == CartStatus::Open
    }

    /// The line of `sku`, if the cart has one.
    pub fn line(&self, sku: &Sku) -> Option<&CartLine> {
        self.lines.iter().find(|l| &l.sku == sku)
    }
}
