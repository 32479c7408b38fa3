#!/usr/bin/env bash
# Runs a command (the unit controller's interop test) while echonet_lite_appliances.js emulates an
# air conditioner and a lighting with the npm package echonet-lite on 0.0.0.0:3610. The command
# gets HEMSRIG_INTEROP_APPLIANCES=1. Every wait is bounded; the emulator is stopped by its pid
# (and stops itself after HEMSRIG_APPLIANCES_LIFETIME_MS anyway).
# Usage: run_with_appliances.sh COMMAND [ARGS...]   (CTest: interop.unit_controller_appliances)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
node_bin="${HEMSRIG_NODE:-node}"
log="$(mktemp "${TMPDIR:-/tmp}/hemsrig-appliances.XXXXXX")"

"$node_bin" "$here/echonet_lite_appliances.js" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

for _ in $(seq 1 100); do  # up to 10 s
  grep -q '^ready' "$log" && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "run_with_appliances: the emulated appliances exited early:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if ! grep -q '^ready' "$log"; then
  echo "run_with_appliances: the emulated appliances were not ready within 10 s:" >&2
  cat "$log" >&2
  exit 1
fi

rc=0
HEMSRIG_INTEROP_APPLIANCES=1 "$@" || rc=$?
if [ "$rc" -ne 0 ] && [ -s "$log" ]; then
  echo "run_with_appliances: output of the emulated appliances:" >&2
  cat "$log" >&2
fi
exit "$rc"
