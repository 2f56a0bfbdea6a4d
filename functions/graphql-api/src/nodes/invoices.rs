//! `Invoice`, with the status it has today, its order and its document.

use super::{DocumentNode, OrderNode, loaded};
use crate::context::Ctx;
use crate::error::{Gql, not_found};
use async_graphql::{Context, Object, Result};
use portal_domain::model::{Invoice, InvoiceStatus};

/// An invoice or credit note.
#[derive(Clone)]
pub struct InvoiceNode(pub Invoice);

impl From<Invoice> for InvoiceNode {
    fn from(invoice: Invoice) -> Self {
        Self(invoice)
    }
}

#[Object(name = "Invoice")]
impl InvoiceNode {
    #[graphql(flatten)]
    async fn fields(&self) -> &Invoice {
        &self.0
    }

    /// `OPEN`, `PAID` or `OVERDUE` (unpaid past its due date), today.
    async fn status(&self) -> InvoiceStatus {
        self.0.status_on(chrono::Utc::now().date_naive())
    }

    /// The order invoiced, if any.
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<OrderNode>> {
        let Some(id) = &self.0.order_id else {
            return Ok(None);
        };
        let order = loaded(Ctx::of(ctx).orders.load_one(id.clone()).await)?
            .ok_or_else(|| not_found("order"))?;
        Ok(Some(OrderNode::of(order)))
    }

    /// The invoice's PDF, if archived.
    async fn document(&self, ctx: &Context<'_>) -> Result<Option<DocumentNode>> {
        let Some(id) = &self.0.document_id else {
            return Ok(None);
        };
        let c = Ctx::of(ctx);
        let document = c
            .state
            .store
            .document(&c.principal, id)
            .await
            .gql()?
            .ok_or_else(|| not_found("document"))?;
        Ok(Some(DocumentNode(document)))
    }
}
