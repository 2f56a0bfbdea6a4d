//! The demo's price data, derived from the catalog and the customers without drawing from the
//! random source, so that everything else the demo generates stays the same: a default list per
//! division and currency with volume tiers, a key accounts' group list, contract lists of the
//! first two accounts (the demo users'), and pack-size rules.

use super::catalog::CatalogItem;
use super::customers::Customer;
use super::history::{fx, money};
use chrono::{Days, NaiveDate};
use portal_domain::pricing::{
    Assignee, Price, PriceList, PriceListAssignment, QuantityRule, Tier, Tiers,
};
use portal_domain::records::Record;
use portal_domain::{Currency, DivisionId, PriceGroupId, PriceListId};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// The price group of key accounts: every third account from the third on.
pub(super) const KEY_ACCOUNTS: &str = "KEY";

/// Puts every third account from the third on into the key accounts' price group.
pub(super) fn assign_groups(customers: &mut [Customer]) {
    for (i, customer) in customers.iter_mut().enumerate() {
        if i >= 2 && i % 3 == 2 {
            customer.account.price_groups =
                vec![PriceGroupId::parse(KEY_ACCOUNTS).expect("a valid group")];
        }
    }
}

fn id(raw: String) -> PriceListId {
    PriceListId::parse(&raw).expect("demo list ids are valid")
}

fn share(price: Decimal, percent: i64) -> Decimal {
    (price * Decimal::new(percent, 2)).round_dp(2)
}

/// The price lists, prices, assignments and quantity rules.
pub(super) fn records(
    catalog: &[CatalogItem],
    customers: &[Customer],
    today: NaiveDate,
) -> Vec<Record> {
    let mut records = Vec::new();
    let list = |records: &mut Vec<Record>,
                list: PriceListId,
                name: String,
                currency: Currency,
                division: &DivisionId,
                window: Option<(NaiveDate, NaiveDate)>| {
        records.push(Record::PriceList(PriceList {
            id: list,
            name: Some(name),
            currency,
            division: division.clone(),
            valid_from: window.map(|w| w.0),
            valid_to: window.map(|w| w.1),
        }));
    };
    let pairs: BTreeSet<(DivisionId, Currency)> = customers
        .iter()
        .flat_map(|c| {
            c.account
                .divisions
                .iter()
                .map(|d| (d.clone(), c.account.currency))
        })
        .collect();
    let key_pairs: BTreeSet<(DivisionId, Currency)> = customers
        .iter()
        .filter(|c| !c.account.price_groups.is_empty())
        .flat_map(|c| {
            c.account
                .divisions
                .iter()
                .map(|d| (d.clone(), c.account.currency))
        })
        .collect();
    let base = |item: &CatalogItem, currency: Currency| {
        (money(item.price_cents) * fx(currency.as_str())).round_dp(2)
    };
    for (division, currency) in &pairs {
        let default = id(format!("PL-{division}-{currency}"));
        list(
            &mut records,
            default.clone(),
            format!("{division} list prices, {currency}"),
            *currency,
            division,
            None,
        );
        records.push(Record::PriceAssignment(PriceListAssignment {
            list: default.clone(),
            to: Assignee::Division(division.clone()),
            priority: 100,
        }));
        for item in catalog.iter().filter(|i| &i.product.division == division) {
            let unit = base(item, *currency);
            let pack = item.product.pack_size;
            records.push(Record::Price(Price {
                list: default.clone(),
                sku: item.product.sku.clone(),
                unit_price: unit,
                tiers: Tiers::new(vec![
                    Tier {
                        min_quantity: pack * Decimal::TEN,
                        unit_price: share(unit, 95),
                    },
                    Tier {
                        min_quantity: pack * Decimal::from(50),
                        unit_price: share(unit, 90),
                    },
                ])
                .expect("tiers of packs rise"),
            }));
        }
    }
    for (division, currency) in &key_pairs {
        let key = id(format!("PL-{KEY_ACCOUNTS}-{division}-{currency}"));
        list(
            &mut records,
            key.clone(),
            format!("Key accounts, {division}, {currency}"),
            *currency,
            division,
            None,
        );
        records.push(Record::PriceAssignment(PriceListAssignment {
            list: key.clone(),
            to: Assignee::Group(PriceGroupId::parse(KEY_ACCOUNTS).expect("group")),
            priority: 100,
        }));
        for item in catalog.iter().filter(|i| &i.product.division == division) {
            records.push(Record::Price(Price {
                list: key.clone(),
                sku: item.product.sku.clone(),
                unit_price: share(base(item, *currency), 93),
                tiers: Tiers::default(),
            }));
        }
    }
    // The demo users' accounts have contracts for their first products of each division,
    // valid from two months ago for a year.
    let window = (today - Days::new(60), today + Days::new(305));
    for customer in customers.iter().take(2) {
        let account = &customer.account;
        for division in &account.divisions {
            let contract = id(format!("PL-C-{}-{division}", account.id));
            list(
                &mut records,
                contract.clone(),
                format!("Contract {}, {division}", account.name),
                account.currency,
                division,
                Some(window),
            );
            records.push(Record::PriceAssignment(PriceListAssignment {
                list: contract.clone(),
                to: Assignee::Account(account.id.clone()),
                priority: 100,
            }));
            for item in catalog
                .iter()
                .filter(|i| &i.product.division == division)
                .take(8)
            {
                records.push(Record::Price(Price {
                    list: contract.clone(),
                    sku: item.product.sku.clone(),
                    unit_price: share(base(item, account.currency), 85),
                    tiers: Tiers::default(),
                }));
            }
        }
    }
    for item in catalog
        .iter()
        .filter(|i| i.product.pack_size > Decimal::ONE)
    {
        let pack = item.product.pack_size;
        if let Ok(rule) = QuantityRule::new(item.product.sku.clone(), pack, None, pack) {
            records.push(Record::QuantityRule(rule));
        }
    }
    records
}
