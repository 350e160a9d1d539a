//! Terminal renderer: a [`Report`] in, a summary table that fits 100 columns out, coloured
//! with plain ANSI codes only when asked ([`use_color`]: stdout a terminal, `NO_COLOR` unset).

use std::fmt::Write;

use super::{fmt_usd, Report};

/// Replaces control characters so input values cannot move the cursor or recolour the terminal.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn clip(s: &str, width: usize) -> String {
    let s = sanitize(s);
    if s.chars().count() <= width {
        s
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('~');
        t
    }
}

/// Wraps `text` at word boundaries to `width` columns; continuation lines start with `indent`.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = indent.to_string();
        } else if len > 0 && line != indent {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The classified traffic as a table of GB/month (fits 100 columns).
pub fn traffic_table(
    rows: &[crate::traffic::TrafficRow],
    window: crate::traffic::Window,
) -> String {
    let factor = window.month_factor();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<21} {:<12} {:<9} {:<3} {:<16} {:<20} {:>10}",
        "VPC", "region", "AZ", "dir", "destination", "service", "GB/month"
    );
    let _ = writeln!(o, "{}", "-".repeat(97));
    for r in rows {
        let service = if !r.endpoint_service.is_empty() {
            format!("{} (DNS)", r.endpoint_service)
        } else if r.service_region.is_empty() || r.service_region == r.region {
            r.service.clone()
        } else {
            format!("{} {}", r.service, r.service_region)
        };
        let _ = writeln!(
            o,
            "{:<21} {:<12} {:<9} {:<3} {:<16} {:<20} {:>10}",
            clip(&r.vpc_id, 21),
            clip(&r.region, 12),
            clip(&r.az_id, 9),
            if r.direction == "ingress" {
                "in"
            } else {
                "out"
            },
            r.class.key(),
            clip(&service, 20),
            super::fmt_gb(crate::units::gb(r.bytes) * factor)
        );
    }
    let _ = writeln!(
        o,
        "\nwindow {} to {}; GB = 2^30 bytes, scaled to a 730-hour month",
        super::iso_utc(window.start),
        super::iso_utc(window.end)
    );
    o
}

/// Whether to colour: only on a terminal, and never when `NO_COLOR` is set to a non-empty
/// value (<https://no-color.org>).
pub fn use_color(stdout_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stdout_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

const BOLD: &str = "1";
const GREEN: &str = "32";
const RED: &str = "31";
const YELLOW: &str = "33";

/// `s` in ANSI style `code` when `color`, else unchanged (pad before painting).
fn paint(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// Renders the summary table and the warnings, without colour.
pub fn render(r: &Report) -> String {
    render_styled(r, false)
}

/// Renders the summary table and the warnings; `color` adds ANSI styles (bold header, savings in
/// green, extra costs in red, warnings in yellow) without changing the text or its widths.
pub fn render_styled(r: &Report, color: bool) -> String {
    let mut o = String::new();
    for (i, line) in super::headline(r).iter().enumerate() {
        let text = wrap(&sanitize(line), 100, "  ");
        if i == 0 && color && r.summary.do_now_saving_usd > rust_decimal::Decimal::ZERO {
            o.push_str(&paint(text.trim_end(), GREEN, true));
            o.push('\n');
        } else {
            o.push_str(&text);
        }
    }
    o.push('\n');
    let header = format!(
        "{:<24} {:<14} {:>11} {:<18} {:>11} {:>11}",
        "VPC", "region", "today/mo", "recommended", "cost/mo", "saving/mo"
    );
    let _ = writeln!(o, "{}", paint(&header, BOLD, color));
    let _ = writeln!(o, "{}", "-".repeat(94));
    for v in &r.vpcs {
        let rec = &v.recommendation;
        let _ = writeln!(
            o,
            "{:<24} {:<14} {:>11} {:<18} {:>11} {}",
            clip(&v.traffic.vpc_id, 24),
            clip(&v.traffic.region, 14),
            fmt_usd(rec.baseline_usd),
            rec.recommended.name(),
            fmt_usd(rec.recommended_usd),
            saving_cell(rec.monthly_saving_usd, color)
        );
    }
    let _ = writeln!(o, "{}", "-".repeat(94));
    let _ = writeln!(
        o,
        "{:<24} {:<14} {:>11} {:<18} {:>11} {}",
        "total",
        "",
        fmt_usd(r.summary.baseline_usd),
        format!("(policy {})", r.policy.name()),
        fmt_usd(r.summary.recommended_usd),
        saving_cell(r.summary.monthly_saving_usd, color)
    );
    let a = &r.accounting;
    o.push('\n');
    o.push_str(&wrap(
        &format!(
            "{} records in {} files: {} accepted, {} rejected, {} NODATA, {} SKIPDATA, {} without bytes, {} malformed",
            a.records, a.files, a.accepted, a.rejected, a.nodata, a.skipdata, a.accepted_without_bytes, a.malformed
        ),
        100,
        "  ",
    ));
    let v = &r.vantage;
    let gb = |b: u64| super::fmt_gb(crate::units::gb(b));
    let mut seen = Vec::new();
    if !v.rules_used.is_empty() {
        seen.push(format!(
            "{} GB (observed) of NAT traffic logged on both a NAT gateway ENI and its clients counted once (rule {})",
            gb(v.duplicates_removed()),
            v.rules_used.join(", ")
        ));
    }
    if v.internet_gateway_bytes > 0 {
        seen.push(format!(
            "{} GB through internet gateways set aside",
            gb(v.internet_gateway_bytes)
        ));
    }
    if let Some(d) = &v.dns {
        seen.push(format!(
            "{} GB named by DNS",
            gb(d.named_bytes.values().sum())
        ));
    }
    if !seen.is_empty() {
        o.push_str(&wrap(&format!("{}.", seen.join("; ")), 100, "  "));
    }
    if let Some(b) = &r.bill {
        o.push_str(&wrap(&sanitize(&bill_line(b)), 100, "  "));
    }
    for w in &r.warnings {
        let text = wrap(
            &break_long_words(&format!("warning: {}", sanitize(w)), 90),
            100,
            "  ",
        );
        match text.strip_prefix("warning:") {
            Some(rest) if color => {
                o.push_str(&paint("warning:", YELLOW, true));
                o.push_str(rest);
            }
            _ => o.push_str(&text),
        }
    }
    o
}

/// The bill check in one line: rows read, and per VPC billed against modelled per month.
fn bill_line(b: &crate::bill::BillCheck) -> String {
    let per_vpc: Vec<String> = b
        .vpcs
        .iter()
        .map(|v| {
            format!(
                "{} billed ${}/month, modelled {}/month{}",
                v.vpc_id,
                crate::bill::fmt_amount(v.billed_monthly_usd),
                fmt_usd(v.modelled_usd),
                v.calibration_factor
                    .map(|f| format!(", traffic calibrated x{}", crate::bill::fmt_factor(f)))
                    .unwrap_or_default()
            )
        })
        .collect();
    format!(
        "Bill: {} rows read, {} used, {} ignored; {}; {} unattributed resource charge(s) (see report).",
        b.rows_read,
        b.rows_used,
        b.rows_ignored,
        if per_vpc.is_empty() {
            "no VPC".to_string()
        } else {
            per_vpc.join("; ")
        },
        b.unattributed.len()
    )
}

/// Splits words longer than `max` characters (ids from input can be) so [`wrap`] can keep
/// every line within its width.
fn break_long_words(text: &str, max: usize) -> String {
    text.split(' ')
        .map(|word| {
            let chars: Vec<char> = word.chars().collect();
            chars
                .chunks(max)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The saving, right-aligned in 11 columns: green when positive, red when negative.
fn saving_cell(saving: rust_decimal::Decimal, color: bool) -> String {
    let cell = format!("{:>11}", fmt_usd(saving));
    if saving.is_sign_positive() && !saving.is_zero() {
        paint(&cell, GREEN, color)
    } else if saving.is_sign_negative() && !saving.is_zero() {
        paint(&cell, RED, color)
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert!(use_color(true, None));
        assert!(use_color(true, Some(OsStr::new(""))));
        assert!(!use_color(true, Some(OsStr::new("1"))));
        assert!(!use_color(false, None));
        assert_eq!(paint("x", GREEN, false), "x");
        assert_eq!(paint("x", GREEN, true), "\x1b[32mx\x1b[0m");
    }

    #[test]
    fn long_words_are_broken_to_fit() {
        let long = "x".repeat(250);
        let text = wrap(
            &break_long_words(&format!("warning: {long} end"), 90),
            100,
            "  ",
        );
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
        assert_eq!(text.replace(['\n', ' '], ""), format!("warning:{long}end"));
    }
}
