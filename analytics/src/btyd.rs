//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987), the "buy till you die" model: while alive,
//! a customer buys at a Poisson rate λ and dies at an exponential rate μ, unobserved; across
//! customers λ ~ Gamma(r, α) and μ ~ Gamma(s, β). Its four population parameters (the rhythm's
//! level and spread, the dropout's level and spread) are fitted to the history itself by
//! maximum likelihood: no labels needed. From them, per customer, the chance it is still alive
//! and of an order within a horizon.
//!
//! A "customer" here is any repeat-buying relationship, an (account, SKU) pair in the run,
//! summarised as [`Buyer`]: repeat orders `x`, the time from the first to the last order `t_x`
//! and from the first order to the origin `t` (days). The likelihood follows Fader & Hardie,
//! "A note on deriving the Pareto/NBD model and related expressions" (2005), eq. 22.

use argmin::core::{CostFunction, Error, Executor, State};
use argmin::solver::neldermead::NelderMead;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One buying relationship's history as of an origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Buyer {
    /// Orders after the first (order days, not lines).
    pub x: f64,
    /// Days from the first order to the last.
    pub t_x: f64,
    /// Days from the first order to the origin.
    pub t: f64,
}

/// The fitted population (rates per day).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParetoNbd {
    /// The purchase rate λ ~ Gamma(shape r, rate α).
    pub r: f64,
    pub alpha: f64,
    /// The dropout rate μ ~ Gamma(shape s, rate β).
    pub s: f64,
    pub beta: f64,
}

/// The fewest relationships a fit is made from.
pub const MIN_BUYERS: usize = 20;

impl ParetoNbd {
    /// One buyer's log-likelihood.
    pub fn log_likelihood(&self, b: Buyer) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let head = ln_gamma(r + b.x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln();
        // Alive throughout, or died between the last order and the origin (A0's share).
        let alive = -(r + b.x) * (alpha + b.t).ln() - s * (beta + b.t).ln();
        let died = (s / (r + s + b.x)).ln() + self.ln_a0(b);
        head + log_add(alive, died)
    }

    /// ln A0 of the likelihood: the integral over the unobserved time of death in (t_x, t].
    fn ln_a0(&self, b: Buyer) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let a = r + s + b.x;
        // The hypergeometric's second parameter and the larger rate's scale.
        let (second, top, other) = if alpha >= beta {
            (s + 1.0, alpha, beta)
        } else {
            (r + b.x, beta, alpha)
        };
        let term = |t: f64| {
            let z = (top - other) / (top + t);
            ln_hyp2f1_next(a, second, z) - a * (top + t).ln()
        };
        let (at_last, at_origin) = (term(b.t_x), term(b.t));
        // A0 = e^at_last − e^at_origin, the first the larger (t_x ≤ t).
        at_last + ln_one_minus_exp(at_origin - at_last)
    }

    /// The probability that the buyer is still alive at the origin.
    pub fn p_alive(&self, b: Buyer) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let ln_odds_dead = (s / (r + s + b.x)).ln()
            + (r + b.x) * (alpha + b.t).ln()
            + s * (beta + b.t).ln()
            + self.ln_a0(b);
        1.0 / (1.0 + ln_odds_dead.exp())
    }

    /// The probability of at least one order within `horizon` days after the origin: alive,
    /// and the purchase rate's posterior (Gamma(r + x, α + t)) gives an order in time. A death
    /// within the horizon is not weighed (as in BG/NBD's form), so this is an upper bound
    /// that ranks as the exact value does.
    pub fn p_order_within(&self, b: Buyer, horizon: f64) -> f64 {
        let none_if_alive = (-(self.r + b.x) * (horizon / (self.alpha + b.t)).ln_1p()).exp();
        (self.p_alive(b) * (1.0 - none_if_alive)).clamp(0.0, 1.0)
    }

    /// The parameters that maximise the buyers' likelihood. Buyers with the same history are
    /// weighed once with their count. Refuses (with the reason) with fewer than [`MIN_BUYERS`]
    /// buyers or when the search fails.
    pub fn fit(buyers: &[Buyer]) -> Result<ParetoNbd, String> {
        if buyers.len() < MIN_BUYERS {
            return Err(format!(
                "too few buyers to fit a Pareto/NBD ({} of {MIN_BUYERS})",
                buyers.len()
            ));
        }
        let mut counts: BTreeMap<[u64; 3], f64> = BTreeMap::new();
        for b in buyers {
            *counts
                .entry([b.x.to_bits(), b.t_x.to_bits(), b.t.to_bits()])
                .or_default() += 1.0;
        }
        let grouped: Vec<(Buyer, f64)> = counts
            .into_iter()
            .map(|([x, t_x, t], n)| {
                let f = f64::from_bits;
                (
                    Buyer {
                        x: f(x),
                        t_x: f(t_x),
                        t: f(t),
                    },
                    n,
                )
            })
            .collect();
        let mean_t = buyers.iter().map(|b| b.t).sum::<f64>() / buyers.len() as f64;
        // Start at rates about one order and one death per mean age, in log space.
        let start = [0.0, mean_t.max(1.0).ln(), 0.0, mean_t.max(1.0).ln()];
        let simplex = (0..=4)
            .map(|i| {
                let mut p = start.to_vec();
                if i > 0 {
                    p[i - 1] += 0.5;
                }
                p
            })
            .collect();
        // Stop when the simplex's likelihoods agree to a millionth of a unit per buyer.
        let solver = NelderMead::new(simplex)
            .with_sd_tolerance(1e-6 * buyers.len() as f64)
            .map_err(|e| e.to_string())?;
        let problem = NegativeLogLikelihood { buyers: &grouped };
        let result = Executor::new(problem, solver)
            .configure(|state| state.max_iters(2_000))
            .run()
            .map_err(|e| format!("the Pareto/NBD fit failed: {e}"))?;
        let best = result
            .state()
            .get_best_param()
            .ok_or("the Pareto/NBD fit found no parameters")?;
        let fitted = ParetoNbd::from_logs(best);
        if !fitted.total_log_likelihood(&grouped).is_finite() {
            return Err("the Pareto/NBD fit did not converge".into());
        }
        Ok(fitted)
    }

    fn from_logs(p: &[f64]) -> ParetoNbd {
        ParetoNbd {
            r: p[0].exp(),
            alpha: p[1].exp(),
            s: p[2].exp(),
            beta: p[3].exp(),
        }
    }

    /// The log-likelihood of buyers weighed by their counts.
    pub fn total_log_likelihood(&self, buyers: &[(Buyer, f64)]) -> f64 {
        buyers
            .par_iter()
            .map(|(b, n)| n * self.log_likelihood(*b))
            .sum()
    }
}

/// What the search minimises: the negative log-likelihood in the log-parameters.
struct NegativeLogLikelihood<'a> {
    buyers: &'a [(Buyer, f64)],
}

impl CostFunction for NegativeLogLikelihood<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
        // Far outside any sensible population the likelihood is not worth computing; rates
        // more than `MAX_RATE_RATIO` apart make the hypergeometric series slow (z near 1).
        let outside = p.iter().any(|v| v.abs() > MAX_LN_PARAMETER)
            || (p[1] - p[3]).abs() > MAX_RATE_RATIO.ln();
        if outside {
            return Ok(f64::INFINITY);
        }
        let ll = ParetoNbd::from_logs(p).total_log_likelihood(self.buyers);
        Ok(if ll.is_finite() { -ll } else { f64::INFINITY })
    }
}

/// The search's box, in log-parameters: e^±20 covers rates per day of any business.
const MAX_LN_PARAMETER: f64 = 20.0;
/// The most α and β (the scales of the purchase and dropout rates) may differ by: the
/// hypergeometric's argument stays below 1 − 1/500, its series under about 15,000 terms.
const MAX_RATE_RATIO: f64 = 500.0;

/// ln Γ(x) for x > 0.
fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// ln(e^a + e^b).
fn log_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        hi
    } else {
        hi + (lo - hi).exp().ln_1p()
    }
}

/// ln(1 − e^d) for d ≤ 0 (−∞ at d = 0).
fn ln_one_minus_exp(d: f64) -> f64 {
    if d > -std::f64::consts::LN_2 {
        (-d.exp_m1()).ln()
    } else {
        (-d.exp()).ln_1p()
    }
}

/// ln ₂F₁(a, b; a + 1; z) for 0 ≤ z < 1, by its series Σ a/(a + n) · (b)ₙ/n! · zⁿ. Terms are
/// kept below 1e200 by rescaling, so long sums near z = 1 cannot overflow.
fn ln_hyp2f1_next(a: f64, b: f64, z: f64) -> f64 {
    if z <= 0.0 {
        return 0.0;
    }
    let (mut sum, mut u, mut offset) = (1.0f64, 1.0f64, 0.0f64);
    // Terms rise until about n = b z / (1 − z), then fall.
    let peak = b * z / (1.0 - z);
    for n in 1..100_000u32 {
        let n = f64::from(n);
        u *= (b + n - 1.0) * z / n;
        let term = u * a / (a + n);
        sum += term;
        if u > 1e200 {
            u /= 1e200;
            sum /= 1e200;
            offset += 200.0 * std::f64::consts::LN_10;
        }
        if n > peak && term < 1e-13 * sum {
            break;
        }
    }
    sum.ln() + offset
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Exp, Gamma};

    const CDNOW: ParetoNbd = ParetoNbd {
        r: 0.55,
        alpha: 10.58,
        s: 0.61,
        beta: 11.67,
    };
    const BETA_ABOVE_ALPHA: ParetoNbd = ParetoNbd {
        r: 0.6,
        alpha: 12.0,
        s: 0.5,
        beta: 5.0,
    };

    fn buyer(x: f64, t_x: f64, t: f64) -> Buyer {
        Buyer { x, t_x, t }
    }

    /// Reference values from lifetimes 0.11.3's ParetoNBDFitter (scipy's hyp2f1), both
    /// branches of A0 (α ≥ β, α < β).
    #[test]
    fn the_likelihood_and_p_alive_match_the_reference_implementation() {
        let cases = [
            (
                buyer(0.0, 0.0, 30.0),
                CDNOW,
                -0.4818436218987445,
                0.3556136369475734,
            ),
            (
                buyer(2.0, 10.0, 30.0),
                CDNOW,
                -8.213158260476241,
                0.41948457362264724,
            ),
            (
                buyer(5.0, 25.5, 40.0),
                CDNOW,
                -17.312163997591494,
                0.5974120948867561,
            ),
            (
                buyer(10.0, 50.0, 52.0),
                CDNOW,
                -29.777994982590283,
                0.9770771962247388,
            ),
            (
                buyer(0.0, 0.0, 30.0),
                BETA_ABOVE_ALPHA,
                -0.41413725612602015,
                0.2696917606122097,
            ),
            (
                buyer(2.0, 10.0, 30.0),
                BETA_ABOVE_ALPHA,
                -8.328789120080252,
                0.4017260193474275,
            ),
            (
                buyer(10.0, 50.0, 52.0),
                BETA_ABOVE_ALPHA,
                -30.015625029484763,
                0.9790143813804365,
            ),
        ];
        for (b, model, ll, alive) in cases {
            assert!(
                (model.log_likelihood(b) - ll).abs() < 1e-9,
                "{b:?} {model:?}"
            );
            assert!((model.p_alive(b) - alive).abs() < 1e-9, "{b:?} {model:?}");
        }
    }

    #[test]
    fn the_series_sums_to_the_closed_forms_it_has() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z; ₂F₁(a, b; a + 1; 0) = 1.
        for z in [0.1f64, 0.5, 0.9, 0.999] {
            let expected = (-(1.0 - z).ln() / z).ln();
            assert!((ln_hyp2f1_next(1.0, 1.0, z) - expected).abs() < 1e-9, "{z}");
        }
        assert_eq!(ln_hyp2f1_next(3.0, 2.0, 0.0), 0.0);
        // Large b near z = 1: (1 − z)^(−b) dominates, far beyond f64 without rescaling.
        assert!(ln_hyp2f1_next(500.0, 400.0, 0.99).is_finite());
    }

    #[test]
    fn the_chance_of_an_order_grows_with_the_horizon_and_fades_with_silence() {
        let regular = buyer(6.0, 170.0, 180.0);
        let silent = buyer(6.0, 60.0, 180.0);
        assert!(CDNOW.p_order_within(regular, 60.0) > CDNOW.p_order_within(regular, 10.0));
        assert!(CDNOW.p_order_within(regular, 60.0) > CDNOW.p_order_within(silent, 60.0));
        assert!(CDNOW.p_order_within(regular, 60.0) <= CDNOW.p_alive(regular));
    }

    /// Buyers drawn from a known population: the fit finds it again.
    #[test]
    fn the_fit_recovers_the_population_a_history_was_drawn_from() {
        let truth = ParetoNbd {
            r: 0.8,
            alpha: 20.0,
            s: 0.6,
            beta: 150.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let rates = Gamma::new(truth.r, 1.0 / truth.alpha).expect("gamma");
        let deaths = Gamma::new(truth.s, 1.0 / truth.beta).expect("gamma");
        let buyers: Vec<Buyer> = (0..6_000)
            .map(|i| {
                let t = 200.0 + (i % 100) as f64;
                let (lambda, mu) = (rates.sample(&mut rng), deaths.sample(&mut rng));
                let death = Exp::new(mu).expect("exp").sample(&mut rng).min(t);
                let (mut x, mut now, mut last) = (0.0, 0.0, 0.0);
                loop {
                    now += Exp::new(lambda).expect("exp").sample(&mut rng);
                    if now > death {
                        break;
                    }
                    (x, last) = (x + 1.0, now);
                }
                buyer(x, last, t)
            })
            .collect();
        let fitted = ParetoNbd::fit(&buyers).expect("fits");
        // The purchase side is well identified; the dropout's spread less so: its mean rate.
        assert!((fitted.r - truth.r).abs() < 0.15, "{fitted:?}");
        assert!((fitted.r / fitted.alpha / (truth.r / truth.alpha) - 1.0).abs() < 0.1);
        let mean_death = |m: &ParetoNbd| m.s / m.beta;
        assert!(
            (mean_death(&fitted) / mean_death(&truth) - 1.0).abs() < 0.35,
            "{fitted:?}"
        );
        let grouped: Vec<(Buyer, f64)> = buyers.iter().map(|b| (*b, 1.0)).collect();
        assert!(
            fitted.total_log_likelihood(&grouped) >= truth.total_log_likelihood(&grouped),
            "the maximum is at least as likely as the truth"
        );
    }

    #[test]
    fn a_fit_refuses_a_handful_of_buyers() {
        assert!(ParetoNbd::fit(&[buyer(1.0, 5.0, 10.0); 5]).is_err());
    }
}
