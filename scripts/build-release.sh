#!/usr/bin/env bash
# The self-contained release `belfry` that `make install` and `make deb` install:
#   scripts/build-release.sh OUT
# builds `swift build -c release --product belfry --static-swift-stdlib` with the git commit in it
# (BELFRY_COMMIT, see Package.swift), writes it stripped to OUT, and checks that it needs no Swift
# runtime library (only system ones: libc, libstdc++, libcurl, libdbus-1) and that it runs.
set -euo pipefail
out=${1:?usage: build-release.sh OUT}
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
command -v strip >/dev/null || { echo "build-release: strip is missing (apt-get install binutils)" >&2; exit 1; }
export BELFRY_COMMIT
BELFRY_COMMIT=$(bash scripts/version.sh --commit)
echo "build-release: swift build -c release --product belfry --static-swift-stdlib (commit ${BELFRY_COMMIT:-unknown})…" >&2
# Its own scratch folder: --static-swift-stdlib changes how every module is compiled, so sharing
# .build/release with `swift build -c release` rebuilt everything (~5 minutes here) at each switch.
scratch=${BELFRY_STATIC_SCRATCH:-.build-static}
$SWIFT build --scratch-path "$scratch" -c release --product belfry --static-swift-stdlib >&2
bin=$($SWIFT build --scratch-path "$scratch" -c release --static-swift-stdlib --show-bin-path)/belfry
mkdir -p "$(dirname "$out")"
# As dh_strip does for an executable: no symbols, no .comment/.note (the build id stays).
strip --remove-section=.comment --remove-section=.note -o "$out" "$bin"
chmod 755 "$out"
if swiftlibs=$(ldd "$out" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu'); then
  echo "build-release: $out still needs Swift runtime libraries:" >&2
  echo "$swiftlibs" >&2
  exit 1
fi
"$out" --version >/dev/null
echo "build-release: $out ($(( $(stat -c %s "$out") / 1024 )) KiB), $("$out" --version)" >&2
