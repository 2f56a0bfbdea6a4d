//! An account's checkout rules (approval threshold, PO number required) and its buyers'
//! monthly spending limits, with what each has spent this month.

use axum::extract::State;
use axum::http::HeaderMap;
use chrono::Utc;
use portal_domain::approvals::{CheckoutSettings, SpendingLimit};
use portal_domain::{AccountId, Currency, Principal, ScopedAccount, UserId};
use portal_http::{ApiError, ApiResult, AppState, Body, Caller, Path};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The account named by the path, scope-checked (404 outside the caller's scope).
fn account_of(principal: &Principal, raw: &str) -> Result<ScopedAccount, ApiError> {
    let id = AccountId::parse(raw)?;
    principal.scoped(&id).ok_or(ApiError::NotFound("account"))
}

/// 403 unless `principal` sets checkout rules.
fn may_set(principal: &Principal) -> Result<(), ApiError> {
    if principal.role.may_set_checkout_rules() {
        return Ok(());
    }
    Err(ApiError::Forbidden {
        code: "forbidden",
        detail: format!(
            "a {} does not set checkout rules: the account's administrators do",
            principal.role
        ),
    })
}

/// The account's currency (its amounts are in it).
async fn currency_of(state: &AppState, account: &ScopedAccount) -> Result<Currency, ApiError> {
    Ok(state
        .store
        .account(account)
        .await?
        .ok_or(ApiError::NotFound("account"))?
        .currency)
}

#[derive(Debug, Serialize)]
pub(crate) struct SettingsAnswer {
    account_id: AccountId,
    currency: Currency,
    #[serde(flatten)]
    settings: CheckoutSettings,
}

pub(crate) async fn get_settings(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(account): Path<String>,
) -> ApiResult<SettingsAnswer> {
    let account = account_of(&principal, &account)?;
    let currency = currency_of(&state, &account).await?;
    Ok(axum::Json(SettingsAnswer {
        account_id: account.id().clone(),
        currency,
        settings: state.store.checkout_settings(&account).await?,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsChange {
    version: Option<u64>,
    #[serde(default, deserialize_with = "portal_http::present")]
    approval_threshold: Option<Option<Decimal>>,
    po_required: Option<bool>,
}

pub(crate) async fn put_settings(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(account): Path<String>,
    headers: HeaderMap,
    Body(change): Body<SettingsChange>,
) -> ApiResult<SettingsAnswer> {
    let version = portal_http::version_of(&headers, change.version)?;
    let account = account_of(&principal, &account)?;
    may_set(&principal)?;
    let mut settings = state.store.checkout_settings(&account).await?;
    if settings.version != version {
        return Err(ApiError::VersionConflict {
            what: "checkout settings",
            current: settings.version,
        });
    }
    if let Some(threshold) = change.approval_threshold {
        if threshold.is_some_and(|t| t.is_sign_negative()) {
            return Err(ApiError::invalid_parameter(
                "approval_threshold",
                "must not be negative",
            ));
        }
        settings.approval_threshold = threshold;
    }
    if let Some(required) = change.po_required {
        settings.po_required = required;
    }
    settings.version = version + 1;
    if !state
        .store
        .save_checkout_settings(&account, &settings, version)
        .await?
    {
        let current = state.store.checkout_settings(&account).await?.version;
        return Err(ApiError::VersionConflict {
            what: "checkout settings",
            current,
        });
    }
    let currency = currency_of(&state, &account).await?;
    Ok(axum::Json(SettingsAnswer {
        account_id: account.id().clone(),
        currency,
        settings,
    }))
}

/// A buyer's limit with what they have spent this month.
#[derive(Debug, Serialize)]
pub(crate) struct LimitAnswer {
    #[serde(flatten)]
    limit: SpendingLimit,
    currency: Currency,
    month: String,
    spent: Decimal,
}

#[derive(Debug, Serialize)]
pub(crate) struct LimitsAnswer {
    account_id: AccountId,
    items: Vec<LimitAnswer>,
}

async fn with_spend(
    state: &AppState,
    account: &ScopedAccount,
    currency: Currency,
    limit: SpendingLimit,
) -> Result<LimitAnswer, ApiError> {
    let month = Utc::now().format("%Y-%m").to_string();
    let spent = state
        .store
        .spend(account.id(), &limit.user_id, &month)
        .await?
        .unwrap_or_default();
    Ok(LimitAnswer {
        limit,
        currency,
        month,
        spent,
    })
}

pub(crate) async fn get_limits(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(account): Path<String>,
) -> ApiResult<LimitsAnswer> {
    let account = account_of(&principal, &account)?;
    let currency = currency_of(&state, &account).await?;
    let mut items = Vec::new();
    for limit in state.store.spending_limits(&account).await? {
        items.push(with_spend(&state, &account, currency, limit).await?);
    }
    Ok(axum::Json(LimitsAnswer {
        account_id: account.id().clone(),
        items,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitChange {
    monthly_limit: Option<Decimal>,
}

pub(crate) async fn put_limit(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path((account, user)): Path<(String, String)>,
    Body(change): Body<LimitChange>,
) -> ApiResult<LimitsAnswer> {
    let account = account_of(&principal, &account)?;
    let user = UserId::parse(&user)?;
    may_set(&principal)?;
    let buyer = state
        .store
        .user(&user)
        .await?
        .filter(|u| u.account_id.as_ref() == Some(account.id()))
        .ok_or(ApiError::NotFound("user"))?;
    if !buyer.role.may_place_orders() {
        return Err(ApiError::Unprocessable {
            code: "not-a-buyer",
            detail: format!("user {user} is a {}, who places no orders", buyer.role),
        });
    }
    if change.monthly_limit.is_some_and(|l| l.is_sign_negative()) {
        return Err(ApiError::invalid_parameter(
            "monthly_limit",
            "must not be negative",
        ));
    }
    let limit = change.monthly_limit.map(|monthly_limit| SpendingLimit {
        user_id: user.clone(),
        monthly_limit,
        set_by: principal.user_id.clone(),
        set_at: Utc::now(),
    });
    state
        .store
        .set_spending_limit(&account, &user, limit.as_ref())
        .await?;
    let currency = currency_of(&state, &account).await?;
    let items = match limit {
        Some(limit) => vec![with_spend(&state, &account, currency, limit).await?],
        None => Vec::new(),
    };
    Ok(axum::Json(LimitsAnswer {
        account_id: account.id().clone(),
        items,
    }))
}
