// Ingest one chunk: stream it through the parser, stream the records beside it, send the
// FAILED entries on, and write the summary last, so a visible summary means complete output.
// The store and the notifier are ports; functions/ plugs S3 and Lambda in, tests plug fakes.

import { withoutRepeats, type EventClaimer } from './alerts/event-claims';
import { FailureBatcher, type NotifyPayload } from './notify-payload';
import { outputKeysFor, partKeyFor, type OutputCompression } from './keys';
import type { Continuation } from './continuation';
import type { Logger } from './log';
import { jsonOf, parseObject, type OutputBatch, type ParseOptions } from './pipeline';
import { compressed, CONTENT_TYPES } from './stream/compress';
import { SCHEMA_VERSION, type Contents, type Counts, type Format, type Summary } from './records';

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
  /**
   * Opens the object for streaming; throws ObjectMissingError if it is gone, or when
   * `ifMatch` is given and the object no longer has that ETag (it was replaced).
   */
  open(ref: ObjectRef, options?: { ifMatch?: string }): Promise<OpenedObject>;
  exists(bucket: string, key: string): Promise<boolean>;
  /**
   * True when writeStream is done with each chunk of its body (written or copied) before it
   * asks for the chunk after the next (one write in flight while the next chunk is made), with
   * no read-ahead such as Readable.from's buffer: the records' buffers are then lent to it and
   * reused (lib/json-lines.ts), instead of fresh ones per batch.
   */
  readonly takesLentChunks?: boolean;
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
  /** Where the FAILED entries go (notify); absent, they are counted and sent nowhere (the CLI's parse). */
  sendFailures?: SendFailures;
  log: Logger;
  now?: () => Date;
  /** Hands a stopped chunk to a new invocation (async self-invoke); needed with shouldStop. */
  continueLater?: (continuation: Continuation) => Promise<void>;
  /**
   * Claims each FAILED event before its batch is sent, so that an event is alerted once per
   * container whatever object it is read from; repeats are left out of the payload.
   */
  eventClaims?: EventClaimer;
  /** Told when a chunk is done or a part is handed on (the functions count them as metrics). */
  observe?: (observation: IngestObservation) => void;
}

export type IngestObservation =
  | { kind: 'ingested'; summary: Summary }
  | { kind: 'continued'; format: Format; part: number };

export interface IngestOptions extends ParseOptions {
  maxPayloadBytes: number;
  /** 'gzip' / 'zstd' write the records as `<key>.jsonl.gz` / `<key>.jsonl.zst` (default 'none': `<key>.jsonl`). */
  outputCompression?: OutputCompression;
  /**
   * Asked after each batch of lines: true ends this run at that line boundary, completes
   * what it wrote as a part, and returns a continuation instead of a summary.
   */
  shouldStop?: () => boolean;
}

export type IngestResult =
  | { done: true; summary: Summary; notifyBatches: number }
  | { done: false; continuation: Continuation; notifyBatches: number };

export async function ingestObject(
  ref: ObjectRef,
  deps: IngestDeps,
  options: IngestOptions,
  continuing?: Continuation,
): Promise<IngestResult> {
  const now = deps.now ?? (() => new Date());
  const started = continuing ? new Date(continuing.startedAt) : now();
  const compression = options.outputCompression ?? 'none';
  const outputs = outputKeysFor(ref.key, compression);
  const part = continuing?.part ?? 1;
  // Part 1 is <key>.jsonl, as for any chunk; continued runs add <key>.part-00002.jsonl, ...
  const partKey = part === 1 ? outputs.records : partKeyFor(ref.key, part, compression);
  const opened = await deps.store.open(ref, continuing?.ref.etag ? { ifMatch: continuing.ref.etag } : undefined);
  const etag = ref.etag ?? opened.etag;
  const size = ref.size ?? opened.size;
  const parsed = await parseObject(opened.body, options, {
    ...(continuing ? { resume: continuing.resume } : {}),
    ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
    // A compressor reads ahead (compress.ts pipes from Readable.from).
    lendOutput: compression === 'none' && deps.store.takesLentChunks === true,
  });

  let newFailures = 0;
  const claimer = deps.eventClaims;
  const sink = deps.sendFailures;
  // Batches are cut before the claims, so a retried chunk numbers them (and so names its alerts) as before.
  const send: SendFailures | undefined =
    sink && claimer
      ? async (payload) => {
          const deduped = await withoutRepeats(payload, claimer);
          newFailures += deduped.fresh;
          if (deduped.payload) await sink(deduped.payload);
          else deps.log.info('batch of FAILED operations alerted before; nothing sent', { bucket: ref.bucket, key: ref.key, batch: payload.batch, repeats: deduped.repeats });
        }
      : sink;
  const batcher = send
    ? new FailureBatcher(
        { schemaVersion: SCHEMA_VERSION, source: { bucket: ref.bucket, key: ref.key, ...(etag ? { etag } : {}) }, records: outputs.records },
        options.maxPayloadBytes,
        send,
        continuing?.notifyBatches ?? 0,
      )
    : undefined;

  // Failures leave in full batches while the records stream on: no per-chunk list in memory.
  async function* jsonTappingFailures(batches: AsyncIterable<OutputBatch>, to: FailureBatcher): AsyncGenerator<Buffer> {
    for await (const batch of batches) {
      for (const rec of batch.records) {
        if (rec.kind !== 'entry' || rec.outcome !== 'FAILED') continue;
        // Awaited only when a full batch leaves, not once per failure.
        const sending = to.add(rec);
        if (sending) await sending;
      }
      yield batch.json;
    }
  }

  // With no one to alert, the records are never read as objects (lib/pipeline.ts builds them on demand).
  const json = batcher ? jsonTappingFailures(parsed.batches, batcher) : jsonOf(parsed.batches);
  const body = compression === 'none' ? json : compressed(json, compression);
  await deps.store.writeStream(ref.bucket, partKey, body, CONTENT_TYPES[compression]);
  await batcher?.flush();
  const notifyBatches = batcher?.batches ?? continuing?.notifyBatches ?? 0;

  const thisRun: Counts = claimer ? { ...parsed.counts, newFailedOperations: newFailures } : parsed.counts;
  const counts = continuing ? addCounts(continuing.counts, thisRun) : { ...thisRun };
  const contents = addContents(continuing?.contents, parsed.contents);
  const parts = [...(continuing?.parts ?? []), partKey];
  const stoppedAt = parsed.stoppedAt;
  if (stoppedAt) {
    const continuation: Continuation = {
      ref: { bucket: ref.bucket, key: ref.key, ...(etag ? { etag } : {}), ...(size !== undefined ? { size } : {}) },
      part: part + 1,
      resume: stoppedAt,
      counts,
      ...(contents ? { contents } : {}),
      parts,
      notifyBatches,
      startedAt: started.toISOString(),
      formatDetected: continuing?.formatDetected ?? parsed.formatDetected,
    };
    deps.log.info('chunk part written; continuing in a new invocation', { bucket: ref.bucket, key: ref.key, part: partKey, line: stoppedAt.line });
    deps.observe?.({ kind: 'continued', format: parsed.format, part });
    return { done: false, continuation, notifyBatches };
  }

  const finished = now();
  const summary: Summary = {
    schemaVersion: SCHEMA_VERSION,
    source: { bucket: ref.bucket, key: ref.key, ...(etag ? { etag } : {}), ...(size !== undefined ? { size } : {}) },
    outputs: { records: outputs.records, ...(parts.length > 1 ? { parts } : {}) },
    format: parsed.format,
    formatDetected: continuing?.formatDetected ?? parsed.formatDetected,
    compression: parsed.compression,
    timeZone: options.timeZone,
    counts,
    ...(contents ? { contents } : {}),
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
    notifyBatches,
    durationMs: summary.timing.durationMs,
  });
  deps.observe?.({ kind: 'ingested', summary });
  return { done: true, summary, notifyBatches };
}

/** Ingests a chunk in one go (no time budget): the CLI, the sweep, the benchmark. */
export async function ingestWhole(ref: ObjectRef, deps: IngestDeps, options: IngestOptions): Promise<{ summary: Summary; notifyBatches: number }> {
  const result = await ingestObject(ref, deps, { ...options, shouldStop: undefined });
  if (!result.done) throw new Error(`s3://${ref.bucket}/${ref.key}: stopped without a time budget`);
  return result;
}

function addCounts(a: Counts, b: Counts): Counts {
  return {
    totalLines: a.totalLines + b.totalLines,
    blankLines: a.blankLines + b.blankLines,
    parsed: a.parsed + b.parsed,
    errors: a.errors + b.errors,
    failedOperations: a.failedOperations + b.failedOperations,
    pendingOperations: (a.pendingOperations ?? 0) + (b.pendingOperations ?? 0),
    ...(a.newFailedOperations !== undefined || b.newFailedOperations !== undefined
      ? { newFailedOperations: (a.newFailedOperations ?? 0) + (b.newFailedOperations ?? 0) }
      : {}),
    ...(a.otherLines !== undefined || b.otherLines !== undefined ? { otherLines: (a.otherLines ?? 0) + (b.otherLines ?? 0) } : {}),
  };
}

/** Per-key sums of two tallies (the contents of the parts of a continued chunk). */
function addContents(a: Contents | undefined, b: Contents | undefined): Contents | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const sum = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, n] of Object.entries(y)) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  return { envelopes: sum(a.envelopes, b.envelopes), formats: sum(a.formats, b.formats) };
}
