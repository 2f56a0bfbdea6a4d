//! Placing a cart: checks, prices again, orders per division, one transaction.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};
use portal_domain::approvals::{self, Approval};
use portal_domain::carts::{Cart, CartLine, CartStatus, Checkout};
use portal_domain::events::{OrderEvent, OrderEventType};
use portal_domain::model::{
    Account, LineStatus, Order, OrderLine, OrderStatus, OrderSummary, Placed as PlacedBy,
    StatusChange, Totals,
};
use portal_domain::{CartId, DivisionId, OrderId, PoNumber, Principal};
use portal_http::idempotency::Completion;
use portal_http::{ApiError, AppState, Caller, Idempotent, Path, RawBody};
use portal_store::{PendingApproval, Placed, Placement, SpendChange};
use pricing::Quote;
use pricing::cart::{Wanted, price_lines, total};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The longest note, in characters.
const MAX_NOTE: usize = 1_000;
/// How many times a placement decides again when an order number was taken or the buyer's
/// spend changed under it.
const NUMBER_ATTEMPTS: usize = 3;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlaceBody {
    version: Option<u64>,
    po_number: Option<String>,
    requested_delivery: Option<NaiveDate>,
    ship_to: Option<String>,
    note: Option<String>,
}

/// The answer: the orders placed, and the cart as it is now.
#[derive(Debug, Serialize)]
struct PlaceAnswer<'a> {
    orders: &'a [Order],
    cart: CartState<'a>,
}

#[derive(Debug, Serialize)]
struct CartState<'a> {
    id: &'a CartId,
    version: u64,
    status: &'a CartStatus,
}

pub(crate) async fn place(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(cart_id): Path<String>,
    key: Idempotent,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let body: PlaceBody = portal_http::optional_json(&body)?;
    let version = portal_http::version_of(&headers, body.version)?;
    let cart_id = CartId::parse(&cart_id)?;
    // What makes the request what it is: the cart and the checkout details (not the version,
    // so that a retry after re-reading the cart may keep its key).
    let hash = {
        let mut h = Sha256::new();
        for part in [
            Some(cart_id.as_str()),
            body.po_number.as_deref(),
            body.ship_to.as_deref(),
            body.note.as_deref(),
        ] {
            h.update(part.unwrap_or("\u{0}").as_bytes());
            h.update(b"\n");
        }
        h.update(
            body.requested_delivery
                .map(|d| d.to_string())
                .unwrap_or_default(),
        );
        format!("place-order:{:x}", h.finalize())
    };
    let user = principal.user_id.clone();
    key.run_in_transaction(&state, &user, &hash, StatusCode::CREATED, |completion| {
        place_cart(&state, &principal, &cart_id, version, body, completion)
    })
    .await
}

/// The checkout details of the cart with the body's on top, checked against the account.
fn checkout_of(cart: &Cart, body: PlaceBody, account: &Account) -> Result<Checkout, ApiError> {
    let mut checkout = cart.checkout.clone();
    if let Some(po) = body.po_number {
        checkout.po_number =
            Some(PoNumber::parse(&po).map_err(|e| ApiError::invalid_parameter("po_number", e))?);
    }
    if let Some(day) = body.requested_delivery {
        checkout.requested_delivery = Some(day);
    }
    if let Some(day) = checkout.requested_delivery
        && day < Utc::now().date_naive()
    {
        return Err(ApiError::invalid_parameter(
            "requested_delivery",
            format!("{day} is in the past"),
        ));
    }
    if let Some(ship_to) = body.ship_to {
        checkout.ship_to = Some(ship_to);
    }
    match &checkout.ship_to {
        Some(id) if !account.ship_to.iter().any(|a| &a.id == id) => {
            return Err(ApiError::invalid_parameter(
                "ship_to",
                format!("{id:?} is not one of the account's addresses"),
            ));
        }
        Some(_) => {}
        None => checkout.ship_to = account.ship_to.first().map(|a| a.id.clone()),
    }
    if let Some(note) = body.note {
        if note.chars().count() > MAX_NOTE {
            return Err(ApiError::invalid_parameter(
                "note",
                format!("at most {MAX_NOTE} characters"),
            ));
        }
        checkout.note = Some(note);
    }
    Ok(checkout)
}

/// 403 unless `principal` may place orders.
fn may_place(principal: &Principal) -> Result<(), ApiError> {
    if principal.role.may_place_orders() {
        return Ok(());
    }
    Err(ApiError::Forbidden {
        code: "forbidden",
        detail: format!(
            "a {} does not place orders: the account's buyers do",
            principal.role
        ),
    })
}

async fn place_cart(
    state: &AppState,
    principal: &Principal,
    cart_id: &CartId,
    version: u64,
    body: PlaceBody,
    completion: Completion,
) -> Result<String, ApiError> {
    let store = &state.store;
    let cart = store
        .cart(principal, cart_id)
        .await?
        .ok_or(ApiError::NotFound("cart"))?;
    may_place(principal)?;
    if !cart.is_open() {
        return Err(ApiError::Conflict {
            code: "cart-ordered",
            detail: format!("cart {cart_id} was placed as an order already"),
        });
    }
    if cart.version != version {
        return Err(ApiError::VersionConflict {
            what: "cart",
            current: cart.version,
        });
    }
    if cart.lines.is_empty() {
        return Err(ApiError::Unprocessable {
            code: "cart-empty",
            detail: format!("cart {cart_id} has no lines to order"),
        });
    }
    let scoped = principal
        .scoped(&cart.account_id)
        .ok_or(ApiError::NotFound("cart"))?;
    // The price data holds the account's record: read once, for the checkout details too.
    let skus: Vec<_> = cart.lines.iter().map(|l| l.sku.clone()).collect();
    let data = store
        .price_data(&scoped, &skus)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let checkout = checkout_of(&cart, body, &data.account)?;
    let settings = store.checkout_settings(&scoped).await?;
    if settings.po_required && checkout.po_number.is_none() {
        return Err(ApiError::Unprocessable {
            code: "po-number-required",
            detail: format!(
                "account {} orders with a PO number: set po_number on the cart or in the body",
                cart.account_id
            ),
        });
    }
    let limit = store.spending_limit(&scoped, &principal.user_id).await?;
    let quote = Quote::new(data, Utc::now().date_naive());
    let wanted = Wanted::of(&cart.lines);
    let (lines, refused) = price_lines(&quote, &wanted);
    if !refused.is_empty() || lines != cart.lines {
        return Err(repriced(state, principal, cart, lines, &quote).await?);
    }
    for attempt in 1..=NUMBER_ATTEMPTS {
        let mut orders = orders_of(state, principal, &cart, &checkout, &quote).await?;
        let now = Utc::now();
        let month = now.format("%Y-%m").to_string();
        let spent = store
            .spend(&cart.account_id, &principal.user_id, &month)
            .await?;
        let placement_total = orders
            .iter()
            .try_fold(Decimal::ZERO, |sum, o| {
                sum.checked_add(o.summary.totals.gross)
            })
            .ok_or_else(|| ApiError::bad_request("too-large", "the orders' total is too large"))?;
        let reasons = approvals::reasons(
            &settings,
            limit.as_ref(),
            spent.unwrap_or_default(),
            placement_total,
            cart.currency,
        );
        let mut pending = Vec::new();
        if !reasons.is_empty() {
            let approvers: Vec<_> = store
                .account_users(&scoped)
                .await?
                .into_iter()
                .filter(|u| u.role.may_approve() && u.id != principal.user_id)
                .map(|u| u.id)
                .collect();
            for order in &mut orders {
                order.summary.status = OrderStatus::PendingApproval;
                order.status_history = vec![StatusChange {
                    status: OrderStatus::PendingApproval,
                    at: now,
                    note: None,
                }];
                if let Some(placed) = &mut order.placed {
                    placed.approval = Some(Approval {
                        reasons: reasons.clone(),
                        approvers: approvers.clone(),
                        decision: None,
                    });
                }
                pending.push(PendingApproval {
                    account_id: order.summary.account_id.clone(),
                    order_id: order.summary.id.clone(),
                    total: order.summary.totals.gross,
                    currency: order.summary.currency,
                    placed_by: principal.user_id.clone(),
                    placed_at: order.placed.as_ref().map_or(now, |p| p.at),
                    reasons: reasons.clone(),
                });
            }
        }
        // Released orders count towards the buyer's month, and go to the ERP.
        let spend = pending.is_empty().then(|| SpendChange {
            account_id: cart.account_id.clone(),
            user: principal.user_id.clone(),
            month: month.clone(),
            add: placement_total,
            // Only a limit makes the decision depend on the spend read.
            read: limit.is_some().then_some(spent),
        });
        let events: Vec<OrderEvent> = orders
            .iter()
            .filter(|o| o.summary.status == OrderStatus::Submitted)
            .map(|o| OrderEvent {
                id: OrderEvent::id_of(&o.summary.id, 1, OrderEventType::Submitted),
                event_type: OrderEventType::Submitted,
                order_id: o.summary.id.clone(),
                account_id: o.summary.account_id.clone(),
                order_version: 1,
                status: o.summary.status,
                total: o.summary.totals.gross,
                currency: o.summary.currency,
                correlation_id: completion.key().to_string(),
                occurred_at: now,
            })
            .collect();
        let mut ordered = cart.clone();
        ordered.status = CartStatus::Ordered {
            orders: orders.iter().map(|o| o.summary.id.clone()).collect(),
        };
        ordered.checkout = checkout.clone();
        ordered.version += 1;
        ordered.updated_at = now;
        ordered.updated_by = principal.user_id.clone();
        let answer = serde_json::to_string(&PlaceAnswer {
            orders: &orders,
            cart: CartState {
                id: &ordered.id,
                version: ordered.version,
                status: &ordered.status,
            },
        })
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
        let placed = store
            .place(Placement {
                orders: &orders,
                cart: &ordered,
                cart_read_version: cart.version,
                events: &events,
                pending: &pending,
                spend,
                answer: completion.answer(&answer)?,
            })
            .await;
        match placed {
            Ok(Placed::Written) => return Ok(answer),
            // The transaction went through and only its success was lost: it is placed.
            _ if completion.answered().await? => return Ok(answer),
            Ok(Placed::NumberTaken | Placed::SpendChanged) if attempt < NUMBER_ATTEMPTS => continue,
            Ok(Placed::SpendChanged) => {
                return Err(ApiError::Conflict {
                    code: "request-in-progress",
                    detail: "the buyer's other orders kept changing this month's spend: place \
                             the cart again"
                        .into(),
                });
            }
            Ok(Placed::NumberTaken) => {
                return Err(ApiError::Internal(
                    "order numbers kept being taken: is the counter behind its orders?".into(),
                ));
            }
            Ok(Placed::CartChanged) => {
                let current = store
                    .cart(principal, cart_id)
                    .await?
                    .ok_or(ApiError::NotFound("cart"))?;
                return Err(ApiError::VersionConflict {
                    what: "cart",
                    current: current.version,
                });
            }
            Ok(Placed::ClaimLost) => {
                return Err(ApiError::Conflict {
                    code: "request-in-progress",
                    detail: format!(
                        "another call took over Idempotency-Key {}: ask again for its answer",
                        completion.key()
                    ),
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
    unreachable!("the loop returns on its last attempt")
}

/// The cart's lines as one order per division, each with the next order number.
async fn orders_of(
    state: &AppState,
    principal: &Principal,
    cart: &Cart,
    checkout: &Checkout,
    quote: &Quote,
) -> Result<Vec<Order>, ApiError> {
    let mut by_division: BTreeMap<DivisionId, Vec<&CartLine>> = BTreeMap::new();
    for line in &cart.lines {
        let division = quote
            .product(&line.sku)
            .map(|p| p.division.clone())
            .ok_or_else(|| {
                ApiError::Internal(format!("{} priced without a product", line.sku).into())
            })?;
        by_division.entry(division).or_default().push(line);
    }
    let now = Utc::now();
    let mut orders = Vec::with_capacity(by_division.len());
    for (division, lines) in by_division {
        let number = state.store.next_order_number(now.year()).await?;
        let id = OrderId::parse(&format!("WEB-{}-{number:06}", now.year()))?;
        let lines: Vec<OrderLine> = lines
            .into_iter()
            .enumerate()
            .map(|(n, l)| OrderLine {
                line_no: (n as u32 + 1) * 10,
                sku: l.sku.clone(),
                description: l.name.clone(),
                quantity: l.quantity,
                unit: quote
                    .product(&l.sku)
                    .map_or_else(|| "pcs".to_owned(), |p| p.unit.clone()),
                unit_price: l.unit_price,
                line_total: l.line_total,
                status: LineStatus::Open,
                batch: None,
                price_source: Some(l.source.clone()),
            })
            .collect();
        let net = lines
            .iter()
            .try_fold(Decimal::ZERO, |sum, l| sum.checked_add(l.line_total))
            .ok_or_else(|| ApiError::bad_request("too-large", "the order's total is too large"))?;
        let po_number = match &checkout.po_number {
            Some(po) => po.clone(),
            None => PoNumber::parse(id.as_str())?,
        };
        orders.push(Order {
            summary: OrderSummary {
                id: id.clone(),
                account_id: cart.account_id.clone(),
                po_number,
                division,
                currency: cart.currency,
                order_date: now.date_naive(),
                requested_delivery: checkout.requested_delivery,
                confirmed_delivery: None,
                status: OrderStatus::Submitted,
                totals: Totals {
                    net,
                    tax: Decimal::ZERO,
                    gross: net,
                },
                line_count: lines.len() as u32,
            },
            ship_to: checkout.ship_to.clone(),
            lines,
            status_history: vec![StatusChange {
                status: OrderStatus::Submitted,
                at: now,
                note: None,
            }],
            erp_order_number: None,
            placed: Some(PlacedBy {
                by: principal.user_id.clone(),
                at: now,
                cart_id: cart.id.clone(),
                version: 1,
                note: checkout.note.clone(),
                approval: None,
            }),
        });
    }
    Ok(orders)
}

/// The 409 of a cart whose prices changed since it was priced: the cart is saved with
/// today's prices (lines that no longer price left out), for the buyer to review.
async fn repriced(
    state: &AppState,
    principal: &Principal,
    mut cart: Cart,
    lines: Vec<CartLine>,
    quote: &Quote,
) -> Result<ApiError, ApiError> {
    let read = cart.version;
    cart.total = total(&lines)
        .ok_or_else(|| ApiError::bad_request("too-large", "the cart's total is too large"))?;
    cart.lines = lines;
    cart.currency = quote.account().currency;
    cart.version += 1;
    cart.updated_at = Utc::now();
    cart.updated_by = principal.user_id.clone();
    match state.store.save_cart(&cart, read).await? {
        portal_store::CartWrite::Written => Ok(ApiError::Conflict {
            code: "prices-changed",
            detail: format!(
                "prices changed since the cart was priced: it is now at version {} with \
                 today's prices; review it and place it again",
                cart.version
            ),
        }),
        portal_store::CartWrite::Stale { current } => Ok(ApiError::VersionConflict {
            what: "cart",
            current: current.unwrap_or(read),
        }),
    }
}
