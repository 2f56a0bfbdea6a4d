//! Step 3's reads for the seller's staff: the worklist, demand forecasts, the served run.
//! (An account's reorder suggestions are `reorderSuggestions` and `Account.reorderSuggestions`.)

use crate::connection::{Connection, Pager, times_first};
use crate::context::Ctx;
use crate::error::{Gql, error, not_found};
use async_graphql::{Context, Json, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::insights::{AccountOutlook, ReorderStatus, ReorderSuggestion, SkuForecast};
use portal_domain::{AccountId, DivisionId, Sku};
use portal_http::ApiError;
use portal_store::ServedRun;
use serde::Serialize;

/// Worklists, forecasts and run metrics.
#[derive(Default)]
pub struct InsightsQuery;

/// One account on a worklist: its outlook and its most urgent suggestions.
#[derive(SimpleObject, Clone)]
pub struct WorklistAccount {
    pub outlook: AccountOutlook,
    pub suggestions: Vec<ReorderSuggestion>,
}

/// A page of a run's results, naming the run.
#[derive(SimpleObject)]
#[graphql(concrete(name = "WorklistPage", params(WorklistAccount)))]
#[graphql(concrete(name = "ForecastPage", params(SkuForecast)))]
pub struct RunPage<T: async_graphql::OutputType + Clone>
where
    Connection<T>: async_graphql::ContainerType,
{
    pub run_id: String,
    /// Only history before this day was used.
    pub as_of: NaiveDate,
    #[graphql(flatten)]
    pub connection: Connection<T>,
}

/// A SKU's forecasts: its total first, then one per division.
#[derive(SimpleObject, Clone)]
pub struct SkuForecasts {
    pub run_id: String,
    pub as_of: NaiveDate,
    pub sku: Sku,
    pub forecasts: Vec<SkuForecast>,
}

/// The served analytics run: its parameters, input and backtest metrics.
#[derive(SimpleObject)]
pub struct AnalyticsRun {
    pub run_id: String,
    pub as_of: NaiveDate,
    pub published_at: DateTime<Utc>,
    /// The run's report (openapi.yaml's `AnalyticsRun.report`).
    pub report: Json<serde_json::Value>,
}

async fn served(c: &Ctx) -> Result<ServedRun> {
    c.state
        .store
        .served_run()
        .await
        .gql()?
        .ok_or_else(|| not_found("analytics run"))
}

fn staff_only(c: &Ctx) -> Result<()> {
    insights_api::staff_only(&c.principal).gql()
}

#[Object]
impl InsightsQuery {
    /// The caller's accounts with their outlook and most urgent suggestions (`GET /worklist`;
    /// staff only).
    #[graphql(complexity = "times_first(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn worklist(
        &self,
        ctx: &Context<'_>,
        account: Option<AccountId>,
        status: Option<Vec<ReorderStatus>>,
        at_risk: Option<bool>,
        #[graphql(
            desc = "Only accounts on watch (unusually silent, short of at risk), or only others."
        )]
        watch: Option<bool>,
        per_account: Option<u32>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<RunPage<WorklistAccount>> {
        let c = Ctx::of(ctx);
        staff_only(c)?;
        let statuses = match status {
            Some(s) if !s.is_empty() => s,
            _ => vec![
                ReorderStatus::Due,
                ReorderStatus::Overdue,
                ReorderStatus::Lapsing,
            ],
        };
        let per_account = per_account.unwrap_or(5);
        if !(1..=50).contains(&per_account) {
            return Err(error(ApiError::invalid_parameter(
                "perAccount",
                format!("must be between 1 and 50, got {per_account}"),
            )));
        }
        #[derive(Serialize)]
        struct Binding<'a> {
            account: Option<&'a AccountId>,
            statuses: Vec<&'static str>,
            at_risk: Option<bool>,
            watch: Option<bool>,
            per_account: u32,
        }
        let binding = Binding {
            account: account.as_ref(),
            statuses: statuses.iter().map(|s| s.as_str()).collect(),
            at_risk,
            watch,
            per_account,
        };
        let mut pager = Pager::new(c, "worklist", &binding, first, after.as_deref())?;
        let run = served(c).await?;
        let page = insights_api::worklist_page(
            &c.state.store,
            &c.principal,
            &run.run_id,
            account.as_ref(),
            &statuses,
            portal_store::OutlookFilter { at_risk, watch },
            per_account,
            pager.limit(),
            pager.after(),
        )
        .await
        .gql()?;
        let connection = pager.connection(page, |w| WorklistAccount {
            outlook: w.outlook,
            suggestions: w.suggestions,
        });
        Ok(RunPage {
            run_id: run.run_id,
            as_of: run.as_of,
            connection,
        })
    }

    /// Demand forecasts per SKU and SKU × division (`GET /forecasts`; staff only).
    #[graphql(complexity = "times_first(first, child_complexity)")]
    async fn forecasts(
        &self,
        ctx: &Context<'_>,
        sku_prefix: Option<String>,
        division: Option<DivisionId>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<RunPage<SkuForecast>> {
        let c = Ctx::of(ctx);
        staff_only(c)?;
        let sku_prefix = sku_prefix
            .map(|p| Sku::parse(&p).map(|s| s.to_string()))
            .transpose()
            .map_err(|e| error(ApiError::invalid_parameter("skuPrefix", e)))?;
        let mut pager = Pager::new(
            c,
            "forecasts",
            &(sku_prefix.as_deref(), division.as_ref()),
            first,
            after.as_deref(),
        )?;
        let run = served(c).await?;
        let page = c
            .state
            .store
            .sku_forecasts(
                &run.run_id,
                sku_prefix.as_deref(),
                division.as_ref().map(Some),
                pager.limit(),
                pager.after(),
            )
            .await
            .gql()?;
        let connection = pager.connection(page, |f| f);
        Ok(RunPage {
            run_id: run.run_id,
            as_of: run.as_of,
            connection,
        })
    }

    /// A SKU's forecasts: its total and per division (`GET /forecasts/{sku}`; staff only).
    async fn forecast(&self, ctx: &Context<'_>, sku: Sku) -> Result<Option<SkuForecasts>> {
        let c = Ctx::of(ctx);
        staff_only(c)?;
        let run = served(c).await?;
        let forecasts = c.state.store.sku_forecast(&run.run_id, &sku).await.gql()?;
        if forecasts.is_empty() {
            return Err(not_found("forecast"));
        }
        Ok(Some(SkuForecasts {
            run_id: run.run_id,
            as_of: run.as_of,
            sku,
            forecasts,
        }))
    }

    /// The served run's parameters and backtest metrics (`GET /analytics/run`; staff only).
    async fn analytics_run(&self, ctx: &Context<'_>) -> Result<Option<AnalyticsRun>> {
        let c = Ctx::of(ctx);
        staff_only(c)?;
        let run = c
            .state
            .store
            .current_run()
            .await
            .gql()?
            .ok_or_else(|| not_found("analytics run"))?;
        Ok(Some(AnalyticsRun {
            run_id: run.run_id,
            as_of: run.as_of,
            published_at: run.published_at,
            report: Json(run.report),
        }))
    }
}
