//! Quantiles of demand from a fitted count distribution.
//!
//! Demand in units is a count. Given the forecast mean and the variance of its errors, demand is
//! modelled as Poisson when the variance does not exceed the mean, else as negative binomial with
//! that mean and variance (over-dispersion is the rule for intermittent and lumpy demand). Large
//! means use the normal approximation, where the count distributions are close to it anyway.

/// Above this mean the normal approximation replaces the exact count distribution.
const NORMAL_ABOVE: f64 = 200.0;

/// The `tau`-quantile (0 < tau < 1) of demand with the given mean and variance: the smallest
/// count whose cumulative probability reaches `tau`.
pub fn count_quantile(mean: f64, variance: f64, tau: f64) -> f64 {
    // Also true for NaN: no usable mean, no demand.
    if mean.is_nan() || mean <= 0.0 {
        return 0.0;
    }
    let tau = tau.clamp(1e-9, 1.0 - 1e-9);
    let variance = variance.max(mean);
    if mean > NORMAL_ABOVE {
        return (mean + normal_quantile(tau) * variance.sqrt())
            .round()
            .max(0.0);
    }
    // Probability of 0, and the ratio pmf(k) / pmf(k - 1).
    let (p0, ratio): (f64, Box<dyn Fn(f64) -> f64>) = if variance <= mean * (1.0 + 1e-9) {
        ((-mean).exp(), Box::new(move |k| mean / k))
    } else {
        let r = mean * mean / (variance - mean);
        let p = r / (r + mean);
        (p.powf(r), Box::new(move |k| (k - 1.0 + r) / k * (1.0 - p)))
    };
    let (mut k, mut pmf, mut cdf) = (0.0, p0, p0);
    while cdf < tau && k < 100.0 * mean + 1000.0 {
        k += 1.0;
        pmf *= ratio(k);
        cdf += pmf;
    }
    k
}

/// The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_quantiles_match_the_cumulative_table() {
        // Poisson(2): P(X <= 1) = 0.406, P(X <= 2) = 0.677, P(X <= 4) = 0.947, P(X <= 5) = 0.983.
        assert_eq!(count_quantile(2.0, 2.0, 0.5), 2.0);
        assert_eq!(count_quantile(2.0, 2.0, 0.9), 4.0);
        assert_eq!(count_quantile(2.0, 2.0, 0.95), 5.0);
        assert_eq!(
            count_quantile(2.0, 1.0, 0.95),
            5.0,
            "under-dispersion is treated as Poisson"
        );
    }

    #[test]
    fn negative_binomial_quantiles_match_the_cumulative_table() {
        // Mean 2, variance 6: r = 1, p = 1/3, a geometric: P(X <= k) = 1 - (2/3)^(k+1).
        // P(X <= 0) = 0.333, P(X <= 1) = 0.556; P(X <= 4) = 0.868, P(X <= 5) = 0.912;
        // P(X <= 6) = 0.941, P(X <= 7) = 0.961.
        assert_eq!(count_quantile(2.0, 6.0, 0.5), 1.0);
        assert_eq!(count_quantile(2.0, 6.0, 0.9), 5.0);
        assert_eq!(count_quantile(2.0, 6.0, 0.95), 7.0);
    }

    #[test]
    fn no_demand_has_zero_quantiles_and_quantiles_grow_with_tau() {
        assert_eq!(count_quantile(0.0, 0.0, 0.95), 0.0);
        let q = |tau| count_quantile(7.5, 30.0, tau);
        assert!(q(0.5) <= q(0.9) && q(0.9) <= q(0.95));
    }

    #[test]
    fn large_means_use_the_normal_approximation() {
        assert!((normal_quantile(0.95) - 1.6448536).abs() < 1e-6);
        assert!((normal_quantile(0.5)).abs() < 1e-9);
        assert!((normal_quantile(0.01) + 2.3263479).abs() < 1e-6);
        // Mean 1000, sd 100: the 0.9 quantile is about 1000 + 1.2816 * 100.
        assert_eq!(count_quantile(1000.0, 10_000.0, 0.9), 1128.0);
    }
}
