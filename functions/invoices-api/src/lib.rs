//! Invoices, credit notes and the open balance.
//!
//! - `GET /invoices`: an account's invoices; `status` = `open` (unpaid, not yet due), `overdue`,
//!   `unpaid` (both) or `paid`; `from`/`to` (issue date); `account` for staff.
//! - `GET /invoices/balance`: what the account owes, and how much of it is overdue, per currency.
//! - `GET /invoices/{invoice_id}`: one invoice or credit note.

use axum::Router;
use axum::extract::State;
use chrono::{NaiveDate, Utc};
use portal_domain::model::{Invoice, InvoiceStatus};
use portal_domain::{AccountId, InvoiceId};
use portal_http::{ApiError, ApiResult, AppState, Caller, List, ListResponse, Path, Query, Route};
use portal_store::{InvoiceFilter, InvoiceStatusFilter, OpenBalance};
use serde::{Deserialize, Serialize};

/// This function's routes.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/invoices", list_invoices),
        Route::get("/invoices/balance", open_balance),
        Route::get("/invoices/{invoice_id}", get_invoice),
    ]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

/// An invoice with the status it has today.
#[derive(Debug, Serialize)]
pub struct InvoiceView {
    #[serde(flatten)]
    pub invoice: Invoice,
    pub status: InvoiceStatus,
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn view(invoice: Invoice, today: NaiveDate) -> InvoiceView {
    let status = invoice.status_on(today);
    InvoiceView { invoice, status }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InvoicesQuery {
    account: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn status_filter(raw: &str) -> Result<InvoiceStatusFilter, String> {
    match raw {
        "open" => Ok(InvoiceStatusFilter::Open),
        "overdue" => Ok(InvoiceStatusFilter::Overdue),
        "unpaid" => Ok(InvoiceStatusFilter::Unpaid),
        "paid" => Ok(InvoiceStatusFilter::Paid),
        other => Err(format!(
            "{other:?} is unknown; use one of open, overdue, unpaid, paid"
        )),
    }
}

async fn list_invoices(
    State(state): State<AppState>,
    List {
        principal,
        query: q,
        mut paging,
    }: List<InvoicesQuery>,
) -> ApiResult<ListResponse<InvoiceView>> {
    let requested = portal_http::parse_opt("account", q.account.as_deref(), AccountId::parse)?;
    let account = principal.account_for(requested.as_ref())?;
    let (from, to) = portal_http::date_range(q.from.as_deref(), q.to.as_deref())?;
    let filter = InvoiceFilter {
        status: portal_http::parse_opt("status", q.status.as_deref(), status_filter)?,
        from,
        to,
    };
    let today = today();
    let page = state
        .store
        .invoices(&account, &filter, today, paging.limit, paging.after.take())
        .await?;
    Ok(paging.respond(page.map(|i| view(i, today))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BalanceQuery {
    account: Option<String>,
}

/// An account's open balance.
#[derive(Debug, Serialize)]
pub struct BalanceView {
    pub account_id: AccountId,
    pub as_of: NaiveDate,
    pub balances: Vec<OpenBalance>,
}

async fn open_balance(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Query(q): Query<BalanceQuery>,
) -> ApiResult<BalanceView> {
    let requested = portal_http::parse_opt("account", q.account.as_deref(), AccountId::parse)?;
    let account = principal.account_for(requested.as_ref())?;
    let today = today();
    let balances = state.store.open_balance(&account, today).await?;
    Ok(axum::Json(BalanceView {
        account_id: account.into_id(),
        as_of: today,
        balances,
    }))
}

async fn get_invoice(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(invoice_id): Path<String>,
) -> ApiResult<InvoiceView> {
    let id = InvoiceId::parse(&invoice_id)?;
    let invoice = state
        .store
        .invoice(&principal, &id)
        .await?
        .ok_or(ApiError::NotFound("invoice"))?;
    Ok(axum::Json(view(invoice, today())))
}
