#!/usr/bin/env bash
# Installs every Debian package hemsrig needs to build, test and run its
# interop peers. Idempotent: it calls apt-get only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  libssl-dev libsqlite3-dev libmodbus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  pybind11-dev python3-dev python3-pytest python3-pytest-xdist python3-pymodbus
  python3-jsonschema python3-yaml
  clang libclang-rt-14-dev clang-format
  tshark mbpoll curl openssl iproute2 procps wrk
)
# Node.js and npm run the interop peers; a machine that already has them (from
# Debian or elsewhere, e.g. a nodejs package that bundles npm) keeps its own.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run as root (or with sudo) to install packages" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
