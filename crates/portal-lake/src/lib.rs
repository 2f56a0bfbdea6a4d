//! The order-line lake's rows: what `portal seed`, ingest and the push API write under
//! `order-lines/` and what the analytics job reads back.
//!
//! Every object holds order lines with the file contract's columns (`account_id, sku,
//! order_date, quantity, order_id, unit_price, division`) plus `pack_size`, `line_no`,
//! `revision` (of the order item the lines were read from) and `cancelled`: [`COLUMNS`]. Most
//! objects are Parquet (written by `analytics::lake::to_parquet`); this crate's [`to_csv`]
//! writes the same columns as CSV for writers that must stay small (the push API's Lambda
//! function, which would otherwise link polars). The job reads both.

use chrono::NaiveDate;
use portal_domain::model::{LineStatus, Order, OrderStatus};
use rust_decimal::prelude::ToPrimitive;

/// One order line as the lake keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct LakeLine {
    pub account_id: String,
    pub sku: String,
    pub order_date: NaiveDate,
    pub quantity: f64,
    pub order_id: String,
    pub unit_price: f64,
    pub division: Option<String>,
    pub pack_size: Option<f64>,
    /// The line's number within its order (0 where the source had none).
    pub line_no: u32,
    /// The revision of the order the line was read from (0 for data that has none).
    pub revision: u64,
    /// The order or the line was cancelled: kept so that it replaces the order's earlier
    /// revisions, but no demand.
    pub cancelled: bool,
}

/// The columns of every lake object, in order.
pub const COLUMNS: [&str; 11] = [
    "account_id",
    "sku",
    "order_date",
    "quantity",
    "order_id",
    "unit_price",
    "division",
    "pack_size",
    "line_no",
    "revision",
    "cancelled",
];

/// How a writer encodes lake objects: the file extension, content type and encoder. The
/// analytics crate offers Parquet (`analytics::lake::PARQUET`); [`CSV`] is here, for writers
/// that must not link polars. Writers take one as a value, so which one a program links is
/// decided by its own code, not by cargo features that a workspace build would unify.
#[derive(Clone, Copy)]
pub struct Encoding {
    pub extension: &'static str,
    pub content_type: &'static str,
    pub encode: fn(&[LakeLine]) -> Result<Vec<u8>, String>,
}

impl std::fmt::Debug for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.extension)
    }
}

/// Lake objects as CSV ([`to_csv`]).
pub const CSV: Encoding = Encoding {
    extension: "csv",
    content_type: "text/csv",
    encode: |lines| to_csv(lines).map_err(|e| e.to_string()),
};

/// An order's lines as the lake keeps them, at the order's `revision` (pack sizes unknown: the
/// order does not carry them). Lines of a cancelled order, and cancelled lines, are marked.
pub fn order_lines(order: &Order, revision: u64) -> Vec<LakeLine> {
    let o = &order.summary;
    order
        .lines
        .iter()
        .map(|line| LakeLine {
            account_id: o.account_id.to_string(),
            sku: line.sku.to_string(),
            order_date: o.order_date,
            quantity: line.quantity.to_f64().unwrap_or(0.0),
            order_id: o.id.to_string(),
            unit_price: line.unit_price.to_f64().unwrap_or(0.0),
            division: Some(o.division.to_string()),
            pack_size: None,
            line_no: line.line_no,
            revision,
            cancelled: o.status == OrderStatus::Cancelled || line.status == LineStatus::Cancelled,
        })
        .collect()
}

/// The month partition (`YYYY-MM`) a line belongs to.
pub fn month_of(line: &LakeLine) -> String {
    line.order_date.format("%Y-%m").to_string()
}

/// Lines as a CSV object's bytes: a header of [`COLUMNS`], dates as `YYYY-MM-DD`, an empty
/// field for a missing division or pack size, `true`/`false` for `cancelled`.
pub fn to_csv(lines: &[LakeLine]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(COLUMNS)?;
    for l in lines {
        out.write_record([
            l.account_id.as_str(),
            l.sku.as_str(),
            &l.order_date.to_string(),
            &l.quantity.to_string(),
            l.order_id.as_str(),
            &l.unit_price.to_string(),
            l.division.as_deref().unwrap_or(""),
            &l.pack_size.map(|p| p.to_string()).unwrap_or_default(),
            &l.line_no.to_string(),
            &l.revision.to_string(),
            if l.cancelled { "true" } else { "false" },
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_carry_every_column_and_quote_what_needs_it() {
        let line = LakeLine {
            account_id: "ACC-1".into(),
            sku: "HYD, 10".into(),
            order_date: NaiveDate::from_ymd_opt(2025, 11, 20).expect("date"),
            quantity: 2.5,
            order_id: "SO-1".into(),
            unit_price: 10.0,
            division: None,
            pack_size: Some(12.0),
            line_no: 10,
            revision: 3,
            cancelled: true,
        };
        let text = String::from_utf8(to_csv(&[line]).expect("csv")).expect("utf-8");
        assert_eq!(
            text,
            "account_id,sku,order_date,quantity,order_id,unit_price,division,pack_size,line_no,revision,cancelled\n\
             ACC-1,\"HYD, 10\",2025-11-20,2.5,SO-1,10,,12,10,3,true\n"
        );
    }
}
