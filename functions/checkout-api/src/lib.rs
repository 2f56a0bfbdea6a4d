//! Checkout: a cart placed as orders.
//!
//! - `POST /carts/{cart_id}/order` (`Idempotency-Key` required; `If-Match` or `version`): the
//!   cart at the version the buyer saw, placed as one order per division of its lines, priced
//!   again (a price that changed since refuses the placement with 409 `prices-changed` and
//!   leaves the cart re-priced to review), with the checkout details of the cart or the body
//!   (PO number, requested delivery, ship-to: one of the account's addresses, the first by
//!   default; note). Each order gets the next of the portal's order numbers (`WEB-<year>-
//!   <number>`: unique, not gapless) and status `submitted`, and shows at once in the order
//!   history; the ERP takes it from the `Order.Submitted` event and confirms it through the
//!   push API (`order-status`), which may give it the ERP's own number.
//!
//! The orders, the cart's change of state, the events (the outbox) and the answer of the
//! idempotency key are one transaction: the same key and body again get the same answer
//! (`Idempotent-Replayed: true`), another body 422, a call while the first runs 409; a crash
//! before the transaction leaves nothing (the retry places the cart), one after it leaves the
//! answer (the retry gets it).
//!
//! Who: the account's buyers, approvers and account administrators; viewers and the seller's
//! staff (who prepare carts) get 403.

mod place;

use axum::Router;
use portal_http::{AppState, Route};

/// The largest body `POST /carts/{cart_id}/order` takes (413 beyond).
pub const MAX_BODY_BYTES: usize = 16 << 10;

/// This function's routes.
pub fn routes() -> Vec<Route> {
    let mut place = Route::post("/carts/{cart_id}/order", place::place);
    place.handler = place
        .handler
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
    vec![place]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}
