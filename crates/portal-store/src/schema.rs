//! The table's definition, for local mode and tests. `infra/template.yaml` declares the same.

use crate::error::{StoreError, dynamo};
use crate::keys::{GSI1PK, GSI1SK, GSI2PK, GSI2SK, Index, PK, SK};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .expect("name and key type are set")
}

fn string_attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("name and type are set")
}

fn index(index: Index) -> GlobalSecondaryIndex {
    let (pk, sk) = index.attributes();
    GlobalSecondaryIndex::builder()
        .index_name(index.name())
        .key_schema(key(pk, KeyType::Hash))
        .key_schema(key(sk, KeyType::Range))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .expect("name, keys and projection are set")
}

/// Creates the table if it does not exist yet. Returns whether it was created.
pub async fn ensure_table(client: &Client, table: &str) -> Result<bool, StoreError> {
    match client.describe_table().table_name(table).send().await {
        Ok(_) => return Ok(false),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) => {}
        Err(err) => return Err(dynamo("DescribeTable")(err)),
    }
    client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(
            [PK, SK, GSI1PK, GSI1SK, GSI2PK, GSI2SK]
                .into_iter()
                .map(string_attribute)
                .collect(),
        ))
        .key_schema(key(PK, KeyType::Hash))
        .key_schema(key(SK, KeyType::Range))
        .global_secondary_indexes(index(Index::Gsi1))
        .global_secondary_indexes(index(Index::Gsi2))
        .send()
        .await
        .map_err(dynamo("CreateTable"))?;
    Ok(true)
}

/// Creates the documents bucket if it does not exist yet.
pub async fn ensure_bucket(client: &aws_sdk_s3::Client, bucket: &str) -> Result<(), StoreError> {
    if client.head_bucket().bucket(bucket).send().await.is_ok() {
        return Ok(());
    }
    client
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(crate::error::s3("CreateBucket"))?;
    Ok(())
}
