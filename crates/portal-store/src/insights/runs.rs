//! A run's life: its items written under its id, the pointer flipped to it, the runs no one
//! serves any more retired.

use crate::items::{Item, QuerySpec, SortKey, s, to_item};
use crate::keys::{self, ItemKeys, META};
use crate::{Store, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::AccountId;
use portal_domain::insights::{AccountOutlook, AnalyticsRun, ReorderSuggestion, SkuForecast};
use serde::{Deserialize, Serialize};

/// The run item: the report is kept as JSON text, exactly as the job wrote it.
#[derive(Serialize, Deserialize)]
struct RunItem {
    run_id: String,
    as_of: NaiveDate,
    published_at: DateTime<Utc>,
    report: String,
}

/// A staged run's entry in the list of runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ListedRun {
    run_id: String,
    as_of: NaiveDate,
    staged_at: DateTime<Utc>,
}

/// How long after it was staged a run that is not served may still be on its way to being
/// served (a job's publish outlives no Lambda timeout; a day is ample).
pub const RUN_GRACE: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// The pointer to the served run: which run it is and its date, all the list routes need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedRun {
    pub run_id: String,
    pub as_of: NaiveDate,
}

/// The sort key of a suggestion: status rank, then most likely first, then SKU.
fn suggestion_sk(s: &ReorderSuggestion) -> String {
    let unlikely = ((1.0 - s.p_reorder.clamp(0.0, 1.0)) * 10_000.0).round() as u32;
    format!("REORDER#{}#{unlikely:05}#{}", s.status.rank(), s.sku)
}

/// What flipping the pointer to a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flip {
    /// The run is served; `replaced` is the run served before it, if another (of an earlier
    /// or the same as-of date).
    Served { replaced: Option<ServedRun> },
    /// A run of a later as-of date is served and stays so.
    Kept { served: ServedRun },
}

impl Flip {
    pub fn served(&self) -> bool {
        matches!(self, Flip::Served { .. })
    }
}

/// Everything a run publishes.
#[derive(Debug, Clone, Default)]
pub struct RunItems {
    pub suggestions: Vec<ReorderSuggestion>,
    pub outlooks: Vec<AccountOutlook>,
    pub forecasts: Vec<SkuForecast>,
}

impl RunItems {
    fn items(&self, run_id: &str) -> Result<Vec<Item>, StoreError> {
        let mut items =
            Vec::with_capacity(self.suggestions.len() + self.outlooks.len() + self.forecasts.len());
        for s in &self.suggestions {
            items.push(to_item(
                s,
                ItemKeys {
                    entity: "reorder-suggestion",
                    pk: keys::run_account(run_id, &s.account_id),
                    sk: suggestion_sk(s),
                    gsi1: None,
                    gsi2: None,
                },
            )?);
        }
        for o in &self.outlooks {
            items.push(to_item(
                o,
                ItemKeys {
                    entity: "account-outlook",
                    pk: keys::run_outlooks(run_id),
                    sk: keys::account(&o.account_id),
                    gsi1: None,
                    gsi2: None,
                },
            )?);
        }
        for f in &self.forecasts {
            items.push(to_item(
                f,
                ItemKeys {
                    entity: "sku-forecast",
                    pk: keys::run_forecasts(run_id),
                    sk: keys::forecast(&f.sku, f.division.as_ref()),
                    gsi1: Some((
                        keys::run_division_forecasts(run_id, f.division.as_ref()),
                        format!("SKU#{}", f.sku),
                    )),
                    gsi2: None,
                },
            )?);
        }
        Ok(items)
    }
}

impl Store {
    /// Writes a run's items and its run item, without making it the served run.
    pub async fn put_run(&self, run: &AnalyticsRun, items: &RunItems) -> Result<(), StoreError> {
        let (pointer_pk, _) = keys::analytics_pointer();
        let listed = to_item(
            &ListedRun {
                run_id: run.run_id.clone(),
                as_of: run.as_of,
                staged_at: run.published_at,
            },
            ItemKeys {
                entity: "analytics-run-listed",
                pk: pointer_pk.to_owned(),
                sk: keys::listed_run(&run.published_at, &run.run_id),
                gsi1: None,
                gsi2: None,
            },
        )?;
        self.table.batch_put(vec![listed]).await?;
        self.table.batch_put(items.items(&run.run_id)?).await?;
        let item = to_item(
            &RunItem {
                run_id: run.run_id.clone(),
                as_of: run.as_of,
                published_at: run.published_at,
                report: run.report.to_string(),
            },
            ItemKeys {
                entity: "analytics-run",
                pk: keys::run(&run.run_id),
                sk: META.to_owned(),
                gsi1: None,
                gsi2: None,
            },
        )?;
        self.table.batch_put(vec![item]).await
    }

    /// Makes `run` the served run, unless a run of a later as-of date is served already. A run
    /// of the same as-of date as the served one replaces it (it was computed later, so from
    /// more of that day's data: late orders, corrections), and the answer names the run it
    /// replaced, so that a replacement is never silent and a rerun is never blocked. The run's
    /// items must have been written with [`Store::put_run`].
    pub async fn flip_current_run(&self, run: &AnalyticsRun) -> Result<Flip, StoreError> {
        let (pk, sk) = keys::analytics_pointer();
        let item = to_item(
            &ServedRun {
                run_id: run.run_id.clone(),
                as_of: run.as_of,
            },
            ItemKeys {
                entity: "analytics-pointer",
                pk: pk.to_owned(),
                sk: sk.to_owned(),
                gsi1: None,
                gsi2: None,
            },
        )?;
        let put = self
            .table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR as_of <= :as_of")
            .expression_attribute_values(":as_of", s(run.as_of.to_string()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await;
        match put {
            Ok(out) => {
                let before: Option<ServedRun> = out
                    .attributes
                    .filter(|old| !old.is_empty())
                    .map(crate::items::from_item)
                    .transpose()?;
                Ok(Flip::Served {
                    replaced: before.filter(|old| old.run_id != run.run_id),
                })
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                let served = self
                    .served_run()
                    .await?
                    .ok_or_else(|| StoreError::Service {
                        service: "DynamoDB",
                        operation: "PutItem",
                        code: None,
                        message: "the served run's pointer refused the flip, then was gone".into(),
                    })?;
                Ok(Flip::Kept { served })
            }
            Err(e) => Err(crate::error::dynamo("PutItem")(e)),
        }
    }

    /// Removes the items of the runs no longer needed: every listed run except the served one,
    /// the newest staged before it (its pages may still be being read) and any staged within
    /// [`RUN_GRACE`] of `now` (a publish may be on its way). A run's suggestions go first, then
    /// its outlooks (which name the accounts that have suggestions), its forecasts, its run item
    /// and its list entry last, so that an interrupted retirement is finished by the next one.
    /// Answers the ids of the runs removed.
    pub async fn retire_runs(&self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        let (pointer_pk, _) = keys::analytics_pointer();
        let listed = QuerySpec::new(
            None,
            pointer_pk,
            SortKey::BeginsWith(keys::LISTED_RUNS.to_owned()),
        );
        let runs: Vec<ListedRun> = self.table.query_all_as(&listed).await?;
        let Some(served) = self.served_run().await? else {
            return Ok(Vec::new());
        };
        let served_at = runs
            .iter()
            .find(|r| r.run_id == served.run_id)
            .map(|r| r.staged_at);
        let previous = runs
            .iter()
            .filter(|r| r.run_id != served.run_id && served_at.is_none_or(|at| r.staged_at < at))
            .map(|r| r.run_id.as_str())
            .next_back();
        let mut retired = Vec::new();
        for run in &runs {
            if run.run_id == served.run_id
                || Some(run.run_id.as_str()) == previous
                || run.staged_at + RUN_GRACE > now
            {
                continue;
            }
            self.remove_run(&run.run_id).await?;
            self.table
                .batch_delete(vec![(
                    pointer_pk.to_owned(),
                    keys::listed_run(&run.staged_at, &run.run_id),
                )])
                .await?;
            retired.push(run.run_id.clone());
        }
        Ok(retired)
    }

    /// Deletes a run's items, its run item last.
    async fn remove_run(&self, run_id: &str) -> Result<(), StoreError> {
        // Queries always read the keys; outlooks also name their account.
        const KEYS: &[&str] = &["account_id"];
        let key_of = |item: &Item| -> Option<(String, String)> {
            match (item.get(keys::PK), item.get(keys::SK)) {
                (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => {
                    Some((pk.clone(), sk.clone()))
                }
                _ => None,
            }
        };
        let mut outlooks = QuerySpec::new(None, keys::run_outlooks(run_id), SortKey::Any);
        outlooks.projection = Some(KEYS);
        loop {
            // Each round deletes what it read, so the next one starts from the top again.
            let page = self.table.query_page(&outlooks, 100, None).await?;
            if page.is_empty() {
                break;
            }
            for outlook in page.items() {
                let Some(AttributeValue::S(account)) = outlook.get("account_id") else {
                    continue;
                };
                let Ok(account) = AccountId::parse(account) else {
                    continue;
                };
                let mut suggestions =
                    QuerySpec::new(None, keys::run_account(run_id, &account), SortKey::Any);
                suggestions.projection = Some(KEYS);
                let found = self.table.query_all(&suggestions).await?;
                self.table
                    .batch_delete(found.iter().filter_map(key_of).collect())
                    .await?;
            }
            self.table
                .batch_delete(page.items().iter().filter_map(key_of).collect())
                .await?;
        }
        let mut forecasts = QuerySpec::new(None, keys::run_forecasts(run_id), SortKey::Any);
        forecasts.projection = Some(KEYS);
        let found = self.table.query_all(&forecasts).await?;
        self.table
            .batch_delete(found.iter().filter_map(key_of).collect())
            .await?;
        self.table
            .batch_delete(vec![(keys::run(run_id), META.to_owned())])
            .await
    }

    /// Which run is served, if any was published: one GetItem of the pointer.
    pub async fn served_run(&self) -> Result<Option<ServedRun>, StoreError> {
        let (pk, sk) = keys::analytics_pointer();
        self.table.get_as::<ServedRun>(pk.to_owned(), sk).await
    }

    /// The served run with its report, if any run was published.
    pub async fn current_run(&self) -> Result<Option<AnalyticsRun>, StoreError> {
        let Some(pointer) = self.served_run().await? else {
            return Ok(None);
        };
        let Some(run) = self
            .table
            .get_as::<RunItem>(keys::run(&pointer.run_id), META)
            .await?
        else {
            return Ok(None);
        };
        let report = serde_json::from_str(&run.report).map_err(|e| StoreError::Service {
            service: "DynamoDB",
            operation: "GetItem",
            code: None,
            message: format!("run {} has an unreadable report: {e}", run.run_id),
        })?;
        Ok(Some(AnalyticsRun {
            run_id: run.run_id,
            as_of: run.as_of,
            published_at: run.published_at,
            report,
        }))
    }
}
