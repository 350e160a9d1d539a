//! Header/format detection and the flow-log line parser: arbitrary bytes as a flow-log file
//! (plain or gzip, header or not). An odd first byte makes the next line a `--log-format` string
//! for a headerless file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpce_advisor::ingest::detect::scan_file;
use vpce_advisor::ingest::format::{parse_header, parse_log_format};

mod common;

fuzz_target!(|data: &[u8]| {
    let (log_format, body) = match data.split_first() {
        Some((&flag, rest)) if flag & 1 == 1 => {
            let (first, body) = match memchr_newline(rest) {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &[][..]),
            };
            let text = String::from_utf8_lossy(first);
            let _ = parse_header(&text);
            (parse_log_format(&text).ok(), body)
        }
        _ => (None, data),
    };
    let path = common::scratch("flowlog.log", body);
    let _ = scan_file(&path, &common::settings(log_format));
});

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}
