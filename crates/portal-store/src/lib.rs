//! The only crate that knows DynamoDB and S3.
//!
//! [`Store`] holds the SDK clients and offers one method per access pattern;
//! ARCHITECTURE.md lists them with their keys. Reads that return customer data
//! take the [`Principal`](portal_domain::Principal) and answer `None` (or leave
//! items out) for objects outside its scope, so that no caller can forget the
//! check. Every request-path read is a `GetItem`, `BatchGetItem` or `Query`.

mod accounts;
mod catalog;
pub mod cursor;
mod documents;
mod error;
mod insights;
mod invoices;
mod items;
pub mod keys;
pub mod lake;
mod orders;
pub mod outbox;
mod records;
mod requests;
pub mod schema;
mod shipments;
pub mod upsert;

pub use catalog::ProductQuery;
pub use cursor::{CursorBinding, CursorCodec, CursorError, PageKey};
pub use documents::DownloadLink;
pub use error::StoreError;
pub use insights::{RUN_GRACE, RunItems, ServedRun};
pub use invoices::{InvoiceFilter, InvoiceStatusFilter, MAX_UNPAID_SUMMED, OpenBalance};
pub use items::{Item, MAX_EVALUATED, MAX_QUERIES, Page};
pub use lake::{Bucket, Lake, ObjectStream};
pub use orders::OrderFilter;
pub use records::Record;
pub use requests::{Claim, PushedRequest};
pub use upsert::{Change, Current, Orphans, RecordKey, Versioned, Versions, Written};

use items::Table;
use std::time::Duration;

/// Names of the table and buckets the store uses.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub table: String,
    pub documents_bucket: String,
    /// How long a presigned download link stays valid.
    pub download_ttl: Duration,
}

/// DynamoDB and S3, as the portal uses them.
#[derive(Debug, Clone)]
pub struct Store {
    table: Table,
    s3: aws_sdk_s3::Client,
    config: StoreConfig,
}

impl Store {
    /// A store over clients built once per process (cold start).
    pub fn new(
        dynamodb: aws_sdk_dynamodb::Client,
        s3: aws_sdk_s3::Client,
        config: StoreConfig,
    ) -> Self {
        Self {
            table: Table {
                client: dynamodb,
                name: config.table.clone(),
            },
            s3,
            config,
        }
    }

    /// The DynamoDB client, for benchmarks that compare against the bare store.
    pub fn dynamodb(&self) -> &aws_sdk_dynamodb::Client {
        &self.table.client
    }

    /// The store's configuration.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Creates the table and bucket when missing (local mode and tests; SAM creates them in AWS).
    pub async fn ensure_resources(&self) -> Result<(), StoreError> {
        schema::ensure_table(&self.table.client, &self.table.name).await?;
        schema::ensure_bucket(&self.s3, &self.config.documents_bucket).await
    }
}
