// Random bytes through the whole read path: whatever arrives, the parse ends, every line
// becomes a record (entry or error), counts reconcile, and the cut of the stream changes nothing.
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expectConsistent, run } from '../support/pipeline-run';

// Bytes biased towards what the parsers branch on: line endings, TABs, quotes, braces,
// digits and slashes of a time, UTF-8 lead and continuation bytes, gzip's magic.
const interesting = fc.constantFrom(0x0a, 0x0d, 0x09, 0x20, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x2f, 0x31, 0x32, 0xc3, 0xa9, 0xe3, 0x80, 0xff, 0x1f, 0x8b, 0xef, 0xbb, 0xbf);
const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), interesting);
const bytes = fc.array(byte, { maxLength: 600 }).map((a) => Buffer.from(a));
const canonical = '2015/06/29 14:35:30.902\toperator\tcreate user:u1\tSUCCESS\n';
const mixed = fc
  .array(fc.oneof(bytes, fc.constant(Buffer.from(canonical)), fc.constant(Buffer.from('{"eventType":"activity"}\n'))), { maxLength: 6 })
  .map((parts) => Buffer.concat(parts));

describe('the read path on random bytes', () => {
  it('never throws or hangs; counts reconcile and records fit the schema, in every format, however the stream is cut', async () => {
    await fc.assert(
      fc.asyncProperty(mixed, fc.constantFrom<'auto' | 'fscsm' | 'cadf'>('auto', 'fscsm', 'cadf'), fc.integer({ min: 1, max: 97 }), async (data, format, cut) => {
        const whole = await run(data, { format, maxLineBytes: 256 });
        expectConsistent(whole);
        const pieces = await run(data, { format, maxLineBytes: 256 }, cut);
        expect(pieces.records).toStrictEqual(whole.records);
        expect(pieces.parsed.counts).toStrictEqual(whole.parsed.counts);
      }),
      { numRuns: 300 },
    );
  });

  it('counts one record per non-blank FSCSM line, whatever the bytes (lines are LF-separated)', async () => {
    await fc.assert(
      fc.asyncProperty(mixed, async (data) => {
        // Bytes that open with gzip's magic are inflated (and found damaged): not lines.
        fc.pre(!(data[0] === 0x1f && data[1] === 0x8b));
        const r = await run(data, { format: 'fscsm', maxLineBytes: 256 });
        const lines = data.length === 0 ? 0 : data.toString('latin1').split('\n').length - (data[data.length - 1] === 0x0a ? 1 : 0);
        expect(r.parsed.counts.totalLines).toBe(lines);
      }),
      { numRuns: 300 },
    );
  });

  it('a gzip stream cut at any byte ends with an error record naming the damage, never a crash', async () => {
    const gz = gzipSync(Buffer.from(canonical.repeat(200)));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: gz.length - 1 }), async (end) => {
        const r = await run(gz.subarray(0, end), { format: 'fscsm' }, 64);
        expectConsistent(r);
        expect(r.parsed.streamError).toBeDefined();
        expect(r.records[r.records.length - 1]).toMatchObject({ kind: 'error', reason: r.parsed.streamError });
      }),
      { numRuns: 100 },
    );
  });
});
