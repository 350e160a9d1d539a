//! Parquet flow logs (AWS's Parquet delivery: underscore column names such as
//! `pkt_dst_aws_service`, typed INT32/INT64/STRING columns; or Amazon Security Lake's OCSF 1.1
//! Network Activity rows with nested structs) in; the same records as the text scanner sees,
//! fed through it, out. Only the columns the analysis reads are loaded; OCSF files are read
//! [`OCSF_BATCH_ROWS`] rows at a time.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use super::format::{RecordFormat, KNOWN_FIELD_NAMES, MAX_FIELDS};
use super::scan::Scanner;
use crate::error::{Error, Result};

/// Reads a Parquet file's rows into `scanner`.
pub(super) fn scan(path: &Path, scanner: &mut Scanner<'_>) -> Result<()> {
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    scan_reader(path, file, scanner)
}

/// [`scan`] from an open file or bytes in memory (an S3 object); `path` names it in errors.
pub(super) fn scan_reader<R: polars::io::mmap::MmapBytesReader>(
    path: &Path,
    file: R,
    scanner: &mut Scanner<'_>,
) -> Result<()> {
    let perr = |e: PolarsError| Error::Format {
        path: path.to_path_buf(),
        reason: format!("unreadable Parquet file: {e}"),
    };
    let mut reader = ParquetReader::new(file);
    let schema = reader.schema().map_err(perr)?;
    if schema.contains("class_uid") && schema.contains("src_endpoint") {
        return scan_ocsf(path, reader, scanner);
    }
    // Keep the columns that are flow-log fields (underscores or hyphens), in file order.
    let mut columns = Vec::new();
    let mut names = Vec::new();
    for name in schema.iter_names() {
        let hyphen = name.replace('_', "-");
        if KNOWN_FIELD_NAMES.contains(&hyphen.as_str()) && names.len() < MAX_FIELDS {
            columns.push(name.to_string());
            names.push(hyphen);
        }
    }
    let format = RecordFormat::from_names(names.iter().map(String::as_str));
    if let Some(reason) = format.unusable_reason() {
        return Err(Error::Format {
            path: path.to_path_buf(),
            reason: format!("Parquet columns: {reason}"),
        });
    }
    let df = reader
        .with_columns(Some(columns.clone()))
        .finish()
        .map_err(perr)?;
    let strings: Vec<Column> = columns
        .iter()
        .map(|c| df.column(c).and_then(|col| col.cast(&DataType::String)))
        .collect::<PolarsResult<_>>()
        .map_err(perr)?;
    let chunked: Vec<&StringChunked> = strings
        .iter()
        .map(|c| c.str())
        .collect::<PolarsResult<_>>()
        .map_err(perr)?;
    let rows = df.height();
    scanner.set_known_format(
        format,
        format!("Parquet, {} flow-log columns, {rows} rows", columns.len()),
    );
    scanner.add_lines(rows as u64);
    let mut fields: Vec<&[u8]> = vec![b"-"; chunked.len()];
    for row in 0..rows {
        for (i, col) in chunked.iter().enumerate() {
            fields[i] = col.get(row).map(str::as_bytes).unwrap_or(b"-");
        }
        scanner.data(&fields, fields.len(), row as u64 + 1)?;
    }
    Ok(())
}

/// The top-level OCSF columns the mapping reads (ingest/ocsf.rs); the others are not loaded.
const OCSF_COLUMNS: [&str; 13] = [
    "class_uid",
    "action_id",
    "disposition_id",
    "status_code",
    "start_time",
    "end_time",
    "start_time_dt",
    "end_time_dt",
    "connection_info",
    "src_endpoint",
    "dst_endpoint",
    "traffic",
    "cloud",
];

/// Rows of a Security Lake file held in memory at once.
pub const OCSF_BATCH_ROWS: usize = 65_536;

/// Reads a Security Lake OCSF Parquet file: each row becomes the event's JSON shape (structs as
/// objects, lists as arrays, timestamps as ISO strings) and goes through the OCSF JSON mapping.
fn scan_ocsf<R: polars::io::mmap::MmapBytesReader>(
    path: &Path,
    mut reader: ParquetReader<R>,
    scanner: &mut Scanner<'_>,
) -> Result<()> {
    let perr = |e: PolarsError| Error::Format {
        path: path.to_path_buf(),
        reason: format!("unreadable OCSF Parquet file: {e}"),
    };
    let schema = reader.schema().map_err(perr)?;
    let columns: Vec<String> = OCSF_COLUMNS
        .iter()
        .filter(|c| schema.contains(c))
        .map(|c| c.to_string())
        .collect();
    let rows = reader.num_rows().map_err(perr)?;
    super::ocsf::begin(
        scanner,
        format!("Security Lake OCSF Network Activity Parquet, {rows} rows"),
    );
    let mut done = 0usize;
    while done < rows {
        let file = File::open(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let df = ParquetReader::new(file)
            .with_columns(Some(columns.clone()))
            .with_slice(Some((done, OCSF_BATCH_ROWS)))
            .finish()
            .map_err(perr)?;
        if df.height() == 0 {
            break;
        }
        let series: Vec<(String, Series)> = df
            .columns()
            .iter()
            .map(|c| (c.name().to_string(), c.as_materialized_series().clone()))
            .collect();
        for row in 0..df.height() {
            let mut event = serde_json::Map::new();
            for (name, s) in &series {
                event.insert(name.clone(), cell(s, row).map_err(perr)?);
            }
            super::ocsf::event(
                scanner,
                &serde_json::Value::Object(event),
                (done + row) as u64 + 1,
            )?;
        }
        done += df.height();
    }
    Ok(())
}

/// One cell as JSON: structs as objects (recursively), lists as arrays, timestamps as ISO UTC.
fn cell(s: &Series, row: usize) -> PolarsResult<serde_json::Value> {
    use serde_json::Value;
    if let DataType::Struct(_) = s.dtype() {
        if matches!(s.get(row)?, AnyValue::Null) {
            return Ok(Value::Null);
        }
        let st = s.struct_()?;
        let mut map = serde_json::Map::new();
        for field in st.fields_as_series() {
            map.insert(field.name().to_string(), cell(&field, row)?);
        }
        return Ok(Value::Object(map));
    }
    Ok(any_value(s.get(row)?))
}

fn any_value(v: AnyValue<'_>) -> serde_json::Value {
    use serde_json::Value;
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::String(t) => Value::String(t.to_string()),
        AnyValue::StringOwned(t) => Value::String(t.to_string()),
        AnyValue::Datetime(t, unit, _) | AnyValue::DatetimeOwned(t, unit, _) => {
            let per_second = match unit {
                TimeUnit::Milliseconds => 1_000,
                TimeUnit::Microseconds => 1_000_000,
                TimeUnit::Nanoseconds => 1_000_000_000,
            };
            match u64::try_from(t.div_euclid(per_second)) {
                Ok(secs) => Value::String(crate::text::iso_utc(secs)),
                Err(_) => Value::Null,
            }
        }
        AnyValue::List(items) => Value::Array(
            (0..items.len())
                .map(|i| items.get(i).map(any_value).unwrap_or(Value::Null))
                .collect(),
        ),
        AnyValue::Float32(f) => serde_json::Number::from_f64(f64::from(f))
            .map(Value::Number)
            .unwrap_or(Value::Null),
        AnyValue::Float64(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        other => match other.extract::<i64>() {
            Some(n) => Value::from(n),
            None => match other.extract::<u64>() {
                Some(n) => Value::from(n),
                None => Value::String(other.to_string()),
            },
        },
    }
}
