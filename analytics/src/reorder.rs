//! Reorder predictions for one (account, SKU) pair from its order history.
//!
//! The model is a renewal process with dropout. Gaps between orders follow a gamma distribution
//! whose mean is the pair's mean gap shrunk toward a prior (the SKU's or the account's typical
//! gap) so that short histories borrow strength, and whose shape comes from the gaps' spread.
//! Given how long it has been since the last order, Bayes' rule weighs "still buying, just not
//! yet" against "stopped buying" (a pair that would almost surely have ordered by now if it were
//! still active is probably lapsing), and the renewal distribution gives the chance of an order
//! within the horizon if it is active. The probability is calibrated downstream.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

/// What the pair's status is as of the prediction date: the portal's own status, which the API
/// serves.
pub use portal_domain::insights::ReorderStatus;

/// Settings of a prediction run.
#[derive(Debug, Clone, Copy)]
pub struct ReorderConfig {
    /// Only orders strictly before this day are used; predictions are as of it.
    pub as_of: NaiveDate,
    pub horizon_days: i64,
    /// How many gaps' worth of weight the prior mean gap gets.
    pub prior_weight: f64,
    /// The prior probability that a pair is still active before looking at the elapsed time.
    pub prior_active: f64,
}

/// One pair's prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReorderPrediction {
    pub orders_seen: usize,
    pub last_order_date: NaiveDate,
    pub expected_next_date: NaiveDate,
    pub p_reorder: f64,
    pub expected_quantity: f64,
    pub suggested_quantity: f64,
    pub status: ReorderStatus,
    pub reason: String,
    /// The model's inputs and internals, the calibration layer's features.
    pub mean_gap_days: f64,
    pub gap_cv: f64,
    pub elapsed_days: f64,
    pub p_active: f64,
    /// The latest gap between orders (the mean gap with a single order).
    pub last_gap_days: f64,
}

/// The coefficient of variation of gaps assumed before any are seen (a gamma of shape 4).
const PRIOR_CV: f64 = 0.5;
/// The least spread assumed: people's ordering rhythms vary by at least this much, however
/// regular their history looks, so a few days' delay never reads as a lost customer.
const MIN_CV: f64 = 0.3;

/// Predicts from `orders` (date and quantity, any order; dates on or after `as_of` are ignored),
/// the prior mean gap in days, and the pack size quantities round up to. `None` without orders
/// before `as_of`.
pub fn predict(
    orders: &[(NaiveDate, f64)],
    prior_gap_days: f64,
    pack_size: f64,
    config: ReorderConfig,
) -> Option<ReorderPrediction> {
    let mut history: Vec<(NaiveDate, f64)> = orders
        .iter()
        .copied()
        .filter(|(d, _)| *d < config.as_of)
        .collect();
    history.sort_by_key(|(d, _)| *d);
    let &(last, _) = history.last()?;
    let gaps: Vec<f64> = history
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).num_days() as f64)
        .collect();
    let k = config.prior_weight;
    let prior_gap = prior_gap_days.max(1.0);
    let mean_gap = ((gaps.iter().sum::<f64>() + k * prior_gap) / (gaps.len() as f64 + k)).max(1.0);
    let cv = if gaps.len() >= 2 {
        let m = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let var = gaps.iter().map(|g| (g - m).powi(2)).sum::<f64>() / (gaps.len() as f64 - 1.0);
        // Shrink the observed spread toward the prior one, like the mean.
        ((var.sqrt() / m.max(1.0)) * gaps.len() as f64 + PRIOR_CV * k) / (gaps.len() as f64 + k)
    } else {
        PRIOR_CV
    }
    .clamp(MIN_CV, 3.0);
    let shape = 1.0 / (cv * cv);
    let scale = mean_gap / shape;
    let elapsed = (config.as_of - last).num_days() as f64;
    let survive = 1.0 - gamma_cdf(elapsed, shape, scale);
    let active = config.prior_active * survive
        / (config.prior_active * survive + (1.0 - config.prior_active));
    let within = if survive > 1e-12 {
        (gamma_cdf(elapsed + config.horizon_days as f64, shape, scale) - (1.0 - survive)) / survive
    } else {
        0.0
    };
    let p_reorder = (active * within).clamp(0.0, 1.0);

    let recent: Vec<f64> = history.iter().rev().take(5).map(|(_, q)| *q).collect();
    let expected_quantity = recent.iter().sum::<f64>() / recent.len() as f64;
    let pack = if pack_size > 0.0 { pack_size } else { 1.0 };
    let suggested_quantity = ((expected_quantity / pack).ceil().max(1.0)) * pack;
    let expected_next_date = last + Duration::days(mean_gap.round() as i64);
    let status = if active < 0.5 {
        ReorderStatus::Lapsing
    } else if expected_next_date < config.as_of {
        ReorderStatus::Overdue
    } else if expected_next_date <= config.as_of + Duration::days(config.horizon_days) {
        ReorderStatus::Due
    } else {
        ReorderStatus::NotYetDue
    };
    let rhythm = if gaps.is_empty() {
        format!(
            "one order so far; similar buyers reorder about every {} days",
            mean_gap.round()
        )
    } else {
        format!(
            "orders about every {} days ({} orders)",
            mean_gap.round(),
            history.len()
        )
    };
    let suggestion = if pack > 1.0 {
        format!(
            "suggested {} ({} packs of {})",
            round2(suggested_quantity),
            round2(suggested_quantity / pack),
            round2(pack)
        )
    } else {
        format!("suggested {}", round2(suggested_quantity))
    };
    let reason = format!(
        "{rhythm}; last order {} days ago; usually {} units, {suggestion}",
        elapsed,
        round2(expected_quantity),
    );
    Some(ReorderPrediction {
        orders_seen: history.len(),
        last_order_date: last,
        expected_next_date,
        p_reorder,
        expected_quantity,
        suggested_quantity,
        status,
        reason,
        mean_gap_days: mean_gap,
        gap_cv: cv,
        elapsed_days: elapsed,
        p_active: active,
        last_gap_days: gaps.last().copied().unwrap_or(mean_gap),
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The gamma distribution's CDF at `x` (shape `a`, scale `s`): the regularised lower incomplete
/// gamma function P(a, x / s), by its series below a + 1 and its continued fraction above.
pub fn gamma_cdf(x: f64, a: f64, s: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let x = x / s;
    let log_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..500 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (sum * log_prefix.exp()).clamp(0.0, 1.0)
    } else {
        // Lentz's method for the continued fraction of Q(a, x).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..500 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (1.0 - log_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = G[1..]
        .iter()
        .enumerate()
        .fold(G[0], |acc, (i, g)| acc + g / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn config(as_of: &str) -> ReorderConfig {
        ReorderConfig {
            as_of: day(as_of),
            horizon_days: 30,
            prior_weight: 2.0,
            prior_active: 0.9,
        }
    }

    /// Orders every 28 days from 2026-01-05, seven of them, 48 units each.
    fn regular() -> Vec<(NaiveDate, f64)> {
        (0..7)
            .map(|i| (day("2026-01-05") + Duration::days(28 * i), 48.0))
            .collect()
    }

    #[test]
    fn gamma_cdf_matches_known_values() {
        // Shape 1 is the exponential: 1 - e^-1 at its mean.
        assert!((gamma_cdf(2.0, 1.0, 2.0) - (1.0 - (-1.0f64).exp())).abs() < 1e-12);
        // Shape 2, x = 2 (scale 1): 1 - 3 e^-2 = 0.593994.
        assert!((gamma_cdf(2.0, 2.0, 1.0) - (1.0 - 3.0 * (-2.0f64).exp())).abs() < 1e-12);
        // Shape 4, x = 8 (continued-fraction branch): 1 - e^-8 (1 + 8 + 32 + 85.333) = 0.957620.
        let expected = 1.0 - (-8.0f64).exp() * (1.0 + 8.0 + 32.0 + 512.0 / 6.0);
        assert!((gamma_cdf(8.0, 4.0, 1.0) - expected).abs() < 1e-12);
        assert_eq!(gamma_cdf(0.0, 2.0, 1.0), 0.0);
    }

    #[test]
    fn a_regular_buyer_a_cycle_after_the_last_order_is_due_and_likely() {
        // Last order 2026-06-22; as of 07-10 (18 days later) the next is expected about 07-20.
        let p = predict(&regular(), 28.0, 12.0, config("2026-07-10")).expect("a prediction");
        assert_eq!(p.orders_seen, 7);
        assert_eq!(p.last_order_date, day("2026-06-22"));
        assert_eq!(p.expected_next_date, day("2026-07-20"));
        assert_eq!(p.status, ReorderStatus::Due);
        assert!(p.p_reorder > 0.8, "{p:?}");
        assert_eq!((p.expected_quantity, p.suggested_quantity), (48.0, 48.0));
        assert!(p.reason.contains("every 28 days"), "{}", p.reason);
    }

    #[test]
    fn a_buyer_silent_for_many_cycles_is_lapsing_and_unlikely_to_order() {
        let p = predict(&regular(), 28.0, 12.0, config("2026-12-01")).expect("a prediction");
        assert_eq!(p.status, ReorderStatus::Lapsing);
        assert!(p.p_reorder < 0.1, "{p:?}");
    }

    #[test]
    fn a_late_but_not_yet_lost_order_is_overdue() {
        // 38 days after the last order: later than the 28-day rhythm, not yet hopeless.
        let p = predict(&regular(), 28.0, 12.0, config("2026-07-30")).expect("a prediction");
        assert_eq!(p.status, ReorderStatus::Overdue, "{p:?}");
    }

    #[test]
    fn orders_on_or_after_the_as_of_date_are_not_used() {
        let p = predict(&regular(), 28.0, 12.0, config("2026-03-01")).expect("a prediction");
        assert_eq!(p.orders_seen, 2, "only 01-05 and 02-02 are before 03-01");
        assert!(predict(&regular(), 28.0, 12.0, config("2026-01-05")).is_none());
    }

    #[test]
    fn one_order_borrows_the_prior_rhythm_and_quantities_round_up_to_packs() {
        let p = predict(
            &[(day("2026-05-01"), 30.0)],
            60.0,
            25.0,
            config("2026-06-01"),
        )
        .expect("a prediction");
        assert_eq!(
            p.expected_next_date,
            day("2026-06-30"),
            "the prior gap of 60 days"
        );
        assert_eq!(p.suggested_quantity, 50.0, "30 units in packs of 25");
        assert!(p.reason.contains("one order so far"), "{}", p.reason);
    }
}
