//! The report folder's machine-readable and actionable files (costs.csv, traffic.csv,
//! actions.sh, endpoints.tf, endpoint-policy.json), `--format`, colours, and the folder's
//! replacement or refusal; run through the real binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::common::{run, text};
use crate::end_to_end::golden;

const OUTPUTS: [&str; 9] = [
    "actions.sh",
    "charts",
    "costs.csv",
    "endpoint-policy.json",
    "endpoints.tf",
    "report.html",
    "report.json",
    "report.md",
    "traffic.csv",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn dec(s: &str) -> Decimal {
    s.parse()
        .unwrap_or_else(|e| panic!("{s:?} is not a decimal: {e}"))
}

/// A folder on PATH with fake `aws`, `rm` and `reboot` that only append their arguments to
/// `<dir>/calls.log`.
fn fake_bin(dir: &Path) -> PathBuf {
    let bin = dir.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["aws", "rm", "reboot"] {
        let p = bin.join(name);
        std::fs::write(
            &p,
            format!(
                "#!/bin/sh\necho \"{name} $*\" >> '{}'\n",
                dir.join("calls.log").display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

/// Runs `bash actions.sh` in `dir` with `fake` first on PATH and extra env.
fn bash_script(script: &Path, fake: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let path = format!(
        "{}:{}",
        fake.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new("bash");
    c.arg(script).env("PATH", path).env_remove("DRY_RUN");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run bash")
}

fn calls(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("calls.log")).unwrap_or_default()
}

/// `terraform fmt -check` parses HCL strictly; skipped (with a note) where terraform is missing.
fn terraform_parses(tf: &Path) {
    match Command::new("terraform")
        .args(["fmt", "-check", "-no-color"])
        .arg(tf)
        .output()
    {
        Ok(o) => assert!(o.status.success(), "{}: {}", tf.display(), text(&o)),
        Err(_) => eprintln!("terraform not installed: endpoints.tf syntax not checked"),
    }
}

#[test]
fn sample_outputs_match_golden_files_and_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = run(
        root(),
        &[
            "analyze",
            "data/sample/AWSLogs",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(names(&out), OUTPUTS);
    for f in [
        "costs.csv",
        "traffic.csv",
        "actions.sh",
        "endpoints.tf",
        "endpoint-policy.json",
    ] {
        golden(&format!("sample-{f}"), &std::fs::read(out.join(f)).unwrap());
    }
    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();

    // costs.csv: each scenario's lines sum exactly to its total; one recommended scenario per VPC.
    let mut totals: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    let mut recommended: BTreeMap<String, String> = BTreeMap::new();
    for row in csv_rows(&out.join("costs.csv")) {
        *totals
            .entry((row["vpc_id"].clone(), row["scenario"].clone()))
            .or_default() += dec(&row["monthly_usd"]);
        assert_eq!(
            dec(&row["quantity"]) * dec(&row["usd_per_unit"]),
            dec(&row["monthly_usd"])
        );
        if row["recommended"] == "true" {
            recommended.insert(row["vpc_id"].clone(), row["scenario"].clone());
        }
    }
    for v in report["vpcs"].as_array().unwrap() {
        let id = v["traffic"]["vpc_id"].as_str().unwrap().to_string();
        for s in v["scenarios"].as_array().unwrap() {
            let key = (id.clone(), s["kind"].as_str().unwrap().to_string());
            assert_eq!(
                totals.get(&key).copied().unwrap_or_default(),
                dec(s["monthly_usd"].as_str().unwrap()),
                "{key:?}"
            );
        }
        assert_eq!(recommended[&id], v["recommendation"]["recommended"]);
    }

    // traffic.csv: the bytes per VPC and destination class on priced paths are report.json's
    // destinations; the rows on the other paths are its per-VPC paths.
    let mut bytes: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    let mut unpriced: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for row in csv_rows(&out.join("traffic.csv")) {
        if row["path"] == "gateway-endpoint" || row["path"] == "internet-gateway" {
            *unpriced
                .entry((
                    row["vpc_id"].clone(),
                    row["path"].clone(),
                    row["destination"].clone(),
                ))
                .or_default() += row["egress_bytes"].parse::<u64>().unwrap()
                + row["ingress_bytes"].parse::<u64>().unwrap();
            continue;
        }
        let e = bytes
            .entry((row["vpc_id"].clone(), row["destination"].clone()))
            .or_default();
        e.0 += row["egress_bytes"].parse::<u64>().unwrap();
        e.1 += row["ingress_bytes"].parse::<u64>().unwrap();
        dec(&row["monthly_gb"]);
    }
    let mut expected: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for v in report["vpcs"].as_array().unwrap() {
        for d in v["traffic"]["destinations"].as_array().unwrap() {
            let e = expected
                .entry((
                    v["traffic"]["vpc_id"].as_str().unwrap().to_string(),
                    d["class"].as_str().unwrap().to_string(),
                ))
                .or_default();
            e.0 += d["egress_bytes"].as_u64().unwrap();
            e.1 += d["ingress_bytes"].as_u64().unwrap();
        }
    }
    assert_eq!(bytes, expected);
    let mut expected_unpriced = BTreeMap::new();
    for v in report["vpcs"].as_array().unwrap() {
        for p in v["traffic"]["paths"].as_array().unwrap() {
            if p["path"] == "gateway-endpoint" || p["path"] == "internet-gateway" {
                expected_unpriced.insert(
                    (
                        v["traffic"]["vpc_id"].as_str().unwrap().to_string(),
                        p["path"].as_str().unwrap().to_string(),
                        p["class"].as_str().unwrap().to_string(),
                    ),
                    p["bytes"].as_u64().unwrap(),
                );
            }
        }
    }
    assert!(
        !unpriced.is_empty(),
        "the sample has a VPC on a gateway endpoint"
    );
    assert_eq!(unpriced, expected_unpriced);

    // actions.sh: valid bash, a dry run by default, refuses placeholders, and runs one
    // create-vpc-endpoint per recommended endpoint once they are filled in.
    let script = out.join("actions.sh");
    let o = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(o.status.success(), "bash -n: {}", text(&o));
    let body = std::fs::read_to_string(&script).unwrap();
    assert!(body.starts_with("#!/usr/bin/env bash\n"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0, "actions.sh is executable");
    }
    assert!(body.contains("\nset -euo pipefail\n"));
    let endpoints: usize = report["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let kind = &v["recommendation"]["recommended"];
            v["scenarios"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| &s["kind"] == kind)
                .unwrap()["endpoints"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(
        body.matches("run aws ec2 create-vpc-endpoint").count(),
        endpoints
    );
    let fake = fake_bin(dir.path());
    let o = bash_script(&script, &fake, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout)
            .matches("would run: aws ec2 create-vpc-endpoint")
            .count(),
        endpoints
    );
    assert_eq!(calls(dir.path()), "", "a dry run ran something");
    let o = bash_script(&script, &fake, &[("DRY_RUN", "0")]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("replace the placeholder"));
    assert_eq!(calls(dir.path()), "", "ran with placeholders");
    // Fill the placeholders in, as a user would.
    let filled = body
        .replace("'<route-table-id>'", "rtb-0123456789abcdef0")
        .replace(
            "'<sg-id allowing tcp/443 from the VPC CIDR>'",
            "sg-0123abcd",
        )
        .replace("<service>'", "ssm'");
    let filled = (1..=3).fold(filled, |s, n| {
        s.replace(&format!("'<subnet-id-in-use1-az{n}>'"), "subnet-11111111")
            .replace(&format!("'<subnet-id-in-euw1-az{n}>'"), "subnet-22222222")
    });
    let filled_path = dir.path().join("filled.sh");
    std::fs::write(&filled_path, &filled).unwrap();
    std::fs::copy(
        out.join("endpoint-policy.json"),
        dir.path().join("endpoint-policy.json"),
    )
    .unwrap();
    let o = bash_script(&filled_path, &fake, &[("DRY_RUN", "0")]);
    assert!(o.status.success(), "{}", text(&o));
    let log = calls(dir.path());
    assert_eq!(log.lines().count(), endpoints, "{log}");
    assert!(log
        .lines()
        .all(|l| l.starts_with("aws ec2 create-vpc-endpoint --region ")));
    assert!(log.contains(
        "--vpc-endpoint-type Gateway --service-name com.amazonaws.us-east-1.s3 --route-table-ids rtb-0123456789abcdef0"
    ));
    assert!(log.contains("--subnet-ids subnet-11111111 subnet-11111111 --security-group-ids sg-0123abcd --private-dns-enabled"));
    assert!(!log.contains("--policy-document"));
    // The endpoint policy is attached only on request, and only once it names an account.
    let o = bash_script(
        &filled_path,
        &fake,
        &[("DRY_RUN", "0"), ("ENDPOINT_POLICY", "1")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("account id"));
    let policy = dir.path().join("endpoint-policy.json");
    let with_account = std::fs::read_to_string(&policy)
        .unwrap()
        .replace("<your-12-digit-account-id>", "111122223333");
    std::fs::write(&policy, with_account).unwrap();
    std::fs::remove_file(dir.path().join("calls.log")).unwrap();
    let o = bash_script(
        &filled_path,
        &fake,
        &[("DRY_RUN", "0"), ("ENDPOINT_POLICY", "1")],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        calls(dir.path())
            .matches("--policy-document file://")
            .count(),
        endpoints
    );

    // endpoint-policy.json: a valid policy document restricted to one account's principals.
    let policy: Value =
        serde_json::from_slice(&std::fs::read(out.join("endpoint-policy.json")).unwrap()).unwrap();
    assert_eq!(policy["Version"], "2012-10-17");
    assert_eq!(
        policy["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalAccount"],
        "<your-12-digit-account-id>"
    );

    // endpoints.tf: the same endpoints, and HCL that terraform accepts.
    let tf = std::fs::read_to_string(out.join("endpoints.tf")).unwrap();
    assert_eq!(
        tf.matches("resource \"aws_vpc_endpoint\"").count(),
        endpoints
    );
    terraform_parses(&out.join("endpoints.tf"));
}

#[test]
fn format_csv_and_json_print_the_files() {
    let dir = tempfile::tempdir().unwrap();
    for (format, file) in [("csv", "costs.csv"), ("json", "report.json")] {
        let out = dir.path().join(format);
        let o = run(
            root(),
            &[
                "analyze",
                "data/sample/AWSLogs",
                "--out",
                out.to_str().unwrap(),
                "--format",
                format,
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(o.stdout, std::fs::read(out.join(file)).unwrap(), "{format}");
    }
}

/// A traffic CSV whose one row is `vpc_id` talking to S3 and AMAZON in `az_id` for a day.
fn traffic_csv(rows: &[(&str, &str)]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "vpc_id",
        "region",
        "az_id",
        "direction",
        "remote_addr",
        "destination",
        "aws_service",
        "service_region",
        "bytes",
        "records",
        "window_start",
        "window_end",
    ])
    .unwrap();
    for (vpc, az) in rows {
        for (dest, service, bytes) in [
            ("s3", "", "900000000000"),
            ("aws-service", "AMAZON", "2000000000000"),
        ] {
            w.write_record([
                vpc,
                "us-east-1",
                az,
                "egress",
                "",
                dest,
                service,
                "",
                bytes,
                "10",
                "1793491200",
                "1793577600",
            ])
            .unwrap();
        }
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn hostile_ids_never_become_commands_file_names_or_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        ("vpc-1; rm -rf / #", "use1-az1"),
        ("$(reboot)", "use1-az1$(reboot)"),
        ("`reboot`\n\"quoted\" 'single' \\ ${x} %{y}", "use1-az2"),
        ("../../x", "../az"),
        ("=HYPERLINK(\"http://e\",\"x\")", "@SUM(1)"),
    ];
    std::fs::write(dir.path().join("in.csv"), traffic_csv(&hostile)).unwrap();
    // The same through a headerless flow log read with --log-format (ids without spaces).
    let line = |vpc: &str| {
        format!("2 {vpc} eni-1 10.0.0.1 16.15.157.7 40000 443 6 10 5000 1793491200 1793577600 ACCEPT OK\n")
    };
    std::fs::write(
        dir.path().join("flows.log"),
        [
            "../../y",
            "<script>alert(1)</script>",
            "/etc/passwd",
            "$(reboot)",
        ]
        .map(line)
        .concat(),
    )
    .unwrap();
    let o = run(
        dir.path(),
        &[
            "analyze",
            "flows.log",
            "--log-format",
            "${version} ${vpc-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}",
            "--traffic",
            "in.csv",
            "--out",
            "r",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    let ids: Vec<&str> = report["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["traffic"]["vpc_id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"../../y") && ids.contains(&"<script>alert(1)</script>"),
        "{ids:?}"
    );
    // Contained: nothing outside the output folder, nothing in it but the tool's files.
    assert_eq!(names(dir.path()), ["flows.log", "in.csv", "r"]);
    assert_eq!(names(&dir.path().join("r")), OUTPUTS);
    let out = dir.path().join("r");

    let script = out.join("actions.sh");
    let o = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(o.status.success(), "bash -n: {}", text(&o));
    let body = std::fs::read_to_string(&script).unwrap();
    for line in body.lines().filter(|l| !l.trim_start().starts_with('#')) {
        for bad in [
            "rm -rf",
            "reboot",
            "`",
            "../",
            "HYPERLINK",
            "script>",
            "/etc",
        ] {
            assert!(!line.contains(bad), "{bad} in an executable line: {line}");
        }
    }
    assert_eq!(
        body.matches("--vpc-id '<vpc-id>'").count(),
        body.matches("run aws ec2 create-vpc-endpoint").count(),
        "every hostile VPC id became a placeholder"
    );
    assert!(body.matches("run aws ec2").count() >= 2 * hostile.len() + 3);
    assert!(
        body.contains("(vpc-1? rm -rf / ?)"),
        "the bad id is shown defused"
    );
    let fake = fake_bin(dir.path());
    for env in [&[][..], &[("DRY_RUN", "0")][..]] {
        let o = bash_script(&script, &fake, env);
        assert!(!String::from_utf8_lossy(&o.stdout).contains("$(reboot)\n"));
        assert_eq!(
            calls(dir.path()),
            "",
            "actions.sh ran a command: {}",
            text(&o)
        );
    }

    let tf = std::fs::read_to_string(out.join("endpoints.tf")).unwrap();
    for line in tf.lines().filter(|l| !l.trim_start().starts_with('#')) {
        assert!(
            !line.contains("reboot") && !line.contains("${x}") && !line.contains("rm -rf"),
            "{line}"
        );
    }
    assert!(tf
        .lines()
        .filter_map(|l| l.strip_prefix("resource \"aws_vpc_endpoint\" \""))
        .all(|rest| {
            let name = rest.split('"').next().unwrap();
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        }));
    terraform_parses(&out.join("endpoints.tf"));

    // CSVs: ids round-trip exactly, formulas are defused with a leading quote.
    let costs = csv_rows(&out.join("costs.csv"));
    let ids: std::collections::BTreeSet<&str> =
        costs.iter().map(|r| r["vpc_id"].as_str()).collect();
    assert!(ids.contains("'=HYPERLINK(\"http://e\",\"x\")"), "{ids:?}");
    assert!(ids.contains("`reboot`\n\"quoted\" 'single' \\ ${x} %{y}"));
    let traffic = csv_rows(&out.join("traffic.csv"));
    assert!(traffic.iter().any(|r| r["az_id"] == "'@SUM(1)"));
    assert!(traffic
        .iter()
        .all(|r| !r.values().any(|v| v.starts_with(['=', '+', '@']))));
}

/// `analyze` of the sample into `out`, quietly, with `extra` flags.
fn analyze_into(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "analyze",
        "data/sample/AWSLogs",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(root(), &args)
}

#[test]
fn an_existing_report_folder_is_replaced_whole_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    // An old report of ours, with a stale file the new run does not write, is replaced whole.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("report.json"), "old").unwrap();
    std::fs::write(out.join("report.html"), "old").unwrap();
    let o = analyze_into(&out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(names(&out), OUTPUTS);
    assert_eq!(names(dir.path()), ["r"], "temporary folders left behind");
    // A folder with someone else's file is refused, untouched, with a message that helps.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let before = std::fs::read(out.join("report.json")).unwrap();
    std::fs::write(out.join("report.json"), "edited").unwrap();
    let o = analyze_into(&out, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(out.to_str().unwrap()) && err.contains("notes.txt") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(out.join("report.json")).unwrap(), b"edited");
    // --force writes the report into it and keeps the other file.
    let o = analyze_into(&out, &["--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read(out.join("report.json")).unwrap(), before);
    assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"mine");
    let o = run(root(), &["analyze", "--help"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("--force"));
    // A file in the way is an error, even with --force.
    let file = dir.path().join("f");
    std::fs::write(&file, "x").unwrap();
    let o = analyze_into(&file, &["--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a folder"));
}

#[test]
fn summary_fits_100_columns_and_is_coloured_only_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let long = "vpc-0123456789abcdef0-with-a-very-long-suffix-from-a-custom-tool";
    // Without an AZ a warning names the VPC: a 150-character id must not widen it either.
    let longer = format!("vpc-{}", "f".repeat(146));
    std::fs::write(
        dir.path().join("in.csv"),
        traffic_csv(&[
            (long, "use1-az1"),
            ("vpc-12345678", "use1-az2"),
            (&longer, ""),
        ]),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_vpce-advisor");
    let o = run(
        dir.path(),
        &["analyze", "--traffic", "in.csv", "--out", "r"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("vpc-0123456789abcdef0-w~"), "{stdout}");
    assert!(stdout.contains("warning: No az-id"), "{stdout}");
    for line in stdout.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.len()
        );
    }
    assert!(!stdout.contains('\x1b'), "colour in a pipe");

    // On a terminal (a pty from util-linux `script`): colour, unless NO_COLOR is set.
    let on_tty = |no_color: Option<&str>| {
        let mut c = Command::new("script");
        c.args(["-qec"])
            .arg(format!(
                "'{bin}' analyze --traffic in.csv --out r2 2>/dev/null"
            ))
            .arg("/dev/null")
            .current_dir(dir.path())
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        let o = c
            .output()
            .expect("util-linux `script` runs a command on a pty");
        assert!(o.status.success(), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let coloured = on_tty(None);
    assert!(coloured.contains("\x1b[1mVPC"), "{coloured}");
    assert!(coloured.contains("\x1b[32m"), "{coloured}");
    let plain = |s: &str| {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('\x1b') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            let end = rest.find('m').unwrap();
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out.replace('\r', "")
    };
    // Colour changes nothing else, and the line widths hold.
    let without: String = plain(&coloured)
        .lines()
        .filter(|l| !l.starts_with("report: "))
        .map(|l| format!("{l}\n"))
        .collect();
    let piped: String = stdout
        .lines()
        .filter(|l| !l.starts_with("report: "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(without, piped);
    let no_color = on_tty(Some("1"));
    assert!(!no_color.contains('\x1b'), "{no_color}");
    assert!(no_color.contains("vpc-12345678"));
}

#[test]
fn known_ids_replace_the_placeholders_and_are_checked_too() {
    use vpce_advisor::report::actions::{render_script, render_terraform, ActionIds, KnownIds};
    let report = crate::ingest::analyze(vec![root().join("data/sample/AWSLogs")]);
    let mut known = KnownIds::new();
    known.insert(
        "vpc-0a1b2c3d4e5f60001".into(),
        ActionIds {
            route_table_ids: vec!["rtb-0123456789abcdef0".into(), "rtb-11111111".into()],
            subnet_ids_by_az: [
                ("use1-az1".to_string(), "subnet-aaaaaaaa".to_string()),
                ("use1-az2".to_string(), "subnet-$(reboot)".to_string()),
            ]
            .into(),
            security_group_ids: vec!["sg-0123456789abcdef0".into()],
        },
    );
    let script = render_script(&report, &known);
    let first_vpc: String = script
        .split("# VPC vpc-0a1b2c3d4e5f60002")
        .next()
        .unwrap()
        .to_string();
    assert!(first_vpc.contains("--route-table-ids rtb-0123456789abcdef0 rtb-11111111 \\\n"));
    assert!(first_vpc.contains("--subnet-ids subnet-aaaaaaaa '<subnet-id-in-use1-az2>' \\\n"));
    assert!(first_vpc.contains("--security-group-ids sg-0123456789abcdef0 \\\n"));
    assert!(
        first_vpc.contains("# The subnet id in the input (subnet-?(reboot)) is not a valid one")
    );
    assert!(!script.contains("$(reboot)"));
    // Other VPCs keep their placeholders.
    let rest = &script[first_vpc.len()..];
    assert!(rest.contains("'<route-table-id>'") && !rest.contains("rtb-0123456789abcdef0"));
    let tf = render_terraform(&report, &known);
    assert!(tf.contains("route_table_ids   = [\"rtb-0123456789abcdef0\", \"rtb-11111111\"]"));
    assert!(tf.contains("subnet_ids          = [\"subnet-aaaaaaaa\", \"<subnet-id-in-use1-az2>\"]"));
    // No known ids: exactly what analyze writes.
    golden(
        "sample-actions.sh",
        render_script(&report, &KnownIds::new()).as_bytes(),
    );
}
