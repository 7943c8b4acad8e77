#!/usr/bin/env bash
# Ceph 16 (Debian bookworm) on loopback: 1 mon + 1 memstore OSD + radosgw, cephx off.
# S3 on http://127.0.0.1:${RGW_PORT:-7480}, access key TESTACCESSKEY / secret TESTSECRETKEY.
# Usage: scripts/stores/ceph.sh start|stop|status|restart     (any cwd)
# Env: BASE (default .stores/ceph, relative to the repo root), RGW_PORT (7480),
#      CEPH_MON_PORT (6789), CEPH_START_TIMEOUT (seconds per readiness stage, 60).
# memstore keeps data in RAM and a restart on an old BASE hangs radosgw (its PGs
# never recover), so every start wipes BASE and builds a fresh cluster (~15 s).
set -euo pipefail

PROG=ceph.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BASE=$(resolve_base .stores/ceph)
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${CEPH_MON_PORT:-6789}
STAGE_TIMEOUT=${CEPH_START_TIMEOUT:-60}
ACCESS_KEY=TESTACCESSKEY
SECRET_KEY=TESTSECRETKEY
CONF=$BASE/ceph.conf
PIDS=$BASE/pids
LOG=$BASE/log
DAEMONS=(rgw osd mon) # stop order: clients of the cluster first
CEPH_COMMS='@(ceph-mon|ceph-osd|radosgw)'

# Every ceph CLI call is bounded: without a quorum the CLI would retry forever.
cephc() { timeout 20 ceph -c "$CONF" --connect-timeout 15 "$@"; }
rgw_admin() { timeout 30 radosgw-admin -c "$CONF" "$@"; }
# A freshly elected mon sometimes answers "EPERM: problem getting command descriptions"
# for a moment (seen about one start in three here): retry idempotent commands briefly.
cephc_retry() {
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    cephc "$@" && return 0
    sleep 0.5
  done
  return 1
}

fail() {
  warn "start FAILED: $*"
  tail_logs "$LOG/mon.a.log" "$LOG/mon.out" "$LOG/osd.0.log" "$LOG/osd.out" \
    "$LOG/client.rgw.a.log" "$LOG/rgw.out" "$LOG/setup.log"
  warn "logs kept in $LOG; stopping what was started"
  stop >&2 || true
  exit 1
}

# wait_for SECONDS WHAT CMD...: poll CMD (a quiet probe) until it succeeds or time runs out.
wait_for() {
  local secs=$1 what=$2 deadline
  shift 2
  deadline=$(( $(date +%s) + secs ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what not ready after ${secs}s"
    sleep 0.3
  done
}

daemon_dead() { ! running "$1" "$CONF"; }

# Fail fast (with logs) if a daemon exited instead of waiting out the whole timeout.
check_alive() {
  local d
  for d in "$@"; do daemon_dead "$d" && fail "$d exited (see logs below)"; done
  return 0
}

# Up means it answers with our fsid: a just-started mon can briefly hand out a map with a
# zero fsid, and an OSD that registers then fails with "wrong fsid".
mon_up() { check_alive mon && [ "$(cephc fsid 2>/dev/null)" = "$FSID" ]; }
osd_up() { check_alive mon osd && cephc osd stat 2>/dev/null | grep -q ' 1 up'; }
rgw_http_up() { check_alive mon osd rgw && curl -fs -o /dev/null --max-time 3 "http://127.0.0.1:$RGW_PORT/"; }
s3_auth_ok() { check_alive rgw && [ "$(s3_list_status "$RGW_PORT" "$ACCESS_KEY" "$SECRET_KEY")" = 200 ]; }

write_conf() {
  cat > "$CONF" <<EOF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
mon initial members = a
public network = 127.0.0.0/8
# single node, no auth: this cluster only ever listens on loopback
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
keyring = /dev/null
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
# keep every file under BASE (nothing in /var/lib/ceph or /var/log/ceph)
run dir = $BASE/run
pid file = $BASE/run/\$name.pid
log file = $LOG/\$name.log
mon cluster log file = $LOG/cluster.log
crash dir = $BASE/crash

[mon.a]
mon data = $BASE/mon.a
admin socket = $BASE/run/\$name.asok

[osd.0]
osd data = $BASE/osd.0
osd objectstore = memstore
memstore device bytes = 2147483648
osd journal size = 0
admin socket = $BASE/run/\$name.asok

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw dns name = localhost
rgw enable usage log = false
admin socket = $BASE/run/\$name.asok
EOF
}

start() {
  local t0 osd_id
  t0=$(now)
  stop >/dev/null # "start" on a running cluster = stop + fresh start

  for cmd in ceph ceph-mon ceph-osd radosgw radosgw-admin monmaptool curl timeout setsid; do
    command -v "$cmd" >/dev/null || { warn "$cmd not found; run scripts/stores/install.sh ceph"; exit 1; }
  done
  for port in "$MON_PORT" "$RGW_PORT"; do
    port_busy "$port" && { warn "127.0.0.1:$port is already in use by another process"; exit 1; }
  done

  wipe_base
  mkdir -p "$BASE"/{run,crash,mon.a,osd.0} "$PIDS" "$LOG"
  FSID=$(cat /proc/sys/kernel/random/uuid)
  write_conf

  say "starting mon"
  { monmaptool --create --clobber --add a "127.0.0.1:$MON_PORT" --fsid "$FSID" "$BASE/monmap" &&
    timeout 60 ceph-mon -c "$CONF" --mkfs -i a --monmap "$BASE/monmap"; } >>"$LOG/setup.log" 2>&1 ||
    fail "ceph-mon --mkfs failed"
  spawn mon "$LOG/mon.out" ceph-mon -f -c "$CONF" -i a || fail "cannot spawn ceph-mon"
  wait_for "$STAGE_TIMEOUT" "mon" mon_up

  say "starting osd"
  osd_id=$(cephc_retry osd create 2>>"$LOG/setup.log") || fail "ceph osd create failed"
  [ "$osd_id" = 0 ] || fail "expected osd id 0, got '$osd_id'"
  { timeout 60 ceph-osd -c "$CONF" -i 0 --mkfs &&
    cephc_retry osd crush add-bucket localhost host &&
    cephc_retry osd crush move localhost root=default &&
    cephc_retry osd crush add osd.0 1.0 host=localhost; } >>"$LOG/setup.log" 2>&1 || fail "osd setup failed"
  spawn osd "$LOG/osd.out" ceph-osd -f -c "$CONF" -i 0 || fail "cannot spawn ceph-osd"
  wait_for "$STAGE_TIMEOUT" "osd" osd_up

  # radosgw creates its pools on first start; it only opens its port once they are active.
  say "starting radosgw"
  spawn rgw "$LOG/rgw.out" radosgw -f -c "$CONF" -n client.rgw.a || fail "cannot spawn radosgw"
  wait_for $((STAGE_TIMEOUT * 2)) "radosgw http" rgw_http_up

  rgw_admin user create --uid=test --display-name=test \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >>"$LOG/setup.log" 2>&1 ||
    fail "radosgw-admin user create failed"
  # a signed request proves the keys work end to end, not just that the port is open
  wait_for "$STAGE_TIMEOUT" "S3 auth with $ACCESS_KEY" s3_auth_ok

  say "radosgw up on http://127.0.0.1:$RGW_PORT in $(elapsed "$t0") s (keys $ACCESS_KEY/$SECRET_KEY, data $BASE)"
}

stop() {
  local d p pids=() stray
  if [ -d "$PIDS" ]; then
    for d in "${DAEMONS[@]}"; do
      p=$(pid_of "$d") || continue
      is_ours "$p" "$CONF" && { terminate 20 "$p" || true; }
      rm -f "$PIDS/$d.pid"
    done
  fi
  # Fallback for lost pid files (e.g. BASE deleted by hand): anything still
  # running with our config file on its command line.
  mapfile -t pids < <(pids_matching "$CONF" "$CEPH_COMMS")
  if [ ${#pids[@]} -gt 0 ]; then
    warn "stopping leftover processes using $CONF: ${pids[*]}"
    terminate 20 "${pids[@]}" || true
  fi
  mapfile -t stray < <(pids_matching "$CONF" "$CEPH_COMMS")
  if [ ${#stray[@]} -gt 0 ]; then
    warn "could not stop: ${stray[*]}"
    return 1
  fi
  say "stopped"
}

status() {
  local d p rc=0
  for d in mon osd rgw; do
    if p=$(pid_of "$d") && is_ours "$p" "$CONF"; then
      say "$d running (pid $p)"
    else
      say "$d not running"
      rc=3
    fi
  done
  s3_report "$RGW_PORT" "$ACCESS_KEY" "$SECRET_KEY" || rc=3
  return $rc
}

# A start that fails on one of the rare mon races is tried again from an empty folder
# (start always wipes BASE); each attempt runs in a subshell because fail() exits.
start_with_retries() {
  local attempt
  for attempt in $(seq 1 "${CEPH_START_ATTEMPTS:-3}"); do
    (start) && return 0
    warn "start attempt $attempt failed"
  done
  return 1
}

case "${1:-}" in
  start | restart) start_with_retries ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
