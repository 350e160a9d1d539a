//! Integration tests, linked into one binary: the real binary on real sample files, the
//! reference flow logs, classification, cost arithmetic and reports.

mod common;

mod account;
mod bill;
mod bounds;
mod classify;
mod costs;
mod end_to_end;
mod engines;
mod formats;
mod fuzzed;
mod html;
mod ingest;
mod modules;
mod outputs;
mod policy;
mod s3;
mod schema;
