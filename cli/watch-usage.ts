// The watch command's usage, apart from its code (as backfill-usage.ts, for --help).

export const WATCH_USAGE = `usage: audit-ingest watch --bucket NAME [--every 5m] [--prefix P] [--endpoint URL] [--region R]
                         [--concurrency N] [--no-alerts] [--webhook-url URL] [--webhook-format json|slack] [--alert-topic ARN]
                         [--format auto|fscsm|cadf] [--timezone TZ] [--encoding E] [--envelope-field F] [--gzip|--zstd]

Runs backfill's sweep every --every (s, m or h; default 5m) until stopped: ingests new and
changed chunks, sends their FAILED operations as alerts, and logs one JSON line per pass on
stdout. A pass that fails (store unreachable) is retried sooner, backing off to 5 minutes.
SIGTERM or SIGINT: no new chunk is started, the chunks in hand finish, exit 0; a second
signal exits at once (143/130), leaving those chunks without a summary for the next run.`;
