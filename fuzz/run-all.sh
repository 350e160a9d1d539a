#!/usr/bin/env bash
# Runs every fuzz target in turn, one at a time, each until it has used CPU_BUDGET seconds of CPU
# (user + system, read from /proc) or until its share of the wall time left before DEADLINE runs
# out, whichever comes first; then stops it with SIGINT so libFuzzer prints its final stats.
#
#   fuzz/run-all.sh                        # every target, 600 CPU-seconds each, no deadline
#   CPU_BUDGET=60 fuzz/run-all.sh dns_log  # one target, one CPU-minute
#   DEADLINE=15:10 fuzz/run-all.sh         # share the wall time until 15:10 UTC between the targets
#
# Build first (`cargo +nightly fuzz build -O -a --sanitizer none`). Each target continues from
# work/<target> (created here) with the seeds in corpus/<target>; a crash is left in
# artifacts/<target>/ and the target is started again (at most MAX_RESTARTS times) for the rest of
# its budget. Logs go to work/logs/<target>.log and one summary line per target to
# work/logs/summary.tsv. Runs under `nice` (NICE, default 10) so that a shared machine stays usable.
set -u
cd "$(dirname "$0")"

CPU_BUDGET=${CPU_BUDGET:-600}
NICE=${NICE:-10}
RSS_MB=${RSS_MB:-2048}
MAX_RESTARTS=${MAX_RESTARTS:-3}
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(flowlog_text traffic_csv inventory dns_log prices_import cloudwatch ocsf_json)
fi
BIN=target/x86_64-unknown-linux-gnu/release
deadline=0
if [ -n "${DEADLINE:-}" ]; then
    deadline=$(date -u -d "$DEADLINE" +%s) || exit 2
fi
hz=$(getconf CLK_TCK)
mkdir -p work/logs
summary=work/logs/summary.tsv
[ -f "$summary" ] || printf 'target\tstarted\tcpu_s\twall_s\texecutions\tcorpus_files\tcorpus_kb\tcrashes\tstopped_by\n' >"$summary"

# CPU seconds (user + system, all threads) used so far by process $1, or nothing once it has
# exited.
cpu_of() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    # Fields after the ")" that closes the command name: the state is the 1st, utime the 12th,
    # stime the 13th.
    set -- ${stat##*) }
    [ "$1" != Z ] || return 0
    echo $(((${12} + ${13}) / hz))
}

left=${#TARGETS[@]}
for t in "${TARGETS[@]}"; do
    [ -x "$BIN/$t" ] || { echo "no $BIN/$t: build first" >&2; exit 2; }
    mkdir -p "work/$t" "artifacts/$t"
    log=work/logs/$t.log
    : >"$log"
    start=$(date -u +%s)
    wall_cap=0
    if [ "$deadline" -gt 0 ]; then
        wall_cap=$(((deadline - start) / left))
        [ "$wall_cap" -gt 0 ] || { echo "deadline passed before $t" >&2; break; }
    fi
    used=0 crashes=0 execs=0 stopped=budget
    while :; do
        nice -n "$NICE" "$BIN/$t" -rss_limit_mb="$RSS_MB" -timeout=30 -max_total_time=86400 -print_final_stats=1 \
            -artifact_prefix="artifacts/$t/" "work/$t" "corpus/$t" >>"$log" 2>&1 &
        pid=$!
        base=$used
        status=
        while :; do
            sleep 5
            c=$(cpu_of "$pid")
            if [ -z "$c" ]; then
                wait "$pid"
                status=$?
                break
            fi
            used=$((base + c))
            now=$(date -u +%s)
            if [ "$used" -ge "$CPU_BUDGET" ]; then
                stopped=budget
            elif [ "$wall_cap" -gt 0 ] && [ $((now - start)) -ge "$wall_cap" ]; then
                stopped=wall
            else
                continue
            fi
            kill -INT "$pid"
            wait "$pid"
            status=0
            break
        done
        n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
        execs=$((execs + ${n:-0}))
        rm -f /dev/shm/vpce-fuzz-"$pid"-*
        # Stopped by this script, or exited by itself with a crash, leak, timeout or OOM.
        if [ "$status" -eq 0 ] || grep -q 'run interrupted' <(tail -20 "$log"); then
            break
        fi
        crashes=$((crashes + 1))
        echo "$t: libFuzzer exited with $status (failure $crashes), input in artifacts/$t/" >&2
        # Start again (from the last CPU reading) for the rest of the budget.
        now=$(date -u +%s)
        if [ "$crashes" -gt "$MAX_RESTARTS" ] || [ "$used" -ge "$CPU_BUDGET" ] ||
            { [ "$wall_cap" -gt 0 ] && [ $((now - start)) -ge "$wall_cap" ]; }; then
            stopped=failures
            break
        fi
    done
    wall=$(($(date -u +%s) - start))
    files=$(find "work/$t" -type f | wc -l)
    kb=$(du -sk "work/$t" | cut -f1)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$(date -u -d "@$start" +%H:%M:%S)" "$used" "$wall" \
        "$execs" "$files" "$kb" "$crashes" "$stopped" >>"$summary"
    echo "$t: ${used}s CPU, ${wall}s wall, $execs executions, $files corpus files, $crashes failures"
    left=$((left - 1))
done
