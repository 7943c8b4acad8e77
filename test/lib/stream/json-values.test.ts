import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitJsonValues, type JsonValueItem, type JsonValueSplitOptions } from '../../../lib/stream/json-values';
import { splitLines } from '../../../lib/stream/lines';

async function* fromChunks(chunks: Buffer[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) {
    await Promise.resolve();
    yield c;
  }
}

function cutAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, data.length]) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  return out;
}

function chunked(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

const OPTIONS: JsonValueSplitOptions = { maxValueBytes: 1024 * 1024 };

async function split(
  input: string | Buffer | Buffer[],
  options: Partial<JsonValueSplitOptions> = {},
): Promise<{ items: JsonValueItem[]; lines: number; batches: number }> {
  const chunks = Array.isArray(input) ? input : [Buffer.isBuffer(input) ? input : Buffer.from(input)];
  const progress = { lines: -1 };
  const items: JsonValueItem[] = [];
  let batches = 0;
  for await (const batch of splitJsonValues(fromChunks(chunks), { ...OPTIONS, ...options }, progress)) {
    expect(batch.length).toBeGreaterThan(0);
    batches += 1;
    items.push(...batch);
  }
  return { items, lines: progress.lines, batches };
}

/** Items as [line, parsed value] (complete values only). */
const values = (items: JsonValueItem[]) => items.map((i) => (i.kind === 'value' ? [i.line, JSON.parse(i.text) as unknown] : [i.line, i.kind]));

async function lineCount(data: Buffer): Promise<number> {
  let n = 0;
  for await (const lines of splitLines(fromChunks([data]), { maxLineBytes: 1 << 30 })) n += lines.length;
  return n;
}

describe('splitJsonValues: documents', () => {
  it('splits concatenated pretty-printed documents and reports the line each starts on', async () => {
    const text = [JSON.stringify({ a: 1, b: [1, 2] }, null, 2), JSON.stringify({ c: { d: 'x' } }, null, 4), '{"e":true}{"f":null}'].join('\n\n');
    const { items, lines } = await split(text + '\n');
    expect(values(items)).toEqual([
      [1, { a: 1, b: [1, 2] }],
      [9, { c: { d: 'x' } }],
      [15, { e: true }],
      [15, { f: null }],
    ]);
    expect(lines).toBe(15);
  });

  it('reads JSON Lines as one value per line, CRLF included', async () => {
    const { items, lines } = await split('{"n":1}\r\n{"n":2}\r\n\r\n{"n":3}');
    expect(values(items)).toEqual([
      [1, { n: 1 }],
      [2, { n: 2 }],
      [4, { n: 3 }],
    ]);
    expect(lines).toBe(4);
  });

  it('keeps brackets, quotes, escapes and unicode inside strings out of the structure', async () => {
    const tricky = { 'k{': '}]["\\', s: 'a\\"}{b', u: 'é😀\u2028\u0000', q: '\\', arr: ['[', ']', '{"x":1}'] };
    const text = `${JSON.stringify(tricky)}\n${JSON.stringify(tricky, null, 1)}\n"a string with } and ]"\n`;
    const { items } = await split(text);
    expect(values(items)).toEqual([
      [1, tricky],
      [2, tricky],
      [13, 'a string with } and ]'],
    ]);
  });

  it('counts raw line breaks inside (invalid) strings, so later values keep their line numbers', async () => {
    const text = '{"a":"x\ny\nz"}\n{"b":"\\\\"}\n"s\nt"\n{"c":1}\n';
    for (const size of [1, 2, 5, 1000]) {
      const { items } = await split(chunked(Buffer.from(text), size));
      expect(items.map((i) => [i.kind, i.line])).toEqual([
        ['value', 1],
        ['value', 4],
        ['value', 5],
        ['value', 7],
      ]);
    }
  });

  it('skips a UTF-8 BOM at the start, even split over chunks', async () => {
    const data = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"b":2}\n')]);
    for (const size of [1, 2, 3, 100]) {
      const { items } = await split(chunked(data, size));
      expect(values(items)).toEqual([
        [1, { a: 1 }],
        [2, { b: 2 }],
      ]);
    }
  });

  it('makes a garbage line one bare item up to its end, and finds the object after it on the same line', async () => {
    const { items } = await split('not json at all\nstill garbage {"ok":1}\n] stray\n');
    expect(items).toEqual([
      { kind: 'value', line: 1, text: 'not json at all' },
      { kind: 'value', line: 2, text: 'still garbage' },
      { kind: 'value', line: 2, text: '{"ok":1}' },
      { kind: 'value', line: 3, text: '] stray' },
    ]);
  });

  it('reports a value the input ends inside as incomplete, with what was read', async () => {
    const { items } = await split('{"a":1}\n{"b": {"c": "unfinished');
    expect(items).toEqual([
      { kind: 'value', line: 1, text: '{"a":1}' },
      { kind: 'incomplete', line: 2, text: '{"b": {"c": "unfinished' },
    ]);
  });

  it('flags a value whose bytes are not valid UTF-8 and keeps them exactly', async () => {
    const bad = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const { items } = await split(Buffer.concat([bad, Buffer.from('\n{"b":"\uFFFD"}\n')]));
    expect(items[0]).toMatchObject({ kind: 'value', line: 1, invalidUtf8: bad });
    // A real U+FFFD in the source is not an encoding error.
    expect(items[1]).toEqual({ kind: 'value', line: 2, text: '{"b":"\uFFFD"}' });
  });

  it('yields nothing for empty or white-space-only input', async () => {
    expect((await split('')).items).toEqual([]);
    const ws = await split(' \n\t\r\n  ');
    expect(ws.items).toEqual([]);
    expect(ws.lines).toBe(3);
  });
});

describe('splitJsonValues: arrays', () => {
  it('yields the elements of a top-level array, each with its start line', async () => {
    const events = [{ id: 1 }, { id: 2, nested: [[1], { x: [] }] }, { id: 3 }];
    const { items, lines } = await split(JSON.stringify(events, null, 2) + '\n');
    expect(values(items)).toEqual([
      [2, events[0]],
      [5, events[1]],
      [16, events[2]],
    ]);
    expect(lines).toBe(19);
  });

  it('yields every element of a compact one-line array with line 1', async () => {
    const { items } = await split('[{"a":1},{"b":2},3,"s",null,[4]]');
    expect(values(items)).toEqual([
      [1, { a: 1 }],
      [1, { b: 2 }],
      [1, 3],
      [1, 's'],
      [1, null],
      [1, [4]],
    ]);
  });

  it('reads concatenated arrays one after the other, and values after an array', async () => {
    const { items } = await split('[{"a":1}]\n[{"b":2}, {"c":3}]\n{"d":4}\n[]');
    expect(values(items)).toEqual([
      [1, { a: 1 }],
      [2, { b: 2 }],
      [2, { c: 3 }],
      [3, { d: 4 }],
    ]);
  });

  it('keeps arrays whole when unwrapping is off', async () => {
    const { items } = await split('[1, 2]\n[{"a":[3]}]', { unwrapArrays: false });
    expect(values(items)).toEqual([
      [1, [1, 2]],
      [2, [{ a: [3] }]],
    ]);
  });

  it('ends bare garbage elements at the next comma or the closing bracket', async () => {
    const { items } = await split('[{"a":1}, oops , {"b":2}, }bad]');
    expect(items.map((i) => (i.kind === 'value' ? i.text : i.kind))).toEqual(['{"a":1}', 'oops', '{"b":2}', '}bad']);
  });

  it('reports an array the input ends inside, after its last elements', async () => {
    const { items } = await split('[\n{"a":1},\n{"b":2},\n{"c":');
    expect(items).toEqual([
      { kind: 'value', line: 2, text: '{"a":1}' },
      { kind: 'value', line: 3, text: '{"b":2}' },
      { kind: 'incomplete', line: 4, text: '{"c":' },
      { kind: 'unclosed-array', line: 4, openedAt: 1 },
    ]);
  });

  it('yields one batch per input chunk that completes values: a big array streams element by element', async () => {
    const element = JSON.stringify({ pad: 'x'.repeat(100) });
    const data = Buffer.from(`[${Array.from({ length: 2000 }, () => element).join(',\n')}]`);
    const { items, batches } = await split(chunked(data, 4096));
    expect(items).toHaveLength(2000);
    expect(batches).toBeGreaterThan(50);
  });
});

describe('splitJsonValues: the size bound', () => {
  it('turns a value longer than maxValueBytes into an oversized item with its head, and finds the next value', async () => {
    const big = JSON.stringify({ data: 'y'.repeat(5000), inner: ['}', '{'] });
    const text = `{"a":1}\n${big}\n{"b":2}\n`;
    for (const size of [1, 13, 1000, 1 << 20]) {
      const { items } = await split(chunked(Buffer.from(text), size), { maxValueBytes: 1000, headBytes: 100 });
      expect(items).toEqual([
        { kind: 'value', line: 1, text: '{"a":1}' },
        { kind: 'oversized', line: 2, head: big.slice(0, 100), bytes: big.length, complete: true },
        { kind: 'value', line: 3, text: '{"b":2}' },
      ]);
    }
  });

  it('does the same for an oversized array element', async () => {
    const big = JSON.stringify({ data: 'z'.repeat(3000) });
    const { items } = await split(`[{"a":1}, ${big}, {"b":2}]`, { maxValueBytes: 500, headBytes: 64 });
    expect(items.map((i) => [i.kind, i.line])).toEqual([
      ['value', 1],
      ['oversized', 1],
      ['value', 1],
    ]);
    expect(items[1]).toMatchObject({ bytes: big.length, head: big.slice(0, 64) });
  });

  it('keeps a head that ends on a whole character', async () => {
    const big = `{"s":"${'é'.repeat(1000)}"}`;
    const { items } = await split(Buffer.from(big), { maxValueBytes: 100, headBytes: 10 });
    // '{"s":"' is 6 bytes, then 2-byte characters: 10 bytes hold two of them.
    expect(items[0]).toMatchObject({ kind: 'oversized', head: '{"s":"éé' });
  });

  it('reports an oversized value the input ends inside as not complete', async () => {
    const { items } = await split(`{"a":"${'q'.repeat(300)}`, { maxValueBytes: 100, headBytes: 20 });
    expect(items).toEqual([{ kind: 'oversized', line: 1, head: `{"a":"${'q'.repeat(14)}`, bytes: 306, complete: false }]);
  });
});

// Random JSON with the characters that matter to a splitter inside its strings and keys.
const tricky = fc.oneof(
  fc.constantFrom('{', '}', '[', ']', '"', '\\', '\n', '\r', '\t', ',', ':', ' ', '/', 'é', '😀', '\u2028', '\u0000', 'a'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const jsonValue = fc.jsonValue({ maxDepth: 4, stringUnit: tricky });
const whitespace = fc.array(fc.constantFrom(' ', '\t', '\n', '\r\n'), { maxLength: 3 }).map((a) => a.join(''));
const layout = fc.record({ indent: fc.constantFrom(undefined, 0, 1, 2, 4, '\t'), before: whitespace, after: whitespace });

interface Planned {
  text: string;
  expected: { line: number; value: unknown; bytes: number }[];
}

const isBare = (v: unknown): boolean => v === null || typeof v === 'number' || typeof v === 'boolean';
const linesIn = (s: string): number => s.split('\n').length - 1;

/** Concatenated documents; a bare token needs a line break after it (it runs to the end of its line). */
function concatenated(vals: unknown[], layouts: { indent: string | number | undefined; before: string; after: string }[]): Planned {
  let text = '';
  const expected: Planned['expected'] = [];
  vals.forEach((v, i) => {
    const l = layouts[i] ?? { indent: undefined, before: '', after: '' };
    const s = JSON.stringify(v, null, l.indent);
    text += l.before;
    expected.push({ line: linesIn(text) + 1, value: JSON.parse(s) as unknown, bytes: Buffer.byteLength(s) });
    text += s + (isBare(v) ? `${l.after}\n` : l.after);
  });
  return { text, expected };
}

function inArray(vals: unknown[], layouts: { indent: string | number | undefined; before: string; after: string }[]): Planned {
  let text = '[';
  const expected: Planned['expected'] = [];
  vals.forEach((v, i) => {
    const l = layouts[i] ?? { indent: undefined, before: '', after: '' };
    const s = JSON.stringify(v, null, l.indent);
    text += (i > 0 ? ',' : '') + l.before;
    expected.push({ line: linesIn(text) + 1, value: JSON.parse(s) as unknown, bytes: Buffer.byteLength(s) });
    text += s + l.after;
  });
  return { text: text + ']\n', expected };
}

describe('splitJsonValues: properties', () => {
  it('gives back every value, equal, with its start line, whatever the layout and chunk boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(jsonValue, layout), { maxLength: 8 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (planned, asArray, cuts) => {
          const vals = planned.map(([v]) => v);
          const layouts = planned.map(([, l]) => l);
          // Outside an array, top-level arrays would be unwrapped: keep them whole for this check.
          const { text, expected } = asArray ? inArray(vals, layouts) : concatenated(vals, layouts);
          const data = Buffer.from(text);
          const { items, lines } = await split(cutAt(data, cuts), { unwrapArrays: asArray });
          expect(values(items)).toEqual(expected.map((e) => [e.line, e.value]));
          expect(lines).toBe(await lineCount(data));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('turns exactly the values over the bound into oversized items, and still finds all the others', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(jsonValue, layout), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 40, max: 400 }),
        async (planned, asArray, cuts, max) => {
          const vals = planned.map(([v]) => v);
          const layouts = planned.map(([, l]) => ({ ...l, before: l.before.slice(0, 1), after: l.after.slice(0, 1) }));
          const { text, expected } = asArray ? inArray(vals, layouts) : concatenated(vals, layouts);
          const { items } = await split(cutAt(Buffer.from(text), cuts), { unwrapArrays: asArray, maxValueBytes: max, headBytes: 16 });
          expect(items.map((i) => [i.line, i.kind])).toEqual(expected.map((e) => [e.line, e.bytes > max ? 'oversized' : 'value']));
          items.forEach((item, k) => {
            const e = expected[k];
            if (item.kind === 'oversized') {
              expect(item.bytes).toBe(e?.bytes);
              expect(Buffer.byteLength(item.head)).toBeLessThanOrEqual(16);
              expect(item.complete).toBe(true);
            } else if (item.kind === 'value') {
              expect(JSON.parse(item.text)).toEqual(e?.value);
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
