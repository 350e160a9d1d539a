//! The other shapes real export pipelines write: CloudWatch Logs subscription payloads (Lambda,
//! Firehose), OCSF (Security Lake), comma-separated exports. Each is read with exact counts and
//! gives the same flows as the same records written as S3 text.

use std::io::Write;
use std::path::{Path, PathBuf};

use vpce_advisor::ingest::{format::RecordFormat, ingest, Accounting, IngestConfig, Ingested};

use crate::common::{fixture, gunzip};

pub(crate) fn read_with(paths: Vec<PathBuf>, log_format: Option<RecordFormat>) -> Ingested {
    ingest(&IngestConfig {
        inputs: paths,
        region: "us-east-1".into(),
        strict: true,
        progress: false,
        log_format,
        flow_log_formats: Default::default(),
        local: None,
        hourly: false,
        classes: None,
    })
    .expect("reads")
}

/// (interface, remote, direction, hint, bytes, packets, records) per aggregated flow, sorted.
pub(crate) type FlowRow = (String, String, String, String, u64, u64, u64);

pub(crate) fn flow_rows(got: &Ingested) -> Vec<FlowRow> {
    let df = got.flows.to_frame().expect("frame");
    let s = |c: &str| {
        df.column(c)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    let n = |c: &str| {
        df.column(c)
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect::<Vec<_>>()
    };
    let (i, r, d, h) = (
        s("interface_id"),
        s("remote_addr"),
        s("direction"),
        s("aws_service_hint"),
    );
    let (b, p, k) = (n("bytes"), n("packets"), n("records"));
    let mut rows: Vec<FlowRow> = (0..df.height())
        .map(|x| {
            (
                i[x].clone(),
                r[x].clone(),
                d[x].clone(),
                h[x].clone(),
                b[x],
                p[x],
                k[x],
            )
        })
        .collect();
    rows.sort();
    rows
}

/// The record counts that do not depend on how the records were packaged.
pub(crate) fn record_counts(a: &Accounting) -> [u64; 8] {
    [
        a.records,
        a.accepted,
        a.rejected,
        a.nodata,
        a.skipdata,
        a.malformed,
        a.accepted_without_bytes,
        a.accepted_bytes,
    ]
}

/// Writes the flow-log lines of a subscription payload as an S3 text object (with a header).
fn as_s3_text(dir: &Path, name: &str, header: &str, messages: &[String]) -> PathBuf {
    let p = dir.join(name);
    let mut f = std::fs::File::create(&p).unwrap();
    writeln!(f, "{header}").unwrap();
    for m in messages {
        writeln!(f, "{m}").unwrap();
    }
    p
}

/// Every event message of the documents in `bytes`, in order.
fn messages(bytes: &[u8]) -> Vec<String> {
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<serde_json::Value>()
        .flat_map(|d| {
            let d = d.unwrap();
            if d["messageType"] != "DATA_MESSAGE" {
                return Vec::new();
            }
            d["logEvents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["message"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

const V2: &str = vpce_advisor::ingest::format::DEFAULT_V2;

/// `got` (read from the gzip'd subscription payload `payload`) has the same records and flows as
/// the payload's messages written as an S3 text object with a v2 header.
fn assert_reads_like_s3_text(got: &Ingested, payload: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let text = as_s3_text(dir.path(), "same.log", V2, &messages(&gunzip(payload)));
    let s3 = read_with(vec![text], None);
    assert_eq!(
        record_counts(&got.accounting),
        record_counts(&s3.accounting)
    );
    assert_eq!(flow_rows(got), flow_rows(&s3));
}

#[test]
fn a_real_cloudwatch_subscription_payload_reads_like_its_s3_text() {
    // LogicMonitor's lm-logs-aws test payload: 18 NAT gateway ENI records, gzip'd.
    let p = fixture("cloudwatch-subscription/nat-gateway-eni.json.gz");
    let got = read_with(vec![p.clone()], None);
    let a = &got.accounting;
    assert_eq!(
        (a.files, a.lines, a.records, a.accepted, a.accepted_bytes),
        (1, 18, 18, 18, 65_158)
    );
    assert_eq!(a.control_messages, 0);
    assert!(
        got.detections[0]
            .1
            .contains("CloudWatch Logs subscription payload (1 document(s), 18 event(s)"),
        "{:?}",
        got.detections
    );
    assert_reads_like_s3_text(&got, &p);

    // The same document un-gzipped (as a Lambda sees it after decoding) reads the same.
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("payload.json");
    std::fs::write(&plain, gunzip(&p)).unwrap();
    let got_plain = read_with(vec![plain], None);
    assert_eq!(flow_rows(&got_plain), flow_rows(&got));
}

#[test]
fn every_lm_logs_aws_payload_has_the_expected_counts() {
    // (file, records, accepted, nodata, bytes), counted from the decoded payloads.
    let expected = [
        ("ec2-instance-eni-custom-format.json.gz", 4, 4, 0, 10_468),
        ("elb-eni.json.gz", 2, 2, 0, 84),
        ("nat-gateway-eni.json.gz", 18, 18, 0, 65_158),
        ("rds-eni-nodata.json.gz", 1, 0, 1, 0),
    ];
    for (file, records, accepted, nodata, bytes) in expected {
        let got = read_with(
            vec![fixture(&format!("cloudwatch-subscription/{file}"))],
            None,
        );
        let a = &got.accounting;
        assert_eq!(
            (
                a.records,
                a.accepted,
                a.nodata,
                a.accepted_bytes,
                a.malformed
            ),
            (records, accepted, nodata, bytes, 0),
            "{file}"
        );
    }
}

#[test]
fn a_firehose_object_of_concatenated_documents_is_read_whole() {
    // Three real DATA_MESSAGE documents and a CONTROL_MESSAGE, back to back, gzip'd.
    let p = fixture(
        "cloudwatch-subscription/firehose/flowlogs-stream-1-2021-04-08-10-18-00-0f8a1d5e-3c2b-4e6f-9a7d-1b2c3d4e5f60.gz",
    );
    let got = read_with(vec![p.clone()], None);
    let a = &got.accounting;
    assert_eq!(
        (
            a.records,
            a.accepted,
            a.nodata,
            a.accepted_bytes,
            a.control_messages
        ),
        (21, 20, 1, 65_158 + 84, 1)
    );
    assert!(
        got.detections[0]
            .1
            .contains("4 document(s), 21 event(s), 1 control message(s)"),
        "{:?}",
        got.detections
    );
    assert_reads_like_s3_text(&got, &p);
}

#[test]
fn the_log_stream_names_the_interface_when_the_format_lacks_it() {
    // The NAT payload's records without their interface-id column, in an `eni-...-all` stream.
    let p = fixture("cloudwatch-subscription/nat-gateway-eni.json.gz");
    let lines: Vec<String> = messages(&gunzip(&p))
        .iter()
        .map(|m| {
            let f: Vec<&str> = m.split(' ').collect();
            [&f[..2], &f[3..]].concat().join(" ")
        })
        .collect();
    let events: Vec<serde_json::Value> = lines
        .iter()
        .enumerate()
        .map(|(i, m)| serde_json::json!({"id": i.to_string(), "timestamp": 1617877079000u64, "message": m}))
        .collect();
    let doc = serde_json::json!({
        "messageType": "DATA_MESSAGE", "owner": "197152445587",
        "logGroup": "/aws/natGateway/networkInterface", "logStream": "eni-16105f5a-all",
        "subscriptionFilters": ["to-firehose"], "logEvents": events,
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-interface.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let format = vpce_advisor::ingest::format::parse_log_format(
        "${version} ${account-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}",
    )
    .unwrap();
    let got = read_with(vec![path], Some(format));
    let original = read_with(vec![p], None);
    assert_eq!(got.accounting.accepted, 18);
    assert_eq!(flow_rows(&got), flow_rows(&original));
    assert!(flow_rows(&got).iter().all(|r| r.0 == "eni-16105f5a"));
}

/// Copies `from` (a folder) into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn a_folder_of_every_fixture_plus_broken_and_repeated_files_is_read_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    // Every flow-log fixture, in every shape.
    for sub in [
        "flowlogs",
        "cloudwatch-subscription",
        "account/logs",
        "csv",
        "ocsf",
    ] {
        copy_tree(&fixture(sub), &logs.join(sub));
    }
    let good: Vec<PathBuf> = vec![logs.clone()];
    let clean = {
        // Not strict: one real export has a malformed line (tests/ingest.rs).
        let got = crate::ingest::read(good.clone(), false).expect("reads");
        assert!(got.failed_files.is_empty() && got.duplicate_files.is_empty());
        assert_eq!(got.accounting.malformed, 1);
        got
    };
    // A truncated gzip, a binary file with a log name, and one file synced twice.
    let gz = std::fs::read(fixture("flowlogs/grafana-loki/vpcflowlog.log.gz")).unwrap();
    std::fs::write(logs.join("cut.log.gz"), &gz[..gz.len() - 8]).unwrap();
    let binary: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(logs.join("binary.log"), &binary).unwrap();
    copy_tree(
        &fixture("flowlogs/aws-solutions-clo"),
        &logs.join("synced-again"),
    );
    // A long gzip cut in the middle: the records read before the fault are counted (and left out).
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    writeln!(enc, "{V2}").unwrap();
    for i in 0..20_000u32 {
        writeln!(
            enc,
            "2 123456789012 eni-1 10.0.{}.{} 198.51.100.{} 40000 443 6 10 {} 1617877079 1617877138 ACCEPT OK",
            i % 200, i % 250, i % 97, 1000 + i
        )
        .unwrap();
    }
    let long = enc.finish().unwrap();
    std::fs::write(logs.join("long-cut.log.gz"), &long[..long.len() * 7 / 10]).unwrap();

    let o = crate::common::run(
        dir.path(),
        &[
            "analyze", "logs", "--out", "r", "--format", "json", "--quiet",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", crate::common::text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: skipped logs/binary.log: cannot determine the record format"),
        "{err}"
    );
    assert!(
        err.contains("warning: skipped logs/cut.log.gz: corrupt or truncated gzip data"),
        "{err}"
    );
    assert!(
        err.contains("warning: logs/synced-again/vpcflow.log has the same content as logs/flowlogs/aws-solutions-clo/vpcflow.log: read once"),
        "{err}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    assert_eq!(
        report["inputs"]["failed_files"],
        serde_json::json!([
            {"path": "logs/binary.log", "bytes": 4096, "records_before_fault": 0,
             "reason": report["inputs"]["failed_files"][0]["reason"]},
            {"path": "logs/cut.log.gz", "bytes": gz.len() - 8, "records_before_fault": 0,
             "reason": "corrupt or truncated gzip data: unexpected end of file"},
            {"path": "logs/long-cut.log.gz", "bytes": long.len() * 7 / 10, "records_before_fault": 13_899,
             "reason": "corrupt or truncated gzip data: incomplete deflate stream"},
        ])
    );
    assert_eq!(
        report["inputs"]["duplicate_files"],
        serde_json::json!([{"path": "logs/synced-again/vpcflow.log",
            "same_as": "logs/flowlogs/aws-solutions-clo/vpcflow.log", "bytes": 1837}])
    );
    assert_eq!(report["assumptions"]["totals_are_lower_bound"], true);
    // The accounting is exactly that of the readable files, each read once.
    let acc = &report["accounting"];
    let a = &clean.accounting;
    assert_eq!(acc["files"], a.files);
    assert_eq!(acc["records"], a.records);
    assert_eq!(acc["accepted"], a.accepted);
    assert_eq!(acc["accepted_bytes"], a.accepted_bytes);
    assert_eq!(acc["malformed"], a.malformed);
    assert_eq!(acc["control_messages"], 1);
    assert_eq!(
        (a.files, a.records, a.accepted, a.nodata, a.accepted_bytes),
        // 17 files before the Security Lake fixtures; these add 4 files (2 Parquet partitions,
        // the JSON lines and the source log) of 8 + 8 + 7 records, 6 accepted in each,
        // 6,888,500 accepted bytes in each; the three real EKS exports add 49,065 records, 47,220
        // accepted, 96 NODATA and 11,401,852,247 accepted bytes, and the OpenSearch catalog's
        // 775 records, 371 accepted, 404 NODATA, 4,274,520 bytes (tests/ingest.rs).
        (25, 50_017, 47_729, 519, 68_358_794_496),
        "exact figures"
    );

    // --strict stops at the first unreadable file.
    let o = crate::common::run(dir.path(), &["analyze", "logs", "--out", "r2", "--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", crate::common::text(&o));
}

#[test]
fn security_lake_ocsf_parquet_reads_like_its_json_events_and_its_text_records() {
    // tests/fixtures/ocsf/make_security_lake.py wrote security-lake-source.log's records and the
    // ocsf/examples event as OCSF JSON lines and as Security Lake Parquet (nested structs, a
    // list of intermediate_ips, microsecond timestamps, two rows per row group, one file per
    // eventDay partition).
    let parquet = read_with(vec![fixture("ocsf/security-lake")], None);
    let json = read_with(vec![fixture("ocsf/security-lake-events.ocsf.jsonl")], None);
    let text = read_with(
        vec![
            fixture("ocsf/security-lake-source.log"),
            fixture("ocsf/vpcflowlog.ocsf.json"),
        ],
        None,
    );
    let a = &parquet.accounting;
    assert_eq!(
        (
            a.files,
            a.records,
            a.accepted,
            a.rejected,
            a.relayed,
            a.malformed
        ),
        (2, 8, 6, 2, 1, 0)
    );
    assert_eq!(
        a.accepted_bytes,
        1_200_000 + 5_600_000 + 3_000 + 3_000 + 81_000 + 1_500
    );
    assert_eq!(record_counts(a), record_counts(&json.accounting));
    assert_eq!(record_counts(a), record_counts(&text.accounting));
    assert_eq!(flow_rows(&parquet), flow_rows(&json));
    assert_eq!(flow_rows(&parquet), flow_rows(&text));
    assert_eq!(parquet.window, text.window);
    assert_eq!(parquet.flows.direct_paths(), text.flows.direct_paths());
    assert!(
        parquet.detections.iter().all(|(p, d)| p
            .to_string_lossy()
            .contains("/aws/VPC_FLOW/2.0/region=us-east-1/accountId=123456789012/eventDay=")
            && d.contains("Security Lake OCSF Network Activity Parquet")),
        "{:?}",
        parquet.detections
    );
}

#[test]
fn an_athena_style_csv_export_reads_like_its_s3_text() {
    // The aws-solutions-clo S3 object as Athena's `SELECT *` writes it: snake_case names in
    // another order, every value quoted, NULL (`-`) as empty, a `date` partition column.
    let csv = fixture("csv/athena-select-star.csv");
    let got = read_with(vec![csv.clone()], None);
    let s3 = read_with(
        vec![fixture("flowlogs/aws-solutions-clo/vpcflow.log")],
        None,
    );
    let a = &got.accounting;
    assert_eq!(
        (
            a.header_lines,
            a.records,
            a.accepted,
            a.nodata,
            a.accepted_bytes,
            a.malformed
        ),
        (1, 17, 10, 7, 559, 0)
    );
    assert_eq!(record_counts(a), record_counts(&s3.accounting));
    assert_eq!(flow_rows(&got), flow_rows(&s3));
    assert!(
        got.detections[0]
            .1
            .contains("comma-separated flow logs with a header (15 columns)"),
        "{:?}",
        got.detections
    );

    // Hyphenated, upper-case, unquoted, gzip'd: the same.
    let text = std::fs::read_to_string(&csv).unwrap().replace('"', "");
    let (head, body) = text.split_once('\n').unwrap();
    let head = head.replace('_', "-").to_ascii_uppercase();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("export.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    write!(enc, "{head}\n{body}").unwrap();
    std::fs::write(&p, enc.finish().unwrap()).unwrap();
    let again = read_with(vec![p], None);
    assert_eq!(flow_rows(&again), flow_rows(&s3));
    assert_eq!(
        record_counts(&again.accounting),
        record_counts(&s3.accounting)
    );
}

#[test]
fn the_ocsf_example_event_reads_like_its_raw_record() {
    // ocsf/examples: a raw v5 record (comma-separated, snake_case names in alphabetical order)
    // and the OCSF 1.1 event it maps to.
    let raw = read_with(vec![fixture("ocsf/vpcflowlog.raw.csv")], None);
    let event = read_with(vec![fixture("ocsf/vpcflowlog.ocsf.json")], None);
    for got in [&raw, &event] {
        let a = &got.accounting;
        assert_eq!((a.records, a.rejected, a.malformed), (1, 1, 0));
        assert_eq!(got.window, Some((1_649_721_732, 1_649_721_788)));
    }
    assert!(
        event.detections[0]
            .1
            .contains("OCSF Network Activity JSON (1 events)"),
        "{:?}",
        event.detections
    );
    // Accepted, as one JSON array and as JSON lines of two events: the same flows as the raw
    // record (the example anonymised the interface id differently in each file).
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("ocsf/vpcflowlog.raw.csv")).unwrap();
    let csv = dir.path().join("accepted.csv");
    std::fs::write(&csv, text.replace("REJECT", "ACCEPT")).unwrap();
    let mut e: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("ocsf/vpcflowlog.ocsf.json")).unwrap())
            .unwrap();
    e["action_id"] = 1.into();
    let array = dir.path().join("events.json");
    std::fs::write(&array, serde_json::to_vec(&vec![e.clone()]).unwrap()).unwrap();
    let lines = dir.path().join("events.jsonl");
    std::fs::write(&lines, format!("{e}\n{e}\n")).unwrap();
    let without_interface = |rows: Vec<FlowRow>| -> Vec<FlowRow> {
        rows.into_iter()
            .map(|mut r| {
                r.0.clear();
                r
            })
            .collect()
    };
    let want = without_interface(flow_rows(&read_with(vec![csv], None)));
    assert_eq!(want.len(), 1);
    assert_eq!(
        without_interface(flow_rows(&read_with(vec![array], None))),
        want
    );
    let two = read_with(vec![lines], None);
    assert_eq!(two.accounting.accepted, 2);
    assert_eq!(two.accounting.accepted_bytes, 80);
    assert_eq!(flow_rows(&two)[0].0, "eni-000000000000000000");
}

#[test]
fn headerless_objects_get_their_flow_logs_format_from_the_inventory() {
    // describe-flow-logs (AWS CLI example) declares two flow logs with different formats; a
    // headerless object named after fl-01234567890123456 is read with that one's 21 fields.
    let dir = tempfile::tempdir().unwrap();
    let logs = dir
        .path()
        .join("AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01");
    std::fs::create_dir_all(&logs).unwrap();
    let records = "\
5 vpc-1 subnet-1 i-1 eni-1 123456789012 IPv4 10.0.1.5 52.94.133.131 40000 443 10.0.1.5 52.94.133.131 6 5000 10 1793491200 1793491260 ACCEPT 2 OK
5 vpc-1 subnet-1 i-1 eni-1 123456789012 IPv4 52.94.133.131 10.0.1.5 443 40000 52.94.133.131 10.0.1.5 6 7000 12 1793491200 1793491260 ACCEPT 18 OK
";
    let known =
        "123456789012_vpcflowlogs_us-east-1_fl-01234567890123456_20261101T0000Z_0a1b2c3d.log";
    let unknown =
        "123456789012_vpcflowlogs_us-east-1_fl-0fffffffffffffff0_20261101T0005Z_4e5f6a7b.log";
    std::fs::write(logs.join(known), records).unwrap();
    std::fs::write(logs.join(unknown), records.replace("OK", "OK ")).unwrap();
    let inventory = fixture("aws-cli/describe-flow-logs.json");
    let o = crate::common::run(
        dir.path(),
        &[
            "analyze",
            "AWSLogs",
            "--inventory",
            inventory.to_str().unwrap(),
            "--out",
            "r",
            "--format",
            "json",
            "--quiet",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", crate::common::text(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    assert_eq!(report["accounting"]["accepted"], 2);
    assert_eq!(report["accounting"]["accepted_bytes"], 12_000);
    let failed = &report["inputs"]["failed_files"][0];
    assert!(
        failed["path"].as_str().unwrap().ends_with(unknown),
        "{failed}"
    );
    assert!(
        failed["reason"].as_str().unwrap().contains(
            "the object of flow log fl-0fffffffffffffff0: --inventory with its describe-flow-logs output gives its LogFormat, or name the format with --log-format"
        ),
        "{failed}"
    );
    // The warning says the same.
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("flow log fl-0fffffffffffffff0: --inventory"),
        "{stderr}"
    );

    // --strict stops at that file, and the error names the flow log and what to pass.
    let o = crate::common::run(
        dir.path(),
        &[
            "analyze",
            "AWSLogs",
            "--inventory",
            inventory.to_str().unwrap(),
            "--strict",
            "--out",
            "s",
            "--quiet",
        ],
    );
    assert!(!o.status.success());
    assert_ne!(o.status.code(), Some(3), "a hard error, not a lower bound");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains(unknown), "{stderr}");
    assert!(
        stderr.contains("the object of flow log fl-0fffffffffffffff0: --inventory with its describe-flow-logs output gives its LogFormat, or name the format with --log-format"),
        "{stderr}"
    );
    assert!(!dir.path().join("s/report.json").exists());
}

mod never_panics {
    //! Random and mutated inputs through every reader: the run never panics, every record is
    //! accounted for, and a file either reads or is listed as skipped. (Not a fuzzer: a quick
    //! property check that runs in the suite.)
    use super::*;
    use proptest::prelude::*;

    fn seeds() -> Vec<Vec<u8>> {
        [
            "flowlogs/aws-solutions-clo/vpcflow.log",
            "flowlogs/awsdocs-vpc-user-guide/custom_v5_service_trafficpath_direction_with_header.log",
            "csv/athena-select-star.csv",
            "ocsf/vpcflowlog.ocsf.json",
        ]
        .iter()
        .map(|f| std::fs::read(fixture(f)).unwrap())
        .chain(std::iter::once(gunzip(&fixture(
            "cloudwatch-subscription/nat-gateway-eni.json.gz",
        ))))
        .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn mutated_inputs_are_read_or_skipped(
            seed in 0usize..5,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..12),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = seeds().swap_remove(seed);
            for (at, b) in edits {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            let len = cut.index(bytes.len() + 1);
            bytes.truncate(len.max(bytes.len() / 2));
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("x.log");
            std::fs::write(&p, &bytes).unwrap();
            let got = ingest(&IngestConfig {
                inputs: vec![p],
                region: "us-east-1".into(),
                strict: false,
                progress: false,
                log_format: None,
                flow_log_formats: Default::default(),
                local: None,
                hourly: false,
                classes: None,
            })
            .expect("never an error without --strict");
            let a = &got.accounting;
            prop_assert_eq!(a.records, a.categorised());
            prop_assert_eq!(a.files + got.failed_files.len() as u64, 1);
        }
    }
}
