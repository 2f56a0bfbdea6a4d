//! A quote: one account's price data for one day, and each requested line's answer as the API
//! sends it (a priced line, or an error with a stable code naming the SKU).

use crate::{Buyer, BuyerPrices, PriceBook, PricedLine, PricingError};
use chrono::NaiveDate;
use portal_domain::Sku;
use portal_domain::model::{Account, Product};
use portal_domain::pricing::{PriceData, QuantityRule, RuleViolation};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

/// An account's prices for some SKUs on one day.
#[derive(Debug, Clone)]
pub struct Quote {
    account: Account,
    products: HashMap<Sku, Product>,
    book: PriceBook,
    buyer: Buyer,
    day: NaiveDate,
}

/// Why a requested line has no price: a stable `code`, a `detail` naming the SKU, and the
/// SKU's rule when the quantity breaks it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineError {
    pub code: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<QuantityRule>,
}

impl LineError {
    pub fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            rule: None,
        }
    }

    /// A SKU the account cannot buy: unknown, or of a division it does not buy from (the two
    /// are not told apart).
    pub fn unknown_sku(sku: &Sku) -> Self {
        Self::new(
            "unknown-sku",
            format!("{sku} is not in the catalog this account buys from"),
        )
    }
}

impl Quote {
    /// The quote of `data` on `day`.
    pub fn new(data: PriceData, day: NaiveDate) -> Self {
        let buyer = Buyer {
            account: data.account.id.clone(),
            groups: data.account.price_groups.clone(),
            currency: data.account.currency,
        };
        Self {
            book: PriceBook::new(data.lists, data.assignments, data.prices, data.rules),
            account: data.account,
            products: data.products,
            buyer,
            day,
        }
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    pub fn day(&self) -> NaiveDate {
        self.day
    }

    pub fn book(&self) -> &PriceBook {
        &self.book
    }

    /// The product, if the account buys it.
    pub fn product(&self, sku: &Sku) -> Option<&Product> {
        self.products.get(sku)
    }

    /// The account's lists in resolution order: make it once, price many lines.
    pub fn prices(&self) -> BuyerPrices<'_> {
        self.book.for_buyer(&self.buyer, self.day)
    }

    /// One line's price, or why it has none.
    pub fn line(
        &self,
        prices: &BuyerPrices<'_>,
        sku: &Sku,
        quantity: Decimal,
    ) -> Result<PricedLine, LineError> {
        let product = self
            .product(sku)
            .ok_or_else(|| LineError::unknown_sku(sku))?;
        prices
            .price(sku, &product.division, quantity)
            .map_err(|e| self.error(e))
    }

    /// The answer's form of a pricing error (with the SKU's rule when the quantity breaks it).
    pub fn error(&self, error: PricingError) -> LineError {
        let (code, rule) = match &error {
            PricingError::Quantity {
                violation: RuleViolation::NotPositive { .. },
                ..
            } => ("invalid-quantity", None),
            PricingError::Quantity { sku, .. } => ("quantity-rule", self.book.rule(sku).cloned()),
            PricingError::NoPrice { .. } => ("no-price", None),
            PricingError::TooLarge { .. } => ("too-large", None),
            PricingError::TooPrecise { .. } => ("too-precise", None),
        };
        LineError {
            code,
            detail: error.to_string(),
            rule,
        }
    }
}

/// The largest quantity a line may have: 10⁹ units, as ingest takes.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// A quantity as a request gives it: a JSON number or a string (anything else does not
/// deserialise, so a request with one is refused whole).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum RawQuantity {
    Number(serde_json::Number),
    Text(String),
}

/// A requested quantity (`"12"`, `"2.5"`, `12`), or why it is not one.
pub fn parse_quantity(raw: &RawQuantity) -> Result<Decimal, LineError> {
    let text = match raw {
        RawQuantity::Text(s) => s.trim().to_owned(),
        RawQuantity::Number(n) => n.to_string(),
    };
    let quantity = text
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| {
            LineError::new(
                "invalid-quantity",
                format!("quantity: {text:?} is not a number"),
            )
        })?;
    if quantity.abs() > Decimal::from(MAX_QUANTITY) {
        return Err(LineError::new(
            "invalid-quantity",
            format!(
                "quantity: {quantity} is more than the largest quantity, {}",
                portal_domain::text::thousands(MAX_QUANTITY.unsigned_abs())
            ),
        ));
    }
    Ok(quantity.normalize())
}

/// One requested line's answer, numbered from 1 in the request's order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineAnswer {
    pub line: usize,
    #[serde(flatten)]
    pub result: LineResult,
}

/// A priced line, or the line as requested with why it has no price.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LineResult {
    Priced(PricedLine),
    Refused {
        sku: String,
        quantity: RawQuantity,
        error: LineError,
    },
}

/// What a catalog answer shows of a product's price for the caller's account: the unit price
/// of the smallest line it may order, the tiers of the list that gives it, and the SKU's rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogPrice {
    pub currency: portal_domain::Currency,
    pub unit_price: Decimal,
    /// The quantity `unit_price` is for: the rule's minimum, or 1.
    pub quantity: Decimal,
    pub source: crate::PriceSource,
    pub tiers: Vec<portal_domain::pricing::Tier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity_rule: Option<QuantityRule>,
}

impl Quote {
    /// `sku`'s catalog price, if the account buys it and a list prices it.
    pub fn catalog_price(&self, prices: &BuyerPrices<'_>, sku: &Sku) -> Option<CatalogPrice> {
        let rule = self.book.rule(sku).cloned();
        let quantity = rule.as_ref().map_or(Decimal::ONE, QuantityRule::min);
        let line = self.line(prices, sku, quantity).ok()?;
        let tiers = self
            .book
            .price_of(&line.source.price_list, sku)
            .map(|p| p.tiers.as_slice().to_vec())
            .unwrap_or_default();
        Some(CatalogPrice {
            currency: line.currency,
            unit_price: line.unit_price,
            quantity,
            source: line.source,
            tiers,
            quantity_rule: rule,
        })
    }
}
