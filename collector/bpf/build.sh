#!/usr/bin/env bash
# Rebuilds the committed eBPF objects from their sources. Reproducible:
# source paths are mapped to `.` so the objects do not depend on where the
# tree lives, and debug info other than BTF is stripped.
# Needs clang-19 and libbpf-dev (apt-get install clang-19 libbpf-dev llvm-19).
# Usage: collector/bpf/build.sh [--check]   (--check: fail if an object is stale)
set -euo pipefail
cd "$(dirname "$0")"
clang=${CLANG:-clang-19}
strip=${LLVM_STRIP:-llvm-strip-19}
check=${1:-}
stale=0
for source in *.bpf.c; do
    object=${source%.c}.o
    tmp=$(mktemp)
    "$clang" -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
        -ffile-prefix-map="$PWD"=. -fdebug-prefix-map="$PWD"=. \
        -I. -I/usr/include/x86_64-linux-gnu -c "$source" -o "$tmp"
    "$strip" --strip-debug "$tmp"
    if [ "$check" = --check ]; then
        if ! cmp -s "$tmp" "$object"; then
            echo "stale: $object does not match $source (run collector/bpf/build.sh)" >&2
            stale=1
        fi
        rm -f "$tmp"
    else
        mv "$tmp" "$object"
        echo "built $object"
    fi
done
exit "$stale"
