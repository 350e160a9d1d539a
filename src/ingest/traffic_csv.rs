//! Traffic CSVs: aggregated traffic (from this tool's `traffic --format csv`, another tool or a
//! query) in, classified [`TrafficRow`]s and their window out; and the writer for the same schema.
//! A schema-2 traffic CSV (it has `interface_id`: what `vpce-advisor sql` queries return) is an
//! engine's aggregate of the raw records: it is read into the same aggregate as flow-log files
//! ([`read_aggregate`]), before vantage, so NAT de-duplication, DNS naming and the time series
//! work from it exactly as from the files. Full schema: docs/traffic-csv.md.
//!
//! Schema-1 columns (all required in the header, any order; see the README, "Traffic CSVs"):
//! `vpc_id,region,az_id,direction,remote_addr,destination,aws_service,service_region,bytes,records,window_start,window_end`.
//! A row names either a `remote_addr` (classified by the tool, `aws_service` used only as a hint)
//! or a `destination` class (`s3`, `dynamodb`, `aws-service`, `aws-cross-region`, `aws-hosted`,
//! `internet`, `ipv6-direct`, `private`) with its `aws_service` and `service_region`.

use std::path::Path;

use crate::bounded::CappedRecords;
use crate::classify::address::parse_ip;
use crate::classify::{classify_address, IpRanges};
use crate::error::{Error, Result};
use crate::ingest::scan::{
    looks_like_region, unmap_nat64, Direction, FileScan, FlowFields, FlowSums, Remote,
    ScanSettings, Scanner, MAX_LINE_BYTES,
};
use crate::traffic::{classified_row, DestClass, TrafficPath, TrafficRow, Window};

/// The columns, in the order the writer uses.
pub const TRAFFIC_COLUMNS: [&str; 12] = [
    "vpc_id",
    "region",
    "az_id",
    "direction",
    "remote_addr",
    "destination",
    "aws_service",
    "service_region",
    "bytes",
    "records",
    "window_start",
    "window_end",
];

/// Optional column: the endpoint service DNS named (`ssm`, `sts`...), empty when not named.
pub const ENDPOINT_SERVICE_COLUMN: &str = "endpoint_service";
/// Optional column: the way the traffic took ([`TrafficPath`]: `nat`, `gateway-endpoint`,
/// `internet-gateway`, `egress-only`, `private`); when absent or empty, taken from the
/// destination class. Rows on `gateway-endpoint` or `internet-gateway` are shown, not priced.
pub const PATH_COLUMN: &str = "path";

/// Schema-2 column: the network interface the records were logged on; its presence makes the
/// file an aggregate read before vantage.
pub const INTERFACE_COLUMN: &str = "interface_id";
/// Schema-2 columns, optional: start of the records' start hour, packets, `traffic-path` (1-8) and
/// the records' status (`accepted`, `rejected`, `nodata`, `skipdata`, `no-bytes`).
pub const HOUR_COLUMN: &str = "hour";
pub const PACKETS_COLUMN: &str = "packets";
pub const TRAFFIC_PATH_COLUMN: &str = "traffic_path";
pub const STATUS_COLUMN: &str = "status";
/// Schema-2 column, optional: how many of the row's records had public addresses on both sides.
pub const BOTH_PUBLIC_COLUMN: &str = "both_public";

/// The traffic CSV schema version this build writes and reads (docs/traffic-csv.md).
pub const SCHEMA_VERSION: u32 = 2;

/// Columns of a schema-2 aggregate, in the order `vpce-advisor sql` queries return them.
pub const AGGREGATE_COLUMNS: [&str; 16] = [
    "vpc_id",
    "region",
    "az_id",
    INTERFACE_COLUMN,
    "direction",
    "remote_addr",
    "destination",
    "aws_service",
    "service_region",
    TRAFFIC_PATH_COLUMN,
    HOUR_COLUMN,
    "bytes",
    PACKETS_COLUMN,
    "records",
    "window_start",
    "window_end",
];

/// What a traffic CSV contributed.
#[derive(Debug, Clone, Default)]
pub struct TrafficCsv {
    pub rows: Vec<TrafficRow>,
    /// (min window_start, max window_end), Unix seconds.
    pub window: Option<(u64, u64)>,
    pub rows_read: u64,
}

/// Whether a traffic CSV is a schema-2 aggregate (its header has `interface_id`).
pub fn is_aggregate(path: &Path) -> Result<bool> {
    let headers = headers(&mut open(path)?, path)?;
    Ok(headers.iter().any(|h| h == INTERFACE_COLUMN))
}

type Reader = csv::Reader<CappedRecords<std::fs::File>>;

/// A CSV reader over `path` (fields trimmed; rows longer than [`MAX_LINE_BYTES`] cut out).
fn open(path: &Path) -> Result<Reader> {
    let file = std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(CappedRecords::new(file, MAX_LINE_BYTES)))
}

/// The header of `reader`, an error naming line 1 if it is not CSV or too long.
fn headers(reader: &mut Reader, path: &Path) -> Result<csv::StringRecord> {
    let headers = reader
        .headers()
        .map_err(|e| malformed(path, 1, e.to_string()))?
        .clone();
    match reader.get_mut().take_cut_before(2).first() {
        Some(&line) => Err(too_long(path, line)),
        None => Ok(headers),
    }
}

/// The rows of `reader` after its header; an invalid or too long row is an error naming its
/// line, and ends the rows.
fn data_rows<'a>(
    mut reader: Reader,
    path: &'a Path,
) -> impl Iterator<Item = Result<csv::StringRecord>> + 'a {
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut record = csv::StringRecord::new();
        let got = reader.read_record(&mut record);
        let next_line = match got {
            Ok(true) => record.position().map_or(u64::MAX, |p| p.line()),
            _ => u64::MAX,
        };
        if let Some(&line) = reader.get_mut().take_cut_before(next_line).first() {
            done = true;
            return Some(Err(too_long(path, line)));
        }
        match got {
            Ok(true) => Some(Ok(record)),
            Ok(false) => {
                done = true;
                None
            }
            Err(e) => {
                done = true;
                let line = e.position().map_or(0, |p| p.line());
                Some(Err(malformed(path, line, e.to_string())))
            }
        }
    })
}

fn too_long(path: &Path, line: u64) -> Error {
    malformed(
        path,
        line,
        format!("line longer than {MAX_LINE_BYTES} bytes"),
    )
}

fn malformed(path: &Path, line: u64, reason: String) -> Error {
    Error::Malformed {
        path: path.to_path_buf(),
        line,
        reason,
    }
}

/// Most records one schema-2 traffic CSV may sum (2^53, about 9e15: far beyond any account's
/// flow logs, and small enough that totals over many files stay exact).
pub const MAX_AGGREGATE_RECORDS: u64 = 1 << 53;

/// Reads a schema-2 traffic CSV (an engine's aggregate) into the scan of a flow-log file:
/// each accepted row goes through [`Scanner::add_flow`] like a logged record, other rows count
/// as the records they sum. Every bad row is an error naming its line.
pub fn read_aggregate(path: &Path, settings: &ScanSettings) -> Result<FileScan> {
    let err = |line: u64, reason: String| malformed(path, line, reason);
    let mut reader = open(path)?;
    let headers = headers(&mut reader, path)?;
    let at = |name: &str| headers.iter().position(|h| h == name);
    let required = [
        "vpc_id",
        "region",
        "az_id",
        INTERFACE_COLUMN,
        "direction",
        "remote_addr",
        "bytes",
        "records",
        "window_start",
        "window_end",
    ];
    let mut index = std::collections::HashMap::new();
    for name in required {
        let k = at(name).ok_or_else(|| {
            err(
                1,
                format!(
                    "the header lacks '{name}': a schema-2 traffic CSV has the columns {} (header found: {})",
                    AGGREGATE_COLUMNS.join(","),
                    headers.iter().collect::<Vec<_>>().join(",")
                ),
            )
        })?;
        index.insert(name, k);
    }
    let optional = [
        "destination",
        "aws_service",
        TRAFFIC_PATH_COLUMN,
        HOUR_COLUMN,
        PACKETS_COLUMN,
        STATUS_COLUMN,
        BOTH_PUBLIC_COLUMN,
    ];
    for name in optional {
        if let Some(k) = at(name) {
            index.insert(name, k);
        }
    }
    let mut scanner = Scanner::new(path, settings);
    let mut rows = 0u64;
    let mut records_total = 0u64;
    for record in data_rows(reader, path) {
        let record = record?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let get = |name: &str| index.get(name).and_then(|&k| record.get(k)).unwrap_or("");
        let number = |name: &str| -> Result<u64> {
            match get(name) {
                "" => Ok(0),
                v => v
                    .parse()
                    .map_err(|_| err(line, format!("{name} '{v}' is not a whole number"))),
            }
        };
        let (start, end) = (
            parse_time(get("window_start")).map_err(|r| err(line, format!("window_start: {r}")))?,
            parse_time(get("window_end")).map_err(|r| err(line, format!("window_end: {r}")))?,
        );
        if end < start {
            return Err(err(line, "window_end is before window_start".into()));
        }
        let hour = match get(HOUR_COLUMN) {
            "" => start / 3600,
            h => {
                let t = parse_time(h).map_err(|r| err(line, format!("hour: {r}")))?;
                if t % 3600 != 0 {
                    return Err(err(line, format!("hour '{h}' is not the start of an hour")));
                }
                t / 3600
            }
        };
        let hour = u32::try_from(hour).map_err(|_| err(line, "hour is out of range".into()))?;
        let records = number("records")?;
        rows += 1;
        // Bounded so that no count built from these (per file or over files) can overflow.
        records_total = records_total
            .checked_add(records)
            .filter(|&t| t <= MAX_AGGREGATE_RECORDS)
            .ok_or_else(|| {
                err(
                    line,
                    format!("records add up to more than {MAX_AGGREGATE_RECORDS} in this file"),
                )
            })?;
        let out = scanner.out_mut();
        let w = out.window.get_or_insert((start, end));
        w.0 = w.0.min(start);
        w.1 = w.1.max(end);
        out.hours.insert(hour);
        out.accounting.records += records;
        let status = get(STATUS_COLUMN).to_ascii_lowercase();
        match status.as_str() {
            "" | "accepted" => {}
            "rejected" => {
                out.accounting.rejected += records;
                continue;
            }
            "nodata" => {
                out.accounting.nodata += records;
                continue;
            }
            "skipdata" => {
                out.accounting.skipdata += records;
                continue;
            }
            "no-bytes" => {
                out.accounting.accepted_without_bytes += records;
                continue;
            }
            other => {
                return Err(err(
                    line,
                    format!(
                    "status '{other}' is not one of accepted, rejected, nodata, skipdata, no-bytes"
                ),
                ))
            }
        }
        let region = get("region");
        if !(region.is_empty() || region == "-" || looks_like_region(region)) {
            return Err(err(
                line,
                format!("region '{region}' is not an AWS region name"),
            ));
        }
        let direction = match get("direction") {
            "egress" => Direction::Egress,
            "ingress" => Direction::Ingress,
            d => {
                return Err(err(
                    line,
                    format!("direction '{d}' is neither egress nor ingress"),
                ))
            }
        };
        let remote = match (get("remote_addr"), get("destination")) {
            ("", "" | "private") => Remote::Private,
            ("", "relayed") => Remote::Relayed,
            ("", d) => {
                return Err(err(
                    line,
                    format!("destination '{d}' without remote_addr: in a schema-2 traffic CSV a row names its remote_addr, or is private or relayed"),
                ))
            }
            (a, _) => Remote::Ip(unmap_nat64(parse_ip(a.as_bytes()).ok_or_else(|| {
                err(line, format!("remote_addr '{a}' is not an IP address"))
            })?)),
        };
        let path_code = get(TRAFFIC_PATH_COLUMN);
        if !(path_code.is_empty()
            || path_code == "-"
            || matches!(path_code.parse::<u8>(), Ok(1..=8)))
        {
            return Err(err(
                line,
                format!("traffic_path '{path_code}' is not a traffic-path code 1-8"),
            ));
        }
        let both_public = number(BOTH_PUBLIC_COLUMN)?;
        if both_public > records {
            return Err(err(
                line,
                format!("both_public {both_public} is more than the row's {records} records"),
            ));
        }
        scanner.out_mut().accounting.both_public += both_public;
        let sums = FlowSums {
            bytes: number("bytes")?,
            packets: number(PACKETS_COLUMN)?,
            records,
        };
        scanner.add_flow(&FlowFields {
            vpc: nonempty(get("vpc_id")),
            region: nonempty(region),
            az: nonempty(get("az_id")),
            interface: nonempty(get(INTERFACE_COLUMN)),
            hint: nonempty(get("aws_service")),
            traffic_path: nonempty(path_code),
            remote,
            direction,
            start: Some(u64::from(hour) * 3600),
            sums,
        })?;
    }
    let out = scanner.out_mut();
    out.accounting.lines = rows + 1;
    out.accounting.header_lines = 1;
    out.formats = vec![(
        format!("traffic CSV schema {SCHEMA_VERSION} (aggregate)"),
        records_total,
    )];
    out.detected = format!(
        "traffic CSV schema {SCHEMA_VERSION} (an aggregate: interface_id column), {rows} row(s), {records_total} record(s)"
    );
    Ok(scanner.finish())
}

fn nonempty(v: &str) -> Option<&[u8]> {
    (!v.is_empty()).then_some(v.as_bytes())
}

/// Reads one traffic CSV; every bad row is an error naming its line.
pub fn read(path: &Path, table: &IpRanges) -> Result<TrafficCsv> {
    let err = |line: u64, reason: String| malformed(path, line, reason);
    let mut reader = open(path)?;
    let headers = headers(&mut reader, path)?;
    let mut index = [0usize; 12];
    for (k, name) in TRAFFIC_COLUMNS.iter().enumerate() {
        index[k] = headers.iter().position(|h| h == *name).ok_or_else(|| {
            err(
                1,
                format!(
                    "the header lacks '{name}': a traffic CSV has the columns {} (header found: {})",
                    TRAFFIC_COLUMNS.join(","),
                    headers.iter().collect::<Vec<_>>().join(",")
                ),
            )
        })?;
    }
    let named_at = headers.iter().position(|h| h == ENDPOINT_SERVICE_COLUMN);
    let path_at = headers.iter().position(|h| h == PATH_COLUMN);
    let mut out = TrafficCsv::default();
    for record in data_rows(reader, path) {
        let record = record?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let get = |k: usize| record.get(index[k]).unwrap_or("");
        let named = named_at.and_then(|k| record.get(k)).unwrap_or("");
        let mut row = parse_row(&get, named, table).map_err(|reason| err(line, reason))?;
        match path_at.and_then(|k| record.get(k)).unwrap_or("") {
            "" => {}
            p => {
                row.path = TrafficPath::from_key(p).ok_or_else(|| {
                    err(
                        line,
                        format!(
                            "path '{p}' is not one of {}",
                            TrafficPath::ALL.map(TrafficPath::key).join(", ")
                        ),
                    )
                })?
            }
        }
        let (start, end) = (
            parse_time(get(10)).map_err(|r| err(line, format!("window_start: {r}")))?,
            parse_time(get(11)).map_err(|r| err(line, format!("window_end: {r}")))?,
        );
        if end < start {
            return Err(err(line, "window_end is before window_start".into()));
        }
        out.window = Some(match out.window {
            Some((s, e)) => (s.min(start), e.max(end)),
            None => (start, end),
        });
        out.rows.push(row);
        out.rows_read += 1;
    }
    Ok(out)
}

fn parse_row<'r>(
    get: &dyn Fn(usize) -> &'r str,
    named: &str,
    table: &IpRanges,
) -> std::result::Result<TrafficRow, String> {
    let vpc_id = get(0);
    if vpc_id.is_empty() {
        return Err("vpc_id is empty".into());
    }
    let region = get(1);
    if !looks_like_region(region) {
        return Err(format!("region '{region}' is not an AWS region name"));
    }
    let az_id = if get(2).is_empty() { "-" } else { get(2) };
    let direction = get(3);
    if direction != "egress" && direction != "ingress" {
        return Err(format!(
            "direction '{direction}' is neither egress nor ingress"
        ));
    }
    let number = |k: usize, name: &str, default: Option<u64>| -> std::result::Result<u64, String> {
        match (get(k), default) {
            ("", Some(d)) => Ok(d),
            (v, _) => v
                .parse()
                .map_err(|_| format!("{name} '{v}' is not a whole number")),
        }
    };
    let bytes = number(8, "bytes", None)?;
    let records = number(9, "records", Some(0))?;
    let (remote, destination, service, service_region) = (get(4), get(5), get(6), get(7));
    let mut row = if !remote.is_empty() {
        let addr = parse_ip(remote.as_bytes())
            .ok_or_else(|| format!("remote_addr '{remote}' is not an IP address"))?;
        let c = classify_address(table, &unmap_nat64(addr).to_string(), service);
        classified_row(
            vpc_id,
            region,
            az_id,
            direction,
            c.kind.as_str(),
            &c.service,
            &c.region,
            named,
            "",
        )
    } else {
        let class = DestClass::from_key(destination).ok_or_else(|| {
            format!(
                "destination '{destination}' is not one of {} (or give remote_addr)",
                DestClass::ALL.map(DestClass::key).join(", ")
            )
        })?;
        let (kind, default_service) = match class {
            DestClass::S3 => ("aws", "S3"),
            DestClass::Dynamodb => ("aws", "DYNAMODB"),
            DestClass::AwsService | DestClass::AwsCrossRegion => ("aws", "AMAZON"),
            DestClass::AwsHosted => ("aws", "EC2"),
            DestClass::Internet => ("internet", ""),
            DestClass::Ipv6Direct => ("ipv6", ""),
            DestClass::Private => ("private", ""),
        };
        let service = if service.is_empty() {
            default_service
        } else {
            service
        };
        if class == DestClass::AwsCrossRegion
            && (service_region.is_empty() || service_region == region)
        {
            return Err(
                "destination aws-cross-region needs a service_region other than the VPC's region"
                    .into(),
            );
        }
        let row = classified_row(
            vpc_id,
            region,
            az_id,
            direction,
            kind,
            service,
            service_region,
            named,
            service_region,
        );
        if row.class != class {
            return Err(format!(
                "destination '{destination}' does not fit aws_service '{service}' in '{}' (that is {})",
                if service_region.is_empty() { region } else { service_region },
                row.class.key()
            ));
        }
        row
    };
    row.bytes = bytes;
    row.records = records;
    Ok(row)
}

/// Unix seconds, or ISO 8601 UTC `YYYY-MM-DDTHH:MM:SSZ`.
pub fn parse_time(s: &str) -> std::result::Result<u64, String> {
    if let Ok(v) = s.parse::<u64>() {
        return Ok(v);
    }
    let b = s.as_bytes();
    let ok = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    let num = |a: usize, z: usize| s[a..z].parse::<i64>().ok();
    let parts = ok
        .then(|| {
            Some((
                num(0, 4)?,
                num(5, 7)?,
                num(8, 10)?,
                num(11, 13)?,
                num(14, 16)?,
                num(17, 19)?,
            ))
        })
        .flatten();
    let Some((y, m, d, hh, mm, ss)) = parts else {
        return Err(format!(
            "'{s}' is neither Unix seconds nor YYYY-MM-DDTHH:MM:SSZ"
        ));
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return Err(format!("'{s}' is not a valid time"));
    }
    let days = crate::units::days_from_civil(y, m, d);
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    u64::try_from(secs).map_err(|_| format!("'{s}' is before 1970"))
}

/// Writes rows as a traffic CSV covering `window`.
pub fn write(rows: &[TrafficRow], window: Window) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let cerr = |e: csv::Error| Error::Invalid(format!("cannot write traffic CSV: {e}"));
    let mut header: Vec<&str> = TRAFFIC_COLUMNS.to_vec();
    header.push(ENDPOINT_SERVICE_COLUMN);
    header.push(PATH_COLUMN);
    w.write_record(header).map_err(cerr)?;
    let (start, end) = (
        crate::text::iso_utc(window.start),
        crate::text::iso_utc(window.end),
    );
    for r in rows {
        w.write_record([
            r.vpc_id.as_str(),
            &r.region,
            &r.az_id,
            &r.direction,
            "",
            r.class.key(),
            &r.service,
            &r.service_region,
            &r.bytes.to_string(),
            &r.records.to_string(),
            &start,
            &end,
            &r.endpoint_service,
            r.path.key(),
        ])
        .map_err(cerr)?;
    }
    w.into_inner()
        .map_err(|e| Error::Invalid(format!("cannot write traffic CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("1793491200"), Ok(1_793_491_200));
        assert_eq!(parse_time("2026-11-01T00:00:00Z"), Ok(1_793_491_200));
        assert_eq!(parse_time("2021-03-26T03:28:12Z"), Ok(1_616_729_292));
        assert!(parse_time("2026-13-01T00:00:00Z").is_err());
        assert!(parse_time("yesterday").is_err());
    }
}
