//! Rolling-origin backtests (one-step and multi-step forecasts from every origin), method
//! selection, smoothing constants fitted on a grid, and the accuracy metrics every run reports
//! (RMSSE, pinball loss, bias).

use crate::methods::Method;

/// One-step-ahead forecasts from every origin `start..len`: each forecast sees only the periods
/// before the one it forecasts. Pairs of (forecast, actual).
pub fn one_step(series: &[f64], method: &Method, start: usize) -> Vec<(f64, f64)> {
    let start = start.max(1);
    method
        .forecasts_from(series, start)
        .into_iter()
        .zip(series.get(start..).unwrap_or_default())
        .map(|(f, &y)| (f, y))
        .collect()
}

/// Forecasts from every origin `start..len`, each held flat and paired with the actuals of the
/// next `horizon` periods that exist: how a forecast used for several periods fares.
pub fn multi_step(
    series: &[f64],
    method: &Method,
    start: usize,
    horizon: usize,
) -> Vec<(f64, f64)> {
    let start = start.max(1);
    let mut pairs = Vec::new();
    let forecasts = method.forecasts_from(series, start);
    for (t, forecast) in (start..series.len()).zip(forecasts) {
        let end = (t + horizon.max(1)).min(series.len());
        pairs.extend(series[t..end].iter().map(|&y| (forecast, y)));
    }
    pairs
}

/// Mean squared error of (forecast, actual) pairs; `None` without pairs.
pub fn mse(pairs: &[(f64, f64)]) -> Option<f64> {
    (!pairs.is_empty())
        .then(|| pairs.iter().map(|(f, y)| (y - f).powi(2)).sum::<f64>() / pairs.len() as f64)
}

/// The candidates with their MSE over the last `holdout` origins, each origin's forecast
/// scored on the next `horizon` periods ([`multi_step`]), best first; ties keep the
/// candidates' order, so list the simpler methods first.
pub fn rank(
    series: &[f64],
    candidates: &[Method],
    holdout: usize,
    horizon: usize,
) -> Vec<(Method, f64)> {
    let start = series.len().saturating_sub(holdout);
    let mut scored: Vec<(Method, f64)> = candidates
        .iter()
        .map(|c| {
            let score = mse(&multi_step(series, c, start, horizon)).unwrap_or(f64::INFINITY);
            (*c, score)
        })
        .collect();
    scored.sort_by(|a, b| a.1.total_cmp(&b.1));
    scored
}

/// The smoothing constant from `grid` with the lowest one-step MSE over the whole history.
pub fn fit_alpha(series: &[f64], grid: &[f64], method: impl Fn(f64) -> Method) -> Option<f64> {
    let mut best: Option<(f64, f64)> = None;
    for &alpha in grid {
        let score = mse(&one_step(series, &method(alpha), 1)).unwrap_or(f64::INFINITY);
        if best.is_none_or(|(b, _)| score < b) {
            best = Some((score, alpha));
        }
    }
    best.map(|(_, alpha)| alpha)
}

/// Root mean squared scaled error (Hyndman & Koehler): the forecast errors' RMS over the RMS of
/// the naive method's in-sample one-step errors on `history`. `None` when the scale is zero.
pub fn rmsse(history: &[f64], pairs: &[(f64, f64)]) -> Option<f64> {
    let scale = mse(&history.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>())?;
    let error = mse(pairs)?;
    (scale > 0.0).then(|| (error / scale).sqrt())
}

/// The pinball (quantile) loss of forecasting `quantile` for `actual` at level `tau`.
pub fn pinball(actual: f64, quantile: f64, tau: f64) -> f64 {
    if actual >= quantile {
        tau * (actual - quantile)
    } else {
        (1.0 - tau) * (quantile - actual)
    }
}

/// Mean forecast minus mean actual, relative to the mean actual (positive: over-forecast).
pub fn bias(pairs: &[(f64, f64)]) -> Option<f64> {
    let actual: f64 = pairs.iter().map(|(_, y)| y).sum();
    let forecast: f64 = pairs.iter().map(|(f, _)| f).sum();
    (actual > 0.0).then(|| (forecast - actual) / actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_forecasts_see_only_earlier_periods() {
        let pairs = one_step(&[1.0, 2.0, 3.0, 4.0], &Method::Naive, 1);
        assert_eq!(pairs, vec![(1.0, 2.0), (2.0, 3.0), (3.0, 4.0)]);
        assert_eq!(
            one_step(&[1.0, 2.0, 3.0, 4.0], &Method::Naive, 3),
            vec![(3.0, 4.0)]
        );
    }

    #[test]
    fn multi_step_holds_each_origins_forecast_over_the_next_periods() {
        // Naive from origin 2 forecasts 2 for periods 2 and 3; from origin 3, 3 for period 3.
        assert_eq!(
            multi_step(&[1.0, 2.0, 3.0, 4.0], &Method::Naive, 2, 2),
            vec![(2.0, 3.0), (2.0, 4.0), (3.0, 4.0)]
        );
        assert_eq!(
            multi_step(&[1.0, 2.0, 3.0], &Method::Naive, 1, 1),
            one_step(&[1.0, 2.0, 3.0], &Method::Naive, 1)
        );
    }

    #[test]
    fn ranking_puts_the_method_that_forecast_the_holdout_best_first() {
        // Alternating demand: the seasonal naive with period 2 is exact, the naive always wrong.
        let series = [1.0, 5.0, 1.0, 5.0, 1.0, 5.0, 1.0, 5.0];
        let ranked = rank(
            &series,
            &[Method::Naive, Method::SeasonalNaive { period: 2 }],
            4,
            1,
        );
        assert_eq!(
            ranked,
            vec![
                (Method::SeasonalNaive { period: 2 }, 0.0),
                (Method::Naive, 16.0)
            ]
        );
        assert_eq!(rank(&series, &[], 4, 1), vec![]);
    }

    #[test]
    fn fitting_alpha_on_a_step_change_prefers_fast_smoothing() {
        let step = [1.0, 1.0, 1.0, 1.0, 9.0, 9.0, 9.0, 9.0];
        assert_eq!(
            fit_alpha(&step, &[0.1, 0.5, 0.9], |alpha| Method::Ses { alpha }),
            Some(0.9)
        );
        let noise = [5.0, 1.0, 5.0, 1.0, 5.0, 1.0, 5.0, 1.0];
        assert_eq!(
            fit_alpha(&noise, &[0.1, 0.5, 0.9], |alpha| Method::Ses { alpha }),
            Some(0.1)
        );
    }

    #[test]
    fn rmsse_is_one_for_errors_as_large_as_the_naive_ones_in_sample() {
        // In-sample naive errors on 0, 2, 0, 2 are all 2: scale 4. Errors of 2: RMSSE 1.
        let history = [0.0, 2.0, 0.0, 2.0];
        assert_eq!(rmsse(&history, &[(0.0, 2.0), (2.0, 0.0)]), Some(1.0));
        assert_eq!(rmsse(&history, &[(1.0, 2.0)]), Some(0.5));
        assert_eq!(
            rmsse(&[3.0, 3.0, 3.0], &[(1.0, 2.0)]),
            None,
            "a flat history has no scale"
        );
    }

    #[test]
    fn pinball_loss_weighs_under_forecasts_by_tau() {
        assert!((pinball(10.0, 8.0, 0.9) - 1.8).abs() < 1e-12);
        assert!((pinball(8.0, 10.0, 0.9) - 0.2).abs() < 1e-12);
        assert_eq!(pinball(5.0, 5.0, 0.5), 0.0);
    }

    #[test]
    fn bias_is_relative_to_actual_demand() {
        assert_eq!(bias(&[(12.0, 10.0), (12.0, 10.0)]), Some(0.2));
        assert_eq!(bias(&[(1.0, 0.0)]), None);
    }
}
