//! The run's one aggregate: files' flow maps in (moved as each file is read to its end: a file
//! that fails midway leaves nothing behind), one map of compact 16-byte keys sharded by key hash
//! out, with the strings, contexts and addresses numbered once per run; then the flow frame,
//! built from integer columns so that each distinct string is stored once.

use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;
use std::sync::Mutex;

use polars::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap};

use super::scan::{Context, FileScan, FlowKey, FlowSums, Ids, Interner, RemoteId};
use crate::error::Result;
use crate::schema;

/// Shards of the flow map (one lock each).
const SHARDS: usize = 16;

/// Run-wide numbering of the strings, contexts and remote addresses flow keys refer to.
#[derive(Default)]
struct Numbering {
    strings: Interner,
    contexts: Ids<Context>,
    addrs: Ids<IpAddr>,
}

/// The shared aggregate of a run (see the module doc).
pub struct Aggregate {
    numbering: Mutex<Numbering>,
    shards: Vec<Mutex<FxHashMap<FlowKey, FlowSums>>>,
}

impl Default for Aggregate {
    fn default() -> Self {
        Aggregate {
            numbering: Mutex::new(Numbering::default()),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

/// A poisoned lock only means another scan thread panicked: the data is still consistent.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Aggregate {
    /// Moves `scan`'s flows in (its map is left empty; its own numbering stays valid).
    pub fn absorb(&self, scan: &mut FileScan) {
        if scan.flows.is_empty() {
            return;
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
            let addrs: Vec<u32> = scan.addrs.items().iter().map(|a| n.addrs.id(*a)).collect();
            (contexts, addrs)
        };
        let mut parts: Vec<Vec<(FlowKey, FlowSums)>> = vec![Vec::new(); SHARDS];
        for (k, v) in scan.flows.drain() {
            let key = FlowKey {
                ctx: contexts[k.ctx as usize],
                remote: match k.remote.address() {
                    Some(i) => RemoteId::of_address(addrs[i]),
                    None => k.remote,
                },
                ..k
            };
            parts[shard_of(&key)].push((key, v));
        }
        for (shard, part) in self.shards.iter().zip(parts) {
            if part.is_empty() {
                continue;
            }
            let mut map = lock(shard);
            map.reserve(part.len());
            for (k, v) in part {
                map.entry(k).or_default().add(&v);
            }
        }
    }

    /// Distinct flows so far.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The flow frame (schema [`schema::flow_schema`]); each shard is freed as it is read.
    /// String columns are gathered from one dictionary per column (the distinct contexts, the
    /// distinct addresses), so a row costs a 16-byte view per string column whatever the
    /// string's length.
    pub fn into_frame(self) -> Result<DataFrame> {
        use std::fmt::Write as _;
        let numbering = self
            .numbering
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let name = |id: u32| numbering.strings.name(id);
        let contexts = numbering.contexts.items();
        let dict = |pick: fn(&Context) -> u32| -> StringChunked {
            contexts
                .iter()
                .map(|c| Some(name(pick(c))))
                .collect::<StringChunked>()
        };
        let vpcs = dict(|c| c.vpc);
        let regions = dict(|c| c.region);
        let azs = dict(|c| c.az);
        let interfaces = dict(|c| c.interface);
        let hints = dict(|c| c.hint);
        let mut text = String::with_capacity(48);
        let mut remotes = StringChunkedBuilder::new(
            schema::REMOTE_ADDR.into(),
            numbering.addrs.len() + RemoteId::of_address(0).0 as usize,
        );
        remotes.append_value("");
        remotes.append_value(schema::RELAYED);
        for ip in numbering.addrs.items() {
            text.clear();
            let _ = write!(text, "{ip}");
            remotes.append_value(&text);
        }
        let remotes = remotes.finish();
        let directions: StringChunked = [Some("egress"), Some("ingress")].into_iter().collect();

        let n: usize = self.shards.iter().map(|s| lock(s).len()).sum();
        let mut ctx: Vec<IdxSize> = Vec::with_capacity(n);
        let mut remote: Vec<IdxSize> = Vec::with_capacity(n);
        let mut direction: Vec<IdxSize> = Vec::with_capacity(n);
        let mut bytes = Vec::with_capacity(n);
        let mut packets = Vec::with_capacity(n);
        let mut records = Vec::with_capacity(n);
        let mut hour: Vec<u32> = Vec::with_capacity(n);
        for shard in self.shards {
            let map = shard.into_inner().unwrap_or_else(|e| e.into_inner());
            for (k, v) in map {
                ctx.push(k.ctx as IdxSize);
                remote.push(k.remote.0 as IdxSize);
                direction.push(k.direction as IdxSize);
                hour.push(k.hour);
                bytes.push(v.bytes);
                packets.push(v.packets);
                records.push(v.records);
            }
        }
        let ctx = IdxCa::from_vec("".into(), ctx);
        let remote = IdxCa::from_vec("".into(), remote);
        let direction = IdxCa::from_vec("".into(), direction);
        let gather = |dict: &StringChunked, idx: &IdxCa, col: &str| -> Result<Column> {
            Ok(dict
                .take(idx)?
                .with_name(col.into())
                .into_series()
                .into_column())
        };
        let columns = vec![
            gather(&vpcs, &ctx, schema::VPC_ID)?,
            gather(&regions, &ctx, schema::REGION)?,
            gather(&azs, &ctx, schema::AZ_ID)?,
            gather(&interfaces, &ctx, schema::INTERFACE_ID)?,
            gather(&remotes, &remote, schema::REMOTE_ADDR)?,
            gather(&directions, &direction, schema::DIRECTION)?,
            gather(&hints, &ctx, schema::AWS_SERVICE_HINT)?,
            Column::new(schema::BYTES.into(), bytes),
            Column::new(schema::PACKETS.into(), packets),
            Column::new(schema::RECORDS.into(), records),
            Column::new(schema::HOUR.into(), hour),
        ];
        let df = DataFrame::new(n, columns)?;
        debug_assert_eq!(df.schema().as_ref(), &schema::flow_schema());
        Ok(df)
    }
}

fn shard_of(key: &FlowKey) -> usize {
    let mut h = FxBuildHasher.build_hasher();
    key.hash(&mut h);
    // The high bits: the map itself uses the low ones.
    (std::hash::Hasher::finish(&h) >> 60) as usize % SHARDS
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
        s.flows.insert(
            key,
            FlowSums {
                bytes,
                packets: 1,
                records: 1,
            },
        );
        s
    }

    #[test]
    fn files_numbered_differently_merge_into_one_row() {
        let agg = Aggregate::default();
        let mut a = scan(&["vpc-1", "us-east-1", "use1-az1", "eni-1"], "52.1.2.3", 10);
        let mut b = scan(&["eni-1", "use1-az1", "us-east-1", "vpc-1"], "52.1.2.3", 5);
        let mut c = scan(&["vpc-1", "us-east-1", "use1-az1", "eni-1"], "52.1.2.4", 7);
        for s in [&mut a, &mut b, &mut c] {
            agg.absorb(s);
            assert!(s.flows.is_empty());
        }
        assert_eq!(agg.len(), 2);
        let df = agg.into_frame().unwrap();
        assert_eq!(df.schema().as_ref(), &schema::flow_schema());
        let df = df.sort([schema::REMOTE_ADDR], Default::default()).unwrap();
        let remote: Vec<_> = df
            .column(schema::REMOTE_ADDR)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(remote, [Some("52.1.2.3"), Some("52.1.2.4")]);
        let bytes: Vec<_> = df
            .column(schema::BYTES)
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(bytes, [Some(15), Some(7)]);
        let eni: Vec<_> = df
            .column(schema::INTERFACE_ID)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(eni, [Some("eni-1"), Some("eni-1")]);
        let dir: Vec<_> = df
            .column(schema::DIRECTION)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(dir, [Some("egress"), Some("egress")]);
    }
}
