//! Criterion benchmarks of the hot parts: scanning flow-log files (gzip and plain), the
//! ip-ranges prefix lookup, and the vantage rules + classification + traffic folding on a run's
//! flow table.
//! Run with `cargo bench --bench hot`; the whole-run benchmark is `benches/run.sh`.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vpce_advisor::classify::IpRanges;
use vpce_advisor::cli::{SynthDelivery, SynthPreset, SynthVersion};
use vpce_advisor::ingest::aggregate::FlowTable;
use vpce_advisor::ingest::{ingest, IngestConfig};
use vpce_advisor::synth::{Rng, SynthConfig, DEFAULT_START};
use vpce_advisor::traffic::traffic_rows;

const RECORDS: u64 = 200_000;

fn synth(dir: &Path, gzip: bool) -> PathBuf {
    let out = dir.join(if gzip { "gz" } else { "plain" });
    vpce_advisor::synth::run(&SynthConfig {
        out: out.clone(),
        records: RECORDS,
        files: 2,
        seed: 3,
        version: SynthVersion::V5,
        gzip,
        delivery: SynthDelivery::S3,
        start: DEFAULT_START,
        hours: 24,
        long_tail: false,
        preset: SynthPreset::Classic,
        realistic: Default::default(),
    })
    .expect("synth");
    out.join("AWSLogs")
}

fn config(input: PathBuf) -> IngestConfig {
    IngestConfig {
        inputs: vec![input],
        region: "us-east-1".into(),
        strict: false,
        progress: false,
        log_format: None,
        flow_log_formats: Default::default(),
        local: None,
        hourly: false,
        classes: None,
    }
}

fn scanning(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(RECORDS));
    group.sample_size(10);
    for gzip in [true, false] {
        let cfg = config(synth(dir.path(), gzip));
        let name = if gzip {
            "v5 gzip, 200k records"
        } else {
            "v5 plain, 200k records"
        };
        group.bench_function(name, |b| b.iter(|| ingest(&cfg).unwrap().flow_rows));
    }
    group.finish();
}

fn lookup(c: &mut Criterion) {
    let table = IpRanges::embedded().unwrap();
    let mut rng = Rng::new(9);
    let addrs: Vec<IpAddr> = (0..10_000)
        .map(|_| IpAddr::V4(Ipv4Addr::from(rng.next_u64() as u32)))
        .collect();
    let mut group = c.benchmark_group("ip-ranges");
    group.throughput(Throughput::Elements(addrs.len() as u64));
    group.bench_function("lookup 10k random IPv4", |b| {
        b.iter(|| addrs.iter().filter(|a| table.lookup(**a).is_some()).count())
    });
    group.finish();
}

fn classify(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let ingested = ingest(&config(synth(dir.path(), true))).unwrap();
    let table = IpRanges::embedded().unwrap();
    let frame = ingested.flows.to_frame().unwrap();
    c.bench_function("vantage + classify + traffic rows (flow table)", |b| {
        b.iter_batched(
            || FlowTable::from_frame(&frame, &[]).unwrap(),
            |flows| {
                let (classified, _, _) =
                    vpce_advisor::vantage::apply(flows, None, None, &table).unwrap();
                traffic_rows(classified).unwrap().rows.len()
            },
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, scanning, lookup, classify);
criterion_main!(benches);
