//! The graph's objects. Each wraps a domain entity, whose own fields it shows as they are (the
//! entities derive their GraphQL fields, as they derive their JSON: one definition for both
//! APIs), and adds the edges to the objects around it, read through the request's loaders.

mod accounts;
mod carts;
mod documents;
mod invoices;
mod orders;
mod products;
mod shipments;

pub use accounts::{
    AccountNode, BalanceNode, MeNode, invoices, open_balance, orders, reorder_suggestions,
};
pub use carts::CartNode;
pub use documents::DocumentNode;
pub use invoices::InvoiceNode;
pub use orders::OrderNode;
pub use products::ProductNode;
pub use shipments::ShipmentNode;

use std::sync::Arc;

/// A loader's failure as the field's error.
pub(crate) fn loaded<T>(answer: Result<T, Arc<async_graphql::Error>>) -> async_graphql::Result<T> {
    answer.map_err(|e| (*e).clone())
}
