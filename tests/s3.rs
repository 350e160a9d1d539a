//! `s3://` inputs against a real S3 API: moto's S3 server on 127.0.0.1 behind a fault-injecting
//! proxy (tests/s3/harness.py), the real binary pointed at it with `--endpoint-url` and
//! environment credentials. Listing with pagination, pruning by the delivery layout (counted
//! GET and LIST requests), gzip and Parquet objects, the report equal to the local-folder run's
//! (inputs aside), retried 503 and slow responses, and the access-denied and missing-bucket
//! errors. Skipped when python3 cannot import moto, unless `VPCE_REQUIRE_S3=1` (set by
//! `.ci/run`, which installs it).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use crate::common::{data, run, text, walk};

struct Harness {
    /// Kept so the server lives as long as the test binary; its stdin closing stops it.
    _child: Child,
    endpoint: String,
    log: PathBuf,
    parquet: PathBuf,
}

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// The shared local S3 (started once), or `None` when moto is missing (then the test is
/// skipped, or fails under VPCE_REQUIRE_S3=1).
fn harness() -> Option<&'static Harness> {
    static H: OnceLock<Option<Harness>> = OnceLock::new();
    H.get_or_init(|| {
        let ok = Command::new("python3")
            .args(["-c", "import moto.server, moto.s3.models"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            if std::env::var("VPCE_REQUIRE_S3").as_deref() == Ok("1") {
                panic!(
                    "python3 cannot import moto and VPCE_REQUIRE_S3=1 (pip install 'moto[server]')"
                );
            }
            eprintln!(
                "skipping the S3 tests: python3 cannot import moto (pip install 'moto[server]')"
            );
            return None;
        }
        let dir = tmp().join(format!("s3-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let parquet = dir.join("parquet");
        let o = run(
            &dir,
            &[
                "synth",
                "--delivery",
                "parquet",
                "--records",
                "3000",
                "--files",
                "3",
                "--out",
                parquet.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
        let log = dir.join("proxy.jsonl");
        let mut child = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/s3/harness.py"))
            .args(["--sample", data("sample").to_str().unwrap()])
            .args(["--parquet", parquet.to_str().unwrap()])
            .args(["--log", log.to_str().unwrap()])
            .args(["--delay", "8"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start tests/s3/harness.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ports: Value = serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("harness did not start: {line:?}"));
        Some(Harness {
            _child: child,
            endpoint: format!("http://127.0.0.1:{}", ports["proxy"]),
            log,
            parquet,
        })
    })
    .as_ref()
}

/// Runs the binary with test credentials for the local S3 (nothing from ~/.aws is read).
fn run_s3(h: &Harness, cwd: &Path, args: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--endpoint-url", &h.endpoint]);
    Command::new(env!("CARGO_BIN_EXE_vpce-advisor"))
        .args(&all)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_MAX_ATTEMPTS")
        .env_remove("AWS_RETRY_MODE")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .output()
        .expect("run vpce-advisor")
}

fn report(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

/// `analyze INPUT --out <tmp>/<name>` (S3 or local) and its report.json.
fn analyze(h: &Harness, name: &str, input: &str, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(name);
    let mut args = vec!["analyze", input, "-q", "--out", out.to_str().unwrap()];
    args.extend(extra);
    let o = if input.starts_with("s3://") {
        run_s3(h, dir.path(), &args)
    } else {
        run(dir.path(), &args)
    };
    assert!(o.status.success(), "{}", text(&o));
    report(&out)
}

fn without_inputs(mut r: Value) -> Value {
    r.as_object_mut().unwrap().remove("inputs");
    r
}

fn s3_section(r: &Value) -> &Value {
    &r["inputs"]["s3"]
}

#[test]
fn s3_report_equals_the_local_folder_run() {
    let Some(h) = harness() else { return };
    let local = analyze(h, "local", data("sample/AWSLogs").to_str().unwrap(), &[]);
    let remote = analyze(h, "s3", "s3://sample/AWSLogs", &[]);
    let s3 = s3_section(&remote).clone();
    assert_eq!(without_inputs(remote), without_inputs(local.clone()));
    assert!(local["inputs"]["s3"].is_null());
    let sizes: u64 = walk(&data("sample/AWSLogs"))
        .iter()
        .map(|p| p.metadata().unwrap().len())
        .sum();
    assert_eq!(s3["buckets"], serde_json::json!(["sample"]));
    assert_eq!(s3["prefixes"], serde_json::json!(["s3://sample/AWSLogs"]));
    let objects = sample_files("").len();
    assert_eq!(objects, 7, "the shipped sample's files");
    assert_eq!(s3["objects"], objects);
    assert_eq!(s3["object_bytes"], sizes);
    assert_eq!(s3["bytes_read"], sizes);
    assert_eq!(s3["get_requests"], objects);
    // No selection: one flat listing of the prefix.
    assert_eq!(s3["list_requests"], 1);
    // 7 GETs at $0.0004 and 1 LIST at $0.005 per 1,000.
    assert_eq!(s3["request_cost_usd"], "0.0000078");
    assert!(s3["request_prices"]
        .as_str()
        .unwrap()
        .contains("aws.amazon.com/s3/pricing"));
}

/// The shipped sample's files whose name contains `needle`.
fn sample_files(needle: &str) -> Vec<PathBuf> {
    walk(&data("sample/AWSLogs"))
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_str().unwrap().contains(needle))
        .collect()
}

#[test]
fn s3_listing_paginates_past_1000_objects() {
    let Some(h) = harness() else { return };
    let r = analyze(h, "many", "s3://many/AWSLogs/", &[]);
    let s3 = s3_section(&r);
    assert_eq!(s3["objects"], 1100);
    assert_eq!(s3["get_requests"], 1100);
    // 1,000 keys per page.
    assert_eq!(s3["list_requests"], 2);
    assert_eq!(r["accounting"]["files"], 1100);
    assert_eq!(r["accounting"]["records"], 1100);
}

#[test]
fn s3_prunes_by_date_region_and_account() {
    let Some(h) = harness() else { return };
    let r = analyze(
        h,
        "pruned",
        "s3://many/AWSLogs",
        &[
            "--since",
            "2026-10-03",
            "--until",
            "2026-10-04",
            "--regions",
            "eu-west-1",
            "--accounts",
            "222222222222",
        ],
    );
    let s3 = s3_section(&r);
    // 25 objects a day in each account and region: 2 days, 1 region, 1 account.
    assert_eq!(s3["objects"], 50);
    assert_eq!(s3["get_requests"], 50);
    assert_eq!(r["accounting"]["files"], 50);
    // AWSLogs/, the account, vpcflowlogs/, the region, 2026/, 10/ one level at a time, then
    // each selected day in one listing: the other accounts, regions and days are never listed.
    assert_eq!(s3["list_requests"], 8);
    let sel = r["inputs"]["selection"].as_str().unwrap();
    assert!(
        sel.contains("since 2026-10-03") && sel.contains("regions eu-west-1"),
        "{sel}"
    );
}

#[test]
fn local_folders_prune_the_same_way() {
    let Some(h) = harness() else { return };
    let sample = data("sample/AWSLogs");
    let local = analyze(
        h,
        "local",
        sample.to_str().unwrap(),
        &["--regions", "eu-west-1"],
    );
    let eu = sample_files("_eu-west-1_").len();
    assert!(eu > 0 && eu < sample_files("").len());
    assert_eq!(local["accounting"]["files"], eu);
    let remote = analyze(h, "s3", "s3://sample/AWSLogs", &["--regions", "eu-west-1"]);
    assert_eq!(s3_section(&remote)["get_requests"], eu);
    assert_eq!(without_inputs(remote), without_inputs(local));
    // A day outside the sample: nothing to read is an error naming the selection.
    let dir = tempfile::tempdir().unwrap();
    let o = run_s3(
        h,
        dir.path(),
        &[
            "analyze",
            "s3://sample/AWSLogs",
            "--since",
            "2027-01-01",
            "-q",
        ],
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("since 2027-01-01"),
        "{}",
        text(&o)
    );
}

#[test]
fn s3_parquet_objects_equal_the_local_run() {
    let Some(h) = harness() else { return };
    let local = analyze(h, "local", h.parquet.join("AWSLogs").to_str().unwrap(), &[]);
    let remote = analyze(h, "s3", "s3://parquet/AWSLogs", &[]);
    assert!(local["inputs"]["formats"].as_object().unwrap().len() == 1);
    let n = walk(&h.parquet)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .count();
    assert!(n >= 2, "{n} Parquet files");
    assert_eq!(s3_section(&remote)["get_requests"], n);
    assert_eq!(without_inputs(remote), without_inputs(local));
}

#[test]
fn s3_503_and_slow_responses_are_retried() {
    let Some(h) = harness() else { return };
    let local = analyze(h, "local", data("sample/AWSLogs").to_str().unwrap(), &[]);
    // Held objects are held 8 s; 4 s is long enough for any other reply on a busy machine.
    let remote = analyze(
        h,
        "faults",
        "s3://faults/AWSLogs",
        &["--s3-read-timeout", "4"],
    );
    assert_eq!(s3_section(&remote)["get_requests"], sample_files("").len());
    assert_eq!(without_inputs(remote), without_inputs(local));
    let failing = sample_files("T0600Z").len();
    let held = sample_files("T1200Z").len();
    assert!(failing > 0 && held > 0, "the sample has objects to fault");
    // The proxy logs each request before its reply, so the log is complete here.
    let log = std::fs::read_to_string(&h.log).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Status lines per faulted object ("200", "503", "held", ...), in the order logged.
    let per_object = |needle: &str| -> BTreeMap<String, Vec<String>> {
        let mut m = BTreeMap::<String, Vec<String>>::new();
        for l in &lines {
            let path = l["path"].as_str().unwrap();
            if path.starts_with("/faults/") && path.contains(needle) && l["method"] == "GET" {
                let status = match &l["status"] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                m.entry(path.to_string()).or_default().push(status);
            }
        }
        m
    };
    // Each faulted object: the fault once, first, then a retry answered 200 (a reply slow on a
    // busy machine may be retried too and add another 200).
    let faulted = |needle: &str, fault: &str, objects: usize| {
        let m = per_object(needle);
        assert_eq!(m.len(), objects, "{needle}: {log}");
        for (path, statuses) in &m {
            let once = statuses.iter().filter(|s| *s == fault).count() == 1;
            assert!(statuses[0] == fault && once, "{path}: {statuses:?}");
            let retried = statuses[1..].iter().any(|s| s == "200");
            assert!(retried, "{path}: {statuses:?}");
        }
    };
    // T0600Z objects: a 503 SlowDown; T1200Z objects: held past the timeout.
    faulted("T0600Z", "503", failing);
    faulted("T1200Z", "held", held);
}

#[test]
fn s3_duplicate_objects_are_read_once() {
    let Some(h) = harness() else { return };
    let local = analyze(h, "local", data("sample/AWSLogs").to_str().unwrap(), &[]);
    let remote = analyze(h, "dups", "s3://dups/AWSLogs", &[]);
    let s3 = s3_section(&remote);
    let objects = sample_files("").len();
    assert_eq!(s3["objects"], objects + 1);
    assert_eq!(s3["duplicate_objects"], 1);
    assert_eq!(s3["get_requests"], objects);
    let dups = remote["inputs"]["duplicate_files"].as_array().unwrap();
    assert_eq!(dups.len(), 1);
    assert!(dups[0]["path"]
        .as_str()
        .unwrap()
        .ends_with(".log.gz.copy.log.gz"));
    assert_eq!(remote["accounting"], local["accounting"]);
}

fn failing(h: &Harness, input: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let o = run_s3(h, dir.path(), &["analyze", input, "-q", "--out", "r"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!dir.path().join("r").exists(), "no report after an error");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn s3_access_denied_and_missing_bucket_say_what_is_needed() {
    let Some(h) = harness() else { return };
    let e = failing(h, "s3://denied/AWSLogs/");
    assert!(e.contains("access denied listing bucket 'denied'"), "{e}");
    assert!(e.contains("s3:ListBucket on arn:aws:s3:::denied"), "{e}");
    assert!(e.contains("prefix 'AWSLogs/'"), "{e}");
    let e = failing(h, "s3://locked/AWSLogs");
    assert!(
        e.contains("access denied reading object 'AWSLogs/forbidden.log' in bucket 'locked'"),
        "{e}"
    );
    assert!(
        e.contains("s3:GetObject on arn:aws:s3:::locked/AWSLogs/forbidden.log"),
        "{e}"
    );
    let e = failing(h, "s3://no-such-bucket-here/AWSLogs");
    assert!(
        e.contains("bucket 'no-such-bucket-here' does not exist"),
        "{e}"
    );
    assert!(e.contains("NoSuchBucket"), "{e}");
}
