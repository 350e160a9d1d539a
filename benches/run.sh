#!/usr/bin/env bash
# Whole-run benchmark: `analyze` on a synthetic data set against the floor of merely
# decompressing it. Usage: benches/run.sh [RECORDS] [FILES] [RUNS]   (defaults: 5000000 32 5)
# Writes the data set to target/bench-data/ (reused when present) and prints median wall
# times and peak RSS. Needs GNU time (/usr/bin/time) for peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-5000000}
files=${2:-32}
runs=${3:-5}
data=target/bench-data/r${records}-f${files}
cargo build --release --locked -q
bin=target/release/vpce-advisor
if [ ! -f "$data/expected-totals.json" ]; then
  echo "generating $records records in $files files under $data ..."
  "$bin" synth --out "$data" --records "$records" --files "$files" --seed 42 >/dev/null
fi
mapfile -t gz < <(find "$data/AWSLogs" -name '*.gz' | sort)
echo "data: ${#gz[@]} files, $(du -sh "$data/AWSLogs" | cut -f1) compressed; machine: $(nproc) cores, $(uname -m)"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { # command... -> seconds
  local s e
  s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  echo "$e - $s" | bc
}

floor=$(for _ in $(seq "$runs"); do timeit bash -c "printf '%s\n' ${gz[*]} | xargs -P $(nproc) -n $(( (${#gz[@]} + $(nproc) - 1) / $(nproc) )) zcat > /dev/null"; done | median)
tool=$(for _ in $(seq "$runs"); do timeit "$bin" analyze "$data/AWSLogs" --out target/bench-report --quiet; done | median)
rss="n/a"
if [ -x /usr/bin/time ]; then
  rss=$(/usr/bin/time -f '%M' "$bin" analyze "$data/AWSLogs" --out target/bench-report --quiet 2>&1 >/dev/null | tail -1)
  rss="$((rss / 1024)) MiB"
fi
echo "decompress floor (parallel zcat): ${floor}s (median of $runs)"
echo "vpce-advisor analyze:             ${tool}s (median of $runs), peak RSS $rss"
echo "ratio to floor: $(echo "scale=2; $tool / $floor" | bc)"
