//! The OCSF JSON reader: arbitrary bytes as OCSF Network Activity events (JSON lines or an
//! array; inputs the reader would not recognise are skipped).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpce_advisor::ingest::detect::scan_file;
use vpce_advisor::ingest::ocsf::is_ocsf;

mod common;

fuzz_target!(|data: &[u8]| {
    if !is_ocsf(data) {
        return;
    }
    let path = common::scratch("ocsf.json", data);
    let _ = scan_file(&path, &common::settings(None));
});
