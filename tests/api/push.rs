//! The push API: back-end systems POST batches of canonical rows; every row gets a result, the
//! idempotency key answers repeats, and the data shows up through the portal API and the lake.

use serde_json::{Value, json};
use tests::fixture::*;
use tests::spawn_app;

fn results(reply: &tests::Reply) -> Vec<(String, Option<String>)> {
    reply.body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results: {}", reply.text))
        .iter()
        .map(|r| {
            (
                r["result"].as_str().unwrap_or("?").to_owned(),
                r["reason"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn verdicts(reply: &tests::Reply) -> Vec<String> {
    results(reply).into_iter().map(|(r, _)| r).collect()
}

fn order(id: &str, status: &str, version: &str) -> Value {
    json!({
        "order_id": id, "account_id": ACCOUNT_A, "po_number": format!("PO {id}"),
        "division": "HYD", "currency": "EUR", "order_date": "2025-11-20",
        "status": status, "net": "30.00", "version": version,
    })
}

#[tokio::test]
async fn pushed_orders_lines_and_status_changes_show_up_through_the_api_and_in_the_lake() {
    let app = spawn_app().await;
    // Lines first: they wait for their order, then are folded in.
    let lines = app
        .post(
            INTEGRATION,
            "/integration/order-lines",
            "lines-1",
            &json!({"rows": [
                {"order_id": "SO-P1", "line_no": 1, "sku": SKU_PUMP, "quantity": 3, "unit_price": "10.00"},
                {"order_id": "SO-P1", "line_no": 2, "sku": SKU_HOSE, "quantity": "1", "unit_price": 0},
            ]}),
        )
        .await;
    assert_eq!(lines.status, 200, "{}", lines.text);
    assert_eq!(verdicts(&lines), ["loaded", "loaded"]);
    assert_eq!(lines.body["waiting_for_parent"], 2, "{}", lines.text);
    assert_eq!(lines.body["counts_add_up"], true);
    let header = app
        .post(
            INTEGRATION,
            "/integration/orders",
            "orders-1",
            &json!({"rows": [order("SO-P1", "confirmed", "2025-11-20T08:00:00Z")]}),
        )
        .await;
    assert_eq!(verdicts(&header), ["loaded"], "{}", header.text);
    assert_eq!(header.body["lake_objects"], 1, "{}", header.text);

    let seen = app.get(A_BUYER, "/orders/SO-P1").await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert_eq!(seen.body["status"], "confirmed");
    assert_eq!(seen.body["lines"].as_array().map(Vec::len), Some(2));
    app.get(B_BUYER, "/orders/SO-P1")
        .await
        .assert_problem(404, "not-found");

    // A status update takes the same path.
    let shipped = app
        .post(
            INTEGRATION,
            "/integration/order-status",
            "status-1",
            &json!({"rows": [{"order_id": "SO-P1", "status": "shipped", "at": "2025-11-22T10:00:00Z"}]}),
        )
        .await;
    assert_eq!(verdicts(&shipped), ["loaded"], "{}", shipped.text);
    let seen = app.get(A_BUYER, "/orders/SO-P1").await;
    assert_eq!(seen.body["status"], "shipped", "{}", seen.text);

    let lake = app.local.job().read_orders().await.expect("lake");
    let mut skus: Vec<&str> = lake
        .lines
        .iter()
        .map(|l| lake.skus[l.sku as usize].as_str())
        .collect();
    skus.sort();
    assert_eq!(
        skus,
        [SKU_HOSE, SKU_PUMP],
        "both lines are in the lake, once"
    );
}

#[tokio::test]
async fn a_repeated_request_is_answered_again_and_applied_once() {
    let app = spawn_app().await;
    let body = json!({"rows": [order("SO-P2", "confirmed", "2025-11-20T08:00:00Z")]});
    let first = app
        .post(INTEGRATION, "/integration/orders", "k-2", &body)
        .await;
    assert_eq!(verdicts(&first), ["loaded"], "{}", first.text);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let again = app
        .post(INTEGRATION, "/integration/orders", "k-2", &body)
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body, first.body, "the first answer, again");
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    // The same rows under a new key are judged afresh: already there, so unchanged.
    let new_key = app
        .post(INTEGRATION, "/integration/orders", "k-3", &body)
        .await;
    assert_eq!(verdicts(&new_key), ["unchanged"], "{}", new_key.text);
    // Other rows under a used key are refused, and change nothing.
    let other = json!({"rows": [order("SO-P2", "cancelled", "2025-11-21T08:00:00Z")]});
    app.post(INTEGRATION, "/integration/orders", "k-2", &other)
        .await
        .assert_problem(422, "idempotency-key-reused");
    let seen = app.get(A_BUYER, "/orders/SO-P2").await;
    assert_eq!(seen.body["status"], "confirmed", "{}", seen.text);
    // Another entity is another request.
    let status =
        json!({"rows": [{"order_id": "SO-P2", "status": "shipped", "at": "2025-11-22T10:00:00Z"}]});
    app.post(INTEGRATION, "/integration/order-status", "k-2", &status)
        .await
        .assert_problem(422, "idempotency-key-reused");
    // Keys are each system's own: the CRM's k-2 is not the ERP's.
    let crm = app
        .post(INTEGRATION_CRM, "/integration/order-status", "k-2", &status)
        .await;
    assert_eq!(verdicts(&crm), ["loaded"], "{}", crm.text);
}

#[tokio::test]
async fn a_request_whose_key_is_being_processed_is_a_conflict_and_an_abandoned_one_is_taken_over() {
    let app = spawn_app().await;
    // Rows without a version take the time their request first arrived.
    let row = json!({
        "order_id": "SO-P3", "account_id": ACCOUNT_A, "po_number": "PO 3",
        "division": "HYD", "currency": "EUR", "order_date": "2025-11-20",
        "status": "confirmed", "net": "30.00",
    });
    let body = json!({"rows": [row]});
    let rows = body["rows"].as_array().expect("rows").clone();
    let hash = integration_api::request_hash(ingest::Entity::Orders, &rows);
    let user = portal_domain::UserId::parse(INTEGRATION).expect("id");
    let claim = |key: &'static str, at| {
        let store = app.local.state.store.clone();
        let (user, hash) = (user.clone(), hash.clone());
        async move {
            let key = portal_domain::IdempotencyKey::parse(key).expect("key");
            let request = portal_store::PushedRequest {
                caller: &user,
                key: &key,
                hash: &hash,
                token: "another-call",
            };
            store
                .claim_request(
                    request,
                    at,
                    std::time::Duration::from_secs(60),
                    portal_http::idempotency::KEEP,
                )
                .await
                .expect("claimed")
        }
    };
    // Another call holds the key for these very rows right now.
    assert!(matches!(
        claim("busy-1", chrono::Utc::now()).await,
        portal_store::Claim::Claimed { .. }
    ));
    app.post(INTEGRATION, "/integration/orders", "busy-1", &body)
        .await
        .assert_problem(409, "request-in-progress");
    app.get(A_BUYER, "/orders/SO-P3")
        .await
        .assert_problem(404, "not-found");
    // A call that died an hour ago (its lease ran out) is taken over by the retry, which keeps
    // the first arrival time as the rows' version.
    let an_hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    claim("busy-2", an_hour_ago).await;
    let retried = app
        .post(INTEGRATION, "/integration/orders", "busy-2", &body)
        .await;
    assert_eq!(verdicts(&retried), ["loaded"], "{}", retried.text);
    // So a row sent half an hour ago, after the first attempt, is newer and stays.
    let later = order(
        "SO-P3",
        "shipped",
        &(an_hour_ago + chrono::Duration::minutes(30)).to_rfc3339(),
    );
    let newer = app
        .post(
            INTEGRATION,
            "/integration/orders",
            "later-1",
            &json!({"rows": [later]}),
        )
        .await;
    assert_eq!(verdicts(&newer), ["loaded"], "{}", newer.text);
    let again = app
        .post(INTEGRATION, "/integration/orders", "busy-1", &body)
        .await;
    again.assert_problem(409, "request-in-progress");
    assert_eq!(
        app.get(A_BUYER, "/orders/SO-P3").await.body["status"],
        "shipped"
    );
}

#[tokio::test]
async fn every_row_of_a_mixed_batch_gets_its_result_and_older_rows_change_nothing() {
    let app = spawn_app().await;
    app.post(
        INTEGRATION,
        "/integration/orders",
        "mixed-0",
        &json!({"rows": [order("SO-P4", "shipped", "2025-11-25T08:00:00Z")]}),
    )
    .await;
    let reply = app
        .post(
            INTEGRATION,
            "/integration/orders",
            "mixed-1",
            &json!({"rows": [
                order("SO-P5", "confirmed", "2025-11-20T08:00:00Z"),
                order("SO-P4", "confirmed", "2025-11-20T08:00:00Z"),
                {"order_id": "SO-P6", "account_id": ACCOUNT_A},
                order("SO P7", "confirmed", "2025-11-20T08:00:00Z"),
                {"order_id": "SO-P8", "colour": "red"},
                "not an object",
                order("SO-P9", "teleported", "2025-11-20T08:00:00Z"),
            ]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let results = results(&reply);
    let verdicts: Vec<&str> = results.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        verdicts,
        [
            "loaded",
            "unchanged",
            "quarantined",
            "quarantined",
            "quarantined",
            "quarantined",
            "quarantined"
        ]
    );
    let reason = |i: usize| results[i].1.clone().unwrap_or_default();
    assert!(reason(1).contains("newer"), "{}", reason(1));
    assert!(reason(2).contains("po_number"), "{}", reason(2));
    assert!(reason(3).contains("order id"), "{}", reason(3));
    assert!(reason(4).contains("colour"), "{}", reason(4));
    assert!(reason(5).contains("not a JSON object"), "{}", reason(5));
    assert!(reason(6).contains("teleported"), "{}", reason(6));
    assert_eq!(reply.body["rows_read"], 7);
    assert_eq!(reply.body["loaded"], 1);
    assert_eq!(reply.body["unchanged"], 1);
    assert_eq!(reply.body["quarantined"], 5);
    assert_eq!(reply.body["counts_add_up"], true);
    let kept = app.get(A_BUYER, "/orders/SO-P4").await;
    assert_eq!(kept.body["status"], "shipped", "the newer row stays");
}

#[tokio::test]
async fn a_bad_request_says_what_is_wrong_and_writes_nothing() {
    let app = spawn_app().await;
    let one = json!({"rows": [order("SO-P10", "confirmed", "2025-11-20T08:00:00Z")]});
    app.post_as(Some(INTEGRATION), "/integration/orders", None, &one)
        .await
        .assert_problem(400, "idempotency-key-required");
    app.post(INTEGRATION, "/integration/orders", "has#hash", &one)
        .await
        .assert_problem(400, "invalid-parameter");
    app.post(INTEGRATION, "/integration/invoice", "e-1", &one)
        .await
        .assert_problem(400, "invalid-parameter");
    let documents = app
        .post(INTEGRATION, "/integration/documents", "e-2", &one)
        .await;
    documents.assert_problem(400, "invalid-parameter");
    assert!(documents.text.contains("incoming/"), "{}", documents.text);
    for (body, says) in [
        (json!({"rows": []}), "at least one row"),
        (json!({"rows": one["rows"], "extra": 1}), "extra"),
        (json!([1, 2]), "rows"),
        (
            json!({"rows": vec![one["rows"][0].clone(); 501]}),
            "at most 500",
        ),
    ] {
        let reply = app
            .post(INTEGRATION, "/integration/orders", "b-1", &body)
            .await;
        reply.assert_problem(400, "invalid-body");
        assert!(reply.text.contains(says), "{says}: {}", reply.text);
    }
    let huge = json!({"rows": [{"order_id": "SO-P11", "note": "x".repeat(3 << 20)}]});
    app.post(INTEGRATION, "/integration/orders", "b-2", &huge)
        .await
        .assert_problem(413, "payload-too-large");
    app.get(A_BUYER, "/orders/SO-P10")
        .await
        .assert_problem(404, "not-found");
    // None of the refused requests used up its key.
    let fine = app
        .post(INTEGRATION, "/integration/orders", "b-1", &one)
        .await;
    assert_eq!(verdicts(&fine), ["loaded"], "{}", fine.text);
}

#[tokio::test]
async fn shipment_events_and_payments_are_pushed_like_any_rows() {
    let app = spawn_app().await;
    // Later than the fixture's events, not in the future (a version ahead is refused).
    let at = (chrono::Utc::now() - chrono::TimeDelta::hours(1)).to_rfc3339();
    let scan = app
        .post(
            INTEGRATION,
            "/integration/tracking-events",
            "t-1",
            &json!({"rows": [{
                "shipment_id": SHIPMENT_A, "at": at,
                "status": "delivered", "place": "Tampere",
            }]}),
        )
        .await;
    assert_eq!(verdicts(&scan), ["loaded"], "{}", scan.text);
    let shipment = app.get(A_BUYER, &format!("/shipments/{SHIPMENT_A}")).await;
    assert_eq!(shipment.body["status"], "delivered", "{}", shipment.text);
    let paid = app
        .post(
            INTEGRATION,
            "/integration/invoice-payments",
            "p-1",
            &json!({"rows": [{
                "invoice_id": INVOICE_A_OPEN, "payment": "paid", "paid_on": "2030-01-03",
            }]}),
        )
        .await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    let invoice = app
        .get(A_BUYER, &format!("/invoices/{INVOICE_A_OPEN}"))
        .await;
    assert_eq!(
        (verdicts(&paid), invoice.body["status"].clone()),
        (vec!["loaded".to_owned()], json!("paid")),
        "{} / {}",
        paid.text,
        invoice.text
    );
}

#[tokio::test]
async fn pushed_customer_users_can_sign_in_and_no_row_raises_anyones_access() {
    let app = spawn_app().await;
    let user = |id: &str, role: &str, account: &str| {
        json!({"user_id": id, "name": "Pat Doe", "email": "pat@a.example", "role": role,
               "account_id": account, "version": "2025-11-20T08:00:00Z"})
    };
    let reply = app
        .post(
            INTEGRATION,
            "/integration/users",
            "u-1",
            &json!({"rows": [
                user("crm-pat", "buyer", ACCOUNT_A),
                user("crm-eve", "admin", ACCOUNT_A),
                user(INTEGRATION, "buyer", ACCOUNT_A),
                user(MANAGER_A, "viewer", ACCOUNT_A),
                user("crm-early", "viewer", "ACC-NOT-YET"),
                // A customer's user made in the portal: not ingest's to promote.
                user(A_BUYER, "account-admin", ACCOUNT_A),
            ]}),
        )
        .await;
    assert_eq!(
        verdicts(&reply),
        [
            "loaded",
            "quarantined",
            "quarantined",
            "quarantined",
            "loaded",
            "quarantined"
        ],
        "{}",
        reply.text
    );
    let results = results(&reply);
    let reason = |i: usize| results[i].1.clone().unwrap_or_default();
    assert!(reason(5).contains("made in the portal"), "{}", reason(5));
    // A user ingest loaded is never moved to another account: that would hand them its data.
    let moved = app
        .post(
            INTEGRATION,
            "/integration/users",
            "u-2",
            &json!({"rows": [{"user_id": "crm-pat", "name": "Pat Doe", "email": "pat@a.example",
                              "role": "buyer", "account_id": ACCOUNT_B,
                              "version": "2025-11-21T08:00:00Z"}]}),
        )
        .await;
    assert_eq!(verdicts(&moved), ["quarantined"], "{}", moved.text);
    assert!(moved.text.contains("another account"), "{}", moved.text);
    assert_eq!(app.get(A_BUYER, "/me").await.body["role"], "buyer");
    assert!(
        reason(1).contains("admin is given in the portal"),
        "{}",
        reason(1)
    );
    assert!(
        reason(2).contains("has the role integration"),
        "{}",
        reason(2)
    );
    assert!(
        reason(3).contains("has the role account-manager"),
        "{}",
        reason(3)
    );

    let me = app.get("crm-pat", "/me").await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["role"], "buyer");
    assert_eq!(me.body["accounts"], json!([ACCOUNT_A]));
    app.get("crm-pat", &format!("/orders/{ORDER_B}"))
        .await
        .assert_problem(404, "not-found");
    // The machine stays a machine, the manager a manager.
    app.get(INTEGRATION, "/orders")
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        app.get(MANAGER_A, "/me").await.body["role"],
        "account-manager"
    );
    // A user whose account has not arrived yet is not provisioned: a 403, not a server error.
    app.get("crm-early", "/orders")
        .await
        .assert_problem(403, "user-not-provisioned");
}

#[tokio::test]
async fn a_row_that_would_make_a_record_too_large_for_the_table_is_quarantined_not_a_server_error()
{
    let app = spawn_app().await;
    let mut product = json!({"sku": "BIG-1", "name": "Big", "division": "HYD",
                             "description": "words ".repeat(80_000)});
    product["version"] = json!("2025-11-20T08:00:00Z");
    let reply = app
        .post(
            INTEGRATION,
            "/integration/products",
            "big-1",
            &json!({"rows": [product, {"sku": "SMALL-1", "name": "Small", "division": "HYD"}]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let results = results(&reply);
    assert_eq!(results[0].0, "quarantined", "{}", reply.text);
    let reason = results[0].1.clone().unwrap_or_default();
    assert!(reason.contains("400 KB"), "{reason}");
    assert_eq!(results[1].0, "loaded", "{}", reply.text);
    app.get(ADMIN, "/products/BIG-1")
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.get(ADMIN, "/products/SMALL-1").await.status, 200);
}

#[tokio::test]
async fn account_managers_named_by_the_erp_serve_their_accounts_and_stop_when_moved() {
    let app = spawn_app().await;
    let account = |manager: &str, version: &str| {
        json!({"account_id": "ACC-PUSH", "name": "Pushed Oy", "divisions": ["HYD"],
               "currency": "EUR", "account_managers": [manager], "version": version})
    };
    for (key, manager, version) in [
        ("acc-1", MANAGER_B, "2025-11-20T08:00:00Z"),
        ("acc-2", MANAGER_A, "2025-11-21T08:00:00Z"),
    ] {
        let reply = app
            .post(
                INTEGRATION,
                "/integration/accounts",
                key,
                &json!({"rows": [account(manager, version)]}),
            )
            .await;
        assert_eq!(verdicts(&reply), ["loaded"], "{}", reply.text);
    }
    let mine = app.get(MANAGER_A, "/accounts").await;
    assert_eq!(mine.ids(), [ACCOUNT_A, "ACC-PUSH"], "{}", mine.text);
    // Naming anyone but an account manager grants nothing; a name twice is one assignment; a
    // list longer than an account has managers is refused.
    let others = json!({"rows": [
        {"account_id": "ACC-OTHER", "name": "Other Oy", "divisions": ["HYD"], "currency": "EUR",
         "account_managers": [A_BUYER, INTEGRATION, MANAGER_B, MANAGER_B]},
        {"account_id": "ACC-MANY", "name": "Many Oy", "divisions": ["HYD"], "currency": "EUR",
         "account_managers": (0..21).map(|i| format!("am-{i}")).collect::<Vec<_>>()},
    ]});
    let reply = app
        .post(INTEGRATION, "/integration/accounts", "acc-3", &others)
        .await;
    assert_eq!(
        verdicts(&reply),
        ["loaded", "quarantined"],
        "{}",
        reply.text
    );
    assert!(reply.text.contains("at most 20"), "{}", reply.text);
    assert_eq!(app.get(A_BUYER, "/accounts").await.ids(), [ACCOUNT_A]);
    app.get(INTEGRATION, "/accounts/ACC-OTHER")
        .await
        .assert_problem(403, "forbidden");
    app.get(MANAGER_B, "/accounts/ACC-PUSH")
        .await
        .assert_problem(404, "not-found");
    let store = &app.local.state.store;
    let named = |user: &str| {
        let user = portal_domain::UserId::parse(user).expect("id");
        async move { store.accounts_naming_manager(&user).await.expect("read") }
    };
    let id = |a: &str| portal_domain::AccountId::parse(a).expect("id");
    assert_eq!(
        named(MANAGER_B).await,
        [id(ACCOUNT_B), id("ACC-OTHER")],
        "the old manager's assignment to ACC-PUSH is gone; ACC-OTHER names them once"
    );
    assert_eq!(named(MANAGER_A).await, [id(ACCOUNT_A), id("ACC-PUSH")]);
}

#[tokio::test]
async fn a_person_is_refused_the_push_api_from_the_user_record_alone() {
    let app = spawn_app().await;
    // In AWS the push API's role may read user records but not query a manager's assignments:
    // an assignment item that does not parse stands for that Query failing. A manager must get
    // the 403 of their role, which the user record already says, not a server error.
    let store = &app.local.state.store;
    store
        .dynamodb()
        .put_item()
        .table_name(&store.config().table)
        .item(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#{MANAGER_A}")),
        )
        .item(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S("ASSIGNED#NOT#AN#ACCOUNT".to_owned()),
        )
        .send()
        .await
        .expect("raw put");
    let body = json!({"rows": [order("SO-PEOPLE-1", "received", "2025-11-20T08:00:00Z")]});
    for user in [MANAGER_A, A_BUYER, ADMIN] {
        app.post(user, "/integration/orders", "k-person", &body)
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(
        app.get(A_BUYER, "/orders/SO-PEOPLE-1").await.status,
        404,
        "nothing written"
    );
    // The machine user still pushes.
    assert_eq!(
        app.post(INTEGRATION, "/integration/orders", "k-machine", &body)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn lines_whose_order_never_comes_wait_ninety_days_then_the_table_removes_them() {
    let app = spawn_app().await;
    let reply = app
        .post(
            INTEGRATION,
            "/integration/order-lines",
            "orphans-1",
            &json!({"rows": [{"order_id": "SO-NEVER", "line_no": 1, "sku": SKU_PUMP,
                              "quantity": 1, "unit_price": "1"}]}),
        )
        .await;
    assert_eq!(reply.body["waiting_for_parent"], 1, "{}", reply.text);
    let store = &app.local.state.store;
    let item = store
        .dynamodb()
        .get_item()
        .table_name(&store.config().table)
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S("ORDER#SO-NEVER".into()),
        )
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S("#ORPHANS".into()),
        )
        .send()
        .await
        .expect("read")
        .item
        .expect("the lines wait");
    let expires: i64 = item["expires_at"]
        .as_n()
        .expect("a time to live")
        .parse()
        .expect("seconds");
    let days = (expires - chrono::Utc::now().timestamp()) / 86_400;
    assert!((89..=90).contains(&days), "{days} days");
}

#[tokio::test]
async fn rows_without_versions_sent_again_a_moment_later_correct_the_record_instead_of_conflicting()
{
    let app = spawn_app().await;
    let unversioned = |status: &str| {
        let mut row = order("SO-P20", status, "");
        row.as_object_mut().expect("object").remove("version");
        row
    };
    let reply = app
        .post(
            INTEGRATION,
            "/integration/orders",
            "again-1",
            &json!({"rows": [unversioned("confirmed"), unversioned("shipped")]}),
        )
        .await;
    assert_eq!(verdicts(&reply), ["loaded", "loaded"], "{}", reply.text);
    assert_eq!(
        app.get(A_BUYER, "/orders/SO-P20").await.body["status"],
        "shipped"
    );
    let reply = app
        .post(
            INTEGRATION,
            "/integration/orders",
            "again-2",
            &json!({"rows": [unversioned("delivered")]}),
        )
        .await;
    assert_eq!(verdicts(&reply), ["loaded"], "{}", reply.text);
    assert_eq!(
        app.get(A_BUYER, "/orders/SO-P20").await.body["status"],
        "delivered"
    );
}
