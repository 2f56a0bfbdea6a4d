//! Reading an export, row by row, in bounded memory: decode the bytes (byte-order marks,
//! UTF-8 or Latin-1), split CSV records (quoted newlines, the profile's delimiter), map the
//! source's columns to canonical fields by the profile, and parse each row into an update. A row
//! that fails any step carries its reason; only a file that cannot be read at all (no header,
//! a required column missing) is an error.
//!
//! JSON lines (one object of canonical fields per line) take the same path from the mapping on.
//!
//! `delimited` reads CSV (with `crlf` for its line ends), `json` reads JSON lines and pushed
//! rows, and `mapper` holds what both share.

mod crlf;
mod delimited;
mod json;
mod mapper;
#[cfg(test)]
mod tests;

pub use delimited::{CsvRows, csv_rows, encoding};
pub use json::{JsonRows, json_rows, json_values, pushed_rows};
pub use mapper::{Mapper, SourceRow};

use crate::entity::Arrival;
use crate::{Entity, Profile};
use std::io::Read;

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
