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

/// Classifies the flows (schema of [`crate::vantage::apply`]'s result) and sums them per VPC,
/// region, AZ, interface, direction, DNS name and classification: the result has the
/// classification columns of [`schema::class_schema`] but no remote address, hint or hour.
pub fn classify_flows(flows: LazyFrame, table: &IpRanges) -> Result<(LazyFrame, ClassifyStats)> {
    // Each distinct (remote, hint) is classified once; each row then refers to its result by
    // index (no join, no copy of the flow columns).
    let flows = flows.collect()?;
    let remotes = flows.column(schema::REMOTE_ADDR)?.str()?;
    let hints = flows.column(schema::AWS_SERVICE_HINT)?.str()?;
    let records = flows.column(schema::RECORDS)?.u64()?;
    let mut ids: rustc_hash::FxHashMap<(Option<&str>, Option<&str>), IdxSize> =
        rustc_hash::FxHashMap::default();
    let mut distinct: Vec<(Option<&str>, Option<&str>, u64)> = Vec::new();
    let mut row_class: Vec<Option<IdxSize>> = Vec::with_capacity(flows.height());
    for ((remote, hint), n) in remotes.iter().zip(hints.iter()).zip(records.iter()) {
        let next = distinct.len() as IdxSize;
        let id = *ids.entry((remote, hint)).or_insert(next);
        if id == next {
            distinct.push((remote, hint, 0));
        }
        let d = &mut distinct[id as usize];
        d.2 = d.2.saturating_add(n.unwrap_or(0));
        // A row without an address or hint has no class (as an unmatched join would give).
        row_class.push((remote.is_some() && hint.is_some()).then_some(id));
    }
    drop(ids);
    let n = distinct.len();
    let mut stats = ClassifyStats {
        distinct_remotes: n as u64,
        ..ClassifyStats::default()
    };
    // The distinct classifications (a few dozen), and each pair's among them.
    let mut classes: rustc_hash::FxHashMap<(&str, String, String, &str), IdxSize> =
        rustc_hash::FxHashMap::default();
    let mut outcome: Vec<IdxSize> = Vec::with_capacity(n);
    let (mut kind, mut service, mut region, mut by) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &(remote, hint, records) in &distinct {
        let remote = remote.unwrap_or("");
        let hint = hint.unwrap_or("");
        let c = classify_address(table, remote, hint);
        if c.by == "hint" {
            stats.hint_filled_addresses += 1;
            stats.hint_filled_records += records;
        } else if c.by == "ip-ranges"
            && !hint.is_empty()
            && !hint.eq_ignore_ascii_case(&c.service)
            && !hint.eq_ignore_ascii_case("AMAZON")
        {
            stats.hint_disagreed_addresses += 1;
        }
        let key = (c.kind.as_str(), c.service, c.region, c.by);
        let next = kind.len() as IdxSize;
        let id = *classes.entry(key.clone()).or_insert(next);
        if id == next {
            kind.push(key.0);
            service.push(key.1);
            region.push(key.2);
            by.push(key.3);
        }
        outcome.push(id);
    }
    drop(distinct);
    drop(classes);
    // Sum the rows per place and class: the remote address is no longer needed, and the
    // frame that goes on has one row per (VPC, AZ, interface, direction, DNS name, class).
    let text = |name: &str| -> Result<&StringChunked> { Ok(flows.column(name)?.str()?) };
    let place = [
        text(schema::VPC_ID)?,
        text(schema::REGION)?,
        text(schema::AZ_ID)?,
        text(schema::INTERFACE_ID)?,
        text(schema::DIRECTION)?,
        text(schema::DNS_SERVICE)?,
        text(schema::DNS_REGION)?,
    ];
    let bytes = flows.column(schema::BYTES)?.u64()?;
    let packets = flows.column(schema::PACKETS)?.u64()?;
    type Place<'a> = [Option<&'a str>; 7];
    let mut sums: rustc_hash::FxHashMap<(Place<'_>, Option<IdxSize>), [u64; 3]> =
        rustc_hash::FxHashMap::default();
    let mut iters = place.map(|c| c.iter());
    for (i, class) in row_class.into_iter().enumerate() {
        let key: Place<'_> = iters.each_mut().map(|it| it.next().flatten());
        let class = class.map(|c| outcome[c as usize]);
        let s = sums.entry((key, class)).or_default();
        s[0] = s[0].saturating_add(bytes.get(i).unwrap_or(0));
        s[1] = s[1].saturating_add(packets.get(i).unwrap_or(0));
        s[2] = s[2].saturating_add(records.get(i).unwrap_or(0));
    }
    let m = sums.len();
    let mut place_cols: [Vec<Option<&str>>; 7] = std::array::from_fn(|_| Vec::with_capacity(m));
    let mut class_idx: Vec<Option<IdxSize>> = Vec::with_capacity(m);
    let mut totals: [Vec<u64>; 3] = std::array::from_fn(|_| Vec::with_capacity(m));
    for ((key, class), s) in sums {
        for (col, v) in place_cols.iter_mut().zip(key) {
            col.push(v);
        }
        class_idx.push(class);
        for (col, v) in totals.iter_mut().zip(s) {
            col.push(v);
        }
    }
    let idx = IdxCa::from_iter_options("".into(), class_idx.into_iter());
    let gather = |name: &str, values: StringChunked| -> Result<Column> {
        Ok(values
            .take(&idx)?
            .with_name(name.into())
            .into_series()
            .into_column())
    };
    let [vpc, vpc_region, az, interface, direction, dns_service, dns_region] = place_cols;
    let [bytes, packets, records] = totals;
    let columns = vec![
        Column::new(schema::VPC_ID.into(), vpc),
        Column::new(schema::REGION.into(), vpc_region),
        Column::new(schema::AZ_ID.into(), az),
        Column::new(schema::INTERFACE_ID.into(), interface),
        Column::new(schema::DIRECTION.into(), direction),
        Column::new(schema::DNS_SERVICE.into(), dns_service),
        Column::new(schema::DNS_REGION.into(), dns_region),
        gather(schema::REMOTE_KIND, kind.into_iter().map(Some).collect())?,
        gather(
            schema::AWS_SERVICE,
            service.iter().map(|s| Some(s.as_str())).collect(),
        )?,
        gather(
            schema::SERVICE_REGION,
            region.iter().map(|s| Some(s.as_str())).collect(),
        )?,
        gather(schema::CLASSIFIED_BY, by.into_iter().map(Some).collect())?,
        Column::new(schema::BYTES.into(), bytes),
        Column::new(schema::PACKETS.into(), packets),
        Column::new(schema::RECORDS.into(), records),
    ];
    let classified = DataFrame::new(m, columns)?;
    Ok((classified.lazy(), stats))
}
