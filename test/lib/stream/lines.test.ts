import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isRegion, splitLineItems, splitLines, type Line, type SplitOptions } from '../../../lib/stream/lines';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function* fromChunks(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) {
    await Promise.resolve();
    yield c;
  }
}

async function collect(chunks: readonly Uint8Array[], options: SplitOptions = { maxLineBytes: 1024 }): Promise<Line[]> {
  const out: Line[] = [];
  for await (const batch of splitLines(fromChunks(chunks), options)) {
    expect(batch.length).toBeGreaterThan(0);
    out.push(...batch);
  }
  return out;
}

/** Cuts `data` at the given offsets (any order, duplicates allowed). */
function cutAt(data: Buffer, offsets: readonly number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => Math.min(Math.max(o, 0), data.length)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    parts.push(data.subarray(prev, p));
    prev = p;
  }
  parts.push(data.subarray(prev));
  return parts;
}

const texts = (lines: Line[]): string[] => lines.map((l) => l.text);
const numbers = (lines: Line[]): number[] => lines.map((l) => l.no);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('splitLines: line endings', () => {
  it('splits LF-terminated lines and numbers them from 1', async () => {
    const lines = await collect([Buffer.from('alpha\nbeta\ngamma\n')]);
    expect(lines).toEqual([
      { no: 1, text: 'alpha' },
      { no: 2, text: 'beta' },
      { no: 3, text: 'gamma' },
    ]);
  });

  it('removes the CR of CRLF endings but keeps a CR inside a line', async () => {
    const lines = await collect([Buffer.from('a\r\nb\rc\r\n\r\nd\r\n')]);
    expect(texts(lines)).toEqual(['a', 'b\rc', '', 'd']);
    expect(numbers(lines)).toEqual([1, 2, 3, 4]);
  });

  it('handles a CRLF whose CR and LF arrive in different chunks', async () => {
    const lines = await collect([Buffer.from('first\r'), Buffer.from('\nsecond\r'), Buffer.from('\n')]);
    expect(lines).toEqual([
      { no: 1, text: 'first' },
      { no: 2, text: 'second' },
    ]);
  });

  it('keeps blank lines as (empty) lines so that the pipeline can count them', async () => {
    const lines = await collect([Buffer.from('\n\nx\n\n   \n')]);
    expect(lines).toEqual([
      { no: 1, text: '' },
      { no: 2, text: '' },
      { no: 3, text: 'x' },
      { no: 4, text: '' },
      { no: 5, text: '   ' },
    ]);
  });

  it('emits a last line that has no trailing newline', async () => {
    expect(await collect([Buffer.from('one\ntwo')])).toEqual([
      { no: 1, text: 'one' },
      { no: 2, text: 'two' },
    ]);
    expect(await collect([Buffer.from('one\n'), Buffer.from('tw'), Buffer.from('o')])).toEqual([
      { no: 1, text: 'one' },
      { no: 2, text: 'two' },
    ]);
  });

  it('yields nothing for an empty input and one empty line for a lone newline', async () => {
    expect(await collect([])).toEqual([]);
    expect(await collect([Buffer.alloc(0), Buffer.alloc(0)])).toEqual([]);
    expect(await collect([Buffer.from('\n')])).toEqual([{ no: 1, text: '' }]);
  });

  it('accepts plain Uint8Array chunks (views into a larger buffer), not only Buffers', async () => {
    const backing = new Uint8Array(Buffer.from('XXhello\nworld\nYY'));
    const view = new Uint8Array(backing.buffer, 2, 12); // "hello\nworld\n"
    expect(texts(await collect([view]))).toEqual(['hello', 'world']);
  });

  it('copies a carried partial line, so a source that reuses its buffer does not corrupt it', async () => {
    const shared = Buffer.alloc(8);
    async function* reusing(): AsyncGenerator<Uint8Array> {
      for (const part of ['ab', 'cd\nef', 'gh\n']) {
        shared.fill(0);
        const n = shared.write(part);
        yield shared.subarray(0, n);
        await Promise.resolve();
      }
    }
    const out: Line[] = [];
    for await (const batch of splitLines(reusing(), { maxLineBytes: 100 })) out.push(...batch);
    expect(texts(out)).toEqual(['abcd', 'efgh']);
  });
});

describe('splitLines: byte order mark', () => {
  it('strips a UTF-8 BOM from line 1', async () => {
    const lines = await collect([Buffer.concat([BOM, Buffer.from('first\nsecond\n')])]);
    expect(texts(lines)).toEqual(['first', 'second']);
  });

  it('strips a BOM that is split across the first chunks', async () => {
    const data = Buffer.concat([BOM, Buffer.from('first\n')]);
    const lines = await collect([data.subarray(0, 1), data.subarray(1, 2), data.subarray(2)]);
    expect(lines).toEqual([{ no: 1, text: 'first' }]);
  });

  it('keeps a BOM that appears at the start of a later line (it is content there)', async () => {
    const data = Buffer.concat([Buffer.from('first\n'), BOM, Buffer.from('second\n')]);
    const lines = await collect([data]);
    expect(lines[1]).toEqual({ no: 2, text: '\uFEFFsecond' });
  });

  it('strips only one BOM from line 1', async () => {
    const lines = await collect([Buffer.concat([BOM, BOM, Buffer.from('x')])]);
    expect(lines).toEqual([{ no: 1, text: '\uFEFFx' }]);
  });
});

describe('splitLines: UTF-8', () => {
  it('reassembles a multi-byte character split across chunks', async () => {
    const data = Buffer.from('naïve 日本 😀\n', 'utf8');
    // Cut inside the 2-byte "ï", the 3-byte "日" and the 4-byte emoji.
    const i = data.indexOf(Buffer.from('ï')) + 1;
    const j = data.indexOf(Buffer.from('日')) + 2;
    const k = data.indexOf(Buffer.from('😀')) + 3;
    const lines = await collect(cutAt(data, [i, j, k]));
    expect(lines).toEqual([{ no: 1, text: 'naïve 日本 😀' }]);
  });

  it('flags an invalid UTF-8 line with its exact bytes and leaves neighbours alone', async () => {
    const bad = Buffer.from([0x61, 0xff, 0x62, 0xc3]); // a, invalid byte, b, truncated sequence
    const data = Buffer.concat([Buffer.from('good\n'), bad, Buffer.from('\r\nalso good\n')]);
    const lines = await collect([data]);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toEqual({ no: 1, text: 'good' });
    expect(lines[1]?.no).toBe(2);
    expect(lines[1]?.text).toBe('a\uFFFDb\uFFFD');
    expect(lines[1]?.invalidUtf8).toEqual(bad);
    expect(lines[2]).toEqual({ no: 3, text: 'also good' });
  });

  it('does not flag a valid line that legitimately contains U+FFFD', async () => {
    const lines = await collect([Buffer.from('x\uFFFDy\n', 'utf8')]);
    expect(lines).toEqual([{ no: 1, text: 'x\uFFFDy' }]);
  });

  it('flags an invalid line that arrives across chunks, without a trailing newline', async () => {
    const lines = await collect([Buffer.from('ok\nab'), Buffer.from([0xe6, 0x97])]);
    expect(lines[1]?.invalidUtf8).toEqual(Buffer.from([0x61, 0x62, 0xe6, 0x97]));
    expect(lines[1]?.no).toBe(2);
  });
});

describe('splitLineItems: regions', () => {
  it('hands the lines within the bound as undecoded regions even when the chunk is longer than maxLineBytes', async () => {
    // A chunk far larger than the bound, with one overlong line in the middle: the normal
    // lines around it must still reach the byte path as regions (not decoded one by one).
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const after = Array.from({ length: 20 }, (_, i) => `more ${i}`).join('\r\n');
    const chunk = Buffer.from(`${before}\n${'x'.repeat(60)}\n${after}\n`);
    const items = [];
    for await (const batch of splitLineItems(fromChunks([chunk]), { maxLineBytes: 50, oversizedHeadBytes: 5 })) items.push(...batch);
    expect(items.map((item) => (isRegion(item) ? `region ${item.firstNo}+${item.ends.length}` : `line ${item.no}`))).toEqual([
      'region 1+20',
      'line 21',
      'region 22+20',
    ]);
    expect(items[1]).toEqual({ no: 21, text: 'xxxxx', oversizedBytes: 60 });
  });
});

describe('splitLines: overlong lines', () => {
  it('cuts a line longer than maxLineBytes to a head and reports its full length', async () => {
    const long = 'x'.repeat(100);
    const lines = await collect([Buffer.from(`short\n${long}\nafter\n`)], { maxLineBytes: 50, oversizedHeadBytes: 10 });
    expect(lines).toEqual([
      { no: 1, text: 'short' },
      { no: 2, text: 'x'.repeat(10), oversizedBytes: 100 },
      { no: 3, text: 'after' },
    ]);
  });

  it('keeps a line of exactly maxLineBytes (its CRLF ending not counted)', async () => {
    const exact = 'y'.repeat(50);
    const lines = await collect([Buffer.from(`${exact}\r\n${exact}y\r\n`)], { maxLineBytes: 50, oversizedHeadBytes: 8 });
    expect(lines).toEqual([
      { no: 1, text: exact },
      { no: 2, text: 'y'.repeat(8), oversizedBytes: 51 },
    ]);
  });

  it('reports the length without the CR when an overlong CRLF line ends right at a chunk boundary', async () => {
    const line = 'z'.repeat(30);
    const lines = await collect([Buffer.from(`${line}\r`), Buffer.from('\nnext\n')], { maxLineBytes: 10, oversizedHeadBytes: 4 });
    expect(lines).toEqual([
      { no: 1, text: 'zzzz', oversizedBytes: 30 },
      { no: 2, text: 'next' },
    ]);
  });

  it('cuts the head back to a character boundary', async () => {
    const line = 'é'.repeat(20); // 40 bytes; a 5-byte head ends inside the third "é"
    const lines = await collect([Buffer.from(`${line}\n`)], { maxLineBytes: 10, oversizedHeadBytes: 5 });
    expect(lines).toEqual([{ no: 1, text: 'éé', oversizedBytes: 40 }]);
  });

  it('keeps a complete character that ends exactly at the head bound', async () => {
    const line = 'é'.repeat(20); // 40 bytes; a 6-byte head holds exactly three "é"
    const lines = await collect([Buffer.from(`${line}\n`)], { maxLineBytes: 10, oversizedHeadBytes: 6 });
    expect(lines).toEqual([{ no: 1, text: 'ééé', oversizedBytes: 40 }]);
  });

  it('bounds an overlong last line without newline that arrives over several chunks', async () => {
    const lines = await collect([Buffer.from('ok\n'), Buffer.from('a'.repeat(40)), Buffer.from('b'.repeat(40))], {
      maxLineBytes: 16,
      oversizedHeadBytes: 4,
    });
    expect(lines).toEqual([
      { no: 1, text: 'ok' },
      { no: 2, text: 'aaaa', oversizedBytes: 80 },
    ]);
  });

  it('streams a 20 MB line in 64 KiB chunks with a bounded head and bounded buffering', async () => {
    const MiB = 1024 * 1024;
    const chunkSize = 64 * 1024;
    const lineLength = 20 * MiB;
    const filler = Buffer.alloc(chunkSize, 0x41);
    const concat = vi.spyOn(Buffer, 'concat');
    async function* source(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      yield Buffer.from('before\n');
      for (let sent = 0; sent < lineLength; sent += chunkSize) yield filler;
      yield Buffer.from('\nafter 1\nafter 2');
    }
    const out: Line[] = [];
    for await (const batch of splitLines(source(), { maxLineBytes: MiB })) out.push(...batch);

    expect(numbers(out)).toEqual([1, 2, 3, 4]);
    expect(out[0]).toEqual({ no: 1, text: 'before' });
    expect(out[1]?.oversizedBytes).toBe(lineLength);
    expect(out[1]?.text.length).toBeLessThanOrEqual(4096);
    expect(out[1]?.text).toBe('A'.repeat(4096));
    expect(out[2]).toEqual({ no: 3, text: 'after 1' });
    expect(out[3]).toEqual({ no: 4, text: 'after 2' });
    // Never more than the bound plus one chunk is gathered in one piece.
    const largest = Math.max(0, ...concat.mock.results.map((r) => (r.value as Buffer).length));
    expect(largest).toBeLessThanOrEqual(MiB + chunkSize);
  });

  it('bounds a 20 MB line that is the last line of the input and has no newline', async () => {
    const MiB = 1024 * 1024;
    const filler = Buffer.alloc(64 * 1024, 0x42);
    async function* source(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      yield Buffer.from('l1\nl2\n');
      for (let i = 0; i < 320; i++) yield filler;
    }
    const out: Line[] = [];
    for await (const batch of splitLines(source(), { maxLineBytes: MiB })) out.push(...batch);
    expect(out).toHaveLength(3);
    expect(out[2]).toEqual({ no: 3, text: 'B'.repeat(4096), oversizedBytes: 20 * MiB });
  });
});

describe('splitLines: chunk boundaries (property)', () => {
  // Pieces chosen to hit every path: multi-byte characters, CR/LF combinations, BOMs,
  // a literal U+FFFD, and bytes that are not valid UTF-8.
  const piece = fc.constantFrom(
    ...[
      'a',
      'bc',
      ' ',
      '\t',
      'é',
      '日本',
      '😀',
      '\uFFFD',
      '\n',
      '\r\n',
      '\r',
      '\n\n',
      '\uFEFF',
      '2015/06/29 14:35:30.902\top\tcreate user:x\tSUCCESS\n',
    ].map((s) => Buffer.from(s, 'utf8')),
    Buffer.from([0xff]),
    Buffer.from([0xc3]),
    Buffer.from([0xe6, 0x97]),
  );
  const input = fc.record({
    data: fc.array(piece, { maxLength: 60 }).map((parts) => Buffer.concat(parts)),
    bom: fc.boolean(),
    cuts: fc.array(fc.nat({ max: 2000 }), { maxLength: 12 }),
    maxLineBytes: fc.integer({ min: 1, max: 80 }),
    headBytes: fc.integer({ min: 1, max: 20 }),
  });

  /** The lines as defined on the whole byte string, independent of the implementation. */
  function model(data: Buffer): Array<{ no: number; bytes: Buffer }> {
    const segments: Buffer[] = [];
    let s = 0;
    for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, s)) {
      segments.push(data.subarray(s, i));
      s = i + 1;
    }
    if (s < data.length) segments.push(data.subarray(s));
    return segments.map((seg, i) => ({
      no: i + 1,
      bytes: seg.length > 0 && seg[seg.length - 1] === 0x0d ? seg.subarray(0, -1) : seg,
    }));
  }

  it('gives the same lines whatever the chunk boundaries, matching a whole-buffer model', async () => {
    await fc.assert(
      fc.asyncProperty(input, async ({ data: body, bom, cuts, maxLineBytes, headBytes }) => {
        const data = bom ? Buffer.concat([BOM, body]) : body;
        const options = { maxLineBytes, oversizedHeadBytes: headBytes };
        const whole = await collect([data], options);
        const split = await collect(
          cutAt(
            data,
            cuts.map((c) => c % (data.length + 1)),
          ),
          options,
        );
        expect(split).toEqual(whole);

        const expected = model(data);
        expect(numbers(whole)).toEqual(expected.map((e) => e.no));
        for (const [i, line] of whole.entries()) {
          const bytes = (expected[i] as { bytes: Buffer }).bytes;
          let text = bytes.toString('utf8');
          if (line.no === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
          if (bytes.length > maxLineBytes) {
            expect(line.oversizedBytes).toBe(bytes.length);
            const bound = Math.min(headBytes, maxLineBytes);
            // Each kept byte decodes to at most one UTF-16 unit (U+FFFD for a bad byte).
            expect(line.text.length).toBeLessThanOrEqual(bound);
            if (isUtf8(bytes)) {
              expect(Buffer.byteLength(line.text)).toBeLessThanOrEqual(bound);
              expect(text.startsWith(line.text)).toBe(true);
              // Only an incomplete last character may be dropped from the head.
              const bomBytes = line.no === 1 && bytes.subarray(0, 3).equals(BOM) ? 3 : 0;
              expect(Buffer.byteLength(line.text) + bomBytes).toBeGreaterThan(bound - 4);
            }
          } else {
            expect(line.oversizedBytes).toBeUndefined();
            expect(line.text).toBe(text);
            if (isUtf8(bytes)) expect(line.invalidUtf8).toBeUndefined();
            else expect(line.invalidUtf8).toEqual(bytes);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
