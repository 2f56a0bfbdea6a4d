//! The only crate that knows DynamoDB, S3 and EventBridge.
//!
//! [`Store`] holds the SDK clients and offers one method per access pattern; the `keys` module
//! doc lists them with their keys. Reads that return customer data take the
//! [`Principal`](portal_domain::Principal) and answer `None` (or leave items out) for objects
//! outside its scope, so that no caller can forget the check. Every request-path read is a
//! `GetItem`, `BatchGetItem` or `Query`.
//!
//! # Modules
//!
//! - `keys`: the key design and every access pattern (in its module doc).
//! - `items`: domain values into items and back (an item that does not parse is an error naming
//!   its key), and the operations every module shares: `GetItem`, `BatchGetItem` and
//!   `BatchWriteItem` with retries of unprocessed keys, and `query_page` (below).
//! - `records`: one domain `Record` becomes one or more items.
//! - `upsert`: ingest's write path: records read with their source versions and revision, written
//!   in transactions (eight in flight) conditional on the revision read, children that came before
//!   their parent kept as orphans. A change the table would refuse whatever is stored (an item over
//!   400 KB, a key too long, more than a transaction holds) is not sent but answered with its
//!   reason (`Store::refusal`); a transaction the service still refuses as invalid is retried in
//!   halves, so that only that record is left out.
//! - `outbox`: the lake outbox, markers written in an order's own transaction for orders whose
//!   lines the lake may not have yet.
//! - `requests`: requests under their idempotency keys (claim, answer, fail; or the answer as
//!   an action of the caller's own transaction).
//! - `placement`: order numbers, and the one transaction that places a cart.
//! - `events`: the seller's event bus (EventBridge) the outbox's order events go to.
//! - `lake`: `Bucket` (whole objects of the lake and ingest buckets: listed, streamed, moved) and
//!   the lake bucket's layout.
//! - `cursor`: page keys sealed into signed cursors bound to principal and query.
//! - `schema`: creates the table and buckets locally.
//! - `graph`: batched reads for the GraphQL API (objects by id; children of many parents).
//! - `checkout`: an account's checkout rules, spending limits and spend, approval queue and
//!   decisions.
//! - `insights`: analytics runs, `runs` (publish, flip, retire) apart from `lists` (the served
//!   run's suggestions, outlooks and forecasts, their cursors bound to the run).
//! - `accounts`, `carts`, `catalog`, `orders`, `shipments`, `invoices`, `documents`,
//!   `pricing`: one module per entity, with its access patterns.
//!
//! # Bounded work
//!
//! The work of one request is bounded, whatever a partition holds, as DynamoDB bounds one `Query`
//! (1 MB): a page (`query_page`) evaluates at most 1,000 items (`MAX_EVALUATED`, read before a
//! filter drops them; a filtered page reads ahead 50, then twice as many each call) in at most
//! eight `Query` calls (`MAX_QUERIES`). When the bound comes first, the page is partial, possibly
//! empty, and its `next_cursor` continues where the reading stopped: a client that follows cursors
//! gets every match, one bounded request at a time (an account of 50,000 orders and a SKU that none
//! has: 51 requests of five calls each, none near the Lambda timeout). Lists that were whole before
//! (an order's shipments and documents, shipments by tracking number, a product's and an order
//! line's certificates) are paged like the others, 100 by default, so that their usual answers do
//! not change.
//!
//! Filters read what the key condition selects, so they are used only on one account's partition
//! (order status, SKU) or on small partitions. The SKU filter of the order history reads the
//! account's orders in the date range; an index per (account, SKU) is the way out if accounts with
//! tens of thousands of orders need it. The tracking-number partition is shared by every account
//! (carriers reuse numbers, exports file placeholders), and a product's partition collects every
//! account's batch certificates, so the caller's accounts are a filter of those queries: other
//! accounts' items neither fill a page nor leave a trace in it (a manager of more accounts than an
//! expression names, 300 and 50, is filtered after reading).
//!
//! The open balance is a sum, and a partial sum would be wrong: it reads the unpaid partition to
//! the end only up to 5,000 items (`MAX_UNPAID_SUMMED`, projected to currency, totals and due date,
//! at most 16 calls) and answers 422 `too-many-to-sum` beyond, pointing to
//! `/invoices?status=unpaid`. A balance kept up to date by ingest's transactions would have no
//! bound, but every write path (files, pushes, demo, corrections that change an amount or a
//! payment) would have to maintain it, the overdue part changes with the date without a write, and
//! one item per account would be a hot key for a large file's eight transactions in flight.
//!
//! An order line's certificates are its batch's (on the first page, from the batch's partition, at
//! most 100) and a filtered page of its product's own, within what the batch read left of the
//! bound. Still read whole: a batch's certificates (`/certificates?batch=`, a handful per batch by
//! design) and a manager's assignments.

mod accounts;
mod carts;
mod catalog;
mod checkout;
mod clients;
pub mod cursor;
mod documents;
mod error;
pub mod events;
mod graph;
mod insights;
mod invoices;
mod items;
pub mod keys;
pub mod lake;
mod orders;
pub mod outbox;
mod placement;
mod pricing;
mod records;
mod requests;
pub mod schema;
mod shipments;
pub mod upsert;

pub use carts::CartWrite;
pub use catalog::ProductQuery;
pub use checkout::{Decided, DecisionWrite, PendingApproval, SpendChange};
pub use clients::Clients;
pub use cursor::{CursorBinding, CursorCodec, CursorError, PageKey};
pub use documents::DownloadLink;
pub use error::StoreError;
pub use events::EventBus;
pub use graph::PARTITIONS_IN_FLIGHT;
pub use insights::{Flip, OutlookFilter, RUN_GRACE, RunItems, ServedRun};
pub use invoices::{InvoiceFilter, InvoiceStatusFilter, MAX_UNPAID_SUMMED, OpenBalance};
pub use items::{Item, MAX_EVALUATED, MAX_QUERIES, Page};
pub use lake::{Bucket, Lake, ObjectStream};
pub use orders::OrderFilter;
pub use placement::{EVENT_KEEP, Placed, Placement};
pub use records::items_of;
pub use requests::{Claim, PushedRequest, WriteAction};
pub use upsert::Written;

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

    /// The lake bucket `bucket`, over the store's S3 client.
    pub fn lake(&self, bucket: impl Into<String>) -> Lake {
        Lake::new(self.s3.clone(), bucket)
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
