//! The run: one shard's work ([`run_part`], [`run_shard`]) and the step that combines shards,
//! calibrates and scores ([`finish()`]). A single run is one shard of one followed by `finish`,
//! so `n` shards give exactly the single run's results: what needs the whole input (the priors,
//! the accounts' typical gap, the likelihood fits, the input's fingerprint) is computed once, as
//! the run's [`Globals`]; each shard owns the accounts (reorders) and SKUs (forecasts) its hash
//! picks (FNV-1a, stable everywhere) and needs only their lines ([`Globals::shard_lines`]); and
//! `finish` orders every combined collection before using it.
//!
//! One concern per submodule: `plan` computes the globals and splits the input into shards'
//! lines; `shard` runs one shard (reorder predictions, the snapshots at earlier origins,
//! forecasts and their out-of-sample scores) from the globals' `priors` and measures its
//! `accounts`' silence; `likelihood` calibrates a history without labels enough (a Pareto/NBD
//! fitted to it, labelled at a shorter origin); `finish` combines the shards, calibrates, and
//! names the run; `metrics` holds what a run measures about itself.

mod accounts;
mod finish;
mod likelihood;
mod metrics;
mod plan;
mod priors;
mod shard;
#[cfg(test)]
mod tests;

pub use accounts::{AccountRow, AccountSnapshot, MIN_ORDERING_WEEKS};
pub use finish::{MergeError, RunResult, finish};
pub use likelihood::{LIKELIHOOD_FEATURES, LikelihoodFit, LikelihoodSnapshot, MIN_LABELLED_PAIRS};
pub use metrics::{
    AccountBacktest, CalibrationSummary, ClassBacktest, Metrics, ProbabilityScores,
    ReorderBacktest, level_corrections,
};
pub use plan::{GLOBALS_FILE, Globals, encode_lines, lines_file};
pub use shard::{
    ForecastRow, HISTORY_PERIODS, HistoryRow, InputSummary, ReorderRow, SeriesScore, Shard,
    ShardResult, Snapshot, run_part, run_shard, summarise,
};

use crate::history::Period;
use crate::input::OrderLines;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a run computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// Only history strictly before this day is used.
    pub as_of: NaiveDate,
    /// Reorder probabilities are for at least one order in `[as_of, as_of + horizon_days)`.
    pub horizon_days: i64,
    pub bucket: Period,
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
            bucket: Period::Month,
            periods: 6,
            origins: 4,
        }
    }

    /// The origin `k` horizons before as-of (`k = 0` is as-of itself).
    pub fn origin(&self, k: usize) -> NaiveDate {
        self.as_of - Duration::days(self.horizon_days * k as i64)
    }
}

/// Runs the whole input as one shard and finishes it.
pub fn run(orders: &OrderLines, params: Params) -> Result<RunResult, MergeError> {
    finish(vec![run_shard(orders, params, Shard::ALL)])
}
