//! Shipments and tracking.

use tests::fixture::*;
use tests::spawn_app;

#[tokio::test]
async fn an_orders_shipments_come_with_their_tracking_events() {
    let app = spawn_app().await;
    let reply = app
        .get(A_VIEWER, &format!("/orders/{ORDER_A}/shipments"))
        .await;
    assert_eq!(reply.ids(), vec![SHIPMENT_A]);
    let events = reply.items()[0]["events"].as_array().expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["status"], "in-transit");
    assert_eq!(reply.items()[0]["carrier"], "DHL Freight");
}

#[tokio::test]
async fn an_order_without_shipments_has_an_empty_list() {
    let app = spawn_app().await;
    let reply = app.get(A_VIEWER, "/orders/SO-A03/shipments").await;
    assert_eq!(reply.status, 200);
    assert!(reply.items().is_empty());
    app.get(A_VIEWER, "/orders/SO-NOPE/shipments")
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn shipments_are_found_by_tracking_number_in_any_case() {
    let app = spawn_app().await;
    let reply = app
        .get(
            A_BUYER,
            &format!("/shipments?tracking_number={}", TRACKING_A.to_lowercase()),
        )
        .await;
    assert_eq!(reply.ids(), vec![SHIPMENT_A]);
    app.get(A_BUYER, "/shipments")
        .await
        .assert_problem(400, "invalid-parameter");
    let one = app.get(A_BUYER, &format!("/shipments/{SHIPMENT_A}")).await;
    assert_eq!(one.body["tracking_number"], TRACKING_A);
}
