//! Bad input gets a clear problem+json 4xx, never a 5xx.

use tests::fixture::*;
use tests::spawn_app;

#[tokio::test]
async fn bad_parameters_are_400_problems_that_say_what_was_wrong() {
    let app = spawn_app().await;
    let cases = [
        ("/orders?from=2025-13-01", "from"),
        ("/orders?from=2026-02-01&to=2026-01-01", "after"),
        ("/orders?status=lost", "in-production"),
        ("/orders?limit=0", "limit"),
        ("/orders?limit=101", "limit"),
        ("/orders?limit=ten", "limit"),
        ("/orders?colour=red", "colour"),
        ("/orders?sku=A%23B", "sku"),
        ("/orders?account=ACC%23B", "account"),
        ("/orders/SO%23A01", "order id"),
        ("/invoices/INV%20A", "invoice id"),
        ("/products?sku_prefix=%20", "sku"),
        ("/documents/x%00y", "document id"),
        ("/orders?po=PO-0123456789012345678901234567890123", "po"),
        ("/orders?po=%20PO", "po"),
    ];
    for (uri, mentions) in cases {
        let reply = app.get(A_BUYER, uri).await;
        reply.assert_problem(400, "invalid-parameter");
        let detail = reply.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(mentions),
            "GET {uri}: {detail:?} should mention {mentions:?}"
        );
        assert!(
            !detail.contains("Error {") && !detail.contains("Some("),
            "no debug strings: {detail}"
        );
    }
}

#[tokio::test]
async fn unknown_ids_and_routes_are_404_problems() {
    let app = spawn_app().await;
    app.get(A_BUYER, "/orders/SO-NOPE")
        .await
        .assert_problem(404, "not-found");
    app.get(A_BUYER, "/nothing-here")
        .await
        .assert_problem(404, "not-found");
    app.get(A_BUYER, "/invoices/INV-NOPE")
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn a_method_a_route_does_not_serve_is_a_405_problem() {
    let app = spawn_app().await;
    let response = reqwest::Client::new()
        .post(format!("{}/orders", app.url))
        .bearer_auth(app.token(A_BUYER))
        .send()
        .await
        .expect("request reaches the app");
    assert_eq!(response.status(), 405);
    let body: serde_json::Value = response.json().await.expect("problem body");
    assert_eq!(body["code"], "method-not-allowed");
}
