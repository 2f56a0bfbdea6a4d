//! The order-line lake's format as the job reads and writes it: Parquet objects ([`PARQUET`],
//! [`to_parquet`], from `portal_lake_parquet`), the push API's CSV objects read back, and the latest-revision rule. The
//! objects' columns are `portal_lake::COLUMNS`, described in that crate's doc.
//!
//! An order may appear in several objects (each ingest of a file writes the current lines of the
//! orders it touched); [`latest_orders`] keeps, per order, only the lines of its highest revision,
//! so an order changed by a later file is counted once, as it is now, and a cancelled one not at
//! all.

use crate::report::ReportError;
use polars::prelude::{DataFrame, NamedFrom, Series};
use std::collections::{HashMap, HashSet};

pub use portal_lake::{LakeLine, month_of};

pub use portal_lake_parquet::PARQUET;

/// Lines as a Parquet object's bytes (`portal_lake_parquet::to_parquet`).
pub fn to_parquet(lines: &[LakeLine]) -> Result<Vec<u8>, ReportError> {
    portal_lake_parquet::to_parquet(lines).map_err(|source| ReportError::Frame {
        what: "order lines",
        source,
    })
}

/// A lake object written as CSV (`portal_lake::to_csv`), read into the same columns and types
/// as a Parquet one, so that the two stack into one table.
pub fn read_csv(bytes: Vec<u8>) -> Result<DataFrame, polars::error::PolarsError> {
    use polars::prelude::{CsvReadOptions, DataType, Field, Schema, SerReader};
    let types = [
        DataType::String,
        DataType::String,
        DataType::String,
        DataType::Float64,
        DataType::String,
        DataType::Float64,
        DataType::String,
        DataType::Float64,
        DataType::UInt32,
        DataType::UInt64,
        DataType::Boolean,
    ];
    let schema: Schema = portal_lake::COLUMNS
        .iter()
        .zip(types)
        .map(|(name, dtype)| Field::new((*name).into(), dtype))
        .collect();
    CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(std::sync::Arc::new(schema)))
        .into_reader_with_file_handle(std::io::Cursor::new(bytes))
        .finish()
}

/// Keeps, per `order_id`, only the rows of its highest `revision`, and of those only the ones
/// not `cancelled`. Frames without those columns (order lines from elsewhere) are returned as
/// they are.
pub fn latest_orders(frame: DataFrame) -> Result<DataFrame, polars::error::PolarsError> {
    let frame = latest_revisions(frame)?;
    let Ok(cancelled) = frame.column("cancelled") else {
        return Ok(frame);
    };
    let keep: Vec<bool> = cancelled.bool()?.iter().map(|c| c != Some(true)).collect();
    let mask = Series::new("keep".into(), keep);
    frame.filter(mask.bool()?)
}

/// Keeps, per `order_id`, only the rows of its highest `revision`, each line once, cancelled
/// ones included: what a compacted object holds, so that a cancellation keeps hiding the order's
/// older lines wherever they are.
pub fn latest_revisions(frame: DataFrame) -> Result<DataFrame, polars::error::PolarsError> {
    let (Ok(orders), Ok(revisions)) = (frame.column("order_id"), frame.column("revision")) else {
        return Ok(frame);
    };
    let orders = orders.str()?;
    let revisions = revisions.cast(&polars::prelude::DataType::UInt64)?;
    let revisions = revisions.u64()?;
    let mut latest: HashMap<&str, u64> = HashMap::new();
    for (order, revision) in orders.iter().zip(revisions.iter()) {
        if let (Some(order), Some(revision)) = (order, revision) {
            let best = latest.entry(order).or_insert(revision);
            *best = (*best).max(revision);
        }
    }
    if latest.is_empty() {
        return Ok(frame);
    }
    // Two objects may hold an order at the same revision (files that touched it without
    // changing it): each line counts once.
    let line_nos = match frame.column("line_no") {
        Ok(c) => Some(c.cast(&polars::prelude::DataType::UInt32)?),
        Err(_) => None,
    };
    let line_nos = line_nos.as_ref().map(|c| c.u32()).transpose()?;
    let mut seen: HashSet<(&str, u32)> = HashSet::new();
    let keep: Vec<bool> = orders
        .iter()
        .zip(revisions.iter())
        .enumerate()
        .map(|(i, (order, revision))| match (order, revision) {
            (Some(order), Some(revision)) => {
                latest.get(order) == Some(&revision)
                    && match line_nos.and_then(|l| l.get(i)) {
                        Some(line) => seen.insert((order, line)),
                        None => true,
                    }
            }
            _ => true,
        })
        .collect();
    let mask = Series::new("keep".into(), keep);
    frame.filter(mask.bool()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use polars::prelude::{Column, ParquetReader, SerReader};
    use std::io::Cursor;

    fn line(order: &str, line_no: u32, quantity: f64, revision: u64) -> LakeLine {
        LakeLine {
            account_id: "ACC-1".into(),
            sku: format!("SKU-{line_no}"),
            order_date: NaiveDate::from_ymd_opt(2025, 3, 4).expect("date"),
            quantity,
            order_id: order.into(),
            unit_price: 2.5,
            division: None,
            pack_size: Some(10.0),
            line_no,
            revision,
            cancelled: false,
        }
    }

    fn read(bytes: Vec<u8>) -> DataFrame {
        ParquetReader::new(Cursor::new(bytes))
            .finish()
            .expect("parquet")
    }

    #[test]
    fn a_csv_object_reads_into_the_columns_and_types_of_a_parquet_one() {
        let mut cancelled = line("SO-2", 1, 3.0, 7);
        cancelled.cancelled = true;
        cancelled.division = None;
        let lines = [line("SO-1", 10, 2.5, 3), cancelled];
        let csv = read_csv(portal_lake::to_csv(&lines).expect("csv")).expect("read");
        let parquet = read(to_parquet(&lines).expect("parquet"));
        assert_eq!(csv, parquet);
    }

    #[test]
    fn an_order_written_twice_counts_only_in_its_latest_revision() {
        let mut frame =
            read(to_parquet(&[line("SO-1", 10, 5.0, 1), line("SO-2", 10, 7.0, 1)]).expect("bytes"));
        // A later file changed SO-1: its line 10 now says 6 and a line 20 was added; one more
        // file touched SO-1 without changing it.
        let later =
            read(to_parquet(&[line("SO-1", 10, 6.0, 2), line("SO-1", 20, 1.0, 2)]).expect("bytes"));
        frame.vstack_mut(&later).expect("same schema");
        frame.vstack_mut(&later).expect("same schema");
        let kept = latest_orders(frame).expect("filtered");
        let quantities: Vec<f64> = kept
            .column("quantity")
            .expect("column")
            .f64()
            .expect("floats")
            .into_no_null_iter()
            .collect();
        assert_eq!(quantities, vec![7.0, 6.0, 1.0]);
    }

    #[test]
    fn a_cancelled_order_replaces_its_earlier_revision_and_counts_nothing() {
        let mut frame =
            read(to_parquet(&[line("SO-1", 10, 5.0, 1), line("SO-2", 10, 7.0, 1)]).expect("bytes"));
        let mut cancelled = line("SO-1", 10, 5.0, 2);
        cancelled.cancelled = true;
        frame
            .vstack_mut(&read(to_parquet(&[cancelled]).expect("bytes")))
            .expect("same schema");
        let kept = latest_orders(frame).expect("filtered");
        let orders: Vec<Option<&str>> = kept
            .column("order_id")
            .expect("column")
            .str()
            .expect("text")
            .iter()
            .collect();
        assert_eq!(orders, vec![Some("SO-2")]);
    }

    #[test]
    fn frames_without_revisions_pass_unchanged() {
        let frame =
            DataFrame::new_infer_height(vec![Column::new("order_id".into(), vec!["A", "A"])])
                .expect("frame");
        assert_eq!(latest_orders(frame.clone()).expect("filtered"), frame);
    }
}
