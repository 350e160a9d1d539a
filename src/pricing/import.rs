//! Price List import: `aws pricing get-products` output (FormatVersion aws_v1; `PriceList` is an
//! array of JSON strings) in; rows of the price CSV that `--prices` takes out. Only exact usage
//! types are taken (`[PREFIX-]NatGateway-Hours|Bytes`, `[PREFIX-]VpcEndpoint-Hours|Bytes`,
//! `[PREFIX-]VpcEndpoint-GWLBE-Hours|Bytes`, `[PREFIX-]DataTransfer-Regional-Bytes`,
//! `[PREFIX-]RegionalNatGateway-Hours|Bytes` (us-east-1: bare hours, `USE1-` bytes),
//! `[PREFIX-]NatGateway-Prvd-Gbps|Bytes`): the
//! VpcEndpoint product family also holds resource endpoints, endpoint services and ODB charges
//! that look alike and must not be mistaken for interface endpoints.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Item, PRICE_COLUMNS};
use crate::error::{Error, Result};

/// One imported price row (a row of the price CSV).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPrice {
    pub region: String,
    pub item: Item,
    pub usd: Decimal,
    pub begin_gb: Option<Decimal>,
    /// `None` = open-ended (`Inf`).
    pub end_gb: Option<Decimal>,
    pub usage_type: String,
    pub source: String,
    pub as_of: String,
}

/// What an import found.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub prices: Vec<ImportedPrice>,
    /// Usage types present but not priced by the tool, with how many products had them.
    pub ignored: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
struct GetProducts {
    #[serde(rename = "PriceList")]
    price_list: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Offer {
    product: Product,
    terms: Terms,
    #[serde(rename = "publicationDate", default)]
    publication_date: String,
}

#[derive(Deserialize)]
struct Product {
    #[serde(default)]
    sku: String,
    attributes: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Terms {
    #[serde(rename = "OnDemand", default)]
    on_demand: BTreeMap<String, Term>,
}

#[derive(Deserialize)]
struct Term {
    #[serde(rename = "priceDimensions")]
    price_dimensions: BTreeMap<String, Dimension>,
    #[serde(rename = "effectiveDate", default)]
    effective_date: String,
}

#[derive(Deserialize)]
struct Dimension {
    unit: String,
    #[serde(rename = "beginRange", default)]
    begin_range: String,
    #[serde(rename = "endRange", default)]
    end_range: String,
    #[serde(rename = "pricePerUnit")]
    price_per_unit: BTreeMap<String, String>,
}

/// Usage-type prefix -> region, for products without a `regionCode` attribute. No prefix is
/// us-east-1.
pub const USAGE_PREFIXES: &[(&str, &str)] = &[
    ("USE1", "us-east-1"),
    ("USE2", "us-east-2"),
    ("USW1", "us-west-1"),
    ("USW2", "us-west-2"),
    ("CAN1", "ca-central-1"),
    ("CAN2", "ca-west-1"),
    ("EU", "eu-west-1"),
    ("EUW2", "eu-west-2"),
    ("EUW3", "eu-west-3"),
    ("EUC1", "eu-central-1"),
    ("EUC2", "eu-central-2"),
    ("EUN1", "eu-north-1"),
    ("EUS1", "eu-south-1"),
    ("EUS2", "eu-south-2"),
    ("APN1", "ap-northeast-1"),
    ("APN2", "ap-northeast-2"),
    ("APN3", "ap-northeast-3"),
    ("APS1", "ap-southeast-1"),
    ("APS2", "ap-southeast-2"),
    ("APS3", "ap-south-1"),
    ("APS4", "ap-southeast-3"),
    ("APS5", "ap-south-2"),
    ("APS6", "ap-southeast-4"),
    ("APS7", "ap-southeast-5"),
    ("APE1", "ap-east-1"),
    ("SAE1", "sa-east-1"),
    ("MES1", "me-south-1"),
    ("MEC1", "me-central-1"),
    ("AFS1", "af-south-1"),
    ("ILC1", "il-central-1"),
];

/// Splits a usage type into (region from its prefix, the rest).
pub fn split_usage_type(usage_type: &str) -> (Option<&'static str>, &str) {
    if let Some((prefix, rest)) = usage_type.split_once('-') {
        if let Some((_, region)) = USAGE_PREFIXES.iter().find(|(p, _)| *p == prefix) {
            return (Some(region), rest);
        }
    }
    (Some("us-east-1"), usage_type)
}

/// The item an exact usage type (without its region prefix) prices.
pub fn item_of(usage: &str) -> Option<Item> {
    Some(match usage {
        "NatGateway-Hours" => Item::NatGatewayHourly,
        "NatGateway-Bytes" => Item::NatGatewayPerGb,
        "VpcEndpoint-Hours" => Item::InterfaceEndpointHourlyPerAz,
        "VpcEndpoint-Bytes" => Item::InterfaceEndpointPerGb,
        "VpcEndpoint-GWLBE-Hours" => Item::GwlbEndpointHourly,
        "VpcEndpoint-GWLBE-Bytes" => Item::GwlbEndpointPerGb,
        "DataTransfer-Regional-Bytes" => Item::InterAzPerGb,
        "RegionalNatGateway-Hours" => Item::RegionalNatGatewayHourly,
        "RegionalNatGateway-Bytes" => Item::RegionalNatGatewayPerGb,
        "NatGateway-Prvd-Gbps" => Item::NatGatewayProvisionedGbpsHourly,
        "NatGateway-Prvd-Bytes" => Item::NatGatewayProvisionedPerGb,
        _ => return None,
    })
}

/// Reads `aws pricing get-products` outputs.
pub fn import(paths: &[std::path::PathBuf]) -> Result<Imported> {
    let mut out = Imported::default();
    let mut seen: BTreeMap<(String, Item, Option<Decimal>), usize> = BTreeMap::new();
    for path in paths {
        for price in read_one(path, &mut out.ignored)? {
            let key = (price.region.clone(), price.item, price.begin_gb);
            match seen.get(&key) {
                // The same price from several files: keep the latest publication.
                Some(&i) if out.prices[i].as_of >= price.as_of => {}
                Some(&i) => out.prices[i] = price,
                None => {
                    seen.insert(key, out.prices.len());
                    out.prices.push(price);
                }
            }
        }
    }
    out.prices
        .sort_by(|a, b| (&a.region, a.item, a.begin_gb).cmp(&(&b.region, b.item, b.begin_gb)));
    Ok(out)
}

fn read_one(path: &Path, ignored: &mut BTreeMap<String, u64>) -> Result<Vec<ImportedPrice>> {
    let bad = |reason: String| Error::Format {
        path: path.to_path_buf(),
        reason,
    };
    let text = crate::bounded::read_file(path).map_err(|e| {
        e.into_error(path, |source| Error::Read {
            path: path.to_path_buf(),
            source,
        })
    })?;
    let doc: GetProducts = serde_json::from_slice(&text).map_err(|e| {
        bad(format!(
            "not `aws pricing get-products` output (expected {{\"FormatVersion\": \"aws_v1\", \"PriceList\": [...]}}): {e}"
        ))
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut prices = Vec::new();
    for (i, entry) in doc.price_list.iter().enumerate() {
        let offer: Offer = match entry {
            serde_json::Value::String(s) => serde_json::from_str(s),
            other => serde_json::from_value(other.clone()),
        }
        .map_err(|e| bad(format!("PriceList[{i}]: {e}")))?;
        let attrs = &offer.product.attributes;
        let usage_type = attrs.get("usagetype").cloned().unwrap_or_default();
        let (prefix_region, usage) = split_usage_type(&usage_type);
        let Some(item) = item_of(usage) else {
            *ignored.entry(usage_type).or_default() += 1;
            continue;
        };
        let region = attrs
            .get("regionCode")
            .cloned()
            .or_else(|| prefix_region.map(String::from))
            .ok_or_else(|| {
                bad(format!(
                    "PriceList[{i}]: no region for usage type {usage_type}"
                ))
            })?;
        for term in offer.terms.on_demand.values() {
            // The date part of `2026-11-01T00:00:00Z` (`get`: the text may not be ASCII).
            let date = offer
                .publication_date
                .get(..10)
                .or_else(|| term.effective_date.get(..10))
                .unwrap_or("");
            for dim in term.price_dimensions.values() {
                let usd: Decimal = dim
                    .price_per_unit
                    .get("USD")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| bad(format!("PriceList[{i}] {usage_type}: no USD price")))?;
                let expected_unit = item.price_list_unit();
                if dim.unit != expected_unit {
                    return Err(bad(format!(
                        "PriceList[{i}] {usage_type}: unit '{}', expected '{expected_unit}'",
                        dim.unit
                    )));
                }
                let range = |s: &str| -> Result<Option<Decimal>> {
                    match s {
                        "" | "Inf" => Ok(None),
                        v => v.parse().map(Some).map_err(|_| {
                            bad(format!("PriceList[{i}] {usage_type}: bad range '{v}'"))
                        }),
                    }
                };
                let tiered =
                    item == Item::InterfaceEndpointPerGb || term.price_dimensions.len() > 1;
                prices.push(ImportedPrice {
                    region: region.clone(),
                    item,
                    usd: usd.normalize(),
                    begin_gb: if tiered {
                        range(&dim.begin_range)?.or(Some(Decimal::ZERO))
                    } else {
                        None
                    },
                    end_gb: if tiered { range(&dim.end_range)? } else { None },
                    usage_type: usage_type.clone(),
                    source: format!(
                        "aws pricing get-products output {name}, SKU {}",
                        offer.product.sku
                    ),
                    as_of: date.to_string(),
                });
            }
        }
    }
    Ok(prices)
}

/// The imported prices as a price CSV (the columns of `data/prices.csv`).
pub fn to_csv(prices: &[ImportedPrice]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let cerr = |e: csv::Error| Error::Invalid(format!("cannot write prices: {e}"));
    w.write_record(PRICE_COLUMNS).map_err(cerr)?;
    for p in prices {
        let unit = p.item.unit();
        let begin = p.begin_gb.map(|d| d.to_string()).unwrap_or_default();
        let end = match (p.begin_gb, p.end_gb) {
            (None, _) => String::new(),
            (Some(_), None) => "Inf".to_string(),
            (Some(_), Some(e)) => e.to_string(),
        };
        w.write_record([
            p.region.as_str(),
            p.item.name(),
            unit,
            &p.usd.to_string(),
            &begin,
            &end,
            &p.usage_type,
            &p.source,
            "price-list-data",
            &p.as_of,
        ])
        .map_err(cerr)?;
    }
    w.into_inner()
        .map_err(|e| Error::Invalid(format!("cannot write prices: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_types() {
        assert_eq!(
            split_usage_type("USE2-NatGateway-Bytes"),
            (Some("us-east-2"), "NatGateway-Bytes")
        );
        assert_eq!(
            split_usage_type("NatGateway-Hours"),
            (Some("us-east-1"), "NatGateway-Hours")
        );
        assert_eq!(
            split_usage_type("EU-VpcEndpoint-Hours"),
            (Some("eu-west-1"), "VpcEndpoint-Hours")
        );
        assert_eq!(
            item_of("VpcEndpoint-Bytes"),
            Some(Item::InterfaceEndpointPerGb)
        );
        // Look-alikes in the same product family are not interface endpoints.
        for other in [
            "VpcEndpoint-Service-Hours",
            "VpcEndpoint-Resource-Hours",
            "VpcResource-Consumer-Bytes",
        ] {
            assert_eq!(item_of(other), None, "{other}");
        }
        // Regional NAT: us-east-1 has a bare hours usage type but a prefixed bytes one.
        assert_eq!(
            split_usage_type("RegionalNatGateway-Hours"),
            (Some("us-east-1"), "RegionalNatGateway-Hours")
        );
        assert_eq!(
            split_usage_type("USE1-RegionalNatGateway-Bytes"),
            (Some("us-east-1"), "RegionalNatGateway-Bytes")
        );
        assert_eq!(
            item_of("RegionalNatGateway-Bytes"),
            Some(Item::RegionalNatGatewayPerGb)
        );
        assert_eq!(
            item_of("NatGateway-Prvd-Gbps"),
            Some(Item::NatGatewayProvisionedGbpsHourly)
        );
    }
}
