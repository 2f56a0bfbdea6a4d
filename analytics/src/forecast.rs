//! One series' forecast: classify it, combine the few methods that forecast its recent past best
//! among the ones suited to its class, and turn the combination's backtest error into quantiles.

use crate::backtest::{fit_alpha, mse, rank};
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
    /// The method's name, or `combination` for several.
    pub method: &'static str,
    /// The methods combined (one when a single method is used).
    #[serde(skip)]
    pub members: Vec<Member>,
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

/// How many of the best candidates a forecast combines.
pub const COMBINED: usize = 3;

/// A combination: its members' forecasts weighed by the inverse of their backtest MSE.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member {
    pub method: Method,
    /// The normalised weight (the weights sum to 1).
    pub weight: f64,
    /// The method's forecast for the next period.
    pub next: f64,
}

/// The weighted mean of `values`, one per member.
fn combine(members: &[Member], values: impl Iterator<Item = f64>) -> f64 {
    members.iter().zip(values).map(|(m, v)| m.weight * v).sum()
}

/// Which origins rank a class's candidates, each origin's forecast scored over the whole
/// horizon (or what of it the history holds): frequent demand from each of the last `holdout`
/// origins; intermittent and lumpy demand from the last [`RECENT_ORIGINS`] only, as such demand
/// changes by steps (a product discontinued, a new buyer) that a long window averages away.
fn scoring(class: DemandClass, config: ForecastConfig) -> (usize, usize) {
    match class {
        DemandClass::Intermittent | DemandClass::Lumpy => {
            (config.holdout.min(RECENT_ORIGINS), config.horizon)
        }
        _ => (config.holdout, config.horizon),
    }
}

/// The origins that rank the candidates for sparse demand.
const RECENT_ORIGINS: usize = 6;

/// Forecasts `history` (per-period demand, oldest first) with the combination of the
/// [`COMBINED`] candidates suited to its class that forecast its recent past best ([`scoring`]:
/// the run's own rolling-origin backtest, never the periods it is scored on later). Weights are
/// the inverse of each member's backtest MSE: the forecasting competitions' lesson that a
/// combination of a few good methods beats picking one, whose choice on a short backtest is
/// partly noise. The quantiles come from the
/// combination's own one-step errors over the same periods.
pub fn forecast_series(history: &[f64], config: ForecastConfig) -> SeriesForecast {
    let class = classify(history);
    let pool = candidates(history, class, config.season);
    let (holdout, horizon) = scoring(class, config);
    let mut ranked = rank(history, &pool, holdout, horizon);
    ranked.truncate(COMBINED);
    if ranked.is_empty() {
        ranked.push((Method::Naive, 1.0));
    }
    // A perfect backtest (MSE 0) weighs as much as an error of a millionth; without any
    // backtest (a history too short), the members weigh alike.
    let inverse: Vec<f64> = ranked.iter().map(|(_, mse)| 1.0 / mse.max(1e-6)).collect();
    let total: f64 = inverse.iter().sum();
    let members: Vec<Member> = ranked
        .iter()
        .zip(&inverse)
        .map(|((method, _), w)| Member {
            method: *method,
            weight: if total > 0.0 && total.is_finite() {
                w / total
            } else {
                1.0 / ranked.len() as f64
            },
            next: method.forecast(history),
        })
        .collect();
    let mean = combine(&members, members.iter().map(|m| m.next)).max(0.0);
    let start = history.len().saturating_sub(config.holdout).max(1);
    let backtests: Vec<Vec<f64>> = members
        .iter()
        .map(|m| m.method.forecasts_from(history, start))
        .collect();
    let pairs: Vec<(f64, f64)> = (start..history.len())
        .map(|t| {
            let forecast = combine(&members, backtests.iter().map(|f| f[t - start]));
            (forecast, history[t])
        })
        .collect();
    let variance = mse(&pairs).unwrap_or(mean);
    let q = |tau| count_quantile(mean, variance, tau);
    SeriesForecast {
        demand_class: class,
        method: match members.as_slice() {
            [single] => single.method.name(),
            _ => "combination",
        },
        members,
        mean,
        q50: q(0.5),
        q90: q(0.9),
        q95: q(0.95),
    }
}

impl SeriesForecast {
    /// The forecast for the `step`-th future period (0 is the next one): the same for every
    /// period, except that a seasonal naive member repeats last season's values, quantiles
    /// shifting with the point forecast.
    pub fn at(&self, history: &[f64], step: usize) -> SeriesForecast {
        let seasonal = |m: &Member| match m.method {
            Method::SeasonalNaive { period } => history
                .len()
                .checked_sub(period.max(1))
                .map(|first| history[first + step % period.max(1)]),
            _ => None,
        };
        if !self.members.iter().any(|m| seasonal(m).is_some()) {
            return self.clone();
        }
        let values = self.members.iter().map(|m| seasonal(m).unwrap_or(m.next));
        let mean = combine(&self.members, values).max(0.0);
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
        assert_eq!(f.method, "combination");
        assert_eq!(
            f.members[0].method.name(),
            "ses",
            "ties go to the first candidate"
        );
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
        for m in &f.members {
            let name = m.method.name();
            assert!(
                ["croston", "sba", "tsb", "adida", "imapa"].contains(&name),
                "{name}"
            );
        }
        assert!(
            (f.mean - 2.0).abs() < 0.5,
            "about 6 every 3 periods: {}",
            f.mean
        );
        assert!(f.q50 <= f.mean.ceil() && f.q95 > f.mean, "{f:?}");
    }

    /// A trend with noise: the candidates forecast it differently well.
    fn drifting() -> Vec<f64> {
        (0..36)
            .map(|t| 20.0 + t as f64 * 0.8 + [3.0, -2.0, 4.0, -5.0, 1.0][t % 5])
            .collect()
    }

    #[test]
    fn a_forecast_combines_the_best_three_weighed_by_their_inverse_backtest_error() {
        let history = drifting();
        let config = ForecastConfig {
            season: 12,
            holdout: 12,
            horizon: 3,
        };
        let f = forecast_series(&history, config);
        let pool = candidates(&history, f.demand_class, 12);
        let ranked = rank(&history, &pool, 12, 3);
        assert!(ranked.len() >= COMBINED, "{ranked:?}");
        assert_eq!(f.members.len(), COMBINED);
        let inverse: Vec<f64> = ranked[..COMBINED].iter().map(|(_, e)| 1.0 / e).collect();
        let total: f64 = inverse.iter().sum();
        for ((member, (method, _)), w) in f.members.iter().zip(&ranked).zip(&inverse) {
            assert_eq!(member.method, *method);
            assert!((member.weight - w / total).abs() < 1e-12, "{member:?}");
            assert_eq!(member.next, method.forecast(&history));
        }
        let expected: f64 = f.members.iter().map(|m| m.weight * m.next).sum();
        assert!((f.mean - expected).abs() < 1e-12);
        // The best member weighs most, and the mean lies between the members' forecasts.
        assert!(f.members[0].weight >= f.members[2].weight);
        let (lo, hi) = f.members.iter().fold((f64::MAX, f64::MIN), |(lo, hi), m| {
            (lo.min(m.next), hi.max(m.next))
        });
        assert!(lo <= f.mean && f.mean <= hi, "{f:?}");
    }

    #[test]
    fn a_seasonal_member_moves_the_combination_with_its_season() {
        let seasonal: Vec<f64> = (0..36)
            .map(|m| if m % 12 < 3 { 30.0 } else { 10.0 })
            .collect();
        let f = forecast_series(&seasonal, MONTHLY);
        let member = f
            .members
            .iter()
            .find(|m| matches!(m.method, Method::SeasonalNaive { .. }))
            .expect("seasonal naive forecast this season best");
        // Months 0..3 of next year are the high season: the seasonal member says 30 there.
        let (high, low) = (f.at(&seasonal, 0), f.at(&seasonal, 6));
        let gap = high.mean - low.mean;
        assert!(
            (gap - member.weight * 20.0).abs() < 1e-9,
            "{gap} {member:?}"
        );
        assert!(high.q95 - low.q95 > 0.0);
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
