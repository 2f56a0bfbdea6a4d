//! The data lake bucket: order lines as Parquet for the analytics job (written by ingest and by
//! `portal seed`), the job's shard parts, and the reports of published runs.
//!
//! Layout (the same in AWS and in the local data folder):
//! - `order-lines/month=YYYY-MM/lines.parquet`: one object per month of seeded order lines;
//! - `order-lines/month=YYYY-MM/ingest-{source}-{file}-{chunk}.parquet`: the current lines of
//!   the orders an ingested file touched (the job keeps each order's latest revision);
//! - `analytics/jobs/{job_id}.input.json`: the order-line objects a job's plan pinned for its
//!   shards to read, until it publishes;
//! - `analytics/jobs/{job_id}/plan/globals.json` and `.../plan/lines-{i}-of-{n}.parquet`: what
//!   a job's plan computed from the whole input for its shards, and each shard's own lines
//!   (`analytics::pipeline::Globals`), until it publishes;
//! - `analytics/jobs/{job_id}/shard-{i}-of-{n}.json`: a job's shard parts until it publishes;
//! - `analytics/jobs/{job_id}.published.json`: what a job's publish did;
//! - `analytics/runs/{run_id}/{file}`: a published run's `reorder_predictions`, `accounts`,
//!   `forecasts` (CSV and Parquet) and `run.json`.

use crate::StoreError;
use aws_sdk_s3::primitives::ByteStream;

/// Where order lines live.
pub const ORDER_LINES_PREFIX: &str = "order-lines/";

/// The object of one month's order lines (`month` as `YYYY-MM`).
pub fn order_lines_key(month: &str) -> String {
    format!("{ORDER_LINES_PREFIX}month={month}/lines.parquet")
}

/// The folder of a job's shard parts.
pub fn job_prefix(job_id: &str) -> String {
    format!("{JOBS_PREFIX}{job_id}/")
}

/// A shard part's object.
pub fn shard_key(job_id: &str, index: u32, count: u32) -> String {
    format!("{}shard-{index}-of-{count}.json", job_prefix(job_id))
}

/// Where a job's shard parts are (and nothing else).
pub fn shard_parts_prefix(job_id: &str) -> String {
    format!("{}shard-", job_prefix(job_id))
}

/// An object of a job's plan: `file` is its globals' or a shard's lines' file name.
pub fn job_plan_key(job_id: &str, file: &str) -> String {
    format!("{}plan/{file}", job_prefix(job_id))
}

/// The order-line objects a job's plan pinned: every shard of the job reads exactly these.
pub fn job_input_key(job_id: &str) -> String {
    format!("{JOBS_PREFIX}{job_id}{JOB_INPUT_SUFFIX}")
}

/// Where jobs keep their inputs, parts and records.
pub const JOBS_PREFIX: &str = "analytics/jobs/";
/// The end of a job input's key.
pub const JOB_INPUT_SUFFIX: &str = ".input.json";

/// What a job's publish step did, kept after its shard parts are removed, so that a retried
/// publish answers the same instead of failing.
pub fn job_published_key(job_id: &str) -> String {
    format!("{JOBS_PREFIX}{job_id}.published.json")
}

/// Where the runs' reports are, one folder per run.
pub const RUNS_PREFIX: &str = "analytics/runs/";

/// A published run's report file.
pub fn run_file_key(run_id: &str, file: &str) -> String {
    format!("{RUNS_PREFIX}{run_id}/{file}")
}

/// An object of ingest's order lines: one per month, source file and chunk of that file, so a
/// re-run of the same file rewrites its own objects. `extension`: `parquet` or `csv`.
pub fn ingested_lines_key(
    month: &str,
    source: &str,
    file_id: &str,
    chunk: usize,
    extension: &str,
) -> String {
    format!("{ORDER_LINES_PREFIX}month={month}/ingest-{source}-{file_id}-{chunk:06}.{extension}")
}

/// The lake bucket.
pub type Lake = Bucket;

/// A bucket of objects the portal reads and writes whole (the lake, the ingest bucket).
#[derive(Debug, Clone)]
pub struct Bucket {
    s3: aws_sdk_s3::Client,
    bucket: String,
}

impl Bucket {
    pub fn new(s3: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            s3,
            bucket: bucket.into(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Creates the bucket when missing (local mode and tests; SAM creates it in AWS).
    pub async fn ensure(&self) -> Result<(), StoreError> {
        crate::schema::ensure_bucket(&self.s3, &self.bucket).await
    }

    pub async fn put(
        &self,
        key: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(crate::error::s3("PutObject"))?;
        Ok(())
    }

    /// Puts a file's contents, streamed from disk.
    pub async fn put_file(
        &self,
        key: &str,
        content_type: &str,
        path: &std::path::Path,
    ) -> Result<(), StoreError> {
        let body = ByteStream::from_path(path)
            .await
            .map_err(|e| StoreError::Service {
                service: "S3",
                operation: "PutObject",
                code: None,
                message: format!("reading {}: {e}", path.display()),
            })?;
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(body)
            .send()
            .await
            .map_err(crate::error::s3("PutObject"))?;
        Ok(())
    }

    /// The object's bytes; a missing object is an error.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        self.get_if_exists(key)
            .await?
            .ok_or_else(|| StoreError::Service {
                service: "S3",
                operation: "GetObject",
                code: Some("NoSuchKey".into()),
                message: format!("no object {key} in {}", self.bucket),
            })
    }

    /// The object's bytes, or `None` when there is no such object.
    pub async fn get_if_exists(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(out) = self.get_object(key).await? else {
            return Ok(None);
        };
        let bytes = out.body.collect().await.map_err(|e| StoreError::Service {
            service: "S3",
            operation: "GetObject",
            code: None,
            message: format!("reading {key}: {e}"),
        })?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }

    /// Every key under `prefix`, in key order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .list_tagged(prefix)
            .await?
            .into_iter()
            .map(|(key, _)| key)
            .collect())
    }

    /// Every key under `prefix` with a tag that changes whenever the object is written again
    /// (its ETag, size and time), in key order.
    pub async fn list_tagged(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self
            .list_objects(prefix)
            .await?
            .into_iter()
            .map(|o| {
                let tag = format!(
                    "{}|{}|{}",
                    o.e_tag().unwrap_or_default(),
                    o.size().unwrap_or_default(),
                    o.last_modified().map(|t| t.to_string()).unwrap_or_default()
                );
                (o.key().unwrap_or_default().to_owned(), tag)
            })
            .collect())
    }

    /// Every key under `prefix` with when its object was last written, in key order.
    pub async fn list_modified(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, chrono::DateTime<chrono::Utc>)>, StoreError> {
        Ok(self
            .list_objects(prefix)
            .await?
            .into_iter()
            .filter_map(|o| {
                let at = o.last_modified()?;
                let at = chrono::DateTime::from_timestamp(at.secs(), at.subsec_nanos())?;
                Some((o.key()?.to_owned(), at))
            })
            .collect())
    }

    /// Every object under `prefix`, in key order.
    async fn list_objects(
        &self,
        prefix: &str,
    ) -> Result<Vec<aws_sdk_s3::types::Object>, StoreError> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(crate::error::s3("ListObjectsV2"))?;
            keys.extend(out.contents().iter().filter(|o| o.key().is_some()).cloned());
            match out.next_continuation_token() {
                Some(next) if out.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => break,
            }
        }
        keys.sort_by(|a, b| a.key().cmp(&b.key()));
        Ok(keys)
    }

    /// An object's contents as a stream (for files too large to hold), with what identifies
    /// this version of it; `None` when there is no such object.
    pub async fn open(&self, key: &str) -> Result<Option<ObjectStream>, StoreError> {
        let Some(out) = self.get_object(key).await? else {
            return Ok(None);
        };
        let last_modified = out
            .last_modified()
            .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()));
        Ok(Some(ObjectStream {
            etag: out.e_tag().map(|e| e.trim_matches('"').to_owned()),
            last_modified,
            body: Box::new(out.body.into_async_read()),
        }))
    }

    /// `GetObject`, with a missing object as `None`.
    async fn get_object(
        &self,
        key: &str,
    ) -> Result<Option<aws_sdk_s3::operation::get_object::GetObjectOutput>, StoreError> {
        match self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(out)),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(e) => Err(crate::error::s3("GetObject")(e)),
        }
    }

    /// An object's ETag (without quotes), read with `HeadObject`; `None` when there is no such
    /// object.
    pub async fn etag(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self
            .s3
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(
                out.e_tag().unwrap_or_default().trim_matches('"').to_owned(),
            )),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(e) => Err(crate::error::s3("HeadObject")(e)),
        }
    }

    /// Moves an object to another key of the same bucket (copy, then delete).
    pub async fn rename(&self, from: &str, to: &str) -> Result<(), StoreError> {
        self.s3
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{}", self.bucket, encode_key(from)))
            .key(to)
            .send()
            .await
            .map_err(crate::error::s3("CopyObject"))?;
        self.delete(from).await
    }

    /// Deletes one object (a missing one is no error, as in S3).
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.s3
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(crate::error::s3("DeleteObject"))?;
        Ok(())
    }

    /// Deletes `key` only if its ETag is still `etag` (S3's conditional delete, `If-Match`):
    /// an object written again since it was listed stays. `false` when it was not deleted
    /// (changed or gone meanwhile). Emulators that ignore `If-Match` delete it regardless.
    pub async fn delete_if_match(&self, key: &str, etag: &str) -> Result<bool, StoreError> {
        let result = self
            .s3
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .if_match(etag)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.raw_response().map(|r| r.status().as_u16()),
                    Some(404 | 409 | 412)
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(crate::error::s3("DeleteObject")(e)),
        }
    }

    /// Deletes every object under `prefix`.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<(), StoreError> {
        for key in self.list(prefix).await? {
            self.delete(&key).await?;
        }
        Ok(())
    }
}

/// An object being read.
pub struct ObjectStream {
    /// The object's ETag, without quotes: it changes whenever the contents do.
    pub etag: Option<String>,
    pub last_modified: Option<chrono::DateTime<chrono::Utc>>,
    pub body: Box<dyn tokio::io::AsyncBufRead + Send + Unpin>,
}

impl std::fmt::Debug for ObjectStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStream")
            .field("etag", &self.etag)
            .field("last_modified", &self.last_modified)
            .finish_non_exhaustive()
    }
}

/// A key as the `x-amz-copy-source` header wants it: each path segment percent-encoded.
fn encode_key(key: &str) -> String {
    key.split('/')
        .map(|segment| {
            segment
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}
