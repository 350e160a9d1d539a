//! Hash tables that can be told a key before it is needed, so that the slot the key lands in
//! is fetched from memory while other work goes on: with hundreds of thousands of distinct flows
//! and remote addresses per file the tables outgrow the CPU's caches, and a lookup that waits
//! for memory was the largest single cost of a scan. [`Table`] is the open-addressing table;
//! [`FlowMap`] sums a file's flows in one, each key a few records after it was told.

use std::collections::VecDeque;
use std::net::IpAddr;

use super::flow::{Direction, FlowKey, FlowSums, RemoteId};

/// A key of a [`Table`].
pub trait TableKey: Copy + Eq {
    /// The contents of an empty slot (never compared: the control byte says it is empty).
    const VACANT: Self;
    /// A hash whose low bits (the slot) and top seven bits (the control byte) both depend on
    /// the whole key.
    fn table_hash(&self) -> u64;
}

/// MurmurHash3's 64-bit finaliser: every input bit reaches every output bit.
pub(super) fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// [`mix`] of two words: every bit of both reaches every output bit.
pub(super) fn mix2(a: u64, b: u64) -> u64 {
    mix(a ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(31))
}

impl TableKey for FlowKey {
    const VACANT: Self = FlowKey {
        ctx: 0,
        remote: RemoteId(0),
        hour: 0,
        direction: Direction::Egress,
    };

    fn table_hash(&self) -> u64 {
        let a = u64::from(self.ctx) | u64::from(self.remote.0) << 32;
        let b = u64::from(self.hour) | (self.direction as u64) << 32;
        mix2(a, b)
    }
}

impl TableKey for IpAddr {
    const VACANT: Self = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);

    fn table_hash(&self) -> u64 {
        match self {
            IpAddr::V4(a) => mix(u64::from(u32::from(*a))),
            IpAddr::V6(a) => {
                let v = u128::from(*a);
                let (hi, lo) = ((v >> 64) as u64, v as u64);
                mix(lo ^ mix(hi ^ 0x9e37_79b9_7f4a_7c15))
            }
        }
    }
}

/// Asks the CPU to bring the cache line holding `p` in (a hint: no effect on results).
#[inline(always)]
pub(super) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Bytes of a huge page (x86-64 and most Linux systems).
const HUGE_PAGE: usize = 2 << 20;

/// `n` copies of `fill` in memory of their own, aligned to a huge page when they fill one or
/// more: a [`Vec`] of a few megabytes starts anywhere, so its huge-page advice covered only
/// the whole aligned pages inside it (the aggregate's 64 tables of 4 MiB each were mostly in
/// 4 KiB pages, a TLB miss per lookup).
pub(super) struct Slab<T> {
    ptr: std::ptr::NonNull<T>,
    len: usize,
}

// SAFETY: a Slab owns its elements like a Vec does.
unsafe impl<T: Send> Send for Slab<T> {}
// SAFETY: shared access only reads.
unsafe impl<T: Sync> Sync for Slab<T> {}

impl<T> Slab<T> {
    fn layout(len: usize) -> std::alloc::Layout {
        let bytes = len
            .checked_mul(std::mem::size_of::<T>())
            .expect("a slab fits the address space");
        let align = if bytes >= HUGE_PAGE {
            HUGE_PAGE
        } else {
            std::mem::align_of::<T>()
        };
        std::alloc::Layout::from_size_align(bytes, align).expect("a valid layout")
    }
}

impl<T: Copy> Slab<T> {
    /// `len` copies of `fill`.
    pub(super) fn filled(len: usize, fill: T) -> Self {
        let layout = Self::layout(len);
        if layout.size() == 0 {
            return Slab::default();
        }
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { std::alloc::alloc(layout) }.cast::<T>();
        let Some(ptr) = std::ptr::NonNull::new(raw) else {
            std::alloc::handle_alloc_error(layout)
        };
        advise_huge_pages(raw, layout.size());
        for i in 0..len {
            // SAFETY: i < len elements were allocated for.
            unsafe { raw.add(i).write(fill) };
        }
        Slab { ptr, len }
    }
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            ptr: std::ptr::NonNull::dangling(),
            len: 0,
        }
    }
}

impl<T> std::ops::Deref for Slab<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: `len` initialised elements at `ptr` (or none at a dangling, aligned one).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T> std::ops::DerefMut for Slab<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as for Deref, and `&mut self` is unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T> Drop for Slab<T> {
    fn drop(&mut self) {
        if self.len > 0 && std::mem::size_of::<T>() > 0 {
            // SAFETY: allocated in `filled` with this layout.
            unsafe { std::alloc::dealloc(self.ptr.as_ptr().cast(), Self::layout(self.len)) };
        }
    }
}

impl<T: Copy> Clone for Slab<T> {
    fn clone(&self) -> Self {
        match self.first() {
            None => Slab::default(),
            Some(&first) => {
                let mut copy = Slab::filled(self.len, first);
                copy.copy_from_slice(self);
                copy
            }
        }
    }
}

impl<T> std::fmt::Debug for Slab<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Slab({} slots)", self.len)
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn advise_huge_pages<T>(p: *const T, bytes: usize) {
    const HUGE: usize = 2 << 20;
    let (start, end) = (
        (p as usize).next_multiple_of(HUGE),
        (p as usize + bytes) & !(HUGE - 1),
    );
    if end > start {
        // SAFETY: advice on whole pages inside this (not yet touched) allocation; it changes
        // no contents, and a refusal (huge pages off) leaves ordinary pages.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn advise_huge_pages<T>(_: *const T, _: usize) {}

/// Fewest slots of a table that holds anything.
const MIN_SLOTS: usize = 1024;

/// Slots (a power of two, at least [`MIN_SLOTS`]) that hold `n` keys at `max_load` eighths.
fn slots_for(n: usize, max_load: usize) -> usize {
    (n * 8)
        .div_ceil(max_load)
        .next_power_of_two()
        .max(MIN_SLOTS)
}

/// Values by key: open addressing, linear probing, at most 3/4 of the slots in use (or 7/8, see
/// [`Table::dense`]), a control byte per slot kept apart from the slots (a probe reads the slots
/// only on a likely match).
#[derive(Debug)]
pub struct Table<K, V> {
    /// One byte per slot: 0 when empty, else 0x80 and seven bits of the key's hash.
    ctrl: Slab<u8>,
    slots: Slab<(K, V)>,
    /// Slots in use.
    used: usize,
    /// Eighths of the slots in use at most.
    max_load: usize,
}

impl<K: Copy, V: Copy> Clone for Table<K, V> {
    fn clone(&self) -> Self {
        Table {
            ctrl: self.ctrl.clone(),
            slots: self.slots.clone(),
            used: self.used,
            max_load: self.max_load,
        }
    }
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Table {
            ctrl: Slab::default(),
            slots: Slab::default(),
            used: 0,
            max_load: 6,
        }
    }
}

impl<K, V> Table<K, V> {
    /// A table up to 7/8 full, as dense as the standard library's (longer probes, about 14% less
    /// memory a key): what the aggregate's tables were before [`FlowSlots`]; tested still.
    #[cfg(test)]
    pub fn dense() -> Self {
        Table {
            max_load: 7,
            ..Table::default()
        }
    }
}

impl<K: TableKey, V: Copy + Default> Table<K, V> {
    /// Starts fetching the slot of a key of hash `h` (where probing ends almost always).
    #[inline]
    pub fn prefetch(&self, h: u64) {
        if !self.slots.is_empty() {
            let i = h as usize & (self.slots.len() - 1);
            prefetch(&self.ctrl[i]);
            let slot: *const (K, V) = &self.slots[i];
            prefetch(slot);
            // Its last byte: the next line when the slot straddles two, else the same line (a
            // second request for a line on its way costs nothing).
            prefetch(
                slot.cast::<u8>()
                    .wrapping_add(std::mem::size_of::<(K, V)>() - 1),
            );
        }
    }

    /// The slot of `key` (hash `h`): `Ok` where it is, `Err` the empty slot where it would go.
    /// The table must have slots.
    #[inline]
    fn find(&self, key: &K, h: u64) -> std::result::Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let tag = 0x80 | (h >> 57) as u8;
        let mut i = h as usize & mask;
        loop {
            let c = self.ctrl[i];
            if c == 0 {
                return Err(i);
            }
            if c == tag && self.slots[i].0 == *key {
                return Ok(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// The value of `key` (hash `h`), `make()` placed first when the key is new; and whether
    /// it was.
    #[inline]
    pub fn entry(&mut self, key: K, h: u64, make: impl FnOnce() -> V) -> (&mut V, bool) {
        if (self.used + 1) * 8 > self.slots.len() * self.max_load {
            self.grow();
        }
        match self.find(&key, h) {
            Ok(i) => (&mut self.slots[i].1, false),
            Err(i) => {
                self.ctrl[i] = 0x80 | (h >> 57) as u8;
                self.slots[i] = (key, make());
                self.used += 1;
                (&mut self.slots[i].1, true)
            }
        }
    }

    /// The value of `key` (hash `h`), when present.
    pub fn get_mut(&mut self, key: K, h: u64) -> Option<&mut V> {
        if self.slots.is_empty() {
            return None;
        }
        let i = self.find(&key, h).ok()?;
        Some(&mut self.slots[i].1)
    }

    /// Keys held.
    pub fn len(&self) -> usize {
        self.used
    }

    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Keys the table holds before it grows.
    pub fn capacity(&self) -> usize {
        self.slots.len() / 8 * self.max_load
    }

    /// The keys and values (in no particular order).
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.ctrl
            .iter()
            .zip(self.slots.iter())
            .filter(|(c, _)| **c != 0)
            .map(|(_, (k, v))| (k, v))
    }

    /// Every key and value, once; the table is empty afterwards and keeps its slots.
    pub fn drain(&mut self) -> Drain<'_, K, V> {
        Drain { table: self, at: 0 }
    }

    /// Doubles the slots and places every key again.
    fn grow(&mut self) {
        self.resize(self.slots.len() * 2);
    }

    /// `n` slots (at least [`MIN_SLOTS`]; a power of two), every key placed again.
    fn resize(&mut self, n: usize) {
        let n = n.max(MIN_SLOTS);
        let ctrl = std::mem::replace(&mut self.ctrl, Slab::filled(n, 0));
        let slots = std::mem::replace(&mut self.slots, Slab::filled(n, (K::VACANT, V::default())));
        self.used = 0;
        for (&c, &(k, v)) in ctrl.iter().zip(slots.iter()) {
            if c != 0 {
                self.entry(k, k.table_hash(), || v);
            }
        }
    }
}

impl<K: Copy, V: Copy> Table<K, V> {
    /// The first key and value held at or after slot `*at`; `*at` moves past it.
    fn next_held(&self, at: &mut usize) -> Option<(K, V)> {
        let i = *at + self.ctrl[*at..].iter().position(|&c| c != 0)?;
        *at = i + 1;
        Some(self.slots[i])
    }
}

impl<K: Copy, V: Copy> IntoIterator for Table<K, V> {
    type Item = (K, V);
    type IntoIter = TableIntoIter<K, V>;

    fn into_iter(self) -> Self::IntoIter {
        TableIntoIter { table: self, at: 0 }
    }
}

/// The keys and values of a [`Table`] given up (see [`Table::into_iter`]).
pub struct TableIntoIter<K, V> {
    table: Table<K, V>,
    at: usize,
}

impl<K: Copy, V: Copy> Iterator for TableIntoIter<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<Self::Item> {
        self.table.next_held(&mut self.at)
    }
}

/// The keys and values of a [`Table`], emptying it (see [`Table::drain`]).
pub struct Drain<'a, K, V> {
    table: &'a mut Table<K, V>,
    at: usize,
}

impl<K: Copy, V: Copy> Iterator for Drain<'_, K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<Self::Item> {
        self.table.next_held(&mut self.at)
    }
}

impl<K, V> Drop for Drain<'_, K, V> {
    fn drop(&mut self) {
        self.table.ctrl.fill(0);
        self.table.used = 0;
    }
}

/// A flow's key and sums in one slot of a [`FlowSlots`]: 32 bytes, aligned, so a lookup reads
/// one cache line (a [`Table`] of flows reads a control byte and a 40-byte slot that straddles
/// two lines every second time).
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct FlowSlot {
    ctx: u32,
    remote: u32,
    /// `hour * 2 + 1` for ingress, `hour * 2` for egress; [`VACANT_HOUR`] in an empty slot.
    hour_dir: u32,
    /// Records, up to `u32::MAX` (more are summed in [`FlowSlots::side`]).
    records: u32,
    bytes: u64,
    packets: u64,
}

/// [`FlowSlot::hour_dir`] of an empty slot.
const VACANT_HOUR: u32 = u32::MAX;

const VACANT_FLOW: FlowSlot = FlowSlot {
    ctx: 0,
    remote: 0,
    hour_dir: VACANT_HOUR,
    records: 0,
    bytes: 0,
    packets: 0,
};

/// The latest hour a slot holds (`hour * 2 + 1` stays below [`VACANT_HOUR`]); a flow of a
/// later hour (no real record: it is after the year 240,000) is summed in the side map.
const MAX_SLOT_HOUR: u32 = u32::MAX / 2 - 1;

/// A key's [`FlowSlot::hour_dir`], when a slot can hold it.
#[inline]
fn hour_dir(key: &FlowKey) -> Option<u32> {
    (key.hour <= MAX_SLOT_HOUR).then(|| key.hour * 2 + key.direction as u32)
}

impl FlowSlot {
    fn key(&self) -> FlowKey {
        FlowKey {
            ctx: self.ctx,
            remote: RemoteId(self.remote),
            hour: self.hour_dir >> 1,
            direction: if self.hour_dir & 1 == 1 {
                Direction::Ingress
            } else {
                Direction::Egress
            },
        }
    }

    fn sums(&self) -> FlowSums {
        FlowSums {
            bytes: self.bytes,
            packets: self.packets,
            records: u64::from(self.records),
        }
    }
}

/// Eighths of a [`FlowSlots`]' slots in use at most.
const FLOW_SLOTS_LOAD: usize = 7;

/// Flows summed by key, for the aggregate's shards and the partitions read back: a [`Table`]
/// of [`FlowKey`] to [`FlowSums`] in 32-byte slots that hold key, sums and whether the slot is
/// in use (no control bytes: a lookup in a table beyond the caches waits for one line, not two
/// or three). What a slot cannot hold is summed in a side map: a record count past `u32::MAX`
/// (the addition that would pass it goes there whole), an hour past [`MAX_SLOT_HOUR`]. A key's
/// sums are its slot's and its side entry's added (with saturation, like every sum of flows).
#[derive(Debug, Clone, Default)]
pub struct FlowSlots {
    slots: Slab<FlowSlot>,
    /// Slots in use.
    used: usize,
    side: rustc_hash::FxHashMap<FlowKey, FlowSums>,
    /// Keys in the side map that have no slot (their hour is past [`MAX_SLOT_HOUR`]).
    side_only: usize,
}

impl FlowSlots {
    /// Starts fetching the slot of a key of hash `h`.
    #[inline]
    pub fn prefetch(&self, h: u64) {
        if !self.slots.is_empty() {
            prefetch(&self.slots[h as usize & (self.slots.len() - 1)]);
        }
    }

    /// Adds `sums` to the flow of `key` (hash `h`, [`TableKey::table_hash`]).
    #[inline]
    pub fn add(&mut self, key: FlowKey, h: u64, sums: &FlowSums) {
        let Some(hd) = hour_dir(&key) else {
            return self.add_side(key, sums);
        };
        if (self.used + 1) * 8 > self.slots.len() * FLOW_SLOTS_LOAD {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let s = &mut self.slots[i];
            if s.hour_dir == hd && s.ctx == key.ctx && s.remote == key.remote.0 {
                break;
            }
            if s.hour_dir == VACANT_HOUR {
                *s = FlowSlot {
                    hour_dir: hd,
                    ctx: key.ctx,
                    remote: key.remote.0,
                    ..VACANT_FLOW
                };
                self.used += 1;
                break;
            }
            i = (i + 1) & mask;
        }
        let s = &mut self.slots[i];
        match u32::try_from(sums.records)
            .ok()
            .and_then(|r| s.records.checked_add(r))
        {
            Some(records) => {
                s.records = records;
                s.bytes = s.bytes.saturating_add(sums.bytes);
                s.packets = s.packets.saturating_add(sums.packets);
            }
            None => self.add_side(key, sums),
        }
    }

    /// Adds `sums` to `key`'s entry in the side map.
    #[cold]
    fn add_side(&mut self, key: FlowKey, sums: &FlowSums) {
        match self.side.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().add(sums),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(*sums);
                if hour_dir(&key).is_none() {
                    self.side_only += 1;
                }
            }
        }
    }

    /// Distinct flows held.
    pub fn len(&self) -> usize {
        self.used + self.side_only
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Flows the table holds before it grows.
    pub fn capacity(&self) -> usize {
        self.slots.len() / 8 * FLOW_SLOTS_LOAD
    }

    /// Flows the table holds at `eighths` of its slots in use.
    pub fn capacity_at(&self, eighths: usize) -> usize {
        self.slots.len() / 8 * eighths
    }

    /// Slots (a power of two) for at least `n` flows: placed at once, not by doubling.
    pub fn reserve(&mut self, n: usize) {
        if n > self.capacity() {
            self.resize(Self::slots_for(n));
        }
    }

    /// The flows the table holds before it grows once [`FlowSlots::reserve`] made room for `n`.
    pub fn capacity_for(&self, n: usize) -> usize {
        if n > self.capacity() {
            Self::slots_for(n) / 8 * FLOW_SLOTS_LOAD
        } else {
            self.capacity()
        }
    }

    fn slots_for(n: usize) -> usize {
        slots_for(n, FLOW_SLOTS_LOAD)
    }

    fn grow(&mut self) {
        self.resize(self.slots.len() * 2);
    }

    /// `n` slots (at least [`MIN_SLOTS`]; a power of two), every flow placed again.
    fn resize(&mut self, n: usize) {
        let n = n.max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, Slab::filled(n, VACANT_FLOW));
        let mask = n - 1;
        for s in old.iter().filter(|s| s.hour_dir != VACANT_HOUR) {
            let mut i = s.key().table_hash() as usize & mask;
            while self.slots[i].hour_dir != VACANT_HOUR {
                i = (i + 1) & mask;
            }
            self.slots[i] = *s;
        }
    }

    /// Every flow and its sums (in no particular order).
    pub fn iter(&self) -> impl Iterator<Item = (FlowKey, FlowSums)> + '_ {
        let in_slots = self
            .slots
            .iter()
            .filter(|s| s.hour_dir != VACANT_HOUR)
            .map(|s| {
                let (k, mut v) = (s.key(), s.sums());
                if !self.side.is_empty() {
                    if let Some(more) = self.side.get(&k) {
                        v.add(more);
                    }
                }
                (k, v)
            });
        let side_only = self
            .side
            .iter()
            .filter(|(k, _)| hour_dir(k).is_none())
            .map(|(k, v)| (*k, *v));
        in_slots.chain(side_only)
    }

    /// Every flow and its sums, once; the table is empty afterwards and keeps its slots.
    pub fn drain(&mut self) -> FlowDrain<&mut FlowSlots> {
        FlowDrain::new(self)
    }
}

impl IntoIterator for FlowSlots {
    type Item = (FlowKey, FlowSums);
    type IntoIter = FlowDrain<FlowSlots>;

    fn into_iter(self) -> Self::IntoIter {
        FlowDrain::new(self)
    }
}

/// The flows of a [`FlowSlots`], emptying it (see [`FlowSlots::drain`]).
pub struct FlowDrain<T: std::borrow::BorrowMut<FlowSlots>> {
    table: T,
    at: usize,
    side: rustc_hash::FxHashMap<FlowKey, FlowSums>,
    rest: Option<std::collections::hash_map::IntoIter<FlowKey, FlowSums>>,
}

impl<T: std::borrow::BorrowMut<FlowSlots>> FlowDrain<T> {
    fn new(mut table: T) -> Self {
        let t = table.borrow_mut();
        let side = std::mem::take(&mut t.side);
        t.used = 0;
        t.side_only = 0;
        FlowDrain {
            table,
            at: 0,
            side,
            rest: None,
        }
    }
}

impl<T: std::borrow::BorrowMut<FlowSlots>> Iterator for FlowDrain<T> {
    type Item = (FlowKey, FlowSums);

    fn next(&mut self) -> Option<Self::Item> {
        let slots = &mut self.table.borrow_mut().slots;
        while let Some(slot) = slots.get_mut(self.at) {
            self.at += 1;
            if slot.hour_dir != VACANT_HOUR {
                let s = std::mem::replace(slot, VACANT_FLOW);
                let (k, mut v) = (s.key(), s.sums());
                if !self.side.is_empty() {
                    if let Some(more) = self.side.remove(&k) {
                        v.add(&more);
                    }
                }
                return Some((k, v));
            }
        }
        // What is left in the side map has no slot.
        self.rest
            .get_or_insert_with(|| std::mem::take(&mut self.side).into_iter())
            .next()
    }
}

impl<T: std::borrow::BorrowMut<FlowSlots>> Drop for FlowDrain<T> {
    fn drop(&mut self) {
        let slots = &mut self.table.borrow_mut().slots;
        if let Some(rest) = slots.get_mut(self.at..) {
            rest.fill(VACANT_FLOW);
        }
    }
}

/// Keys told to a [`FlowMap`] but not yet summed: the slot of the oldest has had this many
/// records' parsing to arrive in the cache.
const LAG: usize = 4;

/// Memory of one flow in a full [`FlowMap`]: a 40-byte slot and its control byte, at most 3/4
/// of the slots in use (the aggregate's tables hold more: `scan::BYTES_PER_FLOW`).
pub const BYTES_PER_FLOW: u64 = 55;

/// Distinct flows a [`FlowMap`] sums before it judges whether summing pays (see [`FlowMap`]):
/// few enough that the table stays in the CPU's nearer caches until then (at 65,536 a file of
/// new flows paid a cache miss for each of its first records: plain 5M preset, user time 4.02 ->
/// 3.54 s at 8,192, medians of 5).
const JUDGE_AT: usize = 1 << 13;

/// A file's flows summed by key, each key a few calls after it was told (its slot fetched
/// meanwhile). Sums are added with saturation, so the order in which keys are summed does not
/// change a total.
///
/// Summing pays when a file's records repeat their keys; it costs a lookup in a table of up to
/// tens of megabytes per record. Once the table holds [`JUDGE_AT`] flows the map judges: when
/// more than half of the records so far were new flows, the rest of the file's records are
/// listed as they come (a key may then appear more than once: the aggregate sums them, as it
/// sums the same flow from two files). Real exports, whose records repeat a connection every
/// aggregation interval, stay summed; files of mostly distinct flows skip a lookup per record.
#[derive(Debug)]
pub struct FlowMap {
    table: Table<FlowKey, FlowSums>,
    /// Keys told and not yet summed, oldest first, with their hashes.
    lag: VecDeque<(FlowKey, FlowSums, u64)>,
    /// Flows listed unsummed (after the judgement), in the order they came.
    list: Vec<(FlowKey, FlowSums)>,
    /// Records summed into the table since it was last emptied.
    summed: usize,
    /// Whether records are listed instead of summed (until the map is emptied).
    listing: bool,
    /// Distinct flows at which the map judges.
    judge_at: usize,
}

impl Default for FlowMap {
    fn default() -> Self {
        FlowMap::judging_at(JUDGE_AT)
    }
}

impl FlowMap {
    /// A map that judges at `judge_at` distinct flows (tests judge early).
    pub fn judging_at(judge_at: usize) -> Self {
        FlowMap {
            table: Table::default(),
            lag: VecDeque::new(),
            list: Vec::new(),
            summed: 0,
            listing: false,
            judge_at,
        }
    }

    /// Adds `sums` to `key`'s flow (summed a few calls later, or listed).
    #[inline]
    pub fn add(&mut self, key: FlowKey, sums: FlowSums) {
        if self.listing {
            if self.list.len() == self.list.capacity() {
                // By half again, not double: memory stays close to what is listed.
                self.list.reserve_exact((self.list.len() / 2).max(1024));
            }
            self.list.push((key, sums));
            return;
        }
        let h = key.table_hash();
        self.table.prefetch(h);
        if self.lag.len() == LAG {
            let (k, s, h) = self.lag.pop_front().expect("LAG > 0");
            self.table.entry(k, h, FlowSums::default).0.add(&s);
            self.summed += 1;
            if self.table.len() == self.judge_at && self.table.len() * 2 > self.summed {
                // The keys waiting are summed; this one is the first listed.
                self.flush();
                self.listing = true;
                self.list.push((key, sums));
                return;
            }
        }
        self.lag.push_back((key, sums, h));
    }

    /// Sums the keys still waiting.
    pub fn flush(&mut self) {
        while let Some((k, s, h)) = self.lag.pop_front() {
            self.table.entry(k, h, FlowSums::default).0.add(&s);
            self.summed += 1;
        }
    }

    /// Flows held: distinct ones summed, plus those waiting or listed (each counted once even
    /// when its key is already held).
    pub fn len(&self) -> usize {
        self.table.len() + self.lag.len() + self.list.len()
    }

    /// Flows held, weighed by memory in units of a summed flow (a budget of [`BYTES_PER_FLOW`]
    /// twice: the table may double): a listed flow takes 40 bytes, at most 60 in a list grown
    /// by half, and counts as two thirds of a summed one.
    pub fn weight(&self) -> usize {
        self.table.len() + self.lag.len() + self.list.len() * 2 / 3
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Flows the map holds before it grows (memory: [`BYTES_PER_FLOW`] each).
    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// Every flow held, summed ones once each, then the listed ones; the map is empty
    /// afterwards (summing again until it judges again) and keeps its memory.
    pub fn drain(&mut self) -> impl Iterator<Item = (FlowKey, FlowSums)> + '_ {
        self.flush();
        self.summed = 0;
        self.listing = false;
        self.table.drain().chain(self.list.drain(..))
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

    /// Adds `flows` into `got`; how many there were.
    fn sum_into(
        got: &mut HashMap<FlowKey, FlowSums>,
        flows: impl Iterator<Item = (FlowKey, FlowSums)>,
    ) -> usize {
        let mut n = 0;
        for (k, v) in flows {
            n += 1;
            got.entry(k).or_default().add(&v);
        }
        n
    }

    proptest! {
        /// The map sums as a standard hash map does, through growth, lagging keys, drains and
        /// its judgement (early or never: files of repeating or of mostly new flows).
        #[test]
        fn sums_as_a_hash_map_does(
            adds in proptest::collection::vec(
                ((0u32..4, 0u32..3000, 0u32..3, any::<bool>()), 0u64..u64::MAX / 2), 0..6000),
            drain_at in 0usize..6000,
            judge_at in prop_oneof![1usize..400, Just(usize::MAX)],
        ) {
            let mut map = FlowMap::judging_at(judge_at);
            let mut want: HashMap<FlowKey, FlowSums> = HashMap::new();
            let mut got: HashMap<FlowKey, FlowSums> = HashMap::new();
            for (n, ((c, r, h, d), b)) in adds.iter().enumerate() {
                if n == drain_at {
                    // A drain in the middle (a file's flows staged), then summing goes on.
                    map.flush();
                    let held = map.len();
                    prop_assert_eq!(sum_into(&mut got, map.drain()), held);
                    prop_assert!(map.is_empty());
                }
                let sums = FlowSums { bytes: *b, packets: 1, records: 1 };
                map.add(key(*c, *r, *h, *d), sums);
                want.entry(key(*c, *r, *h, *d)).or_default().add(&sums);
                prop_assert!(map.weight() <= map.len());
            }
            map.flush();
            let held = map.len();
            if judge_at == usize::MAX {
                // Never judged: every flow summed, each held once.
                let distinct: std::collections::HashSet<_> = adds[if drain_at < adds.len() { drain_at } else { 0 }..]
                    .iter()
                    .map(|((c, r, h, d), _)| key(*c, *r, *h, *d))
                    .collect();
                prop_assert_eq!(held, distinct.len());
            }
            prop_assert_eq!(sum_into(&mut got, map.drain()), held);
            prop_assert!(map.is_empty());
            prop_assert_eq!(got, want);
        }
    }

    proptest! {
        /// The aggregate's table sums as a standard hash map does (with saturation), through
        /// growth, a drain left half done, clones, and sums a slot cannot hold: record counts
        /// past `u32::MAX` and hours past [`MAX_SLOT_HOUR`]; `iter`, `drain` and `into_iter`
        /// give each flow once with the same sums.
        #[test]
        fn flow_slots_sum_as_a_hash_map_does(
            adds in proptest::collection::vec(
                (
                    (0u32..3, 0u32..2000, prop_oneof![0u32..3, Just(MAX_SLOT_HOUR), Just(u32::MAX)], any::<bool>()),
                    prop_oneof![0u64..1 << 40, Just(u64::MAX - 1)],
                    prop_oneof![4 => 0u64..3, 1 => Just(u64::from(u32::MAX) - 1), 1 => Just(u64::MAX)],
                ),
                0..5000,
            ),
            cut_at in 0usize..5000,
            taken in 0usize..50,
        ) {
            let mut table = FlowSlots::default();
            let mut want: HashMap<FlowKey, FlowSums> = HashMap::new();
            let mut got: HashMap<FlowKey, FlowSums> = HashMap::new();
            for (n, ((c, r, h, d), b, rec)) in adds.iter().enumerate() {
                if n == cut_at {
                    // A spill: drained in full, then the same slots sum on.
                    let held = table.len();
                    prop_assert_eq!(sum_into(&mut got, table.drain()), held);
                    prop_assert!(table.is_empty());
                }
                let k = key(*c, *r, *h, *d);
                let sums = FlowSums { bytes: *b, packets: *b / 3, records: *rec };
                table.prefetch(k.table_hash());
                table.add(k, k.table_hash(), &sums);
                want.entry(k).or_default().add(&sums);
            }
            let listed: Vec<(FlowKey, FlowSums)> = table.iter().collect();
            prop_assert_eq!(listed.len(), table.len());
            let copy = table.clone();
            let drained: Vec<(FlowKey, FlowSums)> = table.drain().collect();
            let owned: Vec<(FlowKey, FlowSums)> = copy.clone().into_iter().collect();
            prop_assert_eq!(&listed, &drained);
            prop_assert_eq!(&listed, &owned);
            prop_assert!(table.is_empty() && table.iter().next().is_none());
            for (k, v) in listed {
                got.entry(k).or_default().add(&v);
            }
            prop_assert_eq!(got, want);
            // A drain given up midway leaves the table empty all the same.
            let mut half = copy;
            half.drain().take(taken).for_each(drop);
            prop_assert!(half.is_empty() && half.iter().next().is_none());
        }
    }

    /// A slab of a huge page or more starts at a huge page (so the system can back it with
    /// huge pages); smaller ones, and copies, hold what they were given.
    #[test]
    fn large_slabs_are_aligned_to_huge_pages() {
        let big = Slab::<FlowSlot>::filled(HUGE_PAGE / 32 + 5, VACANT_FLOW);
        assert_eq!(big.as_ptr() as usize % HUGE_PAGE, 0);
        assert!(big.iter().all(|s| s.hour_dir == VACANT_HOUR));
        let mut small = Slab::filled(100, 7u8);
        small[99] = 9;
        let copy = small.clone();
        assert_eq!((copy.len(), copy[0], copy[99]), (100, 7, 9));
        assert!(Slab::<u8>::filled(0, 1).is_empty());
        assert!(Slab::<u8>::default().clone().is_empty());
    }

    #[test]
    fn a_map_of_new_flows_lists_them_and_one_of_repeats_keeps_summing() {
        let sums = FlowSums {
            bytes: 1,
            packets: 1,
            records: 1,
        };
        // Every record a new flow: judged at 100, then listed.
        let mut new = FlowMap::judging_at(100);
        for r in 0..1000 {
            new.add(key(0, r, 0, false), sums);
        }
        assert!(new.listing);
        // The keys waiting at the judgement were summed too.
        assert_eq!((new.table.len(), new.len()), (100 + LAG - 1, 1000));
        assert!(new.weight() < new.len());
        // Each flow three times in a row: a third of the records new at the judgement, summing
        // goes on.
        let mut repeats = FlowMap::judging_at(100);
        for i in 0..3000 {
            repeats.add(key(0, i / 3, 0, false), sums);
        }
        repeats.flush();
        assert!(!repeats.listing);
        assert_eq!(repeats.len(), 1000);
        // Emptied, a map judges again.
        new.drain().for_each(drop);
        assert!(!new.listing && new.is_empty());
    }

    proptest! {
        /// Addresses are numbered as a standard hash map numbers them (v4 and v6 alike), in a
        /// table up to 3/4 full and in a dense one.
        #[test]
        fn finds_addresses_as_a_hash_map_does(
            addrs in proptest::collection::vec((any::<bool>(), 0u128..5000), 0..5000),
        ) {
            for mut table in [Table::<IpAddr, u32>::default(), Table::dense()] {
                let mut want: HashMap<IpAddr, u32> = HashMap::new();
                for &(v6, n) in &addrs {
                    let ip = if v6 {
                        IpAddr::V6(std::net::Ipv6Addr::from(n << 64 | n))
                    } else {
                        IpAddr::V4(std::net::Ipv4Addr::from(n as u32))
                    };
                    let next = want.len() as u32;
                    let id = *want.entry(ip).or_insert(next);
                    table.prefetch(ip.table_hash());
                    let (got, new) = table.entry(ip, ip.table_hash(), || next);
                    prop_assert_eq!((*got, new), (id, id == next));
                    prop_assert_eq!(table.get_mut(ip, ip.table_hash()).copied(), Some(id));
                }
                prop_assert_eq!(table.len(), want.len());
                let absent = IpAddr::V4([1, 2, 3, 4].into());
                prop_assert_eq!(table.get_mut(absent, absent.table_hash()), None);
                let mut all: Vec<(IpAddr, u32)> = table.iter().map(|(k, v)| (*k, *v)).collect();
                let mut owned: Vec<(IpAddr, u32)> = table.into_iter().collect();
                let mut expected: Vec<(IpAddr, u32)> = want.into_iter().collect();
                all.sort();
                owned.sort();
                expected.sort();
                prop_assert_eq!(&all, &expected);
                prop_assert_eq!(&owned, &expected);
            }
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
