//! Shipments and their tracking events.

use crate::items::{Item, QuerySpec, SortKey, to_item};
use crate::keys::{self, Index, ItemKeys, META};
use crate::{Store, StoreError};
use portal_domain::model::Shipment;
use portal_domain::{OrderId, Principal, ShipmentId, TrackingNumber};

pub(crate) fn shipment_item(shipment: &Shipment) -> Result<Item, StoreError> {
    to_item(
        shipment,
        ItemKeys {
            entity: "shipment",
            pk: keys::shipment(&shipment.id),
            sk: META.to_owned(),
            gsi1: Some((
                keys::order(&shipment.order_id),
                keys::shipment(&shipment.id),
            )),
            gsi2: Some((
                keys::tracking(&shipment.tracking_number),
                keys::shipment(&shipment.id),
            )),
        },
    )
}

impl Store {
    /// The shipments of an order, or `None` when the order is absent or not visible.
    pub async fn order_shipments(
        &self,
        principal: &Principal,
        order: &OrderId,
    ) -> Result<Option<Vec<Shipment>>, StoreError> {
        let shipments: Option<Vec<Shipment>> =
            self.order_children(principal, order, "SHIPMENT#").await?;
        Ok(shipments.map(|all| {
            all.into_iter()
                .filter(|s| principal.can_see(&s.account_id))
                .collect()
        }))
    }

    /// One shipment, when visible to `principal`.
    pub async fn shipment(
        &self,
        principal: &Principal,
        id: &ShipmentId,
    ) -> Result<Option<Shipment>, StoreError> {
        let shipment: Option<Shipment> = self.table.get_as(keys::shipment(id), META).await?;
        Ok(shipment.filter(|s| principal.can_see(&s.account_id)))
    }

    /// The visible shipments with a tracking number (carriers reuse numbers over the years).
    pub async fn shipments_by_tracking(
        &self,
        principal: &Principal,
        number: &TrackingNumber,
    ) -> Result<Vec<Shipment>, StoreError> {
        let spec = QuerySpec::new(
            Some(Index::Gsi2),
            keys::tracking(number),
            SortKey::BeginsWith("SHIPMENT#".to_owned()),
        );
        let shipments: Vec<Shipment> = self.table.query_all_as(&spec).await?;
        Ok(shipments
            .into_iter()
            .filter(|s| principal.can_see(&s.account_id))
            .collect())
    }
}
