//! Mapping profiles: how one source system writes its exports, as a TOML data file.
//!
//! A profile says how to read the bytes (delimiter, encoding, number and date formats), which
//! source column (or columns, or constant) fills each canonical field of each entity, how to
//! clean identifiers (leading zeros, prefixes, case), and code tables that turn the source's
//! codes (ERP status codes, carrier codes, units) into the portal's words. An entity the profile
//! does not map reads the canonical format: columns named like the canonical fields.
//!
//! Two profiles are built in ([`Profile::builtin`]): `generic` (the canonical CSV format) and
//! `sap` (an SAP-like flat-file export); `profiles/*.toml` in the source tree are those files.

use crate::entity::Entity;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The built-in profiles, by name.
pub const BUILTIN: [(&str, &str); 2] = [
    ("generic", include_str!("../profiles/generic.toml")),
    ("sap", include_str!("../profiles/sap.toml")),
];

/// A source system's mapping profile.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub format: FileFormat,
    /// Per entity (by its canonical name, such as `order-lines`): where each field comes from.
    #[serde(default)]
    pub entities: BTreeMap<String, EntityMapping>,
    /// Code tables by name: source code → portal value.
    #[serde(default)]
    pub codes: BTreeMap<String, BTreeMap<String, String>>,
}

/// How the bytes of an export are written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileFormat {
    /// The field delimiter: `,`, `;`, `\t` or `|`.
    pub delimiter: char,
    /// `utf-8`, `latin-1` (read as windows-1252, its superset) or `windows-1252`. A byte-order
    /// mark, when present, wins.
    pub encoding: String,
    /// The decimal separator: `.` or `,`.
    pub decimal_separator: char,
    /// The thousands separator, if the source writes one (`.`, `,`, `'` or a space).
    pub thousands_separator: Option<char>,
    /// chrono formats of dates, tried in order.
    pub date_formats: Vec<String>,
    /// chrono formats of date-times (UTC unless the format has an offset), tried in order;
    /// RFC 3339 is always accepted.
    pub datetime_formats: Vec<String>,
    /// Separator of list fields (such as a shipment's line numbers).
    pub list_separator: char,
}

impl Default for FileFormat {
    fn default() -> Self {
        Self {
            delimiter: ',',
            encoding: "utf-8".into(),
            decimal_separator: '.',
            thousands_separator: None,
            date_formats: vec!["%Y-%m-%d".into()],
            datetime_formats: vec!["%Y-%m-%d %H:%M:%S".into(), "%Y-%m-%dT%H:%M:%S".into()],
            list_separator: '|',
        }
    }
}

/// Where the fields of one entity come from.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityMapping {
    /// Canonical field → its source. Fields not listed are read from a column of their own name.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldSource>,
}

/// The source of one canonical field: a column name, or a full specification.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum FieldSource {
    Column(String),
    Spec(FieldSpec),
}

/// A field's source with its clean-up steps, applied in this order: read (`column`, `columns`
/// joined by a space, or the constant `value`), trim, `default` when empty, `trim_zeros`,
/// `upper`, `codes`, `prefix`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub column: Option<String>,
    pub columns: Option<Vec<String>>,
    pub value: Option<String>,
    pub default: Option<String>,
    #[serde(default)]
    pub trim_zeros: bool,
    #[serde(default)]
    pub upper: bool,
    /// The code table the value is looked up in; an unknown code quarantines the row.
    pub codes: Option<String>,
    pub prefix: Option<String>,
}

impl FieldSource {
    /// The source as a full specification.
    pub fn spec(&self) -> FieldSpec {
        match self {
            FieldSource::Column(c) => FieldSpec {
                column: Some(c.clone()),
                ..FieldSpec::default()
            },
            FieldSource::Spec(s) => s.clone(),
        }
    }
}

/// Why a profile is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("profile {name}: {problem}")]
pub struct ProfileError {
    pub name: String,
    pub problem: String,
}

impl Profile {
    /// Parses and checks a profile.
    pub fn parse(name: &str, text: &str) -> Result<Profile, ProfileError> {
        let fail = |problem: String| ProfileError {
            name: name.to_owned(),
            problem,
        };
        let profile: Profile = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
        profile.check().map_err(fail)?;
        Ok(profile)
    }

    /// A built-in profile by name.
    pub fn builtin(name: &str) -> Option<Profile> {
        BUILTIN.iter().find(|(n, _)| *n == name).map(|(n, text)| {
            Profile::parse(n, text).expect("built-in profiles are checked by tests")
        })
    }

    fn check(&self) -> Result<(), String> {
        let f = &self.format;
        if !matches!(f.delimiter, ',' | ';' | '\t' | '|') {
            return Err(format!(
                "delimiter {:?} is not one of , ; tab |",
                f.delimiter
            ));
        }
        if crate::read::encoding(&f.encoding).is_none() {
            return Err(format!(
                "encoding {:?} is unknown; use utf-8, latin-1 or windows-1252",
                f.encoding
            ));
        }
        if !matches!(f.decimal_separator, '.' | ',') {
            return Err("decimal_separator must be . or ,".into());
        }
        if f.thousands_separator == Some(f.decimal_separator) {
            return Err("thousands_separator and decimal_separator are the same".into());
        }
        if f.list_separator == f.delimiter {
            return Err("list_separator and delimiter are the same".into());
        }
        for (entity, mapping) in &self.entities {
            let Some(e) = Entity::parse(entity) else {
                return Err(format!(
                    "entity {entity:?} is unknown; the entities are {}",
                    Entity::names()
                ));
            };
            for (field, source) in &mapping.fields {
                if !e.fields().iter().any(|f| f.name == field) {
                    return Err(format!(
                        "{entity}: field {field:?} is not a field of {entity}; its fields are {}",
                        e.fields()
                            .iter()
                            .map(|f| f.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                let spec = source.spec();
                let sources = [
                    spec.column.is_some(),
                    spec.columns.is_some(),
                    spec.value.is_some(),
                ];
                if sources.iter().filter(|s| **s).count() != 1 {
                    return Err(format!(
                        "{entity}.{field}: give exactly one of column, columns or value"
                    ));
                }
                if let Some(table) = &spec.codes
                    && !self.codes.contains_key(table)
                {
                    return Err(format!("{entity}.{field}: no code table {table:?}"));
                }
            }
        }
        Ok(())
    }

    /// The mapping of `entity` (empty: canonical column names).
    pub fn mapping(&self, entity: Entity) -> EntityMapping {
        self.entities
            .get(entity.name())
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_profiles_are_valid() {
        for (name, _) in BUILTIN {
            let profile = Profile::builtin(name).expect("exists");
            assert_eq!(profile.name, name);
        }
    }

    #[test]
    fn a_profile_naming_an_unknown_field_or_code_table_is_refused_with_the_reason() {
        let e = Profile::parse(
            "x",
            "name = \"x\"\n[entities.orders.fields]\nsize = \"S\"\n",
        )
        .expect_err("unknown field");
        assert!(
            e.problem
                .contains("field \"size\" is not a field of orders"),
            "{e}"
        );
        let e = Profile::parse(
            "x",
            "name = \"x\"\n[entities.orders.fields]\nstatus = { column = \"S\", codes = \"st\" }\n",
        )
        .expect_err("unknown table");
        assert!(e.problem.contains("no code table \"st\""), "{e}");
        let e = Profile::parse("x", "name = \"x\"\n[entities.order]\n").expect_err("entity");
        assert!(e.problem.contains("entity \"order\" is unknown"), "{e}");
        let e = Profile::parse("x", "name = \"x\"\n[format]\nencoding = \"ebcdic\"\n")
            .expect_err("encoding");
        assert!(e.problem.contains("encoding \"ebcdic\" is unknown"), "{e}");
    }
}
