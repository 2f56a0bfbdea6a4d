//! What a request's resolvers share: the state, the caller's principal, and the data loaders
//! that batch the reads of one request (made per request, so nothing is shared between callers).

use crate::loaders::{
    Accounts, CertificatesOf, DocumentsOf, Invoices, Orders, Products, ShipmentsOf,
};
use async_graphql::dataloader::DataLoader;
use lambda_http::request::RequestContext;
use portal_domain::Principal;
use portal_http::AppState;
use std::sync::OnceLock;

/// The per-request context of every resolver (`ctx.data::<Ctx>()`).
pub struct Ctx {
    pub state: AppState,
    pub principal: Principal,
    /// The authorizer's context of the request, passed on to the REST routes the graph runs.
    pub request_context: Option<RequestContext>,
    /// Those routes' router, made on first use.
    pub rest: OnceLock<axum::Router>,
    pub orders: DataLoader<Orders>,
    pub products: DataLoader<Products>,
    pub invoices: DataLoader<Invoices>,
    pub accounts: DataLoader<Accounts>,
    pub shipments_of: DataLoader<ShipmentsOf>,
    pub documents_of: DataLoader<DocumentsOf>,
    pub certificates_of: DataLoader<CertificatesOf>,
}

/// At most this many keys go into one batch (`BatchGetItem` takes 100).
const BATCH: usize = 100;

impl Ctx {
    pub fn new(
        state: AppState,
        principal: Principal,
        request_context: Option<RequestContext>,
    ) -> Self {
        fn loader<T: Send + Sync + 'static>(loader: T) -> DataLoader<T> {
            DataLoader::new(loader, tokio::spawn).max_batch_size(BATCH)
        }
        let reader = crate::loaders::Reader {
            store: state.store.clone(),
            principal: principal.clone(),
        };
        Self {
            orders: loader(Orders(reader.clone())),
            products: loader(Products(reader.clone())),
            invoices: loader(Invoices(reader.clone())),
            accounts: loader(Accounts(reader.clone())),
            shipments_of: loader(ShipmentsOf(reader.clone())),
            documents_of: loader(DocumentsOf(reader.clone())),
            certificates_of: loader(CertificatesOf(reader)),
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
