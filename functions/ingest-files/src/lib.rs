//! The ingest function: every export dropped into the ingest bucket under
//! `incoming/<source>/<entity>/` is parsed with its source's profile, merged into the table and
//! the lake by the `ingest` crate, and reported on (see `ingest::layout` for the bucket's
//! layout).
//!
//! A file that cannot be read at all (no profile for its source, no header, a required column
//! missing) is moved aside to `failed/` with a `.reason.txt` beside it and the event succeeds:
//! retrying would fail the same way. Anything else that fails (the table throttling, S3 down)
//! fails the invocation, so Lambda retries it and, after the retries, sends the event to the
//! dead-letter queue; re-running a file is always safe. Files other than exports (a document's
//! PDF dropped beside its `documents` export) are left where they are for that export to read.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::s3::S3Event;
use ingest::entity::Arrival;
use ingest::layout::{self, Dropped};
use ingest::read::{OpenError, rows};
use ingest::run::{chunked, store_report};
use ingest::{DocumentFiles, FileInfo, FileReport, IngestError, Profile, Target};
use portal_store::{Bucket, Clients, StoreConfig};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The environment variables the function reads.
pub const VARIABLES: [&str; 4] = [
    "PORTAL_TABLE",
    "PORTAL_DOCUMENTS_BUCKET",
    "PORTAL_LAKE_BUCKET",
    "PORTAL_INGEST_BUCKET",
];

/// Why the function failed (and the event is retried).
#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    #[error("missing setting {0}")]
    Config(&'static str),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] portal_store::StoreError),
    #[error("the event is neither an S3 notification nor an EventBridge S3 event: {0}")]
    Event(String),
}

/// What became of one object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Handled {
    Ingested {
        key: String,
        report: Box<FileReport>,
    },
    /// Not an export (a document's file): it waits for the export that names it.
    Attachment { key: String },
    /// Could not be read at all: moved to `failed/` with the reason beside it.
    SetAside {
        key: String,
        moved_to: String,
        reason: String,
    },
    /// Not under `incoming/` or in another bucket: not ingest's.
    Ignored { key: String, reason: String },
}

/// The function's clients and buckets, built once per cold start.
#[derive(Debug, Clone)]
pub struct Ingestor {
    target: Target,
    inbox: Bucket,
}

impl Ingestor {
    /// From `PORTAL_TABLE`, `PORTAL_DOCUMENTS_BUCKET`, `PORTAL_LAKE_BUCKET`,
    /// `PORTAL_INGEST_BUCKET` and the default AWS credential chain.
    pub async fn from_env() -> Result<Ingestor, FunctionError> {
        let var = |name: &'static str| std::env::var(name).map_err(|_| FunctionError::Config(name));
        Ok(Ingestor::new(
            &Clients::from_env().await,
            &var("PORTAL_TABLE")?,
            &var("PORTAL_DOCUMENTS_BUCKET")?,
            &var("PORTAL_LAKE_BUCKET")?,
            &var("PORTAL_INGEST_BUCKET")?,
        ))
    }

    pub fn new(
        clients: &Clients,
        table: &str,
        documents_bucket: &str,
        lake_bucket: &str,
        ingest_bucket: &str,
    ) -> Ingestor {
        let store = clients.store(StoreConfig {
            table: table.to_owned(),
            documents_bucket: documents_bucket.to_owned(),
            download_ttl: Duration::from_secs(300),
        });
        Ingestor {
            target: Target {
                store,
                lake: clients.lake(lake_bucket),
                format: portal_lake_parquet::PARQUET,
                // A failed invocation is retried whole, lake writes included.
                lake_outbox: false,
            },
            inbox: clients.bucket(ingest_bucket),
        }
    }

    /// Handles an S3 notification (`Records`) or an EventBridge "Object Created" event.
    pub async fn handle(&self, event: &serde_json::Value) -> Result<Vec<Handled>, FunctionError> {
        let mut handled = Vec::new();
        for (bucket, key) in Trigger::of(event)?.objects()? {
            if bucket != self.inbox.bucket() {
                handled.push(Handled::Ignored {
                    key,
                    reason: format!("bucket {bucket} is not the ingest bucket"),
                });
                continue;
            }
            handled.push(self.handle_key(&key).await?);
        }
        Ok(handled)
    }

    /// Ingests the object `key` of the ingest bucket.
    pub async fn handle_key(&self, key: &str) -> Result<Handled, FunctionError> {
        if !key.starts_with(layout::INCOMING) {
            return Ok(Handled::Ignored {
                key: key.to_owned(),
                reason: format!("not under {}", layout::INCOMING),
            });
        }
        let dropped = match layout::dropped(key) {
            Ok(d) => d,
            Err(e) => return self.set_aside(key, None, &e.problem).await,
        };
        if !layout::is_export(&dropped.name) {
            return Ok(Handled::Attachment {
                key: key.to_owned(),
            });
        }
        let profile = match self.profile(&dropped.source).await? {
            Ok(p) => p,
            Err(reason) => return self.set_aside(key, Some(&dropped), &reason).await,
        };
        let Some(object) = self.inbox.open(key).await? else {
            return Ok(Handled::Ignored {
                key: key.to_owned(),
                reason: "the object is gone (already handled?)".into(),
            });
        };
        let file_id = file_id(object.etag.as_deref(), key);
        // The file's time and identity version its rows that give none.
        let arrival = Arrival::new(
            object.last_modified.unwrap_or_else(chrono::Utc::now),
            &file_id,
        );
        let name = dropped.name.clone();
        let entity = dropped.entity;
        let body = tokio_util::io::SyncIoBridge::new(object.body);
        let opened = tokio::task::spawn_blocking(move || {
            rows(
                std::io::BufReader::new(body),
                &name,
                &profile,
                entity,
                arrival,
            )
        })
        .await
        .map_err(|e| IngestError::Unreadable(format!("the reader stopped: {e}")))?;
        let rows = match opened {
            Ok(rows) => rows,
            Err(OpenError::Unreadable(e)) => {
                return self.set_aside(key, Some(&dropped), &e.0).await;
            }
            // The input failed, not the file: fail the invocation, which is retried.
            Err(OpenError::Input(e)) => return Err(IngestError::Read(e).into()),
        };
        let info = FileInfo {
            source: dropped.source.clone(),
            entity,
            name: dropped.name.clone(),
            file_id,
        };
        let beside = Beside {
            inbox: self.inbox.clone(),
            folder: folder_of(key),
        };
        let mut outcome = self
            .target
            .ingest(&info, chunked(entity, rows), &beside, &|_| {})
            .await?;
        store_report(&self.inbox, &info, &mut outcome).await?;
        tracing::info!(
            key,
            rows = outcome.report.counts.rows_read,
            loaded = outcome.report.counts.loaded,
            unchanged = outcome.report.counts.unchanged,
            quarantined = outcome.report.counts.quarantined,
            "ingested"
        );
        Ok(Handled::Ingested {
            key: key.to_owned(),
            report: Box::new(outcome.report),
        })
    }

    /// The ingest bucket.
    pub fn inbox(&self) -> &Bucket {
        &self.inbox
    }

    /// Whether the export at `key` already has a report of its current contents.
    pub async fn reported(&self, key: &str) -> Result<bool, FunctionError> {
        let Ok(d) = layout::dropped(key) else {
            return Ok(false);
        };
        let Some(etag) = self.inbox.etag(key).await? else {
            return Ok(false);
        };
        let current = file_id(Some(&etag), key);
        let report = self
            .inbox
            .get_if_exists(&layout::report_key(&d.source, d.entity, &d.name))
            .await?;
        Ok(report
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .is_some_and(|r| r["file_id"] == current.as_str()))
    }

    /// The source's profile: `profiles/<source>.toml` in the ingest bucket, else the built-in
    /// one of that name. `Err` (the reason) when there is none or it is invalid.
    async fn profile(&self, source: &str) -> Result<Result<Profile, String>, FunctionError> {
        if let Some(bytes) = self
            .inbox
            .get_if_exists(&layout::profile_key(source))
            .await?
        {
            let text = match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => return Ok(Err(format!("profiles/{source}.toml is not UTF-8"))),
            };
            return Ok(Profile::parse(source, &text).map_err(|e| e.to_string()));
        }
        Ok(Profile::builtin(source).ok_or_else(|| {
            format!(
                "no mapping profile for source {source:?}: put profiles/{source}.toml in the \
                 ingest bucket, or use a built-in source ({})",
                ingest::profile::BUILTIN.map(|(n, _)| n).join(", ")
            )
        }))
    }

    /// Moves an unreadable file to `failed/` and writes the reason beside it.
    async fn set_aside(
        &self,
        key: &str,
        dropped: Option<&Dropped>,
        reason: &str,
    ) -> Result<Handled, FunctionError> {
        let moved_to = match dropped {
            Some(d) => layout::failed_key(&d.source, d.entity, &d.name),
            None => format!("failed/{}", key.trim_start_matches(layout::INCOMING)),
        };
        self.inbox
            .put(
                &format!("{moved_to}.reason.txt"),
                "text/plain; charset=utf-8",
                format!("{key}: {reason}\n").into_bytes(),
            )
            .await?;
        self.inbox.rename(key, &moved_to).await?;
        tracing::warn!(key, moved_to, reason, "set aside");
        Ok(Handled::SetAside {
            key: key.to_owned(),
            moved_to,
            reason: reason.to_owned(),
        })
    }
}

/// The folder of an object key, with its trailing slash.
fn folder_of(key: &str) -> String {
    key.rfind('/')
        .map_or(String::new(), |i| key[..=i].to_owned())
}

/// A file's identity for its lake objects: its ETag's letters and digits (they change with its
/// contents), else a digest of its key.
fn file_id(etag: Option<&str>, key: &str) -> String {
    let id: String = etag
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    if id.is_empty() {
        format!("{:016x}", fnv(key))
    } else {
        id
    }
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Document files, read from the export's folder in the ingest bucket.
struct Beside {
    inbox: Bucket,
    folder: String,
}

impl DocumentFiles for Beside {
    async fn read(&self, name: &str) -> Result<Option<Vec<u8>>, IngestError> {
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Ok(None);
        }
        Ok(self
            .inbox
            .get_if_exists(&format!("{}{name}", self.folder))
            .await?)
    }
}

/// What starts the function: an EventBridge "Object Created" event from the ingest bucket (as
/// the template wires it), or a direct S3 notification.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Trigger {
    Bridge(Box<EventBridgeEvent<ObjectCreated>>),
    Notification(S3Event),
}

/// The detail of an EventBridge "Object Created" event from S3 (the parts ingest reads).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectCreated {
    pub bucket: Named,
    pub object: ObjectKey,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Named {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectKey {
    pub key: String,
}

impl Trigger {
    /// The event an invocation got, or why it is none of the two.
    pub fn of(event: &serde_json::Value) -> Result<Trigger, FunctionError> {
        serde_json::from_value(event.clone()).map_err(|e| {
            let start: String = event.to_string().chars().take(200).collect();
            FunctionError::Event(format!("{e}: {start}"))
        })
    }

    /// The (bucket, key) pairs it names: an S3 notification's records (keys URL-encoded, spaces
    /// as `+`) or the EventBridge event's object (its key as it is).
    pub fn objects(&self) -> Result<Vec<(String, String)>, FunctionError> {
        match self {
            Trigger::Bridge(event) => Ok(vec![(
                event.detail.bucket.name.clone(),
                event.detail.object.key.clone(),
            )]),
            Trigger::Notification(event) => event
                .records
                .iter()
                .map(|r| match (&r.s3.bucket.name, &r.s3.object.key) {
                    (Some(bucket), Some(key)) => Ok((bucket.clone(), url_decode(key))),
                    _ => Err(FunctionError::Event(
                        "a record without bucket or key".into(),
                    )),
                })
                .collect(),
        }
    }
}

/// An S3 notification of one created object, as S3 sends it (the key URL-encoded): for local
/// drops and tests.
pub fn notification(bucket: &str, key: &str) -> serde_json::Value {
    let encoded: String = key
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    serde_json::json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "eu-north-1",
        "eventTime": "2026-12-04T10:00:00.000Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "192.0.2.1"},
        "responseElements": {},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "ingest",
            "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
            "object": {"key": encoded, "size": 0, "sequencer": "0"}
        }
    }]})
}

fn url_decode(key: &str) -> String {
    percent_encoding::percent_decode_str(&key.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_event_shapes_name_their_objects_and_anything_else_is_refused() {
        let objects = |event: serde_json::Value| Trigger::of(&event)?.objects();
        assert_eq!(
            objects(notification("in", "incoming/sap/orders/VBAK 2025ä.csv")).expect("objects"),
            vec![(
                "in".to_owned(),
                "incoming/sap/orders/VBAK 2025ä.csv".to_owned()
            )]
        );
        let bridge = serde_json::json!({"version": "0", "id": "e-1",
            "detail-type": "Object Created", "source": "aws.s3", "account": "123456789012",
            "time": "2026-12-04T10:00:00Z", "region": "eu-north-1", "resources": [],
            "detail": {"version": "0", "bucket": {"name": "in"},
                "object": {"key": "incoming/sap/orders/a+b.csv", "size": 5, "etag": "x"},
                "reason": "PutObject"}});
        assert_eq!(
            objects(bridge).expect("objects"),
            vec![("in".to_owned(), "incoming/sap/orders/a+b.csv".to_owned())]
        );
        assert!(objects(serde_json::json!({"hello": 1})).is_err());
    }

    #[test]
    fn a_files_lake_id_follows_its_contents() {
        assert_eq!(
            file_id(Some("\"9b2cf535f27731c974343645a3985328\""), "k"),
            "9b2cf535f27731c9"
        );
        assert_eq!(file_id(Some("abc-12"), "k"), "abc12");
        assert_eq!(file_id(None, "k").len(), 16);
        assert_eq!(
            folder_of("incoming/sap/documents/DOCS.csv"),
            "incoming/sap/documents/"
        );
    }
}
