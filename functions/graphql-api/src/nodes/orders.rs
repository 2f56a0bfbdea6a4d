//! `Order` and its lines: the edges of an order page.

use super::{AccountNode, DocumentNode, InvoiceNode, ProductNode, ShipmentNode, loaded};
use crate::connection::{Connection, Pager, children_times_first};
use crate::context::Ctx;
use crate::error::not_found;
use async_graphql::{Context, Object, Result};
use portal_domain::InvoiceId;
use portal_domain::model::{DocumentKind, Order, OrderLine, OrderSummary, Placed, StatusChange};
use std::sync::Arc;

/// An order: its summary fields at once, the rest (lines, history) read when asked for (a list
/// of orders holds summaries; the whole orders of a page are one `BatchGetItem`).
#[derive(Clone)]
pub struct OrderNode {
    summary: OrderSummary,
    whole: Option<Arc<Order>>,
}

impl OrderNode {
    pub fn of_summary(summary: OrderSummary) -> Self {
        Self {
            summary,
            whole: None,
        }
    }

    pub fn of(order: Arc<Order>) -> Self {
        Self {
            summary: order.summary.clone(),
            whole: Some(order),
        }
    }

    async fn whole(&self, ctx: &Context<'_>) -> Result<Arc<Order>> {
        if let Some(order) = &self.whole {
            return Ok(order.clone());
        }
        loaded(Ctx::of(ctx).orders.load_one(self.summary.id.clone()).await)?
            .ok_or_else(|| not_found("order"))
    }
}

#[Object(name = "Order")]
impl OrderNode {
    #[graphql(flatten)]
    async fn summary(&self) -> &OrderSummary {
        &self.summary
    }

    /// The ship-to address's id.
    async fn ship_to(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.whole(ctx).await?.ship_to.clone())
    }

    /// The order's lines (its cost counts them as `cost::LINES_COUNTED`).
    #[graphql(complexity = "crate::cost::LINES_COUNTED * child_complexity")]
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<OrderLineNode>> {
        let order = self.whole(ctx).await?;
        Ok(order.lines.iter().cloned().map(OrderLineNode).collect())
    }

    async fn status_history(&self, ctx: &Context<'_>) -> Result<Vec<StatusChange>> {
        Ok(self.whole(ctx).await?.status_history.clone())
    }

    /// The ERP's own number for an order placed in the portal, once it gives one.
    async fn erp_order_number(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.whole(ctx).await?.erp_order_number.clone())
    }

    /// How the order was placed in the portal (absent for orders the ERP knew first).
    async fn placed(&self, ctx: &Context<'_>) -> Result<Option<Placed>> {
        Ok(self.whole(ctx).await?.placed.clone())
    }

    async fn account(&self, ctx: &Context<'_>) -> Result<AccountNode> {
        let account = loaded(
            Ctx::of(ctx)
                .accounts
                .load_one(self.summary.account_id.clone())
                .await,
        )?
        .ok_or_else(|| not_found("account"))?;
        Ok(AccountNode::of(account, &Ctx::of(ctx).principal))
    }

    /// The order's shipments (first page batched with the other orders' of the query).
    #[graphql(complexity = "children_times_first(first, child_complexity)")]
    async fn shipments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<ShipmentNode>> {
        let c = Ctx::of(ctx);
        let id = &self.summary.id;
        let mut pager = Pager::children(c, "Order.shipments", id, first, after.as_deref())?;
        let page = pager
            .children_page(
                "order",
                |limit| c.shipments_of.load_one((id.clone(), limit)),
                |limit, after| {
                    c.state
                        .store
                        .order_shipments(&c.principal, id, limit, Some(after))
                },
            )
            .await?;
        Ok(pager.connection(page, ShipmentNode::from))
    }

    /// The order's documents: confirmation, delivery notes, invoices.
    #[graphql(complexity = "children_times_first(first, child_complexity)")]
    async fn documents(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<DocumentNode>> {
        let c = Ctx::of(ctx);
        let id = &self.summary.id;
        let mut pager = Pager::children(c, "Order.documents", id, first, after.as_deref())?;
        let page = pager
            .children_page(
                "order",
                |limit| c.documents_of.load_one((id.clone(), limit)),
                |limit, after| {
                    c.state
                        .store
                        .order_documents(&c.principal, id, limit, Some(after))
                },
            )
            .await?;
        Ok(pager.connection(page, DocumentNode::from))
    }

    /// The invoices and credit notes filed with the order's documents (its first 100), as the
    /// REST API reaches them: `/orders/{id}/documents`, then `/invoices/{id}`.
    #[graphql(complexity = "100 * child_complexity")]
    async fn invoices(&self, ctx: &Context<'_>) -> Result<Vec<InvoiceNode>> {
        let c = Ctx::of(ctx);
        let documents = loaded(
            c.documents_of
                .load_one((self.summary.id.clone(), portal_http::MAX_LIMIT as usize))
                .await,
        )?;
        let mut ids: Vec<InvoiceId> = documents
            .iter()
            .flat_map(|page| page.items().iter())
            .filter(|d| matches!(d.kind, DocumentKind::Invoice | DocumentKind::CreditNote))
            .filter_map(|d| d.links.invoice_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        let found = loaded(c.invoices.load_many(ids.iter().cloned()).await)?;
        Ok(ids
            .iter()
            .filter_map(|id| found.get(id))
            .map(|invoice| InvoiceNode::from((**invoice).clone()))
            .collect())
    }
}

/// A line of an order, with its product.
pub struct OrderLineNode(pub OrderLine);

#[Object(name = "OrderLine")]
impl OrderLineNode {
    #[graphql(flatten)]
    async fn fields(&self) -> &OrderLine {
        &self.0
    }

    /// The product ordered: `null` with a `NOT_FOUND` error when the caller no longer sees it.
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<ProductNode>> {
        let product = loaded(Ctx::of(ctx).products.load_one(self.0.sku.clone()).await)?
            .ok_or_else(|| not_found("product"))?;
        Ok(Some(ProductNode((*product).clone())))
    }
}
