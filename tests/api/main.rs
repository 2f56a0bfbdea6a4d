//! The integration tests: the whole system over the embedded emulators, one binary.

mod access;
mod carts;
mod catalog;
mod checkout;
mod crate_graph;
mod demo;
mod documents;
mod drift;
mod errors;
mod events;
mod faults;
mod grants;
mod ingest;
mod insights;
mod invoices;
mod invoke;
mod lambda_events;
mod large;
mod openapi;
mod orders;
mod pricing;
mod publish;
mod push;
mod quarantine;
mod shipments;
mod store;
