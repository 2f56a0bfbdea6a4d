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
    /// Counts one row's verdict.
    pub fn count(&mut self, verdict: &crate::merge::Verdict) {
        use crate::merge::Verdict;
        self.rows_read += 1;
        match verdict {
            Verdict::Loaded { waiting } => {
                self.loaded += 1;
                self.waiting_for_parent += u64::from(*waiting);
            }
            Verdict::Unchanged(_) => self.unchanged += 1,
            Verdict::Quarantined(_) => self.quarantined += 1,
        }
    }

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

/// How many quarantined rows an [`Outcome`](crate::Outcome) keeps in memory; all of them are
/// in its quarantine file.
pub const KEPT: usize = 1_000;

/// A file's quarantined rows as they come: the first [`KEPT`] in memory, every one of them in a
/// CSV file on disk (`row,line,reason,record`), so that a file of bad rows needs no memory for
/// them.
#[derive(Default)]
pub struct Quarantine {
    kept: Vec<QuarantinedRow>,
    file: Option<(csv::Writer<std::fs::File>, tempfile::TempPath)>,
}

impl Quarantine {
    pub fn push(&mut self, row: QuarantinedRow) -> std::io::Result<()> {
        if self.file.is_none() {
            let (file, path) = tempfile::NamedTempFile::new()?.into_parts();
            let mut writer = csv::Writer::from_writer(file);
            writer.write_record(["row", "line", "reason", "record"])?;
            self.file = Some((writer, path));
        }
        if let Some((writer, _)) = &mut self.file {
            writer.write_record([
                row.row.to_string(),
                row.line.to_string(),
                row.reason.clone(),
                row.record.clone(),
            ])?;
        }
        if self.kept.len() < KEPT {
            self.kept.push(row);
        }
        Ok(())
    }

    /// The rows kept in memory, and the file with every row (`None` when none was quarantined).
    pub fn finish(self) -> std::io::Result<(Vec<QuarantinedRow>, Option<tempfile::TempPath>)> {
        let path = match self.file {
            Some((mut writer, path)) => {
                writer.flush()?;
                Some(path)
            }
            None => None,
        };
        Ok((self.kept, path))
    }
}
