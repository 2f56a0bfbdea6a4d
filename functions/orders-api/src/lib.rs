//! Order history and order detail.
//!
//! - `GET /orders`: an account's orders, newest first; filters `status` (comma-separated),
//!   `from`/`to` (order date, inclusive), `po` (PO number prefix), `sku`; `account` for staff.
//! - `GET /orders/{order_id}`: one order with its lines and status history.

use axum::Router;
use axum::extract::State;
use portal_domain::model::{Order, OrderStatus, OrderSummary};
use portal_domain::{AccountId, OrderId, PoNumber, Sku};
use portal_http::{ApiError, ApiResult, AppState, Caller, List, ListResponse, Path, Route};
use portal_store::OrderFilter;
use serde::Deserialize;

/// This function's routes.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/orders", list_orders),
        Route::get("/orders/{order_id}", get_order),
    ]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrdersQuery {
    account: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    po: Option<String>,
    sku: Option<String>,
}

async fn list_orders(
    State(state): State<AppState>,
    List {
        principal,
        query: q,
        mut paging,
    }: List<OrdersQuery>,
) -> ApiResult<ListResponse<OrderSummary>> {
    let requested = portal_http::parse_opt("account", q.account.as_deref(), AccountId::parse)?;
    let account = principal.account_for(requested.as_ref())?;
    let (from, to) = portal_http::date_range(q.from.as_deref(), q.to.as_deref())?;
    // A prefix of a PO number follows the PO number's rules (length, characters).
    let po_prefix =
        portal_http::parse_opt("po", q.po.as_deref(), PoNumber::parse)?.map(String::from);
    let filter = OrderFilter {
        statuses: portal_http::comma_list(q.status.as_deref(), OrderStatus::parse)?,
        from,
        to,
        po_prefix,
        sku: portal_http::parse_opt("sku", q.sku.as_deref(), Sku::parse)?,
    };
    let page = state
        .store
        .orders(&account, &filter, paging.limit, paging.after.take())
        .await?;
    Ok(paging.respond(page))
}

async fn get_order(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(order_id): Path<String>,
) -> ApiResult<Order> {
    let id = OrderId::parse(&order_id)?;
    let order = state
        .store
        .order(&principal, &id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    Ok(axum::Json(order))
}
