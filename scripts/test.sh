#!/usr/bin/env bash
# The README's second command: every test. A -Werror build runs the unit and
# interop tests (CTest); an ASan+UBSan build runs the unit tests again; a short
# libFuzzer run of the frame decoder; the main job last.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs="$(nproc)"

echo "== build (warnings are errors)"
scripts/build.sh build -DHEMSRIG_WERROR=ON
echo "== tests"
(cd build && ctest --output-on-failure -j "$jobs")

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
scripts/build.sh build-asan -DHEMSRIG_WERROR=ON -DHEMSRIG_SANITIZE=ON -DHEMSRIG_BENCHMARKS=OFF -DCMAKE_BUILD_TYPE=Debug
echo "== unit tests under sanitizers"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j "$jobs" -L unit)

if [ -x tests/fuzz/run.sh ]; then
  echo "== fuzz the ECHONET Lite decoder (${FUZZ_SECONDS:-20} s)"
  tests/fuzz/run.sh "${FUZZ_SECONDS:-20}"
fi

echo "== main job"
scripts/main-job.sh build/rig/hemsrig
