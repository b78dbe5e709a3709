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
status=0
swift test --skip-build 2>&1 | tee /tmp/belfry-test.log || status=1
# The .deb (issue 19): a release build with the Swift runtime linked in, its contents, lintian, and
# the unpacked binary run. A few minutes; prints PASS or FAIL.
bash scripts/package-check.sh || status=1
exit "$status"
