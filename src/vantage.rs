//! Vantage: the aggregated flow frame in; one vantage point per byte out. Puts each ENI's
//! records in its VPC, region and AZ (from the inventory when the logs lack `vpc-id`/`az-id`),
//! finds NAT gateway interfaces (inventory, else evidence in the logs), counts NAT-processed
//! bytes once (attributed to the client's AZ where a client ENI is logged), marks traffic that
//! leaves through an internet gateway or an existing gateway endpoint (no NAT charge: kept with
//! its path in [`schema::PATH_HINT`], outside the NAT rules), and names AWS services by DNS.
//! Everything removed or moved is counted in [`Vantage`].
//!
//! NAT rule, per (VPC, region, remote address, direction, hour): the NAT ENI's public leg is
//! what NAT bills and the client ENIs' records are the same bytes seen from the other end, so
//! the NAT-processed bytes are `max(nat_leg, clients)`; client rows keep their AZ, and NAT-leg
//! bytes no logged client accounts for stay on the NAT ENI's AZ. The client leg on the NAT ENI
//! (private hop, public pkt-* address) is private traffic.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use polars::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::dns::{DnsIndex, DnsStats};
use crate::error::Result;
use crate::inventory::{Egress, Inventory, Role};
use crate::schema;

/// How a NAT gateway interface was recognised.
pub const RULE_INVENTORY: &str = "inventory";
/// An interface that logs private hops carrying public pkt-* addresses.
pub const RULE_PKT_RELAY: &str = "logs: pkt-* relay";
/// An interface whose private and public bytes balance (a relay), without pkt-* fields.
pub const RULE_BALANCE: &str = "logs: relay balance";

/// Public and private bytes of a relay may differ by this fraction (records that straddle
/// the window's edges).
const BALANCE_TOLERANCE_PCT: u64 = 5;

/// One NAT gateway interface found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NatInterface {
    pub interface_id: String,
    pub vpc_id: String,
    pub az_id: String,
    /// NAT gateway id when the inventory names it.
    pub nat_gateway_id: String,
    /// Which rule found it.
    pub rule: String,
    /// Bytes of its public leg (what NAT processed) before de-duplication.
    pub public_bytes: u64,
}

/// What the vantage step did, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Vantage {
    /// Whether an inventory was given.
    pub inventory: bool,
    /// Accepted records put in a VPC (or AZ/region) by the inventory.
    pub attributed_records: u64,
    /// Records (and bytes) whose VPC is unknown: no vpc-id field and an ENI the inventory
    /// lacks. Analysed as the VPC `unattributed`, never dropped.
    pub unattributed_records: u64,
    pub unattributed_bytes: u64,
    /// Up to 10 of the unknown interfaces.
    pub unattributed_interfaces: Vec<String>,
    pub nat_interfaces: Vec<NatInterface>,
    /// Rules that found NAT interfaces (empty: none found, nothing de-duplicated).
    pub rules_used: Vec<String>,
    /// Bytes on NAT interfaces' public legs.
    pub nat_leg_bytes: u64,
    /// Bytes on client interfaces to public addresses in VPCs with a NAT interface in the logs.
    pub client_bytes: u64,
    /// Bytes counted twice (seen on both a NAT interface and a client) and removed, by rule.
    pub duplicate_bytes_removed: BTreeMap<String, u64>,
    /// NAT-leg bytes no logged client accounts for (kept, on the NAT interface's AZ).
    pub nat_only_bytes: u64,
    /// Client legs on NAT interfaces (their private hops) and other relayed hops (private hop,
    /// public pkt-* address): the same bytes as the public leg, not counted again.
    pub relayed_bytes: u64,
    /// Public-address bytes that do not pass a NAT gateway: ENIs whose subnet routes to an
    /// internet gateway (inventory), or flows whose egress records say `traffic-path` 2, 7 or 8
    /// (internet gateway or gateway endpoint). No NAT charge, no endpoint saving: kept as
    /// traffic with their path, left out of the NAT rules and the prices.
    pub bypass_bytes: u64,
    pub bypass_records: u64,
    /// DNS naming, when `--dns-logs` was given.
    pub dns: Option<DnsStats>,
}

impl Vantage {
    /// All duplicate bytes removed.
    pub fn duplicates_removed(&self) -> u64 {
        self.duplicate_bytes_removed.values().sum()
    }
}

#[derive(Debug, Clone)]
struct Row {
    vpc: String,
    region: String,
    az: String,
    interface: String,
    remote: String,
    direction: String,
    hint: String,
    /// [`schema::PATH_HINT`]: why the flow skips NAT, else empty.
    via: &'static str,
    bytes: u64,
    packets: u64,
    records: u64,
    hour: u32,
}

impl Row {
    fn public(&self) -> bool {
        !self.remote.is_empty() && self.remote != schema::RELAYED
    }
}

/// Applies the rules to the aggregated flows (schema [`schema::flow_schema`]); the result has
/// no `hour` column and two more: [`schema::DNS_SERVICE`], [`schema::DNS_REGION`].
pub fn apply(
    flows: LazyFrame,
    inventory: Option<&Inventory>,
    mut dns: Option<&mut DnsIndex>,
    direct: &BTreeMap<(String, String), u8>,
) -> Result<(LazyFrame, Vantage)> {
    let df = flows.collect()?;
    if inventory.is_none() && dns.is_none() && direct.is_empty() {
        if let Some(done) = without_nat_interfaces(&df)? {
            return Ok(done);
        }
    }
    let mut rows = read_rows(&df)?;
    drop(df);
    let mut v = Vantage {
        inventory: inventory.is_some(),
        ..Vantage::default()
    };

    // 1. Place each ENI's records.
    let mut roles: FxHashMap<String, Role> = FxHashMap::default();
    if let Some(inv) = inventory {
        for r in rows.iter_mut() {
            let Some((vpc, region, az)) = inv.eni_place(&r.interface) else {
                continue;
            };
            let mut changed = false;
            if (r.vpc == "unattributed" || r.vpc.is_empty()) && !vpc.is_empty() {
                r.vpc = vpc;
                changed = true;
            }
            if !region.is_empty() && r.region != region {
                r.region = region;
                changed = true;
            }
            if (r.az == "-" || r.az.is_empty()) && !az.is_empty() {
                r.az = az;
                changed = true;
            }
            if changed {
                v.attributed_records += r.records;
            }
        }
        let interfaces: BTreeSet<&str> = rows.iter().map(|r| r.interface.as_str()).collect();
        for i in interfaces {
            if let Some(role) = inv.role(i) {
                roles.insert(i.to_string(), role);
            }
        }
    }
    let mut unknown = BTreeSet::new();
    for r in &rows {
        if r.vpc == "unattributed" {
            v.unattributed_records += r.records;
            v.unattributed_bytes += r.bytes;
            if !r.interface.is_empty() {
                unknown.insert(r.interface.clone());
            }
        }
    }
    v.unattributed_interfaces = unknown.into_iter().take(10).collect();

    // 2. NAT interfaces: inventory, else pkt-* relay evidence, else balance.
    let mut nat_rule: BTreeMap<String, (String, String)> = BTreeMap::new(); // eni -> (rule, nat id)
    for (eni, role) in &roles {
        if let Role::NatGateway(id) = role {
            nat_rule.insert(eni.clone(), (RULE_INVENTORY.into(), id.clone()));
        }
    }
    #[derive(Default)]
    struct Sides {
        public: u64,
        private: u64,
        relayed: u64,
    }
    let mut sides: BTreeMap<&str, Sides> = BTreeMap::new();
    for r in rows.iter().filter(|r| !r.interface.is_empty()) {
        let s = sides.entry(r.interface.as_str()).or_default();
        if r.remote == schema::RELAYED {
            s.relayed += r.bytes;
        } else if r.remote.is_empty() {
            s.private += r.bytes;
        } else {
            s.public += r.bytes;
        }
    }
    for (eni, s) in &sides {
        if nat_rule.contains_key(*eni) || roles.contains_key(*eni) || s.public == 0 {
            continue;
        }
        if s.relayed > 0 {
            nat_rule.insert(eni.to_string(), (RULE_PKT_RELAY.into(), String::new()));
        } else if s.private > 0
            && s.public.abs_diff(s.private) * 100 <= s.public.max(s.private) * BALANCE_TOLERANCE_PCT
        {
            nat_rule.insert(eni.to_string(), (RULE_BALANCE.into(), String::new()));
        }
    }

    // 3. Client legs (a NAT ENI's private hops, and any relayed hop) are the same bytes as
    //    the public leg: counted here, not again as traffic.
    rows.retain(|r| {
        let nat = nat_rule.contains_key(&r.interface);
        if r.remote == schema::RELAYED || (nat && r.remote.is_empty()) {
            v.relayed_bytes += r.bytes;
            return false;
        }
        true
    });

    // 4. Egress through an internet gateway (inventory routes, or the records' own
    //    traffic-path) or an existing gateway endpoint is set apart: kept, with its path, but
    //    out of the NAT rules.
    let mut bypass = Vec::new();
    rows.retain(|r| {
        // A NAT gateway's own public leg leaves through the internet gateway too (its records
        // say traffic-path 8): it is what NAT processed, not a bypass.
        if !r.public() || nat_rule.contains_key(&r.interface) {
            return true;
        }
        let via = if matches!(
            roles.get(&r.interface),
            Some(Role::Workload(Egress::InternetGateway(_)))
        ) {
            schema::VIA_IGW_ROUTE
        } else {
            match direct.get(&(r.interface.clone(), r.remote.clone())) {
                None => return true,
                Some(bits) => via_of(*bits),
            }
        };
        v.bypass_bytes += r.bytes;
        v.bypass_records += r.records;
        let mut kept = r.clone();
        kept.via = via;
        bypass.push(kept);
        false
    });

    // 5. One vantage point per NAT-processed byte.
    if !nat_rule.is_empty() {
        type Key = (String, String, String, String, u32);
        let key = |r: &Row| -> Key {
            (
                r.vpc.clone(),
                r.region.clone(),
                r.remote.clone(),
                r.direction.clone(),
                r.hour,
            )
        };
        let nat_vpcs: BTreeSet<(String, String)> = rows
            .iter()
            .filter(|r| r.public() && nat_rule.contains_key(&r.interface))
            .map(|r| (r.vpc.clone(), r.region.clone()))
            .collect();
        let is_client = |r: &Row| {
            r.public()
                && !nat_rule.contains_key(&r.interface)
                && !matches!(roles.get(&r.interface), Some(Role::Endpoint))
                && nat_vpcs.contains(&(r.vpc.clone(), r.region.clone()))
        };
        let mut nat_sum: FxHashMap<Key, u64> = FxHashMap::default();
        let mut client_sum: FxHashMap<Key, u64> = FxHashMap::default();
        for r in &rows {
            if r.public() && nat_rule.contains_key(&r.interface) {
                *nat_sum.entry(key(r)).or_default() += r.bytes;
            } else if is_client(r) {
                *client_sum.entry(key(r)).or_default() += r.bytes;
            }
        }
        v.nat_leg_bytes = nat_sum.values().sum();
        v.client_bytes = client_sum.values().sum();
        let mut per_nat: BTreeMap<String, (String, String, u64)> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.public()) {
            if nat_rule.contains_key(&r.interface) {
                let e = per_nat
                    .entry(r.interface.clone())
                    .or_insert_with(|| (r.vpc.clone(), r.az.clone(), 0));
                e.2 += r.bytes;
            }
        }
        // Scale each NAT-leg row to the share of its group that no client accounts for.
        let mut removed_by_rule: BTreeMap<String, u64> = BTreeMap::new();
        let mut kept_nat: FxHashMap<Key, u64> = FxHashMap::default();
        let mut nat_rows_left: FxHashMap<Key, u64> = FxHashMap::default();
        for r in rows
            .iter()
            .filter(|r| r.public() && nat_rule.contains_key(&r.interface))
        {
            *nat_rows_left.entry(key(r)).or_default() += 1;
        }
        for r in rows.iter_mut() {
            if !(r.public() && nat_rule.contains_key(&r.interface)) {
                continue;
            }
            let k = key(r);
            let n = nat_sum.get(&k).copied().unwrap_or(0);
            let c = client_sum.get(&k).copied().unwrap_or(0);
            let target = n.saturating_sub(c); // NAT bytes beyond what clients show
            let left = nat_rows_left.get_mut(&k).expect("counted above");
            *left -= 1;
            let already = kept_nat.entry(k).or_default();
            let share = if *left == 0 {
                target.saturating_sub(*already) // the last row takes the rounding remainder
            } else {
                ((u128::from(r.bytes) * u128::from(target)) / u128::from(n.max(1))) as u64
            }
            .min(r.bytes);
            *already += share;
            let removed = r.bytes - share;
            if removed > 0 {
                let rule = nat_rule[&r.interface].0.clone();
                *removed_by_rule.entry(rule).or_default() += removed;
            }
            if r.bytes > 0 {
                r.records = ((u128::from(r.records) * u128::from(share)) / u128::from(r.bytes))
                    .max(u128::from(share > 0)) as u64;
                r.packets =
                    ((u128::from(r.packets) * u128::from(share)) / u128::from(r.bytes)) as u64;
            }
            r.bytes = share;
            v.nat_only_bytes += share;
        }
        rows.retain(|r| r.bytes > 0 || r.records > 0);
        v.duplicate_bytes_removed = removed_by_rule;
        v.nat_interfaces = per_nat
            .into_iter()
            .map(|(eni, (vpc, az, bytes))| {
                let (rule, id) = nat_rule[&eni].clone();
                NatInterface {
                    interface_id: eni,
                    vpc_id: vpc,
                    az_id: az,
                    nat_gateway_id: id,
                    rule,
                    public_bytes: bytes,
                }
            })
            .collect();
        let rules: BTreeSet<String> = v.nat_interfaces.iter().map(|n| n.rule.clone()).collect();
        v.rules_used = rules.into_iter().collect();
    }

    // 6. DNS names, then fold the hours away (flows that skip NAT keep their path, unnamed).
    let mut dns_cols: Vec<(String, String)> = Vec::with_capacity(rows.len() + bypass.len());
    for r in &rows {
        let named = match (&mut dns, r.public()) {
            (Some(index), true) => r.remote.parse::<IpAddr>().ok().and_then(|ip| {
                let hour = (r.hour > 0).then_some(r.hour);
                index.name(&r.vpc, ip, hour, r.bytes)
            }),
            _ => None,
        };
        dns_cols.push(named.map(|n| (n.service, n.region)).unwrap_or_default());
    }
    if let Some(index) = dns {
        v.dns = Some(index.finish());
    }
    dns_cols.resize(rows.len() + bypass.len(), Default::default());
    rows.extend(bypass);
    let frame = fold(rows, dns_cols)?;
    Ok((frame.lazy(), v))
}

/// The common case, without copying the frame: no inventory, no DNS logs and no NAT interface
/// in the logs. Counts unattributed and relayed bytes, drops relayed hops, adds the (empty)
/// DNS columns; `None` when some interface looks like a NAT gateway (the full rules run).
fn without_nat_interfaces(df: &DataFrame) -> Result<Option<(LazyFrame, Vantage)>> {
    let vpc = df.column(schema::VPC_ID)?.str()?;
    let interface = df.column(schema::INTERFACE_ID)?.str()?;
    let remote = df.column(schema::REMOTE_ADDR)?.str()?;
    let bytes = df.column(schema::BYTES)?.u64()?;
    let records = df.column(schema::RECORDS)?.u64()?;
    #[derive(Default)]
    struct Sides {
        public: u64,
        private: u64,
        relayed: u64,
    }
    let mut sides: FxHashMap<&str, Sides> = FxHashMap::default();
    let mut v = Vantage::default();
    let mut unknown = BTreeSet::new();
    for i in 0..df.height() {
        let (b, r) = (bytes.get(i).unwrap_or(0), records.get(i).unwrap_or(0));
        let eni = interface.get(i).unwrap_or("");
        if vpc.get(i) == Some("unattributed") {
            v.unattributed_records += r;
            v.unattributed_bytes += b;
            if !eni.is_empty() {
                unknown.insert(eni.to_string());
            }
        }
        let rem = remote.get(i).unwrap_or("");
        if rem == schema::RELAYED {
            v.relayed_bytes += b;
        }
        if eni.is_empty() {
            continue;
        }
        let s = sides.entry(eni).or_default();
        match rem {
            "" => s.private += b,
            schema::RELAYED => s.relayed += b,
            _ => s.public += b,
        }
    }
    let nat_like = sides.values().any(|s| {
        s.public > 0
            && (s.relayed > 0
                || (s.private > 0
                    && s.public.abs_diff(s.private) * 100
                        <= s.public.max(s.private) * BALANCE_TOLERANCE_PCT))
    });
    if nat_like {
        return Ok(None);
    }
    v.unattributed_interfaces = unknown.into_iter().take(10).collect();
    let frame = df
        .clone()
        .lazy()
        .filter(col(schema::REMOTE_ADDR).neq(lit(schema::RELAYED)))
        .select([
            col(schema::VPC_ID),
            col(schema::REGION),
            col(schema::AZ_ID),
            col(schema::INTERFACE_ID),
            col(schema::REMOTE_ADDR),
            col(schema::DIRECTION),
            col(schema::AWS_SERVICE_HINT),
            lit("").alias(schema::DNS_SERVICE),
            lit("").alias(schema::DNS_REGION),
            lit("").alias(schema::PATH_HINT),
            col(schema::BYTES),
            col(schema::PACKETS),
            col(schema::RECORDS),
        ]);
    Ok(Some((frame, v)))
}

fn read_rows(df: &DataFrame) -> Result<Vec<Row>> {
    let s = |name: &str| df.column(name).and_then(|c| c.str().cloned());
    let (vpc, region, az, interface, remote, direction, hint) = (
        s(schema::VPC_ID)?,
        s(schema::REGION)?,
        s(schema::AZ_ID)?,
        s(schema::INTERFACE_ID)?,
        s(schema::REMOTE_ADDR)?,
        s(schema::DIRECTION)?,
        s(schema::AWS_SERVICE_HINT)?,
    );
    let bytes = df.column(schema::BYTES)?.u64()?;
    let packets = df.column(schema::PACKETS)?.u64()?;
    let records = df.column(schema::RECORDS)?.u64()?;
    let hour = df.column(schema::HOUR)?.u32()?;
    let text = |c: &StringChunked, i: usize| c.get(i).unwrap_or("").to_string();
    Ok((0..df.height())
        .map(|i| Row {
            vpc: text(&vpc, i),
            region: text(&region, i),
            az: text(&az, i),
            interface: text(&interface, i),
            remote: text(&remote, i),
            direction: text(&direction, i),
            hint: text(&hint, i),
            via: "",
            bytes: bytes.get(i).unwrap_or(0),
            packets: packets.get(i).unwrap_or(0),
            records: records.get(i).unwrap_or(0),
            hour: hour.get(i).unwrap_or(0),
        })
        .collect())
}

/// The [`schema::PATH_HINT`] of `traffic-path` codes seen as [`direct_path_bit`] bits: a code 7
/// names a gateway endpoint, else 8 an internet gateway, else 2 either of them.
///
/// [`direct_path_bit`]: crate::ingest::scan::direct_path_bit
fn via_of(bits: u8) -> &'static str {
    if bits & 2 != 0 {
        schema::VIA_GATEWAY_ENDPOINT
    } else if bits & 4 != 0 {
        schema::VIA_INTERNET_GATEWAY
    } else {
        schema::VIA_EITHER_GATEWAY
    }
}

/// Sums rows that differ only by hour, and builds the frame.
fn fold(rows: Vec<Row>, dns: Vec<(String, String)>) -> Result<DataFrame> {
    type Key = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        &'static str,
    );
    let mut map: BTreeMap<Key, (u64, u64, u64)> = BTreeMap::new();
    for (r, (svc, reg)) in rows.into_iter().zip(dns) {
        let e = map
            .entry((
                r.vpc,
                r.region,
                r.az,
                r.interface,
                r.remote,
                r.direction,
                r.hint,
                svc,
                reg,
                r.via,
            ))
            .or_default();
        e.0 = e.0.saturating_add(r.bytes);
        e.1 = e.1.saturating_add(r.packets);
        e.2 += r.records;
    }
    let n = map.len();
    let mut cols: [Vec<String>; 9] = Default::default();
    let mut via = Vec::with_capacity(n);
    let (mut bytes, mut packets, mut records) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (k, (b, p, r)) in map {
        let (a, b2, c, d, e, f, g, h, i, path) = k;
        via.push(path);
        for (col, val) in cols.iter_mut().zip([a, b2, c, d, e, f, g, h, i]) {
            col.push(val);
        }
        bytes.push(b);
        packets.push(p);
        records.push(r);
    }
    let names = [
        schema::VPC_ID,
        schema::REGION,
        schema::AZ_ID,
        schema::INTERFACE_ID,
        schema::REMOTE_ADDR,
        schema::DIRECTION,
        schema::AWS_SERVICE_HINT,
        schema::DNS_SERVICE,
        schema::DNS_REGION,
    ];
    let mut columns: Vec<Column> = names
        .iter()
        .zip(cols)
        .map(|(name, values)| Column::new((*name).into(), values))
        .collect();
    columns.push(Column::new(schema::PATH_HINT.into(), via));
    columns.push(Column::new(schema::BYTES.into(), bytes));
    columns.push(Column::new(schema::PACKETS.into(), packets));
    columns.push(Column::new(schema::RECORDS.into(), records));
    Ok(DataFrame::new(n, columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (interface, remote, direction, bytes).
    type TestRow<'a> = (&'a str, &'a str, &'a str, u64);

    /// A flow frame from test rows, one VPC, no inventory.
    fn frame(rows: &[TestRow<'_>]) -> LazyFrame {
        let n = rows.len();
        let s =
            |f: &dyn Fn(&TestRow<'_>) -> String| -> Vec<String> { rows.iter().map(f).collect() };
        DataFrame::new(
            n,
            vec![
                Column::new(schema::VPC_ID.into(), s(&|_| "vpc-1".into())),
                Column::new(schema::REGION.into(), s(&|_| "us-east-1".into())),
                Column::new(schema::AZ_ID.into(), s(&|r| format!("az-{}", r.0))),
                Column::new(schema::INTERFACE_ID.into(), s(&|r| r.0.into())),
                Column::new(schema::REMOTE_ADDR.into(), s(&|r| r.1.into())),
                Column::new(schema::DIRECTION.into(), s(&|r| r.2.into())),
                Column::new(schema::AWS_SERVICE_HINT.into(), s(&|_| String::new())),
                Column::new(
                    schema::BYTES.into(),
                    rows.iter().map(|r| r.3).collect::<Vec<u64>>(),
                ),
                Column::new(
                    schema::PACKETS.into(),
                    rows.iter().map(|r| r.3 / 100).collect::<Vec<u64>>(),
                ),
                Column::new(schema::RECORDS.into(), vec![1u64; n]),
                Column::new(schema::HOUR.into(), vec![0u32; n]),
            ],
        )
        .unwrap()
        .lazy()
    }

    fn public_bytes(df: &DataFrame) -> u64 {
        let remote = df
            .column(schema::REMOTE_ADDR)
            .unwrap()
            .str()
            .unwrap()
            .clone();
        let bytes = df.column(schema::BYTES).unwrap().u64().unwrap().clone();
        (0..df.height())
            .filter(|&i| !remote.get(i).unwrap_or("").is_empty())
            .map(|i| bytes.get(i).unwrap_or(0))
            .sum()
    }

    proptest! {
        /// Per (remote, direction) the NAT-processed bytes are max(NAT leg, clients), whatever
        /// the split between several NAT ENIs and clients; the removed bytes are the min.
        #[test]
        fn nat_bytes_are_counted_once(
            groups in proptest::collection::vec(
                (0u64..5_000, 0u64..5_000, 0u64..5_000, 0u64..5_000, any::<bool>()),
                1..6,
            )
        ) {
            let mut rows: Vec<(String, String, String, u64)> = Vec::new();
            let mut expect_total = 0u64;
            let mut expect_removed = 0u64;
            for (g, (nat1, nat2, client1, client2, ingress)) in groups.iter().enumerate() {
                let remote = format!("203.0.113.{g}");
                let dir = if *ingress { "ingress" } else { "egress" };
                // Both NAT ENIs are recognised by their relayed client legs.
                for (eni, b) in [("eni-nat1", nat1), ("eni-nat2", nat2), ("eni-c1", client1), ("eni-c2", client2)] {
                    if *b > 0 {
                        rows.push((eni.into(), remote.clone(), dir.into(), *b));
                    }
                }
                let (n, c) = (nat1 + nat2, client1 + client2);
                expect_total += n.max(c);
                expect_removed += n.min(c);
            }
            rows.push(("eni-nat1".into(), schema::RELAYED.into(), "egress".into(), 10));
            rows.push(("eni-nat2".into(), schema::RELAYED.into(), "egress".into(), 10));
            let borrowed: Vec<(&str, &str, &str, u64)> = rows
                .iter()
                .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), *d))
                .collect();
            let (out, v) = apply(frame(&borrowed), None, None, &BTreeMap::new()).unwrap();
            let df = out.collect().unwrap();
            prop_assert_eq!(public_bytes(&df), expect_total);
            prop_assert_eq!(v.duplicates_removed(), expect_removed);
            prop_assert_eq!(v.relayed_bytes, 20);
        }
    }

    #[test]
    fn without_a_nat_interface_nothing_changes() {
        let (out, v) = apply(
            frame(&[
                ("eni-a", "8.8.8.8", "egress", 100),
                ("eni-a", "", "ingress", 7),
            ]),
            None,
            None,
            &BTreeMap::new(),
        )
        .unwrap();
        let df = out.collect().unwrap();
        assert_eq!(public_bytes(&df), 100);
        assert!(v.rules_used.is_empty());
        assert_eq!(v.duplicates_removed(), 0);
    }
}

#[cfg(test)]
mod traffic_path_tests {
    use super::*;

    /// Regression: a NAT gateway ENI's public leg logged with traffic-path 8 (it leaves through
    /// the internet gateway) was set aside as internet-gateway traffic, so NAT bytes vanished
    /// from the prices.
    #[test]
    fn a_nat_interfaces_public_leg_stays_nat_traffic() {
        let df = DataFrame::new(
            3,
            vec![
                Column::new(schema::VPC_ID.into(), vec!["vpc-1"; 3]),
                Column::new(schema::REGION.into(), vec!["us-east-1"; 3]),
                Column::new(schema::AZ_ID.into(), vec!["-"; 3]),
                Column::new(schema::INTERFACE_ID.into(), vec!["eni-nat"; 3]),
                Column::new(
                    schema::REMOTE_ADDR.into(),
                    vec!["203.0.113.5", "203.0.113.5", schema::RELAYED],
                ),
                Column::new(
                    schema::DIRECTION.into(),
                    vec!["egress", "ingress", "egress"],
                ),
                Column::new(schema::AWS_SERVICE_HINT.into(), vec![""; 3]),
                Column::new(schema::BYTES.into(), vec![100u64, 900, 100]),
                Column::new(schema::PACKETS.into(), vec![1u64; 3]),
                Column::new(schema::RECORDS.into(), vec![1u64; 3]),
                Column::new(schema::HOUR.into(), vec![0u32; 3]),
            ],
        )
        .unwrap();
        let direct: BTreeMap<(String, String), u8> =
            [(("eni-nat".to_string(), "203.0.113.5".to_string()), 4)].into();
        let (out, v) = apply(df.lazy(), None, None, &direct).unwrap();
        let out = out.collect().unwrap();
        assert_eq!(v.bypass_bytes, 0);
        assert_eq!(v.nat_leg_bytes, 1000);
        let via = out.column(schema::PATH_HINT).unwrap().str().unwrap();
        assert!(via.iter().all(|h| h == Some("")));
    }

    #[test]
    fn traffic_path_sets_both_directions_aside() {
        let df = DataFrame::new(
            3,
            vec![
                Column::new(schema::VPC_ID.into(), vec!["vpc-1"; 3]),
                Column::new(schema::REGION.into(), vec!["us-east-1"; 3]),
                Column::new(schema::AZ_ID.into(), vec!["-"; 3]),
                Column::new(
                    schema::INTERFACE_ID.into(),
                    vec!["eni-web", "eni-web", "eni-app"],
                ),
                Column::new(
                    schema::REMOTE_ADDR.into(),
                    vec!["8.8.8.8", "8.8.8.8", "8.8.8.8"],
                ),
                Column::new(
                    schema::DIRECTION.into(),
                    vec!["egress", "ingress", "egress"],
                ),
                Column::new(schema::AWS_SERVICE_HINT.into(), vec![""; 3]),
                Column::new(schema::BYTES.into(), vec![100u64, 900, 50]),
                Column::new(schema::PACKETS.into(), vec![1u64; 3]),
                Column::new(schema::RECORDS.into(), vec![1u64; 3]),
                Column::new(schema::HOUR.into(), vec![0u32; 3]),
            ],
        )
        .unwrap();
        let direct: BTreeMap<(String, String), u8> =
            [(("eni-web".to_string(), "8.8.8.8".to_string()), 4)].into();
        let (out, v) = apply(df.lazy(), None, None, &direct).unwrap();
        let out = out.collect().unwrap();
        assert_eq!(out.height(), 3, "nothing vanishes");
        let via = out.column(schema::PATH_HINT).unwrap().str().unwrap();
        let iface = out.column(schema::INTERFACE_ID).unwrap().str().unwrap();
        for i in 0..3 {
            let expect = if iface.get(i) == Some("eni-web") {
                schema::VIA_INTERNET_GATEWAY
            } else {
                ""
            };
            assert_eq!(via.get(i), Some(expect));
        }
        assert_eq!(v.bypass_bytes, 1000);
        assert_eq!(v.bypass_records, 2);
    }
}
