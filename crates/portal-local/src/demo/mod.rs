//! Demo data that looks like a real industrial seller, generated deterministically from a seed.
//!
//! Four divisions, customers in seven countries and currencies, a catalog of hoses, fittings,
//! bolts, bearings, seals and lubricants, and three years of orders in which each customer
//! reorders its regular SKUs at its own rhythm (with seasonality, new and dropped SKUs, and
//! one-off purchases), followed by shipments with tracking events, invoices (some overdue),
//! credit notes, order confirmations, delivery notes and batch certificates as PDFs in S3; and
//! price lists to buy from (module `pricing`).

mod catalog;
pub mod commerce;
mod customers;
mod history;
pub mod pdf;
mod pricing;

pub use customers::{
    DEMO_ACCOUNT_ADMIN, DEMO_ADMIN, DEMO_APPROVER, DEMO_BUYER, DEMO_INTEGRATION, DEMO_MANAGER,
    DEMO_OTHER_BUYER, DEMO_USERS, DEMO_VIEWER,
};

use anyhow::Context;
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use portal_domain::model::Document;
use portal_domain::records::Record;
use portal_store::Store;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::task::JoinSet;

/// What to generate. The same spec always gives the same data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoSpec {
    pub seed: u64,
    pub accounts: usize,
    pub skus: usize,
    /// About this many order lines in all.
    pub order_lines: usize,
    /// Years of history up to `today`.
    pub years: u32,
    /// The last day of history; statuses and payments are as of this day.
    pub today: NaiveDate,
}

/// Counts of what was generated.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DemoSummary {
    pub divisions: usize,
    pub accounts: usize,
    pub users: usize,
    pub products: usize,
    pub orders: usize,
    pub order_lines: usize,
    pub shipments: usize,
    pub invoices: usize,
    pub documents: usize,
}

/// The seeded random source of the generator.
pub(crate) struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A standard normal sample (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u1: f64 = self.rng.random_range(f64::EPSILON..1.0);
        let u2: f64 = self.rng.random();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Generated data, ready to load.
pub struct DemoData {
    pub records: Vec<Record>,
    /// Documents with the text of their PDFs, rendered when loaded.
    pub documents: Vec<(Document, Vec<String>)>,
    pub summary: DemoSummary,
}

/// Generates the demo data for `spec`.
pub fn generate(spec: &DemoSpec) -> DemoData {
    let mut g = Gen::new(spec.seed);
    let divisions = catalog::divisions();
    let products = catalog::products(&mut g, spec.skus);
    let mut customers = customers::customers(&mut g, spec.accounts);
    let users = customers::users(&mut g, &mut customers);
    let history = history::history(&mut g, spec, &customers, &products);
    pricing::assign_groups(&mut customers);
    let prices = pricing::records(&products, &customers, spec.today);
    let summary = DemoSummary {
        divisions: divisions.len(),
        accounts: customers.len(),
        users: users.len(),
        products: products.len(),
        orders: history.orders.len(),
        order_lines: history.orders.iter().map(|o| o.lines.len()).sum(),
        shipments: history.shipments.len(),
        invoices: history.invoices.len(),
        documents: history.documents.len(),
    };
    let mut records = Vec::new();
    records.extend(divisions.into_iter().map(Record::Division));
    records.extend(customers.into_iter().map(|c| Record::Account(c.account)));
    records.extend(users.into_iter().map(Record::User));
    records.extend(products.into_iter().map(|p| Record::Product(p.product)));
    records.extend(history.orders.into_iter().map(Record::Order));
    records.extend(history.shipments.into_iter().map(Record::Shipment));
    records.extend(history.invoices.into_iter().map(Record::Invoice));
    records.extend(prices);
    DemoData {
        records,
        documents: history.documents,
        summary,
    }
}

/// How many writes run at once while loading.
pub const CONCURRENCY: usize = 8;
/// How many document files are stored at once. Each one is three files of the S3 emulator's
/// folder, created and renamed under one directory lock: more at once only spin on that lock
/// (in the kernel), fewer leave the emulator idle.
const DOCUMENT_CONCURRENCY: usize = 4;
/// Records per write task.
const CHUNK: usize = 250;

fn progress(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg:>18} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

/// How long each half of [`load`] took (they run side by side).
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadTimes {
    pub records: std::time::Duration,
    pub documents: std::time::Duration,
}

/// Writes `data` through the store. Table records and document files load side by side; each
/// document's item is written only after its file is stored, so no item points at a missing file.
pub async fn load(store: &Store, data: DemoData) -> anyhow::Result<LoadTimes> {
    let DemoData {
        records, documents, ..
    } = data;
    let bar = progress(records.len() + documents.len(), "records and files");
    let started = std::time::Instant::now();
    let timed = |result: anyhow::Result<()>| result.map(|()| started.elapsed());
    let (records, documents) = tokio::join!(
        async { timed(write_records(store, records, bar.clone()).await) },
        async { timed(store_documents(store, documents, bar.clone()).await) },
    );
    let times = LoadTimes {
        records: records?,
        documents: documents?,
    };
    bar.finish();
    Ok(times)
}

/// Writes records with batched writes, [`CONCURRENCY`] batches in flight, as seeding does.
pub async fn write_records(
    store: &Store,
    records: Vec<Record>,
    bar: ProgressBar,
) -> anyhow::Result<()> {
    let records = Arc::new(records);
    let mut tasks = JoinSet::new();
    let mut next = 0;
    while next < records.len() || !tasks.is_empty() {
        while tasks.len() < CONCURRENCY && next < records.len() {
            let (start, end) = (next, (next + CHUNK).min(records.len()));
            next = end;
            let (store, records) = (store.clone(), Arc::clone(&records));
            tasks.spawn(async move {
                store
                    .put_records(&records[start..end])
                    .await
                    .map(|()| end - start)
            });
        }
        if let Some(result) = tasks.join_next().await {
            bar.inc(result.context("a write task failed")?? as u64);
        }
    }
    Ok(())
}

async fn store_documents(
    store: &Store,
    documents: Vec<(Document, Vec<String>)>,
    bar: ProgressBar,
) -> anyhow::Result<()> {
    let mut tasks = JoinSet::new();
    let mut pending = documents.into_iter().peekable();
    while pending.peek().is_some() || !tasks.is_empty() {
        while tasks.len() < DOCUMENT_CONCURRENCY && pending.peek().is_some() {
            let chunk: Vec<_> = pending.by_ref().take(CHUNK / 2).collect();
            let store = store.clone();
            tasks.spawn(async move {
                let mut records = Vec::with_capacity(chunk.len());
                for (mut document, text) in chunk {
                    let bytes = pdf::render(&text);
                    document.size_bytes = bytes.len() as u64;
                    store.put_document_file(&document, bytes).await?;
                    records.push(Record::Document(document));
                }
                store.put_records(&records).await?;
                anyhow::Ok(records.len())
            });
        }
        if let Some(result) = tasks.join_next().await {
            bar.inc(result.context("a document task failed")?? as u64);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> DemoSpec {
        DemoSpec {
            seed: 7,
            accounts: 12,
            skus: 60,
            order_lines: 3_000,
            years: 3,
            today: NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"),
        }
    }

    #[test]
    fn same_spec_generates_the_same_data() {
        let a = generate(&spec());
        let b = generate(&spec());
        assert_eq!(format!("{:?}", a.records), format!("{:?}", b.records));
        assert_eq!(a.documents.len(), b.documents.len());
    }

    #[test]
    fn small_demos_come_near_the_requested_number_of_lines() {
        let data = generate(&spec());
        let lines = data.summary.order_lines as f64;
        assert!(
            (1_500.0..4_500.0).contains(&lines),
            "{lines} lines for 3000 requested"
        );
    }

    #[test]
    fn the_default_demo_has_at_least_two_hundred_thousand_lines() {
        let spec = DemoSpec {
            seed: 42,
            accounts: 240,
            skus: 2_400,
            order_lines: 200_000,
            ..spec()
        };
        let summary = generate(&spec).summary;
        assert!(summary.order_lines >= 200_000, "{summary:?}");
        assert!(
            summary.accounts >= 200 && summary.products >= 2_000,
            "{summary:?}"
        );
    }

    /// What the demo must show every account that still buys, whatever its last day of history.
    #[test]
    fn every_account_that_still_buys_has_orders_at_every_stage_on_any_day() {
        use portal_domain::model::{DocumentAudience, OrderStatus, PaymentState, ShipmentStatus};
        use std::collections::{BTreeSet, HashMap};
        let first = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        // Every weekday (as the last day of history falls) and both month ends.
        let days = (0..7).map(|n| first + chrono::Duration::days(n)).chain([
            NaiveDate::from_ymd_opt(2026, 2, 28).expect("date"),
            NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
        ]);
        for today in days {
            let data = generate(&DemoSpec { today, ..spec() });
            let noon = today.and_hms_opt(12, 0, 0).expect("noon").and_utc();
            let mut statuses: HashMap<String, BTreeSet<&'static str>> = HashMap::new();
            let mut batches_in_transit: HashMap<String, BTreeSet<String>> = HashMap::new();
            let mut orders = HashMap::new();
            let mut accounts = Vec::new();
            for record in &data.records {
                match record {
                    Record::Account(a) => accounts.push((
                        a.id.to_string(),
                        a.divisions.iter().any(|d| {
                            catalog::FAMILIES
                                .iter()
                                .any(|f| f.material_certificate && f.division == d.as_str())
                        }),
                    )),
                    Record::Order(o) => {
                        assert!(o.status_history.iter().all(|c| c.at <= noon), "{o:?}");
                        assert!(o.summary.order_date <= today);
                        orders.insert(o.summary.id.clone(), o);
                        statuses
                            .entry(o.summary.account_id.to_string())
                            .or_default()
                            .insert(o.summary.status.as_str());
                    }
                    _ => {}
                }
            }
            for record in &data.records {
                match record {
                    Record::Shipment(s) if s.status == ShipmentStatus::InTransit => {
                        assert!(s.events.len() >= 3 && s.delivered_at.is_none(), "{s:?}");
                        let account = s.account_id.to_string();
                        statuses
                            .entry(account.clone())
                            .or_default()
                            .insert("in-transit");
                        let order = &orders[&s.order_id];
                        for line in order.lines.iter().filter(|l| s.lines.contains(&l.line_no)) {
                            if let Some(batch) = &line.batch {
                                batches_in_transit
                                    .entry(account.clone())
                                    .or_default()
                                    .insert(batch.to_string());
                            }
                        }
                    }
                    Record::Invoice(i) if i.payment == PaymentState::Unpaid => {
                        let state = if i.due_date < today {
                            "overdue"
                        } else {
                            "open"
                        };
                        assert!(i.issue_date <= today);
                        statuses
                            .entry(i.account_id.to_string())
                            .or_default()
                            .insert(state);
                    }
                    _ => {}
                }
            }
            for (document, _) in &data.documents {
                if let (DocumentAudience::Batch { delivered_to }, Some(batch)) =
                    (&document.audience, &document.links.batch)
                {
                    for account in delivered_to {
                        if batches_in_transit
                            .get(account.as_str())
                            .is_some_and(|b| b.contains(batch.as_str()))
                        {
                            statuses
                                .entry(account.to_string())
                                .or_default()
                                .insert("certificate");
                        }
                    }
                }
            }
            let lost = (0..accounts.len())
                .filter(|&ci| history::lost_since(ci, today).is_some())
                .count();
            assert!(lost >= 1, "a lost customer to find");
            for (ci, (account, certified)) in accounts.iter().enumerate() {
                if history::lost_since(ci, today).is_some() {
                    continue;
                }
                let have = statuses.remove(account).unwrap_or_default();
                // Only some product families get batch certificates.
                let certificate = certified.then_some("certificate");
                let wanted = OrderStatus::FROM_ERP
                    .iter()
                    .map(|s| s.as_str())
                    .chain(["in-transit", "open", "overdue"])
                    .chain(certificate);
                for want in wanted {
                    assert!(
                        have.contains(want),
                        "{account} has no {want} on {today}: {have:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_order_line_is_a_product_of_the_accounts_divisions() {
        let data = generate(&spec());
        let accounts: std::collections::HashMap<_, _> = data
            .records
            .iter()
            .filter_map(|r| {
                if let Record::Account(a) = r {
                    Some((a.id.clone(), a.divisions.clone()))
                } else {
                    None
                }
            })
            .collect();
        for record in &data.records {
            if let Record::Order(order) = record {
                assert!(accounts[&order.summary.account_id].contains(&order.summary.division));
            }
        }
    }
}
