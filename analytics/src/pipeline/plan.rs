//! A sharded run's plan: what every shard needs from the whole input, computed once
//! ([`Globals`]), and each shard's own lines ([`Globals::shard_lines`]). A shard then reads only
//! the lines of the accounts and SKUs it owns (about 2/n of the input for n shards) and the
//! globals (a few figures per account and SKU), so that adding shards divides the memory as well
//! as the compute; its part is exactly the one it would compute from the whole input.
//!
//! Global: the input's dictionaries (an id keeps its index in every shard) and summary (its
//! fingerprint), the priors at as-of and at every origin, the median account's ordering gap at
//! as-of and at the latest origin, and the likelihood mode's fits. Everything else a shard
//! computes from its own lines: a pair's events are all in the shard of its account, a series'
//! lines all in the shard of its SKU, each in the input's order (so sums add up in the same
//! order as in a single run).

use super::Params;
use super::accounts::account_prior_gap;
use super::likelihood::Likelihood;
use super::priors::Priors;
use super::shard::{InputSummary, Shard, summarise};
use crate::history::{Pair, pairs};
use crate::input::{Line, OrderLines};
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Cursor;
use std::time::Instant;

/// The globals' file (or object) in a plan's folder.
pub const GLOBALS_FILE: &str = "globals.json";

/// The file (or object) of a shard's lines in a plan's folder.
pub fn lines_file(shard: Shard) -> String {
    format!("lines-{}-of-{}.parquet", shard.index, shard.count)
}

/// What every shard of a run needs from the whole input (see the module doc).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Globals {
    pub params: Params,
    /// The whole input's summary, which every part carries (so parts of different inputs are
    /// never combined).
    pub input: InputSummary,
    pub accounts: Vec<String>,
    pub skus: Vec<String>,
    pub divisions: Vec<String>,
    pub pack_sizes: Vec<Option<f64>>,
    /// At as-of (0) and at each origin `k` horizons before it.
    pub(super) priors: Vec<Priors>,
    /// [`account_prior_gap`] at as-of and at the latest origin.
    pub(super) account_gap: [f64; 2],
    pub(super) likelihood: Option<Result<Likelihood, String>>,
    /// How long the plan took (the run counts it once, in the first shard's part).
    pub timings_ms: BTreeMap<String, f64>,
}

impl Globals {
    /// The globals of `orders` for `params`.
    pub fn of(orders: &OrderLines, params: Params) -> Globals {
        Globals::with_pairs(orders, params).0
    }

    /// The globals of `orders`, and their pairs as of as-of (`history::pairs`), which a run of
    /// the whole input as one shard goes on with.
    pub(super) fn with_pairs(orders: &OrderLines, params: Params) -> (Globals, Vec<Pair>) {
        let started = Instant::now();
        let pairs = pairs(orders, params.as_of);
        let prepare = started.elapsed().as_secs_f64() * 1e3;
        let mut globals = Globals::from_pairs(orders, &pairs, params);
        globals.timings_ms.insert("prepare".into(), prepare);
        (globals, pairs)
    }

    /// The globals from `orders` and their pairs.
    fn from_pairs(orders: &OrderLines, pairs: &[Pair], params: Params) -> Globals {
        let started = Instant::now();
        let origins: Vec<NaiveDate> = (0..=params.origins).map(|k| params.origin(k)).collect();
        // Every origin's priors at once: each is mostly one pass over the pairs.
        let priors: Vec<Priors> = origins
            .par_iter()
            .map(|origin| Priors::at(orders, pairs, *origin, params.horizon_days))
            .collect();
        let (gap_now, gap_then) = rayon::join(
            || account_prior_gap(pairs, params.as_of),
            || account_prior_gap(pairs, params.origin(1)),
        );
        let mut globals = Globals {
            params,
            input: summarise(orders, &params),
            accounts: orders.accounts.clone(),
            skus: orders.skus.clone(),
            divisions: orders.divisions.clone(),
            pack_sizes: orders.pack_sizes.clone(),
            priors,
            account_gap: [gap_now, gap_then],
            likelihood: Likelihood::plan(pairs, orders.skus.len(), &params),
            timings_ms: BTreeMap::new(),
        };
        globals
            .timings_ms
            .insert("globals".into(), started.elapsed().as_secs_f64() * 1e3);
        globals
    }

    /// The lines shard `shard` reads: those of the accounts and of the SKUs it owns, in the
    /// input's order.
    pub fn shard_lines(&self, orders: &OrderLines, shard: Shard) -> Vec<Line> {
        let accounts: Vec<bool> = self.accounts.iter().map(|a| shard.owns(a)).collect();
        let skus: Vec<bool> = self.skus.iter().map(|s| shard.owns(s)).collect();
        orders
            .lines
            .iter()
            .filter(|l| accounts[l.account as usize] || skus[l.sku as usize])
            .copied()
            .collect()
    }

    /// A shard's lines read back from [`encode_lines`], as order lines over these globals'
    /// dictionaries; lines naming an index outside them are refused (they belong to another
    /// plan).
    pub fn shard_orders(&self, bytes: &[u8]) -> Result<OrderLines, PolarsError> {
        let frame = ParquetReader::new(Cursor::new(bytes)).finish()?;
        let account = frame.column("account")?.u32()?;
        let sku = frame.column("sku")?.u32()?;
        let division = frame.column("division")?.u32()?;
        let day = frame.column("day")?.i32()?;
        let quantity = frame.column("quantity")?.f64()?;
        let bad = |what: &str| polars_err!(ComputeError: "a shard's lines name {what} outside their plan");
        let mut lines = Vec::with_capacity(frame.height());
        for i in 0..frame.height() {
            let (Some(account), Some(sku), Some(day), Some(quantity)) =
                (account.get(i), sku.get(i), day.get(i), quantity.get(i))
            else {
                return Err(bad("an empty value"));
            };
            let division = division.get(i);
            if account as usize >= self.accounts.len()
                || sku as usize >= self.skus.len()
                || division.is_some_and(|d| d as usize >= self.divisions.len())
            {
                return Err(bad("an id"));
            }
            let date = NaiveDate::from_num_days_from_ce_opt(day).ok_or_else(|| bad("a day"))?;
            lines.push(Line {
                account,
                sku,
                division,
                date,
                quantity,
            });
        }
        Ok(OrderLines {
            accounts: self.accounts.clone(),
            skus: self.skus.clone(),
            divisions: self.divisions.clone(),
            pack_sizes: self.pack_sizes.clone(),
            lines,
        })
    }
}

/// Lines (indices into a plan's dictionaries) as Parquet bytes, read back by
/// [`Globals::shard_orders`].
pub fn encode_lines(lines: &[Line]) -> Result<Vec<u8>, PolarsError> {
    let mut frame = DataFrame::new_infer_height(vec![
        Column::new(
            "account".into(),
            lines.iter().map(|l| l.account).collect::<Vec<u32>>(),
        ),
        Column::new(
            "sku".into(),
            lines.iter().map(|l| l.sku).collect::<Vec<u32>>(),
        ),
        Column::new(
            "division".into(),
            lines
                .iter()
                .map(|l| l.division)
                .collect::<Vec<Option<u32>>>(),
        ),
        Column::new(
            "day".into(),
            lines
                .iter()
                .map(|l| l.date.num_days_from_ce())
                .collect::<Vec<i32>>(),
        ),
        Column::new(
            "quantity".into(),
            lines.iter().map(|l| l.quantity).collect::<Vec<f64>>(),
        ),
    ])?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut frame)?;
    Ok(bytes)
}
