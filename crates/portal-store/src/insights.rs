//! Analytics runs (step 3): publishing a run's items and serving them.
//!
//! A run's items all live under keys holding its id, so writing a new run never touches the
//! one being served. The pointer item (`ANALYTICS` / `CURRENT`) names the run the API serves;
//! publishing writes every item first and flips the pointer last, with a condition that an
//! older run never replaces a newer one. A crash before the flip leaves the previous run served.

use crate::items::{Item, QuerySpec, SortKey, s, to_item};
use crate::keys::{self, ItemKeys, META};
use crate::{Page, PageKey, Store, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::insights::{
    AccountOutlook, AnalyticsRun, ReorderStatus, ReorderSuggestion, SkuForecast,
};
use portal_domain::{AccountId, DivisionId, Sku};
use serde::{Deserialize, Serialize};

/// The run item: the report is kept as JSON text, exactly as the job wrote it.
#[derive(Serialize, Deserialize)]
struct RunItem {
    run_id: String,
    as_of: NaiveDate,
    published_at: DateTime<Utc>,
    report: String,
}

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
                    gsi1: None,
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

    /// Makes `run` the served run, unless a run of a later as-of date is served already (then
    /// `Ok(false)`). The run's items must have been written with [`Store::put_run`].
    pub async fn flip_current_run(&self, run: &AnalyticsRun) -> Result<bool, StoreError> {
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
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(crate::error::dynamo("PutItem")(e)),
        }
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

    /// An account's suggestions in a run, due first and most likely first within a status,
    /// optionally only some statuses. The caller checks the account is visible.
    pub async fn reorder_suggestions(
        &self,
        run_id: &str,
        account: &AccountId,
        statuses: &[ReorderStatus],
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<ReorderSuggestion>, StoreError> {
        // The sort key starts with the status rank: the statuses asked for bound the key range,
        // so a query reads only their items (plus, for a set with a gap, the gap's, filtered).
        let ranks: Vec<u8> = statuses.iter().map(|st| st.rank()).collect();
        let sk = match (ranks.iter().min(), ranks.iter().max()) {
            (Some(low), Some(high)) => SortKey::Between(
                format!("REORDER#{low}#"),
                format!("REORDER#{high}#{}", keys::HIGH),
            ),
            _ => SortKey::BeginsWith("REORDER#".into()),
        };
        let mut spec = QuerySpec::new(None, keys::run_account(run_id, account), sk);
        let contiguous = match (ranks.iter().min(), ranks.iter().max()) {
            (Some(low), Some(high)) => usize::from(high - low) + 1 == ranks.len(),
            _ => true,
        };
        if !contiguous {
            let placeholders: Vec<String> =
                (0..statuses.len()).map(|i| format!(":st{i}")).collect();
            spec.filter
                .and(format!("#status IN ({})", placeholders.join(", ")))
                .name("#status", "status");
            for (p, st) in placeholders.iter().zip(statuses) {
                spec.filter.value(p, s(st.as_str()));
            }
        }
        self.table.query_page_as(&spec, limit, after).await
    }

    /// The outlooks of some accounts in a run (accounts without one are left out), in the
    /// order given.
    pub async fn account_outlooks(
        &self,
        run_id: &str,
        accounts: &[AccountId],
    ) -> Result<Vec<AccountOutlook>, StoreError> {
        let keys: Vec<(String, String)> = accounts
            .iter()
            .map(|a| (keys::run_outlooks(run_id), keys::account(a)))
            .collect();
        let mut found: Vec<AccountOutlook> = self.table.batch_get_as(keys).await?;
        found.sort_by(|a, b| a.account_id.as_str().cmp(b.account_id.as_str()));
        Ok(found)
    }

    /// Every account's outlook in a run, by account id; only those at risk (or not) when
    /// `at_risk` says so.
    pub async fn all_outlooks(
        &self,
        run_id: &str,
        at_risk: Option<bool>,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<AccountOutlook>, StoreError> {
        let mut spec = QuerySpec::new(None, keys::run_outlooks(run_id), SortKey::Any);
        if let Some(at_risk) = at_risk {
            spec.filter
                .and("#at_risk = :at_risk")
                .name("#at_risk", "at_risk")
                .value(":at_risk", AttributeValue::Bool(at_risk));
        }
        self.table.query_page_as(&spec, limit, after).await
    }

    /// SKU forecasts in a run, by SKU (total first, then per division), optionally by SKU
    /// prefix and division (`Some(None)`: totals only).
    pub async fn sku_forecasts(
        &self,
        run_id: &str,
        sku_prefix: Option<&str>,
        division: Option<Option<&DivisionId>>,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<SkuForecast>, StoreError> {
        let sk = match sku_prefix {
            Some(prefix) => SortKey::BeginsWith(format!("SKU#{prefix}")),
            None => SortKey::Any,
        };
        let mut spec = QuerySpec::new(None, keys::run_forecasts(run_id), sk);
        match division {
            None => {}
            Some(None) => {
                spec.filter.and("attribute_not_exists(#division)");
                spec.filter.name("#division", "division");
            }
            Some(Some(d)) => {
                spec.filter
                    .and("#division = :division")
                    .name("#division", "division")
                    .value(":division", s(d.as_str()));
            }
        }
        self.table.query_page_as(&spec, limit, after).await
    }

    /// One SKU's forecasts in a run: its total first, then per division.
    pub async fn sku_forecast(
        &self,
        run_id: &str,
        sku: &Sku,
    ) -> Result<Vec<SkuForecast>, StoreError> {
        let spec = QuerySpec::new(
            None,
            keys::run_forecasts(run_id),
            SortKey::BeginsWith(format!("SKU#{sku}#")),
        );
        self.table.query_all_as(&spec).await
    }
}
