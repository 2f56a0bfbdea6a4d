//! What versioned upserts work on: records by their natural key, stored values with their
//! source versions and revision, orphans waiting for their parent, and the changes to write.

use crate::items::{Item, from_item};
use crate::keys;
use crate::{Record, StoreError};
use portal_domain::model::{
    Account, Document, Invoice, Order, OrderLine, Product, Shipment, StatusChange, TrackingEvent,
    User,
};
use portal_domain::{AccountId, DocumentId, InvoiceId, OrderId, ShipmentId, Sku, UserId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The attribute holding a record's source versions.
pub const SOURCE_VERSIONS: &str = "source_versions";
/// The attribute holding a record's revision.
pub const REVISION: &str = "revision";
/// The sort key of a parent's orphans item.
pub const ORPHANS: &str = "#ORPHANS";
/// How long children wait for a parent that does not come: each write of an orphans item sets
/// its `expires_at` this far ahead, and the table's time to live removes it after that.
pub const ORPHANS_WAIT: std::time::Duration = std::time::Duration::from_secs(90 * 24 * 3600);

/// The source's version of each part of a record.
pub type Versions = BTreeMap<String, String>;

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
}

impl RecordKey {
    /// The partition key of the record's main item.
    pub fn pk(&self) -> String {
        match self {
            RecordKey::Account(id) => keys::account(id),
            RecordKey::User(id) => keys::user(id),
            RecordKey::Product(sku) => keys::product(sku),
            RecordKey::Order(id) => keys::order(id),
            RecordKey::Shipment(id) => keys::shipment(id),
            RecordKey::Invoice(id) => keys::invoice(id),
            RecordKey::Document(id) => keys::document(id),
        }
    }

    /// Whether children can wait for this record (orders and shipments).
    pub(super) fn has_orphans(&self) -> bool {
        matches!(self, RecordKey::Order(_) | RecordKey::Shipment(_))
    }

    pub(super) fn parse(&self, item: Item) -> Result<Record, StoreError> {
        Ok(match self {
            RecordKey::Account(_) => Record::Account(from_item::<Account>(item)?),
            RecordKey::User(_) => Record::User(from_item::<User>(item)?),
            RecordKey::Product(_) => Record::Product(from_item::<Product>(item)?),
            RecordKey::Order(_) => Record::Order(from_item::<Order>(item)?),
            RecordKey::Shipment(_) => Record::Shipment(from_item::<Shipment>(item)?),
            RecordKey::Invoice(_) => Record::Invoice(from_item::<Invoice>(item)?),
            RecordKey::Document(_) => Record::Document(from_item::<Document>(item)?),
        })
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
        }
    }
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
            Record::Division(_) => return None,
        })
    }
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

/// A stored value with its source versions and revision (0 for data written without them).
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub versions: Versions,
    pub revision: u64,
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
