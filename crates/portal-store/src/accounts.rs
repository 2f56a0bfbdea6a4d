//! Accounts, users and divisions.

use crate::items::{Page, QuerySpec, SortKey, to_item};
use crate::keys::{self, ItemKeys, META};
use crate::{PageKey, Store, StoreError};
use portal_domain::model::{Account, Division, User};
use portal_domain::{AccessScope, AccountId, Principal, ScopedAccount, UserId};
use serde::{Deserialize, Serialize};

/// An account's items: the account, and one assignment item under each of its account
/// managers (so that the accounts that name a manager are one Query of the manager's partition).
pub(crate) fn account_items(account: &Account) -> Result<Vec<crate::items::Item>, StoreError> {
    let mut items = vec![to_item(
        account,
        ItemKeys {
            entity: "account",
            pk: keys::account(&account.id),
            sk: META.to_owned(),
            gsi1: Some((keys::accounts_list().to_owned(), account.id.to_string())),
            gsi2: None,
        },
    )?];
    for manager in &account.account_managers {
        items.push(to_item(
            &Assignment {
                account_id: account.id.clone(),
            },
            ItemKeys {
                entity: "assignment",
                pk: keys::user(manager),
                sk: keys::assignment(&account.id),
                gsi1: None,
                gsi2: None,
            },
        )?);
    }
    Ok(items)
}

/// An account that names a user among its account managers.
#[derive(Debug, Serialize, Deserialize)]
struct Assignment {
    account_id: AccountId,
}

pub(crate) fn user_item(user: &User) -> Result<crate::items::Item, StoreError> {
    to_item(
        user,
        ItemKeys {
            entity: "user",
            pk: keys::user(&user.id),
            sk: META.to_owned(),
            gsi1: user
                .account_id
                .as_ref()
                .map(|a| (keys::account_users(a), user.id.to_string())),
            gsi2: None,
        },
    )
}

pub(crate) fn division_item(division: &Division) -> Result<crate::items::Item, StoreError> {
    to_item(
        division,
        ItemKeys {
            entity: "division",
            pk: keys::seller().to_owned(),
            sk: keys::division(&division.id),
            gsi1: None,
            gsi2: None,
        },
    )
}

impl Store {
    /// The portal's record of a user, by the token's subject. Not scoped: it is how a principal is built.
    pub async fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.table.get_as(keys::user(id), META).await
    }

    /// The accounts that name `id` among their account managers (as the ERP or CRM says): one
    /// Query of the user's partition.
    pub async fn accounts_naming_manager(&self, id: &UserId) -> Result<Vec<AccountId>, StoreError> {
        let spec = QuerySpec::new(
            None,
            keys::user(id),
            SortKey::BeginsWith(keys::ASSIGNED.to_owned()),
        );
        let assignments: Vec<Assignment> = self.table.query_all_as(&spec).await?;
        Ok(assignments.into_iter().map(|a| a.account_id).collect())
    }

    /// An account's record.
    pub async fn account(&self, account: &ScopedAccount) -> Result<Option<Account>, StoreError> {
        self.table.get_as(keys::account(account.id()), META).await
    }

    /// The accounts visible to `principal`, by id. Customers and account managers get theirs in one page;
    /// admins page through every account.
    pub async fn accounts(
        &self,
        principal: &Principal,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<Account>, StoreError> {
        let ids: Vec<AccountId> = match &principal.scope {
            AccessScope::All => {
                let spec =
                    QuerySpec::new(Some(keys::Index::Gsi1), keys::accounts_list(), SortKey::Any);
                return self.table.query_page_as(&spec, limit, after).await;
            }
            AccessScope::Account(own) => vec![own.clone()],
            AccessScope::Assigned(set) => set.iter().cloned().collect(),
        };
        let start = after.as_ref().map(PageKey::account_after).transpose()?;
        let keys = ids
            .iter()
            .filter(|id| start.is_none_or(|start| id.as_str() > start))
            .map(|id| (keys::account(id), META.to_owned()))
            .collect();
        let mut accounts: Vec<Account> = self.table.batch_get_as(keys).await?;
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Page::new(
            accounts.into_iter().map(|a| {
                let after = PageKey::after_account(&a.id);
                (a, after)
            }),
            None,
        ))
    }

    /// The account's own users (a customer's people), by id: a handful per account by design.
    pub async fn account_users(&self, account: &ScopedAccount) -> Result<Vec<User>, StoreError> {
        let spec = QuerySpec::new(
            Some(keys::Index::Gsi1),
            keys::account_users(account.id()),
            SortKey::Any,
        );
        self.table.query_all_as(&spec).await
    }

    /// The seller's divisions, in id order.
    pub async fn divisions(&self) -> Result<Vec<Division>, StoreError> {
        let spec = QuerySpec::new(
            None,
            keys::seller(),
            SortKey::BeginsWith("DIVISION#".to_owned()),
        );
        self.table.query_all_as(&spec).await
    }
}
