//! Inventory: a folder of AWS CLI JSON outputs (`describe-vpcs`, `describe-subnets`,
//! `describe-network-interfaces`, `describe-nat-gateways`, `describe-vpc-endpoints`,
//! `describe-route-tables`) in; what the flow logs cannot say on their own out: which VPC, subnet
//! and AZ each ENI is in, which ENIs are NAT gateways or endpoints, the VPCs' own address space,
//! today's NAT gateways and endpoints, and where each subnet's internet route goes.
//!
//! Files are recognised by their top-level key, whatever their names; items are keyed by id, so
//! overlapping or paginated sets add up without double counting. A file that is not JSON or not
//! a known output is reported by name and skipped.

pub mod lenient;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashSet;
use serde::Serialize;
use serde_json::Value;

use crate::classify::address::is_private;
use crate::error::{Error, Result};

/// A network interface.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Eni {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    /// AZ name, e.g. `us-east-1d`.
    pub az: String,
    /// `interface`, `nat_gateway`, `vpc_endpoint`, `network_load_balancer`, ...
    pub interface_type: String,
    pub private_ips: Vec<IpAddr>,
    pub ipv6_addresses: Vec<IpAddr>,
    /// Whether a public IPv4 address (Elastic IP or auto-assigned) is associated.
    pub has_public_ip: bool,
}

/// A subnet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub az: String,
    /// AZ id, e.g. `use1-az2` (the flow logs' `az-id`), empty when the output lacks it.
    pub az_id: String,
    pub cidrs: Vec<String>,
}

/// A VPC.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Vpc {
    pub id: String,
    /// IPv4 and IPv6 CIDR blocks.
    pub cidrs: Vec<String>,
}

/// A NAT gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NatGateway {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub state: String,
    /// `public` or `private`.
    pub connectivity: String,
    pub eni_ids: Vec<String>,
    pub private_ips: Vec<IpAddr>,
    /// `zonal` (one subnet, one AZ) or `regional` (no subnet; active in the AZs it has
    /// addresses in, and billed per hour in each).
    pub availability_mode: String,
    /// AZs (ids where the output or the subnets tell them, else names) a regional NAT gateway
    /// is active in: from `NatGatewayAddresses[].AvailabilityZone[Id]` and
    /// `AvailabilityZoneAddresses[]`. Empty for zonal ones.
    pub azs: Vec<String>,
}

impl NatGateway {
    pub fn is_regional(&self) -> bool {
        self.availability_mode.eq_ignore_ascii_case("regional")
    }
}

/// A VPC endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub id: String,
    pub vpc_id: String,
    /// `Gateway`, `Interface` or `GatewayLoadBalancer`.
    pub endpoint_type: String,
    /// Full service name, e.g. `com.amazonaws.us-east-1.s3`.
    pub service_name: String,
    pub state: String,
    pub subnet_ids: Vec<String>,
    pub route_table_ids: Vec<String>,
    pub eni_ids: Vec<String>,
    /// Security groups of an interface endpoint.
    pub group_ids: Vec<String>,
}

impl Endpoint {
    /// Region and short service name (`s3`, `ecr.dkr`) of an AWS service name; `None` for
    /// other services (PrivateLink partners, GWLB services).
    pub fn aws_service(&self) -> Option<(String, String)> {
        let rest = self.service_name.strip_prefix("com.amazonaws.")?;
        let (region, service) = rest.split_once('.')?;
        if region == "vpce" || region_from_az(region).as_deref() != Some(region) {
            return None;
        }
        Some((region.to_string(), service.to_string()))
    }
}

/// A route table, reduced to what the cost model needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    /// Whether it is the VPC's main route table (used by subnets without an explicit one).
    pub main: bool,
    pub subnet_ids: Vec<String>,
    /// Target of the `0.0.0.0/0` route (`nat-...`, `igw-...`, `tgw-...`), when there is one.
    pub default_route: Option<String>,
}

/// One inventory file and what it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventoryFile {
    pub path: String,
    /// Top-level keys recognised (`NetworkInterfaces`, ...).
    pub kinds: Vec<String>,
    pub items: usize,
    /// True when the file needed a repair (trailing commas, single quotes) to parse.
    pub repaired: bool,
}

/// Where an ENI's internet-bound traffic goes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum Egress {
    /// Through this NAT gateway (route table default route).
    Nat(String),
    /// Straight out through an internet gateway (public subnet): no NAT charge applies.
    InternetGateway(String),
    /// Not known (no route table in the inventory): assumed to use NAT.
    Unknown,
}

/// What an ENI is, for the vantage-point rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Role {
    /// A NAT gateway's interface: its public leg is what NAT bills.
    NatGateway(String),
    /// A VPC endpoint's interface.
    Endpoint,
    /// A workload (instance, Lambda, load balancer...), and where its internet traffic goes.
    Workload(Egress),
}

/// Everything read from the inventory folder.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub files: Vec<InventoryFile>,
    /// Files that could not be used, as `path: reason`.
    pub problems: Vec<String>,
    pub enis: BTreeMap<String, Eni>,
    pub subnets: BTreeMap<String, Subnet>,
    pub vpcs: BTreeMap<String, Vpc>,
    pub nat_gateways: BTreeMap<String, NatGateway>,
    pub endpoints: BTreeMap<String, Endpoint>,
    pub route_tables: BTreeMap<String, RouteTable>,
    /// Flow log id -> its declared record format (`describe-flow-logs` LogFormat).
    pub flow_log_formats: BTreeMap<String, String>,
}

/// The top-level keys this module reads.
pub const KNOWN_KEYS: [&str; 7] = [
    "Vpcs",
    "Subnets",
    "NetworkInterfaces",
    "NatGateways",
    "VpcEndpoints",
    "RouteTables",
    "FlowLogs",
];

/// Keys of other EC2 outputs users save alongside (prefix lists, endpoint services): recognised
/// and counted, not needed by the cost model.
pub const OTHER_KEYS: [&str; 4] = ["PrefixLists", "ServiceDetails", "ServiceNames", "Entries"];

impl Inventory {
    /// Reads every file under `paths` (files or folders, recursively; hidden files skipped).
    /// A missing path is an error; an unreadable, non-JSON or unknown file is a problem.
    pub fn load(paths: &[PathBuf]) -> Result<Inventory> {
        let mut files = Vec::new();
        for p in paths {
            collect_files(p, &mut files)?;
        }
        files.sort();
        let mut inv = Inventory::default();
        for path in files {
            inv.add_file(&path);
        }
        Ok(inv)
    }

    /// Reads one file into the inventory, recording a problem instead of failing.
    pub fn add_file(&mut self, path: &Path) {
        let shown = path.display().to_string();
        let text = match crate::bounded::read_file(path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(crate::bounded::ReadError::Io(e)) => {
                self.problems.push(format!("{shown}: cannot read: {e}"));
                return;
            }
            Err(crate::bounded::ReadError::TooLarge(limit)) => {
                let reason = crate::bounded::too_large(limit);
                self.problems.push(format!("{shown}: {reason}; skipped"));
                return;
            }
        };
        let parsed = match lenient::parse(&text) {
            Ok(p) => p,
            Err(e) => {
                self.problems.push(format!(
                    "{shown}:{}:{}: not valid JSON ({e}); skipped",
                    e.line(),
                    e.column()
                ));
                return;
            }
        };
        let Some(obj) = parsed.value.as_object() else {
            self.problems.push(format!(
                "{shown}: not an AWS CLI output (expected a JSON object with one of {}); skipped",
                KNOWN_KEYS.join(", ")
            ));
            return;
        };
        let mut kinds = Vec::new();
        let mut items = 0;
        for key in KNOWN_KEYS {
            let Some(list) = obj.get(key).and_then(Value::as_array) else {
                continue;
            };
            kinds.push(key.to_string());
            items += list.len();
            for item in list {
                match key {
                    "Vpcs" => self.add_vpc(item),
                    "Subnets" => self.add_subnet(item),
                    "NetworkInterfaces" => self.add_eni(item),
                    "NatGateways" => self.add_nat(item),
                    "VpcEndpoints" => self.add_endpoint(item),
                    "FlowLogs" => {
                        let (id, format) = (s(item, "FlowLogId"), s(item, "LogFormat"));
                        if !id.is_empty() && !format.is_empty() {
                            self.flow_log_formats.insert(id, format);
                        }
                    }
                    _ => self.add_route_table(item),
                }
            }
        }
        for key in OTHER_KEYS {
            if let Some(list) = obj.get(key).and_then(Value::as_array) {
                kinds.push(key.to_string());
                items += list.len();
            }
        }
        if kinds.is_empty() {
            let keys: Vec<&str> = obj.keys().map(String::as_str).take(5).collect();
            self.problems.push(format!(
                "{shown}: no known AWS CLI output key (found {}; expected one of {}); skipped",
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.join(", ")
                },
                KNOWN_KEYS.join(", ")
            ));
            return;
        }
        self.files.push(InventoryFile {
            path: shown,
            kinds,
            items,
            repaired: parsed.repaired,
        });
    }

    fn add_vpc(&mut self, v: &Value) {
        let id = s(v, "VpcId");
        if id.is_empty() {
            return;
        }
        let mut cidrs: BTreeSet<String> = BTreeSet::new();
        if !s(v, "CidrBlock").is_empty() {
            cidrs.insert(s(v, "CidrBlock"));
        }
        for a in arr(v, "CidrBlockAssociationSet") {
            if !s(a, "CidrBlock").is_empty() {
                cidrs.insert(s(a, "CidrBlock"));
            }
        }
        for a in arr(v, "Ipv6CidrBlockAssociationSet") {
            if !s(a, "Ipv6CidrBlock").is_empty() {
                cidrs.insert(s(a, "Ipv6CidrBlock"));
            }
        }
        let e = self.vpcs.entry(id.clone()).or_default();
        e.id = id;
        e.cidrs.extend(cidrs);
        e.cidrs.sort();
        e.cidrs.dedup();
    }

    fn add_subnet(&mut self, v: &Value) {
        let id = s(v, "SubnetId");
        if id.is_empty() {
            return;
        }
        let mut cidrs = Vec::new();
        if !s(v, "CidrBlock").is_empty() {
            cidrs.push(s(v, "CidrBlock"));
        }
        for a in arr(v, "Ipv6CidrBlockAssociationSet") {
            if !s(a, "Ipv6CidrBlock").is_empty() {
                cidrs.push(s(a, "Ipv6CidrBlock"));
            }
        }
        self.subnets.insert(
            id.clone(),
            Subnet {
                id,
                vpc_id: s(v, "VpcId"),
                az: s(v, "AvailabilityZone"),
                az_id: s(v, "AvailabilityZoneId"),
                cidrs,
            },
        );
    }

    fn add_eni(&mut self, v: &Value) {
        let id = s(v, "NetworkInterfaceId");
        if id.is_empty() {
            return;
        }
        let mut private_ips: Vec<IpAddr> = arr(v, "PrivateIpAddresses")
            .filter_map(|a| s(a, "PrivateIpAddress").parse().ok())
            .collect();
        if let Ok(ip) = s(v, "PrivateIpAddress").parse() {
            private_ips.push(ip);
        }
        private_ips.sort();
        private_ips.dedup();
        let mut ipv6_addresses: Vec<IpAddr> = arr(v, "Ipv6Addresses")
            .filter_map(|a| s(a, "Ipv6Address").parse().ok())
            .collect();
        ipv6_addresses.sort();
        ipv6_addresses.dedup();
        let has_public_ip = v.pointer("/Association/PublicIp").is_some()
            || arr(v, "PrivateIpAddresses").any(|a| a.pointer("/Association/PublicIp").is_some());
        self.enis.insert(
            id.clone(),
            Eni {
                id,
                vpc_id: s(v, "VpcId"),
                subnet_id: s(v, "SubnetId"),
                az: s(v, "AvailabilityZone"),
                interface_type: match s(v, "InterfaceType") {
                    t if t.is_empty() => "interface".into(),
                    t => t,
                },
                private_ips,
                ipv6_addresses,
                has_public_ip,
            },
        );
    }

    fn add_nat(&mut self, v: &Value) {
        let id = s(v, "NatGatewayId");
        if id.is_empty() {
            return;
        }
        let mut eni_ids = BTreeSet::new();
        let mut private_ips = BTreeSet::new();
        let mut azs = BTreeSet::new();
        for a in arr(v, "NatGatewayAddresses").chain(arr(v, "AvailabilityZoneAddresses")) {
            match (s(a, "AvailabilityZoneId"), s(a, "AvailabilityZone")) {
                (id, _) if !id.is_empty() => {
                    azs.insert(id);
                }
                (_, name) if !name.is_empty() => {
                    azs.insert(name);
                }
                _ => {}
            }
        }
        for a in arr(v, "NatGatewayAddresses") {
            if !s(a, "NetworkInterfaceId").is_empty() {
                eni_ids.insert(s(a, "NetworkInterfaceId"));
            }
            if let Ok(ip) = s(a, "PrivateIp").parse::<IpAddr>() {
                private_ips.insert(ip);
            }
        }
        self.nat_gateways.insert(
            id.clone(),
            NatGateway {
                id,
                vpc_id: s(v, "VpcId"),
                subnet_id: s(v, "SubnetId"),
                state: s(v, "State"),
                connectivity: match s(v, "ConnectivityType") {
                    c if c.is_empty() => "public".into(),
                    c => c,
                },
                eni_ids: eni_ids.into_iter().collect(),
                private_ips: private_ips.into_iter().collect(),
                availability_mode: match s(v, "AvailabilityMode") {
                    m if m.is_empty() => "zonal".into(),
                    m => m.to_ascii_lowercase(),
                },
                azs: azs.into_iter().collect(),
            },
        );
    }

    fn add_endpoint(&mut self, v: &Value) {
        let id = s(v, "VpcEndpointId");
        if id.is_empty() {
            return;
        }
        let list = |k: &str| -> Vec<String> {
            let mut l: Vec<String> = arr(v, k)
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect();
            l.sort();
            l.dedup();
            l
        };
        self.endpoints.insert(
            id.clone(),
            Endpoint {
                id,
                vpc_id: s(v, "VpcId"),
                endpoint_type: s(v, "VpcEndpointType"),
                service_name: s(v, "ServiceName"),
                state: s(v, "State"),
                subnet_ids: list("SubnetIds"),
                route_table_ids: list("RouteTableIds"),
                eni_ids: list("NetworkInterfaceIds"),
                group_ids: {
                    let mut g: Vec<String> = arr(v, "Groups")
                        .map(|x| s(x, "GroupId"))
                        .filter(|x| !x.is_empty())
                        .collect();
                    g.sort();
                    g.dedup();
                    g
                },
            },
        );
    }

    fn add_route_table(&mut self, v: &Value) {
        let id = s(v, "RouteTableId");
        if id.is_empty() {
            return;
        }
        let mut main = false;
        let mut subnet_ids = Vec::new();
        for a in arr(v, "Associations") {
            if a.get("Main").and_then(Value::as_bool) == Some(true) {
                main = true;
            }
            if !s(a, "SubnetId").is_empty() {
                subnet_ids.push(s(a, "SubnetId"));
            }
        }
        subnet_ids.sort();
        subnet_ids.dedup();
        let default_route = arr(v, "Routes")
            .filter(|r| s(r, "DestinationCidrBlock") == "0.0.0.0/0" && s(r, "State") != "blackhole")
            .find_map(|r| {
                [
                    "NatGatewayId",
                    "GatewayId",
                    "TransitGatewayId",
                    "NetworkInterfaceId",
                    "InstanceId",
                    "VpcPeeringConnectionId",
                ]
                .iter()
                .map(|k| s(r, k))
                .find(|t| !t.is_empty())
            });
        self.route_tables.insert(
            id.clone(),
            RouteTable {
                id,
                vpc_id: s(v, "VpcId"),
                main,
                subnet_ids,
                default_route,
            },
        );
    }

    /// True when nothing was loaded.
    pub fn is_empty(&self) -> bool {
        self.enis.is_empty()
            && self.subnets.is_empty()
            && self.vpcs.is_empty()
            && self.nat_gateways.is_empty()
            && self.endpoints.is_empty()
            && self.route_tables.is_empty()
    }

    /// The AZ id (from subnets) of an AZ name, else the name itself.
    pub fn az_id(&self, az_name: &str) -> String {
        self.subnets
            .values()
            .find(|s| s.az == az_name && !s.az_id.is_empty())
            .map(|s| s.az_id.clone())
            .unwrap_or_else(|| az_name.to_string())
    }

    /// AZ (id when known) of a subnet.
    pub fn subnet_az(&self, subnet_id: &str) -> Option<String> {
        let s = self.subnets.get(subnet_id)?;
        Some(if s.az_id.is_empty() {
            s.az.clone()
        } else {
            s.az_id.clone()
        })
    }

    /// Where an ENI sits: (VPC, region, AZ id or name), when the inventory knows it. A NAT
    /// gateway id (a regional NAT gateway's flow logs carry `resource-id`, not an ENI) places
    /// its records in the gateway's VPC; the AZ is left to the record's own az-id.
    pub fn eni_place(&self, eni_id: &str) -> Option<(String, String, String)> {
        if let Some(n) = self.nat_gateways.get(eni_id) {
            let region = self
                .subnets
                .get(&n.subnet_id)
                .and_then(|s| region_from_az(&s.az))
                .or_else(|| n.azs.iter().find_map(|a| region_from_az(a)))
                .unwrap_or_default();
            return Some((n.vpc_id.clone(), region, String::new()));
        }
        let eni = self.enis.get(eni_id)?;
        let az = match self.subnet_az(&eni.subnet_id) {
            Some(az) => az,
            None => self.az_id(&eni.az),
        };
        let region = region_from_az(&eni.az)
            .or_else(|| {
                self.subnets
                    .get(&eni.subnet_id)
                    .and_then(|s| region_from_az(&s.az))
            })
            .unwrap_or_default();
        Some((eni.vpc_id.clone(), region, az))
    }

    /// The route table that applies to a subnet: its explicit association, else the VPC's main.
    pub fn route_table_of(&self, subnet_id: &str, vpc_id: &str) -> Option<&RouteTable> {
        self.route_tables
            .values()
            .find(|r| r.subnet_ids.iter().any(|s| s == subnet_id))
            .or_else(|| {
                self.route_tables
                    .values()
                    .find(|r| r.main && r.vpc_id == vpc_id)
            })
    }

    /// What an ENI is (NAT gateway, endpoint or workload and its egress path).
    pub fn role(&self, eni_id: &str) -> Option<Role> {
        if let Some(n) = self.nat_gateways.get(eni_id) {
            return Some(Role::NatGateway(n.id.clone()));
        }
        let eni = self.enis.get(eni_id);
        if let Some(nat) = self
            .nat_gateways
            .values()
            .find(|n| n.eni_ids.iter().any(|e| e == eni_id))
        {
            return Some(Role::NatGateway(nat.id.clone()));
        }
        let eni = eni?;
        match eni.interface_type.as_str() {
            "nat_gateway" => return Some(Role::NatGateway(String::new())),
            "vpc_endpoint" | "gateway_load_balancer_endpoint" => return Some(Role::Endpoint),
            _ => {}
        }
        if self
            .endpoints
            .values()
            .any(|e| e.eni_ids.iter().any(|x| x == eni_id))
        {
            return Some(Role::Endpoint);
        }
        let egress = match self
            .route_table_of(&eni.subnet_id, &eni.vpc_id)
            .and_then(|r| r.default_route.clone())
        {
            Some(t) if t.starts_with("nat-") => Egress::Nat(t),
            Some(t) if t.starts_with("igw-") => Egress::InternetGateway(t),
            Some(_) => Egress::Unknown,
            None if self.route_tables.is_empty() && eni.has_public_ip => {
                Egress::InternetGateway(String::new())
            }
            None => Egress::Unknown,
        };
        Some(Role::Workload(egress))
    }

    /// The VPC's own addresses: every ENI address and VPC/subnet CIDR (public space included,
    /// for VPCs that use it, and IPv6), so either side of a record can be told local.
    pub fn local_addrs(&self) -> LocalAddrs {
        let mut ips = FxHashSet::default();
        for e in self.enis.values() {
            ips.extend(e.private_ips.iter().copied());
            ips.extend(e.ipv6_addresses.iter().copied());
        }
        for n in self.nat_gateways.values() {
            ips.extend(n.private_ips.iter().copied());
        }
        let mut cidrs = Vec::new();
        let blocks = self
            .vpcs
            .values()
            .flat_map(|v| v.cidrs.iter())
            .chain(self.subnets.values().flat_map(|s| s.cidrs.iter()));
        for c in blocks {
            if let Some(net) = parse_cidr(c) {
                // Private space is local already; keep only the blocks that add something.
                if !is_private(net.0) {
                    cidrs.push(net);
                }
            }
        }
        cidrs.sort();
        cidrs.dedup();
        LocalAddrs { ips, cidrs }
    }

    /// NAT gateways per VPC (available or pending ones: what is billed today).
    pub fn nat_gateways_of(&self, vpc_id: &str) -> Vec<&NatGateway> {
        self.nat_gateways
            .values()
            .filter(|n| {
                n.vpc_id == vpc_id && matches!(n.state.as_str(), "available" | "pending" | "")
            })
            .collect()
    }

    /// Endpoints per VPC that exist today (not deleted or failed).
    pub fn endpoints_of(&self, vpc_id: &str) -> Vec<&Endpoint> {
        self.endpoints
            .values()
            .filter(|e| {
                e.vpc_id == vpc_id
                    && !matches!(
                        e.state.to_ascii_lowercase().as_str(),
                        "deleted" | "deleting" | "failed" | "rejected" | "expired"
                    )
            })
            .collect()
    }

    /// Region of a VPC, from its subnets or ENIs.
    pub fn vpc_region(&self, vpc_id: &str) -> Option<String> {
        self.subnets
            .values()
            .filter(|s| s.vpc_id == vpc_id)
            .map(|s| s.az.as_str())
            .chain(
                self.enis
                    .values()
                    .filter(|e| e.vpc_id == vpc_id)
                    .map(|e| e.az.as_str()),
            )
            .find_map(region_from_az)
    }
}

/// Addresses that belong to the VPCs of the inventory.
#[derive(Debug, Clone, Default)]
pub struct LocalAddrs {
    pub ips: FxHashSet<IpAddr>,
    /// Non-private CIDR blocks (network address, prefix length).
    pub cidrs: Vec<(IpAddr, u8)>,
}

impl LocalAddrs {
    /// Whether `ip` is one of the VPCs' own addresses.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.ips.contains(&ip) || self.cidrs.iter().any(|&(net, len)| in_cidr(ip, net, len))
    }

    /// True when there is nothing beyond private space to add.
    pub fn is_empty(&self) -> bool {
        self.ips.is_empty() && self.cidrs.is_empty()
    }
}

/// `a.b.c.d/n` or `x::/n`.
pub fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = text.split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (len <= max).then_some((addr, len))
}

/// Whether `ip` is inside `net/len`.
pub fn in_cidr(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Region of an AZ name (`us-east-1d` -> `us-east-1`, `us-gov-west-1a` -> `us-gov-west-1`,
/// `us-east-1-bos-1a` -> `us-east-1`); also accepts a region itself.
pub fn region_from_az(az: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in az.split('-') {
        if part.starts_with(|c: char| c.is_ascii_digit()) {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            parts.push(digits);
            return (parts.len() >= 3).then(|| parts.join("-"));
        }
        if part.is_empty() || !part.chars().all(|c| c.is_ascii_lowercase()) {
            return None;
        }
        parts.push(part.to_string());
    }
    None
}

/// Every non-hidden file under `path` (a file or a folder, recursively).
pub fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let p = entry.path();
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            collect_files(&p, out)?;
        } else if p.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

fn s(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn arr<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter())
        .into_iter()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_from_azs() {
        assert_eq!(region_from_az("us-east-1d").as_deref(), Some("us-east-1"));
        assert_eq!(
            region_from_az("us-gov-west-1a").as_deref(),
            Some("us-gov-west-1")
        );
        assert_eq!(
            region_from_az("us-east-1-bos-1a").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(region_from_az("eu-west-2").as_deref(), Some("eu-west-2"));
        assert_eq!(region_from_az("use1-az2"), None);
        assert_eq!(region_from_az("vpce"), None);
    }

    #[test]
    fn cidrs() {
        let (n, l) = parse_cidr("203.0.113.0/24").unwrap();
        assert!(in_cidr("203.0.113.9".parse().unwrap(), n, l));
        assert!(!in_cidr("203.0.114.9".parse().unwrap(), n, l));
        let (n, l) = parse_cidr("2600:1f18:abc::/56").unwrap();
        assert!(in_cidr("2600:1f18:abc:12::5".parse().unwrap(), n, l));
        assert!(parse_cidr("10.0.0.0/33").is_none());
    }
}
