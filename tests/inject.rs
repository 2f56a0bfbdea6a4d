//! Fault injection on the real SDK clients: an interceptor that answers chosen attempts of
//! chosen operations with the error AWS would send (throttling, a cancelled transaction, a
//! server error), so that tests can see what every write path does when a step fails: the SDK's
//! and the store's retries, and the clear error when they run out.
//!
//! A rule names an operation as the request shows it (`TransactWriteItems`, from DynamoDB's
//! `X-Amz-Target`; `PutObject`, `GetObject`, `DeleteObject`, `HeadObject`, `ListObjects` for
//! S3, from the method and path) and how many of its next attempts fail. Such an attempt is
//! spoiled on its way out, so that the emulator refuses it without doing anything (as AWS does
//! work it throttles or cancels), and its answer is replaced by the fault's before the SDK reads
//! it; except [`Fault::AnswerLost`], whose request is done and only its answer lost.

use aws_sdk_s3::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use aws_smithy_types::retry::RetryConfig;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The error an injected attempt answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// DynamoDB's `ThrottlingException` (400), or S3's `SlowDown` (503).
    Throttled,
    /// DynamoDB's `TransactionCanceledException` with a `TransactionConflict` reason for each of
    /// `actions` actions (another transaction touched an item).
    Conflict { actions: usize },
    /// A 500 `InternalServerError` (DynamoDB) or `InternalError` (S3).
    ServerError,
    /// The request is done, but its answer is lost: the caller sees a 500 (a timeout after the
    /// service acted).
    AnswerLost,
}

#[derive(Debug, Clone)]
struct Rule {
    operation: &'static str,
    remaining: usize,
    fault: Fault,
}

/// The faults to inject, shared by every client made with it.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<Rule>>>,
    injected: Arc<Mutex<Vec<&'static str>>>,
}

/// The fault of the attempt under way, if it has one, and whether it is DynamoDB's.
#[derive(Debug, Clone, Copy)]
struct Injected(Option<(Fault, bool)>);

impl Storable for Injected {
    type Storer = StoreReplace<Self>;
}

const OPERATIONS: [&str; 12] = [
    "TransactWriteItems",
    "BatchGetItem",
    "BatchWriteItem",
    "GetItem",
    "PutItem",
    "DeleteItem",
    "Query",
    "PutObject",
    "GetObject",
    "DeleteObject",
    "HeadObject",
    "ListObjects",
];

impl Faults {
    /// Fails the next `times` attempts of `operation` with `fault`.
    pub fn fail(&self, operation: &'static str, times: usize, fault: Fault) -> &Self {
        assert!(
            OPERATIONS.contains(&operation),
            "unknown operation {operation}"
        );
        self.rules.lock().expect("faults").push(Rule {
            operation,
            remaining: times,
            fault,
        });
        self
    }

    /// Drops every rule not used up yet.
    pub fn clear(&self) {
        self.rules.lock().expect("faults").clear();
    }

    /// The operations whose attempts were answered with a fault, in order.
    pub fn injected(&self) -> Vec<&'static str> {
        self.injected.lock().expect("faults").clone()
    }

    /// A copy of `client` with the faults injected, retrying quickly (the standard mode, three
    /// attempts, 10 ms backoff) so that tests do not wait a real backoff out.
    pub fn dynamodb(&self, client: &aws_sdk_dynamodb::Client) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(
            client
                .config()
                .to_builder()
                .retry_config(quick_retries())
                .interceptor(self.clone())
                .build(),
        )
    }

    /// A copy of `client` with the faults injected (see [`Faults::dynamodb`]).
    pub fn s3(&self, client: &aws_sdk_s3::Client) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            client
                .config()
                .to_builder()
                .retry_config(quick_retries())
                .interceptor(self.clone())
                .build(),
        )
    }

    /// The fault for one attempt of `operation`, using up one of its rule's attempts.
    fn take(&self, operation: &'static str) -> Option<Fault> {
        let mut rules = self.rules.lock().expect("faults");
        let rule = rules
            .iter_mut()
            .find(|r| r.operation == operation && r.remaining > 0)?;
        rule.remaining -= 1;
        self.injected.lock().expect("faults").push(operation);
        Some(rule.fault)
    }
}

fn quick_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(50))
}

/// The operation a request is, as far as the rules name operations.
fn operation_of(method: &str, uri: &str, target: Option<&str>) -> Option<&'static str> {
    if let Some(target) = target {
        let name = target.rsplit('.').next()?;
        return OPERATIONS.iter().copied().find(|o| *o == name);
    }
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    Some(match method {
        "PUT" if !query.contains("tagging") => "PutObject",
        "GET" if query.contains("list-type") => "ListObjects",
        "GET" => "GetObject",
        "HEAD" => "HeadObject",
        "DELETE" => "DeleteObject",
        _ => return None,
    })
}

/// The answer AWS sends for `fault`, in the service's protocol.
fn answer(fault: Fault, dynamodb: bool) -> http::Response<SdkBody> {
    let (status, body, content_type) = match (fault, dynamodb) {
        (Fault::Throttled, true) => (
            400,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput (injected)"}"#.to_owned(),
            "application/x-amz-json-1.0",
        ),
        (Fault::Conflict { actions }, true) => {
            let reasons = vec![
                r#"{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item (injected)"}"#;
                actions.max(1)
            ]
            .join(",");
            (
                400,
                format!(
                    r#"{{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"Transaction cancelled (injected)","CancellationReasons":[{reasons}]}}"#
                ),
                "application/x-amz-json-1.0",
            )
        }
        (_, true) => (
            500,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error (injected)"}"#.to_owned(),
            "application/x-amz-json-1.0",
        ),
        (Fault::Throttled, false) => (
            503,
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate (injected)</Message></Error>".to_owned(),
            "application/xml",
        ),
        (_, false) => (
            500,
            "<Error><Code>InternalError</Code><Message>We encountered an internal error (injected)</Message></Error>".to_owned(),
            "application/xml",
        ),
    };
    let mut response = http::Response::builder()
        .status(status)
        .header("content-type", content_type);
    if dynamodb {
        let code = body
            .split('#')
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned();
        response = response.header("x-amzn-errortype", code);
    }
    response
        .body(SdkBody::from(body))
        .expect("a valid response")
}

impl Intercept for Faults {
    fn name(&self) -> &'static str {
        "InjectFaults"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        let request = context.request_mut();
        let target = request.headers().get("x-amz-target").map(str::to_owned);
        let dynamodb = target.is_some();
        let fault = operation_of(request.method(), request.uri(), target.as_deref())
            .and_then(|operation| self.take(operation));
        if let Some(fault) = fault
            && fault != Fault::AnswerLost
        {
            // Spoiled, so the emulator does nothing: an unknown operation for DynamoDB, a
            // signature that no longer matches for S3.
            if dynamodb {
                request
                    .headers_mut()
                    .insert("x-amz-target", "DynamoDB_20120810.InjectedFault");
            } else {
                let uri = request.uri().to_owned();
                let spoiled = if uri.contains('?') {
                    format!("{uri}&injected-fault=1")
                } else {
                    format!("{uri}?injected-fault=1")
                };
                request.set_uri(spoiled)?;
            }
        }
        cfg.interceptor_state()
            .store_put(Injected(fault.map(|f| (f, dynamodb))));
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        if let Some(Injected(Some((fault, dynamodb)))) = cfg.load::<Injected>().copied() {
            *context.response_mut() = answer(fault, dynamodb).try_into()?;
        }
        Ok(())
    }
}
