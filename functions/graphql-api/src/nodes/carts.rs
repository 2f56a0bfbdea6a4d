//! `Cart`: what a buyer collects before ordering.

use async_graphql::{Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::carts::{ActingFor, Cart, CartLine, CartOrigin, CartStatus, Checkout};
use portal_domain::{AccountId, CartId, Currency, OrderId, UserId};
use rust_decimal::Decimal;

/// A cart, priced at its last change.
#[derive(Clone)]
pub struct CartNode(pub Cart);

/// What a cart was made from.
#[derive(SimpleObject)]
pub struct Origin {
    /// `NEW`, `REORDER` or `REPLENISHMENT`.
    pub kind: String,
    /// The order a reorder copied.
    pub order_id: Option<OrderId>,
    /// The analytics run a replenishment cart came from, and its as-of day.
    pub run_id: Option<String>,
    pub as_of: Option<NaiveDate>,
}

#[Object(name = "Cart")]
impl CartNode {
    async fn id(&self) -> &CartId {
        &self.0.id
    }

    async fn account_id(&self) -> &AccountId {
        &self.0.account_id
    }

    async fn owner(&self) -> &UserId {
        &self.0.owner
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn shared(&self) -> bool {
        self.0.shared
    }

    /// Grows with every change; a write names the version it was made to.
    async fn version(&self) -> u64 {
        self.0.version
    }

    /// `OPEN`, or `ORDERED` once placed.
    async fn state(&self) -> &'static str {
        match self.0.status {
            CartStatus::Open => "OPEN",
            CartStatus::Ordered { .. } => "ORDERED",
        }
    }

    /// The orders it was placed as.
    async fn orders(&self) -> &[OrderId] {
        match &self.0.status {
            CartStatus::Open => &[],
            CartStatus::Ordered { orders } => orders,
        }
    }

    async fn currency(&self) -> Currency {
        self.0.currency
    }

    async fn lines(&self) -> &[CartLine] {
        &self.0.lines
    }

    async fn total(&self) -> Decimal {
        self.0.total
    }

    async fn checkout(&self) -> &Checkout {
        &self.0.checkout
    }

    async fn origin(&self) -> Origin {
        match &self.0.origin {
            CartOrigin::New => Origin {
                kind: "NEW".into(),
                order_id: None,
                run_id: None,
                as_of: None,
            },
            CartOrigin::Reorder { order_id } => Origin {
                kind: "REORDER".into(),
                order_id: Some(order_id.clone()),
                run_id: None,
                as_of: None,
            },
            CartOrigin::Replenishment { run_id, as_of } => Origin {
                kind: "REPLENISHMENT".into(),
                order_id: None,
                run_id: Some(run_id.clone()),
                as_of: Some(*as_of),
            },
        }
    }

    /// Who of the seller's staff prepared it for the account, if anyone.
    async fn prepared_by(&self) -> Option<&ActingFor> {
        self.0.prepared_by.as_ref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    async fn updated_by(&self) -> &UserId {
        &self.0.updated_by
    }
}
