//! The OpenAPI document and the routers describe the same routes.

use portal_local::server::functions;
use std::collections::BTreeSet;

use tests::openapi::OPENAPI;

#[tokio::test]
async fn the_local_server_serves_the_document_without_a_token() {
    let app = tests::spawn_app().await;
    let response = reqwest::get(format!("{}{}", app.url, portal_local::server::OPENAPI_PATH))
        .await
        .expect("request reaches the app");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/yaml");
    assert_eq!(response.text().await.expect("body"), OPENAPI);
}

/// The paths of the document: the keys directly under `paths:`.
fn documented_paths() -> BTreeSet<String> {
    OPENAPI
        .lines()
        .skip_while(|line| *line != "paths:")
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .filter_map(|line| {
            line.strip_prefix("  /")
                .and_then(|rest| rest.strip_suffix(':'))
        })
        .map(|path| format!("/{path}"))
        .collect()
}

#[test]
fn every_route_is_documented_and_every_documented_path_is_a_route() {
    let routes: BTreeSet<String> = functions()
        .into_iter()
        .flat_map(|(_, routes)| routes.into_iter().map(|r| r.path.to_owned()))
        .collect();
    let documented = documented_paths();
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&routes).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi.yaml: {undocumented:?}"
    );
    assert!(
        phantom.is_empty(),
        "openapi.yaml documents routes that do not exist: {phantom:?}"
    );
}

/// Each parameter named `name` of every operation, `$ref`s resolved, with the operation's path.
fn parameters_named(name: &str) -> Vec<(String, yaml_rust2::Yaml)> {
    tests::openapi::parameters()
        .into_iter()
        .filter(|(_, _, parameter)| parameter["name"].as_str() == Some(name))
        .map(|(path, _, parameter)| (path, parameter))
        .collect()
}

/// The fuzz run (scripts/fuzz.sh) generates page sizes from the document: they must be the
/// ones the server takes, or its cases stop at a 400 and clients learn the rule from errors.
#[test]
fn every_documented_page_size_is_the_range_the_server_takes() {
    let limits = parameters_named("limit");
    assert!(!limits.is_empty(), "the lists document `limit`");
    for (path, limit) in limits {
        let schema = &limit["schema"];
        assert_eq!(schema["type"].as_str(), Some("integer"), "{path}");
        assert_eq!(
            schema["minimum"].as_i64(),
            Some(1),
            "{path}: limit's minimum"
        );
        assert_eq!(
            schema["maximum"].as_i64(),
            Some(i64::from(portal_http::MAX_LIMIT)),
            "{path}: limit's maximum"
        );
    }
}

/// Any route answers 503 `unavailable` when the table throttles for longer than the retries
/// wait (portal-http's one error mapping): every operation documents it, so clients retry.
#[test]
fn every_operation_documents_the_503_a_throttled_table_answers() {
    let doc = yaml_rust2::YamlLoader::load_from_str(OPENAPI)
        .expect("openapi.yaml is YAML")
        .remove(0);
    let mut missing = Vec::new();
    for (path, operations) in doc["paths"].as_hash().expect("paths") {
        for (method, operation) in operations.as_hash().expect("operations") {
            let responses = operation["responses"].as_hash().expect("responses");
            let documented = responses
                .keys()
                .any(|status| status.as_str() == Some("503"));
            if !documented {
                missing.push(format!(
                    "{} {}",
                    method.as_str().unwrap_or_default(),
                    path.as_str().unwrap_or_default()
                ));
            }
        }
    }
    assert_eq!(missing, Vec::<String>::new(), "operations without a 503");
}
