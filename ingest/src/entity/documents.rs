//! Documents: the field table and how a row becomes an [`Update`], with who may see it.

use super::row::{Row, RowError, ids};
use super::{Field, Kind, Update, VERSION, opt, req};
use chrono::NaiveDate;
use portal_domain::model::{DocumentAudience, DocumentKind, DocumentLinks};
use portal_domain::{AccountId, BatchId, DocumentId, InvoiceId, OrderId, ShipmentId, Sku};

pub(super) const DOCUMENT_KINDS: &[&str] = &[
    "material-certificate",
    "declaration-of-conformity",
    "safety-data-sheet",
    "order-confirmation",
    "delivery-note",
    "invoice",
    "credit-note",
];

pub(super) const DOCUMENTS: &[Field] = &[
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

/// A `documents` row: a document, the file it needs and its audience.
pub(super) fn document(r: &Row) -> Result<Update, RowError> {
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
    Ok(Update::Document(DocumentFields {
        id: r.id("document_id", DocumentId::parse)?,
        kind,
        title: r.text("title")?,
        file: r.text("file")?,
        size_bytes: 0,
        revision: String::new(),
        issued_on: r.date("issued_on")?,
        links,
        audience,
    }))
}
