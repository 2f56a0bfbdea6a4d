//! The real SDK clients, pointed at an emulator's endpoint.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

fn credentials() -> Credentials {
    Credentials::new(
        crate::emulators::ACCESS_KEY,
        crate::emulators::SECRET_KEY,
        None,
        None,
        "portal-local",
    )
}

/// A DynamoDB client for `endpoint` (the embedded emulator, or moto in CI).
pub fn dynamodb(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// An S3 client for `endpoint`, path-style as local servers need.
pub fn s3(endpoint: &str) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// An EventBridge client for `endpoint` (moto in CI: no emulator of it runs locally, where
/// order events go to the event log instead).
pub fn eventbridge(endpoint: &str) -> aws_sdk_eventbridge::Client {
    let config = aws_sdk_eventbridge::Config::builder()
        .behavior_version(aws_sdk_eventbridge::config::BehaviorVersion::latest())
        .region(aws_sdk_eventbridge::config::Region::new("us-east-1"))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .build();
    aws_sdk_eventbridge::Client::from_conf(config)
}
