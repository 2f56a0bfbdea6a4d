//! `Shipment`, with its order.

use super::{OrderNode, loaded};
use crate::context::Ctx;
use crate::error::not_found;
use async_graphql::{Context, Object, Result};
use portal_domain::model::Shipment;

/// A shipment of (part of) an order, with its tracking events.
#[derive(Clone)]
pub struct ShipmentNode(pub Shipment);

impl From<Shipment> for ShipmentNode {
    fn from(shipment: Shipment) -> Self {
        Self(shipment)
    }
}

#[Object(name = "Shipment")]
impl ShipmentNode {
    #[graphql(flatten)]
    async fn fields(&self) -> &Shipment {
        &self.0
    }

    /// The order shipped: `null` with a `NOT_FOUND` error when the caller may not see it.
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<OrderNode>> {
        let order = loaded(Ctx::of(ctx).orders.load_one(self.0.order_id.clone()).await)?
            .ok_or_else(|| not_found("order"))?;
        Ok(Some(OrderNode::of(order)))
    }
}
