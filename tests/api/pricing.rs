//! Prices through the API: `POST /prices`, the explain view, catalog prices, and price data
//! pushed by a back-end system (the fixture's price data is in `tests/fixture.rs`).

use serde_json::{Value, json};
use tests::fixture::*;
use tests::spawn_app;

fn line(answer: &Value, n: usize) -> &Value {
    &answer["lines"][n - 1]
}

#[tokio::test]
async fn each_line_is_priced_from_the_first_list_that_prices_it_or_refused_with_its_reason() {
    let app = spawn_app().await;
    let reply = app
        .post_as(
            Some(A_BUYER),
            "/prices",
            None,
            &json!({"lines": [
                {"sku": SKU_HOSE, "quantity": 4},
                {"sku": SKU_PUMP, "quantity": "1"},
                {"sku": SKU_HOSE, "quantity": "3"},
                {"sku": SKU_BOLT, "quantity": 1},
                {"sku": "NOT A SKU!", "quantity": 1},
                {"sku": SKU_HOSE, "quantity": "two"},
                {"sku": SKU_HOSE, "quantity": 0},
            ]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["account"], ACCOUNT_A);
    assert_eq!(body["currency"], "EUR");
    // A's contract lists do not give the hose (no price, expired, USD): its group's list does.
    let hose = line(body, 1);
    assert_eq!(hose["line"], 1);
    assert_eq!(hose["unit_price"], "19.00");
    assert_eq!(hose["line_total"], "76.00");
    assert_eq!(hose["source"]["level"], "group");
    assert_eq!(hose["source"]["price_list"], LIST_OEM);
    let pump = line(body, 2);
    assert_eq!(pump["unit_price"], "450.00");
    assert_eq!(pump["source"]["level"], "contract");
    assert_eq!(pump["source"]["price_list"], LIST_A);
    assert!(pump["source"]["valid_from"].is_string(), "{pump}");
    let refused = [
        (3, "quantity-rule", "not a multiple of 2"),
        (4, "unknown-sku", SKU_BOLT),
        (5, "invalid-sku", "sku"),
        (6, "invalid-quantity", "\"two\""),
        (7, "invalid-quantity", "not positive"),
    ];
    for (n, code, says) in refused {
        let l = line(body, n);
        assert_eq!(l["line"], n, "{l}");
        assert_eq!(l["error"]["code"], code, "line {n}: {l}");
        let detail = l["error"]["detail"].as_str().expect("a detail");
        assert!(detail.contains(says), "line {n}: {detail}");
        assert!(l.get("unit_price").is_none(), "line {n} has no price: {l}");
    }
    assert_eq!(line(body, 3)["error"]["rule"]["increment"], "2");
    assert_eq!(line(body, 3)["quantity"], "3", "the line as requested");
    assert_eq!(body["total"], "526.00");
    assert_eq!(body["priced"], 2);
    assert_eq!(body["refused"], 5);
}

#[tokio::test]
async fn a_tier_prices_the_whole_line_from_its_minimum_quantity_on() {
    let app = spawn_app().await;
    let reply = app
        .post_as(
            Some(B_BUYER),
            "/prices",
            None,
            &json!({"lines": [
                {"sku": SKU_BOLT, "quantity": 999},
                {"sku": SKU_BOLT, "quantity": 1000},
                {"sku": SKU_HOSE, "quantity": 10},
            ]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let below = line(&reply.body, 1);
    assert_eq!(below["unit_price"], "0.40");
    assert!(below["source"].get("tier_min_quantity").is_none());
    let at = line(&reply.body, 2);
    assert_eq!(at["unit_price"], "0.30");
    assert_eq!(at["line_total"], "300.00");
    assert_eq!(at["source"]["tier_min_quantity"], "1000");
    // B's contract list gives B the hose, at B's price: never A's group price.
    assert_eq!(line(&reply.body, 3)["unit_price"], "5.00");
    assert_eq!(line(&reply.body, 3)["source"]["price_list"], LIST_B);
}

#[tokio::test]
async fn the_explain_view_shows_every_list_in_order_with_its_verdict() {
    let app = spawn_app().await;
    let reply = app
        .get(A_BUYER, &format!("/prices/{SKU_HOSE}/explain?quantity=4"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let steps: Vec<(String, String, String)> = reply.body["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["level"].as_str().unwrap_or_default().to_owned(),
                s["price_list"].as_str().unwrap_or_default().to_owned(),
                s["verdict"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let step = |level: &str, list: &str, verdict: &str| {
        (level.to_owned(), list.to_owned(), verdict.to_owned())
    };
    assert_eq!(
        steps,
        vec![
            step("contract", LIST_A_USD, "excluded"),
            step("contract", LIST_A_EXPIRED, "excluded"),
            step("contract", LIST_A, "no-price"),
            step("group", LIST_OEM, "chosen"),
            step("default", LIST_HYD, "not-reached"),
        ]
    );
    assert_eq!(
        reply.body["steps"][0]["detail"],
        json!({"reason": "other-currency", "detail": "USD"})
    );
    assert_eq!(reply.body["steps"][1]["detail"]["reason"], "expired");
    assert_eq!(reply.body["price"]["unit_price"], "19.00");
    assert_eq!(reply.body["price"]["source"]["price_list"], LIST_OEM);

    // A quantity the rule refuses: no list is tried.
    let refused = app
        .get(A_BUYER, &format!("/prices/{SKU_HOSE}/explain?quantity=1"))
        .await;
    assert_eq!(refused.status, 200, "{}", refused.text);
    assert_eq!(refused.body["steps"], json!([]));
    assert_eq!(refused.body["error"]["code"], "quantity-rule");
    // A product the account does not buy is not found, like one that does not exist.
    app.get(A_BUYER, &format!("/prices/{SKU_BOLT}/explain"))
        .await
        .assert_problem(404, "not-found");
    app.get(A_BUYER, &format!("/prices/{SKU_HOSE}/explain?quantity=-"))
        .await
        .assert_problem(400, "invalid-parameter");
}

#[tokio::test]
async fn a_customers_catalog_shows_its_price_and_staff_see_none() {
    let app = spawn_app().await;
    let product = app.get(A_VIEWER, &format!("/products/{SKU_HOSE}")).await;
    assert_eq!(product.status, 200, "{}", product.text);
    let price = &product.body["price"];
    assert_eq!(price["unit_price"], "19.00", "{price}");
    assert_eq!(price["quantity"], "2", "the rule's minimum");
    assert_eq!(price["quantity_rule"]["max"], "1000");
    assert_eq!(price["source"]["price_list"], LIST_OEM);
    let list = app.get(A_BUYER, "/products").await;
    let pump = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["sku"] == SKU_PUMP)
        .expect("the pump is listed");
    assert_eq!(pump["price"]["unit_price"], "450.00");
    let b = app.get(B_BUYER, &format!("/products/{SKU_BOLT}")).await;
    assert_eq!(
        b.body["price"]["tiers"],
        json!([{"min_quantity": "1000", "unit_price": "0.30"}])
    );
    for staff in [MANAGER_A, ADMIN] {
        let product = app.get(staff, &format!("/products/{SKU_HOSE}")).await;
        assert_eq!(product.status, 200, "{}", product.text);
        assert!(product.body.get("price").is_none(), "{}", product.text);
    }
}

#[tokio::test]
async fn a_request_that_cannot_be_read_is_refused_whole_with_what_is_wrong() {
    let app = spawn_app().await;
    let post = |body: Value| {
        let app = &app;
        async move { app.post_as(Some(A_BUYER), "/prices", None, &body).await }
    };
    let empty = post(json!({"lines": []})).await;
    empty.assert_problem(400, "invalid-body");
    assert!(empty.text.contains("at least one line"), "{}", empty.text);
    let many: Vec<Value> = (0..501)
        .map(|_| json!({"sku": SKU_HOSE, "quantity": 2}))
        .collect();
    let too_many = post(json!({ "lines": many })).await;
    too_many.assert_problem(400, "invalid-body");
    assert!(too_many.text.contains("at most 500"), "{}", too_many.text);
    let unknown = post(json!({"lines": [{"sku": SKU_HOSE, "qty": 2}]})).await;
    unknown.assert_problem(400, "invalid-body");
    assert!(unknown.text.contains("qty"), "{}", unknown.text);
    post(json!({"lines": [{"sku": SKU_HOSE, "quantity": true}]}))
        .await
        .assert_problem(400, "invalid-body");
    post(json!({"account": "not an id!", "lines": [{"sku": SKU_HOSE, "quantity": 2}]}))
        .await
        .assert_problem(400, "invalid-parameter");
    let huge = "x".repeat(pricing_api::MAX_BODY_BYTES + 1);
    post(json!({ "lines": [{"sku": huge, "quantity": 1}] }))
        .await
        .assert_problem(413, "payload-too-large");
    app.get(A_BUYER, "/prices")
        .await
        .assert_problem(405, "method-not-allowed");
    // A manager serving one account prices for it without naming it; an admin must name one.
    let manager = app
        .post_as(
            Some(MANAGER_A),
            "/prices",
            None,
            &json!({"lines": [{"sku": SKU_PUMP, "quantity": 1}]}),
        )
        .await;
    assert_eq!(manager.body["account"], ACCOUNT_A, "{}", manager.text);
    app.post_as(
        Some(ADMIN),
        "/prices",
        None,
        &json!({"lines": [{"sku": SKU_PUMP, "quantity": 1}]}),
    )
    .await
    .assert_problem(400, "account-required");
}

#[tokio::test]
async fn price_data_pushed_by_the_erp_prices_the_next_request() {
    let app = spawn_app().await;
    let push = |entity: &str, key: &str, rows: Value| {
        let (app, path, key) = (&app, format!("/integration/{entity}"), key.to_owned());
        async move {
            let reply = app
                .post(INTEGRATION, &path, &key, &json!({ "rows": rows }))
                .await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.text);
            reply
        }
    };
    push(
        "price-lists",
        "pl-1",
        json!([{"price_list_id": "PL-A-2027", "currency": "EUR", "division": "HYD",
                "valid_from": "2020-01-01"}]),
    )
    .await;
    push(
        "prices",
        "pr-1",
        json!([{"price_list_id": "PL-A-2027", "sku": SKU_HOSE, "unit_price": "17.50",
                "tiers": [{"min_quantity": 10, "unit_price": "15.00"}]}]),
    )
    .await;
    push(
        "price-assignments",
        "pa-1",
        json!([{"price_list_id": "PL-A-2027", "account_id": ACCOUNT_A, "priority": 1}]),
    )
    .await;
    push(
        "quantity-rules",
        "qr-1",
        json!([{"sku": SKU_PUMP, "min_quantity": 2, "increment": 2}]),
    )
    .await;
    let reply = app
        .post_as(
            Some(A_BUYER),
            "/prices",
            None,
            &json!({"lines": [
                {"sku": SKU_HOSE, "quantity": 10},
                {"sku": SKU_PUMP, "quantity": 1},
            ]}),
        )
        .await;
    assert_eq!(
        line(&reply.body, 1)["unit_price"],
        "15.00",
        "{}",
        reply.text
    );
    assert_eq!(line(&reply.body, 1)["source"]["price_list"], "PL-A-2027");
    assert_eq!(line(&reply.body, 2)["error"]["code"], "quantity-rule");

    // Rows that cannot be price data are quarantined with the reason, and change nothing.
    let bad = push(
        "price-assignments",
        "pa-2",
        json!([{"price_list_id": LIST_HYD, "account_id": ACCOUNT_A, "division": "HYD"}]),
    )
    .await;
    assert_eq!(bad.body["results"][0]["result"], "quarantined");
    assert!(
        bad.text
            .contains("exactly one of account_id, price_group, division"),
        "{}",
        bad.text
    );
    let bad = push(
        "price-lists",
        "pl-2",
        json!([{"price_list_id": "PL-X", "currency": "EUR", "division": "HYD",
                "valid_from": "2027-01-02", "valid_to": "2027-01-01"}]),
    )
    .await;
    assert!(
        bad.text
            .contains("valid_to: 2027-01-01 is before valid_from"),
        "{}",
        bad.text
    );
    let bad = push(
        "prices",
        "pr-2",
        json!([{"price_list_id": LIST_HYD, "sku": SKU_PUMP, "unit_price": "-1"},
               {"price_list_id": LIST_HYD, "sku": SKU_PUMP, "unit_price": "1", "tiers": "5:1 3:1"}]),
    )
    .await;
    assert_eq!(bad.body["quarantined"], 2, "{}", bad.text);
}

#[tokio::test]
async fn sap_price_conditions_become_lists_prices_assignments_and_rules() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("folder");
    let sap = ingest::Profile::builtin("sap").expect("built in");
    let files = [
        (
            ingest::Entity::PriceLists,
            "T189.csv",
            "PLTYP;PTEXT;KONWA;SPART;DATAB;DATBI\r\n\
             Z1;Kontrakt A;EUR;10;01.01.2020;99991231\r\n",
        ),
        (
            ingest::Entity::Prices,
            "KONP.csv",
            "PLTYP;MATNR;KBETR;STAFFEL;AEDAT;AEZET\r\n\
             Z1;hyd-hose-10;1.017,50;10:16,00 100:14,50;20251124;101500\r\n",
        ),
        (
            ingest::Entity::PriceAssignments,
            "A305.csv",
            "PLTYP;KUNNR;KONDA;SPART;PRIO\r\nZ1;000000A;;;5\r\n",
        ),
        (
            ingest::Entity::QuantityRules,
            "MVKE.csv",
            "MATNR;AUMNG;MAXMG;SCMNG\r\nhyd-pump-20;3;;3\r\n",
        ),
    ];
    for (entity, name, text) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("file written");
        let (outcome, _) =
            portal_local::ingest::ingest_file(&app.local, &sap, "sap", entity, &path, false)
                .await
                .expect("ingested");
        assert_eq!(
            (
                outcome.report.counts.loaded,
                outcome.report.counts.quarantined
            ),
            (1, 0),
            "{name}: {:?}",
            outcome.quarantined
        );
    }
    let reply = app
        .post_as(
            Some(A_BUYER),
            "/prices",
            None,
            &json!({"lines": [
                {"sku": SKU_HOSE, "quantity": 2},
                {"sku": SKU_HOSE, "quantity": 100},
                {"sku": SKU_PUMP, "quantity": 4},
            ]}),
        )
        .await;
    assert_eq!(
        line(&reply.body, 1)["unit_price"],
        "1017.50",
        "{}",
        reply.text
    );
    assert_eq!(line(&reply.body, 1)["source"]["price_list"], "PL-Z1");
    assert_eq!(line(&reply.body, 1)["source"]["valid_to"], "9999-12-31");
    assert_eq!(line(&reply.body, 2)["unit_price"], "14.50");
    assert_eq!(line(&reply.body, 3)["error"]["code"], "quantity-rule");
}
