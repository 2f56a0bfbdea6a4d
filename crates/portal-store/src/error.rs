//! What can go wrong in the store.

use crate::cursor::CursorError;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// A store failure. Missing or invisible objects are not errors: reads return `None`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A call to DynamoDB or S3 failed.
    #[error("{service} {operation} failed: {message}")]
    Service {
        service: &'static str,
        operation: &'static str,
        /// The service's error code, such as `ThrottlingException`, when it sent one.
        code: Option<String>,
        message: String,
    },
    /// An item does not parse into its domain type: the data, not the request, is wrong.
    #[error("item {key} does not parse: {source}")]
    Corrupt {
        key: String,
        #[source]
        source: serde_dynamo::Error,
    },
    /// A value could not be turned into an item.
    #[error("cannot write {what}: {source}")]
    Serialise {
        what: String,
        #[source]
        source: serde_dynamo::Error,
    },
    /// A pagination cursor was forged, altered, or belongs to another query.
    #[error(transparent)]
    Cursor(#[from] CursorError),
    /// Items stayed unprocessed after every retry of a batch write.
    #[error("{0} items stayed unprocessed after retries")]
    Unprocessed(usize),
    /// Stored amounts add up beyond what a decimal holds (about 7.9 × 10²⁸). Ingest bounds every
    /// amount, so only data stored before it did can get here; `what` names the sum.
    #[error(
        "{what} cannot be summed: the amounts add up beyond the largest number the portal represents"
    )]
    Overflow { what: String },
    /// A read whose answer needs every item (a sum) matched more than it may read in one
    /// request; a partial answer would be wrong.
    #[error("{what} would sum more than {most} {items}: more than one request reads")]
    TooManyToSum {
        what: String,
        most: usize,
        items: &'static str,
    },
}

impl StoreError {
    /// Whether the failure is the service pushing back (throttling, capacity), worth a 503 and a retry.
    pub fn is_throttling(&self) -> bool {
        matches!(self, StoreError::Service { code: Some(code), .. } if code.contains("Throttl") || code.contains("ProvisionedThroughputExceeded") || code == "SlowDown" || code == "RequestLimitExceeded")
    }
}

/// Maps an SDK error of a DynamoDB operation to a [`StoreError`].
pub(crate) fn dynamo<E, R>(operation: &'static str) -> impl FnOnce(SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    service("DynamoDB", operation)
}

/// Maps an SDK error of an S3 operation to a [`StoreError`].
pub(crate) fn s3<E, R>(operation: &'static str) -> impl FnOnce(SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    service("S3", operation)
}

/// Maps an SDK error of an EventBridge operation to a [`StoreError`].
pub(crate) fn eventbridge<E, R>(
    operation: &'static str,
) -> impl FnOnce(SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    service("EventBridge", operation)
}

fn service<E, R>(
    service: &'static str,
    operation: &'static str,
) -> impl FnOnce(SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |err| StoreError::Service {
        service,
        operation,
        code: err.code().map(str::to_owned),
        message: DisplayErrorContext(&err).to_string(),
    }
}
