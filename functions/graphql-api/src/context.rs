//! What a request's resolvers share: the state, the caller's principal, and the data loaders
//! that batch the reads of one request (made per request, so nothing is shared between callers).

use crate::loaders::{
    Accounts, CertificatesOf, DocumentsOf, ForecastsOf, Invoices, Orders, Products, ShipmentsOf,
};
use async_graphql::dataloader::{DataLoader, HashMapCache};
use lambda_http::request::RequestContext;
use portal_domain::Principal;
use portal_http::AppState;
use std::sync::{Arc, OnceLock};

/// The per-request context of every resolver (`ctx.data::<Ctx>()`).
pub struct Ctx {
    pub state: AppState,
    pub principal: Principal,
    /// The authorizer's context of the request, passed on to the REST routes the graph runs.
    pub request_context: Option<RequestContext>,
    /// Those routes' router, made on first use.
    pub rest: OnceLock<axum::Router>,
    pub orders: Loader<Orders>,
    pub products: Arc<Loader<Products>>,
    pub invoices: Loader<Invoices>,
    pub accounts: Loader<Accounts>,
    pub shipments_of: Loader<ShipmentsOf>,
    pub documents_of: Loader<DocumentsOf>,
    pub certificates_of: Loader<CertificatesOf>,
    pub forecasts_of: Loader<ForecastsOf>,
}

/// A request's loader: answers cached for the request.
pub type Loader<T> = DataLoader<T, HashMapCache>;

/// At most this many keys go into one batch (`BatchGetItem` takes 100).
const BATCH: usize = 100;

impl Ctx {
    pub fn new(
        state: AppState,
        principal: Principal,
        request_context: Option<RequestContext>,
    ) -> Self {
        // No delay (async-graphql's default is 1 ms per level of the query): the keys of one
        // level are all asked for in the same poll of its fields, and the load, spawned from
        // that task, runs after it yields. (A zero delay is no timer at all without
        // async-graphql's `tokio-timer` feature; with it, a tokio sleep waits for the next tick.)
        fn loader<T: Send + Sync + 'static>(loader: T) -> Loader<T> {
            DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
                .max_batch_size(BATCH)
                .delay(std::time::Duration::ZERO)
        }
        let reader = crate::loaders::Reader {
            store: state.store.clone(),
            principal: principal.clone(),
        };
        let products = Arc::new(loader(Products(reader.clone())));
        Self {
            orders: loader(Orders(reader.clone())),
            certificates_of: loader(CertificatesOf(reader.clone(), products.clone())),
            products,
            invoices: loader(Invoices(reader.clone())),
            accounts: loader(Accounts(reader.clone())),
            shipments_of: loader(ShipmentsOf(reader.clone())),
            forecasts_of: loader(ForecastsOf(reader.clone())),
            documents_of: loader(DocumentsOf(reader)),
            state,
            principal,
            request_context,
            rest: OnceLock::new(),
        }
    }

    /// The request's context.
    pub fn of<'a>(ctx: &'a async_graphql::Context<'_>) -> &'a Ctx {
        // Inserted by `execute` into every request, before any resolver runs.
        ctx.data_unchecked::<Ctx>()
    }
}
