#!/usr/bin/env bash
# The demo: the agent follows the bundled provider emulator (jaot preset) and pops real desktop
# notifications, or prints them as JSON lines where no notification server is reachable.
# Installs what it needs, builds, runs about 20 seconds, and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
belfry_install_deps
swift build 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | tail -3
bin=$(swift build --show-bin-path)

umask 077
work=$(mktemp -d /tmp/belfry-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

export BELFRY_DEMO_TOKEN="demo-token-$RANDOM"
"$bin/belfry-emulator" --preset jaot --port 0 --token "$BELFRY_DEMO_TOKEN" --seed 3 > "$work/emulator.out" 2>"$work/emulator.err" &
pids+=($!)
for _ in $(seq 1 100); do grep -q "listening on" "$work/emulator.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/emulator.out" | head -n1)
[ -n "$url" ] || { echo "demo: the emulator did not start" >&2; cat "$work/emulator.err" >&2; exit 1; }
echo "demo: provider emulator (jaot) on $url"

cat > "$work/config.toml" <<TOML
[agent]
state_file = "$work/state.json"
control_socket = "$work/control.sock"
[desktop]
first_run = "all"
[[source]]
name = "demo"
preset = "jaot"
base_url = "$url"
web_url = "https://app.jaot.io"
token_env = "BELFRY_DEMO_TOKEN"
poll_interval = "2s"
urgency = { execution_failed = "critical" }
TOML

sink=stdout
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && dbus-send --session --print-reply --dest=org.freedesktop.DBus \
     /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q "boolean true"; then
  sink=dbus
  echo "demo: popping real desktop notifications"
else
  echo "demo: no desktop notification server here: printing the items as JSON lines instead"
fi
"$bin/belfry" run --config "$work/config.toml" --sink "$sink" &
pids+=($!)
sleep 4
echo "demo: the service gets two new notifications…"
curl -fsS -X POST "$url/_emulator/items" -H 'Content-Type: application/json' -d '[
  {"type":"execution_failed","title":"Solve failed","message":"Model infeasible: constraint c12 conflicts with c7","link":"/executions/exe_demo1"},
  {"type":"credits_purchased","title":"Credits purchased","message":"500 credits were added to your organization","link":"/workspace/credits"}]' >/dev/null
sleep 4
echo "demo: belfry count → $("$bin/belfry" count --socket "$work/control.sock")"
echo "demo: belfry list:"
"$bin/belfry" list --socket "$work/control.sock" | sed 's/^/  /'
key=$("$bin/belfry" list --socket "$work/control.sock" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["key"])')
echo "demo: belfry read $key"
"$bin/belfry" read --socket "$work/control.sock" "$key"
sleep 2
echo "demo: what the service received:"
curl -fsS "$url/_emulator/calls" | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if c["method"] == "POST": print("  ", c["method"], c["path"])
'
echo "demo: belfry count → $("$bin/belfry" count --socket "$work/control.sock")"
echo "demo: done (stopping the agent and the emulator)"
