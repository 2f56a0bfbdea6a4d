//! Carts as a whole: list, make, read, change the checkout details, delete.

use crate::lines::{Requested, quick_order};
use crate::price::{Refused, Wanted};
use crate::{may_fill, quote, reprice, respond, save, writable};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use portal_domain::carts::{ActingFor, Cart, CartOrigin, CartStatus, Checkout};
use portal_domain::{CartId, PoNumber, Principal, Sku};
use portal_http::{ApiError, ApiResult, AppState, Body, Caller, List, ListResponse, Path, Query};
use portal_store::CartWrite;
use pricing::Quote;
use rust_decimal::Decimal;
use serde::Deserialize;

/// The longest cart name and note, in characters.
const MAX_NAME: usize = 100;
const MAX_NOTE: usize = 1_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CartsQuery {
    account: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    List {
        principal,
        query: q,
        mut paging,
    }: List<CartsQuery>,
) -> ApiResult<ListResponse<Cart>> {
    let account = portal_http::account_param(&principal, q.account.as_deref())?;
    let page = state
        .store
        .carts(&principal, &account, paging.limit, paging.after.take())
        .await?;
    Ok(paging.respond(page))
}

pub(crate) async fn get(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = CartId::parse(&id)?;
    let cart = state
        .store
        .cart(&principal, &id)
        .await?
        .ok_or(ApiError::NotFound("cart"))?;
    Ok(respond::<()>(StatusCode::OK, cart, Vec::new(), None))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCart {
    account: Option<String>,
    name: Option<String>,
    shared: Option<bool>,
    #[serde(default)]
    lines: Vec<Requested>,
}

/// What a new cart is to be, before it is priced.
pub(crate) struct Draft {
    pub name: Option<String>,
    pub shared: Option<bool>,
    pub origin: CartOrigin,
}

/// The new cart of `draft` for `principal`, of the quote's account, with `wanted` priced from
/// `quote`; written (201) with the refused lines and what it was `made_from` says. Staff prepare it for the
/// customer, and share it with its users unless `shared` says otherwise.
pub(crate) async fn create_priced<C: serde::Serialize>(
    state: &AppState,
    principal: &Principal,
    quote: &Quote,
    draft: Draft,
    wanted: &[Wanted],
    mut refused: Vec<Refused>,
    made_from: Option<C>,
) -> Result<Response, ApiError> {
    let now = Utc::now();
    let staff = principal.role.is_staff();
    let account = quote.account();
    let id = format!("CART-{}", &portal_http::idempotency::unique_token()[..20]);
    let mut cart = Cart {
        id: CartId::parse(&id)?,
        account_id: account.id.clone(),
        owner: principal.user_id.clone(),
        name: checked_name(draft.name)?.unwrap_or_default(),
        shared: draft.shared.unwrap_or(staff),
        version: 1,
        status: CartStatus::Open,
        currency: account.currency,
        lines: Vec::new(),
        total: Decimal::ZERO,
        checkout: Checkout::default(),
        origin: draft.origin,
        prepared_by: staff.then(|| ActingFor {
            user: principal.user_id.clone(),
            role: principal.role,
            at: now,
        }),
        created_at: now,
        updated_at: now,
        updated_by: principal.user_id.clone(),
    };
    reprice(&mut cart, quote, wanted, &mut refused)?;
    match state.store.create_cart(&cart).await? {
        CartWrite::Written => Ok(respond(StatusCode::CREATED, cart, refused, made_from)),
        CartWrite::Stale { .. } => Err(ApiError::Internal(
            format!("cart id {} was taken", cart.id).into(),
        )),
    }
}

fn checked_name(name: Option<String>) -> Result<Option<String>, ApiError> {
    let name = name.map(|n| n.trim().to_owned());
    if name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME) {
        return Err(ApiError::invalid_parameter(
            "name",
            format!("at most {MAX_NAME} characters"),
        ));
    }
    Ok(name)
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Body(body): Body<NewCart>,
) -> Result<Response, ApiError> {
    let account = portal_http::account_param(&principal, body.account.as_deref())?;
    may_fill(&principal)?;
    crate::lines::check_count(body.lines.len(), 0)?;
    let skus: Vec<Sku> = body
        .lines
        .iter()
        .filter_map(|r| Sku::parse(&r.sku).ok())
        .collect();
    let quote = quote(&state, &account, &skus).await?;
    let (wanted, refused) = quick_order(&quote, Vec::new(), &body.lines);
    let draft = Draft {
        name: body.name,
        shared: body.shared,
        origin: CartOrigin::New,
    };
    create_priced::<()>(&state, &principal, &quote, draft, &wanted, refused, None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CartChange {
    version: Option<u64>,
    name: Option<String>,
    shared: Option<bool>,
    #[serde(default, deserialize_with = "portal_http::present")]
    po_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "portal_http::present")]
    requested_delivery: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "portal_http::present")]
    ship_to: Option<Option<String>>,
    #[serde(default, deserialize_with = "portal_http::present")]
    note: Option<Option<String>>,
}

pub(crate) async fn update(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(change): Body<CartChange>,
) -> Result<Response, ApiError> {
    let version = portal_http::version_of(&headers, change.version)?;
    let (mut cart, account) = writable(&state, &principal, &id, version).await?;
    if let Some(name) = checked_name(change.name)? {
        cart.name = name;
    }
    if let Some(shared) = change.shared
        && shared != cart.shared
    {
        if cart.owner != principal.user_id {
            return Err(ApiError::Forbidden {
                code: "forbidden",
                detail: "only the cart's owner shares or unshares it".into(),
            });
        }
        cart.shared = shared;
    }
    let checkout = &mut cart.checkout;
    if let Some(po) = change.po_number {
        checkout.po_number = po
            .map(|p| PoNumber::parse(&p))
            .transpose()
            .map_err(|e| ApiError::invalid_parameter("po_number", e))?;
    }
    if let Some(day) = change.requested_delivery {
        let today = Utc::now().date_naive();
        if let Some(d) = day.filter(|d| *d < today) {
            return Err(ApiError::invalid_parameter(
                "requested_delivery",
                format!("{d} is in the past"),
            ));
        }
        checkout.requested_delivery = day;
    }
    if let Some(ship_to) = change.ship_to {
        if let Some(id) = &ship_to {
            let record = state
                .store
                .account(&account)
                .await?
                .ok_or(ApiError::NotFound("account"))?;
            if !record.ship_to.iter().any(|a| &a.id == id) {
                let known: Vec<&str> = record.ship_to.iter().map(|a| a.id.as_str()).collect();
                return Err(ApiError::invalid_parameter(
                    "ship_to",
                    format!(
                        "{id:?} is not one of the account's addresses ({})",
                        known.join(", ")
                    ),
                ));
            }
        }
        checkout.ship_to = ship_to;
    }
    if let Some(note) = change.note {
        if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
            return Err(ApiError::invalid_parameter(
                "note",
                format!("at most {MAX_NOTE} characters"),
            ));
        }
        checkout.note = note;
    }
    let read = cart.version;
    cart.version += 1;
    cart.updated_at = Utc::now();
    cart.updated_by = principal.user_id.clone();
    save(&state, &cart, read).await?;
    Ok(respond::<()>(StatusCode::OK, cart, Vec::new(), None))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VersionQuery {
    version: Option<u64>,
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    Query(q): Query<VersionQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let version = portal_http::version_of(&headers, q.version)?;
    let (cart, _) = writable(&state, &principal, &id, version).await?;
    match state.store.delete_cart(&cart.id, version).await? {
        CartWrite::Written => Ok(StatusCode::NO_CONTENT.into_response()),
        CartWrite::Stale {
            current: Some(current),
        } => Err(ApiError::VersionConflict {
            what: "cart",
            current,
        }),
        CartWrite::Stale { current: None } => Err(ApiError::NotFound("cart")),
    }
}
