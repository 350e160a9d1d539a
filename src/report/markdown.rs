//! Markdown renderer: a [`Report`] in, `report.md` bytes out. Every value from input files is
//! escaped so it cannot break the table or inject markup.

use std::fmt::Write;

use super::{fmt_gb, fmt_usd, Report, VpcReport};
use crate::text::is_invisible;
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
        escape(r.policy.name()),
        r.vpcs.len(),
        r.assumptions.window_start,
        r.assumptions.window_end,
        escape(&r.ip_ranges.sync_token),
        escape(&r.ip_ranges.create_date)
    )?;
    writeln!(o, "## Summary\n")?;
    for (i, line) in super::headline(r).iter().enumerate() {
        if i == 0 {
            writeln!(o, "**{}**\n", escape_keep_code(line))?;
        } else {
            writeln!(o, "{}\n", escape_keep_code(line))?;
        }
    }
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
    write_bill(o, r)?;
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
    let ladder = super::ladder_rows(v);
    if !ladder.is_empty() {
        writeln!(
            o,
            "Options, step by step (per month; saving against today):\n"
        )?;
        writeln!(
            o,
            "| step | setup | cost | saving | step's price | what it buys |"
        )?;
        writeln!(o, "|---|---|---:|---:|---:|---|")?;
        for [step, setup, cost, saving, added, buys] in ladder {
            writeln!(
                o,
                "| {} | `{setup}` | {cost} | {saving} | {added} | {} |",
                escape(&step),
                escape_keep_code(&buys)
            )?;
        }
        writeln!(o)?;
    }
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
        .filter(|b| matches!(b.class, DestClass::AwsService | DestClass::AwsCrossRegion))
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
    if let Some(view) = super::views::fewer_azs(v) {
        write_view(o, &view)?;
    }
    if let Some(view) = super::views::growth(v) {
        write_view(o, &view)?;
    }
    Ok(())
}

fn write_assumptions(o: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(o, "## Assumptions and caveats\n")?;
    for item in super::assumption_items(r) {
        writeln!(o, "- {}", escape_keep_code(&item))?;
    }
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

/// A shared view as a Markdown table (every cell escaped).
fn write_view(o: &mut String, v: &super::views::View) -> std::fmt::Result {
    writeln!(o, "### {}\n", escape(&v.title))?;
    for line in &v.intro {
        writeln!(o, "{}\n", escape(line))?;
    }
    let names: Vec<String> = v.header.iter().map(|(h, _)| escape(h)).collect();
    writeln!(o, "| {} |", names.join(" | "))?;
    let align: Vec<&str> = v
        .header
        .iter()
        .map(|(_, n)| if *n { "---:" } else { "---" })
        .collect();
    writeln!(o, "|{}|", align.join("|"))?;
    for row in &v.rows {
        let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
        writeln!(o, "| {} |", cells.join(" | "))?;
    }
    writeln!(o)
}

/// What the inventory says the VPC has today, and the traffic split by AZ.
fn write_today(o: &mut String, v: &VpcReport) -> std::fmt::Result {
    let lines = super::views::today(v);
    for line in &lines {
        writeln!(o, "{}", escape(line))?;
    }
    if !lines.is_empty() {
        writeln!(o)?;
    }
    if let Some(view) = super::views::traffic_by_az(v) {
        write_view(o, &view)?;
    }
    if let Some(view) = super::views::paths(v) {
        write_view(o, &view)?;
    }
    Ok(())
}

/// Billed against modelled (`--bill`).
fn write_bill(o: &mut String, r: &Report) -> std::fmt::Result {
    let views = super::views::bill(r);
    if !views.is_empty() {
        writeln!(o, "## Checked against the bill\n")?;
    }
    for view in views {
        write_view(o, &view)?;
    }
    Ok(())
}

/// Where each byte was counted: attribution, NAT de-duplication, DNS naming.
fn write_vantage(o: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(o, "## Where each byte was counted\n")?;
    for view in super::views::vantage(r) {
        write_view(o, &view)?;
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
    if !r.inputs.failed_files.is_empty() {
        writeln!(
            o,
            "{} file(s) could not be read and were skipped (nothing of them is in the totals, which are lower bounds):\n",
            r.inputs.failed_files.len()
        )?;
        for f in &r.inputs.failed_files {
            writeln!(
                o,
                "- {}: {} ({} bytes, {} record(s) read before the fault)",
                escape(&f.path),
                escape(&f.reason),
                f.bytes,
                f.records_before_fault
            )?;
        }
        writeln!(o)?;
    }
    if !r.inputs.duplicate_files.is_empty() {
        writeln!(o, "Files with the same content as another, read once:\n")?;
        for d in &r.inputs.duplicate_files {
            writeln!(o, "- {} (same as {})", escape(&d.path), escape(&d.same_as))?;
        }
        writeln!(o)?;
    }
    if let Some(sel) = &r.inputs.selection {
        writeln!(o, "Selection: {}.\n", escape(sel))?;
    }
    if let Some(s3) = &r.inputs.s3 {
        writeln!(o, "{}\n", escape(&s3.sentence()))?;
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
