//! The traffic CSV reader: arbitrary bytes as a traffic CSV, schema 1 (classified rows) or
//! schema 2 (an engine's aggregate, read into the flow-log aggregate).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpce_advisor::ingest::traffic_csv;

mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("traffic.csv", data);
    match traffic_csv::is_aggregate(&path) {
        Ok(true) => {
            let _ = traffic_csv::read_aggregate(&path, &common::settings(None));
        }
        Ok(false) => {
            if let Ok(csv) = traffic_csv::read(&path, &common::ip_ranges()) {
                // What was read must write back out.
                if let Some(bounds) = csv.window {
                    let _ =
                        traffic_csv::write(&csv.rows, vpce_advisor::traffic::Window::new(bounds));
                }
            }
        }
        Err(_) => {}
    }
});
