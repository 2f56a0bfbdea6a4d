//! Domain types and rules of b2b-portal.
//!
//! Everything here is plain data and pure rules: identifiers parsed at the edge
//! ([`ids`]), the entities a portal shows ([`model`]), who may see what
//! ([`access`]), what the analytics job publishes ([`insights`]), price data ([`pricing`]), and
//! what ingest hands the store to write ([`records`]). This crate does no IO and knows nothing of AWS, HTTP or how
//! values are stored.

pub mod access;
pub mod approvals;
pub mod carts;
pub mod events;
pub mod ids;
pub mod insights;
pub mod model;
pub mod pricing;
pub mod records;
pub mod text;

pub use access::{
    AccessScope, AccountChoiceError, CatalogScope, Principal, Role, ScopeError, ScopedAccount,
};
pub use ids::{
    AccountId, BatchId, CartId, Currency, DivisionId, DocumentId, IdempotencyKey, InvoiceId,
    OrderId, ParseError, PoNumber, PriceGroupId, PriceListId, ShipmentId, Sku, TrackingNumber,
    UserId,
};
