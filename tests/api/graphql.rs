//! The GraphQL API: the schema file, the order page in one request, the cross-account matrix
//! over every field that takes an id or an account, round trips, cost limits and errors.

use serde_json::{Value, json};
use tests::fixture::*;
use tests::{Reply, TestApp, spawn_app};

/// POSTs `query` with `variables` to `/graphql` as `user`.
async fn gql(app: &TestApp, user: &str, query: &str, variables: Value) -> Reply {
    app.post_as(
        Some(user),
        "/graphql",
        None,
        &json!({ "query": query, "variables": variables }),
    )
    .await
}

/// The codes of an answer's errors, with their paths' first field.
fn error_codes(reply: &Reply) -> Vec<(String, String)> {
    reply.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["path"][0].as_str().unwrap_or_default().to_owned(),
                        e["extensions"]["code"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn assert_no_foreign_data(reply: &Reply, context: &str) {
    for marker in FOREIGN_MARKERS {
        assert!(
            !reply.text.contains(marker),
            "{context}: the answer mentions {marker}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn the_schema_file_is_the_schema_the_code_builds() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let built = graphql_api::sdl();
    if std::env::var_os("PORTAL_WRITE_SCHEMA").is_some() {
        std::fs::write(path, &built).expect("write schema.graphql");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == built,
        "schema.graphql differs from the schema the code builds; if the change is meant, \
         regenerate it: PORTAL_WRITE_SCHEMA=1 cargo test -p tests --test api graphql::the_schema"
    );
}

#[tokio::test]
async fn an_order_page_is_one_request_with_lines_products_shipments_documents_and_invoices() {
    let app = spawn_app().await;
    let reply = gql(
        &app,
        A_BUYER,
        &operation("OrderPage"),
        json!({ "id": ORDER_A }),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.body.get("errors").is_none(), "{}", reply.text);
    let order = &reply.body["data"]["order"];
    assert_eq!(order["id"], ORDER_A);
    let lines = order["lines"].as_array().expect("lines");
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| l["product"]["name"].is_string()),
        "every line shows its product: {}",
        reply.text
    );
    let shipments = order["shipments"]["nodes"].as_array().expect("shipments");
    assert_eq!(shipments[0]["id"], SHIPMENT_A);
    assert_eq!(shipments[0]["trackingNumber"], TRACKING_A);
    let documents = order["documents"]["nodes"].as_array().expect("documents");
    assert!(
        documents.iter().any(|d| d["id"] == DOCUMENT_A),
        "{}",
        reply.text
    );
    assert!(
        documents.iter().all(|d| d["download"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http"))),
        "each document has a download link: {}",
        reply.text
    );
    let cost = &reply.body["extensions"]["cost"];
    assert!(
        cost["requestedQueryCost"].as_u64().is_some_and(|c| c > 0),
        "{}",
        reply.text
    );
    assert!(
        cost["actualQueryCost"].as_u64().is_some_and(|c| c > 0),
        "{}",
        reply.text
    );
    assert_eq!(cost["maximumAvailable"], graphql_api::cost::MAX_COST as u64);
    assert_no_foreign_data(&reply, "A's order page");
}

/// Every query field that takes an id or an account, aimed at B's objects.
fn foreign_fields() -> Vec<(&'static str, String)> {
    vec![
        ("order", format!(r#"order(id: "{ORDER_B}") {{ id }}"#)),
        (
            "shipment",
            format!(r#"shipment(id: "{SHIPMENT_B}") {{ id }}"#),
        ),
        ("invoice", format!(r#"invoice(id: "{INVOICE_B}") {{ id }}"#)),
        (
            "document",
            format!(r#"document(id: "{DOCUMENT_B}") {{ id }}"#),
        ),
        (
            "account",
            format!(r#"account(id: "{ACCOUNT_B}") {{ id name }}"#),
        ),
        (
            "orders",
            format!(r#"orders(account: "{ACCOUNT_B}") {{ nodes {{ id }} }}"#),
        ),
        (
            "invoices",
            format!(r#"invoices(account: "{ACCOUNT_B}") {{ nodes {{ id }} }}"#),
        ),
        (
            "openBalance",
            format!(r#"openBalance(account: "{ACCOUNT_B}") {{ accountId }}"#),
        ),
        (
            "reorderSuggestions",
            format!(r#"reorderSuggestions(account: "{ACCOUNT_B}") {{ nodes {{ sku }} }}"#),
        ),
        (
            "certificates",
            format!(r#"certificates(batch: "{BATCH_B}") {{ id }}"#),
        ),
    ]
}

#[tokio::test]
async fn another_accounts_objects_are_null_with_not_found_for_every_role_of_account_a() {
    let app = spawn_app().await;
    for user in A_SIDE {
        for (field, selection) in foreign_fields() {
            let reply = gql(&app, user, &format!("{{ {selection} }}"), json!({})).await;
            let context = format!("{user} {selection}");
            assert_eq!(reply.status, 200, "{context}: {}", reply.text);
            assert!(
                reply.body["data"].is_null() || reply.body["data"][field].is_null(),
                "{context}: {}",
                reply.text
            );
            assert_eq!(
                error_codes(&reply),
                vec![(field.to_owned(), "NOT_FOUND".to_owned())],
                "{context}: {}",
                reply.text
            );
            assert_no_foreign_data(&reply, &context);
        }
        // Lists by a value B's objects carry find none of them.
        let reply = gql(
            &app,
            user,
            &format!(r#"{{ shipments(trackingNumber: "{TRACKING_B}") {{ nodes {{ id }} }} }}"#),
            json!({}),
        )
        .await;
        assert_eq!(
            reply.body["data"]["shipments"]["nodes"],
            json!([]),
            "{user}: {}",
            reply.text
        );
        assert_no_foreign_data(&reply, &format!("{user} shipments by B's tracking number"));
    }
}

#[tokio::test]
async fn a_mixed_query_answers_what_the_caller_may_see_and_nulls_the_rest() {
    let app = spawn_app().await;
    let query = format!(
        r#"{{ mine: order(id: "{ORDER_A}") {{ id }} theirs: order(id: "{ORDER_B}") {{ id }} }}"#
    );
    let reply = gql(&app, A_VIEWER, &query, json!({})).await;
    assert_eq!(reply.body["data"]["mine"]["id"], ORDER_A, "{}", reply.text);
    assert!(reply.body["data"]["theirs"].is_null());
    assert_eq!(
        error_codes(&reply),
        vec![("theirs".to_owned(), "NOT_FOUND".to_owned())]
    );
    assert_no_foreign_data(&reply, "mixed query");
}

#[tokio::test]
async fn a_page_of_twenty_orders_with_products_and_shipments_takes_a_fixed_number_of_reads() {
    let app = spawn_app().await;
    let query = "{ orders(first: 20) { nodes { id lines { sku product { name } }
        shipments { nodes { id events { status } } } } } }";
    // Once, so that the principal is cached, as it is for every request but a cold one.
    let warm = gql(&app, A_BUYER, query, json!({})).await;
    assert!(warm.body.get("errors").is_none(), "{}", warm.text);
    let before = app.recorder.calls().len();
    let reply = gql(&app, A_BUYER, query, json!({})).await;
    let calls: Vec<String> = app.recorder.calls()[before..]
        .iter()
        .filter(|c| c.function == "graphql-api")
        .filter_map(|c| c.target.clone())
        .collect();
    let orders = reply.body["data"]["orders"]["nodes"]
        .as_array()
        .expect("orders")
        .len();
    assert_eq!(orders, 20, "{}", reply.text);
    let count = |op: &str| calls.iter().filter(|t| t.ends_with(op)).count();
    // The page (one Query), the whole orders and the products (one BatchGetItem each), and one
    // Query per order for its shipments: DynamoDB has no batch of queries.
    assert_eq!(count(".BatchGetItem"), 2, "{calls:?}");
    assert_eq!(count(".Query"), 1 + orders, "{calls:?}");
    assert_eq!(calls.len(), 3 + orders, "no other reads: {calls:?}");
}

#[tokio::test]
async fn a_query_over_the_cost_or_depth_limit_is_refused_before_any_read() {
    let app = spawn_app().await;
    let warm = gql(&app, A_BUYER, "{ me { role } }", json!({})).await;
    assert!(warm.body.get("errors").is_none(), "{}", warm.text);
    let before = app.recorder.calls().len();
    let costly =
        "{ orders(first: 100) { nodes { id shipments(first: 100) { nodes { id carrier } } } } }";
    let reply = gql(&app, A_BUYER, costly, json!({})).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body["data"].is_null(), "{}", reply.text);
    assert_eq!(
        error_codes(&reply)[0].1,
        "QUERY_TOO_COSTLY",
        "{}",
        reply.text
    );
    let cost = &reply.body["extensions"]["cost"];
    assert!(
        cost["requestedQueryCost"]
            .as_u64()
            .is_some_and(|c| c > graphql_api::cost::MAX_COST as u64),
        "{}",
        reply.text
    );
    let deep = "{ orders { nodes { shipments { nodes { order { shipments { nodes { order {
        shipments { nodes { order { id } } } } } } } } } } } }";
    let reply = gql(&app, A_BUYER, deep, json!({})).await;
    assert_eq!(error_codes(&reply)[0].1, "QUERY_TOO_DEEP", "{}", reply.text);
    let reads = app.recorder.calls()[before..]
        .iter()
        .filter(|c| c.function == "graphql-api")
        .count();
    assert_eq!(reads, 0, "refused queries read nothing");
}

#[tokio::test]
async fn bad_arguments_are_errors_with_the_rest_apis_codes_and_cursors_do_not_cross_over() {
    let app = spawn_app().await;
    let reply = gql(
        &app,
        A_BUYER,
        "{ orders(first: 500) { nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        error_codes(&reply),
        vec![("orders".to_owned(), "INVALID_PARAMETER".to_owned())]
    );
    assert!(reply.text.contains("first"), "{}", reply.text);

    let rest = app.get(A_BUYER, "/orders?limit=5").await;
    let rest_cursor = rest.body["next_cursor"].as_str().expect("a REST cursor");
    let reply = gql(
        &app,
        A_BUYER,
        "query($after: String) { orders(first: 5, after: $after) { nodes { id } } }",
        json!({ "after": rest_cursor }),
    )
    .await;
    assert_eq!(error_codes(&reply)[0].1, "INVALID_CURSOR", "{}", reply.text);

    let first = gql(
        &app,
        A_BUYER,
        "{ orders(first: 5) { nodes { id } pageInfo { hasNextPage endCursor } } }",
        json!({}),
    )
    .await;
    let cursor = first.body["data"]["orders"]["pageInfo"]["endCursor"]
        .as_str()
        .expect("a cursor");
    let next = gql(
        &app,
        A_BUYER,
        "query($after: String) { orders(first: 5, after: $after) { nodes { id } } }",
        json!({ "after": cursor }),
    )
    .await;
    assert!(next.body.get("errors").is_none(), "{}", next.text);
    assert_eq!(next.body["data"]["orders"]["nodes"][0]["id"], "SO-A20");
    let other_user = gql(
        &app,
        A_VIEWER,
        "query($after: String) { orders(first: 5, after: $after) { nodes { id } } }",
        json!({ "after": cursor }),
    )
    .await;
    assert_eq!(
        error_codes(&other_user)[0].1,
        "INVALID_CURSOR",
        "{}",
        other_user.text
    );
    let as_rest = app
        .get(A_BUYER, &format!("/orders?limit=5&cursor={cursor}"))
        .await;
    as_rest.assert_problem(400, "invalid-cursor");
}

#[tokio::test]
async fn a_get_answers_queries_and_refuses_mutations() {
    let app = spawn_app().await;
    let query = format!(r#"{{ order(id: "{ORDER_A}") {{ id }} }}"#);
    let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let reply = app.get(A_BUYER, &format!("/graphql?query={encoded}")).await;
    assert_eq!(reply.body["data"]["order"]["id"], ORDER_A, "{}", reply.text);
    let mutation: String = url::form_urlencoded::byte_serialize(b"mutation { anything }").collect();
    let reply = app
        .get(A_BUYER, &format!("/graphql?query={mutation}"))
        .await;
    reply.assert_problem(405, "method-not-allowed");
    app.get(A_BUYER, "/graphql")
        .await
        .assert_problem(400, "invalid-parameter");
}

#[tokio::test]
async fn a_server_failure_is_an_internal_error_without_its_cause() {
    let faults = tests::inject::Faults::default();
    let app = tests::spawn_faulty_app(&faults).await;
    let warm = gql(&app, A_BUYER, "{ me { role } }", json!({})).await;
    assert!(warm.body.get("errors").is_none(), "{}", warm.text);
    faults.fail("BatchGetItem", 100, tests::inject::Fault::ServerError);
    let reply = gql(
        &app,
        A_BUYER,
        &operation("OrderPage"),
        json!({ "id": ORDER_A }),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["data"]["order"]["id"], ORDER_A,
        "the order itself was read: {}",
        reply.text
    );
    let errors = reply.body["errors"].as_array().expect("errors");
    assert!(!errors.is_empty());
    for error in errors {
        assert!(
            matches!(
                error["extensions"]["code"].as_str(),
                Some("INTERNAL" | "UNAVAILABLE")
            ),
            "{}",
            reply.text
        );
        assert!(
            !error["message"]
                .as_str()
                .unwrap_or_default()
                .contains("Injected"),
            "no cause shown: {}",
            reply.text
        );
    }
}

/// The fields of `type <name> { ... }` in the schema's SDL.
fn fields_of(sdl: &str, type_name: &str) -> Vec<String> {
    let start = format!("type {type_name} {{");
    let Some(body) = sdl.split(&start).nth(1) else {
        return Vec::new();
    };
    let body = body.split("\n}").next().unwrap_or_default();
    let mut fields = Vec::new();
    let mut in_description = false;
    for line in body.lines().map(str::trim) {
        if line.starts_with("\"\"\"") {
            in_description = !(in_description || line.len() > 3 && line.ends_with("\"\"\""));
            continue;
        }
        if in_description || line.is_empty() {
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            fields.push(name);
        }
    }
    fields
}

#[test]
fn every_rest_route_has_a_graphql_counterpart_that_the_schema_has() {
    let sdl = graphql_api::sdl();
    let mut missing = Vec::new();
    for (function, routes) in portal_local::server::functions() {
        for route in routes {
            let (method, path) = (route.method.as_str(), route.path);
            let named = |list: &[(&str, &str, &str)]| {
                list.iter()
                    .find(|(m, p, _)| *m == method && *p == path)
                    .map(|(_, _, what)| what.to_string())
            };
            match (
                named(graphql_api::COUNTERPARTS),
                named(graphql_api::NO_COUNTERPART),
            ) {
                (Some(field), None) => {
                    let (type_name, name) = field.split_once('.').expect("Type.field");
                    if !fields_of(&sdl, type_name).iter().any(|f| f == name) {
                        missing.push(format!("{method} {path}: {field} is not in the schema"));
                    }
                }
                (None, Some(_)) => {}
                (Some(_), Some(_)) => missing.push(format!("{method} {path}: listed twice")),
                (None, None) => missing.push(format!(
                    "{function} {method} {path} has no GraphQL counterpart: add a field or a \
                     mutation and list it in graphql_api::COUNTERPARTS"
                )),
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    // The check itself sees fields, so that it can fail.
    assert!(fields_of(&sdl, "Mutation").contains(&"placeOrder".to_owned()));
    assert!(!fields_of(&sdl, "Query").contains(&"placeOrder".to_owned()));
}

/// A shared cart of A with one hose line, made by `user` through the graph; its id and version.
async fn new_cart(app: &TestApp, user: &str) -> (String, u64) {
    let reply = gql(
        app,
        user,
        "mutation($lines: [LineInput!]) { createCart(name: \"graph\", shared: true, lines: $lines) {
            cart { id version lines { sku quantity } total } refused } }",
        json!({ "lines": [{ "sku": SKU_HOSE, "quantity": "4" }] }),
    )
    .await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.text);
    let cart = &reply.body["data"]["createCart"]["cart"];
    (
        cart["id"].as_str().expect("id").to_owned(),
        cart["version"].as_u64().expect("version"),
    )
}

#[tokio::test]
async fn a_buyer_fills_a_cart_and_places_it_through_the_graph_with_the_rest_apis_rules() {
    let app = spawn_app().await;
    let (id, version) = new_cart(&app, A_BUYER).await;
    let stale = gql(
        &app,
        A_BUYER,
        "mutation($id: CartId!) { setCartLine(id: $id, sku: \"HYD-HOSE-10\", version: 0, quantity: \"6\") { cart { version } } }",
        json!({ "id": id }),
    )
    .await;
    let error = &stale.body["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "VERSION_CONFLICT",
        "{}",
        stale.text
    );
    assert_eq!(error["extensions"]["currentVersion"], version);

    let added = gql(
        &app,
        A_BUYER,
        "mutation($id: CartId!, $v: Int!) { addCartLines(id: $id, version: $v, csv: \"HYD-PUMP-20;1\\nNOPE-1;2\") {
            cart { version lines { sku } } refused } }",
        json!({ "id": id, "v": version }),
    )
    .await;
    assert!(added.body.get("errors").is_none(), "{}", added.text);
    let payload = &added.body["data"]["addCartLines"];
    assert_eq!(payload["refused"][0]["sku"], "NOPE-1", "{}", added.text);
    let version = payload["cart"]["version"].as_u64().expect("version");

    let viewer = gql(
        &app,
        A_VIEWER,
        "mutation($id: CartId!, $v: Int!) { placeOrder(cartId: $id, version: $v, idempotencyKey: \"viewer-1\") { cartVersion } }",
        json!({ "id": id, "v": version }),
    )
    .await;
    assert_eq!(
        viewer.body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{}",
        viewer.text
    );

    let place = "mutation($id: CartId!, $v: Int!) { placeOrder(cartId: $id, version: $v,
        idempotencyKey: \"graph-place-1\", details: { poNumber: \"PO-GRAPH\" }) {
        orders { id status poNumber lines { sku } } cartVersion } }";
    let placed = gql(&app, A_BUYER, place, json!({ "id": id, "v": version })).await;
    assert!(placed.body.get("errors").is_none(), "{}", placed.text);
    let orders = placed.body["data"]["placeOrder"]["orders"]
        .as_array()
        .expect("orders")
        .clone();
    assert!(!orders.is_empty());
    assert_eq!(orders[0]["poNumber"], "PO-GRAPH");
    let again = gql(&app, A_BUYER, place, json!({ "id": id, "v": version })).await;
    assert_eq!(
        again.body["data"]["placeOrder"]["orders"], placed.body["data"]["placeOrder"]["orders"],
        "the same key answers the same orders: {}",
        again.text
    );
    let rest = app
        .get(
            A_BUYER,
            &format!("/orders/{}", orders[0]["id"].as_str().expect("id")),
        )
        .await;
    assert_eq!(
        rest.status, 200,
        "the REST API sees the order: {}",
        rest.text
    );
}

#[tokio::test]
async fn no_mutation_reaches_the_other_accounts_objects() {
    let app = spawn_app().await;
    let mutations = [
        (
            "updateCart",
            format!(
                r#"updateCart(id: "{CART_B}", version: 1, change: {{ name: "x" }}) {{ cart {{ id }} }}"#
            ),
        ),
        (
            "deleteCart",
            format!(r#"deleteCart(id: "{CART_B}", version: 1) {{ id }}"#),
        ),
        (
            "addCartLines",
            format!(
                r#"addCartLines(id: "{CART_B}", version: 1, lines: [{{ sku: "{SKU_HOSE}", quantity: "1" }}]) {{ cart {{ id }} }}"#
            ),
        ),
        (
            "removeCartLine",
            format!(
                r#"removeCartLine(id: "{CART_B}", sku: "{SKU_HOSE}", version: 1) {{ cart {{ id }} }}"#
            ),
        ),
        (
            "reorder",
            format!(r#"reorder(orderId: "{ORDER_B}") {{ cart {{ id }} }}"#),
        ),
        (
            "placeOrder",
            format!(
                r#"placeOrder(cartId: "{CART_B}", version: 1, idempotencyKey: "probe-b") {{ cartVersion }}"#
            ),
        ),
        (
            "approveOrder",
            format!(r#"approveOrder(id: "{ORDER_B}", version: 1) {{ id }}"#),
        ),
        (
            "cancelOrder",
            format!(r#"cancelOrder(id: "{ORDER_B}", version: 1) {{ id }}"#),
        ),
        (
            "setCheckoutSettings",
            format!(
                r#"setCheckoutSettings(account: "{ACCOUNT_B}", version: 0, settings: {{ poRequired: true }}) {{ version }}"#
            ),
        ),
        (
            "setSpendingLimit",
            format!(
                r#"setSpendingLimit(account: "{ACCOUNT_B}", userId: "{B_BUYER}", monthlyLimit: "1") {{ accountId }}"#
            ),
        ),
    ];
    for user in A_SIDE {
        for (field, mutation) in &mutations {
            let reply = gql(&app, user, &format!("mutation {{ {mutation} }}"), json!({})).await;
            let context = format!("{user} {field}");
            let code = reply.body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                code == "NOT_FOUND" || code == "FORBIDDEN",
                "{context}: {}",
                reply.text
            );
            assert!(reply.body["data"].is_null(), "{context}: {}", reply.text);
            assert_no_foreign_data(&reply, &context);
        }
    }
    let cart = app.get(B_BUYER, &format!("/carts/{CART_B}")).await;
    assert_eq!(
        cart.body["version"], 1,
        "B's cart is unchanged: {}",
        cart.text
    );
}

/// A registered operation's text (persisted-queries.json).
fn operation(name: &str) -> String {
    graphql_api::persisted::registered()
        .values()
        .find(|o| o.name == name)
        .map(|o| o.body.clone())
        .unwrap_or_else(|| panic!("{name} is registered in persisted-queries.json"))
}

/// Values of an operation's required variables, by their types: A's objects.
fn sample_variables(body: &str) -> Value {
    let mut variables = serde_json::Map::new();
    let mut rest = body.split_once('{').map_or("", |(head, _)| head);
    while let Some((_, after)) = rest.split_once('$') {
        let (name, after) = after.split_once(':').unwrap_or((after, ""));
        let kind = after.trim_start();
        let kind: String = kind
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '!' || *c == '[' || *c == ']')
            .collect();
        let value = match kind.as_str() {
            "OrderId!" => json!(ORDER_A),
            "Sku!" => json!(SKU_HOSE),
            "CartId!" => json!(CART_A),
            "AccountId!" => json!(ACCOUNT_A),
            "Int!" => json!(10),
            "String!" => json!("sample"),
            _ => Value::Null,
        };
        if !value.is_null() {
            variables.insert(name.trim().to_owned(), value);
        }
        rest = after;
    }
    Value::Object(variables)
}

#[tokio::test]
async fn every_registered_operation_is_valid_against_the_schema() {
    let app = spawn_app().await;
    for operation in graphql_api::persisted::registered().values() {
        let variables = sample_variables(&operation.body);
        // The customer's operations answer a buyer, the staff's an admin.
        let mut answered = false;
        for user in [A_BUYER, ADMIN] {
            let reply = gql(&app, user, &operation.body, variables.clone()).await;
            let invalid: Vec<&Value> = reply.body["errors"]
                .as_array()
                .map(|errors| errors.iter().filter(|e| e.get("path").is_none()).collect())
                .unwrap_or_default();
            assert!(invalid.is_empty(), "{}: {}", operation.name, reply.text);
            answered |= !reply.body["data"].is_null();
        }
        // A mutation on the sample objects may be refused (with its path); a query answers.
        assert!(
            answered || operation.kind == "mutation",
            "{} answers neither a buyer nor an admin",
            operation.name
        );
    }
}

#[test]
fn every_operation_of_the_web_app_is_registered_as_it_sends_it() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src/operations");
    let registered = graphql_api::persisted::registered();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("web/src/operations") {
        let path = entry.expect("an entry").path();
        let Some(name) = path.file_stem().and_then(|n| n.to_str()) else {
            continue;
        };
        let body = std::fs::read_to_string(&path).expect("readable");
        let found = registered.values().find(|o| o.name == name);
        assert!(
            found.is_some_and(|o| o.body == body && o.id == graphql_api::persisted::hash(&body)),
            "web/src/operations/{name}.graphql is not registered as it is in \
             persisted-queries.json: run `node web/scripts/operations.mjs` and commit both"
        );
        files += 1;
    }
    assert!(files >= 20, "the web app's operations: {files}");
}

#[tokio::test]
async fn a_query_sent_by_hash_runs_once_its_text_was_seen_and_a_get_by_hash_is_a_short_url() {
    let app = spawn_app().await;
    let query = format!(r#"{{ order(id: "{ORDER_A}") {{ id status }} }}"#);
    let hash = graphql_api::persisted::hash(&query);
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let unknown = app
        .post_as(
            Some(A_BUYER),
            "/graphql",
            None,
            &json!({ "extensions": persisted }),
        )
        .await;
    assert_eq!(
        unknown.body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
        "{}",
        unknown.text
    );
    assert_eq!(
        unknown.body["errors"][0]["message"],
        "PersistedQueryNotFound"
    );
    let with_text = app
        .post_as(
            Some(A_BUYER),
            "/graphql",
            None,
            &json!({ "query": query, "extensions": persisted }),
        )
        .await;
    assert_eq!(
        with_text.body["data"]["order"]["id"], ORDER_A,
        "{}",
        with_text.text
    );
    let extensions: String =
        url::form_urlencoded::byte_serialize(persisted.to_string().as_bytes()).collect();
    let by_get = app
        .get(A_BUYER, &format!("/graphql?extensions={extensions}"))
        .await;
    assert_eq!(
        by_get.body["data"]["order"]["id"], ORDER_A,
        "{}",
        by_get.text
    );

    let registered = graphql_api::persisted::hash(&operation("OrderPage"));
    let variables: String =
        url::form_urlencoded::byte_serialize(json!({ "id": ORDER_A }).to_string().as_bytes())
            .collect();
    let extensions: String = url::form_urlencoded::byte_serialize(
        json!({ "persistedQuery": { "version": 1, "sha256Hash": registered } })
            .to_string()
            .as_bytes(),
    )
    .collect();
    let page = app
        .get(
            A_BUYER,
            &format!("/graphql?extensions={extensions}&variables={variables}"),
        )
        .await;
    assert_eq!(
        page.body["data"]["order"]["id"], ORDER_A,
        "a registered operation runs by hash: {}",
        page.text
    );
}

#[tokio::test]
async fn a_browser_visiting_the_local_endpoint_gets_graphiql_with_a_demo_token() {
    let app = spawn_app().await;
    let page = reqwest::Client::new()
        .get(format!("{}/graphql", app.url))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("graphiql.min.js"), "{html}");
    assert!(
        html.contains("Bearer ey"),
        "a dev token is filled in: {html}"
    );
    assert!(
        html.contains("orders(first: 1"),
        "the README's page query is the first query"
    );
    // A client's GET without a token is still refused.
    let bare = reqwest::Client::new()
        .get(format!(
            "{}/graphql?query=%7B%20me%20%7B%20role%20%7D%20%7D",
            app.url
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(bare.status(), 401);
}

#[tokio::test]
async fn a_visible_orders_shipment_filed_for_another_account_is_not_revealed() {
    // An ERP files a shipment of B's under A's order number (a typo, a merged delivery).
    let app = tests::spawn_app_with(|store| async move {
        tests::fixture::load(&store).await;
        let mut stray = tests::fixture::records()
            .into_iter()
            .find_map(|r| match r {
                portal_domain::records::Record::Shipment(s) if s.id.as_str() == SHIPMENT_B => {
                    Some(s)
                }
                _ => None,
            })
            .expect("B's shipment");
        stray.id = "SH-B-STRAY".parse().expect("id");
        stray.order_id = ORDER_A.parse().expect("id");
        store
            .put_records(&[portal_domain::records::Record::Shipment(stray)])
            .await
            .expect("stored");
    })
    .await;
    let query = format!(
        r#"{{ order(id: "{ORDER_A}") {{ id shipments {{ nodes {{ id trackingNumber }} }} }}
            orders(first: 25) {{ nodes {{ id shipments {{ nodes {{ id trackingNumber }} }} }} }} }}"#
    );
    for user in A_SIDE {
        let reply = gql(&app, user, &query, json!({})).await;
        assert!(reply.body.get("errors").is_none(), "{user}: {}", reply.text);
        let shipments = &reply.body["data"]["order"]["shipments"]["nodes"];
        assert_eq!(
            shipments,
            &json!([{ "id": SHIPMENT_A, "trackingNumber": TRACKING_A }]),
            "{user}"
        );
        assert!(!reply.text.contains("SH-B-STRAY"), "{user}: {}", reply.text);
        assert_no_foreign_data(&reply, user);
    }
    // B's own see it, under the order they cannot see.
    let reply = gql(
        &app,
        B_BUYER,
        r#"{ shipment(id: "SH-B-STRAY") { id order { id } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        reply.body["data"]["shipment"]["id"], "SH-B-STRAY",
        "{}",
        reply.text
    );
    assert!(reply.body["data"]["shipment"]["order"].is_null());
    assert_eq!(
        error_codes(&reply),
        vec![("shipment".to_owned(), "NOT_FOUND".to_owned())]
    );
}

#[tokio::test]
async fn the_registered_operations_cost_well_within_the_limit() {
    let app = spawn_app().await;
    for operation in graphql_api::persisted::registered().values() {
        let variables = sample_variables(&operation.body);
        let reply = gql(&app, A_BUYER, &operation.body, variables).await;
        let cost = reply.body["extensions"]["cost"]["requestedQueryCost"]
            .as_u64()
            .expect("a cost");
        assert!(
            cost <= graphql_api::cost::MAX_COST as u64 / 2,
            "{} costs {cost}: the reference operations must leave room",
            operation.name
        );
    }
}

#[tokio::test]
async fn a_post_without_a_query_or_a_hash_is_a_bad_request() {
    let app = spawn_app().await;
    for body in [
        json!({}),
        json!({ "query": "  ", "variables": {} }),
        json!({ "operationName": "" }),
    ] {
        app.post_as(Some(A_BUYER), "/graphql", None, &body)
            .await
            .assert_problem(400, "invalid-body");
    }
    app.post_as(
        Some(A_BUYER),
        "/graphql",
        None,
        &json!(["not", "a", "request"]),
    )
    .await
    .assert_problem(400, "invalid-body");
}

#[tokio::test]
async fn a_products_forecast_is_for_the_sellers_staff() {
    let app = spawn_app().await;
    let query = format!(
        r#"{{ product(sku: "{SKU_HOSE}") {{ sku forecast {{ runId sku forecasts {{ bucket periods {{ mean }} }} }} }} }}"#
    );
    let staff = gql(&app, MANAGER_A, &query, json!({})).await;
    assert!(staff.body.get("errors").is_none(), "{}", staff.text);
    assert_eq!(
        staff.body["data"]["product"]["forecast"]["runId"], RUN_ID,
        "{}",
        staff.text
    );
    assert!(
        !staff.body["data"]["product"]["forecast"]["forecasts"]
            .as_array()
            .expect("forecasts")
            .is_empty()
    );
    let buyer = gql(&app, A_BUYER, &query, json!({})).await;
    assert_eq!(
        buyer.body["data"]["product"]["sku"], SKU_HOSE,
        "the product itself answers: {}",
        buyer.text
    );
    assert!(buyer.body["data"]["product"]["forecast"].is_null());
    assert_eq!(
        buyer.body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{}",
        buyer.text
    );
}

#[tokio::test]
async fn an_argument_that_is_not_a_valid_id_is_refused_naming_it_and_why() {
    let app = spawn_app().await;
    let reply = gql(&app, A_BUYER, r#"{ order(id: "SO#1") { id } }"#, json!({})).await;
    assert!(reply.body["data"].is_null(), "{}", reply.text);
    let message = reply.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("OrderId") && message.contains('#'),
        "{}",
        reply.text
    );
    let reply = gql(
        &app,
        A_BUYER,
        "query($id: OrderId!) { order(id: $id) { id } }",
        json!({ "id": "x".repeat(65) }),
    )
    .await;
    let message = reply.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("at most 64"), "{}", reply.text);
}

/// Reads `field(args)` whole as `user`, then resumes it from each edge's cursor and checks
/// that the page continues right after that edge's node.
async fn assert_each_edge_resumes_after_its_node(
    app: &TestApp,
    user: &str,
    field: &str,
    args: &str,
    id: &str,
) -> usize {
    let ids = |list: &Value, path: &[&str]| -> Vec<Value> {
        list.as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|item| path.iter().fold(item, |v, p| &v[*p])[id].clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let whole = gql(
        app,
        user,
        &format!(
            "{{ {field}({args} first: 100) {{ nodes {{ {id} }} edges {{ cursor node {{ {id} }} }} }} }}"
        ),
        json!({}),
    )
    .await;
    assert!(
        whole.body.get("errors").is_none(),
        "{field}: {}",
        whole.text
    );
    let list = &whole.body["data"][field];
    let nodes = ids(&list["nodes"], &[]);
    assert!(
        !nodes.is_empty(),
        "{user} sees some of {field}: {}",
        whole.text
    );
    assert_eq!(
        ids(&list["edges"], &["node"]),
        nodes,
        "{field}: the edges hold the nodes, in order"
    );
    for (i, edge) in list["edges"].as_array().expect("edges").iter().enumerate() {
        let cursor = edge["cursor"].as_str().expect("every edge has a cursor");
        let next = gql(
            app,
            user,
            &format!(
                "query($after: String) {{ {field}({args} first: 2, after: $after) {{ nodes {{ {id} }} }} }}"
            ),
            json!({ "after": cursor }),
        )
        .await;
        assert!(next.body.get("errors").is_none(), "{field}: {}", next.text);
        let expected = &nodes[(i + 1).min(nodes.len())..(i + 3).min(nodes.len())];
        assert_eq!(
            ids(&next.body["data"][field]["nodes"], &[]),
            expected,
            "{user}: {field} after edge {i} ({}) continues right after it",
            nodes[i]
        );
    }
    nodes.len()
}

#[tokio::test]
async fn each_edges_cursor_resumes_its_list_right_after_its_node() {
    // A's line 10 gets a second certificate of its batch and one of its product's own.
    let app = tests::spawn_app_with(|store| async move {
        tests::fixture::load(&store).await;
        let copy = |of: &str, id: &str, sku: &str| {
            let mut document = tests::fixture::documents()
                .into_iter()
                .find(|d| d.id.as_str() == of)
                .expect("a fixture document");
            document.id = id.parse().expect("id");
            document.links.sku = Some(sku.parse().expect("sku"));
            portal_domain::records::Record::Document(document)
        };
        store
            .put_records(&[
                copy(CERTIFICATE_A, "MC-LOT-A-2", SKU_HOSE),
                copy(CONFORMITY_PUMP, "DC-HYD-HOSE-10", SKU_HOSE),
            ])
            .await
            .expect("stored");
    })
    .await;
    // A table's list, read in pages.
    let orders = assert_each_edge_resumes_after_its_node(&app, A_BUYER, "orders", "", "id").await;
    assert!(orders > 20, "more orders than a default page: {orders}");
    // Search across divisions, one after another.
    assert_each_edge_resumes_after_its_node(&app, ADMIN, "products", "", "sku").await;
    // Every account (a query), and a manager's assigned accounts (computed, not queried).
    assert_each_edge_resumes_after_its_node(&app, ADMIN, "accounts", "", "id").await;
    assert_each_edge_resumes_after_its_node(&app, MANAGER_A, "accounts", "", "id").await;
    // A line's certificates: its batch's, then its product's own.
    let certificates = assert_each_edge_resumes_after_its_node(
        &app,
        A_BUYER,
        "lineCertificates",
        &format!(r#"orderId: "{ORDER_A}", lineNo: 10,"#),
        "id",
    )
    .await;
    assert_eq!(
        certificates, 3,
        "two of the batch's and one of the product's"
    );
}
