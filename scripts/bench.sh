#!/usr/bin/env bash
# The benchmark suite of issue 8: builds in release, runs belfry-bench (every figure, each repeated as
# it says), prints the table and writes BENCHMARKS.md (machine, command, table, notes).
#   scripts/bench.sh [--quick] [figure…]     (make bench)
# Figures: latency sustained burst flood idle start installed state poll polite. Takes about 3 minutes (--quick:
# about 1), plus a release build with the Swift runtime linked in for `installed` (the .deb's binary,
# measured beside the development build: BENCH_DEB=path reuses a built .deb).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}

for tool in dbus-daemon curl notify-send; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install dbus curl libnotify-bin)" >&2; exit 1; }
done

# The installed binary: the .deb's, unpacked (built in .build-static, beside the development build).
installed=$(mktemp -d)
trap 'rm -rf "$installed"' EXIT
if [[ $# -eq 0 || " $* " == *" all "* || " $* " == *" installed "* ]]; then
  deb=${BENCH_DEB:-}
  if [[ -z "$deb" ]]; then
    echo "bench: building the .deb…" >&2
    deb=$(bash scripts/build-deb.sh "$installed/dist")
  fi
  dpkg -x "$deb" "$installed/root"
  export BELFRY_BENCH_INSTALLED=$installed/root/usr/bin/belfry
fi
if [[ -n "${BENCH_NO_BUILD:-}" ]]; then   # reuse .build/release (e.g. while another SwiftPM holds the lock)
  BIN=.build/release
else
  echo "bench: building in release…" >&2
  $SWIFT build -c release --product belfry >&2
  $SWIFT build -c release --product belfry-bench >&2
  BIN=$($SWIFT build -c release --show-bin-path)
fi

table=$(mktemp)
trap 'rm -f "$table"; rm -rf "$installed"' EXIT
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
  [[ -z "${BELFRY_BENCH_INSTALLED:-}" ]] || echo "Installed binary (the .deb's, \`--static-swift-stdlib\`, stripped): $(( $(stat -c %s "$BELFRY_BENCH_INSTALLED") / 1024 )) KiB."
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
