#!/usr/bin/env bash
# The README's first command: installs what hemsrig needs, builds it, and runs
# the main job against the simulated world.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build -DHEMSRIG_WERROR=ON
scripts/main-job.sh build/rig/hemsrig
