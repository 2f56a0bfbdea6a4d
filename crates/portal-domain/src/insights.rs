//! What the analytics job publishes and the API serves (step 3): reorder suggestions per
//! (account, SKU), each account's outlook, demand forecasts per SKU, and the run that made them.

use crate::ids::{AccountId, DivisionId, Sku};
use crate::text::thousands;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Where a pair stands as of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum ReorderStatus {
    /// The next order is expected within the horizon.
    Due,
    /// The next order was expected before the run's date and has not come.
    Overdue,
    /// The pair has probably stopped buying (so has every pair of an account at risk).
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
///
/// As published, a suggestion holds the pair's own status and reason: what the account's own
/// users see. The seller's staff see it through [`AccountOutlook::staff_view`], which adds the
/// account-level judgement (every product of an account at risk is lapsing, and says why).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
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
/// whether the account as a whole looks like it has stopped buying.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct AccountOutlook {
    pub account_id: AccountId,
    pub due: u32,
    pub overdue: u32,
    pub lapsing: u32,
    pub not_yet_due: u32,
    pub at_risk: bool,
    /// Whether its silence is unusual, short of putting it at risk
    /// ([`AccountSilence::watch`]): a slowing account to look at early. False in runs published
    /// before the tier.
    #[serde(default)]
    pub watch: bool,
    /// Why the account is at risk or on watch, when it is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub risk: Option<String>,
    /// Days since the account's last order of anything, as of the run.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub silent_days: Option<u32>,
    /// The chance of a silence that long if the account still bought as usual
    /// ([`AccountSilence::chance`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub silence_chance: Option<f64>,
}

/// How long an account has ordered nothing, against what its usual pace of ordering makes likely.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountSilence {
    /// Days since the account's last order of anything.
    pub days: u32,
    /// The chance of going that long without an order of anything if the account still
    /// ordered at its usual pace. Products lapse one at a time all the time; an account that
    /// stops buying falls silent in all of them at once, which makes this small.
    pub chance: f64,
}

impl AccountSilence {
    /// A silence less likely than this puts the account at risk. One in a thousand: a manager of
    /// a hundred accounts that all still buy sees a false alarm about once in ten runs.
    pub const AT_RISK_CHANCE: f64 = 0.001;

    /// A silence less likely than this, short of [`Self::AT_RISK_CHANCE`], puts the account on
    /// watch: one in twenty, a slowing account a manager may call before it is lost.
    pub const WATCH_CHANCE: f64 = 0.05;

    pub fn at_risk(&self) -> bool {
        self.chance < Self::AT_RISK_CHANCE
    }

    /// Whether the silence is unusual enough to watch the account, but not to call it at risk.
    pub fn watch(&self) -> bool {
        !self.at_risk() && self.chance < Self::WATCH_CHANCE
    }

    /// The silence in words, for an account manager.
    pub fn describe(&self) -> String {
        let odds = if self.chance < 1e-6 {
            "less than once in a million".to_string()
        } else {
            format!("about once in {}", thousands(odds_against(self.chance)))
        };
        format!(
            "no order of anything for {} days: at its usual pace that happens {odds}",
            self.days
        )
    }
}

/// 1 / chance, to two significant figures.
fn odds_against(chance: f64) -> u64 {
    let n = 1.0 / chance.max(f64::MIN_POSITIVE);
    let unit = 10f64.powi((n.log10().floor() as i32 - 1).max(0));
    ((n / unit).round() * unit) as u64
}

/// The clause an account at risk adds to each of its suggestions' reasons, for the seller's
/// staff only (the analytics files carry it too).
pub fn stopped_clause(silent_days: u32) -> String {
    format!("the account has ordered nothing for {silent_days} days")
}

/// The separator before [`stopped_clause`] in a reason.
const CLAUSE_SEPARATOR: &str = "; the account has ordered nothing for ";

impl ReorderSuggestion {
    /// The suggestion as the account's own users see it: the product's own status and reason,
    /// without the seller's judgement of the account. Suggestions are published that way; this
    /// also takes the account-level clause out of a run published before they were.
    pub fn customer_view(mut self) -> Self {
        if let Some(at) = self.reason.find(CLAUSE_SEPARATOR)
            && self.reason[at + CLAUSE_SEPARATOR.len()..]
                .strip_suffix(" days")
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        {
            self.reason.truncate(at);
        }
        self
    }
}

impl AccountOutlook {
    /// Whether a suggestion of the account with this status shows to the seller's staff under
    /// a filter of `statuses` (empty: all): for an account at risk every product is lapsing.
    pub fn staff_sees(&self, statuses: &[ReorderStatus]) -> bool {
        !self.at_risk || statuses.is_empty() || statuses.contains(&ReorderStatus::Lapsing)
    }

    /// One of the account's suggestions as the seller's staff see it: for an account at risk,
    /// lapsing whatever the product's own rhythm says (the account has probably stopped buying
    /// altogether), with a reason that says so. Other accounts' suggestions are as published.
    pub fn staff_view(&self, mut s: ReorderSuggestion) -> ReorderSuggestion {
        if self.at_risk {
            s.status = ReorderStatus::Lapsing;
            if let Some(days) = self.silent_days {
                let clause = stopped_clause(days);
                if !s.reason.ends_with(&clause) {
                    s.reason = format!("{}; {clause}", s.reason);
                }
            }
        }
        s
    }

    /// The outlook of an account from its suggestions' statuses and its silence, if known.
    pub fn from_suggestions(
        account_id: AccountId,
        statuses: impl IntoIterator<Item = ReorderStatus>,
        silence: Option<AccountSilence>,
    ) -> Self {
        let mut o = AccountOutlook {
            account_id,
            due: 0,
            overdue: 0,
            lapsing: 0,
            not_yet_due: 0,
            at_risk: false,
            watch: false,
            risk: None,
            silent_days: silence.map(|s| s.days),
            silence_chance: silence.map(|s| s.chance),
        };
        for status in statuses {
            match status {
                ReorderStatus::Due => o.due += 1,
                ReorderStatus::Overdue => o.overdue += 1,
                ReorderStatus::Lapsing => o.lapsing += 1,
                ReorderStatus::NotYetDue => o.not_yet_due += 1,
            }
        }
        if let Some(silence) = silence.filter(|s| s.at_risk() || s.watch()) {
            o.at_risk = silence.at_risk();
            o.watch = silence.watch();
            o.risk = Some(silence.describe());
        }
        o
    }
}

/// One period's demand forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct PeriodForecast {
    pub period_start: NaiveDate,
    pub mean: f64,
    pub q50: f64,
    pub q90: f64,
    pub q95: f64,
}

/// One past period's demand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct PeriodActual {
    pub period_start: NaiveDate,
    pub demand: f64,
}

/// A SKU's demand forecast, in total or in one division.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
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
    /// The demand of the periods before the forecast's (up to 24), oldest first: what it
    /// continues. Empty in runs published before it was kept.
    #[serde(default)]
    pub history: Vec<PeriodActual>,
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
    fn an_account_is_at_risk_when_its_silence_across_all_products_is_improbable() {
        use ReorderStatus::*;
        let silent = AccountSilence {
            days: 45,
            chance: 0.0004,
        };
        let o = AccountOutlook::from_suggestions(
            account(),
            [Overdue, Overdue, Due, NotYetDue],
            Some(silent),
        );
        assert_eq!((o.due, o.overdue, o.not_yet_due), (1, 2, 1));
        assert!(o.at_risk);
        assert_eq!(
            o.risk.as_deref(),
            Some(
                "no order of anything for 45 days: at its usual pace that happens about once in 2,500"
            )
        );
        assert_eq!((o.silent_days, o.silence_chance), (Some(45), Some(0.0004)));
    }

    #[test]
    fn an_unusual_silence_short_of_risk_puts_the_account_on_watch() {
        let outlook = |chance: f64| {
            let silence = AccountSilence { days: 30, chance };
            AccountOutlook::from_suggestions(account(), [], Some(silence))
        };
        let watched = outlook(0.02);
        assert!(watched.watch && !watched.at_risk);
        assert_eq!(
            watched.risk.as_deref(),
            Some(
                "no order of anything for 30 days: at its usual pace that happens about once in 50"
            )
        );
        // At risk is not also on watch; a usual silence is neither.
        let lost = outlook(0.0005);
        assert!(lost.at_risk && !lost.watch);
        let usual = outlook(0.2);
        assert!(!usual.at_risk && !usual.watch && usual.risk.is_none());
        // The edges: the watch threshold itself is not unusual enough.
        assert!(!outlook(AccountSilence::WATCH_CHANCE).watch);
        assert!(outlook(AccountSilence::AT_RISK_CHANCE).watch);
    }

    #[test]
    fn lapsing_products_alone_do_not_put_an_account_at_risk() {
        use ReorderStatus::*;
        // Accounts drop products all the time; one that still orders is not leaving.
        let busy = AccountSilence {
            days: 3,
            chance: 0.4,
        };
        let o = AccountOutlook::from_suggestions(
            account(),
            [Lapsing, Lapsing, Lapsing, Due],
            Some(busy),
        );
        assert_eq!(o.lapsing, 3);
        assert!(!o.at_risk && o.risk.is_none());
        let unknown = AccountOutlook::from_suggestions(account(), [Lapsing, Lapsing], None);
        assert!(!unknown.at_risk && unknown.silent_days.is_none());
    }

    fn suggestion(status: ReorderStatus, reason: &str) -> ReorderSuggestion {
        let day = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
        ReorderSuggestion {
            account_id: account(),
            sku: Sku::parse("SKU-1").expect("sku"),
            status,
            p_reorder: 0.5,
            orders_seen: 4,
            last_order_date: day,
            expected_next_date: day,
            expected_quantity: 1.0,
            suggested_quantity: 1.0,
            reason: reason.into(),
        }
    }

    #[test]
    fn staff_see_every_product_of_an_account_at_risk_lapsing_and_customers_their_own_status() {
        use ReorderStatus::*;
        let silent = AccountSilence {
            days: 212,
            chance: 1e-9,
        };
        let at_risk = AccountOutlook::from_suggestions(account(), [Due], Some(silent));
        let own = suggestion(
            Due,
            "orders about every 30 days (6 orders); last order 212 days ago",
        );
        let staff = at_risk.staff_view(own.clone());
        assert_eq!(staff.status, Lapsing);
        assert_eq!(
            staff.reason,
            "orders about every 30 days (6 orders); last order 212 days ago; the account has \
             ordered nothing for 212 days"
        );
        assert_eq!(at_risk.staff_view(staff.clone()), staff, "said once");
        assert!(at_risk.staff_sees(&[Lapsing, Due]) && !at_risk.staff_sees(&[Due]));
        assert_eq!(staff.clone().customer_view().reason, own.reason);
        assert_eq!(own.clone().customer_view(), own);
        let calm = AccountOutlook::from_suggestions(account(), [Due], None);
        assert_eq!(calm.staff_view(own.clone()), own);
        assert!(calm.staff_sees(&[Due]));
    }

    #[test]
    fn the_risk_threshold_is_a_one_in_a_thousand_silence() {
        let at = |chance| AccountSilence { days: 30, chance }.at_risk();
        assert!(at(0.00099) && !at(0.001) && !at(0.5));
        let tiny = AccountSilence {
            days: 200,
            chance: 1e-40,
        };
        assert!(tiny.describe().ends_with("less than once in a million"));
        let odd = AccountSilence {
            days: 20,
            chance: 1.0 / 123_456.0,
        };
        assert!(
            odd.describe().ends_with("about once in 120,000"),
            "{}",
            odd.describe()
        );
    }
}
