//! Scenarios: one VPC's monthly traffic and its region's prices in; for each setup (NAT only,
//! gateway endpoints, gateway + interface endpoints, fully private) a list of cost lines out.
//! A scenario's total is the sum of its lines; every line carries its price's source.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::Result;
use crate::pricing::{price_tiers, Item, RegionPrices, TierFallback};
use crate::traffic::{DestClass, VpcTraffic};
use crate::units;

/// The setups compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ScenarioKind {
    #[serde(rename = "nat-only")]
    NatOnly,
    #[serde(rename = "gateway-endpoints")]
    GatewayEndpoints,
    #[serde(rename = "gateway+interface")]
    GatewayInterface,
    /// `gateway+interface` plus an interface endpoint for each service the security policy
    /// lists (built when the policy is a list).
    #[serde(rename = "security-policy")]
    SecurityPolicy,
    #[serde(rename = "fully-private")]
    FullyPrivate,
    /// Gateway endpoints, everything else through NAT instances (`--nat-instance-type`).
    #[serde(rename = "nat-instance")]
    NatInstance,
    /// The endpoints of `gateway+interface`; one regional NAT gateway instead of zonal ones.
    #[serde(rename = "regional-nat")]
    RegionalNat,
    /// The endpoints of `gateway+interface`; NAT gateways with provisioned bandwidth, billed per
    /// provisioned Gbps-hour instead of per GB.
    #[serde(rename = "provisioned-nat")]
    ProvisionedNat,
}

impl ScenarioKind {
    pub const ALL: [ScenarioKind; 4] = [
        ScenarioKind::NatOnly,
        ScenarioKind::GatewayEndpoints,
        ScenarioKind::GatewayInterface,
        ScenarioKind::FullyPrivate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ScenarioKind::NatOnly => "nat-only",
            ScenarioKind::GatewayEndpoints => "gateway-endpoints",
            ScenarioKind::GatewayInterface => "gateway+interface",
            ScenarioKind::SecurityPolicy => "security-policy",
            ScenarioKind::FullyPrivate => "fully-private",
            ScenarioKind::NatInstance => "nat-instance",
            ScenarioKind::RegionalNat => "regional-nat",
            ScenarioKind::ProvisionedNat => "provisioned-nat",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ScenarioKind::NatOnly => "all traffic to the internet and AWS services through NAT gateways",
            ScenarioKind::GatewayEndpoints => "same-region S3 and DynamoDB through free gateway endpoints, the rest through NAT",
            ScenarioKind::GatewayInterface => "gateway endpoints plus an interface endpoint for each AWS service whose volume passes break-even; the rest through NAT",
            ScenarioKind::SecurityPolicy => "gateway endpoints, interface endpoints that pay for themselves, and one for each AWS service the security policy lists whatever its volume; the rest through NAT, removed when none remains",
            ScenarioKind::FullyPrivate => "every AWS service through an endpoint; NAT only for internet traffic, removed when none remains",
            ScenarioKind::NatInstance => "gateway endpoints for S3 and DynamoDB; everything else through NAT instances you run (one per NAT gateway today): no per-GB processing charge, but the instance's bandwidth is the limit and patching, failover and scaling are yours",
            ScenarioKind::RegionalNat => "the endpoints of gateway+interface; the rest through one regional NAT gateway active in each AZ with workloads: billed per hour in each of those AZs, the same per-GB price, no public subnet, and no inter-AZ charge (each AZ's traffic leaves in its own AZ)",
            ScenarioKind::ProvisionedNat => "the endpoints of gateway+interface; the rest through NAT gateways with provisioned bandwidth sized from the observed peak hour: billed per provisioned Gbps-hour instead of per GB (check the feature's terms before relying on it)",
        }
    }
}

/// What a cost line charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    NatGatewayHours,
    NatGatewayData,
    GatewayEndpoint,
    InterfaceEndpointHours,
    InterfaceEndpointData,
    InterAz,
    NatInstanceHours,
    GwlbEndpointHours,
    GwlbEndpointData,
    NatProvisionedBandwidth,
}

impl Component {
    pub fn label(self) -> &'static str {
        match self {
            Component::NatGatewayHours => "NAT gateway hours",
            Component::NatGatewayData => "NAT gateway data processed",
            Component::GatewayEndpoint => "gateway endpoint",
            Component::InterfaceEndpointHours => "interface endpoint hours",
            Component::InterfaceEndpointData => "interface endpoint data processed",
            Component::InterAz => "inter-AZ data transfer",
            Component::NatInstanceHours => "NAT instance hours",
            Component::GwlbEndpointHours => "GWLB endpoint hours",
            Component::GwlbEndpointData => "GWLB endpoint data processed",
            Component::NatProvisionedBandwidth => "NAT gateway provisioned bandwidth",
        }
    }
}

/// One line of a scenario's bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CostLine {
    pub component: Component,
    /// What exactly (e.g. `com.amazonaws.us-east-1.ssm, 2 AZs`).
    pub detail: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// `hour` or `GB`.
    pub unit: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub usd_per_unit: Decimal,
    /// quantity x usd_per_unit, unrounded.
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_usd: Decimal,
    pub price_source: String,
    /// Set when the price is a named fallback, not a listed price (usage beyond the end of a tier
    /// table that stops early, with `--beyond-last-tier last-price`): what was assumed.
    pub fallback: Option<String>,
}

impl CostLine {
    /// A line at a listed price: quantity x price, citing the price's source.
    pub fn priced(
        component: Component,
        detail: impl Into<String>,
        quantity: Decimal,
        unit: &str,
        price: &crate::pricing::Price,
    ) -> CostLine {
        CostLine {
            component,
            detail: detail.into(),
            quantity,
            unit: unit.into(),
            usd_per_unit: price.usd,
            monthly_usd: quantity * price.usd,
            price_source: price.citation(),
            fallback: None,
        }
    }
}

/// A VPC endpoint a scenario builds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointPlan {
    /// `Gateway` or `Interface`.
    pub endpoint_type: String,
    /// Short name (`s3`, `dynamodb`, `other-aws`, `execute-api`...).
    pub service: String,
    /// `com.amazonaws.<region>.<service>`; for `other-aws`, a placeholder to be named by DNS.
    pub service_name: String,
    /// ENIs (one per AZ) for interface endpoints; 0 for gateway endpoints.
    pub azs: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_gb: Decimal,
    /// The endpoint exists today (inventory): kept, not built again.
    pub existing: Option<String>,
    /// A cheaper placement in fewer AZs (at least `--min-azs`), with what it costs in
    /// availability; `None` when every AZ is also the cheapest or it cannot be priced.
    pub fewer_azs: Option<AzOption>,
    /// Cross-region PrivateLink: the region of the AWS service this local interface endpoint
    /// reaches (`--service-region`); absent for same-region endpoints.
    pub service_region: Option<String>,
}

/// An interface endpoint in fewer AZs than there are AZs with workloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AzOption {
    pub azs: u32,
    /// The AZs kept (the ones with the most traffic to the service).
    pub keep: Vec<String>,
    /// Traffic of the other AZs, which would cross to a kept AZ (billed out and in).
    #[serde(with = "rust_decimal::serde::str")]
    pub inter_az_gb: Decimal,
    /// Hours saved minus inter-AZ charges added, per month.
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_saving_usd: Decimal,
}

/// An endpoint the VPC has today (from the inventory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExistingEndpoint {
    pub id: String,
    /// `Gateway`, `Interface` or `GatewayLoadBalancer`.
    pub endpoint_type: String,
    /// Short service name (`s3`, `ssm`), or the full name for non-AWS services.
    pub service: String,
    /// AZs (subnets) of an interface endpoint.
    pub azs: u32,
}

/// What the inventory says about one VPC today; empty without an inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VpcContext {
    /// NAT gateways: (id, AZ).
    pub nat_gateways: Vec<(String, String)>,
    /// Workload AZ -> AZ of the NAT gateway its subnets' default route uses.
    pub nat_route_az: BTreeMap<String, String>,
    pub existing: Vec<ExistingEndpoint>,
    /// Interface-endpoint GB/month of the region's VPCs billed before this one: data tiers apply
    /// per region across all of the account's interface endpoints, so this VPC's endpoints are
    /// billed from this point of the region's month.
    #[serde(with = "rust_decimal::serde::str")]
    pub interface_gb_before: Decimal,
    /// Today's regional NAT gateway (inventory `AvailabilityMode` regional): `nat_gateways` then
    /// lists it once per AZ it is active in, since it bills hours per AZ.
    pub regional_nat: Option<String>,
    /// Observed NAT-routed throughput per hour (from the traffic-over-time series): sizes the
    /// `provisioned-nat` setup.
    pub nat_throughput: Option<Throughput>,
}

/// Observed NAT-routed throughput: the mean of each hour with records, in Gbps (10^9 bit/s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Throughput {
    pub hours: u64,
    #[serde(with = "rust_decimal::serde::str")]
    pub peak_gbps: Decimal,
    /// 95th percentile of the hourly means (nearest rank).
    #[serde(with = "rust_decimal::serde::str")]
    pub p95_gbps: Decimal,
}

impl Throughput {
    /// From observed NAT-routed bytes per hour.
    pub fn from_hourly_bytes(bytes: &[u64]) -> Option<Throughput> {
        if bytes.is_empty() {
            return None;
        }
        let mut gbps: Vec<Decimal> = bytes
            .iter()
            .map(|&b| {
                (Decimal::from(b) * Decimal::from(8)
                    / Decimal::from(3600u32)
                    / Decimal::from(1_000_000_000u64))
                .round_dp(6)
            })
            .collect();
        gbps.sort();
        let n = gbps.len();
        // Nearest rank: the smallest value with at least 95% of the hours at or below it.
        let rank = (n * 95).div_ceil(100).max(1);
        Some(Throughput {
            hours: n as u64,
            peak_gbps: gbps[n - 1],
            p95_gbps: gbps[rank - 1],
        })
    }
}

/// One setup's monthly cost for one VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scenario {
    pub kind: ScenarioKind,
    pub description: String,
    pub lines: Vec<CostLine>,
    pub endpoints: Vec<EndpointPlan>,
    pub nat_gateways: u32,
    /// NAT instances (the `nat-instance` setup).
    pub nat_instances: u32,
    /// GB/month still through NAT.
    #[serde(with = "rust_decimal::serde::str")]
    pub nat_gb: Decimal,
    /// GB/month of endpoint-eligible AWS traffic left on NAT (0 for a secure setup).
    #[serde(with = "rust_decimal::serde::str")]
    pub aws_on_nat_gb: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_usd: Decimal,
}

impl Scenario {
    /// Sum of the lines.
    pub fn total(&self) -> Decimal {
        self.lines.iter().map(|l| l.monthly_usd).sum()
    }

    /// Meets the secure policy: no endpoint-eligible AWS traffic on NAT.
    pub fn is_secure(&self) -> bool {
        self.aws_on_nat_gb.is_zero()
    }
}

/// Break-even of an interface endpoint for one AWS service group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakEven {
    pub service: String,
    pub class: DestClass,
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_gb: Decimal,
    /// GB/month above which an interface endpoint (in `azs` AZs) is cheaper than NAT;
    /// `None` when NAT's per-GB rate is not above the endpoint's.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub break_even_gb: Option<Decimal>,
    pub azs: u32,
    /// Whether the observed volume passes break-even.
    pub passes: bool,
    /// Observed volume as a multiple of the break-even (`2.5` = 2.5 times it; below 1 the
    /// endpoint costs more than NAT on its own); `None` without a break-even.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub times_break_even: Option<Decimal>,
}

/// The recommendation at another traffic volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrowthPoint {
    /// Traffic multiplied by this.
    #[serde(with = "rust_decimal::serde::str")]
    pub factor: Decimal,
    pub recommended: ScenarioKind,
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_usd: Decimal,
}

/// The VPC's traffic scaled by `factor` (every destination and AZ figure).
pub fn scaled(traffic: &VpcTraffic, factor: Decimal) -> VpcTraffic {
    let mut t = traffic.clone();
    for d in &mut t.destinations {
        d.monthly_gb *= factor;
        for gb in d.by_az.values_mut() {
            gb.0 *= factor;
        }
    }
    for p in &mut t.paths {
        p.monthly_gb *= factor;
    }
    t
}

/// Settings for building scenarios.
#[derive(Debug, Clone, Default)]
pub struct ScenarioConfig {
    /// NAT gateways today (default: one per AZ).
    pub nat_gateways: Option<u32>,
    /// AZs with workloads (default: the AZs seen in the logs, or 1 when the logs have no az-id).
    pub azs: Option<u32>,
    /// Fewest AZs an interface endpoint may use (default 2 where the VPC has 2+ AZs).
    pub min_azs: Option<u32>,
    /// Add the `nat-instance` setup with this instance type (and hourly price override).
    pub nat_instance: Option<(String, Option<Decimal>)>,
    /// Internet egress must pass inspection appliances behind a Gateway Load Balancer: every
    /// setup pays a GWLB endpoint per AZ-hour and per GB for the traffic still on NAT.
    pub inspection: bool,
    /// Usage beyond a tier table that stops early: refused, or priced by a named fallback.
    pub tier_fallback: TierFallback,
    /// Endpoint services a security policy keeps on endpoints whatever their volume: adds the
    /// `security-policy` setup (`None`: not built).
    pub policy_services: Option<Vec<String>>,
}

/// The AZ count and NAT gateway count used for a VPC.
pub fn sizing(traffic: &VpcTraffic, config: &ScenarioConfig) -> (u32, u32) {
    sizing_in(traffic, config, &VpcContext::default())
}

/// [`sizing`], with today's NAT gateways from the inventory when the flags do not say; else one
/// per AZ, but none in a VPC whose logs show no traffic through NAT (all its public traffic
/// took an internet gateway or a gateway endpoint, or it has none): NAT gateways the logs give no
/// sign of are not billed today, nor "saved" by a setup without them.
pub fn sizing_in(traffic: &VpcTraffic, config: &ScenarioConfig, ctx: &VpcContext) -> (u32, u32) {
    let azs = config.azs.unwrap_or(traffic.azs_seen.len() as u32).max(1);
    let nat = config
        .nat_gateways
        .unwrap_or(if !ctx.nat_gateways.is_empty() {
            ctx.nat_gateways.len() as u32
        } else if traffic.nat_routed_gb().is_zero() {
            0
        } else {
            azs
        });
    (azs, nat)
}

/// Interface-endpoint break-even GB/month for `azs` AZs: azs x 730 h x hourly / (NAT rate - endpoint rate).
pub fn break_even_gb(prices: &RegionPrices, azs: u32) -> Result<Option<Decimal>> {
    let nat_gb = prices.price(Item::NatGatewayPerGb)?.usd;
    let ep_gb = prices.price(Item::InterfaceEndpointPerGb)?.usd;
    let ep_hour = prices.price(Item::InterfaceEndpointHourlyPerAz)?.usd;
    let margin = nat_gb - ep_gb;
    if margin <= Decimal::ZERO {
        return Ok(None);
    }
    Ok(Some(
        Decimal::from(azs) * units::hours_per_month() * ep_hour / margin,
    ))
}

/// AWS service groups that an interface endpoint could carry (same-region, not S3/DynamoDB),
/// with their break-even.
pub fn break_evens(
    traffic: &VpcTraffic,
    prices: &RegionPrices,
    azs: u32,
) -> Result<Vec<BreakEven>> {
    let groups = endpoint_groups(traffic);
    let be = if groups.iter().any(|g| g.class == DestClass::AwsService) {
        break_even_gb(prices, azs)?
    } else {
        None
    };
    let mut out = Vec::new();
    for group in groups {
        out.push(BreakEven {
            passes: group.class == DestClass::AwsService
                && be.is_some_and(|b| group.monthly_gb > b),
            service: group.service,
            class: group.class,
            monthly_gb: group.monthly_gb,
            break_even_gb: if group.class == DestClass::AwsService {
                be
            } else {
                Some(Decimal::ZERO)
            },
            azs,
            times_break_even: match be {
                Some(b) if group.class == DestClass::AwsService && b > Decimal::ZERO => {
                    Some((group.monthly_gb / b).round_dp(4))
                }
                _ => None,
            },
        });
    }
    // Cross-region PrivateLink candidates, named `service (region)`.
    for x in cross_region_options(traffic, prices, azs)? {
        out.push(BreakEven {
            service: format!("{} ({})", x.service, x.service_region),
            class: DestClass::AwsCrossRegion,
            monthly_gb: x.monthly_gb,
            break_even_gb: x.break_even_gb,
            azs: x.azs,
            passes: x.passes,
            times_break_even: match x.break_even_gb {
                Some(b) if b > Decimal::ZERO => Some((x.monthly_gb / b).round_dp(4)),
                _ => None,
            },
        });
    }
    Ok(out)
}

/// Endpoint-eligible traffic grouped by endpoint service.
#[derive(Debug, Clone)]
struct Group {
    service: String,
    class: DestClass,
    monthly_gb: Decimal,
    by_az: BTreeMap<String, Decimal>,
}

fn endpoint_groups(traffic: &VpcTraffic) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for d in traffic
        .destinations
        .iter()
        .filter(|d| d.class.endpoint_eligible() && d.monthly_gb > Decimal::ZERO)
    {
        let Some(service) = &d.endpoint else { continue };
        let g = match groups.iter_mut().position(|g| &g.service == service) {
            Some(i) => &mut groups[i],
            None => {
                groups.push(Group {
                    service: service.clone(),
                    class: d.class,
                    monthly_gb: Decimal::ZERO,
                    by_az: BTreeMap::new(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        g.monthly_gb += d.monthly_gb;
        for (az, gb) in &d.by_az {
            *g.by_az.entry(az.clone()).or_default() += gb.0;
        }
    }
    groups.sort_by(|a, b| (a.class, &a.service).cmp(&(b.class, &b.service)));
    groups
}

/// Builds the four scenarios for one VPC.
pub fn build_scenarios(
    traffic: &VpcTraffic,
    prices: &RegionPrices,
    config: &ScenarioConfig,
) -> Result<Vec<Scenario>> {
    build_scenarios_in(traffic, prices, config, &VpcContext::default())
}

/// Builds the four scenarios for one VPC with what the inventory says about it today:
/// its NAT gateways (count, and the AZ each subnet's route reaches, for inter-AZ charges) and
/// its existing endpoints (kept in every setup, never built twice).
pub fn build_scenarios_in(
    traffic: &VpcTraffic,
    prices: &RegionPrices,
    config: &ScenarioConfig,
    ctx: &VpcContext,
) -> Result<Vec<Scenario>> {
    let (azs, nat_gateways) = sizing_in(traffic, config, ctx);
    let groups = endpoint_groups(traffic);
    let existing_gateway: BTreeMap<&str, &ExistingEndpoint> = ctx
        .existing
        .iter()
        .filter(|e| e.endpoint_type == "Gateway")
        .map(|e| (e.service.as_str(), e))
        .collect();
    let existing_interface: BTreeMap<&str, &ExistingEndpoint> = ctx
        .existing
        .iter()
        .filter(|e| e.endpoint_type == "Interface")
        .map(|e| (e.service.as_str(), e))
        .collect();
    // Interface prices are needed only when some traffic could use an interface endpoint.
    let be = if groups.iter().any(|g| g.class == DestClass::AwsService) {
        break_even_gb(prices, azs)?
    } else {
        None
    };
    let nat_gb_total = traffic.nat_routed_gb();
    let mut out = Vec::new();
    let mut kinds = ScenarioKind::ALL.to_vec();
    if config.policy_services.is_some() {
        let at = kinds
            .iter()
            .position(|k| *k == ScenarioKind::FullyPrivate)
            .unwrap_or(kinds.len());
        kinds.insert(at, ScenarioKind::SecurityPolicy);
    }
    let listed = |service: &str| {
        config
            .policy_services
            .as_ref()
            .is_some_and(|l| l.iter().any(|s| s == service))
    };
    let nat_instance = match &config.nat_instance {
        Some((t, hourly)) => {
            kinds.push(ScenarioKind::NatInstance);
            Some(crate::pricing::nat_instance_price(
                t,
                &traffic.region,
                *hourly,
            )?)
        }
        None => None,
    };
    let regional_prices = match (
        prices.price(Item::RegionalNatGatewayHourly),
        prices.price(Item::RegionalNatGatewayPerGb),
    ) {
        (Ok(h), Ok(g)) => Some((h, g)),
        _ => None,
    };
    if regional_prices.is_some() {
        kinds.push(ScenarioKind::RegionalNat);
    }
    // Provisioned-bandwidth NAT only where its prices are known and the logs have hours.
    let provisioned = match (
        prices.price(Item::NatGatewayProvisionedGbpsHourly),
        prices.price(Item::NatGatewayProvisionedPerGb),
        &ctx.nat_throughput,
    ) {
        (Ok(h), Ok(g), Some(t)) if t.peak_gbps > Decimal::ZERO => Some((h, g, t)),
        _ => None,
    };
    if provisioned.is_some() {
        kinds.push(ScenarioKind::ProvisionedNat);
    }
    let cross = cross_region_options(traffic, prices, azs)?;
    for kind in kinds {
        // Which groups move off NAT, and how.
        let mut gateway = Vec::new();
        let mut interface = Vec::new();
        for g in &groups {
            let is_gateway = g.class != DestClass::AwsService;
            if is_gateway && existing_gateway.contains_key(g.service.as_str()) {
                gateway.push(g); // there today, in every setup
                continue;
            }
            if !is_gateway
                && existing_interface.contains_key(g.service.as_str())
                && kind != ScenarioKind::NatOnly
            {
                interface.push(g); // its hours are paid already: only data moves
                continue;
            }
            match kind {
                ScenarioKind::NatOnly => {}
                ScenarioKind::GatewayEndpoints if is_gateway => gateway.push(g),
                ScenarioKind::GatewayEndpoints => {}
                ScenarioKind::GatewayInterface
                | ScenarioKind::RegionalNat
                | ScenarioKind::ProvisionedNat
                    if is_gateway =>
                {
                    gateway.push(g)
                }
                ScenarioKind::GatewayInterface
                | ScenarioKind::RegionalNat
                | ScenarioKind::ProvisionedNat => {
                    if be.is_some_and(|b| g.monthly_gb > b) {
                        interface.push(g)
                    }
                }
                ScenarioKind::SecurityPolicy if is_gateway => gateway.push(g),
                ScenarioKind::SecurityPolicy => {
                    if listed(&g.service) || be.is_some_and(|b| g.monthly_gb > b) {
                        interface.push(g)
                    }
                }
                ScenarioKind::FullyPrivate if is_gateway => gateway.push(g),
                ScenarioKind::FullyPrivate => interface.push(g),
                ScenarioKind::NatInstance if is_gateway => gateway.push(g),
                ScenarioKind::NatInstance => {}
            }
        }
        // Cross-region PrivateLink: in the interface setups where it passes break-even, and
        // wherever possible in fully-private.
        let crossing: Vec<&CrossRegionOption> = cross
            .iter()
            .filter(|x| match kind {
                ScenarioKind::GatewayInterface
                | ScenarioKind::RegionalNat
                | ScenarioKind::ProvisionedNat => x.passes,
                ScenarioKind::FullyPrivate => true,
                _ => false,
            })
            .collect();
        let moved_same: Decimal = gateway
            .iter()
            .chain(interface.iter())
            .map(|g| g.monthly_gb)
            .sum();
        let moved = moved_same + crossing.iter().map(|x| x.monthly_gb).sum::<Decimal>();
        let nat_gb = nat_gb_total - moved;
        let eligible_total: Decimal = groups.iter().map(|g| g.monthly_gb).sum();
        let aws_on_nat_gb = eligible_total - moved_same;
        let keep_nat = !matches!(
            kind,
            ScenarioKind::FullyPrivate | ScenarioKind::SecurityPolicy
        ) || nat_gb > Decimal::ZERO;
        let nat_count = if keep_nat { nat_gateways } else { 0 };
        let mut lines = Vec::new();
        let mut endpoints = Vec::new();
        let instance = match (kind, &nat_instance) {
            (ScenarioKind::NatInstance, Some(p)) => Some(p),
            _ => None,
        };
        if let (Some(p), true) = (instance, nat_count > 0) {
            let hours = Decimal::from(nat_count) * units::hours_per_month();
            lines.push(CostLine {
                component: Component::NatInstanceHours,
                detail: format!(
                    "{nat_count} {} NAT instance(s) x {} h ({}; no per-GB processing charge)",
                    p.instance_type,
                    units::HOURS_PER_MONTH,
                    p.network
                ),
                quantity: hours,
                unit: "hour".into(),
                usd_per_unit: p.usd_per_hour,
                monthly_usd: hours * p.usd_per_hour,
                price_source: format!("{} (as of {})", p.source, p.as_of),
                fallback: None,
            });
        } else if nat_count > 0 {
            // The regional-nat setup, and today's regional NAT gateway, bill hours per active AZ
            // at the regional usage types where priced.
            let regional_today = ctx.regional_nat.is_some() && kind != ScenarioKind::ProvisionedNat;
            let h = units::HOURS_PER_MONTH;
            let (hourly, per_gb, count, what) = match (kind, regional_today, regional_prices) {
                (ScenarioKind::RegionalNat, _, Some((hr, g))) => (
                    hr,
                    g,
                    azs,
                    format!("1 regional NAT gateway active in {azs} AZ(s) x {h} h (billed per AZ it is active in)"),
                ),
                (_, true, Some((hr, g))) => (
                    hr,
                    g,
                    nat_count,
                    format!("{nat_count} NAT gateway(s) x {h} h (regional NAT gateway: hours per active AZ)"),
                ),
                (_, true, None) => (
                    prices.price(Item::NatGatewayHourly)?,
                    prices.price(Item::NatGatewayPerGb)?,
                    nat_count,
                    format!("{nat_count} NAT gateway(s) x {h} h (regional NAT gateway, hours per active AZ, at the zonal prices: no regional NAT price for the region)"),
                ),
                _ => (
                    prices.price(Item::NatGatewayHourly)?,
                    prices.price(Item::NatGatewayPerGb)?,
                    nat_count,
                    format!("{nat_count} NAT gateway(s) x {h} h"),
                ),
            };
            lines.push(CostLine::priced(
                Component::NatGatewayHours,
                what,
                Decimal::from(count) * units::hours_per_month(),
                "hour",
                hourly,
            ));
            if let (ScenarioKind::ProvisionedNat, Some((gbps_hour, prvd_gb, t))) =
                (kind, provisioned)
            {
                let gbps = provisioned_gbps(t, nat_gb, nat_gb_total);
                let q = gbps * units::hours_per_month();
                lines.push(CostLine::priced(
                    Component::NatProvisionedBandwidth,
                    format!(
                        "{gbps} Gbps provisioned x {} h: the observed peak hour {} Gbps (95th percentile {} Gbps, {} hours) scaled to the traffic still on NAT and rounded up to a whole Gbps (assumed granularity; check the feature's terms)",
                        units::HOURS_PER_MONTH,
                        t.peak_gbps.normalize(),
                        t.p95_gbps.normalize(),
                        t.hours
                    ),
                    q,
                    "Gbps-hour",
                    gbps_hour,
                ));
                lines.push(CostLine::priced(
                    Component::NatGatewayData,
                    "traffic still through NAT, both directions, at the provisioned-bandwidth data price",
                    nat_gb,
                    "GB",
                    prvd_gb,
                ));
            } else {
                lines.push(CostLine::priced(
                    Component::NatGatewayData,
                    "traffic still through NAT, both directions",
                    nat_gb,
                    "GB",
                    per_gb,
                ));
            }
        }
        // Inter-AZ: NAT traffic from an AZ whose route leads to another AZ's NAT gateway (a
        // regional NAT gateway has no such hairpin).
        if nat_count > 0 && !ctx.nat_route_az.is_empty() && kind != ScenarioKind::RegionalNat {
            let mut on_nat: BTreeMap<String, Decimal> = BTreeMap::new();
            for d in traffic.destinations.iter().filter(|d| d.class.nat_routed()) {
                for (az, gb) in &d.by_az {
                    *on_nat.entry(az.clone()).or_default() += gb.0;
                }
            }
            for g in gateway.iter().chain(interface.iter()) {
                for (az, gb) in &g.by_az {
                    *on_nat.entry(az.clone()).or_default() -= *gb;
                }
            }
            for x in &crossing {
                for (az, gb) in &x.by_az {
                    *on_nat.entry(az.clone()).or_default() -= *gb;
                }
            }
            let rate = if on_nat.iter().any(|(az, gb)| {
                *gb > Decimal::ZERO && ctx.nat_route_az.get(az).is_some_and(|n| n != az)
            }) {
                Some(prices.price(Item::InterAzPerGb)?)
            } else {
                None
            };
            for (az, gb) in on_nat.iter().filter(|(_, gb)| **gb > Decimal::ZERO) {
                let (Some(nat_az), Some(rate)) = (ctx.nat_route_az.get(az), rate) else {
                    continue;
                };
                if nat_az == az {
                    continue;
                }
                // AWS bills inter-AZ transfer on both sides: out of one AZ and into the other.
                for detail in [
                    format!(
                        "NAT traffic of {az} via the NAT gateway in {nat_az}: billed out of {az}"
                    ),
                    format!(
                        "NAT traffic of {az} via the NAT gateway in {nat_az}: billed into {nat_az}"
                    ),
                ] {
                    lines.push(CostLine {
                        component: Component::InterAz,
                        detail,
                        quantity: *gb,
                        unit: "GB".into(),
                        usd_per_unit: rate.usd,
                        monthly_usd: *gb * rate.usd,
                        price_source: rate.citation(),
                        fallback: None,
                    });
                }
            }
        }
        // Inspection: internet egress passes a Gateway Load Balancer endpoint in each AZ.
        if config.inspection && nat_count > 0 {
            let hourly = prices.price(Item::GwlbEndpointHourly)?;
            let hours = Decimal::from(azs) * units::hours_per_month();
            lines.push(CostLine::priced(
                Component::GwlbEndpointHours,
                format!(
                    "inspection: GWLB endpoint, {azs} AZ(s) x {} h (appliances not included)",
                    units::HOURS_PER_MONTH
                ),
                hours,
                "hour",
                hourly,
            ));
            let per_gb = prices.price(Item::GwlbEndpointPerGb)?;
            lines.push(CostLine::priced(
                Component::GwlbEndpointData,
                "inspection: egress still through NAT, both directions",
                nat_gb,
                "GB",
                per_gb,
            ));
        }
        // Interface endpoints that exist today bill their hours in every setup.
        for e in &ctx.existing {
            if e.endpoint_type != "Interface" {
                continue;
            }
            let hourly = prices.price(Item::InterfaceEndpointHourlyPerAz)?;
            let hours = Decimal::from(e.azs.max(1)) * units::hours_per_month();
            lines.push(CostLine::priced(
                Component::InterfaceEndpointHours,
                format!(
                    "existing {} ({}), {} AZ(s) x {} h",
                    e.id,
                    e.service,
                    e.azs.max(1),
                    units::HOURS_PER_MONTH
                ),
                hours,
                "hour",
                hourly,
            ));
        }
        for g in &gateway {
            let service_name = format!("com.amazonaws.{}.{}", traffic.region, g.service);
            let existing = existing_gateway
                .get(g.service.as_str())
                .map(|e| e.id.clone());
            lines.push(CostLine {
                component: Component::GatewayEndpoint,
                detail: match &existing {
                    Some(id) => format!("{service_name} (existing {id})"),
                    None => service_name.clone(),
                },
                quantity: g.monthly_gb,
                unit: "GB".into(),
                usd_per_unit: Decimal::ZERO,
                monthly_usd: Decimal::ZERO,
                price_source: GATEWAY_ENDPOINT_SOURCE.into(),
                fallback: None,
            });
            endpoints.push(EndpointPlan {
                endpoint_type: "Gateway".into(),
                service: g.service.clone(),
                service_name,
                azs: 0,
                monthly_gb: g.monthly_gb,
                existing,
                fewer_azs: None,
                service_region: None,
            });
        }
        let mut billed_gb = ctx.interface_gb_before;
        for g in &interface {
            let service_name = if g.service == "other-aws" {
                format!("com.amazonaws.{}.<service named by DNS>", traffic.region)
            } else {
                format!("com.amazonaws.{}.{}", traffic.region, g.service)
            };
            let existing = existing_interface
                .get(g.service.as_str())
                .map(|e| e.id.clone());
            if existing.is_none() {
                let hourly = prices.price(Item::InterfaceEndpointHourlyPerAz)?;
                let hours = Decimal::from(azs) * units::hours_per_month();
                lines.push(CostLine::priced(
                    Component::InterfaceEndpointHours,
                    format!("{service_name}, {azs} AZ(s) x {} h", units::HOURS_PER_MONTH),
                    hours,
                    "hour",
                    hourly,
                ));
            }
            lines.extend(interface_data_lines(
                prices,
                &service_name,
                billed_gb,
                g.monthly_gb,
                config.tier_fallback,
            )?);
            billed_gb += g.monthly_gb;
            let fewer_azs = match existing {
                None => fewer_azs_option(g, &traffic.azs_seen, azs, config.min_azs, prices),
                Some(_) => None,
            };
            endpoints.push(EndpointPlan {
                endpoint_type: "Interface".into(),
                service: g.service.clone(),
                service_name,
                azs: existing_interface
                    .get(g.service.as_str())
                    .map_or(azs, |e| e.azs.max(1)),
                monthly_gb: g.monthly_gb,
                existing,
                fewer_azs,
                service_region: None,
            });
        }
        for x in &crossing {
            let hourly = prices.price(Item::InterfaceEndpointHourlyPerAz)?;
            let hours = Decimal::from(x.azs) * units::hours_per_month();
            let excluded = if x.excluded_azs.is_empty() {
                String::new()
            } else {
                format!(
                    "; not in {} (AWS lists no cross-region access there)",
                    x.excluded_azs.join(", ")
                )
            };
            lines.push(CostLine::priced(
                Component::InterfaceEndpointHours,
                format!(
                    "{} reached from {} (cross-region PrivateLink), {} AZ(s) x {} h{excluded}",
                    x.service_name,
                    traffic.region,
                    x.azs,
                    units::HOURS_PER_MONTH
                ),
                hours,
                "hour",
                hourly,
            ));
            lines.extend(interface_data_lines(
                prices,
                &format!("{} (cross-region)", x.service_name),
                billed_gb,
                x.monthly_gb,
                config.tier_fallback,
            )?);
            billed_gb += x.monthly_gb;
            if x.crossing_gb > Decimal::ZERO {
                let rate = prices.price(Item::InterAzPerGb)?;
                for side in ["out of", "into"] {
                    lines.push(CostLine::priced(
                        Component::InterAz,
                        format!(
                            "traffic of {} to the cross-region endpoint in another AZ: billed {side} an AZ",
                            x.excluded_azs.join(", ")
                        ),
                        x.crossing_gb,
                        "GB",
                        rate,
                    ));
                }
            }
            endpoints.push(EndpointPlan {
                endpoint_type: "Interface".into(),
                service: x.service.clone(),
                service_name: x.service_name.clone(),
                azs: x.azs,
                monthly_gb: x.monthly_gb,
                existing: None,
                fewer_azs: None,
                service_region: Some(x.service_region.clone()),
            });
        }
        let mut scenario = Scenario {
            kind,
            description: kind.describe().into(),
            lines,
            endpoints,
            nat_gateways: match (kind, &instance) {
                (_, Some(_)) => 0,
                (ScenarioKind::RegionalNat, None) => nat_count.min(1),
                _ => nat_count,
            },
            nat_instances: if instance.is_some() { nat_count } else { 0 },
            nat_gb,
            aws_on_nat_gb,
            monthly_usd: Decimal::ZERO,
        };
        scenario.monthly_usd = scenario.total();
        out.push(scenario);
    }
    Ok(out)
}

/// The cheapest placement of an interface endpoint in fewer than all `azs` workload AZs (at
/// least `min_azs`, default 2 where there are 2+): keep the AZs with the most traffic to the
/// service; the others' traffic crosses AZs, billed out of one and into the other. `None` when
/// the AZs are not named in the logs, no fewer placement saves money, or there is no inter-AZ
/// price for the region.
fn fewer_azs_option(
    g: &Group,
    azs_seen: &[String],
    azs: u32,
    min_azs: Option<u32>,
    prices: &RegionPrices,
) -> Option<AzOption> {
    let n = azs as usize;
    if azs_seen.len() != n || n < 2 {
        return None;
    }
    let floor = min_azs.unwrap_or(2).max(1) as usize;
    if floor >= n {
        return None;
    }
    let hourly = prices.price(Item::InterfaceEndpointHourlyPerAz).ok()?.usd;
    let inter_az = prices.price(Item::InterAzPerGb).ok()?.usd;
    let mut ranked: Vec<(&String, Decimal)> = azs_seen
        .iter()
        .map(|az| (az, g.by_az.get(az).copied().unwrap_or_default()))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut best: Option<AzOption> = None;
    for k in floor..n {
        let crossing: Decimal = ranked[k..].iter().map(|(_, gb)| *gb).sum();
        let saving = Decimal::from((n - k) as u32) * units::hours_per_month() * hourly
            - crossing * Decimal::from(2) * inter_az;
        if saving > Decimal::ZERO && best.as_ref().is_none_or(|b| saving > b.monthly_saving_usd) {
            let mut keep: Vec<String> = ranked[..k].iter().map(|(az, _)| (*az).clone()).collect();
            keep.sort();
            best = Some(AzOption {
                azs: k as u32,
                keep,
                inter_az_gb: crossing,
                monthly_saving_usd: saving,
            });
        }
    }
    best
}

/// Reasons about the 2025-2026 options for one VPC: what the regional-nat and provisioned-nat
/// setups change against zonal NAT gateways, cross-region PrivateLink endpoints, and IPv6
/// traffic to S3 that bypasses an IPv4-only gateway endpoint.
pub fn setup_reasons(traffic: &VpcTraffic, scenarios: &[Scenario]) -> Vec<String> {
    let usd = crate::text::fmt_usd;
    let gb = crate::text::fmt_gb;
    let mut out = Vec::new();
    let find = |k: ScenarioKind| scenarios.iter().find(|s| s.kind == k);
    let sum = |s: &Scenario, c: Component| -> Decimal {
        s.lines
            .iter()
            .filter(|l| l.component == c)
            .map(|l| l.monthly_usd)
            .sum()
    };
    if let (Some(r), Some(z)) = (
        find(ScenarioKind::RegionalNat),
        find(ScenarioKind::GatewayInterface),
    ) {
        if r.nat_gateways > 0 {
            let hours_r = sum(r, Component::NatGatewayHours);
            let hours_z = sum(z, Component::NatGatewayHours);
            let inter_az = sum(z, Component::InterAz);
            out.push(format!(
                "`regional-nat` against zonal NAT gateways (`gateway+interface`): one gateway billed per hour in each AZ it is active in ({} of hours, against {} for {} zonal gateway(s)), the same per-GB price, no public subnet, and no inter-AZ hairpin ({} of inter-AZ charges today's routes add); {} against {} a month.",
                usd(hours_r),
                usd(hours_z),
                z.nat_gateways,
                usd(inter_az),
                usd(r.total()),
                usd(z.total())
            ));
        }
    }
    if let Some(p) = find(ScenarioKind::ProvisionedNat) {
        if let Some(l) = p
            .lines
            .iter()
            .find(|l| l.component == Component::NatProvisionedBandwidth)
        {
            out.push(format!(
                "`provisioned-nat`: {}, {} a month in all. The Price List carries these prices but no launch announcement was found: check the feature's terms (granularity, bursts above the provisioned rate) before relying on it.",
                l.detail,
                usd(p.total())
            ));
        }
    }
    let mut cross: Vec<String> = scenarios
        .iter()
        .flat_map(|s| &s.endpoints)
        .filter_map(|e| {
            e.service_region
                .as_ref()
                .map(|r| format!("`{}` in {r} ({} GB/month)", e.service, gb(e.monthly_gb)))
        })
        .collect();
    cross.sort();
    cross.dedup();
    if !cross.is_empty() {
        out.push(format!(
            "Cross-region PrivateLink: AWS-service traffic to another region ({}) can use a local interface endpoint with cross-region access (--service-region): endpoint hours and GB instead of NAT processing; the inter-region data transfer is paid either way. It is built where it passes break-even (and in fully-private); IAM needs vpce:AllowMultiRegion.",
            cross.join(", ")
        ));
    }
    let v6_s3: Decimal = traffic
        .destinations
        .iter()
        .filter(|d| d.class == DestClass::Ipv6Direct && d.service == "S3")
        .map(|d| d.monthly_gb)
        .sum();
    if v6_s3 > Decimal::ZERO {
        out.push(format!(
            "IPv6 traffic to S3 ({} GB/month) leaves through the egress-only gateway: since Nov 2025 an S3 gateway endpoint can be dual-stack (IpAddressType dualstack), while an existing IPv4 one lets IPv6 clients bypass it. It costs nothing either way; a dual-stack endpoint puts that traffic under the endpoint policy too.",
            gb(v6_s3)
        ));
    }
    out
}

/// Provisioned Gbps for the traffic still on NAT: the observed peak hour scaled by the share of
/// NAT-routed GB that stays on NAT, rounded up to a whole Gbps (at least 1).
pub fn provisioned_gbps(t: &Throughput, nat_gb: Decimal, nat_gb_total: Decimal) -> Decimal {
    let share = if nat_gb_total > Decimal::ZERO {
        nat_gb / nat_gb_total
    } else {
        Decimal::ONE
    };
    (t.peak_gbps * share).ceil().max(Decimal::ONE)
}

/// Services an interface endpoint can reach in another region, and the AZs where it cannot
/// (`data/cross-region-privatelink.csv`).
pub struct CrossRegionTable {
    /// Endpoint service short name (`s3`, `kms`, `ecr.dkr`...) -> its source.
    pub services: BTreeMap<String, String>,
    pub excluded_azs: BTreeMap<String, String>,
}

const EMBEDDED_CROSS_REGION: &str = include_str!("../../data/cross-region-privatelink.csv");

/// The shipped cross-region PrivateLink table.
pub fn cross_region_table() -> Result<CrossRegionTable> {
    let mut reader = csv::Reader::from_reader(EMBEDDED_CROSS_REGION.as_bytes());
    let mut t = CrossRegionTable {
        services: BTreeMap::new(),
        excluded_azs: BTreeMap::new(),
    };
    for (i, rec) in reader.records().enumerate() {
        let bad = |reason: String| crate::Error::PriceRow {
            path: "data/cross-region-privatelink.csv".into(),
            line: i as u64 + 2,
            reason,
        };
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        if rec.len() != 3 {
            return Err(bad(format!("expected 3 columns, found {}", rec.len())));
        }
        match &rec[0] {
            "service" => t.services.insert(rec[1].to_string(), rec[2].to_string()),
            "excluded_az" => t
                .excluded_azs
                .insert(rec[1].to_string(), rec[2].to_string()),
            other => {
                return Err(bad(format!(
                    "unknown kind '{other}' (service, excluded_az)"
                )))
            }
        };
    }
    Ok(t)
}

/// Cross-region AWS traffic a local interface endpoint with cross-region access could carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossRegionOption {
    pub service: String,
    pub service_region: String,
    /// `com.amazonaws.<service region>.<service>`.
    pub service_name: String,
    pub monthly_gb: Decimal,
    pub by_az: BTreeMap<String, Decimal>,
    /// ENIs: the workload AZs where cross-region access is offered.
    pub azs: u32,
    /// Workload AZs where it is not: their traffic crosses to another AZ.
    pub excluded_azs: Vec<String>,
    pub crossing_gb: Decimal,
    /// GB/month above which the endpoint is cheaper than NAT (first data tier).
    pub break_even_gb: Option<Decimal>,
    pub passes: bool,
}

/// The cross-region options of a VPC: traffic to another region's S3 (by ip-ranges) or to a
/// service DNS named that AWS lists for cross-region PrivateLink, grouped by service and region.
/// Empty when the region has no interface-endpoint prices (the traffic then stays on NAT).
/// Inter-region data transfer is paid the same through NAT or the endpoint, so it does not
/// enter the comparison.
pub fn cross_region_options(
    traffic: &VpcTraffic,
    prices: &RegionPrices,
    azs: u32,
) -> Result<Vec<CrossRegionOption>> {
    let table = cross_region_table()?;
    let mut groups: BTreeMap<(String, String), (Decimal, BTreeMap<String, Decimal>)> =
        BTreeMap::new();
    for d in traffic
        .destinations
        .iter()
        .filter(|d| d.class == DestClass::AwsCrossRegion && d.monthly_gb > Decimal::ZERO)
    {
        let service = match (&d.endpoint, d.service.as_str()) {
            (Some(e), _) if table.services.contains_key(e) => e.clone(),
            (_, "S3") => "s3".to_string(),
            _ => continue,
        };
        if d.service_region.is_empty()
            || d.service_region == "GLOBAL"
            || d.service_region == traffic.region
        {
            continue;
        }
        let g = groups
            .entry((service, d.service_region.clone()))
            .or_default();
        g.0 += d.monthly_gb;
        for (az, gb) in &d.by_az {
            *g.1.entry(az.clone()).or_default() += gb.0;
        }
    }
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let (Ok(nat), Ok(ep_hour), Ok(ep_gb)) = (
        prices.price(Item::NatGatewayPerGb),
        prices.price(Item::InterfaceEndpointHourlyPerAz),
        prices.price(Item::InterfaceEndpointPerGb),
    ) else {
        return Ok(Vec::new());
    };
    let inter_az = prices.price(Item::InterAzPerGb).ok().map(|p| p.usd);
    let excluded: Vec<String> = traffic
        .azs_seen
        .iter()
        .filter(|a| table.excluded_azs.contains_key(*a))
        .cloned()
        .collect();
    let eni_azs = azs.saturating_sub(excluded.len() as u32);
    let mut out = Vec::new();
    for ((service, region), (gb, by_az)) in groups {
        let crossing: Decimal = excluded.iter().filter_map(|a| by_az.get(a)).sum();
        if eni_azs == 0 || (crossing > Decimal::ZERO && inter_az.is_none()) {
            continue;
        }
        let fixed = Decimal::from(eni_azs) * units::hours_per_month() * ep_hour.usd;
        let margin = nat.usd - ep_gb.usd;
        let crossing_cost = crossing * Decimal::from(2) * inter_az.unwrap_or_default();
        let break_even = (margin > Decimal::ZERO).then(|| fixed / margin);
        let passes = fixed + gb * ep_gb.usd + crossing_cost < gb * nat.usd;
        out.push(CrossRegionOption {
            // IAM and Route 53 are global names (no region in them).
            service_name: if matches!(service.as_str(), "iam" | "route53") {
                format!("com.amazonaws.{service}")
            } else {
                format!("com.amazonaws.{region}.{service}")
            },
            service,
            service_region: region,
            monthly_gb: gb,
            by_az,
            azs: eni_azs,
            excluded_azs: excluded.clone(),
            crossing_gb: crossing,
            break_even_gb: break_even,
            passes,
        });
    }
    Ok(out)
}

/// Interface-endpoint data lines for `gb` billed from `offset_gb` of the region's month: one
/// per tier touched; usage beyond a table that stops early is refused, or billed by the named
/// fallback and marked on its line.
pub fn interface_data_lines(
    prices: &RegionPrices,
    service_name: &str,
    offset_gb: Decimal,
    gb: Decimal,
    fallback: TierFallback,
) -> Result<Vec<CostLine>> {
    let parts = price_tiers(
        prices,
        Item::InterfaceEndpointPerGb,
        offset_gb,
        gb,
        fallback,
    )?;
    Ok(parts
        .into_iter()
        .map(|p| {
            if p.fallback {
                let end = p.tier.end_gb.unwrap_or_default();
                let note = format!(
                    "fallback last-price: {} lists tiers only up to {end} GB a month; GB beyond are billed at its last listed price ${} (AWS's tiers only fall, so this is an upper bound)",
                    p.tier.price.usage_type,
                    p.tier.price.usd.normalize()
                );
                let mut line = CostLine::priced(
                    Component::InterfaceEndpointData,
                    format!("{service_name}, beyond the listed tiers (from {end} GB): FALLBACK last-price"),
                    p.gb,
                    "GB",
                    &p.tier.price,
                );
                line.price_source = format!("FALLBACK last-price, not a listed price: {}", line.price_source);
                line.fallback = Some(note);
                line
            } else {
                CostLine::priced(
                    Component::InterfaceEndpointData,
                    format!("{service_name}, tier from {} GB", p.tier.begin_gb),
                    p.gb,
                    "GB",
                    &p.tier.price,
                )
            }
        })
        .collect())
}

/// Source cited for the (zero) price of gateway endpoints.
pub const GATEWAY_ENDPOINT_SOURCE: &str =
    "AWS VPC pricing: gateway endpoints (S3, DynamoDB) have no hourly or data processing charge";
