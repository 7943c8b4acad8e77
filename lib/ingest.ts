// Ingest one chunk: stream it through the parser, stream the records beside it, send the
// FAILED entries on, and write the summary last, so a visible summary means complete output.
// The store and the notifier are ports; functions/ plugs S3 and Lambda in, tests plug fakes.

import { FailureBatcher, type NotifyPayload } from './notify-payload';
import { outputKeysFor } from './keys';
import type { Logger } from './log';
import { parseObject, toJsonLines, type ParseOptions } from './pipeline';
import { SCHEMA_VERSION, type OutputRecord, type Summary } from './records';

export interface ObjectRef {
  bucket: string;
  key: string;
  etag?: string;
  size?: number;
}

export interface OpenedObject {
  body: AsyncIterable<Uint8Array>;
  etag?: string;
  size?: number;
}

export interface ObjectStore {
  /** Opens the object for streaming; throws ObjectMissingError if it is gone. */
  open(ref: ObjectRef): Promise<OpenedObject>;
  /** Streams `body` into a new object; must not leave a partial object visible on failure. */
  writeStream(bucket: string, key: string, body: AsyncIterable<Buffer>, contentType: string): Promise<void>;
  writeJson(bucket: string, key: string, value: unknown): Promise<void>;
}

export type SendFailures = (payload: NotifyPayload) => Promise<void>;

/** The object was deleted (or never readable) before we got to it: nothing to retry. */
export class ObjectMissingError extends Error {
  override readonly name = 'ObjectMissingError';
}

export interface IngestDeps {
  store: ObjectStore;
  sendFailures: SendFailures;
  log: Logger;
  now?: () => Date;
}

export interface IngestOptions extends ParseOptions {
  maxPayloadBytes: number;
}

export interface IngestResult {
  summary: Summary;
  notifyBatches: number;
}

export async function ingestObject(ref: ObjectRef, deps: IngestDeps, options: IngestOptions): Promise<IngestResult> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const outputs = outputKeysFor(ref.key);
  const opened = await deps.store.open(ref);
  const etag = ref.etag ?? opened.etag;
  const size = ref.size ?? opened.size;
  const parsed = await parseObject(opened.body, options);

  const batcher = new FailureBatcher(
    { schemaVersion: SCHEMA_VERSION, source: { bucket: ref.bucket, key: ref.key, ...(etag ? { etag } : {}) }, records: outputs.records },
    options.maxPayloadBytes,
    deps.sendFailures,
  );

  // Failures leave in full batches while the records stream on: no per-chunk list in memory.
  async function* tapFailures(batches: AsyncIterable<OutputRecord[]>): AsyncGenerator<OutputRecord[]> {
    for await (const batch of batches) {
      for (const rec of batch) {
        if (rec.kind === 'entry' && rec.outcome === 'FAILED') await batcher.add(rec);
      }
      yield batch;
    }
  }

  await deps.store.writeStream(ref.bucket, outputs.records, toJsonLines(tapFailures(parsed.batches)), 'application/x-ndjson');
  await batcher.flush();

  const finished = now();
  const summary: Summary = {
    schemaVersion: SCHEMA_VERSION,
    source: { bucket: ref.bucket, key: ref.key, ...(etag ? { etag } : {}), ...(size !== undefined ? { size } : {}) },
    outputs: { records: outputs.records },
    format: parsed.format,
    formatDetected: parsed.formatDetected,
    compression: parsed.compression,
    timeZone: options.timeZone,
    counts: { ...parsed.counts },
    ...(parsed.streamError !== undefined ? { streamError: parsed.streamError } : {}),
    timing: {
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
    },
  };
  await deps.store.writeJson(ref.bucket, outputs.summary, summary);
  deps.log.info('chunk ingested', {
    bucket: ref.bucket,
    key: ref.key,
    format: summary.format,
    compression: summary.compression,
    counts: summary.counts,
    notifyBatches: batcher.batches,
    durationMs: summary.timing.durationMs,
  });
  return { summary, notifyBatches: batcher.batches };
}
