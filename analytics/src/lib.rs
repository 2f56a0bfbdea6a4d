//! The analytics job (step 3): reorder predictions and demand forecasts from order history.
//!
//! A library of small pure stages: [`input`] reads and validates order lines (polars),
//! [`history`] shapes them into per-pair order events and per-SKU demand series, [`reorder`] and
//! [`forecast`] (with [`methods`], [`classify`], [`quantiles`], [`backtest`]) predict,
//! [`calibrate`] (linfa) calibrates reorder probabilities, or [`btyd`] fits a Pareto/NBD to a
//! history too short to calibrate on, [`probability_scores`] scores them, and
//! [`pipeline`] runs shards and finishes a run from them that [`report`] writes out. [`lake`] is
//! the order-line lake's format. [`synthetic`]
//! generates order histories with known ground truth for tests and benchmarks.

pub mod backtest;
pub mod btyd;
pub mod calibrate;
pub mod classify;
pub mod forecast;
pub mod history;
pub mod input;
pub mod lake;
pub mod methods;
pub mod pipeline;
pub mod probability_scores;
pub mod quantiles;
pub mod reorder;
pub mod report;
pub mod synthetic;
