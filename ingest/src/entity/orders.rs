//! Orders, their lines and their status changes: the field tables and how a row of each becomes
//! an [`Update`].

use super::row::{Row, RowError, bounded};
use super::{Field, Kind, Update, VERSION, opt, req};
use chrono::NaiveDate;
use portal_domain::model::{LineStatus, OrderLine, OrderStatus, StatusChange, Totals};
use portal_domain::{AccountId, BatchId, Currency, DivisionId, OrderId, PoNumber, Sku};

/// The order statuses ingest takes: the ERP's, as the domain writes them (the portal's own,
/// such as `pending-approval`, are never a back-end system's to give).
pub(super) const ORDER_STATUSES: &[&str] = &{
    let mut words = [""; OrderStatus::FROM_ERP.len()];
    let mut i = 0;
    while i < words.len() {
        words[i] = OrderStatus::FROM_ERP[i].as_str();
        i += 1;
    }
    words
};
pub(super) const LINE_STATUSES: &[&str] =
    &["open", "confirmed", "shipped", "delivered", "cancelled"];

pub(super) const ORDERS: &[Field] = &[
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
pub(super) const ORDER_LINES: &[Field] = &[
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
pub(super) const ORDER_STATUS: &[Field] = &[
    req(
        "order_id",
        Kind::Id,
        "the order (natural key, with status and at)",
    ),
    req("status", Kind::Word(ORDER_STATUSES), "the new status"),
    req("at", Kind::DateTime, "when it changed"),
    opt("note", Kind::Text, "a remark"),
    opt(
        "erp_order_number",
        Kind::Text,
        "the ERP's own number for an order placed in the portal",
    ),
    opt(
        "version",
        Kind::DateTime,
        "as for every entity (default: at)",
    ),
];

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

/// An `orders` row: the order's header.
pub(super) fn order(r: &Row) -> Result<Update, RowError> {
    Ok(Update::Order(OrderHeader {
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
    }))
}

/// An `order-lines` row: one line of an order.
pub(super) fn order_line(r: &Row) -> Result<Update, RowError> {
    let quantity = r.decimal("quantity")?;
    if quantity.is_sign_negative() && !quantity.is_zero() {
        return Err(RowError(format!(
            "quantity: {quantity} is negative; an order line orders goods (returns \
             come as credit notes, cancelled lines with the line status)"
        )));
    }
    let unit_price = r.decimal("unit_price")?;
    Ok(Update::OrderLine {
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
                        RowError("line_total: quantity × unit_price is too large a number".into())
                    })
                    .and_then(|t| bounded("line_total", t))?,
            },
            status: r
                .opt_word::<LineStatus>("status")?
                .unwrap_or(LineStatus::Open),
            batch: r.opt_id("batch", BatchId::parse)?,
            price_source: None,
        },
    })
}

/// An `order-status` row: one change of an order's status.
pub(super) fn order_status(r: &Row) -> Result<Update, RowError> {
    Ok(Update::OrderStatus {
        order_id: r.id("order_id", OrderId::parse)?,
        change: StatusChange {
            status: r.word("status")?,
            at: r.datetime("at")?,
            note: r.opt_text("note"),
        },
        erp_order_number: r.opt_text("erp_order_number"),
    })
}
