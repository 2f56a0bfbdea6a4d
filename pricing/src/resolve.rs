//! The resolution order and its two walks: the fast one that prices a line, and the one that
//! explains it.

use chrono::NaiveDate;
use portal_domain::pricing::{
    Assignee, Level, Price, PriceList, PriceListAssignment, PriceSource, QuantityRule,
    RuleViolation, Validity, check_positive,
};
use portal_domain::{AccountId, Currency, DivisionId, PriceGroupId, PriceListId, Sku};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Who buys: the account, the price groups it belongs to, the currency it buys in.
#[derive(Debug, Clone, PartialEq)]
pub struct Buyer {
    pub account: AccountId,
    pub groups: Vec<PriceGroupId>,
    pub currency: Currency,
}

/// Every price list, whom each applies to, every price, and the SKUs' quantity rules.
#[derive(Debug, Clone, Default)]
pub struct PriceBook {
    lists: HashMap<PriceListId, PriceList>,
    assignments: Vec<PriceListAssignment>,
    prices: HashMap<PriceListId, HashMap<Sku, Price>>,
    rules: HashMap<Sku, QuantityRule>,
}

impl PriceBook {
    pub fn new(
        lists: impl IntoIterator<Item = PriceList>,
        assignments: impl IntoIterator<Item = PriceListAssignment>,
        prices: impl IntoIterator<Item = Price>,
        rules: impl IntoIterator<Item = QuantityRule>,
    ) -> Self {
        let mut by_list: HashMap<PriceListId, HashMap<Sku, Price>> = HashMap::new();
        for price in prices {
            by_list
                .entry(price.list.clone())
                .or_default()
                .insert(price.sku.clone(), price);
        }
        Self {
            lists: lists.into_iter().map(|l| (l.id.clone(), l)).collect(),
            assignments: assignments.into_iter().collect(),
            prices: by_list,
            rules: rules.into_iter().map(|r| (r.sku().clone(), r)).collect(),
        }
    }

    /// `sku`'s price on `list`, if the book has it.
    pub fn price_of(&self, list: &PriceListId, sku: &Sku) -> Option<&Price> {
        self.prices.get(list).and_then(|prices| prices.get(sku))
    }

    /// `sku`'s quantity rule, if it has one.
    pub fn rule(&self, sku: &Sku) -> Option<&QuantityRule> {
        self.rules.get(sku)
    }

    /// Whether a line may order `quantity` of `sku`: positive, and within its rule if it has one.
    pub fn check_quantity(&self, sku: &Sku, quantity: Decimal) -> Result<(), PricingError> {
        match self.rules.get(sku) {
            Some(rule) => rule.check(quantity),
            None => check_positive(quantity),
        }
        .map_err(|violation| PricingError::Quantity {
            sku: sku.clone(),
            violation,
        })
    }

    /// The lists that may price `buyer`'s lines on `day`, in the order they are tried, with
    /// the reason of each one that may not.
    pub fn for_buyer(&self, buyer: &Buyer, day: NaiveDate) -> BuyerPrices<'_> {
        let mut candidates: Vec<Candidate<'_>> = self
            .assignments
            .iter()
            .filter_map(|a| {
                let (level, division) = match &a.to {
                    Assignee::Account(id) if *id == buyer.account => (Level::Contract, None),
                    Assignee::Group(group) if buyer.groups.contains(group) => (Level::Group, None),
                    Assignee::Division(division) => (Level::Default, Some(division)),
                    _ => return None,
                };
                let list = self.lists.get(&a.list);
                let excluded = match list {
                    None => Some(Exclusion::UnknownList),
                    Some(list) if list.currency != buyer.currency => {
                        Some(Exclusion::OtherCurrency(list.currency))
                    }
                    Some(list) => match list.validity_on(day) {
                        Validity::Valid => None,
                        Validity::NotYet => list.valid_from.map(Exclusion::NotYetValid),
                        Validity::Expired => list.valid_to.map(Exclusion::Expired),
                    },
                };
                Some(Candidate {
                    level,
                    priority: a.priority,
                    id: &a.list,
                    list,
                    default_of: division,
                    excluded,
                })
            })
            .collect();
        candidates.sort_by(|a, b| {
            (a.level, a.priority, a.id, a.default_of).cmp(&(
                b.level,
                b.priority,
                b.id,
                b.default_of,
            ))
        });
        // A list assigned twice is tried where it comes first.
        let mut seen = HashSet::new();
        candidates.retain(|c| seen.insert((c.level, c.id, c.default_of)));
        BuyerPrices {
            book: self,
            currency: buyer.currency,
            candidates,
        }
    }
}

/// One assignment that applies to the buyer, with its list.
#[derive(Debug, Clone)]
struct Candidate<'a> {
    level: Level,
    priority: u32,
    id: &'a PriceListId,
    list: Option<&'a PriceList>,
    /// For a default list: the division it is the default of.
    default_of: Option<&'a DivisionId>,
    excluded: Option<Exclusion>,
}

impl Candidate<'_> {
    /// The list, if it may price a SKU of `division` (before looking for its price).
    fn serves(&self, division: &DivisionId) -> Option<&PriceList> {
        let list = self.list.filter(|_| self.excluded.is_none())?;
        let ours = list.division == *division && self.default_of.is_none_or(|d| d == division);
        ours.then_some(list)
    }

    /// Why the list may not price a SKU of `division` (where [`Candidate::serves`] gives none).
    fn passed_over(&self) -> Verdict {
        match (&self.excluded, self.list) {
            (Some(exclusion), _) => Verdict::Excluded(exclusion.clone()),
            (None, None) => Verdict::Excluded(Exclusion::UnknownList),
            (None, Some(list)) => Verdict::OtherDivision(list.division.clone()),
        }
    }
}

/// Why a list may not price any of the buyer's lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason", content = "detail")]
pub enum Exclusion {
    /// The assignment names a list that does not exist.
    UnknownList,
    /// The list's currency is not the buyer's.
    OtherCurrency(Currency),
    /// The list is valid from a later day.
    NotYetValid(NaiveDate),
    /// The list was valid until an earlier day.
    Expired(NaiveDate),
}

/// The buyer's lists in resolution order, for one day.
#[derive(Debug, Clone)]
pub struct BuyerPrices<'a> {
    book: &'a PriceBook,
    currency: Currency,
    candidates: Vec<Candidate<'a>>,
}

/// A priced line: its unit price and total, and where the price comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PricedLine {
    pub sku: Sku,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// `quantity × unit_price`, exact (rounding to the currency's minor unit is the order's).
    pub line_total: Decimal,
    pub currency: Currency,
    pub source: PriceSource,
}

/// Why a line has no price.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PricingError {
    #[error("{sku}: {violation}")]
    Quantity { sku: Sku, violation: RuleViolation },
    #[error("{sku} has no valid price in {currency}")]
    NoPrice { sku: Sku, currency: Currency },
    #[error("{sku}: quantity {quantity} × unit price {unit_price} is too large a number")]
    TooLarge {
        sku: Sku,
        quantity: Decimal,
        unit_price: Decimal,
    },
    #[error("{sku}: quantity {quantity} has too many decimal places to be priced exactly")]
    TooPrecise { sku: Sku, quantity: Decimal },
}

/// What one list did for a line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "verdict", content = "detail")]
pub enum Verdict {
    /// It gave the price.
    Chosen,
    /// It may not price any of the buyer's lines.
    Excluded(Exclusion),
    /// It prices another division's SKUs.
    OtherDivision(DivisionId),
    /// It has no price for the SKU.
    NoPrice,
    /// An earlier list gave the price.
    NotReached,
}

/// One list of the resolution order and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub level: Level,
    pub price_list: PriceListId,
    pub priority: u32,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// The whole resolution of one line: every list in order with its verdict (none when the
/// quantity is refused before any list is tried), and the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub steps: Vec<Step>,
    pub outcome: Result<PricedLine, PricingError>,
}

impl BuyerPrices<'_> {
    /// The price of `quantity` of `sku` (sold by `division`).
    pub fn price(
        &self,
        sku: &Sku,
        division: &DivisionId,
        quantity: Decimal,
    ) -> Result<PricedLine, PricingError> {
        self.book.check_quantity(sku, quantity)?;
        for candidate in &self.candidates {
            let Some(list) = candidate.serves(division) else {
                continue;
            };
            if let Some(price) = self.book.price_of(&list.id, sku) {
                return self.priced(candidate, list, price, quantity);
            }
        }
        Err(self.no_price(sku))
    }

    /// The same resolution as [`BuyerPrices::price`], with every list's verdict.
    pub fn explain(&self, sku: &Sku, division: &DivisionId, quantity: Decimal) -> Explanation {
        if let Err(refused) = self.book.check_quantity(sku, quantity) {
            return Explanation {
                steps: Vec::new(),
                outcome: Err(refused),
            };
        }
        let mut steps = Vec::with_capacity(self.candidates.len());
        let mut outcome = Err(self.no_price(sku));
        let mut decided = false;
        for candidate in &self.candidates {
            let verdict = match candidate.serves(division) {
                None => candidate.passed_over(),
                Some(_) if decided => Verdict::NotReached,
                Some(list) => match self.book.price_of(&list.id, sku) {
                    None => Verdict::NoPrice,
                    Some(price) => {
                        decided = true;
                        outcome = self.priced(candidate, list, price, quantity);
                        Verdict::Chosen
                    }
                },
            };
            steps.push(Step {
                level: candidate.level,
                price_list: candidate.id.clone(),
                priority: candidate.priority,
                verdict,
            });
        }
        Explanation { steps, outcome }
    }

    fn priced(
        &self,
        candidate: &Candidate<'_>,
        list: &PriceList,
        price: &Price,
        quantity: Decimal,
    ) -> Result<PricedLine, PricingError> {
        let (unit_price, tier) = price.unit_price_for(quantity);
        // Beyond 28 decimal places a product is rounded: refused, not priced inexactly.
        if quantity.scale() + unit_price.scale() > 28 {
            return Err(PricingError::TooPrecise {
                sku: price.sku.clone(),
                quantity,
            });
        }
        let line_total =
            quantity
                .checked_mul(unit_price)
                .ok_or_else(|| PricingError::TooLarge {
                    sku: price.sku.clone(),
                    quantity,
                    unit_price,
                })?;
        Ok(PricedLine {
            sku: price.sku.clone(),
            quantity,
            unit_price,
            line_total,
            currency: self.currency,
            source: PriceSource {
                level: candidate.level,
                price_list: list.id.clone(),
                priority: candidate.priority,
                tier_min_quantity: tier.map(|t| t.min_quantity),
                valid_from: list.valid_from,
                valid_to: list.valid_to,
            },
        })
    }

    fn no_price(&self, sku: &Sku) -> PricingError {
        PricingError::NoPrice {
            sku: sku.clone(),
            currency: self.currency,
        }
    }
}
