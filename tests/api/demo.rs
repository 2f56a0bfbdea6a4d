//! The demo data, generated and loaded through the store, served like `portal demo` serves it.

use chrono::NaiveDate;
use portal_local::demo::{self, DEMO_ADMIN, DEMO_BUYER, DEMO_MANAGER, DemoSpec};
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

#[tokio::test]
async fn the_demo_publishes_an_analytics_run_that_buyers_and_managers_see_scoped() {
    let data = demo::generate(&spec());
    let lines = portal_local::analytics::lake_lines(&data.records);
    let app = spawn_app_with(|store| async move {
        demo::load(&store, data).await.expect("demo data loads");
    })
    .await;
    let (months, published) =
        portal_local::analytics::publish_demo_run(&app.local, lines, spec().today)
            .await
            .expect("the run is published");
    assert!(months >= 24, "two years of monthly lake objects: {months}");
    assert!(published.served);

    let run = app.get(DEMO_MANAGER, "/analytics/run").await;
    assert_eq!(run.status, 200, "{}", run.text);
    assert_eq!(run.body["as_of"], "2026-06-30");
    assert!(
        run.body["report"]["input"]["last_order_date_used"]
            .as_str()
            .is_some_and(|d| d < "2026-06-30"),
        "only history before as-of: {}",
        run.body["report"]["input"]
    );

    let suggestions = app.get(DEMO_BUYER, "/reorder-suggestions?limit=100").await;
    assert_eq!(suggestions.status, 200, "{}", suggestions.text);
    let items = suggestions.items();
    assert!(!items.is_empty());
    assert!(items.iter().all(|s| s["account_id"] == "ACC-10001"));
    let ranks: Vec<usize> = items
        .iter()
        .map(|s| {
            ["due", "overdue", "lapsing", "not-yet-due"]
                .iter()
                .position(|st| s["status"] == *st)
                .expect("a known status")
        })
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "due first: {ranks:?}"
    );

    let me = app.get(DEMO_MANAGER, "/me").await;
    let assigned = me.body["accounts"].as_array().cloned().unwrap_or_default();
    let worklist = app.get(DEMO_MANAGER, "/worklist?limit=100").await;
    assert_eq!(worklist.status, 200, "{}", worklist.text);
    assert!(!worklist.items().is_empty());
    for account in worklist.items() {
        assert!(
            assigned.contains(&account["account_id"]),
            "{} is not assigned to the manager",
            account["account_id"]
        );
    }

    // The sixth customer is a lost one: it stopped buying months before today.
    let risky = app.get(DEMO_ADMIN, "/worklist?at_risk=true").await;
    assert_eq!(risky.status, 200, "{}", risky.text);
    let lost = risky
        .items()
        .iter()
        .find(|a| a["account_id"] == "ACC-10006")
        .unwrap_or_else(|| panic!("the lost customer is at risk: {}", risky.text));
    assert!(
        lost["risk"]
            .as_str()
            .is_some_and(|r| r.starts_with("no order of anything for")),
        "{lost}"
    );
    assert_eq!(
        risky.items().len(),
        1,
        "customers that still buy are not at risk: {}",
        risky.text
    );

    let forecasts = app.get(DEMO_MANAGER, "/forecasts?limit=3").await;
    assert_eq!(forecasts.items().len(), 3, "{}", forecasts.text);
    app.get(DEMO_BUYER, "/forecasts")
        .await
        .assert_problem(403, "forbidden");
}
