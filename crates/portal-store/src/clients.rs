//! The SDK clients the store and the lake share, built once per process.

use crate::{Bucket, Lake, Store, StoreConfig};

/// A DynamoDB and an S3 client: from the environment and the default credential chain in AWS
/// ([`Clients::from_env`]), pointed at emulators in local mode and tests.
#[derive(Debug, Clone)]
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
}

impl Clients {
    /// Clients configured from the environment (region, credentials): what a Lambda's cold
    /// start builds.
    pub async fn from_env() -> Clients {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Clients {
            dynamodb: aws_sdk_dynamodb::Client::new(&aws),
            s3: aws_sdk_s3::Client::new(&aws),
        }
    }

    /// The store over these clients.
    pub fn store(&self, config: StoreConfig) -> Store {
        Store::new(self.dynamodb.clone(), self.s3.clone(), config)
    }

    /// The lake bucket `bucket` over the S3 client.
    pub fn lake(&self, bucket: impl Into<String>) -> Lake {
        Lake::new(self.s3.clone(), bucket)
    }

    /// Any other bucket (the ingest bucket) over the S3 client.
    pub fn bucket(&self, bucket: impl Into<String>) -> Bucket {
        Bucket::new(self.s3.clone(), bucket)
    }
}
