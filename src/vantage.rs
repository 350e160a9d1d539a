//! Vantage: the run's flow table in; one vantage point per byte out, classified and summed per
//! place and class (see [`apply`]). Puts each ENI's
//! records in its VPC, region and AZ (from the inventory when the logs lack `vpc-id`/`az-id`),
//! finds NAT gateway interfaces (inventory, else evidence in the logs), counts NAT-processed
//! bytes once (attributed to the client's AZ where a client ENI is logged), marks traffic that
//! leaves through an internet gateway or an existing gateway endpoint (no NAT charge: kept with
//! its path in [`schema::PATH_HINT`], outside the NAT rules), and names AWS services by DNS.
//! Everything removed or moved is counted in [`Vantage`].
//!
//! NAT rule, per (VPC, region, remote address, direction) over the whole window (a flow's client
//! and NAT records can start on either side of an hour's edge): the NAT ENI's public leg is
//! what NAT bills and the client ENIs' records are the same bytes seen from the other end, so
//! the NAT-processed bytes are `max(nat_leg, clients)`; client rows keep their AZ, and NAT-leg
//! bytes no logged client accounts for stay on the NAT ENI's AZ. The client leg on the NAT ENI
//! (private hop, public pkt-* address) is private traffic.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::classify::{Classifier, ClassifyStats, IpRanges};
use crate::dns::{DnsIndex, DnsStats};
use crate::error::Result;
use crate::ingest::aggregate::{CtxStats, FlowTable};
use crate::ingest::scan::{Context, Direction, RemoteId};
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
    /// Every interface taken for a NAT gateway's (by any rule, with public flows or not): their
    /// private hops are client legs, left out of the traffic and of the hourly series.
    #[serde(skip)]
    pub nat_enis: BTreeSet<String>,
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
        self.duplicate_bytes_removed
            .values()
            .fold(0u64, |a, b| a.saturating_add(*b))
    }
}

/// One flow as the rules see it: strings as ids in the run's [`Interner`], the remote side as
/// in the [`FlowTable`].
#[derive(Debug, Clone, Copy)]
struct Row {
    /// Index of the flow's context in the table (its rank orders rows deterministically).
    ctx: u32,
    vpc: u32,
    region: u32,
    az: u32,
    interface: u32,
    hint: u32,
    remote: RemoteId,
    direction: Direction,
    /// [`schema::PATH_HINT`]: why the flow skips NAT, else empty.
    via: &'static str,
    dns_service: u32,
    dns_region: u32,
    bytes: u64,
    packets: u64,
    records: u64,
    hour: u32,
}

impl Row {
    fn public(&self) -> bool {
        self.remote.address().is_some()
    }
}

/// NAT rule group: (VPC, region, remote, direction). Not the hour: each ENI cuts its records at
/// its own capture windows, so one flow's client and NAT records may start in different hours
/// (a real export: a 55 MB download logged at 17:59:12 by the client, at 18:00:00 by the NAT
/// ENI), and matching them per hour counted such bytes twice whenever hours were kept (with
/// `--dns-logs`).
type GroupKey = (u32, u32, RemoteId, Direction);

/// Where a flow's bytes are summed once the remote address is classified: (VPC, region, AZ,
/// interface, direction, DNS service, DNS region, path hint, class).
type OutKey = (u32, u32, u32, u32, Direction, u32, u32, &'static str, u32);

/// Applies the rules to the run's flows (read partition by partition), classifies each
/// distinct (remote address, hint) once against `ip_ranges`, and sums the flows per place and
/// class: the result has the columns of [`schema::class_schema`]'s classified frame (no remote
/// address, no hour), with what the rules did and the classification counts.
pub fn apply(
    mut table: FlowTable,
    inventory: Option<&Inventory>,
    mut dns: Option<&mut DnsIndex>,
    ip_ranges: &IpRanges,
) -> Result<(LazyFrame, Vantage, ClassifyStats)> {
    let mut strings = std::mem::take(&mut table.strings);
    let unattributed = strings.intern(b"unattributed");
    let mut v = Vantage {
        inventory: inventory.is_some(),
        ..Vantage::default()
    };
    let stats = std::mem::take(&mut table.ctx_stats);

    // 1. Place each ENI's records (per context: every flow of a context moves together).
    let mut placed = table.contexts.clone();
    let mut roles: FxHashMap<u32, Role> = FxHashMap::default();
    if let Some(inv) = inventory {
        for (c, s) in placed.iter_mut().zip(&stats) {
            let Some((vpc, region, az)) = inv.eni_place(strings.name(c.interface)) else {
                continue;
            };
            let mut changed = false;
            let old_vpc = strings.name(c.vpc);
            if (old_vpc == "unattributed" || old_vpc.is_empty()) && !vpc.is_empty() {
                c.vpc = strings.intern(vpc.as_bytes());
                changed = true;
            }
            if !region.is_empty() && strings.name(c.region) != region {
                c.region = strings.intern(region.as_bytes());
                changed = true;
            }
            let old_az = strings.name(c.az);
            if (old_az == "-" || old_az.is_empty()) && !az.is_empty() {
                c.az = strings.intern(az.as_bytes());
                changed = true;
            }
            if changed {
                v.attributed_records = v.attributed_records.saturating_add(s.records);
            }
        }
        let interfaces: BTreeSet<u32> = placed.iter().map(|c| c.interface).collect();
        for i in interfaces {
            if let Some(role) = inv.role(strings.name(i)) {
                roles.insert(i, role);
            }
        }
    }
    let mut unknown = BTreeSet::new();
    for (c, s) in placed.iter().zip(&stats) {
        if c.vpc == unattributed {
            v.unattributed_records = v.unattributed_records.saturating_add(s.records);
            v.unattributed_bytes = v.unattributed_bytes.saturating_add(s.bytes);
            if c.interface != 0 {
                unknown.insert(strings.name(c.interface).to_string());
            }
        }
    }
    v.unattributed_interfaces = unknown.into_iter().take(10).collect();

    // 2. NAT interfaces: inventory, else pkt-* relay evidence, else balance.
    let mut nat_rule: FxHashMap<u32, (&'static str, String)> = FxHashMap::default();
    for (eni, role) in &roles {
        if let Role::NatGateway(id) = role {
            nat_rule.insert(*eni, (RULE_INVENTORY, id.clone()));
        }
    }
    let mut sides: FxHashMap<u32, CtxStats> = FxHashMap::default();
    for (c, s) in placed.iter().zip(&stats) {
        if c.interface != 0 {
            let e = sides.entry(c.interface).or_default();
            e.public = e.public.saturating_add(s.public);
            e.private = e.private.saturating_add(s.private);
            e.relayed = e.relayed.saturating_add(s.relayed);
        }
    }
    for (eni, s) in &sides {
        if nat_rule.contains_key(eni) || roles.contains_key(eni) || s.public == 0 {
            continue;
        }
        if s.relayed > 0 {
            nat_rule.insert(*eni, (RULE_PKT_RELAY, String::new()));
        } else if s.private > 0
            && u128::from(s.public.abs_diff(s.private)) * 100
                <= u128::from(s.public.max(s.private)) * u128::from(BALANCE_TOLERANCE_PCT)
        {
            nat_rule.insert(*eni, (RULE_BALANCE, String::new()));
        }
    }
    let is_nat = |c: &Context| nat_rule.contains_key(&c.interface);
    // The VPCs whose NAT interfaces carry public flows, and each NAT interface's public bytes
    // (with its VPC and AZ: the first in name order when it was logged under several).
    let mut nat_vpcs: BTreeSet<(u32, u32)> = BTreeSet::new();
    let mut per_nat: BTreeMap<String, (String, String, u64)> = BTreeMap::new();
    for (c, s) in placed.iter().zip(&stats) {
        if !(is_nat(c) && s.public_flows) {
            continue;
        }
        nat_vpcs.insert((c.vpc, c.region));
        let (vpc, az) = (strings.name(c.vpc), strings.name(c.az));
        let e = per_nat
            .entry(strings.name(c.interface).to_string())
            .or_insert_with(|| (vpc.to_string(), az.to_string(), 0));
        if (vpc, az) < (e.0.as_str(), e.1.as_str()) {
            (e.0, e.1) = (vpc.to_string(), az.to_string());
        }
        e.2 = e.2.saturating_add(s.public);
    }
    // Contexts ranked by their strings: NAT rows are split in this order, whatever order the
    // files were read in.
    let rank = {
        let key = |c: &Context| {
            [c.vpc, c.region, c.az, c.interface, c.hint].map(|id| strings.name(id).to_string())
        };
        let mut order: Vec<u32> = (0..table.contexts.len() as u32).collect();
        order.sort_by_cached_key(|&i| key(&table.contexts[i as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, i) in order.into_iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        rank
    };

    let mut removed_by_rule: BTreeMap<String, u64> = BTreeMap::new();
    let mut classifier = Classifier::new(ip_ranges);
    let mut sums: FxHashMap<OutKey, [u64; 3]> = FxHashMap::default();
    let addrs = std::mem::take(&mut table.addrs);
    let addr = |r: RemoteId| r.address().map(|i| addrs[i]);
    // Kept from partition to partition: fresh ones were a fault per page of each partition's
    // rows (a quarter of this loop at 50M records).
    let (mut rows, mut bypass): (Vec<Row>, Vec<Row>) = (Vec::new(), Vec::new());
    let mut pairs: FxHashMap<(RemoteId, u32), u32> = FxHashMap::default();
    table.take_partitions().for_each(|flows| {
        rows.clear();
        bypass.clear();
        pairs.clear();
        rows.reserve(flows.len());
        for (k, s) in flows {
            let c = placed[k.ctx as usize];
            let nat = is_nat(&c);
            // 3. Client legs (a NAT ENI's private hops, and any relayed hop) are the same
            //    bytes as the public leg: counted here, not again as traffic.
            if k.remote == RemoteId::RELAYED || (nat && k.remote == RemoteId::PRIVATE) {
                v.relayed_bytes = v.relayed_bytes.saturating_add(s.bytes);
                continue;
            }
            let mut row = Row {
                ctx: k.ctx,
                vpc: c.vpc,
                region: c.region,
                az: c.az,
                interface: c.interface,
                hint: c.hint,
                remote: k.remote,
                direction: k.direction,
                via: "",
                dns_service: 0,
                dns_region: 0,
                bytes: s.bytes,
                packets: s.packets,
                records: s.records,
                hour: k.hour,
            };
            // 4. Egress through an internet gateway (inventory routes, or the records' own
            //    traffic-path) or an existing gateway endpoint is set apart: kept, with its
            //    path, but out of the NAT rules. A NAT gateway's own public leg leaves through
            //    the internet gateway too (its records say traffic-path 8): it is what NAT
            //    processed, not a bypass.
            if row.public() && !nat {
                let via = if matches!(
                    roles.get(&c.interface),
                    Some(Role::Workload(Egress::InternetGateway(_)))
                ) {
                    Some(schema::VIA_IGW_ROUTE)
                } else {
                    table
                        .direct
                        .get(&(c.interface, k.remote))
                        .map(|b| via_of(*b))
                };
                if let Some(via) = via {
                    v.bypass_bytes = v.bypass_bytes.saturating_add(row.bytes);
                    v.bypass_records = v.bypass_records.saturating_add(row.records);
                    row.via = via;
                    bypass.push(row);
                    continue;
                }
            }
            rows.push(row);
        }

        // 5. One vantage point per NAT-processed byte.
        if !nat_rule.is_empty() {
            let nat_row = |r: &Row| r.public() && nat_rule.contains_key(&r.interface);
            let is_client = |r: &Row| {
                r.public()
                    && !nat_rule.contains_key(&r.interface)
                    && !matches!(roles.get(&r.interface), Some(Role::Endpoint))
                    && nat_vpcs.contains(&(r.vpc, r.region))
            };
            let key = |r: &Row| -> GroupKey { (r.vpc, r.region, r.remote, r.direction) };
            let mut nat_sum: FxHashMap<GroupKey, (u64, u64)> = FxHashMap::default();
            let mut client_sum: FxHashMap<GroupKey, u64> = FxHashMap::default();
            let mut nat_rows: Vec<usize> = Vec::new();
            for (i, r) in rows.iter().enumerate() {
                if nat_row(r) {
                    let e = nat_sum.entry(key(r)).or_default();
                    e.0 = e.0.saturating_add(r.bytes);
                    e.1 += 1;
                    nat_rows.push(i);
                    v.nat_leg_bytes = v.nat_leg_bytes.saturating_add(r.bytes);
                } else if is_client(r) {
                    let e = client_sum.entry(key(r)).or_default();
                    *e = e.saturating_add(r.bytes);
                    v.client_bytes = v.client_bytes.saturating_add(r.bytes);
                }
            }
            // Scale each NAT-leg row to the share of its group that no client accounts for;
            // a group's rows in context and hour order, the last one taking the rounding
            // remainder.
            nat_rows.sort_by_key(|&i| (key(&rows[i]), rank[rows[i].ctx as usize], rows[i].hour));
            let mut kept_nat: FxHashMap<GroupKey, u64> = FxHashMap::default();
            for i in nat_rows {
                let r = &mut rows[i];
                let k = key(r);
                let (n, left) = nat_sum.get_mut(&k).expect("summed above");
                let c = client_sum.get(&k).copied().unwrap_or(0);
                let target = n.saturating_sub(c); // NAT bytes beyond what clients show
                *left -= 1;
                let already = kept_nat.entry(k).or_default();
                let share = if *left == 0 {
                    target.saturating_sub(*already) // the last row takes the rounding remainder
                } else {
                    ((u128::from(r.bytes) * u128::from(target)) / u128::from((*n).max(1))) as u64
                }
                .min(r.bytes);
                *already = already.saturating_add(share);
                let removed = r.bytes - share;
                if removed > 0 {
                    let rule = nat_rule[&r.interface].0.to_string();
                    let e = removed_by_rule.entry(rule).or_default();
                    *e = e.saturating_add(removed);
                }
                if r.bytes > 0 {
                    r.records = ((u128::from(r.records) * u128::from(share)) / u128::from(r.bytes))
                        .max(u128::from(share > 0)) as u64;
                    r.packets =
                        ((u128::from(r.packets) * u128::from(share)) / u128::from(r.bytes)) as u64;
                }
                r.bytes = share;
                v.nat_only_bytes = v.nat_only_bytes.saturating_add(share);
            }
            rows.retain(|r| r.bytes > 0 || r.records > 0);
        }

        // 6. DNS names (flows that skip NAT keep their path, unnamed).
        if let Some(index) = dns.as_deref_mut() {
            for r in rows.iter_mut() {
                let Some(ip) = addr(r.remote) else { continue };
                let hour = (r.hour > 0).then_some(r.hour);
                if let Some(n) = index.name(strings.name(r.vpc), ip, hour, r.bytes) {
                    r.dns_service = strings.intern(n.service.as_bytes());
                    r.dns_region = strings.intern(n.region.as_bytes());
                }
            }
        }

        // 7. Classify each distinct (remote, hint) once, and sum the flows per place and
        //    class: the remote address and the hour are folded away.
        for r in rows.iter().chain(&bypass) {
            let class = *pairs
                .entry((r.remote, r.hint))
                .or_insert_with(|| classifier.pair(addr(r.remote), strings.name(r.hint)));
            classifier.count_records(class, r.records);
            let e = sums
                .entry((
                    r.vpc,
                    r.region,
                    r.az,
                    r.interface,
                    r.direction,
                    r.dns_service,
                    r.dns_region,
                    r.via,
                    class,
                ))
                .or_default();
            e[0] = e[0].saturating_add(r.bytes);
            e[1] = e[1].saturating_add(r.packets);
            e[2] = e[2].saturating_add(r.records);
        }
        Ok(())
    })?;
    if let Some(index) = dns {
        v.dns = Some(index.finish());
    }
    v.nat_enis = nat_rule
        .keys()
        .map(|&i| strings.name(i).to_string())
        .collect();
    if !nat_rule.is_empty() {
        v.duplicate_bytes_removed = removed_by_rule;
        v.nat_interfaces = per_nat
            .into_iter()
            .map(|(eni, (vpc, az, bytes))| {
                let id = strings.intern(eni.as_bytes());
                let (rule, nat_id) = nat_rule[&id].clone();
                NatInterface {
                    interface_id: eni,
                    vpc_id: vpc,
                    az_id: az,
                    nat_gateway_id: nat_id,
                    rule: rule.to_string(),
                    public_bytes: bytes,
                }
            })
            .collect();
        let rules: BTreeSet<String> = v.nat_interfaces.iter().map(|n| n.rule.clone()).collect();
        v.rules_used = rules.into_iter().collect();
    }
    let rows = sums.into_iter().map(|(k, s)| {
        let name = |id: u32| strings.name(id);
        (
            [
                name(k.0),
                name(k.1),
                name(k.2),
                name(k.3),
                k.4.as_str(),
                name(k.5),
                name(k.6),
                k.7,
            ],
            k.8,
            s,
        )
    });
    let (frame, class_stats) = classifier.frame(rows)?;
    Ok((frame, v, class_stats))
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (interface, remote, direction, bytes).
    type TestRow<'a> = (&'a str, &'a str, &'a str, u64);

    /// The rules on a flow frame, no inventory, no DNS.
    pub(super) fn run(df: DataFrame, direct: &[(&str, &str, u8)]) -> (DataFrame, Vantage) {
        let table = FlowTable::from_frame(&df, direct).unwrap();
        let ranges = IpRanges::embedded().unwrap();
        let (out, v, _) = apply(table, None, None, &ranges).unwrap();
        (out.collect().unwrap(), v)
    }

    /// A flow frame from test rows, one VPC, no inventory.
    fn frame(rows: &[TestRow<'_>]) -> DataFrame {
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
    }

    fn public_bytes(df: &DataFrame) -> u64 {
        let kind = df
            .column(schema::REMOTE_KIND)
            .unwrap()
            .str()
            .unwrap()
            .clone();
        let bytes = df.column(schema::BYTES).unwrap().u64().unwrap().clone();
        (0..df.height())
            .filter(|&i| kind.get(i) != Some("private"))
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
            let (df, v) = run(frame(&borrowed), &[]);
            prop_assert_eq!(public_bytes(&df), expect_total);
            prop_assert_eq!(v.duplicates_removed(), expect_removed);
            prop_assert_eq!(v.relayed_bytes, 20);
        }
    }

    #[test]
    fn without_a_nat_interface_nothing_changes() {
        let (df, v) = run(
            frame(&[
                ("eni-a", "8.8.8.8", "egress", 100),
                ("eni-a", "", "ingress", 7),
            ]),
            &[],
        );
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
        let (out, v) = super::tests::run(df, &[("eni-nat", "203.0.113.5", 4)]);
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
        let (out, v) = super::tests::run(df, &[("eni-web", "8.8.8.8", 4)]);
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
