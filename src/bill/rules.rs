//! `data/bill-usage.csv` (category, field, pattern, unit, source) in; a bill row's
//! [`Category`] (NAT gateway hours or GB, VPC endpoint hours or GB, inter-AZ transfer, transfer
//! billed on a NAT gateway, or other) out.

use std::sync::OnceLock;

use serde::Serialize;

use crate::error::{Error, Result};

/// The rules shipped with the tool.
pub const EMBEDDED_RULES: &str = include_str!("../../data/bill-usage.csv");

/// What a bill row charges for, as far as this tool is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    NatHours,
    NatGb,
    EndpointHours,
    EndpointGb,
    InterAz,
    /// Data transfer billed on a NAT gateway that is not NAT processing (internet out or in,
    /// inter-region): paid whatever carries the traffic, not modelled.
    NatDataTransfer,
    /// Any other charge: counted as ignored.
    Other,
}

impl Category {
    pub const USED: [Category; 6] = [
        Category::NatHours,
        Category::NatGb,
        Category::EndpointHours,
        Category::EndpointGb,
        Category::InterAz,
        Category::NatDataTransfer,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Category::NatHours => "nat-hours",
            Category::NatGb => "nat-gb",
            Category::EndpointHours => "endpoint-hours",
            Category::EndpointGb => "endpoint-gb",
            Category::InterAz => "inter-az",
            Category::NatDataTransfer => "nat-data-transfer",
            Category::Other => "other",
        }
    }

    fn from_key(key: &str) -> Option<Category> {
        Category::USED.into_iter().find(|c| c.key() == key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    UsageType,
    Description,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Any,
    Hours,
    Gb,
}

/// One rule of the file.
#[derive(Debug, Clone)]
struct Rule {
    category: Category,
    field: Field,
    /// Lower-cased for descriptions.
    pattern: String,
    unit: Unit,
}

/// Parses rules text; `origin` names it in errors.
fn parse(text: &str, origin: &str) -> Result<Vec<Rule>> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let bad = |line: u64, reason: String| Error::Invalid(format!("{origin}:{line}: {reason}"));
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(1, e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    if header != ["category", "field", "pattern", "unit", "source"] {
        return Err(bad(
            1,
            "header must be category,field,pattern,unit,source".into(),
        ));
    }
    let mut rules = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(0, e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let f = |i: usize| record.get(i).unwrap_or("").trim();
        let category = Category::from_key(f(0))
            .ok_or_else(|| bad(line, format!("unknown category `{}`", f(0))))?;
        let field = match f(1) {
            "usage_type" => Field::UsageType,
            "description" => Field::Description,
            other => return Err(bad(line, format!("unknown field `{other}`"))),
        };
        let unit = match f(3) {
            "" => Unit::Any,
            "hours" => Unit::Hours,
            "gb" => Unit::Gb,
            other => return Err(bad(line, format!("unknown unit `{other}`"))),
        };
        if f(2).is_empty() || f(4).is_empty() {
            return Err(bad(line, "every rule needs a pattern and a source".into()));
        }
        let pattern = match field {
            Field::UsageType => f(2).to_string(),
            Field::Description => f(2).to_ascii_lowercase(),
        };
        rules.push(Rule {
            category,
            field,
            pattern,
            unit,
        });
    }
    Ok(rules)
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| parse(EMBEDDED_RULES, "data/bill-usage.csv").expect("shipped rules parse"))
}

/// `hours`, `gb` or other, from a pricing unit (`Hours`, `Hrs`, `GB`, `GiB`...).
fn unit_of(text: &str) -> Unit {
    let t = text.trim().to_ascii_lowercase();
    if t.starts_with('h') {
        Unit::Hours
    } else if t.starts_with("gb") || t.starts_with("gib") {
        Unit::Gb
    } else {
        Unit::Any
    }
}

/// The category of a row with this usage type (may be empty), description and pricing unit,
/// billed on `resource` (the id after the ARN's last `/`).
pub fn classify(usage_type: &str, description: &str, unit: &str, resource: &str) -> Category {
    let row_unit = unit_of(unit);
    let lower = description.to_ascii_lowercase();
    for r in rules() {
        if r.unit != Unit::Any && r.unit != row_unit {
            continue;
        }
        let hit = match r.field {
            Field::UsageType => !usage_type.is_empty() && usage_type.ends_with(&r.pattern),
            Field::Description => lower.contains(&r.pattern),
        };
        if hit {
            return r.category;
        }
    }
    if resource.starts_with("nat-") {
        Category::NatDataTransfer
    } else {
        Category::Other
    }
}

/// The resource id of a bill's ResourceId / line_item_resource_id: the part after the last `/`
/// of an ARN (`arn:aws:ec2:us-east-1:123:natgateway/nat-0abc` -> `nat-0abc`), else the text.
pub fn resource_id(text: &str) -> &str {
    let t = text.trim();
    match t.rsplit_once('/') {
        Some((_, id)) if !id.is_empty() => id,
        _ => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_rules_parse_and_classify() {
        assert!(!rules().is_empty());
        assert_eq!(
            classify("USE1-NatGateway-Hours", "", "Hrs", "nat-1"),
            Category::NatHours
        );
        assert_eq!(
            classify("NatGateway-Bytes", "", "GB", "nat-1"),
            Category::NatGb
        );
        assert_eq!(
            classify(
                "",
                "$0.045 per GB Data Processed by NAT Gateways",
                "GB",
                "nat-1"
            ),
            Category::NatGb
        );
        assert_eq!(
            classify(
                "",
                "$0.085 per GB - next 40 TB / month data transfer out",
                "GB",
                "nat-1"
            ),
            Category::NatDataTransfer
        );
        assert_eq!(
            classify(
                "",
                "$0.085 per GB - next 40 TB / month data transfer out",
                "GB",
                "i-1"
            ),
            Category::Other
        );
        assert_eq!(
            classify("EUW2-VpcEndpoint-GWLBE-Bytes", "", "GB", "vpce-1"),
            Category::EndpointGb
        );
        assert_eq!(
            classify("APS1-VpcEndpoint-Resource-Hours", "", "Hrs", "vpce-1"),
            Category::Other
        );
        assert_eq!(
            resource_id("arn:ats:el2:us-test-2:961082193871:natgatetal/nat-0e79lee93548fe603"),
            "nat-0e79lee93548fe603"
        );
        assert_eq!(resource_id("vpce-0abc"), "vpce-0abc");
    }
}
