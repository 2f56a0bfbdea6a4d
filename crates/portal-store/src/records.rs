//! Writing domain values: one [`Record`] becomes one or more items.

use crate::items::Item;
use crate::{Store, StoreError};
use portal_domain::records::Record;

/// The items a record is stored as (public for loading an emulator's table directly).
pub fn items_of(record: &Record) -> Result<Vec<Item>, StoreError> {
    Ok(match record {
        Record::Division(d) => vec![crate::accounts::division_item(d)?],
        Record::Account(a) => crate::accounts::account_items(a)?,
        Record::User(u) => vec![crate::accounts::user_item(u)?],
        Record::Product(p) => crate::catalog::product_items(p)?,
        Record::Order(o) => vec![crate::orders::order_item(o)?],
        Record::Shipment(s) => vec![crate::shipments::shipment_item(s)?],
        Record::Invoice(i) => vec![crate::invoices::invoice_item(i)?],
        Record::Document(d) => vec![crate::documents::document_item(d)?],
        Record::PriceList(l) => vec![crate::pricing::price_list_item(l)?],
        Record::Price(p) => vec![crate::pricing::price_item(p)?],
        Record::PriceAssignment(a) => vec![crate::pricing::assignment_item(a)?],
        Record::QuantityRule(r) => vec![crate::pricing::quantity_rule_item(r)?],
    })
}

impl Store {
    /// Writes records with batched writes (25 items a call), retrying what the service leaves unprocessed.
    /// Unconditional upserts: for loading data that the caller owns, such as demo data.
    pub async fn put_records(&self, records: &[Record]) -> Result<(), StoreError> {
        let mut items = Vec::with_capacity(records.len());
        for record in records {
            items.extend(items_of(record)?);
        }
        self.table.batch_put(items).await
    }
}
