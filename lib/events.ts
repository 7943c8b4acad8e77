// S3 event notifications at the trust boundary. The schema is tolerant, as the stores
// differ: any 2.x eventVersion, unknown fields pass, size/eTag optional. Each record is
// validated on its own so that one malformed record does not hide the others.

import * as z from './zod';
import { decodeEventKey, keyEncodingFor, type KeyEncoding } from './keys';
import { nonEmpty } from './records';

const S3EventRecordSchema = z.looseObject({
  eventVersion: z.string().check(z.regex(/^2\.\d+$/, 'eventVersion must be 2.x')),
  eventSource: z.string(),
  eventName: z.string(),
  s3: z.looseObject({
    bucket: z.looseObject({ name: nonEmpty() }),
    object: z.looseObject({
      key: nonEmpty(),
      size: z.optional(z.int().check(z.nonnegative())),
      eTag: z.optional(z.string()),
      versionId: z.optional(z.string()),
      sequencer: z.optional(z.string()),
    }),
  }),
});

export const S3EventSchema = z.looseObject({ Records: z.array(z.unknown()) });

export interface ObjectCreated {
  bucket: string;
  key: string;
  etag?: string;
  size?: number;
  eventName: string;
  eventSource: string;
}

export type EventItem =
  | { kind: 'created'; object: ObjectCreated }
  | { kind: 'ignored'; index: number; reason: string }
  | { kind: 'invalid'; index: number; reason: string };

/** s3:TestEvent is what S3 sends when a notification is first configured. */
export function isTestEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { Event?: unknown }).Event === 's3:TestEvent';
}

/** Classifies every record of an event; never throws for bad records (they come back as invalid). */
export function readS3Event(event: unknown, keyEncoding: 'auto' | KeyEncoding): EventItem[] {
  if (isTestEvent(event)) return [{ kind: 'ignored', index: 0, reason: 's3:TestEvent' }];
  const envelope = S3EventSchema.safeParse(event);
  if (!envelope.success) return [{ kind: 'invalid', index: 0, reason: `not an S3 event: ${z.prettifyError(envelope.error)}` }];
  return envelope.data.Records.map((raw, index): EventItem => {
    const parsed = S3EventRecordSchema.safeParse(raw);
    if (!parsed.success) return { kind: 'invalid', index, reason: z.prettifyError(parsed.error) };
    const r = parsed.data;
    // Ceph prefixes "s3:"; AWS and s3rver do not.
    const name = r.eventName.replace(/^s3:/, '');
    if (!name.startsWith('ObjectCreated:')) return { kind: 'ignored', index, reason: `event ${r.eventName}` };
    let key: string;
    try {
      key = decodeEventKey(r.s3.object.key, keyEncodingFor(keyEncoding, r.eventSource));
    } catch {
      return { kind: 'invalid', index, reason: `object key is not valid URL encoding: ${r.s3.object.key}` };
    }
    return {
      kind: 'created',
      object: {
        bucket: r.s3.bucket.name,
        key,
        ...(r.s3.object.eTag ? { etag: r.s3.object.eTag.replace(/"/g, '') } : {}),
        ...(r.s3.object.size !== undefined ? { size: r.s3.object.size } : {}),
        eventName: name,
        eventSource: r.eventSource,
      },
    };
  });
}
