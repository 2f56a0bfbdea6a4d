//! `portal bench-ingest`: how fast order lines get from an ERP export into the portal.
//!
//! Generates an SAP-like export (order headers and items, Windows-1252, decimal commas) and
//! measures, in one run:
//!
//! - **normalise to Parquet**: the items file read, decoded, mapped by the `sap` profile,
//!   validated, joined to their headers and written as the lake's Parquet (no table);
//! - **ingest**: both files through `portal ingest`'s path into a fresh data folder: merge,
//!   conditional transactions on the table, the lake objects, the reports;
//! - **baseline**: the same order items written to another fresh data folder with the store's
//!   plain batched writes (`BatchWriteItem`, 25 items a call, as many calls in flight as
//!   seeding uses): the embedded store's own rate.
//!
//! It prints lines per second of each, their ratio, and the process's peak memory.

use crate::LocalApp;
use anyhow::Context;
use ingest::entity::Update;
use ingest::read::csv_rows;
use ingest::{Entity, Profile};
use portal_domain::records::{Current, Record};
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of `portal bench-ingest`.
#[derive(Debug, clap::Args)]
pub struct BenchIngestArgs {
    /// Order lines in the generated export.
    #[arg(long, default_value_t = 1_000_000)]
    lines: usize,
    /// Lines per order.
    #[arg(long, default_value_t = 10)]
    lines_per_order: usize,
    /// Where the export and the data folders go (default: a temporary folder).
    #[arg(long)]
    work: Option<PathBuf>,
}

const VBAK: &str =
    "VBELN;KUNNR;BSTNK;SPART;WAERK;AUDAT;VDATU;USTAT;NETWR;MWSBT;KUNWE;AEDAT;AEZET\r\n";
const VBAP: &str = "VBELN;POSNR;MATNR;ARKTX;KWMENG;VRKME;NETPR;NETWR;PSTAT;CHARG;AEDAT;AEZET\r\n";

/// Writes the export: `VBAK.csv` (headers) and `VBAP.csv` (items) in Windows-1252.
fn generate(dir: &Path, lines: usize, per_order: usize) -> anyhow::Result<(PathBuf, PathBuf)> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let (vbak, vbap) = (dir.join("VBAK.csv"), dir.join("VBAP.csv"));
    let mut headers = std::io::BufWriter::new(std::fs::File::create(&vbak)?);
    let mut items = std::io::BufWriter::new(std::fs::File::create(&vbap)?);
    headers.write_all(VBAK.as_bytes())?;
    items.write_all(VBAP.as_bytes())?;
    let orders = lines.div_ceil(per_order.max(1));
    let mut written = 0;
    for o in 0..orders {
        let day = 1 + o % 28;
        let month = 1 + (o / 28) % 12;
        let customer = 10_001 + rng.random_range(0..500);
        let mut net = 0i64;
        let count = per_order.min(lines - written);
        for p in 0..count {
            let quantity: i64 = rng.random_range(1..2_000);
            let cents: i64 = rng.random_range(5..50_000);
            let value = quantity * cents;
            net += value;
            let text = encoding_rs::WINDOWS_1252
                .encode(&format!(
                    "{:010};{:06};HYD-HC{:05};Hydraulikschlauch Ø{} – Länge {} m;{},000;ST;{},{:02};{},{:02};B;;2025{month:02}{day:02};101500\r\n",
                    500_000 + o,
                    (p + 1) * 10,
                    10_000 + rng.random_range(0..2_400),
                    rng.random_range(6..32),
                    rng.random_range(1..20),
                    quantity,
                    cents / 100,
                    cents % 100,
                    value / 100,
                    value % 100,
                ))
                .0
                .into_owned();
            items.write_all(&text)?;
        }
        written += count;
        let text = encoding_rs::WINDOWS_1252
            .encode(&format!(
                "{:010};{customer:010};PO-{o}-Ölmühle;10;EUR;{day:02}.{month:02}.2025;;E0002;{},{:02};0,00;;2025{month:02}{day:02};101500\r\n",
                500_000 + o,
                net / 100,
                net % 100,
            ))
            .0
            .into_owned();
        headers.write_all(&text)?;
    }
    headers.flush()?;
    items.flush()?;
    Ok((vbak, vbap))
}

/// The rows of an export file, parsed.
fn updates(path: &Path, profile: &Profile, entity: Entity) -> anyhow::Result<Vec<Update>> {
    let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let rows = csv_rows(
        file,
        profile,
        entity,
        ingest::entity::Arrival::new(chrono::Utc::now(), "bench"),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(rows.filter_map(|r| r.parsed.ok().map(|(u, _)| u)).collect())
}

/// Normalises the items file to the lake's Parquet (joined to the headers); returns the lines
/// written.
fn normalise(vbak: &Path, vbap: &Path, out: &Path, profile: &Profile) -> anyhow::Result<usize> {
    let mut headers = HashMap::new();
    for update in updates(vbak, profile, Entity::Orders)? {
        if let Update::Order(h) = update {
            headers.insert(h.id.clone(), h);
        }
    }
    let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(vbap)?);
    let rows = csv_rows(
        file,
        profile,
        Entity::OrderLines,
        ingest::entity::Arrival::new(chrono::Utc::now(), "bench"),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut lines = Vec::with_capacity(100_000);
    let (mut total, mut part) = (0, 0);
    let mut flush = |lines: &mut Vec<analytics::lake::LakeLine>| -> anyhow::Result<()> {
        let bytes = analytics::lake::to_parquet(lines)?;
        std::fs::write(out.join(format!("part-{part:04}.parquet")), bytes)?;
        part += 1;
        lines.clear();
        Ok(())
    };
    for row in rows {
        let Ok((Update::OrderLine { order_id, line }, _)) = row.parsed else {
            continue;
        };
        let Some(h) = headers.get(&order_id) else {
            continue;
        };
        use rust_decimal::prelude::ToPrimitive;
        lines.push(analytics::lake::LakeLine {
            account_id: h.account_id.to_string(),
            sku: line.sku.to_string(),
            order_date: h.order_date,
            quantity: line.quantity.to_f64().unwrap_or(0.0),
            order_id: order_id.to_string(),
            unit_price: line.unit_price.to_f64().unwrap_or(0.0),
            division: Some(h.division.to_string()),
            pack_size: None,
            line_no: line.line_no,
            revision: 0,
            cancelled: false,
        });
        total += 1;
        if lines.len() == 100_000 {
            flush(&mut lines)?;
        }
    }
    if !lines.is_empty() {
        flush(&mut lines)?;
    }
    Ok(total)
}

/// The order records ingest makes of the export (by its own merge rules, in memory).
fn records(vbak: &Path, vbap: &Path, profile: &Profile) -> anyhow::Result<Vec<Record>> {
    let mut by_order: BTreeMap<
        portal_domain::records::RecordKey,
        Vec<(Update, ingest::entity::Version)>,
    > = BTreeMap::new();
    let version = ingest::entity::Version::given(chrono::Utc::now());
    for (path, entity) in [(vbak, Entity::Orders), (vbap, Entity::OrderLines)] {
        for update in updates(path, profile, entity)? {
            by_order
                .entry(update.key())
                .or_default()
                .push((update, version));
        }
    }
    Ok(by_order
        .iter()
        .filter_map(|(key, updates)| {
            ingest::merge::merge(key, &Current::default(), updates)
                .0
                .and_then(|c| c.record.map(|(r, _)| r))
        })
        .collect())
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

pub async fn run(args: BenchIngestArgs) -> anyhow::Result<String> {
    let temp = tempfile::tempdir()?;
    let work = args.work.clone().unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&work)?;
    let profile = Profile::builtin("sap").context("the sap profile")?;
    let (vbak, vbap) = generate(&work, args.lines, args.lines_per_order)?;
    let size = std::fs::metadata(&vbap)?.len() as f64 / 1e6;
    let mut out = format!(
        "export: {} lines in {} orders, VBAP.csv {size:.0} MB, VBAK.csv {:.0} MB (sap profile)\n",
        args.lines,
        args.lines.div_ceil(args.lines_per_order.max(1)),
        std::fs::metadata(&vbak)?.len() as f64 / 1e6
    );

    let parquet = work.join("normalised");
    std::fs::create_dir_all(&parquet)?;
    let (a, b, p) = (vbak.clone(), vbap.clone(), profile.clone());
    let started = Instant::now();
    let normalised = tokio::task::spawn_blocking(move || normalise(&a, &b, &parquet, &p)).await??;
    let normalise_s = started.elapsed().as_secs_f64();

    let ingest_dir = work.join("ingest-data");
    let _ = std::fs::remove_dir_all(&ingest_dir);
    let app = LocalApp::open(&ingest_dir).await?;
    let started = Instant::now();
    let (headers, _) =
        crate::ingest::ingest_file(&app, &profile, "sap", Entity::Orders, &vbak, false).await?;
    let headers_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let (items, _) =
        crate::ingest::ingest_file(&app, &profile, "sap", Entity::OrderLines, &vbap, false).await?;
    let items_s = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        items.report.counts.loaded == args.lines as u64,
        "not every line loaded: {:?}",
        items.report
    );
    drop(app);
    let ingest_rss = peak_rss_mib();

    let (a, b, p) = (vbak.clone(), vbap.clone(), profile.clone());
    let records = tokio::task::spawn_blocking(move || records(&a, &b, &p)).await??;
    let baseline_dir = work.join("baseline-data");
    let _ = std::fs::remove_dir_all(&baseline_dir);
    let baseline = LocalApp::open(&baseline_dir).await?;
    let started = Instant::now();
    let count = records.len();
    crate::demo::write_records(
        &baseline.state.store,
        records,
        indicatif::ProgressBar::hidden(),
    )
    .await?;
    let baseline_s = started.elapsed().as_secs_f64();

    let lines = args.lines as f64;
    let rate = |s: f64| lines / s;
    out.push_str(&format!(
        "normalise to Parquet (read, decode, map, validate, join, write): {normalised} lines in {normalise_s:.2} s = {:.0} lines/s\n",
        rate(normalise_s)
    ));
    out.push_str(&format!(
        "ingest headers (VBAK): {} orders in {headers_s:.2} s = {:.0} orders/s\n",
        headers.report.counts.loaded,
        headers.report.counts.loaded as f64 / headers_s
    ));
    out.push_str(&format!(
        "ingest items (VBAP) into the table and the lake: {} lines in {items_s:.2} s = {:.0} lines/s\n",
        items.report.counts.loaded,
        rate(items_s)
    ));
    out.push_str(&format!(
        "ingest, both files: {:.0} lines/s\n",
        rate(headers_s + items_s)
    ));
    out.push_str(&format!(
        "baseline, the same {count} order items by BatchWriteItem ({} in flight, as seeding): {baseline_s:.2} s = {:.0} lines/s\n",
        crate::demo::CONCURRENCY,
        rate(baseline_s)
    ));
    out.push_str(&format!(
        "ingest (both files) / baseline: {:.2}; items file alone / baseline: {:.2}\n",
        baseline_s / (headers_s + items_s),
        baseline_s / items_s
    ));
    out.push_str(&format!(
        "peak RSS while generating, normalising and ingesting: {ingest_rss:.0} MiB\n"
    ));
    Ok(out)
}
