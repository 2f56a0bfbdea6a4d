//! Bad input gets a clear problem+json 4xx, never a 5xx.

use tests::fixture::*;
use tests::spawn_app;

#[tokio::test]
async fn bad_parameters_are_400_problems_that_say_what_was_wrong() {
    let app = spawn_app().await;
    let cases = [
        ("/orders?from=2025-13-01", "from"),
        ("/orders?from=2026-02-01&to=2026-01-01", "after"),
        ("/orders?status=lost", "in-production"),
        ("/orders?limit=0", "limit"),
        ("/orders?limit=101", "limit"),
        ("/orders?limit=ten", "limit"),
        ("/orders?colour=red", "colour"),
        ("/orders?sku=A%23B", "sku"),
        ("/orders?account=ACC%23B", "account"),
        ("/orders/SO%23A01", "order id"),
        ("/invoices/INV%20A", "invoice id"),
        ("/products?sku_prefix=%20", "sku"),
        ("/documents/x%00y", "document id"),
        ("/orders?po=PO-0123456789012345678901234567890123", "po"),
        ("/orders?po=%20PO", "po"),
    ];
    for (uri, mentions) in cases {
        let reply = app.get(A_BUYER, uri).await;
        reply.assert_problem(400, "invalid-parameter");
        let detail = reply.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(mentions),
            "GET {uri}: {detail:?} should mention {mentions:?}"
        );
        assert!(
            !detail.contains("Error {") && !detail.contains("Some("),
            "no debug strings: {detail}"
        );
    }
}

#[tokio::test]
async fn unknown_ids_and_routes_are_404_problems() {
    let app = spawn_app().await;
    app.get(A_BUYER, "/orders/SO-NOPE")
        .await
        .assert_problem(404, "not-found");
    app.get(A_BUYER, "/nothing-here")
        .await
        .assert_problem(404, "not-found");
    app.get(A_BUYER, "/invoices/INV-NOPE")
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn a_method_a_route_does_not_serve_is_a_405_problem() {
    let app = spawn_app().await;
    let response = reqwest::Client::new()
        .post(format!("{}/orders", app.url))
        .bearer_auth(app.token(A_BUYER))
        .send()
        .await
        .expect("request reaches the app");
    assert_eq!(response.status(), 405);
    let body: serde_json::Value = response.json().await.expect("problem body");
    assert_eq!(body["code"], "method-not-allowed");
}

#[tokio::test]
async fn routes_of_every_method_share_a_path_and_a_method_none_serves_is_a_405_problem() {
    use axum::http::{Method, Request, StatusCode};
    use portal_http::Route;
    use tower::ServiceExt;
    let app = spawn_app().await;
    let routes = vec![
        Route::get("/things/{id}", || async { "get" }),
        Route::put("/things/{id}", || async { "put" }),
        Route::patch("/things/{id}", || async { "patch" }),
        Route::delete("/things/{id}", || async { StatusCode::NO_CONTENT }),
    ];
    let methods: Vec<Method> = routes.iter().map(|r| r.method.clone()).collect();
    assert_eq!(
        methods,
        [Method::GET, Method::PUT, Method::PATCH, Method::DELETE]
    );
    let router = portal_http::router(routes, app.local.state.clone());
    for (method, status) in [
        (Method::GET, StatusCode::OK),
        (Method::PUT, StatusCode::OK),
        (Method::PATCH, StatusCode::OK),
        (Method::DELETE, StatusCode::NO_CONTENT),
        (Method::POST, StatusCode::METHOD_NOT_ALLOWED),
    ] {
        let request = Request::builder()
            .method(method.clone())
            .uri("/things/1")
            .body(axum::body::Body::empty())
            .expect("request");
        let response = router.clone().oneshot(request).await.expect("answer");
        assert_eq!(response.status(), status, "{method}");
    }
}

/// Random text for a parameter: printable ASCII, key separators, Unicode, long runs, empties.
fn random_value(rng: &mut impl rand::Rng) -> String {
    const PIECES: &[&str] = &[
        "#",
        "~",
        "%",
        "/",
        "..",
        " ",
        "'",
        "\"",
        "<",
        "ä",
        "日本",
        "\u{7f}",
        "2026-02-30",
        "-1",
        "999999999999",
        "SO-A01",
        "ACC-B",
        "null",
        "[]",
        "{}",
        "\\",
        ",",
        ";",
        "=",
        "&",
    ];
    let mut value = String::new();
    for _ in 0..rng.random_range(0..6) {
        if rng.random_bool(0.5) {
            value.push_str(PIECES[rng.random_range(0..PIECES.len())]);
        } else {
            let longest = if rng.random_bool(0.1) { 300 } else { 12 };
            let len = rng.random_range(1..longest);
            value.extend((0..len).map(|_| char::from(rng.random_range(b' '..=b'~'))));
        }
    }
    value
}

#[tokio::test]
async fn no_input_to_any_read_route_makes_the_api_answer_a_server_error() {
    use rand::{Rng, SeedableRng};
    let app = spawn_app().await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    // Every GET route of every function, with the query parameters openapi.yaml gives it: a
    // route added to a function is in this test without anyone adding it here.
    let routes: Vec<(&'static str, Vec<String>)> = portal_local::server::functions()
        .into_iter()
        .flat_map(|(_, routes)| routes)
        .filter(|route| route.method == axum::http::Method::GET)
        .map(|route| {
            let mut names = tests::openapi::query_parameters(route.path, "get");
            names.extend(["limit", "cursor"].map(str::to_owned));
            (route.path, names)
        })
        .collect();
    assert!(routes.len() >= 20, "{} read routes", routes.len());
    let encode = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    for round in 0..(20 * routes.len()) {
        let (path, names) = &routes[round % routes.len()];
        // Each `{parameter}` of the path gets a random value.
        let mut uri = String::new();
        for segment in path.split('/').skip(1) {
            uri.push('/');
            if segment.starts_with('{') {
                uri.push_str(&encode(&random_value(&mut rng)).replace('+', "%20"));
            } else {
                uri.push_str(segment);
            }
        }
        if rng.random_bool(0.8) {
            let query: Vec<String> = (0..rng.random_range(1..4))
                .map(|_| {
                    let name = &names[rng.random_range(0..names.len())];
                    format!("{name}={}", encode(&random_value(&mut rng)))
                })
                .collect();
            uri = format!("{uri}?{}", query.join("&"));
        }
        for user in [A_BUYER, MANAGER_A, ADMIN] {
            let reply = app.get(user, &uri).await;
            assert!(
                reply.status.as_u16() < 500,
                "{user} GET {uri}: {} {}",
                reply.status,
                reply.text
            );
            if reply.status.as_u16() >= 400 {
                assert_eq!(reply.content_type, "application/problem+json", "GET {uri}");
            }
        }
    }
}
