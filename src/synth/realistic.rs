//! The `realistic` synth preset: a seed, a size and cardinality knobs in; flow-log files shaped
//! like a busy estate (5 VPCs in 2 accounts and 2 regions, dozens of interfaces, a large remote
//! address population, random ephemeral ports, v5 in a shuffled custom field order) and their
//! ground truth (`expected-totals.json`, with the data set's cardinality) out. Files are written
//! in parallel, each from its own random stream, so a seed gives the same bytes on any machine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use flate2::write::GzEncoder;
use flate2::Compression;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use super::{
    civil, pick_weighted, random_in, spread, ClassTotals, ExpectedTotals, Rng, SynthConfig,
    FLOW_LOG_ID, MB, V5_FIELDS,
};
use crate::classify::address::is_private;
use crate::classify::ipranges::{lookup_brute_force, IpRanges, PrefixEntry};
use crate::cli::{SynthDelivery, SynthVersion};
use crate::error::{Error, Result};
use crate::traffic::DestClass;

/// Cardinality knobs of the preset.
#[derive(Debug, Clone)]
pub struct Knobs {
    /// Network interfaces per subnet (each VPC has one subnet per AZ).
    pub enis_per_subnet: u32,
    /// Distinct remote addresses, split over the classes by [`CLASS_SHARES`].
    pub remote_addresses: u64,
    /// Distinct (interface, remote address) conversations records are drawn from.
    pub flows: u64,
    /// Client ephemeral ports in use, from 32768 up.
    pub ephemeral_ports: u32,
}

impl Default for Knobs {
    /// The documented preset: 6 interfaces per subnet (72 in all), 132,000 remote addresses,
    /// 500,000 conversations (about 1,000,000 distinct triples), the Linux ephemeral range.
    fn default() -> Knobs {
        Knobs {
            enis_per_subnet: 6,
            remote_addresses: 132_000,
            flows: 500_000,
            ephemeral_ports: 28_232,
        }
    }
}

/// What the data set holds, written into `expected-totals.json` as `cardinality`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Cardinality {
    pub preset: String,
    pub vpcs: u64,
    pub accounts: u64,
    pub regions: u64,
    pub interfaces: u64,
    /// Remote addresses in the pools (each drawn from by some conversation or not).
    pub remote_addresses: u64,
    /// Distinct (interface, srcaddr, dstaddr) triples in the records.
    pub distinct_flows: u64,
    /// Distinct (interface, srcaddr, dstaddr, start hour) in the records.
    pub distinct_flow_hours: u64,
    /// The field order of the header line.
    pub header: String,
}

const ACCOUNTS: [&str; 2] = ["123456789012", "210987654321"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    S3,
    Dynamodb,
    Amazon,
    Ec2,
    S3Cross,
    Internet,
    Private,
}

impl Class {
    fn dest(self) -> DestClass {
        match self {
            Class::S3 => DestClass::S3,
            Class::Dynamodb => DestClass::Dynamodb,
            Class::Amazon => DestClass::AwsService,
            Class::Ec2 => DestClass::AwsHosted,
            Class::S3Cross => DestClass::AwsCrossRegion,
            Class::Internet => DestClass::Internet,
            Class::Private => DestClass::Private,
        }
    }
}

/// Share (percent) of the remote addresses per class.
const CLASS_SHARES: [(Class, u64); 7] = [
    (Class::Internet, 70),
    (Class::S3, 8),
    (Class::Amazon, 8),
    (Class::Ec2, 8),
    (Class::Dynamodb, 2),
    (Class::S3Cross, 2),
    (Class::Private, 2),
];

struct Vpc {
    id: &'static str,
    account: usize,
    region: &'static str,
    azs: &'static [&'static str],
    /// Second octet of the VPC's 10.x.0.0/16.
    net: u8,
    /// Share of all records.
    weight: u32,
    /// (class, share of conversations, mean download bytes, mean upload bytes).
    mix: &'static [(Class, u32, u64, u64)],
}

const VPCS: [Vpc; 5] = [
    Vpc {
        id: "vpc-0b1c2d3e4f5a60101",
        account: 0,
        region: "us-east-1",
        azs: &["use1-az1", "use1-az2", "use1-az4"],
        net: 11,
        weight: 35,
        mix: &[
            (Class::S3, 25, 40 * MB, 2 * MB),
            (Class::Dynamodb, 8, 2 * MB, MB),
            (Class::Amazon, 17, 8 * MB, MB),
            (Class::Ec2, 10, 4 * MB, MB / 2),
            (Class::S3Cross, 3, 20 * MB, MB),
            (Class::Internet, 30, 6 * MB, MB),
            (Class::Private, 7, 10 * MB, 10 * MB),
        ],
    },
    Vpc {
        id: "vpc-0b1c2d3e4f5a60102",
        account: 0,
        region: "us-east-1",
        azs: &["use1-az1", "use1-az2"],
        net: 12,
        weight: 15,
        mix: &[
            (Class::S3, 10, 10 * MB, MB),
            (Class::Amazon, 20, 2 * MB, MB / 4),
            (Class::Ec2, 10, 2 * MB, MB / 2),
            (Class::Internet, 50, 3 * MB, MB),
            (Class::Private, 10, 5 * MB, 5 * MB),
        ],
    },
    Vpc {
        id: "vpc-0c1d2e3f4a5b60201",
        account: 1,
        region: "eu-west-1",
        azs: &["euw1-az1", "euw1-az2", "euw1-az3"],
        net: 21,
        weight: 25,
        mix: &[
            (Class::S3, 20, 30 * MB, 3 * MB),
            (Class::Dynamodb, 5, 2 * MB, MB / 2),
            (Class::Amazon, 15, 2 * MB, MB / 4),
            (Class::Ec2, 10, 4 * MB, MB / 2),
            (Class::S3Cross, 2, 10 * MB, MB),
            (Class::Internet, 38, 8 * MB, 2 * MB),
            (Class::Private, 10, 5 * MB, 5 * MB),
        ],
    },
    Vpc {
        id: "vpc-0c1d2e3f4a5b60202",
        account: 1,
        region: "eu-west-1",
        azs: &["euw1-az1", "euw1-az2"],
        net: 22,
        weight: 15,
        mix: &[
            (Class::S3, 5, 2 * MB, MB / 2),
            (Class::Amazon, 5, MB / 2, MB / 8),
            (Class::Internet, 80, 3 * MB, MB / 2),
            (Class::Private, 10, MB, MB),
        ],
    },
    Vpc {
        id: "vpc-0c1d2e3f4a5b60103",
        account: 1,
        region: "us-east-1",
        azs: &["use1-az2", "use1-az6"],
        net: 23,
        weight: 10,
        mix: &[
            (Class::S3, 30, 20 * MB, 5 * MB),
            (Class::Dynamodb, 20, 4 * MB, MB),
            (Class::Amazon, 20, 2 * MB, MB / 2),
            (Class::Internet, 25, 2 * MB, MB / 2),
            (Class::Private, 5, MB, MB),
        ],
    },
];

/// Record-start granularity: every record covers one minute.
const DURATION: u64 = 60;

/// A remote address: its text, its `pkt-*-aws-service` value and its number in the data set.
struct Addr {
    text: String,
    hint: String,
    id: u32,
}

/// Remote address pools.
struct Pools {
    /// (region, class) -> addresses; Internet is under region "".
    by_class: BTreeMap<(&'static str, u8), Vec<Addr>>,
    /// Private peers per VPC index.
    private: Vec<Vec<Addr>>,
    total: u64,
}

impl Pools {
    fn get(&self, vpc: usize, class: Class) -> &[Addr] {
        match class {
            Class::Private => &self.private[vpc],
            Class::Internet => &self.by_class[&("", Class::Internet as u8)],
            c => &self.by_class[&(VPCS[vpc].region, c as u8)],
        }
    }
}

/// A network interface of the estate.
struct Eni {
    id: String,
    subnet: String,
    instance: String,
    az: &'static str,
    ipv4: String,
    /// Number in the data set (for the distinct-flow count).
    number: u64,
}

fn enis(knobs: &Knobs) -> Vec<Vec<Vec<Eni>>> {
    VPCS.iter()
        .enumerate()
        .map(|(v, vpc)| {
            vpc.azs
                .iter()
                .enumerate()
                .map(|(a, az)| {
                    (0..knobs.enis_per_subnet)
                        .map(|e| {
                            let h = (u64::from(vpc.net) << 24) | ((a as u64) << 16) | u64::from(e);
                            Eni {
                                id: format!(
                                    "eni-{:017x}",
                                    0x0a00_0000_0000_0000u64 | (h * 0x1_0001)
                                ),
                                subnet: format!(
                                    "subnet-{:017x}",
                                    0x0b00_0000_0000_0000u64 | (u64::from(vpc.net) << 8 | a as u64)
                                ),
                                instance: format!("i-{:017x}", 0x0c00_0000_0000_0000u64 | h),
                                az,
                                ipv4: Ipv4Addr::new(
                                    10,
                                    vpc.net,
                                    (a as u32 * 16 + e / 200) as u8,
                                    (10 + e % 200) as u8,
                                )
                                .to_string(),
                                number: ((v as u64 * 4 + a as u64) << 12) | u64::from(e),
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Checks candidates in parallel (`accept` gives the address's `pkt-*-aws-service` value when it
/// is of the wanted class) and keeps, in order, the first `n` distinct accepted ones.
fn draw(
    n: usize,
    rng: &mut Rng,
    candidate: impl Fn(&mut Rng) -> Option<IpAddr>,
    accept: impl Fn(IpAddr) -> Option<String> + Sync,
) -> Vec<(IpAddr, String)> {
    let mut out = Vec::with_capacity(n);
    let mut seen = FxHashSet::default();
    let mut tries = 0usize;
    while out.len() < n && tries < n * 50 + 1000 {
        let batch: Vec<IpAddr> = (0..4096).filter_map(|_| candidate(rng)).collect();
        if batch.is_empty() {
            break;
        }
        tries += batch.len();
        let checked: Vec<Option<String>> = batch.par_iter().map(|a| accept(*a)).collect();
        for (a, hint) in batch.into_iter().zip(checked) {
            if out.len() == n {
                break;
            }
            if let Some(hint) = hint {
                if seen.insert(a) {
                    out.push((a, hint));
                }
            }
        }
    }
    out
}

/// The brute-force classifier made fast for IPv4: entries grouped by (network, length), so only
/// the (at most 33) candidates that can contain an address are handed to
/// [`lookup_brute_force`], which then applies its precedence rule as for the whole table.
struct Containing<'a> {
    by_network: FxHashMap<(u32, u8), Vec<&'a PrefixEntry>>,
}

impl<'a> Containing<'a> {
    fn new(entries: &'a [PrefixEntry]) -> Containing<'a> {
        let mut by_network: FxHashMap<(u32, u8), Vec<&PrefixEntry>> = FxHashMap::default();
        for e in entries.iter().filter(|e| !e.v6) {
            by_network
                .entry((e.network as u32, e.len))
                .or_default()
                .push(e);
        }
        Containing { by_network }
    }

    fn service(&self, addr: Ipv4Addr) -> Option<(String, String)> {
        let value = u32::from(addr);
        let subset: Vec<PrefixEntry> = (0..=32u8)
            .filter_map(|len| {
                let net = if len == 0 {
                    0
                } else {
                    value & (u32::MAX << (32 - len))
                };
                self.by_network.get(&(net, len))
            })
            .flatten()
            .map(|e| (*e).clone())
            .collect();
        lookup_brute_force(&subset, IpAddr::V4(addr)).map(|m| (m.service, m.region))
    }
}

fn build_pools(knobs: &Knobs, entries: &[PrefixEntry], rng: &mut Rng) -> Pools {
    let containing = Containing::new(entries);
    let mut regions: Vec<&'static str> = VPCS.iter().map(|v| v.region).collect();
    regions.sort();
    regions.dedup();
    let share = |c: Class| {
        let pct = CLASS_SHARES.iter().find(|s| s.0 == c).map_or(0, |s| s.1);
        (knobs.remote_addresses * pct / 100).max(1)
    };
    let mut next_id = 0u32;
    let mut number = |list: Vec<(IpAddr, String)>| -> Vec<Addr> {
        list.into_iter()
            .map(|(a, hint)| {
                next_id += 1;
                Addr {
                    text: a.to_string(),
                    hint,
                    id: next_id - 1,
                }
            })
            .collect()
    };
    let mut by_class = BTreeMap::new();
    let internet = draw(
        share(Class::Internet) as usize,
        rng,
        |r| {
            let a = IpAddr::V4(Ipv4Addr::from(r.next_u64() as u32));
            (!is_private(a)).then_some(a)
        },
        |a| match a {
            IpAddr::V4(v4) => containing.service(v4).is_none().then(|| "-".to_string()),
            IpAddr::V6(_) => None,
        },
    );
    by_class.insert(("", Class::Internet as u8), number(internet));
    for r in &regions {
        let cross = if *r == "us-west-2" {
            "us-west-1"
        } else {
            "us-west-2"
        };
        for (class, service, region) in [
            (Class::S3, "S3", *r),
            (Class::Dynamodb, "DYNAMODB", *r),
            (Class::Amazon, "AMAZON", *r),
            (Class::Ec2, "EC2", *r),
            (Class::S3Cross, "S3", cross),
        ] {
            let candidates: Vec<&PrefixEntry> = entries
                .iter()
                .filter(|e| e.service == service && e.region == region && !e.v6)
                .collect();
            let n = (share(class) / regions.len() as u64).max(1) as usize;
            let list = draw(
                n,
                rng,
                |g| {
                    if candidates.is_empty() {
                        return None;
                    }
                    let e = candidates[g.below(candidates.len() as u64) as usize];
                    Some(random_in(e, g))
                },
                |a| {
                    let IpAddr::V4(v4) = a else { return None };
                    let (s, r) = containing.service(v4)?;
                    (s == service && r == region && !is_private(a)).then_some(s)
                },
            );
            by_class.insert((*r, class as u8), number(list));
        }
    }
    let per_vpc = (share(Class::Private) / VPCS.len() as u64).clamp(1, 56 * 250) as u32;
    let private = VPCS
        .iter()
        .map(|vpc| {
            number(
                (0..per_vpc)
                    .map(|i| {
                        let a =
                            Ipv4Addr::new(10, vpc.net, 200 + (i / 250) as u8, 1 + (i % 250) as u8);
                        (IpAddr::V4(a), "-".to_string())
                    })
                    .collect(),
            )
        })
        .collect();
    let total = u64::from(next_id);
    Pools {
        by_class,
        private,
        total,
    }
}

/// A group of files: one account's flow log in one region.
struct Group {
    account: usize,
    region: &'static str,
    vpcs: Vec<usize>,
    weight: u64,
    flows: u64,
}

/// One output file.
struct FileJob {
    group: usize,
    /// Slice of the window this file covers: [from, to).
    from: u64,
    to: u64,
    records: u64,
    index: u64,
}

/// `total` split over `weights` in proportion (largest remainder), each part at least `min`.
fn apportion(total: u64, weights: &[u64], min: u64) -> Vec<u64> {
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let mut parts: Vec<u64> = weights.iter().map(|w| total * w / sum).collect();
    let mut rest = total.saturating_sub(parts.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(total * weights[i] % sum));
    for &i in order.iter().cycle().take(weights.len() * 2) {
        if rest == 0 {
            break;
        }
        parts[i] += 1;
        rest -= 1;
    }
    for p in &mut parts {
        *p = (*p).max(min);
    }
    parts
}

/// What one file contributed to the ground truth.
#[derive(Default)]
struct Part {
    totals: ExpectedTotals,
    /// (interface, remote, direction, start hour) keys, see [`flow_key`].
    flows: Vec<u64>,
}

/// Distinct-flow key: interface number, remote address number, direction and start hour offset.
fn flow_key(eni: u64, remote: u32, ingress: bool, hour: u64) -> u64 {
    (eni << 43) | (u64::from(remote) << 17) | (u64::from(ingress) << 16) | (hour & 0xffff)
}

/// Generates the data set; returns a one-paragraph summary.
pub fn run(config: &SynthConfig) -> Result<String> {
    if config.delivery != SynthDelivery::S3 {
        return Err(Error::Invalid(
            "synth --preset realistic writes S3 delivery only (text, gzip or --plain)".into(),
        ));
    }
    let knobs = &config.realistic;
    let table = IpRanges::embedded()?;
    let entries = table.entries();
    let mut rng = Rng::new(config.seed);
    let pools = build_pools(knobs, entries, &mut rng);
    let enis = enis(knobs);
    let span = u64::from(config.hours) * 3600;

    // Field order: v5 in a shuffled custom order; v2 in its default order.
    let (order, version_text): (Vec<usize>, &str) = match config.version {
        SynthVersion::V2 => ((0..14).collect(), "2"),
        SynthVersion::V5 => {
            let mut order: Vec<usize> = (0..V5_NAMES).collect();
            for i in (1..order.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                order.swap(i, j);
            }
            (order, "5")
        }
    };
    let names: Vec<&str> = V5_FIELDS.split(' ').collect();
    let header = order
        .iter()
        .map(|&i| names[i])
        .collect::<Vec<_>>()
        .join(" ");

    let mut groups: Vec<Group> = Vec::new();
    for (i, vpc) in VPCS.iter().enumerate() {
        match groups
            .iter_mut()
            .find(|g| g.account == vpc.account && g.region == vpc.region)
        {
            Some(g) => {
                g.vpcs.push(i);
                g.weight += u64::from(vpc.weight);
            }
            None => groups.push(Group {
                account: vpc.account,
                region: vpc.region,
                vpcs: vec![i],
                weight: u64::from(vpc.weight),
                flows: 0,
            }),
        }
    }
    let weights: Vec<u64> = groups.iter().map(|g| g.weight).collect();
    let flows = apportion(knobs.flows, &weights, 1);
    for (g, f) in groups.iter_mut().zip(flows) {
        g.flows = f;
    }
    let files_per_group = apportion(u64::from(config.files), &weights, 1);
    let records_per_group = apportion(config.records, &weights, 0);
    let mut jobs = Vec::new();
    for (g, (&n, &records)) in files_per_group.iter().zip(&records_per_group).enumerate() {
        let per_file = apportion(records, &vec![1; n as usize], 0);
        for (k, r) in per_file.into_iter().enumerate() {
            let k = k as u64;
            jobs.push(FileJob {
                group: g,
                from: config.start + span * k / n,
                to: config.start + span * (k + 1) / n,
                records: r,
                index: jobs.len() as u64,
            });
        }
    }
    let context = Context {
        config,
        groups: &groups,
        pools: &pools,
        enis: &enis,
        order: &order,
        version: config.version,
        header: &header,
    };
    let parts: Vec<Part> = jobs
        .par_iter()
        .map(|job| context.file(job))
        .collect::<Result<_>>()?;

    let mut expected = ExpectedTotals {
        seed: config.seed,
        version: version_text.into(),
        files: jobs.len() as u64,
        window_start: u64::MAX,
        ..ExpectedTotals::default()
    };
    let mut keys: Vec<u64> = Vec::new();
    for part in parts {
        let t = part.totals;
        expected.records += t.records;
        expected.accepted += t.accepted;
        expected.rejected += t.rejected;
        expected.nodata += t.nodata;
        expected.skipdata += t.skipdata;
        expected.accepted_bytes += t.accepted_bytes;
        expected.window_start = expected.window_start.min(t.window_start);
        expected.window_end = expected.window_end.max(t.window_end);
        for (vpc, classes) in t.vpcs {
            let into = expected.vpcs.entry(vpc).or_default();
            for (class, c) in classes {
                let slot = into.entry(class).or_default();
                slot.egress_bytes += c.egress_bytes;
                slot.ingress_bytes += c.ingress_bytes;
                slot.records += c.records;
            }
        }
        keys.extend(part.flows);
        keys.sort_unstable();
        keys.dedup();
    }
    let distinct_flow_hours = keys.len() as u64;
    for k in &mut keys {
        *k >>= 16;
    }
    keys.dedup();
    let cardinality = Cardinality {
        preset: "realistic".into(),
        vpcs: VPCS.len() as u64,
        accounts: ACCOUNTS.len() as u64,
        regions: {
            let mut r: Vec<&str> = VPCS.iter().map(|v| v.region).collect();
            r.sort();
            r.dedup();
            r.len() as u64
        },
        interfaces: enis.iter().flatten().flatten().count() as u64,
        remote_addresses: pools.total,
        distinct_flows: keys.len() as u64,
        distinct_flow_hours,
        header: header.clone(),
    };
    drop(keys);
    expected.cardinality = Some(cardinality.clone());
    let totals_path = super::write_totals(config, &expected)?;
    Ok(format!(
        "wrote {} records ({} accepted, {} rejected, {} NODATA, {} SKIPDATA) in {} files under {}: {} VPCs, {} interfaces, {} remote addresses, {} distinct (interface, srcaddr, dstaddr), {} with the start hour; expected totals in {}",
        expected.records,
        expected.accepted,
        expected.rejected,
        expected.nodata,
        expected.skipdata,
        expected.files,
        config.out.display(),
        cardinality.vpcs,
        cardinality.interfaces,
        cardinality.remote_addresses,
        cardinality.distinct_flows,
        cardinality.distinct_flow_hours,
        totals_path.display(),
    ))
}

const V5_NAMES: usize = 29;

/// An output file: gzip at the fastest level (generation speed matters more than size), or plain.
enum Sink {
    Plain(BufWriter<File>),
    Gzip(Box<GzEncoder<BufWriter<File>>>),
}

impl Sink {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Plain(f) => f.write_all(bytes),
            Sink::Gzip(g) => g.write_all(bytes),
        }
    }
}

struct Context<'a> {
    config: &'a SynthConfig,
    groups: &'a [Group],
    pools: &'a Pools,
    enis: &'a [Vec<Vec<Eni>>],
    order: &'a [usize],
    version: SynthVersion,
    header: &'a str,
}

/// One record's values, by v5 field number.
struct Rec<'a> {
    eni: &'a Eni,
    vpc: usize,
    src: &'a str,
    dst: &'a str,
    srcport: u16,
    dstport: u16,
    bytes: Option<u64>,
    start: u64,
    action: &'static str,
    status: &'static str,
    src_hint: &'a str,
    dst_hint: &'a str,
    direction: &'static str,
}

impl Context<'_> {
    fn path(&self, job: &FileJob) -> PathBuf {
        let group = &self.groups[job.group];
        let account = ACCOUNTS[group.account];
        let (y, mo, d, h, mi) = civil(job.from);
        let stamp = format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}Z");
        let file_id = (Rng::new(self.config.seed ^ 0x7f4a_7c15 ^ job.index).next_u64()) as u32;
        self.config
            .out
            .join("AWSLogs")
            .join(account)
            .join("vpcflowlogs")
            .join(group.region)
            .join(format!("{y:04}"))
            .join(format!("{mo:02}"))
            .join(format!("{d:02}"))
            .join(format!(
                "{account}_vpcflowlogs_{}_{FLOW_LOG_ID}_{stamp}_{file_id:08x}.log{}",
                group.region,
                if self.config.gzip { ".gz" } else { "" }
            ))
    }

    /// Picks an interface of the group: (VPC index, interface).
    fn eni(&self, group: &Group, rng: &mut Rng) -> (usize, &Eni) {
        let v = *pick_weighted(rng, &group.vpcs, |&v| VPCS[v].weight);
        let azs = &self.enis[v];
        let az = &azs[rng.below(azs.len() as u64) as usize];
        (v, &az[rng.below(az.len() as u64) as usize])
    }

    /// Conversation `j` of a group: its interface, class and remote address (the same every time).
    fn conversation(&self, g: usize, j: u64) -> (usize, &Eni, Class, u64, u64, &Addr) {
        let group = &self.groups[g];
        let mut rng = Rng::new(
            self.config.seed
                ^ (g as u64 + 1).wrapping_mul(0xd1b5_4a32_d192_ed03)
                ^ j.wrapping_mul(0x8cb9_2ba7_2f3d_8dd7),
        );
        let (v, eni) = self.eni(group, &mut rng);
        let &(class, _, down, up) = pick_weighted(&mut rng, VPCS[v].mix, |m| m.1);
        let pool = self.pools.get(v, class);
        let addr = &pool[rng.below(pool.len() as u64) as usize];
        (v, eni, class, down, up, addr)
    }

    fn file(&self, job: &FileJob) -> Result<Part> {
        let path = self.path(job);
        let werr = |source| Error::Write {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(werr)?;
        }
        let file = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(werr)?);
        let mut sink = if self.config.gzip {
            Sink::Gzip(Box::new(GzEncoder::new(file, Compression::new(1))))
        } else {
            Sink::Plain(file)
        };
        let mut rng =
            Rng::new(self.config.seed ^ (job.index + 1).wrapping_mul(0x5851_f42d_4c95_7f2d));
        let group = &self.groups[job.group];
        let mut part = Part::default();
        let totals = &mut part.totals;
        totals.window_start = u64::MAX;
        let mut buf = String::with_capacity(1 << 18);
        let mut values: Vec<String> = vec![String::new(); V5_NAMES];
        buf.push_str(self.header);
        buf.push('\n');
        let version = self.version;
        let internet = self.pools.get(0, Class::Internet);
        let mut produced = 0u64;
        while produced < job.records {
            let t = if produced == 0 || job.to - job.from <= DURATION {
                job.from
            } else {
                job.from + rng.below(job.to - job.from - DURATION)
            };
            let hour = (t - self.config.start) / 3600;
            let roll = rng.below(1000);
            let mut recs: Vec<Rec> = Vec::with_capacity(2);
            if roll < 25 {
                let (vpc, eni) = self.eni(group, &mut rng);
                let status = if roll < 20 { "NODATA" } else { "SKIPDATA" };
                if roll < 20 {
                    totals.nodata += 1;
                } else {
                    totals.skipdata += 1;
                }
                recs.push(Rec {
                    eni,
                    vpc,
                    src: "-",
                    dst: "-",
                    srcport: 0,
                    dstport: 0,
                    bytes: None,
                    start: t,
                    action: "-",
                    status,
                    src_hint: "-",
                    dst_hint: "-",
                    direction: "-",
                });
            } else if roll < 55 {
                let (vpc, eni) = self.eni(group, &mut rng);
                let from = &internet[rng.below(internet.len() as u64) as usize];
                part.flows.push(flow_key(eni.number, from.id, true, hour));
                totals.rejected += 1;
                recs.push(Rec {
                    eni,
                    vpc,
                    src: &from.text,
                    dst: &eni.ipv4,
                    srcport: 1024 + rng.below(64000) as u16,
                    dstport: 22,
                    bytes: Some(64),
                    start: t,
                    action: "REJECT",
                    status: "OK",
                    src_hint: "-",
                    dst_hint: "-",
                    direction: "ingress",
                });
            } else {
                let j = rng.below(group.flows);
                let (vpc, eni, class, down, up, addr) = self.conversation(job.group, j);
                let download = spread(&mut rng, down);
                let upload = spread(&mut rng, up);
                // A third of S3 conversations are uploads.
                let (egress, ingress) = if class == Class::S3 && rng.below(3) == 0 {
                    (download, upload)
                } else {
                    (upload, download)
                };
                let client =
                    32768 + rng.below(u64::from(self.config.realistic.ephemeral_ports)) as u16;
                let server = if class == Class::Private { 5432 } else { 443 };
                let both = produced + 1 < job.records;
                let attributed = match version {
                    SynthVersion::V2 => format!("unattributed {}", VPCS[vpc].region),
                    SynthVersion::V5 => format!("{} {}", VPCS[vpc].id, VPCS[vpc].region),
                };
                let slot = totals
                    .vpcs
                    .entry(attributed)
                    .or_default()
                    .entry(class.dest().key().to_string())
                    .or_insert_with(ClassTotals::default);
                slot.egress_bytes += egress;
                slot.records += 1;
                totals.accepted += 1;
                totals.accepted_bytes += egress;
                part.flows.push(flow_key(eni.number, addr.id, false, hour));
                recs.push(Rec {
                    eni,
                    vpc,
                    src: &eni.ipv4,
                    dst: &addr.text,
                    srcport: client,
                    dstport: server,
                    bytes: Some(egress),
                    start: t,
                    action: "ACCEPT",
                    status: "OK",
                    src_hint: "-",
                    dst_hint: &addr.hint,
                    direction: "egress",
                });
                if both {
                    slot.ingress_bytes += ingress;
                    slot.records += 1;
                    totals.accepted += 1;
                    totals.accepted_bytes += ingress;
                    part.flows.push(flow_key(eni.number, addr.id, true, hour));
                    recs.push(Rec {
                        eni,
                        vpc,
                        src: &addr.text,
                        dst: &eni.ipv4,
                        srcport: server,
                        dstport: client,
                        bytes: Some(ingress),
                        start: t,
                        action: "ACCEPT",
                        status: "OK",
                        src_hint: &addr.hint,
                        dst_hint: "-",
                        direction: "ingress",
                    });
                }
            }
            for r in &recs {
                self.render(r, &mut values);
                for (n, &i) in self.order.iter().enumerate() {
                    if n > 0 {
                        buf.push(' ');
                    }
                    buf.push_str(&values[i]);
                }
                buf.push('\n');
                totals.window_start = totals.window_start.min(r.start);
                totals.window_end = totals.window_end.max(r.start + DURATION);
            }
            produced += recs.len() as u64;
            totals.records += recs.len() as u64;
            if buf.len() > (1 << 18) - 1024 {
                sink.write_all(buf.as_bytes()).map_err(werr)?;
                buf.clear();
            }
        }
        sink.write_all(buf.as_bytes()).map_err(werr)?;
        match sink {
            Sink::Plain(mut f) => f.flush(),
            Sink::Gzip(g) => g.finish().and_then(|mut f| f.flush()),
        }
        .map_err(werr)?;
        Ok(part)
    }

    /// Fills `values` (by v5 field number) for one record.
    fn render(&self, r: &Rec, values: &mut [String]) {
        let vpc = &VPCS[r.vpc];
        let flowing = r.bytes.is_some();
        for v in values.iter_mut() {
            v.clear();
        }
        let num = |s: &mut String, n: u64| {
            if flowing {
                let _ = write!(s, "{n}");
            } else {
                s.push('-');
            }
        };
        values[0].push(match self.version {
            SynthVersion::V2 => '2',
            SynthVersion::V5 => '5',
        });
        values[1].push_str(ACCOUNTS[vpc.account]);
        values[2].push_str(&r.eni.id);
        values[3].push_str(r.src);
        values[4].push_str(r.dst);
        num(&mut values[5], u64::from(r.srcport));
        num(&mut values[6], u64::from(r.dstport));
        num(&mut values[7], 6);
        num(&mut values[8], r.bytes.unwrap_or(0) / 1200 + 1);
        num(&mut values[9], r.bytes.unwrap_or(0));
        let _ = write!(values[10], "{}", r.start);
        let _ = write!(values[11], "{}", r.start + DURATION);
        values[12].push_str(r.action);
        values[13].push_str(r.status);
        if self.order.len() <= 14 {
            return;
        }
        values[14].push_str(vpc.id);
        values[15].push_str(&r.eni.subnet);
        values[16].push_str(&r.eni.instance);
        values[17].push_str(if flowing { "19" } else { "-" });
        values[18].push_str(if flowing { "IPv4" } else { "-" });
        values[19].push_str(r.src);
        values[20].push_str(r.dst);
        values[21].push_str(vpc.region);
        values[22].push_str(r.eni.az);
        values[23].push('-');
        values[24].push('-');
        values[25].push_str(r.src_hint);
        values[26].push_str(r.dst_hint);
        values[27].push_str(r.direction);
        values[28].push_str(if r.direction == "egress" { "1" } else { "-" });
    }
}
