#!/usr/bin/env bash
# The main job: check every bundled world file, run every bundled scenario in
# virtual time (JUnit in build/scenario-results.xml for CI), then serve the demo
# house on loopback and drive it from a controller that speaks only the wire
# protocol (`hemsrig discover`): every node must be found and every property read.
set -euo pipefail
cd "$(dirname "$0")/.."
hemsrig="${1:-build/rig/hemsrig}"

"$hemsrig" validate scenarios/worlds/*.yaml

# Every scenario of the library (docs/scenarios.md); a failure keeps its trace and pcap.
mkdir -p build
"$hemsrig" run scenarios/ --junit build/scenario-results.xml --jobs "${HEMSRIG_JOBS:-2}"

out="$(mktemp -d)"
trap 'kill "$serve_pid" 2>/dev/null || true; rm -rf "$out"' EXIT
"$hemsrig" serve scenarios/worlds/demo-house.yaml --for 120s --pcap "$out/demo.pcap" >"$out/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do
  grep -q '^ready$' "$out/serve.log" && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$out/serve.log"; exit 1; }
  sleep 0.1
done
cat "$out/serve.log"
expected=$(grep -cE '^(echonet-node|aiseg2-unit) ' "$out/serve.log")
"$hemsrig" discover --wait 1s | tee "$out/discover.txt"
found=$(head -1 "$out/discover.txt" | cut -d' ' -f1)
kill -INT "$serve_pid"
wait "$serve_pid" || true
if [ "$found" != "$expected" ] || grep -q ERROR "$out/discover.txt"; then
  echo "main job: FAILED: $found of $expected nodes answered in full" >&2
  exit 1
fi
echo "main job: passed: all $expected nodes of the demo house discovered and read"
