#!/usr/bin/env bash
# Throughput and memory of `.evtx` import, side by side with the reference
# tool (`evtx_dump -t 2 -o jsonl`, the CLI of the `evtx` crate Temper reads
# with, run once per file as users run it) and the parser floor (the same
# parsing and JSON rendering in one process, examples/evtx_render_floor.rs),
# on one set of logs built by copying the corpus, runs alternating.
# Usage: bench/evtx.sh [SIZE_MB] [RUNS]
# Needs evtx_dump on PATH: cargo install evtx --version 0.15.1
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
size=${1:-520}; runs=${2:-5}
corpus=${TEMPER_CORPUS:-../shared/corpus}/evtx
work=${BENCH_DIR:-/tmp/temper-bench-evtx}; mkdir -p "$work"
command -v evtx_dump >/dev/null || { echo "evtx_dump not found: cargo install evtx --version 0.15.1" >&2; exit 1; }
cargo build --release --quiet --bin temper --example evtx_render_floor -p temper-collector -p temper

# Undamaged corpus files of 1 MB and more (corrupt/ and sysmon.evtx's slack
# chunks would make both tools report errors; small files would measure
# evtx_dump's process start rather than its parsing), copied until the set
# is SIZE_MB.
make_set() { # dir size_mb
    local dir=$1 want=$(( $2 * 1000000 )) have=0 n=0
    [ -f "$dir/.complete" ] && return
    rm -rf "$dir"; mkdir -p "$dir"
    while [ "$have" -lt "$want" ]; do
        for f in "$corpus"/*.evtx; do
            [ "$(basename "$f")" = sysmon.evtx ] && continue
            [ "$(stat -c %s "$f")" -ge 1000000 ] || continue
            cp "$f" "$dir/$n-$(basename "$f")"; n=$((n + 1))
            have=$(( have + $(stat -c %s "$f") ))
        done
    done
    touch "$dir/.complete"
}
big="$work/large-$size"; small="$work/large-$((size / 4))"
make_set "$big" "$size"; make_set "$small" "$((size / 4))"
bytes=$(du -sb --exclude=.complete "$big" | cut -f1)
files=$(find "$big" -name '*.evtx' | wc -l)
records=$(target/release/temper --profile "$work/count.db" import evtx --json "$big" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
rm -f "$work"/count.db*

dump_all() { # evtx_dump takes one file per run
    find "$1" -name '*.evtx' -print0 | xargs -0 -n1 evtx_dump -t 2 -o jsonl
}
export -f dump_all
declare -A times rss
tools=(evtx_dump floor import)
for run in $(seq "$runs"); do
    for tool in "${tools[@]}"; do
        case $tool in
            evtx_dump) r=$(measure bash -c "dump_all '$big'") ;;
            floor) r=$(THREADS=2 measure target/release/examples/evtx_render_floor "$big") ;;
            import) rm -f "$work"/p.db*; r=$(measure target/release/temper --profile "$work/p.db" import evtx --threads 2 "$big") ;;
        esac
        times[$tool]+="${r% *} "; rss[$tool]="${r#* }"
    done
done
rm -f "$work"/p.db*
small_rss=$(measure target/release/temper --profile "$work/p.db" import evtx --threads 2 "$small"); small_rss=${small_rss#* }
profile_kb=$(( $(stat -c %s "$work/p.db") / 1024 )); rm -f "$work"/p.db*

printf '\nset: %s (%s files, %s MB, %s records), %s runs each, alternating\n\n' "$big" "$files" "$((bytes / 1000000))" "$records" "$runs"
printf '| %-9s | %8s | %15s | %8s | %10s | %11s |\n' tool "median s" "min–max s" "MB/s" "records/s" "max RSS MiB"
printf '|%s|\n' "-----------|----------|-----------------|----------|------------|-------------"
for tool in "${tools[@]}"; do
    read -r med lo hi < <(stats "${times[$tool]}")
    awk -v t="$tool" -v m="$med" -v lo="$lo" -v hi="$hi" -v b="$bytes" -v n="$records" -v r="${rss[$tool]}" \
        'BEGIN { printf "| %-9s | %8.2f | %6.2f – %6.2f | %8.1f | %10.0f | %11.1f |\n", t, m, lo, hi, b/1e6/m, n/m, r/1024 }'
done
read -r dump_med _ < <(stats "${times[evtx_dump]}"); read -r imp_med _ < <(stats "${times[import]}"); read -r floor_med _ < <(stats "${times[floor]}")
awk -v d="$dump_med" -v i="$imp_med" -v f="$floor_med" 'BEGIN { printf "\nimport (decode + aggregate + write the profile) runs at %.0f%% of evtx_dump -t 2 throughput (one process per file) and %.0f%% of the in-process parser floor\n", 100*d/i, 100*f/i }'
printf 'memory flat in size: import max RSS %.1f MiB on %s MB vs %.1f MiB on %s MB; profile %s KiB\n' \
    "$(awk -v k="$small_rss" 'BEGIN{print k/1024}')" "$((size / 4))" "$(awk -v k="${rss[import]}" 'BEGIN{print k/1024}')" "$size" "$profile_kb"
