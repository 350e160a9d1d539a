//! Scenarios: one VPC's monthly traffic and its region's prices in; for each setup (NAT only,
//! gateway endpoints, gateway + interface endpoints, fully private) a list of cost lines out.
//! A scenario's total is the sum of its lines; every line carries its price's source.

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
    #[serde(rename = "fully-private")]
    FullyPrivate,
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
            ScenarioKind::FullyPrivate => "fully-private",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ScenarioKind::NatOnly => "all traffic to the internet and AWS services through NAT gateways",
            ScenarioKind::GatewayEndpoints => "same-region S3 and DynamoDB through free gateway endpoints, the rest through NAT",
            ScenarioKind::GatewayInterface => "gateway endpoints plus an interface endpoint for each AWS service whose volume passes break-even; the rest through NAT",
            ScenarioKind::FullyPrivate => "every AWS service through an endpoint; NAT only for internet traffic, removed when none remains",
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
}

impl Component {
    pub fn label(self) -> &'static str {
        match self {
            Component::NatGatewayHours => "NAT gateway hours",
            Component::NatGatewayData => "NAT gateway data processed",
            Component::GatewayEndpoint => "gateway endpoint",
            Component::InterfaceEndpointHours => "interface endpoint hours",
            Component::InterfaceEndpointData => "interface endpoint data processed",
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
}

/// One setup's monthly cost for one VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scenario {
    pub kind: ScenarioKind,
    pub description: String,
    pub lines: Vec<CostLine>,
    pub endpoints: Vec<EndpointPlan>,
    pub nat_gateways: u32,
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
}

/// Settings for building scenarios.
#[derive(Debug, Clone, Default)]
pub struct ScenarioConfig {
    /// NAT gateways today (default: one per AZ).
    pub nat_gateways: Option<u32>,
    /// AZs with workloads (default: the AZs seen in the logs, or 1 when the logs have no az-id).
    pub azs: Option<u32>,
}

/// The AZ count and NAT gateway count used for a VPC.
pub fn sizing(traffic: &VpcTraffic, config: &ScenarioConfig) -> (u32, u32) {
    let azs = config.azs.unwrap_or(traffic.azs_seen.len() as u32).max(1);
    let nat = config.nat_gateways.unwrap_or(azs);
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
}

fn endpoint_groups(traffic: &VpcTraffic) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for d in traffic
        .destinations
        .iter()
        .filter(|d| d.class.endpoint_eligible() && d.monthly_gb > Decimal::ZERO)
    {
        let Some(service) = &d.endpoint else { continue };
        match groups.iter_mut().find(|g| &g.service == service) {
            Some(g) => g.monthly_gb += d.monthly_gb,
            None => groups.push(Group {
                service: service.clone(),
                class: d.class,
                monthly_gb: d.monthly_gb,
            }),
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
    let (azs, nat_gateways) = sizing(traffic, config);
    let groups = endpoint_groups(traffic);
    // Interface prices are needed only when some traffic could use an interface endpoint.
    let be = if groups.iter().any(|g| g.class == DestClass::AwsService) {
        break_even_gb(prices, azs)?
    } else {
        None
    };
    let nat_gb_total = traffic.nat_routed_gb();
    let mut out = Vec::new();
    for kind in ScenarioKind::ALL {
        // Which groups move off NAT, and how.
        let mut gateway = Vec::new();
        let mut interface = Vec::new();
        for g in &groups {
            let is_gateway = g.class != DestClass::AwsService;
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
                ScenarioKind::FullyPrivate if is_gateway => gateway.push(g),
                ScenarioKind::FullyPrivate => interface.push(g),
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
        let keep_nat = kind != ScenarioKind::FullyPrivate || nat_gb > Decimal::ZERO;
        let nat_count = if keep_nat { nat_gateways } else { 0 };
        let mut lines = Vec::new();
        let mut endpoints = Vec::new();
        if nat_count > 0 {
            let hourly = prices.price(Item::NatGatewayHourly)?;
            let hours = Decimal::from(nat_count) * units::hours_per_month();
            lines.push(CostLine {
                component: Component::NatGatewayHours,
                detail: format!("{nat_count} NAT gateway(s) x {} h", units::HOURS_PER_MONTH),
                quantity: hours,
                unit: "hour".into(),
                usd_per_unit: hourly.usd,
                monthly_usd: hours * hourly.usd,
                price_source: hourly.citation(),
            });
            let per_gb = prices.price(Item::NatGatewayPerGb)?;
            lines.push(CostLine {
                component: Component::NatGatewayData,
                detail: "traffic still through NAT, both directions".into(),
                quantity: nat_gb,
                unit: "GB".into(),
                usd_per_unit: per_gb.usd,
                monthly_usd: nat_gb * per_gb.usd,
                price_source: per_gb.citation(),
            });
        }
        for g in &gateway {
            let service_name = format!("com.amazonaws.{}.{}", traffic.region, g.service);
            lines.push(CostLine {
                component: Component::GatewayEndpoint,
                detail: service_name.clone(),
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
            });
        }
        let mut billed_gb = Decimal::ZERO;
        for g in &interface {
            let service_name = if g.service == "other-aws" {
                format!("com.amazonaws.{}.<service named by DNS>", traffic.region)
            } else {
                format!("com.amazonaws.{}.{}", traffic.region, g.service)
            };
            let hourly = prices.price(Item::InterfaceEndpointHourlyPerAz)?;
            let hours = Decimal::from(azs) * units::hours_per_month();
            lines.push(CostLine {
                component: Component::InterfaceEndpointHours,
                detail: format!("{service_name}, {azs} AZ(s) x {} h", units::HOURS_PER_MONTH),
                quantity: hours,
                unit: "hour".into(),
                usd_per_unit: hourly.usd,
                monthly_usd: hours * hourly.usd,
                price_source: hourly.citation(),
            });
            let tiers = prices.tiers(Item::InterfaceEndpointPerGb)?;
            for (gb, tier) in split_tiers(tiers, billed_gb, g.monthly_gb) {
                lines.push(CostLine {
                    component: Component::InterfaceEndpointData,
                    detail: format!("{service_name}, tier from {} GB", tier.begin_gb),
                    quantity: gb,
                    unit: "GB".into(),
                    usd_per_unit: tier.price.usd,
                    monthly_usd: gb * tier.price.usd,
                    price_source: tier.price.citation(),
                });
            }
            billed_gb += g.monthly_gb;
            endpoints.push(EndpointPlan {
                endpoint_type: "Interface".into(),
                service: g.service.clone(),
                service_name,
                azs,
                monthly_gb: g.monthly_gb,
            });
        }
        let mut scenario = Scenario {
            kind,
            description: kind.describe().into(),
            lines,
            endpoints,
            nat_gateways: nat_count,
            nat_gb,
            aws_on_nat_gb,
            monthly_usd: Decimal::ZERO,
        };
        scenario.monthly_usd = scenario.total();
        out.push(scenario);
    }
    Ok(out)
}

/// Source cited for the (zero) price of gateway endpoints.
pub const GATEWAY_ENDPOINT_SOURCE: &str =
    "AWS VPC pricing: gateway endpoints (S3, DynamoDB) have no hourly or data processing charge";
