//! The CloudWatch Logs subscription / Firehose reader: arbitrary bytes as one or several
//! subscription documents back to back (inputs the reader would not recognise are skipped).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpce_advisor::ingest::cloudwatch::is_subscription;
use vpce_advisor::ingest::detect::scan_file;

mod common;

fuzz_target!(|data: &[u8]| {
    if !is_subscription(data) {
        return;
    }
    let path = common::scratch("firehose-object", data);
    let _ = scan_file(&path, &common::settings(None));
});
