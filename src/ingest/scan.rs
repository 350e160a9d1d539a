//! The record scanner: one flow-log text file (plain or gzip) in, an early aggregate out
//! (VPC x region x AZ x interface x remote address x direction -> bytes, packets, records),
//! with every line accounted for. Reads only the fields the analysis needs.

use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

use rustc_hash::FxHashMap;

pub use super::flow::{Direction, FlowKey, FlowSums, RemoteId, FLOW_BYTES};
use super::table::{FlowMap, Table, TableKey};

use super::format::{may_be_header, parse_header, Field, RecordFormat};
use super::{Accounting, LineIssue};
use crate::classify::address::{ipv4_field_words, is_private, parse_ip, parse_ipv4};
use crate::classify::IpRanges;
use crate::error::{Error, Result};
use crate::traffic::DestClass;

/// Class code of private peers in [`SeriesKey::class`].
const PRIVATE_CLASS: u8 = DestClass::Private as u8;
/// Cache value: the address is in no ip-ranges prefix (its class depends on the hint).
const NOT_AWS: u8 = u8::MAX;

/// Interned strings (VPC ids, regions, AZs, interfaces, service hints) of one scan; id 0 is "".
#[derive(Debug, Clone)]
pub struct Interner {
    map: FxHashMap<Box<[u8]>, u32>,
    names: Vec<String>,
}

impl Default for Interner {
    fn default() -> Self {
        let mut interner = Interner {
            map: FxHashMap::default(),
            names: Vec::new(),
        };
        interner.intern(b"");
        interner
    }
}

impl Interner {
    /// Id of `bytes`, adding it when new.
    pub fn intern(&mut self, bytes: &[u8]) -> u32 {
        if let Some(&id) = self.map.get(bytes) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(String::from_utf8_lossy(bytes).into_owned());
        self.map.insert(bytes.into(), id);
        id
    }

    /// The string of `id`.
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// All strings, by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// The remote side of a record: an address, or the single bucket for private (non-NAT) peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Remote {
    Private,
    /// A private hop whose pkt-* address is public: this interface relays a public peer (a NAT
    /// gateway's client leg). Kept apart so the vantage rules can see which ENIs relay.
    Relayed,
    Ip(IpAddr),
}

/// How many distinct flows are held in memory before they move to temporary files
/// (`--memory-limit`, `--spill-dir`).
#[derive(Debug, Clone, Default)]
pub struct SpillConfig {
    /// Hash-table slots of the run's aggregate before a partition spills (`None`: never).
    pub budget_flows: Option<usize>,
    /// Distinct flows of one file being read before they are staged in a temporary file of
    /// its own (`None`: never); they join the aggregate when the file has been read to its end.
    pub file_flows: Option<usize>,
    /// Folder for the temporary files (default: the system's temporary folder).
    pub dir: Option<std::path::PathBuf>,
    /// A gzip file whose compressed and inflated sizes together are at most this is read into
    /// memory and inflated in one call (libdeflate: faster than inflating a stream);
    /// a larger one is inflated as a stream (`None`: always).
    pub whole_gzip_bytes: Option<u64>,
    /// Remote addresses a reading thread carries from one file to the next before it starts
    /// over (`None`: [`MAX_CARRIED_ADDRS`]).
    pub carried_addrs: Option<usize>,
}

/// Memory of one remote address in a thread's numbering (its slot in a table that may be half
/// empty after doubling, and its place in the list by id), rounded up.
const BYTES_PER_CARRIED_ADDR: u64 = 96;

/// Memory of one remote address in the run-wide numbering and the threads' lists of run-wide
/// ids (96 bytes at most), in aggregate flow slots ([`BYTES_PER_FLOW`] each): the aggregate
/// counts it so.
pub(super) const FLOWS_PER_RUN_ADDR: usize = 3;

/// Memory of one distinct flow in the aggregate's tables (`table::FlowSlots`): a 32-byte slot
/// in a table at most 7/8 full, rounded up.
pub const BYTES_PER_FLOW: u64 = 37;

impl SpillConfig {
    /// The budgets for a memory limit in bytes: seven sixteenths of it for the run's aggregate
    /// (its flows and the run-wide numbering of remote addresses), an eighth for the addresses
    /// the reading threads carry from file to file, a quarter for the flows of the files being
    /// read (`threads` at once), a quarter for the gzip files inflated whole (buffers and the
    /// steps after the scan fit in the sixteenth left and in what the shares leave unused).
    pub fn for_limit(limit_bytes: u64, dir: Option<std::path::PathBuf>, threads: usize) -> Self {
        let threads = threads.max(1) as u64;
        // A file's map is a hash table that doubles: count two slots per flow.
        let file = limit_bytes / 4 / threads / super::table::BYTES_PER_FLOW / 2;
        let carried = limit_bytes / 8 / threads / BYTES_PER_CARRIED_ADDR;
        SpillConfig {
            budget_flows: Some((limit_bytes / 16 * 7 / BYTES_PER_FLOW).max(1024) as usize),
            file_flows: Some(file.max(1024) as usize),
            dir,
            whole_gzip_bytes: Some(limit_bytes / 4 / threads),
            carried_addrs: Some(carried.max(4096) as usize),
        }
    }

    /// The budgets per file when `readers` files are read at once instead of `threads`.
    pub fn shared_by(&mut self, threads: usize, readers: usize) {
        let (threads, readers) = (threads.max(1), readers.max(1));
        if let Some(f) = self.file_flows.as_mut() {
            *f = (*f * threads / readers).max(1);
        }
        if let Some(w) = self.whole_gzip_bytes.as_mut() {
            *w = *w * threads as u64 / readers as u64;
        }
    }
}

/// A file's flows staged in a temporary file (removed when closed) while the file is read.
#[derive(Debug)]
pub struct Staged {
    pub file: std::fs::File,
    pub flows: u64,
}

/// The string-like parts of a flow, as interner ids; id 0 is "".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Context {
    pub vpc: u32,
    pub region: u32,
    pub az: u32,
    pub interface: u32,
    pub hint: u32,
}

/// Distinct values of `T` numbered in order of first sight.
#[derive(Debug, Clone)]
pub struct Ids<T> {
    map: FxHashMap<T, u32>,
    items: Vec<T>,
}

impl<T> Default for Ids<T> {
    fn default() -> Self {
        Ids {
            map: FxHashMap::default(),
            items: Vec::new(),
        }
    }
}

impl<T: Copy + Eq + std::hash::Hash> Ids<T> {
    /// Id of `item`, adding it when new.
    #[inline]
    pub fn id(&mut self, item: T) -> u32 {
        let next = self.items.len() as u32;
        let id = *self.map.entry(item).or_insert(next);
        if id == next {
            self.items.push(item);
        }
        id
    }

    /// All values, by id.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Remote addresses numbered in order of first sight, each with its destination class as last
/// computed (kept in the same table: one lookup gives both).
#[derive(Debug, Default)]
pub struct Addrs {
    map: Table<IpAddr, AddrSlot>,
    items: Vec<IpAddr>,
}

/// An address's number and cached class.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct AddrSlot {
    id: u32,
    /// The VPC region (id in [`Carry::regions`]) `class` was computed for; `u32::MAX`: none.
    region: u32,
    class: u8,
}

impl Addrs {
    /// Id of `ip`, adding it when new.
    pub fn id(&mut self, ip: IpAddr) -> u32 {
        self.slot(ip).id
    }

    /// Starts fetching `ip`'s slot (see [`Scanner::add_flow`]).
    #[inline]
    fn prefetch(&self, ip: IpAddr) {
        self.map.prefetch(ip.table_hash());
    }

    #[inline]
    fn slot(&mut self, ip: IpAddr) -> AddrSlot {
        let next = self.items.len() as u32;
        let (slot, new) = self.map.entry(ip, ip.table_hash(), || AddrSlot {
            id: next,
            region: u32::MAX,
            class: 0,
        });
        if new {
            self.items.push(ip);
        }
        *slot
    }

    fn set_class(&mut self, ip: IpAddr, region: u32, class: u8) {
        if let Some(slot) = self.map.get_mut(ip, ip.table_hash()) {
            (slot.region, slot.class) = (region, class);
        }
    }

    /// All addresses, by id.
    pub fn items(&self) -> &[IpAddr] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// What one file contributed.
#[derive(Debug, Default)]
pub struct FileScan {
    pub interner: Interner,
    /// The flows' contexts (string parts), numbered.
    pub contexts: Ids<Context>,
    /// The flows' remote addresses, numbered.
    pub addrs: Addrs,
    pub flows: FlowMap,
    pub accounting: Accounting,
    /// Observed (min start, max end) in Unix seconds.
    pub window: Option<(u64, u64)>,
    /// Formats seen (description), with the number of records read in each.
    pub formats: Vec<(String, u64)>,
    /// First malformed lines (at most [`MAX_ISSUES_PER_FILE`]).
    pub issues: Vec<LineIssue>,
    /// How the file was recognised (for `--verbose`).
    pub detected: String,
    /// Hours (Unix seconds / 3600) in which some record starts: the logs' coverage.
    pub hours: rustc_hash::FxHashSet<u32>,
    /// (interface, remote) pairs whose egress records say `traffic-path` 2, 7 or 8: out through
    /// an internet gateway or a gateway endpoint, not a NAT gateway; the codes seen as
    /// [`direct_path_bit`] bits.
    pub direct: FxHashMap<(u32, IpAddr), u8>,
    /// Accepted bytes per (VPC, region, start hour, destination class) as logged (before NAT
    /// de-duplication); filled when [`ScanSettings::classes`] is given.
    pub series: FxHashMap<SeriesKey, u64>,
    /// Flows moved out of [`FileScan::flows`] to a temporary file when the map passed
    /// [`SpillConfig::file_flows`]; same numbering.
    pub staged: Option<Staged>,
    /// What the reading thread carries from file to file (see [`Carry`]).
    pub(super) carry: Carry,
}

/// Addresses a thread carries from file to file before it starts over (bounds its memory).
const MAX_CARRIED_ADDRS: usize = 1 << 20;

/// What one reading thread keeps from one file to the next, so work done for one file is not
/// redone for the next: the emptied flow map (its capacity: no regrowing, no fresh pages), the
/// address numbering ([`FileScan::addrs`] then numbers every address the thread has seen, not
/// only this file's), each address's destination class, and the run-wide id of each address
/// (filled by the aggregate that absorbs the files, see [`Carry::run_addrs`]).
#[derive(Debug, Default)]
pub(super) struct Carry {
    flows: FlowMap,
    addrs: Addrs,
    /// Region names numbered for [`AddrSlot::region`].
    regions: Interner,
    /// The ip-ranges table ([`IpRanges::serial`]) the classes were computed with.
    classes_for: u64,
    /// The aggregate (by its serial number) the run-wide address ids belong to, and the
    /// run-wide id of each address id, for the first ids (the rest are not known yet).
    pub(super) run_addrs: (u64, Vec<u32>),
}

thread_local! {
    static CARRIED: std::cell::RefCell<Option<Carry>> = const { std::cell::RefCell::new(None) };
}

impl Carry {
    /// This thread's carried state (or a fresh one).
    fn take() -> Carry {
        CARRIED.with(|c| c.borrow_mut().take()).unwrap_or_default()
    }
}

/// Frees the calling thread's carried state (after the scan).
pub(super) fn release_carried() {
    CARRIED.with(|c| *c.borrow_mut() = None);
}

/// Hands the state of a file whose flows moved to the aggregate back to its thread, for the
/// next file (a file still holding flows is left alone), its addresses only up to `carried`
/// ([`SpillConfig::carried_addrs`]).
pub(super) fn recycle(scan: &mut FileScan, carried: Option<usize>) {
    if !scan.flows.is_empty() || scan.staged.is_some() {
        return;
    }
    let carried_limit = carried.unwrap_or(MAX_CARRIED_ADDRS).min(MAX_CARRIED_ADDRS);
    let mut carry = std::mem::take(&mut scan.carry);
    if scan.addrs.len() > carried_limit {
        carry = Carry::default();
    } else {
        carry.addrs = std::mem::take(&mut scan.addrs);
    }
    carry.flows = std::mem::take(&mut scan.flows);
    CARRIED.with(|c| *c.borrow_mut() = Some(carry));
}

/// Key of the scan-time traffic series: interner ids of the VPC and region, the record's start
/// hour (Unix seconds / 3600), the destination class (index in [`DestClass::ALL`]) and, for the
/// private class only, the interface (0 otherwise): a NAT gateway's private hops are its
/// clients' legs, left out once the vantage step knows which interfaces are NAT gateways'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    pub vpc: u32,
    pub region: u32,
    pub hour: u32,
    pub class: u8,
    pub interface: u32,
}

/// Malformed-line examples kept per file.
pub const MAX_ISSUES_PER_FILE: usize = 5;

/// Settings a scan needs from the caller.
#[derive(Debug, Clone)]
pub struct ScanSettings {
    /// Region for records without a `region` field.
    pub region: String,
    /// First malformed line is an error.
    pub strict: bool,
    /// Format of files without a header line (`--log-format`); default v2 when `None`.
    pub log_format: Option<RecordFormat>,
    /// Advanced by the bytes read from disk.
    pub progress: Option<indicatif::ProgressBar>,
    /// Decompress on a thread of its own while this one parses (worth it when there are fewer
    /// files than cores).
    pub pipeline: bool,
    /// The VPCs' own addresses beyond private space (from the inventory).
    pub local: Option<std::sync::Arc<crate::inventory::LocalAddrs>>,
    /// Keep the start hour in the aggregation key (needed to join DNS answers by time).
    pub hourly: bool,
    /// The ip-ranges table: when given, accepted bytes are also summed per hour and coarse
    /// destination class ([`FileScan::series`]).
    pub classes: Option<std::sync::Arc<IpRanges>>,
    /// When a file's flows move to a temporary file.
    pub spill: SpillConfig,
}

impl ScanSettings {
    /// The format a file without a header line is read in: `--log-format`, else the default.
    pub fn base_format(&self) -> RecordFormat {
        self.log_format
            .clone()
            .unwrap_or_else(RecordFormat::default_v2)
    }

    /// Settings for reading one file on its own: records without a region in `region`, bad
    /// lines counted (not fatal), the default format, no progress bar, no inventory, no hourly
    /// keys or series, no spill budget.
    pub fn for_region(region: &str) -> ScanSettings {
        ScanSettings {
            region: region.into(),
            strict: false,
            log_format: None,
            progress: None,
            pipeline: false,
            local: None,
            hourly: false,
            classes: None,
            spill: SpillConfig::default(),
        }
    }
}

/// Per-file scanning state.
pub(super) struct Scanner<'a> {
    path: &'a Path,
    settings: &'a ScanSettings,
    pub(super) format: RecordFormat,
    /// A header (or the Parquet schema) gave the format, rather than a default.
    format_known: bool,
    /// A data record has been read in this file.
    seen_data: bool,
    /// Hour of the last record's start (to skip redundant coverage inserts).
    last_hour: u32,
    format_records: u64,
    pub(super) out: FileScan,
    region_fallback: u32,
    unattributed: u32,
    unknown_az: u32,
    /// The thread-wide id ([`Carry::regions`]) of each region id of this file's interner.
    region_ids: Vec<u32>,
    /// Contexts by their raw fields.
    contexts: ContextCache,
    /// Class per service hint id (for addresses ip-ranges does not know).
    hint_cache: FxHashMap<(u32, u32), u8>,
    /// An error that is not a record's (a temporary file could not be written).
    fault: Option<Error>,
    /// Class per ip-ranges (service, region) match, VPC region and family.
    aws_class_cache: FxHashMap<(u16, u16, u32, bool), u8>,
    /// Flows whose remote address's slot is being fetched, oldest first (see
    /// [`Scanner::add_flow`]).
    waiting: std::collections::VecDeque<Waiting>,
    /// Series keys and their bytes not yet added to [`FileScan::series`], each at its
    /// [`series_slot`]: records come in pairs (egress and ingress) of one key, and interfaces
    /// interleave, so a map lookup per change of key was still 2% of a plain scan.
    series_recent: Box<[Option<(SeriesKey, u64)>; SERIES_SLOTS]>,
    /// The last record's srcaddr and dstaddr, as read (see [`AddrMemo`]).
    addr_memo: AddrMemo,
}

/// The IPv4 addresses of the last record by the bytes they were written in: records come in
/// pairs whose second names the first's addresses swapped (the reply of a connection), and an
/// interface's own address repeats from record to record. Comparing two words costs a tenth of
/// parsing an address.
#[derive(Debug, Default, Clone, Copy)]
struct AddrMemo {
    /// [`ipv4_words`] of the last srcaddr and dstaddr (0: none) and the addresses they read as.
    keys: [(u64, u64); 2],
    addrs: [u32; 2],
}

impl AddrMemo {
    /// The address `key` reads as, when it is one of the last record's (`first` is tried
    /// first: the last record's other side).
    #[inline]
    fn find(&self, key: Option<(u64, u64)>, first: usize) -> Option<std::net::Ipv4Addr> {
        let key = key?;
        if self.keys[first] == key {
            Some(self.addrs[first].into())
        } else if self.keys[1 - first] == key {
            Some(self.addrs[1 - first].into())
        } else {
            None
        }
    }

    /// Keeps this record's addresses (an IPv6 one is not kept).
    #[inline]
    fn keep(&mut self, keys: [Option<(u64, u64)>; 2], addrs: [IpAddr; 2]) {
        for i in 0..2 {
            match (keys[i], addrs[i]) {
                (Some(k), IpAddr::V4(a)) => {
                    self.keys[i] = k;
                    self.addrs[i] = a.into();
                }
                _ => self.keys[i] = (0, 0),
            }
        }
    }
}

/// A field of 7 to 15 bytes as two words that are equal exactly when the bytes are: its
/// [`ipv4_field_words`] with the length in the (otherwise zero) top byte, never 0, so `(0, 0)`
/// is no field's.
#[inline]
fn ipv4_words(b: &[u8]) -> Option<(u64, u64)> {
    ipv4_field_words(b).map(|(lo, hi)| (lo, hi | (b.len() as u64) << 56))
}

/// Flows that wait for their remote address's slot: the slot of the oldest has had this many
/// records' parsing to arrive in the cache.
const ADDRESS_LAG: usize = 4;

/// A flow [`Scanner::add_flow`] has counted, waiting for its address's number and class.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    context: Context,
    ctx: u32,
    remote: Remote,
    direction: Direction,
    start: Option<u64>,
    sums: FlowSums,
}

const UNATTRIBUTED: &[u8] = b"unattributed";

use super::format::MAX_FIELDS;

/// Most bytes one record can count: an interface at 3,200 Gbit/s for a whole 10-minute
/// aggregation interval moves 2.4e14 bytes; a value over 2^50 (1 PiB) is not a real count (and a
/// few such records would saturate every total).
pub const MAX_RECORD_BYTES: u64 = 1 << 50;

/// Longest line read; a longer one is counted as malformed and skipped (memory stays bounded).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Strips a CloudWatch export's leading ISO timestamp (`2026-11-01T00:00:00.000Z `), if any.
fn strip_timestamp_prefix(line: &[u8]) -> &[u8] {
    if line.len() > 20
        && line[4] == b'-'
        && line[7] == b'-'
        && line[10] == b'T'
        && line[0].is_ascii_digit()
    {
        if let Some(sp) = memchr::memchr(b' ', line) {
            let rest = &line[sp + 1..];
            if !rest.is_empty() {
                return rest;
            }
        }
    }
    line
}

#[derive(serde::Deserialize)]
struct CloudWatchEvents {
    events: Vec<CloudWatchEvent>,
}

#[derive(serde::Deserialize)]
struct CloudWatchEvent {
    message: String,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(path: &'a Path, settings: &'a ScanSettings) -> Scanner<'a> {
        let mut carry = Carry::take();
        let table = settings.classes.as_deref().map_or(0, IpRanges::serial);
        if carry.classes_for != table {
            // Classes from another table: start over (the flow map is only capacity).
            carry = Carry {
                flows: std::mem::take(&mut carry.flows),
                classes_for: table,
                ..Carry::default()
            };
        }
        let mut out = FileScan {
            flows: std::mem::take(&mut carry.flows),
            addrs: std::mem::take(&mut carry.addrs),
            carry,
            ..FileScan::default()
        };
        let region_fallback = out.interner.intern(settings.region.as_bytes());
        let unattributed = out.interner.intern(UNATTRIBUTED);
        let unknown_az = out.interner.intern(b"-");
        Scanner {
            path,
            settings,
            format: settings.base_format(),
            format_known: false,
            seen_data: false,
            last_hour: u32::MAX,
            format_records: 0,
            out,
            region_fallback,
            unattributed,
            unknown_az,
            region_ids: Vec::new(),
            contexts: ContextCache::default(),
            hint_cache: FxHashMap::default(),
            fault: None,
            aws_class_cache: FxHashMap::default(),
            waiting: std::collections::VecDeque::with_capacity(ADDRESS_LAG + 1),
            series_recent: Box::new([None; SERIES_SLOTS]),
            addr_memo: AddrMemo::default(),
        }
    }

    /// Destination class code (index in [`DestClass::ALL`]) of an accepted record's remote
    /// side, as [`crate::traffic::dest_class`] would give it with `region` as the VPC's.
    fn class_of(
        &mut self,
        table: &IpRanges,
        remote: Remote,
        slot: Option<AddrSlot>,
        hint: u32,
        region: u32,
    ) -> u8 {
        let (addr, slot) = match (remote, slot) {
            (Remote::Ip(a), Some(s)) => (a, s),
            _ => return PRIVATE_CLASS,
        };
        let interner = &self.out.interner;
        let aws_class = &mut self.aws_class_cache;
        let carry = &mut self.out.carry;
        if self.region_ids.len() <= region as usize {
            self.region_ids.resize(region as usize + 1, u32::MAX);
        }
        let thread_region = &mut self.region_ids[region as usize];
        if *thread_region == u32::MAX {
            *thread_region = carry.regions.intern(interner.name(region).as_bytes());
        }
        let thread_region = *thread_region;
        let mut code = slot.class;
        if slot.region != thread_region {
            code = match table.lookup_ids(addr) {
                Some((service, service_region)) => *aws_class
                    .entry((service, service_region, region, addr.is_ipv6()))
                    .or_insert_with(|| {
                        let kind = if addr.is_ipv6() { "ipv6" } else { "aws" };
                        crate::traffic::dest_class(
                            kind,
                            table.service_name(service),
                            table.region_name(service_region),
                            interner.name(region),
                        ) as u8
                    }),
                None if addr.is_ipv6() => DestClass::Ipv6Direct as u8,
                None => NOT_AWS,
            };
            self.out.addrs.set_class(addr, thread_region, code);
        }
        if code != NOT_AWS {
            return code;
        }
        if hint == 0 {
            return DestClass::Internet as u8;
        }
        *self.hint_cache.entry((hint, region)).or_insert_with(|| {
            let service = interner.name(hint).to_ascii_uppercase();
            crate::traffic::dest_class("aws", &service, "", interner.name(region)) as u8
        })
    }

    /// Flow-log text lines (header line, `--log-format` or default v2): `buf[..filled]` holds
    /// the first bytes already read from `reader`.
    pub(super) fn text<R: Read>(
        &mut self,
        reader: &mut R,
        mut buf: Vec<u8>,
        mut filled: usize,
        err: impl Fn(std::io::Error) -> Error,
        compression: &str,
    ) -> Result<()> {
        self.out.detected = format!("{compression}, flow-log text");
        let mut line_no = 0u64;
        // Inside a line longer than the buffer: discard up to its newline.
        let mut skipping = false;
        let mut eof = false;
        loop {
            let mut start = 0usize;
            if skipping {
                match memchr::memchr(b'\n', &buf[..filled]) {
                    Some(pos) => {
                        start = pos + 1;
                        skipping = false;
                    }
                    None => filled = 0,
                }
            }
            if !skipping {
                while let Some(pos) = memchr::memchr(b'\n', &buf[start..filled]) {
                    line_no += 1;
                    let line = &buf[start..start + pos];
                    self.line(line, line_no)?;
                    start += pos + 1;
                }
                buf.copy_within(start..filled, 0);
                filled -= start;
            }
            if eof {
                if filled > 0 && !skipping {
                    line_no += 1;
                    let line = &buf[..filled];
                    self.line(line, line_no)?;
                }
                break;
            }
            if filled == buf.len() {
                // A line longer than the buffer: count it as malformed and skip to its end.
                line_no += 1;
                self.out.accounting.records += 1;
                self.malformed(line_no, format!("line longer than {MAX_LINE_BYTES} bytes"))?;
                skipping = true;
                filled = 0;
            }
            crate::interrupt::check()?;
            match reader.read(&mut buf[filled..]) {
                Ok(0) => eof = true,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(err(e)),
            }
        }
        self.text_done(line_no);
        Ok(())
    }

    /// [`Scanner::text`] for text already in memory (a gzip file inflated whole): the same
    /// lines, numbers and limits, without copying it through a buffer.
    pub(super) fn text_slice(&mut self, text: &[u8], compression: &str) -> Result<()> {
        self.out.detected = format!("{compression}, flow-log text");
        let mut line_no = 0u64;
        let mut rest = text;
        while !rest.is_empty() {
            let (line, next) = match memchr::memchr(b'\n', rest) {
                Some(pos) => (&rest[..pos], &rest[pos + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            line_no += 1;
            if line.len() >= MAX_LINE_BYTES {
                // As the buffered reader sees it: a line that fills its buffer.
                self.out.accounting.records += 1;
                self.malformed(line_no, format!("line longer than {MAX_LINE_BYTES} bytes"))?;
            } else {
                self.line(line, line_no)?;
            }
            if line_no.is_multiple_of(8192) {
                crate::interrupt::check()?;
            }
            rest = next;
        }
        self.text_done(line_no);
        Ok(())
    }

    /// Counts a text's lines and says how its format was known.
    fn text_done(&mut self, line_no: u64) {
        self.out.accounting.lines += line_no;
        self.out.detected.push_str(&if self.format_known {
            format!(", header line ({})", abbreviate(&self.format.description))
        } else if self.settings.log_format.is_some() {
            ", no header: --log-format".to_string()
        } else {
            ", no header: default v2 format".to_string()
        });
    }

    /// A CloudWatch Logs JSON export: each event's `message` is one record line.
    pub(super) fn cloudwatch_export(&mut self, bytes: &[u8], compression: &str) -> Result<()> {
        let messages: Vec<String> = match serde_json::from_slice::<CloudWatchEvents>(bytes) {
            Ok(doc) => {
                self.out.detected = format!(
                    "{compression}, CloudWatch Logs JSON ({} events)",
                    doc.events.len()
                );
                doc.events.into_iter().map(|e| e.message).collect()
            }
            Err(doc_err) => {
                let mut out = Vec::new();
                for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
                    if line.iter().all(|b| b.is_ascii_whitespace()) {
                        continue;
                    }
                    let event: CloudWatchEvent = serde_json::from_slice(line).map_err(|e| Error::Format {
                        path: self.path.to_path_buf(),
                        reason: format!(
                            "JSON that is neither `aws logs filter-log-events` output ({{\"events\": [{{\"message\": ...}}]}}: {doc_err}) nor JSON lines with a \"message\" field (line {}: {e})",
                            i + 1
                        ),
                    })?;
                    out.push(event.message);
                }
                self.out.detected = format!(
                    "{compression}, CloudWatch Logs JSON lines ({} events)",
                    out.len()
                );
                out
            }
        };
        self.out.accounting.lines += messages.len() as u64;
        for (i, m) in messages.iter().enumerate() {
            for part in m.split('\n') {
                self.line(part.as_bytes(), i as u64 + 1)?;
            }
        }
        Ok(())
    }

    /// Sets the format from a self-describing source (Parquet schema).
    pub(super) fn set_known_format(&mut self, format: RecordFormat, detected: String) {
        self.close_format();
        self.format = format;
        self.format_known = true;
        self.out.detected = detected;
    }

    /// Marks the scan as one of a range after the first of a file (see
    /// [`super::detect::scan_split`]): its first record is not the file's, so a record with the
    /// wrong field count is a malformed line, not an unknown format.
    pub(super) fn continue_file(&mut self) {
        self.seen_data = true;
    }

    /// Switches to `format` for the records that follow (a reader that knows better than the
    /// default, e.g. with an interface-id column it supplies), keeping whether it is known.
    pub(super) fn replace_format(&mut self, format: RecordFormat) {
        self.close_format();
        self.format = format;
    }

    /// The file being read.
    pub(super) fn path(&self) -> &Path {
        self.path
    }

    /// The format a file without a header line is read in ([`ScanSettings::base_format`]).
    pub(super) fn base_format(&self) -> RecordFormat {
        self.settings.base_format()
    }

    /// Counts lines read from a source without lines (Parquet rows).
    pub(super) fn add_lines(&mut self, n: u64) {
        self.out.accounting.lines += n;
    }

    /// The scan so far, for readers that fill the parts [`Scanner::add_flow`] does not.
    pub(super) fn out_mut(&mut self) -> &mut FileScan {
        &mut self.out
    }

    pub(super) fn finish(mut self) -> FileScan {
        self.close_format();
        self.place_waiting();
        self.flush_series();
        self.out.flows.flush();
        self.out
    }

    /// Adds the bytes of the series keys held apart to the file's series.
    fn flush_series(&mut self) {
        for held in self.series_recent.iter_mut() {
            if let Some((key, bytes)) = held.take() {
                add_series(&mut self.out.series, key, bytes);
            }
        }
    }

    fn close_format(&mut self) {
        if self.format_records > 0 {
            self.out
                .formats
                .push((self.format.description.clone(), self.format_records));
        }
        self.format_records = 0;
    }

    pub(super) fn line(&mut self, raw: &[u8], line_no: u64) -> Result<()> {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            self.out.accounting.blank_lines += 1;
            return Ok(());
        }
        let line = strip_timestamp_prefix(line);
        if may_be_header(line) {
            if let Some(format) = std::str::from_utf8(line).ok().and_then(parse_header) {
                if let Some(reason) = format.unusable_reason() {
                    return Err(Error::Format {
                        path: self.path.to_path_buf(),
                        reason: format!("line {line_no}: {reason}"),
                    });
                }
                self.close_format();
                self.format = format;
                self.format_known = true;
                self.out.accounting.header_lines += 1;
                return Ok(());
            }
        }
        // The first byte keeps the comparison off the records' path.
        if line.first() == Some(&b'P') && super::format::is_validation_message(line) {
            self.out.accounting.control_messages += 1;
            return Ok(());
        }
        // Not initialised: split_fields writes the fields it finds (64 empty slices a line cost
        // a fifth of the splitting).
        let mut fields = [const { std::mem::MaybeUninit::uninit() }; MAX_FIELDS];
        let n = split_fields(line, &mut fields);
        self.data(written_fields(&fields, n), n, line_no)
    }

    /// One data record given as fields (`total` is the field count, which may exceed the slice).
    pub(super) fn data(&mut self, fields: &[&[u8]], total: usize, line_no: u64) -> Result<()> {
        self.out.accounting.records += 1;
        self.format_records += 1;
        if total != self.format.field_count {
            if !self.format_known && !self.seen_data {
                return Err(Error::Format {
                    path: self.path.to_path_buf(),
                    reason: format!(
                        "cannot determine the record format: line {line_no} has {total} fields, there is no header line, and the {} has {}. Add the header line, or pass --log-format with the flow log's LogFormat (from `aws ec2 describe-flow-logs`), e.g. --log-format '${{version}} ${{vpc-id}} ${{srcaddr}} ...'",
                        if self.settings.log_format.is_some() { "--log-format" } else { "default format (version 2)" },
                        self.format.field_count
                    ),
                });
            }
            self.seen_data = true;
            let reason = format!(
                "expected {} fields, found {total} (format: {})",
                self.format.field_count,
                abbreviate(&self.format.description)
            );
            return self.malformed(line_no, reason);
        }
        self.seen_data = true;
        if let Err(reason) = self.record_fields(fields) {
            self.malformed(line_no, reason)?;
        }
        match self.fault.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Counts a malformed record (already counted in `records`), keeps the first few examples,
    /// and fails in strict mode.
    pub(super) fn malformed(&mut self, line_no: u64, reason: String) -> Result<()> {
        self.out.accounting.malformed += 1;
        if self.settings.strict {
            return Err(Error::Malformed {
                path: self.path.to_path_buf(),
                line: line_no,
                reason,
            });
        }
        if self.out.issues.len() < MAX_ISSUES_PER_FILE {
            self.out.issues.push(LineIssue {
                path: self.path.to_path_buf(),
                line: line_no,
                reason,
            });
        }
        Ok(())
    }

    fn record_fields(&mut self, fields: &[&[u8]]) -> std::result::Result<(), String> {
        let format = &self.format;
        // A macro, not a closure: the closure was called, not inlined, 13 times a record.
        macro_rules! get {
            ($f:expr) => {
                format.index($f).map(|i| fields[i])
            };
        }
        let start = epoch_seconds(parse_opt_u64(get!(Field::Start), "start")?, "start")?;
        let end = epoch_seconds(parse_opt_u64(get!(Field::End), "end")?, "end")?;
        if let (Some(s), Some(e)) = (start, end) {
            if s > e {
                return Err(format!("start {s} is after end {e}"));
            }
        }
        match get!(Field::LogStatus).map(|v| canonical(v, &[b"OK", b"NODATA", b"SKIPDATA"])) {
            None | Some(b"OK") | Some(b"-") => {}
            Some(b"NODATA") => {
                widen(&mut self.out, &mut self.last_hour, start, end);
                self.out.accounting.nodata += 1;
                return Ok(());
            }
            Some(b"SKIPDATA") => {
                widen(&mut self.out, &mut self.last_hour, start, end);
                self.out.accounting.skipdata += 1;
                return Ok(());
            }
            Some(other) => {
                return Err(format!(
                    "unknown log-status '{}'",
                    String::from_utf8_lossy(other)
                ))
            }
        }
        let rejected = match get!(Field::Action).map(|v| canonical(v, &[b"ACCEPT", b"REJECT"])) {
            None | Some(b"ACCEPT") | Some(b"-") => false,
            Some(b"REJECT") => true,
            Some(other) => {
                return Err(format!(
                    "unknown action '{}'",
                    String::from_utf8_lossy(other)
                ))
            }
        };
        // The interface's own addresses (srcaddr/dstaddr) say which side is outside the VPC;
        // pkt-srcaddr/pkt-dstaddr name the far end when the interface is an intermediate hop.
        let (pkt_src_raw, pkt_dst_raw) = (get!(Field::PktSrcAddr), get!(Field::PktDstAddr));
        // Looked up first among the last record's (see [`AddrMemo`]): what `address` gives is
        // a function of the plain field's bytes whenever it has a key (7 to 15 bytes, not `-`).
        let (src_field, dst_field) = (get!(Field::SrcAddr), get!(Field::DstAddr));
        let keys = [
            src_field.and_then(ipv4_words),
            dst_field.and_then(ipv4_words),
        ];
        let (src, src_raw) = match (self.addr_memo.find(keys[0], 1), src_field) {
            (Some(a), Some(raw)) => (IpAddr::V4(a), raw),
            _ => address(src_field, pkt_src_raw, "srcaddr")?,
        };
        let (dst, dst_raw) = match (self.addr_memo.find(keys[1], 0), dst_field) {
            (Some(a), Some(raw)) => (IpAddr::V4(a), raw),
            _ => address(dst_field, pkt_dst_raw, "dstaddr")?,
        };
        self.addr_memo.keep(keys, [src, dst]);
        // A pkt-* address is most often the plain one: not parsed twice.
        let pkt_src = match pkt_src_raw {
            Some(raw) if field_eq(raw, src_raw) => Some(src),
            raw => optional_address(raw, "pkt-srcaddr")?,
        };
        let pkt_dst = match pkt_dst_raw {
            Some(raw) if field_eq(raw, dst_raw) => Some(dst),
            raw => optional_address(raw, "pkt-dstaddr")?,
        };
        let packets = parse_opt_u64(get!(Field::Packets), "packets")?.unwrap_or(0);
        let bytes = match get!(Field::Bytes) {
            None => None,
            Some(b) => {
                let n = parse_u64(b)
                    .ok_or_else(|| format!("non-numeric bytes '{}'", String::from_utf8_lossy(b)))?;
                if n > MAX_RECORD_BYTES {
                    return Err(format!(
                        "bytes {n} is more than one record can carry (over 1 PiB): not a real count"
                    ));
                }
                Some(n)
            }
        };
        widen(&mut self.out, &mut self.last_hour, start, end);
        if rejected {
            self.out.accounting.rejected += 1;
            return Ok(());
        }
        let Some(bytes) = bytes else {
            self.out.accounting.accepted_without_bytes += 1;
            return Ok(());
        };
        let flow_direction =
            match get!(Field::FlowDirection).map(|v| canonical(v, &[b"egress", b"ingress"])) {
                Some(b"egress") => Some(Direction::Egress),
                Some(b"ingress") => Some(Direction::Ingress),
                _ => None,
            };
        let (src, dst) = (unmap_nat64(src), unmap_nat64(dst));
        let local = self.settings.local.as_deref();
        let is_local = |a: IpAddr| is_private(a) || local.is_some_and(|l| l.contains(a));
        let (src_private, dst_private) = (is_local(src), is_local(dst));
        let dst_is_remote = match (src_private, dst_private) {
            (true, false) => true,
            (false, true) => false,
            (both_private, _) => {
                if !both_private {
                    self.out.accounting.both_public += 1;
                }
                match flow_direction {
                    Some(d) => d == Direction::Egress,
                    None => {
                        let sp = get!(Field::SrcPort).and_then(parse_u64);
                        let dp = get!(Field::DstPort).and_then(parse_u64);
                        // The server side (lower port) is the remote one; workloads are clients.
                        !matches!((sp, dp), (Some(s), Some(d)) if s < d)
                    }
                }
            }
        };
        let (plain_remote, pkt_remote, direction) = if dst_is_remote {
            (dst, pkt_dst, Direction::Egress)
        } else {
            (src, pkt_src, Direction::Ingress)
        };
        let remote = if is_local(plain_remote) {
            let public = |a: Option<IpAddr>| a.is_some_and(|p| !is_local(unmap_nat64(p)));
            if public(pkt_src) || public(pkt_dst) {
                // A private hop relaying a public peer (e.g. instance -> NAT gateway ENI):
                // the public leg is counted where it leaves, not here.
                Remote::Relayed
            } else {
                Remote::Private
            }
        } else {
            match pkt_remote.map(unmap_nat64) {
                Some(p) if !is_local(p) => Remote::Ip(p),
                _ => Remote::Ip(plain_remote),
            }
        };
        let hint_field = if dst_is_remote {
            Field::PktDstAwsService
        } else {
            Field::PktSrcAwsService
        };
        self.add_flow(&FlowFields {
            vpc: get!(Field::VpcId),
            region: get!(Field::Region),
            az: get!(Field::AzId),
            // A regional NAT gateway's records name the gateway in resource-id, not an ENI.
            interface: match get!(Field::InterfaceId) {
                None | Some(b"-") => get!(Field::ResourceId).filter(|r| *r != b"-"),
                v => v,
            },
            hint: get!(hint_field),
            traffic_path: get!(Field::TrafficPath),
            remote,
            direction,
            start,
            sums: FlowSums {
                bytes,
                packets,
                records: 1,
            },
        })
        .or_else(|e| {
            // Not the record's fault: the scan stops with it (see `data`).
            self.fault = Some(e);
            Ok(())
        })
    }

    /// Adds one group of accepted records (one record as logged, or a group an engine summed):
    /// the single place where the aggregate, the direct-path set, the time series and the
    /// accepted counts grow, for flow-log files and traffic CSVs alike.
    pub(super) fn add_flow(&mut self, f: &FlowFields<'_>) -> Result<()> {
        let hint_raw = match f.remote {
            Remote::Private | Remote::Relayed => None,
            Remote::Ip(_) => f.hint,
        };
        let raw = [f.vpc, f.region, f.az, f.interface, hint_raw];
        // A file has few contexts: the raw fields are compared in place with those of the
        // context last found at the record's recent slot, else looked up by their hash (one
        // hash instead of five strings interned). No key is built to compare: reading back
        // bytes just written (a key built per record) stalled the loads that compared them.
        let cache = &mut self.contexts;
        let slot = recent_slot(&raw);
        let recent = cache.recent[slot] as usize;
        let found = match cache.entries.get(recent).filter(|e| e.0.same_as(&raw)) {
            Some(_) => Ok(recent),
            None => {
                let hash = hash_raw_fields(&raw);
                let same = |&&i: &&u32| cache.entries[i as usize].0.same_as(&raw);
                match cache.map.get(&hash).and_then(|e| e.iter().find(same)) {
                    Some(&i) => Ok(i as usize),
                    None => Err(hash),
                }
            }
        };
        let at = match found {
            Ok(i) => i,
            Err(hash) => {
                let out = &mut self.out;
                let intern = |out: &mut FileScan, v: Option<&[u8]>, fallback: u32| match v {
                    None | Some(b"-") | Some(b"") => fallback,
                    Some(v) => out.interner.intern(v),
                };
                let context = Context {
                    vpc: intern(out, f.vpc, self.unattributed),
                    region: intern(out, f.region, self.region_fallback),
                    az: intern(out, f.az, self.unknown_az),
                    interface: intern(out, f.interface, 0),
                    hint: intern(out, hint_raw, 0),
                };
                let i = cache.entries.len();
                cache.entries.push((
                    RawContext(raw.map(|v| v.map(Box::from))),
                    (context, out.contexts.id(context)),
                ));
                cache.map.entry(hash).or_default().push(i as u32);
                i
            }
        };
        cache.recent[slot] = at as u32;
        let (context, ctx) = self.contexts.entries[at].1;
        let out = &mut self.out;
        let (remote, direction, start) = (f.remote, f.direction, f.start);
        if let (Direction::Egress, Remote::Ip(ip), Some(bit)) =
            (direction, remote, f.traffic_path.and_then(direct_path_bit))
        {
            *out.direct.entry((context.interface, ip)).or_default() |= bit;
        }
        out.accounting.accepted = out.accounting.accepted.saturating_add(f.sums.records);
        out.accounting.accepted_bytes = out.accounting.accepted_bytes.saturating_add(f.sums.bytes);
        if remote == Remote::Relayed {
            out.accounting.relayed = out.accounting.relayed.saturating_add(f.sums.records);
        }
        // The remote address's slot (its number and class) is looked up a few records later,
        // once it has been fetched from memory: the flows are placed in the order they came,
        // so numbers and totals are those of an immediate lookup.
        if let Remote::Ip(ip) = remote {
            out.addrs.prefetch(ip);
        }
        self.waiting.push_back(Waiting {
            context,
            ctx,
            remote,
            direction,
            start,
            sums: f.sums,
        });
        if self.waiting.len() > ADDRESS_LAG {
            let w = self.waiting.pop_front().expect("more than ADDRESS_LAG");
            self.place(w);
        }
        let flows = self.out.flows.weight() + self.waiting.len();
        if flows >= self.settings.spill.file_flows.unwrap_or(usize::MAX) {
            self.place_waiting();
            self.stage()?;
        }
        Ok(())
    }

    /// Places every waiting flow.
    fn place_waiting(&mut self) {
        while let Some(w) = self.waiting.pop_front() {
            self.place(w);
        }
    }

    /// Numbers a waiting flow's remote address, adds its bytes to the series and its sums to
    /// the file's flows.
    fn place(&mut self, w: Waiting) {
        let (context, remote) = (w.context, w.remote);
        let out = &mut self.out;
        let (remote_id, slot) = match remote {
            Remote::Private => (RemoteId::PRIVATE, None),
            Remote::Relayed => (RemoteId::RELAYED, None),
            Remote::Ip(ip) => {
                let slot = out.addrs.slot(ip);
                (RemoteId::of_address(slot.id), Some(slot))
            }
        };
        let settings = self.settings;
        // A relayed hop (a NAT gateway's client leg) is never traffic of its own: its bytes are
        // counted on the public leg, so they are not in the series either.
        let start = w.start.filter(|_| remote != Remote::Relayed);
        if let (Some(table), Some(s)) = (settings.classes.as_deref(), start) {
            let class = self.class_of(table, remote, slot, context.hint, context.region);
            let key = SeriesKey {
                vpc: context.vpc,
                region: context.region,
                hour: (s / 3600) as u32,
                class,
                interface: if class == PRIVATE_CLASS {
                    context.interface
                } else {
                    0
                },
            };
            // Sums saturate: adding a key's bytes first, in any grouping, gives the same total.
            match &mut self.series_recent[series_slot(&key)] {
                Some((held, bytes)) if *held == key => *bytes = bytes.saturating_add(w.sums.bytes),
                slot => {
                    if let Some((held, bytes)) = slot.replace((key, w.sums.bytes)) {
                        add_series(&mut self.out.series, held, bytes);
                    }
                }
            }
        }
        self.out.flows.add(
            FlowKey {
                ctx: w.ctx,
                remote: remote_id,
                hour: match (settings.hourly, w.start) {
                    (true, Some(s)) => (s / 3600) as u32,
                    _ => 0,
                },
                direction: w.direction,
            },
            w.sums,
        );
    }

    /// Moves the file's flows so far to its temporary file (the map keeps its capacity).
    fn stage(&mut self) -> Result<()> {
        use std::io::Write;
        let out = &mut self.out;
        let err = |e: std::io::Error| {
            Error::Invalid(format!(
                "cannot write a temporary file for {} (--spill-dir names another folder): {e}",
                self.path.display()
            ))
        };
        if out.staged.is_none() {
            let file = match &self.settings.spill.dir {
                Some(dir) => tempfile::tempfile_in(dir),
                None => tempfile::tempfile(),
            }
            .map_err(err)?;
            out.staged = Some(Staged { file, flows: 0 });
        }
        let staged = out.staged.as_mut().expect("made above");
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &staged.file);
        let mut buf = [0u8; FLOW_BYTES];
        let n = out.flows.len() as u64;
        for (k, v) in out.flows.drain() {
            k.encode(&v, &mut buf);
            w.write_all(&buf).map_err(err)?;
        }
        w.flush().map_err(err)?;
        staged.flows += n;
        Ok(())
    }
}

/// Splits `line` at runs of spaces into `fields` (the first [`MAX_FIELDS`]); returns how many
/// fields the line has. Eight bytes are tested at a time (fields are short: a call per space
/// costs more than the search).
fn split_fields<'l>(
    line: &'l [u8],
    fields: &mut [std::mem::MaybeUninit<&'l [u8]>; MAX_FIELDS],
) -> usize {
    let (mut n, mut start) = (0usize, 0usize);
    let mut cut = |end: usize| {
        if end > start {
            if n < MAX_FIELDS {
                fields[n].write(&line[start..end]);
            }
            n += 1;
        }
        start = end + 1;
    };
    let mut base = 0usize;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        // Sixteen bytes at a time.
        while base + 16 <= line.len() {
            // SAFETY: SSE2 is part of every x86-64 CPU (the target's baseline), and as
            // base + 16 <= line.len() the 16 bytes read lie inside `line`.
            let mut spaces = unsafe {
                let v = _mm_loadu_si128(line.as_ptr().add(base).cast());
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8))) as u32
            };
            while spaces != 0 {
                cut(base + spaces.trailing_zeros() as usize);
                spaces &= spaces - 1;
            }
            base += 16;
        }
    }
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut chunks = line[base..].chunks_exact(8);
    for chunk in &mut chunks {
        let word =
            u64::from_le_bytes(chunk.try_into().expect("8 bytes")) ^ (ONES * u64::from(b' '));
        // The high bit of each byte that was a space (exact: no borrow between bytes).
        let mut spaces = !(((word & LOW7) + LOW7) | word | LOW7);
        while spaces != 0 {
            let end = base + (spaces.trailing_zeros() / 8) as usize;
            cut(end);
            spaces &= spaces - 1;
        }
        base += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == b' ' {
            cut(base + i);
        }
    }
    cut(line.len());
    n
}

/// The fields [`split_fields`] wrote (the first `n`, at most [`MAX_FIELDS`]).
fn written_fields<'f, 'l>(
    fields: &'f [std::mem::MaybeUninit<&'l [u8]>; MAX_FIELDS],
    n: usize,
) -> &'f [&'l [u8]] {
    // SAFETY: split_fields initialised fields[..min(n, MAX_FIELDS)], and MaybeUninit<T> has
    // T's layout.
    unsafe { std::slice::from_raw_parts(fields.as_ptr().cast(), n.min(MAX_FIELDS)) }
}

/// The bit a `traffic-path` code that bypasses NAT sets in [`FileScan::direct`]: 2 (internet
/// gateway or gateway endpoint) -> 1, 7 (gateway endpoint) -> 2, 8 (internet gateway) -> 4.
pub fn direct_path_bit(code: &[u8]) -> Option<u8> {
    match code {
        b"2" => Some(1),
        b"7" => Some(2),
        b"8" => Some(4),
        _ => None,
    }
}

/// Context ids by the raw fields (VPC, region, AZ, interface, hint) they were made from; the
/// recently seen ones apart.
struct ContextCache {
    /// Each context's raw fields and ids, in order of first sight.
    entries: Vec<(RawContext, ContextIds)>,
    /// Entries by the hash of their raw fields ([`hash_raw_fields`]).
    map: FxHashMap<u64, Vec<u32>>,
    /// The entry last found at each [`recent_slot`] (`u32::MAX`: none), checked first.
    recent: Box<[u32; RECENT_CONTEXTS]>,
}

impl Default for ContextCache {
    fn default() -> Self {
        ContextCache {
            entries: Vec::new(),
            map: FxHashMap::default(),
            recent: Box::new([u32::MAX; RECENT_CONTEXTS]),
        }
    }
}

/// Slots of [`Scanner::series_recent`]: a file's series keys are its VPCs x hours x classes
/// (and interfaces, for the private class).
const SERIES_SLOTS: usize = 256;

/// A series key's slot in [`Scanner::series_recent`].
#[inline]
fn series_slot(k: &SeriesKey) -> usize {
    let a = u64::from(k.vpc) | u64::from(k.hour) << 32;
    let b = u64::from(k.interface) | (u64::from(k.region) << 32 ^ u64::from(k.class) << 56);
    super::table::mix2(a, b) as usize % SERIES_SLOTS
}

/// Adds `bytes` to `key`'s in a file's series (saturating).
fn add_series(series: &mut FxHashMap<SeriesKey, u64>, key: SeriesKey, bytes: u64) {
    let slot = series.entry(key).or_default();
    *slot = slot.saturating_add(bytes);
}

/// Slots of [`ContextCache::recent`]: a power of two, more than the contexts of most files.
const RECENT_CONTEXTS: usize = 1024;

/// A record's slot in [`ContextCache::recent`], from the last bytes of its interface and hint
/// fields (two loads and a mix, where hashing all five fields took some forty cycles):
/// exports interleave their interfaces record by record, so the last record's context is the
/// wrong one about half the time.
#[inline]
pub(super) fn recent_slot(raw: &[Option<&[u8]>; 5]) -> usize {
    let tail = |v: Option<&[u8]>| -> u64 {
        match v {
            None => 0,
            Some(v) if v.len() >= 8 => {
                u64::from_le_bytes(v[v.len() - 8..].try_into().expect("8 bytes"))
            }
            Some(v) => v
                .iter()
                .fold(v.len() as u64, |h, &b| (h << 8) | u64::from(b)),
        }
    };
    super::table::mix2(tail(raw[3]), tail(raw[4])) as usize % RECENT_CONTEXTS
}

/// A context's raw fields as a record gave them (absent: `None`).
struct RawContext([Option<Box<[u8]>>; 5]);

impl RawContext {
    #[inline]
    fn same_as(&self, raw: &[Option<&[u8]>; 5]) -> bool {
        self.0.iter().zip(raw).all(|(kept, v)| match (kept, v) {
            (Some(k), Some(v)) => field_eq(k, v),
            (None, None) => true,
            _ => false,
        })
    }
}

/// Whether two fields are equal: `a == b` without a call to `memcmp`, for the short fields of
/// a record (IDs and addresses of 2 to 32 bytes: overlapping word loads). Five such calls a
/// record cost 3-4% of a scan.
#[inline]
fn field_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w4 = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().expect("4 bytes"));
    let w8 = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
    match n {
        0 => true,
        // Bytes 0, n/2 and n-1 are every byte of a string of 1 to 3.
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => w4(a, 0) == w4(b, 0) && w4(a, n - 4) == w4(b, n - 4),
        8..=16 => w8(a, 0) == w8(b, 0) && w8(a, n - 8) == w8(b, n - 8),
        17..=32 => {
            (w8(a, 0) ^ w8(b, 0))
                | (w8(a, 8) ^ w8(b, 8))
                | (w8(a, n - 16) ^ w8(b, n - 16))
                | (w8(a, n - 8) ^ w8(b, n - 8))
                == 0
        }
        _ => a == b,
    }
}

/// A context and its number in the file ([`FileScan::contexts`]).
type ContextIds = (Context, u32);

/// A hash of a record's raw context fields.
#[inline]
fn hash_raw_fields(raw: &[Option<&[u8]>; 5]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    for v in raw {
        match v {
            None => h.write_u8(0xff),
            Some(v) => {
                h.write_usize(v.len());
                h.write(v);
            }
        }
    }
    h.finish()
}

/// The fields of one group of accepted records that the aggregate keeps; strings as logged
/// (`-` or absent: not given).
pub(super) struct FlowFields<'f> {
    pub vpc: Option<&'f [u8]>,
    pub region: Option<&'f [u8]>,
    pub az: Option<&'f [u8]>,
    pub interface: Option<&'f [u8]>,
    /// `pkt-*-aws-service` of the remote side.
    pub hint: Option<&'f [u8]>,
    /// `traffic-path` (1-8).
    pub traffic_path: Option<&'f [u8]>,
    pub remote: Remote,
    pub direction: Direction,
    /// Start (Unix seconds) of the records: their hour keys the series and the DNS join.
    pub start: Option<u64>,
    pub sums: FlowSums,
}

/// `value`, or the word of `words` it equals ignoring ASCII case (`accept` -> `ACCEPT`).
/// Inlined with its words: each exact comparison is then one of a known length, made in
/// registers (a call to `memcmp` per word was a few percent of a scan).
#[inline(always)]
fn canonical<'v, const N: usize>(value: &'v [u8], words: &[&'static [u8]; N]) -> &'v [u8] {
    for w in words {
        if value == *w {
            return value;
        }
    }
    any_case(value, words)
}

/// [`canonical`]'s other case: the word `value` equals ignoring ASCII case, else `value`.
#[cold]
fn any_case<'v>(value: &'v [u8], words: &[&'static [u8]]) -> &'v [u8] {
    words
        .iter()
        .find(|w| w.eq_ignore_ascii_case(value))
        .map_or(value, |w| w)
}

/// Latest Unix time accepted as a record time: 2100-01-01T00:00:00Z.
const LAST_EPOCH_SECOND: u64 = 4_102_444_800;

/// A record time in Unix seconds: values in milliseconds (as some exports write them) are
/// divided by 1000; a time after 2100 is refused with the reason.
fn epoch_seconds(value: Option<u64>, name: &str) -> std::result::Result<Option<u64>, String> {
    match value {
        Some(v) if v > LAST_EPOCH_SECOND => {
            let ms = v / 1000;
            if (1_000_000_000..=LAST_EPOCH_SECOND).contains(&ms) {
                Ok(Some(ms))
            } else {
                Err(format!(
                    "{name} {v} is after 2100 as Unix seconds or milliseconds"
                ))
            }
        }
        other => Ok(other),
    }
}

/// Shortens a format description for messages, at a word boundary.
fn abbreviate(s: &str) -> String {
    if s.len() <= 60 {
        return s.to_string();
    }
    let mut out = String::new();
    for word in s.split(' ') {
        if out.len() + word.len() + 1 > 57 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push_str(" ...");
    out
}

/// Widens the observed window to include [start, end] and marks the start hour as covered.
fn widen(out: &mut FileScan, last_hour: &mut u32, start: Option<u64>, end: Option<u64>) {
    if let (Some(s), Some(e)) = (start, end) {
        let w = out.window.get_or_insert((s, e));
        w.0 = w.0.min(s);
        w.1 = w.1.max(e);
        let hour = (s / 3600) as u32;
        if hour != *last_hour {
            *last_hour = hour;
            out.hours.insert(hour);
        }
    }
}

/// The address of a record's side (the plain field, else its pkt-* one), with the bytes it was
/// parsed from.
#[inline(always)]
fn address<'v>(
    plain: Option<&'v [u8]>,
    pkt: Option<&'v [u8]>,
    name: &str,
) -> std::result::Result<(IpAddr, &'v [u8]), String> {
    // Inlined for the common case, a plain IPv4 address: a call that returned its large result
    // through memory was a tenth of a plain-text scan.
    if let Some(v) = plain {
        if let Some(a) = parse_ipv4(v) {
            return Ok((IpAddr::V4(a), v));
        }
    }
    any_address(plain, pkt, name)
}

/// [`address`] for the rest: `-`, the pkt-* field, IPv6, or a bad value.
#[cold]
#[inline(never)]
fn any_address<'v>(
    plain: Option<&'v [u8]>,
    pkt: Option<&'v [u8]>,
    name: &str,
) -> std::result::Result<(IpAddr, &'v [u8]), String> {
    let (value, prefix) = match (plain, pkt) {
        (Some(v), _) if v != b"-" => (v, ""),
        (_, Some(p)) if p != b"-" => (p, "pkt-"),
        (Some(v), _) => (v, ""),
        (None, _) => return Err(format!("no {name} value")),
    };
    match parse_ip(value) {
        Some(ip) => Ok((ip, value)),
        None => Err(format!(
            "bad address '{}' in {prefix}{name}",
            String::from_utf8_lossy(value)
        )),
    }
}

/// A pkt-* address, if present.
fn optional_address(
    value: Option<&[u8]>,
    field: &str,
) -> std::result::Result<Option<IpAddr>, String> {
    match value {
        None | Some(b"-") => Ok(None),
        Some(v) => parse_ip(v)
            .map(Some)
            .ok_or_else(|| format!("bad address '{}' in {field}", String::from_utf8_lossy(v))),
    }
}

/// NAT64: an IPv6 address in 64:ff9b::/96 is the IPv4 address a NAT gateway translates it to;
/// an IPv4-mapped address (::ffff:a.b.c.d) is its IPv4 address.
#[inline]
pub fn unmap_nat64(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => unmap_v6(v6),
        v4 => v4,
    }
}

/// [`unmap_nat64`] for an IPv6 address.
fn unmap_v6(v6: std::net::Ipv6Addr) -> IpAddr {
    if let Some(v4) = v6.to_ipv4_mapped() {
        // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address itself.
        IpAddr::V4(v4)
    } else if v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let o = v6.octets();
        IpAddr::V4(std::net::Ipv4Addr::new(o[12], o[13], o[14], o[15]))
    } else {
        IpAddr::V6(v6)
    }
}

#[inline]
fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
}

#[inline(always)]
fn parse_opt_u64(b: Option<&[u8]>, name: &str) -> std::result::Result<Option<u64>, String> {
    // Inlined for the common case, a number (see [`address`]).
    if let Some(n) = b.and_then(parse_u64) {
        return Ok(Some(n));
    }
    any_opt_u64(b, name)
}

/// [`parse_opt_u64`] for the rest: absent, `-`, or not a number.
#[cold]
#[inline(never)]
fn any_opt_u64(b: Option<&[u8]>, name: &str) -> std::result::Result<Option<u64>, String> {
    match b {
        None | Some(b"-") => Ok(None),
        Some(v) => parse_u64(v)
            .map(Some)
            .ok_or_else(|| format!("non-numeric {name} '{}'", String::from_utf8_lossy(v))),
    }
}

/// A path's region from the S3 delivery layout (`.../vpcflowlogs/<region>/...`), if any.
pub fn region_from_path(path: &Path) -> Option<String> {
    let mut parts = path.iter().map(|p| p.to_string_lossy());
    for part in path.iter().map(|p| p.to_string_lossy()) {
        if let Some(region) = part
            .strip_prefix("aws-region=")
            .or_else(|| part.strip_prefix("region="))
        {
            if looks_like_region(region) {
                return Some(region.to_string());
            }
        }
    }
    while let Some(part) = parts.next() {
        if part == "vpcflowlogs" {
            let region = parts.next()?;
            return looks_like_region(&region).then(|| region.into_owned());
        }
    }
    None
}

pub use crate::text::looks_like_region;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Two fields have the same words exactly when they are the same bytes, and only
        /// fields of 7 to 15 bytes have words.
        #[test]
        fn ipv4_words_tell_fields_apart(
            a in proptest::collection::vec(prop_oneof![Just(b'.'), Just(b'1'), Just(b'0'), any::<u8>()], 0..18),
            b in proptest::collection::vec(prop_oneof![Just(b'.'), Just(b'1'), Just(b'0'), any::<u8>()], 0..18),
        ) {
            let (ka, kb) = (ipv4_words(&a), ipv4_words(&b));
            prop_assert_eq!(ka.is_some(), (7..=15).contains(&a.len()));
            if let (Some(ka), Some(kb)) = (ka, kb) {
                prop_assert_eq!(ka == kb, a == b);
                prop_assert_ne!(ka, (0, 0));
            }
            // A field and its own prefix (the same bytes, one fewer).
            if let (Some(ka), Some(kp)) = (ka, ipv4_words(&a[..a.len().saturating_sub(1)])) {
                prop_assert_ne!(ka, kp);
            }
        }
    }

    proptest! {
        /// `field_eq` is `==`: on any two strings, and on a string and itself with one byte
        /// changed (wherever it is, at every length the word loads cover).
        #[test]
        fn field_eq_is_slice_equality(
            a in proptest::collection::vec(any::<u8>(), 0..48),
            b in proptest::collection::vec(any::<u8>(), 0..48),
            at in any::<proptest::sample::Index>(),
            flip in 1u8..=255,
        ) {
            prop_assert_eq!(field_eq(&a, &b), a == b);
            prop_assert!(field_eq(&a, &a.clone()));
            if !a.is_empty() {
                let mut c = a.clone();
                c[at.index(a.len())] ^= flip;
                prop_assert!(!field_eq(&a, &c));
                prop_assert!(!field_eq(&a, &a[..a.len() - 1]));
            }
        }
    }

    #[test]
    fn fields_split_at_runs_of_spaces() {
        let check = |line: &str| {
            let mut fields = [const { std::mem::MaybeUninit::uninit() }; MAX_FIELDS];
            let n = split_fields(line.as_bytes(), &mut fields);
            let want: Vec<&str> = line.split(' ').filter(|f| !f.is_empty()).collect();
            assert_eq!(n, want.len(), "{line:?}");
            let got: Vec<&str> = written_fields(&fields, n)
                .iter()
                .map(|f| std::str::from_utf8(f).unwrap())
                .collect();
            assert_eq!(got, want[..n.min(MAX_FIELDS)], "{line:?}");
        };
        for line in [
            "",
            " ",
            "a",
            "2 123456789012 eni-0a1b2c3d 10.0.1.5 52.94.1.1 443 49152 6 10 840 1 2 ACCEPT OK",
            "  leading and  double   spaces ",
            "exactly8 exactly8",
            "\u{a0}\u{2020} x\u{7f}y \u{80}",
        ] {
            check(line);
        }
        let long: String = (0..100).map(|i| format!("f{i} ")).collect();
        check(&long);
        // Spaces at chosen places of a 20-byte line: none, first, last, at and across the
        // edges of the 8-byte words, alternating, all.
        for mask in [0u32, 1, 0x80, 0x8000, 0x80000, 0xfffff, 0x55555, 0x81818] {
            let line: String = (0..20)
                .map(|i| if mask & (1 << i) != 0 { ' ' } else { 'x' })
                .collect();
            check(&line);
        }
        // Every length to 64 (16-byte blocks, 8-byte words and the bytes left), spaces at
        // pseudo-random places.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..=64 {
            for _ in 0..64 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let line: String = (0..len)
                    .map(|i| if seed & (1 << i) != 0 { ' ' } else { 'x' })
                    .collect();
                check(&line);
            }
        }
    }

    #[test]
    fn u64_parse() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"15044"), Some(15044));
        assert_eq!(parse_u64(b"-"), None);
        assert_eq!(parse_u64(b"12a"), None);
        assert_eq!(parse_u64(b""), None);
    }

    #[test]
    fn regions_from_paths() {
        let p = Path::new("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/01/x.log.gz");
        assert_eq!(region_from_path(p).as_deref(), Some("eu-west-1"));
        assert_eq!(region_from_path(Path::new("logs/x.log")), None);
        assert!(looks_like_region("us-gov-west-1"));
        assert!(!looks_like_region("2026"));
    }
}
