//! Reading order lines: the file-to-file contract's input and the lake's files.
//!
//! Columns `account_id, sku, order_date, quantity` are required; `order_id, unit_price, division`
//! and `pack_size` are optional. Every row is checked, and the first bad one is reported by its
//! number so a data team can find it: a missing or empty value, a date that is not
//! `YYYY-MM-DD`, a quantity that is not a non-negative number.

use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;

/// Why input was refused.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {what}: {message}")]
    Unreadable { what: String, message: String },
    #[error("{what} has no column `{column}` (it has: {found})")]
    MissingColumn {
        what: String,
        column: &'static str,
        found: String,
    },
    #[error("{what}, row {row}{line}: {problem}")]
    BadRow {
        what: String,
        /// 1-based data row (the header is not a row).
        row: usize,
        /// ` (line N)` for CSV files, where the header is line 1.
        line: String,
        problem: String,
    },
}

/// The file formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

impl Format {
    /// The format a file name implies: Parquet for `.parquet`/`.pq`, CSV otherwise.
    pub fn of(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq") => {
                Format::Parquet
            }
            _ => Format::Csv,
        }
    }
}

/// One valid order line, with its ids interned into [`OrderLines`]' dictionaries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub account: u32,
    pub sku: u32,
    /// Index into `divisions`, if the line names one.
    pub division: Option<u32>,
    pub date: NaiveDate,
    pub quantity: f64,
}

/// Validated order lines. Dictionaries are sorted, so indices order like the ids themselves and
/// the same input always interns the same way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderLines {
    pub accounts: Vec<String>,
    pub skus: Vec<String>,
    pub divisions: Vec<String>,
    /// Pack size per SKU (same index as `skus`), where a line gave one.
    pub pack_sizes: Vec<Option<f64>>,
    pub lines: Vec<Line>,
}

/// Reads and validates a CSV or Parquet file of order lines.
pub fn read_file(path: &Path) -> Result<OrderLines, InputError> {
    let what = path.display().to_string();
    let unreadable = |e: &dyn std::fmt::Display| InputError::Unreadable {
        what: what.clone(),
        message: e.to_string(),
    };
    let format = Format::of(path);
    let frame = match format {
        Format::Csv => CsvReadOptions::default()
            .with_has_header(true)
            // Everything as text: each value is parsed and checked here, with its row number.
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish()),
        Format::Parquet => std::fs::File::open(path)
            .map_err(PolarsError::from)
            .and_then(|f| ParquetReader::new(f).finish()),
    }
    .map_err(|e| unreadable(&e))?;
    from_frame(&frame, &what, format)
}

/// Reads and validates order lines from Parquet bytes (a lake object).
pub fn read_parquet_bytes(bytes: Vec<u8>, what: &str) -> Result<OrderLines, InputError> {
    let frame = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| InputError::Unreadable {
            what: what.to_string(),
            message: e.to_string(),
        })?;
    from_frame(&frame, what, Format::Parquet)
}

/// The columns of a frame by their (trimmed) names, read as text or numbers on demand.
struct Columns<'a> {
    columns: HashMap<String, &'a Column>,
    found: String,
    what: &'a str,
}

/// A numeric column: numbers as they are, or text to parse (CSV).
enum Numbers {
    Float(Float64Chunked),
    Text(StringChunked),
}

impl Numbers {
    /// The row's number; `Err` with the text when it does not parse; `None` when empty.
    fn get(&self, row: usize) -> Option<Result<f64, String>> {
        match self {
            Numbers::Float(c) => c.get(row).map(Ok),
            Numbers::Text(c) => value(c, row).map(|v| v.parse::<f64>().map_err(|_| v.to_owned())),
        }
    }
}

impl<'a> Columns<'a> {
    fn new(frame: &'a DataFrame, what: &'a str) -> Self {
        let columns: HashMap<String, &Column> = frame
            .columns()
            .iter()
            .map(|c| (c.name().trim().to_string(), c))
            .collect();
        let found = frame
            .columns()
            .iter()
            .map(|c| c.name().trim().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        Columns {
            columns,
            found,
            what,
        }
    }

    fn unreadable(&self, name: &str, e: PolarsError) -> InputError {
        InputError::Unreadable {
            what: self.what.to_string(),
            message: format!("column `{name}`: {e}"),
        }
    }

    fn text(&self, name: &str) -> Result<Option<StringChunked>, InputError> {
        self.columns
            .get(name)
            .map(|c| {
                c.as_materialized_series()
                    .cast(&DataType::String)
                    .and_then(|s| s.str().cloned())
                    .map_err(|e| self.unreadable(name, e))
            })
            .transpose()
    }

    fn numbers(&self, name: &str) -> Result<Option<Numbers>, InputError> {
        let Some(column) = self.columns.get(name) else {
            return Ok(None);
        };
        let series = column.as_materialized_series();
        let numbers = if series.dtype().is_primitive_numeric() {
            series
                .cast(&DataType::Float64)
                .and_then(|s| s.f64().cloned())
                .map(Numbers::Float)
        } else {
            series
                .cast(&DataType::String)
                .and_then(|s| s.str().cloned())
                .map(Numbers::Text)
        };
        numbers.map(Some).map_err(|e| self.unreadable(name, e))
    }

    fn missing(&self, column: &'static str) -> InputError {
        InputError::MissingColumn {
            what: self.what.to_string(),
            column,
            found: if self.found.is_empty() {
                "no columns".into()
            } else {
                self.found.clone()
            },
        }
    }

    fn required_text(&self, column: &'static str) -> Result<StringChunked, InputError> {
        self.text(column)?.ok_or_else(|| self.missing(column))
    }
}

/// Validates a frame read from `what`.
pub fn from_frame(frame: &DataFrame, what: &str, format: Format) -> Result<OrderLines, InputError> {
    let columns = Columns::new(frame, what);
    let account = columns.required_text("account_id")?;
    let sku = columns.required_text("sku")?;
    let date = columns.required_text("order_date")?;
    let quantity = columns
        .numbers("quantity")?
        .ok_or_else(|| columns.missing("quantity"))?;
    let division = columns.text("division")?;
    let unit_price = columns.numbers("unit_price")?;
    let pack_size = columns.numbers("pack_size")?;

    let bad = |row: usize, problem: String| InputError::BadRow {
        what: what.to_string(),
        row: row + 1,
        line: match format {
            Format::Csv => format!(" (line {})", row + 2),
            Format::Parquet => String::new(),
        },
        problem,
    };
    let empty = |row: usize, name: &str| bad(row, format!("`{name}` is empty"));
    let optional_number =
        |column: Option<&Numbers>, row: usize, name: &str| match column.and_then(|c| c.get(row)) {
            None => Ok(None),
            Some(Ok(x)) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
            Some(Ok(x)) => Err(bad(
                row,
                format!("`{name}` must be a non-negative number, got `{x}`"),
            )),
            Some(Err(v)) => Err(bad(
                row,
                format!("`{name}` must be a non-negative number, got `{v}`"),
            )),
        };

    let mut dictionary = Interner::default();
    let mut lines = Vec::with_capacity(frame.height());
    // Per SKU, the pack size of its latest line that names one (a later row wins a tie), so
    // that the rows' order, which the lake does not keep, does not matter.
    let mut pack_by_sku: HashMap<u32, (NaiveDate, f64)> = HashMap::new();
    for row in 0..frame.height() {
        let account_id = value(&account, row).ok_or_else(|| empty(row, "account_id"))?;
        let sku_id = value(&sku, row).ok_or_else(|| empty(row, "sku"))?;
        let raw_date = value(&date, row).ok_or_else(|| empty(row, "order_date"))?;
        let date = parse_date(raw_date).ok_or_else(|| {
            bad(
                row,
                format!("`order_date` must be a date like 2024-03-31, got `{raw_date}`"),
            )
        })?;
        let quantity = match quantity.get(row) {
            None => return Err(empty(row, "quantity")),
            Some(Ok(q)) if q.is_finite() && q >= 0.0 => q,
            Some(Ok(q)) if q < 0.0 => {
                return Err(bad(
                    row,
                    format!("`quantity` must not be negative, got `{q}`"),
                ));
            }
            Some(Ok(q)) => return Err(bad(row, format!("`quantity` must be a number, got `{q}`"))),
            Some(Err(raw)) => {
                return Err(bad(
                    row,
                    format!("`quantity` must be a number, got `{raw}`"),
                ));
            }
        };
        optional_number(unit_price.as_ref(), row, "unit_price")?;
        let pack = optional_number(pack_size.as_ref(), row, "pack_size")?.filter(|p| *p > 0.0);
        let division = match division.as_ref().and_then(|c| c.get(row)).map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(dictionary.divisions.intern(d)),
        };
        let sku = dictionary.skus.intern(sku_id);
        if let Some(p) = pack {
            let latest = pack_by_sku.entry(sku).or_insert((date, p));
            if date >= latest.0 {
                *latest = (date, p);
            }
        }
        lines.push(Line {
            account: dictionary.accounts.intern(account_id),
            sku,
            division,
            date,
            quantity,
        });
    }
    let pack_by_sku = pack_by_sku.into_iter().map(|(k, (_, p))| (k, p)).collect();
    Ok(dictionary.finish(lines, pack_by_sku))
}

/// A trimmed, non-empty value.
fn value(column: &StringChunked, row: usize) -> Option<&str> {
    column.get(row).map(str::trim).filter(|v| !v.is_empty())
}

/// Parses `YYYY-MM-DD` (exactly: four-digit year, two-digit month and day), allowing a time
/// after it (`2024-03-31T10:00:00`, `2024-03-31 10:00`).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let day = match text.get(10..11) {
        None => text,
        Some("T") | Some(" ") => &text[..10],
        Some(_) => return None,
    };
    let b = day.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

#[derive(Default)]
struct Dictionary {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl Dictionary {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.index.insert(name.to_string(), i);
        self.names.push(name.to_string());
        i
    }

    /// Sorts the names; returns them and the map from old to new indices.
    fn sorted(self) -> (Vec<String>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        let mut remap = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        let mut names = self.names;
        let sorted = order
            .iter()
            .map(|&old| std::mem::take(&mut names[old as usize]))
            .collect();
        (sorted, remap)
    }
}

#[derive(Default)]
struct Interner {
    accounts: Dictionary,
    skus: Dictionary,
    divisions: Dictionary,
}

impl Interner {
    fn finish(self, mut lines: Vec<Line>, pack_by_sku: HashMap<u32, f64>) -> OrderLines {
        let (accounts, account_map) = self.accounts.sorted();
        let (skus, sku_map) = self.skus.sorted();
        let (divisions, division_map) = self.divisions.sorted();
        for line in &mut lines {
            line.account = account_map[line.account as usize];
            line.sku = sku_map[line.sku as usize];
            line.division = line.division.map(|d| division_map[d as usize]);
        }
        let mut pack_sizes = vec![None; skus.len()];
        for (old, pack) in pack_by_sku {
            pack_sizes[sku_map[old as usize] as usize] = Some(pack);
        }
        OrderLines {
            accounts,
            skus,
            divisions,
            pack_sizes,
            lines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_may_carry_a_time_but_nothing_else() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 31);
        assert_eq!(parse_date("2024-03-31"), d);
        assert_eq!(parse_date("2024-03-31T10:00:00"), d);
        assert_eq!(parse_date("2024-03-31 10:00"), d);
        assert_eq!(parse_date("2024-03-31x"), None);
        assert_eq!(parse_date("31/03/2024"), None);
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("2024-1-1"), None, "two-digit month and day");
        assert_eq!(parse_date("-999-01-01"), None);
        assert_eq!(parse_date("+12345-1-1"), None);
        assert_eq!(parse_date("2024-01-01é"), None);
    }

    #[test]
    fn a_skus_pack_size_is_its_latest_lines_whatever_the_rows_order() {
        use polars::prelude::{Column, DataFrame};
        let frame = DataFrame::new_infer_height(vec![
            Column::new("account_id".into(), vec!["A", "A", "A"]),
            Column::new("sku".into(), vec!["S", "S", "S"]),
            Column::new(
                "order_date".into(),
                vec!["2024-05-01", "2024-01-01", "2024-03-01"],
            ),
            Column::new("quantity".into(), vec![12.0, 10.0, 10.0]),
            Column::new("pack_size".into(), vec![Some(12.0), Some(10.0), None]),
        ])
        .expect("frame");
        let orders = from_frame(&frame, "lines", Format::Parquet).expect("valid");
        assert_eq!(orders.pack_sizes, vec![Some(12.0)], "May's, listed first");
    }
}
