//! The library's error type: every variant names the file, line, flag or region at fault.

use std::path::PathBuf;

/// Errors raised by the library. `anyhow` is used only at the top (`app`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: corrupt or truncated gzip data: {source}")]
    Gzip {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {reason}")]
    Malformed {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    #[error("{path}: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("{path}: invalid ip-ranges file: {reason}")]
    IpRanges { path: String, reason: String },
    #[error("{path}:{line}: invalid price row: {reason}")]
    PriceRow {
        path: String,
        line: u64,
        reason: String,
    },
    #[error("no {item} price for region {region}: add a row for it to a prices CSV and pass it with --prices FILE (columns: region,item,unit,usd,begin_gb,end_gb,usage_type,source,source_kind,as_of; see data/PRICES.md)")]
    MissingPrice { region: String, item: String },
    #[error("{0}")]
    IncompleteTiers(Box<TierGap>),
    #[error("no flow-log files found in {0}")]
    NoInput(String),
    #[error("output folder {path}: {reason}")]
    Output { path: PathBuf, reason: String },
    #[error("{url}: {reason}")]
    S3 { url: String, reason: String },
    #[error("interrupted: no report was written")]
    Interrupted,
    #[error("polars: {0}")]
    Polars(#[from] polars::error::PolarsError),
    #[error("{0}")]
    Invalid(String),
}

/// Library result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a price table that stops early was asked for more than it lists (boxed in [`Error`]
/// to keep every `Result` small).
#[derive(Debug)]
pub struct TierGap {
    pub region: String,
    pub item: String,
    pub usage_type: String,
    pub end_gb: rust_decimal::Decimal,
    pub usd: rust_decimal::Decimal,
    pub needed_gb: rust_decimal::Decimal,
}

impl std::fmt::Display for TierGap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let TierGap {
            region,
            item,
            usage_type,
            end_gb,
            usd,
            needed_gb,
        } = self;
        write!(
            f,
            "{item} in {region}: the price table ends at {end_gb} GB a month (last listed price ${usd} per GB, {usage_type}) but this model needs {needed_gb} GB; the price beyond is not known and is not guessed. Supply the full tier table: `aws pricing get-products --region us-east-1 --service-code AmazonVPC --filters Type=TERM_MATCH,Field=regionCode,Value={region} > vpc.json`, then `vpce-advisor prices import vpc.json -o prices.csv` and pass `--prices prices.csv`; or pass `--beyond-last-tier last-price` to bill the excess at the last listed price (an upper bound, stated on every affected cost line)"
        )
    }
}
