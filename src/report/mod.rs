//! Report: everything the analysis found, as one serialisable [`Report`] (the `report.json`
//! model), and the renderers (`json`, `markdown`, `terminal`, `csv`, `actions`) that turn it
//! into bytes; `folder` writes them into a report folder.

pub mod actions;
pub mod csv;
pub mod folder;
pub mod json;
pub mod markdown;
pub mod terminal;
pub mod views;

// The page to read and its pictures: `html` (report.html), `charts` (charts/*.png, *.svg) and
// the endpoint `guide` that the HTML and Markdown reports both teach.
pub mod charts;
pub mod guide;
pub mod html;

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::classify::ClassifyStats;
use crate::error::{Error, Result};
use crate::ingest::Accounting;
use crate::recommend::{Policy, Recommendation};
use crate::scenario::{BreakEven, Scenario};
pub use crate::text::{fmt_gb, fmt_usd, iso_utc};
use crate::traffic::{TrafficRow, VpcTraffic};

/// Version of the `report.json` layout (`docs/report.schema.json`); changes with every change
/// to the layout (a field added, removed, renamed or retyped, an enum value added), together
/// with the schema's `schema_version` const and `$id`.
pub const SCHEMA_VERSION: u32 = 5;

/// The whole analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: String,
    pub policy: Policy,
    pub assumptions: Assumptions,
    pub inputs: Inputs,
    pub accounting: Accounting,
    /// First malformed lines as `file:line: reason`.
    pub malformed_examples: Vec<String>,
    /// The observed rows the VPC figures are summed from (per VPC, AZ, direction and
    /// destination), for `traffic.csv`; not part of report.json, which carries the sums.
    #[serde(skip)]
    pub traffic_rows: Vec<TrafficRow>,
    /// Real ids from the inventory for actions.sh / endpoints.tf (route tables, one subnet per
    /// AZ, endpoint security groups); empty without `--inventory`. Not part of report.json.
    #[serde(skip)]
    pub known_ids: actions::KnownIds,
    pub classification: ClassifyStats,
    pub ip_ranges: IpRangesInfo,
    pub prices: PricesUsed,
    pub warnings: Vec<String>,
    /// Attribution, NAT de-duplication and DNS naming: what was moved, removed or named.
    pub vantage: crate::vantage::Vantage,
    /// Inventory files read (`--inventory`).
    pub inventory: Vec<crate::inventory::InventoryFile>,
    pub vpcs: Vec<VpcReport>,
    pub summary: Summary,
    /// Billed against modelled, per VPC (`--bill`); null without a bill.
    pub bill: Option<crate::bill::BillCheck>,
}

/// Conventions and choices the numbers rest on.
#[derive(Debug, Clone, Serialize)]
pub struct Assumptions {
    pub hours_per_month: u32,
    pub bytes_per_gb: u64,
    pub window_start: String,
    pub window_end: String,
    pub window_seconds: u64,
    /// Hours of the window in which some flow-log record starts (gaps show as fewer hours).
    pub hours_with_records: u64,
    /// Observed bytes x this = bytes per 730-hour month.
    #[serde(with = "rust_decimal::serde::str")]
    pub month_factor: Decimal,
    /// Region for records with neither a region field nor an S3-layout path.
    pub default_region: String,
    /// True when SKIPDATA records were seen: totals are a lower bound.
    pub totals_are_lower_bound: bool,
    /// Plain-language statements, in report order.
    pub notes: Vec<String>,
}

/// What was read.
#[derive(Debug, Clone, Serialize)]
pub struct Inputs {
    pub paths: Vec<String>,
    pub skipped_files: Vec<String>,
    /// Files that could not be read to the end (corrupt, truncated, unrecognisable): skipped,
    /// so every total is a lower bound.
    pub failed_files: Vec<crate::ingest::FailedFile>,
    /// Files not read because an earlier one has the same content.
    pub duplicate_files: Vec<crate::ingest::dedupe::DuplicateFile>,
    /// Record formats (field lists) seen, with record counts.
    pub formats: BTreeMap<String, u64>,
    /// Traffic CSVs read (`--traffic`).
    pub traffic_csvs: Vec<String>,
    /// Rows read from them.
    pub traffic_csv_rows: u64,
    /// The delivery folders selected (`--since`, `--until`, `--regions`, `--accounts`), if any.
    pub selection: Option<String>,
    /// What reading `s3://` inputs took, if any.
    pub s3: Option<crate::source::S3Summary>,
}

/// The ip-ranges snapshot used.
#[derive(Debug, Clone, Serialize)]
pub struct IpRangesInfo {
    pub sync_token: String,
    pub create_date: String,
    pub source: String,
    pub prefixes_v4: usize,
    pub prefixes_v6: usize,
}

/// Prices used, per region that appears in the report.
#[derive(Debug, Clone, Serialize)]
pub struct PricesUsed {
    pub origin: String,
    pub regions: Vec<crate::pricing::RegionPrices>,
}

/// One VPC's analysis.
#[derive(Debug, Clone, Serialize)]
pub struct VpcReport {
    pub traffic: VpcTraffic,
    /// AZs used for endpoint ENIs and the default NAT gateway count.
    pub azs: u32,
    /// NAT gateways in today's setup (as modelled).
    pub nat_gateways: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub nat_routed_gb: Decimal,
    /// What the inventory says about the VPC today (empty without `--inventory`).
    pub today: crate::scenario::VpcContext,
    pub scenarios: Vec<Scenario>,
    pub break_evens: Vec<BreakEven>,
    /// The recommendation if the traffic were 0.5, 2, 5 or 10 times what was observed.
    pub growth: Vec<crate::scenario::GrowthPoint>,
    pub recommendation: Recommendation,
    /// Observed bytes per hour by destination class, reconciled with `traffic` (see
    /// [`crate::timeseries`]); empty when the records have no start time.
    pub hourly: Vec<crate::timeseries::HourBytes>,
}

/// Totals over all VPCs.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub vpcs: usize,
    #[serde(with = "rust_decimal::serde::str")]
    pub baseline_usd: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub recommended_usd: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub monthly_saving_usd: Decimal,
    /// Sum of the ladder's step b (cheapest setups, NAT instances aside): what to do now.
    #[serde(with = "rust_decimal::serde::str")]
    pub do_now_usd: Decimal,
    /// baseline - do_now.
    #[serde(with = "rust_decimal::serde::str")]
    pub do_now_saving_usd: Decimal,
    /// recommended - do_now: the monthly price of the security policy.
    #[serde(with = "rust_decimal::serde::str")]
    pub policy_premium_usd: Decimal,
}

/// The summary's opening lines (unescaped: each renderer escapes them): first what to do now
/// for money (ladder steps a and b), then the security policy's price as its own decision, then
/// AWS traffic no policy can judge because its service is unnamed.
pub fn headline(r: &Report) -> Vec<String> {
    let s = &r.summary;
    let mut out = vec![if s.do_now_saving_usd > Decimal::ZERO {
        format!(
            "Do now: save {}/month ({} a year): {}/month today -> {}/month with free gateway endpoints and the interface endpoints that pay for themselves.",
            fmt_usd(s.do_now_saving_usd),
            fmt_usd(s.do_now_saving_usd * Decimal::from(12)),
            fmt_usd(s.baseline_usd),
            fmt_usd(s.do_now_usd)
        )
    } else {
        format!(
            "Do now: nothing saves money: today's setup ({}/month, as modelled) is already the cheapest.",
            fmt_usd(s.baseline_usd)
        )
    }];
    let step = if r.policy.kind == crate::policy::PolicyKind::Strict {
        "d"
    } else {
        "c"
    };
    let mut added: Vec<&str> = r
        .vpcs
        .iter()
        .flat_map(|v| v.recommendation.ladder.iter())
        .filter(|l| l.step == step)
        .flat_map(|l| l.endpoints_added.iter().map(String::as_str))
        .collect();
    added.sort();
    added.dedup();
    match r.policy.kind {
        crate::policy::PolicyKind::Cheapest => out.push(
            "Policy `cheapest`: no security policy; every endpoint is chosen on cost.".to_string(),
        ),
        _ if s.policy_premium_usd > Decimal::ZERO => out.push(format!(
            "Security decision, policy `{}`: {}/month more ({}/month in all) keeps {} on the AWS network through endpoints. Separate from the saving above: see each VPC's options.",
            r.policy.name(),
            fmt_usd(s.policy_premium_usd),
            fmt_usd(s.recommended_usd),
            if added.is_empty() {
                "the services it lists".to_string()
            } else {
                added.join(", ")
            }
        )),
        _ => out.push(format!(
            "Policy `{}` costs nothing extra: the setups above already meet it.",
            r.policy.name()
        )),
    }
    let unknown: Decimal = r
        .vpcs
        .iter()
        .filter_map(|v| v.recommendation.unknown_aws.as_ref())
        .map(|u| u.monthly_gb)
        .sum();
    if unknown > Decimal::ZERO {
        out.push(format!(
            "{} GB/month goes to AWS APIs the logs cannot name (AMAZON ranges): no policy can judge it until DNS logs (--dns-logs) name the services.",
            fmt_gb(unknown)
        ));
    }
    out
}

/// The ladder of one VPC as table rows (unescaped): step, setup, cost, saving, added, buys.
pub fn ladder_rows(v: &VpcReport) -> Vec<[String; 6]> {
    v.recommendation
        .ladder
        .iter()
        .map(|l| {
            [
                format!("({}) {}", l.step, l.title),
                l.scenario.name().to_string(),
                fmt_usd(l.monthly_usd),
                fmt_usd(l.saving_usd),
                fmt_usd(l.added_usd),
                l.buys.clone(),
            ]
        })
        .collect()
}

/// What to do for one VPC, in one plain sentence (unescaped: each renderer escapes it).
pub fn action(v: &VpcReport) -> String {
    let rec = &v.recommendation;
    let Some(s) = v.scenarios.iter().find(|s| s.kind == rec.recommended) else {
        return format!("use `{}`", rec.recommended.name());
    };
    let names = |ty: &str| -> Vec<String> {
        s.endpoints
            .iter()
            .filter(|e| e.endpoint_type == ty)
            .map(|e| e.service.clone())
            .collect()
    };
    let (gateway, interface) = (names("Gateway"), names("Interface"));
    let mut parts = Vec::new();
    if !gateway.is_empty() {
        parts.push(format!("add gateway endpoints for {}", gateway.join(", ")));
    }
    if !interface.is_empty() {
        let azs = s
            .endpoints
            .iter()
            .find(|e| e.endpoint_type == "Interface")
            .map_or(v.azs, |e| e.azs);
        parts.push(format!(
            "add interface endpoints for {} in {azs} AZ(s)",
            interface.join(", ")
        ));
    }
    if s.nat_gateways == 0 {
        parts.push("remove the NAT gateways".to_string());
    } else if parts.is_empty() {
        parts.push(format!(
            "keep {} NAT gateway(s) as they are",
            s.nat_gateways
        ));
    } else {
        parts.push(format!(
            "keep {} NAT gateway(s) for the rest",
            s.nat_gateways
        ));
    }
    let mut sentence = parts.join("; ");
    if let Some(first) = sentence.get(..1) {
        sentence = first.to_uppercase() + &sentence[1..];
    }
    sentence
}

/// The "Assumptions and caveats" list both human reports show: the caveats, the units, the
/// assumption notes and the ip-ranges snapshot, as sentences (input values in backtick code
/// spans, escaped by each renderer).
pub fn assumption_items(r: &Report) -> Vec<String> {
    let a = &r.assumptions;
    let mut items = caveats(r);
    items.push(format!(
        "A month is {} hours; 1 GB = {} bytes (2^30; the price list's tier boundaries are binary, AWS does not state the unit for NAT data processing).",
        a.hours_per_month, a.bytes_per_gb
    ));
    items.extend(a.notes.iter().cloned());
    items.push(format!(
        "ip-ranges.json: syncToken {}, createDate {}, {} IPv4 and {} IPv6 prefixes, from {}.",
        r.ip_ranges.sync_token,
        r.ip_ranges.create_date,
        r.ip_ranges.prefixes_v4,
        r.ip_ranges.prefixes_v6,
        r.ip_ranges.source
    ));
    items
}

/// The caveats a reader must weigh before trusting the numbers (window, SKIPDATA, unattributed
/// and skipped records, price sources): the tool's sentences, with input values in backtick
/// code spans (escaped by each renderer).
pub fn caveats(r: &Report) -> Vec<String> {
    let a = &r.assumptions;
    let acc = &r.accounting;
    let mut out = vec![format!(
        "Observed window: `{}` to `{}` ({} hours, {} of them with flow-log records); observed bytes are scaled to a month by x{}.",
        a.window_start,
        a.window_end,
        fmt_gb(Decimal::from(a.window_seconds) / Decimal::from(3600)),
        a.hours_with_records,
        a.month_factor.round_dp(4).normalize()
    )];
    out.push(if a.totals_are_lower_bound {
        format!(
            "{} SKIPDATA record(s): AWS dropped flow records during capture, so every total (and every saving) is a lower bound.",
            acc.skipdata
        )
    } else {
        "No SKIPDATA records: no flow records were reported dropped during capture.".to_string()
    });
    if r.vpcs.iter().any(|v| v.traffic.vpc_id == "unattributed") {
        out.push("Records without a vpc-id are grouped as VPC `unattributed`: their cost cannot be split between VPCs.".to_string());
    }
    out.push(format!(
        "Not costed: {} rejected, {} NODATA, {} accepted without a bytes field, {} malformed line(s); {} file(s) skipped by name.",
        acc.rejected,
        acc.nodata,
        acc.accepted_without_bytes,
        acc.malformed,
        r.inputs.skipped_files.len()
    ));
    let mut as_of = std::collections::BTreeSet::new();
    for rp in &r.prices.regions {
        for tiers in rp.items.values() {
            for t in tiers {
                as_of.insert(t.price.as_of.replace('`', "'"));
            }
        }
    }
    out.push(format!(
        "Prices from `{}`, as of {}; every price's source is listed under Prices used.",
        r.prices.origin.replace('`', "'"),
        if as_of.is_empty() {
            "-".to_string()
        } else {
            as_of
                .iter()
                .map(|d| format!("`{d}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    ));
    out
}

/// The record counts shown under "Records read", in order.
pub fn accounting_rows(a: &Accounting) -> [(&'static str, u64); 11] {
    [
        ("files read", a.files),
        ("lines", a.lines),
        ("header lines", a.header_lines),
        ("blank lines", a.blank_lines),
        ("records", a.records),
        ("accepted (analysed)", a.accepted),
        ("rejected (not costed)", a.rejected),
        ("NODATA", a.nodata),
        ("SKIPDATA", a.skipdata),
        (
            "accepted, no bytes field (not costed)",
            a.accepted_without_bytes,
        ),
        ("malformed (skipped)", a.malformed),
    ]
}

/// Writes `bytes` to `dir/name` through a temporary file and a rename, so a reader never sees a
/// half-written file. `name` is one of the tool's fixed file names, never taken from input.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    debug_assert!(!name.contains('/') && !name.contains(".."));
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let werr = |source| Error::Write {
        path: path.clone(),
        source,
    };
    std::fs::write(&tmp, bytes).map_err(werr)?;
    std::fs::rename(&tmp, &path).map_err(werr)?;
    Ok(())
}

/// Writes the report folder `dir` with the default [`folder::FolderOptions`] and no known ids.
pub fn write_report(report: &Report, dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    write_report_with(
        report,
        dir,
        folder::FolderOptions::default(),
        &actions::KnownIds::new(),
    )
}

/// Writes every report file into `dir`, replacing the folder as a whole (see
/// [`folder::replace_folder`]); returns the main files' paths.
pub fn write_report_with(
    report: &Report,
    dir: &Path,
    options: folder::FolderOptions,
    known_ids: &actions::KnownIds,
) -> Result<Vec<std::path::PathBuf>> {
    folder::replace_folder(dir, options, |dir| {
        write_file(dir, "report.json", &json::render(report)?)?;
        write_file(dir, "report.md", &markdown::render(report))?;
        write_file(dir, "costs.csv", &csv::render_costs(report)?)?;
        write_file(dir, "traffic.csv", &csv::render_traffic(report)?)?;
        write_file(
            dir,
            "actions.sh",
            actions::render_script(report, known_ids).as_bytes(),
        )?;
        write_file(
            dir,
            "endpoints.tf",
            actions::render_terraform(report, known_ids).as_bytes(),
        )?;
        write_file(
            dir,
            "endpoint-policy.json",
            actions::render_policy().as_bytes(),
        )?;
        html::write_with_charts(report, dir)?;
        Ok(())
    })?;
    Ok(vec![
        dir.join("report.html"),
        dir.join("report.md"),
        dir.join("report.json"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_and_dates() {
        assert_eq!(fmt_usd(dec!(1234.565)), "$1,234.57");
        assert_eq!(fmt_usd(dec!(0)), "$0.00");
        assert_eq!(fmt_usd(dec!(-32.85)), "-$32.85");
        assert_eq!(fmt_usd(dec!(1000000)), "$1,000,000.00");
        assert_eq!(fmt_gb(dec!(416.6666)), "416.67");
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(1_616_729_292), "2021-03-26T03:28:12Z");
        assert_eq!(iso_utc(1_793_491_200), "2026-11-01T00:00:00Z");
    }
}
