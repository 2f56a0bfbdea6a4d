//! A finished run as the items the API serves: reorder suggestions, account outlooks and SKU
//! forecasts, with the portal's ids checked.

use crate::JobError;
use analytics::pipeline::{ForecastRow, HistoryRow, ReorderRow, RunResult};
use portal_domain::insights::{
    AccountOutlook, AccountSilence, PeriodActual, PeriodForecast, ReorderStatus, ReorderSuggestion,
    SkuForecast,
};
use portal_domain::{AccountId, DivisionId, Sku};
use portal_store::RunItems;
use std::collections::{BTreeMap, HashMap};

fn data_error(what: String) -> impl FnOnce(portal_domain::ParseError) -> JobError {
    move |e| JobError::Data {
        what,
        message: e.to_string(),
    }
}

/// A prediction as published: the product's own status and reason (what the account's users
/// see); the API adds the account's risk for the seller's staff
/// ([`AccountOutlook::staff_view`]), as the files have it.
fn suggestion(r: &ReorderRow) -> Result<ReorderSuggestion, JobError> {
    let what = || format!("reorder prediction {}/{}", r.account_id, r.sku);
    let (status, reason) = r
        .own
        .clone()
        .unwrap_or_else(|| (r.status, r.reason.clone()));
    Ok(ReorderSuggestion {
        account_id: AccountId::parse(&r.account_id).map_err(data_error(what()))?,
        sku: Sku::parse(&r.sku).map_err(data_error(what()))?,
        status,
        p_reorder: r.p_reorder,
        orders_seen: u32::try_from(r.orders_seen).unwrap_or(u32::MAX),
        last_order_date: r.last_order_date,
        expected_next_date: r.expected_next_date,
        expected_quantity: r.expected_quantity,
        suggested_quantity: r.suggested_quantity,
        reason,
    })
}

fn forecasts(
    rows: &[ForecastRow],
    history: &[HistoryRow],
    bucket: &str,
) -> Result<Vec<SkuForecast>, JobError> {
    let mut past: HashMap<(&str, Option<&str>), Vec<PeriodActual>> = HashMap::new();
    for h in history {
        past.entry((h.sku.as_str(), h.division.as_deref()))
            .or_default()
            .push(PeriodActual {
                period_start: h.period_start,
                demand: h.demand,
            });
    }
    let mut out: Vec<SkuForecast> = Vec::new();
    for r in rows {
        let same = out.last().is_some_and(|f: &SkuForecast| {
            f.sku.as_str() == r.sku
                && f.division.as_ref().map(|d| d.as_str()) == r.division.as_deref()
        });
        if !same {
            let what = || format!("forecast {}", r.sku);
            out.push(SkuForecast {
                sku: Sku::parse(&r.sku).map_err(data_error(what()))?,
                division: r
                    .division
                    .as_deref()
                    .map(DivisionId::parse)
                    .transpose()
                    .map_err(data_error(what()))?,
                bucket: bucket.to_owned(),
                method: r.method.clone(),
                demand_class: serde_json::to_value(r.demand_class)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                periods: Vec::new(),
                history: past
                    .remove(&(r.sku.as_str(), r.division.as_deref()))
                    .unwrap_or_default(),
            });
        }
        if let Some(f) = out.last_mut() {
            f.periods.push(PeriodForecast {
                period_start: r.period_start,
                mean: r.mean,
                q50: r.q50,
                q90: r.q90,
                q95: r.q95,
            });
        }
    }
    Ok(out)
}

/// A finished run as the items the API serves.
pub fn run_items(run: &RunResult) -> Result<RunItems, JobError> {
    let suggestions: Vec<ReorderSuggestion> = run
        .reorders
        .iter()
        .map(suggestion)
        .collect::<Result<_, _>>()?;
    let silences: BTreeMap<&str, AccountSilence> = run
        .accounts
        .iter()
        .filter_map(|a| Some((a.account_id.as_str(), a.silence()?)))
        .collect();
    // Outlooks count the seller's view: every product of an account at risk as lapsing.
    let mut by_account: BTreeMap<&AccountId, Vec<ReorderStatus>> = BTreeMap::new();
    for (s, r) in suggestions.iter().zip(&run.reorders) {
        by_account.entry(&s.account_id).or_default().push(r.status);
    }
    let outlooks = by_account
        .into_iter()
        .map(|(account, statuses)| {
            let silence = silences.get(account.as_str()).copied();
            AccountOutlook::from_suggestions(account.clone(), statuses, silence)
        })
        .collect();
    let bucket = serde_json::to_value(run.params.bucket)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    Ok(RunItems {
        suggestions,
        outlooks,
        forecasts: forecasts(&run.forecasts, &run.history, &bucket)?,
    })
}
