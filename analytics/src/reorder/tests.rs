//! The renewal model's tests: predictions, seasons, rhythms and the gamma distribution.

use super::*;

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn config(as_of: &str) -> ReorderConfig {
    ReorderConfig {
        as_of: day(as_of),
        horizon_days: 30,
        prior_weight: 2.0,
        prior_active: 0.9,
    }
}

/// Orders every 28 days from 2026-01-05, seven of them, 48 units each.
fn regular() -> Vec<(NaiveDate, f64)> {
    (0..7)
        .map(|i| (day("2026-01-05") + Duration::days(28 * i), 48.0))
        .collect()
}

/// A pair that orders every `gap` days out of season, starting on `from`, for `n` orders:
/// each gap is `gap / season(day it starts)`, rounded.
fn seasonal(from: &str, gap: f64, season: Season, n: usize) -> Vec<(NaiveDate, f64)> {
    let mut date = day(from);
    let mut orders = Vec::new();
    for _ in 0..n {
        orders.push((date, 10.0));
        date += Duration::days((gap / season.at(date)).round().max(1.0) as i64);
    }
    orders
}

#[test]
fn season_factor_is_exp_of_the_harmonics_of_the_day_of_the_year() {
    let peak_on_new_year = Season { cos: 0.5, sin: 0.0 };
    assert!((peak_on_new_year.at(day("2026-01-01")) - 0.5f64.exp()).abs() < 1e-12);
    // Half a year later the cosine is -1 (day 182 of 365: within 0.01 of it).
    assert!((peak_on_new_year.at(day("2026-07-02")) - (-0.5f64).exp()).abs() < 0.01);
    assert_eq!(Season::NONE.at(day("2026-04-01")), 1.0);
}

#[test]
fn season_fit_recovers_a_products_season_from_its_pairs_and_finds_none_in_a_flat_one() {
    let truth = Season {
        cos: 0.4,
        sin: -0.3,
    };
    let (mut fit, mut flat) = (SeasonFit::default(), SeasonFit::default());
    for pair in 0..40 {
        // Different rhythms and start days: the pairs' own levels must cancel.
        let from = (day("2020-01-01") + Duration::days(pair * 9)).to_string();
        let gap = 20.0 + pair as f64;
        fit.combine(&SeasonFit::of(&seasonal(&from, gap, truth, 40)));
        flat.combine(&SeasonFit::of(&seasonal(&from, gap, Season::NONE, 40)));
    }
    let found = fit.season();
    assert!((found.cos - truth.cos).abs() < 0.05, "{found:?}");
    assert!((found.sin - truth.sin).abs() < 0.05, "{found:?}");
    let none = flat.season();
    assert!(none.cos.abs() < 0.02 && none.sin.abs() < 0.02, "{none:?}");
    assert_eq!(
        SeasonFit::default().season(),
        Season::NONE,
        "no data, no season"
    );
}

#[test]
fn in_season_the_next_order_comes_sooner_and_past_gaps_are_read_out_of_season() {
    let season = Season { cos: 0.5, sin: 0.0 };
    // Orders every 30 days out of season, seen through the season: gaps swing 18..50 days.
    let orders = seasonal("2024-02-01", 30.0, season, 30);
    let last = orders.last().expect("orders").0;
    let as_of = last + Duration::days(5);
    let with = predict(&orders, 30.0, season, 1.0, config(&as_of.to_string())).expect("p");
    let without = predict(&orders, 30.0, Season::NONE, 1.0, config(&as_of.to_string())).expect("p");
    assert!(
        (with.mean_gap_days - 30.0).abs() < 1.0,
        "the rhythm out of season: {with:?}"
    );
    assert!(
        with.gap_cv < without.gap_cv,
        "the season explains the spread"
    );
    let expected = last + Duration::days((30.0 / season.at(last)).round() as i64);
    assert_eq!(with.expected_next_date, expected);
    assert_eq!(with.season_factor, season.at(last));
}

#[test]
fn the_reason_says_when_the_season_moves_the_next_order() {
    let mut p =
        predict(&regular(), 28.0, Season::NONE, 12.0, config("2026-07-10")).expect("a prediction");
    assert!(!p.reason().contains("time of year"), "{}", p.reason());
    p.season_factor = 1.4;
    assert!(
        p.reason().starts_with(
            "orders about every 28 days (7 orders), about 20 days at this time of year;"
        ),
        "{}",
        p.reason()
    );
    p.season_factor = 1.05;
    assert!(
        !p.reason().contains("time of year"),
        "a small swing: {}",
        p.reason()
    );
}

#[test]
fn survival_counts_whole_days_and_active_follows_bayes_rule() {
    let r = Rhythm::fit(&regular(), 28.0, Season::NONE, 2.0).expect("a rhythm");
    assert_eq!(r.survival(1.0), 1.0, "every gap is at least a day");
    // A gap of 28 whole days or more: any continuous one from 27.5 days.
    let shape = 1.0 / (r.cv * r.cv);
    let expected = 1.0 - gamma_cdf(27.5, shape, r.mean_gap / shape);
    assert!((r.survival(28.0) - expected).abs() < 1e-12);
    assert!(r.survival(20.0) > r.survival(28.0) && r.survival(28.0) > r.survival(40.0));
    // Bayes' rule: 0.9 · 0.5 / (0.1 + 0.9 · 0.5) = 9 / 11.
    assert!((still_active(0.5, 0.9) - 9.0 / 11.0).abs() < 1e-12);
    assert!(
        (still_active(1.0, 0.9) - 0.9).abs() < 1e-12,
        "no evidence yet"
    );
    assert_eq!(
        still_active(0.0, 0.9),
        0.0,
        "a buyer would surely have ordered"
    );
    assert!((r.quiet(40.0, 0.9) - (0.1 + 0.9 * r.survival(40.0))).abs() < 1e-15);
}

#[test]
fn gamma_cdf_matches_known_values() {
    // Shape 1 is the exponential: 1 - e^-1 at its mean.
    assert!((gamma_cdf(2.0, 1.0, 2.0) - (1.0 - (-1.0f64).exp())).abs() < 1e-12);
    // Shape 2, x = 2 (scale 1): 1 - 3 e^-2 = 0.593994.
    assert!((gamma_cdf(2.0, 2.0, 1.0) - (1.0 - 3.0 * (-2.0f64).exp())).abs() < 1e-12);
    // Shape 4, x = 8 (continued-fraction branch): 1 - e^-8 (1 + 8 + 32 + 85.333) = 0.957620.
    let expected = 1.0 - (-8.0f64).exp() * (1.0 + 8.0 + 32.0 + 512.0 / 6.0);
    assert!((gamma_cdf(8.0, 4.0, 1.0) - expected).abs() < 1e-12);
    assert_eq!(gamma_cdf(0.0, 2.0, 1.0), 0.0);
}

#[test]
fn a_regular_buyer_a_cycle_after_the_last_order_is_due_and_likely() {
    // Last order 2026-06-22; as of 07-10 (18 days later) the next is expected about 07-20.
    let p =
        predict(&regular(), 28.0, Season::NONE, 12.0, config("2026-07-10")).expect("a prediction");
    assert_eq!(p.orders_seen, 7);
    assert_eq!(p.last_order_date, day("2026-06-22"));
    assert_eq!(p.expected_next_date, day("2026-07-20"));
    assert_eq!(p.status, ReorderStatus::Due);
    assert!(p.p_reorder > 0.8, "{p:?}");
    assert_eq!((p.expected_quantity, p.suggested_quantity), (48.0, 48.0));
    assert!(p.reason().contains("every 28 days"), "{}", p.reason());
}

#[test]
fn a_buyer_silent_for_many_cycles_is_lapsing_and_unlikely_to_order() {
    let p =
        predict(&regular(), 28.0, Season::NONE, 12.0, config("2026-12-01")).expect("a prediction");
    assert_eq!(p.status, ReorderStatus::Lapsing);
    assert!(p.p_reorder < 0.1, "{p:?}");
}

#[test]
fn a_late_but_not_yet_lost_order_is_overdue() {
    // 38 days after the last order: later than the 28-day rhythm, not yet hopeless.
    let p =
        predict(&regular(), 28.0, Season::NONE, 12.0, config("2026-07-30")).expect("a prediction");
    assert_eq!(p.status, ReorderStatus::Overdue, "{p:?}");
}

#[test]
fn orders_on_or_after_the_as_of_date_are_not_used() {
    let p =
        predict(&regular(), 28.0, Season::NONE, 12.0, config("2026-03-01")).expect("a prediction");
    assert_eq!(p.orders_seen, 2, "only 01-05 and 02-02 are before 03-01");
    assert!(predict(&regular(), 28.0, Season::NONE, 12.0, config("2026-01-05")).is_none());
}

#[test]
fn one_order_borrows_the_prior_rhythm_and_quantities_round_up_to_packs() {
    let p = predict(
        &[(day("2026-05-01"), 30.0)],
        60.0,
        Season::NONE,
        25.0,
        config("2026-06-01"),
    )
    .expect("a prediction");
    assert_eq!(
        p.expected_next_date,
        day("2026-06-30"),
        "the prior gap of 60 days"
    );
    assert_eq!(p.suggested_quantity, 50.0, "30 units in packs of 25");
    assert!(p.reason().contains("one order so far"), "{}", p.reason());
}
