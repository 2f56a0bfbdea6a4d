//! `portal analytics`: the analytics job on this machine, file to file or over the data folder.

use crate::LocalApp;
use analytics::input::Format;
use analytics::pipeline::{Params, RunResult};
use analytics::{report, synthetic};
use analytics_job::files::{
    Outcome, PlanArgs, RunArgs, ShardArgs, finish_files, plan_files, run_files, shard_files,
};
use analytics_job::{LakeLine, Published};
use anyhow::Context;
use chrono::NaiveDate;
use portal_domain::model::Product;
use portal_domain::records::Record;
use rust_decimal::prelude::ToPrimitive;
use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// `portal analytics run`: file to file with `--orders`, else over the data folder's lake.
pub async fn run(data_dir: &Path, args: RunArgs) -> anyhow::Result<String> {
    if args.orders.is_none() {
        anyhow::ensure!(
            args.shard.is_none(),
            "--shard needs --orders: over the lake, the job runs every shard (in AWS, the state machine fans them out)"
        );
        anyhow::ensure!(
            args.out.is_none(),
            "--out needs --orders: over the lake, the run is published to the data folder"
        );
        let app = LocalApp::open(data_dir).await?;
        let params = args.params(chrono::Utc::now().date_naive());
        let published = publish_lake_run(&app, params).await?;
        return Ok(format!(
            "published run {} as of {} ({} reorder predictions, {} forecast rows from {} order lines){}\n",
            published.run_id,
            published.as_of,
            published.reorder_predictions,
            published.forecast_rows,
            published.lines_used,
            if published.served {
                ""
            } else {
                "; a run of a later date stays served"
            }
        ));
    }
    let out = args.out.clone().unwrap_or_default();
    let outcome = tokio::task::spawn_blocking(move || run_files(&args))
        .await
        .context("the analytics run stopped")??;
    Ok(match outcome {
        Outcome::Run(run) => describe(&run, &out),
        Outcome::Shard(path) => format!("wrote shard part {}\n", path.display()),
    })
}

/// Runs the job over the data folder's lake and publishes the run.
pub async fn publish_lake_run(app: &LocalApp, params: Params) -> anyhow::Result<Published> {
    let job_id = format!("local-{}", params.as_of);
    app.job()
        .run(&job_id, params, 1)
        .await
        .context("the analytics run over the lake failed")
}

/// Replaces the lake of `app`'s data folder with `lines`, one Parquet object per month: what
/// `portal seed` (and tests) write the lake with; no function does.
pub async fn replace_order_lines(
    app: &LocalApp,
    mut lines: Vec<LakeLine>,
) -> anyhow::Result<usize> {
    use portal_store::lake::{ORDER_LINES_PREFIX, order_lines_key};
    let lake = app.lake();
    lake.ensure().await?;
    lake.delete_prefix(ORDER_LINES_PREFIX).await?;
    lines.sort_by(|a, b| {
        (a.order_date, &a.order_id, &a.sku).cmp(&(b.order_date, &b.order_id, &b.sku))
    });
    let mut months = 0;
    for chunk in lines.chunk_by(|a, b| portal_lake::month_of(a) == portal_lake::month_of(b)) {
        let month = portal_lake::month_of(&chunk[0]);
        let bytes = portal_lake_parquet::to_parquet(chunk)?;
        lake.put(
            &order_lines_key(&month),
            portal_lake_parquet::PARQUET.content_type,
            bytes,
        )
        .await?;
        months += 1;
    }
    Ok(months)
}

/// What `portal seed` does after loading the demo records: replaces the lake's order lines with
/// `lines` and publishes a run as of `today` (which uses only the orders before it). Returns the
/// months written and the run.
pub async fn publish_demo_run(
    app: &LocalApp,
    lines: Vec<LakeLine>,
    today: chrono::NaiveDate,
) -> anyhow::Result<(usize, Published)> {
    let months = replace_order_lines(app, lines).await?;
    let published = publish_lake_run(app, Params::new(today)).await?;
    Ok((months, published))
}

/// The order lines of demo records as the lake keeps them, with their products' divisions and
/// pack sizes (cancelled orders and lines are no demand).
pub fn lake_lines(records: &[Record]) -> Vec<LakeLine> {
    let products: HashMap<&str, &Product> = records
        .iter()
        .filter_map(|r| match r {
            Record::Product(p) => Some((p.sku.as_str(), p)),
            _ => None,
        })
        .collect();
    let mut lines = Vec::new();
    for record in records {
        let Record::Order(order) = record else {
            continue;
        };
        for mut line in portal_lake::order_lines(order, 0) {
            if line.cancelled {
                continue;
            }
            if let Some(product) = products.get(line.sku.as_str()) {
                line.division = Some(product.division.to_string());
                line.pack_size = product.pack_size.to_f64();
            }
            lines.push(line);
        }
    }
    lines
}

/// `portal analytics merge`: the run finished from the shards' parts.
pub async fn finish_shards(out: PathBuf) -> anyhow::Result<String> {
    let dir = out.clone();
    let run = tokio::task::spawn_blocking(move || finish_files(&dir))
        .await
        .context("finishing the run stopped")??;
    Ok(describe(&run, &out))
}

/// `portal analytics plan`: the globals and every shard's lines, for shards that each read
/// only their own.
pub async fn plan(args: PlanArgs) -> anyhow::Result<String> {
    let shards = args.shards;
    let dir = tokio::task::spawn_blocking(move || plan_files(&args.run, args.shards))
        .await
        .context("planning stopped")??;
    Ok(format!(
        "wrote the plan of {shards} shards to {}\n",
        dir.display()
    ))
}

/// `portal analytics shard`: one shard of a plan.
pub async fn shard(args: ShardArgs) -> anyhow::Result<String> {
    let path = tokio::task::spawn_blocking(move || shard_files(&args.out, args.shard))
        .await
        .context("the shard stopped")??;
    Ok(format!("wrote shard part {}\n", path.display()))
}

/// `portal analytics generate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// About this many order lines.
    #[arg(long, default_value_t = 5_000_000)]
    pub lines: usize,
    #[arg(long, default_value_t = 5_000)]
    pub accounts: usize,
    #[arg(long, default_value_t = 20_000)]
    pub skus: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// The first day of history.
    #[arg(long, default_value = "2021-01-01")]
    pub start: NaiveDate,
    /// No order on or after this day.
    #[arg(long, default_value = "2025-01-01")]
    pub end: NaiveDate,
    /// The order-line file to write, CSV or Parquet (by extension).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Also write each pair's truth (rhythm, regularity, when it ended) as CSV.
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
}

pub async fn generate(args: GenerateArgs) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let history = synthetic::generate(synthetic::Spec {
            seed: args.seed,
            accounts: args.accounts,
            skus: args.skus,
            lines: args.lines,
            start: args.start,
            end: args.end,
        });
        write_frame(&mut history.lines_frame()?, &args.out)?;
        if let Some(truth) = &args.truth {
            write_frame(&mut history.truth_frame()?, truth)?;
        }
        Ok(format!(
            "wrote {} order lines of {} pairs to {}\n",
            history.lines.len(),
            history.pairs.len(),
            args.out.display()
        ))
    })
    .await
    .context("the generator stopped")?
}

fn write_frame(frame: &mut polars::prelude::DataFrame, path: &Path) -> anyhow::Result<()> {
    let bytes = match Format::of(path) {
        Format::Csv => report::csv_bytes(frame)?,
        Format::Parquet => report::parquet_bytes(frame)?,
    };
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// A few lines on what a run produced.
pub fn describe(run: &RunResult, out: &Path) -> String {
    let mut text = String::new();
    let m = &run.metrics;
    let _ = writeln!(
        text,
        "run {} as of {}: {} reorder predictions, {} forecast rows ({} lines used of {}) -> {}",
        run.run_id,
        run.params.as_of,
        run.reorders.len(),
        run.forecasts.len(),
        run.input.lines_used,
        run.input.lines,
        out.display()
    );
    let fmt = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.3}"));
    let _ = writeln!(
        text,
        "reorder backtest at {}: PR-AUC {} (model {}), ROC-AUC {}, Brier {}, calibration error {}",
        m.reorder.origin,
        fmt(m.reorder.calibrated.pr_auc),
        fmt(m.reorder.model.pr_auc),
        fmt(m.reorder.calibrated.roc_auc),
        fmt(m.reorder.calibrated.brier),
        fmt(m.reorder.calibrated.calibration_error),
    );
    let c = &run.calibration;
    let _ = writeln!(
        text,
        "calibration: {}{}",
        c.method,
        c.note.as_ref().map_or(String::new(), |n| format!(" ({n})"))
    );
    for (class, b) in &m.forecast {
        let _ = writeln!(
            text,
            "forecast backtest {class}: {} series, RMSSE {}, scaled pinball {}, bias {}",
            b.series,
            fmt(b.rmsse),
            fmt(b.scaled_pinball),
            fmt(b.bias)
        );
    }
    text
}
