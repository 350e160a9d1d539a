#!/usr/bin/env bash
# Whole-run benchmark: `vpce-advisor analyze` on synthetic data sets against the floor of merely
# reading/decompressing them, and against DuckDB doing the same classify-and-total job
# (benches/duckdb_classify.py; skipped when `python3 -c 'import duckdb'` fails: pip install duckdb).
#
# Usage: benches/run.sh [RECORDS] [FILES] [RUNS]     (defaults: 5000000 32 5)
# Data sets (generated once under target/bench-data/, seed 42):
#   gz-v5:    RECORDS v5 records in FILES .log.gz files (S3 delivery)
#   plain-v2: RECORDS v2 records in FILES plain .log files
# Prints median wall times over RUNS runs and peak RSS (GNU time), with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-5000000}
files=${2:-32}
runs=${3:-5}
cargo build --release --locked -q
bin=target/release/vpce-advisor
cores=$(nproc)
echo "machine: $cores cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { # command... -> wall seconds
  local s e
  s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  echo "$e - $s" | bc
}
peak_mib() { # command... -> peak RSS in MiB
  /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%d", $1/1024}'
}
have_duckdb=0
python3 -c 'import duckdb' 2>/dev/null && have_duckdb=1

for set in gz-v5 plain-v2; do
  data=target/bench-data/$set-r$records-f$files
  case $set in
    gz-v5) flags=(--version v5); reader=zcat ;;
    plain-v2) flags=(--version v2 --plain); reader=cat ;;
  esac
  if [ ! -f "$data/expected-totals.json" ]; then
    echo "generating $set: $records records in $files files under $data ..."
    "$bin" synth --out "$data" --records "$records" --files "$files" --seed 42 "${flags[@]}" >/dev/null
  fi
  mapfile -t logs < <(find "$data/AWSLogs" -name '*.log*' | sort)
  per=$(( (${#logs[@]} + cores - 1) / cores ))
  floor=$(for _ in $(seq "$runs"); do seconds bash -c "printf '%s\n' ${logs[*]} | xargs -P $cores -n $per $reader > /dev/null"; done | median)
  tool=$(for _ in $(seq "$runs"); do seconds "$bin" analyze "$data/AWSLogs" --out target/bench-report --quiet; done | median)
  tool_rss=$(peak_mib "$bin" analyze "$data/AWSLogs" --out target/bench-report --quiet)
  echo
  echo "$set: ${#logs[@]} files, $(du -sh "$data/AWSLogs" | cut -f1) on disk"
  printf '  %-34s %8ss\n' "floor ($cores parallel $reader)" "$floor"
  printf '  %-34s %8ss  peak %s MiB  (%.2fx floor)\n' "vpce-advisor analyze" "$tool" "$tool_rss" "$(echo "$tool / $floor" | bc -l)"
  if [ $have_duckdb = 1 ]; then
    glob="$data/AWSLogs/*/*/*/*/*/*/*.log*"
    duck=$(for _ in $(seq "$runs"); do seconds python3 benches/duckdb_classify.py data/ip-ranges.json "$glob"; done | median)
    duck_rss=$(peak_mib python3 benches/duckdb_classify.py data/ip-ranges.json "$glob")
    printf '  %-34s %8ss  peak %s MiB  (vpce-advisor %.2fx faster)\n' "duckdb read_csv + range join" "$duck" "$duck_rss" "$(echo "$duck / $tool" | bc -l)"
  fi
done
