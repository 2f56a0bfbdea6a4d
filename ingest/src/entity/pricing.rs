//! Price data: price lists, prices with their volume tiers, whom a list applies to, and
//! quantity rules. Each row is a whole record (a price row carries all its tiers, so a tier
//! the source drops is gone with the next row).

use super::row::{Row, RowError, bounded};
use super::{Field, Kind, Update, VERSION, opt, req};
use portal_domain::pricing::{
    Assignee, Price, PriceList, PriceListAssignment, QuantityRule, Tier, Tiers,
};
use portal_domain::{AccountId, Currency, DivisionId, PriceGroupId, PriceListId, Sku};
use rust_decimal::Decimal;

pub(super) const PRICE_LISTS: &[Field] = &[
    req("price_list_id", Kind::Id, "the list's id (natural key)"),
    opt("name", Kind::Text, "what the list is, for people"),
    req("currency", Kind::Id, "ISO 4217 code of all its prices"),
    req("division", Kind::Id, "the division whose SKUs it prices"),
    opt(
        "valid_from",
        Kind::Date,
        "first day it applies (default: always)",
    ),
    opt(
        "valid_to",
        Kind::Date,
        "last day it applies (default: always)",
    ),
    VERSION,
];

pub(super) const PRICES: &[Field] = &[
    req(
        "price_list_id",
        Kind::Id,
        "the list (natural key, with sku)",
    ),
    req("sku", Kind::Id, "the SKU (natural key, with price_list_id)"),
    req(
        "unit_price",
        Kind::Decimal,
        "price of one unit, not negative",
    ),
    opt(
        "tiers",
        Kind::Tiers,
        "volume tiers: the whole line's unit price from a quantity on",
    ),
    VERSION,
];

pub(super) const PRICE_ASSIGNMENTS: &[Field] = &[
    req(
        "price_list_id",
        Kind::Id,
        "the list (natural key, with the assignee)",
    ),
    opt("account_id", Kind::Id, "an account: its contract prices"),
    opt(
        "price_group",
        Kind::Id,
        "a price group: the accounts naming it",
    ),
    opt("division", Kind::Id, "a division: its default list"),
    opt(
        "priority",
        Kind::Integer,
        "between lists at one level, the lower wins (default 100)",
    ),
    VERSION,
];

pub(super) const QUANTITY_RULES: &[Field] = &[
    req("sku", Kind::Id, "the SKU (natural key)"),
    opt(
        "min_quantity",
        Kind::Decimal,
        "smallest quantity of a line (default: the increment)",
    ),
    opt("max_quantity", Kind::Decimal, "largest quantity of a line"),
    opt(
        "increment",
        Kind::Decimal,
        "a line's quantity is a multiple of it: the pack size (default 1)",
    ),
    VERSION,
];

/// The priority of an assignment that gives none.
pub const DEFAULT_PRIORITY: u32 = 100;

/// A `price-lists` row.
pub(super) fn price_list(r: &Row) -> Result<Update, RowError> {
    let list = PriceList {
        id: r.id("price_list_id", PriceListId::parse)?,
        name: r.opt_text("name"),
        currency: r.id("currency", Currency::parse)?,
        division: r.id("division", DivisionId::parse)?,
        valid_from: r.opt_date("valid_from")?,
        valid_to: r.opt_date("valid_to")?,
    };
    if let (Some(from), Some(to)) = (list.valid_from, list.valid_to)
        && to < from
    {
        return Err(RowError(format!(
            "valid_to: {to} is before valid_from {from}"
        )));
    }
    Ok(Update::PriceList(list))
}

/// A `prices` row.
pub(super) fn price(r: &Row) -> Result<Update, RowError> {
    let unit_price = r.decimal("unit_price")?;
    if unit_price.is_sign_negative() {
        return Err(RowError(format!("unit_price: {unit_price} is negative")));
    }
    let tiers = match r.raw("tiers") {
        None => Tiers::default(),
        Some(raw) => tiers(r, raw)?,
    };
    Ok(Update::Price(Price {
        list: r.id("price_list_id", PriceListId::parse)?,
        sku: r.id("sku", Sku::parse)?,
        unit_price,
        tiers,
    }))
}

/// `10:9.50 50:9.00`: minimum quantity and unit price pairs, separated by spaces.
fn tiers(r: &Row, raw: &str) -> Result<Tiers, RowError> {
    let mut tiers = Vec::new();
    for pair in raw.split_whitespace() {
        let Some((min, price)) = pair.split_once(':') else {
            return Err(RowError(format!(
                "tiers: {pair:?} is not a minimum quantity and a unit price, such as 10:9.50"
            )));
        };
        let min_quantity = bounded("min_quantity", r.formats.decimal("tiers", min)?)?;
        let unit_price = bounded("unit_price", r.formats.decimal("tiers", price)?)?;
        tiers.push(Tier {
            min_quantity,
            unit_price,
        });
    }
    Tiers::new(tiers).map_err(|e| RowError(e.to_string()))
}

/// A `price-assignments` row: exactly one of `account_id`, `price_group`, `division`.
pub(super) fn price_assignment(r: &Row) -> Result<Update, RowError> {
    let mut to = Vec::new();
    if let Some(id) = r.opt_id("account_id", AccountId::parse)? {
        to.push(Assignee::Account(id));
    }
    if let Some(id) = r.opt_id("price_group", PriceGroupId::parse)? {
        to.push(Assignee::Group(id));
    }
    if let Some(id) = r.opt_id("division", DivisionId::parse)? {
        to.push(Assignee::Division(id));
    }
    let [to] = <[Assignee; 1]>::try_from(to).map_err(|given| {
        RowError(format!(
            "give exactly one of account_id, price_group, division (this row gives {})",
            given.len()
        ))
    })?;
    Ok(Update::PriceAssignment(PriceListAssignment {
        list: r.id("price_list_id", PriceListId::parse)?,
        to,
        priority: r.opt_integer("priority")?.unwrap_or(DEFAULT_PRIORITY),
    }))
}

/// A `quantity-rules` row.
pub(super) fn quantity_rule(r: &Row) -> Result<Update, RowError> {
    let increment = r.opt_decimal("increment")?.unwrap_or(Decimal::ONE);
    let min = r.opt_decimal("min_quantity")?.unwrap_or(increment);
    let rule = QuantityRule::new(
        r.id("sku", Sku::parse)?,
        min,
        r.opt_decimal("max_quantity")?,
        increment,
    )
    .map_err(|e| RowError(e.to_string()))?;
    Ok(Update::QuantityRule(rule))
}
