#!/usr/bin/env bash
# The benchmark suite of issue 8: builds in release, runs belfry-bench (every figure, each repeated as
# it says), prints the table and writes BENCHMARKS.md (machine, command, table, notes).
#   scripts/bench.sh [--quick] [figure…]     (make bench)
# Figures: latency sustained burst idle start state poll polite. Takes about 3 minutes (--quick: about 1).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}

for tool in dbus-daemon curl notify-send; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install dbus curl libnotify-bin)" >&2; exit 1; }
done

if [[ -n "${BENCH_NO_BUILD:-}" ]]; then   # reuse .build/release (e.g. while another SwiftPM holds the lock)
  BIN=.build/release
else
  echo "bench: building in release…" >&2
  $SWIFT build -c release --product belfry >&2
  $SWIFT build -c release --product belfry-bench >&2
  BIN=$($SWIFT build -c release --show-bin-path)
fi
# Measure the binary `make install` installs: without the unused full-Foundation dependency.
bash scripts/trim-foundation.sh "$BIN/belfry"

table=$(mktemp)
trap 'rm -f "$table"' EXIT
"$BIN/belfry-bench" "$@" | tee "$table"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
swiftv=$($SWIFT --version 2>&1 | head -1)
size=$(stat -c %s "$BIN/belfry")
{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` (\`scripts/bench.sh $*\`) on $(date -u +%Y-%m-%d) — do not edit by hand; the notes"
  echo "below the table come from \`docs/benchmark-notes.md\`."
  echo
  echo "Machine: $(nproc) cores, $cpu, $mem RAM, $(uname -sr); $swiftv."
  echo "Release build (\`swift build -c release\`); \`belfry\` binary $((size / 1024)) KiB."
  echo
  cat "$table"
  echo
  cat docs/benchmark-notes.md
  if [[ -f docs/soak-result.md ]]; then   # written by scripts/soak.sh (make soak), not by this script
    echo
    echo "## Soak"
    echo
    cat docs/soak-result.md
  fi
} > BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md" >&2
