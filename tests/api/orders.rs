//! Order history and order detail.

use tests::fixture::*;
use tests::spawn_app;

#[tokio::test]
async fn order_history_lists_the_callers_orders_newest_first_in_pages_of_twenty() {
    let app = spawn_app().await;
    let first = app.get(A_BUYER, "/orders").await;
    assert_eq!(first.status, 200, "{}", first.text);
    let ids = first.ids();
    assert_eq!(ids.len(), 20);
    assert_eq!(ids[0], format!("SO-A{A_ORDERS:02}"), "newest first");
    assert!(
        first.items()[0].get("lines").is_none(),
        "lists show summaries, not lines"
    );
    let cursor = first.body["next_cursor"].as_str().expect("a second page");
    let second = app.get(A_BUYER, &format!("/orders?cursor={cursor}")).await;
    let rest = second.ids();
    assert_eq!(rest.len(), A_ORDERS - 20);
    assert_eq!(rest.last().map(String::as_str), Some(ORDER_A));
    assert!(
        second.body.get("next_cursor").is_none(),
        "the last page has no cursor"
    );
    let mut all: Vec<String> = ids.into_iter().chain(rest).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), A_ORDERS, "no order twice, none missing");
}

#[tokio::test]
async fn order_history_filters_by_status_date_po_and_sku() {
    let app = spawn_app().await;
    let cancelled = app
        .get(A_VIEWER, "/orders?status=cancelled&limit=100")
        .await;
    assert_eq!(
        cancelled.ids(),
        vec!["SO-A25", "SO-A20", "SO-A15", "SO-A10", "SO-A05"]
    );

    let repeated = "shipped,".repeat(150);
    let many = app
        .get(A_VIEWER, &format!("/orders?status={repeated}invoiced"))
        .await;
    assert_eq!(
        many.ids(),
        vec!["SO-A02", ORDER_A],
        "repeated statuses count once"
    );

    let two_statuses = app.get(A_VIEWER, "/orders?status=shipped,invoiced").await;
    assert_eq!(two_statuses.ids(), vec!["SO-A02", ORDER_A]);

    // SO-A01 is from 2025-12-01, then one every three days: 12-04, 12-07, 12-10.
    let range = app
        .get(A_VIEWER, "/orders?from=2025-12-04&to=2025-12-10")
        .await;
    assert_eq!(range.ids(), vec!["SO-A04", "SO-A03", "SO-A02"]);

    let po = app.get(A_VIEWER, "/orders?po=po-alpha").await;
    assert_eq!(
        po.ids(),
        vec!["SO-A02", ORDER_A],
        "PO prefix, case-insensitive, only A's"
    );

    let sku = app
        .get(
            A_VIEWER,
            &format!("/orders?sku={}", SKU_PUMP.to_lowercase()),
        )
        .await;
    assert_eq!(sku.ids(), vec!["SO-A02", ORDER_A]);

    let combined = app
        .get(
            A_VIEWER,
            "/orders?status=delivered&from=2025-12-01&to=2025-12-13",
        )
        .await;
    assert_eq!(combined.ids(), vec!["SO-A04", "SO-A03"]);
}

#[tokio::test]
async fn filtered_pages_are_full_and_continue_where_they_stopped() {
    let app = spawn_app().await;
    let first = app.get(A_VIEWER, "/orders?status=delivered&limit=7").await;
    assert_eq!(first.ids().len(), 7);
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("more delivered orders");
    let second = app
        .get(
            A_VIEWER,
            &format!("/orders?status=delivered&limit=7&cursor={cursor}"),
        )
        .await;
    let mut all = first.ids();
    all.extend(second.ids());
    let third = second.body["next_cursor"].as_str();
    if let Some(cursor) = third {
        all.extend(
            app.get(
                A_VIEWER,
                &format!("/orders?status=delivered&limit=7&cursor={cursor}"),
            )
            .await
            .ids(),
        );
    }
    // 25 orders: 2 shipped/invoiced, 5 cancelled, 18 delivered.
    assert_eq!(all.len(), 18, "{all:?}");
}

#[tokio::test]
async fn order_detail_has_lines_batches_and_status_history() {
    let app = spawn_app().await;
    let order = app.get(A_BUYER, &format!("/orders/{ORDER_A}")).await;
    assert_eq!(order.status, 200, "{}", order.text);
    assert_eq!(order.body["po_number"], "PO-ALPHA-1");
    assert_eq!(order.body["lines"][0]["sku"], SKU_HOSE);
    assert_eq!(order.body["lines"][0]["batch"], BATCH_A);
    assert_eq!(order.body["lines"][0]["unit_price"], "12.50");
    assert_eq!(order.body["status_history"][0]["status"], "received");
    assert_eq!(order.body["totals"]["net"], "500.00");
}

#[tokio::test]
async fn staff_must_say_which_account_and_customers_need_not() {
    let app = spawn_app().await;
    app.get(ADMIN, "/orders")
        .await
        .assert_problem(400, "account-required");
    assert_eq!(
        app.get(ADMIN, &format!("/orders?account={ACCOUNT_B}"))
            .await
            .ids(),
        vec![ORDER_B]
    );
    // An account manager with one account needs no parameter.
    assert_eq!(app.get(MANAGER_B, "/orders").await.ids(), vec![ORDER_B]);
}

#[tokio::test]
async fn a_cursor_works_only_for_its_user_and_its_query() {
    let app = spawn_app().await;
    let first = app.get(A_BUYER, "/orders?limit=5").await;
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    // Same query, other page size: fine.
    assert_eq!(
        app.get(A_BUYER, &format!("/orders?limit=3&cursor={cursor}"))
            .await
            .status,
        200
    );
    // Another user of the same account, another filter, a tampered or made-up cursor: 400.
    app.get(A_VIEWER, &format!("/orders?limit=5&cursor={cursor}"))
        .await
        .assert_problem(400, "invalid-cursor");
    app.get(
        A_BUYER,
        &format!("/orders?status=delivered&cursor={cursor}"),
    )
    .await
    .assert_problem(400, "invalid-cursor");
    let mut tampered = cursor.clone().into_bytes();
    tampered[10] = if tampered[10] == b'a' { b'b' } else { b'a' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    app.get(A_BUYER, &format!("/orders?limit=5&cursor={tampered}"))
        .await
        .assert_problem(400, "invalid-cursor");
    app.get(A_BUYER, "/orders?cursor=not-a-cursor")
        .await
        .assert_problem(400, "invalid-cursor");
    // A cursor of one list is no key to another.
    app.get(A_BUYER, &format!("/invoices?cursor={cursor}"))
        .await
        .assert_problem(400, "invalid-cursor");
}
