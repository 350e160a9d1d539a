//! SQL for distributed engines: an engine (Athena, Trino, Spark, DuckDB), a table layout and
//! filters in; one aggregation query out, whose result columns are the schema-2 traffic CSV
//! (docs/traffic-csv.md) that `analyze --traffic` reads into the same aggregate as raw files.
//!
//! The query does per record what the scanner does (which side is remote, private or relayed
//! hops, the status of the record) and sums per VPC, region, AZ, interface, remote address,
//! direction, `pkt-*-aws-service`, `traffic-path` and start hour; classification stays in the
//! tool. Every identifier, path, date, region and account is validated before it is written
//! into the query: anything that could escape its place is an error.

use std::fmt::Write as _;

use crate::ingest::format::{Field, RecordFormat};
use crate::ingest::scan::looks_like_region;
use crate::ingest::traffic_csv::{
    parse_time, AGGREGATE_COLUMNS, BOTH_PUBLIC_COLUMN, STATUS_COLUMN,
};

/// The engine that runs the query (its SQL dialect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// Amazon Athena (engine v3: the Trino dialect).
    Athena,
    Trino,
    /// Spark SQL (EMR, Glue, Databricks, `spark-submit scripts/spark_traffic.py`).
    Spark,
    Duckdb,
}

/// Where the records are and what the table looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// A table over the S3 text delivery: AWS field names with `_` for `-`, partitioned by
    /// `date` (DATE); the DDL is in docs/engines.md.
    Text,
    /// A table over the S3 Parquet delivery with Hive-compatible prefixes: AWS's Parquet column
    /// names, partitions `aws-account-id`, `aws-region`, `year`, `month`, `day` (strings).
    Parquet,
    /// Amazon Security Lake's OCSF 1.1 VPC flow table (`amazon_security_lake_table_<region>_vpc_flow_2_0`),
    /// partitions `region`, `accountid`, `eventday` (YYYYMMDD).
    SecurityLake,
    /// DuckDB only: the S3 text delivery as files (`--path` glob, local or `s3://`), header line in
    /// each file; region and date from the `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/` path.
    RawText,
    /// DuckDB only: the S3 Parquet delivery as files (`--path` glob), Hive folders give the region.
    RawParquet,
}

/// What to query.
#[derive(Debug, Clone)]
pub struct SqlConfig {
    pub engine: Engine,
    pub layout: Layout,
    /// Table name (`db.table` or `catalog.db.table`), for the table layouts.
    pub table: Option<String>,
    /// File glob, for the raw layouts.
    pub path: Option<String>,
    /// First day (YYYY-MM-DD, UTC), inclusive.
    pub since: Option<String>,
    /// Last day (YYYY-MM-DD, UTC), inclusive.
    pub until: Option<String>,
    pub regions: Vec<String>,
    pub accounts: Vec<String>,
    /// The table's fields (`--log-format`); default: AWS's default format (version 2).
    pub log_format: Option<RecordFormat>,
}

/// Default table name in the query when `--table` is not given.
pub const DEFAULT_TABLE: &str = "vpc_flow_logs";

/// A table name: one to three dot-separated parts of letters, digits and `_` (not starting with a digit).
pub fn validate_table(name: &str) -> Result<(), String> {
    let parts: Vec<&str> = name.split('.').collect();
    let ok = (1..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 128
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                && !p.as_bytes()[0].is_ascii_digit()
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "--table '{}' is not a table name (db.table: letters, digits, '_' and '-' only)",
            printable(name)
        ))
    }
}

/// A glob for DuckDB: no quote, backslash, semicolon or control character.
fn validate_path(path: &str) -> Result<(), String> {
    let bad = path.is_empty()
        || path
            .chars()
            .any(|c| c == '\'' || c == '"' || c == '\\' || c == ';' || c.is_control());
    if bad {
        Err(format!(
            "--path '{}' cannot be written into a query: no quotes, backslashes, ';' or control characters",
            printable(path)
        ))
    } else {
        Ok(())
    }
}

/// A day as `YYYY-MM-DD`: its Unix start.
fn validate_day(flag: &str, day: &str) -> Result<u64, String> {
    let err = || format!("{flag} '{}' is not a date (YYYY-MM-DD)", printable(day));
    let b = day.as_bytes();
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        return Err(err());
    }
    let t = parse_time(&format!("{day}T00:00:00Z")).map_err(|_| err())?;
    // Reject days that do not exist (2026-02-31 would roll over).
    let (y, m, d) = civil(t / 86_400);
    if format!("{y:04}-{m:02}-{d:02}") != day {
        return Err(err());
    }
    Ok(t)
}

/// Days since 1970-01-01 -> (year, month, day).
fn civil(days: u64) -> (i64, u32, u32) {
    let iso = crate::text::iso_utc(days * 86_400);
    let part = |a: usize, b: usize| iso.get(a..b).and_then(|p| p.parse().ok()).unwrap_or(0);
    (part(0, 4) as i64, part(5, 7), part(8, 10))
}

fn printable(s: &str) -> String {
    s.chars().flat_map(char::escape_default).take(80).collect()
}

struct Dialect {
    engine: Engine,
}

impl Dialect {
    fn quote(&self, ident: &str) -> String {
        match self.engine {
            Engine::Spark => format!("`{ident}`"),
            _ => format!("\"{ident}\""),
        }
    }

    fn string(&self) -> &'static str {
        match self.engine {
            Engine::Spark => "STRING",
            _ => "VARCHAR",
        }
    }

    /// The first element of an array, NULL when it is NULL or empty.
    fn first(&self, array: &str) -> String {
        match self.engine {
            Engine::Duckdb => format!("list_extract({array}, 1)"),
            Engine::Spark => format!("try_element_at({array}, 1)"),
            _ => format!("element_at({array}, 1)"),
        }
    }

    fn table(&self, name: &str) -> String {
        name.split('.')
            .map(|p| self.quote(p))
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// The query for `config`, or why it cannot be written.
pub fn query(config: &SqlConfig) -> Result<String, String> {
    let d = Dialect {
        engine: config.engine,
    };
    let raw = matches!(config.layout, Layout::RawText | Layout::RawParquet);
    if raw && config.engine != Engine::Duckdb {
        return Err(
            "--layout raw-text and raw-parquet read files by glob: DuckDB only (--engine duckdb)"
                .into(),
        );
    }
    let since = config
        .since
        .as_deref()
        .map(|s| validate_day("--since", s))
        .transpose()?;
    let until = config
        .until
        .as_deref()
        .map(|s| validate_day("--until", s))
        .transpose()?;
    if let (Some(a), Some(b)) = (since, until) {
        if b < a {
            return Err("--until is before --since".into());
        }
    }
    for r in &config.regions {
        if !looks_like_region(r) {
            return Err(format!(
                "--regions: '{}' is not an AWS region name",
                printable(r)
            ));
        }
    }
    for a in &config.accounts {
        if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "--accounts: '{}' is not a 12-digit AWS account id",
                printable(a)
            ));
        }
    }
    let format = config
        .log_format
        .clone()
        .unwrap_or_else(RecordFormat::default_v2);
    if config.layout == Layout::SecurityLake && config.log_format.is_some() {
        return Err(
            "--log-format does not apply to the Security Lake table (OCSF has fixed columns)"
                .into(),
        );
    }
    let source = match config.layout {
        Layout::RawText | Layout::RawParquet => {
            if config.table.is_some() {
                return Err("--table is for table layouts; raw layouts take --path".into());
            }
            let path = config
                .path
                .as_deref()
                .ok_or("--layout raw-text/raw-parquet needs --path GLOB")?;
            validate_path(path)?;
            if config.layout == Layout::RawText {
                format!("read_csv('{path}', delim = ' ', header = true, union_by_name = true, all_varchar = true, filename = true)")
            } else {
                format!("read_parquet('{path}', union_by_name = true, filename = true, hive_partitioning = false)")
            }
        }
        _ => {
            if config.path.is_some() {
                return Err(
                    "--path is for --layout raw-text/raw-parquet; tables take --table".into(),
                );
            }
            let table = config.table.as_deref().unwrap_or(DEFAULT_TABLE);
            validate_table(table)?;
            d.table(table)
        }
    };

    let s = d.string();
    let field = |f: Field| -> String {
        if config.layout == Layout::SecurityLake {
            return ocsf_field(&d, f);
        }
        if !format.has(f) {
            return format!("CAST(NULL AS {s})");
        }
        let name = if config.layout == Layout::RawText {
            f.name().to_string()
        } else {
            f.name().replace('-', "_")
        };
        format!("NULLIF(TRIM(CAST({} AS {s})), '-')", d.quote(&name))
    };
    let number = |f: Field| format!("TRY_CAST({} AS BIGINT)", field(f));
    let path_region =
        "NULLIF(regexp_extract(filename, '(/vpcflowlogs/|aws-region=)([a-z]+-[a-z-]+-[0-9]+)', 2), '')"
            .to_string();
    let region_fallback = match config.layout {
        Layout::RawText | Layout::RawParquet => path_region,
        Layout::Parquet => format!("CAST({} AS {s})", d.quote("aws-region")),
        Layout::SecurityLake => format!("CAST({} AS {s})", d.quote("region")),
        Layout::Text => format!("CAST(NULL AS {s})"),
    };

    // Filters: dates (partitions, then the records' start), regions, accounts.
    let mut filters: Vec<String> = Vec::new();
    let day = |t: u64| {
        let (y, m, dd) = civil(t / 86_400);
        (y, m, dd)
    };
    let until_end = until.map(|u| u + 86_400);
    match config.layout {
        Layout::Text => {
            if let Some(a) = since {
                let (y, m, dd) = day(a);
                filters.push(format!(
                    "{} >= DATE '{y:04}-{m:02}-{dd:02}'",
                    d.quote("date")
                ));
            }
            if let Some(b) = until {
                let (y, m, dd) = day(b);
                filters.push(format!(
                    "{} <= DATE '{y:04}-{m:02}-{dd:02}'",
                    d.quote("date")
                ));
            }
        }
        Layout::Parquet => {
            // Numeric, so string and integer partition columns (Spark infers types) compare alike.
            let key = format!(
                "CAST({} AS INTEGER) * 10000 + CAST({} AS INTEGER) * 100 + CAST({} AS INTEGER)",
                d.quote("year"),
                d.quote("month"),
                d.quote("day")
            );
            if let Some(a) = since {
                let (y, m, dd) = day(a);
                filters.push(format!("{key} >= {y:04}{m:02}{dd:02}"));
            }
            if let Some(b) = until {
                let (y, m, dd) = day(b);
                filters.push(format!("{key} <= {y:04}{m:02}{dd:02}"));
            }
        }
        Layout::SecurityLake => {
            if let Some(a) = since {
                let (y, m, dd) = day(a);
                filters.push(format!(
                    "CAST({} AS INTEGER) >= {y:04}{m:02}{dd:02}",
                    d.quote("eventday")
                ));
            }
            if let Some(b) = until {
                let (y, m, dd) = day(b);
                filters.push(format!(
                    "CAST({} AS INTEGER) <= {y:04}{m:02}{dd:02}",
                    d.quote("eventday")
                ));
            }
        }
        Layout::RawText | Layout::RawParquet => {
            let path_day = "regexp_extract(filename, '/([0-9]{4})/([0-9]{2})/([0-9]{2})/', 0)";
            if let Some(a) = since {
                let (y, m, dd) = day(a);
                filters.push(format!("{path_day} >= '/{y:04}/{m:02}/{dd:02}/'"));
            }
            if let Some(b) = until {
                let (y, m, dd) = day(b);
                filters.push(format!("{path_day} <= '/{y:04}/{m:02}/{dd:02}/'"));
            }
        }
    }
    let start = number(Field::Start);
    if let Some(a) = since {
        filters.push(format!("{start} >= {a}"));
    }
    if let Some(b) = until_end {
        filters.push(format!("{start} < {b}"));
    }
    let list = |v: &[String]| {
        v.iter()
            .map(|x| format!("'{x}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !config.regions.is_empty() {
        filters.push(format!(
            "COALESCE({}, {region_fallback}) IN ({})",
            field(Field::Region),
            list(&config.regions)
        ));
    }
    if !config.accounts.is_empty() {
        let account = match config.layout {
            Layout::Parquet => format!("CAST({} AS {s})", d.quote("aws-account-id")),
            Layout::SecurityLake => format!("CAST({} AS {s})", d.quote("accountid")),
            Layout::RawText | Layout::RawParquet => {
                "regexp_extract(filename, 'AWSLogs/([0-9]{12})/', 1)".to_string()
            }
            Layout::Text => {
                if !format
                    .description
                    .split_whitespace()
                    .any(|w| w == "account-id")
                {
                    return Err(
                        "--accounts needs an account-id field in --log-format for --layout text"
                            .into(),
                    );
                }
                format!("NULLIF(TRIM(CAST({} AS {s})), '-')", d.quote("account_id"))
            }
        };
        filters.push(format!("{account} IN ({})", list(&config.accounts)));
    }
    let where_clause = if filters.is_empty() {
        String::new()
    } else {
        format!("\n  WHERE {}", filters.join("\n    AND "))
    };

    let local = |x: &str| -> String {
        let o = |n: u8| format!("TRY_CAST(split_part({x}, '.', {n}) AS INTEGER)");
        let (o1, o2) = (o(1), o(2));
        let g = format!("lower(split_part({x}, ':', 1))");
        format!(
            "COALESCE(CASE WHEN {x} IS NULL THEN FALSE \
             WHEN {x} LIKE '%:%' THEN (length({g}) = 4 AND (substr({g}, 1, 2) IN ('fc', 'fd', 'ff') OR substr({g}, 1, 3) IN ('fe8', 'fe9', 'fea', 'feb'))) OR lower({x}) IN ('::1', '::') \
             ELSE ({o1} = 10 OR ({o1} = 172 AND {o2} BETWEEN 16 AND 31) OR ({o1} = 192 AND {o2} = 168) OR ({o1} = 100 AND {o2} BETWEEN 64 AND 127) OR ({o1} = 169 AND {o2} = 254) OR {o1} = 127 OR {o1} = 0 OR {o1} >= 224) END, FALSE)"
        )
    };

    let q = |c: &str| d.quote(c);
    let mut sql = String::new();
    use clap::ValueEnum;
    let name = |v: Option<clap::builder::PossibleValue>| {
        v.map(|p| p.get_name().to_string()).unwrap_or_default()
    };
    let layout = name(config.layout.to_possible_value());
    let _ = writeln!(
        sql,
        "-- vpce-advisor sql --engine {} --layout {layout}: flow-log records -> traffic CSV schema {} (docs/traffic-csv.md).",
        name(config.engine.to_possible_value()),
        crate::ingest::traffic_csv::SCHEMA_VERSION
    );
    let _ = writeln!(
        sql,
        "-- Save the result as CSV with a header and run: vpce-advisor analyze --traffic result.csv"
    );
    let _ = writeln!(sql, "-- Fields read: {}", format.description);
    let _ = write!(
        sql,
        "WITH r AS (
  SELECT
    {vpc} AS vpc_id,
    COALESCE({region}, {region_fallback}) AS region,
    {az} AS az_id,
    {iface} AS interface_id,
    COALESCE({src}, {psrc}) AS src,
    COALESCE({dst}, {pdst}) AS dst,
    {psrc} AS psrc,
    {pdst} AS pdst,
    {sport} AS sport,
    {dport} AS dport,
    {fdir} AS fdir,
    {tpath} AS tpath,
    {hsrc} AS hsrc,
    {hdst} AS hdst,
    {action} AS act,
    {status} AS log_status,
    {packets} AS packets,
    {bytes} AS bytes,
    {start} AS t0,
    {end} AS t1
  FROM {source}{where_clause}
),
l AS (
  SELECT r.*,
    {src_local} AS src_local,
    {dst_local} AS dst_local,
    {psrc_local} AS psrc_local,
    {pdst_local} AS pdst_local
  FROM r
),
d AS (
  SELECT l.*,
    CASE WHEN log_status = 'NODATA' THEN 'nodata'
      WHEN log_status = 'SKIPDATA' THEN 'skipdata'
      WHEN act = 'REJECT' THEN 'rejected'
      WHEN bytes IS NULL THEN 'no-bytes'
      ELSE 'accepted' END AS status,
    CASE WHEN src_local AND NOT dst_local THEN TRUE
      WHEN dst_local AND NOT src_local THEN FALSE
      WHEN fdir IN ('egress', 'ingress') THEN fdir = 'egress'
      ELSE NOT (sport IS NOT NULL AND dport IS NOT NULL AND sport < dport) END AS out_remote
  FROM l
),
e AS (
  SELECT d.*,
    CASE WHEN out_remote THEN dst ELSE src END AS plain,
    CASE WHEN out_remote THEN dst_local ELSE src_local END AS plain_local,
    CASE WHEN out_remote THEN pdst ELSE psrc END AS pkt,
    CASE WHEN out_remote THEN pdst_local ELSE psrc_local END AS pkt_local,
    (psrc IS NOT NULL AND NOT psrc_local) OR (pdst IS NOT NULL AND NOT pdst_local) AS pkt_public
  FROM d
),
f AS (
  SELECT status, vpc_id, region, az_id, interface_id,
    CASE WHEN out_remote THEN 'egress' ELSE 'ingress' END AS direction,
    CASE WHEN plain_local THEN NULL WHEN pkt IS NOT NULL AND NOT pkt_local THEN pkt ELSE plain END AS remote_addr,
    CASE WHEN NOT plain_local THEN NULL WHEN pkt_public THEN 'relayed' ELSE 'private' END AS destination,
    CASE WHEN plain_local THEN NULL WHEN out_remote THEN hdst ELSE hsrc END AS aws_service,
    CASE WHEN plain_local THEN NULL ELSE tpath END AS traffic_path,
    t0 - t0 % 3600 AS hour_start,
    CASE WHEN NOT src_local AND NOT dst_local THEN 1 ELSE 0 END AS both_public,
    bytes, packets, t0, t1
  FROM e
)
SELECT vpc_id, region, az_id, interface_id, direction, remote_addr, destination, aws_service,
  CAST(NULL AS {s}) AS service_region, traffic_path, hour_start AS {hour},
  SUM(bytes) AS bytes, SUM(packets) AS packets, COUNT(*) AS records,
  MIN(t0) AS window_start, MAX(t1) AS window_end, status AS {status_col},
  SUM(both_public) AS {both_col}
FROM f
WHERE status = 'accepted'
GROUP BY vpc_id, region, az_id, interface_id, direction, remote_addr, destination, aws_service, traffic_path, hour_start, status
UNION ALL
SELECT CAST(NULL AS {s}), CAST(NULL AS {s}), CAST(NULL AS {s}), CAST(NULL AS {s}), CAST(NULL AS {s}),
  CAST(NULL AS {s}), CAST(NULL AS {s}), CAST(NULL AS {s}), CAST(NULL AS {s}), CAST(NULL AS {s}),
  hour_start, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), COUNT(*), MIN(t0), MAX(t1), status,
  CAST(NULL AS BIGINT)
FROM f
WHERE status <> 'accepted' AND t0 IS NOT NULL AND t1 IS NOT NULL
GROUP BY hour_start, status
ORDER BY {order}
",
        vpc = field(Field::VpcId),
        region = field(Field::Region),
        az = field(Field::AzId),
        // A regional NAT gateway's records name the gateway in resource-id, not an ENI.
        iface = if config.layout != Layout::SecurityLake && format.has(Field::ResourceId) {
            format!(
                "COALESCE({}, {})",
                field(Field::InterfaceId),
                field(Field::ResourceId)
            )
        } else {
            field(Field::InterfaceId)
        },
        src = field(Field::SrcAddr),
        dst = field(Field::DstAddr),
        psrc = field(Field::PktSrcAddr),
        pdst = field(Field::PktDstAddr),
        sport = number(Field::SrcPort),
        dport = number(Field::DstPort),
        fdir = field(Field::FlowDirection),
        tpath = field(Field::TrafficPath),
        hsrc = field(Field::PktSrcAwsService),
        hdst = field(Field::PktDstAwsService),
        action = field(Field::Action),
        status = field(Field::LogStatus),
        packets = number(Field::Packets),
        bytes = number(Field::Bytes),
        end = number(Field::End),
        src_local = local("src"),
        dst_local = local("dst"),
        psrc_local = local("psrc"),
        pdst_local = local("pdst"),
        hour = q("hour"),
        status_col = q(STATUS_COLUMN),
        // Explicit: Spark puts NULLs first by default, Trino and DuckDB last.
        order = [17, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11]
            .map(|k| format!("{k} NULLS FIRST"))
            .join(", "),
        both_col = q(BOTH_PUBLIC_COLUMN),
    );
    debug_assert_eq!(AGGREGATE_COLUMNS.len() + 2, 18);
    Ok(sql)
}

/// The OCSF 1.1 (Security Lake) column holding a flow-log field. The interface, VPC and subnet
/// are on the source endpoint for egress records and on the destination endpoint for ingress;
/// `src_endpoint.ip`/`dst_endpoint.ip` hold the pkt-* addresses and `intermediate_ips` the
/// interface's own address when they differ.
fn ocsf_field(d: &Dialect, f: Field) -> String {
    let s = d.string();
    let egress = "connection_info.direction_id = 2";
    let cast = |e: &str| format!("NULLIF(CAST({e} AS {s}), '')");
    let seconds = |ms: &str| {
        let text = format!("CAST(CAST({ms} AS BIGINT) AS {s})");
        format!("substr({text}, 1, length({text}) - 3)")
    };
    match f {
        Field::InterfaceId => format!(
            "CASE WHEN {egress} THEN {} ELSE {} END",
            cast("src_endpoint.interface_uid"),
            cast("dst_endpoint.interface_uid")
        ),
        Field::VpcId => format!(
            "CASE WHEN {egress} THEN {} ELSE {} END",
            cast("src_endpoint.vpc_uid"),
            cast("dst_endpoint.vpc_uid")
        ),
        // The interface's own address, when it differs from the pkt-* one, is the endpoint's
        // first intermediate IP (as the OCSF reader takes it).
        Field::SrcAddr => format!(
            "COALESCE({}, {})",
            cast(&d.first("src_endpoint.intermediate_ips")),
            cast("src_endpoint.ip")
        ),
        Field::DstAddr => format!(
            "COALESCE({}, {})",
            cast(&d.first("dst_endpoint.intermediate_ips")),
            cast("dst_endpoint.ip")
        ),
        Field::PktSrcAddr => cast("src_endpoint.ip"),
        Field::PktDstAddr => cast("dst_endpoint.ip"),
        Field::SrcPort => cast("src_endpoint.port"),
        Field::DstPort => cast("dst_endpoint.port"),
        Field::Packets => cast("traffic.packets"),
        Field::Bytes => cast("traffic.bytes"),
        // Milliseconds -> seconds by dropping three digits: integer division is spelt differently
        // in every dialect (Spark's `/` divides as doubles).
        Field::Start => seconds("start_time"),
        Field::End => seconds("end_time"),
        Field::Action => {
            "CASE WHEN action_id = 2 THEN 'REJECT' WHEN action_id = 1 THEN 'ACCEPT' END".to_string()
        }
        Field::LogStatus => format!("upper({})", cast("status_code")),
        Field::Region => cast("cloud.region"),
        Field::AzId => cast("cloud.zone"),
        Field::PktSrcAwsService => cast("src_endpoint.svc_name"),
        Field::PktDstAwsService => cast("dst_endpoint.svc_name"),
        Field::FlowDirection => {
            "CASE connection_info.direction_id WHEN 2 THEN 'egress' WHEN 1 THEN 'ingress' END"
                .to_string()
        }
        // OCSF boundary_id 4 (Same VPC) .. 11 (Internet Gateway) -> traffic-path 1 .. 8, as
        // the OCSF reader maps it; other boundaries (Unknown, Internal, Other...) have none.
        Field::TrafficPath => format!(
            "CASE WHEN connection_info.boundary_id BETWEEN 4 AND 11 THEN CAST(connection_info.boundary_id - 3 AS {s}) END"
        ),
        // OCSF has no resource-id: the interface is on the endpoints.
        Field::ResourceId => format!("CAST(NULL AS {s})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days() {
        assert_eq!(validate_day("--since", "2026-11-01"), Ok(1_793_491_200));
        assert!(validate_day("--since", "2026-02-31").is_err());
        assert!(validate_day("--since", "2026-1-01").is_err());
        assert_eq!(civil(0), (1970, 1, 1));
    }
}
