//! Merging shards into a run. [`finish`] fits the calibration twice: on the older origins, to
//! score it held out at the latest origin, and on every origin for production. It scores the
//! forecasts out of sample per demand class, and scales each class's forecasts by its drift in
//! that backtest (actual over forecast demand, capped at 2× either way; `level_correction` in
//! `run.json`): level methods miss demand that drifts as a whole, as products age and
//! relationships lapse. It names the run `<as-of>-<digest of input, parameters and results>`, so
//! a rerun of the same input is the same run.

use super::Params;
use super::accounts::AccountRow;
use super::likelihood::{LikelihoodFit, LikelihoodSnapshot};
use super::metrics::{
    AccountBacktest, CalibrationSummary, Metrics, ProbabilityScores, ReorderBacktest,
    class_backtests, class_name, level_corrections, round,
};
use super::shard::{
    ForecastRow, HistoryRow, InputSummary, ReorderRow, Shard, ShardResult, Snapshot, hex,
};
use crate::calibrate::{Calibrator, sigmoid};
use crate::reorder::ReorderStatus;
use portal_domain::insights::stopped_clause;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Instant;

/// Why shards cannot be finished into a run.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no shard results to finish a run from")]
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
    /// The last periods of each forecast series, in the forecasts' order.
    #[serde(default)]
    pub history: Vec<HistoryRow>,
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
    // Every shard fits the same likelihood model from all pairs.
    let likelihood = parts[0].likelihood.clone();
    let mut likelihood_snapshots = Vec::new();
    let mut forecasts = Vec::new();
    let mut history = Vec::new();
    let mut scores = Vec::new();
    for p in parts {
        for (stage, ms) in p.timings_ms {
            *timings.entry(stage).or_default() += ms;
        }
        reorders.extend(p.reorders);
        accounts.extend(p.accounts);
        account_snapshots.extend(p.account_snapshots);
        snapshots.extend(p.snapshots);
        likelihood_snapshots.extend(p.likelihood_snapshots);
        forecasts.extend(p.forecasts);
        history.extend(p.history);
        scores.extend(p.scores);
    }
    // Keys are unique, so an unstable sort orders every collection the same whatever the
    // shards; a single run's come sorted already.
    sort(&mut reorders, |a, b| {
        (&a.account_id, &a.sku).cmp(&(&b.account_id, &b.sku))
    });
    sort(&mut accounts, |a, b| a.account_id.cmp(&b.account_id));
    sort(&mut account_snapshots, |a, b| {
        a.account_id.cmp(&b.account_id)
    });
    mark_stopped_accounts(&mut reorders, &accounts);
    sort(&mut snapshots, |a, b| {
        (a.k, &a.account_id, &a.sku).cmp(&(b.k, &b.account_id, &b.sku))
    });
    sort(&mut likelihood_snapshots, |a, b| {
        (&a.account_id, &a.sku).cmp(&(&b.account_id, &b.sku))
    });
    sort(&mut forecasts, |a, b| {
        (&a.sku, &a.division, a.period_start).cmp(&(&b.sku, &b.division, b.period_start))
    });
    sort(&mut history, |a, b| {
        (&a.sku, &a.division, a.period_start).cmp(&(&b.sku, &b.division, b.period_start))
    });
    sort(&mut scores, |a, b| {
        (&a.sku, &a.division).cmp(&(&b.sku, &b.division))
    });

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

    // The production calibration learns from every origin; without labels enough, from the
    // likelihood fit and its short origin.
    let calibration = match likelihood {
        Some(Ok(fit)) => by_likelihood(fit, &likelihood_snapshots, &mut reorders),
        Some(Err(why)) => {
            let mut summary = by_labels(production, &mut reorders);
            summary.note = Some(match summary.note {
                Some(note) => format!("{note}; no likelihood fit: {why}"),
                None => format!("few labels, and no likelihood fit: {why}"),
            });
            summary
        }
        None => by_labels(production, &mut reorders),
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
        r.likelihood = None;
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
        history,
        calibration,
        metrics,
        timings_ms: timings,
    })
}

/// The calibration learnt from earlier origins applied to the reorders, or none.
fn by_labels(
    production: Result<Calibrator, String>,
    reorders: &mut [ReorderRow],
) -> CalibrationSummary {
    match production {
        Ok(c) => {
            for r in reorders {
                if let Some(x) = &r.features {
                    r.p_reorder = c.apply(x);
                }
            }
            CalibrationSummary {
                method: "logistic".into(),
                note: None,
                calibrator: Some(c),
                likelihood: None,
            }
        }
        Err(why) => CalibrationSummary {
            method: "none".into(),
            note: Some(why),
            calibrator: None,
            likelihood: None,
        },
    }
}

/// The likelihood mode ([`super::likelihood`]): the calibration learnt at the short origin
/// applied to the reorders' likelihood features; without one, the fitted model's probability.
fn by_likelihood(
    mut fit: LikelihoodFit,
    snapshots: &[LikelihoodSnapshot],
    reorders: &mut [ReorderRow],
) -> CalibrationSummary {
    let rows: Vec<_> = snapshots
        .iter()
        .map(|s| (s.features, s.reordered))
        .collect();
    fit.snapshots = rows.len();
    fit.reordered = rows.iter().filter(|(_, y)| *y).count();
    let calibrator = Calibrator::fit(&rows);
    for r in reorders.iter_mut() {
        if let Some(x) = &r.likelihood {
            r.p_reorder = match &calibrator {
                Ok(c) => c.apply(x),
                Err(_) => sigmoid(x[0]),
            };
        }
    }
    let (calibrator, note) = match calibrator {
        Ok(c) => (Some(c), None),
        Err(why) => (
            None,
            Some(format!("{why}: the Pareto/NBD's probabilities as they are")),
        ),
    };
    CalibrationSummary {
        method: "likelihood".into(),
        note,
        calibrator,
        likelihood: Some(fit),
    }
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

/// Sorts by `order` (a total order on unique keys), unless sorted already.
fn sort<T: Send>(items: &mut [T], order: impl Fn(&T, &T) -> std::cmp::Ordering + Sync) {
    if !items.is_sorted_by(|a, b| order(a, b).is_le()) {
        items.par_sort_unstable_by(order);
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
    fn digest_of(value: &impl Serialize) -> impl AsRef<[u8]> {
        let mut digest = std::io::BufWriter::new(DigestWriter(Sha256::new()));
        let _ = serde_json::to_writer(&mut digest, value);
        match digest.into_inner() {
            Ok(digest) => digest.0.finalize(),
            Err(_) => Sha256::new().finalize(),
        }
    }
    // The three outputs digested side by side, then together.
    let (reorders, (accounts, forecasts)) = rayon::join(
        || digest_of(&reorders),
        || rayon::join(|| digest_of(&accounts), || digest_of(&forecasts)),
    );
    let mut digest = Sha256::new();
    digest.update(input.fingerprint.as_bytes());
    digest.update(serde_json::to_vec(params).unwrap_or_default());
    for part in [reorders.as_ref(), accounts.as_ref(), forecasts.as_ref()] {
        digest.update(part);
    }
    format!("{}-{}", params.as_of, &hex(&digest.finalize()[..6]))
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
