#!/usr/bin/env bash
# A flood of distinct values (bench/flood_workload.py: N failed sshd logons
# with distinct user names and peers, N connections on rotating ports from
# distinct peers, beside 21 days of normal use): import RSS and time, profile
# size, `policy generate` RSS and time, policy size. With BEFORE=<git rev>
# the same is measured for that revision, built in a temporary worktree.
# Usage: bench/flood.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
n=${1:-1000000}; runs=${2:-3}
work=${BENCH_DIR:-/tmp/temper-bench-flood}; mkdir -p "$work"
input="$work/flood-$n.jsonl"
[ -f "$input" ] || python3 bench/flood_workload.py "$n" > "$input"
cargo build --release --quiet --bin temper
binaries=("now=target/release/temper")
if [ -n "${BEFORE:-}" ]; then
    tree="$work/before-$BEFORE"
    [ -d "$tree" ] || git worktree add --detach "$tree" "$BEFORE" >/dev/null
    (cd "$tree" && CARGO_TARGET_DIR="$work/before-target" cargo build --release --quiet --bin temper)
    git worktree remove --force "$tree"
    binaries+=("$BEFORE=$work/before-target/release/temper")
fi
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "input: $n distinct user names, peers and (rotating) ports; $(wc -l < "$input") observations, $(mib "$(stat -c %s "$input")") MiB"
printf '| build | import s | import RSS MiB | profile MiB | generate s | generate RSS MiB | policy MiB | floods listed |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
for entry in "${binaries[@]}"; do
    name=${entry%%=*}; bin=${entry#*=}
    imports=""; generates=""
    for run in $(seq "$runs"); do
        rm -f "$work"/p.db* "$work/policy.json"
        r=$(measure "$bin" --profile "$work/p.db" import jsonl "$input"); imports+="${r% *} "; import_rss=${r#* }
        r=$(measure "$bin" --profile "$work/p.db" policy generate --min-days 1 -o "$work/policy.json"); generates+="${r% *} "; generate_rss=${r#* }
    done
    profile=$(( $(stat -c %s "$work/p.db") + $(stat -c %s "$work/p.db-wal" 2>/dev/null || echo 0) ))
    floods=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("floods", [])))' "$work/policy.json")
    read -r import_median _ _ <<< "$(stats "$imports")"
    read -r generate_median _ _ <<< "$(stats "$generates")"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$import_median" "$(mib $((import_rss * 1024)))" \
        "$(mib "$profile")" "$generate_median" "$(mib $((generate_rss * 1024)))" "$(mib "$(stat -c %s "$work/policy.json")")" "$floods"
done
rm -f "$work"/p.db* "$work/policy.json"
