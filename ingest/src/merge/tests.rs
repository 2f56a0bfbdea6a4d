//! The merge rules' tests: versions, replays, conflicts, orphans, statuses, payments, accounts
//! and rows the store would refuse.

use super::*;
use crate::entity::{Entity, Values, parse};
use crate::values::Formats;
use portal_domain::OrderId;
use portal_domain::model::{Order, OrderStatus, PaymentState};
use portal_domain::records::{Record, Versioned};

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
fn arrived((update, _): (Update, Version), time: &str, batch: &str, row: u64) -> (Update, Version) {
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

    let (change, verdicts) = merge(&key(), &now, &[arrived(line("10", "6", t), t, "file 1", 3)]);
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
    let (change, verdicts) = merge(&key(), &now, &[header("confirmed", "2025-11-26T10:00:00Z")]);
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
