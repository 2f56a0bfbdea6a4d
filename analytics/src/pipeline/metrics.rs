//! What a run measures about itself: the reorder probabilities and the at-risk flag at the
//! latest fully observed origin, the forecasts per demand class out of sample, and the level
//! corrections that backtest gives.

use super::accounts::AccountSnapshot;
use super::likelihood::LikelihoodFit;
use super::shard::SeriesScore;
use crate::calibrate::Calibrator;
use crate::classify::DemandClass;
use crate::probability_scores::{brier, expected_calibration_error, pr_auc, roc_auc};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Probability scores of one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbabilityScores {
    pub pr_auc: Option<f64>,
    pub roc_auc: Option<f64>,
    pub brier: Option<f64>,
    pub calibration_error: Option<f64>,
}

impl ProbabilityScores {
    pub fn of(pairs: &[(f64, bool)]) -> ProbabilityScores {
        ProbabilityScores {
            pr_auc: pr_auc(pairs),
            roc_auc: roc_auc(pairs),
            brier: brier(pairs),
            calibration_error: expected_calibration_error(pairs, 10),
        }
    }
}

/// The reorder backtest: predictions made at the latest fully observed origin (one horizon
/// before as-of), with the calibration trained on the origins before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReorderBacktest {
    pub origin: NaiveDate,
    pub pairs: usize,
    pub reordered: usize,
    /// The renewal model's probabilities.
    pub model: ProbabilityScores,
    /// After the calibration layer.
    pub calibrated: ProbabilityScores,
    /// Mean absolute error in days of `expected_next_date`, over pairs that did reorder.
    pub next_date_mae_days: Option<f64>,
}

/// The forecast backtest of one demand class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassBacktest {
    pub series: usize,
    pub rmsse: Option<f64>,
    /// Mean scaled pinball loss at 0.5, 0.9 and 0.95, and their mean.
    pub scaled_pinball_q50: Option<f64>,
    pub scaled_pinball_q90: Option<f64>,
    pub scaled_pinball_q95: Option<f64>,
    pub scaled_pinball: Option<f64>,
    /// (forecast - actual) / actual over the class's test periods.
    pub bias: Option<f64>,
}

/// How the probabilities were calibrated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationSummary {
    /// `logistic` (learnt from earlier origins), `likelihood` (without labels enough: a
    /// Pareto/NBD fitted to the history, see `likelihood`), or `none` (the renewal model's
    /// probabilities as they are).
    pub method: String,
    pub note: Option<String>,
    pub calibrator: Option<Calibrator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likelihood: Option<LikelihoodFit>,
}

/// Everything a run measured about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub reorder: ReorderBacktest,
    /// Per demand class (SKU totals only), and `all`.
    pub forecast: BTreeMap<String, ClassBacktest>,
    /// Per demand class, the factor the published forecasts were scaled by (see
    /// [`level_corrections`]); the backtest figures above are of the methods before it.
    #[serde(default)]
    pub level_correction: BTreeMap<String, f64>,
    /// The at-risk flag at the latest origin against what the accounts did next.
    #[serde(default)]
    pub accounts: AccountBacktest,
}

/// How the at-risk flag did at the latest fully observed origin: of the accounts it flagged,
/// the share that indeed ordered nothing in the horizon (precision), and of those that ordered
/// nothing, the share it flagged (recall).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountBacktest {
    pub origin: Option<NaiveDate>,
    pub accounts: usize,
    pub at_risk: usize,
    pub ordered_nothing: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    /// Accounts on watch at the origin (unusually silent, short of at risk).
    #[serde(default)]
    pub watch: usize,
    /// Of those, the share that then ordered nothing in the horizon.
    #[serde(default)]
    pub watch_precision: Option<f64>,
    /// Of the accounts that ordered nothing, the share flagged at risk or on watch.
    #[serde(default)]
    pub early_recall: Option<f64>,
}

impl AccountBacktest {
    pub(super) fn of(origin: NaiveDate, snapshots: &[AccountSnapshot]) -> AccountBacktest {
        let count =
            |keep: fn(&AccountSnapshot) -> bool| snapshots.iter().filter(|s| keep(s)).count();
        let flagged = count(|s| s.at_risk);
        let watched = count(|s| s.watch);
        let silent = count(|s| !s.ordered);
        let hits = count(|s| s.at_risk && !s.ordered);
        let watch_hits = count(|s| s.watch && !s.ordered);
        let share = |n: usize, of: usize| (of > 0).then(|| n as f64 / of as f64);
        AccountBacktest {
            origin: Some(origin),
            accounts: snapshots.len(),
            at_risk: flagged,
            ordered_nothing: silent,
            precision: share(hits, flagged),
            recall: share(hits, silent),
            watch: watched,
            watch_precision: share(watch_hits, watched),
            early_recall: share(hits + watch_hits, silent),
        }
    }
}

pub(super) fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

pub(super) fn class_name(class: DemandClass) -> String {
    serde_json::to_value(class)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The most a level correction moves forecasts, either way.
const MAX_CORRECTION: f64 = 2.0;

/// Per demand class, the ratio of actual to forecast demand over the backtest's test periods
/// (the last periods before as-of, forecast without them), across every scored series of the
/// class's SKU totals. Level methods forecast a flat future; where demand drifts as a whole (products reach
/// the end of their lives, relationships lapse, new ones start) they are wrong in the same
/// direction for most series, and a class's drift just before as-of is the best evidence of its
/// drift just after. Scaling is exact for the point forecast and for quantiles of a scale family.
pub fn level_corrections(scores: &[SeriesScore]) -> BTreeMap<String, f64> {
    let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    // SKU totals, as the published backtest is: a SKU's divisions would count its demand twice.
    for s in scores.iter().filter(|s| s.division.is_none()) {
        let sum = sums.entry(class_name(s.demand_class)).or_default();
        sum.0 += s.actual_sum;
        sum.1 += s.forecast_sum;
    }
    sums.into_iter()
        .filter(|(_, (_, forecast))| *forecast > 0.0)
        .map(|(class, (actual, forecast))| {
            let ratio = (actual / forecast).clamp(1.0 / MAX_CORRECTION, MAX_CORRECTION);
            (class, round(ratio, 4))
        })
        .collect()
}

pub(super) fn class_backtests(scores: &[SeriesScore]) -> BTreeMap<String, ClassBacktest> {
    let totals: Vec<&SeriesScore> = scores.iter().filter(|s| s.division.is_none()).collect();
    let mut groups: BTreeMap<String, Vec<&SeriesScore>> = BTreeMap::new();
    for s in &totals {
        groups
            .entry(class_name(s.demand_class))
            .or_default()
            .push(s);
    }
    groups.insert("all".into(), totals);
    groups
        .into_iter()
        .map(|(class, group)| {
            let pinball = |i: usize| mean(group.iter().filter_map(|s| Some(s.scaled_pinball?[i])));
            let actual: f64 = group.iter().map(|s| s.actual_sum).sum();
            let forecast: f64 = group.iter().map(|s| s.forecast_sum).sum();
            let backtest = ClassBacktest {
                series: group.len(),
                rmsse: mean(group.iter().filter_map(|s| s.rmsse)),
                scaled_pinball_q50: pinball(0),
                scaled_pinball_q90: pinball(1),
                scaled_pinball_q95: pinball(2),
                scaled_pinball: mean(
                    group
                        .iter()
                        .filter_map(|s| s.scaled_pinball.map(|p| p.iter().sum::<f64>() / 3.0)),
                ),
                bias: (actual > 0.0).then(|| (forecast - actual) / actual),
            };
            (class, backtest)
        })
        .collect()
}

#[cfg(test)]
mod account_backtest_tests {
    use super::*;

    fn snapshot(at_risk: bool, watch: bool, ordered: bool) -> AccountSnapshot {
        AccountSnapshot {
            account_id: "ACC-1".into(),
            at_risk,
            watch,
            ordered,
        }
    }

    #[test]
    fn the_watch_tier_is_scored_on_its_own_and_with_the_at_risk_flag() {
        let origin = NaiveDate::from_ymd_opt(2024, 6, 1).expect("date");
        let snapshots = [
            snapshot(true, false, false),  // at risk, and it stopped
            snapshot(true, false, true),   // at risk, but it ordered
            snapshot(false, true, false),  // on watch, and it stopped
            snapshot(false, true, true),   // on watch, but it ordered
            snapshot(false, true, true),   // on watch, but it ordered
            snapshot(false, false, false), // stopped unflagged
            snapshot(false, false, true),
        ];
        let b = AccountBacktest::of(origin, &snapshots);
        assert_eq!(
            (b.accounts, b.at_risk, b.watch, b.ordered_nothing),
            (7, 2, 3, 3)
        );
        assert_eq!(b.precision, Some(0.5));
        assert_eq!(b.recall, Some(1.0 / 3.0));
        assert_eq!(b.watch_precision, Some(1.0 / 3.0));
        assert_eq!(b.early_recall, Some(2.0 / 3.0));
    }
}
