//! The user's bill (`--bill`: FOCUS 1.0+ or AWS CUR 2.0 exports, CSV or Parquet) and today's
//! modelled cost in; per VPC, billed against modelled NAT gateway, VPC endpoint and inter-AZ
//! charges for the same month, the gap and what explains it, and the `--calibrate` factors out.
//!
//! Rows are classified by `data/bill-usage.csv` ([`rules`]), summed per resource (`nat-...`,
//! `vpce-...`, the id after an ARN's last `/`) and joined to VPCs through the inventory. Every
//! row is counted: used (one of the categories), or ignored (other charges, by service).

pub mod read;
pub mod rules;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::inventory::Inventory;
use crate::scenario::{Component, Scenario};
use crate::text::{fmt_gb, fmt_usd, iso_utc};
use crate::units;
pub use rules::Category;

/// What one bill file held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillFile {
    pub path: String,
    /// `FOCUS` or `AWS CUR 2.0`.
    pub kind: String,
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_ignored: u64,
}

/// One resource's charges of one category, summed over the bill's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceUsage {
    /// `nat-...`, `vpce-...`, or whatever id the row carries (empty when none).
    pub resource_id: String,
    pub category: Category,
    pub region: String,
    pub account: String,
    /// Hours or GB (the row's pricing unit).
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub usd: Decimal,
    pub rows: u64,
}

/// The bill files read and summed.
#[derive(Debug, Clone, Default)]
pub struct Bill {
    pub files: Vec<BillFile>,
    /// Rows of other charges, by service name (`-` when the row has none).
    pub ignored_by_service: BTreeMap<String, u64>,
    /// Per resource and category, sorted.
    pub usage: Vec<ResourceUsage>,
    /// Earliest charge-period start and latest end of all rows.
    pub window: Option<(u64, u64)>,
    /// Paths given more than once (the same file): read once.
    pub repeated: Vec<String>,
}

fn number(text: &str) -> Option<Decimal> {
    if text.is_empty() {
        return Some(Decimal::ZERO);
    }
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .ok()
}

impl Bill {
    /// Reads every file; a file that is not a FOCUS or CUR 2.0 export, or a used row whose
    /// quantity or cost is not a number, is an error naming the file (and line).
    pub fn load(paths: &[PathBuf]) -> Result<Bill> {
        type Key = (String, Category, String, String);
        let mut sums: BTreeMap<Key, (Decimal, Decimal, u64)> = BTreeMap::new();
        let mut bill = Bill::default();
        let mut seen = BTreeSet::new();
        for path in paths {
            if !seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())) {
                bill.repeated.push(path.display().to_string());
                continue;
            }
            let mut file = BillFile {
                path: path.display().to_string(),
                kind: String::new(),
                rows_read: 0,
                rows_used: 0,
                rows_ignored: 0,
            };
            let kind = read::read(path, |f, line| {
                file.rows_read += 1;
                let start = read::parse_time(f[read::START]);
                let end = read::parse_time(f[read::END]);
                if let (Some(s), Some(e)) = (start, end) {
                    bill.window = Some(match bill.window {
                        Some((a, b)) => (a.min(s), b.max(e)),
                        None => (s, e.max(s)),
                    });
                }
                let resource = rules::resource_id(f[read::RESOURCE]);
                let category = rules::classify(
                    f[read::USAGE_TYPE],
                    f[read::DESCRIPTION],
                    f[read::UNIT],
                    resource,
                );
                if category == Category::Other {
                    file.rows_ignored += 1;
                    let service = if f[read::SERVICE].is_empty() {
                        "-"
                    } else {
                        f[read::SERVICE]
                    };
                    *bill
                        .ignored_by_service
                        .entry(service.to_string())
                        .or_default() += 1;
                    return Ok(());
                }
                let parse = |i: usize, what: &str| {
                    number(f[i]).ok_or_else(|| Error::Malformed {
                        path: path.clone(),
                        line,
                        reason: format!("{what} `{}` is not a number", f[i]),
                    })
                };
                let quantity = parse(read::QUANTITY, "quantity")?;
                let usd = parse(read::COST, "cost")?;
                file.rows_used += 1;
                let e = sums
                    .entry((
                        resource.to_string(),
                        category,
                        f[read::REGION].to_string(),
                        f[read::ACCOUNT].to_string(),
                    ))
                    .or_default();
                e.0 += quantity;
                e.1 += usd;
                e.2 += 1;
                Ok(())
            })?;
            file.kind = kind.name().to_string();
            bill.files.push(file);
        }
        bill.usage = sums
            .into_iter()
            .map(
                |((resource_id, category, region, account), (quantity, usd, rows))| ResourceUsage {
                    resource_id,
                    category,
                    region,
                    account,
                    quantity,
                    usd,
                    rows,
                },
            )
            .collect();
        Ok(bill)
    }

    pub fn rows_read(&self) -> u64 {
        self.files.iter().map(|f| f.rows_read).sum()
    }
}

/// NAT gateway, VPC endpoint and inter-AZ quantities and dollars.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    #[serde(with = "rust_decimal::serde::str")]
    pub nat_hours: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub nat_gb: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub nat_usd: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub endpoint_hours: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub endpoint_gb: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub endpoint_usd: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub inter_az_gb: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub inter_az_usd: Decimal,
}

impl Figures {
    pub fn total_usd(&self) -> Decimal {
        self.nat_usd + self.endpoint_usd + self.inter_az_usd
    }

    fn add(&mut self, category: Category, quantity: Decimal, usd: Decimal) {
        match category {
            Category::NatHours => {
                self.nat_hours += quantity;
                self.nat_usd += usd;
            }
            Category::NatGb => {
                self.nat_gb += quantity;
                self.nat_usd += usd;
            }
            Category::EndpointHours => {
                self.endpoint_hours += quantity;
                self.endpoint_usd += usd;
            }
            Category::EndpointGb => {
                self.endpoint_gb += quantity;
                self.endpoint_usd += usd;
            }
            Category::InterAz => {
                self.inter_az_gb += quantity;
                self.inter_az_usd += usd;
            }
            Category::NatDataTransfer | Category::Other => {}
        }
    }

    fn scaled(&self, f: Decimal) -> Figures {
        Figures {
            nat_hours: self.nat_hours * f,
            nat_gb: self.nat_gb * f,
            nat_usd: self.nat_usd * f,
            endpoint_hours: self.endpoint_hours * f,
            endpoint_gb: self.endpoint_gb * f,
            endpoint_usd: self.endpoint_usd * f,
            inter_az_gb: self.inter_az_gb * f,
            inter_az_usd: self.inter_az_usd * f,
        }
    }

    /// Today's modelled month: the baseline scenario's NAT gateway, endpoint and inter-AZ lines.
    pub fn of_scenario(s: &Scenario) -> Figures {
        let mut out = Figures::default();
        for l in &s.lines {
            let category = match l.component {
                Component::NatGatewayHours => Category::NatHours,
                Component::NatGatewayData => Category::NatGb,
                Component::InterfaceEndpointHours | Component::GwlbEndpointHours => {
                    Category::EndpointHours
                }
                Component::InterfaceEndpointData | Component::GwlbEndpointData => {
                    Category::EndpointGb
                }
                Component::InterAz => Category::InterAz,
                _ => continue,
            };
            out.add(category, l.quantity, l.monthly_usd);
        }
        out
    }
}

/// Today's modelled month of one VPC, as the comparison takes it.
#[derive(Debug, Clone)]
pub struct Modelled {
    pub vpc_id: String,
    pub region: String,
    pub today: Figures,
}

/// What the flow logs say beyond the traffic, for explaining a gap.
#[derive(Debug, Clone, Default)]
pub struct LogFacts {
    /// The observed window (Unix seconds).
    pub window: (u64, u64),
    /// Network interfaces with records in the logs.
    pub interfaces_logged: BTreeSet<String>,
    pub skipdata: u64,
    pub nodata: u64,
}

/// One VPC's bill against the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VpcBill {
    pub vpc_id: String,
    pub region: String,
    /// Billed resources joined to this VPC.
    pub resources: Vec<String>,
    /// As billed over the bill's period.
    pub billed: Figures,
    #[serde(with = "rust_decimal::serde::str")]
    pub billed_usd: Decimal,
    /// Billed, scaled to a 730-hour month (x `BillCheck::month_factor`).
    pub billed_monthly: Figures,
    #[serde(with = "rust_decimal::serde::str")]
    pub billed_monthly_usd: Decimal,
    /// Today's setup as modelled from the flow logs, per month, before any calibration.
    pub modelled: Figures,
    #[serde(with = "rust_decimal::serde::str")]
    pub modelled_usd: Decimal,
    /// modelled - billed_monthly ($, per month).
    #[serde(with = "rust_decimal::serde::str")]
    pub gap_usd: Decimal,
    /// modelled - billed_monthly (NAT GB per month).
    #[serde(with = "rust_decimal::serde::str")]
    pub gap_nat_gb: Decimal,
    /// Transfer billed on this VPC's NAT gateways that is not NAT processing (internet out or
    /// in, inter-region), over the bill's period: not part of the comparison.
    #[serde(with = "rust_decimal::serde::str")]
    pub nat_data_transfer_gb: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub nat_data_transfer_usd: Decimal,
    /// What may explain the gap, in plain language.
    pub explanations: Vec<String>,
    /// `--calibrate`: the factor the VPC's traffic was scaled by, and how it was found.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub calibration_factor: Option<Decimal>,
    /// `vpc` (its own billed NAT GB), `overall` (the bill's NAT GB no VPC claims, over the
    /// other VPCs' modelled NAT GB) or empty.
    pub calibration_basis: String,
}

/// The bill check of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillCheck {
    pub files: Vec<BillFile>,
    pub rows_read: u64,
    pub rows_used: u64,
    /// Rows of other charges (other services, other usage), by service name.
    pub rows_ignored: u64,
    pub ignored_by_service: BTreeMap<String, u64>,
    /// Earliest charge-period start and latest end over the bill's rows.
    pub window_start: String,
    pub window_end: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub window_hours: Decimal,
    /// 730 / window_hours: billed figures x this = a 730-hour month, as the model scales logs.
    #[serde(with = "rust_decimal::serde::str")]
    pub month_factor: Decimal,
    pub vpcs: Vec<VpcBill>,
    /// Billed resources the inventory does not place in a VPC (none without `--inventory`),
    /// with their charges over the bill's period.
    pub unattributed: Vec<ResourceUsage>,
    /// Whether `--calibrate` scaled the traffic.
    pub calibrated: bool,
    /// Plain-language statements about the comparison as a whole.
    pub notes: Vec<String>,
}

/// Up to five items, then `and N more`.
fn some(items: &[String]) -> String {
    let mut s = items.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 5 {
        s.push_str(&format!(" and {} more", items.len() - 5));
    }
    s
}

/// Compares the bill with each VPC's modelled month.
pub fn compare(
    bill: &Bill,
    inventory: Option<&Inventory>,
    modelled: &[Modelled],
    logs: &LogFacts,
) -> BillCheck {
    let (bstart, bend) = bill.window.unwrap_or(logs.window);
    let seconds = bend.saturating_sub(bstart).max(1);
    let window_hours = Decimal::from(seconds) / Decimal::from(3600);
    let month_factor = units::hours_per_month() / window_hours;
    let vpc_of = |id: &str| -> Option<(String, String)> {
        let inv = inventory?;
        if let Some(n) = inv.nat_gateways.get(id) {
            return Some((
                n.vpc_id.clone(),
                inv.vpc_region(&n.vpc_id).unwrap_or_default(),
            ));
        }
        let e = inv.endpoints.get(id)?;
        Some((
            e.vpc_id.clone(),
            inv.vpc_region(&e.vpc_id).unwrap_or_default(),
        ))
    };
    let mut per_vpc: BTreeMap<String, VpcBill> = BTreeMap::new();
    let blank = |vpc_id: &str, region: &str| VpcBill {
        vpc_id: vpc_id.to_string(),
        region: region.to_string(),
        resources: Vec::new(),
        billed: Figures::default(),
        billed_usd: Decimal::ZERO,
        billed_monthly: Figures::default(),
        billed_monthly_usd: Decimal::ZERO,
        modelled: Figures::default(),
        modelled_usd: Decimal::ZERO,
        gap_usd: Decimal::ZERO,
        gap_nat_gb: Decimal::ZERO,
        nat_data_transfer_gb: Decimal::ZERO,
        nat_data_transfer_usd: Decimal::ZERO,
        explanations: Vec::new(),
        calibration_factor: None,
        calibration_basis: String::new(),
    };
    for m in modelled {
        let mut v = blank(&m.vpc_id, &m.region);
        v.modelled = m.today.clone();
        per_vpc.insert(m.vpc_id.clone(), v);
    }
    let mut unattributed = Vec::new();
    for u in &bill.usage {
        let Some((vpc_id, region)) = vpc_of(&u.resource_id) else {
            unattributed.push(u.clone());
            continue;
        };
        let v = per_vpc.entry(vpc_id.clone()).or_insert_with(|| {
            let r = if region.is_empty() {
                &u.region
            } else {
                &region
            };
            blank(&vpc_id, r)
        });
        if !v.resources.contains(&u.resource_id) {
            v.resources.push(u.resource_id.clone());
        }
        if u.category == Category::NatDataTransfer {
            v.nat_data_transfer_gb += u.quantity;
            v.nat_data_transfer_usd += u.usd;
        } else {
            v.billed.add(u.category, u.quantity, u.usd);
        }
    }
    let logged_vpcs: BTreeSet<&str> = modelled.iter().map(|m| m.vpc_id.as_str()).collect();
    let overlap = bstart < logs.window.1 && logs.window.0 < bend;
    let mut vpcs = Vec::with_capacity(per_vpc.len());
    for (_, mut v) in per_vpc {
        v.resources.sort();
        v.billed_usd = v.billed.total_usd();
        v.billed_monthly = v.billed.scaled(month_factor);
        v.billed_monthly_usd = v.billed_monthly.total_usd();
        v.modelled_usd = v.modelled.total_usd();
        v.gap_usd = v.modelled_usd - v.billed_monthly_usd;
        v.gap_nat_gb = v.modelled.nat_gb - v.billed_monthly.nat_gb;
        v.explanations = explain(&v, inventory, logs, logged_vpcs.contains(v.vpc_id.as_str()));
        vpcs.push(v);
    }
    let mut notes = vec![format!(
        "The bill covers {} to {} ({} hours); its figures are scaled x{} to a 730-hour month, as the model scales the logs' window ({} to {}, x{}).",
        iso_utc(bstart),
        iso_utc(bend),
        window_hours.round_dp(2).normalize(),
        month_factor.round_dp(4).normalize(),
        iso_utc(logs.window.0),
        iso_utc(logs.window.1),
        (Decimal::from(units::SECONDS_PER_MONTH)
            / Decimal::from(logs.window.1.saturating_sub(logs.window.0).max(1)))
        .round_dp(4)
        .normalize()
    )];
    if bill.window.is_none() {
        notes.push("No bill row carries a readable charge period (ChargePeriodStart/End, line_item_usage_start/end_date): the bill is taken to cover the logs' window.".to_string());
    }
    for p in &bill.repeated {
        notes.push(format!("{p} was given more than once: read once."));
    }
    if !overlap {
        notes.push("The bill's period and the logs' window do not overlap: the traffic may have changed between them.".to_string());
    }
    if inventory.is_none() {
        notes.push("Without --inventory no billed resource can be placed in a VPC: every one is listed as unattributed.".to_string());
    }
    if !unattributed.is_empty() {
        let usd: Decimal = unattributed.iter().map(|u| u.usd).sum();
        notes.push(format!(
            "{} billed resource charge(s) ({} over the bill's period) are on resources the inventory does not place in a VPC (other accounts or regions, deleted gateways, instances' inter-AZ transfer): listed as unattributed.",
            unattributed.len(),
            fmt_usd(usd)
        ));
    }
    let rows_read = bill.rows_read();
    let rows_used = bill.files.iter().map(|f| f.rows_used).sum();
    BillCheck {
        files: bill.files.clone(),
        rows_read,
        rows_used,
        rows_ignored: bill.files.iter().map(|f| f.rows_ignored).sum(),
        ignored_by_service: bill.ignored_by_service.clone(),
        window_start: iso_utc(bstart),
        window_end: iso_utc(bend),
        window_hours,
        month_factor,
        vpcs,
        unattributed,
        calibrated: false,
        notes,
    }
}

/// The reasons a VPC's model may differ from its bill.
fn explain(
    v: &VpcBill,
    inventory: Option<&Inventory>,
    logs: &LogFacts,
    logged: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let vpc = v.vpc_id.replace('`', "'");
    if !logged {
        out.push(format!(
            "No flow-log records for {vpc}: it is billed but not modelled (log it, or add its flow logs to the input)."
        ));
    }
    if v.resources.is_empty() {
        out.push("The bill has no NAT gateway or VPC endpoint row on a resource the inventory places in this VPC (another account's bill, another period, or no --inventory).".to_string());
    }
    out.push("Window scaling: the bill's period and the logs' window are each scaled to 730 hours; a short or unusual log window (a quiet weekend, a batch day) moves the model, not the bill.".to_string());
    if logs.skipdata > 0 {
        out.push(format!(
            "{} SKIPDATA record(s) in the logs (all VPCs): AWS dropped flow records, so the modelled GB are a lower bound.",
            logs.skipdata
        ));
    }
    if logs.nodata > 0 {
        out.push(format!(
            "{} NODATA record(s) in the logs (all VPCs): intervals in which an interface had no traffic, or its records were not captured.",
            logs.nodata
        ));
    }
    if let Some(inv) = inventory {
        let nat_enis: BTreeSet<&String> =
            inv.nat_gateways.values().flat_map(|n| &n.eni_ids).collect();
        let silent: Vec<String> = inv
            .enis
            .values()
            .filter(|e| {
                e.vpc_id == v.vpc_id
                    && e.interface_type != "nat_gateway"
                    && !nat_enis.contains(&e.id)
                    && !logs.interfaces_logged.contains(&e.id)
            })
            .map(|e| e.id.clone())
            .collect();
        if !silent.is_empty() {
            out.push(format!(
                "{} interface(s) the inventory lists in this VPC never appear in the logs ({}): their traffic is billed but not modelled (no flow log on them, or idle).",
                silent.len(),
                some(&silent)
            ));
        }
        let unseen: Vec<String> = inv
            .nat_gateways_of(&v.vpc_id)
            .into_iter()
            .filter(|n| !n.eni_ids.iter().any(|e| logs.interfaces_logged.contains(e)))
            .map(|n| n.id.clone())
            .collect();
        if !unseen.is_empty() {
            out.push(format!(
                "NAT gateway(s) the logs never saw (no record on their interface): {}. Their processing is billed; the model only sees it through the clients' interfaces.",
                some(&unseen)
            ));
        }
    }
    if v.billed_monthly.nat_hours != v.modelled.nat_hours {
        out.push(format!(
            "NAT gateway-hours: {} a month billed (as if {} gateway(s) ran all month), {} modelled ({} gateway(s) x 730 h): gateways created or deleted during the bill's period, or a count the model guessed (give --inventory or --nat-gateways N).",
            fmt_amount(v.billed_monthly.nat_hours),
            fmt_amount(v.billed_monthly.nat_hours / units::hours_per_month()),
            fmt_amount(v.modelled.nat_hours),
            fmt_amount(v.modelled.nat_hours / units::hours_per_month())
        ));
    }
    if v.nat_data_transfer_usd > Decimal::ZERO || v.nat_data_transfer_gb > Decimal::ZERO {
        out.push(format!(
            "{} GB (${}) of other transfer is billed on this VPC's NAT gateways (internet out and in, inter-region): paid whatever carries the traffic, so not in either column.",
            fmt_amount(v.nat_data_transfer_gb),
            fmt_amount(v.nat_data_transfer_usd)
        ));
    }
    if v.billed.inter_az_gb.is_zero() && !v.modelled.inter_az_gb.is_zero() {
        out.push("Inter-AZ transfer is mostly billed on the instances at each end (rows on i-... resources), which the inventory does not place: see the unattributed resources.".to_string());
    }
    out
}

impl BillCheck {
    /// `--calibrate`: the factor per VPC that makes its modelled NAT GB the billed NAT GB per
    /// month: its own where the bill places NAT GB in it, else the overall factor (billed NAT GB
    /// no VPC claims over the other VPCs' modelled NAT GB). VPCs with nothing modelled, or
    /// nothing to scale to, keep factor 1 and say so. Returns vpc id -> factor.
    pub fn calibrate(&mut self) -> BTreeMap<String, Decimal> {
        self.calibrated = true;
        let unclaimed: Decimal = self
            .unattributed
            .iter()
            .filter(|u| u.category == Category::NatGb)
            .map(|u| u.quantity)
            .sum::<Decimal>()
            * self.month_factor;
        let rest_modelled: Decimal = self
            .vpcs
            .iter()
            .filter(|v| v.billed.nat_gb.is_zero())
            .map(|v| v.modelled.nat_gb)
            .sum();
        let overall =
            (!unclaimed.is_zero() && !rest_modelled.is_zero()).then(|| unclaimed / rest_modelled);
        let mut out = BTreeMap::new();
        for v in &mut self.vpcs {
            if v.modelled.nat_gb.is_zero() {
                v.explanations.push(
                    "--calibrate: nothing modelled through NAT here, so nothing to scale."
                        .to_string(),
                );
                continue;
            }
            let (factor, basis) = if !v.billed.nat_gb.is_zero() {
                (v.billed_monthly.nat_gb / v.modelled.nat_gb, "vpc")
            } else if let Some(f) = overall {
                (f, "overall")
            } else {
                v.explanations.push("--calibrate: the bill has no NAT GB for this VPC and none left unattributed: traffic kept as observed.".to_string());
                continue;
            };
            v.calibration_factor = Some(factor);
            v.calibration_basis = basis.to_string();
            out.insert(v.vpc_id.clone(), factor);
        }
        out
    }

    /// The assumption line `--calibrate` adds.
    pub fn calibration_note(&self) -> String {
        let parts: Vec<String> = self
            .vpcs
            .iter()
            .filter_map(|v| {
                let f = v.calibration_factor?;
                Some(format!(
                    "{} x{} ({})",
                    v.vpc_id.replace('`', "'"),
                    fmt_factor(f),
                    if v.calibration_basis == "vpc" {
                        "its billed NAT GB"
                    } else {
                        "the bill's NAT GB no VPC claims, spread over the VPCs it does not place"
                    }
                ))
            })
            .collect();
        format!(
            "--calibrate: every destination's monthly GB is scaled so the modelled NAT GB matches the bill's NAT GB per 730-hour month: {}. Costs and recommendations use the calibrated traffic; the bill check shows the model before calibration.",
            if parts.is_empty() {
                "no VPC could be calibrated".to_string()
            } else {
                parts.join("; ")
            }
        )
    }
}

/// Network interfaces with records in an aggregated flow frame (schema
/// [`crate::schema::flow_schema`]).
pub fn interfaces_in(flows: &polars::prelude::LazyFrame) -> Result<BTreeSet<String>> {
    use polars::prelude::*;
    let df = flows
        .clone()
        .select([col(crate::schema::INTERFACE_ID)])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let ids = df.column(crate::schema::INTERFACE_ID)?.str()?;
    Ok(ids
        .iter()
        .flatten()
        .filter(|s| !s.is_empty() && *s != "-")
        .map(str::to_string)
        .collect())
}

/// The whole bill step of an analysis: today's modelled month of each VPC (from `today`, which
/// builds its scenarios), the comparison, and with `calibrate` the factor per VPC id.
pub fn check(
    bill: &Bill,
    inventory: Option<&Inventory>,
    vpcs: &[crate::traffic::VpcTraffic],
    logs: &LogFacts,
    calibrate: bool,
    today: impl Fn(&crate::traffic::VpcTraffic) -> Result<Vec<Scenario>>,
) -> Result<(BillCheck, BTreeMap<String, Decimal>)> {
    let mut modelled = Vec::with_capacity(vpcs.len());
    for t in vpcs {
        let scenarios = today(t)?;
        let baseline = scenarios
            .iter()
            .find(|s| s.kind == crate::scenario::ScenarioKind::NatOnly)
            .or(scenarios.first());
        modelled.push(Modelled {
            vpc_id: t.vpc_id.clone(),
            region: t.region.clone(),
            today: baseline.map(Figures::of_scenario).unwrap_or_default(),
        });
    }
    let mut out = compare(bill, inventory, &modelled, logs);
    let factors = if calibrate {
        out.calibrate()
    } else {
        BTreeMap::new()
    };
    Ok((out, factors))
}

/// A bill quantity or amount for display: two decimals with thousands grouped, or up to six
/// significant decimals below 0.01 (bill rows carry fractions of a cent), `<0.000001` below that.
pub fn fmt_amount(d: Decimal) -> String {
    let abs = d.abs();
    if d.is_zero() || abs >= Decimal::new(1, 2) {
        return fmt_gb(d);
    }
    let r = d.round_dp(6);
    if r.is_zero() {
        return if d.is_sign_negative() {
            "-<0.000001".to_string()
        } else {
            "<0.000001".to_string()
        };
    }
    r.normalize().to_string()
}

/// A scale factor for display: six significant digits.
pub fn fmt_factor(d: Decimal) -> String {
    d.round_sf(6).unwrap_or(d).normalize().to_string()
}
