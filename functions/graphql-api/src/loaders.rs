//! The data loaders: nested fields ask for one object at a time, and each loader answers a
//! whole batch with one store call, so a page of 20 orders with their lines' products is three
//! reads, not sixty. Objects by id are one `BatchGetItem` per kind; an order's shipments or
//! documents and a product's certificates are one `Query` per parent partition (DynamoDB
//! cannot batch queries), run together (`portal_store`'s `graph` module). Each loader caches its
//! answers for the request, so an object asked for twice is read once.

use crate::error::error;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use portal_domain::model::{Account, Document, Invoice, Order, Product, Shipment};
use portal_domain::{AccountId, InvoiceId, OrderId, Principal, Sku};
use portal_store::{Page, Store};
use std::collections::HashMap;
use std::sync::Arc;

/// What every loader reads with: the store, as the request's principal.
#[derive(Clone)]
pub struct Reader {
    pub store: Store,
    pub principal: Principal,
}

/// An answer of a loader: shared, as a batch's answers go to many fields.
type Loaded<K, V> = Result<HashMap<K, V>, Arc<async_graphql::Error>>;

fn failed(e: portal_store::StoreError) -> Arc<async_graphql::Error> {
    Arc::new(error(e))
}

macro_rules! by_id {
    ($(#[$doc:meta])* $loader:ident, $key:ty, $value:ty, $read:ident) => {
        $(#[$doc])*
        pub struct $loader(pub Reader);

        impl Loader<$key> for $loader {
            type Value = Arc<$value>;
            type Error = Arc<async_graphql::Error>;

            async fn load(&self, keys: &[$key]) -> Loaded<$key, Arc<$value>> {
                let Reader { store, principal } = &self.0;
                let found = store.$read(principal, keys).await.map_err(failed)?;
                Ok(found.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
            }
        }
    };
}

by_id!(
    /// Orders by id (lines and history inside).
    Orders, OrderId, Order, orders_by_id);
by_id!(
    /// Products by SKU.
    Products, Sku, Product, products_by_sku);
by_id!(
    /// Invoices and credit notes by id.
    Invoices, InvoiceId, Invoice, invoices_by_id);
by_id!(
    /// Accounts by id.
    Accounts, AccountId, Account, accounts_by_id);

/// The first page of `limit` children of each parent: keys are (parent, limit), so that fields
/// asking for different page sizes are batched apart.
macro_rules! children {
    ($(#[$doc:meta])* $loader:ident, $key:ty, $value:ty, $read:ident) => {
        $(#[$doc])*
        pub struct $loader(pub Reader);

        impl Loader<($key, usize)> for $loader {
            type Value = Arc<Page<$value>>;
            type Error = Arc<async_graphql::Error>;

            async fn load(&self, keys: &[($key, usize)]) -> Loaded<($key, usize), Arc<Page<$value>>> {
                let Reader { store, principal } = &self.0;
                let mut by_limit: HashMap<usize, Vec<$key>> = HashMap::new();
                for (parent, limit) in keys {
                    by_limit.entry(*limit).or_default().push(parent.clone());
                }
                let mut answers = HashMap::new();
                for (limit, parents) in by_limit {
                    let pages = store.$read(principal, &parents, limit).await.map_err(failed)?;
                    answers.extend(pages.into_iter().map(|(p, page)| ((p, limit), Arc::new(page))));
                }
                Ok(answers)
            }
        }
    };
}

children!(
    /// The first page of an order's shipments.
    ShipmentsOf, OrderId, Shipment, shipments_of_orders);
children!(
    /// The first page of an order's documents.
    DocumentsOf, OrderId, Document, documents_of_orders);
/// The first page of a product's certificates: the products come from the request's product
/// loader (read once, scoped), so only the certificates' queries are new reads.
pub struct CertificatesOf(pub Reader, pub Arc<DataLoader<Products, HashMapCache>>);

impl Loader<(Sku, usize)> for CertificatesOf {
    type Value = Arc<Page<Document>>;
    type Error = Arc<async_graphql::Error>;

    async fn load(&self, keys: &[(Sku, usize)]) -> Loaded<(Sku, usize), Arc<Page<Document>>> {
        let Reader { store, principal } = &self.0;
        let mut answers = HashMap::new();
        let mut by_limit: HashMap<usize, Vec<Sku>> = HashMap::new();
        for (sku, limit) in keys {
            by_limit.entry(*limit).or_default().push(sku.clone());
        }
        for (limit, skus) in by_limit {
            let products: Vec<Product> = self
                .1
                .load_many(skus)
                .await?
                .into_values()
                .map(|p| (*p).clone())
                .collect();
            let pages = store
                .certificates_of_products(principal, &products, limit)
                .await
                .map_err(failed)?;
            answers.extend(
                pages
                    .into_iter()
                    .map(|(s, page)| ((s, limit), Arc::new(page))),
            );
        }
        Ok(answers)
    }
}

/// A SKU's forecasts of the served run (its total, then per division): one `Query` per SKU, 16
/// at once, after one read of the served run for the batch.
pub struct ForecastsOf(pub Reader);

impl Loader<Sku> for ForecastsOf {
    type Value = Arc<crate::query::SkuForecasts>;
    type Error = Arc<async_graphql::Error>;

    async fn load(&self, keys: &[Sku]) -> Loaded<Sku, Arc<crate::query::SkuForecasts>> {
        use futures_util::{StreamExt, TryStreamExt};
        let store = &self.0.store;
        let Some(run) = store.served_run().await.map_err(failed)? else {
            return Ok(HashMap::new());
        };
        let run = &run;
        futures_util::stream::iter(keys.iter().cloned())
            .map(|sku| async move {
                let forecasts = store.sku_forecast(&run.run_id, &sku).await?;
                Ok::<_, portal_store::StoreError>((sku, forecasts))
            })
            .buffer_unordered(portal_store::PARTITIONS_IN_FLIGHT)
            .try_filter(|(_, forecasts)| std::future::ready(!forecasts.is_empty()))
            .map_ok(|(sku, forecasts)| {
                let value = crate::query::SkuForecasts {
                    run_id: run.run_id.clone(),
                    as_of: run.as_of,
                    sku: sku.clone(),
                    forecasts,
                };
                (sku, Arc::new(value))
            })
            .try_collect()
            .await
            .map_err(failed)
    }
}
