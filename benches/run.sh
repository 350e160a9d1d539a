#!/usr/bin/env bash
# Whole-run benchmark: `vpce-advisor analyze` on the realistic synthetic preset against the floor of
# merely decompressing/reading the same files, and against DuckDB doing the same classify-and-total
# job (benches/duckdb_classify.py), all in the same run.
#
# Usage: benches/run.sh [RUNS] [RUNS_50M]   (default 3 rounds at 5M, 1 at 50M)
#   SIZES="5000000 50000000" benches/run.sh (default; 32 files at 5M, 64 files above)
# Each round runs the floor, vpce-advisor and DuckDB one after the other (this machine's speed drifts
# from minute to minute, so alternating keeps the ratios fair), after one untimed read of the files
# that puts them in the page cache. Prints medians and, with more than one round, the range of the
# per-round ratio to DuckDB.
# Data sets (generated once under target/bench-data/):
#   gz-v5:       `synth --preset realistic`, seed 42: v5 records, shuffled custom field order,
#                .log.gz files (S3 delivery)
#   plain-v2:    the same preset: v2 records, default field order, plain .log files
#   indep-gz-v5: benches/independent_flowlogs.py, seed 7 (written without reading the tool's
#                source: data the tool was not shaped by; NAT gateway ENIs, gateway endpoints and
#                an internet-gateway VPC, kept under indep-gz-v5-nat-*: folders indep-gz-v5-r* hold
#                the set of before, which --no-nat writes); 50M takes about 12 minutes to make
# Needs: GNU time (/usr/bin/time); pip install duckdb isal (installed when missing; DuckDB and the
# ISA-L floor are skipped when that fails). Prints median wall time, user CPU and peak RSS per job.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
runs_large=${2:-1}
sizes=${SIZES:-"5000000 50000000"}
cargo build --release --locked -q
bin=target/release/vpce-advisor
cores=$(nproc)
python3 -c 'import duckdb' 2>/dev/null || pip install -q duckdb >/dev/null 2>&1 || true
python3 -c 'import isal' 2>/dev/null || pip install -q isal >/dev/null 2>&1 || true
have_duckdb=0
python3 -c 'import duckdb' 2>/dev/null && have_duckdb=1
have_isal=0
python3 -c 'import isal' 2>/dev/null && have_isal=1
echo "machine: $cores cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "vpce-advisor $(git rev-parse --short HEAD 2>/dev/null || echo '?'); duckdb $(python3 -c 'import duckdb; print(duckdb.__version__)' 2>/dev/null || echo '-')"

# time command... -> "wall user max_rss_kib" of one run
time_one() {
  /usr/bin/time -f '%e %U %M' "$@" 2>&1 >/dev/null | tail -1
}

# median of the numbers on stdin, one a line
median() {
  sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# summary LINES -> "median_wall median_user max_rss_mib" of the rounds' "wall user rss" lines
summary() {
  local wall user rss
  wall=$(echo "$1" | awk '{print $1}' | median)
  user=$(echo "$1" | awk '{print $2}' | median)
  rss=$(echo "$1" | awk '{print $3}' | sort -n | tail -1 | awk '{printf "%d", $1/1024}')
  echo "$wall $user $rss"
}

# Reads files in $cores parallel processes: ISA-L inflate for .gz (python -m isal), cat for plain.
floor_job() { # files...
  local per=$(( ($# + cores - 1) / cores ))
  if [[ $1 == *.gz ]]; then
    printf '%s\n' "$@" | xargs -P "$cores" -n "$per" python3 -c '
import sys
from isal import igzip
for f in sys.argv[1:]:
    with igzip.open(f, "rb") as g:
        while g.read(1 << 20):
            pass'
  else
    printf '%s\n' "$@" | xargs -P "$cores" -n "$per" cat >/dev/null
  fi
}
export -f floor_job
export cores

row() { # label wall user rss [note]
  printf '  %-40s %8ss wall %8ss user  peak %5s MiB  %s\n' "$1" "$2" "$3" "$4" "${5:-}"
}

for records in $sizes; do
  if [ "$records" -gt 5000000 ]; then files=64; n=$runs_large; else files=32; n=$runs; fi
  for set in gz-v5 plain-v2 indep-gz-v5; do
    data=target/bench-data/realistic-$set-r$records-f$files
    case $set in
      gz-v5) flags=(--version v5) ;;
      plain-v2) flags=(--version v2 --plain) ;;
      indep-gz-v5) data=target/bench-data/$set-nat-r$records-f$files ;;
    esac
    if [ "$set" = indep-gz-v5 ] && [ ! -f "$data/expected-totals.json" ]; then
      echo "generating $set (benches/independent_flowlogs.py, not synth): $records records in $files files under $data ..."
      /usr/bin/time -f '  generated in %e s wall, %U s user' nice -n 10 python3 benches/independent_flowlogs.py \
        --out "$data" --records "$records" --files "$files" --seed 7 >/dev/null
    elif [ ! -f "$data/expected-totals.json" ]; then
      echo "generating $set: $records records in $files files under $data ..."
      /usr/bin/time -f '  generated in %e s wall, %U s user' nice -n 10 "$bin" synth --preset realistic \
        --out "$data" --records "$records" --files "$files" --seed 42 "${flags[@]}" >/dev/null
    fi
    mapfile -t logs < <(find "$data/AWSLogs" -name '*.log*' | sort)
    echo
    echo "$set, $records records: ${#logs[@]} files, $(du -sh "$data/AWSLogs" | cut -f1) on disk, $(grep -o '"\(distinct_flows\|interface_src_dst\)": [0-9]*' "$data/expected-totals.json" | head -1 | cut -d' ' -f2) distinct (interface, srcaddr, dstaddr), runs: $n"
    cat "${logs[@]}" >/dev/null
    glob="$data/AWSLogs/*/*/*/*/*/*/*.log*"
    have_floor=0
    if [ "$set" = plain-v2 ] || [ $have_isal = 1 ]; then have_floor=1; fi
    floor_runs="" tool_runs="" duck_runs="" ratios=""
    for _ in $(seq "$n"); do
      if [ $have_floor = 1 ]; then
        floor_runs+="$(time_one bash -c 'floor_job "$@"' _ "${logs[@]}")"$'\n'
      fi
      t=$(time_one "$bin" analyze "$data/AWSLogs" --out target/bench-report --quiet)
      tool_runs+="$t"$'\n'
      if [ $have_duckdb = 1 ]; then
        d=$(time_one python3 benches/duckdb_classify.py data/ip-ranges.json "$glob")
        duck_runs+="$d"$'\n'
        ratios+="$(echo "${t%% *} / ${d%% *}" | bc -l)"$'\n'
      fi
    done
    if [ $have_floor = 1 ]; then
      read -r fw fu fr < <(summary "${floor_runs%$'\n'}")
      what=$([ "$set" = plain-v2 ] && echo "cat" || echo "ISA-L inflate")
      row "floor ($cores x $what)" "$fw" "$fu" "$fr"
    fi
    read -r tw tu tr < <(summary "${tool_runs%$'\n'}")
    row "vpce-advisor analyze" "$tw" "$tu" "$tr" "$( [ -n "${fw:-}" ] && echo "$tw / $fw" | bc -l | xargs printf '%.2fx floor')"
    echo "  $(python3 benches/check_truth.py target/bench-report/report.json "$data/expected-totals.json" || true)"
    if [ $have_duckdb = 1 ]; then
      read -r dw du dr < <(summary "${duck_runs%$'\n'}")
      range=""
      if [ "$n" -gt 1 ]; then
        range=$(echo "${ratios%$'\n'}" | sort -n | awk 'NR==1 {lo=$1} {hi=$1} END {printf " (%.2f-%.2fx per round)", lo, hi}')
      fi
      row "duckdb read_csv + range join" "$dw" "$du" "$dr" "$(echo "$tw / $dw" | bc -l | xargs printf 'vpce-advisor at %.2fx DuckDB')$range"
    fi
    unset fw
  done
done
