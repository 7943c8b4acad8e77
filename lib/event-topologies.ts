// The ways an object-created event reaches ingest besides the bucket invoking it directly
// (docs/deploying.md, "Event topologies"), recognised and mapped to the same items as lib/events.ts:
//   S3 -> SQS -> ingest          SQS records whose body is an S3 notification (the body is
//                                read exactly as a direct one) or an EventBridge event
//                                (S3 -> EventBridge -> SQS), answered per message
//   S3 -> EventBridge -> ingest  "Object Created" events of source aws.s3
// Validated here with our own zod/mini schemas, not Powertools' (docs/dependencies.md: they
// bring zod's classic build into the bundle, reject IPv6 source addresses, and parse an SQS
// batch as a whole where each message needs its own answer). No AWS SDK here.

import * as z from './zod';
import { readS3Event, type EventItem } from './events';
import { decodeEventKey, keyEncodingFor, type KeyEncoding } from './keys';
import { nonEmpty } from './records';

const SqsRecordSchema = z.looseObject({
  messageId: nonEmpty(),
  body: z.string(),
  eventSource: z.literal('aws:sqs'),
});

const SqsEventSchema = z.looseObject({ Records: z.array(SqsRecordSchema).check(z.minLength(1)) });

/** What the function answers an SQS event source mapping with ReportBatchItemFailures. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface SqsMessage {
  messageId: string;
  items: EventItem[];
}

export class SqsEventError extends Error {
  override readonly name = 'SqsEventError';
}

/** Whether an event is shaped as an SQS batch (then it is validated in full). */
export function isSqsEvent(event: unknown): boolean {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.some((r) => (r as { eventSource?: unknown } | null)?.eventSource === 'aws:sqs');
}

/**
 * The messages of an SQS batch, each with the items of its body. Throws SqsEventError when
 * the batch itself is malformed: without message ids nothing can be answered per message,
 * so the whole batch fails and SQS redelivers it.
 */
export function readSqsEvent(event: unknown, keyEncoding: 'auto' | KeyEncoding): SqsMessage[] {
  const parsed = SqsEventSchema.safeParse(event);
  if (!parsed.success) throw new SqsEventError(`not a valid SQS event: ${z.prettifyError(parsed.error)}`);
  return parsed.data.Records.map((r) => ({ messageId: r.messageId, items: readSqsBody(r.body, keyEncoding) }));
}

const BODY_EXCERPT = 120;

/** An SQS message body: an S3 notification (or s3:TestEvent) read as a direct one, or an EventBridge event. */
export function readSqsBody(body: string, keyEncoding: 'auto' | KeyEncoding): EventItem[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    const excerpt = body.length > BODY_EXCERPT ? `${body.slice(0, BODY_EXCERPT)}…` : body;
    return [{ kind: 'invalid', index: 0, reason: `message body is not JSON (${(err as Error).message}): ${JSON.stringify(excerpt)}` }];
  }
  // S3 -> SNS -> SQS without raw message delivery wraps the notification in SNS's envelope.
  const sns = value as { Type?: unknown; Message?: unknown } | null;
  if (sns?.Type === 'Notification' && typeof sns.Message === 'string') {
    return [{ kind: 'invalid', index: 0, reason: 'message body is an SNS notification, not an S3 one: turn on raw message delivery for the SNS subscription' }];
  }
  // S3 -> EventBridge -> SQS (a rule targeting the queue) puts the EventBridge event there.
  return readObjectEvent(value, keyEncoding);
}

const EventBridgeEnvelopeSchema = z.looseObject({
  source: z.string(),
  'detail-type': z.string(),
  detail: z.unknown(),
});

const ObjectCreatedDetailSchema = z.looseObject({
  bucket: z.looseObject({ name: nonEmpty() }),
  object: z.looseObject({
    key: nonEmpty(),
    size: z.optional(z.int().check(z.nonnegative())),
    etag: z.optional(z.string()),
    'version-id': z.optional(z.string()),
  }),
  reason: z.optional(z.string()),
});

/** Whether an event is shaped as an EventBridge event (then it is validated in full). */
export function isEventBridgeEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'detail-type' in event && 'source' in event && 'detail' in event;
}

/** EventBridge's source for S3's events: also what keyEncodingFor knows them by. */
export const EVENTBRIDGE_S3_SOURCE = 'aws.s3';

/**
 * An EventBridge event as items: one created object, or one ignored/invalid entry. Its key
 * is the key as stored (EventBridge does not URL-encode it as S3 notifications do), unless
 * EVENT_KEY_ENCODING says otherwise explicitly.
 */
export function readEventBridgeEvent(event: unknown, keyEncoding: 'auto' | KeyEncoding): EventItem[] {
  const envelope = EventBridgeEnvelopeSchema.safeParse(event);
  if (!envelope.success) return [{ kind: 'invalid', index: 0, reason: `not an EventBridge event: ${z.prettifyError(envelope.error)}` }];
  const { source, 'detail-type': detailType, detail } = envelope.data;
  // A rule that matches more than it should: logged as an error, as retrying cannot help.
  if (source !== EVENTBRIDGE_S3_SOURCE) return [{ kind: 'invalid', index: 0, reason: `EventBridge event from ${source}, not ${EVENTBRIDGE_S3_SOURCE}` }];
  if (detailType !== 'Object Created') return [{ kind: 'ignored', index: 0, reason: `EventBridge ${detailType}` }];
  const parsed = ObjectCreatedDetailSchema.safeParse(detail);
  if (!parsed.success) return [{ kind: 'invalid', index: 0, reason: `EventBridge Object Created detail: ${z.prettifyError(parsed.error)}` }];
  const { bucket, object, reason } = parsed.data;
  let key: string;
  try {
    key = decodeEventKey(object.key, keyEncodingFor(keyEncoding, EVENTBRIDGE_S3_SOURCE));
  } catch {
    return [{ kind: 'invalid', index: 0, reason: `object key is not valid URL encoding: ${object.key}` }];
  }
  return [
    {
      kind: 'created',
      object: {
        bucket: bucket.name,
        key,
        ...(object.etag ? { etag: object.etag.replace(/"/g, '') } : {}),
        ...(object.size !== undefined ? { size: object.size } : {}),
        // reason is the API call (PutObject, CompleteMultipartUpload, CopyObject, POST Object).
        eventName: reason ? `ObjectCreated:${reason}` : 'ObjectCreated',
        eventSource: EVENTBRIDGE_S3_SOURCE,
      },
    },
  ];
}

/** The items of an event that S3 sends directly or through EventBridge (one invocation, retried as a whole). */
export function readObjectEvent(event: unknown, keyEncoding: 'auto' | KeyEncoding): EventItem[] {
  return isEventBridgeEvent(event) ? readEventBridgeEvent(event, keyEncoding) : readS3Event(event, keyEncoding);
}
