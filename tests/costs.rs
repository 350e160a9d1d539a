//! Cost arithmetic by hand: break-even, a small VPC's four scenarios, tiers; property tests that a
//! scenario's total is the sum of its lines and that the recommendation never costs more than a
//! rejected setup that also meets the policy.

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use vpce_advisor::pricing::{Item, PriceBook};
use vpce_advisor::recommend::{meets, recommend, Policy, PolicyKind};
use vpce_advisor::scenario::{
    break_even_gb, break_evens, build_scenarios, ScenarioConfig, ScenarioKind,
};
use vpce_advisor::traffic::{DestClass, DestTraffic, VpcTraffic};

fn dest(
    class: DestClass,
    service: &str,
    endpoint: Option<&str>,
    monthly_gb: Decimal,
) -> DestTraffic {
    DestTraffic {
        class,
        service: service.into(),
        service_region: "us-east-1".into(),
        endpoint: endpoint.map(String::from),
        egress_bytes: 0,
        ingress_bytes: 0,
        records: 0,
        monthly_gb,
        by_az: Default::default(),
    }
}

fn vpc(
    s3: Decimal,
    ddb: Decimal,
    other_aws: Decimal,
    internet: Decimal,
    private: Decimal,
) -> VpcTraffic {
    VpcTraffic {
        vpc_id: "vpc-test".into(),
        region: "us-east-1".into(),
        azs_seen: vec!["use1-az1".into(), "use1-az2".into()],
        interfaces_seen: 2,
        paths: Vec::new(),
        destinations: vec![
            dest(DestClass::S3, "S3", Some("s3"), s3),
            dest(DestClass::Dynamodb, "DYNAMODB", Some("dynamodb"), ddb),
            dest(
                DestClass::AwsService,
                "AMAZON",
                Some("other-aws"),
                other_aws,
            ),
            dest(DestClass::Internet, "", None, internet),
            dest(DestClass::Private, "", None, private),
        ],
    }
}

fn totals(v: &VpcTraffic) -> Vec<(ScenarioKind, Decimal)> {
    let book = PriceBook::embedded().unwrap();
    let prices = book.region("us-east-1").unwrap();
    build_scenarios(v, prices, &ScenarioConfig::default())
        .unwrap()
        .iter()
        .map(|s| (s.kind, s.total()))
        .collect()
}

#[test]
fn us_east_1_prices_by_hand() {
    let book = PriceBook::embedded().unwrap();
    let p = book.region("us-east-1").unwrap();
    // 730 h x $0.045 = $32.85 per NAT gateway-month.
    assert_eq!(
        dec!(730) * p.price(Item::NatGatewayHourly).unwrap().usd,
        dec!(32.85)
    );
    // An interface endpoint in 2 AZs = 2 x 730 h x $0.01 = $14.60/month plus data.
    assert_eq!(
        dec!(2) * dec!(730) * p.price(Item::InterfaceEndpointHourlyPerAz).unwrap().usd,
        dec!(14.60)
    );
}

#[test]
fn interface_break_even_us_east_1_two_azs_is_about_417_gb() {
    let book = PriceBook::embedded().unwrap();
    let be = break_even_gb(book.region("us-east-1").unwrap(), 2)
        .unwrap()
        .unwrap();
    // 2 x 730 x 0.01 / (0.045 - 0.01) = 14.6 / 0.035 = 417.142857...
    assert_eq!(be.round_dp(4), dec!(417.1429));
    let one_az = break_even_gb(book.region("us-east-1").unwrap(), 1)
        .unwrap()
        .unwrap();
    assert_eq!(one_az.round_dp(4), dec!(208.5714));
}

#[test]
fn small_vpc_four_scenarios_by_hand() {
    // us-east-1, 2 AZs -> 2 NAT gateways: hours 2 x 730 x 0.045 = 65.70.
    // Traffic/month: S3 1000 GB, DynamoDB 100, other AWS 500, internet 200, private 50 (not NAT).
    let v = vpc(dec!(1000), dec!(100), dec!(500), dec!(200), dec!(50));
    let t = totals(&v);
    // nat-only: 65.70 + 1800 GB x 0.045 (81.00) = 146.70
    assert_eq!(t[0], (ScenarioKind::NatOnly, dec!(146.70)));
    // gateway-endpoints: S3 + DynamoDB free; 65.70 + 700 x 0.045 (31.50) = 97.20
    assert_eq!(t[1], (ScenarioKind::GatewayEndpoints, dec!(97.20)));
    // gateway+interface: 500 GB > 417.14 break-even -> endpoint: 14.60 hours + 500 x 0.01 (5.00);
    // NAT keeps 200 GB internet: 65.70 + 9.00. Total 94.30.
    assert_eq!(t[2], (ScenarioKind::GatewayInterface, dec!(94.30)));
    // fully-private: the same endpoints; internet traffic keeps the NAT gateways. 94.30.
    assert_eq!(t[3], (ScenarioKind::FullyPrivate, dec!(94.30)));

    let book = PriceBook::embedded().unwrap();
    let prices = book.region("us-east-1").unwrap();
    let scenarios = build_scenarios(&v, prices, &ScenarioConfig::default()).unwrap();
    let bes = break_evens(&v, prices, 2).unwrap();
    let rec = recommend(&v, &scenarios, &bes, &Policy::strict());
    // Equal cost: the simpler setup wins.
    assert_eq!(rec.recommended, ScenarioKind::GatewayInterface);
    assert_eq!(rec.monthly_saving_usd, dec!(52.40));
}

#[test]
fn no_internet_traffic_removes_the_nat_gateways() {
    // S3 1000 GB, other AWS 100 GB (below break-even), nothing else.
    let v = vpc(dec!(1000), dec!(0), dec!(100), dec!(0), dec!(0));
    let t = totals(&v);
    assert_eq!(t[0].1, dec!(115.20)); // 65.70 + 1100 x 0.045
    assert_eq!(t[1].1, dec!(70.20)); // 65.70 + 100 x 0.045
    assert_eq!(t[2].1, dec!(70.20)); // below break-even: nothing more moves
    assert_eq!(t[3].1, dec!(15.60)); // no NAT; endpoint 14.60 + 100 x 0.01
    let book = PriceBook::embedded().unwrap();
    let prices = book.region("us-east-1").unwrap();
    let scenarios = build_scenarios(&v, prices, &ScenarioConfig::default()).unwrap();
    assert_eq!(scenarios[3].nat_gateways, 0);
    let bes = break_evens(&v, prices, 2).unwrap();
    for policy in [Policy::strict(), Policy::cheapest()] {
        assert_eq!(
            recommend(&v, &scenarios, &bes, &policy).recommended,
            ScenarioKind::FullyPrivate
        );
    }
}

#[test]
fn secure_and_cheapest_differ_below_break_even() {
    // Other AWS 100 GB (below break-even), internet present: NAT stays, so an endpoint only adds cost.
    let v = vpc(dec!(0), dec!(0), dec!(100), dec!(200), dec!(0));
    let book = PriceBook::embedded().unwrap();
    let prices = book.region("us-east-1").unwrap();
    let scenarios = build_scenarios(&v, prices, &ScenarioConfig::default()).unwrap();
    let bes = break_evens(&v, prices, 2).unwrap();
    let secure = recommend(&v, &scenarios, &bes, &Policy::strict());
    let cheapest = recommend(&v, &scenarios, &bes, &Policy::cheapest());
    assert_eq!(secure.recommended, ScenarioKind::FullyPrivate);
    assert_eq!(cheapest.recommended, ScenarioKind::NatOnly);
    // Premium: endpoint 14.60 + 1.00 - NAT data saved 4.50 = 11.10.
    assert_eq!(secure.policy_premium_usd, dec!(11.10));
}

#[test]
fn missing_interface_price_is_an_error_that_says_how_to_fix_it() {
    let book = PriceBook::embedded().unwrap();
    let mut v = vpc(dec!(0), dec!(0), dec!(1000), dec!(0), dec!(0));
    v.region = "sa-east-1".into();
    let err = build_scenarios(
        &v,
        book.region("sa-east-1").unwrap(),
        &ScenarioConfig::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("sa-east-1") && err.contains("--prices"),
        "{err}"
    );
    // Without traffic an interface endpoint could carry, NAT prices suffice.
    let v = vpc(dec!(10), dec!(0), dec!(0), dec!(10), dec!(0));
    let mut v2 = v.clone();
    v2.region = "sa-east-1".into();
    if let Err(e) = build_scenarios(
        &v2,
        book.region("sa-east-1").unwrap(),
        &ScenarioConfig::default(),
    ) {
        panic!("{e}");
    }
}

fn gb() -> impl Strategy<Value = Decimal> {
    (0u64..5_000_000_000).prop_map(|m| Decimal::new(m as i64, 3))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn totals_are_sums_of_lines_and_the_recommendation_is_the_cheapest_allowed(
        s3 in gb(), ddb in gb(), other in gb(), internet in gb(), azs in 1u32..4, nat in proptest::option::of(0u32..4)
    ) {
        let v = vpc(s3, ddb, other, internet, dec!(0));
        let book = PriceBook::embedded().unwrap();
        let prices = book.region("us-east-1").unwrap();
        let config = ScenarioConfig { nat_gateways: nat, azs: Some(azs), ..Default::default() };
        let scenarios = build_scenarios(&v, prices, &config).unwrap();
        for s in &scenarios {
            let sum: Decimal = s.lines.iter().map(|l| l.monthly_usd).sum();
            prop_assert_eq!(s.total(), sum);
            prop_assert_eq!(s.monthly_usd, sum);
            for l in &s.lines {
                prop_assert_eq!(l.monthly_usd, l.quantity * l.usd_per_unit);
                prop_assert!(!l.price_source.is_empty());
            }
        }
        let bes = break_evens(&v, prices, azs).unwrap();
        for policy in [Policy::strict(), Policy::cheapest(), Policy::secure()] {
            let rec = recommend(&v, &scenarios, &bes, &policy);
            for s in &scenarios {
                let allowed = match policy.kind {
                    PolicyKind::Cheapest => true,
                    PolicyKind::Strict => s.is_secure(),
                    PolicyKind::List => meets(&policy, &v, s),
                };
                if allowed {
                    prop_assert!(rec.recommended_usd <= s.total(), "{:?} {} > {} {}", policy, rec.recommended_usd, s.kind.name(), s.total());
                }
            }
            prop_assert!(rec.cheapest_usd <= rec.recommended_usd);
            // The ladder climbs: each step costs at least the one before, from (b) on.
            for w in rec.ladder.windows(2).skip(1) {
                prop_assert!(w[0].monthly_usd <= w[1].monthly_usd, "{:?}", rec.ladder);
            }
            prop_assert_eq!(rec.ladder[1].monthly_usd, rec.cheapest_usd);
        }
    }

    #[test]
    fn costs_never_decrease_when_traffic_grows(
        s3 in gb(), other in gb(), internet in gb(), extra in gb(), which in 0usize..3
    ) {
        let base = vpc(s3, dec!(0), other, internet, dec!(0));
        let mut grown = base.clone();
        let idx = [0usize, 2, 3][which];
        grown.destinations[idx].monthly_gb += extra;
        let book = PriceBook::embedded().unwrap();
        let prices = book.region("us-east-1").unwrap();
        let config = ScenarioConfig::default();
        let a = build_scenarios(&base, prices, &config).unwrap();
        let b = build_scenarios(&grown, prices, &config).unwrap();
        // nat-only and gateway-endpoints price fixed paths: monotone by construction of the bill.
        for k in 0..2 {
            prop_assert!(b[k].total() >= a[k].total());
        }
        // The best setup's cost is monotone too.
        let best = |s: &[vpce_advisor::scenario::Scenario]| s.iter().map(|x| x.total()).min().unwrap();
        prop_assert!(best(&b) >= best(&a));
    }
}

#[test]
fn price_list_import_takes_exact_usage_types_and_tiers() {
    let fixture = crate::common::fixture("prices/get-products-us-east-1.json");
    let imported = vpce_advisor::pricing::import::import(&[fixture]).unwrap();
    let got: Vec<(String, Item, Option<Decimal>, Decimal)> = imported
        .prices
        .iter()
        .map(|p| (p.region.clone(), p.item, p.begin_gb, p.usd))
        .collect();
    let r = || "us-east-1".to_string();
    assert_eq!(
        got,
        vec![
            (r(), Item::NatGatewayHourly, None, dec!(0.045)),
            (r(), Item::NatGatewayPerGb, None, dec!(0.045)),
            (r(), Item::InterfaceEndpointHourlyPerAz, None, dec!(0.01)),
            (r(), Item::InterfaceEndpointPerGb, Some(dec!(0)), dec!(0.01)),
            (
                r(),
                Item::InterfaceEndpointPerGb,
                Some(dec!(1048576)),
                dec!(0.006)
            ),
            (
                r(),
                Item::InterfaceEndpointPerGb,
                Some(dec!(5242880)),
                dec!(0.004)
            ),
            (r(), Item::GwlbEndpointHourly, None, dec!(0.01)),
            (r(), Item::GwlbEndpointPerGb, None, dec!(0.0035)),
            // us-east-1's bare `RegionalNatGateway-Hours` (its bytes are `USE1-` prefixed).
            (r(), Item::RegionalNatGatewayHourly, None, dec!(0.045)),
        ]
    );
    // Look-alikes in the same families are ignored, not mistaken for endpoints.
    assert_eq!(
        imported.ignored.keys().collect::<Vec<_>>(),
        vec!["VpcEndpoint-Service-Hours"]
    );
    assert!(imported.prices.iter().all(|p| p.as_of == "2026-09-03"));
}

#[test]
fn prices_import_round_trips_into_the_report() {
    use crate::common::{run, text};
    let dir = tempfile::tempdir().unwrap();
    let fixture = crate::common::fixture("prices/get-products-us-east-1.json");
    let o = run(
        dir.path(),
        &["prices", "import", fixture.to_str().unwrap(), "-o", "p.csv"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("VpcEndpoint-Service-Hours (1)"));
    // The written CSV is a valid price file.
    let book = PriceBook::from_path(&dir.path().join("p.csv")).unwrap();
    assert_eq!(
        book.region("us-east-1")
            .unwrap()
            .tiers(Item::InterfaceEndpointPerGb)
            .unwrap()
            .len(),
        3
    );

    let sample = crate::common::data("sample/AWSLogs");
    let o = run(
        dir.path(),
        &[
            "analyze",
            sample.to_str().unwrap(),
            "--prices",
            "p.csv",
            "--out",
            "r",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    assert!(report["prices"]["origin"]
        .as_str()
        .unwrap()
        .ends_with("overlaid with p.csv"));
    let us = report["prices"]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == "us-east-1")
        .unwrap();
    for item in [
        "nat_gateway_hourly",
        "nat_gateway_per_gb",
        "interface_endpoint_hourly_per_az",
    ] {
        let source = us["items"][item][0]["price"]["source"].as_str().unwrap();
        assert!(
            source.contains("get-products-us-east-1.json"),
            "{item}: {source}"
        );
    }
    // eu-west-1 keeps the shipped prices.
    let eu = report["prices"]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == "eu-west-1")
        .unwrap();
    assert!(!eu["items"]["nat_gateway_hourly"][0]["price"]["source"]
        .as_str()
        .unwrap()
        .contains("get-products"));

    let o = run(
        dir.path(),
        &[
            "prices",
            "show",
            "--region",
            "us-east-1",
            "--prices",
            "p.csv",
        ],
    );
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("TESTNATHOURS0001"));
    let o = run(dir.path(), &["prices", "show", "--region", "xx-nowhere-1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--prices"));
}

/// (class, ip-ranges service, endpoint, [(AZ, GB/month)]).
type AzDest<'a> = (
    DestClass,
    &'a str,
    Option<&'a str>,
    &'a [(&'a str, Decimal)],
);

/// A VPC with per-AZ figures.
fn vpc_by_az(azs: &[&str], dests: &[AzDest<'_>]) -> VpcTraffic {
    let destinations = dests
        .iter()
        .map(|(class, service, endpoint, by_az)| {
            let mut d = dest(
                *class,
                service,
                *endpoint,
                by_az.iter().map(|(_, g)| *g).sum(),
            );
            d.by_az = by_az
                .iter()
                .map(|(az, g)| (az.to_string(), vpce_advisor::traffic::MonthlyGb(*g)))
                .collect();
            d
        })
        .collect();
    VpcTraffic {
        vpc_id: "vpc-test".into(),
        region: "us-east-1".into(),
        azs_seen: azs.iter().map(|a| a.to_string()).collect(),
        interfaces_seen: 2,
        paths: Vec::new(),
        destinations,
    }
}

fn lines_of(s: &vpce_advisor::scenario::Scenario, c: &str) -> Decimal {
    s.lines
        .iter()
        .filter(|l| serde_json::to_value(l.component).unwrap() == c)
        .map(|l| l.monthly_usd)
        .sum()
}

#[test]
fn inter_az_1000_gb_both_ways_is_20_dollars() {
    // 1,000 GB/month of internet traffic from use1-az2, whose subnets route to the NAT gateway
    // in use1-az1: billed out of az2 and into az1 at $0.01/GB each = $20.00.
    let book = PriceBook::embedded().unwrap();
    let v = vpc_by_az(
        &["use1-az1", "use1-az2"],
        &[(DestClass::Internet, "", None, &[("use1-az2", dec!(1000))])],
    );
    let ctx = vpce_advisor::scenario::VpcContext {
        nat_gateways: vec![("nat-1".into(), "use1-az1".into())],
        nat_route_az: [("use1-az2".to_string(), "use1-az1".to_string())].into(),
        ..Default::default()
    };
    let s = vpce_advisor::scenario::build_scenarios_in(
        &v,
        book.region("us-east-1").unwrap(),
        &ScenarioConfig::default(),
        &ctx,
    )
    .unwrap();
    assert_eq!(lines_of(&s[0], "inter-az"), dec!(20.00));
    // 1 NAT gateway (from the inventory) + 1000 GB x $0.045 + $20.
    assert_eq!(s[0].nat_gateways, 1);
    assert_eq!(s[0].total(), dec!(32.85) + dec!(45) + dec!(20));
}

#[test]
fn fewer_azs_are_offered_when_hours_outweigh_inter_az() {
    // 3 AZs; the service's traffic is almost all in az1 and az2: dropping az3 saves 730 h x
    // $0.01 = $7.30 and adds 2 x 10 GB x $0.01 = $0.20 of inter-AZ transfer.
    let book = PriceBook::embedded().unwrap();
    let v = vpc_by_az(
        &["use1-az1", "use1-az2", "use1-az3"],
        &[(
            DestClass::AwsService,
            "AMAZON",
            Some("ssm"),
            &[
                ("use1-az1", dec!(600)),
                ("use1-az2", dec!(400)),
                ("use1-az3", dec!(10)),
            ],
        )],
    );
    let s = build_scenarios(
        &v,
        book.region("us-east-1").unwrap(),
        &ScenarioConfig::default(),
    )
    .unwrap();
    let full = s
        .iter()
        .find(|s| s.kind == ScenarioKind::FullyPrivate)
        .unwrap();
    let e = &full.endpoints[0];
    assert_eq!(e.azs, 3);
    let f = e.fewer_azs.as_ref().expect("an option");
    assert_eq!(f.azs, 2);
    assert_eq!(f.keep, vec!["use1-az1".to_string(), "use1-az2".to_string()]);
    assert_eq!(f.inter_az_gb, dec!(10));
    assert_eq!(f.monthly_saving_usd, dec!(7.30) - dec!(0.20));
    // --min-azs 3: no option.
    let config = ScenarioConfig {
        min_azs: Some(3),
        ..Default::default()
    };
    let s = build_scenarios(&v, book.region("us-east-1").unwrap(), &config).unwrap();
    assert!(s[3].endpoints[0].fewer_azs.is_none());
}

#[test]
fn nat_instance_and_inspection_setups() {
    let book = PriceBook::embedded().unwrap();
    let p = book.region("us-east-1").unwrap();
    let v = vpc(dec!(100), dec!(0), dec!(0), dec!(1000), dec!(0));
    let config = ScenarioConfig {
        nat_instance: Some(("c5.large".into(), None)),
        inspection: true,
        ..Default::default()
    };
    let s = build_scenarios(&v, p, &config).unwrap();
    let inst = s
        .iter()
        .find(|s| s.kind == ScenarioKind::NatInstance)
        .unwrap();
    // 2 AZs -> 2 instances x 730 h x $0.085 (billing data) = $124.10; no NAT GB charge; S3
    // through the free gateway endpoint.
    assert_eq!(inst.nat_instances, 2);
    assert_eq!(inst.nat_gateways, 0);
    assert_eq!(lines_of(inst, "nat-instance-hours"), dec!(124.10));
    assert_eq!(lines_of(inst, "nat-gateway-data"), dec!(0));
    // Inspection in every setup: 2 AZ x 730 h x $0.01 + GB still on NAT x $0.0035.
    let nat_only = &s[0];
    assert_eq!(lines_of(nat_only, "gwlb-endpoint-hours"), dec!(14.60));
    assert_eq!(
        lines_of(nat_only, "gwlb-endpoint-data"),
        dec!(1100) * dec!(0.0035)
    );
    assert_eq!(
        lines_of(inst, "gwlb-endpoint-data"),
        dec!(1000) * dec!(0.0035)
    );
    // A type without a shipped price says how to give one.
    let config = ScenarioConfig {
        nat_instance: Some(("t4g.nano".into(), None)),
        ..Default::default()
    };
    let err = build_scenarios(&v, p, &config).unwrap_err().to_string();
    assert!(err.contains("--nat-instance-hourly"), "{err}");
    let config = ScenarioConfig {
        nat_instance: Some(("t4g.nano".into(), Some(dec!(0.0042)))),
        ..Default::default()
    };
    let s = build_scenarios(&v, p, &config).unwrap();
    assert_eq!(
        lines_of(&s[4], "nat-instance-hours"),
        dec!(2) * dec!(730) * dec!(0.0042)
    );
}

#[test]
fn interface_tiers_run_across_the_regions_vpcs() {
    // Two VPCs in us-east-1 with 3,500,000 GB/month each to an AWS API: billed as one region,
    // 7,000,000 GB cost 1,048,576 x 0.01 + 4,194,304 x 0.006 + 1,757,120 x 0.004 = $42,680.064
    // of interface-endpoint data (per VPC it would be 2 x $25,194.304 = $50,388.608).
    use crate::common::{run, text};
    let dir = tempfile::tempdir().unwrap();
    let bytes = 3_500_000u64 * (1 << 30);
    let csv = format!(
        "vpc_id,region,az_id,direction,remote_addr,destination,aws_service,service_region,bytes,records,window_start,window_end\n\
         vpc-a,us-east-1,use1-az1,ingress,,aws-service,AMAZON,,{bytes},1,0,2628000\n\
         vpc-b,us-east-1,use1-az1,ingress,,aws-service,AMAZON,,{bytes},1,0,2628000\n"
    );
    std::fs::write(dir.path().join("t.csv"), csv).unwrap();
    let o = run(
        dir.path(),
        &[
            "analyze",
            "--traffic",
            "t.csv",
            "--out",
            "r",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut data = Decimal::ZERO;
    for v in r["vpcs"].as_array().unwrap() {
        let rec = v["recommendation"]["recommended"].clone();
        let s = v["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == rec)
            .unwrap();
        for l in s["lines"].as_array().unwrap() {
            if l["component"] == "interface-endpoint-data" {
                data += l["monthly_usd"]
                    .as_str()
                    .unwrap()
                    .parse::<Decimal>()
                    .unwrap();
            }
        }
    }
    assert_eq!(data, dec!(42680.064));
    assert_eq!(r["vpcs"][1]["today"]["interface_gb_before"], "3500000");
}

/// One VPC in `region` with `gb` GB/month to an AWS API in 2 AZs and nothing else.
fn aws_api_vpc(region: &str, gb: Decimal) -> VpcTraffic {
    let mut v = vpc(dec!(0), dec!(0), gb, dec!(0), dec!(0));
    v.region = region.into();
    for d in &mut v.destinations {
        d.service_region = region.into();
    }
    v
}

#[test]
fn seven_million_gb_in_every_region_with_complete_tiers() {
    // AWS's interface-endpoint data tiers: first 1 PB (1,048,576 GB), next 4 PB (4,194,304 GB),
    // over 5 PB. 7,000,000 GB split 1,048,576 + 4,194,304 + 1,757,120 GB, each at its tier's
    // listed price; at 0.01 / 0.006 / 0.004 that is $10,485.76 + $25,165.824 + $7,028.48 =
    // $42,680.064 (not $70,000 at the first tier's price).
    let book = PriceBook::embedded().unwrap();
    let mut complete = Vec::new();
    for (region, p) in &book.regions {
        if !p.complete(Item::InterfaceEndpointPerGb)
            || p.tiers(Item::InterfaceEndpointPerGb).unwrap().len() < 3
        {
            continue;
        }
        complete.push(region.clone());
        let tiers = p.tiers(Item::InterfaceEndpointPerGb).unwrap();
        // The data lines alone (ap-southeast-5 ships no NAT price), then the whole setup where
        // the region has NAT prices too.
        let data = vpce_advisor::scenario::interface_data_lines(
            p,
            "com.amazonaws.x.sts",
            dec!(0),
            dec!(7000000),
            Default::default(),
        )
        .unwrap();
        if p.complete(Item::NatGatewayPerGb) {
            let v = aws_api_vpc(region, dec!(7000000));
            let s = build_scenarios(&v, p, &ScenarioConfig::default()).unwrap();
            let fp = s
                .iter()
                .find(|s| s.kind == ScenarioKind::FullyPrivate)
                .unwrap();
            let in_setup: Vec<_> = fp
                .lines
                .iter()
                .filter(|l| l.component == vpce_advisor::scenario::Component::InterfaceEndpointData)
                .map(|l| (l.quantity, l.monthly_usd))
                .collect();
            let alone: Vec<_> = data.iter().map(|l| (l.quantity, l.monthly_usd)).collect();
            assert_eq!(in_setup, alone, "{region}");
        }
        let gb: Vec<Decimal> = data.iter().map(|l| l.quantity).collect();
        assert_eq!(
            gb,
            vec![dec!(1048576), dec!(4194304), dec!(1757120)],
            "{region}"
        );
        let usd: Vec<Decimal> = data.iter().map(|l| l.usd_per_unit).collect();
        let listed: Vec<Decimal> = tiers.iter().map(|t| t.price.usd).collect();
        assert_eq!(usd, listed, "{region}");
        assert!(data.iter().all(|l| l.fallback.is_none()), "{region}");
        let total: Decimal = data.iter().map(|l| l.monthly_usd).sum();
        if listed == vec![dec!(0.01), dec!(0.006), dec!(0.004)] {
            assert_eq!(total, dec!(42680.064), "{region}");
        }
    }
    // The regions whose sources list all three tiers.
    for r in [
        "us-east-1",
        "eu-west-1",
        "eu-west-2",
        "eu-central-1",
        "ap-southeast-1",
        "ap-southeast-5",
    ] {
        assert!(
            complete.iter().any(|c| c == r),
            "{r} not complete: {complete:?}"
        );
    }
}

#[test]
fn a_tier_table_that_stops_early_is_never_extended_silently() {
    // us-west-2's source lists only the first tier (0 to 1,048,576 GB at $0.01).
    let book = PriceBook::embedded().unwrap();
    let p = book.region("us-west-2").unwrap();
    assert!(!p.complete(Item::InterfaceEndpointPerGb));
    assert!(p
        .gaps()
        .iter()
        .any(|g| g.contains("interface_endpoint_per_gb tiers end at 1048576")));
    let v = aws_api_vpc("us-west-2", dec!(7000000));
    let err = build_scenarios(&v, p, &ScenarioConfig::default())
        .unwrap_err()
        .to_string();
    for needed in [
        "us-west-2",
        "interface_endpoint_per_gb",
        "1048576",
        "$0.01",
        "USW2-VpcEndpoint-Bytes",
        "prices import",
        "--prices",
        "--beyond-last-tier last-price",
    ] {
        assert!(err.contains(needed), "{needed} missing from: {err}");
    }
    // Within the listed tier nothing changes: 1,000,000 GB x 0.01 = $10,000.
    let v = aws_api_vpc("us-west-2", dec!(1000000));
    let s = build_scenarios(&v, p, &ScenarioConfig::default()).unwrap();
    let data: Decimal = s[3]
        .lines
        .iter()
        .filter(|l| l.component == vpce_advisor::scenario::Component::InterfaceEndpointData)
        .map(|l| l.monthly_usd)
        .sum();
    assert_eq!(data, dec!(10000));
    // With the named fallback: 1,048,576 GB listed + 5,951,424 GB beyond at the last listed
    // $0.01, marked on its line: $10,485.76 + $59,514.24 = $70,000.
    let config = ScenarioConfig {
        tier_fallback: vpce_advisor::pricing::TierFallback::LastPrice,
        ..Default::default()
    };
    let v = aws_api_vpc("us-west-2", dec!(7000000));
    let s = build_scenarios(&v, p, &config).unwrap();
    let data: Vec<_> = s[3]
        .lines
        .iter()
        .filter(|l| l.component == vpce_advisor::scenario::Component::InterfaceEndpointData)
        .collect();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0].quantity, dec!(1048576));
    assert!(data[0].fallback.is_none());
    assert_eq!(data[1].quantity, dec!(5951424));
    assert_eq!(data[1].monthly_usd, dec!(59514.24));
    assert!(data[1].fallback.as_deref().unwrap().contains("last-price"));
    assert!(data[1].detail.contains("FALLBACK") && data[1].price_source.contains("FALLBACK"));
}

#[test]
fn incomplete_region_refuses_in_analyze_and_prices_show_flags_it() {
    use crate::common::{run, text};
    let dir = tempfile::tempdir().unwrap();
    // 7,000,000 GB/month to an AWS API in us-west-2 (one 730-hour month observed).
    let bytes = 7_000_000u64 * (1 << 30);
    let csv = format!(
        "vpc_id,region,az_id,direction,remote_addr,destination,aws_service,service_region,bytes,records,window_start,window_end\n\
         vpc-a,us-west-2,usw2-az1,ingress,,aws-service,AMAZON,,{bytes},1,0,2628000\n"
    );
    std::fs::write(dir.path().join("t.csv"), csv).unwrap();
    let o = run(
        dir.path(),
        &[
            "analyze",
            "--traffic",
            "t.csv",
            "--out",
            "r",
            "--format",
            "json",
        ],
    );
    assert!(!o.status.success());
    let err = text(&o);
    assert!(
        err.contains("us-west-2") && err.contains("prices import"),
        "{err}"
    );
    let o = run(
        dir.path(),
        &[
            "analyze",
            "--traffic",
            "t.csv",
            "--out",
            "r",
            "--format",
            "json",
            "--beyond-last-tier",
            "last-price",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes = r["assumptions"]["notes"].to_string();
    assert!(notes.contains("--beyond-last-tier last-price"), "{notes}");
    let o = run(dir.path(), &["prices", "show"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("us-west-2  INCOMPLETE"), "{out}");
    assert!(!out.contains("us-east-1  INCOMPLETE"), "{out}");
}

fn scenario_of(
    s: &[vpce_advisor::scenario::Scenario],
    kind: ScenarioKind,
) -> &vpce_advisor::scenario::Scenario {
    s.iter()
        .find(|x| x.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?}"))
}

#[test]
fn regional_nat_bills_hours_per_active_az_and_no_hairpin() {
    // us-east-1 (shipped: NAT $0.045/h and /GB; regional NAT $0.045/h per AZ and $0.045/GB;
    // inter-AZ $0.01/GB each way). 2 AZs, one zonal NAT gateway in use1-az1 that use1-az2's
    // subnets also route to; 500 GB/month of internet traffic from each AZ.
    let v = vpc_by_az(
        &["use1-az1", "use1-az2"],
        &[(
            DestClass::Internet,
            "",
            None,
            &[("use1-az1", dec!(500)), ("use1-az2", dec!(500))],
        )],
    );
    let ctx = vpce_advisor::scenario::VpcContext {
        nat_gateways: vec![("nat-1".into(), "use1-az1".into())],
        nat_route_az: [
            ("use1-az1".to_string(), "use1-az1".to_string()),
            ("use1-az2".to_string(), "use1-az1".to_string()),
        ]
        .into_iter()
        .collect(),
        ..Default::default()
    };
    let book = PriceBook::embedded().unwrap();
    let p = book.region("us-east-1").unwrap();
    let s = vpce_advisor::scenario::build_scenarios_in(&v, p, &ScenarioConfig::default(), &ctx)
        .unwrap();
    // nat-only: 730 h x $0.045 = $32.85; 1000 GB x $0.045 = $45; use1-az2's 500 GB cross to
    // use1-az1 and are billed out and in: 2 x 500 x $0.01 = $10. Total $87.85.
    assert_eq!(scenario_of(&s, ScenarioKind::NatOnly).total(), dec!(87.85));
    // regional-nat: one gateway active in 2 AZs: 2 x 730 h x $0.045 = $65.70; 1000 GB x $0.045
    // = $45; no inter-AZ line. Total $110.70: $22.85 more than one zonal gateway with a hairpin.
    let r = scenario_of(&s, ScenarioKind::RegionalNat);
    assert_eq!(r.total(), dec!(110.70));
    assert_eq!(r.nat_gateways, 1);
    assert!(r
        .lines
        .iter()
        .all(|l| l.component != vpce_advisor::scenario::Component::InterAz));
    assert!(r.lines[0]
        .price_source
        .starts_with("RegionalNatGateway-Hours"));
    // Today a regional NAT gateway (listed once per AZ, each AZ routed to itself): the same
    // $110.70, at the regional usage types.
    let today = vpce_advisor::scenario::VpcContext {
        nat_gateways: vec![
            ("nat-r".into(), "use1-az1".into()),
            ("nat-r".into(), "use1-az2".into()),
        ],
        nat_route_az: [
            ("use1-az1".to_string(), "use1-az1".to_string()),
            ("use1-az2".to_string(), "use1-az2".to_string()),
        ]
        .into_iter()
        .collect(),
        regional_nat: Some("nat-r".into()),
        ..Default::default()
    };
    let s = vpce_advisor::scenario::build_scenarios_in(&v, p, &ScenarioConfig::default(), &today)
        .unwrap();
    let n = scenario_of(&s, ScenarioKind::NatOnly);
    assert_eq!(n.total(), dec!(110.70));
    assert!(n.lines[0].detail.contains("regional NAT gateway"));
    // A region without regional NAT prices (us-east-2) gets no regional-nat setup.
    let mut v2 = v.clone();
    v2.region = "us-east-2".into();
    let s = build_scenarios(
        &v2,
        book.region("us-east-2").unwrap(),
        &ScenarioConfig::default(),
    )
    .unwrap();
    assert!(s.iter().all(|x| x.kind != ScenarioKind::RegionalNat));
}

#[test]
fn cross_region_privatelink_by_hand() {
    // us-east-1, 2 AZs; 1000 GB/month to S3 in us-west-2 and 100 GB to the internet.
    // Endpoint break-even: 2 x 730 x $0.01 / ($0.045 - $0.01) = 417.14 GB: 1000 GB passes.
    let mut v = vpc_by_az(
        &["use1-az1", "use1-az2"],
        &[
            (
                DestClass::AwsCrossRegion,
                "S3",
                None,
                &[("use1-az1", dec!(500)), ("use1-az2", dec!(500))],
            ),
            (DestClass::Internet, "", None, &[("use1-az1", dec!(100))]),
        ],
    );
    v.destinations[0].service_region = "us-west-2".into();
    let book = PriceBook::embedded().unwrap();
    let p = book.region("us-east-1").unwrap();
    let s = build_scenarios(&v, p, &ScenarioConfig::default()).unwrap();
    // nat-only: 2 x 730 x $0.045 = $65.70 + 1100 GB x $0.045 = $49.50: $115.20.
    assert_eq!(scenario_of(&s, ScenarioKind::NatOnly).total(), dec!(115.20));
    // gateway+interface: NAT $65.70 + 100 GB x $0.045 = $4.50; the endpoint 2 x 730 h x $0.01
    // = $14.60 + 1000 GB x $0.01 = $10: $94.80. (Inter-region transfer is the same on both
    // paths and outside the model.)
    let gi = scenario_of(&s, ScenarioKind::GatewayInterface);
    assert_eq!(gi.total(), dec!(94.80));
    let ep = gi
        .endpoints
        .iter()
        .find(|e| e.service_region.is_some())
        .unwrap();
    assert_eq!(ep.service_name, "com.amazonaws.us-west-2.s3");
    assert_eq!(ep.service_region.as_deref(), Some("us-west-2"));
    assert_eq!(ep.azs, 2);
    // 300 GB is below break-even: gateway+interface leaves it on NAT, fully-private moves it.
    let mut small = v.clone();
    small.destinations[0].monthly_gb = dec!(300);
    for g in small.destinations[0].by_az.values_mut() {
        g.0 = dec!(150);
    }
    let s = build_scenarios(&small, p, &ScenarioConfig::default()).unwrap();
    assert!(scenario_of(&s, ScenarioKind::GatewayInterface)
        .endpoints
        .is_empty());
    // fully-private: NAT stays for the internet: $65.70 + $4.50 + $14.60 + 300 x $0.01 = $87.80.
    assert_eq!(
        scenario_of(&s, ScenarioKind::FullyPrivate).total(),
        dec!(87.80)
    );
    // An AZ AWS excludes (use1-az3): the endpoint goes in use1-az1 only and use1-az3's 400 GB
    // cross AZs: 730 x $0.01 = $7.30 + 1000 x $0.01 = $10 + 2 x 400 x $0.01 = $8; NAT 2 x 730 x
    // $0.045 = $65.70 + $4.50. Total $95.50.
    let mut ex = vpc_by_az(
        &["use1-az1", "use1-az3"],
        &[
            (
                DestClass::AwsCrossRegion,
                "S3",
                None,
                &[("use1-az1", dec!(600)), ("use1-az3", dec!(400))],
            ),
            (DestClass::Internet, "", None, &[("use1-az1", dec!(100))]),
        ],
    );
    ex.destinations[0].service_region = "us-west-2".into();
    let s = build_scenarios(&ex, p, &ScenarioConfig::default()).unwrap();
    let gi = scenario_of(&s, ScenarioKind::GatewayInterface);
    assert_eq!(gi.total(), dec!(95.50));
    assert_eq!(gi.endpoints[0].azs, 1);
    assert!(gi
        .lines
        .iter()
        .any(|l| l.detail.contains("not in use1-az3")));
}

#[test]
fn provisioned_nat_by_hand_and_never_without_a_price() {
    use vpce_advisor::scenario::{Throughput, VpcContext};
    // 1 Gbps for an hour is 10^9 / 8 x 3600 = 450,000,000,000 bytes. Hours at 1..=20 Gbps:
    // peak 20, 95th percentile (nearest rank 19 of 20) 19.
    let hours: Vec<u64> = (1..=20).map(|g| g * 450_000_000_000).collect();
    let t = Throughput::from_hourly_bytes(&hours).unwrap();
    assert_eq!((t.hours, t.peak_gbps, t.p95_gbps), (20, dec!(20), dec!(19)));
    // us-east-1, 1 AZ, internet 100,000 GB/month; peak 2.5 Gbps.
    let mut v = vpc(dec!(0), dec!(0), dec!(0), dec!(100000), dec!(0));
    v.azs_seen = vec!["use1-az1".into()];
    let ctx = VpcContext {
        nat_throughput: Some(Throughput {
            hours: 24,
            peak_gbps: dec!(2.5),
            p95_gbps: dec!(2),
        }),
        ..Default::default()
    };
    let book = PriceBook::embedded().unwrap();
    let p = book.region("us-east-1").unwrap();
    let s = vpce_advisor::scenario::build_scenarios_in(&v, p, &ScenarioConfig::default(), &ctx)
        .unwrap();
    // nat-only: 730 x $0.045 = $32.85 + 100,000 GB x $0.045 = $4,500: $4,532.85.
    assert_eq!(
        scenario_of(&s, ScenarioKind::NatOnly).total(),
        dec!(4532.85)
    );
    // provisioned-nat: $32.85 of gateway hours + 3 Gbps (2.5 rounded up) x 730 h x $1.076
    // = $2,356.44 + 100,000 GB x $0.00: $2,389.29.
    let pn = scenario_of(&s, ScenarioKind::ProvisionedNat);
    assert_eq!(pn.total(), dec!(2389.29));
    assert!(
        pn.lines[1].detail.contains("peak hour 2.5 Gbps")
            && pn.lines[1].detail.contains("95th percentile 2 Gbps")
    );
    // Without hours, or where the price is unknown (eu-west-1 ships no NatGateway-Prvd-Bytes):
    // no provisioned-nat setup.
    let s = build_scenarios(&v, p, &ScenarioConfig::default()).unwrap();
    assert!(s.iter().all(|x| x.kind != ScenarioKind::ProvisionedNat));
    let mut eu = v.clone();
    eu.region = "eu-west-1".into();
    let s = vpce_advisor::scenario::build_scenarios_in(
        &eu,
        book.region("eu-west-1").unwrap(),
        &ScenarioConfig::default(),
        &ctx,
    )
    .unwrap();
    assert!(s.iter().all(|x| x.kind != ScenarioKind::ProvisionedNat));
}

#[test]
fn cross_region_endpoint_actions_name_the_service_region() {
    use crate::common::{run, text};
    let dir = tempfile::tempdir().unwrap();
    let gib = 1u64 << 30;
    let csv = format!(
        "vpc_id,region,az_id,direction,remote_addr,destination,aws_service,service_region,bytes,records,window_start,window_end\n\
         vpc-x,us-east-1,use1-az1,ingress,,aws-cross-region,S3,us-west-2,{},1,0,2628000\n\
         vpc-x,us-east-1,use1-az1,ingress,,internet,,,{},1,0,2628000\n",
        1000 * gib,
        100 * gib
    );
    std::fs::write(dir.path().join("t.csv"), csv).unwrap();
    let o = run(
        dir.path(),
        &["analyze", "--traffic", "t.csv", "--out", "r", "--quiet"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let sh = std::fs::read_to_string(dir.path().join("r/actions.sh")).unwrap();
    assert!(
        sh.contains("--service-name com.amazonaws.us-west-2.s3 \\\n  --service-region us-west-2"),
        "{sh}"
    );
    let tf = std::fs::read_to_string(dir.path().join("r/endpoints.tf")).unwrap();
    assert!(tf.contains("service_region      = \"us-west-2\""), "{tf}");
}
