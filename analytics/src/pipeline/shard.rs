//! One shard's work: which accounts and SKUs a shard owns, what it read, and what it computes
//! for them before calibration: reorder predictions, snapshots at earlier origins, forecasts
//! and their out-of-sample scores.

use super::Params;
use super::accounts::{AccountRow, AccountSnapshot, account_rows, account_snapshots};
use super::likelihood::{LIKELIHOOD_FEATURES, LikelihoodFit, LikelihoodSnapshot};
use super::plan::Globals;
use super::priors::{PRIOR_ACTIVE, PRIOR_WEIGHT, Priors};
use crate::backtest::{pinball, rmsse};
use crate::calibrate::{FEATURES, features};
use crate::classify::{DemandClass, classify};
use crate::forecast::{ForecastConfig, SeriesForecast, forecast_series};
use crate::history::{Pair, Series, pairs, series};
use crate::input::OrderLines;
use crate::reorder::{ReorderConfig, ReorderPrediction, ReorderStatus, predict};
use chrono::{Datelike, Duration, NaiveDate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Instant;

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
    /// The likelihood mode's inputs, when the run calibrates without labels.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub likelihood: Option<[f64; LIKELIHOOD_FEATURES]>,
    /// For a product of an account at risk: its own status and reason, before the account's
    /// risk made it lapsing. What the account's own users are shown (the API publishes these
    /// and adds the account's judgement for the seller's staff only); never written to the
    /// files or the run id, which keep to the seller's view.
    #[serde(skip)]
    pub own: Option<(ReorderStatus, String)>,
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

/// One past period's demand of a forecast series, published beside its forecast so that a
/// chart shows where the forecast comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub sku: String,
    /// Empty for the SKU's total.
    pub division: Option<String>,
    pub period_start: NaiveDate,
    pub demand: f64,
}

/// How many of a series' last periods are published as its history.
pub const HISTORY_PERIODS: usize = 24;

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
    /// A digest of the input, so shards of different inputs are never combined.
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
    /// When the history has too few labels: the likelihood fits (or why they failed), and the
    /// shard's pairs at the short origin.
    #[serde(default)]
    pub likelihood: Option<Result<LikelihoodFit, String>>,
    #[serde(default)]
    pub likelihood_snapshots: Vec<LikelihoodSnapshot>,
    pub forecasts: Vec<ForecastRow>,
    /// The last [`HISTORY_PERIODS`] of each forecast series.
    #[serde(default)]
    pub history: Vec<HistoryRow>,
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
    // The lines in pieces digested side by side, then in order.
    let pieces: Vec<_> = orders
        .lines
        .par_chunks(1 << 16)
        .map(|lines| {
            let mut bytes = Vec::with_capacity(lines.len() * 28);
            for l in lines {
                bytes.extend_from_slice(&l.account.to_le_bytes());
                bytes.extend_from_slice(&l.sku.to_le_bytes());
                bytes.extend_from_slice(&l.division.map_or(-1, i64::from).to_le_bytes());
                bytes.extend_from_slice(&l.date.num_days_from_ce().to_le_bytes());
                bytes.extend_from_slice(&l.quantity.to_le_bytes());
            }
            Sha256::digest(&bytes)
        })
        .collect();
    for piece in pieces {
        digest.update(piece);
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

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A pair's prediction as of `origin`, with the priors of that origin (the run's own or a
/// training origin's).
fn predict_at(
    orders: &OrderLines,
    params: &Params,
    priors: &Priors,
    pair: &Pair,
    origin: NaiveDate,
) -> Option<ReorderPrediction> {
    predict(
        &pair.events,
        priors.gap(pair),
        priors.season(pair),
        orders.pack_sizes[pair.sku as usize].unwrap_or(1.0),
        ReorderConfig {
            as_of: origin,
            horizon_days: params.horizon_days,
            prior_weight: PRIOR_WEIGHT,
            prior_active: PRIOR_ACTIVE,
        },
    )
}

/// Runs one shard on `orders`, the whole input: the globals computed from it, then the part.
pub fn run_shard(orders: &OrderLines, params: Params, shard: Shard) -> ShardResult {
    let (globals, all_pairs) = Globals::with_pairs(orders, params);
    part(orders, all_pairs, &globals, shard)
}

/// Runs one shard from its plan: `orders` are the lines the plan gave it
/// ([`Globals::shard_orders`]: every line of the accounts and SKUs it owns, and maybe more).
pub fn run_part(orders: &OrderLines, globals: &Globals, shard: Shard) -> ShardResult {
    let started = Instant::now();
    let all_pairs = pairs(orders, globals.params.as_of);
    let prepare = started.elapsed().as_secs_f64() * 1e3;
    let mut part = part(orders, all_pairs, globals, shard);
    *part.timings_ms.entry("prepare".into()).or_default() += prepare;
    part
}

/// The shard's part from `orders`' pairs and the run's globals.
fn part(orders: &OrderLines, all_pairs: Vec<Pair>, globals: &Globals, shard: Shard) -> ShardResult {
    let params = globals.params;
    // The plan's stages count once in the run's timings: in the first shard's.
    let mut timings = if shard.index == 1 {
        globals.timings_ms.clone()
    } else {
        BTreeMap::new()
    };
    let mut clock = Instant::now();
    let mut lap = |name: &str, timings: &mut BTreeMap<String, f64>| {
        *timings.entry(name.to_string()).or_default() += clock.elapsed().as_secs_f64() * 1e3;
        clock = Instant::now();
    };

    let input = globals.input.clone();
    let owned: Vec<&Pair> = all_pairs
        .iter()
        .filter(|p| shard.owns(&orders.accounts[p.account as usize]))
        .collect();
    let owns = |name: &str| shard.owns(name);

    let priors = &globals.priors[0];
    let likelihood = &globals.likelihood;
    let reorders: Vec<ReorderRow> = owned
        .par_iter()
        .filter_map(|pair| {
            let origin = params.as_of;
            let p = predict_at(orders, &params, priors, pair, origin)?;
            let x = features(&p, priors.account(pair, origin));
            let mut row = row(orders, pair, p, x);
            if let Some(Ok(l)) = likelihood {
                row.likelihood = l.features(pair);
            }
            Some(row)
        })
        .collect();
    let accounts = account_rows(
        orders,
        &all_pairs,
        params.as_of,
        globals.account_gap[0],
        owns,
    );
    let account_snapshots =
        account_snapshots(orders, &all_pairs, &params, globals.account_gap[1], owns);
    lap("reorder", &mut timings);

    let mut snapshots = Vec::new();
    for k in 1..=params.origins {
        let origin = params.origin(k);
        let priors = &globals.priors[k];
        let end = origin + Duration::days(params.horizon_days);
        let at_origin: Vec<Snapshot> = owned
            .par_iter()
            .filter_map(|pair| {
                let p = predict_at(orders, &params, priors, pair, origin)?;
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
    let likelihood_snapshots = match likelihood {
        Some(Ok(l)) => owned
            .par_iter()
            .filter_map(|pair| {
                let (features, reordered) = l.snapshot(pair)?;
                Some(LikelihoodSnapshot {
                    account_id: orders.accounts[pair.account as usize].clone(),
                    sku: orders.skus[pair.sku as usize].clone(),
                    features,
                    reordered,
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    lap("snapshots", &mut timings);

    let demand = series(orders, params.as_of, params.bucket, |sku| {
        shard.owns(&orders.skus[sku as usize])
    });
    let config = ForecastConfig {
        season: params.bucket.season(),
        holdout: params.periods.max(12),
        horizon: params.periods,
    };
    // A division's series that is its SKU's whole demand (the SKU sells in that division only)
    // has the total's forecast and scores: each distinct series is forecast once. `fit_of[i]`
    // is series i's place among the distinct ones.
    let mut distinct: Vec<&Series> = Vec::new();
    let mut fit_of: Vec<usize> = Vec::with_capacity(demand.len());
    for (i, s) in demand.iter().enumerate() {
        let total = (0..i)
            .filter(|_| s.division.is_some())
            .rev()
            .take_while(|&j| demand[j].sku == s.sku)
            .find(|&j| demand[j].division.is_none())
            .filter(|&j| demand[j].first == s.first && demand[j].values == s.values);
        match total {
            Some(j) => fit_of.push(fit_of[j]),
            None => {
                fit_of.push(distinct.len());
                distinct.push(s);
            }
        }
    }
    // Each distinct series on its own, in parallel; `collect` keeps the series' order.
    let fits: Vec<(SeriesForecast, Option<SeriesScore>)> = distinct
        .par_iter()
        .map(|s| {
            let f = forecast_series(&s.values, config);
            (f, score_series(s, params.periods, config))
        })
        .collect();
    type Rows = (Vec<ForecastRow>, Vec<HistoryRow>, Option<SeriesScore>);
    let per_series: Vec<Rows> = demand
        .par_iter()
        .zip(&fit_of)
        .map(|(s, &fit)| {
            let (f, score) = &fits[fit];
            let sku = orders.skus[s.sku as usize].clone();
            let division = s.division.map(|d| orders.divisions[d as usize].clone());
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
            let shown = s.values.len().saturating_sub(HISTORY_PERIODS);
            let history = s.values[shown..]
                .iter()
                .enumerate()
                .map(|(i, demand)| HistoryRow {
                    sku: sku.clone(),
                    division: division.clone(),
                    period_start: params.bucket.start(s.first + (shown + i) as i64),
                    demand: *demand,
                })
                .collect();
            let score = score.clone().map(|score| SeriesScore {
                sku,
                division,
                ..score
            });
            (rows, history, score)
        })
        .collect();
    let mut forecasts = Vec::with_capacity(per_series.len() * params.periods);
    let mut history = Vec::with_capacity(per_series.len() * HISTORY_PERIODS);
    let mut scores = Vec::with_capacity(per_series.len());
    for (rows, past, score) in per_series {
        forecasts.extend(rows);
        history.extend(past);
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
        likelihood: likelihood
            .as_ref()
            .map(|l| l.as_ref().map(|l| l.fit.clone()).map_err(Clone::clone)),
        likelihood_snapshots,
        forecasts,
        history,
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
        likelihood: None,
        own: None,
    }
}

/// Training periods a series needs before it is scored.
const MIN_TRAIN: usize = 6;

/// Scores a series out of sample: fit without its last `periods`, forecast them, compare. (The
/// labels, `sku` and `division`, are left empty for the caller.)
fn score_series(s: &Series, periods: usize, config: ForecastConfig) -> Option<SeriesScore> {
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
        sku: String::new(),
        division: None,
        demand_class: classify(train),
        rmsse: rmsse(train, &pairs),
        scaled_pinball,
        forecast_sum: pairs.iter().map(|(f, _)| f).sum(),
        actual_sum: test.iter().sum(),
    })
}
