// The output contract: one record per non-blank input line, and one summary per chunk.
// These zod schemas are the single source of truth; `npm run schemas` publishes them as
// JSON Schema under schemas/. They are used at trust boundaries (tests, payloads), never
// per line in the hot loop.
import { z } from 'zod';

/** Bumped whenever a field changes meaning or disappears (adding optional fields is compatible). */
export const SCHEMA_VERSION = 1;

export const ACTIONS = ['create', 'modify', 'delete', 'start', 'stop', 'restore'] as const;
export const RESOURCE_TYPES = [
  'contract',
  'menu',
  'bizsystem',
  'service',
  'org',
  'user',
  'project',
  'accountingcode',
  'snapshot',
  'request',
  'keypair',
] as const;
export const OUTCOMES = ['SUCCESS', 'FAILED'] as const;

export type Action = (typeof ACTIONS)[number];
export type ResourceType = (typeof RESOURCE_TYPES)[number];
export type Outcome = (typeof OUTCOMES)[number];

export const EntryRecordSchema = z.object({
  line: z.number().int().positive(),
  kind: z.literal('entry'),
  /** ISO-8601 UTC with milliseconds and Z, converted from the log's wall clock by SOURCE_TIMEZONE. */
  timestamp: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
  /** The wall-clock value as written in the log, ISO form without offset. */
  localTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/),
  actor: z.string().min(1),
  action: z.enum(ACTIONS),
  resourceType: z.enum(RESOURCE_TYPES),
  resourceIds: z.array(z.string().min(1)).min(1),
  outcome: z.enum(OUTCOMES),
  /** The operation text exactly as logged, for evidence. */
  operation: z.string(),
  platformId: z.string().min(1).optional(),
  keyName: z.string().min(1).optional(),
});
export type EntryRecord = z.infer<typeof EntryRecordSchema>;

export const ErrorRecordSchema = z.object({
  line: z.number().int().positive(),
  kind: z.literal('error'),
  reason: z.string().min(1),
  /** The line as text (invalid UTF-8 shown with U+FFFD; oversized lines cut to their head). */
  raw: z.string(),
  /** Present when the raw bytes were not valid UTF-8, so the evidence is kept byte-exact. */
  rawBase64: z.string().optional(),
  /** Present when `raw` holds only the head of a line longer than the configured bound. */
  rawTruncated: z.literal(true).optional(),
});
export type ErrorRecord = z.infer<typeof ErrorRecordSchema>;

export const OutputRecordSchema = z.discriminatedUnion('kind', [EntryRecordSchema, ErrorRecordSchema]);
export type OutputRecord = EntryRecord | ErrorRecord;

export const CountsSchema = z.object({
  totalLines: z.number().int().nonnegative(),
  blankLines: z.number().int().nonnegative(),
  parsed: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  failedOperations: z.number().int().nonnegative(),
});
export type Counts = z.infer<typeof CountsSchema>;

export const FORMATS = ['fscsm'] as const;
export type Format = (typeof FORMATS)[number];

export const SummarySchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  source: z.object({
    bucket: z.string(),
    key: z.string(),
    etag: z.string().optional(),
    size: z.number().int().nonnegative().optional(),
  }),
  outputs: z.object({ records: z.string() }),
  format: z.enum(FORMATS),
  /** False when the format was configured, or when auto-detection fell back to the default. */
  formatDetected: z.boolean(),
  compression: z.enum(['none', 'gzip']),
  timeZone: z.string(),
  counts: CountsSchema,
  /** Why the input ended early (damaged gzip, decompression limit); the last error record says it too. */
  streamError: z.string().optional(),
  timing: z.object({
    startedAt: z.string(),
    finishedAt: z.string(),
    durationMs: z.number().nonnegative(),
  }),
});
export type Summary = z.infer<typeof SummarySchema>;

/** totalLines = blank + parsed + errors: the invariant that proves no line was lost. */
export function countsReconcile(c: Counts): boolean {
  return c.totalLines === c.blankLines + c.parsed + c.errors && c.failedOperations <= c.parsed;
}
