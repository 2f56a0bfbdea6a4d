//! Reports: each committed row counted (and kept in the quarantine file when rejected), and a
//! file's report and quarantine file written to the ingest bucket.

use super::commit::Committed;
use super::{FileInfo, IngestError, Outcome};
use crate::merge::Verdict;
use crate::report::{Counts, Quarantine, QuarantinedRow};

pub(super) fn tally(
    committed: &Committed,
    counts: &mut Counts,
    quarantined: &mut Quarantine,
) -> Result<(), IngestError> {
    for (row, verdict) in committed.rows.iter().zip(&committed.verdicts) {
        counts.count(verdict);
        if let Verdict::Quarantined(reason) = verdict {
            quarantined
                .push(QuarantinedRow {
                    row: row.row,
                    line: row.line,
                    reason: reason.clone(),
                    record: row.raw.clone(),
                })
                .map_err(|e| IngestError::Unreadable(format!("the quarantine file: {e}")))?;
        }
    }
    Ok(())
}

/// Writes a file's report, and its quarantine file when rows were rejected, to the ingest
/// bucket (see [`crate::layout`]): under the file's name for the latest file of that name, and
/// under its name and contents' id, so that a later file of the same name replaces neither.
/// The report names the quarantine file of its own contents.
pub async fn store_report(
    inbox: &portal_store::Bucket,
    info: &FileInfo,
    outcome: &mut Outcome,
) -> Result<(), IngestError> {
    use crate::layout::{file_quarantine_key, file_report_key, quarantine_key, report_key};
    let (source, entity, name) = (&info.source, info.entity, &info.name);
    if let Some(path) = &outcome.quarantine_csv {
        let kept = file_quarantine_key(source, entity, name, &info.file_id);
        for key in [&kept, &quarantine_key(source, entity, name)] {
            inbox.put_file(key, "text/csv; charset=utf-8", path).await?;
        }
        outcome.report.quarantine_file = Some(kept);
    }
    let report = serde_json::to_vec_pretty(&outcome.report)
        .map_err(|e| IngestError::Lake(format!("the report: {e}")))?;
    for key in [
        file_report_key(source, entity, name, &info.file_id),
        report_key(source, entity, name),
    ] {
        inbox.put(&key, "application/json", report.clone()).await?;
    }
    Ok(())
}
