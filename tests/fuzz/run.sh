#!/usr/bin/env bash
# Builds the ECHONET Lite decoder fuzz target with clang in build-fuzz and runs
# it for SECONDS (default 60) on a scratch copy of the seed corpus, so the
# inputs libFuzzer adds do not land in the source tree. Crashes are kept in
# build-fuzz/fuzz-artifacts/.
# Usage: tests/fuzz/run.sh [SECONDS]
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build-fuzz"

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEMSRIG_FUZZ=ON -DHEMSRIG_TESTS=ON
ninja -C "$build" echonet_decode_fuzz

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
cp "$root"/tests/fuzz/corpus/echonet/* "$corpus"/
mkdir -p "$build/fuzz-artifacts"
"$build/tests/fuzz/echonet_decode_fuzz" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$build/fuzz-artifacts/" "$corpus"
