//! Documents, certificates and download links.
//!
//! - `GET /documents/{document_id}`: a document's metadata.
//! - `GET /documents/{document_id}/download`: a presigned link to its file, valid for minutes.
//! - `GET /orders/{order_id}/documents`: an order's confirmation, delivery notes and invoices
//!   (paged, 100 by default).
//! - `GET /orders/{order_id}/lines/{line_no}/certificates`: the certificates of an order line's
//!   product and batch (paged, 100 by default).
//! - `GET /products/{sku}/certificates`: a product's certificates, with those of batches delivered
//!   to the caller (paged, 100 by default).
//! - `GET /certificates?batch=...`: the certificates of a batch delivered to the caller (404 when none).

use axum::Router;
use axum::extract::State;
use chrono::NaiveDate;
use portal_domain::model::{Document, DocumentKind, DocumentLinks};
use portal_domain::{BatchId, DocumentId, OrderId, Sku};
use portal_http::{
    ApiError, ApiResult, AppState, Caller, List, ListResponse, MAX_LIMIT, NoFilter, Path, Query,
    Route,
};
use portal_store::DownloadLink;
use serde::{Deserialize, Serialize};

/// This function's routes.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/documents/{document_id}", get_document),
        Route::get("/documents/{document_id}/download", download),
        Route::get("/orders/{order_id}/documents", order_documents),
        Route::get(
            "/orders/{order_id}/lines/{line_no}/certificates",
            line_certificates,
        ),
        Route::get("/products/{sku}/certificates", product_certificates),
        Route::get("/certificates", batch_certificates),
    ]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

/// A document as clients see it: without who else may see it.
#[derive(Debug, Serialize)]
pub struct DocumentView {
    pub id: DocumentId,
    pub kind: DocumentKind,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub issued_on: NaiveDate,
    pub links: DocumentLinks,
    /// Where to get a download link.
    pub download: String,
}

impl From<Document> for DocumentView {
    fn from(d: Document) -> Self {
        Self {
            download: format!("/documents/{}/download", d.id),
            id: d.id,
            kind: d.kind,
            title: d.title,
            file_name: d.file_name,
            content_type: d.content_type,
            size_bytes: d.size_bytes,
            issued_on: d.issued_on,
            links: d.links,
        }
    }
}

fn list(documents: Vec<Document>) -> axum::Json<ListResponse<DocumentView>> {
    axum::Json(ListResponse {
        items: documents.into_iter().map(DocumentView::from).collect(),
        next_cursor: None,
    })
}

async fn get_document(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(document_id): Path<String>,
) -> ApiResult<DocumentView> {
    let id = DocumentId::parse(&document_id)?;
    let document = state
        .store
        .document(&principal, &id)
        .await?
        .ok_or(ApiError::NotFound("document"))?;
    Ok(axum::Json(document.into()))
}

async fn download(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(document_id): Path<String>,
) -> ApiResult<DownloadLink> {
    let id = DocumentId::parse(&document_id)?;
    let document = state
        .store
        .document(&principal, &id)
        .await?
        .ok_or(ApiError::NotFound("document"))?;
    Ok(axum::Json(state.store.download_link(&document).await?))
}

async fn order_documents(
    State(state): State<AppState>,
    List {
        principal,
        query: NoFilter {},
        mut paging,
    }: List<NoFilter, { MAX_LIMIT }>,
    Path(order_id): Path<String>,
) -> ApiResult<ListResponse<DocumentView>> {
    let id = OrderId::parse(&order_id)?;
    // A hundred by default: these lists were whole before they were paged, and stay so for
    // every order but the largest.
    let page = state
        .store
        .order_documents(&principal, &id, paging.limit, paging.after.take())
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    Ok(paging.respond(page.map(DocumentView::from)))
}

async fn line_certificates(
    State(state): State<AppState>,
    List {
        principal,
        query: NoFilter {},
        mut paging,
    }: List<NoFilter, { MAX_LIMIT }>,
    Path((order_id, line_no)): Path<(String, String)>,
) -> ApiResult<ListResponse<DocumentView>> {
    let id = OrderId::parse(&order_id)?;
    let line_no: u32 = line_no.parse().map_err(|_| {
        ApiError::invalid_parameter("line_no", format!("{line_no:?} is not a line number"))
    })?;
    // A hundred by default, as for an order's documents: the list was whole before.
    let page = state
        .store
        .line_certificates(&principal, &id, line_no, paging.limit, paging.after.take())
        .await?
        .ok_or(ApiError::NotFound("order line"))?;
    Ok(paging.respond(page.map(DocumentView::from)))
}

async fn product_certificates(
    State(state): State<AppState>,
    List {
        principal,
        query: NoFilter {},
        mut paging,
    }: List<NoFilter, { MAX_LIMIT }>,
    Path(sku): Path<String>,
) -> ApiResult<ListResponse<DocumentView>> {
    let sku = Sku::parse(&sku)?;
    // A hundred by default, as for an order's documents: the list was whole before.
    let page = state
        .store
        .product_certificates(&principal, &sku, paging.limit, paging.after.take())
        .await?
        .ok_or(ApiError::NotFound("product"))?;
    Ok(paging.respond(page.map(DocumentView::from)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchQuery {
    batch: Option<String>,
}

async fn batch_certificates(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Query(q): Query<BatchQuery>,
) -> ApiResult<ListResponse<DocumentView>> {
    let raw = q
        .batch
        .ok_or_else(|| ApiError::invalid_parameter("batch", "is required"))?;
    let batch = BatchId::parse(&raw)?;
    let documents = state.store.batch_certificates(&principal, &batch).await?;
    if documents.is_empty() {
        // A look-up by batch number: no visible certificate is "not found", as for any other id.
        return Err(ApiError::NotFound("batch"));
    }
    Ok(list(documents))
}
