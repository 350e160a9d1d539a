//! The scan-time series: the merged (VPC, region, start hour, class) sums with interner ids in;
//! the same bytes keyed by VPC id and region names out, for [`crate::timeseries`] to reconcile.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::scan::{Interner, SeriesKey};
use crate::traffic::DestClass;

/// Classes in [`DestClass::ALL`] order.
pub const CLASSES: usize = DestClass::ALL.len();

/// Bytes as logged per (VPC id, region), start hour (Unix seconds / 3600) and class index.
pub type RawSeries = BTreeMap<(String, String), BTreeMap<u32, [u64; CLASSES]>>;

/// The merged scan series with interner ids resolved.
pub fn raw_series(interner: &Interner, series: FxHashMap<SeriesKey, u64>) -> RawSeries {
    let mut out = RawSeries::new();
    for (k, v) in series {
        let vpc = (
            interner.name(k.vpc).to_string(),
            interner.name(k.region).to_string(),
        );
        let slot = &mut out.entry(vpc).or_default().entry(k.hour).or_default()
            [usize::from(k.class).min(CLASSES - 1)];
        *slot = slot.saturating_add(v);
    }
    out
}
