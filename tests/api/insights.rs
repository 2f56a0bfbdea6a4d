//! Serving the analytics run: reorder suggestions, worklists, forecasts and the run's metrics.

use tests::fixture::*;
use tests::{spawn_app, spawn_app_with};

fn skus(reply: &tests::Reply) -> Vec<String> {
    reply
        .items()
        .iter()
        .map(|i| i["sku"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_buyer_sees_their_accounts_suggestions_due_first_with_reasons_and_the_run() {
    let app = spawn_app().await;
    let reply = app.get(A_BUYER, "/reorder-suggestions").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(skus(&reply), vec![DUE_SKU_A, LAPSING_SKU_A]);
    assert_eq!(reply.body["run_id"], RUN_ID);
    assert_eq!(reply.body["as_of"], "2024-06-01");
    let first = &reply.items()[0];
    assert_eq!(first["status"], "due");
    assert_eq!(first["account_id"], ACCOUNT_A);
    assert!(first["reason"].as_str().is_some_and(|r| !r.is_empty()));
    for field in ["p_reorder", "expected_quantity", "suggested_quantity"] {
        assert!(first[field].is_number(), "{field}: {first}");
    }

    let lapsing = app
        .get(A_BUYER, "/reorder-suggestions?status=lapsing")
        .await;
    assert_eq!(skus(&lapsing), vec![LAPSING_SKU_A]);
    app.get(A_BUYER, "/reorder-suggestions?status=late")
        .await
        .assert_problem(400, "invalid-parameter");
}

#[tokio::test]
async fn suggestions_page_with_cursors_and_staff_must_name_the_account() {
    let app = spawn_app().await;
    let first = app.get(A_VIEWER, "/reorder-suggestions?limit=1").await;
    assert_eq!(skus(&first), vec![DUE_SKU_A]);
    let cursor = first.body["next_cursor"].as_str().expect("a second page");
    let second = app
        .get(
            A_VIEWER,
            &format!("/reorder-suggestions?limit=1&cursor={cursor}"),
        )
        .await;
    assert_eq!(skus(&second), vec![LAPSING_SKU_A]);
    app.get(ADMIN, "/reorder-suggestions")
        .await
        .assert_problem(400, "account-required");
}

#[tokio::test]
async fn the_worklist_lists_a_managers_accounts_with_outlooks_and_urgent_items() {
    let app = spawn_app().await;
    let reply = app.get(MANAGER_A, "/worklist").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let accounts: Vec<&str> = reply
        .items()
        .iter()
        .filter_map(|a| a["account_id"].as_str())
        .collect();
    assert_eq!(accounts, vec![ACCOUNT_A], "only the assigned account");
    let a = &reply.items()[0];
    assert_eq!(
        (a["due"].as_u64(), a["lapsing"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        a["at_risk"], false,
        "A still orders: a lapsing product is no risk"
    );
    assert_eq!(a["silent_days"], 2);
    let listed: Vec<&str> = a["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .filter_map(|s| s["sku"].as_str())
        .collect();
    assert_eq!(listed, vec![DUE_SKU_A, LAPSING_SKU_A]);
}

#[tokio::test]
async fn an_admins_worklist_spans_every_account_filters_by_risk_and_pages_by_account() {
    let app = spawn_app().await;
    let all = app.get(ADMIN, "/worklist").await;
    let ids = |r: &tests::Reply| -> Vec<String> {
        r.items()
            .iter()
            .filter_map(|a| a["account_id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(ids(&all), vec![ACCOUNT_A, ACCOUNT_B]);
    let risky = app.get(ADMIN, "/worklist?at_risk=true").await;
    assert_eq!(
        ids(&risky),
        vec![ACCOUNT_B],
        "silent for an improbably long time"
    );
    assert_eq!(
        risky.items()[0]["risk"],
        "no order of anything for 31 days: at its usual pace that happens about once in 5,000"
    );
    assert_eq!(risky.items()[0]["silence_chance"], 0.0002);
    let first_risky = app.get(ADMIN, "/worklist?at_risk=true&limit=1").await;
    assert_eq!(
        ids(&first_risky),
        vec![ACCOUNT_B],
        "the filter applies before paging: no empty first page"
    );
    assert!(first_risky.body["next_cursor"].is_null());
    let calm = app.get(ADMIN, "/worklist?at_risk=false").await;
    assert_eq!(ids(&calm), vec![ACCOUNT_A]);
    let lapsing = app
        .get(ADMIN, "/worklist?status=lapsing&per_account=1")
        .await;
    let b = &lapsing.items()[1];
    assert_eq!(
        b["suggestions"][0]["sku"], SKU_BOLT,
        "B is at risk: to staff, its overdue product is lapsing too"
    );
    assert_eq!(b["suggestions"].as_array().map(Vec::len), Some(1));
    let overdue = app.get(ADMIN, "/worklist?status=overdue").await;
    assert_eq!(
        overdue.items()[1]["suggestions"],
        serde_json::json!([]),
        "nothing of an account at risk is overdue to staff"
    );

    let page1 = app.get(ADMIN, "/worklist?limit=1").await;
    assert_eq!(ids(&page1), vec![ACCOUNT_A]);
    let cursor = page1.body["next_cursor"].as_str().expect("more accounts");
    let page2 = app
        .get(ADMIN, &format!("/worklist?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(ids(&page2), vec![ACCOUNT_B]);

    for bad in [
        "/worklist?per_account=0",
        "/worklist?at_risk=maybe",
        "/worklist?status=soon",
    ] {
        app.get(ADMIN, bad)
            .await
            .assert_problem(400, "invalid-parameter");
    }
}

#[tokio::test]
async fn customers_of_an_account_at_risk_see_their_products_own_status_and_staff_the_risk() {
    let app = spawn_app().await;
    // B has been silent improbably long: the seller's staff see every product lapsing and why.
    let staff = app
        .get(
            MANAGER_B,
            &format!("/reorder-suggestions?account={ACCOUNT_B}"),
        )
        .await;
    assert_eq!(staff.status, 200, "{}", staff.text);
    assert_eq!(staff.items().len(), 3, "{}", staff.text);
    for s in staff.items() {
        assert_eq!(s["status"], "lapsing", "{s}");
        assert!(
            s["reason"]
                .as_str()
                .is_some_and(|r| r.ends_with("; the account has ordered nothing for 31 days")),
            "{s}"
        );
    }
    let staff_overdue = app
        .get(
            ADMIN,
            &format!("/reorder-suggestions?account={ACCOUNT_B}&status=overdue"),
        )
        .await;
    assert!(staff_overdue.items().is_empty(), "{}", staff_overdue.text);
    let worklist = app.get(MANAGER_B, "/worklist").await;
    let b = &worklist.items()[0];
    assert_eq!(b["at_risk"], true);
    assert!(
        b["suggestions"]
            .as_array()
            .is_some_and(|l| l.len() == 3 && l.iter().all(|s| s["status"] == "lapsing")),
        "{b}"
    );

    // B's own buyer sees each product as it stands, with no word of the seller's judgement.
    let own = app.get(B_BUYER, "/reorder-suggestions").await;
    assert_eq!(own.status, 200, "{}", own.text);
    let statuses: Vec<(&str, &str)> = own
        .items()
        .iter()
        .map(|s| {
            (
                s["sku"].as_str().unwrap_or_default(),
                s["status"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            (SKU_BOLT, "overdue"),
            (SKU_HOSE, "lapsing"),
            (SKU_PUMP, "lapsing")
        ],
        "{}",
        own.text
    );
    for word in ["ordered nothing", "at risk", "silence", "risk"] {
        assert!(!own.text.contains(word), "{word}: {}", own.text);
    }
    let overdue = app
        .get(B_BUYER, "/reorder-suggestions?status=overdue")
        .await;
    assert_eq!(skus(&overdue), [SKU_BOLT]);
}

#[tokio::test]
async fn a_run_published_with_the_risk_in_its_reasons_does_not_show_it_to_customers() {
    // Runs published before suggestions kept their own reasons carry the account's clause.
    let app = spawn_app_with(|store| async move {
        load(&store).await;
        serve_newer_run(&store, "old", |items| {
            for s in &mut items.suggestions {
                if s.account_id.as_str() == ACCOUNT_B {
                    s.status = portal_domain::insights::ReorderStatus::Lapsing;
                    s.reason = format!("{}; the account has ordered nothing for 31 days", s.reason);
                }
            }
        })
        .await;
    })
    .await;
    let own = app.get(B_BUYER, "/reorder-suggestions").await;
    assert_eq!(own.items().len(), 3, "{}", own.text);
    assert!(!own.text.contains("ordered nothing"), "{}", own.text);
    let staff = app
        .get(
            MANAGER_B,
            &format!("/reorder-suggestions?account={ACCOUNT_B}"),
        )
        .await;
    for s in staff.items() {
        let reason = s["reason"].as_str().unwrap_or_default();
        assert_eq!(
            reason.matches("ordered nothing").count(),
            1,
            "said once: {reason}"
        );
    }
}

#[tokio::test]
async fn a_managers_worklist_pages_over_assigned_accounts_with_its_own_cursor() {
    let app = spawn_app().await;
    let page = app.get(MANAGER_B, "/worklist?limit=1").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.body["next_cursor"].is_null(),
        "manager B has one account"
    );
    let risky = app.get(MANAGER_B, "/worklist?at_risk=true&limit=1").await;
    assert_eq!(risky.items().len(), 1, "B is at risk: {}", risky.text);
    let calm = app.get(MANAGER_A, "/worklist?at_risk=true").await;
    assert!(calm.items().is_empty(), "A is not at risk: {}", calm.text);
    // A cursor is bound to its caller: an admin cannot replay a manager's and vice versa.
    let admin_page = app.get(ADMIN, "/worklist?limit=1").await;
    let cursor = admin_page.body["next_cursor"].as_str().expect("cursor");
    app.get(MANAGER_B, &format!("/worklist?limit=1&cursor={cursor}"))
        .await
        .assert_problem(400, "invalid-cursor");
}

#[tokio::test]
async fn staff_read_forecasts_per_sku_and_division_and_customers_may_not() {
    let app = spawn_app().await;
    let all = app.get(ADMIN, "/forecasts").await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(skus(&all), vec![SKU_BOLT, SKU_HOSE, SKU_HOSE]);
    let period = &all.items()[0]["periods"][0];
    for q in ["mean", "q50", "q90", "q95"] {
        assert!(period[q].is_number(), "{q}: {period}");
    }
    assert_eq!(period["period_start"], "2024-06-01");
    let hyd = app.get(MANAGER_A, "/forecasts?division=HYD").await;
    assert_eq!(skus(&hyd), vec![SKU_HOSE]);
    let prefix = app.get(MANAGER_A, "/forecasts?sku_prefix=fas").await;
    assert_eq!(skus(&prefix), vec![SKU_BOLT]);

    let one = app.get(ADMIN, &format!("/forecasts/{SKU_HOSE}")).await;
    assert_eq!(one.status, 200, "{}", one.text);
    let forecasts = one.body["forecasts"].as_array().expect("forecasts");
    assert_eq!(forecasts.len(), 2);
    assert!(forecasts[0]["division"].is_null(), "the total first");
    assert_eq!(forecasts[1]["division"], "HYD");
    app.get(ADMIN, "/forecasts/NO-SUCH-SKU")
        .await
        .assert_problem(404, "not-found");

    for user in [A_BUYER, A_VIEWER, A_ACCOUNT_ADMIN] {
        app.get(user, "/forecasts")
            .await
            .assert_problem(403, "forbidden");
        app.get(user, "/worklist")
            .await
            .assert_problem(403, "forbidden");
        app.get(user, "/analytics/run")
            .await
            .assert_problem(403, "forbidden");
    }
}

#[tokio::test]
async fn staff_read_the_current_runs_metrics() {
    let app = spawn_app().await;
    let run = app.get(MANAGER_A, "/analytics/run").await;
    assert_eq!(run.status, 200, "{}", run.text);
    assert_eq!(run.body["run_id"], RUN_ID);
    assert_eq!(
        run.body["report"]["metrics"]["reorder"]["calibrated"]["pr_auc"],
        0.7
    );
}

#[tokio::test]
async fn before_any_run_is_published_the_routes_say_so() {
    let app = spawn_app_with(|store| async move {
        store.put_records(&records()).await.expect("records");
    })
    .await;
    for (user, uri) in [(A_BUYER, "/reorder-suggestions"), (MANAGER_A, "/worklist")] {
        let reply = app.get(user, uri).await;
        reply.assert_problem(404, "not-found");
        assert!(reply.text.contains("analytics run"), "{}", reply.text);
    }
    app.get(ADMIN, "/analytics/run")
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn a_cursor_of_a_run_that_was_replaced_asks_the_client_to_start_the_list_again() {
    let app = spawn_app().await;
    let lists = [
        (ADMIN, "/worklist?limit=1".to_owned()),
        (
            MANAGER_A,
            format!("/reorder-suggestions?account={ACCOUNT_A}&limit=1"),
        ),
        (ADMIN, "/forecasts?limit=1".to_owned()),
    ];
    let mut cursors = Vec::new();
    for (user, list) in &lists {
        let first = app.get(user, list).await;
        assert_eq!(first.status, 200, "{list}: {}", first.text);
        let cursor = first.body["next_cursor"]
            .as_str()
            .unwrap_or_else(|| panic!("{list} has a second page: {}", first.text))
            .to_owned();
        // The cursor pages on while the run is served.
        let next = app.get(user, &format!("{list}&cursor={cursor}")).await;
        assert_eq!(next.status, 200, "{list}: {}", next.text);
        cursors.push(cursor);
    }
    let graphql_cursor = {
        let reply = app
            .post_as(
                Some(ADMIN),
                "/graphql",
                None,
                &serde_json::json!({ "query": "{ forecasts(first: 1) { edges { cursor } } }" }),
            )
            .await;
        reply.body["data"]["forecasts"]["edges"][0]["cursor"]
            .as_str()
            .expect("an edge's cursor")
            .to_owned()
    };

    // A newer run is published and served while the clients page.
    let run = serve_newer_run(&app.local.state.store, "next", |_| {}).await;

    for ((user, list), cursor) in lists.iter().zip(&cursors) {
        let stale = app.get(user, &format!("{list}&cursor={cursor}")).await;
        stale.assert_problem(409, "run-replaced");
        let detail = stale.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(RUN_ID) && detail.contains(&run.run_id) && detail.contains("again"),
            "{list}: {detail}"
        );
        assert_eq!(app.get(user, list).await.status, 200, "{list} starts again");
    }
    let reply = app
        .post_as(
            Some(ADMIN),
            "/graphql",
            None,
            &serde_json::json!({
                "query": "query($after: String) { forecasts(first: 1, after: $after) { runId } }",
                "variables": { "after": graphql_cursor },
            }),
        )
        .await;
    assert_eq!(
        reply.body["errors"][0]["extensions"]["code"], "RUN_REPLACED",
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn one_divisions_forecasts_are_read_from_that_divisions_partition_alone() {
    let app = spawn_app().await;
    let before = app.recorder.calls().len();
    let hyd = app.get(MANAGER_A, "/forecasts?division=HYD").await;
    assert_eq!(hyd.status, 200, "{}", hyd.text);
    assert!(!hyd.items().is_empty());
    assert!(
        hyd.items().iter().all(|f| f["division"] == "HYD"),
        "{}",
        hyd.text
    );
    let queries: Vec<serde_json::Value> = app.recorder.calls()[before..]
        .iter()
        .filter(|c| c.function == "insights-api")
        .filter(|c| c.target.as_deref().is_some_and(|t| t.ends_with(".Query")))
        .filter_map(|c| serde_json::from_slice::<serde_json::Value>(c.body.as_deref()?).ok())
        .filter(|q| q.to_string().contains("#FORECASTS"))
        .collect();
    assert!(!queries.is_empty());
    for query in &queries {
        assert_eq!(query["IndexName"], "GSI1", "{query}");
        assert!(
            query.get("FilterExpression").is_none(),
            "no filter: {query}"
        );
    }
    assert!(
        queries.iter().any(|q| q
            .to_string()
            .contains(&format!("RUN#{RUN_ID}#FORECASTS#DIVISION#HYD"))),
        "{queries:?}"
    );
}

#[tokio::test]
async fn a_run_published_before_forecasts_were_indexed_by_division_is_filtered_as_before() {
    let app = spawn_app().await;
    // Take the index entries off the served run's forecasts, as a run published before had.
    let client = portal_local::clients::dynamodb(&app.local.emulators.dynamodb_endpoint);
    let table = portal_local::server::TABLE;
    let forecasts = client
        .query()
        .table_name(table)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("RUN#{RUN_ID}#FORECASTS")),
        )
        .send()
        .await
        .expect("queried");
    assert!(!forecasts.items().is_empty());
    for item in forecasts.items() {
        client
            .update_item()
            .table_name(table)
            .key("PK", item["PK"].clone())
            .key("SK", item["SK"].clone())
            .update_expression("REMOVE GSI1PK, GSI1SK")
            .send()
            .await
            .expect("updated");
    }
    let hyd = app.get(MANAGER_A, "/forecasts?division=HYD").await;
    assert_eq!(hyd.status, 200, "{}", hyd.text);
    assert!(!hyd.items().is_empty());
    assert!(
        hyd.items().iter().all(|f| f["division"] == "HYD"),
        "{}",
        hyd.text
    );
}

#[tokio::test]
async fn an_account_silent_longer_than_usual_is_on_watch_before_it_is_at_risk() {
    // A has been silent 20 days, a 1-in-50 silence at its pace: on watch; B is at risk.
    let app = spawn_app_with(|store| async move {
        load(&store).await;
        serve_newer_run(&store, "watch", |items| {
            for o in &mut items.outlooks {
                if o.account_id.as_str() == ACCOUNT_A {
                    let silence = portal_domain::insights::AccountSilence {
                        days: 20,
                        chance: 0.02,
                    };
                    *o = portal_domain::insights::AccountOutlook::from_suggestions(
                        o.account_id.clone(),
                        items
                            .suggestions
                            .iter()
                            .filter(|s| s.account_id == o.account_id)
                            .map(|s| s.status),
                        Some(silence),
                    );
                }
            }
        })
        .await;
    })
    .await;
    let watched = app.get(ADMIN, "/worklist?watch=true").await;
    assert_eq!(watched.status, 200, "{}", watched.text);
    let ids: Vec<&str> = watched
        .items()
        .iter()
        .filter_map(|a| a["account_id"].as_str())
        .collect();
    assert_eq!(ids, [ACCOUNT_A]);
    let a = &watched.items()[0];
    assert_eq!(
        (a["watch"].as_bool(), a["at_risk"].as_bool()),
        (Some(true), Some(false))
    );
    assert!(
        a["risk"].as_str().is_some_and(|r| r.contains("once in 50")),
        "{a}"
    );
    let others = app.get(ADMIN, "/worklist?watch=false").await;
    let ids: Vec<&str> = others
        .items()
        .iter()
        .filter_map(|a| a["account_id"].as_str())
        .collect();
    assert_eq!(ids, [ACCOUNT_B], "B is at risk, not on watch");
    // A manager sees it too, and the graph filters alike.
    let mine = app.get(MANAGER_A, "/worklist?watch=true").await;
    assert_eq!(mine.items().len(), 1, "{}", mine.text);
    app.get(ADMIN, "/worklist?watch=maybe")
        .await
        .assert_problem(400, "invalid-parameter");
    let graph = app
        .post_as(
            Some(ADMIN),
            "/graphql",
            None,
            &serde_json::json!({
                "query": "{ worklist(watch: true) { nodes { outlook { accountId watch atRisk } } } }"
            }),
        )
        .await;
    assert_eq!(
        graph.body["data"]["worklist"]["nodes"],
        serde_json::json!([{ "outlook": { "accountId": ACCOUNT_A, "watch": true, "atRisk": false } }]),
        "{}",
        graph.text
    );
}
