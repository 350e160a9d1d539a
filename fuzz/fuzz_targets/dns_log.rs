//! The DNS reader: arbitrary bytes as a Route 53 Resolver query log, then a lookup.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpce_advisor::dns::{DnsIndex, EndpointServices};

mod common;

fuzz_target!(|data: &[u8]| {
    static SERVICES: std::sync::OnceLock<EndpointServices> = std::sync::OnceLock::new();
    let services = SERVICES.get_or_init(|| EndpointServices::embedded().expect("embedded"));
    let path = common::scratch("resolver.log", data);
    if let Ok(mut index) = DnsIndex::load(&[path], services, 300) {
        let ip = "52.216.0.1".parse().unwrap();
        let _ = index.name("vpc-0123456789abcdef0", ip, Some(0), 1);
        let _ = index.finish();
    }
});
