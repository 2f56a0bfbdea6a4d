//! Three years of orders with repeat-buying patterns and seasonality, and what follows each
//! order: status history, shipments with tracking events, invoices, credit notes, documents.

mod documents;
mod order;
mod stages;
use documents::{account_document, certificates};
use order::build_order;
use stages::{Stage, pipeline};

use super::catalog::{CatalogItem, FAMILIES};
use super::customers::{COUNTRIES, Customer};
use super::{DemoSpec, Gen};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc, Weekday};
use portal_domain::model::{
    Document, DocumentAudience, DocumentKind, DocumentLinks, Invoice, InvoiceKind, LineStatus,
    Order, OrderLine, OrderStatus, OrderSummary, PaymentState, Shipment, ShipmentStatus,
    StatusChange, Totals, TrackingEvent,
};
use portal_domain::{
    AccountId, BatchId, DocumentId, InvoiceId, OrderId, PoNumber, ShipmentId, Sku, TrackingNumber,
};
use rand::Rng;
use rand::seq::IndexedRandom;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// Everything that happened, ready to store.
#[derive(Default)]
pub(super) struct History {
    pub orders: Vec<Order>,
    pub shipments: Vec<Shipment>,
    pub invoices: Vec<Invoice>,
    /// Documents with the text of their PDF.
    pub documents: Vec<(Document, Vec<String>)>,
}

/// How many more purchases than lines to make, as purchases of a SKU within a cycle merge.
const LINE_BOOST: f64 = 1.3;

/// One customer in [`LOST_EVERY`] (the sixth, the eighteenth, ...: never the demo users' own accounts) stops
/// buying altogether some weeks or months before today, as lost customers do: what the
/// worklist's accounts at risk are for.
const LOST_EVERY: usize = 12;

/// The day customer `ci` stopped buying, if it is a lost one.
pub(super) fn lost_since(ci: usize, today: NaiveDate) -> Option<NaiveDate> {
    (ci % LOST_EVERY == 5).then(|| today - Duration::days(20 + (ci * 37 % 200) as i64))
}

/// One purchase of one SKU by one customer.
struct Purchase {
    day: NaiveDate,
    item: usize,
    packs: i64,
}

const CARRIERS: &[(&str, &str, usize)] = &[
    ("DHL Freight", "JJD", 14),
    ("DB Schenker", "SCH", 10),
    ("DSV", "DSV", 9),
    ("PostNord", "00370", 13),
    ("UPS", "1Z", 16),
];
/// How long the demo's ERP keeps order confirmations, delivery notes and paid invoices as PDFs
/// (open invoices, credit notes and certificates it keeps): the year buyers open documents of,
/// while every document is a file the local S3 emulator writes as three files, the larger
/// part of seeding's time (BENCHMARKS.md). Older orders and invoices list no documents.
const PDFS_KEPT_DAYS: i64 = 365;

/// Whether the demo's ERP still keeps a document issued on `issued_on`.
fn pdf_kept(issued_on: NaiveDate, today: NaiveDate) -> bool {
    (today - issued_on).num_days() < PDFS_KEPT_DAYS
}

const SELLER: &str = "Nordwerk Industrial Supply Oy";
const WAREHOUSE: &str = "Tampere central warehouse, FI";

/// Price multiplier from EUR to the account's currency.
pub(super) fn fx(currency: &str) -> Decimal {
    match currency {
        "SEK" => Decimal::new(1150, 2),
        "NOK" => Decimal::new(1170, 2),
        "GBP" => Decimal::new(85, 2),
        "USD" => Decimal::new(108, 2),
        "PLN" => Decimal::new(430, 2),
        _ => Decimal::ONE,
    }
}

/// More buying in spring and autumn, less in July and late December.
fn season(day: NaiveDate) -> f64 {
    let angle = f64::from(day.ordinal()) / 365.0 * std::f64::consts::TAU;
    let base = 1.0 + 0.2 * (angle * 2.0 - 1.2).sin();
    match (day.month(), day.day()) {
        (7, _) => base * 0.55,
        (12, 20..) | (1, ..=6) => base * 0.5,
        _ => base,
    }
}

fn weekday_on_or_after(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day + Duration::days(2),
        Weekday::Sun => day + Duration::days(1),
        _ => day,
    }
}

fn weekday_on_or_before(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day - Duration::days(1),
        Weekday::Sun => day - Duration::days(2),
        _ => day,
    }
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour.min(23), minute.min(59), 0)
        .unwrap_or_default()
        .and_utc()
}

pub(super) fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// Each customer's purchases: a set of regularly reordered SKUs, each a renewal process with
/// its own interval, jitter and possible dropout, scaled so that all customers together make
/// about `spec.order_lines` lines, plus some one-off purchases.
fn purchases(
    g: &mut Gen,
    spec: &DemoSpec,
    customer: &Customer,
    pool: &[usize],
    total_weight: f64,
) -> Vec<Purchase> {
    let start = spec.today - Duration::days(365 * i64::from(spec.years));
    let end = spec.today;
    let span = (end - start).num_days() as f64;
    // Purchases of one SKU within one ordering cycle merge into one line: ask for more.
    let target = spec.order_lines as f64 * customer.weight / total_weight * LINE_BOOST;
    let regulars = ((target / 12.0).round() as usize)
        .clamp(4, 120)
        .min(pool.len());
    struct Habit {
        item: usize,
        interval: f64,
        packs: f64,
        from: f64,
        until: f64,
    }
    let mut habits: Vec<Habit> = (0..regulars)
        .map(|_| {
            let item = *pool.choose(&mut g.rng).unwrap_or(&0);
            let from = if g.rng.random_bool(0.2) {
                g.rng.random_range(0.0..span * 0.8)
            } else {
                0.0
            };
            let until = if g.rng.random_bool(0.12) {
                g.rng.random_range(from..span)
            } else {
                span
            };
            Habit {
                item,
                interval: g.rng.random_range(14.0..120.0),
                packs: g.rng.random_range(1.0..10.0),
                from,
                until,
            }
        })
        .collect();
    let natural: f64 = habits.iter().map(|h| (h.until - h.from) / h.interval).sum();
    let scale = natural / (target * 0.92).max(1.0);
    for habit in &mut habits {
        habit.interval = (habit.interval * scale).max(3.0);
    }
    let mut out = Vec::new();
    for habit in &habits {
        let mut t = habit.from + g.rng.random_range(0.0..habit.interval);
        while t < habit.until {
            let day = weekday_on_or_after(start + Duration::days(t as i64));
            if day <= end {
                let packs = (habit.packs * (g.normal() * 0.3).exp()).round().max(1.0) as i64;
                out.push(Purchase {
                    day,
                    item: habit.item,
                    packs,
                });
            }
            t += habit.interval * (g.normal() * 0.25).exp() / season(day);
        }
    }
    let one_offs = (target * 0.08).round() as usize;
    for _ in 0..one_offs {
        let day = weekday_on_or_after(start + Duration::days(g.rng.random_range(0..span as i64)));
        let item = *pool.choose(&mut g.rng).unwrap_or(&0);
        if day <= end {
            out.push(Purchase {
                day,
                item,
                packs: g.rng.random_range(1..4),
            });
        }
    }
    out
}

/// A draft order before ids are given: one customer, one division, one week.
struct Draft {
    customer: usize,
    day: NaiveDate,
    lines: BTreeMap<usize, i64>,
    /// Where an order of the recent pipeline stands on the last day of history; `None` for the
    /// history's own orders, whose life is drawn at random.
    stage: Option<Stage>,
}

pub(super) fn history(
    g: &mut Gen,
    spec: &DemoSpec,
    customers: &[Customer],
    catalog: &[CatalogItem],
) -> History {
    let total_weight: f64 = customers.iter().map(|c| c.weight).sum();
    let mut drafts: Vec<Draft> = Vec::new();
    for (ci, customer) in customers.iter().enumerate() {
        let pool: Vec<usize> = (0..catalog.len())
            .filter(|&i| {
                customer
                    .account
                    .divisions
                    .contains(&catalog[i].product.division)
            })
            .collect();
        if pool.is_empty() {
            continue;
        }
        // Customers gather what is due into one order per division and ordering cycle, about fifteen
        // lines an order: the largest order weekly, the smallest a few times a year.
        let target = spec.order_lines as f64 * customer.weight / total_weight * LINE_BOOST;
        let span = 365.0 * f64::from(spec.years);
        let divisions = customer.account.divisions.len() as f64;
        let lines_per_order = g.rng.random_range(10.0..20.0);
        let cycle = (span * divisions * lines_per_order / target.max(1.0)).clamp(7.0, 182.0) as i64;
        let mut weeks: BTreeMap<(i64, String), Draft> = BTreeMap::new();
        let lost = lost_since(ci, spec.today);
        for p in purchases(g, spec, customer, &pool, total_weight) {
            if lost.is_some_and(|day| p.day >= day) {
                continue;
            }
            let key = (
                (p.day - NaiveDate::MIN).num_days() / cycle,
                catalog[p.item].product.division.to_string(),
            );
            let draft = weeks.entry(key).or_insert_with(|| Draft {
                customer: ci,
                day: p.day,
                lines: BTreeMap::new(),
                stage: None,
            });
            draft.day = draft.day.min(p.day);
            *draft.lines.entry(p.item).or_insert(0) += p.packs;
        }
        drafts.extend(weeks.into_values());
    }
    drafts.sort_by_key(|d| (d.day, d.customer));
    // The recent pipeline comes after the history, drawn from the generator last, so that the
    // history's own orders stay as they were; its orders take the numbers after the history's.
    let mut pipelines = Vec::new();
    for (ci, customer) in customers.iter().enumerate() {
        if lost_since(ci, spec.today).is_none() {
            pipelines.extend(pipeline(g, spec, ci, customer, catalog));
        }
    }
    drafts.extend(pipelines);

    let mut h = History::default();
    let mut batches: BTreeMap<BatchId, (Sku, NaiveDate, BTreeSet<AccountId>)> = BTreeMap::new();
    let mut po_counters = vec![0u32; customers.len()];
    for (seq, draft) in drafts.into_iter().enumerate() {
        let customer = &customers[draft.customer];
        po_counters[draft.customer] += 1;
        build_order(
            g,
            spec,
            &mut h,
            &mut batches,
            seq,
            customer,
            catalog,
            &draft,
            po_counters[draft.customer],
        );
    }
    certificates(&mut h, catalog, batches);
    h
}
