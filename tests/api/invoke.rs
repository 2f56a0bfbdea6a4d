//! `portal invoke`: a function's Lambda handler on a Lambda event, answering a Lambda response.

use portal_local::invoke::{invoke, with_subject};
use serde_json::Value;
use tests::fixture::*;
use tests::spawn_app;

/// A gateway event on `stage` whose `rawPath` is `raw_path` as given: with the stage's prefix,
/// as the gateway's own URL has it, or without, as a custom domain's mapping sends it.
fn event(stage: &str, raw_path: &str, sub: Option<&str>) -> Value {
    let mut event = portal_local::gateway::event_on_stage(stage, "GET", "/", sub);
    event["rawPath"] = raw_path.into();
    event["requestContext"]["http"]["path"] = raw_path.into();
    event
}

/// The Lambda response's status and parsed body.
fn answer(response: &Value) -> (u64, Value) {
    let body = response["body"].as_str().unwrap_or("null");
    (
        response["statusCode"].as_u64().unwrap_or(0),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn invoke_answers_an_authorised_event_with_the_callers_data() {
    let app = spawn_app().await;
    let response = invoke(
        &app.local,
        "orders-api",
        event("$default", &format!("/orders/{ORDER_A}"), Some(A_BUYER)),
    )
    .await
    .expect("invoked");
    let (status, body) = answer(&response);
    assert_eq!(status, 200, "{response}");
    assert_eq!(body["id"], ORDER_A);
    assert_eq!(
        response["headers"]["content-type"], "application/json",
        "{response}"
    );
}

#[tokio::test]
async fn invoke_answers_404_for_a_foreign_object_and_401_without_claims() {
    let app = spawn_app().await;
    let foreign = invoke(
        &app.local,
        "orders-api",
        event("$default", &format!("/orders/{ORDER_B}"), Some(A_BUYER)),
    )
    .await
    .expect("invoked");
    assert_eq!(answer(&foreign).0, 404, "{foreign}");
    let anonymous = invoke(
        &app.local,
        "invoices-api",
        event("$default", "/invoices", None),
    )
    .await
    .expect("invoked");
    assert_eq!(answer(&anonymous).0, 401, "{anonymous}");
    assert_eq!(answer(&anonymous).1["code"], "unauthenticated");
}

#[tokio::test]
async fn a_named_stage_works_with_or_without_its_prefix_in_the_path() {
    let app = spawn_app().await;
    for raw_path in ["/prod/orders", "/orders"] {
        let response = invoke(
            &app.local,
            "orders-api",
            event("prod", raw_path, Some(A_VIEWER)),
        )
        .await
        .expect("invoked");
        let (status, body) = answer(&response);
        assert_eq!(status, 200, "{raw_path}: {response}");
        assert_eq!(
            body["items"].as_array().map(Vec::len),
            Some(20),
            "{raw_path}"
        );
    }
    let unknown = invoke(
        &app.local,
        "orders-api",
        event("prod", "/prod/nothing", Some(A_VIEWER)),
    )
    .await
    .expect("invoked");
    assert_eq!(answer(&unknown).1["code"], "not-found");
}

#[tokio::test]
async fn invoking_an_unknown_function_names_the_ones_there_are() {
    let app = spawn_app().await;
    let err = invoke(
        &app.local,
        "payments-api",
        event("$default", "/orders", Some(A_BUYER)),
    )
    .await
    .expect_err("no such function");
    assert!(err.to_string().contains("orders-api"), "{err}");
}

/// `sam local generate-event apigateway http-api-proxy --method GET --path orders/SO-A01`, as it came.
const SAM_EVENT: &str = include_str!("../events/sam-http-api-proxy.json");

#[tokio::test]
async fn an_event_from_sam_generate_event_works_once_a_subject_claim_is_added() {
    let app = spawn_app().await;
    let event: Value = serde_json::from_str(SAM_EVENT).expect("event JSON");
    for stage in ["$default", "prod"] {
        let mut event = event.clone();
        event["requestContext"]["stage"] = stage.into();
        let (status, _) = answer(
            &invoke(&app.local, "orders-api", event.clone())
                .await
                .expect("invoked"),
        );
        assert_eq!(
            status, 401,
            "{stage}: sam's sample claims name no portal user"
        );
        let response = invoke(
            &app.local,
            "orders-api",
            with_subject(event.clone(), A_BUYER),
        )
        .await
        .expect("invoked");
        let (status, body) = answer(&response);
        assert_eq!(
            (status, body["id"].as_str()),
            (200, Some(ORDER_A)),
            "{stage}: {response}"
        );
        let response = invoke(&app.local, "orders-api", with_subject(event, B_BUYER))
            .await
            .expect("invoked");
        assert_eq!(answer(&response).0, 404, "{stage}: another account's buyer");
    }
}
