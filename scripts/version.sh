#!/usr/bin/env bash
# The version and commit a release build carries, for the package scripts (build-release, build-deb, package-check).
#   scripts/version.sh           prints the version (BelfryVersion.number in Sources/belfry/BuildInfo.swift)
#   scripts/version.sh --commit  prints the git commit to build in: abbreviated hash, "-dirty" when the
#                                tree has changes; nothing outside a git checkout
# The version is written once, in BuildInfo.swift; this reads it from there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--commit" ]]; then
  if hash=$(git rev-parse --short=7 HEAD 2>/dev/null); then
    git diff --quiet HEAD -- 2>/dev/null || hash+="-dirty"
    echo "$hash"
  fi
  exit 0
fi
version=$(sed -n 's/^ *static let number = "\([^"]*\)"$/\1/p' Sources/belfry/BuildInfo.swift)
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "version.sh: no version (static let number = \"X.Y.Z\") in Sources/belfry/BuildInfo.swift" >&2; exit 1; }
echo "$version"
