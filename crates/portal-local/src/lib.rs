//! Local mode: the whole product on one machine, with no AWS account.
//!
//! [`emulators`] starts AWS-compatible DynamoDB (dynoxide) and S3 (s3s-fs) servers
//! in-process over a data folder; [`clients`] points the real SDK clients at them (or at moto);
//! [`auth`] issues dev tokens and builds the same API Gateway request context the
//! JWT authorizer builds in AWS; [`server`] merges every function's router on one
//! port (`server::functions()` is the one list of functions); [`demo`] generates a seller's worth
//! of demo data. The `portal` command (`src/main.rs`) drives them, and the other modules:
//!
//! - `graphiql`: the GraphiQL page the local server shows a browser at `/graphql`;
//! - `gateway`: API Gateway (v2) events as the gateway sends them, for tests and benchmarks;
//! - `invoke`: a function's Lambda handler on an event file; `runtime_api`: a Lambda Runtime API
//!   on loopback, under which built function binaries run (in
//!   `functions/orders-api/tests/runtime.rs` and `cold_start`);
//! - `analytics`: `portal analytics` (file to file, with `analytics_job::files`' arguments, over the
//!   lake, `generate`), and demo orders
//!   turned into lake lines;
//! - `ingest`: `portal ingest`; `drops`: the local stand-in for the ingest bucket's trigger;
//! - `events`: the local stand-in for the table's stream and the order-events function: the
//!   outbox's order events to an event log (`portal events`);
//! - benchmarks (BENCHMARKS.md): `bench` (API overhead), `bench_graphql` (an order page as one
//!   GraphQL query against its REST calls), `bench_ingest`, `bench_pricing`,
//!   `bench_placement` (placing an order against its bare transaction),
//!   `bench_load` (the load test) and `cold_start`.

pub mod analytics;
pub mod auth;
pub mod bench;
pub mod bench_graphql;
pub mod bench_ingest;
pub mod bench_load;
pub mod bench_placement;
pub mod bench_pricing;
pub mod clients;
pub mod cold_start;
pub mod demo;
pub mod drops;
pub mod emulators;
pub mod events;
pub mod gateway;
pub mod graphiql;
pub mod ingest;
pub mod invoke;
pub mod runtime_api;
pub mod server;
pub mod web;

pub use server::LocalApp;
