//! The AWS ip-ranges prefix table: `ip-ranges.json` in, address -> (service, region) out, with the
//! precedence rule that matches how packets are routed: any S3/DynamoDB prefix that contains the
//! address wins (a gateway endpoint routes the whole prefix list), otherwise the longest prefix,
//! and on equal prefixes a specific service beats AMAZON.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rustc_hash::FxHashMap;
use serde::Deserialize;

use crate::error::{Error, Result};

/// The snapshot shipped with the tool (`data/ip-ranges.json`).
pub const EMBEDDED_IP_RANGES: &str = include_str!("../../data/ip-ranges.json");

/// One prefix of the table, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixEntry {
    /// Network address (host bits cleared), IPv4 mapped into the low 32 bits.
    pub network: u128,
    pub len: u8,
    pub v6: bool,
    pub service: String,
    pub region: String,
}

/// What an address matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsMatch {
    pub service: String,
    pub region: String,
    /// The matching prefix, `a.b.c.d/n` or `x::/n`.
    pub prefix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    service: u16,
    region: u16,
}

/// One address family: per prefix length (longest first), network -> the services listing it;
/// and the same answers as ranges of addresses, made on the first lookup.
#[derive(Debug, Default)]
struct Family {
    lengths: Vec<(u8, FxHashMap<u128, Vec<Slot>>)>,
    bits: u8,
    ranges: std::sync::OnceLock<Ranges>,
}

/// A family's addresses cut where any prefix starts or ends: within one range the same
/// prefixes contain every address, so the precedence rule gives every address the same answer.
/// A lookup is then one binary search, not a hash lookup per prefix length (a microsecond an
/// address, 5% of a scan with a hundred thousand distinct remote addresses).
#[derive(Debug, Default)]
struct Ranges {
    /// First address of each range, ascending; the first is 0.
    starts: Vec<u128>,
    /// The answer for each range: the matching prefix (length, network) and its slot.
    found: Vec<Option<(u8, u128, Slot)>>,
}

/// Longest-prefix-match table over IPv4 and IPv6 prefixes.
#[derive(Debug)]
pub struct IpRanges {
    pub sync_token: String,
    pub create_date: String,
    /// Where the table came from (`embedded` or a path).
    pub source: String,
    pub prefix_count_v4: usize,
    pub prefix_count_v6: usize,
    services: Vec<String>,
    regions: Vec<String>,
    v4: Family,
    v6: Family,
    entries: Vec<PrefixEntry>,
    /// Tells this table from any other built in the process (see [`IpRanges::serial`]).
    serial: u64,
}

/// Serial numbers of tables.
static SERIALS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

#[derive(Deserialize)]
struct RawFile {
    #[serde(rename = "syncToken")]
    sync_token: String,
    #[serde(rename = "createDate")]
    create_date: String,
    prefixes: Vec<RawV4>,
    #[serde(default)]
    ipv6_prefixes: Vec<RawV6>,
}

#[derive(Deserialize)]
struct RawV4 {
    ip_prefix: String,
    region: String,
    service: String,
}

#[derive(Deserialize)]
struct RawV6 {
    ipv6_prefix: String,
    region: String,
    service: String,
}

/// Whether a service label is one of the gateway-endpoint services.
pub fn is_gateway_service(service: &str) -> bool {
    service == "S3" || service == "DYNAMODB"
}

impl IpRanges {
    /// The embedded snapshot.
    pub fn embedded() -> Result<IpRanges> {
        IpRanges::parse(EMBEDDED_IP_RANGES, "embedded data/ip-ranges.json")
    }

    /// Loads a file in the ip-ranges.json shape.
    pub fn from_path(path: &std::path::Path) -> Result<IpRanges> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        IpRanges::parse(&text, &path.display().to_string())
    }

    /// Parses ip-ranges.json text; `source` names it in errors and reports.
    pub fn parse(text: &str, source: &str) -> Result<IpRanges> {
        let raw: RawFile = serde_json::from_str(text).map_err(|e| Error::IpRanges {
            path: source.to_string(),
            reason: e.to_string(),
        })?;
        let mut entries = Vec::with_capacity(raw.prefixes.len() + raw.ipv6_prefixes.len());
        let bad = |p: &str| Error::IpRanges {
            path: source.to_string(),
            reason: format!("bad prefix '{p}'"),
        };
        for p in &raw.prefixes {
            let (net, len) = parse_prefix(&p.ip_prefix, false).ok_or_else(|| bad(&p.ip_prefix))?;
            entries.push(PrefixEntry {
                network: net,
                len,
                v6: false,
                service: p.service.clone(),
                region: p.region.clone(),
            });
        }
        for p in &raw.ipv6_prefixes {
            let (net, len) =
                parse_prefix(&p.ipv6_prefix, true).ok_or_else(|| bad(&p.ipv6_prefix))?;
            entries.push(PrefixEntry {
                network: net,
                len,
                v6: true,
                service: p.service.clone(),
                region: p.region.clone(),
            });
        }
        Ok(IpRanges::build(
            raw.sync_token,
            raw.create_date,
            source.to_string(),
            entries,
        ))
    }

    /// Builds the table from entries (also used by tests).
    pub fn build(
        sync_token: String,
        create_date: String,
        source: String,
        mut entries: Vec<PrefixEntry>,
    ) -> IpRanges {
        entries.sort_by(|a, b| {
            (a.v6, a.network, a.len, rank(&a.service), &a.region).cmp(&(
                b.v6,
                b.network,
                b.len,
                rank(&b.service),
                &b.region,
            ))
        });
        entries.dedup();
        let mut services: Vec<String> = entries.iter().map(|e| e.service.clone()).collect();
        services.sort();
        services.dedup();
        let mut regions: Vec<String> = entries.iter().map(|e| e.region.clone()).collect();
        regions.sort();
        regions.dedup();
        let mut v4 = Family {
            bits: 32,
            ..Family::default()
        };
        let mut v6 = Family {
            bits: 128,
            ..Family::default()
        };
        for e in &entries {
            let fam = if e.v6 { &mut v6 } else { &mut v4 };
            let slot = Slot {
                service: services.binary_search(&e.service).unwrap_or(0) as u16,
                region: regions.binary_search(&e.region).unwrap_or(0) as u16,
            };
            let pos = match fam.lengths.iter().position(|(l, _)| *l == e.len) {
                Some(p) => p,
                None => {
                    fam.lengths.push((e.len, FxHashMap::default()));
                    fam.lengths.len() - 1
                }
            };
            fam.lengths[pos].1.entry(e.network).or_default().push(slot);
        }
        for fam in [&mut v4, &mut v6] {
            fam.lengths.sort_by_key(|l| std::cmp::Reverse(l.0));
        }
        IpRanges {
            sync_token,
            create_date,
            source,
            prefix_count_v4: entries.iter().filter(|e| !e.v6).count(),
            prefix_count_v6: entries.iter().filter(|e| e.v6).count(),
            services,
            regions,
            v4,
            v6,
            entries,
            serial: SERIALS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// A number no other table built in this process has: what is cached from one table's
    /// lookups is kept apart from another's.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// All prefixes, sorted.
    pub fn entries(&self) -> &[PrefixEntry] {
        &self.entries
    }

    /// Classifies an address with the precedence rule (see module docs).
    pub fn lookup(&self, addr: IpAddr) -> Option<AwsMatch> {
        let (len, net, slot) = self.find(addr)?;
        Some(AwsMatch {
            service: self.services[slot.service as usize].clone(),
            region: self.regions[slot.region as usize].clone(),
            prefix: format_prefix(net, len, addr.is_ipv6()),
        })
    }

    /// [`IpRanges::lookup`] without allocating: the service and the region as ids, named by
    /// [`IpRanges::service_name`] and [`IpRanges::region_name`]. (No cache of answers: the
    /// binary search costs less than a lookup in a cache of a million addresses.)
    pub fn lookup_ids(&self, addr: IpAddr) -> Option<(u16, u16)> {
        self.find(addr).map(|(_, _, s)| (s.service, s.region))
    }

    /// The service label of an id from [`IpRanges::lookup_ids`].
    pub fn service_name(&self, id: u16) -> &str {
        &self.services[id as usize]
    }

    /// The region of an id from [`IpRanges::lookup_ids`].
    pub fn region_name(&self, id: u16) -> &str {
        &self.regions[id as usize]
    }

    /// The matching prefix (length, network) and its slot, by the precedence rule.
    fn find(&self, addr: IpAddr) -> Option<(u8, u128, Slot)> {
        let (fam, value) = match addr {
            IpAddr::V4(a) => (&self.v4, u128::from(u32::from(a))),
            IpAddr::V6(a) => (&self.v6, u128::from(a)),
        };
        let ranges = fam.ranges.get_or_init(|| fam.ranges(&self.services));
        // The range starting at or before `value` (the first starts at 0).
        let i = ranges.starts.partition_point(|&s| s <= value);
        ranges.found[i - 1]
    }
}

impl Family {
    /// The family's [`Ranges`]: the answer of [`Family::find_by_lengths`] at each range's first
    /// address, neighbours with the same answer merged.
    fn ranges(&self, services: &[String]) -> Ranges {
        let top = if self.bits == 128 {
            None
        } else {
            Some(1u128 << self.bits)
        };
        let mut cuts = vec![0u128];
        for (len, map) in &self.lengths {
            let size = 1u128.checked_shl(u32::from(self.bits - len));
            for &net in map.keys() {
                cuts.push(net);
                // The first address after the prefix, when there is one in the family.
                if let Some(end) = size.and_then(|s| net.checked_add(s)) {
                    if top.is_none_or(|t| end < t) {
                        cuts.push(end);
                    }
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut ranges = Ranges::default();
        for start in cuts {
            let found = self.find_by_lengths(start, services);
            if ranges.found.last() != Some(&found) {
                ranges.starts.push(start);
                ranges.found.push(found);
            }
        }
        ranges
    }

    /// [`IpRanges::find`] by a lookup at each prefix length, longest first.
    fn find_by_lengths(&self, value: u128, services: &[String]) -> Option<(u8, u128, Slot)> {
        let mut gateway: Option<(u8, u128, Slot)> = None;
        let mut other: Option<(u8, u128, Slot)> = None;
        for (len, map) in &self.lengths {
            let net = mask(value, *len, self.bits);
            let Some(slots) = map.get(&net) else { continue };
            for s in slots {
                let service = &services[s.service as usize];
                if is_gateway_service(service) {
                    if gateway.is_none() {
                        gateway = Some((*len, net, *s));
                    }
                } else if other.is_none() {
                    // Slots are sorted with AMAZON last, so the first one is the most specific.
                    other = Some((*len, net, *s));
                }
            }
            if gateway.is_some() {
                break;
            }
        }
        gateway.or(other)
    }
}

/// Sort rank of a service on one prefix: specific services first (S3/DynamoDB before others),
/// AMAZON last.
fn rank(service: &str) -> (u8, &str) {
    if is_gateway_service(service) {
        (0, service)
    } else if service == "AMAZON" {
        (2, service)
    } else {
        (1, service)
    }
}

/// Brute-force reference for [`IpRanges::lookup`]: scans every prefix. Used by tests.
pub fn lookup_brute_force(entries: &[PrefixEntry], addr: IpAddr) -> Option<AwsMatch> {
    let (v6, value, bits) = match addr {
        IpAddr::V4(a) => (false, u128::from(u32::from(a)), 32u8),
        IpAddr::V6(a) => (true, u128::from(a), 128u8),
    };
    let containing: Vec<&PrefixEntry> = entries
        .iter()
        .filter(|e| e.v6 == v6 && mask(value, e.len, bits) == e.network)
        .collect();
    let best = |pred: &dyn Fn(&PrefixEntry) -> bool| {
        containing
            .iter()
            .filter(|e| pred(e))
            .min_by(|a, b| {
                (std::cmp::Reverse(a.len), rank(&a.service), &a.region).cmp(&(
                    std::cmp::Reverse(b.len),
                    rank(&b.service),
                    &b.region,
                ))
            })
            .copied()
    };
    let chosen = best(&|e| is_gateway_service(&e.service)).or_else(|| best(&|_| true))?;
    Some(AwsMatch {
        service: chosen.service.clone(),
        region: chosen.region.clone(),
        prefix: format_prefix(chosen.network, chosen.len, v6),
    })
}

fn mask(value: u128, len: u8, bits: u8) -> u128 {
    if len == 0 {
        return 0;
    }
    let shift = u32::from(bits - len);
    let full = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    (value >> shift << shift) & full
}

fn parse_prefix(s: &str, v6: bool) -> Option<(u128, u8)> {
    let (addr, len) = s.split_once('/')?;
    let len: u8 = len.parse().ok()?;
    if v6 {
        let a: Ipv6Addr = addr.parse().ok()?;
        if len > 128 {
            return None;
        }
        Some((mask(u128::from(a), len, 128), len))
    } else {
        let a: Ipv4Addr = addr.parse().ok()?;
        if len > 32 {
            return None;
        }
        Some((mask(u128::from(u32::from(a)), len, 32), len))
    }
}

fn format_prefix(net: u128, len: u8, v6: bool) -> String {
    if v6 {
        format!("{}/{len}", Ipv6Addr::from(net))
    } else {
        format!("{}/{len}", Ipv4Addr::from(net as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_works() {
        assert_eq!(mask(0xffff_ffff, 8, 32), 0xff00_0000);
        assert_eq!(mask(0xffff_ffff, 32, 32), 0xffff_ffff);
        assert_eq!(mask(0xffff_ffff, 0, 32), 0);
        assert_eq!(mask(u128::MAX, 128, 128), u128::MAX);
        assert_eq!(parse_prefix("3.4.12.4/32", false), Some((0x03040c04, 32)));
        assert_eq!(parse_prefix("3.4.12.4/33", false), None);
    }
}
