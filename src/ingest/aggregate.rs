//! The run's one aggregate: files' flow maps in (moved as each file is read to its end: a file
//! that fails midway leaves nothing behind); a [`FlowTable`] out: the strings, contexts and
//! addresses numbered once per run, per-context totals, and the flows as compact 16-byte keys in
//! partitions by remote address, read one partition at a time. Beyond a memory budget a
//! partition's flows spill to a temporary file and are summed again when it is read, so memory is
//! bounded and the totals do not change.

use std::collections::BTreeSet;
use std::fs::File;
use std::hash::{BuildHasher, Hash};
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use polars::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap};

use super::scan::FLOWS_PER_RUN_ADDR;
use super::scan::{
    Context, Direction, FileScan, FlowKey, FlowSums, Ids, Interner, RemoteId, FLOW_BYTES,
};
pub use super::scan::{SpillConfig, BYTES_PER_FLOW};
use super::sketch::Sketch;
use super::table::{prefetch, FlowSlots, TableKey};
use crate::error::{Error, Result};
use crate::schema;

/// Partitions of the flows, by remote address: every flow of one remote address is in one
/// partition, so the rules that group flows by address read one partition at a time.
pub const PARTITIONS: usize = 64;

/// Totals per context (VPC, region, AZ, interface, hint), summed as files are absorbed: the
/// vantage rules need them before they read the partitions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CtxStats {
    pub records: u64,
    pub bytes: u64,
    /// Bytes to or from public addresses.
    pub public: u64,
    /// Bytes in the private bucket.
    pub private: u64,
    /// Bytes on relayed hops (private hop, public pkt-* address).
    pub relayed: u64,
    /// Some flow has a public remote address.
    pub public_flows: bool,
}

impl CtxStats {
    fn add(&mut self, o: &CtxStats) {
        self.records = self.records.saturating_add(o.records);
        self.bytes = self.bytes.saturating_add(o.bytes);
        self.public = self.public.saturating_add(o.public);
        self.private = self.private.saturating_add(o.private);
        self.relayed = self.relayed.saturating_add(o.relayed);
        self.public_flows |= o.public_flows;
    }

    fn count(&mut self, key: &FlowKey, sums: &FlowSums) {
        let one = CtxStats {
            records: sums.records,
            bytes: sums.bytes,
            public: if key.remote.address().is_some() {
                sums.bytes
            } else {
                0
            },
            private: if key.remote == RemoteId::PRIVATE {
                sums.bytes
            } else {
                0
            },
            relayed: if key.remote == RemoteId::RELAYED {
                sums.bytes
            } else {
                0
            },
            public_flows: key.remote.address().is_some(),
        };
        self.add(&one);
    }
}

/// Run-wide numbering of the strings, contexts and remote addresses flow keys refer to.
#[derive(Default)]
struct Numbering {
    strings: Interner,
    contexts: Ids<Context>,
    addrs: Ids<IpAddr>,
    ctx_stats: Vec<CtxStats>,
    direct: FxHashMap<(u32, RemoteId), u8>,
}

/// Flows summed by key, in a table the aggregate can fetch ahead in.
pub type Flows = FlowSlots;

#[derive(Default)]
struct Shard {
    map: Flows,
    /// The partition's spill file, once it has spilled, and a sketch of the distinct flows it
    /// lists.
    spill: Option<(PathBuf, BufWriter<File>, Sketch)>,
}

/// Eighths of its slots a table at the aggregate's budget fills before it spills and starts
/// again in the same slots. Not the 7/8 it grows at: linear probing in a table that full costs
/// more than the flows it keeps in memory save (50M-record preset: 18.2 s at 5/8, 19.2 s at
/// 7/8, 19.5 s at 4/8, medians of 3; 5/8 spills 16M flows to 7/8's 11M).
const KEPT_LOAD: usize = 5;

/// Flows of a file partitioned and summed into the shards at a time: few enough that the
/// partitioned copy (40 bytes a flow) stays in the CPU's nearer caches between being written and
/// summed (at 65,536 its writes were most of absorbing a file: plain 50M preset, user time
/// 33.8 -> 31.2 s at 8,192, 2 alternating runs each).
const MERGE_BATCH: usize = 1 << 13;

/// Flows whose address ids are fetched at a time in [`Aggregate::absorb`].
const ABSORB_AHEAD: usize = 16;

/// Flows ahead whose slots are fetched while one is summed (see [`add_all`]).
const AHEAD: usize = 8;

/// Sums `flows` into `map`, fetching the slot of the flow [`AHEAD`] while summing one (the
/// shards outgrow the caches: a lookup that waited for memory was most of the merging).
fn add_all(map: &mut Flows, flows: &[(FlowKey, FlowSums)]) {
    for (i, (k, v)) in flows.iter().enumerate() {
        if let Some((next, _)) = flows.get(i + AHEAD) {
            map.prefetch(next.table_hash());
        }
        map.add(*k, k.table_hash(), v);
    }
}

/// The shared aggregate of a run (see the module doc).
pub struct Aggregate {
    numbering: Mutex<Numbering>,
    shards: Vec<Mutex<Shard>>,
    config: SpillConfig,
    /// Hash-table slots held by the shards.
    held: AtomicUsize,
    /// Remote addresses numbered run-wide (they share the aggregate's budget).
    addresses: AtomicUsize,
    spilled: AtomicU64,
    spill_dir: Mutex<Option<tempfile::TempDir>>,
    /// Tells this aggregate's run-wide address ids from another's in a thread's carried state.
    serial: u64,
}

/// Serial numbers of aggregates.
static SERIALS: AtomicU64 = AtomicU64::new(1);

impl Default for Aggregate {
    fn default() -> Self {
        Aggregate::new(SpillConfig::default())
    }
}

/// A poisoned lock only means another scan thread panicked: the data is still consistent.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Aggregate {
    pub fn new(config: SpillConfig) -> Aggregate {
        Aggregate {
            numbering: Mutex::new(Numbering::default()),
            shards: (0..PARTITIONS).map(|_| Mutex::default()).collect(),
            config,
            held: AtomicUsize::new(0),
            addresses: AtomicUsize::new(0),
            spilled: AtomicU64::new(0),
            spill_dir: Mutex::new(None),
            serial: SERIALS.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// When flows spill.
    pub fn spill_config(&self) -> &SpillConfig {
        &self.config
    }

    /// Moves `scan`'s flows in (its map is left empty; its own numbering stays valid).
    pub fn absorb(&self, scan: &mut FileScan) -> Result<()> {
        if scan.flows.is_empty() && scan.direct.is_empty() && scan.staged.is_none() {
            return Ok(());
        }
        let (contexts, addrs) = {
            let mut n = lock(&self.numbering);
            let strings: Vec<u32> = scan
                .interner
                .names()
                .iter()
                .map(|s| n.strings.intern(s.as_bytes()))
                .collect();
            let contexts: Vec<u32> = scan
                .contexts
                .items()
                .iter()
                .map(|c| {
                    n.contexts.id(Context {
                        vpc: strings[c.vpc as usize],
                        region: strings[c.region as usize],
                        az: strings[c.az as usize],
                        interface: strings[c.interface as usize],
                        hint: strings[c.hint as usize],
                    })
                })
                .collect();
            // The thread's address ids are carried from file to file: only those new since its
            // last file of this run are looked up.
            let (serial, addrs) = &mut scan.carry.run_addrs;
            if *serial != self.serial {
                *serial = self.serial;
                addrs.clear();
            }
            let known = addrs.len();
            addrs.extend(scan.addrs.items()[known..].iter().map(|a| n.addrs.id(*a)));
            for ((i, ip), bits) in scan.direct.drain() {
                let remote = RemoteId::of_address(n.addrs.id(ip));
                *n.direct.entry((strings[i as usize], remote)).or_default() |= bits;
            }
            self.addresses.store(n.addrs.len(), Ordering::Relaxed);
            (contexts, std::mem::take(addrs))
        };
        let mut stats = vec![CtxStats::default(); contexts.len()];
        let translate = |k: FlowKey| FlowKey {
            ctx: contexts[k.ctx as usize],
            remote: match k.remote.address() {
                Some(i) => RemoteId::of_address(addrs[i]),
                None => k.remote,
            },
            ..k
        };
        // In batches: the partitioned copy stays small (a file can hold a million flows).
        let mut parts: Vec<Vec<(FlowKey, FlowSums)>> = vec![Vec::new(); PARTITIONS];
        let mut batch = 0;
        let mut add = |k: FlowKey, v: FlowSums| -> Result<()> {
            stats[k.ctx as usize].count(&k, &v);
            let key = translate(k);
            parts[partition_of(key.remote)].push((key, v));
            batch += 1;
            if batch == MERGE_BATCH {
                batch = 0;
                self.insert(&mut parts)?;
            }
            Ok(())
        };
        // A few flows at a time: the run-wide ids of their addresses (a table of up to a
        // million, beyond the CPU's nearest caches) are fetched while the flows before them
        // are added (the wait for each was half of this loop).
        let mut ahead: Vec<(FlowKey, FlowSums)> = Vec::with_capacity(ABSORB_AHEAD);
        for (k, v) in scan.flows.drain() {
            if let Some(i) = k.remote.address() {
                prefetch(addrs.as_ptr().wrapping_add(i));
            }
            ahead.push((k, v));
            if ahead.len() == ABSORB_AHEAD {
                for (k, v) in ahead.drain(..) {
                    add(k, v)?;
                }
            }
        }
        for (k, v) in ahead {
            add(k, v)?;
        }
        if let Some(staged) = scan.staged.take() {
            // The flows staged while the file was read.
            let err = |e: std::io::Error| {
                Error::Invalid(format!("cannot read back a temporary file: {e}"))
            };
            let mut file = staged.file;
            file.seek(std::io::SeekFrom::Start(0)).map_err(err)?;
            let mut added = Ok(());
            read_flows(file, |k, v| {
                if added.is_ok() {
                    added = add(k, v);
                }
            })
            .map_err(err)?;
            added?;
        }
        self.insert(&mut parts)?;
        scan.carry.run_addrs.1 = addrs;
        let mut n = lock(&self.numbering);
        let total = n.contexts.len();
        n.ctx_stats.resize(total, CtxStats::default());
        for (local, s) in stats.iter().enumerate() {
            n.ctx_stats[contexts[local] as usize].add(s);
        }
        Ok(())
    }

    /// Sums `parts` (flows by partition, in the run's numbering) into the shards, spilling a
    /// shard when the aggregate is over its budget; `parts` is left empty.
    fn insert(&self, parts: &mut [Vec<(FlowKey, FlowSums)>]) -> Result<()> {
        for (p, part) in parts.iter_mut().enumerate() {
            if part.is_empty() {
                continue;
            }
            let mut shard = lock(&self.shards[p]);
            // The run-wide numbering of addresses counts against the budget too, up to three
            // quarters of it (the flows keep a quarter, or the aggregate would spill at every
            // batch).
            let over = |held: usize, b: usize| {
                let addresses = self.addresses.load(Ordering::Relaxed) * FLOWS_PER_RUN_ADDR;
                held + addresses.min(b / 4 * 3) > b
            };
            // A table that would double past the budget spills first and keeps its slots (no
            // doubling that is spilled at once, no growing again from the smallest size), and
            // it does so at [`KEPT_LOAD`] (a part's flows are counted as all new).
            if let Some(b) = self.config.budget_flows {
                if shard.map.len() + part.len() > shard.map.capacity_at(KEPT_LOAD)
                    && over(self.held.load(Ordering::Relaxed) + shard.map.capacity(), b)
                {
                    self.spill(p, &mut shard, true)?;
                }
            }
            // No reserve for the whole part: many of its flows are already in the map, and
            // the table grows only as it fills.
            let before = shard.map.capacity();
            add_all(&mut shard.map, part);
            part.clear();
            let grown = shard.map.capacity() - before;
            let held = self.held.fetch_add(grown, Ordering::Relaxed) + grown;
            if self.config.budget_flows.is_some_and(|b| over(held, b)) {
                // Over the budget all the same (more addresses numbered, or a part larger than
                // the table): the table's memory is given back.
                self.spill(p, &mut shard, false)?;
            }
        }
        Ok(())
    }

    /// Writes partition `p`'s flows to its temporary file and empties its map, keeping its
    /// slots or giving them back.
    fn spill(&self, p: usize, shard: &mut Shard, keep_slots: bool) -> Result<()> {
        let n = shard.map.len();
        if n > 0 {
            if shard.spill.is_none() {
                let path = self.spill_path(p)?;
                let file = File::create(&path).map_err(|e| {
                    Error::Invalid(format!("cannot write spill file {}: {e}", path.display()))
                })?;
                shard.spill = Some((
                    path,
                    BufWriter::with_capacity(1 << 16, file),
                    Sketch::default(),
                ));
            }
            let (_, out, sketch) = shard.spill.as_mut().expect("opened above");
            let mut buf = [0u8; FLOW_BYTES];
            for (k, v) in shard.map.drain() {
                sketch.add(k.table_hash());
                k.encode(&v, &mut buf);
                out.write_all(&buf)
                    .map_err(|e| Error::Invalid(format!("cannot write a spill file: {e}")))?;
            }
        }
        if !keep_slots {
            self.held.fetch_sub(shard.map.capacity(), Ordering::Relaxed);
            shard.map = Flows::default();
        }
        self.spilled.fetch_add(n as u64, Ordering::Relaxed);
        Ok(())
    }

    /// The temporary file of partition `p` (the folder is made on first use).
    fn spill_path(&self, p: usize) -> Result<PathBuf> {
        let mut dir = lock(&self.spill_dir);
        if dir.is_none() {
            let mut b = tempfile::Builder::new();
            b.prefix("vpce-advisor-spill-");
            let made = match &self.config.dir {
                Some(parent) => b.tempdir_in(parent),
                None => b.tempdir(),
            };
            *dir = Some(made.map_err(|e| {
                Error::Invalid(format!(
                    "cannot make a folder for spill files in {}: {e} (--spill-dir names another)",
                    self.config
                        .dir
                        .clone()
                        .unwrap_or_else(std::env::temp_dir)
                        .display()
                ))
            })?);
        }
        Ok(dir
            .as_ref()
            .expect("made above")
            .path()
            .join(format!("part-{p:02}.bin")))
    }

    /// Distinct flows held in memory (flows already spilled are not counted).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).map.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The table of the run (see [`FlowTable`]).
    pub fn into_table(self) -> Result<FlowTable> {
        let numbering = self
            .numbering
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let spill_dir = self
            .spill_dir
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let mut partitions = Vec::with_capacity(PARTITIONS);
        for shard in self.shards {
            let shard = shard.into_inner().unwrap_or_else(|e| e.into_inner());
            let spill = match shard.spill {
                Some((path, mut w, sketch)) => {
                    w.flush()
                        .map_err(|e| Error::Invalid(format!("cannot write a spill file: {e}")))?;
                    Some((path, sketch))
                }
                None => None,
            };
            partitions.push(Partition {
                map: shard.map,
                spill,
            });
        }
        let mut ctx_stats = numbering.ctx_stats;
        ctx_stats.resize(numbering.contexts.len(), CtxStats::default());
        Ok(FlowTable {
            strings: numbering.strings,
            contexts: numbering.contexts.items().to_vec(),
            addrs: numbering.addrs.items().to_vec(),
            ctx_stats,
            direct: numbering.direct,
            partitions,
            // Half the aggregate's budget: the shares of the files being read are free by now.
            ahead_flows: self.config.budget_flows.map(|b| (b / 2).max(1)),
            spilled_flows: self.spilled.into_inner(),
            _spill_dir: spill_dir,
        })
    }
}

/// The partition of a remote side: the high bits of its hash (the maps use the low ones).
fn partition_of(remote: RemoteId) -> usize {
    let mut h = FxBuildHasher.build_hasher();
    remote.hash(&mut h);
    (std::hash::Hasher::finish(&h) >> 58) as usize % PARTITIONS
}

struct Partition {
    map: Flows,
    /// The spill file, and a sketch of the distinct flows it lists.
    spill: Option<(PathBuf, Sketch)>,
}

impl Partition {
    /// The partition's flows, summed (spilled flows read back into a table with room for
    /// `expected` flows, the file removed).
    fn read(self, expected: usize) -> Result<Flows> {
        let mut map = self.map;
        if let Some((path, _)) = self.spill {
            read_spill(&path, &mut map, expected)?;
            let _ = std::fs::remove_file(&path);
        }
        Ok(map)
    }

    /// The distinct flows of the partition, estimated: those in memory and those its spill file
    /// lists, each once (a spill file lists a flow again each time it spills: room for every
    /// copy was several times what is needed), a sixteenth added for the sketch's error; at
    /// most every flow listed, at least those in memory.
    fn expected_flows(&self) -> usize {
        let held = self.map.len();
        let Some((path, sketch)) = &self.spill else {
            return held;
        };
        let listed = std::fs::metadata(path).map_or(0, |m| flows_listed(&m));
        let mut all = sketch.clone();
        for (k, _) in self.map.iter() {
            all.add(k.table_hash());
        }
        let e = all.estimate();
        (e + e / 16).clamp(held, held + listed)
    }

    /// The memory reading it back takes beyond what the aggregate counted, in aggregate flow
    /// slots: the table [`read_spill`] makes room in for `expected` flows (0 when nothing
    /// spilled: the partition is in memory already).
    fn read_weight(&self, expected: usize) -> usize {
        match &self.spill {
            None => 0,
            Some(_) => self.map.capacity_for(expected),
        }
    }
}

/// The partitions of a [`FlowTable`], taken out by [`FlowTable::take_partitions`].
pub struct Partitions {
    parts: Vec<Partition>,
    /// Flow slots the partitions read ahead (and the one being used) may take at once
    /// (`None`: no bound but [`READERS`]' channels).
    ahead_flows: Option<usize>,
}

impl Partitions {
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Calls `f` with each partition's flows, in order, until `f` fails. The partitions are
    /// read ahead on [`READERS`] other threads, each taking every second one, while `f` works
    /// (reading back spill files and summing them is most of the work after a large run).
    /// Memory is bounded by design: a reader starts on a partition only in turn and when the
    /// tables of the partitions read and not yet done with, its own included, fit in
    /// `ahead_flows` slots (or when it is the only one: one partition is always read).
    pub fn for_each(self, mut f: impl FnMut(Flows) -> Result<()>) -> Result<()> {
        let expected: Vec<usize> = self.parts.iter().map(Partition::expected_flows).collect();
        let weights: Vec<usize> = (self.parts.iter().zip(&expected))
            .map(|(p, &e)| p.read_weight(e))
            .collect();
        let gate = ReadGate::new(self.ahead_flows);
        let mut lanes: Vec<Vec<(usize, Partition)>> = (0..READERS).map(|_| Vec::new()).collect();
        for (i, part) in self.parts.into_iter().enumerate() {
            lanes[i % READERS].push((i, part));
        }
        std::thread::scope(|scope| {
            // However `f` ends, readers waiting at the gate give up.
            let _close = gate.closer();
            let lanes: Vec<_> = lanes
                .into_iter()
                .map(|lane| {
                    let (tx, rx) = std::sync::mpsc::sync_channel(1);
                    let (gate, weights, expected) = (&gate, &weights, &expected);
                    scope.spawn(move || {
                        for (i, part) in lane {
                            if !gate.enter(i, weights[i]) {
                                break;
                            }
                            let flows = part.read(expected[i]);
                            let failed = flows.is_err();
                            // A closed channel: `f` failed, nothing more is wanted.
                            if tx.send(flows).is_err() || failed {
                                break;
                            }
                        }
                    });
                    rx
                })
                .collect();
            // Partition i is its lane's (i / READERS)th: taken in turn, in order; a lane that
            // has sent its last one has closed its channel, so the turn after the last partition
            // ends the loop (and so does a reader that stopped at an error it sent).
            for (i, lane) in lanes.iter().cycle().enumerate() {
                match lane.recv() {
                    Ok(flows) => {
                        f(flows?)?;
                        gate.leave(weights[i]);
                    }
                    Err(_) => break,
                }
            }
            Ok(())
        })
    }
}

/// Threads reading partitions back (see [`Partitions::for_each`]).
const READERS: usize = 2;

/// Lets the readers of [`Partitions::for_each`] start on partitions in their order, while the
/// memory of those read and not yet done with stays within a bound.
struct ReadGate {
    state: Mutex<GateState>,
    turn: std::sync::Condvar,
    bound: Option<usize>,
}

#[derive(Default)]
struct GateState {
    /// The partition whose reading starts next.
    next: usize,
    /// Flow slots of the partitions read or being read and not yet done with.
    held: usize,
    closed: bool,
}

impl ReadGate {
    fn new(bound: Option<usize>) -> Self {
        ReadGate {
            state: Mutex::default(),
            turn: std::sync::Condvar::new(),
            bound,
        }
    }

    /// Waits until partition `i` may be read, taking `weight` slots; `false` once closed.
    fn enter(&self, i: usize, weight: usize) -> bool {
        let mut s = lock(&self.state);
        loop {
            if s.closed {
                return false;
            }
            let fits = s.held == 0 || self.bound.is_none_or(|b| s.held + weight <= b);
            if s.next == i && fits {
                s.next += 1;
                s.held += weight;
                self.turn.notify_all();
                return true;
            }
            s = self.turn.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Gives back the slots of a partition done with.
    fn leave(&self, weight: usize) {
        let mut s = lock(&self.state);
        s.held -= weight;
        self.turn.notify_all();
    }

    /// A guard that closes the gate when dropped.
    fn closer(&self) -> impl Drop + '_ {
        struct Close<'a>(&'a ReadGate);
        impl Drop for Close<'_> {
            fn drop(&mut self) {
                lock(&self.0.state).closed = true;
                self.0.turn.notify_all();
            }
        }
        Close(self)
    }
}

/// The flows of a run: the numbering their keys refer to, totals per context, the
/// `traffic-path` codes per (interface, remote address), and the flows by partition.
#[derive(Default)]
pub struct FlowTable {
    /// Strings (VPC ids, regions, AZs, interfaces, hints); id 0 is "".
    pub strings: Interner,
    /// Contexts by [`FlowKey::ctx`].
    pub contexts: Vec<Context>,
    /// Remote addresses by [`RemoteId::address`].
    pub addrs: Vec<IpAddr>,
    /// Totals per context.
    pub ctx_stats: Vec<CtxStats>,
    /// (interface string id, remote) pairs whose egress records say `traffic-path` 2, 7 or 8:
    /// out through an internet gateway or a gateway endpoint; the codes as
    /// [`super::scan::direct_path_bit`] bits.
    pub direct: FxHashMap<(u32, RemoteId), u8>,
    partitions: Vec<Partition>,
    /// See [`Partitions::ahead_flows`].
    ahead_flows: Option<usize>,
    /// Flows written to spill files during the scan (0: all held in memory).
    pub spilled_flows: u64,
    _spill_dir: Option<tempfile::TempDir>,
}

impl FlowTable {
    /// Takes the partitions out, to be read in order with [`Partitions::for_each`] (the table
    /// keeps its numbering and totals, and its spill files until it is dropped).
    pub fn take_partitions(&mut self) -> Partitions {
        Partitions {
            parts: std::mem::take(&mut self.partitions),
            ahead_flows: self.ahead_flows,
        }
    }

    /// Every flow, partition by partition, without consuming the table.
    fn each_flow(&self, mut f: impl FnMut(&FlowKey, &FlowSums)) -> Result<()> {
        for part in &self.partitions {
            match &part.spill {
                None => part.map.iter().for_each(|(k, v)| f(&k, &v)),
                Some((path, _)) => {
                    let mut map = part.map.clone();
                    read_spill(path, &mut map, part.expected_flows())?;
                    map.iter().for_each(|(k, v)| f(&k, &v));
                }
            }
        }
        Ok(())
    }

    /// The interfaces some flow was logged on (without `""` and `-`), in order.
    pub fn interfaces(&self) -> BTreeSet<String> {
        self.contexts
            .iter()
            .map(|c| self.strings.name(c.interface))
            .filter(|s| !s.is_empty() && *s != "-")
            .map(str::to_string)
            .collect()
    }

    /// The flows as a frame (schema [`schema::flow_schema`]), one row per flow, in no
    /// particular order: for tests and tools; the analysis reads partitions.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let mut rows: Vec<(FlowKey, FlowSums)> = Vec::new();
        self.each_flow(|k, v| rows.push((*k, *v)))?;
        let name = |id: u32| self.strings.name(id).to_string();
        let ctx = |k: &FlowKey| self.contexts[k.ctx as usize];
        let text = |f: &dyn Fn(&FlowKey) -> String| -> Vec<String> {
            rows.iter().map(|(k, _)| f(k)).collect()
        };
        let columns = vec![
            Column::new(schema::VPC_ID.into(), text(&|k| name(ctx(k).vpc))),
            Column::new(schema::REGION.into(), text(&|k| name(ctx(k).region))),
            Column::new(schema::AZ_ID.into(), text(&|k| name(ctx(k).az))),
            Column::new(
                schema::INTERFACE_ID.into(),
                text(&|k| name(ctx(k).interface)),
            ),
            Column::new(
                schema::REMOTE_ADDR.into(),
                text(&|k| self.remote_text(k.remote)),
            ),
            Column::new(
                schema::DIRECTION.into(),
                text(&|k| k.direction.as_str().to_string()),
            ),
            Column::new(
                schema::AWS_SERVICE_HINT.into(),
                text(&|k| name(ctx(k).hint)),
            ),
            Column::new(
                schema::BYTES.into(),
                rows.iter().map(|r| r.1.bytes).collect::<Vec<u64>>(),
            ),
            Column::new(
                schema::PACKETS.into(),
                rows.iter().map(|r| r.1.packets).collect::<Vec<u64>>(),
            ),
            Column::new(
                schema::RECORDS.into(),
                rows.iter().map(|r| r.1.records).collect::<Vec<u64>>(),
            ),
            Column::new(
                schema::HOUR.into(),
                rows.iter().map(|r| r.0.hour).collect::<Vec<u32>>(),
            ),
        ];
        let df = DataFrame::new(rows.len(), columns)?;
        debug_assert_eq!(df.schema().as_ref(), &schema::flow_schema());
        Ok(df)
    }

    /// [`FlowTable::direct`] by name: (interface, remote address) -> `traffic-path` bits.
    pub fn direct_paths(&self) -> std::collections::BTreeMap<(String, String), u8> {
        self.direct
            .iter()
            .map(|((i, r), bits)| {
                (
                    (self.strings.name(*i).to_string(), self.remote_text(*r)),
                    *bits,
                )
            })
            .collect()
    }

    /// The text of a remote side: `""` for the private bucket, [`schema::RELAYED`], or the
    /// address.
    pub fn remote_text(&self, remote: RemoteId) -> String {
        match remote.address() {
            Some(i) => self.addrs[i].to_string(),
            None if remote == RemoteId::RELAYED => schema::RELAYED.to_string(),
            None => String::new(),
        }
    }

    /// A table from a flow frame (schema [`schema::flow_schema`]), as a scan would have made
    /// it: for tests of the steps that read tables. `direct` lists (interface, remote address)
    /// pairs with their `traffic-path` bits.
    pub fn from_frame(df: &DataFrame, direct: &[(&str, &str, u8)]) -> Result<FlowTable> {
        let s = |name: &str| -> Result<StringChunked> { Ok(df.column(name)?.str()?.clone()) };
        let (vpc, region, az, interface, remote, direction, hint) = (
            s(schema::VPC_ID)?,
            s(schema::REGION)?,
            s(schema::AZ_ID)?,
            s(schema::INTERFACE_ID)?,
            s(schema::REMOTE_ADDR)?,
            s(schema::DIRECTION)?,
            s(schema::AWS_SERVICE_HINT)?,
        );
        let bytes = df.column(schema::BYTES)?.u64()?;
        let packets = df.column(schema::PACKETS)?.u64()?;
        let records = df.column(schema::RECORDS)?.u64()?;
        let hour = df.column(schema::HOUR)?.u32()?;
        let mut scan = FileScan::default();
        for i in 0..df.height() {
            let mut id =
                |c: &StringChunked| scan.interner.intern(c.get(i).unwrap_or("").as_bytes());
            let context = Context {
                vpc: id(&vpc),
                region: id(&region),
                az: id(&az),
                interface: id(&interface),
                hint: id(&hint),
            };
            let ctx = scan.contexts.id(context);
            let remote = match remote.get(i).unwrap_or("") {
                "" => RemoteId::PRIVATE,
                schema::RELAYED => RemoteId::RELAYED,
                text => {
                    let ip: IpAddr = text
                        .parse()
                        .map_err(|_| Error::Invalid(format!("not an address: {text}")))?;
                    RemoteId::of_address(scan.addrs.id(ip))
                }
            };
            let key = FlowKey {
                ctx,
                remote,
                hour: hour.get(i).unwrap_or(0),
                direction: if direction.get(i) == Some("ingress") {
                    Direction::Ingress
                } else {
                    Direction::Egress
                },
            };
            scan.flows.add(
                key,
                FlowSums {
                    bytes: bytes.get(i).unwrap_or(0),
                    packets: packets.get(i).unwrap_or(0),
                    records: records.get(i).unwrap_or(0),
                },
            );
        }
        for (eni, addr, bits) in direct {
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| Error::Invalid(format!("not an address: {addr}")))?;
            let eni = scan.interner.intern(eni.as_bytes());
            scan.direct.insert((eni, ip), *bits);
        }
        let agg = Aggregate::default();
        agg.absorb(&mut scan)?;
        agg.into_table()
    }
}

/// Adds the flows of a spill file to `map`.
fn read_spill(path: &std::path::Path, map: &mut Flows, expected: usize) -> Result<()> {
    let err = |e: std::io::Error| {
        Error::Invalid(format!("cannot read spill file {}: {e}", path.display()))
    };
    let file = File::open(path).map_err(err)?;
    // Room for the flows expected (no doubling while the file is read, unless the estimate
    // fell short).
    map.reserve(expected);
    let mut batch = Vec::with_capacity(1 << 12);
    read_flows(file, |k, v| {
        batch.push((k, v));
        if batch.len() == batch.capacity() {
            add_all(map, &batch);
            batch.clear();
        }
    })
    .map_err(err)?;
    add_all(map, &batch);
    Ok(())
}

/// Flows a spill file lists ([`FLOW_BYTES`] each).
fn flows_listed(meta: &std::fs::Metadata) -> usize {
    (meta.len() / FLOW_BYTES as u64) as usize
}

/// Calls `f` with each flow [`FlowKey::encode`] wrote to `file`, from where it stands to its end.
fn read_flows(file: File, mut f: impl FnMut(FlowKey, FlowSums)) -> std::io::Result<()> {
    let mut r = BufReader::with_capacity(1 << 16, file);
    let mut buf = [0u8; FLOW_BYTES];
    loop {
        match r.read_exact(&mut buf) {
            Ok(()) => {
                let (k, v) = FlowKey::decode(&buf);
                f(k, v);
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::scan::{Direction, FlowSums};

    /// A file's scan with one flow: strings and addresses numbered in the order given.
    fn scan(strings: &[&str], addr: &str, bytes: u64) -> FileScan {
        let mut s = FileScan::default();
        for name in strings {
            s.interner.intern(name.as_bytes());
        }
        let id = |name: &str| s.interner.names().iter().position(|n| n == name).unwrap() as u32;
        let ctx = Context {
            vpc: id("vpc-1"),
            region: id("us-east-1"),
            az: id("use1-az1"),
            interface: id("eni-1"),
            hint: 0,
        };
        let ctx = s.contexts.id(ctx);
        s.addrs.id("10.9.9.9".parse().unwrap());
        let remote = RemoteId::of_address(s.addrs.id(addr.parse().unwrap()));
        let key = FlowKey {
            ctx,
            remote,
            hour: 0,
            direction: Direction::Egress,
        };
        s.flows.add(
            key,
            FlowSums {
                bytes,
                packets: 1,
                records: 1,
            },
        );
        s
    }

    /// A budget of ten flows (every partition spills many times), spill files in `dir`.
    fn tiny_budget(dir: &std::path::Path) -> SpillConfig {
        SpillConfig {
            budget_flows: Some(10),
            file_flows: None,
            dir: Some(dir.to_path_buf()),
            whole_gzip_bytes: None,
            carried_addrs: None,
        }
    }

    /// `rounds` times the same `flows` one-flow files (remote 52.1.x.y, bytes from the flow's
    /// number and the round).
    fn absorb_rounds(agg: &Aggregate, rounds: u64, flows: u32) {
        for round in 0..rounds {
            for i in 0..flows {
                let addr = format!("52.1.{}.{}", i / 200, i % 200);
                let mut s = scan(
                    &["vpc-1", "us-east-1", "use1-az1", "eni-1"],
                    &addr,
                    u64::from(i) + round,
                );
                agg.absorb(&mut s).unwrap();
            }
        }
    }

    fn sorted_rows(df: &DataFrame) -> Vec<(String, String, u64)> {
        let df = df.sort([schema::REMOTE_ADDR], Default::default()).unwrap();
        let col = |n: &str| df.column(n).unwrap().str().unwrap().clone();
        let (remote, eni) = (col(schema::REMOTE_ADDR), col(schema::INTERFACE_ID));
        let bytes = df.column(schema::BYTES).unwrap().u64().unwrap().clone();
        (0..df.height())
            .map(|i| {
                (
                    remote.get(i).unwrap().to_string(),
                    eni.get(i).unwrap().to_string(),
                    bytes.get(i).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn files_numbered_differently_merge_into_one_row() {
        let agg = Aggregate::default();
        let mut a = scan(&["vpc-1", "us-east-1", "use1-az1", "eni-1"], "52.1.2.3", 10);
        let mut b = scan(&["eni-1", "use1-az1", "us-east-1", "vpc-1"], "52.1.2.3", 5);
        let mut c = scan(&["vpc-1", "us-east-1", "use1-az1", "eni-1"], "52.1.2.4", 7);
        for s in [&mut a, &mut b, &mut c] {
            agg.absorb(s).unwrap();
            assert!(s.flows.is_empty());
        }
        assert_eq!(agg.len(), 2);
        let table = agg.into_table().unwrap();
        assert_eq!(table.ctx_stats.len(), 1);
        assert_eq!(table.ctx_stats[0].public, 22);
        let df = table.to_frame().unwrap();
        assert_eq!(df.schema().as_ref(), &schema::flow_schema());
        assert_eq!(
            sorted_rows(&df),
            [
                ("52.1.2.3".into(), "eni-1".into(), 15),
                ("52.1.2.4".into(), "eni-1".into(), 7)
            ]
        );
    }

    /// A budget of a few flows spills every partition many times; the partitions read back
    /// hold the same sums as without a budget.
    #[test]
    fn spilled_flows_sum_to_the_same_table() {
        let dir = tempfile::tempdir().unwrap();
        let run = |config: SpillConfig| {
            let agg = Aggregate::new(config);
            absorb_rounds(&agg, 5, 400);
            let mut table = agg.into_table().unwrap();
            let spilled = table.spilled_flows;
            let frame = sorted_rows(&table.to_frame().unwrap());
            let mut n = 0;
            let parts = table.take_partitions();
            assert_eq!(parts.len(), PARTITIONS);
            parts
                .for_each(|flows| {
                    n += flows.len();
                    Ok(())
                })
                .unwrap();
            (frame, n, spilled)
        };
        let (whole, n, spilled) = run(SpillConfig::default());
        assert_eq!((n, spilled), (400, 0));
        let (parted, n, spilled) = run(tiny_budget(dir.path()));
        assert_eq!(n, 400);
        assert!(spilled > 400, "spilled {spilled}");
        assert_eq!(whole, parted);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "spill files are removed"
        );
    }

    /// A partition spilled many times is expected to hold its distinct flows, not every copy
    /// its spill file lists: read-back makes room for those, and the gate weighs those.
    #[test]
    fn a_partition_read_back_expects_its_distinct_flows() {
        let dir = tempfile::tempdir().unwrap();
        let agg = Aggregate::new(tiny_budget(dir.path()));
        let distinct = 4000u32;
        absorb_rounds(&agg, 5, distinct);
        let mut table = agg.into_table().unwrap();
        let listed = table.spilled_flows;
        assert!(listed >= 4 * u64::from(distinct), "listed {listed}");
        let parts = table.take_partitions();
        let mut expected = 0;
        for p in &parts.parts {
            let e = p.expected_flows();
            assert!(e >= p.map.len());
            expected += e;
        }
        let error = (expected as f64 - f64::from(distinct)).abs() / f64::from(distinct);
        assert!(
            error < 0.15,
            "expected {expected} flows for {distinct} distinct"
        );
        let mut read = 0;
        parts
            .for_each(|flows| {
                read += flows.len();
                Ok(())
            })
            .unwrap();
        assert_eq!(read, distinct as usize);
    }

    /// A shard that would double past the budget spills first and keeps its slots, at
    /// [`KEPT_LOAD`]: the memory held stays within the budget, the slots are not given back and
    /// taken again, and the totals are those of a run that never spills.
    #[test]
    fn a_shard_at_the_budget_spills_into_its_own_slots() {
        let run = |budget: Option<usize>| {
            let agg = Aggregate::new(SpillConfig {
                budget_flows: budget,
                ..SpillConfig::default()
            });
            for round in 0..3u64 {
                // One file of 20,000 flows, an hour each: the same remotes, new flows.
                let mut s = scan(&["vpc-1", "us-east-1", "use1-az1", "eni-1"], "52.0.0.1", 1);
                let ctx = 0;
                for i in 1..20_000u32 {
                    let addr = std::net::IpAddr::V4(std::net::Ipv4Addr::from(0x3400_0000 + i));
                    let key = FlowKey {
                        ctx,
                        remote: RemoteId::of_address(s.addrs.id(addr)),
                        hour: round as u32,
                        direction: Direction::Egress,
                    };
                    let sums = FlowSums {
                        bytes: u64::from(i) + round,
                        packets: 1,
                        records: 1,
                    };
                    s.flows.add(key, sums);
                }
                agg.absorb(&mut s).unwrap();
            }
            let held = agg.held.load(Ordering::Relaxed);
            let slots: usize = agg.shards.iter().map(|s| lock(s).map.capacity()).sum();
            assert_eq!(held, slots, "held counts the slots the shards have");
            let table = agg.into_table().unwrap();
            let mut rows = sorted_rows(&table.to_frame().unwrap());
            rows.sort();
            (table.spilled_flows, held, rows)
        };
        let (none, _, whole) = run(None);
        assert_eq!(none, 0);
        // 20,000 addresses weigh 60,000 flows: 60,000 flow slots are left to the 64 shards
        // for 60,000 flows: 896 each (1,024 slots) fit, 1,792 not but in a few.
        let (spilled, held, parted) = run(Some(120_000));
        assert!(spilled > 20_000, "spilled {spilled}");
        assert!(held + 60_000 <= 120_000, "held {held}");
        assert_eq!(parted, whole);

        // One shard, step by step: 600 flows fill 1,024 slots (896 flows before doubling),
        // within a budget of 1,000; 100 more would pass 5/8 of the slots and doubling would
        // pass the budget: the 600 spill, the slots stay, the 100 go in.
        let agg = Aggregate::new(SpillConfig {
            budget_flows: Some(1000),
            ..SpillConfig::default()
        });
        let flows = |from: u32, n: u32| -> Vec<(FlowKey, FlowSums)> {
            (from..from + n)
                .map(|i| {
                    let key = FlowKey {
                        ctx: 0,
                        remote: RemoteId::of_address(i),
                        hour: 0,
                        direction: Direction::Egress,
                    };
                    (key, FlowSums::default())
                })
                .collect()
        };
        let mut parts = vec![Vec::new(); PARTITIONS];
        parts[0] = flows(0, 600);
        agg.insert(&mut parts).unwrap();
        let shard = |agg: &Aggregate| {
            let s = lock(&agg.shards[0]);
            (s.map.len(), s.map.capacity())
        };
        assert_eq!(shard(&agg), (600, 896));
        parts[0] = flows(600, 100);
        agg.insert(&mut parts).unwrap();
        assert_eq!(shard(&agg), (100, 896));
        assert_eq!(agg.spilled.load(Ordering::Relaxed), 600);
        assert_eq!(agg.held.load(Ordering::Relaxed), 896);
    }

    /// The run-wide numbering of addresses counts against the budget (an independent data set
    /// with 1.3M remote addresses peaked at 1.35x the memory limit when it did not): flows
    /// that fit the budget alone spill once the addresses are counted, and sum the same.
    #[test]
    fn addresses_count_against_the_budget() {
        let run = |budget: Option<usize>| {
            let agg = Aggregate::new(SpillConfig {
                budget_flows: budget,
                ..SpillConfig::default()
            });
            for i in 0..40_000u32 {
                let addr = format!("52.{}.{}.{}", 1 + (i >> 16), (i >> 8) & 255, i & 255);
                let mut s = scan(&["vpc-1", "us-east-1", "use1-az1", "eni-1"], &addr, 3);
                agg.absorb(&mut s).unwrap();
            }
            // 64 shards of 1,024 slots hold the 40,000 flows: 57,344 slots.
            assert!(agg.held.load(Ordering::Relaxed) <= 60_000);
            let table = agg.into_table().unwrap();
            (table.spilled_flows, sorted_rows(&table.to_frame().unwrap()))
        };
        let (none, whole) = run(None);
        let (spilled, parted) = run(Some(100_000));
        assert_eq!(none, 0);
        assert!(spilled > 0, "the addresses' weight spills");
        assert_eq!(parted, whole);
    }

    /// A file of mostly new flows is listed past the map's judgement (a key may then come
    /// twice), with or without staging part of it to a temporary file: the same table as summed.
    #[test]
    fn a_file_of_new_flows_listed_and_staged_sums_to_the_same_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new-flows.log");
        let mut text = String::new();
        let mut want = std::collections::BTreeMap::new();
        // 80,000 remotes once each, then 20,000 records of the first ones again.
        for i in (0..80_000u32).chain(0..20_000) {
            let remote = format!("52.{}.{}.{}", 1 + (i >> 16), (i >> 8) & 255, i & 255);
            *want.entry(remote.clone()).or_insert(0u64) += u64::from(100 + i % 7);
            text.push_str(&format!(
                "2 123456789012 eni-1 10.0.0.1 {remote} 40000 443 6 2 {} 1793491200 1793491260 ACCEPT OK\n",
                100 + i % 7
            ));
        }
        std::fs::write(&path, text).unwrap();
        let run = |file_flows: Option<usize>| {
            let mut settings = crate::ingest::scan::ScanSettings::for_region("us-east-1");
            settings.spill.file_flows = file_flows;
            let mut s = crate::ingest::detect::scan_file_partial(&path, &settings).unwrap();
            let (held, staged) = (s.flows.len(), s.staged.as_ref().map_or(0, |f| f.flows));
            let agg = Aggregate::default();
            agg.absorb(&mut s).unwrap();
            let table = agg.into_table().unwrap();
            (sorted_rows(&table.to_frame().unwrap()), held, staged)
        };
        let (listed, held, staged) = run(None);
        let sums: std::collections::BTreeMap<String, u64> =
            listed.iter().map(|(r, _, b)| (r.clone(), *b)).collect();
        assert_eq!(sums, want);
        // Listed: more flows held than distinct ones.
        assert!(held > 80_000 && staged == 0, "{held} {staged}");
        let (staging, _, staged) = run(Some(5000));
        assert!(staged > 50_000, "staged {staged}");
        assert_eq!(staging, listed);
    }

    /// A spill file that cannot be read back fails the read of the partitions (the reading
    /// thread stops; nothing hangs), and a failing callback stops it too.
    #[test]
    fn partitions_read_ahead_stop_at_the_first_error() {
        let dir = tempfile::tempdir().unwrap();
        let table = || {
            let agg = Aggregate::new(tiny_budget(dir.path()));
            for i in 0..400u32 {
                let addr = format!("52.1.{}.{}", i / 200, i % 200);
                let mut s = scan(&["vpc-1", "us-east-1", "use1-az1", "eni-1"], &addr, 1);
                agg.absorb(&mut s).unwrap();
            }
            agg.into_table().unwrap()
        };
        let mut t = table();
        for spill in std::fs::read_dir(dir.path()).unwrap() {
            for f in std::fs::read_dir(spill.unwrap().path()).unwrap() {
                std::fs::remove_file(f.unwrap().path()).unwrap();
            }
        }
        let mut seen = 0;
        let err = t
            .take_partitions()
            .for_each(|_| {
                seen += 1;
                Ok(())
            })
            .unwrap_err();
        assert!(err.to_string().contains("cannot read spill file"), "{err}");
        assert!(seen < PARTITIONS, "read {seen} partitions");
        drop(t);
        let mut t = table();
        let mut calls = 0;
        let err = t
            .take_partitions()
            .for_each(|_| {
                calls += 1;
                Err(Error::Invalid("stop".into()))
            })
            .unwrap_err();
        assert_eq!((calls, err.to_string().contains("stop")), (1, true));
    }

    /// Partitions are read in their order and ahead only while the tables of those read and
    /// not yet done with fit the bound (one alone always may be read); closing the gate sends
    /// waiting readers away.
    #[test]
    fn the_read_gate_bounds_the_partitions_held_and_keeps_their_order() {
        use std::time::Duration;
        let long = Duration::from_secs(20);
        let gate = ReadGate::new(Some(10));
        assert!(gate.enter(0, 6));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            let (gate, tx2) = (&gate, tx.clone());
            // A failed assertion closes the gate, so that the waiting threads end (no hang).
            let _close = gate.closer();
            // Partition 2 fits beside 0 but waits for 1's turn; 1 does not fit beside 0.
            s.spawn(move || tx2.send((2, gate.enter(2, 3))).unwrap());
            s.spawn(move || tx.send((1, gate.enter(1, 6))).unwrap());
            assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
            gate.leave(6);
            // Both enter now, 1 first; which thread then sends first is the scheduler's choice.
            let mut entered = [rx.recv_timeout(long), rx.recv_timeout(long)];
            entered.sort_by_key(|r| r.as_ref().map(|e| e.0).ok());
            assert_eq!(entered, [Ok((1, true)), Ok((2, true))]);
        });
        let s = lock(&gate.state);
        assert_eq!((s.next, s.held), (3, 9));
        drop(s);

        let gate = ReadGate::new(Some(10));
        assert!(
            gate.enter(0, 50),
            "alone, a partition larger than the bound is read"
        );
        std::thread::scope(|s| {
            let waiter = s.spawn(|| gate.enter(1, 1));
            std::thread::sleep(Duration::from_millis(100));
            drop(gate.closer());
            assert!(!waiter.join().unwrap());
        });
    }
}
