//! Predictive analytics (step 3), served from the current analytics run.
//!
//! - `GET /reorder-suggestions`: an account's reorder suggestions, due first, then overdue,
//!   lapsing and not yet due, most likely first within each; `status` (comma-separated),
//!   `account` for staff. The account's own users see each product's own status and reason;
//!   the seller's staff see, for an account at risk, every product lapsing and why
//!   ([`AccountOutlook::staff_view`]): that judgement is the seller's, not the customer's.
//! - `GET /worklist`: for staff, the caller's accounts with their outlook (due, overdue,
//!   lapsing, at risk, on watch) and their most urgent suggestions; `status`, `account`, `at_risk`, `watch`,
//!   `per_account`.
//! - `GET /forecasts`, `GET /forecasts/{sku}`: demand forecasts per SKU and SKU × division,
//!   for the seller's staff; `sku_prefix`, `division`.
//! - `GET /analytics/run`: the current run's parameters and backtest metrics, for staff.
//!
//! Every answer names the run (`run_id`, `as_of`) it comes from. Before the first run is
//! published, these routes answer 404 `not-found` ("analytics run not found").

use axum::Router;
use axum::extract::State;
use chrono::NaiveDate;
use portal_domain::insights::{
    AccountOutlook, AnalyticsRun, ReorderStatus, ReorderSuggestion, SkuForecast,
};
use portal_domain::{AccessScope, AccountId, DivisionId, Principal, ScopedAccount, Sku};
use portal_http::{ApiError, ApiResult, AppState, Caller, List, Paging, Path, Route};
use portal_store::{OutlookFilter, Page, PageKey, ServedRun};
use serde::{Deserialize, Serialize};

/// This function's routes.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/reorder-suggestions", reorder_suggestions),
        Route::get("/worklist", worklist),
        Route::get("/forecasts", list_forecasts),
        Route::get("/forecasts/{sku}", get_forecast),
        Route::get("/analytics/run", current_run),
    ]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

/// A page of a run's results.
#[derive(Debug, Serialize)]
pub struct RunPage<T> {
    pub run_id: String,
    pub as_of: NaiveDate,
    pub items: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The served run (one GetItem of the pointer; its report is read only by `/analytics/run`).
async fn run(state: &AppState) -> Result<ServedRun, ApiError> {
    state
        .store
        .served_run()
        .await?
        .ok_or(ApiError::NotFound("analytics run"))
}

/// 403 unless `principal` is the seller's staff: outlooks, forecasts and run metrics are the
/// seller's view of its customers.
pub fn staff_only(principal: &Principal) -> Result<(), ApiError> {
    if !principal.role.is_staff() {
        return Err(ApiError::Forbidden {
            code: "forbidden",
            detail: "worklists, demand forecasts and run metrics are for the seller's staff".into(),
        });
    }
    Ok(())
}

fn respond<T>(run: &ServedRun, paging: Paging, page: Page<T>) -> axum::Json<RunPage<T>> {
    let axum::Json(list) = paging.respond(page);
    axum::Json(RunPage {
        run_id: run.run_id.clone(),
        as_of: run.as_of,
        items: list.items,
        next_cursor: list.next_cursor,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuggestionsQuery {
    account: Option<String>,
    status: Option<String>,
}

async fn reorder_suggestions(
    State(state): State<AppState>,
    List {
        principal,
        query: q,
        mut paging,
    }: List<SuggestionsQuery>,
) -> ApiResult<RunPage<ReorderSuggestion>> {
    let requested = portal_http::parse_opt("account", q.account.as_deref(), AccountId::parse)?;
    let account = principal.account_for(requested.as_ref())?;
    let statuses = portal_http::comma_list(q.status.as_deref(), ReorderStatus::parse)?;
    let run = run(&state).await?;
    let page = account_suggestions(
        &state.store,
        &principal,
        &run.run_id,
        &account,
        &statuses,
        paging.limit,
        paging.after.take(),
    )
    .await?;
    Ok(respond(&run, paging, page))
}

/// A page of an account's suggestions as `principal` sees them: the account's own users each
/// product's own status and reason, the seller's staff the account-level judgement too.
pub async fn account_suggestions(
    store: &portal_store::Store,
    principal: &Principal,
    run_id: &str,
    account: &ScopedAccount,
    statuses: &[ReorderStatus],
    limit: usize,
    after: Option<PageKey>,
) -> Result<Page<ReorderSuggestion>, ApiError> {
    if !principal.role.is_staff() {
        let page = store
            .reorder_suggestions(run_id, account, statuses, limit, after)
            .await?;
        return Ok(page.map(ReorderSuggestion::customer_view));
    }
    let outlook = store
        .account_outlooks(run_id, std::slice::from_ref(account))
        .await?
        .pop();
    staff_suggestions(
        store,
        run_id,
        account,
        outlook.as_ref(),
        statuses,
        limit,
        after,
    )
    .await
}

/// An account's suggestions as the seller's staff see them: for an account at risk every product
/// is lapsing, so a filter without `lapsing` lists none, and any other reads them all.
async fn staff_suggestions(
    store: &portal_store::Store,
    run_id: &str,
    account: &ScopedAccount,
    outlook: Option<&AccountOutlook>,
    statuses: &[ReorderStatus],
    limit: usize,
    after: Option<PageKey>,
) -> Result<Page<ReorderSuggestion>, ApiError> {
    let Some(outlook) = outlook.filter(|o| o.at_risk) else {
        return Ok(store
            .reorder_suggestions(run_id, account, statuses, limit, after)
            .await?);
    };
    if !outlook.staff_sees(statuses) {
        return Ok(Page::empty());
    }
    let page = store
        .reorder_suggestions(run_id, account, &[], limit, after)
        .await?;
    Ok(page.map(|s| outlook.staff_view(s)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorklistQuery {
    account: Option<String>,
    status: Option<String>,
    at_risk: Option<String>,
    watch: Option<String>,
    per_account: Option<u32>,
}

/// A `true` or `false` parameter.
fn flag(name: &'static str, value: Option<&str>) -> Result<Option<bool>, ApiError> {
    match value {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ApiError::invalid_parameter(
            name,
            format!("must be true or false, got {other:?}"),
        )),
    }
}

/// One account on a worklist.
#[derive(Debug, Serialize)]
pub struct WorklistAccount {
    #[serde(flatten)]
    pub outlook: AccountOutlook,
    /// The account's most urgent suggestions of the requested statuses.
    pub suggestions: Vec<ReorderSuggestion>,
}

/// How many accounts' suggestions are read at once.
const CONCURRENT_ACCOUNTS: usize = 8;
/// The largest `per_account`.
const MAX_PER_ACCOUNT: u32 = 50;

async fn worklist(
    State(state): State<AppState>,
    List {
        principal,
        query: q,
        mut paging,
    }: List<WorklistQuery>,
) -> ApiResult<RunPage<WorklistAccount>> {
    // Outlooks flag accounts at risk: the seller's view of a customer, not the customer's.
    staff_only(&principal)?;
    let requested = portal_http::parse_opt("account", q.account.as_deref(), AccountId::parse)?;
    let mut statuses = portal_http::comma_list(q.status.as_deref(), ReorderStatus::parse)?;
    if statuses.is_empty() {
        statuses = vec![
            ReorderStatus::Due,
            ReorderStatus::Overdue,
            ReorderStatus::Lapsing,
        ];
    }
    let filter = OutlookFilter {
        at_risk: flag("at_risk", q.at_risk.as_deref())?,
        watch: flag("watch", q.watch.as_deref())?,
    };
    let per_account = q.per_account.unwrap_or(5);
    if !(1..=MAX_PER_ACCOUNT).contains(&per_account) {
        return Err(ApiError::invalid_parameter(
            "per_account",
            format!("must be between 1 and {MAX_PER_ACCOUNT}, got {per_account}"),
        ));
    }
    let run = run(&state).await?;
    let after = paging.after.take();
    let page = worklist_page(
        &state.store,
        &principal,
        &run.run_id,
        requested.as_ref(),
        &statuses,
        filter,
        per_account,
        paging.limit,
        after,
    )
    .await?;
    Ok(respond(&run, paging, page))
}

/// A page of a worklist: one named account, the caller's own, or every account the caller
/// sees (a manager's assigned accounts, an admin's all), each with its outlook and its most
/// urgent `per_account` suggestions of `statuses`.
#[allow(clippy::too_many_arguments)]
pub async fn worklist_page(
    store: &portal_store::Store,
    principal: &Principal,
    run_id: &str,
    requested: Option<&AccountId>,
    statuses: &[ReorderStatus],
    filter: OutlookFilter,
    per_account: u32,
    limit: usize,
    after: Option<PageKey>,
) -> Result<Page<WorklistAccount>, ApiError> {
    // The page of accounts: one named account, the caller's own, or every account the caller
    // sees (a manager's assigned accounts, an admin's all).
    let mut page: Page<AccountOutlook> = match (&requested, &principal.scope) {
        (Some(_), _) | (None, AccessScope::Account(_)) => {
            let account = principal.account_for(requested)?;
            // One account: there is no page after its own, of this run.
            let items = match after {
                Some(after) => {
                    after
                        .in_run(run_id)
                        .map_err(portal_store::StoreError::from)?;
                    Vec::new()
                }
                None => store.account_outlooks(run_id, &[account]).await?,
            };
            Page::new(
                items.into_iter().map(|o| {
                    let after = PageKey::after_account(&o.account_id);
                    (o, after)
                }),
                None,
            )
            .of_run(run_id)
        }
        (None, _) => {
            store
                .visible_outlooks(principal, run_id, filter, limit, after)
                .await?
        }
    };
    page.retain(|o| filter.keeps(o));

    // Each account's suggestions, a few accounts at a time.
    let mut suggestions: Vec<Vec<ReorderSuggestion>> = Vec::with_capacity(page.items().len());
    for chunk in page.items().chunks(CONCURRENT_ACCOUNTS) {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, outlook) in chunk.iter().enumerate() {
            let Some(account) = principal.scoped(&outlook.account_id) else {
                continue;
            };
            let (store, run_id, statuses) = (store.clone(), run_id.to_owned(), statuses.to_vec());
            let outlook = outlook.clone();
            tasks.spawn(async move {
                let page = staff_suggestions(
                    &store,
                    &run_id,
                    &account,
                    Some(&outlook),
                    &statuses,
                    per_account as usize,
                    None,
                )
                .await;
                (i, page)
            });
        }
        let mut found: Vec<Vec<ReorderSuggestion>> = vec![Vec::new(); chunk.len()];
        while let Some(joined) = tasks.join_next().await {
            let (i, page) = joined.map_err(|e| ApiError::Internal(Box::new(e)))?;
            found[i] = page?.into_items();
        }
        suggestions.extend(found);
    }
    let mut suggestions = suggestions.into_iter();
    Ok(page.map(|outlook| WorklistAccount {
        outlook,
        suggestions: suggestions.next().unwrap_or_default(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForecastsQuery {
    sku_prefix: Option<String>,
    division: Option<String>,
}

async fn list_forecasts(
    State(state): State<AppState>,
    List {
        principal,
        query: q,
        mut paging,
    }: List<ForecastsQuery>,
) -> ApiResult<RunPage<SkuForecast>> {
    staff_only(&principal)?;
    let sku_prefix = match q.sku_prefix.as_deref() {
        Some(prefix) => Some(Sku::parse(prefix)?.to_string()),
        None => None,
    };
    let division = portal_http::parse_opt("division", q.division.as_deref(), DivisionId::parse)?;
    let run = run(&state).await?;
    let page = state
        .store
        .sku_forecasts(
            &run.run_id,
            sku_prefix.as_deref(),
            division.as_ref().map(Some),
            paging.limit,
            paging.after.take(),
        )
        .await?;
    Ok(respond(&run, paging, page))
}

/// A SKU's forecasts: its total and per division.
#[derive(Debug, Serialize)]
pub struct SkuForecasts {
    pub run_id: String,
    pub as_of: NaiveDate,
    pub sku: Sku,
    /// The total first, then one per division.
    pub forecasts: Vec<SkuForecast>,
}

async fn get_forecast(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(sku): Path<String>,
) -> ApiResult<SkuForecasts> {
    staff_only(&principal)?;
    let sku = Sku::parse(&sku)?;
    let run = run(&state).await?;
    let forecasts = state.store.sku_forecast(&run.run_id, &sku).await?;
    if forecasts.is_empty() {
        return Err(ApiError::NotFound("forecast"));
    }
    Ok(axum::Json(SkuForecasts {
        run_id: run.run_id,
        as_of: run.as_of,
        sku,
        forecasts,
    }))
}

async fn current_run(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> ApiResult<AnalyticsRun> {
    staff_only(&principal)?;
    let run = state
        .store
        .current_run()
        .await?
        .ok_or(ApiError::NotFound("analytics run"))?;
    Ok(axum::Json(run))
}
