// What `backfill` and `watch` share: their flags over a container, and the sweep they build
// from flags and environment (store client, reader, ingest deps, alert path).
//
// Alerts: FAILED operations go the notify function's way (lib/alerts/notify.ts: one alert per
// payload, a claim per alert and sink, so a chunk ingested again alerts no one twice) to
// the sinks configured as for notify (WEBHOOK_URL, WEBHOOK_FORMAT, ALERT_TOPIC_ARN; or the
// flags). On by default when a sink is configured: a scheduled run expects the functions'
// alerts. `--no-alerts` for a historical backfill, whose failures are long dealt with.

import { hostname } from 'node:os';
import { notifyFailures, type NotifyDeps } from '../lib/alerts/notify';
import {
  NotifyConfigSchema,
  ParseConfigSchema,
  StoreConfigSchema,
  SweepTuningSchema,
  loadConfig,
  outputOptionsFrom,
  parseOptionsFrom,
} from '../lib/config';
import type { IngestDeps, SendFailures } from '../lib/ingest';
import type { Logger } from '../lib/log';
import type { ContainerReader, SweepOptions } from '../lib/sweep';
import { sinksFromConfig } from '../functions/adapters/alert-sinks';
import { s3ClaimStore, s3EventClaimer } from '../functions/adapters/s3-claim-store';
import { s3ClientFromConfig, s3ContainerReader, s3ObjectStore } from '../functions/adapters/s3-store';
import { PARSE_FLAGS, parseEnv, usageError } from './args';
import type { CliIo } from './io';

/** How long one payload's delivery (retries, waiting on another run's claim) may take. */
const ALERT_DEADLINE_MS = 60_000;

export const SWEEP_FLAGS = {
  ...PARSE_FLAGS,
  bucket: { type: 'string' },
  prefix: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  concurrency: { type: 'string' },
  'no-alerts': { type: 'boolean' },
  'webhook-url': { type: 'string' },
  'webhook-format': { type: 'string' },
  'alert-topic': { type: 'string' },
} as const;

export interface SweepFlagValues {
  bucket?: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
  concurrency?: string;
  'no-alerts'?: boolean;
  'webhook-url'?: string;
  'webhook-format'?: string;
  'alert-topic'?: string;
  format?: string;
  timezone?: string;
  encoding?: string;
  gzip?: boolean;
  zstd?: boolean;
}

export interface CliSweep {
  reader: ContainerReader;
  deps: IngestDeps;
  options: SweepOptions;
  /** The alert sinks in use ([] when alerts are off or none is configured). */
  alertSinks: string[];
}

/** The sweep the flags and environment describe; throws ConfigError (or Error) on bad settings. */
export function cliSweep(values: SweepFlagValues & { bucket: string }, io: CliIo, log: Logger): CliSweep {
  const env: NodeJS.ProcessEnv = {
    ...parseEnv(io, values),
    ...(values.endpoint !== undefined ? { S3_ENDPOINT: values.endpoint, S3_FORCE_PATH_STYLE: 'true' } : {}),
    ...(values.region !== undefined ? { S3_REGION: values.region } : {}),
    ...(values.concurrency !== undefined ? { SWEEP_CONCURRENCY: values.concurrency } : {}),
    ...(values['webhook-url'] !== undefined ? { WEBHOOK_URL: values['webhook-url'] } : {}),
    ...(values['webhook-format'] !== undefined ? { WEBHOOK_FORMAT: values['webhook-format'] } : {}),
    ...(values['alert-topic'] !== undefined ? { ALERT_TOPIC_ARN: values['alert-topic'] } : {}),
  };
  const parse = loadConfig(ParseConfigSchema, env);
  const store = loadConfig(StoreConfigSchema, env);
  const tuning = loadConfig(SweepTuningSchema, env);
  const client = s3ClientFromConfig(store);

  // None without a sink: the records are then never built as objects for alerts.
  let sendFailures: SendFailures | undefined;
  let eventClaims: IngestDeps['eventClaims'];
  let alertSinks: string[] = [];
  if (values['no-alerts'] !== true) {
    const notify = loadConfig(NotifyConfigSchema, env);
    const sinks = sinksFromConfig(notify, store.S3_REGION ?? env.AWS_REGION ?? 'us-east-1');
    alertSinks = sinks.map((s) => s.name);
    if (sinks.length > 0) {
      const base: Omit<NotifyDeps, 'deadline'> = {
        sinks,
        claimsFor: (bucket) => s3ClaimStore(client, bucket),
        claimMode: notify.CLAIM_MODE,
        leaseMs: notify.CLAIM_LEASE_SECONDS * 1000,
        maxListed: notify.ALERT_MAX_LISTED,
        log,
        owner: `audit-ingest@${hostname()}:${process.pid}`,
        claimConcurrency: notify.EVENT_CLAIM_CONCURRENCY,
      };
      // The same event claims as the ingest function's: a backfill over live-ingested chunks alerts nothing twice.
      eventClaims = s3EventClaimer(client, notify, base.owner);
      // A delivery that fails fails the chunk: it keeps no summary, so the next run sends again.
      sendFailures = async (payload) => {
        await notifyFailures(payload, { ...base, deadline: Date.now() + ALERT_DEADLINE_MS });
      };
    }
  }

  return {
    reader: s3ContainerReader(client),
    deps: { store: s3ObjectStore(client), log, ...(sendFailures ? { sendFailures } : {}), ...(eventClaims ? { eventClaims } : {}) },
    options: {
      bucket: values.bucket,
      ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
      ...parseOptionsFrom(parse),
      ...outputOptionsFrom(parse),
      maxPayloadBytes: 256 * 1024,
      deadline: Number.POSITIVE_INFINITY,
      concurrency: tuning.SWEEP_CONCURRENCY,
    },
    alertSinks,
  };
}

/** The command's checks every sweep command shares, then cliSweep; an exit status on a usage or configuration error. */
export function sweepFromArgs(
  args: { values: SweepFlagValues; positionals: string[] },
  usage: string,
  io: CliIo,
  log: Logger,
): CliSweep | number {
  const bucket = args.values.bucket;
  if (!bucket) return usageError(io, '--bucket is required', usage);
  if (args.positionals.length > 0) return usageError(io, `unexpected argument "${args.positionals[0]}"`, usage);
  try {
    return cliSweep({ ...args.values, bucket }, io, log);
  } catch (err) {
    io.stderr.write(`audit-ingest: ${(err as Error).message}\n`);
    return 2;
  }
}
