//! `vpce-advisor sql` and the engine seam: the query text per engine (snapshots), validation of
//! everything written into a query (injection attempts are errors), Trino vs Spark SQL (sqlglot),
//! and the queries run on DuckDB and Spark local mode over text and Parquet copies of the sample
//! and the account fixture: `analyze --traffic <result>` gives the raw files' report.json.
//!
//! The engine tests need Python with `duckdb`, `pyspark` (and Java 17) and `sqlglot`; without them
//! they are skipped, unless `VPCE_REQUIRE_ENGINES=1` (set by `.ci/run`, which installs them).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{data, fixture, run, text};

/// The sample's fields (its files carry this header).
const SAMPLE_FIELDS: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path";
/// AWS's default format (the account fixture).
const V2_FIELDS: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

fn log_format(fields: &str) -> String {
    fields
        .split_whitespace()
        .map(|f| format!("${{{f}}}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn sql(args: &[&str]) -> std::process::Output {
    let mut all = vec!["sql"];
    all.extend_from_slice(args);
    run(Path::new(env!("CARGO_MANIFEST_DIR")), &all)
}

fn sql_ok(args: &[&str]) -> String {
    let o = sql(args);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// Whether python3 can import every module; else skip, or fail under VPCE_REQUIRE_ENGINES=1.
fn python_has(modules: &[&str]) -> bool {
    let ok = Command::new("python3")
        .arg("-c")
        .arg(format!("import {}", modules.join(", ")))
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("VPCE_REQUIRE_ENGINES").as_deref() == Ok("1") {
            panic!("python3 cannot import {modules:?} and VPCE_REQUIRE_ENGINES=1 (pip install duckdb pyspark sqlglot)");
        }
        eprintln!(
            "skipped: python3 cannot import {modules:?} (pip install duckdb pyspark sqlglot)"
        );
    }
    ok
}

#[test]
fn sql_snapshots_for_each_engine() {
    let lf = log_format(SAMPLE_FIELDS);
    for (engine, extra) in [
        (
            "athena",
            vec![
                "--table",
                "flowlogs.vpc_flow_logs",
                "--since",
                "2026-11-01",
                "--until",
                "2026-11-30",
            ],
        ),
        (
            "trino",
            vec![
                "--layout",
                "parquet",
                "--regions",
                "eu-west-1,us-east-1",
                "--accounts",
                "123456789012",
            ],
        ),
        ("spark", vec!["--layout", "text"]),
        (
            "duckdb",
            vec![
                "--path",
                "AWSLogs/*/vpcflowlogs/*/*/*/*/*.log.gz",
                "--since",
                "2026-11-01",
            ],
        ),
    ] {
        let mut args = vec!["--engine", engine, "--log-format", &lf];
        args.extend(extra);
        crate::end_to_end::golden(&format!("sql-{engine}.sql"), sql_ok(&args).as_bytes());
    }
    let lake = sql_ok(&[
        "--engine",
        "athena",
        "--layout",
        "security-lake",
        "--table",
        "amazon_security_lake_glue_db_us_east_1.amazon_security_lake_table_us_east_1_vpc_flow_2_0",
    ]);
    crate::end_to_end::golden("sql-athena-security-lake.sql", lake.as_bytes());
}

#[test]
fn sql_refuses_what_could_escape_its_place() {
    let attempts: [&[&str]; 12] = [
        &["--engine", "athena", "--table", "logs; DROP TABLE x"],
        &["--engine", "athena", "--table", "logs\" UNION SELECT 1 --"],
        &["--engine", "spark", "--table", "db.`t`"],
        &["--engine", "athena", "--table", "a.b.c.d"],
        &["--engine", "athena", "--since", "2026-11-01' OR '1'='1"],
        &["--engine", "trino", "--until", "2026-02-31"],
        &[
            "--engine",
            "trino",
            "--since",
            "2026-11-02",
            "--until",
            "2026-11-01",
        ],
        &["--engine", "athena", "--regions", "us-east-1') OR 1=1 --"],
        &["--engine", "athena", "--accounts", "12345678901x"],
        &[
            "--engine",
            "duckdb",
            "--path",
            "x.log'); COPY secrets TO 'out",
        ],
        &["--engine", "duckdb", "--path", "a\nb"],
        &["--engine", "athena", "--layout", "raw-text", "--path", "x"],
    ];
    for a in attempts {
        let o = sql(a);
        assert_eq!(o.status.code(), Some(1), "accepted {a:?}: {}", text(&o));
        assert!(o.stdout.is_empty(), "{a:?} printed a query");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.starts_with("error: --"), "{a:?}: {err}");
    }
    // Only known field names reach a query: anything else in --log-format is left out.
    let o = sql(&[
        "--engine",
        "athena",
        "--log-format",
        "${srcaddr} ${x\"y} ${bytes}",
    ]);
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("x\""),
        "{}",
        text(&o)
    );
}

#[test]
fn trino_sql_parses_and_differs_from_spark_only_in_dialect() {
    if !python_has(&["sqlglot"]) {
        return;
    }
    let lf = log_format(SAMPLE_FIELDS);
    let dir = tempfile::tempdir().unwrap();
    for layout in ["text", "parquet", "security-lake"] {
        let mut args = vec![
            "--layout",
            layout,
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-02",
        ];
        if layout != "security-lake" {
            args.extend(["--log-format", lf.as_str()]);
        }
        let mut a = vec!["--engine", "athena"];
        a.extend(&args);
        let mut t = vec!["--engine", "trino"];
        t.extend(&args);
        let mut s = vec!["--engine", "spark"];
        s.extend(&args);
        let (athena, trino, spark) = (sql_ok(&a), sql_ok(&t), sql_ok(&s));
        // Athena and Trino are one dialect: the same query but for the engine name in the comment.
        assert_eq!(
            athena.lines().skip(1).collect::<Vec<_>>(),
            trino.lines().skip(1).collect::<Vec<_>>()
        );
        let (tf, sf) = (dir.path().join("t.sql"), dir.path().join("s.sql"));
        std::fs::write(&tf, &trino).unwrap();
        std::fs::write(&sf, &spark).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engines/same_query.py");
        let o = Command::new("python3")
            .arg(&script)
            .arg(&tf)
            .arg(&sf)
            .output()
            .unwrap();
        assert!(o.status.success(), "layout {layout}: {}", text(&o));
    }
}

/// report.json without what depends on how the records were stored (the inputs section and the
/// file and line counts).
fn comparable(path: &Path) -> Value {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("inputs");
    let acc = o["accounting"].as_object_mut().unwrap();
    for k in ["files", "lines", "header_lines", "blank_lines"] {
        acc.remove(k);
    }
    v
}

/// `analyze <input> --out <out>` in `dir`, its report.json as [`comparable`].
fn analyze_comparable(dir: &Path, input: &[&str], out: &str) -> Value {
    let mut args = vec!["analyze"];
    args.extend_from_slice(input);
    args.extend(["--out", out, "--quiet"]);
    let o = run(dir, &args);
    assert!(o.status.success(), "{}", text(&o));
    comparable(&dir.join(out).join("report.json"))
}

struct Case {
    name: &'static str,
    logs: PathBuf,
    fields: &'static str,
    extra: Vec<String>,
}

#[test]
fn duckdb_and_spark_results_give_the_raw_files_report() {
    if !python_has(&["duckdb", "pyspark"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases = [
        Case {
            name: "sample",
            logs: data("sample/AWSLogs"),
            fields: SAMPLE_FIELDS,
            extra: vec![],
        },
        Case {
            name: "account",
            logs: fixture("account/logs"),
            fields: V2_FIELDS,
            extra: vec![
                "--inventory".into(),
                fixture("account/inventory").display().to_string(),
                "--dns-logs".into(),
                fixture("account/dns").display().to_string(),
            ],
        },
    ];
    let mut copies = Vec::new();
    let mut jobs = Vec::new();
    for c in &cases {
        let lf = log_format(c.fields);
        let parquet = d.join(format!("{}-parquet", c.name));
        copies.push(serde_json::json!({
            "name": c.name, "src": c.logs, "parquet": parquet,
            "fields": c.fields.split_whitespace().collect::<Vec<_>>(),
        }));
        let text_glob = format!("{}/**/*.log*", c.logs.display());
        let parquet_glob = format!("{}/**/*.parquet", parquet.display());
        let table = |kind: &str, path: &Path| {
            serde_json::json!({"name": "vpc_flow_logs", "kind": kind, "path": path,
                "fields": c.fields.split_whitespace().collect::<Vec<_>>()})
        };
        for (engine, layout, path, table) in [
            ("duckdb", "raw-text", Some(text_glob), Value::Null),
            ("duckdb", "raw-parquet", Some(parquet_glob), Value::Null),
            ("spark", "text", None, table("text", &c.logs)),
            ("spark", "parquet", None, table("parquet", &parquet)),
        ] {
            let mut args = vec!["--engine", engine, "--layout", layout, "--log-format", &lf];
            if let Some(p) = &path {
                args.extend(["--path", p.as_str()]);
            }
            let query = d.join(format!("{}-{engine}-{layout}.sql", c.name));
            std::fs::write(&query, sql_ok(&args)).unwrap();
            jobs.push(serde_json::json!({
                "engine": engine, "sql": query,
                "out": d.join(format!("{}-{engine}-{layout}.csv", c.name)), "table": table,
            }));
        }
    }
    let spec = d.join("jobs.json");
    std::fs::write(
        &spec,
        serde_json::to_vec(&serde_json::json!({"copies": copies, "jobs": jobs})).unwrap(),
    )
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engines/run_engines.py");
    let o = Command::new("python3")
        .arg(&script)
        .arg(&spec)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    eprintln!("{}", String::from_utf8_lossy(&o.stdout));

    for c in &cases {
        let raw_out = d.join(format!("{}-raw", c.name));
        let mut args: Vec<String> = vec![
            "analyze".into(),
            c.logs.display().to_string(),
            "--out".into(),
            raw_out.display().to_string(),
            "--quiet".into(),
        ];
        args.extend(c.extra.iter().cloned());
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(d, &a);
        assert!(o.status.success(), "{}", text(&o));
        let want = comparable(&raw_out.join("report.json"));
        for job in [
            "duckdb-raw-text",
            "duckdb-raw-parquet",
            "spark-text",
            "spark-parquet",
        ] {
            let csv = d.join(format!("{}-{job}.csv", c.name));
            let out = d.join(format!("{}-{job}", c.name));
            let mut args: Vec<String> = vec![
                "analyze".into(),
                "--traffic".into(),
                csv.display().to_string(),
                "--out".into(),
                out.display().to_string(),
                "--quiet".into(),
            ];
            args.extend(c.extra.iter().cloned());
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let o = run(d, &a);
            assert!(o.status.success(), "{} {job}: {}", c.name, text(&o));
            let got = comparable(&out.join("report.json"));
            assert!(
                got == want,
                "{} {job}: report.json differs from the raw files' (see {})",
                c.name,
                out.display()
            );
        }
    }
}

/// The seam without an engine: a schema-2 traffic CSV written by hand for a small log file gives
/// the log file's report (status rows, a relayed hop, a gateway-endpoint path, a public address).
#[test]
fn schema_2_traffic_csv_reads_like_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let logs = d.join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(
        logs.join("a.log"),
        "version vpc-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status region az-id pkt-srcaddr pkt-dstaddr pkt-dst-aws-service flow-direction traffic-path\n\
         5 vpc-1 eni-1 10.0.1.5 52.216.1.1 40000 443 6 10 5000000 1793491260 1793491320 ACCEPT OK eu-west-1 euw1-az1 10.0.1.5 52.216.1.1 S3 egress 7\n\
         5 vpc-1 eni-1 10.0.1.5 52.216.1.1 40001 443 6 10 3000000 1793494860 1793494920 ACCEPT OK eu-west-1 euw1-az1 10.0.1.5 52.216.1.1 S3 egress 7\n\
         5 vpc-1 eni-1 10.0.1.5 8.8.8.8 40002 443 6 10 7000000 1793491260 1793491320 ACCEPT OK eu-west-1 euw1-az1 10.0.1.5 8.8.8.8 - egress 1\n\
         5 vpc-1 eni-2 10.0.1.5 10.0.2.9 40003 443 6 10 9000000 1793491260 1793491320 ACCEPT OK eu-west-1 euw1-az2 10.0.1.5 1.1.1.1 - ingress -\n\
         5 vpc-1 eni-1 10.0.1.5 10.0.1.6 40004 22 6 1 100 1793491260 1793491320 REJECT OK eu-west-1 euw1-az1 - - - egress -\n\
         5 - eni-1 - - - - - - - 1793498400 1793498460 - NODATA eu-west-1 euw1-az1 - - - - -\n",
    )
    .unwrap();
    std::fs::write(
        d.join("agg.csv"),
        "vpc_id,region,az_id,interface_id,direction,remote_addr,destination,aws_service,service_region,traffic_path,hour,bytes,packets,records,window_start,window_end,status,both_public\n\
         vpc-1,eu-west-1,euw1-az1,eni-1,egress,52.216.1.1,,S3,,7,2026-11-01T00:00:00Z,5000000,10,1,1793491260,1793491320,accepted,0\n\
         vpc-1,eu-west-1,euw1-az1,eni-1,egress,52.216.1.1,,S3,,7,1793494800,3000000,10,1,1793494860,1793494920,,0\n\
         vpc-1,eu-west-1,euw1-az1,eni-1,egress,8.8.8.8,,,,1,,7000000,10,1,1793491260,1793491320,accepted,\n\
         vpc-1,eu-west-1,euw1-az2,eni-2,ingress,,relayed,,,,1793491200,9000000,10,1,1793491260,1793491320,accepted,0\n\
         ,,,,,,,,,,1793491200,,,1,1793491260,1793491320,rejected,\n\
         ,,,,,,,,,,1793498400,,,1,1793498400,1793498460,nodata,\n",
    )
    .unwrap();
    let analyze = |input: &[&str], out: &str| analyze_comparable(d, input, out);
    let want = analyze(&["logs"], "raw");
    let got = analyze(&["--traffic", "agg.csv"], "agg");
    assert_eq!(got, want);
    assert_eq!(got["accounting"]["accepted"], 4);
    assert_eq!(got["accounting"]["rejected"], 1);
    assert_eq!(got["accounting"]["nodata"], 1);
    assert_eq!(got["accounting"]["relayed"], 1);

    // A bad row names its line; an old (schema-1) file still reads.
    std::fs::write(
        d.join("bad.csv"),
        "vpc_id,region,az_id,interface_id,direction,remote_addr,bytes,records,window_start,window_end,traffic_path\n\
         vpc-1,eu-west-1,,eni-1,egress,8.8.8.8,1,1,1793491260,1793491320,9\n",
    )
    .unwrap();
    let o = run(
        d,
        &["analyze", "--traffic", "bad.csv", "--out", "bad", "--quiet"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("bad.csv:2: traffic_path '9'"),
        "{}",
        text(&o)
    );
}

/// `sql --layout security-lake` on DuckDB over the Security Lake Parquet fixture (registered as
/// the Glue table would be: the files with their Hive partitions) gives the report `analyze` gives
/// reading the same files: OCSF boundary ids become traffic-path codes, and the interface's own
/// address comes from `intermediate_ips` (a relayed NAT hop). Only the 2026-11-01 partition: the
/// other one's event (from ocsf/examples) has only `start_time_dt`, which the query does not read.
#[test]
fn duckdb_security_lake_result_gives_the_parquet_files_report() {
    if !python_has(&["duckdb"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let lake = fixture(
        "ocsf/security-lake/aws/VPC_FLOW/2.0/region=us-east-1/accountId=123456789012/eventDay=20261101",
    );
    let query = sql_ok(&[
        "--engine",
        "duckdb",
        "--layout",
        "security-lake",
        "--table",
        "vpc_flow",
    ]);
    std::fs::write(d.join("q.sql"), &query).unwrap();
    let script = r#"
import sys, duckdb
lake, sql, out = sys.argv[1:4]
con = duckdb.connect()
con.execute(f"CREATE VIEW vpc_flow AS SELECT * FROM read_parquet('{lake}/**/*.parquet', hive_partitioning = true)")
q = open(sql).read().strip().rstrip(';')
con.execute(f"COPY ({q}) TO '{out}' (HEADER, DELIMITER ',')")
"#;
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(&lake)
        .arg(d.join("q.sql"))
        .arg(d.join("result.csv"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let analyze = |input: &[&str], out: &str| analyze_comparable(d, input, out);
    let want = analyze(&[lake.to_str().unwrap()], "raw");
    let got = analyze(&["--traffic", "result.csv"], "sql");
    assert_eq!(got["accounting"], want["accounting"]);
    assert_eq!(got, want);
    let a = &want["accounting"];
    assert_eq!(
        (&a["accepted"], &a["rejected"], &a["relayed"]),
        (&6.into(), &1.into(), &1.into()),
        "{a}"
    );
}
