//! HTML renderer: a [`Report`] in, `report.html` bytes out: one self-contained page (inline CSS
//! and SVG charts, no script, no network) that reads on a laptop and a phone. Summary first,
//! then charts, then each VPC, then caveats, the records read and the endpoint guide. Every
//! value from input files goes through [`escape`]; the output has no clock time.

use std::fmt::Write;

use super::charts::{self, ChartKind};
use super::views;
use super::{fmt_gb, fmt_usd, guide, Report, VpcReport};
use crate::error::Result;
use crate::traffic::DestClass;

/// Escapes text for HTML element content and quoted attribute values: `& < > " '` become
/// entities; control and invisible characters (newlines included) become spaces.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() || crate::text::is_invisible(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The tool's own sentences, which may quote input values: escaped, with the backtick code
/// spans the tool wrote shown as `<code>`.
fn escape_code(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

const CSS: &str = "
:root{--fg:#212529;--muted:#5c636a;--line:#dee2e6;--bg:#fff;--band:#f6f8fa;--good:#146c2e;--bad:#a61e1e;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:1rem}
h1{font-size:1.7rem;margin:.5rem 0}
h2{font-size:1.35rem;margin:2rem 0 .5rem;padding-top:.5rem;border-top:2px solid var(--line)}
h3{font-size:1.1rem;margin:1.25rem 0 .5rem}
p.meta{color:var(--muted);font-size:.9rem}
.lead{font-size:1.15rem;background:var(--band);border-left:4px solid var(--accent);padding:.75rem 1rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.5rem 0 1rem}
table{border-collapse:collapse;min-width:100%;font-size:.9rem}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:var(--band)}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tr.rec td{background:#eef6ee;font-weight:600}
.save{color:var(--good);font-weight:600}
.cost{color:var(--bad);font-weight:600}
td code{white-space:nowrap}
td.id{white-space:nowrap}
code{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.9em;background:var(--band);padding:0 .2em;overflow-wrap:anywhere}
figure{margin:1rem 0;overflow-x:auto;-webkit-overflow-scrolling:touch}
figure svg{display:block;max-width:100%;height:auto;border:1px solid var(--line)}
figcaption{color:var(--muted);font-size:.9rem}
.vpc{margin-top:2.5rem}
.warn{border-left:4px solid #c77700;background:#fff8e6;padding:.5rem 1rem}
.id{overflow-wrap:anywhere}
nav ul{padding-left:1.2rem}
@media (max-width:600px){body{font-size:15px}main{padding:.6rem}h1{font-size:1.4rem}.lead{font-size:1rem}figure svg{width:720px;max-width:none}}
";

/// Writes `report.html` and `charts/` (PNG and SVG of each chart) into the existing folder `dir`
/// (the report folder writer's one call for the page and its pictures).
pub fn write_with_charts(r: &Report, dir: &std::path::Path) -> Result<()> {
    super::write_file(dir, "report.html", &render(r)?)?;
    charts::write_charts(r, dir)?;
    Ok(())
}

/// Renders the HTML report.
pub fn render(r: &Report) -> Result<Vec<u8>> {
    let mut o = String::new();
    let mut svgs = Vec::new();
    for kind in ChartKind::ALL {
        svgs.push((kind, charts::svg(r, kind)?));
    }
    let _ = write_report(&mut o, r, &svgs);
    Ok(o.into_bytes())
}

fn write_report(o: &mut String, r: &Report, svgs: &[(ChartKind, String)]) -> std::fmt::Result {
    writeln!(o, "<!DOCTYPE html>")?;
    writeln!(o, "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")?;
    writeln!(
        o,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(o, "<title>VPC endpoint cost report</title>")?;
    writeln!(o, "<style>{CSS}</style>\n</head>\n<body>\n<main>")?;
    writeln!(o, "<h1>VPC endpoint cost report</h1>")?;
    writeln!(
        o,
        "<p class=\"meta\">{} · policy <code>{}</code> · {} VPC(s) · window {} to {} · ip-ranges {} ({})</p>",
        escape(&r.tool),
        escape(r.policy.name()),
        r.vpcs.len(),
        escape(&r.assumptions.window_start),
        escape(&r.assumptions.window_end),
        escape(&r.ip_ranges.sync_token),
        escape(&r.ip_ranges.create_date)
    )?;
    write_summary(o, r)?;
    write_nav(o, r)?;
    writeln!(o, "<section id=\"charts\">\n<h2>Charts</h2>")?;
    for (kind, svg) in svgs {
        writeln!(
            o,
            "<figure id=\"chart-{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            kind.stem(),
            svg.trim(),
            chart_caption(*kind)
        )?;
    }
    writeln!(o, "</section>")?;
    if !r.warnings.is_empty() {
        writeln!(
            o,
            "<section id=\"warnings\">\n<h2>Warnings</h2>\n<ul class=\"warn\">"
        )?;
        for w in &r.warnings {
            writeln!(o, "<li>{}</li>", escape_code(w))?;
        }
        writeln!(o, "</ul>\n</section>")?;
    }
    for (i, v) in r.vpcs.iter().enumerate() {
        write_vpc(o, i, v)?;
    }
    write_bill(o, r)?;
    write_caveats(o, r)?;
    write_accounting(o, r)?;
    write_vantage(o, r)?;
    write_guide(o)?;
    writeln!(o, "</main>\n</body>\n</html>")?;
    Ok(())
}

fn chart_caption(kind: ChartKind) -> &'static str {
    match kind {
        ChartKind::Costs => "Monthly cost of each setup per VPC, stacked by cost component; the recommended setup is outlined. Also in charts/costs.png and charts/costs.svg.",
        ChartKind::Traffic => "Monthly traffic (both directions) per VPC by destination. Also in charts/traffic.png and charts/traffic.svg.",
        ChartKind::BreakEven => "Monthly cost against GB/month for one service: NAT data processing vs an interface endpoint in 1, 2 or 3 AZs; each observed same-region AWS service is a point (green: above break-even for its VPC's AZ count). Also in charts/break-even.png and charts/break-even.svg.",
        ChartKind::Time => "Observed traffic per hour (per day beyond a week), both directions, by destination class, one panel per VPC: summed as logged, then each VPC's class scaled to its totals after NAT de-duplication (see the notes). Also in charts/traffic-over-time.png and charts/traffic-over-time.svg.",
    }
}

fn write_summary(o: &mut String, r: &Report) -> std::fmt::Result {
    let s = &r.summary;
    writeln!(o, "<section id=\"summary\">\n<h2>Summary: what to do</h2>")?;
    for (i, line) in super::headline(r).iter().enumerate() {
        if i == 0 {
            writeln!(
                o,
                "<p class=\"lead\"><strong>{}</strong></p>",
                escape_code(line)
            )?;
        } else {
            writeln!(o, "<p>{}</p>", escape_code(line))?;
        }
    }
    writeln!(
        o,
        "<p class=\"lead\">Across all VPCs: <strong>{}/month today</strong> (NAT only, as modelled) → <strong>{}/month recommended</strong>, {} <strong>{}/month</strong> ({} a year).</p>",
        fmt_usd(s.baseline_usd),
        fmt_usd(s.recommended_usd),
        if s.monthly_saving_usd.is_sign_negative() && !s.monthly_saving_usd.is_zero() {
            "costing"
        } else {
            "saving"
        },
        fmt_usd(s.monthly_saving_usd.abs()),
        fmt_usd(s.monthly_saving_usd.abs() * rust_decimal::Decimal::from(12))
    )?;
    writeln!(o, "<ul>")?;
    for v in &r.vpcs {
        let rec = &v.recommendation;
        let saving = rec.monthly_saving_usd;
        writeln!(
            o,
            "<li><strong class=\"id\">{}</strong> ({}): {} (<code>{}</code>, {}/month, {}).</li>",
            escape(&v.traffic.vpc_id),
            escape(&v.traffic.region),
            escape(&super::action(v)),
            rec.recommended.name(),
            fmt_usd(rec.recommended_usd),
            money_delta(saving)
        )?;
    }
    writeln!(o, "</ul>")?;
    writeln!(o, "<div class=\"scroll\"><table>")?;
    writeln!(o, "<thead><tr><th>VPC</th><th>Region</th><th class=\"n\">Via NAT GB/month</th><th class=\"n\">Today</th><th>Recommended</th><th class=\"n\">Cost</th><th class=\"n\">Saving/month</th><th>Cheapest overall</th></tr></thead>\n<tbody>")?;
    for v in &r.vpcs {
        let rec = &v.recommendation;
        writeln!(
            o,
            "<tr><td class=\"id\">{}</td><td class=\"id\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td><code>{}</code> ({})</td></tr>",
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
    writeln!(
        o,
        "<tr><th>Total</th><th></th><th></th><th class=\"n\">{}</th><th>policy <code>{}</code></th><th class=\"n\">{}</th><th class=\"n\">{}</th><th></th></tr>",
        fmt_usd(s.baseline_usd),
        escape(r.policy.name()),
        fmt_usd(s.recommended_usd),
        fmt_usd(s.monthly_saving_usd)
    )?;
    writeln!(o, "</tbody></table></div>\n</section>")?;
    Ok(())
}

fn money_delta(saving: rust_decimal::Decimal) -> String {
    if saving > rust_decimal::Decimal::ZERO {
        format!(
            "<span class=\"save\">saves {}/month</span>",
            fmt_usd(saving)
        )
    } else if saving < rust_decimal::Decimal::ZERO {
        format!(
            "<span class=\"cost\">costs {}/month more than NAT only</span>",
            fmt_usd(-saving)
        )
    } else {
        "costs the same as NAT only".to_string()
    }
}

fn write_nav(o: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(o, "<nav>\n<h2>Contents</h2>\n<ul>")?;
    writeln!(o, "<li><a href=\"#charts\">Charts</a></li>")?;
    if !r.warnings.is_empty() {
        writeln!(o, "<li><a href=\"#warnings\">Warnings</a></li>")?;
    }
    for (i, v) in r.vpcs.iter().enumerate() {
        writeln!(
            o,
            "<li><a href=\"#vpc-{}\" class=\"id\">{}</a> ({})</li>",
            i + 1,
            escape(&v.traffic.vpc_id),
            escape(&v.traffic.region)
        )?;
    }
    if r.bill.is_some() {
        writeln!(o, "<li><a href=\"#bill\">Checked against the bill</a></li>")?;
    }
    writeln!(
        o,
        "<li><a href=\"#caveats\">Assumptions and caveats</a></li>\n<li><a href=\"#records\">Records read</a></li>\n<li><a href=\"#vantage\">Where each byte was counted</a></li>\n<li><a href=\"#guide\">VPC endpoints in brief</a></li>"
    )?;
    writeln!(o, "</ul>\n</nav>")
}

fn table_open(o: &mut String, header: &[(&str, bool)]) -> std::fmt::Result {
    write!(o, "<div class=\"scroll\"><table>\n<thead><tr>")?;
    for (h, numeric) in header {
        if *numeric {
            write!(o, "<th class=\"n\">{h}</th>")?;
        } else {
            write!(o, "<th>{h}</th>")?;
        }
    }
    writeln!(o, "</tr></thead>\n<tbody>")
}

fn table_close(o: &mut String) -> std::fmt::Result {
    writeln!(o, "</tbody></table></div>")
}

fn write_vpc(o: &mut String, i: usize, v: &VpcReport) -> std::fmt::Result {
    let t = &v.traffic;
    writeln!(
        o,
        "<section class=\"vpc\" id=\"vpc-{}\">\n<h2><span class=\"id\">{}</span> ({})</h2>",
        i + 1,
        escape(&t.vpc_id),
        escape(&t.region)
    )?;
    writeln!(
        o,
        "<p>{} interface(s) seen; AZs seen: {}; modelled with {} AZ(s) and {} NAT gateway(s) today.</p>",
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
    writeln!(o, "<h3>Traffic by destination</h3>")?;
    table_open(
        o,
        &[
            ("Destination", false),
            ("Service", false),
            ("Service region", false),
            ("Observed out GB", true),
            ("Observed in GB", true),
            ("GB/month", true),
            ("Endpoint", false),
        ],
    )?;
    let dash = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            escape(s)
        }
    };
    for d in &t.destinations {
        writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            d.class.label(),
            dash(&d.service),
            dash(&d.service_region),
            fmt_gb(crate::units::gb(d.egress_bytes)),
            fmt_gb(crate::units::gb(d.ingress_bytes)),
            fmt_gb(d.monthly_gb),
            dash(d.endpoint.as_deref().unwrap_or(""))
        )?;
    }
    table_close(o)?;

    writeln!(o, "<h3>Setups compared (per month)</h3>")?;
    table_open(
        o,
        &[
            ("Setup", false),
            ("NAT gateways", true),
            ("Via NAT GB", true),
            ("Endpoints", false),
            ("AWS traffic on NAT GB", true),
            ("Monthly cost", true),
            ("Secure", false),
        ],
    )?;
    let rec = &v.recommendation;
    for s in &v.scenarios {
        let is_rec = s.kind == rec.recommended;
        let eps: Vec<String> = s
            .endpoints
            .iter()
            .map(|e| format!("{} {}", e.endpoint_type.to_lowercase(), escape(&e.service)))
            .collect();
        writeln!(
            o,
            "<tr{}><td><code>{}</code>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            if is_rec { " class=\"rec\"" } else { "" },
            s.kind.name(),
            if is_rec { " (recommended)" } else { "" },
            s.nat_gateways,
            fmt_gb(s.nat_gb),
            if eps.is_empty() { "-".into() } else { eps.join(", ") },
            fmt_gb(s.aws_on_nat_gb),
            fmt_usd(s.total()),
            if s.is_secure() { "yes" } else { "no" }
        )?;
    }
    table_close(o)?;

    writeln!(
        o,
        "<h3>Recommendation: <code>{}</code>, {}/month, saving {}/month</h3>",
        rec.recommended.name(),
        fmt_usd(rec.recommended_usd),
        fmt_usd(rec.monthly_saving_usd)
    )?;
    writeln!(o, "<p><strong>{}.</strong></p>", escape(&super::action(v)))?;
    let ladder = super::ladder_rows(v);
    if !ladder.is_empty() {
        writeln!(
            o,
            "<p>Options, step by step (per month; saving against today):</p>"
        )?;
        writeln!(o, "<div class=\"scroll\"><table><thead><tr><th>step</th><th>setup</th><th class=\"n\">cost</th><th class=\"n\">saving</th><th class=\"n\">step's price</th><th>what it buys</th></tr></thead><tbody>")?;
        for [step, setup, cost, saving, added, buys] in ladder {
            writeln!(
                o,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{cost}</td><td class=\"n\">{saving}</td><td class=\"n\">{added}</td><td>{}</td></tr>",
                escape(&step),
                escape(&setup),
                escape_code(&buys)
            )?;
        }
        writeln!(o, "</tbody></table></div>")?;
    }
    writeln!(o, "<ul>")?;
    for reason in &rec.reasons {
        writeln!(o, "<li>{}</li>", escape_code(reason))?;
    }
    writeln!(o, "</ul>")?;
    let advice = guide::advice(v);
    if !advice.is_empty() {
        writeln!(o, "<p>Building it:</p>\n<ul>")?;
        for a in advice {
            writeln!(o, "<li>{}</li>", escape(a))?;
        }
        writeln!(o, "</ul>")?;
    }
    if let Some(s) = v.scenarios.iter().find(|s| s.kind == rec.recommended) {
        writeln!(o, "<p>Cost lines of <code>{}</code>:</p>", s.kind.name())?;
        table_open(
            o,
            &[
                ("Component", false),
                ("Detail", false),
                ("Quantity", true),
                ("Unit price", true),
                ("Monthly", true),
                ("Price source", false),
            ],
        )?;
        for l in &s.lines {
            writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{} {}</td><td class=\"n\">${}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                l.component.label(),
                escape(&l.detail),
                fmt_gb(l.quantity),
                escape(&l.unit),
                l.usd_per_unit.normalize(),
                fmt_usd(l.monthly_usd),
                escape(&l.price_source)
            )?;
        }
        writeln!(
            o,
            "<tr><th>Total</th><th></th><th></th><th></th><th class=\"n\">{}</th><th></th></tr>",
            fmt_usd(s.total())
        )?;
        table_close(o)?;
    }
    let interface: Vec<_> = v
        .break_evens
        .iter()
        .filter(|b| matches!(b.class, DestClass::AwsService | DestClass::AwsCrossRegion))
        .collect();
    if !interface.is_empty() {
        writeln!(o, "<h3>Interface endpoint break-even</h3>")?;
        table_open(
            o,
            &[
                ("Service", false),
                ("GB/month", true),
                ("Break-even GB/month", true),
                ("AZs", true),
                ("Endpoint cheaper than NAT?", false),
            ],
        )?;
        for b in interface {
            writeln!(
                o,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                escape(&b.service),
                fmt_gb(b.monthly_gb),
                b.break_even_gb.map(fmt_gb).unwrap_or_else(|| "never".into()),
                b.azs,
                if b.passes { "yes" } else { "no" }
            )?;
        }
        table_close(o)?;
    }
    write_sensitivity(o, v)?;
    writeln!(o, "</section>")
}

fn write_caveats(o: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(
        o,
        "<section id=\"caveats\">\n<h2>Assumptions and caveats</h2>\n<ul>"
    )?;
    for item in super::assumption_items(r) {
        writeln!(o, "<li>{}</li>", escape_code(&item))?;
    }
    writeln!(o, "</ul>")?;
    writeln!(o, "<h3>Prices used ({})</h3>", escape(&r.prices.origin))?;
    table_open(
        o,
        &[
            ("Region", false),
            ("Item", false),
            ("From GB", true),
            ("USD", true),
            ("Unit", false),
            ("Usage type", false),
            ("As of", false),
            ("Source", false),
        ],
    )?;
    for rp in &r.prices.regions {
        for (item, tiers) in &rp.items {
            for t in tiers {
                writeln!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td></tr>",
                    escape(&rp.region),
                    item.name(),
                    t.begin_gb,
                    t.price.usd.normalize(),
                    escape(&t.price.unit),
                    escape(&t.price.usage_type),
                    escape(&t.price.as_of),
                    escape(&t.price.source),
                    escape(&t.price.source_kind)
                )?;
            }
        }
    }
    table_close(o)?;
    writeln!(o, "</section>")
}

fn write_accounting(o: &mut String, r: &Report) -> std::fmt::Result {
    let a = &r.accounting;
    writeln!(o, "<section id=\"records\">\n<h2>Records read</h2>")?;
    table_open(o, &[("What", false), ("Count", true)])?;
    for (what, n) in super::accounting_rows(a) {
        writeln!(o, "<tr><td>{what}</td><td class=\"n\">{n}</td></tr>")?;
    }
    writeln!(
        o,
        "<tr><td>accepted bytes</td><td class=\"n\">{} ({} GB)</td></tr>",
        a.accepted_bytes,
        fmt_gb(crate::units::gb(a.accepted_bytes))
    )?;
    table_close(o)?;
    if !r.malformed_examples.is_empty() {
        writeln!(o, "<p>First malformed lines:</p>\n<ul>")?;
        for m in &r.malformed_examples {
            writeln!(o, "<li><code>{}</code></li>", escape(m))?;
        }
        writeln!(o, "</ul>")?;
    }
    if !r.inputs.skipped_files.is_empty() {
        writeln!(
            o,
            "<p>{} file(s) skipped (not flow-log files by name): {}</p>",
            r.inputs.skipped_files.len(),
            r.inputs
                .skipped_files
                .iter()
                .take(10)
                .map(|s| format!("<code>{}</code>", escape(s)))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    if !r.inputs.failed_files.is_empty() {
        writeln!(
            o,
            "<p>{} file(s) could not be read and were skipped (nothing of them is in the totals, which are lower bounds):</p>\n<ul>",
            r.inputs.failed_files.len()
        )?;
        for f in &r.inputs.failed_files {
            writeln!(
                o,
                "<li><code>{}</code>: {} ({} bytes, {} record(s) read before the fault)</li>",
                escape(&f.path),
                escape(&f.reason),
                f.bytes,
                f.records_before_fault
            )?;
        }
        writeln!(o, "</ul>")?;
    }
    if !r.inputs.duplicate_files.is_empty() {
        writeln!(
            o,
            "<p>Files with the same content as another, read once:</p>\n<ul>"
        )?;
        for d in &r.inputs.duplicate_files {
            writeln!(
                o,
                "<li><code>{}</code> (same as <code>{}</code>)</li>",
                escape(&d.path),
                escape(&d.same_as)
            )?;
        }
        writeln!(o, "</ul>")?;
    }
    if let Some(sel) = &r.inputs.selection {
        writeln!(o, "<p>Selection: {}.</p>", escape(sel))?;
    }
    if let Some(s3) = &r.inputs.s3 {
        writeln!(o, "<p>{}</p>", escape(&s3.sentence()))?;
    }
    writeln!(o, "<p>Record formats seen:</p>\n<ul>")?;
    for (f, n) in &r.inputs.formats {
        writeln!(o, "<li>{} records: <code>{}</code></li>", n, escape(f))?;
    }
    writeln!(o, "</ul>\n</section>")
}

fn write_table(o: &mut String, t: &guide::Table) -> std::fmt::Result {
    writeln!(o, "<h3>{}</h3>", t.title)?;
    table_open(o, &t.header.iter().map(|h| (*h, false)).collect::<Vec<_>>())?;
    for row in t.rows {
        write!(o, "<tr>")?;
        for (k, cell) in row.iter().enumerate() {
            if k == 0 {
                write!(o, "<th>{}</th>", escape(cell))?;
            } else {
                write!(o, "<td>{}</td>", escape(cell))?;
            }
        }
        writeln!(o, "</tr>")?;
    }
    table_close(o)
}

fn write_guide(o: &mut String) -> std::fmt::Result {
    writeln!(
        o,
        "<section id=\"guide\">\n<h2>VPC endpoints in brief</h2>\n<ul>"
    )?;
    for n in guide::NOTES {
        writeln!(o, "<li>{}</li>", escape(n))?;
    }
    writeln!(o, "</ul>")?;
    for t in [&guide::TYPES, &guide::SECURITY, &guide::BEST_PRACTICES] {
        write_table(o, t)?;
    }
    writeln!(o, "</section>")
}

/// A shared view as an HTML table (every cell escaped).
fn write_view(o: &mut String, v: &views::View, level: u8) -> std::fmt::Result {
    writeln!(o, "<h{level}>{}</h{level}>", escape(&v.title))?;
    for line in &v.intro {
        writeln!(o, "<p>{}</p>", escape(line))?;
    }
    let header: Vec<(String, bool)> = v.header.iter().map(|(h, n)| (escape(h), *n)).collect();
    let header: Vec<(&str, bool)> = header.iter().map(|(h, n)| (h.as_str(), *n)).collect();
    table_open(o, &header)?;
    for row in &v.rows {
        write!(o, "<tr>")?;
        for (cell, (_, numeric)) in row.iter().zip(&v.header) {
            if *numeric {
                write!(o, "<td class=\"n\">{}</td>", escape(cell))?;
            } else {
                write!(o, "<td>{}</td>", escape(cell))?;
            }
        }
        writeln!(o, "</tr>")?;
    }
    table_close(o)
}

/// What the inventory says the VPC has today, and its traffic by AZ.
fn write_today(o: &mut String, v: &VpcReport) -> std::fmt::Result {
    for line in views::today(v) {
        writeln!(o, "<p>{}</p>", escape(&line))?;
    }
    if let Some(view) = views::traffic_by_az(v) {
        write_view(o, &view, 3)?;
    }
    if let Some(view) = views::paths(v) {
        write_view(o, &view, 3)?;
    }
    Ok(())
}

/// Fewer-AZ options, break-even distance, growth.
fn write_sensitivity(o: &mut String, v: &VpcReport) -> std::fmt::Result {
    if let Some(view) = views::fewer_azs(v) {
        write_view(o, &view, 3)?;
    }
    if let Some(line) = views::break_even_distance(v) {
        writeln!(o, "<p>{}</p>", escape(&line))?;
    }
    if let Some(view) = views::growth(v) {
        write_view(o, &view, 3)?;
    }
    Ok(())
}

/// Billed against modelled (`--bill`).
fn write_bill(o: &mut String, r: &Report) -> std::fmt::Result {
    let views = views::bill(r);
    if views.is_empty() {
        return Ok(());
    }
    writeln!(
        o,
        "<section id=\"bill\">\n<h2>Checked against the bill</h2>"
    )?;
    for view in views {
        write_view(o, &view, 3)?;
    }
    writeln!(o, "</section>")
}

/// Where each byte was counted: attribution, NAT de-duplication, DNS naming, inventory files.
fn write_vantage(o: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(
        o,
        "<section id=\"vantage\">\n<h2>Where each byte was counted</h2>"
    )?;
    for view in views::vantage(r) {
        write_view(o, &view, 3)?;
    }
    writeln!(o, "</section>")
}
