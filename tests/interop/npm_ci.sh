#!/usr/bin/env bash
# Installs the interop controllers from npm into tests/interop/node_modules (CTest fixture
# interop.npm_ci). `npm ci` from the lock file when node_modules is missing or was installed
# from another lock; nothing to do otherwise. Serialised with flock, since two build folders
# share the one node_modules. --ignore-scripts: no package needs its install script here
# (node-echonet-lite's serialport is only loaded for Wi-SUN dongles), and it would try to build
# native code.
set -euo pipefail
cd "$(dirname "$0")"

command -v npm >/dev/null || { echo "npm_ci: npm is not installed (Debian: nodejs npm)" >&2; exit 1; }
lock_sum() { sha256sum package-lock.json package.json | sha256sum | cut -d' ' -f1; }
stamp=node_modules/.hemsrig-installed-from

exec 9>"${TMPDIR:-/tmp}/hemsrig-interop-npm.lock"
flock -w 600 9 || { echo "npm_ci: another install holds the npm lock" >&2; exit 1; }

if [ -f package-lock.json ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(lock_sum)" ] &&
   [ -d node_modules/echonet-lite ] && [ -d node_modules/node-echonet-lite ]; then
  echo "npm_ci: node_modules is up to date"
  exit 0
fi
if [ -f package-lock.json ]; then
  timeout 600 npm ci --ignore-scripts --no-audit --no-fund
else
  timeout 600 npm install --ignore-scripts --no-audit --no-fund
fi
lock_sum >"$stamp"
echo "npm_ci: installed $(ls node_modules | tr '\n' ' ')"
