//! Reading an export, row by row, in bounded memory: decode the bytes (byte-order marks,
//! UTF-8 or Latin-1), split CSV records (quoted newlines, the profile's delimiter), map the
//! source's columns to canonical fields by the profile, and parse each row into an update. A row
//! that fails any step carries its reason; only a file that cannot be read at all (no header,
//! a required column missing) is an error.
//!
//! JSON lines (one object of canonical fields per line) take the same path from the mapping on.

use crate::entity::{self, Arrival, Entity, Kind, RowError, Update, Values, Version};
use crate::profile::{FieldSpec, Profile};
use crate::values::Formats;
use encoding_rs::Encoding;
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use std::collections::BTreeMap;
use std::io::Read;

/// The encoding a profile names.
pub fn encoding(label: &str) -> Option<&'static Encoding> {
    match label.to_ascii_lowercase().as_str() {
        "utf-8" | "utf8" => Some(encoding_rs::UTF_8),
        "latin-1" | "latin1" | "iso-8859-1" | "windows-1252" | "cp1252" => {
            Some(encoding_rs::WINDOWS_1252)
        }
        _ => None,
    }
}

/// Why a file cannot be read at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct FileError(pub String);

/// Why a file could not be opened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpenError {
    /// Its contents cannot be read as its profile says: set it aside, never retry.
    #[error(transparent)]
    Unreadable(#[from] FileError),
    /// Reading the input itself failed (a broken connection, not the contents): try again.
    #[error("reading the file failed: {0}")]
    Input(String),
}

/// One row of a file and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRow {
    /// 1-based data row (the header is not a row).
    pub row: u64,
    /// The physical line the row starts on.
    pub line: u64,
    /// The row as the source wrote it (re-joined with its delimiter), for the quarantine file.
    pub raw: String,
    pub parsed: Result<(Update, Version), RowError>,
    /// The input itself failed here (the connection dropped, the disk failed): the rest of the
    /// file cannot be read, and ingesting it must fail rather than stop early.
    pub broken: bool,
}

/// How one canonical field is read from a row.
#[derive(Debug, Clone)]
struct Plan {
    field: &'static str,
    columns: Vec<usize>,
    spec: FieldSpec,
}

/// Mapping and parsing shared by CSV and JSON rows.
#[derive(Debug, Clone)]
pub struct Mapper {
    pub entity: Entity,
    pub formats: Formats,
    codes: BTreeMap<String, BTreeMap<String, String>>,
    /// How the rows arrived (their version when they give none).
    arrived: Arrival,
}

impl Mapper {
    /// The mapper of canonical rows (JSON lines, pushed rows): no profile, no code tables.
    pub fn canonical(entity: Entity, arrived: Arrival) -> Mapper {
        Mapper {
            entity,
            formats: Formats::canonical(),
            codes: BTreeMap::new(),
            arrived,
        }
    }

    /// Parses the canonical values of the `row`th row (1-based) into an update with its version.
    pub fn parse(&self, values: &Values, row: u64) -> Result<(Update, Version), RowError> {
        let update = entity::parse(self.entity, values, &self.formats)?;
        let version = entity::version_of(values, &self.formats, self.arrived, row)?;
        Ok((update, version))
    }

    /// Applies a field's clean-up steps to its raw text; `None` when it ends up empty.
    fn clean(&self, field: &str, raw: &str, spec: &FieldSpec) -> Result<Option<String>, RowError> {
        let is_list = self
            .entity
            .fields()
            .iter()
            .any(|f| f.name == field && f.kind == Kind::List);
        if is_list && spec.codes.is_some() {
            // A list's items are looked up one by one.
            let mut items = Vec::new();
            for item in self.formats.list(raw) {
                let single = FieldSpec {
                    default: None,
                    ..spec.clone()
                };
                if let Some(v) = self.clean_one(field, &item, &single)? {
                    items.push(v);
                }
            }
            return Ok((!items.is_empty()).then(|| items.join(&self.formats.list.to_string())));
        }
        self.clean_one(field, raw, spec)
    }

    fn clean_one(
        &self,
        field: &str,
        raw: &str,
        spec: &FieldSpec,
    ) -> Result<Option<String>, RowError> {
        let mut value = raw.trim().to_owned();
        if value.is_empty() {
            match &spec.default {
                Some(d) => value = d.clone(),
                None => return Ok(None),
            }
        }
        if spec.trim_zeros {
            let trimmed = value.trim_start_matches('0');
            value = if trimmed.is_empty() {
                "0".into()
            } else {
                trimmed.to_owned()
            };
        }
        if spec.upper {
            value = value.to_uppercase();
        }
        if let Some(table) = &spec.codes {
            let codes = self.codes.get(table).map(|t| {
                t.get(&value).cloned().ok_or_else(|| {
                    RowError(format!(
                        "{field}: code {value:?} is not in the profile's table {table} (known: {})",
                        t.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))
                })
            });
            if let Some(mapped) = codes {
                value = mapped?;
            }
        }
        if let Some(prefix) = &spec.prefix {
            value = format!("{prefix}{value}");
        }
        Ok(Some(value))
    }
}

/// Turns CRLF line ends into LF (a lone CR stays), and ends the text with a LF if it does not,
/// so that every record ends with a line feed and its first line can be told from where the
/// reader stands after it (see [`CsvRows::next`]), whichever line ends the source wrote. Text
/// inside quoted fields gets LF too.
struct CrLf<R> {
    inner: R,
    /// A CR at the end of the last read, held back until we know whether LF follows.
    held: bool,
    /// The last byte handed out, if any.
    last: Option<u8>,
    /// Whether the input has ended (and the closing LF, if one was needed, was handed out).
    ended: bool,
}

impl<R> CrLf<R> {
    fn new(inner: R) -> Self {
        CrLf {
            inner,
            held: false,
            last: None,
            ended: false,
        }
    }
}

impl<R: Read> Read for CrLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.read_converted(buf)?;
        if n > 0 {
            self.last = Some(buf[n - 1]);
            return Ok(n);
        }
        if self.ended || buf.is_empty() {
            return Ok(0);
        }
        self.ended = true;
        match self.last {
            Some(b) if b != b'\n' => {
                buf[0] = b'\n';
                self.last = Some(b'\n');
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

impl<R: Read> CrLf<R> {
    fn read_converted(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.len() < 2 {
            return self.inner.read(buf);
        }
        loop {
            let start = usize::from(self.held);
            if self.held {
                buf[0] = b'\r';
            }
            let n = self.inner.read(&mut buf[start..])?;
            if n == 0 {
                self.held = false;
                return Ok(start);
            }
            let len = start + n;
            let mut out = 0;
            let mut i = 0;
            while i < len {
                let b = buf[i];
                if b == b'\r' && i + 1 < len && buf[i + 1] == b'\n' {
                    i += 1;
                    continue;
                }
                buf[out] = b;
                out += 1;
                i += 1;
            }
            self.held = out > 0 && buf[out - 1] == b'\r';
            if self.held {
                out -= 1;
            }
            if out > 0 {
                return Ok(out);
            }
        }
    }
}

/// A CSV export being read.
pub struct CsvRows<R: Read> {
    csv: csv::Reader<CrLf<DecodeReaderBytes<R, Vec<u8>>>>,
    mapper: Mapper,
    plans: Vec<Plan>,
    header_len: usize,
    delimiter: u8,
    row: u64,
    record: csv::StringRecord,
    utf8: bool,
    /// Set after a read error of the input itself: the rest cannot be read.
    broken: bool,
}

/// Opens a CSV export of `entity` written as `profile` says, which arrived as `arrived` (the
/// file's time and identity, which version rows without a version of their own).
pub fn csv_rows<R: Read>(
    input: R,
    profile: &Profile,
    entity: Entity,
    arrived: Arrival,
) -> Result<CsvRows<R>, OpenError> {
    let format = &profile.format;
    let encoding = encoding(&format.encoding)
        .ok_or_else(|| FileError(format!("unknown encoding {}", format.encoding)))?;
    let decoded = DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(input);
    let delimiter = u8::try_from(format.delimiter)
        .map_err(|_| FileError("the delimiter must be one byte".into()))?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(CrLf::new(decoded));
    let mut header = csv::StringRecord::new();
    let found = csv.read_record(&mut header).map_err(|e| {
        if e.is_io_error() {
            OpenError::Input(format!("the header: {e}"))
        } else {
            OpenError::Unreadable(FileError(format!("cannot read the header: {e}")))
        }
    })?;
    if !found || header.iter().all(|h| h.trim().is_empty()) {
        return Err(FileError("the file is empty: no header row".into()).into());
    }
    let names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let find = |column: &str| {
        names.iter().position(|n| n == column).or_else(|| {
            names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(column.trim()))
        })
    };
    let mapping = profile.mapping(entity);
    let mut plans = Vec::new();
    let mut missing = Vec::new();
    for field in entity.fields() {
        let spec = mapping
            .fields
            .get(field.name)
            .map(|s| s.spec())
            .unwrap_or_else(|| FieldSpec {
                column: Some(field.name.to_owned()),
                ..FieldSpec::default()
            });
        let wanted: Vec<String> = match (&spec.column, &spec.columns) {
            (Some(c), _) => vec![c.clone()],
            (None, Some(cs)) => cs.clone(),
            (None, None) => Vec::new(),
        };
        let columns: Vec<Option<usize>> = wanted.iter().map(|c| find(c)).collect();
        if columns.iter().any(Option::is_none) {
            if field.required && spec.default.is_none() {
                missing.push(format!("{} (for {})", wanted.join(" + "), field.name));
            }
            continue;
        }
        plans.push(Plan {
            field: field.name,
            columns: columns.into_iter().flatten().collect(),
            spec,
        });
    }
    if !missing.is_empty() {
        return Err(FileError(format!(
            "required columns are missing: {}; the header has: {}",
            missing.join(", "),
            names.join(", ")
        ))
        .into());
    }
    Ok(CsvRows {
        csv,
        mapper: Mapper {
            entity,
            formats: Formats::of(format),
            codes: profile.codes.clone(),
            arrived,
        },
        plans,
        header_len: names.len(),
        delimiter,
        row: 0,
        record: csv::StringRecord::new(),
        utf8: encoding == encoding_rs::UTF_8,
        broken: false,
    })
}

impl<R: Read> CsvRows<R> {
    fn raw_text(&self) -> String {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let _ = writer.write_record(&self.record);
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8_lossy(&bytes)
            .trim_end_matches('\n')
            .to_owned()
    }

    fn values(&self) -> Result<Values, RowError> {
        let record = &self.record;
        if record.len() != self.header_len {
            return Err(RowError(format!(
                "has {} fields where the header has {} (a truncated or broken line?)",
                record.len(),
                self.header_len
            )));
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            return Err(RowError("the row is empty".into()));
        }
        if self.utf8 && record.iter().any(|f| f.contains('\u{FFFD}')) {
            return Err(RowError(
                "is not valid UTF-8 (is the file Latin-1? set encoding in the profile)".into(),
            ));
        }
        let mut values = Values::new();
        for plan in &self.plans {
            let raw = match &plan.spec.value {
                Some(constant) => constant.clone(),
                None => plan
                    .columns
                    .iter()
                    .map(|&i| record.get(i).unwrap_or("").trim())
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            if let Some(v) = self.mapper.clean(plan.field, &raw, &plan.spec)? {
                values.insert(plan.field, v);
            }
        }
        Ok(values)
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = SourceRow;

    fn next(&mut self) -> Option<SourceRow> {
        if self.broken {
            return None;
        }
        let mut record = std::mem::take(&mut self.record);
        // Blank lines before a record are skipped, so where the reader stands before it is not
        // always where it starts; after it, the reader stands on the line after its closing
        // line feed (every record has one, see `CrLf`).
        let before = self.csv.position().line();
        let result = self.csv.read_record(&mut record);
        let after = self.csv.position().line();
        let spans = record
            .iter()
            .map(|f| f.matches('\n').count() as u64)
            .sum::<u64>()
            + 1;
        self.record = record;
        let (read, line) = match result {
            Ok(false) => return None,
            Ok(true) => (Ok(()), after.saturating_sub(spans).max(before)),
            Err(e) => {
                self.broken = e.is_io_error();
                (Err(RowError(format!("cannot be read as CSV: {e}"))), before)
            }
        };
        self.row += 1;
        let parsed = read
            .and_then(|()| self.values())
            .and_then(|values| self.mapper.parse(&values, self.row));
        Some(SourceRow {
            row: self.row,
            line,
            raw: self.raw_text(),
            parsed,
            broken: self.broken,
        })
    }
}

/// The canonical values of a JSON object (a JSON-lines row or a pushed row): strings as they
/// are, numbers and booleans as text, arrays joined by the list separator, nulls left out.
pub fn json_values(entity: Entity, object: &serde_json::Value) -> Result<Values, RowError> {
    let serde_json::Value::Object(map) = object else {
        return Err(RowError("is not a JSON object".into()));
    };
    let mut values = Values::new();
    for (key, value) in map {
        let Some(field) = entity.fields().iter().find(|f| f.name == key) else {
            return Err(RowError(format!(
                "{key}: not a field of {entity}; its fields are {}",
                entity
                    .fields()
                    .iter()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s.trim().to_owned(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Array(items) if field.kind == Kind::List => items
                .iter()
                .map(|i| match i {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join("|"),
            _ => return Err(RowError(format!("{key}: is not a single value"))),
        };
        if !text.is_empty() {
            values.insert(field.name, text);
        }
    }
    Ok(values)
}

/// The rows of a pushed batch (JSON objects of canonical fields, as in JSON lines), numbered
/// from 1; rows without a `version` (or, for events, an `at`) take their place in `received`
/// (see [`Arrival::version`]).
pub fn pushed_rows(
    entity: Entity,
    objects: &[serde_json::Value],
    received: Arrival,
) -> Vec<SourceRow> {
    let mapper = Mapper::canonical(entity, received);
    objects
        .iter()
        .enumerate()
        .map(|(i, object)| SourceRow {
            row: i as u64 + 1,
            line: i as u64 + 1,
            raw: object.to_string(),
            parsed: json_values(entity, object)
                .and_then(|values| mapper.parse(&values, i as u64 + 1)),
            broken: false,
        })
        .collect()
}

/// A JSON-lines export being read (one object of canonical fields per line; blank lines skipped).
pub struct JsonRows<R: Read> {
    lines: std::io::Lines<std::io::BufReader<DecodeReaderBytes<R, Vec<u8>>>>,
    mapper: Mapper,
    row: u64,
    line: u64,
    broken: bool,
}

pub fn json_rows<R: Read>(input: R, entity: Entity, arrived: Arrival) -> JsonRows<R> {
    use std::io::BufRead;
    let decoded = DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding_rs::UTF_8))
        .bom_override(true)
        .build(input);
    JsonRows {
        lines: std::io::BufReader::new(decoded).lines(),
        mapper: Mapper::canonical(entity, arrived),
        row: 0,
        line: 0,
        broken: false,
    }
}

impl<R: Read> Iterator for JsonRows<R> {
    type Item = SourceRow;

    fn next(&mut self) -> Option<SourceRow> {
        loop {
            if self.broken {
                return None;
            }
            let text = self.lines.next()?;
            self.line += 1;
            let text = match text {
                Ok(t) => t,
                Err(e) => {
                    self.row += 1;
                    self.broken = true;
                    return Some(SourceRow {
                        row: self.row,
                        line: self.line,
                        raw: String::new(),
                        parsed: Err(RowError(format!("cannot be read: {e}"))),
                        broken: true,
                    });
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            self.row += 1;
            let parsed = serde_json::from_str::<serde_json::Value>(&text)
                .map_err(|e| RowError(format!("is not JSON: {e}")))
                .and_then(|v| json_values(self.mapper.entity, &v))
                .and_then(|values| self.mapper.parse(&values, self.row));
            return Some(SourceRow {
                row: self.row,
                line: self.line,
                raw: text,
                parsed,
                broken: false,
            });
        }
    }
}

/// The rows of an export: JSON lines when its name ends in `.jsonl` or `.ndjson`, else CSV as
/// the profile says.
pub fn rows<R: Read + Send + 'static>(
    input: R,
    name: &str,
    profile: &Profile,
    entity: Entity,
    arrived: Arrival,
) -> Result<Box<dyn Iterator<Item = SourceRow> + Send>, OpenError> {
    if crate::layout::is_json_lines(name) {
        Ok(Box::new(json_rows(input, entity, arrived)))
    } else {
        Ok(Box::new(csv_rows(input, profile, entity, arrived)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn fallback() -> Arrival {
        let at = chrono::Utc
            .with_ymd_and_hms(2025, 12, 1, 0, 0, 0)
            .single()
            .expect("time");
        Arrival::new(at, "the file")
    }

    fn read(profile: &Profile, entity: Entity, bytes: &[u8]) -> Vec<SourceRow> {
        csv_rows(
            std::io::Cursor::new(bytes.to_vec()),
            profile,
            entity,
            fallback(),
        )
        .expect("readable")
        .collect()
    }

    fn sap() -> Profile {
        Profile::builtin("sap").expect("built in")
    }

    fn line(row: &SourceRow) -> portal_domain::model::OrderLine {
        match &row.parsed {
            Ok((Update::OrderLine { line, .. }, _)) => line.clone(),
            other => panic!("row {}: {other:?}", row.row),
        }
    }

    const VBAP: &str =
        "VBELN;POSNR;MATNR;ARKTX;KWMENG;VRKME;NETPR;NETWR;PSTAT;CHARG;AEDAT;AEZET\r\n";

    #[test]
    fn latin_1_and_utf_8_with_a_bom_read_the_same() {
        let text = format!(
            "{VBAP}0000500001;000010;hyd-1;Rørkobling Ø12 – å;1.234,500;ST;0,50;617,25;B;;20251124;101500\r\n"
        );
        let (latin, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
        assert!(!unmappable);
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend(text.as_bytes());
        let a = line(&read(&sap(), Entity::OrderLines, &latin)[0]);
        let b = line(&read(&sap(), Entity::OrderLines, &with_bom)[0]);
        assert_eq!(a, b);
        assert_eq!(a.description, "Rørkobling Ø12 – å");
        assert_eq!(a.quantity, rust_decimal::Decimal::new(1_234_500, 3));
        assert_eq!(
            a.sku.as_str(),
            "HYD-1",
            "the profile upper-cases material numbers"
        );
        assert_eq!(a.line_no, 10);
        assert_eq!(a.unit, "pcs", "ST is pieces");
    }

    #[test]
    fn quoted_newlines_stay_inside_their_field_and_rows_know_their_line() {
        let text = format!(
            "{VBAP}0000500001;10;A-1;\"two\r\nlines; and \"\"quotes\"\"\";1;ST;1,00;1,00;A;;20251124;101500\r\n0000500001;20;A-2;next;1;ST;1,00;1,00;A;;20251124;101500\r\n"
        );
        let rows = read(&sap(), Entity::OrderLines, text.as_bytes());
        assert_eq!(rows.len(), 2);
        assert_eq!(line(&rows[0]).description, "two\nlines; and \"quotes\"");
        assert_eq!((rows[0].row, rows[0].line), (1, 2));
        assert_eq!((rows[1].row, rows[1].line), (2, 4));
    }

    #[test]
    fn bad_rows_carry_their_reason_and_the_rest_still_read() {
        let text = format!(
            "{VBAP}\
             0000500001;10;A-1;ok;1;ST;1,00;1,00;A;;20251124;101500\r\n\
             0000500001;20;A-2;qty;zwölf;ST;1,00;1,00;A;;20251124;101500\r\n\
             0000500001;30;A-3;code;1;ST;1,00;1,00;Z;;20251124;101500\r\n\
             0000500001;40;A-4;date;1;ST;1,00;1,00;A;;20251324;101500\r\n\
             ;50;A-5;no order;1;ST;1,00;1,00;A;;20251124;101500\r\n\
             ;;;;;;;;;;;\r\n\
             0000500001;60;A-6;ok too;2;KG;1,00;2,00;A;;20251124;101500\r\n\
             0000500001;70;A-7;cut"
        );
        let rows = read(
            &sap(),
            Entity::OrderLines,
            &encoding_rs::WINDOWS_1252.encode(&text).0,
        );
        let reasons: Vec<String> = rows
            .iter()
            .map(|r| match &r.parsed {
                Ok(_) => "ok".to_owned(),
                Err(e) => e.0.clone(),
            })
            .collect();
        assert_eq!(reasons[0], "ok");
        assert_eq!(
            reasons[1],
            "quantity: \"zwölf\" is not a number such as -1.234,56"
        );
        assert!(
            reasons[2].starts_with("status: code \"Z\" is not in the profile's table item_status"),
            "{}",
            reasons[2]
        );
        assert!(
            reasons[3].starts_with("version: \"20251324 101500\" is not a date-time"),
            "{}",
            reasons[3]
        );
        assert_eq!(reasons[4], "order_id: missing (the field is required)");
        assert_eq!(reasons[5], "the row is empty");
        assert_eq!(reasons[6], "ok");
        assert_eq!(
            reasons[7],
            "has 4 fields where the header has 12 (a truncated or broken line?)"
        );
        assert_eq!(rows[7].raw, "0000500001;70;A-7;cut");
        assert_eq!(rows.len(), 8);
    }

    #[test]
    fn a_line_beyond_the_bounds_quarantines_its_row_not_the_file() {
        let generic = Profile::builtin("generic").expect("built in");
        let text = "order_id,line_no,sku,quantity,unit_price\nSO-1,1,A,100000000000000000,1000000000000\nSO-1,2,A,1,1\nSO-1,3,A,1000000000,1000000000000\n";
        let rows = read(&generic, Entity::OrderLines, text.as_bytes());
        let e = rows[0].parsed.as_ref().expect_err("too many units");
        assert_eq!(
            e.0,
            "quantity: 100000000000000000 is beyond the largest quantity ingest takes \
             (±1,000,000,000)"
        );
        assert!(rows[1].parsed.is_ok());
        let e = rows[2].parsed.as_ref().expect_err("too large a value");
        assert!(e.0.starts_with("line_total: "), "{}", e.0);
    }

    #[test]
    fn a_failing_input_marks_its_row_broken_and_ends_the_rows() {
        struct Failing(std::io::Cursor<Vec<u8>>);
        impl std::io::Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                match self.0.read(buf)? {
                    0 => Err(std::io::Error::other("connection reset")),
                    n => Ok(n),
                }
            }
        }
        let generic = Profile::builtin("generic").expect("built in");
        let text = b"order_id,line_no,sku,quantity,unit_price\nSO-1,1,A,1,1\nSO-1,2,A,1".to_vec();
        let rows: Vec<SourceRow> = csv_rows(
            Failing(std::io::Cursor::new(text)),
            &generic,
            Entity::OrderLines,
            fallback(),
        )
        .expect("readable")
        .collect();
        assert!(!rows[0].broken);
        assert!(rows.last().is_some_and(|r| r.broken), "{rows:?}");
    }

    #[test]
    fn invalid_utf_8_is_named_not_mangled() {
        let generic = Profile::builtin("generic").expect("built in");
        let mut bytes = b"order_id,line_no,sku,quantity,unit_price\nSO-1,1,A,1,1\nSO-1,2,".to_vec();
        bytes.extend(b"B\xF8,1,1\n");
        let rows = read(&generic, Entity::OrderLines, &bytes);
        assert!(rows[0].parsed.is_ok());
        let e = rows[1].parsed.as_ref().expect_err("bad bytes");
        assert!(e.0.contains("not valid UTF-8"), "{e}");
    }

    #[test]
    fn a_file_without_a_required_column_cannot_be_read_and_says_which() {
        let text = "VBELN;POSNR;MATNR\r\n1;10;A\r\n";
        let e = csv_rows(
            std::io::Cursor::new(text),
            &sap(),
            Entity::OrderLines,
            fallback(),
        )
        .err()
        .expect("unreadable");
        let OpenError::Unreadable(e) = e else {
            panic!("{e:?}")
        };
        assert!(e.0.contains("KWMENG (for quantity)"), "{e}");
        assert!(e.0.contains("the header has: VBELN, POSNR, MATNR"), "{e}");
        let e = csv_rows(
            std::io::Cursor::new(""),
            &sap(),
            Entity::OrderLines,
            fallback(),
        )
        .err()
        .expect("empty");
        assert_eq!(
            e,
            OpenError::Unreadable(FileError("the file is empty: no header row".into()))
        );
    }

    #[test]
    fn a_header_the_input_fails_to_deliver_is_worth_a_retry_not_unreadable() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("connection reset"))
            }
        }
        let e = rows(Broken, "VBAP.csv", &sap(), Entity::OrderLines, fallback())
            .err()
            .expect("no header");
        assert!(
            matches!(&e, OpenError::Input(m) if m.contains("connection reset")),
            "{e:?}"
        );
    }

    #[test]
    fn json_lines_take_canonical_fields_and_refuse_unknown_ones() {
        let text = "{\"order_id\":\"SO-1\",\"line_no\":1,\"sku\":\"A\",\"quantity\":2.5,\"unit_price\":\"4\"}\n\n{\"order_id\":\"SO-1\",\"colour\":\"red\"}\nnot json\n";
        let rows: Vec<SourceRow> =
            json_rows(std::io::Cursor::new(text), Entity::OrderLines, fallback()).collect();
        assert_eq!(rows.len(), 3, "the blank line is no row");
        assert_eq!(
            line(&rows[0]).line_total,
            rust_decimal::Decimal::new(1000, 2)
        );
        let e = rows[1].parsed.as_ref().expect_err("unknown field");
        assert!(e.0.starts_with("colour: not a field of order-lines"), "{e}");
        assert_eq!(rows[2].line, 4);
        assert!(
            rows[2]
                .parsed
                .as_ref()
                .expect_err("not json")
                .0
                .starts_with("is not JSON")
        );
    }

    #[test]
    fn negative_ordered_quantities_are_quarantined_in_every_format() {
        let text = format!(
            "{VBAP}0000500001;10;A-1;back;5,000-;ST;1,00;5,00-;A;;20251124;101500\r\n\
             0000500001;20;A-2;none;0,000-;ST;1,00;0,00;A;;20251124;101500\r\n"
        );
        let rows = read(&sap(), Entity::OrderLines, text.as_bytes());
        let e = rows[0].parsed.as_ref().expect_err("negative");
        assert!(e.0.starts_with("quantity: -5.000 is negative"), "{e}");
        assert!(rows[1].parsed.is_ok(), "a zero quantity is a line");
        let json = "{\"order_id\":\"SO-1\",\"line_no\":1,\"sku\":\"A\",\"quantity\":-3,\"unit_price\":\"4\"}\n";
        let rows: Vec<SourceRow> =
            json_rows(std::io::Cursor::new(json), Entity::OrderLines, fallback()).collect();
        let e = rows[0].parsed.as_ref().expect_err("negative");
        assert!(e.0.starts_with("quantity: -3 is negative"), "{e}");
    }

    #[test]
    fn an_account_without_divisions_is_quarantined() {
        let json = "{\"account_id\":\"A\",\"name\":\"A Oy\",\"divisions\":[],\"currency\":\"EUR\"}\n\
                    {\"account_id\":\"B\",\"name\":\"B Oy\",\"divisions\":[\"HYD\"],\"currency\":\"EUR\"}\n";
        let rows: Vec<SourceRow> =
            json_rows(std::io::Cursor::new(json), Entity::Accounts, fallback()).collect();
        let e = rows[0].parsed.as_ref().expect_err("no divisions");
        assert!(
            e.0.starts_with("divisions: an account buys from at least one"),
            "{e}"
        );
        assert!(rows[1].parsed.is_ok());
    }

    #[test]
    fn a_version_more_than_a_day_ahead_of_the_rows_arrival_is_refused() {
        let row = |version: &str| {
            format!(
                "{{\"order_id\":\"SO-1\",\"status\":\"shipped\",\"at\":\"2025-11-30T08:00:00Z\",\"version\":\"{version}\"}}\n"
            )
        };
        // The rows arrive at `fallback()`, 2025-12-01T00:00:00Z.
        let text = [
            row("9999-12-31T00:00:00Z"),
            row("2025-12-02T00:00:01Z"),
            row("2025-12-02T00:00:00Z"),
        ]
        .concat();
        let rows: Vec<SourceRow> =
            json_rows(std::io::Cursor::new(text), Entity::OrderStatus, fallback()).collect();
        let e = rows[0].parsed.as_ref().expect_err("infinity");
        assert!(
            e.0.starts_with("version: 9999-12-31T00:00:00.000Z is in the future"),
            "{e}"
        );
        assert!(rows[1].parsed.is_err(), "a second past a day ahead");
        assert!(rows[2].parsed.is_ok(), "a day ahead is within the skew");
        let event =
            "{\"order_id\":\"SO-1\",\"status\":\"shipped\",\"at\":\"2030-01-01T00:00:00Z\"}\n";
        let rows: Vec<SourceRow> =
            json_rows(std::io::Cursor::new(event), Entity::OrderStatus, fallback()).collect();
        let e = rows[0]
            .parsed
            .as_ref()
            .expect_err("an event time versions its row");
        assert!(
            e.0.starts_with("at: 2030-01-01T00:00:00.000Z is in the future"),
            "{e}"
        );
    }

    #[test]
    fn rows_after_blank_lines_are_reported_on_their_own_line() {
        // A header, two empty lines, then a row with a bad date: the row is on line 4.
        for end in ["\n", "\r\n", ""] {
            let text = format!(
                "{VBAP}\r\n\r\n0000500001;10;A-1;x;1;ST;1,00;1,00;A;;20251324;101500\r\n\n\n\
                 0000500001;20;A-2;\"two\nlines\";1;ST;1,00;1,00;A;;20251124;101500\n\
                 0000500001;30;A-3;y;1;ST;1,00;1,00;A;;20251124;101500{end}"
            );
            let rows = read(&sap(), Entity::OrderLines, text.as_bytes());
            assert_eq!(rows.len(), 3, "{end:?}");
            assert!(rows[0].parsed.is_err());
            let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [4, 7, 9], "{end:?}");
        }
    }
}

#[cfg(test)]
mod line_end_tests {
    use super::CrLf;
    use std::io::Read;

    /// Reads through CrLf with reads of `size` bytes at most.
    fn through(input: &[u8], size: usize) -> Vec<u8> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        CrLf::new(Trickle(input, size))
            .read_to_end(&mut out)
            .expect("read");
        out
    }

    #[test]
    fn crlf_becomes_lf_across_read_boundaries_and_a_lone_cr_stays() {
        let input = b"a\r\nb\rc\r\n\r\nd\re";
        for size in 1..8 {
            assert_eq!(
                through(input, size),
                b"a\nb\rc\n\nd\re\n",
                "reads of {size}"
            );
        }
    }

    #[test]
    fn the_text_ends_with_one_line_feed_whatever_it_ended_with() {
        for size in 1..4 {
            assert_eq!(through(b"a\r\n", size), b"a\n");
            assert_eq!(through(b"a\n", size), b"a\n");
            assert_eq!(through(b"a", size), b"a\n");
            assert_eq!(through(b"", size), b"");
        }
    }
}
