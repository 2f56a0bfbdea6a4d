//! Priors as of one origin, from the whole input (every shard computes the same): typical gaps
//! per SKU, per account and overall, seasons, momentum, and how surprising each account's and
//! each SKU's silence is. What a pair's own few orders are shrunk toward.

use crate::calibrate::{AccountSignals, RECENT_DAYS};
use crate::history::Pair;
use crate::input::OrderLines;
use crate::reorder::{Rhythm, Season, SeasonFit};
use chrono::{Datelike, Duration, NaiveDate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Priors as of one origin: typical gaps per SKU, per account and overall, and each account's
/// last order. Part of a plan's [`super::Globals`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Priors {
    sku_gap: Vec<Option<f64>>,
    account_gap: Vec<Option<f64>>,
    global_gap: f64,
    account_last: Vec<Option<NaiveDate>>,
    account_recent: Vec<f64>,
    /// Per account: repeat pairs, and those more than twice their mean gap late.
    account_overdue: Vec<(u32, u32)>,
    /// Per SKU: the seasonal index of the horizon's days of the year.
    sku_season: Vec<f64>,
    /// Per SKU: its reordering season, from the gaps of every pair.
    sku_rhythm: Vec<Season>,
    /// Recent orders against the long-run rate, per SKU and per account.
    sku_momentum: Vec<f64>,
    account_momentum: Vec<f64>,
    /// Per SKU: its last order by anyone.
    pub(super) sku_last: Vec<Option<NaiveDate>>,
    /// How surprising the silence since their last order is, per account and per SKU
    /// ([`Priors::silence`]).
    pub(super) account_silence: Vec<f64>,
    pub(super) sku_silence: Vec<f64>,
}

/// Pairs needed before a SKU's or an account's median gap is trusted as a prior.
const PRIOR_MIN_PAIRS: usize = 3;

impl Priors {
    pub(super) fn at(
        orders: &OrderLines,
        pairs: &[Pair],
        origin: NaiveDate,
        horizon_days: i64,
    ) -> Priors {
        let fallback = horizon_days as f64;
        // Orders of each SKU in the horizon's days of the year (any earlier year), and in all.
        let window_start = origin.ordinal0() as i64;
        let in_window =
            |d: NaiveDate| (d.ordinal0() as i64 - window_start).rem_euclid(365) < horizon_days;
        let mut sku_window = vec![0.0; orders.skus.len()];
        let mut sku_total = vec![0.0; orders.skus.len()];
        let mut by_sku: Vec<Vec<f64>> = vec![Vec::new(); orders.skus.len()];
        let mut by_account: Vec<Vec<f64>> = vec![Vec::new(); orders.accounts.len()];
        let mut account_last: Vec<Option<NaiveDate>> = vec![None; orders.accounts.len()];
        let mut sku_last: Vec<Option<NaiveDate>> = vec![None; orders.skus.len()];
        let mut account_recent = vec![0.0; orders.accounts.len()];
        let mut account_overdue = vec![(0u32, 0u32); orders.accounts.len()];
        let recent_from = origin - Duration::days(RECENT_DAYS);
        let mut sku_recent = vec![0.0; orders.skus.len()];
        let mut sku_first: Vec<Option<NaiveDate>> = vec![None; orders.skus.len()];
        let mut account_total = vec![0.0; orders.accounts.len()];
        let mut account_first: Vec<Option<NaiveDate>> = vec![None; orders.accounts.len()];
        let mut all = Vec::new();
        let mut seasons = vec![SeasonFit::default(); orders.skus.len()];
        // Each pair's part in parallel, summed in the pairs' order (the same on every shard).
        let parts: Vec<SeasonFit> = pairs
            .par_iter()
            .map(|p| SeasonFit::of(p.before(origin)))
            .collect();
        for (pair, part) in pairs.iter().zip(&parts) {
            seasons[pair.sku as usize].combine(part);
        }
        for pair in pairs {
            let seen = pair.before(origin);
            let (Some(first), Some(last)) = (seen.first(), seen.last()) else {
                continue;
            };
            let a = pair.account as usize;
            account_last[a] = account_last[a].max(Some(last.0));
            sku_last[pair.sku as usize] = sku_last[pair.sku as usize].max(Some(last.0));
            let recent = seen
                .iter()
                .rev()
                .take_while(|(d, _)| *d >= recent_from)
                .count() as f64;
            let k = pair.sku as usize;
            account_recent[a] += recent;
            account_total[a] += seen.len() as f64;
            account_first[a] = Some(account_first[a].map_or(first.0, |d| d.min(first.0)));
            sku_recent[k] += recent;
            sku_first[k] = Some(sku_first[k].map_or(first.0, |d| d.min(first.0)));
            sku_total[pair.sku as usize] += seen.len() as f64;
            sku_window[pair.sku as usize] +=
                seen.iter().filter(|(d, _)| in_window(*d)).count() as f64;
            if seen.len() >= 2 {
                let gap = (last.0 - first.0).num_days() as f64 / (seen.len() - 1) as f64;
                by_sku[pair.sku as usize].push(gap);
                by_account[a].push(gap);
                all.push(gap);
                let late = (origin - last.0).num_days() as f64 > 2.0 * gap.max(1.0);
                account_overdue[a].0 += 1;
                account_overdue[a].1 += u32::from(late);
            }
        }
        let median_of = |v: &mut Vec<f64>, min: usize| (v.len() >= min).then(|| median(v));
        // Recent orders against what the long-run rate since the first order predicts, smoothed
        // toward 1: a discontinued product or a churning account falls far below.
        let momentum = |recent: &[f64], total: &[f64], first: &[Option<NaiveDate>]| -> Vec<f64> {
            recent
                .iter()
                .zip(total)
                .zip(first)
                .map(|((r, t), f)| {
                    let days = f.map_or(0, |f| (origin - f).num_days()).max(RECENT_DAYS) as f64;
                    (r + 1.0) / (t * RECENT_DAYS as f64 / days + 1.0)
                })
                .collect()
        };
        let sku_momentum = momentum(&sku_recent, &sku_total, &sku_first);
        let account_momentum = momentum(&account_recent, &account_total, &account_first);
        let mut priors = Priors {
            sku_last,
            account_silence: Vec::new(),
            sku_silence: Vec::new(),
            sku_rhythm: seasons.iter().map(SeasonFit::season).collect(),
            sku_momentum,
            account_momentum,
            sku_gap: by_sku
                .iter_mut()
                .map(|v| median_of(v, PRIOR_MIN_PAIRS))
                .collect(),
            account_gap: by_account
                .iter_mut()
                .map(|v| median_of(v, PRIOR_MIN_PAIRS))
                .collect(),
            global_gap: median_of(&mut all, 1).unwrap_or(fallback),
            account_last,
            account_recent,
            account_overdue,
            // Smoothed toward 1 so that a handful of orders says little.
            sku_season: sku_window
                .iter()
                .zip(&sku_total)
                .map(|(w, t)| {
                    let expected = t * horizon_days as f64 / 365.0;
                    (w + 2.0) / (expected + 2.0)
                })
                .collect(),
        };
        priors.silence(pairs, origin);
        priors
    }

    /// How surprising each account's and each SKU's silence since its last order is if it is
    /// still buying: the log-probability that none of its pairs ordered since, each pair either
    /// still buying on its rhythm or stopped (prior [`PRIOR_ACTIVE`]). An account that churned,
    /// or a product that was discontinued, falls silent in all its pairs at once, which no
    /// single pair shows.
    fn silence(&mut self, pairs: &[Pair], origin: NaiveDate) {
        // Each pair's part in parallel, summed in the pairs' order (the same on every shard).
        let parts: Vec<(f64, f64)> = pairs
            .par_iter()
            .map(|pair| {
                let Some(r) = Rhythm::fit(
                    pair.before(origin),
                    self.gap(pair),
                    self.season(pair),
                    PRIOR_WEIGHT,
                ) else {
                    return (0.0, 0.0);
                };
                // The chance of no order from the last one to `day` for a pair that may have
                // stopped.
                let quiet =
                    |day: NaiveDate| r.quiet((day - r.last).num_days() as f64, PRIOR_ACTIVE);
                let now = quiet(origin);
                // Silent since `last`: no order from the day after it. (The pair did not order on
                // `last` itself either, unless that was its own last order.)
                let since = |last: Option<NaiveDate>| {
                    last.map_or(0.0, |d| (now / quiet(d + Duration::days(1))).ln())
                };
                (
                    since(self.account_last[pair.account as usize]),
                    since(self.sku_last[pair.sku as usize]),
                )
            })
            .collect();
        let mut account = vec![0.0; self.account_last.len()];
        let mut sku = vec![0.0; self.sku_last.len()];
        for (pair, (a, k)) in pairs.iter().zip(parts) {
            account[pair.account as usize] += a;
            sku[pair.sku as usize] += k;
        }
        self.account_silence = account;
        self.sku_silence = sku;
    }

    pub(super) fn gap(&self, pair: &Pair) -> f64 {
        self.sku_gap[pair.sku as usize]
            .or(self.account_gap[pair.account as usize])
            .unwrap_or(self.global_gap)
    }

    pub(super) fn season(&self, pair: &Pair) -> Season {
        self.sku_rhythm[pair.sku as usize]
    }

    pub(super) fn account(&self, pair: &Pair, origin: NaiveDate) -> AccountSignals {
        let a = pair.account as usize;
        let (repeat, late) = self.account_overdue[a];
        AccountSignals {
            silent_days: self.account_last[a].map_or(0.0, |d| (origin - d).num_days() as f64),
            recent_orders: self.account_recent[a],
            overdue_share: if repeat > 0 {
                f64::from(late) / f64::from(repeat)
            } else {
                0.0
            },
            sku_season: self.sku_season[pair.sku as usize],
            sku_momentum: self.sku_momentum[pair.sku as usize],
            account_silence: self.account_silence[a],
            sku_silence: self.sku_silence[pair.sku as usize],
            account_momentum: self.account_momentum[a],
        }
    }
}

pub(super) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// How much the prior gap weighs, in gaps, and the prior chance a pair is still active.
pub(super) const PRIOR_WEIGHT: f64 = 2.0;
pub(super) const PRIOR_ACTIVE: f64 = 0.9;
