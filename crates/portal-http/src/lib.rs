//! Axum glue shared by every function.
//!
//! A function's library builds `Router<AppState>` from handlers that take a
//! [`Caller`] (the principal, from the API Gateway authorizer context), our own
//! [`Query`] and [`Path`] extractors (which reject in `application/problem+json`)
//! and return `Result<_, ApiError>`. Its `main` hands `router(state)` to
//! [`lambda::run`]. Nothing here knows whether it runs in Lambda or locally.

mod config;
mod error;
mod extract;
pub mod idempotency;
pub mod lambda;
mod paging;
mod principal;
mod routes;
mod state;

pub use config::{Config, ConfigError};
pub use error::{ApiError, Problem, not_found_fallback};
pub use extract::{
    Body, Path, Query, RawBody, account_param, comma_list, date_range, optional_json, parse_opt,
    present, version_of,
};
pub use idempotency::Idempotent;
pub use paging::{DEFAULT_LIMIT, List, ListResponse, MAX_LIMIT, NoFilter, Paging};
pub use principal::{Caller, Machine, PrincipalCache, claims_of};
pub use routes::{Route, router};
pub use state::AppState;

/// The JSON response type of every handler.
pub type ApiResult<T> = Result<axum::Json<T>, ApiError>;
