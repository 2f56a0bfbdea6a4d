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

use crate::entity::{Update, Version, version_text};
use portal_domain::model::{
    Account, Document, Invoice, Order, OrderSummary, PaymentState, Product, Shipment,
    ShipmentStatus, User,
};
use portal_store::{Change, Current, Orphans, Record, RecordKey, Versions};

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

#[derive(Debug, Clone, PartialEq)]
struct State {
    record: Option<Record>,
    versions: Versions,
    orphans: Orphans,
    orphan_versions: Versions,
}

impl State {
    fn of(current: &Current) -> State {
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
    fn versions_for(&self, update: &Update) -> &Versions {
        if self.record.is_none() && is_child(update) {
            &self.orphan_versions
        } else {
            &self.versions
        }
    }

    fn content(&self) -> (&Option<Record>, &Orphans) {
        (&self.record, &self.orphans)
    }
}

fn is_child(update: &Update) -> bool {
    matches!(
        update,
        Update::OrderLine { .. } | Update::OrderStatus { .. } | Update::TrackingEvent { .. }
    )
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

/// Refuses to move a stored record to another account: its children (an order's shipments,
/// invoices and documents) would stay with the old one, visible to it and not to the new one.
fn stays_with(
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

/// Applies one row to the state; an error quarantines the row.
fn apply(state: &mut State, update: &Update, version: &Version) -> Result<(), String> {
    match update {
        Update::Order(h) => {
            if let Some(Record::Order(o)) = &state.record {
                stays_with(&o.summary.account_id, &h.account_id)?;
            }
            let (mut lines, mut history) = match &state.record {
                Some(Record::Order(o)) => (o.lines.clone(), o.status_history.clone()),
                _ => (Vec::new(), Vec::new()),
            };
            // The header takes in whatever waited for it.
            for line in std::mem::take(&mut state.orphans.lines) {
                upsert_line(&mut lines, line);
            }
            for change in std::mem::take(&mut state.orphans.status) {
                upsert_status(&mut history, change);
            }
            let folded = std::mem::take(&mut state.orphan_versions);
            state.versions.extend(folded);
            // The header's status is a change at its version, unless it is already the latest.
            if history.last().map(|c| c.status) != Some(h.status) {
                upsert_status(
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
            }));
        }
        Update::OrderLine { line, .. } => match &mut state.record {
            Some(Record::Order(o)) => {
                upsert_line(&mut o.lines, line.clone());
                o.summary.line_count = o.lines.len() as u32;
            }
            Some(_) => return Err("the key holds another kind of record".into()),
            None => upsert_line(&mut state.orphans.lines, line.clone()),
        },
        Update::OrderStatus { change, .. } => match &mut state.record {
            Some(Record::Order(o)) => {
                upsert_status(&mut o.status_history, change.clone());
                if let Some(last) = o.status_history.last() {
                    o.summary.status = last.status;
                }
            }
            Some(_) => return Err("the key holds another kind of record".into()),
            None => upsert_status(&mut state.orphans.status, change.clone()),
        },
        Update::Shipment(h) => {
            if let Some(Record::Shipment(old)) = &state.record {
                stays_with(&old.account_id, &h.account_id)?;
            }
            let mut events = match &state.record {
                Some(Record::Shipment(s)) => s.events.clone(),
                _ => Vec::new(),
            };
            for event in std::mem::take(&mut state.orphans.events) {
                upsert_event(&mut events, event);
            }
            let folded = std::mem::take(&mut state.orphan_versions);
            state.versions.extend(folded);
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
        }
        Update::TrackingEvent { event, .. } => match &mut state.record {
            Some(Record::Shipment(s)) => {
                upsert_event(&mut s.events, event.clone());
                follow_events(s);
            }
            Some(_) => return Err("the key holds another kind of record".into()),
            None => upsert_event(&mut state.orphans.events, event.clone()),
        },
        Update::Invoice(i) => {
            if let Some(Record::Invoice(old)) = &state.record {
                stays_with(&old.account_id, &i.account_id)?;
            }
            let stored_payment = match &state.record {
                Some(Record::Invoice(old)) => (old.payment, old.paid_on),
                _ => (PaymentState::Unpaid, None),
            };
            // The row's payment state counts only if it is not older than the stored payment's.
            let v = version_text(version);
            let (payment, paid_on) = match i.payment {
                Some(p)
                    if state
                        .versions
                        .get("payment")
                        .is_none_or(|stored| *stored <= v) =>
                {
                    state.versions.insert("payment".into(), v);
                    p
                }
                _ => stored_payment,
            };
            state.record = Some(Record::Invoice(Invoice {
                id: i.id.clone(),
                account_id: i.account_id.clone(),
                kind: i.kind,
                order_id: i.order_id.clone(),
                credits_invoice: i.credits_invoice.clone(),
                issue_date: i.issue_date,
                due_date: i.due_date,
                currency: i.currency,
                totals: i.totals,
                payment,
                paid_on: if payment == PaymentState::Paid {
                    paid_on
                } else {
                    None
                },
                document_id: i.document_id.clone(),
            }));
        }
        Update::InvoicePayment {
            invoice_id,
            payment,
            paid_on,
        } => match &mut state.record {
            Some(Record::Invoice(i)) => {
                i.payment = *payment;
                i.paid_on = match payment {
                    PaymentState::Paid => paid_on.or(i.paid_on),
                    PaymentState::Unpaid => None,
                };
            }
            _ => {
                return Err(format!(
                    "invoice {invoice_id} is not known: load the invoice before its payment"
                ));
            }
        },
        Update::Document(d) => {
            // The same file keeps its object; another gets one of its own (see `file_revision`).
            let file_revision = match &state.record {
                Some(Record::Document(old))
                    if old
                        .file_revision
                        .as_deref()
                        .is_some_and(|r| r.split('.').next() == Some(d.revision.as_str())) =>
                {
                    old.file_revision.clone()
                }
                _ => Some(file_revision(&d.revision, version)),
            };
            state.record = Some(Record::Document(Document {
                id: d.id.clone(),
                kind: d.kind,
                title: d.title.clone(),
                file_name: d.file.clone(),
                content_type: content_type(&d.file).into(),
                size_bytes: d.size_bytes,
                issued_on: d.issued_on,
                links: d.links.clone(),
                audience: d.audience.clone(),
                file_revision,
            }));
        }
        Update::Account(a) => {
            let ship_to = match &state.record {
                Some(Record::Account(old)) => old.ship_to.clone(),
                _ => Vec::new(),
            };
            state.record = Some(Record::Account(Account {
                id: a.id.clone(),
                name: a.name.clone(),
                divisions: a.divisions.clone(),
                currency: a.currency,
                ship_to,
                account_managers: a.account_managers.clone(),
            }));
        }
        Update::User(u) => {
            if let Some(Record::User(old)) = &state.record {
                if !old.role.is_customer_side() {
                    return Err(format!(
                        "user {} has the role {}, given in the portal: a back-end system \
                         cannot change it",
                        old.id, old.role
                    ));
                }
                if state.versions.is_empty() {
                    return Err(format!(
                        "user {} was made in the portal: ingest changes only the users it loaded",
                        old.id
                    ));
                }
                if old.account_id.as_ref() != Some(&u.account_id) {
                    return Err(format!(
                        "user {} belongs to another account: ingest never moves a user between \
                         accounts (load a new user instead)",
                        old.id
                    ));
                }
            }
            state.record = Some(Record::User(User {
                id: u.id.clone(),
                name: u.name.clone(),
                email: u.email.clone(),
                role: u.role,
                account_id: Some(u.account_id.clone()),
                assigned_accounts: Vec::new(),
            }));
        }
        Update::Product(p) => {
            let attributes = match &state.record {
                Some(Record::Product(old)) => old.attributes.clone(),
                _ => Default::default(),
            };
            state.record = Some(Record::Product(Product {
                sku: p.sku.clone(),
                name: p.name.clone(),
                description: p.description.clone(),
                division: p.division.clone(),
                unit: p.unit.clone(),
                pack_size: p.pack_size,
                attributes,
            }));
        }
    }
    Ok(())
}

/// A document file's content type, by its extension.
pub fn content_type(file: &str) -> &'static str {
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".pdf") {
        "application/pdf"
    } else if lower.ends_with(".png") {
        "image/png"
    } else if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        "image/jpeg"
    } else {
        "application/octet-stream"
    }
}

/// The revision naming a document file's object: the digest of its bytes, then a digest of the
/// version of the row that brought it. So an object is never written again once a record has
/// moved past it, even when a later row brings the same bytes back: the ingest that replaces a
/// file can remove the old object without racing one that restores it.
fn file_revision(content: &str, version: &Version) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(version_text(version).as_bytes());
    format!(
        "{content}.{:02x}{:02x}{:02x}{:02x}",
        digest[0], digest[1], digest[2], digest[3]
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

fn upsert_status(
    history: &mut Vec<portal_domain::model::StatusChange>,
    change: portal_domain::model::StatusChange,
) {
    match history
        .iter()
        .position(|c| c.at == change.at && c.status == change.status)
    {
        Some(i) => history[i] = change,
        None => {
            let i = history.partition_point(|c| c.at <= change.at);
            history.insert(i, change);
        }
    }
}

fn upsert_event(
    events: &mut Vec<portal_domain::model::TrackingEvent>,
    event: portal_domain::model::TrackingEvent,
) {
    match events
        .iter()
        .position(|e| e.at == event.at && e.status == event.status)
    {
        Some(i) => events[i] = event,
        None => {
            let i = events.partition_point(|e| e.at <= event.at);
            events.insert(i, event);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::{Entity, Values, parse};
    use crate::values::Formats;
    use portal_domain::OrderId;
    use portal_domain::model::OrderStatus;
    use portal_store::Versioned;

    fn at(text: &str) -> Version {
        Version::given(Formats::canonical().datetime("t", text).expect("time"))
    }

    fn row(entity: Entity, fields: &[(&'static str, &str)], version: &str) -> (Update, Version) {
        let values: Values = fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        (
            parse(entity, &values, &Formats::canonical()).expect("valid row"),
            at(version),
        )
    }

    fn header(status: &str, version: &str) -> (Update, Version) {
        row(
            Entity::Orders,
            &[
                ("order_id", "SO-1"),
                ("account_id", "ACC-A"),
                ("po_number", "PO 1"),
                ("division", "HYD"),
                ("currency", "EUR"),
                ("order_date", "2025-11-24"),
                ("status", status),
                ("net", "10"),
            ],
            version,
        )
    }

    fn line(no: &str, quantity: &str, version: &str) -> (Update, Version) {
        row(
            Entity::OrderLines,
            &[
                ("order_id", "SO-1"),
                ("line_no", no),
                ("sku", "HYD-1"),
                ("quantity", quantity),
                ("unit_price", "2"),
            ],
            version,
        )
    }

    fn key() -> RecordKey {
        RecordKey::Order(OrderId::parse("SO-1").expect("id"))
    }

    /// The state after writing `change` (as the store would keep it).
    fn stored(change: &Change) -> Current {
        Current {
            record: change.record.clone().map(|(value, versions)| Versioned {
                value,
                versions,
                revision: 1,
            }),
            orphans: change.orphans.clone().map(|(value, versions)| Versioned {
                value,
                versions,
                revision: 1,
            }),
        }
    }

    fn order(current: &Current) -> Order {
        match current.record.as_ref().map(|r| &r.value) {
            Some(Record::Order(o)) => o.clone(),
            other => panic!("no order: {other:?}"),
        }
    }

    #[test]
    fn a_newer_row_wins_and_an_older_or_replayed_one_changes_nothing() {
        let (change, verdicts) = merge(
            &key(),
            &Current::default(),
            &[
                header("confirmed", "2025-11-24T10:00:00Z"),
                line("10", "5", "2025-11-24T10:00:00Z"),
            ],
        );
        assert_eq!(verdicts, vec![Verdict::Loaded { waiting: false }; 2]);
        let now = stored(&change.expect("a change"));

        let (change, verdicts) = merge(&key(), &now, &[line("10", "7", "2025-11-23T09:00:00Z")]);
        assert!(change.is_none());
        assert!(
            matches!(&verdicts[0], Verdict::Unchanged(r) if r.starts_with("the stored data is newer"))
        );

        let (change, verdicts) = merge(&key(), &now, &[line("10", "5", "2025-11-24T10:00:00Z")]);
        assert!(change.is_none(), "a replay writes nothing");
        assert_eq!(verdicts, vec![Verdict::Unchanged("already loaded".into())]);

        let (change, verdicts) = merge(&key(), &now, &[line("10", "5", "2025-11-25T10:00:00Z")]);
        assert_eq!(verdicts, vec![Verdict::Unchanged("already loaded".into())]);
        let remembered = stored(&change.expect("the newer version is remembered"));
        assert_eq!(order(&remembered), order(&now), "the data is as it was");
        let (change, verdicts) = merge(
            &key(),
            &remembered,
            &[line("10", "8", "2025-11-24T12:00:00Z")],
        );
        assert!(
            change.is_none(),
            "older than the remembered version: nothing changes"
        );
        assert!(
            matches!(&verdicts[0], Verdict::Unchanged(r) if r.starts_with("the stored data is newer"))
        );

        let (change, verdicts) = merge(&key(), &now, &[line("10", "9", "2025-11-25T10:00:00Z")]);
        assert_eq!(verdicts, vec![Verdict::Loaded { waiting: false }]);
        let after = stored(&change.expect("a change"));
        assert_eq!(
            order(&after).lines[0].quantity,
            rust_decimal::Decimal::from(9)
        );
        assert_eq!(
            after.record.expect("order").versions["line#10"],
            "2025-11-25T10:00:00.000Z"
        );
    }

    #[test]
    fn two_different_rows_with_one_version_are_a_conflict_and_quarantined() {
        let v = "2025-11-24T10:00:00Z";
        let (change, verdicts) = merge(
            &key(),
            &Current::default(),
            &[
                header("confirmed", v),
                line("10", "5", v),
                line("10", "6", v),
                line("10", "5", v),
            ],
        );
        assert_eq!(verdicts[1], Verdict::Loaded { waiting: false });
        assert!(
            matches!(&verdicts[2], Verdict::Quarantined(r) if r.starts_with("conflicts with the stored data of the same version"))
        );
        assert_eq!(
            verdicts[3],
            Verdict::Unchanged("already loaded".into()),
            "a duplicate row"
        );
        let o = order(&stored(&change.expect("change")));
        assert_eq!(
            o.lines[0].quantity,
            rust_decimal::Decimal::from(5),
            "the first one stands"
        );
    }

    /// `update` as the `row`th row of a batch without versions that arrived at `at` as `batch`.
    fn arrived(
        (update, _): (Update, Version),
        time: &str,
        batch: &str,
        row: u64,
    ) -> (Update, Version) {
        let arrival = crate::entity::Arrival::new(at(time).at, batch);
        (update, arrival.version(row))
    }

    #[test]
    fn of_two_rows_without_versions_the_later_one_wins_within_a_batch_and_between_batches() {
        let t = "2025-11-24T10:00:00Z";
        let (change, verdicts) = merge(
            &key(),
            &Current::default(),
            &[
                arrived(header("confirmed", t), t, "file 1", 1),
                arrived(line("10", "5", t), t, "file 1", 2),
                arrived(line("10", "6", t), t, "file 1", 3),
            ],
        );
        assert_eq!(verdicts, vec![Verdict::Loaded { waiting: false }; 3]);
        let now = stored(&change.expect("a change"));
        assert_eq!(
            order(&now).lines[0].quantity,
            6.into(),
            "the later row stands"
        );

        let (change, verdicts) =
            merge(&key(), &now, &[arrived(line("10", "6", t), t, "file 1", 3)]);
        assert!(change.is_none(), "a re-run of the batch writes nothing");
        assert_eq!(verdicts, vec![Verdict::Unchanged("already loaded".into())]);

        // A second batch in the same millisecond (two files S3 stamps with one second) is ordered
        // by its identity: one batch wins, the same one whichever is read first, and nothing is
        // quarantined as a conflict.
        let batches = ["file 1", "file 2"];
        let mut winners = Vec::new();
        for [first, second] in [batches, [batches[1], batches[0]]] {
            let quantity = |b: &str| if b == "file 1" { "7" } else { "8" };
            let (change, v1) = merge(
                &key(),
                &now,
                &[arrived(line("10", quantity(first), t), t, first, 2)],
            );
            let mid = change.map_or_else(|| now.clone(), |c| stored(&c));
            let (change, v2) = merge(
                &key(),
                &mid,
                &[arrived(line("10", quantity(second), t), t, second, 2)],
            );
            let end = change.map_or(mid, |c| stored(&c));
            for v in v1.iter().chain(&v2) {
                assert!(!matches!(v, Verdict::Quarantined(_)), "{v:?}");
            }
            winners.push(order(&end).lines[0].quantity);
        }
        assert_eq!(
            winners[0], winners[1],
            "the same batch wins in either order"
        );
    }

    #[test]
    fn lines_that_come_before_their_order_wait_and_join_it() {
        let (change, verdicts) = merge(
            &key(),
            &Current::default(),
            &[
                line("20", "1", "2025-11-24T10:00:00Z"),
                line("10", "2", "2025-11-24T10:00:00Z"),
            ],
        );
        assert_eq!(verdicts, vec![Verdict::Loaded { waiting: true }; 2]);
        let change = change.expect("change");
        assert!(change.record.is_none(), "no order without its header");
        let waiting = stored(&change);
        assert_eq!(
            waiting.orphans.as_ref().expect("orphans").value.lines.len(),
            2
        );

        let (change, verdicts) = merge(
            &key(),
            &waiting,
            &[header("received", "2025-11-24T11:00:00Z")],
        );
        assert_eq!(verdicts, vec![Verdict::Loaded { waiting: false }]);
        let change = change.expect("change");
        assert!(
            change.orphans.is_none(),
            "the orphans are folded in and removed"
        );
        let o = order(&stored(&change));
        assert_eq!(
            o.lines.iter().map(|l| l.line_no).collect::<Vec<_>>(),
            vec![10, 20]
        );
        assert_eq!(o.summary.line_count, 2);
        let versions = &change.record.as_ref().expect("record").1;
        assert!(versions.contains_key("line#10") && versions.contains_key("#"));
    }

    #[test]
    fn the_latest_status_change_is_the_orders_status() {
        let (change, _) = merge(
            &key(),
            &Current::default(),
            &[header("confirmed", "2025-11-24T10:00:00Z")],
        );
        let now = stored(&change.expect("change"));
        let status = |s: &str, t: &str| {
            row(
                Entity::OrderStatus,
                &[("order_id", "SO-1"), ("status", s), ("at", t)],
                t,
            )
        };
        let (change, verdicts) = merge(
            &key(),
            &now,
            &[
                status("shipped", "2025-11-26T08:00:00Z"),
                status("in-production", "2025-11-25T08:00:00Z"),
            ],
        );
        assert_eq!(verdicts, vec![Verdict::Loaded { waiting: false }; 2]);
        let o = order(&stored(&change.expect("change")));
        assert_eq!(
            o.summary.status,
            OrderStatus::Shipped,
            "the latest by time, not by row"
        );
        assert_eq!(
            o.status_history
                .iter()
                .map(|c| c.status)
                .collect::<Vec<_>>(),
            vec![
                OrderStatus::Confirmed,
                OrderStatus::InProduction,
                OrderStatus::Shipped
            ]
        );
    }

    #[test]
    fn a_payment_needs_its_invoice_and_an_invoice_row_keeps_a_stored_payment() {
        let payment = row(
            Entity::InvoicePayments,
            &[("invoice_id", "INV-1"), ("paid_on", "2025-12-01")],
            "2025-12-01T12:00:00Z",
        );
        let invoice_key = payment.0.key();
        let (change, verdicts) = merge(
            &invoice_key,
            &Current::default(),
            std::slice::from_ref(&payment),
        );
        assert!(change.is_none());
        assert!(
            matches!(&verdicts[0], Verdict::Quarantined(r) if r == "invoice INV-1 is not known: load the invoice before its payment")
        );

        let invoice = |version: &str| {
            row(
                Entity::Invoices,
                &[
                    ("invoice_id", "INV-1"),
                    ("account_id", "ACC-A"),
                    ("issue_date", "2025-11-27"),
                    ("due_date", "2025-12-27"),
                    ("currency", "EUR"),
                    ("net", "10,5".replace(',', ".").as_str()),
                ],
                version,
            )
        };
        let (change, _) = merge(
            &invoice_key,
            &Current::default(),
            &[invoice("2025-11-27T09:00:00Z"), payment],
        );
        let now = stored(&change.expect("change"));
        let (change, verdicts) = merge(&invoice_key, &now, &[invoice("2025-12-02T09:00:00Z")]);
        assert_eq!(verdicts, vec![Verdict::Unchanged("already loaded".into())]);
        let after = stored(&change.expect("the newer version is remembered"));
        assert!(
            matches!(&after.record.expect("invoice").value, Record::Invoice(i) if i.payment == PaymentState::Paid),
            "the invoice row says nothing of payment: it stays paid"
        );
    }

    #[test]
    fn an_amended_invoice_older_than_its_payment_does_not_unpay_it() {
        let invoice_row = |payment: &str, version: &str| {
            row(
                Entity::Invoices,
                &[
                    ("invoice_id", "INV-2"),
                    ("account_id", "ACC-A"),
                    ("issue_date", "2025-11-27"),
                    ("due_date", "2025-12-27"),
                    ("currency", "EUR"),
                    ("net", "10"),
                    ("payment", payment),
                ],
                version,
            )
        };
        let paid = row(
            Entity::InvoicePayments,
            &[("invoice_id", "INV-2")],
            "2025-12-05T00:00:00Z",
        );
        let key = paid.0.key();
        let (change, _) = merge(
            &key,
            &Current::default(),
            &[invoice_row("unpaid", "2025-11-27T00:00:00Z"), paid],
        );
        let now = stored(&change.expect("change"));
        // Amended on 12-03 (before the payment of 12-05), still saying unpaid.
        let (change, _) = merge(&key, &now, &[invoice_row("unpaid", "2025-12-03T00:00:00Z")]);
        let after = stored(&change.expect("the amendment is loaded"));
        assert!(
            matches!(&after.record.expect("invoice").value, Record::Invoice(i) if i.payment == PaymentState::Paid)
        );
    }

    #[test]
    fn a_header_returning_to_an_earlier_status_is_a_new_change() {
        let (change, _) = merge(
            &key(),
            &Current::default(),
            &[header("confirmed", "2025-11-24T10:00:00Z")],
        );
        let now = stored(&change.expect("change"));
        let (change, _) = merge(&key(), &now, &[header("cancelled", "2025-11-25T10:00:00Z")]);
        let now = stored(&change.expect("change"));
        let (change, verdicts) =
            merge(&key(), &now, &[header("confirmed", "2025-11-26T10:00:00Z")]);
        assert_eq!(verdicts, vec![Verdict::Loaded { waiting: false }]);
        let o = order(&stored(&change.expect("change")));
        assert_eq!(o.summary.status, OrderStatus::Confirmed, "reinstated");
        assert_eq!(o.status_history.len(), 3);
    }

    #[test]
    fn an_order_stays_with_its_account() {
        let (change, _) = merge(
            &key(),
            &Current::default(),
            &[header("confirmed", "2025-11-24T10:00:00Z")],
        );
        let now = stored(&change.expect("change"));
        let mut moved = header("shipped", "2025-11-25T10:00:00Z");
        if let Update::Order(h) = &mut moved.0 {
            h.account_id = portal_domain::AccountId::parse("ACC-B").expect("id");
        }
        let (change, verdicts) = merge(&key(), &now, &[moved]);
        assert!(change.is_none(), "nothing is written");
        assert!(
            matches!(&verdicts[0], Verdict::Quarantined(r)
                if r.starts_with("account_id: the record belongs to account ACC-A, not ACC-B")),
            "{verdicts:?}"
        );
    }

    #[test]
    fn a_row_the_store_would_refuse_is_quarantined_alone() {
        // A store that refuses orders whose descriptions come to more than 100 characters.
        let refusal = |change: &Change| {
            let lines = match &change.record {
                Some((Record::Order(o), _)) => o.lines.clone(),
                _ => change.orphans.as_ref().map(|(o, _)| o.lines.clone())?,
            };
            let size: usize = lines.iter().map(|l| l.description.len()).sum();
            (size > 100).then(|| format!("{size} characters"))
        };
        let described = |no: &str, description: &str| {
            let (mut update, version) = line(no, "1", "2025-11-24T10:00:00Z");
            if let Update::OrderLine { line, .. } = &mut update {
                line.description = description.to_owned();
            }
            (update, version)
        };
        let rows = [
            described("1", &"x".repeat(150)),
            described("2", "small"),
            described("3", &"y".repeat(96)),
            described("4", "small too"),
        ];
        for current in [Current::default(), {
            let (change, _) = merge(
                &key(),
                &Current::default(),
                &[header("confirmed", "2025-11-24T10:00:00Z")],
            );
            stored(&change.expect("change"))
        }] {
            let (change, verdicts) = merge_within(&key(), &current, &rows, Some(&refusal));
            let waiting = current.record.is_none();
            assert_eq!(
                verdicts,
                vec![
                    Verdict::Quarantined("150 characters".into()),
                    Verdict::Loaded { waiting },
                    Verdict::Quarantined("101 characters".into()),
                    Verdict::Loaded { waiting },
                ]
            );
            let change = change.expect("the rest is written");
            assert_eq!(refusal(&change), None);
            let lines = match (&change.record, &change.orphans) {
                (Some((Record::Order(o), _)), _) => o.lines.clone(),
                (None, Some((o, _))) => o.lines.clone(),
                other => panic!("{other:?}"),
            };
            let numbers: Vec<u32> = lines.iter().map(|l| l.line_no).collect();
            assert_eq!(numbers, [2, 4]);
        }
    }
}
