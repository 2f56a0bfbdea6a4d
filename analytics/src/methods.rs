//! Fast forecasting methods for per-period demand, each a pure function from a history to a flat
//! point forecast per future period.
//!
//! Conventions (the same ones the Python peers use, so that backtests compare like with like):
//! exponential smoothing starts its level at the first observation; Croston-type methods start
//! size and interval at the first demand and its position; aggregation (ADIDA) keeps whole
//! buckets counted back from the last period.

use serde::Serialize;

/// A forecasting method with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Method {
    /// The last period's demand.
    Naive,
    /// The demand one season (`period` periods) ago.
    SeasonalNaive { period: usize },
    /// Simple exponential smoothing.
    Ses { alpha: f64 },
    /// Croston (1972): smoothed demand size over smoothed interval.
    Croston { alpha: f64 },
    /// Syntetos–Boylan approximation: Croston debiased by `1 - alpha / 2`.
    Sba { alpha: f64 },
    /// Teunter–Syntetos–Babai (2011): smoothed demand probability (updated every period) times
    /// smoothed size (updated on demand), so that dying items decay.
    Tsb { alpha: f64, beta: f64 },
    /// Aggregate–disaggregate intermittent demand: SES on buckets of `k` periods, divided by `k`.
    Adida { k: usize, alpha: f64 },
    /// Multiple aggregation: the mean of ADIDA over bucket sizes 1 to `max_k`.
    Imapa { max_k: usize, alpha: f64 },
}

impl Method {
    /// The method's name as written in outputs.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Naive => "naive",
            Method::SeasonalNaive { .. } => "seasonal-naive",
            Method::Ses { .. } => "ses",
            Method::Croston { .. } => "croston",
            Method::Sba { .. } => "sba",
            Method::Tsb { .. } => "tsb",
            Method::Adida { .. } => "adida",
            Method::Imapa { .. } => "imapa",
        }
    }

    /// The forecast per future period after `history` (0 for an empty history).
    pub fn forecast(&self, history: &[f64]) -> f64 {
        match *self {
            Method::Naive => history.last().copied().unwrap_or(0.0),
            Method::SeasonalNaive { period } => match history.len().checked_sub(period.max(1)) {
                Some(i) => history[i],
                None => history.last().copied().unwrap_or(0.0),
            },
            Method::Ses { alpha } => ses(history, alpha),
            Method::Croston { alpha } => croston(history, alpha),
            Method::Sba { alpha } => croston(history, alpha) * (1.0 - alpha / 2.0),
            Method::Tsb { alpha, beta } => tsb(history, alpha, beta),
            Method::Adida { k, alpha } => adida(history, k, alpha).unwrap_or(0.0),
            Method::Imapa { max_k, alpha } => {
                mean_or_zero((1..=max_k.max(1)).filter_map(|k| adida(history, k, alpha)))
            }
        }
    }

    /// The forecasts from every origin `t` in `start..=series.len()`, each made from
    /// `series[..t]` and equal to [`Method::forecast`] of it, bit for bit. Backtests need one per
    /// origin: this takes one pass over the series (one per bucket alignment for ADIDA and
    /// IMAPA) instead of one per origin.
    pub fn forecasts_from(&self, series: &[f64], start: usize) -> Vec<f64> {
        let n = series.len();
        if start > n {
            return Vec::new();
        }
        match *self {
            Method::Naive | Method::SeasonalNaive { .. } => {
                (start..=n).map(|t| self.forecast(&series[..t])).collect()
            }
            Method::Ses { alpha } => {
                running(series, start, Level::default(), |s, y| s.push(y, alpha))
                    .map(Level::forecast)
                    .collect()
            }
            Method::Croston { alpha } => {
                running(series, start, Croston::default(), |s, y| s.push(y, alpha))
                    .map(Croston::forecast)
                    .collect()
            }
            Method::Sba { alpha } => {
                running(series, start, Croston::default(), |s, y| s.push(y, alpha))
                    .map(|s| s.forecast() * (1.0 - alpha / 2.0))
                    .collect()
            }
            Method::Tsb { alpha, beta } => {
                running(series, start, Tsb::default(), |s, y| s.push(y, alpha, beta))
                    .map(Tsb::forecast)
                    .collect()
            }
            Method::Adida { k, alpha } => adida_from(series, k, alpha, start)
                .map(|f| f.unwrap_or(0.0))
                .collect(),
            Method::Imapa { max_k, alpha } => {
                let per_k: Vec<Vec<Option<f64>>> = (1..=max_k.max(1))
                    .map(|k| adida_from(series, k, alpha, start).collect())
                    .collect();
                (0..=n - start)
                    .map(|i| mean_or_zero(per_k.iter().filter_map(|f| f[i])))
                    .collect()
            }
        }
    }
}

/// The states after `series[..t]` for every `t` in `start..=len`, from `state` and `push`,
/// which takes one period.
fn running<S: Copy>(
    series: &[f64],
    start: usize,
    mut state: S,
    push: impl Fn(S, f64) -> S,
) -> impl Iterator<Item = S> {
    let mut states = Vec::with_capacity((series.len() + 1).saturating_sub(start));
    for t in 0..=series.len() {
        if t >= start {
            states.push(state);
        }
        if let Some(&y) = series.get(t) {
            state = push(state, y);
        }
    }
    states.into_iter()
}

/// The mean of `values` (0 without any).
fn mean_or_zero(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(sum, count), v| (sum + v, count + 1));
    if count == 0 { 0.0 } else { sum / count as f64 }
}

/// Simple exponential smoothing's level, starting at the first value.
#[derive(Debug, Clone, Copy, Default)]
struct Level(Option<f64>);

impl Level {
    fn push(self, y: f64, alpha: f64) -> Level {
        Level(Some(self.0.map_or(y, |l| alpha * y + (1.0 - alpha) * l)))
    }

    fn forecast(self) -> f64 {
        self.0.unwrap_or(0.0)
    }
}

/// Croston's state: smoothed non-zero size and interval (from the first demand), and the
/// periods since the last demand.
#[derive(Debug, Clone, Copy, Default)]
struct Croston {
    smoothed: Option<(f64, f64)>,
    since: f64,
}

impl Croston {
    fn push(self, y: f64, alpha: f64) -> Croston {
        let since = self.since + 1.0;
        if y <= 0.0 {
            return Croston { since, ..self };
        }
        let smoothed = match self.smoothed {
            None => (y, since),
            Some((size, interval)) => (
                size + alpha * (y - size),
                interval + alpha * (since - interval),
            ),
        };
        Croston {
            smoothed: Some(smoothed),
            since: 0.0,
        }
    }

    fn forecast(self) -> f64 {
        self.smoothed
            .map_or(0.0, |(size, interval)| size / interval)
    }
}

/// TSB's state: the probability of demand (updated every period, starting at the first) and
/// the non-zero size (updated on demand, starting at the first).
#[derive(Debug, Clone, Copy, Default)]
struct Tsb {
    probability: Option<f64>,
    size: Option<f64>,
}

impl Tsb {
    fn push(self, y: f64, alpha: f64, beta: f64) -> Tsb {
        let occurred = if y > 0.0 { 1.0 } else { 0.0 };
        Tsb {
            probability: Some(
                self.probability
                    .map_or(occurred, |p| p + beta * (occurred - p)),
            ),
            size: if y > 0.0 {
                Some(self.size.map_or(y, |size| size + alpha * (y - size)))
            } else {
                self.size
            },
        }
    }

    fn forecast(self) -> f64 {
        match (self.probability, self.size) {
            (Some(p), Some(size)) => p * size,
            _ => 0.0,
        }
    }
}

/// [`adida`] from every origin `start..=len`: for each alignment of the buckets (the origin
/// modulo `k`), one smoothing pass that yields the level at each bucket's end.
fn adida_from(
    series: &[f64],
    k: usize,
    alpha: f64,
    start: usize,
) -> impl Iterator<Item = Option<f64>> {
    let k = k.max(1);
    let n = series.len();
    let mut at: Vec<Option<f64>> = vec![None; n + 1];
    for offset in 0..k.min(n + 1) {
        let mut level = Level::default();
        for (j, chunk) in series[offset..].chunks_exact(k).enumerate() {
            level = level.push(chunk.iter().sum::<f64>(), alpha);
            at[offset + (j + 1) * k] = Some(level.forecast() / k as f64);
        }
    }
    at.into_iter().skip(start)
}

/// The smoothed level after `series`, starting at its first value.
pub fn ses(series: &[f64], alpha: f64) -> f64 {
    smooth(series.iter().copied(), alpha).forecast()
}

/// The level after `values`. Backtests call the methods at every origin of every series, so
/// nothing here allocates.
fn smooth(values: impl Iterator<Item = f64>, alpha: f64) -> Level {
    values.fold(Level::default(), |level, y| level.push(y, alpha))
}

/// Croston's forecast: smoothed non-zero size over smoothed interval between demands.
pub fn croston(series: &[f64], alpha: f64) -> f64 {
    series
        .iter()
        .fold(Croston::default(), |s, &y| s.push(y, alpha))
        .forecast()
}

/// TSB's forecast: smoothed probability of demand times smoothed non-zero size.
pub fn tsb(series: &[f64], alpha: f64, beta: f64) -> f64 {
    series
        .iter()
        .fold(Tsb::default(), |s, &y| s.push(y, alpha, beta))
        .forecast()
}

/// ADIDA with buckets of `k` periods counted back from the last one, or `None` without a whole bucket.
pub fn adida(series: &[f64], k: usize, alpha: f64) -> Option<f64> {
    let k = k.max(1);
    let buckets = series.len() / k;
    if buckets == 0 {
        return None;
    }
    let start = series.len() - buckets * k;
    let aggregated = series[start..].chunks(k).map(|c| c.iter().sum::<f64>());
    Some(smooth(aggregated, alpha).forecast() / k as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    const INTERMITTENT: [f64; 5] = [0.0, 4.0, 0.0, 0.0, 8.0];

    /// One of each method, with parameters of their usual range.
    fn every_method() -> [Method; 8] {
        [
            Method::Naive,
            Method::SeasonalNaive { period: 12 },
            Method::Ses { alpha: 0.3 },
            Method::Croston { alpha: 0.2 },
            Method::Sba { alpha: 0.2 },
            Method::Tsb {
                alpha: 0.3,
                beta: 0.1,
            },
            Method::Adida { k: 3, alpha: 0.4 },
            Method::Imapa {
                max_k: 6,
                alpha: 0.2,
            },
        ]
    }

    #[test]
    fn ses_smooths_from_the_first_value() {
        // 10, then 0.5 * 20 + 0.5 * 10 = 15, then 0.5 * 0 + 0.5 * 15 = 7.5.
        assert!(close(
            Method::Ses { alpha: 0.5 }.forecast(&[10.0, 20.0, 0.0]),
            7.5
        ));
    }

    #[test]
    fn croston_divides_smoothed_size_by_smoothed_interval() {
        // First demand 4 in period 2: size 4, interval 2. Next 8 after 3 periods:
        // size 4 + 0.5 * (8 - 4) = 6, interval 2 + 0.5 * (3 - 2) = 2.5; 6 / 2.5 = 2.4.
        assert!(close(
            Method::Croston { alpha: 0.5 }.forecast(&INTERMITTENT),
            2.4
        ));
    }

    #[test]
    fn sba_debiases_croston_by_one_minus_half_alpha() {
        assert!(close(
            Method::Sba { alpha: 0.5 }.forecast(&INTERMITTENT),
            2.4 * 0.75
        ));
    }

    #[test]
    fn tsb_updates_probability_every_period_and_size_on_demand() {
        // p: 0, 0.5, 0.25, 0.125, 0.5625; size: 4, 4, 4, 4, 6. 0.5625 * 6 = 3.375.
        assert!(close(
            Method::Tsb {
                alpha: 0.5,
                beta: 0.5
            }
            .forecast(&INTERMITTENT),
            3.375
        ));
    }

    #[test]
    fn tsb_decays_an_item_whose_demand_stopped_while_croston_does_not() {
        let dying = [5.0, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert!(
            Method::Tsb {
                alpha: 0.3,
                beta: 0.3
            }
            .forecast(&dying)
                < 1.0
        );
        assert!(close(Method::Croston { alpha: 0.3 }.forecast(&dying), 5.0));
    }

    #[test]
    fn adida_smooths_whole_buckets_counted_from_the_end() {
        // Buckets of 2 from the end of 1..=7: (2+3), (4+5), (6+7) = 5, 9, 13; the 1 is dropped.
        // SES 0.5: 5, 7, 10; per period 10 / 2 = 5.
        let series = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        assert!(close(
            Method::Adida { k: 2, alpha: 0.5 }.forecast(&series),
            5.0
        ));
        assert_eq!(adida(&[1.0], 2, 0.5), None);
    }

    #[test]
    fn imapa_averages_adida_over_bucket_sizes() {
        let series = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let expected = (adida(&series, 1, 0.5).unwrap_or_default() + 5.0) / 2.0;
        assert!(close(
            Method::Imapa {
                max_k: 2,
                alpha: 0.5
            }
            .forecast(&series),
            expected
        ));
    }

    #[test]
    fn naive_methods_repeat_the_last_period_or_season() {
        let series = [1.0, 2.0, 3.0, 4.0];
        assert!(close(Method::Naive.forecast(&series), 4.0));
        assert!(close(
            Method::SeasonalNaive { period: 3 }.forecast(&series),
            2.0
        ));
        assert!(
            close(Method::SeasonalNaive { period: 12 }.forecast(&series), 4.0),
            "a short history falls back to naive"
        );
    }

    #[test]
    fn forecasts_from_every_origin_equal_each_prefixs_forecast_bit_for_bit() {
        let series: Vec<f64> = (0..40)
            .map(|i| match i % 7 {
                0 | 3 => 0.0,
                1 => 12.5,
                2 => 3.0,
                _ => (i as f64 * 1.7) % 9.0,
            })
            .collect();
        let leading_zeros: Vec<f64> = [0.0, 0.0, 0.0, 4.0, 0.0, 7.0, 0.0, 0.0, 2.0].to_vec();
        let methods = every_method();
        for data in [&series[..], &leading_zeros[..], &[5.0][..], &[][..]] {
            for method in methods {
                for start in [0, 1, 4, data.len()] {
                    if start > data.len() {
                        continue;
                    }
                    let expected: Vec<f64> = (start..=data.len())
                        .map(|t| method.forecast(&data[..t]))
                        .collect();
                    assert_eq!(
                        method.forecasts_from(data, start),
                        expected,
                        "{} from {start} over {data:?}",
                        method.name()
                    );
                }
            }
        }
    }

    #[test]
    fn every_method_forecasts_zero_without_history_or_demand() {
        let methods = every_method();
        for method in methods {
            assert!(close(method.forecast(&[]), 0.0), "{}", method.name());
            assert!(
                close(method.forecast(&[0.0, 0.0, 0.0]), 0.0),
                "{}",
                method.name()
            );
        }
    }
}
