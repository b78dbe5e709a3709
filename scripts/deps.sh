#!/usr/bin/env bash
# Installs what building and testing Belfry needs on Debian/Ubuntu (sudo when not root), and puts
# a Swift toolchain on PATH. Sourced by scripts/test.sh and scripts/demo.sh.
set -euo pipefail

# The last line: what scripts/package-check.sh needs to build and check the .deb (dpkg-shlibdeps,
# strip, lintian, systemd-analyze).
BELFRY_APT_PACKAGES=(pkg-config libdbus-1-dev libcurl4-openssl-dev dbus dunst xvfb libnotify-bin x11-utils curl python3
  dpkg-dev binutils lintian systemd)

belfry_install_deps() {
  local missing=()
  for p in "${BELFRY_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "belfry: installing ${missing[*]}" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if ! command -v swift >/dev/null 2>&1; then
    for d in /opt/swift/usr/bin /usr/share/swift/usr/bin "$HOME/.local/share/swiftly/bin"; do
      [ -x "$d/swift" ] && export PATH="$d:$PATH" && break
    done
  fi
  if ! command -v swift >/dev/null 2>&1; then
    echo "belfry: no Swift toolchain found. Install Swift 6 (https://www.swift.org/install/linux/, e.g. with swiftly) and run this again." >&2
    exit 1
  fi
}
