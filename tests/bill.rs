//! `analyze --bill`: the user's bill against the model, on tests/fixtures/billing (real FOCUS 1.0
//! rows from the FOCUS sample data, a hand-made CUR 2.0 export of the same rows, a hand-made
//! inventory whose NAT gateway ids are the bill's, and hand-made flow logs of the two VPCs).
//! Every figure is worked out by hand in the comments and asserted exactly.
//!
//! The flow logs: one header line, four ACCEPT records starting 2024-09-01T00:00Z
//! (1725148800) and a NODATA record ending 730 hours later, so the observed window is exactly
//! one 730-hour month and observed GB = monthly GB (1 GB = 2^30 bytes):
//! - vpc-0aaa0000000000001 (us-west-2): eni-...001 sends 1/32 GB to 8.8.8.8 and gets 3/32 GB
//!   back; eni-...002 gets 1/8 GB from 1.1.1.1: 0.25 GB of internet traffic through NAT.
//! - vpc-0bbb0000000000002 (us-east-1): eni-...001 gets 1/16 GB = 0.0625 GB from 8.8.4.4.
//!
//! The inventory gives each VPC two NAT gateways: today's model bills 2 x 730 = 1460 hours at
//! $0.045 ($65.70) plus the GB at $0.045 per VPC (both regions' shipped prices).
//!
//! The FOCUS fixture (23 rows): the bill's period is its earliest ChargePeriodStart
//! (2024-09-01 00:00, an EBS row) to its latest ChargePeriodEnd (2024-10-01 00:00, an instance's
//! transfer-in row): 720 hours, so billed figures x 730/720 are per 730-hour month.

use std::path::Path;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;

use crate::common::{fixture, run, text};

const VPC_A: &str = "vpc-0aaa0000000000001";
const VPC_B: &str = "vpc-0bbb0000000000002";

fn analyze(dir: &Path, bills: &[&Path], extra: &[&str]) -> Value {
    let logs = fixture("billing/logs");
    let inventory = fixture("billing/inventory");
    let out = dir.join("out");
    let mut args: Vec<&str> = vec![
        "analyze",
        logs.to_str().unwrap(),
        "--inventory",
        inventory.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--force",
        "--format",
        "json",
    ];
    for b in bills {
        args.push("--bill");
        args.push(b.to_str().unwrap());
    }
    args.extend_from_slice(extra);
    let o = run(dir, &args);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("report JSON")
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
        .parse()
        .unwrap()
}

fn bill_vpc<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["bill"]["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["vpc_id"] == id)
        .unwrap_or_else(|| panic!("no VPC {id} in the bill check"))
}

/// The nat-only (today) scenario's line of `component` in VPC `id`: (quantity, monthly USD).
fn today_line(r: &Value, id: &str, component: &str) -> (Decimal, Decimal) {
    let v = r["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["traffic"]["vpc_id"] == id)
        .unwrap();
    let s = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "nat-only")
        .unwrap();
    let lines: Vec<&Value> = s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["component"] == component)
        .collect();
    (
        lines.iter().map(|l| dec(&l["quantity"])).sum(),
        lines.iter().map(|l| dec(&l["monthly_usd"])).sum(),
    )
}

fn focus() -> std::path::PathBuf {
    fixture("billing/focus-1.0-nat-sample.csv")
}

fn cur() -> std::path::PathBuf {
    fixture("billing/cur2-nat-sample.csv")
}

#[test]
fn bill_is_checked_against_the_model_per_vpc_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let r = analyze(dir.path(), &[&focus()], &[]);
    let b = &r["bill"];
    assert_eq!(r["schema_version"], 5);
    // 23 rows: 13 NAT gateway rows (9 hours, 4 GB), 1 transfer-in and 2 transfer-out rows on NAT
    // gateways, 3 inter-AZ rows (one on a NAT gateway, two on instances) = 19 used; an EBS
    // volume, an instance's transfer in, an Azure and an Oracle row = 4 ignored.
    assert_eq!(b["rows_read"], 23);
    assert_eq!(b["rows_used"], 19);
    assert_eq!(b["rows_ignored"], 4);
    assert_eq!(b["ignored_by_service"]["Amazon Elastic Compute Cloud"], 2);
    assert_eq!(b["ignored_by_service"]["Virtual Machine Scale Sets"], 1);
    assert_eq!(b["ignored_by_service"]["COMPUTE"], 1);
    assert_eq!(b["files"][0]["kind"], "FOCUS");
    assert_eq!(b["window_start"], "2024-09-01T00:00:00Z");
    assert_eq!(b["window_end"], "2024-10-01T00:00:00Z");
    assert_eq!(dec(&b["window_hours"]), dec!(720));
    let month = dec!(730) / dec!(720);
    assert_eq!(dec(&b["month_factor"]), month);

    // VPC A: nat-0e79lee93548fe603 processed 0.04690394920 GB for $0.00211067770 (FOCUS line
    // 24); nat-0llle6207164315f7 ran 1 hour for $0.045 (line 221). Billed NAT $ = 0.045 +
    // 0.00211067770 = 0.04711067770. Its transfer in (line 775, 0.0000020284 GB, $0) is other
    // transfer on the gateway, kept apart.
    let a = bill_vpc(&r, VPC_A);
    assert_eq!(a["region"], "us-west-2");
    assert_eq!(
        a["resources"],
        serde_json::json!(["nat-0e79lee93548fe603", "nat-0llle6207164315f7"])
    );
    assert_eq!(dec(&a["billed"]["nat_hours"]), dec!(1));
    assert_eq!(dec(&a["billed"]["nat_gb"]), dec!(0.04690394920));
    assert_eq!(dec(&a["billed"]["nat_usd"]), dec!(0.04711067770));
    assert_eq!(dec(&a["billed_usd"]), dec!(0.04711067770));
    assert_eq!(dec(&a["nat_data_transfer_gb"]), dec!(0.00000202840));
    assert_eq!(dec(&a["nat_data_transfer_usd"]), dec!(0));
    // Per 730-hour month: 1 h x 730/720 = 1.01389 h; 0.04690394920 GB x 730/720 =
    // 0.0475553929389 GB; $0.04711067770 x 730/720 = $0.0477649926681.
    assert_eq!(dec(&a["billed_monthly"]["nat_hours"]), month);
    assert_eq!(
        dec(&a["billed_monthly"]["nat_gb"]),
        dec!(0.04690394920) * month
    );
    assert_eq!(
        dec(&a["billed_monthly"]["nat_gb"]).round_dp(13),
        dec!(0.0475553929389)
    );
    assert_eq!(
        dec(&a["billed_monthly_usd"]).round_dp(13),
        dec!(0.0477649926681)
    );
    // Modelled today: 2 NAT gateways x 730 h = 1460 h x $0.045 = $65.70; 0.25 GB x $0.045 =
    // $0.01125; total $65.71125. Gap: 65.71125 - 0.0477649926681 = $65.6634850073.
    assert_eq!(dec(&a["modelled"]["nat_hours"]), dec!(1460));
    assert_eq!(dec(&a["modelled"]["nat_gb"]), dec!(0.25));
    assert_eq!(dec(&a["modelled_usd"]), dec!(65.71125));
    assert_eq!(dec(&a["gap_usd"]).round_dp(10), dec!(65.6634850073));
    assert_eq!(
        dec(&a["gap_nat_gb"]),
        dec!(0.25) - dec!(0.04690394920) * month
    );
    assert!(a["calibration_factor"].is_null());
    let why = a["explanations"].to_string();
    assert!(why.contains("Window scaling"), "{why}");
    assert!(why.contains("1 NODATA record"), "{why}");
    // eni-0aaa0000000000003 is in the inventory, never in the logs.
    assert!(why.contains("eni-0aaa0000000000003"), "{why}");
    // Neither NAT gateway's interface is logged.
    assert!(
        why.contains("never saw") && why.contains("nat-0e79lee93548fe603"),
        "{why}"
    );
    assert!(why.contains("other transfer is billed"), "{why}");

    // VPC B: nat-054598lf3ll4ef8bb processed 0.00000007450 GB for $0.00000000340 (line 557);
    // nat-099f233b804510151 has 0.00000003730 GB of inter-AZ transfer for $0.00000000040
    // (line 54). Billed $ = 0.00000000380. Modelled: 1460 h ($65.70) + 0.0625 GB x $0.045
    // ($0.0028125) = $65.7028125.
    let bv = bill_vpc(&r, VPC_B);
    assert_eq!(dec(&bv["billed"]["nat_hours"]), dec!(0));
    assert_eq!(dec(&bv["billed"]["nat_gb"]), dec!(0.00000007450));
    assert_eq!(dec(&bv["billed"]["nat_usd"]), dec!(0.00000000340));
    assert_eq!(dec(&bv["billed"]["inter_az_gb"]), dec!(0.00000003730));
    assert_eq!(dec(&bv["billed"]["inter_az_usd"]), dec!(0.00000000040));
    assert_eq!(dec(&bv["billed_usd"]), dec!(0.00000000380));
    assert_eq!(dec(&bv["modelled"]["nat_gb"]), dec!(0.0625));
    assert_eq!(dec(&bv["modelled_usd"]), dec!(65.7028125));

    // Unattributed: the other 10 NAT gateways' rows (8 with an hour, 2 with GB), two transfer-out
    // rows on NAT gateways and two instances' inter-AZ rows = 14 resource charges.
    let un = b["unattributed"].as_array().unwrap();
    assert_eq!(un.len(), 14);
    let find = |id: &str| {
        un.iter()
            .find(|u| u["resource_id"] == id)
            .unwrap_or_else(|| panic!("{id} not listed as unattributed"))
    };
    // The Tokyo gateway's hour at $0.062 (line 544).
    let tokyo = find("nat-0a8bef19776f0e435");
    assert_eq!(tokyo["category"], "nat-hours");
    assert_eq!(dec(&tokyo["usd"]), dec!(0.062));
    assert_eq!(find("i-0l16f7b530252bl71")["category"], "inter-az");
    assert_eq!(
        find("nat-08b07abael8b8214b")["category"],
        "nat-data-transfer"
    );
    // Unattributed USD: 7 x $0.045 + $0.062 (hours) + tiny GB and transfer charges.
    let un_usd: Decimal = un.iter().map(|u| dec(&u["usd"])).sum();
    assert_eq!(un_usd.round_dp(4), dec!(0.3770));

    // The Markdown and HTML reports show the check, escaped like all input text.
    let md = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(md.contains("## Checked against the bill"));
    assert!(md.contains("| vpc-0aaa0000000000001 | billed (bill period) | 1.00 | 0.05 |"));
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(html.contains("<section id=\"bill\">"));
    assert!(html.contains("nat-0a8bef19776f0e435"));

    // The terminal summary says it in one line.
    let inventory = fixture("billing/inventory");
    let logs = fixture("billing/logs");
    let out = dir.path().join("out2");
    let o = run(
        dir.path(),
        &[
            "analyze",
            logs.to_str().unwrap(),
            "--inventory",
            inventory.to_str().unwrap(),
            "--bill",
            focus().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("Bill: 23 rows read, 19 used, 4 ignored"),
        "{stdout}"
    );
}

#[test]
fn calibrate_scales_the_traffic_to_the_billed_nat_gb() {
    let dir = tempfile::tempdir().unwrap();
    let r = analyze(dir.path(), &[&focus()], &["--calibrate"]);
    let month = dec!(730) / dec!(720);
    // VPC A: billed 0.0475553929389 GB a month over modelled 0.25 GB: factor
    // 0.04690394920 x 730/720 / 0.25 = 0.190221571756.
    let a = bill_vpc(&r, VPC_A);
    let fa = dec(&a["calibration_factor"]);
    assert_eq!(fa, dec!(0.04690394920) * month / dec!(0.25));
    assert_eq!(fa.round_dp(12), dec!(0.190221571756));
    assert_eq!(a["calibration_basis"], "vpc");
    // The bill check still shows the model before calibration.
    assert_eq!(dec(&a["modelled"]["nat_gb"]), dec!(0.25));
    assert_eq!(r["bill"]["calibrated"], true);
    // Today's setup on the calibrated traffic: NAT GB = 0.25 x factor = the billed
    // 0.0475553929389 GB; x $0.045 = $0.00213999268225; hours unchanged (1460 h, $65.70).
    let (gb, usd) = today_line(&r, VPC_A, "nat-gateway-data");
    assert_eq!(gb.round_dp(13), dec!(0.0475553929389));
    assert_eq!(usd.round_dp(14), dec!(0.00213999268225));
    assert_eq!(
        today_line(&r, VPC_A, "nat-gateway-hours"),
        (dec!(1460), dec!(65.700))
    );
    // VPC B: 0.00000007450 x 730/720 / 0.0625 = 0.00000120855555...; its NAT GB becomes the
    // billed 0.0000000755347222 GB a month.
    let b = bill_vpc(&r, VPC_B);
    let fb = dec(&b["calibration_factor"]);
    assert_eq!(fb, dec!(0.00000007450) * month / dec!(0.0625));
    assert_eq!(fb.round_dp(14), dec!(0.00000120855556));
    let (gb, _) = today_line(&r, VPC_B, "nat-gateway-data");
    assert_eq!(gb.round_dp(16), dec!(0.0000000755347222));
    // The assumptions state the factors.
    let notes = r["assumptions"]["notes"].to_string();
    assert!(
        notes.contains("--calibrate") && notes.contains("vpc-0aaa0000000000001 x0.190222"),
        "{notes}"
    );
}

#[test]
fn calibrate_spreads_unattributed_nat_gb_over_vpcs_the_bill_does_not_place() {
    // Without the inventory's NAT gateways every billed resource is unattributed: the overall
    // factor is the bill's NAT GB per month over the modelled NAT GB of all VPCs.
    // Billed NAT GB (FOCUS lines 24, 258, 557, 942): 0.04690394920 + 0.00000003730 +
    // 0.00000007450 + 0.00000003730 = 0.04690409830 GB; x 730/720; over 0.25 + 0.0625 GB.
    let dir = tempfile::tempdir().unwrap();
    let logs = fixture("billing/logs");
    let out = dir.path().join("out");
    let o = run(
        dir.path(),
        &[
            "analyze",
            logs.to_str().unwrap(),
            "--bill",
            focus().to_str().unwrap(),
            "--calibrate",
            "--out",
            out.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let expected = dec!(0.04690409830) * (dec!(730) / dec!(720)) / dec!(0.3125);
    for id in [VPC_A, VPC_B] {
        let v = bill_vpc(&r, id);
        assert_eq!(v["calibration_basis"], "overall");
        assert_eq!(dec(&v["calibration_factor"]), expected);
    }
    // The 14 charges unattributed with the inventory, and the 5 it placed in VPC A and B.
    assert_eq!(r["bill"]["unattributed"].as_array().unwrap().len(), 19);
}

#[test]
fn cur_and_focus_give_the_same_billed_figures_csv_gzip_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let from_focus = analyze(dir.path(), &[&focus()], &[]);
    let from_cur = analyze(dir.path(), &[&cur()], &[]);
    assert_eq!(from_cur["bill"]["files"][0]["kind"], "AWS CUR 2.0");
    // 9 rows: the 6 of VPC A and B and one unattributed NAT hour used; EBS, S3 and an instance's
    // transfer in ignored.
    assert_eq!(from_cur["bill"]["rows_used"], 6);
    assert_eq!(from_cur["bill"]["rows_ignored"], 3);
    for id in [VPC_A, VPC_B] {
        let f = bill_vpc(&from_focus, id);
        let c = bill_vpc(&from_cur, id);
        for key in [
            "resources",
            "billed",
            "billed_monthly",
            "nat_data_transfer_gb",
        ] {
            assert_eq!(f[key], c[key], "{id} {key}");
        }
    }
    assert_eq!(
        from_focus["bill"]["window_hours"],
        from_cur["bill"]["window_hours"]
    );

    // The same CUR rows as Parquet (every column a string, as polars writes them here) and the
    // FOCUS rows gzipped give the same figures.
    let parquet = dir.path().join("cur.parquet");
    write_parquet(&cur(), &parquet);
    let from_parquet = analyze(dir.path(), &[&parquet], &[]);
    assert_eq!(from_parquet["bill"]["rows_read"], 9);
    for id in [VPC_A, VPC_B] {
        assert_eq!(
            bill_vpc(&from_cur, id)["billed"],
            bill_vpc(&from_parquet, id)["billed"]
        );
    }
    let gz = dir.path().join("focus.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    std::io::Write::write_all(&mut enc, &std::fs::read(focus()).unwrap()).unwrap();
    enc.finish().unwrap();
    let from_gz = analyze(dir.path(), &[&gz], &[]);
    assert_eq!(from_gz["bill"]["vpcs"], from_focus["bill"]["vpcs"]);
}

/// Writes a CSV's rows as a Parquet file of string columns.
fn write_parquet(csv_path: &Path, out: &Path) {
    use polars::prelude::*;
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    for rec in reader.records() {
        let rec = rec.unwrap();
        for (i, c) in cols.iter_mut().enumerate() {
            c.push(rec.get(i).unwrap_or("").to_string());
        }
    }
    let rows = cols.first().map_or(0, Vec::len);
    let columns: Vec<Column> = header
        .iter()
        .zip(cols)
        .map(|(h, c)| Column::new(h.as_str().into(), c))
        .collect();
    let mut df = DataFrame::new(rows, columns).unwrap();
    ParquetWriter::new(std::fs::File::create(out).unwrap())
        .finish(&mut df)
        .unwrap();
}

#[test]
fn a_file_that_is_not_a_bill_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let logs = fixture("billing/logs");
    let not_a_bill = fixture("billing/logs/flows.log");
    let o = run(
        dir.path(),
        &[
            "analyze",
            logs.to_str().unwrap(),
            "--bill",
            not_a_bill.to_str().unwrap(),
            "--out",
            dir.path().join("out").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("flows.log"), "{err}");
    assert!(
        err.contains("not a bill export: expected a FOCUS 1.0+ export"),
        "{err}"
    );
    assert!(err.contains("AWS CUR 2.0"), "{err}");
    // A used row whose cost is not a number names the file and line.
    let bad = dir.path().join("bad.csv");
    let text_in = std::fs::read_to_string(cur()).unwrap();
    std::fs::write(&bad, text_in.replace(",0.00211067770,", ",lots,")).unwrap();
    let o = run(
        dir.path(),
        &[
            "analyze",
            logs.to_str().unwrap(),
            "--bill",
            bad.to_str().unwrap(),
            "--out",
            dir.path().join("out").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.csv:3: cost `lots` is not a number"),
        "{err}"
    );
}

#[test]
fn calibrate_without_bill_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["analyze", "--calibrate"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--bill"));
}

#[test]
fn report_with_a_bill_validates_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let r = analyze(dir.path(), &[&focus()], &["--calibrate"]);
    assert_eq!(crate::schema::errors_of(&r), Vec::<String>::new());
}

#[test]
fn vpc_endpoint_rows_join_through_describe_vpc_endpoints() {
    // A CUR 2.0 export over exactly 730 hours (2026-11-01T00:00Z to 2026-12-01T10:00Z, so per
    // month = as billed): an interface endpoint in 2 AZs, 1460 endpoint-hours for $14.60 and
    // 100 GB for $1.00, plus a GWLB endpoint's 50 GB ($0.175) and a row on an endpoint the
    // inventory lacks. The inventory adds the two endpoints to VPC B of the fixture.
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv");
    std::fs::create_dir(&inv).unwrap();
    std::fs::write(
        inv.join("vpc-endpoints.json"),
        r#"{"VpcEndpoints": [
            {"VpcEndpointId": "vpce-0e100000000000001", "VpcEndpointType": "Interface",
             "VpcId": "vpc-0bbb0000000000002", "ServiceName": "com.amazonaws.us-east-1.sqs",
             "State": "available", "SubnetIds": ["subnet-0bbb00000000000b1", "subnet-0bbb00000000000b4"],
             "NetworkInterfaceIds": [], "RouteTableIds": []},
            {"VpcEndpointId": "vpce-0e100000000000002", "VpcEndpointType": "GatewayLoadBalancer",
             "VpcId": "vpc-0bbb0000000000002", "ServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0123",
             "State": "available", "SubnetIds": ["subnet-0bbb00000000000b1"],
             "NetworkInterfaceIds": [], "RouteTableIds": []}]}"#,
    )
    .unwrap();
    let bill = dir.path().join("cur.csv");
    std::fs::write(
        &bill,
        "line_item_usage_start_date,line_item_usage_end_date,line_item_usage_type,line_item_operation,line_item_resource_id,line_item_usage_amount,line_item_unblended_cost,pricing_unit,product_region_code,line_item_usage_account_id,line_item_product_code\n\
         2026-11-01T00:00:00Z,2026-12-01T10:00:00Z,VpcEndpoint-Hours,VpcEndpoint,arn:aws:ec2:us-east-1:111122223333:vpc-endpoint/vpce-0e100000000000001,1460,14.60,Hrs,us-east-1,111122223333,AmazonVPC\n\
         2026-11-01T00:00:00Z,2026-12-01T10:00:00Z,VpcEndpoint-Bytes,VpcEndpoint,arn:aws:ec2:us-east-1:111122223333:vpc-endpoint/vpce-0e100000000000001,100,1.00,GB,us-east-1,111122223333,AmazonVPC\n\
         2026-11-01T00:00:00Z,2026-12-01T10:00:00Z,VpcEndpoint-GWLBE-Bytes,VpcEndpoint,vpce-0e100000000000002,50,0.175,GB,us-east-1,111122223333,AmazonVPC\n\
         2026-11-01T00:00:00Z,2026-12-01T10:00:00Z,VpcEndpoint-Hours,VpcEndpoint,vpce-0ffffffffffffffff,730,7.30,Hrs,us-east-1,111122223333,AmazonVPC\n",
    )
    .unwrap();
    // `analyze` passes the fixture's inventory; this adds the endpoints.
    let r = analyze(
        dir.path(),
        &[&bill],
        &["--inventory", inv.to_str().unwrap()],
    );
    assert_eq!(dec(&r["bill"]["month_factor"]), dec!(1));
    let b = bill_vpc(&r, VPC_B);
    assert_eq!(
        b["resources"],
        serde_json::json!(["vpce-0e100000000000001", "vpce-0e100000000000002"])
    );
    // Hours 1460; GB 100 + 50 = 150; $14.60 + $1.00 + $0.175 = $15.775.
    assert_eq!(dec(&b["billed"]["endpoint_hours"]), dec!(1460));
    assert_eq!(dec(&b["billed"]["endpoint_gb"]), dec!(150));
    assert_eq!(dec(&b["billed"]["endpoint_usd"]), dec!(15.775));
    assert_eq!(dec(&b["billed_monthly_usd"]), dec!(15.775));
    let un = r["bill"]["unattributed"].as_array().unwrap();
    assert_eq!(un.len(), 1);
    assert_eq!(un[0]["resource_id"], "vpce-0ffffffffffffffff");
    assert_eq!(un[0]["category"], "endpoint-hours");
}

mod arithmetic {
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use vpce_advisor::bill::{compare, Bill, Category, Figures, LogFacts, Modelled, ResourceUsage};
    use vpce_advisor::inventory::{Inventory, NatGateway};

    const CATEGORIES: [Category; 6] = Category::USED;
    /// nat-a is in vpc-1, nat-b in vpc-2; nat-x and i-y are unknown to the inventory.
    const RESOURCES: [&str; 4] = ["nat-a", "nat-b", "nat-x", "i-y"];

    fn inventory() -> Inventory {
        let mut inv = Inventory::default();
        for (id, vpc) in [("nat-a", "vpc-1"), ("nat-b", "vpc-2")] {
            inv.nat_gateways.insert(
                id.to_string(),
                NatGateway {
                    id: id.to_string(),
                    vpc_id: vpc.to_string(),
                    ..Default::default()
                },
            );
        }
        inv
    }

    proptest! {
        #[test]
        fn every_billed_dollar_lands_once_and_calibration_matches_the_bill(
            rows in prop::collection::vec((0usize..4, 0usize..6, 0i64..10_000_000, 0i64..1_000_000), 1..40),
            hours in 1u64..3000,
            gb in prop::collection::vec(1i64..100_000_000, 3),
        ) {
            let mut bill = Bill {
                window: Some((0, hours * 3600)),
                ..Default::default()
            };
            let mut total = Decimal::ZERO;
            for (r, c, q, usd) in &rows {
                let usd = Decimal::new(*usd, 6);
                total += usd;
                bill.usage.push(ResourceUsage {
                    resource_id: RESOURCES[*r].to_string(),
                    category: CATEGORIES[*c],
                    region: "us-east-1".into(),
                    account: String::new(),
                    quantity: Decimal::new(*q, 6),
                    usd,
                    rows: 1,
                });
            }
            let modelled: Vec<Modelled> = ["vpc-1", "vpc-2", "vpc-3"]
                .iter()
                .zip(&gb)
                .map(|(id, g)| Modelled {
                    vpc_id: id.to_string(),
                    region: "us-east-1".into(),
                    today: Figures { nat_gb: Decimal::new(*g, 3), ..Default::default() },
                })
                .collect();
            let inv = inventory();
            let logs = LogFacts { window: (0, 3600), ..Default::default() };
            let mut check = compare(&bill, Some(&inv), &modelled, &logs);
            // Every dollar is in a VPC's billed figures, its NAT transfer, or unattributed.
            let placed: Decimal = check.vpcs.iter().map(|v| v.billed_usd + v.nat_data_transfer_usd).sum();
            let un: Decimal = check.unattributed.iter().map(|u| u.usd).sum();
            prop_assert_eq!(placed + un, total);
            let month = Decimal::from(730) / Decimal::from(hours);
            for v in &check.vpcs {
                prop_assert_eq!(v.billed_monthly.nat_gb, v.billed.nat_gb * month);
                prop_assert_eq!(v.gap_usd, v.modelled_usd - v.billed_monthly_usd);
            }
            let factors = check.calibrate();
            let tolerance = Decimal::new(1, 18);
            let mut overall_model = Decimal::ZERO;
            for v in &check.vpcs {
                let Some(f) = v.calibration_factor else { continue };
                prop_assert_eq!(factors[&v.vpc_id], f);
                if v.calibration_basis == "vpc" {
                    prop_assert!((f * v.modelled.nat_gb - v.billed_monthly.nat_gb).abs() <= tolerance);
                } else {
                    overall_model += f * v.modelled.nat_gb;
                }
            }
            // VPCs on the overall factor share out exactly the unattributed NAT GB.
            if check.vpcs.iter().any(|v| v.calibration_basis == "overall") {
                let unclaimed: Decimal = check
                    .unattributed
                    .iter()
                    .filter(|u| u.category == Category::NatGb)
                    .map(|u| u.quantity)
                    .sum::<Decimal>()
                    * month;
                prop_assert!((overall_model - unclaimed).abs() <= tolerance);
            }
        }
    }
}
