// The payload ingest sends to notify (async Lambda invoke): the FAILED entries of one chunk,
// in batches that stay under the 256 KB async payload limit.

import * as z from './zod';
import { serialize } from './json-lines';
import { EntryRecordSchema, nonEmpty, SCHEMA_VERSION, type EntryRecord, type OutputRecord } from './records';

export const FailureSchema = z.extend(EntryRecordSchema, {
  outcome: z.literal('FAILED'),
  /** Set when long fields were cut to keep the alert small; the full record is in `records`. */
  truncated: z.optional(z.literal(true)),
  /** Generation of this event's claim (lib/alerts/event-claims.ts), which notify marks delivered. */
  claim: z.optional(z.int().check(z.nonnegative())),
});
export type Failure = z.infer<typeof FailureSchema>;

export const NotifyPayloadSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  source: z.object({ bucket: nonEmpty(), key: nonEmpty(), etag: z.optional(z.string()) }),
  /** Key of the chunk's JSON Lines output, where every record (and every failure) is. */
  records: nonEmpty(),
  /** 1-based batch number within the chunk. */
  batch: z.int().check(z.positive()),
  failures: z.array(FailureSchema).check(z.minLength(1)),
  /** FAILED events of this batch left out as alerted before (another object, version or batch). */
  repeats: z.optional(z.int().check(z.positive())),
});
export type NotifyPayload = z.infer<typeof NotifyPayloadSchema>;

const FIELD_LIMIT = 1024;
const LIST_LIMIT = 100;

/**
 * Caps every string (and list) of an entry, whatever its format's fields, so that one
 * pathological line cannot exceed the async payload limit on its own.
 */
export function toFailure(entry: EntryRecord): Failure {
  // The usual FSCSM line needs no cut: copy it as is (the walk below was 4% of ingest's time).
  if (entry.format === undefined && entry.resourceIds.length <= LIST_LIMIT && fitsLimit(entry)) {
    return { ...entry, outcome: 'FAILED' };
  }
  let truncated = false;
  const cap = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (value.length <= FIELD_LIMIT) return value;
      truncated = true;
      return value.slice(0, FIELD_LIMIT) + '…';
    }
    if (Array.isArray(value)) {
      if (value.length > LIST_LIMIT) truncated = true;
      return value.slice(0, LIST_LIMIT).map(cap);
    }
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cap(v)]));
    }
    return value;
  };
  const failure = { ...(cap(entry) as EntryRecord), outcome: 'FAILED' } as Failure;
  if (truncated) failure.truncated = true;
  return failure;
}

function fitsLimit(entry: EntryRecord): boolean {
  for (const value of Object.values(entry)) if (typeof value === 'string' && value.length > FIELD_LIMIT) return false;
  for (const id of entry.resourceIds) if (id.length > FIELD_LIMIT) return false;
  return true;
}

export type Envelope = Omit<NotifyPayload, 'batch' | 'failures'>;

/**
 * Groups failures into payloads no larger than `maxBytes` (UTF-8 JSON) and hands each full
 * one to `send` as soon as it fills, so memory stays bounded however many lines failed.
 */
export class FailureBatcher {
  private pending: Failure[] = [];
  private pendingBytes = 0;
  private batch = 0;
  private readonly envelopeBytes: number;
  sent = 0;

  constructor(
    private readonly envelope: Envelope,
    private readonly maxBytes: number,
    private readonly send: (payload: NotifyPayload) => Promise<void>,
    /** Batches a previous run of the same chunk already sent (numbering goes on). */
    firstBatch = 0,
  ) {
    this.batch = firstBatch;
    this.envelopeBytes = Buffer.byteLength(JSON.stringify({ ...envelope, batch: 999999, failures: [] }));
  }

  /** Adds a failure; when that first sends the full batch, returns the send to await. */
  add(entry: EntryRecord): Promise<void> | undefined {
    const failure = toFailure(entry);
    // serialize() writes the record's own fields, so a cut failure (with `truncated`) takes JSON.stringify.
    const json = failure.truncated ? JSON.stringify(failure) : serialize(failure as OutputRecord);
    const bytes = Buffer.byteLength(json) + 1; // +1 for the comma
    if (this.pending.length > 0 && this.envelopeBytes + this.pendingBytes + bytes > this.maxBytes) {
      return this.flush().then(() => this.keep(failure, bytes));
    }
    this.keep(failure, bytes);
    return undefined;
  }

  private keep(failure: Failure, bytes: number): void {
    this.pending.push(failure);
    this.pendingBytes += bytes;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const failures = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.batch += 1;
    await this.send({ ...this.envelope, batch: this.batch, failures });
    this.sent += failures.length;
  }

  get batches(): number {
    return this.batch;
  }
}
