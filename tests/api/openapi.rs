//! The OpenAPI document and the routers describe the same routes.

use portal_local::server::functions;
use std::collections::BTreeSet;

const OPENAPI: &str = include_str!("../../openapi.yaml");

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
