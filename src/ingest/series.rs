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

/// Private-class bytes as logged per (VPC id, region, interface) and start hour: added to a
/// [`RawSeries`] by [`add_private`] once the NAT gateways' interfaces are known.
pub type PrivateSeries = BTreeMap<(String, String, String), BTreeMap<u32, u64>>;

/// Index of the private class in a [`RawSeries`] row.
const PRIVATE: usize = DestClass::Private as usize;

/// The merged scan series with interner ids resolved: every class but the private bytes of named
/// interfaces, and those apart.
pub fn raw_series(
    interner: &Interner,
    series: FxHashMap<SeriesKey, u64>,
) -> (RawSeries, PrivateSeries) {
    let (mut out, mut private) = (RawSeries::new(), PrivateSeries::new());
    for (k, v) in series {
        let (vpc, region) = (
            interner.name(k.vpc).to_string(),
            interner.name(k.region).to_string(),
        );
        let class = usize::from(k.class).min(CLASSES - 1);
        let slot = if class == PRIVATE && k.interface != 0 {
            let key = (vpc, region, interner.name(k.interface).to_string());
            private.entry(key).or_default().entry(k.hour).or_default()
        } else {
            &mut out
                .entry((vpc, region))
                .or_default()
                .entry(k.hour)
                .or_default()[class]
        };
        *slot = slot.saturating_add(v);
    }
    (out, private)
}

/// Adds the private bytes of every interface but `nat` ones (a NAT gateway's private hops are
/// its clients' legs: the vantage step counts them on the public leg, so the series leaves them
/// out too).
pub fn add_private(
    series: &mut RawSeries,
    private: &PrivateSeries,
    nat: &std::collections::BTreeSet<String>,
) {
    for ((vpc, region, interface), hours) in private {
        if nat.contains(interface) {
            continue;
        }
        let rows = series.entry((vpc.clone(), region.clone())).or_default();
        for (&hour, &bytes) in hours {
            let slot = &mut rows.entry(hour).or_default()[PRIVATE];
            *slot = slot.saturating_add(bytes);
        }
    }
}
