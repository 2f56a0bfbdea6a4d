//! The pipeline's tests: level corrections, priors' silences, accounts at risk, shards.

use super::accounts::significant;
use super::priors::Priors;
use super::*;
use crate::classify::DemandClass;
use crate::history::pairs;
use crate::reorder::ReorderStatus;
use std::collections::BTreeMap;

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
    let shards = planned_parts(&orders, params, 2);
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

/// The parts of `count` shards as the job computes them: a plan's globals (through their JSON),
/// and each shard's own lines (through their Parquet).
fn planned_parts(orders: &OrderLines, params: Params, count: u32) -> Vec<ShardResult> {
    let globals = Globals::of(orders, params);
    let json = serde_json::to_vec(&globals).expect("globals as JSON");
    let read: Globals = serde_json::from_slice(&json).expect("globals read back");
    assert_eq!(read, globals, "the globals survive their JSON exactly");
    (1..=count)
        .map(|index| {
            let shard = Shard { index, count };
            let bytes = encode_lines(&globals.shard_lines(orders, shard)).expect("encoded");
            let mine = read.shard_orders(&bytes).expect("decoded");
            run_part(&mine, &read, shard)
        })
        .collect()
}

#[test]
fn shards_reading_only_their_own_lines_finish_into_exactly_the_single_run() {
    let history = crate::synthetic::generate(crate::synthetic::Spec {
        seed: 11,
        accounts: 60,
        skus: 80,
        lines: 40_000,
        start: NaiveDate::from_ymd_opt(2022, 1, 1).expect("date"),
        end: NaiveDate::from_ymd_opt(2024, 7, 1).expect("date"),
    });
    let frame = history.lines_frame().expect("frame");
    let mut orders = crate::input::from_frame(&frame, "synthetic", crate::input::Format::Parquet)
        .expect("lines");
    // Some lines in divisions, so that division series are sharded too.
    orders.divisions = vec!["D1".into(), "D2".into()];
    for (i, line) in orders.lines.iter_mut().enumerate() {
        line.division = [None, Some(0), Some(1)][i % 3];
    }
    let params = Params::new(NaiveDate::from_ymd_opt(2024, 6, 1).expect("date"));
    let single = run(&orders, params).expect("single");
    let count = 4;
    let parts = planned_parts(&orders, params, count);
    // Each shard read its own accounts' and SKUs' lines only, not the whole input.
    let globals = Globals::of(&orders, params);
    for index in 1..=count {
        let read = globals.shard_lines(&orders, Shard { index, count }).len();
        assert!(
            read * 3 < orders.lines.len() * 2,
            "shard {index} read {read} lines"
        );
    }
    let sharded = finish(parts).expect("finish");
    assert_eq!(sharded.run_id, single.run_id);
    assert_eq!(sharded.input, single.input);
    assert_eq!(sharded.reorders, single.reorders);
    assert_eq!(sharded.accounts, single.accounts);
    assert_eq!(sharded.forecasts, single.forecasts);
    assert_eq!(sharded.history, single.history);
    assert_eq!(sharded.calibration, single.calibration);
    assert_eq!(sharded.metrics, single.metrics);
    assert_eq!(sharded.shards, count);
}

#[test]
fn a_shards_lines_from_another_plan_are_refused() {
    let orders = two_accounts(NaiveDate::from_ymd_opt(2024, 9, 1).expect("date"));
    let params = Params::new(NaiveDate::from_ymd_opt(2024, 11, 1).expect("date"));
    let globals = Globals::of(&orders, params);
    let mut foreign = orders.lines[..3].to_vec();
    foreign[1].sku = 99;
    let err = globals
        .shard_orders(&encode_lines(&foreign).expect("encoded"))
        .expect_err("an id outside the plan");
    assert!(err.to_string().contains("outside their plan"), "{err}");
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

/// 600 accounts that first buy SKU 0 in January 2024, then at their own Poisson rate (a gap
/// of 5 to 60 days on average) until they stop at their own exponential rate (after 150 days
/// on average), up to 2024-11-01; the lines before as-of 2024-05-01, and which accounts order
/// in the 180 days from as-of. Asked about the next 180 days, no earlier origin is followed by
/// a whole horizon: there are no labels.
fn new_portal() -> (OrderLines, BTreeMap<String, bool>) {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp, Gamma};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    let as_of = NaiveDate::from_ymd_opt(2024, 5, 1).expect("date");
    let rates = Gamma::new(2.0, 1.0 / 30.0).expect("gamma");
    let (mut lines, mut ordered) = (Vec::new(), BTreeMap::new());
    for account in 0..600u32 {
        let rate: f64 = rates.sample(&mut rng);
        let rate = rate.clamp(1.0 / 60.0, 1.0 / 5.0);
        let stop: f64 = Exp::new(1.0 / 150.0).expect("exp").sample(&mut rng);
        let mut day = f64::from(account % 31);
        let mut after = false;
        while day <= stop && day < 305.0 {
            let date = start + Duration::days(day as i64);
            if date < as_of {
                lines.push(crate::input::Line {
                    account,
                    sku: 0,
                    division: None,
                    date,
                    quantity: 1.0 + f64::from(account % 4),
                });
            } else {
                after = true;
            }
            day += Exp::new(rate).expect("exp").sample(&mut rng).max(1.0);
        }
        ordered.insert(format!("A{account:03}"), after);
    }
    let orders = OrderLines {
        accounts: (0..600).map(|a| format!("A{a:03}")).collect(),
        skus: vec!["S0".into()],
        divisions: Vec::new(),
        pack_sizes: vec![None],
        lines,
    };
    (orders, ordered)
}

#[test]
fn a_history_shorter_than_its_horizon_is_calibrated_by_likelihood_and_says_so() {
    let (orders, ordered) = new_portal();
    let params = Params {
        horizon_days: 180,
        ..Params::new(NaiveDate::from_ymd_opt(2024, 5, 1).expect("date"))
    };
    let run = run(&orders, params).expect("run");
    let calibration = &run.calibration;
    assert_eq!(calibration.method, "likelihood", "{calibration:?}");
    let fit = calibration
        .likelihood
        .as_ref()
        .expect("the fit is reported");
    assert_eq!(fit.pairs, run.reorders.len());
    // Half the history (121 days) is shorter than the horizon: the short origin is 60 days back.
    assert_eq!(
        (fit.short_horizon_days, fit.short_origin.to_string()),
        (60, "2024-03-02".to_owned())
    );
    assert!(fit.snapshots > 500 && fit.reordered > 100, "{fit:?}");
    assert!(calibration.calibrator.is_some(), "{calibration:?}");
    // Scored on what the accounts did next, it ranks them well, and better than the renewal
    // model uncalibrated.
    let scored = |p: fn(&ReorderRow) -> f64| {
        let pairs: Vec<(f64, bool)> = run
            .reorders
            .iter()
            .map(|r| (p(r), ordered[&r.account_id]))
            .collect();
        crate::probability_scores::roc_auc(&pairs).expect("both outcomes")
    };
    let (ours, model) = (scored(|r| r.p_reorder), scored(|r| r.p_model));
    assert!(ours > 0.8 && ours > model, "{ours} against {model}");
    assert!(
        run.reorders
            .iter()
            .all(|r| (0.0..=1.0).contains(&r.p_reorder))
    );
    // Shards fit the same population and give the single run's results.
    let sharded = finish(planned_parts(&orders, params, 3)).expect("finish");
    assert_eq!(sharded.reorders, run.reorders);
    assert_eq!(sharded.calibration, run.calibration);
}

#[test]
fn a_history_with_labels_enough_keeps_the_calibration_learnt_from_earlier_origins() {
    let (mut orders, _) = new_portal();
    // The same buyers, a year earlier too: 600 pairs seen over a whole horizon.
    let earlier: Vec<crate::input::Line> = orders
        .lines
        .iter()
        .map(|l| crate::input::Line {
            date: l.date - Duration::days(365),
            ..*l
        })
        .collect();
    orders.lines.extend(earlier);
    let params = Params {
        horizon_days: 180,
        ..Params::new(NaiveDate::from_ymd_opt(2024, 5, 1).expect("date"))
    };
    let run = run(&orders, params).expect("run");
    assert_eq!(run.calibration.method, "logistic", "{:?}", run.calibration);
    assert_eq!(run.calibration.likelihood, None);
}
