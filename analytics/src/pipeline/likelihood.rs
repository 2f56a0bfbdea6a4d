//! Probabilities without labels. The calibration learns from earlier origins whose whole
//! horizon lies before as-of; a history barely longer than one horizon (a new portal's first
//! year, asked about the next quarter) has few or none. Then the run calibrates by likelihood:
//!
//! 1. A Pareto/NBD ([`crate::btyd`]) is fitted to every pair's history by maximum likelihood,
//!    once as of as-of and once as of a *short origin*, `as_of − h'` with the short horizon
//!    `h' = min(horizon, half the history)`: the rhythm, its spread and the dropout come from
//!    the history itself.
//! 2. Each pair's features at an origin are the fitted model's probability of an order within
//!    the horizon (logit), its quantity against its SKU's typical pair (log) and its repeat
//!    orders (log): what the model leaves out.
//! 3. A logistic calibration learns how to weigh them from the short origin's pairs, labelled by
//!    an order in `[as_of − h', as_of)`, and is applied at as-of with the whole horizon: the
//!    model's probability carries the horizon, the weights carry over.
//!
//! Every shard computes the same fits from all pairs (priors are global); each labels and
//! scores its own pairs.

use super::Params;
use crate::btyd::{Buyer, ParetoNbd};
use crate::calibrate::logit;
use crate::history::Pair;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// The features of a pair in the likelihood mode.
pub const LIKELIHOOD_FEATURES: usize = 3;

/// With fewer pairs than this seen over a whole horizon before as-of (an order before the
/// first origin), the run calibrates by likelihood.
pub const MIN_LABELLED_PAIRS: usize = 200;

/// The likelihood mode's fits, as `run.json` reports them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LikelihoodFit {
    /// `pareto-nbd`.
    pub model: String,
    /// Fitted as of as-of (rates per day), and the pairs it was fitted to.
    pub at_as_of: ParetoNbd,
    pub pairs: usize,
    /// The short origin, its horizon and the model fitted as of it.
    pub short_origin: NaiveDate,
    pub short_horizon_days: i64,
    pub at_short_origin: ParetoNbd,
    /// The short origin's labelled pairs, and how many of them ordered in the short horizon
    /// (filled in when the shards are combined).
    #[serde(default)]
    pub snapshots: usize,
    #[serde(default)]
    pub reordered: usize,
}

/// A pair at the short origin: its features and whether it ordered in the short horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LikelihoodSnapshot {
    pub account_id: String,
    pub sku: String,
    pub features: [f64; LIKELIHOOD_FEATURES],
    pub reordered: bool,
}

/// The fits and what the features need, for one run (part of a plan's [`super::Globals`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Likelihood {
    pub(super) fit: LikelihoodFit,
    horizon_days: i64,
    as_of: NaiveDate,
    /// Per SKU, the mean quantity of its pairs before as-of and before the short origin.
    sku_quantity: Vec<f64>,
    sku_quantity_then: Vec<f64>,
}

impl Likelihood {
    /// `None` when the history has labels enough; otherwise the fits, or why they failed.
    pub(super) fn plan(
        pairs: &[Pair],
        skus: usize,
        params: &Params,
    ) -> Option<Result<Likelihood, String>> {
        let first_origin = params.origin(1);
        let labelled = pairs
            .iter()
            .filter(|p| p.events.first().is_some_and(|(d, _)| *d < first_origin))
            .count();
        (labelled < MIN_LABELLED_PAIRS).then(|| Likelihood::fit(pairs, skus, params))
    }

    fn fit(pairs: &[Pair], skus: usize, params: &Params) -> Result<Likelihood, String> {
        let first = pairs
            .iter()
            .filter_map(|p| p.events.first().map(|(d, _)| *d))
            .min()
            .ok_or("no orders before as-of")?;
        let short_horizon_days = params
            .horizon_days
            .min((params.as_of - first).num_days() / 2);
        if short_horizon_days < 1 {
            return Err("the history is shorter than two days".into());
        }
        let short_origin = params.as_of - Duration::days(short_horizon_days);
        let fit_at = |origin: NaiveDate| {
            let buyers: Vec<Buyer> = pairs.iter().filter_map(|p| buyer(p, origin)).collect();
            ParetoNbd::fit(&buyers).map(|model| (model, buyers.len()))
        };
        let (now, then) = rayon::join(|| fit_at(params.as_of), || fit_at(short_origin));
        let ((at_as_of, count), (at_short_origin, _)) = (now?, then?);
        Ok(Likelihood {
            fit: LikelihoodFit {
                model: "pareto-nbd".into(),
                at_as_of,
                pairs: count,
                short_origin,
                short_horizon_days,
                at_short_origin,
                snapshots: 0,
                reordered: 0,
            },
            horizon_days: params.horizon_days,
            as_of: params.as_of,
            sku_quantity: sku_quantities(pairs, skus, params.as_of),
            sku_quantity_then: sku_quantities(pairs, skus, short_origin),
        })
    }

    /// A pair's features as of as-of, for the whole horizon.
    pub(super) fn features(&self, pair: &Pair) -> Option<[f64; LIKELIHOOD_FEATURES]> {
        let model = &self.fit.at_as_of;
        features(
            model,
            pair,
            self.as_of,
            self.horizon_days,
            &self.sku_quantity,
        )
    }

    /// A pair at the short origin, labelled, if it had ordered before it.
    pub(super) fn snapshot(&self, pair: &Pair) -> Option<([f64; LIKELIHOOD_FEATURES], bool)> {
        let fit = &self.fit;
        let x = features(
            &fit.at_short_origin,
            pair,
            fit.short_origin,
            fit.short_horizon_days,
            &self.sku_quantity_then,
        )?;
        let reordered = pair
            .events
            .iter()
            .any(|(d, _)| *d >= fit.short_origin && *d < self.as_of);
        Some((x, reordered))
    }
}

/// A pair's history before `origin` as a buyer.
fn buyer(pair: &Pair, origin: NaiveDate) -> Option<Buyer> {
    let seen = pair.before(origin);
    let (first, last) = (seen.first()?.0, seen.last()?.0);
    Some(Buyer {
        x: (seen.len() - 1) as f64,
        t_x: (last - first).num_days() as f64,
        t: (origin - first).num_days() as f64,
    })
}

fn features(
    model: &ParetoNbd,
    pair: &Pair,
    origin: NaiveDate,
    horizon_days: i64,
    sku_quantity: &[f64],
) -> Option<[f64; LIKELIHOOD_FEATURES]> {
    let b = buyer(pair, origin)?;
    let quantity: f64 = pair.before(origin).iter().map(|(_, q)| q).sum();
    let typical = sku_quantity[pair.sku as usize];
    Some([
        logit(model.p_order_within(b, horizon_days as f64)),
        (quantity / typical).max(1e-4).ln(),
        b.x.ln_1p(),
    ])
}

/// Per SKU, the mean of its pairs' total quantities before `origin` (1 for a SKU without).
fn sku_quantities(pairs: &[Pair], skus: usize, origin: NaiveDate) -> Vec<f64> {
    let mut sums = vec![(0.0, 0.0); skus];
    for p in pairs {
        let seen = p.before(origin);
        if !seen.is_empty() {
            let s = &mut sums[p.sku as usize];
            s.0 += seen.iter().map(|(_, q)| q).sum::<f64>();
            s.1 += 1.0;
        }
    }
    sums.into_iter()
        .map(|(q, n)| if n > 0.0 && q > 0.0 { q / n } else { 1.0 })
        .collect()
}
