//! Classify: the aggregated flow frame in; the same frame with the remote side's kind (private,
//! AWS, internet), AWS service label and service region joined on, out. Only the distinct remote
//! addresses are classified, against the ip-ranges prefix table; `pkt-*-aws-service` hints fill in
//! addresses the snapshot does not know.

pub mod address;
pub mod ipranges;
pub mod labels;

use std::net::IpAddr;

use polars::prelude::*;
use serde::Serialize;

use crate::error::Result;
use crate::schema;
pub use ipranges::{AwsMatch, IpRanges};
pub use labels::{endpoint_fit, EndpointFit};

/// What kind of peer the remote side is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemoteKind {
    Private,
    Aws,
    Internet,
    /// A public IPv6 peer: routed through an egress-only or internet gateway, never a NAT
    /// gateway (only NAT64, 64:ff9b::/96, uses NAT, and ingest maps it back to IPv4).
    Ipv6,
}

impl RemoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RemoteKind::Private => "private",
            RemoteKind::Aws => "aws",
            RemoteKind::Internet => "internet",
            RemoteKind::Ipv6 => "ipv6",
        }
    }
}

/// How a remote address was classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub kind: RemoteKind,
    /// ip-ranges service label (`S3`, `AMAZON`, `EC2`...), empty unless AWS.
    pub service: String,
    /// Region of the matched prefix (may be `GLOBAL`); empty for a hint (assumed the VPC's region).
    pub region: String,
    /// `ip-ranges`, `hint`, `private` or `none`.
    pub by: &'static str,
}

/// Classifies one remote address (`""` is the private bucket) with its service hint.
pub fn classify_address(table: &IpRanges, remote: &str, hint: &str) -> Classification {
    let private = Classification {
        kind: RemoteKind::Private,
        service: String::new(),
        region: String::new(),
        by: "private",
    };
    if remote.is_empty() {
        return private;
    }
    let Ok(addr) = remote.parse::<IpAddr>() else {
        return private;
    };
    if address::is_private(addr) {
        return private;
    }
    let aws_kind = if addr.is_ipv6() {
        RemoteKind::Ipv6
    } else {
        RemoteKind::Aws
    };
    if let Some(m) = table.lookup(addr) {
        return Classification {
            kind: aws_kind,
            service: m.service,
            region: m.region,
            by: "ip-ranges",
        };
    }
    if !hint.is_empty() {
        return Classification {
            kind: aws_kind,
            service: hint.to_ascii_uppercase(),
            region: String::new(),
            by: "hint",
        };
    }
    Classification {
        kind: if addr.is_ipv6() {
            RemoteKind::Ipv6
        } else {
            RemoteKind::Internet
        },
        service: String::new(),
        region: String::new(),
        by: "none",
    }
}

/// Counts from classification, for the report.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ClassifyStats {
    /// Distinct (remote address, hint) pairs classified.
    pub distinct_remotes: u64,
    /// Addresses unknown to the ip-ranges snapshot that a `pkt-*-aws-service` hint named.
    pub hint_filled_addresses: u64,
    /// Records behind those addresses.
    pub hint_filled_records: u64,
    /// Addresses where the hint named another service than ip-ranges did (ip-ranges kept).
    pub hint_disagreed_addresses: u64,
}

/// Joins the classification columns onto the aggregated flows.
pub fn classify_flows(flows: LazyFrame, table: &IpRanges) -> Result<(LazyFrame, ClassifyStats)> {
    let distinct = flows
        .clone()
        .group_by([col(schema::REMOTE_ADDR), col(schema::AWS_SERVICE_HINT)])
        .agg([col(schema::RECORDS).sum()])
        .collect()?;
    let remotes = distinct.column(schema::REMOTE_ADDR)?.str()?;
    let hints = distinct.column(schema::AWS_SERVICE_HINT)?.str()?;
    let records = distinct.column(schema::RECORDS)?.u64()?;
    let n = distinct.height();
    let mut stats = ClassifyStats {
        distinct_remotes: n as u64,
        ..ClassifyStats::default()
    };
    let mut kind = Vec::with_capacity(n);
    let mut service = Vec::with_capacity(n);
    let mut region = Vec::with_capacity(n);
    let mut by = Vec::with_capacity(n);
    let mut remote_col = Vec::with_capacity(n);
    let mut hint_col = Vec::with_capacity(n);
    for i in 0..n {
        let remote = remotes.get(i).unwrap_or("");
        let hint = hints.get(i).unwrap_or("");
        let c = classify_address(table, remote, hint);
        if c.by == "hint" {
            stats.hint_filled_addresses += 1;
            stats.hint_filled_records += records.get(i).unwrap_or(0);
        } else if c.by == "ip-ranges"
            && !hint.is_empty()
            && !hint.eq_ignore_ascii_case(&c.service)
            && !hint.eq_ignore_ascii_case("AMAZON")
        {
            stats.hint_disagreed_addresses += 1;
        }
        remote_col.push(remote.to_string());
        hint_col.push(hint.to_string());
        kind.push(c.kind.as_str());
        service.push(c.service);
        region.push(c.region);
        by.push(c.by);
    }
    let lookup = DataFrame::new(
        n,
        vec![
            Column::new(schema::REMOTE_ADDR.into(), remote_col),
            Column::new(schema::AWS_SERVICE_HINT.into(), hint_col),
            Column::new(schema::REMOTE_KIND.into(), kind),
            Column::new(schema::AWS_SERVICE.into(), service),
            Column::new(schema::SERVICE_REGION.into(), region),
            Column::new(schema::CLASSIFIED_BY.into(), by),
        ],
    )?;
    debug_assert_eq!(lookup.schema().as_ref(), &schema::class_schema());
    let keys = [col(schema::REMOTE_ADDR), col(schema::AWS_SERVICE_HINT)];
    let joined = flows.join(
        lookup.lazy(),
        keys.clone(),
        keys,
        JoinArgs::new(JoinType::Left),
    );
    Ok((joined, stats))
}
