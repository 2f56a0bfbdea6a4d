//! The product catalog.
//!
//! - `GET /products`: products of the divisions the caller sees, in SKU order; `sku_prefix`,
//!   `name` (words the name contains; the first must start a word), `division`.
//! - `GET /products/{sku}`: one product.
//!
//! A customer's user sees each product's `price` for its account (the `pricing` crate's
//! resolution, as `POST /prices` gives it): the unit price of the smallest line it may order,
//! the source list's tiers and the SKU's quantity rule; `null` where no list prices it. Staff
//! buy nothing, so their answers carry no price.

use axum::Router;
use axum::extract::State;
use portal_domain::Principal;
use portal_domain::model::{Product, ProductSummary};
use portal_domain::{DivisionId, Sku};
use portal_http::{ApiError, ApiResult, AppState, Caller, List, ListResponse, Path, Route};
use portal_store::ProductQuery;
use pricing::{CatalogPrice, Quote};
use serde::{Deserialize, Serialize};

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

/// A catalog answer with the caller's price.
#[derive(Debug, Serialize)]
struct Priced<T> {
    #[serde(flatten)]
    product: T,
    /// The caller's account's price (customers' users only; `null`: no list prices it).
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<Option<CatalogPrice>>,
}

/// The prices of `skus` for a customer's user's account; `None` for staff.
async fn catalog_prices(
    state: &AppState,
    principal: &Principal,
    skus: &[Sku],
) -> Result<Option<std::collections::HashMap<Sku, Option<CatalogPrice>>>, ApiError> {
    if !principal.role.is_customer_side() || skus.is_empty() {
        return Ok(None);
    }
    let account = principal.account_for(None)?;
    let Some(data) = state.store.price_data(&account, skus).await? else {
        return Ok(None);
    };
    let quote = Quote::new(data, chrono::Utc::now().date_naive());
    let prices = quote.prices();
    Ok(Some(
        skus.iter()
            .map(|sku| (sku.clone(), quote.catalog_price(&prices, sku)))
            .collect(),
    ))
}

async fn search_products(
    State(state): State<AppState>,
    List {
        principal,
        query: q,
        mut paging,
    }: List<ProductsQuery>,
) -> ApiResult<ListResponse<Priced<ProductSummary>>> {
    let query = product_query(
        q.sku_prefix.as_deref(),
        q.name.as_deref(),
        q.division.as_deref(),
    )?;
    let page = state
        .store
        .products(&principal, &query, paging.limit, paging.after.take())
        .await?;
    let skus: Vec<Sku> = page.items().iter().map(|p| p.sku.clone()).collect();
    let mut prices = catalog_prices(&state, &principal, &skus).await?;
    Ok(paging.respond(page.map(|product| Priced {
        price: prices.as_mut().map(|p| p.remove(&product.sku).flatten()),
        product,
    })))
}

/// A catalog search from its parameters: a SKU prefix follows the SKU's rules; a name needs a
/// word of two letters or digits and at most 100 characters.
pub fn product_query(
    sku_prefix: Option<&str>,
    name: Option<&str>,
    division: Option<&str>,
) -> Result<ProductQuery, ApiError> {
    let sku_prefix = match sku_prefix {
        // A prefix is an SKU's beginning, so it follows the SKU's rules.
        Some(prefix) => Some(Sku::parse(prefix)?.to_string()),
        None => None,
    };
    let name = match name.map(str::trim) {
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
    Ok(ProductQuery {
        sku_prefix,
        name,
        division: portal_http::parse_opt("division", division, DivisionId::parse)?,
    })
}

async fn get_product(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(sku): Path<String>,
) -> ApiResult<Priced<Product>> {
    let sku = Sku::parse(&sku)?;
    let product = state
        .store
        .product(&principal, &sku)
        .await?
        .ok_or(ApiError::NotFound("product"))?;
    let prices = catalog_prices(&state, &principal, std::slice::from_ref(&sku)).await?;
    Ok(axum::Json(Priced {
        price: prices.map(|mut p| p.remove(&sku).flatten()),
        product,
    }))
}
