//! Who am I, and which accounts may I see.
//!
//! - `GET /me`: the caller's user record and how far their access reaches.
//! - `GET /accounts`: the accounts the caller sees (admins page through all of them).
//! - `GET /accounts/{account_id}`: one account with its ship-to addresses and account managers.

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use portal_domain::model::{Account, User};
use portal_domain::{AccessScope, AccountId, Role};
use portal_http::{
    ApiError, ApiResult, AppState, Caller, ListResponse, Paging, Path, Query, Route,
};
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_accounts(
    State(state): State<AppState>,
    Caller(principal): Caller,
    uri: Uri,
    Query(q): Query<AccountsQuery>,
) -> ApiResult<ListResponse<Account>> {
    let mut paging = Paging::new(&state, &principal, &uri, q.limit, q.cursor.as_deref())?;
    let page = state
        .store
        .accounts(&principal, paging.limit, paging.after.take())
        .await?;
    Ok(paging.respond(&state, &principal, page))
}

async fn get_account(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(account_id): Path<String>,
) -> ApiResult<Account> {
    let id = AccountId::parse(&account_id)?;
    let account = state
        .store
        .account(&principal, &id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    Ok(axum::Json(account))
}
