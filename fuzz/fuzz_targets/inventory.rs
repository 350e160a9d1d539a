//! The inventory loader: arbitrary bytes as one AWS CLI JSON output (describe-vpcs,
//! describe-network-interfaces, describe-flow-logs...), then the lookups the analysis makes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpce_advisor::inventory::Inventory;

mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("inventory.json", data);
    let Ok(inv) = Inventory::load(&[path]) else {
        return;
    };
    let _ = inv.local_addrs();
    for vpc in inv.vpcs.keys() {
        let _ = inv.nat_gateways_of(vpc);
        let _ = inv.endpoints_of(vpc);
        let _ = inv.vpc_region(vpc);
    }
    for eni in inv.enis.keys() {
        let _ = inv.eni_place(eni);
        let _ = inv.role(eni);
    }
});
