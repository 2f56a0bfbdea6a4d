//! The pricing matrix as table-driven cases, and a property test that the explain view and the
//! priced line always agree.

use super::*;
use chrono::NaiveDate;
use portal_domain::pricing::{
    Assignee, Price, PriceData, PriceList, PriceListAssignment, QuantityRule, Tier, Tiers,
};
use portal_domain::{AccountId, Currency, DivisionId, PriceGroupId, PriceListId, Sku};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn d(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}
fn day(text: &str) -> NaiveDate {
    text.parse().expect("a day")
}
fn id(text: &str) -> PriceListId {
    PriceListId::parse(text).expect("a list id")
}
fn sku(text: &str) -> Sku {
    Sku::parse(text).expect("a sku")
}
fn division(text: &str) -> DivisionId {
    DivisionId::parse(text).expect("a division")
}
fn currency(text: &str) -> Currency {
    Currency::parse(text).expect("a currency")
}

fn list(name: &str, cur: &str, from: Option<&str>, to: Option<&str>) -> PriceList {
    PriceList {
        id: id(name),
        name: None,
        currency: currency(cur),
        division: division("D1"),
        valid_from: from.map(day),
        valid_to: to.map(day),
    }
}

fn assign(name: &str, to: Assignee, priority: u32) -> PriceListAssignment {
    PriceListAssignment {
        list: id(name),
        to,
        priority,
    }
}

fn price(name: &str, of: &str, unit: &str, tiers: &[(&str, &str)]) -> Price {
    Price {
        list: id(name),
        sku: sku(of),
        unit_price: d(unit),
        tiers: Tiers::new(
            tiers
                .iter()
                .map(|(min, p)| Tier {
                    min_quantity: d(min),
                    unit_price: d(p),
                })
                .collect(),
        )
        .expect("tiers"),
    }
}

fn account() -> Assignee {
    Assignee::Account(AccountId::parse("ACC-1").expect("account"))
}
fn group() -> Assignee {
    Assignee::Group(PriceGroupId::parse("WHOLESALE").expect("group"))
}
fn default() -> Assignee {
    Assignee::Division(division("D1"))
}

fn buyer() -> Buyer {
    Buyer {
        account: AccountId::parse("ACC-1").expect("account"),
        groups: vec![PriceGroupId::parse("WHOLESALE").expect("group")],
        currency: currency("EUR"),
    }
}

/// The seller's book of the matrix: a contract for ACC-1 (valid in 2026), a group list, a
/// default list, a contract in another currency, an expired and a future contract, another
/// account's contract, and a second group list of lower priority.
fn book() -> PriceBook {
    PriceBook::new(
        [
            list("CONTRACT", "EUR", Some("2026-01-01"), Some("2026-12-31")),
            list("GROUP", "EUR", None, None),
            list("GROUP-2", "EUR", None, None),
            list("DEFAULT", "EUR", None, None),
            list("CONTRACT-USD", "USD", None, None),
            list("OLD", "EUR", None, Some("2025-12-31")),
            list("NEXT", "EUR", Some("2027-01-01"), None),
            list("OTHER", "EUR", None, None),
            list("ZZ-GROUP", "EUR", None, None),
        ],
        [
            assign("CONTRACT", account(), 1),
            assign("CONTRACT-USD", account(), 0),
            assign("OLD", account(), 0),
            assign("NEXT", account(), 0),
            assign(
                "OTHER",
                Assignee::Account(AccountId::parse("ACC-2").expect("account")),
                0,
            ),
            assign("GROUP-2", group(), 2),
            assign("GROUP", group(), 1),
            assign("ZZ-GROUP", group(), 0),
            assign("DEFAULT", default(), 1),
        ],
        [
            price("CONTRACT", "A", "8", &[]),
            price("CONTRACT-USD", "A", "1", &[]),
            price("CONTRACT-USD", "USD-ONLY", "1", &[]),
            price("OLD", "A", "2", &[]),
            price("OLD", "B", "2", &[]),
            price("NEXT", "A", "3", &[]),
            price("OTHER", "A", "4", &[]),
            price("OTHER", "C", "4", &[]),
            price("GROUP", "B", "9", &[]),
            price("GROUP-2", "B", "9.5", &[]),
            price("GROUP-2", "C", "9.5", &[]),
            price("DEFAULT", "A", "10", &[]),
            price("DEFAULT", "B", "10", &[]),
            price("DEFAULT", "C", "10", &[]),
            price("DEFAULT", "T", "10", &[("10", "9"), ("100", "8")]),
            price("GROUP", "P", "9", &[]),
            price("ZZ-GROUP", "P", "7", &[]),
            price("DEFAULT", "R", "10", &[]),
        ],
        [QuantityRule::new(sku("R"), d("12"), Some(d("120")), d("6")).expect("a rule")],
    )
}

#[test]
fn the_pricing_matrix_resolves_each_case_to_its_list_level_and_price() {
    let book = book();
    // (case, day, sku, quantity, expected: (list, level, unit price, tier) or the error)
    type Expected = Result<(&'static str, Level, &'static str, Option<&'static str>), &'static str>;
    let cases: &[(&str, &str, &str, &str, Expected)] = &[
        (
            "contract beats group and default; expired and future ones of a better priority are skipped",
            "2026-06-01",
            "A",
            "1",
            Ok(("CONTRACT", Level::Contract, "8", None)),
        ),
        (
            "a contract on its first day",
            "2026-01-01",
            "A",
            "1",
            Ok(("CONTRACT", Level::Contract, "8", None)),
        ),
        (
            "a contract on its last day",
            "2026-12-31",
            "A",
            "1",
            Ok(("CONTRACT", Level::Contract, "8", None)),
        ),
        (
            "the day before a contract starts, an older one holds on its last day",
            "2025-12-31",
            "A",
            "1",
            Ok(("OLD", Level::Contract, "2", None)),
        ),
        (
            "an expired contract's price falls back to the group",
            "2026-06-01",
            "B",
            "1",
            Ok(("GROUP", Level::Group, "9", None)),
        ),
        (
            "a future contract is used from its first day",
            "2027-01-01",
            "A",
            "1",
            Ok(("NEXT", Level::Contract, "3", None)),
        ),
        (
            "no price on the contract on its last day: the group",
            "2026-12-31",
            "B",
            "1",
            Ok(("GROUP", Level::Group, "9", None)),
        ),
        (
            "within a level the lower priority wins",
            "2026-06-01",
            "B",
            "5",
            Ok(("GROUP", Level::Group, "9", None)),
        ),
        (
            "only the second group list has it",
            "2026-06-01",
            "C",
            "1",
            Ok(("GROUP-2", Level::Group, "9.5", None)),
        ),
        (
            "another account's contract is never used",
            "2026-06-01",
            "C",
            "1",
            Ok(("GROUP-2", Level::Group, "9.5", None)),
        ),
        (
            "below the first tier: the base price",
            "2026-06-01",
            "T",
            "9",
            Ok(("DEFAULT", Level::Default, "10", None)),
        ),
        (
            "at the first tier: its price on all units",
            "2026-06-01",
            "T",
            "10",
            Ok(("DEFAULT", Level::Default, "9", Some("10"))),
        ),
        (
            "just below the second tier",
            "2026-06-01",
            "T",
            "99.999",
            Ok(("DEFAULT", Level::Default, "9", Some("10"))),
        ),
        (
            "at the second tier",
            "2026-06-01",
            "T",
            "100",
            Ok(("DEFAULT", Level::Default, "8", Some("100"))),
        ),
        (
            "a price only in another currency is no price",
            "2026-06-01",
            "USD-ONLY",
            "1",
            Err("USD-ONLY has no valid price in EUR"),
        ),
        (
            "an unknown sku has no price",
            "2026-06-01",
            "NOPE",
            "1",
            Err("NOPE has no valid price in EUR"),
        ),
        (
            "within a level the lower priority wins though its id sorts later",
            "2026-06-01",
            "P",
            "1",
            Ok(("ZZ-GROUP", Level::Group, "7", None)),
        ),
        (
            "a quantity within its rule",
            "2026-06-01",
            "R",
            "120",
            Ok(("DEFAULT", Level::Default, "10", None)),
        ),
        (
            "below the rule's minimum",
            "2026-06-01",
            "R",
            "6",
            Err("R: quantity 6 is below the minimum of 12"),
        ),
        (
            "above the rule's maximum",
            "2026-06-01",
            "R",
            "126",
            Err("R: quantity 126 is above the maximum of 120"),
        ),
        (
            "not a multiple of the rule's increment",
            "2026-06-01",
            "R",
            "13",
            Err("R: quantity 13 is not a multiple of 6"),
        ),
        (
            "a quantity too precise to price exactly",
            "2026-06-01",
            "C",
            "0.0000000000000000000000000001",
            Err(
                "C: quantity 0.0000000000000000000000000001 has too many decimal places to be priced exactly",
            ),
        ),
        (
            "a zero quantity is refused",
            "2026-06-01",
            "A",
            "0",
            Err("A: quantity 0 is not positive"),
        ),
    ];
    for (case, on, of, quantity, expected) in cases {
        let prices = book.for_buyer(&buyer(), day(on));
        let got = prices.price(&sku(of), &division("D1"), d(quantity));
        match (expected, got) {
            (Ok((list, level, unit, tier)), Ok(line)) => {
                assert_eq!(line.source.price_list, id(list), "{case}");
                assert_eq!(line.source.level, *level, "{case}");
                assert_eq!(line.unit_price, d(unit), "{case}");
                assert_eq!(line.line_total, d(unit) * d(quantity), "{case}");
                assert_eq!(line.source.tier_min_quantity, tier.map(d), "{case}");
            }
            (Err(message), Err(error)) => assert_eq!(error.to_string(), *message, "{case}"),
            (expected, got) => panic!("{case}: expected {expected:?}, got {got:?}"),
        }
    }
}

#[test]
fn a_list_of_another_division_does_not_price_its_skus_and_the_trace_says_why() {
    let book = book();
    let prices = book.for_buyer(&buyer(), day("2026-06-01"));
    let err = prices
        .price(&sku("A"), &division("D2"), d("1"))
        .expect_err("no list of D2");
    assert_eq!(err.to_string(), "A has no valid price in EUR");
    let explained = prices.explain(&sku("A"), &division("D2"), d("1"));
    assert_eq!(explained.steps.len(), 8, "{:#?}", explained.steps);
    assert!(
        explained
            .steps
            .iter()
            .all(|s| matches!(s.verdict, Verdict::OtherDivision(_) | Verdict::Excluded(_)))
    );
    assert_eq!(explained.outcome, Err(err));
}

#[test]
fn the_explain_view_lists_every_applicable_list_in_order_with_its_verdict() {
    let book = book();
    let prices = book.for_buyer(&buyer(), day("2026-06-01"));
    let explained = prices.explain(&sku("B"), &division("D1"), d("1"));
    let steps: Vec<(String, Verdict)> = explained
        .steps
        .iter()
        .map(|s| (s.price_list.to_string(), s.verdict.clone()))
        .collect();
    let usd = Verdict::Excluded(Exclusion::OtherCurrency(currency("USD")));
    assert_eq!(
        steps,
        vec![
            ("CONTRACT-USD".to_owned(), usd),
            (
                "NEXT".to_owned(),
                Verdict::Excluded(Exclusion::NotYetValid(day("2027-01-01")))
            ),
            (
                "OLD".to_owned(),
                Verdict::Excluded(Exclusion::Expired(day("2025-12-31")))
            ),
            ("CONTRACT".to_owned(), Verdict::NoPrice),
            ("ZZ-GROUP".to_owned(), Verdict::NoPrice),
            ("GROUP".to_owned(), Verdict::Chosen),
            ("GROUP-2".to_owned(), Verdict::NotReached),
            ("DEFAULT".to_owned(), Verdict::NotReached),
        ]
    );
    assert_eq!(
        explained.outcome,
        prices.price(&sku("B"), &division("D1"), d("1"))
    );
}

/// The parts of a random book (lists, assignments, prices), the day, the SKU and its
/// division, and the quantity.
type Parts = (
    Vec<PriceList>,
    Vec<PriceListAssignment>,
    Vec<Price>,
    NaiveDate,
    Sku,
    DivisionId,
    Decimal,
);

/// A random book over a few lists, SKUs, currencies and days.
fn arbitrary_book() -> impl Strategy<Value = (PriceBook, Buyer, NaiveDate, Sku, DivisionId, Decimal)>
{
    arbitrary_parts().prop_map(|(lists, assignments, prices, on, of, div, quantity)| {
        (
            PriceBook::new(lists, assignments, prices, []),
            buyer(),
            on,
            of,
            div,
            quantity,
        )
    })
}

/// The parts of [`arbitrary_book`].
fn arbitrary_parts() -> impl Strategy<Value = Parts> {
    let names = ["L0", "L1", "L2", "L3", "L4", "L5"];
    let lists = proptest::collection::vec(
        (
            0..2usize,
            0..2usize,
            proptest::option::of(0..4u64),
            proptest::option::of(0..4u64),
        ),
        names.len(),
    );
    // One list name more than there are lists: an assignment of a list that does not exist.
    let assignments = proptest::collection::vec((0..names.len() + 1, 0..5usize, 0..3u32), 0..12);
    let prices = proptest::collection::vec(
        (
            0..names.len(),
            0..3usize,
            1..50u32,
            proptest::option::of(2..20u32),
        ),
        0..20,
    );
    (
        lists,
        assignments,
        prices,
        0..5u64,
        0..3usize,
        0..2usize,
        0..30u32,
    )
        .prop_map(move |(lists, assignments, prices, on, of, div, quantity)| {
            let start = day("2026-01-01");
            let at = |n: u64| start + chrono::Days::new(n * 30);
            let lists = lists
                .iter()
                .enumerate()
                .map(|(i, (cur, div, from, to))| PriceList {
                    id: id(names[i]),
                    name: None,
                    currency: currency(["EUR", "USD"][*cur]),
                    division: division(["D1", "D2"][*div]),
                    valid_from: from.map(at),
                    valid_to: to.map(at),
                });
            let assignments = assignments.iter().map(|(list, to, priority)| {
                let to = match to {
                    0 => account(),
                    1 => group(),
                    2 => Assignee::Division(division("D1")),
                    3 => Assignee::Division(division("D2")),
                    _ => Assignee::Account(AccountId::parse("ACC-2").expect("account")),
                };
                assign(
                    names.get(*list).copied().unwrap_or("MISSING"),
                    to,
                    *priority,
                )
            });
            let prices = prices.iter().map(|(list, of, unit, tier)| {
                let tiers = tier.map(|min| vec![(min.to_string(), (unit / 2).to_string())]);
                let tiers: Vec<(&str, &str)> = tiers
                    .iter()
                    .flatten()
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .collect();
                price(
                    names[*list],
                    ["A", "B", "C"][*of],
                    &unit.to_string(),
                    &tiers,
                )
            });
            (
                lists.collect(),
                assignments.collect(),
                prices.collect(),
                at(on),
                sku(["A", "B", "C"][of]),
                division(["D1", "D2"][div]),
                Decimal::from(quantity),
            )
        })
}

proptest! {
    #[test]
    fn the_explain_view_and_the_priced_line_always_agree(
        (book, buyer, on, of, div, quantity) in arbitrary_book()
    ) {
        let prices = book.for_buyer(&buyer, on);
        let priced = prices.price(&of, &div, quantity);
        let explained = prices.explain(&of, &div, quantity);
        prop_assert_eq!(&explained.outcome, &priced);
        let chosen: Vec<_> = explained.steps.iter().filter(|s| s.verdict == Verdict::Chosen).collect();
        match &priced {
            Ok(line) => {
                prop_assert_eq!(chosen.len(), 1);
                prop_assert_eq!(&chosen[0].price_list, &line.source.price_list);
                prop_assert_eq!(line.currency, buyer.currency);
            }
            // A list was chosen but its price could not make the line.
            Err(PricingError::TooLarge { .. } | PricingError::TooPrecise { .. }) => {
                prop_assert_eq!(chosen.len(), 1)
            }
            Err(_) => prop_assert!(chosen.is_empty()),
        }
    }
}

/// The quote of `parts` for the buyer of the tests (ACC-1, group WHOLESALE, EUR), with the SKU
/// a product of its division.
fn quote_of(parts: Parts) -> (Quote, Sku, DivisionId, Decimal) {
    let (lists, assignments, prices, on, of, div, quantity) = parts;
    let account = portal_domain::model::Account {
        id: AccountId::parse("ACC-1").expect("account"),
        name: "Account 1".into(),
        divisions: vec![division("D1"), division("D2")],
        currency: currency("EUR"),
        ship_to: Vec::new(),
        account_managers: Vec::new(),
        price_groups: vec![PriceGroupId::parse("WHOLESALE").expect("group")],
    };
    let product = portal_domain::model::Product {
        sku: of.clone(),
        name: format!("Product {of}"),
        description: String::new(),
        division: div.clone(),
        unit: "pcs".into(),
        pack_size: Decimal::ONE,
        attributes: Default::default(),
    };
    let data = PriceData {
        account,
        products: [(of.clone(), product)].into_iter().collect(),
        assignments,
        lists,
        prices,
        rules: Vec::new(),
    };
    (Quote::new(data, on), of, div, quantity)
}

proptest! {
    #[test]
    fn a_cart_line_is_priced_as_the_explain_view_says(parts in arbitrary_parts()) {
        let (quote, of, div, quantity) = quote_of(parts);
        let wanted = cart::Wanted { sku: of.clone(), quantity, reason: None };
        let (lines, refused) = cart::price_lines(&quote, std::slice::from_ref(&wanted));
        let explained = quote.prices().explain(&of, &div, quantity);
        match explained.outcome {
            Ok(line) => {
                prop_assert!(refused.is_empty());
                prop_assert_eq!(lines.len(), 1);
                prop_assert_eq!(lines[0].unit_price, line.unit_price);
                prop_assert_eq!(lines[0].line_total, line.line_total);
                prop_assert_eq!(&lines[0].source, &line.source);
            }
            Err(error) => {
                prop_assert!(lines.is_empty());
                prop_assert_eq!(refused.len(), 1);
                prop_assert_eq!(refused[0].1.code, quote.error(error).code);
            }
        }
    }
}
