//! Bad rows from back-end systems: each is quarantined alone, with a reason, and never takes its
//! batch, its file or its record's other rows down with it; nothing it says can freeze a record
//! or move one away from what belongs to it.

use ingest::{Entity, Profile};
use portal_local::ingest::ingest_file;
use serde_json::{Value, json};
use tests::fixture::*;
use tests::{Reply, TestApp, spawn_app};

fn results(reply: &Reply) -> Vec<(String, String)> {
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results: {}", reply.text))
        .iter()
        .map(|r| {
            (
                r["result"].as_str().unwrap_or("?").to_owned(),
                r["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn verdicts(reply: &Reply) -> Vec<String> {
    results(reply).into_iter().map(|(r, _)| r).collect()
}

async fn push(app: &TestApp, entity: &str, key: &str, rows: Value) -> Reply {
    app.post(
        INTEGRATION,
        &format!("/integration/{entity}"),
        key,
        &json!({ "rows": rows }),
    )
    .await
}

fn order(id: &str, account: &str, version: &str) -> Value {
    json!({
        "order_id": id, "account_id": account, "po_number": format!("PO {id}"),
        "division": "HYD", "currency": "EUR", "order_date": "2025-11-20",
        "status": "confirmed", "net": "30.00", "version": version,
    })
}

#[tokio::test]
async fn a_product_name_with_a_word_longer_than_a_key_loads_with_the_rest_of_its_batch() {
    let app = spawn_app().await;
    let name = format!("Valve {} DN50", "a".repeat(1_100));
    let reply = push(
        &app,
        "products",
        "p1",
        json!([
            {"sku": "P-1", "name": name, "division": "HYD"},
            {"sku": "OK-1", "name": "Good valve", "division": "HYD"},
        ]),
    )
    .await;
    assert_eq!(verdicts(&reply), ["loaded", "loaded"], "{}", reply.text);
    assert_eq!(app.get(ADMIN, "/products/P-1").await.body["name"], name);
    let found = app.get(ADMIN, "/products?name=valve").await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert!(
        found
            .items()
            .iter()
            .any(|p| p["sku"] == "P-1" && p["name"] == name)
            && found.items().iter().any(|p| p["sku"] == "OK-1"),
        "both are found by their indexed words: {}",
        found.text
    );
}

#[tokio::test]
async fn a_record_too_large_for_one_transaction_quarantines_its_row_and_the_rest_loads() {
    let app = spawn_app().await;
    // Forty indexed words, each index item carrying the 60 KB name: 2.5 MB more than one
    // transaction takes, though every item is under the item limit.
    let words: Vec<String> = (0..40).map(|i| format!("w{i:02}")).collect();
    let name = format!("{} {}", words.join(" "), "z".repeat(60_000));
    let reply = push(
        &app,
        "products",
        "p2",
        json!([
            {"sku": "WORDY-1", "name": name, "division": "HYD"},
            {"sku": "OK-2", "name": "Good valve", "division": "HYD"},
        ]),
    )
    .await;
    let results = results(&reply);
    assert_eq!(results[0].0, "quarantined", "{}", reply.text);
    assert!(
        results[0].1.contains("over the") && results[0].1.contains("one transaction takes"),
        "{}",
        results[0].1
    );
    assert_eq!(results[1].0, "loaded");
    app.get(ADMIN, "/products/WORDY-1")
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.get(ADMIN, "/products/OK-2").await.status, 200);
}

#[tokio::test]
async fn one_oversized_line_is_quarantined_and_the_rest_of_its_order_loads() {
    let app = spawn_app().await;
    let huge = "d".repeat(450_000);
    // Pushed before the order (the lines wait for it) and after it.
    for (order_id, key) in [("SO-BIG1", "big-lines-1"), (ORDER_A, "big-lines-2")] {
        let reply = push(
            &app,
            "order-lines",
            key,
            json!([
                {"order_id": order_id, "line_no": 91, "sku": SKU_PUMP, "quantity": 1,
                 "unit_price": "1.00", "description": huge},
                {"order_id": order_id, "line_no": 92, "sku": SKU_HOSE, "quantity": 2,
                 "unit_price": "1.00"},
            ]),
        )
        .await;
        let results = results(&reply);
        assert_eq!(results[0].0, "quarantined", "{}", reply.text);
        assert!(results[0].1.contains("KB item"), "{}", results[0].1);
        assert_eq!(
            results[1].0, "loaded",
            "only the oversized row: {}",
            reply.text
        );
    }
    let lines = app.get(A_BUYER, &format!("/orders/{ORDER_A}")).await;
    let numbers: Vec<u64> = lines.body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["line_no"].as_u64())
        .collect();
    assert!(
        numbers.contains(&92) && !numbers.contains(&91),
        "{numbers:?}"
    );

    // A file takes the same path: line 2 (the oversized row) alone is quarantined.
    let dir = tempfile::tempdir().expect("folder");
    let path = dir.path().join("lines.jsonl");
    let rows = [
        json!({"order_id": "SO-BIG2", "line_no": 1, "sku": SKU_PUMP, "quantity": 1,
               "unit_price": "1.00", "description": huge}),
        json!({"order_id": "SO-BIG2", "line_no": 2, "sku": SKU_HOSE, "quantity": 1,
               "unit_price": "1.00"}),
    ];
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&path, text).expect("written");
    let profile = Profile::builtin("generic").expect("built in");
    let (outcome, _) = ingest_file(
        &app.local,
        &profile,
        "erp",
        Entity::OrderLines,
        &path,
        false,
    )
    .await
    .expect("ingested");
    let c = &outcome.report.counts;
    assert_eq!((c.rows_read, c.loaded, c.quarantined), (2, 1, 1));
    assert_eq!(outcome.quarantined[0].line, 1);
    assert!(
        outcome.quarantined[0].reason.contains("KB item"),
        "{}",
        outcome.quarantined[0].reason
    );
}

#[tokio::test]
async fn a_version_in_the_far_future_is_refused_and_a_frozen_record_can_be_rebaselined() {
    let app = spawn_app().await;
    let reply = push(
        &app,
        "orders",
        "o1",
        json!([order("SO-INF", ACCOUNT_A, "9999-12-31T00:00:00Z")]),
    )
    .await;
    let refused = results(&reply);
    assert_eq!(refused[0].0, "quarantined");
    assert!(
        refused[0].1.contains("is in the future"),
        "{}",
        refused[0].1
    );

    // A record frozen before the rule (a version 20 hours ahead still passes it) refuses
    // corrections until an operator re-baselines it as docs/ingest.md says.
    let ahead = (chrono::Utc::now() + chrono::TimeDelta::hours(20)).to_rfc3339();
    let now = chrono::Utc::now().to_rfc3339();
    let first = push(
        &app,
        "orders",
        "o2",
        json!([order("SO-FROZEN", ACCOUNT_A, &ahead)]),
    )
    .await;
    assert_eq!(verdicts(&first), ["loaded"]);
    let mut correction = order("SO-FROZEN", ACCOUNT_A, &now);
    correction["po_number"] = json!("PO FIXED");
    let refused = push(&app, "orders", "o3", json!([correction.clone()])).await;
    assert!(
        results(&refused)[0]
            .1
            .starts_with("the stored data is newer"),
        "{}",
        refused.text
    );
    let store = &app.local.state.store;
    store
        .dynamodb()
        .update_item()
        .table_name(&store.config().table)
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S("ORDER#SO-FROZEN".into()),
        )
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S("#META".into()),
        )
        .condition_expression("attribute_exists(PK)")
        .update_expression(
            "REMOVE source_versions SET revision = if_not_exists(revision, :zero) + :one",
        )
        .expression_attribute_values(
            ":zero",
            aws_sdk_dynamodb::types::AttributeValue::N("0".into()),
        )
        .expression_attribute_values(
            ":one",
            aws_sdk_dynamodb::types::AttributeValue::N("1".into()),
        )
        .send()
        .await
        .expect("re-baselined");
    let again = push(&app, "orders", "o4", json!([correction])).await;
    assert_eq!(verdicts(&again), ["loaded"], "{}", again.text);
    assert_eq!(
        app.get(A_BUYER, "/orders/SO-FROZEN").await.body["po_number"],
        "PO FIXED"
    );
}

#[tokio::test]
async fn rows_the_documentation_rejects_are_quarantined_with_the_rest_loaded() {
    let app = spawn_app().await;
    let accounts = push(
        &app,
        "accounts",
        "a1",
        json!([
            {"account_id": "ACC-NODIV", "name": "No Div Oy", "divisions": [], "currency": "EUR"},
            {"account_id": "ACC-DIV", "name": "Div Oy", "divisions": ["HYD"], "currency": "EUR"},
        ]),
    )
    .await;
    assert_eq!(
        verdicts(&accounts),
        ["quarantined", "loaded"],
        "{}",
        accounts.text
    );
    assert!(
        accounts.text.contains("at least one division"),
        "{}",
        accounts.text
    );
    let lines = push(
        &app,
        "order-lines",
        "l1",
        json!([
            {"order_id": ORDER_A, "line_no": 81, "sku": SKU_PUMP, "quantity": -3, "unit_price": "4"},
            {"order_id": ORDER_A, "line_no": 82, "sku": SKU_PUMP, "quantity": 3, "unit_price": "4"},
        ]),
    )
    .await;
    assert_eq!(
        verdicts(&lines),
        ["quarantined", "loaded"],
        "{}",
        lines.text
    );
    assert!(lines.text.contains("is negative"), "{}", lines.text);
    let order = app.get(A_BUYER, &format!("/orders/{ORDER_A}")).await;
    assert!(
        order.body["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .all(|l| !l["quantity"].as_str().unwrap_or("0").starts_with('-')),
        "{}",
        order.text
    );
}

#[tokio::test]
async fn an_order_cannot_move_to_another_account_away_from_its_shipments() {
    let app = spawn_app().await;
    let first = push(
        &app,
        "orders",
        "m1",
        json!([order("SO-MOVE", ACCOUNT_A, "2025-11-20T08:00:00Z")]),
    )
    .await;
    assert_eq!(verdicts(&first), ["loaded"]);
    let moved = push(
        &app,
        "orders",
        "m2",
        json!([order("SO-MOVE", ACCOUNT_B, "2025-11-21T08:00:00Z")]),
    )
    .await;
    let results = results(&moved);
    assert_eq!(results[0].0, "quarantined", "{}", moved.text);
    assert!(
        results[0].1.contains("belongs to account ACC-A, not ACC-B"),
        "{}",
        results[0].1
    );
    assert_eq!(app.get(A_BUYER, "/orders/SO-MOVE").await.status, 200);
    app.get(B_BUYER, "/orders/SO-MOVE")
        .await
        .assert_problem(404, "not-found");
    // An invoice stays with its account the same way.
    let invoice = push(
        &app,
        "invoices",
        "m3",
        json!([{"invoice_id": INVOICE_A_OPEN, "account_id": ACCOUNT_B, "kind": "invoice",
                "issue_date": "2025-11-20", "due_date": "2025-12-20", "currency": "EUR",
                "net": "10", "version": "2025-11-21T08:00:00Z"}]),
    )
    .await;
    assert_eq!(verdicts(&invoice), ["quarantined"], "{}", invoice.text);
}

#[tokio::test]
async fn a_file_of_the_same_name_keeps_the_earlier_ones_report_and_quarantined_rows() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("folder");
    let path = dir.path().join("lines.jsonl");
    let profile = Profile::builtin("generic").expect("built in");
    let mut kept = Vec::new();
    for bad in ["-1", "-2"] {
        let row = json!({"order_id": ORDER_A, "line_no": 70, "sku": SKU_PUMP,
                         "quantity": bad, "unit_price": "1"});
        std::fs::write(&path, format!("{row}\n")).expect("written");
        let (outcome, _) = ingest_file(
            &app.local,
            &profile,
            "erp",
            Entity::OrderLines,
            &path,
            false,
        )
        .await
        .expect("ingested");
        let key = outcome
            .report
            .quarantine_file
            .clone()
            .expect("a quarantine file");
        assert!(key.contains(&outcome.report.file_id), "{key}");
        kept.push((key, outcome.report.file_id.clone(), bad));
    }
    let inbox = app.local.ingest_bucket();
    for (key, file_id, bad) in &kept {
        let rows = inbox.get(key).await.expect("still there");
        assert!(String::from_utf8_lossy(&rows).contains(&format!("{bad} is negative")));
        let report = inbox
            .get(&format!(
                "reports/erp/order-lines/lines.jsonl.{file_id}.report.json"
            ))
            .await
            .expect("its report is kept");
        assert!(String::from_utf8_lossy(&report).contains(file_id.as_str()));
    }
    let latest = inbox
        .get("quarantine/erp/order-lines/lines.jsonl.quarantine.csv")
        .await
        .expect("the latest under the file's name");
    assert!(String::from_utf8_lossy(&latest).contains("-2 is negative"));
}
