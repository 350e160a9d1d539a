//! Comma-separated flow logs in (what Athena's `SELECT *` result, a Glue job or a spreadsheet
//! export writes: a header of AWS field names, hyphenated or snake_case, any case, in any order,
//! values optionally quoted, empty for NULL); each row handed to the scanner as a record out.

use std::io::Read;

use super::format::{RecordFormat, KNOWN_FIELD_NAMES, MAX_FIELDS};
use super::scan::{Scanner, MAX_LINE_BYTES};
use crate::bounded::CappedRecords;
use crate::error::{Error, Result};

/// A field name as the flow-log format spells it: `Pkt_SrcAddr` -> `pkt-srcaddr`.
fn normalise(name: &str) -> String {
    name.trim()
        .trim_matches('"')
        .trim()
        .to_ascii_lowercase()
        .replace('_', "-")
}

/// The record format of a comma-separated header line, when the first line of `head` is one: at
/// least two known flow-log field names, and a source and a destination address.
pub(super) fn header(head: &[u8]) -> Option<RecordFormat> {
    let first = head.split(|&b| b == b'\n').next()?;
    let first = std::str::from_utf8(first).ok()?.trim_end_matches('\r');
    if !first.contains(',') {
        return None;
    }
    let names: Vec<String> = first.split(',').map(normalise).collect();
    let known = names
        .iter()
        .filter(|n| KNOWN_FIELD_NAMES.contains(&n.as_str()))
        .count();
    if known < 2 || names.len() > MAX_FIELDS {
        return None;
    }
    let format = RecordFormat::from_names(names.iter().map(String::as_str));
    format.unusable_reason().is_none().then_some(format)
}

/// Reads every row of `reader` (its header line first) into `scanner`. A row longer than
/// [`MAX_LINE_BYTES`] (cut out by `reader`) is a malformed record.
pub(super) fn scan(
    scanner: &mut Scanner<'_>,
    reader: CappedRecords<impl Read>,
    format: RecordFormat,
    compression: &str,
    err: &dyn Fn(std::io::Error) -> Error,
) -> Result<()> {
    let columns = format.field_count;
    scanner.set_known_format(
        format,
        format!("{compression}, comma-separated flow logs with a header ({columns} columns)"),
    );
    scanner.out.accounting.header_lines += 1;
    scanner.out.accounting.lines += 1;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(reader);
    let mut row = csv::ByteRecord::new();
    let mut line_no = 1u64;
    loop {
        match csv.read_byte_record(&mut row) {
            Ok(false) => {
                too_long(scanner, csv.get_mut().take_cut_before(u64::MAX))?;
                break;
            }
            Ok(true) => {}
            Err(e) => match e.into_kind() {
                csv::ErrorKind::Io(io) => return Err(err(io)),
                other => {
                    // A row the CSV parser cannot split (e.g. an unterminated quote): stop here.
                    return Err(Error::Format {
                        path: scanner.path().to_path_buf(),
                        reason: format!(
                            "line {}: not comma-separated values: {other:?}",
                            line_no + 1
                        ),
                    });
                }
            },
        }
        line_no = row.position().map_or(line_no + 1, |p| p.line());
        too_long(scanner, csv.get_mut().take_cut_before(line_no))?;
        scanner.out.accounting.lines += 1;
        if row.iter().all(|f| f.trim_ascii().is_empty()) {
            scanner.out.accounting.blank_lines += 1;
            continue;
        }
        let fields: Vec<&[u8]> = row
            .iter()
            .take(MAX_FIELDS)
            .map(|f| {
                let f = f.trim_ascii();
                if f.is_empty() {
                    &b"-"[..]
                } else {
                    f
                }
            })
            .collect();
        let total = row.len();
        scanner.data(&fields, total, line_no)?;
    }
    Ok(())
}

/// Counts the rows cut for their length (starting on `lines`) as malformed records.
fn too_long(scanner: &mut Scanner<'_>, lines: Vec<u64>) -> Result<()> {
    for line in lines {
        scanner.out.accounting.lines += 1;
        scanner.out.accounting.records += 1;
        scanner.malformed(line, format!("line longer than {MAX_LINE_BYTES} bytes"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::format::Field;

    #[test]
    fn headers_in_any_spelling() {
        let f = header(b"\"Account_Id\",\"srcaddr\",\"DSTADDR\",\"bytes\",\"pkt_srcaddr\"\n1,2")
            .unwrap();
        assert_eq!(f.index(Field::DstAddr), Some(2));
        assert_eq!(f.index(Field::PktSrcAddr), Some(4));
        assert!(header(b"version account-id srcaddr dstaddr\n").is_none());
        assert!(header(b"a,b,c\n").is_none());
        assert!(header(b"account_id,bytes\n").is_none(), "no addresses");
    }
}
