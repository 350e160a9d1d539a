//! The application: parsed arguments in, the pipeline run (files -> ingest -> classify ->
//! traffic -> scenarios x prices -> recommendation -> report) and an exit code out.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use rust_decimal::Decimal;

use crate::classify::{classify_flows, IpRanges};
use crate::cli::{
    AnalyzeArgs, Cli, Command, InputArgs, OutputFormat, PricesCommand, TrafficArgs, TrafficFormat,
};
use crate::error::Result;
use crate::ingest::{ingest, IngestConfig};
use crate::pricing::PriceBook;
use crate::recommend::{recommend, Policy};
use crate::report::{
    self, Assumptions, Inputs, IpRangesInfo, PricesUsed, Report, Summary, VpcReport,
};
use crate::scenario::{break_evens, build_scenarios, sizing, ScenarioConfig};
use crate::traffic::{per_vpc, traffic_rows, Observed, Window};
use crate::units;

/// Runs the command line and maps the outcome to an exit code: 0 success, 1 error, 2 usage.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Dispatches a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    crate::interrupt::install();
    match cli.command {
        Command::Analyze(args) => run_analyze(args),
        Command::Traffic(args) => run_traffic(args),
        Command::Prices(args) => run_prices(args.command),
        Command::Chart(args) => run_chart(args),
        Command::Synth(args) => {
            let summary = crate::synth::run(&crate::synth::SynthConfig::from_args(&args))?;
            println!("{summary}");
            Ok(())
        }
    }
}

/// Everything `analyze` needs, free of clap.
#[derive(Debug, Clone)]
pub struct AnalyzeConfig {
    pub inputs: Vec<PathBuf>,
    /// Traffic CSVs (`--traffic`).
    pub traffic: Vec<PathBuf>,
    pub region: String,
    pub ip_ranges: Option<PathBuf>,
    pub prices: Option<PathBuf>,
    pub scenario: ScenarioConfig,
    pub policy: Policy,
    pub strict: bool,
    pub progress: bool,
    /// Format of headerless files (`--log-format`).
    pub log_format: Option<crate::ingest::format::RecordFormat>,
}

/// The sample analysed when `analyze` gets no input: `data/sample/AWSLogs` in the working
/// directory, else in the source tree the binary was built from.
pub fn default_sample() -> PathBuf {
    let local = Path::new("data/sample/AWSLogs");
    if local.is_dir() {
        return local.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/AWSLogs")
}

/// The reading part of a config from the shared input flags; costs take their defaults.
fn config_from(input: &InputArgs, quiet: bool) -> anyhow::Result<AnalyzeConfig> {
    let inputs = if input.inputs.is_empty() && input.traffic.is_empty() {
        let sample = default_sample();
        if !quiet {
            eprintln!(
                "no input given: analysing the sample in {}",
                sample.display()
            );
        }
        vec![sample]
    } else {
        input.inputs.clone()
    };
    Ok(AnalyzeConfig {
        inputs,
        traffic: input.traffic.clone(),
        region: input.region.clone(),
        ip_ranges: input.ip_ranges.clone(),
        prices: None,
        scenario: ScenarioConfig::default(),
        policy: Policy::Secure,
        strict: input.strict,
        progress: !quiet,
        log_format: match &input.log_format {
            Some(text) => Some(
                crate::ingest::format::parse_log_format(text)
                    .map_err(|e| anyhow::anyhow!("--log-format: {e}"))?,
            ),
            None => None,
        },
    })
}

fn print_detections(verbose: bool, detections: &[(PathBuf, String)]) {
    if verbose {
        for (path, how) in detections {
            eprintln!("{}: {how}", path.display());
        }
    }
}

fn run_traffic(args: TrafficArgs) -> anyhow::Result<()> {
    let config = config_from(
        &args.input,
        args.output.is_none() && args.format != TrafficFormat::Table,
    )?;
    let ip_ranges = load_ip_ranges(&config)?;
    let obs = observe(&config, &ip_ranges)?;
    print_detections(args.input.verbose, &obs.ingested.detections);
    for w in &obs.warnings {
        eprintln!("warning: {w}");
    }
    let bytes = match args.format {
        TrafficFormat::Csv => crate::ingest::traffic_csv::write(&obs.observed.rows, obs.window)?,
        TrafficFormat::Json => {
            let factor = obs.window.month_factor();
            let rows: Vec<serde_json::Value> = obs
                .observed
                .rows
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(r).unwrap_or_default();
                    v["monthly_gb"] = serde_json::Value::String(
                        (units::gb(r.bytes) * factor)
                            .round_dp(6)
                            .normalize()
                            .to_string(),
                    );
                    v
                })
                .collect();
            let doc = serde_json::json!({
                "window_start": report::iso_utc(obs.window.start),
                "window_end": report::iso_utc(obs.window.end),
                "rows": rows,
            });
            let mut out = serde_json::to_vec_pretty(&doc)?;
            out.push(b'\n');
            out
        }
        TrafficFormat::Table => {
            report::terminal::traffic_table(&obs.observed.rows, obs.window).into_bytes()
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, bytes).map_err(|source| crate::Error::Write {
            path: path.clone(),
            source,
        })?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}

fn run_chart(args: crate::cli::ChartArgs) -> anyhow::Result<()> {
    use crate::report::charts::{self, ChartFormat};
    let mut config = config_from(&args.input, true)?;
    config.prices = args.prices.clone();
    config.scenario = ScenarioConfig {
        nat_gateways: args.nat_gateways,
        azs: args.azs,
    };
    config.policy = args.policy;
    let (report, detections) = analyze_with_detections(&config)?;
    print_detections(args.input.verbose, &detections);
    let from_ext = args.output.as_ref().and_then(|p| {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "svg" => Some(ChartFormat::Svg),
            "png" => Some(ChartFormat::Png),
            _ => None,
        }
    });
    let format = args.format.or(from_ext).unwrap_or(ChartFormat::Png);
    let bytes = charts::render(&report, args.kind, format)?;
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.{}", args.kind.stem(), format.extension())));
    std::fs::write(&path, bytes).map_err(|source| crate::Error::Write {
        path: path.clone(),
        source,
    })?;
    eprintln!("chart: {}", path.display());
    Ok(())
}

fn run_prices(command: PricesCommand) -> anyhow::Result<()> {
    match command {
        PricesCommand::Import { files, output } => {
            let imported = crate::pricing::import::import(&files)?;
            if imported.prices.is_empty() {
                anyhow::bail!(
                    "no NAT gateway, VPC endpoint or inter-AZ prices in {} (usage types found: {})",
                    files
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    imported
                        .ignored
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let csv = crate::pricing::import::to_csv(&imported.prices)?;
            match &output {
                Some(path) => std::fs::write(path, &csv).map_err(|source| crate::Error::Write {
                    path: path.clone(),
                    source,
                })?,
                None => std::io::stdout().lock().write_all(&csv)?,
            }
            let regions: std::collections::BTreeSet<&str> =
                imported.prices.iter().map(|p| p.region.as_str()).collect();
            eprintln!(
                "{} price(s) for {}",
                imported.prices.len(),
                regions.into_iter().collect::<Vec<_>>().join(", ")
            );
            if !imported.ignored.is_empty() {
                eprintln!(
                    "ignored usage types (not priced by this tool): {}",
                    imported
                        .ignored
                        .iter()
                        .map(|(u, n)| format!("{u} ({n})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Ok(())
        }
        PricesCommand::Show { region, prices } => {
            let mut book = PriceBook::embedded()?;
            if let Some(p) = &prices {
                book = book.overlay(PriceBook::from_path(p)?);
            }
            let regions: Vec<&crate::pricing::RegionPrices> = match &region {
                Some(r) => vec![book.region(r)?],
                None => book.regions.values().collect(),
            };
            let mut out = std::io::stdout().lock();
            writeln!(out, "prices from {}\n", book.origin)?;
            for rp in regions {
                writeln!(out, "{}", report::terminal::sanitize(&rp.region))?;
                for (item, tiers) in &rp.items {
                    for t in tiers {
                        let range = match (t.begin_gb.is_zero(), t.end_gb) {
                            (true, None) => String::new(),
                            (_, Some(e)) => format!(" ({} to {} GB)", t.begin_gb, e),
                            (false, None) => format!(" (from {} GB)", t.begin_gb),
                        };
                        writeln!(
                            out,
                            "  {:<34} ${} per {}{range}, as of {}",
                            item.name(),
                            t.price.usd.normalize(),
                            t.price.unit,
                            t.price.as_of
                        )?;
                        let line = format!(
                            "      {} ({}): {}",
                            t.price.usage_type,
                            t.price.source_kind,
                            report::terminal::sanitize(&t.price.source)
                        );
                        out.write_all(report::terminal::wrap(&line, 100, "        ").as_bytes())?;
                    }
                }
            }
            Ok(())
        }
    }
}

fn load_ip_ranges(config: &AnalyzeConfig) -> Result<IpRanges> {
    match &config.ip_ranges {
        Some(p) => IpRanges::from_path(p),
        None => IpRanges::embedded(),
    }
}

fn run_analyze(args: AnalyzeArgs) -> anyhow::Result<()> {
    let mut config = config_from(&args.input, args.quiet)?;
    config.prices = args.prices.clone();
    config.scenario = ScenarioConfig {
        nat_gateways: args.nat_gateways,
        azs: args.azs,
    };
    config.policy = args.policy;
    let (report, detections) = analyze_with_detections(&config)?;
    print_detections(args.input.verbose, &detections);
    crate::interrupt::check()?;
    let written = report::write_report(&report, &args.out)?;
    if args.quiet {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Table => {
            out.write_all(report::terminal::render(&report).as_bytes())?;
            writeln!(
                out,
                "\nreport: {}",
                written
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        OutputFormat::Json => out.write_all(&report::json::render(&report)?)?,
    }
    out.flush()?;
    Ok(())
}

/// What the inputs say, before any cost is modelled.
pub struct Observation {
    /// Flow-log ingest results (empty when only traffic CSVs were given).
    pub ingested: crate::ingest::Ingested,
    /// Classified traffic rows from the logs and the traffic CSVs.
    pub observed: Observed,
    pub window: Window,
    pub class_stats: crate::classify::ClassifyStats,
    pub traffic_csv_rows: u64,
    pub warnings: Vec<String>,
}

/// Reads flow logs and traffic CSVs into classified traffic rows and the observed window.
pub fn observe(config: &AnalyzeConfig, ip_ranges: &IpRanges) -> Result<Observation> {
    let mut ingested = ingest(&IngestConfig {
        inputs: config.inputs.clone(),
        region: config.region.clone(),
        strict: config.strict,
        progress: config.progress,
        log_format: config.log_format.clone(),
    })?;
    let flows = std::mem::take(&mut ingested.flows);
    let (classified, class_stats) = classify_flows(flows, ip_ranges)?;
    let mut observed = traffic_rows(classified)?;
    let mut bounds = ingested.window;
    let mut traffic_csv_rows = 0;
    for path in &config.traffic {
        let csv = crate::ingest::traffic_csv::read(path, ip_ranges)?;
        traffic_csv_rows += csv.rows_read;
        observed.rows.extend(csv.rows);
        if let Some((s, e)) = csv.window {
            bounds = Some(bounds.map_or((s, e), |(a, b)| (a.min(s), b.max(e))));
        }
    }
    observed.rows.sort();
    let mut warnings = Vec::new();
    let window = match bounds {
        Some(bounds) => Window::new(bounds),
        None => {
            warnings.push("The records have no start/end fields, so the observed window is unknown: observed bytes are treated as one month's traffic.".to_string());
            Window::new((0, units::SECONDS_PER_MONTH))
        }
    };
    let window_hours = window.seconds.div_ceil(3600);
    let covered = ingested.hours_covered;
    if config.traffic.is_empty()
        && covered > 0
        && window_hours > 1
        && covered * 10 < window_hours * 9
    {
        warnings.push(format!(
            "The logs cover only {covered} of the {window_hours} hours between the first and the last record: gaps (missing files, a flow log that was off) make the monthly figures too low, since they are scaled over the whole window. Analyse a continuous period."
        ));
    }
    if bounds.is_some() && window.seconds < 86_400 {
        warnings.push(format!(
            "The observed window is only {:.1} hours: monthly figures extrapolate it x{}. Analyse at least a day (better a week) of logs for reliable numbers.",
            window.seconds as f64 / 3600.0,
            window.month_factor().round_dp(1)
        ));
    }
    Ok(Observation {
        ingested,
        observed,
        window,
        class_stats,
        traffic_csv_rows,
        warnings,
    })
}

/// Runs the whole analysis and returns the report (nothing is written or printed).
pub fn analyze(config: &AnalyzeConfig) -> Result<Report> {
    analyze_with_detections(config).map(|(r, _)| r)
}

/// [`analyze`], also returning how each input file was recognised.
pub fn analyze_with_detections(config: &AnalyzeConfig) -> Result<(Report, Vec<(PathBuf, String)>)> {
    let ip_ranges = load_ip_ranges(config)?;
    let mut prices = PriceBook::embedded()?;
    if let Some(p) = &config.prices {
        prices = prices.overlay(PriceBook::from_path(p)?);
    }
    let observation = observe(config, &ip_ranges)?;
    let Observation {
        ingested,
        observed,
        window,
        class_stats,
        traffic_csv_rows,
        mut warnings,
    } = observation;
    let detections = ingested.detections.clone();
    let vpcs = per_vpc(&observed, window);

    let mut vpc_reports = Vec::with_capacity(vpcs.len());
    let mut regions_used = std::collections::BTreeSet::new();
    for traffic in vpcs {
        let region_prices = prices.region(&traffic.region)?;
        regions_used.insert(traffic.region.clone());
        let (azs, nat_gateways) = sizing(&traffic, &config.scenario);
        let scenarios = build_scenarios(&traffic, region_prices, &config.scenario)?;
        let bes = break_evens(&traffic, region_prices, azs)?;
        let recommendation = recommend(&traffic, &scenarios, &bes, config.policy);
        vpc_reports.push(VpcReport {
            nat_routed_gb: traffic.nat_routed_gb(),
            traffic,
            azs,
            nat_gateways,
            scenarios,
            break_evens: bes,
            recommendation,
        });
    }

    let acc = &ingested.accounting;
    if acc.skipdata > 0 {
        warnings.push(format!(
            "{} SKIPDATA record(s): AWS dropped flow records during capture, so every total is a lower bound.",
            acc.skipdata
        ));
    }
    if vpc_reports
        .iter()
        .any(|v| v.traffic.vpc_id == "unattributed")
    {
        warnings.push("Records without a vpc-id field are grouped as VPC `unattributed`. To attribute them, log with a custom format that includes ${vpc-id} (and ${az-id}, ${region}), e.g. `aws ec2 create-flow-logs ... --log-format '${version} ${account-id} ${vpc-id} ${subnet-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${region} ${az-id} ${flow-direction} ${pkt-srcaddr} ${pkt-dstaddr} ${pkt-src-aws-service} ${pkt-dst-aws-service}'`.".to_string());
    }
    if config.scenario.azs.is_none() {
        let no_az: Vec<String> = vpc_reports
            .iter()
            .filter(|v| v.traffic.azs_seen.is_empty())
            .map(|v| v.traffic.vpc_id.replace('`', "'"))
            .collect();
        if !no_az.is_empty() {
            warnings.push(format!(
                "No az-id in the logs of {} VPC(s) ({}): modelled with 1 AZ and 1 NAT gateway. Pass --azs N (and --nat-gateways N) for the real counts.",
                no_az.len(),
                no_az.join(", ")
            ));
        }
    }
    if acc.malformed > 0 {
        warnings.push(format!(
            "{} malformed line(s) skipped (first ones listed under Records read); run with --strict to stop at the first.",
            acc.malformed
        ));
    }
    if acc.accepted_without_bytes > 0 {
        warnings.push(format!(
            "{} accepted record(s) come from a format without a bytes field: counted, but they carry no volume to cost.",
            acc.accepted_without_bytes
        ));
    }
    if !ingested.skipped_files.is_empty() {
        warnings.push(format!(
            "{} file(s) skipped because their names are not flow-log names (.log, .log.gz, .gz, .txt); name them on the command line to read them anyway.",
            ingested.skipped_files.len()
        ));
    }
    if class_stats.hint_filled_addresses > 0 {
        warnings.push(format!(
            "{} address(es) ({} records) are in no prefix of the ip-ranges snapshot but AWS marked them with pkt-*-aws-service: classified by that hint (assumed in the VPC's region). A newer ip-ranges.json (--ip-ranges) may know them.",
            class_stats.hint_filled_addresses, class_stats.hint_filled_records
        ));
    }
    if acc.relayed > 0 {
        warnings.push(format!(
            "{} record(s) were logged on a private hop whose pkt-* address is public (traffic arriving at a NAT gateway or another relay): kept out of the NAT totals so each byte is counted where it leaves.",
            acc.relayed
        ));
    }
    if acc.both_public > 0 {
        warnings.push(format!(
            "{} record(s) had public addresses on both sides (IPv6 or public VPC space): the remote side was taken from flow-direction, else the lower (server) port.",
            acc.both_public
        ));
    }

    let notes = assumption_notes(config);
    let prices_used = PricesUsed {
        origin: prices.origin.clone(),
        regions: regions_used
            .iter()
            .filter_map(|r| prices.regions.get(r).cloned())
            .collect(),
    };
    let baseline: Decimal = vpc_reports
        .iter()
        .map(|v| v.recommendation.baseline_usd)
        .sum();
    let recommended: Decimal = vpc_reports
        .iter()
        .map(|v| v.recommendation.recommended_usd)
        .sum();
    let summary = Summary {
        vpcs: vpc_reports.len(),
        baseline_usd: baseline,
        recommended_usd: recommended,
        monthly_saving_usd: baseline - recommended,
    };
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        tool: format!("vpce-advisor {}", env!("CARGO_PKG_VERSION")),
        policy: config.policy,
        assumptions: Assumptions {
            hours_per_month: units::HOURS_PER_MONTH,
            bytes_per_gb: units::BYTES_PER_GB,
            window_start: report::iso_utc(window.start),
            window_end: report::iso_utc(window.end),
            window_seconds: window.seconds,
            hours_with_records: ingested.hours_covered,
            month_factor: window.month_factor(),
            default_region: config.region.clone(),
            totals_are_lower_bound: acc.skipdata > 0,
            notes,
        },
        inputs: Inputs {
            paths: config
                .inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            skipped_files: ingested
                .skipped_files
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            formats: ingested.formats,
            traffic_csvs: config
                .traffic
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            traffic_csv_rows,
        },
        accounting: ingested.accounting,
        malformed_examples: ingested.issues.iter().map(|i| i.to_string()).collect(),
        classification: class_stats,
        ip_ranges: IpRangesInfo {
            sync_token: ip_ranges.sync_token.clone(),
            create_date: ip_ranges.create_date.clone(),
            source: ip_ranges.source.clone(),
            prefixes_v4: ip_ranges.prefix_count_v4,
            prefixes_v6: ip_ranges.prefix_count_v6,
        },
        prices: prices_used,
        warnings,
        vpcs: vpc_reports,
        summary,
    };
    Ok((report, detections))
}

fn assumption_notes(config: &AnalyzeConfig) -> Vec<String> {
    let mut notes = vec![
        "Both directions of every flow count: NAT gateways and interface endpoints charge per GB processed in either direction.".to_string(),
        "Every accepted flow to a public address is assumed to leave through a NAT gateway (workloads in private subnets). Flows from public subnets use an internet gateway and pay no NAT charge; the logs alone cannot tell them apart.".to_string(),
        "Each record is counted on the interface that logged it. If the logs include NAT gateway interfaces as well as the instances behind them, NAT traffic appears more than once: analyse the workloads' interfaces or the NAT gateway's, not both.".to_string(),
        "Today's cost is modelled as the `nat-only` setup with one NAT gateway per AZ seen (or --nat-gateways); existing endpoints are not known to the tool.".to_string(),
        "Remote addresses are classified with ip-ranges.json: an address in any S3 or DynamoDB prefix is that service (a gateway endpoint routes the whole prefix list); otherwise the longest prefix wins, a specific service beating AMAZON on equal prefixes. EC2 and edge services (CloudFront, Global Accelerator...) are internet-like: no endpoint carries them.".to_string(),
        "Gateway endpoints reach S3 and DynamoDB in the VPC's own region only; interface endpoints are regional too. Traffic to other regions stays on NAT.".to_string(),
        "AWS API traffic in AMAZON-only ranges (SSM, STS, SQS, KMS, ECR, CloudWatch... look alike there) is grouped as `other-aws` and modelled as one interface endpoint; in practice each service needs its own endpoint, named from DNS query logs.".to_string(),
        "Interface endpoint data tiers are applied per VPC here; AWS applies them per region across all of an account's endpoints (the first tier covers 1 PB a month, so this matters only at very large volumes).".to_string(),
        "Public IPv6 traffic leaves through an egress-only or internet gateway, never a NAT gateway, so it is shown but not costed; NAT64 traffic (64:ff9b::/96) is counted as the IPv4 address the NAT gateway translates it to.".to_string(),
        "Internet data transfer out is charged the same with or without NAT and is left out of every setup; inter-AZ charges are not modelled (endpoints are placed in every AZ with workloads).".to_string(),
    ];
    notes.push(format!(
        "Records without a region field take the region in their S3 path (AWSLogs/<account>/vpcflowlogs/<region>/...), else {} (--region).",
        config.region
    ));
    notes
}
