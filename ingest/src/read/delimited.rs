//! CSV exports: decoding (byte-order marks, UTF-8 or Latin-1), records (quoted newlines, the
//! profile's delimiter), and the profile's mapping of the source's columns to canonical fields.

use super::crlf::CrLf;
use super::{FileError, Mapper, OpenError, SourceRow};
use crate::entity::{Arrival, Entity, RowError, Values};
use crate::profile::{FieldSpec, Profile};
use crate::values::Formats;
use encoding_rs::Encoding;
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
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

/// How one canonical field is read from a row.
#[derive(Debug, Clone)]
struct Plan {
    field: &'static str,
    columns: Vec<usize>,
    spec: FieldSpec,
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
