//! Memory bounds on hostile input the fuzz targets cannot reach (their inputs are small): gzip
//! bombs read as whole documents, endless lines in the line-oriented readers, and counts summed
//! past 2^64. Each is a counted, located skip or error, never an exhausted memory or a wrap.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::common::{fixture, text};
use crate::ingest::read;
use vpce_advisor::bounded::MAX_DOCUMENT_BYTES_ENV;
use vpce_advisor::ingest::scan::MAX_LINE_BYTES;

/// A document limit low enough that a bomb is made and inflated in a fraction of a second.
const TEST_LIMIT: &str = "4000000";

/// `head` then `filler` bytes of `fill`, gzip'd (about 1000:1 for one repeated byte).
fn bomb(head: &[u8], fill: u8, filler: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(head).unwrap();
    let block = vec![fill; 1 << 20];
    for _ in 0..filler >> 20 {
        gz.write_all(&block).unwrap();
    }
    gz.finish().unwrap()
}

fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Runs the binary in `dir` with the lowered document limit.
fn run_limited(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_vpce-advisor"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env(MAX_DOCUMENT_BYTES_ENV, TEST_LIMIT)
        .output()
        .unwrap()
}

#[test]
fn a_json_gzip_bomb_is_a_skipped_file_naming_the_limit() {
    // 64 KiB of gzip inflating to 64 MiB: a CloudWatch subscription document that never ends.
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let bytes = bomb(
        br#"{"messageType":"DATA_MESSAGE","logEvents":["#,
        b' ',
        64 << 20,
    );
    assert!(bytes.len() < 100_000, "{}", bytes.len());
    file(&logs, "bomb.json.gz", &bytes);
    std::fs::copy(
        fixture("flowlogs/grafana-loki/vpcflowlog.log.gz"),
        logs.join("good.log.gz"),
    )
    .unwrap();
    let o = run_limited(dir.path(), &["analyze", "logs", "--out", "r", "--quiet"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bomb.json.gz: larger than 4000000 bytes (after decompression)")
            && err.contains(MAX_DOCUMENT_BYTES_ENV),
        "{err}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    assert_eq!(report["accounting"]["files"], 1, "the good file is read");

    let o = run_limited(
        dir.path(),
        &["analyze", "logs", "--out", "r2", "--quiet", "--strict"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("bomb.json.gz: larger than 4000000 bytes"),
        "{}",
        text(&o)
    );
}

#[test]
fn dns_inventory_and_price_list_bombs_name_the_file_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::copy(
        fixture("flowlogs/grafana-loki/vpcflowlog.log.gz"),
        logs.join("good.log.gz"),
    )
    .unwrap();
    // Route 53 Resolver query logs, gzip'd: an error, as a corrupt query log is.
    file(dir.path(), "dns.log.gz", &bomb(b"{", b' ', 8 << 20));
    let o = run_limited(
        dir.path(),
        &[
            "analyze",
            "logs",
            "--out",
            "r",
            "--quiet",
            "--dns-logs",
            "dns.log.gz",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("dns.log.gz: larger than 4000000 bytes"),
        "{}",
        text(&o)
    );
    // An inventory file (plain JSON, so only as large as on disk): a problem, skipped.
    let mut big = br#"{"Vpcs": [], "pad": ""#.to_vec();
    big.resize(5_000_000, b'x');
    big.extend_from_slice(b"\"}");
    file(dir.path(), "inventory.json", &big);
    let o = run_limited(
        dir.path(),
        &[
            "analyze",
            "logs",
            "--out",
            "r",
            "--quiet",
            "--inventory",
            "inventory.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report = std::fs::read_to_string(dir.path().join("r/report.json")).unwrap();
    assert!(
        report.contains("inventory.json: larger than 4000000 bytes")
            && report.contains("; skipped"),
        "{report}"
    );
    // `prices import`: an error.
    let o = run_limited(
        dir.path(),
        &["prices", "import", "inventory.json", "-o", "p.csv"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("inventory.json: larger than 4000000 bytes"),
        "{}",
        text(&o)
    );
}

const ROW: &str =
    "2,123456789012,eni-1,10.0.0.1,203.0.113.5,40000,443,6,1,100,1793491200,1793491260,ACCEPT,OK";

#[test]
fn an_endless_comma_separated_row_is_one_malformed_line() {
    // The second row runs for 3 MiB (with a quote that never closes); reading resumes after its
    // newline.
    let dir = tempfile::tempdir().unwrap();
    let head = "version,account_id,interface_id,srcaddr,dstaddr,srcport,dstport,protocol,packets,bytes,start,end,action,log_status";
    let long = format!("2,\"{}", "x".repeat(3 * MAX_LINE_BYTES));
    let p = file(
        dir.path(),
        "athena.csv",
        format!("{head}\n{ROW}\n{long}\n{ROW}\n{ROW}\n").as_bytes(),
    );
    let got = read(vec![p.clone()], false).unwrap();
    let a = &got.accounting;
    // The unclosed quote runs to the end of the file: one malformed record, no more.
    assert_eq!((a.records, a.accepted, a.malformed), (2, 1, 1), "{a:?}");
    assert!(
        got.issues[0]
            .to_string()
            .ends_with("athena.csv:3: line longer than 1048576 bytes"),
        "{:?}",
        got.issues
    );

    let long = format!("2,{}", "x".repeat(3 * MAX_LINE_BYTES));
    let p = file(
        dir.path(),
        "athena2.csv",
        format!("{head}\n{ROW}\n{long}\n{ROW}\n{ROW}\n").as_bytes(),
    );
    let got = read(vec![p.clone()], false).unwrap();
    let a = &got.accounting;
    assert_eq!(
        (a.lines, a.records, a.accepted, a.malformed),
        (5, 4, 3, 1),
        "{a:?}"
    );
    assert!(
        got.issues[0]
            .to_string()
            .ends_with("athena2.csv:3: line longer than 1048576 bytes"),
        "{:?}",
        got.issues
    );
    let err = read(vec![p], true).err().expect("strict").to_string();
    assert!(
        err.ends_with("athena2.csv:3: line longer than 1048576 bytes"),
        "{err}"
    );
}

#[test]
fn an_endless_traffic_csv_row_is_an_error_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let head = "vpc_id,region,az_id,direction,remote_addr,destination,aws_service,service_region,bytes,records,window_start,window_end\n";
    let row = "vpc-x,us-east-1,use1-az1,egress,,internet,,,100,1,0,3600\n";
    let table = vpce_advisor::classify::IpRanges::embedded().unwrap();
    let long = "y".repeat(2 * MAX_LINE_BYTES);
    let p = file(
        dir.path(),
        "t.csv",
        format!("{head}{row}{row}{long}\n{row}").as_bytes(),
    );
    let error_of = |p: &Path| {
        vpce_advisor::ingest::traffic_csv::read(p, &table)
            .expect_err("an error")
            .to_string()
    };
    let err = error_of(&p);
    assert!(
        err.ends_with("t.csv:4: line longer than 1048576 bytes"),
        "{err}"
    );
    // A header that never ends.
    let p = file(dir.path(), "h.csv", format!("{long}\n{row}").as_bytes());
    let err = error_of(&p);
    assert!(
        err.ends_with("h.csv:1: line longer than 1048576 bytes"),
        "{err}"
    );
    let p = file(dir.path(), "ok.csv", format!("{head}{row}{row}").as_bytes());
    let got = vpce_advisor::ingest::traffic_csv::read(&p, &table).unwrap();
    assert_eq!(got.rows_read, 2);
}

#[test]
fn an_endless_dns_log_line_is_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let query = r#"{"version":"1.100000","account_id":"1","region":"us-east-1","vpc_id":"vpc-1","query_timestamp":"2026-11-01T00:00:00Z","query_name":"ssm.us-east-1.amazonaws.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[{"Rdata":"52.119.1.1","Type":"A","Class":"IN"}],"srcaddr":"10.0.0.1","srcport":"1","transport":"UDP","srcids":{}}"#;
    let long = format!("{{\"x\":\"{}", "z".repeat(2 * MAX_LINE_BYTES));
    let p = file(
        dir.path(),
        "q.log",
        format!("{query}\n{long}\n{query}\n").as_bytes(),
    );
    let services = vpce_advisor::dns::EndpointServices::embedded().unwrap();
    let index = vpce_advisor::dns::DnsIndex::load(&[p], &services, 300).unwrap();
    assert_eq!(
        (index.stats.queries, index.stats.malformed),
        (2, 1),
        "{:?}",
        index.stats
    );
    assert!(
        index.stats.malformed_examples[0]
            .ends_with("q.log:2: not a query-log JSON object (line longer than 1048576 bytes)"),
        "{:?}",
        index.stats.malformed_examples
    );
}

#[test]
fn record_counts_past_2_to_the_64_saturate() {
    // Schema-2 traffic CSVs may each sum up to 2^53 records; 2^11 + 1 such files would wrap
    // a plain sum. Two rows of 2^63 stand in for them in the per-path totals.
    use vpce_advisor::traffic::{DestClass, TrafficPath, TrafficRow};
    let row = TrafficRow {
        vpc_id: "vpc-1".into(),
        region: "us-east-1".into(),
        az_id: "-".into(),
        direction: "egress".into(),
        class: DestClass::Internet,
        service: String::new(),
        service_region: String::new(),
        endpoint_service: String::new(),
        path: TrafficPath::Nat,
        bytes: u64::MAX,
        records: 1 << 63,
    };
    let totals = vpce_advisor::traffic::path_totals(&[row.clone(), row]);
    assert_eq!(totals[&TrafficPath::Nat], (u64::MAX, u64::MAX));
}
