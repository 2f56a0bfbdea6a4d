//! One series' forecast: classify it, pick the method that forecast its recent past best among
//! the ones suited to its class, and turn the error of that backtest into quantiles.

use crate::backtest::{fit_alpha, mse, one_step, select};
use crate::classify::{DemandClass, classify};
use crate::methods::Method;
use crate::quantiles::count_quantile;
use serde::Serialize;

/// How to forecast.
#[derive(Debug, Clone, Copy)]
pub struct ForecastConfig {
    /// Periods per season (12 for months, 52 for weeks).
    pub season: usize,
    /// How many recent origins the method selection is scored from.
    pub holdout: usize,
    /// How many periods each origin's forecast is scored on (the forecast's own horizon).
    pub horizon: usize,
}

/// A series' forecast per future period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesForecast {
    pub demand_class: DemandClass,
    pub method: &'static str,
    /// The chosen method with its fitted parameters.
    #[serde(skip)]
    pub model: Method,
    pub mean: f64,
    pub q50: f64,
    pub q90: f64,
    pub q95: f64,
}

/// The smoothing constants tried when fitting.
const ALPHAS: [f64; 6] = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7];

/// The candidate methods for a class (ties go to the earlier one), each with its smoothing
/// constant fitted. Every class also gets the aggregation methods (ADIDA, IMAPA): smoothing over
/// buckets of several periods is what noisy B2B demand often rewards.
fn candidates(series: &[f64], class: DemandClass, season: usize) -> Vec<Method> {
    let fitted = |method: fn(f64) -> Method| fit_alpha(series, &ALPHAS, method).map(method);
    let mut pool = Vec::new();
    match class {
        DemandClass::NoDemand => return vec![Method::Naive],
        DemandClass::Smooth | DemandClass::Erratic => {
            pool.extend(fitted(|alpha| Method::Ses { alpha }));
            if is_seasonal(series, season) {
                pool.push(Method::SeasonalNaive { period: season });
            }
        }
        DemandClass::Intermittent | DemandClass::Lumpy => {
            pool.extend(fitted(|alpha| Method::Croston { alpha }));
            pool.extend(fitted(|alpha| Method::Sba { alpha }));
            pool.extend(fitted(|alpha| Method::Tsb { alpha, beta: alpha }));
        }
    }
    pool.extend(fitted(|alpha| Method::Adida { k: 3, alpha }));
    pool.extend(fitted(|alpha| Method::Imapa { max_k: 6, alpha }));
    pool
}

/// Whether `series` shows a season of `season` periods: at least two seasons of history and an
/// autocorrelation at the seasonal lag above the 90 % limit of Hyndman's seasonality test
/// (1.645 · sqrt((1 + 2 Σ r_k², k < m) / n)). Seasonal naive is offered only then: on series
/// without a season it merely repeats last year's noise.
pub fn is_seasonal(series: &[f64], season: usize) -> bool {
    let n = series.len();
    if season < 2 || n < 2 * season {
        return false;
    }
    let mean = series.iter().sum::<f64>() / n as f64;
    let denominator: f64 = series.iter().map(|y| (y - mean).powi(2)).sum();
    if denominator <= 0.0 {
        return false;
    }
    let acf = |lag: usize| {
        (lag..n)
            .map(|t| (series[t] - mean) * (series[t - lag] - mean))
            .sum::<f64>()
            / denominator
    };
    let spread: f64 = (1..season).map(|k| acf(k).powi(2)).sum();
    acf(season) > 1.645 * ((1.0 + 2.0 * spread) / n as f64).sqrt()
}

/// How a class's candidates are scored: frequent demand on the forecast's whole horizon from
/// each of the last `holdout` origins; intermittent demand one step ahead from the last
/// `INTERMITTENT_HOLDOUT` origins (held flat over several periods of mostly zeros, every
/// candidate scores alike and the choice turns to noise).
fn scoring(class: DemandClass, config: ForecastConfig) -> (usize, usize) {
    match class {
        DemandClass::Smooth | DemandClass::Erratic => (config.holdout, config.horizon),
        _ => (config.holdout.min(INTERMITTENT_HOLDOUT), 1),
    }
}

const INTERMITTENT_HOLDOUT: usize = 6;

/// Forecasts `history` (per-period demand, oldest first).
pub fn forecast_series(history: &[f64], config: ForecastConfig) -> SeriesForecast {
    let class = classify(history);
    let pool = candidates(history, class, config.season);
    let (holdout, horizon) = scoring(class, config);
    let method = select(history, &pool, holdout, horizon).unwrap_or(Method::Naive);
    let mean = method.forecast(history).max(0.0);
    let start = history.len().saturating_sub(config.holdout).max(1);
    let variance = mse(&one_step(history, &method, start)).unwrap_or(mean);
    let q = |tau| count_quantile(mean, variance, tau);
    SeriesForecast {
        demand_class: class,
        method: method.name(),
        model: method,
        mean,
        q50: q(0.5),
        q90: q(0.9),
        q95: q(0.95),
    }
}

impl SeriesForecast {
    /// The forecast for the `step`-th future period (0 is the next one): the same for every
    /// period, except that a seasonal naive forecast repeats last season's values, quantiles
    /// shifting with the point forecast.
    pub fn at(&self, history: &[f64], step: usize) -> SeriesForecast {
        let Method::SeasonalNaive { period } = self.model else {
            return self.clone();
        };
        let period = period.max(1);
        let Some(first) = history.len().checked_sub(period) else {
            return self.clone();
        };
        let mean = history[first + step % period].max(0.0);
        let shift = mean - self.mean;
        SeriesForecast {
            mean,
            q50: (self.q50 + shift).max(0.0),
            q90: (self.q90 + shift).max(0.0),
            q95: (self.q95 + shift).max(0.0),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MONTHLY: ForecastConfig = ForecastConfig {
        season: 12,
        holdout: 6,
        horizon: 1,
    };

    #[test]
    fn a_steady_series_is_forecast_at_its_level_with_narrow_quantiles() {
        let f = forecast_series(&[10.0; 24], MONTHLY);
        assert_eq!(f.demand_class, DemandClass::Smooth);
        assert_eq!(f.mean, 10.0);
        assert_eq!(f.method, "ses", "ties go to the first candidate");
        // No backtest error: the variance falls back to the mean (Poisson(10)): q50 = 10, q95 = 15.
        assert_eq!((f.q50, f.q95), (10.0, 15.0));
    }

    #[test]
    fn an_intermittent_series_gets_a_croston_type_method_and_skewed_quantiles() {
        let series: Vec<f64> = (0..36)
            .map(|i| if i % 3 == 2 { 6.0 } else { 0.0 })
            .collect();
        let f = forecast_series(&series, MONTHLY);
        assert_eq!(f.demand_class, DemandClass::Intermittent);
        assert!(
            ["croston", "sba", "tsb", "adida", "imapa"].contains(&f.method),
            "{}",
            f.method
        );
        assert!(
            (f.mean - 2.0).abs() < 0.5,
            "about 6 every 3 periods: {}",
            f.mean
        );
        assert!(f.q50 <= f.mean.ceil() && f.q95 > f.mean, "{f:?}");
    }

    #[test]
    fn only_a_series_with_a_yearly_pattern_counts_as_seasonal() {
        let seasonal: Vec<f64> = (0..36)
            .map(|m| if m % 12 < 3 { 30.0 } else { 10.0 })
            .collect();
        assert!(is_seasonal(&seasonal, 12));
        assert!(!is_seasonal(&seasonal[..20], 12), "less than two seasons");
        let flat: Vec<f64> = (0..36).map(|m| 10.0 + (m % 5) as f64).collect();
        assert!(!is_seasonal(&flat, 12));
        assert!(!is_seasonal(&[10.0; 36], 12), "no variation at all");
    }

    #[test]
    fn a_series_without_demand_forecasts_nothing() {
        let f = forecast_series(&[0.0; 12], MONTHLY);
        assert_eq!(
            (f.demand_class, f.mean, f.q95),
            (DemandClass::NoDemand, 0.0, 0.0)
        );
        assert_eq!(forecast_series(&[], MONTHLY).mean, 0.0);
    }
}
