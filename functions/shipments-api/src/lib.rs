//! Shipments and their tracking events.
//!
//! - `GET /orders/{order_id}/shipments`: an order's shipments with their events (paged, 100 by
//!   default).
//! - `GET /shipments?tracking_number=...`: the caller's shipments with a tracking number (paged,
//!   100 by default; 404 when none).
//! - `GET /shipments/{shipment_id}`: one shipment.

use axum::Router;
use axum::extract::State;
use portal_domain::model::Shipment;
use portal_domain::{OrderId, ShipmentId, TrackingNumber};
use portal_http::{
    ApiError, ApiResult, AppState, Caller, List, ListResponse, MAX_LIMIT, NoFilter, Path, Route,
};
use serde::Deserialize;

/// This function's routes.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/orders/{order_id}/shipments", order_shipments),
        Route::get("/shipments", find_shipments),
        Route::get("/shipments/{shipment_id}", get_shipment),
    ]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

async fn order_shipments(
    State(state): State<AppState>,
    List {
        principal,
        query: NoFilter {},
        mut paging,
    }: List<NoFilter, { MAX_LIMIT }>,
    Path(order_id): Path<String>,
) -> ApiResult<ListResponse<Shipment>> {
    let id = OrderId::parse(&order_id)?;
    // A hundred by default: these lists were whole before they were paged, and stay so for
    // every order but the largest.
    let page = state
        .store
        .order_shipments(&principal, &id, paging.limit, paging.after.take())
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    Ok(paging.respond(page))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindQuery {
    tracking_number: Option<String>,
}

async fn find_shipments(
    State(state): State<AppState>,
    List {
        principal,
        query: q,
        mut paging,
    }: List<FindQuery, { MAX_LIMIT }>,
) -> ApiResult<ListResponse<Shipment>> {
    let raw = q
        .tracking_number
        .ok_or_else(|| ApiError::invalid_parameter("tracking_number", "is required"))?;
    let number = TrackingNumber::parse(&raw)?;
    // A hundred by default: these lists were whole before they were paged, and stay so for
    // every order but the largest.
    let first = paging.after.is_none();
    let page = state
        .store
        .shipments_by_tracking(&principal, &number, paging.limit, paging.after.take())
        .await?;
    // A look-up by number: none of the caller's is "not found". A later page may be empty.
    if first && page.is_empty() && page.next.is_none() {
        return Err(ApiError::NotFound("shipment"));
    }
    Ok(paging.respond(page))
}

async fn get_shipment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(shipment_id): Path<String>,
) -> ApiResult<Shipment> {
    let id = ShipmentId::parse(&shipment_id)?;
    let shipment = state
        .store
        .shipment(&principal, &id)
        .await?
        .ok_or(ApiError::NotFound("shipment"))?;
    Ok(axum::Json(shipment))
}
