#!/usr/bin/env bash
# The whole test suite, from a fresh Debian/Ubuntu machine: installs what it needs, builds, runs
# every test (unit, loopback HTTP against the emulator, private D-Bus, dunst under Xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
belfry_install_deps
swift --version
swift build --build-tests
# The agent binary must never link Hummingbird (it is for the emulator and tests only).
if ldd .build/debug/belfry 2>/dev/null | grep -qi hummingbird || nm -C .build/debug/belfry 2>/dev/null | grep -q "Hummingbird\."; then
  echo "belfry: the agent binary links Hummingbird" >&2
  exit 1
fi
# `make install` drops the binary's unused full-Foundation dependency: that must keep resolving
# every symbol (the script checks with ldd -r) and the trimmed binary must still run.
trimmed=$(mktemp -d)/belfry
cp .build/debug/belfry "$trimmed"
bash scripts/trim-foundation.sh "$trimmed"
"$trimmed" config-example >/dev/null
rm -rf "$(dirname "$trimmed")"
swift test --skip-build 2>&1 | tee /tmp/belfry-test.log
exit "${PIPESTATUS[0]}"
