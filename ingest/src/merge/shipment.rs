//! How shipment rows change a shipment: its own fields and its tracking events.

use super::state::{Dated, State, child_row, stays_with, upsert_dated};
use crate::entity::ShipmentHeader;
use chrono::{DateTime, Utc};
use portal_domain::model::{Shipment, ShipmentStatus, TrackingEvent};
use portal_domain::records::Record;

/// A shipment's own fields: takes in the tracking events that waited for it.
pub(super) fn apply_shipment(state: &mut State, h: &ShipmentHeader) -> Result<(), String> {
    if let Some(Record::Shipment(old)) = &state.record {
        stays_with(&old.account_id, &h.account_id)?;
    }
    let mut events = match &state.record {
        Some(Record::Shipment(s)) => s.events.clone(),
        _ => Vec::new(),
    };
    for event in std::mem::take(&mut state.orphans.events) {
        upsert_dated(&mut events, event);
    }
    state.fold_orphan_versions();
    let mut shipment = Shipment {
        id: h.id.clone(),
        account_id: h.account_id.clone(),
        order_id: h.order_id.clone(),
        carrier: h.carrier.clone(),
        tracking_number: h.tracking_number.clone(),
        status: h.status,
        shipped_on: h.shipped_on,
        eta: h.eta,
        delivered_at: h.delivered_at,
        lines: h.lines.clone(),
        events,
    };
    follow_events(&mut shipment);
    state.record = Some(Record::Shipment(shipment));
    Ok(())
}

/// One tracking event: the latest decides the shipment's status.
pub(super) fn apply_tracking_event(state: &mut State, event: &TrackingEvent) -> Result<(), String> {
    child_row(
        state,
        |record| match record {
            Record::Shipment(s) => {
                upsert_dated(&mut s.events, event.clone());
                follow_events(s);
                true
            }
            _ => false,
        },
        |orphans| upsert_dated(&mut orphans.events, event.clone()),
    )
}

/// The latest tracking event decides a shipment's status; a delivery scan is its delivery time.
fn follow_events(s: &mut Shipment) {
    if let Some(last) = s.events.last() {
        s.status = last.status;
    }
    if s.delivered_at.is_none() {
        s.delivered_at = s
            .events
            .iter()
            .find(|e| e.status == ShipmentStatus::Delivered)
            .map(|e| e.at);
    }
}

impl Dated for TrackingEvent {
    type Status = ShipmentStatus;
    fn at(&self) -> DateTime<Utc> {
        self.at
    }
    fn status(&self) -> ShipmentStatus {
        self.status
    }
}
