//! What the analytics job publishes and the API serves (step 3): reorder suggestions per
//! (account, SKU), each account's outlook, demand forecasts per SKU, and the run that made them.

use crate::ids::{AccountId, DivisionId, Sku};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Where a pair stands as of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReorderStatus {
    /// The next order is expected within the horizon.
    Due,
    /// The next order was expected before the run's date and has not come.
    Overdue,
    /// The pair has probably stopped buying.
    Lapsing,
    /// The next order is expected after the horizon.
    NotYetDue,
}

impl ReorderStatus {
    pub const ALL: [ReorderStatus; 4] = [
        ReorderStatus::Due,
        ReorderStatus::Overdue,
        ReorderStatus::Lapsing,
        ReorderStatus::NotYetDue,
    ];

    /// The status's name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ReorderStatus::Due => "due",
            ReorderStatus::Overdue => "overdue",
            ReorderStatus::Lapsing => "lapsing",
            ReorderStatus::NotYetDue => "not-yet-due",
        }
    }

    /// Parses an API name (`not-yet-due`; `not yet due` as written in CSV files too).
    pub fn parse(raw: &str) -> Result<Self, crate::ParseError> {
        let wanted = raw.trim().replace(' ', "-");
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == wanted)
            .ok_or_else(|| crate::ParseError {
                what: "reorder status",
                problem: format!(
                    "{raw:?} is unknown; use one of {}",
                    Self::ALL.map(ReorderStatus::as_str).join(", ")
                ),
            })
    }

    /// The order suggestions are listed in: due first, then overdue, lapsing, not yet due.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

/// A reorder suggestion: when a pair is expected to order again, how likely, and how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReorderSuggestion {
    pub account_id: AccountId,
    pub sku: Sku,
    pub status: ReorderStatus,
    /// Calibrated probability of at least one order within the run's horizon.
    pub p_reorder: f64,
    pub orders_seen: u32,
    pub last_order_date: NaiveDate,
    pub expected_next_date: NaiveDate,
    pub expected_quantity: f64,
    /// Rounded up to whole packs.
    pub suggested_quantity: f64,
    /// Why, in words a buyer understands.
    pub reason: String,
}

/// An account's reorder outlook: how many of its products are due, overdue or lapsing, and
/// whether the relationship looks at risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountOutlook {
    pub account_id: AccountId,
    pub due: u32,
    pub overdue: u32,
    pub lapsing: u32,
    pub not_yet_due: u32,
    pub at_risk: bool,
    /// Why the account is at risk, when it is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub risk: Option<String>,
}

impl AccountOutlook {
    /// Products bought at least this often are the account's regular products.
    pub const REGULAR_ORDERS: u32 = 3;
    /// Lapsing regular products at or above this share of the account's regular products, and
    /// at least [`AccountOutlook::AT_RISK_MIN`] of them, put the account at risk (one-off
    /// purchases that were never repeated do not).
    pub const AT_RISK_SHARE: f64 = 0.3;
    pub const AT_RISK_MIN: u32 = 2;

    /// The outlook of an account from its suggestions' statuses and order counts.
    pub fn from_suggestions(
        account_id: AccountId,
        suggestions: impl IntoIterator<Item = (ReorderStatus, u32)>,
    ) -> Self {
        let mut o = AccountOutlook {
            account_id,
            due: 0,
            overdue: 0,
            lapsing: 0,
            not_yet_due: 0,
            at_risk: false,
            risk: None,
        };
        let (mut regular, mut regular_lapsing) = (0u32, 0u32);
        for (status, orders_seen) in suggestions {
            match status {
                ReorderStatus::Due => o.due += 1,
                ReorderStatus::Overdue => o.overdue += 1,
                ReorderStatus::Lapsing => o.lapsing += 1,
                ReorderStatus::NotYetDue => o.not_yet_due += 1,
            }
            if orders_seen >= Self::REGULAR_ORDERS {
                regular += 1;
                regular_lapsing += u32::from(status == ReorderStatus::Lapsing);
            }
        }
        if regular_lapsing >= Self::AT_RISK_MIN
            && f64::from(regular_lapsing) >= Self::AT_RISK_SHARE * f64::from(regular)
        {
            o.at_risk = true;
            o.risk = Some(format!(
                "{regular_lapsing} of {regular} regularly ordered products have probably stopped being reordered"
            ));
        }
        o
    }
}

/// One period's demand forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodForecast {
    pub period_start: NaiveDate,
    pub mean: f64,
    pub q50: f64,
    pub q90: f64,
    pub q95: f64,
}

/// A SKU's demand forecast, in total or in one division.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkuForecast {
    pub sku: Sku,
    /// Absent for the SKU's total demand.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub division: Option<DivisionId>,
    /// `week` or `month`.
    pub bucket: String,
    pub method: String,
    /// smooth, erratic, intermittent, lumpy or no-demand (Syntetos–Boylan).
    pub demand_class: String,
    pub periods: Vec<PeriodForecast>,
}

/// A published analytics run: what it was computed from and how well it backtested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsRun {
    pub run_id: String,
    /// Only history before this day was used.
    pub as_of: NaiveDate,
    pub published_at: DateTime<Utc>,
    /// The run's report (parameters, input, row counts, calibration, backtest metrics, timings).
    pub report: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> AccountId {
        AccountId::parse("ACC-1").expect("id")
    }

    #[test]
    fn statuses_parse_from_api_and_csv_spellings_and_rank_due_first() {
        assert_eq!(
            ReorderStatus::parse("not yet due"),
            Ok(ReorderStatus::NotYetDue)
        );
        assert_eq!(ReorderStatus::parse("overdue"), Ok(ReorderStatus::Overdue));
        assert!(ReorderStatus::parse("late").is_err());
        let ranks: Vec<u8> = ReorderStatus::ALL.iter().map(|s| s.rank()).collect();
        assert_eq!(ranks, vec![0, 1, 2, 3]);
    }

    #[test]
    fn an_account_is_at_risk_when_a_large_share_of_its_regular_products_lapse() {
        use ReorderStatus::*;
        let o = AccountOutlook::from_suggestions(
            account(),
            [
                (Lapsing, 5),
                (Lapsing, 3),
                (Due, 4),
                (NotYetDue, 6),
                (Due, 9),
            ],
        );
        assert_eq!((o.due, o.lapsing, o.not_yet_due), (2, 2, 1));
        assert!(o.at_risk, "2 of 5 regular products lapsing");
        assert!(o.risk.as_deref().is_some_and(|r| r.starts_with("2 of 5")));
        let o = AccountOutlook::from_suggestions(account(), [(Lapsing, 4), (Due, 4), (Due, 4)]);
        assert!(!o.at_risk, "a single lapsing product is not a pattern");
        let o = AccountOutlook::from_suggestions(
            account(),
            [(Lapsing, 1), (Lapsing, 2), (Lapsing, 1), (Due, 5), (Due, 5)],
        );
        assert!(!o.at_risk, "one-off purchases that lapse are no risk");
        assert_eq!(o.lapsing, 3, "but they are counted");
        let lapsing_two_of_eight = [(Lapsing, 3), (Lapsing, 3)]
            .into_iter()
            .chain(std::iter::repeat_n((Due, 3), 6));
        let o = AccountOutlook::from_suggestions(account(), lapsing_two_of_eight);
        assert!(!o.at_risk, "2 of 8 is below the share");
    }
}
