//! Shipments and their tracking events: the field tables and how a row of each becomes an
//! [`Update`].

use super::row::{Row, RowError};
use super::{Field, Kind, Update, VERSION, opt, req};
use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::model::{ShipmentStatus, TrackingEvent};
use portal_domain::{AccountId, OrderId, ShipmentId, TrackingNumber};

pub(super) const SHIPMENT_STATUSES: &[&str] = &[
    "booked",
    "picked-up",
    "in-transit",
    "out-for-delivery",
    "delivered",
    "exception",
];

pub(super) const SHIPMENTS: &[Field] = &[
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
pub(super) const TRACKING_EVENTS: &[Field] = &[
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

/// A `shipments` row: a shipment's own fields.
pub(super) fn shipment(r: &Row) -> Result<Update, RowError> {
    Ok(Update::Shipment(ShipmentHeader {
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
            .map(|l| r.formats.integer("lines", l))
            .collect::<Result<_, _>>()?,
    }))
}

/// A `tracking-events` row: one scan of a shipment.
pub(super) fn tracking_event(r: &Row) -> Result<Update, RowError> {
    Ok(Update::TrackingEvent {
        shipment_id: r.id("shipment_id", ShipmentId::parse)?,
        event: TrackingEvent {
            at: r.datetime("at")?,
            place: r.opt_text("place").unwrap_or_default(),
            status: r.word("status")?,
            description: r.opt_text("description").unwrap_or_default(),
        },
    })
}
