//! Price data: price lists, a SKU's price on a list, whom each list applies to, and quantity
//! rules, as ingest writes them and the pricing routes read them (keys in the `keys` doc).

use crate::items::{Item, QuerySpec, SortKey, from_item, to_item};
use crate::keys::{self, Index, ItemKeys, META, PK};
use crate::{Store, StoreError};
use portal_domain::model::Product;
use portal_domain::pricing::{
    Assignee, Price, PriceData, PriceList, PriceListAssignment, QuantityRule,
};
use portal_domain::{ScopedAccount, Sku};
use std::collections::{HashMap, HashSet};

fn simple_item<T: serde::Serialize>(
    value: &T,
    entity: &'static str,
    pk: String,
    gsi1: Option<(String, String)>,
) -> Result<Item, StoreError> {
    to_item(
        value,
        ItemKeys {
            entity,
            pk,
            sk: META.to_owned(),
            gsi1,
            gsi2: None,
        },
    )
}

pub(crate) fn price_list_item(list: &PriceList) -> Result<Item, StoreError> {
    simple_item(list, "price-list", keys::price_list(&list.id), None)
}

pub(crate) fn price_item(price: &Price) -> Result<Item, StoreError> {
    simple_item(price, "price", keys::price(&price.list, &price.sku), None)
}

pub(crate) fn assignment_item(a: &PriceListAssignment) -> Result<Item, StoreError> {
    simple_item(
        a,
        "price-assignment",
        keys::price_assignment(&a.to, &a.list),
        Some((keys::price_assignee(&a.to), a.list.to_string())),
    )
}

pub(crate) fn quantity_rule_item(rule: &QuantityRule) -> Result<Item, StoreError> {
    simple_item(rule, "quantity-rule", keys::quantity_rule(rule.sku()), None)
}

fn pk_of(item: &Item) -> &str {
    item.get(PK)
        .and_then(|v| v.as_s().ok())
        .map_or("", String::as_str)
}

impl Store {
    /// What can price `skus` for `account`, or `None` when the account does not exist. Four
    /// round trips whatever the SKUs: the account; its assignments (one Query per assignee, in
    /// parallel) with the products and quantity rules (`BatchGetItem`); the lists; their prices.
    /// An account's, a group's and a division's assignments are a handful by design, so they
    /// are read whole.
    pub async fn price_data(
        &self,
        account: &ScopedAccount,
        skus: &[Sku],
    ) -> Result<Option<PriceData>, StoreError> {
        let Some(account) = self.account(account).await? else {
            return Ok(None);
        };
        let assignees = std::iter::once(Assignee::Account(account.id.clone()))
            .chain(account.price_groups.iter().cloned().map(Assignee::Group))
            .chain(account.divisions.iter().cloned().map(Assignee::Division));
        let mut queries = tokio::task::JoinSet::new();
        for to in assignees {
            let table = self.table.clone();
            let spec = QuerySpec::new(Some(Index::Gsi1), keys::price_assignee(&to), SortKey::Any);
            queries.spawn(async move { table.query_all_as::<PriceListAssignment>(&spec).await });
        }
        let skus: Vec<&Sku> = skus.iter().collect::<HashSet<_>>().into_iter().collect();
        let product_keys = skus
            .iter()
            .flat_map(|sku| {
                [
                    (keys::product(sku), META.to_owned()),
                    (keys::quantity_rule(sku), META.to_owned()),
                ]
            })
            .collect();
        let items = self.table.batch_get(product_keys).await;
        let mut assignments: Vec<PriceListAssignment> = Vec::new();
        while let Some(done) = queries.join_next().await {
            assignments.extend(done.map_err(|e| StoreError::Service {
                service: "DynamoDB",
                operation: "Query",
                code: None,
                message: format!("a read task stopped: {e}"),
            })??);
        }
        let mut products = HashMap::new();
        let mut rules = Vec::new();
        for item in items? {
            if pk_of(&item).starts_with("QUANTITY#") {
                rules.push(from_item::<QuantityRule>(item)?);
            } else {
                let product: Product = from_item(item)?;
                if account.divisions.contains(&product.division) {
                    products.insert(product.sku.clone(), product);
                }
            }
        }
        rules.retain(|r| products.contains_key(r.sku()));
        let list_keys = assignments
            .iter()
            .map(|a| (keys::price_list(&a.list), META.to_owned()))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let lists: Vec<PriceList> = self.table.batch_get_as(list_keys).await?;
        let price_keys = lists
            .iter()
            .filter(|l| l.currency == account.currency)
            .flat_map(|l| {
                products
                    .values()
                    .filter(|p| p.division == l.division)
                    .map(|p| (keys::price(&l.id, &p.sku), META.to_owned()))
            })
            .collect();
        let prices = self.table.batch_get_as(price_keys).await?;
        Ok(Some(PriceData {
            account,
            products,
            assignments,
            lists,
            prices,
            rules,
        }))
    }
}
