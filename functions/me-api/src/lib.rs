//! Who am I, and which accounts may I see.
//!
//! - `GET /me`: the caller's user record and how far their access reaches.
//! - `GET /accounts`: the accounts the caller sees (admins page through all of them).
//! - `GET /accounts/{account_id}`: one account with its ship-to addresses, and for the seller's
//!   staff its account managers.

use axum::Router;
use axum::extract::State;
use portal_domain::model::{Account, Address, User};
use portal_domain::{AccessScope, AccountId, Currency, DivisionId, Principal, Role, UserId};
use portal_http::{
    ApiError, ApiResult, AppState, Caller, List, ListResponse, NoFilter, Path, Route,
};
use serde::Serialize;

/// This function's routes.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/me", me),
        Route::get("/accounts", list_accounts),
        Route::get("/accounts/{account_id}", get_account),
    ]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

/// How far a user's access reaches.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reach {
    /// One customer account.
    Account,
    /// The accounts assigned to an account manager.
    Assigned,
    /// Every account.
    All,
}

/// The answer of `GET /me`.
#[derive(Debug, Serialize)]
pub struct Me {
    pub user: User,
    pub role: Role,
    pub reach: Reach,
    /// The accounts the user sees, unless they see all (then use `GET /accounts`).
    pub accounts: Vec<AccountId>,
}

async fn me(State(state): State<AppState>, Caller(principal): Caller) -> ApiResult<Me> {
    let mut user = state
        .store
        .user(&principal.user_id)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    if !principal.role.is_customer_side() {
        // Staff reach accounts through assignments; an account on their record grants nothing.
        user.account_id = None;
    }
    let (reach, accounts) = match &principal.scope {
        AccessScope::Account(a) => (Reach::Account, vec![a.clone()]),
        AccessScope::Assigned(set) => (Reach::Assigned, set.iter().cloned().collect()),
        AccessScope::All => (Reach::All, Vec::new()),
    };
    Ok(axum::Json(Me {
        user,
        role: principal.role,
        reach,
        accounts,
    }))
}

/// An account as its caller sees it.
#[derive(Debug, Serialize)]
pub struct AccountView {
    pub id: AccountId,
    pub name: String,
    pub divisions: Vec<DivisionId>,
    pub currency: Currency,
    pub ship_to: Vec<Address>,
    /// The user ids of the seller's account managers serving the account: for the seller's
    /// staff only. Customers' users do not get the seller's internal user ids (the identity
    /// provider's subjects of its staff); the field is left out for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_managers: Option<Vec<UserId>>,
}

impl AccountView {
    pub fn of(account: Account, principal: &Principal) -> Self {
        AccountView {
            id: account.id,
            name: account.name,
            divisions: account.divisions,
            currency: account.currency,
            ship_to: account.ship_to,
            account_managers: principal
                .role
                .is_staff()
                .then_some(account.account_managers),
        }
    }
}

async fn list_accounts(
    State(state): State<AppState>,
    List {
        principal,
        query: NoFilter {},
        mut paging,
    }: List<NoFilter>,
) -> ApiResult<ListResponse<AccountView>> {
    let page = state
        .store
        .accounts(&principal, paging.limit, paging.after.take())
        .await?;
    let page = page.map(|a| AccountView::of(a, &principal));
    Ok(paging.respond(page))
}

async fn get_account(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(account_id): Path<String>,
) -> ApiResult<AccountView> {
    let id = AccountId::parse(&account_id)?;
    // Another account's answers like a missing one.
    let scoped = principal.scoped(&id).ok_or(ApiError::NotFound("account"))?;
    let account = state
        .store
        .account(&scoped)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    Ok(axum::Json(AccountView::of(account, &principal)))
}
