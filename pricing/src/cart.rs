//! A cart's lines priced from a quote: the lines a cart should have go in priced, or come
//! back refused with the reason.

use crate::{LineError, Quote};
use portal_domain::Sku;
use portal_domain::carts::{CartLine, MAX_CART_LINES};
use rust_decimal::Decimal;

/// A line a cart should have, and why the portal proposed it (if it did).
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub sku: Sku,
    pub quantity: Decimal,
    pub reason: Option<String>,
}

impl Wanted {
    /// A cart's lines as wanted lines (to change and price them again).
    pub fn of(lines: &[CartLine]) -> Vec<Wanted> {
        lines
            .iter()
            .map(|l| Wanted {
                sku: l.sku.clone(),
                quantity: l.quantity,
                reason: l.reason.clone(),
            })
            .collect()
    }
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
