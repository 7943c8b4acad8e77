import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Continuation } from '../../lib/continuation';
import { ContinuationSchema } from '../../lib/continuation';
import { ingestObject, ingestWhole, type IngestObservation, type IngestOptions } from '../../lib/ingest';
import { partKeyFor } from '../../lib/keys';
import type { NotifyPayload } from '../../lib/notify-payload';
import { DEFAULT_PARSE_OPTIONS } from '../../lib/pipeline';
import { countsReconcile, type Summary } from '../../lib/records';
import { memoryLogger, memoryStore } from '../support/memory-store';

const OPTIONS: IngestOptions = { ...DEFAULT_PARSE_OPTIONS, maxPayloadBytes: 4_000 };
const lines = Array.from(
  { length: 4000 },
  (_, i) => `2015/06/29 14:35:30.${String(i % 1000).padStart(3, '0')}\tuser${i}\tmodify user:u${i}\t${i % 50 === 0 ? 'FAILED' : 'SUCCESS'}`,
);
const TEXT = lines.join('\n') + '\n\n';
// The same lines as Fluent Bit ships them, among a service's own lines (the shipper stage).
const SHIPPED = lines
  .map((l, i) => JSON.stringify({ date: `2015-06-29T05:35:${String(i % 60).padStart(2, '0')}.000000Z`, log: l }) + (i % 7 === 0 ? `\n${JSON.stringify({ log: '2026-08-20 09:00:01.204 27 WARNING keystone.x [-] unrelated' })}` : ''))
  .join('\n') + '\n';

/** Runs a chunk the way the function does under a tight budget: stop, continue, until done. */
async function runInParts(body: Buffer, stopEvery: number) {
  const store = memoryStore({ 'b/big.log': body });
  const sent: NotifyPayload[] = [];
  const observed: IngestObservation[] = [];
  const deps = { store, log: memoryLogger(), sendFailures: (p: NotifyPayload) => Promise.resolve(void sent.push(p)), observe: (o: IngestObservation) => void observed.push(o) };
  let continuing: Continuation | undefined;
  let runs = 0;
  for (;;) {
    runs += 1;
    let batches = 0;
    const result = await ingestObject({ bucket: 'b', key: 'big.log' }, deps, { ...OPTIONS, shouldStop: () => ++batches >= stopEvery }, continuing);
    if (result.done) return { store, sent, runs, observed, summary: result.summary };
    continuing = ContinuationSchema.parse(JSON.parse(JSON.stringify(result.continuation))); // as over the wire
  }
}

describe('a chunk continued across invocations', () => {
  it.each([
    ['plain', Buffer.from(TEXT)],
    ['gzip', gzipSync(TEXT)],
    ['Fluent Bit, gzip', gzipSync(SHIPPED)],
    // A detected FSCSM log whose later parts hold shipped lines: they take the shipper stage in every part.
    ['FSCSM, then shipped lines', Buffer.from(TEXT + SHIPPED)],
  ])('(%s) gives the same records, counts and alerts as one run', async (_name, body) => {
    const whole = memoryStore({ 'b/big.log': body });
    const wholeSent: NotifyPayload[] = [];
    const one = await ingestWhole({ bucket: 'b', key: 'big.log' }, { store: whole, log: memoryLogger(), sendFailures: (p) => Promise.resolve(void wholeSent.push(p)) }, OPTIONS);

    // memoryStore hands out 1000-byte chunks: stopping every 20 batches makes several parts.
    const parted = await runInParts(body, 20);
    expect(parted.runs).toBeGreaterThan(2);
    const summary: Summary = parted.summary;
    expect(summary.counts).toEqual(one.summary.counts);
    expect(summary.contents).toEqual(one.summary.contents);
    expect(countsReconcile(summary.counts)).toBe(true);
    expect(summary.outputs.parts).toEqual(['big.log.jsonl', ...Array.from({ length: parted.runs - 1 }, (_, i) => partKeyFor('big.log', i + 2))]);

    const joined = (summary.outputs.parts ?? []).map((k) => parted.store.objects.get(`b/${k}`)?.toString() ?? '').join('');
    expect(joined).toBe(whole.objects.get('b/big.log.jsonl')?.toString());
    expect(parted.sent.flatMap((p) => p.failures.map((f) => f.line))).toEqual(wholeSent.flatMap((p) => p.failures.map((f) => f.line)));
    expect(parted.sent.map((p) => p.batch)).toEqual(parted.sent.map((_, i) => i + 1));
    expect(parted.store.objects.has('b/big.log.summary.json')).toBe(true);
  });

  it("never leaves an empty last part, whichever batch a run stops after (a stop at the chunk's end finishes it)", async () => {
    // About 27 batches of 1000 bytes: each stopEvery puts the last stop somewhere else, some on the very last batch.
    const body = Buffer.from(lines.slice(0, 600).join('\n') + '\n');
    for (const stopEvery of [1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29]) {
      const parted = await runInParts(body, stopEvery);
      for (const key of parted.summary.outputs.parts ?? []) expect(parted.store.objects.get(`b/${key}`)?.length, `${key} (stop every ${stopEvery})`).toBeGreaterThan(0);
      expect(parted.summary.counts.parsed).toBe(600);
    }
  });

  it('tells its observer of each part handed on, then of the summary once (what the functions count)', async () => {
    const parted = await runInParts(Buffer.from(TEXT), 20);
    expect(parted.observed).toEqual([
      ...Array.from({ length: parted.runs - 1 }, (_, i) => ({ kind: 'continued', format: 'fscsm', part: i + 1 })),
      { kind: 'ingested', summary: parted.summary },
    ]);
  });

  it('writes no summary until the last part, so an unfinished chunk never looks complete', async () => {
    const store = memoryStore({ 'b/big.log': Buffer.from(TEXT) });
    let n = 0;
    const result = await ingestObject({ bucket: 'b', key: 'big.log' }, { store, log: memoryLogger(), sendFailures: () => Promise.resolve() }, { ...OPTIONS, shouldStop: () => ++n > 2 });
    expect(result.done).toBe(false);
    expect(store.objects.has('b/big.log.summary.json')).toBe(false);
    expect(store.objects.has('b/big.log.jsonl')).toBe(true);
  });
});
