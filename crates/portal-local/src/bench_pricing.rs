//! `portal bench-pricing`: pricing a quick order in-process, on one core.
//!
//! Builds a price book like a seller's (a contract for the buyer over a tenth of the SKUs, a
//! price group's list over a third, the division's default list over all of them with volume
//! tiers on a quarter, and lists the buyer may not use: another currency, an expired contract)
//! and a quick order of random SKUs and quantities, then measures in one run:
//!
//! - **pricing**: the order priced line by line through `pricing` (the buyer's lists ordered
//!   once per order, then each line resolved with its source);
//! - **baseline**: the least any pricing does per line: one map look-up of the SKU's unit price
//!   and the line total.
//!
//! It prints priced lines per second of each and their ratio.

use anyhow::Context;
use chrono::NaiveDate;
use portal_domain::pricing::{Assignee, Price, PriceList, PriceListAssignment, Tier, Tiers};
use portal_domain::{AccountId, Currency, DivisionId, PriceGroupId, PriceListId, Sku};
use pricing::{Buyer, PriceBook};
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

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
        if i % 3 == 0 {
            on("GROUP", unit * Decimal::new(97, 2), Tiers::default())?;
        }
        if i % 10 == 0 {
            on("CONTRACT", unit * Decimal::new(93, 2), Tiers::default())?;
            on("CONTRACT-USD", unit, Tiers::default())?;
            on("CONTRACT-2025", unit, Tiers::default())?;
        }
    }
    let book = PriceBook::new(lists, assignments, prices);
    let order: Vec<(Sku, Decimal)> = (0..args.lines)
        .map(|_| {
            let sku = skus[rng.random_range(0..skus.len())].clone();
            (sku, Decimal::from(rng.random_range(1..200u32)))
        })
        .collect();

    let started = Instant::now();
    let mut priced = 0usize;
    for _ in 0..args.rounds {
        let lists = book.for_buyer(&buyer, day);
        for (sku, quantity) in &order {
            let line = lists.price(sku, &division, *quantity)?;
            black_box(&line);
            priced += 1;
        }
    }
    let pricing = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut looked_up = 0usize;
    for _ in 0..args.rounds {
        for (sku, quantity) in &order {
            let unit = base.get(black_box(sku)).copied().unwrap_or(Decimal::ZERO);
            black_box(unit * *quantity);
            looked_up += 1;
        }
    }
    let baseline = started.elapsed().as_secs_f64();

    let rate = priced as f64 / pricing;
    let baseline_rate = looked_up as f64 / baseline;
    Ok(format!(
        "Priced a {}-line quick order {} times over a book of {} SKUs on one core:\n  \
         pricing:  {:>12.0} lines/s\n  baseline: {:>12.0} lines/s (a map look-up and the line \
         total)\n  pricing / baseline: {:.2}\n",
        args.lines,
        args.rounds,
        args.skus,
        rate,
        baseline_rate,
        rate / baseline_rate
    ))
}
