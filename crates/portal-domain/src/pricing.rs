//! Price data as the seller's ERP keeps it: price lists with their currency, division and
//! validity, a SKU's price on a list with its volume tiers, whom a list applies to and with
//! what priority, and a SKU's quantity rule. Tiers and quantity rules are checked when they are
//! made (tiers in order, a rule's bounds multiples of its step), so whatever holds one can rely
//! on it; a list's validity window and a price's sign are left to where the data comes in. How
//! a buyer's price is resolved from them is the `pricing` crate's.

use crate::ids::ParseError;
use crate::model::{Account, Product};
use crate::{AccountId, Currency, DivisionId, PriceGroupId, PriceListId, Sku};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Everything that can price some SKUs for one account, as the store reads it.
#[derive(Debug, Clone)]
pub struct PriceData {
    pub account: Account,
    /// The SKUs' products the account buys (of its divisions); others are left out.
    pub products: HashMap<Sku, Product>,
    /// The lists assigned to the account, to its price groups and to its divisions.
    pub assignments: Vec<PriceListAssignment>,
    pub lists: Vec<PriceList>,
    /// The SKUs' prices on those lists (at least those of the SKU's division in the account's
    /// currency: no other price can be chosen).
    pub prices: Vec<Price>,
    pub rules: Vec<QuantityRule>,
}

/// How close a list is to the buyer; earlier levels are tried first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum Level {
    /// The account's own list.
    Contract,
    /// A list of one of the account's price groups.
    Group,
    /// The default list of the SKU's division.
    Default,
}

/// Which list, level and tier gave a line its price, and the list's validity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct PriceSource {
    pub level: Level,
    pub price_list: PriceListId,
    pub priority: u32,
    /// The tier's minimum quantity, when a tier gave the price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_min_quantity: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
}

/// A price list: one currency, one division, valid from and to a day (both included; open
/// when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceList {
    pub id: PriceListId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub currency: Currency,
    pub division: DivisionId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
}

/// Where `day` falls against a list's validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    NotYet,
    Valid,
    Expired,
}

impl PriceList {
    pub fn validity_on(&self, day: NaiveDate) -> Validity {
        if self.valid_from.is_some_and(|from| day < from) {
            Validity::NotYet
        } else if self.valid_to.is_some_and(|to| day > to) {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }
}

/// From `min_quantity` on, the whole line is priced at `unit_price`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub min_quantity: Decimal,
    pub unit_price: Decimal,
}

/// A price's volume tiers: minimum quantities above 1 and strictly increasing, prices not
/// negative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Tier>", into = "Vec<Tier>")]
pub struct Tiers(Vec<Tier>);

impl Tiers {
    pub fn new(tiers: Vec<Tier>) -> Result<Self, ParseError> {
        let mut previous = Decimal::ONE;
        for tier in &tiers {
            if tier.min_quantity <= previous {
                return Err(ParseError::new(
                    "tiers",
                    format!(
                        "must have minimum quantities above 1 and rising; {} follows {previous}",
                        tier.min_quantity
                    ),
                ));
            }
            if tier.unit_price.is_sign_negative() {
                return Err(ParseError::new(
                    "tiers",
                    format!("must not have a negative price, got {}", tier.unit_price),
                ));
            }
            previous = tier.min_quantity;
        }
        Ok(Self(tiers))
    }

    pub fn as_slice(&self) -> &[Tier] {
        &self.0
    }

    /// The tier whose minimum `quantity` reaches last, if any.
    pub fn for_quantity(&self, quantity: Decimal) -> Option<&Tier> {
        self.0.iter().rev().find(|t| quantity >= t.min_quantity)
    }
}

impl TryFrom<Vec<Tier>> for Tiers {
    type Error = ParseError;
    fn try_from(tiers: Vec<Tier>) -> Result<Self, ParseError> {
        Self::new(tiers)
    }
}

impl From<Tiers> for Vec<Tier> {
    fn from(tiers: Tiers) -> Self {
        tiers.0
    }
}

/// A SKU's price on a list: the unit price, and the tiers that lower it for larger lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub list: PriceListId,
    pub sku: Sku,
    pub unit_price: Decimal,
    #[serde(default)]
    pub tiers: Tiers,
}

impl Price {
    /// The unit price of a line of `quantity`, and the tier that gave it.
    pub fn unit_price_for(&self, quantity: Decimal) -> (Decimal, Option<&Tier>) {
        match self.tiers.for_quantity(quantity) {
            Some(tier) => (tier.unit_price, Some(tier)),
            None => (self.unit_price, None),
        }
    }
}

/// Whom a price list applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum Assignee {
    /// One account: its contract prices.
    Account(AccountId),
    /// The accounts of a price group.
    Group(PriceGroupId),
    /// Every account buying from the division: its default list.
    Division(DivisionId),
}

impl std::fmt::Display for Assignee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Assignee::Account(id) => write!(f, "account {id}"),
            Assignee::Group(id) => write!(f, "price group {id}"),
            Assignee::Division(id) => write!(f, "division {id}"),
        }
    }
}

/// A price list applied to an account, a group or a division; of two lists at one level, the
/// lower `priority` wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListAssignment {
    pub list: PriceListId,
    pub to: Assignee,
    pub priority: u32,
}

/// How much of a SKU one line may order: at least `min`, at most `max`, in steps of
/// `increment` (a pack size). `min` and `max` are multiples of `increment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "QuantityRuleFields", into = "QuantityRuleFields")]
pub struct QuantityRule {
    sku: Sku,
    min: Decimal,
    max: Option<Decimal>,
    increment: Decimal,
}

/// Why a line's quantity breaks its SKU's rule (or no rule: a quantity must be positive).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleViolation {
    #[error("quantity {quantity} is not positive")]
    NotPositive { quantity: Decimal },
    #[error("quantity {quantity} is below the minimum of {min}")]
    BelowMinimum { quantity: Decimal, min: Decimal },
    #[error("quantity {quantity} is above the maximum of {max}")]
    AboveMaximum { quantity: Decimal, max: Decimal },
    #[error("quantity {quantity} is not a multiple of {increment}")]
    NotAMultiple {
        quantity: Decimal,
        increment: Decimal,
    },
}

impl QuantityRule {
    pub fn new(
        sku: Sku,
        min: Decimal,
        max: Option<Decimal>,
        increment: Decimal,
    ) -> Result<Self, ParseError> {
        let what = "quantity rule";
        if increment <= Decimal::ZERO {
            return Err(ParseError::new(what, "must have a positive increment"));
        }
        if min <= Decimal::ZERO || !(min % increment).is_zero() {
            return Err(ParseError::new(
                what,
                format!("must have a positive minimum that is a multiple of {increment}"),
            ));
        }
        if let Some(max) = max
            && (max < min || !(max % increment).is_zero())
        {
            return Err(ParseError::new(
                what,
                format!("must have a maximum of at least {min} that is a multiple of {increment}"),
            ));
        }
        Ok(Self {
            sku,
            min,
            max,
            increment,
        })
    }

    pub fn sku(&self) -> &Sku {
        &self.sku
    }
    pub fn min(&self) -> Decimal {
        self.min
    }
    pub fn max(&self) -> Option<Decimal> {
        self.max
    }
    pub fn increment(&self) -> Decimal {
        self.increment
    }

    /// The quantity nearest `quantity` from above that the rule takes: at least the minimum,
    /// a multiple of the increment, at most the maximum.
    pub fn fit(&self, quantity: Decimal) -> Decimal {
        let at_least = quantity.max(self.min);
        let steps = (at_least / self.increment).ceil();
        let fitted = steps * self.increment;
        self.max.map_or(fitted, |max| fitted.min(max))
    }

    /// Whether a line may order `quantity`, or which bound it breaks (the first of minimum,
    /// maximum, step).
    pub fn check(&self, quantity: Decimal) -> Result<(), RuleViolation> {
        check_positive(quantity)?;
        if quantity < self.min {
            return Err(RuleViolation::BelowMinimum {
                quantity,
                min: self.min,
            });
        }
        if let Some(max) = self.max
            && quantity > max
        {
            return Err(RuleViolation::AboveMaximum { quantity, max });
        }
        if !(quantity % self.increment).is_zero() {
            return Err(RuleViolation::NotAMultiple {
                quantity,
                increment: self.increment,
            });
        }
        Ok(())
    }
}

/// The rule every quantity follows, with or without a SKU's rule.
pub fn check_positive(quantity: Decimal) -> Result<(), RuleViolation> {
    if quantity <= Decimal::ZERO {
        return Err(RuleViolation::NotPositive { quantity });
    }
    Ok(())
}

/// A quantity rule as stored and sent, before its checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct QuantityRuleFields {
    sku: Sku,
    min: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<Decimal>,
    increment: Decimal,
}

impl TryFrom<QuantityRuleFields> for QuantityRule {
    type Error = ParseError;
    fn try_from(f: QuantityRuleFields) -> Result<Self, ParseError> {
        Self::new(f.sku, f.min, f.max, f.increment)
    }
}

impl From<QuantityRule> for QuantityRuleFields {
    fn from(r: QuantityRule) -> Self {
        Self {
            sku: r.sku,
            min: r.min,
            max: r.max,
            increment: r.increment,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().expect("a decimal")
    }

    fn sku() -> Sku {
        Sku::parse("A-1").expect("sku")
    }

    #[test]
    fn tiers_must_start_above_one_and_rise() {
        let tier = |min, price| Tier {
            min_quantity: min,
            unit_price: price,
        };
        assert!(Tiers::new(vec![tier(d("10"), d("9")), tier(d("100"), d("8"))]).is_ok());
        for bad in [
            vec![tier(d("1"), d("9"))],
            vec![tier(d("10"), d("9")), tier(d("10"), d("8"))],
            vec![tier(d("100"), d("9")), tier(d("10"), d("8"))],
            vec![tier(d("10"), d("-1"))],
        ] {
            assert!(Tiers::new(bad.clone()).is_err(), "{bad:?}");
            let json = serde_json::to_value(&bad).expect("json");
            assert!(serde_json::from_value::<Tiers>(json).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_tier_prices_the_whole_line_from_its_minimum_on() {
        let price = Price {
            list: PriceListId::parse("PL-1").expect("list"),
            sku: sku(),
            unit_price: d("10"),
            tiers: Tiers::new(vec![
                Tier {
                    min_quantity: d("10"),
                    unit_price: d("9"),
                },
                Tier {
                    min_quantity: d("100"),
                    unit_price: d("8"),
                },
            ])
            .expect("tiers"),
        };
        assert_eq!(price.unit_price_for(d("9")).0, d("10"));
        assert_eq!(price.unit_price_for(d("10")).0, d("9"));
        assert_eq!(price.unit_price_for(d("99.5")).0, d("9"));
        assert_eq!(price.unit_price_for(d("100")).0, d("8"));
    }

    #[test]
    fn a_quantity_rule_refuses_each_bound_and_is_checked_when_made() {
        let rule = QuantityRule::new(sku(), d("12"), Some(d("120")), d("6")).expect("rule");
        assert_eq!(rule.check(d("12")), Ok(()));
        assert_eq!(rule.check(d("120")), Ok(()));
        assert!(matches!(
            rule.check(d("6")),
            Err(RuleViolation::BelowMinimum { .. })
        ));
        assert!(matches!(
            rule.check(d("126")),
            Err(RuleViolation::AboveMaximum { .. })
        ));
        assert_eq!(
            rule.check(d("13")).map_err(|e| e.to_string()),
            Err("quantity 13 is not a multiple of 6".to_owned())
        );
        assert!(matches!(
            rule.check(d("0")),
            Err(RuleViolation::NotPositive { .. })
        ));
        assert!(QuantityRule::new(sku(), d("10"), None, d("6")).is_err());
        assert!(QuantityRule::new(sku(), d("12"), Some(d("6")), d("6")).is_err());
        assert!(QuantityRule::new(sku(), d("12"), Some(d("20")), d("6")).is_err());
        assert!(QuantityRule::new(sku(), d("1"), None, d("0")).is_err());
        let json = serde_json::json!({"sku": "A-1", "min": "10", "increment": "6"});
        assert!(serde_json::from_value::<QuantityRule>(json).is_err());
    }

    #[test]
    fn fitting_a_quantity_rounds_up_to_whole_steps_within_the_bounds() {
        let rule = QuantityRule::new(sku(), d("12"), Some(d("120")), d("6")).expect("rule");
        for (quantity, fitted) in [
            ("1", "12"),
            ("12", "12"),
            ("13", "18"),
            ("18", "18"),
            ("119", "120"),
            ("500", "120"),
            ("12.5", "18"),
        ] {
            assert_eq!(rule.fit(d(quantity)), d(fitted), "{quantity}");
            assert_eq!(rule.check(rule.fit(d(quantity))), Ok(()), "{quantity}");
        }
    }

    #[test]
    fn validity_includes_both_days() {
        let list = PriceList {
            id: PriceListId::parse("PL-1").expect("list"),
            name: None,
            currency: Currency::parse("EUR").expect("eur"),
            division: DivisionId::parse("D1").expect("division"),
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 1),
            valid_to: NaiveDate::from_ymd_opt(2026, 12, 31),
        };
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("day");
        assert_eq!(list.validity_on(day(1, 1)), Validity::Valid);
        assert_eq!(list.validity_on(day(12, 31)), Validity::Valid);
        assert_eq!(
            list.validity_on(day(1, 1) - chrono::Days::new(1)),
            Validity::NotYet
        );
        assert_eq!(
            list.validity_on(day(12, 31) + chrono::Days::new(1)),
            Validity::Expired
        );
    }
}
