#!/usr/bin/env bash
# Throughput and memory of capture decoding, side by side with the floor
# (raw pcap-parser iteration) and tshark extracting the same fields, on one
# large capture, runs alternating; then decode's memory on a capture of
# HANDSHAKES handshakes (default 1,000,000; bench/make_handshakes.py), beside
# the same on a hundredth of it, and beside BEFORE_BIN (another temper build)
# when set. Usage: bench/pcap.sh [SIZE_MB] [RUNS] [HANDSHAKES]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
size=${1:-1100}; runs=${2:-5}; many=${3:-1000000}
corpus=${TEMPER_CORPUS:-../shared/corpus}/pcap
work=${BENCH_DIR:-/tmp/temper-bench}; mkdir -p "$work"
big="$work/big-$size.pcap"; small="$work/big-$((size / 4)).pcap"
cargo build --release --quiet --bin temper --example pcap_raw_iteration -p temper-collector -p temper
[ -s "$big" ] || python3 bench/make_capture.py "$corpus" "$big" "$size"
[ -s "$small" ] || python3 bench/make_capture.py "$corpus" "$small" "$((size / 4))"
bytes=$(stat -c %s "$big")
handshakes=$(target/release/temper decode "$big" | grep -c '"kind":"protocol"' || true)

declare -A times rss
tools=(raw decode import tshark)
for run in $(seq "$runs"); do
    for tool in "${tools[@]}"; do
        case $tool in
            raw) r=$(measure target/release/examples/pcap_raw_iteration "$big") ;;
            decode) r=$(measure target/release/temper decode "$big") ;;
            import) rm -f "$work"/p.db*; r=$(measure target/release/temper --profile "$work/p.db" import pcap "$big") ;;
            tshark) r=$(measure tshark -n -r "$big" -Y 'tls.handshake or ssh or smb or smb2 or ntlmssp or kerberos' -T fields \
                -e frame.number -e ip.src -e ip.dst -e tcp.dstport -e tls.handshake.version -e tls.handshake.ciphersuite \
                -e tls.handshake.extensions_server_name -e ssh.protocol -e ssh.kex_algorithms -e smb.dialect -e smb2.dialect \
                -e smb2.tree -e ntlmssp.auth.username -e kerberos.etype) ;;
        esac
        times[$tool]+="${r% *} "; rss[$tool]="${r#* }"
    done
done
small_rss=$(measure target/release/temper decode "$small"); small_rss=${small_rss#* }

printf '\ncapture: %s (%s MB, %s handshakes), %s runs each, alternating\n\n' "$big" "$((bytes / 1000000))" "$handshakes" "$runs"
printf '| %-8s | %8s | %15s | %8s | %12s | %11s |\n' tool "median s" "min–max s" "MB/s" "handshakes/s" "max RSS MiB"
printf '|%s|\n' "----------|----------|-----------------|----------|--------------|-------------"
for tool in "${tools[@]}"; do
    read -r med lo hi < <(stats "${times[$tool]}")
    awk -v t="$tool" -v m="$med" -v lo="$lo" -v hi="$hi" -v b="$bytes" -v h="$handshakes" -v r="${rss[$tool]}" \
        'BEGIN { printf "| %-8s | %8.2f | %6.2f – %6.2f | %8.0f | %12.0f | %11.1f |\n", t, m, lo, hi, b/1e6/m, (t=="raw")?0:h/m, r/1024 }'
done
read -r raw_med _ < <(stats "${times[raw]}"); read -r dec_med _ < <(stats "${times[decode]}"); read -r ts_med _ < <(stats "${times[tshark]}")
awk -v r="$raw_med" -v d="$dec_med" -v t="$ts_med" 'BEGIN { printf "\ndecode vs tshark: %.1fx faster; decode vs raw iteration: %.0f%% of its speed\n", t/d, 100*r/d }'
printf 'memory flat in size: decode max RSS %.1f MiB on %s MB vs %.1f MiB on %s MB\n' "$(awk -v k="$small_rss" 'BEGIN{print k/1024}')" "$((size / 4))" "$(awk -v k="${rss[decode]}" 'BEGIN{print k/1024}')" "$size"

# Memory against the number of handshakes: observations are written as their packets are read.
lots="$work/handshakes-$many.pcap"; some="$work/handshakes-$((many / 100)).pcap"
[ -s "$lots" ] || python3 bench/make_handshakes.py "$lots" "$many"
[ -s "$some" ] || python3 bench/make_handshakes.py "$some" "$((many / 100))"
printf '\n| build | handshakes | capture MB | decode s | decode max RSS MiB |\n|---|---:|---:|---:|---:|\n'
for entry in "now=target/release/temper" ${BEFORE_BIN:+"before=$BEFORE_BIN"}; do
    name=${entry%%=*}; bin=${entry#*=}
    for capture in "$some" "$lots"; do
        r=$(measure "$bin" decode "$capture")
        count=$(( $(basename "$capture" .pcap | sed 's/handshakes-//') ))
        awk -v n="$name" -v c="$count" -v mb="$(stat -c %s "$capture")" -v t="${r% *}" -v k="${r#* }" \
            'BEGIN { printf "| %s | %d | %.0f | %.2f | %.1f |\n", n, c, mb/1e6, t, k/1024 }'
    done
done
