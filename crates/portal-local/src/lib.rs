//! Local mode: the whole product on one machine, with no AWS account.
//!
//! [`emulators`] starts AWS-compatible DynamoDB (dynoxide) and S3 (s3s-fs) servers
//! in-process over a data folder; [`clients`] points the real SDK clients at them;
//! [`auth`] issues dev tokens and builds the same API Gateway request context the
//! JWT authorizer builds in AWS; [`server`] merges every function's router on one
//! port; [`demo`] generates a seller's worth of demo data. The `portal` command
//! (`src/main.rs`) drives them.

pub mod analytics;
pub mod auth;
pub mod bench;
pub mod bench_ingest;
pub mod bench_load;
pub mod clients;
pub mod cold_start;
pub mod demo;
pub mod drops;
pub mod emulators;
pub mod ingest;
pub mod invoke;
pub mod runtime_api;
pub mod server;

pub use server::LocalApp;
