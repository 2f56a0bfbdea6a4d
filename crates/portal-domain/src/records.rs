//! The contract between ingest and the store's versioned upserts: what a record is, the natural
//! key ingest knows it by, the state read back (a value with its source versions and revision,
//! and children waiting for a parent) and the change to write. Plain data: ingest's merge rules
//! compute [`Change`]s from [`Current`] states without knowing how either is stored, and the
//! store writes them without knowing the rules.

use crate::model::{
    Account, Division, Document, Invoice, Order, OrderLine, Product, Shipment, StatusChange,
    TrackingEvent, User,
};
use crate::pricing::{Assignee, Price, PriceList, PriceListAssignment, QuantityRule};
use crate::{AccountId, DocumentId, InvoiceId, OrderId, PriceListId, ShipmentId, Sku, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Anything the portal stores.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Division(Division),
    Account(Account),
    User(User),
    Product(Product),
    Order(Order),
    Shipment(Shipment),
    Invoice(Invoice),
    Document(Document),
    PriceList(PriceList),
    Price(Price),
    PriceAssignment(PriceListAssignment),
    QuantityRule(QuantityRule),
}

impl Record {
    /// The key ingest knows the record by, if it is a kind ingest writes.
    pub fn key(&self) -> Option<RecordKey> {
        Some(match self {
            Record::Account(a) => RecordKey::Account(a.id.clone()),
            Record::User(u) => RecordKey::User(u.id.clone()),
            Record::Product(p) => RecordKey::Product(p.sku.clone()),
            Record::Order(o) => RecordKey::Order(o.summary.id.clone()),
            Record::Shipment(s) => RecordKey::Shipment(s.id.clone()),
            Record::Invoice(i) => RecordKey::Invoice(i.id.clone()),
            Record::Document(d) => RecordKey::Document(d.id.clone()),
            Record::PriceList(l) => RecordKey::PriceList(l.id.clone()),
            Record::Price(p) => RecordKey::Price(p.list.clone(), p.sku.clone()),
            Record::PriceAssignment(a) => RecordKey::PriceAssignment(a.to.clone(), a.list.clone()),
            Record::QuantityRule(r) => RecordKey::QuantityRule(r.sku().clone()),
            Record::Division(_) => return None,
        })
    }
}

/// A record ingest can write, by its natural key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKey {
    Account(AccountId),
    User(UserId),
    Product(Sku),
    Order(OrderId),
    Shipment(ShipmentId),
    Invoice(InvoiceId),
    Document(DocumentId),
    PriceList(PriceListId),
    /// A SKU's price on a list.
    Price(PriceListId, Sku),
    /// A list's assignment to an account, a group or a division.
    PriceAssignment(Assignee, PriceListId),
    QuantityRule(Sku),
}

impl RecordKey {
    /// Whether children can wait for this record: order lines and status changes for an
    /// order, tracking events for a shipment.
    pub fn has_orphans(&self) -> bool {
        matches!(self, RecordKey::Order(_) | RecordKey::Shipment(_))
    }
}

impl std::fmt::Display for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordKey::Account(id) => write!(f, "account {id}"),
            RecordKey::User(id) => write!(f, "user {id}"),
            RecordKey::Product(sku) => write!(f, "product {sku}"),
            RecordKey::Order(id) => write!(f, "order {id}"),
            RecordKey::Shipment(id) => write!(f, "shipment {id}"),
            RecordKey::Invoice(id) => write!(f, "invoice {id}"),
            RecordKey::Document(id) => write!(f, "document {id}"),
            RecordKey::PriceList(id) => write!(f, "price list {id}"),
            RecordKey::Price(list, sku) => write!(f, "price of {sku} on {list}"),
            RecordKey::PriceAssignment(to, list) => write!(f, "assignment of {list} to {to}"),
            RecordKey::QuantityRule(sku) => write!(f, "quantity rule of {sku}"),
        }
    }
}

/// The source's version of each part of a record (`#` for the record itself, `line#10` for an
/// order line, ...).
pub type Versions = BTreeMap<String, String>;

/// A stored value with its source versions and revision (0 for data written without them).
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub versions: Versions,
    pub revision: u64,
}

/// Children waiting for their parent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Orphans {
    #[serde(default)]
    pub lines: Vec<OrderLine>,
    #[serde(default)]
    pub status: Vec<StatusChange>,
    #[serde(default)]
    pub events: Vec<TrackingEvent>,
}

impl Orphans {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.status.is_empty() && self.events.is_empty()
    }
}

/// What is stored under a key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Current {
    pub record: Option<Versioned<Record>>,
    pub orphans: Option<Versioned<Orphans>>,
}

/// A change to write, computed from the [`Current`] state it was read as.
#[derive(Debug, Clone)]
pub struct Change {
    pub key: RecordKey,
    pub read: Current,
    /// The new record; `None` leaves the record as read (which must then be absent).
    pub record: Option<(Record, Versions)>,
    /// The orphans that should wait from now on; `None` (or empty) removes any.
    pub orphans: Option<(Orphans, Versions)>,
}
