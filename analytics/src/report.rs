//! Writing a run: `reorder_predictions.csv`, `accounts.csv`, `forecasts.csv`, their Parquet
//! twins and `run.json`; and the shard files a sharded run leaves for `finish`.

use crate::pipeline::{
    AccountRow, CalibrationSummary, ForecastRow, InputSummary, Metrics, Params, ReorderRow,
    RunResult, ShardResult,
};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use std::path::{Path, PathBuf};

/// The file names of a run's outputs.
pub const REORDER_CSV: &str = "reorder_predictions.csv";
pub const FORECASTS_CSV: &str = "forecasts.csv";
pub const ACCOUNTS_CSV: &str = "accounts.csv";
pub const REORDER_PARQUET: &str = "reorder_predictions.parquet";
pub const ACCOUNTS_PARQUET: &str = "accounts.parquet";
pub const FORECASTS_PARQUET: &str = "forecasts.parquet";
pub const RUN_JSON: &str = "run.json";

/// Why writing or reading a run's files failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("building {what}: {source}")]
    Frame {
        what: &'static str,
        source: PolarsError,
    },
    #[error("{path}: not a shard result: {source}")]
    Shard {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// `run.json`: everything about a run except its rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub run_id: String,
    pub params: Params,
    pub shards: u32,
    pub input: InputSummary,
    pub rows: BTreeMap<String, usize>,
    pub calibration: CalibrationSummary,
    pub metrics: Metrics,
    pub timings_ms: BTreeMap<String, f64>,
}

impl RunReport {
    pub fn of(run: &RunResult) -> RunReport {
        RunReport {
            run_id: run.run_id.clone(),
            params: run.params,
            shards: run.shards,
            input: run.input.clone(),
            rows: BTreeMap::from([
                ("reorder_predictions".to_string(), run.reorders.len()),
                ("accounts".to_string(), run.accounts.len()),
                (
                    "accounts_at_risk".to_string(),
                    run.accounts.iter().filter(|a| a.at_risk()).count(),
                ),
                (
                    "accounts_on_watch".to_string(),
                    run.accounts.iter().filter(|a| a.watch()).count(),
                ),
                ("forecasts".to_string(), run.forecasts.len()),
            ]),
            calibration: run.calibration.clone(),
            metrics: run.metrics.clone(),
            timings_ms: run.timings_ms.clone(),
        }
    }
}

fn frame(what: &'static str, columns: Vec<Column>) -> Result<DataFrame, ReportError> {
    DataFrame::new_infer_height(columns).map_err(|source| ReportError::Frame { what, source })
}

fn dates(name: &str, values: impl Iterator<Item = chrono::NaiveDate>) -> Column {
    Column::new(
        name.into(),
        values.map(|d| d.to_string()).collect::<Vec<String>>(),
    )
}

/// The reorder predictions as a table, in the contract's column order.
pub fn reorder_frame(rows: &[ReorderRow]) -> Result<DataFrame, ReportError> {
    // The CSV spells statuses in words: `not yet due`.
    let status: Vec<String> = rows
        .iter()
        .map(|r| r.status.as_str().replace('-', " "))
        .collect();
    frame(
        "reorder predictions",
        vec![
            Column::new("account_id".into(), strings(rows, |r| &r.account_id)),
            Column::new("sku".into(), strings(rows, |r| &r.sku)),
            Column::new(
                "orders_seen".into(),
                rows.iter()
                    .map(|r| r.orders_seen as u64)
                    .collect::<Vec<_>>(),
            ),
            dates("last_order_date", rows.iter().map(|r| r.last_order_date)),
            dates(
                "expected_next_date",
                rows.iter().map(|r| r.expected_next_date),
            ),
            Column::new("p_reorder".into(), floats(rows, |r| r.p_reorder)),
            Column::new(
                "expected_quantity".into(),
                floats(rows, |r| r.expected_quantity),
            ),
            Column::new(
                "suggested_quantity".into(),
                floats(rows, |r| r.suggested_quantity),
            ),
            Column::new("status".into(), status),
            Column::new("reason".into(), strings(rows, |r| &r.reason)),
            Column::new("p_model".into(), floats(rows, |r| r.p_model)),
            Column::new("mean_gap_days".into(), floats(rows, |r| r.mean_gap_days)),
        ],
    )
}

/// Every account's silence as a table, and whether it puts the account at risk or on watch.
pub fn account_frame(rows: &[AccountRow]) -> Result<DataFrame, ReportError> {
    frame(
        "accounts",
        vec![
            Column::new("account_id".into(), strings(rows, |r| &r.account_id)),
            dates("last_order_date", rows.iter().map(|r| r.last_order_date)),
            Column::new(
                "silent_days".into(),
                rows.iter().map(|r| r.silent_days).collect::<Vec<_>>(),
            ),
            Column::new(
                "silence_chance".into(),
                rows.iter().map(|r| r.silence_chance).collect::<Vec<_>>(),
            ),
            Column::new(
                "at_risk".into(),
                rows.iter().map(|r| r.at_risk()).collect::<Vec<_>>(),
            ),
            Column::new(
                "watch".into(),
                rows.iter().map(|r| r.watch()).collect::<Vec<_>>(),
            ),
        ],
    )
}

/// The forecasts as a table, in the contract's column order (`division` last, empty for totals).
pub fn forecast_frame(rows: &[ForecastRow]) -> Result<DataFrame, ReportError> {
    let class: Vec<String> = rows
        .iter()
        .map(|r| {
            serde_json::to_value(r.demand_class)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    frame(
        "forecasts",
        vec![
            Column::new("sku".into(), strings(rows, |r| &r.sku)),
            dates("period_start", rows.iter().map(|r| r.period_start)),
            Column::new("mean".into(), floats(rows, |r| r.mean)),
            Column::new("q50".into(), floats(rows, |r| r.q50)),
            Column::new("q90".into(), floats(rows, |r| r.q90)),
            Column::new("q95".into(), floats(rows, |r| r.q95)),
            Column::new("method".into(), strings(rows, |r| &r.method)),
            Column::new("demand_class".into(), class),
            Column::new(
                "division".into(),
                rows.iter()
                    .map(|r| r.division.clone())
                    .collect::<Vec<Option<String>>>(),
            ),
        ],
    )
}

fn strings<T>(rows: &[T], f: impl Fn(&T) -> &String) -> Vec<String> {
    rows.iter().map(|r| f(r).clone()).collect()
}

fn floats<T>(rows: &[T], f: impl Fn(&T) -> f64) -> Vec<f64> {
    rows.iter().map(f).collect()
}

/// A table as CSV bytes.
pub fn csv_bytes(frame: &mut DataFrame) -> Result<Vec<u8>, ReportError> {
    let mut out = Vec::new();
    CsvWriter::new(&mut out)
        .include_header(true)
        .finish(frame)
        .map_err(|source| ReportError::Frame {
            what: "CSV",
            source,
        })?;
    Ok(out)
}

/// A table as Parquet bytes.
pub fn parquet_bytes(frame: &mut DataFrame) -> Result<Vec<u8>, ReportError> {
    portal_lake_parquet::parquet_bytes(frame).map_err(|source| ReportError::Frame {
        what: "Parquet",
        source,
    })
}

/// A run's files, name and bytes, `run.json` last.
pub fn files(run: &RunResult) -> Result<Vec<(&'static str, Vec<u8>)>, ReportError> {
    type Bytes = Result<[Vec<u8>; 2], ReportError>;
    // Each table's frame and files side by side.
    let both = |frame: Result<DataFrame, ReportError>| -> Bytes {
        let mut frame = frame?;
        Ok([csv_bytes(&mut frame)?, parquet_bytes(&mut frame)?])
    };
    let (forecasts, (reorders, accounts)): (Bytes, (Bytes, Bytes)) = rayon::join(
        || both(forecast_frame(&run.forecasts)),
        || {
            rayon::join(
                || both(reorder_frame(&run.reorders)),
                || both(account_frame(&run.accounts)),
            )
        },
    );
    let ([reorder_csv, reorder_parquet], [accounts_csv, accounts_parquet]) = (reorders?, accounts?);
    let [forecasts_csv, forecasts_parquet] = forecasts?;
    let report = serde_json::to_vec_pretty(&RunReport::of(run)).unwrap_or_default();
    Ok(vec![
        (REORDER_CSV, reorder_csv),
        (ACCOUNTS_CSV, accounts_csv),
        (FORECASTS_CSV, forecasts_csv),
        (REORDER_PARQUET, reorder_parquet),
        (ACCOUNTS_PARQUET, accounts_parquet),
        (FORECASTS_PARQUET, forecasts_parquet),
        (RUN_JSON, report),
    ])
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    std::fs::write(path, bytes).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a run's files into `dir` (created if missing).
pub fn write_run(run: &RunResult, dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    // Everything is written aside first, then renamed into place with run.json last: a failure
    // leaves the previous outputs, not a mix.
    let files = files(run)?;
    for (name, bytes) in &files {
        write(&dir.join(format!(".{name}.partial")), bytes)?;
    }
    for (name, _) in &files {
        let partial = dir.join(format!(".{name}.partial"));
        std::fs::rename(&partial, dir.join(name)).map_err(|source| ReportError::Io {
            path: partial,
            source,
        })?;
    }
    Ok(())
}

/// The folder under an output folder where a sharded run leaves its parts.
pub const SHARDS_DIR: &str = "shards";

/// The file name of a shard's part.
pub fn shard_file_name(result: &ShardResult) -> String {
    format!(
        "shard-{}-of-{}.json",
        result.shard.index, result.shard.count
    )
}

/// Writes one shard's part into `dir/shards/`.
pub fn write_shard(result: &ShardResult, dir: &Path) -> Result<PathBuf, ReportError> {
    let shards = dir.join(SHARDS_DIR);
    std::fs::create_dir_all(&shards).map_err(|source| ReportError::Io {
        path: shards.clone(),
        source,
    })?;
    let path = shards.join(shard_file_name(result));
    write(&path, &serde_json::to_vec(result).unwrap_or_default())?;
    Ok(path)
}

/// Reads every shard part in `dir/shards/`, in file-name order.
pub fn read_shards(dir: &Path) -> Result<Vec<ShardResult>, ReportError> {
    let shards = dir.join(SHARDS_DIR);
    let io = |source| ReportError::Io {
        path: shards.clone(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&shards)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).map_err(|source| ReportError::Io {
                path: path.clone(),
                source,
            })?;
            serde_json::from_slice(&bytes).map_err(|source| ReportError::Shard { path, source })
        })
        .collect()
}
