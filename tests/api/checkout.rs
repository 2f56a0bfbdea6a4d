//! Placing carts as orders: once per idempotency key whatever the concurrency or the crash,
//! numbers unique under load, the order in the history at once, confirmed by the ERP.

use serde_json::{Value, json};
use tests::fixture::*;
use tests::inject::{Fault, Faults};
use tests::{Reply, TestApp, spawn_app, spawn_faulty_app};

/// A new cart of A's buyer with two hoses and a pump; its id.
async fn cart_of_a(app: &TestApp) -> String {
    cart_of(app, A_BUYER).await
}

/// A new cart of `user` (of A) with two hoses and a pump; its id.
async fn cart_of(app: &TestApp, user: &str) -> String {
    let made = app
        .post_as(
            Some(user),
            "/carts",
            None,
            &json!({"lines": [{"sku": SKU_HOSE, "quantity": 2}, {"sku": SKU_PUMP, "quantity": 1}]}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    made.body["id"].as_str().expect("id").to_owned()
}

async fn place(app: &TestApp, user: &str, cart: &str, key: &str, body: &Value) -> Reply {
    let mut headers = vec![("if-match", "\"1\"".to_owned())];
    if !key.is_empty() {
        headers.push(("idempotency-key", key.to_owned()));
    }
    app.send(
        reqwest::Method::POST,
        Some(user),
        &format!("/carts/{cart}/order"),
        &headers,
        Some(body),
    )
    .await
}

fn order_ids(reply: &Reply) -> Vec<String> {
    reply.body["orders"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect()
}

/// How many order events wait in the outbox for `order` (at its first two versions).
async fn events_of(app: &TestApp, order: &str) -> usize {
    event_kinds(app, order).await.len()
}

/// The events that wait in the outbox for `order`, as `<version>.<what>`.
async fn event_kinds(app: &TestApp, order: &str) -> Vec<String> {
    let store = &app.local.state.store;
    let mut found = Vec::new();
    for kind in [
        "1.submitted",
        "1.approved",
        "1.rejected",
        "2.submitted",
        "2.approved",
        "2.rejected",
        "2.cancelled",
    ] {
        let item = store
            .dynamodb()
            .get_item()
            .table_name(portal_local::server::TABLE)
            .key(
                "PK",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("EVENT#{order}.{kind}")),
            )
            .key(
                "SK",
                aws_sdk_dynamodb::types::AttributeValue::S("#META".into()),
            )
            .send()
            .await
            .expect("read")
            .item;
        if item.is_some() {
            found.push(kind.to_owned());
        }
    }
    found
}

#[tokio::test]
async fn a_placed_cart_is_a_submitted_order_in_the_history_at_once_and_the_erp_confirms_it() {
    let app = spawn_app().await;
    let cart = cart_of_a(&app).await;
    let reply = place(
        &app,
        A_BUYER,
        &cart,
        "place-1",
        &json!({"po_number": "PO-4711", "note": "ring at gate 4"}),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let ids = order_ids(&reply);
    assert_eq!(ids.len(), 1, "one division, one order: {}", reply.text);
    let id = &ids[0];
    let year = chrono::Utc::now().format("%Y").to_string();
    assert!(id.starts_with(&format!("WEB-{year}-")), "{id}");
    let order = &reply.body["orders"][0];
    assert_eq!(order["status"], "submitted");
    assert_eq!(order["po_number"], "PO-4711");
    assert_eq!(order["ship_to"], "ST1", "the account's first address");
    assert_eq!(order["totals"]["net"], "488.00");
    assert_eq!(order["lines"][0]["price_source"]["price_list"], LIST_OEM);
    assert_eq!(order["placed"]["by"], A_BUYER);
    assert_eq!(reply.body["cart"]["status"]["state"], "ordered");
    assert_eq!(events_of(&app, id).await, 1);

    let detail = app.get(A_VIEWER, &format!("/orders/{id}")).await;
    assert_eq!(detail.status, 200, "{}", detail.text);
    assert_eq!(detail.body["status"], "submitted");
    let history = app.get(A_BUYER, "/orders?status=submitted").await;
    assert_eq!(history.ids(), vec![id.as_str()]);
    app.get(B_BUYER, &format!("/orders/{id}"))
        .await
        .assert_problem(404, "not-found");
    // The cart is done: placing it again with another key is refused.
    place(&app, A_BUYER, &cart, "place-2", &json!({}))
        .await
        .assert_problem(409, "cart-ordered");

    let pushed = app
        .post(
            INTEGRATION,
            "/integration/order-status",
            "erp-confirm-1",
            &json!({"rows": [{"order_id": id, "status": "confirmed",
                              "at": chrono::Utc::now().to_rfc3339(),
                              "erp_order_number": "4500012345"}]}),
        )
        .await;
    assert_eq!(pushed.body["loaded"], 1, "{}", pushed.text);
    let confirmed = app.get(A_BUYER, &format!("/orders/{id}")).await;
    assert_eq!(confirmed.body["status"], "confirmed");
    assert_eq!(confirmed.body["erp_order_number"], "4500012345");
    assert_eq!(
        confirmed.body["placed"]["by"], A_BUYER,
        "the portal's facts stay"
    );
}

#[tokio::test]
async fn the_same_placement_sent_two_hundred_times_at_once_places_one_order() {
    let app = spawn_app().await;
    let cart = cart_of_a(&app).await;
    let body = json!({"po_number": "PO-RUSH"});
    let calls = (0..200).map(|_| place(&app, A_BUYER, &cart, "rush-1", &body));
    let replies = futures_util::future::join_all(calls).await;
    let mut placed = std::collections::BTreeSet::new();
    for reply in &replies {
        match reply.status.as_u16() {
            201 => placed.extend(order_ids(reply)),
            409 => reply.assert_problem(409, "request-in-progress"),
            other => panic!("{other}: {}", reply.text),
        }
    }
    assert_eq!(placed.len(), 1, "{placed:?}");
    let again = place(&app, A_BUYER, &cart, "rush-1", &body).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(
        order_ids(&again),
        placed.iter().cloned().collect::<Vec<_>>()
    );
    let id = placed.first().expect("one order");
    assert_eq!(events_of(&app, id).await, 1);
    let history = app.get(A_BUYER, "/orders?status=submitted").await;
    assert_eq!(history.ids(), vec![id.as_str()], "exactly one order");
    // The key with another body is refused, and writes nothing.
    place(
        &app,
        A_BUYER,
        &cart,
        "rush-1",
        &json!({"po_number": "PO-OTHER"}),
    )
    .await
    .assert_problem(422, "idempotency-key-reused");
    place(&app, A_BUYER, &cart, "", &body)
        .await
        .assert_problem(400, "idempotency-key-required");
}

#[tokio::test]
async fn a_thousand_orders_from_a_hundred_clients_get_a_thousand_numbers() {
    let app = spawn_app().await;
    let client = |n: usize| {
        let app = &app;
        async move {
            let mut ids = Vec::new();
            for k in 0..10 {
                let cart = app
                    .post_as(
                        Some(A_BUYER),
                        "/carts",
                        None,
                        &json!({"lines": [{"sku": SKU_PUMP, "quantity": 1}]}),
                    )
                    .await;
                let cart = cart.body["id"].as_str().expect("cart").to_owned();
                let reply = place(app, A_BUYER, &cart, &format!("load-{n}-{k}"), &json!({})).await;
                assert_eq!(reply.status, 201, "{}", reply.text);
                ids.extend(order_ids(&reply));
            }
            ids
        }
    };
    let all: Vec<String> = futures_util::future::join_all((0..100).map(client))
        .await
        .into_iter()
        .flatten()
        .collect();
    let distinct: std::collections::BTreeSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 1000);
    assert_eq!(distinct.len(), 1000, "every order has its own number");
}

#[tokio::test]
async fn a_crash_before_or_after_the_placing_transaction_still_leaves_exactly_one_order() {
    let faults = Faults::default();
    let app = spawn_faulty_app(&faults).await;
    for (n, fault) in [(3, Fault::ServerError), (1, Fault::AnswerLost)] {
        let cart = cart_of_a(&app).await;
        let key = format!("crash-{fault:?}");
        faults.fail("TransactWriteItems", n, fault);
        let first = place(&app, A_BUYER, &cart, &key, &json!({})).await;
        faults.clear();
        let retry = place(&app, A_BUYER, &cart, &key, &json!({})).await;
        assert_eq!(retry.status, 201, "{fault:?}: {}", retry.text);
        let ids = order_ids(&retry);
        if first.status == 201 {
            assert_eq!(order_ids(&first), ids, "{fault:?}: one answer");
        } else {
            assert!(first.status.is_server_error(), "{fault:?}: {}", first.text);
        }
        assert_eq!(ids.len(), 1);
        let read = app.get(A_BUYER, &format!("/carts/{cart}")).await;
        assert_eq!(read.body["status"]["orders"], json!(ids), "{fault:?}");
        assert_eq!(events_of(&app, &ids[0]).await, 1, "{fault:?}");
    }
    assert!(faults.injected().len() >= 4, "{:?}", faults.injected());
    let submitted = app.get(A_BUYER, "/orders?status=submitted").await;
    assert_eq!(
        submitted.ids().len(),
        2,
        "one order per cart: {}",
        submitted.text
    );
}

#[tokio::test]
async fn a_cart_whose_prices_changed_is_repriced_for_review_instead_of_placed() {
    let app = spawn_app().await;
    let cart = cart_of_a(&app).await;
    // The ERP lowers the group's hose price.
    let pushed = app
        .post(
            INTEGRATION,
            "/integration/prices",
            "new-price",
            &json!({"rows": [{"price_list_id": LIST_OEM, "sku": SKU_HOSE, "unit_price": "18.50"}]}),
        )
        .await;
    assert_eq!(pushed.body["loaded"], 1, "{}", pushed.text);
    let refused = place(&app, A_BUYER, &cart, "stale-prices", &json!({})).await;
    refused.assert_problem(409, "prices-changed");
    let read = app.get(A_BUYER, &format!("/carts/{cart}")).await;
    assert_eq!(read.body["version"], 2);
    assert_eq!(read.body["lines"][0]["unit_price"], "18.50");
    assert_eq!(read.body["status"]["state"], "open");
    let placed = app
        .send(
            reqwest::Method::POST,
            Some(A_BUYER),
            &format!("/carts/{cart}/order"),
            &[
                ("if-match", "\"2\"".to_owned()),
                ("idempotency-key", "stale-prices".to_owned()),
            ],
            None,
        )
        .await;
    assert_eq!(
        placed.status, 201,
        "the same key, after review: {}",
        placed.text
    );
    assert_eq!(placed.body["orders"][0]["lines"][0]["unit_price"], "18.50");
    // An empty cart is not an order.
    let empty = app.post_as(Some(A_BUYER), "/carts", None, &json!({})).await;
    place(
        &app,
        A_BUYER,
        empty.body["id"].as_str().expect("id"),
        "empty",
        &json!({}),
    )
    .await
    .assert_problem(422, "cart-empty");
}

/// Sets A's checkout rules as A's account administrator, over whatever version they have.
async fn set_rules(app: &TestApp, rules: Value) {
    let current = app
        .get(
            A_ACCOUNT_ADMIN,
            &format!("/accounts/{ACCOUNT_A}/checkout-settings"),
        )
        .await;
    let mut body = rules;
    body["version"] = current.body["version"].clone();
    let set = app
        .send(
            reqwest::Method::PUT,
            Some(A_ACCOUNT_ADMIN),
            &format!("/accounts/{ACCOUNT_A}/checkout-settings"),
            &[],
            Some(&body),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
}

async fn decide(app: &TestApp, user: &str, order: &str, verb: &str, version: u64) -> Reply {
    app.send(
        reqwest::Method::POST,
        Some(user),
        &format!("/orders/{order}/{verb}"),
        &[("if-match", format!("\"{version}\""))],
        Some(&json!({"note": format!("{verb} by {user}")})),
    )
    .await
}

/// A's buyer places a new cart (two hoses and a pump, 488.00 EUR); the order.
async fn placed_order(app: &TestApp, user: &str, key: &str) -> Value {
    let cart = cart_of(app, user).await;
    let reply = place(app, user, &cart, key, &json!({"po_number": "PO-APPROVE"})).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["orders"][0].clone()
}

#[tokio::test]
async fn an_order_above_the_threshold_waits_for_an_approver_who_releases_it_to_the_erp() {
    let app = spawn_app().await;
    set_rules(&app, json!({"approval_threshold": "100.00"})).await;
    let order = placed_order(&app, A_BUYER, "big-1").await;
    let id = order["id"].as_str().expect("id");
    assert_eq!(order["status"], "pending-approval");
    let approval = &order["placed"]["approval"];
    assert!(
        approval["reasons"][0]
            .as_str()
            .unwrap_or("")
            .contains("above the account's approval threshold of 100.00 EUR"),
        "{approval}"
    );
    assert_eq!(approval["approvers"], json!([A_APPROVER, A_APPROVER_2]));
    assert!(
        event_kinds(&app, id).await.is_empty(),
        "nothing goes to the ERP yet"
    );
    let queue = app.get(A_APPROVER, "/approvals").await;
    assert_eq!(queue.body["items"][0]["order_id"], id, "{}", queue.text);
    assert_eq!(queue.body["items"][0]["placed_by"], A_BUYER);

    // Nobody but an approver decides, and an approver never on their own order.
    for user in [A_BUYER, A_VIEWER, A_ACCOUNT_ADMIN, MANAGER_A, ADMIN] {
        decide(&app, user, id, "approve", 1)
            .await
            .assert_problem(403, "forbidden");
    }
    let own = placed_order(&app, A_APPROVER, "big-own").await;
    let own_id = own["id"].as_str().expect("id");
    assert_eq!(
        own["placed"]["approval"]["approvers"],
        json!([A_APPROVER_2])
    );
    decide(&app, A_APPROVER, own_id, "approve", 1)
        .await
        .assert_problem(403, "self-approval");

    let approved = decide(&app, A_APPROVER, id, "approve", 1).await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(approved.body["status"], "submitted");
    assert_eq!(approved.body["placed"]["version"], 2);
    assert_eq!(
        approved.body["placed"]["approval"]["decision"]["by"],
        A_APPROVER
    );
    assert_eq!(event_kinds(&app, id).await, vec!["2.approved"]);
    let queue = app.get(A_APPROVER, "/approvals").await;
    let waiting: Vec<&str> = queue.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["order_id"].as_str())
        .collect();
    assert_eq!(waiting, vec![own_id], "the decided order left the queue");
    let detail = app.get(A_BUYER, &format!("/orders/{id}")).await;
    assert_eq!(detail.body["status"], "submitted");
    decide(&app, A_APPROVER_2, id, "reject", 2)
        .await
        .assert_problem(409, "not-pending");
    // PO numbers, when the account requires them.
    set_rules(
        &app,
        json!({"approval_threshold": null, "po_required": true}),
    )
    .await;
    let cart = cart_of_a(&app).await;
    place(&app, A_BUYER, &cart, "no-po", &json!({}))
        .await
        .assert_problem(422, "po-number-required");
}

#[tokio::test]
async fn of_two_approvers_acting_on_one_version_one_wins_and_the_other_gets_a_conflict() {
    let app = spawn_app().await;
    set_rules(&app, json!({"approval_threshold": "0"})).await;
    for round in 0..3 {
        let order = placed_order(&app, A_BUYER, &format!("race-{round}")).await;
        let id = order["id"].as_str().expect("id");
        let (first, second) = tokio::join!(
            decide(&app, A_APPROVER, id, "approve", 1),
            decide(&app, A_APPROVER_2, id, "reject", 1)
        );
        let statuses = [first.status.as_u16(), second.status.as_u16()];
        assert!(
            statuses == [200, 409] || statuses == [409, 200],
            "{statuses:?}: {} / {}",
            first.text,
            second.text
        );
        let loser = if first.status == 409 { &first } else { &second };
        loser.assert_problem(409, "version-conflict");
        assert_eq!(loser.body["current_version"], 2);
        assert_eq!(
            event_kinds(&app, id).await.len(),
            1,
            "one decision, one event"
        );
    }
}

#[tokio::test]
async fn a_buyers_monthly_limit_holds_what_goes_beyond_it_and_a_rejected_order_never_counts() {
    let app = spawn_app().await;
    let limit = |user: &'static str, who: &'static str, amount: Value| {
        let app = &app;
        async move {
            app.send(
                reqwest::Method::PUT,
                Some(who),
                &format!("/accounts/{ACCOUNT_A}/spending-limits/{user}"),
                &[],
                Some(&json!({ "monthly_limit": amount })),
            )
            .await
        }
    };
    limit(A_BUYER, A_BUYER, json!("500"))
        .await
        .assert_problem(403, "forbidden");
    limit(A_VIEWER, A_ACCOUNT_ADMIN, json!("500"))
        .await
        .assert_problem(422, "not-a-buyer");
    limit(B_BUYER, A_ACCOUNT_ADMIN, json!("500"))
        .await
        .assert_problem(404, "not-found");
    let set = limit(A_BUYER, A_ACCOUNT_ADMIN, json!("500")).await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.body["items"][0]["spent"], "0");

    let first = placed_order(&app, A_BUYER, "month-1").await;
    assert_eq!(first["status"], "submitted", "488.00 of 500.00");
    let second = placed_order(&app, A_BUYER, "month-2").await;
    assert_eq!(second["status"], "pending-approval");
    assert!(
        second["placed"]["approval"]["reasons"][0]
            .as_str()
            .unwrap_or("")
            .contains("976.00 EUR, above their monthly limit of 500"),
        "{second}"
    );
    let id = second["id"].as_str().expect("id");
    let rejected = decide(&app, A_APPROVER, id, "reject", 1).await;
    assert_eq!(rejected.status, 200, "{}", rejected.text);
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(event_kinds(&app, id).await, vec!["2.rejected"]);
    let limits = app
        .get(
            A_ACCOUNT_ADMIN,
            &format!("/accounts/{ACCOUNT_A}/spending-limits"),
        )
        .await;
    assert_eq!(limits.body["items"][0]["spent"], "488", "{}", limits.text);
    let cleared = limit(A_BUYER, A_ACCOUNT_ADMIN, Value::Null).await;
    assert_eq!(cleared.body["items"], json!([]));
}

#[tokio::test]
async fn a_buyer_cancels_an_order_the_erp_has_not_received_and_only_such_an_order() {
    let app = spawn_app().await;
    set_rules(&app, json!({"approval_threshold": "100.00"})).await;
    let pending = placed_order(&app, A_BUYER, "cancel-1").await;
    let pending_id = pending["id"].as_str().expect("id");
    let cancel = |user: &'static str, id: String, version: u64| {
        let app = &app;
        async move {
            app.send(
                reqwest::Method::POST,
                Some(user),
                &format!("/orders/{id}/cancel"),
                &[("if-match", format!("\"{version}\""))],
                Some(&json!({"note": "ordered twice"})),
            )
            .await
        }
    };
    cancel(A_VIEWER, pending_id.to_owned(), 1)
        .await
        .assert_problem(403, "forbidden");
    let cancelled = cancel(A_BUYER, pending_id.to_owned(), 1).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(event_kinds(&app, pending_id).await, vec!["2.cancelled"]);
    let queue = app.get(A_APPROVER, "/approvals").await;
    assert_eq!(queue.body["items"], json!([]), "it left the approval queue");
    cancel(A_BUYER, pending_id.to_owned(), 2)
        .await
        .assert_problem(409, "not-cancellable");

    // A released order leaves its buyer's month when cancelled; one the ERP has is not cancelled here.
    set_rules(&app, json!({"approval_threshold": null})).await;
    let limit = app
        .send(
            reqwest::Method::PUT,
            Some(A_ACCOUNT_ADMIN),
            &format!("/accounts/{ACCOUNT_A}/spending-limits/{A_BUYER}"),
            &[],
            Some(&json!({"monthly_limit": "10000"})),
        )
        .await;
    assert_eq!(limit.status, 200, "{}", limit.text);
    let released = placed_order(&app, A_BUYER, "cancel-2").await;
    let released_id = released["id"].as_str().expect("id").to_owned();
    let confirmed = placed_order(&app, A_BUYER, "cancel-3").await;
    let confirmed_id = confirmed["id"].as_str().expect("id").to_owned();
    let spent = || {
        let app = &app;
        async move {
            app.get(
                A_ACCOUNT_ADMIN,
                &format!("/accounts/{ACCOUNT_A}/spending-limits"),
            )
            .await
            .body["items"][0]["spent"]
                .clone()
        }
    };
    assert_eq!(spent().await, "976");
    let cancelled = cancel(A_APPROVER, released_id.clone(), 1).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(spent().await, "488");
    let pushed = app
        .post(
            INTEGRATION,
            "/integration/order-status",
            "cancel-confirm",
            &json!({"rows": [{"order_id": confirmed_id, "status": "confirmed",
                              "at": chrono::Utc::now().to_rfc3339()}]}),
        )
        .await;
    assert_eq!(pushed.body["loaded"], 1, "{}", pushed.text);
    cancel(A_BUYER, confirmed_id, 1)
        .await
        .assert_problem(409, "not-cancellable");
}
