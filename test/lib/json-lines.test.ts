import { describe, expect, it } from 'vitest';
import { JsonLinesWriter } from '../../lib/json-lines';

const fill = (w: JsonLinesWriter, bytes: number): void => {
  w.reserve(bytes);
  w.buf.fill(0x61, w.pos, w.pos + bytes);
  w.pos += bytes;
};

describe('JsonLinesWriter', () => {
  it('hands over exactly what was written and starts the next batch empty', () => {
    const w = new JsonLinesWriter(16);
    w.write({ line: 1, kind: 'error', reason: 'bad', raw: 'x', id: '0123456789abcdef0123456789abcdef' });
    const taken = w.take();
    expect(taken.toString()).toBe('{"line":1,"kind":"error","reason":"bad","raw":"x","id":"0123456789abcdef0123456789abcdef"}\n');
    expect(w.length).toBe(0);
    // The taken bytes are never written over by the next batch.
    w.write({ line: 2, kind: 'error', reason: 'worse', raw: 'y', id: '0123456789abcdef0123456789abcdef' });
    expect(taken.toString()).toBe('{"line":1,"kind":"error","reason":"bad","raw":"x","id":"0123456789abcdef0123456789abcdef"}\n');
  });

  it('keeps what was written when it grows', () => {
    const w = new JsonLinesWriter(8);
    fill(w, 6);
    w.reserve(100);
    expect(w.buf.length).toBeGreaterThanOrEqual(106);
    expect(w.take().toString()).toBe('aaaaaa');
  });

  it('starts the next buffer at the last batch size, so a batch like it needs no growing copy', () => {
    const w = new JsonLinesWriter(1024);
    fill(w, 100_000);
    w.take();
    const next = w.buf;
    expect(next.length).toBeGreaterThanOrEqual(100_000);
    fill(w, 100_000);
    expect(w.buf).toBe(next);
  });

  it('caps that start, so one batch of huge lines does not set the size of every later buffer', () => {
    const w = new JsonLinesWriter(1024);
    fill(w, 20 * 1024 * 1024);
    w.take();
    expect(w.buf.length).toBe(4 * 1024 * 1024);
  });
});
