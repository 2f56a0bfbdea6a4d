//! Carts: one item each (lines inside), listed per account newest change first, every write
//! conditional on the version the writer read.

use crate::error::dynamo;
use crate::items::{Item, Page, QuerySpec, SortKey, from_item, s, to_item};
use crate::keys::{self, Index, ItemKeys, META, PK, SK};
use crate::{PageKey, Store, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use portal_domain::carts::Cart;
use portal_domain::{CartId, Principal, ScopedAccount};

/// What became of a conditional cart write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CartWrite {
    Written,
    /// Someone changed the cart since it was read: its version now, or `None` if it is gone.
    Stale {
        current: Option<u64>,
    },
}

pub(crate) fn cart_item(cart: &Cart) -> Result<Item, StoreError> {
    to_item(
        cart,
        ItemKeys {
            entity: "cart",
            pk: keys::cart(&cart.id),
            sk: META.to_owned(),
            gsi1: Some((
                keys::account_carts(&cart.account_id),
                format!(
                    "{}#{}",
                    cart.updated_at.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                    cart.id
                ),
            )),
            gsi2: None,
        },
    )
}

impl Store {
    /// A cart, when `principal` sees its account and it is theirs or shared.
    pub async fn cart(
        &self,
        principal: &Principal,
        id: &CartId,
    ) -> Result<Option<Cart>, StoreError> {
        let cart: Option<Cart> = self.table.get_as(keys::cart(id), META).await?;
        Ok(
            cart.filter(|c| {
                principal.can_see(&c.account_id) && c.is_visible_to(&principal.user_id)
            }),
        )
    }

    /// The account's carts `principal` sees (its own and the shared ones), the most recently
    /// changed first.
    pub async fn carts(
        &self,
        principal: &Principal,
        account: &ScopedAccount,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<Cart>, StoreError> {
        let mut spec = QuerySpec::new(
            Some(Index::Gsi1),
            keys::account_carts(account.id()),
            SortKey::Any,
        );
        spec.newest_first = true;
        spec.filter
            .and("(#owner = :me OR #shared = :shared)")
            .name("#owner", "owner")
            .name("#shared", "shared")
            .value(":me", s(principal.user_id.as_str()))
            .value(":shared", AttributeValue::Bool(true));
        self.table.query_page_as(&spec, limit, after).await
    }

    /// Writes a new cart (its id must be new).
    pub async fn create_cart(&self, cart: &Cart) -> Result<CartWrite, StoreError> {
        self.put_cart(cart, "attribute_not_exists(PK)", None).await
    }

    /// Writes `cart` over the one at `read_version`.
    pub async fn save_cart(&self, cart: &Cart, read_version: u64) -> Result<CartWrite, StoreError> {
        self.put_cart(cart, "version = :read", Some(read_version))
            .await
    }

    /// Deletes the cart if it is still at `read_version`.
    pub async fn delete_cart(
        &self,
        id: &CartId,
        read_version: u64,
    ) -> Result<CartWrite, StoreError> {
        let sent = self
            .table
            .client
            .delete_item()
            .table_name(&self.table.name)
            .key(PK, s(keys::cart(id)))
            .key(SK, s(META))
            .condition_expression("version = :read")
            .expression_attribute_values(":read", AttributeValue::N(read_version.to_string()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(CartWrite::Written),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                self.stale(id).await
            }
            Err(e) => Err(dynamo("DeleteItem")(e)),
        }
    }

    async fn put_cart(
        &self,
        cart: &Cart,
        condition: &str,
        read_version: Option<u64>,
    ) -> Result<CartWrite, StoreError> {
        let mut put = self
            .table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(cart_item(cart)?))
            .condition_expression(condition);
        if let Some(v) = read_version {
            put = put.expression_attribute_values(":read", AttributeValue::N(v.to_string()));
        }
        match put.send().await {
            Ok(_) => Ok(CartWrite::Written),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                self.stale(&cart.id).await
            }
            Err(e) => Err(dynamo("PutItem")(e)),
        }
    }

    /// The version the cart has now (a consistent read), for a write that found it changed.
    async fn stale(&self, id: &CartId) -> Result<CartWrite, StoreError> {
        let item = self
            .table
            .client
            .get_item()
            .table_name(&self.table.name)
            .key(PK, s(keys::cart(id)))
            .key(SK, s(META))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo("GetItem"))?
            .item;
        let current = item.map(from_item::<Cart>).transpose()?.map(|c| c.version);
        Ok(CartWrite::Stale { current })
    }
}
