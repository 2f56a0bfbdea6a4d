//! The GraphQL API: the REST API as one graph, so that a portal page is one request.
//!
//! - `POST /graphql`: a GraphQL request (`query`, `variables`, `operationName`, `extensions`)
//!   as JSON.
//! - `GET /graphql`: the same as query parameters (`variables` and `extensions` as JSON), for
//!   queries only: a persisted query's hash makes a short, cacheable URL.
//!
//! The caller is the REST API's (`Caller`: the JWT authorizer's `sub`, resolved to the same
//! principal). Reads go through the store methods the REST routes use, with the same scoping:
//! another account's object is `null` with a `NOT_FOUND` error, exactly like a missing one.
//! Nested fields load through per-request data loaders (`loaders`): objects by id in one
//! `BatchGetItem` per kind, an order's shipments or documents one `Query` per order, together.
//! Writes, and reads whose answers the REST routes compute (prices), run those routes
//! in-process (`rest`), so their semantics are the REST API's by construction; [`COUNTERPARTS`]
//! pairs every route with its field. Errors carry the REST problem's code in `extensions.code`
//! (`error`); queries over the cost or depth limit are refused before they run, and every
//! answer reports its cost ([`cost`]). Lists are connections with the REST API's signed
//! cursors, bound to the GraphQL list (`connection`). Persisted queries: automatic, or an
//! allow-list of registered operations ([`persisted`]). `schema.graphql` at the repository's
//! root is this schema's SDL ([`sdl`]); a test fails when they differ.
//!
//! Modules: `query` (the reads, by step), `mutation`, `nodes` (the graph's objects and their
//! edges), `connection`, `filters`, `loaders`, `context`, `rest`, `error`, `cost`, `persisted`,
//! `breaking` (what a schema change breaks).

pub mod breaking;
mod connection;
mod context;
pub mod cost;
pub mod error;
mod filters;
mod loaders;
mod mutation;
mod nodes;
pub mod persisted;
mod query;
mod rest;

use async_graphql::{EmptySubscription, Schema};
use axum::Router;
use axum::extract::{Extension, RawQuery, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use context::Ctx;
use lambda_http::request::RequestContext;
use portal_domain::Principal;
use portal_http::{ApiError, AppState, Body, Caller, Route};
use std::sync::OnceLock;

/// The portal's GraphQL schema.
pub type PortalSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// The path of the GraphQL endpoint.
pub const PATH: &str = "/graphql";

/// Variables this function reads beyond [`portal_http::Config::VARIABLES`]:
/// `PORTAL_GRAPHQL_INTROSPECTION` is `off` to refuse introspection queries (the template's
/// `GraphqlIntrospection`), anything else (or unset) to answer them.
///
/// `PORTAL_GRAPHQL_PERSISTED_QUERIES` is `allow-list` to run only the registered operations
/// (the template's `GraphqlPersistedQueries`), anything else (or unset) for automatic
/// persisted queries ([`persisted`]).
pub const VARIABLES: [&str; 2] = [
    "PORTAL_GRAPHQL_INTROSPECTION",
    "PORTAL_GRAPHQL_PERSISTED_QUERIES",
];

/// Whether this process answers introspection queries (read once).
fn introspection() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        std::env::var(VARIABLES[0]).map_or(true, |v| !v.trim().eq_ignore_ascii_case("off"))
    })
}

/// Which queries this process runs (read once).
fn persisted_mode() -> persisted::Mode {
    static MODE: OnceLock<persisted::Mode> = OnceLock::new();
    *MODE.get_or_init(|| persisted::Mode::named(std::env::var(VARIABLES[1]).ok().as_deref()))
}

/// The refusal of an introspection query (`__schema`, `__type`; `__typename` is not one) when
/// introspection is off: an error saying so, rather than GraphQL's silent `null`.
fn introspection_refused(
    request: &mut async_graphql::Request,
    enabled: bool,
) -> Option<persisted::Refusal> {
    use async_graphql::parser::types::{Selection, SelectionSet};
    fn asks(set: &SelectionSet) -> bool {
        set.items.iter().any(|item| match &item.node {
            Selection::Field(field) => {
                matches!(field.node.name.node.as_str(), "__schema" | "__type")
                    || asks(&field.node.selection_set.node)
            }
            Selection::InlineFragment(inline) => asks(&inline.node.selection_set.node),
            Selection::FragmentSpread(_) => false,
        })
    }
    if enabled {
        return None;
    }
    let document = request.parsed_query().ok()?;
    let introspects = document
        .operations
        .iter()
        .any(|(_, op)| asks(&op.node.selection_set.node))
        || document
            .fragments
            .values()
            .any(|f| asks(&f.node.selection_set.node));
    introspects.then_some(persisted::Refusal {
        code: "introspection-disabled",
        message: "introspection is switched off in this deployment: the schema is published \
                  as schema.graphql",
    })
}

/// The schema, with or without introspection (each built once per process: a schema holds no
/// state; each request brings its own).
pub fn schema(introspection: bool) -> &'static PortalSchema {
    static OPEN: OnceLock<PortalSchema> = OnceLock::new();
    static CLOSED: OnceLock<PortalSchema> = OnceLock::new();
    let build = || {
        let builder = Schema::build(
            query::Query::default(),
            mutation::Mutation,
            EmptySubscription,
        )
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

/// Each REST route and the field of the graph that does the same (`Query.<field>` or
/// `Mutation.<field>`): `tests/api/graphql.rs` fails when a route of the API has neither a
/// counterpart here nor a reason in [`NO_COUNTERPART`], or a field named here is not in the
/// schema, so the two APIs cannot drift apart.
pub const COUNTERPARTS: &[(&str, &str, &str)] = &[
    ("GET", "/me", "Query.me"),
    ("GET", "/accounts", "Query.accounts"),
    ("GET", "/accounts/{account_id}", "Query.account"),
    ("GET", "/orders", "Query.orders"),
    ("GET", "/orders/{order_id}", "Query.order"),
    ("GET", "/orders/{order_id}/shipments", "Order.shipments"),
    ("GET", "/shipments", "Query.shipments"),
    ("GET", "/shipments/{shipment_id}", "Query.shipment"),
    ("GET", "/invoices", "Query.invoices"),
    ("GET", "/invoices/balance", "Query.openBalance"),
    ("GET", "/invoices/{invoice_id}", "Query.invoice"),
    ("GET", "/documents/{document_id}", "Query.document"),
    (
        "GET",
        "/documents/{document_id}/download",
        "Document.download",
    ),
    ("GET", "/orders/{order_id}/documents", "Order.documents"),
    (
        "GET",
        "/orders/{order_id}/lines/{line_no}/certificates",
        "Query.lineCertificates",
    ),
    (
        "GET",
        "/products/{sku}/certificates",
        "Product.certificates",
    ),
    ("GET", "/certificates", "Query.certificates"),
    ("GET", "/products", "Query.products"),
    ("GET", "/products/{sku}", "Query.product"),
    ("GET", "/reorder-suggestions", "Query.reorderSuggestions"),
    ("GET", "/worklist", "Query.worklist"),
    ("GET", "/forecasts", "Query.forecasts"),
    ("GET", "/forecasts/{sku}", "Query.forecast"),
    ("GET", "/analytics/run", "Query.analyticsRun"),
    ("POST", "/prices", "Query.prices"),
    ("GET", "/prices/{sku}/explain", "Query.priceExplanation"),
    ("GET", "/carts", "Query.carts"),
    ("POST", "/carts", "Mutation.createCart"),
    (
        "POST",
        "/carts/replenishment",
        "Mutation.createReplenishmentCart",
    ),
    ("GET", "/carts/{cart_id}", "Query.cart"),
    ("PATCH", "/carts/{cart_id}", "Mutation.updateCart"),
    ("DELETE", "/carts/{cart_id}", "Mutation.deleteCart"),
    ("POST", "/carts/{cart_id}/lines", "Mutation.addCartLines"),
    (
        "PUT",
        "/carts/{cart_id}/lines/{sku}",
        "Mutation.setCartLine",
    ),
    (
        "DELETE",
        "/carts/{cart_id}/lines/{sku}",
        "Mutation.removeCartLine",
    ),
    ("POST", "/orders/{order_id}/reorder", "Mutation.reorder"),
    ("POST", "/carts/{cart_id}/order", "Mutation.placeOrder"),
    ("GET", "/approvals", "Query.approvals"),
    (
        "POST",
        "/orders/{order_id}/approve",
        "Mutation.approveOrder",
    ),
    ("POST", "/orders/{order_id}/reject", "Mutation.rejectOrder"),
    ("POST", "/orders/{order_id}/cancel", "Mutation.cancelOrder"),
    (
        "GET",
        "/accounts/{account_id}/checkout-settings",
        "Query.checkoutSettings",
    ),
    (
        "PUT",
        "/accounts/{account_id}/checkout-settings",
        "Mutation.setCheckoutSettings",
    ),
    (
        "GET",
        "/accounts/{account_id}/spending-limits",
        "Query.spendingLimits",
    ),
    (
        "PUT",
        "/accounts/{account_id}/spending-limits/{user_id}",
        "Mutation.setSpendingLimit",
    ),
];

/// The routes that have no counterpart in the graph, and why.
pub const NO_COUNTERPART: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/integration/{entity}",
        "back-end systems push rows; the graph serves people, and refuses machine users as \
         every read route does",
    ),
    ("POST", "/graphql", "the graph itself"),
    ("GET", "/graphql", "the graph itself"),
];

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
    context: Option<Extension<RequestContext>>,
    request: async_graphql::Request,
    method: Method,
) -> Response {
    let context = context.map(|Extension(c)| c);
    let mut request = match persisted::resolve(request, persisted_mode()) {
        Ok(request) => request,
        Err(refusal) => {
            let mut refused = refusal.into_response();
            cost::report(&mut refused, None);
            return axum::Json(refused).into_response();
        }
    };
    persisted::parse_once(&mut request);
    if let Some(refusal) = introspection_refused(&mut request, introspection()) {
        let mut refused = refusal.into_response();
        cost::report(&mut refused, None);
        return axum::Json(refused).into_response();
    }
    // A GET is cacheable and may be replayed by anything on the way: it never writes, whether
    // its query came as text or by hash. (A document that does not parse is answered by the
    // schema, as GraphQL answers it.)
    if method == Method::GET
        && let Ok(document) = request.parsed_query()
        && document
            .operations
            .iter()
            .any(|(_, op)| op.node.ty == async_graphql::parser::types::OperationType::Mutation)
    {
        return ApiError::MethodNotAllowed("GET for a mutation: send mutations as POST".into())
            .into_response();
    }
    let request = request.data(Ctx::new(state, principal, context));
    axum::Json(schema(introspection()).execute(request).await).into_response()
}

async fn post(
    State(state): State<AppState>,
    Caller(principal): Caller,
    context: Option<Extension<RequestContext>>,
    Body(request): Body<async_graphql::Request>,
) -> Response {
    if request.query.trim().is_empty() && !request.extensions.0.contains_key("persistedQuery") {
        return ApiError::bad_request(
            "invalid-body",
            "a GraphQL request needs a `query`, or a persisted query's hash in \
             `extensions.persistedQuery`",
        )
        .into_response();
    }
    execute(state, principal, context, request, Method::POST).await
}

/// The parameters of `GET /graphql`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GetParameters {
    query: Option<String>,
    variables: Option<String>,
    operation_name: Option<String>,
    extensions: Option<String>,
}

async fn get(
    State(state): State<AppState>,
    Caller(principal): Caller,
    context: Option<Extension<RequestContext>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let parameters: GetParameters = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::bad_request("invalid-parameter", e.to_string()))?;
    let extensions = parameters
        .extensions
        .map(|raw| serde_json::from_str::<async_graphql::Extensions>(&raw))
        .transpose()
        .map_err(|e| ApiError::invalid_parameter("extensions", e))?;
    if parameters.query.is_none() && extensions.is_none() {
        return Err(ApiError::invalid_parameter(
            "query",
            "is required (or extensions with a persisted query's hash)",
        ));
    }
    let mut request = async_graphql::Request::new(parameters.query.unwrap_or_default());
    if let Some(extensions) = extensions {
        request.extensions = extensions;
    }
    if let Some(variables) = parameters.variables {
        let variables: serde_json::Value = serde_json::from_str(&variables)
            .map_err(|e| ApiError::invalid_parameter("variables", e))?;
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    if let Some(name) = parameters.operation_name {
        request = request.operation_name(name);
    }
    Ok(execute(state, principal, context, request, Method::GET).await)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn introspection_is_refused_when_switched_off_and_answered_otherwise() {
        let query = "{ __schema { queryType { name } } }";
        let refused = |query: &str, enabled: bool| {
            super::introspection_refused(&mut async_graphql::Request::new(query), enabled)
                .map(|r| r.code)
        };
        assert_eq!(refused(query, false), Some("introspection-disabled"));
        assert_eq!(
            refused(
                "query { ...F } fragment F on Query { __type(name: \"Order\") { name } }",
                false
            ),
            Some("introspection-disabled")
        );
        assert_eq!(refused("{ me { __typename role } }", false), None);
        assert_eq!(refused(query, true), None);
        let closed = super::schema(false).execute(query).await;
        assert!(closed.data.to_string().contains("null"), "{closed:?}");
        let open = super::schema(true).execute(query).await;
        assert!(open.errors.is_empty(), "{:?}", open.errors);
        assert_eq!(
            open.data.to_string(),
            r#"{__schema: {queryType: {name: "Query"}}}"#
        );
    }
}
