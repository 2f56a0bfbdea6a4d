//! `portal bench-pricing`: pricing a quick order in-process, on one core.
//!
//! Builds a price book like a seller's (a contract for the buyer over a tenth of the SKUs, a
//! price group's list over a third, the division's default list over all of them with volume
//! tiers on a quarter, and lists the buyer may not use: another currency, an expired contract)
//! and 64 quick orders of random SKUs and quantities, then measures in one run, after a
//! warm-up, five times each and alternately (the medians are printed):
//!
//! - **pricing**: each order priced line by line through `pricing` (the buyer's lists ordered
//!   once per order, then each line checked against its quantity rule and resolved with its
//!   source);
//! - **baseline**: the least any pricing does per line: one map look-up of the SKU's unit price
//!   and the line total.
//!
//! It prints priced lines per second of each and their ratio.

use anyhow::Context;
use chrono::NaiveDate;
use portal_domain::pricing::{
    Assignee, Price, PriceList, PriceListAssignment, QuantityRule, Tier, Tiers,
};
use portal_domain::{AccountId, Currency, DivisionId, PriceGroupId, PriceListId, Sku};
use pricing::{Buyer, PriceBook};
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

/// Different orders priced in turn.
const ORDERS: usize = 64;
/// Measurements of each path, alternating.
const REPEATS: usize = 5;

/// Options of `portal bench-pricing`.
#[derive(Debug, clap::Args)]
pub struct BenchPricingArgs {
    /// Lines of the quick order.
    #[arg(long, default_value_t = 500)]
    lines: usize,
    /// SKUs in the price book.
    #[arg(long, default_value_t = 20_000)]
    skus: usize,
    /// Times the order is priced by each path.
    #[arg(long, default_value_t = 4_000)]
    rounds: usize,
}

/// Runs the benchmark and describes what it measured.
pub fn run(args: BenchPricingArgs) -> anyhow::Result<String> {
    anyhow::ensure!(
        args.lines > 0 && args.skus > 0 && args.rounds > 0,
        "--lines, --skus and --rounds must be positive"
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let division = DivisionId::parse("D1")?;
    let eur = Currency::parse("EUR")?;
    let day = NaiveDate::from_ymd_opt(2026, 6, 1).context("a day")?;
    let buyer = Buyer {
        account: AccountId::parse("ACC-1")?,
        groups: vec![PriceGroupId::parse("WHOLESALE")?],
        currency: eur,
    };
    let list = |id: &str, currency: &str, valid_to: Option<NaiveDate>| -> anyhow::Result<_> {
        Ok(PriceList {
            id: PriceListId::parse(id)?,
            name: None,
            currency: Currency::parse(currency)?,
            division: division.clone(),
            valid_from: None,
            valid_to,
        })
    };
    let lists = vec![
        list("CONTRACT", "EUR", None)?,
        list("CONTRACT-USD", "USD", None)?,
        list(
            "CONTRACT-2025",
            "EUR",
            NaiveDate::from_ymd_opt(2025, 12, 31),
        )?,
        list("GROUP", "EUR", None)?,
        list("DEFAULT", "EUR", None)?,
    ];
    let assignee = |to: Assignee, list: &str, priority| -> anyhow::Result<_> {
        Ok(PriceListAssignment {
            list: PriceListId::parse(list)?,
            to,
            priority,
        })
    };
    let account = Assignee::Account(buyer.account.clone());
    let assignments = vec![
        assignee(account.clone(), "CONTRACT", 1)?,
        assignee(account.clone(), "CONTRACT-USD", 0)?,
        assignee(account, "CONTRACT-2025", 0)?,
        assignee(Assignee::Group(buyer.groups[0].clone()), "GROUP", 1)?,
        assignee(Assignee::Division(division.clone()), "DEFAULT", 1)?,
    ];
    let skus: Vec<Sku> = (0..args.skus)
        .map(|i| Sku::parse(&format!("SKU-{i:06}")))
        .collect::<Result<_, _>>()?;
    let mut prices = Vec::new();
    let mut rules = Vec::new();
    let mut base = HashMap::new();
    for (i, sku) in skus.iter().enumerate() {
        let unit = Decimal::new(rng.random_range(100..100_000), 2);
        base.insert(sku.clone(), unit);
        let tiers = if i % 4 == 0 {
            Tiers::new(vec![
                Tier {
                    min_quantity: Decimal::from(10),
                    unit_price: unit * Decimal::new(95, 2),
                },
                Tier {
                    min_quantity: Decimal::from(100),
                    unit_price: unit * Decimal::new(90, 2),
                },
            ])?
        } else {
            Tiers::default()
        };
        let mut on = |list: &str, unit: Decimal, tiers: Tiers| -> anyhow::Result<()> {
            prices.push(Price {
                list: PriceListId::parse(list)?,
                sku: sku.clone(),
                unit_price: unit,
                tiers,
            });
            Ok(())
        };
        on("DEFAULT", unit, tiers)?;
        if i % 5 == 0 {
            rules.push(QuantityRule::new(
                sku.clone(),
                Decimal::ONE,
                None,
                Decimal::ONE,
            )?);
        }
        if i % 3 == 0 {
            on("GROUP", unit * Decimal::new(97, 2), Tiers::default())?;
        }
        if i % 10 == 0 {
            on("CONTRACT", unit * Decimal::new(93, 2), Tiers::default())?;
            on("CONTRACT-USD", unit, Tiers::default())?;
            on("CONTRACT-2025", unit, Tiers::default())?;
        }
    }
    let book = PriceBook::new(lists, assignments, prices, rules);
    // Many different orders, so that the book's look-ups are not all served from the cache.
    let orders: Vec<Vec<(Sku, Decimal)>> = (0..ORDERS)
        .map(|_| {
            (0..args.lines)
                .map(|_| {
                    let sku = skus[rng.random_range(0..skus.len())].clone();
                    (sku, Decimal::from(rng.random_range(1..200u32)))
                })
                .collect()
        })
        .collect();
    let pricing = |rounds: usize| -> anyhow::Result<f64> {
        let started = Instant::now();
        for order in orders.iter().cycle().take(rounds) {
            let lists = book.for_buyer(&buyer, day);
            for (sku, quantity) in order {
                black_box(lists.price(sku, &division, *quantity)?);
            }
        }
        Ok((rounds * args.lines) as f64 / started.elapsed().as_secs_f64())
    };
    let baseline = |rounds: usize| -> f64 {
        let started = Instant::now();
        for order in orders.iter().cycle().take(rounds) {
            for (sku, quantity) in order {
                let unit = base.get(black_box(sku)).copied().unwrap_or(Decimal::ZERO);
                black_box(unit * *quantity);
            }
        }
        (rounds * args.lines) as f64 / started.elapsed().as_secs_f64()
    };
    // A warm-up of each, then the two alternately: the median of each.
    pricing(ORDERS)?;
    baseline(ORDERS);
    let per_repeat = args.rounds.div_ceil(REPEATS);
    let (mut rates, mut baseline_rates) = (Vec::new(), Vec::new());
    for _ in 0..REPEATS {
        rates.push(pricing(per_repeat)?);
        baseline_rates.push(baseline(per_repeat));
    }
    let rate = median(&mut rates);
    let baseline_rate = median(&mut baseline_rates);
    Ok(format!(
        "Priced {} quick orders of {} lines, {} times in all, over a book of {} SKUs on one \
         core (median of {REPEATS}, alternating):\n  \
         pricing:  {:>12.0} lines/s\n  baseline: {:>12.0} lines/s (a map look-up and the line \
         total)\n  pricing / baseline: {:.2}\n",
        ORDERS,
        args.lines,
        per_repeat * REPEATS,
        args.skus,
        rate,
        baseline_rate,
        rate / baseline_rate
    ))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
