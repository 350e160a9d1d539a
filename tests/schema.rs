//! `docs/report.schema.json` against the report.json the tool writes: a small JSON Schema
//! validator for exactly the keywords the schema uses (an unknown keyword fails the test, so
//! nothing is silently ignored), the sample and an edge-case report validated, and the schema
//! checked to be strict (every field required, nothing extra allowed) and documented.

use std::path::Path;

use serde_json::{Map, Value};

use crate::common::{run, text};

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).expect("the schema is JSON")
}

/// Keywords that only annotate.
const ANNOTATIONS: [&str; 5] = ["$schema", "$id", "title", "description", "$comment"];

/// Validates `v` against `s` (a subschema of `root`); errors are `path: message`.
fn validate(root: &Value, s: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    let s = s
        .as_object()
        .unwrap_or_else(|| panic!("{path}: schema is not an object"));
    for (k, kw) in s {
        match k.as_str() {
            k if ANNOTATIONS.contains(&k) => {}
            "$defs" => {}
            "$ref" => {
                let name = kw
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/$defs/"))
                    .unwrap_or_else(|| panic!("{path}: only #/$defs/ refs are supported"));
                let target = &root["$defs"][name];
                assert!(!target.is_null(), "{path}: no $defs/{name}");
                validate(root, target, v, path, errors);
            }
            "type" => {
                let types: Vec<&str> = match kw {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
                    _ => panic!("{path}: bad type keyword"),
                };
                let ok = types.iter().any(|t| match *t {
                    "object" => v.is_object(),
                    "array" => v.is_array(),
                    "string" => v.is_string(),
                    "boolean" => v.is_boolean(),
                    "null" => v.is_null(),
                    "integer" => v.is_i64() || v.is_u64(),
                    "number" => v.is_number(),
                    other => panic!("{path}: unknown type {other}"),
                });
                if !ok {
                    errors.push(format!("{path}: {v} is not of type {types:?}"));
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (name, sub) in kw.as_object().unwrap() {
                        if let Some(x) = o.get(name) {
                            validate(root, sub, x, &format!("{path}.{name}"), errors);
                        }
                    }
                }
            }
            "required" => {
                if let Some(o) = v.as_object() {
                    for name in kw.as_array().unwrap() {
                        let name = name.as_str().unwrap();
                        if !o.contains_key(name) {
                            errors.push(format!("{path}: required field {name} is missing"));
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(o) = v.as_object() {
                    let known = s.get("properties").and_then(Value::as_object);
                    for (name, x) in o {
                        if known.is_some_and(|k| k.contains_key(name)) {
                            continue;
                        }
                        match kw {
                            Value::Bool(false) => {
                                errors.push(format!("{path}: field {name} is not in the schema"))
                            }
                            Value::Bool(true) => {}
                            sub => validate(root, sub, x, &format!("{path}.{name}"), errors),
                        }
                    }
                }
            }
            "propertyNames" => {
                if let Some(o) = v.as_object() {
                    for name in o.keys() {
                        validate(
                            root,
                            kw,
                            &Value::String(name.clone()),
                            &format!("{path} key {name}"),
                            errors,
                        );
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, x) in a.iter().enumerate() {
                        validate(root, kw, x, &format!("{path}[{i}]"), errors);
                    }
                }
            }
            "enum" => {
                if !kw.as_array().unwrap().contains(v) {
                    errors.push(format!("{path}: {v} is not one of {kw}"));
                }
            }
            "const" => {
                if kw != v {
                    errors.push(format!("{path}: {v} is not {kw}"));
                }
            }
            "minimum" => {
                if v.as_f64().is_some_and(|x| x < kw.as_f64().unwrap()) {
                    errors.push(format!("{path}: {v} is below {kw}"));
                }
            }
            "format" => {
                if let Some(text) = v.as_str() {
                    let ok = match kw.as_str().unwrap() {
                        "decimal" => text.parse::<rust_decimal::Decimal>().is_ok(),
                        "date-time" => is_utc_timestamp(text),
                        other => panic!("{path}: unknown format {other}"),
                    };
                    if !ok {
                        errors.push(format!("{path}: {text:?} is not a {kw}"));
                    }
                }
            }
            other => panic!("{path}: the test validator does not know the keyword {other}"),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn is_utc_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

pub fn errors_of(report: &Value) -> Vec<String> {
    let s = schema();
    let mut errors = Vec::new();
    validate(&s, &s, report, "$", &mut errors);
    errors
}

fn obj(v: &mut Value) -> &mut Map<String, Value> {
    v.as_object_mut().unwrap()
}

fn golden_report() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/sample-report.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn report_json_validates_against_its_schema() {
    // The sample (its golden report.json is byte-checked against a fresh run elsewhere).
    assert_eq!(errors_of(&golden_report()), Vec::<String>::new());

    // A report whose optional parts are filled: malformed lines, a skipped file, a traffic CSV,
    // records without az-id, a region with no interface traffic.
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(
        logs.join("a.log"),
        "version vpc-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
         2 vpc-12345678 eni-1 10.0.0.1 16.15.157.7 40000 443 6 10 5000 1793491200 1793577600 ACCEPT OK\n\
         2 vpc-12345678 eni-1 10.0.0.1 not-an-ip 40000 443 6 10 5000 1793491200 1793577600 ACCEPT OK\n",
    )
    .unwrap();
    std::fs::write(logs.join("notes.md"), "not a log").unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "vpc_id,region,az_id,direction,remote_addr,destination,aws_service,service_region,bytes,records,window_start,window_end\n\
         vpc-87654321,eu-west-1,euw1-az1,ingress,,internet,,,1000,1,1793491200,1793577600\n",
    )
    .unwrap();
    let o = run(
        dir.path(),
        &[
            "analyze",
            "logs",
            "--traffic",
            "t.csv",
            "--out",
            "r",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    assert!(!report["malformed_examples"].as_array().unwrap().is_empty());
    assert!(!report["inputs"]["skipped_files"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(errors_of(&report), Vec::<String>::new());
}

#[test]
fn schema_rejects_added_removed_and_mistyped_fields() {
    let bad = |mutate: &dyn Fn(&mut Value), what: &str| {
        let mut r = golden_report();
        mutate(&mut r);
        assert!(!errors_of(&r).is_empty(), "the schema accepted {what}");
    };
    bad(
        &|r| {
            obj(r).insert("new_field".into(), Value::Bool(true));
        },
        "a new top-level field",
    );
    bad(
        &|r| {
            obj(&mut r["vpcs"][0]["scenarios"][1]["lines"][0])
                .insert("discount".into(), "0".into());
        },
        "a new cost-line field",
    );
    bad(
        &|r| {
            obj(&mut r["vpcs"][0]["traffic"]).remove("azs_seen");
        },
        "a missing traffic field",
    );
    bad(
        &|r| {
            obj(&mut r["prices"]["regions"][0]["items"])
                .insert("nat_gateway_daily".into(), Value::Array(vec![]));
        },
        "an unknown price item",
    );
    bad(
        &|r| r["summary"]["baseline_usd"] = serde_json::json!(496.93),
        "money as a float",
    );
    bad(
        &|r| r["summary"]["baseline_usd"] = "about 500".into(),
        "money that is not a decimal",
    );
    bad(
        &|r| r["vpcs"][0]["recommendation"]["recommended"] = "nat-free".into(),
        "an unknown scenario",
    );
    bad(
        &|r| r["assumptions"]["window_start"] = "2026-11-01 00:00".into(),
        "a malformed timestamp",
    );
    bad(
        &|r| r["schema_version"] = 1.into(),
        "another schema version",
    );
    // Every field of every object is required: removing any one is caught.
    let report = golden_report();
    let mut paths = Vec::new();
    fn walk(v: &Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    let mut p = path.clone();
                    p.push(k.clone());
                    out.push(p.clone());
                    walk(x, p, out);
                }
            }
            Value::Array(a) => {
                if let Some(x) = a.first() {
                    let mut p = path.clone();
                    p.push("0".into());
                    walk(x, p, out);
                }
            }
            _ => {}
        }
    }
    walk(&report, Vec::new(), &mut paths);
    let mut removable = 0;
    for p in &paths {
        // Map entries (record formats, price items, per-AZ figures, DNS counts...) are data, not fields.
        let maps = [
            "formats",
            "items",
            "by_az",
            "nat_route_az",
            "duplicate_bytes_removed",
            "named_bytes",
            "services",
        ];
        if p.len() >= 2 && maps.contains(&p[p.len() - 2].as_str()) {
            continue;
        }
        let mut r = report.clone();
        let mut v = &mut r;
        for k in &p[..p.len() - 1] {
            v = match k.parse::<usize>() {
                Ok(i) if v.is_array() => &mut v[i],
                _ => &mut v[k.as_str()],
            };
        }
        v.as_object_mut().unwrap().remove(p.last().unwrap());
        assert!(
            !errors_of(&r).is_empty(),
            "removing {} went unnoticed",
            p.join(".")
        );
        removable += 1;
    }
    assert!(removable > 100, "only {removable} fields checked");
}

#[test]
fn schema_is_strict_documented_and_versioned() {
    let s = schema();
    assert_eq!(
        s["properties"]["schema_version"]["const"],
        vpce_advisor::report::SCHEMA_VERSION,
        "bump the schema's schema_version const together with SCHEMA_VERSION"
    );
    assert_eq!(
        s["$id"],
        format!(
            "urn:vpce-advisor:report:{}",
            vpce_advisor::report::SCHEMA_VERSION
        )
    );
    fn check(v: &Value, path: &str) {
        let Some(o) = v.as_object() else { return };
        if let Some(props) = o.get("properties").and_then(Value::as_object) {
            assert_eq!(
                o.get("additionalProperties"),
                Some(&Value::Bool(false)),
                "{path} allows extra fields"
            );
            let required: Vec<&str> = o["required"]
                .as_array()
                .unwrap_or_else(|| panic!("{path} has no required list"))
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            let keys: Vec<&str> = props.keys().map(String::as_str).collect();
            let mut sorted_required = required.clone();
            sorted_required.sort();
            let mut sorted_keys = keys.clone();
            sorted_keys.sort();
            assert_eq!(
                sorted_required, sorted_keys,
                "{path}: not every field is required"
            );
            for (k, p) in props {
                assert!(
                    p.get("description")
                        .and_then(Value::as_str)
                        .is_some_and(|d| !d.is_empty()),
                    "{path}.{k} has no description"
                );
            }
        }
        for (k, x) in o {
            check(x, &format!("{path}/{k}"));
        }
    }
    check(&s, "#");
    for (name, d) in s["$defs"].as_object().unwrap() {
        assert!(
            d.get("description").is_some(),
            "$defs/{name} has no description"
        );
    }
}

#[test]
fn an_account_report_with_inventory_and_dns_validates_too() {
    // The sample has no inventory or DNS logs: the account fixture fills vantage, dns, today,
    // existing endpoints and inter-AZ lines.
    let dir = tempfile::tempdir().unwrap();
    let f = |rel: &str| crate::common::fixture(rel).display().to_string();
    let out = dir.path().join("out");
    let o = run(
        dir.path(),
        &[
            "analyze",
            &f("account/logs"),
            "--inventory",
            &f("account/inventory"),
            "--dns-logs",
            &f("account/dns"),
            "--nat-instance-type",
            "c5.large",
            "--inspection",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert!(!report["vantage"]["dns"].is_null());
    for component in ["inter-az", "nat-instance-hours", "gwlb-endpoint-data"] {
        assert!(
            report.to_string().contains(&format!("\"{component}\"")),
            "{component}"
        );
    }
    assert_eq!(errors_of(&report), Vec::<String>::new());
}
