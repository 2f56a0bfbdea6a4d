//! Reading an export, row by row, in bounded memory: decode the bytes (byte-order marks,
//! UTF-8 or Latin-1), split CSV records (quoted newlines, the profile's delimiter), map the
//! source's columns to canonical fields by the profile, and parse each row into an update. A row
//! that fails any step carries its reason; only a file that cannot be read at all (no header,
//! a required column missing) is an error.
//!
//! JSON lines (one object of canonical fields per line) take the same path from the mapping on.

use crate::entity::{self, Entity, Kind, RowError, Update, Values, Version};
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
    fallback: Version,
}

impl Mapper {
    /// Parses canonical values into an update with its version.
    pub fn parse(&self, values: &Values) -> Result<(Update, Version), RowError> {
        let update = entity::parse(self.entity, values, &self.formats)?;
        let version = entity::version_of(values, &self.formats, self.fallback)?;
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

/// A CSV export being read.
pub struct CsvRows<R: Read> {
    csv: csv::Reader<DecodeReaderBytes<R, Vec<u8>>>,
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

/// Opens a CSV export of `entity` written as `profile` says; `fallback` versions rows without
/// a version of their own (the file's time).
pub fn csv_rows<R: Read>(
    input: R,
    profile: &Profile,
    entity: Entity,
    fallback: Version,
) -> Result<CsvRows<R>, FileError> {
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
        .from_reader(decoded);
    let mut header = csv::StringRecord::new();
    let found = csv
        .read_record(&mut header)
        .map_err(|e| FileError(format!("cannot read the header: {e}")))?;
    if !found || header.iter().all(|h| h.trim().is_empty()) {
        return Err(FileError("the file is empty: no header row".into()));
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
        )));
    }
    Ok(CsvRows {
        csv,
        mapper: Mapper {
            entity,
            formats: Formats::of(format),
            codes: profile.codes.clone(),
            fallback,
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
        let result = self.csv.read_record(&mut record);
        self.record = record;
        let line = self.record.position().map_or(0, |p| p.line());
        let read = match result {
            Ok(false) => return None,
            Ok(true) => Ok(()),
            Err(e) => {
                self.broken = e.is_io_error();
                Err(RowError(format!("cannot be read as CSV: {e}")))
            }
        };
        self.row += 1;
        let parsed = read
            .and_then(|()| self.values())
            .and_then(|values| self.mapper.parse(&values));
        Some(SourceRow {
            row: self.row,
            line,
            raw: self.raw_text(),
            parsed,
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

/// A JSON-lines export being read (one object of canonical fields per line; blank lines skipped).
pub struct JsonRows<R: Read> {
    lines: std::io::Lines<std::io::BufReader<DecodeReaderBytes<R, Vec<u8>>>>,
    mapper: Mapper,
    row: u64,
    line: u64,
}

pub fn json_rows<R: Read>(input: R, entity: Entity, fallback: Version) -> JsonRows<R> {
    use std::io::BufRead;
    let decoded = DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding_rs::UTF_8))
        .bom_override(true)
        .build(input);
    JsonRows {
        lines: std::io::BufReader::new(decoded).lines(),
        mapper: Mapper {
            entity,
            formats: Formats::canonical(),
            codes: BTreeMap::new(),
            fallback,
        },
        row: 0,
        line: 0,
    }
}

impl<R: Read> Iterator for JsonRows<R> {
    type Item = SourceRow;

    fn next(&mut self) -> Option<SourceRow> {
        loop {
            let text = self.lines.next()?;
            self.line += 1;
            let text = match text {
                Ok(t) => t,
                Err(e) => {
                    self.row += 1;
                    return Some(SourceRow {
                        row: self.row,
                        line: self.line,
                        raw: String::new(),
                        parsed: Err(RowError(format!("cannot be read: {e}"))),
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
                .and_then(|values| self.mapper.parse(&values));
            return Some(SourceRow {
                row: self.row,
                line: self.line,
                raw: text,
                parsed,
            });
        }
    }
}

/// The mapper for pushed JSON rows (canonical formats).
pub fn json_mapper(entity: Entity, fallback: Version) -> Mapper {
    Mapper {
        entity,
        formats: Formats::canonical(),
        codes: BTreeMap::new(),
        fallback,
    }
}

/// The rows of an export: JSON lines when its name ends in `.jsonl` or `.ndjson`, else CSV as
/// the profile says.
pub fn rows<R: Read + Send + 'static>(
    input: R,
    name: &str,
    profile: &Profile,
    entity: Entity,
    fallback: Version,
) -> Result<Box<dyn Iterator<Item = SourceRow> + Send>, FileError> {
    if crate::layout::is_json_lines(name) {
        Ok(Box::new(json_rows(input, entity, fallback)))
    } else {
        Ok(Box::new(csv_rows(input, profile, entity, fallback)?))
    }
}
