//! Accounts at risk. Each shard measures its accounts' silence (`AccountRow`): how unlikely the
//! weeks since an account's last order of anything are at the pace of its recent ordering weeks.
//! That, not the
//! pair-level joint silence the calibration uses (which treats an account's products as
//! independent, while they are mostly ordered together), decides whether an account is at risk
//! (`AccountSilence::at_risk` in `portal-domain`). Every product of an account at risk is lapsing
//! in the files and, through `AccountOutlook::staff_view`, to the seller's staff; the run publishes
//! each product's own status and reason, which is what the account's own users see. The flag is
//! backtested at the latest origin like the probabilities (`metrics.accounts` in `run.json`).

use super::Params;
use super::priors::{PRIOR_WEIGHT, median};
use crate::history::Pair;
use crate::input::OrderLines;
use crate::reorder::{Rhythm, Season};
use chrono::{Duration, NaiveDate, Weekday};
use portal_domain::insights::AccountSilence;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

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

    /// Whether its silence puts it on watch ([`AccountSilence::watch`]).
    pub fn watch(&self) -> bool {
        self.silence().is_some_and(|s| s.watch())
    }
}

/// Ordering weeks an account needs before its silence is judged: a new customer's one or two
/// orders say nothing about its pace.
pub const MIN_ORDERING_WEEKS: usize = 3;

/// An account at an earlier origin: whether its silence then put it at risk or on watch, and
/// whether it ordered anything in the horizon after (the flags' backtest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSnapshot {
    pub account_id: String,
    pub at_risk: bool,
    #[serde(default)]
    pub watch: bool,
    pub ordered: bool,
}

/// An account's ordering weeks before an origin.
struct Ordering {
    account: u32,
    last: NaiveDate,
    /// The Mondays of its ordering weeks, oldest first (as order events for `Rhythm`).
    weeks: Vec<(NaiveDate, f64)>,
}

fn week(d: NaiveDate) -> NaiveDate {
    d.week(Weekday::Mon).first_day()
}

/// The ordering weeks before `origin` of the accounts `keep` picks (pairs come ordered by
/// account: one chunk per account).
fn orderings(
    pairs: &[Pair],
    origin: NaiveDate,
    keep: impl Fn(u32) -> bool + Sync,
) -> Vec<Ordering> {
    pairs
        .chunk_by(|a, b| a.account == b.account)
        .filter(|chunk| keep(chunk[0].account))
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
        .collect()
}

/// The median account's gap between ordering weeks at `origin`, from every account (30 days
/// without any): what an account's own few weeks are shrunk toward. Global: part of a plan's
/// [`super::Globals`].
pub(super) fn account_prior_gap(pairs: &[Pair], origin: NaiveDate) -> f64 {
    let mut gaps: Vec<f64> = orderings(pairs, origin, |_| true)
        .iter()
        .filter(|a| a.weeks.len() >= 2)
        .map(|a| {
            let w = &a.weeks;
            (w[w.len() - 1].0 - w[0].0).num_days() as f64 / (w.len() - 1) as f64
        })
        .collect();
    if gaps.is_empty() {
        30.0
    } else {
        median(&mut gaps)
    }
}

/// Every account's silence at `origin`, for the accounts `owns` picks. An account orders many
/// products together, so their silences are not independent (as the calibration's joint silence
/// treats them): the account's silence is judged against the rhythm of its own ordering weeks,
/// any product, fitted like a pair's (shrunk toward `prior_gap`, the median account's gap:
/// [`account_prior_gap`]). Weeks, not days: weekends, and orders split over a few days (one per
/// division, say), are not its rhythm.
pub(super) fn account_rows(
    orders: &OrderLines,
    pairs: &[Pair],
    origin: NaiveDate,
    prior_gap: f64,
    owns: impl Fn(&str) -> bool + Sync,
) -> Vec<AccountRow> {
    orderings(pairs, origin, |a| owns(&orders.accounts[a as usize]))
        .par_iter()
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
pub(super) fn account_snapshots(
    orders: &OrderLines,
    pairs: &[Pair],
    params: &Params,
    prior_gap: f64,
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
    account_rows(orders, pairs, origin, prior_gap, owns)
        .into_iter()
        .map(|row| AccountSnapshot {
            ordered: orders
                .accounts
                .binary_search(&row.account_id)
                .is_ok_and(|i| ordered[i]),
            at_risk: row.at_risk(),
            watch: row.watch(),
            account_id: row.account_id,
        })
        .collect()
}

/// The account's latest ordering weeks its rhythm is fitted to: its recent pace, not the pace
/// of years ago when it may have bought more or fewer products.
const ACCOUNT_RECENT_WEEKS: usize = 26;

/// `x` to `digits` significant figures (tiny chances keep their size).
pub(super) fn significant(x: f64, digits: usize) -> f64 {
    format!("{x:.*e}", digits.saturating_sub(1))
        .parse()
        .unwrap_or(x)
}
