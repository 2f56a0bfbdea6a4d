//! Reading order lines: the file-to-file contract's input and the lake's files.
//!
//! Columns `account_id, sku, order_date, quantity` are required; `order_id, unit_price, division`
//! and `pack_size` are optional. Every row is checked, and the first bad one is reported by its
//! number so a data team can find it: a missing or empty value, a date that is not
//! `YYYY-MM-DD`, a quantity that is not a non-negative number.

use chrono::NaiveDate;
use polars::prelude::*;
use rayon::prelude::*;
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
    /// Rows `offset..offset + len`: each row's number, `Err` with the text when it does not
    /// parse, `None` when empty.
    fn slice(&self, offset: i64, len: usize) -> Vec<Option<Result<f64, String>>> {
        match self {
            Numbers::Float(c) => c.slice(offset, len).iter().map(|x| x.map(Ok)).collect(),
            Numbers::Text(c) => values(&c.slice(offset, len))
                .into_iter()
                .map(|v| v.map(|v| v.parse::<f64>().map_err(|_| v.to_owned())))
                .collect(),
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

/// Rows validated together: pieces of the frame are validated in parallel, each with its own
/// dictionaries, then merged.
const PIECE_ROWS: usize = 1 << 18;

/// The columns a frame's rows are validated from.
struct RowColumns {
    account: StringChunked,
    sku: StringChunked,
    date: StringChunked,
    quantity: Numbers,
    division: Option<StringChunked>,
    unit_price: Option<Numbers>,
    pack_size: Option<Numbers>,
}

/// One piece's dictionaries: its lines (written in place) name ids by their index here.
#[derive(Default)]
struct Piece {
    interner: Interner,
    /// Per SKU, the date and pack size of its latest line that names one.
    packs: HashMap<u32, (NaiveDate, f64)>,
}

/// Validates a frame read from `what`.
pub fn from_frame(frame: &DataFrame, what: &str, format: Format) -> Result<OrderLines, InputError> {
    let columns = Columns::new(frame, what);
    let quantity = columns
        .numbers("quantity")?
        .ok_or_else(|| columns.missing("quantity"))?;
    let rows = RowColumns {
        account: columns.required_text("account_id")?,
        sku: columns.required_text("sku")?,
        date: columns.required_text("order_date")?,
        quantity,
        division: columns.text("division")?,
        unit_price: columns.numbers("unit_price")?,
        pack_size: columns.numbers("pack_size")?,
    };
    // Each piece writes its lines in place (ids by its own dictionaries' indices), so the lines
    // are held once.
    let placeholder = Line {
        account: 0,
        sku: 0,
        division: None,
        date: NaiveDate::MIN,
        quantity: 0.0,
    };
    let mut lines = vec![placeholder; frame.height()];
    let pieces: Vec<Result<Piece, InputError>> = lines
        .par_chunks_mut(PIECE_ROWS)
        .enumerate()
        .map(|(k, lines)| rows.piece(k * PIECE_ROWS, lines, what, format))
        .collect();
    // The first bad row in the frame's order, whichever piece finished first.
    let pieces = pieces
        .into_iter()
        .collect::<Result<Vec<Piece>, InputError>>()?;
    Ok(merge(pieces, lines))
}

impl RowColumns {
    /// Validates rows `start..start + len`.
    fn piece(
        &self,
        start: usize,
        lines: &mut [Line],
        what: &str,
        format: Format,
    ) -> Result<Piece, InputError> {
        let len = lines.len();
        let bad = |i: usize, problem: String| {
            let row = start + i;
            InputError::BadRow {
                what: what.to_string(),
                row: row + 1,
                line: match format {
                    Format::Csv => format!(" (line {})", row + 2),
                    Format::Parquet => String::new(),
                },
                problem,
            }
        };
        let empty = |i: usize, name: &str| bad(i, format!("`{name}` is empty"));
        let offset = start as i64;
        let text = |c: &StringChunked| c.slice(offset, len);
        let (account, sku, date) = (text(&self.account), text(&self.sku), text(&self.date));
        let (account, sku, date) = (values(&account), values(&sku), values(&date));
        let division = self.division.as_ref().map(text);
        let division = division.as_ref().map(values);
        let quantity = self.quantity.slice(offset, len);
        let unit_price = self.unit_price.as_ref().map(|c| c.slice(offset, len));
        let pack_size = self.pack_size.as_ref().map(|c| c.slice(offset, len));
        let optional_number =
            |column: Option<&Vec<Option<Result<f64, String>>>>, i: usize, name: &str| match column
                .and_then(|c| c[i].as_ref())
            {
                None => Ok(None),
                Some(Ok(x)) if x.is_finite() && *x >= 0.0 => Ok(Some(*x)),
                Some(Ok(x)) => Err(bad(
                    i,
                    format!("`{name}` must be a non-negative number, got `{x}`"),
                )),
                Some(Err(v)) => Err(bad(
                    i,
                    format!("`{name}` must be a non-negative number, got `{v}`"),
                )),
            };
        let mut piece = Piece::default();
        // Dates repeat from row to row: the last one parsed is kept.
        let mut last_date: Option<(&str, NaiveDate)> = None;
        for i in 0..len {
            let account_id = account[i].ok_or_else(|| empty(i, "account_id"))?;
            let sku_id = sku[i].ok_or_else(|| empty(i, "sku"))?;
            let raw_date = date[i].ok_or_else(|| empty(i, "order_date"))?;
            let date = match last_date {
                Some((raw, day)) if raw == raw_date => day,
                _ => {
                    let day = parse_date(raw_date).ok_or_else(|| {
                        bad(
                            i,
                            format!(
                                "`order_date` must be a date like 2024-03-31, got `{raw_date}`"
                            ),
                        )
                    })?;
                    last_date = Some((raw_date, day));
                    day
                }
            };
            let quantity = match &quantity[i] {
                None => return Err(empty(i, "quantity")),
                Some(Ok(q)) if q.is_finite() && *q >= 0.0 => *q,
                Some(Ok(q)) if *q < 0.0 => {
                    return Err(bad(
                        i,
                        format!("`quantity` must not be negative, got `{q}`"),
                    ));
                }
                Some(Ok(q)) => {
                    return Err(bad(i, format!("`quantity` must be a number, got `{q}`")));
                }
                Some(Err(raw)) => {
                    return Err(bad(i, format!("`quantity` must be a number, got `{raw}`")));
                }
            };
            optional_number(unit_price.as_ref(), i, "unit_price")?;
            let pack = optional_number(pack_size.as_ref(), i, "pack_size")?.filter(|p| *p > 0.0);
            let division = match division.as_ref().and_then(|c| c[i]) {
                None => None,
                Some(d) => Some(piece.interner.divisions.intern(d)),
            };
            let sku = piece.interner.skus.intern(sku_id);
            if let Some(p) = pack {
                let latest = piece.packs.entry(sku).or_insert((date, p));
                if date >= latest.0 {
                    *latest = (date, p);
                }
            }
            lines[i] = Line {
                account: piece.interner.accounts.intern(account_id),
                sku,
                division,
                date,
                quantity,
            };
        }
        Ok(piece)
    }
}

/// A text column's trimmed values, `None` where empty.
fn values(column: &StringChunked) -> Vec<Option<&str>> {
    column
        .iter()
        .map(|v| v.map(str::trim).filter(|v| !v.is_empty()))
        .collect()
}

/// The lines (each piece's `PIECE_ROWS` in turn, ids by its dictionaries), over one sorted
/// dictionary per kind of id. Per SKU, the pack size of its latest line that names one wins (a
/// later row wins a tie), so that the rows' order, which the lake does not keep, does not
/// matter.
fn merge(pieces: Vec<Piece>, mut lines: Vec<Line>) -> OrderLines {
    let (accounts, account_maps) = union(pieces.iter().map(|p| &p.interner.accounts));
    let (skus, sku_maps) = union(pieces.iter().map(|p| &p.interner.skus));
    let (divisions, division_maps) = union(pieces.iter().map(|p| &p.interner.divisions));
    lines
        .par_chunks_mut(PIECE_ROWS)
        .zip(account_maps.par_iter().zip(&sku_maps).zip(&division_maps))
        .for_each(|(lines, ((a, k), d))| {
            for l in lines {
                l.account = a[l.account as usize];
                l.sku = k[l.sku as usize];
                l.division = l.division.map(|x| d[x as usize]);
            }
        });
    let mut pack_sizes: Vec<Option<(NaiveDate, f64)>> = vec![None; skus.len()];
    for (piece, k) in pieces.into_iter().zip(&sku_maps) {
        let mut packs: Vec<(u32, (NaiveDate, f64))> = piece.packs.into_iter().collect();
        packs.sort_unstable_by_key(|(sku, _)| *sku);
        for (sku, (date, pack)) in packs {
            let latest = &mut pack_sizes[k[sku as usize] as usize];
            if latest.is_none_or(|(d, _)| date >= d) {
                *latest = Some((date, pack));
            }
        }
    }
    OrderLines {
        accounts,
        skus,
        divisions,
        pack_sizes: pack_sizes.into_iter().map(|p| p.map(|(_, p)| p)).collect(),
        lines,
    }
}

/// Every name of the dictionaries, sorted, and per dictionary the map from its indices to
/// the sorted ones.
fn union<'a>(
    dictionaries: impl Iterator<Item = &'a Dictionary> + Clone,
) -> (Vec<String>, Vec<Vec<u32>>) {
    let mut names: Vec<&str> = dictionaries
        .clone()
        .flat_map(|d| d.names.iter().map(String::as_str))
        .collect();
    names.par_sort_unstable();
    names.dedup();
    let maps = dictionaries
        .map(|d| {
            d.names
                .iter()
                .map(|n| names.binary_search(&n.as_str()).unwrap_or_default() as u32)
                .collect()
        })
        .collect();
    (names.into_iter().map(str::to_owned).collect(), maps)
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
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

#[derive(Default)]
struct Dictionary {
    index: HashMap<String, u32, foldhash::fast::FixedState>,
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
}

#[derive(Default)]
struct Interner {
    accounts: Dictionary,
    skus: Dictionary,
    divisions: Dictionary,
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
    fn pieces_validated_in_parallel_report_the_first_bad_row_and_merge_in_order() {
        use polars::prelude::{Column, DataFrame};
        let rows = 2 * PIECE_ROWS + 10;
        let account: Vec<String> = (0..rows).map(|i| format!("A{}", (rows - i) % 7)).collect();
        let sku: Vec<String> = (0..rows).map(|i| format!("S{}", i % 5)).collect();
        let mut date: Vec<&str> = vec!["2024-01-02"; rows];
        let quantity: Vec<f64> = (0..rows).map(|i| i as f64).collect();
        let frame = |date: &[&str]| {
            DataFrame::new_infer_height(vec![
                Column::new("account_id".into(), account.clone()),
                Column::new("sku".into(), sku.clone()),
                Column::new("order_date".into(), date.to_vec()),
                Column::new("quantity".into(), quantity.clone()),
            ])
            .expect("frame")
        };
        let orders = from_frame(&frame(&date), "lines", Format::Parquet).expect("valid");
        assert_eq!(
            orders.accounts,
            (0..7).map(|a| format!("A{a}")).collect::<Vec<_>>()
        );
        assert_eq!(orders.skus.len(), 5);
        // Every row, in the frame's order, with the ids of its own row.
        assert_eq!(orders.lines.len(), rows);
        for i in [0, PIECE_ROWS - 1, PIECE_ROWS, rows - 1] {
            let line = orders.lines[i];
            assert_eq!(orders.accounts[line.account as usize], account[i]);
            assert_eq!(orders.skus[line.sku as usize], sku[i]);
            assert_eq!(line.quantity, i as f64);
        }
        // Bad rows in the second and third pieces: the second's is reported.
        date[rows - 1] = "soon";
        date[PIECE_ROWS + 3] = "2024-13-01";
        let err = from_frame(&frame(&date), "lines", Format::Parquet).expect_err("bad");
        assert!(
            err.to_string()
                .starts_with(&format!("lines, row {}: ", PIECE_ROWS + 4)),
            "{err}"
        );
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
