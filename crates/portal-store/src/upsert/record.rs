//! How versioned upserts store the records of [`portal_domain::records`]: the attributes they
//! add, where a record's main item lives, and what a write did.

use crate::StoreError;
use crate::items::{Item, from_item};
use crate::keys;
use portal_domain::model::{Account, Document, Invoice, Order, Product, Shipment, User};
use portal_domain::records::{Record, RecordKey};
use std::collections::HashMap;

/// The attribute holding a record's source versions.
pub const SOURCE_VERSIONS: &str = "source_versions";
/// The attribute holding a record's revision.
pub const REVISION: &str = "revision";
/// The sort key of a parent's orphans item.
pub const ORPHANS: &str = "#ORPHANS";
/// How long children wait for a parent that does not come: each write of an orphans item sets
/// its `expires_at` this far ahead, and the table's time to live removes it after that.
pub const ORPHANS_WAIT: std::time::Duration = std::time::Duration::from_secs(90 * 24 * 3600);

/// The partition key of the record's main item.
pub(super) fn partition(key: &RecordKey) -> String {
    match key {
        RecordKey::Account(id) => keys::account(id),
        RecordKey::User(id) => keys::user(id),
        RecordKey::Product(sku) => keys::product(sku),
        RecordKey::Order(id) => keys::order(id),
        RecordKey::Shipment(id) => keys::shipment(id),
        RecordKey::Invoice(id) => keys::invoice(id),
        RecordKey::Document(id) => keys::document(id),
        RecordKey::PriceList(id) => keys::price_list(id),
        RecordKey::Price(list, sku) => keys::price(list, sku),
        RecordKey::PriceAssignment(to, list) => keys::price_assignment(to, list),
        RecordKey::QuantityRule(sku) => keys::quantity_rule(sku),
    }
}

/// The record stored under `key`, read from its main item.
pub(super) fn parse(key: &RecordKey, item: Item) -> Result<Record, StoreError> {
    Ok(match key {
        RecordKey::Account(_) => Record::Account(from_item::<Account>(item)?),
        RecordKey::User(_) => Record::User(from_item::<User>(item)?),
        RecordKey::Product(_) => Record::Product(from_item::<Product>(item)?),
        RecordKey::Order(_) => Record::Order(from_item::<Order>(item)?),
        RecordKey::Shipment(_) => Record::Shipment(from_item::<Shipment>(item)?),
        RecordKey::Invoice(_) => Record::Invoice(from_item::<Invoice>(item)?),
        RecordKey::Document(_) => Record::Document(from_item::<Document>(item)?),
        RecordKey::PriceList(_) => Record::PriceList(from_item(item)?),
        RecordKey::Price(..) => Record::Price(from_item(item)?),
        RecordKey::PriceAssignment(..) => Record::PriceAssignment(from_item(item)?),
        RecordKey::QuantityRule(_) => Record::QuantityRule(from_item(item)?),
    })
}

/// What [`Store::write_changes`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    /// The revision each written record has now.
    pub revisions: HashMap<RecordKey, u64>,
    /// Records someone else changed since they were read: read, merge and write them again.
    pub conflicts: Vec<RecordKey>,
    /// Changes the table would refuse whatever is stored (an item over its size limit, a
    /// key too long, ...), not written, each with the reason (see [`Store::refusal`]).
    pub refused: Vec<(RecordKey, String)>,
}
