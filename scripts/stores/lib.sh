# shellcheck shell=bash
# Helpers shared by ceph.sh and swift.sh. Sourced, not executed.
# Callers set PROG (for messages) and, after resolve_base, BASE/PIDS/LOG.

shopt -s extglob # for the @(a|b) process-name patterns below

STORES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$STORES_DIR/../.." && pwd)

say() { printf '%s: %s\n' "$PROG" "$*"; }
warn() { printf '%s: %s\n' "$PROG" "$*" >&2; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Absolute BASE (a relative BASE is taken relative to the repo root, so any cwd works).
# It is rm -rf'ed on every start, so refuse anything that could hold the repo or more.
resolve_base() {
  local b=${BASE:-$1}
  case "$b" in /*) ;; *) b="$REPO_ROOT/$b" ;; esac
  b=$(realpath -m -- "$b")
  case "$REPO_ROOT/" in "$b"/*) warn "refusing BASE=$b: it contains the repo"; exit 2 ;; esac
  case "$b" in /*/*) ;; *) warn "refusing BASE=$b: too close to /"; exit 2 ;; esac
  [ "$b" != "${HOME:-/nonexistent}" ] || { warn "refusing BASE=$b: it is HOME"; exit 2; }
  printf '%s\n' "$b"
}

# Every start rm -rf's BASE. Only do that to a folder we created (marker file) or an
# empty one, so a mistyped BASE=src cannot wipe real files.
wipe_base() {
  if [ -d "$BASE" ] && [ -n "$(ls -A "$BASE")" ] && [ ! -f "$BASE/.stores-base" ]; then
    warn "refusing to wipe $BASE: not empty and not created by $PROG (no .stores-base marker)"
    exit 2
  fi
  rm -rf "$BASE"
  mkdir -p "$BASE"
  echo "created by scripts/stores/$PROG; wiped on every start" > "$BASE/.stores-base"
}

# Alive = exists and is not a zombie (PID 1 here may not reap orphans promptly).
alive() {
  local st
  [ -r "/proc/$1/stat" ] || return 1
  st=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

cmdline() { { tr '\0' ' ' < "/proc/$1/cmdline"; } 2>/dev/null || true; }

# A PID from a pid file is only trusted if its command line still carries our
# marker (guards against PID reuse after a reboot or a crash).
is_ours() { alive "$1" && case "$(cmdline "$1")" in *"$2"*) return 0 ;; *) return 1 ;; esac; }

# spawn NAME LOGFILE CMD...: run CMD in the foreground of its own session (so a
# Ctrl-C or hang-up of the caller does not kill it) and record its exact PID:
# the inner bash writes $$ and then execs CMD, so the PID survives setsid's fork.
spawn() {
  local name=$1 logf=$2 _
  shift 2
  rm -f "$PIDS/$name.pid"
  # shellcheck disable=SC2016 # $$ and $@ are for the inner bash
  setsid bash -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$PIDS/$name.pid" "$@" \
    </dev/null >>"$logf" 2>&1 &
  disown $! # no "Killed" job chatter from this shell if the daemon dies
  for _ in $(seq 1 50); do
    [ -s "$PIDS/$name.pid" ] && return 0
    sleep 0.1
  done
  warn "could not start $name"
  return 1
}

pid_of() { [ -s "$PIDS/$1.pid" ] && cat "$PIDS/$1.pid"; }

running() { local p; p=$(pid_of "$1") && is_ours "$p" "$2"; }

# wait_gone SECONDS PID...: true once none of the PIDs is alive.
wait_gone() {
  local deadline p left
  deadline=$(( $(date +%s) + $1 ))
  shift
  while :; do
    left=""
    for p in "$@"; do alive "$p" && left="$left $p"; done
    [ -z "$left" ] && return 0
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# terminate WAIT PID...: SIGTERM, bounded wait, then SIGKILL and a short wait.
terminate() {
  local wait=$1 p
  shift
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  wait_gone "$wait" "$@" && return 0
  for p in "$@"; do alive "$p" && warn "pid $p ($(cmdline "$p")) ignored SIGTERM; sending SIGKILL"; done
  kill -KILL "$@" 2>/dev/null || true
  wait_gone 10 "$@"
}

# pids_matching MARKER COMM_GLOB: live processes whose command line contains the fixed
# string MARKER and whose name matches COMM_GLOB (so an editor or `tail` on one of
# our files is never hit; no broad name-only matching either).
pids_matching() {
  local d p comm
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    { [ "$p" = "$$" ] || [ "$p" = "$BASHPID" ]; } && continue
    comm=$(cat "$d/comm" 2>/dev/null) || continue
    # shellcheck disable=SC2254 # COMM_GLOB is a pattern on purpose
    case "$comm" in $2) ;; *) continue ;; esac
    case "$(cmdline "$p")" in *"$1"*) alive "$p" && echo "$p" ;; esac
  done
}

# Something (anything) already accepting TCP connections on 127.0.0.1:PORT?
port_busy() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

tail_logs() {
  local f
  for f in "$@"; do
    [ -s "$f" ] || continue
    printf '\n----- %s (last 40 lines) -----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
}

# Percent-encode the characters that matter in URL userinfo.
userinfo_escape() {
  local s=${1//%/%25}
  s=${s//:/%3A}
  s=${s//@/%40}
  s=${s//\//%2F}
  printf '%s' "$s"
}

# Signed S3 ListBuckets with curl's SigV4; prints the HTTP status (000 = no answer).
# Credentials go in the URL: `--user` would split Swift's "test:tester" at its colon.
s3_list_status() {
  local port=$1 key secret
  key=$(userinfo_escape "$2")
  secret=$(userinfo_escape "$3")
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 --aws-sigv4 "aws:amz:us-east-1:s3" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "http://$key:$secret@127.0.0.1:$port/" 2>/dev/null || true
}

# s3_report PORT ACCESS SECRET: says whether the S3 API answers a signed ListBuckets; 3 if not.
s3_report() {
  local code
  code=$(s3_list_status "$1" "$2" "$3")
  if [ "$code" = 200 ]; then
    say "S3 http://127.0.0.1:$1 answers (ListBuckets 200)"
    return 0
  fi
  say "S3 http://127.0.0.1:$1 not answering (HTTP $code)"
  return 3
}
