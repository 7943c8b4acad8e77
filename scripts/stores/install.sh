#!/usr/bin/env bash
# Install the Debian packages for the local object stores (Debian bookworm, run as root).
# Usage: scripts/stores/install.sh [ceph|swift|cli|all]   (default: all = ceph + swift)
#   ceph  - Ceph 16 radosgw + 1 mon + 1 OSD (memstore)
#   swift - OpenStack Swift 2.30 (s3api + tempauth) + memcached
#   cli   - Debian's AWS CLI v2 at /usr/bin/aws (the rollover suite syncs with it)
# Idempotent: exits quickly when everything is already installed; `apt-get update`
# runs at most once, and only when something has to be installed.
set -euo pipefail

target=${1:-all}
ceph_pkgs=(radosgw ceph-mon ceph-osd ceph-common curl)
swift_pkgs=(swift swift-proxy swift-account swift-container swift-object memcached curl)
cli_pkgs=(awscli)

case "$target" in
  ceph) pkgs=("${ceph_pkgs[@]}") ;;
  swift) pkgs=("${swift_pkgs[@]}") ;;
  cli) pkgs=("${cli_pkgs[@]}") ;;
  all) pkgs=("${ceph_pkgs[@]}" "${swift_pkgs[@]}") ;;
  *) echo "usage: $0 [ceph|swift|cli|all]" >&2; exit 2 ;;
esac

# dpkg-query is cheap; only packages not in state "install ok installed" are missing.
missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
# de-duplicate (curl is listed for both stores)
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install.sh: $target packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: need root to install: ${missing[*]}" >&2
  exit 1
fi

echo "install.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Bounded network waits: an unreachable third-party apt source must not hang us.
apt_opts=(-o Acquire::http::Timeout=30 -o Acquire::https::Timeout=30 -o Acquire::Retries=2
          -o Dpkg::Use-Pty=0)

# Package postinst scripts would try to start system daemons (memcached on :11211,
# ceph targets) that clash with ours; a policy-rc.d that exits 101 forbids that.
# Most containers ship one already; only add (and later remove) ours if none exists.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi

# apt-get update can fail for one unreachable source (e.g. a vendor repo) while the
# Debian lists are fine, so don't abort on it: the install below is the real check.
if ! timeout 600 apt-get "${apt_opts[@]}" update -qq; then
  echo "install.sh: warning: apt-get update reported errors; trying install anyway" >&2
fi
timeout 1800 apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"

# Distro services must not run: our scripts start their own instances on loopback.
if [ "$target" = swift ] || [ "$target" = all ]; then
  if pgrep -x memcached >/dev/null && [ -f /run/memcached/memcached.pid ]; then
    kill "$(cat /run/memcached/memcached.pid)" 2>/dev/null || true
  fi
fi
echo "install.sh: done"
