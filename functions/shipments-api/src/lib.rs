//! Shipments and their tracking events.
//!
//! - `GET /orders/{order_id}/shipments`: an order's shipments with their events.
//! - `GET /shipments?tracking_number=...`: the caller's shipments with a tracking number (404 when none).
//! - `GET /shipments/{shipment_id}`: one shipment.

use axum::Router;
use axum::extract::State;
use portal_domain::model::Shipment;
use portal_domain::{OrderId, ShipmentId, TrackingNumber};
use portal_http::{ApiError, ApiResult, AppState, Caller, ListResponse, Path, Query, Route};
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
    Caller(principal): Caller,
    Path(order_id): Path<String>,
) -> ApiResult<ListResponse<Shipment>> {
    let id = OrderId::parse(&order_id)?;
    let items = state
        .store
        .order_shipments(&principal, &id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    Ok(axum::Json(ListResponse {
        items,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindQuery {
    tracking_number: Option<String>,
}

async fn find_shipments(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Query(q): Query<FindQuery>,
) -> ApiResult<ListResponse<Shipment>> {
    let raw = q
        .tracking_number
        .ok_or_else(|| ApiError::invalid_parameter("tracking_number", "is required"))?;
    let number = TrackingNumber::parse(&raw)?;
    let items = state
        .store
        .shipments_by_tracking(&principal, &number)
        .await?;
    if items.is_empty() {
        return Err(ApiError::NotFound("shipment"));
    }
    Ok(axum::Json(ListResponse {
        items,
        next_cursor: None,
    }))
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
