//! Source versions: how rows are ordered in time, from the version a row gives or the place it
//! arrived in, and their text form stored beside records.

use super::row::{Row, RowError, Values};
use crate::values::Formats;
use chrono::{DateTime, Utc};

/// A source's version of a row, compared in time order.
///
/// A row that carries no version of its own takes the time its file or request arrived and its
/// place there (see [`Arrival`]): of two such rows of one batch the one further down is the newer,
/// so a source that sends a record twice corrects it instead of conflicting with itself; two
/// batches arriving within one millisecond (or two files S3 stamps with the same second) are
/// ordered by their identity, the same way on every re-run. Ties between versions the source gave
/// stay conflicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// The row's own version or time, or the time it arrived.
    pub at: DateTime<Utc>,
    /// For a row without a version of its own: its batch and place in it.
    pub place: Option<Place>,
}

/// Where a row without a version of its own came: its batch (a digest of the file's or request's
/// identity) and its 1-based row number there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub batch: u32,
    pub row: u64,
}

/// When a file or a pushed request arrived, and which one it was: the version of its rows that
/// give none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub at: DateTime<Utc>,
    batch: u32,
}

impl Arrival {
    /// The arrival at `at` of the batch `id` (a file's or request's identity, the same on every
    /// re-run of it).
    pub fn new(at: DateTime<Utc>, id: &str) -> Arrival {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(id.as_bytes());
        Arrival {
            at,
            batch: u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]),
        }
    }

    /// The version of its `row`th row (1-based) when that row gives none.
    pub fn version(&self, row: u64) -> Version {
        Version {
            at: self.at,
            place: Some(Place {
                batch: self.batch,
                row,
            }),
        }
    }
}

impl Version {
    /// A version the source gave (a `version` field, an event's time).
    pub fn given(at: DateTime<Utc>) -> Version {
        Version { at, place: None }
    }
}

/// The text form of a version as stored beside records: fixed width, so text order is the order
/// of [`Version`] (a given version sorts before rows arriving in the same millisecond), e.g.
/// `2026-12-04T10:15:00.000Z` or `2026-12-04T10:15:00.000Z 1a2b3c4d row 0000000042`.
pub fn version_text(v: &Version) -> String {
    let at = v.at.format("%Y-%m-%dT%H:%M:%S%.3fZ");
    match v.place {
        None => at.to_string(),
        Some(Place { batch, row }) => format!("{at} {batch:08x} row {row:010}"),
    }
}

/// How far a row's version may be ahead of its arrival (`fallback`, the file's or the request's
/// time). A version in the future would make every later correction "older than the stored
/// data" until that day (SAP writes 9999-12-31 for "no date"); a day covers local times read as
/// UTC in any time zone.
pub const MAX_VERSION_AHEAD: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// The version of the `row`th row of a file or request that arrived as `arrived`: its own
/// `version` field, else (for events) its time, else its place in the arrival
/// ([`Arrival::version`]). A version more than [`MAX_VERSION_AHEAD`] after the arrival is refused.
pub fn version_of(
    values: &Values,
    formats: &Formats,
    arrived: Arrival,
    row: u64,
) -> Result<Version, RowError> {
    let fields = Row {
        values,
        formats,
        fields: &[],
    };
    let (field, version) = match fields.opt_datetime("version")? {
        Some(v) => ("version", v),
        None => match fields.opt_datetime("at")? {
            Some(at) => ("at", at),
            None => return Ok(arrived.version(row)),
        },
    };
    if version > arrived.at + MAX_VERSION_AHEAD {
        return Err(RowError(format!(
            "{field}: {} is in the future (the row arrived at {}); a version more than a day \
             ahead would hold back every later correction, so the row is refused (a placeholder \
             date such as 9999-12-31, or local time read as UTC?)",
            version_text(&Version::given(version)),
            version_text(&Version::given(arrived.at))
        )));
    }
    Ok(Version::given(version))
}
