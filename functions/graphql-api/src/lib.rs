//! The GraphQL API: the REST API's reads as one graph, so that a portal page is one request.
//!
//! - `POST /graphql`: a GraphQL request (`query`, `variables`, `operationName`) as JSON.
//! - `GET /graphql`: the same as query parameters (`query`, `variables` as JSON,
//!   `operationName`), for queries only.
//!
//! The caller is the REST API's (`Caller`: the JWT authorizer's `sub`, resolved to the same
//! principal), and every field reads through the store methods the REST routes use, with the
//! same scoping: another account's object is `null` with a `NOT_FOUND` error, exactly like a
//! missing one. Nested fields load through per-request data loaders (`loaders`): objects by id
//! in one `BatchGetItem`, an order's shipments or documents one `Query` per order, together.
//! Errors carry the REST problem's code in `extensions.code` (`error`); queries over the cost
//! or depth limit are refused before they run, and every answer reports its cost (`cost`).
//! Lists are connections with the REST API's signed cursors, bound to the GraphQL list
//! (`connection`). `schema.graphql` at the repository's root is this schema's SDL
//! ([`sdl`]); a test fails when they differ.

mod connection;
mod context;
pub mod cost;
pub mod error;
mod filters;
mod loaders;
mod nodes;
mod query;

use async_graphql::{EmptyMutation, EmptySubscription, Schema};
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use context::Ctx;
use portal_domain::Principal;
use portal_http::{ApiError, AppState, Body, Caller, Route};
use std::sync::OnceLock;

/// The portal's GraphQL schema.
pub type PortalSchema = Schema<query::Query, EmptyMutation, EmptySubscription>;

/// The path of the GraphQL endpoint.
pub const PATH: &str = "/graphql";

/// Variables this function reads beyond [`portal_http::Config::VARIABLES`]:
/// `PORTAL_GRAPHQL_INTROSPECTION` is `off` to refuse introspection queries (the template's
/// `GraphqlIntrospection`), anything else (or unset) to answer them.
pub const VARIABLES: [&str; 1] = ["PORTAL_GRAPHQL_INTROSPECTION"];

/// Whether this process answers introspection queries (read once).
fn introspection() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        std::env::var(VARIABLES[0]).map_or(true, |v| !v.trim().eq_ignore_ascii_case("off"))
    })
}

/// The schema, with or without introspection (each built once per process: a schema holds no
/// state; each request brings its own).
pub fn schema(introspection: bool) -> &'static PortalSchema {
    static OPEN: OnceLock<PortalSchema> = OnceLock::new();
    static CLOSED: OnceLock<PortalSchema> = OnceLock::new();
    let build = || {
        let builder = Schema::build(query::Query, EmptyMutation, EmptySubscription)
            .extension(cost::CostLimit);
        if introspection {
            builder.finish()
        } else {
            builder.disable_introspection().finish()
        }
    };
    if introspection {
        OPEN.get_or_init(build)
    } else {
        CLOSED.get_or_init(build)
    }
}

/// The schema in GraphQL's schema definition language: what `schema.graphql` holds.
pub fn sdl() -> String {
    schema(true).sdl()
}

/// This function's routes.
pub fn routes() -> Vec<Route> {
    vec![Route::post(PATH, post), Route::get(PATH, get)]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

/// Runs a request as `principal`. The answer is `200` with `data` and `errors`, as GraphQL
/// clients expect, whatever failed inside.
async fn execute(
    state: AppState,
    principal: Principal,
    request: async_graphql::Request,
) -> Response {
    let request = request.data(Ctx::new(state, principal));
    axum::Json(schema(introspection()).execute(request).await).into_response()
}

async fn post(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Body(request): Body<async_graphql::Request>,
) -> Response {
    execute(state, principal, request).await
}

/// The parameters of `GET /graphql`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GetParameters {
    query: Option<String>,
    variables: Option<String>,
    operation_name: Option<String>,
}

async fn get(
    State(state): State<AppState>,
    Caller(principal): Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let parameters: GetParameters = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::bad_request("invalid-parameter", e.to_string()))?;
    let query = parameters
        .query
        .ok_or_else(|| ApiError::invalid_parameter("query", "is required"))?;
    let mut request = async_graphql::Request::new(query);
    // A GET is cacheable and may be replayed by anything on the way: it never writes. (A
    // document that does not parse is answered by `execute`, as GraphQL answers it.)
    if let Ok(document) = request.parsed_query()
        && document
            .operations
            .iter()
            .any(|(_, op)| op.node.ty == async_graphql::parser::types::OperationType::Mutation)
    {
        return Err(ApiError::MethodNotAllowed(
            "GET for a mutation: send mutations as POST".into(),
        ));
    }
    if let Some(variables) = parameters.variables {
        let variables: serde_json::Value = serde_json::from_str(&variables)
            .map_err(|e| ApiError::invalid_parameter("variables", e))?;
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    if let Some(name) = parameters.operation_name {
        request = request.operation_name(name);
    }
    Ok(execute(state, principal, request).await)
}
