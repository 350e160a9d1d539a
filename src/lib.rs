//! vpce-advisor: VPC flow logs in, per-VPC NAT gateway vs VPC endpoint cost model and recommendation out.
//!
//! Data flow: files -> [`ingest`] -> [`vantage`] (with [`inventory`] and [`dns`]) -> [`classify`]
//! -> [`traffic`] -> [`scenario`] x [`pricing`] -> [`recommend`] -> [`report`], run in that order
//! by [`pipeline`]; [`app`] turns a command line into pipeline calls and writes the outputs.

pub mod app;
pub mod bill;
pub mod bounded;
pub mod classify;
pub mod cli;
pub mod dns;
pub mod error;
pub mod ingest;
pub mod interrupt;
pub mod inventory;
pub mod pipeline;
pub mod policy;
pub mod pricing;
pub mod recommend;
pub mod report;
pub mod scenario;
pub mod schema;
pub mod source;
pub mod sql;
pub mod stages;
pub mod synth;
pub mod text;
pub mod timeseries;
pub mod traffic;
pub mod units;
pub mod vantage;

pub use error::{Error, Result};
