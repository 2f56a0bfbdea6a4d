//! The local stand-in for the ingest bucket's S3 trigger: while `portal serve` or `portal demo`
//! runs, exports copied into the data folder's ingest bucket under
//! `incoming/<source>/<entity>/` (the folder `s3/b2b-portal-ingest/incoming/...`) are handed to
//! the ingest function, as S3 events hand them over in AWS.

use ingest::layout::{INCOMING, is_export};
use ingest_files::{Handled, Ingestor};
use std::collections::HashMap;
use std::time::Duration;

/// How often the folder is looked at.
pub const EVERY: Duration = Duration::from_secs(2);

/// Hands every new or changed export to `function`, forever; `say` gets one line per file.
pub async fn watch(function: Ingestor, say: impl Fn(String) + Send + 'static) {
    // Key -> the listing's tag of what was handled; at start, exports already reported are
    // not handled again.
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut first = true;
    loop {
        match function.inbox().list_tagged(INCOMING).await {
            Ok(objects) => {
                for (key, tag) in objects {
                    if !is_export(&key) || seen.get(&key) == Some(&tag) {
                        continue;
                    }
                    if first && function.reported(&key).await.unwrap_or(false) {
                        seen.insert(key, tag);
                        continue;
                    }
                    match function.handle_key(&key).await {
                        Ok(Handled::Ingested { report, .. }) => say(report.summary()),
                        Ok(Handled::SetAside { key, reason, .. }) => {
                            say(format!("{key}: set aside to failed/: {reason}"))
                        }
                        Ok(_) => {}
                        Err(e) => {
                            // Not marked as seen: the next look tries it again.
                            say(format!("{key}: not ingested, trying again: {e}"));
                            continue;
                        }
                    }
                    seen.insert(key, tag);
                }
                first = false;
            }
            Err(e) => say(format!("cannot list the ingest bucket: {e}")),
        }
        tokio::time::sleep(EVERY).await;
    }
}
