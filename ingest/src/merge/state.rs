//! The state rows are merged into (a record, its orphans and the versions of both) and what
//! the per-entity rules share: account checks, child rows and their histories.

use crate::entity::Update;
use chrono::{DateTime, Utc};
use portal_domain::records::{Current, Orphans, Record, Versions};

#[derive(Debug, Clone, PartialEq)]
pub(super) struct State {
    pub(super) record: Option<Record>,
    pub(super) versions: Versions,
    pub(super) orphans: Orphans,
    pub(super) orphan_versions: Versions,
}

impl State {
    pub(super) fn of(current: &Current) -> State {
        State {
            record: current.record.as_ref().map(|r| r.value.clone()),
            versions: current
                .record
                .as_ref()
                .map(|r| r.versions.clone())
                .unwrap_or_default(),
            orphans: current
                .orphans
                .as_ref()
                .map(|o| o.value.clone())
                .unwrap_or_default(),
            orphan_versions: current
                .orphans
                .as_ref()
                .map(|o| o.versions.clone())
                .unwrap_or_default(),
        }
    }

    /// The versions the row's slot lives in: the record's, or its orphans' while it has none.
    pub(super) fn versions_for(&self, update: &Update) -> &Versions {
        if self.record.is_none() && is_child(update) {
            &self.orphan_versions
        } else {
            &self.versions
        }
    }

    pub(super) fn content(&self) -> (&Option<Record>, &Orphans) {
        (&self.record, &self.orphans)
    }

    /// Takes the versions of the orphans a parent's first write takes in.
    pub(super) fn fold_orphan_versions(&mut self) {
        let folded = std::mem::take(&mut self.orphan_versions);
        self.versions.extend(folded);
    }
}

pub(super) fn is_child(update: &Update) -> bool {
    matches!(
        update,
        Update::OrderLine { .. } | Update::OrderStatus { .. } | Update::TrackingEvent { .. }
    )
}

/// Refuses to move a stored record to another account: its children (an order's shipments,
/// invoices and documents) would stay with the old one, visible to it and not to the new one.
pub(super) fn stays_with(
    stored: &portal_domain::AccountId,
    row: &portal_domain::AccountId,
) -> Result<(), String> {
    if stored == row {
        return Ok(());
    }
    Err(format!(
        "account_id: the record belongs to account {stored}, not {row}; moving it is refused, \
         as what belongs to it (shipments, invoices, documents) would stay with {stored}"
    ))
}

/// Applies a child row (an order line, a status change, a tracking event): to its parent with
/// `to_parent` when the parent is stored (`false`: the key holds another kind of record), else
/// to the orphans waiting for it.
pub(super) fn child_row(
    state: &mut State,
    to_parent: impl FnOnce(&mut Record) -> bool,
    to_orphans: impl FnOnce(&mut Orphans),
) -> Result<(), String> {
    match &mut state.record {
        Some(record) => {
            if !to_parent(record) {
                return Err("the key holds another kind of record".into());
            }
        }
        None => to_orphans(&mut state.orphans),
    }
    Ok(())
}

/// A dated row of a record's history: an order's status change, a shipment's tracking event.
pub(super) trait Dated {
    type Status: PartialEq;
    fn at(&self) -> DateTime<Utc>;
    fn status(&self) -> Self::Status;
}

/// Puts `row` into `history`, kept in time order: in place of the row of the same time and
/// status, else after every row not later than it.
pub(super) fn upsert_dated<T: Dated>(history: &mut Vec<T>, row: T) {
    match history
        .iter()
        .position(|r| r.at() == row.at() && r.status() == row.status())
    {
        Some(i) => history[i] = row,
        None => {
            let i = history.partition_point(|r| r.at() <= row.at());
            history.insert(i, row);
        }
    }
}
