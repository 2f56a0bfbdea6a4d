//! What each function asks of AWS in the tests, checked against what the SAM template grants its
//! role. The emulators do not enforce IAM, so a missing grant would otherwise first show in
//! production: the tests give every function its own SDK clients with a [`Recorder`]
//! interceptor, which keeps each request the function sends (and the status it got), and
//! [`ungranted`] turns each request into the IAM actions and resources it needs, as IAM
//! evaluates them (a transaction's parts one by one, a copy's source and target), and finds
//! those that the function's policies in `infra/template.yaml` do not allow.
//!
//! One rule is S3's own: a `GetObject` (or `HeadObject`) of a key that does not exist answers
//! 404 only to a caller that may `s3:ListBucket` the bucket, and 403 to everyone else. So a read
//! that got a 404 here, which the code took as "missing", needs `s3:ListBucket` on its bucket.

use crate::drift::Template;
use aws_sdk_s3::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use percent_encoding::percent_decode_str;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// The SAM template, as deployed.
pub use crate::drift::TEMPLATE;

/// One request a function sent, as it went on the wire.
#[derive(Debug, Clone)]
pub struct Call {
    /// The function's package (and binary), as `Metadata.BuildProperties.Binary` names it.
    pub function: &'static str,
    pub method: String,
    pub uri: String,
    /// DynamoDB's `X-Amz-Target` (`DynamoDB_20120810.GetItem`).
    pub target: Option<String>,
    /// S3's `x-amz-copy-source` (`bucket/key`).
    pub copy_source: Option<String>,
    /// Whether S3's `x-amz-tagging` was set (tags need their own permission).
    pub tagging: bool,
    /// The body, for DynamoDB (JSON naming the tables) and S3 batch deletes (XML naming keys).
    pub body: Option<Vec<u8>>,
    /// The HTTP status of the answer; `None` for a presigned request (a download link).
    pub status: Option<u16>,
}

/// The requests functions sent, shared by every client made with it.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Recorder {
    /// Every request recorded so far.
    /// The calls made, but for attempts a test's fault injection spoiled (they did nothing;
    /// the attempt before the fault, or the retry after it, is recorded as what it is).
    pub fn calls(&self) -> Vec<Call> {
        self.calls
            .lock()
            .expect("recorder")
            .iter()
            .filter(|c| {
                !c.target
                    .as_deref()
                    .is_some_and(|t| t.ends_with(".InjectedFault"))
            })
            .cloned()
            .collect()
    }

    /// A copy of `client` that records the requests it sends for `function`.
    pub fn dynamodb(
        &self,
        function: &'static str,
        client: &aws_sdk_dynamodb::Client,
    ) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(
            client
                .config()
                .to_builder()
                .interceptor(self.interceptor(function))
                .build(),
        )
    }

    /// A copy of `client` that records the requests it sends for `function`.
    pub fn s3(&self, function: &'static str, client: &aws_sdk_s3::Client) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            client
                .config()
                .to_builder()
                .interceptor(self.interceptor(function))
                .build(),
        )
    }

    fn interceptor(&self, function: &'static str) -> Recording {
        Recording {
            function,
            recorder: self.clone(),
        }
    }
}

#[derive(Debug)]
struct Recording {
    function: &'static str,
    recorder: Recorder,
}

/// Which recorded call the current attempt is, so its answer's status lands on it.
#[derive(Debug, Clone, Copy)]
struct Slot(usize);

impl Storable for Slot {
    type Storer = StoreReplace<Self>;
}

impl Intercept for Recording {
    fn name(&self) -> &'static str {
        "RecordAwsCalls"
    }

    // Runs for presigned requests too, which stop before they are sent.
    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        let request = context.request();
        let header = |name: &str| request.headers().get(name).map(str::to_owned);
        let target = header("x-amz-target");
        let uri = request.uri().to_owned();
        let keep_body = target.is_some() || (request.method() == "POST" && uri.contains("delete"));
        let call = Call {
            function: self.function,
            method: request.method().to_owned(),
            uri,
            target,
            copy_source: header("x-amz-copy-source"),
            tagging: header("x-amz-tagging").is_some(),
            body: keep_body
                .then(|| request.body().bytes().map(<[u8]>::to_vec))
                .flatten(),
            status: None,
        };
        let mut calls = self.recorder.calls.lock().expect("recorder");
        calls.push(call);
        cfg.interceptor_state().store_put(Slot(calls.len() - 1));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        if let (Some(Slot(index)), Some(response)) = (cfg.load::<Slot>(), context.response())
            && let Some(call) = self
                .recorder
                .calls
                .lock()
                .expect("recorder")
                .get_mut(*index)
        {
            call.status = Some(response.status().as_u16());
        }
        Ok(())
    }
}

/// The physical names of the table and buckets in the tests, with the template's logical ids.
pub type Names<'a> = &'a [(&'a str, &'a str)];

/// An IAM action on a resource, the resource written as the template writes it
/// (`${Table.Arn}/index/GSI1`, `${IngestBucket.Arn}/profiles/sap.toml`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Need {
    pub action: String,
    pub resource: String,
    /// What the function did that needs it.
    pub because: String,
    /// The table partition keys (`PK`) a DynamoDB request touches, when the request names them
    /// all: what a grant conditioned on `dynamodb:LeadingKeys` is checked against.
    pub partitions: Vec<String>,
}

fn arn(names: Names<'_>, physical: &str) -> String {
    names
        .iter()
        .find(|(name, _)| *name == physical)
        .map(|(_, logical)| format!("${{{logical}.Arn}}"))
        .unwrap_or_else(|| format!("<{physical}, not a resource of the template>"))
}

fn need(action: &str, resource: String, because: &str) -> Need {
    Need {
        action: action.to_owned(),
        resource,
        because: because.to_owned(),
        partitions: Vec::new(),
    }
}

/// The table's partition key attribute.
const PARTITION_KEY: &str = "PK";

/// The partition key of an item or key (`{"PK": {"S": ...}}`).
fn partition(item: &serde_json::Value) -> Option<String> {
    item[PARTITION_KEY]["S"].as_str().map(str::to_owned)
}

/// The partition a `Query` on the table names in its key condition (`PK = :pk`).
fn queried_partition(body: &serde_json::Value) -> Option<String> {
    if body["IndexName"].is_string() {
        return None;
    }
    let condition = body["KeyConditionExpression"].as_str()?;
    condition.split(" AND ").find_map(|part| {
        let (name, value) = part.split_once('=')?;
        let name = name.trim();
        let name = body["ExpressionAttributeNames"][name]
            .as_str()
            .unwrap_or(name);
        (name == PARTITION_KEY)
            .then(|| body["ExpressionAttributeValues"][value.trim()]["S"].as_str())
            .flatten()
            .map(str::to_owned)
    })
}

/// `need` on `partitions`, when every one is known.
fn keyed(mut need: Need, partitions: Vec<Option<String>>) -> Need {
    need.partitions = partitions
        .into_iter()
        .collect::<Option<_>>()
        .unwrap_or_default();
    need
}

impl Call {
    /// The IAM permissions this request needs.
    pub fn needs(&self, names: Names<'_>) -> Vec<Need> {
        match &self.target {
            Some(target) => self.dynamodb_needs(target, names),
            None => self.s3_needs(names),
        }
    }

    fn dynamodb_needs(&self, target: &str, names: Names<'_>) -> Vec<Need> {
        let operation = target.rsplit('.').next().unwrap_or(target);
        let body: serde_json::Value = self
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or_default();
        let table = |value: &serde_json::Value| arn(names, value.as_str().unwrap_or("?"));
        let because = format!("DynamoDB {operation}");
        match operation {
            // IAM evaluates a transaction's parts as the single-item actions they are.
            "TransactWriteItems" | "TransactGetItems" => body["TransactItems"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|item| item.as_object()?.iter().next())
                .map(|(kind, part)| {
                    let action = match kind.as_str() {
                        "Put" => "dynamodb:PutItem",
                        "Delete" => "dynamodb:DeleteItem",
                        "Update" => "dynamodb:UpdateItem",
                        "ConditionCheck" => "dynamodb:ConditionCheckItem",
                        _ => "dynamodb:GetItem",
                    };
                    let key = if kind == "Put" {
                        &part["Item"]
                    } else {
                        &part["Key"]
                    };
                    keyed(
                        need(
                            action,
                            table(&part["TableName"]),
                            &format!("{because} ({kind})"),
                        ),
                        vec![partition(key)],
                    )
                })
                .collect(),
            "BatchGetItem" | "BatchWriteItem" => body["RequestItems"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, requests)| {
                    let keys = match requests["Keys"].as_array() {
                        Some(keys) => keys.iter().map(partition).collect(),
                        None => requests
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|r| {
                                partition(&r["PutRequest"]["Item"])
                                    .or_else(|| partition(&r["DeleteRequest"]["Key"]))
                            })
                            .collect(),
                    };
                    keyed(
                        need(&format!("dynamodb:{operation}"), arn(names, name), &because),
                        keys,
                    )
                })
                .collect(),
            _ => {
                let mut resource = table(&body["TableName"]);
                if let Some(index) = body["IndexName"].as_str() {
                    resource = format!("{resource}/index/{index}");
                }
                let key = match operation {
                    "Query" => queried_partition(&body),
                    "PutItem" => partition(&body["Item"]),
                    _ => partition(&body["Key"]),
                };
                vec![keyed(
                    need(&format!("dynamodb:{operation}"), resource, &because),
                    vec![key],
                )]
            }
        }
    }

    fn s3_needs(&self, names: Names<'_>) -> Vec<Need> {
        let Ok(url) = url::Url::parse(&self.uri) else {
            return vec![need("?", self.uri.clone(), "an S3 request")];
        };
        // Path-style, as the tests' clients send: /<bucket>/<key>.
        let path = url.path().trim_start_matches('/');
        let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
        let bucket = percent_decode_str(bucket).decode_utf8_lossy().into_owned();
        let key = percent_decode_str(key).decode_utf8_lossy().into_owned();
        let query: BTreeSet<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        let has = |name: &str| query.contains(name);
        let bucket_arn = arn(names, &bucket);
        let object = format!("{bucket_arn}/{key}");
        let method = self.method.as_str();
        let because = format!("S3 {method} {bucket}/{key}");
        let one = |action: &str, resource: String| vec![need(action, resource, &because)];
        let mut needs = match (method, key.is_empty()) {
            ("GET", true) if has("versions") => one("s3:ListBucketVersions", bucket_arn.clone()),
            ("GET", true) if has("uploads") => {
                one("s3:ListBucketMultipartUploads", bucket_arn.clone())
            }
            ("GET" | "HEAD", true) => one("s3:ListBucket", bucket_arn.clone()),
            ("GET", false) if has("tagging") => one("s3:GetObjectTagging", object),
            ("GET", false) if has("uploadId") => one("s3:ListMultipartUploadParts", object),
            ("GET" | "HEAD", false) if has("versionId") => one("s3:GetObjectVersion", object),
            ("GET" | "HEAD", false) => one("s3:GetObject", object),
            ("PUT", true) => one("s3:CreateBucket", bucket_arn.clone()),
            ("PUT", false) if has("tagging") => one("s3:PutObjectTagging", object),
            ("PUT", false) => {
                let mut needs = one("s3:PutObject", object.clone());
                if self.tagging {
                    needs.extend(one("s3:PutObjectTagging", object));
                }
                if let Some(source) = &self.copy_source {
                    let source = percent_decode_str(source.trim_start_matches('/'))
                        .decode_utf8_lossy()
                        .into_owned();
                    let source = source.split('?').next().unwrap_or_default();
                    let (from_bucket, from_key) = source.split_once('/').unwrap_or((source, ""));
                    needs.extend(one(
                        "s3:GetObject",
                        format!("{}/{from_key}", arn(names, from_bucket)),
                    ));
                }
                needs
            }
            ("DELETE", false) if has("uploadId") => one("s3:AbortMultipartUpload", object),
            ("DELETE", false) if has("versionId") => one("s3:DeleteObjectVersion", object),
            ("DELETE", false) => one("s3:DeleteObject", object),
            ("DELETE", true) => one("s3:DeleteBucket", bucket_arn.clone()),
            ("POST", true) if has("delete") => {
                let body = String::from_utf8_lossy(self.body.as_deref().unwrap_or_default());
                body.split("<Key>")
                    .skip(1)
                    .filter_map(|rest| rest.split("</Key>").next())
                    .map(|k| need("s3:DeleteObject", format!("{bucket_arn}/{k}"), &because))
                    .collect()
            }
            ("POST", false) => one("s3:PutObject", object),
            _ => one(&format!("s3:? ({method})"), object),
        };
        // A missing key answers 404 only to a caller who may list the bucket (else 403).
        if matches!(method, "GET" | "HEAD") && !key.is_empty() && self.status == Some(404) {
            needs.push(need(
                "s3:ListBucket",
                bucket_arn,
                &format!("{because} answered 404 (without s3:ListBucket, S3 answers 403)"),
            ));
        }
        needs
    }
}

/// Whether `pattern` (IAM's `*` and `?` wildcards) matches `text`.
pub fn matches(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some((c, rest)) => t
                .split_first()
                .is_some_and(|(first, tail)| (*c == '?' || c == first) && go(rest, tail)),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

/// A resource as the template writes it, in the form [`Need`] uses (`Table.Arn` is `${Table.Arn}`).
fn normalised(resource: &str) -> String {
    if !resource.contains("${") && resource.ends_with(".Arn") {
        format!("${{{resource}}}")
    } else {
        resource.to_owned()
    }
}

/// Every call whose needs the template does not grant to its function's role, as
/// `Function: action on resource (because)`, once each.
pub fn ungranted(template: &Template, calls: &[Call], names: Names<'_>) -> Vec<String> {
    let mut problems = BTreeSet::new();
    for call in calls {
        let Some(function) = template.function(call.function) else {
            problems.insert(format!("{}: not a function of the template", call.function));
            continue;
        };
        for need in call.needs(names) {
            let allowed = function.grants.iter().any(|(action, resource)| {
                matches(action, &need.action) && matches(&normalised(resource), &need.resource)
            }) || function
                .key_scoped
                .iter()
                .any(|(action, resource, pattern)| {
                    matches(action, &need.action)
                        && matches(&normalised(resource), &need.resource)
                        && !need.partitions.is_empty()
                        && need.partitions.iter().all(|key| matches(pattern, key))
                });
            if !allowed {
                let on = if need.partitions.is_empty() {
                    String::new()
                } else {
                    format!(" (partitions {})", need.partitions.join(", "))
                };
                problems.insert(format!(
                    "{} ({}) may not {} on {}{on} ({}), which it does",
                    function.logical_id, call.function, need.action, need.resource, need.because
                ));
            }
        }
    }
    problems.into_iter().collect()
}
