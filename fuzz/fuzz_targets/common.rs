//! Shared by the fuzz targets: the parsers read files, so each input is written to a file of
//! this process's own (in /dev/shm when there is one) and the reader is given its path.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use vpce_advisor::classify::IpRanges;
use vpce_advisor::ingest::format::RecordFormat;
use vpce_advisor::ingest::scan::ScanSettings;

/// Writes `data` to this process's scratch file named `name` and returns its path.
pub fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("vpce-fuzz-{}-{name}", std::process::id()));
    std::fs::write(&path, data).expect("scratch file");
    path
}

/// The embedded ip-ranges table, parsed once.
pub fn ip_ranges() -> Arc<IpRanges> {
    static TABLE: OnceLock<Arc<IpRanges>> = OnceLock::new();
    TABLE
        .get_or_init(|| Arc::new(IpRanges::embedded().expect("embedded ip-ranges")))
        .clone()
}

/// Lenient scan settings (malformed lines counted, not fatal), with classification on.
pub fn settings(log_format: Option<RecordFormat>) -> ScanSettings {
    ScanSettings {
        region: "us-east-1".to_string(),
        strict: false,
        log_format,
        progress: None,
        pipeline: false,
        local: None,
        hourly: true,
        classes: Some(ip_ranges()),
        spill: Default::default(),
    }
}
