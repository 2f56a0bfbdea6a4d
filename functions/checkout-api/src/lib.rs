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
//!
//! Approvals and spending limits:
//! - `GET`/`PUT /accounts/{account_id}/checkout-settings`: the approval threshold (an order
//!   total above it waits for approval) and whether orders need a PO number; set by the
//!   account's administrators (or the seller's admins), at the version read.
//! - `GET /accounts/{account_id}/spending-limits`, `PUT .../{user_id}` `{"monthly_limit"}`
//!   (`null` removes it): a buyer whose spend this month would go above it waits for approval.
//! - A placement that breaks a rule makes its orders `pending-approval`, with the reasons and
//!   the account's approvers (never the buyer); they are queued (`GET /approvals`) and go to
//!   the ERP only once approved. `POST /orders/{order_id}/approve` or `/reject` (an approver of
//!   the account, not the buyer who placed it; at the order's `placed.version`: of two
//!   approvers acting on one version one wins, the other gets a 409) writes the decision, the
//!   event (`Order.Approved` releases it to the ERP, `Order.Rejected`) and, for an approval, the
//!   buyer's spend, in one transaction.
//! - `POST /orders/{order_id}/cancel`: the account's buyers cancel an order placed in the
//!   portal that the ERP has not received yet (pending approval or submitted), at its version:
//!   event `Order.Cancelled`; a released order's total leaves its buyer's month.

mod approvals;
mod place;
mod rules;

use axum::Router;
use portal_http::{AppState, Route};

/// The largest body `POST /carts/{cart_id}/order` takes (413 beyond).
pub const MAX_BODY_BYTES: usize = 16 << 10;

/// This function's routes.
pub fn routes() -> Vec<Route> {
    let limited = |mut route: Route| {
        route.handler = route
            .handler
            .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
        route
    };
    vec![
        limited(Route::post("/carts/{cart_id}/order", place::place)),
        Route::get("/approvals", approvals::queue),
        limited(Route::post(
            "/orders/{order_id}/approve",
            approvals::approve,
        )),
        limited(Route::post("/orders/{order_id}/reject", approvals::reject)),
        limited(Route::post("/orders/{order_id}/cancel", approvals::cancel)),
        Route::get(
            "/accounts/{account_id}/checkout-settings",
            rules::get_settings,
        ),
        limited(Route::put(
            "/accounts/{account_id}/checkout-settings",
            rules::put_settings,
        )),
        Route::get("/accounts/{account_id}/spending-limits", rules::get_limits),
        limited(Route::put(
            "/accounts/{account_id}/spending-limits/{user_id}",
            rules::put_limit,
        )),
    ]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}
