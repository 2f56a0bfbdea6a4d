//! Lists as Relay-style connections: `edges { cursor node }`, `nodes` (the same list without
//! cursors) and `pageInfo { hasNextPage endCursor }`, paged with `first` (1 to 100) and `after`;
//! an edge's cursor, as `after`, continues right after its node. Cursors are the REST API's signed, principal-bound
//! cursors, bound to `graphql:<list>?<arguments>`: a REST cursor opens no GraphQL list, nor the
//! reverse, nor another caller's or another filter's list.

use crate::context::Ctx;
use crate::error::{Gql, error};
use crate::nodes::{
    AccountNode, CartNode, DocumentNode, InvoiceNode, OrderNode, ProductNode, ShipmentNode,
};
use crate::query::{PendingApproval, WorklistAccount};
use async_graphql::{ComplexObject, OutputType, SimpleObject};
use portal_domain::insights::{ReorderSuggestion, SkuForecast};
use portal_http::{ApiError, MAX_LIMIT, Paging};
use portal_store::{Page, PageKey};
use std::future::Future;
use std::sync::Arc;

/// Where a page ends.
#[derive(Debug, SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// A node of a list with its cursor.
#[derive(SimpleObject)]
#[graphql(concrete(name = "AccountEdge", params(AccountNode)))]
#[graphql(concrete(name = "OrderEdge", params(OrderNode)))]
#[graphql(concrete(name = "ShipmentEdge", params(ShipmentNode)))]
#[graphql(concrete(name = "InvoiceEdge", params(InvoiceNode)))]
#[graphql(concrete(name = "DocumentEdge", params(DocumentNode)))]
#[graphql(concrete(name = "ProductEdge", params(ProductNode)))]
#[graphql(concrete(name = "ReorderSuggestionEdge", params(ReorderSuggestion)))]
#[graphql(concrete(name = "CartEdge", params(CartNode)))]
#[graphql(concrete(name = "PendingApprovalEdge", params(PendingApproval)))]
#[graphql(concrete(name = "WorklistAccountEdge", params(WorklistAccount)))]
#[graphql(concrete(name = "SkuForecastEdge", params(SkuForecast)))]
pub struct Edge<T: OutputType> {
    /// Pass as `after` for the nodes after this one.
    pub cursor: String,
    pub node: T,
}

/// A page of a list.
#[derive(SimpleObject)]
#[graphql(complex)]
#[graphql(concrete(name = "AccountConnection", params(AccountNode)))]
#[graphql(concrete(name = "OrderConnection", params(OrderNode)))]
#[graphql(concrete(name = "ShipmentConnection", params(ShipmentNode)))]
#[graphql(concrete(name = "InvoiceConnection", params(InvoiceNode)))]
#[graphql(concrete(name = "DocumentConnection", params(DocumentNode)))]
#[graphql(concrete(name = "ProductConnection", params(ProductNode)))]
#[graphql(concrete(name = "ReorderSuggestionConnection", params(ReorderSuggestion)))]
#[graphql(concrete(name = "CartConnection", params(CartNode)))]
#[graphql(concrete(name = "PendingApprovalConnection", params(PendingApproval)))]
#[graphql(concrete(name = "WorklistConnection", params(WorklistAccount)))]
#[graphql(concrete(name = "SkuForecastConnection", params(SkuForecast)))]
pub struct Connection<T: OutputType + Clone> {
    /// The nodes without their cursors.
    pub nodes: Vec<T>,
    pub page_info: PageInfo,
    /// In step with `nodes`: where the list resumes after each.
    #[graphql(skip)]
    after: Vec<PageKey>,
    /// Seals the edges' cursors, bound as `endCursor` is (only when `edges` are asked for).
    #[graphql(skip)]
    pager: Arc<Pager>,
}

#[ComplexObject]
impl<T: OutputType + Clone> Connection<T>
where
    Edge<T>: OutputType,
{
    /// The nodes, each with the cursor that continues the list right after it (Relay's shape).
    async fn edges(&self) -> Vec<Edge<T>> {
        self.nodes
            .iter()
            .zip(&self.after)
            .map(|(node, after)| Edge {
                cursor: self
                    .pager
                    .paging
                    .seal(Some(after.clone()))
                    .unwrap_or_default(),
                node: node.clone(),
            })
            .collect()
    }
}

/// The page size of a list without `first`.
pub const DEFAULT_FIRST: i32 = 20;
/// The page size of an object's children without `first` (an order's shipments and documents,
/// a product's or a line's certificates, shipments by tracking number): 100, as in the REST API,
/// where these lists were whole before they were paged.
pub const DEFAULT_CHILDREN: i32 = 100;

/// A list request's page: `first` checked (1 to 100), `after` opened for this caller and this
/// list with these arguments (`binding`: every argument that shapes the list).
pub struct Pager {
    paging: Paging,
}

impl Pager {
    pub fn new(
        ctx: &Ctx,
        list: &str,
        arguments: &impl serde::Serialize,
        first: Option<i32>,
        after: Option<&str>,
    ) -> async_graphql::Result<Self> {
        Self::sized(ctx, list, arguments, first.unwrap_or(DEFAULT_FIRST), after)
    }

    /// [`Pager::new`] for an object's children ([`DEFAULT_CHILDREN`] without `first`).
    pub fn children(
        ctx: &Ctx,
        list: &str,
        arguments: &impl serde::Serialize,
        first: Option<i32>,
        after: Option<&str>,
    ) -> async_graphql::Result<Self> {
        Self::sized(
            ctx,
            list,
            arguments,
            first.unwrap_or(DEFAULT_CHILDREN),
            after,
        )
    }

    fn sized(
        ctx: &Ctx,
        list: &str,
        arguments: &impl serde::Serialize,
        first: i32,
        after: Option<&str>,
    ) -> async_graphql::Result<Self> {
        let limit = u32::try_from(first)
            .ok()
            .filter(|f| (1..=MAX_LIMIT).contains(f))
            .ok_or_else(|| {
                error(ApiError::invalid_parameter(
                    "first",
                    format!("must be between 1 and {MAX_LIMIT}, got {first}"),
                ))
            })?;
        let binding = format!(
            "graphql:{list}?{}",
            serde_json::to_string(arguments).unwrap_or_default()
        );
        let paging = Paging::bound_to(&ctx.state, &ctx.principal, binding, limit, after).gql()?;
        Ok(Self { paging })
    }

    pub fn limit(&self) -> usize {
        self.paging.limit
    }

    /// Where the page starts (taken once).
    pub fn after(&mut self) -> Option<PageKey> {
        self.paging.after.take()
    }

    /// The page of an object's children: the first from the request's batch (`batched`, with
    /// the other parents'), a later one from its own store read (`paged`); `None` from either
    /// is the parent's `NOT_FOUND`.
    pub async fn children_page<T, B, P>(
        &mut self,
        parent: &'static str,
        batched: impl FnOnce(usize) -> B,
        paged: impl FnOnce(usize, PageKey) -> P,
    ) -> async_graphql::Result<Page<T>>
    where
        T: Clone,
        B: Future<Output = Result<Option<Arc<Page<T>>>, Arc<async_graphql::Error>>>,
        P: Future<Output = Result<Option<Page<T>>, portal_store::StoreError>>,
    {
        let limit = self.limit();
        let page = match self.after() {
            None => crate::nodes::loaded(batched(limit).await)?.map(|page| (*page).clone()),
            Some(after) => paged(limit, after).await.gql()?,
        };
        page.ok_or_else(|| crate::error::not_found(parent))
    }

    /// The connection of a page.
    pub fn connection<T, U: OutputType + Clone>(
        self,
        page: Page<T>,
        mut node: impl FnMut(T) -> U,
    ) -> Connection<U> {
        let end_cursor = self.paging.seal(page.next.clone());
        let (nodes, after) = page
            .into_edges()
            .map(|(item, after)| (node(item), after))
            .unzip();
        Connection {
            nodes,
            page_info: PageInfo {
                has_next_page: end_cursor.is_some(),
                end_cursor,
            },
            after,
            pager: Arc::new(self),
        }
    }
}

/// The complexity of a connection field: its children's, `first` times.
pub fn times_first(first: Option<i32>, child_complexity: usize) -> usize {
    let first = first.unwrap_or(DEFAULT_FIRST).clamp(1, MAX_LIMIT as i32);
    (first as usize).saturating_mul(child_complexity)
}

/// [`times_first`] of an object's children ([`DEFAULT_CHILDREN`] without `first`).
pub fn children_times_first(first: Option<i32>, child_complexity: usize) -> usize {
    times_first(Some(first.unwrap_or(DEFAULT_CHILDREN)), child_complexity)
}
