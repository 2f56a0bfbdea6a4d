//! Documents, certificates and download links.

use tests::fixture::*;
use tests::spawn_app;

#[tokio::test]
async fn a_download_link_serves_the_file_and_a_tampered_link_does_not() {
    let app = spawn_app().await;
    let reply = app
        .get(A_BUYER, &format!("/documents/{DOCUMENT_A}/download"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let url = reply.body["url"].as_str().expect("url");
    assert!(url.contains("X-Amz-Signature="), "a presigned URL: {url}");
    assert!(reply.body["expires_at"].as_str().is_some());
    let (status, bytes) = app.fetch(url).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, file_of(DOCUMENT_A));
    let tampered = url.replace(DOCUMENT_A, DOCUMENT_B);
    let (status, bytes) = app.fetch(&tampered).await;
    assert_eq!(
        status, 403,
        "S3 refuses a link whose signature does not match"
    );
    assert_ne!(bytes, file_of(DOCUMENT_B));
}

#[tokio::test]
async fn document_metadata_never_shows_who_else_may_see_it() {
    let app = spawn_app().await;
    let reply = app
        .get(A_BUYER, &format!("/documents/{CERTIFICATE_A}"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["kind"], "material-certificate");
    assert_eq!(reply.body["links"]["batch"], BATCH_A);
    assert!(reply.body.get("audience").is_none(), "{}", reply.text);
    assert_eq!(
        reply.body["download"],
        format!("/documents/{CERTIFICATE_A}/download")
    );
}

#[tokio::test]
async fn an_orders_documents_are_listed_with_it() {
    let app = spawn_app().await;
    assert_eq!(
        app.get(A_VIEWER, &format!("/orders/{ORDER_A}/documents"))
            .await
            .ids(),
        vec![DOCUMENT_A]
    );
}

#[tokio::test]
async fn an_order_line_has_the_certificates_of_its_batch_and_product() {
    let app = spawn_app().await;
    let hose = app
        .get(
            A_VIEWER,
            &format!("/orders/{ORDER_A}/lines/10/certificates"),
        )
        .await;
    assert_eq!(hose.ids(), vec![CERTIFICATE_A]);
    let pump = app
        .get(
            A_VIEWER,
            &format!("/orders/{ORDER_A}/lines/20/certificates"),
        )
        .await;
    assert_eq!(pump.ids(), vec![CONFORMITY_PUMP]);
    app.get(
        A_VIEWER,
        &format!("/orders/{ORDER_A}/lines/99/certificates"),
    )
    .await
    .assert_problem(404, "not-found");
    app.get(
        A_VIEWER,
        &format!("/orders/{ORDER_A}/lines/ten/certificates"),
    )
    .await
    .assert_problem(400, "invalid-parameter");
}

#[tokio::test]
async fn certificates_by_product_and_by_batch_show_only_what_was_delivered_to_the_caller() {
    let app = spawn_app().await;
    assert_eq!(
        app.get(A_BUYER, &format!("/products/{SKU_HOSE}/certificates"))
            .await
            .ids(),
        vec![CERTIFICATE_A]
    );
    assert_eq!(
        app.get(A_BUYER, &format!("/products/{SKU_PUMP}/certificates"))
            .await
            .ids(),
        vec![CONFORMITY_PUMP]
    );
    assert_eq!(
        app.get(
            A_BUYER,
            &format!("/certificates?batch={}", BATCH_A.to_lowercase())
        )
        .await
        .ids(),
        vec![CERTIFICATE_A]
    );
    // The bolt's safety data sheet is for whoever sees the bolt: B and staff, not A.
    assert_eq!(
        app.get(B_BUYER, &format!("/products/{SKU_BOLT}/certificates"))
            .await
            .ids(),
        vec![CERTIFICATE_B, SDS_BOLT]
    );
    assert_eq!(
        app.get(MANAGER_A, &format!("/products/{SKU_BOLT}/certificates"))
            .await
            .ids(),
        vec![SDS_BOLT]
    );
}
