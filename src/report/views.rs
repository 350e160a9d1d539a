//! Views: the report sections that Markdown and HTML both show (what the VPC has today, traffic
//! by AZ, fewer-AZ options, growth, where each byte was counted), as plain-text tables and
//! lines. Cells are unescaped text: each renderer escapes them for its format.

use std::collections::BTreeSet;

use super::{fmt_gb, fmt_usd, Report, VpcReport};

/// A titled table with optional lines before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub title: String,
    pub intro: Vec<String>,
    /// Column names, and whether the column is numeric (right-aligned).
    pub header: Vec<(String, bool)>,
    pub rows: Vec<Vec<String>>,
}

impl View {
    fn new(title: &str, header: &[(&str, bool)]) -> View {
        View {
            title: title.to_string(),
            intro: Vec::new(),
            header: header.iter().map(|(h, n)| (h.to_string(), *n)).collect(),
            rows: Vec::new(),
        }
    }
}

fn gb(bytes: u64) -> String {
    fmt_gb(crate::units::gb(bytes))
}

/// What the inventory says the VPC has today, as sentences.
pub fn today(v: &VpcReport) -> Vec<String> {
    let t = &v.today;
    let mut out = Vec::new();
    if !t.nat_gateways.is_empty() {
        let list: Vec<String> = t
            .nat_gateways
            .iter()
            .map(|(id, az)| format!("{id} in {}", if az.is_empty() { "?" } else { az }))
            .collect();
        out.push(format!(
            "Today (inventory): NAT gateway(s) {}.",
            list.join(", ")
        ));
    }
    if !t.existing.is_empty() {
        let list: Vec<String> = t
            .existing
            .iter()
            .map(|e| format!("{} {} {}", e.id, e.endpoint_type, e.service))
            .collect();
        out.push(format!(
            "Existing endpoints (kept in every setup): {}.",
            list.join(", ")
        ));
    }
    let crossing: Vec<String> = t
        .nat_route_az
        .iter()
        .filter(|(a, n)| a != n)
        .map(|(a, n)| format!("{a} -> {n}"))
        .collect();
    if !crossing.is_empty() {
        out.push(format!(
            "Subnets whose NAT gateway is in another AZ (inter-AZ charges): {}.",
            crossing.join(", ")
        ));
    }
    out
}

/// Monthly GB per destination and AZ, when the AZs are known.
pub fn traffic_by_az(v: &VpcReport) -> Option<View> {
    let azs: BTreeSet<&String> = v
        .traffic
        .destinations
        .iter()
        .flat_map(|d| d.by_az.keys())
        .collect();
    if azs.is_empty() || (azs.len() == 1 && azs.iter().all(|a| a.as_str() == "-")) {
        return None;
    }
    let mut header = vec![("Destination", false), ("Endpoint", false)];
    header.extend(azs.iter().map(|a| (a.as_str(), true)));
    let mut view = View::new("Traffic by AZ (GB/month)", &header);
    for d in &v.traffic.destinations {
        let mut row = vec![
            d.class.label().to_string(),
            d.endpoint.clone().unwrap_or_else(|| "-".into()),
        ];
        row.extend(azs.iter().map(|a| {
            d.by_az
                .get(*a)
                .map(|g| fmt_gb(g.0))
                .unwrap_or_else(|| "-".into())
        }));
        view.rows.push(row);
    }
    Some(view)
}

/// Interface endpoints of the recommended setup that fewer AZs would make cheaper.
pub fn fewer_azs(v: &VpcReport) -> Option<View> {
    let rec = v
        .scenarios
        .iter()
        .find(|s| s.kind == v.recommendation.recommended)?;
    let mut view = View::new(
        "Fewer AZs for interface endpoints",
        &[
            ("Endpoint", false),
            ("AZs", true),
            ("Keep", false),
            ("Inter-AZ GB/month", true),
            ("Saving/month", true),
        ],
    );
    view.intro.push("The recommendation puts an ENI in every AZ with workloads. Fewer would cost less; an outage of a kept AZ would then cut the others off the service.".into());
    for e in &rec.endpoints {
        if let Some(f) = &e.fewer_azs {
            view.rows.push(vec![
                e.service_name.clone(),
                format!("{} -> {}", e.azs, f.azs),
                f.keep.join(", "),
                fmt_gb(f.inter_az_gb),
                fmt_usd(f.monthly_saving_usd),
            ]);
        }
    }
    (!view.rows.is_empty()).then_some(view)
}

/// How far each AWS service's volume is from its interface-endpoint break-even.
pub fn break_even_distance(v: &VpcReport) -> Option<String> {
    let far: Vec<String> = v
        .break_evens
        .iter()
        .filter_map(|b| {
            b.times_break_even
                .map(|x| format!("{} x{}", b.service, x.round_dp(2)))
        })
        .collect();
    (!far.is_empty()).then(|| {
        format!(
            "Observed volume against break-even: {} (above x1 an interface endpoint pays for itself).",
            far.join(", ")
        )
    })
}

/// The recommendation at other traffic volumes.
pub fn growth(v: &VpcReport) -> Option<View> {
    if v.growth.is_empty() {
        return None;
    }
    let mut view = View::new(
        "If traffic changes",
        &[
            ("Traffic", true),
            ("Recommended", false),
            ("Cost/month", true),
        ],
    );
    view.rows.push(vec![
        "x1 (observed)".into(),
        v.recommendation.recommended.name().into(),
        fmt_usd(v.recommendation.recommended_usd),
    ]);
    for g in &v.growth {
        view.rows.push(vec![
            format!("x{}", g.factor.normalize()),
            g.recommended.name().into(),
            fmt_usd(g.monthly_usd),
        ]);
    }
    Some(view)
}

/// Where each byte was counted: the counts, the NAT interfaces, DNS naming, inventory files.
pub fn vantage(r: &Report) -> Vec<View> {
    let v = &r.vantage;
    let mut counts = View::new(
        "Counts",
        &[("What", false), ("Records", true), ("GB (observed)", true)],
    );
    let mut row = |what: String, records: Option<u64>, bytes: Option<u64>| {
        counts.rows.push(vec![
            what,
            records.map(|n| n.to_string()).unwrap_or_default(),
            bytes.map(gb).unwrap_or_default(),
        ])
    };
    if v.inventory {
        row(
            "records placed in a VPC/AZ by the inventory".into(),
            Some(v.attributed_records),
            None,
        );
    }
    row(
        "records of no known VPC (unattributed)".into(),
        Some(v.unattributed_records),
        Some(v.unattributed_bytes),
    );
    row(
        "NAT gateway ENIs' public legs".into(),
        None,
        Some(v.nat_leg_bytes),
    );
    row(
        "the same traffic seen on client ENIs".into(),
        None,
        Some(v.client_bytes),
    );
    for (rule, b) in &v.duplicate_bytes_removed {
        row(
            format!("counted twice, removed (rule {rule})"),
            None,
            Some(*b),
        );
    }
    row(
        "NAT-leg bytes no logged client explains (kept)".into(),
        None,
        Some(v.nat_only_bytes),
    );
    row(
        "client legs on NAT ENIs (private hops, not counted again)".into(),
        None,
        Some(v.relayed_bytes),
    );
    row(
        "internet-gateway egress, set aside (no NAT charge)".into(),
        Some(v.internet_gateway_records),
        Some(v.internet_gateway_bytes),
    );
    if !v.unattributed_interfaces.is_empty() {
        counts.intro.push(format!(
            "Interfaces of no known VPC: {}",
            v.unattributed_interfaces.join(", ")
        ));
    }
    let mut out = vec![counts];
    if !v.nat_interfaces.is_empty() {
        let mut nat = View::new(
            "NAT gateway interfaces",
            &[
                ("Interface", false),
                ("VPC", false),
                ("AZ", false),
                ("NAT gateway", false),
                ("Found by", false),
                ("Public-leg GB", true),
            ],
        );
        for n in &v.nat_interfaces {
            nat.rows.push(vec![
                n.interface_id.clone(),
                n.vpc_id.clone(),
                n.az_id.clone(),
                if n.nat_gateway_id.is_empty() {
                    "-".into()
                } else {
                    n.nat_gateway_id.clone()
                },
                n.rule.clone(),
                gb(n.public_bytes),
            ]);
        }
        out.push(nat);
    }
    if let Some(d) = &v.dns {
        let mut dns = View::new("DNS names", &[("DNS", false), ("GB (observed)", true)]);
        dns.intro.push(format!(
            "{} query-log entries in {} file(s), {} for AWS endpoint services ({} A/AAAA answers); answers name flows for {} s.",
            d.queries,
            d.files.len(),
            d.aws_service_queries,
            d.answers,
            d.window_seconds
        ));
        for (rule, b) in &d.named_bytes {
            dns.rows.push(vec![format!("named, rule {rule}"), gb(*b)]);
        }
        dns.rows.push(vec![
            "named, IP answered for several services".into(),
            gb(d.ambiguous_bytes),
        ]);
        dns.rows.push(vec![
            "answers no flow used".into(),
            format!("{} answers", d.unmatched_answers),
        ]);
        out.push(dns);
    }
    if !r.inventory.is_empty() {
        let mut inv = View::new(
            "Inventory files",
            &[
                ("File", false),
                ("Outputs", false),
                ("Items", true),
                ("Repaired", false),
            ],
        );
        for f in &r.inventory {
            inv.rows.push(vec![
                f.path.clone(),
                f.kinds.join(", "),
                f.items.to_string(),
                if f.repaired {
                    "yes (trailing commas or single quotes)".into()
                } else {
                    "no".into()
                },
            ]);
        }
        out.push(inv);
    }
    out
}

/// The bill check (`--bill`): billed against modelled per VPC, what explains each gap, billed
/// resources no VPC claims, and the rows ignored. Empty without a bill.
pub fn bill(r: &Report) -> Vec<View> {
    use crate::bill::{fmt_amount, fmt_factor, Figures};
    let Some(b) = &r.bill else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cmp = View::new(
        "Billed and modelled, per VPC",
        &[
            ("VPC", false),
            ("", false),
            ("NAT hours", true),
            ("NAT GB", true),
            ("Endpoint hours", true),
            ("Endpoint GB", true),
            ("Inter-AZ GB", true),
            ("USD", true),
        ],
    );
    let files: Vec<String> = b
        .files
        .iter()
        .map(|f| {
            format!(
                "{} ({}: {} rows, {} used, {} ignored)",
                f.path, f.kind, f.rows_read, f.rows_used, f.rows_ignored
            )
        })
        .collect();
    cmp.intro.push(format!(
        "Bill: {}. {} rows read, {} used (NAT gateway, VPC endpoint, inter-AZ and NAT transfer charges), {} ignored (other charges).",
        files.join("; "),
        b.rows_read,
        b.rows_used,
        b.rows_ignored
    ));
    cmp.intro.extend(b.notes.iter().cloned());
    let row = |vpc: &str, what: &str, f: &Figures, usd: rust_decimal::Decimal| {
        vec![
            vpc.to_string(),
            what.to_string(),
            fmt_amount(f.nat_hours),
            fmt_amount(f.nat_gb),
            fmt_amount(f.endpoint_hours),
            fmt_amount(f.endpoint_gb),
            fmt_amount(f.inter_az_gb),
            format!("${}", fmt_amount(usd)),
        ]
    };
    for v in &b.vpcs {
        cmp.rows.push(row(
            &v.vpc_id,
            "billed (bill period)",
            &v.billed,
            v.billed_usd,
        ));
        cmp.rows.push(row(
            "",
            "billed per month",
            &v.billed_monthly,
            v.billed_monthly_usd,
        ));
        cmp.rows.push(row(
            "",
            "modelled per month (today)",
            &v.modelled,
            v.modelled_usd,
        ));
        let mut gap = vec![String::new(), "gap (modelled - billed)".to_string()];
        gap.extend([
            fmt_amount(v.modelled.nat_hours - v.billed_monthly.nat_hours),
            fmt_amount(v.gap_nat_gb),
            fmt_amount(v.modelled.endpoint_hours - v.billed_monthly.endpoint_hours),
            fmt_amount(v.modelled.endpoint_gb - v.billed_monthly.endpoint_gb),
            fmt_amount(v.modelled.inter_az_gb - v.billed_monthly.inter_az_gb),
            format!("${}", fmt_amount(v.gap_usd)),
        ]);
        cmp.rows.push(gap);
        if let Some(f) = v.calibration_factor {
            cmp.rows.push(vec![
                String::new(),
                format!(
                    "--calibrate: traffic x{} ({})",
                    fmt_factor(f),
                    v.calibration_basis
                ),
                String::new(),
                fmt_amount(v.modelled.nat_gb * f),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
    }
    out.push(cmp);
    let mut why = View::new(
        "What may explain the gap",
        &[("VPC", false), ("Explanation", false)],
    );
    for v in &b.vpcs {
        for (i, e) in v.explanations.iter().enumerate() {
            let vpc = if i == 0 {
                v.vpc_id.clone()
            } else {
                String::new()
            };
            why.rows.push(vec![vpc, e.clone()]);
        }
    }
    if !why.rows.is_empty() {
        out.push(why);
    }
    if !b.unattributed.is_empty() {
        const SHOWN: usize = 50;
        let mut un = View::new(
            "Billed resources not placed in a VPC (unattributed)",
            &[
                ("Resource", false),
                ("Charge", false),
                ("Region", false),
                ("Account", false),
                ("Quantity", true),
                ("USD (bill period)", true),
            ],
        );
        let mut sorted: Vec<&crate::bill::ResourceUsage> = b.unattributed.iter().collect();
        sorted.sort_by(|a, b| b.usd.cmp(&a.usd).then(a.resource_id.cmp(&b.resource_id)));
        if sorted.len() > SHOWN {
            un.intro.push(format!(
                "The {SHOWN} largest of {} (all in report.json).",
                sorted.len()
            ));
        }
        for u in sorted.into_iter().take(SHOWN) {
            un.rows.push(vec![
                if u.resource_id.is_empty() {
                    "(none)".to_string()
                } else {
                    u.resource_id.clone()
                },
                u.category.key().to_string(),
                u.region.clone(),
                u.account.clone(),
                fmt_amount(u.quantity),
                format!("${}", fmt_amount(u.usd)),
            ]);
        }
        out.push(un);
    }
    if !b.ignored_by_service.is_empty() {
        let mut ign = View::new(
            "Bill rows ignored (other charges), by service",
            &[("Service", false), ("Rows", true)],
        );
        for (s, n) in &b.ignored_by_service {
            ign.rows.push(vec![s.clone(), n.to_string()]);
        }
        out.push(ign);
    }
    out
}
