// One S3 event notification -> one ingest per created chunk. Every record of a batch is
// attempted; if any failed for a reason worth retrying, the invocation fails afterwards so
// that Lambda's async retry (at-least-once) runs it again. Re-running is safe: outputs are
// derived from the source key and overwritten whole.

import { readS3Event } from './events';
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

export async function ingestEvent(
  event: unknown,
  deps: IngestDeps,
  options: IngestOptions & { keyEncoding: 'auto' | KeyEncoding },
): Promise<EventReport> {
  const report: EventReport = { ingested: [], continued: [], skipped: [], failed: [] };

  const run = async (ref: ObjectRef, continuing?: Continuation): Promise<void> => {
    const { bucket, key } = ref;
    try {
      const result = await ingestObject(ref, deps, options, continuing);
      if (result.done) {
        report.ingested.push({ bucket, key, counts: result.summary.counts });
        return;
      }
      if (!deps.continueLater) throw new Error('the chunk stopped early but nothing can continue it');
      await deps.continueLater(result.continuation);
      report.continued.push({ bucket, key, nextPart: result.continuation.part });
    } catch (err) {
      if (err instanceof ObjectMissingError) {
        deps.log.warn('object gone or replaced before processing; nothing to do', { bucket, key, error: err });
        report.skipped.push({ key, reason: err.message });
        return;
      }
      deps.log.error('ingest failed', { bucket, key, error: err });
      report.failed.push({ bucket, key, error: err instanceof Error ? err.message : String(err) });
    }
  };

  // Our own async self-invoke: the rest of a chunk that did not fit one invocation.
  const continued = ContinuationEventSchema.safeParse(event);
  if (continued.success) {
    await run(continued.data.continuation.ref, continued.data.continuation);
    if (report.failed.length > 0) throw new IngestFailedError(report);
    return report;
  }

  for (const item of readS3Event(event, options.keyEncoding)) {
    if (item.kind !== 'created') {
      // A malformed record will not become valid on retry: log it loudly, do not loop.
      const context = { index: item.index, reason: item.reason };
      if (item.kind === 'invalid') deps.log.error('event record invalid', context);
      else deps.log.info('event record ignored', context);
      report.skipped.push({ reason: item.reason });
      continue;
    }
    const { bucket, key } = item.object;
    const reason = await notAChunk(key, (k) => deps.store.exists(bucket, k));
    if (reason) {
      deps.log.debug('key skipped', { bucket, key, reason });
      report.skipped.push({ key, reason });
      continue;
    }
    await run(item.object);
  }
  if (report.failed.length > 0) throw new IngestFailedError(report);
  return report;
}
