//! CSV renderers for spreadsheets: a [`Report`] in, `costs.csv` (one row per VPC x scenario x
//! cost line) and `traffic.csv` (one row per VPC x AZ x path x destination) bytes out.
//!
//! Numbers are exact decimal strings (as in report.json), never rounded floats. Text cells that
//! come from input (VPC ids, regions, AZ ids, price sources...) and start with `=`, `+`, `-`,
//! `@`, a tab or a carriage return get a leading `'`, so a spreadsheet shows them as text instead
//! of evaluating them as formulas (CSV injection); every cell is quoted as CSV requires.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::Report;
use crate::classify::{endpoint_fit, EndpointFit};
use crate::error::{Error, Result};
use crate::traffic::{DestClass, TrafficPath};
use crate::units;

/// Columns of `costs.csv`.
pub const COSTS_HEADER: [&str; 12] = [
    "vpc_id",
    "region",
    "scenario",
    "recommended",
    "cheapest",
    "component",
    "detail",
    "quantity",
    "unit",
    "usd_per_unit",
    "monthly_usd",
    "price_source",
];

/// Columns of `traffic.csv`.
pub const TRAFFIC_HEADER: [&str; 13] = [
    "vpc_id",
    "region",
    "az_id",
    "path",
    "destination",
    "aws_service",
    "service_region",
    "endpoint",
    "nat_routed",
    "egress_bytes",
    "ingress_bytes",
    "records",
    "monthly_gb",
];

/// A text cell safe to open in a spreadsheet: a leading `'` when it would start a formula.
pub fn text_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

fn writer() -> ::csv::Writer<Vec<u8>> {
    ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn finish(w: ::csv::Writer<Vec<u8>>) -> Result<Vec<u8>> {
    w.into_inner()
        .map_err(|e| Error::Invalid(format!("cannot write CSV: {e}")))
}

fn csv_err(e: ::csv::Error) -> Error {
    Error::Invalid(format!("cannot write CSV: {e}"))
}

/// `costs.csv`: every cost line of every scenario of every VPC, in report order.
pub fn render_costs(report: &Report) -> Result<Vec<u8>> {
    let mut w = writer();
    w.write_record(COSTS_HEADER).map_err(csv_err)?;
    for v in &report.vpcs {
        let rec = &v.recommendation;
        for s in &v.scenarios {
            for l in &s.lines {
                w.write_record([
                    text_cell(&v.traffic.vpc_id),
                    text_cell(&v.traffic.region),
                    s.kind.name().to_string(),
                    (s.kind == rec.recommended).to_string(),
                    (s.kind == rec.cheapest).to_string(),
                    serde_plain(&l.component),
                    text_cell(&l.detail),
                    l.quantity.to_string(),
                    text_cell(&l.unit),
                    l.usd_per_unit.to_string(),
                    l.monthly_usd.to_string(),
                    text_cell(&l.price_source),
                ])
                .map_err(csv_err)?;
            }
        }
    }
    finish(w)
}

/// The kebab-case name serde gives a unit enum variant.
fn serde_plain<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// `traffic.csv`: observed bytes per VPC, AZ (empty when unknown), path and destination (both
/// directions), with the monthly GB they scale to. Every accepted byte is in some row.
pub fn render_traffic(report: &Report) -> Result<Vec<u8>> {
    type Key<'a> = (
        &'a str,
        &'a str,
        &'a str,
        TrafficPath,
        DestClass,
        &'a str,
        &'a str,
    );
    let mut groups: BTreeMap<Key, (u64, u64, u64)> = BTreeMap::new();
    for r in &report.traffic_rows {
        let e = groups
            .entry((
                &r.vpc_id,
                &r.region,
                &r.az_id,
                r.path,
                r.class,
                &r.service,
                &r.service_region,
            ))
            .or_default();
        if r.direction == "ingress" {
            e.1 = e.1.saturating_add(r.bytes);
        } else {
            e.0 = e.0.saturating_add(r.bytes);
        }
        e.2 = e.2.saturating_add(r.records);
    }
    let factor: Decimal = report.assumptions.month_factor;
    let mut w = writer();
    w.write_record(TRAFFIC_HEADER).map_err(csv_err)?;
    for ((vpc, region, az, path, class, service, service_region), (eg, ing, recs)) in groups {
        let endpoint = if class.endpoint_eligible() {
            match endpoint_fit(service) {
                EndpointFit::Gateway(n) | EndpointFit::Interface(n) => n,
                EndpointFit::None => "",
            }
        } else {
            ""
        };
        w.write_record([
            text_cell(vpc),
            text_cell(region),
            text_cell(if az == "-" { "" } else { az }),
            path.key().to_string(),
            class.key().to_string(),
            text_cell(service),
            text_cell(service_region),
            endpoint.to_string(),
            (path == TrafficPath::Nat).to_string(),
            eg.to_string(),
            ing.to_string(),
            recs.to_string(),
            (units::gb(eg.saturating_add(ing)) * factor).to_string(),
        ])
        .map_err(csv_err)?;
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text_cell("+1"), "'+1");
        assert_eq!(text_cell("-2"), "'-2");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("vpc-1"), "vpc-1");
        assert_eq!(text_cell(""), "");
    }
}
