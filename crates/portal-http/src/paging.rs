//! Page size and cursors of list routes.

use crate::{ApiError, AppState};
use axum::http::Uri;
use portal_domain::Principal;
use portal_store::{CursorBinding, CursorCodec, Page, PageKey};
use serde::Serialize;

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

/// A list request's page size and starting point, bound to its caller and query.
#[derive(Debug)]
pub struct Paging {
    pub limit: usize,
    pub after: Option<PageKey>,
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
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
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
        let binding = binding_query(uri);
        let after = cursor
            .map(|token| {
                cursors.open(
                    token,
                    CursorBinding {
                        principal: principal.user_id.as_str(),
                        query: &binding,
                    },
                )
            })
            .transpose()
            .map_err(|e| ApiError::bad_request("invalid-cursor", e.to_string()))?;
        Ok(Self {
            limit: limit as usize,
            after,
            binding,
            cursors,
        })
    }

    /// Turns a page into the response, sealing the next cursor.
    pub fn respond<T>(
        self,
        _state: &AppState,
        principal: &Principal,
        page: Page<T>,
    ) -> axum::Json<ListResponse<T>> {
        let next_cursor = page.next.map(|key| {
            self.cursors.seal(
                &key,
                CursorBinding {
                    principal: principal.user_id.as_str(),
                    query: &self.binding,
                },
            )
        });
        axum::Json(ListResponse {
            items: page.items,
            next_cursor,
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
