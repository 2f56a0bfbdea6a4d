//! The merge rules: how rows change what is stored, and what each row's verdict is.
//!
//! Rows are applied in file order to the state read from the store. Each row owns a part of its
//! record (its slot: the record itself, one order line, one status change, one tracking event,
//! an invoice's payment) and carries the source's version of it:
//! - a row older than the stored version of its slot changes nothing ("the stored data is newer");
//! - a row whose content is already stored changes nothing (a newer version of it is still
//!   remembered, so that an older row arriving later cannot overwrite it);
//! - a row with the same version as stored but different content is quarantined: the source
//!   said two things at once;
//! - otherwise it is loaded, and its version is stored with it.
//!
//! Children whose parent is not stored yet (order lines and status changes before the order's
//! header, tracking events before the shipment) are kept as orphans, and the parent's first
//! write takes them in.
//!
//! Each entity's rules have a file: `order` (headers, lines, status changes), `shipment`
//! (shipments, tracking events), `invoice` (invoices, payments), `document`, `account`
//! (accounts, users) and `product`; price data rows are whole records and replace what is
//! stored; `state` holds what they share.

mod account;
mod document;
mod invoice;
mod order;
mod product;
mod shipment;
mod state;
#[cfg(test)]
mod tests;

pub use document::content_type;

use crate::entity::{Update, Version, version_text};
use portal_domain::records::{Change, Current, Record, RecordKey};
use state::{State, is_child};

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Written; `waiting` when it waits for its parent (an order line before its order).
    Loaded { waiting: bool },
    /// Nothing changed, and why.
    Unchanged(String),
    /// Rejected, and why.
    Quarantined(String),
}

/// Applies `updates` (one key's rows, in file order) to `current`: the change to write, if
/// anything changed, and each row's verdict.
pub fn merge(
    key: &RecordKey,
    current: &Current,
    updates: &[(Update, Version)],
) -> (Option<Change>, Vec<Verdict>) {
    merge_within(key, current, updates, None)
}

/// Why the store would refuse a change whatever is stored (see `Store::refusal`), if it would.
pub type Refusal<'a> = &'a dyn Fn(&Change) -> Option<String>;

/// [`merge`], asking `refusal` (if given) after each row that changes the record: a row that would make
/// it something the store refuses (too large an item, ...) is quarantined with the reason, and
/// the record stays as the rows before made it, so that only that row is lost.
pub fn merge_within(
    key: &RecordKey,
    current: &Current,
    updates: &[(Update, Version)],
    refusal: Option<Refusal<'_>>,
) -> (Option<Change>, Vec<Verdict>) {
    let read = State::of(current);
    let mut state = read.clone();
    let mut verdicts = Vec::with_capacity(updates.len());
    for (update, version) in updates {
        let slot = update.slot();
        let v = version_text(version);
        let stored = state.versions_for(update).get(&slot).cloned();
        if let Some(stored) = &stored
            && *stored > v
        {
            verdicts.push(Verdict::Unchanged(format!(
                "the stored data is newer (version {stored}, this row {v})"
            )));
            continue;
        }
        let mut candidate = state.clone();
        if let Err(reason) = apply(&mut candidate, update, version) {
            verdicts.push(Verdict::Quarantined(reason));
            continue;
        }
        let changed = candidate.content() != state.content();
        if stored.as_deref() == Some(v.as_str()) {
            verdicts.push(if changed {
                Verdict::Quarantined(format!(
                    "conflicts with the stored data of the same version ({v}): the source sent \
                     two different rows for one version"
                ))
            } else {
                Verdict::Unchanged("already loaded".into())
            });
            continue;
        }
        if !changed {
            // Nothing new, but the source has now said it at a later version: remember that,
            // or an older row arriving late could still overwrite it.
            if candidate.record.is_none() && is_child(update) {
                candidate.orphan_versions.insert(slot, v);
            } else {
                candidate.versions.insert(slot, v);
            }
            state = candidate;
            verdicts.push(Verdict::Unchanged("already loaded".into()));
            continue;
        }
        let waiting = candidate.record.is_none();
        if waiting {
            candidate.orphan_versions.insert(slot, v);
        } else {
            candidate.versions.insert(slot, v);
        }
        if let Some(refusal) = refusal
            && let Some(reason) =
                change_of(key, current, &read, &candidate).and_then(|change| refusal(&change))
        {
            verdicts.push(Verdict::Quarantined(reason));
            continue;
        }
        state = candidate;
        verdicts.push(Verdict::Loaded { waiting });
    }
    (change_of(key, current, &read, &state), verdicts)
}

/// The change that turns `read` (as in `current`) into `state`, if anything changed.
fn change_of(key: &RecordKey, current: &Current, read: &State, state: &State) -> Option<Change> {
    if state == read {
        return None;
    }
    let record = match (
        &state.record,
        state.record != read.record || state.versions != read.versions,
    ) {
        (Some(r), true) => Some((r.clone(), state.versions.clone())),
        _ => None,
    };
    let orphans =
        (!state.orphans.is_empty()).then(|| (state.orphans.clone(), state.orphan_versions.clone()));
    Some(Change {
        key: key.clone(),
        read: current.clone(),
        record,
        orphans,
    })
}

/// Applies one row to the state; an error quarantines the row.
fn apply(state: &mut State, update: &Update, version: &Version) -> Result<(), String> {
    match update {
        Update::Order(h) => order::apply_order(state, h, version),
        Update::OrderLine { line, .. } => order::apply_order_line(state, line),
        Update::OrderStatus {
            change,
            erp_order_number,
            ..
        } => order::apply_order_status(state, change, erp_order_number.as_deref()),
        Update::Shipment(h) => shipment::apply_shipment(state, h),
        Update::TrackingEvent { event, .. } => shipment::apply_tracking_event(state, event),
        Update::Invoice(i) => invoice::apply_invoice(state, i, version),
        Update::InvoicePayment {
            invoice_id,
            payment,
            paid_on,
        } => invoice::apply_invoice_payment(state, invoice_id, *payment, *paid_on),
        Update::Document(d) => document::apply_document(state, d, version),
        Update::Account(a) => account::apply_account(state, a),
        Update::User(u) => account::apply_user(state, u),
        Update::Product(p) => product::apply_product(state, p),
        Update::PriceList(l) => replace(state, Record::PriceList(l.clone())),
        Update::Price(p) => replace(state, Record::Price(p.clone())),
        Update::PriceAssignment(a) => replace(state, Record::PriceAssignment(a.clone())),
        Update::QuantityRule(r) => replace(state, Record::QuantityRule(r.clone())),
    }
}

/// A row that is the whole record (price data): it replaces what is stored.
fn replace(state: &mut State, record: Record) -> Result<(), String> {
    state.record = Some(record);
    Ok(())
}
