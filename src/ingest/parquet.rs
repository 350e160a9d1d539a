//! Parquet flow logs (AWS's Parquet delivery: underscore column names such as
//! `pkt_dst_aws_service`, typed INT32/INT64/STRING columns) in; the same records as the text
//! scanner sees, fed through it, out. Only the columns the analysis reads are loaded.

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
