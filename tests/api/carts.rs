//! Carts through the API: quick order (JSON and pasted CSV), line writes and their rules,
//! optimistic concurrency, sharing, reorder and the replenishment cart.

use serde_json::{Value, json};
use tests::fixture::*;
use tests::{Reply, TestApp, spawn_app};

async fn new_cart(app: &TestApp, user: &str, body: Value) -> Reply {
    let reply = app.post_as(Some(user), "/carts", None, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply
}

fn id(reply: &Reply) -> String {
    reply.body["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn a_pasted_list_fills_a_cart_with_the_good_lines_and_names_each_bad_one() {
    let app = spawn_app().await;
    let cart = new_cart(&app, A_BUYER, json!({"name": "Monday order"})).await;
    assert_eq!(cart.headers["etag"], "\"1\"");
    let pasted = format!(
        "SKU\tQty\n{SKU_HOSE}\t4\n{SKU_PUMP}\t1\nNO-SUCH-SKU\t1\n{SKU_BOLT}\t5\n{SKU_HOSE}\t3\n\n\
         {}\tmany\n",
        SKU_PUMP.to_lowercase()
    );
    let response = reqwest::Client::new()
        .post(format!("{}/carts/{}/lines", app.url, id(&cart)))
        .bearer_auth(app.token(A_BUYER))
        .header("content-type", "text/csv")
        .header("if-match", "\"1\"")
        .body(pasted)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let lines = body["lines"].as_array().expect("lines");
    let skus: Vec<&str> = lines.iter().filter_map(|l| l["sku"].as_str()).collect();
    assert_eq!(skus, vec![SKU_HOSE, SKU_PUMP]);
    assert_eq!(lines[0]["quantity"], "4");
    assert_eq!(lines[0]["unit_price"], "19.00");
    assert_eq!(body["total"], "526.00");
    assert_eq!(body["version"], 2);
    let refused: Vec<(u64, &str)> = body["refused"]
        .as_array()
        .expect("refused")
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap_or(0),
                r["error"]["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        refused,
        vec![
            (3, "unknown-sku"),
            (4, "unknown-sku"),
            (5, "quantity-rule"),
            (6, "invalid-quantity"),
        ]
    );
    let rule = &body["refused"][2]["error"];
    assert!(
        rule["detail"]
            .as_str()
            .unwrap_or("")
            .contains("the cart already has 4"),
        "{rule}"
    );
    assert_eq!(rule["rule"]["increment"], "2");
}

#[tokio::test]
async fn a_line_write_that_breaks_the_rule_is_refused_naming_the_line_and_the_rule() {
    let app = spawn_app().await;
    let cart = new_cart(&app, A_BUYER, json!({})).await;
    let uri = format!("/carts/{}/lines/{SKU_HOSE}", id(&cart));
    let put = |quantity: Value, version: u64| {
        let (app, uri) = (&app, uri.clone());
        async move {
            app.send(
                reqwest::Method::PUT,
                Some(A_BUYER),
                &uri,
                &[],
                Some(&json!({"version": version, "quantity": quantity})),
            )
            .await
        }
    };
    let reply = put(json!(3), 1).await;
    reply.assert_problem(422, "quantity-rule");
    let detail = reply.body["detail"].as_str().unwrap_or("");
    assert!(detail.starts_with(&format!("line {SKU_HOSE}:")), "{detail}");
    assert!(detail.contains("in steps of 2"), "{detail}");
    put(json!(1002), 1)
        .await
        .assert_problem(422, "quantity-rule");
    let ok = put(json!("1000"), 1).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["lines"][0]["quantity"], "1000");
    assert_eq!(ok.body["version"], 2);
    // Nothing half-written: the refused writes left the version alone.
    let read = app.get(A_BUYER, &format!("/carts/{}", id(&cart))).await;
    assert_eq!(read.body["version"], 2);
    // No version at all is a 428; a stale one a 409 naming the current version.
    app.send(
        reqwest::Method::PUT,
        Some(A_BUYER),
        &uri,
        &[],
        Some(&json!({"quantity": 2})),
    )
    .await
    .assert_problem(428, "version-required");
    let stale = put(json!(2), 1).await;
    stale.assert_problem(409, "version-conflict");
    assert_eq!(stale.body["current_version"], 2);
    assert!(stale.text.contains("version 2"), "{}", stale.text);
}

#[tokio::test]
async fn twenty_concurrent_updates_at_one_version_give_one_success_and_nineteen_conflicts() {
    let app = spawn_app().await;
    let cart = new_cart(
        &app,
        A_BUYER,
        json!({"lines": [{"sku": SKU_HOSE, "quantity": 2}]}),
    )
    .await;
    let uri = format!("/carts/{}/lines/{SKU_HOSE}", id(&cart));
    let writes = (0..20).map(|n| {
        let (app, uri) = (&app, uri.clone());
        async move {
            app.send(
                reqwest::Method::PUT,
                Some(A_BUYER),
                &uri,
                &[("if-match", "\"1\"".to_owned())],
                Some(&json!({"quantity": 2 * (n + 2)})),
            )
            .await
        }
    });
    let replies = futures_util::future::join_all(writes).await;
    let won: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for lost in replies.iter().filter(|r| r.status != 200) {
        lost.assert_problem(409, "version-conflict");
        assert_eq!(lost.body["current_version"], 2, "{}", lost.text);
    }
    let read = app.get(A_BUYER, &format!("/carts/{}", id(&cart))).await;
    assert_eq!(read.body["version"], 2);
    assert_eq!(
        read.body["lines"], won[0].body["lines"],
        "the winner's write is the cart"
    );
}

#[tokio::test]
async fn a_cart_is_its_owners_until_shared_and_viewers_only_read_it() {
    let app = spawn_app().await;
    let cart = new_cart(&app, A_BUYER, json!({"name": "mine"})).await;
    let uri = format!("/carts/{}", id(&cart));
    for user in [A_APPROVER, A_VIEWER, MANAGER_A] {
        app.get(user, &uri).await.assert_problem(404, "not-found");
    }
    let listed = app.get(A_APPROVER, "/carts").await;
    assert!(!listed.text.contains(&id(&cart)), "{}", listed.text);
    // Only the owner shares it.
    let patch = |user: &'static str, body: Value| {
        let (app, uri) = (&app, uri.clone());
        async move {
            app.send(reqwest::Method::PATCH, Some(user), &uri, &[], Some(&body))
                .await
        }
    };
    let shared = patch(
        A_BUYER,
        json!({"version": 1, "shared": true, "po_number": "PO-77",
                                       "ship_to": "ST1", "note": "gate 4"}),
    )
    .await;
    assert_eq!(shared.status, 200, "{}", shared.text);
    assert_eq!(shared.body["checkout"]["po_number"], "PO-77");
    let viewer = app.get(A_VIEWER, &uri).await;
    assert_eq!(viewer.status, 200, "{}", viewer.text);
    patch(A_VIEWER, json!({"version": 2, "note": "x"}))
        .await
        .assert_problem(403, "forbidden");
    patch(A_APPROVER, json!({"version": 2, "shared": false}))
        .await
        .assert_problem(403, "forbidden");
    let bad = patch(A_APPROVER, json!({"version": 2, "ship_to": "ST9"})).await;
    bad.assert_problem(400, "invalid-parameter");
    assert!(
        bad.text.contains("ST1"),
        "names the account's addresses: {}",
        bad.text
    );
    patch(
        A_APPROVER,
        json!({"version": 2, "requested_delivery": "2020-01-01"}),
    )
    .await
    .assert_problem(400, "invalid-parameter");
    let cleared = patch(A_APPROVER, json!({"version": 2, "po_number": null})).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert!(cleared.body["checkout"].get("po_number").is_none());
    assert_eq!(cleared.body["updated_by"], A_APPROVER);
    let gone = app
        .send(
            reqwest::Method::DELETE,
            Some(A_APPROVER),
            &format!("{uri}?version=3"),
            &[],
            None,
        )
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    app.get(A_BUYER, &uri)
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn a_reorder_is_a_new_cart_at_todays_prices_with_what_changed() {
    let app = spawn_app().await;
    let reply = app
        .post_as(
            Some(A_BUYER),
            &format!("/orders/{ORDER_A}/reorder"),
            None,
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        reply.body["origin"],
        json!({"kind": "reorder", "order_id": ORDER_A})
    );
    let changes = reply.body["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 2, "{changes:?}");
    for change in changes {
        let kind = change["change"].as_str().unwrap_or("");
        assert!(
            ["repriced", "quantity-adjusted", "unchanged"].contains(&kind),
            "{change}"
        );
        if kind != "unchanged" {
            assert!(change["detail"].is_string(), "{change}");
        }
    }
    let lines = reply.body["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    let hose = lines.iter().find(|l| l["sku"] == SKU_HOSE).expect("hose");
    assert_eq!(
        hose["unit_price"], "19.00",
        "today's price, not the order's"
    );
    // Without a body too; and never for another account's order.
    let bare = reqwest::Client::new()
        .post(format!("{}/orders/{ORDER_A}/reorder", app.url))
        .bearer_auth(app.token(A_BUYER))
        .send()
        .await
        .expect("sent");
    assert_eq!(bare.status(), 201);
    app.post_as(
        Some(A_BUYER),
        &format!("/orders/{ORDER_B}/reorder"),
        None,
        &json!({}),
    )
    .await
    .assert_problem(404, "not-found");
}

#[tokio::test]
async fn a_manager_prepares_a_replenishment_cart_and_the_buyers_see_who_did() {
    let app = spawn_app().await;
    let reply = app
        .post_as(
            Some(MANAGER_A),
            "/carts/replenishment",
            None,
            &json!({"account": ACCOUNT_A}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let cart = &reply.body;
    assert_eq!(cart["origin"]["kind"], "replenishment");
    assert_eq!(cart["shared"], true, "handed to the account's buyers");
    assert_eq!(cart["prepared_by"]["user"], MANAGER_A);
    assert_eq!(cart["prepared_by"]["role"], "account-manager");
    let lines = cart["lines"].as_array().expect("lines");
    assert!(!lines.is_empty(), "{}", reply.text);
    for line in lines {
        assert!(
            line["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{line}"
        );
        if line["sku"] == SKU_HOSE {
            let quantity: f64 = line["quantity"]
                .as_str()
                .unwrap_or("0")
                .parse()
                .unwrap_or(0.0);
            assert_eq!(
                quantity % 2.0,
                0.0,
                "whole packs of the hose's rule: {line}"
            );
        }
    }
    let seen = app
        .get(
            A_BUYER,
            &format!("/carts/{}", cart["id"].as_str().unwrap_or("")),
        )
        .await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert_eq!(seen.body["prepared_by"]["user"], MANAGER_A);
    app.post_as(Some(A_VIEWER), "/carts/replenishment", None, &json!({}))
        .await
        .assert_problem(403, "forbidden");
}
