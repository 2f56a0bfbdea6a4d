//! JSON rows: JSON-lines exports and pushed batches, objects of canonical fields.

use super::{Mapper, SourceRow};
use crate::entity::{Arrival, Entity, Kind, RowError, Values};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use std::io::Read;

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
            serde_json::Value::Array(tiers) if field.kind == Kind::Tiers => tiers_text(key, tiers)?,
            _ => return Err(RowError(format!("{key}: is not a single value"))),
        };
        if !text.is_empty() {
            values.insert(field.name, text);
        }
    }
    Ok(values)
}

/// `[{"min_quantity": 10, "unit_price": "9.50"}, ...]` as the tiers' text, `10:9.50 ...`.
fn tiers_text(key: &str, tiers: &[serde_json::Value]) -> Result<String, RowError> {
    let text = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => Some(s.trim().to_owned()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let mut pairs = Vec::with_capacity(tiers.len());
    for tier in tiers {
        match (text(tier.get("min_quantity")), text(tier.get("unit_price"))) {
            (Some(min), Some(price)) => pairs.push(format!("{min}:{price}")),
            _ => {
                return Err(RowError(format!(
                    "{key}: each tier is an object with min_quantity and unit_price"
                )));
            }
        }
    }
    Ok(pairs.join(" "))
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
