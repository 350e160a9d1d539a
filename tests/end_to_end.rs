//! The real binary end to end: the shipped sample against its ground truth, determinism,
//! synth round trips, hostile input in reports.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::{data, fixture, run, text};

fn analyze_json(cwd: &Path, args: &[&str]) -> Value {
    let o = run(cwd, args);
    assert!(o.status.success(), "{}", text(&o));
    let out = args
        .windows(2)
        .find(|w| w[0] == "--out")
        .map(|w| w[1])
        .unwrap_or("vpce-report");
    let json = std::fs::read(cwd.join(out).join("report.json")).expect("report.json written");
    serde_json::from_slice(&json).expect("report.json parses")
}

/// (vpc "id region", class) -> (egress, ingress) bytes from report.json.
fn observed(report: &Value) -> BTreeMap<(String, String), (u64, u64)> {
    let mut out = BTreeMap::new();
    for v in report["vpcs"].as_array().unwrap() {
        let t = &v["traffic"];
        let key = format!(
            "{} {}",
            t["vpc_id"].as_str().unwrap(),
            t["region"].as_str().unwrap()
        );
        for d in t["destinations"].as_array().unwrap() {
            let e: &mut (u64, u64) = out
                .entry((key.clone(), d["class"].as_str().unwrap().to_string()))
                .or_default();
            e.0 += d["egress_bytes"].as_u64().unwrap();
            e.1 += d["ingress_bytes"].as_u64().unwrap();
        }
    }
    out
}

fn expected(totals: &Value) -> BTreeMap<(String, String), (u64, u64)> {
    let mut out = BTreeMap::new();
    for (vpc, classes) in totals["vpcs"].as_object().unwrap() {
        for (class, t) in classes.as_object().unwrap() {
            out.insert(
                (vpc.clone(), class.clone()),
                (
                    t["egress_bytes"].as_u64().unwrap(),
                    t["ingress_bytes"].as_u64().unwrap(),
                ),
            );
        }
    }
    out
}

fn check_against_truth(report: &Value, totals: &Value) {
    assert_eq!(observed(report), expected(totals));
    let acc = &report["accounting"];
    for k in [
        "records",
        "accepted",
        "rejected",
        "nodata",
        "skipdata",
        "accepted_bytes",
    ] {
        assert_eq!(acc[k], totals[k], "accounting {k}");
    }
    assert_eq!(acc["malformed"], 0);
    // Nothing vanishes: every accepted byte is on some path of some VPC (synth logs no NAT
    // gateway ENI, so no byte is a duplicate), and each path holds what synth sent along it.
    let mut by_path: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for v in report["vpcs"].as_array().unwrap() {
        let t = &v["traffic"];
        let key = format!(
            "{} {}",
            t["vpc_id"].as_str().unwrap(),
            t["region"].as_str().unwrap()
        );
        for p in t["paths"].as_array().unwrap() {
            let e = by_path
                .entry((key.clone(), p["path"].as_str().unwrap().to_string()))
                .or_default();
            e.0 += p["bytes"].as_u64().unwrap();
            e.1 += p["records"].as_u64().unwrap();
        }
    }
    let all: u64 = by_path.values().map(|v| v.0).sum();
    assert_eq!(all, totals["accepted_bytes"].as_u64().unwrap());
    if let Some(paths) = totals["paths"].as_object() {
        let mut want = BTreeMap::new();
        for (vpc, per_path) in paths {
            for (path, t) in per_path.as_object().unwrap() {
                want.insert(
                    (vpc.clone(), path.clone()),
                    (
                        t["egress_bytes"].as_u64().unwrap() + t["ingress_bytes"].as_u64().unwrap(),
                        t["records"].as_u64().unwrap(),
                    ),
                );
            }
        }
        assert_eq!(by_path, want);
    }
    assert_eq!(
        report["assumptions"]["window_seconds"].as_u64().unwrap(),
        totals["window_end"].as_u64().unwrap() - totals["window_start"].as_u64().unwrap()
    );
}

#[test]
fn the_sample_matches_its_ground_truth_and_the_report_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    let sample = data("sample/AWSLogs");
    let report = analyze_json(
        dir.path(),
        &["analyze", sample.to_str().unwrap(), "--out", "r", "--quiet"],
    );
    let totals: Value =
        serde_json::from_slice(&std::fs::read(data("sample/expected-totals.json")).unwrap())
            .unwrap();
    check_against_truth(&report, &totals);

    assert_eq!(report["schema_version"], 5);
    assert_eq!(report["assumptions"]["hours_per_month"], 730);
    assert_eq!(report["assumptions"]["bytes_per_gb"], 1_073_741_824u64);
    assert_eq!(report["assumptions"]["totals_are_lower_bound"], true);
    assert_eq!(report["ip_ranges"]["sync_token"], "1787411825");
    assert_eq!(report["vpcs"].as_array().unwrap().len(), 5);
    // Every scenario total equals the sum of its lines, in the JSON too.
    for v in report["vpcs"].as_array().unwrap() {
        for s in v["scenarios"].as_array().unwrap() {
            let sum: rust_decimal::Decimal = s["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    l["monthly_usd"]
                        .as_str()
                        .unwrap()
                        .parse::<rust_decimal::Decimal>()
                        .unwrap()
                })
                .sum();
            assert_eq!(sum, s["monthly_usd"].as_str().unwrap().parse().unwrap());
        }
    }
    // The us-east-1 VPC's AWS API traffic passes break-even: an interface endpoint is recommended.
    let a = &report["vpcs"][0];
    assert_eq!(a["traffic"]["vpc_id"], "vpc-0a1b2c3d4e5f60001");
    assert_eq!(a["recommendation"]["recommended"], "gateway+interface");
    let md = std::fs::read_to_string(dir.path().join("r/report.md")).unwrap();
    for needle in [
        "## Summary",
        "vpc-0a1b2c3d4e5f60001",
        "vpc-0a1b2c3d4e5f60003",
        "## Assumptions",
        "730 hours",
        "SKIPDATA",
        "Prices used",
        "## VPC endpoints in brief",
    ] {
        assert!(md.contains(needle), "report.md lacks {needle}");
    }
}

/// Sums a CSV column by name.
fn csv_sum(csv: &[u8], column: &str) -> u64 {
    let mut r = csv::Reader::from_reader(csv);
    let at = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    r.records()
        .map(|rec| rec.unwrap()[at].parse::<u64>().unwrap())
        .sum()
}

/// The distinct values of a CSV column.
fn csv_values(csv: &[u8], column: &str) -> std::collections::BTreeSet<String> {
    let mut r = csv::Reader::from_reader(csv);
    let at = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == column)
        .unwrap();
    r.records()
        .map(|rec| rec.unwrap()[at].to_string())
        .collect()
}

#[test]
fn traffic_outputs_add_up_to_the_accepted_bytes_on_every_path() {
    // The sample has a VPC on an S3 gateway endpoint (traffic-path 7) and a dual-stack VPC
    // (public IPv6 through an egress-only gateway, traffic-path 8): their bytes are kept, with
    // their path, in every traffic output.
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let totals: Value =
        serde_json::from_slice(&std::fs::read(data("sample/expected-totals.json")).unwrap())
            .unwrap();
    let accepted = totals["accepted_bytes"].as_u64().unwrap();
    let gateway = &totals["paths"]["vpc-0a1b2c3d4e5f60004 us-east-1"]["gateway-endpoint"];
    assert!(gateway["egress_bytes"].as_u64().unwrap() > 0, "{totals}");
    let ipv6 = &totals["paths"]["vpc-0a1b2c3d4e5f60005 eu-west-1"]["egress-only"];
    assert!(ipv6["ingress_bytes"].as_u64().unwrap() > 0, "{totals}");

    let o = run(root, &["traffic", "data/sample/AWSLogs", "--format", "csv"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(csv_sum(&o.stdout, "bytes"), accepted);
    assert_eq!(
        csv_values(&o.stdout, "path"),
        ["egress-only", "gateway-endpoint", "nat", "private"]
            .map(String::from)
            .into()
    );

    let o = run(
        root,
        &["traffic", "data/sample/AWSLogs", "--format", "json"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    let sum: u64 = rows.iter().map(|r| r["bytes"].as_u64().unwrap()).sum();
    assert_eq!(sum, accepted);
    let on_gateway: u64 = rows
        .iter()
        .filter(|r| r["path"] == "gateway-endpoint")
        .map(|r| {
            assert_eq!(r["vpc_id"], "vpc-0a1b2c3d4e5f60004");
            assert_eq!(r["class"], "s3");
            r["bytes"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(
        on_gateway,
        gateway["egress_bytes"].as_u64().unwrap() + gateway["ingress_bytes"].as_u64().unwrap()
    );

    let o = run(
        dir.path(),
        &[
            "analyze",
            data("sample/AWSLogs").to_str().unwrap(),
            "--out",
            "r",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let csv = std::fs::read(dir.path().join("r/traffic.csv")).unwrap();
    assert_eq!(
        csv_sum(&csv, "egress_bytes") + csv_sum(&csv, "ingress_bytes"),
        accepted
    );
    let md = std::fs::read_to_string(dir.path().join("r/report.md")).unwrap();
    for needle in [
        "### Traffic not via NAT today",
        "| existing gateway endpoint (free) | S3 (same region) |",
        "| IPv6 egress-only gateway (no NAT charge) | IPv6 (egress-only gateway, not via NAT) |",
        "traffic rows, path \\`gateway-endpoint\\`",
    ] {
        assert!(md.contains(needle), "report.md lacks {needle}");
    }
    // The gateway endpoint's S3 bytes are shown, not priced: the VPC's priced S3 is zero.
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    let v4 = report["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["traffic"]["vpc_id"] == "vpc-0a1b2c3d4e5f60004")
        .unwrap();
    assert!(v4["traffic"]["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["class"] != "s3"));
    assert_eq!(
        report["vantage"]["bypass_bytes"],
        gateway["egress_bytes"].as_u64().unwrap()
            + gateway["ingress_bytes"].as_u64().unwrap()
            + ipv6["egress_bytes"].as_u64().unwrap()
            + ipv6["ingress_bytes"].as_u64().unwrap(),
        "set apart by traffic-path 7 and 8"
    );
}

#[test]
fn analyze_without_arguments_uses_the_sample_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out1 = dir.path().join("one");
    let out2 = dir.path().join("two");
    let o = run(root, &["analyze", "--out", out1.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("vpc-0a1b2c3d4e5f60002") && stdout.contains("total"),
        "{stdout}"
    );
    assert!(
        stdout.lines().all(|l| l.chars().count() <= 100),
        "summary fits 100 columns"
    );
    let o = run(
        root,
        &["analyze", "--out", out2.to_str().unwrap(), "--quiet"],
    );
    assert!(o.status.success() && o.stdout.is_empty(), "{}", text(&o));
    for f in [
        "report.json",
        "report.md",
        "report.html",
        "charts/costs.png",
        "charts/break-even.svg",
        "charts/traffic-over-time.png",
        "charts/traffic-over-time.svg",
    ] {
        assert_eq!(
            std::fs::read(out1.join(f)).unwrap(),
            std::fs::read(out2.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
}

#[test]
fn synth_is_deterministic_and_v2_plain_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    for out in [&a, &b] {
        let o = run(
            dir.path(),
            &[
                "synth",
                "--out",
                out.to_str().unwrap(),
                "--records",
                "3001",
                "--files",
                "3",
                "--seed",
                "7",
                "--version",
                "v2",
                "--plain",
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
    }
    let list = |root: &Path| {
        let mut files = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p)
                } else {
                    files.push(p)
                }
            }
        }
        files.sort();
        files
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(list(&a), list(&b), "same seed, same bytes");
    let report = analyze_json(
        dir.path(),
        &[
            "analyze",
            a.join("AWSLogs").to_str().unwrap(),
            "--out",
            "ra",
            "--quiet",
        ],
    );
    let totals: Value =
        serde_json::from_slice(&std::fs::read(a.join("expected-totals.json")).unwrap()).unwrap();
    assert_eq!(totals["records"], 3001);
    check_against_truth(&report, &totals);
    // v2 has no vpc-id: one `unattributed` VPC per region, and a warning that says how to fix it.
    assert!(report["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["traffic"]["vpc_id"] == "unattributed"));
    assert!(report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("${vpc-id}")));
}

#[test]
fn hostile_ids_are_escaped_in_reports() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("evil.log");
    let header = "version vpc-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
    let line = "2 <script>alert(1)</script>|**x**[a](http://e) eni-1 10.0.0.1 16.15.157.7 40000 443 6 10 5000 1793491200 1793577600 ACCEPT OK";
    std::fs::write(&log, format!("{header}\n{line}\n")).unwrap();
    let report = analyze_json(
        dir.path(),
        &["analyze", log.to_str().unwrap(), "--out", "r", "--quiet"],
    );
    assert_eq!(
        report["vpcs"][0]["traffic"]["vpc_id"],
        "<script>alert(1)</script>|**x**[a](http://e)"
    );
    let md = std::fs::read_to_string(dir.path().join("r/report.md")).unwrap();
    assert!(!md.contains("<script>"), "raw HTML in report.md");
    assert!(
        md.contains("&lt;script&gt;") || md.contains("&lt;script>"),
        "escaped id missing"
    );
    assert!(
        md.contains(r"\|\*\*x\*\*\[a\](http\://e)"),
        "markdown not escaped"
    );
    // Nothing was written outside the output folder.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["evil.log", "r"]);
}

#[test]
fn help_teaches_the_flags() {
    let o = run(Path::new("."), &["analyze", "--help"]);
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--out",
        "--region",
        "--ip-ranges",
        "--prices",
        "--nat-gateways",
        "--azs",
        "--policy",
        "--strict",
        "--format",
    ] {
        assert!(help.contains(flag), "help lacks {flag}");
    }
    let o = run(Path::new("."), &["analyze", "--policy", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Compares `actual` with the golden file `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites it.
pub(crate) fn golden(name: &str, actual: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let (e, a) = (
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(actual),
        );
        let first = e
            .lines()
            .zip(a.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        panic!(
            "{} differs at line {}:\n expected: {}\n   actual: {}\n(run with UPDATE_GOLDEN=1 to accept)",
            path.display(),
            first + 1,
            e.lines().nth(first).unwrap_or(""),
            a.lines().nth(first).unwrap_or("")
        );
    }
}

#[test]
fn sample_reports_match_their_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = run(
        root,
        &[
            "analyze",
            "data/sample/AWSLogs",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    // The last line names the (temporary) output folder; the rest is the summary.
    let summary: String = stdout
        .lines()
        .filter(|l| !l.starts_with("report: "))
        .map(|l| format!("{l}\n"))
        .collect();
    golden("sample-summary.txt", summary.as_bytes());
    golden(
        "sample-report.md",
        &std::fs::read(out.join("report.md")).unwrap(),
    );
    golden(
        "sample-report.json",
        &std::fs::read(out.join("report.json")).unwrap(),
    );
}

/// `--log-format` for the v5 fields synth writes (CloudWatch deliveries have no header).
fn v5_log_format() -> String {
    vpce_advisor::synth::V5_FIELDS
        .split(' ')
        .map(|f| format!("${{{f}}}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_delivery_format_gives_the_same_totals() {
    let dir = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for delivery in ["s3", "parquet", "cloudwatch-text", "cloudwatch-json"] {
        let out = dir.path().join(delivery);
        let o = run(
            dir.path(),
            &[
                "synth",
                "--out",
                out.to_str().unwrap(),
                "--records",
                "2001",
                "--files",
                "3",
                "--seed",
                "11",
                "--delivery",
                delivery,
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
        let report_dir = format!("r-{delivery}");
        let lf = v5_log_format();
        let mut args = vec![
            "analyze",
            out.to_str().unwrap(),
            "--out",
            &report_dir,
            "--quiet",
            "--strict",
        ];
        if delivery.starts_with("cloudwatch") {
            args.extend(["--log-format", lf.as_str()]);
        }
        let report = analyze_json(dir.path(), &args);
        let totals: Value =
            serde_json::from_slice(&std::fs::read(out.join("expected-totals.json")).unwrap())
                .unwrap();
        check_against_truth(&report, &totals);
        reports.push((delivery, report));
    }
    // Mixed formats in one run add up.
    let s3 = dir.path().join("s3");
    let pq = dir.path().join("parquet");
    let both = analyze_json(
        dir.path(),
        &[
            "analyze",
            s3.to_str().unwrap(),
            pq.to_str().unwrap(),
            "--out",
            "r-both",
            "--quiet",
        ],
    );
    assert_eq!(
        both["accounting"]["accepted_bytes"].as_u64().unwrap(),
        2 * reports[0].1["accounting"]["accepted_bytes"]
            .as_u64()
            .unwrap()
    );
    let (_, first) = &reports[0];
    for (delivery, r) in &reports[1..] {
        assert_eq!(r["vpcs"], first["vpcs"], "{delivery} differs from s3");
        assert_eq!(r["summary"], first["summary"], "{delivery} differs from s3");
    }
}

#[test]
fn verbose_explains_detection_and_unknown_formats_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    // A CloudWatch export with ISO timestamps, and JSON lines with a message field.
    std::fs::write(
        logs.join("a.log"),
        "2026-11-01T00:00:00.000Z 2 1 eni-1 10.0.0.1 16.15.157.7 40000 443 6 10 5000 1793491200 1793577600 ACCEPT OK\n",
    )
    .unwrap();
    std::fs::write(
        logs.join("b.txt"),
        "{\"message\": \"2 1 eni-1 16.15.157.7 10.0.0.1 443 40000 6 10 7000 1793491200 1793577600 ACCEPT OK\"}\n",
    )
    .unwrap();
    let o = run(
        dir.path(),
        &[
            "analyze",
            "logs",
            "--out",
            "r",
            "--verbose",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("a.log: plain, flow-log text, no header: default v2 format"),
        "{err}"
    );
    assert!(
        err.contains("b.txt: plain, CloudWatch Logs JSON lines (1 events)"),
        "{err}"
    );
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["accounting"]["accepted_bytes"], 12_000);

    // A file in no known format: an error naming it and saying what was expected.
    // By default it is skipped with a warning and exit code 3; --strict stops with 1.
    std::fs::write(logs.join("c.log"), "hello world this is not a flow log\n").unwrap();
    let o = run(dir.path(), &["analyze", "logs", "--out", "r", "--quiet"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: skipped ")
            && err.contains("c.log: cannot determine the record format"),
        "{err}"
    );
    let o = run(dir.path(), &["analyze", "logs", "--out", "r", "--strict"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("c.log")
            && err.contains("cannot determine the record format")
            && err.contains("--log-format"),
        "{err}"
    );

    // A bad --log-format is a usage error naming the flag.
    let o = run(
        dir.path(),
        &[
            "analyze",
            "logs",
            "--out",
            "r",
            "--log-format",
            "version srcaddr",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--log-format"));
}

#[test]
fn traffic_csv_round_trips_through_analyze() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    let o = run(
        root,
        &[
            "traffic",
            "data/sample/AWSLogs",
            "--format",
            "csv",
            "-o",
            csv.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let from_logs = analyze_json(
        dir.path(),
        &[
            "analyze",
            root.join("data/sample/AWSLogs").to_str().unwrap(),
            "--out",
            "a",
            "--quiet",
        ],
    );
    let from_csv = analyze_json(
        dir.path(),
        &[
            "analyze",
            "--traffic",
            csv.to_str().unwrap(),
            "--out",
            "b",
            "--quiet",
        ],
    );
    assert_eq!(from_csv["summary"], from_logs["summary"]);
    for (a, b) in from_csv["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(from_logs["vpcs"].as_array().unwrap())
    {
        // A traffic CSV carries no hours, so the provisioned-bandwidth NAT setup (sized from
        // the hourly throughput) exists only for the logs; every other setup is the same.
        let without_hourly = |v: &serde_json::Value| -> Vec<serde_json::Value> {
            v["scenarios"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["kind"] != "provisioned-nat")
                .cloned()
                .collect()
        };
        assert_eq!(a["scenarios"], serde_json::Value::Array(without_hourly(a)));
        assert_eq!(without_hourly(a), without_hourly(b));
        assert_eq!(a["traffic"]["destinations"], b["traffic"]["destinations"]);
    }
    assert!(from_csv["inputs"]["traffic_csv_rows"].as_u64().unwrap() > 0);

    // The table fits 100 columns.
    let o = run(root, &["traffic", "data/sample/AWSLogs"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout)
        .lines()
        .all(|l| l.chars().count() <= 100));
}

#[test]
fn traffic_csv_rows_by_address_or_class_and_errors_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let header = "vpc_id,region,az_id,direction,remote_addr,destination,aws_service,service_region,bytes,records,window_start,window_end";
    let good = format!(
        "{header}\n\
         vpc-1,us-east-1,use1-az1,ingress,16.15.157.7,,,,1073741824,1,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z\n\
         vpc-1,us-east-1,use1-az1,egress,,internet,,,1073741824,1,1793491200,1793577600\n\
         vpc-1,us-east-1,use1-az2,ingress,,aws-cross-region,S3,us-west-2,1073741824,,1793491200,1793577600\n"
    );
    std::fs::write(dir.path().join("t.csv"), good).unwrap();
    let r = analyze_json(
        dir.path(),
        &["analyze", "--traffic", "t.csv", "--out", "r", "--quiet"],
    );
    let dests = &r["vpcs"][0]["traffic"]["destinations"];
    let classes: Vec<&str> = dests
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["class"].as_str().unwrap())
        .collect();
    assert_eq!(classes, vec!["s3", "aws-cross-region", "internet"]);
    // 1 GB a day is 30.416... GB a month.
    assert_eq!(
        dests[0]["monthly_gb"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
            .round_dp(4),
        rust_decimal_macros::dec!(30.4167)
    );
    assert_eq!(
        r["vpcs"][0]["traffic"]["azs_seen"],
        serde_json::json!(["use1-az1", "use1-az2"])
    );

    std::fs::write(
        dir.path().join("bad.csv"),
        format!("{header}\nvpc-1,us-east-1,,sideways,,internet,,,10,1,1,2\n"),
    )
    .unwrap();
    let o = run(
        dir.path(),
        &["analyze", "--traffic", "bad.csv", "--out", "r"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("bad.csv:2: direction 'sideways' is neither egress nor ingress"),
        "{}",
        text(&o)
    );

    std::fs::write(dir.path().join("hdr.csv"), "vpc,bytes\nvpc-1,10\n").unwrap();
    let o = run(
        dir.path(),
        &["analyze", "--traffic", "hdr.csv", "--out", "r"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("hdr.csv:1: the header lacks 'vpc_id'") && err.contains(header),
        "{err}"
    );
}

/// Every file under `root` (relative path, bytes), sorted.
fn tree_bytes(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                v.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    v.sort();
    v
}

#[test]
fn realistic_preset_matches_its_ground_truth_in_v5_gz_and_v2_plain() {
    let dir = tempfile::tempdir().unwrap();
    let synth = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "synth",
            "--preset",
            "realistic",
            "--out",
            out.to_str().unwrap(),
            "--records",
            "20001",
            "--files",
            "7",
            "--seed",
            "5",
            "--remote-addresses",
            "3000",
        ];
        args.extend(extra);
        let o = run(dir.path(), &args);
        assert!(o.status.success(), "{}", text(&o));
    };
    for (name, extra) in [("v5", vec![]), ("v2", vec!["--version", "v2", "--plain"])] {
        let out = dir.path().join(name);
        synth(&out, &extra);
        let totals: Value =
            serde_json::from_slice(&std::fs::read(out.join("expected-totals.json")).unwrap())
                .unwrap();
        assert_eq!(totals["records"], 20001);
        let card = &totals["cardinality"];
        assert_eq!(card["vpcs"], 5);
        assert_eq!(card["accounts"], 2);
        assert_eq!(card["interfaces"], 72);
        assert_eq!(card["remote_addresses"], 3000);
        assert!(card["distinct_flows"].as_u64().unwrap() > 2000);
        assert!(
            card["distinct_flow_hours"].as_u64().unwrap()
                >= card["distinct_flows"].as_u64().unwrap()
        );
        let report_dir = format!("r-{name}");
        let report = analyze_json(
            dir.path(),
            &[
                "analyze",
                out.to_str().unwrap(),
                "--out",
                &report_dir,
                "--quiet",
                "--strict",
            ],
        );
        check_against_truth(&report, &totals);
        if name == "v5" {
            // A custom field order: the header is not AWS's default v5 order.
            assert_ne!(card["header"], vpce_advisor::synth::V5_FIELDS);
            // Five VPCs, each with its traffic.
            assert_eq!(report["vpcs"].as_array().unwrap().len(), 5);
        }
    }
    // Same seed, same bytes (files are written in parallel).
    let again = dir.path().join("again");
    synth(&again, &[]);
    assert_eq!(tree_bytes(&dir.path().join("v5")), tree_bytes(&again));
}

#[test]
fn verbose_prints_each_stage_with_its_time_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let sample = data("sample/AWSLogs");
    let o = run(
        dir.path(),
        &[
            "analyze",
            sample.to_str().unwrap(),
            "--out",
            "r",
            "--quiet",
            "--verbose",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    for stage in [
        "scan", "merge", "vantage", "classify", "price", "render", "total",
    ] {
        assert!(
            err.lines()
                .any(|l| l.starts_with(stage) && l.contains(" s ")),
            "no {stage} line in:\n{err}"
        );
    }
}

/// Regression for the memory bound: with the aggregate spilling to disk after a few flows (many
/// spills per partition), the report folder is byte for byte the one of a run in memory, on an
/// account with an inventory, NAT gateway legs and DNS logs, on the realistic preset, and on
/// the sample; and the spill files are gone afterwards.
#[test]
fn a_memory_limit_spills_but_never_changes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let synth = dir.path().join("realistic");
    let o = run(
        dir.path(),
        &[
            "synth",
            "--preset",
            "realistic",
            "--out",
            synth.to_str().unwrap(),
            "--records",
            "30000",
            "--files",
            "5",
            "--seed",
            "8",
            "--remote-addresses",
            "4000",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let account = vec![
        fixture("account/logs").display().to_string(),
        "--inventory".into(),
        fixture("account/inventory").display().to_string(),
        "--dns-logs".into(),
        fixture("account/dns").display().to_string(),
    ];
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("account", account),
        (
            "realistic",
            vec![synth.join("AWSLogs").display().to_string()],
        ),
        ("sample", vec![data("sample/AWSLogs").display().to_string()]),
    ];
    for (name, inputs) in cases {
        let spill = dir.path().join(format!("spill-{name}"));
        std::fs::create_dir(&spill).unwrap();
        let mut reports = Vec::new();
        for (tag, extra) in [
            ("memory", vec![]),
            (
                "spilled",
                vec![
                    "--spill-after-flows",
                    "3",
                    "--spill-dir",
                    spill.to_str().unwrap(),
                    "--verbose",
                ],
            ),
            ("limit", vec!["--memory-limit", "1M"]),
        ] {
            let out = dir.path().join(format!("{name}-{tag}"));
            let mut args = vec!["analyze", "--out", out.to_str().unwrap(), "--quiet"];
            args.extend(inputs.iter().map(String::as_str));
            args.extend(extra);
            let o = run(dir.path(), &args);
            assert!(o.status.success(), "{name} {tag}: {}", text(&o));
            if tag == "spilled" {
                let err = String::from_utf8_lossy(&o.stderr);
                let line = err
                    .lines()
                    .find(|l| l.starts_with("aggregate:"))
                    .unwrap_or_else(|| panic!("no aggregate line in {err}"));
                let spilled: u64 = line
                    .split(", ")
                    .nth(1)
                    .and_then(|p| p.split(' ').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{line}"));
                assert!(spilled > 3, "{name}: {line}");
            }
            reports.push(tree_bytes(&out));
        }
        assert!(reports[0].len() > 3, "{name}: a report folder");
        assert!(
            reports[0] == reports[1],
            "{name}: spilling changed the report"
        );
        assert!(
            reports[0] == reports[2],
            "{name}: --memory-limit changed the report"
        );
        assert_eq!(
            std::fs::read_dir(&spill).unwrap().count(),
            0,
            "{name}: spill files left behind"
        );
    }
}

#[test]
fn memory_limit_sizes_are_read_with_their_unit() {
    use vpce_advisor::cli::parse_size;
    assert_eq!(parse_size("512M"), Ok(512 << 20));
    assert_eq!(parse_size("2G"), Ok(2 << 30));
    assert_eq!(parse_size("2GiB"), Ok(2 << 30));
    assert_eq!(parse_size("1536k"), Ok(1536 << 10));
    assert_eq!(parse_size("1073741824"), Ok(1 << 30));
    assert!(parse_size("512K").unwrap_err().contains("smallest"));
    assert!(parse_size("lots").unwrap_err().contains("not a size"));
    assert!(parse_size("99999999999T")
        .unwrap_err()
        .contains("too large"));
}
