//! How order rows change an order: its header, its lines and its status changes.

use super::state::{Dated, State, child_row, stays_with, upsert_dated};
use crate::entity::{OrderHeader, Version};
use chrono::{DateTime, Utc};
use portal_domain::model::{Order, OrderLine, OrderStatus, OrderSummary, StatusChange};
use portal_domain::records::Record;

/// An order's header: takes in the lines and status changes that waited for it.
pub(super) fn apply_order(
    state: &mut State,
    h: &OrderHeader,
    version: &Version,
) -> Result<(), String> {
    if let Some(Record::Order(o)) = &state.record {
        stays_with(&o.summary.account_id, &h.account_id)?;
    }
    let (mut lines, mut history, erp_order_number, placed) = match &state.record {
        Some(Record::Order(o)) => (
            o.lines.clone(),
            o.status_history.clone(),
            o.erp_order_number.clone(),
            o.placed.clone(),
        ),
        _ => (Vec::new(), Vec::new(), None, None),
    };
    // The header takes in whatever waited for it.
    for line in std::mem::take(&mut state.orphans.lines) {
        upsert_line(&mut lines, line);
    }
    for change in std::mem::take(&mut state.orphans.status) {
        upsert_dated(&mut history, change);
    }
    state.fold_orphan_versions();
    // The header's status is a change at its version, unless it is already the latest.
    if history.last().map(|c| c.status) != Some(h.status) {
        upsert_dated(
            &mut history,
            portal_domain::model::StatusChange {
                status: h.status,
                at: version.at,
                note: None,
            },
        );
    }
    let status = history.last().map_or(h.status, |c| c.status);
    state.record = Some(Record::Order(Order {
        summary: OrderSummary {
            id: h.id.clone(),
            account_id: h.account_id.clone(),
            po_number: h.po_number.clone(),
            division: h.division.clone(),
            currency: h.currency,
            order_date: h.order_date,
            requested_delivery: h.requested_delivery,
            confirmed_delivery: h.confirmed_delivery,
            status,
            totals: h.totals,
            line_count: lines.len() as u32,
        },
        ship_to: h.ship_to.clone(),
        lines,
        status_history: history,
        erp_order_number,
        placed,
    }));
    Ok(())
}

/// One line of an order.
pub(super) fn apply_order_line(state: &mut State, line: &OrderLine) -> Result<(), String> {
    child_row(
        state,
        |record| match record {
            Record::Order(o) => {
                upsert_line(&mut o.lines, line.clone());
                o.summary.line_count = o.lines.len() as u32;
                true
            }
            _ => false,
        },
        |orphans| upsert_line(&mut orphans.lines, line.clone()),
    )
}

/// One change of an order's status: the latest by time is the order's status. It may give a
/// portal order the ERP's own number.
pub(super) fn apply_order_status(
    state: &mut State,
    change: &StatusChange,
    erp_order_number: Option<&str>,
) -> Result<(), String> {
    child_row(
        state,
        |record| match record {
            Record::Order(o) => {
                if let Some(number) = erp_order_number {
                    o.erp_order_number = Some(number.to_owned());
                }
                upsert_dated(&mut o.status_history, change.clone());
                if let Some(last) = o.status_history.last() {
                    o.summary.status = last.status;
                }
                true
            }
            _ => false,
        },
        |orphans| upsert_dated(&mut orphans.status, change.clone()),
    )
}

fn upsert_line(
    lines: &mut Vec<portal_domain::model::OrderLine>,
    line: portal_domain::model::OrderLine,
) {
    match lines.binary_search_by_key(&line.line_no, |l| l.line_no) {
        Ok(i) => lines[i] = line,
        Err(i) => lines.insert(i, line),
    }
}

impl Dated for StatusChange {
    type Status = OrderStatus;
    fn at(&self) -> DateTime<Utc> {
        self.at
    }
    fn status(&self) -> OrderStatus {
        self.status
    }
}
