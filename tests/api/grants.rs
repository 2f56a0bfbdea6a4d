//! The functions' AWS calls are allowed by their roles in the SAM template. Every test app
//! records what each function asks of AWS and checks it when dropped (`tests::grants`); these
//! tests show what the check sees and that it fails when a grant is missing.

use tests::drift::{damaged, template};
use tests::grants::{Call, ungranted};
use tests::{RESOURCE_NAMES, spawn_app};

const DOCS: &str = "DOKNR;DOKAR;DKTXT;FILENAME;ERDAT;KUNNR;MATNR;VBELN;CHARG;LIEFN;FAKTN;KUNNR_LIST\r\n\
DOC-INV-90000001;ZRE;Rechnung 90000001;INV_90000001.pdf;20251127;A;;0000500001;;;0090000001;\r\n\
DOC-LS-80000001;ZLS;Lieferschein 80000001;LS_80000001.pdf;20251125;A;;0000500001;;0080000001;;\r\n";

/// The grant the ingest function needs to tell a missing profile or file from a forbidden one.
const LIST_INGEST_BUCKET: &str = "            - Sid: ListDrops
              Effect: Allow
              Action: [s3:ListBucket]
              Resource: !GetAtt IngestBucket.Arn
";

#[tokio::test]
async fn the_ingest_function_may_find_a_profile_or_document_file_missing_and_without_the_list_grant_fails_the_check()
 {
    let app = spawn_app().await;
    let function = app.ingest_function();
    let inbox = app.local.ingest_bucket();
    inbox
        .put(
            "incoming/sap/documents/LS_80000001.pdf",
            "application/pdf",
            b"%PDF-1.4 ls".to_vec(),
        )
        .await
        .expect("dropped");
    let key = "incoming/sap/documents/DOCS.csv";
    inbox
        .put(key, "text/csv", DOCS.as_bytes().to_vec())
        .await
        .expect("dropped");
    function.handle_key(key).await.expect("handled");

    // The built-in profile's source has no profiles/sap.toml, and one named file was never
    // dropped: both reads answer 404 here, and would answer 403 in AWS without s3:ListBucket.
    let missing: Vec<String> = app
        .recorder
        .calls()
        .into_iter()
        .filter(|c| c.function == "ingest-files" && c.status == Some(404))
        .map(|c| c.uri)
        .collect();
    for key in [
        "profiles/sap.toml",
        "incoming/sap/documents/INV_90000001.pdf",
    ] {
        assert!(
            missing.iter().any(|uri| uri.contains(key)),
            "{key} was read and missing: {missing:?}"
        );
    }
    assert_eq!(
        ungranted(&template(), &app.recorder.calls(), &RESOURCE_NAMES),
        Vec::<String>::new()
    );
    let problems = ungranted(
        &damaged(LIST_INGEST_BUCKET, ""),
        &app.recorder.calls(),
        &RESOURCE_NAMES,
    );
    assert!(
        problems.iter().any(|p| p.contains(
            "IngestFiles (ingest-files) may not s3:ListBucket on ${IngestBucket.Arn} \
             (S3 GET b2b-portal-ingest/profiles/sap.toml answered 404"
        )),
        "{problems:#?}"
    );
}

#[tokio::test]
async fn the_read_routes_stay_within_their_grants_and_a_narrowed_grant_fails_the_check() {
    let app = spawn_app().await;
    for path in [
        "/me",
        "/orders",
        "/orders/SO-A01",
        "/invoices/balance",
        "/products?name=valve",
        "/documents/OC-SO-A01/download",
    ] {
        app.get(tests::fixture::A_BUYER, path).await;
    }
    let calls = app.recorder.calls();
    for function in [
        "me-api",
        "orders-api",
        "invoices-api",
        "catalog-api",
        "documents-api",
    ] {
        assert!(
            calls.iter().any(|c| c.function == function),
            "{function} made no call: {calls:#?}"
        );
    }
    assert_eq!(
        ungranted(&template(), &calls, &RESOURCE_NAMES),
        Vec::<String>::new()
    );
    // The orders function without its index grant.
    let narrowed = damaged(
        "                - !GetAtt Table.Arn\n                - !Sub \"${Table.Arn}/index/*\"\n      Events:\n        Orders:",
        "                - !GetAtt Table.Arn\n      Events:\n        Orders:",
    );
    let problems = ungranted(&narrowed, &calls, &RESOURCE_NAMES);
    assert!(
        problems.iter().any(|p| p.starts_with(
            "OrdersApi (orders-api) may not dynamodb:Query on ${Table.Arn}/index/GSI1"
        )),
        "{problems:#?}"
    );
}

fn call(function: &'static str, target: Option<&str>, method: &str, uri: &str, body: &str) -> Call {
    Call {
        function,
        method: method.to_owned(),
        uri: uri.to_owned(),
        target: target.map(str::to_owned),
        copy_source: None,
        tagging: false,
        body: Some(body.as_bytes().to_vec()),
        status: Some(200),
    }
}

#[test]
fn the_check_reads_transactions_part_by_part_and_copies_as_a_read_and_a_write() {
    let update = call(
        "integration-api",
        Some("DynamoDB_20120810.TransactWriteItems"),
        "POST",
        "http://127.0.0.1:1/",
        r#"{"TransactItems":[{"Put":{"TableName":"b2b-portal"}},{"Update":{"TableName":"b2b-portal"}}]}"#,
    );
    let query = call(
        "integration-api",
        Some("DynamoDB_20120810.Query"),
        "POST",
        "http://127.0.0.1:1/",
        r#"{"TableName":"b2b-portal"}"#,
    );
    let mut copy = call(
        "ingest-files",
        None,
        "PUT",
        "http://127.0.0.1:1/b2b-portal-ingest/failed/sap/orders/x%20y.csv?x-id=CopyObject",
        "",
    );
    copy.copy_source = Some("b2b-portal-ingest/reports/sap/orders/x%20y.csv".to_owned());
    let problems = ungranted(&template(), &[update, query, copy], &RESOURCE_NAMES);
    assert_eq!(
        problems,
        vec![
            "IngestFiles (ingest-files) may not s3:GetObject on ${IngestBucket.Arn}/reports/sap/orders/x y.csv (S3 PUT b2b-portal-ingest/failed/sap/orders/x y.csv), which it does",
            "IntegrationApi (integration-api) may not dynamodb:Query on ${Table.Arn} (DynamoDB Query), which it does",
            "IntegrationApi (integration-api) may not dynamodb:UpdateItem on ${Table.Arn} (DynamoDB TransactWriteItems (Update)), which it does",
        ],
    );
}

#[test]
fn a_grant_conditioned_on_leading_keys_allows_only_the_partitions_it_names() {
    let drain = call(
        "analytics-job",
        Some("DynamoDB_20120810.Query"),
        "POST",
        "http://127.0.0.1:1/",
        r##"{"TableName":"b2b-portal","KeyConditionExpression":"#pk = :pk","ExpressionAttributeNames":{"#pk":"PK"},"ExpressionAttributeValues":{":pk":{"S":"OUTBOX#LAKE#3"}}}"##,
    );
    let marker = call(
        "analytics-job",
        Some("DynamoDB_20120810.DeleteItem"),
        "POST",
        "http://127.0.0.1:1/",
        r##"{"TableName":"b2b-portal","Key":{"PK":{"S":"OUTBOX#LAKE#3"},"SK":{"S":"ORDER#SO-1"}}}"##,
    );
    let order = call(
        "analytics-job",
        Some("DynamoDB_20120810.DeleteItem"),
        "POST",
        "http://127.0.0.1:1/",
        r##"{"TableName":"b2b-portal","Key":{"PK":{"S":"ORDER#SO-1"},"SK":{"S":"#META"}}}"##,
    );
    assert_eq!(
        ungranted(&template(), &[drain, marker, order], &RESOURCE_NAMES),
        vec![
            "AnalyticsJob (analytics-job) may not dynamodb:DeleteItem on ${Table.Arn} (partitions ORDER#SO-1) (DynamoDB DeleteItem), which it does"
        ],
    );
}
