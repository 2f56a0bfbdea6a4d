//! `portal ingest <source> <entity> FILE...`: what the ingest function does with a dropped
//! export, on this machine: the same parsing, merge rules and conditional writes against the
//! data folder's table and lake, the same report and quarantine objects in its ingest bucket.

use crate::LocalApp;
use crate::server::INGEST_BUCKET;
use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use ingest::layout::{report_key, valid_source};
use ingest::read::rows;
use ingest::run::{chunked, store_report};
use ingest::{DocumentFiles, Entity, FileInfo, IngestError, Outcome, Profile};
use portal_store::Bucket;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// `portal ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The source system, such as `sap` or `generic`: it names the mapping profile (a
    /// `profiles/<source>.toml` in the ingest bucket, else the built-in one) and the reports.
    pub source: String,
    /// What the files hold: accounts, products, orders, order-lines, order-status, shipments,
    /// tracking-events, invoices, invoice-payments or documents.
    pub entity: String,
    /// Export files (CSV as the profile says, or JSON lines: *.jsonl, *.ndjson).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Use this mapping profile (TOML) instead of the source's.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// No progress bar (for scripts and logs).
    #[arg(long)]
    pub quiet: bool,
}

/// Document files, read from the folder of the export that names them.
struct Beside(PathBuf);

impl DocumentFiles for Beside {
    async fn read(&self, name: &str) -> Result<Option<Vec<u8>>, IngestError> {
        // Only files in that folder: a row cannot reach elsewhere.
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Ok(None);
        }
        match tokio::fs::read(self.0.join(name)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(IngestError::Unreadable(format!("{name}: {e}"))),
        }
    }
}

/// The profile of `source`: `--profile`, else the ingest bucket's, else the built-in one.
async fn profile(bucket: &Bucket, args: &IngestArgs) -> anyhow::Result<Profile> {
    if let Some(path) = &args.profile {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the profile {}", path.display()))?;
        return Ok(Profile::parse(&path.display().to_string(), &text)?);
    }
    if let Some(bytes) = bucket
        .get_if_exists(&ingest::layout::profile_key(&args.source))
        .await?
    {
        let text = String::from_utf8(bytes).context("the source's profile is not UTF-8")?;
        return Ok(Profile::parse(&args.source, &text)?);
    }
    Profile::builtin(&args.source).with_context(|| {
        format!(
            "no mapping profile for source {:?}: pass --profile FILE, put profiles/{}.toml in the \
             ingest bucket, or use a built-in source ({})",
            args.source,
            args.source,
            ingest::profile::BUILTIN.map(|(n, _)| n).join(", ")
        )
    })
}

/// The first 16 hex digits of the file's SHA-256: its identity in the lake.
fn file_id(path: &Path) -> anyhow::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Ingests the files one after the other; prints each file's report. Fails (after trying every
/// file) when a file could not be read at all or its counts do not add up.
pub async fn run(data_dir: &Path, args: IngestArgs) -> anyhow::Result<String> {
    anyhow::ensure!(
        valid_source(&args.source),
        "source {:?} must be letters, digits, '-' and '_'",
        args.source
    );
    let entity = Entity::parse(&args.entity).with_context(|| {
        format!(
            "{:?} is not an entity; the entities are {}",
            args.entity,
            Entity::names()
        )
    })?;
    let app = LocalApp::open(data_dir).await?;
    let profile = profile(&app.ingest_bucket(), &args).await?;
    let mut out = String::new();
    let mut failed = Vec::new();
    for path in &args.files {
        match ingest_file(&app, &profile, &args.source, entity, path, !args.quiet).await {
            Ok((_, text)) => out.push_str(&text),
            Err(e) => {
                out.push_str(&format!("{}: {e:#}\n", path.display()));
                failed.push(path.display().to_string());
            }
        }
    }
    if !failed.is_empty() {
        anyhow::bail!("{out}not ingested: {}", failed.join(", "));
    }
    Ok(out)
}

/// Ingests one export file into the app's data folder, reading the documents it names from its
/// folder, and writes its report (and quarantine file) to the ingest bucket. Returns the outcome
/// and a text for people.
pub async fn ingest_file(
    app: &LocalApp,
    profile: &Profile,
    source: &str,
    entity: Entity,
    path: &Path,
    show_progress: bool,
) -> anyhow::Result<(Outcome, String)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("{} is not a file", path.display()))?;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata()?.len();
    let modified: chrono::DateTime<chrono::Utc> = file.metadata()?.modified()?.into();
    let info = FileInfo {
        source: source.to_owned(),
        entity,
        name: name.clone(),
        file_id: file_id(path)?,
    };
    let reader = CountingReader::new(file);
    let position = reader.position();
    let reader = std::io::BufReader::with_capacity(1 << 20, reader);
    let arrival = ingest::entity::Arrival::new(modified, &info.file_id);
    let rows = rows(reader, &name, profile, entity, arrival)
        .map_err(|e| anyhow::anyhow!("cannot be read: {e}"))?;
    let bar = if show_progress {
        ProgressBar::new(size).with_style(
            ProgressStyle::with_template(
                "{msg:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {prefix}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        )
    } else {
        ProgressBar::hidden()
    };
    bar.set_message(name.clone());
    let progress = |c: &ingest::Counts| {
        bar.set_position(position.load(std::sync::atomic::Ordering::Relaxed));
        bar.set_prefix(format!(
            "{} rows: {} loaded, {} unchanged, {} quarantined",
            c.rows_read, c.loaded, c.unchanged, c.quarantined
        ));
    };
    let directory = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let outcome = app
        .ingest_target()
        .ingest(&info, chunked(entity, rows), &Beside(directory), &progress)
        .await?;
    bar.finish_and_clear();
    write_report(&app.ingest_bucket(), &info, outcome, &app.data_dir).await
}

/// Writes the report (and quarantine file) to the ingest bucket; the text says where.
async fn write_report(
    bucket: &Bucket,
    info: &FileInfo,
    mut outcome: Outcome,
    data_dir: &Path,
) -> anyhow::Result<(Outcome, String)> {
    store_report(bucket, info, &mut outcome).await?;
    let mut text = outcome.report.summary();
    if let Some(key) = &outcome.report.quarantine_file {
        text.push_str(&format!(
            "\n  quarantined rows and why: {}",
            local_path(data_dir, key).display()
        ));
    }
    let key = report_key(&info.source, info.entity, &info.name);
    text.push_str(&format!(
        "\n  report: {}\n",
        local_path(data_dir, &key).display()
    ));
    anyhow::ensure!(
        outcome.report.counts_add_up,
        "{text}the counts do not add up: this is a defect, please report it"
    );
    Ok((outcome, text))
}

/// A reader that shares how many bytes it has read, for the progress bar.
struct CountingReader<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R> CountingReader<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            read: Default::default(),
        }
    }
    fn position(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.read.clone()
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// The ingest bucket's local path of an object, for people to open.
pub fn local_path(data_dir: &Path, key: &str) -> PathBuf {
    data_dir.join("s3").join(INGEST_BUCKET).join(key)
}
