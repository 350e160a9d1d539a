//! A whole account, as users hand it over: AWS CLI inventory, default-format logs from several
//! ENIs (two workloads, a NAT gateway, a public-subnet instance, an ENI the inventory lacks) and
//! Route 53 Resolver query logs. Expected figures are worked out by hand in
//! tests/fixtures/account/README.md; the observed window is exactly 730 hours, so observed GB =
//! monthly GB.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use vpce_advisor::inventory::Inventory;

use crate::common::{fixture, gunzip, run, text};

const GIB: u64 = 1 << 30;
const VPC: &str = "vpc-0a1b2c3d4e5f60718";

fn analyze(dir: &Path, extra: &[&str]) -> Value {
    let logs = fixture("account/logs");
    let out = dir.join("out");
    let mut args = vec![
        "analyze",
        logs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = run(dir, &args);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("report JSON")
}

fn vpc<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["traffic"]["vpc_id"] == id)
        .unwrap_or_else(|| panic!("no VPC {id}"))
}

/// (class, endpoint) -> monthly GB as a string, and per-AZ GB.
fn dest(v: &Value, class: &str, endpoint: Option<&str>) -> (String, Value) {
    let d = v["traffic"]["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["class"] == class && d["endpoint"].as_str() == endpoint)
        .unwrap_or_else(|| panic!("no {class} {endpoint:?} in {}", v["traffic"]));
    (
        d["monthly_gb"].as_str().unwrap().to_string(),
        d["by_az"].clone(),
    )
}

fn inventory_args() -> Vec<String> {
    vec![
        "--inventory".into(),
        fixture("account/inventory").display().to_string(),
        "--dns-logs".into(),
        fixture("account/dns").display().to_string(),
    ]
}

#[test]
fn account_with_inventory_and_dns_matches_the_hand_computed_figures() {
    let dir = tempfile::tempdir().unwrap();
    let extra = inventory_args();
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let r = analyze(dir.path(), &extra);
    let v = vpc(&r, VPC);
    // Per destination and AZ (GB/month).
    assert_eq!(dest(v, "s3", Some("s3")).0, "4");
    assert_eq!(dest(v, "s3", Some("s3")).1["use1-az1"], "4");
    assert_eq!(dest(v, "aws-service", Some("ssm")).0, "2");
    assert_eq!(dest(v, "aws-service", Some("sts")).1["use1-az2"], "2");
    assert_eq!(dest(v, "aws-service", Some("sqs")).0, "1");
    let (internet, by_az) = dest(v, "internet", None);
    assert_eq!(internet, "7");
    assert_eq!(by_az["use1-az1"], "5"); // A's 4 + 1 only the NAT ENI saw
    assert_eq!(by_az["use1-az2"], "2");
    assert!(
        v["traffic"]["destinations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["class"] != "private"),
        "the NAT ENI's client legs are not traffic of their own"
    );
    // Traffic over time: logged without a vpc-id, the VPC follows the unattributed records'
    // hours; every VPC's hours add up to its de-duplicated bytes per class.
    for v in r["vpcs"].as_array().unwrap() {
        let mut want = std::collections::BTreeMap::<String, u64>::new();
        for d in v["traffic"]["destinations"].as_array().unwrap() {
            *want.entry(d["class"].as_str().unwrap().into()).or_default() +=
                d["egress_bytes"].as_u64().unwrap() + d["ingress_bytes"].as_u64().unwrap();
        }
        let mut got = std::collections::BTreeMap::<String, u64>::new();
        for h in v["hourly"].as_array().unwrap() {
            for (c, b) in h["bytes"].as_object().unwrap() {
                if b.as_u64().unwrap() > 0 {
                    *got.entry(c.clone()).or_default() += b.as_u64().unwrap();
                }
            }
        }
        assert_eq!(got, want, "{}", v["traffic"]["vpc_id"]);
    }
    assert!(r["assumptions"]["notes"]
        .to_string()
        .contains("follows the hours of the records logged without a vpc-id"));
    // Where each byte was counted.
    let w = &r["vantage"];
    assert_eq!(
        w["nat_interfaces"][0]["interface_id"],
        "eni-0c000000000000003"
    );
    assert_eq!(w["nat_interfaces"][0]["rule"], "inventory");
    assert_eq!(
        w["nat_interfaces"][0]["nat_gateway_id"],
        "nat-0f00000000000000a"
    );
    assert_eq!(w["nat_leg_bytes"], 16 * GIB);
    assert_eq!(w["client_bytes"], 15 * GIB);
    assert_eq!(w["duplicate_bytes_removed"]["inventory"], 15 * GIB);
    assert_eq!(w["nat_only_bytes"], GIB);
    assert_eq!(w["relayed_bytes"], 16 * GIB);
    assert_eq!(w["bypass_bytes"], 5 * GIB);
    // Nothing vanishes: every accepted byte is a traffic row on some path, a client leg on the
    // NAT ENI, or a byte counted twice; the public-subnet instance's bytes are on the
    // internet-gateway path, not priced.
    let mut on_paths = 0u64;
    let mut igw = 0u64;
    for v in r["vpcs"].as_array().unwrap() {
        for p in v["traffic"]["paths"].as_array().unwrap() {
            on_paths += p["bytes"].as_u64().unwrap();
            if p["path"] == "internet-gateway" {
                igw += p["bytes"].as_u64().unwrap();
            }
        }
    }
    assert_eq!(igw, 5 * GIB);
    let removed: u64 = w["duplicate_bytes_removed"]
        .as_object()
        .unwrap()
        .values()
        .map(|b| b.as_u64().unwrap())
        .sum();
    assert_eq!(
        on_paths + w["relayed_bytes"].as_u64().unwrap() + removed,
        r["accounting"]["accepted_bytes"].as_u64().unwrap()
    );
    assert_eq!(w["unattributed_records"], 1);
    assert_eq!(w["unattributed_interfaces"][0], "eni-0e0000000000000ff");
    let dns = &w["dns"];
    assert_eq!(dns["named_bytes"]["time-window"], 5 * GIB);
    assert_eq!(
        dns["ambiguous_bytes"], GIB,
        "15.230.221.7: sqs twice, sns once"
    );
    assert_eq!(
        dns["unmatched_answers"], 1,
        "kms was resolved but never called"
    );
    // Today's setup from the inventory: 1 NAT gateway, the DynamoDB gateway endpoint kept,
    // az2's NAT traffic crossing to az1 (4 GB, billed out and in).
    assert_eq!(v["nat_gateways"], 1);
    assert_eq!(v["today"]["existing"][0]["id"], "vpce-0dd00000000000001");
    let nat_only = &v["scenarios"][0];
    assert_eq!(nat_only["kind"], "nat-only");
    let inter_az: Vec<&Value> = nat_only["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["component"] == "inter-az")
        .collect();
    assert_eq!(inter_az.len(), 2, "{inter_az:?}");
    assert!(inter_az.iter().all(|l| l["quantity"] == "4"));
    // 730 h x $0.045 + 16 GB x $0.045 + 2 x 4 GB x $0.01 = 32.85 + 0.72 + 0.08.
    let usd = |x: &Value| {
        x.as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
    };
    assert_eq!(
        usd(&nat_only["monthly_usd"]),
        rust_decimal_macros::dec!(33.65)
    );
    assert_eq!(
        usd(&v["recommendation"]["baseline_usd"]),
        rust_decimal_macros::dec!(33.65)
    );
    // The unknown ENI is analysed, not dropped.
    assert_eq!(dest(vpc(&r, "unattributed"), "internet", None).0, "1");
    // Both human reports say where each byte was counted and show the AZ split.
    for f in ["report.html", "report.md"] {
        let text = std::fs::read_to_string(dir.path().join("out").join(f)).unwrap();
        for needle in [
            "Where each byte was counted",
            "Traffic by AZ",
            "nat-0f00000000000000a",
            "vpce-0dd00000000000001",
            "If traffic changes",
        ] {
            assert!(text.contains(needle), "{f} lacks {needle}");
        }
    }
}

#[test]
fn account_without_inventory_gives_the_documented_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let dns = fixture("account/dns").display().to_string();
    let r = analyze(dir.path(), &["--dns-logs", &dns]);
    assert_eq!(r["vpcs"].as_array().unwrap().len(), 1);
    let v = vpc(&r, "unattributed");
    // Every ENI in one VPC; the web instance's 5 GB now counts as NAT traffic (no route tables).
    assert_eq!(dest(v, "internet", None).0, "12");
    assert_eq!(dest(v, "s3", Some("s3")).0, "4");
    assert_eq!(dest(v, "aws-service", Some("ssm")).0, "2");
    assert_eq!(dest(v, "aws-service", Some("sts")).0, "2");
    let w = &r["vantage"];
    assert_eq!(w["nat_interfaces"][0]["rule"], "logs: relay balance");
    assert_eq!(
        w["duplicate_bytes_removed"]["logs: relay balance"],
        16 * GIB
    );
    assert_eq!(w["nat_only_bytes"], 0);
    assert_eq!(w["dns"]["named_bytes"]["other-vpc"], 5 * GIB);
}

#[test]
fn account_without_dns_leaves_aws_services_unnamed() {
    let dir = tempfile::tempdir().unwrap();
    let inv = fixture("account/inventory").display().to_string();
    let r = analyze(dir.path(), &["--inventory", &inv]);
    let v = vpc(&r, VPC);
    assert_eq!(dest(v, "aws-service", Some("other-aws")).0, "3"); // ssm 2 + sqs 1
    assert_eq!(dest(v, "aws-hosted", None).0, "2"); // sts sits in an EC2 prefix
    assert!(r["vantage"]["dns"].is_null());
}

#[test]
fn aws_nat_example_counts_each_byte_once() {
    // AWS's NAT gateway example with both ENIs logged (bytes added).
    let dir = tempfile::tempdir().unwrap();
    let both = fixture(
        "flowlogs/awsdocs-vpc-user-guide/derived_nat_gateway_and_instance_enis_with_bytes.log",
    );
    let o = run(
        dir.path(),
        &["traffic", both.to_str().unwrap(), "--format", "csv"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let csv = String::from_utf8_lossy(&o.stdout);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows[0].contains(",egress,,internet,,,1000,"), "{csv}");
    assert!(rows[1].contains(",ingress,,internet,,,5000,"), "{csv}");
    // The NAT ENI alone: its public leg is the whole bill.
    let text_all = std::fs::read_to_string(&both).unwrap();
    let nat_only: String = text_all
        .lines()
        .filter(|l| l.starts_with("instance-id") || l.contains("eni-1235b8ca123456789"))
        .map(|l| format!("{l}\n"))
        .collect();
    let f = dir.path().join("nat-eni-only.log");
    std::fs::write(&f, nat_only).unwrap();
    let o = run(
        dir.path(),
        &["traffic", f.to_str().unwrap(), "--format", "csv"],
    );
    let csv = String::from_utf8_lossy(&o.stdout);
    assert!(csv.contains(",egress,,internet,,,1000,"), "{csv}");
    assert!(csv.contains(",ingress,,internet,,,5000,"), "{csv}");
}

#[test]
fn aws_cli_example_outputs_all_load() {
    let inv = Inventory::load(&[fixture("aws-cli")]).unwrap();
    assert!(inv.problems.is_empty(), "{:?}", inv.problems);
    assert_eq!(inv.files.len(), 14);
    assert_eq!(inv.enis.len(), 3);
    assert_eq!(inv.nat_gateways.len(), 2);
    assert_eq!(inv.endpoints.len(), 3);
    assert_eq!(inv.route_tables.len(), 3);
    assert_eq!(inv.subnets.len(), 2, "subnet-8EXAMPLE appears twice");
    assert_eq!(inv.flow_log_formats.len(), 2);
    let repaired: Vec<&str> = inv
        .files
        .iter()
        .filter(|f| f.repaired)
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(repaired.len(), 1, "{repaired:?}");
    assert!(repaired[0].ends_with("describe-subnets.json"));
    // What the model reads from them: the AZ name becomes the AZ id describe-subnets gives it.
    assert_eq!(
        inv.eni_place("eni-e5aa89a3"),
        Some(("vpc-a01106c2".into(), "us-east-1".into(), "use1-az2".into()))
    );
    let nat = &inv.nat_gateways["nat-01234567890abcdef"];
    assert_eq!(nat.eni_ids, vec!["eni-09cc4b2558794f7f9".to_string()]);
    assert_eq!(
        inv.role("eni-09cc4b2558794f7f9"),
        Some(vpce_advisor::inventory::Role::NatGateway(
            "nat-01234567890abcdef".into()
        ))
    );
    let rt = &inv.route_tables["rtb-09ba434c1bEXAMPLE"];
    assert_eq!(rt.default_route, None, "a blackhole route is no route");
    assert_eq!(
        inv.route_tables["rtb-07a98f76e5EXAMPLE"]
            .default_route
            .as_deref(),
        Some("igw-06cf664d80EXAMPLE")
    );
    let gw = &inv.endpoints["vpce-032a826a"];
    assert_eq!(
        gw.aws_service(),
        Some(("us-east-1".into(), "dynamodb".into()))
    );
    assert_eq!(inv.endpoints["vpce-aabbaabbaabbaabba"].aws_service(), None);
}

#[test]
fn broken_and_unknown_inventory_files_are_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv");
    std::fs::create_dir(&inv).unwrap();
    std::fs::write(
        inv.join("broken.json"),
        "{\"Subnets\": [\n  {\"SubnetId\": }\n]}",
    )
    .unwrap();
    std::fs::write(inv.join("other.json"), "{\"Reservations\": []}").unwrap();
    std::fs::write(inv.join("list.json"), "[1, 2]").unwrap();
    std::fs::copy(
        fixture("account/inventory/network-interfaces.json"),
        inv.join("enis"),
    )
    .unwrap();
    let loaded = Inventory::load(std::slice::from_ref(&inv)).unwrap();
    assert_eq!(
        loaded.enis.len(),
        4,
        "the good file still loads, whatever its name"
    );
    let problems = loaded.problems.join("\n");
    assert!(
        problems.contains("broken.json:2:") && problems.contains("not valid JSON"),
        "{problems}"
    );
    assert!(
        problems.contains("other.json") && problems.contains("Reservations"),
        "{problems}"
    );
    assert!(
        problems.contains("list.json") && problems.contains("not an AWS CLI output"),
        "{problems}"
    );
    // Through the binary: warnings, not a failure.
    let logs = fixture("account/logs");
    let o = run(
        dir.path(),
        &[
            "analyze",
            logs.to_str().unwrap(),
            "--inventory",
            inv.to_str().unwrap(),
            "--out",
            dir.path().join("out").to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let all = text(&o);
    assert!(all.contains("broken.json:2:"), "{all}");
    // A missing inventory folder is an error naming it.
    let o = run(
        dir.path(),
        &[
            "analyze",
            logs.to_str().unwrap(),
            "--inventory",
            "no-such-inventory",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("no-such-inventory"), "{}", text(&o));
}

#[test]
fn dns_log_bad_lines_and_doc_example_shape() {
    let dir = tempfile::tempdir().unwrap();
    let dns = dir.path().join("dns");
    std::fs::create_dir(&dns).unwrap();
    // Route 53's documented example (pretty-printed, trailing commas) plus a broken line file.
    let doc = r#"{
  "version": "1.000000",
  "account_id": "111122223333",
  "region": "us-east-1",
  "vpc_id": "vpc-0a1b2c3d4e5f60718",
  "query_timestamp": "2026-11-01T00:00:20Z",
  "query_name": "ssm.us-east-1.amazonaws.com.",
  "query_type": "A",
  "query_class": "IN",
  "rcode": "NOERROR",
  "answers": [
    {
      "Rdata": "52.95.208.10",
      "Type": "A",
      "Class": "IN",
    },
  ],
  "srcaddr": "10.0.1.5",
  "srcport": "50637",
  "transport": "UDP",
}
"#;
    std::fs::write(dns.join("example.json"), doc).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(
        &mut gz,
        b"{\"query_name\": \"sts.us-east-1.amazonaws.com.\", \"vpc_id\": \"vpc-0a1b2c3d4e5f60718\", \"query_timestamp\": \"2026-11-01T00:00:10Z\", \"answers\": [{\"Rdata\": \"52.4.10.20\", \"Type\": \"A\"}]}\nnot json at all\n",
    )
    .unwrap();
    std::fs::write(dns.join("part.log.gz"), gz.finish().unwrap()).unwrap();
    let inv = fixture("account/inventory").display().to_string();
    let d = dns.display().to_string();
    let r = analyze(dir.path(), &["--inventory", &inv, "--dns-logs", &d]);
    let v = vpc(&r, VPC);
    assert_eq!(dest(v, "aws-service", Some("ssm")).0, "2");
    assert_eq!(dest(v, "aws-service", Some("sts")).0, "2");
    let s = &r["vantage"]["dns"];
    assert_eq!(s["malformed"], 1);
    assert!(
        s["malformed_examples"][0]
            .as_str()
            .unwrap()
            .contains("part.log.gz:2:"),
        "{s}"
    );
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("not Route 53 Resolver query-log JSON"),
        "{warnings}"
    );
}

#[test]
fn inventory_addresses_decide_the_remote_side_in_public_vpc_space() {
    // A VPC in public IPv4 space (11.0.0.0/16) and an IPv6 instance address inside an AWS
    // prefix: neither "the private side" nor the port rule can tell which end is local.
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv");
    std::fs::create_dir(&inv).unwrap();
    std::fs::write(
        inv.join("vpcs.json"),
        r#"{"Vpcs": [{"VpcId": "vpc-0public000000001", "CidrBlock": "11.0.0.0/16",
            "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18:1234:5600::/56"}]}]}"#,
    )
    .unwrap();
    std::fs::write(
        inv.join("enis.json"),
        r#"{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-0aaa", "VpcId": "vpc-0public000000001",
            "SubnetId": "subnet-1", "AvailabilityZone": "us-east-1a", "PrivateIpAddress": "11.0.1.5",
            "Ipv6Addresses": [{"Ipv6Address": "2600:1f18:1234:5600::10"}]}]}"#,
    )
    .unwrap();
    // The instance serves port 443 to an AWS address (AMAZON, us-east-1) on a high port.
    let log = dir.path().join("flows.log");
    std::fs::write(
        &log,
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
         2 111122223333 eni-0aaa 52.95.208.10 11.0.1.5 50000 443 6 10 1000 1793491260 1793491320 ACCEPT OK\n\
         2 111122223333 eni-0aaa 11.0.1.5 52.95.208.10 443 50000 6 10 9000 1793491260 1793491320 ACCEPT OK\n",
    )
    .unwrap();
    let csv = |extra: &[&str]| {
        let mut args = vec!["traffic", log.to_str().unwrap(), "--format", "csv"];
        args.extend_from_slice(extra);
        let o = run(dir.path(), &args);
        assert!(o.status.success(), "{}", text(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let without = csv(&[]);
    assert!(
        without.contains(",internet,"),
        "port rule takes 11.0.1.5 for the remote: {without}"
    );
    let with = csv(&["--inventory", inv.to_str().unwrap()]);
    assert!(!with.contains(",internet,"), "{with}");
    assert!(
        with.contains(
            "vpc-0public000000001,us-east-1,us-east-1a,egress,,aws-service,AMAZON,us-east-1,9000,"
        ),
        "{with}"
    );
    assert!(
        with.contains(",ingress,,aws-service,AMAZON,us-east-1,1000,"),
        "{with}"
    );
}

#[test]
fn existing_endpoints_are_in_todays_cost_and_never_built_twice() {
    // The inventory plus a second describe-vpc-endpoints page: an SSM interface endpoint in
    // both AZs (private DNS off, so SSM traffic still shows on NAT).
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv");
    std::fs::create_dir(&inv).unwrap();
    for entry in std::fs::read_dir(fixture("account/inventory")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, inv.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        inv.join("vpc-endpoints-page-2.json"),
        r#"{"VpcEndpoints": [{"VpcEndpointId": "vpce-0ee00000000000002", "VpcEndpointType": "Interface",
            "VpcId": "vpc-0a1b2c3d4e5f60718", "ServiceName": "com.amazonaws.us-east-1.ssm", "State": "available",
            "SubnetIds": ["subnet-0aaaa0000000000a1", "subnet-0bbbb0000000000b2"],
            "Groups": [{"GroupId": "sg-0123456789abcdef0", "GroupName": "endpoints"}],
            "NetworkInterfaceIds": ["eni-0f000000000000001", "eni-0f000000000000002"], "PrivateDnsEnabled": false}]}"#,
    )
    .unwrap();
    let dns = fixture("account/dns").display().to_string();
    let r = analyze(
        dir.path(),
        &["--inventory", inv.to_str().unwrap(), "--dns-logs", &dns],
    );
    let v = vpc(&r, VPC);
    let usd = |x: &Value| {
        x.as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
    };
    // Today: $33.65 as before plus the existing endpoint's 2 AZ x 730 h x $0.01 = $14.60.
    assert_eq!(
        usd(&v["recommendation"]["baseline_usd"]),
        rust_decimal_macros::dec!(48.25)
    );
    let full = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "fully-private")
        .unwrap();
    let ssm = full["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["service"] == "ssm")
        .unwrap();
    assert_eq!(ssm["existing"], "vpce-0ee00000000000002");
    let hours: Vec<&Value> = full["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["component"] == "interface-endpoint-hours")
        .collect();
    assert_eq!(hours.len(), 3, "existing ssm + new sqs and sts: {hours:?}");
    // The commands use the inventory's ids and skip what exists.
    let actions = std::fs::read_to_string(dir.path().join("out/actions.sh")).unwrap();
    assert!(
        actions.contains("exists already (vpce-0ee00000000000002"),
        "{actions}"
    );
    assert!(
        !actions.contains("--service-name com.amazonaws.us-east-1.ssm"),
        "{actions}"
    );
    assert!(
        actions.contains("--route-table-ids rtb-0d00000000000000a"),
        "{actions}"
    );
    assert!(
        actions.contains("--subnet-ids subnet-0aaaa0000000000a1 subnet-0bbbb0000000000b2"),
        "{actions}"
    );
    assert!(
        actions.contains("--security-group-ids sg-0123456789abcdef0"),
        "{actions}"
    );
}

#[test]
fn regional_nat_gateway_from_the_inventory_and_its_resource_id_records() {
    // A regional NAT gateway (no subnet, addresses in two AZs) and its flow logs, which name
    // the gateway in resource-id instead of an ENI. Each byte is counted once (the NAT leg is
    // the vantage point), today's hours are billed per active AZ and nothing is inter-AZ.
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv");
    std::fs::create_dir(&inv).unwrap();
    std::fs::write(
        inv.join("nat.json"),
        r#"{"NatGateways": [{"NatGatewayId": "nat-0regional000000001", "VpcId": "vpc-0r", "State": "available",
           "ConnectivityType": "public", "AvailabilityMode": "regional", "AutoProvisionZones": "enabled",
           "NatGatewayAddresses": [
             {"PublicIp": "3.0.0.1", "AvailabilityZone": "us-east-1a", "AvailabilityZoneId": "use1-az1"},
             {"PublicIp": "3.0.0.2", "AvailabilityZone": "us-east-1b", "AvailabilityZoneId": "use1-az2"}]}]}"#,
    )
    .unwrap();
    std::fs::write(
        inv.join("subnets.json"),
        r#"{"Subnets": [
            {"SubnetId": "subnet-0a", "VpcId": "vpc-0r", "AvailabilityZone": "us-east-1a", "AvailabilityZoneId": "use1-az1", "CidrBlock": "10.0.1.0/24"},
            {"SubnetId": "subnet-0b", "VpcId": "vpc-0r", "AvailabilityZone": "us-east-1b", "AvailabilityZoneId": "use1-az2", "CidrBlock": "10.0.2.0/24"}]}"#,
    )
    .unwrap();
    std::fs::write(
        inv.join("routes.json"),
        r#"{"RouteTables": [{"RouteTableId": "rtb-0p", "VpcId": "vpc-0r",
            "Associations": [{"Main": true}],
            "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-0regional000000001", "State": "active"}]}]}"#,
    )
    .unwrap();
    // One hour: the gateway's records (resource-id, interface-id '-') to an internet host,
    // 1 GiB down and 0.5 GiB up, and the same bytes on a workload ENI in use1-az2.
    let gib = 1u64 << 30;
    let mut f = std::fs::File::create(dir.path().join("flows.log")).unwrap();
    writeln!(f, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id az-id resource-id").unwrap();
    writeln!(f, "10 111122223333 - 198.51.100.7 10.0.2.9 443 40000 6 10 {gib} 1793491200 1793491260 ACCEPT OK vpc-0r use1-az2 nat-0regional000000001").unwrap();
    writeln!(f, "10 111122223333 - 10.0.2.9 198.51.100.7 40000 443 6 10 {} 1793491200 1793491260 ACCEPT OK vpc-0r use1-az2 nat-0regional000000001", gib / 2).unwrap();
    writeln!(f, "10 111122223333 eni-0work 198.51.100.7 10.0.2.9 443 40000 6 10 {gib} 1793491200 1793491260 ACCEPT OK vpc-0r use1-az2 -").unwrap();
    writeln!(f, "10 111122223333 eni-0work 10.0.2.9 198.51.100.7 40000 443 6 10 {} 1793491200 1793491260 ACCEPT OK vpc-0r use1-az2 -", gib / 2).unwrap();
    drop(f);
    let o = crate::common::run(
        dir.path(),
        &[
            "analyze",
            "flows.log",
            "--inventory",
            "inv",
            "--out",
            "r",
            "--format",
            "json",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", crate::common::text(&o));
    let r: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    let v = vpc(&r, "vpc-0r");
    assert_eq!(v["today"]["regional_nat"], "nat-0regional000000001");
    // Listed once per active AZ: hours per AZ; each AZ routes to itself.
    assert_eq!(v["today"]["nat_gateways"].as_array().unwrap().len(), 2);
    assert_eq!(v["today"]["nat_route_az"]["use1-az2"], "use1-az2");
    // 1.5 GiB counted once (not 3 GiB): the gateway's records were recognised as the NAT leg.
    let internet = v["traffic"]["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["class"] == "internet")
        .unwrap();
    assert_eq!(
        internet["egress_bytes"].as_u64().unwrap() + internet["ingress_bytes"].as_u64().unwrap(),
        gib + gib / 2
    );
    let nat_only = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "nat-only")
        .unwrap();
    let lines = nat_only["lines"].as_array().unwrap();
    assert_eq!(lines[0]["quantity"], "1460"); // 2 AZs x 730 h
    assert!(lines[0]["price_source"]
        .as_str()
        .unwrap()
        .starts_with("RegionalNatGateway-Hours"));
    assert!(lines.iter().all(|l| l["component"] != "inter-az"));
}

/// What a plain reading of a CloudWatch export of default-format records says, given which ENI
/// is the NAT gateway's: bytes of accepted records by who logged them and where they went.
#[derive(Debug, Default, PartialEq)]
struct ExportTotals {
    accepted_bytes: u64,
    /// Private to private, logged by a client ENI: the private traffic.
    client_private: u64,
    /// Client ENIs' bytes to and from public addresses.
    client_public: u64,
    /// The NAT ENI's private hops (its clients' legs).
    nat_private: u64,
    /// The NAT ENI's public legs.
    nat_public: u64,
    /// Per (remote, direction), the NAT ENI's public bytes beyond its clients'.
    nat_only: u64,
}

fn export_totals(gz: &Path, nat_eni: &str) -> ExportTotals {
    use std::net::Ipv4Addr;
    let text = String::from_utf8(gunzip(gz)).unwrap();
    let mut t = ExportTotals::default();
    let (mut nat, mut clients) = (BTreeMap::new(), BTreeMap::new());
    for line in text.lines() {
        // An ingestion time, then version account-id interface-id srcaddr dstaddr srcport
        // dstport protocol packets bytes start end action log-status.
        let f: Vec<&str> = line.split(' ').skip(1).collect();
        assert_eq!(f.len(), 14, "{line}");
        if f[12] != "ACCEPT" || f[13] != "OK" {
            continue;
        }
        let bytes: u64 = f[9].parse().unwrap();
        t.accepted_bytes += bytes;
        let (src, dst): (Ipv4Addr, Ipv4Addr) = (f[3].parse().unwrap(), f[4].parse().unwrap());
        let on_nat = f[2] == nat_eni;
        let key = match (src.is_private(), dst.is_private()) {
            (true, true) => {
                *(if on_nat {
                    &mut t.nat_private
                } else {
                    &mut t.client_private
                }) += bytes;
                continue;
            }
            (true, false) => (dst, "egress"),
            (false, true) => (src, "ingress"),
            (false, false) => panic!("no public-to-public records here: {line}"),
        };
        if on_nat {
            t.nat_public += bytes;
            *nat.entry(key).or_insert(0) += bytes;
        } else {
            t.client_public += bytes;
            *clients.entry(key).or_insert(0) += bytes;
        }
    }
    t.nat_only = nat
        .iter()
        .map(|(k, n)| n.saturating_sub(clients.get(k).copied().unwrap_or(0)))
        .sum();
    t
}

#[test]
fn real_eks_exports_count_each_nat_byte_once() {
    // Two real CloudWatch exports of one account (tests/fixtures/PROVENANCE.md): a NAT gateway
    // logs each client flow twice (its private hop and its public leg) beside the client's own
    // record, with no pkt-* fields to say so. The NAT ENIs were picked out by reading the files
    // (each carries one private address on both legs: 10.0.101.180, then 10.0.101.78).
    for (file, nat_eni) in [
        ("vpcflowlogs_2024-12-14.txt.gz", "eni-03a5ba858714a7dbe"),
        ("vpcflowlogs12-20.txt.gz", "eni-0d5c6c851364525b6"),
    ] {
        let gz = fixture(&format!("flowlogs/drewpypro-aws-eks/{file}"));
        let want = export_totals(&gz, nat_eni);
        // Each file holds many times over what a flow's two sightings could hide in rounding.
        assert!(
            want.nat_private > 1_000_000_000 && want.nat_only < 200_000,
            "{want:?}"
        );
        // With --dns-logs (which keeps each flow's hour) the same: in the second file the client
        // and NAT records of some flows start on either side of 18:00, and matching them per hour
        // counted 122 MB of them twice (a regression).
        let dns = fixture("account-eks/dnsquerylogs");
        let with_dns = ["--dns-logs", dns.to_str().unwrap()];
        for extra in [&[][..], &with_dns[..]] {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("out");
            let mut args = vec![
                "analyze",
                gz.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ];
            args.extend_from_slice(extra);
            let o = run(dir.path(), &args);
            assert!(o.status.success(), "{}", text(&o));
            let r: Value =
                serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
            assert_eq!(r["accounting"]["malformed"], 0, "{file} {extra:?}");
            assert_eq!(
                r["accounting"]["accepted_bytes"], want.accepted_bytes,
                "{file} {extra:?}"
            );
            let v = &r["vantage"];
            let found: Vec<(&str, &str)> = v["nat_interfaces"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| {
                    (
                        n["interface_id"].as_str().unwrap(),
                        n["rule"].as_str().unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                found,
                [(nat_eni, "logs: relay balance")],
                "{file} {extra:?}"
            );
            assert_eq!(v["nat_leg_bytes"], want.nat_public, "{file} {extra:?}");
            assert_eq!(v["client_bytes"], want.client_public, "{file} {extra:?}");
            assert_eq!(v["relayed_bytes"], want.nat_private, "{file} {extra:?}");
            assert_eq!(v["nat_only_bytes"], want.nat_only, "{file} {extra:?}");
            assert_eq!(
                v["duplicate_bytes_removed"]["logs: relay balance"],
                want.nat_public - want.nat_only,
                "{file} {extra:?}"
            );
            // The traffic: each public byte once (the clients' plus what only the NAT saw), and the
            // clients' private bytes.
            let csv = std::fs::read_to_string(out.join("traffic.csv")).unwrap();
            let mut lines = csv.lines();
            let head: Vec<&str> = lines.next().unwrap().split(',').collect();
            let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
            let (path, egress, ingress) = (col("path"), col("egress_bytes"), col("ingress_bytes"));
            let mut by_path: BTreeMap<String, u64> = BTreeMap::new();
            for l in lines {
                let c: Vec<&str> = l.split(',').collect();
                *by_path.entry(c[path].to_string()).or_insert(0) +=
                    c[egress].parse::<u64>().unwrap() + c[ingress].parse::<u64>().unwrap();
            }
            let want_paths = BTreeMap::from([
                ("nat".to_string(), want.client_public + want.nat_only),
                ("private".to_string(), want.client_private),
            ]);
            assert_eq!(by_path, want_paths, "{file} {extra:?}");
        }
    }
}

#[test]
fn a_real_cloudwatch_export_task_folder_with_its_resolver_query_logs() {
    // `aws logs create-export-task` writes `<task-id>/<log-stream>/000000.gz`, and the files are
    // named `000000` once decompressed. The Resolver query logs are the account's real export of
    // the same hour (tests/fixtures/PROVENANCE.md), with CloudWatch's delivery-check stream; the
    // flow-log export is rebuilt from the real file of that hour, one stream per ENI, as the
    // account's own export holds it, beside the same delivery check.
    let dir = tempfile::tempdir().unwrap();
    let task = dir
        .path()
        .join("flows/cd09baab-c0d2-4559-81ae-01a27c925079");
    let gz = fixture("flowlogs/drewpypro-aws-eks/vpcflowlogs_2024-12-14.txt.gz");
    let records = String::from_utf8(gunzip(&gz)).unwrap();
    let mut streams: BTreeMap<String, String> = BTreeMap::new();
    for line in records.lines() {
        let eni = line.split(' ').nth(3).unwrap();
        streams
            .entry(format!("{eni}-all"))
            .or_default()
            .push_str(&format!("{line}\n"));
    }
    assert_eq!(streams.len(), 12);
    let dns = fixture("account-eks/dnsquerylogs");
    let check = "log_stream_created_by_aws_to_validate_log_delivery_subscriptions";
    let check_file = dns
        .join("35c5e2df-9c3e-4da1-add4-6be3fc390df4")
        .join(check)
        .join("000000");
    streams.insert(check.into(), std::fs::read_to_string(check_file).unwrap());
    for (stream, body) in &streams {
        std::fs::create_dir_all(task.join(stream)).unwrap();
        std::fs::write(task.join(stream).join("000000"), body).unwrap();
    }
    let out = dir.path().join("out");
    let o = run(
        dir.path(),
        &[
            "analyze",
            "flows",
            "--dns-logs",
            dns.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("skipped"), "{stderr}");
    let r: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let a = &r["accounting"];
    assert_eq!(
        (
            &a["files"],
            &a["records"],
            &a["malformed"],
            &a["control_messages"]
        ),
        (&13.into(), &23_455.into(), &0.into(), &2.into())
    );
    assert_eq!(r["inputs"]["failed_files"], serde_json::json!([]));
    // Each NAT byte once, as from the single file.
    let want = export_totals(&gz, "eni-03a5ba858714a7dbe");
    assert_eq!(r["vantage"]["client_bytes"], want.client_public);
    assert_eq!(r["vantage"]["nat_only_bytes"], want.nat_only);
    // Every query line read, the delivery check not counted as a bad line, and the S3, ECR, SSM
    // and EC2 answers naming the flows' AMAZON-range addresses.
    let d = &r["vantage"]["dns"];
    assert_eq!((&d["queries"], &d["malformed"]), (&263.into(), &0.into()));
    let services: Vec<&str> = d["services"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        services,
        [
            "ec2",
            "ec2messages",
            "ecr.api",
            "ecr.dkr",
            "s3",
            "ssm",
            "ssmmessages"
        ]
    );
    assert!(
        d["named_bytes"]["other-vpc"].as_u64().unwrap() > 1_000_000_000,
        "{d}"
    );
}
