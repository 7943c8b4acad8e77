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

  // 16 KiB, above the size Buffer.allocUnsafe takes from its shared pool: one ArrayBuffer per buffer.
  it('lending: the buffer taken two batches ago is written again, the one just taken is not', () => {
    const w = new JsonLinesWriter(16 * 1024, true);
    fill(w, 10);
    const first = w.take();
    fill(w, 20);
    const second = w.take();
    expect(second.buffer).not.toBe(first.buffer);
    // The consumer asked for this batch, so it is done with the first one: its buffer comes back.
    expect(w.buf.buffer).toBe(first.buffer);
    w.buf.fill(0x62, 0, 5);
    w.pos = 5;
    expect(second.toString()).toBe('a'.repeat(20));
    expect(w.take().toString()).toBe('bbbbb');
    expect(w.buf.buffer).toBe(second.buffer);
  });

  it('lending: a buffer grown past the cap for a batch of huge lines is not kept', () => {
    const w = new JsonLinesWriter(16 * 1024, true);
    fill(w, 10);
    w.take();
    fill(w, 20 * 1024 * 1024);
    const huge = w.take();
    fill(w, 10);
    w.take();
    expect(w.buf.buffer).not.toBe(huge.buffer);
    expect(w.buf.length).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  it('without lending, no taken buffer is ever written again', () => {
    const w = new JsonLinesWriter(16 * 1024);
    const taken = [0, 1, 2, 3].map(() => {
      fill(w, 10);
      return w.take();
    });
    expect(new Set(taken.map((b) => b.buffer)).size).toBe(4);
  });
});
