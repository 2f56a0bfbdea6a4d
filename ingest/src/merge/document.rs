//! How a document row changes a document, and the name and type of its file's object.

use super::state::State;
use crate::entity::{DocumentFields, Version, version_text};
use portal_domain::model::Document;
use portal_domain::records::Record;

/// A document: the same file keeps its object, another gets one of its own.
pub(super) fn apply_document(
    state: &mut State,
    d: &DocumentFields,
    version: &Version,
) -> Result<(), String> {
    // The same file keeps its object; another gets one of its own (see `file_revision`).
    let file_revision = match &state.record {
        Some(Record::Document(old))
            if old
                .file_revision
                .as_deref()
                .is_some_and(|r| r.split('.').next() == Some(d.revision.as_str())) =>
        {
            old.file_revision.clone()
        }
        _ => Some(file_revision(&d.revision, version)),
    };
    state.record = Some(Record::Document(Document {
        id: d.id.clone(),
        kind: d.kind,
        title: d.title.clone(),
        file_name: d.file.clone(),
        content_type: content_type(&d.file).into(),
        size_bytes: d.size_bytes,
        issued_on: d.issued_on,
        links: d.links.clone(),
        audience: d.audience.clone(),
        file_revision,
    }));
    Ok(())
}

/// A document file's content type, by its extension.
pub fn content_type(file: &str) -> &'static str {
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".pdf") {
        "application/pdf"
    } else if lower.ends_with(".png") {
        "image/png"
    } else if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        "image/jpeg"
    } else {
        "application/octet-stream"
    }
}

/// The revision naming a document file's object: the digest of its bytes, then a digest of the
/// version of the row that brought it. So an object is never written again once a record has
/// moved past it, even when a later row brings the same bytes back: the ingest that replaces a
/// file can remove the old object without racing one that restores it.
fn file_revision(content: &str, version: &Version) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(version_text(version).as_bytes());
    format!(
        "{content}.{:02x}{:02x}{:02x}{:02x}",
        digest[0], digest[1], digest[2], digest[3]
    )
}
