//! Order events for the ERP: from the outbox to the event log locally, through the stream
//! handler to a sink, and (under moto) to an EventBridge bus whose rule delivers them to SQS.

use order_events::{Publisher, Sink};
use portal_domain::events::OrderEvent;
use portal_store::{EventBus, StoreError};
use serde_json::{Value, json};
use std::sync::Mutex;
use tests::fixture::*;
use tests::{Reply, TestApp, spawn_app};

async fn place(app: &TestApp, key: &str) -> Reply {
    let cart = app
        .post_as(
            Some(A_BUYER),
            "/carts",
            None,
            &json!({"lines": [{"sku": SKU_PUMP, "quantity": 1}]}),
        )
        .await;
    let cart = cart.body["id"].as_str().expect("cart").to_owned();
    let placed = app
        .send(
            reqwest::Method::POST,
            Some(A_BUYER),
            &format!("/carts/{cart}/order"),
            &[
                ("idempotency-key", key.to_owned()),
                ("if-match", "\"1\"".to_owned()),
            ],
            None,
        )
        .await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    placed
}

fn log_lines(app: &TestApp) -> Vec<Value> {
    std::fs::read_to_string(portal_local::events::log_path(&app.local.data_dir))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[tokio::test]
async fn placed_and_decided_orders_reach_the_event_log_once_each() {
    let app = spawn_app().await;
    let rules = |threshold: Value, version: u64| {
        let app = &app;
        async move {
            let set = app
                .send(
                    reqwest::Method::PUT,
                    Some(A_ACCOUNT_ADMIN),
                    &format!("/accounts/{ACCOUNT_A}/checkout-settings"),
                    &[],
                    Some(&json!({"version": version, "approval_threshold": threshold})),
                )
                .await;
            assert_eq!(set.status, 200, "{}", set.text);
        }
    };
    rules(json!("100"), 0).await;
    let pending = place(&app, "events-1").await;
    let pending_id = pending.body["orders"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    rules(Value::Null, 1).await;
    let submitted = place(&app, "events-2").await;
    let submitted_id = submitted.body["orders"][0]["id"].as_str().expect("id");
    let store = &app.local.state.store;
    let data = &app.local.data_dir;
    assert_eq!(
        portal_local::events::publish_new(store, data)
            .await
            .expect("published"),
        1
    );
    let approved = app
        .send(
            reqwest::Method::POST,
            Some(A_APPROVER),
            &format!("/orders/{pending_id}/approve"),
            &[("if-match", "\"1\"".to_owned())],
            None,
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(
        portal_local::events::publish_new(store, data)
            .await
            .expect("published"),
        1
    );
    assert_eq!(
        portal_local::events::publish_new(store, data)
            .await
            .expect("published"),
        0
    );
    let lines = log_lines(&app);
    let seen: Vec<(&str, &str, u64)> = lines
        .iter()
        .map(|l| {
            (
                l["detail-type"].as_str().unwrap_or(""),
                l["detail"]["order_id"].as_str().unwrap_or(""),
                l["detail"]["order_version"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("Order.Submitted", submitted_id, 1),
            ("Order.Approved", pending_id.as_str(), 2),
        ]
    );
    assert_eq!(lines[0]["source"], "b2b-portal.orders");
    assert_eq!(lines[0]["detail"]["correlation_id"], "events-2");
    assert_eq!(
        lines[0]["detail"]["id"],
        format!("{submitted_id}.1.submitted")
    );
}

/// A sink that keeps what it is given and refuses the events named.
#[derive(Default)]
struct Recorder {
    taken: Mutex<Vec<String>>,
    refuse: Vec<String>,
}

impl Sink for &Recorder {
    async fn put(&self, events: &[OrderEvent]) -> Result<Vec<String>, StoreError> {
        let mut taken = self.taken.lock().expect("recorder");
        let mut refused = Vec::new();
        for event in events {
            if self.refuse.contains(&event.id) {
                refused.push(event.id.clone());
            } else {
                taken.push(event.id.clone());
            }
        }
        Ok(refused)
    }
}

/// A stream record of `item` (a table item, as the SDK reads it).
fn record(
    sequence: &str,
    name: &str,
    item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
) -> Value {
    let image: serde_dynamo::Item = item.clone().into();
    json!({
        "eventID": sequence, "eventName": name, "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "eu-north-1",
        "dynamodb": {"SequenceNumber": sequence, "SizeBytes": 100,
                     "StreamViewType": "NEW_AND_OLD_IMAGES", "NewImage": image,
                     "Keys": {"PK": item["PK"].as_s().map(|s| json!({"S": s})).unwrap_or_default(),
                              "SK": {"S": "#META"}}},
    })
}

async fn item(
    app: &TestApp,
    pk: &str,
) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    app.local
        .state
        .store
        .dynamodb()
        .get_item()
        .table_name(portal_local::server::TABLE)
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S(pk.to_owned()),
        )
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S("#META".to_owned()),
        )
        .send()
        .await
        .expect("read")
        .item
        .expect("the item exists")
}

#[tokio::test]
async fn the_stream_handler_publishes_the_outbox_events_of_a_batch_and_retries_what_was_refused() {
    let app = spawn_app().await;
    let first = place(&app, "stream-1").await;
    let second = place(&app, "stream-2").await;
    let event_of = |reply: &Reply| {
        format!(
            "{}.1.submitted",
            reply.body["orders"][0]["id"].as_str().expect("id")
        )
    };
    let (first, second) = (event_of(&first), event_of(&second));
    let batch = json!({"Records": [
        record("100", "INSERT", &item(&app, &format!("EVENT#{first}")).await),
        record("101", "INSERT", &item(&app, &format!("CART#{CART_A}")).await),
        record("102", "MODIFY", &item(&app, &format!("EVENT#{first}")).await),
        record("103", "INSERT", &item(&app, &format!("EVENT#{second}")).await),
    ]});
    let recorder = Recorder {
        refuse: vec![second.clone()],
        ..Recorder::default()
    };
    let answer = Publisher::new(&recorder).handle(&batch).await;
    assert_eq!(
        *recorder.taken.lock().expect("recorder"),
        vec![first.clone()]
    );
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "103"}]})
    );
}

/// moto's SQS, through its JSON protocol.
async fn sqs(endpoint: &str, action: &str, body: Value) -> Value {
    let reply = reqwest::Client::new()
        .post(endpoint)
        .header("x-amz-target", format!("AmazonSQS.{action}"))
        .header("content-type", "application/x-amz-json-1.0")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, \
             SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .expect("moto answers");
    let text = reply.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("{action}: {text}"))
}

#[tokio::test]
#[ignore = "needs moto's EventBridge and SQS: scripts/moto.sh cargo test -p tests --test api -- --include-ignored events::"]
async fn the_publisher_puts_events_on_an_eventbridge_bus_whose_rule_delivers_them() {
    let endpoint = std::env::var("PORTAL_TEST_MOTO_ENDPOINT")
        .expect("PORTAL_TEST_MOTO_ENDPOINT: run under scripts/moto.sh");
    let client = portal_local::clients::eventbridge(&endpoint);
    let bus = "portal-test-orders";
    client
        .create_event_bus()
        .name(bus)
        .send()
        .await
        .expect("bus");
    let queue = sqs(&endpoint, "CreateQueue", json!({"QueueName": "erp-orders"})).await;
    let url = queue["QueueUrl"].as_str().expect("queue url").to_owned();
    let attributes = sqs(
        &endpoint,
        "GetQueueAttributes",
        json!({"QueueUrl": url, "AttributeNames": ["QueueArn"]}),
    )
    .await;
    let arn = attributes["Attributes"]["QueueArn"].as_str().expect("arn");
    client
        .put_rule()
        .name("orders-to-erp")
        .event_bus_name(bus)
        .event_pattern(json!({"source": [portal_store::events::SOURCE]}).to_string())
        .send()
        .await
        .expect("rule");
    client
        .put_targets()
        .rule("orders-to-erp")
        .event_bus_name(bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("erp-queue")
                .arn(arn)
                .build()
                .expect("target"),
        )
        .send()
        .await
        .expect("target");

    let app = spawn_app().await;
    let placed = place(&app, "moto-1").await;
    let order = placed.body["orders"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let event = item(&app, &format!("EVENT#{order}.1.submitted")).await;
    let batch = json!({"Records": [record("200", "INSERT", &event)]});
    let publisher = Publisher::new(EventBus::new(client, bus));
    let answer = publisher.handle(&batch).await;
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let received = sqs(
        &endpoint,
        "ReceiveMessage",
        json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 2}),
    )
    .await;
    let messages = received["Messages"].as_array().expect("a message");
    assert_eq!(messages.len(), 1, "{received}");
    let delivered: Value =
        serde_json::from_str(messages[0]["Body"].as_str().expect("body")).expect("json");
    assert_eq!(delivered["detail-type"], "Order.Submitted");
    assert_eq!(delivered["source"], "b2b-portal.orders");
    assert_eq!(delivered["detail"]["id"], format!("{order}.1.submitted"));
    assert_eq!(delivered["detail"]["order_version"], 1);
}
