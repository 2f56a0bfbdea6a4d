//! Prices: what the caller's account pays, and why.
//!
//! - `POST /prices`: prices `{"account"?, "lines": [{"sku", "quantity"}, ...]}` (1 to
//!   [`MAX_LINES`] lines) for the account on today's date (UTC): each line priced with its
//!   source (level, list, priority, tier, validity), or refused with a stable code naming the
//!   SKU (`unknown-sku`, `invalid-sku`, `invalid-quantity`, `quantity-rule` with the SKU's rule,
//!   `no-price`, ...); the total of the priced lines. A request that cannot be read is a 400
//!   `invalid-body`; lines that cannot be priced are answered line by line in a 200.
//! - `GET /prices/{sku}/explain?quantity=&account=`: the whole resolution of one line, every
//!   list the account could be priced from in the order they are tried, each with its verdict
//!   (chosen, excluded and why, another division's, no price, not reached), and the outcome.
//!
//! The resolution itself is the `pricing` crate's; this function reads the account's price
//! data with one store method and answers.

use axum::Router;
use axum::extract::State;
use chrono::{NaiveDate, Utc};
use portal_domain::{AccountId, Currency, DivisionId, ScopedAccount, Sku};
use portal_http::{ApiError, ApiResult, AppState, Body, Caller, Path, Query, Route};
use pricing::{
    LineAnswer, LineError, LineResult, PricedLine, Quote, RawQuantity, Step, parse_quantity,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The most lines one request prices (a long quick order).
pub const MAX_LINES: usize = 500;
/// The largest body `POST /prices` takes (413 beyond): room for [`MAX_LINES`] lines.
pub const MAX_BODY_BYTES: usize = 256 << 10;

/// This function's routes.
pub fn routes() -> Vec<Route> {
    let mut price = Route::post("/prices", price_lines);
    price.handler = price
        .handler
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
    vec![price, Route::get("/prices/{sku}/explain", explain)]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceRequest {
    account: Option<String>,
    lines: Vec<RequestedLine>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestedLine {
    sku: String,
    quantity: RawQuantity,
}

#[derive(Debug, Serialize)]
struct PriceAnswer {
    account: AccountId,
    currency: Currency,
    priced_on: NaiveDate,
    lines: Vec<LineAnswer>,
    /// The sum of the priced lines' totals.
    total: Decimal,
    priced: usize,
    refused: usize,
}

/// The account's quote for `skus` today; 404 for an account that does not exist.
async fn quote(state: &AppState, account: &ScopedAccount, skus: &[Sku]) -> Result<Quote, ApiError> {
    let data = state
        .store
        .price_data(account, skus)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    Ok(Quote::new(data, Utc::now().date_naive()))
}

async fn price_lines(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Body(request): Body<PriceRequest>,
) -> ApiResult<PriceAnswer> {
    match request.lines.len() {
        0 => {
            return Err(ApiError::bad_request(
                "invalid-body",
                "lines: must hold at least one line",
            ));
        }
        n if n > MAX_LINES => {
            return Err(ApiError::bad_request(
                "invalid-body",
                format!("lines: at most {MAX_LINES} lines per request, got {n}"),
            ));
        }
        _ => {}
    }
    let account = portal_http::account_param(&principal, request.account.as_deref())?;
    let parsed: Vec<Result<(Sku, Decimal), LineError>> = request
        .lines
        .iter()
        .map(|line| {
            let sku = Sku::parse(&line.sku)
                .map_err(|e| LineError::new("invalid-sku", format!("sku: {e}")))?;
            Ok((sku, parse_quantity(&line.quantity)?))
        })
        .collect();
    let skus: Vec<Sku> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok().map(|(sku, _)| sku.clone()))
        .collect();
    let quote = quote(&state, &account, &skus).await?;
    let prices = quote.prices();
    let mut total = Decimal::ZERO;
    let mut lines = Vec::with_capacity(parsed.len());
    for (n, (requested, parsed)) in request.lines.into_iter().zip(parsed).enumerate() {
        let result = parsed.and_then(|(sku, quantity)| quote.line(&prices, &sku, quantity));
        let result = match result.and_then(|line| add_to(&mut total, line)) {
            Ok(line) => LineResult::Priced(line),
            Err(error) => LineResult::Refused {
                sku: requested.sku,
                quantity: requested.quantity,
                error,
            },
        };
        lines.push(LineAnswer {
            line: n + 1,
            result,
        });
    }
    let priced = lines
        .iter()
        .filter(|l| matches!(l.result, LineResult::Priced(_)))
        .count();
    Ok(axum::Json(PriceAnswer {
        account: quote.account().id.clone(),
        currency: quote.account().currency,
        priced_on: quote.day(),
        refused: lines.len() - priced,
        priced,
        lines,
        total,
    }))
}

/// Adds the line's total to `total`, or refuses the line if the sum would overflow.
fn add_to(total: &mut Decimal, line: PricedLine) -> Result<PricedLine, LineError> {
    *total = total.checked_add(line.line_total).ok_or_else(|| {
        LineError::new(
            "too-large",
            format!("{}: the order's total is too large a number", line.sku),
        )
    })?;
    Ok(line)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainQuery {
    quantity: Option<String>,
    account: Option<String>,
}

#[derive(Debug, Serialize)]
struct ExplainAnswer {
    account: AccountId,
    currency: Currency,
    priced_on: NaiveDate,
    sku: Sku,
    division: DivisionId,
    quantity: Decimal,
    /// Every list the account could be priced from, in the order they are tried.
    steps: Vec<Step>,
    #[serde(flatten)]
    outcome: Outcome,
}

/// The priced line, or why there is none.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Price(PricedLine),
    Error(LineError),
}

async fn explain(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(sku): Path<String>,
    Query(q): Query<ExplainQuery>,
) -> ApiResult<ExplainAnswer> {
    let sku = Sku::parse(&sku)?;
    let quantity = match q.quantity {
        None => Decimal::ONE,
        Some(raw) => parse_quantity(&RawQuantity::Text(raw))
            .map_err(|e| ApiError::bad_request("invalid-parameter", e.detail))?,
    };
    let account = portal_http::account_param(&principal, q.account.as_deref())?;
    let quote = quote(&state, &account, std::slice::from_ref(&sku)).await?;
    let division = quote
        .product(&sku)
        .ok_or(ApiError::NotFound("product"))?
        .division
        .clone();
    let explanation = quote.prices().explain(&sku, &division, quantity);
    Ok(axum::Json(ExplainAnswer {
        account: quote.account().id.clone(),
        currency: quote.account().currency,
        priced_on: quote.day(),
        sku,
        division,
        quantity,
        steps: explanation.steps,
        outcome: match explanation.outcome {
            Ok(line) => Outcome::Price(line),
            Err(e) => Outcome::Error(quote.error(e)),
        },
    }))
}
