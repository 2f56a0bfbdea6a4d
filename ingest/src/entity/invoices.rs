//! Invoices and their payments: the field tables and how a row of each becomes an [`Update`].

use super::row::{Row, RowError};
use super::{Field, Kind, Update, VERSION, opt, req};
use chrono::NaiveDate;
use portal_domain::model::{InvoiceKind, PaymentState, Totals};
use portal_domain::{AccountId, Currency, DocumentId, InvoiceId, OrderId};

pub(super) const INVOICE_KINDS: &[&str] = &["invoice", "credit-note"];
pub(super) const PAYMENTS: &[&str] = &["unpaid", "paid"];

pub(super) const INVOICES: &[Field] = &[
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
pub(super) const INVOICE_PAYMENTS: &[Field] = &[
    req("invoice_id", Kind::Id, "the invoice (natural key)"),
    opt(
        "payment",
        Kind::Word(PAYMENTS),
        "paid or unpaid (default paid)",
    ),
    opt("paid_on", Kind::Date, "payment date"),
    VERSION,
];

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

/// An `invoices` row: an invoice or credit note.
pub(super) fn invoice(r: &Row) -> Result<Update, RowError> {
    let payment = r.opt_word::<PaymentState>("payment")?;
    let paid_on = r.opt_date("paid_on")?;
    Ok(Update::Invoice(InvoiceFields {
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
    }))
}

/// An `invoice-payments` row: an invoice's payment.
pub(super) fn invoice_payment(r: &Row) -> Result<Update, RowError> {
    Ok(Update::InvoicePayment {
        invoice_id: r.id("invoice_id", InvoiceId::parse)?,
        payment: r.opt_word("payment")?.unwrap_or(PaymentState::Paid),
        paid_on: r.opt_date("paid_on")?,
    })
}
