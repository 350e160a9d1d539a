//! Command line: clap definitions, and their conversion into the plain config structs the library takes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::recommend::Policy;

/// vpce-advisor: is your NAT gateway bill paying for traffic that VPC endpoints would carry
/// cheaper? Point it at VPC flow logs; it classifies every flow by destination (S3, DynamoDB,
/// other AWS services, internet), models the monthly cost of each VPC under NAT gateways, gateway
/// endpoints and interface endpoints, and recommends the cheapest secure setup.
#[derive(Debug, Parser)]
#[command(name = "vpce-advisor", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse flow logs: traffic per VPC and destination, cost of each setup, recommendation.
    ///
    /// Reads VPC flow-log text files (plain or .gz, with or without a header line; no header
    /// means the default version-2 format) or whole folders such as an S3 `AWSLogs/` export, and
    /// writes report.md, report.json, costs.csv, traffic.csv and the commands to act on it
    /// (actions.sh, endpoints.tf, endpoint-policy.json) to --out. Without INPUT it analyses the
    /// sample shipped in data/sample/.
    Analyze(AnalyzeArgs),
    /// Generate realistic synthetic flow logs in the S3 delivery layout, with their expected totals.
    ///
    /// Deterministic for a seed. Writes <out>/AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/
    /// *.log.gz files and <out>/expected-totals.json (bytes per VPC and destination class).
    Synth(SynthArgs),
    /// Print or export the classified monthly traffic per VPC, AZ, direction and destination.
    ///
    /// The same reading and classification as `analyze`, without costs: check the numbers
    /// before trusting a recommendation, or export them as a traffic CSV (`--format csv`) that
    /// `analyze --traffic FILE` takes back.
    Traffic(TrafficArgs),
    /// Price tables: import exact prices from the AWS Price List, or show what will be used.
    Prices(PricesArgs),
    /// Print the SQL that aggregates flow logs on Athena, Trino, Spark or DuckDB into a traffic CSV.
    ///
    /// For logs too big for one machine: run the query where the logs are (Athena over the
    /// flow-log table, Security Lake, Spark, DuckDB over S3 files), save the small result as CSV
    /// and run `vpce-advisor analyze --traffic result.csv` (with the same --inventory and
    /// --dns-logs): the report is the one the raw files would give. See docs/engines.md.
    Sql(SqlArgs),
    /// Draw one chart of the analysis (PNG or SVG), as `analyze` writes them into <out>/charts/.
    ///
    /// Reads the same inputs as `analyze` (without INPUT: the sample in data/sample/).
    Chart(ChartArgs),
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The engine that runs the query (Athena is the Trino dialect).
    #[arg(long, value_enum)]
    pub engine: crate::sql::Engine,
    /// How the records are stored [default: text for tables, raw-text for duckdb].
    #[arg(long, value_enum)]
    pub layout: Option<crate::sql::Layout>,
    /// The table (`db.table`, `catalog.db.table`) [default: vpc_flow_logs].
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
    /// Files for --layout raw-text/raw-parquet (DuckDB glob, local or s3://), e.g.
    /// 'AWSLogs/*/vpcflowlogs/*/*/*/*/*.log.gz'.
    #[arg(long, value_name = "GLOB")]
    pub path: Option<String>,
    /// First day, UTC, inclusive (YYYY-MM-DD): prunes partitions and records.
    #[arg(long, value_name = "DAY")]
    pub since: Option<String>,
    /// Last day, UTC, inclusive (YYYY-MM-DD).
    #[arg(long, value_name = "DAY")]
    pub until: Option<String>,
    /// Only these regions (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "REGION,...")]
    pub regions: Vec<String>,
    /// Only these accounts (comma-separated 12-digit ids).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub accounts: Vec<String>,
    /// The table's fields when not AWS's default format, as `aws ec2 describe-flow-logs` prints
    /// the LogFormat: '${version} ${vpc-id} ${srcaddr} ...'.
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
}

#[derive(Debug, Args)]
pub struct ChartArgs {
    /// Which chart.
    #[arg(value_enum)]
    pub kind: crate::report::charts::ChartKind,
    #[command(flatten)]
    pub input: InputArgs,
    /// Image format [default: from the -o file's extension, else png].
    #[arg(long, value_enum)]
    pub format: Option<crate::report::charts::ChartFormat>,
    /// Write the chart here [default: <kind>.<format> in the current folder].
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Price CSV overlaid on the shipped prices, as `analyze --prices` does.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// NAT gateways per VPC today, as `analyze --nat-gateways`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub nat_gateways: Option<u32>,
    /// AZs with workloads per VPC, as `analyze --azs`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub azs: Option<u32>,
    /// Policy, as `analyze --policy`.
    #[arg(long, value_name = "cheapest|secure|strict|FILE", default_value = "secure", value_parser = Policy::from_arg)]
    pub policy: Policy,
    /// As `analyze --beyond-last-tier`: interface-endpoint GB beyond the end of a price table that stops early (a region whose
    /// source lists only the first tier): refuse (an error says which price is missing and how
    /// to import it), or last-price (bill them at the last listed price, an upper bound, stated
    /// on every affected cost line and in the assumptions).
    #[arg(long, value_enum, value_name = "HOW", default_value_t = crate::pricing::TierFallback::Refuse)]
    pub beyond_last_tier: crate::pricing::TierFallback,
}

#[derive(Debug, Args)]
pub struct PricesArgs {
    #[command(subcommand)]
    pub command: PricesCommand,
}

#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Turn `aws pricing get-products` output into a price CSV for `analyze --prices`.
    ///
    /// Get the input with, for example:
    /// aws pricing get-products --region us-east-1 --service-code AmazonVPC --filters
    /// Type=TERM_MATCH,Field=regionCode,Value=eu-south-1 > vpc.json
    /// (and --service-code AmazonEC2 with Field=productFamily,Value='NAT Gateway' for NAT
    /// gateways). Only exact usage types are taken: NatGateway-Hours/Bytes,
    /// VpcEndpoint-Hours/Bytes (with their tiers), VpcEndpoint-GWLBE-Hours/Bytes,
    /// DataTransfer-Regional-Bytes, RegionalNatGateway-Hours/Bytes (us-east-1: bare hours,
    /// USE1- bytes), NatGateway-Prvd-Gbps/Bytes; look-alikes are listed as ignored.
    Import {
        /// get-products JSON outputs.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write the price CSV here instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print the prices that will be used, and where each came from.
    Show {
        /// Only this region.
        #[arg(long)]
        region: Option<String>,
        /// Price CSV overlaid on the shipped prices, as `analyze --prices` does.
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
    },
}

/// Output format of `traffic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrafficFormat {
    /// A table of GB/month.
    Table,
    /// A traffic CSV (observed bytes and the window; the schema `--traffic` reads).
    Csv,
    /// JSON rows with observed bytes and GB/month.
    Json,
}

#[derive(Debug, Args)]
pub struct TrafficArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// What to print.
    #[arg(long, value_enum, default_value_t = TrafficFormat::Table)]
    pub format: TrafficFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Output format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A summary table.
    Table,
    /// The full report.json.
    Json,
    /// The costs.csv rows: every cost line of every scenario of every VPC.
    Csv,
}

/// What to read: shared by `analyze` and `traffic`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Flow-log files or folders: S3 text or Parquet deliveries, CloudWatch exports; or
    /// s3://bucket/prefix to read them where they are delivered (credentials as the AWS CLI
    /// finds them; see --profile) [default: the sample in data/sample/AWSLogs, unless --traffic
    /// is given]
    pub inputs: Vec<PathBuf>,
    /// Traffic CSV of already aggregated traffic: as `vpce-advisor traffic --format csv` writes
    /// it, or (schema 2, with an interface_id column) the result of a `vpce-advisor sql` query,
    /// read like the raw logs (inventory, DNS logs, time series). Schemas in docs/traffic-csv.md.
    /// Repeatable; combines with flow logs.
    #[arg(long, value_name = "FILE")]
    pub traffic: Vec<PathBuf>,
    /// Region of records that have no `region` field and no S3-layout path
    /// (AWSLogs/<account>/vpcflowlogs/<region>/... or aws-region=<region>/).
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// ip-ranges.json to classify AWS addresses with, instead of the shipped snapshot
    /// (get the current one from https://ip-ranges.amazonaws.com/ip-ranges.json).
    #[arg(long, value_name = "FILE")]
    pub ip_ranges: Option<PathBuf>,
    /// Record format of files without a header line (CloudWatch exports, custom formats), as
    /// `aws ec2 describe-flow-logs` shows it: '${version} ${vpc-id} ${srcaddr} ...'
    /// [default: the default version-2 format]
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Say how each file was recognised, and per stage (scan, merge, vantage, classify, price,
    /// render) the wall time and the peak memory (on stderr).
    #[arg(long, short)]
    pub verbose: bool,
    /// Stop at the first malformed line, or the first file that cannot be read (corrupt or
    /// truncated gzip, unrecognisable format), with exit code 1. Without it such lines are
    /// counted and such files skipped, listed in the report and warnings, and the exit code is 3
    /// when any file was skipped (output written; totals are lower bounds).
    #[arg(long)]
    pub strict: bool,
    /// Folder (or files) of AWS CLI JSON outputs: describe-vpcs, describe-subnets,
    /// describe-network-interfaces, describe-nat-gateways, describe-vpc-endpoints,
    /// describe-route-tables (`--output json`; any file names; see the README for a one-liner).
    /// Puts default-format records in their VPC and AZ, finds NAT gateway ENIs so NAT bytes
    /// count once, sets aside internet-gateway traffic, and takes today's NAT gateways and
    /// endpoints from the account. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub inventory: Vec<PathBuf>,
    /// Route 53 Resolver query logs (JSON lines, .gz too; files or folders) to name the AWS
    /// services behind AMAZON/EC2 addresses (ssm, sts, sqs...). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub dns_logs: Vec<PathBuf>,
    /// How long a DNS answer names the flows to its IP that follow it, in seconds (query logs
    /// carry no TTL; clients cache answers).
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub dns_window: u64,
    /// Memory for the distinct flows and addresses (K, M, G or T: binary multiples): 7/16 for
    /// the run's aggregate (its flows and the run-wide numbering of remote addresses), 1/8 for
    /// the addresses each reading thread keeps from file to file, 1/4 for the flows of the files
    /// being read, 1/4 for gzip files inflated whole (faster; larger ones are inflated as a
    /// stream). Beyond their share, flows spill to
    /// temporary files (40 bytes each) that are summed again partition by partition: the report
    /// is the same whatever the limit, only slower when it spills. Raise it when --verbose says
    /// that flows spilled and memory is plentiful.
    #[arg(long, value_name = "SIZE", default_value = "512M", value_parser = parse_size)]
    pub memory_limit: u64,
    /// Folder for the spill files of --memory-limit [default: the system's temporary folder].
    /// They are removed when the run ends, also on an error or Ctrl-C.
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
    /// Spill beyond this many distinct flows in memory, whatever --memory-limit says (tests).
    #[arg(long, value_name = "N", hide = true)]
    pub spill_after_flows: Option<usize>,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub s3: S3Args,
}

/// A size in bytes: a number with an optional K, M, G or T (binary multiples; `B`, `iB` and
/// lower case accepted), at least 16M.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix("ib"))
        .or_else(|| t.strip_suffix(['B', 'b']))
        .unwrap_or(t);
    let (digits, shift) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        Some('T') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a size: write e.g. 512M, 2G or 1073741824"))?;
    let bytes = n
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("'{text}' is too large"))?;
    if bytes < 1 << 20 {
        return Err(format!("'{text}' is below the smallest limit, 1M"));
    }
    Ok(bytes)
}

/// Which delivery folders to read, in local folders and S3 prefixes alike.
#[derive(Debug, Args, Default)]
pub struct SelectArgs {
    /// Only files delivered on or after this day, UTC (YYYY-MM-DD), by the date in their folder
    /// (AWSLogs/.../<region>/YYYY/MM/DD/, year=/month=/day=, eventDay=): other folders are not
    /// listed or read. Records are not filtered: a file holds the records delivered that day.
    #[arg(long, value_name = "DAY")]
    pub since: Option<String>,
    /// Only files delivered on or before this day, UTC (YYYY-MM-DD), by their folder's date.
    #[arg(long, value_name = "DAY")]
    pub until: Option<String>,
    /// Only these regions' folders (comma-separated; .../vpcflowlogs/<region>/, aws-region=,
    /// region=).
    #[arg(long, value_delimiter = ',', value_name = "REGION,...")]
    pub regions: Vec<String>,
    /// Only these accounts' folders (comma-separated 12-digit ids; AWSLogs/<account>/,
    /// aws-account-id=, accountId=).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub accounts: Vec<String>,
}

/// How to reach S3 for `s3://bucket/prefix` inputs.
#[derive(Debug, Args, Default)]
pub struct S3Args {
    /// AWS profile for s3:// inputs, as `aws --profile` (SSO, assume-role and
    /// credential_process profiles included) [default: AWS_PROFILE, else the environment's
    /// credentials, else the default profile, web identity, container or instance metadata].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Endpoint for s3:// inputs, for S3-compatible stores (MinIO, a local test server):
    /// http://127.0.0.1:9000. Buckets are addressed in the path.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Seconds to wait for an S3 response, or for the next part of an object, before the
    /// request is retried (up to 5 tries, with backoff; AWS_MAX_ATTEMPTS overrides).
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub s3_read_timeout: u64,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Folder for the report files (report.md, report.json, costs.csv, traffic.csv, actions.sh,
    /// endpoints.tf, endpoint-policy.json). Created if missing; an existing one is replaced as a
    /// whole, and refused if it holds files the tool did not write (see --force).
    #[arg(long, default_value = "vpce-report")]
    pub out: PathBuf,
    /// Write into an --out folder that holds other files: the report files are replaced one by
    /// one, the other files are left alone (nothing is deleted).
    #[arg(long)]
    pub force: bool,
    /// Price CSV whose rows replace the shipped prices item by item (same columns as
    /// data/prices.csv; see data/PRICES.md).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// NAT gateways per VPC today [default: one per AZ].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub nat_gateways: Option<u32>,
    /// AZs with workloads per VPC, for endpoint ENIs and NAT gateways [default: the AZs seen in
    /// the logs' az-id field, or 1 when the logs have none].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub azs: Option<u32>,
    /// Fewest AZs an interface endpoint may use when the report weighs fewer AZs plus inter-AZ
    /// charges against one ENI in every AZ with workloads [default: 2 where a VPC has 2+ AZs].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub min_azs: Option<u32>,
    /// Also weigh NAT instances of this type (one per NAT gateway today) instead of NAT
    /// gateways: no per-GB charge, limited bandwidth, you run them. Prices for the types and
    /// regions in data/nat-instances.csv are shipped; others need --nat-instance-hourly.
    #[arg(long, value_name = "TYPE")]
    pub nat_instance_type: Option<String>,
    /// On-Demand hourly price (USD) of --nat-instance-type in the VPCs' region(s).
    #[arg(long, value_name = "USD", requires = "nat_instance_type")]
    pub nat_instance_hourly: Option<rust_decimal::Decimal>,
    /// Internet egress must pass inspection appliances behind a Gateway Load Balancer: every
    /// setup pays a GWLB endpoint per AZ-hour and per GB for traffic still on NAT (appliances
    /// not included); traffic moved to VPC endpoints skips it.
    #[arg(long)]
    pub inspection: bool,
    /// Interface-endpoint GB beyond the end of a price table that stops early (a region whose
    /// source lists only the first tier): refuse (an error says which price is missing and how
    /// to import it), or last-price (bill them at the last listed price, an upper bound, stated
    /// on every affected cost line and in the assumptions).
    #[arg(long, value_enum, value_name = "HOW", default_value_t = crate::pricing::TierFallback::Refuse)]
    pub beyond_last_tier: crate::pricing::TierFallback,
    /// Which AWS services must stay on the AWS network (your security decision).
    /// secure (default): the services listed in data/security-policy.csv, where an endpoint is a
    /// security control (S3, DynamoDB, STS, KMS, Secrets Manager, SQS, SNS, SSM and its channels,
    /// ECR, CloudWatch Logs); every other service gets an endpoint only where it pays for itself.
    /// strict: every AWS service that has an endpoint. cheapest: lowest cost whatever the path.
    /// FILE: your own list, same CSV format (service,reason,source; # comments).
    #[arg(long, value_name = "cheapest|secure|strict|FILE", default_value = "secure", value_parser = Policy::from_arg)]
    pub policy: Policy,
    /// Your bill, to check the model against: a FOCUS 1.0+ export or an AWS CUR 2.0 export
    /// (CSV, .csv.gz or Parquet; `aws bcm-data-exports`, or Billing and Cost Management > Data
    /// Exports). Its NAT gateway, VPC endpoint and inter-AZ rows are joined to VPCs through
    /// --inventory and compared, per VPC and per month, with today's modelled cost. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub bill: Vec<PathBuf>,
    /// Scale the traffic model so its NAT GB per month matches the bill's (per VPC where the
    /// inventory places the billed NAT gateways, else overall); the factor is stated in the
    /// assumptions and recommendations use the calibrated traffic. Needs --bill.
    #[arg(long, requires = "bill")]
    pub calibrate: bool,
    /// Print nothing on success but errors (the report files are still written).
    #[arg(long, short)]
    pub quiet: bool,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Flow-log format version to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SynthVersion {
    /// Default format: 14 fields, no vpc-id (records land in `unattributed`).
    V2,
    /// All v5 fields: vpc-id, region, az-id, flow-direction, pkt-*-aws-service...
    V5,
}

/// How AWS delivered the generated logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SynthDelivery {
    /// S3 text objects with a header line: AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/*.log.gz
    S3,
    /// S3 Parquet objects in Hive-style folders (aws-region=<region>/year=.../...).
    Parquet,
    /// CloudWatch Logs export lines prefixed with an ISO timestamp, no header.
    CloudwatchText,
    /// `aws logs filter-log-events` JSON output, no header.
    CloudwatchJson,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Output folder.
    #[arg(long, default_value = "synth-logs")]
    pub out: PathBuf,
    /// Flow-log records to generate (NODATA, SKIPDATA and REJECT included).
    #[arg(long, default_value_t = 20_000)]
    pub records: u64,
    /// Files to spread them over (per region, at least one each).
    #[arg(long, default_value_t = 8)]
    pub files: u32,
    /// Seed: same seed, same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Record format.
    #[arg(long, value_enum, default_value_t = SynthVersion::V5)]
    pub version: SynthVersion,
    /// Write plain files instead of gzip (ignored for Parquet).
    #[arg(long)]
    pub plain: bool,
    /// Delivery format.
    #[arg(long, value_enum, default_value_t = SynthDelivery::S3)]
    pub delivery: SynthDelivery,
    /// Hours of traffic, starting 2026-11-01T00:00Z [default: 24; 4 with --preset realistic].
    #[arg(long)]
    pub hours: Option<u32>,
    /// Shape of the data set. `classic`: 3 VPCs, 12 interfaces, a few hundred remote addresses.
    /// `realistic`: a busy estate (5 VPCs in 2 accounts and 2 regions, 72 interfaces, 132,000
    /// remote addresses, random ephemeral ports, about 1,000,000 distinct (interface, srcaddr,
    /// dstaddr) triples per 5M records, v5 with a shuffled custom field order), written in
    /// parallel with fast gzip; the knobs below tune it.
    #[arg(long, value_enum, default_value_t = SynthPreset::Classic)]
    pub preset: SynthPreset,
    /// realistic: network interfaces per subnet (12 subnets).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=3200))]
    pub enis_per_subnet: u32,
    /// realistic: distinct remote addresses, split by class (70% internet, 8% S3, 8% other AWS
    /// services, 8% EC2 public addresses, 2% DynamoDB, 2% S3 in another region, 2% private).
    #[arg(long, default_value_t = 132_000, value_parser = clap::value_parser!(u64).range(100..=16_000_000))]
    pub remote_addresses: u64,
    /// realistic: distinct (interface, remote address) conversations drawn from [default: one
    /// per 10 records].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub flows: Option<u64>,
    /// realistic: client ephemeral ports in use (from 32768 up).
    #[arg(long, default_value_t = 28_232, value_parser = clap::value_parser!(u32).range(1..=32_767))]
    pub ephemeral_ports: u32,
    /// Add a long tail of small AWS services (codebuild, execute-api, elasticfilesystem, states,
    /// xray, sts, kms, secretsmanager) and a Route 53 Resolver query log naming them in
    /// OUT/dns/: analyse with --dns-logs OUT/dns.
    #[arg(long)]
    pub long_tail: bool,
}

/// Shape of a generated data set (`synth --preset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SynthPreset {
    /// Small and regular: 3 VPCs, 12 interfaces, a few hundred remote addresses.
    Classic,
    /// Cardinality of a busy real estate (see `--preset` above).
    Realistic,
}
