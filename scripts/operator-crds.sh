#!/usr/bin/env bash
# Fetches the CustomResourceDefinitions the RabbitMQ engines act on from the operators that publish
# them, for conformance/kube/ to install on the real kube-apiserver: RabbitmqCluster from the
# RabbitMQ cluster operator, Shovel and SchemaReplication from the messaging topology operator.
# Their Go modules carry the generated YAML (config/crd/bases); the module proxy serves the pinned
# releases (it lists no versions for them, so each is asked for by its exact version). The files
# are copied into
#   ${FAILOVER_CACHE:-$HOME/.cache/failover-orchestrator}/operator-crds-<versions>/
# and a second run returns at once. StandbyReplication (VMware Tanzu RabbitMQ) and RocketMQ's
# resources have no module served here: conformance/kube/engine-crds.ts writes those.
#
# Usage: scripts/operator-crds.sh [--print-dir]
set -euo pipefail

cluster_operator=v2.16.0
topology_operator=v1.16.0
cache="${FAILOVER_CACHE:-$HOME/.cache/failover-orchestrator}"
dir="$cache/operator-crds-cluster-operator-$cluster_operator-topology-operator-$topology_operator"

if [ "${1:-}" = --print-dir ]; then
  echo "$dir"
  exit 0
fi
if [ -f "$dir/.complete" ]; then
  echo "== Operator CRDs (cluster-operator $cluster_operator, messaging-topology-operator $topology_operator) already in $dir"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "The conformance tier fetches the RabbitMQ operators' CRDs with Go's module download; install Go first." >&2
  exit 1
fi

export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOTOOLCHAIN=local
# Outside any module: `go mod download` of an exact version needs no go.mod.
cd "$(mktemp -d)"
module_dir() {
  local dir
  if ! dir=$(go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') || [ -z "$dir" ]; then
    echo "Could not fetch $1 from the Go module proxy (see above)." >&2
    exit 1
  fi
  echo "$dir"
}
echo "== Operator CRDs: fetching github.com/rabbitmq/cluster-operator/v2@$cluster_operator and messaging-topology-operator@$topology_operator"
cluster=$(module_dir "github.com/rabbitmq/cluster-operator/v2@$cluster_operator")
topology=$(module_dir "github.com/rabbitmq/messaging-topology-operator@$topology_operator")
rm -rf "$dir.partial"
mkdir -p "$dir.partial"
cp "$cluster/config/crd/bases/rabbitmq.com_rabbitmqclusters.yaml" "$dir.partial/"
cp "$topology/config/crd/bases/rabbitmq.com_shovels.yaml" "$topology/config/crd/bases/rabbitmq.com_schemareplications.yaml" "$dir.partial/"
chmod u+w "$dir.partial"/*.yaml
echo "cluster-operator $cluster_operator, messaging-topology-operator $topology_operator" > "$dir.partial/.complete"
rm -rf "$dir"
mv "$dir.partial" "$dir"
echo "== Operator CRDs in $dir"
