//! The demo data, generated and loaded through the store, served like `portal demo` serves it.

use chrono::NaiveDate;
use portal_local::demo::{self, DEMO_BUYER, DEMO_MANAGER, DemoSpec};
use tests::spawn_app_with;

fn spec() -> DemoSpec {
    DemoSpec {
        seed: 11,
        accounts: 6,
        skus: 60,
        order_lines: 2_000,
        years: 2,
        today: NaiveDate::from_ymd_opt(2026, 6, 30).expect("date"),
    }
}

#[tokio::test]
async fn the_demo_buyer_sees_their_accounts_orders_documents_and_files() {
    let app = spawn_app_with(|store| async move {
        demo::load(&store, demo::generate(&spec()))
            .await
            .expect("demo data loads");
    })
    .await;
    let orders = app.get(DEMO_BUYER, "/orders").await;
    assert_eq!(orders.status, 200, "{}", orders.text);
    assert_eq!(
        orders.items().len(),
        20,
        "the demo buyer has a full first page"
    );
    assert!(
        orders
            .items()
            .iter()
            .all(|o| o["account_id"] == "ACC-10001")
    );
    app.get(DEMO_BUYER, "/orders?account=ACC-10002")
        .await
        .assert_problem(404, "not-found");

    // The oldest orders are invoiced: they have a confirmation, a delivery note and an invoice.
    let oldest = app.get(DEMO_BUYER, "/orders?to=2025-01-31&limit=100").await;
    let order = oldest.ids().pop().expect("an order from the first month");
    let documents = app
        .get(DEMO_BUYER, &format!("/orders/{order}/documents"))
        .await;
    let kinds: Vec<&str> = documents
        .items()
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    for kind in ["order-confirmation", "delivery-note", "invoice"] {
        assert!(kinds.contains(&kind), "{order} lacks a {kind}: {kinds:?}");
    }
    let link = app
        .get(
            DEMO_BUYER,
            &format!("/documents/{}/download", documents.ids()[0]),
        )
        .await;
    let (status, bytes) = app.fetch(link.body["url"].as_str().expect("url")).await;
    assert_eq!(status, 200);
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");

    let manager = app.get(DEMO_MANAGER, "/me").await;
    assert!(
        manager.body["accounts"]
            .as_array()
            .is_some_and(|a| a.contains(&"ACC-10001".into()))
    );
    assert_eq!(
        app.get(DEMO_MANAGER, "/orders?account=ACC-10001")
            .await
            .status,
        200
    );
}
