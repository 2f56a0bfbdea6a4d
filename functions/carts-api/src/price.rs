//! A cart's lines priced from a quote: the lines the cart should have go in priced, or come
//! back refused with the reason. Pure.

use portal_domain::Sku;
use portal_domain::carts::{CartLine, MAX_CART_LINES};
use pricing::{LineError, Quote, RawQuantity};
use rust_decimal::Decimal;
use serde::Serialize;

/// A line the cart should have, and why the portal proposed it (if it did).
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub sku: Sku,
    pub quantity: Decimal,
    pub reason: Option<String>,
}

/// A line that did not go into the cart: as it was requested (numbered from 1 in its request;
/// 0 for a line the cart had, which no longer prices), and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refused {
    pub line: usize,
    pub sku: String,
    pub quantity: RawQuantity,
    pub error: LineError,
}

impl Refused {
    pub fn new(line: usize, sku: &str, quantity: RawQuantity, error: LineError) -> Self {
        Self {
            line,
            sku: sku.to_owned(),
            quantity,
            error,
        }
    }
}

/// The quantity as an answer shows it.
pub fn raw(quantity: Decimal) -> RawQuantity {
    RawQuantity::Text(quantity.to_string())
}

/// Prices `wanted` (one line per SKU, in order) into cart lines, at most [`MAX_CART_LINES`];
/// each line that cannot be priced is refused with its position in `wanted` (1-based) and why.
pub fn price_lines(quote: &Quote, wanted: &[Wanted]) -> (Vec<CartLine>, Vec<(usize, LineError)>) {
    let prices = quote.prices();
    let mut lines = Vec::with_capacity(wanted.len());
    let mut refused = Vec::new();
    for (n, want) in wanted.iter().enumerate() {
        if lines.len() == MAX_CART_LINES {
            refused.push((
                n + 1,
                LineError::new(
                    "cart-full",
                    format!("{}: a cart holds at most {MAX_CART_LINES} lines", want.sku),
                ),
            ));
            continue;
        }
        match quote.line(&prices, &want.sku, want.quantity) {
            Ok(priced) => lines.push(CartLine {
                name: quote
                    .product(&want.sku)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                sku: priced.sku,
                quantity: priced.quantity,
                unit_price: priced.unit_price,
                line_total: priced.line_total,
                source: priced.source,
                reason: want.reason.clone(),
            }),
            Err(error) => refused.push((n + 1, error)),
        }
    }
    (lines, refused)
}

/// The lines' total, or `None` if it overflows (no realistic cart reaches it: a line is at
/// most 10⁹ units at 10¹⁵ each, and a cart 500 lines).
pub fn total(lines: &[CartLine]) -> Option<Decimal> {
    lines
        .iter()
        .try_fold(Decimal::ZERO, |sum, l| sum.checked_add(l.line_total))
}
