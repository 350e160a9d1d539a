//! DNS naming: Route 53 Resolver query logs (JSON lines as delivered to S3 or CloudWatch, `.gz`
//! too) in; an index from (VPC, answered IP, time) to the AWS endpoint service the workload
//! asked for out, using the hostname patterns of `data/endpoint-services.csv`
//! (`ssm.us-east-1.amazonaws.com` -> `ssm` in `us-east-1`, i.e. `com.amazonaws.us-east-1.ssm`).
//!
//! ip-ranges.json cannot tell SSM from STS from SQS (all AMAZON or EC2 prefixes); the resolver's
//! answers can. A flow is named by the answers its VPC received for that IP within the answer
//! window before the flow's hour; without one, by that VPC's answers at any time, then by any
//! VPC's. Each fallback is counted, as are IPs answered for more than one service.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::ingest::scan::MAX_LINE_BYTES;
use crate::inventory::region_from_az;

const EMBEDDED_SERVICES: &str = include_str!("../data/endpoint-services.csv");

/// Where `data/endpoint-services.csv` came from, for reports.
pub const SERVICES_SOURCE: &str = "data/endpoint-services.csv (AWS service endpoints: docs.aws.amazon.com/general/latest/gr/aws-service-information.html and the PrivateLink 'AWS services that integrate' list)";

/// One hostname pattern of an endpoint service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePattern {
    /// Short endpoint service name (`ssm`, `ecr.dkr`): the suffix of `com.amazonaws.REGION.`.
    pub service: String,
    /// Labels; `*` matches one or more labels (first label only), `{region}` a region.
    pub labels: Vec<String>,
    /// `Gateway` or `Interface`.
    pub endpoint_type: String,
    pub note: String,
}

/// The endpoint services the tool can name from DNS.
#[derive(Debug, Clone)]
pub struct EndpointServices {
    pub patterns: Vec<ServicePattern>,
}

impl EndpointServices {
    /// The shipped table.
    pub fn embedded() -> Result<EndpointServices> {
        Self::parse(EMBEDDED_SERVICES, "data/endpoint-services.csv")
    }

    fn parse(text: &str, origin: &str) -> Result<EndpointServices> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut patterns = Vec::new();
        for (i, rec) in reader.records().enumerate() {
            let bad = |reason: String| Error::Malformed {
                path: PathBuf::from(origin),
                line: i as u64 + 2,
                reason,
            };
            let rec = rec.map_err(|e| bad(e.to_string()))?;
            if rec.len() != 4 {
                return Err(bad(format!(
                    "expected 4 columns (service,hostname,endpoint_type,note), found {}",
                    rec.len()
                )));
            }
            patterns.push(ServicePattern {
                service: rec[0].to_string(),
                labels: rec[1].split('.').map(str::to_string).collect(),
                endpoint_type: rec[2].to_string(),
                note: rec[3].to_string(),
            });
        }
        Ok(EndpointServices { patterns })
    }

    /// Distinct service names, sorted.
    pub fn services(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.patterns.iter().map(|p| p.service.as_str()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The (service, region) a hostname belongs to; the most specific pattern (fewest
    /// wildcards, then most labels) wins.
    pub fn resolve(&self, hostname: &str) -> Option<(String, String)> {
        let host = hostname.trim_end_matches('.').to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        let mut best: Option<((usize, usize), (String, String))> = None;
        for p in &self.patterns {
            if let Some(region) = match_labels(&p.labels, &labels) {
                let wild = p.labels.iter().filter(|l| l.contains('*')).count();
                let rank = (usize::MAX - wild, p.labels.len());
                if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                    best = Some((rank, (p.service.clone(), region)));
                }
            }
        }
        best.map(|(_, v)| v)
    }
}

/// Matches host labels against a pattern; returns the region the pattern captured.
fn match_labels(pattern: &[String], host: &[&str]) -> Option<String> {
    let (fixed, host_tail) = match pattern.first().map(String::as_str) {
        Some("*") => {
            let rest = &pattern[1..];
            if host.len() <= rest.len() {
                return None;
            }
            (rest, &host[host.len() - rest.len()..])
        }
        _ => {
            if host.len() != pattern.len() {
                return None;
            }
            (pattern, host)
        }
    };
    let mut region: Option<String> = None;
    for (p, h) in fixed.iter().zip(host_tail) {
        let captured = match_label(p, h)?;
        if let Some(r) = captured {
            if region.as_ref().is_some_and(|x| x != &r) {
                return None;
            }
            region = Some(r);
        }
    }
    region
}

/// One label: literal, `{region}` somewhere inside, or a trailing `*` (`ecs-a-*`).
/// `Some(None)` = matched without a region; `Some(Some(r))` = matched, capturing region `r`.
fn match_label(pattern: &str, label: &str) -> Option<Option<String>> {
    if let Some((pre, post)) = pattern.split_once("{region}") {
        let mid = label.strip_prefix(pre)?.strip_suffix(post)?;
        return (region_from_az(mid).as_deref() == Some(mid)).then(|| Some(mid.to_string()));
    }
    if let Some(prefix) = pattern.strip_suffix('*') {
        return (label.starts_with(prefix) && label.len() > prefix.len()).then_some(None);
    }
    (pattern == label).then_some(None)
}

/// How a flow was named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NamedBy {
    /// An answer to the same VPC for the same IP within the window before the flow's hour.
    TimeWindow,
    /// An answer to the same VPC for the same IP at another time.
    SameVpc,
    /// An answer to another VPC for the same IP.
    OtherVpc,
}

/// What reading and joining the DNS logs did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DnsStats {
    pub files: Vec<String>,
    /// Query-log entries read.
    pub queries: u64,
    /// Entries whose name is an AWS endpoint service (the rest are other names).
    pub aws_service_queries: u64,
    /// A/AAAA answers for those names.
    pub answers: u64,
    /// Lines that were not query-log JSON (with the first few as `file:line: reason`).
    pub malformed: u64,
    pub malformed_examples: Vec<String>,
    /// Answer window in seconds (`--dns-window`).
    pub window_seconds: u64,
    /// Flow bytes named, by rule (`time-window`, `same-vpc`, `other-vpc`).
    pub named_bytes: BTreeMap<String, u64>,
    /// Named bytes whose IP was answered for more than one service (the most-answered won).
    pub ambiguous_bytes: u64,
    /// (VPC, IP, service) answers that no flow used.
    pub unmatched_answers: u64,
    /// Hostnames answered, by endpoint service, with answer counts.
    pub services: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Copy)]
struct Answer {
    time: u64,
    service: u32,
    used: bool,
}

/// Answers by (VPC, IP).
#[derive(Debug, Default)]
pub struct DnsIndex {
    by_vpc_ip: FxHashMap<(String, IpAddr), Vec<Answer>>,
    by_ip: FxHashMap<IpAddr, Vec<String>>,
    /// (service, region) by id.
    names: Vec<(String, String)>,
    name_ids: FxHashMap<(String, String), u32>,
    pub stats: DnsStats,
}

/// A name found for a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naming {
    pub service: String,
    pub region: String,
    pub by: NamedBy,
    pub ambiguous: bool,
}

impl DnsIndex {
    /// Reads every query-log file under `paths`.
    pub fn load(
        paths: &[PathBuf],
        services: &EndpointServices,
        window_seconds: u64,
    ) -> Result<DnsIndex> {
        Self::load_with(paths, services, window_seconds, None)
    }

    /// [`DnsIndex::load`], with `s3://bucket/prefix` paths read through `sources`' session.
    pub fn load_with(
        paths: &[PathBuf],
        services: &EndpointServices,
        window_seconds: u64,
        sources: Option<&crate::ingest::SourceConfig>,
    ) -> Result<DnsIndex> {
        let mut files = Vec::new();
        let mut objects = Vec::new();
        for p in paths {
            match sources {
                Some(src) if crate::source::is_s3(p) => {
                    objects.extend(crate::source::read_s3_objects(
                        std::slice::from_ref(p),
                        &src.session,
                        &src.s3,
                        crate::ingest::walk::is_log_name,
                    )?)
                }
                _ => crate::inventory::collect_files(p, &mut files)?,
            }
        }
        files.sort();
        let mut index = DnsIndex {
            stats: DnsStats {
                window_seconds,
                ..DnsStats::default()
            },
            ..DnsIndex::default()
        };
        for f in &files {
            index.read_file(f, services)?;
            index.stats.files.push(f.display().to_string());
        }
        for (name, raw) in objects {
            index.read_bytes(&name, raw, services)?;
            index.stats.files.push(name.display().to_string());
        }
        Ok(index)
    }

    fn read_file(&mut self, path: &Path, services: &EndpointServices) -> Result<()> {
        let raw = crate::bounded::read_file(path).map_err(|e| {
            e.into_error(path, |source| Error::Read {
                path: path.to_path_buf(),
                source,
            })
        })?;
        self.read_bytes(path, raw, services)
    }

    /// One query-log file's content (plain or gzip); `path` names it in errors. Content over
    /// [`crate::bounded::max_document_bytes`] once decompressed is an error, as is a corrupt
    /// gzip; a line longer than [`MAX_LINE_BYTES`] is a malformed line.
    fn read_bytes(&mut self, path: &Path, raw: Vec<u8>, services: &EndpointServices) -> Result<()> {
        let text = if raw.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            let gz = flate2::read::MultiGzDecoder::new(&raw[..]);
            crate::bounded::read_to_end_capped(gz, &mut out, crate::bounded::max_document_bytes())
                .map_err(|e| {
                    e.into_error(path, |source| Error::Gzip {
                        path: path.to_path_buf(),
                        source,
                    })
                })?;
            String::from_utf8_lossy(&out).into_owned()
        } else {
            String::from_utf8_lossy(&raw).into_owned()
        };
        // JSON lines (optionally prefixed by a CloudWatch timestamp) first; a file of
        // pretty-printed objects is read as one stream of values.
        let mut line_values = Vec::new();
        let mut line_failures = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            // An export of the log group holds CloudWatch's delivery check beside the queries.
            if t.is_empty() || crate::ingest::format::is_validation_message(t.as_bytes()) {
                continue;
            }
            if t.len() > MAX_LINE_BYTES {
                let reason = format!("line longer than {MAX_LINE_BYTES} bytes");
                line_failures.push((i as u64 + 1, reason));
                continue;
            }
            let json = t.find('{').map(|at| &t[at..]).unwrap_or(t);
            match serde_json::from_str::<Value>(json) {
                Ok(v) => line_values.push(v),
                Err(e) => line_failures.push((i as u64 + 1, e.to_string())),
            }
        }
        let values = if line_values.is_empty() && !line_failures.is_empty() {
            match stream(&text) {
                Some(v) => {
                    line_failures.clear();
                    v
                }
                None => line_values,
            }
        } else {
            line_values
        };
        for (line, reason) in line_failures {
            self.stats.malformed += 1;
            if self.stats.malformed_examples.len() < 10 {
                self.stats.malformed_examples.push(format!(
                    "{}:{line}: not a query-log JSON object ({reason})",
                    path.display()
                ));
            }
        }
        for v in values {
            // CloudWatch's filter-log-events JSON wraps entries in `events[].message`.
            if let Some(events) = v.get("events").and_then(Value::as_array) {
                for e in events {
                    if let Some(m) = e.get("message").and_then(Value::as_str) {
                        if let Ok(inner) = serde_json::from_str::<Value>(m) {
                            self.add_query(&inner, services);
                        }
                    }
                }
                continue;
            }
            if let Some(m) = v.get("message").and_then(Value::as_str) {
                if let Ok(inner) = serde_json::from_str::<Value>(m) {
                    self.add_query(&inner, services);
                    continue;
                }
            }
            self.add_query(&v, services);
        }
        Ok(())
    }

    fn add_query(&mut self, v: &Value, services: &EndpointServices) {
        let Some(name) = v.get("query_name").and_then(Value::as_str) else {
            return;
        };
        self.stats.queries += 1;
        let Some((service, region)) = services.resolve(name) else {
            return;
        };
        self.stats.aws_service_queries += 1;
        let vpc = v
            .get("vpc_id")
            .and_then(Value::as_str)
            .unwrap_or("unattributed")
            .to_string();
        let time = v
            .get("query_timestamp")
            .and_then(Value::as_str)
            .and_then(parse_timestamp)
            .unwrap_or(0);
        let key = (service.clone(), region.clone());
        let id = match self.name_ids.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.names.len() as u32;
                self.names.push(key.clone());
                self.name_ids.insert(key, id);
                id
            }
        };
        let answers = v.get("answers").and_then(Value::as_array);
        for a in answers.into_iter().flatten() {
            let kind = a.get("Type").and_then(Value::as_str).unwrap_or("");
            if kind != "A" && kind != "AAAA" {
                continue;
            }
            let Some(ip) = a
                .get("Rdata")
                .and_then(Value::as_str)
                .and_then(|r| r.trim().parse::<IpAddr>().ok())
            else {
                continue;
            };
            self.stats.answers += 1;
            *self.stats.services.entry(service.clone()).or_default() += 1;
            let list = self.by_vpc_ip.entry((vpc.clone(), ip)).or_default();
            if list.is_empty() {
                self.by_ip.entry(ip).or_default().push(vpc.clone());
            }
            list.push(Answer {
                time,
                service: id,
                used: false,
            });
        }
    }

    /// True when no answer was indexed.
    pub fn is_empty(&self) -> bool {
        self.by_vpc_ip.is_empty()
    }

    /// Names a flow of `vpc` to `ip` starting in `hour` (None: time unknown), counting `bytes`.
    pub fn name(&mut self, vpc: &str, ip: IpAddr, hour: Option<u32>, bytes: u64) -> Option<Naming> {
        let window = self.stats.window_seconds;
        let key = (vpc.to_string(), ip);
        let mut found: Option<(NamedBy, Vec<u32>)> = None;
        if let Some(list) = self.by_vpc_ip.get_mut(&key) {
            if let Some(h) = hour {
                let (start, end) = (u64::from(h) * 3600, u64::from(h) * 3600 + 3600);
                let hits: Vec<u32> = list
                    .iter_mut()
                    .filter(|a| a.time < end && a.time + window >= start)
                    .map(|a| {
                        a.used = true;
                        a.service
                    })
                    .collect();
                if !hits.is_empty() {
                    found = Some((NamedBy::TimeWindow, hits));
                }
            }
            if found.is_none() {
                let hits: Vec<u32> = list
                    .iter_mut()
                    .map(|a| {
                        a.used = true;
                        a.service
                    })
                    .collect();
                let by = if hour.is_some() {
                    NamedBy::SameVpc
                } else {
                    NamedBy::TimeWindow
                };
                found = Some((by, hits));
            }
        }
        if found.is_none() {
            let vpcs: Vec<String> = self.by_ip.get(&ip).cloned().unwrap_or_default();
            let mut hits = Vec::new();
            for other in vpcs {
                if let Some(list) = self.by_vpc_ip.get_mut(&(other, ip)) {
                    for a in list.iter_mut() {
                        a.used = true;
                        hits.push(a.service);
                    }
                }
            }
            if !hits.is_empty() {
                found = Some((NamedBy::OtherVpc, hits));
            }
        }
        let (by, hits) = found?;
        let mut counts: BTreeMap<&(String, String), u64> = BTreeMap::new();
        for id in &hits {
            *counts.entry(&self.names[*id as usize]).or_default() += 1;
        }
        let ambiguous = counts.len() > 1;
        let top = counts.values().copied().max().unwrap_or(0);
        let (service, region) = counts
            .iter()
            .find(|(_, &n)| n == top)
            .map(|(k, _)| (*k).clone())?;
        let rule = match by {
            NamedBy::TimeWindow => "time-window",
            NamedBy::SameVpc => "same-vpc",
            NamedBy::OtherVpc => "other-vpc",
        };
        *self.stats.named_bytes.entry(rule.to_string()).or_default() += bytes;
        if ambiguous {
            self.stats.ambiguous_bytes += bytes;
        }
        Some(Naming {
            service,
            region,
            by,
            ambiguous,
        })
    }

    /// Finishes the statistics: counts answers no flow used.
    pub fn finish(&mut self) -> DnsStats {
        let mut unmatched = std::collections::BTreeSet::new();
        for ((vpc, ip), list) in &self.by_vpc_ip {
            for a in list.iter().filter(|a| !a.used) {
                unmatched.insert((vpc.clone(), *ip, a.service));
            }
        }
        self.stats.unmatched_answers = unmatched.len() as u64;
        self.stats.clone()
    }
}

/// A whole text as a stream of JSON values (pretty-printed objects one after another),
/// repairing trailing commas and single quotes when needed.
fn stream(text: &str) -> Option<Vec<Value>> {
    let read = |t: &str| {
        serde_json::Deserializer::from_str(t)
            .into_iter::<Value>()
            .collect::<std::result::Result<Vec<Value>, _>>()
            .ok()
    };
    read(text).or_else(|| read(&crate::inventory::lenient::repair(text)))
}

/// `2020-07-27T16:32:20Z`, with optional fractional seconds, to Unix seconds.
fn parse_timestamp(s: &str) -> Option<u64> {
    let s = s.trim();
    let base = if s.len() > 20 && s.as_bytes()[19] == b'.' && s.ends_with('Z') {
        format!("{}Z", &s[..19])
    } else {
        s.to_string()
    };
    crate::ingest::traffic_csv::parse_time(&base).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_to_services() {
        let s = EndpointServices::embedded().unwrap();
        assert!(s.services().len() >= 25, "{}", s.services().len());
        let r = |h: &str| s.resolve(h).map(|(a, b)| format!("{a}@{b}"));
        assert_eq!(
            r("ssm.us-east-1.amazonaws.com.").as_deref(),
            Some("ssm@us-east-1")
        );
        assert_eq!(
            r("api.ecr.eu-west-1.amazonaws.com").as_deref(),
            Some("ecr.api@eu-west-1")
        );
        assert_eq!(
            r("123456789012.dkr.ecr.us-east-1.amazonaws.com").as_deref(),
            Some("ecr.dkr@us-east-1")
        );
        assert_eq!(
            r("prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com").as_deref(),
            Some("s3@us-east-1")
        );
        assert_eq!(
            r("my.dotted.bucket.s3.us-west-2.amazonaws.com").as_deref(),
            Some("s3@us-west-2")
        );
        assert_eq!(
            r("abc123.execute-api.us-east-1.amazonaws.com").as_deref(),
            Some("execute-api@us-east-1")
        );
        assert_eq!(
            r("us-east-2.queue.amazonaws.com").as_deref(),
            Some("sqs@us-east-2")
        );
        assert_eq!(r("api.example.com."), None);
        assert_eq!(r("ssm.notaregion.amazonaws.com"), None);
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("2020-07-27T16:32:20Z"), Some(1_595_867_540));
        assert_eq!(
            parse_timestamp("2020-07-27T16:32:20.123Z"),
            Some(1_595_867_540)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
