//! Page size and cursors of list routes.

use crate::{ApiError, AppState, Caller};
use axum::extract::FromRequestParts;
use axum::http::Uri;
use axum::http::request::Parts;
use portal_domain::Principal;
use portal_store::{CursorBinding, CursorCodec, Page, PageKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The default and the largest page size.
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// The body of every list response.
#[derive(Debug, Serialize)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A list route's request: the caller, its own query parameters `Q` (unknown ones refused, as
/// with [`crate::Query`]) and its paging (`limit`, by default `DEFAULT`, and `cursor`), so a
/// list handler is its filter, one store call and [`Paging::respond`].
#[derive(Debug)]
pub struct List<Q, const DEFAULT: u32 = DEFAULT_LIMIT> {
    pub principal: Principal,
    pub query: Q,
    pub paging: Paging,
}

/// The parameters of a list route that takes none besides `limit` and `cursor`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFilter {}

impl<Q, const DEFAULT: u32> FromRequestParts<AppState> for List<Q, DEFAULT>
where
    Q: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Caller(principal) = Caller::from_request_parts(parts, state).await?;
        let invalid = |e: serde_urlencoded::de::Error| {
            ApiError::bad_request(
                "invalid-parameter",
                format!("Failed to deserialize query string: {e}"),
            )
        };
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).map_err(invalid)?;
        let mut take = |name: &str| -> Result<Option<String>, ApiError> {
            let mut found: Vec<String> = Vec::new();
            pairs.retain(|(k, v)| {
                let ours = k == name;
                if ours {
                    found.push(v.clone());
                }
                !ours
            });
            match found.len() {
                0 | 1 => Ok(found.pop()),
                _ => Err(ApiError::invalid_parameter(name, "is given more than once")),
            }
        };
        let limit = take("limit")?
            .map(|raw| {
                raw.parse::<u32>().map_err(|_| {
                    ApiError::invalid_parameter("limit", format!("{raw:?} is not a whole number"))
                })
            })
            .transpose()?;
        let cursor = take("cursor")?;
        let rest = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let query = serde_urlencoded::from_str(&rest).map_err(invalid)?;
        let paging = Paging::new(
            state,
            &principal,
            &parts.uri,
            limit.unwrap_or(DEFAULT),
            cursor.as_deref(),
        )?;
        Ok(List {
            principal,
            query,
            paging,
        })
    }
}

/// A list request's page size and starting point, bound to its caller and query.
#[derive(Debug)]
pub struct Paging {
    pub limit: usize,
    pub after: Option<PageKey>,
    principal: String,
    binding: String,
    cursors: CursorCodec,
}

impl Paging {
    /// Validates `limit` and opens `cursor` for this caller and this exact query (path and every
    /// parameter except `cursor` and `limit`). A cursor for anything else is a 400.
    pub fn new(
        state: &AppState,
        principal: &Principal,
        uri: &Uri,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        Self::bound_to(state, principal, binding_query(uri), limit, cursor)
    }

    /// Like [`Paging::new`], for a list that is not a route: `binding` names the list and every
    /// argument that shapes it (the GraphQL API binds its connections as `graphql:<field>?...`,
    /// which no route's path is, so neither API's cursor opens the other's lists).
    pub fn bound_to(
        state: &AppState,
        principal: &Principal,
        binding: String,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_parameter(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}, got {limit}"),
            ));
        }
        let cursors = state.cursors.clone().ok_or_else(|| {
            ApiError::Internal(
                "PORTAL_CURSOR_SECRET is not set for a function that pages (infra/template.yaml)"
                    .into(),
            )
        })?;
        let principal = principal.user_id.as_str().to_owned();
        let after = cursor
            .map(|token| {
                cursors.open(
                    token,
                    CursorBinding {
                        principal: &principal,
                        query: &binding,
                    },
                )
            })
            .transpose()
            .map_err(|e| ApiError::bad_request("invalid-cursor", e.to_string()))?;
        Ok(Self {
            limit: limit as usize,
            after,
            principal,
            binding,
            cursors,
        })
    }

    /// Turns a page into the response, sealing the next cursor.
    pub fn respond<T>(self, page: Page<T>) -> axum::Json<ListResponse<T>> {
        let next_cursor = self.seal(page.next.clone());
        axum::Json(ListResponse {
            items: page.into_items(),
            next_cursor,
        })
    }

    /// The cursor of the page after the one that ended at `next`, bound like this request's.
    pub fn seal(&self, next: Option<PageKey>) -> Option<String> {
        next.map(|key| {
            self.cursors.seal(
                &key,
                CursorBinding {
                    principal: &self.principal,
                    query: &self.binding,
                },
            )
        })
    }
}

/// The path and the sorted query parameters other than `cursor` and `limit`.
fn binding_query(uri: &Uri) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
    pairs.retain(|(k, _)| k != "cursor" && k != "limit");
    pairs.sort();
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}?{query}", uri.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_ignores_cursor_limit_and_parameter_order() {
        let a: Uri = "/orders?status=shipped&po=A&cursor=x&limit=5"
            .parse()
            .expect("uri");
        let b: Uri = "/orders?po=A&status=shipped".parse().expect("uri");
        let c: Uri = "/orders?po=B&status=shipped".parse().expect("uri");
        assert_eq!(binding_query(&a), binding_query(&b));
        assert_ne!(binding_query(&a), binding_query(&c));
    }
}
