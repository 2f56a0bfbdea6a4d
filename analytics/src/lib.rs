//! The analytics job (step 3): a library of small pure stages.
//!
//! So far: the demand-forecasting methods for intermittent and lumpy demand and the
//! Syntetos–Boylan classification that chooses among them, on dense per-period series. The
//! stages that read the order-line lake, bucket it (polars), backtest, and publish runs arrive
//! with the rest of the predictive-analytics issue.

pub mod backtest;
pub mod calibration;
pub mod classify;
pub mod forecast;
pub mod methods;
pub mod quantiles;
pub mod reorder;
