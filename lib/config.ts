// Configuration from the environment, validated once at start with messages that name
// the variable, so a misconfigured deployment fails on its first event with a clear log.

import * as z from './zod';
import type { ParseOptions } from './pipeline';
import { OUTPUT_COMPRESSIONS, type OutputCompression } from './keys';
import { DEFAULT_METRICS_NAMESPACE } from './metrics';
import { FORMATS, nonEmpty } from './records';
import { zstdAvailable } from './stream/compress';
import { canonicalEncoding } from './stream/transcode';
import { assertTimeZone } from './timezone';

/** A positive integer from the environment (a string), `fallback` when unset. */
export const positiveInt = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback);
const optionalUrl = z.optional(z.url());
const bool = z.pipe(
  z._default(z.enum(['true', 'false', '1', '0']), 'false'),
  z.transform((v) => v === 'true' || v === '1'),
);

export const ParseConfigSchema = z.object({
  SOURCE_TIMEZONE: z._default(
    z.string().check(
      z.refine(
        (tz) => {
          try {
            assertTimeZone(tz);
            return true;
          } catch {
            return false;
          }
        },
        { message: 'must be an IANA time zone name such as UTC or Asia/Tokyo' },
      ),
    ),
    'UTC',
  ),
  INPUT_FORMAT: z._default(z.enum(['auto', ...FORMATS]), 'auto'),
  /** Character encoding of the logs, as a WHATWG label; stored in its canonical name (sjis -> shift_jis). */
  SOURCE_ENCODING: z.pipe(
    z._default(
      z.string().check(
        z.refine((label) => canonicalEncoding(label) !== undefined, {
          message: 'must be a character encoding this Node can decode, such as utf-8, shift_jis, euc-jp, gb18030, big5, windows-1252 or utf-16le',
        }),
      ),
      'utf-8',
    ),
    z.transform((label) => canonicalEncoding(label) as string),
  ),
  /** A shipper's JSON field holding the log line, tried before `log` (Fluent Bit) and `message` (fluentd, Vector). */
  /** Empty means none (serverless.yml passes `''` when unset). */
  ENVELOPE_FIELD: z.optional(z.string()),
  MAX_LINE_BYTES: positiveInt(1024 * 1024),
  MAX_DECOMPRESSED_BYTES: positiveInt(8 * 1024 ** 3),
  /** gzip / zstd write `<key>.jsonl.gz` / `.jsonl.zst`: about 8x fewer bytes to store and upload. */
  OUTPUT_COMPRESSION: z._default(
    z.enum(OUTPUT_COMPRESSIONS).check(
      z.refine((c) => c !== 'zstd' || zstdAvailable(), { message: `zstd needs Node >= 22.15 (this is ${process.version}); use gzip` }),
    ),
    'none',
  ),
});

/** How to reach the object store: AWS by default, or any S3-compatible endpoint. */
export const StoreConfigSchema = z.object({
  S3_ENDPOINT: optionalUrl,
  /** Region for signing; S3-compatible stores usually accept us-east-1. Defaults to AWS_REGION. */
  S3_REGION: z.optional(nonEmpty()),
  S3_FORCE_PATH_STYLE: bool,
  /** Static keys for S3-compatible stores (Ceph, Swift s3api, EC2 credentials); AWS uses its role. */
  S3_ACCESS_KEY_ID: z.optional(z.string()),
  /** The secret key itself: for local use (the local stage, the CLI); deployments use S3_SECRET_ACCESS_KEY_PARAMETER. */
  S3_SECRET_ACCESS_KEY: z.optional(z.string()),
  /** Name of an SSM SecureString parameter holding the secret key, read at run time: never in the template or the environment. */
  S3_SECRET_ACCESS_KEY_PARAMETER: z.optional(z.string().check(z.startsWith('/', 'must be an SSM parameter name starting with /'))),
  /**
   * A request whose connection carries no byte either way for this long fails. Without it a
   * read that stalls with the connection still open holds the invocation until its timeout:
   * no batch arrives, so ingest never gets to check its remaining time.
   */
  S3_IDLE_TIMEOUT_MS: positiveInt(60_000),
}).check(
  z.refine((c) => !(c.S3_SECRET_ACCESS_KEY && c.S3_SECRET_ACCESS_KEY_PARAMETER), {
    message: 'set S3_SECRET_ACCESS_KEY or S3_SECRET_ACCESS_KEY_PARAMETER, not both',
    path: ['S3_SECRET_ACCESS_KEY'],
  }),
  // One half of a key pair used to be ignored silently (the client fell back to the role).
  z.refine((c) => !c.S3_ACCESS_KEY_ID || Boolean(c.S3_SECRET_ACCESS_KEY || c.S3_SECRET_ACCESS_KEY_PARAMETER), {
    message: 'is set without a secret key: set S3_SECRET_ACCESS_KEY_PARAMETER (deployments) or S3_SECRET_ACCESS_KEY (local use)',
    path: ['S3_ACCESS_KEY_ID'],
  }),
  z.refine((c) => Boolean(c.S3_ACCESS_KEY_ID) || !(c.S3_SECRET_ACCESS_KEY || c.S3_SECRET_ACCESS_KEY_PARAMETER), {
    message: 'must be set with a secret key (S3_SECRET_ACCESS_KEY or S3_SECRET_ACCESS_KEY_PARAMETER)',
    path: ['S3_ACCESS_KEY_ID'],
  }),
);

/** Claims in the store: per (alert, sink) in notify, per FAILED event in ingest and backfill. */
export const ClaimConfigSchema = z.object({
  /** conditional = If-None-Match claims (AWS S3, Ceph); check-then-put for stores without them. */
  CLAIM_MODE: z._default(z.enum(['conditional', 'check-then-put']), 'conditional'),
  /**
   * How long an event claimed for an alert not yet delivered holds off its repeats: Lambda's
   * longest async event age (6 h), so notify's own retries run out before another chunk's
   * copy of the event takes the alert over.
   */
  EVENT_CLAIM_LEASE_SECONDS: positiveInt(21_600),
  /** Event claims in flight at once (a batch holds up to about 600 FAILED operations). */
  EVENT_CLAIM_CONCURRENCY: z._default(z.coerce.number().check(z.int(), z.positive(), z.lte(256)), 16),
});

// Extending StoreConfigSchema (not its .shape) keeps its checks on the key pair.
export const IngestConfigSchema = z.extend(z.extend(z.extend(StoreConfigSchema, ParseConfigSchema.shape), ClaimConfigSchema.shape), {
  NOTIFY_FUNCTION_NAME: z.string({ error: 'must name the notify function' }).check(z.minLength(1, 'must name the notify function')),
  EVENT_KEY_ENCODING: z._default(z.enum(['auto', 'url', 'raw']), 'auto'),
  NOTIFY_MAX_PAYLOAD_BYTES: z._default(
    z.coerce.number().check(
      z.int(),
      z.positive(),
      z.refine((n) => n <= 256 * 1024, { message: 'must stay under the 256 KB async invoke limit' }),
    ),
    240_000,
  ),
  LAMBDA_ENDPOINT: optionalUrl,
  /** A chunk stops at a line boundary and continues in a new invocation when less time is left. */
  INGEST_STOP_WHEN_LEFT_SECONDS: positiveInt(60),
  /** Optional cap on the time one invocation spends on a chunk (cost control, tests). */
  INGEST_TIME_BUDGET_MS: z.optional(z.coerce.number().check(z.int(), z.positive())),
});

export const NotifyConfigSchema = z.extend(z.extend(StoreConfigSchema, ClaimConfigSchema.shape), {
  /** A webhook URL in the environment: for local use; deployments use WEBHOOK_URL_PARAMETER. */
  WEBHOOK_URL: optionalUrl,
  /** Name of an SSM (SecureString) parameter holding the webhook URL. */
  WEBHOOK_URL_PARAMETER: z.optional(z.string().check(z.startsWith('/', 'must be an SSM parameter name starting with /'))),
  WEBHOOK_FORMAT: z._default(z.enum(['json', 'slack']), 'json'),
  ALERT_TOPIC_ARN: z.optional(z.string().check(z.startsWith('arn:', 'must be an SNS topic ARN'))),
  SNS_ENDPOINT: optionalUrl,
  CLAIM_LEASE_SECONDS: positiveInt(120),
  ALERT_MAX_LISTED: positiveInt(10),
}).check(
  z.refine((c) => !(c.WEBHOOK_URL && c.WEBHOOK_URL_PARAMETER), {
    message: 'set WEBHOOK_URL or WEBHOOK_URL_PARAMETER, not both',
    path: ['WEBHOOK_URL'],
  }),
);

/**
 * Where the functions' metrics go (functions/adapters/metrics.ts). The names are Powertools'
 * own variables; they are validated here and passed on explicitly. STAGE is set by
 * serverless.yml and must be the stage the alarms name (test/deploy/alarms.test.ts).
 */
export const MetricsConfigSchema = z.object({
  POWERTOOLS_METRICS_NAMESPACE: z._default(
    z.string().check(
      z.regex(/^(?!AWS\/)[A-Za-z0-9._\-/#:]{1,255}$/, 'must be a CloudWatch namespace: 1-255 of A-Z a-z 0-9 . _ - / # :, not starting with AWS/'),
    ),
    DEFAULT_METRICS_NAMESPACE,
  ),
  POWERTOOLS_SERVICE_NAME: z._default(nonEmpty(), 'audit-log-ingest'),
  STAGE: z._default(nonEmpty(), 'local'),
});

/**
 * How many objects a sweep (the function, backfill, watch) works at once. Each chunk in
 * flight holds its upload's parts (3 × 8 MB at most) besides the parser's batches, so memory
 * grows with it; round trips to the store are what it hides (see docs/benchmarks.md).
 */
export const SweepTuningSchema = z.object({
  SWEEP_CONCURRENCY: z._default(
    z.coerce.number().check(z.int(), z.positive(), z.lte(64, 'must be at most 64 (each chunk in flight holds up to 24 MB of upload parts)')),
    4,
  ),
});

/** Empty strings (unset serverless params) count as absent. */
function withoutEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
}

export type ParseConfig = z.infer<typeof ParseConfigSchema>;
export type IngestConfig = z.infer<typeof IngestConfigSchema>;
export type StoreConfig = z.infer<typeof StoreConfigSchema>;
export type NotifyConfig = z.infer<typeof NotifyConfigSchema>;
export type ClaimConfig = z.infer<typeof ClaimConfigSchema>;
export type SweepTuning = z.infer<typeof SweepTuningSchema>;
export type MetricsConfig = z.infer<typeof MetricsConfigSchema>;

/** The parser's options from validated configuration (one mapping for the functions and the CLI). */
export function parseOptionsFrom(config: ParseConfig): ParseOptions {
  return {
    format: config.INPUT_FORMAT,
    timeZone: config.SOURCE_TIMEZONE,
    maxLineBytes: config.MAX_LINE_BYTES,
    maxDecompressedBytes: config.MAX_DECOMPRESSED_BYTES,
    sourceEncoding: config.SOURCE_ENCODING,
    ...(config.ENVELOPE_FIELD ? { envelopeField: config.ENVELOPE_FIELD } : {}),
  };
}

/** How ingest writes its records (the same for the functions and the CLI). */
export function outputOptionsFrom(config: ParseConfig): { outputCompression: OutputCompression } {
  return { outputCompression: config.OUTPUT_COMPRESSION };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses `env` with `schema`; throws ConfigError listing every bad variable. */
export function loadConfig<S extends z.ZodMiniType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(withoutEmpty(env));
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}
