//! A generator of B2B order histories with known ground truth, for tests and benchmarks.
//!
//! Each (account, SKU) pair is a renewal process: gaps between orders are gamma distributed
//! around the pair's own rhythm (regular or irregular buyers), modulated by the SKU's season,
//! quantities are whole packs, and relationships end: accounts churn on a date, pairs drop out
//! after any order with a small probability, and SKUs launch and are discontinued. The truth per
//! pair (rhythm, regularity, when it ended) is returned beside the lines.

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, LogNormal};
use std::collections::HashSet;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub seed: u64,
    pub accounts: usize,
    pub skus: usize,
    /// Generation stops once this many lines exist.
    pub lines: usize,
    pub start: NaiveDate,
    /// No order on or after this day.
    pub end: NaiveDate,
}

/// One generated order line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub account: u32,
    pub sku: u32,
    pub date: NaiveDate,
    pub quantity: f64,
}

/// A SKU's generated traits.
#[derive(Debug, Clone, PartialEq)]
pub struct Sku {
    pub pack_size: f64,
    pub division: u32,
    pub launch: NaiveDate,
    pub discontinued: Option<NaiveDate>,
    /// Relative swing of the ordering rate over the year, and the day of year it peaks.
    pub season_amplitude: f64,
    pub season_peak: u32,
}

/// The truth about one pair.
#[derive(Debug, Clone, PartialEq)]
pub struct PairTruth {
    pub account: u32,
    pub sku: u32,
    pub mean_gap_days: f64,
    /// Gamma shape of the gaps: high is regular.
    pub shape: f64,
    /// When the relationship ended (churn, dropout or discontinuation), if it did before `end`.
    pub ended: Option<NaiveDate>,
    /// The account's churn or the SKU's discontinuation, whichever came first, if before `end`:
    /// no order on or after it.
    pub cut: Option<NaiveDate>,
    /// The order after which the pair dropped out, if it did.
    pub dropped_after: Option<NaiveDate>,
}

/// A generated history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub skus: Vec<Sku>,
    /// Account churn dates.
    pub churn: Vec<Option<NaiveDate>>,
    pub pairs: Vec<PairTruth>,
    /// Ordered by date, then account, then SKU.
    pub lines: Vec<Line>,
}

impl History {
    pub fn account_id(i: u32) -> String {
        format!("ACC-{i:05}")
    }
    pub fn sku_id(i: u32) -> String {
        format!("SKU-{i:06}")
    }
    pub fn division_id(i: u32) -> String {
        format!("DIV-{}", i + 1)
    }
}

const PACKS: [f64; 8] = [1.0, 1.0, 1.0, 5.0, 10.0, 12.0, 25.0, 50.0];

fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days = (to - from).num_days().max(1);
    from + Duration::days(rng.random_range(0..days))
}

/// Generates a history for `spec`; the same spec always gives the same history.
pub fn generate(spec: Spec) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let span = spec.end - spec.start;
    let skus: Vec<Sku> = (0..spec.skus.max(1))
        .map(|_| {
            let launch = if rng.random_bool(0.3) {
                day_between(&mut rng, spec.start, spec.start + span * 2 / 3)
            } else {
                spec.start
            };
            let discontinued = rng
                .random_bool(0.15)
                .then(|| day_between(&mut rng, launch + Duration::days(90), spec.end));
            Sku {
                pack_size: PACKS[rng.random_range(0..PACKS.len())],
                division: rng.random_range(0..4),
                launch,
                discontinued,
                season_amplitude: if rng.random_bool(0.4) {
                    rng.random_range(0.2..0.6)
                } else {
                    0.0
                },
                season_peak: rng.random_range(0..365),
            }
        })
        .collect();
    let churn: Vec<Option<NaiveDate>> = (0..spec.accounts.max(1))
        .map(|_| {
            rng.random_bool(0.2)
                .then(|| day_between(&mut rng, spec.start + span / 4, spec.end))
        })
        .collect();
    let regular: Vec<bool> = (0..churn.len()).map(|_| rng.random_bool(0.6)).collect();
    let base_gap = LogNormal::<f64>::new(3.4, 0.6).ok();
    let size = LogNormal::<f64>::new(0.0, 0.35).ok();

    let mut seen = HashSet::new();
    let mut pairs = Vec::new();
    let mut lines = Vec::new();
    let mut attempts = 0usize;
    while lines.len() < spec.lines && attempts < spec.lines.max(1000) * 4 {
        attempts += 1;
        let account = rng.random_range(0..churn.len() as u32);
        // Popular SKUs are bought by many accounts: a squared uniform favours low indices.
        let u: f64 = rng.random();
        let sku = ((u * u) * skus.len() as f64) as u32 % skus.len() as u32;
        if !seen.insert((account, sku)) {
            continue;
        }
        let item = &skus[sku as usize];
        let mean_gap: f64 = base_gap
            .as_ref()
            .map_or(30.0, |d| d.sample(&mut rng))
            .clamp(5.0, 180.0);
        let shape = if regular[account as usize] {
            rng.random_range(5.0..12.0)
        } else {
            rng.random_range(1.0..2.5)
        };
        let dropout = rng.random_range(0.0..0.04);
        let packs = rng.random_range(1.0..8.0_f64).round();
        let stop = [churn[account as usize], item.discontinued, Some(spec.end)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(spec.end);
        let Ok(gamma) = Gamma::new(shape, mean_gap / shape) else {
            continue;
        };
        let mut date = day_between(
            &mut rng,
            item.launch,
            item.launch + Duration::days(mean_gap as i64 * 2),
        );
        let cut = (stop < spec.end).then_some(stop);
        let mut dropped_after = None;
        while date < stop {
            let q = size.as_ref().map_or(1.0, |d| d.sample(&mut rng));
            lines.push(Line {
                account,
                sku,
                date,
                quantity: ((packs * q).round().max(1.0)) * item.pack_size,
            });
            if rng.random_bool(dropout) {
                dropped_after = Some(date);
                break;
            }
            let season = 1.0
                + item.season_amplitude
                    * (2.0
                        * std::f64::consts::PI
                        * (date.ordinal() as f64 - item.season_peak as f64)
                        / 365.0)
                        .cos();
            let gap = (gamma.sample(&mut rng) / season).round().max(1.0);
            date += Duration::days(gap as i64);
        }
        pairs.push(PairTruth {
            account,
            sku,
            mean_gap_days: mean_gap,
            shape,
            ended: dropped_after.map(|d| d + Duration::days(1)).or(cut),
            cut,
            dropped_after,
        });
    }
    lines.sort_by_key(|l| (l.date, l.account, l.sku));
    History {
        skus,
        churn,
        pairs,
        lines,
    }
}

impl History {
    /// The lines as the file-to-file contract's columns (plus `division` and `pack_size`).
    pub fn lines_frame(&self) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
        use polars::prelude::*;
        let l = &self.lines;
        DataFrame::new_infer_height(vec![
            Column::new(
                "account_id".into(),
                l.iter()
                    .map(|x| History::account_id(x.account))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "sku".into(),
                l.iter().map(|x| History::sku_id(x.sku)).collect::<Vec<_>>(),
            ),
            Column::new(
                "order_date".into(),
                l.iter().map(|x| x.date.to_string()).collect::<Vec<_>>(),
            ),
            Column::new(
                "quantity".into(),
                l.iter().map(|x| x.quantity).collect::<Vec<_>>(),
            ),
            Column::new(
                "division".into(),
                l.iter()
                    .map(|x| History::division_id(self.skus[x.sku as usize].division))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "pack_size".into(),
                l.iter()
                    .map(|x| self.skus[x.sku as usize].pack_size)
                    .collect::<Vec<_>>(),
            ),
        ])
    }

    /// The pairs' truth: `account_id, sku, mean_gap_days, shape, ended, cut, dropped_after,
    /// season_amplitude, season_peak` (the last two are the SKU's; a gap drawn after an order
    /// on day-of-year `d` is divided by `1 + amplitude * cos(2π (d - peak) / 365)`).
    pub fn truth_frame(&self) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
        use polars::prelude::*;
        let p = &self.pairs;
        DataFrame::new_infer_height(vec![
            Column::new(
                "account_id".into(),
                p.iter()
                    .map(|x| History::account_id(x.account))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "sku".into(),
                p.iter().map(|x| History::sku_id(x.sku)).collect::<Vec<_>>(),
            ),
            Column::new(
                "mean_gap_days".into(),
                p.iter().map(|x| x.mean_gap_days).collect::<Vec<_>>(),
            ),
            Column::new(
                "shape".into(),
                p.iter().map(|x| x.shape).collect::<Vec<_>>(),
            ),
            Column::new(
                "ended".into(),
                p.iter()
                    .map(|x| x.ended.map(|d| d.to_string()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "cut".into(),
                p.iter()
                    .map(|x| x.cut.map(|d| d.to_string()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "dropped_after".into(),
                p.iter()
                    .map(|x| x.dropped_after.map(|d| d.to_string()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "season_amplitude".into(),
                p.iter()
                    .map(|x| self.skus[x.sku as usize].season_amplitude)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "season_peak".into(),
                p.iter()
                    .map(|x| self.skus[x.sku as usize].season_peak)
                    .collect::<Vec<_>>(),
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(lines: usize) -> Spec {
        Spec {
            seed: 3,
            accounts: 40,
            skus: 60,
            lines,
            start: NaiveDate::from_ymd_opt(2022, 1, 1).expect("date"),
            end: NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
        }
    }

    #[test]
    fn the_same_spec_gives_the_same_history_of_about_the_asked_size() {
        let a = generate(spec(5_000));
        assert_eq!(a, generate(spec(5_000)));
        assert!(
            a.lines.len() >= 5_000 && a.lines.len() < 5_400,
            "{}",
            a.lines.len()
        );
        assert!(a.lines.windows(2).all(|w| w[0].date <= w[1].date));
    }

    #[test]
    fn lines_respect_pack_sizes_lifecycles_and_endings() {
        let h = generate(spec(5_000));
        for l in &h.lines {
            let sku = &h.skus[l.sku as usize];
            assert_eq!(l.quantity % sku.pack_size, 0.0, "{l:?}");
            assert!(l.date >= sku.launch && sku.discontinued.is_none_or(|d| l.date < d));
            assert!(h.churn[l.account as usize].is_none_or(|d| l.date < d));
            assert!(l.date < spec(0).end);
        }
        assert!(h.pairs.iter().any(|p| p.ended.is_some()));
        assert!(h.pairs.iter().any(|p| p.ended.is_none()));
    }

    #[test]
    fn the_truth_says_exactly_when_and_why_each_pair_stopped() {
        let h = generate(spec(5_000));
        let last = |p: &PairTruth| {
            h.lines
                .iter()
                .filter(|l| l.account == p.account && l.sku == p.sku)
                .map(|l| l.date)
                .max()
        };
        assert!(h.pairs.iter().any(|p| p.dropped_after.is_some()));
        assert!(h.pairs.iter().any(|p| p.cut.is_some()));
        for p in &h.pairs {
            // A pair that dropped out did so right after its last order.
            if let Some(d) = p.dropped_after {
                assert_eq!(last(p), Some(d), "{p:?}");
                assert_eq!(p.ended, Some(d + Duration::days(1)));
            } else {
                assert_eq!(p.ended, p.cut, "{p:?}");
            }
            // The cut is the account's churn or the SKU's discontinuation, whichever is first.
            let sku = &h.skus[p.sku as usize];
            let expected = [h.churn[p.account as usize], sku.discontinued]
                .into_iter()
                .flatten()
                .min()
                .filter(|d| *d < spec(0).end);
            assert_eq!(p.cut, expected, "{p:?}");
        }
    }
}
