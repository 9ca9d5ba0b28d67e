#!/usr/bin/env bash
# Makes a Debian trixie root holding RabbitMQ 4.x (and its Erlang 27), for the conformance tier's
# real 4.x nodes beside the host's 3.x ones: Debian bookworm packages only RabbitMQ 3.10, trixie
# packages 4.0. The nodes run from the root with chroot (conformance/rabbitmq/rabbit-nodes.ts) and
# listen on the shared loopback.
#
# Cached outside the clone, at ${FAILOVER_CACHE:-$HOME/.cache/failover-orchestrator}/rabbitmq-4-trixie,
# with a stamp naming the recipe and the rabbitmq-server version the root holds: a root whose stamp
# matches (and that still holds that version) is kept, and this returns at once; any other is
# rebuilt from scratch. Needs root (debootstrap, chroot) and a Debian mirror: the one this
# machine's apt uses. Prints the root's path as its last line.
# Usage: scripts/rabbitmq-4-root.sh [--print-root]   (--print-root: only print where the root is)
set -euo pipefail

suite=trixie
packages=rabbitmq-server
# The same default as conformance/rabbitmq/rabbit-nodes.ts (Node's os.homedir(): $HOME, else the passwd entry).
home="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
cache="${FAILOVER_CACHE:-$home/.cache/failover-orchestrator}"
root="$cache/rabbitmq-4-trixie"
stamp="$root.stamp"
# What the stamp's first line must say for the root to be reused: a change here rebuilds it.
recipe="recipe: debootstrap --variant=minbase $suite; apt-get install $packages"

if [ "${1:-}" = --print-root ]; then
  echo "$root"
  exit 0
fi

started=$(date +%s%N)
elapsed() {
  local ms=$((($(date +%s%N) - started) / 1000000))
  printf '%d.%01d s' $((ms / 1000)) $((ms % 1000 / 100))
}
say() { echo "== rabbitmq-4-root: $*"; }

# Mounted into the root when a node runs (Erlang reads /proc; the CLI needs /dev/null and friends).
ensure_mounts() {
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
  mountpoint -q "$root/dev/pts" || mount --bind /dev/pts "$root/dev/pts"
  mountpoint -q "$root/sys" || mount --bind /sys "$root/sys"
}

installed_version() {
  chroot "$root" dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null || true
}

if [ -f "$stamp" ] && [ "$(head -n 1 "$stamp")" = "$recipe" ]; then
  want=$(sed -n 's/^rabbitmq-server: //p' "$stamp")
  if [ -n "$want" ] && [ "$(installed_version)" = "$want" ]; then
    ensure_mounts
    say "cached root with rabbitmq-server $want ($(elapsed))"
    echo "$root"
    exit 0
  fi
  say "the cached root does not hold what its stamp says: rebuilding"
fi

if [ "$(id -u)" != 0 ]; then
  echo "rabbitmq-4-root: building the trixie root needs root (debootstrap, chroot): run as root" >&2
  exit 1
fi

# The mirror this machine's apt uses for Debian itself (deb822 .sources or one-line .list).
mirror=$(
  {
    grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{for (i = 2; i <= NF; i++) print $i}'
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
      sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}'
  } | grep -E '/debian/?$' | head -n 1
) || true # a missing sources file is not an error: the default mirror stands in
mirror="${mirror:-http://deb.debian.org/debian}"
say "building a $suite root with $packages in $root from $mirror"

export DEBIAN_FRONTEND=noninteractive
if ! command -v debootstrap >/dev/null 2>&1; then
  say "apt-get install debootstrap"
  apt-get update -qq
  apt-get install -y -qq debootstrap >/dev/null
fi

# A half-built root (an interrupted run) is not repaired: it is built again.
for m in dev/pts dev proc sys; do
  if mountpoint -q "$root/$m"; then umount "$root/$m"; fi
done
rm -rf --one-file-system "$root" "$stamp"
mkdir -p "$cache"
say "debootstrap --variant=minbase $suite ($(elapsed))"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$cache/rabbitmq-4-debootstrap.log" 2>&1 || {
  tail -n 20 "$cache/rabbitmq-4-debootstrap.log" >&2
  exit 1
}
# No service starts inside the root while packages install: the tests start their own nodes.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
# Node names are name@localhost: the root must resolve localhost as the host does.
cp /etc/hosts "$root/etc/hosts"
ensure_mounts
say "apt-get install $packages in the root ($(elapsed))"
chroot "$root" apt-get install -y -qq --no-install-recommends "$packages" >"$cache/rabbitmq-4-install.log" 2>&1 || {
  tail -n 20 "$cache/rabbitmq-4-install.log" >&2
  exit 1
}
chroot "$root" apt-get clean
version=$(installed_version)
erlang=$(chroot "$root" dpkg-query -W -f '${Version}' erlang-base 2>/dev/null || echo unknown)
printf '%s\nrabbitmq-server: %s\nerlang-base: %s\nmirror: %s\nbuilt: %s\n' \
  "$recipe" "$version" "$erlang" "$mirror" "$(date -u +%FT%TZ)" >"$stamp"
say "built: rabbitmq-server $version, erlang-base $erlang ($(elapsed))"
echo "$root"
