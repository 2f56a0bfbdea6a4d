//! The calibration layer: a logistic regression (linfa) that maps the renewal model's
//! probability and a few snapshot features to a calibrated probability of reordering within the
//! horizon. It is trained on snapshots taken at earlier origins, whose outcomes are known.

use crate::reorder::ReorderPrediction;
use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// The number of features per snapshot.
pub const FEATURES: usize = 16;

/// What the rest of an account's history says at an origin: a dying relationship shows across
/// its products before it shows in any one of them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AccountSignals {
    /// Days since the account's last order of anything.
    pub silent_days: f64,
    /// The account's orders (pair-days) in the [`RECENT_DAYS`] before the origin.
    pub recent_orders: f64,
    /// The share of the account's repeat products that are more than twice their usual gap late.
    pub overdue_share: f64,
    /// How much more the SKU is ordered in the horizon's days of the year than on average
    /// (1: no season), from the years before the origin.
    pub sku_season: f64,
    /// The SKU's and the account's orders in the last [`RECENT_DAYS`] against their long-run
    /// rate (1: as usual; near 0: a discontinued product, a churning account).
    pub sku_momentum: f64,
    pub account_momentum: f64,
    /// The log-probability (at most 0) that none of the account's pairs, and none of the SKU's,
    /// would have ordered since the account's (the SKU's) last order if it still bought: far
    /// below 0 when a busy account or product fell silent all at once.
    pub account_silence: f64,
    pub sku_silence: f64,
}

/// The window of [`AccountSignals::recent_orders`].
pub const RECENT_DAYS: i64 = 60;

/// The features of one prediction: the model's log-odds and its two parts (is the relationship
/// alive; is it time, if so), how much history backs it, how late the pair is against its
/// rhythm (in season), the rhythm itself, its spread and its latest gap, the account's signals,
/// the SKU's season and the silences of the account and of the SKU.
pub fn features(p: &ReorderPrediction, account: AccountSignals) -> [f64; FEATURES] {
    [
        logit(p.p_reorder),
        (p.orders_seen as f64).ln(),
        (1.0 + p.elapsed_days * p.season_factor / p.mean_gap_days.max(1.0)).ln(),
        p.mean_gap_days.max(1.0).ln(),
        p.gap_cv,
        (1.0 + account.silent_days.max(0.0)).ln(),
        (1.0 + account.recent_orders.max(0.0)).ln(),
        account.overdue_share,
        account.sku_season.max(1e-3).ln(),
        account.sku_momentum.max(1e-3).ln(),
        account.account_momentum.max(1e-3).ln(),
        // The latest gap against the usual one: a rhythm that is stretching.
        (p.last_gap_days.max(1.0) / p.mean_gap_days.max(1.0)).ln(),
        // The model's two parts apart: is the relationship alive, and is it time if so.
        logit(p.p_active),
        logit(p.p_reorder / p.p_active.max(1e-9)),
        account.account_silence.clamp(-30.0, 0.0),
        account.sku_silence.clamp(-30.0, 0.0),
    ]
}

/// The probability of log-odds `z`, the inverse of [`logit`].
pub(crate) fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

pub(crate) fn logit(p: f64) -> f64 {
    let q = p.clamp(1e-4, 1.0 - 1e-4);
    (q / (1.0 - q)).ln()
}

/// Per-column mean and standard deviation (1 for a constant column).
fn moments<const N: usize>(rows: &[[f64; N]]) -> (Vec<f64>, Vec<f64>) {
    let n = rows.len().max(1) as f64;
    let mean: Vec<f64> = (0..N)
        .map(|j| rows.iter().map(|x| x[j]).sum::<f64>() / n)
        .collect();
    let scale = (0..N)
        .map(|j| {
            let var = rows.iter().map(|x| (x[j] - mean[j]).powi(2)).sum::<f64>() / n;
            if var > 1e-12 { var.sqrt() } else { 1.0 }
        })
        .collect();
    (mean, scale)
}

fn standardise<const N: usize>(x: &[f64; N], mean: &[f64], scale: &[f64]) -> [f64; N] {
    std::array::from_fn(|j| (x[j] - mean[j]) / scale[j])
}

/// A fitted calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibrator {
    /// How the features are standardised before they are weighed.
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    pub weights: Vec<f64>,
    pub intercept: f64,
    /// Training rows.
    pub rows: usize,
}

/// The most rows trained on; larger sets are thinned evenly (deterministically).
const MAX_ROWS: usize = 30_000;
/// Fewer rows than this, or fewer of either outcome than a tenth of it, give no calibration.
const MIN_ROWS: usize = 50;

impl Calibrator {
    /// Fits on `(features, reordered)` rows, in the given order. Refuses (with the reason) when
    /// there is too little data or only one outcome to learn from.
    /// Any number of features `N` (the renewal model's [`FEATURES`], or the likelihood mode's).
    pub fn fit<const N: usize>(rows: &[([f64; N], bool)]) -> Result<Calibrator, String> {
        let positives = rows.iter().filter(|(_, y)| *y).count();
        let negatives = rows.len() - positives;
        if rows.len() < MIN_ROWS || positives.min(negatives) < MIN_ROWS / 10 {
            return Err(format!(
                "too little history to calibrate on ({} snapshots, {positives} reordered)",
                rows.len()
            ));
        }
        let step = rows.len().div_ceil(MAX_ROWS);
        let features: Vec<[f64; N]> = rows.iter().step_by(step).map(|(x, _)| *x).collect();
        let (mean, scale) = moments(&features);
        let mut x = Array2::zeros((features.len(), N));
        for (i, row) in features.iter().enumerate() {
            for (j, v) in standardise(row, &mean, &scale).into_iter().enumerate() {
                x[[i, j]] = v;
            }
        }
        let y: Array1<bool> = rows.iter().step_by(step).map(|(_, y)| *y).collect();
        let model = LogisticRegression::default()
            .alpha(1.0)
            .max_iterations(200)
            // The loss is a sum over rows: stop when the mean gradient is negligible.
            .gradient_tolerance(1e-5 * features.len() as f64)
            .fit(&Dataset::new(x, y))
            .map_err(|e| format!("the logistic fit failed: {e}"))?;
        // linfa labels the more frequent class positive: orient the weights toward "reordered".
        let sign = if model.labels().pos.class { 1.0 } else { -1.0 };
        let weights = model.params().iter().map(|p| sign * p).collect();
        Ok(Calibrator {
            mean,
            scale,
            weights,
            intercept: sign * model.intercept(),
            rows: features.len(),
        })
    }

    /// The calibrated probability for one row of features.
    pub fn apply<const N: usize>(&self, x: &[f64; N]) -> f64 {
        let z = self.intercept
            + standardise(x, &self.mean, &self.scale)
                .iter()
                .zip(&self.weights)
                .map(|(v, w)| v * w)
                .sum::<f64>();
        sigmoid(z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_to_turn_an_overconfident_score_into_observed_frequencies() {
        // Feature 0 says 90 % but only half of those rows reorder; at -90 % none do.
        let mut rows = Vec::new();
        for i in 0..400 {
            let high = i % 2 == 0;
            let mut x = [0.0; FEATURES];
            x[0] = if high { 2.2 } else { -2.2 };
            rows.push((x, high && i % 4 == 0));
        }
        let c = Calibrator::fit(&rows).expect("fits");
        let mut high = [0.0; FEATURES];
        high[0] = 2.2;
        let mut low = high;
        low[0] = -2.2;
        assert!((c.apply(&high) - 0.5).abs() < 0.05, "{}", c.apply(&high));
        assert!(c.apply(&low) < 0.05, "{}", c.apply(&low));
    }

    #[test]
    fn refuses_a_single_outcome_or_a_handful_of_rows() {
        let rows = vec![([0.0; FEATURES], true); 500];
        assert!(Calibrator::fit(&rows).is_err());
        let rows = vec![([0.0; FEATURES], true), ([1.0; FEATURES], false)];
        assert!(Calibrator::fit(&rows).is_err());
    }
}
