//! The served run's lists: an account's suggestions, the outlooks a worklist shows, the
//! forecasts; every cursor of them names the run.

use crate::items::{QuerySpec, SortKey, s};
use crate::keys::{self, Index};
use crate::{Page, PageKey, Store, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use portal_domain::insights::{AccountOutlook, ReorderStatus, ReorderSuggestion, SkuForecast};
use portal_domain::{DivisionId, Principal, ScopedAccount, Sku};

/// Which accounts' outlooks a worklist shows: at risk or not, on watch or not (either when
/// `None`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutlookFilter {
    pub at_risk: Option<bool>,
    pub watch: Option<bool>,
}

impl OutlookFilter {
    pub fn keeps(&self, outlook: &AccountOutlook) -> bool {
        self.at_risk.is_none_or(|r| outlook.at_risk == r)
            && self.watch.is_none_or(|w| outlook.watch == w)
    }
}

/// A page of one of a run's lists: `after` opened for the run (a key of another run is
/// `RunReplaced`), and the page's keys naming it (see [`PageKey::of_run`]).
async fn of_run<T, F>(
    run_id: &str,
    after: Option<PageKey>,
    read: impl FnOnce(Option<PageKey>) -> F,
) -> Result<Page<T>, StoreError>
where
    F: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let after = after.map(|k| k.in_run(run_id)).transpose()?;
    Ok(read(after).await?.of_run(run_id))
}

impl Store {
    /// An account's suggestions in a run, due first and most likely first within a status,
    /// optionally only some statuses.
    pub async fn reorder_suggestions(
        &self,
        run_id: &str,
        account: &ScopedAccount,
        statuses: &[ReorderStatus],
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<ReorderSuggestion>, StoreError> {
        of_run(run_id, after, |after| async move {
            let account = account.id();
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
        })
        .await
    }

    /// The outlooks of some accounts in a run (accounts without one are left out), in the
    /// order given.
    pub async fn account_outlooks(
        &self,
        run_id: &str,
        accounts: &[ScopedAccount],
    ) -> Result<Vec<AccountOutlook>, StoreError> {
        let keys: Vec<(String, String)> = accounts
            .iter()
            .map(|a| (keys::run_outlooks(run_id), keys::account(a.id())))
            .collect();
        let mut found: Vec<AccountOutlook> = self.table.batch_get_as(keys).await?;
        found.sort_by(|a, b| a.account_id.as_str().cmp(b.account_id.as_str()));
        Ok(found)
    }

    /// The outlooks in a run of the accounts `principal` sees, by account id, only those
    /// `filter` keeps: every account's for an admin, paged by the query;
    /// a manager's assigned accounts (few) read whole, filtered, then paged, so that a filtered
    /// page is never empty while later accounts match.
    pub async fn visible_outlooks(
        &self,
        principal: &Principal,
        run_id: &str,
        filter: OutlookFilter,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<AccountOutlook>, StoreError> {
        of_run(run_id, after, |after| async move {
            let Some(accounts) = principal.visible_accounts() else {
                return self.all_outlooks(run_id, filter, limit, after).await;
            };
            let start = after.as_ref().map(PageKey::account_after).transpose()?;
            let accounts: Vec<ScopedAccount> = accounts
                .into_iter()
                .filter(|a| start.is_none_or(|s| a.id().as_str() > s))
                .collect();
            let matching: Vec<AccountOutlook> = self
                .account_outlooks(run_id, &accounts)
                .await?
                .into_iter()
                .filter(|o| filter.keeps(o))
                .collect();
            let more = matching.len() > limit;
            let items: Vec<(AccountOutlook, PageKey)> = matching
                .into_iter()
                .take(limit)
                .map(|o| {
                    let after = PageKey::after_account(&o.account_id);
                    (o, after)
                })
                .collect();
            let next = items
                .last()
                .filter(|_| more)
                .map(|(_, after)| after.clone());
            Ok(Page::new(items, next))
        })
        .await
    }

    /// Every account's outlook in a run, by account id; only those `filter` keeps (filtered by
    /// the query).
    async fn all_outlooks(
        &self,
        run_id: &str,
        filter: OutlookFilter,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<AccountOutlook>, StoreError> {
        let mut spec = QuerySpec::new(None, keys::run_outlooks(run_id), SortKey::Any);
        if let Some(at_risk) = filter.at_risk {
            spec.filter
                .and("#at_risk = :at_risk")
                .name("#at_risk", "at_risk")
                .value(":at_risk", AttributeValue::Bool(at_risk));
        }
        match filter.watch {
            None => {}
            Some(true) => {
                spec.filter
                    .and("#watch = :watch")
                    .name("#watch", "watch")
                    .value(":watch", AttributeValue::Bool(true));
            }
            // Runs published before the tier have no `watch`: none of theirs is watched.
            Some(false) => {
                spec.filter
                    .and("(attribute_not_exists(#watch) OR #watch = :watch)")
                    .name("#watch", "watch")
                    .value(":watch", AttributeValue::Bool(false));
            }
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
        of_run(run_id, after, |after| async move {
            let sk = match sku_prefix {
                Some(prefix) => SortKey::BeginsWith(format!("SKU#{prefix}")),
                None => SortKey::Any,
            };
            let Some(division) = division else {
                let spec = QuerySpec::new(None, keys::run_forecasts(run_id), sk);
                return self.table.query_page_as(&spec, limit, after).await;
            };
            // One division's (or the totals') forecasts: their own partition of GSI1.
            let by_division = QuerySpec::new(
                Some(Index::Gsi1),
                keys::run_division_forecasts(run_id, division),
                sk.clone(),
            );
            let indexed = match &after {
                Some(key) => key.0.contains_key(keys::GSI1PK),
                None => self.run_has_division_index(run_id).await?,
            };
            if indexed {
                return self.table.query_page_as(&by_division, limit, after).await;
            }
            // A run published before the index: its forecasts, filtered.
            let mut spec = QuerySpec::new(None, keys::run_forecasts(run_id), sk);
            match division {
                None => {
                    spec.filter.and("attribute_not_exists(#division)");
                    spec.filter.name("#division", "division");
                }
                Some(d) => {
                    spec.filter
                        .and("#division = :division")
                        .name("#division", "division")
                        .value(":division", s(d.as_str()));
                }
            }
            self.table.query_page_as(&spec, limit, after).await
        })
        .await
    }

    /// Whether a run's forecasts are indexed by division: every run with forecasts has totals,
    /// so one item of the totals' partition tells.
    async fn run_has_division_index(&self, run_id: &str) -> Result<bool, StoreError> {
        let totals = QuerySpec::new(
            Some(Index::Gsi1),
            keys::run_division_forecasts(run_id, None),
            SortKey::Any,
        );
        Ok(!self
            .table
            .query_page_as::<SkuForecast>(&totals, 1, None)
            .await?
            .is_empty())
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
