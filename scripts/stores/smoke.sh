#!/usr/bin/env bash
# S3 smoke test against a running store, with curl's SigV4 only (no AWS CLI needed).
# Usage: scripts/stores/smoke.sh ceph|swift
# Creates a bucket, puts/lists/gets a key with spaces and non-ASCII characters, checks
# `If-None-Match: *` (Ceph: 412 on the 2nd put; Swift: 501 = unsupported), cleans up.
set -euo pipefail

PROG=smoke.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
  ceph) port=${RGW_PORT:-7480} key=TESTACCESSKEY secret=TESTSECRETKEY expect_cond=412 ;;
  swift) port=${S3_PORT:-8080} key=test:tester secret=testing expect_cond=501 ;;
  *) echo "usage: $0 ceph|swift" >&2; exit 2 ;;
esac

bucket=smoke-$(date +%s)-$$
name='incoming/2026 11/a b ü 日本.log'
# path-style URL; the key is percent-encoded byte by byte (RFC 3986 unreserved and / kept)
urlencode_path() {
  local h c r=""
  for h in $(printf '%s' "$1" | od -An -v -tx1); do
    c=$((16#$h))
    if [[ $c -ge 48 && $c -le 57 || $c -ge 65 && $c -le 90 || $c -ge 97 && $c -le 122 ||
      $c -eq 45 || $c -eq 46 || $c -eq 95 || $c -eq 126 || $c -eq 47 ]]; then
      r+=$(printf '%b' "\\x$h")
    else
      r+=%${h^^}
    fi
  done
  printf '%s' "$r"
}
enc_name=$(urlencode_path "$name")
base="http://$(userinfo_escape "$key"):$(userinfo_escape "$secret")@127.0.0.1:$port"
body=$(mktemp)
out=$(mktemp)
trap 'rm -f "$body" "$out"' EXIT
printf 'line1 ü\nline2\n' > "$body"

# s3 METHOD PATH [curl args...]: prints the HTTP status, response body in $out
s3() {
  local method=$1 path=$2
  shift 2
  curl -s -o "$out" -w '%{http_code}' --max-time 20 -X "$method" \
    --aws-sigv4 "aws:amz:us-east-1:s3" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    "$@" "$base$path" || echo 000
}
expect() { # expect WANT GOT WHAT
  if [ "$2" = "$1" ]; then say "ok   $3 -> $2"; else
    say "FAIL $3 -> $2 (wanted $1)"; cat "$out" >&2; echo >&2; exit 1
  fi
}

expect 200 "$(s3 PUT "/$bucket")" "create bucket $bucket"
expect 200 "$(s3 PUT "/$bucket/$enc_name" --data-binary "@$body")" "put '$name'"
expect 200 "$(s3 GET "/$bucket?list-type=2")" "list bucket"
grep -qF "<Key>$name</Key>" "$out" || { say "FAIL listing lacks <Key>$name</Key>"; cat "$out" >&2; exit 1; }
say "ok   listing shows '$name'"
expect 200 "$(s3 GET "/$bucket/$enc_name")" "get '$name'"
cmp -s "$body" "$out" || { say "FAIL body differs"; exit 1; }
say "ok   body round-trips ($(wc -c < "$body") bytes)"
cond=$(s3 PUT "/$bucket/$enc_name" -H 'If-None-Match: *' --data-binary "@$body")
expect "$expect_cond" "$cond" "put again with If-None-Match: *"
expect 204 "$(s3 DELETE "/$bucket/$enc_name")" "delete object"
expect 204 "$(s3 DELETE "/$bucket")" "delete bucket"
say "all checks passed on 127.0.0.1:$port"
