//! A file's flows summed by key: a hash table that is told each key a few records before it
//! sums it, so that the slot the key lands in is fetched from memory while the next records are
//! parsed (with hundreds of thousands of distinct flows per file the table outgrows the CPU's
//! caches, and a lookup that waits for memory was the largest single cost of a scan).

use std::collections::VecDeque;

use super::flow::{Direction, FlowKey, FlowSums, RemoteId};

/// Keys told but not yet summed: the slot of the oldest has had this many records' parsing to
/// arrive in the cache.
const LAG: usize = 4;

/// Fewest slots of a table that holds anything.
const MIN_SLOTS: usize = 1024;

/// An empty slot's contents (never read: the control byte says the slot is empty).
const VACANT: (FlowKey, FlowSums) = (
    FlowKey {
        ctx: 0,
        remote: RemoteId(0),
        hour: 0,
        direction: Direction::Egress,
    },
    FlowSums {
        bytes: 0,
        packets: 0,
        records: 0,
    },
);

/// Memory of one flow in a full [`FlowMap`]: a 40-byte slot and its control byte, at most 3/4
/// of the slots in use (the aggregate's tables hold more: `scan::BYTES_PER_FLOW`).
pub const BYTES_PER_FLOW: u64 = 55;

/// Flows summed by key (open addressing, linear probing, at most 3/4 full). Sums are added with
/// saturation, so the order in which keys are summed does not change a total.
#[derive(Debug, Default)]
pub struct FlowMap {
    /// One byte per slot: 0 when empty, else 0x80 and seven bits of the key's hash.
    ctrl: Vec<u8>,
    slots: Vec<(FlowKey, FlowSums)>,
    /// Slots in use.
    used: usize,
    /// Keys told and not yet summed, oldest first, with their hashes.
    lag: VecDeque<(FlowKey, FlowSums, u64)>,
}

/// The key's hash: its 13 meaningful bytes mixed (MurmurHash3's finaliser) so that the low bits
/// (the slot) and the top seven (the control byte) both depend on every field.
fn hash(k: &FlowKey) -> u64 {
    let a = u64::from(k.ctx) | u64::from(k.remote.0) << 32;
    let b = u64::from(k.hour) | (k.direction as u64) << 32;
    let mut h = a ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(31);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Asks the CPU to bring the cache line holding `p` in (a hint: no effect on results).
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

impl FlowMap {
    /// Adds `sums` to `key`'s flow (summed a few calls later; see the module doc).
    #[inline]
    pub fn add(&mut self, key: FlowKey, sums: FlowSums) {
        let h = hash(&key);
        if !self.slots.is_empty() {
            let i = h as usize & (self.slots.len() - 1);
            prefetch(&self.ctrl[i]);
            let slot: *const (FlowKey, FlowSums) = &self.slots[i];
            prefetch(slot);
            // A 40-byte slot may end in the next line, and probing goes on there.
            prefetch(slot.cast::<u8>().wrapping_add(64));
        }
        if self.lag.len() == LAG {
            let (k, s, h) = self.lag.pop_front().expect("LAG > 0");
            self.place(k, s, h);
        }
        self.lag.push_back((key, sums, h));
    }

    /// Sums the keys still waiting.
    pub fn flush(&mut self) {
        while let Some((k, s, h)) = self.lag.pop_front() {
            self.place(k, s, h);
        }
    }

    /// Distinct flows (before [`FlowMap::flush`], the keys still waiting count as new ones).
    pub fn len(&self) -> usize {
        self.used + self.lag.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Flows the map holds before it grows (memory: [`BYTES_PER_FLOW`] each).
    pub fn capacity(&self) -> usize {
        self.slots.len() / 4 * 3
    }

    /// Every flow, once; the map is empty afterwards and keeps its slots.
    pub fn drain(&mut self) -> Drain<'_> {
        self.flush();
        Drain { map: self, at: 0 }
    }

    fn place(&mut self, key: FlowKey, sums: FlowSums, h: u64) {
        if (self.used + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let tag = 0x80 | (h >> 57) as u8;
        let mut i = h as usize & mask;
        loop {
            let c = self.ctrl[i];
            if c == 0 {
                self.ctrl[i] = tag;
                self.slots[i] = (key, sums);
                self.used += 1;
                return;
            }
            if c == tag && self.slots[i].0 == key {
                self.slots[i].1.add(&sums);
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Doubles the slots and places every flow again.
    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(MIN_SLOTS);
        let ctrl = std::mem::replace(&mut self.ctrl, vec![0; n]);
        let slots = std::mem::replace(&mut self.slots, vec![VACANT; n]);
        self.used = 0;
        for (c, (k, s)) in ctrl.into_iter().zip(slots) {
            if c != 0 {
                self.place(k, s, hash(&k));
            }
        }
    }
}

/// The flows of a [`FlowMap`], emptying it (see [`FlowMap::drain`]).
pub struct Drain<'a> {
    map: &'a mut FlowMap,
    at: usize,
}

impl Iterator for Drain<'_> {
    type Item = (FlowKey, FlowSums);

    fn next(&mut self) -> Option<Self::Item> {
        let found = self.map.ctrl[self.at..].iter().position(|&c| c != 0)?;
        let i = self.at + found;
        self.at = i + 1;
        Some(self.map.slots[i])
    }
}

impl Drop for Drain<'_> {
    fn drop(&mut self) {
        self.map.ctrl.fill(0);
        self.map.used = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn key(ctx: u32, remote: u32, hour: u32, ingress: bool) -> FlowKey {
        FlowKey {
            ctx,
            remote: RemoteId(remote),
            hour,
            direction: if ingress {
                Direction::Ingress
            } else {
                Direction::Egress
            },
        }
    }

    proptest! {
        /// The map sums as a standard hash map does, through growth, lagging keys and drains.
        #[test]
        fn sums_as_a_hash_map_does(
            adds in proptest::collection::vec(
                ((0u32..4, 0u32..3000, 0u32..3, any::<bool>()), 0u64..u64::MAX / 2), 0..6000),
            drain_at in 0usize..6000,
        ) {
            let mut map = FlowMap::default();
            let mut want: HashMap<FlowKey, FlowSums> = HashMap::new();
            let mut got: HashMap<FlowKey, FlowSums> = HashMap::new();
            for (n, ((c, r, h, d), b)) in adds.iter().enumerate() {
                if n == drain_at {
                    // A drain in the middle (a file's flows staged), then summing goes on.
                    for (k, s) in map.drain() {
                        got.entry(k).or_default().add(&s);
                    }
                    prop_assert!(map.is_empty());
                }
                let sums = FlowSums { bytes: *b, packets: 1, records: 1 };
                map.add(key(*c, *r, *h, *d), sums);
                want.entry(key(*c, *r, *h, *d)).or_default().add(&sums);
            }
            map.flush();
            let distinct = map.len();
            let mut drained = 0;
            for (k, s) in map.drain() {
                drained += 1;
                got.entry(k).or_default().add(&s);
            }
            prop_assert_eq!(drained, distinct);
            prop_assert!(map.is_empty());
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn a_key_told_twice_is_one_flow_and_drains_keep_the_slots() {
        let mut map = FlowMap::default();
        for _ in 0..3 {
            map.add(
                key(1, 2, 3, false),
                FlowSums {
                    bytes: 5,
                    packets: 1,
                    records: 1,
                },
            );
        }
        map.add(
            key(1, 2, 3, true),
            FlowSums {
                bytes: 7,
                packets: 1,
                records: 1,
            },
        );
        // Before the flush the waiting keys count as new.
        assert_eq!(map.len(), 4);
        map.flush();
        assert_eq!(map.len(), 2);
        let slots = map.capacity();
        let mut flows: Vec<_> = map.drain().collect();
        flows.sort_by_key(|(k, _)| *k);
        assert_eq!(
            flows[0].1,
            FlowSums {
                bytes: 15,
                packets: 3,
                records: 3
            }
        );
        assert_eq!(
            flows[1].1,
            FlowSums {
                bytes: 7,
                packets: 1,
                records: 1
            }
        );
        assert_eq!((map.len(), map.capacity()), (0, slots));
        // Saturating sums: the order of summing cannot change a total.
        map.add(
            key(0, 0, 0, false),
            FlowSums {
                bytes: u64::MAX,
                packets: 0,
                records: 1,
            },
        );
        map.add(
            key(0, 0, 0, false),
            FlowSums {
                bytes: 9,
                packets: 0,
                records: 1,
            },
        );
        let flows: Vec<_> = map.drain().collect();
        assert_eq!(
            flows,
            vec![(
                key(0, 0, 0, false),
                FlowSums {
                    bytes: u64::MAX,
                    packets: 0,
                    records: 2
                }
            )]
        );
    }
}
