#!/usr/bin/env bash
# Sets this machine up for `npm test` (npm runs it first, as `pretest`; .ci/run through `npm test`):
# the npm packages when they are missing or older than the lock file, and the Debian packages the
# tests run for real (RabbitMQ nodes, Chromium for the console's browser test). As root on Debian
# it installs what is missing; anywhere else it stops at once with the one command to run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci (the packages are missing or older than package-lock.json)"
  npm ci --no-audit --no-fund
fi

missing=()
command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== apt-get install ${missing[*]} (the tests run real RabbitMQ nodes and a real browser)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "The tests need Debian packages that are not installed: ${missing[*]}." >&2
echo "Run:  sudo apt-get install -y ${missing[*]}   then npm test again." >&2
exit 1
