// A 100 MB line (a runaway request ID, a binary blob appended to a log) through the real
// read path, parseObject, with the default bound (MAX_LINE_BYTES 1 MiB): it must become one
// error record with its number and a 4 KiB head, the lines after it must keep their numbers,
// and memory must stay flat. The bytes are generated lazily (one 64 KiB buffer, yielded
// again and again), so any growth measured is the pipeline's own buffering.

import { createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_OPTIONS } from '../../lib/pipeline';
import { expectConsistent, run, type Run } from '../support/pipeline-run';
import { ANY_ID } from '../support/records';

const MiB = 1024 * 1024;
const LINE_BYTES = 100 * MiB;
const CHUNK = 64 * 1024;
/** Allowed growth while the line streams through: a buffered line would be 100 MiB. */
const BOUND = 64 * MiB;
const ENTRY = (n: number, outcome = 'SUCCESS') => `2015/06/29 14:35:30.${String(n).padStart(3, '0')}\tuser${n}\tcreate user:u${n}\t${outcome}`;
const HUGE_START = '2015/06/29 16:19:18.382\trunaway\tcreate user:';

/** Peak memory above the level when it was created, sampled while the source is read. */
class MemoryProbe {
  private readonly base = process.memoryUsage();
  rss = 0;
  /** JS heap plus Buffers/ArrayBuffers (a splitter's copies of the line would be the latter). */
  heapAndBuffers = 0;
  sample(): void {
    const m = process.memoryUsage();
    this.rss = Math.max(this.rss, m.rss - this.base.rss);
    this.heapAndBuffers = Math.max(this.heapAndBuffers, m.heapUsed + m.arrayBuffers - (this.base.heapUsed + this.base.arrayBuffers));
  }
}

/** `before` lines, then one LINE_BYTES-byte line, then (after a newline) the `after` lines, if any. */
async function* hugeLineSource(before: string[], after: string[] | undefined, probe?: MemoryProbe): AsyncGenerator<Buffer> {
  await Promise.resolve();
  yield Buffer.from(before.map((l) => l + '\n').join('') + HUGE_START);
  const filler = Buffer.alloc(CHUNK, 'x');
  let chunks = 0;
  for (let sent = HUGE_START.length; sent < LINE_BYTES; sent += CHUNK) {
    const n = Math.min(CHUNK, LINE_BYTES - sent);
    yield n === CHUNK ? filler : filler.subarray(0, n);
    if (++chunks % 16 === 0) probe?.sample();
  }
  probe?.sample();
  if (after !== undefined) yield Buffer.from('\n' + after.map((l) => l + '\n').join(''));
}

const HEAD = (HUGE_START + 'x'.repeat(4096)).slice(0, 4096);
const OVERSIZED = (line: number) => ({
  id: ANY_ID,
  line,
  kind: 'error',
  reason: `line is ${LINE_BYTES} bytes, longer than the limit of ${DEFAULT_PARSE_OPTIONS.maxLineBytes} (MAX_LINE_BYTES)`,
  raw: HEAD,
  rawTruncated: true,
});


/** Line 1 an entry, line 2 the huge line as an oversized error record, line 3 an entry. */
function expectHugeLineBetweenTwoEntries(r: Run): void {
  expect(r.records.map((rec) => [rec.line, rec.kind])).toEqual([
    [1, 'entry'],
    [2, 'error'],
    [3, 'entry'],
  ]);
  expect(r.records[1]).toStrictEqual(OVERSIZED(2));
}

describe('a 100 MB line through parseObject', { timeout: 30_000 }, () => {
  it('with no newline at all: one error record, line 1, a 4 KiB head, memory flat', async () => {
    const probe = new MemoryProbe();
    const r = await run(hugeLineSource([], undefined, probe));
    expectConsistent(r);
    expect(r.parsed.format).toBe('fscsm');
    expect(r.records).toStrictEqual([OVERSIZED(1)]);
    expect(r.parsed.counts).toEqual({ totalLines: 1, blankLines: 0, parsed: 0, errors: 1, failedOperations: 0, pendingOperations: 0 });
    expect(probe.heapAndBuffers).toBeLessThan(BOUND);
    expect(probe.rss).toBeLessThan(BOUND);
  });

  it('between normal lines: the lines after it are parsed, with their own numbers', async () => {
    const probe = new MemoryProbe();
    const after = [ENTRY(3, 'FAILED'), '', ENTRY(5), 'not an entry', ENTRY(7)];
    const r = await run(hugeLineSource([ENTRY(1)], after, probe));
    expectConsistent(r);
    expect(r.records.map((rec) => [rec.line, rec.kind])).toEqual([
      [1, 'entry'],
      [2, 'error'],
      [3, 'entry'],
      [5, 'entry'],
      [6, 'error'],
      [7, 'entry'],
    ]);
    expect(r.records[1]).toStrictEqual(OVERSIZED(2));
    expect(r.records[2]).toMatchObject({ line: 3, actor: 'user3', outcome: 'FAILED' });
    expect(r.parsed.counts).toEqual({ totalLines: 7, blankLines: 1, parsed: 4, errors: 2, failedOperations: 1, pendingOperations: 0 });
    expect(probe.heapAndBuffers).toBeLessThan(BOUND);
    expect(probe.rss).toBeLessThan(BOUND);
  });

  it('gzip-compressed (inflated as a stream too)', async () => {
    const probe = new MemoryProbe();
    const gz = Readable.from(hugeLineSource([ENTRY(1)], [ENTRY(3)], probe)).pipe(createGzip({ level: 1 }));
    const r = await run(gz as AsyncIterable<Buffer>);
    expectConsistent(r);
    expect(r.parsed.compression).toBe('gzip');
    expectHugeLineBetweenTwoEntries(r);
    expect(probe.heapAndBuffers).toBeLessThan(BOUND);
  });

  it('in a legacy encoding (SOURCE_ENCODING=shift_jis: transcoded chunk by chunk, not line by line)', async () => {
    const probe = new MemoryProbe();
    const r = await run(hugeLineSource([ENTRY(1)], [ENTRY(3)], probe), { sourceEncoding: 'shift_jis' });
    expectConsistent(r);
    expectHugeLineBetweenTwoEntries(r);
    expect(probe.heapAndBuffers).toBeLessThan(BOUND);
    expect(probe.rss).toBeLessThan(BOUND);
  });

  it('(control) the probe does see a consumer that keeps the line: the bound above can fail', async () => {
    const probe = new MemoryProbe();
    const kept: Buffer[] = [];
    for await (const chunk of hugeLineSource([], undefined, probe)) kept.push(Buffer.from(chunk)); // what an unbounded splitter's carry does
    probe.sample();
    expect(kept.reduce((n, b) => n + b.length, 0)).toBe(LINE_BYTES);
    expect(probe.heapAndBuffers).toBeGreaterThan(BOUND);
    kept.length = 0;
  });
});
