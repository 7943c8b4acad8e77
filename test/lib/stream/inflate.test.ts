import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decode, InflateError, type Decoded } from '../../../lib/stream/inflate';

const LIMIT = { maxDecompressedBytes: 64 * 1024 * 1024 };

async function* fromChunks(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) {
    await Promise.resolve();
    yield c;
  }
}

function chunked(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

async function readAll(decoded: Decoded): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of decoded.chunks) parts.push(c);
  return Buffer.concat(parts);
}

/** Rejects if `promise` does not settle within `ms`, so a hang fails the test quickly and clearly. */
function within<T>(promise: Promise<T>, ms = 3000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

const TEXT = Buffer.from(
  Array.from({ length: 500 }, (_, i) => `2015/06/29 14:35:30.902\tuser${i}\tcreate user:u${i}\tSUCCESS\n`).join(''),
);

describe('decode: compression detection', () => {
  it('passes plain bytes through unchanged and reports compression none', async () => {
    const decoded = await decode(fromChunks(chunked(TEXT, 1000)), LIMIT);
    expect(decoded.compression).toBe('none');
    expect((await readAll(decoded)).toString()).toBe(TEXT.toString());
  });

  it('inflates gzip recognised by its magic bytes, whatever the object is called', async () => {
    // decode() never sees a key or extension: only the bytes decide.
    const decoded = await decode(fromChunks(chunked(gzipSync(TEXT), 100)), LIMIT);
    expect(decoded.compression).toBe('gzip');
    expect((await readAll(decoded)).toString()).toBe(TEXT.toString());
  });

  it('treats a plain file that starts with 0x1f but not 0x8b as plain', async () => {
    const data = Buffer.from([0x1f, 0x41, 0x42, 0x0a]);
    const decoded = await decode(fromChunks([data]), LIMIT);
    expect(decoded.compression).toBe('none');
    expect(await readAll(decoded)).toEqual(data);
  });

  it('detects gzip when the first chunk holds a single byte', async () => {
    const gz = gzipSync(TEXT);
    const decoded = await decode(fromChunks([gz.subarray(0, 1), gz.subarray(1, 2), gz.subarray(2)]), LIMIT);
    expect(decoded.compression).toBe('gzip');
    expect((await readAll(decoded)).toString()).toBe(TEXT.toString());
  });

  it('keeps a one-byte first chunk of a plain input', async () => {
    const decoded = await decode(fromChunks([TEXT.subarray(0, 1), TEXT.subarray(1)]), LIMIT);
    expect(decoded.compression).toBe('none');
    expect((await readAll(decoded)).toString()).toBe(TEXT.toString());
  });

  it('handles an empty and a one-byte input as plain', async () => {
    const empty = await decode(fromChunks([]), LIMIT);
    expect(empty.compression).toBe('none');
    expect(empty.head.length).toBe(0);
    expect((await readAll(empty)).length).toBe(0);

    const one = await decode(fromChunks([Buffer.from([0x1f])]), LIMIT);
    expect(one.compression).toBe('none');
    expect(await readAll(one)).toEqual(Buffer.from([0x1f]));
  });

  it('exposes the first decoded bytes as head without consuming them from the stream', async () => {
    const decoded = await decode(fromChunks(chunked(gzipSync(TEXT), 64)), { ...LIMIT, sniffBytes: 100 });
    expect(decoded.head).toEqual(TEXT.subarray(0, 100));
    expect((await readAll(decoded)).toString()).toBe(TEXT.toString());

    const plain = await decode(fromChunks(chunked(TEXT, 7)), LIMIT);
    expect(plain.head).toEqual(TEXT.subarray(0, 4096));
  });

  it('accepts plain Uint8Array chunks', async () => {
    const gz = new Uint8Array(gzipSync(TEXT));
    const decoded = await decode(fromChunks([gz.subarray(0, 5), gz.subarray(5)]), LIMIT);
    expect((await readAll(decoded)).toString()).toBe(TEXT.toString());
  });
});

describe('decode: gzip members and damage', () => {
  it('reads every member of a multi-member gzip (concatenated gzip files)', async () => {
    const a = Buffer.from('first member line 1\nfirst member line 2\n');
    const b = Buffer.from('second member line\n');
    const c = Buffer.from('third member, no newline');
    const data = Buffer.concat([gzipSync(a), gzipSync(b), gzipSync(c)]);
    const decoded = await decode(fromChunks(chunked(data, 10)), LIMIT);
    expect(decoded.compression).toBe('gzip');
    expect((await readAll(decoded)).toString()).toBe(`${a.toString()}${b.toString()}${c.toString()}`);
  });

  it('fails a truncated gzip with an InflateError that says it is damaged or truncated', async () => {
    const gz = gzipSync(TEXT);
    const decoded = await decode(fromChunks([gz.subarray(0, gz.length - 20)]), LIMIT);
    expect(decoded.compression).toBe('gzip');
    const err: unknown = await within(readAll(decoded)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InflateError);
    expect((err as InflateError).name).toBe('InflateError');
    expect((err as Error).message).toMatch(/^gzip content is damaged or truncated \(.+\)$/);
  });

  it('still yields the inflated bytes that came before the damage', async () => {
    const big = Buffer.concat(Array.from({ length: 40 }, () => TEXT));
    const gz = gzipSync(big);
    const decoded = await decode(fromChunks(chunked(gz.subarray(0, Math.floor(gz.length / 2)), 512)), LIMIT);
    const parts: Buffer[] = [];
    const err: unknown = await within(
      (async () => {
        for await (const c of decoded.chunks) parts.push(c);
      })(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InflateError);
    const got = Buffer.concat(parts);
    expect(got.length).toBeGreaterThan(0);
    // (Buffer.equals: a deep toEqual over 400 kB of bytes is needlessly slow)
    expect(got.equals(big.subarray(0, got.length))).toBe(true);
  });

  it('fails a gzip whose header is cut short (only the magic bytes)', async () => {
    const decoded = await decode(fromChunks([Buffer.from([0x1f, 0x8b, 0x08])]), LIMIT);
    expect(decoded.compression).toBe('gzip');
    await expect(within(readAll(decoded))).rejects.toBeInstanceOf(InflateError);
  });

  it('fails corrupt deflate data with an InflateError', async () => {
    const gz = Buffer.from(gzipSync(TEXT));
    for (let i = 12; i < 40; i++) gz[i] = 0xff;
    const decoded = await decode(fromChunks([gz]), LIMIT);
    await expect(within(readAll(decoded))).rejects.toThrow(/damaged or truncated/);
  });

  it('stops a gzip bomb at maxDecompressedBytes with an InflateError naming the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024), { level: 1 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const decoded = await decode(fromChunks(chunked(bomb, 64 * 1024)), { maxDecompressedBytes: 1024 * 1024 });
    let seen = 0;
    const err: unknown = await within(
      (async () => {
        for await (const c of decoded.chunks) seen += c.length;
      })(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InflateError);
    expect((err as Error).message).toBe(
      'gzip content exceeds the limit of 1048576 decompressed bytes (MAX_DECOMPRESSED_BYTES)',
    );
    expect(seen).toBeLessThanOrEqual(1024 * 1024);
  });

  it('allows content of exactly maxDecompressedBytes', async () => {
    const data = Buffer.alloc(100_000, 0x61);
    const decoded = await decode(fromChunks([gzipSync(data)]), { maxDecompressedBytes: 100_000 });
    expect((await readAll(decoded)).length).toBe(100_000);
  });
});

describe('decode: source failures', () => {
  class SourceError extends Error {}

  async function* failingAfter(chunks: readonly Buffer[], error: Error): AsyncGenerator<Uint8Array> {
    for (const c of chunks) {
      await Promise.resolve();
      yield c;
    }
    throw error;
  }

  it('propagates an error thrown mid-stream by a plain source', async () => {
    const boom = new SourceError('connection reset by peer');
    const decoded = await decode(failingAfter(chunked(TEXT, 8192).slice(0, 2), boom), LIMIT);
    expect(decoded.compression).toBe('none');
    const err: unknown = await within(readAll(decoded)).catch((e: unknown) => e);
    expect(err).toBe(boom);
  });

  it('propagates an error thrown mid-stream by a gzip source (not turned into InflateError, no hang)', async () => {
    const big = Buffer.concat(Array.from({ length: 40 }, () => TEXT));
    const gz = gzipSync(big);
    const boom = new SourceError('socket hang up');
    const decoded = await decode(failingAfter(chunked(gz, 1024).slice(0, 3), boom), LIMIT);
    expect(decoded.compression).toBe('gzip');
    const err: unknown = await within(readAll(decoded)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).not.toBeInstanceOf(InflateError);
    expect((err as Error).message).toBe('socket hang up');
  });

  it('propagates an error thrown by the source before any byte arrives', async () => {
    const boom = new SourceError('access denied');
    const decoded = await decode(failingAfter([], boom), LIMIT);
    await expect(within(readAll(decoded))).rejects.toBe(boom);
  });

  it('propagates an error thrown by a gzip source right after the magic bytes', async () => {
    const boom = new SourceError('reset');
    const decoded = await decode(failingAfter([gzipSync(TEXT).subarray(0, 2)], boom), LIMIT);
    expect(decoded.compression).toBe('gzip');
    await expect(within(readAll(decoded))).rejects.toBe(boom);
  });
});
