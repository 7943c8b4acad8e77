import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fileStore } from '../../cli/file-store';

/** Two buffers taking turns, each written over two chunks later: what a lending writer does (lib/json-lines.ts). */
async function* lent(texts: string[], events: string[] = []): AsyncGenerator<Buffer> {
  const buffers = [Buffer.alloc(64), Buffer.alloc(64)];
  for (const [i, text] of texts.entries()) {
    events.push(`make ${i}`);
    await Promise.resolve(); // as a parse between batches
    const buf = buffers[i % 2] as Buffer;
    const n = buf.write(text, 0, 'latin1');
    yield buf.subarray(0, n);
  }
}

/** A destination that takes its time: it reads each chunk only when it completes the write. */
function slowSink(events: string[] = []): { sink: Writable; seen: string[] } {
  const seen: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      setTimeout(() => {
        events.push(`wrote ${seen.length}`);
        seen.push(chunk.toString('latin1'));
        done();
      }, 5);
    },
  });
  return { sink, seen };
}

const texts = ['first\n', 'second\n', 'third\n', 'fourth\n'];

describe('fileStore.writeStream', () => {
  it('takes lent chunks to stdout: asks for the next only once the stream is done with the last', async () => {
    const { sink, seen } = slowSink();
    const store = fileStore({ stdout: sink, stderr: new PassThrough(), stdoutTakesLentChunks: true });
    expect(store.takesLentChunks).toBe(true);
    await store.writeStream('', 'x.jsonl', lent(texts), 'application/x-ndjson');
    expect(seen).toEqual(texts);
  });

  it('makes the next chunk while the last is written, and never the one after before it is done', async () => {
    const events: string[] = [];
    const { sink, seen } = slowSink(events);
    const store = fileStore({ stdout: sink, stderr: new PassThrough(), stdoutTakesLentChunks: true });
    await store.writeStream('', 'x.jsonl', lent(texts, events), 'application/x-ndjson');
    expect(seen).toEqual(texts);
    expect(events).toEqual(['make 0', 'make 1', 'wrote 0', 'make 2', 'wrote 1', 'make 3', 'wrote 2', 'wrote 3']);
  });

  it('takes lent chunks to files with --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-store-'));
    const store = fileStore({ outDir: dir, stdout: new PassThrough(), stderr: new PassThrough() });
    expect(store.takesLentChunks).toBe(true);
    await store.writeStream('', 'x.jsonl', lent(texts), 'application/x-ndjson');
    expect(readFileSync(join(dir, 'x.jsonl'), 'latin1')).toBe(texts.join(''));
  });

  it('does not take lent chunks for a stdout it was not told about (a PassThrough hands chunks on)', () => {
    expect(fileStore({ stdout: new PassThrough(), stderr: new PassThrough() }).takesLentChunks).toBe(false);
  });
});
