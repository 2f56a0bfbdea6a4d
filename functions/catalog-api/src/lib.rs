//! The product catalog.
//!
//! - `GET /products`: products of the divisions the caller sees, in SKU order; `sku_prefix`,
//!   `name` (words the name contains; the first must start a word), `division`.
//! - `GET /products/{sku}`: one product.

use axum::Router;
use axum::extract::State;
use portal_domain::model::{Product, ProductSummary};
use portal_domain::{DivisionId, Sku};
use portal_http::{ApiError, ApiResult, AppState, Caller, List, ListResponse, Path, Route};
use portal_store::ProductQuery;
use serde::Deserialize;

/// This function's routes.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/products", search_products),
        Route::get("/products/{sku}", get_product),
    ]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductsQuery {
    sku_prefix: Option<String>,
    name: Option<String>,
    division: Option<String>,
}

async fn search_products(
    State(state): State<AppState>,
    List {
        principal,
        query: q,
        mut paging,
    }: List<ProductsQuery>,
) -> ApiResult<ListResponse<ProductSummary>> {
    let sku_prefix = match q.sku_prefix.as_deref() {
        // A prefix is an SKU's beginning, so it follows the SKU's rules.
        Some(prefix) => Some(Sku::parse(prefix)?.to_string()),
        None => None,
    };
    let name = match q.name.as_deref().map(str::trim) {
        Some(name)
            if !name
                .split(|c: char| !c.is_alphanumeric())
                .any(|word| word.chars().count() >= 2) =>
        {
            return Err(ApiError::invalid_parameter(
                "name",
                "must contain a word of at least two letters or digits",
            ));
        }
        Some(name) if name.chars().count() > 100 => {
            return Err(ApiError::invalid_parameter(
                "name",
                "must be at most 100 characters",
            ));
        }
        name => name.map(str::to_owned),
    };
    let query = ProductQuery {
        sku_prefix,
        name,
        division: portal_http::parse_opt("division", q.division.as_deref(), DivisionId::parse)?,
    };
    let page = state
        .store
        .products(&principal, &query, paging.limit, paging.after.take())
        .await?;
    Ok(paging.respond(page))
}

async fn get_product(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(sku): Path<String>,
) -> ApiResult<Product> {
    let sku = Sku::parse(&sku)?;
    let product = state
        .store
        .product(&principal, &sku)
        .await?
        .ok_or(ApiError::NotFound("product"))?;
    Ok(axum::Json(product))
}
