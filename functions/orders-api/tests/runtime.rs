//! The built `orders-api` binary, run as Lambda runs it: started with Lambda's environment, it
//! polls a Runtime API on loopback for API Gateway events and answers them, reading the local
//! stores through the real SDK. This tests the bootstrap path itself, not only the router.

use chrono::NaiveDate;
use portal_local::LocalApp;
use portal_local::demo::{self, DEMO_BUYER, DemoSpec};
use portal_local::runtime_api::{RuntimeApi, lambda_environment};
use serde_json::Value;
use std::process::Stdio;
use std::time::Duration;

fn event(uri: &str, sub: Option<&str>) -> Value {
    portal_local::gateway::event("GET", uri, sub)
}

fn status_and_body(response: &Value) -> (u64, Value) {
    let body = response["body"].as_str().unwrap_or("null");
    (
        response["statusCode"].as_u64().unwrap_or(0),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_built_binary_answers_gateway_events_through_the_lambda_runtime_api() {
    let data = tempfile::tempdir().expect("data folder");
    let app = LocalApp::open(data.path()).await.expect("local stack");
    let spec = DemoSpec {
        seed: 3,
        accounts: 4,
        skus: 40,
        order_lines: 800,
        years: 1,
        today: NaiveDate::from_ymd_opt(2026, 6, 30).expect("date"),
    };
    demo::load(&app.state.store, demo::generate(&spec))
        .await
        .expect("demo data");

    let api = RuntimeApi::start().await.expect("runtime API");
    let mut function = tokio::process::Command::new(env!("CARGO_BIN_EXE_orders-api"))
        .env_clear()
        .envs(lambda_environment("orders-api", api.address, &app))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    api.first_poll(Duration::from_secs(20))
        .await
        .expect("the binary asks for an event");

    let response = api
        .invoke(event("/orders", Some(DEMO_BUYER)), Duration::from_secs(20))
        .await
        .expect("answer");
    let (status, body) = status_and_body(&response);
    assert_eq!(status, 200, "{response}");
    let items = body["items"].as_array().expect("a list");
    assert!(
        !items.is_empty() && items.iter().all(|o| o["account_id"] == "ACC-10001"),
        "{body}"
    );

    let foreign = api
        .invoke(
            event("/orders?account=ACC-10002", Some(DEMO_BUYER)),
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(status_and_body(&foreign.expect("answer")).0, 404);
    let anonymous = api
        .invoke(event("/orders", None), Duration::from_secs(20))
        .await
        .expect("answer");
    assert_eq!(status_and_body(&anonymous).1["code"], "unauthenticated");

    function.kill().await.expect("the binary stops");
}
