//! The filters of the lists, as GraphQL input objects: the REST routes' query parameters, typed.

use crate::error::error;
use async_graphql::{Enum, InputObject};
use chrono::NaiveDate;
use portal_domain::model::OrderStatus;
use portal_domain::{PoNumber, Sku};
use portal_http::ApiError;
use portal_store::{InvoiceFilter, InvoiceStatusFilter, OrderFilter};
use serde::Serialize;

/// `from` after `to` is refused, naming both.
fn date_range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> async_graphql::Result<(Option<NaiveDate>, Option<NaiveDate>)> {
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(error(ApiError::invalid_parameter(
            "from",
            format!("{f} is after to ({t})"),
        )));
    }
    Ok((from, to))
}

/// Which of an account's orders (as `GET /orders`).
#[derive(Debug, Default, InputObject, Serialize)]
pub struct OrderFilterInput {
    /// Any of these statuses.
    pub status: Option<Vec<OrderStatus>>,
    /// Ordered on or after.
    pub from: Option<NaiveDate>,
    /// Ordered on or before.
    pub to: Option<NaiveDate>,
    /// The PO number starts with this (case-insensitive).
    pub po: Option<String>,
    /// The order has a line with this SKU.
    pub sku: Option<Sku>,
}

impl OrderFilterInput {
    pub fn into_store(self) -> async_graphql::Result<OrderFilter> {
        let (from, to) = date_range(self.from, self.to)?;
        // A prefix of a PO number follows the PO number's rules (length, characters).
        let po_prefix = self
            .po
            .map(|po| PoNumber::parse(&po).map(String::from))
            .transpose()
            .map_err(|e| error(ApiError::invalid_parameter("po", e)))?;
        let mut statuses = self.status.unwrap_or_default();
        statuses.dedup();
        Ok(OrderFilter {
            statuses,
            from,
            to,
            po_prefix,
            sku: self.sku,
        })
    }
}

/// An invoice's payment status, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
pub enum InvoiceStatusInput {
    /// Unpaid and not yet due.
    Open,
    /// Unpaid and past due.
    Overdue,
    /// Open or overdue.
    Unpaid,
    Paid,
}

/// Which of an account's invoices (as `GET /invoices`).
#[derive(Debug, Default, InputObject, Serialize)]
pub struct InvoiceFilterInput {
    pub status: Option<InvoiceStatusInput>,
    /// Issued on or after.
    pub from: Option<NaiveDate>,
    /// Issued on or before.
    pub to: Option<NaiveDate>,
}

impl InvoiceFilterInput {
    pub fn into_store(self) -> async_graphql::Result<InvoiceFilter> {
        let (from, to) = date_range(self.from, self.to)?;
        Ok(InvoiceFilter {
            status: self.status.map(|s| match s {
                InvoiceStatusInput::Open => InvoiceStatusFilter::Open,
                InvoiceStatusInput::Overdue => InvoiceStatusFilter::Overdue,
                InvoiceStatusInput::Unpaid => InvoiceStatusFilter::Unpaid,
                InvoiceStatusInput::Paid => InvoiceStatusFilter::Paid,
            }),
            from,
            to,
        })
    }
}
