#!/usr/bin/env bash
# Drops the agent binary's load-time dependency on full Foundation (libFoundation.so and, through it,
# ICU), which nothing in it uses: TOMLKit says `import struct Foundation.Data`, and that import alone
# makes the linker record libFoundation as NEEDED (swiftc adds the autolinked libraries ahead of any
# -Xlinker --as-needed, so the linker cannot drop it itself). Loading it costs ~6 MB of resident
# memory for the agent's whole life and ~7 ms at every start (BENCHMARKS.md).
#
#   scripts/trim-foundation.sh BINARY
#
# Safe by construction: afterwards `ldd -r` must resolve every symbol of the binary; if anything
# were missing, the original is put back and the script fails. Needs patchelf (scripts/deps.sh).
set -euo pipefail
bin=${1:?usage: trim-foundation.sh BINARY}
command -v patchelf >/dev/null || { echo "trim-foundation: patchelf is missing (apt-get install patchelf)" >&2; exit 1; }

needed=$(patchelf --print-needed "$bin")
drop=()
for lib in libFoundation.so libFoundationInternationalization.so; do
  grep -qx "$lib" <<<"$needed" && drop+=(--remove-needed "$lib")
done
[ ${#drop[@]} -gt 0 ] || exit 0   # already trimmed

backup=$(mktemp "${bin}.XXXXXX")
cp -p "$bin" "$backup"
patchelf "${drop[@]}" "$bin"
if report=$(ldd -r "$bin" 2>&1) && ! grep -q "undefined symbol\|not found" <<<"$report"; then
  rm -f "$backup"
else
  mv -f "$backup" "$bin"
  echo "trim-foundation: $bin needs full Foundation after all; left as it was:" >&2
  grep "undefined symbol\|not found" <<<"$report" | head -5 >&2
  exit 1
fi
