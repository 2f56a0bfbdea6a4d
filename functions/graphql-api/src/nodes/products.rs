//! `Product`, with its certificates.

use super::{DocumentNode, loaded};
use crate::connection::{Connection, Pager, children_times_first};
use crate::context::Ctx;
use crate::error::Gql;
use async_graphql::{Context, Object, Result};
use portal_domain::model::Product;

/// A product of the catalog.
#[derive(Clone)]
pub struct ProductNode(pub Product);

#[Object(name = "Product")]
impl ProductNode {
    #[graphql(flatten)]
    async fn fields(&self) -> &Product {
        &self.0
    }

    /// Its certificates: its own (declaration of conformity, safety data sheet) and those of its
    /// batches delivered to the caller's accounts (first page batched across products).
    #[graphql(complexity = "children_times_first(first, child_complexity)")]
    async fn certificates(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<DocumentNode>> {
        let c = Ctx::of(ctx);
        let sku = &self.0.sku;
        let mut pager = Pager::children(c, "Product.certificates", sku, first, after.as_deref())?;
        let page = pager
            .children_page(
                "product",
                |limit| c.certificates_of.load_one((sku.clone(), limit)),
                |limit, after| {
                    c.state
                        .store
                        .product_certificates(&c.principal, sku, limit, Some(after))
                },
            )
            .await?;
        Ok(pager.connection(page, DocumentNode::from))
    }

    /// The SKU's demand forecasts in the served analytics run: its total, then per division
    /// (as `GET /forecasts/{sku}`). For the seller's staff (`FORBIDDEN` for others); `null`
    /// when the run has none for it.
    async fn forecast(&self, ctx: &Context<'_>) -> Result<Option<crate::query::SkuForecasts>> {
        let c = Ctx::of(ctx);
        insights_api::staff_only(&c.principal).gql()?;
        let forecasts = loaded(c.forecasts_of.load_one(self.0.sku.clone()).await)?;
        Ok(forecasts.map(|f| (*f).clone()))
    }
}
