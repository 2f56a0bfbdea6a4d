//! The REST routes, run in-process: how the graph's writes (and the reads whose answers are
//! computed, not stored: prices, worklists) keep the REST API's semantics exactly. A mutation
//! sends the request its REST route takes (method, path, JSON body, `If-Match` from its
//! `version`, `Idempotency-Key` from its `idempotencyKey`) through that route's own router,
//! with the caller's authorizer context; the route's answer is the mutation's, its problem
//! document the mutation's error (`extensions.code`, `status`, `currentVersion`). Nothing
//! about a write is implemented twice.

use crate::context::Ctx;
use crate::error::graphql_code;
use async_graphql::ErrorExtensions;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, Method, Request, StatusCode, header};
use lambda_http::request::RequestContext;
use portal_http::{ApiError, AppState, Route};
use tower::ServiceExt;

/// The REST functions whose routes the graph runs.
fn routes() -> Vec<Route> {
    [
        carts_api::routes(),
        checkout_api::routes(),
        pricing_api::routes(),
        insights_api::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The merged router of [`routes`] over `state`.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

/// The largest answer read back (a cart of 500 lines is about 300 KB).
const MAX_ANSWER_BYTES: usize = 8 << 20;

/// A value as one path segment (a SKU may hold `/`).
pub fn segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// One REST request.
pub struct Call {
    pub method: Method,
    pub path: String,
    /// The body and its content type.
    pub body: Option<(&'static str, String)>,
    pub headers: Vec<(HeaderName, String)>,
}

impl Call {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            headers: Vec::new(),
        }
    }

    /// A JSON body.
    pub fn body(mut self, body: impl serde::Serialize) -> Self {
        self.body = serde_json::to_string(&body)
            .ok()
            .map(|json| ("application/json", json));
        self
    }

    /// A body of another type (a pasted CSV).
    pub fn raw(mut self, content_type: &'static str, body: String) -> Self {
        self.body = Some((content_type, body));
        self
    }

    /// `If-Match` of the version a write was made to.
    pub fn version(mut self, version: Option<u64>) -> Self {
        if let Some(version) = version {
            self.headers
                .push((header::IF_MATCH, format!("\"{version}\"")));
        }
        self
    }

    pub fn idempotency_key(mut self, key: &str) -> Self {
        self.headers
            .push((HeaderName::from_static("idempotency-key"), key.to_owned()));
        self
    }
}

/// Sends `call` as the request's caller; its JSON answer (`null` for a 204), or its problem
/// as a GraphQL error.
pub async fn send(c: &Ctx, call: Call) -> async_graphql::Result<serde_json::Value> {
    let mut request = Request::builder().method(call.method).uri(&call.path);
    for (name, value) in &call.headers {
        request = request.header(name, value);
    }
    let body = match call.body {
        Some((content_type, body)) => {
            request = request.header(header::CONTENT_TYPE, content_type);
            Body::from(body)
        }
        None => Body::empty(),
    };
    let mut request = request
        .body(body)
        .map_err(|e| crate::error::error(ApiError::Internal(Box::new(e))))?;
    if let Some(context) = &c.request_context {
        request
            .extensions_mut()
            .insert::<RequestContext>(context.clone());
    }
    let response = match c
        .rest
        .get_or_init(|| router(c.state.clone()))
        .clone()
        .oneshot(request)
        .await
    {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES)
        .await
        .map_err(|e| crate::error::error(ApiError::Internal(Box::new(e))))?;
    let answer: serde_json::Value = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| crate::error::error(ApiError::Internal(Box::new(e))))?
    };
    if status.is_success() {
        return Ok(answer);
    }
    Err(problem_error(status, &answer))
}

/// The GraphQL error of a route's problem document.
fn problem_error(status: StatusCode, problem: &serde_json::Value) -> async_graphql::Error {
    let detail = problem["detail"].as_str().unwrap_or("the request failed");
    let code = problem["code"].as_str().unwrap_or("internal");
    let current = problem["current_version"].as_u64();
    async_graphql::Error::new(detail).extend_with(|_, extensions| {
        extensions.set("code", graphql_code(code));
        extensions.set("status", status.as_u16());
        if let Some(version) = current {
            extensions.set("currentVersion", version);
        }
    })
}
