#!/usr/bin/env bash
# Sets this machine up for the tests: `npm test` runs it first (its `pretest`, for both tiers),
# `npm run conformance` for the real-server tier alone. The npm packages when they are missing or
# older than the lock file; the Debian packages the tests run for real (Chromium for the console's
# browser test; RabbitMQ nodes and what the conformance tier builds its real servers from). As root
# on Debian it installs what is missing; anywhere else it stops at once with the one command to run.
# Usage: scripts/test-machine.sh [all|conformance]
set -euo pipefail
cd "$(dirname "$0")/.."
tier="${1:-all}"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci (the packages are missing or older than package-lock.json)"
  npm ci --no-audit --no-fund
fi

# command:package pairs
needed=(rabbitmq-server:rabbitmq-server)
[ "$tier" = all ] && needed+=(chromium:chromium)

missing=()
for pair in "${needed[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== apt-get install ${missing[*]} (the tests run real RabbitMQ nodes and a real browser)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The tests need Debian packages that are not installed: ${missing[*]}." >&2
    echo "Run:  sudo apt-get install -y ${missing[*]}   then npm test again." >&2
    exit 1
  fi
fi

# The unit tier runs on the Lambda runtime's Node.js major (npm run jest asks for it too).
[ "$tier" = all ] && bash scripts/lambda-node.sh >/dev/null

# RabbitMQ 4.x for conformance/rabbitmq (bookworm packages only 3.10): a Debian trixie root, cached
# outside the clone (first run ~80 s, later runs well under a second). It needs root.
if [ "$(id -u)" = 0 ]; then
  bash scripts/rabbitmq-4-root.sh
elif [ ! -d "$(bash scripts/rabbitmq-4-root.sh --print-root)" ]; then
  echo "The conformance tier runs RabbitMQ 4.x from a Debian trixie root that only root can make." >&2
  echo "Run:  sudo bash scripts/rabbitmq-4-root.sh   then npm test again." >&2
  exit 1
fi

# RocketMQ 5's jars from Maven Central, cached per version: conformance/rocketmq/ runs real clusters
# of them. The script installs Java 17 and Maven first when they are missing (as root on Debian).
bash scripts/rocketmq-jars.sh 5.1.4 5.3.3

# moto's server from PyPI, cached per version: conformance/aws/ runs the AWS adapters against it.
bash scripts/moto-server.sh
bash scripts/kube-control-plane.sh # kube-apiserver, etcd and kwok for conformance/kube/, built once per version
bash scripts/operator-crds.sh # the RabbitMQ operators' own CRDs for conformance/kube/, fetched once per release
exit 0
