//! Three years of orders with repeat-buying patterns and seasonality, and what follows each
//! order: status history, shipments with tracking events, invoices, credit notes, documents.

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
fn fx(currency: &str) -> Decimal {
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

fn money(cents: i64) -> Decimal {
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

/// The stages every account that still buys has an order at on the last day of history, whatever
/// that day is, so that the demo shows what order tracking is for: open orders, shipments in
/// transit, an invoice due and one overdue. (The history's own orders are almost all invoiced
/// by then: an account orders every few weeks, and an order is invoiced within about three.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Received,
    Confirmed,
    InProduction,
    PartiallyShipped,
    InTransit,
    Delivered,
    /// Invoiced, unpaid and not yet due.
    InvoicedOpen,
    /// Invoiced, unpaid and past its due date.
    InvoicedOverdue,
    Cancelled,
}

impl Stage {
    const ALL: [Stage; 9] = [
        Stage::Received,
        Stage::Confirmed,
        Stage::InProduction,
        Stage::PartiallyShipped,
        Stage::InTransit,
        Stage::Delivered,
        Stage::InvoicedOpen,
        Stage::InvoicedOverdue,
        Stage::Cancelled,
    ];

    /// The order's dates that put it at this stage on `today` (at noon, when the demo's clock
    /// stops), for an account with `terms` days to pay.
    fn plan(self, today: NaiveDate, terms: i64) -> Plan {
        let days = Duration::days;
        let plan = |day, ship_on: NaiveDate, delivered_on: NaiveDate| Plan {
            day,
            produced_on: None,
            ship_on,
            transit: (delivered_on - ship_on).num_days(),
            second_ship_on: None,
            invoice_delay: 1,
            cancelled: false,
        };
        match self {
            Stage::Received => {
                let ship_on = weekday_on_or_after(today + days(7));
                plan(today, ship_on, ship_on + days(3))
            }
            Stage::Confirmed => {
                let day = weekday_on_or_before(today) - days(1);
                let ship_on = weekday_on_or_after(day + days(6));
                plan(day, ship_on, ship_on + days(3))
            }
            Stage::InProduction => {
                // Confirmed on the working day before production starts.
                let produced_on = weekday_on_or_before(today);
                let day = weekday_on_or_before(produced_on - days(1)) - days(1);
                let ship_on = weekday_on_or_after(day + days(14));
                Plan {
                    produced_on: Some(produced_on),
                    ..plan(day, ship_on, ship_on + days(3))
                }
            }
            Stage::PartiallyShipped => {
                let ship_on = weekday_on_or_before(today - days(1));
                Plan {
                    second_ship_on: Some(weekday_on_or_after(ship_on + days(10))),
                    ..plan(ship_on - days(5), ship_on, ship_on + days(4))
                }
            }
            Stage::InTransit => {
                let ship_on = weekday_on_or_before(today - days(1));
                plan(ship_on - days(4), ship_on, ship_on + days(4))
            }
            Stage::Delivered => {
                let ship_on = weekday_on_or_before(today - days(3));
                Plan {
                    invoice_delay: 2,
                    ..plan(ship_on - days(3), ship_on, today - days(1))
                }
            }
            Stage::InvoicedOpen => {
                let ship_on = weekday_on_or_before(today - days(10));
                plan(ship_on - days(4), ship_on, ship_on + days(2))
            }
            Stage::InvoicedOverdue => {
                let ship_on = weekday_on_or_before(today - days(terms + 24));
                plan(ship_on - days(5), ship_on, ship_on + days(2))
            }
            Stage::Cancelled => {
                let day = weekday_on_or_before(today - days(6));
                Plan {
                    cancelled: true,
                    ..plan(day, day + days(7), day + days(10))
                }
            }
        }
    }
}

/// The dates of a pipeline order's life (see [`Stage::plan`]).
struct Plan {
    day: NaiveDate,
    produced_on: Option<NaiveDate>,
    ship_on: NaiveDate,
    transit: i64,
    /// The second part's shipping day, if the order ships in two.
    second_ship_on: Option<NaiveDate>,
    /// Days from the last delivery to the invoice.
    invoice_delay: i64,
    cancelled: bool,
}

/// One order at each [`Stage`] for a customer that still buys: a few lines of one division
/// (the divisions in turn, the order in transit of one whose batches get certificates if the
/// account buys from one), at least one of them of a product whose batches get material
/// certificates where the division has one.
fn pipeline(
    g: &mut Gen,
    spec: &DemoSpec,
    ci: usize,
    customer: &Customer,
    catalog: &[CatalogItem],
) -> Vec<Draft> {
    let (_, _, _, terms, _) = COUNTRIES[customer.country];
    // Divisions whose batches get certificates first, so that the shipment in transit has one.
    let mut divisions: Vec<_> = customer.account.divisions.iter().collect();
    divisions.sort_by_key(|d| {
        !FAMILIES
            .iter()
            .any(|f| f.material_certificate && f.division == d.as_str())
    });
    let n = divisions.len();
    let mut drafts = Vec::new();
    for (k, stage) in Stage::ALL.into_iter().enumerate() {
        let Some(division) = divisions.get((k + 2 * n).saturating_sub(4) % n.max(1)) else {
            break;
        };
        let pool: Vec<usize> = (0..catalog.len())
            .filter(|&i| catalog[i].product.division == **division)
            .collect();
        let certified: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&i| FAMILIES[catalog[i].family].material_certificate)
            .collect();
        let mut lines = BTreeMap::new();
        if let Some(&item) = certified.choose(&mut g.rng) {
            lines.insert(item, g.rng.random_range(1..5));
        }
        for _ in 0..6 {
            if lines.len() >= 3 {
                break;
            }
            if let Some(&item) = pool.choose(&mut g.rng) {
                lines.entry(item).or_insert(g.rng.random_range(1..5));
            }
        }
        if lines.is_empty() {
            continue;
        }
        drafts.push(Draft {
            customer: ci,
            day: stage.plan(spec.today, terms).day,
            lines,
            stage: Some(stage),
        });
    }
    drafts
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

#[allow(clippy::too_many_arguments)]
fn build_order(
    g: &mut Gen,
    spec: &DemoSpec,
    h: &mut History,
    batches: &mut BTreeMap<BatchId, (Sku, NaiveDate, BTreeSet<AccountId>)>,
    seq: usize,
    customer: &Customer,
    catalog: &[CatalogItem],
    draft: &Draft,
    po_seq: u32,
) {
    let account = &customer.account;
    let (_, currency, vat, terms, cities) = COUNTRIES[customer.country];
    let today = spec.today;
    let now = at(today, 12, 0);
    let day = draft.day;
    let id = OrderId::parse(&format!("SO-{}", 1_000_000 + seq)).expect("valid order id");
    let po = match account.id.as_str().len() % 3 {
        0 => format!("45000{:05}", po_seq),
        1 => format!("PO-{}-{:04}", day.year(), po_seq),
        _ => format!("MRO/{}/{po_seq}", day.format("%y%m")),
    };
    let discount = Decimal::new(
        70 + (account.id.as_str().len() as i64 * 7 + seq as i64) % 25,
        2,
    );
    let division = catalog[*draft.lines.keys().next().unwrap_or(&0)]
        .product
        .division
        .clone();

    // The order's life: received, confirmed, maybe produced, shipped (maybe in two parts), delivered.
    let received = at(day, g.rng.random_range(7..16), g.rng.random_range(0..60));
    let cancelled = g.rng.random_bool(0.015) && (today - day).num_days() > 3;
    let confirmed_on = weekday_on_or_after(day + Duration::days(1));
    let lead = g.rng.random_range(2..15);
    let produced_on = (lead >= 7).then(|| weekday_on_or_after(day + Duration::days(2)));
    let ship_on = weekday_on_or_after(day + Duration::days(lead));
    let transit = g.rng.random_range(1..5);
    let split = draft.lines.len() >= 2 && g.rng.random_bool(0.1);
    let second_ship_on = weekday_on_or_after(ship_on + Duration::days(g.rng.random_range(3..11)));
    let plan = draft
        .stage
        .map(|stage| stage.plan(today, COUNTRIES[customer.country].3));
    let (received, cancelled, produced_on, ship_on, transit, split, second_ship_on) = match &plan {
        None => (
            received,
            cancelled,
            produced_on,
            ship_on,
            transit,
            split,
            second_ship_on,
        ),
        // Received in the morning: before the demo's clock stops at noon.
        Some(p) => (
            at(day, 8, received.minute()),
            p.cancelled,
            p.produced_on,
            p.ship_on,
            p.transit,
            p.second_ship_on.is_some() && draft.lines.len() >= 2,
            p.second_ship_on.unwrap_or(second_ship_on),
        ),
    };
    let deliveries = if split {
        vec![
            (ship_on, ship_on + Duration::days(transit)),
            (second_ship_on, second_ship_on + Duration::days(transit)),
        ]
    } else {
        vec![(ship_on, ship_on + Duration::days(transit))]
    };

    let fx = fx(currency);
    let line_count = draft.lines.len();
    let mut lines = Vec::with_capacity(line_count);
    for (n, (&item, &packs)) in draft.lines.iter().enumerate() {
        let product = &catalog[item].product;
        let quantity = product.pack_size * Decimal::from(packs);
        let unit_price = (money(catalog[item].price_cents) * fx * discount).round_dp(2);
        let part = if split && n >= line_count / 2 { 1 } else { 0 };
        let (shipped, delivered) = deliveries[part];
        let status = if cancelled {
            LineStatus::Cancelled
        } else if delivered <= today {
            LineStatus::Delivered
        } else if shipped <= today {
            LineStatus::Shipped
        } else if confirmed_on <= today {
            LineStatus::Confirmed
        } else {
            LineStatus::Open
        };
        let batch = (!cancelled && shipped <= today).then(|| {
            let half = if shipped.month() <= 6 { "A" } else { "B" };
            BatchId::parse(&format!("L{}{half}-{}", shipped.format("%y"), product.sku))
                .expect("valid batch")
        });
        if let Some(batch) = &batch
            && FAMILIES[catalog[item].family].material_certificate
        {
            let entry = batches
                .entry(batch.clone())
                .or_insert_with(|| (product.sku.clone(), shipped, BTreeSet::new()));
            entry.1 = entry.1.min(shipped);
            entry.2.insert(account.id.clone());
        }
        lines.push(OrderLine {
            line_no: (n as u32 + 1) * 10,
            sku: product.sku.clone(),
            description: product.name.clone(),
            quantity,
            unit: product.unit.clone(),
            line_total: (quantity * unit_price).round_dp(2),
            unit_price,
            status,
            batch,
        });
    }
    let net: Decimal = lines.iter().map(|l| l.line_total).sum();
    let tax = (net * Decimal::new(vat, 3)).round_dp(2);
    let totals = Totals {
        net,
        tax,
        gross: net + tax,
    };

    let mut history = vec![StatusChange {
        status: OrderStatus::Received,
        at: received,
        note: None,
    }];
    let mut push = |status, when: DateTime<Utc>, note: Option<String>| {
        if when <= now {
            history.push(StatusChange {
                status,
                at: when,
                note,
            });
        }
    };
    let last_delivery = deliveries.iter().map(|d| d.1).max().unwrap_or(ship_on);
    let invoice_delay = g.rng.random_range(0..3);
    let invoice_on =
        last_delivery + Duration::days(plan.as_ref().map_or(invoice_delay, |p| p.invoice_delay));
    if cancelled {
        push(
            OrderStatus::Cancelled,
            at(day + Duration::days(1), 9, 30),
            Some("Cancelled at the customer's request".to_owned()),
        );
    } else {
        push(
            OrderStatus::Confirmed,
            at(confirmed_on, 9, 15),
            Some(format!(
                "Delivery confirmed for {}",
                ship_on + Duration::days(transit)
            )),
        );
        if let Some(p) = produced_on {
            push(OrderStatus::InProduction, at(p, 7, 0), None);
        }
        if split {
            push(OrderStatus::PartiallyShipped, at(ship_on, 14, 0), None);
            push(OrderStatus::Shipped, at(second_ship_on, 14, 0), None);
        } else {
            push(OrderStatus::Shipped, at(ship_on, 14, 0), None);
        }
        push(OrderStatus::Delivered, at(last_delivery, 13, 0), None);
        push(OrderStatus::Invoiced, at(invoice_on, 6, 0), None);
    }
    let status = history.last().map_or(OrderStatus::Received, |c| c.status);

    let summary = OrderSummary {
        id: id.clone(),
        account_id: account.id.clone(),
        po_number: PoNumber::parse(&po).expect("valid po"),
        division,
        currency: account.currency,
        order_date: day,
        requested_delivery: Some(day + Duration::days(g.rng.random_range(5..21))),
        confirmed_delivery: (!cancelled && confirmed_on <= today)
            .then(|| ship_on + Duration::days(transit)),
        status,
        totals,
        line_count: line_count as u32,
    };
    let order = Order {
        summary,
        ship_to: account.ship_to.first().map(|a| a.id.clone()),
        lines,
        status_history: history,
    };

    let doc_lines = |title: String| -> Vec<String> {
        let mut text = vec![
            format!("{SELLER} - {title}"),
            format!("Customer: {} ({})", account.name, account.id),
        ];
        text.push(format!("Order {id}, PO {po}, ordered {day}"));
        for l in order.lines.iter().take(40) {
            text.push(format!(
                "{:>4}  {}  {}  {} {}  {} {currency}",
                l.line_no, l.sku, l.description, l.quantity, l.unit, l.line_total
            ));
        }
        text.push(format!(
            "Net {} {currency}, VAT {} {currency}, total {} {currency}",
            totals.net, totals.tax, totals.gross
        ));
        text
    };
    if !cancelled && confirmed_on <= today && pdf_kept(confirmed_on, today) {
        let doc_id = DocumentId::parse(&format!("OC-{id}")).expect("valid document id");
        let text = doc_lines(format!("Order confirmation {id}"));
        h.documents.push((
            account_document(
                doc_id,
                DocumentKind::OrderConfirmation,
                format!("Order confirmation {id}"),
                confirmed_on,
                &account.id,
                DocumentLinks {
                    order_id: Some(id.clone()),
                    ..Default::default()
                },
            ),
            text,
        ));
    }

    // Shipments and their tracking events.
    if !cancelled {
        for (part, &(shipped, delivered)) in deliveries.iter().enumerate() {
            if shipped > today {
                continue;
            }
            let shipment_id = ShipmentId::parse(&format!("SH-{}", 1_000_000 + seq * 2 + part))
                .expect("valid shipment id");
            let (carrier, prefix, digits) = *CARRIERS.choose(&mut g.rng).unwrap_or(&CARRIERS[0]);
            let number: String = (0..digits)
                .map(|_| char::from(b'0' + g.rng.random_range(0..10u8)))
                .collect();
            let city = *cities.choose(&mut g.rng).unwrap_or(&"Tampere");
            let mut events = vec![
                TrackingEvent {
                    at: at(shipped, 8, 0),
                    place: WAREHOUSE.to_owned(),
                    status: ShipmentStatus::Booked,
                    description: "Shipment booked with carrier".to_owned(),
                },
                TrackingEvent {
                    at: at(shipped, 15, 30),
                    place: WAREHOUSE.to_owned(),
                    status: ShipmentStatus::PickedUp,
                    description: "Picked up".to_owned(),
                },
                TrackingEvent {
                    at: at(shipped + Duration::days(1), 3, 10),
                    place: "Carrier hub".to_owned(),
                    status: ShipmentStatus::InTransit,
                    description: "In transit".to_owned(),
                },
            ];
            let exception = g.rng.random_bool(0.03) && plan.is_none();
            if exception {
                events.push(TrackingEvent {
                    at: at(delivered, 10, 5),
                    place: city.to_owned(),
                    status: ShipmentStatus::Exception,
                    description: "Delivery attempt failed: receiving dock closed".to_owned(),
                });
            }
            let final_day = if exception {
                delivered + Duration::days(1)
            } else {
                delivered
            };
            events.push(TrackingEvent {
                at: at(final_day, 7, 0),
                place: city.to_owned(),
                status: ShipmentStatus::OutForDelivery,
                description: "Out for delivery".to_owned(),
            });
            events.push(TrackingEvent {
                at: at(final_day, 12, g.rng.random_range(0..60)),
                place: city.to_owned(),
                status: ShipmentStatus::Delivered,
                description: "Delivered, signed by goods receipt".to_owned(),
            });
            events.retain(|e| e.at <= now);
            let status = events.last().map_or(ShipmentStatus::Booked, |e| e.status);
            let line_nos: Vec<u32> = order
                .lines
                .iter()
                .enumerate()
                .filter(|(n, _)| !split || (*n >= line_count / 2) == (part == 1))
                .map(|(_, l)| l.line_no)
                .collect();
            let shipment = Shipment {
                id: shipment_id.clone(),
                account_id: account.id.clone(),
                order_id: id.clone(),
                carrier: carrier.to_owned(),
                tracking_number: TrackingNumber::parse(&format!("{prefix}{number}"))
                    .expect("valid tracking number"),
                status,
                shipped_on: shipped,
                eta: Some(delivered),
                delivered_at: events
                    .iter()
                    .find(|e| e.status == ShipmentStatus::Delivered)
                    .map(|e| e.at),
                lines: line_nos,
                events,
            };
            let doc_id =
                DocumentId::parse(&format!("DN-{shipment_id}")).expect("valid document id");
            let text = doc_lines(format!(
                "Delivery note {shipment_id} ({carrier} {})",
                shipment.tracking_number
            ));
            let kept = pdf_kept(shipped, today);
            h.documents.extend(kept.then_some((
                account_document(
                    doc_id,
                    DocumentKind::DeliveryNote,
                    format!("Delivery note {shipment_id}"),
                    shipped,
                    &account.id,
                    DocumentLinks {
                        order_id: Some(id.clone()),
                        shipment_id: Some(shipment_id),
                        ..Default::default()
                    },
                ),
                text,
            )));
            h.shipments.push(shipment);
        }
    }

    // The invoice, its payment, and sometimes a credit note.
    if !cancelled && invoice_on <= today && last_delivery <= today {
        let invoice_id =
            InvoiceId::parse(&format!("INV-{}", 2_000_000 + seq)).expect("valid invoice id");
        let due = invoice_on + Duration::days(terms);
        let paid_on = match customer.payer {
            0 => Some(due - Duration::days(g.rng.random_range(0..12))),
            1 => Some(due + Duration::days(g.rng.random_range(3..45))),
            _ if g.rng.random_bool(0.7) => Some(due + Duration::days(g.rng.random_range(10..90))),
            _ => None,
        }
        .map(|d| d.max(invoice_on))
        .filter(|d| *d <= today && plan.is_none());
        let payment = if paid_on.is_some() {
            PaymentState::Paid
        } else {
            PaymentState::Unpaid
        };
        let doc_id = DocumentId::parse(&format!("IV-{invoice_id}")).expect("valid document id");
        let text = doc_lines(format!("Invoice {invoice_id}, due {due}"));
        let kept = pdf_kept(invoice_on, today) || payment == PaymentState::Unpaid;
        h.documents.extend(kept.then_some((
            account_document(
                doc_id.clone(),
                DocumentKind::Invoice,
                format!("Invoice {invoice_id}"),
                invoice_on,
                &account.id,
                DocumentLinks {
                    order_id: Some(id.clone()),
                    invoice_id: Some(invoice_id.clone()),
                    ..Default::default()
                },
            ),
            text,
        )));
        let invoice = Invoice {
            id: invoice_id.clone(),
            account_id: account.id.clone(),
            kind: InvoiceKind::Invoice,
            order_id: Some(id.clone()),
            credits_invoice: None,
            issue_date: invoice_on,
            due_date: due,
            currency: account.currency,
            totals,
            payment,
            paid_on,
            document_id: kept.then_some(doc_id),
        };
        let credit_on = invoice_on + Duration::days(g.rng.random_range(3..21));
        if g.rng.random_bool(0.02) && credit_on <= today && plan.is_none() {
            let share = Decimal::new(g.rng.random_range(10..=100), 2);
            let net = -(totals.net * share).round_dp(2);
            let tax = (net * Decimal::new(vat, 3)).round_dp(2);
            let credit_id =
                InvoiceId::parse(&format!("CN-{}", 2_000_000 + seq)).expect("valid credit note id");
            let doc_id = DocumentId::parse(&format!("CR-{credit_id}")).expect("valid document id");
            let text = vec![
                format!("{SELLER} - Credit note {credit_id}"),
                format!("Customer: {} ({})", account.name, account.id),
                format!("Credits invoice {invoice_id} of order {id}: quantity difference"),
                format!(
                    "Net {net} {currency}, VAT {tax} {currency}, total {} {currency}",
                    net + tax
                ),
            ];
            h.documents.push((
                account_document(
                    doc_id.clone(),
                    DocumentKind::CreditNote,
                    format!("Credit note {credit_id}"),
                    credit_on,
                    &account.id,
                    DocumentLinks {
                        order_id: Some(id.clone()),
                        invoice_id: Some(credit_id.clone()),
                        ..Default::default()
                    },
                ),
                text,
            ));
            h.invoices.push(Invoice {
                id: credit_id,
                account_id: account.id.clone(),
                kind: InvoiceKind::CreditNote,
                order_id: Some(id.clone()),
                credits_invoice: Some(invoice_id),
                issue_date: credit_on,
                due_date: credit_on,
                currency: account.currency,
                totals: Totals {
                    net,
                    tax,
                    gross: net + tax,
                },
                payment,
                paid_on: paid_on.map(|d| d.max(credit_on)),
                document_id: Some(doc_id),
            });
        }
        h.invoices.push(invoice);
    }
    h.orders.push(order);
}

fn account_document(
    id: DocumentId,
    kind: DocumentKind,
    title: String,
    issued_on: NaiveDate,
    account: &AccountId,
    links: DocumentLinks,
) -> Document {
    Document {
        file_name: format!("{id}.pdf"),
        id,
        kind,
        title,
        content_type: "application/pdf".to_owned(),
        size_bytes: 0,
        file_revision: None,
        issued_on,
        links,
        audience: DocumentAudience::Account {
            account_id: account.clone(),
        },
    }
}

/// Material certificates of delivered batches, and the products' own certificates.
fn certificates(
    h: &mut History,
    catalog: &[CatalogItem],
    batches: BTreeMap<BatchId, (Sku, NaiveDate, BTreeSet<AccountId>)>,
) {
    for (batch, (sku, first_shipped, delivered_to)) in batches {
        let id = DocumentId::parse(&format!("MC-{batch}")).expect("valid document id");
        let issued_on = first_shipped - Duration::days(3);
        let text = vec![
            format!("{SELLER} - Inspection certificate 3.1 (EN 10204)"),
            format!("Product {sku}, batch {batch}"),
            "Chemical composition and mechanical properties tested; results within specification."
                .to_owned(),
            format!("Issued {issued_on} by the quality department"),
        ];
        let document = Document {
            file_name: format!("{id}.pdf"),
            title: format!("Material certificate 3.1, batch {batch}"),
            id,
            kind: DocumentKind::MaterialCertificate,
            content_type: "application/pdf".to_owned(),
            size_bytes: 0,
            file_revision: None,
            issued_on,
            links: DocumentLinks {
                sku: Some(sku),
                batch: Some(batch),
                ..Default::default()
            },
            audience: DocumentAudience::Batch {
                delivered_to: delivered_to.into_iter().collect(),
            },
        };
        h.documents.push((document, text));
    }
    for item in catalog {
        let family = &FAMILIES[item.family];
        let sku = &item.product.sku;
        let kinds = [
            (
                family.conformity,
                DocumentKind::DeclarationOfConformity,
                "DC",
                "EU declaration of conformity",
            ),
            (
                family.safety_data_sheet,
                DocumentKind::SafetyDataSheet,
                "SDS",
                "Safety data sheet",
            ),
        ];
        for (applies, kind, prefix, title) in kinds {
            if !applies {
                continue;
            }
            let id = DocumentId::parse(&format!("{prefix}-{sku}")).expect("valid document id");
            let text = vec![
                format!("{SELLER} - {title}"),
                format!("Product {sku}: {}", item.product.name),
            ];
            h.documents.push((
                Document {
                    file_name: format!("{id}.pdf"),
                    title: format!("{title}, {sku}"),
                    id,
                    kind,
                    content_type: "application/pdf".to_owned(),
                    size_bytes: 0,
                    file_revision: None,
                    issued_on: NaiveDate::from_ymd_opt(2023, 1, 16).unwrap_or_default(),
                    links: DocumentLinks {
                        sku: Some(sku.clone()),
                        ..Default::default()
                    },
                    audience: DocumentAudience::Product,
                },
                text,
            ));
        }
    }
}
