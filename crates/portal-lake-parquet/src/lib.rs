//! The order-line lake's Parquet encoding ([`PARQUET`], [`to_parquet`]) and Parquet bytes of any
//! table ([`parquet_bytes`]): for the writers that may link polars (the ingest function, the
//! analytics job, `portal`) without linking the analytics' model code. The columns are
//! `portal_lake::COLUMNS`.

use polars::prelude::{Column, DataFrame, ParquetWriter, PolarsError};
use portal_lake::{Encoding, LakeLine};
use std::io::Cursor;

/// Lake objects as Parquet ([`to_parquet`]).
pub const PARQUET: Encoding = Encoding {
    extension: "parquet",
    content_type: "application/vnd.apache.parquet",
    encode: |lines| to_parquet(lines).map_err(|e| e.to_string()),
};

/// Lines as a Parquet object's bytes.
pub fn to_parquet(lines: &[LakeLine]) -> Result<Vec<u8>, PolarsError> {
    let strings = |f: fn(&LakeLine) -> &str| lines.iter().map(f).collect::<Vec<_>>();
    let mut frame = DataFrame::new_infer_height(vec![
        Column::new("account_id".into(), strings(|l| &l.account_id)),
        Column::new("sku".into(), strings(|l| &l.sku)),
        Column::new(
            "order_date".into(),
            lines
                .iter()
                .map(|l| l.order_date.to_string())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "quantity".into(),
            lines.iter().map(|l| l.quantity).collect::<Vec<_>>(),
        ),
        Column::new("order_id".into(), strings(|l| &l.order_id)),
        Column::new(
            "unit_price".into(),
            lines.iter().map(|l| l.unit_price).collect::<Vec<_>>(),
        ),
        Column::new(
            "division".into(),
            lines
                .iter()
                .map(|l| l.division.as_deref())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "pack_size".into(),
            lines.iter().map(|l| l.pack_size).collect::<Vec<_>>(),
        ),
        Column::new(
            "line_no".into(),
            lines.iter().map(|l| l.line_no).collect::<Vec<_>>(),
        ),
        Column::new(
            "revision".into(),
            lines.iter().map(|l| l.revision).collect::<Vec<_>>(),
        ),
        Column::new(
            "cancelled".into(),
            lines.iter().map(|l| l.cancelled).collect::<Vec<_>>(),
        ),
    ])?;
    parquet_bytes(&mut frame)
}

/// A table as Parquet bytes.
pub fn parquet_bytes(frame: &mut DataFrame) -> Result<Vec<u8>, PolarsError> {
    let mut out = Cursor::new(Vec::new());
    ParquetWriter::new(&mut out).finish(frame)?;
    Ok(out.into_inner())
}
