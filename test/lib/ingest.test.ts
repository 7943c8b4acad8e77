import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingestObject, ingestWhole, ObjectMissingError, type IngestOptions } from '../../lib/ingest';
import type { NotifyPayload } from '../../lib/notify-payload';
import { DEFAULT_PARSE_OPTIONS } from '../../lib/pipeline';
import { OutputRecordSchema, SummarySchema, countsReconcile } from '../../lib/records';
import { memoryLogger, memoryStore } from '../support/memory-store';
import { hasZstd, unzstd } from '../support/zstd';

const SAMPLE = readFileSync('samples/fscsm_audit.log');
const OPTIONS: IngestOptions = { ...DEFAULT_PARSE_OPTIONS, maxPayloadBytes: 240_000 };

describe('ingestObject', () => {
  it('writes the records, then the summary last, beside the chunk', async () => {
    const store = memoryStore({ 'logs-repo/in/a.log': SAMPLE });
    const sent: NotifyPayload[] = [];
    const { summary } = await ingestWhole(
      { bucket: 'logs-repo', key: 'in/a.log' },
      { store, log: memoryLogger(), sendFailures: (p) => Promise.resolve(void sent.push(p)) },
      OPTIONS,
    );
    expect(store.writes).toEqual(['in/a.log.jsonl', 'in/a.log.summary.json']);
    const lines = store.objects.get('logs-repo/in/a.log.jsonl')?.toString().trimEnd().split('\n') ?? [];
    expect(lines.map((l) => OutputRecordSchema.parse(JSON.parse(l)).line)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    const written = SummarySchema.parse(JSON.parse(store.objects.get('logs-repo/in/a.log.summary.json')?.toString() ?? ''));
    expect(written).toEqual(summary);
    expect(summary.source).toEqual({ bucket: 'logs-repo', key: 'in/a.log', etag: 'etag-1', size: SAMPLE.length });
    expect(countsReconcile(summary.counts)).toBe(true);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ source: { bucket: 'logs-repo', key: 'in/a.log', etag: 'etag-1' }, records: 'in/a.log.jsonl', batch: 1 });
    expect(sent[0]?.failures.map((f) => f.line)).toEqual([2, 13]);
  });

  // zstd where this Node has it (>= 22.15; CI runs 22); config refuses it elsewhere (config.test.ts).
  it.each([
    { compression: 'gzip', suffix: '.jsonl.gz', magic: [0x1f, 0x8b], decode: gunzipSync },
    ...(hasZstd ? [{ compression: 'zstd', suffix: '.jsonl.zst', magic: [0x28, 0xb5, 0x2f, 0xfd], decode: unzstd } as const] : []),
  ] as const)(
    'with $compression output writes <key>$suffix holding exactly the plain records, and names it in summary and alerts',
    async ({ compression, suffix, magic, decode }) => {
      const plain = memoryStore({ 'b/in/a.log': SAMPLE });
      await ingestWhole({ bucket: 'b', key: 'in/a.log' }, { store: plain, log: memoryLogger(), sendFailures: () => Promise.resolve() }, OPTIONS);
      const store = memoryStore({ 'b/in/a.log': SAMPLE });
      const sent: NotifyPayload[] = [];
      const { summary } = await ingestWhole(
        { bucket: 'b', key: 'in/a.log' },
        { store, log: memoryLogger(), sendFailures: (p) => Promise.resolve(void sent.push(p)) },
        { ...OPTIONS, outputCompression: compression },
      );
      expect(store.writes).toEqual([`in/a.log${suffix}`, 'in/a.log.summary.json']);
      const written = store.objects.get(`b/in/a.log${suffix}`) ?? Buffer.alloc(0);
      expect([...written.subarray(0, magic.length)]).toEqual(magic);
      expect(decode(written)).toEqual(plain.objects.get('b/in/a.log.jsonl'));
      expect(summary.outputs.records).toBe(`in/a.log${suffix}`);
      expect(sent[0]?.records).toBe(`in/a.log${suffix}`);
    },
  );

  it.each([true, false])('lends its output buffers to a store only when it takes lent chunks (%s), with the same records and alerts', async (takesLent) => {
    // 50 copies of the sample, read 1,000 bytes at a time: many batches.
    const store = memoryStore({ 'b/in/a.log': SAMPLE.toString().repeat(50) });
    // The reference: fresh buffers (a store that does not take lent chunks).
    const reference = Object.assign(memoryStore({ 'b/in/a.log': SAMPLE.toString().repeat(50) }), { takesLentChunks: false });
    const chunks: Buffer[] = [];
    const copies: Buffer[] = [];
    const write = store.writeStream.bind(store);
    Object.assign(store, {
      takesLentChunks: takesLent,
      writeStream: (bucket: string, key: string, body: AsyncIterable<Buffer>, type: string) =>
        write(bucket, key, (async function* () {
          for await (const chunk of body) {
            chunks.push(chunk);
            copies.push(Buffer.from(chunk));
            yield chunk;
          }
        })(), type),
    });
    const sent: NotifyPayload[][] = [[], []];
    for (const [i, s] of [store, reference].entries()) {
      await ingestWhole({ bucket: 'b', key: 'in/a.log' }, { store: s, log: memoryLogger(), sendFailures: (p) => Promise.resolve(void sent[i]?.push(p)) }, OPTIONS);
    }
    expect(chunks.length).toBeGreaterThan(10);
    const buffers = new Set(chunks.map((c) => c.buffer));
    if (takesLent) expect(buffers.size).toBeLessThanOrEqual(3);
    else expect(buffers.size).toBe(chunks.length);
    expect(store.objects.get('b/in/a.log.jsonl')).toEqual(reference.objects.get('b/in/a.log.jsonl'));
    expect(Buffer.concat(copies)).toEqual(reference.objects.get('b/in/a.log.jsonl'));
    expect(sent[0]).toEqual(sent[1]);
    expect(sent[0]?.flatMap((p) => p.failures)).toHaveLength(100);
  });

  it('prefers the event ETag and size over what the read reports', async () => {
    const store = memoryStore({ 'b/k': SAMPLE });
    const { summary } = await ingestWhole(
      { bucket: 'b', key: 'k', etag: 'from-event', size: 7 },
      { store, log: memoryLogger(), sendFailures: () => Promise.resolve() },
      OPTIONS,
    );
    expect(summary.source).toMatchObject({ etag: 'from-event', size: 7 });
  });

  it('writes no summary when the records upload fails, so nothing looks complete', async () => {
    const store = memoryStore({ 'b/k': SAMPLE });
    store.failNextWrite = { afterBytes: 1 };
    await expect(
      ingestObject({ bucket: 'b', key: 'k' }, { store, log: memoryLogger(), sendFailures: () => Promise.resolve() }, OPTIONS),
    ).rejects.toThrow(/injected/);
    expect(store.objects.has('b/k.summary.json')).toBe(false);
    expect(store.objects.has('b/k.jsonl')).toBe(false);
  });

  it('reports a vanished object as ObjectMissingError', async () => {
    await expect(
      ingestObject({ bucket: 'b', key: 'gone' }, { store: memoryStore(), log: memoryLogger(), sendFailures: () => Promise.resolve() }, OPTIONS),
    ).rejects.toBeInstanceOf(ObjectMissingError);
  });

  it('sends many failures in several payloads, each under the size limit, none lost', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `2015/06/29 14:35:30.000\tuser${i}\tdelete user:u-${i}\tFAILED`).join('\n');
    const store = memoryStore({ 'b/many.log': lines });
    const sent: NotifyPayload[] = [];
    const { summary, notifyBatches } = await ingestWhole(
      { bucket: 'b', key: 'many.log' },
      { store, log: memoryLogger(), sendFailures: (p) => Promise.resolve(void sent.push(p)) },
      { ...OPTIONS, maxPayloadBytes: 50_000 },
    );
    expect(summary.counts.failedOperations).toBe(3000);
    expect(notifyBatches).toBe(sent.length);
    expect(sent.length).toBeGreaterThan(5);
    for (const p of sent) expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThanOrEqual(50_000);
    expect(sent.map((p) => p.batch)).toEqual(sent.map((_, i) => i + 1));
    expect(sent.flatMap((p) => p.failures.map((f) => f.line))).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  });
});
