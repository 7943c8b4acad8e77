#!/usr/bin/env bash
# npm run test:stores [-- STORE...]: the integration suites (pipeline, sweep, shippers, watch,
# backfill-alerts, rollover)
# once per object store: the embedded s3rver, Ceph radosgw and OpenStack Swift (s3api).
# Ceph and Swift are installed (apt-get) if missing and started here from empty data
# folders; a store that fails to start fails the run with its log tail.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

stores=("$@")
[ ${#stores[@]} -gt 0 ] || stores=(s3rver ceph swift)

started=""
cleanup() { [ -z "$started" ] || bash "scripts/stores/$started.sh" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

failed=()
for store in "${stores[@]}"; do
  echo "=== store: $store"
  case "$store" in
    s3rver) ;;
    ceph | swift)
      bash scripts/stores/install.sh "$store"
      started=$store
      bash "scripts/stores/$store.sh" start
      ;;
    *) echo "unknown store: $store (s3rver, ceph, swift)" >&2; exit 2 ;;
  esac
  if ! STORE=$store npx vitest run --project integration test/integration/pipeline.test.ts test/integration/sweep.test.ts \
    test/integration/shippers.test.ts test/integration/watch.test.ts test/integration/backfill-alerts.test.ts \
    test/integration/rollover.test.ts; then
    failed+=("$store")
  fi
  if [ -n "$started" ]; then
    bash "scripts/stores/$started.sh" stop
    started=""
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "store suites failed: ${failed[*]}" >&2
  exit 1
fi
echo "store suites passed: ${stores[*]}"
