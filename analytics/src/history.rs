//! Order history shaped for the two stages: per (account, SKU) order events for reorder
//! predictions, per SKU (and SKU × division) demand per period for forecasts.

use crate::input::{Line, OrderLines};
use chrono::{Datelike, Duration, NaiveDate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The forecast period. Fields holding it keep the name `bucket`: the `--bucket` flag and
/// `params.bucket` in `run.json` and the shard parts are contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Period {
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

impl Period {
    /// Periods per year, the season of seasonal methods.
    pub fn season(self) -> usize {
        match self {
            Period::Week => 52,
            Period::Month => 12,
        }
    }

    /// The number of the period `date` falls in (consecutive periods have consecutive numbers).
    pub fn index(self, date: NaiveDate) -> i64 {
        match self {
            // 1970-01-05 was a Monday.
            Period::Week => (date - epoch_monday()).num_days().div_euclid(7),
            Period::Month => date.year() as i64 * 12 + date.month0() as i64,
        }
    }

    /// The first day of period number `index`.
    pub fn start(self, index: i64) -> NaiveDate {
        match self {
            Period::Week => epoch_monday() + Duration::weeks(index),
            Period::Month => NaiveDate::from_ymd_opt(
                index.div_euclid(12) as i32,
                index.rem_euclid(12) as u32 + 1,
                1,
            )
            .unwrap_or(NaiveDate::MIN),
        }
    }
}

fn epoch_monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 5).unwrap_or(NaiveDate::MIN)
}

/// One (account, SKU) pair's orders: one event per order day, quantities of the day summed.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub account: u32,
    pub sku: u32,
    /// Oldest first.
    pub events: Vec<(NaiveDate, f64)>,
}

impl Pair {
    /// The orders before `day`.
    pub fn before(&self, day: NaiveDate) -> &[(NaiveDate, f64)] {
        &self.events[..self.events.partition_point(|(d, _)| *d < day)]
    }
}

/// Every pair with an order before `as_of`, ordered by account then SKU; later lines, and lines
/// of quantity zero (they record no demand), are ignored.
pub fn pairs(orders: &OrderLines, as_of: NaiveDate) -> Vec<Pair> {
    let mut lines: Vec<(u32, u32, NaiveDate, f64)> = orders
        .lines
        .iter()
        .filter(|l| l.date < as_of && l.quantity > 0.0)
        .map(|l| (l.account, l.sku, l.date, l.quantity))
        .collect();
    // Stable: same-day lines add up in the input's order, in every shard.
    lines.par_sort_by_key(|l| (l.0, l.1, l.2));
    let mut pairs: Vec<Pair> = Vec::new();
    for (account, sku, date, quantity) in lines {
        match pairs.last_mut() {
            Some(p) if p.account == account && p.sku == sku => match p.events.last_mut() {
                Some((d, q)) if *d == date => *q += quantity,
                _ => p.events.push((date, quantity)),
            },
            _ => pairs.push(Pair {
                account,
                sku,
                events: vec![(date, quantity)],
            }),
        }
    }
    pairs
}

/// A demand series: a SKU's total, or its demand in one division.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub sku: u32,
    pub division: Option<u32>,
    /// The number of the first period of `values`.
    pub first: i64,
    /// Demand per period, from the series' first period with an order to the last complete
    /// period before as-of.
    pub values: Vec<f64>,
}

/// The demand series of the SKUs `keep` accepts: per SKU, and per SKU × division when lines name
/// divisions. Only complete periods before `as_of` count (the period holding `as_of` is
/// forecast, not history); series without any are left out. Ordered by SKU, total first.
pub fn series(
    orders: &OrderLines,
    as_of: NaiveDate,
    bucket: Period,
    keep: impl Fn(u32) -> bool,
) -> Vec<Series> {
    let end = bucket.index(as_of);
    let kept: Vec<bool> = (0..orders.skus.len() as u32).map(keep).collect();
    let period = |line: &Line| {
        (line.date < as_of && kept[line.sku as usize])
            .then(|| bucket.index(line.date))
            .filter(|p| *p < end)
    };
    // A line counts in its SKU's total (no division) and in its division's series, if any.
    let lanes = |line: &Line| std::iter::once(None).chain(line.division.map(Some));
    // Per SKU, its series' divisions with their first periods, sorted: series come out in SKU
    // order, total first. (Memory follows the series there are, not SKUs × divisions.)
    let mut first: Vec<Vec<(Option<u32>, i64)>> = vec![Vec::new(); orders.skus.len()];
    for line in &orders.lines {
        let Some(p) = period(line) else { continue };
        let mine = &mut first[line.sku as usize];
        for division in lanes(line) {
            match mine.binary_search_by_key(&division, |(d, _)| *d) {
                Ok(i) => mine[i].1 = mine[i].1.min(p),
                Err(i) => mine.insert(i, (division, p)),
            }
        }
    }
    let mut out: Vec<Series> = Vec::new();
    let index: Vec<Vec<(Option<u32>, usize)>> = first
        .iter()
        .enumerate()
        .map(|(sku, mine)| {
            mine.iter()
                .map(|&(division, from)| {
                    out.push(Series {
                        sku: sku as u32,
                        division,
                        first: from,
                        values: vec![0.0; (end - from) as usize],
                    });
                    (division, out.len() - 1)
                })
                .collect()
        })
        .collect();
    // Periods filled in the lines' order, so sums are the same in every shard.
    for line in &orders.lines {
        let Some(p) = period(line) else { continue };
        let mine = &index[line.sku as usize];
        for division in lanes(line) {
            if let Ok(i) = mine.binary_search_by_key(&division, |(d, _)| *d) {
                let series = &mut out[mine[i].1];
                series.values[(p - series.first) as usize] += line.quantity;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Line;

    fn day(s: &str) -> NaiveDate {
        crate::input::parse_date(s).expect("date")
    }

    fn orders(lines: &[(u32, u32, Option<u32>, &str, f64)]) -> OrderLines {
        OrderLines {
            accounts: vec!["A".into(), "B".into()],
            skus: vec!["X".into(), "Y".into()],
            divisions: vec!["D1".into(), "D2".into()],
            pack_sizes: vec![None, None],
            lines: lines
                .iter()
                .map(|&(account, sku, division, date, quantity)| Line {
                    account,
                    sku,
                    division,
                    date: day(date),
                    quantity,
                })
                .collect(),
        }
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let w = Period::Week.index(day("2024-03-31")); // a Sunday
        assert_eq!(Period::Week.start(w), day("2024-03-25"));
        assert_eq!(Period::Week.index(day("2024-04-01")), w + 1);
        let m = Period::Month.index(day("2024-03-31"));
        assert_eq!(Period::Month.start(m), day("2024-03-01"));
        assert_eq!(Period::Month.start(m + 10), day("2025-01-01"));
        assert_eq!(
            Period::Week.start(Period::Week.index(day("1969-12-31"))),
            day("1969-12-29")
        );
    }

    #[test]
    fn pairs_merge_same_day_lines_and_ignore_lines_from_as_of() {
        let o = orders(&[
            (1, 0, None, "2024-01-10", 2.0),
            (0, 1, None, "2024-01-05", 1.0),
            (0, 1, None, "2024-01-05", 4.0),
            (0, 1, None, "2024-01-01", 3.0),
            (0, 1, None, "2024-02-01", 9.0),
        ]);
        let p = pairs(&o, day("2024-02-01"));
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].account, p[0].sku), (0, 1));
        assert_eq!(
            p[0].events,
            vec![(day("2024-01-01"), 3.0), (day("2024-01-05"), 5.0)]
        );
        assert_eq!((p[1].account, p[1].sku), (1, 0));
    }

    #[test]
    fn series_run_from_first_demand_to_the_last_complete_period_before_as_of() {
        let o = orders(&[
            (0, 0, Some(1), "2024-01-15", 2.0),
            (1, 0, Some(0), "2024-03-02", 3.0),
            (1, 0, Some(0), "2024-04-02", 7.0), // in as-of's own month: not history
            (0, 1, None, "2024-04-01", 1.0),    // only in as-of's month: no series
        ]);
        let s = series(&o, day("2024-04-10"), Period::Month, |_| true);
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].sku, s[0].division), (0, None));
        assert_eq!(Period::Month.start(s[0].first), day("2024-01-01"));
        assert_eq!(s[0].values, vec![2.0, 0.0, 3.0]);
        assert_eq!((s[1].division, s[1].values.clone()), (Some(0), vec![3.0]));
        assert_eq!(
            (s[2].division, s[2].values.clone()),
            (Some(1), vec![2.0, 0.0, 0.0])
        );
        assert!(series(&o, day("2024-04-10"), Period::Month, |sku| sku == 1).is_empty());
    }
}
