//! Bill files in (FOCUS 1.0+ or AWS CUR 2.0; CSV, gzip CSV or Parquet, told apart by their
//! bytes and header); each row's fields, in one order whatever the export, out to a visitor.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};

/// The fields a bill row is read for, in [`Fields`] order.
pub const RESOURCE: usize = 0;
pub const USAGE_TYPE: usize = 1;
pub const OPERATION: usize = 2;
pub const DESCRIPTION: usize = 3;
pub const UNIT: usize = 4;
pub const QUANTITY: usize = 5;
pub const COST: usize = 6;
pub const START: usize = 7;
pub const END: usize = 8;
pub const REGION: usize = 9;
pub const ACCOUNT: usize = 10;
pub const SERVICE: usize = 11;
const FIELDS: usize = 12;

/// One row's fields (empty when the export lacks the column or the cell is empty).
pub type Fields<'a> = [&'a str; FIELDS];

/// The kind of export, recognised by its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Focus,
    Cur2,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Focus => "FOCUS",
            Kind::Cur2 => "AWS CUR 2.0",
        }
    }

    /// Candidate column names per field, first present wins (matched case-insensitively).
    fn columns(self) -> [&'static [&'static str]; FIELDS] {
        match self {
            Kind::Focus => [
                &["ResourceId"],
                &["x_UsageType"],
                &["x_Operation"],
                &["ChargeDescription"],
                &["PricingUnit", "ConsumedUnit"],
                &["PricingQuantity", "ConsumedQuantity"],
                &["BilledCost", "EffectiveCost", "ListCost"],
                &["ChargePeriodStart"],
                &["ChargePeriodEnd"],
                &["RegionId"],
                &["SubAccountId"],
                &["ServiceName"],
            ],
            Kind::Cur2 => [
                &["line_item_resource_id"],
                &["line_item_usage_type"],
                &["line_item_operation"],
                &["line_item_line_item_description"],
                &["pricing_unit"],
                &["line_item_usage_amount"],
                &["line_item_unblended_cost"],
                &["line_item_usage_start_date"],
                &["line_item_usage_end_date"],
                &["product_region_code", "product_region"],
                &["line_item_usage_account_id"],
                &["line_item_product_code"],
            ],
        }
    }

    /// The export whose required columns `header` has.
    fn detect(header: &[String]) -> Option<Kind> {
        let has = |n: &str| header.iter().any(|h| h.eq_ignore_ascii_case(n));
        if has("ChargePeriodStart")
            && has("ResourceId")
            && (has("BilledCost") || has("EffectiveCost") || has("ListCost"))
        {
            Some(Kind::Focus)
        } else if has("line_item_usage_type")
            && has("line_item_resource_id")
            && has("line_item_unblended_cost")
        {
            Some(Kind::Cur2)
        } else {
            None
        }
    }

    /// Column index per field in `header`.
    fn indices(self, header: &[String]) -> [Option<usize>; FIELDS] {
        self.columns().map(|names| {
            names
                .iter()
                .find_map(|n| header.iter().position(|h| h.eq_ignore_ascii_case(n)))
        })
    }
}

/// What a bill file is expected to hold, for the error on a file that is neither.
pub const EXPECTED: &str = "expected a FOCUS 1.0+ export (columns ResourceId, ChargePeriodStart, BilledCost, ChargeDescription, PricingUnit, PricingQuantity...) or an AWS CUR 2.0 export (columns line_item_resource_id, line_item_usage_type, line_item_unblended_cost, line_item_usage_amount...), as CSV, gzip CSV or Parquet";

fn not_a_bill(path: &Path, header: &[String]) -> Error {
    let mut shown: Vec<&str> = header.iter().take(8).map(String::as_str).collect();
    if header.len() > 8 {
        shown.push("...");
    }
    Error::Format {
        path: path.to_path_buf(),
        reason: format!(
            "not a bill export: {EXPECTED}; its first line has {}",
            if header.is_empty() {
                "no columns".to_string()
            } else {
                format!("columns {}", shown.join(", "))
            }
        ),
    }
}

/// Reads `path` and calls `visit(fields, line)` for each data row (line 1 is the header of a
/// CSV; Parquet rows are numbered from 1). Returns the export's kind.
pub fn read(path: &Path, mut visit: impl FnMut(&Fields<'_>, u64) -> Result<()>) -> Result<Kind> {
    let mut file = File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    drop(file);
    if n == 4 && &magic == b"PAR1" {
        return read_parquet(path, visit);
    }
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let input: Box<dyn Read> = if n >= 2 && magic[..2] == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let csv_err = |e: csv::Error, line: u64| match e.kind() {
        csv::ErrorKind::Io(_) => Error::Format {
            path: path.to_path_buf(),
            reason: format!("cannot read (corrupt gzip or I/O error): {e}"),
        },
        _ => Error::Malformed {
            path: path.to_path_buf(),
            line,
            reason: e.to_string(),
        },
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_err(e, 1))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let kind = Kind::detect(&header).ok_or_else(|| not_a_bill(path, &header))?;
    let idx = kind.indices(&header);
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(e, line + 1)),
        }
        line = record.position().map_or(line + 1, |p| p.line());
        let fields: Fields<'_> = idx.map(|i| cell(i.and_then(|i| record.get(i))));
        visit(&fields, line)?;
    }
    Ok(kind)
}

fn read_parquet(
    path: &Path,
    mut visit: impl FnMut(&Fields<'_>, u64) -> Result<()>,
) -> Result<Kind> {
    let perr = |e: PolarsError| Error::Format {
        path: path.to_path_buf(),
        reason: format!("unreadable Parquet file: {e}"),
    };
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = ParquetReader::new(file);
    let schema = reader.schema().map_err(perr)?;
    let header: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let kind = Kind::detect(&header).ok_or_else(|| not_a_bill(path, &header))?;
    let idx = kind.indices(&header);
    let mut columns: Vec<String> = idx.iter().flatten().map(|&i| header[i].clone()).collect();
    columns.sort();
    columns.dedup();
    let df = reader
        .with_columns(Some(columns.clone()))
        .finish()
        .map_err(perr)?;
    let strings: Vec<Option<Column>> = idx
        .iter()
        .map(|i| match i {
            Some(i) => df
                .column(&header[*i])
                .and_then(|c| c.cast(&DataType::String))
                .map(Some),
            None => Ok(None),
        })
        .collect::<PolarsResult<_>>()
        .map_err(perr)?;
    let chunked: Vec<Option<&StringChunked>> = strings
        .iter()
        .map(|c| c.as_ref().map(|c| c.str()).transpose())
        .collect::<PolarsResult<_>>()
        .map_err(perr)?;
    for row in 0..df.height() {
        let mut fields: Fields<'_> = [""; FIELDS];
        for (f, col) in fields.iter_mut().zip(&chunked) {
            *f = cell(col.and_then(|c| c.get(row)));
        }
        visit(&fields, row as u64 + 1)?;
    }
    Ok(kind)
}

/// A cell's text: trimmed, empty for a missing cell or a database export's `NULL`.
fn cell(text: Option<&str>) -> &str {
    match text.map(str::trim) {
        Some("NULL") | None => "",
        Some(t) => t,
    }
}

/// Unix seconds of a bill timestamp: `2024-09-23 19:00:00`, `2024-09-23T19:00:00Z`,
/// `2024-09-23T19:00:00.000+00:00` (UTC; fractions and a zero offset ignored).
pub fn parse_time(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 24 || mi > 59 || s > 60 {
        return None;
    }
    let rest = text[19..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    if !matches!(rest.trim(), "" | "Z" | "+00:00" | "UTC" | "+0000") {
        return None;
    }
    let days = crate::units::days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + s;
    u64::try_from(secs).ok()
}
