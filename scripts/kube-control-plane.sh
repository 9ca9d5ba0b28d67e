#!/usr/bin/env bash
# Builds the Kubernetes control plane that conformance/kube/ runs — kube-apiserver, etcd and kwok —
# from the Go module proxy into
#   ${FAILOVER_CACHE:-$HOME/.cache/failover-orchestrator}/kube-<kubernetes version>/bin
# and keeps Go's module and build caches beside it, so a second run (or a later version) reuses
# what was fetched and compiled. A build already there returns at once: a `.complete` marker naming
# the three versions is written only after every binary was linked.
#
# k8s.io/kubernetes cannot be `go install`ed (its go.mod points each k8s.io/* staging module at a
# folder of its own repository), so a small wrapper module requires it and replaces every staging
# module with its published v0.X.Y, the way projects that embed the API server build it. etcd is
# built in the same wrapper (a main calling etcdmain.Main), so it is the etcd release this
# Kubernetes release itself requires. kwok has no replace directives and builds on its own; its
# release's own stages (node initialize; pod ready, complete, delete) are copied beside the binaries
# for conformance/kube/control-plane.ts to configure it with.
#
# One change to kwok, built from a copy of its release's module: kwok v0.8.0 hands the
# streaming server os/exec's error wrapped in its own, which that server does not read as an exit
# status, so every non-zero exit reaches the client as an InternalError without a code. A kubelet
# reports `NonZeroExitCode` with the code; the change returns the exit status in the form the
# streaming server reads (k8s.io/utils/exec.ExitError), so exec fails as it does on a cluster.
#
# Usage: scripts/kube-control-plane.sh [--print-bin-dir]
set -euo pipefail
cd "$(dirname "$0")/.."

kube_version=1.36.3
kwok_version=0.8.0
cache="${FAILOVER_CACHE:-$HOME/.cache/failover-orchestrator}"
dir="$cache/kube-$kube_version"

if [ "${1:-}" = --print-bin-dir ]; then
  echo "$dir/bin"
  exit 0
fi

started=$(date +%s%N)
elapsed() { echo "$(((($(date +%s%N) - $1) / 1000000)))ms"; }

export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
marker="kubernetes v$kube_version, kwok v$kwok_version with exit statuses and its stages"
if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$marker" ]; then
  echo "== Kubernetes control plane ($marker) already built in $dir/bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "The conformance tier builds kube-apiserver, etcd and kwok with Go 1.26 or newer; install Go first." >&2
  exit 1
fi
# Kubernetes 1.36 asks for go 1.26 in its go.mod; an older toolchain fails late and obscurely.
go_minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "$go_minor" -lt 26 ]; then
  echo "Kubernetes v$kube_version needs Go 1.26 or newer, this machine has $(go env GOVERSION)." >&2
  exit 1
fi

echo "== Kubernetes control plane: building $marker into $dir/bin (Go caches in $cache/go)"
rm -rf "$dir.partial"
mkdir -p "$dir.partial/bin" "$dir.partial/src/cmd/etcd" "$GOMODCACHE" "$GOCACHE"
src="$dir.partial/src"

step=$(date +%s%N)
echo "== fetching k8s.io/kubernetes v$kube_version's go.mod to list its staging modules"
kube_mod=$(cd "$src" && go mod download -json "k8s.io/kubernetes@v$kube_version" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')
# The staging modules are the k8s.io/* requirements at the placeholder version v0.0.0.
readarray -t staging < <(sed -nE 's/^\s*(k8s\.io\/[a-z0-9-]+) v0\.0\.0$/\1/p' "$kube_mod")
if [ ${#staging[@]} -eq 0 ]; then
  echo "found no staging modules in $kube_mod" >&2
  exit 1
fi
{
  echo "module failover-orchestrator/kube-control-plane"
  echo
  echo "go $(sed -nE 's/^go ([0-9.]+)$/\1/p' "$kube_mod")"
  echo
  echo "require k8s.io/kubernetes v$kube_version"
  echo
  echo "replace ("
  for module in "${staging[@]}"; do
    echo "	$module => $module v0.${kube_version#1.}"
  done
  echo ")"
} >"$src/go.mod"
cat >"$src/cmd/etcd/main.go" <<'EOF'
// etcd as its own release builds it: etcdmain.Main is the whole of etcd's main package.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
echo "== ${#staging[@]} staging modules replaced by v0.${kube_version#1.} ($(elapsed "$step"))"

step=$(date +%s%N)
echo "== go build kube-apiserver v$kube_version (with empty Go caches it fetches about 800 MB of modules and compiles for many minutes)"
# The version strings Kubernetes' own build sets (hack/lib/version.sh); without them the server
# reports v0.0.0-master, which clients and kwok read as a pre-1.0 server.
ldflags=()
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ldflags+=(
    "-X '$pkg.gitVersion=v$kube_version'"
    "-X '$pkg.gitMajor=${kube_version%%.*}'"
    "-X '$pkg.gitMinor=$(echo "$kube_version" | cut -d. -f2)'"
    "-X '$pkg.gitTreeState=clean'"
    "-X '$pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)'"
  )
done
(cd "$src" && nice -n 19 go build -trimpath -ldflags "-s -w ${ldflags[*]}" -o "$dir.partial/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver)
echo "== kube-apiserver built in $(elapsed "$step")"

step=$(date +%s%N)
etcd_version=$(cd "$src" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
echo "== go build etcd $etcd_version (the release k8s.io/kubernetes v$kube_version requires)"
(cd "$src" && nice -n 19 go build -trimpath -ldflags "-s -w" -o "$dir.partial/bin/etcd" ./cmd/etcd)
echo "== etcd built in $(elapsed "$step")"

step=$(date +%s%N)
kwok_src=$(cd "$src" && go mod download -json "sigs.k8s.io/kwok@v$kwok_version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
# The module cache is read-only (and Go refuses overlays of it): the change is made on a copy.
patched="$dir.partial/kwok-src"
cp -r "$kwok_src" "$patched"
chmod -R u+w "$patched"
exec_go="$patched/pkg/kwok/server/debugging_exec.go"
perl -0pi -e 's/(err := utilsexec\.Exec\(ctx, cmd\[0\], cmd\[1:\]\.\.\.\)\n\tif err != nil \{\n\t\treturn )err\n/$1exitStatusOf(err)\n/' "$exec_go"
if ! grep -q 'return exitStatusOf(err)' "$exec_go"; then
  echo "kwok v$kwok_version's pkg/kwok/server/debugging_exec.go no longer has the line the exit-status change replaces" >&2
  exit 1
fi
cat >"$patched/pkg/kwok/server/exit_status.go" <<'EOF'
package server

import (
	"errors"
	"os/exec"
)

// exitStatus is a finished command's exit status in the form the streaming server reads
// (k8s.io/utils/exec.ExitError): it then reports NonZeroExitCode with the code, as a kubelet does.
type exitStatus struct{ err *exec.ExitError }

func (e exitStatus) Error() string   { return e.err.Error() }
func (e exitStatus) String() string  { return e.err.String() }
func (e exitStatus) Exited() bool    { return e.err.Exited() }
func (e exitStatus) ExitStatus() int { return e.err.ExitCode() }

func exitStatusOf(err error) error {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitStatus{exitErr}
	}
	return err
}
EOF
echo "== go build kwok v$kwok_version (its module, with the exit-status change)"
(cd "$patched" && nice -n 19 go build -trimpath -ldflags "-s -w" -o "$dir.partial/bin/kwok" ./cmd/kwok)
rm -rf "$patched"
echo "== kwok built in $(elapsed "$step")"

mkdir -p "$dir.partial/kwok-stages"
cp "$kwok_src/kustomize/stage/node/fast/node-initialize.yaml" \
  "$kwok_src"/kustomize/stage/pod/fast/pod-{ready,complete,delete}.yaml "$dir.partial/kwok-stages/"

echo "$marker" >"$dir.partial/.complete"
rm -rf "$dir"
mv "$dir.partial" "$dir"
echo "== Kubernetes control plane in $dir/bin: $(ls "$dir/bin" | tr '\n' ' ')($(du -sh "$dir/bin" | cut -f1)), built in $(elapsed "$started")"
