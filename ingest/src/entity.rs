//! The canonical entities: what every source's rows become, whatever the source wrote.
//!
//! Each entity has a name (the folder under `incoming/<source>/` and the command's argument), a
//! list of fields (the canonical CSV header and JSON-lines keys; docs/ingest.md documents them)
//! and a natural key. [`parse`] turns one row's canonical field values into an [`Update`]: a
//! typed change to one record.

use crate::values::{Formats, ValueError};
use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::model::{
    DocumentAudience, DocumentKind, DocumentLinks, InvoiceKind, LineStatus, OrderLine, OrderStatus,
    PaymentState, ShipmentStatus, StatusChange, Totals, TrackingEvent,
};
use portal_domain::{
    AccountId, BatchId, Currency, DivisionId, DocumentId, InvoiceId, OrderId, PoNumber, Role,
    ShipmentId, Sku, TrackingNumber, UserId,
};
use portal_store::RecordKey;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

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

const ORDER_STATUSES: &[&str] = &[
    "received",
    "confirmed",
    "in-production",
    "partially-shipped",
    "shipped",
    "delivered",
    "invoiced",
    "cancelled",
];
const LINE_STATUSES: &[&str] = &["open", "confirmed", "shipped", "delivered", "cancelled"];
const SHIPMENT_STATUSES: &[&str] = &[
    "booked",
    "picked-up",
    "in-transit",
    "out-for-delivery",
    "delivered",
    "exception",
];
const INVOICE_KINDS: &[&str] = &["invoice", "credit-note"];
const PAYMENTS: &[&str] = &["unpaid", "paid"];
const DOCUMENT_KINDS: &[&str] = &[
    "material-certificate",
    "declaration-of-conformity",
    "safety-data-sheet",
    "order-confirmation",
    "delivery-note",
    "invoice",
    "credit-note",
];

const ACCOUNTS: &[Field] = &[
    req("account_id", Kind::Id, "the account's id (natural key)"),
    req("name", Kind::Text, "company name"),
    req("divisions", Kind::List, "divisions it buys from"),
    req("currency", Kind::Id, "ISO 4217 code"),
    opt(
        "account_managers",
        Kind::List,
        "user ids of its account managers, who then serve it",
    ),
    VERSION,
];
/// The most account managers one account names (each is an item written with the account).
pub const MAX_ACCOUNT_MANAGERS: usize = 20;

/// The roles ingest may give: a customer's people. Seller staff and machine users are made in
/// the portal, never by a back-end system (a system that could make them could make itself one).
const USER_ROLES: &[&str] = &["viewer", "buyer", "approver", "account-admin"];
const USERS: &[Field] = &[
    req(
        "user_id",
        Kind::Id,
        "the identity provider's subject (the token's sub; natural key)",
    ),
    req("name", Kind::Text, "the person's name"),
    req("email", Kind::Text, "e-mail address"),
    req(
        "role",
        Kind::Word(USER_ROLES),
        "a customer's role (staff and machine users are not ingested)",
    ),
    req("account_id", Kind::Id, "the account the person belongs to"),
    VERSION,
];
const PRODUCTS: &[Field] = &[
    req("sku", Kind::Id, "the SKU (natural key)"),
    req("name", Kind::Text, "product name"),
    opt("description", Kind::Text, "longer text"),
    req("division", Kind::Id, "the division that sells it"),
    opt("unit", Kind::Text, "unit of measure (default pcs)"),
    opt("pack_size", Kind::Decimal, "units per pack (default 1)"),
    VERSION,
];
const ORDERS: &[Field] = &[
    req("order_id", Kind::Id, "the order's id (natural key)"),
    req("account_id", Kind::Id, "the ordering account"),
    req("po_number", Kind::Text, "the buyer's purchase order number"),
    req("division", Kind::Id, "the selling division"),
    req("currency", Kind::Id, "ISO 4217 code"),
    req("order_date", Kind::Date, "order date"),
    opt("requested_delivery", Kind::Date, "requested delivery date"),
    opt("confirmed_delivery", Kind::Date, "confirmed delivery date"),
    req("status", Kind::Word(ORDER_STATUSES), "the order's status"),
    req("net", Kind::Decimal, "net total"),
    opt("tax", Kind::Decimal, "tax total (default 0)"),
    opt("gross", Kind::Decimal, "gross total (default net + tax)"),
    opt("ship_to", Kind::Text, "ship-to address id"),
    VERSION,
];
const ORDER_LINES: &[Field] = &[
    req(
        "order_id",
        Kind::Id,
        "the order (natural key, with line_no)",
    ),
    req(
        "line_no",
        Kind::Integer,
        "the line's number within the order",
    ),
    req("sku", Kind::Id, "the product"),
    opt("description", Kind::Text, "line text"),
    req("quantity", Kind::Decimal, "ordered quantity"),
    opt("unit", Kind::Text, "unit of measure (default pcs)"),
    req("unit_price", Kind::Decimal, "net price per unit"),
    opt(
        "line_total",
        Kind::Decimal,
        "net line value (default quantity × unit_price)",
    ),
    opt(
        "status",
        Kind::Word(LINE_STATUSES),
        "the line's status (default open)",
    ),
    opt("batch", Kind::Id, "batch or lot delivered"),
    VERSION,
];
const ORDER_STATUS: &[Field] = &[
    req(
        "order_id",
        Kind::Id,
        "the order (natural key, with status and at)",
    ),
    req("status", Kind::Word(ORDER_STATUSES), "the new status"),
    req("at", Kind::DateTime, "when it changed"),
    opt("note", Kind::Text, "a remark"),
    opt(
        "version",
        Kind::DateTime,
        "as for every entity (default: at)",
    ),
];
const SHIPMENTS: &[Field] = &[
    req("shipment_id", Kind::Id, "the shipment's id (natural key)"),
    req("order_id", Kind::Id, "the order shipped"),
    req("account_id", Kind::Id, "the receiving account"),
    req("carrier", Kind::Text, "carrier name"),
    req("tracking_number", Kind::Id, "the carrier's tracking number"),
    req(
        "status",
        Kind::Word(SHIPMENT_STATUSES),
        "status (the latest tracking event wins)",
    ),
    req("shipped_on", Kind::Date, "goods issue date"),
    opt("eta", Kind::Date, "expected delivery"),
    opt("delivered_at", Kind::DateTime, "proof of delivery time"),
    opt(
        "lines",
        Kind::List,
        "the order's line numbers in this shipment",
    ),
    VERSION,
];
const TRACKING_EVENTS: &[Field] = &[
    req(
        "shipment_id",
        Kind::Id,
        "the shipment (natural key, with at and status)",
    ),
    req("at", Kind::DateTime, "when the carrier scanned it"),
    req(
        "status",
        Kind::Word(SHIPMENT_STATUSES),
        "the status it reports",
    ),
    opt("place", Kind::Text, "where"),
    opt("description", Kind::Text, "the carrier's text"),
    opt(
        "version",
        Kind::DateTime,
        "as for every entity (default: at)",
    ),
];
const INVOICES: &[Field] = &[
    req("invoice_id", Kind::Id, "the invoice's id (natural key)"),
    req("account_id", Kind::Id, "the billed account"),
    opt(
        "kind",
        Kind::Word(INVOICE_KINDS),
        "invoice or credit-note (default invoice)",
    ),
    opt("order_id", Kind::Id, "the order billed"),
    opt(
        "credits_invoice",
        Kind::Id,
        "for a credit note: the invoice it credits",
    ),
    req("issue_date", Kind::Date, "issue date"),
    req("due_date", Kind::Date, "due date"),
    req("currency", Kind::Id, "ISO 4217 code"),
    req(
        "net",
        Kind::Decimal,
        "net total (negative for credit notes)",
    ),
    opt("tax", Kind::Decimal, "tax total (default 0)"),
    opt("gross", Kind::Decimal, "gross total (default net + tax)"),
    opt(
        "payment",
        Kind::Word(PAYMENTS),
        "unpaid or paid (default: as stored, else unpaid)",
    ),
    opt("paid_on", Kind::Date, "payment date"),
    opt("document_id", Kind::Id, "the invoice's PDF document"),
    VERSION,
];
const INVOICE_PAYMENTS: &[Field] = &[
    req("invoice_id", Kind::Id, "the invoice (natural key)"),
    opt(
        "payment",
        Kind::Word(PAYMENTS),
        "paid or unpaid (default paid)",
    ),
    opt("paid_on", Kind::Date, "payment date"),
    VERSION,
];
const DOCUMENTS: &[Field] = &[
    req("document_id", Kind::Id, "the document's id (natural key)"),
    req("kind", Kind::Word(DOCUMENT_KINDS), "what it is"),
    req("title", Kind::Text, "title shown in lists"),
    req(
        "file",
        Kind::Text,
        "the PDF's file name, dropped next to this file",
    ),
    req("issued_on", Kind::Date, "issue date"),
    opt(
        "account_id",
        Kind::Id,
        "the account it belongs to (account documents)",
    ),
    opt("sku", Kind::Id, "the product it is about"),
    opt("order_id", Kind::Id, "the order it is about"),
    opt("order_line", Kind::Integer, "the order line it is about"),
    opt("batch", Kind::Id, "the batch a certificate is for"),
    opt("shipment_id", Kind::Id, "the shipment it is about"),
    opt("invoice_id", Kind::Id, "the invoice it is"),
    opt(
        "delivered_to",
        Kind::List,
        "for a batch certificate: the accounts the batch went to",
    ),
    VERSION,
];

impl Entity {
    pub const ALL: [Entity; 11] = [
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
            Entity::Accounts => ACCOUNTS,
            Entity::Users => USERS,
            Entity::Products => PRODUCTS,
            Entity::Orders => ORDERS,
            Entity::OrderLines => ORDER_LINES,
            Entity::OrderStatus => ORDER_STATUS,
            Entity::Shipments => SHIPMENTS,
            Entity::TrackingEvents => TRACKING_EVENTS,
            Entity::Invoices => INVOICES,
            Entity::InvoicePayments => INVOICE_PAYMENTS,
            Entity::Documents => DOCUMENTS,
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A source's version of a row, compared in time order.
///
/// A row that carries no version of its own takes the time its file or request arrived and its
/// place there (see [`Arrival`]): of two such rows of one batch the one further down is the newer,
/// so a source that sends a record twice corrects it instead of conflicting with itself; two
/// batches arriving within one millisecond (or two files S3 stamps with the same second) are
/// ordered by their identity, the same way on every re-run. Ties between versions the source gave
/// stay conflicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// The row's own version or time, or the time it arrived.
    pub at: DateTime<Utc>,
    /// For a row without a version of its own: its batch and place in it.
    pub place: Option<Place>,
}

/// Where a row without a version of its own came: its batch (a digest of the file's or request's
/// identity) and its 1-based row number there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub batch: u32,
    pub row: u64,
}

/// When a file or a pushed request arrived, and which one it was: the version of its rows that
/// give none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub at: DateTime<Utc>,
    batch: u32,
}

impl Arrival {
    /// The arrival at `at` of the batch `id` (a file's or request's identity, the same on every
    /// re-run of it).
    pub fn new(at: DateTime<Utc>, id: &str) -> Arrival {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(id.as_bytes());
        Arrival {
            at,
            batch: u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]),
        }
    }

    /// The version of its `row`th row (1-based) when that row gives none.
    pub fn version(&self, row: u64) -> Version {
        Version {
            at: self.at,
            place: Some(Place {
                batch: self.batch,
                row,
            }),
        }
    }
}

impl Version {
    /// A version the source gave (a `version` field, an event's time).
    pub fn given(at: DateTime<Utc>) -> Version {
        Version { at, place: None }
    }
}

/// The text form of a version as stored beside records: fixed width, so text order is the order
/// of [`Version`] (a given version sorts before rows arriving in the same millisecond), e.g.
/// `2026-12-04T10:15:00.000Z` or `2026-12-04T10:15:00.000Z 1a2b3c4d row 0000000042`.
pub fn version_text(v: &Version) -> String {
    let at = v.at.format("%Y-%m-%dT%H:%M:%S%.3fZ");
    match v.place {
        None => at.to_string(),
        Some(Place { batch, row }) => format!("{at} {batch:08x} row {row:010}"),
    }
}

/// An order's header fields.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderHeader {
    pub id: OrderId,
    pub account_id: AccountId,
    pub po_number: PoNumber,
    pub division: DivisionId,
    pub currency: Currency,
    pub order_date: NaiveDate,
    pub requested_delivery: Option<NaiveDate>,
    pub confirmed_delivery: Option<NaiveDate>,
    pub status: OrderStatus,
    pub totals: Totals,
    pub ship_to: Option<String>,
}

/// A shipment's own fields (its events come separately or stay as stored).
#[derive(Debug, Clone, PartialEq)]
pub struct ShipmentHeader {
    pub id: ShipmentId,
    pub order_id: OrderId,
    pub account_id: AccountId,
    pub carrier: String,
    pub tracking_number: TrackingNumber,
    pub status: ShipmentStatus,
    pub shipped_on: NaiveDate,
    pub eta: Option<NaiveDate>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub lines: Vec<u32>,
}

/// An invoice's fields; `payment` is `None` when the row leaves it as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceFields {
    pub id: InvoiceId,
    pub account_id: AccountId,
    pub kind: InvoiceKind,
    pub order_id: Option<OrderId>,
    pub credits_invoice: Option<InvoiceId>,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: Currency,
    pub totals: Totals,
    pub payment: Option<(PaymentState, Option<NaiveDate>)>,
    pub document_id: Option<DocumentId>,
}

/// A document's fields and the file it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentFields {
    pub id: DocumentId,
    pub kind: DocumentKind,
    pub title: String,
    pub file: String,
    /// The file's size, once ingest has read it (0 until then).
    pub size_bytes: u64,
    /// The file's revision (a hash of its bytes), once ingest has read it.
    pub revision: String,
    pub issued_on: NaiveDate,
    pub links: DocumentLinks,
    pub audience: DocumentAudience,
}

/// An account's fields (ship-to addresses stay as stored).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountFields {
    pub id: AccountId,
    pub name: String,
    pub divisions: Vec<DivisionId>,
    pub currency: Currency,
    pub account_managers: Vec<UserId>,
}

/// A customer's user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFields {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub account_id: AccountId,
}

/// A product's fields (attributes stay as stored).
#[derive(Debug, Clone, PartialEq)]
pub struct ProductFields {
    pub sku: Sku,
    pub name: String,
    pub description: String,
    pub division: DivisionId,
    pub unit: String,
    pub pack_size: Decimal,
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

/// A row's canonical values, by field name (empty values left out).
pub type Values = BTreeMap<&'static str, String>;

/// Why a row's values do not make an update.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct RowError(pub String);

impl From<ValueError> for RowError {
    fn from(e: ValueError) -> Self {
        RowError(e.to_string())
    }
}

/// The largest amount of money ingest takes, either sign: 10¹⁵ (a thousand trillion) in any
/// currency, for totals, prices and line values. Sums of any realistic number of such amounts
/// stay far below a decimal's limit (about 7.9 × 10²⁸), so balances and totals never overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;
/// The largest quantity (and pack size) ingest takes, either sign: 10⁹ units. Also keeps
/// quantity × unit price, a line's default value, within range.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// The bound of a number field: quantities and pack sizes by [`MAX_QUANTITY`], the rest (money)
/// by [`MAX_AMOUNT`].
fn bound_of(name: &str) -> (i64, &'static str) {
    match name {
        "quantity" | "pack_size" => (MAX_QUANTITY, "quantity"),
        _ => (MAX_AMOUNT, "amount"),
    }
}

/// `value` if within its field's bound, else the row's error.
fn bounded(name: &'static str, value: Decimal) -> Result<Decimal, RowError> {
    let (bound, what) = bound_of(name);
    if value.abs() > Decimal::from(bound) {
        return Err(RowError(format!(
            "{name}: {value} is beyond the largest {what} ingest takes (±{})",
            thousands(bound)
        )));
    }
    Ok(value)
}

/// `n` with thousands separators, as the bounds are written in errors.
fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Reads one row's values by the entity's field list.
struct Row<'a> {
    values: &'a Values,
    formats: &'a Formats,
}

impl Row<'_> {
    fn raw(&self, name: &'static str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
    fn required(&self, name: &'static str) -> Result<&str, RowError> {
        self.raw(name)
            .ok_or_else(|| RowError(format!("{name}: missing (the field is required)")))
    }
    fn id<T>(
        &self,
        name: &'static str,
        parse: fn(&str) -> Result<T, portal_domain::ParseError>,
    ) -> Result<T, RowError> {
        let raw = self.required(name)?;
        parse(raw).map_err(|e| RowError(format!("{name}: {e}")))
    }
    fn opt_id<T>(
        &self,
        name: &'static str,
        parse: fn(&str) -> Result<T, portal_domain::ParseError>,
    ) -> Result<Option<T>, RowError> {
        self.raw(name)
            .map(|raw| parse(raw).map_err(|e| RowError(format!("{name}: {e}"))))
            .transpose()
    }
    fn text(&self, name: &'static str) -> Result<String, RowError> {
        Ok(self.required(name)?.to_owned())
    }
    fn opt_text(&self, name: &'static str) -> Option<String> {
        self.raw(name).map(str::to_owned)
    }
    fn date(&self, name: &'static str) -> Result<NaiveDate, RowError> {
        Ok(self.formats.date(name, self.required(name)?)?)
    }
    fn opt_date(&self, name: &'static str) -> Result<Option<NaiveDate>, RowError> {
        Ok(self
            .raw(name)
            .map(|r| self.formats.date(name, r))
            .transpose()?)
    }
    fn datetime(&self, name: &'static str) -> Result<DateTime<Utc>, RowError> {
        Ok(self.formats.datetime(name, self.required(name)?)?)
    }
    fn opt_datetime(&self, name: &'static str) -> Result<Option<DateTime<Utc>>, RowError> {
        Ok(self
            .raw(name)
            .map(|r| self.formats.datetime(name, r))
            .transpose()?)
    }
    fn decimal(&self, name: &'static str) -> Result<Decimal, RowError> {
        bounded(name, self.formats.decimal(name, self.required(name)?)?)
    }
    fn opt_decimal(&self, name: &'static str) -> Result<Option<Decimal>, RowError> {
        self.raw(name)
            .map(|r| bounded(name, self.formats.decimal(name, r)?))
            .transpose()
    }
    fn integer(&self, name: &'static str) -> Result<u32, RowError> {
        Ok(self.formats.integer(name, self.required(name)?)?)
    }
    fn opt_integer(&self, name: &'static str) -> Result<Option<u32>, RowError> {
        Ok(self
            .raw(name)
            .map(|r| self.formats.integer(name, r))
            .transpose()?)
    }
    fn list(&self, name: &'static str) -> Vec<String> {
        self.raw(name)
            .map(|r| self.formats.list(r))
            .unwrap_or_default()
    }
    /// A kebab-case word as the domain enum it names.
    fn word<T: serde::de::DeserializeOwned>(&self, name: &'static str) -> Result<T, RowError> {
        word(name, self.required(name)?)
    }
    fn opt_word<T: serde::de::DeserializeOwned>(
        &self,
        name: &'static str,
    ) -> Result<Option<T>, RowError> {
        self.raw(name).map(|r| word(name, r)).transpose()
    }
    fn totals(&self) -> Result<Totals, RowError> {
        let net = self.decimal("net")?;
        let tax = self.opt_decimal("tax")?.unwrap_or_default();
        let gross = match self.opt_decimal("gross")? {
            Some(g) => g,
            None => net
                .checked_add(tax)
                .ok_or_else(|| RowError("gross: net + tax is too large a number".into()))
                .and_then(|g| bounded("gross", g))?,
        };
        Ok(Totals { net, tax, gross })
    }
}

fn word<T: serde::de::DeserializeOwned>(name: &'static str, raw: &str) -> Result<T, RowError> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned())).map_err(|_| {
        let words = Entity::ALL
            .iter()
            .flat_map(|e| e.fields())
            .find_map(|f| match f.kind {
                Kind::Word(words) if f.name == name => Some(words.join(", ")),
                _ => None,
            })
            .unwrap_or_default();
        RowError(format!("{name}: {raw:?} is not one of {words}"))
    })
}

fn ids<T>(
    name: &'static str,
    raw: Vec<String>,
    parse: fn(&str) -> Result<T, portal_domain::ParseError>,
) -> Result<Vec<T>, RowError> {
    raw.iter()
        .map(|r| parse(r).map_err(|e| RowError(format!("{name}: {e}"))))
        .collect()
}

/// How far a row's version may be ahead of its arrival (`fallback`, the file's or the request's
/// time). A version in the future would make every later correction "older than the stored
/// data" until that day (SAP writes 9999-12-31 for "no date"); a day covers local times read as
/// UTC in any time zone.
pub const MAX_VERSION_AHEAD: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// The version of the `row`th row of a file or request that arrived as `arrived`: its own
/// `version` field, else (for events) its time, else its place in the arrival
/// ([`Arrival::version`]). A version more than [`MAX_VERSION_AHEAD`] after the arrival is refused.
pub fn version_of(
    values: &Values,
    formats: &Formats,
    arrived: Arrival,
    row: u64,
) -> Result<Version, RowError> {
    let fields = Row { values, formats };
    let (field, version) = match fields.opt_datetime("version")? {
        Some(v) => ("version", v),
        None => match fields.opt_datetime("at")? {
            Some(at) => ("at", at),
            None => return Ok(arrived.version(row)),
        },
    };
    if version > arrived.at + MAX_VERSION_AHEAD {
        return Err(RowError(format!(
            "{field}: {} is in the future (the row arrived at {}); a version more than a day \
             ahead would hold back every later correction, so the row is refused (a placeholder \
             date such as 9999-12-31, or local time read as UTC?)",
            version_text(&Version::given(version)),
            version_text(&Version::given(arrived.at))
        )));
    }
    Ok(Version::given(version))
}

/// Turns one row's canonical values into the update it makes.
pub fn parse(entity: Entity, values: &Values, formats: &Formats) -> Result<Update, RowError> {
    let r = Row { values, formats };
    Ok(match entity {
        Entity::Accounts => Update::Account(AccountFields {
            id: r.id("account_id", AccountId::parse)?,
            name: r.text("name")?,
            divisions: {
                let divisions = ids("divisions", r.list("divisions"), DivisionId::parse)?;
                if divisions.is_empty() {
                    return Err(RowError(
                        "divisions: an account buys from at least one division".into(),
                    ));
                }
                divisions
            },
            currency: r.id("currency", Currency::parse)?,
            account_managers: {
                let mut managers = ids(
                    "account_managers",
                    r.list("account_managers"),
                    UserId::parse,
                )?;
                managers.sort();
                managers.dedup();
                if managers.len() > MAX_ACCOUNT_MANAGERS {
                    return Err(RowError(format!(
                        "account_managers: {} listed, at most {MAX_ACCOUNT_MANAGERS}",
                        managers.len()
                    )));
                }
                managers
            },
        }),
        Entity::Users => {
            let role: Role = r.word("role")?;
            if !role.is_customer_side() {
                return Err(RowError(format!(
                    "role: {role} is given in the portal, not by a back-end system (ingest takes \
                     {})",
                    USER_ROLES.join(", ")
                )));
            }
            let email = r.text("email")?;
            if !email.contains('@') || email.chars().any(char::is_whitespace) {
                return Err(RowError(format!(
                    "email: {email:?} is not an e-mail address"
                )));
            }
            Update::User(UserFields {
                id: r.id("user_id", UserId::parse)?,
                name: r.text("name")?,
                email,
                role,
                account_id: r.id("account_id", AccountId::parse)?,
            })
        }
        Entity::Products => Update::Product(ProductFields {
            sku: r.id("sku", Sku::parse)?,
            name: r.text("name")?,
            description: r.opt_text("description").unwrap_or_default(),
            division: r.id("division", DivisionId::parse)?,
            unit: r.opt_text("unit").unwrap_or_else(|| "pcs".into()),
            pack_size: match r.opt_decimal("pack_size")? {
                Some(p) if p <= Decimal::ZERO => {
                    return Err(RowError(format!("pack_size: {p} is not positive")));
                }
                p => p.unwrap_or(Decimal::ONE),
            },
        }),
        Entity::Orders => Update::Order(OrderHeader {
            id: r.id("order_id", OrderId::parse)?,
            account_id: r.id("account_id", AccountId::parse)?,
            po_number: r.id("po_number", PoNumber::parse)?,
            division: r.id("division", DivisionId::parse)?,
            currency: r.id("currency", Currency::parse)?,
            order_date: r.date("order_date")?,
            requested_delivery: r.opt_date("requested_delivery")?,
            confirmed_delivery: r.opt_date("confirmed_delivery")?,
            status: r.word("status")?,
            totals: r.totals()?,
            ship_to: r.opt_text("ship_to"),
        }),
        Entity::OrderLines => {
            let quantity = r.decimal("quantity")?;
            if quantity.is_sign_negative() && !quantity.is_zero() {
                return Err(RowError(format!(
                    "quantity: {quantity} is negative; an order line orders goods (returns \
                     come as credit notes, cancelled lines with the line status)"
                )));
            }
            let unit_price = r.decimal("unit_price")?;
            Update::OrderLine {
                order_id: r.id("order_id", OrderId::parse)?,
                line: OrderLine {
                    line_no: r.integer("line_no")?,
                    sku: r.id("sku", Sku::parse)?,
                    description: r.opt_text("description").unwrap_or_default(),
                    quantity,
                    unit: r.opt_text("unit").unwrap_or_else(|| "pcs".into()),
                    unit_price,
                    line_total: match r.opt_decimal("line_total")? {
                        Some(t) => t,
                        None => quantity
                            .checked_mul(unit_price)
                            .map(|t| t.round_dp(2))
                            .ok_or_else(|| {
                                RowError(
                                    "line_total: quantity × unit_price is too large a number"
                                        .into(),
                                )
                            })
                            .and_then(|t| bounded("line_total", t))?,
                    },
                    status: r
                        .opt_word::<LineStatus>("status")?
                        .unwrap_or(LineStatus::Open),
                    batch: r.opt_id("batch", BatchId::parse)?,
                },
            }
        }
        Entity::OrderStatus => Update::OrderStatus {
            order_id: r.id("order_id", OrderId::parse)?,
            change: StatusChange {
                status: r.word("status")?,
                at: r.datetime("at")?,
                note: r.opt_text("note"),
            },
        },
        Entity::Shipments => Update::Shipment(ShipmentHeader {
            id: r.id("shipment_id", ShipmentId::parse)?,
            order_id: r.id("order_id", OrderId::parse)?,
            account_id: r.id("account_id", AccountId::parse)?,
            carrier: r.text("carrier")?,
            tracking_number: r.id("tracking_number", TrackingNumber::parse)?,
            status: r.word("status")?,
            shipped_on: r.date("shipped_on")?,
            eta: r.opt_date("eta")?,
            delivered_at: r.opt_datetime("delivered_at")?,
            lines: r
                .list("lines")
                .iter()
                .map(|l| formats.integer("lines", l))
                .collect::<Result<_, _>>()?,
        }),
        Entity::TrackingEvents => Update::TrackingEvent {
            shipment_id: r.id("shipment_id", ShipmentId::parse)?,
            event: TrackingEvent {
                at: r.datetime("at")?,
                place: r.opt_text("place").unwrap_or_default(),
                status: r.word("status")?,
                description: r.opt_text("description").unwrap_or_default(),
            },
        },
        Entity::Invoices => {
            let payment = r.opt_word::<PaymentState>("payment")?;
            let paid_on = r.opt_date("paid_on")?;
            Update::Invoice(InvoiceFields {
                id: r.id("invoice_id", InvoiceId::parse)?,
                account_id: r.id("account_id", AccountId::parse)?,
                kind: r.opt_word("kind")?.unwrap_or(InvoiceKind::Invoice),
                order_id: r.opt_id("order_id", OrderId::parse)?,
                credits_invoice: r.opt_id("credits_invoice", InvoiceId::parse)?,
                issue_date: r.date("issue_date")?,
                due_date: r.date("due_date")?,
                currency: r.id("currency", Currency::parse)?,
                totals: r.totals()?,
                payment: payment.map(|p| (p, paid_on)),
                document_id: r.opt_id("document_id", DocumentId::parse)?,
            })
        }
        Entity::InvoicePayments => Update::InvoicePayment {
            invoice_id: r.id("invoice_id", InvoiceId::parse)?,
            payment: r.opt_word("payment")?.unwrap_or(PaymentState::Paid),
            paid_on: r.opt_date("paid_on")?,
        },
        Entity::Documents => {
            let kind: DocumentKind = r.word("kind")?;
            let account = r.opt_id("account_id", AccountId::parse)?;
            let links = DocumentLinks {
                sku: r.opt_id("sku", Sku::parse)?,
                order_id: r.opt_id("order_id", OrderId::parse)?,
                order_line: r.opt_integer("order_line")?,
                batch: r.opt_id("batch", BatchId::parse)?,
                shipment_id: r.opt_id("shipment_id", ShipmentId::parse)?,
                invoice_id: r.opt_id("invoice_id", InvoiceId::parse)?,
            };
            let delivered_to = ids("delivered_to", r.list("delivered_to"), AccountId::parse)?;
            let audience = match (kind, account) {
                (DocumentKind::MaterialCertificate, _) if links.batch.is_some() => {
                    DocumentAudience::Batch { delivered_to }
                }
                (DocumentKind::DeclarationOfConformity | DocumentKind::SafetyDataSheet, None)
                    if links.sku.is_some() =>
                {
                    DocumentAudience::Product
                }
                (_, Some(account_id)) => DocumentAudience::Account { account_id },
                _ => {
                    return Err(RowError(
                        "account_id: missing; a document needs the account it belongs to (or a \
                         batch for a material certificate, a sku for a product document)"
                            .into(),
                    ));
                }
            };
            Update::Document(DocumentFields {
                id: r.id("document_id", DocumentId::parse)?,
                kind,
                title: r.text("title")?,
                file: r.text("file")?,
                size_bytes: 0,
                revision: String::new(),
                issued_on: r.date("issued_on")?,
                links,
                audience,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUIDE: &str = include_str!("../../docs/ingest.md");

    fn values(pairs: &[(&'static str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn amounts_and_quantities_beyond_their_bounds_are_refused_with_the_bound() {
        let formats = Formats::canonical();
        let invoice = |net: &str, gross: Option<&str>| {
            let mut v = values(&[
                ("invoice_id", "INV-1"),
                ("account_id", "ACC-1"),
                ("issue_date", "2025-11-01"),
                ("due_date", "2025-12-01"),
                ("currency", "EUR"),
                ("net", net),
            ]);
            if let Some(g) = gross {
                v.insert("gross", g.to_owned());
            }
            parse(Entity::Invoices, &v, &formats)
        };
        assert!(invoice("1000000000000000", None).is_ok(), "10^15 is taken");
        assert!(invoice("-1000000000000000", None).is_ok(), "so is -10^15");
        let err = invoice("60000000000000000000000000000", None).expect_err("6e28");
        assert_eq!(
            err.0,
            "net: 60000000000000000000000000000 is beyond the largest amount ingest takes \
             (±1,000,000,000,000,000)"
        );
        let err = invoice("1000000000000000.01", None).expect_err("just beyond");
        assert!(err.0.starts_with("net: "), "{err}");
        let err = invoice("5", Some("-1000000000000001")).expect_err("gross");
        assert!(err.0.starts_with("gross: "), "{err}");

        let line = |quantity: &str, unit_price: &str| {
            parse(
                Entity::OrderLines,
                &values(&[
                    ("order_id", "SO-1"),
                    ("line_no", "10"),
                    ("sku", "A-1"),
                    ("quantity", quantity),
                    ("unit_price", unit_price),
                ]),
                &formats,
            )
        };
        assert!(line("1000000000", "1000000").is_ok(), "10^9 × 10^6 = 10^15");
        let err = line("1000000001", "1").expect_err("quantity");
        assert_eq!(
            err.0,
            "quantity: 1000000001 is beyond the largest quantity ingest takes (±1,000,000,000)"
        );
        let err = line("1", "2000000000000000").expect_err("unit price");
        assert!(err.0.starts_with("unit_price: "), "{err}");
        let err = line("1000000000", "1000001").expect_err("the line's value");
        assert!(err.0.starts_with("line_total: "), "{err}");
        let err = parse(
            Entity::Products,
            &values(&[
                ("sku", "A-1"),
                ("name", "Valve"),
                ("division", "HYD"),
                ("pack_size", "2000000000"),
            ]),
            &formats,
        )
        .expect_err("pack size");
        assert!(err.0.starts_with("pack_size: "), "{err}");
    }

    #[test]
    fn the_ingest_guide_documents_every_field_of_every_entity() {
        for entity in Entity::ALL {
            let heading = format!("### `{}`", entity.name());
            let start = GUIDE
                .find(&heading)
                .unwrap_or_else(|| panic!("no section {heading}"));
            let section = &GUIDE[start + heading.len()..];
            let section = &section[..section.find("\n#").unwrap_or(section.len())];
            for field in entity.fields() {
                let required = if field.required { "yes" } else { "no" };
                let row = format!("| `{}` |", field.name);
                let line = section
                    .lines()
                    .find(|l| l.starts_with(&row))
                    .unwrap_or_else(|| panic!("{entity}: {} is not documented", field.name));
                assert!(
                    line.contains(&format!("| {required} |")),
                    "{entity}.{}: documented as other than required = {required}",
                    field.name
                );
            }
            let documented = section.lines().filter(|l| l.starts_with("| `")).count();
            assert_eq!(
                documented,
                entity.fields().len(),
                "{entity}: fields that no longer exist"
            );
        }
    }

    #[test]
    fn every_listed_word_is_a_value_of_its_domain_type() {
        fn all<T: serde::de::DeserializeOwned>(words: &[&str]) {
            for w in words {
                word::<T>("field", w).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        all::<OrderStatus>(ORDER_STATUSES);
        assert_eq!(ORDER_STATUSES.len(), OrderStatus::ALL.len());
        all::<LineStatus>(LINE_STATUSES);
        all::<ShipmentStatus>(SHIPMENT_STATUSES);
        all::<InvoiceKind>(INVOICE_KINDS);
        all::<PaymentState>(PAYMENTS);
        all::<DocumentKind>(DOCUMENT_KINDS);
        all::<Role>(USER_ROLES);
    }

    #[test]
    fn the_guides_example_profile_is_a_valid_profile() {
        let start = GUIDE.find("```toml\n").expect("an example") + "```toml\n".len();
        let text = &GUIDE[start..start + GUIDE[start..].find("```").expect("its end")];
        let profile = crate::Profile::parse("example", text).expect("valid");
        assert_eq!(profile.name, "erp-north");
    }
}
