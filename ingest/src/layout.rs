//! The ingest bucket's layout, the same in AWS and in the local data folder:
//!
//! - `incoming/<source>/<entity>/<file>`: exports dropped by the back-end systems (and the
//!   document files a `documents` export names, next to it); each new object starts an ingest;
//! - `profiles/<source>.toml`: a source's mapping profile (else the built-in one of that name);
//! - `reports/<source>/<entity>/<file>.report.json`: what ingesting the file did;
//! - `quarantine/<source>/<entity>/<file>.quarantine.csv`: every rejected row and why;
//! - `failed/<source>/<entity>/<file>` and `<file>.reason.txt`: a file that could not be read at
//!   all, moved aside (never retried).

use crate::entity::Entity;

pub const INCOMING: &str = "incoming/";

/// A dropped export's place, parsed from its object key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub source: String,
    pub entity: Entity,
    /// The path under the entity's folder.
    pub name: String,
}

/// Why an object key is not an export ingest can take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {problem}")]
pub struct KeyError {
    pub key: String,
    pub problem: String,
}

/// Parses `incoming/<source>/<entity>/<file>`.
pub fn dropped(key: &str) -> Result<Dropped, KeyError> {
    let fail = |problem: String| KeyError {
        key: key.to_owned(),
        problem,
    };
    let rest = key
        .strip_prefix(INCOMING)
        .ok_or_else(|| fail(format!("not under {INCOMING}")))?;
    let mut parts = rest.splitn(3, '/');
    let (Some(source), Some(entity), Some(name)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(fail(
            "exports go to incoming/<source>/<entity>/<file>".into(),
        ));
    };
    if !valid_source(source) {
        return Err(fail(format!(
            "source {source:?} must be letters, digits, '-' and '_'"
        )));
    }
    let entity = Entity::parse(entity).ok_or_else(|| {
        fail(format!(
            "{entity:?} is not an entity; the entities are {}",
            Entity::names()
        ))
    })?;
    if name.is_empty() || name.ends_with('/') {
        return Err(fail("no file name".into()));
    }
    Ok(Dropped {
        source: source.to_owned(),
        entity,
        name: name.to_owned(),
    })
}

/// Source names: what may appear in keys and lake object names.
pub fn valid_source(source: &str) -> bool {
    !source.is_empty()
        && source.len() <= 64
        && source
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether a dropped file is an export to ingest (else an attachment, such as a document's PDF).
pub fn is_export(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".csv", ".txt", ".tsv", ".jsonl", ".ndjson"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Whether an export is JSON lines (else CSV).
pub fn is_json_lines(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".jsonl") || lower.ends_with(".ndjson")
}

pub fn profile_key(source: &str) -> String {
    format!("profiles/{source}.toml")
}

/// The report of the latest file of this name.
pub fn report_key(source: &str, entity: Entity, name: &str) -> String {
    format!("reports/{source}/{entity}/{name}.report.json")
}

/// The quarantined rows of the latest file of this name.
pub fn quarantine_key(source: &str, entity: Entity, name: &str) -> String {
    format!("quarantine/{source}/{entity}/{name}.quarantine.csv")
}

/// The report of one file's contents (`file_id`), kept when a file of the same name follows.
pub fn file_report_key(source: &str, entity: Entity, name: &str, file_id: &str) -> String {
    format!("reports/{source}/{entity}/{name}.{file_id}.report.json")
}

/// The quarantined rows of one file's contents, kept when a file of the same name follows.
pub fn file_quarantine_key(source: &str, entity: Entity, name: &str, file_id: &str) -> String {
    format!("quarantine/{source}/{entity}/{name}.{file_id}.quarantine.csv")
}

pub fn failed_key(source: &str, entity: Entity, name: &str) -> String {
    format!("failed/{source}/{entity}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_keys_name_their_source_entity_and_file() {
        let d = dropped("incoming/sap/order-lines/2025/VBAP_20251231.csv").expect("valid");
        assert_eq!(d.source, "sap");
        assert_eq!(d.entity, Entity::OrderLines);
        assert_eq!(d.name, "2025/VBAP_20251231.csv");
        for bad in [
            "reports/sap/orders/x.csv",
            "incoming/sap/x.csv",
            "incoming/sap/order/x.csv",
            "incoming/s ap/orders/x.csv",
            "incoming/sap/orders/",
        ] {
            assert!(dropped(bad).is_err(), "{bad}");
        }
        assert!(is_export("VBAK.CSV") && is_export("rows.jsonl") && !is_export("cert.pdf"));
    }
}
