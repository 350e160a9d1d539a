//! Command dispatch: parsed arguments in; the matching command run (the analysis through
//! [`crate::pipeline`]), its outputs written, and an exit code out.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{
    AnalyzeArgs, Cli, Command, InputArgs, OutputFormat, PricesCommand, TrafficArgs, TrafficFormat,
};
use crate::pipeline::{
    analyze_with_detections, file_warnings, load_ip_ranges, observe, AnalyzeConfig,
};
use crate::pricing::PriceBook;
use crate::recommend::Policy;
use crate::report::{self, Report};
use crate::scenario::ScenarioConfig;
use crate::units;

/// Exit code of a run that finished and wrote its output, but skipped input files it could not
/// read (corrupt or truncated gzip, unrecognisable format...): its totals are lower bounds.
pub const EXIT_FILES_SKIPPED: u8 = 3;

/// How a run that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every input file was read.
    Complete,
    /// Some input files could not be read and were skipped (listed in the warnings).
    FilesSkipped,
}

impl Outcome {
    fn of(ingested: &crate::ingest::Ingested) -> Outcome {
        if ingested.failed_files.is_empty() {
            Outcome::Complete
        } else {
            Outcome::FilesSkipped
        }
    }
}

/// Runs the command line and maps the outcome to an exit code: 0 success, 1 error, 2 usage,
/// 3 ([`EXIT_FILES_SKIPPED`]) output written but some input files skipped.
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
        Ok(Outcome::Complete) => ExitCode::SUCCESS,
        Ok(Outcome::FilesSkipped) => ExitCode::from(EXIT_FILES_SKIPPED),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", error_message(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes joined with ": ", leaving out a cause whose text the message already
/// carries (our errors name their source in their own text, as `{path}: cannot read: {source}`).
pub fn error_message(e: &anyhow::Error) -> String {
    let mut message = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message.push_str(": ");
            message.push_str(&cause);
        }
    }
    message
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Dispatches a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    crate::interrupt::install();
    match cli.command {
        Command::Analyze(args) => run_analyze(args),
        Command::Traffic(args) => run_traffic(args),
        Command::Prices(args) => run_prices(args.command).map(|()| Outcome::Complete),
        Command::Chart(args) => run_chart(args),
        Command::Sql(args) => {
            let sql = crate::sql::query(&sql_config(&args)?).map_err(anyhow::Error::msg)?;
            let mut out = std::io::stdout().lock();
            out.write_all(sql.as_bytes())?;
            out.flush()?;
            Ok(Outcome::Complete)
        }
        Command::Synth(args) => {
            let summary = crate::synth::run(&crate::synth::SynthConfig::from_args(&args))?;
            println!("{summary}");
            Ok(Outcome::Complete)
        }
    }
}

fn sql_config(args: &crate::cli::SqlArgs) -> anyhow::Result<crate::sql::SqlConfig> {
    use crate::sql::{Engine, Layout};
    Ok(crate::sql::SqlConfig {
        engine: args.engine,
        layout: args.layout.unwrap_or(match args.engine {
            Engine::Duckdb => Layout::RawText,
            _ => Layout::Text,
        }),
        table: args.table.clone(),
        path: args.path.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        regions: args.regions.clone(),
        accounts: args.accounts.clone(),
        log_format: match &args.log_format {
            Some(text) => Some(
                crate::ingest::format::parse_log_format(text)
                    .map_err(|e| anyhow::anyhow!("--log-format: {e}"))?,
            ),
            None => None,
        },
    })
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
        policy: Policy::secure(),
        strict: input.strict,
        progress: !quiet,
        inventory: input.inventory.clone(),
        dns_logs: input.dns_logs.clone(),
        dns_window: input.dns_window,
        bill: Vec::new(),
        calibrate: false,
        sources: sources_from(input)?,
        log_format: match &input.log_format {
            Some(text) => Some(
                crate::ingest::format::parse_log_format(text)
                    .map_err(|e| anyhow::anyhow!("--log-format: {e}"))?,
            ),
            None => None,
        },
    })
}

/// The selection and S3 options from the shared input flags.
fn sources_from(input: &InputArgs) -> anyhow::Result<crate::ingest::SourceConfig> {
    let select = &input.select;
    let selection = crate::source::layout::Selection::new(
        select.since.as_deref(),
        select.until.as_deref(),
        &select.regions,
        &select.accounts,
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    Ok(crate::ingest::SourceConfig {
        selection,
        s3: crate::source::s3::S3Options {
            profile: input.s3.profile.clone(),
            endpoint_url: input.s3.endpoint_url.clone(),
            read_timeout: Some(std::time::Duration::from_secs(input.s3.s3_read_timeout)),
        },
        session: Default::default(),
        spill: crate::ingest::aggregate::SpillConfig {
            budget_flows: input.spill_after_flows.or(
                crate::ingest::aggregate::SpillConfig::for_limit(input.memory_limit, None)
                    .budget_flows,
            ),
            dir: input.spill_dir.clone(),
        },
    })
}

fn print_stages(verbose: bool) {
    let stages = crate::stages::take();
    let notes = crate::stages::take_notes();
    if verbose && !stages.is_empty() {
        eprint!("{}", crate::stages::render(&stages));
        for n in notes {
            eprintln!("{n}");
        }
    }
}

fn print_detections(verbose: bool, detections: &[(PathBuf, String)]) {
    if verbose {
        for (path, how) in detections {
            eprintln!("{}: {how}", path.display());
        }
    }
}

fn run_traffic(args: TrafficArgs) -> anyhow::Result<Outcome> {
    let config = config_from(
        &args.input,
        args.output.is_none() && args.format != TrafficFormat::Table,
    )?;
    if args.input.verbose {
        crate::stages::start();
    }
    let ip_ranges = load_ip_ranges(&config)?;
    let obs = observe(&config, &ip_ranges)?;
    print_detections(args.input.verbose, &obs.ingested.detections);
    for w in obs.warnings.iter().chain(&file_warnings(&obs.ingested)) {
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
                "window_start": crate::text::iso_utc(obs.window.start),
                "window_end": crate::text::iso_utc(obs.window.end),
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
    crate::stages::mark("render");
    print_stages(args.input.verbose);
    Ok(Outcome::of(&obs.ingested))
}

fn run_chart(args: crate::cli::ChartArgs) -> anyhow::Result<Outcome> {
    use crate::report::charts::{self, ChartFormat};
    let mut config = config_from(&args.input, true)?;
    config.prices = args.prices.clone();
    config.scenario = ScenarioConfig {
        nat_gateways: args.nat_gateways,
        azs: args.azs,
        tier_fallback: args.beyond_last_tier,
        ..ScenarioConfig::default()
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
    Ok(outcome_of(&report))
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
            let incomplete: Vec<&str> = regions
                .iter()
                .filter(|r| !r.gaps().is_empty())
                .map(|r| r.region.as_str())
                .collect();
            if !incomplete.is_empty() {
                let text = format!(
                    "INCOMPLETE: {} of {} region(s) lack a price or stop a tier table early (marked below): {}. The tool refuses to price what is missing; supply it with `vpce-advisor prices import` and --prices.",
                    incomplete.len(),
                    regions.len(),
                    report::terminal::sanitize(&incomplete.join(", "))
                );
                writeln!(out, "{}", report::terminal::wrap(&text, 100, "  "))?;
            }
            for rp in regions {
                let gaps = rp.gaps();
                if gaps.is_empty() {
                    writeln!(out, "{}", report::terminal::sanitize(&rp.region))?;
                } else {
                    writeln!(
                        out,
                        "{}  INCOMPLETE",
                        report::terminal::sanitize(&rp.region)
                    )?;
                    for g in gaps {
                        let line = report::terminal::sanitize(&format!("! {g}"));
                        write!(out, "  {}", report::terminal::wrap(&line, 98, "    "))?;
                    }
                }
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
                            "{} ({}): {}",
                            t.price.usage_type,
                            t.price.source_kind,
                            report::terminal::sanitize(&t.price.source)
                        );
                        write!(
                            out,
                            "      {}",
                            report::terminal::wrap(&line, 94, "        ")
                        )?;
                    }
                }
            }
            Ok(())
        }
    }
}

/// [`Outcome`] of a finished analysis.
fn outcome_of(report: &Report) -> Outcome {
    if report.inputs.failed_files.is_empty() {
        Outcome::Complete
    } else {
        Outcome::FilesSkipped
    }
}

fn run_analyze(args: AnalyzeArgs) -> anyhow::Result<Outcome> {
    if args.input.verbose {
        crate::stages::start();
    }
    let mut config = config_from(&args.input, args.quiet)?;
    config.prices = args.prices.clone();
    config.scenario = ScenarioConfig {
        nat_gateways: args.nat_gateways,
        azs: args.azs,
        min_azs: args.min_azs,
        nat_instance: args
            .nat_instance_type
            .clone()
            .map(|t| (t, args.nat_instance_hourly)),
        inspection: args.inspection,
        tier_fallback: args.beyond_last_tier,
        policy_services: None,
    };
    config.policy = args.policy;
    config.bill = args.bill.clone();
    config.calibrate = args.calibrate;
    let (report, detections) = analyze_with_detections(&config)?;
    print_detections(args.input.verbose, &detections);
    if args.quiet || args.format != OutputFormat::Table {
        // The table shows the warnings; other outputs keep stdout for data.
        let skipped = &report.inputs.failed_files;
        for f in skipped {
            eprintln!("warning: skipped {}: {}", f.path, f.reason);
        }
        for d in &report.inputs.duplicate_files {
            eprintln!(
                "warning: {} has the same content as {}: read once",
                d.path, d.same_as
            );
        }
    }
    crate::interrupt::check()?;
    let written = report::write_report_with(
        &report,
        &args.out,
        report::folder::FolderOptions { force: args.force },
        &report.known_ids,
    )?;
    crate::stages::mark("render");
    print_stages(args.input.verbose);
    if args.quiet {
        return Ok(outcome_of(&report));
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Table => {
            let color = report::terminal::use_color(
                std::io::IsTerminal::is_terminal(&std::io::stdout()),
                std::env::var_os("NO_COLOR").as_deref(),
            );
            out.write_all(report::terminal::render_styled(&report, color).as_bytes())?;
            writeln!(
                out,
                "\nreport: {}",
                written
                    .first()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )?;
            writeln!(
                out,
                "  beside it: report.md, report.json, costs.csv, traffic.csv, actions.sh, endpoints.tf,\n  endpoint-policy.json, charts/"
            )?;
        }
        OutputFormat::Json => out.write_all(&report::json::render(&report)?)?,
        OutputFormat::Csv => out.write_all(&report::csv::render_costs(&report)?)?,
    }
    out.flush()?;
    Ok(outcome_of(&report))
}
