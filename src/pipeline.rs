//! The analysis pipeline: an [`AnalyzeConfig`] in, the report model ([`Report`]) out, nothing
//! written or printed. Stages, each a function with a typed result:
//! [`observe`] (ingest -> vantage -> classify -> traffic: an [`Observation`]), [`model`] (price
//! each VPC's setups, then recommend: [`Modelled`]) and [`build_report`] (warnings, notes,
//! summary: a [`Report`]). Pricing and recommendation share a stage because interface-endpoint
//! data tiers run per region across VPCs: each VPC is priced from where the recommended setups
//! of the region's earlier VPCs left off.

use std::collections::BTreeSet;
use std::path::PathBuf;

use rust_decimal::Decimal;

use crate::classify::IpRanges;
use crate::error::Result;
use crate::ingest::IngestConfig;
use crate::inventory::Inventory;
use crate::pricing::PriceBook;
use crate::recommend::{recommend, Policy};
use crate::report::{
    self, Assumptions, Inputs, IpRangesInfo, PricesUsed, Report, Summary, VpcReport,
};
use crate::scenario::{break_evens, build_scenarios_in, sizing_in, ScenarioConfig, VpcContext};
use crate::timeseries::{RawSeries, Unmapped};
use crate::traffic::{per_vpc, traffic_rows, Observed, VpcTraffic, Window};
use crate::units;

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
    /// AWS CLI JSON outputs (`--inventory`).
    pub inventory: Vec<PathBuf>,
    /// Route 53 Resolver query logs (`--dns-logs`).
    pub dns_logs: Vec<PathBuf>,
    /// Seconds a DNS answer names later flows (`--dns-window`).
    pub dns_window: u64,
    /// FOCUS / CUR 2.0 exports to check the model against (`--bill`).
    pub bill: Vec<PathBuf>,
    /// Scale the traffic to the bill's NAT GB (`--calibrate`).
    pub calibrate: bool,
    /// The selection (`--since`, `--regions`...) and how to reach S3.
    pub sources: crate::ingest::SourceConfig,
}

/// The ip-ranges table: `--ip-ranges` when given, else the embedded snapshot.
pub fn load_ip_ranges(config: &AnalyzeConfig) -> Result<std::sync::Arc<IpRanges>> {
    match &config.ip_ranges {
        Some(p) => IpRanges::from_path(p).map(std::sync::Arc::new),
        None => IpRanges::embedded().map(std::sync::Arc::new),
    }
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
    /// What the vantage step did (attribution, NAT de-duplication, DNS naming).
    pub vantage: crate::vantage::Vantage,
    /// The inventory, when given.
    pub inventory: Option<crate::inventory::Inventory>,
    /// Interfaces with records in the logs (collected only with `--bill`, to explain a gap).
    pub interfaces_logged: BTreeSet<String>,
}

/// Reads flow logs and traffic CSVs into classified traffic rows and the observed window.
pub fn observe(
    config: &AnalyzeConfig,
    ip_ranges: &std::sync::Arc<IpRanges>,
) -> Result<Observation> {
    let mut warnings = Vec::new();
    let inventory = if config.inventory.is_empty() {
        None
    } else {
        let inv = crate::inventory::Inventory::load(&config.inventory)?;
        for p in &inv.problems {
            warnings.push(format!("inventory: {p}"));
        }
        if inv.is_empty() {
            warnings.push(format!(
                "The inventory ({}) held no VPC, subnet, interface, NAT gateway, endpoint or route table: records are attributed from the logs alone.",
                config.inventory.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            ));
        }
        Some(inv)
    };
    let mut dns = if config.dns_logs.is_empty() {
        None
    } else {
        let services = crate::dns::EndpointServices::embedded()?;
        Some(crate::dns::DnsIndex::load_with(
            &config.dns_logs,
            &services,
            config.dns_window,
            Some(&config.sources),
        )?)
    };
    let mut log_format = config.log_format.clone();
    if let (None, Some(inv)) = (&log_format, &inventory) {
        let formats: std::collections::BTreeSet<&String> = inv.flow_log_formats.values().collect();
        if formats.len() == 1 {
            let text = formats.into_iter().next().expect("one format");
            match crate::ingest::format::parse_log_format(text) {
                Ok(f) => {
                    warnings.push(format!("Files without a header line are read with the LogFormat the inventory's describe-flow-logs declares: {text}"));
                    log_format = Some(f);
                }
                Err(e) => warnings.push(format!("inventory: describe-flow-logs declares a LogFormat this tool cannot use ({e}); headerless files are read as the default format")),
            }
        } else if formats.len() > 1 {
            warnings.push(format!("The inventory declares {} different flow-log formats (describe-flow-logs): a headerless file is read with the format of the flow log its S3 object name carries (`..._fl-..._...`), else as the default format unless --log-format names it.", formats.len()));
        }
    }
    let mut flow_log_formats = std::collections::BTreeMap::new();
    if let Some(inv) = &inventory {
        for (id, text) in &inv.flow_log_formats {
            if let Ok(f) = crate::ingest::format::parse_log_format(text) {
                flow_log_formats.insert(id.clone(), f);
            }
        }
    }
    let local = inventory
        .as_ref()
        .map(|i| std::sync::Arc::new(i.local_addrs()))
        .filter(|l| !l.is_empty());
    let mut aggregates = Vec::new();
    let mut traffic_csvs = Vec::new();
    for path in &config.traffic {
        if crate::ingest::traffic_csv::is_aggregate(path)? {
            aggregates.push(path.clone());
        } else {
            traffic_csvs.push(path.clone());
        }
    }
    let ingest_config = IngestConfig {
        inputs: config.inputs.clone(),
        region: config.region.clone(),
        strict: config.strict,
        progress: config.progress,
        log_format,
        flow_log_formats,
        local,
        hourly: dns.is_some(),
        classes: Some(ip_ranges.clone()),
    };
    let mut ingested = crate::ingest::ingest_sources(&ingest_config, &aggregates, &config.sources)?;
    let flows = std::mem::take(&mut ingested.flows);
    let interfaces_logged = if config.bill.is_empty() {
        BTreeSet::new()
    } else {
        flows.interfaces()
    };
    let (classified, vantage, class_stats) =
        crate::vantage::apply(flows, inventory.as_ref(), dns.as_mut(), ip_ranges)?;
    let private = std::mem::take(&mut ingested.private_series);
    crate::ingest::series::add_private(&mut ingested.series, &private, &vantage.nat_enis);
    crate::stages::mark("vantage");
    let mut observed = traffic_rows(classified)?;
    crate::stages::mark("classify");
    let mut bounds = ingested.window;
    let mut traffic_csv_rows = 0;
    for path in &traffic_csvs {
        let csv = crate::ingest::traffic_csv::read(path, ip_ranges)?;
        traffic_csv_rows += csv.rows_read;
        observed.rows.extend(csv.rows);
        if let Some((s, e)) = csv.window {
            bounds = Some(bounds.map_or((s, e), |(a, b)| (a.min(s), b.max(e))));
        }
    }
    observed.rows.sort();
    let window = match bounds {
        Some(bounds) => Window::new(bounds),
        None => {
            warnings.push("The records have no start/end fields, so the observed window is unknown: observed bytes are treated as one month's traffic.".to_string());
            Window::new((0, units::SECONDS_PER_MONTH))
        }
    };
    // Hours in which records start, against the hours from the first start to the last (the
    // window's end may run into the next hour: records end after they start).
    let (covered, span) = (ingested.hours_covered, ingested.start_hour_span);
    if traffic_csvs.is_empty() && covered > 0 && span > 1 && covered * 10 < span * 9 {
        warnings.push(format!(
            "The logs cover only {covered} of the {span} hours between the first and the last record: gaps (missing files, a flow log that was off) make the monthly figures too low, since they are scaled over the whole window. Analyse a continuous period."
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
        vantage,
        inventory,
        interfaces_logged,
    })
}

/// Runs the whole analysis and returns the report (nothing is written or printed).
pub fn analyze(config: &AnalyzeConfig) -> Result<Report> {
    analyze_with_detections(config).map(|(r, _)| r)
}

/// [`analyze`], also returning how each input file was recognised.
pub fn analyze_with_detections(config: &AnalyzeConfig) -> Result<(Report, Vec<(PathBuf, String)>)> {
    let ip_ranges = load_ip_ranges(config)?;
    let prices = load_prices(config)?;
    let bill = if config.bill.is_empty() {
        None
    } else {
        Some(crate::bill::Bill::load(&config.bill)?)
    };
    let observation = observe(config, &ip_ranges)?;
    crate::stages::mark("traffic");
    let detections = observation.ingested.detections.clone();
    let mut vpcs = per_vpc(&observation.observed, observation.window);
    let bill_check = match &bill {
        Some(bill) => Some(check_bill(config, &prices, &observation, &mut vpcs, bill)?),
        None => None,
    };
    let modelled = model(
        config,
        &prices,
        &vpcs,
        &observation.ingested.series,
        observation.inventory.as_ref(),
    )?;
    let mut report = build_report(config, &ip_ranges, &prices, observation, modelled);
    report
        .warnings
        .extend(fewer_nat_interfaces(&report, config));
    if let Some(check) = bill_check {
        if check.calibrated {
            report.assumptions.notes.push(check.calibration_note());
        }
        report.bill = Some(check);
    }
    crate::stages::mark("price");
    Ok((report, detections))
}

/// Without an inventory or `--nat-gateways`, today's NAT gateways are one per AZ seen: a warning
/// for each VPC whose logs show fewer NAT gateway interfaces than that.
fn fewer_nat_interfaces(report: &Report, config: &AnalyzeConfig) -> Vec<String> {
    if report.vantage.inventory || config.scenario.nat_gateways.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for v in &report.vpcs {
        let found: Vec<String> = report
            .vantage
            .nat_interfaces
            .iter()
            .filter(|n| n.vpc_id == v.traffic.vpc_id)
            .map(|n| format!("{} in {}", n.interface_id, n.az_id))
            .collect();
        if found.is_empty() || found.len() as u32 >= v.nat_gateways {
            continue;
        }
        out.push(format!(
            "{}: the logs show {} NAT gateway interface(s) ({}) where today's cost assumes {} NAT gateways (one per AZ seen). If that is all of them, today's cost counts {} NAT gateway(s) too many, and the AZs without one of their own pay inter-AZ charges the model leaves out: --inventory (describe-nat-gateways and the route tables) models the setup as it is.",
            v.traffic.vpc_id,
            found.len(),
            found.join(", "),
            v.nat_gateways,
            v.nat_gateways - found.len() as u32
        ));
    }
    out
}

/// The bill stage (`--bill`): the bill against each VPC's modelled month today, and with
/// `--calibrate` each VPC's traffic scaled (in `vpcs`) to its billed NAT GB.
pub fn check_bill(
    config: &AnalyzeConfig,
    prices: &PriceBook,
    observation: &Observation,
    vpcs: &mut [VpcTraffic],
    bill: &crate::bill::Bill,
) -> Result<crate::bill::BillCheck> {
    let facts = crate::bill::LogFacts {
        window: (observation.window.start, observation.window.end),
        interfaces_logged: observation.interfaces_logged.clone(),
        skipdata: observation.ingested.accounting.skipdata,
        nodata: observation.ingested.accounting.nodata,
    };
    let scenario_config = ScenarioConfig {
        policy_services: config.policy.listed(),
        nat_instance: None,
        ..config.scenario.clone()
    };
    let inventory = observation.inventory.as_ref();
    let (check, factors) =
        crate::bill::check(bill, inventory, vpcs, &facts, config.calibrate, |t| {
            let ctx = inventory
                .map(|inv| vpc_context(inv, &t.vpc_id))
                .unwrap_or_default();
            build_scenarios_in(t, prices.region(&t.region)?, &scenario_config, &ctx)
        })?;
    for t in vpcs.iter_mut() {
        if let Some(f) = factors.get(&t.vpc_id) {
            *t = crate::scenario::scaled(t, *f);
        }
    }
    Ok(check)
}

/// The embedded price book, overlaid with `--prices` when given.
pub fn load_prices(config: &AnalyzeConfig) -> Result<PriceBook> {
    let mut prices = PriceBook::embedded()?;
    if let Some(p) = &config.prices {
        prices = prices.overlay(PriceBook::from_path(p)?);
    }
    Ok(prices)
}

/// Every VPC's cost model: its setups priced, the recommendation, the growth table and the
/// hourly series.
pub struct Modelled {
    /// One per VPC, in the order of [`per_vpc`].
    pub vpcs: Vec<VpcReport>,
    /// Regions whose prices were used.
    pub regions_used: BTreeSet<String>,
    /// What the hourly series could not map to the VPCs.
    pub unmapped: Unmapped,
    /// Setups or growth points left out for want of a price.
    pub warnings: Vec<String>,
}

/// Prices each VPC's setups and recommends one, from its traffic, the inventory's view of it
/// and the hourly series.
pub fn model(
    config: &AnalyzeConfig,
    prices: &PriceBook,
    vpcs: &[VpcTraffic],
    series: &RawSeries,
    inventory: Option<&Inventory>,
) -> Result<Modelled> {
    let mut warnings = Vec::new();
    let mut vpc_reports = Vec::with_capacity(vpcs.len());
    let mut regions_used = BTreeSet::new();
    // The optional nat-instance setup is left out (with a warning) where its price is unknown.
    let mut no_instance_price = std::collections::BTreeSet::new();
    if let Some((t, hourly)) = &config.scenario.nat_instance {
        for v in vpcs {
            if let Err(e) = crate::pricing::nat_instance_price(t, &v.region, *hourly) {
                if no_instance_price.insert(v.region.clone()) {
                    warnings.push(format!("{e}; the nat-instance setup is left out there."));
                }
            }
        }
    }
    let with_policy = ScenarioConfig {
        policy_services: config.policy.listed(),
        ..config.scenario.clone()
    };
    let without_instance = ScenarioConfig {
        nat_instance: None,
        ..with_policy.clone()
    };
    let build = |traffic: &crate::traffic::VpcTraffic,
                 ctx: &VpcContext|
     -> Result<(VpcReport, Vec<String>)> {
        let mut notes = Vec::new();
        let region_prices = prices.region(&traffic.region)?;
        let scenario_config = if no_instance_price.contains(&traffic.region) {
            &without_instance
        } else {
            &with_policy
        };
        let (azs, nat_gateways) = sizing_in(traffic, scenario_config, ctx);
        let scenarios = build_scenarios_in(traffic, region_prices, scenario_config, ctx)?;
        let bes = break_evens(traffic, region_prices, azs)?;
        let recommendation = recommend(traffic, &scenarios, &bes, &config.policy);
        let mut growth = Vec::new();
        for f in [
            Decimal::new(5, 1),
            Decimal::from(2),
            Decimal::from(5),
            Decimal::from(10),
        ] {
            let t = crate::scenario::scaled(traffic, f);
            let s = match build_scenarios_in(&t, region_prices, scenario_config, ctx) {
                Ok(s) => s,
                // A growth point beyond a price table that stops early is left out, not guessed.
                Err(e @ crate::Error::IncompleteTiers(_)) => {
                    notes.push(format!(
                        "{}: the growth table leaves out x{} traffic: {e}",
                        traffic.vpc_id.replace('`', "'"),
                        f.normalize()
                    ));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let b = break_evens(&t, region_prices, azs)?;
            let r = recommend(&t, &s, &b, &config.policy);
            growth.push(crate::scenario::GrowthPoint {
                factor: f,
                recommended: r.recommended,
                monthly_usd: r.recommended_usd,
            });
        }
        Ok((
            VpcReport {
                nat_routed_gb: traffic.nat_routed_gb(),
                traffic: traffic.clone(),
                azs,
                nat_gateways,
                today: ctx.clone(),
                scenarios,
                break_evens: bes,
                growth,
                recommendation,
                hourly: Vec::new(),
            },
            notes,
        ))
    };
    // Interface-endpoint data tiers run per region across all the account's endpoints: a first
    // pass finds each VPC's recommended interface GB; the second bills each VPC's endpoints
    // from where the region's earlier VPCs (in report order) left off.
    let mut contexts = Vec::with_capacity(vpcs.len());
    let mut region_gb: std::collections::BTreeMap<String, Decimal> = Default::default();
    let (hourly, unmapped) = crate::timeseries::reconcile(series, vpcs);
    for (traffic, hours) in vpcs.iter().zip(&hourly) {
        regions_used.insert(traffic.region.clone());
        let mut ctx = inventory
            .map(|inv| vpc_context(inv, &traffic.vpc_id))
            .unwrap_or_default();
        // Observed NAT-routed throughput per hour sizes the provisioned-bandwidth setup.
        let nat_bytes: Vec<u64> = hours
            .iter()
            .map(|h| {
                h.bytes
                    .iter()
                    .filter(|(c, _)| c.nat_routed())
                    .map(|(_, b)| *b)
                    .sum()
            })
            .collect();
        ctx.nat_throughput = crate::scenario::Throughput::from_hourly_bytes(&nat_bytes);
        let (first, _) = build(traffic, &ctx)?;
        let interface_gb = recommended_interface_gb(&first);
        let before = region_gb.entry(traffic.region.clone()).or_default();
        ctx.interface_gb_before = *before;
        *before += interface_gb;
        contexts.push(ctx);
    }
    for (traffic, ctx) in vpcs.iter().zip(&contexts) {
        let (v, notes) = build(traffic, ctx)?;
        warnings.extend(notes);
        vpc_reports.push(v);
    }
    for (v, h) in vpc_reports.iter_mut().zip(hourly) {
        v.hourly = crate::timeseries::daily_when_long(h);
    }
    Ok(Modelled {
        vpcs: vpc_reports,
        regions_used,
        unmapped,
        warnings,
    })
}

/// The report model: the observation and the cost model, with the warnings and assumption
/// notes they call for and the summary.
pub fn build_report(
    config: &AnalyzeConfig,
    ip_ranges: &IpRanges,
    prices: &PriceBook,
    observation: Observation,
    modelled: Modelled,
) -> Report {
    let Observation {
        ingested,
        observed,
        window,
        class_stats,
        traffic_csv_rows,
        mut warnings,
        vantage,
        inventory,
        interfaces_logged: _,
    } = observation;
    let Modelled {
        vpcs: vpc_reports,
        regions_used,
        unmapped,
        warnings: model_warnings,
    } = modelled;
    warnings.extend(model_warnings);
    let traffic_rows = observed.rows;

    let acc = &ingested.accounting;
    warnings.extend(file_warnings(&ingested));
    if acc.skipdata > 0 {
        warnings.push(format!(
            "{} SKIPDATA record(s): AWS dropped flow records during capture, so every total is a lower bound.",
            acc.skipdata
        ));
    }
    if vantage.unattributed_records > 0 && vantage.inventory {
        warnings.push(format!(
            "{} record(s) ({} GB) come from {} interface(s) the inventory does not list (e.g. {}) and carry no vpc-id: analysed as VPC `unattributed`. Refresh the inventory (deleted ENIs stay in old logs) or log ${{vpc-id}}.",
            vantage.unattributed_records,
            crate::text::fmt_gb(units::gb(vantage.unattributed_bytes)),
            vantage.unattributed_interfaces.len(),
            vantage.unattributed_interfaces.first().map(String::as_str).unwrap_or("-")
        ));
    } else if vpc_reports
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
    if let Some(d) = &vantage.dns {
        if d.malformed > 0 {
            warnings.push(format!(
                "{} line(s) of the DNS logs are not Route 53 Resolver query-log JSON and were skipped (first: {}).",
                d.malformed,
                d.malformed_examples.first().map(String::as_str).unwrap_or("-")
            ));
        }
        if d.aws_service_queries == 0 {
            warnings.push(format!(
                "The DNS logs ({} file(s), {} queries) hold no query for an AWS endpoint-service name (see data/endpoint-services.csv): AWS traffic stays unnamed.",
                d.files.len(),
                d.queries
            ));
        } else if d.unmatched_answers > 0 {
            warnings.push(format!(
                "{} DNS answer(s) for AWS services match no flow in the logs (the service may already use an endpoint, or was called outside the logged ENIs or window).",
                d.unmatched_answers
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
            "{} file(s) skipped because their names are not flow-log names (.log, .gz, .txt, .parquet, .jsonl, .ndjson, .csv, or a Data Firehose object name); name them on the command line to read them anyway.",
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

    let mut notes = assumption_notes(config, &vantage);
    let fallbacks: std::collections::BTreeSet<&str> = vpc_reports
        .iter()
        .flat_map(|v| &v.scenarios)
        .flat_map(|s| &s.lines)
        .filter_map(|l| l.fallback.as_deref())
        .collect();
    for f in fallbacks {
        notes.push(format!("--beyond-last-tier last-price: a price table stops before the modelled volume; {f}. The lines priced so are marked FALLBACK. For exact figures import the full table (`vpce-advisor prices import`)."));
    }
    notes.push(time_series_note(&unmapped));
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
    let do_now: Decimal = vpc_reports
        .iter()
        .map(|v| {
            let r = &v.recommendation;
            r.ladder
                .iter()
                .find(|s| s.step == "b")
                .map_or(r.cheapest_usd, |s| s.monthly_usd)
        })
        .sum();
    let summary = Summary {
        vpcs: vpc_reports.len(),
        baseline_usd: baseline,
        recommended_usd: recommended,
        monthly_saving_usd: baseline - recommended,
        do_now_usd: do_now,
        do_now_saving_usd: baseline - do_now,
        policy_premium_usd: recommended - do_now,
    };
    Report {
        schema_version: report::SCHEMA_VERSION,
        tool: format!("vpce-advisor {}", env!("CARGO_PKG_VERSION")),
        policy: config.policy.clone(),
        assumptions: Assumptions {
            hours_per_month: units::HOURS_PER_MONTH,
            bytes_per_gb: units::BYTES_PER_GB,
            window_start: crate::text::iso_utc(window.start),
            window_end: crate::text::iso_utc(window.end),
            window_seconds: window.seconds,
            hours_with_records: ingested.hours_covered,
            month_factor: window.month_factor(),
            default_region: config.region.clone(),
            totals_are_lower_bound: acc.skipdata > 0 || !ingested.failed_files.is_empty(),
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
            failed_files: ingested.failed_files.clone(),
            duplicate_files: ingested.duplicate_files.clone(),
            formats: ingested.formats,
            traffic_csvs: config
                .traffic
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            traffic_csv_rows,
            selection: config
                .sources
                .selection
                .describe()
                .map(|d| format!("{d}; {} local folders or files left out", ingested.pruned)),
            s3: ingested.s3.clone(),
        },
        accounting: ingested.accounting,
        malformed_examples: ingested.issues.iter().map(|i| i.to_string()).collect(),
        traffic_rows,
        known_ids: inventory.as_ref().map(known_ids).unwrap_or_default(),
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
        vantage,
        inventory: inventory
            .as_ref()
            .map(|i| i.files.clone())
            .unwrap_or_default(),
        vpcs: vpc_reports,
        summary,
        bill: None,
    }
}

/// Warnings for files skipped because they could not be read, and for files read once because
/// another had the same content.
pub fn file_warnings(ingested: &crate::ingest::Ingested) -> Vec<String> {
    let mut out = Vec::new();
    let failed = &ingested.failed_files;
    if !failed.is_empty() {
        let bytes: u64 = failed.iter().map(|f| f.bytes).sum();
        let records: u64 = failed.iter().map(|f| f.records_before_fault).sum();
        out.push(format!(
            "{} file(s) ({bytes} bytes) could not be read and were skipped ({records} record(s) read before the fault are left out with them): every total is a lower bound. Run with --strict to stop at the first such file.",
            failed.len()
        ));
        for f in failed {
            out.push(format!(
                "skipped {}: {} ({} bytes, {} record(s) read before the fault)",
                f.path, f.reason, f.bytes, f.records_before_fault
            ));
        }
    }
    for d in &ingested.duplicate_files {
        out.push(format!(
            "{} has the same content as {}: read once.",
            d.path, d.same_as
        ));
    }
    out
}

/// Interface-endpoint GB/month of a VPC's recommended setup.
fn recommended_interface_gb(v: &VpcReport) -> Decimal {
    v.scenarios
        .iter()
        .find(|s| s.kind == v.recommendation.recommended)
        .map(|s| {
            s.endpoints
                .iter()
                .filter(|e| e.endpoint_type == "Interface")
                .map(|e| e.monthly_gb)
                .sum()
        })
        .unwrap_or_default()
}

/// What the inventory says about one VPC today: NAT gateways and their AZs, the NAT AZ each
/// workload AZ's subnets route to, existing endpoints.
pub fn vpc_context(inv: &crate::inventory::Inventory, vpc_id: &str) -> VpcContext {
    let nats = inv.nat_gateways_of(vpc_id);
    let nat_az = |id: &str| {
        inv.nat_gateways
            .get(id)
            .and_then(|n| inv.subnet_az(&n.subnet_id))
    };
    // A regional NAT gateway bills hours in each AZ it is active in: listed once per AZ (its
    // addresses' AZs, else every AZ the VPC has subnets in, as auto mode does).
    let vpc_azs: std::collections::BTreeSet<String> = inv
        .subnets
        .values()
        .filter(|s| s.vpc_id == vpc_id)
        .filter_map(|s| inv.subnet_az(&s.id))
        .collect();
    let mut regional_nat = None;
    let mut nat_gateways: Vec<(String, String)> = Vec::new();
    for n in nats.iter().filter(|n| n.connectivity == "public") {
        if n.is_regional() {
            regional_nat.get_or_insert_with(|| n.id.clone());
            let azs: std::collections::BTreeSet<String> = if n.azs.is_empty() {
                vpc_azs.clone()
            } else {
                n.azs.iter().map(|a| inv.az_id(a)).collect()
            };
            if azs.is_empty() {
                nat_gateways.push((n.id.clone(), String::new()));
            }
            for az in azs {
                nat_gateways.push((n.id.clone(), az));
            }
        } else {
            nat_gateways.push((n.id.clone(), nat_az(&n.id).unwrap_or_default()));
        }
    }
    let mut nat_route_az = std::collections::BTreeMap::new();
    for s in inv.subnets.values().filter(|s| s.vpc_id == vpc_id) {
        let target = inv
            .route_table_of(&s.id, vpc_id)
            .and_then(|r| r.default_route.clone());
        if let (Some(t), Some(az)) = (target, inv.subnet_az(&s.id)) {
            let regional = inv.nat_gateways.get(&t).is_some_and(|n| n.is_regional());
            if regional {
                // Each AZ's traffic leaves through the regional gateway in that AZ.
                nat_route_az.entry(az.clone()).or_insert(az);
            } else if let Some(n) = nat_az(&t) {
                nat_route_az.entry(az).or_insert(n);
            }
        }
    }
    let existing = inv
        .endpoints_of(vpc_id)
        .into_iter()
        .map(|e| crate::scenario::ExistingEndpoint {
            id: e.id.clone(),
            endpoint_type: e.endpoint_type.clone(),
            service: e
                .aws_service()
                .map(|(_, s)| s)
                .unwrap_or_else(|| e.service_name.clone()),
            azs: e.subnet_ids.len() as u32,
        })
        .collect();
    VpcContext {
        nat_gateways,
        nat_route_az,
        existing,
        interface_gb_before: rust_decimal::Decimal::ZERO,
        regional_nat,
        nat_throughput: None,
    }
}

/// Ids for the commands that build endpoints, per VPC: the route tables whose default route
/// uses a NAT gateway (gateway endpoints go there), one subnet per AZ id (preferring subnets
/// routed through NAT, i.e. private ones, then those with the most ENIs), and the security
/// groups of the VPC's existing interface endpoints.
pub fn known_ids(inv: &crate::inventory::Inventory) -> report::actions::KnownIds {
    use std::collections::BTreeMap;
    let mut out: report::actions::KnownIds = BTreeMap::new();
    for vpc in inv
        .subnets
        .values()
        .map(|s| s.vpc_id.clone())
        .chain(inv.route_tables.values().map(|r| r.vpc_id.clone()))
        .collect::<std::collections::BTreeSet<_>>()
    {
        let ids = out.entry(vpc.clone()).or_default();
        for r in inv.route_tables.values().filter(|r| r.vpc_id == vpc) {
            if r.default_route
                .as_deref()
                .is_some_and(|t| t.starts_with("nat-"))
            {
                ids.route_table_ids.push(r.id.clone());
            }
        }
        let mut best: BTreeMap<String, ((bool, usize), String)> = BTreeMap::new();
        for s in inv.subnets.values().filter(|s| s.vpc_id == vpc) {
            let Some(az) = inv.subnet_az(&s.id) else {
                continue;
            };
            let via_nat = inv
                .route_table_of(&s.id, &vpc)
                .and_then(|r| r.default_route.as_deref())
                .is_some_and(|t| t.starts_with("nat-"));
            let enis = inv.enis.values().filter(|e| e.subnet_id == s.id).count();
            let rank = (via_nat, enis);
            match best.get(&az) {
                Some((r, _)) if *r >= rank => {}
                _ => {
                    best.insert(az, (rank, s.id.clone()));
                }
            }
        }
        ids.subnet_ids_by_az = best.into_iter().map(|(az, (_, id))| (az, id)).collect();
        let mut groups: Vec<String> = inv
            .endpoints_of(&vpc)
            .into_iter()
            .filter(|e| e.endpoint_type == "Interface")
            .flat_map(|e| e.group_ids.iter().cloned())
            .collect();
        groups.sort();
        groups.dedup();
        ids.security_group_ids = groups;
    }
    out
}

/// How the hourly series (the traffic-over-time chart) relate to the totals.
fn time_series_note(unmapped: &crate::timeseries::Unmapped) -> String {
    let mut note = "Traffic over time (`hourly` per VPC, the traffic-over-time chart): bytes are summed per record start hour and destination class as logged, then each VPC's class is scaled so its hours add up exactly to the class's observed bytes after attribution and NAT de-duplication (the shape over time is the logged one; a class renamed by DNS follows the VPC's whole shape).".to_string();
    let list = |ids: &[String]| {
        ids.iter()
            .take(5)
            .map(|i| i.replace('`', "'"))
            .collect::<Vec<_>>()
            .join(", ")
            + if ids.len() > 5 { ", ..." } else { "" }
    };
    for (from, to) in &unmapped.mapped {
        note.push_str(&format!(
            " {} follows the hours of the records logged without a vpc-id ({}): it is the only VPC of its region with no series of its own, so the inventory attributed its records.",
            to.replace('`', "'"),
            from.replace('`', "'")
        ));
    }
    if !unmapped.vpcs_without_series.is_empty() {
        note.push_str(&format!(
            " No series for {} VPC(s) ({}): their records were logged without a vpc-id and attributed by the inventory (with other VPCs of the region, so their hours cannot be told apart), or came from traffic CSVs.",
            unmapped.vpcs_without_series.len(),
            list(&unmapped.vpcs_without_series)
        ));
    }
    if !unmapped.series_without_vpc.is_empty() {
        note.push_str(&format!(
            " Logged as {} but attributed elsewhere: not drawn.",
            list(&unmapped.series_without_vpc)
        ));
    }
    note
}

fn assumption_notes(config: &AnalyzeConfig, vantage: &crate::vantage::Vantage) -> Vec<String> {
    let inventory = vantage.inventory;
    let gb = |b: u64| crate::text::fmt_gb(units::gb(b));
    let mut notes = vec![
        "Both directions of every flow count: NAT gateways and interface endpoints charge per GB processed in either direction.".to_string(),
        if inventory || vantage.bypass_records > 0 {
            format!("Flows to public addresses that leave through an internet gateway (subnet route tables in the inventory, ENIs with a public IP when there are none, or the records' own traffic-path 2, 7 or 8) or an existing gateway endpoint pay no NAT charge and no endpoint would change their cost: {} GB ({} records) of them are shown with their path (`gateway-endpoint`, `internet-gateway`, or `egress-only` for IPv6) and left out of the prices. Other public IPv4 flows are taken to pass a NAT gateway (path `nat`).", gb(vantage.bypass_bytes), vantage.bypass_records)
        } else {
            "Every accepted flow to a public address is assumed to leave through a NAT gateway (workloads in private subnets). Flows from public subnets use an internet gateway and pay no NAT charge; without --inventory (route tables) the logs cannot tell them apart.".to_string()
        },
        if vantage.rules_used.is_empty() {
            "One vantage point per byte: no NAT gateway interface was found in the logs (by inventory, pkt-* relay records or balanced private/public bytes), so each record counts where it was logged. If NAT gateway ENIs are logged under another name, pass --inventory.".to_string()
        } else {
            format!(
                "One vantage point per byte: {} NAT gateway interface(s) found by rule(s) {}. A NAT-processed byte appears on the NAT ENI's public leg and on the client's ENI; per VPC, remote address, direction and hour the tool keeps max(NAT leg, clients): clients keep their AZ, and NAT-leg bytes no logged client explains ({} GB) stay on the NAT's AZ. {} GB counted twice were removed; {} GB of client legs on NAT ENIs are private hops.",
                vantage.nat_interfaces.len(),
                vantage.rules_used.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", "),
                gb(vantage.nat_only_bytes),
                gb(vantage.duplicates_removed()),
                gb(vantage.relayed_bytes)
            )
        },
        if inventory {
            "Today's cost is the `nat-only` setup with the VPC's NAT gateways from the inventory (else one per AZ seen, none where no traffic passes NAT, or --nat-gateways) and its existing endpoints, which every setup keeps; inter-AZ charges apply where a subnet's route leads to a NAT gateway in another AZ.".to_string()
        } else {
            "Today's cost is modelled as the `nat-only` setup with one NAT gateway per AZ seen (none in a VPC whose logs show no traffic through NAT: its public traffic all took an internet gateway or gateway endpoint, or it has none; or --nat-gateways); existing endpoints and routes are not known without --inventory.".to_string()
        },
        "Remote addresses are classified with ip-ranges.json: an address in any S3 or DynamoDB prefix is that service (a gateway endpoint routes the whole prefix list); otherwise the longest prefix wins, a specific service beating AMAZON on equal prefixes. EC2 and edge services (CloudFront, Global Accelerator...) are internet-like: no endpoint carries them.".to_string(),
        "Gateway endpoints reach S3 and DynamoDB in the VPC's own region only. Since Nov 2025 a local interface endpoint with cross-region access reaches S3, IAM, ECR, KMS, ECS, Lambda, Data Firehose, Managed Flink and Route 53 in another region (data/cross-region-privatelink.csv, with the AZs where AWS does not offer it): traffic to those in another region (S3 by ip-ranges, the others when DNS logs name them) is weighed at endpoint hours and GB against NAT processing; the inter-region data transfer is paid the same either way and is left out of both. Other traffic to other regions stays on NAT.".to_string(),
        "Regional NAT gateway (`regional-nat`, where regional NAT prices are known): one gateway per VPC billed per hour in each AZ with workloads, at the per-GB price of its usage type, with no inter-AZ hairpin. Provisioned-bandwidth NAT (`provisioned-nat`, only where the Price List's NatGateway-Prvd-* prices are known and the logs have hours): sized at the observed peak hour's mean throughput, scaled to the traffic still on NAT and rounded up to a whole Gbps, NAT gateway hours kept; its terms are not published, so this is an estimate to check.".to_string(),
        match &vantage.dns {
            Some(d) => format!(
                "AWS services are named from Route 53 Resolver query logs ({} A/AAAA answers for endpoint-service names in {} file(s)): a flow takes the service its VPC resolved to that IP within {} s before the flow's hour, else at any time, else in another VPC; an IP answered for several services goes to the most-answered one ({} GB). AWS traffic no answer names stays `other-aws`.",
                d.answers,
                d.files.len(),
                d.window_seconds,
                gb(d.ambiguous_bytes)
            ),
            None => "AWS API traffic in AMAZON-only ranges (SSM, STS, SQS, KMS, ECR, CloudWatch... look alike there) is grouped as `other-aws` and modelled as one interface endpoint; in practice each service needs its own endpoint: pass Route 53 Resolver query logs with --dns-logs to name them.".to_string(),
        },
        "Interface endpoint data tiers (first 1 PB, next 4 PB, then over 5 PB a month; 1 PB = 1,048,576 GB) apply per region across all of the account's interface endpoints: each VPC's endpoints are billed from where the region's earlier VPCs in this report (their recommended setups) left off.".to_string(),
        "Interface endpoints are placed in every AZ with workloads (the guide's high-availability advice); where fewer AZs plus inter-AZ charges would cost less, the report shows that option and its saving: an AZ outage would then cut the other AZs off the endpoint.".to_string(),
        "Public IPv6 traffic leaves through an egress-only or internet gateway, never a NAT gateway, so it is shown but not costed; NAT64 traffic (64:ff9b::/96) is counted as the IPv4 address the NAT gateway translates it to.".to_string(),
        "Internet data transfer out is charged the same with or without NAT and is left out of every setup. Interface endpoints are placed in every AZ with workloads, so they add no inter-AZ charge.".to_string(),
    ];
    if let Some((t, _)) = &config.scenario.nat_instance {
        notes.push(format!("The `nat-instance` setup replaces each NAT gateway with a {t} NAT instance (On-Demand Linux price, no per-GB processing charge). Its bandwidth is the instance's, and you run it: patching, failover (one per AZ) and scaling are yours, and a failed instance stops the AZ's internet access."));
    }
    if config.scenario.inspection {
        notes.push("--inspection: internet egress passes inspection appliances behind a Gateway Load Balancer, so every setup pays a GWLB endpoint per AZ-hour and per GB for the traffic still on NAT; the appliances and the load balancer are not included. Traffic moved to VPC endpoints skips inspection: check that the security policy allows that.".to_string());
    }
    notes.push(format!(
        "Records without a region field take the region in their S3 path (AWSLogs/<account>/vpcflowlogs/<region>/...), else {} (--region).",
        config.region
    ));
    notes
}
