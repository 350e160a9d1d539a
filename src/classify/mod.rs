//! Classify: remote addresses (with their `pkt-*-aws-service` hints) in; the remote side's kind
//! (private, AWS, internet), AWS service label and service region out, and the classified frame
//! from flows summed per place and class. Each distinct address is classified once, against the
//! ip-ranges prefix table; hints fill in addresses the snapshot does not know.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
    classify_ip(table, remote.parse::<IpAddr>().ok(), hint)
}

/// Classifies one remote address (`None` is the private bucket) with its service hint.
pub fn classify_ip(table: &IpRanges, addr: Option<IpAddr>, hint: &str) -> Classification {
    let private = Classification {
        kind: RemoteKind::Private,
        service: String::new(),
        region: String::new(),
        by: "private",
    };
    let Some(addr) = addr else {
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

/// Classifies distinct (remote address, hint) pairs, numbers the distinct outcomes (a few
/// dozen), counts for [`ClassifyStats`], and builds the classified frame from sums per place and
/// class.
pub struct Classifier<'a> {
    table: &'a IpRanges,
    ids: rustc_hash::FxHashMap<(RemoteKind, String, String, &'static str), u32>,
    classes: Vec<Classification>,
    stats: ClassifyStats,
}

/// The place columns of a classified row: VPC, region, AZ, interface, direction, DNS service,
/// DNS region, path hint.
pub type Place<'a> = [&'a str; 8];

impl<'a> Classifier<'a> {
    pub fn new(table: &'a IpRanges) -> Self {
        Classifier {
            table,
            ids: Default::default(),
            classes: Vec::new(),
            stats: ClassifyStats::default(),
        }
    }

    /// The class of one distinct (address, hint) pair: call it once per pair.
    pub fn pair(&mut self, addr: Option<IpAddr>, hint: &str) -> u32 {
        let c = classify_ip(self.table, addr, hint);
        self.stats.distinct_remotes += 1;
        if c.by == "hint" {
            self.stats.hint_filled_addresses += 1;
        } else if c.by == "ip-ranges"
            && !hint.is_empty()
            && !hint.eq_ignore_ascii_case(&c.service)
            && !hint.eq_ignore_ascii_case("AMAZON")
        {
            self.stats.hint_disagreed_addresses += 1;
        }
        let key = (c.kind, c.service.clone(), c.region.clone(), c.by);
        let next = self.classes.len() as u32;
        let id = *self.ids.entry(key).or_insert(next);
        if id == next {
            self.classes.push(c);
        }
        id
    }

    /// Counts `records` of a flow of class `class` (from [`Classifier::pair`]).
    pub fn count_records(&mut self, class: u32, records: u64) {
        if self.classes[class as usize].by == "hint" {
            self.stats.hint_filled_records = self.stats.hint_filled_records.saturating_add(records);
        }
    }

    /// The classified frame (columns of [`schema::class_schema`] after the place columns, no
    /// remote address, hint or hour) from (place, class, [bytes, packets, records]) rows, one
    /// per distinct (place, class), sorted.
    pub fn frame<'p>(
        self,
        rows: impl Iterator<Item = (Place<'p>, u32, [u64; 3])>,
    ) -> Result<(LazyFrame, ClassifyStats)> {
        let class_text = |c: u32| {
            let c = &self.classes[c as usize];
            (c.kind.as_str(), c.service.as_str(), c.region.as_str(), c.by)
        };
        let mut rows: Vec<_> = rows.collect();
        rows.sort_unstable_by(|a, b| (a.0, class_text(a.1)).cmp(&(b.0, class_text(b.1))));
        let m = rows.len();
        let mut place_cols: [Vec<&str>; 8] = std::array::from_fn(|_| Vec::with_capacity(m));
        let mut class_cols: [Vec<&str>; 4] = std::array::from_fn(|_| Vec::with_capacity(m));
        let mut totals: [Vec<u64>; 3] = std::array::from_fn(|_| Vec::with_capacity(m));
        for (place, class, s) in &rows {
            for (col, v) in place_cols.iter_mut().zip(place) {
                col.push(v);
            }
            let (kind, service, region, by) = class_text(*class);
            for (col, v) in class_cols.iter_mut().zip([kind, service, region, by]) {
                col.push(v);
            }
            for (col, v) in totals.iter_mut().zip(s) {
                col.push(*v);
            }
        }
        let names = [
            schema::VPC_ID,
            schema::REGION,
            schema::AZ_ID,
            schema::INTERFACE_ID,
            schema::DIRECTION,
            schema::DNS_SERVICE,
            schema::DNS_REGION,
            schema::PATH_HINT,
            schema::REMOTE_KIND,
            schema::AWS_SERVICE,
            schema::SERVICE_REGION,
            schema::CLASSIFIED_BY,
        ];
        let mut columns: Vec<Column> = names
            .iter()
            .zip(place_cols.into_iter().chain(class_cols))
            .map(|(name, values)| Column::new((*name).into(), values))
            .collect();
        let [bytes, packets, records] = totals;
        columns.push(Column::new(schema::BYTES.into(), bytes));
        columns.push(Column::new(schema::PACKETS.into(), packets));
        columns.push(Column::new(schema::RECORDS.into(), records));
        let classified = DataFrame::new(m, columns)?;
        Ok((classified.lazy(), self.stats))
    }
}
