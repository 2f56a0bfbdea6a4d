//! Faults on the write paths: a store step that fails part way ends in a retry that finishes the
//! work or a clear error, with every row accounted for and nothing lost or written twice.

use ingest::entity::Arrival;
use ingest::read::pushed_rows;
use ingest::{Entity, FileInfo, IngestError, Target};
use portal_store::Lake;
use serde_json::json;
use tests::fixture::*;
use tests::inject::{Fault, Faults};
use tests::{TestApp, spawn_app};

/// A push target whose lake cannot be reached (nothing listens at its endpoint): the table
/// commits, then the lake step fails, as when the function stops between the two.
fn target_with_failing_lake(app: &TestApp) -> Target {
    let s3 = portal_local::clients::s3("http://127.0.0.1:1");
    Target {
        store: app.local.state.store.clone(),
        lake: Lake::new(s3, portal_local::server::LAKE_BUCKET),
        format: portal_lake::CSV,
        lake_outbox: true,
    }
}

fn info(entity: Entity, id: &str) -> FileInfo {
    FileInfo {
        source: "push".into(),
        entity,
        name: format!("push {id}"),
        file_id: id.into(),
    }
}

/// The SKU and quantity of every line the lake holds (the fixture puts none there).
async fn lake_lines(app: &TestApp) -> Vec<(String, f64)> {
    let lake = app.local.job().read_orders().await.expect("lake");
    let mut lines: Vec<(String, f64)> = lake
        .lines
        .iter()
        .map(|l| (lake.skus[l.sku as usize].clone(), l.quantity))
        .collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    lines
}

#[tokio::test]
async fn orders_a_push_committed_but_never_wrote_to_the_lake_reach_it_before_the_next_run() {
    let app = spawn_app().await;
    let target = target_with_failing_lake(&app);
    let now = Arrival::new(chrono::Utc::now(), "a test batch");
    let lines = pushed_rows(
        Entity::OrderLines,
        &[
            json!({"order_id": "SO-OUT1", "line_no": 1, "sku": SKU_PUMP, "quantity": 2, "unit_price": "5"}),
            json!({"order_id": "SO-OUT1", "line_no": 2, "sku": SKU_HOSE, "quantity": 1, "unit_price": "5"}),
        ],
        now,
    );
    let header = pushed_rows(
        Entity::Orders,
        &[
            json!({"order_id": "SO-OUT1", "account_id": ACCOUNT_A, "po_number": "PO OUT1",
                 "division": "HYD", "currency": "EUR", "order_date": "2025-11-20",
                 "status": "confirmed", "net": "15.00"}),
        ],
        now,
    );
    target
        .ingest_batch(&info(Entity::OrderLines, "lines"), lines)
        .await
        .expect("lines wait for their order: no lake write yet");
    let failed = target
        .ingest_batch(&info(Entity::Orders, "header"), header)
        .await
        .expect_err("the lake write fails");
    assert!(matches!(failed, IngestError::Store(_)), "{failed:?}");
    // The order is in the table, not in the lake: its marker says so.
    assert_eq!(app.get(A_BUYER, "/orders/SO-OUT1").await.status, 200);
    assert!(lake_lines(&app).await.is_empty());
    let store = &app.local.state.store;
    let pending = store.lake_outbox().await.expect("outbox");
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].order.as_str(), "SO-OUT1");

    // The client never retries; the next run's plan writes the order's lines first.
    let job = app.local.job();
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    let compacted = job
        .plan("job-outbox", analytics::pipeline::Params::new(tomorrow), 1)
        .await
        .expect("planned");
    assert_eq!(compacted.outbox_orders, 1);
    let expected = vec![(SKU_HOSE.to_owned(), 1.0), (SKU_PUMP.to_owned(), 2.0)];
    assert_eq!(lake_lines(&app).await, expected);
    assert!(store.lake_outbox().await.expect("outbox").is_empty());
    // Draining again changes nothing.
    assert_eq!(job.drain_lake_outbox().await.expect("drained"), 0);
    assert_eq!(lake_lines(&app).await, expected, "no line twice");
}

#[tokio::test]
async fn a_push_that_reaches_the_lake_leaves_no_marker_and_a_newer_one_outlives_an_older_clear() {
    let app = spawn_app().await;
    let order = |status: &str, version: &str| {
        json!({"rows": [{"order_id": "SO-OUT2", "account_id": ACCOUNT_A, "po_number": "PO OUT2",
                         "division": "HYD", "currency": "EUR", "order_date": "2025-11-20",
                         "status": status, "net": "15.00", "version": version}]})
    };
    let reply = app
        .post(
            INTEGRATION,
            "/integration/orders",
            "out-2",
            &order("confirmed", "2025-11-20T08:00:00Z"),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let store = &app.local.state.store;
    assert!(store.lake_outbox().await.expect("outbox").is_empty());

    // A failed push leaves a marker at revision 2; clearing an older revision keeps it.
    let target = target_with_failing_lake(&app);
    let rows = pushed_rows(
        Entity::OrderLines,
        &[
            json!({"order_id": "SO-OUT2", "line_no": 1, "sku": SKU_PUMP, "quantity": 2, "unit_price": "5"}),
        ],
        Arrival::new(chrono::Utc::now(), "a test batch"),
    );
    target
        .ingest_batch(&info(Entity::OrderLines, "out-3"), rows)
        .await
        .expect_err("the lake write fails");
    let pending = store.lake_outbox().await.expect("outbox");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].revision, 2);
    let older = portal_store::outbox::Pending {
        revision: 1,
        ..pending[0].clone()
    };
    store.clear_lake_outbox(&[older]).await.expect("cleared");
    assert_eq!(store.lake_outbox().await.expect("outbox"), pending);
}

/// The store, lake and ingest bucket of `app` through clients that inject `faults`.
fn faulty_clients(
    app: &TestApp,
    faults: &Faults,
) -> (aws_sdk_dynamodb::Client, aws_sdk_s3::Client) {
    let dynamodb = portal_local::clients::dynamodb(&app.local.emulators.dynamodb_endpoint);
    let s3 = portal_local::clients::s3(&app.local.emulators.s3_endpoint);
    (faults.dynamodb(&dynamodb), faults.s3(&s3))
}

/// The analytics job of `app` through clients that inject `faults`.
fn faulty_job(app: &TestApp, faults: &Faults) -> analytics_job::Job {
    let (dynamodb, s3) = faulty_clients(app, faults);
    analytics_job::Job::new(
        &portal_store::Clients { dynamodb, s3 },
        portal_local::server::TABLE,
        portal_local::server::LAKE_BUCKET,
    )
}

fn faulty_push_target(app: &TestApp, faults: &Faults) -> Target {
    let (dynamodb, s3) = faulty_clients(app, faults);
    Target {
        store: portal_store::Store::new(
            dynamodb,
            s3.clone(),
            app.local.state.store.config().clone(),
        ),
        lake: Lake::new(s3, portal_local::server::LAKE_BUCKET),
        format: portal_lake::CSV,
        lake_outbox: true,
    }
}

/// Three orders of two lines each, as pushed rows: the lines (which wait for their orders),
/// then the headers.
fn three_orders() -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let mut lines = Vec::new();
    let mut headers = Vec::new();
    for n in 1..=3 {
        let id = format!("SO-F{n}");
        for (line, sku) in [(1, SKU_PUMP), (2, SKU_HOSE)] {
            lines.push(
                json!({"order_id": id, "line_no": line, "sku": sku, "quantity": n,
                              "unit_price": "5", "version": "2025-11-20T08:00:00Z"}),
            );
        }
        headers.push(json!({"order_id": id, "account_id": ACCOUNT_A, "po_number": format!("PO {id}"),
                            "division": "HYD", "currency": "EUR", "order_date": "2025-11-20",
                            "status": "confirmed", "net": "15.00", "version": "2025-11-20T08:00:00Z"}));
    }
    (lines, headers)
}

/// What the lake and the API show of the three orders: every line once, two lines an order.
async fn three_orders_are_whole(app: &TestApp) {
    let lines = lake_lines(app).await;
    assert_eq!(lines.len(), 6, "each line once: {lines:?}");
    for n in 1..=3 {
        let order = app.get(A_BUYER, &format!("/orders/SO-F{n}")).await;
        assert_eq!(order.status, 200, "{}", order.text);
        assert_eq!(order.body["line_count"], 2, "{}", order.text);
    }
    let pending = app.local.state.store.lake_outbox().await.expect("outbox");
    assert!(pending.is_empty(), "{pending:?}");
}

#[tokio::test]
async fn a_push_through_throttling_and_conflicting_transactions_is_written_once_with_every_row_counted()
 {
    let app = spawn_app().await;
    let faults = Faults::default();
    let target = faulty_push_target(&app, &faults);
    faults
        .fail("BatchGetItem", 2, Fault::Throttled)
        .fail("TransactWriteItems", 2, Fault::Throttled)
        .fail("TransactWriteItems", 1, Fault::Conflict { actions: 30 })
        .fail("PutObject", 2, Fault::ServerError);
    let (lines, headers) = three_orders();
    let now = Arrival::new(chrono::Utc::now(), "a test batch");
    for (entity, rows) in [(Entity::OrderLines, lines), (Entity::Orders, headers)] {
        let batch = target
            .ingest_batch(
                &info(entity, entity.name()),
                pushed_rows(entity, &rows, now),
            )
            .await
            .expect("the retries finish the batch");
        assert_eq!(batch.counts.loaded, rows.len() as u64, "{batch:?}");
        assert!(batch.counts.add_up());
    }
    let injected = faults.injected();
    for operation in ["BatchGetItem", "TransactWriteItems", "PutObject"] {
        assert!(injected.contains(&operation), "{injected:?}");
    }
    three_orders_are_whole(&app).await;
}

#[tokio::test]
async fn a_push_whose_writes_keep_failing_is_a_clear_error_and_its_retry_finishes_it_once() {
    let app = spawn_app().await;
    let faults = Faults::default();
    let target = faulty_push_target(&app, &faults);
    let (lines, headers) = three_orders();
    let now = Arrival::new(chrono::Utc::now(), "a test batch");
    let lines = pushed_rows(Entity::OrderLines, &lines, now);
    let headers = pushed_rows(Entity::Orders, &headers, now);
    target
        .ingest_batch(&info(Entity::OrderLines, "lines"), lines.clone())
        .await
        .expect("lines");
    // Every attempt the SDK makes fails: the call ends in an error naming the operation.
    faults.fail("TransactWriteItems", 3, Fault::ServerError);
    let error = target
        .ingest_batch(&info(Entity::Orders, "headers"), headers.clone())
        .await
        .expect_err("the writes fail");
    assert!(
        error.to_string().contains("TransactWriteItems")
            && error.to_string().contains("InternalServerError"),
        "{error}"
    );
    assert_eq!(faults.injected().len(), 3);
    app.get(A_BUYER, "/orders/SO-F1")
        .await
        .assert_problem(404, "not-found");
    // Transactions that keep conflicting run out of the store's retries the same way.
    faults.fail("TransactWriteItems", 20, Fault::Conflict { actions: 30 });
    let error = target
        .ingest_batch(&info(Entity::Orders, "headers"), headers.clone())
        .await
        .expect_err("the writes keep conflicting");
    assert!(error.to_string().contains("TransactionCanceled"), "{error}");
    faults.clear();
    // The retry (the same rows again) writes them once; replaying both batches changes nothing.
    let retried = target
        .ingest_batch(&info(Entity::Orders, "headers"), headers.clone())
        .await
        .expect("retried");
    assert_eq!(retried.counts.loaded, 3, "{retried:?}");
    three_orders_are_whole(&app).await;
    for (entity, rows) in [(Entity::OrderLines, lines), (Entity::Orders, headers)] {
        let replay = target
            .ingest_batch(&info(entity, "replay"), rows)
            .await
            .expect("replayed");
        assert_eq!(replay.counts.loaded, 0, "{replay:?}");
    }
    three_orders_are_whole(&app).await;
}

#[tokio::test]
async fn a_push_whose_answer_was_lost_is_written_once_when_the_sdk_retries_it() {
    let app = spawn_app().await;
    let faults = Faults::default();
    let target = faulty_push_target(&app, &faults);
    let (lines, headers) = three_orders();
    let now = Arrival::new(chrono::Utc::now(), "a test batch");
    // The transaction is done, its answer lost: the SDK sends it again, the store finds its
    // rows already there. (DynamoDB itself answers such a retry with success, by the request
    // token the SDK sends; the emulators do not keep tokens.)
    faults.fail("TransactWriteItems", 1, Fault::AnswerLost);
    for (entity, rows) in [(Entity::OrderLines, lines), (Entity::Orders, headers)] {
        let batch = target
            .ingest_batch(
                &info(entity, entity.name()),
                pushed_rows(entity, &rows, now),
            )
            .await
            .expect("the retry finishes the batch");
        assert_eq!(
            batch.counts.loaded + batch.counts.unchanged,
            rows.len() as u64,
            "{batch:?}"
        );
        assert!(batch.counts.add_up());
    }
    assert_eq!(faults.injected(), ["TransactWriteItems"]);
    three_orders_are_whole(&app).await;
}

#[tokio::test]
async fn a_dropped_file_whose_lake_write_fails_is_retried_whole_and_counted_once() {
    let app = spawn_app().await;
    let faults = Faults::default();
    let (dynamodb, s3) = faulty_clients(&app, &faults);
    let function = ingest_files::Ingestor::new(
        &portal_store::Clients { dynamodb, s3 },
        portal_local::server::TABLE,
        portal_local::server::DOCUMENTS_BUCKET,
        portal_local::server::LAKE_BUCKET,
        portal_local::server::INGEST_BUCKET,
    );
    let inbox = app.local.ingest_bucket();
    let (lines, headers) = three_orders();
    let jsonl = |rows: Vec<serde_json::Value>| -> Vec<u8> {
        rows.iter()
            .map(|r| format!("{r}\n"))
            .collect::<String>()
            .into_bytes()
    };
    let event = |key: &str| ingest_files::notification(portal_local::server::INGEST_BUCKET, key);
    let lines_key = "incoming/generic/order-lines/lines.jsonl";
    let orders_key = "incoming/generic/orders/orders.jsonl";
    inbox
        .put(lines_key, "application/x-ndjson", jsonl(lines))
        .await
        .expect("dropped");
    inbox
        .put(orders_key, "application/x-ndjson", jsonl(headers))
        .await
        .expect("dropped");
    function
        .handle(&event(lines_key))
        .await
        .expect("lines ingested");
    // Reading is retried past two server errors; the lake write fails on every attempt.
    faults
        .fail("GetObject", 2, Fault::ServerError)
        .fail("PutObject", 3, Fault::Throttled);
    let error = function
        .handle(&event(orders_key))
        .await
        .expect_err("the invocation fails, to be retried");
    assert!(error.to_string().contains("PutObject"), "{error}");
    assert!(
        inbox
            .get_if_exists("reports/generic/orders/orders.jsonl.report.json")
            .await
            .expect("s3")
            .is_none(),
        "no report for a file not done"
    );
    // Lambda's retry of the invocation finishes it: the rows are there already, the lake
    // gets them, the report adds up.
    let handled = function.handle(&event(orders_key)).await.expect("retried");
    let ingest_files::Handled::Ingested { report, .. } = &handled[0] else {
        panic!("{handled:?}");
    };
    assert!(report.counts_add_up, "{report:?}");
    assert_eq!((report.counts.rows_read, report.counts.unchanged), (3, 3));
    three_orders_are_whole(&app).await;
}

#[tokio::test]
async fn a_publish_that_fails_part_way_leaves_the_served_run_and_its_retry_publishes_it() {
    let app = spawn_app().await;
    let faults = Faults::default();
    let job = faulty_job(&app, &faults);
    portal_local::analytics::replace_order_lines(&app.local, crate::publish::history())
        .await
        .expect("lake written");
    let params = crate::publish::params();
    let served_before = crate::publish::served_run(&app).await;
    job.plan("f", params, 1).await.expect("planned");
    job.run_shard(
        "f",
        params,
        analytics::pipeline::Shard { index: 1, count: 1 },
    )
    .await
    .expect("shard");
    // Writing the run's items is throttled (retried), then every attempt to write fails.
    faults
        .fail("BatchWriteItem", 2, Fault::Throttled)
        .fail("PutItem", 3, Fault::ServerError);
    let error = job.publish("f").await.expect_err("the publish fails");
    assert!(error.to_string().contains("PutItem"), "{error}");
    assert_eq!(
        crate::publish::served_run(&app).await,
        served_before,
        "the run served before is served still"
    );
    // The state machine's retry of the step publishes the run.
    let published = job.publish("f").await.expect("retried");
    assert!(published.served);
    assert_eq!(crate::publish::served_run(&app).await, published.run_id);
    let injected = faults.injected();
    assert!(
        injected.contains(&"BatchWriteItem") && injected.contains(&"PutItem"),
        "{injected:?}"
    );
}

#[tokio::test]
async fn a_compaction_whose_deletes_fail_loses_and_doubles_no_line() {
    let app = spawn_app().await;
    let faults = Faults::default();
    let job = faulty_job(&app, &faults);
    // Two pushes' objects in one month.
    let target = faulty_push_target(&app, &faults);
    let (lines, headers) = three_orders();
    let now = Arrival::new(chrono::Utc::now(), "a test batch");
    for (entity, rows) in [(Entity::OrderLines, lines), (Entity::Orders, headers)] {
        target
            .ingest_batch(
                &info(entity, entity.name()),
                pushed_rows(entity, &rows, now),
            )
            .await
            .expect("pushed");
    }
    let more = pushed_rows(
        Entity::OrderLines,
        &[
            json!({"order_id": "SO-F1", "line_no": 3, "sku": SKU_PUMP, "quantity": 7,
                 "unit_price": "5", "version": "2025-11-21T08:00:00Z"}),
        ],
        now,
    );
    target
        .ingest_batch(&info(Entity::OrderLines, "more"), more)
        .await
        .expect("pushed");
    let before = lake_lines(&app).await;
    assert_eq!(before.len(), 7, "{before:?}");
    faults.fail("DeleteObject", 3, Fault::ServerError);
    let error = job.compact().await.expect_err("the deletes fail");
    assert!(error.to_string().contains("DeleteObject"), "{error}");
    assert_eq!(
        lake_lines(&app).await,
        before,
        "merged and sources: each line once"
    );
    let done = job.compact().await.expect("compacted");
    assert_eq!(done.months, 1, "{done:?}");
    assert_eq!(lake_lines(&app).await, before);
}
