//! Traffic: the classified flow frame in; per VPC, the observed and monthly traffic by
//! destination class (same-region S3 / DynamoDB, AWS services, cross-region AWS, AWS-hosted,
//! internet, private) out. The polars part of the pipeline ends here.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::classify::{endpoint_fit, EndpointFit};
use crate::error::Result;
use crate::schema;
use crate::units;

/// Where traffic goes, as far as cost is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DestClass {
    /// S3 in the VPC's region: a free gateway endpoint carries it.
    S3,
    /// DynamoDB in the VPC's region: a free gateway endpoint carries it.
    Dynamodb,
    /// An AWS service in the VPC's region that an interface endpoint can carry.
    AwsService,
    /// AWS addresses in another region (or GLOBAL): stays on NAT whatever is built.
    AwsCrossRegion,
    /// AWS-hosted or edge addresses (EC2 public IPs, CloudFront...): internet-like, stays on NAT.
    AwsHosted,
    /// Addresses in no AWS prefix.
    Internet,
    /// Public IPv6 peers: egress-only / internet gateway, not NAT (NAT64 is mapped to IPv4).
    Ipv6Direct,
    /// Private peers (same VPC, peering, on-premises): never via NAT.
    Private,
}

impl DestClass {
    pub const ALL: [DestClass; 8] = [
        DestClass::S3,
        DestClass::Dynamodb,
        DestClass::AwsService,
        DestClass::AwsCrossRegion,
        DestClass::AwsHosted,
        DestClass::Internet,
        DestClass::Ipv6Direct,
        DestClass::Private,
    ];

    /// Machine name, as in report.json and traffic CSVs.
    pub fn key(self) -> &'static str {
        match self {
            DestClass::S3 => "s3",
            DestClass::Dynamodb => "dynamodb",
            DestClass::AwsService => "aws-service",
            DestClass::AwsCrossRegion => "aws-cross-region",
            DestClass::AwsHosted => "aws-hosted",
            DestClass::Internet => "internet",
            DestClass::Ipv6Direct => "ipv6-direct",
            DestClass::Private => "private",
        }
    }

    /// The class with machine name `key`.
    pub fn from_key(key: &str) -> Option<DestClass> {
        DestClass::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Label used in reports.
    pub fn label(self) -> &'static str {
        match self {
            DestClass::S3 => "S3 (same region)",
            DestClass::Dynamodb => "DynamoDB (same region)",
            DestClass::AwsService => "AWS service (same region)",
            DestClass::AwsCrossRegion => "AWS, other region",
            DestClass::AwsHosted => "AWS-hosted / edge (internet-like)",
            DestClass::Internet => "internet",
            DestClass::Ipv6Direct => "IPv6 (egress-only gateway, not via NAT)",
            DestClass::Private => "private (not via NAT)",
        }
    }

    /// Whether this traffic passes a NAT gateway when the VPC egresses through one.
    pub fn nat_routed(self) -> bool {
        !matches!(self, DestClass::Private | DestClass::Ipv6Direct)
    }

    /// Whether an AWS endpoint can carry this traffic.
    pub fn endpoint_eligible(self) -> bool {
        matches!(
            self,
            DestClass::S3 | DestClass::Dynamodb | DestClass::AwsService
        )
    }
}

/// The way traffic took, as far as the logs and the inventory tell: a closed set, written as the
/// `path` column of traffic CSVs and report rows (README, "Traffic paths").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrafficPath {
    /// A public IPv4 peer taken to pass a NAT gateway: what the cost model prices.
    Nat,
    /// Through an existing S3/DynamoDB gateway endpoint (`traffic-path` 7, or 2 to a
    /// same-region S3/DynamoDB address): free today.
    GatewayEndpoint,
    /// Through an internet gateway (`traffic-path` 8, or 2 to any other address, or a subnet
    /// that routes to an internet gateway in the inventory): no NAT charge.
    InternetGateway,
    /// A public IPv6 peer: an egress-only internet gateway (NAT gateways do not carry IPv6;
    /// NAT64 is read as IPv4): no NAT charge.
    EgressOnly,
    /// A private peer (same VPC, peering, transit gateway, VPN, interface endpoints): never via
    /// NAT.
    Private,
}

impl TrafficPath {
    pub const ALL: [TrafficPath; 5] = [
        TrafficPath::Nat,
        TrafficPath::GatewayEndpoint,
        TrafficPath::InternetGateway,
        TrafficPath::EgressOnly,
        TrafficPath::Private,
    ];

    /// Machine name, as in report.json and traffic CSVs.
    pub fn key(self) -> &'static str {
        match self {
            TrafficPath::Nat => "nat",
            TrafficPath::GatewayEndpoint => "gateway-endpoint",
            TrafficPath::InternetGateway => "internet-gateway",
            TrafficPath::EgressOnly => "egress-only",
            TrafficPath::Private => "private",
        }
    }

    /// A name at most 11 characters wide, for the terminal table.
    pub fn short(self) -> &'static str {
        match self {
            TrafficPath::GatewayEndpoint => "gw-endpoint",
            TrafficPath::InternetGateway => "igw",
            other => other.key(),
        }
    }

    /// The path with machine name `key`.
    pub fn from_key(key: &str) -> Option<TrafficPath> {
        TrafficPath::ALL.into_iter().find(|p| p.key() == key)
    }

    /// Label used in reports.
    pub fn label(self) -> &'static str {
        match self {
            TrafficPath::Nat => "NAT gateway",
            TrafficPath::GatewayEndpoint => "existing gateway endpoint (free)",
            TrafficPath::InternetGateway => "internet gateway (no NAT charge)",
            TrafficPath::EgressOnly => "IPv6 egress-only gateway (no NAT charge)",
            TrafficPath::Private => "private (VPC, peering, TGW, VPN)",
        }
    }

    /// The path of a row of class `class` that the vantage step did not set aside.
    pub fn of_class(class: DestClass) -> TrafficPath {
        match class {
            DestClass::Private => TrafficPath::Private,
            DestClass::Ipv6Direct => TrafficPath::EgressOnly,
            _ => TrafficPath::Nat,
        }
    }

    /// The path of a row the vantage step set aside with `hint` ([`schema::PATH_HINT`]), or
    /// [`TrafficPath::of_class`] when the hint is empty.
    pub fn of_hint(hint: &str, class: DestClass) -> TrafficPath {
        let gateway_service = matches!(class, DestClass::S3 | DestClass::Dynamodb);
        match hint {
            schema::VIA_IGW_ROUTE => TrafficPath::InternetGateway,
            schema::VIA_GATEWAY_ENDPOINT => TrafficPath::GatewayEndpoint,
            schema::VIA_EITHER_GATEWAY if gateway_service => TrafficPath::GatewayEndpoint,
            schema::VIA_INTERNET_GATEWAY | schema::VIA_EITHER_GATEWAY => {
                if class == DestClass::Ipv6Direct {
                    TrafficPath::EgressOnly
                } else {
                    TrafficPath::InternetGateway
                }
            }
            _ => TrafficPath::of_class(class),
        }
    }

    /// Whether the cost model counts this traffic (it is in [`VpcTraffic::destinations`]).
    /// Traffic already through an internet gateway or a gateway endpoint is shown, not priced:
    /// no setup changes its cost.
    pub fn priced(self) -> bool {
        !matches!(
            self,
            TrafficPath::GatewayEndpoint | TrafficPath::InternetGateway
        )
    }
}

/// Traffic of one VPC to one destination group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DestTraffic {
    pub class: DestClass,
    /// ip-ranges service label (`S3`, `AMAZON`, `EC2`...); empty for internet and private.
    pub service: String,
    /// Region of the destination prefixes (`GLOBAL` possible); empty when not AWS.
    pub service_region: String,
    /// Endpoint service short name (`s3`, `dynamodb`, `other-aws`, `execute-api`...) when eligible.
    pub endpoint: Option<String>,
    /// Bytes workload -> remote in the window.
    pub egress_bytes: u64,
    /// Bytes remote -> workload in the window.
    pub ingress_bytes: u64,
    pub records: u64,
    /// Both directions, scaled to a 730-hour month, in GB (2^30 bytes).
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_gb: Decimal,
    /// `monthly_gb` by the workload's AZ (`-` when unknown).
    pub by_az: BTreeMap<String, MonthlyGb>,
}

/// A monthly GB figure, serialised as an exact decimal string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct MonthlyGb(#[serde(with = "rust_decimal::serde::str")] pub Decimal);

impl DestTraffic {
    pub fn bytes(&self) -> u64 {
        self.egress_bytes + self.ingress_bytes
    }
}

/// One VPC's traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VpcTraffic {
    pub vpc_id: String,
    pub region: String,
    /// AZ ids seen in the VPC's records (empty when the logs have no az-id).
    pub azs_seen: Vec<String>,
    pub interfaces_seen: u64,
    /// Destination groups, sorted by class then service then region: the traffic the cost
    /// model prices ([`TrafficPath::priced`]).
    pub destinations: Vec<DestTraffic>,
    /// Every byte by the way it took and its destination class, priced or not (what already
    /// runs without NAT shows here).
    pub paths: Vec<PathTraffic>,
}

/// Traffic of one VPC along one path to one destination class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathTraffic {
    pub path: TrafficPath,
    pub class: DestClass,
    /// Both directions, in the window.
    pub bytes: u64,
    pub records: u64,
    /// `bytes` scaled to a 730-hour month, in GB.
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_gb: Decimal,
}

impl VpcTraffic {
    /// Monthly GB of one class.
    pub fn monthly_gb(&self, class: DestClass) -> Decimal {
        self.destinations
            .iter()
            .filter(|d| d.class == class)
            .map(|d| d.monthly_gb)
            .sum()
    }

    /// Monthly GB that passes NAT today.
    pub fn nat_routed_gb(&self) -> Decimal {
        self.destinations
            .iter()
            .filter(|d| d.class.nat_routed())
            .map(|d| d.monthly_gb)
            .sum()
    }
}

/// The observed window and the month scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub start: u64,
    pub end: u64,
    pub seconds: u64,
}

impl Window {
    /// From (min start, max end); a zero-length window is widened to one second.
    pub fn new(bounds: (u64, u64)) -> Window {
        let (start, end) = bounds;
        Window {
            start,
            end: end.max(start),
            seconds: end.saturating_sub(start).max(1),
        }
    }

    /// Multiplier from observed bytes to a 730-hour month.
    pub fn month_factor(&self) -> Decimal {
        Decimal::from(units::SECONDS_PER_MONTH) / Decimal::from(self.seconds)
    }
}

/// Observed traffic of one VPC, AZ, direction and destination: the unit that traffic CSVs
/// carry and that every VPC's figures are summed from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TrafficRow {
    pub vpc_id: String,
    pub region: String,
    /// `-` when unknown.
    pub az_id: String,
    /// `egress` or `ingress`.
    pub direction: String,
    pub class: DestClass,
    pub service: String,
    pub service_region: String,
    /// Endpoint service named by DNS (`ssm`, `sts`...), empty when not named.
    pub endpoint_service: String,
    /// The way the traffic took.
    pub path: TrafficPath,
    pub bytes: u64,
    pub records: u64,
}

/// Rows plus the interfaces seen per (VPC, region).
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub rows: Vec<TrafficRow>,
    pub interfaces: BTreeMap<(String, String), u64>,
}

/// Sums the classified flows per VPC, AZ, direction and destination.
pub fn traffic_rows(classified: LazyFrame) -> Result<Observed> {
    // Materialise the (small, aggregated) classified frame once: both queries below read it,
    // and the classification join should not run twice.
    let classified = classified.collect()?;
    let interfaces = interfaces_per_vpc(classified.clone().lazy())?;
    let grouped = classified
        .lazy()
        .group_by([
            col(schema::VPC_ID),
            col(schema::REGION),
            col(schema::AZ_ID),
            col(schema::REMOTE_KIND),
            col(schema::AWS_SERVICE),
            col(schema::SERVICE_REGION),
            col(schema::DIRECTION),
            col(schema::DNS_SERVICE),
            col(schema::DNS_REGION),
            col(schema::PATH_HINT),
        ])
        .agg([col(schema::BYTES).sum(), col(schema::RECORDS).sum()])
        .collect()?;
    let vpc = grouped.column(schema::VPC_ID)?.str()?;
    let region = grouped.column(schema::REGION)?.str()?;
    let az = grouped.column(schema::AZ_ID)?.str()?;
    let kind = grouped.column(schema::REMOTE_KIND)?.str()?;
    let service = grouped.column(schema::AWS_SERVICE)?.str()?;
    let service_region = grouped.column(schema::SERVICE_REGION)?.str()?;
    let direction = grouped.column(schema::DIRECTION)?.str()?;
    let dns_service = grouped.column(schema::DNS_SERVICE)?.str()?;
    let dns_region = grouped.column(schema::DNS_REGION)?.str()?;
    let path_hint = grouped.column(schema::PATH_HINT)?.str()?;
    let bytes = grouped.column(schema::BYTES)?.u64()?;
    let records = grouped.column(schema::RECORDS)?.u64()?;
    let mut merged: BTreeMap<TrafficRow, (u64, u64)> = BTreeMap::new();
    for i in 0..grouped.height() {
        let vpc_region = region.get(i).unwrap_or("").to_string();
        let mut row = classified_row(
            vpc.get(i).unwrap_or(""),
            &vpc_region,
            az.get(i).unwrap_or("-"),
            direction.get(i).unwrap_or("egress"),
            kind.get(i).unwrap_or("private"),
            service.get(i).unwrap_or(""),
            service_region.get(i).unwrap_or(""),
            dns_service.get(i).unwrap_or(""),
            dns_region.get(i).unwrap_or(""),
        );
        row.path = TrafficPath::of_hint(path_hint.get(i).unwrap_or(""), row.class);
        let e = merged.entry(row).or_default();
        e.0 = e.0.saturating_add(bytes.get(i).unwrap_or(0));
        e.1 = e.1.saturating_add(records.get(i).unwrap_or(0));
    }
    let rows = merged
        .into_iter()
        .map(|(mut row, (b, r))| {
            row.bytes = b;
            row.records = r;
            row
        })
        .collect();
    Ok(Observed { rows, interfaces })
}

/// A row (with zero counts) for a classified remote: the destination class and the service
/// naming the report uses. `dns_service`/`dns_region` (may be empty) name the AWS service the
/// workload resolved: it turns an AWS address that ip-ranges cannot name (AMAZON, EC2) into
/// that service's interface-endpoint traffic, in its own region.
#[allow(clippy::too_many_arguments)]
pub fn classified_row(
    vpc_id: &str,
    vpc_region: &str,
    az_id: &str,
    direction: &str,
    kind: &str,
    service: &str,
    service_region: &str,
    dns_service: &str,
    dns_region: &str,
) -> TrafficRow {
    let mut class = dest_class(kind, service, service_region, vpc_region);
    let mut endpoint_service = String::new();
    let nameable = matches!(class, DestClass::AwsService | DestClass::AwsHosted)
        || (class == DestClass::AwsCrossRegion && service_region == "GLOBAL");
    if kind == "aws" && !dns_service.is_empty() && nameable {
        let region = if dns_region.is_empty() {
            vpc_region
        } else {
            dns_region
        };
        if region == vpc_region {
            class = match dns_service {
                "s3" => DestClass::S3,
                "dynamodb" => DestClass::Dynamodb,
                _ => DestClass::AwsService,
            };
            endpoint_service = dns_service.to_string();
        } else {
            class = DestClass::AwsCrossRegion;
        }
    }
    let (service, service_region) = match class {
        DestClass::Internet | DestClass::Private => (String::new(), String::new()),
        DestClass::Ipv6Direct => (service.to_string(), service_region.to_string()),
        _ => (
            service.to_string(),
            if service_region.is_empty() {
                vpc_region.to_string()
            } else {
                service_region.to_string()
            },
        ),
    };
    TrafficRow {
        vpc_id: vpc_id.to_string(),
        region: vpc_region.to_string(),
        az_id: if az_id.is_empty() {
            "-".into()
        } else {
            az_id.to_string()
        },
        direction: direction.to_string(),
        class,
        service,
        service_region,
        endpoint_service,
        path: TrafficPath::of_class(class),
        bytes: 0,
        records: 0,
    }
}

/// Sums the classified flows per VPC and destination, scaled to a month over `window`.
pub fn monthly_traffic(classified: LazyFrame, window: Window) -> Result<Vec<VpcTraffic>> {
    Ok(per_vpc(&traffic_rows(classified)?, window))
}

/// Records and bytes per path over `rows`, every path of [`TrafficPath::ALL`] present.
pub fn path_totals(rows: &[TrafficRow]) -> BTreeMap<TrafficPath, (u64, u64)> {
    let mut out: BTreeMap<TrafficPath, (u64, u64)> =
        TrafficPath::ALL.into_iter().map(|p| (p, (0, 0))).collect();
    for r in rows {
        let e = out.entry(r.path).or_default();
        e.0 = e.0.saturating_add(r.records);
        e.1 = e.1.saturating_add(r.bytes);
    }
    out
}

/// (class, ip-ranges service, service region, DNS-named endpoint service).
type DestKey = (DestClass, String, String, String);

/// Folds rows into per-VPC traffic, scaled to a month over `window`.
pub fn per_vpc(observed: &Observed, window: Window) -> Vec<VpcTraffic> {
    #[derive(Default)]
    struct Acc {
        azs: BTreeSet<String>,
        dests: BTreeMap<DestKey, (u64, u64, u64)>,
        dest_azs: BTreeMap<DestKey, BTreeMap<String, u64>>,
        paths: BTreeMap<(TrafficPath, DestClass), (u64, u64)>,
    }
    let mut vpcs: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for row in &observed.rows {
        let acc = vpcs
            .entry((row.vpc_id.clone(), row.region.clone()))
            .or_default();
        let p = acc.paths.entry((row.path, row.class)).or_default();
        p.0 = p.0.saturating_add(row.bytes);
        p.1 = p.1.saturating_add(row.records);
        if !row.path.priced() {
            continue;
        }
        if row.az_id != "-" && !row.az_id.is_empty() {
            acc.azs.insert(row.az_id.clone());
        }
        let key = (
            row.class,
            row.service.clone(),
            row.service_region.clone(),
            row.endpoint_service.clone(),
        );
        let az_bytes = acc
            .dest_azs
            .entry(key.clone())
            .or_default()
            .entry(row.az_id.clone())
            .or_default();
        *az_bytes = az_bytes.saturating_add(row.bytes);
        let entry = acc.dests.entry(key).or_default();
        if row.direction == "ingress" {
            entry.1 = entry.1.saturating_add(row.bytes);
        } else {
            entry.0 = entry.0.saturating_add(row.bytes);
        }
        entry.2 = entry.2.saturating_add(row.records);
    }
    let factor = window.month_factor();
    vpcs.into_iter()
        .map(|((vpc_id, region), mut acc)| {
            let destinations = acc
                .dests
                .into_iter()
                .map(
                    |((class, service, service_region, named), (eg, ing, recs))| {
                        let by_az = acc
                            .dest_azs
                            .remove(&(
                                class,
                                service.clone(),
                                service_region.clone(),
                                named.clone(),
                            ))
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(az, b)| (az, MonthlyGb(units::gb(b) * factor)))
                            .collect();
                        let endpoint = if !named.is_empty() {
                            Some(named)
                        } else if class.endpoint_eligible() {
                            match endpoint_fit(&service) {
                                EndpointFit::Gateway(n) | EndpointFit::Interface(n) => {
                                    Some(n.to_string())
                                }
                                EndpointFit::None => None,
                            }
                        } else {
                            None
                        };
                        DestTraffic {
                            class,
                            service,
                            service_region,
                            endpoint,
                            egress_bytes: eg,
                            ingress_bytes: ing,
                            records: recs,
                            monthly_gb: units::gb(eg.saturating_add(ing)) * factor,
                            by_az,
                        }
                    },
                )
                .collect();
            let interfaces_seen = observed
                .interfaces
                .get(&(vpc_id.clone(), region.clone()))
                .copied()
                .unwrap_or(0);
            let paths = acc
                .paths
                .into_iter()
                .map(|((path, class), (bytes, records))| PathTraffic {
                    path,
                    class,
                    bytes,
                    records,
                    monthly_gb: units::gb(bytes) * factor,
                })
                .collect();
            VpcTraffic {
                vpc_id,
                region,
                azs_seen: acc.azs.into_iter().collect(),
                interfaces_seen,
                destinations,
                paths,
            }
        })
        .collect()
}

/// Distinct network interfaces per (VPC, region).
fn interfaces_per_vpc(flows: LazyFrame) -> Result<BTreeMap<(String, String), u64>> {
    let df = flows
        .filter(col(schema::INTERFACE_ID).neq(lit("")))
        .group_by([col(schema::VPC_ID), col(schema::REGION)])
        .agg([col(schema::INTERFACE_ID)
            .n_unique()
            .cast(DataType::UInt64)
            .alias("interfaces")])
        .collect()?;
    let vpc = df.column(schema::VPC_ID)?.str()?;
    let region = df.column(schema::REGION)?.str()?;
    let n = df.column("interfaces")?.u64()?;
    Ok((0..df.height())
        .map(|i| {
            (
                (
                    vpc.get(i).unwrap_or("").to_string(),
                    region.get(i).unwrap_or("").to_string(),
                ),
                n.get(i).unwrap_or(0),
            )
        })
        .collect())
}

/// Decides the destination class of a classified remote for a VPC in `vpc_region`.
pub fn dest_class(kind: &str, service: &str, service_region: &str, vpc_region: &str) -> DestClass {
    match kind {
        "aws" => {
            let same_region = service_region.is_empty() || service_region == vpc_region;
            match endpoint_fit(service) {
                EndpointFit::None => DestClass::AwsHosted,
                _ if !same_region => DestClass::AwsCrossRegion,
                EndpointFit::Gateway("s3") => DestClass::S3,
                EndpointFit::Gateway(_) => DestClass::Dynamodb,
                EndpointFit::Interface(_) => DestClass::AwsService,
            }
        }
        "internet" => DestClass::Internet,
        "ipv6" => DestClass::Ipv6Direct,
        _ => DestClass::Private,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(
            dest_class("aws", "S3", "us-east-1", "us-east-1"),
            DestClass::S3
        );
        assert_eq!(
            dest_class("aws", "S3", "us-west-2", "us-east-1"),
            DestClass::AwsCrossRegion
        );
        assert_eq!(
            dest_class("aws", "EC2", "us-east-1", "us-east-1"),
            DestClass::AwsHosted
        );
        assert_eq!(
            dest_class("aws", "AMAZON", "GLOBAL", "us-east-1"),
            DestClass::AwsCrossRegion
        );
        assert_eq!(
            dest_class("aws", "DYNAMODB", "", "eu-west-1"),
            DestClass::Dynamodb
        );
        assert_eq!(
            dest_class("internet", "", "", "eu-west-1"),
            DestClass::Internet
        );
    }

    #[test]
    fn window_factor() {
        let w = Window::new((0, 86_400));
        assert_eq!(
            w.month_factor(),
            Decimal::from(2_628_000) / Decimal::from(86_400)
        );
    }
}
