//! Large accounts: every read does a bounded amount of work per request, whatever an account
//! holds, and a client that follows `next_cursor` still gets every match. The work is observed
//! on the wire (the `Query` calls a function sends and the items each may evaluate, its
//! `Limit`), never timed.

use portal_domain::model::{Document, Invoice, Order, OrderStatus, Shipment};
use portal_domain::records::Record;
use portal_domain::{Sku, TrackingNumber};
use portal_store::{MAX_EVALUATED, MAX_QUERIES, MAX_UNPAID_SUMMED};
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use tests::fixture::{self, *};
use tests::{TestApp, spawn_app};

/// The large account's orders, on top of the fixture's.
const LARGE: usize = 50_000;
/// Every this many of them is cancelled (5 in all).
const CANCELLED_EVERY: usize = 10_000;
/// The SKU that only three of them have, spread over the history.
const RARE_SKU: &str = "HYD-RARE-7";
const RARE_AT: [usize; 3] = [7, 24_999, 49_990];

/// Writes records straight into the emulator's table (the items the store would write, with
/// their index entries, in one transaction): 50,000 orders in seconds, not minutes.
async fn write(app: &TestApp, records: Vec<Record>) {
    let mut items = Vec::with_capacity(records.len());
    for record in &records {
        items.extend(portal_store::items_of(record).expect("items"));
    }
    let count = items.len();
    let imported = app
        .local
        .emulators
        .import(portal_local::server::TABLE, items)
        .expect("imported");
    assert_eq!(imported, count);
}

/// A fixture record of one kind, to copy.
fn template<T>(pick: impl Fn(Record) -> Option<T>) -> T {
    fixture::records()
        .into_iter()
        .find_map(pick)
        .expect("the fixture has one")
}

/// The large account's orders: copies of a delivered order of A, one a day back from
/// 2025-11-30 (so all older than the fixture's), a few cancelled, three with the rare SKU.
fn large_orders() -> Vec<Record> {
    let delivered: Order = template(|r| match r {
        Record::Order(o) if o.summary.id.as_str() == "SO-A03" => Some(o),
        _ => None,
    });
    let newest = "2025-11-30".parse::<chrono::NaiveDate>().expect("date");
    (1..=LARGE)
        .map(|n| {
            let mut order = delivered.clone();
            order.summary.id = format!("SO-L{n:05}").parse().expect("id");
            order.summary.order_date = newest - chrono::Duration::days(n as i64 / 4);
            if n % CANCELLED_EVERY == 0 {
                order.summary.status = OrderStatus::Cancelled;
            }
            if RARE_AT.contains(&n) {
                order.lines[0].sku = Sku::parse(RARE_SKU).expect("sku");
            }
            Record::Order(order)
        })
        .collect()
}

/// The `Query` calls `function` sent since `from` (an index into the recorder's calls), with
/// the `Limit` of each.
fn queries(app: &TestApp, function: &str, from: usize) -> Vec<usize> {
    app.recorder.calls()[from..]
        .iter()
        .filter(|c| c.function == function)
        .filter(|c| c.target.as_deref() == Some("DynamoDB_20120810.Query"))
        .map(|c| {
            let body: serde_json::Value =
                serde_json::from_slice(c.body.as_deref().unwrap_or_default()).expect("JSON");
            body["Limit"].as_u64().expect("every query has a limit") as usize
        })
        .collect()
}

/// Follows `path`'s cursors to the end as `user`, checking that each request stays within the
/// bound of a page; the ids of every item, in order, and how many requests it took.
async fn follow(app: &TestApp, user: &str, function: &str, path: &str) -> (Vec<String>, usize) {
    let (items, requests) = follow_items(app, user, function, path).await;
    let ids = items
        .iter()
        .map(|i| i["id"].as_str().expect("an id").to_owned())
        .collect();
    (ids, requests)
}

/// [`follow`], with the items themselves.
async fn follow_items(
    app: &TestApp,
    user: &str,
    function: &str,
    path: &str,
) -> (Vec<serde_json::Value>, usize) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut requests = 0;
    loop {
        let uri = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let before = app.recorder.calls().len();
        let reply = app.get(user, &uri).await;
        assert_eq!(reply.status, 200, "GET {uri}: {}", reply.text);
        requests += 1;
        let limits = queries(app, function, before);
        assert!(
            limits.len() <= MAX_QUERIES,
            "GET {uri} sent {} queries, more than {MAX_QUERIES}",
            limits.len()
        );
        let evaluated: usize = limits.iter().sum();
        assert!(
            evaluated <= MAX_EVALUATED,
            "GET {uri} may have read {evaluated} items, more than {MAX_EVALUATED}: {limits:?}"
        );
        items.extend(reply.items().iter().cloned());
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return (items, requests),
        }
        assert!(requests < 1_000, "{path} never ends");
    }
}

#[tokio::test]
async fn filters_over_fifty_thousand_orders_answer_within_a_bound_and_cursors_find_every_match() {
    let app = spawn_app().await;
    write(&app, large_orders()).await;

    // A rare SKU: the pages between its orders are partial, most of them empty, each within
    // the bound; the cursor walks on through the whole history (about 51 requests of at most
    // 1,000 orders each) and every match comes exactly once, newest first.
    let (rare, requests) = follow(
        &app,
        A_BUYER,
        "orders-api",
        &format!("/orders?sku={RARE_SKU}"),
    )
    .await;
    let expected: Vec<String> = RARE_AT.iter().map(|n| format!("SO-L{n:05}")).collect();
    assert_eq!(rare, expected);
    let least = (LARGE + A_ORDERS).div_ceil(MAX_EVALUATED);
    assert!(
        (least..=least + 2).contains(&requests),
        "{requests} requests for {least} pages of reading"
    );

    // A rare status, three to a page: pages cut where they are full, and continue there.
    let (cancelled, _) = follow(
        &app,
        A_VIEWER,
        "orders-api",
        "/orders?status=cancelled&limit=3",
    )
    .await;
    let mut expected: Vec<String> = ["SO-A25", "SO-A20", "SO-A15", "SO-A10", "SO-A05"]
        .map(String::from)
        .to_vec();
    expected
        .extend((1..=LARGE / CANCELLED_EVERY).map(|k| format!("SO-L{:05}", k * CANCELLED_EVERY)));
    assert_eq!(cancelled, expected);

    // Unfiltered pages are whole, as before.
    let first = app.get(A_BUYER, "/orders?limit=100").await;
    assert_eq!(first.ids().len(), 100);
    assert!(first.body["next_cursor"].is_string());
}

#[tokio::test]
async fn an_empty_partial_page_is_still_a_page_with_a_cursor_for_the_same_caller_only() {
    let app = spawn_app().await;
    // Enough non-matching orders, newer than all of A's, that the first page finds none.
    let orders: Vec<Record> = large_orders()
        .into_iter()
        .take(MAX_EVALUATED + 10)
        .map(|r| match r {
            Record::Order(mut o) => {
                o.summary.order_date = "2026-06-01".parse().expect("date");
                Record::Order(o)
            }
            r => r,
        })
        .collect();
    write(&app, orders).await;
    let first = app.get(A_BUYER, "/orders?status=invoiced").await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert!(first.ids().is_empty(), "{}", first.text);
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("a partial page continues");
    let rest = app
        .get(A_BUYER, &format!("/orders?status=invoiced&cursor={cursor}"))
        .await;
    assert_eq!(rest.ids(), vec!["SO-A02"]);
    // The cursor of a partial page is bound like any other: to its user and its query.
    app.get(
        A_VIEWER,
        &format!("/orders?status=invoiced&cursor={cursor}"),
    )
    .await
    .assert_problem(400, "invalid-cursor");
    app.get(A_BUYER, &format!("/orders?status=shipped&cursor={cursor}"))
        .await
        .assert_problem(400, "invalid-cursor");
}

#[tokio::test]
async fn an_orders_many_documents_come_in_pages_of_a_hundred() {
    const MANY: usize = 250;
    let app = spawn_app().await;
    let confirmation: Document = fixture::documents()
        .into_iter()
        .find(|d| d.id.as_str() == DOCUMENT_A)
        .expect("A's order confirmation");
    let copies = (1..=MANY)
        .map(|n| {
            let mut d = confirmation.clone();
            d.id = format!("DN-{ORDER_A}-{n:03}").parse().expect("id");
            Record::Document(d)
        })
        .collect();
    write(&app, copies).await;
    let path = format!("/orders/{ORDER_A}/documents");
    let first = app.get(A_BUYER, &path).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.ids().len(), 100, "100 by default");
    let cursor = first.body["next_cursor"].as_str().expect("more");
    // The cursor is the caller's, and this order's.
    app.get(A_VIEWER, &format!("{path}?cursor={cursor}"))
        .await
        .assert_problem(400, "invalid-cursor");
    app.get(
        A_BUYER,
        &format!("/orders/SO-A02/documents?cursor={cursor}"),
    )
    .await
    .assert_problem(400, "invalid-cursor");
    let (all, requests) =
        follow(&app, A_BUYER, "documents-api", &format!("{path}?limit=100")).await;
    assert_eq!(requests, 3);
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "no document twice");
    let fixture_docs = fixture::documents()
        .iter()
        .filter(|d| {
            d.links
                .order_id
                .as_ref()
                .is_some_and(|o| o.as_str() == ORDER_A)
        })
        .count();
    assert_eq!(all.len(), MANY + fixture_docs);
}

#[tokio::test]
async fn a_tracking_number_shared_by_thousands_of_shipments_is_paged_and_shows_only_the_callers() {
    const SHARED: &str = "NOTRACKING";
    const OTHERS: usize = 2 * MAX_EVALUATED;
    let app = spawn_app().await;
    let shipment: Shipment = template(|r| match r {
        Record::Shipment(s) if s.id.as_str() == SHIPMENT_B => Some(s),
        _ => None,
    });
    let number = TrackingNumber::parse(SHARED).expect("number");
    // B's shipments sort first; A's two come after them.
    let mut records: Vec<Record> = (1..=OTHERS)
        .map(|n| {
            let mut s = shipment.clone();
            s.id = format!("SH-B{n:05}").parse().expect("id");
            s.tracking_number = number.clone();
            Record::Shipment(s)
        })
        .collect();
    for n in 1..=2 {
        let mut s = shipment.clone();
        s.id = format!("SH-Z{n}").parse().expect("id");
        s.account_id = ACCOUNT_A.parse().expect("id");
        s.order_id = ORDER_A.parse().expect("id");
        s.tracking_number = number.clone();
        records.push(Record::Shipment(s));
    }
    write(&app, records).await;
    let path = format!("/shipments?tracking_number={SHARED}");
    // A's buyer: B's shipments are read past, a bounded number per request, and never shown.
    let (mine, requests) = follow(&app, A_BUYER, "shipments-api", &path).await;
    assert_eq!(mine, vec!["SH-Z1", "SH-Z2"]);
    assert!(requests >= 2, "the first pages hold none of A's");
    // The admin sees them all, a hundred at a time.
    let first = app.get(ADMIN, &path).await;
    assert_eq!(first.ids().len(), 100);
    let (all, _) = follow(&app, ADMIN, "shipments-api", &format!("{path}&limit=100")).await;
    assert_eq!(all.len(), OTHERS + 2);
    // A number none of the caller's shipments has is still "not found".
    app.get(A_BUYER, &format!("/shipments?tracking_number={TRACKING_B}"))
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn an_open_balance_sums_a_bounded_number_of_unpaid_invoices_or_says_it_cannot() {
    let app = spawn_app().await;
    let unpaid_now = |reply: &tests::Reply| -> usize {
        reply.body["balances"]
            .as_array()
            .expect("balances")
            .iter()
            .map(|b| b["open_count"].as_u64().expect("count") as usize)
            .sum()
    };
    let before = app.get(A_BUYER, "/invoices/balance").await;
    assert_eq!(before.status, 200, "{}", before.text);
    let open: Invoice = template(|r| match r {
        Record::Invoice(i) if i.id.as_str() == INVOICE_A_OPEN => Some(i),
        _ => None,
    });
    let copy = |n: usize| {
        let mut i = open.clone();
        i.id = format!("INV-L{n:05}").parse().expect("id");
        i.totals.net = Decimal::ONE;
        i.totals.tax = Decimal::ZERO;
        i.totals.gross = Decimal::ONE;
        Record::Invoice(i)
    };
    // Up to the bound: the whole sum.
    let fill = MAX_UNPAID_SUMMED - unpaid_now(&before);
    write(&app, (1..=fill).map(copy).collect()).await;
    let full = app.get(A_BUYER, "/invoices/balance").await;
    assert_eq!(full.status, 200, "{}", full.text);
    assert_eq!(unpaid_now(&full), MAX_UNPAID_SUMMED);

    // One more: a clear 422 after reading at most one invoice past the bound, never a partial sum.
    write(&app, vec![copy(fill + 1)]).await;
    let from = app.recorder.calls().len();
    let over = app.get(A_BUYER, "/invoices/balance").await;
    over.assert_problem(422, "too-many-to-sum");
    assert!(
        over.body["detail"]
            .as_str()
            .expect("detail")
            .contains("/invoices?status=unpaid")
    );
    let limits = queries(&app, "invoices-api", from);
    let read: usize = limits.iter().sum();
    assert!(
        read <= MAX_UNPAID_SUMMED + 1,
        "read up to {read}: {limits:?}"
    );
    assert!(limits.len() <= MAX_UNPAID_SUMMED / 1_000 + 1, "{limits:?}");
}

#[tokio::test]
async fn one_division_among_thousands_of_forecasts_is_read_from_its_own_partition() {
    const OTHERS: usize = 3 * MAX_EVALUATED;
    let app = spawn_app().await;
    let (run, items) = fixture::analytics_run();
    let mut fasteners = items.forecasts[0].clone();
    fasteners.division = Some("FAS".parse().expect("division"));
    // Forecasts of other divisions that sort before the one hydraulics SKU.
    let forecasts = (1..=OTHERS)
        .map(|n| {
            let mut f = fasteners.clone();
            f.sku = Sku::parse(&format!("FAS-X{n:05}")).expect("sku");
            f
        })
        .collect();
    let bulk = &app.local.emulators.dynamodb;
    bulk.enable_bulk_loading().expect("bulk loading");
    app.local
        .state
        .store
        .put_run(
            &run,
            &portal_store::RunItems {
                forecasts,
                ..Default::default()
            },
        )
        .await
        .expect("stored");
    bulk.disable_bulk_loading().expect("bulk loading ends");

    let (hydraulics, requests) =
        follow_items(&app, ADMIN, "insights-api", "/forecasts?division=HYD").await;
    let skus: Vec<&str> = hydraulics
        .iter()
        .map(|f| f["sku"].as_str().expect("sku"))
        .collect();
    assert_eq!(skus, vec![SKU_HOSE]);
    // The other divisions' thousands are not read through (a filtered query needed more than
    // OTHERS / MAX_EVALUATED requests to reach the one).
    assert_eq!(requests, 1, "{requests} requests");
}

#[tokio::test]
async fn a_products_thousands_of_batch_certificates_are_paged_and_show_only_the_callers() {
    const OTHERS: usize = 3 * MAX_EVALUATED / 2;
    const HOSE_CONFORMITY: &str = "ZZ-DC-HYD-HOSE-10";
    let app = spawn_app().await;
    let documents = fixture::documents();
    let pick = |id: &str| {
        documents
            .iter()
            .find(|d| d.id.as_str() == id)
            .expect("a fixture document")
            .clone()
    };
    let mine = pick(CERTIFICATE_A);
    // Certificates of the same product's batches delivered to B, sorting before A's, and the
    // hose's own declaration of conformity, sorting after them all.
    let mut records: Vec<Record> = (1..=OTHERS)
        .map(|n| {
            let mut d = mine.clone();
            d.id = format!("MC-AAA-{n:05}").parse().expect("id");
            d.links.batch = Some(format!("LOT-Q{n:05}").parse().expect("batch"));
            d.audience = portal_domain::model::DocumentAudience::Batch {
                delivered_to: vec![ACCOUNT_B.parse().expect("id")],
            };
            Record::Document(d)
        })
        .collect();
    let mut conformity = pick(CONFORMITY_PUMP);
    conformity.id = HOSE_CONFORMITY.parse().expect("id");
    conformity.links.sku = Some(Sku::parse(SKU_HOSE).expect("sku"));
    records.push(Record::Document(conformity));
    write(&app, records).await;

    let path = format!("/products/{SKU_HOSE}/certificates?limit=100");
    let (ids, requests) = follow(&app, A_BUYER, "documents-api", &path).await;
    assert_eq!(ids, vec![CERTIFICATE_A, HOSE_CONFORMITY]);
    assert!(requests >= 2, "the first page holds none of A's");
    let (all, _) = follow(&app, ADMIN, "documents-api", &path).await;
    assert_eq!(all.len(), OTHERS + 2);
    // The cursor is the caller's.
    let first = app.get(ADMIN, &path).await;
    let cursor = first.body["next_cursor"].as_str().expect("more");
    app.get(A_BUYER, &format!("{path}&cursor={cursor}"))
        .await
        .assert_problem(400, "invalid-cursor");

    // An order line of the hose: its batch's certificate at once, the product's own where the
    // bounded reading of the product's partition reaches it.
    let line = format!("/orders/{ORDER_A}/lines/10/certificates?limit=100");
    let (ids, requests) = follow(&app, A_BUYER, "documents-api", &line).await;
    assert_eq!(ids, vec![CERTIFICATE_A, HOSE_CONFORMITY]);
    assert!(requests >= 2, "{requests}");
}
