//! The entities a portal shows (step 1: show information).
//!
//! These are the shapes clients receive as JSON (`snake_case` fields, `kebab-case`
//! enum values, decimal amounts as strings so that no client rounds them).

use crate::access::Role;
use crate::ids::{
    AccountId, BatchId, Currency, DivisionId, DocumentId, InvoiceId, OrderId, PoNumber,
    PriceGroupId, ShipmentId, Sku, TrackingNumber, UserId,
};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A customer company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    /// The seller's divisions or channels the account buys from; they decide which products it sees.
    pub divisions: Vec<DivisionId>,
    pub currency: Currency,
    pub ship_to: Vec<Address>,
    /// The seller's account managers assigned to this account.
    pub account_managers: Vec<UserId>,
    /// The price groups whose price lists apply to it (see `pricing`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_groups: Vec<PriceGroupId>,
}

/// A ship-to address of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct Address {
    pub id: String,
    pub name: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// A portal user, as the portal's own records know them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The customer account, for customer-side roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    /// The accounts assigned to an account manager.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assigned_accounts: Vec<AccountId>,
}

/// A division or sales channel of the seller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct Division {
    pub id: DivisionId,
    pub name: String,
}

/// A product of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "ProductFields")
)]
pub struct Product {
    pub sku: Sku,
    pub name: String,
    pub description: String,
    /// The division that sells it; accounts buying from that division see it.
    pub division: DivisionId,
    /// Unit of measure, such as `pcs`, `kg` or `m`.
    pub unit: String,
    /// Units per pack; orders come in whole packs.
    pub pack_size: Decimal,
    pub attributes: BTreeMap<String, String>,
}

/// The fields of a product shown in lists and search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct ProductSummary {
    pub sku: Sku,
    pub name: String,
    pub division: DivisionId,
    pub unit: String,
    pub pack_size: Decimal,
}

impl From<&Product> for ProductSummary {
    fn from(p: &Product) -> Self {
        Self {
            sku: p.sku.clone(),
            name: p.name.clone(),
            division: p.division.clone(),
            unit: p.unit.clone(),
            pack_size: p.pack_size,
        }
    }
}

/// The kinds of documents in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum DocumentKind {
    MaterialCertificate,
    DeclarationOfConformity,
    SafetyDataSheet,
    OrderConfirmation,
    DeliveryNote,
    Invoice,
    CreditNote,
}

impl DocumentKind {
    /// Whether the kind is a product certificate (shown under "certificates").
    pub fn is_certificate(self) -> bool {
        matches!(
            self,
            DocumentKind::MaterialCertificate
                | DocumentKind::DeclarationOfConformity
                | DocumentKind::SafetyDataSheet
        )
    }
}

/// Who may see a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum DocumentAudience {
    /// One account's document: an order confirmation, delivery note, invoice.
    Account { account_id: AccountId },
    /// A product's document (declaration of conformity, safety data sheet): whoever sees the product.
    Product,
    /// A batch's certificate: the accounts the batch was delivered to.
    Batch { delivered_to: Vec<AccountId> },
}

/// What a document is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct DocumentLinks {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Sku>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<ShipmentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<InvoiceId>,
}

/// A document in the archive; its file lives in object storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "DocumentFields")
)]
pub struct Document {
    pub id: DocumentId,
    pub kind: DocumentKind,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub issued_on: NaiveDate,
    pub links: DocumentLinks,
    /// Internal: who may see it. Never shown to clients.
    #[cfg_attr(feature = "graphql", graphql(skip))]
    pub audience: DocumentAudience,
    /// Internal: which version of the file is stored (a digest of its bytes, then of the row
    /// that brought them), when ingest stored it; each version is its own object, so a file is
    /// never replaced under a live record, and ingest removes the one a record no longer names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "graphql", graphql(skip))]
    pub file_revision: Option<String>,
}

/// The status of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum OrderStatus {
    /// Placed in the portal, waiting for an approver of the account.
    PendingApproval,
    /// Placed in the portal (and approved, if it needed it), sent to the ERP, not yet taken.
    Submitted,
    Received,
    Confirmed,
    InProduction,
    PartiallyShipped,
    Shipped,
    Delivered,
    Invoiced,
    Cancelled,
    /// Placed in the portal and rejected by an approver: never sent to the ERP.
    Rejected,
}

impl OrderStatus {
    /// Every status, in the order an order passes through them.
    pub const ALL: [OrderStatus; 11] = [
        OrderStatus::PendingApproval,
        OrderStatus::Submitted,
        OrderStatus::Received,
        OrderStatus::Confirmed,
        OrderStatus::InProduction,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Invoiced,
        OrderStatus::Cancelled,
        OrderStatus::Rejected,
    ];

    /// The statuses the ERP gives (the others are the portal's, before the ERP has the order).
    pub const FROM_ERP: [OrderStatus; 8] = [
        OrderStatus::Received,
        OrderStatus::Confirmed,
        OrderStatus::InProduction,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Invoiced,
        OrderStatus::Cancelled,
    ];

    /// The status as written in JSON and query strings.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingApproval => "pending-approval",
            OrderStatus::Submitted => "submitted",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Received => "received",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::InProduction => "in-production",
            OrderStatus::PartiallyShipped => "partially-shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Invoiced => "invoiced",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a status name, saying which names exist when it is unknown.
    pub fn parse(raw: &str) -> Result<Self, crate::ParseError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| crate::ParseError {
                what: "order status",
                problem: format!(
                    "{raw:?} is unknown; use one of {}",
                    Self::ALL.map(OrderStatus::as_str).join(", ")
                ),
            })
    }
}

/// One step of an order's status history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct StatusChange {
    pub status: OrderStatus,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The status of an order line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum LineStatus {
    Open,
    Confirmed,
    Shipped,
    Delivered,
    Cancelled,
}

/// A line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "OrderLineFields")
)]
pub struct OrderLine {
    pub line_no: u32,
    pub sku: Sku,
    pub description: String,
    pub quantity: Decimal,
    pub unit: String,
    pub unit_price: Decimal,
    pub line_total: Decimal,
    pub status: LineStatus,
    /// The batch or lot delivered for this line, once shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchId>,
    /// Where the line's price came from, for a line placed in the portal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_source: Option<crate::pricing::PriceSource>,
}

/// Money totals of an order or invoice, in its currency.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct Totals {
    pub net: Decimal,
    pub tax: Decimal,
    pub gross: Decimal,
}

/// The fields of an order shown in lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "OrderSummaryFields")
)]
pub struct OrderSummary {
    pub id: OrderId,
    pub account_id: AccountId,
    pub po_number: PoNumber,
    pub division: DivisionId,
    pub currency: Currency,
    pub order_date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_delivery: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_delivery: Option<NaiveDate>,
    pub status: OrderStatus,
    pub totals: Totals,
    pub line_count: u32,
}

/// A whole order: its summary, lines and status history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    #[serde(flatten)]
    pub summary: OrderSummary,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<String>,
    pub lines: Vec<OrderLine>,
    pub status_history: Vec<StatusChange>,
    /// The ERP's own number for an order placed in the portal, once it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erp_order_number: Option<String>,
    /// How the order was placed in the portal (absent for orders the ERP knew first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed: Option<Placed>,
}

/// An order placed in the portal: by whom, when, from which cart, with which note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct Placed {
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub cart_id: crate::CartId,
    /// The portal's version of the order: 1 when placed, one more with each decision on it.
    pub version: u64,
    /// Why it waits (or waited) for an approver, who may decide, and the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<crate::approvals::Approval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The transport status of a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum ShipmentStatus {
    Booked,
    PickedUp,
    InTransit,
    OutForDelivery,
    Delivered,
    Exception,
}

/// One event reported by the carrier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct TrackingEvent {
    pub at: DateTime<Utc>,
    pub place: String,
    pub status: ShipmentStatus,
    pub description: String,
}

/// A shipment of (part of) an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "ShipmentFields")
)]
pub struct Shipment {
    pub id: ShipmentId,
    pub account_id: AccountId,
    pub order_id: OrderId,
    pub carrier: String,
    pub tracking_number: TrackingNumber,
    pub status: ShipmentStatus,
    pub shipped_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    /// The order lines (by number) in this shipment.
    pub lines: Vec<u32>,
    pub events: Vec<TrackingEvent>,
}

/// Invoice or credit note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum InvoiceKind {
    Invoice,
    CreditNote,
}

/// Whether an invoice is settled, as recorded (see [`Invoice::status_on`] for what clients see).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum PaymentState {
    Unpaid,
    Paid,
}

/// The status clients see: `overdue` is an unpaid invoice past its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum InvoiceStatus {
    Open,
    Paid,
    Overdue,
}

/// An invoice or credit note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "InvoiceFields")
)]
pub struct Invoice {
    pub id: InvoiceId,
    pub account_id: AccountId,
    pub kind: InvoiceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
    /// For a credit note: the invoice it credits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_invoice: Option<InvoiceId>,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: Currency,
    /// Negative for credit notes.
    pub totals: Totals,
    pub payment: PaymentState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<DocumentId>,
}

impl Invoice {
    /// The status on a given day: unpaid invoices become overdue the day after their due date.
    pub fn status_on(&self, today: NaiveDate) -> InvoiceStatus {
        match self.payment {
            PaymentState::Paid => InvoiceStatus::Paid,
            PaymentState::Unpaid if self.due_date < today => InvoiceStatus::Overdue,
            PaymentState::Unpaid => InvoiceStatus::Open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn invoice(payment: PaymentState, due: &str) -> Invoice {
        Invoice {
            id: InvoiceId::parse("INV-1").expect("id"),
            account_id: AccountId::parse("A1").expect("id"),
            kind: InvoiceKind::Invoice,
            order_id: None,
            credits_invoice: None,
            issue_date: NaiveDate::from_str("2026-01-01").expect("date"),
            due_date: NaiveDate::from_str(due).expect("date"),
            currency: Currency::parse("EUR").expect("currency"),
            totals: Totals {
                net: Decimal::ONE,
                tax: Decimal::ZERO,
                gross: Decimal::ONE,
            },
            payment,
            paid_on: None,
            document_id: None,
        }
    }

    #[test]
    fn unpaid_invoice_is_overdue_only_after_its_due_date() {
        let inv = invoice(PaymentState::Unpaid, "2026-02-01");
        let day = |s| NaiveDate::from_str(s).expect("date");
        assert_eq!(inv.status_on(day("2026-02-01")), InvoiceStatus::Open);
        assert_eq!(inv.status_on(day("2026-02-02")), InvoiceStatus::Overdue);
        assert_eq!(
            invoice(PaymentState::Paid, "2026-02-01").status_on(day("2027-01-01")),
            InvoiceStatus::Paid
        );
    }

    #[test]
    fn order_status_names_round_trip_and_unknown_names_list_the_choices() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Ok(s));
            let json = serde_json::to_string(&s).expect("serialise");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        let err = OrderStatus::parse("lost").expect_err("unknown");
        assert!(err.to_string().contains("in-production"), "{err}");
    }

    #[test]
    fn amounts_serialise_as_strings_so_clients_do_not_round_them() {
        let t = Totals {
            net: Decimal::new(12345, 2),
            tax: Decimal::ZERO,
            gross: Decimal::new(12345, 2),
        };
        let json = serde_json::to_value(t).expect("serialise");
        assert_eq!(json["net"], "123.45");
    }
}
