//! `Me`, `Account` and what hangs off an account: its orders, invoices, open balance and
//! reorder suggestions.

use crate::connection::{Connection, Pager, times_first};
use crate::context::Ctx;
use crate::error::{Gql, error, not_found};
use crate::filters::{InvoiceFilterInput, OrderFilterInput};
use crate::nodes::{InvoiceNode, OrderNode};
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use chrono::NaiveDate;
use portal_domain::insights::{ReorderStatus, ReorderSuggestion};
use portal_domain::model::{Account, Address, User};
use portal_domain::{AccessScope, AccountId, Currency, DivisionId, Principal, Role, ScopedAccount};
use portal_http::ApiError;
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;

/// How far a user's access reaches.
#[derive(Clone, Copy, PartialEq, Eq, Enum)]
pub enum Reach {
    /// One customer account.
    Account,
    /// The accounts assigned to an account manager.
    Assigned,
    /// Every account.
    All,
}

/// The caller.
pub struct MeNode {
    pub user: User,
    pub principal: Principal,
}

#[Object(name = "Me")]
impl MeNode {
    async fn user(&self) -> &User {
        &self.user
    }

    async fn role(&self) -> Role {
        self.principal.role
    }

    async fn reach(&self) -> Reach {
        match self.principal.scope {
            AccessScope::Account(_) => Reach::Account,
            AccessScope::Assigned(_) => Reach::Assigned,
            AccessScope::All => Reach::All,
        }
    }

    /// The accounts the user sees, unless they see all (then use `accounts`).
    async fn account_ids(&self) -> Vec<AccountId> {
        match &self.principal.scope {
            AccessScope::Account(a) => vec![a.clone()],
            AccessScope::Assigned(set) => set.iter().cloned().collect(),
            AccessScope::All => Vec::new(),
        }
    }
}

/// A customer account, as its caller sees it.
#[derive(Clone)]
pub struct AccountNode {
    account: Arc<Account>,
    /// Whether the caller is the seller's staff (who see the account's managers).
    staff: bool,
}

impl AccountNode {
    pub fn of(account: Arc<Account>, principal: &Principal) -> Self {
        Self {
            account,
            staff: principal.role.is_staff(),
        }
    }

    /// The account, scope-checked (it was read through the caller's scope, so this holds).
    fn scoped(&self, principal: &Principal) -> Result<ScopedAccount> {
        principal
            .scoped(&self.account.id)
            .ok_or_else(|| not_found("account"))
    }
}

#[Object(name = "Account")]
impl AccountNode {
    async fn id(&self) -> &AccountId {
        &self.account.id
    }

    async fn name(&self) -> &str {
        &self.account.name
    }

    /// The seller's divisions or channels the account buys from.
    async fn divisions(&self) -> &[DivisionId] {
        &self.account.divisions
    }

    async fn currency(&self) -> Currency {
        self.account.currency
    }

    async fn ship_to(&self) -> &[Address] {
        &self.account.ship_to
    }

    /// The seller's account managers serving the account: for the seller's staff only
    /// (`null` for customers' users, who do not get the seller's internal user ids).
    async fn account_managers(&self) -> Option<Vec<String>> {
        self.staff.then(|| {
            self.account
                .account_managers
                .iter()
                .map(|u| u.to_string())
                .collect()
        })
    }

    /// The account's orders, newest first.
    #[graphql(complexity = "times_first(first, child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrderFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<OrderNode>> {
        let c = Ctx::of(ctx);
        let account = self.scoped(&c.principal)?;
        orders(c, account, filter.unwrap_or_default(), first, after).await
    }

    /// The account's invoices and credit notes.
    #[graphql(complexity = "times_first(first, child_complexity)")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        filter: Option<InvoiceFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<InvoiceNode>> {
        let c = Ctx::of(ctx);
        let account = self.scoped(&c.principal)?;
        invoices(c, account, filter.unwrap_or_default(), first, after).await
    }

    /// What the account owes, per currency.
    async fn open_balance(&self, ctx: &Context<'_>) -> Result<BalanceNode> {
        let c = Ctx::of(ctx);
        open_balance(c, self.scoped(&c.principal)?).await
    }

    /// The account's reorder suggestions of the served analytics run, due first.
    #[graphql(complexity = "times_first(first, child_complexity)")]
    async fn reorder_suggestions(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<ReorderStatus>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<ReorderSuggestion>> {
        let c = Ctx::of(ctx);
        reorder_suggestions(
            c,
            self.scoped(&c.principal)?,
            status.unwrap_or_default(),
            first,
            after,
        )
        .await
    }
}

/// A page of an account's orders.
pub async fn orders(
    c: &Ctx,
    account: ScopedAccount,
    filter: OrderFilterInput,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<OrderNode>> {
    #[derive(Serialize)]
    struct Binding<'a> {
        account: &'a AccountId,
        filter: &'a OrderFilterInput,
    }
    let binding = Binding {
        account: account.id(),
        filter: &filter,
    };
    let mut pager = Pager::new(c, "orders", &binding, first, after.as_deref())?;
    let filter = filter.into_store()?;
    let page = c
        .state
        .store
        .orders(&account, &filter, pager.limit(), pager.after())
        .await
        .gql()?;
    Ok(pager.connection(page, OrderNode::of_summary))
}

/// A page of an account's invoices.
pub async fn invoices(
    c: &Ctx,
    account: ScopedAccount,
    filter: InvoiceFilterInput,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<InvoiceNode>> {
    #[derive(Serialize)]
    struct Binding<'a> {
        account: &'a AccountId,
        filter: &'a InvoiceFilterInput,
    }
    let binding = Binding {
        account: account.id(),
        filter: &filter,
    };
    let mut pager = Pager::new(c, "invoices", &binding, first, after.as_deref())?;
    let filter = filter.into_store()?;
    let today = chrono::Utc::now().date_naive();
    let page = c
        .state
        .store
        .invoices(&account, &filter, today, pager.limit(), pager.after())
        .await
        .gql()?;
    Ok(pager.connection(page, InvoiceNode::from))
}

/// An account's open balance.
#[derive(SimpleObject)]
#[graphql(name = "OpenBalance")]
pub struct BalanceNode {
    pub account_id: AccountId,
    pub as_of: NaiveDate,
    pub balances: Vec<CurrencyBalance>,
}

/// What an account owes in one currency.
#[derive(SimpleObject)]
pub struct CurrencyBalance {
    pub currency: Currency,
    /// Everything unpaid, credit notes deducted.
    pub open_amount: Decimal,
    /// The part of it past due.
    pub overdue_amount: Decimal,
    pub open_count: u32,
    pub overdue_count: u32,
}

pub async fn open_balance(c: &Ctx, account: ScopedAccount) -> Result<BalanceNode> {
    let today = chrono::Utc::now().date_naive();
    let balances = c.state.store.open_balance(&account, today).await.gql()?;
    Ok(BalanceNode {
        account_id: account.into_id(),
        as_of: today,
        balances: balances
            .into_iter()
            .map(|b| CurrencyBalance {
                currency: b.currency,
                open_amount: b.open_amount,
                overdue_amount: b.overdue_amount,
                open_count: b.open_count,
                overdue_count: b.overdue_count,
            })
            .collect(),
    })
}

/// A page of an account's reorder suggestions, as the caller sees them.
pub async fn reorder_suggestions(
    c: &Ctx,
    account: ScopedAccount,
    statuses: Vec<ReorderStatus>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<ReorderSuggestion>> {
    #[derive(Serialize)]
    struct Binding<'a> {
        account: &'a AccountId,
        statuses: Vec<&'static str>,
    }
    let binding = Binding {
        account: account.id(),
        statuses: statuses.iter().map(|s| s.as_str()).collect(),
    };
    let mut pager = Pager::new(c, "reorderSuggestions", &binding, first, after.as_deref())?;
    let run = c
        .state
        .store
        .served_run()
        .await
        .gql()?
        .ok_or_else(|| error(ApiError::NotFound("analytics run")))?;
    let page = insights_api::account_suggestions(
        &c.state.store,
        &c.principal,
        &run.run_id,
        &account,
        &statuses,
        pager.limit(),
        pager.after(),
    )
    .await
    .gql()?;
    Ok(pager.connection(page, |s| s))
}
