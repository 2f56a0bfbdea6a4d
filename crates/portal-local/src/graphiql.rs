//! GraphiQL on the local server: `GET /graphql` from a browser (an HTML `Accept`, no query)
//! answers an editor for the GraphQL API, its headers filled in with a dev token of the demo
//! buyer, so that the demo's graph can be explored at once. Only locally: the Lambda function
//! serves no page. The page loads GraphiQL's scripts from a CDN, so it needs the browser to be
//! online; the API itself needs nothing.

use crate::auth::DevAuth;
use crate::demo::DEMO_BUYER;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::time::Duration;

/// The GraphQL endpoint.
pub const PATH: &str = "/graphql";

/// GraphiQL 3, pinned, from the unpkg CDN.
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>b2b-portal GraphiQL</title>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL (it needs the browser to reach unpkg.com)...</div>
  <script src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
  <script src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
  <script src="https://unpkg.com/graphiql@3.8.3/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultHeaders: JSON.stringify({ Authorization: "Bearer __TOKEN__" }, null, 2),
        defaultQuery: __QUERY__,
      })
    );
  </script>
</body>
</html>
"#;

/// The page, with a dev token of `user` and a first query.
pub fn page(auth: &DevAuth, user: &str, query: &str) -> String {
    let token = auth
        .issue(user, Duration::from_secs(12 * 3600))
        .unwrap_or_default();
    let query = format!("# The demo buyer's newest invoiced order, as one page.\n{query}\n");
    let query = serde_json::to_string(&query).unwrap_or_default();
    PAGE.replace("__TOKEN__", &token)
        .replace("__QUERY__", &query)
}

/// Whether a request is a browser's visit to the endpoint (not a GraphQL GET, which has a query).
fn is_visit(request: &Request) -> bool {
    request.method() == Method::GET
        && request.uri().path() == PATH
        && request.uri().query().is_none_or(str::is_empty)
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}

/// Middleware: a browser's visit gets the page; everything else goes on.
pub async fn serve(State(auth): State<DevAuth>, request: Request, next: Next) -> Response {
    if is_visit(&request) {
        let query = graphql_api::persisted::registered()
            .values()
            .find(|o| o.name == "ReadmeOrderPage")
            .map(|o| o.body.clone())
            .unwrap_or_else(|| "{ me { role } }".to_owned());
        return Html(page(&auth, DEMO_BUYER, &query)).into_response();
    }
    next.run(request).await
}
