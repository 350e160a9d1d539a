//! Traffic over time: the scan-time series (accepted bytes per VPC, region, start hour and
//! destination class, *as logged*) in; per VPC, hourly bytes by destination class reconciled
//! with the VPC's final observed traffic out.
//!
//! The series is summed while records are read, beside the main aggregate (which keeps no hour,
//! so its memory does not grow with the window). It counts what was logged: a NAT gateway's
//! ENI logged alongside its clients counts the same bytes twice, and the vantage step
//! (attribution, NAT de-duplication, DNS naming) runs later on the aggregate. Reconciliation
//! rule: for each VPC and class, the hourly values are scaled so that they sum exactly to the
//! class's final observed bytes (egress + ingress of `VpcTraffic::destinations`), keeping the
//! logged shape over time; a class with final bytes but no logged series of its own (renamed by
//! DNS, say) follows the shape of the VPC's whole series. Records logged without a vpc-id are
//! summed as `unattributed`: when the inventory attributed them and exactly one VPC of the region
//! has traffic but no series of its own, that series gives its shape (scaled to its own totals);
//! otherwise such VPCs have none.

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::ingest::series::{RawSeries, CLASSES};
use crate::traffic::{DestClass, VpcTraffic};

/// One hour of one VPC's traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HourBytes {
    /// Start of the hour, ISO 8601 UTC.
    pub start: String,
    /// Start of the hour, Unix seconds.
    pub unix: u64,
    /// Bytes (both directions) by destination class, every class present.
    pub bytes: BTreeMap<DestClass, u64>,
}

impl HourBytes {
    pub fn total(&self) -> u64 {
        self.bytes.values().sum()
    }
}

/// What reconciliation could not map, for the report's note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unmapped {
    /// Report VPCs with traffic but no logged series (attributed by the inventory, or read from
    /// traffic CSVs only).
    pub vpcs_without_series: Vec<String>,
    /// Logged VPC ids that are not in the report (e.g. `unattributed`, whose records the
    /// inventory gave to other VPCs).
    pub series_without_vpc: Vec<String>,
    /// `unattributed` series given to a report VPC: the only VPC of that region with traffic
    /// but no series of its own, i.e. all its records were attributed by the inventory.
    pub mapped: Vec<(String, String)>,
}

/// Logged VPC id of records without a vpc-id (see the scanner).
const UNATTRIBUTED: &str = "unattributed";

/// Splits `total` over `weights` in proportion, exactly (largest remainder, ties to the earlier).
fn apportion(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut out = Vec::with_capacity(weights.len());
    let mut rems = Vec::with_capacity(weights.len());
    let mut given: u64 = 0;
    for (i, &w) in weights.iter().enumerate() {
        let exact = u128::from(total) * u128::from(w);
        let q = (exact / sum) as u64;
        out.push(q);
        rems.push((exact % sum, i));
        given += q;
    }
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in rems.iter().take((total - given) as usize) {
        out[i] += 1;
    }
    out
}

/// Per report VPC (same order as `vpcs`), the hourly bytes by class reconciled with its final
/// observed traffic; and what could not be mapped.
pub fn reconcile(raw: &RawSeries, vpcs: &[VpcTraffic]) -> (Vec<Vec<HourBytes>>, Unmapped) {
    let mut unmapped = Unmapped::default();
    let has_series = |vpc: &str, region: &str| {
        raw.get(&(vpc.to_string(), region.to_string()))
            .is_some_and(|m| m.values().any(|c| c.iter().any(|&b| b > 0)))
    };
    // Records logged without a vpc-id, in a region whose only series-less VPC takes them.
    let mut borrowed: BTreeMap<usize, &BTreeMap<u32, [u64; CLASSES]>> = BTreeMap::new();
    for ((vpc, region), series) in raw {
        // (`unattributed` may also stay a report VPC for ENIs the inventory lacks: the series
        // then gives the shape of both.)
        if vpc != UNATTRIBUTED {
            continue;
        }
        let orphans: Vec<usize> = (0..vpcs.len())
            .filter(|&i| {
                let v = &vpcs[i];
                &v.region == region
                    && !has_series(&v.vpc_id, &v.region)
                    && v.destinations.iter().any(|d| d.bytes() > 0)
            })
            .collect();
        if let [i] = orphans[..] {
            borrowed.insert(i, series);
            unmapped.mapped.push((vpc.clone(), vpcs[i].vpc_id.clone()));
        }
    }
    let mut out = Vec::with_capacity(vpcs.len());
    for (vi, v) in vpcs.iter().enumerate() {
        let mut finals = [0u64; CLASSES];
        for d in &v.destinations {
            finals[d.class as usize] = finals[d.class as usize].saturating_add(d.bytes());
        }
        let logged = raw
            .get(&(v.vpc_id.clone(), v.region.clone()))
            .or(borrowed.get(&vi).copied());
        let hours: Vec<(u32, [u64; CLASSES])> = logged
            .map(|m| m.iter().map(|(h, c)| (*h, *c)).collect())
            .unwrap_or_default();
        let whole: Vec<u64> = hours.iter().map(|(_, c)| c.iter().sum()).collect();
        if whole.iter().all(|&w| w == 0) {
            if finals.iter().any(|&b| b > 0) {
                unmapped.vpcs_without_series.push(v.vpc_id.clone());
            }
            out.push(Vec::new());
            continue;
        }
        let mut scaled = vec![[0u64; CLASSES]; hours.len()];
        for (c, &total) in finals.iter().enumerate() {
            if total == 0 {
                continue;
            }
            let own: Vec<u64> = hours.iter().map(|(_, cs)| cs[c]).collect();
            let weights = if own.iter().any(|&w| w > 0) {
                own
            } else {
                whole.clone()
            };
            for (i, b) in apportion(total, &weights).into_iter().enumerate() {
                scaled[i][c] = b;
            }
        }
        let series = hours
            .iter()
            .zip(scaled)
            .filter(|(_, cs)| cs.iter().any(|&b| b > 0))
            .map(|((h, _), cs)| {
                let unix = u64::from(*h) * 3600;
                HourBytes {
                    start: crate::text::iso_utc(unix),
                    unix,
                    bytes: DestClass::ALL
                        .iter()
                        .zip(cs)
                        .map(|(c, b)| (*c, b))
                        .collect(),
                }
            })
            .collect();
        out.push(series);
    }
    for (vpc, region) in raw.keys() {
        if !vpcs.iter().any(|v| &v.vpc_id == vpc && &v.region == region)
            && !unmapped.mapped.iter().any(|(from, _)| from == vpc)
            && !unmapped.series_without_vpc.contains(vpc)
        {
            unmapped.series_without_vpc.push(vpc.clone());
        }
    }
    (out, unmapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact() {
        assert_eq!(apportion(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(apportion(0, &[5, 5]), vec![0, 0]);
        assert_eq!(apportion(7, &[0, 0]), vec![0, 0]);
        assert_eq!(apportion(100, &[200, 0, 200]), vec![50, 0, 50]);
        let big = apportion(u64::MAX, &[u64::MAX, 1]);
        assert_eq!(
            big.iter().map(|&b| u128::from(b)).sum::<u128>(),
            u128::from(u64::MAX)
        );
    }

    fn traffic(vpc: &str, dests: &[(DestClass, u64)]) -> VpcTraffic {
        VpcTraffic {
            vpc_id: vpc.into(),
            region: "us-east-1".into(),
            azs_seen: Vec::new(),
            interfaces_seen: 1,
            destinations: dests
                .iter()
                .map(|&(class, b)| crate::traffic::DestTraffic {
                    class,
                    service: String::new(),
                    service_region: String::new(),
                    endpoint: None,
                    egress_bytes: b,
                    ingress_bytes: 0,
                    records: 1,
                    monthly_gb: rust_decimal::Decimal::ZERO,
                    by_az: BTreeMap::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn series_scale_to_the_final_totals() {
        let (s3, net) = (DestClass::S3 as usize, DestClass::Internet as usize);
        let mut raw = RawSeries::new();
        let mut hours = BTreeMap::new();
        // Internet logged twice (client and NAT ENI): 600 + 200 as logged, 400 after de-dup.
        let mut h0 = [0; CLASSES];
        h0[net] = 600;
        h0[s3] = 100;
        let mut h1 = [0; CLASSES];
        h1[net] = 200;
        hours.insert(10, h0);
        hours.insert(11, h1);
        raw.insert(("vpc-a".into(), "us-east-1".into()), hours.clone());
        raw.insert(("unattributed".into(), "us-east-1".into()), hours);
        let vpcs = [
            // DNS named 90 bytes an AWS service: no series of its own, so the whole shape.
            traffic(
                "vpc-a",
                &[
                    (DestClass::Internet, 400),
                    (DestClass::S3, 100),
                    (DestClass::AwsService, 90),
                ],
            ),
            traffic("vpc-b", &[(DestClass::Internet, 5)]),
            traffic("vpc-c", &[(DestClass::Internet, 8)]),
        ];
        let (series, unmapped) = reconcile(&raw, &vpcs);
        assert_eq!(series[0].len(), 2);
        assert_eq!(series[0][0].start, "1970-01-01T10:00:00Z");
        assert_eq!(series[0][0].bytes[&DestClass::Internet], 300);
        assert_eq!(series[0][1].bytes[&DestClass::Internet], 100);
        assert_eq!(series[0][0].bytes[&DestClass::S3], 100);
        assert_eq!(series[0][1].bytes[&DestClass::S3], 0);
        // 700 : 200 of 90 -> 70 : 20.
        assert_eq!(series[0][0].bytes[&DestClass::AwsService], 70);
        assert_eq!(series[0][1].bytes[&DestClass::AwsService], 20);
        // vpc-b and vpc-c both lack a series: the unattributed records stay unmapped.
        assert!(series[1].is_empty() && series[2].is_empty());
        assert_eq!(unmapped.vpcs_without_series, ["vpc-b", "vpc-c"]);
        assert_eq!(unmapped.series_without_vpc, ["unattributed"]);
        assert!(unmapped.mapped.is_empty());

        // Only vpc-b lacks a series in the region: the unattributed records were its own.
        let (series, unmapped) = reconcile(&raw, &vpcs[..2]);
        assert_eq!(series[1].len(), 2);
        // 800 : 200 of 5.
        assert_eq!(series[1][0].bytes[&DestClass::Internet], 4);
        assert_eq!(series[1][1].bytes[&DestClass::Internet], 1);
        assert_eq!(
            unmapped.mapped,
            [("unattributed".to_string(), "vpc-b".to_string())]
        );
        assert!(unmapped.vpcs_without_series.is_empty());
        assert!(unmapped.series_without_vpc.is_empty());
    }
}

/// Buckets kept hourly in report.json: a 31-day month. A longer span is summed per UTC day
/// (bucket start at midnight), so the report grows with days, not hours.
pub const MAX_HOURLY_BUCKETS: u64 = 31 * 24;

/// `series` as is when it spans at most [`MAX_HOURLY_BUCKETS`] hours, else summed per day.
pub fn daily_when_long(series: Vec<HourBytes>) -> Vec<HourBytes> {
    let (Some(first), Some(last)) = (series.first(), series.last()) else {
        return series;
    };
    if (last.unix - first.unix) / 3600 < MAX_HOURLY_BUCKETS {
        return series;
    }
    let mut days: BTreeMap<u64, BTreeMap<DestClass, u64>> = BTreeMap::new();
    for h in series {
        let day = h.unix - h.unix % 86_400;
        let slot = days.entry(day).or_default();
        for (class, b) in h.bytes {
            let e = slot.entry(class).or_default();
            *e = e.saturating_add(b);
        }
    }
    days.into_iter()
        .map(|(unix, bytes)| HourBytes {
            start: crate::text::iso_utc(unix),
            unix,
            bytes,
        })
        .collect()
}

#[cfg(test)]
mod daily_tests {
    use super::*;

    #[test]
    fn long_series_are_summed_per_day() {
        let hour = |h: u64, b: u64| HourBytes {
            start: crate::text::iso_utc(h * 3600),
            unix: h * 3600,
            bytes: [(DestClass::Internet, b)].into(),
        };
        let short: Vec<HourBytes> = (0..48).map(|h| hour(h, 1)).collect();
        assert_eq!(daily_when_long(short.clone()), short);
        let long: Vec<HourBytes> = (0..(MAX_HOURLY_BUCKETS + 24)).map(|h| hour(h, 1)).collect();
        let days = daily_when_long(long);
        assert_eq!(days.len() as u64, MAX_HOURLY_BUCKETS / 24 + 1);
        assert!(days.iter().all(|d| d.bytes[&DestClass::Internet] == 24));
        assert_eq!(days[1].start, "1970-01-02T00:00:00Z");
    }
}
