//! Local mode's order-event publisher: what the table's stream and the order-events function
//! do in AWS. While `portal serve` or `portal demo` runs, a task reads the outbox's new events
//! (`Store::outbox_events`, by day) and the order-events [`Publisher`] puts them into the event
//! log, `events.jsonl` in the data folder, one line per event as EventBridge would carry it
//! (`source`, `detail-type`, `time`, `detail`). `portal events` prints the log, and with
//! `--follow` keeps printing what is added.

use chrono::{Days, NaiveDate, Utc};
use order_events::{Publisher, Sink};
use portal_domain::events::OrderEvent;
use portal_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The event log's file in the data folder.
pub fn log_path(data_dir: &Path) -> PathBuf {
    data_dir.join("events.jsonl")
}

/// Where the publisher has got to: the day and the last event published of it.
fn cursor_path(data_dir: &Path) -> PathBuf {
    data_dir.join("events.cursor.json")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cursor {
    day: NaiveDate,
    after: Option<String>,
}

/// The event log as a sink: each event appended as one JSON line.
#[derive(Debug, Clone)]
pub struct EventLog {
    path: PathBuf,
}

impl EventLog {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: log_path(data_dir),
        }
    }
}

impl Sink for EventLog {
    async fn put(&self, events: &[OrderEvent]) -> Result<Vec<String>, StoreError> {
        let mut text = String::new();
        for event in events {
            let line = serde_json::json!({
                "source": portal_store::events::SOURCE,
                "detail-type": event.event_type.as_str(),
                "time": event.occurred_at,
                "detail": event,
            });
            text.push_str(&line.to_string());
            text.push('\n');
        }
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        match written {
            Ok(()) => Ok(Vec::new()),
            Err(e) => Err(StoreError::Service {
                service: "event log",
                operation: "append",
                code: None,
                message: format!("{}: {e}", self.path.display()),
            }),
        }
    }
}

/// Publishes the outbox's events not published yet (those of the last week, at the first
/// run); how many.
pub async fn publish_new(store: &Store, data_dir: &Path) -> anyhow::Result<usize> {
    let today = Utc::now().date_naive();
    let week_ago = today - Days::new(7);
    let mut cursor: Cursor = std::fs::read(cursor_path(data_dir))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(|c: &Cursor| c.day >= week_ago)
        .unwrap_or(Cursor {
            day: week_ago,
            after: None,
        });
    let publisher = Publisher::new(EventLog::new(data_dir));
    let mut published = 0;
    loop {
        let events = store
            .outbox_events(cursor.day, cursor.after.as_deref())
            .await?;
        if let Some((last, _)) = events.last() {
            let batch: Vec<OrderEvent> = events.iter().map(|(_, e)| e.clone()).collect();
            let refused = publisher.publish(&batch).await;
            anyhow::ensure!(refused.is_empty(), "the event log took no events");
            published += batch.len();
            cursor.after = Some(last.clone());
        }
        if events.len() < 1000 {
            if cursor.day >= today {
                break;
            }
            cursor = Cursor {
                day: cursor.day + Days::new(1),
                after: None,
            };
        }
    }
    std::fs::write(cursor_path(data_dir), serde_json::to_vec(&cursor)?)?;
    Ok(published)
}

/// Publishes new events every half second, for as long as the server runs.
pub async fn publish_continuously(store: Store, data_dir: PathBuf) {
    loop {
        if let Err(e) = publish_new(&store, &data_dir).await {
            tracing::warn!(error = %e, "order events not published to the event log");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Prints the event log; with `follow`, keeps printing what is added.
pub async fn print(data_dir: &Path, follow: bool, mut out: impl Write) -> anyhow::Result<()> {
    let path = log_path(data_dir);
    let mut printed = 0;
    loop {
        let text = std::fs::read(&path).unwrap_or_default();
        if text.len() > printed {
            out.write_all(&text[printed..])?;
            out.flush()?;
            printed = text.len();
        }
        if !follow {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
