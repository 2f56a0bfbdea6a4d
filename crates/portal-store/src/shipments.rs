//! Shipments and their tracking events.

use crate::items::{Item, Page, QuerySpec, SortKey, s, to_item};
use crate::keys::{self, Index, ItemKeys, META};
use crate::{PageKey, Store, StoreError};
use portal_domain::model::Shipment;
use portal_domain::{AccessScope, OrderId, Principal, ShipmentId, TrackingNumber};

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

/// The most accounts a query's filter names; beyond, the visible items are picked after reading.
const MAX_ACCOUNTS_IN_FILTER: usize = 300;

impl Store {
    /// A page of an order's shipments, or `None` when the order is absent or not visible.
    pub async fn order_shipments(
        &self,
        principal: &Principal,
        order: &OrderId,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Option<Page<Shipment>>, StoreError> {
        let page: Option<Page<Shipment>> = self
            .order_children(principal, order, "SHIPMENT#", limit, after)
            .await?;
        Ok(page.map(|mut page| {
            page.retain(|s| principal.can_see(&s.account_id));
            page
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

    /// A page of the visible shipments with a tracking number (carriers reuse numbers over the
    /// years, and ERPs file placeholders such as `NA` on many). The principal's accounts are a
    /// filter of the query, so that other accounts' shipments neither fill nor shape its pages.
    pub async fn shipments_by_tracking(
        &self,
        principal: &Principal,
        number: &TrackingNumber,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<Shipment>, StoreError> {
        let mut spec = QuerySpec::new(
            Some(Index::Gsi2),
            keys::tracking(number),
            SortKey::BeginsWith("SHIPMENT#".to_owned()),
        );
        match &principal.scope {
            AccessScope::All => {}
            AccessScope::Account(own) => {
                spec.filter
                    .and("#account = :account")
                    .name("#account", "account_id")
                    .value(":account", s(own.as_str()));
            }
            // A manager with no account sees nothing.
            AccessScope::Assigned(set) if set.is_empty() => {
                return Ok(Page::empty());
            }
            // `IN` takes 100 values and an expression 4 KB: a few hundred accounts fit. For a
            // manager of more, the visible shipments of each page are picked below.
            AccessScope::Assigned(set) if set.len() <= MAX_ACCOUNTS_IN_FILTER => {
                let placeholders: Vec<String> = (0..set.len()).map(|i| format!(":a{i}")).collect();
                for (placeholder, account) in placeholders.iter().zip(set) {
                    spec.filter.value(placeholder, s(account.as_str()));
                }
                let any_of: Vec<String> = placeholders
                    .chunks(100)
                    .map(|chunk| format!("#account IN ({})", chunk.join(", ")))
                    .collect();
                spec.filter
                    .and(format!("({})", any_of.join(" OR ")))
                    .name("#account", "account_id");
            }
            AccessScope::Assigned(_) => {}
        }
        let mut page: Page<Shipment> = self.table.query_page_as(&spec, limit, after).await?;
        page.retain(|s| principal.can_see(&s.account_id));
        Ok(page)
    }
}
