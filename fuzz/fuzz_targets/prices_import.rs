//! The Price List importer (`prices import`): arbitrary bytes as `aws pricing get-products`
//! output; what is imported is written as a price CSV and read back as a price book.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpce_advisor::pricing::import::{import, to_csv};
use vpce_advisor::pricing::PriceBook;

mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("get-products.json", data);
    if let Ok(imported) = import(&[path]) {
        if let Ok(csv) = to_csv(&imported.prices) {
            let _ = PriceBook::parse(&String::from_utf8_lossy(&csv), "fuzz");
        }
    }
});
