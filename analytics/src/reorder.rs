//! Reorder predictions for one (account, SKU) pair from its order history.
//!
//! The model is a renewal process with dropout. Gaps between orders follow a gamma distribution
//! whose mean is the pair's mean gap shrunk toward a prior (the SKU's or the account's typical
//! gap) so that short histories borrow strength, and whose shape comes from the gaps' spread.
//! Given how long it has been since the last order, Bayes' rule weighs "still buying, just not
//! yet" against "stopped buying" (a pair that would almost surely have ordered by now if it were
//! still active is probably lapsing), and the renewal distribution gives the chance of an order
//! within the horizon if it is active. The probability is calibrated downstream.
//!
//! Seasonal products are reordered sooner in their season: a gap that starts on day `d` of the
//! year is the pair's usual gap divided by the SKU's [`Season`] factor `s(d)`. Past gaps are
//! multiplied back by it before the rhythm is estimated, and the next gap is the usual one
//! divided by the factor of the last order's day.
//!
//! A SKU's season is estimated from all its pairs' gaps at once (`SeasonFit`). Suggested
//! quantities are whole packs, and every prediction carries a reason in words.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use std::borrow::Cow;
use std::sync::LazyLock;

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
    /// The pack size quantities round up to (1 where none is known).
    pub pack_size: f64,
    /// The model's inputs and internals, the calibration layer's features.
    pub mean_gap_days: f64,
    pub gap_cv: f64,
    pub elapsed_days: f64,
    pub p_active: f64,
    /// The latest gap between orders (the mean gap with a single order), out of season.
    pub last_gap_days: f64,
    /// The SKU's season factor on the last order's day: the next gap is the rhythm over it.
    pub season_factor: f64,
}

impl ReorderPrediction {
    /// Why, in words: the rhythm, the silence and the usual quantity, with the suggestion.
    pub fn reason(&self) -> String {
        let rhythm = self.mean_gap_days.round();
        let said = if self.orders_seen < 2 {
            format!("one order so far; similar buyers reorder about every {rhythm} days")
        } else {
            format!(
                "orders about every {rhythm} days ({} orders)",
                self.orders_seen
            )
        };
        // The product's season moves the next order by more than a tenth: say by how much.
        let now = (self.mean_gap_days / self.season_factor).round();
        let season = if (now - rhythm).abs() > 0.1 * rhythm.max(1.0) {
            format!(", about {now} days at this time of year")
        } else {
            String::new()
        };
        let pack = self.pack_size;
        let suggested = self.suggested_quantity;
        let suggestion = if pack > 1.0 {
            format!(
                "suggested {} ({} packs of {})",
                round2(suggested),
                round2(suggested / pack),
                round2(pack)
            )
        } else {
            format!("suggested {}", round2(suggested))
        };
        format!(
            "{said}{season}; last order {} days ago; usually {} units, {suggestion}",
            self.elapsed_days,
            round2(self.expected_quantity),
        )
    }
}

/// A SKU's yearly reordering rhythm: `s(d) = exp(cos * cos θ + sin * sin θ)` with
/// `θ = 2π d / 365` for the day of the year `d`. A gap that starts on day `d` is the pair's usual
/// gap divided by `s(d)`. [`Season::NONE`] is 1 all year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Season {
    pub cos: f64,
    pub sin: f64,
}

impl Season {
    pub const NONE: Season = Season { cos: 0.0, sin: 0.0 };

    /// The factor on `date`: above 1 in season (shorter gaps), below 1 out of it.
    pub fn at(self, date: NaiveDate) -> f64 {
        let (cos, sin) = harmonics(date);
        (self.cos * cos + self.sin * sin).exp()
    }
}

/// The cosine and sine of the day of the year as an angle (day 0 is 1 January, 365 days a
/// turn), from a table: they are needed for every order of every pair.
fn harmonics(date: NaiveDate) -> (f64, f64) {
    static TABLE: LazyLock<Vec<(f64, f64)>> = LazyLock::new(|| {
        (0..366)
            .map(|day| {
                let (sin, cos) = (2.0 * std::f64::consts::PI * day as f64 / 365.0).sin_cos();
                (cos, sin)
            })
            .collect()
    });
    TABLE[date.ordinal0() as usize]
}

/// Estimates a [`Season`] from many pairs' order histories of one SKU: the log of each gap,
/// less its pair's mean, regressed on the cosine and sine of the day the gap starts (a
/// fixed-effects regression, so pairs' different rhythms cancel). Pairs weigh by how regular
/// they are, and the coefficients are shrunk toward no season.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SeasonFit {
    /// The weighted sums of the normal equations: cc, cs, ss, cy, sy.
    sums: [f64; 5],
}

/// Gaps a pair needs to contribute (its spread is estimated from them).
const SEASON_MIN_GAPS: usize = 3;
/// The shrinkage toward no season, in units of precise gaps.
const SEASON_RIDGE: f64 = 10.0;

impl SeasonFit {
    /// One pair's part, from its orders (oldest first).
    pub fn of(events: &[(NaiveDate, f64)]) -> SeasonFit {
        if events.len() < SEASON_MIN_GAPS + 1 {
            return SeasonFit::default();
        }
        // Raw sums in one pass: 1, c, s, y, cc, cs, ss, cy, sy, yy (y: minus the log gap).
        let mut raw = [0.0; 10];
        for w in events.windows(2) {
            let (c, s) = harmonics(w[0].0);
            let y = -((w[1].0 - w[0].0).num_days() as f64).max(1.0).ln();
            for (sum, v) in
                raw.iter_mut()
                    .zip([1.0, c, s, y, c * c, c * s, s * s, c * y, s * y, y * y])
            {
                *sum += v;
            }
        }
        let [n, c, s, y, cc, cs, ss, cy, sy, yy] = raw;
        // Sums of products of deviations from the pair's means.
        let centred = |xy: f64, x: f64, y: f64| xy - x * y / n;
        let var = centred(yy, y, y) / (n - 1.0);
        let w = 1.0 / var.max(0.05);
        SeasonFit {
            sums: [
                w * centred(cc, c, c),
                w * centred(cs, c, s),
                w * centred(ss, s, s),
                w * centred(cy, c, y),
                w * centred(sy, s, y),
            ],
        }
    }

    /// Adds another part's sums.
    pub fn combine(&mut self, other: &SeasonFit) {
        for (sum, v) in self.sums.iter_mut().zip(other.sums) {
            *sum += v;
        }
    }

    /// The fitted season.
    pub fn season(&self) -> Season {
        let [cc, cs, ss, cy, sy] = self.sums;
        let (a, b, d) = (cc + SEASON_RIDGE, cs, ss + SEASON_RIDGE);
        let det = a * d - b * b;
        if det <= 0.0 {
            return Season::NONE;
        }
        Season {
            cos: ((d * cy - b * sy) / det).clamp(-1.0, 1.0),
            sin: ((a * sy - b * cy) / det).clamp(-1.0, 1.0),
        }
    }
}

/// The coefficient of variation of gaps assumed before any are seen (a gamma of shape 4).
const PRIOR_CV: f64 = 0.5;
/// The least spread assumed: people's ordering rhythms vary by at least this much, however
/// regular their history looks, so a few days' delay never reads as a lost customer.
const MIN_CV: f64 = 0.3;

/// Predicts from `orders` (date and quantity, any order; dates on or after `as_of` are ignored),
/// the prior mean gap in days, the SKU's season and the pack size quantities round up to. `None`
/// without orders before `as_of`.
pub fn predict(
    orders: &[(NaiveDate, f64)],
    prior_gap_days: f64,
    season: Season,
    pack_size: f64,
    config: ReorderConfig,
) -> Option<ReorderPrediction> {
    // Callers usually pass sorted orders: those are only cut at as-of, not copied.
    let history: Cow<[(NaiveDate, f64)]> = if orders.is_sorted_by_key(|(d, _)| *d) {
        Cow::Borrowed(&orders[..orders.partition_point(|(d, _)| *d < config.as_of)])
    } else {
        let mut history: Vec<(NaiveDate, f64)> = orders
            .iter()
            .copied()
            .filter(|(d, _)| *d < config.as_of)
            .collect();
        history.sort_by_key(|(d, _)| *d);
        Cow::Owned(history)
    };
    let rhythm = Rhythm::fit(&history, prior_gap_days, season, config.prior_weight)?;
    let (last, mean_gap, season_factor) = (rhythm.last, rhythm.mean_gap, rhythm.season_factor);
    let elapsed = (config.as_of - last).num_days() as f64;
    let survive = rhythm.survival(elapsed);
    let active = still_active(survive, config.prior_active);
    let within = if survive > 1e-12 {
        (survive - rhythm.survival(elapsed + config.horizon_days as f64)) / survive
    } else {
        0.0
    };
    let p_reorder = (active * within).clamp(0.0, 1.0);

    // The latest five, summed newest first.
    let recent = &history[history.len().saturating_sub(5)..];
    let expected_quantity = recent.iter().rev().map(|(_, q)| q).sum::<f64>() / recent.len() as f64;
    let pack = if pack_size > 0.0 { pack_size } else { 1.0 };
    let suggested_quantity = ((expected_quantity / pack).ceil().max(1.0)) * pack;
    let expected_next_date = last + Duration::days((mean_gap / season_factor).round() as i64);
    let status = if active < 0.5 {
        ReorderStatus::Lapsing
    } else if expected_next_date < config.as_of {
        ReorderStatus::Overdue
    } else if expected_next_date <= config.as_of + Duration::days(config.horizon_days) {
        ReorderStatus::Due
    } else {
        ReorderStatus::NotYetDue
    };
    Some(ReorderPrediction {
        orders_seen: history.len(),
        last_order_date: last,
        expected_next_date,
        p_reorder,
        expected_quantity,
        suggested_quantity,
        status,
        pack_size: pack,
        mean_gap_days: mean_gap,
        gap_cv: rhythm.cv,
        elapsed_days: elapsed,
        p_active: active,
        last_gap_days: rhythm.last_gap,
        season_factor,
    })
}

/// A pair's renewal process fitted to its orders: the gap to the next order is gamma
/// distributed with mean `mean_gap / season_factor` and coefficient of variation `cv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rhythm {
    pub last: NaiveDate,
    /// The usual gap out of season, shrunk toward the prior.
    pub mean_gap: f64,
    pub cv: f64,
    /// The season factor of the last order's day.
    pub season_factor: f64,
    /// The latest gap out of season (the mean gap without any).
    pub last_gap: f64,
}

impl Rhythm {
    /// Fits to `history` (oldest first; `None` if empty), borrowing `prior_weight` gaps' worth
    /// of the prior mean gap and of the prior spread.
    pub fn fit(
        history: &[(NaiveDate, f64)],
        prior_gap_days: f64,
        season: Season,
        prior_weight: f64,
    ) -> Option<Rhythm> {
        let &(last, _) = history.last()?;
        // Gaps out of season: each multiplied by the factor of the day it started.
        let (mut n, mut total, mut squares, mut latest) = (0.0, 0.0, 0.0, None);
        for w in history.windows(2) {
            let gap = (w[1].0 - w[0].0).num_days() as f64 * season.at(w[0].0);
            n += 1.0;
            total += gap;
            squares += gap * gap;
            latest = Some(gap);
        }
        let k = prior_weight;
        let mean_gap = ((total + k * prior_gap_days.max(1.0)) / (n + k)).max(1.0);
        let cv = if n >= 2.0 {
            let m = total / n;
            let var = ((squares - n * m * m) / (n - 1.0)).max(0.0);
            // Shrink the observed spread toward the prior one, like the mean.
            ((var.sqrt() / m.max(1.0)) * n + PRIOR_CV * k) / (n + k)
        } else {
            PRIOR_CV
        }
        .clamp(MIN_CV, 3.0);
        Some(Rhythm {
            last,
            mean_gap,
            cv,
            season_factor: season.at(last),
            last_gap: latest.unwrap_or(mean_gap),
        })
    }

    /// The probability that the next order comes `days` or more after the last one. Gaps are
    /// whole days, at least one: a gap of `days` is any continuous one from half a day less.
    pub fn survival(&self, days: f64) -> f64 {
        if days <= 1.0 {
            return 1.0;
        }
        let shape = 1.0 / (self.cv * self.cv);
        1.0 - gamma_cdf(
            days - 0.5,
            shape,
            self.mean_gap / shape / self.season_factor,
        )
    }

    /// The probability of `days` without an order after the last one for a pair that, with
    /// probability `1 - prior_active`, has stopped buying (and then never orders).
    pub fn quiet(&self, days: f64, prior_active: f64) -> f64 {
        quiet_given(self.survival(days), prior_active)
    }
}

/// [`Rhythm::quiet`] from the survival of the silence's length.
fn quiet_given(survive: f64, prior_active: f64) -> f64 {
    (1.0 - prior_active) + prior_active * survive
}

/// The probability that a pair still buys after a silence that a buying pair survives with
/// probability `survive`, from the prior probability `prior_active` (Bayes' rule: a stopped
/// pair never orders).
pub fn still_active(survive: f64, prior_active: f64) -> f64 {
    prior_active * survive / quiet_given(survive, prior_active)
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
mod tests;
