#!/usr/bin/env bash
# OpenStack Swift 2.30 (Debian bookworm) on loopback with s3api + tempauth:
# 1 replica, plain directory storage, memcached. S3 on http://127.0.0.1:${S3_PORT:-8080},
# access key "test:tester", secret "testing" (region us-east-1, path-style only).
# Usage: scripts/stores/swift.sh start|stop|status|restart     (any cwd)
# Env: BASE (default .stores/swift, relative to the repo root), S3_PORT (8080),
#      SWIFT_STORAGE_PORT (6200: object, +1 container, +2 account),
#      MEMCACHED_PORT (11211), SWIFT_START_TIMEOUT (seconds, 60).
# Every start wipes BASE, so tests always see an empty store.
set -euo pipefail

PROG=swift.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BASE=$(resolve_base .stores/swift)
S3_PORT=${S3_PORT:-8080}
OBJ_PORT=${SWIFT_STORAGE_PORT:-6200}
CONT_PORT=$((OBJ_PORT + 1))
ACCT_PORT=$((OBJ_PORT + 2))
MC_PORT=${MEMCACHED_PORT:-11211}
START_TIMEOUT=${SWIFT_START_TIMEOUT:-60}
ACCESS_KEY=test:tester
SECRET_KEY=testing
ETC=$BASE/etc
DATA=$BASE/data
PIDS=$BASE/pids
LOG=$BASE/log
SERVERS=(proxy object container account) # stop order: front door first
# memcached has no config file to carry BASE, so it is recognised by its exact arguments
MC_ARGS=(-l 127.0.0.1 -p "$MC_PORT" -U 0 -m 64)
MC_MARKER="memcached ${MC_ARGS[*]}"

fail() {
  warn "start FAILED: $*"
  tail_logs "$LOG/proxy.log" "$LOG/account.log" "$LOG/container.log" "$LOG/object.log" \
    "$LOG/memcached.log" "$LOG/setup.log"
  warn "logs kept in $LOG; stopping what was started"
  stop >&2 || true
  exit 1
}

write_conf() {
  local spec svc port
  cat > "$ETC/swift.conf" <<'EOF'
[swift-hash]
swift_hash_path_suffix = ci-suffix
swift_hash_path_prefix = ci-prefix

[storage-policy:0]
name = Policy-0
default = yes
EOF

  # user = whoever runs us: as root Swift would otherwise drop to user "swift",
  # which cannot write the root-owned BASE.
  for spec in "account:$ACCT_PORT" "container:$CONT_PORT" "object:$OBJ_PORT"; do
    svc=${spec%%:*}
    port=${spec##*:}
    cat > "$ETC/$svc-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
user = $RUN_USER
devices = $DATA
mount_check = false
swift_dir = $ETC
log_level = WARNING

[pipeline:main]
pipeline = $svc-server

[app:$svc-server]
use = egg:swift#$svc
EOF
  done

  cat > "$ETC/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $S3_PORT
workers = 0
user = $RUN_USER
swift_dir = $ETC
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
s3_acl = false
allow_multipart_uploads = true
# path-style only; virtual-host style would need storage_domain + DNS
dns_compliant_bucket_names = true

[filter:tempauth]
use = egg:swift#tempauth
# S3 access key = "test:tester", secret = "testing"
user_test_tester = testing .admin
reseller_prefix = AUTH

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MC_PORT
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_object_versioning = true
[filter:symlink]
use = egg:swift#symlink
EOF
}

make_rings() {
  local spec svc port
  # part_power=8, replicas=1, min_part_hours=1, one device d1 per service
  for spec in "account:$ACCT_PORT" "container:$CONT_PORT" "object:$OBJ_PORT"; do
    svc=${spec%%:*}
    port=${spec##*:}
    timeout 60 swift-ring-builder "$ETC/$svc.builder" create 8 1 1 &&
      timeout 60 swift-ring-builder "$ETC/$svc.builder" add "r1z1-127.0.0.1:$port/d1" 100 &&
      timeout 60 swift-ring-builder "$ETC/$svc.builder" rebalance || return 1
  done
}

server_marker() { echo "$ETC/$1-server.conf"; }

check_alive() {
  local s
  for s in "${SERVERS[@]}"; do
    running "$s" "$(server_marker "$s")" || fail "swift $s server exited (see logs below)"
  done
  running memcached "$MC_MARKER" || fail "memcached exited (see logs below)"
}

# ready sets NOT_READY to the first unmet condition, so a timeout says what hung.
ready() {
  local p code
  check_alive
  for p in "$OBJ_PORT" "$CONT_PORT" "$ACCT_PORT" "$MC_PORT"; do
    port_busy "$p" || { NOT_READY="nothing listening on 127.0.0.1:$p"; return 1; }
  done
  curl -fs -o /dev/null --max-time 3 "http://127.0.0.1:$S3_PORT/healthcheck" ||
    { NOT_READY="proxy /healthcheck on 127.0.0.1:$S3_PORT not OK"; return 1; }
  # a signed S3 request proves tempauth + account server work, not just the port
  code=$(s3_list_status "$S3_PORT" "$ACCESS_KEY" "$SECRET_KEY")
  [ "$code" = 200 ] || { NOT_READY="signed S3 ListBuckets answered HTTP $code"; return 1; }
}

start() {
  local t0 p svc deadline
  t0=$(now)
  stop >/dev/null # "start" on a running store = stop + fresh start

  for cmd in swift-proxy-server swift-account-server swift-container-server swift-object-server \
    swift-ring-builder memcached curl timeout setsid; do
    command -v "$cmd" >/dev/null || { warn "$cmd not found; run scripts/stores/install.sh swift"; exit 1; }
  done
  for p in "$S3_PORT" "$OBJ_PORT" "$CONT_PORT" "$ACCT_PORT" "$MC_PORT"; do
    port_busy "$p" && { warn "127.0.0.1:$p is already in use by another process"; exit 1; }
  done
  RUN_USER=$(id -un)

  wipe_base
  mkdir -p "$ETC" "$DATA/d1" "$PIDS" "$LOG"
  write_conf
  make_rings >>"$LOG/setup.log" 2>&1 || fail "swift-ring-builder failed"

  # memcached refuses to run as root without -u; the proxy's token cache lives here.
  local mc_user=()
  [ "$(id -u)" -ne 0 ] || mc_user=(-u root)
  spawn memcached "$LOG/memcached.log" memcached "${MC_ARGS[@]}" "${mc_user[@]}" || fail "cannot spawn memcached"
  for svc in account container object; do
    spawn "$svc" "$LOG/$svc.log" "swift-$svc-server" "$(server_marker "$svc")" -v || fail "cannot spawn $svc"
  done
  spawn proxy "$LOG/proxy.log" swift-proxy-server "$(server_marker proxy)" -v || fail "cannot spawn proxy"

  deadline=$(( $(date +%s) + START_TIMEOUT ))
  NOT_READY="not checked yet"
  until ready; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "not ready after ${START_TIMEOUT}s: $NOT_READY"
    sleep 0.3
  done
  say "swift s3api up on http://127.0.0.1:$S3_PORT in $(elapsed "$t0") s (keys $ACCESS_KEY/$SECRET_KEY, data $BASE)"
}

stop() {
  local s p pids=() stray=()
  if [ -d "$PIDS" ]; then
    for s in "${SERVERS[@]}"; do
      p=$(pid_of "$s") || continue
      is_ours "$p" "$(server_marker "$s")" && { terminate 15 "$p" || true; }
      rm -f "$PIDS/$s.pid"
    done
    if p=$(pid_of memcached); then
      is_ours "$p" "$MC_MARKER" && { terminate 10 "$p" || true; }
      rm -f "$PIDS/memcached.pid"
    fi
  fi
  # Fallback for lost pid files (e.g. BASE deleted by hand): anything still running
  # with one of our config files, or a memcached with exactly our arguments.
  mapfile -t pids < <(pids_matching "$ETC/" 'swift-*'; pids_matching "$MC_MARKER" memcached)
  if [ ${#pids[@]} -gt 0 ]; then
    warn "stopping leftover processes of $BASE: ${pids[*]}"
    terminate 15 "${pids[@]}" || true
  fi
  mapfile -t stray < <(pids_matching "$ETC/" 'swift-*'; pids_matching "$MC_MARKER" memcached)
  if [ ${#stray[@]} -gt 0 ]; then
    warn "could not stop: ${stray[*]}"
    return 1
  fi
  say "stopped"
}

status() {
  local s p m rc=0
  for s in memcached "${SERVERS[@]}"; do
    if [ "$s" = memcached ]; then m=$MC_MARKER; else m=$(server_marker "$s"); fi
    if p=$(pid_of "$s") && is_ours "$p" "$m"; then
      say "$s running (pid $p)"
    else
      say "$s not running"
      rc=3
    fi
  done
  s3_report "$S3_PORT" "$ACCESS_KEY" "$SECRET_KEY" || rc=3
  return $rc
}

case "${1:-}" in
  start | restart) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
