//! The query root: every read of the REST API, as a field (each field's doc names the route it
//! answers like; `tests/api/graphql.rs` fails when a route has no counterpart here).

mod commerce;
mod insights;
mod portal;

use async_graphql::MergedObject;
pub use commerce::PendingApproval;
pub(crate) use commerce::{CheckoutSettings, LineInput, SpendingLimits, answer_as};
pub use insights::{SkuForecasts, WorklistAccount};

/// What a portal reads.
#[derive(MergedObject, Default)]
pub struct Query(
    portal::PortalQuery,
    commerce::CommerceQuery,
    insights::InsightsQuery,
);
