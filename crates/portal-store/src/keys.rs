//! The single-table key design.
//!
//! Every item has `PK` and `SK`; items that must be found another way also carry
//! `GSI1PK`/`GSI1SK` and/or `GSI2PK`/`GSI2SK` (both indexes project all
//! attributes). ARCHITECTURE.md lists every access pattern against these keys;
//! change both together. Identifiers cannot contain `#` (see `portal_domain::ids`),
//! so the composite keys below never collide.

use portal_domain::{
    AccountId, BatchId, DivisionId, DocumentId, IdempotencyKey, InvoiceId, OrderId, ShipmentId,
    Sku, TrackingNumber, UserId,
};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";
/// The attribute naming an item's entity type, for humans reading the table.
pub const ENTITY: &str = "entity";

/// The sort key of an entity's main item.
pub const META: &str = "#META";

/// A secondary index of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Gsi1,
    Gsi2,
}

impl Index {
    pub fn name(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1",
            Index::Gsi2 => "GSI2",
        }
    }

    pub fn attributes(self) -> (&'static str, &'static str) {
        match self {
            Index::Gsi1 => (GSI1PK, GSI1SK),
            Index::Gsi2 => (GSI2PK, GSI2SK),
        }
    }
}

/// Where an item lives and how it is indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemKeys {
    pub entity: &'static str,
    pub pk: String,
    pub sk: String,
    pub gsi1: Option<(String, String)>,
    pub gsi2: Option<(String, String)>,
}

/// The character that sorts after every identifier character, closing key ranges.
pub const HIGH: char = '~';

pub fn account(id: &AccountId) -> String {
    format!("ACCOUNT#{id}")
}
/// The pointer item naming the analytics run the API serves.
pub fn analytics_pointer() -> (&'static str, &'static str) {
    ("ANALYTICS", "CURRENT")
}
/// The sort keys of the list of staged runs, in the pointer's partition.
pub const LISTED_RUNS: &str = "RUN#";
/// A staged run's entry in that list, in the order runs were staged.
pub fn listed_run(staged_at: &chrono::DateTime<chrono::Utc>, run_id: &str) -> String {
    format!(
        "{LISTED_RUNS}{}#{run_id}",
        staged_at.format("%Y-%m-%dT%H:%M:%S%.3fZ")
    )
}
/// A request pushed by a back-end system, under its idempotency key.
pub fn pushed_request(caller: &UserId, key: &IdempotencyKey) -> String {
    format!("REQUEST#{caller}#{key}")
}
/// An analytics run's own item.
pub fn run(run_id: &str) -> String {
    format!("RUN#{run_id}")
}
/// An account's reorder suggestions in a run.
pub fn run_account(run_id: &str, account: &AccountId) -> String {
    format!("RUN#{run_id}#ACCOUNT#{account}")
}
/// Every account's outlook in a run.
pub fn run_outlooks(run_id: &str) -> String {
    format!("RUN#{run_id}#OUTLOOKS")
}
/// Every SKU forecast in a run.
pub fn run_forecasts(run_id: &str) -> String {
    format!("RUN#{run_id}#FORECASTS")
}
/// A SKU forecast's sort key: `-` (before any division id) for the SKU's total.
pub fn forecast(sku: &Sku, division: Option<&DivisionId>) -> String {
    format!("SKU#{sku}#{}", division.map_or("-", DivisionId::as_str))
}
pub fn accounts_list() -> &'static str {
    "ACCOUNTS"
}
pub fn account_users(id: &AccountId) -> String {
    format!("ACCOUNT#{id}#USERS")
}
pub fn account_orders(id: &AccountId) -> String {
    format!("ACCOUNT#{id}#ORDERS")
}
pub fn account_po(id: &AccountId) -> String {
    format!("ACCOUNT#{id}#PO")
}
pub fn account_invoices(id: &AccountId) -> String {
    format!("ACCOUNT#{id}#INVOICES")
}
pub fn account_unpaid(id: &AccountId) -> String {
    format!("ACCOUNT#{id}#UNPAID")
}
pub fn user(id: &UserId) -> String {
    format!("USER#{id}")
}
/// The sort key, under an account manager's `USER#<id>`, of an account that names them.
pub fn assignment(account: &AccountId) -> String {
    format!("{ASSIGNED}{account}")
}
/// The prefix of assignment sort keys.
pub const ASSIGNED: &str = "ASSIGNED#";
pub fn seller() -> &'static str {
    "SELLER"
}
pub fn division(id: &DivisionId) -> String {
    format!("DIVISION#{id}")
}
pub fn product(sku: &Sku) -> String {
    format!("PRODUCT#{sku}")
}
pub fn catalog(division: &DivisionId) -> String {
    format!("CATALOG#{division}")
}
pub fn catalog_sku(sku: &str) -> String {
    format!("SKU#{sku}")
}
pub fn catalog_word(word: &str) -> String {
    format!("WORD#{word}")
}
pub fn order(id: &OrderId) -> String {
    format!("ORDER#{id}")
}
pub fn shipment(id: &ShipmentId) -> String {
    format!("SHIPMENT#{id}")
}
pub fn tracking(number: &TrackingNumber) -> String {
    format!("TRACKING#{number}")
}
pub fn invoice(id: &InvoiceId) -> String {
    format!("INVOICE#{id}")
}
pub fn document(id: &DocumentId) -> String {
    format!("DOCUMENT#{id}")
}
pub fn batch(id: &BatchId) -> String {
    format!("BATCH#{id}")
}
/// The S3 object key of a document's file: `documents/<id>`, or `documents/<id>@<revision>`
/// for a file stored with its revision (ids hold no `@`, so keys never collide, and neither is
/// a prefix folder of the other).
pub fn document_object(id: &DocumentId, revision: Option<&str>) -> String {
    match revision {
        None => format!("documents/{id}"),
        Some(revision) => format!("documents/{id}@{revision}"),
    }
}
