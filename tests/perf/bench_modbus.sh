#!/usr/bin/env bash
# The Modbus bench of `hemsrig serve` beside pymodbus's TCP server, driven by the same
# libmodbus client (hemsrig_modbus_bench) in the same run: requests/s and latency of
# "read input registers 6-11" (one channel's power and energy). A third target, the floor
# (hemsrig_modbus_bench --serve-floor: blocking recv + canned send, a thread per connection),
# shows the most any server can reach with this client on this machine. By hand, like run.sh;
# docs/PERFORMANCE.md has the figures.
#
#   tests/perf/bench_modbus.sh BUILD_DIR [--quick] [--out DIR]
#
# BUILD_DIR holds rig/hemsrig and tests/perf/hemsrig_modbus_bench (HEMSRIG_BENCHMARKS=ON).
# Both servers listen on 127.0.0.1 only; both are stopped on exit and bounded in time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:?usage: $0 BUILD_DIR [--quick] [--out DIR]}"
shift
quick=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --out) out="$2"; shift ;;
    *) echo "usage: $0 BUILD_DIR [--quick] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$out" ] || out="$root/out/perf-modbus-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
hemsrig="$build/rig/hemsrig"
client="${HEMSRIG_MODBUS_BENCH:-$build/tests/perf/hemsrig_modbus_bench}"
if [ "$quick" = 1 ]; then REQUESTS=2000; else REQUESTS=20000; fi

pids=()
cleanup() {
  for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_ready() {  # wait_ready LOG PID: at most 20 s for a line starting with "ready"
  for _ in $(seq 200); do
    grep -q '^ready' "$1" && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "not ready:" >&2; cat "$1" >&2; exit 1
}

# Eight lamps on eight nodes: eight channels, like a small house.
{
  echo "world: modbus-perf"
  echo "fabric: {interface: loopback, base_address: 127.73.1.0}"
  echo "appliances:"
  for i in $(seq 8); do echo "  - {id: lamp$i, class: general_lighting}"; done
  echo "bench: {address: 127.0.0.1, port: 0, unit_id: 1}"
} >"$out/world.yaml"

"$hemsrig" serve "$out/world.yaml" --for 600s >"$out/serve.log" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
wait_ready "$out/serve.log" "$serve_pid"
bench_addr="$(awk '$1 == "modbus-bench" {print $3; exit}' "$out/serve.log")"

/usr/bin/python3 "$root/tests/interop/modbus/pymodbus_server.py" --coils 8 --max-seconds 600 \
  >"$out/pymodbus.log" 2>&1 &
pymodbus_pid=$!
pids+=("$pymodbus_pid")
wait_ready "$out/pymodbus.log" "$pymodbus_pid"
pymodbus_addr="$(awk '/^ready/ {print $2; exit}' "$out/pymodbus.log")"

"$client" --serve-floor 127.0.0.1:0 --max-seconds 600 >"$out/floor.log" 2>&1 &
floor_pid=$!
pids+=("$floor_pid")
wait_ready "$out/floor.log" "$floor_pid"
floor_addr="$(awk '/^ready/ {print $2; exit}' "$out/floor.log")"

{
  echo "date: $(date -Iseconds)"
  echo "host: $(uname -srm), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  grep -m1 'model name' /proc/cpuinfo | sed 's/^model name\s*: /cpu: /'
  echo "pymodbus: $(/usr/bin/python3 -c 'import pymodbus; print(pymodbus.__version__)')"
  echo "libmodbus: $(pkg-config --modversion libmodbus)"
} | tee "$out/machine.txt"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of a server
hz=$(getconf CLK_TCK)

# One client run per server, alternating, so both see the same machine; the server's own CPU
# time per request (from /proc) is the cost that does not depend on the client.
for conns in 1 4 8; do
  for round in 1 2; do
    for t in "pymodbus=$pymodbus_addr:$pymodbus_pid" "hemsrig-bench=$bench_addr:$serve_pid" \
      "floor=$floor_addr:$floor_pid"; do
      name="${t%%=*}"; rest="${t#*=}"; pid="${rest##*:}"; addr="${rest%:*}"
      c0=$(cpu_ticks "$pid")
      line="$("$client" --connections "$conns" --requests "$REQUESTS" --address 6 --count 6 \
        --target "$name=$addr" | grep '^RESULT')"
      c1=$(cpu_ticks "$pid")
      n="$(sed -E 's/.* requests=([0-9]+) .*/\1/' <<<"$line")"
      echo "$line server_cpu_us_per_req=$(awk -v d=$((c1 - c0)) -v hz="$hz" -v n="$n" \
        'BEGIN { printf "%.1f", (n > 0 ? d * 1e6 / hz / n : 0) }') round=$round"
    done
  done
done | sed 's/ vs_[a-z-]*=x[0-9.]*//' | tee "$out/modbus.txt"

# Ratios per connection count: best of the rounds for each server.
awk '/^RESULT modbus/ {
       split($4, c, "="); conns = c[2];
       for (i = 5; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
       if (v["req_per_s"] > best[$3, conns]) { best[$3, conns] = v["req_per_s"]; cpu[$3, conns] = v["server_cpu_us_per_req"] }
       seen[conns] = 1 }
     END { for (k in seen)
             printf "RATIO connections=%s req_per_s hemsrig-bench/pymodbus=x%.2f floor/pymodbus=x%.2f hemsrig-bench/floor=x%.2f server_cpu_per_req pymodbus/hemsrig-bench=x%.2f\n",
                    k, best["hemsrig-bench", k] / best["pymodbus", k], best["floor", k] / best["pymodbus", k],
                    best["hemsrig-bench", k] / best["floor", k],
                    cpu["pymodbus", k] / (cpu["hemsrig-bench", k] > 0 ? cpu["hemsrig-bench", k] : 1) }' \
  "$out/modbus.txt" | sort | tee -a "$out/modbus.txt"
