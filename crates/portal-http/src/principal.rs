//! The caller of a request, from the API Gateway JWT authorizer's claims.
//!
//! Claim contract: the HTTP API's JWT authorizer has validated the token (issuer,
//! audience, expiry, signature) before the function runs; its claims arrive in
//! `requestContext.authorizer.jwt.claims`. The portal reads one claim, `sub`, and
//! looks the user up in its own records, which say the role and the accounts.
//! No claims, no `sub`, or an unknown user: the request is refused (fail closed).
//!
//! `Caller` refuses machine users (role `integration`): they read nothing. `Machine`, the push
//! API's caller, admits only them, judged from the user record alone, before an account
//! manager's assignments would be queried.

use crate::{ApiError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;
use portal_domain::{Principal, Role, UserId};
use portal_store::Store;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The authenticated caller. Handlers take it as an argument; without it no handler runs.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

/// The JWT claims in a request's API Gateway context, if any.
pub fn claims_of(parts: &Parts) -> Option<&HashMap<String, String>> {
    match parts.extensions.get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(context) => {
            Some(&context.authorizer.as_ref()?.jwt.as_ref()?.claims)
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The authenticated caller of a route for back-end systems (the push API): a machine user
/// of the `integration` role. Every other role is refused.
#[derive(Debug, Clone)]
pub struct Machine(pub Principal);

/// The principal of the request's `sub` claim (fail closed: no claims, no user, no principal).
async fn principal_of(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let user_id = subject_of(parts)?;
    state.principals.resolve(&state.store, &user_id).await
}

/// The user id of the request's `sub` claim.
fn subject_of(parts: &Parts) -> Result<UserId, ApiError> {
    let claims = claims_of(parts).ok_or_else(|| {
        ApiError::Unauthenticated("the request carries no authorizer claims".to_owned())
    })?;
    let sub = claims
        .get("sub")
        .ok_or_else(|| ApiError::Unauthenticated("the token has no `sub` claim".to_owned()))?;
    UserId::parse(sub)
        .map_err(|e| ApiError::Unauthenticated(format!("the token's `sub` claim: {e}")))
}

/// Like [`principal_of`], but `admit` judges the user record's role first: a refused role costs
/// one GetItem and builds nothing more.
async fn admitted_principal(
    parts: &Parts,
    state: &AppState,
    admit: impl Fn(Role) -> Result<(), ApiError>,
) -> Result<Principal, ApiError> {
    let user_id = subject_of(parts)?;
    state
        .principals
        .resolve_admitting(&state.store, &user_id, admit)
        .await
}

impl FromRequestParts<AppState> for Machine {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // The role comes from the user record alone: nothing more of a person's principal is
        // built here (an account manager's assignments are a Query the push API's role may not
        // make), so every other role gets its 403 after one GetItem.
        let principal = admitted_principal(parts, state, |role| {
            if role == Role::Integration {
                Ok(())
            } else {
                Err(ApiError::Forbidden {
                    code: "forbidden",
                    detail: "only back-end systems' users (role integration) push data".to_owned(),
                })
            }
        })
        .await?;
        Ok(Machine(principal))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = principal_of(parts, state).await?;
        if !principal.role.reads_portal_data() {
            return Err(ApiError::Forbidden {
                code: "forbidden",
                detail: "this user is a back-end system: it pushes data in and reads nothing of \
                         the portal"
                    .to_owned(),
            });
        }
        Ok(Caller(principal))
    }
}

/// The principals resolved in this process, reused for a short time so that a warm
/// function does not read the user record on every request.
#[derive(Debug)]
pub struct PrincipalCache {
    ttl: Duration,
    entries: Mutex<HashMap<UserId, (Instant, Principal)>>,
}

/// How many principals a process keeps at most.
const CAPACITY: usize = 10_000;

impl PrincipalCache {
    /// A cache keeping entries for `ttl` (zero disables it).
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The principal of `user_id`: from the cache, or built from the user record (and, for
    /// customers, their account's divisions).
    pub async fn resolve(&self, store: &Store, user_id: &UserId) -> Result<Principal, ApiError> {
        self.resolve_admitting(store, user_id, |_| Ok(())).await
    }

    /// The principal of `user_id` if `admit` accepts its role, judged from the user record
    /// before anything more is read (assignments, the account's divisions).
    pub async fn resolve_admitting(
        &self,
        store: &Store,
        user_id: &UserId,
        admit: impl Fn(Role) -> Result<(), ApiError>,
    ) -> Result<Principal, ApiError> {
        if let Some(principal) = self.cached(user_id) {
            admit(principal.role)?;
            return Ok(principal);
        }
        let principal = build(store, user_id, admit).await?;
        if !self.ttl.is_zero() {
            let mut entries = self
                .entries
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if entries.len() >= CAPACITY {
                let now = Instant::now();
                entries.retain(|_, (at, _)| now.duration_since(*at) < self.ttl);
                if entries.len() >= CAPACITY {
                    entries.clear();
                }
            }
            entries.insert(user_id.clone(), (Instant::now(), principal.clone()));
        }
        Ok(principal)
    }

    fn cached(&self, user_id: &UserId) -> Option<Principal> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (at, principal) = entries.get(user_id)?;
        (at.elapsed() < self.ttl).then(|| principal.clone())
    }
}

async fn build(
    store: &Store,
    user_id: &UserId,
    admit: impl Fn(Role) -> Result<(), ApiError>,
) -> Result<Principal, ApiError> {
    let user = store
        .user(user_id)
        .await?
        .ok_or_else(|| ApiError::Forbidden {
            code: "user-not-provisioned",
            detail: "the token is valid, but this portal has no user record for it".to_owned(),
        })?;
    admit(user.role)?;
    // An account manager serves the accounts assigned in the portal and those whose records
    // (from the ERP or CRM) name them.
    let mut assigned = user.assigned_accounts;
    if user.role == Role::AccountManager {
        assigned.extend(store.accounts_naming_manager(&user.id).await?);
    }
    let principal = Principal::new(user.id, user.role, user.account_id.clone(), assigned)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    match principal.account_for(None) {
        Ok(own) if user.role.is_customer_side() => {
            // Users can arrive (from a CRM export) before their account (from the ERP's):
            // until it does, the user is not provisioned, which is no fault of the request.
            let account = store.account(&own).await?.ok_or_else(|| {
                tracing::warn!(%user_id, account_id = %own, "a user's account does not exist");
                ApiError::Forbidden {
                    code: "user-not-provisioned",
                    detail: "this user's account is not in the portal yet".to_owned(),
                }
            })?;
            Ok(principal.with_divisions(account.divisions))
        }
        _ => Ok(principal),
    }
}
