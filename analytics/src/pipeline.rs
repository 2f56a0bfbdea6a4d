//! The run: one shard's work ([`run_shard`]) and the step that merges shards, calibrates and
//! scores ([`finish`]). A single run is one shard of one followed by `finish`, so `n` shards give
//! exactly the single run's results: every shard sees the whole input (priors are global), owns
//! the accounts (reorders) and SKUs (forecasts) its hash picks (FNV-1a, stable everywhere), and
//! `finish` orders every merged collection before using it.
//!
//! `finish` fits the calibration twice: on the older origins, to score it held out at the latest
//! origin, and on every origin for production. It scores the forecasts out of sample per demand
//! class, and scales each class's forecasts by its drift in that backtest (actual over forecast
//! demand, capped at 2× either way; `level_correction` in `run.json`): level methods miss demand
//! that drifts as a whole, as products age and relationships lapse. It names the run
//! `<as-of>-<digest of input, parameters and results>`, so a rerun of the same input is the same
//! run.
//!
//! Each shard also measures its accounts' silence (`AccountRow`): how unlikely the weeks since an
//! account's last order of anything are at the pace of its recent ordering weeks. That, not the
//! pair-level joint silence the calibration uses (which treats an account's products as
//! independent, while they are mostly ordered together), decides whether an account is at risk
//! (`AccountSilence::at_risk` in `portal-domain`). Every product of an account at risk is lapsing
//! in the files and, through `AccountOutlook::staff_view`, to the seller's staff; the run publishes
//! each product's own status and reason, which is what the account's own users see. The flag is
//! backtested at the latest origin like the probabilities (`metrics.accounts` in `run.json`).

use crate::backtest::{pinball, rmsse};
use crate::calibrate::{AccountSignals, Calibrator, FEATURES, RECENT_DAYS, features};
use crate::calibration::{brier, expected_calibration_error, pr_auc, roc_auc};
use crate::classify::{DemandClass, classify};
use crate::forecast::{ForecastConfig, SeriesForecast, forecast_series};
use crate::history::{Bucket, Pair, Series, pairs, series};
use crate::input::OrderLines;
use crate::reorder::{
    ReorderConfig, ReorderPrediction, ReorderStatus, Rhythm, Season, SeasonFit, predict,
};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use portal_domain::insights::{AccountSilence, stopped_clause};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Instant;

/// What a run computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// Only history strictly before this day is used.
    pub as_of: NaiveDate,
    /// Reorder probabilities are for at least one order in `[as_of, as_of + horizon_days)`.
    pub horizon_days: i64,
    pub bucket: Bucket,
    /// Forecast periods, from the one holding as-of.
    pub periods: usize,
    /// Earlier origins (one horizon apart) whose snapshots train and score the calibration.
    pub origins: usize,
}

impl Params {
    pub fn new(as_of: NaiveDate) -> Params {
        Params {
            as_of,
            horizon_days: 30,
            bucket: Bucket::Month,
            periods: 6,
            origins: 4,
        }
    }

    /// The origin `k` horizons before as-of (`k = 0` is as-of itself).
    pub fn origin(&self, k: usize) -> NaiveDate {
        self.as_of - Duration::days(self.horizon_days * k as i64)
    }
}

/// Shard `index` of `count` (1-based), written `i/n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The whole input as one shard.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Whether this shard owns `key` (an account id or a SKU): FNV-1a, stable everywhere.
    pub fn owns(&self, key: &str) -> bool {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in key.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("a shard is written i/n, like 2/8, not `{s}`"))?;
        let index: u32 = i
            .trim()
            .parse()
            .map_err(|_| format!("bad shard index `{i}`"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("bad shard count `{n}`"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {s}: the index runs from 1 to the count"));
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A reorder prediction as written out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReorderRow {
    pub account_id: String,
    pub sku: String,
    pub orders_seen: usize,
    pub last_order_date: NaiveDate,
    pub expected_next_date: NaiveDate,
    /// Calibrated probability of at least one order within the horizon.
    pub p_reorder: f64,
    pub expected_quantity: f64,
    pub suggested_quantity: f64,
    pub status: ReorderStatus,
    pub reason: String,
    /// The renewal model's own probability, before calibration.
    pub p_model: f64,
    pub mean_gap_days: f64,
    /// The calibration layer's inputs.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub features: Option<[f64; FEATURES]>,
    /// For a product of an account at risk: its own status and reason, before the account's
    /// risk made it lapsing. What the account's own users are shown (the API publishes these
    /// and adds the account's judgement for the seller's staff only); never written to the
    /// files or the run id, which keep to the seller's view.
    #[serde(skip)]
    pub own: Option<(ReorderStatus, String)>,
}

/// An account's silence at as-of, across all its products: what puts it at risk in the worklist
/// ([`portal_domain::insights::AccountSilence`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRow {
    pub account_id: String,
    /// Its last order of anything before as-of.
    pub last_order_date: NaiveDate,
    /// Days from that order to as-of.
    pub silent_days: u32,
    /// The chance of so long a silence if it still ordered at the pace of its recent ordering
    /// weeks (any product), to four significant figures; `None` with fewer than
    /// [`MIN_ORDERING_WEEKS`] ordering weeks, which set no pace to judge a silence by.
    pub silence_chance: Option<f64>,
}

impl AccountRow {
    pub fn silence(&self) -> Option<AccountSilence> {
        self.silence_chance.map(|chance| AccountSilence {
            days: self.silent_days,
            chance,
        })
    }

    /// Whether its silence puts it at risk ([`AccountSilence::at_risk`]).
    pub fn at_risk(&self) -> bool {
        self.silence().is_some_and(|s| s.at_risk())
    }
}

/// Ordering weeks an account needs before its silence is judged: a new customer's one or two
/// orders say nothing about its pace.
pub const MIN_ORDERING_WEEKS: usize = 3;

/// An account at an earlier origin: whether its silence then put it at risk, and whether it
/// ordered anything in the horizon after (the at-risk flag's backtest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSnapshot {
    pub account_id: String,
    pub at_risk: bool,
    pub ordered: bool,
}

/// A forecast for one period of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastRow {
    pub sku: String,
    pub period_start: NaiveDate,
    pub mean: f64,
    pub q50: f64,
    pub q90: f64,
    pub q95: f64,
    pub method: String,
    pub demand_class: DemandClass,
    /// Empty for the SKU's total.
    pub division: Option<String>,
}

/// A snapshot at an earlier origin: the features then, and what happened in the horizon after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Horizons before as-of.
    pub k: usize,
    pub account_id: String,
    pub sku: String,
    pub features: [f64; FEATURES],
    pub p_model: f64,
    pub expected_next_date: NaiveDate,
    /// The first order in the horizon after the origin, if any.
    pub next_order: Option<NaiveDate>,
}

/// One series' out-of-sample scores: trained without its last `periods` periods, scored on them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesScore {
    pub sku: String,
    pub division: Option<String>,
    pub demand_class: DemandClass,
    pub rmsse: Option<f64>,
    /// Pinball loss at 0.5, 0.9, 0.95, each over the mean absolute naive error in training.
    pub scaled_pinball: Option<[f64; 3]>,
    /// Sum of forecasts and of actuals over the test periods (for bias per class).
    pub forecast_sum: f64,
    pub actual_sum: f64,
}

/// What a run read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputSummary {
    pub lines: usize,
    /// Lines before as-of, the only ones used.
    pub lines_used: usize,
    pub accounts: usize,
    pub skus: usize,
    pub first_order_date: Option<NaiveDate>,
    pub last_order_date_used: Option<NaiveDate>,
    /// A digest of the input, so shards of different inputs are never merged.
    pub fingerprint: String,
}

/// One shard's results, before calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardResult {
    pub params: Params,
    pub shard: Shard,
    pub input: InputSummary,
    pub reorders: Vec<ReorderRow>,
    /// The shard's accounts with an order before as-of.
    pub accounts: Vec<AccountRow>,
    /// The shard's accounts at the latest backtest origin.
    pub account_snapshots: Vec<AccountSnapshot>,
    pub snapshots: Vec<Snapshot>,
    pub forecasts: Vec<ForecastRow>,
    pub scores: Vec<SeriesScore>,
    pub timings_ms: BTreeMap<String, f64>,
}

/// Summarises `orders` for `params`.
pub fn summarise(orders: &OrderLines, params: &Params) -> InputSummary {
    let mut digest = Sha256::new();
    for name in orders
        .accounts
        .iter()
        .chain(&orders.skus)
        .chain(&orders.divisions)
    {
        digest.update(name.as_bytes());
        digest.update([0]);
    }
    for p in &orders.pack_sizes {
        digest.update(p.unwrap_or(-1.0).to_le_bytes());
    }
    for l in &orders.lines {
        digest.update(l.account.to_le_bytes());
        digest.update(l.sku.to_le_bytes());
        digest.update(l.division.map_or(-1, i64::from).to_le_bytes());
        digest.update(l.date.num_days_from_ce().to_le_bytes());
        digest.update(l.quantity.to_le_bytes());
    }
    let used = orders.lines.iter().filter(|l| l.date < params.as_of);
    InputSummary {
        lines: orders.lines.len(),
        lines_used: used.clone().count(),
        accounts: orders.accounts.len(),
        skus: orders.skus.len(),
        first_order_date: orders.lines.iter().map(|l| l.date).min(),
        last_order_date_used: used.map(|l| l.date).max(),
        fingerprint: hex(&digest.finalize()[..16]),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Priors as of one origin: typical gaps per SKU, per account and overall, and each account's
/// last order.
struct Priors {
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
    sku_last: Vec<Option<NaiveDate>>,
    /// How surprising the silence since their last order is, per account and per SKU
    /// ([`Priors::silence`]).
    account_silence: Vec<f64>,
    sku_silence: Vec<f64>,
}

/// Pairs needed before a SKU's or an account's median gap is trusted as a prior.
const PRIOR_MIN_PAIRS: usize = 3;

impl Priors {
    fn at(orders: &OrderLines, pairs: &[Pair], origin: NaiveDate, horizon_days: i64) -> Priors {
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
            seasons[pair.sku as usize].merge(part);
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

    fn gap(&self, pair: &Pair) -> f64 {
        self.sku_gap[pair.sku as usize]
            .or(self.account_gap[pair.account as usize])
            .unwrap_or(self.global_gap)
    }

    fn season(&self, pair: &Pair) -> Season {
        self.sku_rhythm[pair.sku as usize]
    }

    fn account(&self, pair: &Pair, origin: NaiveDate) -> AccountSignals {
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

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Every account's silence at `origin`, for the accounts `owns` picks. An account orders many
/// products together, so their silences are not independent (as the calibration's joint silence
/// treats them): the account's silence is judged against the rhythm of its own ordering weeks,
/// any product, fitted like a pair's (shrunk toward the median account's gap). Weeks, not days:
/// weekends, and orders split over a few days (one per division, say), are not its rhythm.
fn account_rows(
    orders: &OrderLines,
    pairs: &[Pair],
    origin: NaiveDate,
    owns: impl Fn(&str) -> bool + Sync,
) -> Vec<AccountRow> {
    struct Ordering {
        account: u32,
        last: NaiveDate,
        /// The Mondays of its ordering weeks, oldest first (as order events for `Rhythm`).
        weeks: Vec<(NaiveDate, f64)>,
    }
    let week = |d: NaiveDate| d.week(Weekday::Mon).first_day();
    // Pairs come ordered by account: one chunk per account.
    let accounts: Vec<Ordering> = pairs
        .chunk_by(|a, b| a.account == b.account)
        .collect::<Vec<_>>()
        .par_iter()
        .filter_map(|chunk| {
            let seen = || chunk.iter().flat_map(|p| p.before(origin));
            let last = seen().map(|(d, _)| *d).max()?;
            let mut weeks: Vec<(NaiveDate, f64)> = seen().map(|(d, _)| (week(*d), 1.0)).collect();
            weeks.sort_unstable_by_key(|(d, _)| *d);
            weeks.dedup_by_key(|(d, _)| *d);
            Some(Ordering {
                account: chunk[0].account,
                last,
                weeks,
            })
        })
        .collect();
    let mut gaps: Vec<f64> = accounts
        .iter()
        .filter(|a| a.weeks.len() >= 2)
        .map(|a| {
            let w = &a.weeks;
            (w[w.len() - 1].0 - w[0].0).num_days() as f64 / (w.len() - 1) as f64
        })
        .collect();
    let prior_gap = if gaps.is_empty() {
        30.0
    } else {
        median(&mut gaps)
    };
    accounts
        .par_iter()
        .filter(|a| owns(&orders.accounts[a.account as usize]))
        .filter_map(|a| {
            let recent = &a.weeks[a.weeks.len().saturating_sub(ACCOUNT_RECENT_WEEKS + 1)..];
            let rhythm = Rhythm::fit(recent, prior_gap, Season::NONE, PRIOR_WEIGHT)?;
            // Whole weeks without an order since the last ordering week, in days (this week
            // not counted: it is not over).
            let silent = (week(origin) - rhythm.last).num_days();
            let judged = a.weeks.len() >= MIN_ORDERING_WEEKS;
            Some(AccountRow {
                account_id: orders.accounts[a.account as usize].clone(),
                last_order_date: a.last,
                silent_days: u32::try_from((origin - a.last).num_days()).unwrap_or(0),
                silence_chance: judged.then(|| significant(rhythm.survival(silent as f64), 4)),
            })
        })
        .collect()
}

/// Every owned account at the latest backtest origin: at risk then or not, and whether it
/// ordered anything in the horizon after it.
fn account_snapshots(
    orders: &OrderLines,
    pairs: &[Pair],
    params: &Params,
    owns: impl Fn(&str) -> bool + Sync,
) -> Vec<AccountSnapshot> {
    let origin = params.origin(1);
    let end = origin + Duration::days(params.horizon_days);
    // Per account (dictionaries are sorted: an id's index is found by search).
    let mut ordered = vec![false; orders.accounts.len()];
    for pair in pairs {
        ordered[pair.account as usize] |=
            pair.before(end).last().is_some_and(|(d, _)| *d >= origin);
    }
    account_rows(orders, pairs, origin, owns)
        .into_iter()
        .map(|row| AccountSnapshot {
            ordered: orders
                .accounts
                .binary_search(&row.account_id)
                .is_ok_and(|i| ordered[i]),
            at_risk: row.at_risk(),
            account_id: row.account_id,
        })
        .collect()
}

/// The account's latest ordering weeks its rhythm is fitted to: its recent pace, not the pace
/// of years ago when it may have bought more or fewer products.
const ACCOUNT_RECENT_WEEKS: usize = 26;

/// How much the prior gap weighs, in gaps, and the prior chance a pair is still active.
const PRIOR_WEIGHT: f64 = 2.0;
const PRIOR_ACTIVE: f64 = 0.9;

fn reorder_config(params: &Params, origin: NaiveDate) -> ReorderConfig {
    ReorderConfig {
        as_of: origin,
        horizon_days: params.horizon_days,
        prior_weight: PRIOR_WEIGHT,
        prior_active: PRIOR_ACTIVE,
    }
}

fn pack_size(orders: &OrderLines, sku: u32) -> f64 {
    orders.pack_sizes[sku as usize].unwrap_or(1.0)
}

/// Runs one shard on `orders` (the whole input: every shard reads all of it).
pub fn run_shard(orders: &OrderLines, params: Params, shard: Shard) -> ShardResult {
    let mut timings = BTreeMap::new();
    let mut clock = Instant::now();
    let mut lap = |name: &str, timings: &mut BTreeMap<String, f64>| {
        timings.insert(name.to_string(), clock.elapsed().as_secs_f64() * 1e3);
        clock = Instant::now();
    };

    let input = summarise(orders, &params);
    let all_pairs = pairs(orders, params.as_of);
    let owned: Vec<&Pair> = all_pairs
        .iter()
        .filter(|p| shard.owns(&orders.accounts[p.account as usize]))
        .collect();
    lap("prepare", &mut timings);

    let priors = Priors::at(orders, &all_pairs, params.as_of, params.horizon_days);
    let reorders: Vec<ReorderRow> = owned
        .par_iter()
        .filter_map(|pair| {
            let origin = params.as_of;
            let p = predict(
                &pair.events,
                priors.gap(pair),
                priors.season(pair),
                pack_size(orders, pair.sku),
                reorder_config(&params, origin),
            )?;
            let x = features(&p, priors.account(pair, origin));
            Some(row(orders, pair, p, x))
        })
        .collect();
    let accounts = account_rows(orders, &all_pairs, params.as_of, |name| shard.owns(name));
    let account_snapshots = account_snapshots(orders, &all_pairs, &params, |name| shard.owns(name));
    lap("reorder", &mut timings);

    let mut snapshots = Vec::new();
    for k in 1..=params.origins {
        let origin = params.origin(k);
        let priors = Priors::at(orders, &all_pairs, origin, params.horizon_days);
        let end = origin + Duration::days(params.horizon_days);
        let at_origin: Vec<Snapshot> = owned
            .par_iter()
            .filter_map(|pair| {
                let p = predict(
                    &pair.events,
                    priors.gap(pair),
                    priors.season(pair),
                    pack_size(orders, pair.sku),
                    reorder_config(&params, origin),
                )?;
                let next_order = pair
                    .events
                    .iter()
                    .map(|(d, _)| *d)
                    .find(|d| *d >= origin)
                    .filter(|d| *d < end);
                Some(Snapshot {
                    k,
                    account_id: orders.accounts[pair.account as usize].clone(),
                    sku: orders.skus[pair.sku as usize].clone(),
                    features: features(&p, priors.account(pair, origin)),
                    p_model: p.p_reorder,
                    expected_next_date: p.expected_next_date,
                    next_order,
                })
            })
            .collect();
        snapshots.extend(at_origin);
    }
    lap("snapshots", &mut timings);

    let demand = series(orders, params.as_of, params.bucket, |sku| {
        shard.owns(&orders.skus[sku as usize])
    });
    let config = ForecastConfig {
        season: params.bucket.season(),
        holdout: params.periods.max(12),
        horizon: params.periods,
    };
    // Each series on its own, in parallel; `collect` keeps the series' order.
    let per_series: Vec<(Vec<ForecastRow>, Option<SeriesScore>)> = demand
        .par_iter()
        .map(|s| {
            let sku = orders.skus[s.sku as usize].clone();
            let division = s.division.map(|d| orders.divisions[d as usize].clone());
            let f = forecast_series(&s.values, config);
            let end = s.first + s.values.len() as i64;
            let rows = (0..params.periods)
                .map(|step| {
                    let at = f.at(&s.values, step);
                    ForecastRow {
                        sku: sku.clone(),
                        period_start: params.bucket.start(end + step as i64),
                        mean: at.mean,
                        q50: at.q50,
                        q90: at.q90,
                        q95: at.q95,
                        method: at.method.to_string(),
                        demand_class: at.demand_class,
                        division: division.clone(),
                    }
                })
                .collect();
            (rows, score_series(s, sku, division, params.periods, config))
        })
        .collect();
    let mut forecasts = Vec::with_capacity(per_series.len() * params.periods);
    let mut scores = Vec::with_capacity(per_series.len());
    for (rows, score) in per_series {
        forecasts.extend(rows);
        scores.extend(score);
    }
    lap("forecast", &mut timings);

    ShardResult {
        params,
        shard,
        input,
        reorders,
        accounts,
        account_snapshots,
        snapshots,
        forecasts,
        scores,
        timings_ms: timings,
    }
}

fn row(orders: &OrderLines, pair: &Pair, p: ReorderPrediction, x: [f64; FEATURES]) -> ReorderRow {
    ReorderRow {
        account_id: orders.accounts[pair.account as usize].clone(),
        sku: orders.skus[pair.sku as usize].clone(),
        orders_seen: p.orders_seen,
        last_order_date: p.last_order_date,
        expected_next_date: p.expected_next_date,
        p_reorder: p.p_reorder,
        expected_quantity: p.expected_quantity,
        suggested_quantity: p.suggested_quantity,
        status: p.status,
        reason: p.reason(),
        p_model: p.p_reorder,
        mean_gap_days: p.mean_gap_days,
        features: Some(x),
        own: None,
    }
}

/// Training periods a series needs before it is scored.
const MIN_TRAIN: usize = 6;

/// Scores a series out of sample: fit without its last `periods`, forecast them, compare.
fn score_series(
    s: &Series,
    sku: String,
    division: Option<String>,
    periods: usize,
    config: ForecastConfig,
) -> Option<SeriesScore> {
    let n = s.values.len();
    if periods == 0 || n < periods + MIN_TRAIN {
        return None;
    }
    let (train, test) = s.values.split_at(n - periods);
    let f: SeriesForecast = forecast_series(train, config);
    let steps: Vec<SeriesForecast> = (0..periods).map(|h| f.at(train, h)).collect();
    let pairs: Vec<(f64, f64)> = steps.iter().zip(test).map(|(f, y)| (f.mean, *y)).collect();
    let scale =
        train.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (n - periods - 1) as f64;
    let scaled_pinball = (scale > 0.0).then(|| {
        let loss = |q: fn(&SeriesForecast) -> f64, tau: f64| {
            steps
                .iter()
                .zip(test)
                .map(|(f, y)| pinball(*y, q(f), tau))
                .sum::<f64>()
                / periods as f64
                / scale
        };
        [
            loss(|f| f.q50, 0.5),
            loss(|f| f.q90, 0.9),
            loss(|f| f.q95, 0.95),
        ]
    });
    Some(SeriesScore {
        sku,
        division,
        demand_class: classify(train),
        rmsse: rmsse(train, &pairs),
        scaled_pinball,
        forecast_sum: pairs.iter().map(|(f, _)| f).sum(),
        actual_sum: test.iter().sum(),
    })
}

/// Why shards cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no shard results to merge")]
    Empty,
    #[error("shard {0} was run with other parameters than shard {1}")]
    Params(Shard, Shard),
    #[error("shard {0} read other input than shard {1}")]
    Input(Shard, Shard),
    #[error(
        "shards do not make a whole: expected {expected} shards 1/{expected}..{expected}/{expected}, got {got}"
    )]
    Incomplete { expected: u32, got: String },
}

/// Probability scores of one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbabilityScores {
    pub pr_auc: Option<f64>,
    pub roc_auc: Option<f64>,
    pub brier: Option<f64>,
    pub calibration_error: Option<f64>,
}

impl ProbabilityScores {
    pub fn of(pairs: &[(f64, bool)]) -> ProbabilityScores {
        ProbabilityScores {
            pr_auc: pr_auc(pairs),
            roc_auc: roc_auc(pairs),
            brier: brier(pairs),
            calibration_error: expected_calibration_error(pairs, 10),
        }
    }
}

/// The reorder backtest: predictions made at the latest fully observed origin (one horizon
/// before as-of), with the calibration trained on the origins before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReorderBacktest {
    pub origin: NaiveDate,
    pub pairs: usize,
    pub reordered: usize,
    /// The renewal model's probabilities.
    pub model: ProbabilityScores,
    /// After the calibration layer.
    pub calibrated: ProbabilityScores,
    /// Mean absolute error in days of `expected_next_date`, over pairs that did reorder.
    pub next_date_mae_days: Option<f64>,
}

/// The forecast backtest of one demand class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassBacktest {
    pub series: usize,
    pub rmsse: Option<f64>,
    /// Mean scaled pinball loss at 0.5, 0.9 and 0.95, and their mean.
    pub scaled_pinball_q50: Option<f64>,
    pub scaled_pinball_q90: Option<f64>,
    pub scaled_pinball_q95: Option<f64>,
    pub scaled_pinball: Option<f64>,
    /// (forecast - actual) / actual over the class's test periods.
    pub bias: Option<f64>,
}

/// How the probabilities were calibrated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationSummary {
    /// `logistic`, or `none` (the model's probabilities as they are).
    pub method: String,
    pub note: Option<String>,
    pub calibrator: Option<Calibrator>,
}

/// Everything a run measured about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub reorder: ReorderBacktest,
    /// Per demand class (SKU totals only), and `all`.
    pub forecast: BTreeMap<String, ClassBacktest>,
    /// Per demand class, the factor the published forecasts were scaled by (see
    /// [`level_corrections`]); the backtest figures above are of the methods before it.
    #[serde(default)]
    pub level_correction: BTreeMap<String, f64>,
    /// The at-risk flag at the latest origin against what the accounts did next.
    #[serde(default)]
    pub accounts: AccountBacktest,
}

/// How the at-risk flag did at the latest fully observed origin: of the accounts it flagged,
/// the share that indeed ordered nothing in the horizon (precision), and of those that ordered
/// nothing, the share it flagged (recall).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountBacktest {
    pub origin: Option<NaiveDate>,
    pub accounts: usize,
    pub at_risk: usize,
    pub ordered_nothing: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
}

impl AccountBacktest {
    fn of(origin: NaiveDate, snapshots: &[AccountSnapshot]) -> AccountBacktest {
        let flagged = snapshots.iter().filter(|s| s.at_risk).count();
        let silent = snapshots.iter().filter(|s| !s.ordered).count();
        let hits = snapshots.iter().filter(|s| s.at_risk && !s.ordered).count();
        let share = |n: usize, of: usize| (of > 0).then(|| n as f64 / of as f64);
        AccountBacktest {
            origin: Some(origin),
            accounts: snapshots.len(),
            at_risk: flagged,
            ordered_nothing: silent,
            precision: share(hits, flagged),
            recall: share(hits, silent),
        }
    }
}

/// A finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Derived from the input and the parameters: a rerun gets the same id.
    pub run_id: String,
    pub params: Params,
    pub shards: u32,
    pub input: InputSummary,
    pub reorders: Vec<ReorderRow>,
    pub accounts: Vec<AccountRow>,
    pub forecasts: Vec<ForecastRow>,
    pub calibration: CalibrationSummary,
    pub metrics: Metrics,
    /// Per stage, summed over shards.
    pub timings_ms: BTreeMap<String, f64>,
}

/// Merges shard results (any order), calibrates, and scores the run.
pub fn finish(mut parts: Vec<ShardResult>) -> Result<RunResult, MergeError> {
    let first = parts.first().ok_or(MergeError::Empty)?;
    let (params, input, shard0) = (first.params, first.input.clone(), first.shard);
    for p in &parts {
        if p.params != params {
            return Err(MergeError::Params(p.shard, shard0));
        }
        if p.input != input {
            return Err(MergeError::Input(p.shard, shard0));
        }
    }
    parts.sort_by_key(|p| p.shard.index);
    let count = shard0.count;
    let indices: Vec<u32> = parts.iter().map(|p| p.shard.index).collect();
    if indices != (1..=count).collect::<Vec<_>>() || parts.iter().any(|p| p.shard.count != count) {
        return Err(MergeError::Incomplete {
            expected: count,
            got: parts
                .iter()
                .map(|p| p.shard.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }

    let started = Instant::now();
    let mut timings: BTreeMap<String, f64> = BTreeMap::new();
    let mut reorders = Vec::new();
    let mut accounts = Vec::new();
    let mut account_snapshots = Vec::new();
    let mut snapshots = Vec::new();
    let mut forecasts = Vec::new();
    let mut scores = Vec::new();
    for p in parts {
        for (stage, ms) in p.timings_ms {
            *timings.entry(stage).or_default() += ms;
        }
        reorders.extend(p.reorders);
        accounts.extend(p.accounts);
        account_snapshots.extend(p.account_snapshots);
        snapshots.extend(p.snapshots);
        forecasts.extend(p.forecasts);
        scores.extend(p.scores);
    }
    reorders.sort_by(|a, b| (&a.account_id, &a.sku).cmp(&(&b.account_id, &b.sku)));
    accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    account_snapshots.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    mark_stopped_accounts(&mut reorders, &accounts);
    snapshots.sort_by(|a, b| (a.k, &a.account_id, &a.sku).cmp(&(b.k, &b.account_id, &b.sku)));
    forecasts.sort_by(|a, b| {
        (&a.sku, &a.division, a.period_start).cmp(&(&b.sku, &b.division, b.period_start))
    });
    scores.sort_by(|a, b| (&a.sku, &a.division).cmp(&(&b.sku, &b.division)));

    // Score the calibration honestly: trained on older origins, tested on the latest.
    let outcome = |s: &Snapshot| (s.features, s.next_order.is_some());
    let older: Vec<_> = snapshots.iter().filter(|s| s.k >= 2).map(outcome).collect();
    let latest: Vec<&Snapshot> = snapshots.iter().filter(|s| s.k == 1).collect();
    let all: Vec<_> = snapshots.iter().map(outcome).collect();
    let (held_out, production) =
        rayon::join(|| Calibrator::fit(&older).ok(), || Calibrator::fit(&all));
    let model_pairs: Vec<(f64, bool)> = latest
        .iter()
        .map(|s| (s.p_model, s.next_order.is_some()))
        .collect();
    let calibrated_pairs: Vec<(f64, bool)> = latest
        .iter()
        .map(|s| {
            let p = held_out
                .as_ref()
                .map_or(s.p_model, |c| c.apply(&s.features));
            (p, s.next_order.is_some())
        })
        .collect();
    let errors: Vec<f64> = latest
        .iter()
        .filter_map(|s| Some((s.next_order? - s.expected_next_date).num_days().abs() as f64))
        .collect();
    let reorder = ReorderBacktest {
        origin: params.origin(1),
        pairs: latest.len(),
        reordered: errors.len(),
        model: ProbabilityScores::of(&model_pairs),
        calibrated: ProbabilityScores::of(&calibrated_pairs),
        next_date_mae_days: (!errors.is_empty())
            .then(|| errors.iter().sum::<f64>() / errors.len() as f64),
    };

    // The production calibration learns from every origin.
    let calibration = match production {
        Ok(c) => {
            for r in &mut reorders {
                if let Some(x) = &r.features {
                    r.p_reorder = c.apply(x);
                }
            }
            CalibrationSummary {
                method: "logistic".into(),
                note: None,
                calibrator: Some(c),
            }
        }
        Err(why) => CalibrationSummary {
            method: "none".into(),
            note: Some(why),
            calibrator: None,
        },
    };
    let corrections = level_corrections(&scores);
    for f in &mut forecasts {
        if let Some(factor) = corrections.get(&class_name(f.demand_class)) {
            for q in [&mut f.mean, &mut f.q50, &mut f.q90, &mut f.q95] {
                *q *= factor;
            }
        }
    }
    // Published figures are rounded once, here, so every output (CSV, Parquet, the API's
    // items) carries the same values.
    for r in &mut reorders {
        r.features = None;
        r.p_reorder = round(r.p_reorder, 4);
        r.p_model = round(r.p_model, 4);
        r.expected_quantity = round(r.expected_quantity, 2);
        r.suggested_quantity = round(r.suggested_quantity, 2);
        r.mean_gap_days = round(r.mean_gap_days, 1);
    }
    for f in &mut forecasts {
        for q in [&mut f.mean, &mut f.q50, &mut f.q90, &mut f.q95] {
            *q = round(*q, 3);
        }
    }
    timings.insert("calibrate".into(), started.elapsed().as_secs_f64() * 1e3);

    let metrics = Metrics {
        reorder,
        forecast: class_backtests(&scores),
        level_correction: corrections,
        accounts: AccountBacktest::of(params.origin(1), &account_snapshots),
    };
    let run_id = run_id(&params, &input, &reorders, &accounts, &forecasts);
    Ok(RunResult {
        run_id,
        params,
        shards: count,
        input,
        reorders,
        accounts,
        forecasts,
        calibration,
        metrics,
        timings_ms: timings,
    })
}

/// An account at risk has probably stopped buying altogether: none of its products is due or
/// overdue, whatever its own rhythm says, so each is lapsing, and its reason says why.
fn mark_stopped_accounts(reorders: &mut [ReorderRow], accounts: &[AccountRow]) {
    let stopped: BTreeMap<&str, u32> = accounts
        .iter()
        .filter(|a| a.at_risk())
        .map(|a| (a.account_id.as_str(), a.silent_days))
        .collect();
    for r in reorders {
        if let Some(days) = stopped.get(r.account_id.as_str()) {
            let own = (r.status, r.reason.clone());
            r.status = ReorderStatus::Lapsing;
            r.reason = format!("{}; {}", r.reason, stopped_clause(*days));
            r.own = Some(own);
        }
    }
}

/// `YYYY-MM-DD-` and twelve hex digits of a digest of the input, the parameters and the results:
/// a rerun of the same input by the same code gets the same id (and writes identical items),
/// while anything that changes the results (new data, a new model) gets a new id, so a served
/// run is never rewritten with different content.
fn run_id(
    params: &Params,
    input: &InputSummary,
    reorders: &[ReorderRow],
    accounts: &[AccountRow],
    forecasts: &[ForecastRow],
) -> String {
    let mut digest = DigestWriter(Sha256::new());
    digest.0.update(input.fingerprint.as_bytes());
    let _ = serde_json::to_writer(&mut digest, params);
    let _ = serde_json::to_writer(&mut digest, reorders);
    let _ = serde_json::to_writer(&mut digest, accounts);
    let _ = serde_json::to_writer(&mut digest, forecasts);
    format!("{}-{}", params.as_of, &hex(&digest.0.finalize()[..6]))
}

/// Feeds what is written into a digest.
struct DigestWriter(Sha256);

impl std::io::Write for DigestWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `x` to `digits` significant figures (tiny chances keep their size).
fn significant(x: f64, digits: usize) -> f64 {
    format!("{x:.*e}", digits.saturating_sub(1))
        .parse()
        .unwrap_or(x)
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn class_name(class: DemandClass) -> String {
    serde_json::to_value(class)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The most a level correction moves forecasts, either way.
const MAX_CORRECTION: f64 = 2.0;

/// Per demand class, the ratio of actual to forecast demand over the backtest's test periods
/// (the last periods before as-of, forecast without them), across every scored series of the
/// class's SKU totals. Level methods forecast a flat future; where demand drifts as a whole (products reach
/// the end of their lives, relationships lapse, new ones start) they are wrong in the same
/// direction for most series, and a class's drift just before as-of is the best evidence of its
/// drift just after. Scaling is exact for the point forecast and for quantiles of a scale family.
pub fn level_corrections(scores: &[SeriesScore]) -> BTreeMap<String, f64> {
    let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    // SKU totals, as the published backtest is: a SKU's divisions would count its demand twice.
    for s in scores.iter().filter(|s| s.division.is_none()) {
        let sum = sums.entry(class_name(s.demand_class)).or_default();
        sum.0 += s.actual_sum;
        sum.1 += s.forecast_sum;
    }
    sums.into_iter()
        .filter(|(_, (_, forecast))| *forecast > 0.0)
        .map(|(class, (actual, forecast))| {
            let ratio = (actual / forecast).clamp(1.0 / MAX_CORRECTION, MAX_CORRECTION);
            (class, round(ratio, 4))
        })
        .collect()
}

fn class_backtests(scores: &[SeriesScore]) -> BTreeMap<String, ClassBacktest> {
    let totals: Vec<&SeriesScore> = scores.iter().filter(|s| s.division.is_none()).collect();
    let mut groups: BTreeMap<String, Vec<&SeriesScore>> = BTreeMap::new();
    for s in &totals {
        groups
            .entry(class_name(s.demand_class))
            .or_default()
            .push(s);
    }
    groups.insert("all".into(), totals);
    groups
        .into_iter()
        .map(|(class, group)| {
            let pinball = |i: usize| mean(group.iter().filter_map(|s| Some(s.scaled_pinball?[i])));
            let actual: f64 = group.iter().map(|s| s.actual_sum).sum();
            let forecast: f64 = group.iter().map(|s| s.forecast_sum).sum();
            let backtest = ClassBacktest {
                series: group.len(),
                rmsse: mean(group.iter().filter_map(|s| s.rmsse)),
                scaled_pinball_q50: pinball(0),
                scaled_pinball_q90: pinball(1),
                scaled_pinball_q95: pinball(2),
                scaled_pinball: mean(
                    group
                        .iter()
                        .filter_map(|s| s.scaled_pinball.map(|p| p.iter().sum::<f64>() / 3.0)),
                ),
                bias: (actual > 0.0).then(|| (forecast - actual) / actual),
            };
            (class, backtest)
        })
        .collect()
}

/// Runs the whole input as one shard and finishes it.
pub fn run(orders: &OrderLines, params: Params) -> Result<RunResult, MergeError> {
    finish(vec![run_shard(orders, params, Shard::ALL)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(class: DemandClass, forecast_sum: f64, actual_sum: f64) -> SeriesScore {
        SeriesScore {
            sku: "S".into(),
            division: None,
            demand_class: class,
            rmsse: None,
            scaled_pinball: None,
            forecast_sum,
            actual_sum,
        }
    }

    #[test]
    fn a_class_that_sold_less_than_forecast_in_the_backtest_is_scaled_down_by_that_ratio() {
        let corrections = level_corrections(&[
            scored(DemandClass::Smooth, 60.0, 50.0),
            scored(DemandClass::Smooth, 40.0, 30.0),
            scored(DemandClass::Lumpy, 10.0, 35.0),
            scored(DemandClass::Intermittent, 0.0, 0.0),
            scored(DemandClass::Erratic, 5.0, 0.0),
            // A division's series: its SKU's total already counts it.
            SeriesScore {
                division: Some("D1".into()),
                ..scored(DemandClass::Smooth, 1000.0, 0.0)
            },
        ]);
        // Smooth: 80 sold against 100 forecast. Lumpy: 3.5 times, capped at 2. Erratic: none
        // sold, capped at a half. Intermittent: nothing to learn from.
        assert_eq!(
            corrections,
            BTreeMap::from([
                ("erratic".to_owned(), 0.5),
                ("lumpy".to_owned(), 2.0),
                ("smooth".to_owned(), 0.8)
            ])
        );
    }

    /// Two accounts buying the same four SKUs every 20 days from 2024-01-01; account 1 stops
    /// after `stop`.
    fn two_accounts(stop: NaiveDate) -> OrderLines {
        let mut lines = Vec::new();
        for account in 0..2u32 {
            for sku in 0..4u32 {
                let mut date = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")
                    + Duration::days(i64::from(sku) * 3);
                while date < NaiveDate::from_ymd_opt(2025, 1, 1).expect("date") {
                    if account == 0 || date <= stop {
                        lines.push(crate::input::Line {
                            account,
                            sku,
                            division: None,
                            date,
                            quantity: 1.0,
                        });
                    }
                    date += Duration::days(20);
                }
            }
        }
        OrderLines {
            accounts: vec!["A".into(), "B".into()],
            skus: (0..4).map(|k| format!("S{k}")).collect(),
            divisions: Vec::new(),
            pack_sizes: vec![None; 4],
            lines,
        }
    }

    #[test]
    fn an_account_silent_in_all_its_products_at_once_reads_as_stopped_and_a_busy_one_does_not() {
        let as_of = NaiveDate::from_ymd_opt(2024, 11, 1).expect("date");
        let orders = two_accounts(NaiveDate::from_ymd_opt(2024, 9, 1).expect("date"));
        let all = pairs(&orders, as_of);
        let priors = Priors::at(&orders, &all, as_of, 30);
        let (busy, stopped) = (priors.account_silence[0], priors.account_silence[1]);
        assert!(busy > -1.0, "ordering on rhythm: {busy}");
        // Each of four 20-day rhythms would almost surely have ordered in two months.
        assert!(
            stopped < -5.0,
            "silent for two months in all four: {stopped}"
        );
        // The SKUs are still bought by account 0: their silence since their last order is short.
        assert!(
            priors.sku_silence.iter().all(|s| *s > -1.0),
            "{:?}",
            priors.sku_silence
        );
    }

    #[test]
    fn a_run_lists_every_accounts_silence_and_only_the_stopped_one_is_at_risk() {
        let as_of = NaiveDate::from_ymd_opt(2024, 11, 1).expect("date");
        let orders = two_accounts(NaiveDate::from_ymd_opt(2024, 9, 1).expect("date"));
        let params = Params::new(as_of);
        let run = run(&orders, params).expect("run");
        let ids: Vec<&str> = run.accounts.iter().map(|a| a.account_id.as_str()).collect();
        assert_eq!(ids, vec!["A", "B"]);
        let (busy, stopped) = (&run.accounts[0], &run.accounts[1]);
        assert!(busy.silent_days <= 20 && !busy.at_risk(), "{busy:?}");
        assert_eq!(
            stopped.last_order_date,
            NaiveDate::from_ymd_opt(2024, 8, 31).expect("date"),
            "its latest order of any SKU"
        );
        assert_eq!(stopped.silent_days, 62);
        assert!(stopped.at_risk(), "{stopped:?}");
        // None of a stopped account's products is due: each is lapsing, and says why.
        for r in &run.reorders {
            let of_stopped = r.account_id == "B";
            assert_eq!(r.status == ReorderStatus::Lapsing, of_stopped, "{r:?}");
            assert_eq!(
                r.reason
                    .ends_with("the account has ordered nothing for 62 days"),
                of_stopped,
                "{}",
                r.reason
            );
            // Its own status and reason are kept, for the account's own users.
            assert_eq!(r.own.is_some(), of_stopped, "{r:?}");
            if let Some((_, own)) = &r.own {
                assert!(r.reason.starts_with(own.as_str()), "{r:?}");
                assert!(!own.contains("ordered nothing"), "{own}");
            }
        }
        // A month earlier B had already been silent for a month: the backtest flags it, and it
        // indeed ordered nothing after.
        let backtest = &run.metrics.accounts;
        assert_eq!(
            (
                backtest.accounts,
                backtest.at_risk,
                backtest.ordered_nothing
            ),
            (2, 1, 1),
            "{backtest:?}"
        );
        assert_eq!(
            (backtest.precision, backtest.recall),
            (Some(1.0), Some(1.0))
        );
        // Sharded by account, each account is listed once, by the shard that owns it.
        let shards: Vec<ShardResult> = (1..=2)
            .map(|index| run_shard(&orders, params, Shard { index, count: 2 }))
            .collect();
        assert_eq!(
            shards.iter().map(|s| s.accounts.len()).sum::<usize>(),
            2,
            "{shards:?}"
        );
        let sharded = finish(shards).expect("finish");
        assert_eq!(sharded.accounts, run.accounts);
        assert_eq!(sharded.metrics, run.metrics);
    }

    #[test]
    fn a_new_customers_one_or_two_orders_set_no_pace_to_judge_its_silence_by() {
        let as_of = NaiveDate::from_ymd_opt(2024, 11, 1).expect("date");
        let mut orders = two_accounts(as_of);
        orders.accounts.push("C".into());
        for date in ["2024-03-01", "2024-03-12"] {
            orders.lines.push(crate::input::Line {
                account: 2,
                sku: 0,
                division: None,
                date: date.parse().expect("date"),
                quantity: 1.0,
            });
        }
        let run = run(&orders, Params::new(as_of)).expect("run");
        let new = run
            .accounts
            .iter()
            .find(|a| a.account_id == "C")
            .expect("C");
        assert_eq!(new.silent_days, 234);
        assert_eq!(new.silence_chance, None, "two ordering weeks");
        assert!(!new.at_risk());
    }

    #[test]
    fn figures_keep_four_significant_digits_however_small() {
        assert_eq!(significant(0.000123456, 4), 0.0001235);
        assert_eq!(significant(1.234567e-40, 4), 1.235e-40);
        assert_eq!(significant(0.0, 4), 0.0);
    }

    #[test]
    fn a_popular_product_ordered_yesterday_is_not_silent_however_many_buy_it() {
        // 300 accounts buy SKU 0 every 30 days, one account a day, up to the day before as-of.
        let as_of = NaiveDate::from_ymd_opt(2024, 11, 1).expect("date");
        let mut lines = Vec::new();
        for account in 0..300u32 {
            let mut date = as_of - Duration::days(360 + i64::from(account % 30));
            while date < as_of {
                lines.push(crate::input::Line {
                    account,
                    sku: 0,
                    division: None,
                    date,
                    quantity: 1.0,
                });
                date += Duration::days(30);
            }
        }
        let orders = OrderLines {
            accounts: (0..300).map(|a| format!("A{a:03}")).collect(),
            skus: vec!["S0".into()],
            divisions: Vec::new(),
            pack_sizes: vec![None],
            lines,
        };
        let all = pairs(&orders, as_of);
        let priors = Priors::at(&orders, &all, as_of, 30);
        assert_eq!(priors.sku_last[0], Some(as_of - Duration::days(1)));
        assert!(priors.sku_silence[0] > -0.01, "{}", priors.sku_silence[0]);
    }

    #[test]
    fn shards_parse_one_based_and_partition_every_key() {
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { index: 2, count: 8 }));
        assert!("0/8".parse::<Shard>().is_err());
        assert!("9/8".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("3".parse::<Shard>().is_err());
        for key in ["ACC-1", "ACC-2", "SKU-77", "", "é"] {
            let owners = (1..=5)
                .filter(|i| {
                    Shard {
                        index: *i,
                        count: 5,
                    }
                    .owns(key)
                })
                .count();
            assert_eq!(owners, 1, "{key}");
            assert!(Shard::ALL.owns(key));
        }
    }

    #[test]
    fn origins_step_back_one_horizon_at_a_time() {
        let p = Params::new(NaiveDate::from_ymd_opt(2024, 3, 31).expect("date"));
        assert_eq!(p.origin(0), p.as_of);
        assert_eq!(p.origin(2).to_string(), "2024-01-31");
    }
}
