//! An account's checkout rules, its buyers' spending limits and monthly spend, its queue of
//! orders waiting for approval, and approvers' decisions (keys in the `keys` doc). Checkout
//! data has partitions of its own (`CHECKOUT#`, `APPROVALS#`), so that the functions that write
//! it may write nothing of the account records the ERP owns.

use crate::error::dynamo;
use crate::items::{Item, Page, QuerySpec, SortKey, s, to_item};
use crate::keys::{self, ItemKeys, PK, SK};
use crate::{PageKey, Store, StoreError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use portal_domain::approvals::{CheckoutSettings, SpendingLimit};
use portal_domain::events::OrderEvent;
use portal_domain::model::Order;
use portal_domain::{AccountId, Currency, OrderId, ScopedAccount, UserId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An order in an account's approval queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingApproval {
    pub account_id: AccountId,
    pub order_id: OrderId,
    pub total: Decimal,
    pub currency: Currency,
    pub placed_by: UserId,
    pub placed_at: DateTime<Utc>,
    pub reasons: Vec<String>,
}

/// What to add to a buyer's spend in a month.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendChange {
    pub account_id: AccountId,
    pub user: UserId,
    /// `YYYY-MM`.
    pub month: String,
    pub add: Decimal,
    /// For a decision that depends on the spend (a buyer with a limit): the spend it read
    /// (`None`: nothing spent), and the write holds only if it is unchanged. Without it the
    /// amount is added whatever the spend, so that concurrent orders never contend.
    pub read: Option<Option<Decimal>>,
}

/// How long a month's spend is kept (then the table's TTL removes it).
const SPEND_KEEP_DAYS: i64 = 400;

pub(crate) fn pending_item(p: &PendingApproval) -> Result<Item, StoreError> {
    to_item(
        p,
        ItemKeys {
            entity: "pending-approval",
            pk: keys::approvals(&p.account_id),
            sk: keys::pending_approval(&p.placed_at, &p.order_id),
            gsi1: None,
            gsi2: None,
        },
    )
}

fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Service {
        service: "DynamoDB",
        operation: "TransactWriteItems",
        code: None,
        message: e.to_string(),
    })
}

/// The update that adds to a buyer's monthly spend (a number, exact in DynamoDB), holding
/// only if it is still as read when the change says so.
pub(crate) fn spend_action(
    table: &str,
    change: &SpendChange,
) -> Result<TransactWriteItem, StoreError> {
    let n = |d: Decimal| AttributeValue::N(d.normalize().to_string());
    let mut update = Update::builder()
        .table_name(table)
        .key(PK, s(keys::checkout(&change.account_id)))
        .key(SK, s(keys::spend(&change.user, &change.month)))
        .update_expression("ADD spent :add SET expires_at = :expires, #entity = :entity")
        .expression_attribute_names("#entity", keys::ENTITY)
        .expression_attribute_values(":add", n(change.add))
        .expression_attribute_values(
            ":expires",
            AttributeValue::N((Utc::now().timestamp() + SPEND_KEEP_DAYS * 86_400).to_string()),
        )
        .expression_attribute_values(":entity", s("monthly-spend"));
    update = match change.read {
        None => update,
        Some(None) => update.condition_expression("attribute_not_exists(spent)"),
        Some(Some(read)) => update
            .condition_expression("spent = :read")
            .expression_attribute_values(":read", n(read)),
    };
    Ok(TransactWriteItem::builder()
        .update(built(update.build())?)
        .build())
}

/// An approver's decision, as written.
#[derive(Debug)]
pub struct DecisionWrite<'a> {
    /// The order with the decision, at its next version.
    pub order: &'a Order,
    /// The order's version the decision was made to.
    pub read_version: u64,
    pub event: &'a OrderEvent,
    /// What an approved order adds to its placer's spend (whatever the spend is now).
    pub spend: Option<SpendChange>,
}

/// How a decision went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    Written,
    /// The order changed since it was read (another approver decided).
    OrderChanged,
}

impl Store {
    /// The account's checkout rules (the defaults until set).
    pub async fn checkout_settings(
        &self,
        account: &ScopedAccount,
    ) -> Result<CheckoutSettings, StoreError> {
        Ok(self
            .table
            .get_as(keys::checkout(account.id()), keys::SETTINGS)
            .await?
            .unwrap_or_default())
    }

    /// Writes the account's checkout rules over the version read; `false` if they changed since.
    pub async fn save_checkout_settings(
        &self,
        account: &ScopedAccount,
        settings: &CheckoutSettings,
        read_version: u64,
    ) -> Result<bool, StoreError> {
        let item = to_item(
            settings,
            ItemKeys {
                entity: "checkout-settings",
                pk: keys::checkout(account.id()),
                sk: keys::SETTINGS.to_owned(),
                gsi1: None,
                gsi2: None,
            },
        )?;
        let condition = if read_version == 0 {
            "attribute_not_exists(PK) OR version = :read"
        } else {
            "version = :read"
        };
        self.put_if(item, condition, read_version).await
    }

    async fn put_if(&self, item: Item, condition: &str, read: u64) -> Result<bool, StoreError> {
        let sent = self
            .table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(item))
            .condition_expression(condition)
            .expression_attribute_values(":read", AttributeValue::N(read.to_string()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(dynamo("PutItem")(e)),
        }
    }

    /// The account's buyers' spending limits, by user id.
    pub async fn spending_limits(
        &self,
        account: &ScopedAccount,
    ) -> Result<Vec<SpendingLimit>, StoreError> {
        let spec = QuerySpec::new(
            None,
            keys::checkout(account.id()),
            SortKey::BeginsWith(keys::LIMITS.to_owned()),
        );
        self.table.query_all_as(&spec).await
    }

    /// One buyer's spending limit, if set.
    pub async fn spending_limit(
        &self,
        account: &ScopedAccount,
        user: &UserId,
    ) -> Result<Option<SpendingLimit>, StoreError> {
        self.table
            .get_as(keys::checkout(account.id()), &keys::limit(user))
            .await
    }

    /// Sets (or, with `None`, removes) a buyer's spending limit.
    pub async fn set_spending_limit(
        &self,
        account: &ScopedAccount,
        user: &UserId,
        limit: Option<&SpendingLimit>,
    ) -> Result<(), StoreError> {
        match limit {
            Some(limit) => {
                let item = to_item(
                    limit,
                    ItemKeys {
                        entity: "spending-limit",
                        pk: keys::checkout(account.id()),
                        sk: keys::limit(user),
                        gsi1: None,
                        gsi2: None,
                    },
                )?;
                self.table
                    .client
                    .put_item()
                    .table_name(&self.table.name)
                    .set_item(Some(item))
                    .send()
                    .await
                    .map_err(dynamo("PutItem"))?;
            }
            None => {
                self.table
                    .client
                    .delete_item()
                    .table_name(&self.table.name)
                    .key(PK, s(keys::checkout(account.id())))
                    .key(SK, s(keys::limit(user)))
                    .send()
                    .await
                    .map_err(dynamo("DeleteItem"))?;
            }
        }
        Ok(())
    }

    /// What a buyer has spent in `month` (`YYYY-MM`), if anything (a consistent read: the
    /// write that adds to it holds only if it is unchanged).
    pub async fn spend(
        &self,
        account: &AccountId,
        user: &UserId,
        month: &str,
    ) -> Result<Option<Decimal>, StoreError> {
        let item = self
            .table
            .client
            .get_item()
            .table_name(&self.table.name)
            .key(PK, s(keys::checkout(account)))
            .key(SK, s(keys::spend(user, month)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo("GetItem"))?
            .item;
        Ok(item
            .as_ref()
            .and_then(|i| i.get("spent"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok()))
    }

    /// The account's orders waiting for approval, the oldest first.
    pub async fn pending_approvals(
        &self,
        account: &ScopedAccount,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<PendingApproval>, StoreError> {
        let spec = QuerySpec::new(None, keys::approvals(account.id()), SortKey::Any);
        self.table.query_page_as(&spec, limit, after).await
    }

    /// Writes a decision in one transaction: the order (if still at the version read), its
    /// queue entry gone, its event, and for an approval the placer's spend.
    pub async fn decide(&self, decision: DecisionWrite<'_>) -> Result<Decided, StoreError> {
        let table = &self.table.name;
        let order = decision.order;
        let placed = order.placed.as_ref().ok_or_else(|| StoreError::Service {
            service: "portal",
            operation: "decide",
            code: None,
            message: format!("order {} was not placed in the portal", order.summary.id),
        })?;
        let mut actions = vec![
            TransactWriteItem::builder()
                .put(built(
                    Put::builder()
                        .table_name(table)
                        .set_item(Some(crate::orders::order_item(order)?))
                        .condition_expression("#placed.#version = :read")
                        .expression_attribute_names("#placed", "placed")
                        .expression_attribute_names("#version", "version")
                        .expression_attribute_values(
                            ":read",
                            AttributeValue::N(decision.read_version.to_string()),
                        )
                        .build(),
                )?)
                .build(),
        ];
        actions.push(
            TransactWriteItem::builder()
                .delete(built(
                    Delete::builder()
                        .table_name(table)
                        .key(PK, s(keys::approvals(&order.summary.account_id)))
                        .key(SK, s(keys::pending_approval(&placed.at, &order.summary.id)))
                        .build(),
                )?)
                .build(),
        );
        actions.push(crate::placement::event_action(table, decision.event)?);
        if let Some(spend) = &decision.spend {
            actions.push(spend_action(table, spend)?);
        }
        let sent = self
            .table
            .client
            .transact_write_items()
            .set_transact_items(Some(actions))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(Decided::Written),
            Err(e) => {
                if let Some(TransactWriteItemsError::TransactionCanceledException(c)) =
                    e.as_service_error()
                {
                    let failed = |i: usize| {
                        c.cancellation_reasons().get(i).and_then(|r| r.code())
                            == Some("ConditionalCheckFailed")
                    };
                    if failed(0) {
                        return Ok(Decided::OrderChanged);
                    }
                }
                Err(dynamo("TransactWriteItems")(e))
            }
        }
    }
}
