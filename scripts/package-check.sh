#!/usr/bin/env bash
# The .deb of issue 19, shown (run by scripts/test.sh; about as long as one release build):
# builds it (scripts/build-deb.sh), checks its control fields and contents, runs lintian (no errors),
# unpacks it with `dpkg -x` into a temporary root and runs `belfry --version` and
# `belfry check --offline` on the packaged example config from there, shows with ldd that no Swift
# runtime library is needed, and verifies the installed unit with `systemd-analyze --user verify`.
# Ends with PASS or FAIL (exit 1). The tools come from scripts/deps.sh.
#   scripts/package-check.sh [DEB]     (an already built .deb: skip the build)
set -uo pipefail
cd "$(dirname "$0")/.."
failures=0
pass() { echo "package-check: ok   $*"; }
fail() { echo "package-check: FAIL $*" >&2; failures=$((failures + 1)); }
finish() {
  if [[ $failures -eq 0 ]]; then echo "package-check: PASS (${deb:-no package})"; exit 0; fi
  echo "package-check: FAIL ($failures check(s) failed)" >&2
  exit 1
}

for tool in dpkg-deb dpkg-shlibdeps lintian strip objdump ldd gzip systemd-analyze; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/deps.sh installs it)"
done
[[ $failures -eq 0 ]] || finish

version=$(bash scripts/version.sh) || { fail "no version"; finish; }
arch=$(dpkg --print-architecture)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ $# -gt 0 ]]; then
  deb=$1
else
  deb=$(bash scripts/build-deb.sh "$tmp/dist") || { fail "scripts/build-deb.sh failed"; finish; }
fi
[[ "$(basename "$deb")" == "belfry_${version}_${arch}.deb" ]] && pass "file name $(basename "$deb")" || fail "file name $(basename "$deb"), expected belfry_${version}_${arch}.deb"

# Control fields.
field() { dpkg-deb -f "$deb" "$1"; }
[[ "$(field Package)" == belfry ]] && pass "Package: belfry" || fail "Package: $(field Package)"
[[ "$(field Version)" == "$version" ]] && pass "Version: $version (BuildInfo.swift)" || fail "Version: $(field Version), expected $version"
[[ "$(field Architecture)" == "$arch" ]] && pass "Architecture: $arch" || fail "Architecture: $(field Architecture)"
[[ -n "$(field Maintainer)" && -n "$(field Description)" && "$(field Installed-Size)" =~ ^[0-9]+$ ]] \
  && pass "Maintainer, Description, Installed-Size ($(field Installed-Size) KiB)" || fail "Maintainer, Description or Installed-Size missing"
depends=$(field Depends)
for lib in libc6 libcurl4 libdbus-1-3 libstdc++6; do
  grep -q "\b$lib\b" <<<"$depends" && pass "Depends names $lib" || fail "Depends lacks $lib: $depends"
done
grep -qi swift <<<"$depends" && fail "Depends names a Swift package: $depends" || pass "Depends names no Swift package"
scripts=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t | sed 's|^\./||' | grep -v -x -e '' -e control -e md5sums)
[[ -z "$scripts" ]] && pass "no maintainer scripts" || fail "maintainer scripts: $scripts"

# Contents.
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|')
for path in /usr/bin/belfry /usr/lib/systemd/user/belfry.service /usr/share/applications/belfry.desktop \
            /usr/share/man/man1/belfry.1.gz /usr/share/bash-completion/completions/belfry \
            /usr/share/zsh/vendor-completions/_belfry /usr/share/fish/vendor_completions.d/belfry.fish \
            /usr/share/doc/belfry/README.md /usr/share/doc/belfry/config.example.toml \
            /usr/share/doc/belfry/copyright /usr/share/doc/belfry/changelog.gz; do
  grep -qx "$path" <<<"$contents" && pass "contains $path" || fail "lacks $path"
done
if [[ -d share/icons ]]; then
  while read -r icon; do
    grep -qx "/usr/share/$icon" <<<"$contents" && pass "contains /usr/share/$icon" || fail "lacks /usr/share/$icon"
  done < <(cd share && find icons -type f)
fi
owners=$(dpkg-deb -c "$deb" | awk '{print $2}' | sort -u)
[[ "$owners" == "root/root" ]] && pass "every file owned by root/root" || fail "owners: $owners"

# lintian: no errors. The warnings kept are listed, with why, in docs/packaging.md.
lint=$(lintian --tag-display-limit 0 --display-info "$deb" 2>&1); lint_rc=$?
echo "$lint" | sed 's/^/  lintian: /'
if grep -q '^E: ' <<<"$lint" || [[ $lint_rc -ne 0 && $lint_rc -ne 2 ]]; then fail "lintian reports errors (exit $lint_rc)"; else pass "lintian: no errors"; fi

# Unpacked: it runs from there and needs no Swift runtime.
root=$tmp/root
mkdir -p "$root"
dpkg -x "$deb" "$root" || fail "dpkg -x"
bin=$root/usr/bin/belfry
shown=$("$bin" --version 2>&1)
[[ "$shown" =~ ^${version//./\\.}\ \((commit\ unknown|[0-9a-f]{7,}(-dirty)?)\)$ ]] && pass "belfry --version: $shown" || fail "belfry --version printed: $shown"
[[ "$shown" != *"commit unknown"* ]] || ! git rev-parse HEAD >/dev/null 2>&1 || fail "belfry --version names no commit, in a git checkout"
checked=$(env -i HOME="$root" PATH=/usr/bin:/bin "$bin" check --offline --config "$root/usr/share/doc/belfry/config.example.toml" 2>&1) \
  && pass "belfry check --offline on the packaged config.example.toml: $(head -1 <<<"$checked")" \
  || fail "belfry check --offline on the packaged config.example.toml: $checked"
ldd_out=$(ldd "$bin" 2>&1)
if grep -Eq 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|not found' <<<"$ldd_out"; then
  fail "ldd: $ldd_out"
else
  pass "ldd: no Swift runtime library; NEEDED: $(objdump -p "$bin" | awk '/NEEDED/ {print $2}' | tr '\n' ' ')"
fi
zcat "$root/usr/share/man/man1/belfry.1.gz" | head -1 | grep -q '^\.TH BELFRY 1' && pass "man page" || fail "the man page does not start with .TH BELFRY 1"

# The unit as installed: ExecStart is the packaged binary, and systemd accepts the file. `verify`
# looks for ExecStart's binary on the real file system, so it runs on a copy that names the unpacked one.
unit=$root/usr/lib/systemd/user/belfry.service
grep -qx 'ExecStart=/usr/bin/belfry run' "$unit" && pass "unit: ExecStart=/usr/bin/belfry run" || fail "unit ExecStart: $(grep ^ExecStart "$unit")"
mkdir -p "$root/verify"
sed "s|^ExecStart=/usr/bin/belfry|ExecStart=$bin|" "$unit" > "$root/verify/belfry.service"
# It needs no running systemd, only an XDG_RUNTIME_DIR; it says what it ignores (a bad value) without
# failing, so any output fails here.
mkdir -m 700 "$root/run"
if verified=$(XDG_RUNTIME_DIR=$root/run systemd-analyze --user --man=no verify "$root/verify/belfry.service" 2>&1) && [[ -z "$verified" ]]; then
  pass "systemd-analyze --user verify belfry.service"
else
  fail "systemd-analyze --user verify belfry.service: $verified"
fi

finish
