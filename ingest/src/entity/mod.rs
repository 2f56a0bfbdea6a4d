//! The canonical entities: what every source's rows become, whatever the source wrote.
//!
//! Each entity has a name (the folder under `incoming/<source>/` and the command's argument), a
//! list of fields (the canonical CSV header and JSON-lines keys; docs/ingest.md documents them)
//! and a natural key. [`parse`] turns one row's canonical field values into an [`Update`]: a
//! typed change to one record.
//!
//! Entities are kept by group, each group's field tables next to the functions that parse its
//! rows: `orders` (orders, order lines, status changes), `shipments` (shipments, tracking
//! events), `invoices` (invoices, payments), `accounts` (accounts, users), `products`,
//! `documents` and `pricing` (price lists, prices, their assignments, quantity rules). `row` reads a row's values by type; `version` orders rows in time.

mod accounts;
mod documents;
mod invoices;
mod orders;
mod pricing;
mod products;
mod row;
mod shipments;
#[cfg(test)]
mod tests;
mod version;

pub use accounts::{AccountFields, MAX_ACCOUNT_MANAGERS, UserFields};
pub use documents::DocumentFields;
pub use invoices::InvoiceFields;
pub use orders::OrderHeader;
pub use pricing::DEFAULT_PRIORITY;
pub use products::ProductFields;
pub use row::{MAX_AMOUNT, MAX_QUANTITY, RowError, Values};
pub use shipments::ShipmentHeader;
pub use version::{Arrival, MAX_VERSION_AHEAD, Place, Version, version_of, version_text};

use crate::values::Formats;
use chrono::NaiveDate;
use portal_domain::model::{OrderLine, PaymentState, StatusChange, TrackingEvent};
use portal_domain::pricing::{Price, PriceList, PriceListAssignment, QuantityRule};
use portal_domain::records::RecordKey;
use portal_domain::{InvoiceId, OrderId, ShipmentId};
use row::Row;

/// The entities ingest loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Accounts,
    Users,
    Products,
    Orders,
    OrderLines,
    OrderStatus,
    Shipments,
    TrackingEvents,
    Invoices,
    InvoicePayments,
    Documents,
    PriceLists,
    Prices,
    PriceAssignments,
    QuantityRules,
}

/// The type of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Id,
    Date,
    DateTime,
    Decimal,
    Integer,
    /// One of the listed words.
    Word(&'static [&'static str]),
    /// Values separated by the profile's list separator.
    List,
    /// Volume tiers: `<minimum quantity>:<unit price>` pairs separated by spaces.
    Tiers,
}

/// One canonical field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub doc: &'static str,
}

const fn req(name: &'static str, kind: Kind, doc: &'static str) -> Field {
    Field {
        name,
        kind,
        required: true,
        doc,
    }
}

const fn opt(name: &'static str, kind: Kind, doc: &'static str) -> Field {
    Field {
        name,
        kind,
        required: false,
        doc,
    }
}

const VERSION: Field = opt(
    "version",
    Kind::DateTime,
    "when the source last changed the row; newer rows win, older ones never overwrite (default: the file's time)",
);

impl Entity {
    pub const ALL: [Entity; 15] = [
        Entity::Accounts,
        Entity::Users,
        Entity::Products,
        Entity::Orders,
        Entity::OrderLines,
        Entity::OrderStatus,
        Entity::Shipments,
        Entity::TrackingEvents,
        Entity::Invoices,
        Entity::InvoicePayments,
        Entity::Documents,
        Entity::PriceLists,
        Entity::Prices,
        Entity::PriceAssignments,
        Entity::QuantityRules,
    ];

    /// The entity's name: its folder under `incoming/<source>/` and its argument.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Accounts => "accounts",
            Entity::Users => "users",
            Entity::Products => "products",
            Entity::Orders => "orders",
            Entity::OrderLines => "order-lines",
            Entity::OrderStatus => "order-status",
            Entity::Shipments => "shipments",
            Entity::TrackingEvents => "tracking-events",
            Entity::Invoices => "invoices",
            Entity::InvoicePayments => "invoice-payments",
            Entity::Documents => "documents",
            Entity::PriceLists => "price-lists",
            Entity::Prices => "prices",
            Entity::PriceAssignments => "price-assignments",
            Entity::QuantityRules => "quantity-rules",
        }
    }

    pub fn parse(name: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.name() == name)
    }

    /// Every entity's name, for error messages.
    pub fn names() -> String {
        Entity::ALL.map(Entity::name).join(", ")
    }

    /// Whether loading it can change what the lake holds for an order: its lines, its account
    /// or date, or whether it is cancelled.
    pub fn changes_order_lines(self) -> bool {
        matches!(
            self,
            Entity::Orders | Entity::OrderLines | Entity::OrderStatus
        )
    }

    /// The canonical fields, in the canonical CSV's column order.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Entity::Accounts => accounts::ACCOUNTS,
            Entity::Users => accounts::USERS,
            Entity::Products => products::PRODUCTS,
            Entity::Orders => orders::ORDERS,
            Entity::OrderLines => orders::ORDER_LINES,
            Entity::OrderStatus => orders::ORDER_STATUS,
            Entity::Shipments => shipments::SHIPMENTS,
            Entity::TrackingEvents => shipments::TRACKING_EVENTS,
            Entity::Invoices => invoices::INVOICES,
            Entity::InvoicePayments => invoices::INVOICE_PAYMENTS,
            Entity::Documents => documents::DOCUMENTS,
            Entity::PriceLists => pricing::PRICE_LISTS,
            Entity::Prices => pricing::PRICES,
            Entity::PriceAssignments => pricing::PRICE_ASSIGNMENTS,
            Entity::QuantityRules => pricing::QUANTITY_RULES,
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One row's change to one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Account(AccountFields),
    User(UserFields),
    Product(ProductFields),
    Order(OrderHeader),
    OrderLine {
        order_id: OrderId,
        line: OrderLine,
    },
    OrderStatus {
        order_id: OrderId,
        change: StatusChange,
        /// The ERP's own number for an order placed in the portal.
        erp_order_number: Option<String>,
    },
    Shipment(ShipmentHeader),
    TrackingEvent {
        shipment_id: ShipmentId,
        event: TrackingEvent,
    },
    Invoice(InvoiceFields),
    InvoicePayment {
        invoice_id: InvoiceId,
        payment: PaymentState,
        paid_on: Option<NaiveDate>,
    },
    Document(DocumentFields),
    PriceList(PriceList),
    Price(Price),
    PriceAssignment(PriceListAssignment),
    QuantityRule(QuantityRule),
}

impl Update {
    /// The record the row changes.
    pub fn key(&self) -> RecordKey {
        match self {
            Update::Account(a) => RecordKey::Account(a.id.clone()),
            Update::User(u) => RecordKey::User(u.id.clone()),
            Update::Product(p) => RecordKey::Product(p.sku.clone()),
            Update::Order(o) => RecordKey::Order(o.id.clone()),
            Update::OrderLine { order_id, .. } | Update::OrderStatus { order_id, .. } => {
                RecordKey::Order(order_id.clone())
            }
            Update::Shipment(s) => RecordKey::Shipment(s.id.clone()),
            Update::TrackingEvent { shipment_id, .. } => RecordKey::Shipment(shipment_id.clone()),
            Update::Invoice(i) => RecordKey::Invoice(i.id.clone()),
            Update::InvoicePayment { invoice_id, .. } => RecordKey::Invoice(invoice_id.clone()),
            Update::Document(d) => RecordKey::Document(d.id.clone()),
            Update::PriceList(l) => RecordKey::PriceList(l.id.clone()),
            Update::Price(p) => RecordKey::Price(p.list.clone(), p.sku.clone()),
            Update::PriceAssignment(a) => RecordKey::PriceAssignment(a.to.clone(), a.list.clone()),
            Update::QuantityRule(r) => RecordKey::QuantityRule(r.sku().clone()),
        }
    }

    /// The part of the record the row owns, for its source version (`#`: the record itself).
    pub fn slot(&self) -> String {
        match self {
            Update::OrderLine { line, .. } => format!("line#{}", line.line_no),
            Update::OrderStatus { change, .. } => {
                format!(
                    "status#{}#{}",
                    change.at.to_rfc3339(),
                    change.status.as_str()
                )
            }
            Update::TrackingEvent { event, .. } => {
                format!("event#{}#{:?}", event.at.to_rfc3339(), event.status)
            }
            Update::InvoicePayment { .. } => "payment".into(),
            _ => "#".into(),
        }
    }
}

/// Turns one row's canonical values into the update it makes.
pub fn parse(entity: Entity, values: &Values, formats: &Formats) -> Result<Update, RowError> {
    let r = Row {
        values,
        formats,
        fields: entity.fields(),
    };
    match entity {
        Entity::Accounts => accounts::account(&r),
        Entity::Users => accounts::user(&r),
        Entity::Products => products::product(&r),
        Entity::Orders => orders::order(&r),
        Entity::OrderLines => orders::order_line(&r),
        Entity::OrderStatus => orders::order_status(&r),
        Entity::Shipments => shipments::shipment(&r),
        Entity::TrackingEvents => shipments::tracking_event(&r),
        Entity::PriceLists => pricing::price_list(&r),
        Entity::Prices => pricing::price(&r),
        Entity::PriceAssignments => pricing::price_assignment(&r),
        Entity::QuantityRules => pricing::quantity_rule(&r),
        Entity::Invoices => invoices::invoice(&r),
        Entity::InvoicePayments => invoices::invoice_payment(&r),
        Entity::Documents => documents::document(&r),
    }
}
