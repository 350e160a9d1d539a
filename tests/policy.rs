//! Security policies on a synthetic export with a long tail of small services (`synth
//! --long-tail`, named by its DNS log): the default `secure` policy adds no endpoint for a
//! service outside its list below break-even, the summary opens with the money saved, and
//! `strict` keeps every AWS service on an endpoint as before.

use std::path::Path;

use serde_json::Value;

use crate::common::{run, text};

fn long_tail_report(dir: &Path, policy: &str) -> (Value, String) {
    if !dir.join("logs").exists() {
        let o = run(
            dir,
            &[
                "synth",
                "--out",
                "logs",
                "--records",
                "20000",
                "--long-tail",
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
    }
    let out = format!("r-{}", policy.replace(['/', '.'], "_"));
    let o = run(
        dir,
        &[
            "analyze",
            "logs/AWSLogs",
            "--dns-logs",
            "logs/dns",
            "--policy",
            policy,
            "--out",
            &out,
            "--force",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let report =
        serde_json::from_slice(&std::fs::read(dir.join(&out).join("report.json")).unwrap())
            .unwrap();
    (report, String::from_utf8_lossy(&o.stdout).into_owned())
}

fn dec(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

fn recommended_endpoints(v: &Value) -> Vec<(String, String)> {
    let kind = v["recommendation"]["recommended"].as_str().unwrap();
    let s = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == kind)
        .unwrap();
    s["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["endpoint_type"].as_str().unwrap().to_string(),
                e["service"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn default_policy_adds_no_small_endpoint_outside_its_list() {
    let dir = tempfile::tempdir().unwrap();
    let (r, stdout) = long_tail_report(dir.path(), "secure");
    let listed: Vec<&str> = r["policy"]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&"sts") && !listed.contains(&"codebuild"));
    let mut small_outside = 0;
    for v in r["vpcs"].as_array().unwrap() {
        let bes = v["break_evens"].as_array().unwrap();
        for be in bes {
            let svc = be["service"].as_str().unwrap();
            if !listed.contains(&svc) && svc != "other-aws" && be["passes"] == false {
                small_outside += 1;
            }
        }
        for (ty, svc) in recommended_endpoints(v) {
            if ty != "Interface" || listed.contains(&svc.as_str()) {
                continue;
            }
            let be = bes.iter().find(|b| b["service"] == svc.as_str()).unwrap();
            assert_eq!(
                be["passes"], true,
                "{}: endpoint for {svc} outside the policy below break-even",
                v["traffic"]["vpc_id"]
            );
        }
        // Listed services with traffic are on endpoints, whatever their volume.
        let on: Vec<String> = recommended_endpoints(v).into_iter().map(|e| e.1).collect();
        for be in bes {
            let svc = be["service"].as_str().unwrap();
            if listed.contains(&svc) {
                assert!(on.iter().any(|o| o == svc), "{svc} not on an endpoint");
            }
        }
        // The ladder climbs a -> d, and (b) is the cheapest setup.
        let ladder = v["recommendation"]["ladder"].as_array().unwrap();
        let steps: Vec<&str> = ladder.iter().map(|l| l["step"].as_str().unwrap()).collect();
        assert_eq!(steps, ["a", "b", "c", "d"]);
        assert_eq!(
            dec(&ladder[1]["monthly_usd"]),
            dec(&v["recommendation"]["cheapest_usd"])
        );
        assert_eq!(ladder[2]["scenario"], v["recommendation"]["recommended"]);
    }
    assert!(
        small_outside >= 3,
        "the long tail should hold small services outside the policy ({small_outside})"
    );
    // The first line says what to do now, and it is a saving.
    assert!(dec(&r["summary"]["do_now_saving_usd"]) > 0.0);
    let first = stdout.lines().next().unwrap();
    assert!(first.starts_with("Do now: save $"), "{first}");
    let md = std::fs::read_to_string(dir.path().join("r-secure/report.md")).unwrap();
    let summary = md.split("## Summary\n\n").nth(1).unwrap();
    assert!(summary.starts_with("**Do now\\: save $"), "{summary}");
    // Then the security premium, as its own priced decision.
    assert!(
        stdout.contains("Security decision, policy `secure`: $"),
        "{stdout}"
    );
}

#[test]
fn strict_keeps_every_aws_service_on_an_endpoint_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = long_tail_report(dir.path(), "strict");
    assert_eq!(r["policy"]["kind"], "strict");
    for v in r["vpcs"].as_array().unwrap() {
        let scenarios = v["scenarios"].as_array().unwrap();
        // The setups of before: no policy setup is built (the regional and provisioned NAT
        // setups follow where their prices are shipped).
        let kinds: Vec<&str> = scenarios
            .iter()
            .map(|s| s["kind"].as_str().unwrap())
            .filter(|k| !matches!(*k, "regional-nat" | "provisioned-nat"))
            .collect();
        assert_eq!(
            kinds,
            [
                "nat-only",
                "gateway-endpoints",
                "gateway+interface",
                "fully-private"
            ]
        );
        // The recommendation is the cheapest setup with no AWS traffic on NAT.
        let best = scenarios
            .iter()
            .filter(|s| dec(&s["aws_on_nat_gb"]) == 0.0)
            .map(|s| dec(&s["monthly_usd"]))
            .fold(f64::INFINITY, f64::min);
        let rec = &v["recommendation"];
        assert_eq!(dec(&rec["recommended_usd"]), best);
        // Endpoints by their break-even name: `s3`, or `s3 (us-west-2)` for cross-region
        // PrivateLink.
        let kind = rec["recommended"].as_str().unwrap();
        let on: Vec<String> = scenarios.iter().find(|s| s["kind"] == kind).unwrap()["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| match e["service_region"].as_str() {
                Some(r) => format!("{} ({r})", e["service"].as_str().unwrap()),
                None => e["service"].as_str().unwrap().to_string(),
            })
            .collect();
        for be in v["break_evens"].as_array().unwrap() {
            assert!(on.iter().any(|o| o == be["service"].as_str().unwrap()));
        }
    }
}

#[test]
fn a_policy_file_of_ones_own_is_followed_and_its_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.csv"),
        "# only what we must\nservice,reason,source\ns3,,\ncodebuild,build secrets,ours\n",
    )
    .unwrap();
    let (r, _) = long_tail_report(dir.path(), "mine.csv");
    assert_eq!(r["policy"]["name"], "mine.csv");
    for v in r["vpcs"].as_array().unwrap() {
        let on: Vec<String> = recommended_endpoints(v).into_iter().map(|e| e.1).collect();
        let has = |s: &str| {
            v["break_evens"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b["service"] == s)
        };
        if has("codebuild") {
            assert!(on.iter().any(|o| o == "codebuild"));
        }
    }
    std::fs::write(
        dir.path().join("bad.csv"),
        "service,reason,source\ns3,,\ncodebiuld,,\n",
    )
    .unwrap();
    let o = run(dir.path(), &["analyze", "--policy", "bad.csv", "--quiet"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("bad.csv:3: unknown endpoint service 'codebiuld'"),
        "{}",
        text(&o)
    );
}
