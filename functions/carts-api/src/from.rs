//! Carts made from something the portal knows: a past order (reorder) and the account's
//! reorder suggestions (the replenishment cart).

use crate::carts::{Draft, create_priced};
use crate::price::Wanted;
use crate::{may_fill, quote};
use axum::extract::State;
use axum::response::Response;
use portal_domain::carts::{CartOrigin, MAX_CART_LINES};
use portal_domain::insights::{ReorderStatus, ReorderSuggestion};
use portal_domain::model::LineStatus;
use portal_domain::{OrderId, Sku};
use portal_http::{ApiError, AppState, Caller, Path, RawBody};
use pricing::Quote;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FromBody {
    account: Option<String>,
    name: Option<String>,
    shared: Option<bool>,
}

/// A reorder's answer beside its cart: what became of each of the order's SKUs.
#[derive(Debug, Serialize)]
struct Changes {
    changes: Vec<Change>,
}

/// A replenishment cart's answer beside its cart: the suggestions it left out.
#[derive(Debug, Serialize)]
struct SkippedLines {
    skipped: Vec<Skipped>,
}

/// What became of one of the order's SKUs in the new cart.
#[derive(Debug, Serialize)]
struct Change {
    sku: Sku,
    /// The quantity the order had of it (its lines that were not cancelled).
    ordered_quantity: Decimal,
    was_unit_price: Decimal,
    /// `unchanged`, `repriced`, `quantity-adjusted` (to today's rule) or `dropped`.
    change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit_price: Option<Decimal>,
    /// Why it changed or was dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

/// `quantity` fitted to the SKU's rule, if it has one (in whole packs, within its bounds).
fn fitted(quote: &Quote, sku: &Sku, quantity: Decimal) -> Decimal {
    quote
        .book()
        .rule(sku)
        .map_or(quantity, |rule| rule.fit(quantity))
}

pub(crate) async fn reorder(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(order_id): Path<String>,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let order_id = OrderId::parse(&order_id)?;
    let body = portal_http::optional_json::<FromBody>(&body)?;
    if body.account.is_some() {
        return Err(ApiError::invalid_parameter(
            "account",
            "a reorder is for the order's account",
        ));
    }
    let order = state
        .store
        .order(&principal, &order_id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    may_fill(&principal)?;
    let account = principal
        .scoped(&order.summary.account_id)
        .ok_or(ApiError::NotFound("order"))?;
    // The order's SKUs once each, in the order's order, with their quantities and last price.
    let mut ordered: Vec<(Sku, Decimal, Decimal)> = Vec::new();
    for line in order
        .lines
        .iter()
        .filter(|l| l.status != LineStatus::Cancelled)
    {
        match ordered.iter_mut().find(|(sku, ..)| *sku == line.sku) {
            Some((_, quantity, _)) => *quantity = quantity.saturating_add(line.quantity),
            None => ordered.push((line.sku.clone(), line.quantity, line.unit_price)),
        }
    }
    ordered.truncate(MAX_CART_LINES);
    let skus: Vec<Sku> = ordered.iter().map(|(sku, ..)| sku.clone()).collect();
    let quote = quote(&state, &account, &skus).await?;
    let prices = quote.prices();
    let mut wanted = Vec::new();
    let mut changes = Vec::new();
    for (sku, quantity, was) in ordered {
        let now = fitted(&quote, &sku, quantity);
        let mut change = Change {
            sku: sku.clone(),
            ordered_quantity: quantity,
            was_unit_price: was,
            change: "unchanged",
            quantity: Some(now),
            unit_price: None,
            detail: None,
        };
        match quote.line(&prices, &sku, now) {
            Err(error) => {
                change.change = "dropped";
                change.quantity = None;
                change.detail = Some(error.detail);
            }
            Ok(line) => {
                change.unit_price = Some(line.unit_price);
                if now != quantity {
                    change.change = "quantity-adjusted";
                    change.detail = Some(format!(
                        "{quantity} is not a quantity {sku} is sold in today: {now}"
                    ));
                } else if line.unit_price != was
                    || quote.account().currency != order.summary.currency
                {
                    change.change = "repriced";
                    change.detail = Some(format!(
                        "{was} {} then, {} {} today",
                        order.summary.currency, line.unit_price, line.currency
                    ));
                }
                wanted.push(Wanted {
                    sku,
                    quantity: now,
                    reason: None,
                });
            }
        }
        changes.push(change);
    }
    let draft = Draft {
        name: body.name.or_else(|| Some(format!("Reorder of {order_id}"))),
        shared: body.shared,
        origin: CartOrigin::Reorder { order_id },
    };
    create_priced(
        &state,
        &principal,
        &quote,
        draft,
        &wanted,
        Vec::new(),
        Some(Changes { changes }),
    )
    .await
}

/// What the replenishment cart left out.
#[derive(Debug, Serialize)]
struct Skipped {
    sku: Sku,
    suggested_quantity: f64,
    reason: String,
    detail: String,
}

pub(crate) async fn replenishment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let body = portal_http::optional_json::<FromBody>(&body)?;
    let account = portal_http::account_param(&principal, body.account.as_deref())?;
    may_fill(&principal)?;
    let run = state
        .store
        .served_run()
        .await?
        .ok_or(ApiError::NotFound("analytics run"))?;
    let suggestions: Vec<ReorderSuggestion> = state
        .store
        .reorder_suggestions(
            &run.run_id,
            &account,
            &[ReorderStatus::Due, ReorderStatus::Overdue],
            MAX_CART_LINES,
            None,
        )
        .await?
        .into_items()
        .into_iter()
        .map(ReorderSuggestion::customer_view)
        .collect();
    let skus: Vec<Sku> = suggestions.iter().map(|s| s.sku.clone()).collect();
    let quote = quote(&state, &account, &skus).await?;
    let prices = quote.prices();
    let mut wanted = Vec::new();
    let mut skipped = Vec::new();
    for s in suggestions {
        let suggested = Decimal::from_f64_retain(s.suggested_quantity)
            .unwrap_or(Decimal::ONE)
            .ceil()
            .max(Decimal::ONE);
        let quantity = fitted(&quote, &s.sku, suggested);
        match quote.line(&prices, &s.sku, quantity) {
            Ok(_) => wanted.push(Wanted {
                sku: s.sku,
                quantity,
                reason: Some(s.reason),
            }),
            Err(error) => skipped.push(Skipped {
                sku: s.sku,
                suggested_quantity: s.suggested_quantity,
                reason: s.reason,
                detail: error.detail,
            }),
        }
    }
    let draft = Draft {
        name: body
            .name
            .or_else(|| Some(format!("Replenishment as of {}", run.as_of))),
        shared: body.shared,
        origin: CartOrigin::Replenishment {
            run_id: run.run_id,
            as_of: run.as_of,
        },
    };
    create_priced(
        &state,
        &principal,
        &quote,
        draft,
        &wanted,
        Vec::new(),
        Some(SkippedLines { skipped }),
    )
    .await
}
