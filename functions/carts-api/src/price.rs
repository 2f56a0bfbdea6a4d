//! What a cart write answers about the lines that did not go in.

pub use pricing::cart::{Wanted, price_lines, total};
use pricing::{LineError, RawQuantity};
use rust_decimal::Decimal;
use serde::Serialize;

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
