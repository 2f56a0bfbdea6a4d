//! Legacy integration: data from the seller's back-end systems (ERP, CRM, carriers, document
//! archives), normalised once, on the way in.
//!
//! [`profile`] reads a source system's mapping profile (TOML); [`read`] decodes its exports and
//! maps each row to the canonical fields of an [`entity`], parsing values with [`values`];
//! [`merge`] holds the rules by which rows change stored records (source versions: newer wins,
//! replays change nothing); [`run`] drives a file through them in bounded memory, writing the
//! store with conditional transactions and the touched orders' lines to the lake; [`report`]
//! counts every row as loaded, unchanged or quarantined; [`layout`] is the ingest bucket's.
//!
//! `read`, `entity` and `merge` are pure: they work on `portal_domain::records` (the records, the
//! state read and the changes to write) and name no store type; only `run` does IO.

pub mod entity;
pub mod layout;
pub mod merge;
pub mod profile;
pub mod read;
pub mod report;
pub mod run;
pub mod values;

pub use entity::Entity;
pub use merge::Verdict;
pub use profile::Profile;
pub use report::{Counts, FileReport, QuarantinedRow};
pub use run::{Batch, DocumentFiles, FileInfo, IngestError, NoFiles, Outcome, Target};
