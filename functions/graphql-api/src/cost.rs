//! The limits a public GraphQL endpoint needs, checked before any store call, and the cost of
//! every answer in its `extensions` (as Shopify's APIs report it).
//!
//! A query's requested cost is computed from the document alone: every field costs 1, and a
//! connection costs its children's cost times its `first` (at most 100; when absent 20, or 100
//! for an object's children such as an order's shipments, as in the REST API; an order's
//! `lines` count as [`LINES_COUNTED`]). Over [`MAX_COST`] or deeper than [`MAX_DEPTH`],
//! the query is refused with `QUERY_TOO_COSTLY` or `QUERY_TOO_DEEP` before it runs. The actual
//! cost is the number of objects the answer holds. Every answer carries
//! `extensions.cost { requestedQueryCost, actualQueryCost, maximumAvailable, maximumDepth }`.

use crate::error::graphql_code;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextRequest, NextValidation,
};
use async_graphql::{ErrorExtensionValues, Response, ServerError, ValidationResult, Value};
use std::sync::{Arc, Mutex};

/// The most a query may cost. The registered operations stay well within it (a test runs each),
/// and so does a page of 20 orders with each one's shipments and their events (about 8,000);
/// 100 orders with 100 shipments each do not.
pub const MAX_COST: usize = 10_000;
/// The deepest a query may nest.
pub const MAX_DEPTH: usize = 10;
/// What an order's `lines` count as: the first page of a list without `first`.
pub const LINES_COUNTED: usize = 20;

/// Adds [`Cost`] to each request.
pub struct CostLimit;

impl ExtensionFactory for CostLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Cost::default())
    }
}

/// One request's cost.
#[derive(Default)]
struct Cost {
    requested: Mutex<Option<usize>>,
}

fn refusal(code: &str, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", graphql_code(code));
    extensions.set("status", 400);
    error.extensions = Some(extensions);
    error
}

/// Adds `extensions.cost` to an answer: `requested` as validated (`null` for a request refused
/// before), the objects it holds, and the limits.
pub fn report(response: &mut Response, requested: Option<usize>) {
    let mut cost = async_graphql::indexmap::IndexMap::new();
    cost.insert(
        async_graphql::Name::new("requestedQueryCost"),
        requested.map_or(Value::Null, |r| Value::from(r as u64)),
    );
    cost.insert(
        async_graphql::Name::new("actualQueryCost"),
        Value::from(objects_in_node(&response.data).saturating_sub(1) as u64),
    );
    cost.insert(
        async_graphql::Name::new("maximumAvailable"),
        Value::from(MAX_COST as u64),
    );
    cost.insert(
        async_graphql::Name::new("maximumDepth"),
        Value::from(MAX_DEPTH as u64),
    );
    response
        .extensions
        .insert("cost".to_owned(), Value::Object(cost));
}

/// How many objects a value holds, itself included.
fn objects_in_node(value: &Value) -> usize {
    match value {
        Value::Object(fields) => 1 + fields.values().map(objects_in_node).sum::<usize>(),
        Value::List(items) => items.iter().map(objects_in_node).sum(),
        _ => 0,
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Cost {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let requested = self.requested.lock().map(|r| *r).unwrap_or(None);
        report(&mut response, requested);
        response
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Ok(mut requested) = self.requested.lock() {
            *requested = Some(result.complexity);
        }
        if result.depth > MAX_DEPTH {
            return Err(vec![refusal(
                "query-too-deep",
                format!(
                    "the query nests {} levels deep, more than the {MAX_DEPTH} a query may",
                    result.depth
                ),
            )]);
        }
        if result.complexity > MAX_COST {
            return Err(vec![refusal(
                "query-too-costly",
                format!(
                    "the query costs {} (each field 1, a connection's fields times its `first`), \
                     more than the {MAX_COST} a query may: ask for fewer fields or smaller pages",
                    result.complexity
                ),
            )]);
        }
        Ok(result)
    }
}
