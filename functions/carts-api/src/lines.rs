//! A cart's lines: a quick order into it (JSON or a pasted CSV), one line's quantity, one
//! line out.

use crate::price::{Refused, Wanted};
use crate::{quote, reprice_and_save, writable};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use portal_domain::Sku;
use portal_domain::carts::MAX_CART_LINES;
use portal_http::{ApiError, AppState, Body, Caller, Path, Query, RawBody};
use pricing::{LineError, Quote, RawQuantity, parse_quantity};
use serde::Deserialize;

/// A line as a request gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Requested {
    pub sku: String,
    pub quantity: RawQuantity,
}

/// 400 unless a quick order of `requested` lines fits a request.
pub(crate) fn check_count(requested: usize, least: usize) -> Result<(), ApiError> {
    if requested < least {
        return Err(ApiError::bad_request(
            "invalid-body",
            "lines: give at least one line",
        ));
    }
    if requested > MAX_CART_LINES {
        return Err(ApiError::bad_request(
            "invalid-body",
            format!("lines: at most {MAX_CART_LINES} lines per request, got {requested}"),
        ));
    }
    Ok(())
}

/// A quick order into `wanted` (the cart's lines): each requested line on its own (its SKU,
/// that the account buys it, its quantity, the SKU's rule and price, with what the cart
/// already has of it); the good ones are added, the others refused with their reason.
pub(crate) fn quick_order(
    quote: &Quote,
    mut wanted: Vec<Wanted>,
    requested: &[Requested],
) -> (Vec<Wanted>, Vec<Refused>) {
    let prices = quote.prices();
    let mut refused = Vec::new();
    for (n, line) in requested.iter().enumerate() {
        let refuse = |error| Refused::new(n + 1, &line.sku, line.quantity.clone(), error);
        let parsed = Sku::parse(&line.sku)
            .map_err(|e| LineError::new("invalid-sku", format!("sku: {e}")))
            .and_then(|sku| Ok((sku, parse_quantity(&line.quantity)?)));
        let (sku, quantity) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                refused.push(refuse(error));
                continue;
            }
        };
        let existing = wanted.iter().position(|w| w.sku == sku);
        let had = existing.map(|i| wanted[i].quantity);
        let total = had.map_or(Some(quantity), |h| h.checked_add(quantity));
        let Some(total) = total else {
            refused.push(refuse(LineError::new(
                "invalid-quantity",
                format!("{sku}: the cart's quantity and this one are too large a number"),
            )));
            continue;
        };
        if let Err(mut error) = quote.line(&prices, &sku, total) {
            if let Some(had) = had {
                error.detail = format!("{} (the cart already has {had})", error.detail);
            }
            refused.push(refuse(error));
            continue;
        }
        match existing {
            Some(i) => wanted[i].quantity = total,
            None if wanted.len() >= MAX_CART_LINES => refused.push(refuse(LineError::new(
                "cart-full",
                format!("{sku}: a cart holds at most {MAX_CART_LINES} lines"),
            ))),
            None => wanted.push(Wanted {
                sku,
                quantity: total,
                reason: None,
            }),
        }
    }
    (wanted, refused)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuickOrder {
    version: Option<u64>,
    lines: Vec<Requested>,
}

/// Whether the body is CSV (by its content type): `text/csv` or `text/plain`.
fn is_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|t| t == "text/csv" || t == "text/plain")
}

/// The lines of a pasted or uploaded CSV: SKU and quantity per row, separated by a tab, a
/// semicolon or a comma (whichever the first row has, in that order); a first row naming its
/// columns (`sku`, `item`, `article`, `material`, `part`, `product`) is a header; empty rows
/// are skipped; with a tab or semicolon, a decimal comma is read as a point.
pub(crate) fn csv_lines(body: &[u8]) -> Result<Vec<Requested>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("invalid-body", "the CSV is not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = [b'\t', b';', b',']
        .into_iter()
        .find(|d| first.as_bytes().contains(d))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut lines = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            ApiError::bad_request("invalid-body", format!("CSV row {}: {e}", n + 1))
        })?;
        let sku = record.get(0).unwrap_or("").to_owned();
        let quantity = record.get(1).unwrap_or("").to_owned();
        if sku.is_empty() && quantity.is_empty() {
            continue;
        }
        if lines.is_empty() && n == 0 && is_header(&sku) {
            continue;
        }
        let quantity = if delimiter != b',' && !quantity.contains('.') {
            quantity.replace(',', ".")
        } else {
            quantity
        };
        lines.push(Requested {
            sku,
            quantity: RawQuantity::Text(quantity),
        });
        if lines.len() > MAX_CART_LINES {
            break;
        }
    }
    Ok(lines)
}

fn is_header(first_field: &str) -> bool {
    let field = first_field.to_ascii_lowercase();
    ["sku", "item", "article", "material", "part", "product"]
        .iter()
        .any(|word| field.contains(word))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VersionQuery {
    version: Option<u64>,
}

pub(crate) async fn add(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    Query(q): Query<VersionQuery>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let (body_version, requested) = if is_csv(&headers) {
        (None, csv_lines(&body)?)
    } else {
        let order: QuickOrder = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request("invalid-body", format!("the body: {e}")))?;
        (order.version, order.lines)
    };
    let version = portal_http::version_of(&headers, body_version.or(q.version))?;
    check_count(requested.len(), 1)?;
    let (cart, account) = writable(&state, &principal, &id, version).await?;
    let mut skus: Vec<Sku> = cart.lines.iter().map(|l| l.sku.clone()).collect();
    skus.extend(requested.iter().filter_map(|r| Sku::parse(&r.sku).ok()));
    let quote = quote(&state, &account, &skus).await?;
    let (wanted, refused) = quick_order(&quote, Wanted::of(&cart.lines), &requested);
    reprice_and_save(&state, &principal, &quote, cart, &wanted, refused).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LineChange {
    version: Option<u64>,
    quantity: RawQuantity,
}

pub(crate) async fn set(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path((id, sku)): Path<(String, String)>,
    headers: HeaderMap,
    Body(change): Body<LineChange>,
) -> Result<Response, ApiError> {
    let version = portal_http::version_of(&headers, change.version)?;
    let sku = Sku::parse(&sku)?;
    let quantity = parse_quantity(&change.quantity)
        .map_err(|e| ApiError::bad_request("invalid-parameter", e.detail))?;
    let (cart, account) = writable(&state, &principal, &id, version).await?;
    let mut wanted = Wanted::of(&cart.lines);
    if !wanted.iter().any(|w| w.sku == sku) && wanted.len() >= MAX_CART_LINES {
        return Err(ApiError::Unprocessable {
            code: "cart-full",
            detail: format!("a cart holds at most {MAX_CART_LINES} lines"),
        });
    }
    let mut skus: Vec<Sku> = wanted.iter().map(|w| w.sku.clone()).collect();
    skus.push(sku.clone());
    let quote = quote(&state, &account, &skus).await?;
    // The line itself must price: its error is the answer, naming the line and the rule.
    if let Err(error) = quote.line(&quote.prices(), &sku, quantity) {
        let rule = error
            .rule
            .as_ref()
            .map(|r| {
                let max = r
                    .max()
                    .map(|m| format!(", at most {m}"))
                    .unwrap_or_default();
                format!(
                    " (rule: at least {}{max}, in steps of {})",
                    r.min(),
                    r.increment()
                )
            })
            .unwrap_or_default();
        return Err(ApiError::Unprocessable {
            code: error.code,
            detail: format!("line {sku}: {}{rule}", error.detail),
        });
    }
    match wanted.iter_mut().find(|w| w.sku == sku) {
        Some(w) => w.quantity = quantity,
        None => wanted.push(Wanted {
            sku,
            quantity,
            reason: None,
        }),
    }
    reprice_and_save(&state, &principal, &quote, cart, &wanted, Vec::new()).await
}

pub(crate) async fn remove(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path((id, sku)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let version = portal_http::version_of(&headers, q.version)?;
    let sku = Sku::parse(&sku)?;
    let (cart, account) = writable(&state, &principal, &id, version).await?;
    if cart.line(&sku).is_none() {
        return Err(ApiError::NotFound("cart line"));
    }
    let wanted: Vec<Wanted> = Wanted::of(&cart.lines)
        .into_iter()
        .filter(|w| w.sku != sku)
        .collect();
    let skus: Vec<Sku> = wanted.iter().map(|w| w.sku.clone()).collect();
    let quote = quote(&state, &account, &skus).await?;
    reprice_and_save(&state, &principal, &quote, cart, &wanted, Vec::new()).await
}
