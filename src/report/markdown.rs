//! Markdown renderer: a [`Report`] in, `report.md` bytes out. Every value from input files is
//! escaped so it cannot break the table or inject markup.

use std::fmt::Write;

use super::{fmt_gb, fmt_usd, Report, VpcReport};
use crate::traffic::DestClass;

/// Escapes text taken from input files for Markdown (tables included): markup characters are
/// backslash-escaped, `<` and `&` become entities (so no HTML tag can start), line breaks become
/// spaces.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            // `:` breaks autolinks (`https://...`); a space keeps line structure.
            ':' => out.push_str("\\:"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || is_invisible(c) => out.push(' '),
            c => out.push(c),
        }
    }
    // `www.` starts an autolink in GitHub's Markdown even without a scheme.
    if out.to_ascii_lowercase().contains("www.") {
        out = out.replace("www.", "www\\.").replace("WWW.", "WWW\\.");
    }
    out
}

/// Format and separator characters that can disguise text (bidi overrides, zero-width
/// characters, line and paragraph separators).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Renders the Markdown report.
pub fn render(r: &Report) -> Vec<u8> {
    let mut o = String::new();
    let _ = write_report(&mut o, r);
    o.into_bytes()
}

fn write_report(o: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(o, "# VPC endpoint cost report\n")?;
    writeln!(
        o,
        "{} · policy `{}` · {} VPC(s) · window {} to {} · ip-ranges {} ({})\n",
        r.tool,
        r.policy.name(),
        r.vpcs.len(),
        r.assumptions.window_start,
        r.assumptions.window_end,
        escape(&r.ip_ranges.sync_token),
        escape(&r.ip_ranges.create_date)
    )?;
    writeln!(o, "## Summary\n")?;
    writeln!(
        o,
        "Across all VPCs: **{}/month today** (NAT only, as modelled) -> **{}/month recommended**, saving **{}/month** ({} a year).\n",
        fmt_usd(r.summary.baseline_usd),
        fmt_usd(r.summary.recommended_usd),
        fmt_usd(r.summary.monthly_saving_usd),
        fmt_usd(r.summary.monthly_saving_usd * rust_decimal::Decimal::from(12))
    )?;
    for v in &r.vpcs {
        writeln!(
            o,
            "- **{}** ({}): {} (`{}`, {}/month, saving {}/month).",
            escape(&v.traffic.vpc_id),
            escape(&v.traffic.region),
            escape(&super::action(v)),
            v.recommendation.recommended.name(),
            fmt_usd(v.recommendation.recommended_usd),
            fmt_usd(v.recommendation.monthly_saving_usd)
        )?;
    }
    writeln!(o)?;
    writeln!(
        o,
        "| VPC | Region | Via NAT GB/month | Today | Recommended | Cost | Saving/month | Cheapest overall |"
    )?;
    writeln!(o, "|---|---|---:|---:|---|---:|---:|---|")?;
    for v in &r.vpcs {
        let rec = &v.recommendation;
        writeln!(
            o,
            "| {} | {} | {} | {} | `{}` | {} | {} | `{}` ({}) |",
            escape(&v.traffic.vpc_id),
            escape(&v.traffic.region),
            fmt_gb(v.nat_routed_gb),
            fmt_usd(rec.baseline_usd),
            rec.recommended.name(),
            fmt_usd(rec.recommended_usd),
            fmt_usd(rec.monthly_saving_usd),
            rec.cheapest.name(),
            fmt_usd(rec.cheapest_usd)
        )?;
    }
    writeln!(o)?;
    writeln!(o, "## Charts\n")?;
    for kind in super::charts::ChartKind::ALL {
        writeln!(
            o,
            "![{}](charts/{}.svg) ([PNG](charts/{}.png))\n",
            kind.title(),
            kind.stem(),
            kind.stem()
        )?;
    }
    if !r.warnings.is_empty() {
        writeln!(o, "## Warnings\n")?;
        for w in &r.warnings {
            writeln!(o, "- {}", escape_keep_code(w))?;
        }
        writeln!(o)?;
    }
    for v in &r.vpcs {
        write_vpc(o, v)?;
    }
    write_assumptions(o, r)?;
    write_accounting(o, r)?;
    write_vantage(o, r)?;
    write_guide(o)?;
    Ok(())
}

/// Warnings and reasons are the tool's own sentences that may quote input values; they are
/// escaped except for backtick code spans the tool wrote.
fn escape_keep_code(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("`{}`", part.replace(['\n', '\r'], " "))
            } else {
                escape(part)
            }
        })
        .collect()
}

fn write_vpc(o: &mut String, v: &VpcReport) -> std::fmt::Result {
    let t = &v.traffic;
    writeln!(o, "## {} ({})\n", escape(&t.vpc_id), escape(&t.region))?;
    writeln!(
        o,
        "{} interface(s) seen; AZs seen: {}; modelled with {} AZ(s) and {} NAT gateway(s) today.\n",
        t.interfaces_seen,
        if t.azs_seen.is_empty() {
            "none in the logs".to_string()
        } else {
            t.azs_seen
                .iter()
                .map(|a| escape(a))
                .collect::<Vec<_>>()
                .join(", ")
        },
        v.azs,
        v.nat_gateways
    )?;
    write_today(o, v)?;
    writeln!(o, "### Traffic by destination\n")?;
    writeln!(
        o,
        "| Destination | Service | Service region | Observed out GB | Observed in GB | GB/month | Endpoint |"
    )?;
    writeln!(o, "|---|---|---|---:|---:|---:|---|")?;
    for d in &t.destinations {
        writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} |",
            d.class.label(),
            if d.service.is_empty() {
                "-".into()
            } else {
                escape(&d.service)
            },
            if d.service_region.is_empty() {
                "-".into()
            } else {
                escape(&d.service_region)
            },
            fmt_gb(crate::units::gb(d.egress_bytes)),
            fmt_gb(crate::units::gb(d.ingress_bytes)),
            fmt_gb(d.monthly_gb),
            d.endpoint
                .as_deref()
                .map(escape)
                .unwrap_or_else(|| "-".into())
        )?;
    }
    writeln!(o)?;
    writeln!(o, "### Setups compared (per month)\n")?;
    writeln!(
        o,
        "| Setup | NAT gateways | Via NAT GB | Endpoints | AWS traffic on NAT GB | Monthly cost | Secure |"
    )?;
    writeln!(o, "|---|---:|---:|---|---:|---:|---|")?;
    for s in &v.scenarios {
        let marker = if s.kind == v.recommendation.recommended {
            " **(recommended)**"
        } else {
            ""
        };
        let eps: Vec<String> = s
            .endpoints
            .iter()
            .map(|e| format!("{} {}", e.endpoint_type.to_lowercase(), escape(&e.service)))
            .collect();
        writeln!(
            o,
            "| `{}`{} | {} | {} | {} | {} | {} | {} |",
            s.kind.name(),
            marker,
            s.nat_gateways,
            fmt_gb(s.nat_gb),
            if eps.is_empty() {
                "-".into()
            } else {
                eps.join(", ")
            },
            fmt_gb(s.aws_on_nat_gb),
            fmt_usd(s.total()),
            if s.is_secure() { "yes" } else { "no" }
        )?;
    }
    writeln!(o)?;
    let rec = &v.recommendation;
    writeln!(
        o,
        "### Recommendation: `{}`, {}/month, saving {}/month\n",
        rec.recommended.name(),
        fmt_usd(rec.recommended_usd),
        fmt_usd(rec.monthly_saving_usd)
    )?;
    writeln!(o, "**{}.**\n", escape(&super::action(v)))?;
    for reason in &rec.reasons {
        writeln!(o, "- {}", escape_keep_code(reason))?;
    }
    writeln!(o)?;
    let advice = super::guide::advice(v);
    if !advice.is_empty() {
        writeln!(o, "Building it:\n")?;
        for a in advice {
            writeln!(o, "- {a}")?;
        }
        writeln!(o)?;
    }
    if let Some(s) = v.scenarios.iter().find(|s| s.kind == rec.recommended) {
        writeln!(o, "Cost lines of `{}`:\n", s.kind.name())?;
        writeln!(
            o,
            "| Component | Detail | Quantity | Unit price | Monthly | Price source |"
        )?;
        writeln!(o, "|---|---|---:|---:|---:|---|")?;
        for l in &s.lines {
            writeln!(
                o,
                "| {} | {} | {} {} | ${} | {} | {} |",
                l.component.label(),
                escape(&l.detail),
                fmt_gb(l.quantity),
                l.unit,
                l.usd_per_unit.normalize(),
                fmt_usd(l.monthly_usd),
                escape(&l.price_source)
            )?;
        }
        writeln!(o, "| **Total** | | | | **{}** | |\n", fmt_usd(s.total()))?;
    }
    let interface: Vec<_> = v
        .break_evens
        .iter()
        .filter(|b| b.class == DestClass::AwsService)
        .collect();
    if !interface.is_empty() {
        writeln!(o, "### Interface endpoint break-even\n")?;
        writeln!(
            o,
            "| Service | GB/month | Break-even GB/month | Observed / break-even | AZs | Endpoint cheaper than NAT? |"
        )?;
        writeln!(o, "|---|---:|---:|---:|---:|---|")?;
        for b in interface {
            writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                escape(&b.service),
                fmt_gb(b.monthly_gb),
                b.break_even_gb
                    .map(fmt_gb)
                    .unwrap_or_else(|| "never".into()),
                b.times_break_even
                    .map(|x| format!("x{}", x.round_dp(2)))
                    .unwrap_or_else(|| "-".into()),
                b.azs,
                if b.passes { "yes" } else { "no" }
            )?;
        }
        writeln!(o)?;
    }
    write_sensitivity(o, v)?;
    Ok(())
}

/// Fewer-AZ options for the recommended interface endpoints, and the recommendation at other
/// traffic volumes.
fn write_sensitivity(o: &mut String, v: &VpcReport) -> std::fmt::Result {
    let rec = v
        .scenarios
        .iter()
        .find(|s| s.kind == v.recommendation.recommended);
    let options: Vec<_> = rec
        .map(|s| {
            s.endpoints
                .iter()
                .filter(|e| e.fewer_azs.is_some())
                .collect()
        })
        .unwrap_or_default();
    if !options.is_empty() {
        writeln!(o, "### Fewer AZs for interface endpoints\n")?;
        writeln!(o, "The recommendation puts an ENI in every AZ with workloads. Fewer would cost less; an outage of a kept AZ would then cut the others off the service.\n")?;
        writeln!(
            o,
            "| Endpoint | AZs | Keep | Inter-AZ GB/month | Saving/month |"
        )?;
        writeln!(o, "|---|---:|---|---:|---:|")?;
        for e in options {
            if let Some(f) = &e.fewer_azs {
                writeln!(
                    o,
                    "| {} | {} -> {} | {} | {} | {} |",
                    escape(&e.service_name),
                    e.azs,
                    f.azs,
                    f.keep
                        .iter()
                        .map(|a| escape(a))
                        .collect::<Vec<_>>()
                        .join(", "),
                    fmt_gb(f.inter_az_gb),
                    fmt_usd(f.monthly_saving_usd)
                )?;
            }
        }
        writeln!(o)?;
    }
    if !v.growth.is_empty() {
        writeln!(o, "### If traffic changes\n")?;
        writeln!(o, "| Traffic | Recommended | Cost/month |")?;
        writeln!(o, "|---:|---|---:|")?;
        writeln!(
            o,
            "| x1 (observed) | `{}` | {} |",
            v.recommendation.recommended.name(),
            fmt_usd(v.recommendation.recommended_usd)
        )?;
        for g in &v.growth {
            writeln!(
                o,
                "| x{} | `{}` | {} |",
                g.factor.normalize(),
                g.recommended.name(),
                fmt_usd(g.monthly_usd)
            )?;
        }
        writeln!(o)?;
    }
    Ok(())
}

fn write_assumptions(o: &mut String, r: &Report) -> std::fmt::Result {
    let a = &r.assumptions;
    writeln!(o, "## Assumptions and caveats\n")?;
    for c in super::caveats(r) {
        writeln!(o, "- {}", escape_keep_code(&c))?;
    }
    writeln!(
        o,
        "- A month is {} hours; 1 GB = {} bytes (2^30; the price list's tier boundaries are binary, AWS does not state the unit for NAT data processing).",
        a.hours_per_month, a.bytes_per_gb
    )?;
    for n in &a.notes {
        writeln!(o, "- {}", escape_keep_code(n))?;
    }
    writeln!(
        o,
        "- ip-ranges.json: syncToken {}, createDate {}, {} IPv4 and {} IPv6 prefixes, from {}.",
        escape(&r.ip_ranges.sync_token),
        escape(&r.ip_ranges.create_date),
        r.ip_ranges.prefixes_v4,
        r.ip_ranges.prefixes_v6,
        escape(&r.ip_ranges.source)
    )?;
    writeln!(o, "\n### Prices used ({})\n", escape(&r.prices.origin))?;
    writeln!(
        o,
        "| Region | Item | From GB | USD | Unit | Usage type | As of | Source |"
    )?;
    writeln!(o, "|---|---|---:|---:|---|---|---|---|")?;
    for rp in &r.prices.regions {
        for (item, tiers) in &rp.items {
            for t in tiers {
                writeln!(
                    o,
                    "| {} | {} | {} | {} | {} | {} | {} | {} ({}) |",
                    escape(&rp.region),
                    item.name(),
                    t.begin_gb,
                    t.price.usd.normalize(),
                    t.price.unit,
                    escape(&t.price.usage_type),
                    escape(&t.price.as_of),
                    escape(&t.price.source),
                    escape(&t.price.source_kind)
                )?;
            }
        }
    }
    writeln!(o)?;
    Ok(())
}

/// What the inventory says the VPC has today, and the traffic split by AZ.
fn write_today(o: &mut String, v: &VpcReport) -> std::fmt::Result {
    let today = &v.today;
    if !today.nat_gateways.is_empty() {
        writeln!(
            o,
            "Today (inventory): NAT gateway(s) {}.",
            today
                .nat_gateways
                .iter()
                .map(|(id, az)| format!(
                    "`{}` in {}",
                    escape(id),
                    escape(if az.is_empty() { "?" } else { az })
                ))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    if !today.existing.is_empty() {
        writeln!(
            o,
            "Existing endpoints (kept in every setup): {}.",
            today
                .existing
                .iter()
                .map(|e| format!(
                    "`{}` {} {}",
                    escape(&e.id),
                    escape(&e.endpoint_type),
                    escape(&e.service)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    let crossing: Vec<String> = today
        .nat_route_az
        .iter()
        .filter(|(a, n)| a != n)
        .map(|(a, n)| format!("{} -> {}", escape(a), escape(n)))
        .collect();
    if !crossing.is_empty() {
        writeln!(
            o,
            "Subnets whose NAT gateway is in another AZ (inter-AZ charges): {}.",
            crossing.join(", ")
        )?;
    }
    if !today.nat_gateways.is_empty() || !today.existing.is_empty() || !crossing.is_empty() {
        writeln!(o)?;
    }
    let azs: std::collections::BTreeSet<&String> = v
        .traffic
        .destinations
        .iter()
        .flat_map(|d| d.by_az.keys())
        .collect();
    if azs.len() > 1 || azs.iter().any(|a| a.as_str() != "-") {
        writeln!(o, "### Traffic by AZ (GB/month)\n")?;
        let head: Vec<String> = azs.iter().map(|a| escape(a)).collect();
        writeln!(o, "| Destination | Endpoint | {} |", head.join(" | "))?;
        writeln!(o, "|---|---|{}", "---:|".repeat(azs.len()))?;
        for d in &v.traffic.destinations {
            let cells: Vec<String> = azs
                .iter()
                .map(|a| {
                    d.by_az
                        .get(*a)
                        .map(|g| fmt_gb(g.0))
                        .unwrap_or_else(|| "-".into())
                })
                .collect();
            writeln!(
                o,
                "| {} | {} | {} |",
                d.class.label(),
                d.endpoint
                    .as_deref()
                    .map(escape)
                    .unwrap_or_else(|| "-".into()),
                cells.join(" | ")
            )?;
        }
        writeln!(o)?;
    }
    Ok(())
}

/// Where each byte was counted: attribution, NAT de-duplication, DNS naming.
fn write_vantage(o: &mut String, r: &Report) -> std::fmt::Result {
    let v = &r.vantage;
    let gb = |b: u64| fmt_gb(crate::units::gb(b));
    writeln!(o, "## Where each byte was counted\n")?;
    writeln!(o, "| What | Records | GB (observed) |")?;
    writeln!(o, "|---|---:|---:|")?;
    if v.inventory {
        writeln!(
            o,
            "| records placed in a VPC/AZ by the inventory | {} | |",
            v.attributed_records
        )?;
    }
    writeln!(
        o,
        "| records of no known VPC (`unattributed`) | {} | {} |",
        v.unattributed_records,
        gb(v.unattributed_bytes)
    )?;
    writeln!(
        o,
        "| NAT gateway ENIs' public legs | | {} |",
        gb(v.nat_leg_bytes)
    )?;
    writeln!(
        o,
        "| the same traffic seen on client ENIs | | {} |",
        gb(v.client_bytes)
    )?;
    for (rule, b) in &v.duplicate_bytes_removed {
        writeln!(
            o,
            "| counted twice, removed (rule `{}`) | | {} |",
            escape(rule),
            gb(*b)
        )?;
    }
    writeln!(
        o,
        "| NAT-leg bytes no logged client explains (kept) | | {} |",
        gb(v.nat_only_bytes)
    )?;
    writeln!(
        o,
        "| client legs on NAT ENIs (private hops, not counted again) | | {} |",
        gb(v.relayed_bytes)
    )?;
    writeln!(
        o,
        "| internet-gateway egress, set aside (no NAT charge) | {} | {} |\n",
        v.internet_gateway_records,
        gb(v.internet_gateway_bytes)
    )?;
    if !v.nat_interfaces.is_empty() {
        writeln!(o, "NAT gateway interfaces:\n")?;
        writeln!(
            o,
            "| Interface | VPC | AZ | NAT gateway | Found by | Public-leg GB |"
        )?;
        writeln!(o, "|---|---|---|---|---|---:|")?;
        for n in &v.nat_interfaces {
            writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                escape(&n.interface_id),
                escape(&n.vpc_id),
                escape(&n.az_id),
                if n.nat_gateway_id.is_empty() {
                    "-".to_string()
                } else {
                    escape(&n.nat_gateway_id)
                },
                escape(&n.rule),
                gb(n.public_bytes)
            )?;
        }
        writeln!(o)?;
    }
    if !v.unattributed_interfaces.is_empty() {
        writeln!(
            o,
            "Interfaces of no known VPC: {}\n",
            v.unattributed_interfaces
                .iter()
                .map(|i| escape(i))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    if let Some(d) = &v.dns {
        writeln!(
            o,
            "DNS: {} query-log entries in {} file(s), {} for AWS endpoint services ({} A/AAAA answers); answers name flows for {} s.\n",
            d.queries,
            d.files.len(),
            d.aws_service_queries,
            d.answers,
            d.window_seconds
        )?;
        writeln!(o, "| DNS | GB (observed) |")?;
        writeln!(o, "|---|---:|")?;
        for (rule, b) in &d.named_bytes {
            writeln!(o, "| named, rule `{}` | {} |", escape(rule), gb(*b))?;
        }
        writeln!(
            o,
            "| named, IP answered for several services | {} |",
            gb(d.ambiguous_bytes)
        )?;
        writeln!(
            o,
            "| answers no flow used | {} answers |\n",
            d.unmatched_answers
        )?;
    }
    if !r.inventory.is_empty() {
        writeln!(o, "Inventory files:\n")?;
        for f in &r.inventory {
            writeln!(
                o,
                "- {}: {} ({} items){}",
                escape(&f.path),
                f.kinds.join(", "),
                f.items,
                if f.repaired {
                    ", repaired (trailing commas or single quotes)"
                } else {
                    ""
                }
            )?;
        }
        writeln!(o)?;
    }
    Ok(())
}

fn write_accounting(o: &mut String, r: &Report) -> std::fmt::Result {
    let a = &r.accounting;
    writeln!(o, "## Records read\n")?;
    writeln!(o, "| What | Count |")?;
    writeln!(o, "|---|---:|")?;
    for (what, n) in super::accounting_rows(a) {
        writeln!(o, "| {what} | {n} |")?;
    }
    writeln!(
        o,
        "| accepted bytes | {} ({} GB) |\n",
        a.accepted_bytes,
        fmt_gb(crate::units::gb(a.accepted_bytes))
    )?;
    if !r.malformed_examples.is_empty() {
        writeln!(o, "First malformed lines:\n")?;
        for m in &r.malformed_examples {
            writeln!(o, "- {}", escape(m))?;
        }
        writeln!(o)?;
    }
    if !r.inputs.skipped_files.is_empty() {
        writeln!(
            o,
            "{} file(s) skipped (not flow-log files by name): {}\n",
            r.inputs.skipped_files.len(),
            r.inputs
                .skipped_files
                .iter()
                .take(10)
                .map(|s| escape(s))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    writeln!(o, "Record formats seen:\n")?;
    for (f, n) in &r.inputs.formats {
        writeln!(o, "- {} records: `{}`", n, f.replace('`', "'"))?;
    }
    writeln!(o)?;
    Ok(())
}

fn write_guide(o: &mut String) -> std::fmt::Result {
    writeln!(o, "## VPC endpoints in brief\n")?;
    for n in super::guide::NOTES {
        writeln!(o, "- {n}")?;
    }
    for t in [
        &super::guide::TYPES,
        &super::guide::SECURITY,
        &super::guide::BEST_PRACTICES,
    ] {
        writeln!(o, "\n### {}\n", t.title)?;
        writeln!(o, "| {} |", t.header.join(" | "))?;
        writeln!(o, "|{}", "---|".repeat(t.header.len()))?;
        for row in t.rows {
            writeln!(o, "| {} |", row.join(" | "))?;
        }
    }
    Ok(())
}
