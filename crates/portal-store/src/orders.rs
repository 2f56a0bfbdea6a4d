//! Orders: history per account with filters, and one order with its lines and status history.

use crate::items::{Days, Item, Page, QuerySpec, SortKey, from_item, s, to_item};
use crate::keys::{self, Index, ItemKeys, META};
use crate::{PageKey, Store, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use portal_domain::model::{Order, OrderStatus, OrderSummary};
use portal_domain::{AccountId, OrderId, Principal, ScopedAccount, Sku};

/// Filters of the order history; all optional, all AND-ed.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Any of these statuses.
    pub statuses: Vec<OrderStatus>,
    /// Ordered on or after.
    pub from: Option<NaiveDate>,
    /// Ordered on or before.
    pub to: Option<NaiveDate>,
    /// The PO number starts with this (case-insensitive).
    pub po_prefix: Option<String>,
    /// The order has a line with this SKU.
    pub sku: Option<Sku>,
}

/// The attributes of an order that lists show.
const SUMMARY: &[&str] = &[
    "id",
    "account_id",
    "po_number",
    "division",
    "currency",
    "order_date",
    "requested_delivery",
    "confirmed_delivery",
    "status",
    "totals",
    "line_count",
];

pub(crate) fn order_item(order: &Order) -> Result<Item, StoreError> {
    let o = &order.summary;
    let mut item = to_item(
        order,
        ItemKeys {
            entity: "order",
            pk: keys::order(&o.id),
            sk: META.to_owned(),
            gsi1: Some((
                keys::account_orders(&o.account_id),
                format!("{}#{}", o.order_date, o.id),
            )),
            gsi2: Some((
                keys::account_po(&o.account_id),
                format!("{}#{}", o.po_number.as_str().to_uppercase(), o.id),
            )),
        },
    )?;
    let mut skus: Vec<String> = order.lines.iter().map(|l| l.sku.to_string()).collect();
    skus.sort();
    skus.dedup();
    if !skus.is_empty() {
        item.insert("skus".to_owned(), AttributeValue::Ss(skus));
    }
    Ok(item)
}

impl Store {
    /// An account's orders, newest first.
    ///
    /// Key conditions: the account's order partition of GSI1 narrowed by date, or, with a
    /// PO prefix, the account's PO partition of GSI2. Status and SKU are filters on that partition.
    ///
    /// The account is a [`ScopedAccount`], which only the caller's scope check makes, like
    /// every account this store reads or writes data of; a bare id does not compile:
    ///
    /// ```compile_fail
    /// # async fn handler(store: &portal_store::Store, id: portal_domain::AccountId) {
    /// let page = store.orders(&id, &Default::default(), 20, None).await;
    /// # }
    /// ```
    ///
    /// ```no_run
    /// # async fn handler(
    /// #     store: &portal_store::Store,
    /// #     principal: &portal_domain::Principal,
    /// #     id: portal_domain::AccountId,
    /// # ) -> Option<()> {
    /// let account = principal.account_for(Some(&id)).ok()?;
    /// let page = store.orders(&account, &Default::default(), 20, None).await;
    /// # Some(())
    /// # }
    /// ```
    pub async fn orders(
        &self,
        account: &ScopedAccount,
        filter: &OrderFilter,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<OrderSummary>, StoreError> {
        let account = account.id();
        let days = Days {
            from: filter.from,
            to: filter.to,
        };
        let mut spec = match &filter.po_prefix {
            Some(po) => {
                let mut spec = QuerySpec::new(
                    Some(Index::Gsi2),
                    keys::account_po(account),
                    SortKey::BeginsWith(po.to_uppercase()),
                );
                days.filter_on(&mut spec.filter, "order_date");
                spec
            }
            None => QuerySpec::new(
                Some(Index::Gsi1),
                keys::account_orders(account),
                days.key_range(),
            ),
        };
        spec.newest_first = true;
        spec.projection = Some(SUMMARY);
        if !filter.statuses.is_empty() {
            let placeholders: Vec<String> = (0..filter.statuses.len())
                .map(|i| format!(":st{i}"))
                .collect();
            spec.filter
                .and(format!("#status IN ({})", placeholders.join(", ")))
                .name("#status", "status");
            for (placeholder, status) in placeholders.iter().zip(&filter.statuses) {
                spec.filter.value(placeholder, s(status.as_str()));
            }
        }
        if let Some(sku) = &filter.sku {
            spec.filter
                .and("contains(#skus, :sku)")
                .name("#skus", "skus")
                .value(":sku", s(sku.as_str()));
        }
        self.table.query_page_as(&spec, limit, after).await
    }

    /// One order with its lines and status history, when visible to `principal`.
    pub async fn order(
        &self,
        principal: &Principal,
        id: &OrderId,
    ) -> Result<Option<Order>, StoreError> {
        let order: Option<Order> = self.table.get_as(keys::order(id), META).await?;
        Ok(order.filter(|o| principal.can_see(&o.summary.account_id)))
    }

    /// A page of the items filed under an order in GSI1 whose sort key starts with `prefix`
    /// (its shipments, its documents), or `None` when the order is absent or not visible to
    /// `principal`. Paged: an order's children are many when an ERP files them so.
    pub(crate) async fn order_children<T: serde::de::DeserializeOwned>(
        &self,
        principal: &Principal,
        id: &OrderId,
        prefix: &str,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Option<Page<T>>, StoreError> {
        if self.visible_order_account(principal, id).await?.is_none() {
            return Ok(None);
        }
        let spec = children_spec(id, prefix);
        Ok(Some(self.table.query_page_as(&spec, limit, after).await?))
    }

    /// The account an order belongs to, when the order exists and is visible to `principal`.
    async fn visible_order_account(
        &self,
        principal: &Principal,
        id: &OrderId,
    ) -> Result<Option<AccountId>, StoreError> {
        let out = self
            .table
            .client
            .get_item()
            .table_name(&self.table.name)
            .key(keys::PK, s(keys::order(id)))
            .key(keys::SK, s(META))
            .projection_expression("account_id")
            .send()
            .await
            .map_err(crate::error::dynamo("GetItem"))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        #[derive(serde::Deserialize)]
        struct Owner {
            account_id: AccountId,
        }
        let owner: Owner = from_item(item)?;
        Ok(principal
            .can_see(&owner.account_id)
            .then_some(owner.account_id))
    }
}

/// The items filed under an order in GSI1 whose sort key starts with `prefix` (`SHIPMENT#`,
/// `DOCUMENT#`).
pub(crate) fn children_spec(order: &OrderId, prefix: &str) -> QuerySpec {
    QuerySpec::new(
        Some(Index::Gsi1),
        keys::order(order),
        SortKey::BeginsWith(prefix.to_owned()),
    )
}
