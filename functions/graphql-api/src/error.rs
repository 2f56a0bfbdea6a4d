//! The one error mapping, as GraphQL has it: an [`ApiError`]'s problem document becomes a
//! GraphQL error whose `extensions.code` is the problem's stable code in GraphQL's spelling
//! (`not-found` → `NOT_FOUND`), with its HTTP `status`. The message is the problem's `detail`:
//! never a debug string (server errors say "internal error" and are logged once, by
//! [`ApiError::problem`]).
//!
//! `async_graphql::Error` converts from anything displayable, so a bare `?` would drop the code
//! and show a store error's text: resolvers turn failures into errors with [`Gql::gql`] only.

use async_graphql::ErrorExtensions;
use portal_http::ApiError;

/// A problem's code in GraphQL's spelling: `invalid-parameter` → `INVALID_PARAMETER`.
pub fn graphql_code(code: &str) -> String {
    code.replace('-', "_").to_ascii_uppercase()
}

/// The GraphQL error of a failure.
pub fn error(failure: impl Into<ApiError>) -> async_graphql::Error {
    let problem = failure.into().problem();
    async_graphql::Error::new(problem.detail).extend_with(|_, extensions| {
        extensions.set("code", graphql_code(problem.code));
        extensions.set("status", problem.status);
        if let Some(version) = problem.current_version {
            extensions.set("currentVersion", version);
        }
    })
}

/// Turns a failure into a GraphQL error through [`error`].
pub trait Gql<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T, E: Into<ApiError>> Gql<T> for Result<T, E> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(error)
    }
}

/// `NOT_FOUND` for an object that does not exist or that the caller may not see (the two are
/// not told apart, as in the REST API).
pub fn not_found(what: &'static str) -> async_graphql::Error {
    error(ApiError::NotFound(what))
}
