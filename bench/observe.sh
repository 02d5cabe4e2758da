#!/usr/bin/env bash
# Overhead of `temper observe` on Linux, side by side with no collector and
# with auditd carrying an execve rule, on three workloads: an exec storm,
# a loopback connection storm and a bulk loopback transfer. Modes alternate
# within each run. Needs root, kernel BTF and auditd (apt-get install auditd).
# Usage: sudo bench/observe.sh [RUNS] [EXECS] [CONNECTS] [BULK_MB]
# TEMPER_OBSERVE_ARGS adds options to `temper observe` (e.g. --no-packets).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
runs=${1:-5}; execs=${2:-20000}; connects=${3:-50000}; bulk=${4:-2048}
work=${BENCH_DIR:-/tmp/temper-bench-observe}; rm -rf "$work"; mkdir -p "$work"
cargo build --release --quiet --bin temper
temper=$PWD/target/release/temper

workload() { # name -> wall seconds
    local start end
    start=$(date +%s.%N)
    case $1 in
        exec) bash -c "for ((i = 0; i < $execs; i++)); do /bin/true; done" ;;
        connect) python3 bench/workload.py connect "$connects" ;;
        bulk) python3 bench/workload.py bulk "$bulk" ;;
    esac
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }'
}

observer_pid=
start_mode() {
    case $1 in
        observe)
            rm -f "$work"/p.db*
            # shellcheck disable=SC2086 # TEMPER_OBSERVE_ARGS is a list of options
            "$temper" observe --profile "$work/p.db" --flush 30s ${TEMPER_OBSERVE_ARGS:-} > "$work/observe.out" 2>&1 &
            observer_pid=$!
            until grep -q "SIGINT or SIGTERM" "$work/observe.out" 2>/dev/null; do sleep 0.1; done ;;
        auditd)
            pgrep -x auditd > /dev/null || auditd
            auditctl -D > /dev/null
            auditctl -a always,exit -F arch=b64 -S execve -k temper-bench > /dev/null ;;
    esac
}
stop_mode() {
    case $1 in
        observe)
            kill -TERM "$observer_pid"; wait "$observer_pid" || true
            python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["resident_bytes"], sum(x["lost"] for x in s["sources"]), sum(x["events"] for x in s["sources"]))' \
                "$work/p.db.status.json" >> "$work/observe.stats"
            stat -c %s "$work/p.db" >> "$work/profile.sizes" ;;
        auditd) auditctl -D > /dev/null ;;
    esac
}

declare -A times
modes=(none observe auditd)
loads=(exec connect bulk)
for run in $(seq "$runs"); do
    for mode in "${modes[@]}"; do
        start_mode "$mode"
        for load in "${loads[@]}"; do
            times[$mode.$load]+="$(workload "$load") "
        done
        stop_mode "$mode"
    done
done

printf '\n%s runs, modes alternating; exec: %s × /bin/true, connect: %s loopback connects, bulk: %s MiB over loopback\n\n' \
    "$runs" "$execs" "$connects" "$bulk"
printf '| %-8s | %-8s | %8s | %15s | %9s |\n' workload mode "median s" "min–max s" "vs none"
printf '|%s|\n' "----------|----------|----------|-----------------|-----------"
for load in "${loads[@]}"; do
    read -r base _ _ < <(stats "${times[none.$load]}")
    for mode in "${modes[@]}"; do
        read -r med lo hi < <(stats "${times[$mode.$load]}")
        awk -v l="$load" -v m="$mode" -v med="$med" -v lo="$lo" -v hi="$hi" -v b="$base" \
            'BEGIN { printf "| %-8s | %-8s | %8.2f | %6.2f – %6.2f | %+8.1f%% |\n", l, m, med, lo, hi, 100*(med/b-1) }'
    done
done
awk '{ if ($1 > rss) rss = $1; lost += $2; events += $3 } END { printf "\nobserve: max RSS %.1f MiB, %d events, %d lost over all runs\n", rss/1048576, events, lost }' "$work/observe.stats"
awk '{ s += $1; n++ } END { printf "profile after one run of all three storms: %.0f KiB (mean of %d)\n", s/n/1024, n }' "$work/profile.sizes"
