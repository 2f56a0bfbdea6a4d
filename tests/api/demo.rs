//! The demo data, generated and loaded through the store, served like `portal demo` serves it.

use chrono::{Duration, NaiveDate, Utc};
use portal_local::demo::{
    self, DEMO_ADMIN, DEMO_APPROVER, DEMO_BUYER, DEMO_INTEGRATION, DEMO_MANAGER, DEMO_OTHER_BUYER,
    DEMO_VIEWER, DemoSpec,
};
use serde_json::Value;
use std::collections::BTreeSet;
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

    let kinds_of = |order: String| {
        let app = &app;
        async move {
            let documents = app
                .get(DEMO_BUYER, &format!("/orders/{order}/documents"))
                .await;
            let kinds: Vec<String> = documents
                .items()
                .iter()
                .filter_map(|d| d["kind"].as_str().map(str::to_owned))
                .collect();
            (documents, kinds)
        }
    };
    // An order invoiced in the last year has a confirmation, a delivery note and an invoice.
    let recent = app
        .get(
            DEMO_BUYER,
            "/orders?from=2026-02-01&to=2026-03-31&status=invoiced&limit=100",
        )
        .await;
    let order = recent.ids().pop().expect("an invoiced order of the spring");
    let (documents, kinds) = kinds_of(order.clone()).await;
    for kind in ["order-confirmation", "delivery-note", "invoice"] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{order} lacks a {kind}: {kinds:?}"
        );
    }
    // The demo's ERP keeps a year of confirmations and delivery notes.
    let oldest = app.get(DEMO_BUYER, "/orders?to=2025-01-31&limit=100").await;
    let order = oldest.ids().pop().expect("an order from the first month");
    let (_, kinds) = kinds_of(order.clone()).await;
    assert!(
        !kinds
            .iter()
            .any(|k| k == "order-confirmation" || k == "delivery-note"),
        "{order}: {kinds:?}"
    );
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

/// What the README's first requests are for, on the demo users' accounts, whatever the demo's
/// last day of history: recent orders at every stage, a shipment in transit with its tracking
/// events and a certificate of its batch to download, an invoice due and one overdue.
#[tokio::test]
async fn the_demo_users_accounts_show_orders_at_every_stage_on_any_day() {
    // Today (the default of `portal demo`), and a Monday, whose day before is a Sunday.
    let real_today = Utc::now().date_naive();
    for today in [
        real_today,
        NaiveDate::from_ymd_opt(2026, 6, 29).expect("date"),
    ] {
        let spec = DemoSpec { today, ..spec() };
        let app = spawn_app_with(|store| async move {
            demo::load(&store, demo::generate(&spec))
                .await
                .expect("demo data loads");
        })
        .await;
        for user in [DEMO_BUYER, DEMO_VIEWER, DEMO_OTHER_BUYER] {
            let on = format!("{user} on {today}");
            // The README's first example.
            let moving = app.get(user, "/orders?status=shipped,delivered").await;
            assert_eq!(moving.status, 200, "{}", moving.text);
            assert!(!moving.items().is_empty(), "{on}: {}", moving.text);

            let from = today - Duration::days(120);
            let recent = app
                .get(user, &format!("/orders?from={from}&limit=100"))
                .await;
            assert_eq!(recent.status, 200, "{}", recent.text);
            let statuses: BTreeSet<&str> = recent
                .items()
                .iter()
                .filter_map(|o| o["status"].as_str())
                .collect();
            for status in [
                "received",
                "confirmed",
                "in-production",
                "partially-shipped",
                "shipped",
                "delivered",
                "invoiced",
                "cancelled",
            ] {
                assert!(
                    statuses.contains(status),
                    "{on}: no {status} order: {statuses:?}"
                );
            }

            // A shipment in transit, with its tracking events and a certificate of its batch.
            let mut in_transit = None;
            for order in recent.items().iter().filter(|o| o["status"] == "shipped") {
                let id = order["id"].as_str().expect("id");
                for shipment in app
                    .get(user, &format!("/orders/{id}/shipments"))
                    .await
                    .ids()
                {
                    let shipment = app.get(user, &format!("/shipments/{shipment}")).await;
                    if shipment.body["status"] == "in-transit" {
                        in_transit = Some((id.to_owned(), shipment.body.clone()));
                    }
                }
            }
            let (order, shipment) =
                in_transit.unwrap_or_else(|| panic!("{on}: no shipment in transit"));
            let events = shipment["events"].as_array().cloned().unwrap_or_default();
            assert!(events.len() >= 3, "{on}: {shipment}");
            assert!(shipment["delivered_at"].is_null(), "{on}: {shipment}");
            let lines = app.get(user, &format!("/orders/{order}")).await.body["lines"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let shipped: Vec<&Value> = lines.iter().filter(|l| !l["batch"].is_null()).collect();
            let mut certificates = Vec::new();
            for line in shipped {
                let line_no = &line["line_no"];
                certificates.extend(
                    app.get(
                        user,
                        &format!("/orders/{order}/lines/{line_no}/certificates"),
                    )
                    .await
                    .ids(),
                );
            }
            let certificate = certificates
                .first()
                .unwrap_or_else(|| panic!("{on}: no certificate for the lines of {order}"));
            let link = app
                .get(user, &format!("/documents/{certificate}/download"))
                .await;
            assert_eq!(link.status, 200, "{}", link.text);
            let (status, bytes) = app.fetch(link.body["url"].as_str().expect("url")).await;
            assert_eq!(status, 200);
            assert!(bytes.starts_with(b"%PDF-"), "a PDF");

            // An invoice due after the last day of history and one overdue by then.
            let unpaid = app.get(user, "/invoices?status=unpaid&limit=100").await;
            assert_eq!(unpaid.status, 200, "{}", unpaid.text);
            let due: Vec<NaiveDate> = unpaid
                .items()
                .iter()
                .filter_map(|i| i["due_date"].as_str()?.parse().ok())
                .collect();
            assert!(
                due.iter().any(|d| *d >= today),
                "{on}: none due yet: {due:?}"
            );
            assert!(
                due.iter().any(|d| *d < today),
                "{on}: none overdue: {due:?}"
            );
            let balance = app.get(user, "/invoices/balance").await;
            assert_eq!(balance.status, 200, "{}", balance.text);
            let overdue: u64 = balance.body["balances"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| b["overdue_count"].as_u64())
                .sum();
            assert!(overdue >= 1, "{on}: {}", balance.text);
            if today == real_today {
                let open = app.get(user, "/invoices?status=open").await;
                assert!(!open.items().is_empty(), "{on}: {}", open.text);
            }
        }
    }
}

/// `portal bench-load` in short (five seconds): concurrent clients read as every demo user and
/// push through the integration API, and not one request fails.
#[tokio::test]
async fn a_short_load_of_reads_and_pushes_answers_every_request() {
    let data = demo::generate(&spec());
    let lines = portal_local::analytics::lake_lines(&data.records);
    let app = spawn_app_with(|store| async move {
        demo::load(&store, data).await.expect("demo data loads");
    })
    .await;
    portal_local::analytics::publish_demo_run(&app.local, lines, spec().today)
        .await
        .expect("the run is published");
    let plan = portal_local::bench_load::LoadPlan {
        clients: 4,
        duration: std::time::Duration::from_secs(5),
        reads_per_push: 5,
        push_rows: 5,
        baseline: std::time::Duration::from_millis(300),
    };
    let report = portal_local::bench_load::load(&app.local, &plan)
        .await
        .expect("the load runs");
    assert_eq!(report.errors(), 0, "{}", report.table());
    for route in &report.routes {
        assert!(
            route.requests > 0,
            "{} was never requested: {}",
            route.route,
            report.table()
        );
    }
}

/// The README's walkthrough of buying, on the demo data: a pasted list into a cart with its
/// rule violations named, a line fixed, the cart placed once, the order in the history and
/// confirmed by the ERP; a manager's replenishment cart for one of their accounts.
#[tokio::test]
async fn the_readmes_buying_walkthrough_works_on_the_demo_data() {
    let data = demo::generate(&spec());
    let lines = portal_local::analytics::lake_lines(&data.records);
    let app = spawn_app_with(|store| async move {
        demo::load(&store, data).await.expect("demo data loads");
    })
    .await;
    portal_local::analytics::publish_demo_run(&app.local, lines, spec().today)
        .await
        .expect("the run is published");
    demo::commerce::seed(&app.local)
        .await
        .expect("the demo's carts and approvals are made");
    let carts = app.get(DEMO_BUYER, "/carts").await;
    assert!(carts.items().len() >= 3, "{}", carts.text);
    let made = app
        .post_as(
            Some(DEMO_BUYER),
            "/carts",
            None,
            &serde_json::json!({"name": "Monday order"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let cart = made.body["id"].as_str().expect("id").to_owned();
    let pasted = "sku;quantity\nHYD-HH10000;3\nHYD-HP10003;2\nFAS-HB10004;7\nNO-SUCH-SKU;1\n";
    let filled: Value = reqwest::Client::new()
        .post(format!("{}/carts/{cart}/lines", app.url))
        .bearer_auth(app.token(DEMO_BUYER))
        .header("content-type", "text/csv")
        .header("if-match", "\"1\"")
        .body(pasted)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(filled["version"], 2, "{filled}");
    assert_eq!(filled["lines"][0]["sku"], "HYD-HP10003", "{filled}");
    let refused: Vec<&str> = filled["refused"]
        .as_array()
        .expect("refused")
        .iter()
        .filter_map(|r| r["error"]["code"].as_str())
        .collect();
    assert_eq!(
        refused,
        vec!["quantity-rule", "quantity-rule", "unknown-sku"],
        "{filled}"
    );
    let fixed = app
        .send(
            reqwest::Method::PUT,
            Some(DEMO_BUYER),
            &format!("/carts/{cart}/lines/HYD-HH10000"),
            &[],
            Some(&serde_json::json!({"version": 2, "quantity": 50})),
        )
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.text);
    let contract = fixed.body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .any(|l| l["source"]["level"] == "contract");
    assert!(
        contract,
        "the demo buyer's contract prices apply: {}",
        fixed.text
    );
    let placed = app
        .send(
            reqwest::Method::POST,
            Some(DEMO_BUYER),
            &format!("/carts/{cart}/order"),
            &[
                ("idempotency-key", "order-0001".to_owned()),
                ("if-match", "\"3\"".to_owned()),
            ],
            Some(&serde_json::json!({"po_number": "PO-DEMO-1"})),
        )
        .await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    let order = placed.body["orders"][0]["id"]
        .as_str()
        .expect("order")
        .to_owned();
    let submitted = app.get(DEMO_BUYER, "/orders?status=submitted").await;
    assert!(submitted.ids().contains(&order), "{}", submitted.text);
    let confirmed = app
        .post(
            DEMO_INTEGRATION,
            "/integration/order-status",
            "confirm-0001",
            &serde_json::json!({"rows": [{"order_id": order, "status": "confirmed",
                                          "at": Utc::now().to_rfc3339()}]}),
        )
        .await;
    assert_eq!(confirmed.body["loaded"], 1, "{}", confirmed.text);
    assert_eq!(
        app.get(DEMO_BUYER, &format!("/orders/{order}")).await.body["status"],
        "confirmed"
    );

    // The demo manager serves the demo buyer's account.
    let replenish = app
        .post_as(
            Some(DEMO_MANAGER),
            "/carts/replenishment",
            None,
            &serde_json::json!({ "account": "ACC-10001" }),
        )
        .await;
    assert_eq!(replenish.status, 201, "{}", replenish.text);
    assert_eq!(replenish.body["prepared_by"]["user"], DEMO_MANAGER);
    assert!(
        !replenish.body["lines"]
            .as_array()
            .expect("lines")
            .is_empty(),
        "{}",
        replenish.text
    );

    // The demo approver's queue holds the demo buyer's big order; approving releases it.
    let queue = app.get(DEMO_APPROVER, "/approvals").await;
    assert_eq!(queue.items().len(), 1, "{}", queue.text);
    let waiting = queue.items()[0]["order_id"]
        .as_str()
        .expect("order")
        .to_owned();
    let approved = app
        .send(
            reqwest::Method::POST,
            Some(DEMO_APPROVER),
            &format!("/orders/{waiting}/approve"),
            &[("if-match", "\"1\"".to_owned())],
            None,
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(approved.body["status"], "submitted");
}

/// The README's GraphQL request, as its curl line sends it (the JSON after `-d`).
fn readme_graphql_body() -> Value {
    let readme = include_str!("../../README.md");
    let line = readme
        .lines()
        .skip_while(|l| !l.contains("/graphql -H"))
        .find_map(|l| l.trim().strip_prefix("-d '"))
        .expect("the README has a GraphQL curl line");
    serde_json::from_str(line.trim_end_matches('\'')).expect("its body is JSON")
}

/// The README's GraphQL curl: a whole order page of the demo buyer in one request, and it is
/// registered, so that a deployment that runs only registered operations answers it too.
#[tokio::test]
async fn the_readmes_graphql_order_page_is_one_request_on_the_demo_data() {
    let app = spawn_app_with(|store| async move {
        demo::load(&store, demo::generate(&spec()))
            .await
            .expect("demo data loads");
    })
    .await;
    let body = readme_graphql_body();
    let query = body["query"].as_str().expect("query");
    assert!(
        graphql_api::persisted::registered().contains_key(&graphql_api::persisted::hash(query)),
        "the README's query is in persisted-queries.json"
    );
    let reply = app.post_as(Some(DEMO_BUYER), "/graphql", None, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.body.get("errors").is_none(), "{}", reply.text);
    let order = &reply.body["data"]["orders"]["nodes"][0];
    assert_eq!(order["status"], "INVOICED", "{}", reply.text);
    let lines = order["lines"].as_array().expect("lines");
    assert!(!lines.is_empty() && lines.iter().all(|l| l["product"]["name"].is_string()));
    assert!(
        !order["shipments"]["nodes"]
            .as_array()
            .expect("shipments")
            .is_empty()
    );
    assert!(
        !order["shipments"]["nodes"][0]["events"]
            .as_array()
            .expect("events")
            .is_empty()
    );
    assert!(
        !order["documents"]["nodes"]
            .as_array()
            .expect("documents")
            .is_empty()
    );
    assert!(
        !order["invoices"].as_array().expect("invoices").is_empty(),
        "{}",
        reply.text
    );
}
