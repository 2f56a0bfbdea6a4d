//! What CSV and JSON rows share: the row with what became of it ([`SourceRow`]), and the
//! [`Mapper`] that cleans a source's values (the profile's steps and code tables) and parses
//! canonical values into an update with its version.

use crate::entity::{self, Arrival, Entity, Kind, RowError, Update, Values, Version};
use crate::profile::FieldSpec;
use crate::values::Formats;
use std::collections::BTreeMap;

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

/// Mapping and parsing shared by CSV and JSON rows.
#[derive(Debug, Clone)]
pub struct Mapper {
    pub entity: Entity,
    pub formats: Formats,
    pub(super) codes: BTreeMap<String, BTreeMap<String, String>>,
    /// How the rows arrived (their version when they give none).
    pub(super) arrived: Arrival,
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
    pub(super) fn clean(
        &self,
        field: &str,
        raw: &str,
        spec: &FieldSpec,
    ) -> Result<Option<String>, RowError> {
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
