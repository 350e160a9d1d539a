//! Comma-separated flow logs in (what Athena's `SELECT *` result, a Glue job or a spreadsheet
//! export writes: a header of AWS field names, hyphenated or snake_case, any case, in any order,
//! values optionally quoted, empty for NULL; or, without a header, the columns of `--log-format`
//! or the default format, after a timestamp column or not); each row handed to the scanner as a
//! record out.

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

/// Lines of a file's first bytes that [`headerless`] judges by.
const HEADLESS_SAMPLE_LINES: usize = 16;

/// The record format of comma-separated records without a header line (a spreadsheet's or a
/// console's export of the records as they were logged), when the first lines of `head` are
/// such: no spaces, and most of them split by commas into the columns of `base` (`--log-format`,
/// else the default format), or into those after one timestamp column (a CloudWatch Logs
/// export's ingestion time: `2025-01-03T16:39:33.000Z,2,123456789012,eni-...`). Lines that do
/// not fit are malformed records when read.
pub(super) fn headerless(head: &[u8], base: &RecordFormat) -> Option<RecordFormat> {
    // Whole lines only: the last of `head` may be cut short.
    let whole = &head[..head.iter().rposition(|&b| b == b'\n')?];
    let lines: Vec<&[u8]> = whole
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.trim_ascii().is_empty())
        .take(HEADLESS_SAMPLE_LINES)
        .collect();
    if lines.is_empty()
        || lines
            .iter()
            .any(|l| !l.contains(&b',') || l.contains(&b' '))
    {
        return None;
    }
    let columns = |l: &&[u8]| l.iter().filter(|&&b| b == b',').count() + 1;
    let timestamped = |l: &&[u8]| {
        let first = l.split(|&b| b == b',').next().unwrap_or_default();
        first.len() >= 19
            && first[..4].iter().all(u8::is_ascii_digit)
            && first[4] == b'-'
            && first[10] == b'T'
    };
    let n = base.field_count;
    let plain = lines.iter().filter(|l| columns(l) == n).count();
    let after_time = lines
        .iter()
        .filter(|l| columns(l) == n + 1 && timestamped(l))
        .count();
    let most = lines.len() / 2 + 1;
    if plain >= most {
        Some(base.clone())
    } else if after_time >= most {
        let names = std::iter::once("timestamp").chain(base.description.split(' '));
        Some(RecordFormat::from_names(names))
    } else {
        None
    }
}

/// Reads every row of `reader` (its header line first when `header`) into `scanner`. A row
/// longer than [`MAX_LINE_BYTES`] (cut out by `reader`) is a malformed record.
pub(super) fn scan(
    scanner: &mut Scanner<'_>,
    reader: CappedRecords<impl Read>,
    format: RecordFormat,
    header: bool,
    compression: &str,
    err: &dyn Fn(std::io::Error) -> Error,
) -> Result<()> {
    let columns = format.field_count;
    let detected = if header {
        format!("{compression}, comma-separated flow logs with a header ({columns} columns)")
    } else {
        format!(
            "{compression}, comma-separated flow logs without a header ({columns} columns: {})",
            format.description
        )
    };
    scanner.set_known_format(format, detected);
    if header {
        scanner.out.accounting.header_lines += 1;
        scanner.out.accounting.lines += 1;
    }
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(header)
        .flexible(true)
        .from_reader(reader);
    let mut row = csv::ByteRecord::new();
    let mut line_no = u64::from(header);
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

    const V2_ROW: &str =
        "2,123456789010,eni-1,10.0.0.1,52.95.128.179,443,5000,6,10,1000,1700000000,1700000060,ACCEPT,OK";

    fn rows(lines: &[&str]) -> Vec<u8> {
        lines
            .iter()
            .flat_map(|l| format!("{l}\n").into_bytes())
            .collect()
    }

    #[test]
    fn headerless_rows_in_the_base_format_or_after_a_timestamp() {
        let v2 = RecordFormat::default_v2();
        let plain = headerless(&rows(&[V2_ROW, V2_ROW]), &v2).unwrap();
        assert_eq!(plain, v2);
        let stamped = format!("2025-01-03T16:39:33.000Z,{V2_ROW}");
        // A stray first line is outvoted by the records after it.
        let f = headerless(&rows(&["w,,,,w,,w,,,,,,,,w", &stamped, &stamped]), &v2).unwrap();
        assert_eq!(f.field_count, 15);
        assert_eq!(f.index(Field::SrcAddr), Some(4));
        assert_eq!(f.index(Field::InterfaceId), Some(3));
        // --log-format's columns.
        let custom =
            crate::ingest::format::parse_log_format("${srcaddr} ${dstaddr} ${bytes}").unwrap();
        assert_eq!(
            headerless(&rows(&["10.0.0.1,52.95.128.179,1000"]), &custom),
            Some(custom.clone())
        );
        assert!(headerless(&rows(&[V2_ROW]), &custom).is_none());
    }

    #[test]
    fn headerless_leaves_other_text_alone() {
        let v2 = RecordFormat::default_v2();
        let spaced = V2_ROW.replace(',', " ");
        assert!(
            headerless(&rows(&[&spaced]), &v2).is_none(),
            "space-separated"
        );
        assert!(
            headerless(&rows(&["a,b,c", "d,e,f"]), &v2).is_none(),
            "other columns"
        );
        let half = rows(&[V2_ROW, "x,y", "x,y"]);
        assert!(headerless(&half, &v2).is_none(), "most lines must fit");
        // A timestamp column is a timestamp: not any 15th column.
        let extra = format!("abc,{V2_ROW}");
        assert!(headerless(&rows(&[&extra]), &v2).is_none());
        // Only whole lines count: a cut last line is left out.
        let mut cut = rows(&[V2_ROW]);
        cut.extend_from_slice(b"2,1234");
        assert_eq!(headerless(&cut, &v2), Some(v2.clone()));
        assert!(
            headerless(V2_ROW.as_bytes(), &v2).is_none(),
            "no whole line"
        );
    }
}
