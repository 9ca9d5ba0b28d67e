#!/usr/bin/env bash
# Fetches the RocketMQ 5 jars the conformance tier runs (name server, controller, broker, mqadmin
# and the client, with their dependencies) from Maven Central into
#   ${FAILOVER_CACHE:-$HOME/.cache/failover-orchestrator}/rocketmq-<version>/lib
# one directory per version. A version already fetched returns at once (a `.complete` marker is
# written only after every jar arrived, so an interrupted fetch starts over). As root on Debian it
# installs Java 17 and Maven when they are missing; anywhere else it says what to install.
# Usage: scripts/rocketmq-jars.sh [version...]   (default 5.1.4)
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${FAILOVER_CACHE:-$HOME/.cache/failover-orchestrator}"
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(5.1.4)
started=$(date +%s%N)
elapsed() { echo "$(((($(date +%s%N) - $1) / 1000000)))ms"; }

# javac compiles the tests' small producer/consumer against the jars; mvn fetches them.
missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  readarray -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== apt-get install ${missing[*]} (RocketMQ runs on Java 17; Maven fetches its jars)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "RocketMQ's jars need Java 17 and Maven: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

for version in "${versions[@]}"; do
  if ! [[ "$version" =~ ^5\.[0-9]+\.[0-9]+$ ]]; then
    echo "expected a RocketMQ 5 version such as 5.1.4, not \"$version\"" >&2
    exit 2
  fi
  dir="$cache/rocketmq-$version"
  if [ -f "$dir/.complete" ]; then
    echo "== RocketMQ $version: $(ls "$dir/lib" | wc -l) jars already in $dir/lib"
    continue
  fi
  one=$(date +%s%N)
  echo "== RocketMQ $version: fetching rocketmq-namesrv, -controller, -broker, -tools, -client and their dependencies from Maven Central into $dir/lib"
  rm -rf "$dir.partial"
  mkdir -p "$dir.partial" "$cache/m2"
  # Maven's own repository stays in the cache too, so a second version reuses the shared jars.
  # Maven's own output goes to a log, shown only when it fails.
  if ! mvn -B -q -Dstyle.color=never -f conformance/rocketmq/pom.xml \
    -Dmaven.repo.local="$cache/m2" \
    -Drocketmq.version="$version" \
    dependency:copy-dependencies -DoutputDirectory="$dir.partial/lib" >"$dir.partial/mvn.log" 2>&1; then
    cat "$dir.partial/mvn.log" >&2
    echo "mvn could not fetch RocketMQ $version (log above; it is kept in $dir.partial/mvn.log)" >&2
    exit 1
  fi
  rm -f "$dir.partial/mvn.log"
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
  touch "$dir/.complete"
  echo "== RocketMQ $version: $(ls "$dir/lib" | wc -l) jars ($(du -sh "$dir/lib" | cut -f1)) in $(elapsed "$one")"
done
echo "== rocketmq-jars.sh done in $(elapsed "$started")"
