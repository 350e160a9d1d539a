//! Classification against the real ip-ranges snapshot: the S3/AMAZON/EC2 overlaps, nesting,
//! IPv6, and a property test of the prefix table against a brute-force scan.

use std::net::IpAddr;
use std::sync::OnceLock;

use proptest::prelude::*;
use vpce_advisor::classify::ipranges::{lookup_brute_force, IpRanges};
use vpce_advisor::classify::{classify_address, RemoteKind};

fn table() -> &'static IpRanges {
    static T: OnceLock<IpRanges> = OnceLock::new();
    T.get_or_init(|| IpRanges::embedded().expect("embedded ip-ranges"))
}

fn lookup(addr: &str) -> (String, String, String) {
    let m = table()
        .lookup(addr.parse().unwrap())
        .expect("in an AWS prefix");
    (m.service, m.region, m.prefix)
}

#[test]
fn snapshot_metadata() {
    let t = table();
    assert_eq!(t.sync_token, "1787411825");
    assert_eq!(t.create_date, "2026-08-22-15-17-05");
    assert_eq!(t.prefix_count_v4, 10_668);
    assert_eq!(t.prefix_count_v6, 6_160);
}

#[test]
fn s3_wins_over_amazon_and_ec2_on_the_same_prefix() {
    // 16.15.156.0/22 is listed as AMAZON, S3 and EC2 (us-east-1).
    assert_eq!(
        lookup("16.15.157.7"),
        ("S3".into(), "us-east-1".into(), "16.15.156.0/22".into())
    );
}

#[test]
fn s3_wins_over_a_longer_ec2_prefix_nested_inside_it() {
    // EC2 83.118.240.0/22 sits inside S3 83.118.240.0/21 (eusc-de-east-1): the gateway
    // endpoint routes the whole S3 prefix, so S3 wins whatever the lengths.
    assert_eq!(
        lookup("83.118.240.9"),
        (
            "S3".into(),
            "eusc-de-east-1".into(),
            "83.118.240.0/21".into()
        )
    );
}

#[test]
fn longest_prefix_wins_outside_s3_and_dynamodb() {
    // 100.24.0.0/13 is AMAZON and EC2; 100.27.238.0/23 is AMAZON alone: the longer one wins.
    assert_eq!(
        lookup("100.27.238.1"),
        (
            "AMAZON".into(),
            "us-east-1".into(),
            "100.27.238.0/23".into()
        )
    );
    // Same /13 outside the /23: EC2 beats AMAZON on the equal prefix.
    assert_eq!(
        lookup("100.24.1.1"),
        ("EC2".into(), "us-east-1".into(), "100.24.0.0/13".into())
    );
    // An AMAZON-only address (AWS API front ends).
    assert_eq!(
        lookup("15.230.221.1"),
        (
            "AMAZON".into(),
            "us-east-1".into(),
            "15.230.221.0/24".into()
        )
    );
}

#[test]
fn ipv6_prefixes() {
    // 2600:1ff8:2c00::/40 is AMAZON and S3 in us-east-1.
    assert_eq!(
        lookup("2600:1ff8:2c00::5"),
        (
            "S3".into(),
            "us-east-1".into(),
            "2600:1ff8:2c00::/40".into()
        )
    );
    assert!(table().lookup("2001:db8::1".parse().unwrap()).is_none());
}

#[test]
fn the_v5_example_address_is_s3_in_ap_southeast_2() {
    // From AWS's v5 flow-log example (pkt-dst-aws-service = S3).
    assert_eq!(
        lookup("52.95.128.179"),
        (
            "S3".into(),
            "ap-southeast-2".into(),
            "52.95.128.0/21".into()
        )
    );
}

#[test]
fn private_internet_and_hints() {
    let t = table();
    for a in [
        "10.0.0.1",
        "172.20.1.1",
        "100.64.1.1",
        "169.254.169.254",
        "fd12::1",
        "",
    ] {
        assert_eq!(
            classify_address(t, a, "S3").kind,
            RemoteKind::Private,
            "{a}"
        );
    }
    let c = classify_address(t, "203.0.113.5", "");
    assert_eq!((c.kind, c.by), (RemoteKind::Internet, "none"));
    // A hint fills in an address the snapshot does not know...
    let c = classify_address(t, "203.0.113.5", "DYNAMODB");
    assert_eq!(
        (c.kind, c.service.as_str(), c.by),
        (RemoteKind::Aws, "DYNAMODB", "hint")
    );
    // ...but never overrides ip-ranges.
    let c = classify_address(t, "16.15.157.7", "EC2");
    assert_eq!((c.service.as_str(), c.by), ("S3", "ip-ranges"));
}

fn any_addr() -> impl Strategy<Value = IpAddr> {
    let entries_len = table().entries().len();
    prop_oneof![
        // Inside a listed prefix (any host), to exercise overlaps.
        (0..entries_len, any::<u128>()).prop_map(|(i, host)| {
            let e = &table().entries()[i];
            let bits = if e.v6 { 128 } else { 32 };
            let host_bits = bits - u32::from(e.len);
            let h = if host_bits == 0 {
                0
            } else if host_bits == 128 {
                host
            } else {
                host & ((1u128 << host_bits) - 1)
            };
            let v = e.network | h;
            if e.v6 {
                IpAddr::V6(v.into())
            } else {
                IpAddr::V4((v as u32).into())
            }
        }),
        // At a listed prefix's edges: its first and last address, and those just outside it
        // (where the table's ranges are cut).
        (0..entries_len, 0..4u8).prop_map(|(i, edge)| {
            let e = &table().entries()[i];
            let bits = if e.v6 { 128 } else { 32 };
            let host_bits = bits - u32::from(e.len);
            let last = if host_bits == 128 {
                u128::MAX
            } else {
                e.network | ((1u128 << host_bits) - 1)
            };
            let top = if e.v6 {
                u128::MAX
            } else {
                u128::from(u32::MAX)
            };
            let v = match edge {
                0 => e.network,
                1 => last,
                2 => e.network.saturating_sub(1),
                _ => last.saturating_add(1).min(top),
            };
            if e.v6 {
                IpAddr::V6(v.into())
            } else {
                IpAddr::V4((v as u32).into())
            }
        }),
        any::<u32>().prop_map(|v| IpAddr::V4(v.into())),
        any::<u128>().prop_map(|v| IpAddr::V6(v.into())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
    #[test]
    fn prefix_table_agrees_with_brute_force(addr in any_addr()) {
        prop_assert_eq!(table().lookup(addr), lookup_brute_force(table().entries(), addr));
    }
}

/// Every service label of the shipped ip-ranges snapshot is either mapped to an endpoint or
/// deliberately internet-like in data/endpoint-labels.csv, and every row names its source.
#[test]
fn every_snapshot_label_is_decided() {
    use vpce_advisor::classify::labels;
    let rows = labels::rows();
    let mut missing = Vec::new();
    for e in table().entries() {
        if !rows.iter().any(|r| r.label == e.service) && !missing.contains(&e.service) {
            missing.push(e.service.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "labels in data/ip-ranges.json but not in data/endpoint-labels.csv: {missing:?}"
    );
    for r in rows {
        assert!(
            r.source.starts_with("https://"),
            "{}: source must be a link",
            r.label
        );
        assert!(!r.reason.is_empty());
    }
    // Labels whose prefixes are not the endpoint's API stay on NAT as AWS-hosted traffic.
    for label in ["CODEBUILD", "API_GATEWAY", "KINESIS_VIDEO_STREAMS", "EC2"] {
        assert_eq!(
            vpce_advisor::classify::endpoint_fit(label),
            vpce_advisor::classify::EndpointFit::None,
            "{label}"
        );
    }
}
