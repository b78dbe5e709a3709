#!/usr/bin/env bash
# The soak of issue 7: builds in release, runs `belfry-bench soak` (100,000 items over 10 minutes through
# a stream and a polled source, faults injected, two restarts of the agent) and writes the result to
# docs/soak-result.md, which scripts/bench.sh puts into BENCHMARKS.md under "## Soak".
#   scripts/soak.sh [--quick]       (make soak; --quick: 5,000 items in about a minute, for development)
# Takes about 11 minutes; exits non-zero when a check failed (the result is written all the same).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}

command -v dbus-daemon >/dev/null || { echo "soak: dbus-daemon is missing (apt-get install dbus)" >&2; exit 1; }

if [[ -n "${BENCH_NO_BUILD:-}" ]]; then   # reuse .build/release
  BIN=.build/release
else
  echo "soak: building in release…" >&2
  $SWIFT build -c release --product belfry >&2
  $SWIFT build -c release --product belfry-bench >&2
  BIN=$($SWIFT build -c release --show-bin-path)
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
"$BIN/belfry-bench" soak "$@" > "$out" || rc=$?
if [[ $rc -ne 0 && $rc -ne 3 ]]; then   # 3: ran to the end, a check failed
  cat "$out"
  echo "soak: belfry-bench soak failed (exit $rc)" >&2
  exit "$rc"
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
swiftv=$($SWIFT --version 2>&1 | head -1)
{
  echo "Written by \`make soak\` (\`scripts/soak.sh $*\`) on $(date -u +%Y-%m-%d) — do not edit by hand."
  echo
  echo "Machine: $(nproc) cores, $cpu, $mem RAM, $(uname -sr); $swiftv; release build."
  echo
  cat "$out"
  echo
  cat docs/soak-notes.md
} > docs/soak-result.md
cat docs/soak-result.md
echo "soak: wrote docs/soak-result.md" >&2
exit "$rc"
