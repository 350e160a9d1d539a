//! Prices: a price CSV (the embedded `data/prices.csv` or `--prices FILE`) in; per region, what
//! each billable item costs, with tiers, source and as-of date, out. Money is `rust_decimal`.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{Error, Result};

pub mod import;

/// The price table shipped with the tool.
pub const EMBEDDED_PRICES: &str = include_str!("../../data/prices.csv");

/// Columns a price CSV must have, in this order.
pub const PRICE_COLUMNS: [&str; 10] = [
    "region",
    "item",
    "unit",
    "usd",
    "begin_gb",
    "end_gb",
    "usage_type",
    "source",
    "source_kind",
    "as_of",
];

/// A billable item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    NatGatewayHourly,
    NatGatewayPerGb,
    InterfaceEndpointHourlyPerAz,
    InterfaceEndpointPerGb,
    GwlbEndpointHourly,
    GwlbEndpointPerGb,
    InterAzPerGb,
    /// Regional NAT gateway, per hour in each AZ it is active in.
    RegionalNatGatewayHourly,
    RegionalNatGatewayPerGb,
    /// Provisioned-bandwidth NAT gateway, per provisioned Gbps per hour (`NatGateway-Prvd-Gbps`).
    NatGatewayProvisionedGbpsHourly,
    /// Data processed by a provisioned-bandwidth NAT gateway (`NatGateway-Prvd-Bytes`).
    NatGatewayProvisionedPerGb,
    /// Data transfer out of this region to another AWS region (`<SRC>-<DST>-AWS-Out-Bytes`).
    InterRegionPerGb,
}

impl Item {
    pub const ALL: [Item; 12] = [
        Item::NatGatewayHourly,
        Item::NatGatewayPerGb,
        Item::InterfaceEndpointHourlyPerAz,
        Item::InterfaceEndpointPerGb,
        Item::GwlbEndpointHourly,
        Item::GwlbEndpointPerGb,
        Item::InterAzPerGb,
        Item::RegionalNatGatewayHourly,
        Item::RegionalNatGatewayPerGb,
        Item::NatGatewayProvisionedGbpsHourly,
        Item::NatGatewayProvisionedPerGb,
        Item::InterRegionPerGb,
    ];

    /// The items every region should price for the standard setups (`prices show` flags a
    /// region that lacks one).
    pub const CORE: &'static [Item] = Item::ALL.as_slice().split_at(7).0;

    /// The name used in price files.
    pub fn name(self) -> &'static str {
        match self {
            Item::NatGatewayHourly => "nat_gateway_hourly",
            Item::NatGatewayPerGb => "nat_gateway_per_gb",
            Item::InterfaceEndpointHourlyPerAz => "interface_endpoint_hourly_per_az",
            Item::InterfaceEndpointPerGb => "interface_endpoint_per_gb",
            Item::GwlbEndpointHourly => "gwlb_endpoint_hourly",
            Item::GwlbEndpointPerGb => "gwlb_endpoint_per_gb",
            Item::InterAzPerGb => "inter_az_per_gb",
            Item::RegionalNatGatewayHourly => "regional_nat_gateway_hourly",
            Item::RegionalNatGatewayPerGb => "regional_nat_gateway_per_gb",
            Item::NatGatewayProvisionedGbpsHourly => "nat_gateway_provisioned_gbps_hourly",
            Item::NatGatewayProvisionedPerGb => "nat_gateway_provisioned_per_gb",
            Item::InterRegionPerGb => "inter_region_per_gb",
        }
    }

    fn from_name(s: &str) -> Option<Item> {
        Item::ALL.into_iter().find(|i| i.name() == s)
    }

    /// Whether the item is priced per hour (else per GB).
    pub fn hourly(self) -> bool {
        matches!(
            self,
            Item::NatGatewayHourly
                | Item::InterfaceEndpointHourlyPerAz
                | Item::GwlbEndpointHourly
                | Item::RegionalNatGatewayHourly
                | Item::NatGatewayProvisionedGbpsHourly
        )
    }

    /// The unit in price files and cost lines (`hour`, `Gbps-hour` or `GB`).
    pub fn unit(self) -> &'static str {
        match self {
            Item::NatGatewayProvisionedGbpsHourly => "Gbps-hour",
            i if i.hourly() => "hour",
            _ => "GB",
        }
    }

    /// The unit the AWS Price List gives the item in.
    pub fn price_list_unit(self) -> &'static str {
        match self {
            Item::NatGatewayProvisionedGbpsHourly => "Gbps-hrs",
            i if i.hourly() => "Hrs",
            _ => "GB",
        }
    }
}

/// One price with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Price {
    #[serde(with = "rust_decimal::serde::str")]
    pub usd: Decimal,
    /// `hour`, `Gbps-hour` or `GB`.
    pub unit: String,
    pub usage_type: String,
    pub source: String,
    pub source_kind: String,
    pub as_of: String,
}

impl Price {
    /// Short citation for cost lines: source kind, as-of date and usage type.
    pub fn citation(&self) -> String {
        format!(
            "{} ({}, as of {})",
            self.usage_type, self.source_kind, self.as_of
        )
    }
}

/// A price that applies from `begin_gb` (inclusive) to `end_gb` (exclusive; `None` = no end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tier {
    #[serde(with = "rust_decimal::serde::str")]
    pub begin_gb: Decimal,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub end_gb: Option<Decimal>,
    pub price: Price,
}

/// Prices of one region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegionPrices {
    pub region: String,
    pub items: BTreeMap<Item, Vec<Tier>>,
}

impl RegionPrices {
    /// The price of an untiered item (or the first tier of a tiered one).
    pub fn price(&self, item: Item) -> Result<&Price> {
        Ok(&self.tiers(item)?[0].price)
    }

    /// Whether an item's tier table goes on to infinity (else it stops early, or is absent).
    pub fn complete(&self, item: Item) -> bool {
        self.items
            .get(&item)
            .and_then(|t| t.last())
            .is_some_and(|t| t.end_gb.is_none())
    }

    /// What this region's table lacks, one sentence per gap: items of [`Item::CORE`] with no
    /// price, and tier tables that stop early. Empty when the region is complete.
    pub fn gaps(&self) -> Vec<String> {
        let mut out = Vec::new();
        for &item in Item::CORE {
            match self.items.get(&item).and_then(|t| t.last()) {
                None => out.push(format!("no {} price", item.name())),
                Some(last) => {
                    if let Some(end) = last.end_gb {
                        out.push(format!(
                            "{} tiers end at {} GB/month (last listed price ${} per GB, {}): usage beyond is refused unless the full table is supplied",
                            item.name(),
                            end,
                            last.price.usd.normalize(),
                            last.price.usage_type
                        ));
                    }
                }
            }
        }
        out
    }

    /// The tiers of an item, sorted and contiguous from 0 GB.
    pub fn tiers(&self, item: Item) -> Result<&[Tier]> {
        self.items
            .get(&item)
            .map(Vec::as_slice)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::MissingPrice {
                region: self.region.clone(),
                item: item.name().to_string(),
            })
    }
}

/// What to do with usage beyond the end of a tier table that stops early (a source that listed
/// only the first tier): never extend it silently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum TierFallback {
    /// Refuse: an error names the region, the price and how to supply the missing tiers.
    #[default]
    Refuse,
    /// Bill the excess at the last listed tier's price, stated on every affected cost line and
    /// in the report's assumptions. AWS's tiers only fall, so this is an upper bound.
    LastPrice,
}

impl TierFallback {
    pub fn name(self) -> &'static str {
        match self {
            TierFallback::Refuse => "refuse",
            TierFallback::LastPrice => "last-price",
        }
    }
}

/// GB billed at one tier's price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierPart<'a> {
    pub gb: Decimal,
    pub tier: &'a Tier,
    /// Beyond the listed tiers, priced by the named fallback (`--beyond-last-tier last-price`).
    pub fallback: bool,
}

/// Splits `gb` starting at `offset_gb` over an item's tiers. Usage beyond the end of a table
/// that stops early is refused (an error that says which price is missing and how to supply it)
/// or, with [`TierFallback::LastPrice`], billed at the last listed price and marked.
pub fn price_tiers<'a>(
    prices: &'a RegionPrices,
    item: Item,
    offset_gb: Decimal,
    gb: Decimal,
    fallback: TierFallback,
) -> Result<Vec<TierPart<'a>>> {
    let tiers = prices.tiers(item)?;
    let mut parts: Vec<TierPart> = split_tiers(tiers, offset_gb, gb)
        .into_iter()
        .map(|(gb, tier)| TierPart {
            gb,
            tier,
            fallback: false,
        })
        .collect();
    let last = tiers.last().expect("tiers() is never empty");
    if let Some(end) = last.end_gb {
        let to = offset_gb + gb;
        if to > end {
            match fallback {
                TierFallback::Refuse => {
                    return Err(Error::IncompleteTiers(Box::new(crate::error::TierGap {
                        region: prices.region.clone(),
                        item: item.name().to_string(),
                        usage_type: last.price.usage_type.clone(),
                        end_gb: end,
                        usd: last.price.usd,
                        needed_gb: to,
                    })))
                }
                TierFallback::LastPrice => parts.push(TierPart {
                    gb: to - end.max(offset_gb),
                    tier: last,
                    fallback: true,
                }),
            }
        }
    }
    Ok(parts)
}

/// Splits `gb` of usage that starts at `offset_gb` (usage already billed this month) over tiers.
/// Returns (GB in tier, tier) for each tier touched; usage beyond the end of the last tier is
/// left out (see [`price_tiers`], which refuses it or marks a fallback).
pub fn split_tiers(tiers: &[Tier], offset_gb: Decimal, gb: Decimal) -> Vec<(Decimal, &Tier)> {
    let mut out = Vec::new();
    let mut from = offset_gb;
    let to = offset_gb + gb;
    for tier in tiers {
        if from >= to {
            break;
        }
        let end = tier.end_gb.unwrap_or(Decimal::MAX);
        if from >= end {
            continue;
        }
        let upto = to.min(end);
        let start = from.max(tier.begin_gb);
        if upto > start {
            out.push((upto - start, tier));
            from = upto;
        }
    }
    out
}

/// All regions' prices and where the table came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceBook {
    pub origin: String,
    pub regions: BTreeMap<String, RegionPrices>,
}

impl PriceBook {
    /// The embedded table.
    pub fn embedded() -> Result<PriceBook> {
        PriceBook::parse(EMBEDDED_PRICES, "embedded data/prices.csv")
    }

    /// A price CSV file.
    pub fn from_path(path: &Path) -> Result<PriceBook> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        PriceBook::parse(&text, &path.display().to_string())
    }

    /// Parses price CSV text; `origin` names it in errors and reports.
    pub fn parse(text: &str, origin: &str) -> Result<PriceBook> {
        let row_err = |line: u64, reason: String| Error::PriceRow {
            path: origin.to_string(),
            line,
            reason,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| row_err(1, e.to_string()))?
            .clone();
        let names: Vec<&str> = headers.iter().collect();
        if names != PRICE_COLUMNS {
            return Err(row_err(
                1,
                format!(
                    "header is '{}', expected '{}'",
                    names.join(","),
                    PRICE_COLUMNS.join(",")
                ),
            ));
        }
        let mut regions: BTreeMap<String, RegionPrices> = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                row_err(line, e.to_string())
            })?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let f = |i: usize| record.get(i).unwrap_or("").to_string();
            let region = f(0);
            let item = Item::from_name(&f(1)).ok_or_else(|| {
                row_err(
                    line,
                    format!(
                        "unknown item '{}' (known: {})",
                        f(1),
                        Item::ALL.map(Item::name).join(", ")
                    ),
                )
            })?;
            let usd: Decimal = f(3)
                .parse()
                .map_err(|_| row_err(line, format!("usd '{}' is not a decimal number", f(3))))?;
            if usd.is_sign_negative() {
                return Err(row_err(line, format!("usd '{usd}' is negative")));
            }
            let gb_bound = |s: String, default: Option<Decimal>| -> Result<Option<Decimal>> {
                match s.as_str() {
                    "" => Ok(default),
                    "Inf" | "inf" => Ok(None),
                    v => v.parse().map(Some).map_err(|_| {
                        row_err(line, format!("GB bound '{v}' is not a number or Inf"))
                    }),
                }
            };
            let begin_gb = gb_bound(f(4), Some(Decimal::ZERO))?.unwrap_or(Decimal::ZERO);
            let end_gb = gb_bound(f(5), None)?;
            if region.is_empty() || f(7).is_empty() || f(9).is_empty() {
                return Err(row_err(
                    line,
                    "region, source and as_of are required".to_string(),
                ));
            }
            let price = Price {
                usd,
                unit: item.unit().into(),
                usage_type: f(6),
                source: f(7),
                source_kind: f(8),
                as_of: f(9),
            };
            let rp = regions
                .entry(region.clone())
                .or_insert_with(|| RegionPrices {
                    region: region.clone(),
                    items: BTreeMap::new(),
                });
            rp.items.entry(item).or_default().push(Tier {
                begin_gb,
                end_gb,
                price,
            });
        }
        for rp in regions.values_mut() {
            for (item, tiers) in rp.items.iter_mut() {
                tiers.sort_by_key(|t| t.begin_gb);
                let mut expected = Decimal::ZERO;
                for (i, t) in tiers.iter().enumerate() {
                    if t.begin_gb != expected {
                        return Err(Error::PriceRow {
                            path: origin.to_string(),
                            line: 0,
                            reason: format!(
                                "{} {}: tiers must be contiguous from 0 GB; tier {} begins at {} GB, expected {}",
                                rp.region,
                                item.name(),
                                i + 1,
                                t.begin_gb,
                                expected
                            ),
                        });
                    }
                    match t.end_gb {
                        Some(e) => expected = e,
                        None if i + 1 < tiers.len() => {
                            return Err(Error::PriceRow {
                                path: origin.to_string(),
                                line: 0,
                                reason: format!(
                                    "{} {}: only the last tier may be open-ended",
                                    rp.region,
                                    item.name()
                                ),
                            })
                        }
                        None => {}
                    }
                }
                // A last tier with a stated end is kept as it is: the table stops there, and
                // pricing beyond it is refused or marked (see `price_tiers`).
            }
        }
        Ok(PriceBook {
            origin: origin.to_string(),
            regions,
        })
    }

    /// This table with every (region, item) that `overrides` prices replaced by its rows.
    pub fn overlay(mut self, overrides: PriceBook) -> PriceBook {
        for (region, rp) in overrides.regions {
            let target = self
                .regions
                .entry(region.clone())
                .or_insert_with(|| RegionPrices {
                    region,
                    items: BTreeMap::new(),
                });
            for (item, tiers) in rp.items {
                target.items.insert(item, tiers);
            }
        }
        self.origin = format!("{} overlaid with {}", self.origin, overrides.origin);
        self
    }

    /// Prices of a region, or an error that says how to supply them.
    pub fn region(&self, region: &str) -> Result<&RegionPrices> {
        self.regions.get(region).ok_or_else(|| Error::MissingPrice {
            region: region.to_string(),
            item: "any".to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn tier(begin: Decimal, end: Option<Decimal>, usd: Decimal) -> Tier {
        Tier {
            begin_gb: begin,
            end_gb: end,
            price: Price {
                usd,
                unit: "GB".into(),
                usage_type: "x".into(),
                source: "s".into(),
                source_kind: "k".into(),
                as_of: "2026-01-01".into(),
            },
        }
    }

    #[test]
    fn splits_over_tiers() {
        let tiers = vec![
            tier(dec!(0), Some(dec!(1048576)), dec!(0.01)),
            tier(dec!(1048576), Some(dec!(5242880)), dec!(0.006)),
            tier(dec!(5242880), None, dec!(0.004)),
        ];
        let parts = split_tiers(&tiers, dec!(0), dec!(7000000));
        let gb: Vec<Decimal> = parts.iter().map(|p| p.0).collect();
        assert_eq!(gb, vec![dec!(1048576), dec!(4194304), dec!(1757120)]);
        let cost: Decimal = parts.iter().map(|(g, t)| g * t.price.usd).sum();
        // 10485.76 + 25165.824 + 7028.48
        assert_eq!(cost, dec!(42680.064));
        let parts = split_tiers(&tiers, dec!(1048000), dec!(1000));
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0, dec!(576));
        assert_eq!(parts[1].0, dec!(424));
    }

    #[test]
    fn embedded_prices_parse_and_cover_us_east_1() {
        let book = PriceBook::embedded().unwrap();
        let r = book.region("us-east-1").unwrap();
        assert_eq!(r.price(Item::NatGatewayHourly).unwrap().usd, dec!(0.045));
        assert_eq!(r.price(Item::NatGatewayPerGb).unwrap().usd, dec!(0.045));
        assert_eq!(
            r.price(Item::InterfaceEndpointHourlyPerAz).unwrap().usd,
            dec!(0.01)
        );
        assert_eq!(r.tiers(Item::InterfaceEndpointPerGb).unwrap().len(), 3);
    }

    #[test]
    fn bad_rows_name_the_line() {
        let text = "region,item,unit,usd,begin_gb,end_gb,usage_type,source,source_kind,as_of\nus-east-1,nat_gateway_hourly,hour,abc,,,NatGateway-Hours,src,doc-text,2026-01-01\n";
        let err = PriceBook::parse(text, "p.csv").unwrap_err().to_string();
        assert!(err.contains("p.csv:2"), "{err}");
        let err = PriceBook::parse("a,b\n", "p.csv").unwrap_err().to_string();
        assert!(err.contains("expected 'region,item"), "{err}");
    }
}

/// A NAT instance's On-Demand hourly price (Linux), with what it can carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NatInstancePrice {
    pub instance_type: String,
    pub region: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub usd_per_hour: Decimal,
    /// Network performance as AWS states it (`up to 5 Gbps`): the throughput limit.
    pub network: String,
    pub source: String,
    pub as_of: String,
}

const EMBEDDED_NAT_INSTANCES: &str = include_str!("../../data/nat-instances.csv");

/// The shipped NAT instance prices (`data/nat-instances.csv`).
pub fn nat_instance_prices() -> Result<Vec<NatInstancePrice>> {
    let mut reader = csv::Reader::from_reader(EMBEDDED_NAT_INSTANCES.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let bad = |reason: String| Error::PriceRow {
            path: "data/nat-instances.csv".into(),
            line: i as u64 + 2,
            reason,
        };
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        if rec.len() != 6 {
            return Err(bad(format!("expected 6 columns, found {}", rec.len())));
        }
        out.push(NatInstancePrice {
            instance_type: rec[0].to_string(),
            region: rec[1].to_string(),
            usd_per_hour: rec[2]
                .parse()
                .map_err(|_| bad(format!("usd_per_hour '{}' is not a number", &rec[2])))?,
            network: rec[3].to_string(),
            source: rec[4].to_string(),
            as_of: rec[5].to_string(),
        });
    }
    Ok(out)
}

/// The price of a NAT instance type in a region: `hourly` (from `--nat-instance-hourly`) when
/// given, else the shipped table; an error that says how to supply it otherwise.
pub fn nat_instance_price(
    instance_type: &str,
    region: &str,
    hourly: Option<Decimal>,
) -> Result<NatInstancePrice> {
    if let Some(usd) = hourly {
        return Ok(NatInstancePrice {
            instance_type: instance_type.to_string(),
            region: region.to_string(),
            usd_per_hour: usd,
            network: "as the instance type allows".into(),
            source: "--nat-instance-hourly (given by the user)".into(),
            as_of: "given".into(),
        });
    }
    let table = nat_instance_prices()?;
    table
        .into_iter()
        .find(|p| p.instance_type == instance_type && p.region == region)
        .ok_or_else(|| {
            Error::Invalid(format!(
                "no NAT instance price for {instance_type} in {region}: pass --nat-instance-hourly USD (the On-Demand Linux price from the EC2 pricing page or `aws pricing get-products --service-code AmazonEC2`), or pick a type and region data/nat-instances.csv lists"
            ))
        })
}
