//! Carts: quick order, reorder and the replenishment cart.
//!
//! - `GET /carts?account=`: the account's carts the caller sees (its own and the shared ones),
//!   the most recently changed first.
//! - `POST /carts`: a new cart `{account?, name?, shared?, lines?}`; the lines go in as a quick
//!   order does (201, with the refused lines).
//! - `GET /carts/{cart_id}`: one cart (`ETag`: its version).
//! - `PATCH /carts/{cart_id}`: its name, sharing and checkout details (PO number, requested
//!   delivery, ship-to, note).
//! - `DELETE /carts/{cart_id}`: gone (204).
//! - `POST /carts/{cart_id}/lines`: a quick order into the cart: JSON `{version?, lines}` or a
//!   pasted or uploaded CSV (`text/csv`: SKU and quantity per row, comma, semicolon or tab,
//!   with or without a header). Every line is checked on its own (SKU, visibility, quantity
//!   rule, price); the good ones go in (a SKU already in the cart adds to its line), each bad
//!   one comes back with its reason.
//! - `PUT /carts/{cart_id}/lines/{sku}` `{version?, quantity}`: one line's quantity; a
//!   quantity the SKU's rule refuses is a 422 naming the line and the rule.
//! - `DELETE /carts/{cart_id}/lines/{sku}`: one line out.
//! - `POST /orders/{order_id}/reorder`: a new cart from a past order at today's prices and
//!   rules, with what changed or was dropped and why (201).
//! - `POST /carts/replenishment` `{account?}`: a new cart from the account's due and overdue
//!   reorder suggestions of the served analytics run, in whole packs, each line with its
//!   suggestion's reason (201).
//!
//! Every change re-prices every line (`pricing`) and raises the cart's version; a write names
//! the version it was made to (`If-Match`, or `version` in the body: 428 without one) and a
//! stale one is a 409 `version-conflict` naming the current version, never a lost update.
//!
//! Who: those who may buy (buyers, approvers, account administrators) fill their account's
//! carts; viewers read shared ones (403 on writes); account managers and admins prepare carts
//! for the accounts they serve, recorded as acting for the customer (`prepared_by`). A cart is
//! its owner's until shared; another account's, or an unshared one of someone else, is a 404.

mod carts;
mod from;
mod lines;
mod price;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use portal_domain::carts::Cart;
use portal_domain::{CartId, Principal, ScopedAccount, Sku};
use portal_http::{ApiError, AppState, Route};
use portal_store::CartWrite;
use price::{Refused, Wanted};
use pricing::Quote;
use serde::Serialize;

/// The largest body a cart route takes (413 beyond): room for a quick order of
/// [`MAX_CART_LINES`](portal_domain::carts::MAX_CART_LINES) lines.
pub const MAX_BODY_BYTES: usize = 256 << 10;

/// This function's routes.
pub fn routes() -> Vec<Route> {
    let limited = |mut route: Route| {
        route.handler = route
            .handler
            .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
        route
    };
    vec![
        Route::get("/carts", carts::list),
        limited(Route::post("/carts", carts::create)),
        limited(Route::post("/carts/replenishment", from::replenishment)),
        Route::get("/carts/{cart_id}", carts::get),
        limited(Route::patch("/carts/{cart_id}", carts::update)),
        Route::delete("/carts/{cart_id}", carts::delete),
        limited(Route::post("/carts/{cart_id}/lines", lines::add)),
        limited(Route::put("/carts/{cart_id}/lines/{sku}", lines::set)),
        Route::delete("/carts/{cart_id}/lines/{sku}", lines::remove),
        limited(Route::post("/orders/{order_id}/reorder", from::reorder)),
    ]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

/// A cart as answered: the cart, the lines that did not go in, and what a cart made from
/// something says about it (a reorder's `changes`, a replenishment's `skipped`).
#[derive(Debug, Serialize)]
struct CartAnswer<C: Serialize = ()> {
    #[serde(flatten)]
    cart: Cart,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    refused: Vec<Refused>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    made_from: Option<C>,
}

/// `cart` as a JSON answer with its version as the `ETag`.
fn respond<C: Serialize>(
    status: StatusCode,
    cart: Cart,
    refused: Vec<Refused>,
    made_from: Option<C>,
) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", cart.version)).ok();
    let mut response = (
        status,
        axum::Json(CartAnswer {
            cart,
            refused,
            made_from,
        }),
    )
        .into_response();
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// 403 unless `principal` may fill carts.
fn may_fill(principal: &Principal) -> Result<(), ApiError> {
    if principal.role.may_fill_carts() {
        return Ok(());
    }
    Err(ApiError::Forbidden {
        code: "forbidden",
        detail: format!("a {} reads carts but does not fill them", principal.role),
    })
}

/// The account's quote for `skus` today.
async fn quote(state: &AppState, account: &ScopedAccount, skus: &[Sku]) -> Result<Quote, ApiError> {
    let data = state
        .store
        .price_data(account, skus)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    Ok(Quote::new(data, Utc::now().date_naive()))
}

/// The cart `principal` may change: visible (404 otherwise), may fill (403), open (409), at
/// `version` (409 naming the current one).
async fn writable(
    state: &AppState,
    principal: &Principal,
    id: &str,
    version: u64,
) -> Result<(Cart, ScopedAccount), ApiError> {
    let id = CartId::parse(id)?;
    let cart = state
        .store
        .cart(principal, &id)
        .await?
        .ok_or(ApiError::NotFound("cart"))?;
    may_fill(principal)?;
    if !cart.is_open() {
        return Err(ApiError::Conflict {
            code: "cart-ordered",
            detail: format!("cart {id} was placed as an order and no longer changes"),
        });
    }
    if cart.version != version {
        return Err(ApiError::VersionConflict {
            what: "cart",
            current: cart.version,
        });
    }
    let account = principal
        .scoped(&cart.account_id)
        .ok_or(ApiError::NotFound("cart"))?;
    Ok((cart, account))
}

/// Prices `wanted` from `quote` into `cart`'s lines: the refused lines of `refused`, and
/// those that no longer price (numbered 0).
fn reprice(
    cart: &mut Cart,
    quote: &Quote,
    wanted: &[Wanted],
    refused: &mut Vec<Refused>,
) -> Result<(), ApiError> {
    let (lines, dropped) = price::price_lines(quote, wanted);
    for (n, error) in dropped {
        let want = &wanted[n - 1];
        refused.push(Refused::new(
            0,
            want.sku.as_str(),
            price::raw(want.quantity),
            error,
        ));
    }
    cart.total = price::total(&lines)
        .ok_or_else(|| ApiError::bad_request("too-large", "the cart's total is too large"))?;
    cart.lines = lines;
    cart.currency = quote.account().currency;
    Ok(())
}

/// Prices `wanted` into `cart` as its new lines and writes it over the version it was read at.
async fn reprice_and_save(
    state: &AppState,
    principal: &Principal,
    quote: &Quote,
    mut cart: Cart,
    wanted: &[Wanted],
    mut refused: Vec<Refused>,
) -> Result<Response, ApiError> {
    reprice(&mut cart, quote, wanted, &mut refused)?;
    let read = cart.version;
    cart.version += 1;
    cart.updated_at = Utc::now();
    cart.updated_by = principal.user_id.clone();
    save(state, &cart, read).await?;
    Ok(respond::<()>(StatusCode::OK, cart, refused, None))
}

/// Writes `cart` over version `read`, or the 409 (404 if it is gone meanwhile).
async fn save(state: &AppState, cart: &Cart, read: u64) -> Result<(), ApiError> {
    match state.store.save_cart(cart, read).await? {
        CartWrite::Written => Ok(()),
        CartWrite::Stale {
            current: Some(current),
        } => Err(ApiError::VersionConflict {
            what: "cart",
            current,
        }),
        CartWrite::Stale { current: None } => Err(ApiError::NotFound("cart")),
    }
}
