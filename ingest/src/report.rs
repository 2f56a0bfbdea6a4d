//! The per-file report and quarantine file: every row read is loaded, unchanged or quarantined,
//! and the report says whether the counts add up.

use serde::Serialize;

/// Row counts of one file (or one pushed batch).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub rows_read: u64,
    pub loaded: u64,
    pub unchanged: u64,
    pub quarantined: u64,
    /// Of `loaded`: rows kept until their parent arrives (order lines before their order).
    pub waiting_for_parent: u64,
}

impl Counts {
    /// Whether every row read is accounted for exactly once.
    pub fn add_up(&self) -> bool {
        self.loaded + self.unchanged + self.quarantined == self.rows_read
    }
}

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantinedRow {
    pub row: u64,
    pub line: u64,
    pub reason: String,
    /// The row as the source wrote it.
    pub record: String,
}

/// What ingesting one file did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    pub source: String,
    pub entity: String,
    pub file: String,
    /// The file's identity (content hash or object ETag), which names its lake objects.
    pub file_id: String,
    #[serde(flatten)]
    pub counts: Counts,
    pub counts_add_up: bool,
    /// Where the quarantine file was written, when any row was quarantined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarantine_file: Option<String>,
    /// Lake objects written (order lines of the orders the file touched).
    pub lake_objects: usize,
    pub started_at: String,
    pub seconds: f64,
}

impl FileReport {
    /// One line for people: what happened, and whether anything needs a look.
    pub fn summary(&self) -> String {
        let c = &self.counts;
        let mut text = format!(
            "{}: {} rows read, {} loaded, {} unchanged, {} quarantined",
            self.file, c.rows_read, c.loaded, c.unchanged, c.quarantined
        );
        if c.waiting_for_parent > 0 {
            text.push_str(&format!(
                " ({} waiting for their parent record)",
                c.waiting_for_parent
            ));
        }
        if c.rows_read > 0 && c.loaded == 0 && c.quarantined == 0 {
            text.push_str(": nothing changed");
        }
        text
    }
}

/// The quarantine file's bytes: `row,line,reason,record`, one rejected row per record.
pub fn quarantine_csv(rows: &[QuarantinedRow]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(["row", "line", "reason", "record"]);
    for r in rows {
        let _ = writer.write_record([
            r.row.to_string(),
            r.line.to_string(),
            r.reason.clone(),
            r.record.clone(),
        ]);
    }
    writer.into_inner().unwrap_or_default()
}
