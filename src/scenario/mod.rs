//! Scenarios: one VPC's monthly traffic and its region's prices in; for each setup (NAT only,
//! gateway endpoints, gateway + interface endpoints, fully private) a list of cost lines out.
//! A scenario's total is the sum of its lines; every line carries its price's source.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::Result;
use crate::pricing::{split_tiers, Item, RegionPrices};
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
    /// Endpoint services a security policy keeps on endpoints whatever their volume: adds the
    /// `security-policy` setup (`None`: not built).
    pub policy_services: Option<Vec<String>>,
}

/// The AZ count and NAT gateway count used for a VPC.
pub fn sizing(traffic: &VpcTraffic, config: &ScenarioConfig) -> (u32, u32) {
    sizing_in(traffic, config, &VpcContext::default())
}

/// [`sizing`], with today's NAT gateways from the inventory when the flags do not say.
pub fn sizing_in(traffic: &VpcTraffic, config: &ScenarioConfig, ctx: &VpcContext) -> (u32, u32) {
    let azs = config.azs.unwrap_or(traffic.azs_seen.len() as u32).max(1);
    let nat = config
        .nat_gateways
        .unwrap_or(if ctx.nat_gateways.is_empty() {
            azs
        } else {
            ctx.nat_gateways.len() as u32
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
                ScenarioKind::GatewayInterface if is_gateway => gateway.push(g),
                ScenarioKind::GatewayInterface => {
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
        let moved: Decimal = gateway
            .iter()
            .chain(interface.iter())
            .map(|g| g.monthly_gb)
            .sum();
        let nat_gb = nat_gb_total - moved;
        let eligible_total: Decimal = groups.iter().map(|g| g.monthly_gb).sum();
        let aws_on_nat_gb = eligible_total - moved;
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
            });
        } else if nat_count > 0 {
            let hourly = prices.price(Item::NatGatewayHourly)?;
            let hours = Decimal::from(nat_count) * units::hours_per_month();
            lines.push(CostLine::priced(
                Component::NatGatewayHours,
                format!("{nat_count} NAT gateway(s) x {} h", units::HOURS_PER_MONTH),
                hours,
                "hour",
                hourly,
            ));
            let per_gb = prices.price(Item::NatGatewayPerGb)?;
            lines.push(CostLine::priced(
                Component::NatGatewayData,
                "traffic still through NAT, both directions",
                nat_gb,
                "GB",
                per_gb,
            ));
        }
        // Inter-AZ: NAT traffic from an AZ whose route leads to another AZ's NAT gateway.
        if nat_count > 0 && !ctx.nat_route_az.is_empty() {
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
            });
            endpoints.push(EndpointPlan {
                endpoint_type: "Gateway".into(),
                service: g.service.clone(),
                service_name,
                azs: 0,
                monthly_gb: g.monthly_gb,
                existing,
                fewer_azs: None,
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
            let tiers = prices.tiers(Item::InterfaceEndpointPerGb)?;
            for (gb, tier) in split_tiers(tiers, billed_gb, g.monthly_gb) {
                lines.push(CostLine::priced(
                    Component::InterfaceEndpointData,
                    format!("{service_name}, tier from {} GB", tier.begin_gb),
                    gb,
                    "GB",
                    &tier.price,
                ));
            }
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
            });
        }
        let mut scenario = Scenario {
            kind,
            description: kind.describe().into(),
            lines,
            endpoints,
            nat_gateways: if instance.is_some() { 0 } else { nat_count },
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

/// Source cited for the (zero) price of gateway endpoints.
pub const GATEWAY_ENDPOINT_SOURCE: &str =
    "AWS VPC pricing: gateway endpoints (S3, DynamoDB) have no hourly or data processing charge";
