// One object-created event -> one ingest per created chunk. Every record of a batch is
// attempted. A direct S3 notification or an EventBridge event (both async invokes): if any
// chunk failed for a reason worth retrying, the invocation fails afterwards so that Lambda's
// async retry (at-least-once) runs it again. An SQS batch: each message is answered on its
// own (batchItemFailures), so only a failed message is redelivered. Re-running is safe:
// outputs are derived from the source key and overwritten whole.

import type { EventItem } from './events';
import { readObjectEvent, readSqsEvent, type SqsBatchResponse } from './event-topologies';
import { ContinuationEventSchema, type Continuation } from './continuation';
import { ingestObject, ObjectMissingError, type IngestDeps, type IngestOptions, type ObjectRef } from './ingest';
import type { KeyEncoding } from './keys';
import { notAChunk } from './keys';
import type { Counts } from './records';

export interface EventReport {
  ingested: { bucket: string; key: string; counts: Counts }[];
  /** Chunks that ran out of time and were handed to a new invocation. */
  continued: { bucket: string; key: string; nextPart: number }[];
  skipped: { key?: string; reason: string }[];
  failed: { bucket: string; key: string; error: string }[];
}

export class IngestFailedError extends Error {
  override readonly name = 'IngestFailedError';
  constructor(readonly report: EventReport) {
    super(`ingest failed for ${report.failed.length} object(s): ${report.failed.map((f) => `s3://${f.bucket}/${f.key}: ${f.error}`).join('; ')}`);
  }
}

type EventOptions = IngestOptions & { keyEncoding: 'auto' | KeyEncoding };

const emptyReport = (): EventReport => ({ ingested: [], continued: [], skipped: [], failed: [] });

/** Ingests one chunk into the report; false when it failed for a reason worth retrying. */
async function run(ref: ObjectRef, deps: IngestDeps, options: IngestOptions, report: EventReport, continuing?: Continuation): Promise<boolean> {
  const { bucket, key } = ref;
  try {
    const result = await ingestObject(ref, deps, options, continuing);
    if (result.done) {
      report.ingested.push({ bucket, key, counts: result.summary.counts });
      return true;
    }
    if (!deps.continueLater) throw new Error('the chunk stopped early but nothing can continue it');
    await deps.continueLater(result.continuation);
    report.continued.push({ bucket, key, nextPart: result.continuation.part });
    return true;
  } catch (err) {
    // Gone, or replaced (the replacement has its own event): retrying cannot help.
    if (err instanceof ObjectMissingError) {
      deps.log.warn('object gone or replaced before processing; nothing to do', { bucket, key, error: err });
      report.skipped.push({ key, reason: err.message });
      return true;
    }
    deps.log.error('ingest failed', { bucket, key, error: err });
    report.failed.push({ bucket, key, error: err instanceof Error ? err.message : String(err) });
    return false;
  }
}

/**
 * One item of an event: ingested, skipped or logged. Returns 'failed' for a chunk worth
 * retrying, 'invalid' for an item that will not become valid on retry, else 'ok'.
 */
async function ingestItem(item: EventItem, deps: IngestDeps, options: IngestOptions, report: EventReport): Promise<'ok' | 'invalid' | 'failed'> {
  if (item.kind !== 'created') {
    const context = { index: item.index, reason: item.reason };
    if (item.kind === 'invalid') deps.log.error('event record invalid', context);
    else deps.log.info('event record ignored', context);
    report.skipped.push({ reason: item.reason });
    return item.kind === 'invalid' ? 'invalid' : 'ok';
  }
  const { bucket, key } = item.object;
  const reason = await notAChunk(key, (k) => deps.store.exists(bucket, k));
  if (reason) {
    deps.log.debug('key skipped', { bucket, key, reason });
    report.skipped.push({ key, reason });
    return 'ok';
  }
  return (await run(item.object, deps, options, report)) ? 'ok' : 'failed';
}

/** A direct S3 notification, an EventBridge event, or our own continuation; throws IngestFailedError for Lambda to retry. */
export async function ingestEvent(event: unknown, deps: IngestDeps, options: EventOptions): Promise<EventReport> {
  const report = emptyReport();

  // Our own async self-invoke: the rest of a chunk that did not fit one invocation.
  const continued = ContinuationEventSchema.safeParse(event);
  if (continued.success) {
    await run(continued.data.continuation.ref, deps, options, report, continued.data.continuation);
    if (report.failed.length > 0) throw new IngestFailedError(report);
    return report;
  }

  // A malformed record will not become valid on retry: it is logged loudly, not looped on.
  for (const item of readObjectEvent(event, options.keyEncoding)) await ingestItem(item, deps, options, report);
  if (report.failed.length > 0) throw new IngestFailedError(report);
  return report;
}

/**
 * An SQS batch whose messages carry S3 notifications. A message is reported failed (SQS
 * redelivers it, and after maxReceiveCount moves it to the queue's dead-letter queue) when
 * one of its chunks failed for a reason worth retrying, and also when its body is not an S3
 * notification at all: acknowledging it would delete the only copy, while the dead-letter
 * queue keeps it for a look and a redrive once whatever sends it is fixed. A missing object
 * or an s3:TestEvent is not a failure.
 */
export async function ingestSqsEvent(event: unknown, deps: IngestDeps, options: EventOptions): Promise<SqsBatchResponse> {
  const batchItemFailures: SqsBatchResponse['batchItemFailures'] = [];
  const report = emptyReport();
  for (const message of readSqsEvent(event, options.keyEncoding)) {
    const { messageId } = message;
    const messageDeps = { ...deps, log: deps.log.child({ messageId }) };
    let failed = false;
    for (const item of message.items) {
      try {
        if ((await ingestItem(item, messageDeps, options, report)) !== 'ok') failed = true;
      } catch (err) {
        // E.g. the store unreachable for the output-of-this-product check: this message only.
        messageDeps.log.error('message failed', { error: err });
        failed = true;
      }
    }
    if (failed) batchItemFailures.push({ itemIdentifier: messageId });
  }
  deps.log.info('sqs batch done', {
    ingested: report.ingested.length,
    continued: report.continued.length,
    skipped: report.skipped.length,
    failed: report.failed.length,
    failedMessages: batchItemFailures.map((f) => f.itemIdentifier),
  });
  return { batchItemFailures };
}
