//! Regression tests for what the fuzz targets in fuzz/ (and reviewing the parsers they cover)
//! found: each input, minimised, either reads or is a counted, located error, never a panic.

use std::path::{Path, PathBuf};

use vpce_advisor::ingest::Ingested;

/// Writes `bytes` as `name` in `dir`.
fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Reads one file as `analyze` does without `--strict`.
fn read(path: PathBuf) -> Ingested {
    crate::ingest::read(vec![path], false).expect("never an error without --strict")
}

#[test]
fn an_ocsf_time_offset_with_a_multibyte_character_is_a_malformed_record() {
    // The offset `+aé1` is four bytes; slicing its first two cut the `é` in half.
    let dir = tempfile::tempdir().unwrap();
    let event = r#"{"class_uid":4001,"start_time_dt":"2022-04-11T20:02:12+aé1","end_time":1649721732000,"src_endpoint":{"ip":"10.0.0.1","port":443},"dst_endpoint":{"ip":"52.216.1.1","port":50000},"traffic":{"bytes":10,"packets":1},"action_id":1,"status_code":"OK"}"#;
    let got = read(file(dir.path(), "ocsf.json", event.as_bytes()));
    let a = &got.accounting;
    assert_eq!((a.records, a.malformed, a.accepted), (1, 1, 0), "{a:?}");
    assert!(got.issues[0].reason.contains("start"), "{:?}", got.issues);
}

#[test]
fn a_price_list_date_with_a_multibyte_character_is_imported_without_a_date() {
    // `publicationDate` was cut at byte 10, inside the `é`.
    let dir = tempfile::tempdir().unwrap();
    let offer = r#"{"product":{"attributes":{"usagetype":"NatGateway-Hours","regionCode":"us-east-1"},"sku":"S"},"terms":{"OnDemand":{"S.T":{"effectiveDate":"2026-11-0é","priceDimensions":{"S.T.D":{"unit":"Hrs","pricePerUnit":{"USD":"0.045"},"beginRange":"0","endRange":"Inf"}}}}},"publicationDate":"2026-11-0é"}"#;
    let doc = serde_json::json!({"FormatVersion": "aws_v1", "PriceList": [offer]});
    let p = file(dir.path(), "p.json", doc.to_string().as_bytes());
    let imported = vpce_advisor::pricing::import::import(&[p]).unwrap();
    assert_eq!(imported.prices.len(), 1);
    assert_eq!(imported.prices[0].as_of, "");
}

#[test]
fn a_schema_2_traffic_csv_whose_records_overflow_is_an_error_naming_the_line() {
    // Two rows of 2^64 - 1 records overflowed the per-file counts (a panic with overflow
    // checks, wrapped totals without).
    let dir = tempfile::tempdir().unwrap();
    let head = "vpc_id,region,az_id,interface_id,direction,remote_addr,bytes,records,window_start,window_end\n";
    let row =
        "vpc-1,eu-west-1,,eni-1,egress,8.8.8.8,1,18446744073709551615,1793491260,1793491320\n";
    let p = file(
        dir.path(),
        "agg.csv",
        format!("{head}{row}{row}").as_bytes(),
    );
    let settings = vpce_advisor::ingest::scan::ScanSettings::for_region("us-east-1");
    let e = vpce_advisor::ingest::traffic_csv::read_aggregate(&p, &settings).unwrap_err();
    let e = e.to_string();
    assert!(e.contains("agg.csv:2: "), "{e}");
    assert!(
        e.contains("records add up to more than 9007199254740992"),
        "{e}"
    );
    // both_public counts some of the row's records, never more.
    let row = "vpc-1,eu-west-1,,eni-1,egress,8.8.8.8,1,2,1793491260,1793491320,3\n";
    let p = file(
        dir.path(),
        "bp.csv",
        format!(
            "{}{row}",
            head.replace("window_end", "window_end,both_public")
        )
        .as_bytes(),
    );
    let e = vpce_advisor::ingest::traffic_csv::read_aggregate(&p, &settings)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("both_public 3 is more than the row's 2 records"),
        "{e}"
    );
}
