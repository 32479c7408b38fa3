#!/usr/bin/env bash
# Builds the Release tree and runs every hemsrig benchmark, then prints a summary.
# By hand only: CTest does not know these, CI never runs them. docs/PERFORMANCE.md has the
# figures and what they mean.
#
#   tests/perf/run.sh [--quick] [--out DIR]
#
# --quick: small counts, to check that everything works (a minute or so).
# The socket benchmarks run in a private network namespace (`unshare -n`, as root) with only
# `lo`: nothing they send can leave it, and other worlds, tests or controllers on this host
# neither disturb them nor hear their 10,000-node multicast. Without unshare they run on the
# host's loopback (127/8 only) and need UDP 0.0.0.0:3610 free for the echonet-lite emulator.
# Every process started here is bounded in time and stopped on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${HEMSRIG_PERF_BUILD:-$root/build-perf}"

quick=0
out=""
stage="all"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --out) out="$2"; shift ;;
    --stage) stage="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$out" ] || out="$root/out/perf-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

if [ "$quick" = 1 ]; then
  RTT_COUNT=2000; RTT_BLOCK=250; SCALE_NODES=2000; SCALE_ROUNDS=1; SCALE_GETS=1; SERVE_NODES=200
  BENCH_ARGS=(--benchmark_min_time=0.05)
else
  RTT_COUNT=20000; RTT_BLOCK=500; SCALE_NODES=10000; SCALE_ROUNDS=2; SCALE_GETS=2; SERVE_NODES=1000
  BENCH_ARGS=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true)
fi

# ---------------------------------------------------------------- build (outside the namespace)
if [ "$stage" = all ]; then
  echo "== build ($build, Release)"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEMSRIG_BENCHMARKS=ON >"$out/configure.log" 2>&1 ||
    { cat "$out/configure.log"; exit 1; }
  ninja -C "$build" hemsrig hemsrig_rtt_bench hemsrig_scale_bench hemsrig_codec_bench hemsrig_modbus_bench >"$out/build.log" 2>&1 ||
    { tail -40 "$out/build.log"; exit 1; }
  if [ ! -d "$here/node_modules/echonet-lite" ]; then
    echo "== npm install (echonet-lite, into tests/perf/node_modules)"
    (cd "$here" && timeout 300 npm ci --no-audit --no-fund >"$out/npm.log" 2>&1) || { cat "$out/npm.log"; exit 1; }
  fi
  { echo "date: $(date -Iseconds)"; echo "host: $(uname -srm), $(nproc) cores";
    grep -m1 'model name' /proc/cpuinfo | sed 's/^model name\s*: /cpu: /';
    echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')";
    echo "node: $(node --version)"; } >"$out/machine.txt"
  if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
    echo "== entering a private network namespace (unshare -n)"
    args=(--stage measure-netns --out "$out")
    [ "$quick" = 1 ] && args+=(--quick)
    exec unshare -n -- "$0" "${args[@]}"
  fi
  echo "== no private network namespace (needs root and unshare): host loopback" >&2
  stage=measure
fi

if [ "$stage" = measure-netns ]; then
  ip link set lo up
  ip route add 224.0.0.0/4 dev lo 2>/dev/null || true  # so echonet-lite's join finds lo
  echo "netns: private (lo only)" >>"$out/machine.txt"
else
  echo "netns: host (loopback addresses only)" >>"$out/machine.txt"
fi

hemsrig="$build/rig/hemsrig"
perf_bin="$build/tests/perf"

# ------------------------------------------------------------ processes we start, and stop
pids=()
cleanup() {
  for pid in "${pids[@]:-}"; do
    [ -n "$pid" ] || continue
    kill -INT "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]:-}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap cleanup EXIT

# start NAME LOGFILE CMD...: runs CMD in the background, waits (20 s at most) for a line
# starting with "ready", sets $started_pid.
start() {
  local name="$1" log="$2"
  shift 2
  "$@" >"$log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 200); do
    if grep -q '^ready' "$log"; then return 0; fi
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not get ready:" >&2
  cat "$log" >&2
  exit 1
}

stop_started() {  # stops every process started so far
  cleanup
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

world_file() {  # world_file PATH NODES CLASS
  local path="$1" nodes="$2" cls="$3"
  {
    echo "world: perf-$nodes"
    echo "seed: 1"
    echo "fabric:"
    echo "  interface: loopback"
    echo "  base_address: 127.72.1.0"
    echo "  multicast_answer_spread: 20ms"
    echo "appliances:"
    for i in $(seq "$nodes"); do
      echo "  - id: a$i"
      echo "    class: $cls"
    done
  } >"$path"
}

if [ "$stage" != measure ] && [ "$stage" != measure-netns ]; then
  echo "unknown stage $stage" >&2
  exit 2
fi

if ss -uln 2>/dev/null | grep -qE '(0\.0\.0\.0|\*):3610\b'; then
  echo "UDP 0.0.0.0:3610 is taken on this host: the echonet-lite emulator cannot run beside it" >&2
  exit 1
fi

# ------------------------------------------------------------------- 1 + 3: round trips
echo "== round trips (echo thread, hemsrig thread, echo process, hemsrig serve, echonet-lite)"
world_file "$out/one-ac.yaml" 1 home_air_conditioner
start "hemsrig serve" "$out/serve-1.log" "$hemsrig" serve "$out/one-ac.yaml" --for 900s
serve_pid=$started_pid
serve_addr="$(awk '/^echonet-node/ {split($3, a, ":"); print a[1]; exit}' "$out/serve-1.log")"
start "echonet-lite" "$out/echonet-lite-1.log" node "$here/echonet_lite_node.js" --objects 1 --max-seconds 900
el_pid=$started_pid
# The baseline for targets in another process: an echo server in another process.
start "echo process" "$out/echo-proc.log" "$perf_bin/hemsrig_rtt_bench" --serve-echo 127.72.3.1 --max-seconds 900
sleep 2
serve_rss_idle=$(rss_kib "$serve_pid")
el_rss_idle=$(rss_kib "$el_pid")
# echonet-lite holds 0.0.0.0:3610: any loopback address without a socket of its own reaches it.
"$perf_bin/hemsrig_rtt_bench" --count "$RTT_COUNT" --block "$RTT_BLOCK" \
  --echo-target udp-echo-proc=127.72.3.1 --target "hemsrig-serve=$serve_addr" --target "echonet-lite=127.72.2.1" |
  tee "$out/rtt.txt"
serve_rss_after=$(rss_kib "$serve_pid")
el_rss_after=$(rss_kib "$el_pid")
stop_started

# ---------------------------------------------------------------- 3: memory of a node process
echo "== memory: one node per process, and many objects/nodes in one"
world_file "$out/many.yaml" "$SERVE_NODES" general_lighting
start "hemsrig serve ($SERVE_NODES nodes)" "$out/serve-many.log" "$hemsrig" serve "$out/many.yaml" --for 300s
sleep 2
serve_many_rss=$(rss_kib "$started_pid")
stop_started
start "echonet-lite (100 objects)" "$out/echonet-lite-100.log" node "$here/echonet_lite_node.js" --objects 100 --max-seconds 300
sleep 2
el_100_rss=$(rss_kib "$started_pid")
stop_started
{
  echo "RESULT procmem hemsrig-serve nodes=1 rss_idle_kib=$serve_rss_idle rss_after_rtt_kib=$serve_rss_after"
  echo "RESULT procmem hemsrig-serve nodes=$SERVE_NODES rss_kib=$serve_many_rss per_extra_node_b=$(( (serve_many_rss - serve_rss_idle) * 1024 / (SERVE_NODES - 1) ))"
  echo "RESULT procmem echonet-lite objects=1 rss_idle_kib=$el_rss_idle rss_after_rtt_kib=$el_rss_after"
  echo "RESULT procmem echonet-lite objects=100 rss_kib=$el_100_rss per_extra_object_b=$(( (el_100_rss - el_rss_idle) * 1024 / 99 ))"
} | tee "$out/procmem.txt"

# ------------------------------------------------------------------------------- 2: scale
echo "== scale: $SCALE_NODES nodes in one process"
"$perf_bin/hemsrig_scale_bench" --nodes "$SCALE_NODES" --rounds "$SCALE_ROUNDS" --gets "$SCALE_GETS" \
  --spreads 0,20 | tee "$out/scale.txt"
echo "== scale: the same with the client's default receive buffer (answers may be lost)"
"$perf_bin/hemsrig_scale_bench" --nodes "$SCALE_NODES" --rounds 1 --gets "$SCALE_GETS" \
  --spreads 0,20 --client-rcvbuf 0 | sed 's/^RESULT mget /RESULT mget-default-rcvbuf /' | tee -a "$out/scale.txt"

# ------------------------------------------------------------------------- 4: micro benchmarks
echo "== micro benchmarks"
"$perf_bin/hemsrig_codec_bench" "${BENCH_ARGS[@]}" 2>&1 | tee "$out/codec.txt"

# ---------------------------------------------------------- 5: Modbus bench beside pymodbus
echo "== modbus: the bench of hemsrig serve beside pymodbus's TCP server, same client"
"$here/bench_modbus.sh" "$build" --out "$out/modbus" $([ "$quick" = 1 ] && echo --quick)

# ------------------------------------------------------------------------------------ summary
{
  echo
  echo "================ summary ($out)"
  cat "$out/machine.txt"
  echo
  echo "round trip of a Get (us; each target against the echo in the same kind of place):"
  awk '/^RESULT rtt/ {
         for (i = 4; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
         printf "  %-15s p50 %7s  p99 %8s  lost %s  vs %-14s p50 x%s  p99 x%s\n", $3, v["p50_us"], v["p99_us"],
                v["lost"], v["baseline"], v["p50_ratio"], v["p99_ratio"] }' "$out/rtt.txt"
  echo "scale ($SCALE_NODES nodes):"
  awk '/^RESULT (build|memory|mget)/ { sub(/^RESULT /, "  "); print }' "$out/scale.txt"
  echo "process memory:"
  sed 's/^RESULT procmem /  /' "$out/procmem.txt"
  echo "modbus (read input registers 6-11):"
  sed 's/^RESULT modbus /  /' "$out/modbus/modbus.txt"
  echo "micro (ns/op):"
  awk '/^BM_/ && ($1 !~ /_(mean|stddev|cv)$/) { printf "  %-40s %s %s\n", $1, $2, $3 }' "$out/codec.txt"
} | tee "$out/summary.txt"
