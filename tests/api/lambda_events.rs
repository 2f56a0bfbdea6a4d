//! Real API Gateway HTTP API (v2) events, with JWT authorizer claims, through `lambda_http`
//! into each function's router: the gateway-to-HTTP mapping the Lambda binaries use.

use axum::body::to_bytes;
use serde_json::Value;
use tests::fixture::*;
use tests::spawn_app;
use tower::ServiceExt;

/// The gateway's event for `GET path?query` with `sub` as the authorizer's subject (`None`: no
/// authorizer).
fn event(path: &str, query: &str, sub: Option<&str>) -> String {
    let uri = match query {
        "" => path.to_owned(),
        query => format!("{path}?{query}"),
    };
    portal_local::gateway::event("GET", &uri, sub).to_string()
}

async fn invoke(router: axum::Router, event: String) -> (u16, Value) {
    let request = lambda_http::request::from_str(&event).expect("lambda_http parses the event");
    let response = router.oneshot(request).await.expect("the router answers");
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), 1 << 20).await.expect("body");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_gateway_event_with_claims_reaches_the_orders_function_as_that_user() {
    let app = spawn_app().await;
    let (status, body) = invoke(
        orders_api::router(app.local.state.clone()),
        event("/orders", "status=shipped,invoiced", Some(A_BUYER)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["SO-A02", ORDER_A]);
}

#[tokio::test]
async fn a_gateway_event_for_another_accounts_object_is_not_found() {
    let app = spawn_app().await;
    let state = app.local.state.clone();
    let (status, body) = invoke(
        orders_api::router(state.clone()),
        event(&format!("/orders/{ORDER_B}"), "", Some(A_BUYER)),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not-found")));
    let (status, _) = invoke(
        invoices_api::router(state.clone()),
        event(&format!("/invoices/{INVOICE_B}"), "", Some(MANAGER_A)),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = invoke(
        documents_api::router(state),
        event(
            &format!("/documents/{DOCUMENT_B}/download"),
            "",
            Some(A_VIEWER),
        ),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_gateway_event_without_an_authorizer_context_is_refused() {
    let app = spawn_app().await;
    let state = app.local.state.clone();
    let cases = [
        (me_api::router(state.clone()), "/me".to_owned()),
        (orders_api::router(state.clone()), "/orders".to_owned()),
        (
            shipments_api::router(state.clone()),
            format!("/shipments/{SHIPMENT_A}"),
        ),
        (invoices_api::router(state.clone()), "/invoices".to_owned()),
        (
            documents_api::router(state.clone()),
            format!("/documents/{DOCUMENT_A}"),
        ),
        (catalog_api::router(state), "/products".to_owned()),
    ];
    for (router, path) in cases {
        let (status, body) = invoke(router, event(&path, "", None)).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthenticated")),
            "{path}"
        );
    }
}
