//! Ingest: flow-log files and folders in; the run's [`aggregate::FlowTable`] (compact flow keys
//! by partition, see [`crate::schema`] for their columns) plus an account of every line read (records by status, malformed lines, skipped files) out.
//!
//! Files are scanned in parallel; each is aggregated as it is read (VPC x region x AZ x interface
//! x remote address x direction), so memory follows the number of distinct flows, not of records.

pub mod aggregate;
pub mod cloudwatch;
mod csv_logs;
pub mod dedupe;
pub mod detect;
pub mod flow;
pub mod format;
pub mod ocsf;
mod parquet;
pub mod scan;
pub mod series;
pub mod sketch;
pub mod table;
pub mod traffic_csv;
pub mod walk;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::Result;
use crate::source::Input;
use scan::{FileScan, Interner, ScanSettings, SeriesKey};

/// Every line read, by what became of it. `records` = the sum of the record categories.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Accounting {
    /// Log files read.
    pub files: u64,
    /// All lines read (headers, blanks and records).
    pub lines: u64,
    /// Header lines (field names).
    pub header_lines: u64,
    /// Empty lines.
    pub blank_lines: u64,
    /// Data lines: every one lands in exactly one of the categories below.
    pub records: u64,
    /// ACCEPTed (or action-less) OK records with a byte count: the traffic analysed.
    pub accepted: u64,
    /// REJECTed records: traffic that never left, not costed.
    pub rejected: u64,
    /// NODATA records: no traffic in the interval.
    pub nodata: u64,
    /// SKIPDATA records: AWS dropped records; totals are a lower bound.
    pub skipdata: u64,
    /// Records whose format has no `bytes` field: counted, not costed.
    pub accepted_without_bytes: u64,
    /// Lines that could not be parsed (wrong field count, non-numeric value, bad address...).
    pub malformed: u64,
    /// Bytes in accepted records.
    pub accepted_bytes: u64,
    /// Accepted records whose two addresses were both public (remote side chosen by
    /// flow-direction, else by port).
    pub both_public: u64,
    /// Accepted records logged on a private hop (both addresses private) whose pkt-* address is
    /// public, e.g. an instance's traffic arriving at a NAT gateway ENI: kept in the private
    /// bucket so the public leg is not counted twice.
    pub relayed: u64,
    /// CloudWatch Logs subscription CONTROL_MESSAGE documents (health checks) and delivery
    /// validation lines ([`format::VALIDATION_MESSAGE`]): skipped, no records.
    pub control_messages: u64,
}

impl Accounting {
    /// Adds another file's counts. Saturating: schema-2 traffic CSVs carry record counts (up
    /// to 2^53 a file), so enough such files could otherwise wrap the totals.
    pub fn add(&mut self, o: &Accounting) {
        let sum = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        sum(&mut self.files, o.files);
        sum(&mut self.lines, o.lines);
        sum(&mut self.header_lines, o.header_lines);
        sum(&mut self.blank_lines, o.blank_lines);
        sum(&mut self.records, o.records);
        sum(&mut self.accepted, o.accepted);
        sum(&mut self.rejected, o.rejected);
        sum(&mut self.nodata, o.nodata);
        sum(&mut self.skipdata, o.skipdata);
        sum(&mut self.accepted_without_bytes, o.accepted_without_bytes);
        sum(&mut self.malformed, o.malformed);
        sum(&mut self.accepted_bytes, o.accepted_bytes);
        sum(&mut self.both_public, o.both_public);
        sum(&mut self.relayed, o.relayed);
        sum(&mut self.control_messages, o.control_messages);
    }

    /// Sum of the record categories; equals `records` when every record is accounted for.
    pub fn categorised(&self) -> u64 {
        [
            self.rejected,
            self.nodata,
            self.skipdata,
            self.accepted_without_bytes,
            self.malformed,
        ]
        .into_iter()
        .fold(self.accepted, u64::saturating_add)
    }
}

/// A malformed line: where and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineIssue {
    pub path: PathBuf,
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for LineIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.reason)
    }
}

/// A file that could not be read to its end (unreadable, corrupt or truncated gzip, a format
/// that cannot be determined, not a flow log at all): skipped, nothing of it is in the totals.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FailedFile {
    pub path: String,
    /// Its size on disk.
    pub bytes: u64,
    /// Records read before the fault (left out with the rest of the file).
    pub records_before_fault: u64,
    /// Why it could not be read.
    pub reason: String,
}

/// What to read and how.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// Files or folders.
    pub inputs: Vec<PathBuf>,
    /// Region for records with neither a `region` field nor an S3-layout path.
    pub region: String,
    /// First malformed line, or a file that cannot be read, is an error (else the file is
    /// skipped and listed in [`Ingested::failed_files`]).
    pub strict: bool,
    /// Show progress on a terminal.
    pub progress: bool,
    /// Format of files without a header line (`--log-format`); default v2 when `None`.
    pub log_format: Option<format::RecordFormat>,
    /// LogFormat per flow-log id (`fl-...`, from the inventory's describe-flow-logs): a file
    /// whose S3 object name carries the id is read with its flow log's format when it has no
    /// header line (over [`IngestConfig::log_format`]).
    pub flow_log_formats: BTreeMap<String, format::RecordFormat>,
    /// The VPCs' own addresses beyond private space (from `--inventory`).
    pub local: Option<std::sync::Arc<crate::inventory::LocalAddrs>>,
    /// Keep record start hours apart (for the DNS join).
    pub hourly: bool,
    /// The ip-ranges table: when given, a time series of bytes per hour and destination class
    /// is kept beside the aggregate ([`Ingested::series`]).
    pub classes: Option<std::sync::Arc<crate::classify::IpRanges>>,
}

/// Malformed-line examples kept for the report.
pub const MAX_ISSUES: usize = 10;

/// The ingest result.
pub struct Ingested {
    /// Aggregated flows (as a frame: [`aggregate::FlowTable::to_frame`]).
    pub flows: aggregate::FlowTable,
    /// Distinct flows held in memory at the end of the scan, plus flows spilled to disk
    /// (counted once per spill, so an upper bound of the distinct flows when some spilled).
    pub flow_rows: usize,
    pub accounting: Accounting,
    /// First malformed lines, in file and line order.
    pub issues: Vec<LineIssue>,
    /// Files found but not read (not flow logs by name).
    pub skipped_files: Vec<PathBuf>,
    /// Files skipped because they could not be read to the end, in path order: every total is
    /// then a lower bound.
    pub failed_files: Vec<FailedFile>,
    /// Files not read because an earlier one has the same content.
    pub duplicate_files: Vec<dedupe::DuplicateFile>,
    /// Observed window (min start, max end), Unix seconds.
    pub window: Option<(u64, u64)>,
    /// Record formats seen, with record counts.
    pub formats: BTreeMap<String, u64>,
    /// Region used for records without one.
    pub default_region: String,
    /// How each file was recognised, in path order (for `--verbose`).
    pub detections: Vec<(PathBuf, String)>,
    /// Distinct hours in which some record starts.
    pub hours_covered: u64,
    /// Hours from the first record's start hour to the last one's, both counted (0: none): what
    /// `hours_covered` would be without gaps (the window's end may run into the hour after the
    /// last start: not a gap).
    pub start_hour_span: u64,
    /// Accepted bytes as logged per (VPC id, region), start hour (Unix seconds / 3600) and
    /// destination class (index in [`crate::traffic::DestClass::ALL`]); empty unless
    /// [`IngestConfig::classes`] was given.
    pub series: series::RawSeries,
    /// The private class's bytes of named interfaces, apart from `series` until the NAT
    /// gateways' interfaces are known ([`series::add_private`]).
    pub private_series: series::PrivateSeries,
    /// What reading `s3://` inputs took (objects, bytes, requests and their cost).
    pub s3: Option<crate::source::S3Summary>,
    /// Folders and files left out by the selection (`--since`, `--regions`...).
    pub pruned: u64,
}

/// Where inputs come from beyond local paths (the selection by delivery folder, how to reach
/// S3) and how much memory their aggregate may hold before it spills to disk.
#[derive(Debug, Clone, Default)]
pub struct SourceConfig {
    pub selection: crate::source::layout::Selection,
    pub s3: crate::source::s3::S3Options,
    pub session: crate::source::SessionCache,
    pub spill: aggregate::SpillConfig,
}

/// Objects read at once from S3 (each through its own scanner thread).
const S3_PARALLEL_OBJECTS: usize = 8;

#[derive(Default)]
struct Merged {
    interner: Interner,
    accounting: Accounting,
    window: Option<(u64, u64)>,
    formats: BTreeMap<String, u64>,
    issues: Vec<LineIssue>,
    detections: Vec<(PathBuf, String)>,
    hours: rustc_hash::FxHashSet<u32>,
    series: FxHashMap<SeriesKey, u64>,
    failed: Vec<FailedFile>,
}

/// One file's outcome.
enum FileOutcome {
    /// The file's scan (a large plain-text file's: one per byte range, in order).
    Read(PathBuf, Vec<FileScan>),
    Failed(FailedFile),
}

impl Merged {
    /// One file read: counted once, with how it was recognised (its first scan's), and its
    /// scans' contents (a large plain-text file has one per byte range).
    fn absorb_file(mut self, path: PathBuf, scans: Vec<FileScan>) -> Merged {
        let detected = scans
            .first()
            .map(|s| s.detected.clone())
            .unwrap_or_default();
        self.detections.push((path, detected));
        self.accounting.files += 1;
        scans.into_iter().fold(self, Merged::add_scan)
    }

    /// A scan's counts, series, window, formats, issues and hours (its flows went to the
    /// aggregate).
    fn add_scan(mut self, scan: FileScan) -> Merged {
        let map: Vec<u32> = scan
            .interner
            .names()
            .iter()
            .map(|n| self.interner.intern(n.as_bytes()))
            .collect();
        debug_assert!(scan.flows.is_empty(), "flows go to the shared aggregate");
        self.series.reserve(scan.series.len());
        for (k, v) in scan.series {
            let key = SeriesKey {
                vpc: map[k.vpc as usize],
                region: map[k.region as usize],
                interface: map[k.interface as usize],
                ..k
            };
            let slot = self.series.entry(key).or_default();
            *slot = slot.saturating_add(v);
        }
        self.accounting.add(&scan.accounting);
        self.window = merge_window(self.window, scan.window);
        for (f, n) in scan.formats {
            *self.formats.entry(f).or_default() += n;
        }
        self.issues.extend(scan.issues);
        let mut hours = scan.hours;
        if self.hours.len() < hours.len() {
            std::mem::swap(&mut self.hours, &mut hours);
        }
        self.hours.extend(hours);
        self
    }

    fn combine(self, other: Merged) -> Merged {
        // Fold the smaller part into the larger one.
        let (mut big, small) = if self.series.len() >= other.series.len() {
            (self, other)
        } else {
            (other, self)
        };
        let as_scan = FileScan {
            interner: small.interner,
            contexts: Default::default(),
            addrs: Default::default(),
            flows: Default::default(),
            accounting: small.accounting,
            window: small.window,
            formats: small.formats.into_iter().collect(),
            issues: small.issues,
            detected: String::new(),
            hours: small.hours,
            direct: Default::default(),
            series: small.series,
            staged: None,
            carry: Default::default(),
        };
        big = big.add_scan(as_scan);
        big.detections.extend(small.detections);
        big.failed.extend(small.failed);
        big
    }
}

fn merge_window(a: Option<(u64, u64)>, b: Option<(u64, u64)>) -> Option<(u64, u64)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Reads every input and returns the aggregated flows.
pub fn ingest(config: &IngestConfig) -> Result<Ingested> {
    ingest_with(config, &[])
}

/// [`ingest`], plus schema-2 traffic CSVs (engines' aggregates of raw records, see
/// [`traffic_csv::read_aggregate`]) merged into the same aggregate as the files.
pub fn ingest_with(config: &IngestConfig, aggregates: &[PathBuf]) -> Result<Ingested> {
    ingest_sources(config, aggregates, &SourceConfig::default())
}

/// [`ingest_with`] with `s3://` inputs and the selection (`--since`, `--regions`...) applied to
/// local folders and S3 prefixes alike.
pub fn ingest_sources(
    config: &IngestConfig,
    aggregates: &[PathBuf],
    sources: &SourceConfig,
) -> Result<Ingested> {
    let (s3_urls, local): (Vec<&PathBuf>, Vec<&PathBuf>) =
        config.inputs.iter().partition(|p| crate::source::is_s3(p));
    let local: Vec<PathBuf> = local.into_iter().cloned().collect();
    let found = walk::discover_selected(&local, &sources.selection)?;
    let s3_urls: Vec<&std::path::Path> = s3_urls.iter().map(|p| p.as_path()).collect();
    let resolved = crate::source::resolve_s3(
        &s3_urls,
        &sources.session,
        &sources.s3,
        &sources.selection,
        walk::is_log_name,
    )?;
    if found.files.is_empty() && resolved.inputs.is_empty() && !config.inputs.is_empty() {
        let names: Vec<String> = config
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let mut what = names.join(", ");
        if let Some(first) = found.skipped.first() {
            what.push_str(&format!(
                " ({} file(s) skipped for their names, e.g. {}: folders are searched for {} files and Data Firehose objects; name a file on the command line to read it whatever its name)",
                found.skipped.len(),
                first.display(),
                walk::LOG_ENDINGS.join(", ")
            ));
        }
        return Err(crate::Error::NoInput(what));
    }
    let (files, mut duplicate_files) = dedupe::split(&found.files);
    duplicate_files.extend(
        resolved
            .duplicates
            .iter()
            .map(|(o, same_as)| dedupe::DuplicateFile {
                path: o.url(),
                same_as: same_as.clone(),
                bytes: o.size,
            }),
    );
    let inputs: Vec<Input> = files
        .into_iter()
        .map(Input::Local)
        .chain(resolved.inputs.iter().cloned())
        .collect();
    let progress = Progress::new(config.progress && std::io::stderr().is_terminal(), &inputs);
    let opener = crate::source::Opener {
        s3: resolved.session.clone(),
    };
    // S3 objects wait on the network: read several at once, each on a thread of its own.
    let threads = if resolved.session.is_some() {
        rayon::current_num_threads().max(S3_PARALLEL_OBJECTS)
    } else {
        rayon::current_num_threads()
    };
    let pipeline = inputs.len() < threads;
    // The files' share of the memory limit is split between the files read at once.
    let mut spill = sources.spill.clone();
    spill.shared_by(rayon::current_num_threads(), threads);
    let sink = std::sync::Arc::new(aggregate::Aggregate::new(spill));
    let jobs: Vec<(Input, bool)> = inputs
        .into_iter()
        .map(|i| (i, false))
        .chain(aggregates.iter().map(|p| (Input::Local(p.clone()), true)))
        .collect();
    let read = || read_jobs(config, &jobs, &opener, &progress, pipeline, &sink);
    let merged = if resolved.session.is_some() {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| crate::Error::Invalid(format!("cannot start reader threads: {e}")))?
            .install(read)
    } else {
        read()
    }?;
    // What the reading threads of the shared pool kept from file to file is not needed after
    // the scan (an S3 run's own pool has ended with its threads).
    if resolved.session.is_none() {
        rayon::broadcast(|_| {
            scan::release_carried();
            detect::release_buffers();
        });
    }
    progress.finish();
    crate::stages::mark("scan");
    let mut failed_files = merged.failed;
    failed_files.sort();
    let mut issues = merged.issues;
    issues.sort();
    issues.truncate(MAX_ISSUES);
    let sink = std::sync::Arc::into_inner(sink).expect("scans are over");
    let held = sink.len();
    let flows = sink.into_table()?;
    let flow_rows = held + flows.spilled_flows as usize;
    crate::stages::note(match sources.spill.budget_flows {
        Some(budget) => format!(
            "aggregate: {held} distinct flows in memory after the scan, {} written to spill files (memory limit: up to {budget} flows held)",
            flows.spilled_flows
        ),
        None => format!("aggregate: {held} distinct flows in memory after the scan (no memory limit)"),
    });
    let (series, private_series) = series::raw_series(&merged.interner, merged.series);
    let mut detections = merged.detections;
    detections.sort();
    crate::stages::mark("merge");
    Ok(Ingested {
        flows,
        flow_rows,
        accounting: merged.accounting,
        issues,
        skipped_files: found.skipped,
        failed_files,
        duplicate_files,
        window: merged.window,
        formats: merged.formats,
        default_region: config.region.clone(),
        detections,
        hours_covered: merged.hours.len() as u64,
        start_hour_span: match (merged.hours.iter().min(), merged.hours.iter().max()) {
            (Some(&first), Some(&last)) => u64::from(last - first) + 1,
            _ => 0,
        },
        series,
        private_series,
        s3: resolved.summary(),
        pruned: found.pruned,
    })
}

/// Reads every job (an input, or an aggregate CSV when the flag is set) on the current rayon
/// pool and merges the results.
fn read_jobs(
    config: &IngestConfig,
    jobs: &[(Input, bool)],
    opener: &crate::source::Opener,
    progress: &Progress,
    pipeline: bool,
    sink: &aggregate::Aggregate,
) -> Result<Merged> {
    let spill = sink.spill_config();
    // One file a task: a thread that runs out of files takes the next one from another thread
    // (rayon's default hands each thread runs of files it reads in turn: on the 50M-record plain
    // preset one thread read alone for 1.3 s at the end of the scan).
    jobs.par_iter()
        .with_max_len(1)
        .map(|(input, aggregate)| {
            let aggregate = *aggregate;
            let path = &input.path();
            let region = scan::region_from_path(path).unwrap_or_else(|| config.region.clone());
            let flow_log = flow_log_id(path);
            let own_format = flow_log.and_then(|id| config.flow_log_formats.get(id));
            let settings = ScanSettings {
                region,
                strict: config.strict,
                log_format: own_format.or(config.log_format.as_ref()).cloned(),
                progress: progress.bar.clone(),
                pipeline,
                local: config.local.clone(),
                hourly: config.hourly,
                classes: config.classes.clone(),
                spill: spill.clone(),
            };
            if aggregate {
                // An engine's result the user named: a bad row is an error that names its line.
                let mut scan = traffic_csv::read_aggregate(path, &settings)?;
                sink.absorb(&mut scan)?;
                scan::recycle(&mut scan, spill.carried_addrs);
                progress.file_done(&scan.accounting);
                return Ok(FileOutcome::Read(path.clone(), vec![scan]));
            }
            // With fewer files than cores, a large plain-text file is read as byte ranges on
            // all of them (under --strict a file is read in order: its first bad line stops it).
            let split = match input {
                Input::Local(p) if pipeline && !config.strict => {
                    let parts = rayon::current_num_threads();
                    detect::scan_split(p, &settings, parts, detect::SPLIT_MIN_BYTES)
                }
                _ => None,
            };
            let scanned = split.unwrap_or_else(|| {
                detect::scan_input_partial(input, opener, &settings).map(|s| vec![s])
            });
            match scanned {
                Ok(mut scans) => {
                    // Only when every range of the file has been read.
                    for scan in &mut scans {
                        sink.absorb(scan)?;
                        scan::recycle(scan, spill.carried_addrs);
                    }
                    let mut accounting = Accounting::default();
                    for scan in &scans {
                        accounting.add(&scan.accounting);
                    }
                    progress.file_done(&accounting);
                    Ok(FileOutcome::Read(path.clone(), scans))
                }
                Err((e, _)) if matches!(e, crate::Error::Interrupted | crate::Error::S3 { .. }) => {
                    Err(e)
                }
                Err((e, _)) if config.strict => Err(match flow_log {
                    Some(id) if own_format.is_none() => with_flow_log_hint(e, id),
                    _ => e,
                }),
                Err((e, records)) => Ok(FileOutcome::Failed(FailedFile {
                    path: path.display().to_string(),
                    bytes: input.size(),
                    records_before_fault: records,
                    reason: match flow_log {
                        Some(id) if own_format.is_none() => {
                            format!("{} ({})", reason_without_path(&e, path), flow_log_hint(id))
                        }
                        _ => reason_without_path(&e, path),
                    },
                })),
            }
        })
        .try_fold(Merged::default, |mut acc, outcome: Result<FileOutcome>| {
            Ok::<Merged, crate::Error>(match outcome? {
                FileOutcome::Read(path, scans) => acc.absorb_file(path, scans),
                FileOutcome::Failed(f) => {
                    acc.failed.push(f);
                    acc
                }
            })
        })
        .try_reduce(Merged::default, |a, b| Ok(a.combine(b)))
}

/// The flow-log id an S3 object name carries
/// (`<account>_vpcflowlogs_<region>_fl-0123456789abcdef0_<time>_<hash>.log.gz`).
pub fn flow_log_id(path: &std::path::Path) -> Option<&str> {
    let name = path.file_name()?.to_str()?;
    name.split(['_', '.']).find(|part| {
        part.strip_prefix("fl-")
            .is_some_and(|hex| hex.len() >= 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

/// What a file of flow log `id` that could not be read needs: its flow log's format.
fn flow_log_hint(id: &str) -> String {
    format!("the object of flow log {id}: --inventory with its describe-flow-logs output gives its LogFormat, or name the format with --log-format")
}

/// `e` (a file of flow log `id` that could not be read) with [`flow_log_hint`] added.
fn with_flow_log_hint(e: crate::Error, id: &str) -> crate::Error {
    use crate::Error;
    let hint = flow_log_hint(id);
    match e {
        Error::Malformed { path, line, reason } => Error::Malformed {
            path,
            line,
            reason: format!("{reason} ({hint})"),
        },
        Error::Format { path, reason } => Error::Format {
            path,
            reason: format!("{reason} ({hint})"),
        },
        other => Error::Invalid(format!("{other} ({hint})")),
    }
}

/// An error's message without the leading `path: ` (the report lists the path beside it).
fn reason_without_path(e: &crate::Error, path: &std::path::Path) -> String {
    let text = e.to_string();
    let prefix = format!("{}: ", path.display());
    text.strip_prefix(&prefix).unwrap_or(&text).to_string()
}

/// Progress bar on stderr while files are read (only on a terminal): bytes read from disk,
/// throughput, files and records.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total_files: usize,
    files: AtomicU64,
    records: AtomicU64,
}

impl Progress {
    fn new(enabled: bool, files: &[Input]) -> Progress {
        let bar = enabled.then(|| {
            let total: u64 = files.iter().map(Input::size).sum();
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            total_files: files.len(),
            files: AtomicU64::new(0),
            records: AtomicU64::new(0),
        }
    }

    fn file_done(&self, acc: &Accounting) {
        let Some(bar) = &self.bar else { return };
        let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        let records = self.records.fetch_add(acc.records, Ordering::Relaxed) + acc.records;
        bar.set_message(format!(
            "{files}/{} files, {records} records",
            self.total_files
        ));
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
