//! Documents and certificates: metadata in the table, files in S3, downloads by presigned URL.

use crate::items::{Item, MAX_EVALUATED, Page, QuerySpec, SortKey, s, to_item};
use crate::keys::{self, Index, ItemKeys, META};
use crate::{PageKey, Store, StoreError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use chrono::{DateTime, Utc};
use portal_domain::model::{Document, DocumentAudience};
use portal_domain::{AccessScope, AccountId, BatchId, DocumentId, OrderId, Principal, Sku};
use serde::Serialize;

/// A short-lived link to a document's file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DownloadLink {
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

pub(crate) fn document_item(document: &Document) -> Result<Item, StoreError> {
    let links = &document.links;
    let sk = keys::document(&document.id);
    let gsi1 = match (&links.order_id, &links.sku) {
        (Some(order), _) => Some((keys::order(order), sk.clone())),
        (None, Some(sku)) => Some((keys::product(sku), sk.clone())),
        (None, None) => None,
    };
    to_item(
        document,
        ItemKeys {
            entity: "document",
            pk: keys::document(&document.id),
            sk: META.to_owned(),
            gsi1,
            gsi2: links.batch.as_ref().map(|b| (keys::batch(b), sk.clone())),
        },
    )
}

/// The most accounts a query's filter names (an expression holds at most 4 KB); beyond, the
/// visible items are picked after reading.
const MAX_ACCOUNTS_IN_FILTER: usize = 50;

/// The most certificates of a batch an order line shows.
const MAX_BATCH_CERTIFICATES: usize = 100;

/// Narrows `spec` to certificates (the kinds `DocumentKind::is_certificate` names).
fn certificates_only(spec: &mut QuerySpec) {
    spec.filter
        .and("#kind IN (:mc, :dc, :sds)")
        .name("#kind", "kind")
        .value(":mc", s("material-certificate"))
        .value(":dc", s("declaration-of-conformity"))
        .value(":sds", s("safety-data-sheet"));
}

/// Whether `principal` may see `document`, given that the document's product, if any, is visible to it.
fn visible_with_product(principal: &Principal, document: &Document) -> bool {
    match &document.audience {
        DocumentAudience::Account { account_id } => principal.can_see(account_id),
        DocumentAudience::Batch { delivered_to } => {
            delivered_to.iter().any(|a| principal.can_see(a))
        }
        DocumentAudience::Product => true,
    }
}

/// The query of a product's certificates that `principal` may see (the product being visible):
/// kind and audience are filters of the query, so that other accounts' certificates neither
/// fill nor shape a page.
pub(crate) fn product_certificates_spec(principal: &Principal, sku: &Sku) -> QuerySpec {
    let mut spec = QuerySpec::new(
        Some(Index::Gsi1),
        keys::product(sku),
        SortKey::BeginsWith("DOCUMENT#".to_owned()),
    );
    certificates_only(&mut spec);
    let accounts: Option<Vec<&AccountId>> = match &principal.scope {
        AccessScope::All => None,
        AccessScope::Account(own) => Some(vec![own]),
        AccessScope::Assigned(set) if set.len() <= MAX_ACCOUNTS_IN_FILTER => {
            Some(set.iter().collect())
        }
        // Too many to name in an expression: picked after reading ([`certificates_visible`]).
        AccessScope::Assigned(_) => None,
    };
    if let Some(accounts) = accounts {
        let mut any_of = vec!["#audience.#type = :product".to_owned()];
        for (i, account) in accounts.iter().enumerate() {
            let placeholder = format!(":a{i}");
            any_of.push(format!("contains(#audience.#delivered, {placeholder})"));
            spec.filter.value(&placeholder, s(account.as_str()));
        }
        spec.filter
            .and(format!("({})", any_of.join(" OR ")))
            .name("#audience", "audience")
            .name("#type", "type")
            .name("#delivered", "delivered_to")
            .value(":product", s("product"));
    }
    spec
}

/// Keeps the certificates of a visible product's page that `principal` may see.
pub(crate) fn certificates_visible(principal: &Principal, page: &mut Page<Document>) {
    page.retain(|d| d.kind.is_certificate() && visible_with_product(principal, d));
}

impl Store {
    /// Whether `principal` may see `document`. Product documents need the product's division.
    async fn may_see(
        &self,
        principal: &Principal,
        document: &Document,
    ) -> Result<bool, StoreError> {
        Ok(match (&document.audience, &document.links.sku) {
            (DocumentAudience::Product, Some(sku)) => self.product(principal, sku).await?.is_some(),
            (DocumentAudience::Product, None) => false,
            _ => visible_with_product(principal, document),
        })
    }

    /// One document's metadata, when visible to `principal`.
    pub async fn document(
        &self,
        principal: &Principal,
        id: &DocumentId,
    ) -> Result<Option<Document>, StoreError> {
        let Some(document) = self
            .table
            .get_as::<Document>(keys::document(id), META)
            .await?
        else {
            return Ok(None);
        };
        Ok(self
            .may_see(principal, &document)
            .await?
            .then_some(document))
    }

    /// A page of the documents of an order (confirmation, delivery notes, invoices), or `None`
    /// when the order is not visible.
    pub async fn order_documents(
        &self,
        principal: &Principal,
        order: &OrderId,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Option<Page<Document>>, StoreError> {
        match self
            .order_children(principal, order, "DOCUMENT#", limit, after)
            .await?
        {
            Some(page) => Ok(Some(self.visible(principal, page).await?)),
            None => Ok(None),
        }
    }

    /// A page of a product's certificates: its own (declaration of conformity, safety data
    /// sheet) and the material certificates of its batches delivered to the principal's
    /// accounts. `None` when the product is not visible. Paged: a product collects a batch
    /// certificate with every delivery, for years. Kind and audience are filters of the query,
    /// so that other accounts' certificates neither fill nor shape a page.
    pub async fn product_certificates(
        &self,
        principal: &Principal,
        sku: &Sku,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Option<Page<Document>>, StoreError> {
        if self.product(principal, sku).await?.is_none() {
            return Ok(None);
        }
        let spec = product_certificates_spec(principal, sku);
        // The product is visible, so its product-level documents are too: no per-document look-up.
        let mut page: Page<Document> = self.table.query_page_as(&spec, limit, after).await?;
        certificates_visible(principal, &mut page);
        Ok(Some(page))
    }

    /// The certificates of a batch that was delivered to one of the principal's accounts.
    pub async fn batch_certificates(
        &self,
        principal: &Principal,
        batch: &BatchId,
    ) -> Result<Vec<Document>, StoreError> {
        let spec = QuerySpec::new(
            Some(Index::Gsi2),
            keys::batch(batch),
            SortKey::BeginsWith("DOCUMENT#".to_owned()),
        );
        let documents: Vec<Document> = self.table.query_all_as(&spec).await?;
        let mut seen = self.seen_by(principal, &documents).await?.into_iter();
        Ok(documents
            .into_iter()
            .filter(|_| seen.next().unwrap_or(false))
            .collect())
    }

    /// A page of the certificates of one order line: its batch's (all on the first page: a
    /// batch has a handful) and its product's own. `None` when the order or line is not
    /// visible. The product's own are a filtered page of the product's partition, which also
    /// collects every batch certificate of the product: the filter's work is bounded, and the
    /// cursor continues it.
    pub async fn line_certificates(
        &self,
        principal: &Principal,
        order: &OrderId,
        line_no: u32,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Option<Page<Document>>, StoreError> {
        let Some(order) = self.order(principal, order).await? else {
            return Ok(None);
        };
        let Some(line) = order.lines.iter().find(|l| l.line_no == line_no) else {
            return Ok(None);
        };
        // The line is the principal's, so its product and its batch are visible to it. The
        // page starts in the batch's certificates (the first page, or after one of them) or in
        // the product's own: a key of the batch's query names the batch.
        let mut items = Vec::new();
        let mut evaluate = MAX_EVALUATED;
        let mut after = after;
        if let Some(batch) = &line.batch {
            let batch_key = keys::batch(batch);
            let in_batch = after
                .as_ref()
                .is_none_or(|key| key.0.get(keys::GSI2PK) == Some(&batch_key));
            if in_batch {
                let spec = QuerySpec::new(
                    Some(Index::Gsi2),
                    batch_key,
                    SortKey::BeginsWith("DOCUMENT#".to_owned()),
                );
                // A batch has a handful of certificates; more than this many show under
                // `/certificates?batch=` only.
                let mut batch_documents: Page<Document> = self
                    .table
                    .query_page_as(&spec, MAX_BATCH_CERTIFICATES, after.take())
                    .await?;
                evaluate -= MAX_BATCH_CERTIFICATES;
                batch_documents.retain(|d| {
                    d.kind.is_certificate()
                        && matches!(d.audience, DocumentAudience::Batch { .. })
                        && d.links.sku.as_ref() == Some(&line.sku)
                });
                items.extend(batch_documents.into_edges());
            }
        }
        let mut spec = QuerySpec::new(
            Some(Index::Gsi1),
            keys::product(&line.sku),
            SortKey::BeginsWith("DOCUMENT#".to_owned()),
        );
        certificates_only(&mut spec);
        spec.filter
            .and("#audience.#type = :product")
            .name("#audience", "audience")
            .name("#type", "type")
            .value(":product", s("product"));
        let mut page: Page<Document> = self
            .table
            .query_page_within_as(
                &spec,
                limit.saturating_sub(items.len()).max(1),
                after,
                evaluate,
            )
            .await?;
        page.retain(|d| d.kind.is_certificate() && matches!(d.audience, DocumentAudience::Product));
        let next = page.next.clone();
        items.extend(page.into_edges());
        Ok(Some(Page::new(items, next)))
    }

    /// The documents of `page` that `principal` may see.
    pub(crate) async fn visible(
        &self,
        principal: &Principal,
        mut page: Page<Document>,
    ) -> Result<Page<Document>, StoreError> {
        let mut seen = self.seen_by(principal, page.items()).await?.into_iter();
        page.retain(|_| seen.next().unwrap_or(false));
        Ok(page)
    }

    /// Whether `principal` may see each of `documents`, in order.
    async fn seen_by(
        &self,
        principal: &Principal,
        documents: &[Document],
    ) -> Result<Vec<bool>, StoreError> {
        let mut seen = Vec::with_capacity(documents.len());
        for document in documents {
            seen.push(self.may_see(principal, document).await?);
        }
        Ok(seen)
    }

    /// A presigned GET URL for a document's file, valid for the configured time.
    pub async fn download_link(&self, document: &Document) -> Result<DownloadLink, StoreError> {
        let ttl = self.config.download_ttl;
        let presigning = PresigningConfig::expires_in(ttl).map_err(|e| StoreError::Service {
            service: "S3",
            operation: "presign",
            code: None,
            message: e.to_string(),
        })?;
        let request = self
            .s3
            .get_object()
            .bucket(&self.config.documents_bucket)
            .key(keys::document_object(
                &document.id,
                document.file_revision.as_deref(),
            ))
            .response_content_type(&document.content_type)
            .response_content_disposition(format!(
                "attachment; filename=\"{}\"",
                document.file_name.replace('"', "")
            ))
            .presigned(presigning)
            .await
            .map_err(crate::error::s3("GetObject"))?;
        let expires_at = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or_default();
        Ok(DownloadLink {
            url: request.uri().to_owned(),
            expires_at,
        })
    }

    /// Deletes the object of a document's file (one its record no longer names).
    pub async fn delete_document_file(&self, document: &Document) -> Result<(), StoreError> {
        self.s3
            .delete_object()
            .bucket(&self.config.documents_bucket)
            .key(keys::document_object(
                &document.id,
                document.file_revision.as_deref(),
            ))
            .send()
            .await
            .map_err(crate::error::s3("DeleteObject"))?;
        Ok(())
    }

    /// Stores a document's file (under its revision, when it has one).
    pub async fn put_document_file(
        &self,
        document: &Document,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        self.s3
            .put_object()
            .bucket(&self.config.documents_bucket)
            .key(keys::document_object(
                &document.id,
                document.file_revision.as_deref(),
            ))
            .content_type(&document.content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(crate::error::s3("PutObject"))?;
        Ok(())
    }
}
