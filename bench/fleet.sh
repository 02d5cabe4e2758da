#!/usr/bin/env bash
# Fleet analytics, end to end, on a profile of HOSTS servers watched for DAYS
# days (learner/examples/fleet_bench.rs generates it through the import path):
#   1. `temper policy generate`: read, analytics, every host's decisions;
#   2. the polars analytics alone (convergence and fleet outliers, with the read);
#   3. the same two aggregations in plain SQL (bench/fleet.sql) with sqlite3
#      on the same file, the reference.
# Both 2 and 3 print their row counts; the script fails if they disagree.
# Usage: bench/fleet.sh [HOSTS] [DAYS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
hosts=${1:-1000}; days=${2:-60}; runs=${3:-3}
work=${BENCH_DIR:-/tmp/temper-bench-fleet}; mkdir -p "$work"
command -v sqlite3 >/dev/null || { echo "sqlite3 not found: apt-get install sqlite3" >&2; exit 1; }
cargo build --release --quiet --bin temper
cargo build --release --quiet -p temper-learner --features analytics --example fleet_bench

profile="$work/fleet-$hosts-$days.db"
if [ ! -f "$profile.complete" ]; then
    rm -f "$profile" "$profile-wal" "$profile-shm"
    /usr/bin/time -o "$work/time.txt" -f "%e %M" target/release/examples/fleet_bench generate "$profile" "$hosts" "$days"
    echo "generation: $(cat "$work/time.txt") (s, max RSS KiB)"
    touch "$profile.complete"
fi
facts=$(sqlite3 "$profile" 'SELECT count(*) FROM facts')
fact_days=$(sqlite3 "$profile" 'SELECT count(*) FROM fact_days')
evidence=$(sqlite3 "$profile" 'SELECT count(*) FROM evidence')
size=$(( $(stat -c %s "$profile") / 1048576 ))

polars_counts=$(target/release/examples/fleet_bench analyse "$profile" 2>/dev/null)
sql_counts=$(sqlite3 "$profile" < bench/fleet.sql)
[ "$polars_counts" = "$sql_counts" ] || { printf 'polars and SQL disagree:\n%s\n---\n%s\n' "$polars_counts" "$sql_counts" >&2; exit 1; }

run() { # label command... -> one table row: median, min, max seconds; median peak RSS
    local label=$1; shift
    local times="" rss=""
    for _ in $(seq "$runs"); do
        read -r t m < <(measure "$@")
        times="$times $t"; rss="$rss $m"
    done
    read -r med lo hi < <(stats "$times")
    read -r rss_med _ _ < <(stats "$rss")
    printf '| %s | %s | %s–%s | %.0f |\n' "$label" "$med" "$lo" "$hi" "$(echo "$rss_med / 1024" | bc -l)"
}

echo
echo "Profile: $hosts hosts x $days days, $size MiB: $facts facts, $fact_days daily buckets, $evidence evidence rows"
echo "Both aggregations agree: $(echo "$sql_counts" | tr '\n' ' ')"
echo
echo "| step | median s | range s | peak RSS MiB |"
echo "|---|---:|---:|---:|"
run "temper policy generate (end to end)" target/release/temper --profile "$profile" policy generate -o "$work/policy.json"
run "polars analytics (with the profile read)" target/release/examples/fleet_bench analyse "$profile"
run "same aggregations in SQL (sqlite3)" sqlite3 "$profile" -init /dev/null ".read bench/fleet.sql"
