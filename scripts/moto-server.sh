#!/usr/bin/env bash
# Installs moto's server (PyPI `moto[server]`), the AWS stand-in the conformance tier runs the
# AWS adapters against, into a virtual environment cached outside the clone, one per version:
#   ${FAILOVER_CACHE:-$HOME/.cache/failover-orchestrator}/moto-<version>
# A version already installed returns at once (a `.complete` marker is written only after pip
# succeeded, so an interrupted install starts over). It needs Python 3.9 or newer with venv (as
# root on Debian it installs them when missing).
# Usage: scripts/moto-server.sh [--print-bin | --print-version]   (the moto_server executable's path; the version)
set -euo pipefail
cd "$(dirname "$0")/.."

version=5.2.5
cache="${FAILOVER_CACHE:-$HOME/.cache/failover-orchestrator}"
dir="$cache/moto-$version"
bin="$dir/bin/moto_server"

if [ "${1:-}" = --print-bin ]; then
  echo "$bin"
  exit 0
fi
if [ "${1:-}" = --print-version ]; then
  echo "$version"
  exit 0
fi
if [ -f "$dir/.complete" ]; then
  echo "== moto-server: cached moto $version ($dir)"
  exit 0
fi

usable() { command -v python3 >/dev/null 2>&1 && python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; }
if ! usable; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== apt-get install python3 python3-venv (moto's server runs in a virtual environment)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
  fi
  if ! usable; then
    echo "moto's server needs Python 3.9 or newer with venv: sudo apt-get install -y python3 python3-venv" >&2
    exit 1
  fi
fi
python=$(command -v python3)

started=$(date +%s)
echo "== moto-server: installing moto[server] $version from PyPI into $dir"
rm -rf "$dir"
mkdir -p "$cache"
"$python" -m venv "$dir"
"$dir/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$version"
"$bin" --help >/dev/null
touch "$dir/.complete"
echo "== moto-server: moto $version installed in $(($(date +%s) - started)) s"
