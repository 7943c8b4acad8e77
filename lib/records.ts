// The output contract: one record per non-blank input line, and one summary per chunk.
// These zod schemas are the single source of truth; `npm run schemas` publishes them as
// JSON Schema under schemas/. They are used at trust boundaries (tests, payloads), never
// per line in the hot loop.
import * as z from './zod';

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
/** SUCCESS and FAILED come from both formats; PENDING and UNKNOWN only from CADF events. */
export const OUTCOMES = ['SUCCESS', 'FAILED', 'PENDING', 'UNKNOWN'] as const;
/** The outcomes an FSCSM line can have. */
export const FSCSM_OUTCOMES = ['SUCCESS', 'FAILED'] as const;

export type Action = (typeof ACTIONS)[number];
export type ResourceType = (typeof RESOURCE_TYPES)[number];
export type Outcome = (typeof OUTCOMES)[number];

export const FORMATS = ['fscsm', 'cadf'] as const;
export type Format = (typeof FORMATS)[number];

/** 32 hex digits: MurmurHash3_x86_128 of the event's content (see lib/record-id.ts for what is hashed). */
export const RecordIdSchema = z.string().check(z.regex(/^[0-9a-f]{32}$/));

/** Where a shipper says a line came from (issue 17): fluentd's time and tag, Fluent Bit's and Vector's time, host and file. */
export const ShipperSchema = z.object({
  /** As the shipper wrote it: fluentd's time text, Fluent Bit's `date` (ISO text or epoch seconds), Vector's `timestamp`. */
  time: z.optional(z.union([z.string(), z.number()])),
  tag: z.optional(z.string()),
  host: z.optional(z.string()),
  file: z.optional(z.string()),
});
export type Shipper = z.infer<typeof ShipperSchema>;

/** A string of at least one character (a schema of its own each time: zod's checks make new schemas). */
export const nonEmpty = () => z.string().check(z.minLength(1));

/**
 * One operation, from any format. The fields every format fills are required; `format` says
 * which parser wrote the entry (absent on FSCSM entries, which are unchanged since before CADF).
 * `action` and `resourceType` are plain strings here: FSCSM's closed vocabularies are enforced
 * per format by OutputRecordSchema (and by the published JSON Schema), while CADF's are open.
 * This object stays un-refined so that other schemas (the notify payload) can extend it.
 */
export const EntryRecordSchema = z.object({
  line: z.int().check(z.positive()),
  kind: z.literal('entry'),
  /** The parser that produced the entry: 'cadf' on CADF events; absent (meaning 'fscsm') on FSCSM lines. */
  format: z.optional(z.enum(FORMATS)),
  /** ISO-8601 UTC with milliseconds and Z (FSCSM: converted by SOURCE_TIMEZONE; CADF: from eventTime's offset, UTC if none). */
  timestamp: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)),
  /** The wall-clock value as written in the log, ISO form without offset, milliseconds (finer digits cut). */
  localTime: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/)),
  /** FSCSM: the operator. CADF: initiator.name, else initiator.id. */
  actor: nonEmpty(),
  /** FSCSM: one of ACTIONS. CADF: the event's action as written, e.g. create, authenticate, read/list. */
  action: nonEmpty(),
  /** FSCSM: one of RESOURCE_TYPES. CADF: target.typeURI, e.g. service/compute/servers. */
  resourceType: nonEmpty(),
  /** FSCSM: the IDs in the operation. CADF: [target.id]. */
  resourceIds: z.array(nonEmpty()).check(z.minLength(1)),
  outcome: z.enum(OUTCOMES),
  /** FSCSM: the operation text exactly as logged. CADF: "<action> <target.typeURI>". */
  operation: z.string(),
  /** FSCSM keypairs: "[Platform ID]_[Key Pair Name]" split when unambiguous. */
  platformId: z.optional(nonEmpty()),
  keyName: z.optional(nonEmpty()),
  /** CADF: the event's id. */
  eventId: z.optional(nonEmpty()),
  /** CADF delivered in an oslo.messaging notification: its event_type, e.g. identity.authenticate, audit.http.response. */
  eventType: z.optional(nonEmpty()),
  /** CADF: the event's reason (reasonCode as a string, e.g. an HTTP status), or a reason given as plain text. */
  reason: z.optional(
    z.union([nonEmpty(), z.object({ code: z.optional(nonEmpty()), type: z.optional(nonEmpty()) })]),
  ),
  /** CADF: the request path (keystonemiddleware), e.g. /v2.1/servers. */
  requestPath: z.optional(z.string()),
  /** CADF: initiator.project_id. */
  project: z.optional(nonEmpty()),
  /** The event's stable id: the same in every object the event is read from (lib/record-id.ts). */
  id: RecordIdSchema,
  /** Present when the line came in a shipper's envelope: what the shipper knew of it. */
  shipper: z.optional(ShipperSchema),
});
/** The fields of an entry from any format, as EntryRecordSchema validates them. */
export type EntryFields = z.infer<typeof EntryRecordSchema>;
/** An entry from the FSCSM parser: closed vocabularies, no `format` field. */
export type FscsmEntryRecord = EntryFields & {
  format?: 'fscsm';
  action: Action;
  resourceType: ResourceType;
  outcome: (typeof FSCSM_OUTCOMES)[number];
};
/** An entry from a CADF event. */
export type CadfEntryRecord = EntryFields & { format: 'cadf' };
/** One entry, discriminated by `format` (absent means FSCSM). */
export type EntryRecord = FscsmEntryRecord | CadfEntryRecord;

const FSCSM_ENTRY_SCHEMA = z.object({
  action: z.enum(ACTIONS),
  resourceType: z.enum(RESOURCE_TYPES),
  outcome: z.enum(FSCSM_OUTCOMES),
});

/** EntryRecordSchema plus the per-format rules: an entry without `format` (or 'fscsm') keeps FSCSM's enums. */
const CheckedEntryRecordSchema = EntryRecordSchema.check(
  z.superRefine((entry, ctx) => {
    if (entry.format !== undefined && entry.format !== 'fscsm') return;
    const narrow = FSCSM_ENTRY_SCHEMA.safeParse(entry);
    if (!narrow.success) for (const issue of narrow.error.issues) ctx.addIssue({ ...issue, message: `FSCSM entry: ${issue.message}` });
  }),
  z.meta({
    // The same rule for JSON Schema consumers (zod's refinements do not appear in JSON Schema).
    allOf: [
      {
        if: { properties: { format: { const: 'cadf' } }, required: ['format'] },
        else: {
          properties: {
            action: { enum: [...ACTIONS] },
            resourceType: { enum: [...RESOURCE_TYPES] },
            outcome: { enum: [...FSCSM_OUTCOMES] },
          },
        },
      },
    ],
  }),
);

export const ErrorRecordSchema = z.object({
  line: z.int().check(z.positive()),
  kind: z.literal('error'),
  reason: nonEmpty(),
  /** The line as text (invalid UTF-8 shown with U+FFFD; oversized lines cut to their head). */
  raw: z.string(),
  /** Present when the raw bytes were not valid UTF-8, so the evidence is kept byte-exact. */
  rawBase64: z.optional(z.string()),
  /** Present when `raw` (and `rawBase64`) hold only the head of a line or event too long to keep whole. */
  rawTruncated: z.optional(z.literal(true)),
  /** A stable id of the evidence, as for entries: the same damaged line gets the same id wherever it is read. */
  id: RecordIdSchema,
  shipper: z.optional(ShipperSchema),
});
export type ErrorRecord = z.infer<typeof ErrorRecordSchema>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A record as a parser builds it: all but its `id`, which the pipeline adds (lib/record-id.ts). */
export type Draft<T extends OutputRecord = OutputRecord> = DistributiveOmit<T, 'id'>;

export const OutputRecordSchema = z.discriminatedUnion('kind', [CheckedEntryRecordSchema, ErrorRecordSchema]);
export type OutputRecord = EntryRecord | ErrorRecord;

/**
 * The units counted are the input's records: lines for line formats (FSCSM, CADF as JSON Lines
 * or fluentd lines), top-level JSON values (array elements) for CADF JSON documents and arrays,
 * where one value may span many lines and many values may share one.
 */
export const CountsSchema = z.object({
  totalLines: z.int().check(z.nonnegative()),
  blankLines: z.int().check(z.nonnegative()),
  parsed: z.int().check(z.nonnegative()),
  errors: z.int().check(z.nonnegative()),
  failedOperations: z.int().check(z.nonnegative()),
  /**
   * Of failedOperations, those alerted by this chunk: the rest were alerted before (the same
   * events from another object, version or batch). Written when alerts are sent.
   */
  newFailedOperations: z.optional(z.int().check(z.nonnegative())),
  /** Entries with outcome PENDING (CADF requests whose outcome comes in a later event): counted, not alerted. Always written since CADF support. */
  pendingOperations: z.optional(z.int().check(z.nonnegative())),
  /** Lines of a service's own log shipped with the audit lines (other loggers, tracebacks, access logs): counted, no record. */
  otherLines: z.optional(z.int().check(z.nonnegative())),
});
export type Counts = z.infer<typeof CountsSchema>;

const tally = () => z.record(z.string(), z.int().check(z.nonnegative()));
/** Lines per envelope and per inner format (the shipper stage, lib/formats/shipped.ts). */
export const ContentsSchema = z.object({ envelopes: tally(), formats: tally() });
export type Contents = z.infer<typeof ContentsSchema>;

export const SummarySchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  source: z.object({
    bucket: z.string(),
    key: z.string(),
    etag: z.optional(z.string()),
    size: z.optional(z.int().check(z.nonnegative())),
  }),
  outputs: z.object({
    records: z.string(),
    /** When the chunk took several invocations: every record object in order, `records` first. */
    parts: z.optional(z.array(z.string())),
  }),
  format: z.enum(FORMATS),
  /** False when the format was configured, or when auto-detection fell back to the default. */
  formatDetected: z.boolean(),
  compression: z.enum(['none', 'gzip']),
  timeZone: z.string(),
  counts: CountsSchema,
  /**
   * What the chunk held, when it was read line by line through the shipper stage (auto
   * detection of anything but a plain FSCSM log or a CADF array/document): lines per
   * envelope (`none`, `json:log`, `fluentd:log`, `fluentd:event`, ...) and per inner format
   * (`fscsm`, `cadf`, `cadf (oslo.log)`, `oslo.log`, `text`, `json`, `blank`, ...).
   */
  contents: z.optional(ContentsSchema),
  /** Why the input ended early (damaged gzip, decompression limit); the last error record says it too. */
  streamError: z.optional(z.string()),
  timing: z.object({
    startedAt: z.string(),
    finishedAt: z.string(),
    durationMs: z.number().check(z.nonnegative()),
  }),
});
export type Summary = z.infer<typeof SummarySchema>;

/** totalLines = blank + parsed + errors + other: the invariant that proves no line (or event) was lost. */
export function countsReconcile(c: Counts): boolean {
  return (
    c.totalLines === c.blankLines + c.parsed + c.errors + (c.otherLines ?? 0) &&
    c.failedOperations + (c.pendingOperations ?? 0) <= c.parsed &&
    (c.newFailedOperations ?? 0) <= c.failedOperations
  );
}
