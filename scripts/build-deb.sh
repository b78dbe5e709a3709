#!/usr/bin/env bash
# `make deb`: dist/belfry_<version>_<arch>.deb from the self-contained release build
# (scripts/build-release.sh). Prints the .deb's path on stdout.
#   scripts/build-deb.sh [OUTDIR]        (default dist/)
# Contents: /usr/bin/belfry; the systemd user unit in /usr/lib/systemd/user/; belfry.desktop; the
# icons under share/icons/ when there are any; the man page; bash, zsh and fish completions;
# README.md, config.example.toml, copyright and changelog in /usr/share/doc/belfry/. Depends: comes
# from dpkg-shlibdeps on the binary. No maintainer scripts: a user enables the unit for themselves
# (systemctl --user enable --now belfry); dpkg's triggers refresh the icon and desktop caches.
# The version is BelfryVersion.number (scripts/version.sh). See docs/packaging.md.
set -euo pipefail
cd "$(dirname "$0")/.."
outdir=${1:-dist}
umask 022
for tool in dpkg-deb dpkg-shlibdeps strip gzip; do
  command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing (apt-get install dpkg-dev binutils)" >&2; exit 1; }
done
version=$(bash scripts/version.sh)
commit=$(bash scripts/version.sh --commit)
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"
chmod 755 "$root"

bash scripts/build-release.sh "$root/usr/bin/belfry"
bin=$root/usr/bin/belfry

install -d "$root/usr/lib/systemd/user"
sed -e 's|^ExecStart=.*|ExecStart=/usr/bin/belfry run|' \
    -e 's|^Documentation=.*|Documentation=man:belfry(1) file:///usr/share/doc/belfry/README.md|' \
    -e 's|^# Belfry user unit\..*|# Belfry user unit, from the belfry package. Enable with: systemctl --user enable --now belfry|' \
    -e '/^# there to the installed binary)/d' \
    systemd/belfry.service > "$root/usr/lib/systemd/user/belfry.service"
install -Dm644 share/belfry.desktop "$root/usr/share/applications/belfry.desktop"
if [[ -d share/icons ]]; then   # the hicolor icons, whatever sizes and names are there
  (cd share && find icons -type f) | while read -r f; do install -Dm644 "share/$f" "$root/usr/share/$f"; done
fi
install -d "$root/usr/share/man/man1"
"$bin" generate-manual | gzip -9n > "$root/usr/share/man/man1/belfry.1.gz"
install -d "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d"
# bash-completion sources the file: no #! line (lintian: bash-completion-with-hashbang).
"$bin" --generate-completion-script bash | sed '1{/^#!/d}' > "$root/usr/share/bash-completion/completions/belfry"
"$bin" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_belfry"
"$bin" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/belfry.fish"

doc=$root/usr/share/doc/belfry
install -Dm644 README.md "$doc/README.md"
install -Dm644 config.example.toml "$doc/config.example.toml"
install -Dm644 packaging/copyright "$doc/copyright"
# A native package (the version has no Debian revision), so its changelog is changelog.gz; one entry
# for this build, dated by its commit so that two builds of a commit give the same file.
date=$(git log -1 --format=%aD 2>/dev/null || date -R)
{
  echo "belfry ($version) unstable; urgency=medium"
  echo
  echo "  * Belfry $version, built from commit ${commit:-unknown}."
  echo
  echo " -- Belfry maintainers <maintainers@users.noreply.b-seed-236885ed.example>  $date"
} | gzip -9n > "$doc/changelog.gz"
chmod 644 "$doc/changelog.gz"

# Depends: what the binary links, as dpkg-shlibdeps says (it wants a debian/control to read).
mkdir -p "$work/src/debian"
printf 'Source: belfry\n\nPackage: belfry\nArchitecture: any\n' > "$work/src/debian/control"
# (It warns that the binary is not under debian/<package>/; that is expected here.)
depends=$(cd "$work/src" && dpkg-shlibdeps -O "$bin" 2>"$work/shlibdeps.err" | sed -n 's/^shlibs:Depends=//p')
[[ -n "$depends" ]] || { echo "build-deb: dpkg-shlibdeps found no dependencies for $bin:" >&2; cat "$work/shlibdeps.err" >&2; exit 1; }

size=$(du -sk --apparent-size "$root" | cut -f1)
install -d "$root/DEBIAN"
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@DEPENDS@|$depends|" -e "s|@INSTALLED_SIZE@|$size|" \
    packaging/control.in > "$root/DEBIAN/control"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

mkdir -p "$outdir"
deb=$outdir/belfry_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "build-deb: $deb (Depends: $depends)" >&2
echo "$deb"
