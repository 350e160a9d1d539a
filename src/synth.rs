//! Synth: a seed and a size in; realistic flow-log files in the S3 delivery layout
//! (`AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/*.log.gz`) and `expected-totals.json`
//! (the ground truth per VPC and destination class) out. Same seed, same bytes.
//!
//! Destinations are drawn from the shipped ip-ranges snapshot: every address is checked with the
//! brute-force classifier (not the prefix table under test) to be of the class it stands for.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use serde::Serialize;

use crate::classify::address::is_private;
use crate::classify::ipranges::{lookup_brute_force, IpRanges, PrefixEntry};
use crate::cli::{SynthArgs, SynthDelivery, SynthPreset, SynthVersion};
use crate::error::{Error, Result};
use crate::traffic::{DestClass, TrafficPath};

/// 2026-11-01T00:00:00Z.
pub const DEFAULT_START: u64 = 1_793_491_200;

pub mod realistic;

const ACCOUNT: &str = "123456789012";
const FLOW_LOG_ID: &str = "fl-0a1b2c3d4e5f67890";

/// Generation settings.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    pub out: PathBuf,
    pub records: u64,
    pub files: u32,
    pub seed: u64,
    pub version: SynthVersion,
    pub gzip: bool,
    pub delivery: SynthDelivery,
    pub start: u64,
    pub hours: u32,
    /// Add a long tail of small AWS services on AMAZON addresses, named by a Route 53 Resolver
    /// query log under `dns/` (see [`LONG_TAIL`]).
    pub long_tail: bool,
    pub preset: SynthPreset,
    /// Knobs of the realistic preset.
    pub realistic: realistic::Knobs,
}

impl SynthConfig {
    pub fn from_args(a: &SynthArgs) -> SynthConfig {
        SynthConfig {
            out: a.out.clone(),
            records: a.records,
            files: a.files,
            seed: a.seed,
            version: a.version,
            gzip: !a.plain,
            delivery: a.delivery,
            start: DEFAULT_START,
            long_tail: a.long_tail,
            hours: a
                .hours
                .unwrap_or(match a.preset {
                    SynthPreset::Classic => 24,
                    SynthPreset::Realistic => 4,
                })
                .max(1),
            preset: a.preset,
            realistic: realistic::Knobs {
                enis_per_subnet: a.enis_per_subnet,
                remote_addresses: a.remote_addresses,
                flows: a.flows.unwrap_or((a.records / 10).max(1)),
                ephemeral_ports: a.ephemeral_ports,
            },
        }
    }
}

/// SplitMix64: small, fast, and stable across versions (the output must never change for a seed).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A VPC the generator simulates.
struct VpcModel {
    id: &'static str,
    region: &'static str,
    azs: &'static [&'static str],
    /// Second octet of the VPC's 10.x.0.0/16.
    net: u8,
    enis_per_az: u32,
    /// Share of all records.
    weight: u32,
    /// (class, share of conversations, mean download bytes, mean upload bytes).
    mix: &'static [(Dest, u32, u64, u64)],
    ipv6: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    S3,
    /// S3 through the VPC's existing gateway endpoint (`traffic-path` 7): free today.
    S3Gateway,
    S3v6,
    /// A public IPv6 host through an egress-only internet gateway (`traffic-path` 8).
    Ipv6Internet,
    Dynamodb,
    Amazon,
    Ec2,
    S3CrossRegion,
    Internet,
    Private,
}

const MB: u64 = 1 << 20;

const VPCS: &[VpcModel] = &[
    VpcModel {
        id: "vpc-0a1b2c3d4e5f60001",
        region: "us-east-1",
        azs: &["use1-az1", "use1-az2"],
        net: 1,
        enis_per_az: 3,
        weight: 50,
        mix: &[
            (Dest::S3, 28, 60 * MB, 2 * MB),
            (Dest::S3v6, 2, 40 * MB, MB),
            (Dest::Dynamodb, 10, 4 * MB, MB),
            (Dest::Amazon, 20, 40 * MB, 2 * MB),
            (Dest::Ec2, 8, 8 * MB, MB / 2),
            (Dest::S3CrossRegion, 4, 20 * MB, MB),
            (Dest::Internet, 18, 20 * MB, MB),
            (Dest::Private, 10, 10 * MB, 10 * MB),
        ],
        ipv6: true,
    },
    VpcModel {
        id: "vpc-0a1b2c3d4e5f60002",
        region: "eu-west-1",
        azs: &["euw1-az1", "euw1-az2"],
        net: 2,
        enis_per_az: 2,
        weight: 35,
        mix: &[
            (Dest::S3, 20, 30 * MB, 3 * MB),
            (Dest::Dynamodb, 5, 2 * MB, MB / 2),
            (Dest::Amazon, 15, 2 * MB, MB / 4),
            (Dest::Ec2, 10, 4 * MB, MB / 2),
            (Dest::Internet, 35, 12 * MB, 2 * MB),
            (Dest::Private, 15, 5 * MB, 5 * MB),
        ],
        ipv6: false,
    },
    VpcModel {
        id: "vpc-0a1b2c3d4e5f60003",
        region: "eu-west-1",
        azs: &["euw1-az3"],
        net: 3,
        enis_per_az: 2,
        weight: 15,
        mix: &[
            (Dest::S3, 5, 2 * MB, MB / 2),
            (Dest::Amazon, 5, MB / 2, MB / 8),
            (Dest::Internet, 80, 3 * MB, MB / 2),
            (Dest::Private, 10, MB, MB),
        ],
        ipv6: false,
    },
    // Already on an S3 gateway endpoint: its S3 traffic is logged with traffic-path 7.
    VpcModel {
        id: "vpc-0a1b2c3d4e5f60004",
        region: "us-east-1",
        azs: &["use1-az4", "use1-az6"],
        net: 4,
        enis_per_az: 2,
        weight: 12,
        mix: &[
            (Dest::S3Gateway, 45, 50 * MB, 4 * MB),
            (Dest::Dynamodb, 10, 2 * MB, MB / 2),
            (Dest::Amazon, 15, 4 * MB, MB / 2),
            (Dest::Internet, 20, 6 * MB, MB),
            (Dest::Private, 10, 2 * MB, 2 * MB),
        ],
        ipv6: false,
    },
    // Dual-stack: public IPv6 peers through an egress-only internet gateway (traffic-path 8),
    // IPv4 through NAT.
    VpcModel {
        id: "vpc-0a1b2c3d4e5f60005",
        region: "eu-west-1",
        azs: &["euw1-az1", "euw1-az2"],
        net: 5,
        enis_per_az: 2,
        weight: 10,
        mix: &[
            (Dest::Ipv6Internet, 40, 20 * MB, MB),
            (Dest::S3, 15, 10 * MB, MB),
            (Dest::Amazon, 10, 2 * MB, MB / 4),
            (Dest::Internet, 25, 8 * MB, MB),
            (Dest::Private, 10, 2 * MB, 2 * MB),
        ],
        ipv6: true,
    },
];

/// Expected totals for one (VPC, destination class).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ClassTotals {
    pub egress_bytes: u64,
    pub ingress_bytes: u64,
    pub records: u64,
}

/// Ground truth written beside the logs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExpectedTotals {
    pub seed: u64,
    pub version: String,
    pub files: u64,
    pub records: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub nodata: u64,
    pub skipdata: u64,
    pub accepted_bytes: u64,
    pub window_start: u64,
    pub window_end: u64,
    /// (VPC as the tool attributes it, region) -> destination class -> totals of the traffic
    /// the report prices (its `destinations`: every path but `gateway-endpoint` and
    /// `internet-gateway`).
    pub vpcs: BTreeMap<String, BTreeMap<String, ClassTotals>>,
    /// (VPC, region) -> path (`nat`, `gateway-endpoint`, `egress-only`, `private`) -> totals
    /// of every accepted byte: they add up to `accepted_bytes`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub paths: BTreeMap<String, BTreeMap<String, ClassTotals>>,
    /// What the data set holds (realistic preset only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cardinality: Option<realistic::Cardinality>,
}

struct Pools {
    s3: Vec<IpAddr>,
    s3v6: Vec<IpAddr>,
    dynamodb: Vec<IpAddr>,
    amazon: Vec<IpAddr>,
    ec2: Vec<IpAddr>,
    s3_cross: Vec<IpAddr>,
    ec2v6_hosts: Vec<IpAddr>,
}

fn random_in(e: &PrefixEntry, rng: &mut Rng) -> IpAddr {
    let bits: u32 = if e.v6 { 128 } else { 32 };
    let host_bits = bits - u32::from(e.len);
    let host = if host_bits == 0 {
        0
    } else if host_bits >= 64 {
        u128::from(rng.next_u64())
    } else {
        u128::from(rng.next_u64()) & ((1u128 << host_bits) - 1)
    };
    let v = e.network | host;
    if e.v6 {
        IpAddr::V6(Ipv6Addr::from(v))
    } else {
        IpAddr::V4(Ipv4Addr::from(v as u32))
    }
}

/// Up to `n` addresses from prefixes of `service` in `region` that classify as exactly that.
fn pool(
    entries: &[PrefixEntry],
    service: &str,
    region: &str,
    v6: bool,
    n: usize,
    rng: &mut Rng,
) -> Vec<IpAddr> {
    let candidates: Vec<&PrefixEntry> = entries
        .iter()
        .filter(|e| e.service == service && e.region == region && e.v6 == v6)
        .collect();
    let mut out = Vec::new();
    let mut tries = 0;
    while out.len() < n && !candidates.is_empty() && tries < n * 50 {
        tries += 1;
        let entry = *rng.pick(&candidates);
        let addr = random_in(entry, rng);
        if let Some(m) = lookup_brute_force(entries, addr) {
            if m.service == service && m.region == region && !is_private(addr) {
                out.push(addr);
            }
        }
    }
    out
}

/// A public IPv6 address in no AWS prefix (2000::/4, global unicast).
fn internet_addr_v6(entries: &[PrefixEntry], rng: &mut Rng) -> IpAddr {
    loop {
        let high = (0x2000u128 | u128::from(rng.next_u64() as u16 & 0x0fff)) << 112;
        let low = u128::from(rng.next_u64()) << 48 | u128::from(rng.next_u64() as u16);
        let addr = IpAddr::V6(Ipv6Addr::from(high | low));
        if !is_private(addr) && lookup_brute_force(entries, addr).is_none() {
            return addr;
        }
    }
}

fn internet_addr(entries: &[PrefixEntry], rng: &mut Rng) -> IpAddr {
    loop {
        let addr = IpAddr::V4(Ipv4Addr::from(rng.next_u64() as u32));
        if !is_private(addr) && lookup_brute_force(entries, addr).is_none() {
            return addr;
        }
    }
}

/// Where one output file's records go.
enum SinkKind {
    Text(BufWriter<File>),
    Gzip(Box<GzEncoder<BufWriter<File>>>),
    /// Parquet is columnar: lines are kept and converted when the file is finished.
    Parquet(Vec<String>),
}

struct Sink {
    path: PathBuf,
    kind: SinkKind,
    delivery: SynthDelivery,
    /// Records written (for JSON separators).
    count: u64,
}

impl Sink {
    fn create(path: PathBuf, delivery: SynthDelivery, gzip: bool) -> Result<Sink> {
        let kind = if delivery == SynthDelivery::Parquet {
            SinkKind::Parquet(Vec::new())
        } else {
            let file = File::create(&path).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
            let buffered = BufWriter::with_capacity(1 << 16, file);
            if gzip {
                SinkKind::Gzip(Box::new(GzEncoder::new(buffered, Compression::default())))
            } else {
                SinkKind::Text(buffered)
            }
        };
        Ok(Sink {
            path,
            kind,
            delivery,
            count: 0,
        })
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        let r = match &mut self.kind {
            SinkKind::Text(w) => w.write_all(bytes),
            SinkKind::Gzip(w) => w.write_all(bytes),
            SinkKind::Parquet(lines) => {
                lines.push(String::from_utf8_lossy(bytes).trim_end().to_string());
                Ok(())
            }
        };
        r.map_err(|source| Error::Write {
            path: self.path.clone(),
            source,
        })
    }

    /// Writes the header or the JSON opening.
    fn begin(&mut self, header: &str) -> Result<()> {
        match self.delivery {
            SynthDelivery::S3 | SynthDelivery::Parquet => {
                self.raw(format!("{header}\n").as_bytes())
            }
            SynthDelivery::CloudwatchJson => self.raw(b"{\"events\": [\n"),
            SynthDelivery::CloudwatchText => Ok(()),
        }
    }

    /// One record `line` (ending in a newline) logged at `start`.
    fn record(&mut self, line: &str, start: u64, stream: &str) -> Result<()> {
        self.count += 1;
        match self.delivery {
            SynthDelivery::S3 | SynthDelivery::Parquet => self.raw(line.as_bytes()),
            SynthDelivery::CloudwatchText => {
                let ts = crate::text::iso_utc(start).replace('Z', ".000Z");
                self.raw(format!("{ts} {line}").as_bytes())
            }
            SynthDelivery::CloudwatchJson => {
                let event = serde_json::json!({
                    "logStreamName": format!("{stream}-all"),
                    "timestamp": start * 1000,
                    "message": line.trim_end(),
                    "ingestionTime": (start + 60) * 1000,
                    "eventId": format!("{:056}", self.count),
                });
                let sep = if self.count > 1 { ",\n" } else { "" };
                self.raw(format!("{sep}{event}").as_bytes())
            }
        }
    }

    fn finish(mut self) -> Result<()> {
        if self.delivery == SynthDelivery::CloudwatchJson {
            self.raw(b"\n], \"searchedLogStreams\": []}\n")?;
        }
        let path = self.path.clone();
        let werr = |source| Error::Write {
            path: path.clone(),
            source,
        };
        match self.kind {
            SinkKind::Text(mut w) => w.flush().map_err(werr),
            SinkKind::Gzip(w) => w.finish().and_then(|mut b| b.flush()).map_err(werr),
            SinkKind::Parquet(lines) => write_parquet(&path, &lines),
        }
    }
}

/// Fields AWS's Parquet delivery types as integers.
const INTEGER_FIELDS: &[&str] = &[
    "version",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "tcp-flags",
    "traffic-path",
];

/// Writes flow-log text lines (header first) as a Parquet file with AWS's column naming.
fn write_parquet(path: &Path, lines: &[String]) -> Result<()> {
    use polars::prelude::*;
    let Some((header, rows)) = lines.split_first() else {
        return Ok(());
    };
    let names: Vec<&str> = header.split(' ').collect();
    let split: Vec<Vec<&str>> = rows.iter().map(|l| l.split(' ').collect()).collect();
    let mut columns = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let col_name: PlSmallStr = name.replace('-', "_").into();
        let cells: Vec<Option<&str>> = split
            .iter()
            .map(|r| r.get(i).copied().filter(|v| *v != "-"))
            .collect();
        let column = if INTEGER_FIELDS.contains(name) {
            let values: Vec<Option<i64>> = cells
                .iter()
                .map(|c| c.and_then(|v| v.parse().ok()))
                .collect();
            Column::new(col_name, values)
        } else {
            Column::new(col_name, cells)
        };
        columns.push(column);
    }
    let perr =
        |e: PolarsError| Error::Invalid(format!("{}: cannot write Parquet: {e}", path.display()));
    let mut df = DataFrame::new(split.len(), columns).map_err(perr)?;
    let file = File::create(path).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    ParquetWriter::new(file).finish(&mut df).map_err(perr)?;
    Ok(())
}

/// Generates the data set; returns a one-paragraph summary.
pub fn run(config: &SynthConfig) -> Result<String> {
    if config.preset == SynthPreset::Realistic {
        return realistic::run(config);
    }
    let table = IpRanges::embedded()?;
    let entries = table.entries();
    let mut rng = Rng::new(config.seed);
    let span = u64::from(config.hours) * 3600;

    let mut regions: Vec<&str> = VPCS.iter().map(|v| v.region).collect();
    regions.sort();
    regions.dedup();
    let mut pools: BTreeMap<&str, Pools> = BTreeMap::new();
    for r in &regions {
        let cross = if *r == "us-west-2" {
            "us-east-2"
        } else {
            "us-west-2"
        };
        pools.insert(
            r,
            Pools {
                s3: pool(entries, "S3", r, false, 40, &mut rng),
                s3v6: pool(entries, "S3", r, true, 10, &mut rng),
                dynamodb: pool(entries, "DYNAMODB", r, false, 20, &mut rng),
                amazon: pool(entries, "AMAZON", r, false, 40, &mut rng),
                ec2: pool(entries, "EC2", r, false, 40, &mut rng),
                s3_cross: pool(entries, "S3", cross, false, 20, &mut rng),
                ec2v6_hosts: pool(entries, "EC2", r, true, 8, &mut rng),
            },
        );
    }
    let internet: Vec<IpAddr> = (0..200).map(|_| internet_addr(entries, &mut rng)).collect();
    let internet_v6: Vec<IpAddr> = (0..50)
        .map(|_| internet_addr_v6(entries, &mut rng))
        .collect();
    // Without traffic-path (v2) a gateway endpoint's S3 traffic looks like any S3 traffic.
    let paths_logged = config.version == SynthVersion::V5;
    let tails = if config.long_tail {
        long_tail_addresses(entries, &regions, &mut rng)
    } else {
        BTreeMap::new()
    };

    // Files: spread over regions by record weight, at least one each; each covers a time slice.
    let weight_of = |r: &str| -> u32 {
        VPCS.iter()
            .filter(|v| v.region == r)
            .map(|v| v.weight)
            .sum()
    };
    let total_weight: u32 = VPCS.iter().map(|v| v.weight).sum();
    let mut files_per_region: BTreeMap<&str, u32> = BTreeMap::new();
    for r in &regions {
        let share =
            (u64::from(config.files) * u64::from(weight_of(r)) / u64::from(total_weight)) as u32;
        files_per_region.insert(r, share.max(1));
    }
    let header = match config.version {
        SynthVersion::V2 => crate::ingest::format::DEFAULT_V2,
        SynthVersion::V5 => V5_FIELDS,
    };
    let mut sinks: BTreeMap<&str, Vec<Sink>> = BTreeMap::new();
    let mut file_count = 0u64;
    for r in &regions {
        let n = files_per_region[r];
        let mut list = Vec::new();
        for k in 0..n {
            let slot_start = config.start + span * u64::from(k) / u64::from(n);
            let (y, mo, d, h, mi) = civil(slot_start);
            let file_id = rng.next_u64() as u32;
            let stamp = format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}Z");
            let (dir, name) = match config.delivery {
                SynthDelivery::S3 => (
                    config
                        .out
                        .join("AWSLogs")
                        .join(ACCOUNT)
                        .join("vpcflowlogs")
                        .join(r)
                        .join(format!("{y:04}"))
                        .join(format!("{mo:02}"))
                        .join(format!("{d:02}")),
                    format!(
                        "{ACCOUNT}_vpcflowlogs_{r}_{FLOW_LOG_ID}_{stamp}_{file_id:08x}.log{}",
                        if config.gzip { ".gz" } else { "" }
                    ),
                ),
                SynthDelivery::Parquet => (
                    config
                        .out
                        .join("AWSLogs")
                        .join(format!("aws-account-id={ACCOUNT}"))
                        .join("aws-service=vpcflowlogs")
                        .join(format!("aws-region={r}"))
                        .join(format!("year={y:04}"))
                        .join(format!("month={mo:02}"))
                        .join(format!("day={d:02}")),
                    format!(
                        "{ACCOUNT}_vpcflowlogs_{r}_{FLOW_LOG_ID}_{stamp}_{file_id:08x}.log.parquet"
                    ),
                ),
                SynthDelivery::CloudwatchText | SynthDelivery::CloudwatchJson => (
                    config.out.join("cloudwatch").join(r),
                    format!(
                        "export-{stamp}-{file_id:08x}.{}{}",
                        if config.delivery == SynthDelivery::CloudwatchJson {
                            "json"
                        } else {
                            "log"
                        },
                        if config.gzip { ".gz" } else { "" }
                    ),
                ),
            };
            std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
                path: dir.clone(),
                source,
            })?;
            let path = dir.join(name);
            let mut sink = Sink::create(
                path,
                config.delivery,
                config.gzip && config.delivery != SynthDelivery::Parquet,
            )?;
            sink.begin(header)?;
            list.push(sink);
            file_count += 1;
        }
        sinks.insert(r, list);
    }

    let mut expected = ExpectedTotals {
        seed: config.seed,
        version: match config.version {
            SynthVersion::V2 => "2".into(),
            SynthVersion::V5 => "5".into(),
        },
        files: file_count,
        window_start: u64::MAX,
        ..ExpectedTotals::default()
    };
    let mut line = String::with_capacity(512);
    let mut produced = 0u64;
    while produced < config.records {
        let vpc = pick_weighted(&mut rng, VPCS, |v| v.weight);
        let az_index = rng.below(vpc.azs.len() as u64) as u32;
        let eni_index = az_index * vpc.enis_per_az + rng.below(u64::from(vpc.enis_per_az)) as u32;
        let eni = Eni::new(vpc, az_index, eni_index);
        let duration = 60;
        // The first record opens the window and the last one closes it, so the window is exact.
        let t = if produced == 0 {
            config.start
        } else if produced + 2 >= config.records {
            config.start + span - duration
        } else {
            config.start + rng.below(span - duration)
        };
        let slot = ((t - config.start) * u64::from(files_per_region[vpc.region]) / span) as usize;
        let attributed = match config.version {
            SynthVersion::V2 => format!("unattributed {}", vpc.region),
            SynthVersion::V5 => format!("{} {}", vpc.id, vpc.region),
        };
        let roll = rng.below(1000);
        let mut records: Vec<Rec> = Vec::new();
        if roll < 20 {
            records.push(Rec::status(t, t + duration, "NODATA"));
            expected.nodata += 1;
        } else if roll < 25 {
            records.push(Rec::status(t, t + duration, "SKIPDATA"));
            expected.skipdata += 1;
        } else if roll < 55 {
            let src = *rng.pick(&internet);
            let mut r = Rec::flow(
                src,
                eni.ipv4,
                40000 + rng.below(20000) as u16,
                22,
                64,
                t,
                duration,
                "ingress",
            );
            r.action = "REJECT";
            records.push(r);
            expected.rejected += 1;
        } else {
            let (dest, _, down, up) = *pick_weighted(&mut rng, vpc.mix, |m| m.1);
            let p = &pools[vpc.region];
            let (remote, local, class): (IpAddr, IpAddr, DestClass) = match dest {
                Dest::S3 | Dest::S3Gateway => (*rng.pick(&p.s3), eni.ipv4, DestClass::S3),
                Dest::Ipv6Internet if vpc.ipv6 && !p.ec2v6_hosts.is_empty() => (
                    *rng.pick(&internet_v6),
                    eni.ipv6(&p.ec2v6_hosts),
                    DestClass::Ipv6Direct,
                ),
                Dest::Ipv6Internet => (*rng.pick(&internet), eni.ipv4, DestClass::Internet),
                Dest::S3v6 if vpc.ipv6 && !p.s3v6.is_empty() && !p.ec2v6_hosts.is_empty() => (
                    *rng.pick(&p.s3v6),
                    eni.ipv6(&p.ec2v6_hosts),
                    DestClass::Ipv6Direct,
                ),
                Dest::S3v6 => (*rng.pick(&p.s3), eni.ipv4, DestClass::S3),
                Dest::Dynamodb => (*rng.pick(&p.dynamodb), eni.ipv4, DestClass::Dynamodb),
                Dest::Amazon if !tails.is_empty() && rng.below(8) == 0 => {
                    let tail = &tails[vpc.region];
                    (rng.pick(tail).1, eni.ipv4, DestClass::AwsService)
                }
                Dest::Amazon => (*rng.pick(&p.amazon), eni.ipv4, DestClass::AwsService),
                Dest::Ec2 => (*rng.pick(&p.ec2), eni.ipv4, DestClass::AwsHosted),
                Dest::S3CrossRegion => {
                    (*rng.pick(&p.s3_cross), eni.ipv4, DestClass::AwsCrossRegion)
                }
                Dest::Internet => (*rng.pick(&internet), eni.ipv4, DestClass::Internet),
                Dest::Private => (
                    IpAddr::V4(Ipv4Addr::new(
                        10,
                        vpc.net,
                        200 + rng.below(50) as u8,
                        1 + rng.below(250) as u8,
                    )),
                    eni.ipv4,
                    DestClass::Private,
                ),
            };
            let download = spread(&mut rng, down);
            let upload = spread(&mut rng, up);
            // A third of S3 conversations are uploads.
            let (egress, ingress) =
                if matches!(dest, Dest::S3 | Dest::S3Gateway) && rng.below(3) == 0 {
                    (download, upload)
                } else {
                    (upload, download)
                };
            let client_port = 32768 + rng.below(28000) as u16;
            let server_port = if matches!(dest, Dest::Private) {
                5432
            } else {
                443
            };
            let mut out = Rec::flow(
                local,
                remote,
                client_port,
                server_port,
                egress,
                t,
                duration,
                "egress",
            );
            let mut back = Rec::flow(
                remote,
                local,
                server_port,
                client_port,
                ingress,
                t,
                duration,
                "ingress",
            );
            let hint = table_service(entries, remote);
            out.pkt_dst_service = hint.clone();
            back.pkt_src_service = hint;
            let path = match (dest, class) {
                (Dest::S3Gateway, _) if paths_logged => {
                    out.traffic_path = "7";
                    TrafficPath::GatewayEndpoint
                }
                (_, DestClass::Ipv6Direct) => {
                    if dest == Dest::Ipv6Internet {
                        out.traffic_path = "8";
                    }
                    TrafficPath::EgressOnly
                }
                (_, DestClass::Private) => TrafficPath::Private,
                _ => TrafficPath::Nat,
            };
            let mut books = vec![expected
                .paths
                .entry(attributed.clone())
                .or_default()
                .entry(path.key().to_string())
                .or_default()];
            if path.priced() {
                books.push(
                    expected
                        .vpcs
                        .entry(attributed.clone())
                        .or_default()
                        .entry(class.key().to_string())
                        .or_default(),
                );
            }
            for totals in books {
                totals.egress_bytes += egress;
                totals.ingress_bytes += ingress;
                totals.records += 2;
            }
            expected.accepted += 2;
            expected.accepted_bytes += egress + ingress;
            records.push(out);
            if produced + 1 < config.records {
                records.push(back);
            } else {
                // Last slot: keep the count exact; the download record is the one dropped.
                let mut books = vec![expected
                    .paths
                    .get_mut(&attributed)
                    .and_then(|m| m.get_mut(path.key()))
                    .expect("just inserted")];
                if path.priced() {
                    books.push(
                        expected
                            .vpcs
                            .get_mut(&attributed)
                            .and_then(|m| m.get_mut(class.key()))
                            .expect("just inserted"),
                    );
                }
                for totals in books {
                    totals.ingress_bytes -= ingress;
                    totals.records -= 1;
                }
                expected.accepted -= 1;
                expected.accepted_bytes -= ingress;
            }
        }
        let sink = &mut sinks.get_mut(vpc.region).expect("region has files")[slot];
        for r in &records {
            line.clear();
            r.write(&mut line, config.version, vpc, &eni);
            sink.record(&line, r.start, &eni.id)?;
            expected.window_start = expected.window_start.min(r.start);
            expected.window_end = expected.window_end.max(r.end);
        }
        produced += records.len() as u64;
    }
    expected.records = produced;
    for (_, list) in sinks {
        for sink in list {
            sink.finish()?;
        }
    }
    if config.long_tail {
        write_long_tail_dns(&config.out, &tails, config.start)?;
    }
    let totals_path = write_totals(config, &expected)?;
    Ok(format!(
        "wrote {} records ({} accepted, {} rejected, {} NODATA, {} SKIPDATA) in {} files under {}; expected totals in {}{}",
        expected.records,
        expected.accepted,
        expected.rejected,
        expected.nodata,
        expected.skipdata,
        file_count,
        config.out.display(),
        totals_path.display(),
        match (config.delivery, config.version) {
            (SynthDelivery::CloudwatchText | SynthDelivery::CloudwatchJson, SynthVersion::V5) => format!(
                "\nCloudWatch exports have no header line: analyse them with --log-format '{}'",
                V5_FIELDS.split(' ').map(|f| format!("${{{f}}}")).collect::<Vec<_>>().join(" ")
            ),
            _ => String::new(),
        }
    ))
}

/// The long tail (`synth --long-tail`): small AWS services some workloads call now and then,
/// in and outside the shipped security policy. Each gets its own AMAZON address per region.
pub const LONG_TAIL: [&str; 8] = [
    "codebuild",
    "execute-api",
    "elasticfilesystem",
    "states",
    "xray",
    "sts",
    "kms",
    "secretsmanager",
];

fn long_tail_addresses<'a>(
    entries: &[PrefixEntry],
    regions: &[&'a str],
    rng: &mut Rng,
) -> BTreeMap<&'a str, Vec<(&'static str, IpAddr)>> {
    regions
        .iter()
        .map(|r| {
            let addrs = pool(entries, "AMAZON", r, false, LONG_TAIL.len(), rng);
            (*r, LONG_TAIL.iter().copied().zip(addrs).collect())
        })
        .collect()
}

/// `dns/long-tail-queries.log`: one Route 53 Resolver query-log line per VPC and tail service.
fn write_long_tail_dns(
    out: &Path,
    tails: &BTreeMap<&str, Vec<(&'static str, IpAddr)>>,
    start: u64,
) -> Result<()> {
    let dir = out.join("dns");
    std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
        path: dir.clone(),
        source,
    })?;
    let (y, mo, d, h, mi) = civil(start);
    let mut text = String::new();
    for vpc in VPCS {
        for (service, ip) in tails.get(vpc.region).into_iter().flatten() {
            let line = serde_json::json!({
                "version": "1.100000",
                "account_id": ACCOUNT,
                "region": vpc.region,
                "vpc_id": vpc.id,
                "query_timestamp": format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00Z"),
                "query_name": format!("{service}.{}.amazonaws.com.", vpc.region),
                "query_type": "A",
                "query_class": "IN",
                "rcode": "NOERROR",
                "answers": [{"Rdata": ip.to_string(), "Type": "A", "Class": "IN"}],
                "srcaddr": format!("10.{}.0.10", vpc.net),
                "srcport": "53000",
                "transport": "UDP",
            });
            text.push_str(&line.to_string());
            text.push('\n');
        }
    }
    let path = dir.join("long-tail-queries.log");
    std::fs::write(&path, text).map_err(|source| Error::Write { path, source })
}

/// Writes `expected-totals.json` into the output folder; returns its path.
fn write_totals(config: &SynthConfig, expected: &ExpectedTotals) -> Result<PathBuf> {
    let totals_path = config.out.join("expected-totals.json");
    let mut json = serde_json::to_vec_pretty(expected)
        .map_err(|e| Error::Invalid(format!("cannot serialise totals: {e}")))?;
    json.push(b'\n');
    std::fs::write(&totals_path, json).map_err(|source| Error::Write {
        path: totals_path.clone(),
        source,
    })?;
    Ok(totals_path)
}

fn table_service(entries: &[PrefixEntry], addr: IpAddr) -> String {
    if is_private(addr) {
        return "-".into();
    }
    lookup_brute_force(entries, addr)
        .map(|m| m.service)
        .unwrap_or_else(|| "-".into())
}

fn pick_weighted<'a, T>(rng: &mut Rng, items: &'a [T], w: impl Fn(&T) -> u32) -> &'a T {
    let total: u64 = items.iter().map(|i| u64::from(w(i))).sum();
    let mut x = rng.below(total);
    for i in items {
        let wi = u64::from(w(i));
        if x < wi {
            return i;
        }
        x -= wi;
    }
    &items[items.len() - 1]
}

/// Log-uniform around `mean` (from mean/e to mean*e), at least 40 bytes.
fn spread(rng: &mut Rng, mean: u64) -> u64 {
    let f = (2.0 * (rng.unit() - 0.5)).exp();
    ((mean as f64 * f) as u64).max(40)
}

struct Eni {
    id: String,
    subnet: String,
    instance: String,
    az: &'static str,
    ipv4: IpAddr,
    index: u32,
}

impl Eni {
    fn new(vpc: &VpcModel, az_index: u32, index: u32) -> Eni {
        let h = u64::from(vpc.net) << 32 | u64::from(index);
        Eni {
            id: format!("eni-{:017x}", 0x0f00_0000_0000_0000u64 | (h * 0x1_0001)),
            subnet: format!(
                "subnet-{:017x}",
                0x0e00_0000_0000_0000u64 | (u64::from(vpc.net) << 8 | u64::from(az_index))
            ),
            instance: format!("i-{:017x}", 0x0d00_0000_0000_0000u64 | h),
            az: vpc.azs[az_index as usize],
            ipv4: IpAddr::V4(Ipv4Addr::new(
                10,
                vpc.net,
                az_index as u8 * 16,
                10 + index as u8,
            )),
            index,
        }
    }

    fn ipv6(&self, hosts: &[IpAddr]) -> IpAddr {
        hosts[self.index as usize % hosts.len()]
    }
}

struct Rec {
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    srcport: u16,
    dstport: u16,
    bytes: u64,
    start: u64,
    end: u64,
    action: &'static str,
    status: &'static str,
    direction: &'static str,
    /// `traffic-path` of an egress record (v5).
    traffic_path: &'static str,
    pkt_src_service: String,
    pkt_dst_service: String,
}

impl Rec {
    fn status(start: u64, end: u64, status: &'static str) -> Rec {
        Rec {
            src: None,
            dst: None,
            srcport: 0,
            dstport: 0,
            bytes: 0,
            start,
            end,
            action: "-",
            status,
            direction: "-",
            traffic_path: "-",
            pkt_src_service: "-".into(),
            pkt_dst_service: "-".into(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn flow(
        src: IpAddr,
        dst: IpAddr,
        srcport: u16,
        dstport: u16,
        bytes: u64,
        start: u64,
        duration: u64,
        direction: &'static str,
    ) -> Rec {
        Rec {
            src: Some(src),
            dst: Some(dst),
            srcport,
            dstport,
            bytes,
            start,
            end: start + duration,
            action: "ACCEPT",
            status: "OK",
            direction,
            traffic_path: if direction == "egress" { "1" } else { "-" },
            pkt_src_service: "-".into(),
            pkt_dst_service: "-".into(),
        }
    }

    fn write(&self, o: &mut String, version: SynthVersion, vpc: &VpcModel, eni: &Eni) {
        let dash = |a: Option<IpAddr>| a.map(|a| a.to_string()).unwrap_or_else(|| "-".into());
        let (src, dst) = (dash(self.src), dash(self.dst));
        let flowing = self.src.is_some();
        let num = |n: u64| if flowing { n.to_string() } else { "-".into() };
        let packets = num(self.bytes / 1200 + 1);
        let (sp, dp, proto) = if flowing {
            (
                self.srcport.to_string(),
                self.dstport.to_string(),
                "6".to_string(),
            )
        } else {
            ("-".into(), "-".into(), "-".into())
        };
        let bytes = num(self.bytes);
        match version {
            SynthVersion::V2 => {
                let _ = writeln!(
                    o,
                    "2 {ACCOUNT} {} {src} {dst} {sp} {dp} {proto} {packets} {bytes} {} {} {} {}",
                    eni.id, self.start, self.end, self.action, self.status
                );
            }
            SynthVersion::V5 => {
                let ty = match self.src {
                    Some(IpAddr::V6(_)) => "IPv6",
                    Some(IpAddr::V4(_)) => "IPv4",
                    None => "-",
                };
                let flags = if flowing { "19" } else { "-" };
                let path = self.traffic_path;
                let _ = writeln!(
                    o,
                    "5 {ACCOUNT} {} {src} {dst} {sp} {dp} {proto} {packets} {bytes} {} {} {} {} {} {} {} {flags} {ty} {src} {dst} {} {} - - {} {} {} {path}",
                    eni.id,
                    self.start,
                    self.end,
                    self.action,
                    self.status,
                    vpc.id,
                    eni.subnet,
                    eni.instance,
                    vpc.region,
                    eni.az,
                    self.pkt_src_service,
                    self.pkt_dst_service,
                    self.direction
                );
            }
        }
    }
}

/// Every v5 field, in AWS's documented order.
pub const V5_FIELDS: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path";

/// (year, month, day, hour, minute) of Unix seconds, UTC.
fn civil(secs: u64) -> (u64, u64, u64, u64, u64) {
    let iso = crate::text::iso_utc(secs);
    let n = |a: usize, b: usize| iso[a..b].parse::<u64>().unwrap_or(0);
    (n(0, 4), n(5, 7), n(8, 10), n(11, 13), n(14, 16))
}
