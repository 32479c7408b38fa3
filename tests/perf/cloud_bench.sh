#!/usr/bin/env bash
# The mock cloud under load: `hemsrig serve` of a world with only a cloud (plain HTTP, then
# HTTPS with the rig's test CA), driven by wrk over keep-alive connections on loopback.
# A read route (GET /v1/firmware/MKN704/latest) and a write route (the unit channel's state
# report, POST /v1/unit-channel/state with a session from hello; cloud_state.lua).
# Prints requests/s, p50 and p99 per case; docs/PERFORMANCE.md ("Mock cloud") has the figures.
# Builds nothing: give it the hemsrig binary. By hand, like the other benchmarks.
#
#   tests/perf/cloud_bench.sh HEMSRIG [--duration 5s] [--connections 32] [--threads 1]
#                             [--only plain|tls] [--out DIR]
#
# Every wrk run is bounded by --duration; serve is bounded by --for and stopped on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
hemsrig="${1:?usage: $0 HEMSRIG [--duration 5s] [--connections 32] [--threads 1] [--only plain|tls] [--out DIR]}"
shift
duration=5s
connections=32
threads=1
only=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --only) only="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "$0: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
command -v wrk >/dev/null || { echo "$0: wrk is missing (apt-get install -y wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "$0: curl is missing" >&2; exit 2; }
[ -x "$hemsrig" ] || { echo "$0: $hemsrig is not an executable" >&2; exit 2; }
if [ "$connections" -gt 64 ]; then
  echo "$0: at most 64 connections (the cloud's max_connections)" >&2
  exit 2
fi

work="$(mktemp -d)"
[ -n "$out" ] || out="$work"
mkdir -p "$out"
serve_pid=""
cleanup() {
  if [ -n "$serve_pid" ]; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# serve_cloud TLS: starts serve on a world with only a cloud; sets url and ca.
serve_cloud() {
  local tls="$1"
  cat >"$work/cloud-$tls.yaml" <<YAML
world: cloud-bench
fabric: {kind: local}
appliances: []
cloud:
  address: 127.0.0.1
  port: 0
  tls: $tls
  firmware:
    MKN704: {latest: Ver.2.98A-03, release_notes: 不具合を修正しました。, size: 65536}
YAML
  "$hemsrig" serve "$work/cloud-$tls.yaml" --for 600s >"$work/serve-$tls.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 200); do
    grep -q '^ready$' "$work/serve-$tls.log" && break
    kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve-$tls.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q '^ready$' "$work/serve-$tls.log" || { echo "serve never said ready" >&2; exit 1; }
  url="$(awk '$1 == "cloud" { print $3 }' "$work/serve-$tls.log")"
  ca="$(awk '$1 == "cloud-ca" { print $3 }' "$work/serve-$tls.log")"
  case "$url" in http://127.*|https://127.*) ;; *) echo "not a loopback cloud: $url" >&2; exit 1 ;; esac
}

stop_cloud() {
  kill -TERM "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=""
}

curl_cloud() {
  if [ -n "$ca" ]; then curl -sS --max-time 5 --noproxy '*' --cacert "$ca" "$@"
  else curl -sS --max-time 5 --noproxy '*' "$@"; fi
}

# run_wrk NAME URL [LUA_SCRIPT SCRIPT_ARG]: one bounded wrk run; prints "NAME req/s p50 p99".
run_wrk() {
  local name="$1" target="$2" script="${3:-}" script_arg="${4:-}"
  if [ -n "$script" ]; then
    wrk -t"$threads" -c"$connections" -d"$duration" --timeout 5s --latency -s "$script" \
      "$target" -- "$script_arg" >"$out/$name.txt" 2>&1
  else
    wrk -t"$threads" -c"$connections" -d"$duration" --timeout 5s --latency "$target" \
      >"$out/$name.txt" 2>&1
  fi
  local rps p50 p99 errors
  rps="$(awk '/^Requests\/sec:/ { print $2 }' "$out/$name.txt")"
  p50="$(awk '$1 == "50%" { print $2 }' "$out/$name.txt")"
  p99="$(awk '$1 == "99%" { print $2 }' "$out/$name.txt")"
  errors="$(grep -E 'Non-2xx|Socket errors' "$out/$name.txt" | tr '\n' ' ' || true)"
  printf '%-12s %12s req/s   p50 %-9s p99 %-9s %s\n' "$name" "$rps" "$p50" "$p99" "$errors"
}

echo "cloud_bench: wrk -t$threads -c$connections -d$duration --latency (keep-alive), $(nproc) cores"
for tls in false true; do
  [ "$only" = plain ] && [ "$tls" = true ] && continue
  [ "$only" = tls ] && [ "$tls" = false ] && continue
  serve_cloud "$tls"
  label=plain
  [ "$tls" = true ] && label=tls
  # Both routes answer before the run: a broken cloud is not measured.
  curl_cloud -f -o /dev/null "$url/v1/firmware/MKN704/latest"
  session="$(curl_cloud -f -X POST -H 'Content-Type: application/json' \
    -d '{"device_code":"9999950072","model":"MKN704","firmware":"Ver.2.97I-03","access_password":"9999950072"}' \
    "$url/v1/unit-channel/hello" | sed -n 's/.*"session":"\([^"]*\)".*/\1/p')"
  [ -n "$session" ] || { echo "hello gave no session" >&2; exit 1; }
  run_wrk "read-$label" "$url/v1/firmware/MKN704/latest"
  run_wrk "write-$label" "$url/v1/unit-channel/state" "$here/cloud_state.lua" "$session"
  # The writes arrived: the cloud's copy of the unit has the reported air conditioner.
  curl_cloud -f "$url/v1/units/9999950072" | grep -q '0x013001' ||
    { echo "the state reports did not reach the cloud's copy of the unit" >&2; exit 1; }
  stop_cloud
done
[ "$out" = "$work" ] || echo "wrk outputs in $out"
