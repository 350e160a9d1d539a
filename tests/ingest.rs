//! Ingest on the real reference flow logs: record, NODATA, SKIPDATA and malformed counts per
//! file; malformed lines, --strict and broken gzip.

use std::io::Write;
use std::path::PathBuf;

use vpce_advisor::ingest::{ingest, Accounting, IngestConfig};

use crate::common::{fixture, run, text};

pub(crate) fn read(
    paths: Vec<PathBuf>,
    strict: bool,
) -> vpce_advisor::Result<vpce_advisor::ingest::Ingested> {
    ingest(&config(paths, strict))
}

/// The ingest settings of [`read`].
fn config(paths: Vec<PathBuf>, strict: bool) -> IngestConfig {
    IngestConfig {
        inputs: paths,
        region: "us-east-1".into(),
        strict,
        progress: false,
        log_format: None,
        flow_log_formats: Default::default(),
        local: None,
        hourly: false,
        classes: None,
    }
}

struct Expect {
    file: &'static str,
    headers: u64,
    records: u64,
    accepted: u64,
    rejected: u64,
    nodata: u64,
    skipdata: u64,
    no_bytes: u64,
    bytes: u64,
}

/// Counted by hand from the files (see tests/fixtures/PROVENANCE.md for where they came from).
const EXPECTED: &[Expect] = &[
    Expect {
        file: "aws-solutions-clo/vpcflow.log",
        headers: 1,
        records: 17,
        accepted: 10,
        rejected: 0,
        nodata: 7,
        skipdata: 0,
        no_bytes: 0,
        bytes: 559,
    },
    Expect {
        file: "awsdocs-vpc-user-guide/custom_nat_gateway_eni_with_header.log",
        headers: 1,
        records: 4,
        accepted: 0,
        rejected: 0,
        nodata: 0,
        skipdata: 0,
        no_bytes: 4,
        bytes: 0,
    },
    Expect {
        file: "awsdocs-vpc-user-guide/custom_nat_source_instance_eni_with_header.log",
        headers: 1,
        records: 2,
        accepted: 0,
        rejected: 0,
        nodata: 0,
        skipdata: 0,
        no_bytes: 2,
        bytes: 0,
    },
    Expect {
        file: "awsdocs-vpc-user-guide/custom_v3_tcp_flags_with_header.log",
        headers: 1,
        records: 8,
        accepted: 8,
        rejected: 0,
        nodata: 0,
        skipdata: 0,
        no_bytes: 0,
        bytes: 23_462_480,
    },
    Expect {
        file: "awsdocs-vpc-user-guide/custom_v3_transit_gateway_with_header.log",
        headers: 1,
        records: 4,
        accepted: 0,
        rejected: 0,
        nodata: 0,
        skipdata: 0,
        no_bytes: 4,
        bytes: 0,
    },
    Expect {
        file: "awsdocs-vpc-user-guide/custom_v5_service_trafficpath_direction_with_header.log",
        headers: 1,
        records: 2,
        accepted: 2,
        rejected: 0,
        nodata: 0,
        skipdata: 0,
        no_bytes: 0,
        bytes: 15_515,
    },
    Expect {
        file: "awsdocs-vpc-user-guide/default_format_v2_examples.log",
        headers: 0,
        records: 7,
        accepted: 3,
        rejected: 2,
        nodata: 1,
        skipdata: 1,
        no_bytes: 0,
        bytes: 13_440,
    },
    Expect {
        file: "drewpypro-aws-eks/vpcflowlogs12-20.txt.gz",
        headers: 0,
        records: 11_057,
        accepted: 10_452,
        rejected: 542,
        nodata: 0,
        skipdata: 63,
        no_bytes: 0,
        bytes: 3_245_066_921,
    },
    Expect {
        file: "drewpypro-aws-eks/vpcflowlogs_2024-12-14.txt.gz",
        headers: 0,
        records: 23_455,
        accepted: 22_216,
        rejected: 1_034,
        nodata: 96,
        skipdata: 109,
        no_bytes: 0,
        bytes: 3_786_388_638,
    },
    Expect {
        file: "grafana-loki/vpcflowlog.log.gz",
        headers: 1,
        records: 3,
        accepted: 3,
        rejected: 0,
        nodata: 0,
        skipdata: 0,
        no_bytes: 0,
        bytes: 34_052,
    },
    Expect {
        file: "opensearch-catalog/raw.log",
        headers: 0,
        records: 775,
        accepted: 371,
        rejected: 0,
        nodata: 404,
        skipdata: 0,
        no_bytes: 0,
        bytes: 4_274_520,
    },
    Expect {
        file: "splunk-cloudfwd/cloudwatchlogs_vpcflowlog_lambdaprocessed.sample",
        headers: 0,
        records: 360,
        accepted: 350,
        rejected: 10,
        nodata: 0,
        skipdata: 0,
        no_bytes: 0,
        bytes: 600_108,
    },
    Expect {
        file: "splunk-cloudfwd/vpc-flow-log.sample",
        headers: 0,
        records: 10,
        accepted: 10,
        rejected: 0,
        nodata: 0,
        skipdata: 0,
        no_bytes: 0,
        bytes: 708,
    },
];

#[test]
fn every_reference_file_parses_with_the_expected_counts() {
    for e in EXPECTED {
        let got = read(vec![fixture(&format!("flowlogs/{}", e.file))], true)
            .unwrap_or_else(|err| panic!("{}: {err}", e.file));
        let a: &Accounting = &got.accounting;
        let summary = (
            a.header_lines,
            a.records,
            a.accepted,
            a.rejected,
            a.nodata,
            a.skipdata,
            a.accepted_without_bytes,
            a.malformed,
            a.accepted_bytes,
        );
        assert_eq!(
            summary,
            (
                e.headers, e.records, e.accepted, e.rejected, e.nodata, e.skipdata, e.no_bytes, 0,
                e.bytes
            ),
            "{}",
            e.file
        );
        assert_eq!(
            a.records,
            a.categorised(),
            "{}: every record accounted for",
            e.file
        );
        assert_eq!(a.files, 1);
    }
}

#[test]
fn all_reference_files_together_add_up() {
    let paths: Vec<PathBuf> = EXPECTED
        .iter()
        .map(|e| fixture(&format!("flowlogs/{}", e.file)))
        .collect();
    let got = read(paths, false).unwrap();
    assert_eq!(
        got.accounting.records,
        EXPECTED.iter().map(|e| e.records).sum::<u64>()
    );
    assert_eq!(
        got.accounting.accepted_bytes,
        EXPECTED.iter().map(|e| e.bytes).sum::<u64>()
    );
    assert_eq!(got.accounting.files, EXPECTED.len() as u64);
    // Five distinct formats: default v2 and four custom headers (the v2 header file shares v2).
    assert!(got.formats.len() >= 5, "{:?}", got.formats);
}

#[test]
fn walking_a_folder_skips_non_log_names_and_says_so() {
    let got = read(vec![fixture("flowlogs")], false).unwrap();
    // .log, .log.gz, .txt.gz and .csv.gz files are read; the two .sample files and a licence
    // are listed as skipped.
    assert_eq!(got.accounting.files, 13);
    let mut skipped: Vec<String> = got
        .skipped_files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    skipped.sort();
    assert_eq!(
        skipped,
        [
            "LICENSE.md",
            "cloudwatchlogs_vpcflowlog_lambdaprocessed.sample",
            "vpc-flow-log.sample"
        ]
    );
}

#[test]
fn a_real_comma_separated_export_without_a_header_reads_every_record() {
    // A CloudWatch export turned comma-separated by a spreadsheet (tests/fixtures/PROVENANCE.md):
    // no header, an ingestion-time column before the 14 default-format columns, a first line of
    // stray cells, the account id mangled to `6.02485E+11`. It was refused whole ("line 1 has 1
    // fields"); now each record is read and the stray line is one malformed record at line 1.
    let csv = fixture("flowlogs/drewpypro-aws-eks/1-3-2025-vpcflowlogs.csv.gz");
    let got = read(vec![csv.clone()], false).unwrap();
    let a = &got.accounting;
    assert_eq!(
        (a.header_lines, a.lines, a.records, a.accepted, a.malformed),
        (0, 14_553, 14_553, 14_552, 1)
    );
    assert_eq!(a.accepted_bytes, 4_370_396_688);
    assert_eq!(a.records, a.categorised());
    assert_eq!(got.issues.len(), 1);
    assert_eq!(
        (got.issues[0].line, got.issues[0].reason.as_str()),
        (1, "unknown log-status 'w'")
    );
    assert_eq!(
        got.formats.keys().collect::<Vec<_>>(),
        [&format!(
            "timestamp {}",
            vpce_advisor::ingest::format::DEFAULT_V2
        )]
    );
    // --strict stops at the stray line, naming the file and the line.
    let err = match read(vec![csv], true) {
        Ok(_) => panic!("--strict read past a malformed line"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("1-3-2025-vpcflowlogs.csv.gz") && err.contains(":1"),
        "{err}"
    );
}

fn write(dir: &std::path::Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn malformed_lines_are_counted_skipped_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let body = "\
2 123456789010 eni-1 10.0.0.1 52.95.128.179 443 5000 6 10 1000 1700000000 1700000060 ACCEPT OK
2 123456789010 eni-1 10.0.0.1 52.95.128.179 443 5000 6 10 1000 1700000000 ACCEPT OK
2 123456789010 eni-1 10.0.0.1 52.95.128.179 443 5000 6 10 12x4 1700000000 1700000060 ACCEPT OK
2 123456789010 eni-1 10.0.0.999 52.95.128.179 443 5000 6 10 1000 1700000000 1700000060 ACCEPT OK

2 123456789010 eni-1 10.0.0.1 52.95.128.179 443 5000 6 10 1000 1700000000 1700000060 ACCEPT OK
";
    let p = write(dir.path(), "bad.log", body);
    let got = read(vec![p.clone()], false).unwrap();
    let a = &got.accounting;
    assert_eq!(
        (a.records, a.accepted, a.malformed, a.blank_lines),
        (5, 2, 3, 1)
    );
    assert_eq!(a.records, a.categorised());
    let shown: Vec<String> = got.issues.iter().map(|i| i.to_string()).collect();
    assert_eq!(shown.len(), 3);
    assert!(shown[0].ends_with("bad.log:2: expected 14 fields, found 13 (format: version account-id interface-id srcaddr dstaddr srcport ...)"), "{}", shown[0]);
    assert!(
        shown[1].ends_with("bad.log:3: non-numeric bytes '12x4'"),
        "{}",
        shown[1]
    );
    assert!(
        shown[2].ends_with("bad.log:4: bad address '10.0.0.999' in srcaddr"),
        "{}",
        shown[2]
    );

    let err = read(vec![p], true).err().expect("strict fails").to_string();
    assert!(err.ends_with("bad.log:2: expected 14 fields, found 13 (format: version account-id interface-id srcaddr dstaddr srcport ...)"), "{err}");
}

#[test]
fn truncated_and_corrupt_gzip_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("flowlogs/grafana-loki/vpcflowlog.log.gz")).unwrap();
    let truncated = dir.path().join("cut.log.gz");
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    let err = read(vec![truncated.clone()], true)
        .err()
        .expect("truncated gz fails under --strict")
        .to_string();
    assert!(err.contains("cut.log.gz") && err.contains("gzip"), "{err}");
    // Without --strict the file is skipped and accounted for.
    let got = read(vec![truncated], false).expect("skipped, not fatal");
    assert_eq!(got.accounting.files, 0);
    assert_eq!(got.accounting.records, 0);
    assert_eq!(got.failed_files.len(), 1);
    let f = &got.failed_files[0];
    assert!(f.path.ends_with("cut.log.gz"), "{f:?}");
    assert_eq!(f.bytes, (good.len() / 2) as u64);
    assert!(
        f.reason.starts_with("corrupt or truncated gzip data"),
        "{f:?}"
    );

    let corrupt = dir.path().join("bad.log.gz");
    let mut bytes = good.clone();
    for b in bytes.iter_mut().skip(12).take(20) {
        *b ^= 0x5a;
    }
    std::fs::File::create(&corrupt)
        .unwrap()
        .write_all(&bytes)
        .unwrap();
    let err = read(vec![corrupt.clone()], true)
        .err()
        .expect("corrupt gz fails")
        .to_string();
    assert!(err.contains("bad.log.gz"), "{err}");
    let got = read(vec![corrupt], false).expect("skipped, not fatal");
    assert_eq!(got.failed_files.len(), 1);
}

#[test]
fn a_header_without_addresses_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "odd.log",
        "version interface-id bytes\n2 eni-1 100\n",
    );
    let err = read(vec![p.clone()], true)
        .err()
        .expect("fails")
        .to_string();
    assert!(
        err.contains("odd.log") && err.contains("no source and destination address"),
        "{err}"
    );
    let got = read(vec![p], false).expect("skipped, not fatal");
    assert!(
        got.failed_files[0]
            .reason
            .contains("no source and destination address"),
        "{:?}",
        got.failed_files
    );
}

#[test]
fn the_binary_reports_a_missing_input_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["analyze", "no-such-dir", "--out", "r"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no-such-dir") && err.contains("cannot read"),
        "{err}"
    );
    // The operating system's reason is said once, not repeated by the cause chain.
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

pub(crate) fn analyze(paths: Vec<PathBuf>) -> vpce_advisor::report::Report {
    vpce_advisor::pipeline::analyze(&vpce_advisor::pipeline::AnalyzeConfig {
        inputs: paths,
        traffic: Vec::new(),
        region: "us-east-1".into(),
        ip_ranges: None,
        prices: None,
        scenario: Default::default(),
        policy: vpce_advisor::recommend::Policy::secure(),
        strict: true,
        progress: false,
        log_format: None,
        inventory: Vec::new(),
        dns_logs: Vec::new(),
        dns_window: 3600,
        bill: Vec::new(),
        calibrate: false,
        sources: Default::default(),
    })
    .unwrap()
}

fn class_bytes(r: &vpce_advisor::report::Report, class: vpce_advisor::traffic::DestClass) -> u64 {
    r.vpcs
        .iter()
        .flat_map(|v| v.traffic.destinations.iter())
        .filter(|d| d.class == class)
        .map(|d| d.bytes())
        .sum()
}

#[test]
fn nat_gateway_eni_counts_each_byte_once() {
    // Regression: AWS's NAT gateway ENI example (both legs on one ENI), with byte counts added.
    // The client leg (10.0.1.5 <-> NAT 10.0.0.220, pkt-* = the internet host) is a private hop;
    // only the public leg (NAT <-> 203.0.113.5) is NAT-routed traffic.
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "nat.log",
        "\
instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr bytes start end
- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5 100 1793491200 1793577600
- eni-1235b8ca123456789 10.0.0.220 203.0.113.5 10.0.0.220 203.0.113.5 100 1793491200 1793577600
- eni-1235b8ca123456789 203.0.113.5 10.0.0.220 203.0.113.5 10.0.0.220 1000 1793491200 1793577600
- eni-1235b8ca123456789 10.0.0.220 10.0.1.5 203.0.113.5 10.0.1.5 1000 1793491200 1793577600
",
    );
    let r = analyze(vec![p]);
    assert_eq!(r.accounting.accepted, 4);
    assert_eq!(r.accounting.relayed, 2);
    assert_eq!(
        class_bytes(&r, vpce_advisor::traffic::DestClass::Internet),
        1100
    );
}

#[test]
fn ipv6_is_not_nat_traffic_but_nat64_is() {
    let dir = tempfile::tempdir().unwrap();
    // 16.15.157.7 (S3, us-east-1) reached through NAT64 as 64:ff9b::100f:9d07; a native IPv6
    // S3 address goes through an egress-only gateway.
    let p = write(
        dir.path(),
        "v6.log",
        "\
version srcaddr dstaddr srcport dstport bytes start end action log-status flow-direction
5 2600:1f18:1:2::10 64:ff9b::100f:9d07 40000 443 700 1793491200 1793577600 ACCEPT OK egress
5 2600:1f18:1:2::10 2600:1ff8:2c00::5 40000 443 500 1793491200 1793577600 ACCEPT OK egress
",
    );
    let r = analyze(vec![p]);
    assert_eq!(class_bytes(&r, vpce_advisor::traffic::DestClass::S3), 700);
    assert_eq!(
        class_bytes(&r, vpce_advisor::traffic::DestClass::Ipv6Direct),
        500
    );
    assert_eq!(
        r.vpcs[0].scenarios[0].nat_gb,
        vpce_advisor::units::monthly_gb(700, 86_400)
    );
}

#[test]
fn malformed_lines_do_not_move_the_window() {
    // Regression: a line with start=0 but an unknown action used to widen the window to 1970.
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "w.log",
        "\
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 100 1793491200 1793577600 ACCEPT OK
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 100 0 1 FOO OK
",
    );
    let got = read(vec![p], false).unwrap();
    assert_eq!(got.accounting.malformed, 1);
    assert_eq!(got.window, Some((1_793_491_200, 1_793_577_600)));
}

#[test]
fn overlong_lines_and_formats_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(vpce_advisor::ingest::scan::MAX_LINE_BYTES * 2 + 17);
    let p = write(
        dir.path(),
        "long.log",
        &format!("2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 100 1 2 ACCEPT OK\n{long}\n2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 100 1 2 ACCEPT OK\n"),
    );
    let got = read(vec![p], false).unwrap();
    let a = &got.accounting;
    assert_eq!((a.records, a.accepted, a.malformed, a.lines), (3, 2, 1, 3));
    assert!(got.issues[0]
        .to_string()
        .ends_with("long.log:2: line longer than 1048576 bytes"));

    let many: Vec<String> = (0..70).map(|i| format!("f{i}")).collect();
    let p = write(
        dir.path(),
        "wide.log",
        &format!("srcaddr dstaddr {}\n", many.join(" ")),
    );
    let err = read(vec![p], true).err().expect("too wide").to_string();
    assert!(
        err.contains("wide.log") && err.contains("at most 64"),
        "{err}"
    );
}

#[test]
fn gaps_in_the_logs_are_reported() {
    // Two hours of records five days apart: the window is five days, the coverage two hours.
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "gap.log",
        "\
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 100 1793491200 1793491260 ACCEPT OK
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 100 1793923140 1793923200 ACCEPT OK
",
    );
    let r = analyze(vec![p]);
    assert_eq!(r.assumptions.hours_with_records, 2);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("cover only 2 of the 120 hours")),
        "{:?}",
        r.warnings
    );
    // Four whole hours of records whose last ones end 10 minutes into a fifth hour (600-second
    // aggregation): no gap.
    let text: String = (0..4u64)
        .flat_map(|h| [0, 1800, 3300].map(|o| 1_793_491_200 + h * 3600 + o))
        .map(|start| {
            format!(
                "2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 100 {start} {} ACCEPT OK\n",
                start + 600
            )
        })
        .collect();
    let p = write(dir.path(), "whole.log", &text);
    let r = analyze(vec![p]);
    assert_eq!(r.assumptions.hours_with_records, 4);
    assert!(
        !r.warnings.iter().any(|w| w.contains("cover only")),
        "{:?}",
        r.warnings
    );
    // The sample covers every hour of its day: no such warning.
    let sample = analyze(vec![crate::common::data("sample/AWSLogs")]);
    assert_eq!(sample.assumptions.hours_with_records, 24);
    assert!(!sample.warnings.iter().any(|w| w.contains("cover only")));
}

#[test]
fn a_vpc_whose_traffic_bypasses_nat_is_billed_no_nat_gateway() {
    // Two AZs of a VPC whose public egress all says traffic-path 8 (internet gateway), and a VPC
    // whose egress says 1 (through a NAT gateway). Without an inventory, NAT gateways are
    // assumed one per AZ only where the logs show traffic through NAT.
    let dir = tempfile::tempdir().unwrap();
    let header = "version vpc-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status region az-id flow-direction traffic-path\n";
    let mut text = header.to_string();
    for (vpc, eni, az, own, path) in [
        (
            "vpc-0000000000000001a",
            "eni-1",
            "use1-az1",
            "10.0.0.5",
            "8",
        ),
        (
            "vpc-0000000000000001a",
            "eni-2",
            "use1-az2",
            "10.0.1.5",
            "8",
        ),
        (
            "vpc-0000000000000002b",
            "eni-3",
            "use1-az1",
            "10.1.0.5",
            "1",
        ),
    ] {
        text.push_str(&format!("5 {vpc} {eni} {own} 203.0.113.5 40000 443 6 10 500000000 1793491200 1793491260 ACCEPT OK us-east-1 {az} egress {path}\n"));
        text.push_str(&format!("5 {vpc} {eni} 203.0.113.5 {own} 443 40000 6 10 900000000 1793491200 1793491260 ACCEPT OK us-east-1 {az} ingress -\n"));
    }
    let r = analyze(vec![write(dir.path(), "paths.log", &text)]);
    let vpc = |id: &str| r.vpcs.iter().find(|v| v.traffic.vpc_id == id).unwrap();
    let igw = vpc("vpc-0000000000000001a");
    assert_eq!(igw.nat_gateways, 0);
    assert!(igw.nat_routed_gb.is_zero());
    assert!(igw.scenarios.iter().all(|s| s.nat_gateways == 0));
    assert!(igw.scenarios[0].total().is_zero(), "{:?}", igw.scenarios[0]);
    assert!(igw.recommendation.monthly_saving_usd.is_zero());
    let nat = vpc("vpc-0000000000000002b");
    assert_eq!((nat.azs, nat.nat_gateways), (1, 1));
    assert!(nat.scenarios[0].total() > rust_decimal::Decimal::ZERO);
}

#[test]
fn a_nat_gateways_client_legs_stay_out_of_the_hourly_private_series() {
    use vpce_advisor::traffic::DestClass;
    // 08:00: 1,000 bytes between two instances; 09:00: 100,000 bytes to the internet through a
    // NAT gateway whose interface logs the client leg (instance -> NAT, private) and the public
    // leg. The private chart must show 08:00, not the NAT traffic of 09:00: once with pkt-*
    // fields (the client leg is a relayed hop), once in the default format (no pkt-* fields:
    // the NAT interface is found by its balanced private and public bytes).
    let dir = tempfile::tempdir().unwrap();
    let (h8, h9) = (1_773_129_600u64, 1_773_133_200u64);
    let v5 = format!(
        "\
version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id pkt-srcaddr pkt-dstaddr flow-direction
5 eni-1 10.0.1.5 10.0.1.9 40000 5432 6 10 1000 {h8} {h8} ACCEPT OK vpc-1 10.0.1.5 10.0.1.9 egress
5 eni-1 10.0.1.5 203.0.113.5 40001 443 6 100 100000 {h9} {h9} ACCEPT OK vpc-1 10.0.1.5 203.0.113.5 egress
5 eni-2 10.0.1.5 10.0.0.220 40001 443 6 100 100000 {h9} {h9} ACCEPT OK vpc-1 10.0.1.5 203.0.113.5 ingress
5 eni-2 10.0.0.220 203.0.113.5 61000 443 6 100 100000 {h9} {h9} ACCEPT OK vpc-1 10.0.0.220 203.0.113.5 egress
"
    );
    let v2 = format!(
        "\
2 1 eni-1 10.0.1.5 10.0.1.9 40000 5432 6 10 1000 {h8} {h8} ACCEPT OK
2 1 eni-1 10.0.1.5 203.0.113.5 40001 443 6 100 100000 {h9} {h9} ACCEPT OK
2 1 eni-2 10.0.1.5 10.0.0.220 40001 443 6 100 100000 {h9} {h9} ACCEPT OK
2 1 eni-2 10.0.0.220 203.0.113.5 61000 443 6 100 100000 {h9} {h9} ACCEPT OK
"
    );
    for (name, text) in [("v5.log", v5), ("v2.log", v2)] {
        let r = analyze(vec![write(dir.path(), name, &text)]);
        assert_eq!(r.vantage.nat_interfaces.len(), 1, "{name}");
        let hourly: Vec<(u64, u64, u64)> = r.vpcs[0]
            .hourly
            .iter()
            .map(|h| {
                (
                    h.unix,
                    h.bytes[&DestClass::Private],
                    h.bytes[&DestClass::Internet],
                )
            })
            .collect();
        assert_eq!(hourly, [(h8, 1000, 0), (h9, 0, 100_000)], "{name}");
    }
}

#[test]
fn runs_and_alternations_of_contexts_and_hours_sum_where_they_belong() {
    use vpce_advisor::traffic::DestClass;
    // The scan keeps the last record's context and series key apart (records come in runs):
    // runs of one key, a key that comes back after another, VPCs that alternate record by
    // record, and a last record whose key is new must all land in their own VPC and hour.
    let dir = tempfile::tempdir().unwrap();
    let (h8, h9) = (1_773_129_600u64, 1_773_133_200u64);
    let rec = |vpc: &str, eni: &str, dst: &str, bytes: u64, t: u64| {
        format!("5 {eni} 10.0.1.5 {dst} 40000 443 6 1 {bytes} {t} {t} ACCEPT OK {vpc} egress\n")
    };
    let mut text = String::from(
        "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id flow-direction\n",
    );
    for (vpc, eni, dst, bytes, t) in [
        ("vpc-1", "eni-1", "203.0.113.5", 100, h8),
        ("vpc-1", "eni-1", "203.0.113.5", 200, h8),
        ("vpc-2", "eni-2", "203.0.113.5", 10_000, h8),
        ("vpc-1", "eni-1", "203.0.113.5", 50, h9),
        ("vpc-2", "eni-2", "203.0.113.5", 20_000, h9),
        ("vpc-1", "eni-1", "203.0.113.5", 7, h8),
        ("vpc-2", "eni-2", "203.0.113.5", 30_000, h8),
        ("vpc-1", "eni-1", "10.0.1.9", 3, h9),
    ] {
        text.push_str(&rec(vpc, eni, dst, bytes, t));
    }
    let r = analyze(vec![write(dir.path(), "runs.log", &text)]);
    let hourly = |id: &str| -> Vec<(u64, u64, u64)> {
        let v = r.vpcs.iter().find(|v| v.traffic.vpc_id == id).unwrap();
        v.hourly
            .iter()
            .map(|h| {
                (
                    h.unix,
                    h.bytes[&DestClass::Private],
                    h.bytes[&DestClass::Internet],
                )
            })
            .collect()
    };
    assert_eq!(hourly("vpc-1"), [(h8, 0, 307), (h9, 3, 50)]);
    assert_eq!(hourly("vpc-2"), [(h8, 0, 40_000), (h9, 0, 20_000)]);
}

#[test]
fn fewer_nat_interfaces_in_the_logs_than_azs_are_pointed_out() {
    // Instances in two AZs; the logs show one NAT gateway interface (use1-az1) relaying both.
    // Without an inventory the model assumes a NAT gateway per AZ: the report says the logs
    // show fewer. With a NAT gateway interface in each AZ, nothing is said.
    let dir = tempfile::tempdir().unwrap();
    let t = 1_793_491_200u64;
    let header = "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id az-id pkt-srcaddr pkt-dstaddr flow-direction\n";
    let legs = |client: &str,
                client_eni: &str,
                client_az: &str,
                nat: &str,
                nat_eni: &str,
                nat_az: &str,
                remote: &str| {
        format!(
            "\
5 {client_eni} {client} {remote} 40000 443 6 10 100000 {t} {t} ACCEPT OK vpc-1 {client_az} {client} {remote} egress
5 {nat_eni} {client} {nat} 40000 443 6 10 100000 {t} {t} ACCEPT OK vpc-1 {nat_az} {client} {remote} ingress
5 {nat_eni} {nat} {remote} 61000 443 6 10 100000 {t} {t} ACCEPT OK vpc-1 {nat_az} {nat} {remote} egress
"
        )
    };
    // The same first AZ in both: its instance relayed by the NAT gateway interface in use1-az1.
    let az1 = legs(
        "10.0.1.5",
        "eni-a",
        "use1-az1",
        "10.0.0.220",
        "eni-nat1",
        "use1-az1",
        "203.0.113.5",
    );
    let one = format!(
        "{header}{az1}{}",
        legs(
            "10.0.2.5",
            "eni-b",
            "use1-az2",
            "10.0.0.220",
            "eni-nat1",
            "use1-az1",
            "198.51.100.7"
        ),
    );
    let r = analyze(vec![write(dir.path(), "one.log", &one)]);
    assert_eq!(r.vpcs[0].nat_gateways, 2);
    let said: Vec<&String> = r
        .warnings
        .iter()
        .filter(|w| w.contains("NAT gateway interface(s)"))
        .collect();
    assert_eq!(said.len(), 1, "{:?}", r.warnings);
    assert!(
        said[0].starts_with("vpc-1: the logs show 1 NAT gateway interface(s) (eni-nat1 in use1-az1) where today's cost assumes 2"),
        "{}",
        said[0]
    );
    let two = format!(
        "{header}{az1}{}",
        legs(
            "10.0.2.5",
            "eni-b",
            "use1-az2",
            "10.0.3.220",
            "eni-nat2",
            "use1-az2",
            "198.51.100.7"
        ),
    );
    let r = analyze(vec![write(dir.path(), "two.log", &two)]);
    assert_eq!(r.vantage.nat_interfaces.len(), 2);
    assert!(
        !r.warnings
            .iter()
            .any(|w| w.contains("NAT gateway interface(s)")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn hostile_values_read_correctly_or_are_malformed_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "hostile.log",
        "VERSION ACCOUNT-ID INTERFACE-ID SRCADDR DSTADDR SRCPORT DSTPORT PROTOCOL PACKETS BYTES START END ACTION LOG-STATUS
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 100 1793491200 1793491260 accept ok
2 1 eni-1 ::ffff:10.0.0.1 ::ffff:203.0.113.5 40000 443 6 1 200 1793491200000 1793491260000 ACCEPT OK
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 -5 1793491200 1793491260 ACCEPT OK
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 99999999999999999999 1793491200 1793491260 ACCEPT OK
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 100 1793491260 1793491200 ACCEPT OK
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 100 9793491200 9793491260 ACCEPT OK
2 1 eni-1 fe80::1%eth0 203.0.113.5 40000 443 6 1 100 1793491200 1793491260 ACCEPT OK
2 1 eni-1 10.0.0.1\0 203.0.113.5 40000 443 6 1 100 1793491200 1793491260 ACCEPT OK
",
    );
    let mut bytes = std::fs::read(&p).unwrap();
    bytes.extend_from_slice(
        b"2 1 eni-1 10.0.0.1 203.0.113.\xff 40000 443 6 1 100 1793491200 1793491260 ACCEPT OK\n",
    );
    std::fs::write(&p, bytes).unwrap();
    let got = read(vec![p], false).unwrap();
    let a = &got.accounting;
    assert_eq!(
        (
            a.header_lines,
            a.records,
            a.accepted,
            a.accepted_bytes,
            a.malformed
        ),
        (1, 9, 2, 300, 7)
    );
    assert_eq!(got.window, Some((1_793_491_200, 1_793_491_260)));
    let reasons: Vec<String> = got.issues.iter().map(|i| i.reason.clone()).collect();
    assert_eq!(
        reasons,
        vec![
            "non-numeric bytes '-5'",
            "non-numeric bytes '99999999999999999999'",
            "start 1793491260 is after end 1793491200",
            "start 9793491200 is after 2100 as Unix seconds or milliseconds",
            "bad address 'fe80::1%eth0' in srcaddr",
        ]
    );
    // Only the first five reasons per file are kept; the last two are counted.
}

/// Regression: a record claiming 10^19 bytes (or anything over 1 PiB) was accepted, and a few
/// of them saturated every total (trillions of dollars in the report). Such a record is now a
/// malformed line with its reason; one just under the bound still counts.
#[test]
fn a_record_with_absurd_bytes_is_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "absurd.log",
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 9999999999999999999 1793491200 1793491260 ACCEPT OK
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 1125899906842625 1793491200 1793491260 ACCEPT OK
2 1 eni-1 10.0.0.1 203.0.113.5 40000 443 6 1 1125899906842624 1793491200 1793491260 ACCEPT OK
",
    );
    let got = read(vec![p], false).unwrap();
    let a = &got.accounting;
    assert_eq!(
        (a.records, a.accepted, a.accepted_bytes, a.malformed),
        (3, 1, 1 << 50, 2)
    );
    let reasons: Vec<&str> = got.issues.iter().map(|i| i.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "bytes 9999999999999999999 is more than one record can carry (over 1 PiB): not a real count",
            "bytes 1125899906842625 is more than one record can carry (over 1 PiB): not a real count",
        ]
    );
}

/// Gzip files small enough to inflate whole (one libdeflate call) read exactly as the stream
/// reader reads them: one member, two members of equal size (the trailer's size fits the first
/// one too), a cut file, a corrupt one.
#[test]
fn gzip_inflated_whole_reads_as_the_stream_does() {
    use vpce_advisor::ingest::{ingest_sources, SourceConfig};
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("flowlogs/grafana-loki/vpcflowlog.log.gz")).unwrap();
    let mut corrupt = good.clone();
    for b in corrupt.iter_mut().skip(12).take(20) {
        *b ^= 0x5a;
    }
    let files = [
        ("one.log.gz", good.clone()),
        ("two.log.gz", [good.clone(), good.clone()].concat()),
        ("cut.log.gz", good[..good.len() / 2].to_vec()),
        ("bad.log.gz", corrupt),
    ];
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|(name, bytes)| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    let config = config(paths, false);
    let run = |whole: Option<u64>| {
        let mut sources = SourceConfig::default();
        sources.spill.whole_gzip_bytes = whole;
        let got = ingest_sources(&config, &[], &sources).unwrap();
        let mut failed: Vec<String> = got
            .failed_files
            .iter()
            .map(|f| format!("{} {} {}", f.path, f.records_before_fault, f.reason))
            .collect();
        failed.sort();
        (
            got.accounting.clone(),
            crate::formats::flow_rows(&got),
            failed,
        )
    };
    let stream = run(None);
    let whole = run(Some(u64::MAX));
    assert_eq!(stream.0.files, 2, "{:?}", stream.2);
    assert_eq!(stream.2.len(), 2);
    // The two-member file counts both members.
    let one = read(vec![dir.path().join("one.log.gz")], false).unwrap();
    assert_eq!(stream.0.records, 3 * one.accounting.records);
    assert_eq!(whole.0, stream.0);
    assert_eq!(whole.1, stream.1);
    assert!(!stream.1.is_empty());
    assert_eq!(whole.2, stream.2);
}

/// A large plain-text file read as byte ranges on several threads gives what reading it whole
/// gives: the same counts, flows, first malformed lines (numbered from the file's start) and
/// format; a file whose format changes midway is left to the whole read.
#[test]
fn a_plain_file_read_in_byte_ranges_reads_as_a_whole_read() {
    use vpce_advisor::ingest::aggregate::{Aggregate, SpillConfig};
    use vpce_advisor::ingest::detect::{scan_file_partial, scan_split};
    use vpce_advisor::ingest::scan::{FileScan, ScanSettings};
    let settings = ScanSettings {
        hourly: true,
        ..ScanSettings::for_region("us-east-1")
    };
    let rows = |scans: Vec<FileScan>| {
        let agg = Aggregate::new(SpillConfig::default());
        let mut accounting = Accounting::default();
        let mut issues = Vec::new();
        let mut formats = Vec::new();
        for mut s in scans {
            accounting.add(&s.accounting);
            issues.extend(s.issues.iter().map(|i| format!("{}: {}", i.line, i.reason)));
            formats.extend(s.formats.iter().map(|(f, _)| f.clone()));
            agg.absorb(&mut s).unwrap();
        }
        formats.dedup();
        let df = agg.into_table().unwrap().to_frame().unwrap();
        let mut flows: Vec<String> = (0..df.height())
            .map(|i| {
                df.columns()
                    .iter()
                    .map(|c| c.get(i).unwrap().to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        flows.sort();
        (accounting, issues, formats, flows)
    };
    let dir = tempfile::tempdir().unwrap();
    let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
    let body = |n: usize, bad_every: usize| -> String {
        (0..n)
            .map(|i| {
                if i % bad_every == bad_every - 1 {
                    format!("2 123456789012 eni-{:04x} 10.0.0.{} broken\n", i % 7, i % 200)
                } else if i % 97 == 0 {
                    "\n".to_string()
                } else {
                    format!(
                        "2 123456789012 eni-{:04x} 10.0.{}.{} 52.94.{}.{} {} 443 6 {} {} {} {} ACCEPT OK\n",
                        i % 7,
                        i % 3,
                        i % 200,
                        i % 5,
                        i % 250,
                        40000 + i % 1000,
                        1 + i % 9,
                        100 + i,
                        1_793_491_200 + (i as u64 % 7200),
                        1_793_491_260 + (i as u64 % 7200)
                    )
                }
            })
            .collect()
    };
    let cases = [
        ("header.log", format!("{header}{}", body(3000, 400))),
        // No header (default v2), no newline at the end, malformed lines past the fifth.
        ("plain.log", body(2500, 150).trim_end().to_string()),
        // The same header again midway (concatenated files): the format does not change.
        (
            "twice.log",
            format!("{header}{}{header}{}", body(1000, 300), body(1000, 300)),
        ),
    ];
    for (name, text) in &cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let whole = rows(vec![scan_file_partial(&p, &settings).unwrap()]);
        assert!(
            whole.0.malformed > 0 && whole.0.accepted > 1000,
            "{name}: {:?}",
            whole.0
        );
        for parts in [2, 3, 8] {
            let split = scan_split(&p, &settings, parts, 0)
                .unwrap_or_else(|| panic!("{name} is cut"))
                .unwrap();
            assert_eq!(split.len(), parts, "{name}");
            assert_eq!(rows(split), whole, "{name} in {parts} ranges");
        }
        // Below the size given, not cut.
        assert!(scan_split(&p, &settings, 2, text.len() as u64 + 1).is_none());
    }
    // A format change midway: ranges after it would be read in the wrong format, so the file
    // is left to the whole read.
    let p = dir.path().join("changes.log");
    let other = "version interface-id srcaddr dstaddr bytes action\n";
    let tail: String = (0..2000)
        .map(|i| format!("2 eni-9 10.0.0.1 52.94.0.{} {} ACCEPT\n", i % 200, 10 + i))
        .collect();
    std::fs::write(&p, format!("{header}{}{other}{tail}", body(2000, 500))).unwrap();
    assert!(scan_split(&p, &settings, 2, 0).is_none());
    // The progress bar counts the file's bytes once: the whole read that follows counts them.
    let mut counted = settings.clone();
    counted.progress = Some(indicatif::ProgressBar::hidden());
    assert!(scan_split(&p, &counted, 2, 0).is_none());
    assert_eq!(counted.progress.as_ref().unwrap().position(), 0);
    let cut = dir.path().join("header.log");
    scan_split(&cut, &counted, 3, 0).unwrap().unwrap();
    assert_eq!(
        counted.progress.as_ref().unwrap().position(),
        std::fs::metadata(&cut).unwrap().len()
    );
    // Compressed and comma-separated files are not cut.
    let gz = dir.path().join("x.log.gz");
    std::fs::copy(fixture("flowlogs/grafana-loki/vpcflowlog.log.gz"), &gz).unwrap();
    assert!(scan_split(&gz, &settings, 2, 0).is_none());
}

/// A record's addresses are first looked up among the last record's (a reply names them
/// swapped): a file of records whose addresses repeat, swap and change length, with IPv6,
/// mapped, malformed and absent ones among them, reads as the same records one to a file (where
/// nothing is remembered) read.
#[test]
fn addresses_remembered_from_the_last_record_read_as_each_record_alone() {
    let pool = [
        "10.0.0.1",
        "10.0.0.12",
        "10.0.0.123",
        "10.0.10.1",
        "52.94.1.1",
        "52.94.1.12",
        "52.94.11.2",
        "1.2.3.4",
        "203.0.113.255",
        "172.16.254.100",
        "100.100.100.100",
        "1.2.3.256",
        "10.0.0.01",
        "2001:db8::1",
        "::ffff:1.2.3.4",
        "64:ff9b::102:304",
        "-",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut lines = Vec::new();
    let (mut src, mut dst) = (0usize, 4usize);
    for i in 0..400u64 {
        match next(4) {
            0 => std::mem::swap(&mut src, &mut dst),
            1 => src = next(pool.len()),
            2 => dst = next(pool.len()),
            _ => (src, dst) = (next(pool.len()), next(pool.len())),
        }
        lines.push(format!(
            "2 123456789012 eni-{} {} {} 40000 443 6 {} {} 1793491200 1793491260 ACCEPT OK",
            i % 3,
            pool[src],
            pool[dst],
            1 + i % 5,
            100 + i
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let together = write(dir.path(), "together.log", &(lines.join("\n") + "\n"));
    let alone: Vec<PathBuf> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| write(dir.path(), &format!("alone-{i:03}.log"), &format!("{l}\n")))
        .collect();
    let a = read(vec![together], false).unwrap();
    let b = read(alone, false).unwrap();
    assert_eq!(
        crate::formats::record_counts(&a.accounting),
        crate::formats::record_counts(&b.accounting)
    );
    assert_eq!(a.accounting.malformed, b.accounting.malformed);
    assert!(a.accounting.malformed > 0 && a.accounting.accepted > 200);
    let rows = crate::formats::flow_rows(&a);
    assert_eq!(rows, crate::formats::flow_rows(&b));
    assert!(rows.iter().any(|r| r.1 == "2001:db8::1"));
}

#[test]
fn a_folder_of_no_flow_log_names_says_what_it_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "flows.tsv",
        "2 1 eni-1 10.0.0.1 1.1.1.1 1 2 6 1 10 1 2 ACCEPT OK\n",
    );
    let err = match read(vec![dir.path().to_path_buf()], false) {
        Ok(_) => panic!("read a folder of no flow-log names"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("no flow-log files found in")
            && err.contains("1 file(s) skipped for their names, e.g. ")
            && err.contains("flows.tsv")
            && err.contains("name a file on the command line"),
        "{err}"
    );
}
