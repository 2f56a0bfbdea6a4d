//! Batched reads for the GraphQL API: what many parents have, read together. Objects by id are
//! one `BatchGetItem` per kind (100 keys a call); children filed under a parent are one `Query`
//! per parent partition, run together ([`PARTITIONS_IN_FLIGHT`] at once), each the first page of
//! the same query the REST route pages. Every answer is scoped by the principal like the
//! one-object reads: what it may not see is left out.

use crate::documents::{certificates_visible, product_certificates_spec};
use crate::items::Page;
use crate::keys::{self, META};
use crate::orders::children_spec;
use crate::{Store, StoreError};
use futures_util::{StreamExt, TryStreamExt};
use portal_domain::model::{Account, Document, Invoice, Order, Product, Shipment};
use portal_domain::{AccountId, InvoiceId, OrderId, Principal, Sku};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;

/// How many partition queries of one batch are in flight at once.
pub const PARTITIONS_IN_FLIGHT: usize = 16;

/// Runs `read` for each key, [`PARTITIONS_IN_FLIGHT`] at once, and gathers the answers.
async fn per_partition<K, T, Fut>(
    keys: &[K],
    read: impl Fn(K) -> Fut,
) -> Result<HashMap<K, T>, StoreError>
where
    K: Clone + Eq + Hash,
    Fut: Future<Output = Result<(K, T), StoreError>>,
{
    futures_util::stream::iter(keys.iter().cloned().map(read))
        .buffer_unordered(PARTITIONS_IN_FLIGHT)
        .try_collect()
        .await
}

impl Store {
    /// The orders of `ids` that `principal` may see, by id.
    pub async fn orders_by_id(
        &self,
        principal: &Principal,
        ids: &[OrderId],
    ) -> Result<HashMap<OrderId, Order>, StoreError> {
        let keys = ids.iter().map(|id| (keys::order(id), META.to_owned()));
        let orders: Vec<Order> = self.table.batch_get_as(keys.collect()).await?;
        Ok(orders
            .into_iter()
            .filter(|o| principal.can_see(&o.summary.account_id))
            .map(|o| (o.summary.id.clone(), o))
            .collect())
    }

    /// The products of `skus` whose division `principal` may see, by SKU.
    pub async fn products_by_sku(
        &self,
        principal: &Principal,
        skus: &[Sku],
    ) -> Result<HashMap<Sku, Product>, StoreError> {
        let keys = skus.iter().map(|sku| (keys::product(sku), META.to_owned()));
        let products: Vec<Product> = self.table.batch_get_as(keys.collect()).await?;
        Ok(products
            .into_iter()
            .filter(|p| principal.can_see_division(&p.division))
            .map(|p| (p.sku.clone(), p))
            .collect())
    }

    /// The invoices and credit notes of `ids` that `principal` may see, by id.
    pub async fn invoices_by_id(
        &self,
        principal: &Principal,
        ids: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, Invoice>, StoreError> {
        let keys = ids.iter().map(|id| (keys::invoice(id), META.to_owned()));
        let invoices: Vec<Invoice> = self.table.batch_get_as(keys.collect()).await?;
        Ok(invoices
            .into_iter()
            .filter(|i| principal.can_see(&i.account_id))
            .map(|i| (i.id.clone(), i))
            .collect())
    }

    /// The accounts of `ids` that `principal` may see, by id.
    pub async fn accounts_by_id(
        &self,
        principal: &Principal,
        ids: &[AccountId],
    ) -> Result<HashMap<AccountId, Account>, StoreError> {
        let keys = ids.iter().map(|id| (keys::account(id), META.to_owned()));
        let accounts: Vec<Account> = self.table.batch_get_as(keys.collect()).await?;
        Ok(accounts
            .into_iter()
            .filter(|a| principal.can_see(&a.id))
            .map(|a| (a.id.clone(), a))
            .collect())
    }

    /// The first page (`limit`) of each order's shipments, for orders the caller has read. Each
    /// shipment is still checked against `principal`, so an order's shipment filed for another
    /// account is left out, and the orders of others yield empty pages.
    pub async fn shipments_of_orders(
        &self,
        principal: &Principal,
        orders: &[OrderId],
        limit: usize,
    ) -> Result<HashMap<OrderId, Page<Shipment>>, StoreError> {
        per_partition(orders, |order| async move {
            let mut page: Page<Shipment> = self
                .table
                .query_page_as(&children_spec(&order, "SHIPMENT#"), limit, None)
                .await?;
            page.retain(|s| principal.can_see(&s.account_id));
            Ok((order, page))
        })
        .await
    }

    /// The first page (`limit`) of each order's documents that `principal` may see, for orders
    /// the caller has read (as [`Store::shipments_of_orders`]).
    pub async fn documents_of_orders(
        &self,
        principal: &Principal,
        orders: &[OrderId],
        limit: usize,
    ) -> Result<HashMap<OrderId, Page<Document>>, StoreError> {
        per_partition(orders, |order| async move {
            let page: Page<Document> = self
                .table
                .query_page_as(&children_spec(&order, "DOCUMENT#"), limit, None)
                .await?;
            Ok((order, self.visible(principal, page).await?))
        })
        .await
    }

    /// The first page (`limit`) of the certificates of each of `products` (read through the
    /// store, so visible to `principal`; checked again) that `principal` may see, as
    /// `/products/{sku}/certificates` pages them.
    pub async fn certificates_of_products(
        &self,
        principal: &Principal,
        products: &[Product],
        limit: usize,
    ) -> Result<HashMap<Sku, Page<Document>>, StoreError> {
        let visible: Vec<Sku> = products
            .iter()
            .filter(|p| principal.can_see_division(&p.division))
            .map(|p| p.sku.clone())
            .collect();
        per_partition(&visible, |sku| async move {
            let spec = product_certificates_spec(principal, &sku);
            let mut page: Page<Document> = self.table.query_page_as(&spec, limit, None).await?;
            certificates_visible(principal, &mut page);
            Ok((sku, page))
        })
        .await
    }
}
