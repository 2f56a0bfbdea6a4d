//! Faults on the write paths: a store step that fails part way ends in a retry that finishes the
//! work or a clear error, with every row accounted for and nothing lost or written twice.

use ingest::read::pushed_rows;
use ingest::{Entity, FileInfo, IngestError, Target};
use portal_store::Lake;
use serde_json::json;
use tests::fixture::*;
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
    let now = chrono::Utc::now();
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
    let compacted = job.plan("job-outbox").await.expect("planned");
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
        chrono::Utc::now(),
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
