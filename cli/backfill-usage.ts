// The backfill command's usage, apart from its code: `parse` and `--help` print it without
// loading the S3 client (about a quarter second of start-up).

export const BACKFILL_USAGE = `usage: audit-ingest backfill --bucket NAME [--prefix P] [--endpoint URL] [--region R] [--concurrency N]
                            [--no-alerts] [--webhook-url URL] [--webhook-format json|slack] [--alert-topic ARN]
                            [--via-lambda FUNCTION [--rate N]]
                            [--format auto|fscsm|cadf] [--timezone TZ] [--encoding E] [--envelope-field F] [--gzip|--zstd] [--dry-run]

Ingests every chunk of a container that has no up-to-date summary (none, or one for another
ETag), writing <key>.jsonl (--gzip: .jsonl.gz, --zstd: .jsonl.zst) and <key>.summary.json beside it; a
second run does nothing. --concurrency N chunks at once (SWEEP_CONCURRENCY, default 4).
Alerts: FAILED operations are sent as the notify function sends them, exactly once per
alert and sink, to the webhook (--webhook-url, WEBHOOK_URL; --webhook-format, WEBHOOK_FORMAT)
and SNS topic (--alert-topic, ALERT_TOPIC_ARN) configured; none configured, none sent.
--no-alerts sends none (a historical backfill). Claims: CLAIM_MODE=check-then-put on Swift.
--via-lambda FUNCTION hands each stale chunk to the deployed ingest function instead (an
async invoke of its S3 event, at most --rate a second, default 20): its outputs, retries
and alerts; the table counts what was handed on. Millions of chunks: docs/batch-operations.md.
Keys: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY,
e.g. OpenStack EC2 credentials). --endpoint selects an S3-compatible store (path-style).
Exit status: 0 when every chunk was processed, 1 when some failed or it was stopped
(SIGINT/SIGTERM: after the chunks in hand), 2 on a usage error.`;
