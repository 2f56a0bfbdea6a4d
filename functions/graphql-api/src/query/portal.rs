//! Step 1's reads: accounts, orders, shipments, invoices, documents, the catalog.

use crate::connection::{Connection, Pager, children_times_first, times_first};
use crate::context::Ctx;
use crate::error::{Gql, not_found};
use crate::filters::{InvoiceFilterInput, OrderFilterInput};
use crate::nodes::{
    self, AccountNode, BalanceNode, DocumentNode, InvoiceNode, MeNode, OrderNode, ProductNode,
    ShipmentNode,
};
use async_graphql::{Context, Object, Result};
use portal_domain::insights::{ReorderStatus, ReorderSuggestion};
use portal_domain::{
    AccountId, BatchId, DivisionId, DocumentId, InvoiceId, OrderId, ShipmentId, Sku, TrackingNumber,
};
use serde::Serialize;
use std::sync::Arc;

/// What a portal shows.
#[derive(Default)]
pub struct PortalQuery;

/// The account a field's `account` argument names (or the caller's only one), scope-checked.
pub(super) fn account_of(
    c: &Ctx,
    account: Option<&AccountId>,
) -> Result<portal_domain::ScopedAccount> {
    c.principal.account_for(account).gql()
}

#[Object]
impl PortalQuery {
    /// The caller (`GET /me`).
    async fn me(&self, ctx: &Context<'_>) -> Result<MeNode> {
        let c = Ctx::of(ctx);
        let mut user = c
            .state
            .store
            .user(&c.principal.user_id)
            .await
            .gql()?
            .ok_or_else(|| not_found("user"))?;
        if !c.principal.role.is_customer_side() {
            // Staff reach accounts through assignments; an account on their record grants nothing.
            user.account_id = None;
        }
        Ok(MeNode {
            user,
            principal: c.principal.clone(),
        })
    }

    /// The accounts the caller sees (`GET /accounts`).
    #[graphql(complexity = "times_first(first, child_complexity)")]
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<AccountNode>> {
        let c = Ctx::of(ctx);
        let mut pager = Pager::new(c, "accounts", &(), first, after.as_deref())?;
        let page = c
            .state
            .store
            .accounts(&c.principal, pager.limit(), pager.after())
            .await
            .gql()?;
        Ok(pager.connection(page, |a| AccountNode::of(Arc::new(a), &c.principal)))
    }

    /// One account (`GET /accounts/{id}`).
    async fn account(&self, ctx: &Context<'_>, id: AccountId) -> Result<Option<AccountNode>> {
        let c = Ctx::of(ctx);
        let scoped = c
            .principal
            .scoped(&id)
            .ok_or_else(|| not_found("account"))?;
        let account = c
            .state
            .store
            .account(&scoped)
            .await
            .gql()?
            .ok_or_else(|| not_found("account"))?;
        Ok(Some(AccountNode::of(Arc::new(account), &c.principal)))
    }

    /// An account's orders, newest first (`GET /orders`); `account` for staff.
    #[graphql(complexity = "times_first(first, child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        account: Option<AccountId>,
        filter: Option<OrderFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<OrderNode>> {
        let c = Ctx::of(ctx);
        let account = account_of(c, account.as_ref())?;
        nodes::orders(c, account, filter.unwrap_or_default(), first, after).await
    }

    /// One order (`GET /orders/{id}`).
    async fn order(&self, ctx: &Context<'_>, id: OrderId) -> Result<Option<OrderNode>> {
        let c = Ctx::of(ctx);
        let order = c
            .state
            .store
            .order(&c.principal, &id)
            .await
            .gql()?
            .ok_or_else(|| not_found("order"))?;
        Ok(Some(OrderNode::of(Arc::new(order))))
    }

    /// One shipment (`GET /shipments/{id}`).
    async fn shipment(&self, ctx: &Context<'_>, id: ShipmentId) -> Result<Option<ShipmentNode>> {
        let c = Ctx::of(ctx);
        let shipment = c
            .state
            .store
            .shipment(&c.principal, &id)
            .await
            .gql()?
            .ok_or_else(|| not_found("shipment"))?;
        Ok(Some(ShipmentNode(shipment)))
    }

    /// The caller's shipments with a tracking number (`GET /shipments?tracking_number=`).
    #[graphql(complexity = "children_times_first(first, child_complexity)")]
    async fn shipments(
        &self,
        ctx: &Context<'_>,
        tracking_number: TrackingNumber,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<ShipmentNode>> {
        let c = Ctx::of(ctx);
        let mut pager = Pager::children(c, "shipments", &tracking_number, first, after.as_deref())?;
        let page = c
            .state
            .store
            .shipments_by_tracking(&c.principal, &tracking_number, pager.limit(), pager.after())
            .await
            .gql()?;
        Ok(pager.connection(page, ShipmentNode))
    }

    /// An account's invoices and credit notes (`GET /invoices`); `account` for staff.
    #[graphql(complexity = "times_first(first, child_complexity)")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        account: Option<AccountId>,
        filter: Option<InvoiceFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<InvoiceNode>> {
        let c = Ctx::of(ctx);
        let account = account_of(c, account.as_ref())?;
        nodes::invoices(c, account, filter.unwrap_or_default(), first, after).await
    }

    /// One invoice or credit note (`GET /invoices/{id}`).
    async fn invoice(&self, ctx: &Context<'_>, id: InvoiceId) -> Result<Option<InvoiceNode>> {
        let c = Ctx::of(ctx);
        let invoice = c
            .state
            .store
            .invoice(&c.principal, &id)
            .await
            .gql()?
            .ok_or_else(|| not_found("invoice"))?;
        Ok(Some(InvoiceNode(invoice)))
    }

    /// What an account owes (`GET /invoices/balance`); `account` for staff.
    async fn open_balance(
        &self,
        ctx: &Context<'_>,
        account: Option<AccountId>,
    ) -> Result<BalanceNode> {
        let c = Ctx::of(ctx);
        nodes::open_balance(c, account_of(c, account.as_ref())?).await
    }

    /// One document (`GET /documents/{id}`; its `download` is `/documents/{id}/download`).
    async fn document(&self, ctx: &Context<'_>, id: DocumentId) -> Result<Option<DocumentNode>> {
        let c = Ctx::of(ctx);
        let document = c
            .state
            .store
            .document(&c.principal, &id)
            .await
            .gql()?
            .ok_or_else(|| not_found("document"))?;
        Ok(Some(DocumentNode(document)))
    }

    /// A batch's certificates delivered to the caller's accounts (`GET /certificates?batch=`).
    async fn certificates(&self, ctx: &Context<'_>, batch: BatchId) -> Result<Vec<DocumentNode>> {
        let c = Ctx::of(ctx);
        let documents = c
            .state
            .store
            .batch_certificates(&c.principal, &batch)
            .await
            .gql()?;
        if documents.is_empty() {
            return Err(not_found("batch"));
        }
        Ok(documents.into_iter().map(DocumentNode).collect())
    }

    /// An order line's certificates: its batch's and its product's own
    /// (`GET /orders/{id}/lines/{line_no}/certificates`).
    #[graphql(complexity = "children_times_first(first, child_complexity)")]
    async fn line_certificates(
        &self,
        ctx: &Context<'_>,
        order_id: OrderId,
        line_no: u32,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<DocumentNode>> {
        let c = Ctx::of(ctx);
        let mut pager = Pager::children(
            c,
            "lineCertificates",
            &(&order_id, line_no),
            first,
            after.as_deref(),
        )?;
        let page = c
            .state
            .store
            .line_certificates(
                &c.principal,
                &order_id,
                line_no,
                pager.limit(),
                pager.after(),
            )
            .await
            .gql()?
            .ok_or_else(|| not_found("order line"))?;
        Ok(pager.connection(page, DocumentNode))
    }

    /// The catalog the caller sees, in SKU order (`GET /products`).
    #[graphql(complexity = "times_first(first, child_complexity)")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        sku_prefix: Option<String>,
        name: Option<String>,
        division: Option<DivisionId>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<ProductNode>> {
        let c = Ctx::of(ctx);
        #[derive(Serialize)]
        struct Binding<'a> {
            sku_prefix: Option<&'a str>,
            name: Option<&'a str>,
            division: Option<&'a DivisionId>,
        }
        let binding = Binding {
            sku_prefix: sku_prefix.as_deref(),
            name: name.as_deref(),
            division: division.as_ref(),
        };
        let mut pager = Pager::new(c, "products", &binding, first, after.as_deref())?;
        let query = catalog_api::product_query(
            sku_prefix.as_deref(),
            name.as_deref(),
            division.as_ref().map(|d| d.as_str()),
        )
        .gql()?;
        let page = c
            .state
            .store
            .products(&c.principal, &query, pager.limit(), pager.after())
            .await
            .gql()?;
        // A search answers summaries; the products' other fields are one batch read.
        let skus: Vec<Sku> = page.items().iter().map(|p| p.sku.clone()).collect();
        let found = nodes::loaded(c.products.load_many(skus).await)?;
        let page = page.filter_map(|p| found.get(&p.sku).map(|p| ProductNode((**p).clone())));
        Ok(pager.connection(page, |p| p))
    }

    /// One product (`GET /products/{sku}`).
    async fn product(&self, ctx: &Context<'_>, sku: Sku) -> Result<Option<ProductNode>> {
        let c = Ctx::of(ctx);
        let product = c
            .state
            .store
            .product(&c.principal, &sku)
            .await
            .gql()?
            .ok_or_else(|| not_found("product"))?;
        Ok(Some(ProductNode(product)))
    }

    /// An account's reorder suggestions (`GET /reorder-suggestions`); `account` for staff.
    #[graphql(complexity = "times_first(first, child_complexity)")]
    async fn reorder_suggestions(
        &self,
        ctx: &Context<'_>,
        account: Option<AccountId>,
        status: Option<Vec<ReorderStatus>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<ReorderSuggestion>> {
        let c = Ctx::of(ctx);
        let account = account_of(c, account.as_ref())?;
        nodes::reorder_suggestions(c, account, status.unwrap_or_default(), first, after).await
    }
}
